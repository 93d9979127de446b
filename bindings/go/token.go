package tokenkit

/*
#include "tokenkit.h"
#include "tokencall.h"
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// Token is a token (RFC 6749 §5.1), copied into Go memory; the native token is freed (and
// zeroized) before the call that made it returns.
//
// A Token that tokenkit made (a grant, a TokenSource, TokenFromJSON, json.Unmarshal) also has
// a saved form, tokenkit's JSON, made by the library when first asked for: json.Marshal writes it and json.Unmarshal or TokenFromJSON
// reads it back, and NewTokenSource starts from it. A Token built by hand has none.
type Token struct {
	AccessToken string
	// TokenType is "Bearer" when the server sent any case of it, or none.
	TokenType string
	// RefreshToken is "" when the server sent none; after a refresh that means the old refresh
	// token stays valid.
	RefreshToken string
	// Scope is the granted scope, or "" when the server sent none.
	Scope string
	// IDToken is the OpenID Connect id_token, or "".
	IDToken string
	// ExpiresIn is the lifetime in seconds as the server sent it (a number or a numeric string;
	// for a token read back, the time left then), or 0 when unknown; Expiry.IsZero() tells
	// "unknown" apart from an explicit 0.
	ExpiresIn int64
	// Expiry is the arrival time plus ExpiresIn, to the second; the zero Time when unknown.
	Expiry time.Time
	// Raw is every field the server sent, as a JSON object (a form-encoded answer becomes an
	// object of strings); for a token read back, the JSON it was read from.
	Raw json.RawMessage

	// made is the token as tokenkit made it, nil for a Token built by hand.
	made *madeToken
}

// madeToken is the fields a token was made with, and its saved form: a Token whose fields were
// changed since is not saved as it was. The saved form is made when first asked for (most tokens
// are only used, never saved): the library reads the fields back and writes its format.
type madeToken struct {
	accessToken, tokenType, refreshToken, scope, idToken string
	expiry                                               int64
	hasExpiry                                            bool

	once  sync.Once
	saved []byte
	err   error
}

func newMadeToken(t *Token) *madeToken {
	m := &madeToken{accessToken: t.AccessToken, tokenType: t.TokenType, refreshToken: t.RefreshToken,
		scope: t.Scope, idToken: t.IDToken, hasExpiry: !t.Expiry.IsZero()}
	if m.hasExpiry {
		m.expiry = t.Expiry.Unix()
	}
	return m
}

// savedForm asks the library for the saved form of the fields: tokenkit_token_from_json reads
// them (the saved format's names), tokenkit_token_to_json writes the format.
func (m *madeToken) savedForm() ([]byte, error) {
	m.once.Do(func() {
		fields := struct {
			AccessToken  string `json:"access_token"`
			TokenType    string `json:"token_type,omitempty"`
			ExpiresAt    *int64 `json:"expires_at,omitempty"`
			RefreshToken string `json:"refresh_token,omitempty"`
			Scope        string `json:"scope,omitempty"`
			IDToken      string `json:"id_token,omitempty"`
		}{m.accessToken, m.tokenType, nil, m.refreshToken, m.scope, m.idToken}
		if m.hasExpiry {
			fields.ExpiresAt = &m.expiry
		}
		doc, err := json.Marshal(fields)
		if err != nil {
			m.err = &Error{Kind: Internal, Message: "token: " + err.Error()}
			return
		}
		// NUL-terminated in place (json.Marshal escapes a NUL inside a string), lent to C for
		// the call and wiped after it: no string copy of the tokens is left behind.
		doc = append(doc, 0)
		defer clear(doc)
		cdoc := (*C.char)(unsafe.Pointer(&doc[0]))
		var native *C.tokenkit_token
		defer func() { C.tokenkit_token_free(native) }()
		if m.err = check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_token_from_json(cdoc, &native, e)
		}); m.err != nil {
			return
		}
		var saved *C.char
		if m.err = check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_token_to_json(native, &saved, e)
		}); m.err == nil {
			m.saved = takeBytes(saved)
		}
	})
	return m.saved, m.err
}

func (m *madeToken) matches(t *Token) bool {
	if m.hasExpiry != !t.Expiry.IsZero() || (m.hasExpiry && m.expiry != t.Expiry.Unix()) {
		return false
	}
	return m.accessToken == t.AccessToken && m.tokenType == t.TokenType && m.refreshToken == t.RefreshToken &&
		m.scope == t.Scope && m.idToken == t.IDToken
}

// savedForm is the token's saved form, or an error for a Token built or changed by hand.
func (t *Token) savedForm() ([]byte, error) {
	switch {
	case t.made == nil:
		return nil, &Error{Kind: InvalidArgument, Message: "token: a Token built by hand has no saved form; " +
			"use one tokenkit returned, or read one with TokenFromJSON"}
	case !t.made.matches(t):
		return nil, &Error{Kind: InvalidArgument, Message: "token: its fields were changed after tokenkit made it; " +
			"use the token tokenkit returned"}
	}
	return t.made.savedForm()
}

// MarshalJSON writes the token in tokenkit's saved format (access_token, token_type, expires_at,
// refresh_token, scope, id_token), made by the library: secrets, to be stored as such. It fails
// for a Token built or changed by hand.
func (t Token) MarshalJSON() ([]byte, error) {
	saved, err := t.savedForm()
	if err != nil {
		return nil, err
	}
	return bytes.Clone(saved), nil
}

// UnmarshalJSON reads a token as TokenFromJSON does.
func (t *Token) UnmarshalJSON(data []byte) error {
	token, err := TokenFromJSON(data)
	if err != nil {
		return err
	}
	*t = *token
	return nil
}

// TokenFromJSON reads a token from tokenkit's saved format (what json.Marshal of a Token or
// TokenSource.Save wrote), or from any JSON object with a non-empty access_token. Its Raw is data.
func TokenFromJSON(data []byte) (*Token, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var a callArgs
	defer a.release()
	cjson := a.required("saved token", string(data))
	if a.err != nil {
		return nil, a.err
	}
	return receiveToken(func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_token_from_json(cjson, out, errp)
	})
}

// receiveToken runs a C function that makes a token and copies the token out.
func receiveToken(call func(out **C.tokenkit_token, errp **C.tokenkit_error) C.tokenkit_status) (*Token, error) {
	return copyToken(func(buf *tokenBuffer, fields *C.tkgo_token_fields) (*C.tokenkit_token, error) {
		var native *C.tokenkit_token
		if err := check(func(errp **C.tokenkit_error) C.tokenkit_status { return call(&native, errp) }); err != nil {
			C.tokenkit_token_free(native) // outputs are freed unconditionally (NULL on failure)
			return nil, err
		}
		if C.tkgo_take_token(native, buf.c(), C.size_t(len(buf)), fields) == 1 {
			return nil, nil
		}
		return native, nil
	})
}

// copyToken runs makeToken, which makes a token and has its fields copied into buf (tkgo_take_token),
// or returns the token that did not fit: that one is copied field by field and freed.
func copyToken(makeToken func(buf *tokenBuffer, fields *C.tkgo_token_fields) (*C.tokenkit_token, error)) (*Token, error) {
	buf := tokenBuffers.Get().(*tokenBuffer)
	defer buf.release()
	var fields C.tkgo_token_fields
	left, err := makeToken(buf, &fields)
	if err != nil {
		return nil, err
	}
	if left != nil {
		defer C.tokenkit_token_free(left)
		return tokenFromNative(left), nil
	}
	return buf.token(&fields), nil
}

// tokenBuffer is where tkgo_take_token copies a token's fields: most tokens fit, so one cgo call
// copies and frees them (tokencall.h says why that matters). Pooled, and wiped after each use.
type tokenBuffer [8192]byte

var tokenBuffers = sync.Pool{New: func() any { return new(tokenBuffer) }}

func (b *tokenBuffer) c() *C.char { return (*C.char)(unsafe.Pointer(&b[0])) }

// used is how much of the buffer the last token took.
func used(f *C.tkgo_token_fields) int {
	n := 0
	for _, l := range f.len {
		n += max(int(l), 0)
	}
	return n
}

// release returns the buffer, which token has wiped (a token that did not fit left nothing in it).
func (b *tokenBuffer) release() {
	tokenBuffers.Put(b)
}

// token makes the Token from the fields tkgo_take_token copied into b: one string holds them all.
func (b *tokenBuffer) token(f *C.tkgo_token_fields) *Token {
	n := used(f)
	all := string(b[:n])
	clear(b[:n])
	var at int
	next := func(i int) string {
		l := max(int(f.len[i]), 0)
		v := all[at : at+l]
		at += l
		return v
	}
	t := &Token{AccessToken: next(0), TokenType: next(1), RefreshToken: next(2), Scope: next(3), IDToken: next(4)}
	if f.len[5] >= 0 {
		t.Raw = []byte(next(5))
	}
	if f.has_expires_in == 1 {
		t.ExpiresIn = int64(f.expires_in)
	}
	if f.has_expires_at == 1 {
		t.Expiry = time.Unix(int64(f.expires_at), 0)
	}
	t.made = newMadeToken(t)
	return t
}

// tokenFromNative copies a live native token, which stays the caller's to free: its strings are
// borrowed from it.
func tokenFromNative(native *C.tokenkit_token) *Token {
	t := &Token{
		AccessToken:  borrowedString(C.tokenkit_token_access_token(native)),
		TokenType:    borrowedString(C.tokenkit_token_token_type(native)),
		RefreshToken: borrowedString(C.tokenkit_token_refresh_token(native)),
		Scope:        borrowedString(C.tokenkit_token_scope(native)),
		IDToken:      borrowedString(C.tokenkit_token_id_token(native)),
		Raw:          borrowedBytes(C.tokenkit_token_json(native)),
	}
	var in, at C.int64_t
	if C.tokenkit_token_expires_in(native, &in) == 1 {
		t.ExpiresIn = int64(in)
	}
	if C.tokenkit_token_expires_at(native, &at) == 1 {
		t.Expiry = time.Unix(int64(at), 0)
	}
	t.made = newMadeToken(t)
	return t
}

// String shows the token with its secrets redacted, so a logged token leaks nothing.
func (t Token) String() string {
	return fmt.Sprintf("tokenkit.Token{AccessToken: %s, TokenType: %q, RefreshToken: %s, Scope: %q, "+
		"IDToken: %s, ExpiresIn: %d, Expiry: %s}", redact(t.AccessToken), t.TokenType,
		redact(t.RefreshToken), t.Scope, redact(t.IDToken), t.ExpiresIn, t.Expiry.Format(time.RFC3339))
}

// GoString is String, so %#v redacts too.
func (t Token) GoString() string { return t.String() }

func redact(secret string) string {
	if secret == "" {
		return `""`
	}
	return "<redacted>"
}
