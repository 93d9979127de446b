#!/usr/bin/env bash
# Runs a command with the local test servers up, on loopback ports they pick themselves:
#   TOKENKIT_TEST_SERVER   the mock authorization server (examples/mock_server.rs)
#   TOKENKIT_TEST_TLS_URL  an HTTPS token endpoint whose certificate is signed by...
#   TOKENKIT_TEST_CA_FILE  ...this throwaway CA
# The servers are stopped when the command ends, whatever its outcome.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # FILE: waits up to 20 s for a server to write its URL
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "with_servers: a test server did not start ($1)" >&2
  exit 1
}

"$root/target/release/examples/mock_server" --port-file "$work/mock.url" > /dev/null &
pids+=($!)
"$root/tests/tls/make_certs.sh" "$work/tls"
python3 "$root/tests/tls/tls_server.py" "$work/tls/server.pem" "$work/tls/server.key" "$work/tls.url" &
pids+=($!)
wait_for "$work/mock.url"
wait_for "$work/tls.url"

export TOKENKIT_TEST_SERVER=$(cat "$work/mock.url")
export TOKENKIT_TEST_TLS_URL=$(cat "$work/tls.url")
export TOKENKIT_TEST_CA_FILE="$work/tls/ca.pem"
"$@"
