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
	var req *AuthorizationRequest
	err := c.request(context.Background(), nil, func(o *requestOptions) {
		o.redirectURI(redirectURI).scope(scope).params(params)
	}, func(h *C.tokenkit_client, o *C.tokenkit_request_options) error {
		var native *C.tokenkit_authorization
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_authorization_request(h, o, &native, errp)
		})
		defer C.tokenkit_authorization_free(native) // zeroizes the verifier, after the copies below
		if err != nil {
			return err
		}
		req = &AuthorizationRequest{
			URL:          borrowedString(C.tokenkit_authorization_url(native)),
			State:        borrowedString(C.tokenkit_authorization_state(native)),
			CodeVerifier: borrowedString(C.tokenkit_authorization_code_verifier(native)),
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
	// Timeout is how long the user has to finish signing in, rounded up to whole milliseconds;
	// 0 is the library's default, 5 minutes. The context may end the wait sooner.
	Timeout time.Duration
	// Params are extra authorization request parameters (e.g. prompt=consent).
	Params []Param
	// OpenURL (required) receives the authorization URL to open in the user's browser. It is
	// called once, on the thread of the native call, before the wait starts: it must return
	// promptly (start the browser, or a goroutine, and return) and must not use or close the
	// Client. Returning an error stops the sign-in: SignInLoopback then returns a Cancelled
	// error that wraps it. A panic in it stops the sign-in too and is re-raised by
	// SignInLoopback.
	OpenURL func(url string) error
}

// SignInLoopback signs the user in through the browser with a loopback redirect (RFC 8252 §7.3):
// it listens on 127.0.0.1, calls opts.OpenURL with the authorization URL (redirect URI
// http://127.0.0.1:PORT/callback, fresh state, PKCE), waits for the redirect that carries this
// sign-in's state and, when the issuer is known from Config.Issuer, checks its iss (RFC 9207),
// answers the browser, closes the listener, and exchanges the code for a token.
//
// The wait ends at opts.Timeout (an error of kind Timeout) or when ctx is done or the Client is
// closed (kind Cancelled; errors.Is(err, ctx.Err()) holds too). A denied consent is an OAuth error
// (OAuthError "access_denied"); a wrong iss, or a redirect with neither code nor error, is a
// Protocol error. The call blocks its goroutine, and an OS thread, until then.
func (c *Client) SignInLoopback(ctx context.Context, opts LoopbackOptions) (*Token, error) {
	o := newSignInOptions(&opts)
	defer o.free()
	var cb *callback
	if opts.OpenURL != nil { // else the library names the missing callback
		cb = &callback{openURL: opts.OpenURL}
		handle, deleteHandle := cb.newHandle()
		defer deleteHandle()
		o.openURL(handle)
	}
	if o.err != nil {
		return nil, o.err
	}
	var token *Token
	err := c.call(ctx, true, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) (err error) {
		if o.cancel(cancel); o.err != nil {
			return o.err
		}
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_sign_in(h, o.native, out, errp)
		})
		return err
	})
	if err = cb.finish(err); err != nil {
		return nil, err
	}
	return token, nil
}
