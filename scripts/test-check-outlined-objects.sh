#!/usr/bin/env bash
# Tests scripts/check-outlined-objects.sh on object files made to order (with the Swift toolchain's
# clang): two modules defining a weak outlined object alike pass; of different sizes, or of the
# same size with different bytes, fail and are named.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/check-outlined-objects-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A directory holding A.build/a.o and B.build/b.o, each defining the weak object `$s4Demo1fTv_` as
# the C initializer given.
modules() {
    local dir=$work/$1
    mkdir -p "$dir/A.build" "$dir/B.build"
    printf '__attribute__((weak)) const char s4Demo1fTv_[] asm("$s4Demo1fTv_") = %s;\n' "$2" >"$dir/a.c"
    printf '__attribute__((weak)) const char s4Demo1fTv_[] asm("$s4Demo1fTv_") = %s;\n' "$3" >"$dir/b.c"
    clang -c "$dir/a.c" -o "$dir/A.build/a.o"
    clang -c "$dir/b.c" -o "$dir/B.build/b.o"
    echo "$dir"
}

failures=0
expect() {
    local want=$1 name=$2 dir=$3 status=0 output
    output=$("$here/check-outlined-objects.sh" "$dir" 2>&1) || status=$?
    # A pass must have found the object in both modules; a failure must name it.
    if [[ $want == pass && ( $status -ne 0 || $output != *'1 outlined object(s) shared'* ) ]] ||
        [[ $want == fail && ( $status -ne 1 || $output != *'$s4Demo1fTv_'* ) ]]; then
        echo "FAIL: $name (exit $status, expected $want):" >&2
        echo "$output" >&2
        failures=$((failures + 1))
    else
        echo "ok: $name"
    fi
}

expect pass "the same literal in both modules" "$(modules same '"contactName"' '"contactName"')"
expect fail "literals of different sizes" "$(modules sizes '"contactName"' '"name"')"
expect fail "literals of one size, different bytes" "$(modules bytes '"name"' '"nome"')"

(( failures == 0 ))
