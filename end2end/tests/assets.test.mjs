// Browser test of the Assets page: a real `apisec serve` (debug build) on a free port with a
// temporary data dir, driven through Debian's chromium by playwright-core.
//
// Depends on the demo seeding of the Demo tenant at first start (the ingest / demo helper's
// work): it waits up to 120 s for the background demo analysis to fill /assets. API security
// is switched on for the Demo tenant through the server functions as admin first (a 409 means
// it already was).
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

/** A cookie-keeping client for server functions (no browser). */
function apiClient() {
  let cookie = '';
  return async function call(name, form) {
    const res = await fetch(`${base}/api/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    const set = res.headers.get('set-cookie');
    if (set) {
      const m = set.match(/apisec_session=([^;]*)/);
      if (m) cookie = `apisec_session=${m[1]}`;
    }
    const text = await res.text();
    return { status: res.status, text };
  };
}

/** Consent + free trial for the Demo tenant, as admin (409 = already done). */
async function enableApiSecurity() {
  const call = apiClient();
  let csrf = JSON.parse((await call('session', {})).text).csrf;
  const login = await call('login', { username: 'admin', password: 'admin-password-1', csrf, next: '/overview' });
  assert.ok(login.status < 400, `admin login: ${login.status} ${login.text}`);
  csrf = JSON.parse((await call('session', {})).text).csrf;
  for (const action of ['consent', 'trial']) {
    const r = await call('api_security_action', { tenant: 'demo', action, csrf });
    assert.ok(r.status === 200 || r.status === 409, `${action}: ${r.status} ${r.text}`);
  }
}

// APISEC_E2E_DATA_DIR: run against an existing (for example pre-seeded) data dir, kept after.
const KEEP_DIR = process.env.APISEC_E2E_DATA_DIR;

before(async () => {
  dataDir = KEEP_DIR || mkdtempSync(path.join(tmpdir(), 'apisec-e2e-assets-'));
  const port = await freePort();
  const env = { ...process.env, APISEC_DATA_DIR: dataDir, APISEC_ADDR: `127.0.0.1:${port}`,
    APISEC_ADMIN_PASSWORD: 'admin-password-1', RUST_LOG: process.env.RUST_LOG || 'warn' };
  delete env.DATABASE_URL;
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  await waitHealthy(base);
  await enableApiSecurity();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir && !KEEP_DIR) rmSync(dataDir, { recursive: true, force: true });
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', m => { if (m.type() === 'error') page.errors.push(m.text()); });
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
  await page.waitForSelector('[data-testid=user]');
}

/** Reloads /assets until the table has rows (the demo analysis runs after the first start). */
async function waitForRows(page, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    for (const region of ['cn', 'intl']) {
      await page.goto(`${base}/assets?tenant=demo&region=${region}`);
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
  const openapi = await page.getAttribute('[data-testid=openapi-link]', 'href');
  const res = await page.request.get(base + openapi);
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
