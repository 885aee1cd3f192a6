-- Sort indexes of the Assets list with the tie-breaking `id` (issue 10, console under load).
--
-- Every sort of the list ends in `id` so that pages never overlap (`inventory::SortColumn::
-- order_by`). The indexes of 0002 and 0011 stop at the sort column, so a page of the default
-- order (calls, then id) walked the whole scope in index order and sorted it again for the
-- ties (5 ms for 10,000 APIs, twice per page view). With `id` as the last column a page is the
-- first rows of one index range, read forwards or backwards.
DROP INDEX apis_host;
DROP INDEX apis_last_seen;
DROP INDEX apis_calls;
DROP INDEX apis_sensitivity;
DROP INDEX apis_first_seen;
DROP INDEX apis_risk_count;
DROP INDEX apis_event_count;
DROP INDEX apis_path;
CREATE INDEX apis_host ON apis (tenant_id, rg_id, region, host, path, id);
CREATE INDEX apis_last_seen ON apis (tenant_id, rg_id, region, last_seen, id);
CREATE INDEX apis_calls ON apis (tenant_id, rg_id, region, calls, id);
CREATE INDEX apis_sensitivity ON apis (tenant_id, rg_id, region, sensitivity_rank, id);
CREATE INDEX apis_first_seen ON apis (tenant_id, rg_id, region, first_seen, id);
CREATE INDEX apis_risk_count ON apis (tenant_id, rg_id, region, risk_count, id);
CREATE INDEX apis_event_count ON apis (tenant_id, rg_id, region, event_count, id);
CREATE INDEX apis_path ON apis (tenant_id, rg_id, region, path, id);
