#!/usr/bin/env node
// The browser of the Hydra interop tests: follows an authorization request through Hydra and the
// login/consent app (app.mjs) with plain fetch, manual redirects and a cookie jar (Hydra's CSRF
// cookies), and reads the final redirect to redirect_uri.
//
//   node get-code.mjs --issuer URL --client-id ID [--redirect-uri U] [--scope S]
//        [--code-challenge C] [--state S]
// builds the request itself (response_type=code, a fresh state unless given, S256 when a challenge
// is given) and prints only the code; exit 1 (message on stderr) on an error redirect or any
// other failure.
//
//   node get-code.mjs --url 'AUTHORIZATION_URL' [--follow] [--deny] [--tamper-state] [--timeout S]
// takes the URL exactly as the client built it. Without --follow it prints the code. --follow
// then acts as the browser does with the final redirect: a GET to its Location, which must be an
// http:// URL on 127.0.0.1 (the client's loopback listener, RFC 8252 §7.3); it prints
// `HTTP <status> <body as text>` on one line and exits 0 on any HTTP answer, 1 on none.
// --deny (implies --follow) rejects at the consent step: the listener gets error=access_denied.
// --tamper-state (implies --follow) first delivers the redirect with its state changed, as a
// forged or stale redirect would arrive, prints that answer's line, then delivers the real one
// and prints its line.

import { randomBytes } from 'node:crypto';

function usage(msg) {
  process.stderr.write(`get-code.mjs: ${msg}\nusage: node get-code.mjs --issuer URL --client-id ID `
    + '[--redirect-uri U] [--scope S] [--code-challenge C] [--state S]\n'
    + '       node get-code.mjs --url AUTHORIZATION_URL [--follow] [--deny] [--tamper-state] [--timeout SECONDS]\n');
  process.exit(2);
}
function die(msg) {
  process.stderr.write(`get-code.mjs: ${msg}\n`);
  process.exit(1);
}

const opts = { redirectUri: 'http://127.0.0.1/callback', scope: 'openid offline_access read', timeout: 30 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 1) {
  const a = argv[i];
  const val = () => {
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
    case '--state': opts.state = val(); break;
    case '--url': opts.url = val(); break;
    case '--follow': opts.follow = true; break;
    case '--deny': opts.deny = true; opts.follow = true; break;
    case '--tamper-state': opts.tamper = true; opts.follow = true; break;
    case '--timeout': opts.timeout = Number(val()); if (!(opts.timeout > 0)) usage('--timeout wants seconds'); break;
    default: usage(`unknown argument ${a}`);
  }
}

let start;
if (opts.url) {
  start = opts.url;
} else {
  if (!opts.issuer || !opts.clientId) usage('give --url, or --issuer and --client-id');
  const u = new URL(`${opts.issuer}/oauth2/auth`);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', opts.clientId);
  u.searchParams.set('redirect_uri', opts.redirectUri);
  u.searchParams.set('scope', opts.scope);
  u.searchParams.set('state', opts.state ?? randomBytes(12).toString('base64url'));
  if (opts.codeChallenge) {
    u.searchParams.set('code_challenge', opts.codeChallenge);
    u.searchParams.set('code_challenge_method', 'S256');
  }
  start = u.href;
}
const redirectUri = new URL(opts.url ? new URL(opts.url).searchParams.get('redirect_uri') ?? '' : opts.redirectUri,
  'http://invalid');
const deadline = AbortSignal.timeout(opts.timeout * 1000);

// Hydra's CSRF cookies (name=value), sent back to Hydra's origin only.
const hydraOrigin = new URL(start).origin;
const jar = new Map();
async function get(url) {
  const headers = {};
  if (new URL(url).origin === hydraOrigin && jar.size) {
    headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  const res = await fetch(url, { redirect: 'manual', headers, signal: deadline });
  if (new URL(url).origin === hydraOrigin) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  return res;
}

// Hydra -> app /login -> Hydra -> app /consent -> Hydra -> redirect_uri. The final redirect is the
// first Location that points at the redirect URI's host and path (any port: a loopback listener).
const isFinal = (u) => u.origin !== hydraOrigin && u.hostname === redirectUri.hostname
  && u.pathname === redirectUri.pathname && (u.searchParams.has('code') || u.searchParams.has('error'));
let url = start;
let final;
try {
  for (let step = 0; step < 12 && !final; step += 1) {
    const res = await get(url);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) {
      const body = (await res.text()).slice(0, 500);
      die(`HTTP ${res.status} at ${url} (no redirect): ${body}`);
    }
    await res.arrayBuffer().catch(() => {});
    const next = new URL(location, url);
    if (isFinal(next)) {
      final = next;
    } else {
      if (opts.deny && next.pathname === '/consent' && next.searchParams.has('consent_challenge')) {
        next.searchParams.set('deny', '1');
      }
      url = next.href;
    }
  }
} catch (err) {
  die(`${url}: ${err.cause?.code || err.message}`);
}
if (!final) die('too many redirects');

if (!opts.follow) {
  const code = final.searchParams.get('code');
  if (!code) {
    die(`error redirect: ${final.searchParams.get('error')}: ${final.searchParams.get('error_description') ?? ''}`);
  }
  process.stdout.write(`${code}\n`);
  process.exit(0);
}

if (final.protocol !== 'http:' || final.hostname !== '127.0.0.1') die(`not a loopback redirect: ${final.href}`);
// Delivers a redirect like a browser: a plain GET, no cookies, no redirect followed.
async function deliver(target) {
  try {
    const res = await fetch(target, { redirect: 'manual', signal: deadline });
    const text = (await res.text()).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    process.stdout.write(`HTTP ${res.status} ${text}\n`);
  } catch (err) {
    die(`${target.origin}: ${err.cause?.code || err.message}`);
  }
}
if (opts.tamper) {
  const forged = new URL(final.href);
  forged.searchParams.set('state', `${forged.searchParams.get('state') ?? ''}x`);
  await deliver(forged);
}
await deliver(final);
