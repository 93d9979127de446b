// The package as users get it: both entry points, where the library is found and the error when it
// is not, the example's exit statuses, and `npm pack` installed into a fresh directory, which
// exchanges a code with no environment variable pointing at the library.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esm from '../index.mjs';
import native from '../lib/native.cjs';
import { server, freshCode } from './helpers.mjs';

const run = promisify(execFile);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const checkoutLibrary = path.join(root, '..', '..', 'target', 'release', 'libtokenkit.so');

/** Runs node with `args` in `cwd`; resolves with { code, stdout, stderr } whatever the exit status. */
async function node(args, { cwd = root, env = {} } = {}) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: childEnv, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('the ES module and CommonJS entry points export the same objects', () => {
  const cjs = createRequire(import.meta.url)('../index.cjs');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  for (const [name, value] of Object.entries(cjs)) assert.equal(esm[name], value, name);
  assert.equal(esm.default, cjs);
  assert.equal(esm.ABI_VERSION, 2);
});

test('the library is looked for in TOKENKIT_LIBRARY, the package, the checkout, then the system', () => {
  const order = native.candidates({});
  assert.deepEqual(order.map((c) => c.from), ['bundled', 'checkout', 'system loader', 'system loader']);
  assert.equal(order[0].path, path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'libtokenkit.so'));
  assert.equal(path.resolve(order[1].path), path.resolve(checkoutLibrary));
  assert.deepEqual(order.slice(2).map((c) => c.path), ['libtokenkit.so.2', 'libtokenkit.so']);
  assert.deepEqual(native.candidates({ TOKENKIT_LIBRARY: '/opt/tk/libtokenkit.so' }).map((c) => c.path), ['/opt/tk/libtokenkit.so']);
  assert.equal(path.resolve(esm.libraryInfo().path), path.resolve(process.env.TOKENKIT_LIBRARY ?? checkoutLibrary));
});

test('a missing library is a clear error naming what was tried', async () => {
  const missing = '/nonexistent/libtokenkit.so';
  const r = await node(['-e', "require('./index.cjs').Token.fromJSON('{}')"], { env: { TOKENKIT_LIBRARY: missing } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot load the native library; tried:/);
  assert.match(r.stderr, /\/nonexistent\/libtokenkit\.so \(TOKENKIT_LIBRARY\): not found/);
  const notALibrary = await node(['-e', "require('./index.cjs').Token.fromJSON('{}')"], { env: { TOKENKIT_LIBRARY: path.join(root, 'package.json') } });
  assert.match(notALibrary.stderr, /package\.json \(TOKENKIT_LIBRARY\): /);
  const loads = await node(['-e', "console.log(require('./index.cjs').libraryInfo().path)"], { env: { TOKENKIT_LIBRARY: checkoutLibrary } });
  assert.equal(loads.stdout.trim(), checkoutLibrary);
});

test('examples/exchange.mjs: the token JSON, or one line and the CLI\'s exit status', async () => {
  const example = path.join(root, 'examples', 'exchange.mjs');
  const vars = { TOKENKIT_TOKEN_URL: server() + '/token', TOKENKIT_CLIENT_ID: 'demo-client', TOKENKIT_CLIENT_SECRET: 'demo-secret', TOKENKIT_CODE: freshCode() };
  const ok = await node([example], { env: vars });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).access_token, /^at-/);
  const reused = await node([example], { env: vars });
  assert.equal(reused.code, 3);
  assert.equal(reused.stdout, '');
  assert.equal(reused.stderr, 'exchange: oauth_error: invalid_grant: authorization code was already used (HTTP 400)\n');
  assert.equal((await node([example], { env: { ...vars, TOKENKIT_CODE: undefined } })).code, 2);
  assert.equal((await node([example], { env: { ...vars, TOKENKIT_AUTH_METHOD: 'jwt' } })).code, 2);
  const insecure = await node([example], { env: { ...vars, TOKENKIT_TOKEN_URL: 'http://example.com/token' } });
  assert.equal(insecure.code, 6);
  assert.ok(!insecure.stderr.includes('demo-secret'));
  const refused = await node([example], { env: { ...vars, TOKENKIT_CODE: freshCode(), TOKENKIT_TOKEN_URL: server() + '/fault/500' } });
  assert.equal(refused.code, 5);
});

test('npm pack carries the library; the tarball installed in a fresh directory works with no environment', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenkit-pack-'));
  try {
    const npm = (args, cwd) => run('npm', args, { cwd, timeout: 120000, env: { ...process.env, TOKENKIT_LIBRARY: undefined } });
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], root);
    const [{ filename, files }] = JSON.parse(stdout.slice(stdout.indexOf('[')));
    const paths = files.map((f) => f.path);
    assert.ok(paths.includes(`prebuilds/${process.platform}-${process.arch}/libtokenkit.so`), paths.join(' '));
    assert.ok(!paths.some((p) => p.startsWith('test/') || p.startsWith('node_modules/')));
    assert.ok(!fs.existsSync(path.join(root, 'prebuilds')), 'postpack removed the bundled copy from the checkout');

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true,"type":"module"}');
    await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, filename)], app);
    const installed = path.join(app, 'node_modules', 'tokenkit');
    const vars = {
      TOKENKIT_LIBRARY: undefined, TOKENKIT_TOKEN_URL: server() + '/token', TOKENKIT_CLIENT_ID: 'demo-client',
      TOKENKIT_CLIENT_SECRET: 'demo-secret', TOKENKIT_CODE: freshCode(),
    };
    const script = "import { libraryInfo } from 'tokenkit'; console.log(libraryInfo().path);";
    const where = await node(['--input-type=module', '-e', script], { cwd: app, env: vars });
    assert.equal(where.stdout.trim(), path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'libtokenkit.so'));
    const example = await node([path.join(installed, 'examples', 'exchange.mjs')], { cwd: app, env: vars });
    assert.equal(example.code, 0, example.stderr);
    assert.match(JSON.parse(example.stdout).access_token, /^at-/);
    const cjs = await node(['-e', "require('tokenkit').Token.fromJSON({access_token: 'x'}); console.log('cjs ok')"], { cwd: app, env: vars });
    assert.equal(cjs.stdout.trim(), 'cjs ok');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
