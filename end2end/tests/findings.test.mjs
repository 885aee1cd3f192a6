// Browser tests of the Risks and Events pages against a real `apisec serve` (debug build).
// Needs the demo analysis of the first start (the Demo tenant's seeding): the tests wait up to
// 120 s for risks to appear. Run: cd end2end && APISEC_BIN=... node --test tests/findings.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.APISEC_BIN || path.resolve(import.meta.dirname, '../../target/debug/apisec');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCOPE = 'tenant=demo&region=cn';
let server, base, browser, dataDir;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHealthy(url, ms = 60000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url + '/healthz')).ok) return; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error('server did not become healthy');
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'apisec-e2e-findings-'));
  const port = await freePort();
  const env = { ...process.env, APISEC_DATA_DIR: dataDir, APISEC_ADDR: `127.0.0.1:${port}`,
    APISEC_ADMIN_PASSWORD: 'admin-password-1', RUST_LOG: process.env.RUST_LOG || 'warn' };
  delete env.DATABASE_URL;
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  await waitHealthy(base);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await enableApiSecurity();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', e => page.errors.push(String(e)));
  return page;
}

async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30000 });
}

async function login(page, user, password, target) {
  await page.goto(base + target);
  await page.waitForURL(/\/login/);
  await hydrated(page);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(u => !u.pathname.startsWith('/login'), { timeout: 30000 });
}

/** The admin authorises API security and starts the trial, unless the seeding already did. */
async function enableApiSecurity() {
  const page = await newPage();
  await login(page, 'admin', 'admin-password-1', `/settings?${SCOPE}`);
  await hydrated(page);
  await page.evaluate(async () => {
    const post = (url, form) => fetch(url, { method: 'POST', body: new URLSearchParams(form),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    const { csrf } = await (await post('/api/session', {})).json();
    const st = await (await post('/api/api_security', { tenant: 'demo' })).json();
    if (st.enabled) return;
    if (!st.consented) await post('/api/api_security_action', { tenant: 'demo', action: 'consent', csrf });
    await post('/api/api_security_action', { tenant: 'demo', action: 'trial', csrf });
  });
  await page.context().close();
}

/** Reloads `target` until `selector` shows (the demo analysis runs in the background). */
async function waitForRows(page, target, selector, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    await page.goto(base + target);
    if (await page.waitForSelector(selector, { timeout: 5000 }).catch(() => null)) return;
    if (Date.now() > end) throw new Error(`no ${selector} on ${target} after ${ms / 1000} s`);
    await new Promise(r => setTimeout(r, 3000));
  }
}

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
  await page.goto(`${base}/risks?${SCOPE}`);
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
