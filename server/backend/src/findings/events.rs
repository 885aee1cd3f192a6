//! Events of a scope: the IP and account views with filters, counts, sort and paging; detail
//! with samples and the subject's other events for the timeline; status changes.

use super::workflow::{self, Item, Kind, EVENT_STATUSES};
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

/// Sortable columns: URL key → expression over the event view (fixed strings only).
pub const SORT_COLUMNS: &[(&str, &str)] = &[
    ("start", "start_ms"),
    ("end", "end_ms"),
    ("level", "level_rank"),
    ("name", "name"),
    ("subject", "COALESCE(ip, account)"),
    ("api", "api_key"),
    ("count", "count"),
    ("status", "status"),
];

pub const SUBJECTS: [&str; 2] = ["ip", "account"];

/// Filters, sort and page of the event list, as in the page's URL query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventQuery {
    /// `ip` or `account` (the page's tab).
    pub subject: String,
    pub type_key: Option<String>,
    pub level: Option<String>,
    pub category: Option<String>,
    /// Substring of the source IP.
    pub ip: Option<String>,
    /// Substring of the account.
    pub account: Option<String>,
    /// Exact API key (`METHOD hostpath`).
    pub api: Option<String>,
    /// Substring of the path.
    pub path: Option<String>,
    /// Substring of the host.
    pub host: Option<String>,
    pub status: Option<String>,
    /// The event overlaps [from, to] (Unix ms, inclusive).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub sort: Sort,
    pub paging: Paging,
}

impl EventQuery {
    /// Reads `tab, type, level, category, ip, account, api, path, host, status, from, to, sort,
    /// dir, page, per_page`; other parameters are ignored.
    pub fn parse(query: &str) -> Result<EventQuery> {
        let p = Params::parse(query);
        Ok(EventQuery {
            subject: p.one_of("tab", &SUBJECTS)?.unwrap_or_else(|| "ip".into()),
            type_key: p.owned("type"),
            level: p.one_of("level", &LEVELS)?,
            category: p.owned("category"),
            ip: p.owned("ip"),
            account: p.owned("account"),
            api: p.owned("api"),
            path: p.owned("path"),
            host: p.owned("host"),
            status: p.one_of("status", &EVENT_STATUSES)?,
            from_ms: p
                .get("from")
                .map(|v| parse_time("from", v, false))
                .transpose()?,
            to_ms: p.get("to").map(|v| parse_time("to", v, true)).transpose()?,
            sort: Sort::parse(&p, SORT_COLUMNS, "start")?,
            paging: Paging::parse(&p)?,
        })
    }
}

/// One event in the table (and in the CSV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub event_key: String,
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub category: String,
    pub subject: String,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub location: String,
    pub api_key: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: i64,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventList {
    pub rows: Vec<EventRow>,
    pub total: i64,
    pub paging: Paging,
    /// Counts over every filter except level and type (those are what the cards pick).
    pub by_level: Vec<super::Count>,
    pub by_type: Vec<super::Count>,
    pub by_status: Vec<super::Count>,
    /// Events per tab under the other filters, for the tab labels.
    pub by_subject: Vec<super::Count>,
}

/// An event of the same subject, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub api_key: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    pub row: EventRow,
    pub description: String,
    pub suggestion: String,
    /// Every API involved (`METHOD hostpath`).
    pub apis: Vec<String>,
    /// Masked sample requests, in the order the engine kept them (the first ones seen).
    pub samples: Vec<String>,
    /// Other events of the same IP or account in this scope (the event itself included),
    /// ordered by start: the subject's activity over time.
    pub related: Vec<Related>,
    pub workflow: Option<workflow::Current>,
    pub history: Vec<HistoryEntry>,
}

const COLUMNS: &str = "e.id, e.event_key, e.type_key, e.name, e.level, e.level_rank, e.category,
    e.subject, e.ip, e.account, e.location, e.api_key, e.host, e.method, e.path, e.start_ms,
    e.end_ms, e.count, COALESCE(w.status, 'to_confirm') AS status";

fn view(scope: Scope) -> Sql {
    let mut sql = Sql::new("");
    sql.push(
        &format!(
            "SELECT {COLUMNS} FROM events e LEFT JOIN workflow w ON w.tenant_id = e.tenant_id
                AND w.rg_id = e.rg_id AND w.region = e.region AND w.kind = 'event'
                AND w.item_key = e.event_key
             WHERE e.tenant_id = ? AND e.rg_id = ? AND e.region = ?"
        ),
        [
            Val::I(scope.tenant_id),
            Val::I(scope.rg_id),
            Val::S(scope.region_str().into()),
        ],
    );
    sql
}

/// `SELECT * FROM view WHERE <filters>`. With `all` false only the filters that every count
/// card shares (category, IP, account, host, path, API, time); subject, type, level and status
/// are then left to [`list`], which applies them to the groups of one scan.
fn filtered(view: &Sql, q: &EventQuery, all: bool) -> Sql {
    let mut sql = view.clone();
    sql.text = format!("SELECT * FROM ({}) v WHERE 1 = 1", sql.text);
    let like = |sql: &mut Sql, col: &str, v: &Option<String>| {
        if let Some(v) = v {
            sql.push(
                &format!(" AND LOWER(COALESCE({col}, '')) LIKE ? ESCAPE '\\'"),
                [Val::S(like_pattern(v))],
            );
        }
    };
    if all {
        sql.push(" AND subject = ?", [Val::S(q.subject.clone())]);
        if let Some(t) = &q.type_key {
            sql.push(" AND type_key = ?", [Val::S(t.clone())]);
        }
        if let Some(l) = &q.level {
            sql.push(" AND level = ?", [Val::S(l.clone())]);
        }
    }
    if let Some(c) = &q.category {
        sql.push(" AND category = ?", [Val::S(c.clone())]);
    }
    like(&mut sql, "ip", &q.ip);
    like(&mut sql, "account", &q.account);
    like(&mut sql, "host", &q.host);
    like(&mut sql, "path", &q.path);
    if let Some(a) = &q.api {
        sql.push(" AND api_key = ?", [Val::S(a.clone())]);
    }
    if all {
        if let Some(s) = &q.status {
            sql.push(" AND status = ?", [Val::S(s.clone())]);
        }
    }
    if let Some(f) = q.from_ms {
        sql.push(" AND end_ms >= ?", [Val::I(f)]);
    }
    if let Some(t) = q.to_ms {
        sql.push(" AND start_ms <= ?", [Val::I(t)]);
    }
    sql
}

fn row(r: &sqlx::any::AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        id: r.try_get("id")?,
        event_key: r.try_get("event_key")?,
        type_key: r.try_get("type_key")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        category: r.try_get("category")?,
        subject: r.try_get("subject")?,
        ip: r.try_get("ip")?,
        account: r.try_get("account")?,
        location: r.try_get("location")?,
        api_key: r.try_get("api_key")?,
        host: r.try_get("host")?,
        method: r.try_get("method")?,
        path: r.try_get("path")?,
        start_ms: r.try_get("start_ms")?,
        end_ms: r.try_get("end_ms")?,
        count: r.try_get("count")?,
        status: r.try_get("status")?,
    })
}

fn type_name(key: &str) -> String {
    engine::catalog::catalog()
        .event(key)
        .map(|e| e.name.clone())
        .unwrap_or_else(|| key.to_string())
}

/// One page of the scope's events of one subject, with the total and the counts.
///
/// Two queries: one scan of the scope grouped by subject, level, type and status (under the
/// shared filters), from which the total, the count cards and the tab counts are summed, and
/// the page itself (served in the default order by the index `events_page_start`).
pub async fn list(b: &Backend, scope: Scope, q: &EventQuery) -> Result<EventList> {
    let view = view(scope);
    let at = super::Version::read(b, scope).await?;
    let groups = grouped(
        b,
        at,
        &filtered(&view, q, false),
        &["subject", "level", "type_key", "status"],
    )
    .await?;
    // Group keys: [subject, level, type_key, status].
    let subject_ok = |k: &[String]| k[0] == q.subject;
    let facets_ok = |k: &[String]| admits(&q.level, &k[1]) && admits(&q.type_key, &k[2]);
    let status_ok = |k: &[String]| admits(&q.status, &k[3]);
    let total = groups
        .iter()
        .filter(|g| subject_ok(&g.keys) && facets_ok(&g.keys) && status_ok(&g.keys))
        .map(|g| g.count)
        .sum();
    // Level and type cards count under every filter but those two.
    let facets: Vec<_> = groups
        .iter()
        .filter(|g| subject_ok(&g.keys) && status_ok(&g.keys))
        .collect();
    let mut by_level = tally(facets.iter().copied(), 1, |k| k.to_string());
    by_level.sort_by_key(|c| LEVELS.iter().position(|l| *l == c.key).unwrap_or(9));
    let by_type = tally(facets.iter().copied(), 2, type_name);
    let by_status = tally(
        groups
            .iter()
            .filter(|g| subject_ok(&g.keys) && facets_ok(&g.keys)),
        3,
        |k| k.to_string(),
    );
    let by_subject = tally(
        groups
            .iter()
            .filter(|g| facets_ok(&g.keys) && status_ok(&g.keys)),
        0,
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
    Ok(EventList {
        rows,
        total,
        paging: q.paging,
        by_level,
        by_type,
        by_status,
        by_subject,
    })
}

/// Every event matching the filters (up to [`super::EXPORT_LIMIT`]), in the list's order.
pub async fn export(b: &Backend, scope: Scope, q: &EventQuery) -> Result<Vec<EventRow>> {
    let mut q = q.clone();
    q.paging = Paging {
        page: 1,
        per_page: super::EXPORT_LIMIT,
    };
    Ok(list(b, scope, &q).await?.rows)
}

async fn rows_by_ids(b: &Backend, scope: Scope, ids: &[i64]) -> Result<Vec<EventRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = view(scope);
    sql.push(" AND e.id IN (", []);
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

/// Samples and API lists are JSON arrays of strings; anything else shows as nothing.
fn string_list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The detail of one event of the scope; an event of another scope is not found.
pub async fn detail(b: &Backend, scope: Scope, id: i64) -> Result<EventDetail> {
    let row = rows_by_ids(b, scope, &[id])
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    let extra =
        sqlx::query("SELECT description, suggestion, apis, samples FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&b.db.pool)
            .await?;
    let (col, value) = match (&row.subject[..], &row.account, &row.ip) {
        ("account", Some(a), _) => ("account", a.clone()),
        (_, _, Some(ip)) => ("ip", ip.clone()),
        (_, Some(a), None) => ("account", a.clone()),
        _ => ("ip", String::new()),
    };
    let related = sqlx::query(&format!(
        "SELECT id, name, level, api_key, start_ms, end_ms, count FROM events
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND subject = $4 AND {col} = $5
         ORDER BY ABS(start_ms - $6), id LIMIT 30"
    ))
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&row.subject)
    .bind(&value)
    .bind(row.start_ms)
    .fetch_all(&b.db.pool)
    .await?;
    let mut related = related
        .into_iter()
        .map(|r| {
            Ok(Related {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                level: r.try_get(2)?,
                api_key: r.try_get(3)?,
                start_ms: r.try_get(4)?,
                end_ms: r.try_get(5)?,
                count: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    related.sort_by_key(|r| (r.start_ms, r.id));
    Ok(EventDetail {
        description: extra.try_get(0)?,
        suggestion: extra.try_get(1)?,
        apis: string_list(&extra.try_get::<String, _>(2)?),
        samples: string_list(&extra.try_get::<String, _>(3)?),
        related,
        workflow: workflow::current(b, scope, Kind::Event, &row.event_key).await?,
        history: workflow::history(b, scope, Kind::Event, &row.event_key).await?,
        row,
    })
}

/// Sets the status of the given events of the scope (bulk). Any id outside the scope makes the
/// whole change fail as not found. Returns how many changed.
pub async fn set_status(
    b: &Backend,
    scope: Scope,
    user: &User,
    ids: &[i64],
    status: &str,
) -> Result<usize> {
    Kind::Event.check_status(status)?;
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(Error::Invalid("select at least one event".into()));
    }
    if ids.len() > super::MAX_BULK {
        return Err(Error::Invalid(format!(
            "at most {} events can be changed at once",
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
            key: r.event_key,
            last_seen: r.end_ms,
        })
        .collect();
    workflow::set_status(b, scope, user, Kind::Event, &items, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parses_and_rejects() {
        let q = EventQuery::parse("tab=account&level=medium&sort=count&ip=10.0.").unwrap();
        assert_eq!(q.subject, "account");
        assert_eq!(q.sort.key, "count");
        assert!(q.sort.desc);
        assert_eq!(q.ip.as_deref(), Some("10.0."));
        assert_eq!(EventQuery::parse("").unwrap().subject, "ip");
        assert!(EventQuery::parse("tab=host").is_err());
        assert!(
            EventQuery::parse("status=fixed").is_err(),
            "a risk status is not an event status"
        );
    }
}
