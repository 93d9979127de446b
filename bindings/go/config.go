package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"fmt"
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

// Config holds the settings of a Client. A zero field means tokenkit's default; NewClient copies
// what it needs, so a Config may be changed or reused afterwards.
type Config struct {
	// TokenEndpoint must be https://, or http:// to a loopback host (127.0.0.0/8, ::1, localhost).
	TokenEndpoint string
	ClientID      string
	// ClientSecret is required by AuthClientSecretPost and AuthClientSecretBasic and must be ""
	// with AuthNone.
	ClientSecret string
	AuthMethod   AuthMethod
	// ConnectTimeout (default 10 s) and Timeout (default 30 s, from name resolution to the last
	// byte of the body) are rounded up to whole milliseconds. Negative values are refused.
	ConnectTimeout time.Duration
	Timeout        time.Duration
	// UserAgent defaults to "tokenkit/VERSION".
	UserAgent string
	// CAFiles are PEM files whose certificates are trusted on top of the system's trust store.
	// They are read by NewClient.
	CAFiles []string
	// MaxResponseBytes caps a response body (default 1 MiB). Negative values are refused.
	MaxResponseBytes int64
}

// String shows the config with the client secret redacted.
func (c Config) String() string {
	return fmt.Sprintf("tokenkit.Config{TokenEndpoint: %q, ClientID: %q, ClientSecret: %s, AuthMethod: %v, "+
		"ConnectTimeout: %v, Timeout: %v, UserAgent: %q, CAFiles: %q, MaxResponseBytes: %d}",
		c.TokenEndpoint, c.ClientID, redact(c.ClientSecret), c.AuthMethod, c.ConnectTimeout, c.Timeout,
		c.UserAgent, c.CAFiles, c.MaxResponseBytes)
}

// GoString is String, so %#v redacts too.
func (c Config) GoString() string { return c.String() }

// newNativeClient fills a tokenkit_config from c and makes a client from it. Validation is the
// library's: values are passed through, except that zero means "keep the default" and a negative
// number is passed as 0, which the library refuses with a message naming the setting.
func (c *Config) newNativeClient() (*C.tokenkit_client, error) {
	var a callArgs
	defer a.release()
	endpoint := a.optional("token_endpoint", c.TokenEndpoint)
	clientID := a.required("client_id", c.ClientID)
	secret := a.optional("client_secret", c.ClientSecret)
	userAgent := a.optional("user_agent", c.UserAgent)
	caFiles := make([]*C.char, len(c.CAFiles))
	for i, path := range c.CAFiles {
		caFiles[i] = a.required("ca_file", path)
	}
	if a.err != nil {
		return nil, a.err
	}

	config := C.tokenkit_config_new()
	defer C.tokenkit_config_free(config)
	var err error
	set := func(call func(errp **C.tokenkit_error) C.tokenkit_status) {
		if err == nil {
			err = check(call)
		}
	}
	if endpoint != nil { // unset, tokenkit_client_new names the missing endpoint
		set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_token_endpoint(config, endpoint, e)
		})
	}
	set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_client_id(config, clientID, e)
	})
	if secret != nil {
		set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_client_secret(config, secret, e)
		})
	}
	set(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_config_set_auth_method(config, C.int32_t(c.AuthMethod), e)
	})
	if c.ConnectTimeout != 0 {
		ms := millis(c.ConnectTimeout)
		set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_connect_timeout_ms(config, ms, e)
		})
	}
	if c.Timeout != 0 {
		ms := millis(c.Timeout)
		set(func(e **C.tokenkit_error) C.tokenkit_status { return C.tokenkit_config_set_timeout_ms(config, ms, e) })
	}
	if c.MaxResponseBytes != 0 {
		limit := C.uint64_t(max(c.MaxResponseBytes, 0))
		set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_max_response_bytes(config, limit, e)
		})
	}
	if userAgent != nil {
		set(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_config_set_user_agent(config, userAgent, e)
		})
	}
	for _, path := range caFiles {
		set(func(e **C.tokenkit_error) C.tokenkit_status { return C.tokenkit_config_add_ca_file(config, path, e) })
	}
	var client *C.tokenkit_client
	set(func(e **C.tokenkit_error) C.tokenkit_status { return C.tokenkit_client_new(config, &client, e) })
	if err != nil {
		return nil, err
	}
	return client, nil
}

// millis rounds a positive duration up to whole milliseconds; a negative one becomes 0.
func millis(d time.Duration) C.uint64_t {
	if d <= 0 {
		return 0
	}
	return C.uint64_t((d + time.Millisecond - 1) / time.Millisecond)
}
