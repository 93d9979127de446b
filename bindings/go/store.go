package tokenkit

// #include "tokenkit.h"
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Store is a directory of profiles, tokenkit's token store (tokenkit_store): per profile a
// client's settings (endpoints, client id, auth method, and the client secret only when asked)
// and its token, each in <dir>/<name>.json with mode 0600. Writes are atomic, and a refresh holds
// an advisory lock on the profile, so the goroutines and processes sharing one refresh it once,
// all get the new token, and never spend a rotated refresh token twice. A profile name is 1 to 64
// letters, digits, '.', '_' or '-', not starting with '.'.
//
// It is safe for concurrent use. Close it when done: a finalizer frees a forgotten one. Token
// sources made from it hold their own reference to the native store.
type Store struct {
	// mu guards handle as Client.mu guards the client's.
	mu     sync.RWMutex
	handle *C.tokenkit_store
	dir    string
}

// liveStores counts native stores not yet freed.
var liveStores atomic.Int64

// ProfileInfo is what Store.Profiles tells of one profile: nothing secret.
type ProfileInfo struct {
	Name string
	// ClientID is "" when the file could not be read (then Problem says why).
	ClientID string
	// TokenEndpoint is "" when the profile has none (a preset's is not resolved here).
	TokenEndpoint   string
	HasToken        bool
	HasRefreshToken bool
	// Expiry is when the saved access token expires, the zero Time when unknown.
	Expiry time.Time
	// Problem is why the file could not be read as a profile, or "".
	Problem string
}

// profileRef is the profile a Config from Store.Config starts from.
type profileRef struct {
	store *Store
	name  string
}

func (p *profileRef) String() string {
	if p == nil {
		return ""
	}
	return p.name
}

// OpenStore opens the store in dir (made with mode 0700 if missing), or, when dir is "", in the
// default place: $TOKENKIT_STORE, else $XDG_CONFIG_HOME/tokenkit, else ~/.config/tokenkit.
func OpenStore(dir string) (*Store, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var a callArgs
	defer a.release()
	cdir := a.optional("dir", dir)
	if a.err != nil {
		return nil, a.err
	}
	var native *C.tokenkit_store
	if err := check(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_store_open(cdir, &native, e)
	}); err != nil {
		return nil, err
	}
	s := &Store{handle: native, dir: borrowedString(C.tokenkit_store_dir(native))}
	liveStores.Add(1)
	runtime.SetFinalizer(s, (*Store).free)
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string {
	if s == nil {
		return ""
	}
	return s.dir
}

// SaveProfile saves profile name from cfg (its endpoints, client id, auth method, and the preset
// or issuer it names; its ClientSecret only when withSecret) and token (nil for none yet),
// replacing a profile of that name. Timeouts, CA files and Log are not saved: they belong to the
// program. With cfg.Issuer set, the issuer's metadata is discovered first (ctx cancels that).
// token must be one tokenkit returned (see NewTokenSource).
func (s *Store) SaveProfile(ctx context.Context, name string, cfg Config, token *Token, withSecret bool) error {
	if err := started(ctx); err != nil {
		return err
	}
	b := cfg.newBuilder()
	defer b.release()
	cfg.fill(ctx, b)
	if b.err != nil {
		return b.err
	}
	var secret C.uint8_t
	if withSecret {
		secret = 1
	}
	return s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		return withNativeToken(token, true, func(t *C.tokenkit_token) error {
			return check(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_store_save_profile(h, cname, b.config, t, secret, e)
			})
		})
	})
}

// Config returns the client settings of profile name (with the client secret when the profile
// holds one) as a Config for NewClient: set what the program owns (ClientSecret, timeouts,
// CAFiles, Log) in it first. Its other fields are zero, meaning "as saved"; one set overrides the
// saved value. The profile is read again when the client is made, so the store must still be
// open then.
func (s *Store) Config(name string) (Config, error) {
	// Read it now, so that a missing or broken profile is reported here.
	err := s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		var native *C.tokenkit_config
		defer func() { C.tokenkit_config_free(native) }()
		return check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_store_config(h, cname, &native, e)
		})
	})
	if err != nil {
		return Config{}, err
	}
	return Config{profile: &profileRef{store: s, name: name}}, nil
}

// Token returns a fresh token of profile name: the saved one while it is more than skew from
// expiry, else refreshed through client with the saved refresh token and saved, under the
// profile's lock, so that goroutines and processes asking together cause one refresh and all get
// its token. A rotated refresh token is saved before the lock is let go; when the server sends
// none, the old one is kept. It fails with InvalidArgument when the profile has no token or no
// refresh token (sign in again), and with the errors of Client.Refresh. It blocks while another
// process refreshes; when ctx is done, the wait or the refresh stops and the error is a Cancelled
// one that wraps ctx.Err() (a refresh cancelled in flight may lose a rotated refresh token, as
// Client.Refresh's).
func (s *Store) Token(ctx context.Context, name string, client *Client, skew time.Duration) (*Token, error) {
	var token *Token
	err := s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		return client.request(ctx, nil, func(*requestOptions) {}, func(c *C.tokenkit_client, o *C.tokenkit_request_options) (err error) {
			token, err = receiveToken(func(out **C.tokenkit_token, e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_store_token(h, cname, c, millis(skew), o, out, e)
			})
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// SavedToken returns the token saved in profile name as it is (fresh or not), without any
// request; nil, nil when the profile holds none.
func (s *Store) SavedToken(name string) (*Token, error) {
	return s.optionalToken(name, func(h *C.tokenkit_store, cname *C.char, out **C.tokenkit_token, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_store_saved_token(h, cname, out, e)
	})
}

// SaveToken saves token in the existing profile name (after a sign-in), keeping its client
// settings. token must be one tokenkit returned.
func (s *Store) SaveToken(name string, token *Token) error {
	return s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		return withNativeToken(token, false, func(t *C.tokenkit_token) error {
			return check(func(e **C.tokenkit_error) C.tokenkit_status {
				return C.tokenkit_store_save_token(h, cname, t, e)
			})
		})
	})
}

// RemoveToken removes the token of profile name, keeping its client settings (a logout), and
// returns it so that it can be revoked; nil, nil when there was none.
func (s *Store) RemoveToken(name string) (*Token, error) {
	return s.optionalToken(name, func(h *C.tokenkit_store, cname *C.char, out **C.tokenkit_token, e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_store_remove_token(h, cname, out, e)
	})
}

// DeleteProfile deletes profile name and its lock file; false when there was no such profile.
func (s *Store) DeleteProfile(name string) (bool, error) {
	var existed C.uint8_t
	err := s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		return check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_store_delete_profile(h, cname, &existed, e)
		})
	})
	return existed == 1, err
}

// Profiles lists every profile, by name, with nothing secret.
func (s *Store) Profiles() ([]ProfileInfo, error) {
	var doc []byte
	err := s.use(func(h *C.tokenkit_store) error {
		var out *C.char
		err := check(func(e **C.tokenkit_error) C.tokenkit_status {
			return C.tokenkit_store_profiles(h, &out, e)
		})
		doc = takeBytes(out)
		return err
	})
	if err != nil {
		return nil, err
	}
	var listed []struct {
		Name            string `json:"name"`
		ClientID        string `json:"client_id"`
		TokenEndpoint   string `json:"token_endpoint"`
		HasToken        bool   `json:"has_token"`
		HasRefreshToken bool   `json:"has_refresh_token"`
		ExpiresAt       *int64 `json:"expires_at"`
		Problem         string `json:"problem"`
	}
	if err := json.Unmarshal(doc, &listed); err != nil {
		return nil, &Error{Kind: Internal, Message: "tokenkit_store_profiles: " + err.Error()}
	}
	profiles := make([]ProfileInfo, len(listed))
	for i, p := range listed {
		profiles[i] = ProfileInfo{Name: p.Name, ClientID: p.ClientID, TokenEndpoint: p.TokenEndpoint,
			HasToken: p.HasToken, HasRefreshToken: p.HasRefreshToken, Problem: p.Problem}
		if p.ExpiresAt != nil {
			profiles[i].Expiry = time.Unix(*p.ExpiresAt, 0)
		}
	}
	return profiles, nil
}

// Close frees the native store, once the calls running on it return. Closing twice is fine;
// after Close every method returns an *Error of kind InvalidArgument, as does NewClient with a
// Config from this store. Token sources made from it keep working.
func (s *Store) Close() error {
	if s == nil {
		return nil
	}
	s.free()
	runtime.SetFinalizer(s, nil)
	return nil
}

func (s *Store) free() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handle != nil {
		C.tokenkit_store_free(s.handle)
		s.handle = nil
		liveStores.Add(-1)
	}
}

// use runs f with the live native store under the read lock.
func (s *Store) use(f func(h *C.tokenkit_store) error) error {
	if s == nil {
		return &Error{Kind: InvalidArgument, Message: "store is nil"}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.handle == nil {
		return &Error{Kind: InvalidArgument, Message: "store is closed"}
	}
	err := f(s.handle)
	runtime.KeepAlive(s)
	return err
}

// named runs f with the live native store and the profile name as a C string.
func (s *Store) named(name string, f func(h *C.tokenkit_store, cname *C.char) error) error {
	var a callArgs
	defer a.release()
	cname := a.required("name", name)
	if a.err != nil {
		return a.err
	}
	return s.use(func(h *C.tokenkit_store) error { return f(h, cname) })
}

// optionalToken runs a call whose token output may be NULL (none): nil, nil then.
func (s *Store) optionalToken(name string, call func(h *C.tokenkit_store, cname *C.char, out **C.tokenkit_token, e **C.tokenkit_error) C.tokenkit_status) (*Token, error) {
	var token *Token
	err := s.named(name, func(h *C.tokenkit_store, cname *C.char) error {
		var native *C.tokenkit_token
		err := check(func(e **C.tokenkit_error) C.tokenkit_status { return call(h, cname, &native, e) })
		defer C.tokenkit_token_free(native)
		if err == nil && native != nil {
			token = tokenFromNative(native)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return token, nil
}

// withNativeToken runs f with token as a native token (from its saved form), freed afterwards;
// nil passes NULL when orNull, else is refused.
func withNativeToken(token *Token, orNull bool, f func(t *C.tokenkit_token) error) error {
	if token == nil {
		if orNull {
			return f(nil)
		}
		return &Error{Kind: InvalidArgument, Message: "token is nil"}
	}
	saved, err := token.savedForm()
	if err != nil {
		return err
	}
	var a callArgs
	defer a.release()
	csaved := a.required("token", string(saved))
	if a.err != nil {
		return a.err
	}
	var native *C.tokenkit_token
	if err := check(func(e **C.tokenkit_error) C.tokenkit_status {
		return C.tokenkit_token_from_json(csaved, &native, e)
	}); err != nil {
		return err
	}
	defer C.tokenkit_token_free(native)
	return f(native)
}
