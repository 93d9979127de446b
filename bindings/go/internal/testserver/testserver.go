// Package testserver gives the tests the local servers scripts/with_servers.sh starts: the mock
// authorization server (tools/mock-server) and its HTTPS endpoint with its throwaway CA.
package testserver

import (
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
)

// Env returns the environment variable name set by scripts/with_servers.sh
// (TOKENKIT_TEST_SERVER, TOKENKIT_TEST_TLS_URL, TOKENKIT_TEST_CA_FILE). A test that needs a
// server fails, never skips, when it is not there.
func Env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: these tests need the local test servers; from the repository root run\n"+
			"  scripts/with_servers.sh bash -c 'cd bindings/go && go test -race ./...'", name)
	}
	return v
}

var serial atomic.Int64

// Code is an authorization code the mock server accepts once (any fresh "code-…").
func Code() string {
	return fmt.Sprintf("code-go-%d-%d", os.Getpid(), serial.Add(1))
}

// ClosedPortURL is a loopback token endpoint nobody listens on: a port bound, then released.
func ClosedPortURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String() + "/token"
}
