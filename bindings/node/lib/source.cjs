'use strict';
// TokenSource: a valid access token on demand (tokenkit_source). The library refreshes once for
// however many threads ask; the package also shares one native call among the JS callers that ask
// while it runs, so 64 concurrent awaits cost one libuv thread, not 64.

const util = require('node:util');
const {
  string, millis, object, func, signalOf, typeError, fn, check, runAsync, Handle, finalizer, callback,
  abortError, LogSink, storeHandle,
} = require('./call.cjs');
const { Client, internal, internalLog } = require('./client.cjs');

const fromStoreKey = Symbol('tokenkit.fromStore');
const { copy, take } = require('./token.cjs');

class TokenSource {
  #handle;
  /** Native calls in flight, by kind, shared by the callers that ask meanwhile. */
  #inflight = new Map();
  /** What onChange threw, reported by the call that made the refresh. */
  #hook;
  /** The client's LogSink (or null): the source's refreshes go through the client, which logs them. */
  #log;

  /**
   * @param {Client} client
   * @param {object} options token (a Token, or its saved JSON as a string or object), or
   *   refreshToken alone (the first use refreshes); skewMs (default 60 000); onChange(token).
   */
  constructor(client, options, fromStore) {
    if (!(client instanceof Client)) throw typeError('client', 'a tokenkit Client', client);
    const o = object('options', options);
    const store = fromStore?.key === fromStoreKey ? fromStore : null;
    const saved = o.token === undefined || o.token === null ? undefined
      : typeof o.token === 'string' ? o.token
        : typeof o.token === 'object' ? JSON.stringify(o.token) : null;
    if (saved === null) throw typeError('options.token', 'a Token, a string or an object', o.token);
    if (saved !== undefined) string('options.token', saved);
    const refreshToken = string('options.refreshToken', o.refreshToken, { optional: true });
    const skewMs = millis('options.skewMs', o.skewMs);
    const onChange = func('options.onChange', o.onChange);

    const f = fn();
    // The callback's state lives apart from `this`, so that it does not keep the source alive.
    const hook = { error: null };
    const cb = onChange && callback('tokenkit_token_changed_fn', (token) => {
      try {
        const r = onChange(copy(token));
        if (r && typeof r.then === 'function') r.then(undefined, (e) => { hook.error ??= e; });
      } catch (e) {
        hook.error ??= e;
      }
    });
    const opts = f.tokenkit_source_options_new();
    const clientHandle = client[internal];
    const native = [null];
    const out = [null];
    try {
      const set = (setter, ...args) => {
        const err = [null];
        check(f[setter](opts, ...args, err), err);
      };
      if (skewMs !== undefined) set('tokenkit_source_options_set_skew_ms', skewMs);
      if (refreshToken !== undefined) set('tokenkit_source_options_set_refresh_token', refreshToken);
      if (cb) set('tokenkit_source_options_set_on_change', cb.fnPtr, cb.userData);
      const clientPtr = clientHandle.acquire();
      try {
        const err = [null];
        if (store !== null) {
          const storePtr = store.handle.acquire();
          try {
            check(f.tokenkit_source_from_store(clientPtr, storePtr, store.name, opts, out, err), err);
          } finally {
            store.handle.release();
          }
        } else if (saved !== undefined && refreshToken === undefined) {
          check(f.tokenkit_source_from_json(clientPtr, saved, opts, out, err), err);
        } else {
          if (saved !== undefined) check(f.tokenkit_token_from_json(saved, native, err), err);
          check(f.tokenkit_source_new(clientPtr, native[0], opts, out, err), err);
        }
      } finally {
        clientHandle.release();
      }
    } catch (e) {
      cb?.remove();
      throw e;
    } finally {
      f.tokenkit_token_free(native[0]); // the source keeps its own copy
      f.tokenkit_source_options_free(opts);
    }
    this.#hook = hook;
    const log = client[internalLog]?.retain() ?? null;
    this.#log = log;
    this.#handle = new Handle(out[0], (p) => {
      f.tokenkit_source_free(p);
      cb?.remove(); // after the free: no callback can come any more
      log?.release();
    }, 'token source');
    finalizer.register(this, this.#handle, this.#handle);
  }

  /**
   * A source backed by profile `name` of `store`: it starts from the saved token, and each
   * refresh goes through the store (as store.token() does), so that processes sharing the profile
   * refresh once, take up the token another process saved, and never spend a rotated refresh
   * token twice. It refreshes through `client`, and keeps its own reference to the store, which
   * may be closed first. options: skewMs, onChange (a token or refresh token there is not used).
   */
  static fromStore(client, store, name, options) {
    const handle = storeHandle(store);
    string('name', name);
    const o = object('options', options);
    return new TokenSource(client, { skewMs: o.skewMs, onChange: o.onChange },
      { key: fromStoreKey, handle, name });
  }

  /**
   * A valid token, refreshed first when it is within the skew of expiry. A signal stops the wait,
   * not a refresh already running (the C ABI's source takes no cancel flag): others still share it.
   */
  token(options) {
    return this.#call('token', options, (src, out, err) => [fn().tokenkit_source_token, [src, out, err]],
      (status, out, err) => take(status, out, err));
  }

  /** As token(), only the access token. */
  accessToken(options) {
    return this.#call('accessToken', options, (src, out, err) => [fn().tokenkit_source_access_token, [src, out, err]],
      (status, out, err) => {
        check(status, err);
        return out[0];
      });
  }

  /** Refreshes now, whatever the expiry (the resource server refused the token). */
  refresh(options) {
    return this.#call('refresh', options, (src, out, err) => [fn().tokenkit_source_refresh, [src, out, err]],
      (status, out, err) => take(status, out, err));
  }

  /** The state to persist in tokenkit's saved format (secrets): the token, or the refresh token alone. */
  toJSON() {
    const ptr = this.#handle.acquire();
    try {
      const out = [null];
      const err = [null];
      check(fn().tokenkit_source_to_json(ptr, out, err), err);
      return JSON.parse(out[0]);
    } finally {
      this.#handle.release();
    }
  }

  /**
   * fetch() with `Authorization: <type> <access token>`. A 401 whose WWW-Authenticate carries a
   * Bearer challenge with error="invalid_token" (RFC 6750 §3.1) makes the source refresh, once, and
   * the request is sent again. The request's signal also stops the wait for a token.
   */
  async fetch(input, init) {
    const request = new Request(input, init);
    const signal = request.signal;
    let token = await this.token({ signal });
    let response = await fetch(authorized(request.clone(), token));
    if (response.status === 401 && invalidToken(response.headers.get('www-authenticate'))) {
      await response.body?.cancel();
      token = await this.#renew(token, { signal });
      response = await fetch(authorized(request, token));
    }
    return response;
  }

  /** Frees the native source, zeroizing its tokens, once the calls running on it return. Idempotent. */
  close() {
    this.#handle.close();
    finalizer.unregister(this.#handle);
  }

  [Symbol.dispose]() {
    this.close();
  }

  [util.inspect.custom](depth, options, inspect) {
    return `TokenSource ${inspect({ closed: this.#handle.closed }, options)}`;
  }

  /** The token after `used` was refused: a newer one if another caller renewed it meanwhile. */
  async #renew(used, options) {
    const current = await this.token(options);
    return current.accessToken !== used.accessToken ? current : this.refresh(options);
  }

  /**
   * One native call of `kind`, shared with the callers that ask while it runs; each caller's
   * signal only stops its own wait.
   */
  #call(kind, options, makeCall, result) {
    let signal;
    try {
      signal = signalOf('options.signal', object('options', options).signal);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    let shared = this.#inflight.get(kind);
    if (!shared) {
      shared = this.#handle.use(async (src) => {
        const out = [null];
        const err = [null];
        const [call, args] = makeCall(src, out, err);
        const status = await runAsync(call, args);
        const hookError = this.#hook.error;
        this.#hook.error = null;
        const value = LogSink.after(this.#log, () => result(status, out, err));
        if (hookError) throw hookError;
        return value;
      }).finally(() => this.#inflight.delete(kind));
      this.#inflight.set(kind, shared);
    }
    return signal ? abandonable(shared, signal) : shared;
  }
}

/** `promise`, or an AbortError as soon as `signal` aborts. */
function abandonable(promise, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function authorized(request, token) {
  const headers = new Headers(request.headers);
  headers.set('authorization', `${token.tokenType} ${token.accessToken}`);
  return new Request(request, { headers });
}

/**
 * Whether a WWW-Authenticate value holds a Bearer challenge with error="invalid_token" (RFC 6750
 * §3, challenges as RFC 9110 §11.6.1 writes them: `scheme param=value, param="quoted", scheme2 ...`).
 */
function invalidToken(header) {
  if (!header) return false;
  const token = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
  let i = 0;
  let scheme = null;
  const skip = (re) => {
    re.lastIndex = i;
    const m = re.exec(header);
    if (m) i = re.lastIndex;
    return m;
  };
  while (i < header.length) {
    skip(/[\s,]*/y);
    const name = skip(token);
    if (!name) return false;
    if (skip(/\s*=\s*/y)) {
      const value = skip(/"((?:[^"\\]|\\.)*)"/y)?.[1].replace(/\\(.)/g, '$1') ?? skip(token)?.[0] ?? '';
      if (scheme === 'bearer' && name[0].toLowerCase() === 'error' && value === 'invalid_token') return true;
    } else {
      scheme = name[0].toLowerCase();
      skip(/\s*[A-Za-z0-9\-._~+/]+=*(?=\s*(,|$))/y); // a token68 after the scheme
    }
  }
  return false;
}

module.exports = { TokenSource, invalidToken };
