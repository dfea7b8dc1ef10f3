"""Runs the analyst notebooks headless against a data folder; fails when a cell fails.

    python notebooks/run.py DATA_DIR [SOURCE_DIR] [--out DIR] [--fanzha PATH]
    python notebooks/run.py --check      # only: the committed notebooks carry no outputs
    python notebooks/run.py --strip      # clear the outputs of the committed notebooks in place

Steps: checks the committed notebooks carry no outputs; `fanzha export --format parquet` of DATA_DIR into
OUT/parquet (with SOURCE_DIR/adjacency.csv for hot spots when present); reads every exported file back with
pyarrow against the manifest; executes each notebook with nbclient (environment FANZHA_DATA, FANZHA_EXPORT,
FANZHA_SOURCE, FANZHA_BIN; see fanzha_nb.py) and writes the executed copy as OUT/NAME.html (also when a cell
fails, to see where). SOURCE_DIR is the interchange folder that was ingested (areas.csv, adjacency.csv, truth/).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pyarrow.parquet as pq
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ["gangs.ipynb", "risk.ipynb", "areas.ipynb", "outreach.ipynb"]


def carries_outputs(path):
    """The code cells of a notebook file that carry outputs or an execution count."""
    nb = nbformat.read(path, as_version=4)
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]


def check_stripped():
    dirty = {name: cells for name in NOTEBOOKS if (cells := carries_outputs(HERE / name))}
    for name, cells in dirty.items():
        print(f"error: notebooks/{name} carries outputs in cells {cells}; run `python notebooks/run.py --strip`",
              file=sys.stderr)
    return not dirty


def strip():
    for name in NOTEBOOKS:
        nb = nbformat.read(HERE / name, as_version=4)
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
        nbformat.write(nb, HERE / name)


def export(fanzha, data, source, out):
    cmd = [fanzha, "export", "--format", "parquet", "--out", str(out), "--json", "--data-dir", str(data), "--quiet"]
    if source is not None and (source / "adjacency.csv").exists():
        cmd += ["--adjacency", str(source / "adjacency.csv")]
    summary = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    # Every file reads with pyarrow, with the rows and columns the manifest and docs/export.md promise.
    for t in summary["tables"]:
        f = pq.ParquetFile(t["path"])
        assert f.metadata.num_rows == t["rows"], (t, f.metadata.num_rows)
        f.read()
    print(f"exported {len(summary['tables'])} tables, {sum(t['rows'] for t in summary['tables']):,} rows "
          f"({sum(t['bytes'] for t in summary['tables']):,} bytes), read back with pyarrow")


def execute(name, out, env):
    nb = nbformat.read(HERE / name, as_version=4)
    os.environ.update(env)
    started = time.monotonic()
    failed = None
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    except CellExecutionError as e:
        failed = e
    html, _ = HTMLExporter().from_notebook_node(nb)
    (out / name.replace(".ipynb", ".html")).write_text(html, encoding="utf-8")
    status = "FAILED" if failed else "ok"
    print(f"{name}: {status} in {time.monotonic() - started:.1f}s -> {out / name.replace('.ipynb', '.html')}")
    if failed:
        print(str(failed)[-3000:], file=sys.stderr)
    return failed is None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("data", nargs="?", type=Path, help="the data folder (fanzha --data-dir)")
    p.add_argument("source", nargs="?", type=Path, help="the ingested folder: areas.csv, adjacency.csv, truth/")
    p.add_argument("--out", type=Path, default=HERE / "out", help="where the export and HTML copies go")
    p.add_argument("--fanzha", default=os.environ.get("FANZHA_BIN", "fanzha"), help="the fanzha binary")
    p.add_argument("--check", action="store_true", help="only check that the notebooks carry no outputs")
    p.add_argument("--strip", action="store_true", help="clear the notebooks' outputs in place")
    args = p.parse_args()
    if args.strip:
        strip()
        return 0
    if not check_stripped():
        return 1
    if args.check:
        return 0
    if args.data is None:
        p.error("give the data folder")
    fanzha = shutil.which(args.fanzha) or args.fanzha
    out = args.out.resolve()
    parquet = out / "parquet"
    parquet.mkdir(parents=True, exist_ok=True)
    source = args.source.resolve() if args.source else None
    export(fanzha, args.data.resolve(), source, parquet)
    env = {"FANZHA_DATA": str(args.data.resolve()), "FANZHA_EXPORT": str(parquet), "FANZHA_BIN": str(Path(fanzha).resolve()),
           "FANZHA_SOURCE": str(source) if source else ""}
    ok = [execute(name, out, env) for name in NOTEBOOKS]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
