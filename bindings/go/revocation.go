package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"encoding/json"
	"time"
)

// Revoke revokes token (RFC 7009, or Works with Nest's DELETE when Config.RevocationStyle or the
// preset says so). hint is the token_type_hint, "access_token" or "refresh_token", or "" for none.
// It needs a revocation endpoint (Config.RevocationEndpoint, Preset or Issuer). A token the server
// did not know is revoked fine (RFC 7009 §2.2). Retried like Refresh.
func (c *Client) Revoke(token, hint string) error {
	var a callArgs
	defer a.release()
	ctoken := a.required("token", token)
	chint := a.optional("token_type_hint", hint)
	if a.err != nil {
		return a.err
	}
	return c.use(func(h *C.tokenkit_client) error {
		return check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_revoke(h, ctoken, chint, errp)
		})
	})
}

// Introspection is an introspection response (RFC 7662 §2.2), copied into Go memory.
type Introspection struct {
	// Active is whether the token is currently active; the other fields are usually absent when
	// it is not.
	Active bool
	// Scope, ClientID and Sub are "" when absent.
	Scope    string
	ClientID string
	Sub      string
	// Exp is the token's expiry, to the second; the zero Time when absent.
	Exp time.Time
	// Raw is every field the server sent, as a JSON object.
	Raw json.RawMessage
}

// Introspect asks the introspection endpoint about token (RFC 7662). hint is the
// token_type_hint, or "" for none. It needs an introspection endpoint (Config.IntrospectionEndpoint
// or Issuer) and, at most servers, a confidential client.
func (c *Client) Introspect(token, hint string) (*Introspection, error) {
	var a callArgs
	defer a.release()
	ctoken := a.required("token", token)
	chint := a.optional("token_type_hint", hint)
	if a.err != nil {
		return nil, a.err
	}
	var info *Introspection
	err := c.use(func(h *C.tokenkit_client) error {
		var native *C.tokenkit_introspection
		err := check(func(errp **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_client_introspect(h, ctoken, chint, &native, errp)
		})
		defer C.tokenkit_introspection_free(native)
		if err != nil {
			return err
		}
		info = &Introspection{
			Active:   C.tokenkit_introspection_active(native) == 1,
			Scope:    takeString(C.tokenkit_introspection_scope(native)),
			ClientID: takeString(C.tokenkit_introspection_client_id(native)),
			Sub:      takeString(C.tokenkit_introspection_sub(native)),
			Raw:      takeBytes(C.tokenkit_introspection_json(native)),
		}
		if exp := int64(C.tokenkit_introspection_exp(native)); exp != -1 { // -1 is the ABI's "absent"
			info.Exp = time.Unix(exp, 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}
