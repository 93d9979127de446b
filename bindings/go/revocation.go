package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"context"
	"encoding/json"
	"time"
)

// Revoke revokes token (RFC 7009, or Works with Nest's DELETE when Config.RevocationStyle or the
// preset says so). hint is the token_type_hint, "access_token" or "refresh_token", or "" for none.
// It needs a revocation endpoint (Config.RevocationEndpoint, Preset or Issuer). Any 2xx answer is
// success: a token the server did not know is revoked fine (RFC 7009 §2.2). Retried like
// ClientCredentials.
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	var a callArgs
	defer a.release()
	ctoken := a.required("token", token)
	return c.request(ctx, &a, func(o *requestOptions) {
		o.tokenTypeHint(hint)
	}, func(h *C.tokenkit_client, o *C.tokenkit_request_options) error {
		return check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_revoke(h, ctoken, o, errp)
		})
	})
}

// Introspection is an introspection response (RFC 7662 §2.2), copied into Go memory.
type Introspection struct {
	// Active is whether the token is currently active; the other fields are usually absent when
	// it is not.
	Active bool
	// Scope, ClientID, Username, TokenType and Sub are "" when absent.
	Scope     string
	ClientID  string
	Username  string
	TokenType string
	Sub       string
	// Exp is the token's expiry and Iat when it was issued, to the second; the zero Time when
	// absent.
	Exp time.Time
	Iat time.Time
	// Raw is every field the server sent, as a JSON object.
	Raw json.RawMessage
}

// Introspect asks the introspection endpoint about token (RFC 7662). hint is the
// token_type_hint, or "" for none. It needs an introspection endpoint (Config.IntrospectionEndpoint
// or Issuer) and, at most servers, a confidential client.
func (c *Client) Introspect(ctx context.Context, token, hint string) (*Introspection, error) {
	var a callArgs
	defer a.release()
	ctoken := a.required("token", token)
	var info *Introspection
	err := c.request(ctx, &a, func(o *requestOptions) {
		o.tokenTypeHint(hint)
	}, func(h *C.tokenkit_client, o *C.tokenkit_request_options) error {
		var native *C.tokenkit_introspection
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_introspect(h, ctoken, o, &native, errp)
		})
		defer C.tokenkit_introspection_free(native) // after the copies below
		if err != nil {
			return err
		}
		info = &Introspection{
			Active:    C.tokenkit_introspection_active(native) == 1,
			Scope:     borrowedString(C.tokenkit_introspection_scope(native)),
			ClientID:  borrowedString(C.tokenkit_introspection_client_id(native)),
			Username:  borrowedString(C.tokenkit_introspection_username(native)),
			TokenType: borrowedString(C.tokenkit_introspection_token_type(native)),
			Sub:       borrowedString(C.tokenkit_introspection_sub(native)),
			Raw:       borrowedBytes(C.tokenkit_introspection_json(native)),
		}
		var exp, iat C.int64_t
		if C.tokenkit_introspection_exp(native, &exp) == 1 {
			info.Exp = time.Unix(int64(exp), 0)
		}
		if C.tokenkit_introspection_iat(native, &iat) == 1 {
			info.Iat = time.Unix(int64(iat), 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}
