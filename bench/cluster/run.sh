#!/usr/bin/env bash
# Community-detection benchmark: creates the Python venv if missing, builds the release binary, runs run.py.
# Usage: bench/cluster/run.sh [--large | --large-only | --huge] [--tools a,b] [--seed S]   (Markdown table on stdout)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${FANZHA_BENCH_VENV:-$root/../venv-bench}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet igraph leidenalg networkit networkx scikit-learn numpy
fi
(cd "$root" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release -p api --quiet)
export FANZHA_EXTERNAL_DATA="${FANZHA_EXTERNAL_DATA:-$root/../shared/data}"
exec "$venv/bin/python" "$root/bench/cluster/run.py" "$@"
