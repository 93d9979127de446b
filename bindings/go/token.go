package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"encoding/json"
	"fmt"
	"time"
)

// Token is a successful token response (RFC 6749 §5.1), copied into Go memory; the native token
// is freed (and zeroized) before the call that made it returns.
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
	// ExpiresIn is the lifetime in seconds as the server sent it (a number or a numeric string),
	// or 0 when it sent none; Expiry.IsZero() tells "none" apart from an explicit 0.
	ExpiresIn int64
	// Expiry is the arrival time plus ExpiresIn, to the second; the zero Time when unknown.
	Expiry time.Time
	// Raw is every field the server sent, as a JSON object (a form-encoded answer becomes an
	// object of strings).
	Raw json.RawMessage
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

func tokenFromNative(native *C.tokenkit_token) *Token {
	t := &Token{
		AccessToken:  takeString(C.tokenkit_token_access_token(native)),
		TokenType:    takeString(C.tokenkit_token_token_type(native)),
		RefreshToken: takeString(C.tokenkit_token_refresh_token(native)),
		Scope:        takeString(C.tokenkit_token_scope(native)),
		IDToken:      takeString(C.tokenkit_token_id_token(native)),
		Raw:          takeBytes(C.tokenkit_token_json(native)),
	}
	// -1 is the ABI's "absent" (so a server's literal expires_in of -1 reads as absent too).
	if in := int64(C.tokenkit_token_expires_in(native)); in != -1 {
		t.ExpiresIn = in
	}
	if at := int64(C.tokenkit_token_expires_at(native)); at != -1 {
		t.Expiry = time.Unix(at, 0)
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
