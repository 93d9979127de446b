#!/usr/bin/env bash
# The tokenkit CLI against the mock server: output, exit statuses and messages a user sees.
# usage: test_cli.sh BIN_DIR   (with TOKENKIT_TEST_SERVER set, see scripts/with_servers.sh)
set -uo pipefail
bin=$1/tokenkit
server=${TOKENKIT_TEST_SERVER:?}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
source "$(dirname "$0")/expect.sh"

export TOKENKIT_CLIENT_SECRET=demo-secret
base=(--token-url "$server/token" --client-id demo-client)

expect 0 "exchange" -- "$bin" exchange "${base[@]}" --code "code-cli-$$-1"
check "exchange prints the token JSON" grep -q '"access_token":"at-' "$out"
check "exchange prints nothing on stderr" test ! -s "$err"
rt=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' "$out")

expect 3 "reused code" -- "$bin" exchange "${base[@]}" --code "code-cli-$$-1"
check "reused code names invalid_grant" grep -q '^tokenkit: oauth_error: invalid_grant: authorization code was already used (HTTP 400)$' "$err"
check "one line on stderr" test "$(wc -l < "$err")" = 1
check "nothing on stdout on failure" test ! -s "$out"

expect 0 "refresh" -- "$bin" refresh "${base[@]}" --refresh-token "$rt" --scope read
check "refresh prints a token" grep -q '"access_token":"at-' "$out"
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
check "refused setting named" grep -q '^tokenkit: invalid_argument: scope does not apply to a code exchange' "$err"
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
expect 0 "version" -- "$bin" --version

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
