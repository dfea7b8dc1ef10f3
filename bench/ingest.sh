#!/usr/bin/env bash
# Times `fanzha ingest DIR` (release build) and, for comparison, the sqlite3 shell's `.import --csv --skip 1` of
# the same CSV files into a fresh database with the same columns (as TEXT, id as PRIMARY KEY, WAL,
# synchronous=NORMAL). Prints rows/s for both, the ratio, and fanzha's peak RSS.
#
# Usage: bench/ingest.sh DIR          (DIR holds residents.csv, reports.csv, …; make one with bench/make-sample.py)
# Output files go to bench/out/ (git-ignored), or $BENCH_OUT. FANZHA_BIN=path runs that binary instead of building.
# Only the seven interchange tables are imported on the sqlite3 side (the generator also writes areas.csv,
# adjacency.csv and truth/, which fanzha ignores).
set -euo pipefail
tables=(residents reports transfers contacts content staff outreach)

[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/bench/out}
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not found" >&2; exit 2; }

if [[ -n ${FANZHA_BIN:-} ]]; then
    bin=$FANZHA_BIN # e.g. an older build, for before/after figures
else
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
    bin=$root/target/release/fanzha
fi
rm -rf "$out" && mkdir -p "$out"

# 1. fanzha ingest (validation, typed columns, hashing, reference checks, batched transactions).
status=0
/usr/bin/time -v -o "$out/fanzha.time" "$bin" ingest "$dir" --data-dir "$out/fanzha-data" --quiet \
    >"$out/fanzha.summary" 2>"$out/fanzha.stderr" || status=$?
if [[ $status -ne 0 && $status -ne 3 ]]; then
    echo "fanzha ingest failed (exit $status):" >&2; cat "$out/fanzha.stderr" >&2; exit 1
fi
# Rows read = accepted + updated + unchanged + rejected over all files.
rows=$(awk '$1 ~ /\.(csv|jsonl)$/ { n += $2 + $3 + $4 + $5 } END { print n + 0 }' "$out/fanzha.summary")

# 2. sqlite3 .import of the same CSVs.
{
    echo "PRAGMA journal_mode=WAL;"
    echo "PRAGMA synchronous=NORMAL;"
    for t in "${tables[@]}"; do
        f=$dir/$t.csv
        [[ -f $f ]] || continue
        header=$(head -n1 "$f" | tr -d '\r' | sed 's/^\xEF\xBB\xBF//')
        cols=$(echo "$header" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s\"%s\" TEXT%s", (i > 1 ? ", " : ""), $i, (i == 1 ? " PRIMARY KEY" : "") }')
        echo "CREATE TABLE \"$t\" ($cols);"
        echo ".import --csv --skip 1 '$f' \"$t\""
    done
} >"$out/import.sql"
/usr/bin/time -v -o "$out/sqlite3.time" sqlite3 "$out/import.db" <"$out/import.sql" >/dev/null 2>"$out/sqlite3.stderr"

secs() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }
f_s=$(secs "$out/fanzha.time"); s_s=$(secs "$out/sqlite3.time")
imported=$(for t in "${tables[@]}"; do [[ -f $dir/$t.csv ]] || continue; sqlite3 "$out/import.db" "SELECT COUNT(*) FROM \"$t\";"; done | awk '{ n += $1 } END { print n + 0 }')

cat "$out/fanzha.summary"
echo
awk -v r="$rows" -v fs="$f_s" -v ss="$s_s" -v ri="$imported" -v fc="$(cpu "$out/fanzha.time")" -v sc="$(cpu "$out/sqlite3.time")" \
    -v frss="$(rss "$out/fanzha.time")" -v srss="$(rss "$out/sqlite3.time")" 'BEGIN {
    fr = r / (fs > 0 ? fs : 0.01); sr = ri / (ss > 0 ? ss : 0.01)
    printf "%-16s %10s %9s %12s %9s %12s\n", "", "rows", "wall s", "rows/s", "CPU s", "peak RSS MiB"
    printf "%-16s %10d %9.2f %12.0f %9.2f %12s\n", "fanzha ingest", r, fs, fr, fc, frss
    printf "%-16s %10d %9.2f %12.0f %9.2f %12s\n", "sqlite3 .import", ri, ss, sr, sc, srss
    printf "fanzha / sqlite3 rows/s ratio (wall): %.2f\n", fr / sr
}'
