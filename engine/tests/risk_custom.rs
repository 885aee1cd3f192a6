//! Custom risk rules: compilation errors and evaluation per exchange and per API.

#[path = "risk_support.rs"]
mod support;
use engine::catalog::Level;
use engine::facts::{ApiSensitivity, ServiceObject};
use engine::risk::{
    CompiledRiskRules, Condition, CustomRiskError, CustomRiskRule, MessagePart, RuleLevel,
};
use std::sync::Arc;
use support::*;

fn export_rule() -> CustomRiskRule {
    serde_json::from_str(
        r#"{
            "name": "Unauthenticated phone export",
            "level": "high",
            "suggestion": "Require a session on export endpoints.",
            "conditions": [
                {"kind": "path", "regex": "(?i)/export"},
                {"kind": "status", "min": 200, "max": 299},
                {"kind": "content", "part": "response_body", "regex": "1[3-9]\\d{9}"},
                {"kind": "authenticated", "value": false}
            ]
        }"#,
    )
    .expect("rule JSON")
}

#[test]
fn rule_matches_exchange_and_api_conditions() {
    let rules = Arc::new(CompiledRiskRules::compile(&[export_rule()]).unwrap());
    let exs = [get("/api/v1/customers/export").resp("name,mobile\n张伟,13812345678\n")];
    let f = analyze_rules(&exs, &Attrs::default(), rules.clone());
    let r = finding(&f, "custom_risk");
    assert_eq!(r.level, Level::High);
    assert_eq!(r.rule.as_deref(), Some("Unauthenticated phone export"));
    assert_eq!(
        r.suggestion.as_deref(),
        Some("Require a session on export endpoints.")
    );
    assert!(!r.evidence.contains("13812345678"), "{}", r.evidence);

    // Close look-alikes: authenticated, no phone numbers, another path.
    for e in [
        get("/api/v1/customers/export")
            .authed()
            .resp("name,mobile\n张伟,13812345678\n"),
        get("/api/v1/customers/export").resp("name,city\n张伟,杭州\n"),
        get("/api/v1/customers").resp("name,mobile\n张伟,13812345678\n"),
    ] {
        let f = analyze_rules(&[e], &Attrs::default(), rules.clone());
        assert!(!keys(&f).contains("custom_risk"), "{f:?}");
    }
}

#[test]
fn api_attribute_only_rule() {
    let rule = CustomRiskRule {
        name: "Sensitive internal API".into(),
        level: RuleLevel::Medium,
        description: String::new(),
        suggestion: "Review access to internal sensitive APIs.".into(),
        conditions: vec![
            Condition::ServiceObject {
                value: ServiceObject::InternalOffice,
            },
            Condition::Sensitivity {
                at_least: ApiSensitivity::Medium,
            },
            Condition::FieldPresent {
                part: MessagePart::ResponseBody,
                field: "salary".into(),
            },
        ],
    };
    let rules = Arc::new(CompiledRiskRules::compile(&[rule]).unwrap());
    let attrs = Attrs {
        service_object: ServiceObject::InternalOffice,
        authenticated: true,
        sensitivity: ApiSensitivity::High,
    };
    let e = get("/api/hr/payroll")
        .authed()
        .resp(r#"{"data":[{"name":"张伟","salary":18000}]}"#);
    let f = analyze_rules(std::slice::from_ref(&e), &attrs, rules.clone());
    assert_eq!(finding(&f, "custom_risk").level, Level::Medium);
    let public = Attrs {
        service_object: ServiceObject::PublicService,
        ..attrs.clone()
    };
    assert!(!keys(&analyze_rules(&[e], &public, rules.clone())).contains("custom_risk"));
    let no_field = get("/api/hr/payroll")
        .authed()
        .resp(r#"{"data":[{"name":"张伟"}]}"#);
    assert!(!keys(&analyze_rules(&[no_field], &attrs, rules)).contains("custom_risk"));
}

#[test]
fn invalid_rules_fail_with_clear_errors() {
    let mut bad = export_rule();
    bad.conditions.push(Condition::Content {
        part: MessagePart::RequestBody,
        regex: "(unclosed".into(),
    });
    match CompiledRiskRules::compile(&[bad]) {
        Err(CustomRiskError::Regex { rule, message }) => {
            assert_eq!(rule, "Unauthenticated phone export");
            assert!(!message.is_empty());
        }
        other => panic!("expected a regex error, got {other:?}"),
    }
    let mut empty = export_rule();
    empty.conditions.clear();
    assert!(matches!(
        CompiledRiskRules::compile(&[empty]),
        Err(CustomRiskError::Invalid { .. })
    ));
    let mut purpose = export_rule();
    purpose.conditions.push(Condition::Purpose {
        purpose: "no_such_purpose".into(),
        r#type: None,
    });
    let err = CompiledRiskRules::compile(&[purpose]).unwrap_err();
    assert!(err.to_string().contains("no_such_purpose"), "{err}");
    let mut status = export_rule();
    status
        .conditions
        .push(Condition::Status { min: 500, max: 200 });
    assert!(CompiledRiskRules::compile(&[status]).is_err());
    let mut unnamed = export_rule();
    unnamed.name = " ".into();
    assert!(CompiledRiskRules::compile(&[unnamed]).is_err());
}
