#!/usr/bin/env bash
# Benchmark: builds the release binary and times `fanzha generate` for 1,000,000 residents over 52 weeks.
# Writes the district and the /usr/bin/time -v report into bench/out/ (git-ignored).
# Usage: bench/generate.sh [residents] [weeks] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
RESIDENTS="${1:-1000000}"
WEEKS="${2:-52}"
SEED="${3:-1}"
OUT="bench/out"
mkdir -p "$OUT"
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release -p api
rm -rf "$OUT/district"
/usr/bin/time -v target/release/fanzha --quiet generate --out "$OUT/district" \
    --residents "$RESIDENTS" --weeks "$WEEKS" --seed "$SEED" 2> "$OUT/generate-time.txt"
{
    echo "residents=$RESIDENTS weeks=$WEEKS seed=$SEED"
    grep -E "Elapsed \(wall clock\)|Maximum resident set size|User time|System time" "$OUT/generate-time.txt"
    du -sh "$OUT/district"
    for f in "$OUT"/district/*.csv "$OUT"/district/truth/*.csv; do
        printf '%10d rows  %s\n' "$(($(wc -l < "$f") - 1))" "${f#"$OUT"/district/}"
    done
} | tee "$OUT/generate-summary.txt"
