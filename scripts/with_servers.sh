#!/usr/bin/env bash
# Runs a command with the local mock authorization server (tools/mock-server) up, on loopback
# ports it picks itself, serving HTTP and HTTPS from one process:
#   TOKENKIT_TEST_SERVER   http://127.0.0.1:PORT, the mock authorization server
#   TOKENKIT_TEST_TLS_URL  https://127.0.0.1:PORT/token, its token endpoint over HTTPS, with a
#                          certificate signed by...
#   TOKENKIT_TEST_CA_FILE  ...this throwaway CA, made at start-up
# The server is stopped when the command ends, whatever its outcome.
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

wait_for() { # FILE: waits up to 20 s for the server to write its URL
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "with_servers: the mock server did not start ($1)" >&2
  exit 1
}

"$root/target/release/mock_server" --port-file "$work/mock.url" \
  --tls-port-file "$work/tls.url" --ca-file-out "$work/ca.pem" > /dev/null &
pids+=($!)
wait_for "$work/mock.url"
wait_for "$work/tls.url"

export TOKENKIT_TEST_SERVER=$(cat "$work/mock.url")
export TOKENKIT_TEST_TLS_URL="$(cat "$work/tls.url")/token"
export TOKENKIT_TEST_CA_FILE="$work/ca.pem"
"$@"
