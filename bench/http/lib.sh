# Shared by bench/http/run.sh and bench/http/soak.sh (sourced, not run): settings, builds, the district, the
# servers, the request lists and wrk's output. Every server started here is recorded in `pids` and killed by
# `cleanup` (the callers trap EXIT). Traffic goes only to 127.0.0.1.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$root/bench/http
out=${BENCH_OUT:-$root/bench/out/http}
target=${CARGO_TARGET_DIR:-$root/target}
export CARGO_TARGET_DIR=$target

if [[ ${SMALL:-0} == 1 ]]; then residents_default=20000; else residents_default=100000; fi
RESIDENTS=${RESIDENTS:-$residents_default}
WEEKS=${WEEKS:-26}
SEED=${SEED:-1}
# BENCH_DATA=DIR reuses a data folder that already holds a scored district (the tokens are made anew).
data=${BENCH_DATA:-$out/data-${RESIDENTS}x${WEEKS}-s${SEED}}
FANZHA_PORT=${FANZHA_PORT:-18080}
CEILING_PORT=${CEILING_PORT:-18081}
base=http://127.0.0.1:$FANZHA_PORT
RISK_PURPOSE=${RISK_PURPOSE:-预警劝阻 bench/http}
CASE_PURPOSE=${CASE_PURPOSE:-案件侦查 bench/http}

pids=()
fanzha_pid=

cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    pids=()
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

need_tools() {
    local t
    for t in wrk curl jq awk; do
        command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install -y $t)"
    done
}

# fanzha (release) into $bin; FANZHA_BIN=path uses that binary instead.
build_fanzha() {
    if [[ -n ${FANZHA_BIN:-} ]]; then
        bin=$FANZHA_BIN
    else
        log "building fanzha (release, target $target)"
        CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --release -q -p api --manifest-path "$root/Cargo.toml"
        bin=$target/release/fanzha
    fi
    [[ -x $bin ]] || die "no fanzha binary at $bin"
}

# The ceiling server (release) into $ceiling_bin.
build_ceiling() {
    log "building the ceiling server (release)"
    CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo build --release -q --locked \
        --manifest-path "$here/ceiling/Cargo.toml"
    ceiling_bin=$target/release/ceiling
}

fz() { "$bin" --quiet --data-dir "$data" "$@"; }

# A scored district in $data: `fanzha pipeline --synthetic` (what `fanzha demo` runs before serving), unless the
# folder already holds one (`.bench-ready`, or BENCH_DATA given).
make_district() {
    if [[ -n ${BENCH_DATA:-} || -f $data/.bench-ready ]]; then
        log "reusing the district in $data"
        return
    fi
    log "generating and scoring a district: $RESIDENTS residents x $WEEKS weeks, seed $SEED, into $data"
    rm -rf "$data"
    mkdir -p "$data"
    /usr/bin/time -v -o "$out/pipeline.time" "$bin" --quiet --data-dir "$data" pipeline \
        --synthetic "$RESIDENTS" --weeks "$WEEKS" --seed "$SEED" >"$out/pipeline.txt" 2>&1 \
        || { tail -20 "$out/pipeline.txt" >&2; die "pipeline failed"; }
    touch "$data/.bench-ready"
    log "district ready ($(awk -F': ' '/Elapsed/ { print $2 }' "$out/pipeline.time") wall, peak RSS" \
        "$(awk -F': ' '/Maximum resident/ { printf "%.0f MiB", $2 / 1024 }' "$out/pipeline.time"))"
}

# One token per role the bench uses: $prevention_token, $investigator_token (a re-run replaces them).
make_tokens() {
    local role name
    for role in prevention investigator; do
        name=bench-http-$role
        fz users revoke "$name" >/dev/null 2>&1 || true
        fz users add "$name" --role "$role" --json >"$out/token-$role.json"
        printf -v "${role}_token" '%s' "$(jq -r .token "$out/token-$role.json")"
    done
}

# Serves $data on 127.0.0.1:$FANZHA_PORT with no rate limit to speak of and no weekly run; sets $fanzha_pid.
start_fanzha() {
    port_free "$FANZHA_PORT"
    cat >"$out/serve.toml" <<EOF
bind = "127.0.0.1:$FANZHA_PORT"
rate_limit_per_minute = 4000000000
schedule = "off"
EOF
    "$bin" --quiet --data-dir "$data" serve --config "$out/serve.toml" 2>"$out/serve.log" &
    fanzha_pid=$!
    pids+=("$fanzha_pid")
    wait_up "$base/healthz" "$fanzha_pid" || { cat "$out/serve.log" >&2; die "fanzha serve did not start"; }
    log "fanzha serving $base (pid $fanzha_pid)"
}

# Stops fanzha gracefully (SIGTERM, then waits), so every audit batch is written before `audit verify`.
stop_fanzha() {
    kill -TERM "$fanzha_pid" 2>/dev/null || true
    wait "$fanzha_pid" 2>/dev/null || true
    local p keep=()
    for p in "${pids[@]}"; do [[ $p == "$fanzha_pid" ]] || keep+=("$p"); done
    pids=("${keep[@]}")
}

# Starts the ceiling server with a body of $1 bytes on 127.0.0.1:$CEILING_PORT; sets $ceiling_pid.
start_ceiling() {
    port_free "$CEILING_PORT"
    "$ceiling_bin" "127.0.0.1:$CEILING_PORT" "$1" 2>"$out/ceiling.log" &
    ceiling_pid=$!
    pids+=("$ceiling_pid")
    wait_up "http://127.0.0.1:$CEILING_PORT/" "$ceiling_pid" || die "the ceiling server did not start"
}

port_free() {
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then
        die "port $1 is already in use (set FANZHA_PORT / CEILING_PORT)"
    fi
}

wait_up() {
    local url=$1 pid=$2 i
    for i in $(seq 1 600); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# GET with a token (and purpose); prints the body.
get() {
    local token=$1 purpose=$2 path=$3
    curl -sS --fail-with-body --max-time 60 -H "Authorization: Bearer $token" \
        ${purpose:+-H "X-Purpose: $purpose"} "$base$path"
}

# The latest served week into $week.
pick_week() {
    week=$(get "$prevention_token" "" /api/v1/risk/weeks | jq -r '[.items[] | select(.served)] | last | .week')
    [[ -n $week && $week != null ]] || die "no served risk week"
}

# Every resident of $week (cursor pages of 1000), in a fixed shuffled order, as lookup paths in $out/risk.paths.
risk_paths() {
    local cursor= page=0 body
    : >"$out/resident-ids.txt"
    while :; do
        body=$(get "$prevention_token" "$RISK_PURPOSE" \
            "/api/v1/risk/weeks/$week/residents?limit=1000${cursor:+&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')}")
        jq -r '.items[].resident_id' <<<"$body" >>"$out/resident-ids.txt"
        cursor=$(jq -r '.next_cursor // empty' <<<"$body")
        page=$((page + 1))
        [[ -n $cursor && $page -lt ${MAX_PAGES:-1000} ]] || break
    done
    awk 'BEGIN { srand(1) } { printf "%.9f %s\n", rand(), $0 }' "$out/resident-ids.txt" | sort | cut -d' ' -f2 \
        | awk -v w="$week" '{ print "/api/v1/risk/weeks/" w "/residents/" $0 }' >"$out/risk.paths"
    log "$(wc -l <"$out/risk.paths") residents of $week to look up"
}

openapi_paths() {
    curl -sS --fail "$base/api/openapi.json" >"$out/openapi.json"
    jq -r '.paths | keys[]' "$out/openapi.json" >"$out/openapi-paths.txt"
}
has_route() { grep -qxE "$1" "$out/openapi-paths.txt"; }
# Whether the GET of an OpenAPI path declares the X-Purpose header (the route is audited).
route_audited() {
    jq -e --arg p "$1" \
        '[.paths[$p].get.parameters[]? | select(.name == "X-Purpose")] | length > 0' "$out/openapi.json" >/dev/null
}

# Search paths from queries.txt (one query a line, `#` comments) into $out/search.paths, if the route exists.
search_paths() {
    search_why=
    if ! has_route '/api/v1/search'; then
        search_why="not available (no /api/v1/search in /api/openapi.json)"
        return
    fi
    grep -v '^#' "$here/queries.txt" | grep -v '^$' | jq -rR '"/api/v1/search?q=" + @uri' >"$out/search.paths"
    check_paths "$out/search.paths" "$investigator_token" "$CASE_PURPOSE" search || search_why="not available ($check_why)"
}

# Cluster detail paths (every listed cluster) into $out/cluster.paths, if the routes exist.
cluster_paths() {
    cluster_why=
    cluster_route=$(grep -xE '/api/v1/clusters/\{[^}/]+\}' "$out/openapi-paths.txt" | head -1 || true)
    if ! has_route '/api/v1/clusters' || [[ -z $cluster_route ]]; then
        cluster_why="not available (no /api/v1/clusters/{id} in /api/openapi.json)"
        return
    fi
    local body cursor= page=0
    : >"$out/cluster-ids.txt"
    while :; do
        body=$(get "$investigator_token" "$CASE_PURPOSE" \
            "/api/v1/clusters?limit=${CLUSTER_PAGE:-200}${cursor:+&cursor=$(jq -rn --arg c "$cursor" '$c|@uri')}") \
            || { cluster_why="not available (GET /api/v1/clusters failed: $(head -c 300 <<<"$body"))"; return; }
        jq -r '(.items // .clusters // [])[] | (.cluster_id // .id) | tostring' <<<"$body" >>"$out/cluster-ids.txt"
        cursor=$(jq -r '.next_cursor // empty' <<<"$body")
        page=$((page + 1))
        [[ -n $cursor && $page -lt 20 ]] || break
    done
    if [[ ! -s $out/cluster-ids.txt ]]; then
        cluster_why="not available (GET /api/v1/clusters listed no cluster ids)"
        return
    fi
    local prefix=${cluster_route%%\{*}
    awk -v p="$prefix" '{ print p $0 }' "$out/cluster-ids.txt" >"$out/cluster.paths"
    check_paths "$out/cluster.paths" "$investigator_token" "$CASE_PURPOSE" cluster \
        || cluster_why="not available ($check_why)"
}

# GETs up to $4 paths of file $1 once (the first ones, and a spread) and fails, with $check_why, unless all are
# 200. Sets $mean_bytes to their mean body size.
check_paths() {
    local file=$1 token=$2 purpose=$3 name=$4 n=${5:-100} total lines step
    lines=$(wc -l <"$file")
    step=$(((lines + n - 1) / n))
    awk -v s="$step" '(NR - 1) % s == 0' "$file" >"$out/check-$name.paths"
    : >"$out/check-$name.tsv"
    while read -r path; do
        curl -s -o /dev/null -w '%{http_code}\t%{size_download}\n' --max-time 60 \
            -H "Authorization: Bearer $token" -H "X-Purpose: $purpose" "$base$path" >>"$out/check-$name.tsv"
    done <"$out/check-$name.paths"
    total=$(wc -l <"$out/check-$name.tsv")
    mean_bytes=$(awk -F'\t' '{ s += $2 } END { printf "%d", s / (NR ? NR : 1) }' "$out/check-$name.tsv")
    local bad
    bad=$(awk -F'\t' '$1 != 200' "$out/check-$name.tsv" | cut -f1 | sort | uniq -c | tr -s ' ' | paste -sd, -)
    if [[ -n $bad ]]; then
        check_why="of $total sample requests, statuses other than 200:$bad; see $out/check-$name.tsv"
        return 1
    fi
}

# CPU seconds (user + system) used so far by process $1.
cpu_s() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# wrk [name conns threads duration url paths token purpose]: runs wrk with --latency into $out/wrk-NAME.txt.
run_wrk() {
    local name=$1 conns=$2 threads=$3 duration=$4 url=$5 paths=$6 token=$7 purpose=$8
    ((threads > conns)) && threads=$conns
    # In a background subshell, become wrk, so that killing the recorded pid stops wrk itself.
    local become=
    [[ $BASHPID != "$$" ]] && become=exec
    WRK_PATHS=$paths WRK_TOKEN=$token WRK_PURPOSE=$purpose \
        $become wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$here/paths.lua" "$url" >"$out/wrk-$name.txt" 2>&1
}

# Reads $out/wrk-NAME.txt: prints "rps p50_ms p99_ms errors requests" (errors = non-2xx/3xx + socket errors).
parse_wrk() {
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /m$/) return v * 60000
            if (v ~ /s$/) return v * 1000
            return v
        }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /requests in/ { req = $1 }
        /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses/ { err += $5 }
        /^Requests\/sec/ { rps = $2 }
        END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, err, req }
    ' "$out/wrk-$1.txt"
}

# The fanzha process's resident set in KiB.
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
# The resident set split: anonymous (heap, stacks: what the process allocated) and file-backed (mapped files, e.g.
# the search index's segments, counted as queries touch them; the kernel may drop them), in KiB.
rss_split_kib() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { print a "," f }' "/proc/$1/status"; }
