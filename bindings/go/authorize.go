package tokenkit

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

import (
	"context"
	"fmt"
	"time"
)

// AuthorizationRequest is an authorization URL (RFC 6749 §4.1.1) and the values that go with it.
// Send the user to URL; when the redirect comes back, check that its state equals State, then
// exchange its code with ExchangeOptions{RedirectURI: the same redirect URI, CodeVerifier:
// CodeVerifier}.
type AuthorizationRequest struct {
	URL string
	// State is the fresh, unguessable value the redirect must carry back (RFC 6749 §10.12).
	State string
	// CodeVerifier is the PKCE code verifier (RFC 7636 §4.1) whose S256 challenge is in URL.
	CodeVerifier string
}

// String shows the request with its code verifier redacted.
func (r AuthorizationRequest) String() string {
	return fmt.Sprintf("tokenkit.AuthorizationRequest{URL: %q, State: %q, CodeVerifier: %s}",
		r.URL, r.State, redact(r.CodeVerifier))
}

// GoString is String, so %#v redacts too.
func (r AuthorizationRequest) GoString() string { return r.String() }

// AuthorizationRequest builds an authorization URL with a fresh state and a PKCE S256 challenge.
// It needs an authorization endpoint (Config.AuthorizationEndpoint, Preset or Issuer).
// redirectURI may be "" where the provider has one registered (Works with Nest); scope "" uses the
// preset's default scope, or none; params are extra query parameters such as access_type=offline.
// It makes no request.
func (c *Client) AuthorizationRequest(redirectURI, scope string, params ...Param) (*AuthorizationRequest, error) {
	var a callArgs
	defer a.release()
	credirect := a.optional("redirect_uri", redirectURI)
	cscope := a.optional("scope", scope)
	cparams := a.paramList(params)
	if a.err != nil {
		return nil, a.err
	}
	var req *AuthorizationRequest
	err := c.use(func(h *C.tokenkit_client) error {
		var native *C.tokenkit_authorization
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_authorization_request(h, credirect, cscope, cparams, &native, errp)
		})
		defer C.tokenkit_authorization_free(native) // zeroizes the verifier
		if err != nil {
			return err
		}
		req = &AuthorizationRequest{
			URL:          takeString(C.tokenkit_authorization_url(native)),
			State:        takeString(C.tokenkit_authorization_state(native)),
			CodeVerifier: takeString(C.tokenkit_authorization_code_verifier(native)),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return req, nil
}

// LoopbackOptions are the settings of SignInLoopback.
type LoopbackOptions struct {
	// Scope "" uses the preset's default scope, or none.
	Scope string
	// Port is the port to listen on at 127.0.0.1; 0 picks a free one.
	Port uint16
	// Timeout is how long to wait for the browser's redirect, rounded up to whole milliseconds.
	// It is required: the library refuses zero. The context may end the wait sooner.
	Timeout time.Duration
	// Params are extra authorization request parameters (e.g. prompt=consent).
	Params []Param
	// OpenURL (required) receives the authorization URL to open in the user's browser. It is
	// called once, on the thread of the native call, before the wait starts: it must return
	// promptly (start the browser, or a goroutine, and return) and must not use or close the
	// Client. A panic in it cancels the sign-in and is re-raised by SignInLoopback.
	OpenURL func(url string)
}

// SignInLoopback signs the user in through the browser with a loopback redirect (RFC 8252 §7.3):
// it listens on 127.0.0.1, calls opts.OpenURL with the authorization URL (redirect URI
// http://127.0.0.1:PORT/callback, fresh state, PKCE), accepts exactly one redirect, checks its
// state and, when the issuer is known from Config.Issuer, its iss (RFC 9207), answers the browser,
// closes the listener, and exchanges the code for a token.
//
// The wait ends at opts.Timeout (an error of kind Timeout) or when ctx is done or the Client is
// closed (kind Cancelled; errors.Is(err, ctx.Err()) holds too). A denied consent is an OAuth error
// (OAuthError "access_denied"); a wrong state or iss, or a redirect with neither code nor error, is
// a Protocol error. The call blocks its goroutine, and an OS thread, until then.
func (c *Client) SignInLoopback(ctx context.Context, opts LoopbackOptions) (*Token, error) {
	var a callArgs
	defer a.release()
	cscope := a.optional("scope", opts.Scope)
	cparams := a.paramList(opts.Params)
	if a.err != nil {
		return nil, a.err
	}
	port, timeout := C.uint16_t(opts.Port), millis(opts.Timeout)
	var cb *callback
	var token *Token
	err := c.waitFor(ctx, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) (err error) {
		var handle C.uintptr_t // 0 for a nil OpenURL, which the library refuses by name
		if opts.OpenURL != nil {
			cb = &callback{openURL: opts.OpenURL, cancel: cancel}
			var deleteHandle func()
			handle, deleteHandle = cb.newHandle()
			defer deleteHandle()
		}
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tkgo_sign_in_loopback(h, cscope, cparams, port, timeout, handle, cancel, out, errp)
		})
		return err
	})
	cb.repanic()
	if err != nil {
		return nil, err
	}
	return token, nil
}
