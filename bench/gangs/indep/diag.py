#!/usr/bin/env python3
"""Diagnose a clustering run against an independent district's truth.

    python3 diag.py DATA_DIR DISTRICT_DIR
    python3 diag.py --ari DATA_DIR DISTRICT_DIR   # only: ARI with each lone report its own label

score.py reads an empty gang_id as one more gang (all lone scammers' reports one label, so a clusterer is
rewarded for putting unrelated lone reports together); --ari prints the ARI with each lone report (and its
re-filings) its own label instead, as docs of the truth format intend.

Reads the latest run's cluster membership from DATA_DIR/fanzha.sqlite (gang_members) and prints
  * merged clusters: clusters holding reports of several truth groups (gang ids; lone reports as L:<id>), with the
    shared accounts / identifier keys (and their truth role) that the groups' reports have in common, and
  * split gangs: gangs whose reports sit in several clusters (sizes of the pieces).
"""
import collections
import csv
import json
import os
import sqlite3
import subprocess
import sys

FANZHA_BIN = os.environ.get("FANZHA_BIN", "/work/target-bench/release/fanzha")


def read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main(data, d, only_ari=False):
    T = os.path.join(d, "truth")
    db = sqlite3.connect(os.path.join(data, "fanzha.sqlite"))
    run = db.execute("select max(gang_run_id) from gang_runs").fetchone()[0]
    cl = dict(db.execute("select report_id, cluster_id from gang_members where gang_run_id=?", (run,)))
    rg = {r["report_id"]: r for r in read(os.path.join(T, "report_gang.csv"))}

    def label(rid):
        r = rg[rid]
        if r["duplicate_of"]:
            return label(r["duplicate_of"])
        return r["gang_id"] or ("L:" + rid)
    lab = {rid: label(rid) for rid in rg}
    if only_ari:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from components import ari
        ids = sorted(rg)
        print("ARI_lone_singletons=%.4f" % ari([lab[i] for i in ids], [cl.get(i, "none:" + i) for i in ids]))
        return
    arole = {r["account"]: (r["role"], r["owner"]) for r in read(os.path.join(T, "accounts.csv"))}
    krole = {r["key"]: (r["role"], r["owner"]) for r in read(os.path.join(T, "identifiers.csv"))}
    things = {}
    for r in read(os.path.join(T, "money_trace.csv")):
        things.setdefault(r["report_id"], set()).add(("acct", r["account"]))
    for r in read(os.path.join(T, "report_keys.csv")):
        things.setdefault(r["report_id"], set()).add(("key", r["key"]))
    clusters = {}
    for rid, c in cl.items():
        clusters.setdefault(c, []).append(rid)
    bridges = collections.Counter()

    def entity_role(key):
        if key in krole:
            return krole[key][0] + ("" if krole[key][0] == "hub" else ":" + krole[key][1])
        raw = key.split(":", 1)[1] if ":" in key else key
        if raw in arole:
            return arole[raw][0] + ":" + arole[raw][1]
        return "unknown"

    lone_rep = {r["lone_id"]: "L:" + r["report_id"] for r in read(os.path.join(T, "lone.csv"))}

    def owner_label(key):
        """The truth group owning an entity (gang id or L:<report>), None for shared ones (hubs, desks, services...)."""
        own = krole.get(key)
        if own is None:
            raw = key.split(":", 1)[1] if ":" in key else key
            own = arole.get(raw)
        if own is None:
            return None
        o = own[1]
        if o.startswith("G"):
            return o
        return lone_rep.get(o)

    def explain(a, b):
        """Entities where fanzha's evidence chain from report a to report b crosses from one truth group to another."""
        p = subprocess.run([FANZHA_BIN, "--quiet", "--data-dir", data, "clusters", "explain", "--json", "--unmasked", a, b],
                           capture_output=True, text=True)
        try:
            steps = json.loads(p.stdout)["steps"]
        except (ValueError, KeyError):
            return ["(explain failed: %s)" % (p.stderr.strip()[:100])]
        out, last_rep, pending = [], a, []
        for st in steps:
            for node, kind in ((st["from"], st["from_kind"]), (st["to"], st["to_kind"])):
                if kind == "report":
                    if node != last_rep:
                        if lab.get(node) != lab.get(last_rep):
                            foreign = [e for e in pending if owner_label(e[0]) is None]
                            for e in (foreign or pending):
                                r = entity_role(e[0])
                                out.append("%s %s%s (%s -> %s)" % (r, e[0], (" " + e[1]) if e[1] else "",
                                                                  lab.get(last_rep), lab.get(node)))
                                bridges[r.split(":")[0] if not r.startswith("hub") else "hub " + e[0]] += 1
                        last_rep, pending = node, []
                elif not pending or pending[-1][0] != node:
                    pending.append((node, st.get("time") or ""))
        return out

    merged = 0
    for c in sorted(clusters, key=lambda c: -len(clusters[c])):
        rids = clusters[c]
        groups = {}
        for rid in rids:
            groups.setdefault(lab.get(rid, "?"), []).append(rid)
        if len(groups) < 2:
            continue
        merged += 1
        sizes = sorted(((len(v), k) for k, v in groups.items()), reverse=True)
        print("cluster %s: %d reports from %d groups: %s" % (c, len(rids), len(groups),
                                                           ", ".join("%s×%d" % (k, n) for n, k in sizes[:8])
                                                           + (" …" if len(sizes) > 8 else "")))
        # what do the groups share?
        per = {}
        for g, rs in groups.items():
            for rid in rs:
                for t in things.get(rid, ()):
                    per.setdefault(t, set()).add(g)
        shared = sorted(((len(gs), t) for t, gs in per.items() if len(gs) > 1), reverse=True)[:6]
        for n, (kind, v) in shared:
            role = (arole if kind == "acct" else krole).get(v, ("?", "?"))
            print("    shared by %d groups: %s %s (role %s, owner %s)" % (n, kind, v, role[0], role[1]))
        big = sizes[0][1]
        for _, g in sizes[1:6]:
            for line in explain(groups[g][0], groups[big][0]):
                print("    fanzha's chain crosses groups at: " + line)
    split = 0
    bygang = {}
    for rid, g in lab.items():
        if not g.startswith("L:") and rid in cl:
            bygang.setdefault(g, {}).setdefault(cl[rid], 0)
            bygang[g][cl[rid]] += 1
    for g in sorted(bygang):
        pieces = sorted(bygang[g].values(), reverse=True)
        if len(pieces) > 1:
            split += 1
            print("split %s: %s" % (g, "+".join(map(str, pieces))))
    print("merged clusters: %d, split gangs: %d of %d" % (merged, split, len(bygang)))
    print("bridges (entities where fanzha's chains cross truth groups): " +
          ", ".join("%s×%d" % kv for kv in bridges.most_common()))


if __name__ == "__main__":
    if sys.argv[1] == "--ari":
        main(sys.argv[2], sys.argv[3], True)
    else:
        main(sys.argv[1], sys.argv[2])
