'use strict';
// Errors: one class per tokenkit_status a caller acts on, all TokenKitError with `kind` (the
// library's stable status name) and `code` (TOKENKIT_<KIND>, as Node's own errors carry one).
// Messages are tokenkit's, which never hold a secret of the request.

const { Status } = require('./native.cjs');

class TokenKitError extends Error {
  /**
   * @param {string} message
   * @param {{kind?: string, status?: number, body?: string, cause?: unknown}} [details]
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const kind = details.kind ?? 'internal_error';
    /** The library's name of the status: "oauth_error", "timeout", ... */
    this.kind = kind;
    this.code = 'TOKENKIT_' + kind.toUpperCase();
    /** The HTTP status of the server's answer, or undefined when none arrived. */
    this.status = details.status || undefined;
    /** The body of the server's error answer (request secrets redacted by tokenkit), or undefined. */
    this.body = details.body ?? undefined;
  }

  get name() {
    return this.constructor.name;
  }
}

class InvalidArgumentError extends TokenKitError {}

class OAuthError extends TokenKitError {
  constructor(message, details = {}) {
    super(message, details);
    /** The OAuth `error` code as the server sent it (RFC 6749 §5.2). */
    this.error = details.error ?? undefined;
    this.errorDescription = details.errorDescription ?? undefined;
    this.errorUri = details.errorUri ?? undefined;
  }
}

class HTTPError extends TokenKitError {}
class TransportError extends TokenKitError {}
class TimeoutError extends TokenKitError {}
class TLSError extends TokenKitError {}
class ProtocolError extends TokenKitError {}
class InsecureURLError extends TokenKitError {}

/**
 * A call stopped through its AbortSignal (or by closing its Client): `name` is "AbortError" as
 * for fetch, `code` is "ABORT_ERR" as for Node's own, and `cause` is the signal's reason.
 */
class AbortError extends TokenKitError {
  constructor(message = 'the operation was aborted', details = {}) {
    super(message, { ...details, kind: 'cancelled' });
    this.code = 'ABORT_ERR';
  }
}

const CLASS_OF = {
  [Status.INVALID_ARGUMENT]: InvalidArgumentError,
  [Status.OAUTH_ERROR]: OAuthError,
  [Status.HTTP_ERROR]: HTTPError,
  [Status.TRANSPORT_ERROR]: TransportError,
  [Status.TIMEOUT]: TimeoutError,
  [Status.TLS_ERROR]: TLSError,
  [Status.PROTOCOL_ERROR]: ProtocolError,
  [Status.INSECURE]: InsecureURLError,
  [Status.CANCELLED]: AbortError,
};

/** Copies a failed call's tokenkit_error into a JS error and frees it. */
function fromNative(fn, status, err) {
  try {
    const kind = fn.tokenkit_status_name(status);
    const Class = CLASS_OF[status] ?? TokenKitError;
    if (!err) return new Class(`tokenkit reported ${kind} without an error object`, { kind });
    return new Class(fn.tokenkit_error_message(err), {
      kind,
      status: fn.tokenkit_error_http_status(err),
      body: fn.tokenkit_error_body(err),
      error: fn.tokenkit_error_oauth_error(err),
      errorDescription: fn.tokenkit_error_oauth_error_description(err),
      errorUri: fn.tokenkit_error_oauth_error_uri(err),
    });
  } finally {
    fn.tokenkit_error_free(err);
  }
}

module.exports = {
  TokenKitError, InvalidArgumentError, OAuthError, HTTPError, TransportError, TimeoutError,
  TLSError, ProtocolError, InsecureURLError, AbortError, fromNative,
};
