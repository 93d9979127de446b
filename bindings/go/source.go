package tokenkit

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// TokenSource hands out a valid access token, refreshing it when it is within the skew of its
// expiry, or on demand. However many goroutines ask at once, one refresh request is in flight;
// the others wait for it and share its result. When the server sends no new refresh token the old
// one is kept (RFC 6749 §6). All of this is the native library's tokenkit_source.
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
}

// liveSources counts native sources not yet freed; the tests use it to see that the finalizer runs.
var liveSources atomic.Int64

// TokenSourceOptions are the optional settings of a TokenSource.
type TokenSourceOptions struct {
	// Skew is how long before its expiry a token counts as expired and is refreshed. Zero is the
	// library's default, 60 s; other values are rounded up to whole seconds. Negative values are
	// refused.
	Skew time.Duration
	// OnChange is told about every new token, after each successful refresh, so that a rotated
	// refresh token can be persisted (Token.RefreshToken is the one in use: the old one when the
	// server sent none). It is called on the thread of the Token, AccessToken or Refresh call that
	// performed the refresh, before that call returns, so in that call's goroutine (the
	// trampoline also works on threads the Go runtime did not create). Calls never
	// overlap (each happens after the previous one, in the sense of the Go memory model), and it
	// must return promptly. It must not call the source's methods: Token, AccessToken and Refresh
	// would deadlock in the library, and Save and Close contend with the call in progress; persist
	// the token it receives. A panic in it is recovered before it can unwind through the library
	// and re-raised by the call on the source that returns next, normally the one whose refresh
	// called it.
	OnChange func(*Token)
}

// NewTokenSource makes a token source from token. A token with only RefreshToken set (e.g.
// &Token{RefreshToken: saved}) makes a source whose first use refreshes. The source is made from
// the token's fields (AccessToken, TokenType, Expiry, RefreshToken, Scope, IDToken); Raw is not
// kept, and a zero Expiry means the access token never expires (until Refresh). It makes no
// request.
func (c *Client) NewTokenSource(token *Token, opts TokenSourceOptions) (*TokenSource, error) {
	var a callArgs
	defer a.release()
	skew, err := skewSeconds(opts.Skew)
	if err != nil {
		return nil, err
	}
	// The C ABI has no constructor for a tokenkit_token: a token crosses in the persisted form
	// tokenkit_source_from_json reads.
	var saved, refreshToken *C.char
	switch {
	case token == nil:
		// NULL and NULL: the library says what is missing.
	case token.AccessToken == "":
		refreshToken = a.optional("refresh_token", token.RefreshToken)
	default:
		doc := savedToken(token)
		saved = a.required("token", string(doc))
		clear(doc)
	}
	if a.err != nil {
		return nil, a.err
	}
	return c.newTokenSource(opts, func(h *C.tokenkit_client, onChange C.uintptr_t, out **C.tokenkit_source, errp **C.tokenkit_error) C.tokenkit_status {
		if saved != nil {
			return C.tkgo_source_from_json(h, saved, skew, onChange, out, errp)
		}
		return C.tkgo_source_new(h, nil, refreshToken, skew, onChange, out, errp)
	})
}

// LoadTokenSource makes a token source from what TokenSource.Save returned (or any JSON object
// with at least a refresh_token). It makes no request.
func LoadTokenSource(client *Client, saved []byte, opts TokenSourceOptions) (*TokenSource, error) {
	var a callArgs
	defer a.release()
	skew, err := skewSeconds(opts.Skew)
	if err != nil {
		return nil, err
	}
	csaved := a.required("saved token", string(saved))
	if a.err != nil {
		return nil, a.err
	}
	return client.newTokenSource(opts, func(h *C.tokenkit_client, onChange C.uintptr_t, out **C.tokenkit_source, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tkgo_source_from_json(h, csaved, skew, onChange, out, errp)
	})
}

// newTokenSource runs one of the two native constructors with the OnChange trampoline.
func (c *Client) newTokenSource(opts TokenSourceOptions, construct func(h *C.tokenkit_client, onChange C.uintptr_t, out **C.tokenkit_source, errp **C.tokenkit_error) C.tokenkit_status) (*TokenSource, error) {
	ts := &TokenSource{deleteHandle: func() {}}
	var handle C.uintptr_t
	if opts.OnChange != nil {
		ts.onChange = &callback{onChange: opts.OnChange}
		handle, ts.deleteHandle = ts.onChange.newHandle()
	}
	var native *C.tokenkit_source
	err := c.use(func(h *C.tokenkit_client) error {
		return check(func(errp **C.tokenkit_error) C.tokenkit_status { return construct(h, handle, &native, errp) })
	})
	if err != nil {
		ts.deleteHandle()
		return nil, err
	}
	ts.handle = native
	liveSources.Add(1)
	runtime.SetFinalizer(ts, (*TokenSource).free)
	return ts, nil
}

// skewSeconds is the ABI's skew_seconds: -1 for the default, else whole seconds rounded up.
func skewSeconds(skew time.Duration) (C.int64_t, error) {
	switch {
	case skew == 0:
		return -1, nil
	case skew < 0:
		return 0, &Error{Kind: InvalidArgument, Message: "skew must not be negative, got " + skew.String()}
	}
	return C.int64_t((skew + time.Second - 1) / time.Second), nil
}

// savedToken is token in the form tokenkit_source_to_json writes.
func savedToken(t *Token) []byte {
	var expiresAt *int64
	if !t.Expiry.IsZero() {
		at := t.Expiry.Unix()
		expiresAt = &at
	}
	doc, err := json.Marshal(struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type,omitempty"`
		ExpiresAt    *int64 `json:"expires_at,omitempty"`
		RefreshToken string `json:"refresh_token,omitempty"`
		Scope        string `json:"scope,omitempty"`
		IDToken      string `json:"id_token,omitempty"`
	}{t.AccessToken, t.TokenType, expiresAt, t.RefreshToken, t.Scope, t.IDToken})
	if err != nil {
		panic("tokenkit: encoding a token: " + err.Error()) // strings and an integer always encode
	}
	return doc
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

// AccessToken is Token().AccessToken, without copying the rest.
func (ts *TokenSource) AccessToken() (string, error) {
	var accessToken string
	err := ts.use(func(h *C.tokenkit_source) error {
		var out *C.char
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_source_access_token(h, &out, errp)
		})
		accessToken = takeString(out)
		return err
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

// Save returns the source's state to persist, as a JSON object (access_token, token_type,
// expires_at, refresh_token, scope, id_token): secrets, to be stored as such. LoadTokenSource
// reads it back. It makes no request.
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
	ts.onChange.repanic()
	return err
}
