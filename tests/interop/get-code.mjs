#!/usr/bin/env node
// Mint an authorization code from the interop server (server.mjs) by driving
// oidc-provider's devInteractions login + consent pages with plain fetch:
// manual redirects, a hand-rolled cookie jar, no browser. The final redirect
// to redirect_uri is NOT followed; `code` is read from its Location header.
//
//   node get-code.mjs --issuer URL --client-id ID [--redirect-uri U]
//        [--scope S] [--code-challenge C [--code-challenge-method S256]]
//        [--state S] [--resource R] [--login NAME] [--param k=v ...]
//
// Prints only the code on stdout. Exit 1 (message on stderr) on any error,
// including an error=... redirect from the authorization server.
//
// Device flow (RFC 8628) approval instead of a code:
//   node get-code.mjs --issuer URL --user-code XXXX-XXXX [--verification-uri U] [--login NAME]
// opens verification_uri?user_code=..., confirms, logs in, consents; prints
// nothing and exits 0 once the provider shows its success page. The device
// then gets tokens by polling the token endpoint with its device_code.
//
// Browser mode (RFC 8252 loopback sign-in), for a client that builds its own
// authorization request and runs its own loopback listener:
//   node get-code.mjs --url 'AUTHORIZATION_URL' --follow [--deny] [--login NAME] [--timeout SECONDS]
// --url takes the authorization URL exactly as the client built it (its
// client_id, redirect_uri http://127.0.0.1:PORT/PATH, state, PKCE, scope,
// prompt, ...); the issuer is the URL's origin unless --issuer says otherwise.
// --follow does the same login + consent, then, like a browser, sends a GET
// to the final redirect Location (the client's listener; loopback hosts only,
// no redirects followed from there) and prints on stdout a first line
// `HTTP <status>` followed by the listener's response body, verbatim. Exit 0
// on any HTTP answer (whatever the status), 1 when there is none (connection
// refused, reset, or nothing within --timeout, default 30 s).
// --deny (implies --follow) aborts the interaction at the consent step
// (GET /interaction/:uid/abort), so the redirect delivered to the listener
// carries error=access_denied (plus state and iss).
// The redirect is delivered whatever it carries: code, or an error the
// provider chose (invalid_scope, login_required for prompt=none, ...).
// Without --follow, --url just prints the code as in the first form.
// --follow and --deny also work with the first form (--issuer --client-id ...).

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { isIP } from 'node:net';

function usage(msg) {
  if (msg) process.stderr.write(`get-code.mjs: ${msg}\n`);
  process.stderr.write('usage: node get-code.mjs --issuer URL --client-id ID [--redirect-uri U] [--scope S] '
    + '[--code-challenge C] [--code-challenge-method M] [--state S] [--resource R] [--login NAME] [--param k=v]...\n'
    + '       node get-code.mjs --issuer URL --user-code CODE [--verification-uri U] [--login NAME]\n'
    + '       node get-code.mjs --url AUTHORIZATION_URL [--follow] [--deny] [--login NAME] [--timeout SECONDS] [--issuer URL]\n'
    + '       (--follow and --deny also go with the first form)\n');
  process.exit(2);
}

const opts = {
  issuer: undefined,
  clientId: undefined,
  redirectUri: 'http://127.0.0.1/callback',
  scope: 'openid read write',
  codeChallenge: undefined,
  codeChallengeMethod: 'S256',
  state: undefined,
  resource: [],
  login: 'tk-user',
  extra: [],
  userCode: undefined,
  verificationUri: undefined,
  url: undefined,
  follow: false,
  deny: false,
  timeout: 30,
};
const builderArgs = []; // options that build the request: not allowed with --url
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  let a = argv[i];
  let v;
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq !== -1) { v = a.slice(eq + 1); a = a.slice(0, eq); }
  const flag = () => {
    if (v !== undefined) usage(`${a} takes no value`);
  };
  const val = () => {
    if (['--client-id', '--redirect-uri', '--scope', '--code-challenge', '--code-challenge-method',
      '--state', '--resource', '--param'].includes(a)) builderArgs.push(a);
    if (v !== undefined) return v;
    i += 1;
    if (i >= argv.length) usage(`${a} needs a value`);
    return argv[i];
  };
  switch (a) {
    case '--issuer': opts.issuer = val(); break;
    case '--client-id': opts.clientId = val(); break;
    case '--redirect-uri': opts.redirectUri = val(); break;
    case '--scope': opts.scope = val(); break;
    case '--code-challenge': opts.codeChallenge = val(); break;
    case '--code-challenge-method': opts.codeChallengeMethod = val(); break;
    case '--state': opts.state = val(); break;
    case '--resource': opts.resource.push(val()); break;
    case '--login': opts.login = val(); break;
    case '--user-code': opts.userCode = val(); break;
    case '--verification-uri': opts.verificationUri = val(); break;
    case '--url': opts.url = val(); break;
    case '--follow': flag(); opts.follow = true; break;
    case '--deny': flag(); opts.deny = true; opts.follow = true; break;
    case '--timeout': {
      const t = Number(val());
      if (!(t > 0)) usage('--timeout wants a positive number of seconds');
      opts.timeout = t;
      break;
    }
    case '--param': {
      const kv = val();
      const j = kv.indexOf('=');
      if (j < 1) usage(`--param wants k=v, got ${kv}`);
      opts.extra.push([kv.slice(0, j), kv.slice(j + 1)]);
      break;
    }
    case '-h': case '--help': usage(); break;
    default: usage(`unknown argument ${a}`);
  }
}
// Loopback as RFC 8252 section 8.3 has it: 127.0.0.0/8, ::1, localhost.
function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

let authUrlGiven; // --url, parsed
if (opts.url) {
  if (opts.userCode) usage('--url and --user-code do not go together');
  if (builderArgs.length) usage(`--url already carries the request; drop ${[...new Set(builderArgs)].join(', ')}`);
  try { authUrlGiven = new URL(opts.url); } catch { usage(`--url is not a URL: ${opts.url}`); }
  if (!['http:', 'https:'].includes(authUrlGiven.protocol)) usage(`--url must be http(s): ${opts.url}`);
  if (!isLoopbackHost(authUrlGiven.hostname)) usage(`--url must point at a loopback host: ${opts.url}`);
  opts.issuer ??= authUrlGiven.origin;
  opts.clientId = authUrlGiven.searchParams.get('client_id') ?? undefined;
  // The request's own redirect_uri and state (either may be absent).
  opts.redirectUri = authUrlGiven.searchParams.get('redirect_uri') ?? undefined;
  opts.state = authUrlGiven.searchParams.get('state');
} else {
  if (!opts.issuer) usage('--issuer is required');
  if (!opts.clientId && !opts.userCode) usage('--client-id (or --user-code) is required');
  if (opts.userCode && opts.follow) usage('--follow / --deny are for authorization requests, not --user-code');
  opts.state ??= randomBytes(12).toString('base64url');
}

function die(msg) {
  process.stderr.write(`get-code.mjs: ${msg}\n`);
  process.exit(1);
}

// ---- tiny cookie jar (single host, path-scoped) ----------------------------
const jar = new Map(); // `${name}\0${path}` -> { name, value, path }
function storeCookies(res, url) {
  const list = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
  for (const line of list) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path;
    let expired = false;
    for (const attr of attrs) {
      const [k, ...rest] = attr.split('=');
      const key = k.trim().toLowerCase();
      const av = rest.join('=').trim();
      if (key === 'path' && av.startsWith('/')) path = av;
      if (key === 'max-age' && Number(av) <= 0) expired = true;
      if (key === 'expires' && Date.parse(av) <= Date.now()) expired = true;
    }
    if (!path) {
      // RFC 6265 default-path
      const p = new URL(url).pathname;
      path = p.lastIndexOf('/') > 0 ? p.slice(0, p.lastIndexOf('/')) : '/';
    }
    const id = `${name}\0${path}`;
    if (expired || value === '') jar.delete(id); else jar.set(id, { name, value, path });
  }
}
function cookieHeader(url) {
  const p = new URL(url).pathname;
  const matches = [...jar.values()].filter(({ path }) => p === path
    || (p.startsWith(path) && (path.endsWith('/') || p[path.length] === '/')));
  matches.sort((x, y) => y.path.length - x.path.length);
  return matches.map(({ name, value }) => `${name}=${value}`).join('; ');
}

async function request(url, { method = 'GET', form } = {}) {
  const headers = { accept: 'text/html,application/json' };
  const cookie = cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, redirect: 'manual' });
  } catch (err) {
    die(`${method} ${url}: ${err.cause?.message || err.message}`);
  }
  storeCookies(res, url);
  const text = await res.text();
  const loc = res.headers.get('location');
  return { status: res.status, location: loc ? new URL(loc, url).href : undefined, text, url };
}

// Is `target` a redirect to our redirect_uri? (RFC 8252: loopback port may differ
// only if we asked for a different port, so compare exactly minus the query.)
// A --url without redirect_uri: the first redirect off the issuer is the one.
let want;
try { want = opts.redirectUri === undefined ? undefined : new URL(opts.redirectUri); } catch {
  die(`redirect_uri is not a URL: ${opts.redirectUri}`);
}
function isRedirectUri(target) {
  const t = new URL(target);
  if (!want) return t.origin !== new URL(opts.issuer).origin;
  return t.protocol === want.protocol && t.host === want.host && t.pathname === want.pathname;
}

// --follow: hand the final redirect to the client's loopback listener like a
// browser would (plain GET, no cookies, no further redirects); print
// `HTTP <status>` and the body bytes. Exit 0 on any HTTP answer, 1 on none.
// node:http rather than fetch, which refuses the Fetch spec's "bad ports".
async function deliver(target) {
  const t = new URL(target);
  if (t.protocol !== 'http:' || !isLoopbackHost(t.hostname)) {
    die(`refusing to send the redirect anywhere but an http:// loopback listener: ${target}`);
  }
  t.hash = '';
  let answer;
  try {
    answer = await new Promise((resolve, reject) => {
      const req = http.get(t, {
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'user-agent': 'tokenkit-interop get-code.mjs' },
        signal: AbortSignal.timeout(opts.timeout * 1000),
      }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, body: Buffer.concat(chunks) }));
        r.on('error', reject);
      });
      req.on('error', reject);
    });
  } catch (err) {
    const why = err.name === 'AbortError' || err.code === 'ABORT_ERR' ? `no answer within ${opts.timeout} s` : (err.code || err.message);
    die(`GET ${t.href}: ${why}`);
  }
  await new Promise((resolve) => { process.stdout.write(`HTTP ${answer.status}\n`); process.stdout.write(answer.body, resolve); });
  process.exit(0);
}

// ---- go ----------------------------------------------------------------------
const issuer = opts.issuer.replace(/\/+$/, '');
let authUrl;
if (authUrlGiven) {
  authUrl = authUrlGiven; // as the client built it, untouched
} else {
  const disc = await request(`${issuer}/.well-known/openid-configuration`);
  if (disc.status !== 200) die(`discovery answered HTTP ${disc.status}`);
  let authorizationEndpoint;
  try {
    authorizationEndpoint = JSON.parse(disc.text).authorization_endpoint;
  } catch {
    die('discovery document is not JSON');
  }
  if (!authorizationEndpoint) die('discovery has no authorization_endpoint');

  authUrl = new URL(authorizationEndpoint);
  const q = authUrl.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', opts.clientId);
  q.set('redirect_uri', opts.redirectUri);
  if (opts.scope) q.set('scope', opts.scope);
  q.set('state', opts.state);
  if (opts.codeChallenge) {
    q.set('code_challenge', opts.codeChallenge);
    q.set('code_challenge_method', opts.codeChallengeMethod);
  }
  for (const r of opts.resource) q.append('resource', r);
  for (const [k, v] of opts.extra) q.append(k, v);
}

let denied = false; // --deny: the consent step was aborted
let res;
if (opts.userCode) {
  const v = new URL(opts.verificationUri ?? `${issuer}/device`);
  v.searchParams.set('user_code', opts.userCode);
  res = await request(v.href);
} else {
  res = await request(authUrl.href);
}
for (let step = 0; step < 20; step += 1) {
  if (res.status >= 300 && res.status < 400 && res.location) {
    if (isRedirectUri(res.location)) {
      if (opts.follow) {
        if (opts.deny && !denied) die(`--deny: the provider redirected without asking for consent: ${res.location}`);
        await deliver(res.location); // exits
      }
      const params = new URL(res.location).searchParams;
      if (params.has('error')) {
        die(`authorization error: ${params.get('error')}${params.has('error_description') ? `: ${params.get('error_description')}` : ''}`);
      }
      if (params.get('state') !== (opts.state ?? null)) die(`state mismatch: got ${params.get('state')}`);
      const code = params.get('code');
      if (!code) die(`no code in ${res.location}`);
      process.stdout.write(`${code}\n`);
      process.exit(0);
    }
    if (new URL(res.location).origin !== new URL(issuer).origin) {
      die(`refusing to follow redirect off the issuer: ${res.location}`);
    }
    res = await request(res.location);
    continue;
  }
  if (res.status === 200 && /\/interaction\/[^/]+$/.test(new URL(res.url).pathname)) {
    // A devInteractions page: a login form or a consent form.
    const prompt = /name="prompt" value="([a-z_]+)"/.exec(res.text)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1];
    if (!prompt || !action) die(`unrecognised interaction page at ${res.url}`);
    if (prompt === 'consent' && opts.deny) {
      // The page's "[ Cancel ]" link: GET /interaction/:uid/abort.
      const abort = /<a href="([^"]*\/abort)"/.exec(res.text)?.[1] ?? `${res.url}/abort`;
      denied = true;
      res = await request(new URL(abort.replace(/&amp;/g, '&'), res.url).href);
      continue;
    }
    const form = { prompt };
    if (prompt === 'login') {
      form.login = opts.login;
      form.password = 'any';
    } else if (prompt !== 'consent') {
      die(`unsupported interaction prompt ${prompt}`);
    }
    const submit = new URL(action.replace(/&amp;/g, '&'), res.url).href;
    res = await request(submit, { method: 'POST', form });
    continue;
  }
  if (opts.userCode && res.status === 200) {
    // Device flow pages: user code input / confirmation forms, success page.
    // (the user_code GET answers with a self-submitting form first)
    const formHtml = /<form[^>]*method="post"[\s\S]*?<\/form>/i.exec(res.text);
    if (/<p class="red">/.test(res.text)) {
      die(`device verification refused: ${/<p class="red">([^<]*)/.exec(res.text)[1]}`);
    }
    if (formHtml) {
      if (step > 10) die('device verification loops');
      const action = /action="([^"]+)"/.exec(formHtml[0])?.[1] ?? res.url;
      const form = {};
      for (const m of formHtml[0].matchAll(/<input[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(m[0])?.[1];
        if (!name) continue;
        form[name] = (/value="([^"]*)"/.exec(m[0])?.[1] ?? '').replace(/&amp;/g, '&').replace(/&quot;/g, '"');
      }
      if ('user_code' in form && !form.user_code) form.user_code = opts.userCode;
      res = await request(new URL(action.replace(/&amp;/g, '&'), res.url).href, { method: 'POST', form });
      continue;
    }
    if (/Sign-in Success/.test(res.text)) process.exit(0);
  }
  let detail = res.text.slice(0, 500);
  try { const j = JSON.parse(res.text); detail = `${j.error}: ${j.error_description}`; } catch { /* html */ }
  die(`unexpected HTTP ${res.status} at ${res.url}: ${detail}`);
}
die('too many redirects');
