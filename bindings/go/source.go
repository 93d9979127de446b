package tokenkit

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// TokenSource hands out a valid access token, refreshing it when it is within the skew of its
// expiry, or on demand. However many goroutines ask at once, one refresh request is in flight;
// the others wait for it and share its result. When the server sends no new refresh token the old
// one is kept (RFC 6749 §6). All of this is the native library's tokenkit_source.
//
// Its calls take no context: the C ABI's token source has no cancel flag, so Config.Timeout bounds
// a refresh.
//
// It is safe for concurrent use. It holds its own reference to the native client, so the Client
// it was made from may be closed first. Close it when done: a finalizer frees a forgotten one,
// unless its OnChange refers to the source itself, which keeps it reachable.
type TokenSource struct {
	// mu guards handle as Client.mu guards the client's.
	mu     sync.RWMutex
	handle *C.tokenkit_source
	// onChange is nil without an OnChange; deleteHandle deletes its cgo.Handle.
	onChange     *callback
	deleteHandle func()
	// log is the client's Config.Log, which the source's refreshes call: held until it is freed.
	log *logSink
	// tokenSize is the buffer AccessToken starts with: the last access token's length + 1.
	tokenSize atomic.Int64
}

// liveSources counts native sources not yet freed; the tests use it to see that the finalizer runs.
var liveSources atomic.Int64

// TokenSourceOptions are the optional settings of a TokenSource.
type TokenSourceOptions struct {
	// Skew is how long before its expiry a token counts as expired and is refreshed, rounded up
	// to whole milliseconds: nil is the library's default, 60 s; a pointer to 0 (new(time.Duration))
	// uses a token until it expires. Keep it below the server's token lifetime, or every use
	// refreshes. Negative values are refused.
	Skew *time.Duration
	// OnChange is told about every new token, after each successful refresh, so that a rotated
	// refresh token can be persisted (Token.RefreshToken is the one in use: the old one when the
	// server sent none). It is called on the thread of the Token, AccessToken or Refresh call that
	// performed the refresh, before that call returns, so in that call's goroutine (the
	// trampoline also works on threads the Go runtime did not create). Calls never
	// overlap (each happens after the previous one, in the sense of the Go memory model), and it
	// must return promptly. It must not call the source's methods: Token, AccessToken and Refresh
	// would fail, and Save and Close contend with the call in progress; persist the token it
	// receives (json.Marshal writes it in the saved format). A panic in it is recovered before it
	// can unwind through the library and re-raised by the call on the source that returns next,
	// normally the one whose refresh called it.
	OnChange func(*Token)
}

// NewTokenSource makes a token source from token, one tokenkit returned (a grant, a TokenSource,
// TokenFromJSON), which the source starts from as the library saved it. A Token built by hand
// with only RefreshToken set (e.g. &Token{RefreshToken: saved}) makes a source whose first use
// refreshes; any other Token built or changed by hand is refused. It makes no request.
func (c *Client) NewTokenSource(token *Token, opts TokenSourceOptions) (*TokenSource, error) {
	var a callArgs
	defer a.release()
	var saved *C.char
	var refreshToken string
	switch {
	case token == nil:
		// NULL and no refresh token: the library says what is missing.
	case token.made == nil && token.AccessToken == "":
		refreshToken = token.RefreshToken
	default:
		doc, err := token.savedForm()
		if err != nil {
			return nil, err
		}
		saved = a.required("token", string(doc))
	}
	if a.err != nil {
		return nil, a.err
	}
	return c.newTokenSource(opts, func(h *C.tokenkit_client, o *sourceOptions, out **C.tokenkit_source) error {
		if o.refreshToken(refreshToken); o.err != nil {
			return o.err
		}
		var native *C.tokenkit_token
		if saved != nil {
			if err := check(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_token_from_json(saved, &native, e)
			}); err != nil {
				return err
			}
			defer C.tokenkit_token_free(native) // the source keeps its own reference
		}
		return check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_new(h, native, o.native, out, e)
		})
	})
}

// LoadTokenSource makes a token source from what TokenSource.Save or json.Marshal of a Token
// wrote (or any JSON object with an access_token or a refresh_token). It makes no request.
func LoadTokenSource(client *Client, saved []byte, opts TokenSourceOptions) (*TokenSource, error) {
	var a callArgs
	defer a.release()
	csaved := a.required("saved token", string(saved))
	if a.err != nil {
		return nil, a.err
	}
	return client.newTokenSource(opts, func(h *C.tokenkit_client, o *sourceOptions, out **C.tokenkit_source) error {
		return check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_from_json(h, csaved, o.native, out, e)
		})
	})
}

// NewStoreTokenSource makes a token source backed by profile name of store: it starts from the
// saved token, and each refresh goes through the store (as Store.Token does), so that processes
// sharing the profile refresh once, take up the token another process saved, and never spend a
// rotated refresh token twice; the new token is saved before it is returned. It refreshes
// through client, and holds its own reference to the store, which may be closed first. It makes
// no request. opts.OnChange is told of each new token as usual (the store has saved it already).
func NewStoreTokenSource(client *Client, store *Store, name string, opts TokenSourceOptions) (*TokenSource, error) {
	return client.newTokenSource(opts, func(h *C.tokenkit_client, o *sourceOptions, out **C.tokenkit_source) error {
		return store.named(name, func(s *C.tokenkit_store, cname *C.char) error {
			return check(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_source_from_store(h, s, cname, o.native, out, e)
			})
		})
	})
}

// newTokenSource runs one of the native constructors with the source options of opts.
func (c *Client) newTokenSource(opts TokenSourceOptions, construct func(h *C.tokenkit_client, o *sourceOptions, out **C.tokenkit_source) error) (*TokenSource, error) {
	ts := &TokenSource{deleteHandle: func() {}}
	o := newSourceOptions(&opts)
	defer o.free()
	if opts.OnChange != nil {
		ts.onChange = &callback{onChange: opts.OnChange}
		var handle C.uintptr_t
		handle, ts.deleteHandle = ts.onChange.newHandle()
		o.onChange(handle)
	}
	var native *C.tokenkit_source
	err := o.err
	if err == nil {
		err = c.use(func(h *C.tokenkit_client) error { return construct(h, o, &native) })
	}
	if err != nil {
		ts.deleteHandle()
		return nil, err
	}
	ts.handle = native
	ts.log = c.log.retain()
	liveSources.Add(1)
	runtime.SetFinalizer(ts, (*TokenSource).free)
	return ts, nil
}

// Token returns a valid token, refreshing it first when it is within the skew of its expiry. A
// fresh cached token costs no request. Without a refresh token, an expired token is an
// InvalidArgument error; a failed refresh is the error of Client.Refresh.
func (ts *TokenSource) Token() (*Token, error) {
	var token *Token
	err := ts.use(func(h *C.tokenkit_source) (err error) {
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_token(h, out, errp)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// AccessToken is Token().AccessToken, without copying the rest. A fresh token costs one cgo call
// that copies the access token straight into the string's memory: no native allocation and no
// second call to free it.
func (ts *TokenSource) AccessToken() (string, error) {
	var accessToken string
	err := ts.use(func(h *C.tokenkit_source) error {
		size := int(ts.tokenSize.Load())
		for {
			buf := make([]byte, max(size, 64))
			var length C.int64_t
			var native *C.tokenkit_error
			status := C.tokenkit_source_access_token_copy(h, (*C.char)(unsafe.Pointer(&buf[0])), C.int64_t(len(buf)), &length, &native)
			if status != C.TOKENKIT_STATUS_OK {
				return errorFromNative(status, native)
			}
			if n := int(length); n < len(buf) {
				accessToken = unsafe.String(&buf[0], n)
				return nil
			}
			// A longer token than the last one: ask again with room for it.
			size = int(length) + 1
			ts.tokenSize.Store(int64(size))
		}
	})
	return accessToken, err
}

// Refresh refreshes now, whatever the expiry (e.g. after the resource server refused the token);
// goroutines that ask together share one refresh.
func (ts *TokenSource) Refresh() (*Token, error) {
	var token *Token
	err := ts.use(func(h *C.tokenkit_source) (err error) {
		token, err = receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_refresh(h, out, errp)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// Save returns the source's state to persist, in tokenkit's saved format (the current token, or
// only the refresh token): secrets, to be stored as such. LoadTokenSource reads it back. It makes
// no request.
func (ts *TokenSource) Save() ([]byte, error) {
	var saved []byte
	err := ts.use(func(h *C.tokenkit_source) error {
		var out *C.char
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_to_json(h, &out, errp)
		})
		saved = takeBytes(out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}

// MarshalJSON is Save, so that json.Marshal of a struct holding a *TokenSource persists it.
func (ts *TokenSource) MarshalJSON() ([]byte, error) { return ts.Save() }

// Close frees the native source, zeroizing its tokens, and releases OnChange. It waits for calls
// running on the source. Closing twice is fine; after Close every method returns an *Error of
// kind InvalidArgument.
func (ts *TokenSource) Close() error {
	if ts == nil {
		return nil
	}
	ts.free()
	runtime.SetFinalizer(ts, nil)
	return nil
}

func (ts *TokenSource) free() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.handle != nil {
		C.tokenkit_source_free(ts.handle)
		ts.handle = nil
		ts.deleteHandle() // after the free: no callback can come any more
		ts.log.release()
		liveSources.Add(-1)
	}
}

// use runs f with the live native source under the read lock, then re-raises a panic of OnChange.
func (ts *TokenSource) use(f func(h *C.tokenkit_source) error) error {
	if ts == nil {
		return &Error{Kind: InvalidArgument, Message: "token source is nil"}
	}
	err := func() error {
		ts.mu.RLock()
		defer ts.mu.RUnlock()
		if ts.handle == nil {
			return &Error{Kind: InvalidArgument, Message: "token source is closed"}
		}
		err := f(ts.handle)
		runtime.KeepAlive(ts)
		return err
	}()
	return ts.log.finish(ts.onChange.finish(err))
}
