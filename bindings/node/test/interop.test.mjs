// Against oidc-provider, a certified server nobody on this project wrote (tests/interop/run.sh
// starts it and sets TOKENKIT_INTEROP_ISSUER): discovery, every grant, rotation through a
// TokenSource, revocation, introspection, loopback sign-in and the device flow.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Client, TokenSource, OAuthError } from '../index.mjs';
import { env, track, rejection } from './helpers.mjs';

const run = promisify(execFile);
const issuer = () => env('TOKENKIT_INTEROP_ISSUER');
const getCode = async (...args) =>
  (await run(process.execPath, [path.join(env('TOKENKIT_INTEROP_DIR'), 'get-code.mjs'), ...args], { timeout: 30000 })).stdout.trim();
const REDIRECT = 'http://127.0.0.1/callback';

const postClient = () => Client.fromIssuer(issuer(), { clientId: 'tk-post', clientSecret: 'tk-post-secret' }).then(track);

test('discovery, the code exchange, refresh with rotation, a reused code', async () => {
  const client = await postClient();
  assert.equal(client.metadata.issuer, issuer());
  const code = await getCode('--issuer', issuer(), '--client-id', 'tk-post', '--redirect-uri', REDIRECT, '--scope', 'openid read');
  const token = await client.exchangeCode(code, { redirectUri: REDIRECT });
  assert.ok(token.accessToken && token.refreshToken && token.idToken);
  assert.equal(token.tokenType, 'Bearer');
  assert.deepEqual(token.scope.split(' ').sort(), ['openid', 'read']);

  const changes = [];
  const source = track(new TokenSource(client, { token, onChange: (t) => changes.push(t) }));
  const refreshed = await source.refresh();
  assert.notEqual(refreshed.accessToken, token.accessToken);
  assert.notEqual(refreshed.refreshToken, token.refreshToken, 'oidc-provider rotates refresh tokens');
  assert.equal(changes.length, 1);
  assert.equal(source.toJSON().refresh_token, refreshed.refreshToken);
  assert.equal((await rejection(client.refresh(token.refreshToken))).error, 'invalid_grant');
  // Last: a reused code makes oidc-provider revoke the whole grant.
  const reused = await rejection(client.exchangeCode(code, { redirectUri: REDIRECT }));
  assert.ok(reused instanceof OAuthError);
  assert.equal(reused.error, 'invalid_grant');
});

test('client credentials with Basic authentication, introspection, revocation', async () => {
  const basic = track(await Client.fromIssuer(issuer(), { clientId: 'tk-basic', clientSecret: 'tk-basic-secret', authMethod: 'basic' }));
  const token = await basic.clientCredentials({ scope: 'read' });
  assert.ok(token.accessToken);
  assert.equal(token.refreshToken, null);
  const info = await basic.introspect(token.accessToken, { hint: 'access_token' });
  assert.equal(info.active, true);
  assert.equal(info.clientId, 'tk-basic');
  await basic.revoke(token.accessToken, { hint: 'access_token' });
  assert.equal((await basic.introspect(token.accessToken)).active, false);
});

test('loopback sign-in of a public client, with PKCE and iss', async () => {
  const client = track(await Client.fromIssuer(issuer(), { clientId: 'tk-public', authMethod: 'none' }));
  const follows = [];
  const token = await client.signIn({
    scope: 'openid read',
    openBrowser: (url) => { follows.push(getCode('--url', url, '--follow')); },
  });
  assert.ok(token.accessToken && token.idToken);
  assert.match((await Promise.all(follows))[0], /^HTTP 200/);

  const denied = [];
  const e = await rejection(client.signIn({ openBrowser: (url) => { denied.push(getCode('--url', url, '--deny')); } }));
  assert.ok(e instanceof OAuthError);
  assert.equal(e.error, 'access_denied');
  await Promise.all(denied);
});

test('the device flow, approved by the user', async () => {
  const client = await postClient();
  const approvals = [];
  const token = await client.deviceFlow({
    scope: 'openid read',
    onPrompt: (d) => { approvals.push(getCode('--issuer', issuer(), '--user-code', d.userCode)); },
  });
  await Promise.all(approvals);
  assert.ok(token.accessToken && token.refreshToken);
});

test('authorizationUrl with PKCE, then the exchange; TokenSource#fetch at the userinfo endpoint', async () => {
  const client = track(await Client.fromIssuer(issuer(), { clientId: 'tk-public', authMethod: 'none' }));
  const request = client.authorizationUrl({ redirectUri: REDIRECT, scope: 'openid read' });
  const code = await getCode('--url', request.url);
  const token = await client.exchangeCode(code, { redirectUri: REDIRECT, codeVerifier: request.codeVerifier });
  assert.ok(token.idToken);
  const source = track(new TokenSource(client, { token }));
  const response = await source.fetch(client.metadata.userinfo_endpoint);
  assert.equal(response.status, 200);
  assert.ok((await response.json()).sub);
});
