//! Figures of the Basic Detection and Overview pages (issue 9), read from the stored analysis
//! results of one scope.
//!
//! Every query is bounded by the scope prefix `(tenant_id, rg_id, region)` of an index:
//! Basic Detection counts `events` (index `events_time`) and `apis` (`apis_last_seen`); the
//! Overview's trends and site tables read the pre-aggregated `daily_stats` rows of the period
//! (primary key `(tenant_id, rg_id, region, day, host)`, so a period is one range scan), and the
//! sensitive data tables group `api_sensitive` by `(direction, type_id)` (index
//! `api_sensitive_type`). Nothing here scans raw logs, which is what keeps the pages fast with a
//! year of data (see `benches/dashboard.rs` and docs/dashboards.md).

pub mod charts;

use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::Backend;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::cmp::Ordering;

/// Events shown as cards on Basic Detection.
pub const RECENT_EVENTS: i64 = 10;
/// Rows shown per Overview table (the "More" link leads to the full list).
pub const TABLE_ROWS: usize = 10;
/// Longest custom period, in days (two years: enough for any retention, bounded work).
pub const MAX_PERIOD_DAYS: i64 = 731;
/// Period choices of the Overview; 30 is the default.
pub const PERIOD_CHOICES: [i64; 3] = [7, 30, 90];
pub const DEFAULT_PERIOD_DAYS: i64 = 30;

/// One of the most recent events (a Basic Detection card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEvent {
    pub type_key: String,
    pub name: String,
    pub level: String,
    pub host: String,
    pub method: String,
    pub path: String,
    pub ip: Option<String>,
    pub account: Option<String>,
    pub start_ms: i64,
}

/// The Basic Detection figures of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicFigures {
    pub events_total: i64,
    pub events_high: i64,
    pub events_medium: i64,
    pub events_low: i64,
    pub apis_total: i64,
    pub apis_active: i64,
    pub apis_inactive: i64,
    pub recent: Vec<RecentEvent>,
}

/// Basic Detection: event counts by level, API counts, and the 10 newest events.
pub async fn basic_detection(b: &Backend, scope: Scope) -> Result<BasicFigures> {
    let region = scope.region_str();
    let ev = sqlx::query(
        "SELECT COUNT(*) AS total,
            CAST(COALESCE(SUM(CASE WHEN level_rank = 3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS high,
            CAST(COALESCE(SUM(CASE WHEN level_rank = 2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS medium,
            CAST(COALESCE(SUM(CASE WHEN level_rank <= 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS low
         FROM events WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .fetch_one(&b.db.pool)
    .await?;
    let apis = sqlx::query(
        "SELECT COUNT(*) AS total, CAST(COALESCE(SUM(active), 0) AS BIGINT) AS active
         FROM apis WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .fetch_one(&b.db.pool)
    .await?;
    let recent = sqlx::query(
        "SELECT type_key, name, level, host, method, path, ip, account, start_ms
         FROM events WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
         ORDER BY start_ms DESC, id DESC LIMIT $4",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .bind(RECENT_EVENTS)
    .fetch_all(&b.db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(RecentEvent {
            type_key: r.try_get("type_key")?,
            name: r.try_get("name")?,
            level: r.try_get("level")?,
            host: r.try_get("host")?,
            method: r.try_get("method")?,
            path: r.try_get("path")?,
            ip: r.try_get("ip")?,
            account: r.try_get("account")?,
            start_ms: r.try_get("start_ms")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let apis_total: i64 = apis.try_get("total")?;
    let apis_active: i64 = apis.try_get("active")?;
    Ok(BasicFigures {
        events_total: ev.try_get("total")?,
        events_high: ev.try_get("high")?,
        events_medium: ev.try_get("medium")?,
        events_low: ev.try_get("low")?,
        apis_total,
        apis_active,
        apis_inactive: apis_total - apis_active,
        recent,
    })
}

/// What the user asked for in the URL: a preset number of days or a custom range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodChoice {
    Days(i64),
    Custom { from: NaiveDate, to: NaiveDate },
}

impl PeriodChoice {
    /// Reads `period` (7, 30, 90 or "custom") and `from` / `to` (`YYYY-MM-DD`). A range given
    /// with `from` and `to` is custom even without `period=custom`. Errors say which value is
    /// wrong and what is accepted.
    pub fn parse(period: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Self> {
        let from = from.map(str::trim).filter(|s| !s.is_empty());
        let to = to.map(str::trim).filter(|s| !s.is_empty());
        let period = period.map(str::trim).filter(|s| !s.is_empty());
        if from.is_some() || to.is_some() || period == Some("custom") {
            let (Some(f), Some(t)) = (from, to) else {
                return Err(Error::Invalid(
                    "a custom period needs both `from` and `to` (YYYY-MM-DD)".into(),
                ));
            };
            let from = parse_day("from", f)?;
            let to = parse_day("to", t)?;
            if from > to {
                return Err(Error::Invalid(format!(
                    "`from` ({from}) is after `to` ({to})"
                )));
            }
            if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
                return Err(Error::Invalid(format!(
                    "a custom period is at most {MAX_PERIOD_DAYS} days long"
                )));
            }
            return Ok(PeriodChoice::Custom { from, to });
        }
        match period {
            None => Ok(PeriodChoice::Days(DEFAULT_PERIOD_DAYS)),
            Some(p) => match p.parse::<i64>() {
                Ok(d) if PERIOD_CHOICES.contains(&d) => Ok(PeriodChoice::Days(d)),
                _ => Err(Error::Invalid(format!(
                    "`period` must be 7, 30, 90 or custom (got {p:?})"
                ))),
            },
        }
    }
}

fn parse_day(name: &str, v: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("`{name}` must be a date as YYYY-MM-DD (got {v:?})")))
}

/// The resolved period: inclusive first and last day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
    /// Preset length (7, 30, 90) or 0 for a custom range.
    pub preset: i64,
    /// True when the period ends at the newest data day rather than today.
    pub ends_at_data: bool,
}

impl Period {
    /// Every day of the period, oldest first.
    pub fn days(&self) -> Vec<String> {
        let (Ok(f), Ok(t)) = (
            NaiveDate::parse_from_str(&self.from, "%Y-%m-%d"),
            NaiveDate::parse_from_str(&self.to, "%Y-%m-%d"),
        ) else {
            return vec![];
        };
        f.iter_days()
            .take_while(|d| *d <= t)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect()
    }
}

/// The newest day with data in the scope (`daily_stats`), if any.
pub async fn newest_day(b: &Backend, scope: Scope) -> Result<Option<NaiveDate>> {
    let day: Option<String> = sqlx::query_scalar(
        "SELECT MAX(day) FROM daily_stats WHERE tenant_id = $1 AND rg_id = $2 AND region = $3",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .fetch_one(&b.db.pool)
    .await?;
    Ok(day.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()))
}

/// Resolves a preset period to dates. A preset ends today, or at the newest day with data when
/// that is older than today: analysis results can lag (logs arrive in batches, demo data is
/// from the past), and a chart of empty recent days would hide everything there is. A custom
/// range is taken as given.
pub fn resolve_period(choice: PeriodChoice, newest: Option<NaiveDate>, today: NaiveDate) -> Period {
    match choice {
        PeriodChoice::Custom { from, to } => Period {
            from: from.format("%Y-%m-%d").to_string(),
            to: to.format("%Y-%m-%d").to_string(),
            preset: 0,
            ends_at_data: false,
        },
        PeriodChoice::Days(n) => {
            let end = match newest {
                Some(d) if d < today => d,
                _ => today,
            };
            let start = end - Duration::days(n - 1);
            Period {
                from: start.format("%Y-%m-%d").to_string(),
                to: end.format("%Y-%m-%d").to_string(),
                preset: n,
                ends_at_data: end < today,
            }
        }
    }
}

/// One day of the Overview trends (all hosts of the scope).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    pub day: String,
    /// APIs discovered up to and including this day (cumulative `apis_new`).
    pub total_apis: i64,
    /// APIs called on this day.
    pub active_apis: i64,
    pub new_apis: i64,
    pub risks_high: i64,
    pub risks_medium: i64,
    pub risks_low: i64,
    /// Attack requests (count of `api_attack` events' requests) started this day.
    pub attacks: i64,
    /// Anomalous events started this day.
    pub events: i64,
    pub requests: i64,
}

/// Daily series over `period`, one point per day (days without rows are zero).
pub async fn trends(b: &Backend, scope: Scope, period: &Period) -> Result<Vec<DayPoint>> {
    let region = scope.region_str();
    let before: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(apis_new), 0) AS BIGINT) FROM daily_stats
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND day < $4",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .bind(&period.from)
    .fetch_one(&b.db.pool)
    .await?;
    let rows = sqlx::query(
        "SELECT day,
            CAST(SUM(apis_active) AS BIGINT) AS apis_active,
            CAST(SUM(apis_new) AS BIGINT) AS apis_new,
            CAST(SUM(risks_high) AS BIGINT) AS risks_high,
            CAST(SUM(risks_medium) AS BIGINT) AS risks_medium,
            CAST(SUM(risks_low) AS BIGINT) AS risks_low,
            CAST(SUM(attacks) AS BIGINT) AS attacks,
            CAST(SUM(events) AS BIGINT) AS events,
            CAST(SUM(requests) AS BIGINT) AS requests
         FROM daily_stats
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND day >= $4 AND day <= $5
         GROUP BY day ORDER BY day",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(region)
    .bind(&period.from)
    .bind(&period.to)
    .fetch_all(&b.db.pool)
    .await?;
    let mut by_day = std::collections::HashMap::new();
    for r in rows {
        let day: String = r.try_get("day")?;
        by_day.insert(
            day.clone(),
            DayPoint {
                day,
                total_apis: 0,
                active_apis: r.try_get("apis_active")?,
                new_apis: r.try_get("apis_new")?,
                risks_high: r.try_get("risks_high")?,
                risks_medium: r.try_get("risks_medium")?,
                risks_low: r.try_get("risks_low")?,
                attacks: r.try_get("attacks")?,
                events: r.try_get("events")?,
                requests: r.try_get("requests")?,
            },
        );
    }
    let mut total = before;
    Ok(period
        .days()
        .into_iter()
        .map(|day| {
            let mut p = by_day.remove(&day).unwrap_or_else(|| DayPoint {
                day,
                ..DayPoint::default()
            });
            total += p.new_apis;
            p.total_apis = total;
            p
        })
        .collect())
}

/// Risky Site Statistics: risks first seen in the period, per host and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskySite {
    pub host: String,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub total: i64,
}

/// Statistics on Attacked Sites: attack requests and events started in the period, per host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttackedSite {
    pub host: String,
    pub attacks: i64,
    pub events: i64,
}

/// Statistics on Request / Response Sensitive Data Types: per type, values found and APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveStat {
    pub type_id: i64,
    /// English catalog name (the UI translates it).
    pub name: String,
    pub values: i64,
    pub apis: i64,
}

pub async fn risky_sites(b: &Backend, scope: Scope, period: &Period) -> Result<Vec<RiskySite>> {
    let rows = sqlx::query(
        "SELECT host,
            CAST(SUM(risks_high) AS BIGINT) AS high,
            CAST(SUM(risks_medium) AS BIGINT) AS medium,
            CAST(SUM(risks_low) AS BIGINT) AS low
         FROM daily_stats
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND day >= $4 AND day <= $5
         GROUP BY host",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&period.from)
    .bind(&period.to)
    .fetch_all(&b.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let (high, medium, low): (i64, i64, i64) =
            (r.try_get("high")?, r.try_get("medium")?, r.try_get("low")?);
        if high + medium + low > 0 {
            out.push(RiskySite {
                host: r.try_get("host")?,
                high,
                medium,
                low,
                total: high + medium + low,
            });
        }
    }
    Ok(out)
}

pub async fn attacked_sites(
    b: &Backend,
    scope: Scope,
    period: &Period,
) -> Result<Vec<AttackedSite>> {
    let rows = sqlx::query(
        "SELECT host, CAST(SUM(attacks) AS BIGINT) AS attacks, CAST(SUM(events) AS BIGINT) AS events
         FROM daily_stats
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND day >= $4 AND day <= $5
         GROUP BY host",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(&period.from)
    .bind(&period.to)
    .fetch_all(&b.db.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let (attacks, events): (i64, i64) = (r.try_get("attacks")?, r.try_get("events")?);
        if attacks + events > 0 {
            out.push(AttackedSite {
                host: r.try_get("host")?,
                attacks,
                events,
            });
        }
    }
    Ok(out)
}

/// Sensitive data types of the scope's current inventory in one direction (`request` or
/// `response`): values found and number of APIs carrying the type.
pub async fn sensitive_types(
    b: &Backend,
    scope: Scope,
    direction: &str,
) -> Result<Vec<SensitiveStat>> {
    if direction != "request" && direction != "response" {
        return Err(Error::Invalid(format!(
            "direction must be request or response (got {direction:?})"
        )));
    }
    let rows = sqlx::query(
        "SELECT type_id, CAST(SUM(hits) AS BIGINT) AS hits, COUNT(*) AS apis
         FROM api_sensitive
         WHERE tenant_id = $1 AND rg_id = $2 AND region = $3 AND direction = $4
         GROUP BY type_id",
    )
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(direction)
    .fetch_all(&b.db.pool)
    .await?;
    let cat = engine::catalog::catalog();
    rows.into_iter()
        .map(|r| {
            let type_id: i64 = r.try_get("type_id")?;
            let name = u32::try_from(type_id)
                .ok()
                .and_then(|id| cat.sensitive(id))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| format!("Type {type_id}"));
            Ok(SensitiveStat {
                type_id,
                name,
                values: r.try_get("hits")?,
                apis: r.try_get("apis")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(Error::from)
}

/// A table sort from the URL: `<column>.<asc|desc>`, columns whitelisted per table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub column: String,
    pub desc: bool,
}

impl Sort {
    /// Parses `spec` against the table's `columns` (the first is the default, descending).
    /// Unknown columns or directions fall back to the default: a stale link still shows data.
    pub fn parse(spec: Option<&str>, columns: &[&str]) -> Sort {
        let default = Sort {
            column: columns[0].to_string(),
            desc: true,
        };
        let Some(spec) = spec else { return default };
        let (col, dir) = spec.split_once('.').unwrap_or((spec, "desc"));
        if !columns.contains(&col) || !matches!(dir, "asc" | "desc") {
            return default;
        }
        Sort {
            column: col.to_string(),
            desc: dir == "desc",
        }
    }

    pub fn spec(&self) -> String {
        format!("{}.{}", self.column, if self.desc { "desc" } else { "asc" })
    }

    fn apply(&self, o: Ordering) -> Ordering {
        if self.desc {
            o.reverse()
        } else {
            o
        }
    }
}

pub const RISKY_COLUMNS: [&str; 5] = ["total", "high", "medium", "low", "host"];
pub const ATTACKED_COLUMNS: [&str; 3] = ["attacks", "events", "host"];
pub const SENSITIVE_COLUMNS: [&str; 3] = ["values", "apis", "name"];

/// Sorts risky sites; ties by host name so the order is stable.
pub fn sort_risky(rows: &mut [RiskySite], s: &Sort) {
    rows.sort_by(|a, b| {
        let o = match s.column.as_str() {
            "high" => a.high.cmp(&b.high),
            "medium" => a.medium.cmp(&b.medium),
            "low" => a.low.cmp(&b.low),
            "host" => a.host.cmp(&b.host),
            _ => a.total.cmp(&b.total),
        };
        s.apply(o).then_with(|| a.host.cmp(&b.host))
    });
}

pub fn sort_attacked(rows: &mut [AttackedSite], s: &Sort) {
    rows.sort_by(|a, b| {
        let o = match s.column.as_str() {
            "events" => a.events.cmp(&b.events),
            "host" => a.host.cmp(&b.host),
            _ => a.attacks.cmp(&b.attacks),
        };
        s.apply(o).then_with(|| a.host.cmp(&b.host))
    });
}

/// Sorts sensitive type rows; `name` sorts by the (possibly translated) name in the rows.
pub fn sort_sensitive(rows: &mut [SensitiveStat], s: &Sort) {
    rows.sort_by(|a, b| {
        let o = match s.column.as_str() {
            "apis" => a.apis.cmp(&b.apis),
            "name" => a.name.cmp(&b.name),
            _ => a.values.cmp(&b.values),
        };
        s.apply(o).then_with(|| a.type_id.cmp(&b.type_id))
    });
}

/// Today (UTC) from the back end's clock.
pub fn today(b: &Backend) -> NaiveDate {
    b.clock.now().with_timezone(&Utc).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn period_parsing_accepts_presets_and_ranges_and_explains_errors() {
        assert_eq!(
            PeriodChoice::parse(None, None, None).unwrap(),
            PeriodChoice::Days(30)
        );
        assert_eq!(
            PeriodChoice::parse(Some("7"), None, None).unwrap(),
            PeriodChoice::Days(7)
        );
        assert_eq!(
            PeriodChoice::parse(Some("custom"), Some("2026-01-01"), Some("2026-01-31")).unwrap(),
            PeriodChoice::Custom {
                from: d("2026-01-01"),
                to: d("2026-01-31")
            }
        );
        let e = PeriodChoice::parse(Some("14"), None, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("7, 30, 90"), "{e}");
        let e = PeriodChoice::parse(None, Some("2026-02-01"), Some("2026-01-01"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("after"), "{e}");
        let e = PeriodChoice::parse(None, Some("01/02/2026"), Some("2026-01-01"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`from`") && e.contains("YYYY-MM-DD"), "{e}");
        assert!(PeriodChoice::parse(Some("custom"), Some("2026-01-01"), None).is_err());
        assert!(PeriodChoice::parse(None, Some("2020-01-01"), Some("2026-01-01")).is_err());
    }

    #[test]
    fn presets_end_at_the_newest_data_day_when_data_is_older() {
        let today = d("2026-11-25");
        let p = resolve_period(PeriodChoice::Days(7), Some(d("2026-03-10")), today);
        assert_eq!(
            (p.from.as_str(), p.to.as_str()),
            ("2026-03-04", "2026-03-10")
        );
        assert!(p.ends_at_data);
        assert_eq!(p.days().len(), 7);
        let p = resolve_period(PeriodChoice::Days(30), Some(today), today);
        assert_eq!(p.to, "2026-11-25");
        assert!(!p.ends_at_data);
        assert_eq!(p.days().len(), 30);
        let p = resolve_period(PeriodChoice::Days(30), None, today);
        assert_eq!(p.to, "2026-11-25");
        let p = resolve_period(
            PeriodChoice::Custom {
                from: d("2026-01-30"),
                to: d("2026-02-02"),
            },
            Some(d("2026-03-10")),
            today,
        );
        assert_eq!(
            p.days(),
            ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"]
        );
    }

    #[test]
    fn sorts_are_whitelisted_and_stable() {
        assert_eq!(
            Sort::parse(Some("high.asc"), &RISKY_COLUMNS).spec(),
            "high.asc"
        );
        assert_eq!(
            Sort::parse(Some("drop table.asc"), &RISKY_COLUMNS).spec(),
            "total.desc"
        );
        assert_eq!(
            Sort::parse(Some("host.sideways"), &RISKY_COLUMNS).spec(),
            "total.desc"
        );
        assert_eq!(Sort::parse(None, &ATTACKED_COLUMNS).spec(), "attacks.desc");
        let site = |h: &str, high, total| RiskySite {
            host: h.into(),
            high,
            medium: 0,
            low: total - high,
            total,
        };
        let mut rows = vec![site("b", 1, 5), site("a", 3, 3), site("c", 1, 9)];
        sort_risky(&mut rows, &Sort::parse(Some("total.desc"), &RISKY_COLUMNS));
        assert_eq!(
            rows.iter().map(|r| r.host.as_str()).collect::<Vec<_>>(),
            ["c", "b", "a"]
        );
        sort_risky(&mut rows, &Sort::parse(Some("high.asc"), &RISKY_COLUMNS));
        assert_eq!(
            rows.iter().map(|r| r.host.as_str()).collect::<Vec<_>>(),
            ["b", "c", "a"]
        );
    }
}
