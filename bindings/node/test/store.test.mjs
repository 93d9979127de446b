// The token store against the mock server: profiles on disk (mode 0600, the secret only when
// asked), a client from a profile, one refresh for many concurrent callers and for several
// processes on one expired profile, the rotated refresh token saved, logout, deletion and the list,
// a token source backed by a profile; and the request log and the device flow's onPoll.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, after } from 'node:test';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, Store, TokenSource, InvalidArgumentError, OAuthError, AbortError } from '../index.mjs';
import callModule from '../lib/call.cjs';
import { freshCode, freshKey, demoOptions, server, stats, track, rejection } from './helpers.mjs';

const { liveCallbacks } = callModule;
const run = util.promisify(execFile);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenkit-node-store-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
/** A store in a directory of its own, closed when the file ends. */
const newStore = () => track(new Store(path.join(root, `store-${++dirs}`)));
const newClient = (options) => track(new Client(options));
const rotating = (tokenPath = '/token') => ({
  tokenUrl: server() + tokenPath, clientId: 'rotating-client', clientSecret: 'rotating-secret',
});
/** A token whose access token lives `seconds`: 30 is within the 60 s skew, so stale. */
const tokenFor = (client, seconds) => client.exchangeCode(freshCode(), { params: { mock_expires_in: String(seconds) } });

test('a profile keeps the client settings, the secret only when asked', async () => {
  const store = newStore();
  assert.equal(fs.statSync(store.dir).mode & 0o777, 0o700);
  const made = newClient(demoOptions('/token', { revocationUrl: server() + '/revoke' }));
  await store.saveProfile('work', made);
  const file = path.join(store.dir, 'work.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(!text.includes('demo-secret') && text.includes('"tokenkit_profile":1') && text.includes('"token":null'), text);

  // Without the secret, the program adds it; then the client works against the server.
  assert.throws(() => Client.fromStore(store, 'work'), InvalidArgumentError);
  const client = track(Client.fromStore(store, 'work', { clientSecret: 'demo-secret', timeoutMs: 10000 }));
  assert.match((await client.exchangeCode(freshCode())).accessToken, /^at-/);
  assert.match(util.inspect(client), /profile: 'work'/);

  await store.saveProfile('work', made, { withSecret: true });
  assert.ok(fs.readFileSync(file, 'utf8').includes('demo-secret'));
  const whole = track(Client.fromStore(store, 'work'));
  assert.match((await whole.exchangeCode(freshCode())).accessToken, /^at-/);

  for (const bad of ['', '../escape', '.hidden', 'a/b', 'x'.repeat(65)]) {
    assert.throws(() => Client.fromStore(store, bad), InvalidArgumentError);
    await assert.rejects(store.saveProfile(bad, made), InvalidArgumentError);
  }
  assert.throws(() => Client.fromStore(store, 'absent'), /no profile absent/);
  assert.throws(() => Client.fromStore({}, 'work'), TypeError);
  await assert.rejects(store.saveProfile('work', {}), TypeError);
});

test('an expired profile refreshes once and saves the rotated refresh token', async () => {
  const store = newStore();
  const key = freshKey('store-rot');
  const minter = newClient(rotating());
  const client = newClient(rotating(`/held/1/3000/${key}/token`));
  const initial = await tokenFor(minter, 30);
  await store.saveProfile('rot', client, { token: initial });
  const fresh = await store.token('rot', client);
  assert.equal((await stats()).held[key], 1);
  assert.notEqual(fresh.accessToken, initial.accessToken);
  assert.ok(fresh.refreshToken && fresh.refreshToken !== initial.refreshToken, 'the server rotates');
  assert.equal((await store.savedToken('rot')).refreshToken, fresh.refreshToken);
  assert.equal((await store.token('rot', client, { skewMs: 60000 })).accessToken, fresh.accessToken);
  assert.equal((await stats()).held[key], 1, 'a fresh token was refreshed');
  const spent = await rejection(client.refresh(initial.refreshToken));
  assert.ok(spent instanceof OAuthError && spent.error === 'invalid_grant', String(spent));

  await store.saveProfile('empty', client);
  await assert.rejects(store.token('empty', client), /has no token/);
  await assert.rejects(store.token('rot', client, { skewMs: -1 }), RangeError);
});

test('concurrent callers on an expired profile cause one refresh', async () => {
  const callers = 8;
  const store = newStore();
  const key = freshKey('store-many');
  const initial = await tokenFor(newClient(demoOptions()), 30);
  await store.saveProfile('shared', newClient(demoOptions(`/held/${callers}/3000/${key}/token`)),
    { token: initial, withSecret: true });
  // Each with a store and a client of its own, as separate processes would have.
  const tokens = await Promise.all(Array.from({ length: callers }, async () => {
    const own = track(new Store(store.dir));
    const client = track(Client.fromStore(own, 'shared'));
    return (await own.token('shared', client)).accessToken;
  }));
  assert.ok(tokens.every((t) => t === tokens[0]) && tokens[0] !== initial.accessToken, tokens.join());
  assert.equal((await stats()).held[key], 1, `refresh requests from ${callers} callers`);
  const saved = await store.savedToken('shared');
  assert.equal(saved.accessToken, tokens[0]);
  assert.equal(saved.refreshToken, initial.refreshToken, 'the refresh token the server kept stays');
});

test('processes sharing an expired profile cause one refresh', async () => {
  const processes = 3;
  const store = newStore();
  const key = freshKey('store-procs');
  const initial = await tokenFor(newClient(demoOptions()), 30);
  await store.saveProfile('procs', newClient(demoOptions(`/held/${processes}/3000/${key}/token`)),
    { token: initial, withSecret: true });
  const index = fileURLToPath(new URL('../index.mjs', import.meta.url));
  const child = `import { Client, Store } from ${JSON.stringify(index)};
const store = new Store(process.argv[1]);
const client = Client.fromStore(store, 'procs');
process.stdout.write((await store.token('procs', client)).accessToken);
client.close();
store.close();`;
  const outputs = await Promise.all(Array.from({ length: processes },
    () => run(process.execPath, ['--input-type=module', '-e', child, store.dir], { timeout: 30000 })));
  const tokens = outputs.map((o) => o.stdout);
  assert.ok(tokens.every((t) => t === tokens[0]) && tokens[0].startsWith('at-'), tokens.join());
  assert.equal((await stats()).held[key], 1, `refresh requests from ${processes} processes`);
});

test('a signal ends the wait for another caller\'s refresh', async () => {
  const store = newStore();
  const key = freshKey('store-wait');
  const client = newClient(demoOptions(`/held/2/3000/${key}/token`));
  await store.saveProfile('held', client, { token: await tokenFor(newClient(demoOptions()), 30) });
  await assert.rejects(store.token('held', client, { signal: AbortSignal.abort() }), AbortError);
  const holder = store.token('held', client);
  while (((await stats()).held[key] ?? 0) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
  const start = Date.now();
  await assert.rejects(store.token('held', client, { signal: AbortSignal.timeout(300) }), AbortError);
  assert.ok(Date.now() - start < 2000, `the wait for the lock ended after ${Date.now() - start} ms`);
  assert.match((await holder).accessToken, /^at-/);
  assert.equal((await stats()).held[key], 1);
});

test('logout, deletion and the list, with nothing secret', async () => {
  const store = newStore();
  const client = newClient(demoOptions());
  const token = await tokenFor(client, 3600);
  await store.saveProfile('b', client, { token });
  await store.saveProfile('a', client);
  const profiles = await store.profiles();
  assert.deepEqual(profiles.map((p) => p.name), ['a', 'b']);
  assert.deepEqual(profiles[0], {
    name: 'a', clientId: 'demo-client', tokenEndpoint: server() + '/token', hasToken: false,
    hasRefreshToken: false, expiresAt: null, problem: null,
  });
  const b = profiles[1];
  assert.ok(b.hasToken && b.hasRefreshToken && b.problem === null && b.expiresAt > new Date(Date.now() + 3000e3));
  const shown = JSON.stringify(profiles);
  for (const secret of ['demo-secret', token.accessToken, token.refreshToken]) assert.ok(!shown.includes(secret));

  await store.saveToken('a', token);
  await assert.rejects(store.saveToken('absent', token), InvalidArgumentError);
  await assert.rejects(store.saveToken('a', null), TypeError);

  assert.equal((await store.removeToken('b')).accessToken, token.accessToken);
  assert.equal(await store.savedToken('b'), null);
  assert.equal(await store.removeToken('b'), null);
  track(Client.fromStore(store, 'b', { clientSecret: 'demo-secret' })); // the client settings stay
  assert.equal(await store.deleteProfile('b'), true);
  assert.equal(await store.deleteProfile('b'), false);
  assert.ok(!fs.existsSync(path.join(store.dir, 'b.json')));
  await assert.rejects(store.deleteProfile('../x'), InvalidArgumentError);
  assert.equal((await store.profiles()).length, 1);

  store.close();
  store[Symbol.dispose]();
  await assert.rejects(store.profiles(), /store is closed/);
  assert.match(util.inspect(store), /closed: true/);
});

test('a token source backed by a profile', async () => {
  const store = newStore();
  const client = newClient(rotating());
  const initial = await tokenFor(client, 30);
  await store.saveProfile('src', client, { token: initial });
  const changes = [];
  const source = track(TokenSource.fromStore(client, store, 'src', { onChange: (t) => changes.push(t) }));
  const token = await source.token();
  assert.notEqual(token.accessToken, initial.accessToken);
  assert.equal(changes.length, 1);
  const saved = await store.savedToken('src');
  assert.equal(saved.accessToken, token.accessToken);
  assert.equal(saved.refreshToken, token.refreshToken);
  // Another source (another process) takes up the saved token without a refresh.
  const other = track(TokenSource.fromStore(client, store, 'src'));
  assert.equal(await other.accessToken(), token.accessToken);
  assert.throws(() => TokenSource.fromStore(client, store, 'absent'), InvalidArgumentError);
  // The store is closed: the sources keep their own reference.
  store.close();
  const forced = await other.refresh();
  const reopened = track(new Store(store.dir));
  assert.equal((await reopened.savedToken('src')).refreshToken, forced.refreshToken);
  assert.equal(changes.length, 1);
  assert.throws(() => TokenSource.fromStore(client, store, 'src'), /store is closed/);
});

test('the log gets every request and no secret', async () => {
  const before = liveCallbacks();
  const lines = [];
  const code = freshCode();
  const client = new Client(demoOptions('/token', { log: (level, line) => lines.push([level, line]), logLevel: 2 }));
  const token = await client.exchangeCode(code);
  const refreshed = await client.refresh(token.refreshToken);
  const source = new TokenSource(client, { refreshToken: token.refreshToken });
  client.close();
  // The source logs through the client's log after the client is closed.
  const sourced = await source.refresh();
  source.close();
  assert.equal(liveCallbacks(), before, 'the log goes with the last of the client and its sources');
  const text = lines.map(([, line]) => line).join('\n');
  assert.deepEqual([...new Set(lines.map(([level]) => level))].sort(), [1, 2]);
  assert.ok(text.includes(`POST ${server()}/token`) && text.includes('[redacted]'), text);
  for (const secret of ['demo-secret', code, token.accessToken, token.refreshToken, refreshed.accessToken, sourced.accessToken]) {
    assert.ok(!text.includes(secret), `${secret} in\n${text}`);
  }

  // The default level is requests only.
  lines.length = 0;
  const quiet = newClient(demoOptions('/token', { log: (level, line) => lines.push([level, line]) }));
  await quiet.exchangeCode(freshCode());
  assert.ok(lines.length > 0 && lines.every(([level]) => level === 1));
  assert.throws(() => new Client(demoOptions('/token', { log: () => {}, logLevel: 3 })), InvalidArgumentError);
  assert.throws(() => new Client(demoOptions('/token', { logLevel: 1 })), InvalidArgumentError);
  assert.throws(() => new Client(demoOptions('/token', { log: 'no' })), TypeError);
  assert.equal(liveCallbacks(), before + 1, 'only the quiet client\'s');
});

test('what the log throws rejects the call', async () => {
  let thrown = false;
  const client = newClient(demoOptions('/token', {
    log: () => {
      if (!thrown) {
        thrown = true;
        throw new Error('log sink broke');
      }
    },
  }));
  await assert.rejects(client.clientCredentials(), /log sink broke/);
  assert.match((await client.clientCredentials()).accessToken, /^at-/, 'the next call is fine');
});

test('onPoll is told of each poll and may stop the flow', async () => {
  const client = newClient({
    tokenUrl: server() + '/token', clientId: 'public-client', authMethod: 'none',
    deviceAuthorizationUrl: server() + '/device_authorization',
  });
  const before = liveCallbacks();
  const polls = [];
  await client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'approve' }, onPoll: (o, i) => { polls.push([o, i]); } });
  assert.deepEqual(polls, [['authorization_pending', 1000]]);
  polls.length = 0;
  await client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'slow_down' }, onPoll: (o, i) => { polls.push([o, i]); } });
  assert.deepEqual(polls, [['slow_down', 6000]]);

  await assert.rejects(client.deviceFlow({ onPrompt: () => {}, params: { mock_behavior: 'never' }, onPoll: () => false }),
    AbortError);
  const why = new Error('gave up');
  const e = await rejection(client.deviceFlow({
    onPrompt: () => {}, params: { mock_behavior: 'never' }, onPoll: () => { throw why; },
  }));
  assert.equal(e, why);
  await assert.rejects(client.deviceFlow({ onPrompt: () => {}, onPoll: 'no' }), TypeError);
  assert.equal(liveCallbacks(), before, 'no callback left behind');
});
