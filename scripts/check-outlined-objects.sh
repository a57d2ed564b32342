#!/usr/bin/env bash
# Checks a release build for one Swift miscompilation: the static objects the optimizer makes of
# literals (arrays, mostly) inside a function are named after the function and their order in it
# (`…Tv_`, `…Tv0_`, …) and emitted as weak symbols by every module that inlines the function. When
# two modules number them differently, the linker keeps one definition of each name and one module
# reads the other's literal. It happened to `PersonalFields.rule(for:)`: release builds sealed the
# wrong fields and stored a lead's contact in plain text.
#
#   scripts/check-outlined-objects.sh [BUILD_DIR]     (default: .build/release)
#
# Fails, naming them, when an outlined object is defined by several object files with different
# sizes or bytes. Needs only binutils (nm, objdump), which the Swift toolchain's linker brings.
set -euo pipefail

dir=${1:-.build/release}
if [[ ! -d $dir ]]; then
    echo "check-outlined-objects: no build directory $dir" >&2
    exit 2
fi

# "name size file address" for every weak outlined object of every module's object files.
defs=$(find "$dir/" -name '*.o' -print0 |
    xargs -0 -r -n 50 nm -S --defined-only -A 2>/dev/null |
    awk '$3 ~ /^[Vv]$/ && $4 ~ /Tv[0-9]*_$/ {
        split($1, a, ":"); file = a[1]; addr = a[2]
        print $4, $2, file, addr
    }' | sort)

# The bytes of one definition (relocated words read as zeros: the sizes and inline data still differ).
bytes() {
    local name=$1 file=$2 addr=$3 size=$4 section
    # objdump -t: address, flags, section, size, [.hidden], name.
    section=$(objdump -t "$file" | awk -v n="$name" '$NF == n {
        for (i = 2; i < NF; i++) if ($i ~ /^\./ && $(i + 1) ~ /^[0-9a-f]+$/) { print $i; exit }
    }')
    objdump -s -j "$section" --start-address=$((16#$addr)) --stop-address=$((16#$addr + 16#$size)) "$file" |
        awk 'NR > 4 { $1 = ""; print }'
}

conflicts=0
checked=0
while read -r name; do
    mapfile -t rows < <(awk -v n="$name" '$1 == n' <<<"$defs")
    (( ${#rows[@]} > 1 )) || continue
    checked=$((checked + 1))
    read -r _ size0 file0 addr0 <<<"${rows[0]}"
    first=$(bytes "$name" "$file0" "$addr0" "$size0")
    for row in "${rows[@]:1}"; do
        read -r _ size file addr <<<"$row"
        if [[ $size != "$size0" ]] || [[ $(bytes "$name" "$file" "$addr" "$size") != "$first" ]]; then
            echo "conflicting definitions of $name:" >&2
            printf '  %s\n' "${rows[@]}" >&2
            conflicts=$((conflicts + 1))
            break
        fi
    done
done < <(awk '{ print $1 }' <<<"$defs" | uniq)

if (( conflicts > 0 )); then
    echo "check-outlined-objects: $conflicts outlined object(s) differ between modules (see above)" >&2
    exit 1
fi
echo "check-outlined-objects: $checked outlined object(s) shared between modules, all alike"
