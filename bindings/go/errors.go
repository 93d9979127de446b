package tokenkit

// #include "tokenkit.h"
import "C"

// ErrorKind says what went wrong, in the terms a caller acts on. Its values are the numbers of
// tokenkit_status in include/tokenkit.h, which are fixed and never reused.
type ErrorKind int32

const (
	// InvalidArgument: an argument was unusable (empty, malformed, out of range, a NUL byte in a
	// string), or the Client was closed. The message names the argument.
	InvalidArgument ErrorKind = C.TOKENKIT_STATUS_INVALID_ARGUMENT
	// OAuth: the server sent an OAuth error response (RFC 6749 §5.2): HTTP 400 or 401, or 200 at
	// the token and device endpoints.
	OAuth ErrorKind = C.TOKENKIT_STATUS_OAUTH_ERROR
	// HTTP: the server answered with another HTTP failure (a 404, a 500 page, a 3xx); the message
	// quotes any OAuth error it sent.
	HTTP ErrorKind = C.TOKENKIT_STATUS_HTTP_ERROR
	// Transport: connection refused or reset, or the host name did not resolve.
	Transport ErrorKind = C.TOKENKIT_STATUS_TRANSPORT_ERROR
	// Timeout: the connect timeout or the call's deadline (Config.Timeout) ran out.
	Timeout ErrorKind = C.TOKENKIT_STATUS_TIMEOUT
	// TLS: the TLS handshake or certificate verification failed.
	TLS ErrorKind = C.TOKENKIT_STATUS_TLS_ERROR
	// Protocol: the response broke the protocol: bad JSON, no access_token, body over the cap.
	Protocol ErrorKind = C.TOKENKIT_STATUS_PROTOCOL_ERROR
	// Insecure: a plain http:// URL to a host that is not loopback was refused.
	Insecure ErrorKind = C.TOKENKIT_STATUS_INSECURE
	// Internal: a bug in tokenkit was caught before it reached the caller, or the library's ABI
	// version is not the one this package was written for.
	Internal ErrorKind = C.TOKENKIT_STATUS_INTERNAL_ERROR
	// Cancelled: a call was stopped through its context, a sign-in or device flow by closing the
	// Client, or by its callback returning an error. The *Error then also wraps the context's or
	// the callback's error: errors.Is(err, context.Canceled), errors.Is(err,
	// context.DeadlineExceeded) or errors.Is(err, yourErr) holds as well.
	Cancelled ErrorKind = C.TOKENKIT_STATUS_CANCELLED
)

// String is the library's stable lower-case name of the kind ("oauth_error", "timeout", …), or
// "unknown" for a number the library does not know.
func (k ErrorKind) String() string {
	return C.GoString(C.tokenkit_status_name(C.int32_t(k)))
}

// Error is every error this package returns. Messages never contain a secret.
type Error struct {
	Kind ErrorKind
	// Message is a one-line message for humans, written by tokenkit.
	Message string
	// HTTPStatus is the status of the server's answer, or 0 when none was received.
	HTTPStatus int
	// OAuthError is the OAuth `error` code as the server sent it ("invalid_grant", Nest's
	// "oauth2_error"), or "" when it sent none.
	OAuthError string
	// OAuthErrorDescription and OAuthErrorURI are the OAuth `error_description` and `error_uri`.
	OAuthErrorDescription string
	OAuthErrorURI         string
	// Body is the raw body of the server's error answer (lossily decoded as UTF-8), for logging.
	Body string

	// cause is what Unwrap returns: for a Cancelled error the context's or the callback's error,
	// else nil.
	cause error
}

// Sentinels for errors.Is: errors.Is(err, ErrOAuth) holds for every *Error of kind OAuth.
var (
	ErrInvalidArgument = &Error{Kind: InvalidArgument}
	ErrOAuth           = &Error{Kind: OAuth}
	ErrHTTP            = &Error{Kind: HTTP}
	ErrTransport       = &Error{Kind: Transport}
	ErrTimeout         = &Error{Kind: Timeout}
	ErrTLS             = &Error{Kind: TLS}
	ErrProtocol        = &Error{Kind: Protocol}
	ErrInsecure        = &Error{Kind: Insecure}
	ErrInternal        = &Error{Kind: Internal}
	ErrCancelled       = &Error{Kind: Cancelled}
)

// Error is "tokenkit: KIND: MESSAGE", e.g. "tokenkit: oauth_error: server returned OAuth error
// invalid_grant: authorization code was already used", followed by " (CAUSE)" when the error wraps
// a context's error.
func (e *Error) Error() string {
	s := "tokenkit: " + e.Kind.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.cause != nil {
		s += " (" + e.cause.Error() + ")"
	}
	return s
}

// Is reports whether target is the sentinel of e's kind: an *Error with nothing but a Kind. Other
// *Error targets match only themselves (errors.Is compares identity before calling Is).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Message == "" && t.HTTPStatus == 0 && t.OAuthError == "" &&
		t.OAuthErrorDescription == "" && t.OAuthErrorURI == "" && t.Body == "" && t.cause == nil
}

// Unwrap returns the context's or callback's error a Cancelled error wraps, or nil.
func (e *Error) Unwrap() error { return e.cause }

// errorFromNative copies a failed call's error object into Go memory and frees it.
func errorFromNative(status C.tokenkit_status, native *C.tokenkit_error) *Error {
	defer C.tokenkit_error_free(native)
	e := &Error{Kind: ErrorKind(status)}
	if native == nil {
		e.Message = "tokenkit reported " + e.Kind.String() + " without an error object"
		return e
	}
	e.Message = borrowedString(C.tokenkit_error_message(native))
	e.HTTPStatus = int(C.tokenkit_error_http_status(native))
	e.OAuthError = borrowedString(C.tokenkit_error_oauth_error(native))
	e.OAuthErrorDescription = borrowedString(C.tokenkit_error_oauth_error_description(native))
	e.OAuthErrorURI = borrowedString(C.tokenkit_error_oauth_error_uri(native))
	e.Body = borrowedString(C.tokenkit_error_body(native))
	return e
}
