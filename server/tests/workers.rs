//! Horizontal scale on PostgreSQL (issue 10): the same traffic, ingested over HTTP in three
//! batches per scope while analyses run, gives exactly the same results with one `apisec
//! serve` process as with a web process and two worker processes (`APISEC_ROLE`). Also checks
//! the split itself: only the workers run jobs, both do, and a scope never has two analyses
//! running at once. PostgreSQL only: skipped without `APISEC_TEST_POSTGRES_URL` (fails with
//! `CI=true`).

use backend::clock::OffsetClock;
use backend::scope::Scope;
use backend::tenancy::Region;
use backend::Backend;
use sqlx::{Column, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_apisec");
const TENANTS: [&str; 2] = ["Acme", "Globex"];
/// Each scope's traffic arrives in this many batches (segments).
const BATCHES: usize = 3;

fn postgres_url() -> Option<String> {
    let url = std::env::var("APISEC_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty());
    if url.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but APISEC_TEST_POSTGRES_URL is not set: the workers test cannot be skipped in CI");
    }
    url
}

fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// A minimal HTTP/1.1 exchange (no client crate among the test dependencies); returns the
/// status code and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// One deployment under test: a schema of its own, a shared data directory, its processes.
struct Setup {
    schema: String,
    data: PathBuf,
    b: Backend,
    /// (scope, ingest token) per data source.
    sources: Vec<(Scope, String)>,
    /// The process that receives the uploads.
    web: String,
    procs: Vec<(&'static str, Child)>,
}

impl Setup {
    async fn new(base: &str, admin: &backend::Db, tmp: &Path, name: &str) -> Setup {
        let schema = format!(
            "workers_{name}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        );
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin.pool)
            .await
            .unwrap();
        let data = tmp.join(name);
        std::fs::create_dir_all(&data).unwrap();
        let url = Self::url(base, &schema);
        let b = Backend::open(&url, OffsetClock::new())
            .await
            .unwrap()
            .with_data_dir(&data);
        backend::seed::bootstrap(&b, Some("admin-password-1"))
            .await
            .unwrap();
        let mut sources = vec![];
        for t in TENANTS {
            let tenant = backend::tenancy::ensure_tenant(&b, t, backend::editions::Edition::Pro)
                .await
                .unwrap();
            let rg = backend::tenancy::resource_groups(&b, tenant).await.unwrap()[0].id;
            for region in [Region::Cn, Region::Intl] {
                let scope = Scope {
                    tenant_id: tenant,
                    rg_id: rg,
                    region,
                };
                let (_, token) =
                    backend::ingest::create_source(&b, scope, "gateway", "jsonl", None)
                        .await
                        .unwrap();
                sources.push((scope, token));
            }
        }
        Setup {
            schema,
            data,
            b,
            sources,
            web: String::new(),
            procs: vec![],
        }
    }

    fn url(base: &str, schema: &str) -> String {
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}options=-csearch_path%3D{schema}")
    }

    /// Starts `apisec serve` with `role`; returns its address once `/healthz` answers.
    fn start(&mut self, base: &str, role: &'static str) -> String {
        let addr = free_addr();
        let child = Command::new(BIN)
            .arg("serve")
            .env("APISEC_ROLE", role)
            .env("APISEC_ADDR", &addr)
            .env("APISEC_DATA_DIR", &self.data)
            .env("DATABASE_URL", Self::url(base, &self.schema))
            .env("APISEC_DEMO_RECORDS_PER_DAY", "0")
            .env("APISEC_JOB_WORKERS", "1")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start apisec serve");
        self.procs.push((role, child));
        let end = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(&addr).is_err()
            || http(&addr, "GET", "/healthz", &[], b"").0 != 200
        {
            assert!(
                Instant::now() < end,
                "{role} process did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        if role != "worker" {
            self.web = addr.clone();
        }
        addr
    }

    /// Batch `n` of every source's traffic, through the token endpoint of the web process.
    fn ingest(&self, batch: usize, traffic: &BTreeMap<i64, Vec<Vec<u8>>>) {
        for (scope, token) in &self.sources {
            let body = &traffic[&scope.tenant_id][batch];
            let (status, answer) = http(
                &self.web,
                "POST",
                "/ingest/v1/logs",
                &[
                    ("Authorization", &format!("Bearer {token}")),
                    ("Content-Type", "application/x-ndjson"),
                ],
                body,
            );
            assert_eq!(status, 201, "batch {batch} of {scope:?}: {answer}");
        }
    }

    async fn wait_idle(&self) {
        let end = Instant::now() + Duration::from_secs(900);
        loop {
            let active: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')",
            )
            .fetch_one(&self.b.db.pool)
            .await
            .unwrap();
            if active == 0 {
                return;
            }
            assert!(Instant::now() < end, "jobs did not finish in time");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every analysis job: (scope, worker process id, started, finished, status, message).
    async fn jobs(&self) -> Vec<JobRow> {
        let rows = sqlx::query(
            "SELECT tenant_id, rg_id, region, worker, started_at, finished_at, status, message
             FROM jobs WHERE kind = 'analysis' ORDER BY id",
        )
        .fetch_all(&self.b.db.pool)
        .await
        .unwrap();
        rows.iter()
            .map(|r| {
                let worker: String = r.get(3);
                // hostname:pid:n
                let pid = worker.rsplit(':').nth(1).unwrap().parse().unwrap();
                (
                    (r.get(0), r.get(1), r.get(2)),
                    pid,
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                )
            })
            .collect()
    }

    fn stop(&mut self) {
        for (_, c) in &mut self.procs {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The result tables as sorted text rows, leaving out row ids and processing times (`*_at`).
async fn canonical_results(b: &Backend) -> BTreeMap<&'static str, Vec<String>> {
    let mut out = BTreeMap::new();
    for table in backend::results::RESULT_TABLES
        .iter()
        .chain(&["value_index"])
    {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&b.db.pool)
            .await
            .unwrap();
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                let mut line = String::new();
                for (i, col) in r.columns().iter().enumerate() {
                    let name = col.name();
                    if name == "id" || name.ends_with("_at") {
                        continue;
                    }
                    let v = r
                        .try_get::<Option<String>, _>(i)
                        .map(|v| format!("{v:?}"))
                        .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                        .or_else(|_| r.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
                        .or_else(|_| r.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}")))
                        .unwrap_or_else(|e| panic!("{table}.{name}: {e}"));
                    line.push_str(&format!("{name}={v}\x1f"));
                }
                line
            })
            .collect();
        lines.sort();
        out.insert(*table, lines);
    }
    out
}

/// Demo traffic of one day per tenant (its own seed), cut into [`BATCHES`] line-aligned
/// parts in time order.
fn traffic(tmp: &Path, seed: u64) -> Vec<Vec<u8>> {
    let path = tmp.join(format!("traffic-{seed}.jsonl"));
    let g = engine::demo::Generator::new(engine::demo::GeneratorConfig {
        seed,
        days: 1,
        records_per_day: 2_400,
        ..Default::default()
    });
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    g.write_to(&mut f).unwrap();
    f.flush().unwrap();
    drop(f);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let per = lines.len().div_ceil(BATCHES);
    lines
        .chunks(per)
        .map(|c| (c.join("\n") + "\n").into_bytes())
        .collect()
}

/// One analysis job: (scope, worker process id, started, finished, status, message).
type JobRow = ((i64, i64, String), u32, i64, i64, String, String);

/// Asserts that no two analyses of one scope ran at the same time.
fn assert_one_job_per_scope_at_a_time(label: &str, jobs: &[JobRow]) {
    for (i, a) in jobs.iter().enumerate() {
        for b in &jobs[i + 1..] {
            if a.0 == b.0 {
                assert!(
                    a.3 <= b.2 || b.3 <= a.2,
                    "{label}: two analyses of {:?} overlapped: {a:?} and {b:?}",
                    a.0
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_postgres_give_the_results_of_one_process() {
    let Some(base) = postgres_url() else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, workers test skipped");
        return;
    };
    let admin = backend::Db::connect(&base).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();

    let mut single = Setup::new(&base, &admin, tmp.path(), "single").await;
    let mut split = Setup::new(&base, &admin, tmp.path(), "split").await;
    // Tenants got the same ids in both schemas; give them the same hashing key too (it is
    // random per database and feeds the masked samples).
    let mut traffic_of = BTreeMap::new();
    for (i, (scope, _)) in single.sources.iter().enumerate() {
        let key = backend::tenant_settings::get(&single.b, scope.tenant_id)
            .await
            .unwrap()
            .hash_key;
        backend::tenant_settings::get(&split.b, scope.tenant_id)
            .await
            .unwrap();
        sqlx::query("UPDATE tenant_settings SET hash_key = $1 WHERE tenant_id = $2")
            .bind(&key)
            .bind(scope.tenant_id)
            .execute(&split.b.db.pool)
            .await
            .unwrap();
        traffic_of
            .entry(scope.tenant_id)
            .or_insert_with(|| traffic(tmp.path(), 42 + i as u64));
    }
    assert_eq!(
        single.sources.iter().map(|s| s.0).collect::<Vec<_>>(),
        split.sources.iter().map(|s| s.0).collect::<Vec<_>>()
    );

    single.start(&base, "all");
    split.start(&base, "web");
    split.start(&base, "worker");
    split.start(&base, "worker");

    // Batches arrive while the previous ones are being analysed, so a scope gets a new job
    // while its last one still runs.
    for batch in 0..BATCHES {
        single.ingest(batch, &traffic_of);
        split.ingest(batch, &traffic_of);
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    single.wait_idle().await;
    split.wait_idle().await;

    for (label, setup) in [("single", &single), ("split", &split)] {
        let jobs = setup.jobs().await;
        assert!(jobs.len() >= 4, "{label}: at least one analysis per scope");
        for j in &jobs {
            assert_eq!(j.4, "done", "{label}: job {j:?}");
        }
        assert_one_job_per_scope_at_a_time(label, &jobs);
    }
    let pid = |role: &str, nth: usize| {
        split
            .procs
            .iter()
            .filter(|(r, _)| *r == role)
            .nth(nth)
            .unwrap()
            .1
            .id()
    };
    let ran: BTreeSet<u32> = split.jobs().await.iter().map(|j| j.1).collect();
    assert!(!ran.contains(&pid("web", 0)), "the web process ran no job");
    assert_eq!(
        ran,
        BTreeSet::from([pid("worker", 0), pid("worker", 1)]),
        "both workers ran jobs"
    );

    let (one, two) = (
        canonical_results(&single.b).await,
        canonical_results(&split.b).await,
    );
    for (table, rows) in &one {
        let other = &two[table];
        if rows != other {
            let only_one: Vec<_> = rows.iter().filter(|r| !other.contains(r)).take(3).collect();
            let only_two: Vec<_> = other.iter().filter(|r| !rows.contains(r)).take(3).collect();
            panic!(
                "{table}: {} rows with one process, {} with two workers\nonly one process: {only_one:#?}\nonly two workers: {only_two:#?}",
                rows.len(),
                other.len()
            );
        }
    }
    assert!(
        one["apis"].len() > 20,
        "results exist: {} APIs",
        one["apis"].len()
    );
    assert!(!one["risks"].is_empty() && !one["daily_stats"].is_empty());
    assert!(!one["api_sensitive"].is_empty());

    single.stop();
    split.stop();
    for s in [&single, &split] {
        s.b.db.pool.close().await;
        let _ = sqlx::query(&format!("DROP SCHEMA {} CASCADE", s.schema))
            .execute(&admin.pool)
            .await;
    }
}
