// Browser tests: a real `apisec serve` (debug build) on a free port with a temporary data dir,
// driven through Debian's chromium by playwright-core. Run with `make test-e2e`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

const h = e2e({
  name: 'console',
  env: { APISEC_DEMO_RECORDS_PER_DAY: '0' },
  viewport: { width: 1280, height: 800 },
  // a second tenant with its own admin, for the isolation test
  beforeServe: cli => cli(['user', 'add', '--tenant', 'Acme', '--username', 'acme-admin', '--role', 'admin'],
    { APISEC_USER_PASSWORD: 'acme-password' }),
});
const { newPage, hydrated } = h;
const login = (page, user, password, target = '/basic-detection?tenant=demo&region=cn') =>
  h.login(page, user, password, target);

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
  await page.goto(h.base + '/settings?tenant=demo&region=cn');
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
  await page.goto(h.base + '/settings?tenant=demo&region=cn');
  await page.waitForSelector('[data-testid=audit-log] table');
  assert.match(await page.textContent('[data-testid=audit-log]'), /api_security\.trial_started/);
  await page.context().close();
});
