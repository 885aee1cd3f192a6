//! Labelled evaluation of the sensitive-data scanner: for every built-in type, valid values
//! generated in code (with correct check digits) and close look-alikes (wrong check digits,
//! random digit runs, order numbers, timestamps, UUIDs, hashes, versions), embedded in realistic
//! JSON, text, HTML and request bodies. Prints per-type precision and recall and requires both
//! to be at least 0.95 for every type.
//!
//! Run with `cargo test -p apisec-engine --test sensitive_labelled -- --nocapture` to see the table.

// `*r.pick(..)` keeps the element type explicit next to `&'static str` parameters.
#![allow(clippy::explicit_auto_deref)]

use engine::catalog::catalog;
use engine::exchange::Exchange;
use engine::record::Record;
use engine::sensitive::registry as id;
use engine::sensitive::Scanner;
use std::collections::{BTreeMap, BTreeSet};

// ---------- deterministic generators ----------

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    fn alnum(&mut self, n: usize, set: &[u8]) -> String {
        (0..n).map(|_| char::from(*self.pick(set))).collect()
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn luhn_digit(body: &str) -> char {
    let mut sum = 0;
    for (i, c) in body.bytes().rev().enumerate() {
        let mut v = u32::from(c - b'0');
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

fn with_luhn(body: String) -> String {
    let c = luhn_digit(&body);
    body + &c.to_string()
}

fn bad_luhn(body: String) -> String {
    let c = luhn_digit(&body);
    let w = char::from(b'0' + ((c as u8 - b'0' + 1) % 10));
    body + &w.to_string()
}

const PROVINCES: &[&str] = &["11", "31", "44", "33", "51", "42", "37", "65", "35", "61"];

fn birth(r: &mut Rng) -> (u32, u32, u32) {
    let y = 1950 + r.below(55) as u32;
    let m = 1 + r.below(12) as u32;
    let d = 1 + r.below(28) as u32;
    (y, m, d)
}

fn id_check(body17: &str) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let s: u32 = body17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    char::from(b"10X98765432"[(s % 11) as usize])
}

fn cn_id(r: &mut Rng) -> String {
    let (y, m, d) = birth(r);
    let body = format!(
        "{}{:02}{:02}{y}{m:02}{d:02}{}",
        r.pick(PROVINCES),
        1 + r.below(20),
        1 + r.below(30),
        r.digits(3)
    );
    let c = id_check(&body);
    format!("{body}{c}")
}

fn cn_id_bad_check(r: &mut Rng) -> String {
    let v = cn_id(r);
    let c = v.chars().last().unwrap_or('0');
    let w = if c == '0' {
        '1'
    } else if c == 'X' {
        '3'
    } else {
        '0'
    };
    format!("{}{}", &v[..17], w)
}

fn org_check(body8: &str) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let v = |c: u8| {
        if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        }
    };
    let s: u32 = body8.bytes().zip(W).map(|(c, w)| v(c) * w).sum();
    match 11 - s % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    }
}

fn org_code(r: &mut Rng) -> String {
    let body = format!(
        "{}{}",
        r.alnum(2, b"0123456789ABCDEFGHJKLMNPQRTUWXY"),
        r.digits(6)
    );
    let c = org_check(&body);
    format!("{body}-{c}")
}

const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_check(body17: &str) -> char {
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let pos = |c: u8| USCC_CHARS.iter().position(|x| *x == c).unwrap_or(0) as u32;
    let s: u32 = body17.bytes().zip(W).map(|(c, w)| pos(c) * w).sum();
    char::from(USCC_CHARS[((31 - s % 31) % 31) as usize])
}

fn uscc(r: &mut Rng) -> String {
    let org = format!(
        "{}{}",
        r.alnum(1, b"0123456789ABCDEFGHJKLMNPQRTUWXY"),
        r.digits(7)
    );
    let oc = org_check(&org);
    let body = format!(
        "{}{}{}{:02}{:02}{org}{oc}",
        r.pick(&["9", "1", "5"]),
        r.pick(&["1", "2", "3"]),
        r.pick(PROVINCES),
        1 + r.below(20),
        1 + r.below(20)
    );
    let c = uscc_check(&body);
    format!("{body}{c}")
}

fn mod11_10_check(body14: &str) -> char {
    for c in b'0'..=b'9' {
        let mut p = 10u32;
        let all: Vec<u8> = body14.bytes().chain(std::iter::once(c)).collect();
        for d in &all[..14] {
            let mut s = (p + u32::from(d - b'0')) % 10;
            if s == 0 {
                s = 10;
            }
            p = (s * 2) % 11;
        }
        if (p + u32::from(c - b'0')) % 10 == 1 {
            return char::from(c);
        }
    }
    '0'
}

fn business_license(r: &mut Rng) -> String {
    let body = format!("{}{}", r.pick(PROVINCES), r.digits(12));
    let c = mod11_10_check(&body);
    format!("{body}{c}")
}

fn vin_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        _ => 9,
    }
}

fn vin(r: &mut Rng, valid: bool) -> String {
    const W: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    const CH: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let wmi = r
        .pick(&["LSV", "LFV", "1HG", "WVW", "JTD", "LGB", "5YJ"])
        .to_string();
    let mut v: Vec<u8> = format!(
        "{wmi}{}0{}{}{}",
        r.alnum(5, CH),
        r.pick(&["K", "L", "M", "N", "P", "R"]),
        r.alnum(1, CH),
        r.digits(6)
    )
    .into_bytes();
    let s: u32 = v.iter().zip(W).map(|(c, w)| vin_value(*c) * w).sum();
    let check = if s % 11 == 10 {
        b'X'
    } else {
        b'0' + (s % 11) as u8
    };
    v[8] = if valid {
        check
    } else if check == b'1' {
        b'2'
    } else {
        b'1'
    };
    String::from_utf8(v).unwrap_or_default()
}

fn hkid(r: &mut Rng, valid: bool) -> String {
    let l = *r.pick(UPPER);
    let d = r.digits(6);
    let mut s = 36 * 9 + (u32::from(l - b'A') + 10) * 8;
    for (i, c) in d.bytes().enumerate() {
        s += u32::from(c - b'0') * (7 - i as u32);
    }
    let c = (11 - s % 11) % 11;
    let c = if valid { c } else { (c + 1) % 11 };
    let ch = if c == 10 {
        'A'
    } else {
        char::from(b'0' + c as u8)
    };
    format!("{}{d}({ch})", char::from(l))
}

fn nric(r: &mut Rng, valid: bool) -> String {
    let p = *r.pick(b"STFG");
    let d = r.digits(7);
    const W: [u32; 7] = [2, 7, 6, 5, 4, 3, 2];
    let s: u32 = d
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum::<u32>()
        + if matches!(p, b'T' | b'G') { 4 } else { 0 };
    let table: &[u8] = if matches!(p, b'S' | b'T') {
        b"JZIHGFEDCBA"
    } else {
        b"XWUTRQPNMLK"
    };
    let mut k = (s % 11) as usize;
    if !valid {
        k = (k + 3) % 11;
    }
    format!("{}{d}{}", char::from(p), char::from(table[k]))
}

fn meid(r: &mut Rng) -> String {
    format!(
        "{}{}",
        r.pick(&["A0", "A1", "99"].map(|x| if x == "99" { "A2" } else { x })),
        r.alnum(12, b"0123456789ABCDEF")
    )
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn pem(kind: &str, r: &mut Rng) -> String {
    let body: Vec<String> = (0..4).map(|_| r.alnum(64, ALNUM)).collect();
    format!(
        "-----BEGIN {kind}-----\n{}\n-----END {kind}-----\n",
        body.join("\n")
    )
}

// ---------- samples ----------

/// One labelled case: where the value goes and which types it must (exactly) produce.
#[derive(Clone)]
enum Place {
    /// `{"code":0,"data":{<filler>, key: value}}` in the response.
    Json(&'static str, String),
    /// Same, with a parent object name: `{"data":{parent:{key:value}}}`.
    JsonIn(&'static str, &'static str, String),
    /// Several key/values in one response object.
    JsonMany(Vec<(&'static str, String)>),
    /// A text/plain response body.
    Text(String),
    /// An HTML response body.
    Html(String),
    /// A query-string parameter of the request.
    Query(&'static str, String),
    /// A JSON request body.
    ReqJson(&'static str, String),
}

struct Case {
    place: Place,
    expect: Vec<u32>,
}

fn pos(place: Place, t: u32) -> Case {
    Case {
        place,
        expect: vec![t],
    }
}
fn neg(place: Place) -> Case {
    Case {
        place,
        expect: vec![],
    }
}
fn j(k: &'static str, v: impl Into<String>) -> Place {
    Place::Json(k, v.into())
}

fn cases() -> Vec<Case> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut c: Vec<Case> = Vec::new();
    let n = 40;

    for i in 0..n {
        // ---- identity ----
        let idv = cn_id(&mut r);
        c.push(pos(
            j(
                *r.pick(&["idCard", "id_no", "sfzh", "identityNo", "certNo", "remark"]),
                idv.clone(),
            ),
            id::CN_ID_CARD,
        ));
        if i % 4 == 0 {
            c.push(pos(Place::Query("idcard", idv), id::CN_ID_CARD));
        }
        c.push(neg(j("idCard", cn_id_bad_check(&mut r))));
        c.push(neg(j("orderNo", format!("20{}", r.digits(16)))));
        let passport = match i % 3 {
            0 => format!("E{}", r.digits(8)),
            1 => format!(
                "E{}{}",
                char::from(*r.pick(b"ABCDEFGHJKLMNPQRSTUVWXYZ")),
                r.digits(7)
            ),
            _ => format!("G{}", r.digits(8)),
        };
        c.push(pos(
            j(
                *r.pick(&["passportNo", "passport", "docNo", "huzhao"]),
                passport,
            ),
            id::CN_PASSPORT,
        ));
        c.push(neg(j("sku", format!("K{}", r.digits(8)))));
        let permit = format!(
            "{}{}",
            r.pick(&["H", "M"]),
            if i % 2 == 0 {
                r.digits(8)
            } else {
                r.digits(10)
            }
        );
        c.push(pos(
            j(*r.pick(&["permitNo", "hkmPermit", "txzh", "docNo"]), permit),
            id::HK_MACAO_PERMIT,
        ));
        c.push(neg(j("code", format!("X{}", r.digits(8)))));
        let plate = format!(
            "{}{}{}",
            r.pick(&["京", "沪", "粤", "浙", "川", "苏"]),
            char::from(*r.pick(b"ABCDEFGHJK")),
            if i % 3 == 0 {
                format!("D{}", r.digits(5))
            } else {
                format!(
                    "{}{}",
                    r.digits(3),
                    r.alnum(2, b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                )
            }
        );
        c.push(pos(
            j(
                *r.pick(&["plateNo", "carNo", "vehicle_plate", "remark"]),
                plate.clone(),
            ),
            id::CN_LICENSE_PLATE,
        ));
        c.push(pos(
            Place::Text(format!("车辆{plate}于今日入场")),
            id::CN_LICENSE_PLATE,
        ));
        c.push(neg(j(
            "model",
            format!("{}{}", r.pick(&["AB", "XY", "京东"]), r.digits(5)),
        )));
        c.push(pos(
            j(
                "remark",
                format!(
                    "持证人军官证{}字第{}号",
                    r.pick(&["南", "北", "空", "海", "军"]),
                    r.digits(7)
                ),
            ),
            id::MILITARY_OFFICER_CARD,
        ));
        c.push(pos(
            j("officerCardNo", r.digits(7)),
            id::MILITARY_OFFICER_CARD,
        ));
        c.push(neg(j("remark", format!("第{}号文件", r.digits(7)))));
        c.push(pos(
            j(
                *r.pick(&["gender", "sex", "xingbie", "userGender"]),
                *r.pick(&["男", "女", "male", "female", "M", "F"]),
            ),
            id::GENDER,
        ));
        c.push(neg(j("category", *r.pick(&["男装", "女装", "M码"]))));
        c.push(neg(j("gender", "unknown")));
        c.push(pos(
            j(
                *r.pick(&["nation", "minzu", "ethnicity", "ethnic_group"]),
                *r.pick(&["汉族", "回族", "维吾尔族", "壮", "满族", "蒙古族"]),
            ),
            id::ETHNIC_GROUP,
        ));
        c.push(neg(j("dish", *r.pick(&["汉堡", "回锅肉", "壮观"]))));
        c.push(neg(j("nation", "中国")));
        c.push(pos(
            j(*r.pick(&["hkid", "idNo", "remark"]), hkid(&mut r, true)),
            id::HK_ID_CARD,
        ));
        c.push(neg(j("hkid", hkid(&mut r, false))));
        let trad = *r.pick(&["陳大文", "張志明", "黃美玲", "劉德華", "趙麗穎", "歐陽誠"]);
        c.push(pos(
            j(
                *r.pick(&["name", "realName", "custName", "contactName"]),
                trad,
            ),
            id::CN_NAME_TRADITIONAL,
        ));
        let simp = format!(
            "{}{}",
            r.pick(&["王", "李", "张", "刘", "陈", "杨", "欧阳", "诸葛"]),
            r.pick(&["伟", "芳", "娜", "秀英", "敏", "静", "强", "磊", "洋", "艳"])
        );
        c.push(pos(
            j(
                *r.pick(&["name", "realName", "userName", "xingming", "receiverName"]),
                simp.clone(),
            ),
            id::CN_NAME_SIMPLIFIED,
        ));
        c.push(pos(
            Place::Html(format!(
                "<table><tr><td>姓名</td><td>{simp}</td></tr></table>"
            )),
            id::CN_NAME_SIMPLIFIED,
        ));
        c.push(neg(j(
            "productName",
            *r.pick(&["华为手机", "王老吉凉茶", "张裕葡萄酒"]),
        )));
        c.push(neg(j(
            "name",
            *r.pick(&["北京分公司", "销售部", "苹果手机壳"]),
        )));
        let en = format!(
            "{} {}",
            r.pick(&["John", "Mary", "Robert", "Linda", "Michael", "Sarah", "Xavier", "Quinn"]),
            r.pick(&["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "O'Neil"])
        );
        c.push(pos(
            j(
                *r.pick(&["fullName", "realName", "customerName", "holderName"]),
                en.clone(),
            ),
            id::EN_NAME,
        ));
        c.push(pos(
            Place::JsonIn(
                "user",
                "name",
                format!(
                    "{} {}",
                    r.pick(&["James", "Emily", "David", "Anna"]),
                    r.pick(&["Lee", "Clark", "Walker"])
                ),
            ),
            id::EN_NAME,
        ));
        c.push(pos(
            Place::JsonIn(
                "customers",
                "name",
                format!(
                    "{} {} {}",
                    r.pick(&["Dr.", "Mrs.", "Mr."]),
                    r.pick(&["Kristen", "Tyrone", "Dakota", "Imani"]),
                    r.pick(&["Hughes", "Okafor", "Lindqvist"])
                ),
            ),
            id::EN_NAME,
        ));
        c.push(pos(
            j(
                "phone_number",
                format!(
                    "{}{}{}-{}{}{}-{}x{}",
                    2 + r.below(7),
                    r.pick(&["0", "2", "5", "8"]),
                    r.digits(1),
                    2 + r.below(7),
                    r.pick(&["0", "2", "5", "8"]),
                    r.digits(1),
                    r.digits(4),
                    r.digits(3)
                ),
            ),
            id::US_PHONE,
        ));
        c.push(pos(
            j(
                "address",
                format!(
                    "{} {} {} Suite {}\n{}, {} {}",
                    r.digits(4),
                    r.pick(&["Hernandez", "Lopez", "Baker"]),
                    r.pick(&["Plaza", "Courts", "Lane"]),
                    r.digits(3),
                    r.pick(&["New Danielshire", "Port Amy"]),
                    r.pick(&["MI", "OR"]),
                    r.digits(5)
                ),
            ),
            id::EN_ADDRESS,
        ));
        c.push(neg(Place::JsonIn(
            "product",
            "name",
            (*r.pick(&["Apple Watch", "Blue Widget", "Super Mario"])).to_string(),
        )));
        c.push(neg(j(
            "title",
            *r.pick(&["Hello World", "Getting Started", "Data Export"]),
        )));
        let mykad = format!(
            "{:02}{:02}{:02}-{}-{}",
            r.below(99),
            1 + r.below(12),
            1 + r.below(28),
            r.pick(&["01", "10", "14", "08"]),
            r.digits(4)
        );
        c.push(pos(
            j(*r.pick(&["icNo", "mykad", "remark"]), mykad),
            id::MY_ID_CARD,
        ));
        c.push(neg(j(
            "icNo",
            format!(
                "{:02}13{:02}-14-{}",
                r.below(99),
                1 + r.below(28),
                r.digits(4)
            ),
        )));
        c.push(neg(j(
            "icNo",
            format!("{:02}0101-17-{}", r.below(99), r.digits(4)),
        )));
        c.push(pos(
            j(
                *r.pick(&["nric", "finNo", "idNo", "remark"]),
                nric(&mut r, true),
            ),
            id::SG_ID_CARD,
        ));
        c.push(neg(j("nric", nric(&mut r, false))));
        let ssn = format!(
            "{:03}-{:02}-{:04}",
            1 + r.below(665),
            1 + r.below(98),
            1 + r.below(9998)
        );
        c.push(pos(
            j(
                *r.pick(&["ssn", "socialSecurityNumber", "taxpayerSsn", "remark"]),
                ssn,
            ),
            id::US_SSN,
        ));
        c.push(pos(
            j(
                "ssn",
                format!(
                    "{:03}{:02}{:04}",
                    1 + r.below(665),
                    1 + r.below(98),
                    1 + r.below(9998)
                ),
            ),
            id::US_SSN,
        ));
        c.push(neg(j(
            "ssn",
            format!(
                "{}-{:02}-{:04}",
                r.pick(&["000", "666", "912"]),
                1 + r.below(98),
                1 + r.below(9998)
            ),
        )));
        c.push(neg(j(
            "partNo",
            format!("{:03}{:02}{:04}", r.below(999), r.below(99), r.below(9999)),
        )));
        c.push(pos(
            j(
                *r.pick(&["religion", "religiousBelief", "faith", "zongjiao"]),
                *r.pick(&[
                    "佛教",
                    "基督教",
                    "伊斯兰教",
                    "天主教",
                    "Christian",
                    "Buddhist",
                    "Muslim",
                ]),
            ),
            id::RELIGIOUS_BELIEF,
        ));
        c.push(neg(j("religion", *r.pick(&["无", "none", "N/A"]))));
        c.push(neg(j("hobby", *r.pick(&["佛教音乐", "Christian rock"]))));
        let kk = format!(
            "{}{:02}{:02}{:02}{:02}{:02}{}",
            r.pick(&["31", "32", "35", "51", "73"]),
            1 + r.below(20),
            1 + r.below(20),
            1 + r.below(28),
            1 + r.below(12),
            r.below(25),
            r.digits(3)
        ) + "1";
        c.push(pos(
            j(
                *r.pick(&["noKk", "nomor_kk", "kartuKeluarga", "familyCardNo"]),
                kk,
            ),
            id::ID_KK,
        ));
        c.push(neg(j("noKk", format!("99{}", r.digits(14)))));
        c.push(pos(
            j(
                *r.pick(&["nomorKip", "kip_no", "noKip"]),
                format!("{}{}", r.alnum(2, UPPER), r.digits(5)),
            ),
            id::ID_KIP,
        ));
        c.push(neg(j("kipStatus", "aktif")));

        // ---- contact ----
        let addr = format!(
            "{}{}{}路{}号{}",
            r.pick(&[
                "浙江省杭州市西湖区",
                "北京市朝阳区",
                "广东省深圳市南山区",
                "四川省成都市武侯区"
            ]),
            r.pick(&["", "科技园"]),
            r.pick(&["文三", "建国", "深南", "人民"]),
            1 + r.below(300),
            r.pick(&["", "3栋201室", "A座12层"])
        );
        c.push(pos(
            j(
                *r.pick(&["address", "homeAddr", "shippingAddress", "dizhi", "detail"]),
                addr.clone(),
            ),
            id::CN_ADDRESS,
        ));
        c.push(pos(
            Place::Text(format!("收货地址：{addr}，请尽快发货")),
            id::CN_ADDRESS,
        ));
        c.push(neg(j(
            "remark",
            *r.pick(&[
                "今天天气不错，适合出去走走",
                "请在工作日联系客服",
                "系统维护中",
            ]),
        )));
        c.push(neg(j("address", "N/A")));
        let mobile = format!("1{}{}", r.pick(&["3", "5", "7", "8", "9"]), r.digits(9));
        c.push(pos(
            j(
                *r.pick(&["mobile", "phone", "tel", "contact", "remark", "value"]),
                mobile.clone(),
            ),
            id::CN_MOBILE,
        ));
        c.push(pos(Place::Query("phone", mobile.clone()), id::CN_MOBILE));
        c.push(pos(
            Place::Text(format!(
                "请拨打 {} {} {} 联系",
                &mobile[..3],
                &mobile[3..7],
                &mobile[7..]
            )),
            id::CN_MOBILE,
        ));
        c.push(neg(j(
            "orderNo",
            format!("{}{}", r.pick(&["2", "5", "8", "9"]), r.digits(10)),
        )));
        c.push(neg(j("orderNo", format!("13{}", r.digits(9)))));
        c.push(neg(j(
            "value",
            format!("1{}{}", r.pick(&["0", "1", "2"]), r.digits(9)),
        )));
        let email = format!(
            "{}.{}{}@{}",
            r.alnum(5, b"abcdefghijklmnopqrstuvwxyz"),
            r.alnum(3, b"abcdefghijklmnopqrstuvwxyz"),
            r.digits(2),
            r.pick(&["example.com", "163.com", "qq.com", "corp.example.cn"])
        );
        c.push(pos(
            j(
                *r.pick(&["email", "mail", "contact", "remark"]),
                email.clone(),
            ),
            id::EMAIL,
        ));
        c.push(pos(Place::ReqJson("email", email), id::EMAIL));
        c.push(neg(j(
            "handle",
            *r.pick(&["user@localhost", "@someone", "name@", "pkg@1.2.3"]),
        )));
        let landline = if i % 2 == 0 {
            format!("010-{}{}", 2 + r.below(7), r.digits(7))
        } else {
            format!(
                "(0{}) {}{}",
                r.pick(&["755", "571", "28", "21"]),
                2 + r.below(7),
                r.digits(7)
            )
        };
        c.push(pos(
            j(*r.pick(&["tel", "officePhone", "fax", "remark"]), landline),
            id::CN_LANDLINE,
        ));
        c.push(neg(j("code", format!("010-1{}", r.digits(7)))));
        c.push(pos(
            j(
                *r.pick(&["province", "provinceName", "prov", "shengfen"]),
                *r.pick(&["广东省", "浙江", "北京市", "新疆维吾尔自治区", "Sichuan"]),
            ),
            id::CN_PROVINCE,
        ));
        c.push(neg(j(
            "province",
            *r.pick(&["Unknown", "California", "其他"]),
        )));
        c.push(neg(j("dept", *r.pick(&["广东", "浙江"]))));
        c.push(pos(
            j(
                *r.pick(&["city", "cityName", "homeCity"]),
                *r.pick(&["深圳市", "杭州", "成都市", "乌鲁木齐", "Shanghai"]),
            ),
            id::CN_CITY,
        ));
        c.push(neg(j("city", *r.pick(&["Springfield", "未知", "Paris"]))));
        c.push(neg(j("ethnicity_note", "深圳")));
        // NANP: area and exchange NXX with X not both 1 (no N11)
        let nxx = |r: &mut Rng| {
            format!(
                "{}{}{}",
                2 + r.below(7),
                r.pick(&["0", "2", "3", "4", "5", "6", "7", "8", "9"]),
                r.below(10)
            )
        };
        let (a, x) = (nxx(&mut r), nxx(&mut r));
        let us = match i % 3 {
            0 => format!("({a}) {x}-{}", r.digits(4)),
            1 => format!("{a}-{x}-{}", r.digits(4)),
            _ => format!("+1 {a} {x} {}", r.digits(4)),
        };
        let us = us.replace("11)", "12)");
        let digits: String = us.chars().filter(char::is_ascii_digit).collect();
        let area = if digits.len() == 11 {
            &digits[1..4]
        } else {
            &digits[..3]
        };
        let ok_us = !us.contains("-11")
            && !us.contains(" 11")
            && ![
                "800", "833", "844", "855", "866", "877", "888", "400", "900",
            ]
            .contains(&area);
        if ok_us {
            c.push(pos(
                j(*r.pick(&["phone", "phoneNumber", "contact", "remark"]), us),
                id::US_PHONE,
            ));
        }
        c.push(neg(j(
            "code",
            format!("123-{}-{}", r.digits(3), r.digits(4)),
        )));
        c.push(neg(j(
            "hotline",
            format!("800-{}{}-{}", 2 + r.below(7), r.digits(2), r.digits(4)),
        )));
        let en_addr = format!(
            "{} {} {}, {}, {} {}",
            1 + r.below(9999),
            r.pick(&["Main", "Oak", "Maple", "Sunset", "Park", "Washington"]),
            r.pick(&["Street", "St", "Avenue", "Ave.", "Road", "Blvd", "Lane", "Drive"]),
            r.pick(&["Springfield", "Mountain View", "Austin"]),
            r.pick(&["CA", "TX", "IL"]),
            r.digits(5)
        );
        c.push(pos(
            j(
                *r.pick(&["address", "shipTo", "remark", "billingAddress"]),
                en_addr,
            ),
            id::EN_ADDRESS,
        ));
        c.push(neg(j(
            "remark",
            format!(
                "{} items shipped in {} boxes",
                2 + r.below(9),
                2 + r.below(9)
            ),
        )));

        // ---- finance ----
        let debit = with_luhn(format!(
            "62{}{}",
            r.pick(&["2202", "1226", "2848", "2700", "1700", "1483"]),
            r.digits(if i % 2 == 0 { 9 } else { 12 })
        ));
        c.push(pos(
            j(
                *r.pick(&["bankCardNo", "cardNo", "debitCard", "remark", "acctNo"]),
                debit,
            ),
            id::DEBIT_CARD,
        ));
        let grouped = with_luhn(format!(
            "{}{}",
            r.pick(&["622202", "622848", "621226", "622700"]),
            r.digits(9)
        ));
        let g = format!(
            "{} {} {} {}",
            &grouped[..4],
            &grouped[4..8],
            &grouped[8..12],
            &grouped[12..]
        );
        c.push(pos(
            Place::Text(format!("您的银行卡 {g} 已绑定")),
            id::DEBIT_CARD,
        ));
        let credit = match i % 4 {
            0 => with_luhn(format!("4{}", r.digits(14))),
            1 => with_luhn(format!("5{}{}", 1 + r.below(5), r.digits(13))),
            2 => with_luhn(format!("625{}", r.digits(12))),
            _ => with_luhn(format!("37{}", r.digits(12))),
        };
        let credit = if credit.starts_with("4")
            && [
                "436742", "456351", "427010", "403361", "491020", "400115", "404117",
            ]
            .iter()
            .any(|p| credit.starts_with(p))
        {
            with_luhn(format!("4{}", "1".repeat(14)))
        } else {
            credit
        };
        c.push(pos(
            j(
                *r.pick(&["creditCardNo", "cardNumber", "pan", "remark"]),
                credit,
            ),
            id::CREDIT_CARD,
        ));
        c.push(neg(j("cardNo", bad_luhn(format!("4{}", r.digits(14))))));
        c.push(neg(j("orderId", with_luhn(format!("62{}", r.digits(15))))));
        c.push(pos(
            j(
                *r.pick(&["swiftCode", "swift", "bic"]),
                format!(
                    "{}{}{}",
                    r.alnum(4, UPPER),
                    r.pick(&["CN", "US", "DE", "HK", "SG"]),
                    r.alnum(2, b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                ),
            ),
            id::SWIFT_CODE,
        ));
        c.push(pos(
            Place::Text(format!(
                "Beneficiary bank SWIFT: {}CN{}",
                r.alnum(4, UPPER),
                r.alnum(2, UPPER)
            )),
            id::SWIFT_CODE,
        ));
        c.push(neg(j(
            "swiftCode",
            format!("{}ZZ{}", r.alnum(4, UPPER), r.alnum(2, UPPER)),
        )));
        c.push(neg(j(
            "status",
            format!("{}CN{}", r.alnum(4, UPPER), r.alnum(2, UPPER)),
        )));

        // ---- network ----
        let ip = format!(
            "{}.{}.{}.{}",
            1 + r.below(223),
            r.below(256),
            r.below(256),
            1 + r.below(254)
        );
        c.push(pos(
            j(
                *r.pick(&["clientIp", "ip", "remoteAddr", "lastLoginIp", "remark"]),
                ip.clone(),
            ),
            id::IPV4,
        ));
        c.push(pos(
            Place::Text(format!("login from {ip} at 10:22")),
            id::IPV4,
        ));
        c.push(neg(j(
            "version",
            format!(
                "{}.{}.{}.{}",
                r.below(20),
                r.below(20),
                r.below(20),
                r.below(200)
            ),
        )));
        c.push(neg(j(
            "value",
            format!("{}.{}.{}", r.below(20), r.below(20), r.below(99)),
        )));
        c.push(neg(j(
            "value",
            format!(
                "{}.{}.{}.{}",
                256 + r.below(700),
                r.below(256),
                r.below(256),
                r.below(256)
            ),
        )));
        let mac = (0..6)
            .map(|_| r.alnum(2, b"0123456789ABCDEF"))
            .collect::<Vec<_>>()
            .join(if i % 2 == 0 { ":" } else { "-" });
        c.push(pos(
            j(*r.pick(&["mac", "macAddress", "deviceMac", "remark"]), mac),
            id::MAC_ADDRESS,
        ));
        c.push(neg(j(
            "time",
            format!("{:02}:{:02}:{:02}", r.below(24), r.below(60), r.below(60)),
        )));
        c.push(neg(j("mac", "00:00:00:00:00:00")));
        let v6 = format!(
            "2001:db8:{:x}::{:x}:{:x}",
            r.below(65535),
            r.below(65535),
            1 + r.below(65534)
        );
        c.push(pos(
            j(*r.pick(&["ipv6", "clientIp", "addr6", "remark"]), v6),
            id::IPV6,
        ));
        c.push(neg(j("loopback", "::1")));
        c.push(neg(j(
            "ratio",
            format!("{}:{}:{}", r.below(99), r.below(99), r.below(99)),
        )));
        let imei = with_luhn(format!(
            "{}{}",
            r.pick(&["35", "86", "49", "01"]),
            r.digits(12)
        ));
        c.push(pos(
            j(*r.pick(&["imei", "deviceImei", "imei1"]), imei.clone()),
            id::IMEI,
        ));
        if imei.starts_with("35") || imei.starts_with("86") {
            c.push(pos(j("deviceId", imei), id::IMEI));
        }
        c.push(neg(j("imei", bad_luhn(format!("86{}", r.digits(12))))));
        c.push(neg(j("serialNo", with_luhn(format!("86{}", r.digits(12))))));
        c.push(pos(
            j(*r.pick(&["meid", "deviceMeid", "remark"]), meid(&mut r)),
            id::MEID,
        ));
        c.push(neg(j("code", format!("1{}", r.digits(13)))));
        let url = format!(
            "https://{}.example.com/{}/{}?id={}",
            r.alnum(5, b"abcdefghijklmnopqrstuvwxyz"),
            r.pick(&["api", "static", "u"]),
            r.alnum(6, b"abcdefghijklmnopqrstuvwxyz"),
            r.digits(4)
        );
        c.push(pos(
            j(
                *r.pick(&["url", "avatar", "callback", "link", "remark"]),
                url,
            ),
            id::URL,
        ));
        c.push(neg(j(
            "scheme",
            *r.pick(&["http://", "ftp://files.example.com/a", "https://x"]),
        )));

        // ---- credentials ----
        c.push(pos(
            j(
                *r.pick(&["dsn", "jdbcUrl", "dataSource", "config"]),
                format!(
                    "jdbc:{}://db{}.internal:{}/app?user=root&password={}",
                    r.pick(&["mysql", "postgresql", "sqlserver"]),
                    r.below(9),
                    3306 + r.below(100),
                    r.alnum(8, ALNUM)
                ),
            ),
            id::JDBC,
        ));
        c.push(neg(j(
            "note",
            *r.pick(&["jdbc: driver missing", "use jdbc", "jdbcx://a"]),
        )));
        c.push(pos(
            j(
                *r.pick(&["cert", "certificate", "pem", "content"]),
                pem("CERTIFICATE", &mut r),
            ),
            id::PEM_CERTIFICATE,
        ));
        c.push(neg(j("publicKey", pem("PUBLIC KEY", &mut r))));
        c.push(pos(
            j(*r.pick(&["privateKey", "key", "content", "sshKey"]), {
                let kind = *r.pick(&[
                    "RSA PRIVATE KEY",
                    "PRIVATE KEY",
                    "EC PRIVATE KEY",
                    "OPENSSH PRIVATE KEY",
                ]);
                pem(kind, &mut r)
            }),
            id::PRIVATE_KEY,
        ));
        c.push(neg(j("doc", "-----BEGIN PRIVATE KEY----- (redacted)")));
        let akid = format!("LTAI{}", r.alnum(if i % 2 == 0 { 20 } else { 16 }, ALNUM));
        c.push(pos(
            j(
                *r.pick(&["accessKeyId", "akId", "ak", "remark"]),
                akid.clone(),
            ),
            id::ACCESSKEY_ID,
        ));
        c.push(neg(j("code", format!("LTAI{}", r.alnum(5, ALNUM)))));
        let secret = format!(
            "{}{}{}",
            r.alnum(10, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            r.alnum(10, b"abcdefghijklmnopqrstuvwxyz"),
            r.digits(10)
        );
        c.push(pos(
            j(
                *r.pick(&["accessKeySecret", "secret", "akSecret", "secretKey"]),
                secret.clone(),
            ),
            id::ACCESSKEY_SECRET,
        ));
        c.push(neg(j(
            "state",
            format!(
                "{}{}{}",
                r.alnum(10, UPPER),
                r.alnum(10, b"abcdefghij"),
                r.digits(10)
            ),
        )));
        c.push(Case {
            place: Place::JsonMany(vec![
                ("AccessKeyId", format!("LTAI{}", r.alnum(20, ALNUM))),
                (
                    "AccessKeySecret",
                    format!(
                        "{}{}{}",
                        r.alnum(10, UPPER),
                        r.alnum(10, b"abcdefghijklmnop"),
                        r.digits(10)
                    ),
                ),
            ]),
            expect: vec![id::ACCESSKEY_ID, id::ACCESSKEY_SECRET, id::ALIYUN_AKSK_PAIR],
        });
        c.push(Case {
            place: Place::JsonMany(vec![
                ("ak", format!("LTAI{}", r.alnum(16, ALNUM))),
                (
                    "value",
                    format!(
                        "{}{}{}",
                        r.alnum(10, UPPER),
                        r.alnum(10, b"abcdefghijklmnop"),
                        r.digits(10)
                    ),
                ),
            ]),
            expect: vec![id::ACCESSKEY_ID, id::ACCESSKEY_SECRET, id::ALIYUN_AKSK_PAIR],
        });
        let users: Vec<String> = (0..3 + r.below(4))
            .map(|k| {
                format!(
                    "{}:x:{}:{}:{}:/home/{}:/bin/bash",
                    r.alnum(6, b"abcdefghijklmnopqrstuvwxyz"),
                    1000 + k,
                    1000 + k,
                    r.alnum(4, b"abcdefgh"),
                    r.alnum(5, b"abcdefgh")
                )
            })
            .collect();
        c.push(pos(
            Place::Text(format!(
                "root:x:0:0:root:/root:/bin/bash\n{}\n",
                users.join("\n")
            )),
            id::LINUX_PASSWD,
        ));
        c.push(pos(
            j(
                "output",
                format!(
                    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n{}",
                    users.join("\n")
                ),
            ),
            id::LINUX_PASSWD,
        ));
        c.push(neg(j("note", "ratio a:b:c:d and key:value pairs")));
        let shadow = format!(
            "root:$6${}${}:19{}:0:99999:7:::\ndaemon:*:19{}:0:99999:7:::\n",
            r.alnum(8, ALNUM),
            r.alnum(86, ALNUM),
            r.digits(3),
            r.digits(3)
        );
        c.push(pos(Place::Text(shadow), id::LINUX_SHADOW));
        c.push(neg(j(
            "note",
            format!("price:$6$ per unit:{}", r.digits(3)),
        )));
        let legacy = format!("sk-{}T3BlbkFJ{}", r.alnum(20, ALNUM), r.alnum(20, ALNUM));
        c.push(pos(
            j(
                *r.pick(&["apiKey", "openai_key", "token", "remark"]),
                legacy,
            ),
            id::OPENAI_LEGACY,
        ));
        c.push(neg(j(
            "apiKey",
            format!("sk-ant-api03-{}", r.alnum(40, ALNUM)),
        )));
        c.push(neg(j("apiKey", format!("sk-{}", r.alnum(40, ALNUM)))));
        c.push(pos(
            j(
                *r.pick(&["apiKey", "key", "remark"]),
                format!(
                    "sk-proj-{}T3BlbkFJ{}",
                    r.alnum(74, ALNUM),
                    r.alnum(74, ALNUM)
                ),
            ),
            id::OPENAI_PROJECT,
        ));
        c.push(pos(
            j(
                *r.pick(&["apiKey", "dashscopeKey", "remark"]),
                format!("sk-{}", r.alnum(32, HEX)),
            ),
            id::BAILIAN,
        ));
        c.push(neg(j("apiKey", format!("sk-{}", r.alnum(31, HEX)))));
        c.push(pos(
            j(
                *r.pick(&["hfToken", "token", "remark"]),
                format!(
                    "hf_{}",
                    r.alnum(34, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
                ),
            ),
            id::HUGGINGFACE,
        ));
        c.push(neg(j("token", format!("hf_{}", r.alnum(20, ALNUM)))));
        c.push(pos(
            j(
                *r.pick(&["groqKey", "apiKey", "remark"]),
                format!("gsk_{}", r.alnum(52, ALNUM)),
            ),
            id::GROQ,
        ));
        c.push(neg(j("apiKey", format!("gsk_{}", r.alnum(51, ALNUM)))));
        let eas = b64(r.alnum(40, HEX).as_bytes());
        c.push(pos(
            j(
                *r.pick(&["token", "easToken", "Authorization", "remark"]),
                eas,
            ),
            id::PAI_EAS_TOKEN,
        ));
        c.push(neg(j("token", b64(r.alnum(40, ALNUM).as_bytes()))));

        // ---- enterprise ----
        let (y, m, d) = birth(&mut r);
        c.push(pos(
            j(
                *r.pick(&["birthday", "birthDate", "dob", "csrq"]),
                if i % 2 == 0 {
                    format!("{y}-{m:02}-{d:02}")
                } else {
                    format!("{y}{m:02}{d:02}")
                },
            ),
            id::DATE,
        ));
        c.push(pos(
            j("remark", format!("入职日期{y}年{m}月{d}日")),
            id::DATE,
        ));
        c.push(pos(j("expiryDate", format!("{y}/{m:02}/{d:02}")), id::DATE));
        c.push(neg(j(
            "createdAt",
            format!("2024-{:02}-{:02}T{:02}:10:00Z", m, d, r.below(24)),
        )));
        c.push(neg(j("version", format!("{y}.{m}.{d}"))));
        c.push(neg(j(
            "value",
            format!("{y}-{:02}-{:02}", 13 + r.below(80), d),
        )));
        c.push(pos(
            j(
                *r.pick(&["regNo", "businessLicense", "licenseNo", "yyzz"]),
                business_license(&mut r),
            ),
            id::BUSINESS_LICENSE,
        ));
        c.push(neg(j("orderNo", business_license(&mut r))));
        let tax = match i % 2 {
            0 => format!(
                "{}{:02}{:02}{}",
                r.pick(PROVINCES),
                1 + r.below(20),
                1 + r.below(20),
                org_code(&mut r).replace('-', "")
            ),
            _ => format!("{}{}", cn_id(&mut r), r.digits(2)),
        };
        c.push(pos(
            j(
                *r.pick(&["taxNo", "taxId", "nsrsbh", "taxRegistrationNo"]),
                tax,
            ),
            id::TAX_REGISTRATION,
        ));
        c.push(neg(j("taxNo", *r.pick(&["N/A", "12345", "待补充"]))));
        c.push(pos(
            j(
                *r.pick(&["orgCode", "organizationCode", "zzjgdm", "remark"]),
                org_code(&mut r),
            ),
            id::ORGANIZATION_CODE,
        ));
        let bad_org = org_code(&mut r);
        let last = bad_org.chars().last().unwrap_or('0');
        c.push(neg(j(
            "orgCode",
            format!("{}{}", &bad_org[..9], if last == '1' { '2' } else { '1' }),
        )));
        c.push(pos(
            j(
                *r.pick(&[
                    "creditCode",
                    "uscc",
                    "socialCreditCode",
                    "remark",
                    "companyId",
                ]),
                uscc(&mut r),
            ),
            id::USCC,
        ));
        let bad_uscc = uscc(&mut r);
        let last = bad_uscc.chars().last().unwrap_or('0');
        c.push(neg(j(
            "creditCode",
            format!("{}{}", &bad_uscc[..17], if last == '1' { '2' } else { '1' }),
        )));
        c.push(pos(
            j(
                *r.pick(&["vin", "vinCode", "frameNo", "remark", "chassisNo"]),
                vin(&mut r, true),
            ),
            id::VIN,
        ));
        c.push(neg(j("partCode", vin(&mut r, false))));
    }

    // ---- global noise that must never fire ----
    for _ in 0..200 {
        let key = *r.pick(&["value", "data", "code", "ref", "number", "qty", "seq"]);
        let v = match r.below(9) {
            0 => format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                r.next() as u32,
                r.below(65535),
                r.below(4095),
                r.below(4095),
                r.next() & 0xFFFF_FFFF_FFFF
            ),
            1 => r.alnum(32, HEX),
            2 => r.alnum(40, HEX),
            3 => r.alnum(64, HEX),
            4 => format!("17{}", r.digits(11)),
            5 => format!("{}", 1_600_000_000 + r.below(200_000_000)),
            6 => format!("{}.{}.{}", r.below(10), r.below(30), r.below(200)),
            7 => {
                // random digit runs, not shaped like a phone or an ID number
                let len = *r.pick(&[6usize, 7, 8, 10, 12, 13, 14, 20]);
                format!("{}{}", 2 + r.below(7), r.digits(len - 1))
            }
            _ => format!("{}-{}", r.pick(&["ORD", "INV", "SO"]), r.digits(12)),
        };
        c.push(neg(j(key, v)));
    }
    c
}

fn record(place: &Place, i: usize) -> Record {
    let filler = format!(
        r#""id":{},"status":"ok","requestId":"{:08x}-3b1e-4c2a-9f00-{:012x}","ts":{},"traceId":"{:032x}""#,
        1000 + i,
        i * 7919,
        i * 104729,
        1_700_000_000_000u64 + i as u64 * 1000,
        (i as u128) * 0x9E37_79B9_7F4A_7C15u128
    );
    let q = |v: &str| serde_json::to_string(v).unwrap_or_default();
    let mut query = None;
    let mut req_body = None;
    let (ct, body) = match place {
        Place::Json(k, v) => (
            "application/json",
            format!(r#"{{"code":0,"data":{{{filler},{}:{}}}}}"#, q(k), q(v)),
        ),
        Place::JsonIn(p, k, v) => (
            "application/json",
            format!(
                r#"{{"code":0,"data":{{{filler},{}:{{{}:{}}}}}}}"#,
                q(p),
                q(k),
                q(v)
            ),
        ),
        Place::JsonMany(kv) => {
            let inner: Vec<String> = kv
                .iter()
                .map(|(k, v)| format!("{}:{}", q(k), q(v)))
                .collect();
            (
                "application/json",
                format!(r#"{{"code":0,"data":{{{filler},{}}}}}"#, inner.join(",")),
            )
        }
        Place::Text(t) => ("text/plain", t.clone()),
        Place::Html(h) => (
            "text/html",
            format!("<html><body><h1>详情</h1>{h}</body></html>"),
        ),
        Place::Query(k, v) => {
            query = Some(format!("{k}={v}&page=1&size=20"));
            (
                "application/json",
                format!(r#"{{"code":0,"data":{{{filler}}}}}"#),
            )
        }
        Place::ReqJson(k, v) => {
            req_body = Some(format!(r#"{{{}:{},"page":1}}"#, q(k), q(v)));
            (
                "application/json",
                format!(r#"{{"code":0,"data":{{{filler}}}}}"#),
            )
        }
    };
    Record {
        time_ms: 1_700_000_000_000,
        host: "api.example.com".into(),
        method: "POST".into(),
        path: "/v1/users/list".into(),
        query,
        scheme: Some("https".into()),
        client_ip: "203.0.113.9".parse().expect("ip"),
        user_agent: Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0".into()),
        status: 200,
        request_headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), "Mozilla/5.0 Chrome/120.0.0.0".into()),
            ("x-forwarded-for".into(), "198.51.100.7".into()),
            (
                "cookie".into(),
                "sid=8f14e45fceea167a5a36dedd4bea2543; lang=zh-CN".into(),
            ),
        ],
        request_body: req_body,
        response_headers: vec![
            ("content-type".into(), format!("{ct}; charset=utf-8")),
            ("date".into(), "Tue, 14 Nov 2023 22:13:20 GMT".into()),
        ],
        response_body: Some(body),
        account: None,
        waf_action: None,
        waf_rule: None,
    }
}

#[test]
fn per_type_precision_and_recall() {
    let scanner = Scanner::builtin();
    let cases = cases();
    let mut tp: BTreeMap<u32, u32> = BTreeMap::new();
    let mut fp: BTreeMap<u32, u32> = BTreeMap::new();
    let mut fnn: BTreeMap<u32, u32> = BTreeMap::new();
    let mut errors: Vec<String> = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let rec = record(&case.place, i);
        let ex = Exchange::new(&rec);
        let found: BTreeSet<u32> = scanner.scan(&ex).iter().map(|f| f.type_id).collect();
        let expect: BTreeSet<u32> = case.expect.iter().copied().collect();
        for t in &expect {
            if found.contains(t) {
                *tp.entry(*t).or_default() += 1;
            } else {
                *fnn.entry(*t).or_default() += 1;
                if errors.len() < 200 {
                    errors.push(format!(
                        "missed {t}: {:?}",
                        rec.response_body
                            .as_deref()
                            .map(|b| &b[b.len().saturating_sub(160)..])
                            .unwrap_or("")
                    ));
                }
            }
        }
        for t in found.difference(&expect) {
            *fp.entry(*t).or_default() += 1;
            if errors.len() < 200 {
                errors.push(format!(
                    "false {t}: q={:?} req={:?} resp={:?}",
                    rec.query,
                    rec.request_body,
                    rec.response_body
                        .as_deref()
                        .map(|b| &b[b.len().saturating_sub(160)..])
                        .unwrap_or("")
                ));
            }
        }
    }
    for e in &errors {
        println!("{e}");
    }
    println!(
        "\n{:<34} {:>6} {:>5} {:>5} {:>9} {:>7}",
        "type", "TP", "FP", "FN", "precision", "recall"
    );
    let mut failures = Vec::new();
    for t in &catalog().sensitive_types {
        let (a, b, c) = (
            *tp.get(&t.id).unwrap_or(&0),
            *fp.get(&t.id).unwrap_or(&0),
            *fnn.get(&t.id).unwrap_or(&0),
        );
        let precision = if a + b == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(a + b)
        };
        let recall = if a + c == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(a + c)
        };
        println!(
            "{:<34} {:>6} {:>5} {:>5} {:>9.3} {:>7.3}",
            format!("{} {}", t.id, t.key),
            a,
            b,
            c,
            precision,
            recall
        );
        if a < 20 || precision < 0.95 || recall < 0.95 {
            failures.push(format!("{} p={precision:.3} r={recall:.3} tp={a}", t.key));
        }
    }
    println!("{} labelled cases", cases.len());
    assert!(failures.is_empty(), "types below 0.95: {failures:?}");
}
