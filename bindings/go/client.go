package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"bytes"
	"encoding/json"
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
// returns; Config.Timeout bounds each attempt. A single request cannot be cancelled (the C ABI has
// no way to); the waits of SignInLoopback, DevicePoll and DeviceFlow stop when their context is
// done.
type Client struct {
	// mu guards handle: calls hold the read lock, so Close (the write lock) waits for running
	// calls instead of freeing the native client under them.
	mu     sync.RWMutex
	handle *C.tokenkit_client
	// metadata is the discovery document when Config.Issuer was set.
	metadata json.RawMessage

	// waitMu guards waits, the running sign-ins and device polls, and closing: Close raises their
	// cancel flags so that it does not wait for minutes.
	waitMu  sync.Mutex
	waits   map[*waiter]struct{}
	closing bool
}

// liveClients counts native clients not yet freed; the tests use it to see that the finalizer runs.
var liveClients atomic.Int64

// Param is one extra form parameter of a token request, such as RFC 8707's resource or Auth0's
// audience. A name tokenkit sets itself (grant_type, code, scope, client_id, client_secret, …) is
// refused with InvalidArgument when the request is built, before anything is sent.
type Param struct {
	Name, Value string
}

// ExchangeOptions are the optional parts of an authorization code exchange.
type ExchangeOptions struct {
	// RedirectURI is required when the authorization request had one (RFC 6749 §4.1.3).
	RedirectURI string
	// CodeVerifier is the PKCE code verifier (RFC 7636 §4.5), 43 to 128 characters.
	CodeVerifier string
	// Params are extra form parameters, sent in order after tokenkit's own.
	Params []Param
}

// NewClient makes a client from cfg.
func NewClient(cfg Config) (*Client, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	handle, metadata, err := cfg.newNativeClient()
	if err != nil {
		return nil, err
	}
	liveClients.Add(1)
	c := &Client{handle: handle, metadata: metadata, waits: map[*waiter]struct{}{}}
	runtime.SetFinalizer(c, (*Client).free)
	return c, nil
}

// ExchangeCode exchanges an authorization code for a token (RFC 6749 §4.1.3). opts may be nil. An
// exchange is never retried, since a code is single-use.
func (c *Client) ExchangeCode(code string, opts *ExchangeOptions) (*Token, error) {
	if opts == nil {
		opts = &ExchangeOptions{}
	}
	var a callArgs
	defer a.release()
	ccode := a.required("code", code)
	redirectURI := a.optional("redirect_uri", opts.RedirectURI)
	codeVerifier := a.optional("code_verifier", opts.CodeVerifier)
	params := a.paramList(opts.Params)
	if a.err != nil {
		return nil, a.err
	}
	return c.requestToken(func(h *C.tokenkit_client, out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_client_exchange_code(h, ccode, redirectURI, codeVerifier, params, out, errp)
	})
}

// Refresh uses a refresh token (RFC 6749 §6). scope may be "" for the originally granted scope.
// When the new token has no RefreshToken, keep using the old one.
func (c *Client) Refresh(refreshToken, scope string, params ...Param) (*Token, error) {
	var a callArgs
	defer a.release()
	crefresh := a.required("refresh_token", refreshToken)
	cscope := a.optional("scope", scope)
	cparams := a.paramList(params)
	if a.err != nil {
		return nil, a.err
	}
	return c.requestToken(func(h *C.tokenkit_client, out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_client_refresh(h, crefresh, cscope, cparams, out, errp)
	})
}

// ClientCredentials asks for a token for the client itself (RFC 6749 §4.4). scope may be "" to
// leave it to the server.
func (c *Client) ClientCredentials(scope string, params ...Param) (*Token, error) {
	var a callArgs
	defer a.release()
	cscope := a.optional("scope", scope)
	cparams := a.paramList(params)
	if a.err != nil {
		return nil, a.err
	}
	return c.requestToken(func(h *C.tokenkit_client, out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_client_client_credentials(h, cscope, cparams, out, errp)
	})
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
// sign-ins and device polls (they return a Cancelled error) and waits for calls running on the
// client to return. Closing twice is fine; after Close every method returns an *Error of kind
// InvalidArgument. Token sources made from the client keep working: they hold their own
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
		liveClients.Add(-1)
	}
}

// use runs f with the live native client, holding the read lock so Close cannot free it meanwhile.
// Every method that calls the native client goes through here.
func (c *Client) use(f func(h *C.tokenkit_client) error) error {
	if c == nil {
		return &Error{Kind: InvalidArgument, Message: "client is nil"}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return &Error{Kind: InvalidArgument, Message: "client is closed"}
	}
	err := f(c.handle)
	runtime.KeepAlive(c) // the finalizer must not free the handle while f runs
	return err
}

// requestToken runs a token request on the native client and copies the token out.
func (c *Client) requestToken(send func(h *C.tokenkit_client, out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status) (*Token, error) {
	var token *Token
	err := c.use(func(h *C.tokenkit_client) (err error) {
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return send(h, out, errp)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// ExchangeCode is the Works with Nest sample in one call: it POSTs code, client_id, client_secret
// and grant_type=authorization_code as a form to tokenURL. clientSecret may be "" for a public
// client. It makes and frees a native client each time: for more than one request, use a Client.
func ExchangeCode(tokenURL, code, clientID, clientSecret string) (*Token, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var a callArgs
	defer a.release()
	curl := a.required("token_url", tokenURL)
	ccode := a.required("code", code)
	cid := a.required("client_id", clientID)
	csecret := a.optional("client_secret", clientSecret)
	if a.err != nil {
		return nil, a.err
	}
	return receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_exchange_code(curl, ccode, cid, csecret, out, errp)
	})
}
