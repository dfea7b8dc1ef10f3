#!/usr/bin/env bash
# Contract test of the HTTP API: runs schemathesis (pinned, from PyPI) against `fanzha serve` over a small
# synthetic district, and fails on any failure it finds.
#
#   bash .ci/schemathesis.sh target/debug/fanzha
#
# Builds nothing: the first argument is a built `fanzha`. Needs python3 (with venv) and PyPI the first time; the
# virtualenv is kept under ${TMPDIR:-/tmp} and reused. Environment: FANZHA_ST_EXAMPLES (examples per operation,
# default 100), FANZHA_ST_SEED (default 1), FANZHA_ST_REPORT_DIR (keep the NDJSON and JUnit reports there).
#
# What runs: every operation of /api/openapi.json except POST /api/v1/pipeline/runs (it starts a background pipeline
# run on a server folder: excluded from fuzzing, it has its own tests), in schemathesis' stateless phases
# (examples, coverage, fuzzing), with an admin token and an X-Purpose header, and these checks: not_a_server_error,
# status_code_conformance, content_type_conformance, response_schema_conformance, response_headers_conformance,
# negative_data_rejection, missing_required_header, unsupported_method, ignored_auth. positive_data_acceptance is
# left out: opaque cursors, the search query syntax, calendar dates and "exactly one of report, account,
# fed_account" are rules a parameter schema cannot state, so schema-valid requests are rightly refused with 400.
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: bash .ci/schemathesis.sh PATH/TO/fanzha (a built binary)" >&2
  exit 2
fi
FANZHA="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

ST_VERSION=4.32.5
EXAMPLES="${FANZHA_ST_EXAMPLES:-100}"
SEED="${FANZHA_ST_SEED:-1}"
TMP="${TMPDIR:-/tmp}"
VENV="$TMP/fanzha-schemathesis-$ST_VERSION"
started=$(date +%s)

# The pinned schemathesis, installed once per virtualenv.
if ! "$VENV/bin/st" --version 2>/dev/null | grep -qx "schemathesis, version $ST_VERSION"; then
  echo "== installing schemathesis $ST_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
PY="$VENV/bin/python"

WORK="$(mktemp -d "$TMP/fanzha-schemathesis.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A small district with everything the routes need: reports, an index, clusters, and two scored weeks (so a
# resident has history). The generator's highest incidence gives enough victims to train the risk model.
echo "== data: synthetic district (3000 residents, 30 weeks)"
DATA="$WORK/data"
"$FANZHA" generate --out "$WORK/input" --residents 3000 --weeks 30 --seed 1 --incidence 200 >"$WORK/generate.log"
"$FANZHA" pipeline --input "$WORK/input" --data-dir "$DATA" --quiet >"$WORK/pipeline.log" 2>&1 || {
  cat "$WORK/pipeline.log"
  exit 1
}
TOKEN="$("$FANZHA" users add schemathesis --role admin --json --data-dir "$DATA" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

# A free loopback port: bind port 0, read it back, release it.
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
start_server() {
  FANZHA_SCHEDULE=off FANZHA_RATE_LIMIT_PER_MINUTE=1000000 \
    "$FANZHA" serve --bind "127.0.0.1:$PORT" --data-dir "$DATA" --quiet >>"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
}
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
wait_ready() {
  for _ in $(seq 1 150); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "fanzha serve exited:" >&2
      cat "$WORK/serve.log" >&2
      exit 1
    fi
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=2)' "$BASE" \
      2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "fanzha serve not ready after 30 s:" >&2
  cat "$WORK/serve.log" >&2
  exit 1
}

# Real identifiers from the API, so fuzzing also reaches existing weeks, residents, reports, clusters and accounts
# (half the time; the other half are generated), written as schemathesis dictionaries.
write_config() {
  "$PY" - "$BASE" "$TOKEN" "$WORK/schemathesis.toml" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request

base, token, out, mode = sys.argv[1:5]

def get(path, **query):
    url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "X-Purpose": "schemathesis setup"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)

weeks = [w["week"] for w in get("/api/v1/risk/weeks")["items"]]
if mode == "weeks":
    # The week before the earliest scored one, to score it too.
    import datetime
    y, w = weeks[0].split("-W")
    monday = datetime.date.fromisocalendar(int(y), int(w), 1) - datetime.timedelta(days=7)
    iso = monday.isocalendar()
    print(f"{iso[0]}-W{iso[1]:02d}")
    sys.exit(0)

residents = [r["resident_id"] for r in get(f"/api/v1/risk/weeks/{weeks[-1]}/residents", limit=5)["items"]]
reports = [h["id"] for h in get("/api/v1/search", q="*", limit=5, facets="false")["hits"]]
clusters = [c["cluster_id"] for c in get("/api/v1/clusters", limit=3)["items"]]
detail = get(f"/api/v1/clusters/{clusters[0]}")
linked = detail["report_ids"][:4]
accounts = [k["key"] for k in detail["key_accounts"][:4]]
assert weeks and residents and reports and clusters and len(linked) >= 2 and accounts, "the district is too small"

def values(xs):
    return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in xs) + "]"

dictionaries = {
    "weeks": weeks, "residents": residents, "reports": reports, "clusters": clusters,
    "linked_reports": linked, "accounts": accounts, "queries": ["*", "客服", "刷单 OR 贷款", "status:filed"],
}
bindings = {
    "path.week": "weeks", "path.resident_id": "residents", "path.report_id": "reports",
    "path.cluster_id": "clusters", "query.a": "linked_reports", "query.b": "linked_reports",
    "query.report": "reports", "query.account": "accounts", "query.fed_account": "accounts", "query.q": "queries",
}
with open(out, "w", encoding="utf-8") as f:
    f.write('[auth.openapi.bearer]\nbearer = "${FANZHA_ST_TOKEN}"\n\n[headers]\n"X-Purpose" = "schemathesis contract test"\n\n')
    for name, xs in dictionaries.items():
        f.write(f"[dictionaries.{name}]\nvalues = {values(xs)}\n\n")
    f.write("[parameters]\n")
    for key, name in bindings.items():
        f.write(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}\n')
PY
}

# Score the week before the served one too, then serve.
start_server
wait_ready
EARLIER="$(write_config weeks)"
stop_server
"$FANZHA" score --week "$EARLIER" --data-dir "$DATA" --quiet >>"$WORK/pipeline.log" 2>&1
start_server
wait_ready
write_config ids
echo "== serving $DATA on $BASE (setup took $(($(date +%s) - started)) s)"

REPORT_DIR="${FANZHA_ST_REPORT_DIR:-$WORK/reports}"
echo "== schemathesis $ST_VERSION: $EXAMPLES examples per operation, seed $SEED"
status=0
(
  cd "$WORK"
  FANZHA_ST_TOKEN="$TOKEN" "$VENV/bin/st" --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" \
    --phases examples,coverage,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,missing_required_header,unsupported_method,ignored_auth \
    --exclude-name "POST /api/v1/pipeline/runs" \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --continue-on-failure \
    --request-timeout 30 \
    --no-color \
    --report junit,ndjson --report-dir "$REPORT_DIR"
) || status=$?
echo "== schemathesis exit $status after $(($(date +%s) - started)) s"
if [ "$status" -ne 0 ]; then
  echo "server log (last 40 lines):"
  tail -n 40 "$WORK/serve.log"
fi
exit "$status"
