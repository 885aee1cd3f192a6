// The one harness of the browser tests: a real `apisec serve` (debug build) on a free port with
// a temporary data dir, Debian's chromium driven by playwright-core, and the steps every test
// repeats (login, hydration wait, screenshots, server functions). Each test file calls
// `e2e({...})` once at top level; it registers the node:test `before`/`after` hooks and returns
// the handle the tests use. The options carry what differs between files.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.APISEC_BIN || path.resolve(import.meta.dirname, '../../target/debug/apisec');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.resolve(import.meta.dirname, '../screenshots');
export const ADMIN_PASSWORD = 'admin-password-1';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHealthy(url, ms, pollMs) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url + '/healthz')).ok) return; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, pollMs));
  }
  throw new Error('server did not become healthy');
}

/**
 * Starts the server and the browser for one test file.
 *
 * Options: `name` (temp dir prefix), `env` (extra server env, e.g. demo data off), `dataDir`
 * (an existing dir, kept afterwards), `beforeServe(cli)` (CLI commands on the fresh data dir
 * before the server starts), `ready(h)` (after server and browser are up), `viewport`,
 * `consoleErrors` (record console errors in `page.errors`, not only uncaught ones),
 * `loginWaitsForUser` (login also waits for the user menu), `healthTimeout` / `healthPoll`,
 * `captureStderr` (keep the server's stderr in `h.stderr()` instead of passing it through).
 */
export function e2e(options = {}) {
  const o = {
    name: 'e2e', env: {}, viewport: { width: 1280, height: 900 }, consoleErrors: true,
    loginWaitsForUser: true, healthTimeout: 60000, healthPoll: 200, captureStderr: false, ...options,
  };
  const stderr = [];
  let server;
  const h = {
    base: '', dataDir: '', browser: null,
    /** The server's stderr so far (with `captureStderr`). */
    stderr: () => Buffer.concat(stderr),
    newPage: (viewport = o.viewport) => newPage(h.browser, viewport, o.consoleErrors),
    hydrated,
    login: (page, user, password, target) => login(h.base, page, user, password, target, o.loginWaitsForUser),
    shot,
    serverFn,
    client: () => apiClient(h.base),
    /** Reloads `target` until `selector` shows (analyses run in the background). */
    reloadUntil: async (page, target, selector, ms = 120000) => {
      const end = Date.now() + ms;
      for (;;) {
        await page.goto(h.base + target);
        if (await page.waitForSelector(selector, { timeout: 5000 }).catch(() => null)) return;
        if (Date.now() > end) throw new Error(`no ${selector} on ${target} after ${ms / 1000} s`);
        await new Promise(r => setTimeout(r, 3000));
      }
    },
    enableApiSecurity: (tenant = 'demo') => enableApiSecurity(h.base, tenant),
  };

  before(async () => {
    h.dataDir = o.dataDir || mkdtempSync(path.join(tmpdir(), `apisec-e2e-${o.name}-`));
    const port = await freePort();
    const env = { ...process.env, APISEC_DATA_DIR: h.dataDir, APISEC_ADDR: `127.0.0.1:${port}`,
      APISEC_ADMIN_PASSWORD: ADMIN_PASSWORD, RUST_LOG: process.env.RUST_LOG || 'warn', ...o.env };
    delete env.DATABASE_URL;
    if (o.beforeServe) {
      await o.beforeServe((args, extra = {}) => execFileSync(BIN, args,
        { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', o.captureStderr ? 'pipe' : 'inherit'] });
    server.stderr?.on('data', chunk => stderr.push(chunk));
    h.base = `http://127.0.0.1:${port}`;
    await waitHealthy(h.base, o.healthTimeout, o.healthPoll);
    h.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    if (o.ready) await o.ready(h);
  });

  after(async () => {
    await h.browser?.close();
    server?.kill('SIGTERM');
    if (h.dataDir && !o.dataDir) rmSync(h.dataDir, { recursive: true, force: true });
  });
  return h;
}

/** A fresh browser context (own cookies) with a page that collects errors in `page.errors`. */
async function newPage(browser, viewport, consoleErrors) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.errors = [];
  if (consoleErrors) page.on('console', m => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', e => page.errors.push(String(e)));
  return page;
}

/** Waits until Leptos has hydrated the page (the app marks `<body>`). */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30000 });
}

/** Opens `target` signed out, lands on the login page, signs in and follows to the target. */
async function login(base, page, user, password, target, waitForUser) {
  await page.goto(base + target);
  await page.waitForURL(/\/login/);
  await hydrated(page);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(u => !u.pathname.startsWith('/login'), { timeout: 30000 });
  if (waitForUser) await page.waitForSelector('[data-testid=user]');
}

/** A full-page screenshot into end2end/screenshots/. */
export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** Calls a server function from inside the page (same origin, the page's session). */
export async function serverFn(page, name, form) {
  return page.evaluate(async ([name, form]) => {
    const r = await fetch('/api/' + name, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
    return { status: r.status, body: await r.json() };
  }, [name, form]);
}

/** A cookie-keeping client for server functions outside the browser. */
export function apiClient(base) {
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
    return { status: res.status, text: await res.text(), cookie };
  };
}

/** Consent + free trial for a tenant, as admin (409: already enabled, e.g. by the demo seeding). */
export async function enableApiSecurity(base, tenant = 'demo') {
  const call = apiClient(base);
  let csrf = JSON.parse((await call('session', {})).text).csrf;
  const login = await call('login', { username: 'admin', password: ADMIN_PASSWORD, csrf, next: '/overview' });
  assert.ok(login.status < 400, `admin login: ${login.status} ${login.text}`);
  csrf = JSON.parse((await call('session', {})).text).csrf;
  for (const action of ['consent', 'trial']) {
    const r = await call('api_security_action', { tenant, action, csrf });
    assert.ok(r.status === 200 || r.status === 409, `${action}: ${r.status} ${r.text}`);
  }
}
