// The binding's declarations against include/tokenkit.h: a changed signature, a renumbered
// constant or a new function fails here instead of corrupting a call at run time. No server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import native from '../lib/native.cjs';

const headerPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'include', 'tokenkit.h');
const header = fs.readFileSync(headerPath, 'utf8');
const withDirectives = header.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
const code = withDirectives.replace(/^\s*#.*$/gm, '');

const normalize = (s) => s.replace(/\bstruct\s+/g, '').replace(/\s+/g, ' ').replace(/\s*\*\s*/g, ' *').replace(/\( /g, '(').replace(/ \)/g, ')').trim();

/** The header's function prototypes, by name, normalized. */
const headerFunctions = new Map();
for (const m of withDirectives.slice(withDirectives.indexOf('extern "C" {')).replace(/^\s*#.*$/gm, '').matchAll(/([A-Za-z_][\w\s*]*?\b(tokenkit_\w+)\s*\(([^)]*)\))\s*;/g)) {
  headerFunctions.set(m[2], normalize(m[1]));
}

/** A binding prototype as C reads it: `_Out_` is koffi's, `tokenkit_string *` is a `char **`. */
const asC = (proto) => normalize(proto.replace(/_Out_\s+/g, '').replace(/\btokenkit_string \*/g, 'char **'));

test('the header was read', () => {
  assert.ok(headerFunctions.size > 100, `${headerFunctions.size} functions in ${headerPath}`);
  assert.equal(headerFunctions.get('tokenkit_abi_version'), 'uint32_t tokenkit_abi_version(void)');
});

test('every bound function has exactly the header\'s prototype', () => {
  const bound = new Set();
  for (const proto of native.PROTOTYPES) {
    const name = /(\w+)\s*\(/.exec(proto)[1];
    assert.ok(!bound.has(name), `${name} is bound twice`);
    bound.add(name);
    assert.ok(headerFunctions.has(name), `${name} is not in the header`);
    assert.equal(asC(proto), headerFunctions.get(name), name);
  }
});

test('every function of the header is bound or listed as not bound, with a reason', () => {
  const bound = new Set(native.PROTOTYPES.map((p) => /(\w+)\s*\(/.exec(p)[1]));
  for (const name of headerFunctions.keys()) {
    assert.ok(bound.has(name) || name in native.NOT_BOUND, `${name} is in the header but neither bound nor in NOT_BOUND`);
  }
  for (const [name, reason] of Object.entries(native.NOT_BOUND)) {
    assert.ok(headerFunctions.has(name), `NOT_BOUND lists ${name}, which the header does not have`);
    assert.ok(!bound.has(name), `${name} is bound and listed as not bound`);
    assert.ok(reason.length > 10);
  }
});

test('the callback types are the header\'s typedefs', () => {
  for (const [name, proto] of Object.entries(native.CALLBACKS)) {
    const m = new RegExp(`typedef\\s+([\\w\\s*]+?)\\s*\\(\\s*\\*\\s*${name}\\s*\\)\\s*\\(([^)]*)\\)\\s*;`).exec(code);
    assert.ok(m, `typedef ${name} is not in the header`);
    assert.equal(normalize(proto), normalize(`${m[1]} ${name}(${m[2]})`), name);
  }
});

test('the constants are the header\'s numbers', () => {
  assert.equal(Number(/#define TOKENKIT_ABI_VERSION (\d+)/.exec(withDirectives)[1]), native.ABI_VERSION);
  const constant = (name) => {
    const m = new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(code);
    assert.ok(m, `${name} is not in the header`);
    return Number(m[1]);
  };
  for (const [name, value] of Object.entries(native.Status)) assert.equal(constant(`TOKENKIT_STATUS_${name}`), value, name);
  const statusNames = [...code.matchAll(/\bTOKENKIT_STATUS_(\w+)\s*=/g)].map((m) => m[1]);
  assert.deepEqual(statusNames.sort(), Object.keys(native.Status).sort(), 'every status is known');
  assert.equal(constant('TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST'), native.AuthMethod.post);
  assert.equal(constant('TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC'), native.AuthMethod.basic);
  assert.equal(constant('TOKENKIT_AUTH_METHOD_NONE'), native.AuthMethod.none);
  assert.equal(constant('TOKENKIT_REVOCATION_STYLE_RFC7009'), native.RevocationStyle.rfc7009);
  assert.equal(constant('TOKENKIT_REVOCATION_STYLE_NEST_DELETE'), native.RevocationStyle['nest-delete']);
});

test('the loaded library exports every bound function and has ABI version 2', () => {
  const lib = native.load();
  for (const proto of native.PROTOTYPES) assert.equal(typeof lib.fn[/(\w+)\s*\(/.exec(proto)[1]], 'function');
  assert.equal(lib.fn.tokenkit_abi_version(), native.ABI_VERSION);
  assert.equal(lib.fn.tokenkit_status_name(native.Status.OAUTH_ERROR), 'oauth_error');
});
