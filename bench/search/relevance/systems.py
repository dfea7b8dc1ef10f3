#!/usr/bin/env python3
"""The three systems of the relevance run, each writing a TREC run file (`qid Q0 doc rank score system`) with its
top K per query, plus `qid<TAB>total` lines (hit counts, for the zero-result rate) in RUN.totals.

  systems.py fanzha BIN DATA_DIR QUERIES.jsonl K RUN      `fanzha search --name rel --json --limit K --no-facets Q`
                                                          once per query (the index must exist: run.sh builds it)
  systems.py bm25 CORPUS.jsonl QUERIES.jsonl K RUN        plain character BM25: every alphanumeric character
                                                          (Han, Latin, digit; lower-cased) is a term; k1 1.2, b 0.75;
                                                          OR of the query's distinct characters (spaces dropped)
  systems.py tantivy-jieba CORPUS.jsonl DIR QUERIES.jsonl K RUN
                                                          python jieba (accurate mode, HMM on, as bench/search/peers.py)
                                                          segments docs and queries; tantivy-py indexes the words
                                                          (default tokenizer) and parses the query's words with the
                                                          default query parser (OR of the words, BM25)
Ties (scores equal to 4 decimals) are broken by document id so every run is deterministic.
"""
import json, math, os, re, shutil, subprocess, sys
from collections import Counter, defaultdict


def load_queries(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f]


def write_run(path, name, results):
    """results: [(qid, total, [(doc, score), ...])]"""
    with open(path, "w", encoding="utf-8") as w, open(path + ".totals", "w", encoding="utf-8") as t:
        for qid, total, hits in results:
            t.write(f"{qid}\t{total}\n")
            for rank, (doc, score) in enumerate(hits, 1):
                w.write(f"{qid} Q0 {doc} {rank} {score:.6f} {name}\n")


def fanzha(bin_, data_dir, qfile, k, out):
    results = []
    for q in load_queries(qfile):
        p = subprocess.run([bin_, "--data-dir", data_dir, "search", "--name", "rel", "--json", "--limit", str(k),
                            "--no-facets", q["q"]], capture_output=True, text=True)
        if p.returncode != 0:
            # a query the engine rejects counts as no result; say so
            print(f"fanzha: {q['qid']} {q['q']!r} failed ({p.returncode}): {p.stderr.strip()[:200]}", file=sys.stderr)
            results.append((q["qid"], 0, []))
            continue
        v = json.loads(p.stdout)
        results.append((q["qid"], v["total"], [(h["id"], h["score"]) for h in v["hits"]][:k]))
    write_run(out, "fanzha", results)


def chars(text):
    return [c for c in text.lower() if c.isalnum()]


def bm25(corpus, qfile, k, out, k1=1.2, b=0.75):
    docs = load_corpus(corpus)
    ids = [d["id"] for d in docs]
    lens, post = [], defaultdict(list)
    for i, d in enumerate(docs):
        cs = chars(d["text"])
        lens.append(len(cs))
        for c, tf in Counter(cs).items():
            post[c].append((i, tf))
    n, avg = len(docs), sum(lens) / len(lens)
    results = []
    for q in load_queries(qfile):
        scores = defaultdict(float)
        for c in dict.fromkeys(chars(q["q"])):
            pl = post.get(c, [])
            if not pl:
                continue
            idf = math.log(1 + (n - len(pl) + 0.5) / (len(pl) + 0.5))
            for i, tf in pl:
                scores[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lens[i] / avg))
        top = sorted(scores.items(), key=lambda x: (-round(x[1], 4), ids[x[0]]))[:k]
        results.append((q["qid"], len(scores), [(ids[i], s) for i, s in top]))
    write_run(out, "bm25-char", results)


def cut(jieba, text):
    return [t for t in jieba.cut(text) if not t.isspace()]


def tantivy_jieba(corpus, dir_, qfile, k, out):
    import jieba, tantivy
    jieba.setLogLevel(60)
    jieba.initialize()
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("text", stored=False, tokenizer_name="default", index_option="position")
    schema = b.build()
    shutil.rmtree(dir_, ignore_errors=True)
    os.makedirs(dir_)
    index = tantivy.Index(schema, path=dir_)
    w = index.writer()
    for d in load_corpus(corpus):
        w.add_document(tantivy.Document(id=d["id"], text=" ".join(cut(jieba, d["text"]))))
    w.commit()
    w.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    special = re.compile(r'[+\-&|!(){}\[\]^"~*?:\\/]')
    results = []
    for q in load_queries(qfile):
        words = [special.sub(" ", t) for t in cut(jieba, q["q"])]
        text = " ".join(t for t in words if t.strip())
        query = index.parse_query(text, ["text"])
        # fetch past K and sort by (score to 4 decimals, id): documents tied at the cut (the telecom set repeats
        # scripts) would otherwise come in index order, which changes from one build to the next
        r = searcher.search(query, limit=k + 200, count=True)
        hits = [(searcher.doc(a)["id"][0], s) for s, a in r.hits]
        hits.sort(key=lambda x: (-round(x[1], 4), x[0]))
        results.append((q["qid"], r.count, hits[:k]))
    write_run(out, "tantivy-py+jieba", results)


if __name__ == "__main__":
    cmd, *a = sys.argv[1:]
    if cmd == "fanzha":
        fanzha(a[0], a[1], a[2], int(a[3]), a[4])
    elif cmd == "bm25":
        bm25(a[0], a[1], int(a[2]), a[3])
    elif cmd == "tantivy-jieba":
        tantivy_jieba(a[0], a[1], a[2], int(a[3]), a[4])
    else:
        sys.exit(f"unknown system {cmd}")
