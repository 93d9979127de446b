package tokenkit

// The native options objects that carry a call's optional settings (tokenkit_request_options,
// tokenkit_sign_in_options, tokenkit_device_options, tokenkit_source_options). Each builder makes
// one, runs its setters (each copies its value, so the Go copies are wiped right after), keeps
// the first failure in err and skips every setter after it, and frees the object in free.

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

// Param is one extra parameter of a request, such as RFC 8707's resource or Auth0's audience, or
// access_type in an authorization URL. A name tokenkit sets itself (grant_type, code, scope,
// client_id, client_secret, state, …) is refused with InvalidArgument before anything is sent.
type Param struct {
	Name, Value string
}

// setters runs the setters of one options object.
type setters struct {
	a   callArgs
	err error
}

func (s *setters) set(call func(e **C.tokenkit_error) C.tokenkit_status) {
	if s.err == nil {
		s.err = s.a.err
	}
	if s.err == nil {
		s.err = check(call)
	}
}

// setString runs a string setter unless value is "" (unset).
func (s *setters) setString(name, value string, call func(v *C.char, e **C.tokenkit_error) C.tokenkit_status) {
	if value != "" {
		v := s.a.required(name, value) // a NUL byte fails in set
		s.set(func(e **C.tokenkit_error) C.tokenkit_status { return call(v, e) })
	}
}

func (s *setters) params(params []Param, add func(name, value *C.char, e **C.tokenkit_error) C.tokenkit_status) {
	for _, p := range params {
		name, value := s.a.required("param name", p.Name), s.a.required("param value", p.Value)
		s.set(func(e **C.tokenkit_error) C.tokenkit_status { return add(name, value, e) })
	}
}

// requestOptions is a tokenkit_request_options: the optional parts of a grant, a revocation, an
// introspection, an authorization URL or a discovery.
type requestOptions struct {
	setters
	native *C.tokenkit_request_options
}

// newRequestOptions makes the builder; the native object is made by the first setter that has
// something to set, so a call with nothing optional passes NULL and costs no cgo call for it.
func newRequestOptions() *requestOptions {
	return &requestOptions{}
}

// obj is the native object, made on first use.
func (o *requestOptions) obj() *C.tokenkit_request_options {
	if o.native == nil {
		o.native = C.tokenkit_request_options_new()
	}
	return o.native
}

func (o *requestOptions) scope(scope string) *requestOptions {
	o.setString("scope", scope, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_request_options_set_scope(o.obj(), v, e)
	})
	return o
}

func (o *requestOptions) redirectURI(uri string) *requestOptions {
	o.setString("redirect_uri", uri, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_request_options_set_redirect_uri(o.obj(), v, e)
	})
	return o
}

func (o *requestOptions) codeVerifier(verifier string) *requestOptions {
	o.setString("code_verifier", verifier, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_request_options_set_code_verifier(o.obj(), v, e)
	})
	return o
}

func (o *requestOptions) tokenTypeHint(hint string) *requestOptions {
	o.setString("token_type_hint", hint, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_request_options_set_token_type_hint(o.obj(), v, e)
	})
	return o
}

func (o *requestOptions) params(params []Param) *requestOptions {
	o.setters.params(params, func(name, value *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_request_options_add_param(o.obj(), name, value, e)
	})
	return o
}

// cancel hands the call's cancel flag over (nil: none); the options keep their own reference.
func (o *requestOptions) cancel(flag *C.tokenkit_cancel) *requestOptions {
	if flag != nil {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_request_options_set_cancel(o.obj(), flag, e)
		})
	}
	return o
}

func (o *requestOptions) free() {
	if o.native != nil {
		C.tokenkit_request_options_free(o.native)
	}
	o.a.release()
}

// signInOptions is a tokenkit_sign_in_options.
type signInOptions struct {
	setters
	native *C.tokenkit_sign_in_options
}

func newSignInOptions(opts *LoopbackOptions) *signInOptions {
	o := &signInOptions{native: C.tokenkit_sign_in_options_new()}
	o.setString("scope", opts.Scope, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_sign_in_options_set_scope(o.native, v, e)
	})
	o.setters.params(opts.Params, func(name, value *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_sign_in_options_add_param(o.native, name, value, e)
	})
	if opts.Port != 0 {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_sign_in_options_set_port(o.native, C.int32_t(opts.Port), e)
		})
	}
	if opts.Timeout != 0 {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_sign_in_options_set_timeout_ms(o.native, millis(opts.Timeout), e)
		})
	}
	return o
}

func (o *signInOptions) openURL(handle C.uintptr_t) {
	o.set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tkgo_sign_in_options_set_open_url(o.native, handle, e)
	})
}

func (o *signInOptions) cancel(flag *C.tokenkit_cancel) {
	if flag != nil {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_sign_in_options_set_cancel(o.native, flag, e)
		})
	}
}

func (o *signInOptions) free() {
	C.tokenkit_sign_in_options_free(o.native)
	o.a.release()
}

// deviceOptions is a tokenkit_device_options.
type deviceOptions struct {
	setters
	native *C.tokenkit_device_options
}

// newDeviceOptions makes the options of a device authorization request (scope and PKCE apply to
// it), or with forPoll those of its polls (only the parameters, which go with every poll).
func newDeviceOptions(opts *DeviceOptions, forPoll bool) *deviceOptions {
	o := &deviceOptions{native: C.tokenkit_device_options_new()}
	if !forPoll {
		o.setString("scope", opts.Scope, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_device_options_set_scope(o.native, v, e)
		})
		if opts.PKCE {
			o.set(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_device_options_set_pkce(o.native, 1, e)
			})
		}
	}
	o.setters.params(opts.Params, func(name, value *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_device_options_add_param(o.native, name, value, e)
	})
	return o
}

func (o *deviceOptions) onPrompt(handle C.uintptr_t) {
	o.set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tkgo_device_options_set_on_prompt(o.native, handle, e)
	})
}

func (o *deviceOptions) onPoll(handle C.uintptr_t) {
	o.set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tkgo_device_options_set_on_poll(o.native, handle, e)
	})
}

func (o *deviceOptions) cancel(flag *C.tokenkit_cancel) {
	if flag != nil {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_device_options_set_cancel(o.native, flag, e)
		})
	}
}

func (o *deviceOptions) free() {
	C.tokenkit_device_options_free(o.native)
	o.a.release()
}

// sourceOptions is a tokenkit_source_options.
type sourceOptions struct {
	setters
	native *C.tokenkit_source_options
}

func newSourceOptions(opts *TokenSourceOptions) *sourceOptions {
	o := &sourceOptions{native: C.tokenkit_source_options_new()}
	if opts.Skew != nil {
		o.set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_options_set_skew_ms(o.native, millis(*opts.Skew), e)
		})
	}
	return o
}

func (o *sourceOptions) refreshToken(refreshToken string) {
	o.setString("refresh_token", refreshToken, func(v *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_source_options_set_refresh_token(o.native, v, e)
	})
}

func (o *sourceOptions) onChange(handle C.uintptr_t) {
	o.set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tkgo_source_options_set_on_change(o.native, handle, e)
	})
}

func (o *sourceOptions) free() {
	C.tokenkit_source_options_free(o.native)
	o.a.release()
}
