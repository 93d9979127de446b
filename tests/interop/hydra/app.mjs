#!/usr/bin/env node
// The login and consent app Hydra sends the browser to (urls.login, urls.consent): tokenkit's own,
// for tests only. It shows no page: every login is the test user, accepted at once through Hydra's
// admin API, and every consent grants what the client asked for, unless the browser adds
// `deny=1` to the consent URL (the test driver does, for --deny), which rejects it with
// access_denied.
//
//   HYDRA_ADMIN_URL=http://127.0.0.1:PORT node app.mjs [PORT]   (0 or unset: an ephemeral port)
//
// Prints one line on stdout, its base URL http://127.0.0.1:PORT, and writes it to $PORT_FILE when
// that is set (after the socket listens). Errors go to stderr.
//
//   GET /login?login_challenge=C      accept login as subject $HYDRA_TEST_USER (default tk-user)
//   GET /consent?consent_challenge=C  accept consent: grant_scope = requested_scope, audience as asked
//   GET /consent?consent_challenge=C&deny=1   reject consent: access_denied
// Each answers 302 to Hydra's redirect_to; an admin API failure is a 502 with Hydra's answer.

import http from 'node:http';
import { writeFileSync, renameSync } from 'node:fs';

const admin = process.env.HYDRA_ADMIN_URL;
if (!admin || !/^http:\/\/127\.0\.0\.1:\d+$/.test(admin)) {
  process.stderr.write('app.mjs: set HYDRA_ADMIN_URL=http://127.0.0.1:PORT (Hydra\'s admin port)\n');
  process.exit(2);
}
const subject = process.env.HYDRA_TEST_USER || 'tk-user';
const port = Number.parseInt(process.argv[2] ?? process.env.PORT ?? '0', 10);

// One call to Hydra's admin API (/admin/oauth2/auth/requests/...): the parsed JSON answer.
async function adminCall(method, path, challengeName, challenge, body) {
  const url = `${admin}/admin/oauth2/auth/requests/${path}?${challengeName}=${encodeURIComponent(challenge)}`;
  const res = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function login(challenge) {
  // Hydra's login flow: the app accepts (or rejects) the request through the admin API and sends
  // the browser back to Hydra at redirect_to. A request Hydra marks `skip` keeps its subject.
  const request = await adminCall('GET', 'login', 'login_challenge', challenge);
  const accepted = await adminCall('PUT', 'login/accept', 'login_challenge', challenge, {
    subject: request.skip ? request.subject : subject,
    remember: false,
  });
  return accepted.redirect_to;
}

async function consent(challenge, deny) {
  if (deny) {
    const rejected = await adminCall('PUT', 'consent/reject', 'consent_challenge', challenge, {
      error: 'access_denied',
      error_description: 'The test user denied the request.',
    });
    return rejected.redirect_to;
  }
  const request = await adminCall('GET', 'consent', 'consent_challenge', challenge);
  const accepted = await adminCall('PUT', 'consent/accept', 'consent_challenge', challenge, {
    grant_scope: request.requested_scope ?? [],
    grant_access_token_audience: request.requested_access_token_audience ?? [],
    remember: false,
  });
  return accepted.redirect_to;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    let location;
    if (req.method === 'GET' && url.pathname === '/login' && url.searchParams.get('login_challenge')) {
      location = await login(url.searchParams.get('login_challenge'));
    } else if (req.method === 'GET' && url.pathname === '/consent' && url.searchParams.get('consent_challenge')) {
      location = await consent(url.searchParams.get('consent_challenge'), url.searchParams.get('deny') === '1');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
  } catch (err) {
    process.stderr.write(`app.mjs: ${url.pathname}: ${err.message}\n`);
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`${err.message}\n`);
  }
});

server.listen(port, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  if (process.env.PORT_FILE) {
    writeFileSync(`${process.env.PORT_FILE}.tmp`, `${base}\n`);
    renameSync(`${process.env.PORT_FILE}.tmp`, process.env.PORT_FILE);
  }
  process.stdout.write(`${base}\n`);
});
server.on('error', (err) => {
  process.stderr.write(`app.mjs: cannot listen on 127.0.0.1:${port}: ${err.code || err.message}\n`);
  process.exit(1);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
