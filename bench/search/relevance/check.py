#!/usr/bin/env python3
"""Format check of the relevance set, run first by run.sh: at least 60 queries, each 2–5 space-separated keywords,
unique ids, known splits, every label list and concept group well formed (regexes compile), and every query
judged in the qrels (every grade 0/1/2, judged_by rule|read). Exits non-zero with the problems listed.

usage: check.py QUERIES.jsonl QRELS.tsv [READS.tsv]

A set whose queries are all of split `independent` (independent/: written by someone else) needs at least 40.
"""
import json, re, sys


def main():
    qfile, qrels = sys.argv[1], sys.argv[2]
    reads = sys.argv[3] if len(sys.argv) > 3 else None
    bad = []
    qs = [json.loads(l) for l in open(qfile, encoding="utf-8") if l.strip()]
    independent = bool(qs) and all(q.get("split") == "independent" for q in qs)
    least = 40 if independent else 60
    if len(qs) < least:
        bad.append(f"{len(qs)} queries, fewer than {least}")
    ids = [q.get("qid") for q in qs]
    if len(set(ids)) != len(ids):
        bad.append("duplicate query ids")
    for q in qs:
        qid = q.get("qid")
        terms = q.get("q", "").split()
        if not 2 <= len(terms) <= 5:
            bad.append(f"{qid}: {len(terms)} keywords ({q.get('q')!r}), want 2–5")
        if q.get("split") not in (("independent",) if independent else ("dev", "heldout")):
            bad.append(f"{qid}: split {q.get('split')!r}")
        if not q.get("intent"):
            bad.append(f"{qid}: no intent")
        if not (q.get("classes") or q.get("family")):
            bad.append(f"{qid}: no relevant label")
        if not q.get("core") or any(not g for g in q["core"]):
            bad.append(f"{qid}: empty core concept group")
        for g in q.get("core", []):
            for p in g:
                try:
                    re.compile(p.replace("@冒充", "(x)"))
                except re.error as e:
                    bad.append(f"{qid}: bad pattern {p!r}: {e}")
        if q.get("scope", "fraud") not in ("fraud", "crime"):
            bad.append(f"{qid}: scope {q.get('scope')!r}")
    judged = {}
    for n, line in enumerate(open(qrels, encoding="utf-8"), 1):
        f = line.rstrip("\n").split("\t")
        if len(f) != 4 or f[2] not in ("0", "1", "2") or f[3] not in ("rule", "read"):
            bad.append(f"qrels line {n}: {line.strip()!r}")
            continue
        judged[f[0]] = judged.get(f[0], 0) + 1
    for qid in ids:
        if not judged.get(qid):
            bad.append(f"{qid}: no judgements in {qrels}")
    if reads:
        for n, line in enumerate(open(reads, encoding="utf-8"), 1):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) != 4 or f[0] not in ids or f[2] not in ("0", "1", "2"):
                bad.append(f"reads line {n}: {line.strip()!r}")
    if bad:
        sys.exit("relevance set check failed:\n  " + "\n  ".join(bad))
    print(f"relevance set: {len(qs)} queries, {sum(judged.values())} judgements — format ok", file=sys.stderr)


if __name__ == "__main__":
    main()
