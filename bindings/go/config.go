package tokenkit

/*
#include "tokenkit.h"
#include "callbacks.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// AuthMethod is how a client authenticates to the token endpoint. Its values are the numbers of
// tokenkit_auth_method in include/tokenkit.h.
type AuthMethod int32

const (
	// AuthClientSecretPost sends client_id and client_secret in the form body (RFC 6749 §2.3.1).
	// The zero value, and what Works with Nest does.
	AuthClientSecretPost AuthMethod = C.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST
	// AuthClientSecretBasic sends them with HTTP Basic, form-encoded first (RFC 6749 §2.3.1).
	AuthClientSecretBasic AuthMethod = C.TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC
	// AuthNone is a public client: client_id in the body, no secret.
	AuthNone AuthMethod = C.TOKENKIT_AUTH_METHOD_NONE
)

// String is the method's registered name (RFC 7591 §2): "client_secret_post", …
func (m AuthMethod) String() string {
	switch m {
	case AuthClientSecretPost:
		return "client_secret_post"
	case AuthClientSecretBasic:
		return "client_secret_basic"
	case AuthNone:
		return "none"
	}
	return fmt.Sprintf("AuthMethod(%d)", int32(m))
}

// RevocationStyle is how Client.Revoke revokes a token. Its values are the numbers of
// tokenkit_revocation_style in include/tokenkit.h.
type RevocationStyle int32

const (
	// RevocationRFC7009 POSTs token and token_type_hint to the revocation endpoint (RFC 7009 §2.1).
	// The zero value.
	RevocationRFC7009 RevocationStyle = C.TOKENKIT_REVOCATION_STYLE_RFC7009
	// RevocationNestDelete is Works with Nest's DELETE <revocation endpoint>/<access token>.
	RevocationNestDelete RevocationStyle = C.TOKENKIT_REVOCATION_STYLE_NEST_DELETE
)

// String is "rfc7009" or "nest_delete".
func (s RevocationStyle) String() string {
	switch s {
	case RevocationRFC7009:
		return "rfc7009"
	case RevocationNestDelete:
		return "nest_delete"
	}
	return fmt.Sprintf("RevocationStyle(%d)", int32(s))
}

// RetryPolicy says how often and how patiently a Client retries refresh, client credentials,
// device polling, revocation, introspection and discovery (never a code exchange, since a code is
// single-use) after a transport failure, a timeout, HTTP 5xx or 429: up to MaxRetries more
// attempts, waiting a random time below BaseDelay × 2^n, or the server's Retry-After, capped at
// MaxDelay; the waits count against Config.Timeout. Its fields are taken as they are:
// &RetryPolicy{} turns retrying off.
type RetryPolicy struct {
	// MaxRetries must be 0 to math.MaxInt32.
	MaxRetries int
	// BaseDelay and MaxDelay are rounded up to whole milliseconds; MaxDelay must not be less
	// than BaseDelay.
	BaseDelay, MaxDelay time.Duration
}

// Config holds the settings of a Client. A zero field means tokenkit's default (for the numbers,
// whose zero tokenkit refuses, zero can mean nothing else); NewClient copies what it needs, so a
// Config may be changed or reused afterwards.
//
// NewClient applies the settings in this order, each overriding what came before: the saved
// profile (a Config from Store.Config), Preset, then discovery of Issuer, then the endpoints,
// AuthMethod and RevocationStyle set here.
type Config struct {
	// TokenEndpoint must be https://, or http:// to a loopback host (127.0.0.0/8, ::1, localhost).
	// The other endpoints obey the same rule.
	TokenEndpoint string
	// AuthorizationEndpoint (RFC 6749 §3.1) is needed by AuthorizationRequest and SignInLoopback.
	AuthorizationEndpoint string
	// DeviceAuthorizationEndpoint (RFC 8628 §3.1) is needed by DeviceAuthorize and DeviceFlow.
	DeviceAuthorizationEndpoint string
	// RevocationEndpoint (RFC 7009, or Nest's DELETE base URL) is needed by Revoke.
	RevocationEndpoint string
	// IntrospectionEndpoint (RFC 7662) is needed by Introspect.
	IntrospectionEndpoint string
	ClientID              string
	// ClientSecret is required by AuthClientSecretPost and AuthClientSecretBasic and must be ""
	// with AuthNone.
	ClientSecret string
	// AuthMethod zero is client_secret_post, unless Preset chose otherwise or discovery found a
	// server that lists only client_secret_basic.
	AuthMethod AuthMethod
	// RevocationStyle zero is RFC 7009, unless Preset chose otherwise.
	RevocationStyle RevocationStyle
	// ConnectTimeout (default 10 s) bounds each connection attempt. Timeout (default 30 s) is the
	// deadline of a whole call, from the first attempt to the last byte of the answer, retries and
	// the waits between them included. AttemptTimeout (default: none but Timeout) bounds each
	// attempt within a call, so that a retry is still possible when one attempt hangs. They are
	// rounded up to whole milliseconds; negative values are refused.
	ConnectTimeout time.Duration
	Timeout        time.Duration
	AttemptTimeout time.Duration
	// Retry nil is the library's default: 3 retries, 200 ms base delay, 10 s cap.
	Retry *RetryPolicy
	// UserAgent defaults to "tokenkit/VERSION".
	UserAgent string
	// CAFiles are PEM files whose certificates the client trusts instead of the system's trust
	// store (as tls.Config.RootCAs does). They are read by NewClient.
	CAFiles []string
	// MaxResponseBytes caps a response body (default 1 MiB). Negative values are refused.
	MaxResponseBytes int64
	// MaxIdleConnsPerHost is how many idle keep-alive connections the client keeps per host
	// (default 16, enough for 8 goroutines sharing one client). Negative values are refused.
	MaxIdleConnsPerHost int
	// Preset names a provider whose endpoints and defaults NewClient starts from: "nest" (legacy
	// Works with Nest: its endpoints, client_secret_post, DELETE revocation) or "google-nest"
	// (Device Access: Google's endpoints, scope sdm.service, access_type=offline,
	// prompt=consent; ProjectID required). ClientID and ClientSecret still have to be set.
	Preset string
	// ProjectID is the Device Access project id the google-nest preset puts in its
	// authorization URL.
	ProjectID string
	// Issuer, when set, makes NewClient fetch the issuer's metadata (RFC 8414, then OpenID Connect
	// Discovery) with the timeouts, CA files and retry policy above, check that it names exactly
	// this issuer, and take the endpoints from it; loopback sign-in then also checks the
	// redirect's iss (RFC 9207). Client.Metadata returns the document.
	Issuer string
	// Log, when set, receives the client's request log: a line per attempt (method, URL, status
	// or error, time) and per retry decision, and at LogHeaders also the request's headers and
	// form body and the response's headers. Every secret (client secret, codes, tokens, PKCE
	// verifier, extra parameters) is written as "[redacted]". It is called on the thread of the
	// request, during the call, by every goroutine using the client (and the token sources made
	// from it) at once, so it must be safe for concurrent use and return promptly. A panic in it
	// is recovered before it can unwind through the library and re-raised by the next call on the
	// client (or on such a source) that returns.
	Log func(level int, line string)
	// LogLevel is the most detailed level Log gets: LogRequests (what 0 means when Log is set) or
	// LogHeaders.
	LogLevel int

	// profile is the saved profile the settings start from (Store.Config), or nil.
	profile *profileRef
}

// The levels of the request log (tokenkit_config_set_log).
const (
	// LogRequests is a line per attempt and per retry decision.
	LogRequests = 1
	// LogHeaders adds the headers and form body of each request and the response's headers.
	LogHeaders = 2
)

// String shows the config with the client secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("tokenkit.Config{TokenEndpoint: %q, AuthorizationEndpoint: %q, "+
		"DeviceAuthorizationEndpoint: %q, RevocationEndpoint: %q, IntrospectionEndpoint: %q, "+
		"ClientID: %q, ClientSecret: %s, AuthMethod: %v, RevocationStyle: %v, ConnectTimeout: %v, "+
		"Timeout: %v, AttemptTimeout: %v, Retry: %s, UserAgent: %q, CAFiles: %q, MaxResponseBytes: %d, "+
		"MaxIdleConnsPerHost: %d, Preset: %q, ProjectID: %q, Issuer: %q, Log: %s, LogLevel: %d, Profile: %q}",
		c.TokenEndpoint, c.AuthorizationEndpoint, c.DeviceAuthorizationEndpoint, c.RevocationEndpoint,
		c.IntrospectionEndpoint, c.ClientID, redact(c.ClientSecret), c.AuthMethod, c.RevocationStyle,
		c.ConnectTimeout, c.Timeout, c.AttemptTimeout, c.Retry, c.UserAgent, c.CAFiles, c.MaxResponseBytes,
		c.MaxIdleConnsPerHost, c.Preset, c.ProjectID, c.Issuer, set(c.Log != nil), c.LogLevel, c.profile.String())
}

// GoString is String, so %#v redacts too.
func (c Config) GoString() string { return c.String() }

func set(ok bool) string {
	if ok {
		return "(set)"
	}
	return "nil"
}

// String is "nil" for a nil policy (the library's default), else its three values.
func (r *RetryPolicy) String() string {
	if r == nil {
		return "nil"
	}
	return fmt.Sprintf("&{MaxRetries: %d, BaseDelay: %v, MaxDelay: %v}", r.MaxRetries, r.BaseDelay, r.MaxDelay)
}

// Discover fetches the authorization server metadata of issuer (RFC 8414
// /.well-known/oauth-authorization-server, then OpenID Connect /.well-known/openid-configuration),
// checks that it names exactly that issuer (RFC 8414 §3.3), and returns the document. It uses
// cfg's transport settings (timeouts, Retry, UserAgent, CAFiles, MaxResponseBytes,
// MaxIdleConnsPerHost) and ignores the rest. To make a client from the metadata, set
// Config.Issuer instead: NewClient then discovers and keeps the document (Client.Metadata). When
// ctx is done, the request stops and the error is a Cancelled one that wraps ctx.Err().
func Discover(ctx context.Context, issuer string, cfg Config) (json.RawMessage, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	if err := started(ctx); err != nil {
		return nil, err
	}
	b := newConfigBuilder()
	defer b.release()
	b.transport(&cfg)
	metadata := b.discover(ctx, issuer)
	if b.err != nil {
		return nil, b.err
	}
	return metadata, nil
}

// newNativeClient fills a tokenkit_config from c and makes a client from it; metadata is the
// discovery document when c.Issuer is set, log holds c.Log for the client (nil without one).
// Validation is the library's: values are passed through, except that zero means "keep the
// default".
func (c *Config) newNativeClient(ctx context.Context) (client *C.tokenkit_client, metadata json.RawMessage, log *logSink, err error) {
	b := c.newBuilder()
	defer b.release()
	metadata = c.fill(ctx, b)
	if c.Log != nil || c.LogLevel != 0 {
		level := c.LogLevel
		if level == 0 {
			level = LogRequests
		}
		b.fail(level > math.MaxInt32 || level < math.MinInt32, "log level must fit in 32 bits, got %d", level)
		var handle C.uintptr_t // 0: no function, which the library refuses at a level above 0
		if c.Log != nil && b.err == nil {
			log = newLogSink(c.Log)
			handle = log.handle
		}
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			if handle == 0 {
				return C.tokenkit_config_set_log(config, C.int32_t(level), nil, nil, e)
			}
			return C.tkgo_config_set_log(config, C.int32_t(level), handle, e)
		})
	}
	b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_client_new(config, &client, e)
	})
	if b.err != nil {
		log.release()
		return nil, nil, nil, b.err
	}
	return client, metadata, log, nil
}

// newBuilder starts from a new config, or from the saved profile's settings.
func (c *Config) newBuilder() *configBuilder {
	if c.profile == nil {
		return newConfigBuilder()
	}
	b := &configBuilder{}
	name := b.a.required("profile name", c.profile.name)
	b.err = b.a.err
	if b.err == nil {
		b.err = c.profile.store.use(func(h *C.tokenkit_store) error {
			return check(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_store_config(h, name, &b.config, e)
			})
		})
	}
	return b
}

// fill sets what c holds, but the log, on b's config; the discovery document when c.Issuer is set.
func (c *Config) fill(ctx context.Context, b *configBuilder) (metadata json.RawMessage) {
	// Discovery uses the transport settings, so they come first; the explicit endpoints last.
	b.transport(c)
	if c.Preset != "" {
		name, projectID := b.a.required("preset", c.Preset), b.a.optional("project_id", c.ProjectID)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_apply_preset(config, name, projectID, e)
		})
	}
	if c.Issuer != "" {
		metadata = b.discover(ctx, c.Issuer)
	}
	b.endpoints(c)
	if c.profile == nil || c.ClientID != "" { // a profile has its client id
		clientID := b.a.required("client_id", c.ClientID)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_client_id(config, clientID, e)
		})
	}
	b.setString("client_secret", c.ClientSecret, func(config *C.tokenkit_config, secret *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_client_secret(config, secret, e)
	})
	if c.AuthMethod != AuthClientSecretPost { // zero keeps the default, or the preset's choice
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_auth_method(config, C.int32_t(c.AuthMethod), e)
		})
	}
	if c.RevocationStyle != RevocationRFC7009 {
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_revocation_style(config, C.int32_t(c.RevocationStyle), e)
		})
	}
	return metadata
}

// configBuilder fills one native config. The first failure, of an argument conversion or of a
// setter, is kept in err and skips every later setter.
type configBuilder struct {
	a      callArgs
	config *C.tokenkit_config
	err    error
}

func newConfigBuilder() *configBuilder {
	return &configBuilder{config: C.tokenkit_config_new()}
}

func (b *configBuilder) release() {
	C.tokenkit_config_free(b.config)
	b.a.release()
}

func (b *configBuilder) set(call func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status) {
	if b.err == nil {
		b.err = b.a.err
	}
	if b.err == nil {
		b.err = check(func(e **C.tokenkit_error) C.tokenkit_status { return call(b.config, e) })
	}
}

// transport sets what every request, discovery included, uses.
func (b *configBuilder) transport(c *Config) {
	b.setMillis(c.ConnectTimeout, func(config *C.tokenkit_config, ms C.int64_t, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_connect_timeout_ms(config, ms, e)
	})
	b.setMillis(c.Timeout, func(config *C.tokenkit_config, ms C.int64_t, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_timeout_ms(config, ms, e)
	})
	b.setMillis(c.AttemptTimeout, func(config *C.tokenkit_config, ms C.int64_t, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_attempt_timeout_ms(config, ms, e)
	})
	if c.MaxResponseBytes != 0 {
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_max_response_bytes(config, C.int64_t(c.MaxResponseBytes), e)
		})
	}
	if n := c.MaxIdleConnsPerHost; n != 0 {
		b.fail(int64(n) > math.MaxInt32, "max_idle_connections_per_host must fit in 32 bits, got %d", n)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_max_idle_connections_per_host(config, C.int32_t(max(n, math.MinInt32)), e)
		})
	}
	if r := c.Retry; r != nil {
		// The ABI's int32_t cannot carry more; a negative number is the library's to refuse.
		b.fail(int64(r.MaxRetries) > math.MaxInt32, "retry: MaxRetries must fit in 32 bits, got %d", r.MaxRetries)
		retries, base, limit := C.int32_t(max(r.MaxRetries, math.MinInt32)), millis(r.BaseDelay), millis(r.MaxDelay)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_retry(config, retries, base, limit, e)
		})
	}
	b.setString("user_agent", c.UserAgent, func(config *C.tokenkit_config, userAgent *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_user_agent(config, userAgent, e)
	})
	for _, file := range c.CAFiles {
		path := b.a.required("ca_file", file)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_add_ca_file(config, path, e)
		})
	}
}

// fail records a value the ABI's types cannot carry, unless an earlier step failed.
func (b *configBuilder) fail(failed bool, format string, args ...any) {
	if failed && b.err == nil {
		b.err = &Error{Kind: InvalidArgument, Message: fmt.Sprintf(format, args...)}
	}
}

// setMillis runs a milliseconds setter, unless d is 0 (keep the default).
func (b *configBuilder) setMillis(d time.Duration, set func(config *C.tokenkit_config, ms C.int64_t, e **C.tokenkit_error) C.tokenkit_status) {
	if d != 0 {
		ms := millis(d)
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status { return set(config, ms, e) })
	}
}

// discover runs tokenkit_config_discover, cancelled when ctx is done, and returns the metadata
// document.
func (b *configBuilder) discover(ctx context.Context, issuer string) json.RawMessage {
	cissuer := b.a.required("issuer", issuer)
	if b.err == nil {
		b.err = b.a.err
	}
	if b.err != nil {
		return nil
	}
	var metadata *C.char
	b.err = withContext(ctx, func(cancel *C.tokenkit_cancel) error {
		options := newRequestOptions().cancel(cancel)
		defer options.free()
		if options.err != nil {
			return options.err
		}
		return check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_discover(b.config, cissuer, options.native, &metadata, e)
		})
	})
	return takeBytes(metadata) // NULL on failure
}

// endpoints sets the endpoints c names; "" leaves an endpoint as the preset or discovery set it
// (an unset token endpoint is named by tokenkit_client_new).
func (b *configBuilder) endpoints(c *Config) {
	b.setString("token_endpoint", c.TokenEndpoint, func(config *C.tokenkit_config, url *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_token_endpoint(config, url, e)
	})
	b.setString("authorization_endpoint", c.AuthorizationEndpoint, func(config *C.tokenkit_config, url *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_authorization_endpoint(config, url, e)
	})
	b.setString("device_authorization_endpoint", c.DeviceAuthorizationEndpoint, func(config *C.tokenkit_config, url *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_device_authorization_endpoint(config, url, e)
	})
	b.setString("revocation_endpoint", c.RevocationEndpoint, func(config *C.tokenkit_config, url *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_revocation_endpoint(config, url, e)
	})
	b.setString("introspection_endpoint", c.IntrospectionEndpoint, func(config *C.tokenkit_config, url *C.char, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_introspection_endpoint(config, url, e)
	})
}

// setString runs a string setter, unless value is "" (keep what is there).
func (b *configBuilder) setString(name, value string, set func(config *C.tokenkit_config, s *C.char, e **C.tokenkit_error) C.tokenkit_status) {
	if value != "" {
		s := b.a.required(name, value) // a NUL byte fails in set
		b.set(func(config *C.tokenkit_config, e **C.tokenkit_error) C.tokenkit_status { return set(config, s, e) })
	}
}

// millis is d in whole milliseconds, rounded away from zero, so that neither a positive nor a
// negative duration becomes 0 (a negative one is the library's to refuse).
func millis(d time.Duration) C.int64_t {
	ms := d / time.Millisecond
	switch rest := d % time.Millisecond; {
	case rest > 0:
		ms++
	case rest < 0:
		ms--
	}
	return C.int64_t(ms)
}
