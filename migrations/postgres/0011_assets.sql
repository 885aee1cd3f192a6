-- Assets page (issue 4): one scope-prefixed index per sortable column of the inventory that
-- 0002 does not index yet, so a sorted page is an index walk even with 100k APIs per scope.
CREATE INDEX apis_first_seen ON apis (tenant_id, rg_id, region, first_seen);
CREATE INDEX apis_risk_count ON apis (tenant_id, rg_id, region, risk_count);
CREATE INDEX apis_event_count ON apis (tenant_id, rg_id, region, event_count);
CREATE INDEX apis_path ON apis (tenant_id, rg_id, region, path);
-- APIs carrying one sensitive type (the Sensitive data tab) join on api_key.
CREATE INDEX api_sensitive_type_api ON api_sensitive (tenant_id, rg_id, region, type_id, api_key);
