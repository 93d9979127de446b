package tokenkit_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

func TestRevokeThenIntrospect(t *testing.T) {
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	token := tokenExpiringIn(t, client, "3600")

	info, err := client.Introspect(bg, token.AccessToken, "access_token")
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	if !info.Active || info.ClientID != "demo-client" || info.Scope != "read" ||
		info.Exp.Before(time.Now()) || info.Exp.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("introspection %+v", info)
	}
	var raw map[string]any
	if err := json.Unmarshal(info.Raw, &raw); err != nil || raw["active"] != true {
		t.Errorf("Raw %s: %v", info.Raw, err)
	}

	if err := client.Revoke(bg, token.AccessToken, "access_token"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	info, err = client.Introspect(bg, token.AccessToken, "")
	if err != nil || info.Active || !info.Exp.IsZero() || info.ClientID != "" {
		t.Errorf("after revocation: %+v %v", info, err)
	}

	if err := client.Revoke(bg, token.RefreshToken, "refresh_token"); err != nil {
		t.Errorf("Revoke refresh token: %v", err)
	}
	_, err = client.Refresh(bg, token.RefreshToken, "")
	asError(t, err, tokenkit.OAuth)
	if err := client.Revoke(bg, "never-issued", ""); err != nil {
		t.Errorf("an unknown token revokes fine (RFC 7009 §2.2): %v", err)
	}
	err = client.Revoke(bg, token.AccessToken, "bogus_hint")
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "unsupported_token_type" {
		t.Errorf("bad hint: %+v", e)
	}
	mustContain(t, "empty token", asError(t, client.Revoke(bg, "", ""), tokenkit.InvalidArgument).Message, "token")
	_, err = client.Introspect(bg, "a\x00", "")
	asError(t, err, tokenkit.InvalidArgument)

	// No endpoints configured: the library names them.
	bare := newClient(t, demoConfig(t, "/token"))
	mustContain(t, "no revocation endpoint", asError(t, bare.Revoke(bg, "t", ""), tokenkit.InvalidArgument).Message, "revocation_endpoint")
	_, err = bare.Introspect(bg, "t", "")
	mustContain(t, "no introspection endpoint", asError(t, err, tokenkit.InvalidArgument).Message, "introspection_endpoint")

	// A public client may not introspect at the mock server.
	public := newClient(t, flowConfig(t, "/token", "public-client", ""))
	_, err = public.Introspect(bg, token.AccessToken, "")
	asError(t, err, tokenkit.OAuth)
}

// Works with Nest revokes with DELETE <endpoint>/<token>: a 404 for a token it does not know.
func TestRevokeNestDelete(t *testing.T) {
	srv := server(t)
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	token := tokenExpiringIn(t, client, "3600")
	cfg := demoConfig(t, "/token")
	cfg.RevocationEndpoint = srv + "/oauth2/access_tokens"
	cfg.RevocationStyle = tokenkit.RevocationNestDelete
	nest := newClient(t, cfg)
	if err := nest.Revoke(bg, token.AccessToken, ""); err != nil {
		t.Fatalf("DELETE: %v", err)
	}
	if info, err := client.Introspect(bg, token.AccessToken, ""); err != nil || info.Active {
		t.Errorf("after DELETE: %+v %v", info, err)
	}
	var e *tokenkit.Error
	if err := nest.Revoke(bg, "never-issued", ""); !errors.As(err, &e) || e.HTTPStatus != 404 {
		t.Errorf("an unknown token: %v", err)
	}
	if tokenkit.RevocationNestDelete.String() != "nest_delete" || tokenkit.RevocationRFC7009.String() != "rfc7009" {
		t.Error("RevocationStyle names")
	}
	cfg.RevocationStyle = 9
	_, err := tokenkit.NewClient(bg, cfg)
	mustContain(t, "unknown style", asError(t, err, tokenkit.InvalidArgument).Message, "revocation style")
}
