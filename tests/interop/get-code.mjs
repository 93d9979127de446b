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

import { randomBytes } from 'node:crypto';

function usage(msg) {
  if (msg) process.stderr.write(`get-code.mjs: ${msg}\n`);
  process.stderr.write('usage: node get-code.mjs --issuer URL --client-id ID [--redirect-uri U] [--scope S] '
    + '[--code-challenge C] [--code-challenge-method M] [--state S] [--resource R] [--login NAME] [--param k=v]...\n'
    + '       node get-code.mjs --issuer URL --user-code CODE [--verification-uri U] [--login NAME]\n');
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
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  let a = argv[i];
  let v;
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq !== -1) { v = a.slice(eq + 1); a = a.slice(0, eq); }
  const val = () => {
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
if (!opts.issuer) usage('--issuer is required');
if (!opts.clientId && !opts.userCode) usage('--client-id (or --user-code) is required');
opts.state ??= randomBytes(12).toString('base64url');

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
const want = new URL(opts.redirectUri);
function isRedirectUri(target) {
  const t = new URL(target);
  return t.protocol === want.protocol && t.host === want.host && t.pathname === want.pathname;
}

// ---- go ----------------------------------------------------------------------
const issuer = opts.issuer.replace(/\/+$/, '');
const disc = await request(`${issuer}/.well-known/openid-configuration`);
if (disc.status !== 200) die(`discovery answered HTTP ${disc.status}`);
let authorizationEndpoint;
try {
  authorizationEndpoint = JSON.parse(disc.text).authorization_endpoint;
} catch {
  die('discovery document is not JSON');
}
if (!authorizationEndpoint) die('discovery has no authorization_endpoint');

const authUrl = new URL(authorizationEndpoint);
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
      const params = new URL(res.location).searchParams;
      if (params.has('error')) {
        die(`authorization error: ${params.get('error')}${params.has('error_description') ? `: ${params.get('error_description')}` : ''}`);
      }
      if (params.get('state') !== opts.state) die(`state mismatch: got ${params.get('state')}`);
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
