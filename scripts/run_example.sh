#!/usr/bin/env bash
# Runs a language's Nest-sample `exchange` program (PROGRAM [ARGS...]) as a user would: it exchanges
# a fresh code with the local mock server (TOKENKIT_TEST_SERVER) and with oidc-provider, and a
# reused code must come back as the server's invalid_grant with exit status 3.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
failed=0

run() { # WANT_STATUS DESCRIPTION: runs the program with the current TOKENKIT_* environment
  local want=$1 what=$2 got
  echo "--- $what (expect exit $want)"
  "${program[@]}"
  got=$?
  if [ "$got" != "$want" ]; then echo "FAIL: $what exited $got, want $want"; failed=1; fi
}

program=("$@")
export TOKENKIT_TOKEN_URL="${TOKENKIT_TEST_SERVER:?run through scripts/with_servers.sh}/token"
export TOKENKIT_CLIENT_ID=demo-client TOKENKIT_CLIENT_SECRET=demo-secret TOKENKIT_CODE="code-example-$$-$RANDOM"
run 0 "local server: exchange"
run 3 "local server: the same code again"

# oidc-provider: mint a code through its login and consent, exchange it, then reuse it.
export -f run
export failed
"$root/tests/interop/run.sh" bash -c '
  program=("$@")
  redirect=http://127.0.0.1/callback
  code=$(node "$TOKENKIT_INTEROP_DIR/get-code.mjs" --issuer "$TOKENKIT_INTEROP_ISSUER" --client-id tk-post --redirect-uri "$redirect" --scope "openid read")
  export TOKENKIT_TOKEN_URL="$TOKENKIT_INTEROP_ISSUER/token" TOKENKIT_CLIENT_ID=tk-post TOKENKIT_CLIENT_SECRET=tk-post-secret
  export TOKENKIT_CODE="$code" TOKENKIT_REDIRECT_URI="$redirect"
  run 0 "oidc-provider: exchange"
  run 3 "oidc-provider: the same code again"
  exit $failed
' run_example "${program[@]}" || failed=1
exit $failed
