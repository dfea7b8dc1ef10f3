#!/usr/bin/env bash
# Risk-model benchmark (issue 5, point 6): generates a district, ingests it, runs `fanzha clusters run`, trains
# our logistic and forest models for the held-out weeks with `fanzha evaluate --export-features`, then fits
# scikit-learn's LogisticRegression and LightGBM on the identical exported fitting rows and compares them on the
# identical held-out resident-weeks (bench/risk/compare.py). Also ranks against the generator's truth.
#
# Usage: bench/risk/run.sh [residents] [incidence per 10k a year] [seed]     (defaults 100000 150 5)
# Env: BENCH_OUT (default bench/out/risk), FANZHA_BIN (default: build and use target/release/fanzha),
#      REUSE=1 (keep an existing $BENCH_OUT/data district: only evaluate and compare),
#      PYTHON (default /work/venv-bench/bin/python; needs pandas, numpy, scipy, scikit-learn, lightgbm).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
RESIDENTS=${1:-100000}
INCIDENCE=${2:-150}
SEED=${3:-5}
out=${BENCH_OUT:-$root/bench/out/risk}
python=${PYTHON:-/work/venv-bench/bin/python}
if [[ -n ${FANZHA_BIN:-} ]]; then
    bin=$FANZHA_BIN
else
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
    bin=$root/target/release/fanzha
fi
# 52 weeks from 2025-12-01 (2025-W49): the generator writes truth for the last 8, 2026-W41..2026-W48.
FROM=2026-W41
TO=2026-W48
t() { /usr/bin/time -f "%e s wall, %M KiB peak: $*" "$@"; }
if [[ ${REUSE:-0} == 1 && -d $out/data ]]; then
    rm -rf "$out/export" "$out/times.txt" # REUSE=1: keep the generated, ingested and clustered district
else
    rm -rf "$out" && mkdir -p "$out"
    t "$bin" --quiet generate --out "$out/district" --residents "$RESIDENTS" --weeks 52 --seed "$SEED" \
        --incidence "$INCIDENCE" 2>>"$out/times.txt"
    t "$bin" --quiet ingest "$out/district" --data-dir "$out/data" >/dev/null 2>>"$out/times.txt"
    t "$bin" --quiet clusters run --data-dir "$out/data" >/dev/null 2>>"$out/times.txt"
fi
for model in logistic forest; do
    t "$bin" --quiet evaluate --data-dir "$out/data" --from "$FROM" --to "$TO" --model "$model" --k 300 --json \
        --export-features "$out/export" >"$out/eval-$model.json" 2>>"$out/times.txt"
done
cat "$out/times.txt"
"$python" "$root/bench/risk/compare.py" "$out" "$FROM" | tee "$out/table.md"
