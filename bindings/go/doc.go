// Package tokenkit is the Go binding of tokenkit, an OAuth 2.0 token client written in Rust with a
// C ABI (include/tokenkit.h). It does not re-implement OAuth: every request, rule and tolerance is
// the native library's; this package converts arguments, copies results into Go memory and turns
// the library's error objects into *Error values.
//
// The Works with Nest sample in one call:
//
//	token, err := tokenkit.ExchangeCode(tokenkit.ExchangeRequest{
//		TokenEndpoint: "https://api.home.nest.com/oauth2/access_token",
//		Code:          code, ClientID: clientID, ClientSecret: clientSecret})
//
// For more than one request make a Client once and share it: it keeps connections alive and may
// be used from any number of goroutines. Close it when done.
//
// # Flows
//
// Beyond the token grants, a Client builds authorization URLs with state and PKCE
// (AuthorizationRequest), signs a user in through the browser with a loopback redirect
// (SignInLoopback), runs the device flow (DeviceAuthorize, DevicePoll, DeviceFlow), revokes
// (Revoke) and introspects (Introspect) tokens. Config can start from a provider preset (Preset)
// or from discovery (Issuer, or the Discover function). A TokenSource hands out a valid access
// token and refreshes it, once for any number of goroutines; package oauth2adapter turns it into
// a golang.org/x/oauth2 TokenSource. A Token's JSON (json.Marshal, TokenFromJSON) is the
// library's saved format. A Store keeps named profiles (a client's settings and its token) on
// disk, shared by every process of the user, which refresh each profile once (Store.Token,
// NewStoreTokenSource).
//
// # Contexts, callbacks and threads
//
// Every call that sends a request takes a context.Context (NewClient too, for discovery): when it
// is done, a goroutine raises the library's cancel flag, the library interrupts the request within
// about 100 ms, and the call returns an *Error of kind Cancelled that also wraps ctx.Err().
// Config.Timeout bounds a whole call, retries included. The exceptions are the one-call
// ExchangeCode and the TokenSource's refreshes, which the C ABI gives no cancel flag.
//
// The library calls back into Go: LoopbackOptions.OpenURL, DeviceOptions.Prompt and
// DeviceOptions.OnPoll on the thread of the call, TokenSourceOptions.OnChange on whatever thread
// refreshes, possibly one the Go runtime did not create, and Config.Log on the thread of each
// request. The functions cross as runtime/cgo handles, never as Go pointers. When
// OpenURL or Prompt returns an error the library stops the call, which returns a Cancelled error
// wrapping it; a panic is recovered before it can unwind through the library, stops the call, and
// is re-raised by the Go call that made the native call.
//
// # Linking
//
// By default the package links the static library target/release/libtokenkit.a of the checkout it
// lives in, so a Go program has no run-time dependency on libtokenkit.so. With the build tag
// tokenkit_shared it links target/release/libtokenkit.so instead, found at run time through an
// rpath. Either way run `make lib` at the repository root first.
//
// # ABI version
//
// The package was written for ABI version ABIVersion. At init it compares that number with the
// header it was compiled against and with tokenkit_abi_version() of the library it was linked
// with. On a mismatch the package does not panic: every constructor (NewClient, ExchangeCode,
// Discover, TokenFromJSON) returns an *Error of kind Internal naming both versions, so a program
// that uses tokenkit for one feature still starts, and the mismatch is reported where tokenkit is
// used. A test (header_test.go) checks every C call of the package against include/tokenkit.h.
//
// # Errors
//
// Every failure is an *Error. Use errors.Is with the sentinels (ErrOAuth, ErrTimeout, …) to test
// the kind, and errors.As to read the OAuth fields and the HTTP status.
//
// # Secrets
//
// The native library zeroizes every copy of a secret it frees, and so does this package for the
// buffers it hands to C. Go strings cannot be wiped: the secrets in a Config and the tokens in a
// Token live in Go memory until the garbage collector reuses it. Token, Config, ExchangeRequest
// and AuthorizationRequest print with their secrets redacted; TokenSource.Save and json.Marshal of
// a Token return secrets.
package tokenkit
