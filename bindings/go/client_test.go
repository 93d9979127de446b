package tokenkit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tokenkit "github.com/tokenkit/tokenkit/bindings/go"
)

func TestVersion(t *testing.T) {
	if tokenkit.Version() == "" {
		t.Error("empty Version()")
	}
	if tokenkit.ABIVersion != 2 {
		t.Errorf("ABIVersion %d", tokenkit.ABIVersion)
	}
}

func TestExchangeCodeThenReuse(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	code := freshCode()
	before := time.Now().Truncate(time.Second)
	token, err := client.ExchangeCode(bg, code, nil)
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	after := time.Now()
	if !strings.HasPrefix(token.AccessToken, "at-") || !strings.HasPrefix(token.RefreshToken, "rt-") {
		t.Errorf("tokens %q %q", token.AccessToken, token.RefreshToken)
	}
	if token.TokenType != "Bearer" || token.Scope != "read" || token.IDToken != "" || token.ExpiresIn != 3600 {
		t.Errorf("token %+v", token)
	}
	if token.Expiry.Before(before.Add(time.Hour)) || token.Expiry.After(after.Add(time.Hour)) {
		t.Errorf("Expiry %v, want about %v", token.Expiry, before.Add(time.Hour))
	}
	var raw map[string]any
	if err := json.Unmarshal(token.Raw, &raw); err != nil || raw["access_token"] != token.AccessToken {
		t.Errorf("Raw %s: %v", token.Raw, err)
	}

	// A code is single-use: the second exchange is the server's invalid_grant.
	token, err = client.ExchangeCode(bg, code, nil)
	if token != nil {
		t.Errorf("token on failure: %v", token)
	}
	e := asError(t, err, tokenkit.OAuth)
	if e.OAuthError != "invalid_grant" || e.HTTPStatus != 400 ||
		e.OAuthErrorDescription != "authorization code was already used" || e.OAuthErrorURI != "" {
		t.Errorf("error fields %+v", e)
	}
	mustContain(t, "Body", e.Body, `"invalid_grant"`)
	mustContain(t, "Error()", err.Error(), "tokenkit: oauth_error: ")
	mustContain(t, "Error()", err.Error(), "invalid_grant")
	if strings.Contains(err.Error(), code) {
		t.Errorf("the code leaked into %q", err)
	}
}

func TestRefresh(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	first, err := client.ExchangeCode(bg, freshCode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	refreshed, err := client.Refresh(bg, first.RefreshToken, "")
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if !strings.HasPrefix(refreshed.AccessToken, "at-") || refreshed.AccessToken == first.AccessToken {
		t.Errorf("refreshed access token %q", refreshed.AccessToken)
	}
	if refreshed.RefreshToken != "" || refreshed.Scope != "read" {
		t.Errorf("the server sent no new refresh token: %+v", refreshed)
	}
	// The old refresh token stays valid, and a narrower scope may be asked for.
	if _, err := client.Refresh(bg, first.RefreshToken, "read", tokenkit.Param{Name: "x-extra", Value: "1"}); err != nil {
		t.Errorf("second Refresh with scope: %v", err)
	}
	_, err = client.Refresh(bg, first.RefreshToken, "admin")
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_scope" {
		t.Errorf("wider scope: %+v", e)
	}
	_, err = client.Refresh(bg, "rt-unknown", "")
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" || e.HTTPStatus != 400 {
		t.Errorf("unknown refresh token: %+v", e)
	}
}

func TestClientCredentials(t *testing.T) {
	client := newClient(t, demoConfig(t, "/token"))
	token, err := client.ClientCredentials(bg, "read write")
	if err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	if !strings.HasPrefix(token.AccessToken, "at-") || token.Scope != "read write" || token.RefreshToken != "" {
		t.Errorf("token %+v", token)
	}
	// "" leaves the scope to the server.
	if token, err = client.ClientCredentials(bg, ""); err != nil || token.Scope != "read" {
		t.Errorf("no scope: %v %v", token, err)
	}
}

func TestAuthMethods(t *testing.T) {
	srv := server(t)
	basic := newClient(t, tokenkit.Config{TokenEndpoint: srv + "/token", ClientID: "basic-client",
		ClientSecret: "basic secret:+&/é", AuthMethod: tokenkit.AuthClientSecretBasic})
	if _, err := basic.ExchangeCode(bg, freshCode(), nil); err != nil {
		t.Errorf("client_secret_basic exchange: %v", err)
	}
	if _, err := basic.ClientCredentials(bg, ""); err != nil {
		t.Errorf("client_secret_basic client credentials: %v", err)
	}

	public := newClient(t, tokenkit.Config{TokenEndpoint: srv + "/token", ClientID: "public-client",
		AuthMethod: tokenkit.AuthNone})
	if _, err := public.ExchangeCode(bg, freshCode(), nil); err != nil {
		t.Errorf("public client exchange: %v", err)
	}
	_, err := public.ClientCredentials(bg, "")
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "unauthorized_client" {
		t.Errorf("public client credentials: %+v", e)
	}

	wrong := demoConfig(t, "/token")
	wrong.ClientSecret = "WRONG-SECRET-123"
	_, err = newClient(t, wrong).ExchangeCode(bg, freshCode(), nil)
	e := asError(t, err, tokenkit.OAuth)
	if e.OAuthError != "invalid_client" || e.HTTPStatus != 401 {
		t.Errorf("wrong secret: %+v", e)
	}
	if strings.Contains(fmt.Sprintf("%v %+v", err, e), "WRONG-SECRET") {
		t.Errorf("the secret leaked into %v", err)
	}
}

// echoed(t)(call) returns what the mock server's /echo saw of the request the call made.
func echoed(t *testing.T) func(*tokenkit.Token, error) map[string]string {
	return func(token *tokenkit.Token, err error) map[string]string { return echoFields(t, token, err) }
}

func echoFields(t *testing.T, token *tokenkit.Token, err error) map[string]string {
	t.Helper()
	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	var fields map[string]any
	if err := json.Unmarshal(token.Raw, &fields); err != nil {
		t.Fatalf("echo Raw %s: %v", token.Raw, err)
	}
	out := map[string]string{}
	for k, v := range fields {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func TestWireFormat(t *testing.T) {
	srv := server(t)
	nest := newClient(t, tokenkit.Config{TokenEndpoint: srv + "/echo", ClientID: "CLIENT_ID",
		ClientSecret: "CLIENT_SECRET", UserAgent: "thermostat-hub/2.0"})
	seen := echoed(t)(nest.ExchangeCode(bg, "AUTH_CODE", nil))
	if want := "code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET&grant_type=authorization_code"; seen["request_body"] != want {
		t.Errorf("Nest form %q, want %q", seen["request_body"], want)
	}
	if seen["authorization"] != "" || seen["user_agent"] != "thermostat-hub/2.0" ||
		seen["content_type"] != "application/x-www-form-urlencoded" || seen["accept"] != "application/json" {
		t.Errorf("headers %v", seen)
	}

	verifier := strings.Repeat("v", 43)
	seen = echoed(t)(nest.ExchangeCode(bg, "AUTH_CODE", &tokenkit.ExchangeOptions{
		RedirectURI:  "https://app.example/cb",
		CodeVerifier: verifier,
		Params:       []tokenkit.Param{{Name: "resource", Value: "https://api.example"}, {Name: "b", Value: "2"}, {Name: "b", Value: "1"}},
	}))
	body := seen["request_body"]
	for _, want := range []string{"redirect_uri=https%3A%2F%2Fapp.example%2Fcb", "code_verifier=" + verifier,
		"grant_type=authorization_code&resource=https%3A%2F%2Fapi.example&b=2&b=1"} {
		mustContain(t, "exchange body", body, want)
	}

	// client_secret_basic: base64(urlencode(id) ":" urlencode(secret)), RFC 6749 §2.3.1.
	basic := newClient(t, tokenkit.Config{TokenEndpoint: srv + "/echo", ClientID: "my id", ClientSecret: "p@ss:w",
		AuthMethod: tokenkit.AuthClientSecretBasic})
	seen = echoed(t)(basic.ClientCredentials(bg, "", tokenkit.Param{Name: "audience", Value: "https://api"}))
	if seen["authorization"] != "Basic bXkraWQ6cCU0MHNzJTNBdw==" {
		t.Errorf("Authorization %q", seen["authorization"])
	}
	if seen["request_body"] != "grant_type=client_credentials&audience=https%3A%2F%2Fapi" {
		t.Errorf("client credentials body %q", seen["request_body"])
	}
	seen = echoed(t)(basic.Refresh(bg, "rt-1", "a b"))
	if seen["request_body"] != "refresh_token=rt-1&scope=a+b&grant_type=refresh_token" {
		t.Errorf("refresh body %q", seen["request_body"])
	}
}

func TestPackageExchangeCode(t *testing.T) {
	srv := server(t)
	token, err := tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: freshCode(), ClientID: "demo-client", ClientSecret: "demo-secret"})
	if err != nil || !strings.HasPrefix(token.AccessToken, "at-") {
		t.Fatalf("ExchangeCode: %v %v", token, err)
	}
	if _, err := tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: freshCode(), ClientID: "public-client"}); err != nil {
		t.Errorf("public client: %v", err)
	}
	seen := echoed(t)(tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/echo", Code: "AUTH_CODE", ClientID: "CLIENT_ID", ClientSecret: "CLIENT_SECRET"}))
	if want := "code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET&grant_type=authorization_code"; seen["request_body"] != want {
		t.Errorf("one-call form %q", seen["request_body"])
	}
	code := freshCode()
	tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: code, ClientID: "demo-client", ClientSecret: "demo-secret"})
	_, err = tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: srv + "/token", Code: code, ClientID: "demo-client", ClientSecret: "demo-secret"})
	if e := asError(t, err, tokenkit.OAuth); e.OAuthError != "invalid_grant" {
		t.Errorf("reused code: %+v", e)
	}
	_, err = tokenkit.ExchangeCode(tokenkit.ExchangeRequest{TokenEndpoint: "http://api.home.nest.com/oauth2/access_token", Code: "c", ClientID: "id", ClientSecret: "s"})
	mustContain(t, "insecure", asError(t, err, tokenkit.Insecure).Message, "https")
}

// Shapes real servers send that must be accepted (mock server fault modes).
func TestToleratedResponses(t *testing.T) {
	cases := []struct {
		path, accessToken string
		expiresIn         int64
		scope             string
	}{
		{"/fault/nest", "c.twC2qmock", 315360000, ""},
		{"/fault/form", "gho_mock", 0, "repo,gist"},
		{"/fault/string-expires", "az-mock", 3599, ""},
		{"/fault/null-expires", "n-mock", 0, ""},
		{"/fault/created", "created-mock", 120, ""},
		{"/fault/gzip", "gz-mock", 300, "a b"},
	}
	for _, c := range cases {
		token, err := newClient(t, demoConfig(t, c.path)).ExchangeCode(bg, freshCode(), nil)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if token.AccessToken != c.accessToken || token.TokenType != "Bearer" || token.ExpiresIn != c.expiresIn ||
			token.Scope != c.scope || token.Expiry.IsZero() != (c.expiresIn == 0) || !json.Valid(token.Raw) {
			t.Errorf("%s: %+v %s", c.path, *token, token.Raw)
		}
	}
	token, err := newClient(t, demoConfig(t, "/fault/extra-fields")).ExchangeCode(bg, freshCode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if token.IDToken != "eyJhbGciOiJub25lIn0.e30." || token.Scope != "openid profile" {
		t.Errorf("extra fields: %+v", *token)
	}
	mustContain(t, "Raw keeps custom fields", string(token.Raw), `"custom":{"nested":[1,2]}`)
}

// A token too big for the binding's copy buffer (8 KiB) comes out whole all the same, and a small
// one's saved form (made when first asked for) reads back as the same token.
func TestLargeAndSmallTokensComeOutWhole(t *testing.T) {
	client := newClient(t, demoConfig(t, "/fault/big-id-token"))
	token, err := client.ClientCredentials(bg, "")
	if err != nil {
		t.Fatal(err)
	}
	if token.AccessToken != "big-mock" || len(token.IDToken) != 20000 || token.IDToken[:3] != "abc" ||
		token.IDToken[19999] != 'a'+19999%26 || token.ExpiresIn != 3600 || !json.Valid(token.Raw) {
		t.Errorf("big token: %q, %d-character id_token, %d, %d bytes of JSON", token.AccessToken,
			len(token.IDToken), token.ExpiresIn, len(token.Raw))
	}
	small, err := newClient(t, demoConfig(t, "/token")).ClientCredentials(bg, "read")
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []*tokenkit.Token{token, small} {
		saved, err := json.Marshal(token)
		if err != nil {
			t.Fatal(err)
		}
		back, err := tokenkit.TokenFromJSON(saved)
		if err != nil {
			t.Fatal(err)
		}
		if back.AccessToken != token.AccessToken || back.IDToken != token.IDToken || back.Scope != token.Scope ||
			back.RefreshToken != token.RefreshToken || !back.Expiry.Equal(token.Expiry) || back.TokenType != "Bearer" {
			t.Errorf("saved and read back: %v, was %v", back, token)
		}
		mustContain(t, "saved form", string(saved), `"expires_at":`)
	}
}

// A real HTTPS endpoint on loopback, trusted only through Config.CAFiles.
func TestTLSWithCAFile(t *testing.T) {
	tlsURL, caFile := requireEnv(t, "TOKENKIT_TEST_TLS_URL"), requireEnv(t, "TOKENKIT_TEST_CA_FILE")
	cfg := tokenkit.Config{TokenEndpoint: tlsURL, ClientID: "demo-client", ClientSecret: "demo-secret",
		Timeout: 5 * time.Second, ConnectTimeout: 2 * time.Second}
	_, err := newClient(t, cfg).ExchangeCode(bg, freshCode(), nil)
	asError(t, err, tokenkit.TLS)

	cfg.CAFiles = []string{caFile}
	token, err := newClient(t, cfg).ExchangeCode(bg, freshCode(), nil)
	if err != nil || !strings.HasPrefix(token.AccessToken, "tls-") {
		t.Errorf("TLS exchange with the CA file: %v %v", token, err)
	}
}

func TestMaxResponseBytes(t *testing.T) {
	cfg := demoConfig(t, "/token")
	cfg.MaxResponseBytes = 16
	_, err := newClient(t, cfg).ClientCredentials(bg, "")
	mustContain(t, "cap", asError(t, err, tokenkit.Protocol).Message, "16")
}

// Printing a token or a config must not leak a secret.
func TestStringRedactsSecrets(t *testing.T) {
	token := tokenkit.Token{AccessToken: "AT-SECRET", RefreshToken: "RT-SECRET", IDToken: "ID-SECRET", TokenType: "Bearer"}
	cfg := tokenkit.Config{ClientID: "id", ClientSecret: "CLIENT-SECRET"}
	for _, s := range []string{fmt.Sprint(token), fmt.Sprintf("%+v %#v %v", &token, token, cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("secret printed: %s", s)
		}
	}
	mustContain(t, "config", fmt.Sprint(cfg), `ClientID: "id"`)
}

func TestErrorsAsThroughWrapping(t *testing.T) {
	_, err := newClient(t, demoConfig(t, "/fault/500")).ExchangeCode(bg, freshCode(), nil)
	wrapped := fmt.Errorf("fetching a token: %w", err)
	var e *tokenkit.Error
	if !errors.As(wrapped, &e) || e.HTTPStatus != 500 || !errors.Is(wrapped, tokenkit.ErrHTTP) {
		t.Errorf("wrapped: %v", wrapped)
	}
}
