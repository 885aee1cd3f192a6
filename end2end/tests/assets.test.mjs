// Browser test of the Assets page: a real `apisec serve` (debug build) on a free port with a
// temporary data dir, driven through Debian's chromium by playwright-core.
//
// Depends on the demo seeding of the Demo tenant at first start (the ingest / demo helper's
// work): it waits up to 120 s for the background demo analysis to fill /assets. API security
// is switched on for the Demo tenant through the server functions as admin first (a 409 means
// it already was).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

const h = e2e({
  name: 'assets',
  // APISEC_E2E_DATA_DIR: run against an existing (for example pre-seeded) data dir, kept after.
  dataDir: process.env.APISEC_E2E_DATA_DIR,
  viewport: { width: 1400, height: 900 },
  ready: h => h.enableApiSecurity(),
});
const { newPage, hydrated, login } = h;

/** Reloads /assets until the table has rows (the demo analysis runs after the first start). */
async function waitForRows(page, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    for (const region of ['cn', 'intl']) {
      await page.goto(`${h.base}/assets?tenant=demo&region=${region}`);
      await page.waitForSelector('[data-testid=asset-table], .empty, [data-testid=error]', { timeout: 30000 });
      if ((await page.$$('[data-testid=asset-row]')).length > 0) return region;
    }
    if (Date.now() > end) throw new Error('no APIs on /assets after 120 s: is the Demo tenant seeded?');
    await new Promise(r => setTimeout(r, 3000));
  }
}

const numbers = async (page, sel) =>
  (await page.$$eval(sel, els => els.map(e => Number(e.textContent.replace(/[^0-9]/g, '')))));

test('assets: filter by host, sort by calls, open a detail, sensitive data tab', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', '/assets?tenant=demo&region=cn');
  const region = await waitForRows(page);
  await hydrated(page);
  assert.match(await page.textContent('[data-testid=asset-count]'), /of \d+ APIs/);

  // filter by one host from the dropdown
  const host = await page.$eval('[data-testid=filter-host] option:nth-child(2)', o => o.value);
  assert.ok(host, 'the host dropdown lists hosts');
  await page.selectOption('[data-testid=filter-host]', host);
  await page.click('[data-testid=filter-apply]');
  await page.waitForURL(u => u.searchParams.get('host') === host);
  await page.waitForSelector('[data-testid=asset-row]');
  const hosts = await page.$$eval('[data-testid=asset-host]', els => els.map(e => e.textContent));
  assert.ok(hosts.length > 0 && hosts.every(h => h === host), `only ${host}: ${hosts}`);
  await hydrated(page);

  // sort by calls (the default is calls descending, so the first click sorts ascending, the
  // second descending); the host filter stays
  for (const want of ['asc', 'desc']) {
    await page.click('[data-testid=sort-calls]');
    await page.waitForURL(u => u.searchParams.get('dir') === want && u.searchParams.get('host') === host);
    await page.waitForSelector(`[data-testid=asset-table][data-sort=calls][data-dir=${want}]`);
    const calls = await numbers(page, '[data-testid=asset-calls]');
    assert.deepEqual(calls, [...calls].sort((a, b) => want === 'asc' ? a - b : b - a), `calls sorted ${want}`);
    const hosts = await page.$$eval('[data-testid=asset-host]', els => els.map(e => e.textContent));
    assert.ok(hosts.every(h => h === host), 'the host filter is kept while sorting');
  }

  // open the detail of the first API
  const path0 = await page.textContent('[data-testid=asset-link]');
  await page.click('[data-testid=asset-link]');
  await page.waitForURL(u => u.searchParams.has('api'));
  await page.waitForSelector('[data-testid=asset-detail] [data-testid=detail-title]');
  assert.ok((await page.textContent('[data-testid=detail-title]')).includes(path0));
  assert.match(await page.getAttribute('[data-testid=detail-risks-link]', 'href'), /^\/risks\?.*api=/);
  assert.match(await page.getAttribute('[data-testid=csv-export]', 'href'), /^\/export\/assets\.csv\?tenant=demo.*host=/);
  // the OpenAPI tab: one export link per host
  await page.click('[data-testid=tab-openapi]');
  await page.waitForURL(/tab=openapi/);
  await page.waitForSelector('[data-testid=openapi-link]');
  assert.equal(await page.$('[data-testid=asset-table]'), null, 'the inventory table is on its own tab');
  const openapi = await page.getAttribute('[data-testid=openapi-link]', 'href');
  const res = await page.request.get(h.base + openapi);
  assert.equal(res.status(), 200);
  assert.equal((await res.json()).openapi, '3.1.0');

  // the sensitive data tab
  await page.click('[data-testid=tab-sensitive]');
  await page.waitForURL(/tab=sensitive/);
  await page.waitForSelector('[data-testid=sensitive-types] table, [data-testid=sensitive-types] .empty');
  if (await page.$('[data-testid=sensitive-row]')) {
    await page.click('[data-testid=sensitive-link]');
    await page.waitForURL(/type=\d+/);
    await page.waitForSelector('[data-testid=type-api-row]');
  }
  assert.equal(region === 'cn' || region === 'intl', true);
  const bad = page.errors.filter(e => /hydrat|panicked|Content Security Policy/i.test(e));
  assert.deepEqual(bad, [], 'no hydration errors, panics or CSP violations');
  await page.context().close();
});
