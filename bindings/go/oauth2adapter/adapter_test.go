package oauth2adapter_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
	"github.com/tokenkit/tokenkit/bindings/go/internal/testserver"
	"github.com/tokenkit/tokenkit/bindings/go/oauth2adapter"
	"golang.org/x/oauth2"
)

// source is a tokenkit.TokenSource holding a fresh token from the mock server (no refresh is
// needed: the tests of the tokenkit package count the refresh requests the server sees).
func source(t *testing.T) (*tokenkit.TokenSource, *tokenkit.Token) {
	t.Helper()
	client, err := tokenkit.NewClient(context.Background(), tokenkit.Config{TokenEndpoint: testserver.Env(t, "TOKENKIT_TEST_SERVER") + "/token",
		ClientID: "demo-client", ClientSecret: "demo-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	token, err := client.ExchangeCode(context.Background(), testserver.Code(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := client.NewTokenSource(token, tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts, token
}

// oauth2.NewClient sends tokenkit's access token to a resource server.
func TestOAuth2NewClientSendsBearer(t *testing.T) {
	ts, token := source(t)
	var mu sync.Mutex
	var seen []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		io.WriteString(w, "thermostat: 20.5")
	}))
	defer api.Close()
	if !strings.HasPrefix(api.URL, "http://127.0.0.1:") {
		t.Fatalf("the resource server is at %s, not on 127.0.0.1", api.URL)
	}

	httpClient := oauth2.NewClient(context.Background(), oauth2adapter.TokenSource(ts))
	for range 3 {
		resp, err := httpClient.Get(api.URL + "/devices")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "thermostat: 20.5" {
			t.Errorf("%s %q", resp.Status, body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, auth := range seen {
		if auth != "Bearer "+token.AccessToken {
			t.Errorf("Authorization %q, want Bearer and tokenkit's access token", auth)
		}
	}

	// A failing source fails the request with tokenkit's error.
	ts.Close()
	_, err := oauth2.NewClient(context.Background(), oauth2adapter.TokenSource(ts)).Get(api.URL)
	if !errors.Is(err, tokenkit.ErrInvalidArgument) {
		t.Errorf("closed source: %v", err)
	}
}

func TestTokenConversion(t *testing.T) {
	_, token := source(t)
	ts := oauth2adapter.Token(token)
	if ts.AccessToken != token.AccessToken || ts.TokenType != "Bearer" || ts.RefreshToken != token.RefreshToken ||
		ts.ExpiresIn != 3600 || !ts.Expiry.Equal(token.Expiry) || !ts.Valid() {
		t.Errorf("converted %+v from %v", ts, token)
	}
	if ts.Extra("scope") != "read" || ts.Extra("access_token") != token.AccessToken || ts.Extra("expires_in") != float64(3600) {
		t.Errorf("Extra: scope %v, expires_in %v", ts.Extra("scope"), ts.Extra("expires_in"))
	}
	if oauth2adapter.Token(nil) != nil {
		t.Error("Token(nil)")
	}
	// No expiry stays no expiry; a Raw that is not an object gives no extra.
	bare := oauth2adapter.Token(&tokenkit.Token{AccessToken: "at", TokenType: "Bearer", Raw: []byte("[]")})
	if !bare.Expiry.IsZero() || !bare.Valid() || bare.Extra("anything") != nil {
		t.Errorf("bare %+v", bare)
	}
	if expired := oauth2adapter.Token(&tokenkit.Token{AccessToken: "at", Expiry: time.Now().Add(-time.Second)}); expired.Valid() {
		t.Error("an expired token is valid")
	}
}
