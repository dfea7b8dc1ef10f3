#!/usr/bin/env python3
"""The peers of `fanzha index/search` in the search benchmark: python jieba + tantivy-py, and SQLite FTS5.

  peers.py segment CORPUS.jsonl SEG.jsonl      python jieba (accurate mode, HMM on) → words joined by spaces
  peers.py tantivy-index SEG.jsonl DIR         tantivy-py index: text (default tokenizer over the jieba words,
                                               positions, stored), id/type/district raw + fast, date/loss i64
  peers.py fts5-index SEG.jsonl DB             FTS5 (unicode61 over the jieba words) + a docs table for filters
  peers.py tantivy-query DIR QUERIES.jsonl     prints kind<TAB>microseconds<TAB>total for the 2nd of two passes
  peers.py fts5-query DB QUERIES.jsonl         same, one pass, each query stopped after FTS5_TIMEOUT_MS

A query: its jieba words as a term or phrase query; a filter adds type = and a date range; an identifier is
searched as its bare digits (the peers do not normalise written forms). Each timed query returns the total and
fetches the top 10 stored documents, as `fanzha search` does.
"""
import datetime, json, os, sqlite3, sys, time

EPOCH = datetime.date(1970, 1, 1)


def day_secs(d, end=False):
    # Beijing-time day bounds in epoch seconds, as fanzha's date_bounds.
    s = (datetime.date.fromisoformat(d) - EPOCH).days * 86400 - 8 * 3600
    return s + 86399 if end else s


def segment(src, dst):
    import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as w:
        for line in f:
            v = json.loads(line)
            v["text"] = " ".join(t for t in jieba.cut(v["text"]) if not t.isspace())
            w.write(json.dumps(v, ensure_ascii=False) + "\n")


def schema():
    import tantivy
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("text", stored=True, tokenizer_name="default", index_option="position")
    b.add_text_field("type", stored=True, tokenizer_name="raw", fast=True)
    b.add_text_field("district", stored=True, tokenizer_name="raw", fast=True)
    b.add_integer_field("date", stored=True, indexed=True, fast=True)
    b.add_integer_field("loss", stored=True, indexed=True, fast=True)
    return b.build()


def tantivy_index(seg, path):
    import tantivy
    os.makedirs(path, exist_ok=True)
    index = tantivy.Index(schema(), path=path)
    w = index.writer()  # defaults: 128 MB heap, one thread per core
    with open(seg, encoding="utf-8") as f:
        for line in f:
            v = json.loads(line)
            d = {"id": v["id"], "text": v["text"], "type": v.get("type", ""), "district": v.get("district", "")}
            if "date" in v:
                d["date"] = day_secs(v["date"])
            if "loss" in v:
                d["loss"] = v["loss"]
            w.add_document(tantivy.Document(**d))
    w.commit()
    w.wait_merging_threads()


def fts5_index(seg, db):
    if os.path.exists(db):
        os.remove(db)
    c = sqlite3.connect(db)
    c.execute("PRAGMA journal_mode=OFF")
    c.execute("PRAGMA synchronous=OFF")
    c.execute("CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, type TEXT, district TEXT, date INT, loss INT)")
    c.execute("CREATE VIRTUAL TABLE fts USING fts5(text, tokenize='unicode61')")
    def rows():
        with open(seg, encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                v = json.loads(line)
                yield i, v
    batch_d, batch_f = [], []
    for i, v in rows():
        batch_d.append((i, v["id"], v.get("type", ""), v.get("district", ""),
                        day_secs(v["date"]) if "date" in v else None, v.get("loss")))
        batch_f.append((i, v["text"]))
        if len(batch_d) == 10000:
            c.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch_d)
            c.executemany("INSERT INTO fts (rowid, text) VALUES (?,?)", batch_f)
            batch_d, batch_f = [], []
    c.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?)", batch_d)
    c.executemany("INSERT INTO fts (rowid, text) VALUES (?,?)", batch_f)
    c.execute("CREATE INDEX docs_type_date ON docs (type, date)")
    c.commit()
    c.close()


def load_queries(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def timed(queries, run, passes=2):
    out = []
    for p in range(passes):
        for q in queries:
            t = time.perf_counter()
            total = run(q)
            us = int((time.perf_counter() - t) * 1e6)
            if p == passes - 1:
                out.append(f"{q['kind']}\t{us}\t{total}")
    print("\n".join(out))


def tantivy_query(path, qfile):
    import tantivy
    index = tantivy.Index.open(path)
    s = schema()
    searcher = index.searcher()
    Occur = tantivy.Occur

    def run(q):
        ws = [w.lower() for w in q["words"]]
        text_q = (tantivy.Query.term_query(s, "text", ws[0]) if len(ws) == 1
                  else tantivy.Query.phrase_query(s, "text", ws))
        if q.get("type"):
            text_q = tantivy.Query.boolean_query([
                (Occur.Must, text_q),
                (Occur.Must, tantivy.Query.term_query(s, "type", q["type"])),
                (Occur.Must, tantivy.Query.range_query(s, "date", tantivy.FieldType.Integer,
                                                        day_secs(q["from"]), day_secs(q["to"], True))),
            ])
        r = searcher.search(text_q, limit=10, count=True)
        for _, addr in r.hits:
            searcher.doc(addr)
        return r.count

    timed(load_queries(qfile), run)


def fts5_query(db, qfile):
    """One pass only, and a query is stopped after FTS5_TIMEOUT_MS (default 1000; total printed as -1): FTS5
    counts and ranks every match, which takes seconds for common words at 1M documents."""
    c = sqlite3.connect(db)
    budget = int(os.environ.get("FTS5_TIMEOUT_MS", "1000")) / 1000
    deadline = [0.0]
    c.set_progress_handler(lambda: 1 if time.perf_counter() > deadline[0] else 0, 10000)

    def run(q):
        m = '"' + " ".join(w.replace('"', '""') for w in q["words"]) + '"'
        if q.get("type"):
            where = "fts MATCH ? AND d.type = ? AND d.date BETWEEN ? AND ?"
            args = (m, q["type"], day_secs(q["from"]), day_secs(q["to"], True))
            join = "fts JOIN docs d ON d.rowid = fts.rowid"
        else:
            where, args, join = "fts MATCH ?", (m,), "fts"
        deadline[0] = time.perf_counter() + budget
        try:
            c.execute(f"SELECT fts.rowid, fts.text FROM {join} WHERE {where} ORDER BY rank LIMIT 10", args).fetchall()
            return c.execute(f"SELECT count(*) FROM {join} WHERE {where}", args).fetchone()[0]
        except sqlite3.OperationalError as e:
            if "interrupt" not in str(e):
                raise
            return -1

    timed(load_queries(qfile), run, passes=1)


if __name__ == "__main__":
    cmd, *a = sys.argv[1:]
    {"segment": segment, "tantivy-index": tantivy_index, "fts5-index": fts5_index,
     "tantivy-query": tantivy_query, "fts5-query": fts5_query}[cmd](*a)
