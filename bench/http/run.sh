#!/usr/bin/env bash
# HTTP load (issue 12): wrk on loopback against `fanzha serve` (auth and group-committed audit on) over a generated
# district — one resident's risk lookup, a case search, a cluster detail — and, in the same run, against a bare axum
# handler returning a constant JSON body of the risk lookup's mean size (bench/http/ceiling: this stack's ceiling on
# this machine). Prints a Markdown table: requests/s, p50, p99, errors, ratio to the ceiling, server CPU per request.
#
# Usage: bench/http/run.sh
# Environment (defaults in brackets):
#   SMALL=1                20,000 residents instead of 100,000 (RESIDENTS, WEEKS [26], SEED [1] set them directly)
#   BENCH_DATA=DIR         serve this data folder (a scored district) instead of generating one into $BENCH_OUT
#   BENCH_OUT=DIR          outputs and the generated district [bench/out/http]; a district there is reused
#   DURATION [30s]         wrk time per scenario; WARMUP [5s] before each, not counted
#   RISK_CONNS ["1 16"]    connection counts of the risk lookup and its ceiling; CASE_CONNS [16] for search, clusters
#   THREADS [2]            wrk threads (wrk shares the 2 cores with the server, as it does with the ceiling)
#   DIAG [1]               also /healthz, /risk/weeks and the rank-1 resident's lookup (where the lookup's time goes)
#   FANZHA_PORT [18080], CEILING_PORT [18081], FANZHA_BIN (skip the build), CARGO_TARGET_DIR
# The search and cluster scenarios run when /api/openapi.json lists their routes, else are "not available".
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-5s}
RISK_CONNS=${RISK_CONNS:-1 16}
CASE_CONNS=${CASE_CONNS:-16}
THREADS=${THREADS:-2}

need_tools
mkdir -p "$out"
load_start=$(cut -d" " -f1-3 /proc/loadavg)
build_fanzha
build_ceiling
make_district
make_tokens
start_fanzha
pick_week
risk_paths
check_paths "$out/risk.paths" "$prevention_token" "$RISK_PURPOSE" risk 200 || die "risk lookup: $check_why"
risk_bytes=$mean_bytes
log "risk lookup body: mean $risk_bytes bytes over $(wc -l <"$out/check-risk.tsv") residents"
openapi_paths
search_paths
cluster_paths
start_ceiling "$risk_bytes"

rows=()
declare -A rps_of
# scenario NAME LABEL CONNS URL PATHS TOKEN PURPOSE PID [CEILING_NAME]: warm-up, then the measured run.
scenario() {
    local name=$1 label=$2 conns=$3 url=$4 paths=$5 token=$6 purpose=$7 pid=$8 ceiling=${9:-}
    log "$label, $conns connections: warm-up $WARMUP, then $DURATION"
    run_wrk "$name-warmup" "$conns" "$THREADS" "$WARMUP" "$url" "$paths" "$token" "$purpose"
    local c0 c1 rps p50 p99 err req ratio=- cpu_us
    c0=$(cpu_s "$pid")
    run_wrk "$name" "$conns" "$THREADS" "$DURATION" "$url" "$paths" "$token" "$purpose"
    c1=$(cpu_s "$pid")
    read -r rps p50 p99 err req < <(parse_wrk "$name")
    rps_of[$name]=$rps
    if [[ -n $ceiling && -n ${rps_of[$ceiling]:-} ]]; then
        ratio=$(awk -v a="$rps" -v b="${rps_of[$ceiling]}" 'BEGIN { r = 100 * a / b; printf (r < 1 ? "%.2f%%" : r < 10 ? "%.1f%%" : "%.0f%%"), r }')
    fi
    cpu_us=$(awk -v a="$c0" -v b="$c1" -v n="$req" 'BEGIN { printf "%.0f", n ? (b - a) * 1e6 / n : 0 }')
    rows+=("| $label | $conns | $rps | $p50 | $p99 | $err | $ratio | $cpu_us |")
    log "  $rps req/s, p50 $p50 ms, p99 $p99 ms, $err errors"
}

risk_one=$(head -1 "$out/risk.paths")
for c in $RISK_CONNS; do
    scenario "ceiling-c$c" "ceiling (axum, constant $risk_bytes B)" "$c" "http://127.0.0.1:$CEILING_PORT/" \
        "$out/risk.paths" "$prevention_token" "$RISK_PURPOSE" "$ceiling_pid"
    scenario "risk-c$c" "risk lookup (audited)" "$c" "$base$risk_one" "$out/risk.paths" "$prevention_token" \
        "$RISK_PURPOSE" "$fanzha_pid" "ceiling-c$c"
done
# Where the lookup's time goes, at CASE_CONNS: fanzha's middleware alone (/healthz: no token, no store), plus the
# token check and one cached store read (/risk/weeks: not audited), plus the lookup of the rank-1 resident (whose
# row the store finds first) with its history and audit record.
if [[ ${DIAG:-1} == 1 ]]; then
    echo /healthz >"$out/healthz.paths"
    echo /api/v1/risk/weeks >"$out/weeks.paths"
    awk -v w="$week" 'NR == 1 { print "/api/v1/risk/weeks/" w "/residents/" $0 }' "$out/resident-ids.txt" >"$out/rank1.paths"
    ceiling_c=ceiling-c$CASE_CONNS
    [[ -n ${rps_of[$ceiling_c]:-} ]] || ceiling_c=
    scenario "healthz-c$CASE_CONNS" "diagnostic: /healthz (no auth)" "$CASE_CONNS" "$base/" "$out/healthz.paths" \
        "" "" "$fanzha_pid" "$ceiling_c"
    scenario "weeks-c$CASE_CONNS" "diagnostic: risk weeks (auth, not audited)" "$CASE_CONNS" "$base/" \
        "$out/weeks.paths" "$prevention_token" "" "$fanzha_pid" "$ceiling_c"
    scenario "rank1-c$CASE_CONNS" "diagnostic: risk lookup, rank-1 resident only (audited)" "$CASE_CONNS" "$base/" \
        "$out/rank1.paths" "$prevention_token" "$RISK_PURPOSE" "$fanzha_pid" "$ceiling_c"
fi
if [[ -z $search_why ]]; then
    scenario "search-c$CASE_CONNS" "search ($(wc -l <"$out/search.paths") queries)" "$CASE_CONNS" "$base/" \
        "$out/search.paths" "$investigator_token" "$CASE_PURPOSE" "$fanzha_pid"
else
    rows+=("| search | $CASE_CONNS | $search_why | | | | | |")
fi
if [[ -z $cluster_why ]]; then
    scenario "cluster-c$CASE_CONNS" "cluster detail ($(wc -l <"$out/cluster.paths") clusters)" "$CASE_CONNS" "$base/" \
        "$out/cluster.paths" "$investigator_token" "$CASE_PURPOSE" "$fanzha_pid"
else
    rows+=("| cluster detail | $CASE_CONNS | $cluster_why | | | | | |")
fi

{
    echo "fanzha $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- api datasets analytics search || echo '+dirty');" \
        "district $RESIDENTS residents x $WEEKS weeks (seed $SEED), week $week; $(nproc) cores;" \
        "wrk -t$THREADS, $DURATION per scenario after $WARMUP warm-up; $(date -u '+%Y-%m-%d %H:%M UTC');" \
        "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo
    echo "| scenario | connections | requests/s | p50 ms | p99 ms | errors | ratio to ceiling | server CPU µs/req |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} | tee "$out/results.md"
