#!/usr/bin/env bash
# Runs the analyst notebooks headless against a data folder (see README.md):
#
#   notebooks/run.sh DATA_DIR [SOURCE_DIR]      # executed HTML copies in notebooks/out/ (or --out DIR)
#
# Uses $PYTHON (default: python3), which needs the packages of notebooks/requirements.txt, and `fanzha` on PATH
# (or FANZHA_BIN).
set -euo pipefail
exec "${PYTHON:-python3}" "$(dirname "$0")/run.py" "$@"
