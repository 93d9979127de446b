// The flows that call back into JS from a worker thread: loopback sign-in (openBrowser) and the
// device flow (onPrompt), with their errors, AbortSignal and Client#close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client, OAuthError, ProtocolError, TimeoutError, AbortError } from '../index.mjs';
import callModule from '../lib/call.cjs';
import { server, flowClient, track, browser, rejection, stats } from './helpers.mjs';

const { liveCallbacks } = callModule;

test('signIn: the browser is sent to the authorization URL and the code comes back', async () => {
  const client = flowClient();
  const b = browser();
  const token = await client.signIn({ scope: 'read write', openBrowser: b.openBrowser, timeoutMs: 10000 });
  assert.match(token.accessToken, /^at-/);
  assert.equal(token.scope, 'read write');
  assert.equal(b.opened.length, 1);
  const url = new URL(b.opened[0]);
  assert.equal(url.origin + url.pathname, server() + '/authorize');
  assert.match(url.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  assert.deepEqual(await Promise.all(b.visits), [200]);
  assert.equal(liveCallbacks(), 0);
});

test('signIn: denied consent, a wrong iss, the user taking too long', async () => {
  const client = flowClient();
  const denied = browser();
  const e = await rejection(client.signIn({ openBrowser: denied.openBrowser, params: { mock_behavior: 'deny' } }));
  assert.ok(e instanceof OAuthError);
  assert.equal(e.error, 'access_denied');
  await Promise.all(denied.visits);

  const discovered = track(await Client.fromIssuer(server(), { clientId: 'demo-client', clientSecret: 'demo-secret' }));
  const mixup = browser();
  const e2 = await rejection(discovered.signIn({ openBrowser: mixup.openBrowser, params: { mock_behavior: 'wrong-iss' } }));
  assert.ok(e2 instanceof ProtocolError, String(e2));
  await Promise.all(mixup.visits);

  const e3 = await rejection(client.signIn({ openBrowser: () => {}, timeoutMs: 300 }));
  assert.ok(e3 instanceof TimeoutError, String(e3));
  assert.equal(liveCallbacks(), 0);
});

test('signIn: openBrowser failing stops the sign-in with its own error', async () => {
  const client = flowClient();
  const thrown = new Error('no browser here');
  const started = performance.now();
  assert.equal(await rejection(client.signIn({ openBrowser: () => { throw thrown; } })), thrown);
  const rejected = new Error('browser crashed');
  assert.equal(await rejection(client.signIn({ openBrowser: () => Promise.reject(rejected) })), rejected);
  assert.ok(performance.now() - started < 3000);
  assert.equal(liveCallbacks(), 0);
});

test('signIn: AbortSignal and Client#close end the wait', async () => {
  const client = flowClient();
  const controller = new AbortController();
  let opened = 0;
  const waiting = client.signIn({ openBrowser: () => { opened++; setTimeout(() => controller.abort('user left'), 100); }, signal: controller.signal });
  const e = await rejection(waiting);
  assert.ok(e instanceof AbortError && e.name === 'AbortError' && e.code === 'ABORT_ERR');
  assert.equal(e.cause, 'user left');
  assert.equal(opened, 1);

  const closing = new Client({ tokenUrl: server() + '/token', authorizeUrl: server() + '/authorize', clientId: 'demo-client', clientSecret: 'demo-secret' });
  const e2 = await rejection(closing.signIn({ openBrowser: () => setTimeout(() => closing.close(), 100) }));
  assert.ok(e2 instanceof AbortError);
  assert.match(e2.message, /client was closed/);
  assert.equal(liveCallbacks(), 0);
});

test('deviceFlow: the prompt shows the code, polling brings the token', async () => {
  const client = flowClient();
  const prompts = [];
  const token = await client.deviceFlow({ scope: 'read', onPrompt: (d) => prompts.push(d), params: { mock_interval: '1' } });
  assert.match(token.accessToken, /^at-/);
  assert.equal(prompts.length, 1);
  const [d] = prompts;
  assert.match(d.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
  assert.equal(d.verificationUri, server() + '/device');
  assert.ok(d.verificationUriComplete.includes(encodeURIComponent(d.userCode)) || d.verificationUriComplete.includes(d.userCode));
  assert.equal(d.interval, 1);
  assert.ok(d.expiresIn > 0 && d.expiresIn <= 600);
  assert.ok(Object.isFrozen(d));

  const google = await client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'google' } });
  assert.match(google.accessToken, /^at-/);
  assert.equal(liveCallbacks(), 0);
});

test('deviceFlow: denied, expired, a failing prompt', async () => {
  const client = flowClient();
  const denied = await rejection(client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'deny' } }));
  assert.ok(denied instanceof OAuthError);
  assert.equal(denied.error, 'access_denied');
  const expired = await rejection(client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'expire' } }));
  assert.ok(expired instanceof OAuthError || expired instanceof TimeoutError, String(expired));

  const polls = (await stats()).by_grant.device_code;
  const thrown = new Error('no screen');
  assert.equal(await rejection(client.deviceFlow({ onPrompt: () => { throw thrown; } })), thrown);
  assert.equal((await stats()).by_grant.device_code, polls, 'no poll after the prompt failed');
  const rejected = new Error('display went away');
  const started = performance.now();
  assert.equal(await rejection(client.deviceFlow({ onPrompt: () => Promise.reject(rejected), params: { mock_behavior: 'never' } })), rejected);
  assert.ok(performance.now() - started < 3000);
  assert.equal(liveCallbacks(), 0);
});

test('deviceFlow: AbortSignal and Client#close stop the polling', async () => {
  const client = flowClient();
  const controller = new AbortController();
  const e = await rejection(client.deviceFlow({
    onPrompt: () => setTimeout(() => controller.abort(), 300), params: { mock_behavior: 'never' }, signal: controller.signal,
  }));
  assert.ok(e instanceof AbortError, String(e));
  const closing = new Client({ tokenUrl: server() + '/token', deviceAuthorizationUrl: server() + '/device_authorization', clientId: 'demo-client', clientSecret: 'demo-secret' });
  const e2 = await rejection(closing.deviceFlow({ onPrompt: () => setTimeout(() => closing.close(), 200), params: { mock_behavior: 'never' } }));
  assert.ok(e2 instanceof AbortError);
  assert.match(e2.message, /client was closed/);
  assert.equal(liveCallbacks(), 0);
});
