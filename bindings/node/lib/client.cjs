'use strict';
// Client: one authorization server, one set of credentials, one pool of keep-alive connections
// (tokenkit_client). Every request runs on a libuv worker thread; the event loop never waits.

const util = require('node:util');
const childProcess = require('node:child_process');
const { AuthMethod, RevocationStyle, Status } = require('./native.cjs');
const {
  string, integer, millis, object, func, signalOf, params, INT32_MAX, fn, check, runAsync, Handle,
  finalizer, withOptions, Cancel, abortError, callback, typeError, LogSink, storeHandle,
} = require('./call.cjs');
const errors = require('./errors.cjs');
const { take, deepFreeze, REDACTED } = require('./token.cjs');

const internal = Symbol('tokenkit.internal');
/** The client's LogSink (or null) and its config, for TokenSource and Store. */
const internalLog = Symbol('tokenkit.internalLog');
const internalConfig = Symbol('tokenkit.internalConfig');

// The library's retry delays (tokenkit_config_set_retry), for `retries: N`: the C setter takes
// the count and both delays together.
const DEFAULT_RETRY_BASE_DELAY_MS = 200;
const DEFAULT_RETRY_MAX_DELAY_MS = 10000;

function choice(name, value, table) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !Object.hasOwn(table, value)) {
    throw typeError(name, Object.keys(table).map((k) => `'${k}'`).join(' or '), value);
  }
  return table[value];
}

/**
 * Fills a native config from the options, in the order documented on Client: a new one, or
 * `base` (a saved profile's). The client made from it keeps it (Store#saveProfile reads it), and
 * the log's callback (`sink`).
 */
class ConfigBuilder {
  constructor(base = null) {
    this.ptr = base ?? fn().tokenkit_config_new();
    this.sink = null;
  }

  set(setter, ...args) {
    const err = [null];
    check(fn()[setter](this.ptr, ...args, err), err);
  }

  setIf(setter, value) {
    if (value !== undefined) this.set(setter, value);
  }

  /** What every request, discovery included, uses. */
  transport(o) {
    this.setIf('tokenkit_config_set_connect_timeout_ms', millis('connectTimeoutMs', o.connectTimeoutMs));
    this.setIf('tokenkit_config_set_timeout_ms', millis('timeoutMs', o.timeoutMs));
    this.setIf('tokenkit_config_set_attempt_timeout_ms', millis('attemptTimeoutMs', o.attemptTimeoutMs));
    this.setIf('tokenkit_config_set_max_response_bytes', millis('maxResponseBytes', o.maxResponseBytes));
    this.setIf('tokenkit_config_set_max_idle_connections_per_host',
      integer('maxIdleConnectionsPerHost', o.maxIdleConnectionsPerHost, 0, INT32_MAX));
    this.setIf('tokenkit_config_set_user_agent', string('userAgent', o.userAgent, { optional: true }));
    if (o.retries !== undefined && o.retries !== null) {
      const r = typeof o.retries === 'number' ? { max: o.retries } : object('retries', o.retries);
      this.set('tokenkit_config_set_retry', integer('retries.max', r.max ?? 0, 0, INT32_MAX),
        millis('retries.baseDelayMs', r.baseDelayMs) ?? DEFAULT_RETRY_BASE_DELAY_MS,
        millis('retries.maxDelayMs', r.maxDelayMs) ?? DEFAULT_RETRY_MAX_DELAY_MS);
    }
    const caFiles = o.caFile === undefined || o.caFile === null ? []
      : Array.isArray(o.caFile) ? o.caFile : [o.caFile];
    caFiles.forEach((file, i) => this.set('tokenkit_config_add_ca_file', string(`caFile[${i}]`, file)));
    this.log(o);
  }

  /** The request log: `log(level, line)` up to `logLevel` (default 1). */
  log(o) {
    const log = func('log', o.log);
    const level = integer('logLevel', o.logLevel, -(2 ** 31), INT32_MAX);
    if (log === undefined && level === undefined) return;
    if (log !== undefined) this.sink = new LogSink(log);
    // No function and a level above 0: the library names what is missing.
    this.set('tokenkit_config_set_log', level ?? 1, this.sink?.cb.fnPtr ?? null, this.sink?.cb.userData ?? null);
  }

  /** The endpoints and credentials; last, so that they override a preset or discovery. A
   * profile's client id is kept unless `o` has one. */
  client(o, { profile = false } = {}) {
    this.setIf('tokenkit_config_set_token_endpoint', string('tokenUrl', o.tokenUrl, { optional: true }));
    this.setIf('tokenkit_config_set_authorization_endpoint', string('authorizeUrl', o.authorizeUrl, { optional: true }));
    this.setIf('tokenkit_config_set_device_authorization_endpoint',
      string('deviceAuthorizationUrl', o.deviceAuthorizationUrl, { optional: true }));
    this.setIf('tokenkit_config_set_revocation_endpoint', string('revocationUrl', o.revocationUrl, { optional: true }));
    this.setIf('tokenkit_config_set_introspection_endpoint',
      string('introspectionUrl', o.introspectionUrl, { optional: true }));
    if (!profile || o.clientId !== undefined) this.set('tokenkit_config_set_client_id', string('clientId', o.clientId));
    this.setIf('tokenkit_config_set_client_secret', string('clientSecret', o.clientSecret, { optional: true }));
    this.setIf('tokenkit_config_set_auth_method', choice('authMethod', o.authMethod, AuthMethod));
    this.setIf('tokenkit_config_set_revocation_style', choice('revocationStyle', o.revocationStyle, RevocationStyle));
  }

  preset(name, projectId) {
    this.set('tokenkit_config_apply_preset', string('preset', name), string('projectId', projectId, { optional: true }) ?? null);
  }

  /** The client, with what it keeps: { ptr, config, log }. */
  finish() {
    const out = [null];
    const err = [null];
    check(fn().tokenkit_client_new(this.ptr, out, err), err);
    return { ptr: out[0], config: this.ptr, log: this.sink };
  }

  /** Frees what a builder that made no client holds. */
  abandon() {
    fn().tokenkit_config_free(this.ptr);
    this.sink?.release();
  }

  static build(fill, base = null) {
    const b = new ConfigBuilder(base);
    try {
      fill(b);
      return b.finish();
    } catch (e) {
      b.abandon();
      throw e;
    }
  }
}

/** Request options of one call: the setters it takes, then `cancel`. */
function requestOptions(o, { scope, redirectUri, codeVerifier, hint, params: extra } = {}) {
  const f = fn();
  const set = (setter, ...args) => {
    const err = [null];
    check(f[setter](o, ...args, err), err);
  };
  if (scope !== undefined) set('tokenkit_request_options_set_scope', scope);
  if (redirectUri !== undefined) set('tokenkit_request_options_set_redirect_uri', redirectUri);
  if (codeVerifier !== undefined) set('tokenkit_request_options_set_code_verifier', codeVerifier);
  if (hint !== undefined) set('tokenkit_request_options_set_token_type_hint', hint);
  for (const [name, value] of extra ?? []) set('tokenkit_request_options_add_param', name, value);
}

/** Whether a call has any request option to set. */
const hasFields = (fields) => Object.values(fields).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));

/**
 * Runs one request: `run(opts)` gets the request options filled from `fields`, with the cancel
 * flag of `signal` -- or NULL when there is neither, which spares two native calls on the hot
 * path. Resolves with the call's status; rejects with an AbortError when the signal stopped it.
 */
async function withRequestOptions(signal, fields, run, err) {
  if (signal?.aborted) throw abortError(signal);
  const f = fn();
  let opts = null;
  let cancel = null;
  try {
    if (signal || hasFields(fields)) {
      opts = f.tokenkit_request_options_new();
      if (!opts) throw new errors.TokenKitError('out of memory', { kind: 'internal_error' });
      requestOptions(opts, fields);
      if (signal) {
        cancel = new Cancel(signal);
        requestOptionsCancel(opts, cancel.ptr);
      }
    }
    const status = await run(opts);
    if (status === Status.CANCELLED && cancel?.reason) throw cancelledError(cancel.reason, signal, err);
    return status;
  } finally {
    cancel?.finish();
    if (opts !== null) f.tokenkit_request_options_free(opts);
  }
}

/**
 * Runs a sign-in or device flow, which always has a cancel flag (Client#close raises it):
 * `setCancel(ptr)` gives the flag to the call's options, `run(cancel)` makes the call. Resolves
 * with its status; rejects with an AbortError, or with the error a callback raised to stop it.
 */
async function cancellable(signal, waits, setCancel, run, err) {
  if (signal?.aborted) throw abortError(signal);
  const cancel = new Cancel(signal);
  waits.add(cancel);
  let status;
  try {
    setCancel(cancel.ptr);
    status = await run(cancel);
  } finally {
    waits.delete(cancel);
    cancel.finish();
  }
  if (status === Status.CANCELLED && cancel.reason) throw cancelledError(cancel.reason, signal, err);
  return status;
}

/** What a caller sees of a call stopped for `reason`; frees the native error. */
function cancelledError(reason, signal, err) {
  fn().tokenkit_error_free(err[0]);
  err[0] = null;
  if (reason === 'closed') return new errors.AbortError('the client was closed');
  if (typeof reason === 'object' && 'error' in reason) return reason.error;
  return abortError(signal);
}

class Client {
  #handle;
  /** The Cancels of running sign-ins and device flows, raised by close(). */
  #waits = new Set();
  #shown;
  #metadata;
  /** options.log's LogSink, or null. */
  #log;
  /** The native config the client was made from, freed with it. */
  #config;

  /**
   * @param {object} options tokenUrl, clientId, clientSecret, authMethod, timeoutMs, caFile,
   *   retries, ... (see index.d.ts). Applied in this order, each overriding what came before: the
   *   transport settings, a preset, discovery, then the endpoints and credentials.
   */
  constructor(options, made) {
    const o = object('options', options);
    const built = made?.key === internal ? made : ConfigBuilder.build((b) => {
      b.transport(o);
      b.client(o);
    });
    const { ptr, config, log = null, metadata = null } = built;
    this.#log = log;
    this.#config = config;
    this.#handle = new Handle(ptr, (p) => {
      fn().tokenkit_client_free(p);
      fn().tokenkit_config_free(config);
      log?.release(); // after the free; token sources made from the client hold their own
    }, 'client');
    finalizer.register(this, this.#handle, this.#handle);
    this.#metadata = metadata;
    this.#shown = { tokenUrl: o.tokenUrl ?? metadata?.token_endpoint, clientId: o.clientId };
    if (built.profile !== undefined) this.#shown = { profile: built.profile, ...this.#shown };
  }

  /** The discovery document of Client.fromIssuer, else null. */
  get metadata() {
    return this.#metadata;
  }

  /**
   * Fetches the issuer's metadata (RFC 8414, then OpenID Connect Discovery) off the main thread,
   * checks it names exactly this issuer, and makes a client with its endpoints.
   */
  static async fromIssuer(issuer, options) {
    const o = object('options', options);
    string('issuer', issuer);
    string('clientId', o.clientId); // before the request, not after it
    const signal = signalOf('options.signal', o.signal);
    if (signal?.aborted) throw abortError(signal);
    const b = new ConfigBuilder();
    try {
      b.transport(o);
      const out = [null];
      const err = [null];
      const status = await withRequestOptions(signal, {},
        (opts) => runAsync(fn().tokenkit_config_discover, [b.ptr, issuer, opts, out, err]), err);
      LogSink.after(b.sink, () => check(status, err));
      const metadata = deepFreeze(JSON.parse(out[0]));
      b.client(o);
      return new Client(o, { key: internal, ...b.finish(), metadata });
    } catch (e) {
      b.abandon();
      throw e;
    }
  }

  /**
   * A client for a provider tokenkit knows: 'nest' (Works with Nest) or 'google-nest' (Device
   * Access; options.projectId required). clientId and clientSecret still have to be given.
   */
  static fromPreset(name, options) {
    const o = object('options', options);
    string('name', name);
    const built = ConfigBuilder.build((b) => {
      b.transport(o);
      b.preset(name, o.projectId);
      b.client(o);
    });
    return new Client(o, { key: internal, ...built });
  }

  /**
   * A client from the settings saved in profile `name` of `store` (the client secret too when
   * the profile holds one); `options` complete or override them: the client secret when it was
   * not saved, timeouts, caFile, log. Throws an InvalidArgumentError for a missing or broken
   * profile.
   */
  static fromStore(store, name, options) {
    const o = object('options', options);
    const handle = storeHandle(store);
    string('name', name);
    const out = [null];
    const err = [null];
    const ptr = handle.acquire();
    try {
      check(fn().tokenkit_store_config(ptr, name, out, err), err);
    } finally {
      handle.release();
    }
    const built = ConfigBuilder.build((b) => {
      b.transport(o);
      b.client(o, { profile: true });
    }, out[0]);
    return new Client(o, { key: internal, ...built, profile: name });
  }

  /** Exchanges an authorization code (RFC 6749 §4.1.3); never retried, a code is single-use. */
  async exchangeCode(code, options) {
    const o = object('options', options);
    string('code', code);
    return this.#tokenRequest(o, {
      redirectUri: string('options.redirectUri', o.redirectUri, { optional: true }),
      codeVerifier: string('options.codeVerifier', o.codeVerifier, { optional: true }),
      params: params('options.params', o.params),
    }, (client, opts, out, err) => [fn().tokenkit_client_exchange_code, [client, code, opts, out, err]]);
  }

  /** Uses a refresh token (RFC 6749 §6). A token without refreshToken means: keep the old one. */
  async refresh(refreshToken, options) {
    const o = object('options', options);
    string('refreshToken', refreshToken);
    return this.#tokenRequest(o, {
      scope: string('options.scope', o.scope, { optional: true }),
      params: params('options.params', o.params),
    }, (client, opts, out, err) => [fn().tokenkit_client_refresh, [client, refreshToken, opts, out, err]]);
  }

  /** Client credentials grant (RFC 6749 §4.4). */
  async clientCredentials(options) {
    const o = object('options', options);
    return this.#tokenRequest(o, {
      scope: string('options.scope', o.scope, { optional: true }),
      params: params('options.params', o.params),
    }, (client, opts, out, err) => [fn().tokenkit_client_client_credentials, [client, opts, out, err]]);
  }

  /** Revokes a token (RFC 7009, or Works with Nest's DELETE). */
  async revoke(token, options) {
    const o = object('options', options);
    string('token', token);
    const hint = string('options.hint', o.hint, { optional: true });
    const signal = signalOf('options.signal', o.signal);
    const err = [null];
    const status = await this.#send(signal, { hint }, (client, opts) => runAsync(fn().tokenkit_client_revoke, [client, token, opts, err]), err);
    LogSink.after(this.#log, () => check(status, err));
  }

  /** Asks the introspection endpoint about a token (RFC 7662). */
  async introspect(token, options) {
    const o = object('options', options);
    string('token', token);
    const hint = string('options.hint', o.hint, { optional: true });
    const signal = signalOf('options.signal', o.signal);
    const out = [null];
    const err = [null];
    try {
      const status = await this.#send(signal, { hint },
        (client, opts) => runAsync(fn().tokenkit_client_introspect, [client, token, opts, out, err]), err);
      return LogSink.after(this.#log, () => {
        check(status, err);
        return introspection(out[0]);
      });
    } finally {
      fn().tokenkit_introspection_free(out[0]);
    }
  }

  /**
   * An authorization URL (RFC 6749 §4.1.1) with a fresh state and a PKCE S256 challenge: send the
   * user to `url`, check the redirect's state, then exchangeCode(code, { redirectUri, codeVerifier }).
   * No network.
   */
  authorizationUrl(options) {
    const o = object('options', options);
    const fields = {
      redirectUri: string('options.redirectUri', o.redirectUri, { optional: true }),
      scope: string('options.scope', o.scope, { optional: true }),
      params: params('options.params', o.params),
    };
    const f = fn();
    const client = this.#handle.acquire();
    const opts = f.tokenkit_request_options_new();
    const out = [null];
    try {
      requestOptions(opts, fields);
      const err = [null];
      check(f.tokenkit_client_authorization_request(client, opts, out, err), err);
      return new AuthorizationRequest(f.tokenkit_authorization_url(out[0]),
        f.tokenkit_authorization_state(out[0]), f.tokenkit_authorization_code_verifier(out[0]));
    } finally {
      f.tokenkit_authorization_free(out[0]);
      f.tokenkit_request_options_free(opts);
      this.#handle.release();
    }
  }

  /**
   * Signs the user in through the browser with a loopback redirect (RFC 8252 §7.3): listens on
   * 127.0.0.1, calls openBrowser(url) (default: the platform's opener), waits for the redirect,
   * checks state (and iss when the issuer is known) and exchanges the code with PKCE.
   */
  async signIn(options) {
    const o = object('options', options);
    const signal = signalOf('options.signal', o.signal);
    const openBrowser = func('options.openBrowser', o.openBrowser) ?? openWithPlatform;
    const scope = string('options.scope', o.scope, { optional: true });
    const port = integer('options.port', o.port, 0, 65535);
    const timeoutMs = millis('options.timeoutMs', o.timeoutMs);
    const extra = params('options.params', o.params);
    return this.#waitForUser('sign_in', signal, (set) => {
      if (scope !== undefined) set('set_scope', scope);
      if (port !== undefined) set('set_port', port);
      if (timeoutMs !== undefined) set('set_timeout_ms', timeoutMs);
      for (const [name, value] of extra) set('add_param', name, value);
    }, [['tokenkit_open_url_fn', 'set_open_url', (cancel) => (url) => callUser(cancel, () => openBrowser(url))]],
    fn().tokenkit_client_sign_in);
  }

  /**
   * The device flow (RFC 8628): asks for a device code, calls onPrompt({ userCode,
   * verificationUri, verificationUriComplete, expiresIn, interval }) once, then polls until the
   * user approves (a Token), denies (OAuthError access_denied), the code expires (TimeoutError) or
   * the signal aborts. onPoll(outcome, intervalMs), when given, is told after each poll that did
   * not end the flow; returning false stops it.
   */
  async deviceFlow(options) {
    const o = object('options', options);
    const signal = signalOf('options.signal', o.signal);
    const onPrompt = func('options.onPrompt', o.onPrompt, { optional: false });
    const onPoll = func('options.onPoll', o.onPoll);
    const scope = string('options.scope', o.scope, { optional: true });
    const extra = params('options.params', o.params);
    if (o.pkce !== undefined && typeof o.pkce !== 'boolean') throw typeError('options.pkce', 'a boolean', o.pkce);
    const pkce = o.pkce === undefined ? undefined : Number(o.pkce);
    return this.#waitForUser('device', signal, (set) => {
      if (scope !== undefined) set('set_scope', scope);
      if (pkce !== undefined) set('set_pkce', pkce);
      for (const [name, value] of extra) set('add_param', name, value);
    }, [['tokenkit_device_prompt_fn', 'set_on_prompt',
      (cancel) => (authorization) => callUser(cancel, () => onPrompt(deviceAuthorization(authorization)))],
    ...(onPoll ? [['tokenkit_device_poll_fn', 'set_on_poll', (cancel) => (outcome, intervalMs) => {
      let stop = false;
      const stopped = callUser(cancel, () => {
        const r = onPoll(outcome, Number(intervalMs));
        stop = r === false;
        return r;
      });
      return stopped || (stop ? 1 : 0);
    }]] : [])],
    fn().tokenkit_client_device_flow);
  }

  /**
   * A call that waits for the user (a sign-in, a device flow), always cancellable and cancelled
   * by close(): its tokenkit_KIND_options filled by `fill(set)` (`set` takes a setter's name
   * without the prefix), the callbacks, each `[type, setter, make(cancel)]`, and the call.
   */
  async #waitForUser(kind, signal, fill, callbacks, call) {
    const f = fn();
    const prefix = `tokenkit_${kind}_options_`;
    return this.#handle.use((client) => withOptions(() => f[`${prefix}new`](), (p) => f[`${prefix}free`](p), async (opts) => {
      const set = (setter, ...args) => {
        const err = [null];
        check(f[prefix + setter](opts, ...args, err), err);
      };
      fill(set);
      const out = [null];
      const err = [null];
      const made = [];
      try {
        const status = await cancellable(signal, this.#waits, (c) => set('set_cancel', c), (cancel) => {
          for (const [type, callbackSetter, makeCallback] of callbacks) {
            const cb = callback(type, makeCallback(cancel));
            made.push(cb);
            set(callbackSetter, cb.fnPtr, cb.userData);
          }
          return runAsync(call, [client, opts, out, err]);
        }, err);
        return LogSink.after(this.#log, () => take(status, out, err));
      } finally {
        for (const cb of made) cb.remove();
      }
    }));
  }

  /**
   * Frees the native client, zeroizing its secret, once the calls running on it return; cancels
   * running sign-ins and device flows. Token sources made from it keep working. Idempotent.
   */
  close() {
    for (const cancel of this.#waits) cancel.raise('closed');
    this.#handle.close();
    finalizer.unregister(this.#handle);
  }

  [Symbol.dispose]() {
    this.close();
  }

  /** @internal the native client, held for a TokenSource's constructor. */
  get [internal]() {
    return this.#handle;
  }

  /** @internal the log's sink (or null), which token sources made from the client retain. */
  get [internalLog]() {
    return this.#log;
  }

  /** @internal the native config, alive while the client's handle is held. */
  get [internalConfig]() {
    return this.#config;
  }

  [util.inspect.custom](depth, options, inspect) {
    return `Client ${inspect({ ...this.#shown, closed: this.#handle.closed }, options)}`;
  }

  /** A token grant: `makeCall` names the function and its arguments; the token it stores is copied. */
  async #tokenRequest(o, fields, makeCall) {
    const signal = signalOf('options.signal', o.signal);
    const out = [null];
    const err = [null];
    const status = await this.#send(signal, fields, (client, opts) => {
      const [call, args] = makeCall(client, opts, out, err);
      return runAsync(call, args);
    }, err);
    return LogSink.after(this.#log, () => take(status, out, err));
  }

  /** Runs `run(client, opts)` with the live client held, as withRequestOptions. */
  async #send(signal, fields, run, err) {
    const client = this.#handle.acquire();
    try {
      return await withRequestOptions(signal, fields, (opts) => run(client, opts), err);
    } finally {
      this.#handle.release();
    }
  }
}

function requestOptionsCancel(opts, cancel) {
  const err = [null];
  check(fn().tokenkit_request_options_set_cancel(opts, cancel, err), err);
}

/**
 * Calls a user callback on behalf of C: 0 goes on; a throw stops the call (1) and becomes its
 * rejection; a returned promise that rejects raises the call's cancel flag with its error.
 */
function callUser(cancel, f) {
  try {
    const r = f();
    if (r && typeof r.then === 'function') r.then(undefined, (error) => cancel.raise({ error }));
    return 0;
  } catch (error) {
    cancel.reason ??= { error };
    return 1;
  }
}

/**
 * The platform's way of opening a URL in the browser. It returns at once, as the callback must;
 * the promise rejects (and so stops the sign-in) when the opener cannot be started.
 */
function openWithPlatform(url) {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]]
      : ['xdg-open', [url]];
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', reject);
    child.on('spawn', resolve);
    child.unref();
  });
}

/** The fields of a borrowed tokenkit_device_authorization, copied during the prompt callback. */
function deviceAuthorization(a) {
  const f = fn();
  return Object.freeze({
    userCode: f.tokenkit_device_authorization_user_code(a),
    verificationUri: f.tokenkit_device_authorization_verification_uri(a),
    verificationUriComplete: f.tokenkit_device_authorization_verification_uri_complete(a),
    expiresIn: Number(f.tokenkit_device_authorization_expires_in(a)),
    interval: Number(f.tokenkit_device_authorization_interval(a)),
  });
}

function introspection(p) {
  const f = fn();
  const exp = [0];
  const iat = [0];
  return Object.freeze({
    active: f.tokenkit_introspection_active(p) === 1,
    scope: f.tokenkit_introspection_scope(p),
    clientId: f.tokenkit_introspection_client_id(p),
    username: f.tokenkit_introspection_username(p),
    tokenType: f.tokenkit_introspection_token_type(p),
    sub: f.tokenkit_introspection_sub(p),
    exp: f.tokenkit_introspection_exp(p, exp) ? new Date(Number(exp[0]) * 1000) : null,
    iat: f.tokenkit_introspection_iat(p, iat) ? new Date(Number(iat[0]) * 1000) : null,
    raw: deepFreeze(JSON.parse(f.tokenkit_introspection_json(p))),
  });
}

/** An authorization request: the URL, its state, and the PKCE code verifier (redacted when shown). */
class AuthorizationRequest {
  constructor(url, state, codeVerifier) {
    this.url = url;
    this.state = state;
    this.codeVerifier = codeVerifier;
    Object.freeze(this);
  }

  [util.inspect.custom](depth, options, inspect) {
    return `AuthorizationRequest ${inspect({ url: this.url, state: this.state, codeVerifier: REDACTED }, options)}`;
  }
}

module.exports = { Client, AuthorizationRequest, internal, internalLog, internalConfig, withRequestOptions };
