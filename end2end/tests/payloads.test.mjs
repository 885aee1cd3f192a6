// Hostile log content is inert everywhere (issue 11). A log whose every field carries XSS,
// template-injection, CSV-injection and terminal-escape payloads (lib/payloads.mjs) goes in
// through the token endpoint of a data source (whose name is a payload too); after the
// analysis, every console page is visited with its drawers, tabs and tooltips opened. No
// payload may run (a `window.__pwned` setter reports any that does), no dialog may open, the
// DOM may hold no handler attribute, `javascript:` link or foreign script, Chromium may report
// no CSP violation (a blocked payload is still one that reached markup), and payload text must
// be visible as text. Every CSV export linked from the pages is downloaded and checked for
// formula cells, and the server's stderr for raw escape bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e, hydrated, shot } from '../lib/harness.mjs';
import { hostileLog, XSS, CSV } from '../lib/payloads.mjs';

const SCOPE = 'tenant=demo&region=cn';
const SOURCE_NAME = `<img src=x onerror="window.__pwned='source'"> =cmd|' /C calc'!A0`;
const h = e2e({
  name: 'payloads',
  env: { APISEC_DEMO_RECORDS_PER_DAY: '0', RUST_LOG: 'info' },
  viewport: { width: 1400, height: 900 },
  captureStderr: true,
  ready: h => h.enableApiSecurity(),
});

const pwned = [];
const dialogs = [];
const exportLinks = new Set();

/** A page that reports any payload that runs, in any frame, before the page's own scripts. */
async function watchedPage() {
  const page = await h.newPage();
  await page.exposeFunction('__reportPwned', v => pwned.push(`${page.url()}: ${v}`));
  await page.addInitScript(() => {
    let value;
    Object.defineProperty(window, '__pwned', {
      configurable: false,
      get: () => value,
      set: v => { value = v; window.__reportPwned(String(v)); },
    });
  });
  page.on('dialog', d => { dialogs.push(`${page.url()}: ${d.type()} ${d.message()}`); d.dismiss().catch(() => {}); });
  return page;
}

/** Nothing ran, nothing dangerous is in the DOM, no CSP report; collects the export links. */
async function assertInert(page, where) {
  assert.deepEqual(pwned, [], `${where}: a payload ran`);
  assert.deepEqual(dialogs, [], `${where}: a dialog opened`);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, where);
  const bad = await page.evaluate(() => {
    const found = [];
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      if (['iframe', 'object', 'embed', 'base', 'frame'].includes(tag)) found.push(`<${tag}>`);
      if (tag === 'meta' && el.httpEquiv) found.push(`<meta http-equiv=${el.httpEquiv}>`);
      if (tag === 'script' && !el.nonce && !(el.src && new URL(el.src).pathname.startsWith('/pkg/'))) {
        found.push(`<script> without nonce: ${el.outerHTML.slice(0, 80)}`);
      }
      for (const a of el.attributes) {
        if (a.name.startsWith('on')) found.push(`<${tag} ${a.name}>`);
        if (/^(href|src|action|formaction|data|xlink:href|srcdoc)$/.test(a.name) && /^\s*(javascript|data:text\/html|vbscript)/i.test(a.value)) {
          found.push(`<${tag} ${a.name}=${a.value.slice(0, 40)}>`);
        }
      }
    }
    return found;
  });
  assert.deepEqual(bad, [], `${where}: dangerous markup in the DOM`);
  const csp = page.errors.filter(e => /Content Security Policy|Refused to (execute|load|frame)/i.test(e));
  assert.deepEqual(csp, [], `${where}: CSP violations (a payload reached markup)`);
  for (const href of await page.$$eval('a[href^="/export/"]', as => as.map(a => a.getAttribute('href')))) {
    exportLinks.add(href);
  }
}

/** Visible text of the page includes payload text (escaped, shown as typed). */
async function showsPayloadText(page) {
  const text = await page.innerText('body');
  return text.includes('__pwned') || text.includes("cmd|' /C calc'");
}

/**
 * Opens every link matching `link` in turn (a drawer or detail view), checking each. A drawer
 * that does not open fails the test unless its link has left the list (the results were
 * replaced by a later analysis meanwhile).
 */
async function openEach(page, target, link, detail, max, where) {
  const links = async () => {
    await page.goto(h.base + target);
    await page.waitForSelector(`${link}, .empty, [data-testid=error]`, { timeout: 30000 });
    return page.$$eval(link, as => as.map(a => a.getAttribute('href')));
  };
  const hrefs = (await links()).slice(0, max);
  let shown = 0;
  let opened = 0;
  for (const href of hrefs) {
    await page.goto(h.base + href);
    await hydrated(page);
    const found = await page.waitForSelector(detail, { timeout: 30000 }).catch(() => null);
    if (!found) {
      const text = (await page.innerText('body')).slice(0, 300);
      assert.ok(!(await links()).includes(href), `${where} ${href} did not open: ${text}`);
      continue;
    }
    opened++;
    await assertInert(page, `${where} ${href}`);
    if (await showsPayloadText(page)) shown++;
  }
  return { opened, shown };
}

/** RFC 4180 cells of a CSV text. */
function csvCells(text) {
  const cells = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted cell');
        if (text[i] === '"' && text[i + 1] === '"') { cell += '"'; i += 2; } else if (text[i] === '"') { i++; break; } else cell += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') cell += text[i++];
    }
    cells.push(cell);
    if (text[i] === ',') i++;
    else if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else if (text[i] === '\n') i++;
  }
  return cells;
}

test('hostile log content stays text on every page, in every export and in the server log', { timeout: 900000 }, async () => {
  const page = await watchedPage();
  await h.login(page, 'demo', 'demo-password', `/data-sources?${SCOPE}`);
  await hydrated(page);
  // The watcher itself works: a script that sets the flag is reported.
  await page.evaluate(() => { window.__pwned = 'self-check'; });
  assert.deepEqual(pwned.splice(0).map(p => p.split(': ').pop()), ['self-check'], 'the watcher reports');

  // A source whose name is a payload, and the log through its token.
  await page.fill('[data-testid=source-name]', SOURCE_NAME);
  await page.selectOption('[data-testid=source-format]', 'jsonl');
  await page.click('[data-testid=create-source-button]');
  await page.waitForSelector('[data-testid=new-token]');
  const token = (await page.textContent('[data-testid=new-token]')).trim();
  const res = await fetch(h.base + '/ingest/v1/logs', { method: 'POST', body: hostileLog(),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });
  assert.equal(res.status, 201, await res.clone().text());
  const ingest = await res.json();
  assert.ok(ingest.accepted > 600, `most lines accepted: ${JSON.stringify({ ...ingest, errors: undefined })}`);
  await page.goto(`${h.base}/data-sources?${SCOPE}`);
  // Every job finished (result ids stay stable while the drawers are opened below).
  await page.waitForFunction(() => {
    const states = [...document.querySelectorAll('[data-testid=job-status]')].map(e => e.textContent);
    return states.includes('done') && !states.some(s => s === 'queued' || s === 'running');
  }, null, { timeout: 240000 });
  await assertInert(page, 'data sources');
  assert.ok((await page.innerText('[data-testid=sources]')).includes(SOURCE_NAME.trim()), 'the source name shows as text');
  if (ingest.rejected > 0) {
    await page.click('[data-testid=show-rejected]');
    await page.waitForSelector('[data-testid=rejected-row]');
    await assertInert(page, 'rejected lines');
  }

  // Basic Detection and Overview, with the chart tooltips hovered.
  await h.reloadUntil(page, `/basic-detection?${SCOPE}`, '[data-testid=event-card]', 180000);
  await hydrated(page);
  await assertInert(page, 'basic detection');
  await page.goto(`${h.base}/overview?${SCOPE}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=chart-assets] svg');
  for (const key of ['assets', 'risks', 'attacks']) {
    const bands = await page.$$(`[data-testid=chart-${key}] g.chart-hover rect`);
    for (const band of bands.slice(-3)) await band.hover();
  }
  await assertInert(page, 'overview');

  // Assets: list, every detail, the sensitive data tab and its types; payloads in the filters.
  await h.reloadUntil(page, `/assets?${SCOPE}`, '[data-testid=asset-row]', 180000);
  await hydrated(page);
  await assertInert(page, 'assets');
  assert.ok(await showsPayloadText(page), 'assets list shows payload text');
  await shot(page, 'payloads-assets.png');
  const apis = await openEach(page, `/assets?${SCOPE}`, '[data-testid=asset-link]', '[data-testid=detail-title]', 40, 'asset');
  assert.ok(apis.opened > 5 && apis.shown > 0, `asset details opened ${apis.opened}, with payload text ${apis.shown}`);
  const types = await openEach(page, `/assets?${SCOPE}&tab=sensitive`, '[data-testid=sensitive-link]', '[data-testid=type-api-row]', 20, 'sensitive type');
  assert.ok(types.opened > 0, 'sensitive data types were found');
  const q = encodeURIComponent(XSS[0][1]);
  await page.goto(`${h.base}/assets?${SCOPE}&q=${q}&host=${encodeURIComponent(XSS[1][1])}&api=${q}`);
  await hydrated(page);
  await assertInert(page, 'assets with payload filters');

  // Risks: every drawer (evidence, history).
  await h.reloadUntil(page, `/risks?${SCOPE}`, '[data-testid=risk-row]', 180000);
  const risks = await openEach(page, `/risks?${SCOPE}`, '[data-testid=risk-link]', '[data-testid=risk-detail]', 40, 'risk');
  assert.ok(risks.opened > 0 && risks.shown > 0, `risk drawers ${risks.opened}, with payload text ${risks.shown}`);
  await shot(page, 'payloads-risk-drawer.png');
  await page.goto(`${h.base}/risks?${SCOPE}&api=${q}&host=${q}&level=${q}`);
  await hydrated(page);
  await assertInert(page, 'risks with payload filters');

  // Events: both tabs, every drawer (timeline, samples).
  let events = 0;
  for (const tab of ['ip', 'account']) {
    const target = `/events?${SCOPE}&tab=${tab}`;
    await page.goto(h.base + target);
    await hydrated(page);
    await page.waitForSelector('[data-testid=event-tabs]');
    await assertInert(page, `events ${tab}`);
    const opened = await openEach(page, target, '[data-testid=event-link]', '[data-testid=event-detail]', 25, `event ${tab}`);
    events += opened.opened;
  }
  assert.ok(events > 0, 'events were raised from the hostile traffic');
  await page.goto(`${h.base}/events?${SCOPE}&host=${q}&tab=${q}`);
  await hydrated(page);
  await assertInert(page, 'events with payload filters');

  // Compliance: the review, leak tracing with a payload and a phone number, the printable report.
  await page.goto(`${h.base}/compliance?${SCOPE}`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=verdict]');
  for (const value of [XSS[1][1], '13810007919']) {
    await page.fill('[data-testid=trace-value]', value);
    await page.click('[data-testid=trace-submit]');
    await page.waitForSelector('[data-testid=trace-results]', { timeout: 30000 });
    await assertInert(page, 'compliance trace');
  }
  const report = await page.getAttribute('[data-testid=export-report]', 'href');
  await page.goto(h.base + report);
  await assertInert(page, 'compliance report');

  // Policies: the sample tester echoes a hostile sample; the sensitive tab and risk tab.
  await page.goto(`${h.base}/policies?${SCOPE}&tab=sensitive`);
  await hydrated(page);
  await page.waitForSelector('[data-testid=policy-form]');
  await page.fill('[data-testid=policy-form] input[name=name]', XSS[0][1]);
  await page.fill('[data-testid=policy-form] input[name=regex]', '1[3-9]\\d{9}');
  await page.fill('[data-testid=policy-form] textarea[name=sample]',
    JSON.stringify({ [XSS[1][1]]: '13812345678', note: XSS[4][1] }));
  await page.click('[data-testid=sample-test]');
  await page.waitForSelector('[data-testid=sample-results]');
  await assertInert(page, 'policies sample test');
  await page.goto(`${h.base}/policies?${SCOPE}&tab=risk`);
  await hydrated(page);
  await assertInert(page, 'policies risk tab');

  // Settings (the audit log names the hostile source).
  await page.goto(`${h.base}/settings?${SCOPE}`);
  await hydrated(page);
  await assertInert(page, 'settings');
  await page.context().close();

  // Every CSV export linked from the pages: no cell a spreadsheet would run as a formula.
  for (const tab of ['ip', 'account']) exportLinks.add(`/export/events.csv?${SCOPE}&tab=${tab}`);
  exportLinks.add(`/export/assets.csv?${SCOPE}`);
  exportLinks.add(`/export/risks.csv?${SCOPE}`);
  exportLinks.add(`/export/compliance.csv?${SCOPE}`);
  const ctx = await h.browser.newContext();
  const dl = await ctx.newPage();
  await h.login(dl, 'demo', 'demo-password', `/settings?${SCOPE}`);
  let guarded = 0;
  let payloadCells = 0;
  for (const href of [...exportLinks].filter(l => /\.csv(\?|$)/.test(l))) {
    const r = await dl.request.get(h.base + href);
    assert.equal(r.status(), 200, href);
    const cells = csvCells(await r.text());
    const formulas = cells.filter(c => /^[=+\-@\t\r]/.test(c));
    assert.deepEqual(formulas, [], `${href}: formula cells`);
    guarded += cells.filter(c => /^'[=+\-@\t\r]/.test(c)).length;
    payloadCells += cells.filter(c => c.includes('__pwned') || CSV.some(v => c.includes(v.trim()))).length;
  }
  assert.ok(payloadCells > 0, 'the exports carry payload text (so the guard was exercised)');
  assert.ok(guarded > 0, 'formula cells were neutralised with an apostrophe');
  await ctx.close();

  // The server log holds no raw escape byte from the payloads.
  const log = h.stderr();
  const esc = log.indexOf(0x1b);
  assert.equal(esc, -1, `raw ESC in the server log: ${JSON.stringify(log.subarray(Math.max(0, esc - 80), esc + 40).toString())}`);
  console.log(`payloads: ${ingest.accepted} lines accepted, ${ingest.rejected} rejected; ` +
    `${apis.opened} API details, ${types.opened} sensitive types, ${risks.opened} risks, ${events} events opened; ` +
    `${exportLinks.size} exports, ${guarded} guarded cells; server log ${log.length} bytes`);
});
