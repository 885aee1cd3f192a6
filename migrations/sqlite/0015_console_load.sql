-- Console under load (issue 10, docs/performance.md "Console under load").
--
-- A version per scope of what its result pages show: bumped in the same transaction as every
-- change of the scope's results (`results::replace`, the trial purge) or of the workflow state
-- and ignore rules shown on them. Reading it is one primary-key lookup; in-process caches
-- (the assembled Overview) are keyed by it, so every server process on one database sees a
-- change at once. Never purged: a version only grows, so a cached entry cannot come back.
CREATE TABLE results_versions (
    tenant_id  BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    rg_id      BIGINT NOT NULL,
    region     TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, rg_id, region)
);

-- The default orders of the risk and event pages (level, then id; newest start, then id),
-- so a page is the first rows of an index range instead of a sort of the whole scope.
CREATE INDEX risks_page_level ON risks (tenant_id, rg_id, region, level_rank, id);
CREATE INDEX events_page_start ON events (tenant_id, rg_id, region, subject, start_ms, id);

-- The count cards of both pages come from one grouped scan of the scope; these cover its
-- columns (and the keys that join the workflow state and match ignore rules), so the scan
-- reads the index alone.
CREATE INDEX risks_facets ON risks (tenant_id, rg_id, region, level, category, type_key, risk_key, api_key, host);
CREATE INDEX events_facets ON events (tenant_id, rg_id, region, subject, level, type_key, category, event_key);
