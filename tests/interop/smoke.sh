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
listener_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null && wait "$listener_pid" 2>/dev/null
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

# device flow, tk-post (client_secret_post at the device authorization endpoint too)
R=$(curl -sS -d "$POST_AUTH&scope=openid read" "$DEVICE")
check "device authorization answers (tk-post)" "$R" '"device_code":".*"user_code":"'
DC=$(printf '%s' "$R" | jget device_code); UC=$(printf '%s' "$R" | jget user_code)
R=$(curl -sS -d "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=$DC&client_id=tk-public" "$TOKEN")
check "device code of tk-post polled by tk-public -> invalid_grant" "$R" '"error":"invalid_grant"'
node get-code.mjs --issuer "$ISS" --user-code "$UC" && ok "device approval scripted (tk-post)" || bad "device approval scripted (tk-post)"
R=$(curl -sS -d "grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=$DC&$POST_AUTH" "$TOKEN")
check "device poll after approval -> tokens (tk-post)" "$R" '"access_token":".*"refresh_token":"'

# introspection + revocation with client_secret_basic (tk-basic)
CODE=$(node get-code.mjs --issuer "$ISS" --client-id tk-basic)
R=$(curl -sS -u tk-basic:tk-basic-secret -d "code=$CODE&grant_type=authorization_code&redirect_uri=$CB" "$TOKEN")
check "code exchange with Basic (tk-basic)" "$R" '"access_token":".*"refresh_token":"'
AT=$(printf '%s' "$R" | jget access_token); RT=$(printf '%s' "$R" | jget refresh_token)
R=$(curl -sS -u tk-basic:tk-basic-secret -d "token=$AT" "$INTRO")
check "introspection with Basic: active, client_id tk-basic" "$R" '"active":true.*"client_id":"tk-basic"'
R=$(curl -sS -u tk-basic:tk-basic-secret -d "token=$RT&token_type_hint=refresh_token" "$INTRO")
check "introspection with Basic: refresh token active" "$R" '"active":true.*"client_id":"tk-basic"'
R=$(curl -sS -u tk-basic:wrong -d "token=$AT" "$INTRO")
check "introspection with bad secret -> invalid_client" "$R" '"error":"invalid_client"'
R=$(curl -sS -d "token=$AT&$POST_AUTH" "$REVOKE")
check "tk-post revoking tk-basic's token -> invalid_request" "$R" '"error":"invalid_request"'
R=$(curl -sS -o /dev/null -w '%{http_code}' -u tk-basic:tk-basic-secret -d "token=$AT&token_type_hint=access_token" "$REVOKE")
check "revocation with Basic answers 200 (access token)" "$R" '^200$'
R=$(curl -sS -u tk-basic:tk-basic-secret -d "token=$AT" "$INTRO")
check "revoked access token inactive" "$R" '^\{"active":false\}$'
R=$(curl -sS -o /dev/null -w '%{http_code}' -u tk-basic:tk-basic-secret -d "token=$RT" "$REVOKE")
check "revocation with Basic answers 200 (refresh token)" "$R" '^200$'
R=$(curl -sS -u tk-basic:tk-basic-secret -d "grant_type=refresh_token&refresh_token=$RT" "$TOKEN")
check "revoked refresh token -> invalid_grant" "$R" '"error":"invalid_grant"'

# RFC 9207: discovery says so, and the authorization response carries iss
check "discovery: authorization_response_iss_parameter_supported" "$DISC" '"authorization_response_iss_parameter_supported":true'

# Browser mode (RFC 8252 loopback sign-in): the "client" is a tiny listener on
# 127.0.0.1 that logs each request line; it builds its own authorization URL.
cat >"$work/listener.mjs" <<'JS'
import http from 'node:http';
import { appendFileSync, writeFileSync } from 'node:fs';
const [log, portFile] = process.argv.slice(2);
const s = http.createServer((req, res) => {
  appendFileSync(log, `${req.method} ${req.url}\n`);
  const q = new URL(req.url, 'http://x').searchParams;
  res.writeHead(q.has('error') ? 400 : 200, { 'content-type': 'text/plain' });
  res.end(q.has('error') ? `sign-in failed: ${q.get('error')}\n` : 'signed in\n');
});
s.listen(0, '127.0.0.1', () => writeFileSync(portFile, String(s.address().port)));
JS
node "$work/listener.mjs" "$work/listener.log" "$work/lport" &
listener_pid=$!
for _ in $(seq 1 100); do [ -s "$work/lport" ] && break; sleep 0.05; done
LCB="http://127.0.0.1:$(cat "$work/lport")/callback"
authurl() { # redirect_uri state challenge [k=v ...]
  node -e 'const [iss, ru, st, ch, ...kv] = process.argv.slice(1); const u = new URL(`${iss}/auth`);
    for (const [k, v] of [["response_type", "code"], ["client_id", "tk-public"], ["redirect_uri", ru],
      ["scope", "openid offline_access read"], ["state", st], ["code_challenge", ch],
      ["code_challenge_method", "S256"], ...kv.map((x) => [x.slice(0, x.indexOf("=")), x.slice(x.indexOf("=") + 1)])])
      u.searchParams.set(k, v);
    console.log(u.href)' "$ISS" "$@"
}
lastq() { # the query parameter $1 of the listener's last request
  node -e 'const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop().split(" ")[1];
    process.stdout.write(new URL(l, "http://x").searchParams.get(process.argv[2]) ?? "")' "$work/listener.log" "$1"
}
oneline() { printf '%s' "$1" | tr '\n' ' '; }
ST=st-$RANDOM$RANDOM
R=$(node get-code.mjs --url "$(authurl "$LCB" "$ST" "$CH" prompt=consent)" --follow)
check "--url --follow prints the listener's answer" "$(oneline "$R")" '^HTTP 200 signed in$'
check "listener got code" "$(lastq code)" '^[A-Za-z0-9_-]{20,}$'
check "listener got state" "$(lastq state)" "^$ST\$"
check "listener got iss (RFC 9207)" "$(lastq iss)" "^$ISS\$"
R=$(curl -sS -d "code=$(lastq code)&client_id=tk-public&grant_type=authorization_code&redirect_uri=$LCB&code_verifier=$VER" "$TOKEN")
check "listener's code exchanges (PKCE, same redirect_uri)" "$R" '"access_token":".*"refresh_token":"'
R=$(node get-code.mjs --url "$(authurl "$LCB" "$ST" "$CH")" --deny)
check "--deny prints the listener's answer" "$(oneline "$R")" '^HTTP 400 sign-in failed: access_denied$'
check "listener got error=access_denied" "$(lastq error)" '^access_denied$'
check "listener got state and iss with the error" "$(lastq state) $(lastq iss)" "^$ST $ISS\$"
R=$(node get-code.mjs --url "$(authurl "$LCB" "$ST" "$CH" prompt=none)" --follow)
check "prompt=none: listener got login_required" "$(oneline "$R") $(lastq error)" '^HTTP 400 .* login_required$'
kill "$listener_pid" 2>/dev/null; wait "$listener_pid" 2>/dev/null; listener_pid=
node get-code.mjs --url "$(authurl "$LCB" "$ST" "$CH")" --follow >/dev/null 2>&1
[ $? -eq 1 ] && ok "--follow with no listener exits 1" || bad "--follow with no listener exits 1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
