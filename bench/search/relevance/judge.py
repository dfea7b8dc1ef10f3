#!/usr/bin/env python3
"""Pools the systems' top documents and grades them 0/1/2 with a written rule, then applies the judgements read
by a person (reads.tsv). No system's rank or score enters a grade: the pool is only the set of documents judged.

usage: judge.py QUERIES.jsonl CORPUS.jsonl QRELS.tsv READS.tsv DEPTH RUN [RUN ...]

Pool: per query, the union of each run's top DEPTH, plus every document of the corpus that the rule grades 2 (the
judge's own search, no ranking: it keeps the ideal DCG honest where the systems' pools miss relevant documents),
plus every document already in QRELS (so a pool only grows).
Rule, per query (fields of queries.jsonl):
  classes  labels (CAIL accusations / telecom labels) that on their own make a document partly relevant;
  family   broader labels (mostly the generic 诈骗) that count only together with the core concepts;
  core     concept groups, each a list of Python regexes (plain words are regexes too; `@冒充` expands to the
           impersonation verbs below); the core is present when every group has a match in the text;
  scope    `fraud` (default): concept-only grades are given only to documents of the fraud family (FRAUD below,
           or any telecom fraud label); `crime`: to any CAIL document. Genuine SMS (正常短信) are always 0.
  grade 2: a label in classes ∪ family, and the core present;
  grade 1: a label in classes without the core, or the core present in an in-scope document whose labels are in
           neither list;
  grade 0: otherwise.
READS (`qid doc grade note`, tab-separated) overrides the rule for the documents a person read; QRELS gets
`qid doc grade judged_by` lines (judged_by = rule | read), sorted.
"""
import json, re, sys

IMP = "(冒充|假冒|假扮|冒称|自称|谎称|伪装成|伪装|我是|我们是|这里是)"
GENUINE = "正常短信"
FRAUD = {"诈骗", "合同诈骗", "信用卡诈骗", "妨害信用卡管理", "集资诈骗", "非法吸收公众存款", "贷款诈骗",
         "骗取[贷款、票据承兑、金融票证]", "招摇撞骗", "保险诈骗", "洗钱", "[掩饰、隐瞒][犯罪所得、犯罪所得收益]",
         "[窃取、收买、非法提供]信用卡信息", "[伪造、变造、买卖]国家机关[公文、证件、印章]", "敲诈勒索",
         "冒充客服服务", "贷款、代办信用卡类", "冒充公检法及政府机关类", "冒充领导、熟人类"}


def compile_core(q):
    return [[re.compile(p.replace("@冒充", IMP)) for p in group] for group in q["core"]]


def grade(q, core, doc):
    labels = set(doc["labels"])
    if GENUINE in labels:
        return 0
    in_c = bool(labels & set(q["classes"]))
    in_f = bool(labels & set(q["family"]))
    has_core = all(any(p.search(doc["text"]) for p in g) for g in core)
    if (in_c or in_f) and has_core:
        return 2
    if in_c:
        return 1
    in_scope = doc["source"] == "cail" if q.get("scope", "fraud") == "crime" else bool(labels & FRAUD)
    if has_core and in_scope and not in_f:
        return 1
    return 0


def read_tsv(path, cols):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    rows.append(line.rstrip("\n").split("\t" if "\t" in line else None, cols - 1))
    except FileNotFoundError:
        pass
    return rows


def main():
    qfile, corpus, qrels, reads, depth, *runs = sys.argv[1:]
    depth = int(depth)
    queries = {q["qid"]: q for q in map(json.loads, open(qfile, encoding="utf-8")) if q}
    docs = {d["id"]: d for d in map(json.loads, open(corpus, encoding="utf-8"))}
    pool = {qid: set() for qid in queries}
    for qid, doc, *_ in read_tsv(qrels, 4):
        if qid in pool:
            pool[qid].add(doc)
    for run in runs:
        with open(run, encoding="utf-8") as f:
            for line in f:
                qid, _, doc, rank, *_ = line.split()
                if int(rank) <= depth and qid in pool:
                    pool[qid].add(doc)
    for qid, q in queries.items():
        core = compile_core(q)
        pool[qid].update(d for d, doc in docs.items() if grade(q, core, doc) == 2)
    read = {(r[0], r[1]): int(r[2]) for r in read_tsv(reads, 4)}
    for (qid, doc) in read:
        if qid not in pool:
            sys.exit(f"reads: unknown query {qid}")
        pool[qid].add(doc)
    out, n_read, n_changed, confusion = [], 0, 0, {}
    for qid in sorted(pool):
        q = queries[qid]
        core = compile_core(q)
        for doc in sorted(pool[qid]):
            if doc not in docs:
                sys.exit(f"{qid}: document {doc} is not in the corpus")
            g = grade(q, core, docs[doc])
            if (qid, doc) in read:
                n_read += 1
                n_changed += read[(qid, doc)] != g
                confusion[(g, read[(qid, doc)])] = confusion.get((g, read[(qid, doc)]), 0) + 1
                out.append(f"{qid}\t{doc}\t{read[(qid, doc)]}\tread")
            else:
                out.append(f"{qid}\t{doc}\t{g}\trule")
    with open(qrels, "w", encoding="utf-8") as w:
        w.write("\n".join(out) + "\n")
    print(f"qrels: {len(out)} judgements over {len(pool)} queries; {n_read} read, of which {n_changed} differ "
          f"from the rule → {qrels}", file=sys.stderr)
    for g in (0, 1, 2):
        print(f"  rule {g}: read as " + ", ".join(f"{r}: {confusion.get((g, r), 0)}" for r in (0, 1, 2)),
              file=sys.stderr)


if __name__ == "__main__":
    main()
