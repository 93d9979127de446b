package tokenkit

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// DeviceAuthorization is a device authorization response (RFC 8628 §3.2): what to show the user.
// One returned by DeviceAuthorize also holds the device code, in native memory that DevicePoll
// reads; Close frees it (zeroizing the code), and a finalizer frees a forgotten one. Copies of the
// struct share that native part. The one DeviceFlow passes to Prompt has none: it is for display
// only.
type DeviceAuthorization struct {
	// UserCode is what the user types, e.g. "WDJB-MJHT".
	UserCode string
	// VerificationURI is where the user goes (from verification_uri, or the verification_url some
	// servers send).
	VerificationURI string
	// VerificationURIComplete is the URI with the user code in it, or "" when the server sent none.
	VerificationURIComplete string
	// ExpiresIn is how many seconds the device code stays valid, counted from its arrival.
	ExpiresIn int64
	// Interval is the polling interval in seconds (5 when the server named none).
	Interval int64

	code *deviceCode
}

// deviceCode owns the native device authorization. mu guards ptr as Client.mu guards its handle.
// params are those of the authorization request, which every poll sends again (RFC 8628 §3.4
// lets a server expect them).
type deviceCode struct {
	mu     sync.RWMutex
	ptr    *C.tokenkit_device_authorization
	params []Param
	onPoll func(outcome string, interval time.Duration) error
}

func (d *deviceCode) free() {
	d.mu.Lock()
	defer d.mu.Unlock()
	C.tokenkit_device_authorization_free(d.ptr)
	d.ptr = nil
}

// deviceAuthorizationFields copies the displayable fields of a live native device authorization
// (its strings are borrowed from it).
func deviceAuthorizationFields(native *C.tokenkit_device_authorization) DeviceAuthorization {
	return DeviceAuthorization{
		UserCode:                borrowedString(C.tokenkit_device_authorization_user_code(native)),
		VerificationURI:         borrowedString(C.tokenkit_device_authorization_verification_uri(native)),
		VerificationURIComplete: borrowedString(C.tokenkit_device_authorization_verification_uri_complete(native)),
		ExpiresIn:               int64(C.tokenkit_device_authorization_expires_in(native)),
		Interval:                int64(C.tokenkit_device_authorization_interval(native)),
	}
}

// Close frees the native device code. DevicePoll then refuses the authorization. Closing twice,
// or closing one that has no native part, is fine. Close waits for a DevicePoll using it.
func (d *DeviceAuthorization) Close() error {
	if d == nil || d.code == nil {
		return nil
	}
	d.code.free()
	runtime.SetFinalizer(d.code, nil)
	return nil
}

// DeviceOptions are the settings of a device flow (RFC 8628).
type DeviceOptions struct {
	// Scope "" uses the preset's default scope, or none.
	Scope string
	// Params are extra form parameters, sent with the device authorization request and with
	// every poll.
	Params []Param
	// PKCE sends an S256 challenge with the device authorization request and the verifier with
	// every poll, for servers that require PKCE of public clients.
	PKCE bool
	// Prompt receives what to tell the user, in DeviceFlow (which requires it; DeviceAuthorize
	// ignores it). It is called once, before polling starts, on the thread of the native call: it
	// must return promptly and must not use or close the Client. Returning an error stops the
	// flow: DeviceFlow then returns a Cancelled error that wraps it. A panic in it stops the flow
	// too and is re-raised by DeviceFlow.
	Prompt func(DeviceAuthorization) error
	// OnPoll, when set, is told after each poll that did not end the flow (DeviceFlow, and
	// DevicePoll of what DeviceAuthorize returned with it), to keep a prompt alive: outcome is
	// "authorization_pending", "slow_down" (the interval grew) or "retrying" (a transient
	// failure), interval the wait before the next poll. It runs on the polling thread. Returning
	// an error stops the flow: the call returns a Cancelled error that wraps it. A panic stops it
	// too and is re-raised by the call.
	OnPoll func(outcome string, interval time.Duration) error
}

// DeviceAuthorize requests a device code (RFC 8628 §3.1). It needs a device authorization endpoint
// (Config.DeviceAuthorizationEndpoint or Issuer). Show the user UserCode and VerificationURI, then
// call DevicePoll, which sends opts.Params again.
func (c *Client) DeviceAuthorize(ctx context.Context, opts DeviceOptions) (*DeviceAuthorization, error) {
	o := newDeviceOptions(&opts, false)
	defer o.free()
	if o.err != nil {
		return nil, o.err
	}
	var auth *DeviceAuthorization
	err := c.call(ctx, false, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error {
		var native *C.tokenkit_device_authorization
		if o.cancel(cancel); o.err != nil {
			return o.err
		}
		if err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_device_authorize(h, o.native, &native, errp)
		}); err != nil {
			return err
		}
		da := deviceAuthorizationFields(native)
		da.code = &deviceCode{ptr: native, params: append([]Param(nil), opts.Params...), onPoll: opts.OnPoll}
		runtime.SetFinalizer(da.code, (*deviceCode).free)
		auth = &da
		return nil
	})
	if err != nil {
		return nil, err
	}
	return auth, nil
}

// DevicePoll polls the token endpoint for authorization at the server's interval (RFC 8628 §3.4):
// it keeps polling on authorization_pending, slows down by 5 s on slow_down, and returns the token
// once the user approves. It stops with an OAuth error on access_denied or expired_token, a
// Timeout error at the device code's expiry, and a Cancelled error (which also wraps ctx.Err())
// when ctx is done or the Client is closed. It blocks its goroutine, and an OS thread, meanwhile.
func (c *Client) DevicePoll(ctx context.Context, authorization *DeviceAuthorization) (*Token, error) {
	if authorization == nil || authorization.code == nil {
		return nil, &Error{Kind: InvalidArgument, Message: "device authorization is not one DeviceAuthorize returned"}
	}
	code := authorization.code
	o := newDeviceOptions(&DeviceOptions{Params: code.params}, true)
	defer o.free()
	var cb *callback
	if code.onPoll != nil {
		cb = &callback{onPoll: code.onPoll}
		handle, deleteHandle := cb.newHandle()
		defer deleteHandle()
		o.onPoll(handle)
	}
	if o.err != nil {
		return nil, o.err
	}
	var token *Token
	err := c.call(ctx, true, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error {
		code.mu.RLock()
		defer code.mu.RUnlock()
		if code.ptr == nil {
			return &Error{Kind: InvalidArgument, Message: "device authorization is closed"}
		}
		if o.cancel(cancel); o.err != nil {
			return o.err
		}
		var err error
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_device_poll(h, code.ptr, o.native, out, errp)
		})
		runtime.KeepAlive(code) // the finalizer must not free the code while it is polled
		return err
	})
	if err = cb.finish(err); err != nil {
		return nil, err
	}
	return token, nil
}

// DeviceFlow is the whole device flow: DeviceAuthorize, then opts.Prompt (required) with what to
// tell the user, then DevicePoll. The native device code is freed before DeviceFlow returns.
func (c *Client) DeviceFlow(ctx context.Context, opts DeviceOptions) (*Token, error) {
	o := newDeviceOptions(&opts, false)
	defer o.free()
	// One callback for both: the prompt comes before the first poll, never beside it.
	cb := &callback{prompt: opts.Prompt, onPoll: opts.OnPoll}
	handle, deleteHandle := cb.newHandle()
	defer deleteHandle()
	if opts.Prompt != nil { // else the library names the missing callback
		o.onPrompt(handle)
	}
	if opts.OnPoll != nil {
		o.onPoll(handle)
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
			return C.tokenkit_client_device_flow(h, o.native, out, errp)
		})
		return err
	})
	if err = cb.finish(err); err != nil {
		return nil, err
	}
	return token, nil
}
