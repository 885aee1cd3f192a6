//! A clean baseline: several hundred ordinary exchanges of a shop (strong-password logons,
//! capped paged lists, authenticated profile and order APIs, verification codes, a few typos)
//! must produce no risk at all.

#[path = "risk_support.rs"]
mod support;
use engine::facts::{AuthKind, Location, ToolKind};
use sha2::{Digest, Sha256};
use support::*;

fn hex(seed: &str) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn session(e: Ex, sid: &str) -> Ex {
    let mut e = e.cookie(&format!("SESSION={sid}; lang=zh-CN; theme=light"));
    e.auth.kinds.push(AuthKind::CookieSession);
    e
}

fn products(page: u32) -> String {
    let items: Vec<String> = (0..20)
        .map(|i| {
            let id = page * 20 + i;
            format!(
                r#"{{"id":"p-{}","title":"Item {id}","price":{}.90}}"#,
                &hex(&id.to_string())[..12],
                10 + id % 90
            )
        })
        .collect();
    format!(
        r#"{{"code":0,"data":{{"page":{page},"size":20,"total":4000,"list":[{}]}}}}"#,
        items.join(",")
    )
}

fn user_day(u: u32) -> Vec<Ex> {
    let ip = format!("203.0.113.{}", u + 1);
    let loc = if u % 10 == 0 {
        Location::Country(*b"US")
    } else {
        Location::Country(*b"CN")
    };
    let tool = if u % 4 == 0 {
        (ToolKind::MobileApp, "ShopApp")
    } else {
        (ToolKind::Browser, "Chrome")
    };
    let h = hex(&format!("user{u}"));
    let password = format!("K{}#{}Zq!", &h[..6], &h[6..10]);
    let sid = hex(&format!("session{u}"));
    let token = hex(&format!("token{u}"));
    let mobile = format!("1381234{:04}", u);
    let mut t = T0 + u as i64 * 97_000;
    let mut next = || {
        t += 7_000;
        t
    };
    let mut out = Vec::new();
    if u % 8 == 3 {
        // A typo first, answered with the generic message.
        out.push(
            post("/api/v1/auth/login")
                .json(&format!(
                    r#"{{"username":"user{u}","password":"{password}x"}}"#
                ))
                .status(401)
                .resp(r#"{"code":1001,"msg":"用户名或密码错误"}"#)
                .at(next()),
        );
    }
    out.push(
        post("/api/v1/auth/login")
            .json(&format!(
                r#"{{"username":"user{u}","password":"{password}"}}"#
            ))
            .resp(&format!(
                r#"{{"code":0,"msg":"登录成功","data":{{"token":"{token}","expiresIn":7200}}}}"#
            ))
            .resp_header(
                "set-cookie",
                &format!("SESSION={sid}; Path=/; Secure; HttpOnly; SameSite=Lax"),
            )
            .at(next()),
    );
    out.push(
        session(get("/api/v1/users/me"), &sid)
            .resp(&format!(
                r#"{{"code":0,"data":{{"id":"{}","nickname":"user{u}","name":"王{u}","mobile":"{}","email":"user{u}@mail.example"}}}}"#,
                &h[..16],
                mobile
            ))
            .resp_finding(1002, "json.data.name", &format!("王{u}"))
            .resp_finding(1004, "json.data.mobile", &mobile)
            .resp_finding(1005, "json.data.email", &format!("user{u}@mail.example"))
            .at(next()),
    );
    for page in 1..=3 {
        out.push(
            session(get("/api/v1/products"), &sid)
                .query(&format!("page={page}&size=20&sort=price"))
                .resp(&products(page + u % 5))
                .at(next()),
        );
    }
    out.push(
        get("/api/v1/search")
            .query(&format!("q=winter+coat+{u}&page=1&size=20"))
            .resp(&products(u % 7))
            .at(next()),
    );
    let order = format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..15],
        &h[15..18],
        &h[18..30]
    );
    out.push(
        session(post("/api/v1/orders"), &sid)
            .json(&format!(
                r#"{{"items":[{{"productId":"p-{}","qty":1}}],"addressId":"{}"}}"#,
                &h[30..42],
                &h[42..54]
            ))
            .status(201)
            .resp(&format!(
                r#"{{"code":0,"data":{{"orderId":"{order}","status":"created"}}}}"#
            ))
            .at(next()),
    );
    out.push(
        session(get(&format!("/api/v1/orders/{order}")), &sid)
            .resp(&format!(r#"{{"code":0,"data":{{"orderId":"{order}","receiverPhone":"138****{:04}","status":"created"}}}}"#, u))
            .at(next()),
    );
    out.push(
        session(ex("PUT", "/api/v1/users/me"), &sid)
            .json(r#"{"nickname":"new name","avatar":"a1.png"}"#)
            .at(next()),
    );
    out.push(
        session(
            ex(
                "DELETE",
                &format!("/api/v1/cart/items/{}", 100_000 + u * 7919),
            ),
            &sid,
        )
        .status(204)
        .resp("")
        .at(next()),
    );
    if u % 5 == 0 {
        out.push(
            post("/api/v1/sms/code")
                .json(&format!(r#"{{"mobile":"{mobile}","scene":"bind"}}"#))
                .req_finding(1004, "json.mobile", &mobile)
                .resp(r#"{"code":0,"msg":"发送成功","data":{"expire":300}}"#)
                .at(next()),
        );
        out.push(
            session(post("/api/v1/sms/verify"), &sid)
                .json(&format!(
                    r#"{{"mobile":"{mobile}","smsCode":"{:06}"}}"#,
                    100_000 + u * 37
                ))
                .req_finding(1004, "json.mobile", &mobile)
                .resp(r#"{"code":0,"msg":"验证成功"}"#)
                .at(next()),
        );
    }
    out.push(
        session(post("/api/v1/auth/logout"), &sid)
            .resp(r#"{"code":0}"#)
            .at(next()),
    );
    out.into_iter()
        .map(|e| {
            let mut e = e.ip(&ip).location(loc).tool(tool.0, tool.1);
            if tool.0 == ToolKind::MobileApp {
                e.record.request_headers[0].1 = "ShopApp/5.2.1 (iPhone; iOS 17.4)".into();
            }
            e
        })
        .collect()
}

fn baseline() -> Vec<Ex> {
    let mut exs: Vec<Ex> = (0..40).flat_map(user_day).collect();
    // Public configuration and health checks from the load balancer.
    for i in 0..30 {
        exs.push(
            get("/api/v1/config")
                .resp(r#"{"code":0,"data":{"currency":"CNY","features":["coupons","reviews"]}}"#)
                .at(T0 + i * 60_000),
        );
        exs.push(
            get("/healthz")
                .ip("10.0.0.2")
                .tool(ToolKind::Script, "kube-probe")
                .resp(r#"{"status":"UP"}"#)
                .at(T0 + i * 60_000),
        );
    }
    exs
}

#[test]
fn clean_baseline_has_no_risks() {
    let exs = baseline();
    assert!(exs.len() >= 300, "{} exchanges", exs.len());
    let f = analyze(&exs);
    assert!(f.is_empty(), "risks on a clean baseline: {:#?}", f);
    let f = analyze_with(
        &exs,
        &Attrs {
            authenticated: true,
            ..Default::default()
        },
    );
    assert!(f.is_empty(), "risks on a clean baseline: {:#?}", f);
}

#[test]
fn one_planted_problem_stands_out_of_the_baseline() {
    let mut exs = baseline();
    exs.push(
        post("/api/v1/auth/login")
            .json(r#"{"username":"admin","password":"admin"}"#)
            .resp(r#"{"code":0,"data":{"token":"0f1e2d3c4b5a69788796a5b4c3d2e1f0"}}"#)
            .at(T0 + 3_600_000),
    );
    let f = analyze(&exs);
    let keys = keys(&f);
    assert!(keys.contains("default_password"), "{keys:?}");
    assert!(keys.contains("weak_password_allowed"), "{keys:?}");
    assert_eq!(keys.len(), 2, "{keys:?}");
}
