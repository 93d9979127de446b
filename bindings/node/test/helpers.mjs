// Shared by the tests: the local servers scripts/with_servers.sh starts, fresh codes, the mock
// server's /stats, a "browser" for loopback sign-in, and small loopback servers of our own.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after } from 'node:test';
import { Client } from '../index.mjs';

/** An environment variable set by scripts/with_servers.sh; a test fails (never skips) without it. */
export function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests need the local test servers; from the repository root run\n` +
      "  scripts/with_servers.sh tests/interop/run.sh bash -c 'cd bindings/node && npm test'");
  }
  return value;
}

export const server = () => env('TOKENKIT_TEST_SERVER');

let serial = 0;
/** An authorization code the mock server accepts once (any fresh "code-..."). */
export const freshCode = () => `code-node-${process.pid}-${Date.now()}-${++serial}`;
/** A key of its own for the mock's counted routes (/flaky, /held). */
export const freshKey = (what) => `node-${what}-${process.pid}-${Date.now()}-${++serial}`;

/** The mock server's client_secret_post client at `path`, and whatever else is given. */
export function demoOptions(path = '/token', more = {}) {
  return { tokenUrl: server() + path, clientId: 'demo-client', clientSecret: 'demo-secret', ...more };
}

/** A client of the mock server with every endpoint, closed when the test file ends. */
export function flowClient(more = {}) {
  const srv = server();
  return track(new Client({
    tokenUrl: srv + '/token',
    authorizeUrl: srv + '/authorize',
    deviceAuthorizationUrl: srv + '/device_authorization',
    revocationUrl: srv + '/revoke',
    introspectionUrl: srv + '/introspect',
    clientId: 'demo-client',
    clientSecret: 'demo-secret',
    ...more,
  }));
}

const tracked = [];
/** Closes `closable` after the test file. */
export function track(closable) {
  tracked.push(closable);
  return closable;
}
after(() => tracked.forEach((c) => c.close()));

/** The mock server's GET /stats. */
export async function stats() {
  const r = await fetch(server() + '/stats');
  assert.equal(r.status, 200);
  return r.json();
}

/** A one-time code from the mock server bound to what is given (POST /mint). */
export async function mintCode(fields) {
  const r = await fetch(server() + '/mint', { method: 'POST', body: new URLSearchParams(fields) });
  assert.equal(r.status, 200);
  return r.text();
}

/**
 * Plays the user's browser for signIn(): GETs the authorization URL, then follows its redirect to
 * the loopback listener. `visits` holds each visit's promise, for the test to await.
 */
export function browser() {
  const visits = [];
  const opened = [];
  const openBrowser = (url) => {
    opened.push(url);
    visits.push((async () => {
      const r = await fetch(url, { redirect: 'manual' });
      const location = r.headers.get('location');
      assert.equal(r.status, 302, `GET ${url}`);
      const back = await fetch(location, { redirect: 'manual' });
      await back.text();
      return back.status;
    })());
  };
  return { openBrowser, visits, opened };
}

/** A loopback server that accepts connections and never answers. */
export async function hangingServer() {
  const sockets = new Set();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    close: () => {
      sockets.forEach((s) => s.destroy());
      srv.close();
    },
  };
}

/** A loopback token endpoint nobody listens on: a port bound, then released. */
export async function closedPortURL() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return `http://127.0.0.1:${port}/token`;
}

/** A loopback HTTP server running `handler`; closed after the test file. */
export async function httpServer(handler) {
  const srv = http.createServer(handler);
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  track({ close: () => srv.close() });
  srv.keepAliveTimeout = 100;
  return `http://127.0.0.1:${srv.address().port}`;
}

/**
 * Measures how late a 10 ms interval timer fires while `during` runs: the event loop's longest
 * stall, in milliseconds.
 */
export async function maxTimerDrift(during) {
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
    ticks++;
  }, 10);
  try {
    const result = await during();
    return { worst, ticks, result };
  } finally {
    clearInterval(timer);
  }
}

/** Resolves with what `promise` rejected with; fails if it resolved. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}
