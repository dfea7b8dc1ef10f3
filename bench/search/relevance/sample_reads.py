#!/usr/bin/env python3
"""Draws the documents a person reads to check the rule: per query, from the systems' pool (the union of the runs'
top DEPTH, the same depth for every run; no rank is used otherwise), PER documents of each rule grade in GRADES
(grade 0 drawn among documents with a fraud-family or query label, the borderline ones), skipping documents
already in READS, seeded; prints each with its labels, rule grade, opening and the contexts of the concepts found,
for the reader to write `qid doc grade note` lines into reads.tsv.

usage: sample_reads.py QUERIES.jsonl CORPUS.jsonl READS.tsv DEPTH SEED GRADES PER RUN [RUN ...] > sample.txt
  round 1 (seed 1, READS empty): DEPTH 20, GRADES 210, PER 1; round 2 (seed 2): DEPTH 10, GRADES 10, PER 1
"""
import json, random, re, sys
from judge import FRAUD, GENUINE, compile_core, grade


def main():
    qfile, corpus, reads, depth, seed, grades, per, *runs = sys.argv[1:]
    depth, rng, per = int(depth), random.Random(int(seed)), int(per)
    grades = [int(c) for c in grades]
    done = set()
    for line in open(reads, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            done.add(tuple(line.split("\t")[:2]))
    queries = [json.loads(l) for l in open(qfile, encoding="utf-8") if l.strip()]
    docs = {d["id"]: d for d in map(json.loads, open(corpus, encoding="utf-8"))}
    pool = {q["qid"]: set() for q in queries}
    for run in runs:
        for line in open(run, encoding="utf-8"):
            qid, _, doc, rank, *_ = line.split()
            if int(rank) <= depth:
                pool[qid].add(doc)
    for q in queries:
        core = compile_core(q)
        by = {0: [], 1: [], 2: []}
        for d in sorted(pool[q["qid"]]):
            doc = docs[d]
            g = grade(q, core, doc)
            labels = set(doc["labels"])
            if g == 0 and not (labels & (FRAUD | set(q["classes"]) | set(q["family"]))):
                continue
            if (q["qid"], d) in done:
                continue
            by[g].append(d)
        print(f"=== {q['qid']} 「{q['q']}」 {q['intent']} | classes {q['classes']} family {q['family']}")
        for g in grades:
            picks = [rng.choice(by[g])] if per == 1 and by[g] else rng.sample(by[g], min(per, len(by[g])))
            for d in picks:
                show(q, core, d, g, docs[d])


def show(q, core, d, g, doc):
    text = doc["text"].replace("\n", " ")
    ctx = []
    for grp in core:
        for p in grp:
            m = p.search(text)
            if m:
                ctx.append(text[max(0, m.start() - 25): m.end() + 25])
                break
    print(f"--- {q['qid']}\t{d}\trule={g}\tlabels={'/'.join(doc['labels'])}")
    print("    " + text[:260] + ("…" if len(text) > 260 else ""))
    if ctx and len(text) > 260:
        print("    [concepts] " + " ‖ ".join(ctx))

if __name__ == "__main__":
    main()
