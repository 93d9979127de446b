#!/usr/bin/env bash
# The tokenkit CLI (and so the C ABI) against oidc-provider, a certified authorization server that
# nobody on this project wrote, on loopback. usage: test_cli.sh BIN_DIR
set -uo pipefail
bin=$(cd "$1" && pwd)/tokenkit
cd "$(dirname "$0")"
[ -d node_modules/oidc-provider ] || npm ci --no-audit --no-fund --loglevel=error || exit 1

work=$(mktemp -d)
PORT_FILE="$work/url" node server.mjs 0 >/dev/null 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
iss=$(cat "$work/url")
token_url="$iss/token"
cb=http://127.0.0.1/callback

out="$work/out" err="$work/err"
source ../../cli/tests/expect.sh
field() { node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8"))[process.argv[1]];process.stdout.write(v===undefined?"":String(v))' "$1" < "$out"; }

# authorization_code with client_secret_post, exactly the Nest sample's request plus redirect_uri.
code=$(node get-code.mjs --issuer "$iss" --client-id tk-post --redirect-uri "$cb" --scope "openid read")
export TOKENKIT_CLIENT_SECRET=tk-post-secret
expect 0 "exchange (post)" -- "$bin" exchange --token-url "$token_url" --client-id tk-post --code "$code" --redirect-uri "$cb"
check "access_token" test -n "$(field access_token)"
check "refresh_token" test -n "$(field refresh_token)"
check "token_type Bearer" test "$(field token_type)" = Bearer
rt=$(field refresh_token)

# The refresh token rotates with this server: the response carries a new one.
expect 0 "refresh" -- "$bin" refresh --token-url "$token_url" --client-id tk-post --refresh-token "$rt"
check "rotated refresh token" test -n "$(field refresh_token)" -a "$(field refresh_token)" != "$rt"

# The same code again: the server's invalid_grant, exit 3.
expect 3 "reused code" -- "$bin" exchange --token-url "$token_url" --client-id tk-post --code "$code" --redirect-uri "$cb"
check "invalid_grant reported" grep -q '^tokenkit: oauth_error: invalid_grant' "$err"

# client_secret_basic and client credentials.
expect 0 "client credentials (basic)" -- env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$bin" client-credentials \
  --token-url "$token_url" --client-id tk-basic --auth-method basic --scope "read write"
check "client credentials token" test -n "$(field access_token)"
expect 3 "wrong secret" -- env TOKENKIT_CLIENT_SECRET=nope "$bin" client-credentials \
  --token-url "$token_url" --client-id tk-basic --auth-method basic
check "invalid_client reported" grep -q 'invalid_client' "$err"

# A public client with PKCE (RFC 7636): S256 challenge of a 43-character verifier.
verifier=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
code=$(node get-code.mjs --issuer "$iss" --client-id tk-public --redirect-uri "$cb" --scope read --code-challenge "$challenge")
expect 3 "PKCE without verifier" -- env -u TOKENKIT_CLIENT_SECRET "$bin" exchange --token-url "$token_url" \
  --client-id tk-public --auth-method none --code "$code" --redirect-uri "$cb"
code=$(node get-code.mjs --issuer "$iss" --client-id tk-public --redirect-uri "$cb" --scope read --code-challenge "$challenge")
expect 0 "PKCE exchange" -- env -u TOKENKIT_CLIENT_SECRET "$bin" exchange --token-url "$token_url" \
  --client-id tk-public --auth-method none --code "$code" --redirect-uri "$cb" --code-verifier "$verifier"

# discover, and --issuer on the other subcommands.
expect 0 "discover" -- "$bin" discover --issuer "$iss"
check "metadata printed" grep -q '"token_endpoint"' "$out"
expect 0 "client credentials via --issuer" -- env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$bin" client-credentials \
  --issuer "$iss" --client-id tk-basic --auth-method basic
at=$(field access_token)
expect 0 "introspect" -- env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$bin" introspect --issuer "$iss" --client-id tk-basic \
  --auth-method basic --token "$at"
check "active" grep -q '"active":true' "$out"
expect 0 "revoke" -- env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$bin" revoke --issuer "$iss" --client-id tk-basic \
  --auth-method basic --token "$at" --token-type-hint access_token
expect 0 "introspect after revoke" -- env TOKENKIT_CLIENT_SECRET=tk-basic-secret "$bin" introspect --issuer "$iss" \
  --client-id tk-basic --auth-method basic --token "$at"
check "inactive" grep -q '"active":false' "$out"

# authorize: the URL comes on stderr on a line of its own; a scripted browser follows it.
"$bin" authorize --issuer "$iss" --client-id tk-public --auth-method none --scope "openid read" \
  --param prompt=consent --no-browser --wait-ms 60000 >"$work/auth.out" 2>"$work/auth.err" &
cli=$!
url=
for _ in $(seq 200); do url=$(complete_lines "$work/auth.err" | grep -m1 '^http' || true); [ -n "$url" ] && break; sleep 0.05; done
node get-code.mjs --url "$url" --follow >/dev/null
wait $cli
check "authorize exit 0" test $? = 0
check "authorize printed a token" grep -q '"access_token"' "$work/auth.out"

# device: the user code comes on stderr; a scripted user approves it.
"$bin" device --issuer "$iss" --client-id tk-public --auth-method none --scope "openid read" \
  >"$work/dev.out" 2>"$work/dev.err" &
cli=$!
user_code=
for _ in $(seq 200); do user_code=$(complete_lines "$work/dev.err" | sed -n 's/.*enter the code: //p'); [ -n "$user_code" ] && break; sleep 0.05; done
node get-code.mjs --issuer "$iss" --user-code "$user_code" >/dev/null
wait $cli
check "device exit 0" test $? = 0
check "device printed a token" grep -q '"access_token"' "$work/dev.out"
check "device showed the verification URI" grep -q "visit $iss/device" "$work/dev.err"

echo "interop_cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
