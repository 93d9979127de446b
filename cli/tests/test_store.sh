#!/usr/bin/env bash
# The CLI on the token store, against the mock server: login (device flow and browser), then
# `tokenkit token` across an expiry with ten concurrent callers and one refresh, a rotated refresh
# token kept, a writer killed mid-refresh, logout with revocation, profiles; and the CLI's help,
# usage errors, -v output (no secret in it) and network errors naming host and port.
# usage: test_store.sh BIN_DIR   (with TOKENKIT_TEST_SERVER set, see scripts/with_servers.sh)
set -uo pipefail
bin=$1/tokenkit
server=${TOKENKIT_TEST_SERVER:?}
work=$(mktemp -d)
out=$work/out err=$work/err
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/expect.sh"

export TOKENKIT_STORE=$work/store
unset XDG_CONFIG_HOME
export TOKENKIT_CLIENT_SECRET=rotating-secret
profile=$work/store/default.json
stat_of() { curl -s "$server/stats" | jq -r "$1"; }
refreshes() { stat_of '.by_grant.refresh_token // 0'; }
saved() { jq -r "$1" "$profile"; }

# --- login by the device flow: the token expires in 30 s, inside the default 60 s skew.
endpoints=(--token-url "$server/token" --device-url "$server/device_authorization"
           --revocation-url "$server/revoke" --client-id rotating-client)
expect 0 "login --device" -- "$bin" login "${endpoints[@]}" --device \
  --param mock_behavior=approve --param mock_expires_in=30
check "login says where it saved the profile" grep -qx "tokenkit: signed in; profile default saved in $work/store" "$err"
check "login prints nothing on stdout" test ! -s "$out"
check "the device prompt" grep -q '^To sign in, visit .* and enter the code: ' "$err"
check "the waiting line, once, with the code's lifetime" \
  test "$(grep -c '^Waiting for approval: the code expires in [0-9]* min [0-9]* s (Ctrl-C cancels)$' "$err")" = 1
check "profile file is 0600" test "$(stat -c %a "$profile")" = 600
check "store directory is 0700" test "$(stat -c %a "$work/store")" = 700
check "client secret not saved" bash -c "! grep -q rotating-secret '$profile'"
check "endpoints saved" test "$(saved .client.revocation_endpoint)" = "$server/revoke"
first_refresh=$(saved .token.refresh_token)
first_access=$(saved .token.access_token)

# --- ten processes at once on the expiring profile: one refresh, one new token for all.
before=$(refreshes)
for i in $(seq 10); do "$bin" token >"$work/token.$i" 2>"$work/token-err.$i" & done
wait
check "ten concurrent token calls, one refresh" test "$(( $(refreshes) - before ))" = 1
check "all ten succeeded" bash -c "! grep -l . '$work'/token-err.* >/dev/null"
check "all ten printed the same token" test "$(sort -u "$work"/token.* | wc -l)" = 1
access=$(cat "$work/token.1")
check "the new token is not the expiring one" test "$access" != "$first_access"
check "the printed token is the saved one" test "$access" = "$(saved .token.access_token)"
check "the rotated refresh token was saved" test "$(saved .token.refresh_token)" != "$first_refresh"
check "the profile stays 0600 after the refresh" test "$(stat -c %a "$profile")" = 600
# What a script does with it: the token works at the server (here: introspection says active).
expect 0 "curl -H \"Authorization: Bearer \$(tokenkit token)\"" -- \
  curl -sf -d client_id=rotating-client -d client_secret=rotating-secret -d "token=$("$bin" token)" \
  "$server/introspect"
check "the token from the store is active" grep -q '"active":true' "$out"
before=$(refreshes)
expect 0 "token again" -- "$bin" token
check "a fresh token: no refresh" test "$(refreshes)" = "$before"
check "a fresh token: the same one" test "$(cat "$out")" = "$access"
expect 3 "the old, rotated refresh token is spent" -- env TOKENKIT_REFRESH_TOKEN="$first_refresh" "$bin" refresh \
  --token-url "$server/token" --client-id rotating-client
expect 0 "a forced refresh with the saved refresh token" -- "$bin" token --skew-ms 999999999
check "forced refresh gave a new token" test "$(cat "$out")" != "$access"

# --- -v and -vv: each request, redacted.
refresh_token=$(saved .token.refresh_token)
expect 0 "token -vv" -- "$bin" token -vv --skew-ms 999999999
check "-v names method, URL, status and time" grep -qE "^tokenkit: POST $server/token -> 200 \([0-9]+ ms\)$" "$err"
check "-vv shows the form with secrets redacted" \
  grep -qx 'tokenkit: > refresh_token=\[redacted\]&client_id=rotating-client&client_secret=\[redacted\]&grant_type=refresh_token' "$err"
check "-vv shows the response's content type" grep -q '^tokenkit: < Content-Type: application/json' "$err"
new_access=$(cat "$out")
check "-vv shows no secret" bash -c "! grep -qF -e rotating-secret -e '$refresh_token' -e '$new_access' '$err'"
check "-vv: the token alone on stdout" test "$(wc -l <"$out")" = 1
expect 0 "-v on a flaky endpoint shows the retries" -- env TOKENKIT_CLIENT_SECRET=demo-secret "$bin" \
  client-credentials -v --token-url "$server/flaky/2/cli-$$/token" --client-id demo-client
check "-v: the 503s" test "$(grep -c "^tokenkit: POST $server/flaky/2/cli-$$/token -> 503" "$err")" = 2
check "-v: the retry decisions" test "$(grep -c '^tokenkit: retrying in [0-9]* ms (retry [12] of 3)$' "$err")" = 2
check "-v: no secret" bash -c "! grep -q demo-secret '$err'"

head -c 40 "$profile" >"$work/store/half.json"
cp "$work/store/half.json" "$work/half.before"
expect 2 "a half-written profile" -- "$bin" token --profile half
check "a half-written profile is named" grep -q "^tokenkit: invalid_argument: profile half: .*half.json is not a tokenkit profile" "$err"
check "a half-written profile is left as it is" cmp -s "$work/half.before" "$work/store/half.json"
rm -f "$work/store/half.json" "$work/store/held.json" "$work/store/held.lock"

# --- profiles: no secrets.
expect 0 "profiles" -- "$bin" profiles
check "profiles lists default" grep -qE "^default  client rotating-client  token valid until [0-9-]+ [0-9:]+ UTC  refresh token yes  $server/token$" "$out"
check "profiles shows no token" bash -c "! grep -qF -e '$(saved .token.access_token)' -e '$(saved .token.refresh_token)' '$out'"
expect 0 "profiles --json" -- "$bin" profiles --json
check "profiles --json" test "$(jq -r '.[0].name + " " + .[0].client_id + " " + (.[0].has_refresh_token|tostring)' "$out")" = "default rotating-client true"

# --- logout revokes the refresh token, then deletes the token; the client settings stay.
refresh_token=$(saved .token.refresh_token)
revocations=$(stat_of .revocations)
expect 0 "logout" -- "$bin" logout
check "logout says what it did" grep -qx 'tokenkit: revoked the refresh token and deleted it from profile default' "$err"
check "logout revoked at the server" test "$(stat_of .revocations)" = "$((revocations + 1))"
check "the profile has no token" test "$(saved .token)" = null
check "the profile keeps its client" test "$(saved .client.client_id)" = rotating-client
expect 3 "the revoked refresh token is dead" -- env TOKENKIT_REFRESH_TOKEN="$refresh_token" "$bin" refresh \
  --token-url "$server/token" --client-id rotating-client
expect 2 "token after logout" -- "$bin" token
check "token after logout: sign in again" grep -q '^tokenkit: invalid_argument: profile default has no token: sign in again$' "$err"
check "token after logout: the hint" grep -qx '(run tokenkit login --profile default)' "$err"
expect 0 "logout twice" -- "$bin" logout
check "logout twice says so" grep -q 'holds no token: already logged out' "$err"
expect 2 "an unknown profile" -- "$bin" token --profile nobody
check "an unknown profile is named" grep -q "^tokenkit: invalid_argument: no profile nobody in $work/store" "$err"

# --- login through the browser (the mock approves at once), saved profile reused.
"$bin" login --profile web --token-url "$server/token" --authorization-url "$server/authorize" \
  --client-id rotating-client --no-browser --save-secret >"$out" 2>"$err" &
login=$!
url=
for _ in $(seq 200); do url=$(complete_lines "$err" | grep -m1 '^http') && break; sleep 0.05; done
check "the browser login says where it waits" grep -qE '^Waiting for the browser on http://127\.0\.0\.1:[0-9]+ \(Ctrl-C cancels\)$' "$err"
curl -s -L -o /dev/null "$url"
wait $login
check "browser login succeeded" test $? = 0
check "--save-secret saved the secret" test "$(jq -r .client.client_secret "$work/store/web.json")" = rotating-secret
check "the web profile is 0600" test "$(stat -c %a "$work/store/web.json")" = 600
expect 0 "token of a profile with its secret, none in the environment" -- env -u TOKENKIT_CLIENT_SECRET "$bin" token \
  --profile web --skew-ms 999999999
check "a token printed" test -s "$out"
expect 0 "--profile fills an existing command's flags" -- "$bin" client-credentials --profile web
check "client-credentials with --profile" grep -q '"access_token":' "$out"

# --- a process killed in the middle of a refresh (its token endpoint never answers) leaves the
# profile as it was, and unlocked.
hangs=$(stat_of '.paths["/fault/hang"] // 0')
jq --arg url "$server/fault/hang" '.client.token_endpoint = $url | .token.expires_at = 1' "$work/store/web.json" >"$work/held.json"
install -m 600 "$work/held.json" "$work/store/held.json"
cp "$work/store/held.json" "$work/held.before"
"$bin" token --profile held >/dev/null 2>&1 &
killed=$!
for _ in $(seq 200); do [ "$(stat_of '.paths["/fault/hang"] // 0')" != "$hangs" ] && break; sleep 0.05; done
kill -KILL $killed
wait $killed 2>/dev/null
check "killed mid-refresh: the profile is unchanged" cmp -s "$work/held.before" "$work/store/held.json"
check "killed mid-refresh: no other profile appeared" test "$(ls "$work/store" | grep -c '\.json$')" = 3
jq --arg url "$server/token" '.client.token_endpoint = $url' "$work/held.before" >"$work/held.json"
install -m 600 "$work/held.json" "$work/store/held.json"
start=$(date +%s%N)
expect 0 "after the kill the lock is free" -- "$bin" token --profile held
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "the next caller did not wait for the dead one ($ms ms)" test "$ms" -lt 15000

# --- the browser opener: login without --no-browser hands the URL to xdg-open (here a stand-in
# that follows it, as a user approving in the browser would); device --open hands it the
# verification_uri_complete.
mkdir -p "$work/opener"
cat >"$work/opener/xdg-open" <<OPENER
#!/bin/sh
printf '%s\n' "\$1" >>"$work/opened"
case "\$1" in *authorize*) curl -s -L -o /dev/null "\$1" ;; esac
OPENER
chmod +x "$work/opener/xdg-open"
expect 0 "login through the desktop's opener" -- env PATH="$work/opener:$PATH" "$bin" login --profile opened \
  --token-url "$server/token" --authorization-url "$server/authorize" --client-id rotating-client
check "the opener got the sign-in URL" grep -q "^$server/authorize?" "$work/opened"
expect 0 "device --open" -- env PATH="$work/opener:$PATH" "$bin" device --token-url "$server/token" \
  --device-url "$server/device_authorization" --client-id public-client --auth-method none --open \
  --param mock_behavior=approve
check "--open opened verification_uri_complete" grep -q "^$server/device?user_code=" "$work/opened"

# --- on a terminal the waiting line is rewritten in place; slow_down is noted on a line of its own.
expect 0 "device on a terminal" -- script -qefc "'$bin' device --token-url '$server/token' \
  --device-url '$server/device_authorization' --client-id public-client --auth-method none \
  --param mock_behavior=slow_down --param mock_interval=1" "$work/typescript"
check "the waiting line is rewritten in place" grep -q $'\r\033\[KWaiting for approval: the code expires in [0-9]*:[0-9][0-9] (Ctrl-C cancels)' "$work/typescript"
check "slow_down is noted" grep -q 'The server asked to poll less often: every 6 s now' "$work/typescript"
check "the token follows the prompt" grep -q '"access_token":' "$work/typescript"
expect 0 "device into a log" -- "$bin" device --token-url "$server/token" --device-url "$server/device_authorization" \
  --client-id public-client --auth-method none --param mock_behavior=slow_down --param mock_interval=1
check "in a log: no escape sequences" bash -c "! grep -q \$'\\033' '$err'"
check "in a log: the waiting line once, the slow_down note once" \
  test "$(grep -c '^Waiting for approval' "$err")-$(grep -c '^The server asked to poll less often' "$err")" = 1-1

# --- a public client's profile works with TOKENKIT_CLIENT_SECRET still set (for other clients).
expect 0 "login a public client" -- "$bin" login --profile public --token-url "$server/token" \
  --device-url "$server/device_authorization" --client-id public-client --auth-method none --device \
  --param mock_behavior=approve
expect 0 "token of a public profile, a secret in the environment" -- "$bin" token --profile public --skew-ms 999999999
check "the public profile's token printed" test -s "$out"

# --- the store commands leak nothing (valgrind: definite and indirect leaks fail).
vg=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
    --suppressions="$(dirname "$0")/../../tests/c/valgrind.supp")
expect 0 "token under valgrind" -- "${vg[@]}" "$bin" token --profile held --skew-ms 999999999 -vv
expect 0 "profiles under valgrind" -- "${vg[@]}" "$bin" profiles
expect 0 "logout under valgrind" -- "${vg[@]}" "$bin" logout --profile public
expect 2 "a usage error under valgrind" -- "${vg[@]}" "$bin" token --profile web --cod x
expect 2 "a missing profile under valgrind" -- "${vg[@]}" "$bin" token --profile nobody

# --- Ctrl-C while another process holds the profile for its refresh: cancelled at once.
flock "$work/store/held.lock" sleep 20 &
holder=$!
sleep 0.3
start=$(date +%s%N)
env --default-signal=INT "$bin" token --profile held --skew-ms 999999999 >"$out" 2>"$err" &
waiting=$!
sleep 0.5
kill -INT $waiting
wait $waiting
got=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill $holder 2>/dev/null; wait $holder 2>/dev/null
check "Ctrl-C during the wait for the lock: exit 7 (got $got)" test "$got" = 7
check "Ctrl-C during the wait for the lock: at once ($ms ms)" test "$ms" -lt 2500
check "Ctrl-C during the wait: named" grep -q '^tokenkit: cancelled' "$err"

# --- help and usage errors.
expect 0 "help" -- "$bin" help
check "help lists the store commands" grep -qE '^  login +sign in' "$out"
check "help documents the exit statuses" grep -q '6  insecure URL refused' "$out"
expect 0 "help exchange" -- "$bin" help exchange
cp "$out" "$work/help-exchange"
check "help exchange is the command's usage" grep -q '^usage: tokenkit exchange ' "$out"
check "help exchange lists its options" grep -q -- '--code-file PATH' "$out"
check "help exchange leaves out other commands' options" bash -c "! grep -q -- '--token-type-hint' '$out'"
expect 0 "exchange --help" -- "$bin" exchange --help
check "exchange --help is help exchange" cmp -s "$out" "$work/help-exchange"
expect 0 "refresh -h" -- "$bin" refresh -h
check "refresh help documents --refresh-token-file" grep -q -- '--refresh-token-file PATH' "$out"
check "refresh help documents --attempt-timeout-ms" grep -q -- '--attempt-timeout-ms N' "$out"
check "refresh help documents the variable" grep -q 'TOKENKIT_REFRESH_TOKEN' "$out"
expect 2 "a mistyped option" -- "$bin" exchange --cod c
check "the mistyped option named, the closest suggested" \
  grep -qx 'tokenkit: invalid_argument: unknown option --cod; did you mean --code?' "$err"
check "one line plus one hint" test "$(wc -l <"$err")" = 2
check "the hint names the command's help" grep -qx '(run tokenkit exchange --help)' "$err"
expect 2 "a mistyped command" -- "$bin" refesh
check "the closest command suggested" grep -qx 'tokenkit: invalid_argument: unknown command refesh; did you mean refresh?' "$err"
expect 2 "no arguments" -- "$bin"
check "no arguments: one line plus one hint" test "$(wc -l <"$err")" = 2
check "no arguments: the hint once" test "$(grep -c 'tokenkit help' "$err")" = 1
expect 2 "an option of another command" -- "$bin" token --device-url "$server/x"
check "an option of another command named" grep -qx 'tokenkit: invalid_argument: --device-url does not apply to token' "$err"
expect 2 "help of an unknown command" -- "$bin" help frobnicate
check "the man page was generated" grep -q '^\.TH TOKENKIT 1' "$1/tokenkit.1"
for command in login token logout profiles exchange refresh client-credentials authorize device revoke introspect discover; do
  check "the man page documents $command" grep -q "^\.SS \"tokenkit $command" "$1/tokenkit.1"
done

# --- a network error names the host, the port and the path.
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect 4 "connection refused" -- "$bin" client-credentials --token-url "http://127.0.0.1:$closed_port/oauth/token" \
  --client-id demo-client --retries 0
check "the error names host, port and path" grep -q "token_endpoint 127.0.0.1:$closed_port/oauth/token" "$err"

echo "test_store: $passed passed, $failed failed"
[ "$failed" = 0 ]
