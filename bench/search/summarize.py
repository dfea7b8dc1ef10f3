#!/usr/bin/env python3
"""Latency percentiles and hit-count agreement of the engines' query logs (kind<TAB>us<TAB>total, same order;
an engine may have run only the first K queries).

usage: summarize.py NAME=FILE [NAME=FILE ...]   (the first one is the reference for agreement)
"""
import sys


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    runs = []
    for a in sys.argv[1:]:
        name, path = a.split("=", 1)
        with open(path) as f:
            runs.append((name, [(k, int(us), int(t)) for k, us, t in (l.rstrip("\n").split("\t") for l in f if l.strip())]))
    ref = runs[0][1]
    kinds = ["all"] + sorted({k for k, _, _ in ref})
    print("| engine | kind | queries | p50 ms | p99 ms | max ms | same total as " + runs[0][0] + " | with hits | timed out |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rows in runs:
        assert len(rows) <= len(ref), f"{name}: {len(rows)} queries, reference has {len(ref)}"
        for kind in kinds:
            sel = [(r, x) for r, x in zip(rows, ref) if kind == "all" or r[0] == kind]
            lat = [r[1] / 1000 for r, _ in sel]
            same = sum(1 for r, x in sel if r[2] == x[2])
            hits = sum(1 for r, _ in sel if r[2] > 0)
            stopped = sum(1 for r, _ in sel if r[2] < 0)  # stopped at the time budget: latency is a lower bound
            print(f"| {name} | {kind} | {len(sel)} | {pct(lat, 50):.2f} | {pct(lat, 99):.2f} | {max(lat):.2f} | "
                  f"{same / len(sel):.0%} | {hits / len(sel):.0%} | {stopped} |")


if __name__ == "__main__":
    main()
