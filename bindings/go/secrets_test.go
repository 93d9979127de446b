package tokenkit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// TestNoFailureShowsTheRequestSecrets: whatever went wrong (an HTTP error without an OAuth error,
// a broken or oversize body, a dropped connection, a redirect, a timeout, a refused connection),
// the error's text, body and %v/%#v forms never show the client secret, the code or the refresh
// token that were sent.
func TestNoFailureShowsTheRequestSecrets(t *testing.T) {
	srv := server(t)
	endpoints := map[string]string{
		"HTTP 500":           srv + "/fault/500",
		"404 without OAuth":  srv + "/nothing-here",
		"malformed":          srv + "/fault/malformed",
		"oversize":           srv + "/fault/oversize",
		"connection closed":  srv + "/fault/close",
		"redirect":           srv + "/fault/redirect",
		"timeout":            srv + "/fault/hang",
		"refused":            closedPortURL(t),
		"echoed 500 (JSON)":  srv + "/fault/echo-500-json",
		"echoed 400 (OAuth)": srv + "/fault/echo-400",
	}
	const secret, refreshToken = "Go-Canary-Secret-8d1f", "Go-Canary-Refresh-3b7e"
	for what, endpoint := range endpoints {
		client := newClient(t, tokenkit.Config{TokenEndpoint: endpoint, ClientID: "demo-client", ClientSecret: secret,
			Timeout: 300 * time.Millisecond, Retry: &tokenkit.RetryPolicy{}})
		code := "Go-Canary-" + freshCode()
		_, errExchange := client.ExchangeCode(bg, code, nil)
		_, errRefresh := client.Refresh(bg, refreshToken, "")
		_, errCC := client.ClientCredentials(bg, "")
		for _, err := range []error{errExchange, errRefresh, errCC} {
			if err == nil {
				t.Fatalf("%s: no error", what)
			}
			e := asError(t, err, err.(*tokenkit.Error).Kind)
			shown := strings.Join([]string{err.Error(), e.Message, e.Body, fmt.Sprintf("%v %+v %#v", err, err, err)}, " | ")
			for _, canary := range []string{secret, code, refreshToken} {
				if strings.Contains(shown, canary) {
					t.Errorf("%s: %q in the error: %s", what, canary, shown)
				}
			}
		}
	}
}
