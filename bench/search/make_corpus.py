#!/usr/bin/env python3
"""Builds the search benchmark corpus: N narratives recombined from generated reports, plus the CAIL texts.

usage: make_corpus.py N OUT.jsonl SEED REPORTS.csv [REPORTS.csv ...] [--cail DIR]

Each output narrative takes its sentences (split at 。！？) from 2-4 generated reports of one fraud type, in
order; every digit run of 8+ digits (phones, cards, written with spaces/dashes or not) gets new digits that keep
its written form, its first 3-6 digits and (for cards) a valid Luhn check digit. The same source identifier in one
narrative gets the same new digits. Fields: id, text, type, district, date (YYYY-MM-DD), loss (fen). CAIL lines
get id cail-f-N / cail-o-N, type = first accusation, no district/date/loss.
"""
import csv, json, random, re, sys, hashlib, datetime, os

DIGITS = re.compile(r"\d(?:[\d \-]*\d)?")
SPLIT = re.compile(r"(?<=[。！？])")


def luhn_fix(d):
    total = 0
    for i, c in enumerate(reversed(d[:-1])):
        v = int(c)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return d[:-1] + str((10 - total % 10) % 10)


def new_digits(d, salt):
    keep = 3 if (len(d) == 11 and d[0] == "1") else 4 if d[0] == "0" else 6
    h = hashlib.blake2b((d + "|" + salt).encode(), digest_size=16).hexdigest()
    fresh = "".join(str(int(h[i], 16) % 10) for i in range(len(d) - keep))
    out = d[:keep] + fresh
    if len(d) >= 15 and d[0] in "456":
        out = luhn_fix(out)
    return out


def recode(text, salt):
    def sub(m):
        s = m.group(0)
        d = re.sub(r"\D", "", s)
        if len(d) < 8:
            return s
        nd = iter(new_digits(d, salt))
        return "".join(next(nd) if c.isdigit() else c for c in s)
    return DIGITS.sub(sub, text)


def main():
    args = sys.argv[1:]
    cail = None
    if "--cail" in args:
        i = args.index("--cail")
        cail = args[i + 1]
        del args[i : i + 2]
    n, out, seed, files = int(args[0]), args[1], int(args[2]), args[3:]
    rng = random.Random(seed)
    by_type = {}
    types, districts = [], []
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                sents = [s for s in SPLIT.split(r["narrative"]) if s]
                by_type.setdefault(r["fraud_type"], []).append((sents, float(r["loss_yuan"] or 0)))
                types.append(r["fraud_type"])
                districts.append(r["district"])
    start = datetime.date(2024, 1, 1).toordinal()
    span = datetime.date(2026, 11, 27).toordinal() - start
    groups = max(1, n // 2000)  # identifier reuse: the same source number in the same group gets the same digits
    with open(out, "w", encoding="utf-8") as w:
        for k in range(n):
            t = rng.choice(types)
            pool = by_type[t]
            srcs = [rng.choice(pool) for _ in range(rng.randint(2, 4))]
            shape = srcs[0][0]
            sents = [srcs[i % len(srcs)][0][i] if i < len(srcs[i % len(srcs)][0]) else shape[i] for i in range(len(shape))]
            text = recode("".join(sents), str(rng.randrange(groups)))
            loss = int(srcs[0][1] * 100 * rng.lognormvariate(0, 0.5))
            day = datetime.date.fromordinal(start + rng.randrange(span)).isoformat()
            w.write(json.dumps({"id": f"N{k:07d}", "text": text, "type": t, "district": rng.choice(districts),
                                "date": day, "loss": loss}, ensure_ascii=False) + "\n")
        if cail:
            for name, tag in (("fraud_cases.jsonl", "f"), ("other_cases.jsonl", "o")):
                with open(os.path.join(cail, name), encoding="utf-8") as fh:
                    for i, line in enumerate(fh):
                        v = json.loads(line)
                        acc = (v.get("meta", {}).get("accusation") or [""])[0]
                        w.write(json.dumps({"id": f"cail-{tag}-{i + 1}", "text": v["fact"], "type": acc},
                                           ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
