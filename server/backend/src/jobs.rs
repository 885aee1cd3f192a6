//! The jobs table and the scheduler's jobs (issue 3).
//!
//! A job is claimed by one worker (`hostname:pid:n`): on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, on SQLite with one conditional `UPDATE`. A running job beats a
//! heartbeat; one whose heartbeat is older than the stale limit (its process died, e.g.
//! `kill -9`) goes back to `queued` on the next claim and is run again from the start. That is
//! safe because an analysis job only *replaces* a scope's results in one transaction at its
//! very end (see `results::replace`): a killed job has changed nothing, a rerun over the same
//! segments gives the same results, and nothing is ever counted twice.
//!
//! Kinds: `analysis` (a scope's retained segments → results), `retention` (purge expired raw
//! data, then re-analyse what changed), `baseline` (daily re-analysis of every scope).

use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::tenancy::Region;
use crate::Backend;
use sqlx::Row;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const KIND_ANALYSIS: &str = "analysis";
pub const KIND_RETENTION: &str = "retention";
pub const KIND_BASELINE: &str = "baseline";
/// How often the retention job runs, and the daily baseline refresh.
pub const RETENTION_EVERY_MS: i64 = 60 * 60 * 1000;
pub const BASELINE_EVERY_MS: i64 = 24 * 60 * 60 * 1000;

/// Settings of workers and the scheduler (`APISEC_JOB_*`, see docs/ingestion.md).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// A running job whose heartbeat is older than this goes back to the queue (default 60 s).
    pub stale_ms: i64,
    /// How often a running job beats and writes its progress.
    pub heartbeat_ms: u64,
    /// How often an idle worker looks for work.
    pub poll_ms: u64,
    /// A job requeued this many times (its process keeps dying) fails instead.
    pub max_attempts: i64,
    /// Demo data to seed on the first start (None: none; tests and CLI commands).
    pub demo: Option<crate::seed::DemoSeed>,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            stale_ms: 60_000,
            heartbeat_ms: 1_000,
            poll_ms: 1_000,
            max_attempts: 5,
            demo: None,
        }
    }
}

/// A row of the jobs table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub rg_id: Option<i64>,
    pub region: Option<String>,
    pub kind: String,
    pub status: String,
    pub progress: i64,
    pub total: i64,
    pub message: String,
    pub worker: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub heartbeat_at: Option<i64>,
    pub finished_at: Option<i64>,
}

impl Job {
    pub fn scope(&self) -> Option<Scope> {
        Some(Scope {
            tenant_id: self.tenant_id?,
            rg_id: self.rg_id?,
            region: Region::parse(self.region.as_deref()?),
        })
    }
    pub fn is_active(&self) -> bool {
        self.status == "queued" || self.status == "running"
    }
}

const JOB_COLS: &str = "id, tenant_id, rg_id, region, kind, status, progress, total, message,
    worker, attempts, created_at, started_at, heartbeat_at, finished_at";

fn job_from_row(r: &sqlx::any::AnyRow) -> Result<Job> {
    Ok(Job {
        id: r.try_get(0)?,
        tenant_id: r.try_get(1)?,
        rg_id: r.try_get(2)?,
        region: r.try_get(3)?,
        kind: r.try_get(4)?,
        status: r.try_get(5)?,
        progress: r.try_get(6)?,
        total: r.try_get(7)?,
        message: r.try_get(8)?,
        worker: r.try_get(9)?,
        attempts: r.try_get(10)?,
        created_at: r.try_get(11)?,
        started_at: r.try_get(12)?,
        heartbeat_at: r.try_get(13)?,
        finished_at: r.try_get(14)?,
    })
}

/// `hostname:pid:n`, the name a worker claims jobs under.
pub fn worker_id(n: usize) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}:{n}", std::process::id())
}

/// Queues a job; if the same kind is already queued for the same scope, returns that one
/// instead (coalescing: a burst of uploads gives one analysis, not one per file).
pub async fn enqueue(b: &Backend, scope: Option<Scope>, kind: &str, message: &str) -> Result<i64> {
    let mut conn = b.db.pool.acquire().await?;
    enqueue_on(&mut conn, b, scope, kind, message).await
}

/// [`enqueue`] on a given connection, so a caller can queue a job in the same transaction as
/// the data it is for (a new segment and its analysis are committed together: a crash cannot
/// keep one without the other).
///
/// On PostgreSQL the queued job joined is locked until the transaction ends, so a worker
/// cannot claim it (and read the segments) before the new data is committed; workers skip
/// locked jobs, and a job claimed meanwhile is no longer `queued`, so a new one is made.
pub async fn enqueue_on(
    conn: &mut sqlx::AnyConnection,
    b: &Backend,
    scope: Option<Scope>,
    kind: &str,
    message: &str,
) -> Result<i64> {
    let lock = match b.db.kind {
        crate::db::DbKind::Postgres => " FOR UPDATE",
        crate::db::DbKind::Sqlite => "",
    };
    let existing: Option<i64> = match scope {
        Some(s) => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM jobs WHERE kind = $1 AND status = 'queued'
                   AND tenant_id = $2 AND rg_id = $3 AND region = $4 ORDER BY id LIMIT 1{lock}"
            ))
            .bind(kind)
            .bind(s.tenant_id)
            .bind(s.rg_id)
            .bind(s.region_str())
            .fetch_optional(&mut *conn)
            .await?
        }
        None => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM jobs WHERE kind = $1 AND status = 'queued' AND tenant_id IS NULL
                 ORDER BY id LIMIT 1{lock}"
            ))
            .bind(kind)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    if let Some(id) = existing {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (tenant_id, rg_id, region, kind, status, message, created_at)
         VALUES ($1, $2, $3, $4, 'queued', $5, $6) RETURNING id",
    )
    .bind(scope.map(|s| s.tenant_id))
    .bind(scope.map(|s| s.rg_id))
    .bind(scope.map(|s| s.region_str().to_string()))
    .bind(kind)
    .bind(message)
    .bind(b.now_ms())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Queues (or joins the queued) analysis of `scope`.
pub async fn enqueue_analysis(b: &Backend, scope: Scope, message: &str) -> Result<i64> {
    enqueue(b, Some(scope), KIND_ANALYSIS, message).await
}

/// Puts running jobs whose heartbeat is stale back in the queue (or fails them after
/// `max_attempts`). Returns how many were requeued.
pub async fn requeue_stale(b: &Backend) -> Result<u64> {
    let now = b.now_ms();
    let cutoff = now - b.jobs.stale_ms;
    let failed = sqlx::query(
        "UPDATE jobs SET status = 'failed', finished_at = $1,
                message = 'its worker stopped responding too many times; giving up'
         WHERE status = 'running' AND heartbeat_at < $2 AND attempts >= $3",
    )
    .bind(now)
    .bind(cutoff)
    .bind(b.jobs.max_attempts)
    .execute(&b.db.pool)
    .await?
    .rows_affected();
    if failed > 0 {
        tracing::warn!(failed, "jobs failed after repeated worker deaths");
    }
    let n = sqlx::query(
        "UPDATE jobs SET status = 'queued', worker = NULL,
                message = 'requeued: its worker stopped responding'
         WHERE status = 'running' AND heartbeat_at < $1",
    )
    .bind(cutoff)
    .execute(&b.db.pool)
    .await?
    .rows_affected();
    if n > 0 {
        tracing::info!(requeued = n, "stale jobs requeued");
    }
    Ok(n)
}

/// A queued job `j` may start: no job of its scope is running. Two analyses of one scope at
/// once would race to replace the same results: the later commit would either fail on the
/// unique keys or, if it read fewer segments, overwrite newer results with older ones. Jobs
/// without a scope (retention, baseline) never wait.
const SCOPE_IDLE: &str = "NOT EXISTS (SELECT 1 FROM jobs r WHERE r.status = 'running'
    AND r.tenant_id = j.tenant_id AND r.rg_id = j.rg_id AND r.region = j.region)";

/// Advisory lock key that serialises claims on PostgreSQL ("jobs" in ASCII).
const CLAIM_LOCK_KEY: i64 = 0x6a6f_6273;

/// Claims the oldest queued job for `worker` whose scope has no running job, after requeuing
/// stale ones. At most one worker ever gets a given job, and a scope runs one job at a time.
pub async fn claim(b: &Backend, worker: &str) -> Result<Option<Job>> {
    requeue_stale(b).await?;
    let now = b.now_ms();
    let id: Option<i64> = match b.db.kind {
        crate::db::DbKind::Postgres => {
            let mut tx = b.db.pool.begin().await?;
            // Claims take turns (a transaction lock, held for one short statement pair), so
            // the busy-scope check below sees every committed claim of the other processes.
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CLAIM_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            let id: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT id FROM jobs j WHERE status = 'queued' AND {SCOPE_IDLE}
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
            ))
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                sqlx::query(
                    "UPDATE jobs SET status = 'running', worker = $1, started_at = $2,
                            heartbeat_at = $2, attempts = attempts + 1, progress = 0
                     WHERE id = $3",
                )
                .bind(worker)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            id
        }
        crate::db::DbKind::Sqlite => {
            // One statement: SQLite serialises writers, and the status check makes a lost
            // race affect zero rows.
            sqlx::query_scalar(&format!(
                "UPDATE jobs SET status = 'running', worker = $1, started_at = $2,
                        heartbeat_at = $2, attempts = attempts + 1, progress = 0
                 WHERE id = (SELECT id FROM jobs j WHERE status = 'queued' AND {SCOPE_IDLE}
                             ORDER BY id LIMIT 1)
                   AND status = 'queued'
                 RETURNING id"
            ))
            .bind(worker)
            .bind(now)
            .fetch_optional(&b.db.pool)
            .await?
        }
    };
    match id {
        Some(id) => get(b, id).await,
        None => Ok(None),
    }
}

/// Job `id` (any tenant: for workers).
pub async fn get(b: &Backend, id: i64) -> Result<Option<Job>> {
    let row = sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&b.db.pool)
        .await?;
    row.as_ref().map(job_from_row).transpose()
}

/// The scope's newest jobs.
pub async fn list(b: &Backend, scope: Scope, limit: i64) -> Result<Vec<Job>> {
    let rows = sqlx::query(&format!(
        "SELECT {JOB_COLS} FROM jobs WHERE tenant_id = $1 AND rg_id = $2 AND region = $3
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(scope.tenant_id)
    .bind(scope.rg_id)
    .bind(scope.region_str())
    .bind(limit)
    .fetch_all(&b.db.pool)
    .await?;
    rows.iter().map(job_from_row).collect()
}

/// Records progress and proves the worker is alive. False when the job is no longer this
/// worker's running job (cancelled, or requeued after a stall): the worker must stop.
pub async fn heartbeat(
    b: &Backend,
    id: i64,
    worker: &str,
    progress: i64,
    total: i64,
    message: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE jobs SET heartbeat_at = $1, progress = $2, total = $3, message = $4
         WHERE id = $5 AND worker = $6 AND status = 'running'",
    )
    .bind(b.now_ms())
    .bind(progress)
    .bind(total)
    .bind(message)
    .bind(id)
    .bind(worker)
    .execute(&b.db.pool)
    .await?
    .rows_affected()
        == 1)
}

/// Ends a running job of this worker with `status` (done | failed). False if it was not
/// (any more) this worker's running job.
pub async fn finish(
    b: &Backend,
    id: i64,
    worker: &str,
    status: &str,
    message: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE jobs SET status = $1, message = $2, finished_at = $3, heartbeat_at = $3,
                progress = CASE WHEN $1 = 'done' THEN total ELSE progress END
         WHERE id = $4 AND worker = $5 AND status = 'running'",
    )
    .bind(status)
    .bind(message)
    .bind(b.now_ms())
    .bind(id)
    .bind(worker)
    .execute(&b.db.pool)
    .await?
    .rows_affected()
        == 1)
}

/// Cancels a queued or running job of the tenant. A running one stops at its next batch
/// (its worker sees the status at the next heartbeat); its results are not applied.
pub async fn cancel(b: &Backend, tenant_id: i64, id: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET status = 'cancelled', finished_at = $1, message = 'cancelled'
         WHERE id = $2 AND tenant_id = $3 AND status IN ('queued', 'running')",
    )
    .bind(b.now_ms())
    .bind(id)
    .bind(tenant_id)
    .execute(&b.db.pool)
    .await?
    .rows_affected();
    if n == 0 {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM jobs WHERE id = $1 AND tenant_id = $2")
                .bind(id)
                .bind(tenant_id)
                .fetch_optional(&b.db.pool)
                .await?;
        return match exists {
            Some(_) => Err(Error::Conflict("this job has already ended".into())),
            None => Err(Error::NotFound),
        };
    }
    Ok(true)
}

/// The analysis configuration of a scope: region defaults and the tenant's hashing key.
pub async fn analysis_config(
    b: &Backend,
    scope: Scope,
) -> Result<engine::pipeline::AnalysisConfig> {
    // The one config builder (tenant key + enabled custom policies), plus the tenant's
    // template corrections and compliance settings, so all survive re-analysis.
    let mut config = crate::policies::analysis_config(b, scope).await?;
    config.discovery.rules = crate::inventory::template_rules(b, scope.tenant_id).await?;
    config.compliance =
        crate::compliance::engine_config(b, scope.tenant_id, config.compliance.region).await?;
    Ok(config)
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    Done(String),
    Failed(String),
    Cancelled,
}

/// The panic payload that stops a cancelled analysis between batches.
struct Cancelled;

/// Runs a claimed job to its end and records the outcome.
pub async fn run(b: &Backend, job: Job, worker: &str) -> JobEnd {
    let started = std::time::Instant::now();
    let end = match job.kind.as_str() {
        KIND_ANALYSIS => match job.scope() {
            Some(scope) => run_analysis(b, &job, scope, worker).await,
            None => JobEnd::Failed("analysis job without a scope".into()),
        },
        KIND_RETENTION => match run_retention(b).await {
            Ok(m) => JobEnd::Done(m),
            Err(e) => JobEnd::Failed(e.to_string()),
        },
        KIND_BASELINE => match run_baseline(b).await {
            Ok(m) => JobEnd::Done(m),
            Err(e) => JobEnd::Failed(e.to_string()),
        },
        other => JobEnd::Failed(format!("unknown job kind {other:?}")),
    };
    let recorded = match &end {
        JobEnd::Done(m) => finish(b, job.id, worker, "done", m).await,
        JobEnd::Failed(m) => finish(b, job.id, worker, "failed", m).await,
        JobEnd::Cancelled => Ok(false),
    };
    if let Err(e) = recorded {
        tracing::warn!(job = job.id, error = %e, "cannot record the end of a job");
    }
    tracing::info!(job = job.id, kind = %job.kind, ms = started.elapsed().as_millis() as u64, outcome = ?end, "job ended");
    end
}

async fn run_analysis(b: &Backend, job: &Job, scope: Scope, worker: &str) -> JobEnd {
    let segments = match crate::ingest::live_segments(b, scope).await {
        Ok(s) => s,
        Err(e) => return JobEnd::Failed(e.to_string()),
    };
    let config = match analysis_config(b, scope).await {
        Ok(c) => c,
        Err(e) => return JobEnd::Failed(e.to_string()),
    };
    let total: i64 = segments.iter().map(|s| s.3).sum();
    let paths: Vec<std::path::PathBuf> = segments.iter().map(|s| s.1.clone()).collect();
    // One format for all when the segments agree (an explicit nginx or WAF source), else
    // per-file detection.
    let mut formats: Vec<&str> = segments.iter().map(|s| s.2.as_str()).collect();
    formats.sort_unstable();
    formats.dedup();
    let format = match formats.as_slice() {
        [one] => one.parse().unwrap_or_default(),
        _ => engine::readers::Format::Auto,
    };
    let opts = engine::analyze::AnalyzeOptions {
        format,
        region: config.compliance.region,
        reader: b.ingest.reader_options(),
        progress: false,
    };

    let done = Arc::new(AtomicU64::new(0));
    let cancel = Arc::new(AtomicBool::new(false));
    let beat = {
        let (b, done, cancel, worker, id) = (
            b.clone(),
            done.clone(),
            cancel.clone(),
            worker.to_string(),
            job.id,
        );
        let files = paths.len();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(b.jobs.heartbeat_ms));
            loop {
                tick.tick().await;
                let n = done.load(Ordering::Relaxed) as i64;
                let msg = format!("analysing {n} of {total} records in {files} segments");
                match heartbeat(&b, id, &worker, n.min(total), total, &msg).await {
                    Ok(true) => {}
                    Ok(false) => {
                        cancel.store(true, Ordering::Relaxed);
                        return;
                    }
                    Err(e) => tracing::warn!(job = id, error = %e, "heartbeat failed"),
                }
            }
        })
    };

    let outcome = if paths.is_empty() {
        // Nothing retained (all purged): the results become empty.
        Ok(Ok(
            engine::pipeline::AnalysisState::new(&config).finish(None)
        ))
    } else {
        let (done2, cancel2) = (done.clone(), cancel.clone());
        let config2 = config.clone();
        tokio::task::spawn_blocking(move || {
            let clients = engine::client::ClientClassifier::from_env().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "GeoIP unavailable; locations will be unknown");
                engine::client::ClientClassifier::without_geo()
            });
            let progress = |p: engine::analyze::Progress| {
                done2.store(p.records, Ordering::Relaxed);
                if cancel2.load(Ordering::Relaxed) {
                    // Unwinds out of the engine without running the panic hook.
                    std::panic::resume_unwind(Box::new(Cancelled));
                }
            };
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine::analyze::analyze_paths(&paths, &opts, &config2, clients, &progress)
                    .map(|o| o.findings)
            }))
        })
        .await
        .map_err(|e| e.to_string())
        .map(|r| match r {
            Ok(Ok(f)) => Ok(f),
            Ok(Err(e)) => Err(Some(e.to_string())),
            Err(payload) if payload.is::<Cancelled>() => Err(None),
            Err(_) => Err(Some("the analysis crashed (internal error)".to_string())),
        })
    };
    beat.abort();

    let findings = match outcome {
        Ok(Ok(f)) => f,
        Ok(Err(None)) => return JobEnd::Cancelled,
        Ok(Err(Some(e))) | Err(e) => return JobEnd::Failed(e),
    };
    if cancel.load(Ordering::Relaxed) {
        return JobEnd::Cancelled;
    }
    // Still ours? (A cancel or a stall-requeue between the last beat and now.)
    match heartbeat(b, job.id, worker, total, total, "storing results").await {
        Ok(true) => {}
        Ok(false) => return JobEnd::Cancelled,
        Err(e) => return JobEnd::Failed(e.to_string()),
    }
    match crate::results::replace(b, scope, &findings).await {
        Ok(apis) => JobEnd::Done(format!(
            "{} records from {} segments: {apis} APIs, {} risks, {} events",
            done.load(Ordering::Relaxed),
            segments.len(),
            findings.risks.len(),
            findings.events.len()
        )),
        Err(e) => JobEnd::Failed(format!("cannot store the results: {e}")),
    }
}

async fn run_retention(b: &Backend) -> Result<String> {
    let scopes = crate::ingest::purge_expired(b).await?;
    for s in &scopes {
        enqueue_analysis(b, *s, "raw data past its retention was purged").await?;
    }
    let idle = Duration::from_millis(crate::ingest::ABANDONED_UPLOAD_MS);
    let swept = crate::ingest::sweep_abandoned_uploads(b, idle);
    Ok(format!(
        "{} scopes had expired raw data; {swept} abandoned uploads removed",
        scopes.len()
    ))
}

async fn run_baseline(b: &Backend) -> Result<String> {
    let rows = sqlx::query(
        "SELECT DISTINCT tenant_id, rg_id, region FROM segments WHERE purged_at IS NULL",
    )
    .fetch_all(&b.db.pool)
    .await?;
    for r in &rows {
        let scope = Scope {
            tenant_id: r.try_get(0)?,
            rg_id: r.try_get(1)?,
            region: Region::parse(&r.try_get::<String, _>(2)?),
        };
        enqueue_analysis(b, scope, "daily baseline refresh").await?;
    }
    Ok(format!("{} scopes queued for re-analysis", rows.len()))
}

/// Queues the periodic jobs that are due: retention hourly, the baseline refresh daily.
/// Several servers may call this; the jobs table is the shared memory of when they last ran.
pub async fn schedule_periodic(b: &Backend) -> Result<()> {
    for (kind, every, msg) in [
        (KIND_RETENTION, RETENTION_EVERY_MS, "hourly retention purge"),
        (KIND_BASELINE, BASELINE_EVERY_MS, "daily baseline refresh"),
    ] {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(created_at) FROM jobs WHERE kind = $1")
                .bind(kind)
                .fetch_one(&b.db.pool)
                .await?;
        if last.is_none_or(|t| b.now_ms() - t >= every) {
            enqueue(b, None, kind, msg).await?;
        }
    }
    Ok(())
}

/// Claims and runs jobs until none is queued (CLI `--wait`, tests). Returns how many ran.
pub async fn run_pending(b: &Backend, worker: &str) -> Result<usize> {
    let mut n = 0;
    while let Some(job) = claim(b, worker).await? {
        run(b, job, worker).await;
        n += 1;
    }
    Ok(n)
}

/// A worker: claims and runs jobs forever (the server spawns `APISEC_JOB_WORKERS` of them).
pub async fn worker_loop(b: Backend, worker: String) {
    loop {
        match claim(&b, &worker).await {
            Ok(Some(job)) => {
                run(&b, job, &worker).await;
            }
            Ok(None) => tokio::time::sleep(Duration::from_millis(b.jobs.poll_ms)).await,
            Err(e) => {
                tracing::warn!(%worker, error = %e, "cannot claim a job");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
