//! A small local OAuth 2.0 authorization server: the fixture tokenkit's demo and its C, CLI,
//! Go, Java and Rust tests run against. It serves plain HTTP and, optionally, the same routes
//! over HTTPS with a throwaway CA made at start-up.
//!
//! Two ways to run it:
//! - in-process, from Rust tests: [`Server::start`] with [`Options`] (ephemeral ports, stopped on
//!   drop);
//! - as the `mock_server` binary (scripts/with_servers.sh, scripts/demo.sh):
//!   `mock_server [--port N] [--port-file PATH] [--code CODE]... [--max-seconds S]
//!   [--tls-port N] [--tls-port-file PATH] [--ca-file-out PATH]`.
//!   It prints `http://127.0.0.1:PORT` (and `https://127.0.0.1:PORT` with TLS) on stdout and
//!   writes each URL atomically to its port file; `--ca-file-out` gets the CA's PEM before the
//!   port files appear. Any of the three TLS flags turns HTTPS on. MOCK_SERVER_VERBOSE=1 logs one
//!   stderr line per request (secrets never logged).
//!
//! The issuer is the base URL of the listener a request arrives on, `http://127.0.0.1:PORT` or
//! `https://127.0.0.1:PORT`. Access tokens minted over HTTPS start with `tls-`. Endpoints:
//!
//! ```text
//! POST /token                  grant_type authorization_code | refresh_token |
//!                              client_credentials | urn:ietf:params:oauth:grant-type:device_code;
//!                              optional mock_expires_in=SECONDS for the access token
//! GET  /authorize              RFC 6749 §4.1 + PKCE S256, loopback redirect_uri only (RFC 8252);
//!                              302 with code, state, iss (RFC 9207); optional mock_behavior=
//!                              deny | wrong-state | wrong-iss | no-iss | no-code
//! POST /device_authorization   RFC 8628 §3.1; scope, optional mock_behavior=approve | slow_down |
//!                              deny | expire | never | google, mock_interval=N | absent,
//!                              mock_expires_in=N (device code lifetime)
//! GET  /device                 placeholder verification page (codes are approved by mock_behavior)
//! POST /revoke                 RFC 7009; token, optional token_type_hint
//! POST /revoke/strict          the same, but an unknown, foreign or already revoked token gets
//!                              200 {"error":"invalid_token","error_description":...}
//! DELETE /oauth2/access_tokens/<token>   Nest-style revocation: 204, or 404 if unknown
//! POST /introspect             RFC 7662; confidential clients only
//! GET  /.well-known/oauth-authorization-server[/<tenant>]   RFC 8414 metadata
//! GET  [/<tenant>]/.well-known/openid-configuration         the same, OIDC path style
//!                              tenant: tenant1 (issuer <issuer>/tenant1), evil (lies about its
//!                              issuer), broken (invalid JSON)
//! POST /flaky/<N>/<key>/token     first N requests per key: 503, Retry-After: 0; then /token
//! POST /flaky429/<N>/<key>/token  the same with 429, Retry-After: 1
//! POST /held/<N>/<ms>/<key>/token each request is held until N requests with this key have
//!                              arrived or <ms> (at most 60000) have passed, then answered like
//!                              /token; the count is under "held" in /stats (single-flight tests)
//! GET  /stats                  request counters and device poll spacing, for assertions:
//!                              token_requests, by_grant, device_polls, revocations,
//!                              introspections, flaky, held, requests (all), paths (per path)
//! POST /mint                   a one-time code bound to client_id, redirect_uri, code_challenge, scope
//! POST /echo                   a valid token response reflecting the request
//! POST /fault/<mode>           token endpoints that misbehave on purpose, below
//! ```
//!
//! Fault modes, `POST /fault/<mode>`:
//!
//! ```text
//! slow               200 whose 64-byte body drips at 1 byte/s
//! hang               never answers (gives up after 120 s or when the client leaves)
//! close              closes the connection without answering
//! oversize           a 2 MiB token response; oversize-chunked the same, chunked
//! 503                503 HTML, Retry-After: 1
//! redirect           307 to /token
//! redirect/<S>[/<path>]   S = 301 | 302 | 303 | 307 | 308 to /<path> of this listener (default
//!                    /token); with "paths" in /stats a test can check the target was never hit
//! gzip               a token response, gzip-encoded when Accept-Encoding allows it
//! big-id-token       a token response with an id_token of 20,000 characters (about 20 KiB)
//! echo-400           400 invalid_request whose error_description holds the raw request body
//!                    (client secret included): for secret-redaction tests
//! echo-500           500 text/plain holding the raw request body; echo-500-json the same as
//!                    {"error":"server_error","error_description":...}
//! 500                500 HTML page           notjson400      400 text/plain
//! 404-json           404 {"error":"Realm does not exist"}
//! 405-json           405 {"error":"method_not_allowed"}, Allow: GET
//! 500-json           500 {"error":"server_error"}
//! malformed          200 truncated JSON      error200        200 with an OAuth error body
//! nest-error         Nest's 400 body         nest            Nest's token (no token_type)
//! form, textplain    GitHub-style form-encoded token, as form or text/plain
//! string-expires     expires_in as a string  null-expires    expires_in null
//! created            201 with a token        no-access-token 200 without access_token
//! nul                NUL inside the token    not-object      a JSON array
//! extra-fields       id_token, nested custom fields, scope
//! control-chars      400 invalid_grant whose error_description holds ESC, CR, LF, BEL, DEL and
//!                    U+009B (JSON-escaped): a hostile server's terminal escapes
//! control-chars-device   a device authorization response (device_code dc-control-chars) with
//!                    the same in user_code, verification_uri and verification_uri_complete
//! control-chars-token    a token response with raw CR, LF and tab between tokens and raw DEL
//!                    and U+009B inside a string
//! ```
//!
//! Client authentication (token, device authorization, revocation, introspection):
//! demo-client / demo-secret (client_secret_post), basic-client / "basic secret:+&/é"
//! (client_secret_basic), public-client (none), rotating-client / rotating-secret
//! (client_secret_post; refresh grants rotate the refresh token). Any fresh `code-…` is a valid
//! authorization code once.

mod clients;
mod endpoints;
mod faults;
mod form;
mod http;
mod server;
mod state;
mod tls;

pub use server::{Options, Server};
