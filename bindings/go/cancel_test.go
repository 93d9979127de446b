package tokenkit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// A done context stops every network call in the middle of its request, within about 100 ms: the
// call returns a Cancelled error that wraps ctx.Err(), long before the call's 30 s deadline.
func TestContextCancelsEveryCall(t *testing.T) {
	hang := hangingURL(t)
	cfg := tokenkit.Config{TokenEndpoint: hang + "/token", DeviceAuthorizationEndpoint: hang + "/device",
		RevocationEndpoint: hang + "/revoke", IntrospectionEndpoint: hang + "/introspect",
		ClientID: "demo-client", ClientSecret: "demo-secret", Timeout: 30 * time.Second, Retry: &tokenkit.RetryPolicy{}}
	client := newClient(t, cfg)
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"ExchangeCode", func(ctx context.Context) error {
			_, err := client.ExchangeCode(ctx, freshCode(), nil)
			return err
		}},
		{"Refresh", func(ctx context.Context) error {
			_, err := client.Refresh(ctx, "rt-1", "")
			return err
		}},
		{"ClientCredentials", func(ctx context.Context) error {
			_, err := client.ClientCredentials(ctx, "read")
			return err
		}},
		{"Revoke", func(ctx context.Context) error { return client.Revoke(ctx, "at-1", "access_token") }},
		{"Introspect", func(ctx context.Context) error {
			_, err := client.Introspect(ctx, "at-1", "")
			return err
		}},
		{"DeviceAuthorize", func(ctx context.Context) error {
			_, err := client.DeviceAuthorize(ctx, tokenkit.DeviceOptions{Scope: "read"})
			return err
		}},
		{"DeviceFlow", func(ctx context.Context) error {
			_, err := client.DeviceFlow(ctx, tokenkit.DeviceOptions{Prompt: func(tokenkit.DeviceAuthorization) error { return nil }})
			return err
		}},
		{"Discover", func(ctx context.Context) error {
			_, err := tokenkit.Discover(ctx, hang, tokenkit.Config{Timeout: 30 * time.Second})
			return err
		}},
		{"NewClient with Issuer", func(ctx context.Context) error {
			_, err := tokenkit.NewClient(ctx, tokenkit.Config{Issuer: hang, ClientID: "demo-client", ClientSecret: "demo-secret",
				Timeout: 30 * time.Second})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			time.AfterFunc(300*time.Millisecond, cancel)
			start := time.Now()
			err := c.call(ctx)
			took := time.Since(start)
			asError(t, err, tokenkit.Cancelled)
			if !errors.Is(err, context.Canceled) || !errors.Is(err, tokenkit.ErrCancelled) {
				t.Errorf("errors.Is: %v", err)
			}
			if took < 250*time.Millisecond || took > 3*time.Second {
				t.Errorf("took %v: the request was not interrupted when the context was cancelled", took)
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := client.ClientCredentials(ctx, "")
		if !errors.Is(err, tokenkit.ErrCancelled) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is: %v", err)
		}
	})
	t.Run("done before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err := client.Refresh(ctx, "rt-1", "")
		if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
			t.Errorf("%v after %v", err, time.Since(start))
		}
	})
	t.Cleanup(func() {
		if n := watchers(); n != 0 {
			t.Errorf("%d context watchers outlived their calls", n)
		}
	})
}
