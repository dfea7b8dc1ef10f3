#!/usr/bin/env python3
"""Upper-bound "plain components" baseline for an independent district (gen.py output).

Connected components over reports, computed from the generator's truth files with the truth's hubs, relays and
services removed: two reports are linked when they
  * mention the same identifier key whose owner is a gang or a lone scammer (truth/identifiers.csv role != hub;
    keys per report in truth/report_keys.csv), or
  * had money pass through the same account whose role is a gang's or lone scammer's own (l1..l5, backer,
    lone_card; truth/money_trace.csv + truth/accounts.csv) -- relay_platform, otc_desk, service_*, shop and
    residents' accounts are removed.
It is an upper bound for a clusterer that would know exactly which shared values are hubs; it is not a method.
Prints: reports, gangs, ARI (same labelling as the truth: gang id, a lone report its own label, a re-filing the
label of the report it re-files).

    python3 components.py DISTRICT_DIR
"""
import csv
import math
import os
import sys

KEEP_ROLES = {"l1", "l2", "l3", "l4", "l5", "backer", "lone_card"}


def read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ari(labels_true, labels_pred):
    def c2(n):
        return n * (n - 1) / 2.0
    n = len(labels_true)
    cont, a, b = {}, {}, {}
    for t, p in zip(labels_true, labels_pred):
        cont[(t, p)] = cont.get((t, p), 0) + 1
        a[t] = a.get(t, 0) + 1
        b[p] = b.get(p, 0) + 1
    idx = sum(c2(v) for v in cont.values())
    sa = sum(c2(v) for v in a.values())
    sb = sum(c2(v) for v in b.values())
    exp = sa * sb / c2(n) if n > 1 else 0.0
    mx = (sa + sb) / 2.0
    if mx == exp:
        return 1.0
    return (idx - exp) / (mx - exp)


def main(d):
    T = os.path.join(d, "truth")
    rg = read(os.path.join(T, "report_gang.csv"))
    ids = [r["report_id"] for r in rg]
    byid = {r["report_id"]: r for r in rg}

    def label(rid):
        r = byid[rid]
        if r["duplicate_of"]:
            return label(r["duplicate_of"])
        return r["gang_id"] or ("lone:" + rid)
    truth = [label(i) for i in ids]
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x, y):
        x, y = find(x), find(y)
        if x != y:
            parent[max(x, y)] = min(x, y)
    role = {r["key"]: r["role"] for r in read(os.path.join(T, "identifiers.csv"))}
    first = {}
    for r in read(os.path.join(T, "report_keys.csv")):
        if role.get(r["key"], "hub") == "hub":
            continue
        if r["key"] in first:
            union(first[r["key"]], r["report_id"])
        else:
            first[r["key"]] = r["report_id"]
    arole = {r["account"]: r["role"] for r in read(os.path.join(T, "accounts.csv"))}
    first = {}
    for r in read(os.path.join(T, "money_trace.csv")):
        if arole.get(r["account"]) not in KEEP_ROLES:
            continue
        if r["account"] in first:
            union(first[r["account"]], r["report_id"])
        else:
            first[r["account"]] = r["report_id"]
    pred = [find(i) for i in ids]
    gangs = len({t for t in truth if not t.startswith("lone:")})
    print("reports=%d gangs=%d components=%d ARI=%.4f" % (len(ids), gangs, len(set(pred)), ari(truth, pred)))


if __name__ == "__main__":
    main(sys.argv[1])
