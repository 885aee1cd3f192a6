//! Field-name context: what a JSON key, form/query name, header name or XML element says about
//! the value under it. Keys are split into lower-case words (`realName` -> `real`,`name`;
//! `id_card_no` -> `id`,`card`,`no`) so that `ethnicity` never reads as `city` and `provider`
//! never reads as `prov`.

pub const NAME: u64 = 1 << 0;
pub const GENDER: u64 = 1 << 1;
pub const ETHNIC: u64 = 1 << 2;
pub const RELIGION: u64 = 1 << 3;
pub const ADDRESS: u64 = 1 << 4;
pub const PROVINCE: u64 = 1 << 5;
pub const CITY: u64 = 1 << 6;
pub const DATE: u64 = 1 << 7;
pub const PHONE: u64 = 1 << 8;
pub const CARD: u64 = 1 << 9;
pub const IMEI: u64 = 1 << 10;
pub const MEID: u64 = 1 << 11;
pub const TAX: u64 = 1 << 12;
pub const LICENSE: u64 = 1 << 13;
pub const ORG: u64 = 1 << 14;
pub const USCC: u64 = 1 << 15;
pub const SWIFT: u64 = 1 << 16;
pub const VIN: u64 = 1 << 17;
pub const SECRET: u64 = 1 << 18;
pub const VERSION: u64 = 1 << 19;
/// Order, trade, trace, request, serial numbers, hashes and timestamps: digit runs under such
/// names are not personal identifiers unless they carry a check digit.
pub const NEGATIVE: u64 = 1 << 20;
pub const PASSPORT: u64 = 1 << 21;
pub const OFFICER: u64 = 1 << 22;
pub const SSN: u64 = 1 << 23;
pub const KK: u64 = 1 << 24;
pub const KIP: u64 = 1 << 25;
pub const MYKAD: u64 = 1 << 26;
pub const MAC: u64 = 1 << 27;
/// A strong person-name field (`realName`, `xingming`): any 2-3 capitalised words qualify.
pub const STRONG_NAME: u64 = 1 << 28;
pub const IDNO: u64 = 1 << 29;
pub const TOKEN: u64 = 1 << 30;
pub const BIRTH: u64 = 1 << 31;
/// A parent object that is not a person (`product`, `company`): a bare `name` is not a person.
pub const NOT_PERSON: u64 = 1 << 32;

const MAX_WORDS: usize = 8;
const MAX_WORD: usize = 24;

/// Splits a key into lower-case ASCII words; non-ASCII keys become one word (raw).
fn words(key: &str, out: &mut [[u8; MAX_WORD]; MAX_WORDS], lens: &mut [usize; MAX_WORDS]) -> usize {
    let b = key.as_bytes();
    let mut n = 0;
    let mut cur = 0usize;
    let mut prev_lower = false;
    let mut i = 0;
    while i < b.len() && n < MAX_WORDS {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let upper = c.is_ascii_uppercase();
            // camelCase boundary, and the end of an acronym (`IDCard` -> `id`, `card`)
            let acronym_end = upper
                && cur > 0
                && i + 1 < b.len()
                && b[i + 1].is_ascii_lowercase()
                && i > 0
                && b[i - 1].is_ascii_uppercase();
            if ((upper && prev_lower) || acronym_end) && cur > 0 {
                lens[n] = cur;
                n += 1;
                cur = 0;
                if n == MAX_WORDS {
                    break;
                }
            }
            if cur < MAX_WORD {
                out[n][cur] = c.to_ascii_lowercase();
                cur += 1;
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if cur > 0 {
                lens[n] = cur;
                n += 1;
                cur = 0;
            }
            prev_lower = false;
        }
        i += 1;
    }
    if cur > 0 && n < MAX_WORDS {
        lens[n] = cur;
        n += 1;
    }
    n
}

/// Context flags of one field name. `parent` is the enclosing key (for a bare `name`).
pub fn key_flags(key: &str, parent: &str) -> u64 {
    if key.is_empty() {
        return 0;
    }
    if !key.is_ascii() {
        return cjk_key_flags(key);
    }
    let mut buf = [[0u8; MAX_WORD]; MAX_WORDS];
    let mut lens = [0usize; MAX_WORDS];
    let n = words(key, &mut buf, &mut lens);
    let mut flags = 0u64;
    let w = |i: usize| -> &[u8] { &buf[i][..lens[i]] };
    for i in 0..n {
        // `imei1`, `address2`, `phone_2`: a trailing index does not change the meaning
        let raw = w(i);
        let cut = raw
            .iter()
            .rposition(|c| !c.is_ascii_digit())
            .map_or(raw.len(), |p| p + 1);
        let word = if cut >= 2 { &raw[..cut] } else { raw };
        let next = if i + 1 < n { w(i + 1) } else { b"" };
        let prev = if i > 0 { w(i - 1) } else { b"" };
        flags |= match word {
            b"name" | b"xingming" | b"xm" => {
                if n == 1 {
                    if parent_is_person(parent) {
                        NAME | STRONG_NAME
                    } else if parent_is_not_person(parent) {
                        NAME | NOT_PERSON
                    } else {
                        NAME
                    }
                } else if is_person_prefix(prev) && i == n - 1 {
                    NAME | STRONG_NAME
                } else {
                    0
                }
            }
            b"realname" | b"fullname" | b"truename" | b"username" | b"custname"
            | b"customername" | b"contactname" | b"lxr" | b"lianxiren" | b"consignee"
            | b"recipient" | b"recipientname" | b"receivername" | b"shouhuoren"
            | b"shoujianren" | b"cardholder" | b"holdername" | b"linkman" | b"payername"
            | b"payeename" | b"patientname" | b"studentname" | b"legalperson" | b"accountname"
            | b"ownername" | b"employeename" => NAME | STRONG_NAME,
            b"gender" | b"sex" | b"xingbie" | b"xb" => GENDER,
            b"ethnic" | b"ethnicity" | b"minzu" | b"nationality_cn" | b"mz" => ETHNIC,
            b"nation" if n == 1 => ETHNIC,
            b"religion" | b"religious" | b"faith" | b"zongjiao" | b"xinyang" => RELIGION,
            b"address" | b"addr" | b"dizhi" | b"street" | b"residence" | b"domicile"
            | b"zhuzhi" | b"dz" | b"addressline" | b"address1" | b"address2" => {
                if matches!(
                    prev,
                    b"ip" | b"mac" | b"email" | b"mail" | b"wallet" | b"server"
                ) {
                    0
                } else {
                    ADDRESS
                }
            }
            b"province" | b"shengfen" | b"provincename" => PROVINCE,
            b"prov" | b"sheng" if n == 1 || i == 0 => PROVINCE,
            b"city" | b"cityname" | b"chengshi" => CITY,
            b"date" | b"day" | b"riqi" | b"dt" => DATE,
            b"birthday" | b"birthdate" | b"dob" | b"shengri" | b"csrq" | b"birth" => DATE | BIRTH,
            b"phone" | b"mobile" | b"tel" | b"telephone" | b"cellphone" | b"phonenumber"
            | b"mobilephone" | b"shouji" | b"dianhua" | b"sjhm" | b"lxdh" | b"fax"
            | b"landline" | b"contact" | b"msisdn" | b"cell" => PHONE,
            b"card" | b"cardno" | b"cardnum" | b"bankcard" | b"pan" | b"acctno" | b"account"
            | b"cardnumber" | b"yhk" | b"kahao" => {
                if matches!(prev, b"id" | b"identity" | b"sfz" | b"kk" | b"kip" | b"ic") {
                    IDNO
                } else {
                    CARD
                }
            }
            b"credit" if next == b"code" => USCC,
            b"credit" | b"debit" | b"bank" => CARD,
            b"reg" if matches!(next, b"no" | b"num" | b"number" | b"code") => LICENSE,
            b"ship" | b"bill" | b"mail" | b"deliver" | b"send" if next == b"to" => ADDRESS,
            b"imei" => IMEI,
            b"meid" => MEID,
            b"tax" | b"taxno" | b"taxid" | b"nsrsbh" | b"tin" | b"taxpayer" | b"shuihao" => TAX,
            b"license" | b"licence" | b"regno" | b"registration" | b"yyzz" | b"zch"
            | b"businesslicense" => {
                if matches!(next, b"plate") || matches!(prev, b"driver" | b"driving") {
                    0
                } else {
                    LICENSE
                }
            }
            b"org" | b"organization" | b"organisation" | b"orgcode" | b"zzjgdm" | b"jgdm"
                if next == b"code" || word.ends_with(b"code") || word == b"zzjgdm" =>
            {
                ORG
            }
            b"uscc" | b"usci" | b"tyshxydm" | b"shxydm" | b"creditcode" => USCC,
            b"social" if next == b"credit" => USCC,
            b"swift" | b"bic" | b"swiftcode" => SWIFT,
            b"vin" | b"chassis" | b"frame" | b"cjh" | b"vehicle" => VIN,
            b"secret" | b"accesskeysecret" | b"aksecret" | b"secretkey" | b"sk" => SECRET,
            b"token" | b"authorization" | b"auth" | b"bearer" | b"apikey" => TOKEN,
            b"version" | b"ver" | b"appversion" | b"osversion" | b"sdkversion" | b"build" => {
                VERSION
            }
            b"order" | b"trade" | b"trace" | b"txn" | b"transaction" | b"serial" | b"seq"
            | b"sn" | b"uuid" | b"guid" | b"hash" | b"md5" | b"sha1" | b"sha256" | b"sign"
            | b"signature" | b"nonce" | b"timestamp" | b"ts" | b"time" | b"created"
            | b"updated" | b"request" | b"req" | b"span" | b"tracking" | b"invoice" | b"sku"
            | b"barcode" | b"ean" | b"isbn" | b"orderno" | b"orderid" | b"tradeno" | b"traceid"
            | b"requestid" | b"amount" | b"price" | b"count" | b"total" | b"size" | b"offset"
            | b"ms" | b"millis" | b"epoch" | b"expires" | b"expire" | b"exp" | b"iat" => NEGATIVE,
            b"passport" | b"hz" | b"huzhao" | b"passportno" => PASSPORT,
            b"officer" | b"junguanzheng" | b"jgz" | b"military" => OFFICER,
            b"ssn" | b"socialsecurity" => SSN,
            b"kk" | b"kartukeluarga" | b"keluarga" => KK,
            b"kip" => KIP,
            b"mykad" | b"nric" | b"ic" | b"icno" => MYKAD | IDNO,
            b"mac" | b"macaddress" | b"macaddr" => MAC,
            b"idcard" | b"idno" | b"sfz" | b"sfzh" | b"identity" | b"idnumber" | b"zjhm"
            | b"certno" | b"idcardno" | b"hkid" => IDNO,
            b"id" if matches!(next, b"card" | b"no" | b"number" | b"num") => IDNO,
            b"family" if next == b"card" => KK,
            b"pintar" => KIP,
            _ => 0,
        };
    }
    flags
}

fn is_person_prefix(w: &[u8]) -> bool {
    matches!(
        w,
        b"real"
            | b"full"
            | b"true"
            | b"user"
            | b"contact"
            | b"customer"
            | b"cust"
            | b"client"
            | b"receiver"
            | b"recipient"
            | b"consignee"
            | b"sender"
            | b"holder"
            | b"owner"
            | b"person"
            | b"patient"
            | b"student"
            | b"employee"
            | b"emp"
            | b"staff"
            | b"member"
            | b"legal"
            | b"applicant"
            | b"guest"
            | b"buyer"
            | b"seller"
            | b"driver"
            | b"passenger"
            | b"teacher"
            | b"doctor"
            | b"payer"
            | b"payee"
            | b"cn"
            | b"en"
            | b"chinese"
            | b"english"
            | b"insured"
            | b"beneficiary"
            | b"emergency"
            | b"parent"
            | b"mother"
            | b"father"
            | b"spouse"
            | b"child"
            | b"tenant"
            | b"agent"
            | b"manager"
            | b"linkman"
            | b"link"
            | b"account"
            | b"card"
            | b"bank"
            | b"cardholder"
            | b"legalperson"
            | b"visitor"
            | b"resident"
            | b"citizen"
            | b"worker"
            | b"operator"
            | b"auditor"
            | b"approver"
            | b"creator"
            | b"reporter"
    )
}

/// An enclosing object that holds a person: its bare `name` is the person's name.
fn parent_is_person(parent: &str) -> bool {
    let p = parent.to_ascii_lowercase();
    const PERSON: &[&str] = &[
        "user",
        "customer",
        "member",
        "employee",
        "staff",
        "contact",
        "person",
        "people",
        "patient",
        "student",
        "author",
        "owner",
        "profile",
        "applicant",
        "driver",
        "passenger",
        "guest",
        "buyer",
        "seller",
        "recipient",
        "receiver",
        "sender",
        "friend",
        "teacher",
        "doctor",
        "holder",
        "consignee",
        "client",
        "tenant",
        "visitor",
        "worker",
        "player",
        "emergency",
        "spouse",
        "parent",
        "child",
        "creator",
        "assignee",
        "reporter",
        "manager",
    ];
    !p.is_empty() && PERSON.iter().any(|n| p.contains(n))
}

fn parent_is_not_person(parent: &str) -> bool {
    let p = parent.to_ascii_lowercase();
    const NOT: &[&str] = &[
        "product",
        "item",
        "goods",
        "sku",
        "category",
        "tag",
        "project",
        "company",
        "org",
        "team",
        "group",
        "dept",
        "department",
        "file",
        "app",
        "service",
        "server",
        "host",
        "shop",
        "store",
        "merchant",
        "brand",
        "city",
        "province",
        "country",
        "region",
        "district",
        "school",
        "bank",
        "role",
        "permission",
        "menu",
        "module",
        "field",
        "column",
        "table",
        "event",
        "metric",
        "model",
        "device",
        "plan",
        "course",
        "book",
        "channel",
        "api",
        "config",
        "setting",
        "option",
        "attribute",
        "attr",
        "spec",
        "type",
        "status",
        "label",
        "dict",
        "enum",
        "repo",
        "image",
        "package",
        "queue",
        "topic",
        "job",
        "task",
    ];
    NOT.iter().any(|n| p.contains(n))
}

fn cjk_key_flags(key: &str) -> u64 {
    const T: &[(&str, u64)] = &[
        ("姓名", NAME | STRONG_NAME),
        ("联系人", NAME | STRONG_NAME),
        ("收货人", NAME | STRONG_NAME),
        ("收件人", NAME | STRONG_NAME),
        ("持卡人", NAME | STRONG_NAME),
        ("户名", NAME | STRONG_NAME),
        ("性别", GENDER),
        ("民族", ETHNIC),
        ("宗教", RELIGION),
        ("信仰", RELIGION),
        ("地址", ADDRESS),
        ("住址", ADDRESS),
        ("省份", PROVINCE),
        ("城市", CITY),
        ("生日", DATE | BIRTH),
        ("出生", DATE | BIRTH),
        ("日期", DATE),
        ("电话", PHONE),
        ("手机", PHONE),
        ("卡号", CARD),
        ("身份证", IDNO),
        ("护照", PASSPORT),
        ("军官证", OFFICER),
        ("税号", TAX),
        ("纳税人识别号", TAX),
        ("营业执照", LICENSE),
        ("注册号", LICENSE),
        ("组织机构代码", ORG),
        ("信用代码", USCC),
        ("车架号", VIN),
        ("车辆识别", VIN),
        ("订单", NEGATIVE),
        ("流水", NEGATIVE),
    ];
    T.iter()
        .filter(|(k, _)| key.contains(k))
        .fold(0, |acc, (_, f)| acc | f)
}

/// Context keywords in the text just before a candidate (`IMEI: 35...`, `SWIFT code BKCH...`).
/// `window` bytes are examined, lower-cased, for any of the words.
pub fn near(text: &str, start: usize, window: usize, words: &[&str]) -> bool {
    let lo = start.saturating_sub(window);
    let b = text.as_bytes();
    let mut lo = lo;
    while lo < start && !text.is_char_boundary(lo) {
        lo += 1;
    }
    let hay = &b[lo..start.min(b.len())];
    words.iter().any(|w| {
        let w = w.as_bytes();
        hay.windows(w.len())
            .any(|h| h.iter().zip(w).all(|(a, b)| a.to_ascii_lowercase() == *b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_classifies() {
        assert_ne!(key_flags("realName", "") & STRONG_NAME, 0);
        assert_ne!(key_flags("name", "") & NAME, 0);
        assert_ne!(key_flags("name", "product") & NOT_PERSON, 0);
        assert_eq!(key_flags("fileName", "") & NAME, 0);
        assert_eq!(key_flags("ethnicity", "") & CITY, 0);
        assert_ne!(key_flags("ethnicity", "") & ETHNIC, 0);
        assert_eq!(key_flags("provider", "") & PROVINCE, 0);
        assert_ne!(key_flags("home_city", "") & CITY, 0);
        assert_eq!(key_flags("ipAddress", "") & ADDRESS, 0);
        assert_ne!(key_flags("shippingAddress", "") & ADDRESS, 0);
        assert_ne!(key_flags("IDCardNo", "") & IDNO, 0);
        assert_ne!(key_flags("orderNo", "") & NEGATIVE, 0);
        assert_ne!(key_flags("accessKeySecret", "") & SECRET, 0);
        assert_ne!(key_flags("mobile_phone", "") & PHONE, 0);
        assert_ne!(key_flags("收货人姓名", "") & NAME, 0);
        assert_ne!(key_flags("bankCardNo", "") & CARD, 0);
        assert_ne!(key_flags("appVersion", "") & VERSION, 0);
        assert_ne!(key_flags("imei1", "") & IMEI, 0);
        assert_ne!(key_flags("creditCode", "") & USCC, 0);
        assert_eq!(key_flags("creditCode", "") & CARD, 0);
        assert_ne!(key_flags("regNo", "") & LICENSE, 0);
        assert_ne!(key_flags("shipTo", "") & ADDRESS, 0);
    }

    #[test]
    fn nearby_keywords() {
        let t = "device IMEI: 490154203237518";
        assert!(near(t, 13, 16, &["imei"]));
        assert!(!near(t, 13, 16, &["meid"]));
        let t = "设备号码 123";
        assert!(near(t, t.len() - 3, 5, &["码"]));
    }
}
