//! Risks of a scope: list with filters, counts, sort and paging; detail; status changes; and
//! ignore rules (`policies` rows of kind `risk_ignore`), applied at query time so that they
//! hold for risks found by later analyses too.

use super::workflow::{self, Item, Kind, RISK_STATUSES};
use super::{
    admits, grouped, like_pattern, parse_time, tally, HistoryEntry, Paging, Params, Sort, Sql, Val,
    LEVELS,
};
use crate::accounts::User;
use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// Sortable columns: URL key → expression over the risk view (fixed strings only).
pub const SORT_COLUMNS: &[(&str, &str)] = &[
    ("level", "level_rank"),
    ("name", "name"),
    ("api", "api_key"),
    ("category", "category"),
    ("hits", "hits"),
    ("first_seen", "first_seen"),
    ("last_seen", "last_seen"),
    ("status", "status"),
];

/// Filters, sort and page of the risk list, as in the page's URL query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskQuery {
    /// Substring of the host (domain).
    pub host: Option<String>,
    /// Exact API key (`METHOD hostpath`), as linked from an API's detail.
    pub api: Option<String>,
    /// Substring of the path.
    pub path: Option<String>,
    pub level: Option<String>,
    pub category: Option<String>,
    /// Risk type key.
    pub type_key: Option<String>,
    pub status: Option<String>,
    /// Bounds on the last sighting (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub sort: Sort,
    pub paging: Paging,
}

impl RiskQuery {
    /// Reads `host, api, path, level, category, type, status, from, to, sort, dir, page,
    /// per_page`; other parameters (scope, selected item) are ignored.
    pub fn parse(query: &str) -> Result<RiskQuery> {
        let p = Params::parse(query);
        Ok(RiskQuery {
            host: p.owned("host"),
            api: p.owned("api"),
            path: p.owned("path"),
            level: p.one_of("level", &LEVELS)?,
            category: p.owned("category"),
            type_key: p.owned("type"),
            status: p.one_of("status", &RISK_STATUSES)?,
            from_ms: p
                .get("from")
                .map(|v| parse_time("from", v, false))
                .transpose()?,
            to_ms: p.get("to").map(|v| parse_time("to", v, true)).transpose()?,
            sort: Sort::parse(&p, SORT_COLUMNS, "level")?,
            paging: Paging::parse(&p)?,
        })
    }
}

/// One risk in the table (and in the CSV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRow {
    pub id: i64,
    pub risk_key: String,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub category: String,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub evidence: String,
    pub hits: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Effective status: `ignored` when an ignore rule matches, else the workflow status.
    pub status: String,
    /// The ignore rule that hides this risk, if any.
    pub ignored_by_rule: Option<i64>,
}

/// One page of risks with the total and the count cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskList {
    pub rows: Vec<RiskRow>,
    /// Rows matching every filter (all pages).
    pub total: i64,
    pub paging: Paging,
    /// Counts over every filter except level and category (those are what the cards pick).
    pub by_level: Vec<super::Count>,
    pub by_category: Vec<super::Count>,
    /// Risk types present under the same filters (for the type filter).
    pub by_type: Vec<super::Count>,
    pub by_status: Vec<super::Count>,
}

/// Everything the detail drawer shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskDetail {
    pub row: RiskRow,
    pub description: String,
    pub suggestion: String,
    /// The API's id in the inventory of this scope, for a link to its detail.
    pub api_id: Option<i64>,
    pub workflow: Option<workflow::Current>,
    pub history: Vec<HistoryEntry>,
}

/// An ignore rule: risks matching every given field are ignored. At least one field is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IgnoreRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl IgnoreRule {
    /// Empty strings count as absent; a rule matching everything is refused.
    pub fn normalised(self) -> Result<IgnoreRule> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let r = IgnoreRule {
            type_key: clean(self.type_key),
            api_key: clean(self.api_key),
            host: clean(self.host),
        };
        if r.type_key.is_none() && r.api_key.is_none() && r.host.is_none() {
            return Err(Error::Invalid(
                "an ignore rule needs a risk type, an API or a host".into(),
            ));
        }
        for v in [&r.type_key, &r.api_key, &r.host].into_iter().flatten() {
            if v.len() > 2048 {
                return Err(Error::Invalid(
                    "ignore rule values are limited to 2048 bytes".into(),
                ));
            }
        }
        Ok(r)
    }

    /// Human description: "Risk type X on API Y".
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(t) = &self.type_key {
            let name = engine::catalog::catalog()
                .risk(t)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| t.clone());
            parts.push(format!("risk type {name}"));
        }
        if let Some(a) = &self.api_key {
            parts.push(format!("API {a}"));
        }
        if let Some(h) = &self.host {
            parts.push(format!("host {h}"));
        }
        parts.join(" on ")
    }
}

/// A stored ignore rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRule {
    pub id: i64,
    pub rule: IgnoreRule,
    pub description: String,
    pub created_by: Option<String>,
    pub created_at: i64,
}

pub const IGNORE_KIND: &str = "risk_ignore";

/// The tenant's enabled ignore rules, oldest first.
pub async fn rules(b: &Backend, tenant_id: i64) -> Result<Vec<StoredRule>> {
    let rows = sqlx::query(
        "SELECT p.id, p.definition, u.username, p.created_at FROM policies p
         LEFT JOIN users u ON u.id = p.created_by
         WHERE p.tenant_id = $1 AND p.kind = $2 AND p.enabled = 1 ORDER BY p.id",
    )
    .bind(tenant_id)
    .bind(IGNORE_KIND)
    .fetch_all(&b.db.pool)
    .await?;
    let mut out = vec![];
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let def: String = r.try_get(1)?;
        // A definition that no longer parses (edited by hand) is skipped, not fatal.
        let Ok(rule) = serde_json::from_str::<IgnoreRule>(&def) else {
            tracing::warn!(id, "unreadable risk ignore rule skipped");
            continue;
        };
        out.push(StoredRule {
            id,
            description: rule.describe(),
            rule,
            created_by: r.try_get(2)?,
            created_at: r.try_get(3)?,
        });
    }
    Ok(out)
}

/// Adds an ignore rule for the tenant (audited). Returns its id.
pub async fn add_rule(b: &Backend, tenant_id: i64, user: &User, rule: IgnoreRule) -> Result<i64> {
    let rule = rule.normalised()?;
    if rules(b, tenant_id).await?.iter().any(|r| r.rule == rule) {
        return Err(Error::Conflict("this ignore rule exists already".into()));
    }
    let now = b.now_ms();
    let def = serde_json::to_string(&rule).map_err(|e| Error::Internal(e.to_string()))?;
    let description = rule.describe();
    let mut tx = b.db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (tenant_id, kind, name, definition, enabled, created_by, created_at,
            updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING id",
    )
    .bind(tenant_id)
    .bind(IGNORE_KIND)
    .bind(format!("Ignore {description}"))
    .bind(def)
    .bind(user.id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // Rules hold for every scope of the tenant: their pages change.
    crate::results::bump_tenant_versions(&mut tx, tenant_id).await?;
    tx.commit().await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(user.id),
        &user.username,
        "risk_ignore.add",
        &format!("#{id}: ignore {description}"),
    )
    .await?;
    Ok(id)
}

/// Deletes an ignore rule of the tenant (audited); another tenant's rule is not found.
pub async fn delete_rule(b: &Backend, tenant_id: i64, user: &User, id: i64) -> Result<()> {
    let existing = rules(b, tenant_id).await?;
    let Some(rule) = existing.iter().find(|r| r.id == id) else {
        return Err(Error::NotFound);
    };
    let mut tx = b.db.pool.begin().await?;
    sqlx::query("DELETE FROM policies WHERE id = $1 AND tenant_id = $2 AND kind = $3")
        .bind(id)
        .bind(tenant_id)
        .bind(IGNORE_KIND)
        .execute(&mut *tx)
        .await?;
    crate::results::bump_tenant_versions(&mut tx, tenant_id).await?;
    tx.commit().await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(user.id),
        &user.username,
        "risk_ignore.delete",
        &format!("#{id}: ignore {}", rule.description),
    )
    .await?;
    Ok(())
}

/// The scope's risks with workflow status and matching rule, as an SQL view (bound values).
fn view(scope: Scope, rules: &[StoredRule]) -> Sql {
    let mut rule_case = Sql::new("");
    if rules.is_empty() {
        rule_case.push("CAST(NULL AS BIGINT)", []);
    } else {
        rule_case.push("CASE", []);
        for r in rules {
            let mut conds: Vec<(&str, Val)> = vec![];
            if let Some(t) = &r.rule.type_key {
                conds.push(("r.type_key = ?", Val::S(t.clone())));
            }
            if let Some(a) = &r.rule.api_key {
                conds.push(("r.api_key = ?", Val::S(a.clone())));
            }
            if let Some(h) = &r.rule.host {
                conds.push(("r.host = ?", Val::S(h.clone())));
            }
            rule_case.push(" WHEN ", []);
            for (i, (c, v)) in conds.into_iter().enumerate() {
                if i > 0 {
                    rule_case.push(" AND ", []);
                }
                rule_case.push(c, [v]);
            }
            rule_case.push(" THEN ?", [Val::I(r.id)]);
        }
        rule_case.push(" END", []);
    }
    let mut sql = Sql::new(
        "SELECT id, risk_key, type_key, name, level, level_rank, category, api_key, host, method,
            path, evidence, hits, first_seen, last_seen, rule_id,
            CASE WHEN rule_id IS NOT NULL THEN 'ignored' ELSE COALESCE(wf_status, 'to_confirm')
            END AS status
         FROM (SELECT r.id, r.risk_key, r.type_key, r.name, r.level, r.level_rank, r.category,
            r.api_key, r.host, r.method, r.path, r.evidence, r.hits, r.first_seen, r.last_seen,
            w.status AS wf_status, ",
    );
    sql.append(&rule_case);
    sql.push(
        " AS rule_id
         FROM risks r LEFT JOIN workflow w ON w.tenant_id = r.tenant_id AND w.rg_id = r.rg_id
            AND w.region = r.region AND w.kind = 'risk' AND w.item_key = r.risk_key
         WHERE r.tenant_id = ? AND r.rg_id = ? AND r.region = ?) v0",
        [
            Val::I(scope.tenant_id),
            Val::I(scope.rg_id),
            Val::S(scope.region_str().into()),
        ],
    );
    sql
}

/// `SELECT * FROM view WHERE <filters>`. With `all` false only the filters that every count
/// card shares (host, API, path, time); level, category, type and status are then left to
/// [`list`], which applies them to the groups of one scan.
fn filtered(view: &Sql, q: &RiskQuery, all: bool) -> Sql {
    let mut sql = view.clone();
    sql.text = format!("SELECT * FROM ({}) v WHERE 1 = 1", sql.text);
    if let Some(h) = &q.host {
        sql.push(
            " AND LOWER(host) LIKE ? ESCAPE '\\'",
            [Val::S(like_pattern(h))],
        );
    }
    if let Some(a) = &q.api {
        sql.push(" AND api_key = ?", [Val::S(a.clone())]);
    }
    if let Some(p) = &q.path {
        sql.push(
            " AND LOWER(path) LIKE ? ESCAPE '\\'",
            [Val::S(like_pattern(p))],
        );
    }
    if all {
        if let Some(l) = &q.level {
            sql.push(" AND level = ?", [Val::S(l.clone())]);
        }
        if let Some(c) = &q.category {
            sql.push(" AND category = ?", [Val::S(c.clone())]);
        }
        if let Some(t) = &q.type_key {
            sql.push(" AND type_key = ?", [Val::S(t.clone())]);
        }
        if let Some(s) = &q.status {
            sql.push(" AND status = ?", [Val::S(s.clone())]);
        }
    }
    if let Some(f) = q.from_ms {
        sql.push(" AND last_seen >= ?", [Val::I(f)]);
    }
    if let Some(t) = q.to_ms {
        sql.push(" AND last_seen <= ?", [Val::I(t)]);
    }
    sql
}

fn row(r: &sqlx::any::AnyRow) -> Result<RiskRow> {
    Ok(RiskRow {
        id: r.try_get("id")?,
        risk_key: r.try_get("risk_key")?,
        type_key: r.try_get("type_key")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        category: r.try_get("category")?,
        api_key: r.try_get("api_key")?,
        host: r.try_get("host")?,
        method: r.try_get("method")?,
        path: r.try_get("path")?,
        evidence: r.try_get("evidence")?,
        hits: r.try_get("hits")?,
        first_seen: r.try_get("first_seen")?,
        last_seen: r.try_get("last_seen")?,
        status: r.try_get("status")?,
        ignored_by_rule: r.try_get("rule_id")?,
    })
}

fn category_name(key: &str) -> String {
    key.to_string()
}

fn type_name(key: &str) -> String {
    engine::catalog::catalog()
        .risk(key)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| key.to_string())
}

/// One page of the scope's risks, with the total and the counts.
///
/// Two queries: one scan of the scope grouped by level, category, type and status (under the
/// shared filters), from which the total and every count card are summed, and the page itself
/// (served in the default order by the index `risks_page_level`).
pub async fn list(b: &Backend, scope: Scope, q: &RiskQuery) -> Result<RiskList> {
    // Read before the ignore rules: a rule change after it bumps the version, so what is
    // cached here under the older version is never served for the newer one.
    let at = super::Version::read(b, scope).await?;
    let rules = rules(b, scope.tenant_id).await?;
    let view = view(scope, &rules);
    let groups = grouped(
        b,
        at,
        &filtered(&view, q, false),
        &["level", "category", "type_key", "status"],
    )
    .await?;
    // Group keys: [level, category, type_key, status].
    let level_category = |k: &[String]| admits(&q.level, &k[0]) && admits(&q.category, &k[1]);
    let type_ok = |k: &[String]| admits(&q.type_key, &k[2]);
    let status_ok = |k: &[String]| admits(&q.status, &k[3]);
    let total = groups
        .iter()
        .filter(|g| level_category(&g.keys) && type_ok(&g.keys) && status_ok(&g.keys))
        .map(|g| g.count)
        .sum();
    // Level and category cards count under every filter but their own two.
    let facets: Vec<_> = groups
        .iter()
        .filter(|g| type_ok(&g.keys) && status_ok(&g.keys))
        .collect();
    let mut by_level = tally(facets.iter().copied(), 0, |k| k.to_string());
    by_level.sort_by_key(|c| LEVELS.iter().position(|l| *l == c.key).unwrap_or(9));
    let by_category = tally(facets.iter().copied(), 1, category_name);
    let by_type = tally(facets.iter().copied(), 2, type_name);
    let by_status = tally(
        groups
            .iter()
            .filter(|g| level_category(&g.keys) && type_ok(&g.keys)),
        3,
        |k| k.to_string(),
    );

    let rows = super::fetch_page(
        b,
        at,
        filtered(&view, q, true),
        &q.sort.order_by(SORT_COLUMNS),
        &q.paging,
        total,
        row,
    )
    .await?;
    Ok(RiskList {
        rows,
        total,
        paging: q.paging,
        by_level,
        by_category,
        by_type,
        by_status,
    })
}

/// Every risk matching the filters (up to [`super::EXPORT_LIMIT`]), in the list's order.
pub async fn export(b: &Backend, scope: Scope, q: &RiskQuery) -> Result<Vec<RiskRow>> {
    let mut q = q.clone();
    q.paging = Paging {
        page: 1,
        per_page: super::EXPORT_LIMIT,
    };
    Ok(list(b, scope, &q).await?.rows)
}

async fn rows_by_ids(b: &Backend, scope: Scope, ids: &[i64]) -> Result<Vec<RiskRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rules = rules(b, scope.tenant_id).await?;
    let mut sql = view(scope, &rules);
    sql.text = format!("SELECT * FROM ({}) v WHERE id IN (", sql.text);
    for (i, id) in ids.iter().enumerate() {
        sql.push(if i == 0 { "?" } else { ", ?" }, [Val::I(*id)]);
    }
    sql.push(")", []);
    sql.query()
        .fetch_all(&b.db.pool)
        .await?
        .iter()
        .map(row)
        .collect()
}

/// The detail of one risk of the scope; a risk of another scope is not found.
pub async fn detail(b: &Backend, scope: Scope, id: i64) -> Result<RiskDetail> {
    let row = rows_by_ids(b, scope, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    let texts = sqlx::query("SELECT description, suggestion FROM risks WHERE id = $1")
        .bind(id)
        .fetch_one(&b.db.pool)
        .await?;
    let api_id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND api_key = $4",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&row.api_key)
    .fetch_optional(&b.db.pool)
    .await?;
    Ok(RiskDetail {
        description: texts.try_get(0)?,
        suggestion: texts.try_get(1)?,
        api_id,
        workflow: workflow::current(b, scope, Kind::Risk, &row.risk_key).await?,
        history: workflow::history(b, scope, Kind::Risk, &row.risk_key).await?,
        row,
    })
}

/// Sets the status of the given risks of the scope (bulk). Any id outside the scope makes the
/// whole change fail as not found. Returns how many changed.
pub async fn set_status(
    b: &Backend,
    scope: Scope,
    user: &User,
    ids: &[i64],
    status: &str,
) -> Result<usize> {
    Kind::Risk.check_status(status)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(Error::Invalid("select at least one risk".into()));
    }
    if ids.len() > super::MAX_BULK {
        return Err(Error::Invalid(format!(
            "at most {} risks can be changed at once",
            super::MAX_BULK
        )));
    }
    let rows = rows_by_ids(b, scope, &ids).await?;
    if rows.len() != ids.len() {
        return Err(Error::NotFound);
    }
    let items: Vec<Item> = rows
        .into_iter()
        .map(|r| Item {
            key: r.risk_key,
            last_seen: r.last_seen,
        })
        .collect();
    workflow::set_status(b, scope, user, Kind::Risk, &items, status).await
}

/// The ignore rule of a risk (its type on its API) from its id, for the drawer's button.
pub async fn rule_for(b: &Backend, scope: Scope, id: i64, whole_host: bool) -> Result<IgnoreRule> {
    let r = rows_by_ids(b, scope, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    Ok(if whole_host {
        IgnoreRule {
            type_key: Some(r.type_key),
            host: Some(r.host),
            ..Default::default()
        }
    } else {
        IgnoreRule {
            type_key: Some(r.type_key),
            api_key: Some(r.api_key),
            ..Default::default()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parses_and_rejects() {
        let q = RiskQuery::parse(
            "level=high&type=weak_jwt_algorithm&sort=hits&dir=asc&page=3&from=2024-01-01",
        )
        .unwrap();
        assert_eq!(q.level.as_deref(), Some("high"));
        assert_eq!(q.type_key.as_deref(), Some("weak_jwt_algorithm"));
        assert_eq!(
            q.sort,
            Sort {
                key: "hits".into(),
                desc: false
            }
        );
        assert_eq!(q.paging.page, 3);
        assert!(q.from_ms.is_some());
        assert!(
            RiskQuery::parse("status=handled").is_err(),
            "an event status is not a risk status"
        );
        assert!(RiskQuery::parse("sort=hits;DROP").is_err());
    }

    #[test]
    fn view_binds_rules_in_order() {
        let scope = Scope {
            tenant_id: 7,
            rg_id: 8,
            region: crate::tenancy::Region::Intl,
        };
        let rules = vec![StoredRule {
            id: 42,
            rule: IgnoreRule {
                type_key: Some("t".into()),
                host: Some("h".into()),
                ..Default::default()
            },
            description: String::new(),
            created_by: None,
            created_at: 0,
        }];
        let v = view(scope, &rules);
        assert!(
            v.text
                .contains("WHEN r.type_key = $1 AND r.host = $2 THEN $3 END"),
            "{}",
            v.text
        );
        assert!(
            v.text
                .contains("r.tenant_id = $4 AND r.rg_id = $5 AND r.region = $6"),
            "{}",
            v.text
        );
        assert_eq!(v.binds.len(), 6);
        assert!(IgnoreRule::default().normalised().is_err());
        assert!(IgnoreRule {
            host: Some("  ".into()),
            ..Default::default()
        }
        .normalised()
        .is_err());
    }
}
