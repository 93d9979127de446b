// Native objects are freed exactly once: by close(), by Symbol.dispose, or by the
// FinalizationRegistry when their owner is collected; their callbacks go with them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client, TokenSource, Token } from '../index.mjs';
import callModule from '../lib/call.cjs';
import { demoOptions, freshCode } from './helpers.mjs';

const { liveHandles, liveCallbacks } = callModule;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** Collects garbage until `done()` or a second has passed: finalizers run in later tasks. */
async function collectUntil(done) {
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return done();
}

test('close and Symbol.dispose free at once; twice is harmless', () => {
  const before = liveHandles();
  const client = new Client(demoOptions());
  const source = new TokenSource(client, { token: Token.fromJSON({ access_token: 'x' }), onChange: () => {} });
  assert.equal(liveHandles(), before + 2);
  assert.equal(liveCallbacks(), 1);
  source[Symbol.dispose]();
  assert.equal(liveCallbacks(), 0, 'the callback goes with the source');
  client.close();
  assert.equal(liveHandles(), before);
  client.close();
  source.close();
  client[Symbol.dispose]();
  assert.equal(liveHandles(), before);
});

test('forgotten clients and sources are freed when collected', async () => {
  const before = liveHandles();
  (() => {
    for (let i = 0; i < 50; i++) {
      const client = new Client(demoOptions());
      new TokenSource(client, { token: Token.fromJSON({ access_token: 'x' }), onChange: () => {} });
    }
  })();
  assert.equal(liveHandles(), before + 100);
  assert.ok(await collectUntil(() => liveHandles() === before), `${liveHandles() - before} left`);
  assert.equal(liveCallbacks(), 0);
});

test('a client dropped while its call runs is freed after the call', async () => {
  const before = liveHandles();
  const token = await new Client(demoOptions()).exchangeCode(freshCode());
  assert.match(token.accessToken, /^at-/);
  assert.ok(await collectUntil(() => liveHandles() === before));
});
