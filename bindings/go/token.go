package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Token is a token (RFC 6749 §5.1), copied into Go memory; the native token is freed (and
// zeroized) before the call that made it returns.
//
// A Token that tokenkit made (a grant, a TokenSource, TokenFromJSON, json.Unmarshal) also keeps
// its saved form, tokenkit's JSON: json.Marshal writes it and json.Unmarshal or TokenFromJSON
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

// madeToken is a token's saved form, and the fields it was made with: a Token whose fields were
// changed since is not saved as it was.
type madeToken struct {
	saved                                                []byte
	accessToken, tokenType, refreshToken, scope, idToken string
	expiry                                               int64
}

func (m *madeToken) matches(t *Token) bool {
	var expiry int64
	if !t.Expiry.IsZero() {
		expiry = t.Expiry.Unix()
	}
	return m.accessToken == t.AccessToken && m.tokenType == t.TokenType && m.refreshToken == t.RefreshToken &&
		m.scope == t.Scope && m.idToken == t.IDToken && m.expiry == expiry
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
	return t.made.saved, nil
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
	var native *C.tokenkit_token
	err := check(func(errp **C.tokenkit_error) C.tokenkit_status { return call(&native, errp) })
	defer C.tokenkit_token_free(native) // outputs are freed unconditionally (NULL on failure)
	if err != nil {
		return nil, err
	}
	return tokenFromNative(native), nil
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
	var saved *C.char
	if check(func(errp **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_token_to_json(native, &saved, errp)
	}) == nil {
		t.made = &madeToken{saved: takeBytes(saved), accessToken: t.AccessToken, tokenType: t.TokenType,
			refreshToken: t.RefreshToken, scope: t.Scope, idToken: t.IDToken}
		if !t.Expiry.IsZero() {
			t.made.expiry = t.Expiry.Unix()
		}
	}
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
