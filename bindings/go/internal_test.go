package tokenkit

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bg is the context of calls a test does not cancel.
var bg = context.Background()

func TestABIMismatchIsReported(t *testing.T) {
	if abiErr != nil {
		t.Fatalf("the library in use is not ABI %d: %v", ABIVersion, abiErr)
	}
	err := checkABI(ABIVersion, 3)
	if !errors.Is(err, ErrInternal) || !strings.Contains(err.Error(), "ABI version 3") {
		t.Errorf("mismatch: %v", err)
	}
	if err := checkABI(1, ABIVersion); err == nil {
		t.Error("a header of another ABI version passed")
	}
}

// A client nobody closed is freed by its finalizer once it is unreachable.
func TestFinalizerFreesForgottenClient(t *testing.T) {
	before := liveClients.Load()
	func() {
		// NewClient makes no connection, so no server is needed.
		_, err := NewClient(bg, Config{TokenEndpoint: "http://127.0.0.1:9/token", ClientID: "id", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
	}()
	if liveClients.Load() != before+1 {
		t.Fatalf("live clients %d, want %d", liveClients.Load(), before+1)
	}
	for deadline := time.Now().Add(10 * time.Second); liveClients.Load() > before; {
		if time.Now().After(deadline) {
			t.Fatal("the finalizer did not free a forgotten client")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
