# Shared by the CLI test scripts (sourced): counts in $passed/$failed; commands' output in the
# files named by $out and $err, which the sourcing script sets.
passed=0 failed=0

# expect STATUS DESCRIPTION -- COMMAND...: runs it, keeps stdout/stderr in $out/$err.
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$out" 2>"$err"
  local got=$?
  if [ "$got" = "$want" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL $what: exit $got, want $want; stderr: $(cat "$err")" >&2; fi
}

# check DESCRIPTION CONDITION...: on failure shows the last command's output.
check() {
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $what: $(cat "$out" "$err")" >&2; fi
}
