//! Access-control risks, judged from per-API baselines of who calls, from where, with what and
//! how fast.

use crate::facts::{ApiSummary, Location, ServiceObject, ToolKind};
use crate::risk::cx;
use crate::risk::state::{mask_ip, ApiState, Share, RATE_WINDOW_MS};
use crate::risk::{Detector, Verdict};

/// Calls from one address to one API in one minute, with none refused (429 or WAF block), that
/// make its rate "unrestricted". An interactive client rarely exceeds a call every second on
/// one API; 60 a minute (one a second, sustained for a minute) is automation.
pub const RATE_PER_MINUTE: u32 = 60;
/// Calls an API needs before its source and tool baselines mean anything.
pub const MIN_BASELINE_CALLS: u64 = 20;
pub const MIN_SOURCE_BASELINE_CALLS: u64 = 50;
/// The baseline period: the API's first day of traffic, or the first half of its observed
/// lifetime when that is shorter than two days.
pub const BASELINE_PERIOD_MS: i64 = 86_400_000;
/// A source baseline of more locations than this, or more new locations than this after it,
/// is a widely used API with no narrow baseline.
pub const MAX_BASELINE_LOCATIONS: usize = 3;
/// Distinct source addresses from which an API counts as serving a broad audience.
pub const MANY_SOURCES: usize = 50;
/// Average calls per address at or below which an API's callers are occasional visitors.
pub const VISITOR_CALLS: u64 = 4;
/// Successful calls from a new location or client kind that matter on a broad-audience API
/// (and at least 1% of its calls).
pub const MIN_OUTLIER_CALLS: u64 = 20;

/// End of the API's baseline period.
pub fn baseline_cutoff(api: &ApiSummary) -> i64 {
    let span = (api.last_seen_ms - api.first_seen_ms).max(0);
    api.first_seen_ms + BASELINE_PERIOD_MS.min(span / 2)
}

fn share_verdict(s: &Share, hits: u64) -> Option<Verdict> {
    let (t, ev) = s.first.as_ref()?;
    Some(Verdict {
        evidence: ev.clone(),
        first_ms: *t,
        last_ms: *t,
        hits,
    })
}

/// `internal_app_internet_exposed`: an API whose service object is internal office answered
/// calls from public (non RFC 1918, non loopback, non link-local) addresses.
pub struct InternalAppInternetExposed;

impl Detector for InternalAppInternetExposed {
    describe!(
        "internal_app_internet_exposed",
        "An API of an internal (office) application answers requests coming from public Internet addresses. Internal applications are rarely hardened for direct exposure, so this widens the attack surface to anyone online.",
        "Restrict the application to the internal network or a VPN, or put it behind an access gateway with single sign-on and an IP allow-list."
    );

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        (api.service_object == ServiceObject::InternalOffice && st.public_ok.count > 0)
            .then(|| st.public_ok.verdict())
    }
}

/// `unrestricted_access_source`: an API with a narrow source baseline (at most three locations
/// seen in its baseline period, at least 50 calls) that later successfully served a few new
/// locations (at most three; more means a broadly used API).
///
/// What counts as "outside the baseline" depends on the audience (spec: "accessed from sources
/// (IP addresses or regions) outside its normal baseline"). An API with a narrow audience
/// (internal addresses only, a partner or office application, or a small set of addresses that
/// call again and again: see [`broad_audience`]) has no business with any new country, nor,
/// when it is internal-only, with any public address. A public API with a broad audience is used from abroad as a matter of
/// course (travellers, expatriates, customers in neighbouring markets), each new country
/// bringing a few ordinary users; there a new location only counts when it is concentrated:
/// at least [`MIN_OUTLIER_CALLS`] successful calls, 1% of the API's calls, made by addresses
/// that each call [`CONCENTRATION`] times more than the API's average client (one automated
/// client, not a population of visitors).
pub struct UnrestrictedAccessSource;

/// How many times the API's average calls per client address the addresses of a new location
/// must make for it to stand out on a broad-audience API.
pub const CONCENTRATION: u64 = 5;

impl Detector for UnrestrictedAccessSource {
    describe!(
        "unrestricted_access_source",
        "The API is normally called from a small set of networks or regions, yet it also served requests from a source outside that baseline. Nothing restricts where it can be reached from, so stolen credentials or scrapers elsewhere face no barrier.",
        "Restrict access by source where the audience is known: IP allow-lists for partners and internal users, region blocking for markets you do not serve, and alerts on calls from new sources."
    );

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let total: u64 = st.locations.values().map(|s| s.calls).sum();
        if total < MIN_SOURCE_BASELINE_CALLS {
            return None;
        }
        let cutoff = baseline_cutoff(api);
        let baseline: Vec<Location> = st
            .locations
            .iter()
            .filter(|(_, s)| s.first_ms.is_some_and(|f| f <= cutoff))
            .map(|(l, _)| *l)
            .collect();
        if baseline.is_empty() || baseline.len() > MAX_BASELINE_LOCATIONS {
            return None;
        }
        let internal_only = baseline == [Location::Internal];
        let mut outliers: Vec<(&Location, &Share)> = st
            .locations
            .iter()
            .filter(|(l, s)| {
                s.ok > 0
                    && !baseline.contains(l)
                    && match l {
                        Location::Country(_) => true,
                        Location::Unknown => internal_only,
                        Location::Internal => false,
                    }
            })
            .collect();
        if outliers.len() > MAX_BASELINE_LOCATIONS {
            return None;
        }
        let narrow = internal_only
            || api.service_object != ServiceObject::PublicService
            || !broad_audience(st, total);
        if !narrow {
            outliers.retain(|(l, s)| concentrated(st, total, l, s));
        }
        outliers.sort_by_key(|(l, s)| (s.first.as_ref().map(|f| f.0), **l));
        let (_, s) = outliers.first()?;
        let hits: u64 = outliers.iter().map(|(_, s)| s.ok).sum();
        share_verdict(s, hits)
    }
}

/// A public API's callers are a broad audience when they are many ([`MANY_SOURCES`]
/// addresses), or when most of them came only a few times ([`VISITOR_CALLS`] calls per address
/// on average): a rarely used consumer API has few callers simply because it is rarely used,
/// whereas a fixed set of clients (a partner's servers, an office) calls again and again.
fn broad_audience(st: &ApiState, total: u64) -> bool {
    let addresses = st.addresses();
    addresses >= MANY_SOURCES as u64 || addresses * VISITOR_CALLS >= total
}

/// Enough successful calls from outside a broad audience's baseline to matter:
/// [`MIN_OUTLIER_CALLS`] and 1% of the API's calls.
fn significant(ok: u64, total: u64) -> bool {
    ok >= MIN_OUTLIER_CALLS && ok * 100 >= total
}

/// On a broad-audience API: the new location `l` brought a sizeable share of successful calls
/// from addresses that each call far more than the API's average client.
fn concentrated(st: &ApiState, total: u64, l: &Location, s: &Share) -> bool {
    if !significant(s.ok, total) {
        return false;
    }
    let addresses = st.addresses_at(*l).max(1);
    s.calls as f64 / addresses as f64 >= CONCENTRATION as f64 * st.calls_per_address()
}

/// `unrestricted_access_tool`: an API used by browsers or mobile apps in its baseline period
/// (at least 20 calls) that later successfully served scripts or attack tools, kinds absent
/// from that baseline. On a public API with a broad audience a handful of scripted calls
/// (a developer's curl, a monitor) is part of the client mix, not a departure from it: there
/// scripts count when they are significant ([`MIN_OUTLIER_CALLS`] successful calls and 1% of
/// the API's calls). Attack tools answered successfully always count.
pub struct UnrestrictedAccessTool;

impl Detector for UnrestrictedAccessTool {
    describe!(
        "unrestricted_access_tool",
        "The API is used by browsers or a mobile app, yet it also answered scripts or attack tools (command-line HTTP clients, scanners) that fall outside its usual clients. Automated tools can scrape or attack it as easily as a person can use it.",
        "Restrict non-human clients where they have no business: bot management or client attestation for app APIs, WAF rules against known attack tools, and rate limits tuned to human use."
    );

    fn judge(&self, api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let total: u64 = st.tools.values().map(|s| s.calls).sum();
        if total < MIN_BASELINE_CALLS {
            return None;
        }
        let cutoff = baseline_cutoff(api);
        let in_baseline = |k: &ToolKind| {
            st.tools
                .get(k)
                .is_some_and(|s| s.first_ms.is_some_and(|f| f <= cutoff))
        };
        let human = [ToolKind::Browser, ToolKind::MobileApp]
            .iter()
            .any(in_baseline);
        if !human {
            return None;
        }
        let broad = api.service_object == ServiceObject::PublicService && broad_audience(st, total);
        let mut outliers: Vec<(&ToolKind, &Share)> = st
            .tools
            .iter()
            .filter(|(k, s)| match k {
                ToolKind::AttackTool => s.ok > 0 && !in_baseline(k),
                ToolKind::Script => {
                    s.ok > 0 && !in_baseline(k) && (!broad || significant(s.ok, total))
                }
                _ => false,
            })
            .collect();
        outliers.sort_by_key(|(k, s)| (s.first.as_ref().map(|f| f.0), **k));
        let (_, s) = outliers.first()?;
        let hits = outliers.iter().map(|(_, s)| s.ok).sum();
        share_verdict(s, hits)
    }
}

/// `unrestricted_access_rate`: one address made at least [`RATE_PER_MINUTE`] calls to the API
/// within one minute and none of them was refused (429 or WAF block).
pub struct UnrestrictedAccessRate;

impl Detector for UnrestrictedAccessRate {
    describe!(
        "unrestricted_access_rate",
        "A single source called this API at a high rate within one minute and was never slowed down or refused. Without rate limiting the API can be scraped, brute-forced or exhausted by one client.",
        "Add rate limits per source and per account that fit the API's normal use (answer 429 beyond them), and alert on sustained high-frequency callers."
    );

    fn judge(&self, _api: &ApiSummary, st: &ApiState) -> Option<Verdict> {
        let (n, at, ip) = st.busiest_rate().filter(|p| p.0 >= RATE_PER_MINUTE)?;
        Some(Verdict {
            evidence: cx::evidence(format!(
                "{n} calls within one minute from {}, none refused (no 429 or block)",
                mask_ip(&ip)
            )),
            first_ms: at,
            last_ms: at + RATE_WINDOW_MS,
            hits: n as u64,
        })
    }
}
