-- Foundation schema (SQLite). Times are Unix milliseconds (BIGINT) on both backends so that
-- the same queries and Rust types work through sqlx's Any driver.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE resource_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT  NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    disabled_at    BIGINT,
    created_at     BIGINT  NOT NULL,
    last_login_at  BIGINT
);

CREATE TABLE memberships (
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    role        TEXT   NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, tenant_id)
);

-- tower-sessions records; `user_id` is copied out of the JSON so sessions of a user can be revoked.
CREATE TABLE sessions (
    id          TEXT   PRIMARY KEY,
    data        TEXT   NOT NULL,
    expires_at  BIGINT NOT NULL,
    user_id     BIGINT
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT REFERENCES tenants(id) ON DELETE CASCADE,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor       TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    detail      TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, created_at);

-- One row per tenant: edition and the API security lifecycle (consent, trial, purchase).
CREATE TABLE subscriptions (
    tenant_id            BIGINT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    edition              TEXT   NOT NULL CHECK (edition IN ('basic', 'pro', 'enterprise', 'ultimate')),
    consent_at           BIGINT,
    consent_by           BIGINT REFERENCES users(id) ON DELETE SET NULL,
    trial_started_at     BIGINT,
    trial_ends_at        BIGINT,
    trial_purged_at      BIGINT,
    enable_requested_at  BIGINT,
    purchased_at         BIGINT,
    updated_at           BIGINT NOT NULL
);

-- Analysis data produced for a tenant. Later issues add data_sources, jobs, apis, risks, events;
-- every table holding analysis data joins the trial purge list in backend::editions::PURGE_TABLES.
CREATE TABLE analysis_runs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    resource_group_id  BIGINT REFERENCES resource_groups(id) ON DELETE CASCADE,
    region             TEXT   NOT NULL CHECK (region IN ('cn', 'intl')),
    summary            TEXT   NOT NULL DEFAULT '{}',
    created_at         BIGINT NOT NULL
);
CREATE INDEX analysis_runs_tenant ON analysis_runs (tenant_id, region);
