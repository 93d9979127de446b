package tokenkit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// deviceParams are the mock server's script for one device code.
func deviceParams(behavior string, extra ...tokenkit.Param) []tokenkit.Param {
	return append([]tokenkit.Param{{Name: "mock_behavior", Value: behavior}}, extra...)
}

// shown records what DeviceFlow asked to show.
type shown struct {
	mu    sync.Mutex
	calls []tokenkit.DeviceAuthorization
}

func (s *shown) show(d tokenkit.DeviceAuthorization) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, d)
	return nil
}

func (s *shown) only(t *testing.T) tokenkit.DeviceAuthorization {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) != 1 {
		t.Fatalf("show called %d times, want once", len(s.calls))
	}
	return s.calls[0]
}

// The device flow polls at whole-second intervals, so its cases run in parallel.
func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	client := newClient(t, flowConfig(t, "/token", "public-client", ""))
	ctx := context.Background()

	t.Run("approve", func(t *testing.T) {
		t.Parallel()
		var s shown
		start := time.Now()
		token, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: s.show, Params: deviceParams("approve")})
		if err != nil {
			t.Fatalf("DeviceFlow: %v", err)
		}
		if took := time.Since(start); took < 1900*time.Millisecond {
			t.Errorf("pending, then approved, needs two polls 1 s apart: took %v", took)
		}
		if !strings.HasPrefix(token.AccessToken, "at-") || !strings.HasPrefix(token.RefreshToken, "rt-") {
			t.Errorf("token %v", token)
		}
		d := s.only(t)
		if len(d.UserCode) != 9 || d.UserCode[4] != '-' || !strings.HasSuffix(d.VerificationURI, "/device") ||
			d.VerificationURIComplete != d.VerificationURI+"?user_code="+d.UserCode || d.ExpiresIn != 600 || d.Interval != 1 {
			t.Errorf("shown %+v", d)
		}
		// What show got is for display: it cannot be polled.
		_, err = client.DevicePoll(ctx, &d)
		mustContain(t, "polling a shown copy", asError(t, err, tokenkit.InvalidArgument).Message, "DeviceAuthorize")
	})

	t.Run("google spelling", func(t *testing.T) {
		t.Parallel()
		var s shown
		if _, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: s.show, Params: deviceParams("google")}); err != nil {
			t.Fatalf("DeviceFlow: %v", err)
		}
		if d := s.only(t); !strings.HasSuffix(d.VerificationURI, "/device") || d.VerificationURIComplete != "" {
			t.Errorf("shown %+v", d)
		}
	})

	for _, c := range []struct{ behavior, oauth string }{{"deny", "access_denied"}, {"expire", "expired_token"}} {
		t.Run(c.behavior, func(t *testing.T) {
			t.Parallel()
			var s shown
			token, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: s.show, Params: deviceParams(c.behavior)})
			if e := asError(t, err, tokenkit.OAuth); e.OAuthError != c.oauth || token != nil {
				t.Errorf("%+v %v", e, token)
			}
		})
	}

	t.Run("device code expires", func(t *testing.T) {
		t.Parallel()
		var s shown
		start := time.Now()
		_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: s.show, Params: deviceParams("never", tokenkit.Param{Name: "mock_expires_in", Value: "3"})})
		asError(t, err, tokenkit.Timeout)
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("the deadline took %v", took)
		}
	})

	t.Run("context cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(ctx)
		var s shown
		time.AfterFunc(1500*time.Millisecond, cancel)
		start := time.Now()
		_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: s.show, Params: deviceParams("never")})
		if !errors.Is(err, tokenkit.ErrCancelled) || !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is: %v", err)
		}
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("cancelling took %v", took)
		}
		s.only(t)
	})

	t.Run("show panics", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		defer func() {
			if r := recover(); r != "no screen" {
				t.Errorf("recovered %v", r)
			}
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("the panic took %v to surface", took)
			}
		}()
		client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Prompt: func(tokenkit.DeviceAuthorization) error { panic("no screen") }, Params: deviceParams("never")})
		t.Error("DeviceFlow returned")
	})

	// Prompt returning an error stops the flow before polling: a Cancelled error wrapping it.
	t.Run("prompt fails", func(t *testing.T) {
		t.Parallel()
		noScreen := errors.New("no screen")
		start := time.Now()
		_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read", Params: deviceParams("never"),
			Prompt: func(tokenkit.DeviceAuthorization) error { return noScreen }})
		asError(t, err, tokenkit.Cancelled)
		if !errors.Is(err, noScreen) || errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is: %v", err)
		}
		if took := time.Since(start); took > 4*time.Second {
			t.Errorf("stopping took %v", took)
		}
	})

	t.Run("nil prompt", func(t *testing.T) {
		t.Parallel()
		_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Scope: "read"})
		mustContain(t, "nil prompt", asError(t, err, tokenkit.InvalidArgument).Message, "on_prompt")
	})
}

func TestDeviceAuthorizeThenPoll(t *testing.T) {
	t.Parallel()
	client := newClient(t, flowConfig(t, "/token", "public-client", ""))
	ctx := context.Background()
	auth, err := client.DeviceAuthorize(bg, tokenkit.DeviceOptions{Scope: "read", Params: deviceParams("approve", tokenkit.Param{Name: "mock_interval", Value: "absent"})})
	if err != nil {
		t.Fatalf("DeviceAuthorize: %v", err)
	}
	if auth.Interval != 5 || len(auth.UserCode) != 9 || auth.ExpiresIn != 600 {
		t.Errorf("authorization %+v: the RFC's 5 s interval when the server names none", auth)
	}
	ctx5, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err = client.DevicePoll(ctx5, auth)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, tokenkit.ErrCancelled) {
		t.Errorf("poll cut short: %v", err)
	}
	auth.Close()
	_, err = client.DevicePoll(ctx, auth)
	mustContain(t, "closed", asError(t, err, tokenkit.InvalidArgument).Message, "device authorization is closed")
	if err := auth.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	auth, err = client.DeviceAuthorize(bg, tokenkit.DeviceOptions{Scope: "read", Params: deviceParams("approve")})
	if err != nil {
		t.Fatal(err)
	}
	defer auth.Close()
	token, err := client.DevicePoll(ctx, auth)
	if err != nil || !strings.HasPrefix(token.AccessToken, "at-") {
		t.Fatalf("DevicePoll: %v %v", token, err)
	}
	// A device code gives one token.
	_, err = client.DevicePoll(ctx, auth)
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" {
		t.Errorf("second poll: %+v", e)
	}
	_, err = client.DevicePoll(ctx, nil)
	asError(t, err, tokenkit.InvalidArgument)

	bare := newClient(t, demoConfig(t, "/token"))
	_, err = bare.DeviceAuthorize(bg, tokenkit.DeviceOptions{Scope: "read"})
	mustContain(t, "no endpoint", asError(t, err, tokenkit.InvalidArgument).Message, "device_authorization_endpoint")
}
