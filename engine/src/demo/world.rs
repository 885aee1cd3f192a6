//! The demo world: customers, employees, administrators, merchants and partners, each with a
//! stable address, client and credential, so that accounts behave steadily across days.

use super::net::{self, Block};
use super::values::{self, Person};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sha2::Sha256;
use std::net::Ipv4Addr;

pub struct User {
    pub id: u64,
    pub uuid: String,
    pub username: String,
    pub person: Person,
    pub home_ip: Ipv4Addr,
    pub mobile_ip: Ipv4Addr,
    pub ua: &'static str,
    pub app: bool,
    pub jwt: String,
    pub session: String,
    pub country: &'static str,
}

pub struct Employee {
    pub emp_no: String,
    pub username: String,
    pub person: Person,
    pub dept: &'static str,
    pub ip: Ipv4Addr,
    pub ua: &'static str,
    pub session: String,
    pub password: String,
}

pub struct Partner {
    pub name: &'static str,
    pub app_key: String,
    pub ips: [Ipv4Addr; 2],
    pub ua: &'static str,
}

pub struct World {
    pub users: Vec<User>,
    pub employees: Vec<Employee>,
    pub admins: Vec<Employee>,
    pub partners: Vec<Partner>,
    /// Indices into `users` of merchant accounts (sellers on the marketplace).
    pub merchants: Vec<usize>,
    /// Customers of merchants (shown by the merchant customer API).
    pub customers: Vec<Person>,
    /// Download file ids.
    pub files: Vec<String>,
    pub start_ms: i64,
}

pub const DEPTS: &[&str] = &[
    "研发中心",
    "市场部",
    "财务部",
    "人力资源部",
    "客服中心",
    "运营部",
    "法务部",
    "采购部",
];

const B64_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(s.as_bytes())
}

/// An RS256 JWT as an identity provider issues it (the signature is random bytes of RSA size).
pub fn jwt_rs256(rng: &mut ChaCha8Rng, sub: &str, uid: u64, iat: i64) -> String {
    let header = b64(r#"{"alg":"RS256","typ":"JWT","kid":"pp-2025-01"}"#);
    let payload = b64(&format!(
        r#"{{"sub":"{sub}","uid":{uid},"iss":"passport.example.com","iat":{},"exp":{},"scope":"user"}}"#,
        iat / 1000,
        iat / 1000 + 30 * 86_400
    ));
    let mut sig = String::with_capacity(342);
    for _ in 0..342 {
        sig.push(B64_ALPHABET[rng.gen_range(0..64)] as char);
    }
    format!("{header}.{payload}.{sig}")
}

/// A JWT signed with HS256 and the well-known key `secret` (planted weakness).
pub fn jwt_hs256_secret(sub: &str, uid: u64, iat: i64) -> String {
    let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64(&format!(
        r#"{{"sub":"{sub}","uid":{uid},"iat":{},"exp":{}}}"#,
        iat / 1000,
        iat / 1000 + 7 * 86_400
    ));
    let signing_input = format!("{header}.{payload}");
    let sig = match Hmac::<Sha256>::new_from_slice(b"secret") {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{sig}")
}

/// An unsigned JWT (`alg: none`, planted weakness).
pub fn jwt_none(sub: &str, uid: u64, iat: i64) -> String {
    let header = b64(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(&format!(
        r#"{{"sub":"{sub}","uid":{uid},"role":"user","iat":{}}}"#,
        iat / 1000
    ));
    format!("{header}.{payload}.")
}

fn pick_country(rng: &mut ChaCha8Rng, intl: bool) -> (&'static [Block], &'static str) {
    let x = rng.gen_range(0..1000);
    if intl {
        // Outside the mainland: most customers in Singapore and other markets, some mainland.
        return match x {
            0..=449 => (net::SG, "SG"),
            450..=599 => (net::US, "US"),
            600..=699 => (net::JP, "JP"),
            700..=799 => (net::DE, "DE"),
            800..=899 => (net::HK, "HK"),
            _ => (net::CN, "CN"),
        };
    }
    match x {
        0..=929 => (net::CN, "CN"),
        930..=949 => (net::HK, "HK"),
        950..=954 => (net::MO, "MO"),
        955..=969 => (net::TW, "TW"),
        970..=976 => (net::US, "US"),
        977..=982 => (net::JP, "JP"),
        983..=987 => (net::SG, "SG"),
        988..=991 => (net::DE, "DE"),
        992..=995 => (net::GB, "GB"),
        _ => (net::KR, "KR"),
    }
}

impl World {
    pub fn build(rng: &mut ChaCha8Rng, users: usize, start_ms: i64, intl: bool) -> World {
        let mut list = Vec::with_capacity(users);
        for i in 0..users {
            let person = Person::generate(rng);
            let (blocks, cc) = pick_country(rng, intl);
            let home_ip = net::ip_in(rng, blocks);
            let mobile_ip = if cc == "CN" {
                net::ip_in(rng, net::CN)
            } else {
                home_ip
            };
            let app = rng.gen_bool(0.55);
            let ua = if app {
                net::APPS[rng.gen_range(0..net::APPS.len())]
            } else {
                net::BROWSERS[rng.gen_range(0..net::BROWSERS.len())]
            };
            let id = 100_001 + i as u64 * 7 + rng.gen_range(0..7u64);
            let username = format!("{}{:04}", person.pinyin, i % 10_000);
            let iat = start_ms - rng.gen_range(0..86_400_000);
            let jwt = jwt_rs256(rng, &username, id, iat);
            list.push(User {
                id,
                uuid: values::uuid(rng),
                username,
                person,
                home_ip,
                mobile_ip,
                ua,
                app,
                jwt,
                session: values::hex(rng, 32),
                country: cc,
            });
        }
        let mut employees = Vec::new();
        for i in 0..160 {
            employees.push(employee(rng, i, false));
        }
        let mut admins = Vec::new();
        for i in 0..12 {
            admins.push(employee(rng, 900 + i, true));
        }
        let partners = vec![
            partner(rng, "顺达物流", "Apache-HttpClient/4.5.13 (Java/1.8.0_372)"),
            partner(rng, "云票通", "Go-http-client/1.1"),
            partner(
                rng,
                "优品分销",
                "PartnerSync/2.3 (+https://partner.example.net)",
            ),
            partner(rng, "数联科技", "Apache-HttpClient/4.5.13 (Java/1.8.0_372)"),
        ];
        let merchants = (0..list.len()).step_by(53).take(40).collect();
        let customers = (0..1500).map(|_| Person::generate(rng)).collect();
        let files = (0..3000).map(|_| values::uuid(rng)).collect();
        World {
            users: list,
            employees,
            admins,
            partners,
            merchants,
            customers,
            files,
            start_ms,
        }
    }
}

fn employee(rng: &mut ChaCha8Rng, i: u32, admin: bool) -> Employee {
    let person = Person::generate(rng);
    Employee {
        emp_no: format!("E{:05}", 10_000 + i * 3),
        username: format!("{}.{}", person.pinyin, i),
        dept: if admin {
            "信息技术部"
        } else {
            DEPTS[rng.gen_range(0..DEPTS.len())]
        },
        person,
        ip: net::office_ip(rng),
        ua: net::BROWSERS[rng.gen_range(0..5)],
        session: values::hex(rng, 32).to_uppercase(),
        password: format!(
            "{}{}#{}",
            values::alnum(rng, 4),
            rng.gen_range(10..99),
            values::alnum(rng, 5)
        ),
    }
}

fn partner(rng: &mut ChaCha8Rng, name: &'static str, ua: &'static str) -> Partner {
    Partner {
        name,
        app_key: format!("ak_{}", values::hex(rng, 24)),
        // Partners call from fixed cloud servers in the mainland.
        ips: [net::ip_in(rng, net::CN), net::ip_in(rng, net::CN)],
        ua,
    }
}
