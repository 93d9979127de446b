package tokenkit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// openStore opens a store in a directory of the test's own, closed when the test ends.
func openStore(t *testing.T) *tokenkit.Store {
	t.Helper()
	store, err := tokenkit.OpenStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatalf("OpenStore: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// heldKey is a fresh key of the mock server's /held/N/MS/KEY/token endpoint, which holds each
// request until N have arrived or MS have passed: one refresh in flight shows as one request.
func heldKey(name string) string {
	return fmt.Sprintf("go-%s-%d-%d", name, os.Getpid(), keys.Add(1))
}

func TestStoreProfileKeepsTheSecretOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	cfg := flowConfig(t, "/token", "demo-client", "demo-secret")
	if err := store.SaveProfile(bg, "work", cfg, nil, false); err != nil {
		t.Fatalf("SaveProfile: %v", err)
	}
	if dir, err := os.Stat(store.Dir()); err != nil || filepath.Base(store.Dir()) != "store" || dir.Mode().Perm() != 0o700 {
		t.Errorf("Dir %q: %v %v", store.Dir(), err, dir.Mode())
	}
	path := filepath.Join(store.Dir(), "work.json")
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("profile file: %v, mode %v", err, info.Mode())
	}
	text, _ := os.ReadFile(path)
	if strings.Contains(string(text), "demo-secret") || !strings.Contains(string(text), `"tokenkit_profile":1`) {
		t.Errorf("profile file: %s", text)
	}

	// Without its secret the profile makes no client_secret_post client...
	loaded, err := store.Config("work")
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	_, err = tokenkit.NewClient(bg, loaded)
	asError(t, err, tokenkit.InvalidArgument)
	// ...the program adds it, and the client works against the server.
	loaded.ClientSecret = "demo-secret"
	loaded.Timeout = 10 * time.Second
	if _, err := newClient(t, loaded).ExchangeCode(bg, freshCode(), nil); err != nil {
		t.Fatalf("ExchangeCode with the profile's client: %v", err)
	}
	if s := loaded.String(); !strings.Contains(s, `Profile: "work"`) || strings.Contains(s, "demo-secret") {
		t.Errorf("String: %s", s)
	}

	// Saved with the secret, when asked: nothing to add.
	if err := store.SaveProfile(bg, "work", cfg, nil, true); err != nil {
		t.Fatalf("SaveProfile with the secret: %v", err)
	}
	if text, _ := os.ReadFile(path); !strings.Contains(string(text), "demo-secret") {
		t.Errorf("the secret was not saved: %s", text)
	}
	whole, err := store.Config("work")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newClient(t, whole).ExchangeCode(bg, freshCode(), nil); err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}

	for _, bad := range []string{"", "../escape", ".hidden", "a/b", strings.Repeat("x", 65)} {
		_, err := store.Config(bad)
		asError(t, err, tokenkit.InvalidArgument)
		asError(t, store.SaveProfile(bg, bad, cfg, nil, false), tokenkit.InvalidArgument)
	}
	_, err = store.Config("absent")
	mustContain(t, "missing profile", asError(t, err, tokenkit.InvalidArgument).Message, "no profile absent")
	asError(t, store.SaveProfile(bg, "work", tokenkit.Config{TokenEndpoint: server(t) + "/token"}, nil, false),
		tokenkit.InvalidArgument) // no client id
}

func TestStoreTokenRefreshesOnceAndSavesTheRotatedRefreshToken(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	key := heldKey("store-rot")
	cfg := tokenkit.Config{TokenEndpoint: server(t) + "/held/1/3000/" + key + "/token",
		ClientID: "rotating-client", ClientSecret: "rotating-secret"}
	client := newClient(t, cfg)
	initial := tokenExpiringIn(t, newClient(t, tokenkit.Config{TokenEndpoint: server(t) + "/token",
		ClientID: "rotating-client", ClientSecret: "rotating-secret"}), "30") // within the 60 s skew
	if err := store.SaveProfile(bg, "rot", cfg, initial, false); err != nil {
		t.Fatal(err)
	}
	fresh, err := store.Token(bg, "rot", client, time.Minute)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if n := serverStats(t).Held[key]; n != 1 {
		t.Errorf("refresh requests: %d", n)
	}
	if fresh.AccessToken == initial.AccessToken || fresh.RefreshToken == initial.RefreshToken || fresh.RefreshToken == "" {
		t.Errorf("not refreshed and rotated: %v after %v", fresh, initial)
	}
	saved, err := store.SavedToken("rot")
	if err != nil || saved == nil || saved.RefreshToken != fresh.RefreshToken {
		t.Fatalf("SavedToken: %v, %v", saved, err)
	}
	// Fresh now: the saved token, no request.
	again, err := store.Token(bg, "rot", client, time.Minute)
	if err != nil || again.AccessToken != fresh.AccessToken {
		t.Errorf("Token again: %v, %v", again, err)
	}
	if n := serverStats(t).Held[key]; n != 1 {
		t.Errorf("a fresh token was refreshed: %d requests", n)
	}
	// The old refresh token is spent.
	_, err = client.Refresh(bg, initial.RefreshToken, "")
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" {
		t.Errorf("old refresh token: %v", e)
	}
	// A profile without a token: sign in again.
	if err := store.SaveProfile(bg, "empty", cfg, nil, false); err != nil {
		t.Fatal(err)
	}
	_, err = store.Token(bg, "empty", client, time.Minute)
	mustContain(t, "no token", asError(t, err, tokenkit.InvalidArgument).Message, "has no token")
	_, err = store.Token(bg, "rot", client, -time.Second)
	asError(t, err, tokenkit.InvalidArgument)

	// A done context: a stale profile is not refreshed, and the error wraps ctx.Err().
	done, cancel := context.WithCancel(bg)
	cancel()
	_, err = store.Token(done, "rot", client, 2*time.Hour)
	asError(t, err, tokenkit.Cancelled)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}
	// A context cancelled while another caller's refresh holds the profile's lock ends the wait.
	hold := heldKey("store-wait")
	holdCfg := demoConfig(t, "/held/2/3000/"+hold+"/token")
	if err := store.SaveProfile(bg, "held", holdCfg, tokenExpiringIn(t, newClient(t, demoConfig(t, "/token")), "30"), true); err != nil {
		t.Fatal(err)
	}
	holder := make(chan error, 1)
	go func() {
		_, err := store.Token(bg, "held", newClient(t, holdCfg), time.Minute)
		holder <- err
	}()
	for serverStats(t).Held[hold] < 1 {
		time.Sleep(20 * time.Millisecond)
	}
	waiting, stopWaiting := context.WithTimeout(bg, 300*time.Millisecond)
	defer stopWaiting()
	start := time.Now()
	_, err = store.Token(waiting, "held", newClient(t, holdCfg), time.Minute)
	asError(t, err, tokenkit.Cancelled)
	if took := time.Since(start); took > 2*time.Second || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the wait for the lock ended after %v: %v", took, err)
	}
	if err := <-holder; err != nil {
		t.Errorf("the holder: %v", err)
	}
	if n := serverStats(t).Held[hold]; n != 1 {
		t.Errorf("refresh requests: %d", n)
	}
}

// Ten goroutines, each with a store and a client of its own as separate processes would have,
// ask for the token of one expired profile at once: one refresh request, one token for all.
func TestStoreConcurrentCallersRefreshOnce(t *testing.T) {
	t.Parallel()
	const callers = 10
	store := openStore(t)
	key := heldKey("store-many")
	cfg := demoConfig(t, fmt.Sprintf("/held/%d/3000/%s/token", callers, key))
	initial := tokenExpiringIn(t, newClient(t, demoConfig(t, "/token")), "30")
	if err := store.SaveProfile(bg, "shared", cfg, initial, true); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	tokens := make([]string, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			own, err := tokenkit.OpenStore(store.Dir())
			if err != nil {
				errs[i] = err
				return
			}
			defer own.Close()
			profile, err := own.Config("shared")
			if err != nil {
				errs[i] = err
				return
			}
			client, err := tokenkit.NewClient(bg, profile)
			if err != nil {
				errs[i] = err
				return
			}
			defer client.Close()
			<-start
			token, err := own.Token(bg, "shared", client, time.Minute)
			if err == nil {
				tokens[i] = token.AccessToken
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || tokens[i] != tokens[0] || tokens[i] == initial.AccessToken {
			t.Errorf("caller %d: %q, %v (caller 0: %q)", i, tokens[i], errs[i], tokens[0])
		}
	}
	if n := serverStats(t).Held[key]; n != 1 {
		t.Errorf("refresh requests from %d goroutines: %d", callers, n)
	}
	saved, err := store.SavedToken("shared")
	if err != nil || saved.AccessToken != tokens[0] || saved.RefreshToken != initial.RefreshToken {
		t.Errorf("saved %v, %v: the shared token, keeping the refresh token the server did not replace", saved, err)
	}
}

func TestStoreLogoutDeletionAndList(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	cfg := demoConfig(t, "/token")
	token := tokenExpiringIn(t, newClient(t, cfg), "3600")
	if err := store.SaveProfile(bg, "b", cfg, token, false); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveProfile(bg, "a", cfg, nil, false); err != nil {
		t.Fatal(err)
	}
	profiles, err := store.Profiles()
	if err != nil || len(profiles) != 2 || profiles[0].Name != "a" || profiles[1].Name != "b" {
		t.Fatalf("Profiles: %+v, %v", profiles, err)
	}
	a, b := profiles[0], profiles[1]
	if a.HasToken || !a.Expiry.IsZero() || a.ClientID != "demo-client" || a.TokenEndpoint != server(t)+"/token" {
		t.Errorf("a: %+v", a)
	}
	if !b.HasToken || !b.HasRefreshToken || b.Expiry.Before(time.Now().Add(50*time.Minute)) || b.Problem != "" {
		t.Errorf("b: %+v", b)
	}
	if shown := fmt.Sprintf("%+v", profiles); strings.Contains(shown, token.AccessToken) ||
		strings.Contains(shown, token.RefreshToken) || strings.Contains(shown, "demo-secret") {
		t.Errorf("a secret in the list: %s", shown)
	}

	if err := store.SaveToken("a", token); err != nil {
		t.Errorf("SaveToken: %v", err)
	}
	asError(t, store.SaveToken("absent", token), tokenkit.InvalidArgument)
	asError(t, store.SaveToken("a", nil), tokenkit.InvalidArgument)
	asError(t, store.SaveToken("a", &tokenkit.Token{AccessToken: "by hand"}), tokenkit.InvalidArgument)

	removed, err := store.RemoveToken("b")
	if err != nil || removed == nil || removed.AccessToken != token.AccessToken {
		t.Fatalf("RemoveToken: %v, %v", removed, err)
	}
	if saved, err := store.SavedToken("b"); saved != nil || err != nil {
		t.Errorf("after logout: %v, %v", saved, err)
	}
	if removed, err := store.RemoveToken("b"); removed != nil || err != nil {
		t.Errorf("nothing to remove: %v, %v", removed, err)
	}
	if _, err := store.Config("b"); err != nil {
		t.Errorf("the client settings stay: %v", err)
	}
	if existed, err := store.DeleteProfile("b"); !existed || err != nil {
		t.Errorf("DeleteProfile: %v, %v", existed, err)
	}
	if existed, err := store.DeleteProfile("b"); existed || err != nil {
		t.Errorf("DeleteProfile again: %v, %v", existed, err)
	}
	if _, err := os.Stat(filepath.Join(store.Dir(), "b.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file stays: %v", err)
	}
	_, err = store.DeleteProfile("../x")
	asError(t, err, tokenkit.InvalidArgument)
	if profiles, _ := store.Profiles(); len(profiles) != 1 {
		t.Errorf("left: %+v", profiles)
	}

	store.Close()
	store.Close()
	_, err = store.Profiles()
	mustContain(t, "closed store", asError(t, err, tokenkit.InvalidArgument).Message, "closed")
}

func TestStoreTokenSource(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	cfg := tokenkit.Config{TokenEndpoint: server(t) + "/token", ClientID: "rotating-client", ClientSecret: "rotating-secret"}
	client := newClient(t, cfg)
	initial := tokenExpiringIn(t, client, "30")
	if err := store.SaveProfile(bg, "src", cfg, initial, false); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var changed []*tokenkit.Token
	source, err := tokenkit.NewStoreTokenSource(client, store, "src", tokenkit.TokenSourceOptions{OnChange: func(tk *tokenkit.Token) {
		mu.Lock()
		defer mu.Unlock()
		changed = append(changed, tk)
	}})
	if err != nil {
		t.Fatalf("NewStoreTokenSource: %v", err)
	}
	defer source.Close()
	token, err := source.Token()
	if err != nil || token.AccessToken == initial.AccessToken {
		t.Fatalf("Token: %v, %v", token, err)
	}
	mu.Lock()
	if len(changed) != 1 || changed[0].RefreshToken != token.RefreshToken {
		t.Errorf("OnChange: %v", changed)
	}
	mu.Unlock()
	saved, err := store.SavedToken("src")
	if err != nil || saved.AccessToken != token.AccessToken || saved.RefreshToken != token.RefreshToken {
		t.Errorf("saved by the source: %v, %v", saved, err)
	}

	// Another source (another process) takes up the saved token; the store may be closed first.
	other, err := tokenkit.NewStoreTokenSource(client, store, "src", tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	store.Close()
	if at, err := other.AccessToken(); err != nil || at != token.AccessToken {
		t.Errorf("the other source: %q, %v", at, err)
	}
	if _, err := other.Refresh(); err != nil {
		t.Errorf("refresh through a closed store's profile: %v", err)
	}

	_, err = tokenkit.NewStoreTokenSource(client, openStore(t), "absent", tokenkit.TokenSourceOptions{})
	asError(t, err, tokenkit.InvalidArgument)
	_, err = tokenkit.NewStoreTokenSource(client, store, "src", tokenkit.TokenSourceOptions{})
	mustContain(t, "closed store", asError(t, err, tokenkit.InvalidArgument).Message, "store is closed")
}

// logLines collects Config.Log's lines from any goroutine.
type logLines struct {
	mu    sync.Mutex
	lines []string
	level map[int]int
}

func (l *logLines) log(level int, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.level == nil {
		l.level = map[int]int{}
	}
	l.level[level]++
	l.lines = append(l.lines, line)
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func TestConfigLog(t *testing.T) {
	t.Parallel()
	var got logLines
	cfg := demoConfig(t, "/token")
	cfg.Log, cfg.LogLevel = got.log, tokenkit.LogHeaders
	client := newClient(t, cfg)
	code := freshCode()
	token, err := client.ExchangeCode(bg, code, nil)
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := client.Refresh(bg, token.RefreshToken, "")
	if err != nil {
		t.Fatal(err)
	}
	// A source made from the client logs through it after the client is closed.
	source, err := client.NewTokenSource(&tokenkit.Token{RefreshToken: token.RefreshToken}, tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	client.Close()
	sourced, err := source.Refresh()
	if err != nil {
		t.Fatal(err)
	}
	source.Close()

	text := got.text()
	if got.level[1] < 3 || got.level[2] == 0 {
		t.Errorf("levels %v:\n%s", got.level, text)
	}
	mustContain(t, "log", text, "POST "+server(t)+"/token")
	mustContain(t, "log", text, "[redacted]")
	for _, secret := range []string{"demo-secret", code, token.AccessToken, token.RefreshToken, refreshed.AccessToken,
		sourced.AccessToken} {
		if strings.Contains(text, secret) {
			t.Errorf("%q is in the log:\n%s", secret, text)
		}
	}

	// The default level is requests only.
	var requests logLines
	cfg.Log, cfg.LogLevel = requests.log, 0
	tokenExpiringIn(t, newClient(t, cfg), "3600")
	if requests.level[1] == 0 || requests.level[2] != 0 {
		t.Errorf("default level: %v", requests.level)
	}
	cfg.Log, cfg.LogLevel = nil, tokenkit.LogRequests
	_, err = tokenkit.NewClient(bg, cfg)
	asError(t, err, tokenkit.InvalidArgument) // a level without a function
	cfg.Log, cfg.LogLevel = requests.log, 3
	_, err = tokenkit.NewClient(bg, cfg)
	asError(t, err, tokenkit.InvalidArgument)
}

func TestConfigLogPanicIsRaisedByTheCall(t *testing.T) {
	t.Parallel()
	cfg := demoConfig(t, "/token")
	var once sync.Once
	cfg.Log = func(int, string) { once.Do(func() { panic("log sink broke") }) }
	client := newClient(t, cfg)
	func() {
		defer func() {
			if r := recover(); r != "log sink broke" {
				t.Errorf("recovered %v", r)
			}
		}()
		client.ClientCredentials(bg, "")
		t.Errorf("the call returned")
	}()
	// Raised once: the next call is fine.
	if _, err := client.ClientCredentials(bg, ""); err != nil {
		t.Errorf("next call: %v", err)
	}
}

func TestDeviceOnPoll(t *testing.T) {
	t.Parallel()
	client := newClient(t, flowConfig(t, "/token", "public-client", ""))
	var mu sync.Mutex
	var outcomes []string
	var intervals []time.Duration
	onPoll := func(outcome string, interval time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		outcomes, intervals = append(outcomes, outcome), append(intervals, interval)
		return nil
	}
	var s shown
	if _, err := client.DeviceFlow(bg, tokenkit.DeviceOptions{Prompt: s.show, OnPoll: onPoll, Params: deviceParams("approve")}); err != nil {
		t.Fatalf("DeviceFlow: %v", err)
	}
	if strings.Join(outcomes, ",") != "authorization_pending" || intervals[0] != time.Second {
		t.Errorf("OnPoll saw %v %v", outcomes, intervals)
	}

	// By hand: DevicePoll tells the OnPoll given to DeviceAuthorize.
	outcomes, intervals = nil, nil
	auth, err := client.DeviceAuthorize(bg, tokenkit.DeviceOptions{OnPoll: onPoll, Params: deviceParams("slow_down")})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	if _, err := client.DevicePoll(bg, auth); err != nil {
		t.Fatalf("DevicePoll: %v", err)
	}
	if strings.Join(outcomes, ",") != "slow_down" || intervals[0] != 6*time.Second {
		t.Errorf("OnPoll saw %v %v", outcomes, intervals)
	}

	// An error stops the flow: Cancelled, wrapping it.
	stop := errors.New("the user gave up")
	polls := 0
	_, err = client.DeviceFlow(bg, tokenkit.DeviceOptions{Prompt: s.show, Params: deviceParams("never"),
		OnPoll: func(string, time.Duration) error { polls++; return stop }})
	asError(t, err, tokenkit.Cancelled)
	if !errors.Is(err, stop) || polls != 1 {
		t.Errorf("err %v, %d polls", err, polls)
	}
}
