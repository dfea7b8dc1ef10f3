#!/usr/bin/env bash
# The web console in a real browser (issue 16):
#
#   bash .ci/console.sh target/debug/fanzha
#
# Builds nothing: the argument is a built `fanzha`. Installs Debian's chromium and the CJK fonts if missing (as
# root, or says how), `npm ci` in api/console/tests (playwright-core pinned in package-lock.json), generates a
# district of 20,000 residents (4 communities) × 26 weeks at a raised 万人发案率, runs the weekly pipeline, adds
# one token per role and an urgent warning raised now (so one countdown is still running), starts `fanzha serve` on
# a free loopback port, runs the browser tests (node --test), and stops the server. Screenshots of every page go to
# $FANZHA_CONSOLE_OUT (default console-artifacts/) — the CI artifacts, not committed.
set -euo pipefail

. "$(dirname "$0")/serve-lib.sh"
FANZHA="$(fanzha_bin .ci/console.sh "$@")"
cd "$(dirname "$0")/.."
started=$(date +%s)
OUT="$(mkdir -p "${FANZHA_CONSOLE_OUT:-console-artifacts}" && cd "${FANZHA_CONSOLE_OUT:-console-artifacts}" && pwd)"

if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install chromium and fonts-noto-cjk (apt-get install -y chromium fonts-noto-cjk) and re-run" >&2
    exit 1
  fi
  echo "== installing chromium and fonts-noto-cjk"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi

echo "== npm ci (api/console/tests)"
(cd api/console/tests && npm ci --no-audit --no-fund --silent)

TMP="${TMPDIR:-/tmp}"
WORK="$(mktemp -d "$TMP/fanzha-console.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== a small district: 20,000 residents × 26 weeks"
"$FANZHA" --quiet generate --out "$WORK/district" --residents 20000 --weeks 26 --seed 7 --incidence 150 >/dev/null
"$FANZHA" --quiet --data-dir "$WORK/data" pipeline --input "$WORK/district" > "$WORK/pipeline.txt"
tokens="{"
for role in investigator prevention analyst admin; do
  token="$("$FANZHA" --quiet --data-dir "$WORK/data" users add "console-$role" --role "$role" --json |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).token))')"
  tokens="$tokens\"$role\": \"$token\","
done
FANZHA_TOKENS="${tokens%,}}"
# An urgent warning raised now: its first deadline is minutes ahead, so the queue shows a running countdown.
FANZHA_FRESH="$(head -2 "$WORK/district/residents.csv" | tail -1 | cut -d, -f1)"
"$FANZHA" --quiet --data-dir "$WORK/data" warn --resident "$FANZHA_FRESH" --number 13800138000 --grade high >/dev/null
echo "   district, pipeline, tokens and a fresh warning in $(( $(date +%s) - started ))s"

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
# The district's community adjacency (Gi* hot spots) and areas (the dashboard's map).
start_fanzha_serve "$FANZHA" "$WORK/data" "$WORK" "$port" \
  "$(printf 'adjacency = "%s"\nareas = "%s"' "$WORK/district/adjacency.csv" "$WORK/district/areas.csv")"

echo "== browser tests"
export FANZHA_URL="http://127.0.0.1:$port" FANZHA_TOKENS FANZHA_FRESH FANZHA_ARTIFACTS="$OUT"
(cd api/console/tests && node --test --test-concurrency=1 console.test.mjs)

echo "== the console's reads are audited with the purpose typed at sign-in (UTF-8 in X-Purpose)"
today="$(TZ=Asia/Shanghai date +%F)"
"$FANZHA" --quiet --data-dir "$WORK/data" audit export --from "$(TZ=Asia/Shanghai date -d yesterday +%F)" --to "$today" \
  > "$WORK/audit.jsonl"
# (Into a file first: `grep -q` ending a pipe early would fail the pipe under pipefail.)
grep -F '"purpose":"控制台测试 2026-118"' "$WORK/audit.jsonl" > "$WORK/audit-console.jsonl" || true
for route in /api/v1/search /api/v1/reports/{report_id} /api/v1/clusters/explain /api/v1/warnings; do
  if ! grep -qF "\"route\":\"$route\"" "$WORK/audit-console.jsonl"; then
    echo "no audit record of $route with the console's purpose; the records of $today:" >&2
    cut -c1-300 "$WORK/audit.jsonl" | tail -5 >&2
    exit 1
  fi
done
echo "== console done in $(( $(date +%s) - started ))s (screenshots in $OUT)"
