#!/usr/bin/env python3
"""Scores the runs against the qrels: nDCG@10, P@10, zero-result rate, unjudged@10, per system and per query.

usage: evaluate.py QUERIES.jsonl QRELS.tsv CORPUS.jsonl OUT_DIR NAME=RUN [NAME=RUN ...]

nDCG@10: gain 2^grade − 1, discount 1/log2(rank + 1); the ideal ranking is every judged grade of the query, best
first. A document a system returns that is not in the qrels counts as grade 0 (and is counted in unjudged@10); a
query with no results scores 0. P@10: documents of grade ≥ 1 in the top 10, over 10. Means are over the queries
that have at least one judged relevant document (the others are listed in the CSV and counted in the table); the
zero-result rate is over all queries, and separately over the queries each of whose space-separated terms occurs
(lower-cased, as a substring) in some document of the corpus. The 95% interval of a mean is a percentile bootstrap
over queries (2,000 resamples, seed 1). Writes OUT_DIR/results.md and OUT_DIR/per_query.csv.
"""
import csv, json, math, os, random, sys
from collections import defaultdict


def read_run(path):
    run = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, _, doc, rank, *_ = line.split()
            run[qid].append((int(rank), doc))
    totals = {}
    with open(path + ".totals", encoding="utf-8") as f:
        for line in f:
            qid, total = line.split()
            totals[qid] = int(total)
    return {q: [d for _, d in sorted(v)] for q, v in run.items()}, totals


def dcg(grades):
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def boot(xs, seed=1, n=2000):
    if not xs:
        return (float("nan"), float("nan"))
    rng = random.Random(seed)
    ms = sorted(sum(rng.choice(xs) for _ in xs) / len(xs) for _ in range(n))
    return ms[int(0.025 * n)], ms[int(0.975 * n) - 1]


def main():
    qfile, qrels_path, corpus, out_dir, *runs = sys.argv[1:]
    queries = [json.loads(l) for l in open(qfile, encoding="utf-8") if l.strip()]
    qrels = defaultdict(dict)
    with open(qrels_path, encoding="utf-8") as f:
        for line in f:
            qid, doc, g, _ = line.split()
            qrels[qid][doc] = int(g)
    texts = [json.loads(l)["text"].lower() for l in open(corpus, encoding="utf-8")]
    blob = "\x00".join(texts)
    occur = {q["qid"]: all(t.lower() in blob for t in q["q"].split()) for q in queries}
    systems = []
    for spec in runs:
        name, path = spec.split("=", 1)
        systems.append((name, *read_run(path)))
    os.makedirs(out_dir, exist_ok=True)
    rows, per = [], defaultdict(dict)
    for q in queries:
        qid = q["qid"]
        judged = qrels.get(qid, {})
        n_rel = sum(1 for g in judged.values() if g >= 1)
        ideal = dcg(sorted(judged.values(), reverse=True)[:10])
        row = {"qid": qid, "q": q["q"], "split": q["split"], "all_terms_occur": int(occur[qid]),
               "judged": len(judged), "relevant": n_rel, "highly_relevant": sum(1 for g in judged.values() if g == 2)}
        for name, run, totals in systems:
            top = run.get(qid, [])[:10]
            grades = [judged.get(d, 0) for d in top]
            m = {"ndcg10": dcg(grades) / ideal if ideal > 0 else float("nan"),
                 "p10": sum(1 for g in grades if g >= 1) / 10,
                 "total": totals.get(qid, 0),
                 "unjudged10": sum(1 for d in top if d not in judged)}
            per[name][qid] = m
            for k, v in m.items():
                row[f"{name}:{k}"] = round(v, 4) if isinstance(v, float) else v
        rows.append(row)
    with open(os.path.join(out_dir, "per_query.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    scored = [q["qid"] for q in queries if any(g >= 1 for g in qrels.get(q["qid"], {}).values())]
    unscored = [q["qid"] for q in queries if q["qid"] not in scored]
    occ = [q["qid"] for q in queries if occur[q["qid"]]]
    lines = [f"{len(queries)} queries ({sum(q['split'] == 'heldout' for q in queries)} held out); "
             f"{len(scored)} with at least one judged relevant document are averaged"
             + (f" (no relevant document known: {', '.join(unscored)})" if unscored else "")
             + f"; {len(occ)} have every term in the corpus.", ""]

    def table(title, allq):
        qids = [q for q in allq if q in set(scored)]
        out = [f"**{title}** ({len(qids)} queries averaged, {len(allq)} for the zero-result rates)", "",
               "| system | nDCG@10 | 95% CI | P@10 | 95% CI | zero-result rate (all) | zero-result rate (terms all occur) "
               "| unjudged@10 (mean) |", "|---|---|---|---|---|---|---|---|"]
        for name, _, _ in systems:
            p = per[name]
            nd = [p[q]["ndcg10"] for q in qids]
            pr = [p[q]["p10"] for q in qids]
            z_all = sum(p[q]["total"] == 0 for q in allq)
            occ_q = [q for q in allq if occur[q]]
            z_occ = sum(p[q]["total"] == 0 for q in occ_q)
            unj = sum(p[q]["unjudged10"] for q in allq) / len(allq)
            lo, hi = boot(nd)
            plo, phi = boot(pr)
            out.append(f"| {name} | {sum(nd) / len(nd):.3f} | {lo:.3f}–{hi:.3f} | {sum(pr) / len(pr):.3f} | "
                       f"{plo:.3f}–{phi:.3f} | {z_all / len(allq):.3f} ({z_all}/{len(allq)}) | "
                       f"{z_occ / len(occ_q):.3f} ({z_occ}/{len(occ_q)}) | {unj:.2f} |")
        return out + [""]

    lines += table("all queries", [q["qid"] for q in queries])
    heldout = [q["qid"] for q in queries if q["split"] == "heldout"]
    if heldout:
        lines += table("held-out split only", heldout)
    names = [n for n, _, _ in systems]
    if len(names) > 1:
        base = names[0]
        lines.append(f"Per query, {base} against each peer (nDCG@10, averaged queries): ")
        lines.append("")
        for other in names[1:]:
            win = sum(per[base][q]["ndcg10"] > per[other][q]["ndcg10"] for q in scored)
            tie = sum(per[base][q]["ndcg10"] == per[other][q]["ndcg10"] for q in scored)
            lines.append(f"- vs {other}: better on {win}, equal on {tie}, worse on {len(scored) - win - tie}")
        answered = [q for q in scored if per[base][q]["total"] > 0]
        if answered:
            lines.append(f"- on the {len(answered)} averaged queries where {base} returns something, mean nDCG@10 / "
                         "P@10: " + "; ".join(
                             f"{n} {sum(per[n][q]['ndcg10'] for q in answered) / len(answered):.3f} / "
                             f"{sum(per[n][q]['p10'] for q in answered) / len(answered):.3f}" for n in names))
        lines.append("")
    md = "\n".join(lines)
    with open(os.path.join(out_dir, "results.md"), "w", encoding="utf-8") as f:
        f.write(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
