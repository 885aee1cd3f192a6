// Browser test of the Compliance page (issue 8): a real `apisec serve` with the demo data
// analysed at first start, driven through Debian's chromium. The admin turns API security on
// (free trial); the analyst `demo` waits for the review, sees the verdict and the counters, and
// traces the AccessKey ID the demo generator leaks from /v1/app/config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

// Planted by engine/src/demo/incidents.rs whatever the seed.
const PLANTED_KEY = 'LTAI5tRvGvXk3VYpLq8mZ2Hd';
const h = e2e({ name: 'compliance', healthTimeout: 120000, healthPoll: 250 });
const { newPage, hydrated, login } = h;

const COMPLIANCE = '/compliance?tenant=demo&region=cn';

test('the Compliance page shows the review and traces a planted value', { timeout: 240000 }, async () => {
  // The admin turns API security on when it is not yet.
  const admin = await newPage();
  await login(admin, 'admin', 'admin-password-1', '/settings?tenant=demo&region=cn');
  await hydrated(admin);
  await admin.waitForSelector('[data-testid=api-security-card]');
  if (await admin.$('button[data-action=consent]')) {
    await admin.check('[data-testid=consent-box]');
    await admin.click('button[data-action=consent]');
  }
  if (await admin.waitForSelector('button[data-action=trial]', { timeout: 5000 }).catch(() => null)) {
    await admin.click('button[data-action=trial]');
    await admin.waitForSelector('[data-testid=trial-expiry]');
  }
  await admin.context().close();

  const page = await newPage();
  await login(page, 'demo', 'demo-password', COMPLIANCE);
  // The demo analysis runs at first start: wait (up to 120 s) until the review has a verdict.
  const end = Date.now() + 120000;
  let verdict = null;
  while (Date.now() < end) {
    await page.waitForSelector('[data-testid=verdict]', { timeout: 30000 });
    verdict = await page.getAttribute('[data-testid=verdict]', 'data-verdict');
    if (verdict === 'required' || verdict === 'not_required') break;
    await new Promise(r => setTimeout(r, 3000));
    await page.goto(h.base + COMPLIANCE);
  }
  assert.ok(verdict === 'required' || verdict === 'not_required', `verdict shown, got ${verdict}`);
  assert.match(await page.textContent('[data-testid=verdict]'), /declaration required/i);
  assert.match(await page.textContent('[data-testid=period]'), /\d{4}-01-01/);

  // Counters and gauges.
  for (const id of ['counter-outbound', 'counter-outbound-sensitive', 'counter-processed', 'counter-inbound']) {
    assert.match(await page.textContent(`[data-testid=${id}]`), /^[\d,]+$/, id);
  }
  const processed = Number((await page.textContent('[data-testid=counter-processed]')).replaceAll(',', ''));
  assert.ok(processed > 0, 'the demo traffic has persons');
  assert.equal(await page.locator('[data-testid=gauges] svg').count(), 3);

  // Leak tracing: the value goes in the form body, never in the URL.
  await hydrated(page);
  await page.fill('[data-testid=trace-value]', PLANTED_KEY);
  await page.click('[data-testid=trace-submit]');
  await page.waitForSelector('[data-testid=trace-results]', { timeout: 30000 });
  const rows = Number(await page.getAttribute('[data-testid=trace-results]', 'data-rows'));
  assert.ok(rows > 0, 'the planted key was found');
  const table = await page.textContent('[data-testid=trace-table]');
  assert.match(table, /\/v1\/app\/config/);
  assert.match(table, /received \(response\)/);
  assert.ok(!page.url().includes(PLANTED_KEY), 'the value is not in the URL');

  // A value that was never seen finds nothing.
  await page.fill('[data-testid=trace-value]', 'LTAI5tNeverSeenAnywhere00');
  await page.click('[data-testid=trace-submit]');
  await page.waitForSelector('[data-testid=trace-results][data-rows="0"]', { timeout: 30000 });

  // Exports are linked from the page and answer.
  const csvHref = await page.getAttribute('[data-testid=export-csv]', 'href');
  const csv = await page.evaluate(async h => (await fetch(h)).text(), csvHref);
  assert.match(csv, /^section,key,label,value/);
  const csp = page.errors.filter(e => /Content Security Policy/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations');
  await page.context().close();
});
