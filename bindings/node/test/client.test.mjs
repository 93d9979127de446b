// Client: construction, every grant, authorization URLs, revocation, introspection, discovery,
// presets, TLS and closing, against the mock authorization server over real sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Client, Token, AuthorizationRequest, InvalidArgumentError, InsecureURLError, OAuthError, ProtocolError,
  TLSError, TokenSource,
} from '../index.mjs';
import {
  server, env, freshCode, freshKey, demoOptions, flowClient, track, stats, mintCode, rejection,
} from './helpers.mjs';

const newClient = (options) => track(new Client(options));

test('exchangeCode returns every field of the token response', async () => {
  const client = newClient(demoOptions());
  const before = Date.now();
  const token = await client.exchangeCode(freshCode());
  assert.ok(token instanceof Token);
  assert.match(token.accessToken, /^at-/);
  assert.equal(token.tokenType, 'Bearer');
  assert.equal(token.expiresIn, 3600);
  assert.ok(token.expiresAt instanceof Date);
  const lifetime = token.expiresAt.getTime() - before;
  assert.ok(lifetime > 3595_000 && lifetime <= 3601_000, `expiresAt ${token.expiresAt.toISOString()}`);
  assert.match(token.refreshToken, /^rt-/);
  assert.equal(token.scope, 'read');
  assert.equal(token.idToken, null);
  assert.equal(token.raw.access_token, token.accessToken);
  assert.equal(token.raw.expires_in, 3600);
  assert.ok(Object.isFrozen(token) && Object.isFrozen(token.raw));
});

test('the three client authentication methods', async () => {
  const basic = newClient({ tokenUrl: server() + '/token', clientId: 'basic-client',
    clientSecret: 'basic secret:+&/é', authMethod: 'basic' });
  assert.match((await basic.exchangeCode(freshCode())).accessToken, /^at-/);
  const pub = newClient({ tokenUrl: server() + '/token', clientId: 'public-client', authMethod: 'none' });
  assert.match((await pub.exchangeCode(freshCode())).accessToken, /^at-/);
  const wrong = newClient({ ...demoOptions(), authMethod: 'basic' });
  const e = await rejection(wrong.exchangeCode(freshCode()));
  assert.ok(e instanceof OAuthError);
  assert.equal(e.error, 'invalid_client');
  assert.equal(e.status, 401);
});

test('authorizationUrl, then the code exchange with its redirect URI and PKCE verifier', async () => {
  const client = flowClient();
  const redirectUri = 'http://127.0.0.1:9/callback';
  const request = client.authorizationUrl({ redirectUri, scope: 'read write', params: { prompt: 'consent' } });
  assert.ok(request instanceof AuthorizationRequest);
  const url = new URL(request.url);
  assert.equal(url.origin + url.pathname, server() + '/authorize');
  assert.equal(url.searchParams.get('redirect_uri'), redirectUri);
  assert.equal(url.searchParams.get('scope'), 'read write');
  assert.equal(url.searchParams.get('prompt'), 'consent');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(url.searchParams.get('state'), request.state);
  assert.match(request.codeVerifier, /^[A-Za-z0-9\-._~]{43,128}$/);
  assert.notEqual(client.authorizationUrl({ redirectUri }).state, request.state, 'a fresh state each time');

  const r = await fetch(request.url, { redirect: 'manual' });
  const back = new URL(r.headers.get('location'));
  assert.equal(back.searchParams.get('state'), request.state);
  const code = back.searchParams.get('code');
  const wrong = await rejection(client.exchangeCode(code, { redirectUri, codeVerifier: 'x'.repeat(43) }));
  assert.equal(wrong.error, 'invalid_grant');
  const again = client.authorizationUrl({ redirectUri });
  const r2 = await fetch(again.url, { redirect: 'manual' });
  const code2 = new URL(r2.headers.get('location')).searchParams.get('code');
  const token = await client.exchangeCode(code2, { redirectUri, codeVerifier: again.codeVerifier });
  assert.equal(token.scope, 'read');
});

test('a minted code bound to a redirect URI needs it repeated', async () => {
  const client = newClient(demoOptions());
  const redirectUri = 'http://127.0.0.1/cb';
  const code = await mintCode({ client_id: 'demo-client', redirect_uri: redirectUri, scope: 'read write' });
  const e = await rejection(client.exchangeCode(code));
  assert.equal(e.error, 'invalid_grant');
  const code2 = await mintCode({ client_id: 'demo-client', redirect_uri: redirectUri, scope: 'read write' });
  assert.equal((await client.exchangeCode(code2, { redirectUri })).scope, 'read write');
});

test('refresh keeps the old refresh token unless the server rotates it', async () => {
  const client = newClient(demoOptions());
  const token = await client.exchangeCode(freshCode());
  const refreshed = await client.refresh(token.refreshToken);
  assert.notEqual(refreshed.accessToken, token.accessToken);
  assert.equal(refreshed.refreshToken, null, 'no new refresh token: the old one stays valid');
  assert.equal((await client.refresh(token.refreshToken, { scope: 'read' })).scope, 'read');
  const narrower = await rejection(client.refresh(token.refreshToken, { scope: 'admin' }));
  assert.equal(narrower.error, 'invalid_scope');

  const rotating = newClient({ tokenUrl: server() + '/token', clientId: 'rotating-client', clientSecret: 'rotating-secret' });
  const t = await rotating.exchangeCode(freshCode());
  const r = await rotating.refresh(t.refreshToken);
  assert.match(r.refreshToken, /^rt-/);
  assert.notEqual(r.refreshToken, t.refreshToken);
  assert.equal((await rejection(rotating.refresh(t.refreshToken))).error, 'invalid_grant');
});

test('clientCredentials with a scope and extra parameters', async () => {
  const client = newClient(demoOptions());
  const token = await client.clientCredentials({ scope: 'read write', params: [['mock_expires_in', '120']] });
  assert.equal(token.scope, 'read write');
  assert.equal(token.expiresIn, 120);
  assert.equal(token.refreshToken, null);
  assert.equal((await client.clientCredentials()).scope, 'read');
});

test('revoke, then introspect', async () => {
  const client = flowClient();
  const token = await client.exchangeCode(freshCode());
  const info = await client.introspect(token.accessToken, { hint: 'access_token' });
  assert.equal(info.active, true);
  assert.equal(info.clientId, 'demo-client');
  assert.equal(info.scope, 'read');
  assert.equal(info.sub, 'user-1');
  assert.equal(info.tokenType, 'Bearer');
  assert.ok(info.exp instanceof Date && info.iat instanceof Date && info.exp > info.iat);
  assert.equal(info.raw.iss, server());
  assert.equal(info.username, null);
  const revocations = (await stats()).revocations;
  assert.equal(await client.revoke(token.accessToken, { hint: 'access_token' }), undefined);
  assert.equal((await stats()).revocations, revocations + 1);
  assert.equal((await client.introspect(token.accessToken)).active, false);
  await client.revoke('never-issued'); // RFC 7009 §2.2: not an error
  assert.equal((await client.introspect(token.refreshToken, { hint: 'refresh_token' })).tokenType, 'refresh_token');
});

test("Works with Nest's DELETE revocation", async () => {
  const client = newClient(demoOptions('/token', {
    revocationUrl: server() + '/oauth2/access_tokens', introspectionUrl: server() + '/introspect',
    revocationStyle: 'nest-delete',
  }));
  const token = await client.exchangeCode(freshCode());
  await client.revoke(token.accessToken);
  assert.equal((await client.introspect(token.accessToken)).active, false);
  await client.revoke(token.accessToken); // already revoked: still success (RFC 7009 §2.2)
});

test('fromIssuer discovers the endpoints off the main thread', async () => {
  const client = track(await Client.fromIssuer(server(), { clientId: 'demo-client', clientSecret: 'demo-secret' }));
  assert.equal(client.metadata.issuer, server());
  assert.equal(client.metadata.token_endpoint, server() + '/token');
  assert.match((await client.clientCredentials()).accessToken, /^at-/);
  assert.ok(client.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb' }).url.startsWith(server() + '/authorize?'));
  const tenant = track(await Client.fromIssuer(server() + '/tenant1', { clientId: 'demo-client', clientSecret: 'demo-secret' }));
  assert.equal(tenant.metadata.issuer, server() + '/tenant1');
  for (const bad of ['/evil', '/broken']) {
    const e = await rejection(Client.fromIssuer(server() + bad, { clientId: 'demo-client', clientSecret: 'demo-secret' }));
    assert.ok(e instanceof ProtocolError, `${bad}: ${e}`);
  }
  const key = freshKey('issuer');
  const explicit = track(await Client.fromIssuer(server(), {
    clientId: 'demo-client', clientSecret: 'demo-secret', tokenUrl: `${server()}/flaky/0/${key}/token`,
  }));
  await explicit.clientCredentials();
  assert.equal((await stats()).flaky[key], 1, 'the explicit token URL overrides discovery');
});

test('fromPreset: Works with Nest and Google Device Access, no network', () => {
  const nest = track(Client.fromPreset('nest', { clientId: 'id', clientSecret: 'secret' }));
  assert.match(nest.authorizationUrl().url, /^https:\/\/home\.nest\.com\//);
  const e = (() => {
    try {
      Client.fromPreset('google-nest', { clientId: 'id', clientSecret: 'secret' });
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof InvalidArgumentError);
  assert.match(e.message, /project_id/);
  const google = track(Client.fromPreset('google-nest', { clientId: 'id', clientSecret: 'secret', projectId: 'proj-1' }));
  const url = new URL(google.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb' }).url);
  assert.match(url.pathname, /proj-1/);
  assert.equal(url.searchParams.get('access_type'), 'offline');
  assert.throws(() => Client.fromPreset('acme', { clientId: 'id' }), InvalidArgumentError);
});

test('TLS: the mock server over HTTPS with its CA file, and without it', async () => {
  const tlsURL = env('TOKENKIT_TEST_TLS_URL');
  const client = newClient({ tokenUrl: tlsURL, clientId: 'demo-client', clientSecret: 'demo-secret',
    caFile: env('TOKENKIT_TEST_CA_FILE') });
  assert.match((await client.exchangeCode(freshCode())).accessToken, /^tls-at-/);
  const untrusting = newClient({ tokenUrl: tlsURL, clientId: 'demo-client', clientSecret: 'demo-secret', retries: 0 });
  assert.ok(await rejection(untrusting.exchangeCode(freshCode())) instanceof TLSError);
  assert.throws(() => new Client({ ...demoOptions(), caFile: '/nonexistent/ca.pem' }), InvalidArgumentError);
});

test('bad arguments throw TypeError or RangeError naming the argument', async () => {
  assert.throws(() => new Client(), { name: 'TypeError', message: /clientId must be a string/ });
  assert.throws(() => new Client({ clientId: 'x', tokenUrl: 5 }), { name: 'TypeError', message: /tokenUrl/ });
  assert.throws(() => new Client({ ...demoOptions(), authMethod: 'jwt' }), { name: 'TypeError', message: /authMethod must be 'post' or 'basic' or 'none'/ });
  assert.throws(() => new Client({ ...demoOptions(), timeoutMs: -1 }), { name: 'RangeError', message: /timeoutMs/ });
  assert.throws(() => new Client({ ...demoOptions(), timeoutMs: 1.5 }), { name: 'RangeError', message: /timeoutMs/ });
  assert.throws(() => new Client({ ...demoOptions(), retries: { max: -1 } }), { name: 'RangeError', message: /retries\.max/ });
  assert.throws(() => new Client({ ...demoOptions(), clientSecret: 'a\0b' }), { name: 'TypeError', message: /clientSecret must not contain a NUL/ });
  assert.throws(() => new Client('https://x'), { name: 'TypeError', message: /options must be an object/ });
  const client = newClient(demoOptions());
  await assert.rejects(client.exchangeCode(42), { name: 'TypeError', message: /code must be a string/ });
  await assert.rejects(client.exchangeCode('c', { signal: 'now' }), { name: 'TypeError', message: /options\.signal must be an AbortSignal/ });
  await assert.rejects(client.clientCredentials({ params: 'a=b' }), { name: 'TypeError', message: /options\.params/ });
  await assert.rejects(client.clientCredentials({ params: { a: 1 } }), { name: 'TypeError', message: /options\.params\.a/ });
  await assert.rejects(client.refresh(undefined), { name: 'TypeError', message: /refreshToken/ });
  await assert.rejects(client.deviceFlow({}), { name: 'TypeError', message: /options\.onPrompt must be a function/ });
  await assert.rejects(client.signIn({ port: 70000 }), { name: 'RangeError', message: /options\.port/ });
  assert.throws(() => new TokenSource({}, {}), { name: 'TypeError', message: /client must be a tokenkit Client/ });
  assert.throws(() => Token.fromJSON(7), { name: 'TypeError', message: /json must be a string or an object/ });
});

test('values the library refuses: InvalidArgumentError and InsecureURLError naming them', async () => {
  assert.throws(() => new Client({ clientId: 'x', tokenUrl: 'not a url' }), (e) => e instanceof InvalidArgumentError &&
    e.kind === 'invalid_argument' && e.code === 'TOKENKIT_INVALID_ARGUMENT' && /token_endpoint/.test(e.message));
  assert.throws(() => new Client({ clientId: 'x', clientSecret: 's', tokenUrl: 'http://example.com/token' }),
    (e) => e instanceof InsecureURLError && e.kind === 'insecure');
  assert.throws(() => new Client({ clientId: '', tokenUrl: server() + '/token' }), InvalidArgumentError);
  assert.throws(() => new Client({ clientId: 'x', tokenUrl: server() + '/token', authMethod: 'post' }),
    (e) => e instanceof InvalidArgumentError && /secret/.test(e.message));
  const client = newClient(demoOptions());
  const e = await rejection(client.exchangeCode(freshCode(), { codeVerifier: 'short' }));
  assert.ok(e instanceof InvalidArgumentError);
  assert.match(e.message, /code_verifier/);
  const nameClash = await rejection(client.clientCredentials({ params: { grant_type: 'password' } }));
  assert.ok(nameClash instanceof InvalidArgumentError);
  assert.throws(() => client.authorizationUrl(), /authorization_endpoint/);
});

test('close: calls after it fail, calls running finish, twice is fine, sources outlive it', async () => {
  const client = new Client(demoOptions());
  const token = await client.exchangeCode(freshCode());
  const source = track(new TokenSource(client, { token }));
  const held = new Client(demoOptions(`/held/2/600/${freshKey('close')}/token`));
  const running = held.exchangeCode(freshCode());
  held.close(); // the native client is freed when the exchange returns
  assert.match((await running).accessToken, /^at-/);
  await assert.rejects(held.clientCredentials(), (e) => e instanceof InvalidArgumentError && /client is closed/.test(e.message));
  client.close();
  client.close();
  await assert.rejects(client.exchangeCode(freshCode()), /client is closed/);
  assert.throws(() => client.authorizationUrl(), /client is closed/);
  assert.equal(await source.accessToken(), token.accessToken);
  assert.ok((await source.refresh()).accessToken !== token.accessToken);
  const disposed = new Client(demoOptions());
  await disposed.clientCredentials();
  disposed[Symbol.dispose]();
  await assert.rejects(disposed.clientCredentials(), /client is closed/);
});
