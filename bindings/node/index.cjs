'use strict';
// tokenkit for Node.js: the CommonJS entry point (index.mjs re-exports the same objects).

const native = require('./lib/native.cjs');
const errors = require('./lib/errors.cjs');
const { Token } = require('./lib/token.cjs');
const { Client, AuthorizationRequest } = require('./lib/client.cjs');
const { TokenSource } = require('./lib/source.cjs');
const { Store } = require('./lib/store.cjs');

/** The native library in use: its path, version and ABI (loads it if needed). */
function libraryInfo() {
  const lib = native.load();
  return { path: lib.path, version: lib.version, abiVersion: native.ABI_VERSION };
}

module.exports = {
  Client,
  TokenSource,
  Store,
  Token,
  AuthorizationRequest,
  TokenKitError: errors.TokenKitError,
  InvalidArgumentError: errors.InvalidArgumentError,
  OAuthError: errors.OAuthError,
  HTTPError: errors.HTTPError,
  TransportError: errors.TransportError,
  TimeoutError: errors.TimeoutError,
  TLSError: errors.TLSError,
  ProtocolError: errors.ProtocolError,
  InsecureURLError: errors.InsecureURLError,
  AbortError: errors.AbortError,
  ABI_VERSION: native.ABI_VERSION,
  libraryInfo,
};
