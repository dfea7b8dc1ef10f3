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

A district of our own generator (`fanzha generate`, truth/identifier_gang.csv instead of identifiers.csv) is read
the same way from its own truth: keys per report from truth/narrative_identifiers.csv, kept when
identifier_gang.csv gives them a gang (`G…`) or lone scammer (`L…`) owner; money from transfers.csv: a report's own
payments (rows with its report_id) and every transfer between two accounts owned by a gang or lone scammer (L1–L5,
backer, its crypto wallets) -- service (`S…`) accounts, hubs.csv (ATMs, merchants, payment-platform relays, OTC
desks) and everything else removed. A payment into a relay is followed to the relay's next payout of the same
amount (the relay's onward payment to the L1 card carries no report_id). Keys of the report's phones, accounts and
IM ids columns are added by a plain normalisation (digits; `微信:`/`QQ:`).

    python3 components.py DISTRICT_DIR
"""
import csv
import math
import os
import sys
import unicodedata

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


def key_of(account):
    """The identifier_gang.csv key of an account as written in transfers.csv (our generator's forms only)."""
    return ("crypto:" if account.startswith("T") else "card:") + account


def column_keys(report):
    """Candidate keys of a report's phones, accounts and IM columns (urls and apps are left to the narrative)."""
    keys = []
    for text in filter(None, report["phones"].split(";")):
        digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
        if digits.startswith("00"):
            digits = digits[2:]
        keys += ["tel:+" + digits, "tel:+86" + digits, "tel:+86" + digits[1:]]
    for text in filter(None, report["accounts"].split(";")):
        digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
        if "尾号" not in text:
            keys.append("card:" + digits)
    for text in filter(None, report["im_ids"].split(";")):
        kind, _, value = text.partition(":")
        keys.append({"微信": "wechat:", "QQ": "qq:"}.get(kind, "?:") + value.lower())
    return keys


def ours(d, union):
    """Links of a district of our generator (see the module doc)."""
    T = os.path.join(d, "truth")
    owner = {r["key"]: r["owner_id"] for r in read(os.path.join(T, "identifier_gang.csv"))}

    def kept(key):
        return owner.get(key, "S")[:1] in ("G", "L")
    for r in read(os.path.join(T, "narrative_identifiers.csv")):
        if kept(r["key"]):
            union("k:" + r["key"], r["report_id"])
    for r in read(os.path.join(d, "reports.csv")):
        for key in column_keys(r):
            if kept(key):
                union("k:" + key, r["report_id"])
    transfers = read(os.path.join(d, "transfers.csv"))
    payouts = {}
    for t in transfers:
        payouts.setdefault((t["from_account"], t["amount_yuan"]), []).append((t["at"], t["to_account"]))
    for t in transfers:
        src, dst = key_of(t["from_account"]), key_of(t["to_account"])
        if t["report_id"]:
            if kept(dst):
                union("k:" + dst, t["report_id"])
                continue
            # Through a relay: its next payout of the same amount (timestamps share one format and offset).
            later = [p for p in payouts.get((t["to_account"], t["amount_yuan"]), []) if p[0] >= t["at"]]
            if later and kept(key_of(min(later)[1])):
                union("k:" + key_of(min(later)[1]), t["report_id"])
        elif kept(src) and kept(dst):
            union("k:" + src, "k:" + dst)


def indep(d, union):
    """Links of a gen.py district (see the module doc)."""
    T = os.path.join(d, "truth")
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


def components(d):
    """The baseline's components of district `d` (either generator's truth): a function from a report id to its
    component's representative."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x, y):
        x, y = find(x), find(y)
        if x != y:
            parent[max(x, y)] = min(x, y)
    if os.path.exists(os.path.join(d, "truth", "identifier_gang.csv")):
        ours(d, union)
    else:
        indep(d, union)
    return find


def main(d):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from score import truth_groups  # bench/gangs/score.py: the scorer's truth labels

    groups = truth_groups(d)
    ids = list(groups)
    truth = [groups[i] for i in ids]
    find = components(d)
    pred = [find(i) for i in ids]
    gangs = len({t for t in truth if not t.startswith("lone:")})
    print("reports=%d gangs=%d components=%d ARI=%.4f" % (len(ids), gangs, len(set(pred)), ari(truth, pred)))


if __name__ == "__main__":
    main(sys.argv[1])
