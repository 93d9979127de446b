#!/usr/bin/env bash
# Smoke test of the interop fixture itself (not of tokenkit): starts
# server.mjs on an ephemeral loopback port, drives every grant with curl
# and get-code.mjs, stops the server. Needs node, curl, openssl and a prior
# `npm ci` in this folder. Ends with "N passed, N failed"; exit 1 on failure.
set -u
cd "$(dirname "$0")"

[ -d node_modules/oidc-provider ] || { echo "smoke.sh: run 'npm ci' in $(pwd) first" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

t0=$(date +%s%N)
PORT_FILE="$work/url" node server.mjs 0 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 1 200); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "server did not start"; cat "$work/stderr"; exit 1; }
ISS=$(cat "$work/url")
echo "server up at $ISS in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "       $2"; }
check() { # name, haystack, needle (regex)
  if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else bad "$1" "$(printf '%s' "$2" | head -c 300)"; fi
}
jget() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const v=JSON.parse(s)[process.argv[1]];process.stdout.write(v===undefined?"":String(v))}catch{}})' "$1"; }

# stdout carries exactly the URL line
check "stdout is exactly the URL line" "$(cat "$work/stdout")" "^http://127\.0\.0\.1:[0-9]+$"
[ "$(wc -l <"$work/stdout")" -eq 1 ] && ok "stdout has one line" || bad "stdout has one line" "$(cat "$work/stdout")"

DISC=$(curl -sS "$ISS/.well-known/openid-configuration")
check "discovery issuer" "$DISC" "\"issuer\":\"$ISS\""
TOKEN=$(printf '%s' "$DISC" | jget token_endpoint)
DEVICE=$(printf '%s' "$DISC" | jget device_authorization_endpoint)
REVOKE=$(printf '%s' "$DISC" | jget revocation_endpoint)
INTRO=$(printf '%s' "$DISC" | jget introspection_endpoint)
check "endpoints in discovery" "$TOKEN $DEVICE $REVOKE $INTRO" "^http://[^ ]+/token http://[^ ]+/device/auth http://[^ ]+/token/revocation http://[^ ]+/token/introspection$"

CB=http://127.0.0.1/callback
POST_AUTH="client_id=tk-post&client_secret=tk-post-secret"

# authorization_code, tk-post (client_secret_post)
CODE=$(node get-code.mjs --issuer "$ISS" --client-id tk-post 2>"$work/gc.err")
check "get-code prints a code" "$CODE" "^[A-Za-z0-9_-]{20,}$"
R=$(curl -sS -d "code=$CODE&$POST_AUTH&grant_type=authorization_code&redirect_uri=$CB" "$TOKEN")
check "code exchange gives access_token" "$R" '"access_token":"'
check "code exchange gives refresh_token" "$R" '"refresh_token":"'
check "code exchange gives id_token (openid)" "$R" '"id_token":"'
AT=$(printf '%s' "$R" | jget access_token); RT=$(printf '%s' "$R" | jget refresh_token)

# refresh with rotation
R=$(curl -sS -d "grant_type=refresh_token&refresh_token=$RT&$POST_AUTH" "$TOKEN")
check "refresh gives access_token" "$R" '"access_token":"'
RT2=$(printf '%s' "$R" | jget refresh_token)
[ -n "$RT2" ] && [ "$RT2" != "$RT" ] && ok "refresh token rotated" || bad "refresh token rotated" "$R"

# introspection + revocation
R=$(curl -sS -d "token=$AT&$POST_AUTH" "$INTRO")
check "introspection: active access token" "$R" '"active":true'
R=$(curl -sS -d "token=$RT&$POST_AUTH" "$INTRO")
check "introspection: rotated refresh token inactive" "$R" '^\{"active":false\}$'
R=$(curl -sS -o /dev/null -w '%{http_code}' -d "token=$RT2&token_type_hint=refresh_token&$POST_AUTH" "$REVOKE")
check "revocation answers 200" "$R" '^200$'
R=$(curl -sS -d "token=$RT2&$POST_AUTH" "$INTRO")
check "revoked refresh token inactive" "$R" '^\{"active":false\}$'

# code replay
CODE=$(node get-code.mjs --issuer "$ISS" --client-id tk-post --redirect-uri http://127.0.0.1:5555/callback)
R=$(curl -sS -d "code=$CODE&$POST_AUTH&grant_type=authorization_code&redirect_uri=http://127.0.0.1:5555/callback" "$TOKEN")
check "loopback redirect with any port" "$R" '"access_token":"'
R=$(curl -sS -d "code=$CODE&$POST_AUTH&grant_type=authorization_code&redirect_uri=http://127.0.0.1:5555/callback" "$TOKEN")
check "code replay -> invalid_grant" "$R" '"error":"invalid_grant"'

# client_credentials, tk-basic (Basic)
R=$(curl -sS -u tk-basic:tk-basic-secret -d "grant_type=client_credentials&scope=read write" "$TOKEN")
check "client_credentials with Basic" "$R" '"access_token":".*"scope":"read write"'
R=$(curl -sS -u tk-basic:wrong -d "grant_type=client_credentials" "$TOKEN")
check "client_credentials bad secret -> invalid_client" "$R" '"error":"invalid_client"'

# PKCE, tk-public
VER=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
CH=$(printf '%s' "$VER" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=\n')
R=$(node get-code.mjs --issuer "$ISS" --client-id tk-public 2>&1)
check "public client without PKCE refused" "$R" 'requires PKCE'
CODE=$(node get-code.mjs --issuer "$ISS" --client-id tk-public --code-challenge "$CH")
R=$(curl -sS -d "code=$CODE&client_id=tk-public&grant_type=authorization_code&redirect_uri=$CB&code_verifier=$VER" "$TOKEN")
check "PKCE code exchange (public)" "$R" '"refresh_token":"'
CODE=$(node get-code.mjs --issuer "$ISS" --client-id tk-public --code-challenge "$CH")
R=$(curl -sS -d "code=$CODE&client_id=tk-public&grant_type=authorization_code&redirect_uri=$CB&code_verifier=${VER}x" "$TOKEN")
check "PKCE wrong verifier -> invalid_grant" "$R" '"error":"invalid_grant"'

# device flow
R=$(curl -sS -d "client_id=tk-public&scope=openid read" "$DEVICE")
check "device authorization answers" "$R" '"device_code":".*"user_code":"'
DC=$(printf '%s' "$R" | jget device_code); UC=$(printf '%s' "$R" | jget user_code)
R=$(curl -sS -d "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=$DC&client_id=tk-public" "$TOKEN")
check "device poll before approval -> authorization_pending" "$R" '"error":"authorization_pending"'
node get-code.mjs --issuer "$ISS" --user-code "$UC" && ok "device approval scripted" || bad "device approval scripted"
R=$(curl -sS -d "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=$DC&client_id=tk-public" "$TOKEN")
check "device poll after approval -> tokens" "$R" '"access_token":"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
