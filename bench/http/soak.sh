#!/usr/bin/env bash
# HTTP soak (issue 12): `fanzha serve` (auth and group-committed audit on) under mixed load for SOAK_SECONDS — risk
# lookups, searches and cluster details at once, one wrk each — sampling the server's RSS (VmRSS) every
# SAMPLE_SECONDS into a CSV. Then reports errors, first/last/max RSS, stops the server gracefully and runs
# `fanzha audit verify --json`: the chain must be intact and hold at least one new record per audited 2xx response.
#
# Usage: SOAK_SECONDS=600 bench/http/soak.sh
# Environment (defaults in brackets): SOAK_SECONDS [600], SAMPLE_SECONDS [10], RISK_CONNS [8], SEARCH_CONNS [4],
#   CLUSTER_CONNS [4]; and as in run.sh: SMALL, BENCH_DATA, BENCH_OUT, RESIDENTS, WEEKS, SEED, FANZHA_PORT,
#   FANZHA_BIN, CARGO_TARGET_DIR. Search and clusters join the mix when /api/openapi.json lists their routes.
# Memory is called flat when the RSS at the end is within 10% of the RSS one minute in (after start-up caches fill).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

SOAK_SECONDS=${SOAK_SECONDS:-600}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
RISK_CONNS=${RISK_CONNS:-8}
SEARCH_CONNS=${SEARCH_CONNS:-4}
CLUSTER_CONNS=${CLUSTER_CONNS:-4}

need_tools
mkdir -p "$out"
load_start=$(cut -d" " -f1-3 /proc/loadavg)
build_fanzha
make_district
make_tokens
records_before=$(fz audit verify --json | jq -r .records)
start_fanzha
pick_week
risk_paths
check_paths "$out/risk.paths" "$prevention_token" "$RISK_PURPOSE" risk 50 || die "risk lookup: $check_why"
openapi_paths
search_paths
cluster_paths

# name conns paths token purpose openapi-route
mix=("risk $RISK_CONNS $out/risk.paths $prevention_token $RISK_PURPOSE|/api/v1/risk/weeks/{week}/residents/{resident_id}")
[[ -z $search_why ]] && mix+=("search $SEARCH_CONNS $out/search.paths $investigator_token $CASE_PURPOSE|/api/v1/search")
[[ -z $cluster_why ]] && mix+=("cluster $CLUSTER_CONNS $out/cluster.paths $investigator_token $CASE_PURPOSE|$cluster_route")

log "soak: ${#mix[@]} scenarios for ${SOAK_SECONDS}s; RSS every ${SAMPLE_SECONDS}s into $out/soak-rss.csv"
wrk_pids=()
for m in "${mix[@]}"; do
    read -r name conns paths token purpose <<<"${m%%|*}"
    run_wrk "soak-$name" "$conns" 1 "${SOAK_SECONDS}s" "$base/" "$paths" "$token" "$purpose" &
    wrk_pids+=("$!")
    pids+=("$!")
done
# store_connections: open connections to the store (each keeps its own SQLite page cache, up to cache_size).
echo "seconds,rss_kib,cpu_s,audit_db_kib,store_connections,rss_anon_kib,rss_file_kib" >"$out/soak-rss.csv"
started=$(date +%s)
while :; do
    now=$(($(date +%s) - started))
    # An fd closing while find reads the folder makes find fail; the count is still right for that sample.
    conns=$({ find "/proc/$fanzha_pid/fd" -lname "*/fanzha.sqlite" 2>/dev/null || true; } | wc -l)
    echo "$now,$(rss_kib "$fanzha_pid"),$(cpu_s "$fanzha_pid"),$(du -k "$data/audit.sqlite" | cut -f1),$conns,$(rss_split_kib "$fanzha_pid")" \
        >>"$out/soak-rss.csv"
    running=0
    for p in "${wrk_pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
    ((running)) || break
    sleep "$SAMPLE_SECONDS"
done
for p in "${wrk_pids[@]}"; do wait "$p"; done
rss_end=$(rss_kib "$fanzha_pid")
split_end=$(rss_split_kib "$fanzha_pid")
stop_fanzha
fz audit verify --json >"$out/soak-verify.json" || true

rows=()
total_err=0
audited=0
for m in "${mix[@]}"; do
    read -r name conns _ <<<"${m%%|*}"
    read -r rps p50 p99 err req < <(parse_wrk "soak-$name")
    rows+=("| $name | $conns | $req | $rps | $p50 | $p99 | $err |")
    total_err=$((total_err + err))
    if route_audited "${m#*|}"; then audited=$((audited + req - err)); fi
done
ok=$(jq -r .ok "$out/soak-verify.json")
records_after=$(jq -r .records "$out/soak-verify.json")
new_records=$((records_after - records_before))

{
    echo "fanzha $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- api datasets analytics search || echo '+dirty');" \
        "district $RESIDENTS residents x $WEEKS weeks (seed $SEED), week $week; $(nproc) cores; soak ${SOAK_SECONDS}s," \
        "one wrk -t1 per scenario, all at once; $(date -u '+%Y-%m-%d %H:%M UTC');" \
        "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo
    echo "| scenario | connections | requests | requests/s | p50 ms | p99 ms | errors |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    [[ -z $search_why ]] || echo "| search | | $search_why | | | | |"
    [[ -z $cluster_why ]] || echo "| cluster detail | | $cluster_why | | | | |"
    echo
    awk -F, -v end="$rss_end" '
        NR == 2 { first = $2 }
        NR > 1 && $1 >= 60 && !m1 { m1 = $2 }
        NR > 1 { if ($2 > max) max = $2; last = $2 }
        END {
            if (end) last = end
            if (!m1) m1 = first
            g = 100 * (last - m1) / m1
            printf "RSS (MiB): first %.1f, at 1 min %.1f, last %.1f, max %.1f; growth from 1 min to the end %+.1f%% -> %s\n",
                first / 1024, m1 / 1024, last / 1024, max / 1024, g, (g < 10 ? "flat" : "NOT flat")
        }' "$out/soak-rss.csv"
    # Where the growth is: anonymous memory (a leak would show here) or mapped files (the index's pages, cache).
    awk -F, -v end="$split_end" '
        NR == 2 { fa = $6; ff = $7 }
        NR > 1 && $1 >= 60 && !ma { ma = $6; mf = $7 }
        NR > 1 { la = $6; lf = $7 }
        END {
            if (end) { split(end, e, ","); la = e[1]; lf = e[2] }
            if (!ma) { ma = fa; mf = ff }
            printf "  of which anonymous (MiB): first %.1f, at 1 min %.1f, last %.1f (%+.1f%%); file-backed: %.1f, %.1f, %.1f (%+.1f MiB)\n",
                fa / 1024, ma / 1024, la / 1024, 100 * (la - ma) / ma, ff / 1024, mf / 1024, lf / 1024, (lf - mf) / 1024
        }' "$out/soak-rss.csv"
    echo "errors: $total_err $( ((total_err == 0)) && echo '(none)' || echo '(GOAL MISSED)')"
    echo "audit verify: ok=$ok, records $records_before -> $records_after (+$new_records);" \
        "audited 2xx responses counted by wrk: $audited -> $( [[ $ok == true ]] && ((new_records >= audited)) \
        && echo 'chain verified, every audited response recorded' || echo 'FAILED')"
} | tee "$out/soak-results.md"
