//! Valid-looking personal and business values: mainland ID numbers with GB 11643 check digits and
//! real area codes, mobiles from allocated prefixes, Luhn-valid bank cards with real BIN prefixes,
//! unified social credit codes (GB 32100) with GB 11714 organisation codes, Hong Kong ID numbers,
//! VINs (ISO 3779 check digit), IMEIs, e-mails, addresses, names.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// Real county-level area codes (GB/T 2260) with their province, city and district.
pub const AREAS: &[(&str, &str, &str, &str, &str)] = &[
    // code, province, city, district, landline area code
    ("110101", "北京市", "北京市", "东城区", "010"),
    ("110105", "北京市", "北京市", "朝阳区", "010"),
    ("110108", "北京市", "北京市", "海淀区", "010"),
    ("120101", "天津市", "天津市", "和平区", "022"),
    ("130102", "河北省", "石家庄市", "长安区", "0311"),
    ("210102", "辽宁省", "沈阳市", "和平区", "024"),
    ("310101", "上海市", "上海市", "黄浦区", "021"),
    ("310104", "上海市", "上海市", "徐汇区", "021"),
    ("310115", "上海市", "上海市", "浦东新区", "021"),
    ("320102", "江苏省", "南京市", "玄武区", "025"),
    ("320505", "江苏省", "苏州市", "虎丘区", "0512"),
    ("330102", "浙江省", "杭州市", "上城区", "0571"),
    ("330106", "浙江省", "杭州市", "西湖区", "0571"),
    ("330203", "浙江省", "宁波市", "海曙区", "0574"),
    ("340104", "安徽省", "合肥市", "蜀山区", "0551"),
    ("350203", "福建省", "厦门市", "思明区", "0592"),
    ("370102", "山东省", "济南市", "历下区", "0531"),
    ("370202", "山东省", "青岛市", "市南区", "0532"),
    ("410105", "河南省", "郑州市", "金水区", "0371"),
    ("420106", "湖北省", "武汉市", "武昌区", "027"),
    ("430104", "湖南省", "长沙市", "岳麓区", "0731"),
    ("440103", "广东省", "广州市", "荔湾区", "020"),
    ("440106", "广东省", "广州市", "天河区", "020"),
    ("440304", "广东省", "深圳市", "福田区", "0755"),
    ("440305", "广东省", "深圳市", "南山区", "0755"),
    ("450103", "广西壮族自治区", "南宁市", "青秀区", "0771"),
    ("500103", "重庆市", "重庆市", "渝中区", "023"),
    ("510104", "四川省", "成都市", "锦江区", "028"),
    ("510107", "四川省", "成都市", "武侯区", "028"),
    ("530102", "云南省", "昆明市", "五华区", "0871"),
    ("610113", "陕西省", "西安市", "雁塔区", "029"),
];

const STREETS: &[&str] = &[
    "建国路",
    "人民路",
    "中山路",
    "解放路",
    "长安街",
    "南京路",
    "淮海中路",
    "天河路",
    "深南大道",
    "文一西路",
    "科技园路",
    "学院路",
    "和平大街",
    "金融街",
    "滨江大道",
    "东风路",
    "新华路",
];
const COMMUNITIES: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "万科城",
    "碧桂园",
    "绿地小区",
    "幸福里",
    "金地名轩",
    "华府天地",
];

/// Common surnames with pinyin.
const SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("潘", "pan"),
];
/// Given-name characters with pinyin.
const GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀", "xiu"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("桂", "gui"),
    ("英", "ying"),
    ("华", "hua"),
    ("玉", "yu"),
    ("兰", "lan"),
    ("鹏", "peng"),
    ("辉", "hui"),
    ("婷", "ting"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("晨", "chen"),
    ("子", "zi"),
    ("轩", "xuan"),
    ("梓", "zi"),
    ("涵", "han"),
    ("博", "bo"),
    ("文", "wen"),
    ("建", "jian"),
    ("国", "guo"),
];

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "185", "186", "187", "188", "189", "191", "195", "198", "199",
];

const MAIL_DOMAINS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
    "139.com",
];

/// Real issuer prefixes (BIN) of mainland bank cards: (prefix, length, credit?, bank).
pub const BINS: &[(&str, usize, bool, &str)] = &[
    ("622848", 19, false, "中国农业银行"),
    ("621700", 19, false, "中国建设银行"),
    ("622202", 19, false, "中国工商银行"),
    ("621226", 19, false, "中国工商银行"),
    ("622588", 16, false, "招商银行"),
    ("621483", 16, false, "招商银行"),
    ("436742", 16, true, "中国建设银行"),
    ("518710", 16, true, "招商银行"),
    ("625965", 16, true, "中国银行"),
];

const PLATE_PROVINCES: &[&str] = &[
    "京", "沪", "粤", "浙", "苏", "川", "鄂", "湘", "鲁", "豫", "闽", "陕",
];

/// GB 11643 check character of the first 17 digits of a mainland ID number.
pub fn id_check_char(first17: &[u8]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .iter()
        .zip(W)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] as char
}

/// True when `id` is 18 characters with a valid GB 11643 check character.
pub fn id_valid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && id_check_char(&b[..17]) == b[17] as char
}

/// Appends the Luhn check digit to `digits`.
pub fn luhn_complete(digits: &mut String) {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    digits.push((b'0' + ((10 - sum % 10) % 10) as u8) as char);
}

/// True when the digit string passes the Luhn check.
pub fn luhn_valid(s: &str) -> bool {
    if s.len() < 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut head = s[..s.len() - 1].to_string();
    luhn_complete(&mut head);
    head == s
}

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 11714 organisation code: 8 body characters plus a check character.
fn org_code(rng: &mut ChaCha8Rng) -> String {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut s = String::with_capacity(9);
    let mut sum = 0;
    for w in W {
        // Digits and letters allowed in both code systems.
        let c = USCC_CHARS[rng.gen_range(0..USCC_CHARS.len())];
        let v = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else {
            (c - b'A') as u32 + 10
        };
        sum += v * w;
        s.push(c as char);
    }
    let check = 11 - sum % 11;
    s.push(match check {
        10 => 'X',
        11 => '0',
        d => (b'0' + d as u8) as char,
    });
    s
}

/// GB 32100 unified social credit code: "91" + area + organisation code + check character.
pub fn uscc(rng: &mut ChaCha8Rng) -> String {
    let area = AREAS[rng.gen_range(0..AREAS.len())].0;
    let mut s = String::with_capacity(18);
    s.push_str(if rng.gen_bool(0.9) { "91" } else { "92" });
    s.push_str(area);
    s.push_str(&org_code(rng));
    s.push(uscc_check_char(&s));
    s
}

/// GB 32100 check character of the first 17 characters.
pub fn uscc_check_char(first17: &str) -> char {
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let sum: usize = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| USCC_CHARS.iter().position(|&x| x == c).unwrap_or(0) * w)
        .sum();
    USCC_CHARS[(31 - sum % 31) % 31] as char
}

/// Hong Kong identity card number like `A123456(3)`.
pub fn hk_id(rng: &mut ChaCha8Rng) -> String {
    let letter = b"ACDEGHKPRVZ"[rng.gen_range(0..11)];
    let mut sum = 9 * 36 + 8 * ((letter - b'A') as u32 + 10);
    let mut s = String::with_capacity(10);
    s.push(letter as char);
    for w in (2..=7).rev() {
        let d = rng.gen_range(0..10u32);
        sum += w * d;
        s.push((b'0' + d as u8) as char);
    }
    let check = (11 - sum % 11) % 11;
    s.push('(');
    s.push(if check == 10 {
        'A'
    } else {
        (b'0' + check as u8) as char
    });
    s.push(')');
    s
}

/// ISO 3779 / North American VIN check character (position 9) of a 17-character VIN.
pub fn vin_check_char(v: &[u8]) -> char {
    const W: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    fn val(c: u8) -> u32 {
        match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'H' => (c - b'A') as u32 + 1,
            b'J'..=b'N' => (c - b'J') as u32 + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => (c - b'S') as u32 + 2,
            _ => 0,
        }
    }
    let sum: u32 = v.iter().zip(W).map(|(&c, w)| val(c) * w).sum();
    let r = sum % 11;
    if r == 10 {
        'X'
    } else {
        (b'0' + r as u8) as char
    }
}

/// Vehicle identification number with a valid check character in position 9.
pub fn vin(rng: &mut ChaCha8Rng) -> String {
    const CH: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
    let wmi: &[u8] = [b"LSV".as_slice(), b"LFV", b"LGB", b"LHG"][rng.gen_range(0..4)];
    let mut v: Vec<u8> = wmi.to_vec();
    while v.len() < 17 {
        v.push(CH[rng.gen_range(0..CH.len())]);
    }
    v[8] = vin_check_char(&v) as u8;
    String::from_utf8(v).unwrap_or_default()
}

/// IMEI: a Chinese-market TAC-like prefix, serial and Luhn check digit (15 digits).
pub fn imei(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::with_capacity(15);
    s.push_str(["86", "35"][rng.gen_range(0..2)]);
    for _ in 0..12 {
        s.push((b'0' + rng.gen_range(0..10u8)) as char);
    }
    luhn_complete(&mut s);
    s
}

pub fn mac(rng: &mut ChaCha8Rng) -> String {
    let b: [u8; 6] = rng.gen();
    format!(
        "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
        b[0] & 0xfc,
        b[1],
        b[2],
        b[3],
        b[4],
        b[5]
    )
}

pub fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push((b'0' + rng.gen_range(0..10u8)) as char);
    }
    s
}

pub fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    const H: &[u8] = b"0123456789abcdef";
    let mut s = String::with_capacity(n);
    let mut bits = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            bits = rng.gen();
        }
        s.push(H[(bits & 0xf) as usize] as char);
        bits >>= 4;
    }
    s
}

pub fn alnum(rng: &mut ChaCha8Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        s.push(A[rng.gen_range(0..A.len())] as char);
    }
    s
}

pub fn uuid(rng: &mut ChaCha8Rng) -> String {
    let h = hex(rng, 32);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

pub fn mobile(rng: &mut ChaCha8Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(MOBILE_PREFIXES[rng.gen_range(0..MOBILE_PREFIXES.len())]);
    s.push_str(&digits(rng, 8));
    s
}

/// `138****5678`
pub fn mask_mobile(m: &str) -> String {
    if m.len() == 11 {
        format!("{}****{}", &m[..3], &m[7..])
    } else {
        "****".into()
    }
}

/// `110105********1234`
pub fn mask_id(id: &str) -> String {
    if id.len() == 18 {
        format!("{}********{}", &id[..6], &id[14..])
    } else {
        "****".into()
    }
}

/// `张*` / `欧阳**`
pub fn mask_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        out.push(if i == 0 { c } else { '*' });
    }
    out
}

/// `**** **** **** 1234`
pub fn mask_card(card: &str) -> String {
    format!("**** **** **** {}", &card[card.len().saturating_sub(4)..])
}

/// A person of the demo world: one mainland resident with consistent identifiers.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub pinyin: String,
    pub gender_male: bool,
    pub birth: (u32, u32, u32),
    pub id_number: String,
    pub mobile: String,
    pub email: String,
    pub province: &'static str,
    pub city: &'static str,
    pub address: String,
    pub landline: String,
    pub bank_card: String,
    pub bank: &'static str,
    pub card_credit: bool,
}

impl Person {
    pub fn generate(rng: &mut ChaCha8Rng) -> Person {
        let (sur, sur_py) = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let mut name = sur.to_string();
        let mut pinyin = sur_py.to_string();
        let given = if rng.gen_bool(0.7) { 2 } else { 1 };
        for _ in 0..given {
            let (c, py) = GIVEN[rng.gen_range(0..GIVEN.len())];
            name.push_str(c);
            pinyin.push_str(py);
        }
        let area = AREAS[rng.gen_range(0..AREAS.len())];
        let year = rng.gen_range(1962..=2004u32);
        let month = rng.gen_range(1..=12u32);
        let day = rng.gen_range(1..=28u32);
        let male = rng.gen_bool(0.5);
        let mut seq = rng.gen_range(0..500u32) * 2;
        if male {
            seq += 1;
        }
        let mut id = String::with_capacity(18);
        let _ = write!(id, "{}{year:04}{month:02}{day:02}{seq:03}", area.0);
        let check = id_check_char(id.as_bytes());
        id.push(check);
        let mobile = mobile(rng);
        let email = format!(
            "{}{}@{}",
            pinyin,
            rng.gen_range(1..9999u32),
            MAIL_DOMAINS[rng.gen_range(0..MAIL_DOMAINS.len())]
        );
        let address = format!(
            "{}{}{}{}{}号{}{}号楼{}单元{}室",
            if area.1 == area.2 { "" } else { area.1 },
            area.2,
            area.3,
            STREETS[rng.gen_range(0..STREETS.len())],
            rng.gen_range(1..999u32),
            COMMUNITIES[rng.gen_range(0..COMMUNITIES.len())],
            rng.gen_range(1..30u32),
            rng.gen_range(1..6u32),
            rng.gen_range(1..33u32) * 100 + rng.gen_range(1..5u32),
        );
        let landline = format!(
            "{}-{}{}",
            area.4,
            rng.gen_range(5..9u32),
            digits(rng, if area.4.len() == 3 { 7 } else { 6 })
        );
        let bin = BINS[rng.gen_range(0..BINS.len())];
        let mut card = bin.0.to_string();
        card.push_str(&digits(rng, bin.1 - 7));
        luhn_complete(&mut card);
        Person {
            name,
            pinyin,
            gender_male: male,
            birth: (year, month, day),
            id_number: id,
            mobile,
            email,
            province: area.1,
            city: area.2,
            address,
            landline,
            bank_card: card,
            bank: bin.3,
            card_credit: bin.2,
        }
    }

    pub fn gender(&self) -> &'static str {
        if self.gender_male {
            "男"
        } else {
            "女"
        }
    }

    pub fn birthday(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.birth.0, self.birth.1, self.birth.2
        )
    }
}

pub fn plate(rng: &mut ChaCha8Rng) -> String {
    const L: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    let mut s = PLATE_PROVINCES[rng.gen_range(0..PLATE_PROVINCES.len())].to_string();
    s.push(L[rng.gen_range(0..12)] as char);
    for _ in 0..5 {
        s.push(L[rng.gen_range(0..L.len())] as char);
    }
    s
}

pub fn passport(rng: &mut ChaCha8Rng) -> String {
    format!("E{}", digits(rng, 8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn id_numbers_have_valid_check_digits() {
        // Published example: 11010519491231002X.
        assert!(id_valid("11010519491231002X"));
        assert!(!id_valid("110105194912310021"));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            let p = Person::generate(&mut rng);
            assert!(id_valid(&p.id_number), "{}", p.id_number);
            assert!(luhn_valid(&p.bank_card), "{}", p.bank_card);
            assert_eq!(p.mobile.len(), 11);
        }
    }

    #[test]
    fn luhn_and_uscc_vectors() {
        assert!(luhn_valid("4111111111111111"));
        assert!(!luhn_valid("4111111111111112"));
        // Published example code: 91350100M000100Y43.
        assert_eq!(uscc_check_char("91350100M000100Y4"), '3');
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..100 {
            let c = uscc(&mut rng);
            assert_eq!(c.len(), 18);
            assert_eq!(uscc_check_char(&c[..17]), c.as_bytes()[17] as char);
        }
    }

    #[test]
    fn hk_id_and_vin_vectors() {
        // VIN example from the North American check digit description.
        assert_eq!(vin_check_char(b"1M8GDM9AXKP042788"), 'X');
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let id = hk_id(&mut rng);
        assert_eq!(id.len(), 10);
        let v = vin(&mut rng);
        assert_eq!(vin_check_char(v.as_bytes()), v.as_bytes()[8] as char);
        assert!(luhn_valid(&imei(&mut rng)));
    }
}
