// Command exchange is the Works with Nest sample in Go: it exchanges an authorization code at a
// token endpoint and prints the token response JSON on stdout.
//
// Environment:
//
//	TOKENKIT_TOKEN_URL      the token endpoint, e.g. https://api.home.nest.com/oauth2/access_token
//	TOKENKIT_CLIENT_ID      the client id
//	TOKENKIT_CLIENT_SECRET  the client secret (not needed with TOKENKIT_AUTH_METHOD=none)
//	TOKENKIT_CODE           the authorization code
//	TOKENKIT_AUTH_METHOD    optional: post (default), basic or none
//	TOKENKIT_CA_FILE        optional: a PEM file of extra CA certificates to trust
//	TOKENKIT_REDIRECT_URI   optional: the redirect_uri the code was issued for, when the server wants it repeated
//
// On failure one line on stderr names the error kind and, when the server sent one, the OAuth
// error, and the exit status is that of the tokenkit CLI: 2 usage or invalid argument, 3 OAuth
// error, 4 transport error, timeout or TLS error, 5 protocol or HTTP error, 6 insecure URL,
// 7 cancelled (Ctrl-C stops the request).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

// Exit statuses of the tokenkit CLI (cli/).
const (
	exitUsage     = 2
	exitOAuth     = 3
	exitTransport = 4
	exitProtocol  = 5
	exitInsecure  = 6
	exitCancelled = 7
	exitInternal  = 70
)

func main() {
	os.Exit(run())
}

func run() int {
	env := map[string]string{}
	for _, name := range []string{"TOKENKIT_TOKEN_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CODE"} {
		if env[name] = os.Getenv(name); env[name] == "" {
			fmt.Fprintf(os.Stderr, "exchange: invalid_argument: %s is not set\n", name)
			return exitUsage
		}
	}
	methods := map[string]tokenkit.AuthMethod{
		"": tokenkit.AuthClientSecretPost, "post": tokenkit.AuthClientSecretPost,
		"basic": tokenkit.AuthClientSecretBasic, "none": tokenkit.AuthNone,
	}
	method, ok := methods[os.Getenv("TOKENKIT_AUTH_METHOD")]
	if !ok {
		fmt.Fprintln(os.Stderr, "exchange: invalid_argument: TOKENKIT_AUTH_METHOD must be post, basic or none")
		return exitUsage
	}
	cfg := tokenkit.Config{
		TokenEndpoint: env["TOKENKIT_TOKEN_URL"],
		ClientID:      env["TOKENKIT_CLIENT_ID"],
		ClientSecret:  os.Getenv("TOKENKIT_CLIENT_SECRET"),
		AuthMethod:    method,
	}
	if ca := os.Getenv("TOKENKIT_CA_FILE"); ca != "" {
		cfg.CAFiles = []string{ca}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, err := tokenkit.NewClient(ctx, cfg)
	if err != nil {
		return report(err)
	}
	defer client.Close()
	var opts *tokenkit.ExchangeOptions
	if uri := os.Getenv("TOKENKIT_REDIRECT_URI"); uri != "" {
		opts = &tokenkit.ExchangeOptions{RedirectURI: uri}
	}
	token, err := client.ExchangeCode(ctx, env["TOKENKIT_CODE"], opts)
	if err != nil {
		return report(err)
	}
	os.Stdout.Write(append(token.Raw, '\n'))
	return 0
}

// report prints one line, like the tokenkit CLI: kind, OAuth error and description when the server
// sent them, HTTP status, else the message.
func report(err error) int {
	var e *tokenkit.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(os.Stderr, "exchange: %v\n", err)
		return exitInternal
	}
	line := "exchange: " + e.Kind.String()
	if e.OAuthError != "" {
		line += ": " + e.OAuthError
	}
	if e.OAuthErrorDescription != "" {
		line += ": " + e.OAuthErrorDescription
	}
	if e.HTTPStatus != 0 {
		line += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	if e.OAuthError == "" {
		line += ": " + e.Message
	}
	fmt.Fprintln(os.Stderr, line)
	switch e.Kind {
	case tokenkit.InvalidArgument:
		return exitUsage
	case tokenkit.OAuth:
		return exitOAuth
	case tokenkit.Transport, tokenkit.Timeout, tokenkit.TLS:
		return exitTransport
	case tokenkit.HTTP, tokenkit.Protocol:
		return exitProtocol
	case tokenkit.Insecure:
		return exitInsecure
	case tokenkit.Cancelled:
		return exitCancelled
	}
	return exitInternal
}
