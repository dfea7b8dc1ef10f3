#!/usr/bin/env bash
# The analyst notebooks, headless, against a small generated district (issue 17):
#
#   bash .ci/notebooks.sh target/debug/fanzha
#
# Builds nothing: the argument is a built `fanzha`. Installs notebooks/requirements.txt (pinned, from PyPI) into a
# virtualenv under ${TMPDIR:-/tmp} (reused while the requirements are unchanged), generates a district of 30,000
# residents (6 communities) × 26 weeks at a raised 万人发案率 so weeks hold victims, runs the weekly pipeline,
# writes risk snapshots for 11 past weeks (so the risk notebook has outcomes to evaluate), records two urgent tasks'
# calls (one in time, one late), then
# notebooks/run.py: the committed notebooks carry no outputs, the export reads back with pyarrow, every notebook
# runs and its conclusion's assertions hold. Executed HTML copies go to $FANZHA_NOTEBOOKS_OUT (default
# notebooks/out) — the CI artifacts.
set -euo pipefail

. "$(dirname "$0")/serve-lib.sh"
FANZHA="$(fanzha_bin .ci/notebooks.sh "$@")"
cd "$(dirname "$0")/.."
started=$(date +%s)

TMP="${TMPDIR:-/tmp}"
REQ_HASH="$(sha256sum notebooks/requirements.txt | cut -c1-12)"
VENV="$TMP/fanzha-notebooks-$REQ_HASH"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.installed" ]; then
  echo "== installing notebooks/requirements.txt into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r notebooks/requirements.txt
  touch "$VENV/.installed"
fi

WORK="$(mktemp -d "$TMP/fanzha-notebooks.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUT="${FANZHA_NOTEBOOKS_OUT:-notebooks/out}"

echo "== a small district: 30,000 residents × 26 weeks"
"$FANZHA" --quiet generate --out "$WORK/district" --residents 30000 --weeks 26 --seed 7 --incidence 150 >/dev/null
"$FANZHA" --quiet --data-dir "$WORK/data" pipeline --input "$WORK/district" > "$WORK/pipeline.txt"
week="$(grep -oE 'scored for [0-9]{4}-W[0-9]{2}' "$WORK/pipeline.txt" | grep -oE '[0-9]{4}-W[0-9]{2}')"
# Snapshots for the weeks 14 to 4 before the pipeline's week: reports still arrive for them.
for back in $(seq 14 -1 4); do
  past="$("$VENV/bin/python" -c "import datetime as d, sys; y, w = sys.argv[1].split('-W')
t = d.date.fromisocalendar(int(y), int(w), 1) - d.timedelta(weeks=int(sys.argv[2])); c = t.isocalendar()
print(f'{c[0]}-W{c[1]:02d}')" "$week" "$back")"
  "$FANZHA" --quiet --data-dir "$WORK/data" score --week "$past" >/dev/null
done
# Two urgent tasks worked (the outreach notebook counts deadlines met and missed): the first high-grade task's call
# reaches the resident 2 minutes after the warning; the first medium-grade task's call goes unanswered 10 minutes
# after its deadline. The week's plan stays the pipeline's draft: the notebook reads it as it is.
"$FANZHA" --quiet --data-dir "$WORK/data" warnings --json > "$WORK/warnings.json"
"$VENV/bin/python" - "$WORK/warnings.json" > "$WORK/record.tsv" <<'EOF'
import datetime as d, json, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))["items"]
def at(text, minutes):
    t = d.datetime.fromisoformat(text) + d.timedelta(minutes=minutes)
    return t.astimezone(d.timezone(d.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
for grade, outcome, field, minutes in [("high", "reached", "raised_at", 2), ("medium", "no_answer", "due_at", 10)]:
    w = next((w for w in items if w["grade"] == grade and w.get("task")), None)
    if w:
        print(w["task"]["task_id"], outcome, at(w[field] if field == "raised_at" else w["task"][field], minutes), sep="\t")
EOF
while IFS=$'\t' read -r task outcome at; do
  "$FANZHA" --quiet --data-dir "$WORK/data" outreach record --task "$task" --outcome "$outcome" --action call \
    --at "$at" >/dev/null
done < "$WORK/record.tsv"
echo "   pipeline, 11 past snapshots and $(wc -l < "$WORK/record.tsv") worked tasks in $(( $(date +%s) - started ))s"

# The weekly API, for the risk notebook's comparison with the export: `fanzha serve` on a free loopback port with
# an analyst token (aggregates only).
port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
FANZHA_TOKEN="$("$FANZHA" --quiet --data-dir "$WORK/data" users add notebooks --role analyst --json |
  "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
start_fanzha_serve "$FANZHA" "$WORK/data" "$WORK" "$port"
export FANZHA_API="http://127.0.0.1:$port" FANZHA_TOKEN

echo "== notebooks"
"$VENV/bin/python" notebooks/run.py "$WORK/data" "$WORK/district" --out "$OUT" --fanzha "$FANZHA"
echo "== notebooks done in $(( $(date +%s) - started ))s (executed copies in $OUT)"
