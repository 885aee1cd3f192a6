//! Custom policies (Policies page): identification (purpose), sensitive data detection, risk
//! rules and event rules of a tenant. Each is stored in the `policies` table as the engine's own
//! type serialised as JSON, validated by compiling it with the engine before it is saved, and
//! turned into the analysis configuration by [`analysis_config`] — the one place that builds it,
//! so the scheduler's analysis and every preview see the same policies.
//!
//! Validation errors are [`Error::Invalid`] whose message starts with the form field it is about
//! (`"regex: invalid regular expression: …"`, `"conditions.2: …"`); the page shows the message
//! next to that field (see [`FieldError`]).

pub mod preview;

use crate::accounts::User;
use crate::error::{Error, Result};
use crate::scope::Scope;
use crate::tenancy::Region;
use crate::Backend;
use engine::discovery::{CompiledPurposePolicy, CustomPurposePolicy, PurposePolicyError};
use engine::event::custom::{self as event_custom, CustomEventRule, CustomRuleError};
use engine::pipeline::AnalysisConfig;
use engine::risk::{CompiledRiskRules, CustomRiskError, CustomRiskRule};
use engine::sensitive::{CustomPolicy, PolicyError, Scanner, CUSTOM_ID_START};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::sync::Arc;

/// Longest policy name.
pub const MAX_NAME: usize = 100;
/// Most custom policies of one kind per tenant (event rules: the engine's own limit).
pub const MAX_PER_KIND: usize = 200;
/// Longest definition accepted (JSON text).
pub const MAX_DEFINITION_BYTES: usize = 64 * 1024;

/// The four kinds of custom policy this module owns (other rows of `policies`, such as ignore
/// rules and template corrections, belong to other modules and are never touched here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Purpose,
    Sensitive,
    Risk,
    Event,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Purpose, Kind::Sensitive, Kind::Risk, Kind::Event];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Purpose => "purpose",
            Kind::Sensitive => "sensitive",
            Kind::Risk => "risk",
            Kind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Result<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "kind: unknown policy kind {s:?} (expected purpose, sensitive, risk or event)"
                ))
            })
    }

    /// Words for audit entries and messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Purpose => "identification policy",
            Kind::Sensitive => "sensitive data policy",
            Kind::Risk => "risk rule",
            Kind::Event => "event rule",
        }
    }

    fn max(self) -> usize {
        match self {
            Kind::Event => event_custom::MAX_RULES,
            _ => MAX_PER_KIND,
        }
    }
}

/// A validation problem in one form field. Travels as [`Error::Invalid`] with the message
/// `"<field>: <message>"` so the page can put it next to the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(format!("{}: {}", e.field, e.message))
    }
}

/// The sensitive policy as the form sends it: the engine's [`CustomPolicy`] without the type ID,
/// which the server allocates (and keeps across edits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitiveDraft {
    pub name: String,
    pub regex: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub level: engine::catalog::SensitivityLevel,
    #[serde(default)]
    pub category: String,
}

impl SensitiveDraft {
    pub fn into_policy(self, id: u32) -> CustomPolicy {
        CustomPolicy {
            id,
            name: self.name,
            regex: self.regex,
            fields: self.fields,
            keywords: self.keywords,
            level: self.level,
            category: self.category,
        }
    }
}

/// A parsed and validated definition.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    Purpose(CustomPurposePolicy),
    /// The type ID is `CUSTOM_ID_START` until [`create`] allocates the real one.
    Sensitive(CustomPolicy),
    Risk(CustomRiskRule),
    Event(CustomEventRule),
}

fn trimmed_list(v: &[String]) -> Vec<String> {
    v.iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn regex_message(message: &str) -> String {
    format!("invalid regular expression: {message}")
}

fn check_name(name: &str) -> std::result::Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::new("name", "the name is empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new(
            "name",
            format!("the name is longer than {MAX_NAME} characters"),
        ));
    }
    Ok(())
}

impl Definition {
    /// Parses the JSON a form sent for `kind`, normalises it (trims, drops empty list items)
    /// and validates it by compiling it with the engine.
    pub fn parse(kind: Kind, json: &str) -> std::result::Result<Definition, FieldError> {
        if json.len() > MAX_DEFINITION_BYTES {
            return Err(FieldError::new(
                "definition",
                format!("the definition is larger than {MAX_DEFINITION_BYTES} bytes"),
            ));
        }
        let bad = |e: serde_json::Error| {
            FieldError::new("definition", format!("invalid {}: {e}", kind.label()))
        };
        let def = match kind {
            Kind::Purpose => {
                let mut p: CustomPurposePolicy = serde_json::from_str(json).map_err(bad)?;
                p.name = p.name.trim().to_string();
                p.hosts = trimmed_list(&p.hosts);
                p.methods = trimmed_list(&p.methods)
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                p.param_names = trimmed_list(&p.param_names);
                p.path_regex = p.path_regex.filter(|r| !r.trim().is_empty());
                p.purpose = p.purpose.trim().to_string();
                p.kind = p.kind.trim().to_string();
                Definition::Purpose(p)
            }
            Kind::Sensitive => {
                let d: SensitiveDraft = serde_json::from_str(json).map_err(bad)?;
                let mut p = d.into_policy(CUSTOM_ID_START);
                p.name = p.name.trim().to_string();
                p.fields = trimmed_list(&p.fields);
                p.keywords = trimmed_list(&p.keywords);
                p.category = match p.category.trim() {
                    "" => "custom".to_string(),
                    c => c.to_string(),
                };
                Definition::Sensitive(p)
            }
            Kind::Risk => {
                let mut r: CustomRiskRule = serde_json::from_str(json).map_err(bad)?;
                r.name = r.name.trim().to_string();
                r.suggestion = r.suggestion.trim().to_string();
                r.description = r.description.trim().to_string();
                Definition::Risk(r)
            }
            Kind::Event => {
                let mut r: CustomEventRule = serde_json::from_str(json).map_err(bad)?;
                r.name = r.name.trim().to_string();
                r.suggestion = r.suggestion.trim().to_string();
                let c = &mut r.condition;
                for o in [
                    &mut c.host,
                    &mut c.method,
                    &mut c.path,
                    &mut c.purpose,
                    &mut c.content,
                ] {
                    *o = o
                        .take()
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty());
                }
                c.status = trimmed_list(&c.status);
                Definition::Event(r)
            }
        };
        def.validate()?;
        Ok(def)
    }

    pub fn kind(&self) -> Kind {
        match self {
            Definition::Purpose(_) => Kind::Purpose,
            Definition::Sensitive(_) => Kind::Sensitive,
            Definition::Risk(_) => Kind::Risk,
            Definition::Event(_) => Kind::Event,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Definition::Purpose(p) => &p.name,
            Definition::Sensitive(p) => &p.name,
            Definition::Risk(r) => &r.name,
            Definition::Event(r) => &r.name,
        }
    }

    /// The JSON stored in `policies.definition` (the engine type).
    pub fn to_json(&self) -> String {
        match self {
            Definition::Purpose(p) => serde_json::to_string(p),
            Definition::Sensitive(p) => serde_json::to_string(p),
            Definition::Risk(r) => serde_json::to_string(r),
            Definition::Event(r) => serde_json::to_string(r),
        }
        .expect("policy definitions serialise")
    }

    /// One line saying what the policy does, for the list on the Policies page.
    pub fn summary(&self) -> String {
        let list = |v: &[String]| v.join(", ");
        match self {
            Definition::Purpose(p) => {
                let mut parts = Vec::new();
                if !p.hosts.is_empty() {
                    parts.push(format!("host {}", list(&p.hosts)));
                }
                if !p.methods.is_empty() {
                    parts.push(list(&p.methods));
                }
                if let Some(r) = &p.path_regex {
                    parts.push(format!("path ~ {r}"));
                }
                if !p.param_names.is_empty() {
                    parts.push(format!("parameters {}", list(&p.param_names)));
                }
                format!("{} → {} / {}", parts.join(" · "), p.purpose, p.kind)
            }
            Definition::Sensitive(p) => {
                let mut s = format!(
                    "type {} · {:?} · {} · /{}/",
                    p.id, p.level, p.category, p.regex
                );
                if !p.fields.is_empty() {
                    s.push_str(&format!(" · fields {}", list(&p.fields)));
                }
                if !p.keywords.is_empty() {
                    s.push_str(&format!(" · keywords {}", list(&p.keywords)));
                }
                s
            }
            Definition::Risk(r) => format!(
                "{:?} · {} condition{}: {}",
                r.level,
                r.conditions.len(),
                if r.conditions.len() == 1 { "" } else { "s" },
                r.conditions
                    .iter()
                    .map(|c| serde_json::to_value(c)
                        .ok()
                        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
                        .unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .to_lowercase(),
            Definition::Event(r) => format!(
                "{} · ≥ {} requests in {} s per {}",
                r.level.as_str(),
                r.threshold,
                r.window_secs,
                match r.group_by {
                    engine::catalog::Subject::Ip => "IP",
                    engine::catalog::Subject::Account => "account",
                }
            ),
        }
    }

    /// Reads a stored policy's definition.
    pub fn stored(p: &Policy) -> Result<Definition> {
        Definition::from_stored(p.kind, &p.definition).map_err(|e| {
            Error::Internal(format!(
                "policy {}: stored definition unreadable: {e}",
                p.id
            ))
        })
    }

    /// Reads a stored definition (the engine type) without re-validating it.
    fn from_stored(kind: Kind, json: &str) -> std::result::Result<Definition, serde_json::Error> {
        Ok(match kind {
            Kind::Purpose => Definition::Purpose(serde_json::from_str(json)?),
            Kind::Sensitive => Definition::Sensitive(serde_json::from_str(json)?),
            Kind::Risk => Definition::Risk(serde_json::from_str(json)?),
            Kind::Event => Definition::Event(serde_json::from_str(json)?),
        })
    }

    /// Compiles the definition with the engine; the error names the form field.
    pub fn validate(&self) -> std::result::Result<(), FieldError> {
        check_name(self.name())?;
        match self {
            Definition::Purpose(p) => compile_purpose(p).map(|_| ()),
            Definition::Sensitive(p) => {
                if p.regex.trim().is_empty() {
                    return Err(FieldError::new("regex", "the regular expression is empty"));
                }
                if p.category.chars().count() > MAX_NAME {
                    return Err(FieldError::new("category", "the category is too long"));
                }
                Scanner::new(std::slice::from_ref(p))
                    .map(|_| ())
                    .map_err(sensitive_error)
            }
            Definition::Risk(r) => validate_risk(r),
            Definition::Event(r) => r.compile(0).map(|_| ()).map_err(event_error),
        }
    }
}

fn compile_purpose(
    p: &CustomPurposePolicy,
) -> std::result::Result<CompiledPurposePolicy, FieldError> {
    p.compile().map_err(|e| match e {
        PurposePolicyError::Regex { message, .. } => {
            FieldError::new("path_regex", regex_message(&message))
        }
        PurposePolicyError::WrongPurpose { kind, expected, .. } => FieldError::new(
            "type",
            format!("the type {kind:?} belongs to the purpose {expected:?}"),
        ),
        PurposePolicyError::BadKey { .. } => FieldError::new(
            "purpose",
            "choose a purpose and a type (keys are lower-case words: a-z, 0-9, _)",
        ),
        PurposePolicyError::Method { method, .. } => FieldError::new(
            "methods",
            format!("unknown method {method:?} (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)"),
        ),
        PurposePolicyError::Empty { .. } => FieldError::new(
            "conditions",
            "give at least one condition: a host, a method, a path regex or a parameter name",
        ),
    })
}

fn sensitive_error(e: PolicyError) -> FieldError {
    match e {
        PolicyError::Regex { message, .. } => FieldError::new("regex", regex_message(&message)),
        PolicyError::Invalid { message, .. } => FieldError::new("definition", message),
    }
}

fn validate_risk(r: &CustomRiskRule) -> std::result::Result<(), FieldError> {
    if r.suggestion.is_empty() {
        return Err(FieldError::new("suggestion", "the suggestion is empty"));
    }
    if r.conditions.is_empty() {
        return Err(FieldError::new(
            "conditions",
            "a rule needs at least one condition",
        ));
    }
    // Compile each condition alone, so an error names the condition it is about.
    for (i, c) in r.conditions.iter().enumerate() {
        let one = CustomRiskRule {
            conditions: vec![c.clone()],
            ..r.clone()
        };
        CompiledRiskRules::compile(std::slice::from_ref(&one)).map_err(|e| {
            let field = format!("conditions.{i}");
            match e {
                CustomRiskError::Regex { message, .. } => {
                    FieldError::new(field, regex_message(&message))
                }
                CustomRiskError::Invalid { message, .. } => FieldError::new(field, message),
            }
        })?;
    }
    CompiledRiskRules::compile(std::slice::from_ref(r))
        .map(|_| ())
        .map_err(|e| FieldError::new("definition", e.to_string()))
}

fn event_error(e: CustomRuleError) -> FieldError {
    match e {
        CustomRuleError::EmptyName { .. } => FieldError::new("name", "the name is empty"),
        CustomRuleError::Threshold { got, .. } => FieldError::new(
            "threshold",
            format!("the threshold must be between 1 and 10000 requests (got {got})"),
        ),
        CustomRuleError::Window { got, .. } => FieldError::new(
            "window_secs",
            format!("the window must be between 1 second and 1 day (got {got} s)"),
        ),
        CustomRuleError::Level { .. } => {
            FieldError::new("level", "the level must be high, medium or low")
        }
        CustomRuleError::Regex { message, .. } => {
            FieldError::new("condition.content", regex_message(&message))
        }
        CustomRuleError::Path { pattern, .. } => FieldError::new(
            "condition.path",
            format!(
                "invalid path pattern {pattern:?}: start with / (use * for any run of characters)"
            ),
        ),
        CustomRuleError::Purpose { purpose, .. } => FieldError::new(
            "condition.purpose",
            format!("unknown purpose or purpose type {purpose:?}"),
        ),
        CustomRuleError::Status { status, .. } => FieldError::new(
            "condition.status",
            format!("invalid status {status:?} (use 403, 4xx or 400-499)"),
        ),
        CustomRuleError::EmptyCondition { .. } => FieldError::new(
            "condition",
            "give at least one condition: host, method, path, purpose, status or content",
        ),
        CustomRuleError::TooMany { got } => FieldError::new(
            "definition",
            format!(
                "at most {} event rules are supported (got {got})",
                event_custom::MAX_RULES
            ),
        ),
    }
}

/// One stored policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: i64,
    pub kind: Kind,
    pub name: String,
    /// The engine type as JSON.
    pub definition: String,
    pub enabled: bool,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Policy {
    /// The custom sensitive type ID (sensitive policies only).
    pub fn sensitive_id(&self) -> Option<u32> {
        match Definition::from_stored(self.kind, &self.definition) {
            Ok(Definition::Sensitive(p)) => Some(p.id),
            _ => None,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.kind, p.name, p.definition, p.enabled, u.username,
        p.created_at, p.updated_at
    FROM policies p LEFT JOIN users u ON u.id = p.created_by";

fn row_to_policy(r: sqlx::any::AnyRow) -> Result<Policy> {
    let kind: String = r.try_get(1)?;
    Ok(Policy {
        id: r.try_get(0)?,
        kind: Kind::parse(&kind)?,
        name: r.try_get(2)?,
        definition: r.try_get(3)?,
        enabled: r.try_get::<i64, _>(4)? != 0,
        created_by: r.try_get(5)?,
        created_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
    })
}

/// The tenant's custom policies of `kind` (all four kinds when `None`), oldest first.
pub async fn list(b: &Backend, tenant_id: i64, kind: Option<Kind>) -> Result<Vec<Policy>> {
    let rows = match kind {
        Some(k) => {
            sqlx::query(&format!(
                "{SELECT} WHERE p.tenant_id = $1 AND p.kind = $2 ORDER BY p.id"
            ))
            .bind(tenant_id)
            .bind(k.as_str())
            .fetch_all(&b.db.pool)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{SELECT} WHERE p.tenant_id = $1
                   AND p.kind IN ('purpose', 'sensitive', 'risk', 'event') ORDER BY p.id"
            ))
            .bind(tenant_id)
            .fetch_all(&b.db.pool)
            .await?
        }
    };
    rows.into_iter().map(row_to_policy).collect()
}

/// One policy of the tenant; another tenant's (or another module's) row is `NotFound`.
pub async fn get(b: &Backend, tenant_id: i64, id: i64) -> Result<Policy> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE p.tenant_id = $1 AND p.id = $2
           AND p.kind IN ('purpose', 'sensitive', 'risk', 'event')"
    ))
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(&b.db.pool)
    .await?
    .ok_or(Error::NotFound)?;
    row_to_policy(row)
}

async fn check_unique_name(
    b: &Backend,
    tenant_id: i64,
    kind: Kind,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let clash = list(b, tenant_id, Some(kind))
        .await?
        .into_iter()
        .any(|p| Some(p.id) != except && p.name.eq_ignore_ascii_case(name));
    if clash {
        return Err(FieldError::new(
            "name",
            format!("another {} is already called {name:?}", kind.label()),
        )
        .into());
    }
    Ok(())
}

/// Checks that the enabled sensitive policies, with `def` replacing policy `except`, still
/// compile together into one scanner (the regex set has a size limit).
async fn check_sensitive_set(
    b: &Backend,
    tenant_id: i64,
    def: &CustomPolicy,
    except: Option<i64>,
) -> Result<()> {
    let mut all = Vec::new();
    for p in list(b, tenant_id, Some(Kind::Sensitive)).await? {
        if p.enabled && Some(p.id) != except {
            if let Ok(Definition::Sensitive(s)) = Definition::from_stored(p.kind, &p.definition) {
                all.push(s);
            }
        }
    }
    all.push(def.clone());
    Scanner::new(&all).map(|_| ()).map_err(|e| {
        FieldError::new(
            "regex",
            format!("together with the other sensitive data policies: {e}"),
        )
        .into()
    })
}

/// Creates a policy of `kind` from the form's JSON. Sensitive policies get the tenant's next
/// free custom type ID (≥ [`CUSTOM_ID_START`]), allocated under a lock on the tenant's
/// settings row so two concurrent creations never share one.
pub async fn create(
    b: &Backend,
    by: &User,
    tenant_id: i64,
    kind: Kind,
    json: &str,
) -> Result<Policy> {
    let mut def = Definition::parse(kind, json)?;
    check_unique_name(b, tenant_id, kind, def.name(), None).await?;
    if let Definition::Sensitive(p) = &def {
        check_sensitive_set(b, tenant_id, p, None).await?;
    }
    crate::tenant_settings::get(b, tenant_id).await?;
    let now = b.now_ms();
    let mut tx = b.db.pool.begin().await?;
    // Serialises creations per tenant on both backends (row lock on PostgreSQL, the write
    // lock on SQLite) so the count limit and the ID allocation see each other's rows.
    sqlx::query("UPDATE tenant_settings SET updated_at = updated_at WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    let existing: Vec<String> =
        sqlx::query_scalar("SELECT definition FROM policies WHERE tenant_id = $1 AND kind = $2")
            .bind(tenant_id)
            .bind(kind.as_str())
            .fetch_all(&mut *tx)
            .await?;
    if existing.len() >= kind.max() {
        return Err(Error::Invalid(format!(
            "definition: at most {} custom {}s per tenant",
            kind.max(),
            kind.label()
        )));
    }
    if let Definition::Sensitive(p) = &mut def {
        let max = existing
            .iter()
            .filter_map(|d| serde_json::from_str::<CustomPolicy>(d).ok())
            .map(|s| s.id)
            .max();
        p.id = max.map_or(CUSTOM_ID_START, |m| m.max(CUSTOM_ID_START - 1) + 1);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO policies (tenant_id, kind, name, definition, enabled, created_by,
            created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7) RETURNING id",
    )
    .bind(tenant_id)
    .bind(kind.as_str())
    .bind(def.name())
    .bind(def.to_json())
    .bind(by.id)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "policy.created",
        &format!("{} {:?} (id {id})", kind.label(), def.name()),
    )
    .await?;
    get(b, tenant_id, id).await
}

/// Replaces the definition of policy `id`. A sensitive policy keeps its type ID, so results
/// and leak tracing keep referring to the same type.
pub async fn update(b: &Backend, by: &User, tenant_id: i64, id: i64, json: &str) -> Result<Policy> {
    let old = get(b, tenant_id, id).await?;
    let mut def = Definition::parse(old.kind, json)?;
    check_unique_name(b, tenant_id, old.kind, def.name(), Some(id)).await?;
    if let Definition::Sensitive(p) = &mut def {
        p.id = old.sensitive_id().ok_or_else(|| {
            Error::Internal(format!("stored sensitive policy {id} has no type ID"))
        })?;
        if old.enabled {
            check_sensitive_set(b, tenant_id, p, Some(id)).await?;
        }
    }
    sqlx::query(
        "UPDATE policies SET name = $1, definition = $2, updated_at = $3
         WHERE tenant_id = $4 AND id = $5",
    )
    .bind(def.name())
    .bind(def.to_json())
    .bind(b.now_ms())
    .bind(tenant_id)
    .bind(id)
    .execute(&b.db.pool)
    .await?;
    let detail = if old.name == def.name() {
        format!("{} {:?} (id {id})", old.kind.label(), def.name())
    } else {
        format!(
            "{} {:?} renamed to {:?} (id {id})",
            old.kind.label(),
            old.name,
            def.name()
        )
    };
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "policy.updated",
        &detail,
    )
    .await?;
    get(b, tenant_id, id).await
}

/// Turns policy `id` on or off (takes effect at the next analysis).
pub async fn set_enabled(
    b: &Backend,
    by: &User,
    tenant_id: i64,
    id: i64,
    enabled: bool,
) -> Result<Policy> {
    let old = get(b, tenant_id, id).await?;
    if enabled && !old.enabled {
        if let Ok(Definition::Sensitive(p)) = Definition::from_stored(old.kind, &old.definition) {
            check_sensitive_set(b, tenant_id, &p, Some(id)).await?;
        }
    }
    sqlx::query(
        "UPDATE policies SET enabled = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4",
    )
    .bind(i64::from(enabled))
    .bind(b.now_ms())
    .bind(tenant_id)
    .bind(id)
    .execute(&b.db.pool)
    .await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        if enabled {
            "policy.enabled"
        } else {
            "policy.disabled"
        },
        &format!("{} {:?} (id {id})", old.kind.label(), old.name),
    )
    .await?;
    get(b, tenant_id, id).await
}

/// Deletes policy `id`.
pub async fn delete(b: &Backend, by: &User, tenant_id: i64, id: i64) -> Result<()> {
    let old = get(b, tenant_id, id).await?;
    sqlx::query("DELETE FROM policies WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(id)
        .execute(&b.db.pool)
        .await?;
    crate::audit::record(
        b,
        Some(tenant_id),
        Some(by.id),
        &by.username,
        "policy.deleted",
        &format!("{} {:?} (id {id})", old.kind.label(), old.name),
    )
    .await
}

/// The engine region of a console region.
pub fn engine_region(r: Region) -> engine::compliance::Region {
    match r {
        Region::Cn => engine::compliance::Region::Cn,
        Region::Intl => engine::compliance::Region::Intl,
    }
}

/// The configuration of an analysis of `scope`: the region's defaults, the tenant's hashing key
/// and every enabled custom policy of the tenant, compiled. The scheduler's analysis job and
/// the previews both build their configuration here.
///
/// A stored policy that no longer compiles (only an engine upgrade can cause that: policies are
/// validated when saved) is left out with a warning rather than failing the whole analysis.
pub async fn analysis_config(b: &Backend, scope: Scope) -> Result<AnalysisConfig> {
    let mut config = AnalysisConfig::for_region(engine_region(scope.region));
    config.tenant_key = crate::compliance::tenant_key(b, scope.tenant_id).await?;
    let mut risk_rules = Vec::new();
    let mut event_rules = Vec::new();
    for p in list(b, scope.tenant_id, None).await? {
        if !p.enabled {
            continue;
        }
        let def = match Definition::from_stored(p.kind, &p.definition) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(policy = p.id, error = %e, "stored policy unreadable; skipped");
                continue;
            }
        };
        if let Err(e) = def.validate() {
            tracing::warn!(policy = p.id, error = %e.message, field = %e.field,
                "stored policy no longer compiles; skipped");
            continue;
        }
        match def {
            Definition::Purpose(d) => config
                .purpose_policies
                .push(compile_purpose(&d).map_err(Error::from)?),
            Definition::Sensitive(d) => config.sensitive_policies.push(d),
            Definition::Risk(r) => risk_rules.push(r),
            Definition::Event(r) => event_rules.push(r),
        }
    }
    config.risk_rules = Arc::new(
        CompiledRiskRules::compile(&risk_rules)
            .map_err(|e| Error::Invalid(format!("custom risk rules: {e}")))?,
    );
    config.event.custom = event_custom::compile_all(&event_rules)
        .map_err(|e| Error::Invalid(format!("custom event rules: {e}")))?;
    if !config.sensitive_policies.is_empty() {
        Scanner::new(&config.sensitive_policies)
            .map_err(|e| Error::Invalid(format!("custom sensitive data policies: {e}")))?;
    }
    Ok(config)
}

/// A catalog purpose: (key, name, [(type key, type name)]).
pub type PurposeEntry = (String, String, Vec<(String, String)>);

/// The catalog's purposes and their types.
pub fn purpose_catalog() -> Vec<PurposeEntry> {
    engine::catalog::catalog()
        .purposes
        .iter()
        .map(|p| {
            (
                p.key.clone(),
                p.name.clone(),
                p.types
                    .iter()
                    .map(|t| (t.key.clone(), t.name.clone()))
                    .collect(),
            )
        })
        .collect()
}

/// Built-in policies of a kind, as (key, English name): what is always on besides the custom
/// ones. Purposes list every purpose type; sensitive types their catalog ID as the key.
pub fn builtin(kind: Kind) -> Vec<(String, String)> {
    let cat = engine::catalog::catalog();
    match kind {
        Kind::Purpose => cat
            .purposes
            .iter()
            .flat_map(|p| p.types.iter().map(|t| (t.key.clone(), t.name.clone())))
            .collect(),
        Kind::Sensitive => cat
            .sensitive_types
            .iter()
            .map(|t| (t.id.to_string(), t.name.clone()))
            .collect(),
        Kind::Risk => cat
            .risks
            .iter()
            .filter(|r| r.key != "custom_risk")
            .map(|r| (r.key.clone(), r.name.clone()))
            .collect(),
        Kind::Event => cat
            .events
            .iter()
            .filter(|e| e.key != "custom_event")
            .map(|e| (e.key.clone(), e.name.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_field() {
        let e = Definition::parse(
            Kind::Sensitive,
            r#"{"name":"emp","regex":"EMP-(\\d+","level":"S2"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "regex");
        assert!(
            e.message.contains("invalid regular expression"),
            "{}",
            e.message
        );

        let e = Definition::parse(
            Kind::Purpose,
            r#"{"name":"x","path_regex":"[","purpose":"user_authentication","type":"logon"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "path_regex");
        let e = Definition::parse(
            Kind::Purpose,
            r#"{"name":"x","hosts":["a.com"],"purpose":"user_registration","type":"logon"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "type");

        let e = Definition::parse(
            Kind::Risk,
            r#"{"name":"r","level":"high","suggestion":"fix","conditions":[
                {"kind":"status","min":500,"max":599},
                {"kind":"content","part":"response_body","regex":"(a"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "conditions.1");

        let e = Definition::parse(
            Kind::Event,
            r#"{"name":"e","condition":{"status":["7xx"]},"group_by":"ip","threshold":3,
                "window_secs":60,"level":"high"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "condition.status");
        let e = Definition::parse(Kind::Event, r#"{"name":"e"}"#).unwrap_err();
        assert_eq!(e.field, "definition");
        assert!(Error::from(e)
            .to_string()
            .starts_with("definition: invalid event rule"));
    }

    #[test]
    fn parse_normalises_and_accepts_valid_definitions() {
        let d = Definition::parse(
            Kind::Sensitive,
            r#"{"name":" Employee ID ","regex":"EMP-\\d{6}","fields":[" staffNo ",""],
                "keywords":[],"level":"S3","category":""}"#,
        )
        .unwrap();
        let Definition::Sensitive(p) = d else {
            panic!()
        };
        assert_eq!(p.name, "Employee ID");
        assert_eq!(p.fields, vec!["staffNo"]);
        assert_eq!(p.category, "custom");
        assert_eq!(p.id, CUSTOM_ID_START);
    }

    #[test]
    fn builtin_lists_are_complete() {
        assert_eq!(builtin(Kind::Sensitive).len(), 54);
        assert!(builtin(Kind::Risk).len() >= 41);
        assert!(builtin(Kind::Purpose).len() >= 63);
    }
}
