#!/usr/bin/env python3
"""Summary of bench/search/ab.sh: per-query minimum latency over the rounds, p50/p99/max by kind for base and new,
and the queries whose totals differ between the builds (or between rounds of one build).

usage: ab_summary.py OUT_DIR NAME ROUNDS
"""
import collections, sys


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    out, name, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = {}
    for v in ("base", "new"):
        rs = []
        for r in range(1, rounds + 1):
            with open(f"{out}/{name}-{v}-{r}.tsv") as f:
                rs.append([l.rstrip("\n").split("\t") for l in f if l.strip()])
        for other in rs[1:]:
            assert [x[2] for x in other] == [x[2] for x in rs[0]], f"{v}: totals differ between rounds"
        runs[v] = ([x[0] for x in rs[0]], [min(int(run[i][1]) for run in rs) / 1000 for i in range(len(rs[0]))],
                   [int(x[2]) for x in rs[0]])
    kinds = ["all"] + sorted(set(runs["base"][0]))
    print(f"\n{name}: per-query minimum over {rounds} rounds (ms)\n")
    print("| kind | queries | base p50 | base p99 | base max | new p50 | new p99 | new max | same total |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in kinds:
        sel = [i for i, x in enumerate(runs["base"][0]) if k == "all" or x == k]
        b = [runs["base"][1][i] for i in sel]
        n = [runs["new"][1][i] for i in sel]
        same = sum(1 for i in sel if runs["base"][2][i] == runs["new"][2][i])
        print(f"| {k} | {len(sel)} | {pct(b, 50):.2f} | {pct(b, 99):.2f} | {max(b):.2f} | {pct(n, 50):.2f} | "
              f"{pct(n, 99):.2f} | {max(n):.2f} | {same}/{len(sel)} |")


if __name__ == "__main__":
    main()
