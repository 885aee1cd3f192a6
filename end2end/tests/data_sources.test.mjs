// Data sources page: create a source (token shown once), upload a file with a progress bar,
// watch the analysis job finish, read a rejected line with its reason; the token endpoint;
// a viewer sees but cannot change. Runs a real `apisec serve` like console.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { e2e } from '../lib/harness.mjs';

const NATIVE = readFileSync(path.resolve(import.meta.dirname, '../../docs/formats/examples/native.jsonl'), 'utf8');
const h = e2e({ name: 'ds', env: { APISEC_DEMO_RECORDS_PER_DAY: '0' }, loginWaitsForUser: false });
const { newPage, hydrated, login } = h;

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
  await page.goto(h.base + '/data-sources?tenant=demo&region=cn');
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
  const ok = await fetch(h.base + '/ingest/v1/logs', { method: 'POST', body: NATIVE.replaceAll('api.shop', 'api2.shop'),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });
  assert.equal(ok.status, 201);
  const j = await ok.json();
  assert.equal(j.accepted, 5);
  assert.equal(j.duplicate, false);
  const bad = await fetch(h.base + '/ingest/v1/logs', { method: 'POST', body: NATIVE,
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
