//! Dictionary-backed weak types: Chinese and English names, gender, ethnic group, religion,
//! province, city, Chinese and English addresses, license plates. These values carry no check
//! digit, so each one needs context (a field name or a keyword) and a dictionary or layout check.

use super::context as cx;
use super::registry as id;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Single-character surnames: the most frequent ~300 surnames of the household-register
/// statistics, in simplified and traditional forms.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由陳張劉楊黃趙吳許韓馮鄧蕭葉蘇呂盧鍾譚陸賈韋鄒閆賀顧龔萬錢嚴湯溫莊聶魯詹歐關蘭鄭謝羅孫蔣餘饒駱藍鮑滕陶範龐顏倪齊喬畢單紀淩錢賴馬";

/// Compound surnames (百家姓) in both scripts.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "闻人", "澹台", "公冶",
    "宗政", "濮阳", "太叔", "申屠", "钟离", "拓跋", "歐陽", "司馬", "諸葛", "東方", "長孫", "軒轅",
    "獨孤", "鍾離", "聞人",
];

/// Characters that only occur in traditional script (their simplified form differs). Enough
/// for the characters that are common in personal names.
const TRADITIONAL_ONLY: &str = "陳張黃劉趙吳鄭楊謝許羅蕭馮鄧葉蘇盧蔣韓錢孫華龍萬鍾譚賴賈嚴歐陽東門們個國偉強麗軍傑紅豔鳳雲靜輝曉勝飛鵬義禮聰穎慶長順寶貴榮賢達誠暉巖濤瑩瓊鋒銘鈞銀鐵錦鏡闊隆雙韻頌顯風馬驊鴻齊龔呂鄒閆賀顧湯溫莊聶魯詹關蘭餘饒駱藍鮑範龐顏喬畢單紀淩夢瑋詩語嬌婭嫻綺瑤鶯鷹燕愛樂興發財錫鑫鈺銳鋼鎮蓮蘭葦蕓薇藝萊瑪麥團廣廠遠運還進選鄉開關門間閃閩陣陸陰陽隊階際隨險雜難電靈韋頁項順須預領頭題額風颯飄飯館騰驕驗體髮鬥鬧魚鮮鳥鳴鴿鵑鶴鸞麼黨點齡龜";

const ETHNIC_GROUPS: &[&str] = &[
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// Ethnic group names that are safe to match with the 族 suffix in free text (single
/// characters such as 水族 or 土族 are matched only under an ethnic field).
pub fn ethnic_full_names() -> impl Iterator<Item = String> {
    ETHNIC_GROUPS.iter().map(|e| format!("{e}族"))
}

const RELIGIONS: &[&str] = &[
    "佛教",
    "道教",
    "伊斯兰教",
    "基督教",
    "天主教",
    "东正教",
    "新教",
    "犹太教",
    "印度教",
    "锡克教",
    "藏传佛教",
    "喇嘛教",
    "基督新教",
    "佛教徒",
    "基督徒",
    "穆斯林",
    "天主教徒",
    "buddhism",
    "buddhist",
    "taoism",
    "taoist",
    "islam",
    "muslim",
    "islamic",
    "christianity",
    "christian",
    "catholic",
    "catholicism",
    "protestant",
    "orthodox",
    "judaism",
    "jewish",
    "hinduism",
    "hindu",
    "sikhism",
    "sikh",
    "shinto",
    "jainism",
    "baptist",
    "mormon",
];

const PROVINCES: &[&str] = &[
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

const PROVINCES_PINYIN: &[&str] = &[
    "beijing",
    "tianjin",
    "shanghai",
    "chongqing",
    "hebei",
    "shanxi",
    "liaoning",
    "jilin",
    "heilongjiang",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "hainan",
    "sichuan",
    "guizhou",
    "yunnan",
    "shaanxi",
    "gansu",
    "qinghai",
    "taiwan",
    "inner mongolia",
    "neimenggu",
    "guangxi",
    "tibet",
    "xizang",
    "ningxia",
    "xinjiang",
    "hong kong",
    "hongkong",
    "macau",
    "macao",
];

/// Prefecture-level divisions (GB/T 2260), without the 市 suffix, plus the four municipalities.
const CITIES: &str = "北京 天津 上海 重庆 石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 吉林 四平 辽源 通化 白山 松原 白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施 仙桃 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚 三沙 儋州 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳 阿坝 甘孜 凉山 贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄 红河 文山 西双版纳 大理 德宏 怒江 迪庆 拉萨 日喀则 昌都 林芝 山南 那曲 阿里 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏 甘南 西宁 海东 海北 黄南 海南州 果洛 玉树 海西 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏 喀什 和田 伊犁 塔城 阿勒泰 石河子 香港 澳门 台北 高雄 台中 台南 新北 桃园 基隆 新竹 嘉义";

const CITIES_PINYIN: &[&str] = &[
    "beijing",
    "tianjin",
    "shanghai",
    "chongqing",
    "guangzhou",
    "shenzhen",
    "hangzhou",
    "nanjing",
    "wuhan",
    "chengdu",
    "xian",
    "xi'an",
    "suzhou",
    "qingdao",
    "dalian",
    "xiamen",
    "shenyang",
    "harbin",
    "changsha",
    "zhengzhou",
    "jinan",
    "kunming",
    "fuzhou",
    "hefei",
    "nanchang",
    "nanning",
    "guiyang",
    "lanzhou",
    "taiyuan",
    "shijiazhuang",
    "changchun",
    "urumqi",
    "hohhot",
    "yinchuan",
    "xining",
    "lhasa",
    "haikou",
    "sanya",
    "ningbo",
    "wuxi",
    "foshan",
    "dongguan",
    "zhuhai",
    "wenzhou",
    "tangshan",
    "yantai",
    "zhuhai",
    "hong kong",
    "macau",
];

/// Common English given names (US SSA/Census top names); used only when a bare `name` field
/// is not known to hold a person.
const GIVEN_NAMES: &str = "james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason philip louis liam oliver lucas mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori ava mia chloe zoe lily ella wei li ming jun hui yan ling tom tim bob bill mike dave chris alex sam ben kate anne jane lucy";

const STREET_SUFFIXES: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "av",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "court",
    "ct",
    "way",
    "place",
    "pl",
    "terrace",
    "ter",
    "parkway",
    "pkwy",
    "circle",
    "cir",
    "highway",
    "hwy",
    "square",
    "sq",
    "trail",
    "trl",
    "alley",
    "plaza",
    "loop",
    "crescent",
    "close",
    "row",
    "pike",
    "expressway",
    "freeway",
    "route",
];

struct Dicts {
    surnames: HashSet<char>,
    traditional: HashSet<char>,
    cities: HashSet<&'static str>,
    given: HashSet<&'static str>,
}

fn dicts() -> &'static Dicts {
    static D: OnceLock<Dicts> = OnceLock::new();
    D.get_or_init(|| Dicts {
        surnames: SURNAMES.chars().collect(),
        traditional: TRADITIONAL_ONLY.chars().collect(),
        cities: CITIES.split(' ').filter(|s| !s.is_empty()).collect(),
        given: GIVEN_NAMES.split(' ').filter(|s| !s.is_empty()).collect(),
    })
}

pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Characters that never end (or appear in) a personal name: place and organisation markers.
const NOT_NAME_CHARS: &str =
    "省市区县镇乡村路街号楼室店司厂局院校部科处馆站场园所队组会社团行业品牌类型级期";

/// A Chinese personal name (2-4 Han characters, known surname). Returns the type ID.
pub fn cn_name(v: &str) -> Option<u32> {
    let v = super::scan::trim(v);
    let n = v.chars().count();
    if !(2..=4).contains(&n) || !v.chars().all(|c| is_han(c) || c == '·') {
        return None;
    }
    let d = dicts();
    let first = v.chars().next()?;
    const COMPOUND_FIRST: &str =
        "欧司上诸东皇尉公慕长宇夏轩令端独南西百呼闻澹宗濮太申钟拓歐諸東長軒獨鍾聞";
    let compound =
        COMPOUND_FIRST.contains(first) && COMPOUND_SURNAMES.iter().any(|s| v.starts_with(s));
    if !compound && !d.surnames.contains(&first) {
        return None;
    }
    if compound && n < 3 && !d.surnames.contains(&first) {
        return None;
    }
    if v.chars().skip(1).any(|c| NOT_NAME_CHARS.contains(c)) {
        return None;
    }
    if v.chars().any(|c| d.traditional.contains(&c)) {
        Some(id::CN_NAME_TRADITIONAL)
    } else {
        Some(id::CN_NAME_SIMPLIFIED)
    }
}

/// An English full name: 2-3 capitalised words, an optional middle initial.
pub fn en_name(v: &str, flags: u64) -> bool {
    let v = super::scan::trim(v);
    if v.len() > 60 {
        return false;
    }
    let mut words: Vec<&str> = v.split(' ').filter(|w| !w.is_empty()).collect();
    // honorifics and suffixes around the name (Dr. Jane Roe, John Smith Jr., Mary Major MD)
    if words.len() > 2
        && matches!(
            words[0],
            "Mr." | "Mrs." | "Ms." | "Miss" | "Dr." | "Prof." | "Mr" | "Mrs" | "Ms" | "Dr"
        )
    {
        words.remove(0);
    }
    if words.len() > 2
        && matches!(
            words[words.len() - 1],
            "Jr." | "Sr." | "II" | "III" | "IV" | "MD" | "PhD" | "DDS" | "DVM" | "Jr" | "Sr"
        )
    {
        words.pop();
    }
    if !(2..=4).contains(&words.len()) {
        return false;
    }
    for (i, w) in words.iter().enumerate() {
        let b = w.as_bytes();
        if !b[0].is_ascii_uppercase() {
            return false;
        }
        // a middle initial `J.`
        if b.len() == 2 && b[1] == b'.' && i > 0 && i + 1 < words.len() {
            continue;
        }
        // letters with apostrophes and hyphens (O'Neil, Smith-Jones, McDonald), mostly lower case
        let letters_ok = b.len() >= 2
            && b.iter()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, b'\'' | b'-'))
            && b.iter().filter(|c| c.is_ascii_lowercase()).count() >= 2
            && b.iter().filter(|c| c.is_ascii_uppercase()).count() <= 3
            && b.last().is_some_and(u8::is_ascii_lowercase);
        if !letters_ok {
            return false;
        }
    }
    if flags & cx::STRONG_NAME != 0 {
        return true;
    }
    if flags & cx::NOT_PERSON != 0 {
        return false;
    }
    let first = words[0].to_ascii_lowercase();
    dicts().given.contains(first.as_str())
}

pub fn gender(v: &str) -> bool {
    let t = super::scan::trim(v);
    matches!(
        t,
        "男" | "女" | "男性" | "女性" | "M" | "F" | "0" | "1" | "2"
    ) || ["male", "female", "man", "woman"]
        .iter()
        .any(|g| t.eq_ignore_ascii_case(g))
}

pub fn ethnic(v: &str) -> bool {
    let t = super::scan::trim(v);
    let t = t.strip_suffix('族').unwrap_or(t);
    ETHNIC_GROUPS.contains(&t)
}

pub fn religion(v: &str) -> bool {
    let t = super::scan::trim(v);
    RELIGIONS.iter().any(|r| t.eq_ignore_ascii_case(r))
}

fn strip_admin_suffix(v: &str) -> &str {
    for s in [
        "壮族自治区",
        "回族自治区",
        "维吾尔自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ] {
        if let Some(x) = v.strip_suffix(s) {
            return x;
        }
    }
    v
}

pub fn province(v: &str) -> bool {
    let t = super::scan::trim(v);
    if t.is_ascii() {
        let l = t.to_ascii_lowercase();
        let l = l
            .strip_suffix(" province")
            .or_else(|| l.strip_suffix(" sheng"))
            .unwrap_or(&l);
        return PROVINCES_PINYIN.contains(&l);
    }
    PROVINCES.contains(&strip_admin_suffix(t))
}

pub fn city(v: &str) -> bool {
    let t = super::scan::trim(v);
    if t.is_ascii() {
        let l = t.to_ascii_lowercase();
        let l = l.strip_suffix(" city").unwrap_or(&l);
        return CITIES_PINYIN.contains(&l);
    }
    let s = t
        .strip_suffix("市")
        .or_else(|| t.strip_suffix("地区"))
        .or_else(|| t.strip_suffix("自治州"))
        .or_else(|| t.strip_suffix("盟"))
        .unwrap_or(t);
    dicts().cities.contains(s)
}

fn starts_with_place(v: &str) -> bool {
    PROVINCES.iter().any(|p| v.starts_with(p))
        || v.char_indices()
            .skip(1)
            .take(4)
            .any(|(i, _)| dicts().cities.contains(&v[..i]) && v[i..].starts_with('市'))
}

/// A Chinese address. `strong` = under an address field.
pub fn cn_address(v: &str, strong: bool) -> bool {
    let t = super::scan::trim(v);
    if t.len() < 15 || t.len() > 480 {
        return false; // fewer than 5 Han characters, or a paragraph
    }
    // one pass: counts of characters, Han characters, and address markers
    let (mut n, mut han, mut admin, mut street, mut number, mut digits) =
        (0usize, 0usize, 0usize, 0usize, 0usize, false);
    for c in t.chars() {
        n += 1;
        match c {
            '0'..='9' => digits = true,
            '省' | '市' | '区' | '县' | '镇' | '乡' | '村' | '旗' | '州' | '盟' => {
                admin += 1;
                han += 1;
            }
            '路' | '街' | '道' | '巷' | '弄' | '里' | '胡' => {
                street += 1;
                han += 1;
            }
            '号' | '栋' | '幢' | '楼' | '室' | '单' | '座' | '层' => {
                number += 1;
                han += 1;
            }
            c if is_han(c) => han += 1,
            _ => {}
        }
    }
    if !(5..=120).contains(&n) || han * 2 < n || admin + street + number == 0 {
        return false;
    }
    if strong {
        return admin + street + number >= 2 || (admin + street >= 1 && digits);
    }
    (admin >= 1 && street >= 1 && number >= 1 && digits)
        || (admin >= 2 && street + number >= 1 && starts_with_place(t))
}

/// An English street address. `strong` = under an address field.
pub fn en_address(v: &str, strong: bool) -> bool {
    let t = super::scan::trim(v);
    if t.len() < 8 || t.len() > 160 || !t.is_ascii() {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_ascii_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < 3 {
        return false;
    }
    let first = words[0];
    let house = first.len() <= 6
        && first.as_bytes()[0].is_ascii_digit()
        && first
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-');
    if !house {
        return false;
    }
    let suffix_at = words.iter().take(7).skip(2).position(|w| {
        let w = w.trim_end_matches('.').to_ascii_lowercase();
        STREET_SUFFIXES.contains(&w.as_str())
    });
    match suffix_at {
        Some(p) => words[1..p + 2]
            .iter()
            .all(|w| w.as_bytes()[0].is_ascii_uppercase() || w.as_bytes()[0].is_ascii_digit()),
        None => strong && words[1].as_bytes()[0].is_ascii_uppercase(),
    }
}

/// Province abbreviations used as the first character of a plate (GA 36-2018).
pub const PLATE_PROVINCES: &str =
    "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领";

/// The ASCII part of a plate after the province character: letter + 5 alnum (last may be a
/// special character handled by the caller) or + 6 for new-energy plates.
pub fn plate_tail(t: &[u8]) -> bool {
    let ok = |c: &u8| c.is_ascii_digit() || (c.is_ascii_uppercase() && *c != b'I' && *c != b'O');
    if t.len() < 6 || t.len() > 7 || !t[0].is_ascii_uppercase() || matches!(t[0], b'I' | b'O') {
        return false;
    }
    if !t[1..].iter().all(ok) {
        return false;
    }
    let digits = t[1..].iter().filter(|c| c.is_ascii_digit()).count();
    if t.len() == 7 {
        // new energy: D/F first or last of the six
        return (matches!(t[1], b'D' | b'F') || matches!(t[6], b'D' | b'F')) && digits >= 4;
    }
    digits >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(cn_name("张伟"), Some(id::CN_NAME_SIMPLIFIED));
        assert_eq!(cn_name("欧阳娜娜"), Some(id::CN_NAME_SIMPLIFIED));
        assert_eq!(cn_name("陳大文"), Some(id::CN_NAME_TRADITIONAL));
        assert_eq!(cn_name("苹果手机"), None);
        assert_eq!(cn_name("王府井大街"), None);
        assert_eq!(cn_name("北京市"), None);
        assert!(en_name("John Smith", cx::NAME));
        assert!(en_name("Mary J. Watson", cx::NAME));
        assert!(!en_name("Apple Watch", cx::NAME));
        assert!(en_name("Xavier Quinlan", cx::NAME | cx::STRONG_NAME));
        assert!(!en_name("john smith", cx::STRONG_NAME));
        assert!(!en_name("iPhone 15", cx::STRONG_NAME));
        assert!(en_name("Dr. Kristen Hughes", cx::STRONG_NAME));
        assert!(en_name("John Smith Jr.", cx::STRONG_NAME));
        assert!(en_address(
            "0487 Hernandez Plaza Suite 555\nNew Danielshire, MI 44342",
            false
        ));
    }

    #[test]
    fn places() {
        assert!(province("广东省"));
        assert!(province("新疆维吾尔自治区"));
        assert!(province("Zhejiang"));
        assert!(!province("广州"));
        assert!(city("广州市"));
        assert!(city("深圳"));
        assert!(!city("广东省"));
        assert!(cn_address("北京市朝阳区建国路88号", false));
        assert!(cn_address("浙江省杭州市西湖区文三路100号3栋201室", false));
        assert!(!cn_address("今天天气很好我们去公园", false));
        assert!(cn_address("朝阳区建国路", true));
        assert!(en_address(
            "1600 Amphitheatre Parkway, Mountain View, CA 94043",
            false
        ));
        assert!(en_address("221B Baker Street", false));
        assert!(!en_address("3 cats and 4 dogs", false));
    }

    #[test]
    fn weak_values() {
        assert!(gender("男"));
        assert!(gender("Female"));
        assert!(!gender("unknown"));
        assert!(ethnic("汉族"));
        assert!(ethnic("维吾尔"));
        assert!(!ethnic("汉堡"));
        assert!(religion("佛教"));
        assert!(religion("Christian"));
        assert!(!religion("none"));
        assert!(plate_tail(b"A12345"));
        assert!(plate_tail(b"AD12345"));
        assert!(!plate_tail(b"A1"));
    }
}
