#!/usr/bin/env bash
# Alternated measurements: two variants run in turn, pair after pair, so that the VM's drift (its
# speed moves by up to a third within an hour) falls on both alike. The README's "against" figures
# are measured this way (before session 24 with scripts kept outside the repository; this one
# makes them reproducible from it).
#
#   Benchmarks/alternate.sh server PAIRS SECONDS "SERVER_A [LOADGEN ARGS…]" "SERVER_B [LOADGEN ARGS…]"
#       Each run starts SERVER (a `chronicle` binary) on a fresh data directory and a free loopback
#       port, drives it with `loadgen run --connections 64 --depth 32` plus the variant's arguments
#       for SECONDS (after a 2 s warm-up), then stops it. Prints the rate and the server's CPU per
#       command (user + system over the whole run, warm-up included, per measured command).
#       A variant written "SERVER [SERVE ARGS…] -- [LOADGEN ARGS…]" also passes arguments to
#       `chronicle serve` (for example "chronicle --views-priority normal --").
#       LOADGEN (default: Benchmarks/LoadGenerator/.build/release/loadgen) picks the generator.
#
#   Benchmarks/alternate.sh cb PAIRS SECONDS CB_A CB_B [COMMANDBENCH ARGS…]
#       Two `CommandBench` binaries, `--submitters 64 --depth 32` unless the arguments say otherwise.
#       Prints the rate and the CPU per command the benchmark reports (all threads, and the stager).
#
# The order within a pair swaps every pair (A B, B A, …). The summary gives both means and how
# many pairs B won.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-}; pairs=${2:-}; seconds=${3:-}
if [[ $mode != server && $mode != cb ]] || ! [[ $pairs =~ ^[0-9]+$ && $seconds =~ ^[0-9]+$ ]] || (( $# < 5 )); then
    sed -n '2,/^set /{/^set /d;p;}' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
shift 3

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# One server run: prints "RATE US_PER_COMMAND".
server_run() {
    local variant=$1 server dir port pid out c0 c1 count rate word
    local -a words serve_args=() args=()
    read -r -a words <<<"$variant"
    server=${words[0]}
    # Words before a lone `--` are the server's; the others (all of them, without one) loadgen's.
    local before_dashes=0
    for word in "${words[@]:1}"; do [[ $word == -- ]] && before_dashes=1; done
    for word in "${words[@]:1}"; do
        if [[ $word == -- ]]; then before_dashes=0; continue; fi
        if (( before_dashes )); then serve_args+=("$word"); else args+=("$word"); fi
    done
    dir=$(mktemp -d "${TMPDIR:-/tmp}/chronicle-alternate.XXXXXX")
    port=$(free_port)
    "$server" serve --data "$dir/data" --listen "127.0.0.1:$port" --socket none --admin-token alternate \
        "${serve_args[@]}" >"$dir/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$dir/serve.log" 2>/dev/null && break; sleep 0.1; done
    c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$("${LOADGEN:-$here/LoadGenerator/.build/release/loadgen}" run --connect "127.0.0.1:$port" --token alternate \
        --connections 64 --depth 32 --duration "$seconds" --warmup 2 "${args[@]}" 2>&1) || true
    c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
    rate=$(grep -oE '= [0-9]+/s' <<<"$out" | head -1 | grep -oE '[0-9]+' || echo 0)
    count=$(grep -oE '^commands: [0-9]+' <<<"$out" | head -1 | grep -oE '[0-9]+' || echo 0)
    if (( count == 0 )); then echo "0 0"; return; fi
    # Clock ticks (100 a second) over the whole run, per command of the measured seconds.
    awk -v r="$rate" -v t=$((c1 - c0)) -v n="$count" -v s="$seconds" \
        'BEGIN { printf "%d %.2f\n", r, t * 10000 / (n * (s + 2) / s) }'
}

# One CommandBench run: prints "RATE ALL_US STAGER_US".
cb_run() {
    local bench=$1; shift
    local out
    out=$("$bench" --submitters 64 --depth 32 --seconds "$seconds" "$@" 2>&1)
    awk '/commands\/s/ { for (i = 1; i <= NF; i++) if ($i == "→") r = $(i + 1) }
         /CPU µs per command/ { for (i = 1; i <= NF; i++) { if ($i == "log-stage") s = $(i + 1); if ($i == "threads") a = $(i + 1) } }
         END { gsub(",", "", s); printf "%d %s %s\n", r, a, s }' <<<"$out"
}

run() {
    if [[ $mode == server ]]; then server_run "$1"; else cb_run "$1" "${extra[@]}"; fi
}

a=$1; b=$2; shift 2
extra=("$@")
for i in $(seq "$pairs"); do
    if (( i % 2 == 1 )); then ra=$(run "$a"); rb=$(run "$b"); else rb=$(run "$b"); ra=$(run "$a"); fi
    echo "$(date -u +%H:%M:%S) A $ra | B $rb"
done | awk '
    { print; for (i = 1; i <= NF; i++) if ($i == "B") j = i
      n++; ra += $3; ca += $4; rb += $(j + 1); cb += $(j + 2); if ($(j + 1) > $3) w++ }
    END { if (n) printf "%d pairs: A %.0f/s, %.2f µs/command | B %.0f/s, %.2f µs/command | B faster in %d\n",
                        n, ra / n, ca / n, rb / n, cb / n, w }'
