// Browser tests of Basic Detection, Overview and the language switch (issue 9). A real
// `apisec serve` with a fresh data dir; the Demo tenant's demo data is analysed in the
// background at first start (seed_demo), so the first test waits until events show up.
// Screenshots of both pages in both languages go to end2end/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e } from '../lib/harness.mjs';

const SCOPE = 'tenant=demo&region=cn';
const h = e2e({ name: 'dash' });
const { newPage, hydrated, login, serverFn, shot } = h;

const num = async (page, id) => Number((await page.textContent(`[data-testid=${id}]`)).trim());

test('Basic Detection shows the analysed demo data', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', `/basic-detection?${SCOPE}`);
  // The demo analysis runs in the background after the first start: poll up to 120 s.
  const end = Date.now() + 120000;
  for (;;) {
    await page.waitForSelector('[data-testid=events-total]');
    if (await num(page, 'events-total') > 0) break;
    assert.ok(Date.now() < end, 'no events after 120 s: is the demo data seeded (seed_demo)?');
    await new Promise(r => setTimeout(r, 3000));
    await page.reload();
  }
  await hydrated(page);
  const { status, body: bd } = await serverFn(page, 'basic_detection', { tenant: 'demo', region: 'cn' });
  assert.equal(status, 200);
  assert.equal(await num(page, 'events-total'), bd.events_total);
  assert.equal(await num(page, 'events-high'), bd.events_high);
  assert.equal(await num(page, 'events-medium'), bd.events_medium);
  assert.equal(await num(page, 'events-low'), bd.events_low);
  assert.equal(bd.events_high + bd.events_medium + bd.events_low, bd.events_total);
  assert.equal(await num(page, 'apis-total'), bd.apis_total);
  assert.equal(await num(page, 'apis-active'), bd.apis_active);
  assert.equal(await num(page, 'apis-inactive'), bd.apis_total - bd.apis_active);
  const cards = await page.$$('[data-testid=event-card]');
  assert.equal(cards.length, Math.min(10, bd.events_total));
  const first = await cards[0].textContent();
  assert.ok(first.includes(bd.recent_events[0].path), 'card shows the API path');
  assert.ok(first.includes(bd.recent_events[0].domain), 'card shows the domain');
  assert.ok(first.includes(bd.recent_events[0].source), 'card shows the attack source');
  assert.match(await page.textContent('[data-testid=basic-limits]'), /no detail views/);
  await shot(page, 'basic-detection-en.png');
  assert.deepEqual(page.errors.filter(e => /Content Security Policy/i.test(e)), []);
  await page.context().close();
});

test('Overview: figures, legend toggle, period, sorting and More links', async () => {
  // An admin enables API security (consent, then the free trial; the seeded Demo tenant has it
  // purchased already, a 409: fine either way).
  await h.enableApiSecurity();

  const page = await newPage();
  await login(page, 'demo', 'demo-password', `/overview?${SCOPE}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=chart-assets] svg');
  const { status, body: ov } = await serverFn(page, 'overview', { tenant: 'demo', region: 'cn' });
  assert.equal(status, 200);
  assert.equal(ov.preset, 30);
  assert.equal(await page.textContent('[data-testid=period-to]'), ov.to);
  assert.equal(await num(page, 'ov-apis-total'), ov.apis_total);
  assert.equal(await num(page, 'ov-risks-new'), ov.risks_new);
  assert.equal(await num(page, 'ov-attacks'), ov.attacks);
  assert.equal(await num(page, 'ov-events'), ov.events);
  // Independent count: Basic Detection's API total is the Overview's total at the period end.
  const { body: bd } = await serverFn(page, 'basic_detection', { tenant: 'demo', region: 'cn' });
  assert.equal(ov.apis_total, bd.apis_total);
  // Charts: server-drawn SVG with axes, legend and one hover title per day.
  for (const key of ['assets', 'risks', 'attacks']) {
    const svg = await page.$(`[data-testid=chart-${key}] svg`);
    assert.ok(svg, key);
    assert.ok(await svg.evaluate(s => s.querySelectorAll('g.chart-hover title').length) >= 30, `${key} hover titles`);
    assert.match(await svg.textContent(), /Date \(UTC\)/);
  }
  await shot(page, 'overview-en.png');

  // Legend item toggles the series off and on again.
  const legend = '[data-testid=chart-assets] .legend-item[data-series=active]';
  assert.equal(await page.getAttribute(legend, 'aria-pressed'), 'true');
  assert.match(await page.textContent('[data-testid=chart-assets] svg'), /Active APIs/);
  await page.click(legend);
  await page.waitForURL(/hide=active/);
  await page.waitForFunction(sel => document.querySelector(sel)?.getAttribute('aria-pressed') === 'false', legend);
  await page.waitForFunction(() => !document.querySelector('[data-testid=chart-assets] svg').textContent.includes('Active APIs'));
  assert.match(await page.textContent('[data-testid=chart-assets] svg'), /Total API Assets/);
  await page.click(legend);
  await page.waitForFunction(sel => document.querySelector(sel)?.getAttribute('aria-pressed') === 'true', legend);
  assert.doesNotMatch(page.url(), /hide=active/);

  // Period: 7 days.
  await page.click('[data-period="7"]');
  await page.waitForURL(/period=7/);
  await page.waitForFunction(() => document.querySelector('[data-period="7"]')?.classList.contains('active'));
  const from = new Date(await page.textContent('[data-testid=period-from]'));
  const to = new Date(await page.textContent('[data-testid=period-to]'));
  assert.equal((to - from) / 86400000, 6);

  // Sort the attacked sites by name, ascending then descending.
  const hosts = () => page.$$eval('[data-testid=attacked-host]', as => as.map(a => a.textContent));
  await page.click('[data-testid=table-attacked] a[data-sort="host.asc"]');
  await page.waitForURL(/sort_attacked=host\.asc/);
  await page.waitForSelector('[data-testid=table-attacked] th[aria-sort=ascending]');
  const asc = await hosts();
  assert.deepEqual(asc, [...asc].sort());
  await page.click('[data-testid=table-attacked] a[data-sort="host.desc"]');
  await page.waitForURL(/sort_attacked=host\.desc/);
  await page.waitForSelector('[data-testid=table-attacked] th[aria-sort=descending]');
  assert.deepEqual(await hosts(), [...asc].reverse());

  // "More" on a site row opens the events page filtered by that host.
  const host = (await hosts())[0];
  await page.click('[data-testid=attacked-host]');
  await page.waitForURL(/\/events\?/);
  assert.equal(new URL(page.url()).searchParams.get('host'), host);
  assert.equal(new URL(page.url()).searchParams.get('tenant'), 'demo');
  assert.deepEqual(page.errors.filter(e => /Content Security Policy/i.test(e)), []);
  await page.context().close();
});

test('the console switches to Chinese and back, and remembers it', async () => {
  const page = await newPage();
  await login(page, 'demo', 'demo-password', `/overview?${SCOPE}`);
  await hydrated(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('[data-testid=lang-switch] button[data-lang=zh]');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await page.waitForSelector('[data-testid=chart-assets] svg');
  assert.equal(await page.textContent('h1'), '概览');
  assert.match(await page.textContent('.sidenav'), /基础检测/);
  assert.match(await page.textContent('[data-testid=chart-assets] svg'), /API 资产总数/);
  assert.match(page.url(), /\/overview\?tenant=demo/, 'stays on the same page');
  await shot(page, 'overview-zh.png');
  // Remembered across pages and new page loads.
  await page.goto(`${h.base}/basic-detection?${SCOPE}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=events-total]');
  assert.equal(await page.textContent('h1'), '基础检测');
  assert.match(await page.textContent('[data-testid=events-overview]'), /安全事件概览/);
  const cookie = (await page.context().cookies()).find(c => c.name === 'apisec_lang');
  assert.equal(cookie?.value, 'zh');
  assert.equal(cookie?.sameSite, 'Lax');
  assert.ok(cookie.expires * 1000 - Date.now() > 360 * 86400000, 'kept for a year');
  await shot(page, 'basic-detection-zh.png');
  // And back to English.
  await page.click('[data-testid=lang-switch] button[data-lang=en]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.waitForSelector('h1');
  assert.equal(await page.textContent('h1'), 'Basic Detection');
  await page.context().close();
});
