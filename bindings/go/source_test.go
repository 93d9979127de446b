package tokenkit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// changes records OnChange calls.
type changes struct {
	mu     sync.Mutex
	tokens []*tokenkit.Token
}

func (c *changes) record(t *tokenkit.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens = append(c.tokens, t)
}

func (c *changes) list() []*tokenkit.Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tokenkit.Token(nil), c.tokens...)
}

func newSource(t *testing.T, client *tokenkit.Client, token *tokenkit.Token, opts tokenkit.TokenSourceOptions) *tokenkit.TokenSource {
	t.Helper()
	ts, err := client.NewTokenSource(token, opts)
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}

// 16 goroutines ask at once for a token that expires within the skew: one refresh request is
// made, everyone gets its token, and OnChange hears of it once.
func TestTokenSourceOneRefreshForManyGoroutines(t *testing.T) {
	const racers = 16
	// The source refreshes at an endpoint that holds requests until all racers could have
	// arrived (or 2 s): with one refresh in flight it sees exactly one request, and a broken
	// lock shows as several, whatever the timing.
	key := fmt.Sprintf("go-held-%d-%d", os.Getpid(), keys.Add(1))
	cfg := demoConfig(t, fmt.Sprintf("/held/%d/2000/%s/token", racers, key))
	initial := tokenExpiringIn(t, newClient(t, demoConfig(t, "/token")), "30") // within the default 60 s skew
	client, err := tokenkit.NewClient(bg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ch changes
	ts := newSource(t, client, initial, tokenkit.TokenSourceOptions{OnChange: ch.record})
	client.Close() // the source keeps its own reference to the native client

	before := serverStats(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	got := make([]string, racers)
	for i := range racers {
		wg.Go(func() {
			<-start
			at, err := ts.AccessToken()
			if err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
			got[i] = at
		})
	}
	close(start)
	wg.Wait()
	after := serverStats(t)
	if n := after.ByGrant["refresh_token"] - before.ByGrant["refresh_token"]; n != 1 {
		t.Errorf("%d refresh requests, want 1", n)
	}
	if n := after.Held[key] - before.Held[key]; n != 1 {
		t.Errorf("%d requests at this test's endpoint, want 1", n)
	}
	changed := ch.list()
	if len(changed) != 1 {
		t.Fatalf("OnChange called %d times, want once", len(changed))
	}
	refreshed := changed[0]
	for i, at := range got {
		if at != refreshed.AccessToken {
			t.Errorf("goroutine %d got %q, want the refreshed %q", i, at, refreshed.AccessToken)
		}
	}
	if refreshed.AccessToken == initial.AccessToken || !strings.HasPrefix(refreshed.AccessToken, "at-") {
		t.Errorf("refreshed access token %q", refreshed.AccessToken)
	}
	// demo-client's refresh answers carry no refresh token: the old one is kept, and OnChange says so.
	if refreshed.RefreshToken != initial.RefreshToken {
		t.Errorf("refresh token %q, want the kept %q", refreshed.RefreshToken, initial.RefreshToken)
	}

	// A fresh token is served from the cache.
	before = serverStats(t)
	for range 50 {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if n := serverStats(t).Held[key] - before.Held[key]; n != 0 {
		t.Errorf("%d requests for a cached token", n)
	}
}

// A token crosses into a source field by field.
func TestTokenSourceKeepsTheToken(t *testing.T) {
	cfg, key := countedConfig(t)
	client := newClient(t, cfg)
	initial := tokenExpiringIn(t, client, "3600")
	ts := newSource(t, client, initial, tokenkit.TokenSourceOptions{})
	before := serverStats(t)
	token, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if token.AccessToken != initial.AccessToken || token.RefreshToken != initial.RefreshToken ||
		token.Scope != initial.Scope || token.TokenType != initial.TokenType || !token.Expiry.Equal(initial.Expiry) {
		t.Errorf("source's token %+v, want %+v", token, initial)
	}
	if serverStats(t).Flaky[key] != before.Flaky[key] {
		t.Error("a fresh token was refreshed")
	}

	// Skew is honoured: with 2 h, a token of 1 h is due for refresh.
	var ch changes
	early := newSource(t, client, initial, tokenkit.TokenSourceOptions{Skew: new(2 * time.Hour), OnChange: ch.record})
	token, err = early.Token()
	if err != nil || token.AccessToken == initial.AccessToken || len(ch.list()) != 1 {
		t.Errorf("Skew 2h: %v %v, %d changes", token, err, len(ch.list()))
	}

	// A token with only a refresh token: the first use refreshes.
	bare := newSource(t, client, &tokenkit.Token{RefreshToken: initial.RefreshToken}, tokenkit.TokenSourceOptions{})
	if saved, err := bare.Save(); err != nil || string(saved) != `{"refresh_token":"`+initial.RefreshToken+`"}` {
		t.Errorf("Save before the first use: %s %v", saved, err)
	}
	if at, err := bare.AccessToken(); err != nil || !strings.HasPrefix(at, "at-") {
		t.Errorf("refresh-token-only source: %q %v", at, err)
	}

	// Expired, and nothing to refresh with.
	old, err := tokenkit.TokenFromJSON(fmt.Appendf(nil, `{"access_token":"at-old","expires_at":%d}`, time.Now().Add(-time.Minute).Unix()))
	if err != nil {
		t.Fatal(err)
	}
	stale := newSource(t, client, old, tokenkit.TokenSourceOptions{})
	_, err = stale.Token()
	mustContain(t, "expired", asError(t, err, tokenkit.InvalidArgument).Message, "no refresh token")

	// A refresh the server refuses is the refresh's error.
	refused := newSource(t, client, &tokenkit.Token{RefreshToken: "rt-never-issued"}, tokenkit.TokenSourceOptions{})
	_, err = refused.Token()
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" {
		t.Errorf("refused refresh: %+v", e)
	}
}

func TestTokenSourceSaveAndLoad(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	initial := tokenExpiringIn(t, client, "3600")
	ts := newSource(t, client, initial, tokenkit.TokenSourceOptions{})
	saved, err := ts.Save()
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(saved, &fields); err != nil || fields["refresh_token"] != initial.RefreshToken ||
		fields["access_token"] != initial.AccessToken || fields["expires_at"] != float64(initial.Expiry.Unix()) {
		t.Errorf("saved %s: %v", saved, err)
	}
	// json.Marshal persists a source held in a struct.
	doc, err := json.Marshal(struct{ Source *tokenkit.TokenSource }{ts})
	if err != nil || !strings.Contains(string(doc), `"Source":{"access_token":`) {
		t.Errorf("json.Marshal: %s %v", doc, err)
	}

	other := newClient(t, demoConfig(t, "/token"))
	loaded, err := tokenkit.LoadTokenSource(other, saved, tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatalf("LoadTokenSource: %v", err)
	}
	defer loaded.Close()
	if at, err := loaded.AccessToken(); err != nil || at != initial.AccessToken {
		t.Errorf("loaded access token %q %v", at, err)
	}
	forced, err := loaded.Refresh()
	if err != nil || forced.AccessToken == initial.AccessToken || forced.RefreshToken != initial.RefreshToken {
		t.Errorf("forced refresh: %v %v", forced, err)
	}

	// AccessToken sizes its buffer from the last token: longer and shorter tokens come back whole.
	for _, n := range []int{5, 63, 64, 65, 300, 3, 2000} {
		long := strings.Repeat("a", n-1) + "z"
		doc := fmt.Sprintf(`{"access_token":%q,"expires_at":4102444800}`, long)
		ts, err := tokenkit.LoadTokenSource(other, []byte(doc), tokenkit.TokenSourceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if at, err := ts.AccessToken(); err != nil || at != long {
				t.Errorf("%d-byte access token: got %d bytes %v", n, len(at), err)
			}
		}
		ts.Close()
	}

	_, err = tokenkit.LoadTokenSource(other, []byte("not json"), tokenkit.TokenSourceOptions{})
	mustContain(t, "garbage", asError(t, err, tokenkit.InvalidArgument).Message, "not a JSON object")
	_, err = tokenkit.LoadTokenSource(nil, saved, tokenkit.TokenSourceOptions{})
	mustContain(t, "nil client", asError(t, err, tokenkit.InvalidArgument).Message, "client is nil")
}

// A server that rotates refresh tokens: every new one reaches OnChange and the saved state.
func TestTokenSourceRotatedRefreshToken(t *testing.T) {
	rotating := newClient(t, tokenkit.Config{TokenEndpoint: server(t) + "/token", ClientID: "rotating-client", ClientSecret: "rotating-secret"})
	initial := tokenExpiringIn(t, rotating, "3600")
	var ch changes
	ts := newSource(t, rotating, initial, tokenkit.TokenSourceOptions{OnChange: ch.record})
	for round := range 2 {
		if _, err := ts.Refresh(); err != nil {
			t.Fatalf("refresh %d: %v", round, err)
		}
	}
	changed := ch.list()
	if len(changed) != 2 {
		t.Fatalf("OnChange called %d times, want 2", len(changed))
	}
	seen := map[string]bool{initial.RefreshToken: true}
	for _, token := range changed {
		if token.RefreshToken == "" || seen[token.RefreshToken] {
			t.Errorf("refresh token %q is not a new one", token.RefreshToken)
		}
		seen[token.RefreshToken] = true
	}
	last := changed[1].RefreshToken
	if saved, _ := ts.Save(); !strings.Contains(string(saved), `"refresh_token":"`+last+`"`) {
		t.Errorf("saved %s lacks the rotated %q", saved, last)
	}
	// The first refresh token was spent by the rotation.
	_, err := rotating.Refresh(bg, initial.RefreshToken, "")
	asError(t, err, tokenkit.OAuth)
}

// A panic in OnChange is recovered on the refreshing thread, re-raised by the call, and leaves the
// source working (its refresh lock released).
func TestTokenSourceOnChangePanics(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	var once sync.Once
	ts := newSource(t, client, tokenExpiringIn(t, client, "3600"), tokenkit.TokenSourceOptions{OnChange: func(*tokenkit.Token) {
		once.Do(func() { panic("disk full") })
	}})
	func() {
		defer func() {
			if r := recover(); r != "disk full" {
				t.Errorf("recovered %v", r)
			}
		}()
		ts.Refresh()
		t.Error("Refresh returned")
	}()
	done := make(chan error)
	go func() {
		_, err := ts.Refresh()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("refresh after the panic: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the source is stuck after a panic in OnChange")
	}
}

func TestTokenSourceArgumentsAndClose(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	for _, token := range []*tokenkit.Token{nil, {}} {
		_, err := client.NewTokenSource(token, tokenkit.TokenSourceOptions{})
		mustContain(t, "nothing", asError(t, err, tokenkit.InvalidArgument).Message, "a token or a refresh token")
	}
	_, err := client.NewTokenSource(&tokenkit.Token{RefreshToken: "rt"}, tokenkit.TokenSourceOptions{Skew: new(-time.Second)})
	mustContain(t, "negative skew", asError(t, err, tokenkit.InvalidArgument).Message, "skew")
	_, err = client.NewTokenSource(&tokenkit.Token{RefreshToken: "r\x00t"}, tokenkit.TokenSourceOptions{})
	mustContain(t, "NUL", asError(t, err, tokenkit.InvalidArgument).Message, "refresh_token contains a NUL byte")
	// A token crosses into a source in the saved form the library made, never one the binding
	// writes: a Token built by hand with an access token has none.
	_, err = client.NewTokenSource(&tokenkit.Token{AccessToken: "at-x", RefreshToken: "rt-x"}, tokenkit.TokenSourceOptions{})
	mustContain(t, "built by hand", asError(t, err, tokenkit.InvalidArgument).Message, "TokenFromJSON")

	token, err := tokenkit.TokenFromJSON([]byte(`{"access_token":"at-x","refresh_token":"rt-x"}`))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := client.NewTokenSource(token, tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := ts.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	closed := func(what string, err error) {
		t.Helper()
		mustContain(t, what, asError(t, err, tokenkit.InvalidArgument).Message, "token source is closed")
	}
	_, err = ts.Token()
	closed("Token", err)
	_, err = ts.AccessToken()
	closed("AccessToken", err)
	_, err = ts.Refresh()
	closed("Refresh", err)
	_, err = ts.Save()
	closed("Save", err)
	var nilSource *tokenkit.TokenSource
	if _, err := nilSource.Token(); err == nil || nilSource.Close() != nil {
		t.Error("nil source")
	}
}

// Skew 0 is a setting of its own, not "the default": a token 30 s from expiry is used as it is,
// where the default 60 s would refresh it.
func TestTokenSourceSkewZero(t *testing.T) {
	cfg, key := countedConfig(t)
	client := newClient(t, cfg)
	initial := tokenExpiringIn(t, client, "30")
	zero := newSource(t, client, initial, tokenkit.TokenSourceOptions{Skew: new(time.Duration)})
	before := serverStats(t)
	if token, err := zero.Token(); err != nil || token.AccessToken != initial.AccessToken {
		t.Errorf("skew 0: %v %v, want the initial token", token, err)
	}
	if n := serverStats(t).Flaky[key] - before.Flaky[key]; n != 0 {
		t.Errorf("skew 0 made %d requests", n)
	}
	byDefault := newSource(t, client, initial, tokenkit.TokenSourceOptions{})
	if token, err := byDefault.Token(); err != nil || token.AccessToken == initial.AccessToken {
		t.Errorf("default skew: %v %v, want a refreshed token", token, err)
	}
}

// A token's JSON is the library's saved format: written and read by tokenkit, never by the binding.
func TestTokenJSON(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	token := tokenExpiringIn(t, client, "3600")
	saved, err := json.Marshal(token)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(saved, &fields); err != nil || fields["access_token"] != token.AccessToken ||
		fields["refresh_token"] != token.RefreshToken || fields["expires_at"] != float64(token.Expiry.Unix()) ||
		fields["expires_in"] != nil {
		t.Errorf("saved %s: %v", saved, err)
	}
	var back tokenkit.Token
	if err := json.Unmarshal(saved, &back); err != nil {
		t.Fatal(err)
	}
	if back.AccessToken != token.AccessToken || back.RefreshToken != token.RefreshToken || back.Scope != token.Scope ||
		!back.Expiry.Equal(token.Expiry) || back.ExpiresIn <= 3500 || back.ExpiresIn > 3600 {
		t.Errorf("read back %v, want %v", back, token)
	}
	if again, err := json.Marshal(back); err != nil || string(again) != string(saved) {
		t.Errorf("saved again %s %v, want %s", again, err, saved)
	}
	// A struct holding a token persists it.
	doc, err := json.Marshal(struct{ Token *tokenkit.Token }{token})
	if err != nil || !strings.Contains(string(doc), `"Token":{"access_token":`) {
		t.Errorf("in a struct: %s %v", doc, err)
	}

	changed := *token
	changed.RefreshToken = "rt-mine"
	_, err = json.Marshal(changed)
	mustContain(t, "changed", asError(t, err, tokenkit.InvalidArgument).Message, "changed")
	_, err = json.Marshal(tokenkit.Token{AccessToken: "at"})
	mustContain(t, "by hand", asError(t, err, tokenkit.InvalidArgument).Message, "built by hand")

	for _, bad := range []string{`"at"`, `{"refresh_token":"rt"}`, `{"access_token":7}`, "{\"access_token\":\"a\x00\"}"} {
		_, err := tokenkit.TokenFromJSON([]byte(bad))
		asError(t, err, tokenkit.InvalidArgument)
	}
	// Any JSON object with an access_token will do; expires_at may be a numeric string.
	other, err := tokenkit.TokenFromJSON([]byte(`{"access_token":"at-1","token_type":"bearer","expires_at":"4102444800"}`))
	if err != nil || other.AccessToken != "at-1" || other.Expiry.Unix() != 4102444800 {
		t.Errorf("a foreign token: %v %v", other, err)
	}
}
