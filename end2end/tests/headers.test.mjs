// Security headers as Chromium receives and applies them (issue 11): for the login page and
// every console page, the main response carries a nonce-based CSP without 'unsafe-inline',
// frame-ancestors 'none', nosniff and a referrer policy; the page's own scripts carry the
// nonce (it hydrates), while a script injected without it, an inline handler and a string
// timer (eval) are refused, and the page cannot be framed. Other responses get the deny-all policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { e2e, hydrated, shot } from '../lib/harness.mjs';

const SCOPE = 'tenant=demo&region=cn';
// The console pages of server/src/security.rs (CONSOLE_PAGES without `/`, a redirect).
const PAGES = ['/basic-detection', '/overview', '/assets', '/risks', '/events', '/compliance',
  '/policies', '/data-sources', '/settings'];
const h = e2e({ name: 'headers', env: { APISEC_DEMO_RECORDS_PER_DAY: '0' } });

/** The CSP as a map of directive to its source list. */
function directives(csp) {
  return new Map(csp.split(';').map(d => d.trim().split(/\s+/)).filter(d => d[0]).map(([k, ...v]) => [k, v]));
}

/** Asserts the headers of an HTML page and returns its nonce. */
function checkPageHeaders(headers, where) {
  const csp = headers['content-security-policy'];
  assert.ok(csp, `${where}: CSP header`);
  const d = directives(csp);
  const script = d.get('script-src') ?? d.get('default-src');
  assert.ok(script, `${where}: script-src`);
  assert.ok(!script.includes("'unsafe-inline'") && !script.includes("'unsafe-eval'") && !script.includes('*'), `${where}: ${script}`);
  const nonce = script.find(s => s.startsWith("'nonce-"))?.slice(7, -1);
  assert.ok(nonce && nonce.length >= 16, `${where}: a nonce in script-src: ${script}`);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"], `${where}: frame-ancestors`);
  assert.deepEqual(d.get('object-src'), ["'none'"], `${where}: object-src`);
  assert.deepEqual(d.get('base-uri'), ["'none'"], `${where}: base-uri`);
  assert.equal(headers['x-content-type-options'], 'nosniff', where);
  assert.ok(['same-origin', 'no-referrer', 'strict-origin', 'strict-origin-when-cross-origin'].includes(headers['referrer-policy']),
    `${where}: referrer-policy ${headers['referrer-policy']}`);
  assert.equal(headers['x-frame-options'], 'DENY', where);
  return nonce;
}

/** What Chromium lets an attacker's script do on this page (all should be refused). */
async function probe(page) {
  return page.evaluate(async () => {
    const violations = [];
    document.addEventListener('securitypolicyviolation', e => violations.push(e.violatedDirective));
    const s = document.createElement('script');
    s.textContent = 'window.__injected = "script"';
    document.body.appendChild(s);
    const wrong = document.createElement('script');
    wrong.setAttribute('nonce', 'not-the-nonce');
    wrong.textContent = 'window.__injected = "wrong-nonce"';
    document.body.appendChild(wrong);
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__injected = "handler"');
    img.src = 'data:,broken';
    document.body.appendChild(img);
    // A string timer is eval as the page runs it (page.evaluate itself is exempt from CSP).
    setTimeout('window.__injected = "string-timer"', 0);
    await new Promise(r => setTimeout(r, 300));
    const own = [...document.scripts].filter(x => x.nonce).length;
    return { injected: window.__injected, violations, own };
  });
}

test('every page carries the policy and Chromium applies it', { timeout: 300000 }, async () => {
  const page = await h.newPage();
  const login = await page.goto(`${h.base}/login`);
  const loginNonce = checkPageHeaders(login.headers(), '/login');
  await hydrated(page);
  const again = await page.goto(`${h.base}/login`);
  assert.notEqual(checkPageHeaders(again.headers(), '/login again'), loginNonce, 'a fresh nonce per response');
  await hydrated(page);
  await h.login(page, 'demo', 'demo-password', `/settings?${SCOPE}`);
  for (const target of ['/login', ...PAGES]) {
    const p = target === '/login' ? await h.newPage() : page;
    const res = await p.goto(`${h.base}${target}?${SCOPE}`);
    assert.equal(res.status(), 200, target);
    assert.equal(new URL(p.url()).pathname, target);
    const nonce = checkPageHeaders(res.headers(), target);
    await hydrated(p); // the app's own scripts ran: they carry the nonce
    assert.ok((await res.text()).includes(`nonce="${nonce}"`), `${target}: the page's scripts carry the header's nonce`);
    const r = await probe(p);
    assert.equal(r.injected, undefined, `${target}: an injected script ran (${r.injected})`);
    assert.ok(r.violations.includes('script-src') || r.violations.includes('eval'), `${target}: string eval refused ${r.violations}`);
    assert.ok(r.violations.includes('script-src-elem') || r.violations.includes('script-src'), `${target}: violations ${r.violations}`);
    assert.ok(r.violations.includes('script-src-attr') || r.violations.includes('script-src'), `${target}: handler refused ${r.violations}`);
    assert.ok(r.own > 0, `${target}: the page's own scripts carry a nonce`);
    if (target === '/overview') await shot(p, 'headers-overview.png');
    if (p !== page) await p.context().close();
  }
  await page.context().close();
});

test('a console page cannot be framed by another site', async () => {
  const page = await h.newPage();
  await h.login(page, 'demo', 'demo-password', `/overview?${SCOPE}`);
  const blocked = [];
  page.on('console', m => { if (/frame-ancestors|Refused to (display|frame)/i.test(m.text())) blocked.push(m.text()); });
  // about:blank is another origin than the server: a clickjacking page.
  await page.goto('about:blank');
  await page.setContent(`<iframe id=victim src="${h.base}/overview?${SCOPE}" width=800 height=600></iframe>`);
  await page.waitForTimeout(2000);
  const frame = page.frames().find(f => f !== page.mainFrame());
  assert.ok(frame, 'the iframe exists');
  const content = await frame.evaluate(() => document.querySelector('[data-testid=user], input[name=username]') ? 'console' : 'blocked')
    .catch(() => 'blocked');
  assert.equal(content, 'blocked', 'the console did not render inside a frame');
  assert.ok(!frame.url().startsWith(h.base) || blocked.length > 0, `frame url ${frame.url()}, console ${blocked}`);
  await page.context().close();
});

test('non-page responses get the deny-all policy and nosniff', async () => {
  for (const [target, init] of [['/healthz'], ['/pkg/apisec.css'], [`/export/risks.csv?${SCOPE}`],
    ['/api/session', { method: 'POST' }], ['/no-such-page-<script>']]) {
    const res = await fetch(h.base + target, { ...init, redirect: 'manual' });
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', target);
    assert.ok(res.headers.get('referrer-policy'), `${target}: referrer-policy`);
    assert.match(csp, /frame-ancestors 'none'/, `${target}: ${csp}`);
    assert.doesNotMatch((directives(csp).get('script-src') ?? []).join(' '), /unsafe-inline/, target);
    if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) {
      assert.match(csp, /default-src 'none'/, `${target}: ${csp}`);
    }
  }
});
