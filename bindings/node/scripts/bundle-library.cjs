#!/usr/bin/env node
'use strict';
// Puts the native library into the package, at prebuilds/PLATFORM-ARCH/, where lib/native.cjs
// looks for it after TOKENKIT_LIBRARY: `npm pack` runs this first (prepack) and with --remove
// after (postpack), so a tarball carries the library and the checkout keeps no stale copy.
// The library is TOKENKIT_LIBRARY if set, else the checkout's target/release (build it with
// `make lib`). The copy is stripped of debug symbols when `strip` is there.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const names = { linux: 'libtokenkit.so', darwin: 'libtokenkit.dylib', win32: 'tokenkit.dll' };
const file = names[process.platform] ?? names.linux;
const prebuilds = path.join(root, 'prebuilds');

if (process.argv.includes('--remove')) {
  fs.rmSync(prebuilds, { recursive: true, force: true });
  process.exit(0);
}

const source = process.env.TOKENKIT_LIBRARY || path.join(root, '..', '..', 'target', 'release', file);
if (!fs.existsSync(source)) {
  console.error(`bundle-library: ${source} does not exist; run \`make lib\` at the repository root first`);
  process.exit(1);
}
const dir = path.join(prebuilds, `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, file);
fs.copyFileSync(source, target);
if (process.platform !== 'win32') {
  const args = process.platform === 'darwin' ? ['-x', target] : ['--strip-debug', target];
  const r = spawnSync('strip', args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) console.error('bundle-library: strip not available; bundling the library unstripped');
}
console.error(`bundle-library: ${source} -> ${path.relative(root, target)} (${fs.statSync(target).size} bytes)`);
