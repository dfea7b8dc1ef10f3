"""What the notebooks share: where the engine's exports are, and reading them. No analysis and no engine logic.

Environment (set by run.py; set them yourself in Jupyter):
- FANZHA_DATA: the data folder (`fanzha --data-dir`), default ./fanzha-data.
- FANZHA_EXPORT: the folder `fanzha export --format parquet --out` wrote, default $FANZHA_DATA/export.
- FANZHA_SOURCE: the interchange folder that was ingested, for areas.csv (coordinates, urban/rural),
  adjacency.csv and, for a generated district, truth/ (optional).
- FANZHA_BIN: the fanzha binary for the per-item exports (GraphML of a cluster, a report's money trail),
  default `fanzha` on PATH.
"""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

DATA = Path(os.environ.get("FANZHA_DATA", "fanzha-data"))
EXPORT = Path(os.environ.get("FANZHA_EXPORT", DATA / "export"))
SOURCE = Path(os.environ["FANZHA_SOURCE"]) if os.environ.get("FANZHA_SOURCE") else None
FANZHA = os.environ.get("FANZHA_BIN", "fanzha")


def manifest():
    """What the export wrote (tables, rows, the clustering run, the weeks of area_stats)."""
    return json.loads((EXPORT / "manifest.json").read_text(encoding="utf-8"))


def table(name):
    """One exported table as a DataFrame (timestamps in Beijing time, lists as arrays, fen as integers)."""
    return pq.read_table(EXPORT / f"{name}.parquet").to_pandas()


def source_file(name):
    """A file of the ingested folder (areas.csv, adjacency.csv, truth/…), or None when absent."""
    if SOURCE is None or not (SOURCE / name).exists():
        return None
    return SOURCE / name


def fanzha(*args):
    """Runs `fanzha ARGS… --data-dir $FANZHA_DATA --quiet` and returns its standard output."""
    cmd = [FANZHA, *args, "--data-dir", str(DATA), "--quiet"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
