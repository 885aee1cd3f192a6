//! `apisec backup` and `apisec restore` (docs/operations.md).

use crate::config::Config;
use clap::Args;
use std::path::{Path, PathBuf};

/// Flags of `apisec backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The snapshot file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// Flags of `apisec restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A snapshot made by `apisec backup` (SQLite). Without it, only the segment files are
    /// re-attached: after `pg_restore`, or after moving the data directory.
    pub file: Option<PathBuf>,
    /// Replace an existing database (stop every server on it first).
    #[arg(long)]
    pub force: bool,
}

/// The file of a `sqlite://` URL, or None for PostgreSQL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or_default()))
}

/// `apisec backup --out FILE`: an online snapshot of the SQLite database. Exit code 0 or 1
/// (2: configuration).
pub async fn run_backup(cfg: &Config, args: BackupArgs) -> i32 {
    match sqlite_path(&cfg.database_url) {
        None => {
            eprintln!(
                "apisec backup: DATABASE_URL is PostgreSQL; use pg_dump (docs/operations.md)"
            );
            return 2;
        }
        Some(p) if !p.is_file() => {
            eprintln!("apisec backup: no database at {}", p.display());
            return 2;
        }
        Some(_) => {}
    }
    let b = match crate::open_backend(cfg, false).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("apisec backup: {e}");
            return 2;
        }
    };
    match backend::backup::sqlite_snapshot(&b, &args.out).await {
        Ok(()) => {
            println!(
                "database snapshot written to {}; now copy {} (segment files are never \
                 changed once written)",
                args.out.display(),
                cfg.data_dir.join("segments").display()
            );
            0
        }
        Err(e) => {
            eprintln!("apisec backup: {e}");
            1
        }
    }
}

/// `apisec restore [FILE]`: installs a SQLite snapshot as this data directory's database
/// (migrating it forward if it is older), then re-attaches the segment files. Exit code 1
/// when segment files are missing.
pub async fn run_restore(cfg: &Config, args: RestoreArgs) -> i32 {
    if let Some(file) = &args.file {
        if let Err(e) = install_snapshot(cfg, file, args.force) {
            eprintln!("apisec restore: {e}");
            return 2;
        }
        println!("database restored from {}", file.display());
    }
    let b = match crate::open_backend(cfg, false).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("apisec restore: {e}");
            return 2;
        }
    };
    match backend::backup::relocate_segments(&b).await {
        Ok(r) => {
            println!(
                "{} segment paths now point into this data directory",
                r.moved
            );
            for m in &r.missing {
                eprintln!("apisec restore: missing segment file {}", m.display());
            }
            if r.missing.is_empty() {
                0
            } else {
                eprintln!(
                    "apisec restore: {} segment files missing: copy the backed-up segments/ \
                     directory to {} and run `apisec restore` again",
                    r.missing.len(),
                    cfg.data_dir.join("segments").display()
                );
                1
            }
        }
        Err(e) => {
            eprintln!("apisec restore: {e}");
            1
        }
    }
}

/// Copies `file` over the configured SQLite database (and drops its stale `-wal`/`-shm`,
/// which would otherwise be replayed onto the restored file).
fn install_snapshot(cfg: &Config, file: &Path, force: bool) -> Result<(), String> {
    let target = sqlite_path(&cfg.database_url).ok_or(
        "DATABASE_URL is PostgreSQL: restore with pg_restore, then run `apisec restore` \
         without a file",
    )?;
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    let mut head = [0u8; 16];
    std::io::Read::read_exact(
        &mut std::fs::File::open(file).map_err(|e| e.to_string())?,
        &mut head,
    )
    .map_err(|e| format!("{}: {e}", file.display()))?;
    if &head != b"SQLite format 3\0" {
        return Err(format!("{} is not a SQLite database", file.display()));
    }
    if target.exists() && !force {
        return Err(format!(
            "{} exists; stop the server and pass --force to replace it",
            target.display()
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = target.with_extension("restoring");
    std::fs::copy(file, &tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| e.to_string())?;
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_paths_of_urls() {
        use super::sqlite_path;
        assert_eq!(
            sqlite_path("sqlite:///var/lib/apisec/apisec.db?mode=rwc").unwrap(),
            std::path::PathBuf::from("/var/lib/apisec/apisec.db")
        );
        assert_eq!(
            sqlite_path("sqlite://data/apisec.db").unwrap(),
            std::path::PathBuf::from("data/apisec.db")
        );
        assert!(sqlite_path("postgres://u@h/db").is_none());
    }
}
