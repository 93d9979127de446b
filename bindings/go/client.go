package tokenkit

/*
#include "tokenkit.h"
#include "tokencall.h"
*/
import "C"

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Client makes requests to one authorization server with one set of credentials, over one pool of
// keep-alive connections. It is safe for concurrent use by any number of goroutines; make one and
// share it. Close it when done: a finalizer frees a forgotten client, but only when the garbage
// collector gets to it.
//
// Each request is a blocking call into the native library and occupies an OS thread until it
// returns. Config.Timeout bounds a whole call, retries included; its context stops it sooner: when
// the context is done the library interrupts the request within about 100 ms and the call returns
// an *Error of kind Cancelled that wraps ctx.Err().
type Client struct {
	// mu guards handle: calls hold the read lock, so Close (the write lock) waits for running
	// calls instead of freeing the native client under them.
	mu     sync.RWMutex
	handle *C.tokenkit_client
	// metadata is the discovery document when Config.Issuer was set.
	metadata json.RawMessage
	// log is Config.Log, held until the native client is freed; nil without one.
	log *logSink

	// waitMu guards waits, the flags of running sign-ins and device polls, and closing: Close
	// raises those flags so that it does not wait for minutes.
	waitMu  sync.Mutex
	waits   map[*watcher]struct{}
	closing bool
}

// liveClients counts native clients not yet freed; the tests use it to see that the finalizer runs.
var liveClients atomic.Int64

// ExchangeOptions are the optional parts of an authorization code exchange.
type ExchangeOptions struct {
	// RedirectURI is required when the authorization request had one (RFC 6749 §4.1.3).
	RedirectURI string
	// CodeVerifier is the PKCE code verifier (RFC 7636 §4.5), 43 to 128 characters.
	CodeVerifier string
	// Params are extra form parameters, sent in order after tokenkit's own.
	Params []Param
}

// NewClient makes a client from cfg. It sends a request only when cfg.Issuer is set (discovery),
// which ctx can cancel.
func NewClient(ctx context.Context, cfg Config) (*Client, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	if err := started(ctx); err != nil {
		return nil, err
	}
	handle, metadata, log, err := cfg.newNativeClient(ctx)
	if err != nil {
		return nil, err
	}
	liveClients.Add(1)
	c := &Client{handle: handle, metadata: metadata, log: log, waits: map[*watcher]struct{}{}}
	runtime.SetFinalizer(c, (*Client).free)
	return c, nil
}

// ExchangeCode exchanges an authorization code for a token (RFC 6749 §4.1.3). opts may be nil. An
// exchange is never retried, since a code is single-use.
func (c *Client) ExchangeCode(ctx context.Context, code string, opts *ExchangeOptions) (*Token, error) {
	if opts == nil {
		opts = &ExchangeOptions{}
	}
	var a callArgs
	defer a.release()
	ccode := a.required("code", code)
	return c.grant(ctx, &a, func(o *requestOptions) {
		o.redirectURI(opts.RedirectURI).codeVerifier(opts.CodeVerifier).params(opts.Params)
	}, C.TKGO_EXCHANGE_CODE, ccode)
}

// Refresh uses a refresh token (RFC 6749 §6). scope may be "" for the originally granted scope;
// params are extra form parameters. When the new token has no RefreshToken, keep using the old
// one. Cancelling a refresh in flight may lose a refresh token the server rotated.
func (c *Client) Refresh(ctx context.Context, refreshToken, scope string, params ...Param) (*Token, error) {
	var a callArgs
	defer a.release()
	crefresh := a.required("refresh_token", refreshToken)
	return c.grant(ctx, &a, func(o *requestOptions) {
		o.scope(scope).params(params)
	}, C.TKGO_REFRESH, crefresh)
}

// ClientCredentials asks for a token for the client itself (RFC 6749 §4.4). scope may be "" to
// leave it to the server; params are extra form parameters.
func (c *Client) ClientCredentials(ctx context.Context, scope string, params ...Param) (*Token, error) {
	return c.grant(ctx, nil, func(o *requestOptions) {
		o.scope(scope).params(params)
	}, C.TKGO_CLIENT_CREDENTIALS, nil)
}

// Metadata is the authorization server metadata NewClient discovered from Config.Issuer (RFC 8414
// or OpenID Connect Discovery), or nil when Config.Issuer was "".
func (c *Client) Metadata() json.RawMessage {
	if c == nil {
		return nil
	}
	return bytes.Clone(c.metadata)
}

// Close frees the native client and its connections, zeroizing its secret. It cancels running
// sign-ins and device polls (they return a Cancelled error) and waits for the other calls running
// on the client to return. Closing twice is fine; after Close every method returns an *Error of
// kind InvalidArgument. Token sources made from the client keep working: they hold their own
// reference to the native client.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.cancelWaits()
	c.free()
	runtime.SetFinalizer(c, nil)
	return nil
}

func (c *Client) free() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.tokenkit_client_free(c.handle)
		c.handle = nil
		c.log.release() // after the free; token sources made from the client hold their own
		liveClients.Add(-1)
	}
}

// use runs f with the live native client, holding the read lock so Close cannot free it meanwhile,
// then re-raises a panic of Config.Log. Every method that calls the native client goes through
// here.
func (c *Client) use(f func(h *C.tokenkit_client) error) error {
	if c == nil {
		return &Error{Kind: InvalidArgument, Message: "client is nil"}
	}
	err := func() error {
		c.mu.RLock()
		defer c.mu.RUnlock()
		if c.handle == nil {
			return &Error{Kind: InvalidArgument, Message: "client is closed"}
		}
		err := f(c.handle)
		runtime.KeepAlive(c) // the finalizer must not free the handle while f runs
		return err
	}()
	return c.log.finish(err)
}

// grant runs one of tkgo_request_token's requests (which, with its argument arg) on the native
// client: the request and the copy of its token are one cgo call.
func (c *Client) grant(ctx context.Context, a *callArgs, fill func(o *requestOptions), which C.int32_t,
	arg *C.char) (*Token, error) {
	var token *Token
	// The shim puts the cancel flag in the options, making them if none were set: the same one
	// cgo call, also for a request with a live context.
	err := c.requestFlag(ctx, a, fill, func(h *C.tokenkit_client, o *requestOptions, cancel *C.tokenkit_cancel) (err error) {
		token, err = copyToken(func(buf *tokenBuffer, fields *C.tkgo_token_fields) (*C.tokenkit_token, error) {
			var left *C.tokenkit_token // set only when the token did not fit in buf
			err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
				return C.tkgo_request_token(which, h, arg, o.native, cancel, buf.c(), C.size_t(len(buf)), fields,
					&left, errp)
			})
			return left, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// request runs one request on the native client with its request options: fill sets them, the
// call's cancel flag is added, and send makes the request.
func (c *Client) request(ctx context.Context, a *callArgs, fill func(o *requestOptions),
	send func(h *C.tokenkit_client, o *C.tokenkit_request_options) error) error {
	return c.requestFlag(ctx, a, fill, func(h *C.tokenkit_client, o *requestOptions, cancel *C.tokenkit_cancel) error {
		if o.cancel(cancel); o.err != nil {
			return o.err
		}
		return send(h, o.native)
	})
}

// requestFlag is request with the cancel flag (nil for none) handed to send, which must put it in
// the options itself.
func (c *Client) requestFlag(ctx context.Context, a *callArgs, fill func(o *requestOptions),
	send func(h *C.tokenkit_client, o *requestOptions, cancel *C.tokenkit_cancel) error) error {
	if a != nil && a.err != nil {
		return a.err
	}
	o := newRequestOptions()
	defer o.free()
	fill(o)
	if o.err != nil {
		return o.err
	}
	return c.call(ctx, false, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error {
		return send(h, o, cancel)
	})
}

// ExchangeRequest is the Works with Nest sample's request, by field name so that no two strings
// can be swapped unnoticed.
type ExchangeRequest struct {
	// TokenEndpoint is the token endpoint URL: https://, or http:// to a loopback address.
	TokenEndpoint string
	Code          string
	ClientID      string
	// ClientSecret is "" for a public client (auth method none; else client_secret_post).
	ClientSecret string
}

// String shows the request with its code and secret redacted.
func (r ExchangeRequest) String() string {
	return fmt.Sprintf("tokenkit.ExchangeRequest{TokenEndpoint: %q, Code: %s, ClientID: %q, ClientSecret: %s}",
		r.TokenEndpoint, redact(r.Code), r.ClientID, redact(r.ClientSecret))
}

// GoString is String, so %#v redacts too.
func (r ExchangeRequest) GoString() string { return r.String() }

// ExchangeCode is the Works with Nest sample in one call: it POSTs code, client_id, client_secret
// and grant_type=authorization_code as a form to req.TokenEndpoint. It makes and frees a native
// client each time, with the default settings (a 30 s deadline), and cannot be cancelled (the C
// ABI's one-call exchange takes no options): for more than one request, or a context, use a
// Client.
func ExchangeCode(req ExchangeRequest) (*Token, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var a callArgs
	defer a.release()
	// A Go struct that holds pointers to Go memory may be passed to C only with them pinned.
	request := C.tokenkit_exchange_request{
		token_endpoint: a.pin(a.required("token_endpoint", req.TokenEndpoint)),
		code:           a.pin(a.required("code", req.Code)),
		client_id:      a.pin(a.required("client_id", req.ClientID)),
		client_secret:  a.pin(a.optional("client_secret", req.ClientSecret)),
	}
	if a.err != nil {
		return nil, a.err
	}
	return receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_exchange_code(&request, out, errp)
	})
}
