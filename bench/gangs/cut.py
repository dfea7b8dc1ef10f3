#!/usr/bin/env python3
"""Makes a district with perturbed amounts: every transfer but the victims' own payments carries LO..HI less,
drawn per transfer, so a payout is no longer exactly what arrived but now a little above, now a little below it.

usage: cut.py DISTRICT_DIR OUT_DIR LO HI [SEED]

The other files are linked, not copied. This is how `bench/README.md` checks that matching amounts does not depend
on our generator passing chunks on in full.
"""
import csv
import os
import random
import sys


def main():
    src, out, lo, hi = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 7)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(src):
        if name != "transfers.csv" and not os.path.exists(os.path.join(out, name)):
            os.symlink(os.path.abspath(os.path.join(src, name)), os.path.join(out, name))
    with open(os.path.join(src, "transfers.csv"), newline="") as f, open(
        os.path.join(out, "transfers.csv"), "w", newline=""
    ) as o:
        rows, w = csv.reader(f), csv.writer(o, lineterminator="\n")
        header = next(rows)
        w.writerow(header)
        report = header.index("report_id")
        amount = header.index("amount_yuan")
        for row in rows:
            if not row[report]:
                fen = round(float(row[amount]) * 100)
                fen = max(1, int(fen * (1 - lo - (hi - lo) * rng.random())))
                row[amount] = f"{fen // 100}.{fen % 100:02d}"
            w.writerow(row)


if __name__ == "__main__":
    main()
