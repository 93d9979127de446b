#!/usr/bin/env bash
# The tokenkit CLI (and so the C ABI) against Ory Hydra v2.3.0 on loopback: the interop matrix of
# tests/interop/hydra/README.md. usage: test_cli.sh BIN_DIR
# Starts Hydra itself (run.sh) unless TOKENKIT_HYDRA_ISSUER is set.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -n "${TOKENKIT_HYDRA_ISSUER:-}" ] || exec "$here/run.sh" "$0" "$@"
bin=$(cd "$1" && pwd)/tokenkit
iss=$TOKENKIT_HYDRA_ISSUER
admin=$TOKENKIT_HYDRA_ADMIN_URL
introspection_url=$admin/admin/oauth2/introspect
token_url=$iss/oauth2/token
cb=http://127.0.0.1/callback
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out" err="$work/err"
source "$here/../../../cli/tests/expect.sh"
field() { jq -r --arg k "$1" '.[$k] // empty' "$out"; }
code() { node "$here/get-code.mjs" --issuer "$iss" --redirect-uri "$cb" "$@"; }
# as CLIENT COMMAND...: runs it as tk-post, tk-basic (their secret and auth method) or tk-public
as() {
  local client=$1; shift
  case $client in
    tk-post) env TOKENKIT_CLIENT_SECRET=tk-post-secret "$@" --client-id tk-post ;;
    tk-basic) env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$@" --client-id tk-basic --auth-method basic ;;
    tk-public) env -u TOKENKIT_CLIENT_SECRET "$@" --client-id tk-public --auth-method none ;;
  esac
}
active() { # TOKEN: prints true or false, straight from Hydra's admin API
  curl -sS -d "token=$1" "$introspection_url" | jq -r .active
}

# Discovery, with the issuer check (RFC 8414 §3.3; Hydra serves only OpenID Connect Discovery).
expect 0 "discover" -- "$bin" discover --issuer "$iss"
check "discover: issuer" test "$(field issuer)" = "$iss"
check "discover: token endpoint" test "$(field token_endpoint)" = "$token_url"
check "discover: Hydra lists no introspection endpoint" test -z "$(field introspection_endpoint)"
expect 5 "discover: another issuer" -- "$bin" discover --issuer "$iss/"
check "discover: mismatch named" grep -q 'names issuer .*, not the .* asked for (RFC 8414 §3.3)' "$err"

# Code exchange, client_secret_post.
c=$(code --client-id tk-post --scope "openid offline_access read write")
expect 0 "exchange (post)" -- as tk-post "$bin" exchange --token-url "$token_url" --code "$c" --redirect-uri "$cb"
check "exchange (post): access_token" test -n "$(field access_token)"
check "exchange (post): refresh_token (offline_access)" test -n "$(field refresh_token)"
check "exchange (post): id_token (openid)" test -n "$(field id_token)"
# Hydra writes token_type in lower case, which RFC 6749 §5.1 allows (case-insensitive); the CLI
# prints the response as the server sent it.
check "exchange (post): token_type as sent" test "$(field token_type)" = bearer
at=$(field access_token) rt=$(field refresh_token)

# The same code again: invalid_grant; Hydra also revokes what the code gave (RFC 6749 §4.1.2).
expect 3 "code reuse" -- as tk-post "$bin" exchange --token-url "$token_url" --code "$c" --redirect-uri "$cb"
check "code reuse: invalid_grant" grep -q '^tokenkit: oauth_error: invalid_grant: .* (HTTP 400)$' "$err"
check "code reuse: the code is not in the message" bash -c "! grep -qF -- '$c' '$err'"
check "code reuse: Hydra revoked the first exchange's access token" test "$(active "$at")" = false

# Code exchange, client_secret_basic; then refresh with rotation.
c=$(code --client-id tk-basic --scope "openid offline_access read write")
expect 0 "exchange (basic)" -- as tk-basic "$bin" exchange --issuer "$iss" --code "$c" --redirect-uri "$cb"
check "exchange (basic): refresh_token" test -n "$(field refresh_token)"
at=$(field access_token) rt=$(field refresh_token)
# Hydra ignores `scope` on a refresh (RFC 6749 §6 lets the client narrow it): the token keeps the
# granted scope, and tokenkit reports the scope the server sent.
expect 0 "refresh" -- as tk-basic "$bin" refresh --token-url "$token_url" --refresh-token-file - --scope read <<<"$rt"
check "refresh: rotated" test -n "$(field refresh_token)" -a "$(field refresh_token)" != "$rt"
check "refresh: Hydra ignored the narrower scope (RFC 6749 §6)" test "$(field scope)" = "openid offline_access read write"
rt2=$(field refresh_token) at2=$(field access_token)
check "refresh: Hydra revoked the old access token" test "$(active "$at")" = false
expect 3 "rotated-out refresh token" -- as tk-basic "$bin" refresh --token-url "$token_url" --refresh-token-file - <<<"$rt"
check "rotated-out refresh token: invalid_grant" grep -q '^tokenkit: oauth_error: invalid_grant: .*already used' "$err"
# Reuse detection (RFC 9700 §4.14.2): the replay revoked the whole grant, the new tokens included.
check "replay revoked the rotated refresh token" test "$(active "$rt2")" = false
check "replay revoked the new access token" test "$(active "$at2")" = false

# A public client with PKCE (RFC 7636 S256; Hydra requires it of public clients).
verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
c=$(code --client-id tk-public --code-challenge "$challenge")
expect 3 "PKCE: no verifier" -- as tk-public "$bin" exchange --token-url "$token_url" --code "$c" --redirect-uri "$cb"
check "PKCE: no verifier refused" grep -q 'oauth_error: invalid_grant' "$err"
c=$(code --client-id tk-public --code-challenge "$challenge")
expect 0 "PKCE exchange (public)" -- as tk-public "$bin" exchange --token-url "$token_url" --code "$c" \
  --redirect-uri "$cb" --code-verifier "$verifier"
check "PKCE exchange: refresh_token" test -n "$(field refresh_token)"

# Client credentials with a scope; a wrong secret.
expect 0 "client credentials (basic)" -- as tk-basic "$bin" client-credentials --issuer "$iss" --scope "read write"
check "client credentials: scope" test "$(field scope)" = "read write"
cc=$(field access_token)
expect 0 "client credentials (post)" -- as tk-post "$bin" client-credentials --token-url "$token_url" --scope read
check "client credentials (post): scope" test "$(field scope)" = read
post_cc=$(field access_token)
expect 3 "wrong secret (basic)" -- env TOKENKIT_CLIENT_SECRET=WRONG-SECRET "$bin" client-credentials \
  --token-url "$token_url" --client-id tk-basic --auth-method basic
check "wrong secret (basic): invalid_client, 401" grep -q '^tokenkit: oauth_error: invalid_client: .* (HTTP 401)$' "$err"
check "wrong secret not echoed" bash -c "! grep -q WRONG-SECRET '$out' '$err'"
# RFC 6749 §5.2: a 401 for a client that authenticated with Basic MUST carry WWW-Authenticate;
# Hydra's has none. tokenkit reads the error from the body all the same (above).
curl -sS -o /dev/null -D "$work/headers" -u tk-basic:WRONG-SECRET -d grant_type=client_credentials "$token_url"
check "Hydra: 401 without WWW-Authenticate (RFC 6749 §5.2)" bash -c \
  "grep -q '^HTTP/1.1 401' '$work/headers' && ! grep -qi '^www-authenticate:' '$work/headers'"
expect 3 "wrong secret (post)" -- env TOKENKIT_CLIENT_SECRET=WRONG-SECRET "$bin" client-credentials \
  --token-url "$token_url" --client-id tk-post
check "wrong secret (post): invalid_client" grep -q '^tokenkit: oauth_error: invalid_client' "$err"

# Introspection on the admin port: Hydra lists it in no metadata, so --introspection-url is the only
# way there, and with it introspect needs no other endpoint.
expect 0 "introspect (admin port, no other endpoint)" -- as tk-basic "$bin" introspect \
  --introspection-url "$introspection_url" --token-file - <<<"$cc"
check "introspect: active" test "$(field active)" = true
check "introspect: client_id" test "$(field client_id)" = tk-basic
check "introspect: scope" test "$(field scope)" = "read write"
expect 0 "introspect (--issuer and --introspection-url)" -- as tk-post "$bin" introspect --issuer "$iss" \
  --introspection-url "$introspection_url" --token-file - --token-type-hint access_token <<<"$cc"
check "introspect (post): active" test "$(field active)" = true
# RFC 7662 §2.1 wants the endpoint to require authorization; Hydra's admin port answers anyone
# (it is meant to sit behind the operator's network), as active() above shows.
check "Hydra: admin introspection without credentials" test "$(active "$cc")" = true
expect 2 "introspect (--issuer alone)" -- as tk-basic "$bin" introspect --issuer "$iss" --token-file - <<<"$cc"
check "introspect (--issuer alone): the missing endpoint named" grep -q 'no introspection_endpoint is configured' "$err"
expect 0 "introspect an unknown token" -- as tk-basic "$bin" introspect --introspection-url "$introspection_url" \
  --token-file - <<<"ory_at_not-a-token"
check "unknown token: inactive" test "$(cat "$out")" = '{"active":false}'

# Revocation: another client's token, an invalid token, then its own.
# RFC 7009 §2.1: the server checks that the token was issued to the client asking, and refuses
# the request when it was not. Hydra answers 200 and leaves the token active; tokenkit reports
# the success it was told of (any 2xx, RFC 7009 §2.2).
expect 0 "revoke another client's token" -- as tk-post "$bin" revoke --revocation-url "$iss/oauth2/revoke" \
  --token-file - <<<"$cc"
check "another client's token: Hydra left it active" test "$(active "$cc")" = true
expect 0 "revoke an invalid token (RFC 7009 §2.2)" -- as tk-basic "$bin" revoke --issuer "$iss" --token-file - \
  <<<"ory_at_not-a-token"
check "invalid token: revoked" test "$(cat "$err")" = "tokenkit: revoked"
expect 0 "revoke (basic, only --revocation-url)" -- as tk-basic "$bin" revoke --revocation-url "$iss/oauth2/revoke" \
  --token-file - --token-type-hint access_token <<<"$cc"
check "revoked: inactive" test "$(active "$cc")" = false
expect 0 "revoke (post, --issuer)" -- as tk-post "$bin" revoke --issuer "$iss" --token-file - <<<"$post_cc"
check "revoked (post): inactive" test "$(active "$post_cc")" = false

# Loopback sign-in (RFC 8252 §7.3): the browser delivers a redirect with a tampered state first,
# which the CLI's listener refuses and ignores, then the real one. Hydra sends no iss (RFC 9207
# is optional, and its metadata does not promise one).
signin() { # CLIENT BROWSER-OPTION: the CLI's exit status in auth.status, the browser's lines in browser
  local client=$1; shift
  as "$client" "$bin" authorize --issuer "$iss" --scope "openid offline_access read" --no-browser --wait-ms 30000 \
    >"$work/auth.out" 2>"$work/auth.err" &
  local cli=$! url=
  for _ in $(seq 200); do url=$(complete_lines "$work/auth.err" | grep -m1 '^http' || true); [ -n "$url" ] && break; sleep 0.05; done
  node "$here/get-code.mjs" --url "$url" "$@" >"$work/browser" 2>&1
  wait $cli
  echo $? >"$work/auth.status"
}
signin tk-public --tamper-state
check "sign-in: the tampered state refused" grep -q '^HTTP 400 .*not the one the application is waiting for' "$work/browser"
check "sign-in: then the real redirect accepted" bash -c "sed -n 2p '$work/browser' | grep -q '^HTTP 200 .*Signed in'"
check "sign-in (public, PKCE): exit 0" test "$(cat "$work/auth.status")" = 0
check "sign-in (public, PKCE): token" test -n "$(jq -r '.refresh_token // empty' "$work/auth.out")"
signin tk-post --follow
check "sign-in (post): exit 0" test "$(cat "$work/auth.status")" = 0
check "sign-in (post): token" test -n "$(jq -r '.access_token // empty' "$work/auth.out")"
signin tk-public --deny
check "sign-in denied: exit 3" test "$(cat "$work/auth.status")" = 3
check "sign-in denied: access_denied" grep -q '^tokenkit: oauth_error: access_denied' "$work/auth.err"

echo "hydra_cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
