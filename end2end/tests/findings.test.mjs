// Browser tests of the Risks and Events pages against a real `apisec serve` (debug build).
// Needs the demo analysis of the first start (the Demo tenant's seeding): the tests wait up to
// 120 s for risks to appear. Run: cd end2end && APISEC_BIN=... node --test tests/findings.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

const SCOPE = 'tenant=demo&region=cn';
// These tests assert no uncaught page error at all, so console messages are not collected.
const h = e2e({
  name: 'findings', viewport: { width: 1400, height: 900 }, consoleErrors: false,
  loginWaitsForUser: false, ready: h => h.enableApiSecurity(),
});
const { newPage, hydrated, login, reloadUntil: waitForRows } = h;

test('risks: filter, open, confirm, bulk ignore', { timeout: 240000 }, async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', `/risks?${SCOPE}`);
  await waitForRows(page, `/risks?${SCOPE}`, '[data-testid=risk-row]');
  await hydrated(page);
  assert.ok(await page.$('[data-testid=counts-level] [data-count=high]'), 'level count cards');

  // filter by level high through the filter bar
  await page.selectOption('select[data-filter=level]', 'high');
  await page.click('[data-testid=filter-bar] button[type=submit]');
  await page.waitForURL(/level=high/);
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid=risk-row]')];
    return rows.length > 0 && rows.every(r => r.dataset.level === 'high');
  });

  // open a risk: the drawer shows its evidence as text
  await page.click('[data-testid=risk-row] [data-testid=risk-link]');
  await page.waitForURL(/risk=\d+/);
  await page.waitForSelector('[data-testid=risk-detail]');
  assert.ok(await page.$('[data-testid=drawer] pre[data-testid=risk-evidence]'));
  const riskId = await page.getAttribute('[data-testid=risk-detail]', 'data-id');

  // mark it confirmed and see the change in the drawer and in the table
  await page.click('button[data-set-status=confirmed]');
  await page.waitForSelector('[data-testid=risk-status] [data-status=confirmed]');
  await page.waitForSelector(`tr[data-id="${riskId}"][data-status=confirmed]`);
  await page.waitForSelector('[data-testid=risk-history] li');

  // bulk: tick two rows of the whole list and set them ignored
  await page.goto(`${h.base}/risks?${SCOPE}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=risk-row]');
  const ids = await page.$$eval('[data-testid=risk-row]', rows => rows.slice(0, 2).map(r => r.dataset.id));
  assert.equal(ids.length, 2, 'at least two risks');
  for (const id of ids) await page.check(`tr[data-id="${id}"] [data-testid=row-check]`);
  await page.waitForFunction(() => document.querySelector('[data-testid=selected-count]')?.textContent.startsWith('2'));
  await page.selectOption('[data-testid=bulk-status]', 'ignored');
  await page.click('[data-testid=bulk-apply]');
  for (const id of ids) await page.waitForSelector(`tr[data-id="${id}"][data-status=ignored]`);

  // the CSV link carries the scope
  assert.match(await page.getAttribute('[data-testid=csv-link]', 'href'), /^\/export\/risks\.csv\?tenant=demo/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('events: account tab, detail with timeline', { timeout: 240000 }, async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', `/events?${SCOPE}`);
  await waitForRows(page, `/events?${SCOPE}`, '[data-testid=event-tabs]');
  await hydrated(page);
  await page.click('[data-tab=account]');
  await page.waitForURL(/tab=account/);
  await page.waitForSelector('[data-testid=event-row]', { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-tab=account]')?.classList.contains('active'));
  await page.click('[data-testid=event-row] [data-testid=event-link]');
  await page.waitForURL(/event=\d+/);
  await page.waitForSelector('[data-testid=event-detail]');
  await page.waitForSelector('[data-testid=event-timeline] rect.tl-current');
  assert.match(await page.textContent('[data-testid=event-start]'), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  assert.ok(Number(await page.textContent('[data-testid=event-count]').then(t => t.split(' ')[0])) >= 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
