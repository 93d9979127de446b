#!/usr/bin/env bash
# Builds Ory Hydra (github.com/ory/hydra/v2) at $HYDRA_VERSION from the Go module proxy into
# target/hydra/hydra, once: a cached binary that reports the same version is kept. Prints its path.
#
# Why not `go install ...@v2.3.0`: Hydra's go.mod has `replace` lines, which `go install pkg@version`
# and `go get -tool` refuse, so it is built inside a writable copy of the module. The copy lacks
# ./internal/httpclient (a module of its own, left out of the zip), the target of the replace for
# github.com/ory/hydra-client-go/v2; that replace is dropped, so the require line's v2.2.1 comes from
# the proxy (only Hydra's admin CLI uses it). -tags sqlite is what makes DSN=memory work.
# About 2 minutes on two cores; the Go build and module caches make a rebuild faster.
set -euo pipefail
HYDRA_VERSION=${HYDRA_VERSION:-v2.3.0}
root=$(cd "$(dirname "$0")/../../.." && pwd)
out="$root/target/hydra/hydra"

built=$([ -x "$out" ] && "$out" version 2>/dev/null || true) # not piped to grep -q: SIGPIPE and pipefail
if grep -q "^Version: *$HYDRA_VERSION\$" <<<"$built"; then
  echo "$out"
  exit 0
fi

export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod" GOTOOLCHAIN=${GOTOOLCHAIN:-local}
module=$(go mod download -json "github.com/ory/hydra/v2@$HYDRA_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$module" ] || { echo "build.sh: go mod download gave no module directory" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$module" "$work/hydra"
chmod -R u+w "$work/hydra"
cd "$work/hydra"
go mod edit -dropreplace github.com/ory/hydra-client-go/v2 -require github.com/ory/hydra-client-go/v2@v2.2.1
echo "build.sh: building Hydra $HYDRA_VERSION (about 2 minutes)" >&2
mkdir -p "$(dirname "$out")"
go build -trimpath -tags sqlite,sqlite_omit_load_extension \
  -ldflags "-s -w -X github.com/ory/hydra/v2/driver/config.Version=$HYDRA_VERSION" \
  -o "$out.$$.tmp" .
mv "$out.$$.tmp" "$out"
"$out" version >&2
echo "$out"
