#!/usr/bin/env python3
"""Community-detection benchmark: fanzha `graph cluster` against leidenalg, igraph Louvain and networkit PLM.

Every tool gets the same graph (parallel edges merged into weights, self-loops kept) in the same run. Modularity is
computed by igraph on every partition, NMI and ARI by scikit-learn against the ground truth. Each tool runs in its
own process under /usr/bin/time -v, so peak memory is that process's maximum RSS (Python tools include the
interpreter, igraph/networkit and the graph). "algo s" is the clustering call alone; "wall s" is the whole process
(for fanzha: reading the edge list, clustering and writing the result).

Usage (normally through run.sh, which creates the venv and builds the release binary):
    python run.py                # standard graphs + LFR, Markdown table on stdout
    python run.py --large        # also a 1,000,000-node / 10,000,000-edge planted-partition graph
    python run.py --large-only --tools fanzha,networkit-plm,fanzha-cpm   # a subset of the tools
    python run.py --huge         # only a 10,000,000-node / 100,000,000-edge graph (fanzha and networkit PLM)
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
BIN = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "fanzha"
# fanzha-cpm: `--quality cpm` with the automatic resolution; leidenalg-cpm: leidenalg's CPM at that same resolution.
# fanzha-cpm-stable: `--resolution stable` (the stability scan); leidenalg-cpm-stable: leidenalg's CPM at its γ.
CPM_TOOLS = ["fanzha-cpm", "leidenalg-cpm", "fanzha-cpm-stable", "leidenalg-cpm-stable"]
TOOLS = ["fanzha", "leidenalg", "leidenalg-stable", "igraph-louvain", "networkit-plm", *CPM_TOOLS]
LARGE_TOOLS = ["fanzha", "leidenalg", "igraph-louvain", "networkit-plm", *CPM_TOOLS]
# The fanzha CPM run whose resolution each leidenalg CPM row takes.
CPM_PAIRS = {"leidenalg-cpm": "fanzha-cpm", "leidenalg-cpm-stable": "fanzha-cpm-stable"}
FANZHA_FLAGS = {"fanzha": [], "fanzha-cpm": ["--quality", "cpm"],
                "fanzha-cpm-stable": ["--quality", "cpm", "--resolution", "stable"]}


# ---------------------------------------------------------------- reading graphs (same rules as fanzha's reader)


def parse_edge_lines(lines):
    """Yields (u, v) name pairs: `#` comments, comma or whitespace split, a trailing `{...}` column ignored."""
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        brace = line.find("{")
        if brace >= 0:
            line = line[:brace].rstrip().rstrip(",").rstrip()
        fields = [f.strip() for f in line.split(",")] if "," in line else line.split()
        yield fields[0], fields[1]


def read_gml(path):
    """Minimal GML reader for the classic graphs: node ids with one truth attribute, edge source/target."""
    tokens = re.findall(r'"[^"]*"|\[|\]|[^\s\[\]]+', Path(path).read_text(encoding="utf-8", errors="replace"))
    nodes, edges = {}, []
    i, depth, current, kind = 0, 0, None, None
    while i < len(tokens):
        t = tokens[i]
        if t in ("node", "edge") and i + 1 < len(tokens) and tokens[i + 1] == "[" and depth == 1:
            kind, current = t, {}
            depth += 1
            i += 2
            continue
        if t == "[":
            depth += 1
        elif t == "]":
            depth -= 1
            if depth == 1 and current is not None:
                if kind == "node":
                    nodes[current["id"]] = current
                else:
                    edges.append((current["source"], current["target"]))
                current = None
        elif current is not None and depth == 2 and i + 1 < len(tokens) and tokens[i + 1] not in ("[", "]"):
            current[t] = tokens[i + 1].strip('"')
            i += 2
            continue
        i += 1
    return nodes, edges


class Graph:
    """Edge file for fanzha, and the merged weighted graph (ids in first-appearance order) for everyone else."""

    def __init__(self, name, edge_file, pairs, truth_by_name=None):
        self.name, self.edge_file = name, str(edge_file)
        ids, src, dst = {}, [], []
        for u, v in pairs:
            a = ids.setdefault(u, len(ids))
            b = ids.setdefault(v, len(ids))
            src.append(min(a, b))
            dst.append(max(a, b))
        self.names = list(ids)
        self.n = len(ids)
        self._merge(np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64))
        self.truth = None
        if truth_by_name is not None:
            labels = {}
            self.truth = np.array(
                [labels.setdefault(truth_by_name.get(nm, ("missing", nm)), len(labels)) for nm in self.names]
            )

    def _merge(self, src, dst):
        key = src * self.n + dst
        uniq, counts = np.unique(key, return_counts=True)
        self.src, self.dst, self.w = uniq // self.n, uniq % self.n, counts.astype(np.float64)

    def save(self, path):
        np.savez(path, n=self.n, src=self.src, dst=self.dst, w=self.w)


def standard_graphs(data):
    graphs = []
    gdir = data / "graphs"
    for name, attr in [("karate", "groundTruth"), ("football_dedup", "groundTruth"), ("dolphins", "groundTruth"),
                       ("polbooks", "value")]:
        nodes, edges = read_gml(gdir / f"{name}.gml")
        edge_file = OUT / f"{name}.edges"
        edge_file.write_text("".join(f"{u} {v}\n" for u, v in edges))
        truth = {nid: node[attr] for nid, node in nodes.items() if attr in node}
        g = Graph(name, edge_file, edges, truth)
        if g.n != len(nodes):
            print(f"note: {name}: {len(nodes) - g.n} isolated GML nodes left out", file=sys.stderr)
        graphs.append(g)
    for edge_file in sorted((gdir / "lfr").glob("*.csv.gz")):
        name = edge_file.name.removesuffix(".csv.gz")
        with gzip.open(edge_file, "rt") as f:
            pairs = list(parse_edge_lines(f))
        with gzip.open(edge_file.with_name(name + ".json.gz"), "rt") as f:
            comms = json.load(f)["communities"]
        truth = {str(v): c for c, members in enumerate(comms) for v in members}
        graphs.append(Graph(name.replace("_ad5_mc50", ""), edge_file, pairs, truth))
    return graphs


def large_graph(seed, nodes=1_000_000, edges=10_000_000, label="1M/10M"):
    tag = label.replace("/", "_")
    edge_file = OUT / f"sbm_{tag}.txt"
    if not edge_file.exists():
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen_sbm.py")), "--nodes", str(nodes),
                        "--edges", str(edges), "--mu", "0.3", "--seed", str(seed), "--out", str(edge_file)],
                       check=True)
    g = Graph.__new__(Graph)
    g.name, g.edge_file = f"SBM {label} mu0.3", str(edge_file)
    pairs = np.loadtxt(edge_file, dtype=np.int64)
    # Node names are integers; ids are kept equal to names (fanzha's output is mapped back by name).
    g.n = int(pairs.max()) + 1
    g.names = None
    g._merge(np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1]))
    del pairs
    truth = np.loadtxt(str(edge_file) + ".truth", dtype=np.int64)
    g.truth = np.empty(g.n, dtype=np.int64)
    g.truth[truth[:, 0]] = truth[:, 1]
    return g


# ---------------------------------------------------------------- running tools


def max_rss_mb(stderr):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return int(m.group(1)) / 1024 if m else float("nan")


def run_fanzha(g, seed, timeout, tmp, extra=()):
    """Runs `fanzha graph cluster`; returns the membership, times, peak MB and the CPM resolution it printed."""
    out = Path(tmp) / "fanzha.clusters"
    cmd = ["/usr/bin/time", "-v", str(BIN), "graph", "cluster", "--edges", g.edge_file, "--seed", str(seed),
           "--out", str(out), *extra]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(p.stderr)
    algo = float(re.search(r"cluster ([0-9.]+) s", p.stdout).group(1))
    cpm = re.search(r"cpm \S+ \(resolution ([0-9.eE+-]+)\)", p.stdout)
    resolution = float(cpm.group(1)) if cpm else None
    cluster_of = {}
    with open(out) as f:
        for line in f:
            name, c = line.rsplit(" ", 1)
            cluster_of[name] = int(c)
    if g.names is None:
        membership = np.full(g.n, -1, dtype=np.int64)
        for name, c in cluster_of.items():
            membership[int(name)] = c
    else:
        membership = np.array([cluster_of[nm] for nm in g.names])
    return membership, algo, wall, max_rss_mb(p.stderr), resolution


def run_python_tool(tool, g, seed, timeout, tmp, resolution=1.0):
    npz, out = Path(tmp) / "graph.npz", Path(tmp) / f"{tool}.npy"
    if not npz.exists():
        g.save(npz)
    cmd = ["/usr/bin/time", "-v", sys.executable, __file__, "--worker", tool, str(npz), str(seed), str(out),
           repr(resolution)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    algo = json.loads(p.stdout.strip().splitlines()[-1])["secs"]
    return np.load(out), algo, wall, max_rss_mb(p.stderr)


def worker(tool, npz, seed, out, resolution):
    """Runs one tool on a saved graph in this process and saves its membership (`resolution`: CPM's γ)."""
    d = np.load(npz)
    n, src, dst, w = int(d["n"]), d["src"], d["dst"], d["w"]
    if tool == "networkit-plm":
        import networkit as nk

        nk.engineering.setSeed(seed, False)
        g = nk.Graph(n, weighted=True)
        g.addEdges((w, (src, dst)))
        t0 = time.perf_counter()
        plm = nk.community.PLM(g, refine=True)
        plm.run()
        secs = time.perf_counter() - t0
        membership = np.array(plm.getPartition().getVector())
    else:
        import random

        import igraph as ig

        random.seed(seed)
        g = ig.Graph(n=n, edges=np.stack([src, dst], axis=1).tolist(), edge_attrs={"weight": w.tolist()})
        t0 = time.perf_counter()
        if tool == "igraph-louvain":
            membership = g.community_multilevel(weights="weight").membership
        elif tool in CPM_PAIRS:
            import leidenalg as la

            membership = la.find_partition(g, la.CPMVertexPartition, weights="weight", seed=seed, n_iterations=2,
                                           resolution_parameter=resolution).membership
        else:
            import leidenalg as la

            iterations = -1 if tool == "leidenalg-stable" else 2
            membership = la.find_partition(g, la.ModularityVertexPartition, weights="weight", seed=seed,
                                           n_iterations=iterations).membership
        secs = time.perf_counter() - t0
        membership = np.array(membership)
    np.save(out, membership)
    print(json.dumps({"secs": secs}))


# ---------------------------------------------------------------- metrics and report


def modularity_np(g, membership):
    """Newman-Girvan modularity (γ = 1) of `membership` on the merged graph, with numpy (no igraph copy of a huge
    graph); a self-loop counts once inside its community and twice in its node's degree, as in igraph."""
    m = g.w.sum()
    k = int(membership.max()) + 1
    degree = np.bincount(g.src, weights=g.w, minlength=g.n) + np.bincount(g.dst, weights=g.w, minlength=g.n)
    inside = membership[g.src] == membership[g.dst]
    inner = np.bincount(membership[g.src[inside]], weights=g.w[inside], minlength=k)
    total = np.bincount(membership, weights=degree, minlength=k)
    return float((inner / m - (total / (2 * m)) ** 2).sum())


def score(g, membership, ig_graph):
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    q = ig_graph.modularity(membership.tolist(), weights="weight") if ig_graph else modularity_np(g, membership)
    if g.truth is None:
        return q, float("nan"), float("nan")
    return q, normalized_mutual_info_score(g.truth, membership), adjusted_rand_score(g.truth, membership)


def cpm_quality(ig_graph, membership, resolution):
    """The CPM quality of `membership` at `resolution`, as leidenalg computes it (Σ_c inner weight − γ·n_c(n_c−1)/2),
    so both CPM rows are judged by one formula: the higher, the better the optimiser did at that γ."""
    import leidenalg as la

    return la.CPMVertexPartition(ig_graph, initial_membership=membership.tolist(), weights="weight",
                                 resolution_parameter=resolution).quality()


def bench(graphs, tools, seed, timeout, igraph_scores=True):
    import igraph as ig

    rows = []
    for g in graphs:
        ig_graph = None
        if igraph_scores:
            ig_graph = ig.Graph(n=g.n, edges=np.stack([g.src, g.dst], axis=1).tolist(),
                                edge_attrs={"weight": g.w.tolist()})
        m = int(g.w.sum())
        resolutions = {}  # fanzha CPM tool -> the γ it chose
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            for tool in tools:
                print(f"  {g.name}: {tool} ...", file=sys.stderr, flush=True)
                try:
                    if tool in FANZHA_FLAGS:
                        membership, algo, wall, rss, chosen = run_fanzha(g, seed, timeout, tmp, FANZHA_FLAGS[tool])
                        resolutions[tool] = chosen
                    elif tool in CPM_PAIRS:
                        if resolutions.get(CPM_PAIRS[tool]) is None:
                            sys.exit(f"{tool} needs {CPM_PAIRS[tool]} earlier in the same run (for its resolution)")
                        membership, algo, wall, rss = run_python_tool(tool, g, seed, timeout, tmp,
                                                                      resolutions[CPM_PAIRS[tool]])
                    else:
                        membership, algo, wall, rss = run_python_tool(tool, g, seed, timeout, tmp)
                except subprocess.TimeoutExpired:
                    rows.append((g.name, g.n, m, tool, "timeout", "", "", "", "", f">{timeout}", "", ""))
                    continue
                q, nmi, ari = score(g, membership, ig_graph)
                k = len(np.unique(membership))
                cpm_q = ""
                if tool in CPM_TOOLS:
                    gamma = resolutions[CPM_PAIRS.get(tool, tool)]
                    if ig_graph is not None:
                        cpm_q = f"{cpm_quality(ig_graph, membership, gamma):.1f}"
                    tool = f"{tool} γ={gamma:.4g}"
                rows.append((g.name, g.n, m, tool, k, f"{q:.6f}", cpm_q, f"{nmi:.3f}", f"{ari:.3f}", f"{algo:.3f}",
                             f"{wall:.2f}", f"{rss:.0f}"))
                print("    " + " | ".join(str(c) for c in rows[-1]), file=sys.stderr, flush=True)
    return rows


def markdown(rows):
    head = ["graph", "nodes", "edges", "tool", "clusters", "modularity", "CPM quality", "NMI", "ARI", "algo s",
            "wall s", "peak MB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def pick(tools, chosen):
    """`tools` in their order, limited to the comma-separated `chosen` ones when given."""
    if chosen is None:
        return tools
    wanted = chosen.split(",")
    unknown = set(wanted) - set(TOOLS)
    if unknown:
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))}")
    return [t for t in tools if t in wanted]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--large", action="store_true", help="also run the 1M-node / 10M-edge planted-partition graph")
    ap.add_argument("--large-only", action="store_true", help="run only the large graph")
    ap.add_argument("--huge", action="store_true",
                    help="run only a 10,000,000-node / 100,000,000-edge planted-partition graph (fanzha and networkit "
                         "by default; modularity computed with numpy)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per tool run")
    ap.add_argument("--tools", help=f"comma-separated subset of {','.join(TOOLS)} (leidenalg-cpm needs fanzha-cpm, "
                                    "leidenalg-cpm-stable needs fanzha-cpm-stable)")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = Path(os.environ.get("FANZHA_EXTERNAL_DATA", ROOT.parent / "shared" / "data"))
    if not BIN.exists():
        sys.exit(f"{BIN} missing: run `cargo build --release -p api` (run.sh does)")
    info = f"seed {a.seed}; {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    if not a.large_only and not a.huge:
        graphs = standard_graphs(data)
        print(f"### Standard and LFR graphs ({info})\n")
        print(markdown(bench(graphs, pick(TOOLS, a.tools), a.seed, a.timeout)), flush=True)
    if a.huge:
        graph = large_graph(a.seed, 10_000_000, 100_000_000, "10M/100M")
        tools = pick(LARGE_TOOLS, a.tools or "fanzha,networkit-plm")
        print(f"\n### Huge planted-partition graph ({info})\n")
        print(markdown(bench([graph], tools, a.seed, a.timeout, igraph_scores=False)), flush=True)
        return
    if a.large or a.large_only:
        print(f"\n### Large planted-partition graph ({info})\n")
        print(markdown(bench([large_graph(a.seed)], pick(LARGE_TOOLS, a.tools), a.seed, a.timeout)), flush=True)


if __name__ == "__main__":
    main()
