#!/usr/bin/env bash
# Starts oidc-provider (npm) on loopback and runs a command with TOKENKIT_INTEROP_ISSUER and
# TOKENKIT_INTEROP_DIR set; stops the provider afterwards. Installs the npm packages on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$here/node_modules/oidc-provider" ] || (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
work=$(mktemp -d)
PORT_FILE="$work/url" node "$here/server.mjs" 0 >/dev/null 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { echo "oidc-provider did not start:" >&2; cat "$work/server.err" >&2; exit 1; }
export TOKENKIT_INTEROP_ISSUER=$(cat "$work/url") TOKENKIT_INTEROP_DIR=$here
"$@"
