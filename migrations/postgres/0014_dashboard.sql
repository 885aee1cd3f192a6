-- Covering indexes for the dashboards (issue 9): Basic Detection counts events by level and
-- APIs by the active flag, the Overview sums sensitive values per type and new APIs before a
-- period, each from the index alone instead of one table lookup per row.
CREATE INDEX events_level ON events (tenant_id, rg_id, region, level_rank);
CREATE INDEX apis_active ON apis (tenant_id, rg_id, region, active);
CREATE INDEX api_sensitive_hits ON api_sensitive (tenant_id, rg_id, region, direction, type_id, hits);
CREATE INDEX daily_stats_new ON daily_stats (tenant_id, rg_id, region, day, apis_new);
