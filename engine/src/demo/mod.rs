//! Demo traffic generator: realistic multi-host traffic in the native JSON Lines format, with
//! requests and responses, and (optionally) every built-in risk and event of the catalog planted
//! among the normal traffic, plus a ground-truth manifest of what was planted.
//!
//! Deterministic for a seed (ChaCha8 generators; no clock, no thread RNG), streaming (one day of
//! timestamps and that day's incidents in memory) and fast (records are written with a small
//! escaping writer, never through `serde_json::Value`). See `docs/demo-traffic.md`.

pub mod incidents;
pub mod json;
pub mod net;
pub mod normal;
mod rec;
pub mod values;
pub mod world;

use crate::compliance::Region;
use incidents::{Ctx, TruthEvent, TruthRisk, EVENTS, RISKS};
use normal::{office_hours, Normal, HOURLY};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rec::{DayCache, Rec};
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

const DAY_MS: i64 = 86_400_000;
/// Asia/Shanghai offset.
const LOCAL_OFFSET_MS: i64 = 8 * 3_600_000;
/// Default start: Monday 2025-03-03 00:00 in Asia/Shanghai (2025-03-02T16:00:00Z).
pub const DEFAULT_START_MS: i64 = 1_740_931_200_000;

#[derive(Debug, Clone)]
pub struct GeneratorConfig {
    pub seed: u64,
    pub days: u32,
    /// Start of the first day (epoch ms). Local (Asia/Shanghai) midnight gives natural days.
    pub start_ms: i64,
    /// Records per day (total, incidents included) unless `total_records` is set.
    pub records_per_day: u64,
    /// Total records over all days (split evenly); overrides `records_per_day`.
    pub total_records: Option<u64>,
    /// Only write records of these hosts (empty: all).
    pub hosts: Vec<String>,
    pub plant_attacks: bool,
    /// `Cn`: most clients in the mainland; `Intl`: most clients outside it.
    pub region: Region,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            seed: 42,
            days: 8,
            start_ms: DEFAULT_START_MS,
            records_per_day: 20_000,
            total_records: None,
            hosts: Vec::new(),
            plant_attacks: true,
            region: Region::Cn,
        }
    }
}

/// What was planted: the ground truth for detector tests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Truth {
    pub risks: Vec<TruthRisk>,
    pub events: Vec<TruthEvent>,
}

/// What a run wrote.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub records: u64,
    pub records_per_day: Vec<u64>,
    pub truth: Truth,
}

pub struct Generator {
    cfg: GeneratorConfig,
}

fn day_target(cfg: &GeneratorConfig, day: u32) -> u64 {
    match cfg.total_records {
        Some(total) => {
            let d = cfg.days.max(1) as u64;
            total / d + if (day as u64) < total % d { 1 } else { 0 }
        }
        None => cfg.records_per_day,
    }
}

/// The day an event incident is placed on: baseline-dependent ones on the last day (after a week
/// of history with `--days 8`), the others spread over days 1.. so day 0 stays clean.
fn event_day(days: u32, idx: usize, baseline: bool) -> u32 {
    if days <= 1 || baseline {
        days.saturating_sub(1)
    } else {
        1 + (idx as u32 * 5) % (days - 1)
    }
}

impl Generator {
    pub fn new(cfg: GeneratorConfig) -> Generator {
        Generator { cfg }
    }

    pub fn config(&self) -> &GeneratorConfig {
        &self.cfg
    }

    /// Writes every record as native JSON lines, in time order, and returns the summary with
    /// the ground truth.
    pub fn write_to<W: Write>(&self, mut out: W) -> std::io::Result<Summary> {
        let cfg = &self.cfg;
        let days = cfg.days.max(1);
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let avg = (0..days).map(|d| day_target(cfg, d)).sum::<u64>() / days as u64;
        let users = ((avg / 25) as usize).clamp(300, 20_000);
        let w = world::World::build(&mut rng, users, cfg.start_ms, cfg.region == Region::Intl);
        let normal = Normal::new(&w);
        let mut summary = Summary::default();
        if cfg.plant_attacks {
            summary.truth.risks = RISKS
                .iter()
                .map(|&(key, host, method, path)| TruthRisk {
                    key: key.into(),
                    host: host.into(),
                    method: method.into(),
                    path_template: path.into(),
                })
                .collect();
        }
        let mut buf = Vec::with_capacity(1 << 20);
        let mut cache = DayCache::default();
        let keep = |r: &Rec| cfg.hosts.is_empty() || cfg.hosts.iter().any(|h| h == r.host);
        for day in 0..days {
            let day0 = cfg.start_ms + day as i64 * DAY_MS;
            // 1. this day's incidents
            let mut planted: Vec<Rec> = Vec::new();
            if cfg.plant_attacks {
                let mut c = Ctx {
                    w: &w,
                    n: &normal,
                    rng: incidents::incident_rng(cfg.seed, day, 0),
                    day0,
                    recs: Vec::new(),
                };
                incidents::risky_daily(&mut c, day, days);
                planted.append(&mut c.recs);
                for (idx, &(key, baseline, f)) in EVENTS.iter().enumerate() {
                    if event_day(days, idx, baseline) != day {
                        continue;
                    }
                    c.rng = incidents::incident_rng(cfg.seed, day, idx as u64 + 1);
                    let meta = f(&mut c);
                    let recs = std::mem::take(&mut c.recs);
                    let start = recs.iter().map(|r| r.t).min().unwrap_or(day0);
                    let end = recs.iter().map(|r| r.t).max().unwrap_or(day0);
                    summary.truth.events.push(TruthEvent {
                        key: key.into(),
                        subject: meta.subject.into(),
                        ip: meta.ip.map(|i| i.to_string()),
                        account: meta.account,
                        host: meta.host.into(),
                        method: meta.method.into(),
                        path_template: meta.path.into(),
                        start: crate::record::format_time(start),
                        end: crate::record::format_time(end),
                        count: recs.len() as u64,
                    });
                    planted.extend(recs);
                }
                planted.sort_by_key(|r| r.t);
            }
            // 2. normal timestamps, diurnal in local time
            let target = day_target(cfg, day);
            let n_normal = target.saturating_sub(planted.len() as u64) as usize;
            let mut offsets: Vec<u32> = Vec::with_capacity(n_normal);
            let total_w: u32 = HOURLY.iter().sum();
            for _ in 0..n_normal {
                let mut x = rng.gen_range(0..total_w);
                let mut h = 0;
                while x >= HOURLY[h] {
                    x -= HOURLY[h];
                    h += 1;
                }
                offsets.push(h as u32 * 3_600_000 + rng.gen_range(0..3_600_000));
            }
            offsets.sort_unstable();
            // 3. merge
            let mut pi = 0;
            let mut written = 0u64;
            let local_day = (day0 + LOCAL_OFFSET_MS).div_euclid(DAY_MS);
            let weekday = (local_day + 3).rem_euclid(7) as u32; // 0 = Monday
            let mut emit = |r: &Rec, buf: &mut Vec<u8>, out: &mut W| -> std::io::Result<()> {
                if keep(r) {
                    r.write_line(buf, &mut cache);
                    written += 1;
                    if buf.len() > (1 << 20) - (1 << 16) {
                        out.write_all(buf)?;
                        buf.clear();
                    }
                }
                Ok(())
            };
            for off in offsets {
                let t = day0 + off as i64;
                while pi < planted.len() && planted[pi].t <= t {
                    emit(&planted[pi], &mut buf, &mut out)?;
                    pi += 1;
                }
                let local_hour = ((t + LOCAL_OFFSET_MS).rem_euclid(DAY_MS) / 3_600_000) as u32;
                let r = normal.gen(&mut rng, t, office_hours(local_hour, weekday));
                emit(&r, &mut buf, &mut out)?;
            }
            for r in &planted[pi..] {
                emit(r, &mut buf, &mut out)?;
            }
            summary.records += written;
            summary.records_per_day.push(written);
        }
        out.write_all(&buf)?;
        out.flush()?;
        Ok(summary)
    }
}

const USAGE: &str = "usage: apisec demo-traffic [--seed N] [--days N] [--records N | --per-day N] [--start TIME] [--region cn|intl] [--host HOST]... [--no-attacks] [--truth FILE] [--gzip] --out FILE";

/// Parses `--start`: RFC 3339 or epoch milliseconds.
fn parse_start(v: &str) -> Result<i64, String> {
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(ms);
    }
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("--start: not RFC 3339 or epoch milliseconds ({e})"))
}

/// `apisec demo-traffic` (arguments after the subcommand name). Returns the exit code.
pub fn run_cli(args: Vec<OsString>) -> i32 {
    let mut cfg = GeneratorConfig::default();
    let mut out: Option<PathBuf> = None;
    let mut truth: Option<PathBuf> = None;
    let mut gzip = false;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let a = arg.to_string_lossy().into_owned();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next().map(|v| v.to_string_lossy().into_owned()))
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let num = |name: &str, v: String| -> Result<u64, String> {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v}"))
        };
        let parsed: Result<(), String> = match flag.as_str() {
            "--seed" => value("--seed")
                .and_then(|v| num("--seed", v))
                .map(|n| cfg.seed = n),
            "--days" => value("--days")
                .and_then(|v| num("--days", v))
                .and_then(|n| {
                    if (1..=366).contains(&n) {
                        cfg.days = n as u32;
                        Ok(())
                    } else {
                        Err("--days must be 1..366".into())
                    }
                }),
            "--records" => value("--records")
                .and_then(|v| num("--records", v))
                .map(|n| cfg.total_records = Some(n)),
            "--per-day" => value("--per-day")
                .and_then(|v| num("--per-day", v))
                .map(|n| cfg.records_per_day = n),
            "--start" => value("--start")
                .and_then(|v| parse_start(&v))
                .map(|ms| cfg.start_ms = ms),
            "--region" => value("--region").and_then(|v| v.parse().map(|r| cfg.region = r)),
            "--host" => value("--host").map(|h| cfg.hosts.push(h.to_ascii_lowercase())),
            "--no-attacks" => {
                cfg.plant_attacks = false;
                Ok(())
            }
            "--gzip" => {
                gzip = true;
                Ok(())
            }
            "--truth" => value("--truth").map(|v| truth = Some(PathBuf::from(v))),
            "--out" | "-o" => value("--out").map(|v| out = Some(PathBuf::from(v))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return 0;
            }
            f => Err(format!("unknown argument {f}")),
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}\n{USAGE}");
            return 2;
        }
    }
    let Some(out_path) = out else {
        eprintln!("error: --out FILE is required\n{USAGE}");
        return 2;
    };
    let file = match std::fs::File::create(&out_path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {}: {e}", out_path.display());
            return 1;
        }
    };
    let started = std::time::Instant::now();
    let generator = Generator::new(cfg);
    let result = if gzip {
        let enc = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        generator.write_to(enc)
    } else {
        generator.write_to(std::io::BufWriter::with_capacity(1 << 20, file))
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: writing {}: {e}", out_path.display());
            return 1;
        }
    };
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "demo-traffic: {} records in {:.2}s ({:.0} records/s), {} risks and {} events planted",
        summary.records,
        secs,
        summary.records as f64 / secs.max(1e-9),
        summary.truth.risks.len(),
        summary.truth.events.len()
    );
    if let Some(path) = truth {
        let text = match serde_json::to_vec_pretty(&summary.truth) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot encode the truth manifest: {e}");
                return 1;
            }
        };
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: {}: {e}", path.display());
            return 1;
        }
    }
    0
}
