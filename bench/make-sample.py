#!/usr/bin/env python3
"""Writes a synthetic interchange folder of small valid rows for benchmarking `fanzha ingest`.

Usage: bench/make-sample.py OUT_DIR [ROWS]   (ROWS in all, default 200000: 60% residents, 30% reports,
10% transfers). Deterministic; not the real generator (that is `fanzha generate`).
"""
import csv
import os
import random
import sys

out = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
rng = random.Random(1)
os.makedirs(out, exist_ok=True)
n_res, n_rep = rows * 6 // 10, rows * 3 // 10
n_tr = rows - n_res - n_rep
communities = ["花木街道", "洋泾街道", "陆家嘴街道", "金杨新村街道", "潍坊新村街道", "塘桥街道"]
types = ["刷单返利", "虚假投资理财", "虚假网络贷款", "冒充电商物流客服", "冒充公检法", "网络婚恋交友"]


def writer(name, header):
    f = open(os.path.join(out, name), "w", newline="", encoding="utf-8")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    return f, w


f, w = writer("residents.csv", ["resident_id", "birth_year", "gender", "district", "community", "grid",
                                "lives_alone", "phones", "antifraud_app", "language"])
for i in range(n_res):
    w.writerow([f"P{i:07d}", rng.randint(1930, 2008), rng.choice("mf"), "310115", rng.choice(communities),
                f"G{rng.randint(1, 60):02d}", rng.randint(0, 1), f"139{i:08d}", rng.randint(0, 1), "zh"])
f.close()
f, w = writer("reports.csv", ["report_id", "reported_at", "district", "community", "victim_id", "fraud_type",
                              "loss_yuan", "narrative", "phones"])
for i in range(n_rep):
    day = rng.randint(1, 365)
    w.writerow([f"R{i:07d}", f"2026-{(day - 1) // 31 % 12 + 1:02d}-{(day - 1) % 28 + 1:02d} 10:{i % 60:02d}:00",
                "310115", rng.choice(communities), f"P{rng.randrange(n_res):07d}", rng.choice(types),
                f"{rng.randint(100, 500000)}.{rng.randint(0, 99):02d}", "受害人接到陌生来电后按要求转账，随后发现被骗。",
                f"170{rng.randrange(10**8):08d}"])
f.close()
f, w = writer("transfers.csv", ["transfer_id", "from_account", "to_account", "amount_yuan", "at", "channel",
                                "report_id"])
for i in range(n_tr):
    w.writerow([f"T{i:07d}", f"6222{rng.randrange(10**12):012d}", f"6217{rng.randrange(10**12):012d}",
                rng.randint(1, 100000), f"2026-03-{i % 28 + 1:02d} 11:{i % 60:02d}:00", "bank",
                f"R{rng.randrange(n_rep):07d}"])
f.close()
print(f"wrote {n_res} residents, {n_rep} reports, {n_tr} transfers to {out}")
