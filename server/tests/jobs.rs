//! Jobs with real `apisec` processes: (i) `kill -9` in the middle of an analysis leaves
//! nothing half-applied and, after a restart, gives exactly the results of an uninterrupted
//! run; (ii) two server processes on one PostgreSQL split queued jobs, each done once.

mod procs;

use procs::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_job_then_restart_equals_an_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let traffic = tmp.path().join("traffic.jsonl");
    write_demo(&traffic, 3, 20_000);
    let (dir_a, dir_b) = (tmp.path().join("a"), tmp.path().join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    let url_a = format!("sqlite://{}/apisec.db", dir_a.display());
    let url_b = format!("sqlite://{}/apisec.db", dir_b.display());

    // Both databases: the same traffic imported (queues one analysis job each), and the same
    // tenant hashing key (it is random per database).
    for (dir, url) in [(&dir_a, &url_a), (&dir_b, &url_b)] {
        let out = command(
            dir,
            url,
            &["import", "--tenant", "demo", traffic.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(" accepted, 0 rejected"), "{stdout}");
        assert!(stdout.contains("analysis queued"), "{stdout}");
    }
    let a = open(&url_a, &dir_a).await;
    let b = open(&url_b, &dir_b).await;
    copy_hash_key(&a, &b, "demo").await;

    // A: start the server, kill -9 it while the analysis job runs.
    let mut server = serve(&dir_a, &url_a);
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let running = scalar(
            &a,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status = 'running'",
        )
        .await;
        if running > 0 {
            break;
        }
        assert!(
            scalar(&a, "SELECT COUNT(*) FROM jobs WHERE status = 'done'").await == 0,
            "the job finished before it could be killed"
        );
        assert!(Instant::now() < end, "the job never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    assert_eq!(
        scalar(&a, "SELECT COUNT(*) FROM jobs WHERE status = 'running'").await,
        1,
        "the killed job stays 'running' until its heartbeat goes stale"
    );
    assert_eq!(
        scalar(&a, "SELECT COUNT(*) FROM apis").await,
        0,
        "nothing half-applied"
    );

    // Restart: the stale job is requeued, run again and finishes.
    let mut server = serve(&dir_a, &url_a);
    wait_all_done(&a, Duration::from_secs(600)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let attempts: i64 = scalar(&a, "SELECT MAX(attempts) FROM jobs WHERE kind = 'analysis'").await;
    assert_eq!(attempts, 2, "the job ran twice: killed, then again");

    // B: the same analysis, uninterrupted, in this process.
    backend::jobs::run_pending(&b, "test:0:0").await.unwrap();
    wait_all_done(&b, Duration::from_secs(5)).await;

    let (da, na) = digest(&a).await;
    let (db, nb) = digest(&b).await;
    assert!(na > 100, "results exist ({na} rows)");
    assert_eq!(na, nb);
    assert_eq!(
        da, db,
        "killed-and-restarted results equal the uninterrupted ones"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_postgres_share_the_jobs() {
    let Some(base) = postgres_base() else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, two-process test skipped");
        return;
    };
    let (schema, url) = pg_schema(&base, "jobs").await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();

    // Prepared here (migrations, tenants, segments) so the servers start on a ready database.
    let b = open(&url, &data).await;
    backend::seed::bootstrap(&b, Some(ADMIN_PW)).await.unwrap();
    let traffic = tmp.path().join("traffic.jsonl");
    write_demo(&traffic, 1, 4_000);
    let mut scopes = vec![];
    for t in ["T1", "T2", "T3", "T4"] {
        let tenant = backend::tenancy::ensure_tenant(&b, t, backend::editions::Edition::Pro)
            .await
            .unwrap();
        let rg = backend::tenancy::resource_groups(&b, tenant).await.unwrap()[0].id;
        for region in [backend::tenancy::Region::Cn, backend::tenancy::Region::Intl] {
            let scope = backend::scope::Scope {
                tenant_id: tenant,
                rg_id: rg,
                region,
            };
            let src = backend::ingest::ensure_source(&b, scope, "s", "jsonl")
                .await
                .unwrap();
            backend::ingest::store_file(&b, &src, &traffic, backend::ingest::Origin::Cli)
                .await
                .unwrap();
            scopes.push(scope);
        }
    }
    // Hold the queued jobs until both servers are up, then release them at once.
    sqlx::query("DELETE FROM jobs")
        .execute(&b.db.pool)
        .await
        .unwrap();
    let mut one = serve(&data, &url);
    let mut two = serve(&data, &url);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut ids = vec![];
    for s in &scopes {
        ids.push(
            backend::jobs::enqueue_analysis(&b, *s, "test")
                .await
                .unwrap(),
        );
    }
    assert_eq!(ids.len(), 8);
    let end = Instant::now() + Duration::from_secs(600);
    while scalar(
        &b,
        "SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')",
    )
    .await
        > 0
    {
        assert!(Instant::now() < end, "jobs did not finish in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    one.kill().unwrap();
    two.kill().unwrap();
    let _ = (one.wait(), two.wait());

    let mut workers = std::collections::BTreeSet::new();
    for id in &ids {
        let j = backend::jobs::get(&b, *id).await.unwrap().unwrap();
        assert_eq!(j.status, "done", "job {id}: {}", j.message);
        assert_eq!(j.attempts, 1, "job {id} was claimed once");
        // hostname:pid:n → the process
        let w = j.worker.unwrap();
        workers.insert(w.rsplit_once(':').unwrap().0.to_string());
    }
    assert_eq!(workers.len(), 2, "both processes did work: {workers:?}");
    for s in &scopes {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM apis WHERE tenant_id = $1 AND region = $2")
                .bind(s.tenant_id)
                .bind(s.region_str())
                .fetch_one(&b.db.pool)
                .await
                .unwrap();
        assert!(n > 0);
    }
    b.db.pool.close().await;
    drop_pg_schema(&base, &schema).await;
}
