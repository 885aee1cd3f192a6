//! Server functions of the Data sources page: sources, tokens, segments, rejected lines, jobs
//! and retention (issue 3). Uploads themselves go to `POST /upload` (a streamed body, not a
//! server function argument; see server/src/http/ingest.rs).
//!
//! Data sources work for every tenant (Basic Detection needs logs too), so none of these
//! checks the API security edition. Viewers read; analysts add sources, upload and cancel
//! jobs; admins set the retention.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    pub id: i64,
    pub name: String,
    pub format: String,
    /// First characters of the ingest token ("" when the source has none, e.g. CLI imports).
    pub token_hint: String,
    pub created_at: String,
    pub segments: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub last_received: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRow {
    pub id: i64,
    pub source: String,
    pub origin: String,
    pub file_name: String,
    pub format: String,
    pub bytes: i64,
    pub lines: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub received_at: String,
    /// Time range of the accepted records.
    pub first_record: Option<String>,
    pub last_record: Option<String>,
    pub purged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub progress: i64,
    pub total: i64,
    pub message: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl JobRow {
    pub fn active(&self) -> bool {
        self.status == "queued" || self.status == "running"
    }
    /// Percentage done (0–100).
    pub fn percent(&self) -> i64 {
        match (self.status.as_str(), self.total) {
            ("done", _) => 100,
            (_, t) if t > 0 => (self.progress * 100 / t).clamp(0, 100),
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub line: i64,
    pub reason: String,
    pub excerpt: String,
}

/// Everything the Data sources page shows for a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSourcesView {
    pub sources: Vec<SourceRow>,
    pub segments: Vec<SegmentRow>,
    pub retention_days: i64,
    /// The signed-in user may add sources, upload and cancel jobs (analyst or admin).
    pub can_edit: bool,
    pub is_admin: bool,
    pub max_upload_bytes: i64,
    pub max_ingest_body_bytes: i64,
}

/// A source just created, with its token (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedSource {
    pub id: i64,
    pub name: String,
    pub token: String,
}

#[cfg(feature = "ssr")]
mod imp {
    use super::*;
    use crate::api::ctx;
    use backend::scope::Scope;
    use backend::tenancy::{Membership, Role};
    use backend::Backend;

    pub fn time(ms: i64) -> String {
        backend::clock::rfc3339(ms)
    }

    pub async fn scoped(
        tenant: &str,
        rg: Option<i64>,
        region: &str,
        role: Role,
        csrf: Option<&str>,
    ) -> Result<(Backend, backend::accounts::User, Membership, Scope), AppError> {
        let b = ctx::backend()?;
        let session = ctx::session().await?;
        if let Some(token) = csrf {
            ctx::check_csrf(&session, token).await?;
        }
        let user = ctx::current_user(&b, &session).await?;
        let (m, scope) =
            crate::api::ctx::scope_authorize(&b, user.id, tenant, rg, region, role).await?;
        Ok((b, user, m, scope))
    }

    pub fn job_row(j: backend::jobs::Job) -> JobRow {
        JobRow {
            id: j.id,
            kind: j.kind,
            status: j.status,
            progress: j.progress,
            total: j.total,
            message: j.message,
            created_at: time(j.created_at),
            started_at: j.started_at.map(time),
            finished_at: j.finished_at.map(time),
        }
    }
}

/// Sources, segments and settings of a scope (any member).
#[server(prefix = "/api", endpoint = "data_sources")]
pub async fn data_sources(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<DataSourcesView, AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let (b, _, m, scope) = imp::scoped(&tenant, rg, &region, Role::Viewer, None).await?;
        let sources = backend::ingest::list_sources(&b, scope)
            .await?
            .into_iter()
            .map(|s| SourceRow {
                id: s.source.id,
                name: s.source.name,
                format: s.source.format,
                token_hint: s.source.token_hint,
                created_at: imp::time(s.source.created_at),
                segments: s.segments,
                accepted: s.accepted,
                rejected: s.rejected,
                last_received: s.last_received.map(imp::time),
            })
            .collect();
        let segments = backend::ingest::list_segments(&b, scope, 200)
            .await?
            .into_iter()
            .map(|g| SegmentRow {
                id: g.id,
                source: g.source_name,
                origin: g.origin,
                file_name: g.file_name,
                format: g.format,
                bytes: g.bytes,
                lines: g.lines,
                accepted: g.accepted,
                rejected: g.rejected,
                received_at: imp::time(g.received_at),
                first_record: g.min_time_ms.map(imp::time),
                last_record: g.max_time_ms.map(imp::time),
                purged: g.purged_at.is_some(),
            })
            .collect();
        let settings = backend::tenant_settings::get(&b, scope.tenant_id).await?;
        Ok(DataSourcesView {
            sources,
            segments,
            retention_days: settings.retention_days,
            can_edit: m.role >= Role::Analyst,
            is_admin: m.role == Role::Admin,
            max_upload_bytes: b.ingest.limits.max_upload_bytes as i64,
            max_ingest_body_bytes: b.ingest.limits.max_ingest_body_bytes as i64,
        })
    })
    .await
}

/// The scope's newest jobs (polled every second while one is queued or running).
#[server(prefix = "/api", endpoint = "scope_jobs")]
pub async fn scope_jobs(
    tenant: String,
    rg: Option<i64>,
    region: String,
) -> Result<Vec<JobRow>, AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let (b, _, _, scope) = imp::scoped(&tenant, rg, &region, Role::Viewer, None).await?;
        Ok(backend::jobs::list(&b, scope, 20)
            .await?
            .into_iter()
            .map(imp::job_row)
            .collect())
    })
    .await
}

/// Adds a data source with a fresh ingest token (analyst). The token is in the answer only.
#[server(prefix = "/api", endpoint = "create_data_source")]
pub async fn create_data_source(
    tenant: String,
    rg: Option<i64>,
    region: String,
    name: String,
    format: String,
    csrf: String,
) -> Result<CreatedSource, AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let (b, user, _, scope) =
            imp::scoped(&tenant, rg, &region, Role::Analyst, Some(&csrf)).await?;
        let (src, token) =
            backend::ingest::create_source(&b, scope, &name, &format, Some(user.id)).await?;
        backend::audit::record(
            &b,
            Some(scope.tenant_id),
            Some(user.id),
            &user.username,
            "data_source.created",
            &format!(
                "{} ({}, region {}, token {}…)",
                src.name, src.format, src.region, src.token_hint
            ),
        )
        .await?;
        Ok(CreatedSource {
            id: src.id,
            name: src.name,
            token,
        })
    })
    .await
}

/// Rejected lines kept for a segment of the scope (any member).
#[server(prefix = "/api", endpoint = "segment_rejections")]
pub async fn segment_rejections(
    tenant: String,
    rg: Option<i64>,
    region: String,
    segment: i64,
) -> Result<Vec<RejectedRow>, AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let (b, _, _, scope) = imp::scoped(&tenant, rg, &region, Role::Viewer, None).await?;
        Ok(backend::ingest::rejected_lines(&b, scope, segment, 1000)
            .await?
            .into_iter()
            .map(|r| RejectedRow {
                line: r.line,
                reason: r.reason,
                excerpt: r.excerpt,
            })
            .collect())
    })
    .await
}

/// Cancels a queued or running job of the scope (analyst).
#[server(prefix = "/api", endpoint = "cancel_job")]
pub async fn cancel_job(
    tenant: String,
    rg: Option<i64>,
    region: String,
    job: i64,
    csrf: String,
) -> Result<(), AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let (b, user, _, scope) =
            imp::scoped(&tenant, rg, &region, Role::Analyst, Some(&csrf)).await?;
        // Only jobs of this scope: a job id of another scope is not found.
        let j = backend::jobs::get(&b, job)
            .await?
            .ok_or(AppError::NotFound)?;
        if j.scope() != Some(scope) {
            return Err(AppError::NotFound);
        }
        backend::jobs::cancel(&b, scope.tenant_id, job).await?;
        backend::audit::record(
            &b,
            Some(scope.tenant_id),
            Some(user.id),
            &user.username,
            "job.cancelled",
            &format!("{} job {job}", j.kind),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Sets how long raw log data is kept (admin).
#[server(prefix = "/api", endpoint = "set_retention")]
pub async fn set_retention(tenant: String, days: i64, csrf: String) -> Result<i64, AppError> {
    use backend::tenancy::Role;
    crate::api::ctx::respond(async {
        let b = crate::api::ctx::backend()?;
        let session = crate::api::ctx::session().await?;
        crate::api::ctx::check_csrf(&session, &csrf).await?;
        let user = crate::api::ctx::current_user(&b, &session).await?;
        let m = crate::api::ctx::tenant_authorize(&b, user.id, &tenant, Role::Admin).await?;
        backend::tenant_settings::set_retention(&b, m.tenant_id, days).await?;
        backend::audit::record(
            &b,
            Some(m.tenant_id),
            Some(user.id),
            &user.username,
            "retention.changed",
            &format!("raw log data kept for {days} days"),
        )
        .await?;
        Ok(days)
    })
    .await
}
