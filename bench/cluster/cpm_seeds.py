#!/usr/bin/env python3
"""CPM on the LFR graphs over several seeds: fanzha's `--quality cpm` (automatic γ) against leidenalg's
CPMVertexPartition at the same γ, with n_iterations=2 (as in run.py) and run until stable.

For each run it prints the CPM quality of every partition (one formula, leidenalg's), the cluster count and NMI
against the planted communities, so an NMI difference can be told apart from an optimisation difference: a higher
quality with a lower NMI means the truth is not the optimum at that γ.

With `--stable`, fanzha's γ is chosen by its stability scan (`--resolution stable`) instead, and leidenalg runs at
that γ.

Usage (the venv and release binary of run.sh): python cpm_seeds.py [--stable] [SEED ...]   (default: 1 2 3)
"""

import os
import sys
import tempfile
from pathlib import Path

import igraph as ig
import leidenalg as la
import numpy as np
from sklearn.metrics import normalized_mutual_info_score as nmi

import run as R


def main():
    data = Path(os.environ.get("FANZHA_EXTERNAL_DATA", R.ROOT.parent / "shared" / "data"))
    args = sys.argv[1:]
    flags = ["--quality", "cpm"]
    if "--stable" in args:
        args.remove("--stable")
        flags += ["--resolution", "stable"]
    seeds = [int(s) for s in args] or [1, 2, 3]
    R.OUT.mkdir(parents=True, exist_ok=True)
    print("| graph | seed | γ | fanzha CPM quality | clusters | NMI | leidenalg (2 it.) quality | clusters | NMI "
          "| leidenalg (stable) quality | NMI |")
    print("|" + "---|" * 11)
    for g in R.standard_graphs(data):
        if not g.name.startswith("LFR"):
            continue
        graph = ig.Graph(n=g.n, edges=np.stack([g.src, g.dst], axis=1).tolist(), edge_attrs={"weight": g.w.tolist()})
        for seed in seeds:
            with tempfile.TemporaryDirectory(dir=R.OUT) as tmp:
                ours, _, _, _, gamma = R.run_fanzha(g, seed, 600, tmp, flags)
            two = la.find_partition(graph, la.CPMVertexPartition, weights="weight", seed=seed, n_iterations=2,
                                    resolution_parameter=gamma)
            stable = la.find_partition(graph, la.CPMVertexPartition, weights="weight", seed=seed, n_iterations=-1,
                                       resolution_parameter=gamma)
            print(f"| {g.name} | {seed} | {gamma:.4g} | {R.cpm_quality(graph, ours, gamma):.1f} | "
                  f"{len(set(ours))} | {nmi(g.truth, ours):.3f} | {two.quality():.1f} | {len(set(two.membership))} | "
                  f"{nmi(g.truth, two.membership):.3f} | {stable.quality():.1f} | {nmi(g.truth, stable.membership):.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
