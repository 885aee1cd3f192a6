// Data sources page: create a source (token shown once), upload a file with a progress bar,
// watch the analysis job finish, read a rejected line with its reason; the token endpoint;
// a viewer sees but cannot change. Runs a real `apisec serve` like console.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.APISEC_BIN || path.resolve(import.meta.dirname, '../../target/debug/apisec');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const NATIVE = readFileSync(path.resolve(import.meta.dirname, '../../docs/formats/examples/native.jsonl'), 'utf8');
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
  dataDir = mkdtempSync(path.join(tmpdir(), 'apisec-e2e-ds-'));
  const port = await freePort();
  const env = { ...process.env, APISEC_DATA_DIR: dataDir, APISEC_ADDR: `127.0.0.1:${port}`,
    APISEC_ADMIN_PASSWORD: 'admin-password-1', APISEC_DEMO_RECORDS_PER_DAY: '0',
    RUST_LOG: process.env.RUST_LOG || 'warn' };
  delete env.DATABASE_URL;
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

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
}

let token;

test('an analyst creates a source, uploads a file, sees the job finish and a rejected line', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', '/data-sources?tenant=demo&region=cn');
  await hydrated(page);
  await page.fill('[data-testid=source-name]', 'e2e web');
  await page.selectOption('[data-testid=source-format]', 'jsonl');
  await page.click('[data-testid=create-source-button]');
  await page.waitForSelector('[data-testid=new-token]');
  token = (await page.textContent('[data-testid=new-token]')).trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.match(await page.textContent('[data-testid=curl-example]'), new RegExp(`Bearer ${token}`));
  assert.match(await page.textContent('[data-testid=ingest-url]'), /\/ingest\/v1\/logs$/);
  await page.waitForSelector('[data-testid=upload-file]');

  // A file with good lines and one hostile bad line (must be shown as text, never run).
  const bad = '<img src=x onerror="window.__xss=1"> not a log line';
  const body = NATIVE.trimEnd() + '\n' + bad + '\n';
  await page.setInputFiles('[data-testid=upload-file]',
    { name: 'mixed.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(body) });
  await page.click('[data-testid=upload-button]');
  await page.waitForFunction(() =>
    document.querySelector('[data-testid=upload-percent]')?.textContent === '100%');
  await page.waitForSelector('[data-testid=upload-result]');
  assert.match(await page.textContent('[data-testid=upload-result]'), /Stored as segment \d+: 5 lines accepted, 1 rejected/);
  assert.match(await page.textContent('[data-testid=upload-errors]'), /line 6: /);

  // The analysis job is polled until it is done.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid=job-status]')].some(e => e.textContent === 'done'),
    null, { timeout: 120000 });
  assert.match(await page.textContent('[data-testid=job-percent]'), /100%/);

  // The segment lists its rejected line with the reason; the excerpt is escaped text.
  await page.waitForSelector('[data-testid=show-rejected]');
  await page.click('[data-testid=show-rejected]');
  await page.waitForURL(/segment=\d+/);
  await page.waitForSelector('[data-testid=rejected-row]');
  const row = await page.textContent('[data-testid=rejected-row]');
  assert.match(row, /^6/);
  assert.ok((await page.textContent('[data-testid=rejected-reason]')).length > 3);
  assert.match(row, /<img src=x onerror=/);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'log text is never markup');

  // Uploading the same file again is a duplicate.
  await page.goto(base + '/data-sources?tenant=demo&region=cn');
  await hydrated(page);
  await page.setInputFiles('[data-testid=upload-file]',
    { name: 'again.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(body) });
  await page.click('[data-testid=upload-button]');
  await page.waitForSelector('[data-testid=upload-result]');
  assert.match(await page.textContent('[data-testid=upload-result]'), /Duplicate, already stored/);
  await page.waitForSelector('[data-testid=duplicate-marker]');
  assert.equal((await page.$$('[data-testid=segment-row]')).length, 1);
  const csp = page.errors.filter(e => /Content Security Policy/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations');
  await page.context().close();
});

test('the token endpoint takes NDJSON and refuses a bad token', async () => {
  assert.ok(token, 'needs the source of the first test');
  const ok = await fetch(base + '/ingest/v1/logs', { method: 'POST', body: NATIVE.replaceAll('api.shop', 'api2.shop'),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });
  assert.equal(ok.status, 201);
  const j = await ok.json();
  assert.equal(j.accepted, 5);
  assert.equal(j.duplicate, false);
  const bad = await fetch(base + '/ingest/v1/logs', { method: 'POST', body: NATIVE,
    headers: { authorization: 'Bearer nope' } });
  assert.equal(bad.status, 401);
});

test('a viewer sees sources and segments but cannot change them', async () => {
  const page = await newPage();
  await login(page, 'viewer', 'viewer-password', '/data-sources?tenant=demo&region=cn');
  await hydrated(page);
  await page.waitForSelector('[data-testid=segment-row]');
  assert.equal(await page.$('[data-testid=upload]'), null);
  assert.equal(await page.$('[data-testid=create-source]'), null);
  assert.equal(await page.$('[data-testid=cancel-job]'), null);
  assert.equal(await page.$('[data-testid=retention-input]'), null);
  await page.context().close();
});
