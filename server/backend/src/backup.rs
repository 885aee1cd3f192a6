//! Backup and restore support (issue 11, docs/operations.md): an online snapshot of a SQLite
//! database, and re-pointing the segment rows of a restored database at this data directory.
//! PostgreSQL is backed up with `pg_dump`; only the re-pointing applies to it.

use crate::db::DbKind;
use crate::error::{Error, Result};
use crate::Backend;
use sqlx::Row;
use std::path::{Path, PathBuf};

/// Writes a consistent copy of the SQLite database to `out`, while servers keep running.
///
/// `VACUUM INTO` reads the database in one read transaction, so the copy is exactly one
/// committed state (WAL lets writers go on meanwhile), and it is compacted and free of any
/// `-wal` file: a single file that opens on its own.
pub async fn sqlite_snapshot(b: &Backend, out: &Path) -> Result<()> {
    if b.db.kind != DbKind::Sqlite {
        return Err(Error::Invalid(
            "this database is PostgreSQL: back it up with pg_dump (docs/operations.md)".into(),
        ));
    }
    if out.exists() {
        return Err(Error::Invalid(format!(
            "{} exists; choose a new file name",
            out.display()
        )));
    }
    let target = out
        .to_str()
        .ok_or_else(|| Error::Invalid("the backup path is not valid UTF-8".into()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&b.db.pool)
        .await?;
    Ok(())
}

/// What [`relocate_segments`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Relocated {
    /// Rows whose path now points into this data directory.
    pub moved: u64,
    /// Live segments whose file is not in this data directory (copy `segments/` over).
    pub missing: Vec<PathBuf>,
}

/// Points every live segment row at `<data dir>/segments/<tenant>/<file name>`: a restored
/// database keeps the absolute paths of the server it was copied from.
pub async fn relocate_segments(b: &Backend) -> Result<Relocated> {
    let rows = sqlx::query("SELECT id, tenant_id, path FROM segments WHERE purged_at IS NULL")
        .fetch_all(&b.db.pool)
        .await?;
    let mut done = Relocated::default();
    for r in &rows {
        let (id, tenant_id, old): (i64, i64, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let Some(name) = Path::new(&old).file_name() else {
            continue;
        };
        let new = b.ingest.tenant_dir(tenant_id).join(name);
        if !new.is_file() {
            done.missing.push(new);
            continue;
        }
        let new = new.display().to_string();
        if new != old {
            sqlx::query("UPDATE segments SET path = $1 WHERE id = $2")
                .bind(&new)
                .bind(id)
                .execute(&b.db.pool)
                .await?;
            done.moved += 1;
        }
    }
    Ok(done)
}
