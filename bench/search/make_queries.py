#!/usr/bin/env python3
"""Derives the benchmark query workload from the corpus, mechanically.

usage: make_queries.py CORPUS.jsonl N SEED OUT.jsonl

Kinds (shares): term 30% (a random 2+ character Han word of a random document, as python jieba segments it),
phrase 25% (2-3 consecutive Han words, quoted), filter 25% (a word plus the document's type and a ±60-day date
window around its date), ident 20% (a phone or card number found in a document, rewritten in another written
form: `+86 138 0013 8000`, `6222 0212 3456 7890 128`). Each line: kind, q (fanzha syntax), words (what the peers
search: the jieba words, or the identifier's bare digits), type, from, to.
"""
import json, random, re, sys, datetime
import jieba

HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$")
NUM = re.compile(r"\d(?:[\d \-]*\d)?")


def main():
    corpus, n, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    with open(corpus, encoding="utf-8") as f:
        lines = f.readlines()
    jieba.setLogLevel(60)
    kinds = ["term"] * 30 + ["phrase"] * 25 + ["filter"] * 25 + ["ident"] * 20
    made = 0
    with open(out, "w", encoding="utf-8") as w:
        while made < n:
            kind = kinds[made % len(kinds)]
            doc = json.loads(rng.choice(lines))
            words = list(jieba.cut(doc["text"]))
            han = [x for x in words if HAN.match(x)]
            rec = {"kind": kind}
            if kind in ("term", "filter"):
                if not han:
                    continue
                word = rng.choice(han)
                rec.update(q=word, words=[word])
                if kind == "filter":
                    if "date" not in doc:
                        continue
                    d = datetime.date.fromisoformat(doc["date"])
                    rec.update(type=doc["type"], **{"from": (d - datetime.timedelta(days=60)).isoformat(),
                                                   "to": (d + datetime.timedelta(days=60)).isoformat()})
            elif kind == "phrase":
                runs = [i for i in range(len(words) - 1) if HAN.match(words[i]) and HAN.match(words[i + 1])]
                if not runs:
                    continue
                i = rng.choice(runs)
                k = 3 if i + 2 < len(words) and HAN.match(words[i + 2]) and rng.random() < 0.5 else 2
                ws = words[i : i + k]
                rec.update(q='"' + "".join(ws) + '"', words=ws)
            else:
                nums = []
                for m in NUM.finditer(doc["text"]):
                    d = re.sub(r"\D", "", m.group(0))
                    if not d.isascii():
                        continue
                    if len(d) == 11 and d[0] == "1":
                        nums.append(("phone", d))
                    elif 16 <= len(d) <= 19 and d[0] in "456":
                        nums.append(("card", d))
                if not nums:
                    continue
                what, d = rng.choice(nums)
                if what == "phone":
                    q = f"+86 {d[:3]} {d[3:7]} {d[7:]}"
                else:
                    q = " ".join(d[i : i + 4] for i in range(0, len(d), 4))
                rec.update(q=q, words=[d])
            w.write(json.dumps(rec, ensure_ascii=False) + "\n")
            made += 1


if __name__ == "__main__":
    main()
