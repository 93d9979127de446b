package tokenkit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

func expectClosed(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, tokenkit.ErrInvalidArgument) {
		t.Errorf("%s: %v, want invalid_argument", what, err)
		return
	}
	mustContain(t, what, err.Error(), "client is closed")
}

func TestUseAfterClose(t *testing.T) {
	client, err := tokenkit.NewClient(bg, demoConfig(t, "/token"))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := client.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, err = client.ExchangeCode(bg, freshCode(), nil)
	expectClosed(t, "ExchangeCode", err)
	_, err = client.Refresh(bg, "rt-1", "")
	expectClosed(t, "Refresh", err)
	_, err = client.ClientCredentials(bg, "", tokenkit.Param{Name: "a", Value: "b"})
	expectClosed(t, "ClientCredentials", err)

	var nilClient *tokenkit.Client
	if _, err := nilClient.ClientCredentials(bg, ""); !errors.Is(err, tokenkit.ErrInvalidArgument) {
		t.Errorf("nil client: %v", err)
	}
	if err := nilClient.Close(); err != nil {
		t.Errorf("nil Close: %v", err)
	}
}

// Close while goroutines are calling: every call either succeeds or sees a closed client.
func TestCloseDuringCalls(t *testing.T) {
	client, err := tokenkit.NewClient(bg, demoConfig(t, "/token"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 8)
	for range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := client.ClientCredentials(bg, "")
				if i == 0 {
					started <- struct{}{}
				}
				if err != nil {
					expectClosed(t, "call racing Close", err)
					return
				}
			}
		})
	}
	for range 8 {
		<-started
	}
	client.Close()
	wg.Wait()
}

const goroutines, perGoroutine = 16, 100

func TestGoroutinesShareOneClient(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*perGoroutine)
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				token, err := client.ClientCredentials(bg, "read")
				if err == nil && !strings.HasPrefix(token.AccessToken, "at-") {
					err = errors.New("bad access token " + token.AccessToken)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 3 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d requests failed", failed, goroutines*perGoroutine)
	}
}

// rssBytes is this process's resident memory (VmRSS), after a GC that returns what it can.
func rssBytes(t *testing.T) int64 {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// Every native token, string and error must be freed: resident memory stays flat over many calls.
func TestNoLeakOverManyCalls(t *testing.T) {
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	bad := newClient(t, demoConfig(t, "/fault/500"))
	if raceEnabled {
		// The race detector's own memory (shadow pages, sync metadata) makes VmRSS swing by
		// several MiB between two samples of a flat workload, hiding what this test looks for.
		measureWithoutRace(t)
		return
	}
	warmUp, calls := 10_000, 100_000
	if testing.Short() {
		warmUp, calls = 1_000, 5_000
	}
	// The other objects, every 100 calls: authorization requests, introspections, saved tokens
	// read back, token sources with their OnChange handles, and the cancel flags and context
	// watchers of waits.
	signedIn := tokenExpiringIn(t, client, "3600")
	flows := func(i int) {
		if _, err := client.AuthorizationRequest("http://127.0.0.1:9/cb", "read"); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if info, err := client.Introspect(bg, signedIn.AccessToken, ""); err != nil || !info.Active {
			t.Fatalf("call %d: %v", i, err)
		}
		if saved, err := json.Marshal(signedIn); err != nil {
			t.Fatalf("call %d: %v", i, err)
		} else if _, err := tokenkit.TokenFromJSON(saved); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		changed := 0
		ts, err := client.NewTokenSource(signedIn, tokenkit.TokenSourceOptions{OnChange: func(*tokenkit.Token) { changed++ }})
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if _, err := ts.Refresh(); err != nil || changed != 1 {
			t.Fatalf("call %d: %v, %d changes", i, err, changed)
		}
		if _, err := ts.Save(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		ts.Close()
		ctx, cancel := context.WithCancel(context.Background())
		_, err = client.SignInLoopback(ctx, tokenkit.LoopbackOptions{Timeout: time.Second}) // refused: no OpenURL
		cancel()
		if !errors.Is(err, tokenkit.ErrInvalidArgument) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	request := func(i int) {
		// Every other call with a context that can be done: a cancel flag and a watcher each.
		ctx, cancel := bg, context.CancelFunc(func() {})
		if i%2 == 1 {
			ctx, cancel = context.WithCancel(bg)
		}
		token, err := client.ClientCredentials(ctx, "read", tokenkit.Param{Name: "resource", Value: "https://api"})
		cancel()
		if err != nil || token.AccessToken == "" {
			t.Fatalf("call %d: %v", i, err)
		}
		// The error path too: error objects and their strings. An exchange, because the library
		// retries a failed client-credentials request, which would make this test slow.
		if i%100 == 0 {
			if _, err := bad.ExchangeCode(bg, freshCode(), nil); !errors.Is(err, tokenkit.ErrHTTP) {
				t.Fatalf("call %d: %v", i, err)
			}
			flows(i)
		}
	}
	for i := range warmUp {
		request(i)
	}
	before := rssBytes(t)
	var middle int64
	for i := range calls {
		request(i)
		if i == calls/2 {
			middle = rssBytes(t)
		}
	}
	after := rssBytes(t)
	const mib = 1 << 20
	t.Logf("%d client-credentials calls (and %d each of failed exchanges, authorization requests, "+
		"introspections, tokens saved and read back, token sources refreshed, sign-ins refused) after %d to warm up: VmRSS %.2f MiB, "+
		"%.2f MiB half-way, %.2f MiB at the end: growth %+.2f MiB",
		calls, calls/100, warmUp, float64(before)/mib, float64(middle)/mib, float64(after)/mib, float64(after-before)/mib)
	if after-before >= 5*mib {
		t.Errorf("resident memory grew by %.2f MiB over %d calls, want under 5 MiB", float64(after-before)/mib, calls)
	}
}

// measureWithoutRace runs TestNoLeakOverManyCalls in a child `go test` built without -race.
func measureWithoutRace(t *testing.T) {
	args := []string{"test", "-race=false", "-count=1", "-v", "-run", "^TestNoLeakOverManyCalls$"}
	if testing.Short() {
		args = append(args, "-short")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	t.Logf("measured in a child built without -race:\n%s", out)
	if err != nil {
		t.Fatalf("the leak check without -race failed: %v", err)
	}
}

// Every method of a closed client fails the same way; sources made from it go on working.
func TestUseAfterCloseFlows(t *testing.T) {
	client, err := tokenkit.NewClient(bg, flowConfig(t, "/token", "demo-client", "demo-secret"))
	if err != nil {
		t.Fatal(err)
	}
	source, err := client.NewTokenSource(tokenExpiringIn(t, client, "3600"), tokenkit.TokenSourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer source.Close()
	device, err := client.DeviceAuthorize(bg, tokenkit.DeviceOptions{Scope: "read"})
	if err != nil {
		t.Fatal(err)
	}
	defer device.Close()
	client.Close()

	ctx := context.Background()
	_, err = client.AuthorizationRequest("http://127.0.0.1:9/cb", "")
	expectClosed(t, "AuthorizationRequest", err)
	_, err = client.SignInLoopback(ctx, tokenkit.LoopbackOptions{Timeout: time.Second, OpenURL: func(string) error { return nil }})
	expectClosed(t, "SignInLoopback", err)
	_, err = client.DeviceAuthorize(bg, tokenkit.DeviceOptions{})
	expectClosed(t, "DeviceAuthorize", err)
	_, err = client.DevicePoll(ctx, device)
	expectClosed(t, "DevicePoll", err)
	_, err = client.DeviceFlow(ctx, tokenkit.DeviceOptions{Prompt: func(tokenkit.DeviceAuthorization) error { return nil }})
	expectClosed(t, "DeviceFlow", err)
	expectClosed(t, "Revoke", client.Revoke(bg, "t", ""))
	_, err = client.Introspect(bg, "t", "")
	expectClosed(t, "Introspect", err)
	_, err = client.NewTokenSource(&tokenkit.Token{RefreshToken: "rt"}, tokenkit.TokenSourceOptions{})
	expectClosed(t, "NewTokenSource", err)
	_, err = tokenkit.LoadTokenSource(client, []byte(`{"refresh_token":"rt"}`), tokenkit.TokenSourceOptions{})
	expectClosed(t, "LoadTokenSource", err)

	if token, err := source.Refresh(); err != nil || token.AccessToken == "" {
		t.Errorf("a source outlives its client: %v", err)
	}
}
