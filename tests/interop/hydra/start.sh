#!/usr/bin/env bash
# Starts Ory Hydra (target/hydra/hydra, built by build.sh when missing) on two free 127.0.0.1 ports
# with DSN=memory and --dev (plain http on loopback), and the project's login/consent app
# (app.mjs); creates the test clients through Hydra's admin API; then writes the environment the
# tests read to $HYDRA_ENV_FILE (as `export NAME=value` lines; on stdout when unset) and runs until
# SIGTERM or SIGINT, which stop Hydra and the app.
#
#   TOKENKIT_HYDRA_ISSUER     http://127.0.0.1:PUBLIC, the issuer (urls.self.issuer) and public port
#   TOKENKIT_HYDRA_ADMIN_URL  http://127.0.0.1:ADMIN, the admin port (introspection, clients)
#   TOKENKIT_HYDRA_DIR        this folder (get-code.mjs)
#
# Clients (RFC 7591 metadata, POST /admin/clients), every one with the redirect URI
# http://127.0.0.1/callback (Hydra, like RFC 8252 §7.3, lets a loopback redirect use any port) and
# the scopes "openid offline_access read write":
#   tk-post    tk-post-secret    client_secret_post   authorization_code refresh_token client_credentials
#   tk-basic   tk-basic-secret   client_secret_basic  the same grants
#   tk-public  (public, PKCE S256 required)   none    authorization_code refresh_token
# Hydra's logs go to $HYDRA_LOG_FILE (default: discarded).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hydra=$("$here/build.sh")
work=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 0' TERM INT

# Two free ports, held together so that they differ, then released for Hydra (which cannot take 0).
read -r public_port admin_port < <(node -e '
  const net = require("net"); const a = net.createServer(), b = net.createServer();
  a.listen(0, "127.0.0.1", () => b.listen(0, "127.0.0.1", () => {
    console.log(a.address().port, b.address().port); a.close(); b.close(); }));')
issuer="http://127.0.0.1:$public_port"
admin="http://127.0.0.1:$admin_port"

HYDRA_ADMIN_URL=$admin PORT_FILE="$work/app.url" node "$here/app.mjs" 0 >/dev/null 2>>"${HYDRA_LOG_FILE:-/dev/null}" &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/app.url" ] && break; sleep 0.05; done
[ -s "$work/app.url" ] || { echo "start.sh: the login/consent app did not start" >&2; exit 1; }
app=$(cat "$work/app.url")

# Configuration through the environment (Hydra's config keys, dots as underscores). SQA_OPT_OUT
# keeps Hydra from sending usage statistics; --dev allows http:// on loopback.
env DSN=memory SQA_OPT_OUT=true LOG_LEVEL=${HYDRA_LOG_LEVEL:-warn} \
  SERVE_PUBLIC_HOST=127.0.0.1 SERVE_PUBLIC_PORT="$public_port" \
  SERVE_ADMIN_HOST=127.0.0.1 SERVE_ADMIN_PORT="$admin_port" \
  URLS_SELF_ISSUER="$issuer" URLS_LOGIN="$app/login" URLS_CONSENT="$app/consent" \
  SECRETS_SYSTEM="$(head -c 24 /dev/urandom | base64)" \
  OAUTH2_PKCE_ENFORCED_FOR_PUBLIC_CLIENTS=true \
  "$hydra" serve all --dev --sqa-opt-out >>"${HYDRA_LOG_FILE:-/dev/null}" 2>&1 &
pids+=($!)
up=
for _ in $(seq 300); do
  if curl -sf -o /dev/null "$admin/health/ready" && curl -sf -o /dev/null "$issuer/health/ready"; then up=1; break; fi
  kill -0 "${pids[-1]}" 2>/dev/null || break
  sleep 0.05
done
[ -n "$up" ] || { echo "start.sh: Hydra did not start (set HYDRA_LOG_FILE to see why)" >&2; exit 1; }

client() { # JSON: creates one client, fails loudly on Hydra's refusal
  local answer
  answer=$(curl -sS -w '\n%{http_code}' -H 'content-type: application/json' -d "$1" "$admin/admin/clients")
  [ "${answer##*$'\n'}" = 201 ] || { echo "start.sh: creating a client failed: $answer" >&2; exit 1; }
}
common='"redirect_uris":["http://127.0.0.1/callback"],"response_types":["code"],"scope":"openid offline_access read write"'
confidential='"grant_types":["authorization_code","refresh_token","client_credentials"]'
client "{\"client_id\":\"tk-post\",\"client_secret\":\"tk-post-secret\",\"token_endpoint_auth_method\":\"client_secret_post\",$confidential,$common}"
client "{\"client_id\":\"tk-basic\",\"client_secret\":\"tk-basic-secret\",\"token_endpoint_auth_method\":\"client_secret_basic\",$confidential,$common}"
client "{\"client_id\":\"tk-public\",\"token_endpoint_auth_method\":\"none\",\"grant_types\":[\"authorization_code\",\"refresh_token\"],$common}"

environment="export TOKENKIT_HYDRA_ISSUER=$issuer TOKENKIT_HYDRA_ADMIN_URL=$admin TOKENKIT_HYDRA_DIR=$here"
if [ -n "${HYDRA_ENV_FILE:-}" ]; then
  printf '%s\n' "$environment" >"$HYDRA_ENV_FILE.tmp" && mv "$HYDRA_ENV_FILE.tmp" "$HYDRA_ENV_FILE"
else
  printf '%s\n' "$environment"
fi
wait -n "${pids[@]}" || true
echo "start.sh: Hydra or the app stopped" >&2
exit 1
