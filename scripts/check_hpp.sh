#!/usr/bin/env bash
# Fails when a function of include/tokenkit.h is not used by include/tokenkit.hpp, so the C++
# header keeps covering the whole C API as the ABI grows (`make test-cpp`).
set -euo pipefail
cd "$(dirname "$0")/.."
functions=$(grep -oE '^[a-z].*[ *]tokenkit_[a-z0-9_]+\(' include/tokenkit.h | grep -oE 'tokenkit_[a-z0-9_]+\($' | tr -d '(' | sort -u)
[ -n "$functions" ] || { echo "check_hpp: no functions found in include/tokenkit.h"; exit 1; }
missing=0
for fn in $functions; do
  grep -qE "(^|[^a-z0-9_])${fn}([^a-z0-9_]|$)" include/tokenkit.hpp || { echo "include/tokenkit.hpp does not wrap $fn"; missing=1; }
done
[ $missing -eq 0 ] && echo "check_hpp: tokenkit.hpp uses all $(wc -w <<< "$functions") functions of tokenkit.h"
exit $missing
