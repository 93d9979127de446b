// The interop matrix against Ory Hydra v2.3.0 on loopback (tests/interop/hydra), as the CLI, C, Go
// and Java run it: discovery with the issuer check, code exchange (client_secret_post,
// client_secret_basic, a public client with PKCE), code reuse, refresh with rotation and the
// rotated-out refresh token refused, client credentials with a scope, a wrong secret,
// introspection on the admin port with an introspection-only client, revocation (also of an
// invalid token), and loopback sign-in with a tampered state and a denied consent. Where Hydra
// departs from an RFC, the test records what the server does, names the RFC, and asserts what
// tokenkit does. Skipped unless tests/interop/hydra/run.sh set the environment; from the
// repository root:
//
//   tests/interop/hydra/run.sh bash -c 'cd bindings/node && node --test test/hydra.test.mjs'
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, TokenSource, OAuthError, ProtocolError, InvalidArgumentError } from '../index.mjs';

const run = promisify(execFile);
const CALLBACK = 'http://127.0.0.1/callback';
const GRANTED = 'openid offline_access read write';

const issuer = process.env.TOKENKIT_HYDRA_ISSUER;
const admin = process.env.TOKENKIT_HYDRA_ADMIN_URL;
const dir = process.env.TOKENKIT_HYDRA_DIR;
const skip = issuer && admin && dir ? false
  : 'Hydra is not running: tests/interop/hydra/run.sh sets TOKENKIT_HYDRA_ISSUER, TOKENKIT_HYDRA_ADMIN_URL and TOKENKIT_HYDRA_DIR';
const hydraTest = (name, body) => test(name, { skip }, body);
// Introspection is only on the admin port, and in no metadata.
const introspectionUrl = `${admin}/admin/oauth2/introspect`;

const closables = [];
const track = (c) => { closables.push(c); return c; };
after(() => closables.forEach((c) => c.close()));

/** A client from discovery, plus the introspection endpoint on the admin port; no secret: public. */
const client = (clientId, clientSecret, authMethod = 'none') => Client.fromIssuer(issuer, {
  clientId, clientSecret, authMethod, introspectionUrl, timeoutMs: 20000,
}).then(track);

/** get-code.mjs with these arguments: its stdout lines. */
async function browser(...args) {
  const { stdout } = await run(process.execPath, [path.join(dir, 'get-code.mjs'), ...args], { timeout: 30000 });
  return stdout.trim().split('\n');
}

/** Signs the test user in for the client's own authorization URL: { code, codeVerifier }. */
async function codeFor(c, scope) {
  const request = c.authorizationUrl({ redirectUri: CALLBACK, scope });
  const [code] = await browser('--url', request.url);
  assert.ok(code, 'get-code.mjs printed no code');
  return { code, codeVerifier: request.codeVerifier };
}

/** Whether Hydra says the token is active. */
const active = async (c, token) => (await c.introspect(token)).active;

/** The OAuthError `promise` rejects with; fails unless it rejects with that `error`. */
async function oauthError(promise, error) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof OAuthError, `${e}`);
    assert.equal(e.error, error, e.message);
    return e;
  }
  assert.fail(`expected the OAuth error ${error}`);
}

hydraTest('discovery checks the issuer', async () => {
  const c = await client('tk-post', 'tk-post-secret', 'post');
  assert.equal(c.metadata.issuer, issuer);
  assert.ok(c.metadata.revocation_endpoint);
  assert.equal(c.metadata.introspection_endpoint, undefined, 'Hydra now lists an introspection endpoint');
  // RFC 8414 §3.3: the document must name exactly the issuer asked for.
  const e = await Client.fromIssuer(`${issuer}/`, { clientId: 'tk-post' }).then(
    (c2) => { c2.close(); assert.fail('discovery accepted another issuer'); }, (err) => err);
  assert.ok(e instanceof ProtocolError, `${e}`);
  assert.match(e.message, /RFC 8414/);
});

for (const [clientId, secret, method] of [
  ['tk-post', 'tk-post-secret', 'post'],
  ['tk-basic', 'tk-basic-secret', 'basic'],
  ['tk-public', undefined, 'none'],
]) {
  hydraTest(`code exchange, code reuse (${clientId}, ${method})`, async () => {
    const c = await client(clientId, secret, method);
    const introspector = await client('tk-basic', 'tk-basic-secret', 'basic');
    const { code, codeVerifier } = await codeFor(c, 'openid offline_access read');
    const token = await c.exchangeCode(code, { redirectUri: CALLBACK, codeVerifier });
    assert.ok(token.refreshToken && token.idToken, 'want refresh and id tokens');
    assert.equal(token.scope, 'openid offline_access read');
    // Hydra sends "bearer"; the type is case-insensitive (RFC 6749 §5.1).
    assert.equal(token.raw.token_type, 'bearer', "Hydra's token_type changed");
    assert.equal(token.tokenType, 'Bearer');

    const reused = await oauthError(c.exchangeCode(code, { redirectUri: CALLBACK }), 'invalid_grant');
    assert.equal(reused.status, 400);
    assert.ok(!reused.message.includes(code) && !(reused.body ?? '').includes(code), 'the code is in the error');
    // Hydra also revokes what the code gave (RFC 6749 §4.1.2 says it SHOULD).
    assert.equal(await active(introspector, token.accessToken), false, "the reused code's first access token is still active");

    if (method === 'none') {
      // Hydra requires PKCE of a public client: without the verifier the code is refused.
      const another = await codeFor(c, 'read');
      await oauthError(c.exchangeCode(another.code, { redirectUri: CALLBACK }), 'invalid_grant');
    }
  });
}

hydraTest('refresh rotates, and the rotated-out refresh token is refused', async () => {
  const c = await client('tk-basic', 'tk-basic-secret', 'basic');
  const { code, codeVerifier } = await codeFor(c, GRANTED);
  const first = await c.exchangeCode(code, { redirectUri: CALLBACK, codeVerifier });
  assert.ok(first.refreshToken);
  // RFC 6749 §6 lets a refresh narrow the scope; Hydra ignores `scope` and keeps the granted one.
  // tokenkit sends it and reports the scope the server granted.
  const second = await c.refresh(first.refreshToken, { scope: 'read' });
  assert.equal(second.scope, GRANTED, 'Hydra now honours the scope of a refresh');
  const rotated = second.refreshToken;
  assert.ok(rotated && rotated !== first.refreshToken, 'the refresh token did not rotate');

  // A token source from the rotated refresh token: of 8 callers asking at once (token() and
  // accessToken(), two native calls racing in the library), one refreshes (two refreshes would
  // replay a refresh token, which Hydra punishes), and the next rotation reaches onChange.
  const changes = [];
  const source = track(new TokenSource(c, { refreshToken: rotated, onChange: (t) => changes.push(t.refreshToken) }));
  const got = await Promise.all(Array.from({ length: 8 },
    (_, i) => (i % 2 ? source.accessToken() : source.token().then((t) => t.accessToken))));
  assert.equal(new Set(got).size, 1, 'every caller got the same access token');
  assert.equal(changes.length, 1, 'one refresh');
  assert.ok(changes[0] && changes[0] !== rotated, 'the source\'s refresh rotated the refresh token');
  const at = await source.accessToken();
  assert.equal(await active(c, at), true);

  // The rotated-out refresh token is refused...
  await oauthError(c.refresh(rotated), 'invalid_grant');
  // ...and Hydra treats the replay as theft (RFC 9700 §4.14.2): the whole grant is revoked, so
  // the source's next refresh fails with the server's invalid_grant.
  assert.equal(await active(c, at), false, "the replay left the source's access token active");
  await oauthError(source.refresh(), 'invalid_grant');
});

hydraTest('client credentials with a scope; a wrong secret is invalid_client', async () => {
  const c = await client('tk-basic', 'tk-basic-secret', 'basic');
  const token = await c.clientCredentials({ scope: 'read write' });
  assert.equal(token.scope, 'read write');
  assert.equal(token.refreshToken, null);
  for (const [clientId, method] of [['tk-basic', 'basic'], ['tk-post', 'post']]) {
    const wrong = await client(clientId, 'WRONG-SECRET', method);
    const e = await oauthError(wrong.clientCredentials({ scope: 'read' }), 'invalid_client');
    assert.equal(e.status, 401, method);
    assert.ok(!e.message.includes('WRONG-SECRET') && !(e.body ?? '').includes('WRONG-SECRET'), 'the secret is in the error');
  }
  // RFC 6749 §5.2: a 401 for a client that authenticated with Basic MUST carry WWW-Authenticate.
  // Hydra's has none; tokenkit reads the error from the body all the same (above).
  const res = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('tk-basic:WRONG-SECRET').toString('base64')}`,
    },
    body: 'grant_type=client_credentials',
  });
  await res.arrayBuffer();
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), null, 'Hydra now sends WWW-Authenticate');
});

hydraTest('introspection on the admin port, revocation', async () => {
  const basic = await client('tk-basic', 'tk-basic-secret', 'basic');
  const post = await client('tk-post', 'tk-post-secret', 'post');
  const token = await basic.clientCredentials({ scope: 'read write' });

  // Introspection on the admin port by a client with that one endpoint and nothing else.
  const only = track(new Client({ clientId: 'tk-basic', clientSecret: 'tk-basic-secret', authMethod: 'basic', introspectionUrl }));
  const info = await only.introspect(token.accessToken, { hint: 'access_token' });
  assert.equal(info.active, true);
  assert.equal(info.clientId, 'tk-basic');
  assert.equal(info.scope, 'read write');
  assert.ok(info.exp && info.iat && info.exp > info.iat, 'exp after iat');
  assert.equal((await only.introspect('ory_at_not-a-token')).active, false);
  // It has no token endpoint: a grant is refused before anything is sent.
  await assert.rejects(only.clientCredentials(), InvalidArgumentError);
  // RFC 7662 §2.1: the endpoint requires authorization. Hydra's admin port answers anyone; a
  // wrong secret changes nothing (tokenkit sends the credentials it was given).
  const wrong = track(new Client({ clientId: 'tk-basic', clientSecret: 'WRONG-SECRET', authMethod: 'basic', introspectionUrl }));
  assert.equal(await active(wrong, token.accessToken), true, "Hydra's admin introspection now checks the client");

  // RFC 7009 §2.1: the server refuses to revoke a token issued to another client. Hydra answers
  // 200 and keeps the token; tokenkit reports the success it was told of (§2.2).
  await post.revoke(token.accessToken, { hint: 'access_token' });
  assert.equal(await active(basic, token.accessToken), true, "Hydra now revokes another client's token: expect an error here");
  // An invalid token: success (RFC 7009 §2.2).
  await basic.revoke('ory_at_not-a-token');
  await basic.revoke(token.accessToken, { hint: 'access_token' });
  assert.equal(await active(basic, token.accessToken), false, 'revoked token still active');
});

/**
 * Signs in with get-code.mjs in `mode` (--follow, --deny, --tamper-state) as the browser:
 * { token } or { error }, and the browser's output lines.
 */
async function signIn(c, mode) {
  let visit;
  const result = await c.signIn({
    scope: 'openid offline_access read',
    timeoutMs: 30000,
    // Settled at once, so that a failing browser is reported here, not as an unhandled rejection.
    openBrowser: (url) => { visit = browser('--url', url, mode).then((lines) => ({ lines }), (fault) => ({ fault })); },
  }).then((token) => ({ token }), (error) => ({ error }));
  assert.ok(visit, 'the browser was never opened');
  const { lines, fault } = await visit;
  assert.ifError(fault);
  return { ...result, lines };
}

hydraTest('loopback sign-in ignores a tampered state; a denied consent', async () => {
  const pub = await client('tk-public');
  // A redirect with a tampered state first: the listener refuses it and keeps waiting; then the
  // real one. Hydra sends no iss: RFC 9207 is optional, and its metadata promises none.
  assert.equal(pub.metadata.authorization_response_iss_parameter_supported, undefined);
  const { token, error, lines } = await signIn(pub, '--tamper-state');
  assert.ifError(error);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^HTTP 400 .*not the one the application is waiting for/);
  assert.match(lines[1], /^HTTP 200 /);
  assert.ok(token.refreshToken && token.idToken, 'want refresh and id tokens');

  const denied = await signIn(pub, '--deny');
  assert.ok(denied.error instanceof OAuthError, `${denied.error}`);
  assert.equal(denied.error.error, 'access_denied');

  const post = await client('tk-post', 'tk-post-secret', 'post');
  const followed = await signIn(post, '--follow');
  assert.ifError(followed.error);
  assert.ok(followed.token.accessToken);
  assert.match(followed.lines[0], /^HTTP 200 /);
});
