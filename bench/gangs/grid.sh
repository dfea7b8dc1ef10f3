#!/usr/bin/env bash
# Gang-clustering grid over independent districts (bench/gangs/indep/gen.py), or with GEN=rust over our own
# generator's scenario families (`fanzha generate --scenario NAME`): every preset x seeds 1,2,3.
# For each run: generate, ingest into its own data dir, `clusters run`, score with score.py, and the
# plain-components baseline from the truth (hubs, relays, OTC desks, services removed; indep/components.py), and
# how many of the missed gangs are at the evidence limit (misses.py: split into pieces that baseline does not join;
# each run's misses.log lists them). Prints one Markdown row per run.
#
#   FANZHA_BIN=/path/to/fanzha bench/gangs/grid.sh [PRESET ...]
#   GEN=rust FANZHA_BIN=/path/to/fanzha bench/gangs/grid.sh [SCENARIO[,SCENARIO...] ...]
# Env: FANZHA_BIN (default /work/target-bench/release/fanzha), SEEDS (default "1 2 3"), RESIDENTS (default 50000),
#      OUT (default bench/out/gangs-grid, with GEN=rust bench/out/rust-grid), GEN_ARGS (extra generator switches for
#      every run), GEN (indep or rust), WEEKS (GEN=rust only, default 52).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
FANZHA_BIN="${FANZHA_BIN:-/work/target-bench/release/fanzha}"
SEEDS="${SEEDS:-1 2 3}"
RESIDENTS="${RESIDENTS:-50000}"
GEN="${GEN:-indep}"
WEEKS="${WEEKS:-52}"
GEN_ARGS="${GEN_ARGS:-}"
gen="$here/indep/gen.py"
if [ "$GEN" = rust ]; then
  OUT="${OUT:-$root/bench/out/rust-grid}"
  all="default relays otc keep-money shared-l2 lone-services commission deep-chains multi-pay late-reports kitchen-sink"
else
  OUT="${OUT:-$root/bench/out/gangs-grid}"
  all="$(python3 "$gen" --list-presets | awk '{print $1}')"
fi
if [ $# -gt 0 ]; then presets="$*"; else presets="$all"; fi

# generate PRESET SEED DIR: one district.
generate() {
  if [ "$GEN" = rust ]; then
    # shellcheck disable=SC2086
    "$FANZHA_BIN" --quiet generate --out "$3" --residents "$RESIDENTS" --weeks "$WEEKS" --seed "$2" --scenario "$1" $GEN_ARGS
  else
    # shellcheck disable=SC2086
    python3 "$gen" --preset "$1" --seed "$2" --residents "$RESIDENTS" --out "$3" $GEN_ARGS
  fi
}

echo "| preset | seed | reports | gangs | ARI | recovered | missed at the evidence limit | in another gang's cluster |  components baseline ARI | cash-out rows rejected | other rejects |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for p in $presets; do
  for s in $SEEDS; do
    run="$OUT/${p//,/+}-$s"
    rm -rf "$run"
    mkdir -p "$run"
    dist="$run/district"
    data="$run/data"
    generate "$p" "$s" "$dist" > "$run/gen.log" 2>&1 || { echo "| $p | $s | generator failed: see $run/gen.log |"; continue; }
    "$FANZHA_BIN" --quiet --data-dir "$data" ingest "$dist" > "$run/ingest.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then echo "| $p | $s | ingest failed (exit $rc): see $run/ingest.log |"; continue; fi
    cash=0; other=0
    if ls "$data"/rejects/*.csv > /dev/null 2>&1; then
      read -r cash other < <(python3 - "$data"/rejects/*.csv <<'EOF'
import csv, sys
cash = other = 0
for path in sys.argv[1:]:
    for row in csv.DictReader(open(path, encoding="utf-8")):
        raw = next(csv.reader([row["raw"]]))
        if row["field"] == "to_account" and len(raw) > 5 and raw[2] == "" and raw[5] in ("atm", "cash", "crypto", "merchant"):
            cash += 1
        else:
            other += 1
print(cash, other)
EOF
)
    fi
    "$FANZHA_BIN" --quiet --data-dir "$data" clusters run > "$run/clusters.log" 2>&1 \
      || { echo "| $p | $s | clusters run failed: see $run/clusters.log |"; continue; }
    score="$(python3 "$root/bench/gangs/score.py" "$data" "$dist" 2>&1 | tail -1)"
    echo "$score" > "$run/score.log"
    # "run 1: 362 reports, ARI 0.6590, gangs recovered 33/46 (71.7%), 12 in another gang's cluster"
    reports="$(sed -n 's/.*: \([0-9]*\) reports,.*/\1/p' <<< "$score")"
    ari="$(sed -n 's/.*ARI \([0-9.-]*\),.*/\1/p' <<< "$score")"
    rec="$(sed -n 's/.*gangs recovered \([0-9]*\/[0-9]*\) (\([0-9.]*%\)).*/\2 (\1)/p' <<< "$score")"
    other_gang="$(sed -n 's/.*, \([0-9]*\) in another gang.*/\1/p' <<< "$score")"
    gangs="$(python3 -c "import csv,sys; print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if True))" "$dist/truth/gangs.csv")"
    comp="$(python3 "$here/indep/components.py" "$dist" | sed 's/.*ARI=//')"
    [ "$GEN" = rust ] || python3 "$here/indep/diag.py" "$data" "$dist" > "$run/diag.log" 2>&1
    python3 "$here/misses.py" "$data" "$dist" > "$run/misses.log" 2>&1
    # "missed 11 gangs; at the evidence limit 9" -> "9 of 11"
    limit="$(sed -n 's/^missed \([0-9]*\) gangs; at the evidence limit \([0-9]*\)$/\2 of \1/p' "$run/misses.log")"
    echo "| $p | $s | ${reports:-?} | $gangs | ${ari:-$score} | ${rec:-?} | ${limit:-?} | ${other_gang:-?} | $comp | $cash | $other |"
  done
done
