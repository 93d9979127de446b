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

# complete_lines FILE: the lines of FILE a background command has finished writing; one still
# being written (no newline yet) is left out, so a poll never takes half a URL or code for all.
complete_lines() {
  local text
  text=$(cat "$1" 2>/dev/null; echo .)
  text=${text%.}
  case $text in
    *$'\n') printf '%s' "$text" ;;
    *$'\n'*) printf '%s\n' "${text%$'\n'*}" ;;
  esac
}
