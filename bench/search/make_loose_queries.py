#!/usr/bin/env python3
"""Queries of words side by side (ranked matching, issue 15), derived from the corpus mechanically.

usage: make_loose_queries.py CORPUS.jsonl OUT.jsonl [SEED]   (SEED default 11: the workload of bench/README.md)

300 queries of 2-5 Han words of two or more characters (python jieba), from a 0.2% sample of the documents:
even lines `kw-mixed` (each word from another random sample document: mostly relaxed, the words are rarely found
together), odd lines `kw-doc` (distinct words of one document: mostly strict). Duplicate words are dropped.
Same line format as make_queries.py (kind, q).
"""
import json, random, sys
import jieba


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 11)
    jieba.setLogLevel(60)
    docs = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            if random.random() < 0.002:
                docs.append(json.loads(line)["text"])

    def words(t):
        return [w for w in jieba.cut(t) if len(w) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w)]

    rows = []
    for i in range(300):
        n = random.randint(2, 5)
        if i % 2 == 0:
            ws = [random.choice(words(random.choice(docs)) or ["诈骗"]) for _ in range(n)]
            kind = "kw-mixed"
        else:
            w = words(random.choice(docs))
            ws = random.sample(w, min(n, len(w))) if w else ["诈骗"]
            kind = "kw-doc"
        rows.append({"kind": kind, "q": " ".join(dict.fromkeys(ws))})
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
