// Browser tests: a real `apisec serve` (debug build) on a free port with a temporary data dir,
// driven through Debian's chromium by playwright-core. Run with `make test-e2e`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
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

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'apisec-e2e-'));
  const port = await freePort();
  const env = { ...process.env, APISEC_DATA_DIR: dataDir, APISEC_ADDR: `127.0.0.1:${port}`,
    APISEC_ADMIN_PASSWORD: 'admin-password-1', APISEC_DEMO_RECORDS_PER_DAY: '0', RUST_LOG: process.env.RUST_LOG || 'warn' };
  delete env.DATABASE_URL;
  // a second tenant with its own admin, for the isolation test
  execFileSync(BIN, ['user', 'add', '--tenant', 'Acme', '--username', 'acme-admin', '--role', 'admin'],
    { env: { ...env, APISEC_USER_PASSWORD: 'acme-password' }, stdio: ['ignore', 'ignore', 'inherit'] });
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  base = `http://127.0.0.1:${port}`;
  await waitHealthy(base);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh browser context (own cookies) with a page that records console errors. */
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('console', m => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', e => page.errors.push(String(e)));
  return page;
}

async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30000 });
}

async function login(page, user, password, target = '/basic-detection?tenant=demo&region=cn') {
  await page.goto(base + target);
  await page.waitForURL(/\/login/);
  await hydrated(page);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(u => !u.pathname.startsWith('/login'), { timeout: 30000 });
  await page.waitForSelector('[data-testid=user]');
}

test('login leads to the page that was asked for', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', '/overview?tenant=demo&region=cn');
  assert.match(page.url(), /\/overview/);
  assert.match(await page.textContent('[data-testid=user]'), /demo/);
  assert.match(await page.textContent('h1'), /Overview/);
  await page.context().close();
});

test('region switcher changes URL and content without a full page load', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password');
  await hydrated(page);
  await page.waitForSelector('[data-testid=bd-scope]');
  assert.match(await page.textContent('[data-testid=bd-scope]'), /Chinese mainland/);
  await page.evaluate(() => { window.__marker = 'still-here'; });
  await page.click('[data-region=intl]');
  await page.waitForURL(/region=intl/);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=bd-scope]')?.textContent.includes('Outside Chinese mainland'));
  assert.equal(await page.textContent('[data-testid=region-label]'), 'Outside Chinese mainland');
  assert.equal(await page.evaluate(() => window.__marker), 'still-here', 'no full page load');
  assert.match(await page.getAttribute('[data-region=intl]', 'class'), /active/);
  const csp = page.errors.filter(e => /Content Security Policy/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations');
  await page.context().close();
});

test('a viewer cannot perform an admin action', async () => {
  const page = await newPage();
  await login(page, 'viewer', 'viewer-password', '/settings?tenant=demo&region=cn');
  await hydrated(page);
  await page.waitForSelector('[data-testid=api-security-card]');
  await page.check('[data-testid=consent-box]');
  await page.click('button[data-action=consent]');
  await page.waitForSelector('[data-testid=error]');
  assert.match(await page.textContent('[data-testid=error]'), /do not have permission/);
  assert.equal(await page.textContent('[data-testid=api-security-state]'), 'Not enabled');
  await page.context().close();
});

test('a user of one tenant cannot see another tenant', async () => {
  const page = await newPage();
  await login(page, 'acme-admin', 'acme-password', '/overview?tenant=acme&region=cn');
  const options = await page.$$eval('[data-testid=tenant-select] option', os => os.map(o => o.textContent));
  assert.deepEqual(options, ['Acme']);
  await page.goto(base + '/settings?tenant=demo&region=cn');
  await page.waitForSelector('[data-testid=error]');
  assert.match(await page.textContent('[data-testid=error]'), /not a member/);
  assert.equal(await page.$('[data-testid=api-security-card]'), null);
  await page.context().close();
});

test('an admin starts the free trial and sees when it expires', async () => {
  const page = await newPage();
  await login(page, 'admin', 'admin-password-1', '/settings?tenant=demo&region=cn');
  await hydrated(page);
  await page.waitForSelector('[data-testid=api-security-card]');
  await page.check('[data-testid=consent-box]');
  await page.click('button[data-action=consent]');
  await page.waitForSelector('button[data-action=trial]');
  await page.click('button[data-action=trial]');
  await page.waitForSelector('[data-testid=trial-expiry]');
  const expiry = await page.textContent('[data-testid=trial-expiry]');
  assert.match(expiry, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  const days = (Date.parse(expiry.replace(' UTC', 'Z').replace(' ', 'T')) - Date.now()) / 86400000;
  assert.ok(days > 6.9 && days <= 7.01, `expires in 7 days, got ${days}`);
  assert.equal(await page.textContent('[data-testid=api-security-state]'), 'Free trial');
  // pages that need API security now show content with the trial banner
  await page.click('.sidenav a[href^="/risks"]');
  await page.waitForSelector('[data-testid=trial-banner]');
  await page.waitForSelector('[data-testid=audit-log]', { state: 'detached' });
  await page.goto(base + '/settings?tenant=demo&region=cn');
  await page.waitForSelector('[data-testid=audit-log] table');
  assert.match(await page.textContent('[data-testid=audit-log]'), /api_security\.trial_started/);
  await page.context().close();
});
