//go:build linux

package tokenkit

import (
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/tokenkit/tokenkit/bindings/go/internal/cthreads"
	"github.com/tokenkit/tokenkit/bindings/go/internal/testserver"
)

// OnChange arrives on whatever thread refreshed: here one of several POSIX threads the Go runtime
// did not create, racing for an expired token. The trampoline must work there, and under -race.
func TestOnChangeFromForeignThreads(t *testing.T) {
	srv := testserver.Env(t, "TOKENKIT_TEST_SERVER")
	client, err := NewClient(bg, Config{TokenEndpoint: srv + "/token", ClientID: "demo-client", ClientSecret: "demo-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	initial, err := client.ExchangeCode(bg, testserver.Code(), &ExchangeOptions{Params: []Param{{"mock_expires_in", "30"}}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var changedOn []int
	var changed []*Token
	ts, err := client.NewTokenSource(initial, TokenSourceOptions{OnChange: func(token *Token) {
		mu.Lock()
		defer mu.Unlock()
		changedOn = append(changedOn, syscall.Gettid())
		changed = append(changed, token)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()

	const threads = 8
	ts.mu.RLock()
	tids, ok := cthreads.AccessTokenOnThreads(unsafe.Pointer(ts.handle), threads)
	ts.mu.RUnlock()
	if ok != threads {
		t.Errorf("%d of %d threads got a token", ok, threads)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changed) != 1 {
		t.Fatalf("OnChange called %d times, want once", len(changed))
	}
	if !slices.Contains(tids, changedOn[0]) {
		t.Errorf("OnChange ran on thread %d, not on one of the native threads %v", changedOn[0], tids)
	}
	if changed[0].AccessToken == initial.AccessToken || changed[0].RefreshToken != initial.RefreshToken {
		t.Errorf("changed to %v from %v", changed[0], initial)
	}
	if now, err := ts.Token(); err != nil || now.AccessToken != changed[0].AccessToken {
		t.Errorf("the source's token %v %v, want the one OnChange saw", now, err)
	}
}

// A source nobody closed is freed by its finalizer, OnChange handle included.
func TestFinalizerFreesForgottenSource(t *testing.T) {
	client, err := NewClient(bg, Config{TokenEndpoint: "http://127.0.0.1:9/token", ClientID: "id", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	before := liveSources.Load()
	func() {
		_, err := client.NewTokenSource(&Token{RefreshToken: "rt"}, TokenSourceOptions{OnChange: func(*Token) {}})
		if err != nil {
			t.Fatal(err)
		}
	}()
	if liveSources.Load() != before+1 {
		t.Fatalf("live sources %d, want %d", liveSources.Load(), before+1)
	}
	for deadline := time.Now().Add(10 * time.Second); liveSources.Load() > before; {
		if time.Now().After(deadline) {
			t.Fatal("the finalizer did not free a forgotten source")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// Refreshes from many native threads: OnChange calls never overlap, and each happens after the
// previous one as far as Go (and the race detector) can tell, so OnChange needs no lock of its own.
func TestOnChangeCallsAreSerial(t *testing.T) {
	srv := testserver.Env(t, "TOKENKIT_TEST_SERVER")
	client, err := NewClient(bg, Config{TokenEndpoint: srv + "/token", ClientID: "demo-client", ClientSecret: "demo-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	initial, err := client.ExchangeCode(bg, testserver.Code(), nil)
	if err != nil {
		t.Fatal(err)
	}
	calls, threads := 0, map[int]bool{}
	ts, err := client.NewTokenSource(initial, TokenSourceOptions{OnChange: func(*Token) {
		calls++ // unsynchronized on purpose
		threads[syscall.Gettid()] = true
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	const n, refreshes = 4, 5
	ts.mu.RLock()
	_, ok := cthreads.RefreshOnThreads(unsafe.Pointer(ts.handle), n, refreshes)
	ts.mu.RUnlock()
	if ok != n {
		t.Errorf("%d of %d threads refreshed", ok, n)
	}
	ts.Token() // a Go call on the source after the native threads: happens after their callbacks
	if calls < refreshes || calls > n*refreshes {
		t.Errorf("%d OnChange calls for %d refreshes on each of %d threads", calls, refreshes, n)
	}
	t.Logf("%d OnChange calls on %d threads", calls, len(threads))
}
