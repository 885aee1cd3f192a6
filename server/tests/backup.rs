//! Backup and restore (issue 11, docs/operations.md): `apisec backup` of a running SQLite
//! console restored into a fresh data directory with `apisec restore`, and the documented
//! `pg_dump` / `pg_restore` route on PostgreSQL. Both compare results and logins.

mod procs;

use procs::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const USER: &str = "alice";
const USER_PW: &str = "alice-password-1";

async fn can_log_in(b: &backend::Backend, user: &str, password: &str) -> bool {
    backend::accounts::authenticate(b, user, password, "127.0.0.1")
        .await
        .is_ok()
}

/// `cp -a FROM/segments TO/` as in docs/operations.md.
fn copy_segments(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from.join("segments"))
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cp -a segments");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_of_a_running_console_restores_into_a_fresh_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let traffic = tmp.path().join("traffic.jsonl");
    write_demo(&traffic, 2, 3_000);
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    let url_old = format!("sqlite://{}/apisec.db", old.display());
    let url_new = format!("sqlite://{}/apisec.db", new.display());
    let snapshot = tmp.path().join("apisec-backup.db");

    run_ok(
        &old,
        &url_old,
        &["import", "--tenant", "demo", traffic.to_str().unwrap()],
    );
    run_ok(
        &old,
        &url_old,
        &[
            "user",
            "add",
            "--tenant",
            "demo",
            "--username",
            USER,
            "--password",
            USER_PW,
            "--role",
            "analyst",
        ],
    );
    let a = open(&url_old, &old).await;
    let mut server = serve(&old, &url_old);
    wait_all_done(&a, Duration::from_secs(120)).await;

    // Online: the server keeps running (and writing: a new analysis is queued) meanwhile.
    let scope = backend::ingest::resolve_scope(&a, "demo", None, "cn")
        .await
        .unwrap();
    backend::jobs::enqueue_analysis(&a, scope, "test: busy during the backup")
        .await
        .unwrap();
    let out = run_ok(
        &old,
        &url_old,
        &["backup", "--out", snapshot.to_str().unwrap()],
    );
    assert!(out.contains("snapshot written"), "{out}");
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server kept running"
    );
    wait_all_done(&a, Duration::from_secs(120)).await;
    kill(&mut server);
    // A second backup to the same file is refused rather than overwriting it.
    let again = command(
        &old,
        &url_old,
        &["backup", "--out", snapshot.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert_eq!(again.status.code(), Some(1));

    // Restore: without the segment files the command says what is missing.
    let missing = command(&new, &url_new, &["restore", snapshot.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1), "segment files missing");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing segment file"));
    copy_segments(&old, &new);
    // The database exists now: replacing it needs --force.
    let refused = command(&new, &url_new, &["restore", snapshot.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let out = run_ok(
        &new,
        &url_new,
        &["restore", "--force", snapshot.to_str().unwrap()],
    );
    assert!(out.contains("segment paths now point"), "{out}");

    let b = open(&url_new, &new).await;
    let (da, na) = digest(&a).await;
    let (db, nb) = digest(&b).await;
    assert!(na > 50, "results exist ({na} rows)");
    assert_eq!((da.as_str(), na), (db.as_str(), nb), "restored results");
    assert_eq!(totals(&a).await, totals(&b).await);
    for (user, pw) in [(USER, USER_PW), ("admin", ADMIN_PW)] {
        assert!(
            can_log_in(&b, user, pw).await,
            "{user} logs in after restore"
        );
    }
    assert!(!can_log_in(&b, USER, "wrong-password").await);
    let paths: Vec<String> = sqlx::query_scalar("SELECT path FROM segments")
        .fetch_all(&b.db.pool)
        .await
        .unwrap();
    assert!(!paths.is_empty());
    for p in &paths {
        assert!(p.starts_with(new.to_str().unwrap()), "{p} in the new dir");
    }

    // The restored console serves and re-analyses its segments to the same results.
    let port = free_port();
    let mut server = serve_on(&new, &url_new, port);
    wait_healthy(&mut server, port);
    let done_before = scalar(&b, "SELECT COUNT(*) FROM jobs WHERE status = 'done'").await;
    backend::jobs::enqueue_analysis(&b, scope, "test: after restore")
        .await
        .unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done = scalar(&b, "SELECT COUNT(*) FROM jobs WHERE status = 'done'").await;
        let active = scalar(
            &b,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'analysis' AND status IN ('queued', 'running')",
        )
        .await;
        if done > done_before && active == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "re-analysis did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kill(&mut server);
    assert_eq!(
        scalar(&b, "SELECT COUNT(*) FROM jobs WHERE status = 'failed'").await,
        0
    );
    assert_eq!(digest(&b).await, (da, na), "re-analysed after restore");
}

/// `pg_dump -Fc` of a schema, the schema moved aside, `pg_restore` recreates it: the
/// restored schema equals the original in results and logins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pg_dump_and_pg_restore_round_trip() {
    let Some(base) = postgres_base() else {
        eprintln!("note: APISEC_TEST_POSTGRES_URL not set, pg_dump test skipped");
        return;
    };
    if Command::new("pg_dump").arg("--version").output().is_err() {
        eprintln!("note: pg_dump not installed (Debian postgresql-client), test skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let traffic = tmp.path().join("traffic.jsonl");
    write_demo(&traffic, 1, 3_000);
    let (schema, url) = pg_schema(&base, "backup").await;
    let b = open(&url, &data).await;
    backend::seed::bootstrap(&b, Some(ADMIN_PW)).await.unwrap();
    backend::seed::add_user(&b, "demo", USER, USER_PW, backend::tenancy::Role::Analyst)
        .await
        .unwrap();
    let scope = backend::ingest::resolve_scope(&b, "demo", None, "cn")
        .await
        .unwrap();
    let src = backend::ingest::ensure_source(&b, scope, "cli", "jsonl")
        .await
        .unwrap();
    backend::ingest::store_file(&b, &src, &traffic, backend::ingest::Origin::Cli)
        .await
        .unwrap();
    backend::jobs::run_pending(&b, "test:0:0").await.unwrap();
    let before = digest(&b).await;
    assert!(before.1 > 50);
    b.db.pool.close().await;

    let dump = tmp.path().join("apisec.dump");
    let ok = Command::new("pg_dump")
        .args([
            "--format=custom",
            "--no-owner",
            "--schema",
            &schema,
            "--file",
        ])
        .arg(&dump)
        .arg(&base)
        .status()
        .unwrap()
        .success();
    assert!(ok, "pg_dump");
    let moved = format!("{schema}_orig");
    let admin = backend::Db::connect(&base).await.unwrap();
    sqlx::query(&format!("ALTER SCHEMA {schema} RENAME TO {moved}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    let ok = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&base)
        .arg(&dump)
        .status()
        .unwrap()
        .success();
    assert!(ok, "pg_restore");
    // `apisec restore` without a file re-attaches the segment files (same data dir here).
    let out = run_ok(&data, &url, &["restore"]);
    assert!(out.contains("0 segment paths"), "{out}");

    let restored = open(&url, &data).await;
    let original = open(&pg_url(&base, &moved), &data).await;
    assert_eq!(digest(&restored).await, before, "restored results");
    assert_eq!(digest(&original).await, before);
    for (user, pw) in [(USER, USER_PW), ("admin", ADMIN_PW)] {
        assert!(can_log_in(&restored, user, pw).await, "{user} logs in");
    }
    // Identity columns go on after the restored ids: new rows insert without conflict.
    backend::jobs::enqueue_analysis(&restored, scope, "test: after pg_restore")
        .await
        .unwrap();
    backend::jobs::run_pending(&restored, "test:0:0")
        .await
        .unwrap();
    assert_eq!(digest(&restored).await, before, "re-analysed after restore");
    restored.db.pool.close().await;
    original.db.pool.close().await;
    drop_pg_schema(&base, &schema).await;
    drop_pg_schema(&base, &moved).await;
    admin.pool.close().await;
}
