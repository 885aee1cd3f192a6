//! A clean baseline: several hundred ordinary exchanges of a shop (strong-password logons,
//! capped paged lists, authenticated profile and order APIs, verification codes, a few typos)
//! must produce no risk at all.

#[path = "risk_support.rs"]
mod support;
use support::*;

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
