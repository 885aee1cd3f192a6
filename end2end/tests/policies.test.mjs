// Browser test of the Policies page: a real `apisec serve` on a free port with a temporary data
// dir, driven through Debian's chromium. Run: APISEC_BIN=target/debug/apisec node --test
// tests/policies.test.mjs (from end2end/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

const h = e2e({ name: 'policies' });
const { newPage, hydrated, login } = h;

const POLICIES = '/policies?tenant=demo&region=cn';

test('API security is on for the Demo tenant (an admin starts the trial if needed)', async () => {
  const page = await newPage();
  await login(page, 'admin', 'admin-password-1', POLICIES);
  await hydrated(page);
  await page.waitForSelector('[data-testid=policy-tabs], [data-testid=needs-api-security]');
  if (await page.$('[data-testid=needs-api-security]')) {
    await page.goto(h.base + '/settings?tenant=demo&region=cn');
    await hydrated(page);
    await page.waitForSelector('[data-testid=api-security-card]');
    await page.check('[data-testid=consent-box]');
    await page.click('button[data-action=consent]');
    await page.waitForSelector('button[data-action=trial]');
    await page.click('button[data-action=trial]');
    await page.waitForSelector('[data-testid=trial-expiry]');
    await page.goto(h.base + POLICIES);
  }
  await page.waitForSelector('[data-testid=policy-tabs]');
  // the built-in policies are listed read-only with their count
  await page.waitForSelector('[data-testid=builtin-count]');
  assert.ok(Number(await page.textContent('[data-testid=builtin-count]')) >= 63);
  await page.context().close();
});

test('an analyst writes a sensitive data policy: bad regex, sample test, save', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', POLICIES + '&tab=sensitive');
  await hydrated(page);
  await page.waitForSelector('[data-testid=policy-form]');
  assert.match(await page.textContent('[data-testid=tab-sensitive]'), /Sensitive data/);
  assert.match(await page.getAttribute('[data-testid=tab-sensitive]', 'class'), /active/);
  const form = '[data-testid=policy-form]';

  await page.fill(`${form} input[name=name]`, 'Employee ID');
  await page.fill(`${form} input[name=regex]`, 'EMP-(\\d{6}');
  await page.selectOption(`${form} select[name=level]`, 'S3');
  await page.click('[data-testid=policy-save]');
  await page.waitForSelector('[data-testid="field-error-regex"]');
  assert.match(await page.textContent('[data-testid="field-error-regex"]'), /invalid regular expression/);
  assert.equal(await page.$('[data-testid=policy-row]'), null, 'nothing saved');

  await page.fill(`${form} input[name=regex]`, 'EMP-\\d{6}');
  await page.fill(`${form} textarea[name=sample]`, '{"user":{"staffNo":"EMP-123456","mobile":"13800138000"}}');
  await page.click('[data-testid=sample-test]');
  await page.waitForSelector('[data-testid=sample-match][data-custom=true]');
  assert.equal(await page.$('[data-testid="field-error-regex"]'), null, 'error cleared');
  const row = await page.textContent('[data-testid=sample-match][data-custom=true]');
  assert.match(row, /Employee ID/);
  assert.match(row, /json\.user\.staffNo/);
  assert.doesNotMatch(row, /123456/, 'the match is shown masked');

  await page.click('[data-testid=policy-save]');
  await page.waitForURL(/saved=1/);
  await page.waitForSelector('[data-testid=policy-saved]');
  assert.match(await page.textContent('[data-testid=policy-saved]'), /next analysis/);
  await page.waitForSelector('[data-testid=policy-row]');
  assert.match(await page.textContent('[data-testid=policy-row] [data-testid=policy-name]'), /Employee ID/);
  assert.match(await page.textContent('[data-testid=policy-row]'), /type 100000/);

  // turning it off is one click and shows in the list
  await page.click('[data-testid=policy-toggle]');
  await page.waitForSelector('[data-testid=policy-toggle][data-enabled=false]');
  assert.deepEqual(page.errors.filter(e => /Content Security Policy|panicked/i.test(e)), []);
  await page.context().close();
});

test('an analyst creates a risk rule', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', POLICIES + '&tab=risk');
  // a full page load (server render + hydration), not only client-side navigation
  await page.goto(h.base + POLICIES + '&tab=risk');
  await hydrated(page);
  await page.waitForSelector('[data-testid=risk-condition]');
  const form = '[data-testid=policy-form]';
  await page.fill(`${form} input[name=name]`, 'Debug token in responses');
  await page.selectOption(`${form} select[name=level]`, 'high');
  // the first condition is a content match on the response body
  await page.fill(`${form} [data-testid=risk-condition] input[name=cond_regex]`, '(?i)x-debug-token');
  await page.click('[data-testid=policy-save]');
  await page.waitForSelector('[data-testid="field-error-suggestion"]');
  await page.fill(`${form} textarea[name=suggestion]`, 'Remove debug output from production responses.');
  // a second condition: server errors only
  await page.click('[data-testid=add-condition]');
  assert.equal((await page.$$('[data-testid=risk-condition]')).length, 2);
  // previewing needs stored traffic: with none, the page says so
  await page.click('[data-testid=policy-preview]');
  await page.waitForSelector('[data-testid=preview-empty], [data-testid=preview-summary]');
  await page.click('[data-testid=policy-save]');
  await page.waitForURL(/saved=1/);
  await page.waitForSelector('[data-testid=policy-row]');
  assert.match(await page.textContent('[data-testid=policy-row]'), /Debug token in responses/);
  assert.match(await page.textContent('[data-testid=policy-row]'), /content, status/);
  assert.deepEqual(page.errors.filter(e => /panicked|unreachable/i.test(e)), [], 'hydration without errors');
  await page.context().close();
});

test('a viewer sees the policies but no form', async () => {
  const page = await newPage();
  await login(page, 'viewer', 'viewer-password', POLICIES + '&tab=sensitive');
  await hydrated(page);
  await page.waitForSelector('[data-testid=policy-row]');
  await page.waitForSelector('[data-testid=read-only]');
  assert.equal(await page.$('[data-testid=policy-form]'), null);
  assert.equal(await page.$('[data-testid=policy-delete]'), null);
  await page.context().close();
});
