#!/usr/bin/env bash
# The tokenkit CLI against the mock server: output, exit statuses and messages a user sees.
# usage: test_cli.sh BIN_DIR   (with TOKENKIT_TEST_SERVER set, see scripts/with_servers.sh)
set -uo pipefail
bin=$1/tokenkit
server=${TOKENKIT_TEST_SERVER:?}
out=$(mktemp) err=$(mktemp) secret_file=$(mktemp)
trap 'rm -f "$out" "$err" "$secret_file"' EXIT
source "$(dirname "$0")/expect.sh"

export TOKENKIT_CLIENT_SECRET=demo-secret
base=(--token-url "$server/token" --client-id demo-client)

expect 0 "exchange" -- env TOKENKIT_CODE="code-cli-$$-1" "$bin" exchange "${base[@]}"
check "exchange prints the token JSON" grep -q '"access_token":"at-' "$out"
check "exchange prints nothing on stderr" test ! -s "$err"
rt=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$out")

expect 3 "reused code" -- env TOKENKIT_CODE="code-cli-$$-1" "$bin" exchange "${base[@]}"
check "reused code names invalid_grant" grep -q '^tokenkit: oauth_error: invalid_grant: authorization code was already used (HTTP 400)$' "$err"
check "one line on stderr" test "$(wc -l < "$err")" = 1
check "nothing on stdout on failure" test ! -s "$out"

expect 0 "refresh" -- "$bin" refresh "${base[@]}" --refresh-token "$rt" --scope read
check "refresh prints a token" grep -q '"access_token":"at-' "$out"
check "--refresh-token warns, once" test "$(grep -c '^tokenkit: warning: --refresh-token is visible to other users' "$err")" = 1
check "the warning does not show the token" bash -c "! grep -qF -- '$rt' '$err'"

# The code and the tokens off the command line: from the environment, a file, or stdin.
expect 0 "refresh token from TOKENKIT_REFRESH_TOKEN" -- env TOKENKIT_REFRESH_TOKEN="$rt" "$bin" refresh "${base[@]}"
check "refresh token from the environment used" grep -q '"access_token":"at-' "$out"
check "no warning for the environment" test ! -s "$err"
printf '%s\n' "$rt" >"$secret_file"
expect 0 "refresh token from a file" -- "$bin" refresh "${base[@]}" --refresh-token-file "$secret_file"
check "refresh token from a file used" grep -q '"access_token":"at-' "$out"
check "no warning for a file" test ! -s "$err"
expect 0 "refresh token from stdin" -- "$bin" refresh "${base[@]}" --refresh-token-file - <<<"$rt"
check "refresh token from stdin used" grep -q '"access_token":"at-' "$out"
check "no warning for stdin" test ! -s "$err"
expect 3 "refresh token from a file, kept whole" -- "$bin" refresh "${base[@]}" --refresh-token-file - <<<"$rt$rt"
expect 2 "--refresh-token and TOKENKIT_REFRESH_TOKEN" -- env TOKENKIT_REFRESH_TOKEN="$rt" "$bin" refresh "${base[@]}" \
  --refresh-token "$rt"
check "both ways named" grep -q '^tokenkit: invalid_argument: --refresh-token and TOKENKIT_REFRESH_TOKEN both give' "$err"
check "both ways: nothing sent" test ! -s "$out"
expect 2 "--refresh-token-file and TOKENKIT_REFRESH_TOKEN" -- env TOKENKIT_REFRESH_TOKEN="$rt" "$bin" refresh \
  "${base[@]}" --refresh-token-file "$secret_file"
check "file and variable named" grep -q -- '--refresh-token-file and TOKENKIT_REFRESH_TOKEN both give' "$err"
expect 2 "--refresh-token and --refresh-token-file" -- "$bin" refresh "${base[@]}" --refresh-token-file - \
  --refresh-token "$rt" <<<"$rt"
check "flag and file named" grep -q -- '--refresh-token and --refresh-token-file both give' "$err"
expect 2 "empty refresh token file" -- "$bin" refresh "${base[@]}" --refresh-token-file - <<<""
check "empty value refused" grep -q 'the refresh token is empty' "$err"
expect 2 "unreadable refresh token file" -- "$bin" refresh "${base[@]}" --refresh-token-file /nonexistent/rt
expect 2 "a secret the command does not take" -- "$bin" refresh "${base[@]}" --refresh-token-file "$secret_file" --token t
expect 0 "code from a file" -- "$bin" exchange "${base[@]}" --code-file - <<<"code-cli-$$-6"
check "no warning for --code-file" test ! -s "$err"
expect 3 "code as an argument" -- "$bin" exchange "${base[@]}" --code "code-cli-$$-6"
check "--code warns" grep -q '^tokenkit: warning: --code is visible to other users' "$err"
at=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <(env TOKENKIT_CODE="code-cli-$$-7" "$bin" exchange "${base[@]}"))
expect 0 "token from TOKENKIT_TOKEN" -- env TOKENKIT_TOKEN="$at" "$bin" introspect "${base[@]}" \
  --introspection-url "$server/introspect"
check "introspected the token from the environment" grep -q '"active":true' "$out"
printf '%s\n' "$at" >"$secret_file"
expect 0 "token from a file" -- "$bin" revoke "${base[@]}" --revocation-url "$server/revoke" --token-file "$secret_file"
check "revoke with a file: no warning" test "$(cat "$err")" = "tokenkit: revoked"
expect 0 "token as an argument" -- "$bin" introspect "${base[@]}" --introspection-url "$server/introspect" --token "$at"
check "--token warns" grep -q '^tokenkit: warning: --token is visible to other users' "$err"
check "revoked token inactive" grep -q '"active":false' "$out"

# Each command asks only for the endpoints it calls, and a usage error names the one missing.
id=(--client-id demo-client)
expect 0 "introspect with only --introspection-url" -- env TOKENKIT_TOKEN="$at" "$bin" introspect "${id[@]}" \
  --introspection-url "$server/introspect"
check "introspected with no token endpoint" grep -q '"active":' "$out"
expect 0 "revoke with only --revocation-url" -- env TOKENKIT_TOKEN="$at" "$bin" revoke "${id[@]}" \
  --revocation-url "$server/revoke"
check "revoked with no token endpoint" test "$(cat "$err")" = "tokenkit: revoked"
expect 2 "introspect without its endpoint" -- env TOKENKIT_TOKEN=t "$bin" introspect "${base[@]}"
check "introspect names its endpoint" grep -qx 'tokenkit: invalid_argument: introspect needs --introspection-url (or --issuer)' "$err"
expect 2 "introspect with a preset but no endpoint" -- env TOKENKIT_TOKEN=t "$bin" introspect "${id[@]}" --preset nest
check "a preset has no introspection endpoint" grep -q 'introspect needs --introspection-url (or --issuer)$' "$err"
expect 2 "revoke without its endpoint" -- env TOKENKIT_TOKEN=t "$bin" revoke "${base[@]}"
check "revoke names its endpoint" grep -q 'revoke needs --revocation-url (or --issuer, or --preset)$' "$err"
expect 2 "authorize without its endpoint" -- "$bin" authorize "${base[@]}"
check "authorize names its endpoint" grep -q 'authorize needs --authorization-url (or --issuer, or --preset)$' "$err"
expect 2 "authorize without a token endpoint" -- "$bin" authorize "${id[@]}" --authorization-url "$server/authorize"
check "authorize names the token endpoint" grep -q 'authorize needs --token-url (or --issuer, or --preset)$' "$err"
expect 2 "device without its endpoint" -- "$bin" device "${base[@]}"
check "device names its endpoint" grep -q 'device needs --device-url (or --issuer)$' "$err"
expect 2 "device without a token endpoint" -- "$bin" device "${id[@]}" --device-url "$server/device_authorization"
check "device names the token endpoint" grep -q 'device needs --token-url (or --issuer, or --preset)$' "$err"
for command in exchange refresh client-credentials; do
  expect 2 "$command without a token endpoint" -- env TOKENKIT_CODE=c TOKENKIT_REFRESH_TOKEN=r "$bin" $command "${id[@]}"
  check "$command names the token endpoint" grep -q "$command needs --token-url (or --issuer, or --preset)\$" "$err"
done
check "nothing sent without an endpoint" test ! -s "$out"

# A hostile server's control characters never reach the terminal raw.
expect 3 "control characters in error_description" -- "$bin" exchange --token-url "$server/fault/control-chars" \
  --client-id demo-client --code-file - <<<c
check "control characters escaped" grep -qF 'invalid_grant: \x1b[2J\x0d\x0aforged line\x07\x7f\u{9b}31m (HTTP 400)' "$err"
check "no ESC, CR, BEL or DEL on stderr" bash -c "! LC_ALL=C grep -q \$'[\\x1b\\r\\x07\\x7f]' '$err'"
check "no C1 CSI on stderr" bash -c "! LC_ALL=C grep -q \$'\\xc2\\x9b' '$err'"
check "one line on stderr, none forged" test "$(wc -l <"$err")" = 1
expect 3 "control characters in the device flow" -- "$bin" device --token-url "$server/fault/control-chars" \
  --device-url "$server/fault/control-chars-device" --client-id public-client --auth-method none
check "device prompt escaped" grep -qF 'visit http://127.0.0.1/device\x1b]0;owned\x07 and enter the code: \x1b[2JUSER\x0dCODE' "$err"
check "device: no ESC, CR or C1 on stderr" bash -c "! LC_ALL=C grep -q \$'[\\x1b\\r\\x07]\\|\\xc2\\x9b' '$err'"
check "device: prompt, waiting line and error: four lines on stderr" test "$(wc -l <"$err")" = 4
expect 0 "control characters in a token response" -- "$bin" exchange --token-url "$server/fault/control-chars-token" \
  --client-id demo-client --code-file - <<<c
check "token JSON on one line, escaped" grep -qxF '{"access_token":"ctl-mock", "token_type":"Bearer", "note":"a\u007fb\u009b2Jc"}' "$out"
check "token JSON: no CR, tab, DEL or C1" bash -c "! LC_ALL=C grep -q \$'[\\r\\t\\x7f]\\|\\xc2\\x9b' '$out'"
check "token JSON still valid, same value" test "$(jq -r .note "$out")" = $'a\x7fb\u009b2Jc'

# --attempt-timeout-ms bounds one attempt, --timeout-ms the whole call.
start=$(date +%s%N)
expect 4 "attempt timeout" -- "$bin" exchange --token-url "$server/fault/hang" --client-id demo-client --code-file - \
  --timeout-ms 20000 --attempt-timeout-ms 500 <<<c
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "attempt timeout named" grep -q '^tokenkit: timeout' "$err"
check "attempt timeout ended the attempt ($ms ms)" test "$ms" -lt 5000
expect 2 "bad attempt timeout" -- "$bin" exchange "${base[@]}" --code-file - --attempt-timeout-ms 0 <<<c
expect 0 "client-credentials" -- "$bin" client-credentials "${base[@]}" --scope "read write"
check "scope echoed" grep -q '"scope":"read write"' "$out"
expect 0 "basic auth" -- env TOKENKIT_CLIENT_SECRET='basic secret:+&/é' "$bin" client-credentials \
  --token-url "$server/token" --client-id basic-client --auth-method basic
expect 0 "public client" -- env -u TOKENKIT_CLIENT_SECRET "$bin" exchange --token-url "$server/token" \
  --client-id public-client --auth-method none --code "code-cli-$$-2"
expect 0 "extra param" -- "$bin" client-credentials "${base[@]/\/token/\/echo}" --param audience=https://api
check "extra param sent" grep -q 'audience=https%3A%2F%2Fapi' "$out"

expect 0 "--client-secret flag works" -- env -u TOKENKIT_CLIENT_SECRET "$bin" client-credentials "${base[@]}" --client-secret demo-secret
check "--client-secret warns" grep -q 'visible to other users' "$err"
expect 3 "wrong secret" -- env TOKENKIT_CLIENT_SECRET=WRONG-SECRET-XYZ "$bin" client-credentials "${base[@]}"
check "wrong secret: invalid_client" grep -q 'invalid_client' "$err"
check "secret not echoed" bash -c "! grep -q WRONG-SECRET-XYZ '$err' '$out'"

expect 2 "no command" -- "$bin" "${base[@]}"
expect 2 "unknown command" -- "$bin" frobnicate "${base[@]}"
expect 2 "missing --code" -- "$bin" exchange "${base[@]}"
expect 2 "missing secret" -- env -u TOKENKIT_CLIENT_SECRET "$bin" exchange "${base[@]}" --code c
expect 2 "bad auth method" -- "$bin" exchange "${base[@]}" --code c --auth-method magic
expect 2 "bad timeout" -- "$bin" exchange "${base[@]}" --code c --timeout-ms soon
expect 2 "malformed URL" -- "$bin" exchange --token-url "not a url" --client-id x --code c
check "malformed URL named" grep -q 'invalid_argument: token_endpoint is not a valid URL' "$err"
expect 2 "unreadable CA file" -- "$bin" exchange "${base[@]}" --code c --ca-file /nonexistent.pem
expect 6 "insecure URL" -- "$bin" exchange --token-url http://api.home.nest.com/oauth2/access_token --client-id x --code c
check "insecure named" grep -q '^tokenkit: insecure:' "$err"
expect 5 "HTTP 500" -- "$bin" exchange --token-url "$server/fault/500" --client-id demo-client --code c
check "http error named" grep -q '^tokenkit: http_error (HTTP 500)' "$err"
expect 5 "malformed JSON" -- "$bin" exchange --token-url "$server/fault/malformed" --client-id demo-client --code c
expect 5 "oversize" -- "$bin" exchange --token-url "$server/fault/oversize" --client-id demo-client --code c
expect 3 "Nest error" -- "$bin" exchange --token-url "$server/fault/nest-error" --client-id demo-client --code c
check "Nest error code kept" grep -q 'oauth2_error: authorization code not found' "$err"
expect 4 "timeout" -- "$bin" exchange --token-url "$server/fault/hang" --client-id demo-client --code c --timeout-ms 800
check "timeout named" grep -q '^tokenkit: timeout' "$err"
expect 4 "connection closed" -- "$bin" exchange --token-url "$server/fault/close" --client-id demo-client --code c
expect 2 "a setting the command does not use" -- "$bin" exchange "${base[@]}" --code c --scope read
check "refused setting named" grep -qx 'tokenkit: invalid_argument: --scope does not apply to exchange' "$err"
expect 2 "a parameter on revoke" -- "$bin" revoke "${base[@]}" --revocation-url "$server/revoke" --token t --param a=b
expect 2 "--param without a name" -- "$bin" client-credentials "${base[@]}" --param =x
expect 2 "negative timeout" -- "$bin" exchange "${base[@]}" --code c --timeout-ms -5
expect 2 "port out of range" -- "$bin" authorize "${base[@]}" --authorization-url "$server/authorize" --port 70000

# Ctrl-C cancels the request in flight through a tokenkit_cancel: exit 7, at once.
start=$(date +%s%N)
# (A background job starts with SIGINT ignored, which the CLI respects: reset it as a terminal would.)
env --default-signal=INT "$bin" exchange --token-url "$server/fault/hang" --client-id demo-client --code c \
  --timeout-ms 30000 >"$out" 2>"$err" &
cli=$!
sleep 0.5
kill -INT $cli
wait $cli
got=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$got" = 7 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL Ctrl-C: exit $got, want 7: $(cat "$err")" >&2; fi
check "Ctrl-C named" grep -q '^tokenkit: cancelled' "$err"
check "Ctrl-C stopped the call at once ($ms ms)" test "$ms" -lt 2500
"$bin" device --token-url "$server/token" --client-id public-client --auth-method none \
  --device-url "$server/device_authorization" --param mock_behavior=never >"$out" 2>"$err" &
cli=$!
for _ in $(seq 100); do grep -q 'enter the code' "$err" && break; sleep 0.05; done
kill -TERM $cli
wait $cli
got=$?
if [ "$got" = 7 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL SIGTERM: exit $got, want 7: $(cat "$err")" >&2; fi

expect 0 "help" -- "$bin" --help
check "help documents exit statuses" grep -q '6  insecure URL refused' "$out"
check "help documents the secret variable" grep -q 'TOKENKIT_CLIENT_SECRET' "$out"
check "help documents the token variables" grep -q 'TOKENKIT_REFRESH_TOKEN' "$out"
expect 0 "refresh --help" -- "$bin" refresh --help
check "help documents --refresh-token-file" grep -q -- '--refresh-token-file PATH' "$out"
check "help documents --attempt-timeout-ms" grep -q -- '--attempt-timeout-ms N' "$out"
expect 0 "version" -- "$bin" --version

# Whatever went wrong, the code, the refresh token and the client secret sent appear in no output.
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for fault in "5 /fault/500" "5 /nothing-here" "5 /fault/malformed" "5 /fault/oversize" "4 /fault/close" \
             "5 /fault/redirect" "4 /fault/hang" "4 http://127.0.0.1:$closed_port/token" "5 /fault/echo-500"; do
  status=${fault%% *} path=${fault#* }
  case $path in /*) url=$server$path ;; *) url=$path ;; esac
  for command in exchange refresh; do
    expect "$status" "$command at $path" -- env TOKENKIT_CLIENT_SECRET=Cli-Canary-Secret-4e1 TOKENKIT_CODE=Cli-Canary-Code-92b \
      TOKENKIT_REFRESH_TOKEN=Cli-Canary-Refresh-7d3 "$bin" "$command" --token-url "$url" --client-id demo-client \
      --timeout-ms 400 --retries 0
    check "$command at $path: no secret shown" bash -c "! grep -q 'Cli-Canary' '$out' '$err'"
  done
done

# The C and C++ samples.
expect 0 "exchange_code sample" -- "$1/exchange_code" "$server/token" demo-client "code-cli-$$-3"
check "sample prints the token" grep -q '^access_token=at-.* expires_in=3600$' "$out"
expect 1 "exchange_code sample error" -- "$1/exchange_code" "$server/token" demo-client "code-cli-$$-3"
check "exchange_code names invalid_grant" grep -q '^invalid_grant: ' "$err"
expect 2 "exchange_code usage" -- "$1/exchange_code" "$server/token"
check "exchange_code usage line" grep -q 'usage: .*exchange_code TOKEN_ENDPOINT CLIENT_ID CODE$' "$err"
expect 0 "exchange_code public client" -- env -u TOKENKIT_CLIENT_SECRET "$1/exchange_code" "$server/token" public-client "code-cli-$$-5"
expect 0 "C++ sample" -- "$1/exchange_cpp" "$server/token" demo-client "code-cli-$$-4"
expect 1 "C++ sample error" -- "$1/exchange_cpp" "$server/token" demo-client "code-cli-$$-4"
check "C++ sample names invalid_grant" grep -q 'oauth_error: invalid_grant' "$err"

echo "test_cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
