#!/usr/bin/env bash
# The Nest sample through the C CLI, configured like the Go and Java examples: TOKENKIT_TOKEN_URL,
# TOKENKIT_CLIENT_ID, TOKENKIT_CLIENT_SECRET, TOKENKIT_CODE, and when set TOKENKIT_AUTH_METHOD,
# TOKENKIT_CA_FILE, TOKENKIT_REDIRECT_URI.
root=$(cd "$(dirname "$0")/.." && pwd)
# The CLI reads TOKENKIT_CODE and TOKENKIT_CLIENT_SECRET itself, keeping them off its command line.
args=(exchange --token-url "${TOKENKIT_TOKEN_URL:-}" --client-id "${TOKENKIT_CLIENT_ID:-}")
[ -n "${TOKENKIT_AUTH_METHOD:-}" ] && args+=(--auth-method "$TOKENKIT_AUTH_METHOD")
[ -n "${TOKENKIT_CA_FILE:-}" ] && args+=(--ca-file "$TOKENKIT_CA_FILE")
[ -n "${TOKENKIT_REDIRECT_URI:-}" ] && args+=(--redirect-uri "$TOKENKIT_REDIRECT_URI")
exec "$root/target/cli/tokenkit" "${args[@]}"
