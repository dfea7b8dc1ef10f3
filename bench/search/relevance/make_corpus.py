#!/usr/bin/env python3
"""Builds the relevance corpus from the external data: CAIL2018 facts + telecom fraud texts, one JSONL.

usage: make_corpus.py EXTERNAL_DATA_DIR OUT.jsonl

Stable ids (the qrels use them): `cail:fraud:N` / `cail:other:N` (N = 1-based line of fraud_cases.jsonl /
other_cases.jsonl), `telecom:N` (N = 1-based data row of telecom_fraud_texts/texts.csv, header not counted).
Fields: id, text, type (first accusation, or the telecom label with 0 written as 正常短信: what fanzha indexes as
the case type), labels (every CAIL accusation, or the telecom label; used only for judging), source.
"""
import csv, json, os, sys

GENUINE = "正常短信"


def docs(root):
    for name, tag in (("fraud_cases.jsonl", "fraud"), ("other_cases.jsonl", "other")):
        with open(os.path.join(root, "cail2018", name), encoding="utf-8") as f:
            for i, line in enumerate(f, 1):
                v = json.loads(line)
                acc = v.get("meta", {}).get("accusation") or []
                yield {"id": f"cail:{tag}:{i}", "text": v["fact"], "type": acc[0] if acc else "",
                       "labels": acc, "source": "cail"}
    with open(os.path.join(root, "telecom_fraud_texts", "texts.csv"), encoding="utf-8", newline="") as f:
        for i, r in enumerate(csv.DictReader(f), 1):
            label = GENUINE if r["label"].strip() == "0" else r["label"].strip()
            yield {"id": f"telecom:{i}", "text": r["content"], "type": label, "labels": [label], "source": "telecom"}


def main():
    root, out = sys.argv[1], sys.argv[2]
    n = 0
    with open(out, "w", encoding="utf-8") as w:
        for d in docs(root):
            if not d["text"].strip():
                continue
            w.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    print(f"corpus: {n} documents → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
