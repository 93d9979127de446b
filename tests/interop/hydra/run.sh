#!/usr/bin/env bash
# Runs a command with Ory Hydra and the login/consent app up on loopback (start.sh: builds Hydra
# on first use) and TOKENKIT_HYDRA_ISSUER, TOKENKIT_HYDRA_ADMIN_URL and TOKENKIT_HYDRA_DIR set;
# stops them afterwards, whatever the command's outcome. Hydra's log: $HYDRA_LOG_FILE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/build.sh" >/dev/null # before the wait below, which a first build would outlast
work=$(mktemp -d)
HYDRA_ENV_FILE="$work/env" "$here/start.sh" &
hydra=$!
trap 'kill $hydra 2>/dev/null; wait $hydra 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do [ -s "$work/env" ] && break; kill -0 $hydra 2>/dev/null || break; sleep 0.05; done
[ -s "$work/env" ] || { echo "run.sh: Hydra did not start" >&2; exit 1; }
source "$work/env"
"$@"
