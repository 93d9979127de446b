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
)

// DeviceAuthorization is a device authorization response (RFC 8628 §3.2): what to show the user.
// One returned by DeviceAuthorize also holds the device code, in native memory that DevicePoll
// reads; Close frees it (zeroizing the code), and a finalizer frees a forgotten one. Copies of the
// struct share that native part. The one DeviceFlow shows has none: it is for display only.
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
type deviceCode struct {
	mu  sync.RWMutex
	ptr *C.tokenkit_device_authorization
}

func (d *deviceCode) free() {
	d.mu.Lock()
	defer d.mu.Unlock()
	C.tokenkit_device_authorization_free(d.ptr)
	d.ptr = nil
}

// deviceAuthorizationFields copies the displayable fields of a native device authorization.
func deviceAuthorizationFields(native *C.tokenkit_device_authorization) DeviceAuthorization {
	return DeviceAuthorization{
		UserCode:                takeString(C.tokenkit_device_authorization_user_code(native)),
		VerificationURI:         takeString(C.tokenkit_device_authorization_verification_uri(native)),
		VerificationURIComplete: takeString(C.tokenkit_device_authorization_verification_uri_complete(native)),
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

// DeviceAuthorize requests a device code (RFC 8628 §3.1). It needs a device authorization endpoint
// (Config.DeviceAuthorizationEndpoint or Issuer). scope may be "" (the preset's default, or
// none); params are extra form parameters. Show the user UserCode and VerificationURI, then call
// DevicePoll.
func (c *Client) DeviceAuthorize(scope string, params ...Param) (*DeviceAuthorization, error) {
	var a callArgs
	defer a.release()
	cscope := a.optional("scope", scope)
	cparams := a.paramList(params)
	if a.err != nil {
		return nil, a.err
	}
	var auth *DeviceAuthorization
	err := c.use(func(h *C.tokenkit_client) error {
		var native *C.tokenkit_device_authorization
		if err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_device_authorize(h, cscope, cparams, &native, errp)
		}); err != nil {
			return err
		}
		da := deviceAuthorizationFields(native)
		da.code = &deviceCode{ptr: native}
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
	var token *Token
	err := c.waitFor(ctx, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) error {
		code := authorization.code
		code.mu.RLock()
		defer code.mu.RUnlock()
		if code.ptr == nil {
			return &Error{Kind: InvalidArgument, Message: "device authorization is closed"}
		}
		var err error
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_device_poll(h, code.ptr, cancel, out, errp)
		})
		runtime.KeepAlive(code) // the finalizer must not free the code while it is polled
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// DeviceFlow is the whole device flow: DeviceAuthorize, then show (required) with what to tell the
// user, then DevicePoll. show is called once, before polling starts, on the thread of the native
// call: it must return promptly and must not use or close the Client. A panic in it cancels the
// flow and is re-raised by DeviceFlow. The native device code is freed before DeviceFlow returns.
func (c *Client) DeviceFlow(ctx context.Context, scope string, show func(DeviceAuthorization), params ...Param) (*Token, error) {
	var a callArgs
	defer a.release()
	cscope := a.optional("scope", scope)
	cparams := a.paramList(params)
	if a.err != nil {
		return nil, a.err
	}
	var cb *callback
	var token *Token
	err := c.waitFor(ctx, func(h *C.tokenkit_client, cancel *C.tokenkit_cancel) (err error) {
		var handle C.uintptr_t // 0 for a nil show, which the library refuses by name
		if show != nil {
			cb = &callback{show: show, cancel: cancel}
			var deleteHandle func()
			handle, deleteHandle = cb.newHandle()
			defer deleteHandle()
		}
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tkgo_device_flow(h, cscope, cparams, handle, cancel, out, errp)
		})
		return err
	})
	cb.repanic()
	if err != nil {
		return nil, err
	}
	return token, nil
}
