'use strict';
// How the package calls the library: argument checks, status checks, calls on libuv's worker
// threads (koffi's `.async`), native objects that are freed once and never while a call uses
// them, AbortSignals turned into tokenkit_cancel flags, and the callbacks C makes into JS.

const { load, koffi, Status } = require('./native.cjs');
const errors = require('./errors.cjs');

// ---- argument checks: the types the ABI can carry; values are the library's to judge ----

function typeError(name, what, value) {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  const err = new TypeError(`${name} must be ${what}, got ${got}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/** A string without NUL (C strings end at the first), or undefined when optional and absent. */
function string(name, value, { optional = false } = {}) {
  if (value === undefined || (optional && value === null)) {
    if (optional) return undefined;
    throw typeError(name, 'a string', value);
  }
  if (typeof value !== 'string') throw typeError(name, 'a string', value);
  if (value.includes('\0')) {
    const err = new TypeError(`${name} must not contain a NUL character`);
    err.code = 'ERR_INVALID_ARG_VALUE';
    throw err;
  }
  return value;
}

/** An integer within [min, max], or undefined when absent. */
function integer(name, value, min, max) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw typeError(name, 'a number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    const err = new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
    err.code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
  return value;
}

const INT32_MAX = 2 ** 31 - 1;
/** Milliseconds for an int64_t: the library refuses the values it cannot use. */
const millis = (name, value) => integer(name, value, 0, Number.MAX_SAFE_INTEGER);

function object(name, value) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw typeError(name, 'an object', value);
  return value;
}

function func(name, value, { optional = true } = {}) {
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw typeError(name, 'a function', value);
  }
  if (typeof value !== 'function') throw typeError(name, 'a function', value);
  return value;
}

function signalOf(name, value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || typeof value.aborted !== 'boolean' ||
      typeof value.addEventListener !== 'function') {
    throw typeError(name, 'an AbortSignal', value);
  }
  return value;
}

/** Extra form parameters: an object of strings, or an array of [name, value] pairs. */
function params(name, value) {
  if (value === undefined || value === null) return [];
  const pairs = Array.isArray(value) ? value : typeof value === 'object' ? Object.entries(value) : null;
  if (!pairs) throw typeError(name, 'an object or an array of [name, value] pairs', value);
  return pairs.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw typeError(`${name}[${i}]`, 'a [name, value] pair', pair);
    return [string(`${name} name`, pair[0]), string(`${name}.${pair[0]}`, pair[1])];
  });
}

// ---- status checks ----

const fn = () => load().fn;

/** Throws the error of a failed synchronous call; `err` is the `[null]` box it filled. */
function check(status, err) {
  if (status !== Status.OK) throw errors.fromNative(fn(), status, err[0]);
}

// koffi refuses an async call beyond 256 running or queued ones; calls past this many wait here
// for a slot, first come first served, instead of failing.
const MAX_IN_FLIGHT = 128;
let inFlight = 0;
const waiting = [];

/** Runs `f.async(...args)` on a libuv worker thread; resolves with its status. */
async function runAsync(f, args) {
  if (inFlight < MAX_IN_FLIGHT) inFlight++;
  else await new Promise((resolve) => waiting.push(resolve)); // the slot is handed over
  try {
    return await new Promise((resolve, reject) => {
      f.async(...args, (e, status) => (e ? reject(e) : resolve(status)));
    });
  } finally {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  }
}

// ---- native objects ----

/**
 * One native object and its free function. Calls hold it (`use`) while they run; `close` frees it
 * at once when nothing holds it, else when the last call returns. Freed once, whatever happens.
 */
class Handle {
  constructor(ptr, free, what) {
    live++;
    this.ptr = ptr;
    this.free = free;
    this.what = what;
    this.users = 0;
    this.closed = false;
  }

  /** Runs `f(ptr)` (sync or async) with the object held. */
  async use(f) {
    const ptr = this.acquire();
    try {
      return await f(ptr);
    } finally {
      this.release();
    }
  }

  acquire() {
    if (this.closed) throw new errors.InvalidArgumentError(`${this.what} is closed`, { kind: 'invalid_argument' });
    this.users++;
    return this.ptr;
  }

  release() {
    this.users--;
    this.freeIfUnused();
  }

  close() {
    this.closed = true;
    this.freeIfUnused();
  }

  freeIfUnused() {
    if (this.closed && this.users === 0 && this.ptr !== null) {
      const ptr = this.ptr;
      this.ptr = null;
      live--;
      this.free(ptr);
    }
  }
}

/** Where a Store keeps its Handle; `storeHandle` checks that an argument is a Store. */
const storeKey = Symbol('tokenkit.store');

function storeHandle(store) {
  const handle = store !== null && typeof store === 'object' ? store[storeKey] : undefined;
  if (!handle) throw typeError('store', 'a tokenkit Store', store);
  return handle;
}

/** Native clients and sources not yet freed (the tests watch it). */
let live = 0;
const liveHandles = () => live;

/** The safety net: a Handle whose owner was collected without close() is closed then. */
const finalizer = new FinalizationRegistry((handle) => handle.close());

/** Runs `f(options)` with a new native options object, freed afterwards. */
async function withOptions(make, free, f) {
  const options = make();
  if (!options) throw new errors.TokenKitError('out of memory', { kind: 'internal_error' });
  try {
    return await f(options);
  } finally {
    free(options);
  }
}

// ---- cancellation ----

function abortError(signal, message) {
  return new errors.AbortError(message ?? 'the operation was aborted', { cause: signal?.reason });
}

/**
 * A tokenkit_cancel for one call: raised when `signal` aborts, or by `raise()` (Client#close).
 * `finish()` detaches it after the call; the options that were given it keep their own reference.
 */
class Cancel {
  constructor(signal) {
    this.signal = signal;
    this.ptr = fn().tokenkit_cancel_new();
    this.reason = null;
    this.onAbort = () => this.raise('aborted');
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  raise(reason) {
    if (this.ptr === null) return;
    this.reason ??= reason;
    fn().tokenkit_cancel_trigger(this.ptr);
  }

  finish() {
    this.signal?.removeEventListener('abort', this.onAbort);
    fn().tokenkit_cancel_free(this.ptr);
    this.ptr = null;
  }
}

// ---- callbacks from C ----

/**
 * C calls JS through one registered trampoline per callback type, made once; `user_data` carries
 * the id of the JS function in `pending`. koffi runs a callback made on a worker thread on the main
 * thread, while that worker waits for its result.
 */
const pending = new Map();
let nextId = 1n;
let trampolines = null;

function callbackSlots() {
  if (trampolines) return trampolines;
  load();
  const dispatch = (ud, ...args) => {
    const f = pending.get(BigInt(ud ?? 0));
    return f ? f(...args) : 1;
  };
  trampolines = {};
  for (const name of ['tokenkit_device_prompt_fn', 'tokenkit_open_url_fn', 'tokenkit_token_changed_fn',
    'tokenkit_device_poll_fn', 'tokenkit_log_fn']) {
    trampolines[name] = koffi.register(dispatch, name);
  }
  return trampolines;
}

/** Registers `f` for C to call through `type`; returns { fnPtr, userData, remove() }. */
function callback(type, f) {
  const slots = callbackSlots();
  const id = nextId++;
  pending.set(id, f);
  return { fnPtr: slots[type], userData: id, remove: () => pending.delete(id) };
}

/** The number of JS callbacks C may still call (the tests check that none is left behind). */
const liveCallbacks = () => pending.size;

/**
 * A client's log function handed to C. The native client, and each token source made from it
 * (each holds its own reference to the native client), may call it until the last of them is
 * freed: each holds a reference, and the last release removes the callback. What the function
 * throws (or a promise it returns rejects with) is kept, for the next call on the client or such
 * a source that settles to throw (takeError).
 */
class LogSink {
  constructor(f) {
    this.refs = 1;
    this.error = null;
    this.cb = callback('tokenkit_log_fn', (level, line) => {
      try {
        const r = f(level, line);
        if (r && typeof r.then === 'function') r.then(undefined, (e) => { this.error ??= e; });
      } catch (e) {
        this.error ??= e;
      }
    });
  }

  retain() {
    this.refs++;
    return this;
  }

  release() {
    if (--this.refs === 0) this.cb.remove();
  }

  /** Runs `finish()` (which frees the call's outputs), then throws what the log threw, if anything. */
  static after(sink, finish) {
    let value;
    let failure = null;
    try {
      value = finish();
    } catch (e) {
      failure = e;
    }
    const logged = sink?.error ?? null;
    if (logged !== null) {
      sink.error = null;
      throw logged;
    }
    if (failure !== null) throw failure;
    return value;
  }
}

module.exports = {
  string, integer, millis, object, func, signalOf, params, INT32_MAX, typeError,
  fn, check, runAsync, Handle, finalizer, withOptions, Cancel, abortError, callback, liveCallbacks, liveHandles,
  LogSink, storeKey, storeHandle,
};
