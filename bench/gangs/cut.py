#!/usr/bin/env python3
"""Makes a district with perturbed amounts: every transfer but the victims' own payments carries LO..HI less.

usage: cut.py DISTRICT_DIR OUT_DIR LO HI [SEED] [--chain]

Without --chain each transfer is cut on its own, so a payout is no longer exactly what arrived but now a little
above, now a little below it. With --chain every card keeps a cut of what it received: a payout is its generated
amount scaled by what the card's arrivals kept so far (cut total / generated total, in time order), less its own
LO..HI cut, so cuts compound along a chain and a payout falls a little below the arrival it passes on.

The other files are linked, not copied. This is how `bench/README.md` checks that matching amounts does not depend
on our generator passing chunks on in full.
"""
import csv
import os
import random
import sys


def main():
    args = [a for a in sys.argv[1:] if a != "--chain"]
    chain = "--chain" in sys.argv[1:]
    src, out, lo, hi = args[0], args[1], float(args[2]), float(args[3])
    rng = random.Random(int(args[4]) if len(args) > 4 else 7)
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(src):
        if name != "transfers.csv" and not os.path.exists(os.path.join(out, name)):
            os.symlink(os.path.abspath(os.path.join(src, name)), os.path.join(out, name))
    with open(os.path.join(src, "transfers.csv"), newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        rows = list(rows)
    report, amount, at = header.index("report_id"), header.index("amount_yuan"), header.index("at")
    frm, to = header.index("from_account"), header.index("to_account")
    # Each account's generated and kept totals received so far (--chain).
    generated, kept = {}, {}
    order = sorted(range(len(rows)), key=lambda i: rows[i][at]) if chain else range(len(rows))
    for i in order:
        row = rows[i]
        fen = round(float(row[amount]) * 100)
        new = fen
        if not row[report]:
            scale = kept[row[frm]] / generated[row[frm]] if chain and generated.get(row[frm]) else 1.0
            new = max(1, int(fen * scale * (1 - lo - (hi - lo) * rng.random())))
            row[amount] = f"{new // 100}.{new % 100:02d}"
        generated[row[to]] = generated.get(row[to], 0) + fen
        kept[row[to]] = kept.get(row[to], 0) + new
    with open(os.path.join(out, "transfers.csv"), "w", newline="") as o:
        w = csv.writer(o, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


if __name__ == "__main__":
    main()
