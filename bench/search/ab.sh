#!/usr/bin/env bash
# Two fanzha builds side by side on the same index and query files (bench/README.md, "Ranked matching"):
# interleaved rounds of `fanzha search --bench-queries` (each round: base, then new; each run times its second
# pass), then per-query minimum over the rounds, p50/p99 by kind, and how many totals differ.
#
# Usage: bench/search/ab.sh BASE_BIN NEW_BIN DATA_DIR OUT_DIR ROUNDS QUERIES.jsonl [QUERIES.jsonl ...]
#        (the index is DATA_DIR/index/bench, as bench/search/run.sh builds it)
set -euo pipefail
base=$1 new=$2 data=$3 out=$4 rounds=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
py=${PY:-/work/venv-bench/bin/python}
mkdir -p "$out"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    for q in "$@"; do
        name=$(basename "$q" .jsonl)
        for v in base new; do
            bin=$base
            [[ $v == new ]] && bin=$new
            "$bin" --data-dir "$data" search --name bench --bench-queries "$q" >"$out/$name-$v-$r.tsv"
        done
    done
    echo "round $r done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
for q in "$@"; do
    name=$(basename "$q" .jsonl)
    "$py" "$here/ab_summary.py" "$out" "$name" "$rounds"
done
