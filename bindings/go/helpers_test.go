package tokenkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
	"github.com/tokenkit/tokenkit/bindings/go/internal/testserver"
)

// bg is the context of calls a test does not cancel.
var bg = context.Background()

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
	c, err := tokenkit.NewClient(bg, cfg)
	if err != nil {
		t.Fatalf("NewClient(bg, %v): %v", cfg, err)
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

// flowConfig is a client of the mock server with every endpoint: demo-client unless told otherwise
// (secret "" makes a public client).
func flowConfig(t testing.TB, tokenPath, clientID, secret string) tokenkit.Config {
	srv := server(t)
	cfg := tokenkit.Config{
		TokenEndpoint:               srv + tokenPath,
		AuthorizationEndpoint:       srv + "/authorize",
		DeviceAuthorizationEndpoint: srv + "/device_authorization",
		RevocationEndpoint:          srv + "/revoke",
		IntrospectionEndpoint:       srv + "/introspect",
		ClientID:                    clientID,
		ClientSecret:                secret,
	}
	if secret == "" {
		cfg.AuthMethod = tokenkit.AuthNone
	}
	return cfg
}

// stats is what the tests read of the mock server's GET /stats.
type stats struct {
	ByGrant map[string]int `json:"by_grant"` // token requests by grant type
	Flaky   map[string]int `json:"flaky"`    // requests by /flaky/N/KEY/token key
	Held    map[string]int `json:"held"`     // requests by /held/N/MS/KEY/token key
}

func serverStats(t testing.TB) stats {
	t.Helper()
	resp, err := http.Get(server(t) + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	return s
}

// tokenExpiringIn exchanges a fresh code for a token whose access token lives seconds.
func tokenExpiringIn(t testing.TB, client *tokenkit.Client, seconds string) *tokenkit.Token {
	t.Helper()
	token, err := client.ExchangeCode(bg, freshCode(), &tokenkit.ExchangeOptions{
		Params: []tokenkit.Param{{Name: "mock_expires_in", Value: seconds}}})
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	return token
}

// noRedirects is an HTTP client that shows redirects instead of following them, as the tests'
// "browser" must: the authorization server's 302 goes to the library's loopback listener.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// browser plays the user's browser for SignInLoopback: OpenURL GETs the authorization URL on a
// goroutine and follows its redirect to the loopback listener. Wait waits for those goroutines.
type browser struct {
	t      testing.TB
	wg     sync.WaitGroup
	mu     sync.Mutex
	opened []string
}

func newBrowser(t testing.TB) *browser {
	b := &browser{t: t}
	t.Cleanup(b.wg.Wait)
	return b
}

// OpenURL records the URL and starts the visit; it returns at once, as the library asks.
func (b *browser) OpenURL(url string) error {
	b.mu.Lock()
	b.opened = append(b.opened, url)
	b.mu.Unlock()
	b.wg.Go(func() {
		resp, err := noRedirects.Get(url)
		if err != nil {
			b.t.Errorf("browser: GET %s: %v", url, err)
			return
		}
		resp.Body.Close()
		location := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || location == "" {
			b.t.Errorf("browser: GET %s: %s, Location %q", url, resp.Status, location)
			return
		}
		resp, err = noRedirects.Get(location)
		if err != nil {
			b.t.Errorf("browser: GET %s: %v", location, err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	})
	return nil
}

func (b *browser) Opened() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.opened)
}

// watchers counts the cancel flags of native calls not yet finished; none may outlive its call.
func watchers() int {
	return int(tokenkit.LiveWatchers())
}

var keys atomic.Int64

// countedConfig is demoConfig at a token endpoint of its own, /flaky/0/KEY/token, whose requests
// the server counts under KEY (stats.Flaky): other tests, and other packages' tests running at
// the same time, do not change that count.
func countedConfig(t testing.TB) (tokenkit.Config, string) {
	key := fmt.Sprintf("go-%d-%d", os.Getpid(), keys.Add(1))
	return demoConfig(t, "/flaky/0/"+key+"/token"), key
}

// hangingURL is the base URL of a loopback server that accepts connections and never answers: a
// request to it ends only by the call's deadline or its cancellation.
func hangingURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			conn.Close()
		}
	})
	return "http://" + l.Addr().String()
}
