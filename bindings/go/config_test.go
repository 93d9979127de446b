package tokenkit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

func TestDiscovery(t *testing.T) {
	srv := server(t)
	for _, tenant := range []string{"", "/tenant1"} {
		issuer := srv + tenant
		client := newClient(t, tokenkit.Config{Issuer: issuer, ClientID: "demo-client", ClientSecret: "demo-secret"})
		var metadata map[string]any
		if err := json.Unmarshal(client.Metadata(), &metadata); err != nil || metadata["issuer"] != issuer ||
			metadata["device_authorization_endpoint"] == nil {
			t.Errorf("Metadata of %s: %s %v", issuer, client.Metadata(), err)
		}
		// The discovered endpoints are used.
		if _, err := client.ClientCredentials(bg, ""); err != nil {
			t.Errorf("%s: client credentials through the discovered endpoint: %v", issuer, err)
		}
		if _, err := client.AuthorizationRequest("http://127.0.0.1:9/cb", ""); err != nil {
			t.Errorf("%s: authorization endpoint: %v", issuer, err)
		}
		doc, err := tokenkit.Discover(bg, issuer, tokenkit.Config{Timeout: 5 * time.Second})
		if err != nil || !json.Valid(doc) || !strings.Contains(string(doc), `"token_endpoint"`) {
			t.Errorf("Discover(%s): %s %v", issuer, doc, err)
		}
	}

	// An explicit endpoint overrides the discovered one.
	cfg := tokenkit.Config{Issuer: srv, TokenEndpoint: srv + "/fault/500", ClientID: "demo-client", ClientSecret: "demo-secret"}
	_, err := newClient(t, cfg).ExchangeCode(bg, freshCode(), nil)
	asError(t, err, tokenkit.HTTP)

	if newClient(t, demoConfig(t, "/token")).Metadata() != nil {
		t.Error("metadata without discovery")
	}

	cases := []struct {
		issuer string
		kind   tokenkit.ErrorKind
		words  string
	}{
		{srv + "/evil", tokenkit.Protocol, "issuer"},
		{srv + "/broken", tokenkit.Protocol, ""},
		{"http://as.example.com", tokenkit.Insecure, ""},
		{closedPortURL(t), tokenkit.Transport, ""},
		{"a\x00", tokenkit.InvalidArgument, "issuer contains a NUL byte"},
	}
	for _, c := range cases {
		_, err := tokenkit.NewClient(bg, tokenkit.Config{Issuer: c.issuer, ClientID: "demo-client", ClientSecret: "demo-secret",
			Retry: &tokenkit.RetryPolicy{}})
		mustContain(t, c.issuer, asError(t, err, c.kind).Message, c.words)
		doc, err := tokenkit.Discover(bg, c.issuer, tokenkit.Config{Retry: &tokenkit.RetryPolicy{}})
		if doc != nil {
			t.Errorf("Discover(%s) gave %s", c.issuer, doc)
		}
		asError(t, err, c.kind)
	}
}

func TestPresets(t *testing.T) {
	srv := server(t)
	_, err := tokenkit.NewClient(bg, tokenkit.Config{Preset: "google-nest", ClientID: "id", ClientSecret: "secret"})
	mustContain(t, "no project", asError(t, err, tokenkit.InvalidArgument).Message, "project_id")
	_, err = tokenkit.NewClient(bg, tokenkit.Config{Preset: "acme", ClientID: "id", ClientSecret: "secret"})
	mustContain(t, "unknown preset", asError(t, err, tokenkit.InvalidArgument).Message, "nest")

	google := newClient(t, tokenkit.Config{Preset: "google-nest", ProjectID: "my-project", ClientID: "id", ClientSecret: "secret"})
	req, err := google.AuthorizationRequest("https://www.google.com", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.URL, "https://nestservices.google.com/partnerconnections/my-project/auth?") {
		t.Errorf("URL %s", req.URL)
	}
	for _, want := range []string{"access_type=offline", "prompt=consent", "sdm.service"} {
		mustContain(t, "google-nest URL", req.URL, want)
	}

	nest := newClient(t, tokenkit.Config{Preset: "nest", ClientID: "id", ClientSecret: "secret"})
	req, err = nest.AuthorizationRequest("", "")
	if err != nil || !strings.HasPrefix(req.URL, "https://home.nest.com/login/oauth2?client_id=id&state=") {
		t.Errorf("nest URL %v %v", req, err)
	}

	// The preset's settings stay unless overridden: here its endpoints are the mock server's, and
	// its DELETE revocation stays (an RFC 7009 revocation of an unknown token would succeed).
	local := newClient(t, tokenkit.Config{Preset: "nest", TokenEndpoint: srv + "/token",
		RevocationEndpoint: srv + "/oauth2/access_tokens", ClientID: "demo-client", ClientSecret: "demo-secret"})
	token := tokenExpiringIn(t, local, "3600")
	if err := local.Revoke(bg, token.AccessToken, ""); err != nil {
		t.Errorf("Nest revocation: %v", err)
	}
	var e *tokenkit.Error
	if err := local.Revoke(bg, "never-issued", ""); !errors.As(err, &e) || e.HTTPStatus != 404 {
		t.Errorf("Nest revocation of an unknown token: %v", err)
	}
}

func TestRetries(t *testing.T) {
	srv := server(t)
	unique := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	demo := newClient(t, demoConfig(t, "/token"))
	refreshToken := tokenExpiringIn(t, demo, "3600").RefreshToken
	fast := &tokenkit.RetryPolicy{MaxRetries: 3, BaseDelay: 50 * time.Millisecond, MaxDelay: 2 * time.Second}
	flaky := func(name string, retry *tokenkit.RetryPolicy) *tokenkit.Client {
		cfg := demoConfig(t, "/flaky/1/"+name+"-"+unique+"/token")
		cfg.Retry = retry
		return newClient(t, cfg)
	}

	// A refresh meets one 503, then succeeds on the retry: with a policy, and with the default.
	for i, retry := range []*tokenkit.RetryPolicy{fast, nil} {
		client := flaky(fmt.Sprint("refresh", i), retry)
		if token, err := client.Refresh(bg, refreshToken, ""); err != nil || token.AccessToken == "" {
			t.Errorf("refresh after a 503 with retry %v: %v", retry, err)
		}
	}

	// A code exchange is never retried: the 503 comes back, and the code is still unused.
	client := flaky("code", fast)
	code := freshCode()
	_, err := client.ExchangeCode(bg, code, nil)
	if e := asError(t, err, tokenkit.HTTP); e.HTTPStatus != 503 {
		t.Errorf("code exchange: %+v", e)
	}
	if _, err := client.ExchangeCode(bg, code, nil); err != nil {
		t.Errorf("the code was spent by a retry: %v", err)
	}

	// Retries off.
	_, err = flaky("off", &tokenkit.RetryPolicy{}).ClientCredentials(bg, "")
	if e := asError(t, err, tokenkit.HTTP); e.HTTPStatus != 503 {
		t.Errorf("retries off: %+v", e)
	}
	if stats := serverStats(t); stats.Flaky["off-"+unique] != 1 {
		t.Errorf("retries off made %d requests", stats.Flaky["off-"+unique])
	}

	for _, bad := range []*tokenkit.RetryPolicy{{MaxRetries: -1}, {BaseDelay: -time.Second}, {MaxDelay: -1}} {
		_, err := tokenkit.NewClient(bg, tokenkit.Config{TokenEndpoint: srv + "/token", ClientID: "id", ClientSecret: "s", Retry: bad})
		mustContain(t, bad.String(), asError(t, err, tokenkit.InvalidArgument).Message, "negative")
	}
	_, err = tokenkit.NewClient(bg, tokenkit.Config{TokenEndpoint: srv + "/token", ClientID: "id", ClientSecret: "s",
		Retry: &tokenkit.RetryPolicy{MaxRetries: 1, BaseDelay: time.Second, MaxDelay: time.Millisecond}})
	mustContain(t, "max below base", asError(t, err, tokenkit.InvalidArgument).Message, "max_delay must not be less than base_delay")
	_, err = tokenkit.NewClient(bg, tokenkit.Config{TokenEndpoint: srv + "/token", ClientID: "id", ClientSecret: "s",
		Retry: &tokenkit.RetryPolicy{MaxRetries: 1 << 40}})
	mustContain(t, "too many", asError(t, err, tokenkit.InvalidArgument).Message, "32 bits")
}

func TestConfigStringShowsEverySetting(t *testing.T) {
	cfg := tokenkit.Config{TokenEndpoint: "https://t", AuthorizationEndpoint: "https://a", DeviceAuthorizationEndpoint: "https://d",
		RevocationEndpoint: "https://r", IntrospectionEndpoint: "https://i", ClientID: "id", ClientSecret: "hunter2",
		RevocationStyle: tokenkit.RevocationNestDelete, Retry: &tokenkit.RetryPolicy{MaxRetries: 2, BaseDelay: time.Second, MaxDelay: time.Minute},
		Preset: "google-nest", ProjectID: "p-1", Issuer: "https://issuer"}
	s := fmt.Sprintf("%v %#v", cfg, cfg)
	for _, want := range []string{`"https://a"`, `"https://d"`, `"https://r"`, `"https://i"`, "nest_delete",
		"MaxRetries: 2, BaseDelay: 1s, MaxDelay: 1m0s", `Preset: "google-nest"`, `ProjectID: "p-1"`, `Issuer: "https://issuer"`} {
		mustContain(t, "Config.String", s, want)
	}
	if strings.Contains(s, "hunter2") {
		t.Errorf("the secret leaked: %s", s)
	}
}
