'use strict';
// Token: a token (RFC 6749 §5.1) copied out of a native tokenkit_token, which is freed (and
// zeroized) before the call that made it returns. It keeps the core's saved form, which toJSON()
// returns and Token.fromJSON() reads back: the binding never writes that format itself.

const util = require('node:util');
const { fn, check, string, typeError } = require('./call.cjs');

const REDACTED = '<redacted>';
const fromNativeKey = Symbol('tokenkit.fromNative');

class Token {
  #saved;
  #rawJSON;
  #raw = null;

  /** Tokens are made by tokenkit (a grant, a TokenSource, Token.fromJSON), not by hand. */
  constructor(key, fields, saved) {
    if (key !== fromNativeKey) {
      throw new TypeError('a Token is made by tokenkit: use Token.fromJSON() to read a saved one');
    }
    /** @type {string} */
    this.accessToken = fields.accessToken;
    /** "Bearer" when the server sent any case of it, or none. */
    this.tokenType = fields.tokenType;
    /** The lifetime in seconds as the server sent it, or null. */
    this.expiresIn = fields.expiresIn;
    /** When the access token expires, or null when unknown. */
    this.expiresAt = fields.expiresAt;
    /** null when the server sent none: after a refresh, the old refresh token stays valid. */
    this.refreshToken = fields.refreshToken;
    this.scope = fields.scope;
    this.idToken = fields.idToken;
    this.#rawJSON = fields.rawJSON;
    this.#saved = saved;
    Object.freeze(this);
  }

  /** Every field the server sent (a form-encoded answer becomes an object of strings); parsed on first use. */
  get raw() {
    this.#raw ??= deepFreeze(JSON.parse(this.#rawJSON));
    return this.#raw;
  }

  /** The token in tokenkit's saved format, for JSON.stringify; secrets, to be stored as such. */
  toJSON() {
    return JSON.parse(this.#saved);
  }

  /**
   * Reads a token from tokenkit's saved format (what JSON.stringify(token) wrote, as a string or
   * parsed), or any JSON object with a non-empty access_token. No network.
   * @param {string | object} json
   */
  static fromJSON(json) {
    const text = typeof json === 'string' ? json
      : json !== null && typeof json === 'object' ? JSON.stringify(json)
        : null;
    if (text === null) throw typeError('json', 'a string or an object', json);
    string('json', text);
    const out = [null];
    const err = [null];
    const status = fn().tokenkit_token_from_json(text, out, err);
    return take(status, out, err);
  }

  [util.inspect.custom](depth, options, inspect) {
    const shown = {
      accessToken: REDACTED,
      tokenType: this.tokenType,
      expiresIn: this.expiresIn,
      expiresAt: this.expiresAt,
      refreshToken: this.refreshToken === null ? null : REDACTED,
      scope: this.scope,
      idToken: this.idToken === null ? null : REDACTED,
      raw: REDACTED,
    };
    return `Token ${inspect(shown, { ...options, depth: options.depth === null ? null : options.depth - 1 })}`;
  }
}

/** Copies a live native token (its strings are borrowed from it); the caller frees it. */
function copy(token) {
  const f = fn();
  const expiresIn = [0];
  const expiresAt = [0];
  const saved = [null];
  const err = [null];
  check(f.tokenkit_token_to_json(token, saved, err), err);
  return new Token(fromNativeKey, {
    accessToken: f.tokenkit_token_access_token(token),
    tokenType: f.tokenkit_token_token_type(token),
    expiresIn: f.tokenkit_token_expires_in(token, expiresIn) ? expiresIn[0] : null,
    expiresAt: f.tokenkit_token_expires_at(token, expiresAt) ? new Date(expiresAt[0] * 1000) : null,
    refreshToken: f.tokenkit_token_refresh_token(token),
    scope: f.tokenkit_token_scope(token),
    idToken: f.tokenkit_token_id_token(token),
    rawJSON: f.tokenkit_token_json(token),
  }, saved[0]);
}

/** The token a call stored in `out` (freed here, whatever happens), or the call's error. */
function take(status, out, err) {
  try {
    check(status, err);
    return copy(out[0]);
  } finally {
    fn().tokenkit_token_free(out[0]);
  }
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

module.exports = { Token, copy, take, deepFreeze, REDACTED };
