#!/usr/bin/env python3
"""Scores a `fanzha clusters run` against the generator's truth.

usage: score.py DATA_DIR DISTRICT_DIR [RUN]

Prints the report-level adjusted Rand index (a report of no gang, an empty gang_id, is a group of its own), the gangs
recovered (one cluster holds >= 80% of the gang's reports
at >= 80% purity), and the reports in another gang's cluster (not of their cluster's largest gang).
Duplicate reports take their original's gang, as in analytics/tests/it/gangs.rs.
"""
import collections
import csv
import glob
import sqlite3
import sys


def comb2(n):
    return n * (n - 1) / 2


def load(data, district, run=None):
    """The run (latest by default), each report's cluster in it, and each report's truth group: its gang, or for a
    report of no gang (a lone scammer) a group of its own; a duplicate takes its original's."""
    db = sqlite3.connect([p for p in glob.glob(data + "/*.sqlite")][0])
    if run is None:
        run = db.execute("SELECT max(gang_run_id) FROM gang_runs").fetchone()[0]
    cluster = dict(db.execute("SELECT report_id, cluster_id FROM gang_members WHERE gang_run_id = ?", (run,)))
    return run, cluster, truth_groups(district)


def truth_groups(district):
    """Each report's truth group, by report id in file order: its gang; for a report of no gang (empty gang_id: a lone
    scammer) a group of its own, not one "gang" with every lone report; a duplicate takes its original's."""
    rows = list(csv.reader(open(district + "/truth/report_gang.csv", encoding="utf-8")))[1:]
    of = {r: (g, dup) for r, g, dup in rows}

    def group(r):
        g, dup = of[r]
        return group(dup) if dup else (g or "lone:" + r)
    return {r: group(r) for r, _, _ in rows}


def recovered_in(part, gang_size, cluster_size):
    """A gang is recovered when one cluster holds >= 80% of its reports (`part` of `gang_size`) at >= 80% purity."""
    return part >= 0.8 * gang_size and part >= 0.8 * cluster_size


def main():
    data, district = sys.argv[1], sys.argv[2]
    run, cluster, truth = load(data, district, int(sys.argv[3]) if len(sys.argv) > 3 else None)
    ids = [r for r in truth if r in cluster]
    both = collections.Counter((truth[r], cluster[r]) for r in ids)
    gangs = collections.Counter(truth[r] for r in ids)
    clusters = collections.Counter(cluster[r] for r in ids)
    same = sum(comb2(v) for v in both.values())
    sa = sum(comb2(v) for v in gangs.values())
    sb = sum(comb2(v) for v in clusters.values())
    expected = sa * sb / comb2(len(ids))
    ari = (same - expected) / ((sa + sb) / 2 - expected)
    real = [g for g in gangs if not g.startswith("lone:")]
    recovered = sum(
        1
        for g in real
        if any(k[0] == g and recovered_in(v, gangs[g], clusters[k[1]]) for k, v in both.items())
    )
    largest = collections.Counter()
    for (_, c), v in both.items():
        largest[c] = max(largest[c], v)
    misplaced = sum(clusters[c] - largest[c] for c in clusters)
    print(
        f"run {run}: {len(ids)} reports, ARI {ari:.4f}, gangs recovered {recovered}/{len(real)} "
        f"({100 * recovered / max(len(real), 1):.1f}%), {misplaced} in another gang's cluster"
    )


if __name__ == "__main__":
    main()
