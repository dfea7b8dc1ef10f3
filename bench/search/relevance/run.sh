#!/usr/bin/env bash
# Search relevance (issue 15, point 3): fanzha vs plain character BM25 vs tantivy-py + jieba on a judged set of
# investigator queries over the CAIL2018 facts and the telecom fraud texts, all three in the same run.
#
# Usage: bench/search/relevance/run.sh
# Env: FANZHA_EXTERNAL_DATA (required: the folder holding cail2018/ and telecom_fraud_texts/), FANZHA_BIN (else a
#      release build of this tree), PY (python with tantivy + jieba; default /work/venv-bench/bin/python),
#      BENCH_OUT (default bench/out/relevance; git-ignored), POOL=1 (re-pool: add the runs' top 20 and the rule's
#      grade-2 documents to qrels.tsv, judged by the rule, keeping every judgement already there and every read one).
# Writes BENCH_OUT/results.md (the table) and BENCH_OUT/per_query.csv, and the same for the independent set
# (independent/: queries written by someone who saw no system's code or output) in BENCH_OUT/independent/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
here=$root/bench/search/relevance
py=${PY:-/work/venv-bench/bin/python}
out=${BENCH_OUT:-$root/bench/out/relevance}
depth=20
if [[ -z ${FANZHA_EXTERNAL_DATA:-} ]]; then
    echo "relevance: FANZHA_EXTERNAL_DATA is unset (the folder with cail2018/ and telecom_fraud_texts/); nothing run" >&2
    exit 0
fi
"$py" "$here/check.py" "$here/queries.jsonl" "$here/qrels.tsv" "$here/reads.tsv"
[[ ${POOL:-0} == 1 ]] || "$py" "$here/check.py" "$here/independent/queries.jsonl" "$here/independent/qrels.tsv" \
    "$here/independent/reads.tsv"
if [[ -n ${FANZHA_BIN:-} ]]; then
    bin=$FANZHA_BIN
else
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
    bin=${CARGO_TARGET_DIR:-$root/target}/release/fanzha
fi
mkdir -p "$out"
echo "fanzha: $bin ($("$bin" --version 2>/dev/null || echo "no --version"); sha256 $(sha256sum "$bin" | cut -c1-12))"
"$py" "$here/make_corpus.py" "$FANZHA_EXTERNAL_DATA" "$out/corpus.jsonl"

rm -rf "$out/fanzha-data" "$out/tantivy-py"
"$bin" --data-dir "$out/fanzha-data" --quiet index --jsonl "$out/corpus.jsonl" --name rel --text-field text \
    --id-field id --type-field type >/dev/null
# One query set (QUERIES.jsonl, its qrels and reads in DIR) through the three systems into OUT, pooled with POOL=1,
# then scored.
score_set() {
    local queries=$1 dir=$2 o=$3
    mkdir -p "$o"
    "$py" "$here/systems.py" fanzha "$bin" "$out/fanzha-data" "$queries" "$depth" "$o/fanzha.run"
    "$py" "$here/systems.py" bm25 "$out/corpus.jsonl" "$queries" "$depth" "$o/bm25-char.run"
    "$py" "$here/systems.py" tantivy-jieba "$out/corpus.jsonl" "$out/tantivy-py" "$queries" "$depth" \
        "$o/tantivy-py-jieba.run"
    if [[ ${POOL:-0} == 1 ]]; then
        "$py" "$here/judge.py" "$queries" "$out/corpus.jsonl" "$dir/qrels.tsv" "$dir/reads.tsv" "$depth" \
            "$o/fanzha.run" "$o/bm25-char.run" "$o/tantivy-py-jieba.run"
    fi
    "$py" "$here/evaluate.py" "$queries" "$dir/qrels.tsv" "$out/corpus.jsonl" "$o" \
        fanzha="$o/fanzha.run" bm25-char="$o/bm25-char.run" tantivy-py+jieba="$o/tantivy-py-jieba.run"
}

score_set "$here/queries.jsonl" "$here" "$out"
# The independent set (queries written by someone who saw no system's code or output; its own qrels, pooled the same
# way), over the same index and corpus.
echo
echo "## Independent queries"
score_set "$here/independent/queries.jsonl" "$here/independent" "$out/independent"
