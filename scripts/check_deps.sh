#!/usr/bin/env bash
# Fails when a crate in [dependencies] of the root Cargo.toml is never named in src/: an unused
# dependency costs build time and audit work for nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
deps=$(sed -n '/^\[dependencies\]/,/^\[/p' Cargo.toml | grep -E '^[a-z0-9_-]+ *=' | cut -d= -f1 | tr -d ' ')
status=0
for dep in $deps; do
  name=${dep//-/_}
  if ! grep -rqE "\b${name}::|use ${name}\b|extern crate ${name}\b|derive\((.*, *)?${name^}" src; then
    case $dep in
      serde) grep -rq "use serde::" src || { echo "unused dependency: $dep"; status=1; } ;;
      *) echo "unused dependency: $dep"; status=1 ;;
    esac
  fi
done
[ $status -eq 0 ] && echo "check_deps: every dependency is used"
exit $status
