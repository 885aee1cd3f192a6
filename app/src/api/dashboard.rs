//! Server functions of the Basic Detection and Overview pages (issue 9).
//!
//! Figures come from `backend::dashboard` (stored, pre-aggregated analysis results of the
//! scope); the Overview's trend charts are SVG drawn on the server with plotters
//! (`backend::dashboard::charts`) in the language of the request.
// A server function takes each form field as an argument; the client stub that `#[server]`
// generates for the browser keeps that arity, and an `allow` on the function does not reach it.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One event card of Basic Detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCard {
    /// Catalog key of the event type (for the translated name).
    pub type_key: String,
    /// English name (catalog name, or the custom rule's name).
    pub name: String,
    pub level: String,
    pub path: String,
    pub method: String,
    pub domain: String,
    /// Attack source: IP address, else account.
    pub source: String,
    pub time: String,
}

/// The Basic Detection page: always on, free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicDetectionView {
    pub tenant_name: String,
    pub resource_group: String,
    pub region: String,
    pub region_label: String,
    pub events_total: i64,
    pub events_high: i64,
    pub events_medium: i64,
    pub events_low: i64,
    pub apis_total: i64,
    pub apis_active: i64,
    pub apis_inactive: i64,
    pub recent_events: Vec<EventCard>,
}

/// A legend entry of a trend chart; `hidden` series are not drawn (toggled by `hide=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegendItem {
    pub key: String,
    pub label: String,
    pub hidden: bool,
}

/// One trend chart: server-drawn SVG plus its legend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartView {
    pub key: String,
    pub title: String,
    pub svg: String,
    pub legend: Vec<LegendItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensitiveRow {
    pub type_id: i64,
    /// Name in the request's language.
    pub name: String,
    pub values: i64,
    pub apis: i64,
}

/// The Overview page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub from: String,
    pub to: String,
    /// 7, 30, 90, or 0 for a custom range.
    pub preset: i64,
    pub ends_at_data: bool,
    /// Figures of the period (sums of the daily series).
    pub apis_total: i64,
    pub apis_new: i64,
    pub risks_new: i64,
    pub attacks: i64,
    pub events: i64,
    pub charts: Vec<ChartView>,
    pub risky_sites: Vec<backend_types::RiskySite>,
    pub risky_sort: String,
    pub attacked_sites: Vec<backend_types::AttackedSite>,
    pub attacked_sort: String,
    pub request_types: Vec<SensitiveRow>,
    pub request_sort: String,
    pub response_types: Vec<SensitiveRow>,
    pub response_sort: String,
    /// Hosts / types beyond the rows shown (the "More" link lists them all).
    pub more: [bool; 4],
}

/// Row types of the site tables, shared by server and browser (the back end is server only).
pub mod backend_types {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct RiskySite {
        pub host: String,
        pub high: i64,
        pub medium: i64,
        pub low: i64,
        pub total: i64,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AttackedSite {
        pub host: String,
        pub attacks: i64,
        pub events: i64,
    }
}

/// Basic Detection figures for tenant / resource group / region (any member).
#[server(prefix = "/api", endpoint = "basic_detection")]
pub async fn basic_detection(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<BasicDetectionView, AppError> {
    use super::ctx;
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let (m, scope) = crate::api::ctx::scope_authorize(
            &b,
            user.id,
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Viewer,
        )
        .await?;
        let group = m
            .resource_groups
            .iter()
            .find(|g| g.id == scope.rg_id)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        let f = server::basic_figures(&b, scope).await?;
        Ok(BasicDetectionView {
            tenant_name: m.tenant_name.clone(),
            resource_group: group,
            region: scope.region.as_str().into(),
            region_label: scope.region.label().into(),
            events_total: f.events_total,
            events_high: f.events_high,
            events_medium: f.events_medium,
            events_low: f.events_low,
            apis_total: f.apis_total,
            apis_active: f.apis_active,
            apis_inactive: f.apis_inactive,
            recent_events: f
                .recent
                .iter()
                .cloned()
                .map(|e| EventCard {
                    type_key: e.type_key,
                    name: e.name,
                    level: e.level,
                    path: e.path,
                    method: e.method,
                    domain: e.host,
                    source: e.ip.or(e.account).unwrap_or_else(|| "-".into()),
                    time: backend::clock::rfc3339(e.start_ms),
                })
                .collect(),
        })
    })
    .await
}

/// Overview figures, charts and tables (any member; needs API security).
///
/// `period`: 7, 30 (default), 90 or `custom` with `from` / `to` (`YYYY-MM-DD`); `hide`:
/// comma-separated series keys left out of the charts; `sort_*`: `<column>.<asc|desc>`.
#[server(prefix = "/api", endpoint = "overview")]
pub async fn overview(
    tenant: String,
    rg: Option<i64>,
    region: String,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    hide: Option<String>,
    sort_risky: Option<String>,
    sort_attacked: Option<String>,
    sort_req: Option<String>,
    sort_resp: Option<String>,
) -> Result<OverviewView, AppError> {
    use super::ctx;
    ctx::respond(async {
        let b = ctx::backend()?;
        let user = ctx::current_user(&b, &ctx::session().await?).await?;
        let (_m, scope) = crate::api::ctx::scope_authorize(
            &b,
            user.id,
            &tenant,
            rg,
            &region,
            backend::tenancy::Role::Viewer,
        )
        .await?;
        if !crate::api::ctx::api_security_status(&b, scope.tenant_id)
            .await?
            .enabled
        {
            return Err(AppError::Forbidden);
        }
        let lang = crate::i18n::request_lang();
        let q = server::OverviewQuery {
            period,
            from,
            to,
            hide,
            sort: [sort_risky, sort_attacked, sort_req, sort_resp],
        };
        server::overview_cached(&b, scope, lang, &q).await
    })
    .await
}

/// The Overview's assembly, server side only (also used by the tests through HTTP).
#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::i18n::{catalog_name_in, translate, Lang};
    use backend::dashboard::{self as dash, charts, Sort};

    #[derive(Debug)]
    pub struct OverviewQuery {
        pub period: Option<String>,
        pub from: Option<String>,
        pub to: Option<String>,
        pub hide: Option<String>,
        pub sort: [Option<String>; 4],
    }

    /// The Basic Detection figures, from the process's cache while the scope's results version
    /// is unchanged (`backend::cache`).
    pub async fn basic_figures(
        b: &backend::Backend,
        scope: backend::scope::Scope,
    ) -> Result<std::sync::Arc<dash::BasicFigures>, AppError> {
        let key = backend::cache::Key {
            scope,
            version: backend::results::version(b, scope).await?,
            page: "basic_detection".into(),
        };
        b.cache
            .get_or_compute(key, || async {
                dash::basic_detection(b, scope)
                    .await
                    .map_err(AppError::from)
            })
            .await
    }

    /// [`overview`] through the process's cache: the assembled Overview (charts included) is
    /// kept per scope, results version, language, day and query (`backend::cache`). A
    /// re-analysis bumps the version, so the next request assembles it again (once: requests
    /// arriving meanwhile wait for that one).
    pub async fn overview_cached(
        b: &backend::Backend,
        scope: backend::scope::Scope,
        lang: Lang,
        q: &OverviewQuery,
    ) -> Result<OverviewView, AppError> {
        let key = backend::cache::Key {
            scope,
            version: backend::results::version(b, scope).await?,
            // Everything else the Overview depends on: presets end today (or at the newest
            // data day, which the version covers).
            page: format!("overview|{}|{}|{q:?}", lang.as_str(), dash::today(b)),
        };
        let view = b
            .cache
            .get_or_compute(key, || overview(b, scope, lang, q))
            .await?;
        Ok((*view).clone())
    }

    /// Series of the three charts: (chart key, title, y unit, [(series key, label, color)]).
    type SeriesDef = (&'static str, &'static str, (u8, u8, u8));
    pub const CHARTS: [(&str, &str, &str, &[SeriesDef]); 3] = [
        (
            "assets",
            "API Asset Trend",
            "APIs",
            &[
                ("total", "Total API Assets", (37, 99, 235)),
                ("active", "Active APIs", (16, 185, 129)),
            ],
        ),
        (
            "risks",
            "Risk Trend",
            "New risks",
            &[
                ("high", "High", (220, 38, 38)),
                ("medium", "Medium", (217, 119, 6)),
                ("low", "Low", (59, 130, 246)),
            ],
        ),
        (
            "attacks",
            "Attack Trend",
            "Count per day",
            &[
                ("attacks", "Attack requests", (190, 18, 60)),
                ("events", "Security events", (124, 58, 237)),
            ],
        ),
    ];

    fn value(p: &dash::DayPoint, key: &str) -> i64 {
        match key {
            "total" => p.total_apis,
            "active" => p.active_apis,
            "high" => p.risks_high,
            "medium" => p.risks_medium,
            "low" => p.risks_low,
            "attacks" => p.attacks,
            _ => p.events,
        }
    }

    pub async fn overview(
        b: &backend::Backend,
        scope: backend::scope::Scope,
        lang: Lang,
        q: &OverviewQuery,
    ) -> Result<OverviewView, AppError> {
        let choice =
            dash::PeriodChoice::parse(q.period.as_deref(), q.from.as_deref(), q.to.as_deref())?;
        let newest = dash::newest_day(b, scope).await?;
        let period = dash::resolve_period(choice, newest, dash::today(b));
        let points = dash::trends(b, scope, &period).await?;
        let hidden: Vec<&str> = q
            .hide
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let days: Vec<String> = points.iter().map(|p| p.day.clone()).collect();
        let mut chart_views = Vec::new();
        for (key, title, unit, defs) in CHARTS {
            let title = translate(lang, title).to_string();
            let chart = charts::Chart {
                title: title.clone(),
                x_label: translate(lang, "Date (UTC)").into(),
                y_label: translate(lang, unit).into(),
                days: days.clone(),
                series: defs
                    .iter()
                    .filter(|(k, _, _)| !hidden.contains(k))
                    .map(|(k, label, color)| charts::Series {
                        key: k.to_string(),
                        label: translate(lang, label).into(),
                        color: *color,
                        values: points.iter().map(|p| value(p, k)).collect(),
                    })
                    .collect(),
            };
            chart_views.push(ChartView {
                key: key.into(),
                title,
                svg: charts::render(&chart)?,
                legend: defs
                    .iter()
                    .map(|(k, label, _)| LegendItem {
                        key: k.to_string(),
                        label: translate(lang, label).into(),
                        hidden: hidden.contains(k),
                    })
                    .collect(),
            });
        }

        let mut risky = dash::risky_sites(b, scope, &period).await?;
        let risky_sort = Sort::parse(q.sort[0].as_deref(), &dash::RISKY_COLUMNS);
        dash::sort_risky(&mut risky, &risky_sort);
        let mut attacked = dash::attacked_sites(b, scope, &period).await?;
        let attacked_sort = Sort::parse(q.sort[1].as_deref(), &dash::ATTACKED_COLUMNS);
        dash::sort_attacked(&mut attacked, &attacked_sort);
        let sensitive = |mut rows: Vec<dash::SensitiveStat>, spec: Option<&str>| {
            for r in &mut rows {
                r.name = catalog_name_in(lang, "sensitive", &r.type_id.to_string(), &r.name);
            }
            let s = Sort::parse(spec, &dash::SENSITIVE_COLUMNS);
            dash::sort_sensitive(&mut rows, &s);
            (rows, s.spec())
        };
        let (req, request_sort) = sensitive(
            dash::sensitive_types(b, scope, "request").await?,
            q.sort[2].as_deref(),
        );
        let (resp, response_sort) = sensitive(
            dash::sensitive_types(b, scope, "response").await?,
            q.sort[3].as_deref(),
        );
        let more = [
            risky.len() > dash::TABLE_ROWS,
            attacked.len() > dash::TABLE_ROWS,
            req.len() > dash::TABLE_ROWS,
            resp.len() > dash::TABLE_ROWS,
        ];
        let sens_rows = |rows: Vec<dash::SensitiveStat>| -> Vec<SensitiveRow> {
            rows.into_iter()
                .take(dash::TABLE_ROWS)
                .map(|r| SensitiveRow {
                    type_id: r.type_id,
                    name: r.name,
                    values: r.values,
                    apis: r.apis,
                })
                .collect()
        };
        Ok(OverviewView {
            from: period.from.clone(),
            to: period.to.clone(),
            preset: period.preset,
            ends_at_data: period.ends_at_data,
            apis_total: points.last().map(|p| p.total_apis).unwrap_or(0),
            apis_new: points.iter().map(|p| p.new_apis).sum(),
            risks_new: points
                .iter()
                .map(|p| p.risks_high + p.risks_medium + p.risks_low)
                .sum(),
            attacks: points.iter().map(|p| p.attacks).sum(),
            events: points.iter().map(|p| p.events).sum(),
            charts: chart_views,
            risky_sites: risky
                .into_iter()
                .take(dash::TABLE_ROWS)
                .map(|r| backend_types::RiskySite {
                    host: r.host,
                    high: r.high,
                    medium: r.medium,
                    low: r.low,
                    total: r.total,
                })
                .collect(),
            risky_sort: risky_sort.spec(),
            attacked_sites: attacked
                .into_iter()
                .take(dash::TABLE_ROWS)
                .map(|r| backend_types::AttackedSite {
                    host: r.host,
                    attacks: r.attacks,
                    events: r.events,
                })
                .collect(),
            attacked_sort: attacked_sort.spec(),
            request_types: sens_rows(req),
            request_sort,
            response_types: sens_rows(resp),
            response_sort,
            more,
        })
    }
}
