//! Tenant → resource group → region, kept in the URL query string (`?tenant=..&rg=..&region=..`)
//! so that every view is linkable and the browser's back button works.

use crate::api::SessionInfo;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The scope the user is looking at, derived from the URL (with defaults from the session).
#[derive(Clone, Copy)]
pub struct Scope {
    pub tenant: Memo<String>,
    pub rg: Memo<Option<i64>>,
    pub region: Memo<String>,
}

pub const REGIONS: [(&str, &str); 2] = [
    ("cn", "Chinese mainland"),
    ("intl", "Outside Chinese mainland"),
];

pub fn region_label(v: &str) -> &'static str {
    REGIONS
        .iter()
        .find(|(k, _)| *k == v)
        .map(|(_, l)| *l)
        .unwrap_or(REGIONS[0].1)
}

/// Reads the scope; needs the [`SessionInfo`] context of the console layout.
pub fn use_scope() -> Scope {
    let info = expect_context::<SessionInfo>();
    let query = use_query_map();
    let first = info
        .memberships
        .first()
        .map(|m| m.tenant_slug.clone())
        .unwrap_or_default();
    let tenant = Memo::new(move |_| {
        query
            .with(|q| q.get("tenant"))
            .unwrap_or_else(|| first.clone())
    });
    let info2 = info.clone();
    let rg = Memo::new(move |_| {
        query
            .with(|q| q.get("rg"))
            .and_then(|v| v.parse().ok())
            .or_else(|| {
                info2
                    .membership(&tenant.get())
                    .and_then(|m| m.resource_groups.first().map(|g| g.id))
            })
    });
    let region = Memo::new(move |_| match query.with(|q| q.get("region")).as_deref() {
        Some("intl") => "intl".to_string(),
        _ => "cn".to_string(),
    });
    Scope { tenant, rg, region }
}

/// `path?tenant=..&rg=..&region=..` with one part replaced.
pub fn scoped_href(path: &str, tenant: &str, rg: Option<i64>, region: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let mut q = format!("tenant={}", enc(tenant));
    if let Some(rg) = rg {
        q.push_str(&format!("&rg={rg}"));
    }
    q.push_str(&format!("&region={}", enc(region)));
    format!("{path}?{q}")
}

impl Scope {
    /// Link to `path` keeping the current scope.
    pub fn href(&self, path: &str) -> String {
        scoped_href(path, &self.tenant.get(), self.rg.get(), &self.region.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_escape_values() {
        assert_eq!(
            scoped_href("/risks", "a b", Some(3), "intl"),
            "/risks?tenant=a%20b&rg=3&region=intl"
        );
        assert_eq!(
            scoped_href("/x", "demo", None, "cn"),
            "/x?tenant=demo&region=cn"
        );
        assert_eq!(region_label("intl"), "Outside Chinese mainland");
    }
}
