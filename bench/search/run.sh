#!/usr/bin/env bash
# Search benchmark (issue 4, point 7): fanzha's case index vs tantivy-py + python jieba vs SQLite FTS5 over the
# same corpus, in the same run: indexing wall/CPU time, MB/s of input text, index size, peak RSS; then a mixed
# query workload run in-process by each engine (p50/p99 latency, hit-count agreement).
#
# Usage: bench/search/run.sh [N]     N recombined narratives (default 200000) plus the CAIL texts.
# Env: PY (python with tantivy + jieba; default /work/venv-bench/bin/python), FANZHA_BIN (else a release build),
#      SEED_REPORTS (generated reports.csv files to recombine; default: a 1M-resident district generated into
#      $OUT/district), FANZHA_EXTERNAL_DATA (for cail2018/; skipped when unset), QUERIES (default 1200),
#      BENCH_OUT (default bench/out/search-N; git-ignored), FTS5_QUERIES (run only the first K queries on FTS5,
#      which needs seconds per common word at 1M), FTS5_TIMEOUT_MS (per-query budget, default 1000).
set -euo pipefail
n=${1:-200000}
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/search
py=${PY:-/work/venv-bench/bin/python}
out=${BENCH_OUT:-$root/bench/out/search-$n}
nq=${QUERIES:-1200}
mkdir -p "$out"
if [[ -n ${FANZHA_BIN:-} ]]; then
    bin=$FANZHA_BIN
else
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
    bin=$root/target/release/fanzha
fi
if [[ -z ${SEED_REPORTS:-} ]]; then
    [[ -f $out/district/reports.csv ]] ||
        "$bin" generate --out "$out/district" --residents 1000000 --weeks 52 --seed 1 --quiet >/dev/null
    SEED_REPORTS=$out/district/reports.csv
fi
cail=()
if [[ -n ${FANZHA_EXTERNAL_DATA:-} ]]; then cail=(--cail "$FANZHA_EXTERNAL_DATA/cail2018"); fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
corpus=$out/corpus.jsonl
# shellcheck disable=SC2086
"$py" "$here/make_corpus.py" "$n" "$corpus" 1 $SEED_REPORTS "${cail[@]}"
"$py" "$here/make_queries.py" "$corpus" "$nq" 7 "$out/queries.jsonl"
read -r docs mb < <("$py" -c "
import json,sys
n=b=0
for l in open(sys.argv[1], encoding='utf-8'):
    n+=1; b+=len(json.loads(l)['text'].encode())
print(n, round(b/1e6, 2))" "$corpus")
echo "corpus: $docs documents, $mb MB of text (UTF-8)"

# timed NAME CMD...: runs CMD under /usr/bin/time -v; keeps wall s, CPU s, peak RSS MiB in $out/NAME.time
timed() {
    local name=$1; shift
    /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr" ||
        { echo "$name failed:" >&2; cat "$out/$name.stderr" >&2; exit 1; }
}
stat_of() { # NAME → "wall cpu rss_mib"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = (n == 3) ? p[1]*3600 + p[2]*60 + p[3] : p[1]*60 + p[2] }
        /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
        END { printf "%.1f %.1f %.0f\n", w, u + s, r / 1024 }' "$out/$1.time"
}

rm -rf "$out/fanzha-data" "$out/tantivy-py" "$out/fts5.db"
timed fanzha-index "$bin" --data-dir "$out/fanzha-data" index --jsonl "$corpus" --name bench --text-field text \
    --id-field id --type-field type --district-field district --date-field date --loss-field loss
timed jieba-segment "$py" "$here/peers.py" segment "$corpus" "$out/segmented.jsonl"
timed tantivy-py-index "$py" "$here/peers.py" tantivy-index "$out/segmented.jsonl" "$out/tantivy-py"
timed fts5-index "$py" "$here/peers.py" fts5-index "$out/segmented.jsonl" "$out/fts5.db"

size() { du -sb "$1" | awk '{ printf "%.0f", $1 / 1048576 }'; }
read -r fw fc fr < <(stat_of fanzha-index)
read -r jw jc jr < <(stat_of jieba-segment)
read -r tw tc tr < <(stat_of tantivy-py-index)
read -r sw sc sr < <(stat_of fts5-index)
{
    echo
    echo "Indexing $docs documents, $mb MB of text (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
    echo
    echo "| engine | wall s | CPU s | MB/s (wall) | index MiB | peak RSS MiB |"
    echo "|---|---|---|---|---|---|"
    echo "| fanzha index | $fw | $fc | $(echo "$mb / $fw" | bc -l | xargs printf %.2f) | $(size "$out/fanzha-data/index/bench") | $fr |"
    echo "| python jieba (segmenting, shared by both peers) | $jw | $jc | $(echo "$mb / $jw" | bc -l | xargs printf %.2f) | – | $jr |"
    echo "| tantivy-py (over jieba words) | $tw | $tc | – | $(size "$out/tantivy-py") | $tr |"
    echo "| **tantivy-py + jieba** | $(echo "$jw + $tw" | bc) | $(echo "$jc + $tc" | bc) | $(echo "$mb / ($jw + $tw)" | bc -l | xargs printf %.2f) | | |"
    echo "| SQLite FTS5 unicode61 (over jieba words) | $sw | $sc | – | $(size "$out/fts5.db") | $sr |"
    echo "| **FTS5 + jieba** | $(echo "$jw + $sw" | bc) | $(echo "$jc + $sc" | bc) | $(echo "$mb / ($jw + $sw)" | bc -l | xargs printf %.2f) | | |"
    echo
    echo "fanzha vs tantivy-py + jieba: $(echo "($jw + $tw) / $fw" | bc -l | xargs printf %.2f)× (wall), $(echo "($jc + $tc) / $fc" | bc -l | xargs printf %.2f)× (CPU)"
} | tee "$out/indexing.md"

"$bin" --data-dir "$out/fanzha-data" search --name bench --bench-queries "$out/queries.jsonl" >"$out/fanzha.q"
"$bin" --data-dir "$out/fanzha-data" search --name bench --bench-queries "$out/queries.jsonl" --no-facets \
    >"$out/fanzha-no-facets.q"
"$py" "$here/peers.py" tantivy-query "$out/tantivy-py" "$out/queries.jsonl" >"$out/tantivy-py.q"
head -n "${FTS5_QUERIES:-$nq}" "$out/queries.jsonl" >"$out/queries-fts5.jsonl" # same mix: kinds cycle per 100
"$py" "$here/peers.py" fts5-query "$out/fts5.db" "$out/queries-fts5.jsonl" >"$out/fts5.q"
{
    echo
    echo "Queries ($nq; fanzha and tantivy-py: second of two passes; FTS5: the first ${FTS5_QUERIES:-$nq}, one pass, ${FTS5_TIMEOUT_MS:-1000} ms budget each; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
    echo
    "$py" "$here/summarize.py" fanzha="$out/fanzha.q" fanzha-no-facets="$out/fanzha-no-facets.q" tantivy-py="$out/tantivy-py.q" fts5="$out/fts5.q"
} | tee "$out/queries.md"
