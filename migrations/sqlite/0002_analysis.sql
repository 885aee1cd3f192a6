-- Ingestion, jobs, analysis results, workflow and policies.
--
-- A *scope* is (tenant_id, rg_id, region): a resource group's data in one region. Data sources,
-- stored log segments and every analysis result belong to one scope. Results tables are
-- rewritten as a whole by an analysis job in one transaction (so a killed job leaves the
-- previous results intact); what users decide about results (workflow status, ignore rules,
-- template corrections, policies) lives in separate tables keyed by stable keys, so it
-- survives re-analysis. Times are Unix milliseconds; flags are BIGINT 0/1; lists and maps that
-- pages only display are JSON text.

-- Where logs come from. `token_hash` is SHA-256 (hex) of the ingest token; the token itself is
-- shown once at creation and never stored.
CREATE TABLE data_sources (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id        BIGINT NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
    region       TEXT   NOT NULL CHECK (region IN ('cn', 'intl')),
    name         TEXT   NOT NULL,
    format       TEXT   NOT NULL DEFAULT 'auto',
    token_hash   TEXT   UNIQUE,
    token_hint   TEXT   NOT NULL DEFAULT '',
    created_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    disabled_at  BIGINT,
    UNIQUE (tenant_id, rg_id, region, name)
);

-- One stored file of raw log lines (an upload, a CLI import, or a batch of the ingest
-- endpoint). The file lives under the data directory at `path`; `content_hash` (SHA-256 of the
-- decompressed content) makes re-uploading the same file a no-op.
CREATE TABLE segments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    source_id     BIGINT NOT NULL REFERENCES data_sources(id) ON DELETE CASCADE,
    rg_id         BIGINT NOT NULL,
    region        TEXT   NOT NULL,
    origin        TEXT   NOT NULL CHECK (origin IN ('upload', 'ingest', 'cli', 'demo')),
    file_name     TEXT   NOT NULL,
    path          TEXT   NOT NULL,
    format        TEXT   NOT NULL,
    content_hash  TEXT   NOT NULL,
    bytes         BIGINT NOT NULL DEFAULT 0,
    lines         BIGINT NOT NULL DEFAULT 0,
    accepted      BIGINT NOT NULL DEFAULT 0,
    rejected      BIGINT NOT NULL DEFAULT 0,
    min_time_ms   BIGINT,
    max_time_ms   BIGINT,
    received_at   BIGINT NOT NULL,
    purged_at     BIGINT,
    UNIQUE (source_id, content_hash)
);
CREATE INDEX segments_scope ON segments (tenant_id, rg_id, region, received_at);

-- Lines a reader refused, with where and why (bounded per segment by the ingester).
CREATE TABLE rejected_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    segment_id  BIGINT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    line_no     BIGINT NOT NULL,
    reason      TEXT   NOT NULL,
    excerpt     TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX rejected_lines_segment ON rejected_lines (segment_id, line_no);

-- Work for the scheduler. Claimed with FOR UPDATE SKIP LOCKED on PostgreSQL; a job whose
-- heartbeat is stale (its process died) goes back to 'queued'.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     BIGINT REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id         BIGINT,
    region        TEXT,
    kind          TEXT   NOT NULL,
    status        TEXT   NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress      BIGINT NOT NULL DEFAULT 0,
    total         BIGINT NOT NULL DEFAULT 0,
    message       TEXT   NOT NULL DEFAULT '',
    worker        TEXT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    started_at    BIGINT,
    heartbeat_at  BIGINT,
    finished_at   BIGINT
);
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE INDEX jobs_scope ON jobs (tenant_id, rg_id, region, created_at);

-- The API inventory of a scope. `api_key` = "METHOD host path" is the stable key.
CREATE TABLE apis (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id         BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id             BIGINT NOT NULL,
    region            TEXT   NOT NULL,
    api_key           TEXT   NOT NULL,
    host              TEXT   NOT NULL,
    method            TEXT   NOT NULL,
    path              TEXT   NOT NULL,
    calls             BIGINT NOT NULL,
    first_seen        BIGINT NOT NULL,
    last_seen         BIGINT NOT NULL,
    active            BIGINT NOT NULL,
    service_object    TEXT   NOT NULL,
    authenticated     BIGINT NOT NULL,
    auth              TEXT   NOT NULL DEFAULT '[]',
    sensitivity       TEXT   NOT NULL,
    sensitivity_rank  BIGINT NOT NULL,
    -- purpose keys as ",login,sms_send," so LIKE '%,key,%' filters without a join
    purpose_keys      TEXT   NOT NULL DEFAULT ',',
    purposes          TEXT   NOT NULL DEFAULT '[]',
    request_types     TEXT   NOT NULL DEFAULT '{}',
    response_types    TEXT   NOT NULL DEFAULT '{}',
    params            TEXT   NOT NULL DEFAULT '[]',
    statuses          TEXT   NOT NULL DEFAULT '{}',
    content_types     TEXT   NOT NULL DEFAULT '{}',
    calls_per_day     TEXT   NOT NULL DEFAULT '{}',
    distinct_clients  BIGINT NOT NULL DEFAULT 0,
    risk_count        BIGINT NOT NULL DEFAULT 0,
    event_count       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, rg_id, region, api_key)
);
CREATE INDEX apis_host ON apis (tenant_id, rg_id, region, host, path);
CREATE INDEX apis_last_seen ON apis (tenant_id, rg_id, region, last_seen);
CREATE INDEX apis_calls ON apis (tenant_id, rg_id, region, calls);
CREATE INDEX apis_sensitivity ON apis (tenant_id, rg_id, region, sensitivity_rank);

-- Sensitive data types per API and direction ('request' | 'response').
CREATE TABLE api_sensitive (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id      BIGINT NOT NULL,
    region     TEXT   NOT NULL,
    api_key    TEXT   NOT NULL,
    host       TEXT   NOT NULL,
    direction  TEXT   NOT NULL,
    type_id    BIGINT NOT NULL,
    hits       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, rg_id, region, api_key, direction, type_id)
);
CREATE INDEX api_sensitive_type ON api_sensitive (tenant_id, rg_id, region, direction, type_id);

-- Risks found on APIs. `risk_key` = "<risk type key>|<api_key>" is stable across re-analysis.
CREATE TABLE risks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id        BIGINT NOT NULL,
    region       TEXT   NOT NULL,
    risk_key     TEXT   NOT NULL,
    type_key     TEXT   NOT NULL,
    level        TEXT   NOT NULL,
    level_rank   BIGINT NOT NULL,
    category     TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    api_key      TEXT   NOT NULL,
    host         TEXT   NOT NULL,
    method       TEXT   NOT NULL,
    path         TEXT   NOT NULL,
    evidence     TEXT   NOT NULL,
    description  TEXT   NOT NULL,
    suggestion   TEXT   NOT NULL,
    first_seen   BIGINT NOT NULL,
    last_seen    BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    UNIQUE (tenant_id, rg_id, region, risk_key)
);
CREATE INDEX risks_level ON risks (tenant_id, rg_id, region, level_rank, last_seen);
CREATE INDEX risks_api ON risks (tenant_id, rg_id, region, api_key);

-- Anomalous events. `event_key` = "<event type>|<subject>|<api_key>|<start_ms>" is stable.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id        BIGINT NOT NULL,
    region       TEXT   NOT NULL,
    event_key    TEXT   NOT NULL,
    type_key     TEXT   NOT NULL,
    level        TEXT   NOT NULL,
    level_rank   BIGINT NOT NULL,
    category     TEXT   NOT NULL,
    name         TEXT   NOT NULL,
    subject      TEXT   NOT NULL CHECK (subject IN ('ip', 'account')),
    ip           TEXT,
    account      TEXT,
    location     TEXT   NOT NULL DEFAULT '',
    api_key      TEXT   NOT NULL,
    host         TEXT   NOT NULL,
    method       TEXT   NOT NULL,
    path         TEXT   NOT NULL,
    start_ms     BIGINT NOT NULL,
    end_ms       BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    description  TEXT   NOT NULL,
    suggestion   TEXT   NOT NULL,
    apis         TEXT   NOT NULL DEFAULT '[]',
    samples      TEXT   NOT NULL DEFAULT '[]',
    UNIQUE (tenant_id, rg_id, region, event_key)
);
CREATE INDEX events_time ON events (tenant_id, rg_id, region, start_ms);
CREATE INDEX events_api ON events (tenant_id, rg_id, region, api_key);

-- Users' decisions on risks and events; survives re-analysis (keyed by the stable keys).
-- kind: 'risk' | 'event'. status: risks to_confirm|confirmed|fixed|ignored, events
-- to_confirm|confirmed|handled|false_positive.
CREATE TABLE workflow (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id       BIGINT NOT NULL,
    region      TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    item_key    TEXT   NOT NULL,
    status      TEXT   NOT NULL,
    note        TEXT   NOT NULL DEFAULT '',
    changed_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_at  BIGINT NOT NULL,
    -- last_seen of the item when it was marked fixed: a later sighting reopens it
    fixed_seen  BIGINT,
    PRIMARY KEY (tenant_id, rg_id, region, kind, item_key)
);

-- Persistent user rules: risk/event ignore rules, template corrections (merge, split,
-- literal, ignore host/path), custom identification / sensitive / risk / event policies.
-- `definition` is JSON validated by the back end for each kind.
CREATE TABLE policies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    definition  TEXT   NOT NULL,
    enabled     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX policies_kind ON policies (tenant_id, kind);

-- Compliance review of a scope: the engine's summary (JSON) as of the last analysis.
CREATE TABLE compliance (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id        BIGINT NOT NULL,
    region       TEXT   NOT NULL,
    summary      TEXT   NOT NULL,
    computed_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, rg_id, region)
);

-- Leak tracing: where each sensitive value (by keyed hash, never plaintext) went.
-- One row per value, API, client, account and direction, with first/last time and count.
CREATE TABLE value_index (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id       BIGINT NOT NULL,
    region      TEXT   NOT NULL,
    value_hash  TEXT   NOT NULL,
    type_id     BIGINT NOT NULL,
    direction   TEXT   NOT NULL,
    api_key     TEXT   NOT NULL,
    ip          TEXT   NOT NULL,
    country     TEXT   NOT NULL DEFAULT '',
    account     TEXT   NOT NULL DEFAULT '',
    first_ms    BIGINT NOT NULL,
    last_ms     BIGINT NOT NULL,
    hits        BIGINT NOT NULL
);
CREATE INDEX value_index_hash ON value_index (tenant_id, value_hash);
CREATE INDEX value_index_scope ON value_index (tenant_id, rg_id, region);

-- Pre-aggregated daily figures for the Overview and Basic Detection pages (one row per scope,
-- day and host). day = 'YYYY-MM-DD' (UTC).
CREATE TABLE daily_stats (
    tenant_id        BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id            BIGINT NOT NULL,
    region           TEXT   NOT NULL,
    day              TEXT   NOT NULL,
    host             TEXT   NOT NULL,
    requests         BIGINT NOT NULL DEFAULT 0,
    apis_active      BIGINT NOT NULL DEFAULT 0,
    apis_new         BIGINT NOT NULL DEFAULT 0,
    risks_new        BIGINT NOT NULL DEFAULT 0,
    risks_high       BIGINT NOT NULL DEFAULT 0,
    risks_medium     BIGINT NOT NULL DEFAULT 0,
    risks_low        BIGINT NOT NULL DEFAULT 0,
    events           BIGINT NOT NULL DEFAULT 0,
    attacks          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, rg_id, region, day, host)
);

-- Per-tenant settings: retention of raw data, the key for value hashing (hex, random at
-- creation; never leaves the server).
CREATE TABLE tenant_settings (
    tenant_id       BIGINT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    retention_days  BIGINT NOT NULL DEFAULT 30,
    hash_key        TEXT   NOT NULL,
    updated_at      BIGINT NOT NULL
);
