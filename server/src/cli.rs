//! Command line: `apisec serve | analyze | demo-traffic | import | backup | restore | user add`
//! (and the hidden `load-test-seed`).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "apisec", version, about = "Self-hosted API security console")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web console (configured through environment variables, see README).
    Serve,
    /// Analyse log files without a database and write one JSON report.
    Analyze(AnalyzeArgs),
    /// Generate synthetic demo traffic (flags are the engine's: `apisec demo-traffic --help`).
    #[command(disable_help_flag = true)]
    DemoTraffic {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<std::ffi::OsString>,
    },
    /// Store log files as segments of a data source (like a console upload) and queue their
    /// analysis; `--wait` runs it here and prints the summary.
    Import(ImportArgs),
    /// Write an online snapshot of the SQLite database (PostgreSQL: pg_dump).
    Backup(crate::backup::BackupArgs),
    /// Install a snapshot as this data directory's database and re-attach the segment files.
    Restore(crate::backup::RestoreArgs),
    /// Manage local user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill an empty database (`DATABASE_URL`) with a year of synthetic results for 10,000
    /// APIs in the Demo tenant, for `scripts/load-test.sh`. Needs `APISEC_ADMIN_PASSWORD`.
    #[command(hide = true)]
    LoadTestSeed,
}

/// Flags of `apisec analyze`; the engine parses the same arguments (`engine::analyze::run_cli`).
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input format; `auto` detects it per file.
    #[arg(long, default_value = "auto", value_parser = ["auto", "jsonl", "har", "nginx", "waf"])]
    pub format: String,
    /// Region whose compliance rules apply.
    #[arg(long, value_parser = ["cn", "intl"])]
    pub region: Option<String>,
    /// Write the report here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Log files to analyse.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Flags of `apisec import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Tenant (its slug, e.g. `demo`).
    #[arg(long)]
    pub tenant: String,
    /// Resource group by name (default: the tenant's first).
    #[arg(long)]
    pub rg: Option<String>,
    #[arg(long, default_value = "cn", value_parser = ["cn", "intl"])]
    pub region: String,
    /// Data source by name; created (without an ingest token) if missing.
    #[arg(long, default_value = "cli")]
    pub source: String,
    /// Format of a newly created source; `auto` detects it per file.
    #[arg(long, default_value = "auto", value_parser = ["auto", "jsonl", "har", "nginx", "waf"])]
    pub format: String,
    /// Run the queued analysis in this process and print its summary.
    #[arg(long)]
    pub wait: bool,
    /// Log files (plain or .gz).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `apisec import`: returns the exit code (0: every file stored or already stored; 1: a
/// file could not be stored; 2: bad arguments or configuration).
pub async fn run_import(cfg: &crate::config::Config, args: ImportArgs) -> i32 {
    use backend::ingest;
    let b = match crate::open_backend(cfg, false).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("apisec: {e}");
            return 2;
        }
    };
    let scope =
        match ingest::resolve_scope(&b, &args.tenant, args.rg.as_deref(), &args.region).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("apisec import: {e}");
                return 2;
            }
        };
    let src = match ingest::ensure_source(&b, scope, &args.source, &args.format).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("apisec import: {e}");
            return 2;
        }
    };
    let mut code = 0;
    let mut jobs = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        match ingest::store_file(&b, &src, file, ingest::Origin::Cli).await {
            Ok(out) => {
                for line in ingest::describe_rejections(&name, &out) {
                    println!("{line}");
                }
                if out.rejected > out.errors.len() as i64 {
                    println!(
                        "{name}: ... and {} more rejected lines (the first {} are kept)",
                        out.rejected - out.errors.len() as i64,
                        out.errors.len()
                    );
                }
                if out.duplicate {
                    println!(
                        "{name}: duplicate, already stored as segment {}",
                        out.segment_id
                    );
                } else {
                    println!(
                        "{name}: segment {}: {} lines, {} accepted, {} rejected",
                        out.segment_id, out.lines, out.accepted, out.rejected
                    );
                }
                jobs.extend(out.job_id);
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                code = 1;
            }
        }
    }
    jobs.sort_unstable();
    jobs.dedup();
    if jobs.is_empty() {
        println!("no new data: no analysis queued");
        return code;
    }
    if !args.wait {
        println!("analysis queued (job {})", join_ids(&jobs));
        return code;
    }
    let worker = backend::jobs::worker_id(0);
    loop {
        let mut pending = false;
        for id in &jobs {
            match backend::jobs::get(&b, *id).await {
                Ok(Some(j)) if j.is_active() => pending = true,
                Ok(_) => {}
                Err(e) => {
                    eprintln!("apisec import: {e}");
                    return 1;
                }
            }
        }
        if !pending {
            break;
        }
        match backend::jobs::claim(&b, &worker).await {
            Ok(Some(job)) => {
                backend::jobs::run(&b, job, &worker).await;
            }
            // Another process runs it: wait for it.
            Ok(None) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            Err(e) => {
                eprintln!("apisec import: {e}");
                return 1;
            }
        }
    }
    for id in &jobs {
        if let Ok(Some(j)) = backend::jobs::get(&b, *id).await {
            println!("job {}: {}: {}", j.id, j.status, j.message);
            if j.status != "done" {
                code = 1;
            }
        }
    }
    code
}

/// `apisec load-test-seed`: returns the exit code.
pub async fn run_load_test_seed(cfg: &crate::config::Config) -> i32 {
    let Some(password) = cfg.admin_password.as_deref() else {
        eprintln!("apisec load-test-seed: set APISEC_ADMIN_PASSWORD (the load test signs in)");
        return 2;
    };
    let started = std::time::Instant::now();
    let seeded = async {
        let b = crate::open_backend(cfg, false).await?;
        backend::loadtest::seed_console(&b, password).await
    };
    match seeded.await {
        Ok(scope) => {
            println!(
                "seeded tenant demo (rg {}, region cn): {} APIs, {} risks, {} events, {} days x {} hosts of daily stats in {:.1} s",
                scope.rg_id,
                backend::loadtest::APIS,
                backend::loadtest::RISKS,
                backend::loadtest::EVENTS,
                backend::loadtest::DAYS,
                backend::loadtest::HOSTS,
                started.elapsed().as_secs_f64()
            );
            0
        }
        Err(e) => {
            eprintln!("apisec load-test-seed: {e}");
            1
        }
    }
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (or reset its password) with a role in a tenant; creates the tenant if needed.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        /// Password (at least 8 characters). Prefer the APISEC_USER_PASSWORD variable.
        #[arg(long, env = "APISEC_USER_PASSWORD")]
        password: String,
        #[arg(long, default_value = "viewer", value_parser = ["admin", "analyst", "viewer"])]
        role: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyze_flags_parse() {
        let cli = Cli::try_parse_from([
            "apisec", "analyze", "--format", "har", "--region", "intl", "--out", "r.json", "a.har",
        ])
        .unwrap();
        match cli.command {
            Command::Analyze(a) => {
                assert_eq!(a.format, "har");
                assert_eq!(a.region.as_deref(), Some("intl"));
                assert_eq!(a.files.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["apisec", "analyze", "--format", "xml", "a"]).is_err());
        assert!(Cli::try_parse_from(["apisec", "analyze"]).is_err());
        let cli =
            Cli::try_parse_from(["apisec", "demo-traffic", "--seed", "7", "--out", "x"]).unwrap();
        assert!(matches!(cli.command, Command::DemoTraffic { args } if args.len() == 4));
        let cli = Cli::try_parse_from([
            "apisec", "import", "--tenant", "demo", "--region", "intl", "--wait", "a.log", "b.gz",
        ])
        .unwrap();
        match cli.command {
            Command::Import(a) => {
                assert_eq!((a.tenant.as_str(), a.region.as_str()), ("demo", "intl"));
                assert_eq!((a.source.as_str(), a.format.as_str()), ("cli", "auto"));
                assert!(a.wait && a.rg.is_none());
                assert_eq!(a.files.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["apisec", "import", "a.log"]).is_err());
    }
}
