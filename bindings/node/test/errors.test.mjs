// Every error class, the fields a caller acts on, retries, AbortSignal on every kind of call, and
// secrets kept out of messages and util.inspect.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import util from 'node:util';
import {
  Client, TokenKitError, InvalidArgumentError, OAuthError, HTTPError, TransportError, TimeoutError,
  TLSError, ProtocolError, InsecureURLError, AbortError,
} from '../index.mjs';
import {
  server, env, freshCode, freshKey, demoOptions, track, stats, rejection, hangingServer, closedPortURL,
} from './helpers.mjs';

const newClient = (options) => track(new Client(options));
const fault = (mode, more) => newClient(demoOptions(`/fault/${mode}`, { retries: 0, ...more }));

/** Checks the class, kind and code of an error, and returns it. */
function expectError(e, Class, kind) {
  assert.ok(e instanceof Class, `${e?.name}: ${e?.message}, want ${Class.name}`);
  assert.ok(e instanceof TokenKitError && e instanceof Error);
  assert.equal(e.kind, kind);
  assert.equal(e.name, Class.name);
  assert.equal(e.code, Class === AbortError ? 'ABORT_ERR' : `TOKENKIT_${kind.toUpperCase()}`);
  return e;
}

test('OAuthError carries the OAuth fields, the HTTP status and the body', async () => {
  const client = newClient(demoOptions());
  const code = freshCode();
  await client.exchangeCode(code);
  const e = expectError(await rejection(client.exchangeCode(code)), OAuthError, 'oauth_error');
  assert.equal(e.error, 'invalid_grant');
  assert.equal(e.errorDescription, 'authorization code was already used');
  assert.equal(e.errorUri, undefined);
  assert.equal(e.status, 400);
  assert.match(e.body, /"error":"invalid_grant"/);
  assert.match(e.message, /invalid_grant/);
  const nest = expectError(await rejection(fault('nest-error').exchangeCode(freshCode())), OAuthError, 'oauth_error');
  assert.equal(nest.error, 'oauth2_error');
  const in200 = expectError(await rejection(fault('error200').exchangeCode(freshCode())), OAuthError, 'oauth_error');
  assert.equal(in200.status, 200);
});

test('HTTPError for other HTTP failures', async () => {
  const page = expectError(await rejection(fault('500').exchangeCode(freshCode())), HTTPError, 'http_error');
  assert.equal(page.status, 500);
  assert.match(page.body, /Internal Server Error/);
  const json = expectError(await rejection(fault('404-json').exchangeCode(freshCode())), HTTPError, 'http_error');
  assert.equal(json.status, 404);
  assert.equal(json.error, undefined);
});

test('TransportError, TimeoutError, TLSError, ProtocolError, InsecureURLError, InvalidArgumentError', async () => {
  const refused = newClient({ ...demoOptions(), tokenUrl: await closedPortURL(), retries: 0 });
  const t = expectError(await rejection(refused.exchangeCode(freshCode())), TransportError, 'transport_error');
  assert.equal(t.status, undefined);

  const started = Date.now();
  expectError(await rejection(fault('hang', { timeoutMs: 300 }).exchangeCode(freshCode())), TimeoutError, 'timeout');
  assert.ok(Date.now() - started < 5000);

  const tls = newClient({ ...demoOptions(), tokenUrl: env('TOKENKIT_TEST_TLS_URL'), retries: 0 });
  expectError(await rejection(tls.exchangeCode(freshCode())), TLSError, 'tls_error');

  for (const mode of ['malformed', 'no-access-token', 'not-object', 'oversize']) {
    expectError(await rejection(fault(mode).exchangeCode(freshCode())), ProtocolError, 'protocol_error');
  }
  let insecure;
  try {
    new Client({ ...demoOptions(), tokenUrl: 'http://example.com/token' });
  } catch (e) {
    insecure = e;
  }
  expectError(insecure, InsecureURLError, 'insecure');
  expectError(await rejection(newClient(demoOptions()).exchangeCode('')), InvalidArgumentError, 'invalid_argument');
});

test('retries: a server that recovers, none when turned off, never for a code exchange', async () => {
  const key = freshKey('retry');
  const retrying = newClient(demoOptions(`/flaky/2/${key}/token`, { retries: { max: 3, baseDelayMs: 1, maxDelayMs: 5 } }));
  assert.match((await retrying.clientCredentials()).accessToken, /^at-/);
  assert.equal((await stats()).flaky[key], 3);

  const key2 = freshKey('noretry');
  const once = newClient(demoOptions(`/flaky/2/${key2}/token`, { retries: 0 }));
  assert.equal(expectError(await rejection(once.clientCredentials()), HTTPError, 'http_error').status, 503);
  assert.equal((await stats()).flaky[key2], 1);

  const key3 = freshKey('exchange');
  const exchange = newClient(demoOptions(`/flaky/2/${key3}/token`, { retries: 3 }));
  await rejection(exchange.exchangeCode(freshCode()));
  assert.equal((await stats()).flaky[key3], 1, 'a code is single-use: never retried');
});

test('AbortSignal cancels every kind of call in the middle of its request', async () => {
  const hang = await hangingServer();
  try {
    const client = newClient({
      tokenUrl: hang.url + '/token', revocationUrl: hang.url + '/revoke', introspectionUrl: hang.url + '/introspect',
      clientId: 'demo-client', clientSecret: 'demo-secret', retries: 0,
    });
    const calls = {
      exchangeCode: (signal) => client.exchangeCode(freshCode(), { signal }),
      refresh: (signal) => client.refresh('rt-x', { signal }),
      clientCredentials: (signal) => client.clientCredentials({ signal }),
      revoke: (signal) => client.revoke('at-x', { signal }),
      introspect: (signal) => client.introspect('at-x', { signal }),
      fromIssuer: (signal) => Client.fromIssuer(hang.url, { clientId: 'demo-client', signal }),
    };
    await Promise.all(Object.entries(calls).map(async ([name, call]) => {
      const controller = new AbortController();
      const reason = new Error(`stop ${name}`);
      const started = performance.now();
      setTimeout(() => controller.abort(reason), 200);
      const e = expectError(await rejection(call(controller.signal)), AbortError, 'cancelled');
      const elapsed = performance.now() - started;
      assert.equal(e.cause, reason, name);
      assert.ok(elapsed >= 190 && elapsed < 2000, `${name} took ${elapsed} ms`);
    }));
    const aborted = AbortSignal.abort();
    for (const [name, call] of Object.entries(calls)) {
      const e = expectError(await rejection(call(aborted)), AbortError, 'cancelled');
      assert.equal(e.cause, aborted.reason, name);
    }
    const timeout = expectError(await rejection(client.clientCredentials({ signal: AbortSignal.timeout(100) })), AbortError, 'cancelled');
    assert.equal(timeout.cause.name, 'TimeoutError');
  } finally {
    hang.close();
  }
});

test('secrets stay out of messages, bodies and util.inspect', async () => {
  const secret = 'demo-secret';
  const echo = newClient(demoOptions('/fault/echo-400', { retries: 0 }));
  const code = freshCode();
  const e = await rejection(echo.exchangeCode(code, { codeVerifier: 'v'.repeat(43) }));
  assert.ok(e instanceof OAuthError);
  for (const shown of [e.message, e.body, e.errorDescription, util.inspect(e), String(e.stack)]) {
    assert.ok(!shown.includes(secret), shown);
    assert.ok(!shown.includes('v'.repeat(43)), shown);
  }
  for (const mode of ['echo-500', 'echo-500-json']) {
    const e5 = await rejection(newClient(demoOptions(`/fault/${mode}`, { retries: 0 })).exchangeCode(freshCode()));
    assert.ok(!util.inspect(e5).includes(secret), util.inspect(e5));
  }

  const client = newClient(demoOptions('/token', { authorizeUrl: server() + '/authorize' }));
  assert.ok(!util.inspect(client).includes(secret));
  assert.ok(!JSON.stringify(client).includes(secret));
  const token = await client.exchangeCode(freshCode());
  const shown = util.inspect(token, { depth: Infinity });
  for (const value of [token.accessToken, token.refreshToken]) assert.ok(!shown.includes(value), shown);
  assert.match(shown, /tokenType: 'Bearer'/);
  const request = client.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb' });
  assert.ok(!util.inspect(request).includes(request.codeVerifier));
  assert.ok(!util.inspect({ nested: [token] }, { depth: Infinity }).includes(token.accessToken));
});
