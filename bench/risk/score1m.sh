#!/usr/bin/env bash
# Times `fanzha score` on a large district (issue 5, point 6: scoring 1,000,000 residents in under 5 s).
# Generates the district (default incidence) unless DIR already holds one, ingests it, runs `fanzha clusters run`,
# then `fanzha score --week 2026-W48 --json` under /usr/bin/time; the JSON's `seconds` splits the run into load
# (store → inputs → index), train, score (features + calibrated scores + reason codes: the pure scoring part) and
# write (ranks, deciles, snapshot rows).
#
# Usage: bench/risk/score1m.sh [DIR] [residents]     (defaults /tmp/dist1m-risk 1000000)
# Env: BENCH_OUT (default bench/out/score1m), FANZHA_BIN (default: build and use target/release/fanzha).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-/tmp/dist1m-risk}
RESIDENTS=${2:-1000000}
out=${BENCH_OUT:-$root/bench/out/score1m}
if [[ -n ${FANZHA_BIN:-} ]]; then
    bin=$FANZHA_BIN
else
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
    bin=$root/target/release/fanzha
fi
t() { /usr/bin/time -f "%e s wall, %U s user, %M KiB peak: $*" "$@"; }
[[ -f $dir/residents.csv ]] || t "$bin" --quiet generate --out "$dir" --residents "$RESIDENTS" --weeks 52 --seed 1
rm -rf "$out" && mkdir -p "$out"
t "$bin" --quiet ingest "$dir" --data-dir "$out/data" >/dev/null
t "$bin" --quiet clusters run --data-dir "$out/data" >/dev/null
t "$bin" --quiet score --data-dir "$out/data" --week 2026-W48 --json | tee "$out/score.json"
