// TokenSource: cached and refreshed tokens, one refresh for many callers (counted by the server),
// onChange, the saved format round trip, signals, closing, and fetch() with the 401 retry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import util from 'node:util';
import { Client, TokenSource, Token, InvalidArgumentError, OAuthError, AbortError } from '../index.mjs';
import sourceModule from '../lib/source.cjs';
import { freshCode, freshKey, demoOptions, server, track, stats, rejection, httpServer } from './helpers.mjs';

const { invalidToken } = sourceModule;
const newClient = (options) => track(new Client(options));
const newSource = (client, options) => track(new TokenSource(client, options));

/** A token from the mock whose access token lives `seconds`. */
const tokenFor = (client, seconds) => client.exchangeCode(freshCode(), { params: { mock_expires_in: String(seconds) } });

test('a fresh token is handed out as it is; an expired one is refreshed once, and onChange hears of it', async () => {
  const key = freshKey('source');
  const client = newClient(demoOptions(`/flaky/0/${key}/token`));
  const fresh = await tokenFor(client, 3600);
  const changes = [];
  const source = newSource(client, { token: fresh, onChange: (t) => changes.push(t) });
  assert.equal((await source.token()).accessToken, fresh.accessToken);
  assert.equal(await source.accessToken(), fresh.accessToken);
  assert.equal((await stats()).flaky[key], 1, 'no request for a fresh token');

  const expired = await tokenFor(client, 0);
  const source2 = newSource(client, { token: expired, onChange: (t) => changes.push(t) });
  const renewed = await source2.token();
  assert.notEqual(renewed.accessToken, expired.accessToken);
  assert.equal(renewed.refreshToken, expired.refreshToken, 'the old refresh token is kept (RFC 6749 §6)');
  assert.equal(await source2.accessToken(), renewed.accessToken);
  assert.equal((await stats()).flaky[key], 3);
  assert.equal(changes.length, 1);
  assert.ok(changes[0] instanceof Token);
  assert.equal(changes[0].accessToken, renewed.accessToken);

  const forced = await source.refresh();
  assert.notEqual(forced.accessToken, fresh.accessToken);
  assert.equal(changes.length, 2);
});

test('64 concurrent callers on one source: exactly one refresh request', async () => {
  const key = freshKey('single');
  const setup = newClient(demoOptions());
  const expired = await tokenFor(setup, 0);
  // The server holds each refresh until two have arrived or 1.5 s passed: a second refresh would
  // be answered at once, and counted.
  const client = newClient(demoOptions(`/held/2/1500/${key}/token`));
  const changes = [];
  const source = newSource(client, { token: expired, onChange: (t) => changes.push(t.accessToken) });
  const results = await Promise.all(Array.from({ length: 64 }, (_, i) =>
    i % 2 ? source.accessToken() : source.token().then((t) => t.accessToken)));
  assert.equal(new Set(results).size, 1);
  assert.notEqual(results[0], expired.accessToken);
  assert.equal((await stats()).held[key], 1);
  assert.deepEqual(changes, [results[0]]);
  const again = await Promise.all(Array.from({ length: 64 }, () => source.accessToken()));
  assert.deepEqual(new Set(again), new Set(results));
  assert.equal((await stats()).held[key], 1, 'a fresh token costs no request');
});

test('the saved format round trip: Token.fromJSON, TokenSource from saved JSON, toJSON', async () => {
  const client = newClient({ tokenUrl: server() + '/token', clientId: 'rotating-client', clientSecret: 'rotating-secret' });
  const token = await client.exchangeCode(freshCode());
  const saved = JSON.stringify(token);
  const doc = JSON.parse(saved);
  assert.deepEqual(Object.keys(doc).sort(), ['access_token', 'expires_at', 'refresh_token', 'scope', 'token_type']);
  assert.equal(doc.expires_at, token.expiresAt.getTime() / 1000);
  const back = Token.fromJSON(saved);
  for (const field of ['accessToken', 'tokenType', 'refreshToken', 'scope', 'idToken']) assert.equal(back[field], token[field]);
  assert.equal(back.expiresAt.getTime(), token.expiresAt.getTime());
  assert.deepEqual(Token.fromJSON(doc).toJSON(), doc);
  assert.throws(() => Token.fromJSON('{"token_type":"Bearer"}'), InvalidArgumentError);
  assert.throws(() => Token.fromJSON('not json'), InvalidArgumentError);
  assert.throws(() => new Token(), TypeError);

  let persisted = null;
  const source = newSource(client, { token: saved, skewMs: 0, onChange: () => { persisted = JSON.stringify(source.toJSON()); } });
  const rotated = await source.refresh();
  assert.notEqual(rotated.refreshToken, token.refreshToken, 'the rotating client got a new refresh token');
  assert.equal(JSON.parse(persisted).refresh_token, rotated.refreshToken, 'toJSON inside onChange has it');
  const restarted = newSource(client, { token: JSON.parse(persisted) });
  assert.equal(await restarted.accessToken(), rotated.accessToken);
  assert.match((await restarted.refresh()).accessToken, /^at-/);

  const onlyRefresh = newSource(client, { refreshToken: (await client.exchangeCode(freshCode())).refreshToken });
  assert.equal(onlyRefresh.toJSON().access_token, undefined);
  assert.match(await onlyRefresh.accessToken(), /^at-/, 'the first use refreshes');
  assert.ok(onlyRefresh.toJSON().access_token);
  const fromToken = newSource(client, { token: back, refreshToken: 'rt-unknown' });
  assert.equal((await rejection(fromToken.refresh())).error, 'invalid_grant', 'the given refresh token is the one used');
});

test('skew: 0 uses a token until it expires; the default refreshes a minute early', async () => {
  const client = newClient(demoOptions());
  const short = await tokenFor(client, 30);
  assert.equal(await newSource(client, { token: short, skewMs: 0 }).accessToken(), short.accessToken);
  assert.notEqual(await newSource(client, { token: short }).accessToken(), short.accessToken);
  assert.throws(() => new TokenSource(client, { token: short, skewMs: -5 }), RangeError);
});

test('errors: no refresh token left, a failing refresh, onChange throwing', async () => {
  const client = newClient(demoOptions());
  const cc = await client.clientCredentials({ params: { mock_expires_in: '0' } });
  const stuck = newSource(client, { token: cc });
  const e = await rejection(stuck.token());
  assert.ok(e instanceof InvalidArgumentError);
  assert.match(e.message, /no refresh token/);
  assert.throws(() => new TokenSource(client, {}), InvalidArgumentError);

  const revoked = await tokenFor(client, 0);
  const revoker = newClient(demoOptions('/token', { revocationUrl: server() + '/revoke' }));
  await revoker.revoke(revoked.refreshToken);
  const failing = newSource(client, { token: revoked });
  const e2 = await rejection(failing.token());
  assert.ok(e2 instanceof OAuthError);
  assert.equal(e2.error, 'invalid_grant');

  const boom = new Error('disk full');
  let calls = 0;
  const throwing = newSource(client, { token: await tokenFor(client, 0), onChange: () => { calls++; throw boom; } });
  assert.equal(await rejection(throwing.token()), boom, 'the call whose refresh ran onChange reports it');
  assert.equal(calls, 1);
  assert.match(await throwing.accessToken(), /^at-/, 'the refresh itself succeeded');
});

test('a signal stops the wait, not the shared refresh; close waits for running calls', async () => {
  const key = freshKey('abandon');
  const setup = newClient(demoOptions());
  const client = newClient(demoOptions(`/held/2/800/${key}/token`));
  const source = new TokenSource(client, { token: await tokenFor(setup, 0) });
  const controller = new AbortController();
  const waiting = source.token({ signal: controller.signal });
  const other = source.token();
  setTimeout(() => controller.abort('enough'), 100);
  const started = performance.now();
  const e = await rejection(waiting);
  assert.ok(e instanceof AbortError && e.cause === 'enough');
  assert.ok(performance.now() - started < 500);
  source.close(); // the native source is freed when the refresh returns
  assert.match((await other).accessToken, /^at-/);
  assert.equal((await stats()).held[key], 1);
  await assert.rejects(source.accessToken(), (err) => err instanceof InvalidArgumentError && /token source is closed/.test(err.message));
  assert.throws(() => source.toJSON(), /closed/);
  source.close();
  await assert.rejects(newSource(client, { token: await tokenFor(setup, 60) }).token({ signal: AbortSignal.abort() }), AbortError);
  assert.ok(!util.inspect(source).includes('at-'));
});

test('fetch sends the token, and after a 401 invalid_token refreshes once and retries', async () => {
  const seen = [];
  let refuse = new Set();
  const resource = await httpServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const auth = req.headers.authorization;
      seen.push({ auth, body, method: req.method, path: req.url });
      if (refuse.has(auth) || req.url !== '/data') {
        res.writeHead(401, { 'www-authenticate': req.url === '/scope'
          ? 'Bearer realm="api", error="insufficient_scope"'
          : 'Basic realm="x", Bearer realm="api", error="invalid_token", error_description="expired"' });
        res.end('no');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${req.method} ${body}`);
    });
  });
  const key = freshKey('fetch');
  const client = newClient(demoOptions(`/flaky/0/${key}/token`));
  const token = await client.exchangeCode(freshCode());
  const source = newSource(client, { token });

  const ok = await source.fetch(resource + '/data');
  assert.equal(ok.status, 200);
  assert.equal(seen.at(-1).auth, `Bearer ${token.accessToken}`);

  refuse = new Set([`Bearer ${token.accessToken}`]);
  const retried = await source.fetch(resource + '/data', { method: 'POST', body: 'payload', headers: { 'x-a': '1' } });
  assert.equal(retried.status, 200);
  assert.equal(await retried.text(), 'ok POST payload', 'the body is sent again');
  const [first, second] = seen.slice(-2);
  assert.equal(first.auth, `Bearer ${token.accessToken}`);
  assert.notEqual(second.auth, first.auth);
  assert.equal((await stats()).flaky[key], 2, 'the exchange and one refresh');

  const stream = new Request(resource + '/data', { method: 'PUT', body: new Blob(['streamed']) });
  refuse = new Set([second.auth]);
  const fromRequest = await source.fetch(stream);
  assert.equal(await fromRequest.text(), 'ok PUT streamed');
  assert.equal((await stats()).flaky[key], 3);

  const many = seen.length;
  refuse = new Set([seen.at(-1).auth]);
  const all = await Promise.all(Array.from({ length: 8 }, () => source.fetch(resource + '/data')));
  assert.deepEqual(all.map((r) => r.status), Array(8).fill(200));
  assert.equal((await stats()).flaky[key], 4, '8 refused requests, one refresh');
  assert.ok(seen.length <= many + 16);

  const scope = await source.fetch(resource + '/scope');
  assert.equal(scope.status, 401, 'insufficient_scope is not retried');
  const always = await source.fetch(resource + '/always');
  assert.equal(always.status, 401, 'one retry only');
  assert.equal((await stats()).flaky[key], 5);
  await assert.rejects(source.fetch(resource + '/data', { signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
});

test('the WWW-Authenticate parser finds a Bearer challenge with error="invalid_token" only', () => {
  const yes = [
    'Bearer error="invalid_token"',
    'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    'bearer error=invalid_token',
    'Basic realm="a, b", Bearer error="invalid_token"',
    'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Bearer error="invalid_token"',
  ];
  const no = [
    null, '', 'Bearer', 'Bearer realm="x"', 'Bearer error="insufficient_scope"',
    'Basic error="invalid_token"', 'Bearer error="invalid_request", DPoP error="invalid_token"',
    'Bearer realm="error=\\"invalid_token\\""', 'Basic dXNlcjpwYXNz, Bearer error="invalid_tokens"',
  ];
  for (const h of yes) assert.equal(invalidToken(h), true, h);
  for (const h of no) assert.equal(invalidToken(h), false, String(h));
});
