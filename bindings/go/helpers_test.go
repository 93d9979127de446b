package tokenkit_test

import (
	"errors"
	"strings"
	"testing"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
	"github.com/tokenkit/tokenkit/bindings/go/internal/testserver"
)

// server is the mock authorization server's base URL.
func server(t testing.TB) string {
	t.Helper()
	return testserver.Env(t, "TOKENKIT_TEST_SERVER")
}

var requireEnv, freshCode, closedPortURL = testserver.Env, testserver.Code, testserver.ClosedPortURL

// demoConfig is the mock server's client_secret_post client at path.
func demoConfig(t testing.TB, path string) tokenkit.Config {
	return tokenkit.Config{TokenEndpoint: server(t) + path, ClientID: "demo-client", ClientSecret: "demo-secret"}
}

// newClient makes a client that is closed when the test ends.
func newClient(t testing.TB, cfg tokenkit.Config) *tokenkit.Client {
	t.Helper()
	c, err := tokenkit.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient(%v): %v", cfg, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// asError checks that err is a *tokenkit.Error of kind want, and returns it.
func asError(t testing.TB, err error, want tokenkit.ErrorKind) *tokenkit.Error {
	t.Helper()
	var e *tokenkit.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want a *tokenkit.Error of kind %v", err, err, want)
	}
	if e.Kind != want {
		t.Fatalf("kind %v (%v), want %v", e.Kind, e, want)
	}
	return e
}

func mustContain(t testing.TB, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: %q does not contain %q", what, got, want)
	}
}
