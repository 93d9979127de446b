'use strict';
// Store: tokenkit's token store (tokenkit_store), a directory of profiles shared by every process
// of a user. Every call that reads or writes a profile runs on a libuv worker thread: a refresh
// holds the profile's file lock while it waits for the server, and the event loop never waits for
// a lock (a log callback of that refresh needs the loop).

const util = require('node:util');
const {
  string, millis, object, signalOf, typeError, fn, check, runAsync, Handle, finalizer, storeKey, LogSink,
} = require('./call.cjs');
const { Client, internal, internalLog, internalConfig, withRequestOptions } = require('./client.cjs');
const { Token, take } = require('./token.cjs');

/** A token source's default skew, which store.token() uses when none is given. */
const DEFAULT_SKEW_MS = 60000;

class Store {
  #handle;
  #dir;

  /**
   * Opens the store in `dir` (made with mode 0700 if missing), or, when it is absent, in the
   * default place: $TOKENKIT_STORE, else $XDG_CONFIG_HOME/tokenkit, else ~/.config/tokenkit.
   * @param {string} [dir]
   */
  constructor(dir) {
    const d = dir === undefined || dir === null ? null : string('dir', dir);
    const f = fn();
    const out = [null];
    const err = [null];
    check(f.tokenkit_store_open(d, out, err), err);
    this.#dir = f.tokenkit_store_dir(out[0]);
    this.#handle = new Handle(out[0], (p) => fn().tokenkit_store_free(p), 'store');
    finalizer.register(this, this.#handle, this.#handle);
  }

  /** The store's directory. */
  get dir() {
    return this.#dir;
  }

  /**
   * Saves profile `name` from the settings `client` was made with (its endpoints, client id,
   * auth method, and the preset or issuer it came from; its client secret only with
   * `withSecret`) and `token` (none yet when absent), replacing a profile of that name.
   * Timeouts, CA files and the log are not saved: they belong to the program.
   */
  async saveProfile(name, client, options) {
    string('name', name);
    if (!(client instanceof Client)) throw typeError('client', 'a tokenkit Client', client);
    const o = object('options', options);
    if (o.withSecret !== undefined && typeof o.withSecret !== 'boolean') {
      throw typeError('options.withSecret', 'a boolean', o.withSecret);
    }
    const secret = o.withSecret ? 1 : 0;
    await withToken(o.token, true, (token) => this.#handle.use((store) => client[internal].use(() => {
      const err = [null];
      return runAsync(fn().tokenkit_store_save_profile, [store, name, client[internalConfig], token, secret, err])
        .then((status) => check(status, err));
    })));
  }

  /**
   * A fresh token of profile `name`: the saved one while it is more than `skewMs` (default
   * 60 000) from expiry, else refreshed through `client` with the saved refresh token and saved,
   * under the profile's lock, so that the processes and calls asking together cause one refresh
   * and all get its token. A rotated refresh token is saved before the lock is let go; when the
   * server sends none, the old one is kept. Rejects with an InvalidArgumentError when the profile
   * has no token or no refresh token (sign in again), and as client.refresh() does. `signal`
   * also ends the wait for another process's refresh (an AbortError).
   */
  async token(name, client, options) {
    string('name', name);
    if (!(client instanceof Client)) throw typeError('client', 'a tokenkit Client', client);
    const o = object('options', options);
    const skewMs = millis('options.skewMs', o.skewMs) ?? DEFAULT_SKEW_MS;
    const signal = signalOf('options.signal', o.signal);
    return this.#handle.use((store) => client[internal].use(async (c) => {
      const out = [null];
      const err = [null];
      const status = await withRequestOptions(signal, {},
        (opts) => runAsync(fn().tokenkit_store_token, [store, name, c, skewMs, opts, out, err]), err);
      return LogSink.after(client[internalLog], () => take(status, out, err));
    }));
  }

  /** The token saved in profile `name` as it is (fresh or not), with no request; null when there is none. */
  savedToken(name) {
    return this.#optionalToken('tokenkit_store_saved_token', name);
  }

  /** Saves `token` in the existing profile `name` (after a sign-in), keeping its client settings. */
  async saveToken(name, token) {
    string('name', name);
    await withToken(token, false, (t) => this.#handle.use((store) => {
      const err = [null];
      return runAsync(fn().tokenkit_store_save_token, [store, name, t, err]).then((status) => check(status, err));
    }));
  }

  /**
   * Removes the token of profile `name`, keeping its client settings (a logout), and resolves
   * with it, to revoke; null when there was none.
   */
  removeToken(name) {
    return this.#optionalToken('tokenkit_store_remove_token', name);
  }

  /** Deletes profile `name` and its lock file; resolves with false when there was no such profile. */
  async deleteProfile(name) {
    string('name', name);
    return this.#handle.use(async (store) => {
      const existed = [0];
      const err = [null];
      check(await runAsync(fn().tokenkit_store_delete_profile, [store, name, existed, err]), err);
      return existed[0] === 1;
    });
  }

  /**
   * Every profile, by name, with nothing secret: { name, clientId, tokenEndpoint, hasToken,
   * hasRefreshToken, expiresAt, problem }, where absent values are null.
   */
  async profiles() {
    return this.#handle.use(async (store) => {
      const out = [null];
      const err = [null];
      check(await runAsync(fn().tokenkit_store_profiles, [store, out, err]), err);
      return Object.freeze(JSON.parse(out[0]).map((p) => Object.freeze({
        name: p.name,
        clientId: p.client_id,
        tokenEndpoint: p.token_endpoint ?? null,
        hasToken: p.has_token,
        hasRefreshToken: p.has_refresh_token,
        expiresAt: p.expires_at === undefined ? null : new Date(p.expires_at * 1000),
        problem: p.problem ?? null,
      })));
    });
  }

  /** Frees the native store once the calls running on it return. Token sources made from it keep
   * their own reference. Idempotent. */
  close() {
    this.#handle.close();
    finalizer.unregister(this.#handle);
  }

  [Symbol.dispose]() {
    this.close();
  }

  [util.inspect.custom](depth, options, inspect) {
    return `Store ${inspect({ dir: this.#dir, closed: this.#handle.closed }, options)}`;
  }

  /** @internal the native store, for Client.fromStore and TokenSource.fromStore. */
  get [storeKey]() {
    return this.#handle;
  }

  async #optionalToken(call, name) {
    string('name', name);
    return this.#handle.use(async (store) => {
      const out = [null];
      const err = [null];
      const status = await runAsync(fn()[call], [store, name, out, err]);
      if (status === 0 && out[0] === null) return null;
      return take(status, out, err);
    });
  }
}

/** Runs `f(native token)` with `token` (a Token) made native from its saved form, freed after. */
async function withToken(token, optional, f) {
  if ((token === undefined || token === null) && optional) return f(null);
  if (!(token instanceof Token)) throw typeError('token', 'a tokenkit Token', token);
  const native = [null];
  const err = [null];
  check(fn().tokenkit_token_from_json(JSON.stringify(token), native, err), err);
  try {
    return await f(native[0]);
  } finally {
    fn().tokenkit_token_free(native[0]);
  }
}

module.exports = { Store };
