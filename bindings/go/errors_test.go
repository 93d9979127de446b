package tokenkit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

var sentinels = map[tokenkit.ErrorKind]error{
	tokenkit.InvalidArgument: tokenkit.ErrInvalidArgument,
	tokenkit.OAuth:           tokenkit.ErrOAuth,
	tokenkit.HTTP:            tokenkit.ErrHTTP,
	tokenkit.Transport:       tokenkit.ErrTransport,
	tokenkit.Timeout:         tokenkit.ErrTimeout,
	tokenkit.TLS:             tokenkit.ErrTLS,
	tokenkit.Protocol:        tokenkit.ErrProtocol,
	tokenkit.Insecure:        tokenkit.ErrInsecure,
	tokenkit.Internal:        tokenkit.ErrInternal,
	tokenkit.Cancelled:       tokenkit.ErrCancelled,
}

// The numbers are the ABI's tokenkit_status values, fixed forever; the names are the library's.
func TestErrorKindNumbersAndNames(t *testing.T) {
	cases := []struct {
		kind   tokenkit.ErrorKind
		number int32
		name   string
	}{
		{tokenkit.InvalidArgument, 1, "invalid_argument"},
		{tokenkit.OAuth, 2, "oauth_error"},
		{tokenkit.HTTP, 3, "http_error"},
		{tokenkit.Transport, 4, "transport_error"},
		{tokenkit.Timeout, 5, "timeout"},
		{tokenkit.TLS, 6, "tls_error"},
		{tokenkit.Protocol, 7, "protocol_error"},
		{tokenkit.Insecure, 8, "insecure"},
		{tokenkit.Internal, 9, "internal_error"},
		{tokenkit.Cancelled, 10, "cancelled"},
		{tokenkit.ErrorKind(1234), 1234, "unknown"},
	}
	for _, c := range cases {
		if int32(c.kind) != c.number || c.kind.String() != c.name {
			t.Errorf("kind %d %q, want %d %q", int32(c.kind), c.kind, c.number, c.name)
		}
	}
	if len(sentinels) != 10 {
		t.Errorf("%d sentinels", len(sentinels))
	}
	for kind, sentinel := range sentinels {
		if sentinel.Error() != "tokenkit: "+kind.String() {
			t.Errorf("sentinel %q", sentinel)
		}
	}
}

func TestErrorsIs(t *testing.T) {
	e := &tokenkit.Error{Kind: tokenkit.OAuth, Message: "m", HTTPStatus: 400, OAuthError: "invalid_grant"}
	if !errors.Is(e, tokenkit.ErrOAuth) || errors.Is(e, tokenkit.ErrHTTP) {
		t.Error("Is by kind")
	}
	// A non-sentinel target matches only itself.
	other := &tokenkit.Error{Kind: tokenkit.OAuth, OAuthError: "invalid_client"}
	if errors.Is(e, other) || !errors.Is(e, e) || errors.Is(tokenkit.ErrOAuth, e) {
		t.Error("Is against a non-sentinel")
	}
	if e.Error() != "tokenkit: oauth_error: m" {
		t.Errorf("Error() %q", e.Error())
	}
}

// Every kind the library can produce, provoked for real, and what a Go caller sees of it.
func TestEveryErrorKind(t *testing.T) {
	srv := server(t)
	exchangeAt := func(cfg tokenkit.Config) error {
		c, err := tokenkit.NewClient(bg, cfg)
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.ExchangeCode(bg, freshCode(), nil)
		return err
	}
	at := func(path string) tokenkit.Config { return demoConfig(t, path) }
	cases := []struct {
		name  string
		err   func() error
		kind  tokenkit.ErrorKind
		http  int
		oauth string
		took  time.Duration // lower bound on how long the call must take
	}{
		{"bad argument", func() error { return exchangeAt(tokenkit.Config{TokenEndpoint: srv + "/token"}) },
			tokenkit.InvalidArgument, 0, "", 0},
		{"reused code", func() error {
			code := freshCode()
			tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: code, ClientID: "demo-client", ClientSecret: "demo-secret"})
			_, err := tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: code, ClientID: "demo-client", ClientSecret: "demo-secret"})
			return err
		}, tokenkit.OAuth, 400, "invalid_grant", 0},
		{"error with HTTP 200", func() error { return exchangeAt(at("/fault/error200")) }, tokenkit.OAuth, 200, "invalid_grant", 0},
		{"Nest error", func() error { return exchangeAt(at("/fault/nest-error")) }, tokenkit.OAuth, 400, "oauth2_error", 0},
		{"500 page", func() error { return exchangeAt(at("/fault/500")) }, tokenkit.HTTP, 500, "", 0},
		{"redirect", func() error { return exchangeAt(at("/fault/redirect")) }, tokenkit.HTTP, 307, "", 0},
		{"closed port", func() error {
			return exchangeAt(tokenkit.Config{TokenEndpoint: closedPortURL(t), ClientID: "demo-client", ClientSecret: "demo-secret"})
		}, tokenkit.Transport, 0, "", 0},
		{"connection closed", func() error { return exchangeAt(at("/fault/close")) }, tokenkit.Transport, 0, "", 0},
		{"hang", func() error {
			cfg := at("/fault/hang")
			cfg.Timeout = 500 * time.Millisecond
			return exchangeAt(cfg)
		}, tokenkit.Timeout, 0, "", 450 * time.Millisecond},
		{"https to plain http", func() error {
			cfg := at("/token")
			cfg.TokenEndpoint = "https" + strings.TrimPrefix(cfg.TokenEndpoint, "http")
			cfg.Timeout = 5 * time.Second
			return exchangeAt(cfg)
		}, tokenkit.TLS, 0, "", 0},
		{"malformed JSON", func() error { return exchangeAt(at("/fault/malformed")) }, tokenkit.Protocol, 200, "", 0},
		{"no access_token", func() error { return exchangeAt(at("/fault/no-access-token")) }, tokenkit.Protocol, 200, "", 0},
		{"oversize", func() error { return exchangeAt(at("/fault/oversize")) }, tokenkit.Protocol, 200, "", 0},
		{"plain http elsewhere", func() error {
			return exchangeAt(tokenkit.Config{TokenEndpoint: "http://example.com/token", ClientID: "id", ClientSecret: "s"})
		}, tokenkit.Insecure, 0, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			err := c.err()
			took := time.Since(start)
			e := asError(t, err, c.kind)
			if e.HTTPStatus != c.http || e.OAuthError != c.oauth || e.Message == "" {
				t.Errorf("fields %+v, want HTTP %d OAuth %q", e, c.http, c.oauth)
			}
			if !strings.HasPrefix(err.Error(), "tokenkit: "+c.kind.String()+": ") {
				t.Errorf("Error() %q", err)
			}
			for kind, sentinel := range sentinels {
				if errors.Is(err, sentinel) != (kind == c.kind) {
					t.Errorf("errors.Is(err, %v) = %v", sentinel, !(kind == c.kind))
				}
			}
			if took < c.took || took > c.took+5*time.Second {
				t.Errorf("took %v, want %v to %v", took, c.took, c.took+5*time.Second)
			}
		})
	}
}

// Bad input is the library's INVALID_ARGUMENT naming the argument, never a crash or a request.
func TestInvalidArguments(t *testing.T) {
	srv := server(t)
	good := demoConfig(t, "/token")
	with := func(change func(*tokenkit.Config)) tokenkit.Config {
		cfg := good
		change(&cfg)
		return cfg
	}
	configs := []struct {
		cfg  tokenkit.Config
		want string
	}{
		{tokenkit.Config{}, "client_id is empty"},
		{with(func(c *tokenkit.Config) { c.ClientSecret = "" }), "client_secret"},
		{with(func(c *tokenkit.Config) { c.AuthMethod = tokenkit.AuthNone }), "client_secret"},
		{with(func(c *tokenkit.Config) { c.TokenEndpoint = "" }), "token_endpoint"},
		{with(func(c *tokenkit.Config) { c.TokenEndpoint = "not a url" }), "token_endpoint is not a valid URL"},
		{with(func(c *tokenkit.Config) { c.AuthMethod = 7 }), "auth_method"},
		{with(func(c *tokenkit.Config) { c.Timeout = -time.Second }), "timeout must not be negative"},
		{with(func(c *tokenkit.Config) { c.ConnectTimeout = -1 }), "connect_timeout must not be negative"},
		{with(func(c *tokenkit.Config) { c.AttemptTimeout = -time.Millisecond }), "attempt_timeout must not be negative"},
		{with(func(c *tokenkit.Config) { c.MaxIdleConnsPerHost = -1 }), "max_idle_connections_per_host"},
		{with(func(c *tokenkit.Config) { c.MaxIdleConnsPerHost = 1 << 40 }), "max_idle_connections_per_host must fit in 32 bits"},
		{with(func(c *tokenkit.Config) { c.MaxResponseBytes = -1 }), "max_response_bytes"},
		{with(func(c *tokenkit.Config) { c.UserAgent = "a\r\nX-Evil: 1" }), "user_agent"},
		{with(func(c *tokenkit.Config) { c.CAFiles = []string{"/nonexistent.pem"} }), "ca_file"},
		{with(func(c *tokenkit.Config) { c.ClientID = "demo\x00client" }), "client_id contains a NUL byte"},
		{with(func(c *tokenkit.Config) { c.ClientSecret = "demo\x00secret" }), "client_secret contains a NUL byte"},
	}
	for _, c := range configs {
		client, err := tokenkit.NewClient(bg, c.cfg)
		if client != nil {
			t.Errorf("%v: a client on failure", c.cfg)
			client.Close()
		}
		mustContain(t, c.cfg.String(), asError(t, err, tokenkit.InvalidArgument).Message, c.want)
	}

	client := newClient(t, good)
	call := func(_ *tokenkit.Token, err error) error { return err }
	calls := []struct {
		name string
		err  error
		want string
	}{
		{"empty code", call(client.ExchangeCode(bg, "", nil)), "code is empty"},
		{"NUL in code", call(client.ExchangeCode(bg, "code-a\x00b", nil)), "code contains a NUL byte"},
		{"short verifier", call(client.ExchangeCode(bg, freshCode(), &tokenkit.ExchangeOptions{CodeVerifier: "short"})), "code_verifier"},
		{"NUL in redirect_uri", call(client.ExchangeCode(bg, freshCode(), &tokenkit.ExchangeOptions{RedirectURI: "\x00"})), "redirect_uri"},
		{"empty refresh token", call(client.Refresh(bg, "", "")), "refresh_token is empty"},
		{"NUL in scope", call(client.ClientCredentials(bg, "read\x00")), "scope contains a NUL byte"},
		{"reserved param", call(client.ClientCredentials(bg, "", tokenkit.Param{Name: "grant_type", Value: "password"})), "grant_type"},
		{"empty param name", call(client.ClientCredentials(bg, "", tokenkit.Param{Value: "x"})), "name is empty"},
		{"NUL in param", call(client.ClientCredentials(bg, "", tokenkit.Param{Name: "a", Value: "\x00"})), "param value contains a NUL byte"},
		{"one call: bad URL", call(tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: "::", Code: "c", ClientID: "id", ClientSecret: "s"})), "token_endpoint"},
		{"one call: empty client_id", call(tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: "c", ClientSecret: "s"})), "client_id is empty"},
		{"one call: NUL in secret", call(tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: "c", ClientID: "id", ClientSecret: "s\x00"})), "client_secret contains a NUL byte"},
	}
	for _, c := range calls {
		if c.err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		mustContain(t, c.name, asError(t, c.err, tokenkit.InvalidArgument).Message, c.want)
	}
	// None of those burnt the client.
	if _, err := client.ClientCredentials(bg, ""); err != nil {
		t.Errorf("client after bad input: %v", err)
	}
}

// A cancelled wait is an *Error of kind Cancelled that also wraps the context's error, through any
// further wrapping; other errors wrap nothing.
func TestCancelledWrapsContextError(t *testing.T) {
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: func(tokenkit.DeviceAuthorization) error { return nil }})
	wrapped := fmt.Errorf("signing in: %w", err)
	var e *tokenkit.Error
	if !errors.As(wrapped, &e) || e.Kind != tokenkit.Cancelled || !errors.Is(wrapped, tokenkit.ErrCancelled) ||
		!errors.Is(wrapped, context.Canceled) || errors.Is(wrapped, context.DeadlineExceeded) {
		t.Errorf("wrapped: %v", wrapped)
	}
	if errors.Unwrap(err) != context.Canceled || err.Error() != "tokenkit: cancelled: cancelled before it started (context canceled)" {
		t.Errorf("Unwrap %v, Error() %q", errors.Unwrap(err), err)
	}
	// A sentinel matches by kind only; a cancelled error is not a sentinel target.
	if errors.Is(tokenkit.ErrCancelled, err) || errors.Is(err, tokenkit.ErrTimeout) {
		t.Error("Is against a cancelled error")
	}
	_, err = client.ExchangeCode(bg, "", nil)
	if errors.Unwrap(err) != nil {
		t.Errorf("an invalid argument wraps %v", errors.Unwrap(err))
	}
}
