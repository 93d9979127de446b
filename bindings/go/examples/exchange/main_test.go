package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
	"github.com/tokenkit/tokenkit/bindings/go/internal/testserver"
)

// build compiles the sample as a user would, with `go build` and the given extra flags.
func build(t *testing.T, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "exchange")
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, args...), ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
	return bin
}

func neededLibraries(t *testing.T, bin string) []string {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	return libs
}

type result struct {
	status         int
	stdout, stderr string
}

// runSample runs the sample with exactly the given environment (plus PATH).
func runSample(t *testing.T, bin string, env map[string]string) result {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s: %v", bin, err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

func TestExchangeSample(t *testing.T) {
	srv := testserver.Env(t, "TOKENKIT_TEST_SERVER")
	tlsURL, caFile := testserver.Env(t, "TOKENKIT_TEST_TLS_URL"), testserver.Env(t, "TOKENKIT_TEST_CA_FILE")
	bin := build(t)
	for _, lib := range neededLibraries(t, bin) {
		if strings.Contains(lib, "tokenkit") {
			t.Errorf("the default build needs %s at run time; it should link libtokenkit.a", lib)
		}
	}

	demo := func(overrides ...string) map[string]string {
		env := map[string]string{"TOKENKIT_TOKEN_URL": srv + "/token", "TOKENKIT_CLIENT_ID": "demo-client",
			"TOKENKIT_CLIENT_SECRET": "demo-secret", "TOKENKIT_CODE": testserver.Code()}
		for i := 0; i+1 < len(overrides); i += 2 {
			if overrides[i+1] == "" {
				delete(env, overrides[i])
			} else {
				env[overrides[i]] = overrides[i+1]
			}
		}
		return env
	}

	env := demo()
	r := runSample(t, bin, env)
	var token map[string]any
	if r.status != 0 || r.stderr != "" || json.Unmarshal([]byte(r.stdout), &token) != nil ||
		!strings.HasPrefix(token["access_token"].(string), "at-") || !strings.HasSuffix(r.stdout, "}\n") {
		t.Fatalf("exchange: exit %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}

	r = runSample(t, bin, env) // the same code again
	if want := "exchange: oauth_error: invalid_grant: authorization code was already used (HTTP 400)\n"; r.status != 3 || r.stderr != want || r.stdout != "" {
		t.Errorf("reused code: exit %d, stderr %q, want 3 and %q", r.status, r.stderr, want)
	}

	closed := testserver.ClosedPortURL(t)
	cases := []struct {
		name   string
		env    map[string]string
		status int
		stderr string
	}{
		{"basic", demo("TOKENKIT_CLIENT_ID", "basic-client", "TOKENKIT_CLIENT_SECRET", "basic secret:+&/é",
			"TOKENKIT_AUTH_METHOD", "basic"), 0, ""},
		{"public", demo("TOKENKIT_CLIENT_ID", "public-client", "TOKENKIT_CLIENT_SECRET", "",
			"TOKENKIT_AUTH_METHOD", "none"), 0, ""},
		{"CA file", demo("TOKENKIT_TOKEN_URL", tlsURL, "TOKENKIT_CA_FILE", caFile), 0, ""},
		{"no code", demo("TOKENKIT_CODE", ""), 2, "exchange: invalid_argument: TOKENKIT_CODE is not set\n"},
		{"bad auth method", demo("TOKENKIT_AUTH_METHOD", "magic"), 2, "exchange: invalid_argument: TOKENKIT_AUTH_METHOD"},
		{"missing secret", demo("TOKENKIT_CLIENT_SECRET", ""), 2, "exchange: invalid_argument: "},
		{"wrong secret", demo("TOKENKIT_CLIENT_SECRET", "WRONG"), 3, "exchange: oauth_error: invalid_client: "},
		{"closed port", demo("TOKENKIT_TOKEN_URL", closed), 4, "exchange: transport_error: "},
		{"untrusted TLS", demo("TOKENKIT_TOKEN_URL", tlsURL), 4, "exchange: tls_error: "},
		{"500 page", demo("TOKENKIT_TOKEN_URL", srv+"/fault/500"), 5, "exchange: http_error (HTTP 500): "},
		{"malformed", demo("TOKENKIT_TOKEN_URL", srv+"/fault/malformed"), 5, "exchange: protocol_error (HTTP 200): "},
		{"insecure", demo("TOKENKIT_TOKEN_URL", "http://api.home.nest.com/oauth2/access_token"), 6, "exchange: insecure: "},
	}
	for _, c := range cases {
		r := runSample(t, bin, c.env)
		if r.status != c.status || !strings.HasPrefix(r.stderr, c.stderr) || strings.Count(r.stderr, "\n") != min(c.status, 1) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", c.name, r.status, r.stderr, c.status, c.stderr)
		}
		if (r.stdout != "") != (c.status == 0) {
			t.Errorf("%s: stdout %q", c.name, r.stdout)
		}
		if strings.Contains(r.stderr+r.stdout, "WRONG") {
			t.Errorf("%s: the secret was printed", c.name)
		}
	}
}

// With -tags tokenkit_shared the sample links libtokenkit.so, found through the rpath; it records
// the library's SONAME, libtokenkit.so.<ABI>.
func TestExchangeSampleShared(t *testing.T) {
	srv := testserver.Env(t, "TOKENKIT_TEST_SERVER")
	bin := build(t, "-tags", "tokenkit_shared")
	soname := fmt.Sprintf("libtokenkit.so.%d", tokenkit.ABIVersion)
	found := false
	for _, lib := range neededLibraries(t, bin) {
		found = found || lib == soname
	}
	if !found {
		t.Errorf("the shared build does not need %s: %v", soname, neededLibraries(t, bin))
	}
	r := runSample(t, bin, map[string]string{"TOKENKIT_TOKEN_URL": srv + "/token", "TOKENKIT_CLIENT_ID": "demo-client",
		"TOKENKIT_CLIENT_SECRET": "demo-secret", "TOKENKIT_CODE": testserver.Code()})
	if r.status != 0 || !strings.Contains(r.stdout, `"access_token":"at-`) {
		t.Errorf("shared build: exit %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
}
