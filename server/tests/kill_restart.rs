//! Durability under `kill -9` (issue 11): a log shipper sends a large log in many batches to
//! `POST /ingest/v1/logs` of a real `apisec serve`, which is killed at random (seeded) points:
//! in the middle of a request body, while a complete request is being stored (the answer may
//! or may not get out), right after an acknowledgement, and during the analysis job. The
//! shipper does what a real one does: it retries every batch without a 2xx answer after the
//! restart. Then the stored lines must be exactly the acknowledged ones (each batch once,
//! none lost), every analysis job must end `done`, and the results must equal those of an
//! uninterrupted run over the same batches.
//!
//! Replay a run with `KILL_RESTART_SEED=<seed printed by the test>`.

mod procs;

use procs::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// Batches the traffic is cut into, and the traffic: the first 12,000 lines of a demo day
/// (attacks included), enough for results with every kind of row, small enough to keep the
/// test well under a minute per backend.
const BATCHES: usize = 36;
const DAYS: u32 = 1;
const RECORDS_PER_DAY: u64 = 6_000;
const LINES: usize = 12_000;

/// One batch of the shipper: the bytes it sends and what they hold.
struct Batch {
    body: Vec<u8>,
    gzip: bool,
    lines: i64,
    /// SHA-256 of the decompressed content: the ingester's dedup key.
    content_hash: String,
}

/// Where the server dies around a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KillPoint {
    /// After part of the body was sent: no answer can have been given.
    MidBody,
    /// Shortly after the whole request was sent, while it is being stored: the batch may be
    /// stored with its answer lost, so the retry must be recognised as a duplicate.
    WhileStoring,
    /// Right after the 2xx answer, before the next request.
    AfterAck,
}

fn seed() -> u64 {
    std::env::var("KILL_RESTART_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen())
}

fn batches(rng: &mut StdRng, traffic: &Path) -> Vec<Batch> {
    let text = std::fs::read_to_string(traffic).unwrap();
    let lines: Vec<&str> = text.lines().take(LINES).collect();
    let per = lines.len().div_ceil(BATCHES);
    lines
        .chunks(per)
        .map(|chunk| {
            let content = format!("{}\n", chunk.join("\n")).into_bytes();
            // Shippers compress most batches (Vector's `compression = "gzip"`).
            let gzip = rng.gen_bool(0.7);
            let body = if gzip {
                let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                z.write_all(&content).unwrap();
                z.finish().unwrap()
            } else {
                content.clone()
            };
            Batch {
                body,
                gzip,
                lines: chunk.len() as i64,
                content_hash: hex(&Sha256::digest(&content)),
            }
        })
        .collect()
}

/// Every file under `dir`, recursively.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn headers(token: &str, batch: &Batch) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("Authorization", format!("Bearer {token}")),
        ("Content-Type", "application/x-ndjson".to_string()),
    ];
    if batch.gzip {
        h.push(("Content-Encoding", "gzip".to_string()));
    }
    h
}

/// A running server and the port it listens on.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(data: &Path, url: &str) -> Server {
        let port = free_port();
        let mut child = serve_on(data, url, port);
        wait_healthy(&mut child, port);
        Server { child, port }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Sends a batch and returns the ingester's answer if it was a 2xx (an acknowledgement).
fn send(port: u16, token: &str, batch: &Batch) -> Option<serde_json::Value> {
    let h = headers(token, batch);
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match http(port, "POST", "/ingest/v1/logs", &h, &batch.body) {
        Ok((status, body)) if (200..300).contains(&status) => {
            Some(serde_json::from_str(&body).unwrap())
        }
        Ok((status, body)) => panic!("batch refused: {status} {body}"),
        Err(_) => None,
    }
}

/// Sends a batch and kills the server at `point`; returns the answer if one got out.
fn send_and_kill(
    rng: &mut StdRng,
    server: &mut Server,
    token: &str,
    batch: &Batch,
    point: KillPoint,
) -> Option<serde_json::Value> {
    let h = headers(token, batch);
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let head = request_head(server.port, "POST", "/ingest/v1/logs", &h, batch.body.len());
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(&head).unwrap();
    match point {
        KillPoint::MidBody => {
            let cut = rng.gen_range(1..batch.body.len());
            stream.write_all(&batch.body[..cut]).unwrap();
            stream.flush().unwrap();
            std::thread::sleep(Duration::from_millis(rng.gen_range(5..40)));
            kill(&mut server.child);
            let answer = read_response(&mut stream);
            assert!(
                !matches!(answer, Ok((s, _)) if (200..300).contains(&s)),
                "a partial body was acknowledged: {answer:?}"
            );
            None
        }
        KillPoint::WhileStoring => {
            stream.write_all(&batch.body).unwrap();
            stream.flush().unwrap();
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..30)));
            kill(&mut server.child);
            match read_response(&mut stream) {
                Ok((s, body)) if (200..300).contains(&s) => {
                    Some(serde_json::from_str(&body).unwrap())
                }
                _ => None,
            }
        }
        KillPoint::AfterAck => {
            drop(stream);
            let ack = send(server.port, token, batch);
            assert!(ack.is_some(), "a live server acknowledges a batch");
            kill(&mut server.child);
            ack
        }
    }
}

/// Running analysis jobs claimed by the process `pid` (after its death: the ones it was
/// killed in the middle of).
async fn running_jobs_of(b: &backend::Backend, pid: u32) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status = 'running' AND worker LIKE $1",
    )
    .bind(format!("%:{pid}:%"))
    .fetch_one(&b.db.pool)
    .await
    .unwrap()
}

/// Prepares a database (the demo tenant, a data source with an ingest token).
async fn prepare(
    url: &str,
    data: &Path,
) -> (
    backend::Backend,
    backend::scope::Scope,
    backend::ingest::Source,
    String,
) {
    let b = open(url, data).await;
    backend::seed::bootstrap(&b, Some(ADMIN_PW)).await.unwrap();
    let scope = backend::ingest::resolve_scope(&b, "demo", None, "cn")
        .await
        .unwrap();
    let (src, token) = backend::ingest::create_source(&b, scope, "shipper", "jsonl", None)
        .await
        .unwrap();
    (b, scope, src, token)
}

async fn kill_and_restart_case(kind: &str, seed: u64) {
    eprintln!("kill_restart[{kind}]: seed {seed} (KILL_RESTART_SEED={seed} replays it)");
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed);
    let tmp = tempfile::tempdir().unwrap();
    let traffic = tmp.path().join("traffic.jsonl");
    write_demo(&traffic, DAYS, RECORDS_PER_DAY);
    let batches = batches(&mut rng, &traffic);
    let (data_a, data_b) = (tmp.path().join("a"), tmp.path().join("b"));
    let mut schemas = vec![];
    let (url_a, url_b) = match kind {
        "postgres" => {
            let base = postgres_base().unwrap();
            let (sa, ua) = pg_schema(&base, "kill_a").await;
            let (sb, ub) = pg_schema(&base, "kill_b").await;
            schemas = vec![(base.clone(), sa), (base, sb)];
            (ua, ub)
        }
        _ => (
            format!("sqlite://{}/apisec.db", data_a.display()),
            format!("sqlite://{}/apisec.db", data_b.display()),
        ),
    };
    let (a, scope, _, token) = prepare(&url_a, &data_a).await;

    // Three kills during the upload, one of each kind, at random batches.
    let mut points = [
        KillPoint::MidBody,
        KillPoint::WhileStoring,
        KillPoint::AfterAck,
    ];
    for i in (1..points.len()).rev() {
        points.swap(i, rng.gen_range(0..=i));
    }
    let mut at = BTreeMap::new();
    while at.len() < points.len() {
        let i = rng.gen_range(0..batches.len());
        let next = points[at.len()];
        at.entry(i).or_insert(next);
    }
    eprintln!("kill_restart[{kind}]: kills at batches {at:?}");

    let mut server = Server::start(&data_a, &url_a);
    let mut acks: BTreeMap<usize, serde_json::Value> = BTreeMap::new();
    let mut killed_analyses = 0;
    for (i, batch) in batches.iter().enumerate() {
        if let Some(point) = at.get(&i) {
            if let Some(ack) = send_and_kill(&mut rng, &mut server, &token, batch, *point) {
                acks.insert(i, ack);
            }
            killed_analyses += running_jobs_of(&a, server.pid()).await;
            server = Server::start(&data_a, &url_a);
        }
        // The shipper's retry (or first send): until acknowledged.
        if let std::collections::btree_map::Entry::Vacant(e) = acks.entry(i) {
            e.insert(send(server.port, &token, batch).expect("a live server acknowledges"));
        }
    }

    // A kill while an analysis runs: wait for a job of this process to run, kill it after a
    // random moment; if the job was too quick, queue another analysis and try again.
    let mut hit = false;
    for _ in 0..6 {
        let active = scalar(
            &a,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status IN ('queued', 'running')",
        )
        .await;
        if active == 0 {
            backend::jobs::enqueue_analysis(&a, scope, "test: analyse again")
                .await
                .unwrap();
        }
        let end = Instant::now() + Duration::from_secs(60);
        while running_jobs_of(&a, server.pid()).await == 0 {
            assert!(Instant::now() < end, "no analysis started");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..250))).await;
        kill(&mut server.child);
        hit = running_jobs_of(&a, server.pid()).await > 0;
        server = Server::start(&data_a, &url_a);
        if hit {
            break;
        }
    }
    assert!(hit, "no kill landed during an analysis");
    killed_analyses += 1;

    wait_all_done(&a, Duration::from_secs(300)).await;
    kill(&mut server.child);

    // Every acknowledgement says the batch is stored with all its lines.
    assert_eq!(acks.len(), batches.len());
    for (i, ack) in &acks {
        assert_eq!(ack["accepted"], batches[*i].lines, "batch {i}: {ack}");
        assert_eq!(ack["rejected"], 0, "batch {i}: {ack}");
    }
    // Stored: each acknowledged batch exactly once, byte for byte, and nothing else.
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT content_hash, path, accepted, lines FROM segments WHERE purged_at IS NULL ORDER BY id",
    )
    .fetch_all(&a.db.pool)
    .await
    .unwrap();
    let stored: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let expected: Vec<&str> = batches.iter().map(|b| b.content_hash.as_str()).collect();
    assert_eq!(
        stored, expected,
        "the stored segments are the batches, each once, in order"
    );
    for (hash, path, accepted, lines) in &rows {
        assert_eq!(accepted, lines);
        let raw = std::fs::read(path).unwrap();
        let content = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut out = vec![];
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&raw[..]), &mut out)
                .unwrap();
            out
        } else {
            raw
        };
        assert_eq!(&hex(&Sha256::digest(&content)), hash, "{path} intact");
    }
    let stored_lines: i64 = rows.iter().map(|r| r.2).sum();
    let sent_lines: i64 = batches.iter().map(|b| b.lines).sum();
    assert_eq!(
        stored_lines, sent_lines,
        "accepted lines = acknowledged lines"
    );

    // Every analysis job ended done (killed ones ran again), none failed.
    let not_done = scalar(
        &a,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status <> 'done'",
    )
    .await;
    assert_eq!(not_done, 0, "every analysis job completed");
    let reruns = scalar(
        &a,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND attempts > 1",
    )
    .await;
    assert!(
        reruns >= 1,
        "the job killed during its run was run again ({reruns})"
    );

    // Bodies cut off by a kill leave temporary files, never segments; the hourly retention
    // job removes those idle for an hour (here: any age, the server is stopped), and only
    // those: a fresh one may be an upload in progress.
    let incoming = |dir: &Path| -> usize {
        walk(&dir.join("segments"))
            .iter()
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".incoming-")
            })
            .count()
    };
    let left = incoming(&data_a);
    let fresh = data_a
        .join("segments")
        .join(scope.tenant_id.to_string())
        .join(".incoming-test");
    std::fs::write(&fresh, b"{}").unwrap();
    let idle = Duration::from_millis(backend::ingest::ABANDONED_UPLOAD_MS);
    assert_eq!(backend::ingest::sweep_abandoned_uploads(&a, idle), 0);
    assert_eq!(
        backend::ingest::sweep_abandoned_uploads(&a, Duration::ZERO),
        left + 1
    );
    assert_eq!(incoming(&data_a), 0);

    // The same batches, stored and analysed without interruption.
    let (b, _, src, _) = prepare(&url_b, &data_b).await;
    copy_hash_key(&a, &b, "demo").await;
    for (i, batch) in batches.iter().enumerate() {
        let file = tmp.path().join(format!("batch-{i}.ndjson"));
        std::fs::write(&file, &batch.body).unwrap();
        let out = backend::ingest::store_file(&b, &src, &file, backend::ingest::Origin::Ingest)
            .await
            .unwrap();
        assert!(!out.duplicate);
    }
    backend::jobs::run_pending(&b, "test:0:0").await.unwrap();
    let (da, na) = digest(&a).await;
    let (db, nb) = digest(&b).await;
    let (ta, tb) = (totals(&a).await, totals(&b).await);
    eprintln!(
        "kill_restart[{kind}]: {} batches, {sent_lines} lines, {killed_analyses} analyses \
         killed, {reruns} jobs rerun, {left} cut-off bodies swept; results [apis, calls, risks, events] = {ta:?}; {:.1} s",
        batches.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(ta[0] > 0 && ta[1] > 0, "results exist: {ta:?}");
    assert_eq!(ta, tb, "totals equal an uninterrupted run's");
    assert_eq!(na, nb);
    assert_eq!(da, db, "results equal an uninterrupted run's, row for row");

    a.db.pool.close().await;
    b.db.pool.close().await;
    for (base, schema) in schemas {
        drop_pg_schema(&base, &schema).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_uploads_and_analysis_loses_and_doubles_nothing() {
    let seed = seed();
    kill_and_restart_case("sqlite", seed).await;
    // One backend after the other: the machine running the suite may be small.
    if postgres_base().is_some() {
        kill_and_restart_case("postgres", seed).await;
    } else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, PostgreSQL variant skipped");
    }
}
