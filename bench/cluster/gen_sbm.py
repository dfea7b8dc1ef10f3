"""Planted-partition (SBM-style) graph generator, fast enough for 1M nodes / 10M edges with numpy.

Community sizes follow a power law (exponent 1.5, between --min-size and --max-size, like LFR). Each edge picks a
uniform random node u; with probability 1 - mu its other end is uniform inside u's community, otherwise uniform over
all nodes. Self-loops are dropped. Writes `u v` lines and a truth file of `node community` lines.
"""

import argparse
import sys
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--edges", type=int, required=True)
    ap.add_argument("--mu", type=float, default=0.3)
    ap.add_argument("--min-size", type=int, default=20)
    ap.add_argument("--max-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="edge-list path; truth goes to <out>.truth")
    a = ap.parse_args()
    t0 = time.time()
    rng = np.random.default_rng(a.seed)
    sizes = []
    total = 0
    while total < a.nodes:
        # inverse-CDF sample of a power law with exponent 1.5 on [min, max]
        lo, hi, g = a.min_size, a.max_size, -0.5
        s = int((lo**g + rng.random() * (hi**g - lo**g)) ** (1 / g))
        s = min(s, a.nodes - total)
        sizes.append(s)
        total += s
    sizes = np.array(sizes, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    membership = np.repeat(np.arange(len(sizes)), sizes)
    # Shuffle node ids so communities are not contiguous id ranges.
    perm = rng.permutation(a.nodes)
    m = a.edges
    u = rng.integers(0, a.nodes, size=m)
    c = membership[u]
    intra = starts[c] + (rng.random(m) * sizes[c]).astype(np.int64)
    inter = rng.integers(0, a.nodes, size=m)
    v = np.where(rng.random(m) < a.mu, inter, intra)
    keep = u != v
    u, v = perm[u[keep]], perm[v[keep]]
    with open(a.out, "w") as f:
        chunk = 1_000_000
        for i in range(0, len(u), chunk):
            block = np.stack([u[i : i + chunk], v[i : i + chunk]], axis=1)
            f.write("\n".join(f"{x} {y}" for x, y in block.tolist()))
            f.write("\n")
    truth = np.empty(a.nodes, dtype=np.int64)
    truth[perm] = membership
    with open(a.out + ".truth", "w") as f:
        f.write("\n".join(f"{i} {t}" for i, t in enumerate(truth.tolist())))
        f.write("\n")
    print(
        f"wrote {a.out}: {a.nodes} nodes, {len(u)} edges, {len(sizes)} communities in {time.time() - t0:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
