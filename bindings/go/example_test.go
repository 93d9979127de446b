package tokenkit_test

// Examples for the package documentation (go doc): compiled with the tests, not run, since they
// talk to real providers. The tests exercise the same calls against the mock server.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// The Works with Nest sample: exchange an authorization code in one call.
func ExampleExchangeCode() {
	token, err := tokenkit.ExchangeCode(tokenkit.ExchangeRequest{
		TokenEndpoint: "https://api.home.nest.com/oauth2/access_token",
		Code:          os.Getenv("NEST_CODE"),
		ClientID:      os.Getenv("NEST_CLIENT_ID"),
		ClientSecret:  os.Getenv("NEST_CLIENT_SECRET"),
	})
	var e *tokenkit.Error
	if errors.As(err, &e) && e.OAuthError == "invalid_grant" {
		log.Fatal("the code was used or has expired: ask the user to sign in again")
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.AccessToken, "expires in", token.ExpiresIn, "s")
}

// A client is made once and shared: it keeps connections alive.
func ExampleNewClient() {
	ctx := context.Background()
	client, err := tokenkit.NewClient(ctx, tokenkit.Config{
		TokenEndpoint: "https://oauth2.googleapis.com/token",
		ClientID:      os.Getenv("CLIENT_ID"),
		ClientSecret:  os.Getenv("CLIENT_SECRET"),
		AuthMethod:    tokenkit.AuthClientSecretBasic,
		Timeout:       10 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	token, err := client.Refresh(ctx, os.Getenv("REFRESH_TOKEN"), "")
	if errors.Is(err, tokenkit.ErrOAuth) {
		log.Fatal("the refresh token was revoked: sign in again")
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.TokenType, token.Expiry)
}

// A provider preset instead of endpoints: Google's Device Access, Nest's successor.
func ExampleClient_SignInLoopback() {
	ctx := context.Background()
	client, err := tokenkit.NewClient(ctx, tokenkit.Config{
		Preset:       "google-nest",
		ProjectID:    os.Getenv("SDM_PROJECT_ID"),
		ClientID:     os.Getenv("CLIENT_ID"),
		ClientSecret: os.Getenv("CLIENT_SECRET"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	token, err := client.SignInLoopback(ctx, tokenkit.LoopbackOptions{
		Timeout: 2 * time.Minute,
		OpenURL: func(url string) error { return exec.Command("xdg-open", url).Start() },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in; refresh token to keep:", token.RefreshToken != "")
}

// A token source refreshes shortly before expiry, once for any number of goroutines, and tells
// OnChange about each new token so that a rotated refresh token can be stored.
func ExampleClient_NewTokenSource() {
	ctx := context.Background()
	client, err := tokenkit.NewClient(ctx, tokenkit.Config{Preset: "nest",
		ClientID: os.Getenv("NEST_CLIENT_ID"), ClientSecret: os.Getenv("NEST_CLIENT_SECRET")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	saved, _ := os.ReadFile("token.json")
	ts, err := tokenkit.LoadTokenSource(client, saved, tokenkit.TokenSourceOptions{
		OnChange: func(t *tokenkit.Token) {
			if data, err := json.Marshal(t); err == nil { // tokenkit's saved format
				_ = os.WriteFile("token.json", data, 0o600)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	accessToken, err := ts.AccessToken()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(accessToken) > 0)
}
