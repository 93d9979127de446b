#!/usr/bin/env bash
# The Works with Nest sample, end to end on this machine: start the local authorization server,
# exchange an authorization code through the C ABI (the tokenkit CLI), print the token.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

code="code-demo-$$"
"$root/target/release/mock_server" --port-file "$work/url" --code "$code" > /dev/null &
server=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
url=$(cat "$work/url")

echo "local authorization server: $url"
echo "exchanging code $code at $url/token as demo-client (client_secret_post, like the Nest sample)"
echo
TOKENKIT_CLIENT_SECRET=demo-secret TOKENKIT_CODE="$code" "$root/target/cli/tokenkit" exchange \
  --token-url "$url/token" --client-id demo-client
