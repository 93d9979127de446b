// The leak check: 100,000 rounds of calls that allocate and free native objects (see
// fixtures/leak-child.mjs) must grow resident memory by less than 5 MiB after a warm-up round.
// It runs in a child with a fixed young generation (--max-semi-space-size=1): V8 otherwise grows
// its nursery by up to tens of MiB under allocation pressure, which is not a leak and would hide
// one. The JS heap's own growth is checked too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { server } from './helpers.mjs';

const CALLS = 100000;
const MiB = 1024 * 1024;
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'leak-child.mjs');

test(`${CALLS} calls grow resident memory by less than 5 MiB`, async (t) => {
  server(); // the child calls the mock server
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--expose-gc', '--max-semi-space-size=1', child, String(CALLS), '2'], { env: process.env, timeout: 90000 });
  const { series } = JSON.parse(stdout);
  const rss = series[1].rss - series[0].rss;
  const heap = series[1].heapUsed - series[0].heapUsed;
  t.diagnostic(`leak check: ${CALLS} calls, RSS ${(series[0].rss / MiB).toFixed(1)} -> ${(series[1].rss / MiB).toFixed(1)} MiB ` +
    `(growth ${(rss / MiB).toFixed(2)} MiB), JS heap growth ${(heap / MiB).toFixed(2)} MiB`);
  assert.ok(rss < 5 * MiB, `RSS grew ${(rss / MiB).toFixed(2)} MiB`);
  assert.ok(heap < 1 * MiB, `the JS heap grew ${(heap / MiB).toFixed(2)} MiB`);
});
