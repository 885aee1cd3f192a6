//! Queries of the API inventory for the Assets page (issues 4, 5): the filtered, sorted and
//! paged list, filter facets, one API's detail (with its risks and events), the sensitive data
//! tab, CSV rows, OpenAPI export / spec comparison, and the users' template corrections.
//!
//! Everything reads the tables [`crate::results::replace`] writes. Filters are bound
//! parameters; only sort columns from a fixed whitelist are formatted into SQL. The list is
//! built to stay fast with 100k APIs per scope: every sort column has a scope-prefixed index
//! (migration 0011), and paging is LIMIT/OFFSET with a separate COUNT.

use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use engine::catalog::catalog;
use engine::discovery::{ForcedTemplate, TemplateRules};
use engine::facts::{ApiKey, ApiSummary, ParamSummary, PurposeTag};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

/// Largest page the list returns.
pub const MAX_PAGE_SIZE: i64 = 500;
/// Default page size of the Assets table.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Risks and events listed in one API's detail.
pub const DETAIL_LIST_LIMIT: i64 = 100;
/// APIs listed for one sensitive type.
pub const TYPE_APIS_LIMIT: i64 = 500;
/// Largest spec accepted for comparison (bytes).
pub const MAX_SPEC_BYTES: usize = 5 * 1024 * 1024;

/// Columns the list can be sorted by (the whitelist: nothing else reaches the SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Path,
    Host,
    #[default]
    Calls,
    LastSeen,
    FirstSeen,
    SensitivityRank,
    RiskCount,
    EventCount,
}

impl SortColumn {
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Path,
        SortColumn::Host,
        SortColumn::Calls,
        SortColumn::LastSeen,
        SortColumn::FirstSeen,
        SortColumn::SensitivityRank,
        SortColumn::RiskCount,
        SortColumn::EventCount,
    ];

    /// The URL / column name.
    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Path => "path",
            SortColumn::Host => "host",
            SortColumn::Calls => "calls",
            SortColumn::LastSeen => "last_seen",
            SortColumn::FirstSeen => "first_seen",
            SortColumn::SensitivityRank => "sensitivity_rank",
            SortColumn::RiskCount => "risk_count",
            SortColumn::EventCount => "event_count",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        SortColumn::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "cannot sort by {s:?}; use one of: {}",
                    SortColumn::ALL.map(|c| c.as_str()).join(", ")
                ))
            })
    }

    /// ORDER BY clause (fixed text only). Ties break on `id` so pages never overlap.
    ///
    /// `no_index` prefixes the columns with SQLite's unary `+`, which keeps the planner from
    /// walking the sort index: with a substring filter that matches few rows, walking 100k
    /// index entries (each with a row lookup) to fill one page is far slower than scanning
    /// the scope and sorting the matches (0.8 s versus a few ms in a debug build).
    fn order_by(self, desc: bool, no_index: bool) -> String {
        let dir = if desc { "DESC" } else { "ASC" };
        let p = if no_index { "+" } else { "" };
        match self {
            SortColumn::Host => format!("{p}host {dir}, {p}path {dir}, id {dir}"),
            c => format!("{p}{} {dir}, id {dir}", c.as_str()),
        }
    }
}

/// Filters of the list. Empty / `None` fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiFilter {
    /// Exact host.
    pub host: Option<String>,
    /// Substring of the host (case-insensitive).
    pub domain: Option<String>,
    /// Purpose key (catalog `purposes.key`).
    pub purpose: Option<String>,
    /// Purpose type key.
    pub purpose_type: Option<String>,
    /// `public_service` | `internal_office` | `third_party`.
    pub service_object: Option<String>,
    /// `high` | `medium` | `low` | `none`.
    pub sensitivity: Option<String>,
    pub authenticated: Option<bool>,
    pub active: Option<bool>,
    /// Substring of the path template (case-insensitive).
    pub text: Option<String>,
}

/// Sort and page of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListOrder {
    pub column: SortColumn,
    pub desc: bool,
    /// 1-based page.
    pub page: i64,
    pub page_size: i64,
}

impl Default for ListOrder {
    fn default() -> Self {
        ListOrder {
            column: SortColumn::Calls,
            desc: true,
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

fn non_empty(v: &str) -> Option<String> {
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn parse_bool(name: &str, v: &str) -> Result<Option<bool>> {
    match v.trim() {
        "" | "any" => Ok(None),
        "yes" | "true" | "1" => Ok(Some(true)),
        "no" | "false" | "0" => Ok(Some(false)),
        other => Err(Error::Invalid(format!(
            "{name} must be yes or no (got {other:?})"
        ))),
    }
}

fn check_key(name: &str, v: &str) -> Result<()> {
    if v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{name} {v:?} is not a catalog key (lower-case letters, digits and _)"
        )))
    }
}

impl ApiFilter {
    /// Reads the filter and order from URL query pairs (the names the Assets page and the CSV
    /// export use: `host`, `domain`, `purpose`, `ptype`, `service`, `sens`, `auth`, `active`,
    /// `q`, `sort`, `dir`, `page`, `size`). Unknown names are ignored; bad values are errors.
    pub fn from_pairs<'a, I>(pairs: I) -> Result<(ApiFilter, ListOrder)>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut f = ApiFilter::default();
        let mut o = ListOrder::default();
        let mut dir_given = false;
        for (k, v) in pairs {
            match k {
                "host" => f.host = non_empty(v),
                "domain" => f.domain = non_empty(v),
                "purpose" => f.purpose = non_empty(v),
                "ptype" => f.purpose_type = non_empty(v),
                "service" => f.service_object = non_empty(v),
                "sens" => f.sensitivity = non_empty(v),
                "auth" => f.authenticated = parse_bool("auth", v)?,
                "active" => f.active = parse_bool("active", v)?,
                "q" => f.text = non_empty(v),
                "sort" if !v.is_empty() => o.column = SortColumn::parse(v)?,
                "dir" => {
                    dir_given = true;
                    o.desc = match v {
                        "asc" => false,
                        "desc" | "" => true,
                        other => {
                            return Err(Error::Invalid(format!(
                                "dir must be asc or desc (got {other:?})"
                            )))
                        }
                    }
                }
                "page" if !v.is_empty() => {
                    o.page = v.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        Error::Invalid(format!("page must be a number from 1 (got {v:?})"))
                    })?
                }
                "size" if !v.is_empty() => {
                    o.page_size = v
                        .parse()
                        .ok()
                        .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))
                        .ok_or_else(|| {
                            Error::Invalid(format!(
                                "size must be a number from 1 to {MAX_PAGE_SIZE} (got {v:?})"
                            ))
                        })?
                }
                _ => {}
            }
        }
        // Text columns read best A→Z by default, counts and times biggest / newest first.
        if !dir_given {
            o.desc = !matches!(o.column, SortColumn::Path | SortColumn::Host);
        }
        f.validate()?;
        Ok((f, o))
    }

    /// Whether a free-text substring filter (domain or path) is set: those usually match few
    /// rows, so scanning and sorting the matches beats walking a sort index. Purpose filters
    /// match many rows, where walking the index fills a page quickly.
    fn has_substring_filter(&self) -> bool {
        self.domain.is_some() || self.text.is_some()
    }

    /// Refuses values that cannot match anything, with a message naming the field.
    pub fn validate(&self) -> Result<()> {
        if let Some(p) = &self.purpose {
            check_key("purpose", p)?;
        }
        if let Some(p) = &self.purpose_type {
            check_key("purpose type", p)?;
        }
        if let Some(s) = &self.service_object {
            if !["public_service", "internal_office", "third_party"].contains(&s.as_str()) {
                return Err(Error::Invalid(format!(
                    "service object must be public_service, internal_office or third_party (got {s:?})"
                )));
            }
        }
        if let Some(s) = &self.sensitivity {
            if !["high", "medium", "low", "none"].contains(&s.as_str()) {
                return Err(Error::Invalid(format!(
                    "sensitivity must be high, medium, low or none (got {s:?})"
                )));
            }
        }
        Ok(())
    }

    /// WHERE clause (after the scope's `$1..$3`) and its bind values, in order.
    ///
    /// Substring filters are case-insensitive: SQLite's LIKE already is (for ASCII, without a
    /// function call per row, which matters on 100k rows); PostgreSQL needs ILIKE.
    fn where_sql(&self, kind: crate::db::DbKind) -> (String, Vec<String>, Vec<i64>) {
        let ci_like = match kind {
            crate::db::DbKind::Sqlite => "LIKE",
            crate::db::DbKind::Postgres => "ILIKE",
        };
        // Text binds come first ($4..), then integer binds; the clause names them in order.
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        let mut text_conds: Vec<String> = Vec::new();
        let mut int_conds: Vec<&'static str> = Vec::new();
        let mut push_text = |cond: &str, v: String, texts: &mut Vec<String>| {
            texts.push(v);
            text_conds.push(cond.replace('?', &format!("${}", 3 + texts.len())));
        };
        if let Some(h) = &self.host {
            push_text("host = ?", h.clone(), &mut texts);
        }
        if let Some(d) = &self.domain {
            push_text(
                &format!("host {ci_like} ? ESCAPE '\\'"),
                format!("%{}%", like_escape(d)),
                &mut texts,
            );
        }
        if let Some(p) = &self.purpose {
            push_text(
                "purpose_keys LIKE ? ESCAPE '\\'",
                format!("%,{},%", like_escape(p)),
                &mut texts,
            );
        }
        if let Some(t) = &self.purpose_type {
            push_text(
                "purposes LIKE ? ESCAPE '\\'",
                format!("%\"type\":\"{}\"%", like_escape(t)),
                &mut texts,
            );
        }
        if let Some(s) = &self.service_object {
            push_text("service_object = ?", s.clone(), &mut texts);
        }
        if let Some(s) = &self.sensitivity {
            push_text("sensitivity = ?", s.clone(), &mut texts);
        }
        if let Some(q) = &self.text {
            push_text(
                &format!("path {ci_like} ? ESCAPE '\\'"),
                format!("%{}%", like_escape(q)),
                &mut texts,
            );
        }
        if let Some(a) = self.authenticated {
            ints.push(a as i64);
            int_conds.push("authenticated = ?");
        }
        if let Some(a) = self.active {
            ints.push(a as i64);
            int_conds.push("active = ?");
        }
        let mut sql = String::from("tenant_id = $1 AND rg_id = $2 AND region = $3");
        for c in &text_conds {
            sql.push_str(" AND ");
            sql.push_str(c);
        }
        for (i, c) in int_conds.iter().enumerate() {
            sql.push_str(" AND ");
            sql.push_str(&c.replace('?', &format!("${}", 4 + texts.len() + i)));
        }
        (sql, texts, ints)
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One row of the Assets table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRow {
    pub id: i64,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub calls: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub active: bool,
    pub service_object: String,
    pub authenticated: bool,
    pub auth: Vec<String>,
    pub sensitivity: String,
    pub purposes: Vec<PurposeTag>,
    pub risk_count: i64,
    pub event_count: i64,
    pub distinct_clients: i64,
}

/// A page of the list plus the number of rows matching the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiPage {
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub rows: Vec<ApiRow>,
}

const ROW_COLUMNS: &str = "id, api_key, host, method, path, calls, first_seen, last_seen, active,
    service_object, authenticated, auth, sensitivity, purposes, risk_count, event_count,
    distinct_clients";

fn json_or_default<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

fn api_row(r: &AnyRow) -> Result<ApiRow> {
    Ok(ApiRow {
        id: r.try_get(0)?,
        api_key: r.try_get(1)?,
        host: r.try_get(2)?,
        method: r.try_get(3)?,
        path: r.try_get(4)?,
        calls: r.try_get(5)?,
        first_seen: r.try_get(6)?,
        last_seen: r.try_get(7)?,
        active: r.try_get::<i64, _>(8)? != 0,
        service_object: r.try_get(9)?,
        authenticated: r.try_get::<i64, _>(10)? != 0,
        auth: json_or_default(&r.try_get::<String, _>(11)?),
        sensitivity: r.try_get(12)?,
        purposes: json_or_default(&r.try_get::<String, _>(13)?),
        risk_count: r.try_get(14)?,
        event_count: r.try_get(15)?,
        distinct_clients: r.try_get(16)?,
    })
}

fn bind_scope<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    scope: &Scope,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(scope.tenant_id)
        .bind(scope.rg_id)
        .bind(scope.region_str())
}

/// `sql` with the scope, then the filter's bound values (`ApiFilter::where_sql`), bound.
fn filter_query<'q>(
    sql: &'q str,
    scope: &Scope,
    texts: &[String],
    ints: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut q = bind_scope(sqlx::query(sql), scope);
    for t in texts {
        q = q.bind(t.clone());
    }
    for i in ints {
        q = q.bind(*i);
    }
    q
}

/// One page of the APIs of `scope` matching `filter`, sorted, with the total count.
pub async fn list(
    b: &Backend,
    scope: Scope,
    filter: &ApiFilter,
    order: ListOrder,
) -> Result<ApiPage> {
    filter.validate()?;
    let (where_sql, texts, ints) = filter.where_sql(b.db.kind);
    let count_sql = format!("SELECT COUNT(*) FROM apis WHERE {where_sql}");
    // The count scans every match; it is kept in the page cache under the scope's results
    // version and the filter (query and bound values), so paging and sorting reuse it.
    let version = crate::results::version(b, scope).await?;
    let count_key = crate::cache::Key {
        scope,
        version,
        page: format!("assets.count|{count_sql}|{texts:?}|{ints:?}"),
    };
    let total: i64 = *b
        .cache
        .get_or_compute(count_key, || async {
            let row = filter_query(&count_sql, &scope, &texts, &ints)
                .fetch_one(&b.db.pool)
                .await?;
            Ok::<i64, Error>(row.try_get(0)?)
        })
        .await?;

    let size = order.page_size.clamp(1, MAX_PAGE_SIZE);
    let page = order.page.max(1);
    let n = 3 + texts.len() + ints.len();
    // The page's ids are chosen by a narrow inner query (sort key + id), then the wide rows
    // are read by id: sorting many matches then moves small records, not JSON columns.
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM apis WHERE id IN (
            SELECT id FROM apis WHERE {where_sql} ORDER BY {} LIMIT ${} OFFSET ${})
         ORDER BY {}",
        order.column.order_by(
            order.desc,
            b.db.kind == crate::db::DbKind::Sqlite && filter.has_substring_filter()
        ),
        n + 1,
        n + 2,
        order.column.order_by(order.desc, false),
    );
    // The rows are cached like the count: under the results version, so a new analysis or a
    // workflow change (which bumps it) is seen at once, by every server process.
    let rows_key = crate::cache::Key {
        scope,
        version,
        page: format!("assets.rows|{sql}|{texts:?}|{ints:?}|{size}|{page}"),
    };
    let rows = b
        .cache
        .get_or_compute(rows_key, || async {
            filter_query(&sql, &scope, &texts, &ints)
                .bind(size)
                .bind((page - 1).saturating_mul(size))
                .fetch_all(&b.db.pool)
                .await?
                .iter()
                .map(api_row)
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    Ok(ApiPage {
        total,
        page,
        page_size: size,
        rows: std::sync::Arc::unwrap_or_clone(rows),
    })
}

/// Every API matching `filter` (for the CSV export), in `order`, fetched page by page.
pub async fn list_all(
    b: &Backend,
    scope: Scope,
    filter: &ApiFilter,
    order: ListOrder,
) -> Result<Vec<ApiRow>> {
    let mut out = Vec::new();
    let mut o = ListOrder {
        page: 1,
        page_size: MAX_PAGE_SIZE,
        ..order
    };
    loop {
        let p = list(b, scope, filter, o).await?;
        let done = p.rows.len() < MAX_PAGE_SIZE as usize;
        out.extend(p.rows);
        if done {
            return Ok(out);
        }
        o.page += 1;
    }
}

/// Values present in a scope, for the filter dropdowns, with the number of APIs each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub total: i64,
    pub hosts: Vec<(String, i64)>,
    /// Purpose key → APIs.
    pub purposes: Vec<(String, i64)>,
    /// Purpose type key → APIs.
    pub purpose_types: Vec<(String, i64)>,
    pub service_objects: Vec<(String, i64)>,
}

/// Hosts listed in the facets at most (the filter also takes any host as text).
pub const MAX_FACET_HOSTS: i64 = 500;

/// Filter values present in `scope`. Purposes are counted from the catalog keys found in the
/// `purposes` JSON of the APIs that have any (one pass over those rows).
///
/// Three scans of the scope's inventory, so the result is kept in the back end's page cache
/// under the scope's results version ([`crate::results::version`]): it changes only when an
/// analysis replaces the results.
pub async fn facets(b: &Backend, scope: Scope) -> Result<Facets> {
    let key = crate::cache::Key {
        scope,
        version: crate::results::version(b, scope).await?,
        page: "assets.facets".into(),
    };
    let f = b
        .cache
        .get_or_compute(key, || scan_facets(b, scope))
        .await?;
    Ok((*f).clone())
}

async fn scan_facets(b: &Backend, scope: Scope) -> Result<Facets> {
    let mut f = Facets::default();
    let rows = bind_scope(
        sqlx::query(
            "SELECT host, COUNT(*) FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
             GROUP BY host ORDER BY COUNT(*) DESC, host LIMIT $4",
        ),
        &scope,
    )
    .bind(MAX_FACET_HOSTS)
    .fetch_all(&b.db.pool)
    .await?;
    for r in rows {
        f.hosts.push((r.try_get(0)?, r.try_get(1)?));
    }
    f.hosts.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = bind_scope(
        sqlx::query(
            "SELECT service_object, COUNT(*) FROM apis
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 GROUP BY service_object",
        ),
        &scope,
    )
    .fetch_all(&b.db.pool)
    .await?;
    for r in rows {
        let n: i64 = r.try_get(1)?;
        f.total += n;
        f.service_objects.push((r.try_get(0)?, n));
    }
    f.service_objects.sort();
    let rows = bind_scope(
        sqlx::query(
            "SELECT purposes FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
               AND purpose_keys <> ','",
        ),
        &scope,
    )
    .fetch_all(&b.db.pool)
    .await?;
    let mut purposes: BTreeMap<String, i64> = BTreeMap::new();
    let mut types: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows {
        let tags: Vec<PurposeTag> = json_or_default(&r.try_get::<String, _>(0)?);
        let mut seen_p: Vec<&str> = Vec::new();
        for t in &tags {
            if !seen_p.contains(&t.purpose.as_str()) {
                seen_p.push(&t.purpose);
                *purposes.entry(t.purpose.clone()).or_default() += 1;
            }
            *types.entry(t.kind.clone()).or_default() += 1;
        }
    }
    f.purposes = purposes.into_iter().collect();
    f.purpose_types = types.into_iter().collect();
    Ok(f)
}

/// A risk of one API, for its detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskBrief {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub evidence: String,
    pub hits: i64,
    pub last_seen: i64,
}

/// An event of one API, for its detail view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBrief {
    pub id: i64,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub subject: String,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: i64,
}

/// Everything stored about one API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiDetail {
    pub row: ApiRow,
    pub params: Vec<ParamSummary>,
    pub statuses: BTreeMap<u16, u64>,
    pub content_types: BTreeMap<String, u64>,
    pub calls_per_day: BTreeMap<String, u64>,
    /// Sensitive type ID → values, per direction.
    pub request_types: BTreeMap<u32, u64>,
    pub response_types: BTreeMap<u32, u64>,
    pub risks: Vec<RiskBrief>,
    pub events: Vec<EventBrief>,
}

/// The API `id` of `scope` with its risks and events. An id of another scope is NotFound.
pub async fn detail(b: &Backend, scope: Scope, id: i64) -> Result<ApiDetail> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}, params, statuses, content_types, calls_per_day, request_types,
            response_types FROM apis
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND id = $4"
    );
    let r = bind_scope(sqlx::query(&sql), &scope)
        .bind(id)
        .fetch_optional(&b.db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let row = api_row(&r)?;
    let text = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
    let risks = bind_scope(
        sqlx::query(
            "SELECT id, type_key, name, level, evidence, hits, last_seen FROM risks
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND api_key = $4
             ORDER BY level_rank DESC, last_seen DESC, id LIMIT $5",
        ),
        &scope,
    )
    .bind(&row.api_key)
    .bind(DETAIL_LIST_LIMIT)
    .fetch_all(&b.db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(RiskBrief {
            id: r.try_get(0)?,
            type_key: r.try_get(1)?,
            name: r.try_get(2)?,
            level: r.try_get(3)?,
            evidence: r.try_get(4)?,
            hits: r.try_get(5)?,
            last_seen: r.try_get(6)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let events = bind_scope(
        sqlx::query(
            "SELECT id, type_key, name, level, subject, ip, account, start_ms, end_ms, count
             FROM events WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND api_key = $4
             ORDER BY start_ms DESC, id LIMIT $5",
        ),
        &scope,
    )
    .bind(&row.api_key)
    .bind(DETAIL_LIST_LIMIT)
    .fetch_all(&b.db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(EventBrief {
            id: r.try_get(0)?,
            type_key: r.try_get(1)?,
            name: r.try_get(2)?,
            level: r.try_get(3)?,
            subject: r.try_get(4)?,
            ip: r.try_get(5)?,
            account: r.try_get(6)?,
            start_ms: r.try_get(7)?,
            end_ms: r.try_get(8)?,
            count: r.try_get(9)?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(ApiDetail {
        params: json_or_default(&text(17)?),
        statuses: json_or_default(&text(18)?),
        content_types: json_or_default(&text(19)?),
        calls_per_day: json_or_default(&text(20)?),
        request_types: json_or_default(&text(21)?),
        response_types: json_or_default(&text(22)?),
        row,
        risks,
        events,
    })
}

/// One sensitive data type of the scope: values found and APIs carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveTypeStat {
    pub type_id: u32,
    pub key: String,
    pub name: String,
    /// `S1`..`S4`; empty for a custom type the catalog does not know.
    pub level: String,
    pub group: String,
    pub request_values: i64,
    pub response_values: i64,
    pub request_apis: i64,
    pub response_apis: i64,
    /// APIs carrying it in either direction.
    pub apis: i64,
}

/// English catalog name of a purpose type key (the key itself when unknown).
pub fn purpose_type_name(key: &str) -> String {
    catalog()
        .purposes
        .iter()
        .flat_map(|p| p.types.iter())
        .find(|t| t.key == key)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| key.to_string())
}

/// English catalog name of a purpose key (the key itself when unknown).
pub fn purpose_name(key: &str) -> String {
    catalog()
        .purposes
        .iter()
        .find(|p| p.key == key)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| key.to_string())
}

/// Key, English name, level (`S1`..`S4`, empty for custom types) and group of a sensitive
/// type ID.
pub fn type_meta(id: u32) -> (String, String, String, String) {
    match catalog().sensitive(id) {
        Some(t) => (
            t.key.clone(),
            t.name.clone(),
            format!("{:?}", t.level),
            t.group.clone(),
        ),
        None => (
            format!("custom_{id}"),
            format!("Custom type {id}"),
            String::new(),
            "custom".into(),
        ),
    }
}

/// Per sensitive type found in `scope`: request and response value counts and the number of
/// APIs carrying it; most sensitive first, then by APIs.
pub async fn sensitive_types(b: &Backend, scope: Scope) -> Result<Vec<SensitiveTypeStat>> {
    let rows = bind_scope(
        sqlx::query(
            "SELECT type_id, direction, CAST(SUM(hits) AS BIGINT), COUNT(*) FROM api_sensitive
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 GROUP BY type_id, direction",
        ),
        &scope,
    )
    .fetch_all(&b.db.pool)
    .await?;
    let mut stats: BTreeMap<u32, SensitiveTypeStat> = BTreeMap::new();
    for r in rows {
        let id = r.try_get::<i64, _>(0)? as u32;
        let (key, name, level, group) = type_meta(id);
        let s = stats.entry(id).or_insert(SensitiveTypeStat {
            type_id: id,
            key,
            name,
            level,
            group,
            request_values: 0,
            response_values: 0,
            request_apis: 0,
            response_apis: 0,
            apis: 0,
        });
        let direction: String = r.try_get(1)?;
        let (values, apis): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
        if direction == "request" {
            s.request_values += values;
            s.request_apis += apis;
        } else {
            s.response_values += values;
            s.response_apis += apis;
        }
    }
    let rows = bind_scope(
        sqlx::query(
            "SELECT type_id, COUNT(DISTINCT api_key) FROM api_sensitive
             WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 GROUP BY type_id",
        ),
        &scope,
    )
    .fetch_all(&b.db.pool)
    .await?;
    for r in rows {
        let id = r.try_get::<i64, _>(0)? as u32;
        if let Some(s) = stats.get_mut(&id) {
            s.apis = r.try_get(1)?;
        }
    }
    let mut out: Vec<SensitiveTypeStat> = stats.into_values().collect();
    out.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.apis.cmp(&a.apis))
            .then(a.type_id.cmp(&b.type_id))
    });
    Ok(out)
}

/// An API carrying one sensitive type, with its value counts per direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeApi {
    pub id: i64,
    pub host: String,
    pub method: String,
    pub path: String,
    pub sensitivity: String,
    pub calls: i64,
    pub request_values: i64,
    pub response_values: i64,
}

/// The APIs of `scope` carrying sensitive type `type_id`, most values first.
pub async fn sensitive_type_apis(b: &Backend, scope: Scope, type_id: i64) -> Result<Vec<TypeApi>> {
    let rows = bind_scope(
        sqlx::query(
            "SELECT a.id, a.host, a.method, a.path, a.sensitivity, a.calls,
                CAST(SUM(CASE WHEN s.direction = 'request' THEN s.hits ELSE 0 END) AS BIGINT),
                CAST(SUM(CASE WHEN s.direction = 'response' THEN s.hits ELSE 0 END) AS BIGINT)
             FROM api_sensitive s JOIN apis a
               ON a.tenant_id = s.tenant_id AND a.rg_id = s.rg_id AND a.region = s.region
              AND a.api_key = s.api_key
             WHERE s.tenant_id = $1 AND s.rg_id = $2 AND s.region = $3 AND s.type_id = $4
             GROUP BY a.id, a.host, a.method, a.path, a.sensitivity, a.calls
             ORDER BY CAST(SUM(s.hits) AS BIGINT) DESC, a.id LIMIT $5",
        ),
        &scope,
    )
    .bind(type_id)
    .bind(TYPE_APIS_LIMIT)
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TypeApi {
                id: r.try_get(0)?,
                host: r.try_get(1)?,
                method: r.try_get(2)?,
                path: r.try_get(3)?,
                sensitivity: r.try_get(4)?,
                calls: r.try_get(5)?,
                request_values: r.try_get(6)?,
                response_values: r.try_get(7)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Header of the inventory CSV.
pub const CSV_HEADER: [&str; 15] = [
    "host",
    "method",
    "path",
    "purposes",
    "service_object",
    "sensitivity",
    "authenticated",
    "auth",
    "calls",
    "distinct_clients",
    "first_seen",
    "last_seen",
    "active",
    "risks",
    "events",
];

/// The inventory CSV (header and one line per row), every cell neutralised by
/// [`crate::csv::cell`].
pub fn csv(rows: &[ApiRow]) -> String {
    let mut out = crate::csv::row(CSV_HEADER);
    for r in rows {
        let purposes = r
            .purposes
            .iter()
            .map(|p| format!("{}/{}", p.purpose, p.kind))
            .collect::<Vec<_>>()
            .join(";");
        out.push_str(&crate::csv::row([
            r.host.as_str(),
            r.method.as_str(),
            r.path.as_str(),
            purposes.as_str(),
            r.service_object.as_str(),
            r.sensitivity.as_str(),
            if r.authenticated { "yes" } else { "no" },
            r.auth.join(";").as_str(),
            r.calls.to_string().as_str(),
            r.distinct_clients.to_string().as_str(),
            crate::clock::rfc3339(r.first_seen).as_str(),
            crate::clock::rfc3339(r.last_seen).as_str(),
            if r.active { "yes" } else { "no" },
            r.risk_count.to_string().as_str(),
            r.event_count.to_string().as_str(),
        ]));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

fn from_str_enum<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or_default()
}

/// The stored APIs of `scope` (of one host when given) as engine summaries, for the OpenAPI
/// export and the spec comparison.
pub async fn summaries(b: &Backend, scope: Scope, host: Option<&str>) -> Result<Vec<ApiSummary>> {
    let base = "SELECT host, method, path, calls, first_seen, last_seen, active, purposes,
            service_object, auth, authenticated, sensitivity, request_types, response_types,
            params, statuses, content_types, calls_per_day, distinct_clients
         FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3";
    let rows = match host {
        Some(h) => {
            bind_scope(
                sqlx::query(&format!("{base} AND host = $4 ORDER BY path, method")),
                &scope,
            )
            .bind(h)
            .fetch_all(&b.db.pool)
            .await?
        }
        None => {
            bind_scope(
                sqlx::query(&format!("{base} ORDER BY host, path, method")),
                &scope,
            )
            .fetch_all(&b.db.pool)
            .await?
        }
    };
    rows.iter()
        .map(|r| {
            let text = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
            Ok(ApiSummary {
                key: ApiKey {
                    host: text(0)?,
                    method: text(1)?,
                    path: text(2)?,
                },
                calls: r.try_get::<i64, _>(3)?.max(0) as u64,
                first_seen_ms: r.try_get(4)?,
                last_seen_ms: r.try_get(5)?,
                active: r.try_get::<i64, _>(6)? != 0,
                purposes: json_or_default(&text(7)?),
                service_object: from_str_enum(&text(8)?),
                auth: json_or_default(&text(9)?),
                authenticated: r.try_get::<i64, _>(10)? != 0,
                sensitivity: from_str_enum(&text(11)?),
                request_types: json_or_default(&text(12)?),
                response_types: json_or_default(&text(13)?),
                params: json_or_default(&text(14)?),
                statuses: json_or_default(&text(15)?),
                response_content_types: json_or_default(&text(16)?),
                calls_per_day: json_or_default(&text(17)?),
                distinct_clients: r.try_get::<i64, _>(18)?.max(0) as u64,
            })
        })
        .collect()
}

/// OpenAPI 3.1 document of one host's inventory. A host without APIs is NotFound.
pub async fn openapi(b: &Backend, scope: Scope, host: &str) -> Result<serde_json::Value> {
    let apis = summaries(b, scope, Some(host)).await?;
    if apis.is_empty() {
        return Err(Error::NotFound);
    }
    Ok(engine::discovery::openapi::export(host, &apis))
}

/// An operation of the imported spec, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecOp {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

/// The spec compared with the traffic of one host (or all hosts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecComparison {
    /// In the traffic, not in the spec (id, key).
    pub shadow: Vec<(i64, String)>,
    /// Deprecated in the spec, still called.
    pub zombie_deprecated: Vec<SpecOp>,
    /// In the spec, never seen.
    pub zombie_unseen: Vec<SpecOp>,
    pub matched: i64,
    pub spec_operations: i64,
}

/// Compares a team's spec (OpenAPI 2/3, JSON or YAML) with the inventory of `host` (all hosts
/// when `None`). Parse errors are [`Error::Invalid`] with the parser's message.
pub async fn compare_spec(
    b: &Backend,
    scope: Scope,
    host: Option<&str>,
    spec: &str,
) -> Result<SpecComparison> {
    if spec.trim().is_empty() {
        return Err(Error::Invalid(
            "paste or choose an OpenAPI document first".into(),
        ));
    }
    if spec.len() > MAX_SPEC_BYTES {
        return Err(Error::Invalid(format!(
            "the spec is {} bytes; the limit is {MAX_SPEC_BYTES}",
            spec.len()
        )));
    }
    let apis = summaries(b, scope, host).await?;
    let c = engine::discovery::openapi::compare(spec, &apis)
        .map_err(|e| Error::Invalid(format!("cannot read the spec: {e}")))?;
    let ids: BTreeMap<String, i64> = {
        let rows = match host {
            Some(h) => bind_scope(
                sqlx::query(
                    "SELECT api_key, id FROM apis
                     WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND host = $4",
                ),
                &scope,
            )
            .bind(h)
            .fetch_all(&b.db.pool)
            .await?,
            None => bind_scope(
                sqlx::query(
                    "SELECT api_key, id FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
                ),
                &scope,
            )
            .fetch_all(&b.db.pool)
            .await?,
        };
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?
    };
    let op = |o: &engine::discovery::openapi::SpecOperation| SpecOp {
        method: o.method.clone(),
        path: o.path.clone(),
        operation_id: o.operation_id.clone(),
    };
    Ok(SpecComparison {
        shadow: c
            .shadow
            .iter()
            .map(|k| {
                let key = crate::results::api_key(k);
                (ids.get(&key).copied().unwrap_or(0), key)
            })
            .collect(),
        zombie_deprecated: c.zombie_deprecated.iter().map(op).collect(),
        zombie_unseen: c.zombie_unseen.iter().map(op).collect(),
        matched: c.matched.len() as i64,
        spec_operations: (c
            .matched
            .iter()
            .map(|(o, _)| o)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            + c.zombie_unseen.len()) as i64,
    })
}

// ---------------------------------------------------------------------------------------------
// Template corrections

/// Policy kind of template corrections in the `policies` table.
pub const TEMPLATE_KIND: &str = "template";

/// One user correction of path templating, stored as the JSON `definition` of a `policies`
/// row of kind `template`. Maps onto [`TemplateRules`]: `merge` and `split` are forced
/// templates (a split is a template with fewer variables, so it is tried first), `literal` a
/// literal segment, `ignore_host` / `ignore_path` the ignore lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TemplateCorrection {
    /// Paths matching `template` become one API (`/users/{user}/repos`).
    Merge {
        host: Option<String>,
        template: String,
    },
    /// A literal path stays its own API (`/users/admin` out of `/users/{user}`).
    Split {
        host: Option<String>,
        template: String,
    },
    /// A segment value that never becomes a variable (`export`).
    Literal { segment: String },
    /// A host that is not analysed (`cdn.example.com` or `*.example.com`).
    IgnoreHost { host: String },
    /// A path prefix that is not an API (`/health`).
    IgnorePath { prefix: String },
}

fn valid_host(h: &str) -> bool {
    let name = h.strip_prefix("*.").unwrap_or(h);
    let (name, port) = match name.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (name, None),
    };
    !name.is_empty()
        && name.len() <= 253
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn check_template(t: &str, need_var: bool) -> Result<()> {
    if !t.starts_with('/') {
        return Err(Error::Invalid(format!(
            "template {t:?} must start with / (for example /users/{{user_id}})"
        )));
    }
    if t.len() > 1000 || t.contains(['?', '#', ' ', '\t', '\n']) {
        return Err(Error::Invalid(format!(
            "template {t:?} must be a path without spaces, query (?) or fragment (#)"
        )));
    }
    let segs: Vec<&str> = t.split('/').filter(|s| !s.is_empty()).collect();
    if segs.is_empty() {
        return Err(Error::Invalid(
            "the template needs at least one path segment".into(),
        ));
    }
    let mut vars = 0;
    for s in &segs {
        let open = s.matches('{').count();
        let close = s.matches('}').count();
        if open == 0 && close == 0 {
            continue;
        }
        let ok = open == 1
            && close == 1
            && s.starts_with('{')
            && s.ends_with('}')
            && s.len() > 2
            && s[1..s.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(Error::Invalid(format!(
                "segment {s:?} of {t:?}: a variable is a whole segment like {{name}} (letters, digits, _ and -)"
            )));
        }
        vars += 1;
    }
    if need_var && vars == 0 {
        return Err(Error::Invalid(format!(
            "merge template {t:?} has no {{variable}} segment; to keep a literal path use split"
        )));
    }
    Ok(())
}

impl TemplateCorrection {
    /// Normalises (trims, lower-cases hosts) and validates, with a message naming the field.
    pub fn validated(self) -> Result<Self> {
        let host = |h: Option<String>| -> Result<Option<String>> {
            match h
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
            {
                Some(h) if !valid_host(&h) => Err(Error::Invalid(format!(
                    "host {h:?} is not a host name (for example api.example.com or *.example.com)"
                ))),
                h => Ok(h),
            }
        };
        Ok(match self {
            TemplateCorrection::Merge { host: h, template } => {
                let template = template.trim().to_string();
                check_template(&template, true)?;
                TemplateCorrection::Merge {
                    host: host(h)?,
                    template,
                }
            }
            TemplateCorrection::Split { host: h, template } => {
                let template = template.trim().to_string();
                check_template(&template, false)?;
                TemplateCorrection::Split {
                    host: host(h)?,
                    template,
                }
            }
            TemplateCorrection::Literal { segment } => {
                let segment = segment.trim().to_string();
                if segment.is_empty()
                    || segment.len() > 200
                    || segment.contains(['/', '{', '}', '?', '#', ' '])
                {
                    return Err(Error::Invalid(format!(
                        "literal segment {segment:?} must be one path segment without /, {{ }}, ?, # or spaces"
                    )));
                }
                TemplateCorrection::Literal { segment }
            }
            TemplateCorrection::IgnoreHost { host: h } => TemplateCorrection::IgnoreHost {
                host: host(Some(h))?
                    .ok_or_else(|| Error::Invalid("enter the host to ignore".into()))?,
            },
            TemplateCorrection::IgnorePath { prefix } => {
                let prefix = prefix.trim().to_string();
                if !prefix.starts_with('/')
                    || prefix.len() > 1000
                    || prefix.contains(['?', '#', ' '])
                {
                    return Err(Error::Invalid(format!(
                        "path prefix {prefix:?} must start with / and hold no spaces, ? or #"
                    )));
                }
                TemplateCorrection::IgnorePath { prefix }
            }
        })
    }

    /// Short human description (audit log, list).
    pub fn describe(&self) -> String {
        let on = |h: &Option<String>| match h {
            Some(h) => format!(" on {h}"),
            None => " on every host".into(),
        };
        match self {
            TemplateCorrection::Merge { host, template } => {
                format!("merge into {template}{}", on(host))
            }
            TemplateCorrection::Split { host, template } => {
                format!("split out {template}{}", on(host))
            }
            TemplateCorrection::Literal { segment } => format!("keep {segment:?} literal"),
            TemplateCorrection::IgnoreHost { host } => format!("ignore host {host}"),
            TemplateCorrection::IgnorePath { prefix } => format!("ignore paths under {prefix}"),
        }
    }
}

/// A stored correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCorrection {
    pub id: i64,
    pub correction: TemplateCorrection,
    pub created_by: Option<String>,
    pub created_at: i64,
}

/// The tenant's template corrections, oldest first. Rows that no longer parse are skipped
/// (and logged) rather than breaking the page.
pub async fn corrections(b: &Backend, tenant_id: i64) -> Result<Vec<StoredCorrection>> {
    let rows = sqlx::query(
        "SELECT p.id, p.definition, u.username, p.created_at FROM policies p
         LEFT JOIN users u ON u.id = p.created_by
         WHERE p.tenant_id = $1 AND p.kind = $2 AND p.enabled = 1 ORDER BY p.id",
    )
    .bind(tenant_id)
    .bind(TEMPLATE_KIND)
    .fetch_all(&b.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let def: String = r.try_get(1)?;
        match serde_json::from_str::<TemplateCorrection>(&def) {
            Ok(correction) => out.push(StoredCorrection {
                id,
                correction,
                created_by: r.try_get(2)?,
                created_at: r.try_get(3)?,
            }),
            Err(e) => tracing::warn!(id, error = %e, "skipping unreadable template correction"),
        }
    }
    Ok(out)
}

/// Stores a validated correction and audits it. Returns its id.
pub async fn add_correction(
    b: &Backend,
    by: &crate::accounts::User,
    tenant_id: i64,
    c: TemplateCorrection,
) -> Result<i64> {
    let c = c.validated()?;
    let def = serde_json::to_string(&c).map_err(|e| Error::Internal(e.to_string()))?;
    let existing = corrections(b, tenant_id).await?;
    if existing.iter().any(|e| e.correction == c) {
        return Err(Error::Conflict(format!(
            "this correction exists already: {}",
            c.describe()
        )));
    }
    let now = b.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (tenant_id, kind, name, definition, enabled, created_by, created_at,
            updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING id",
    )
    .bind(tenant_id)
    .bind(TEMPLATE_KIND)
    .bind(c.describe())
    .bind(def)
    .bind(by.id)
    .bind(now)
    .fetch_one(&b.db.pool)
    .await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "template_correction.add",
        &c.describe(),
    )
    .await?;
    Ok(id)
}

/// Deletes correction `id` of the tenant (NotFound for another tenant's id) and audits it.
pub async fn delete_correction(
    b: &Backend,
    by: &crate::accounts::User,
    tenant_id: i64,
    id: i64,
) -> Result<()> {
    let def: String = sqlx::query_scalar(
        "SELECT definition FROM policies WHERE id = $1 AND tenant_id = $2 AND kind = $3",
    )
    .bind(id)
    .bind(tenant_id)
    .bind(TEMPLATE_KIND)
    .fetch_optional(&b.db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    sqlx::query("DELETE FROM policies WHERE id = $1 AND tenant_id = $2 AND kind = $3")
        .bind(id)
        .bind(tenant_id)
        .bind(TEMPLATE_KIND)
        .execute(&b.db.pool)
        .await?;
    let what = serde_json::from_str::<TemplateCorrection>(&def)
        .map(|c| c.describe())
        .unwrap_or(def);
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "template_correction.delete",
        &what,
    )
    .await?;
    Ok(())
}

/// Builds the engine's [`TemplateRules`] from corrections (pure; see [`template_rules`]).
/// Forced templates with more literal segments come first, because the engine applies the
/// first forced template that matches: a split (`/users/admin`) must win over a merge
/// (`/users/{user}`) of the same shape.
pub fn rules_from(corrections: &[TemplateCorrection]) -> TemplateRules {
    let mut rules = TemplateRules::default();
    let mut forced: Vec<(usize, usize, ForcedTemplate)> = Vec::new();
    for (i, c) in corrections.iter().enumerate() {
        match c {
            TemplateCorrection::Merge { host, template }
            | TemplateCorrection::Split { host, template } => {
                let literals = template
                    .split('/')
                    .filter(|s| !s.is_empty() && !s.starts_with('{'))
                    .count();
                forced.push((
                    literals,
                    i,
                    ForcedTemplate {
                        host: host.clone(),
                        template: template.clone(),
                    },
                ));
            }
            TemplateCorrection::Literal { segment } => rules.literal_segments.push(segment.clone()),
            TemplateCorrection::IgnoreHost { host } => rules.ignored_hosts.push(host.clone()),
            TemplateCorrection::IgnorePath { prefix } => {
                rules.ignored_path_prefixes.push(prefix.clone())
            }
        }
    }
    // More literals first; host-specific before any-host; then in the order they were added.
    forced.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.2.host.is_some().cmp(&a.2.host.is_some()))
            .then(a.1.cmp(&b.1))
    });
    rules.forced = forced.into_iter().map(|(_, _, f)| f).collect();
    rules
}

/// The tenant's template corrections as engine rules: what the analysis job passes in
/// `DiscoveryConfig::rules` so that corrections survive re-analysis.
pub async fn template_rules(b: &Backend, tenant_id: i64) -> Result<TemplateRules> {
    let cs: Vec<TemplateCorrection> = corrections(b, tenant_id)
        .await?
        .into_iter()
        .map(|s| s.correction)
        .collect();
    Ok(rules_from(&cs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_pairs_parse_and_refuse_bad_values() {
        let (f, o) = ApiFilter::from_pairs([
            ("host", "api.shop.example"),
            ("q", "users"),
            ("auth", "no"),
            ("sort", "last_seen"),
            ("page", "3"),
            ("tenant", "demo"),
        ])
        .unwrap();
        assert_eq!(f.host.as_deref(), Some("api.shop.example"));
        assert_eq!(f.authenticated, Some(false));
        assert_eq!(f.text.as_deref(), Some("users"));
        assert_eq!(o.column, SortColumn::LastSeen);
        assert!(o.desc);
        assert_eq!(o.page, 3);
        let (_, o) = ApiFilter::from_pairs([("sort", "path")]).unwrap();
        assert!(!o.desc, "text columns default to ascending");
        for bad in [
            ("sort", "id; DROP TABLE apis"),
            ("dir", "sideways"),
            ("page", "0"),
            ("size", "100000"),
            ("auth", "maybe"),
            ("purpose", "x%' OR 1=1"),
            ("sens", "critical"),
            ("service", "public"),
        ] {
            let e = ApiFilter::from_pairs([bad]).unwrap_err();
            assert!(matches!(e, Error::Invalid(_)), "{bad:?}");
        }
    }

    #[test]
    fn where_clause_numbers_binds_in_order() {
        let f = ApiFilter {
            host: Some("h".into()),
            text: Some("50%_off".into()),
            authenticated: Some(true),
            active: Some(false),
            ..ApiFilter::default()
        };
        let (sql, texts, ints) = f.where_sql(crate::db::DbKind::Postgres);
        assert!(sql.contains("host = $4"), "{sql}");
        assert!(sql.contains("path ILIKE $5"), "{sql}");
        assert!(
            sql.contains("authenticated = $6") && sql.contains("active = $7"),
            "{sql}"
        );
        assert_eq!(texts[1], "%50\\%\\_off%");
        assert_eq!(ints, vec![1, 0]);
    }

    #[test]
    fn corrections_validate_and_map_to_rules() {
        let bad = [
            TemplateCorrection::Merge {
                host: None,
                template: "users/{id}".into(),
            },
            TemplateCorrection::Merge {
                host: None,
                template: "/users/admin".into(),
            },
            TemplateCorrection::Merge {
                host: None,
                template: "/users/{id".into(),
            },
            TemplateCorrection::Merge {
                host: None,
                template: "/users/x{id}".into(),
            },
            TemplateCorrection::Split {
                host: Some("bad host!".into()),
                template: "/a".into(),
            },
            TemplateCorrection::Literal {
                segment: "a/b".into(),
            },
            TemplateCorrection::IgnoreHost { host: " ".into() },
            TemplateCorrection::IgnorePath {
                prefix: "health".into(),
            },
        ];
        for c in bad {
            assert!(
                matches!(c.clone().validated(), Err(Error::Invalid(_))),
                "{c:?}"
            );
        }
        let good = vec![
            TemplateCorrection::Merge {
                host: None,
                template: "/users/{user}".into(),
            },
            TemplateCorrection::Split {
                host: Some("API.Example.com".into()),
                template: "/users/admin".into(),
            },
            TemplateCorrection::Literal {
                segment: "export".into(),
            },
            TemplateCorrection::IgnoreHost {
                host: "*.cdn.example".into(),
            },
            TemplateCorrection::IgnorePath {
                prefix: "/health".into(),
            },
        ]
        .into_iter()
        .map(|c| c.validated().unwrap())
        .collect::<Vec<_>>();
        let rules = rules_from(&good);
        assert_eq!(
            rules.forced[0].template, "/users/admin",
            "the split is tried first"
        );
        assert_eq!(rules.forced[0].host.as_deref(), Some("api.example.com"));
        assert_eq!(rules.forced[1].template, "/users/{user}");
        assert_eq!(rules.literal_segments, vec!["export"]);
        assert!(rules.host_ignored("img.cdn.example"));
        assert!(rules.path_ignored("/healthz"));

        // The rules do what they say in the engine's templater.
        use engine::discovery::{DiscoveryConfig, PathTemplater};
        use engine::record::Record;
        let mut t = PathTemplater::new(DiscoveryConfig {
            rules,
            ..DiscoveryConfig::default()
        });
        for p in ["/users/alice", "/users/bob", "/users/admin"] {
            t.observe(&Record {
                time_ms: 0,
                host: "api.example.com".into(),
                method: "GET".into(),
                path: p.into(),
                query: None,
                scheme: None,
                client_ip: "10.0.0.1".parse().unwrap(),
                user_agent: None,
                status: 200,
                request_headers: vec![],
                request_body: None,
                response_headers: vec![],
                response_body: None,
                account: None,
                waf_action: None,
                waf_rule: None,
            });
        }
        let set = t.finish();
        assert_eq!(
            set.template("api.example.com", "/users/admin").as_deref(),
            Some("/users/admin")
        );
        assert_eq!(
            set.template("api.example.com", "/users/carol").as_deref(),
            Some("/users/{user}")
        );
        assert_eq!(set.template("api.example.com", "/health"), None);
    }
}
