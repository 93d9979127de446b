package tokenkit_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// The URL, state and verifier of an authorization request carry a whole code flow: the mock
// server's redirect is read by hand, its state checked, and its code exchanged with the verifier.
func TestAuthorizationRequestThenExchange(t *testing.T) {
	srv := server(t)
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	const redirectURI = "http://127.0.0.1:9/callback"
	req, err := client.AuthorizationRequest(redirectURI, "read", tokenkit.Param{Name: "prompt", Value: "consent"})
	if err != nil {
		t.Fatalf("AuthorizationRequest: %v", err)
	}
	wantPrefix := srv + "/authorize?response_type=code&client_id=demo-client&redirect_uri=" + url.QueryEscape(redirectURI)
	if !strings.HasPrefix(req.URL, wantPrefix) {
		t.Errorf("URL %s, want the prefix %s", req.URL, wantPrefix)
	}
	for _, want := range []string{"code_challenge_method=S256", "code_challenge=", "state=" + req.State, "scope=read", "prompt=consent"} {
		mustContain(t, "URL", req.URL, want)
	}
	if len(req.State) < 16 || len(req.CodeVerifier) != 43 {
		t.Errorf("state %q, verifier of %d characters", req.State, len(req.CodeVerifier))
	}
	if s := fmt.Sprint(req); strings.Contains(s, req.CodeVerifier) || !strings.Contains(s, req.State) {
		t.Errorf("String() %s", s)
	}
	other, _ := client.AuthorizationRequest(redirectURI, "read")
	if other.State == req.State || other.CodeVerifier == req.CodeVerifier {
		t.Error("two requests share a state or a verifier")
	}

	resp, err := noRedirects.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	redirect, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != 302 {
		t.Fatalf("authorize: %s %v", resp.Status, err)
	}
	if got := redirect.Query().Get("state"); got != req.State {
		t.Fatalf("state %q, want %q", got, req.State)
	}
	token, err := client.ExchangeCode(bg, redirect.Query().Get("code"), &tokenkit.ExchangeOptions{
		RedirectURI: redirectURI, CodeVerifier: req.CodeVerifier})
	if err != nil || !strings.HasPrefix(token.AccessToken, "at-") {
		t.Fatalf("exchange: %v %v", token, err)
	}

	// The server checks the PKCE binding: another verifier fails.
	resp, err = noRedirects.Get(other.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	redirect, _ = url.Parse(resp.Header.Get("Location"))
	_, err = client.ExchangeCode(bg, redirect.Query().Get("code"), &tokenkit.ExchangeOptions{
		RedirectURI: redirectURI, CodeVerifier: req.CodeVerifier})
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" {
		t.Errorf("wrong verifier: %+v", e)
	}

	// No authorization endpoint: the library names it.
	bare := newClient(t, demoConfig(t, "/token"))
	_, err = bare.AuthorizationRequest(redirectURI, "")
	msg := asError(t, err, tokenkit.InvalidArgument).Message // "no authorization_endpoint is configured"
	mustContain(t, "no endpoint", msg, "authorization")
	mustContain(t, "no endpoint", msg, "is configured")
	_, err = client.AuthorizationRequest(redirectURI, "", tokenkit.Param{Name: "state", Value: "mine"})
	mustContain(t, "reserved param", asError(t, err, tokenkit.InvalidArgument).Message, "state")
}

func signIn(ctx context.Context, client *tokenkit.Client, openURL func(string) error, timeout time.Duration, behavior string) (*tokenkit.Token, error) {
	opts := tokenkit.LoopbackOptions{Scope: "read", Timeout: timeout, OpenURL: openURL}
	if behavior != "" {
		opts.Params = []tokenkit.Param{{Name: "mock_behavior", Value: behavior}}
	}
	return client.SignInLoopback(ctx, opts)
}

func ignoreURL(string) error { return nil } // the user never comes back

func TestSignInLoopback(t *testing.T) {
	srv := server(t)
	client := newClient(t, flowConfig(t, "/token", "demo-client", "demo-secret"))
	ctx := context.Background()

	t.Run("success", func(t *testing.T) {
		b := newBrowser(t)
		token, err := signIn(ctx, client, b.OpenURL, 20*time.Second, "")
		if err != nil {
			t.Fatalf("SignInLoopback: %v", err)
		}
		if !strings.HasPrefix(token.AccessToken, "at-") || token.Scope != "read" {
			t.Errorf("token %v", token)
		}
		opened := b.Opened()
		if len(opened) != 1 || !strings.HasPrefix(opened[0], srv+"/authorize?") {
			t.Fatalf("opened %q", opened)
		}
		mustContain(t, "URL", opened[0], "redirect_uri="+url.QueryEscape("http://127.0.0.1:"))
	})

	cases := []struct {
		behavior string
		kind     tokenkit.ErrorKind
		oauth    string
		words    string
	}{
		{"deny", tokenkit.OAuth, "access_denied", "access_denied"},
		{"no-code", tokenkit.Protocol, "", "neither a code nor an error"},
	}
	for _, c := range cases {
		t.Run(c.behavior, func(t *testing.T) {
			token, err := signIn(ctx, client, newBrowser(t).OpenURL, 20*time.Second, c.behavior)
			if token != nil {
				t.Errorf("a token: %v", token)
			}
			e := asError(t, err, c.kind)
			if e.OAuthError != c.oauth {
				t.Errorf("OAuthError %q, want %q", e.OAuthError, c.oauth)
			}
			mustContain(t, "message", e.Message, c.words)
		})
	}

	// A redirect with another state is not this sign-in's: the browser gets an error page and the
	// sign-in goes on waiting, here until its timeout.
	t.Run("wrong-state", func(t *testing.T) {
		_, err := signIn(ctx, client, newBrowser(t).OpenURL, 1500*time.Millisecond, "wrong-state")
		asError(t, err, tokenkit.Timeout)
	})

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		_, err := signIn(ctx, client, ignoreURL, 700*time.Millisecond, "")
		asError(t, err, tokenkit.Timeout)
		if took := time.Since(start); took < 650*time.Millisecond || took > 5*time.Second {
			t.Errorf("took %v", took)
		}
		if errors.Is(err, tokenkit.ErrCancelled) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the library's own timeout is not a cancellation: %v", err)
		}
	})

	t.Run("context cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		_, err := signIn(ctx, client, ignoreURL, 30*time.Second, "")
		asError(t, err, tokenkit.Cancelled)
		if !errors.Is(err, tokenkit.ErrCancelled) || !errors.Is(err, context.Canceled) || errors.Is(err, tokenkit.ErrTimeout) {
			t.Errorf("errors.Is: %v", err)
		}
		mustContain(t, "Error()", err.Error(), "(context canceled)")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("cancelling took %v", took)
		}
	})

	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := signIn(ctx, client, ignoreURL, 30*time.Second, "")
		if !errors.Is(err, tokenkit.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is: %v", err)
		}
	})

	t.Run("context done before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		opened := false
		_, err := signIn(ctx, client, func(string) error { opened = true; return nil }, 30*time.Second, "")
		if !errors.Is(err, tokenkit.ErrCancelled) || !errors.Is(err, context.Canceled) || opened {
			t.Errorf("%v, browser opened: %v", err, opened)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		_, err := signIn(ctx, client, nil, time.Second, "")
		mustContain(t, "nil OpenURL", asError(t, err, tokenkit.InvalidArgument).Message, "open_url")
		_, err = signIn(ctx, client, ignoreURL, -time.Second, "")
		mustContain(t, "negative timeout", asError(t, err, tokenkit.InvalidArgument).Message, "timeout")
		_, err = signIn(nil, client, ignoreURL, time.Second, "")
		mustContain(t, "nil context", asError(t, err, tokenkit.InvalidArgument).Message, "context")
		_, err = client.SignInLoopback(ctx, tokenkit.LoopbackOptions{Scope: "a\x00", Timeout: time.Second, OpenURL: ignoreURL})
		mustContain(t, "NUL", asError(t, err, tokenkit.InvalidArgument).Message, "scope contains a NUL byte")
	})

	// OpenURL returning an error stops the sign-in before the wait: a Cancelled error wrapping it.
	t.Run("OpenURL fails", func(t *testing.T) {
		noBrowser := errors.New("no browser")
		start := time.Now()
		_, err := signIn(ctx, client, func(string) error { return noBrowser }, 30*time.Second, "")
		asError(t, err, tokenkit.Cancelled)
		if !errors.Is(err, noBrowser) || !errors.Is(err, tokenkit.ErrCancelled) || errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is: %v", err)
		}
		mustContain(t, "Error()", err.Error(), "(no browser)")
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("stopping took %v", took)
		}
	})

	// A panic in OpenURL must not unwind through the library: it stops the sign-in at once and is
	// re-raised in the caller, and the client stays usable.
	t.Run("OpenURL panics", func(t *testing.T) {
		start := time.Now()
		func() {
			defer func() {
				if r := recover(); r != "browser exploded" {
					t.Errorf("recovered %v", r)
				}
			}()
			signIn(ctx, client, func(string) error { panic("browser exploded") }, 30*time.Second, "")
			t.Error("SignInLoopback returned")
		}()
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("the panic took %v to surface", took)
		}
		if _, err := signIn(ctx, client, newBrowser(t).OpenURL, 20*time.Second, ""); err != nil {
			t.Errorf("sign-in after a panic: %v", err)
		}
	})

	if n := watchers(); n != 0 {
		t.Errorf("%d context watchers outlived their calls", n)
	}
}

// Closing the client ends a sign-in that is waiting, rather than waiting for it.
func TestCloseCancelsSignIn(t *testing.T) {
	client, err := tokenkit.NewClient(bg, flowConfig(t, "/token", "demo-client", "demo-secret"))
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := signIn(context.Background(), client, func(string) error { close(opened); return nil }, 60*time.Second, "")
		done <- err
	}()
	<-opened
	start := time.Now()
	client.Close()
	err = <-done
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %v", took)
	}
	e := asError(t, err, tokenkit.Cancelled)
	mustContain(t, "message", e.Message, "the client was closed")
	if errors.Unwrap(err) != nil {
		t.Errorf("no context error to wrap, got %v", errors.Unwrap(err))
	}
	_, err = signIn(context.Background(), client, ignoreURL, time.Second, "")
	expectClosed(t, "after Close", err)
}

// With the issuer known from discovery, the redirect's iss must be it (RFC 9207).
func TestSignInChecksIssuer(t *testing.T) {
	client := newClient(t, tokenkit.Config{Issuer: server(t), ClientID: "demo-client", ClientSecret: "demo-secret"})
	ctx := context.Background()
	if _, err := signIn(ctx, client, newBrowser(t).OpenURL, 20*time.Second, ""); err != nil {
		t.Fatalf("sign-in with iss: %v", err)
	}
	for _, behavior := range []string{"wrong-iss", "no-iss"} {
		_, err := signIn(ctx, client, newBrowser(t).OpenURL, 20*time.Second, behavior)
		mustContain(t, behavior, asError(t, err, tokenkit.Protocol).Message, "iss")
	}
}
