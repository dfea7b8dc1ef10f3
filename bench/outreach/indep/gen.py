#!/usr/bin/env python3
"""An independent district generator for bench/outreach (issue 13: "the plan is also judged on districts from
generators we did not write").

Written only from docs/data-format.md (the interchange format) and the domain notes ("Prevention in practice",
fraud types, who is at risk); it shares no code or parameters with datasets/src/generate. See README.md here for
what it assumes.

Usage: gen.py OUT_DIR [--preset contacts|youth|thin|all] [--seeds 1,2] [--residents 20000] [--weeks 52]

Writes OUT_DIR/<preset>-seed<k>/ with residents.csv, reports.csv, contacts.csv, content.csv, staff.csv,
outreach.csv and truth/{resident_risk.csv, resident_loss.csv, start.txt, README.md}.
"""

import argparse
import csv
import datetime as dt
import math
import os

import numpy as np

TRUTH_WEEKS = 8
CHANNELS = ["sms", "call", "visit", "lecture"]
# Own age bands (not the engine's): children, young adults, adults, late middle age, young old, old old.
BANDS = [(5, 17), (18, 29), (30, 44), (45, 59), (60, 74), (75, 95)]
NB = len(BANDS)

# Loss per case by type: lognormal (median yuan, sigma). Our own rounding of the domain notes' table, with the
# types the notes leave out filled in by us.
LOSS = {
    "order_brushing": (18000, 1.1),
    "fake_investment": (90000, 1.4),
    "fake_loan": (7000, 0.9),
    "fake_customer_service": (25000, 1.1),
    "impersonate_police": (140000, 1.2),
    "fake_shopping": (2500, 0.9),
    "fake_credit": (25000, 1.0),
    "impersonate_acquaintance": (45000, 1.1),
    "romance": (70000, 1.4),
    "game_trading": (3000, 0.9),
    "elder_products": (15000, 1.1),
    "elder_investment": (60000, 1.3),
    "elder_service": (20000, 1.0),
    "house_pension": (300000, 1.0),
    "other": (10000, 1.2),
}
TYPES = list(LOSS)
TYPE_ZH = {
    "order_brushing": "刷单返利", "fake_investment": "虚假投资理财", "fake_loan": "虚假网络贷款",
    "fake_customer_service": "冒充电商物流客服", "impersonate_police": "冒充公检法", "fake_shopping": "虚假购物服务",
    "fake_credit": "虚假征信", "impersonate_acquaintance": "冒充领导熟人", "romance": "网络婚恋交友",
    "game_trading": "网络游戏产品虚假交易", "elder_products": "养老产品", "elder_investment": "养老项目投资",
    "elder_service": "养老服务", "house_pension": "以房养老", "other": "其他",
}

# Which ages a fraud type goes for (relative, by band) — used both to pick a gang's targets and, scaled, as the
# susceptibility of a contacted resident to that type.
TYPE_AGE = {
    "order_brushing": [0.2, 3.0, 2.0, 0.8, 0.3, 0.1],
    "fake_loan": [0.0, 3.0, 2.0, 0.8, 0.2, 0.1],
    "game_trading": [2.0, 2.5, 0.5, 0.1, 0.0, 0.0],
    "fake_shopping": [0.8, 2.0, 1.5, 1.0, 0.5, 0.2],
    "fake_customer_service": [0.1, 1.5, 1.5, 1.2, 0.8, 0.4],
    "fake_credit": [0.0, 2.0, 1.5, 0.6, 0.2, 0.1],
    "fake_investment": [0.0, 0.8, 1.5, 1.8, 1.4, 0.8],
    "romance": [0.0, 1.5, 1.8, 1.2, 0.8, 0.3],
    "impersonate_police": [0.0, 0.6, 0.8, 1.2, 1.8, 2.2],
    "impersonate_acquaintance": [0.0, 0.5, 1.0, 1.2, 1.5, 2.0],
    "elder_products": [0.0, 0.0, 0.1, 0.5, 2.5, 3.0],
    "elder_investment": [0.0, 0.0, 0.1, 0.6, 2.5, 2.0],
    "elder_service": [0.0, 0.0, 0.0, 0.3, 2.0, 3.0],
    "house_pension": [0.0, 0.0, 0.0, 0.2, 1.5, 3.0],
    "other": [0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
}

# Presets: deliberately different risk structures, channel effects and reach.
PRESETS = {
    # Risk comes almost all from being on a gang's calling list (contacts from fraud numbers); age matters little
    # for susceptibility. SMS is nearly useless, visits work well; the young rarely answer calls or open the door.
    "contacts": dict(
        age_mix=[0.10, 0.20, 0.26, 0.22, 0.15, 0.07],
        gang_types={"fake_customer_service": 3, "impersonate_police": 3, "fake_investment": 2, "order_brushing": 2,
                    "fake_credit": 1, "impersonate_acquaintance": 1},
        type_weight_in_targeting=0.25,  # gangs buy leaked lists: age barely matters for who gets called
        susc_age=[0.2, 1.0, 1.0, 1.0, 1.1, 1.2],
        contact_share=0.88,
        base_age=[0.1, 1.0, 1.0, 1.0, 1.0, 1.0],
        base_types={"fake_shopping": 2, "romance": 1, "other": 1},
        lives_alone_factor=1.2,
        app_factor=0.8,
        eff=dict(sms=0.02, call=0.25, visit=0.55, lecture=0.10),
        reach=dict(sms=[0.9, 0.95, 0.95, 0.95, 0.9, 0.85], call=[0.2, 0.3, 0.4, 0.55, 0.75, 0.8],
                   visit=[0.4, 0.3, 0.45, 0.6, 0.85, 0.9], lecture=[0.05, 0.1, 0.15, 0.3, 0.5, 0.4]),
        half_life_days=14,
        routine_per_week=600,
        holdout_share=0.10,
        warn_prob=0.5,
        loss_age=[0.3, 0.8, 1.0, 1.2, 1.5, 1.7],
    ),
    # Young adults are the victims (order brushing, fake loans, game trading), mostly through apps and WeChat
    # (not in contacts.csv); an installed anti-fraud app halves it. SMS works and reaches them; visits and
    # lectures do little. The old answer calls less than the young here (unknown numbers), but open the door.
    "youth": dict(
        age_mix=[0.08, 0.36, 0.30, 0.14, 0.08, 0.04],
        gang_types={"order_brushing": 4, "fake_loan": 3, "game_trading": 2, "fake_shopping": 1, "fake_credit": 1},
        type_weight_in_targeting=1.0,
        susc_age=[0.6, 1.6, 1.0, 0.5, 0.3, 0.2],
        contact_share=0.30,
        base_age=[0.8, 3.5, 1.4, 0.4, 0.15, 0.1],
        base_types={"order_brushing": 4, "fake_loan": 2, "game_trading": 2, "romance": 1, "fake_shopping": 2},
        lives_alone_factor=1.0,
        app_factor=0.5,
        eff=dict(sms=0.25, call=0.15, visit=0.10, lecture=0.03),
        reach=dict(sms=[0.95, 0.97, 0.97, 0.95, 0.9, 0.8], call=[0.5, 0.7, 0.65, 0.5, 0.35, 0.25],
                   visit=[0.3, 0.2, 0.3, 0.5, 0.8, 0.9], lecture=[0.3, 0.05, 0.05, 0.15, 0.4, 0.3]),
        half_life_days=28,
        routine_per_week=600,
        holdout_share=0.10,
        warn_prob=0.3,
        loss_age=[0.3, 0.9, 1.1, 1.2, 1.3, 1.3],
    ),
    # An old district, risk steep in age and living alone, large losses; outreach history is thin (a tenth of the
    # campaigns, few warnings): whatever is estimated from it is noisy. Calls and visits work, SMS barely.
    "thin": dict(
        age_mix=[0.08, 0.12, 0.15, 0.20, 0.27, 0.18],
        gang_types={"impersonate_police": 3, "elder_products": 3, "elder_investment": 2, "house_pension": 1,
                    "impersonate_acquaintance": 2, "fake_investment": 1},
        type_weight_in_targeting=1.0,
        susc_age=[0.1, 0.3, 0.5, 0.9, 2.0, 3.0],
        contact_share=0.60,
        base_age=[0.0, 0.3, 0.4, 0.8, 2.0, 3.0],
        base_types={"elder_products": 3, "elder_service": 2, "elder_investment": 1, "romance": 1},
        lives_alone_factor=2.5,
        app_factor=0.85,
        eff=dict(sms=0.04, call=0.35, visit=0.45, lecture=0.20),
        reach=dict(sms=[0.9, 0.95, 0.95, 0.9, 0.8, 0.6], call=[0.3, 0.4, 0.5, 0.65, 0.8, 0.75],
                   visit=[0.5, 0.3, 0.4, 0.6, 0.85, 0.9], lecture=[0.05, 0.05, 0.1, 0.3, 0.55, 0.45]),
        half_life_days=21,
        routine_per_week=60,
        holdout_share=0.10,
        warn_prob=0.02,
        loss_age=[0.3, 0.8, 1.0, 1.3, 1.8, 2.4],
    ),
}

START = dt.date(2025, 3, 3)  # a Monday; week 0 starts here (Beijing midnight)
DISTRICT = "440305"
OTHER_DISTRICTS = ["110105", "310115", "330106", "510107", "420106", "350203"]
COMMUNITIES = ["桃源社区", "粤海社区", "南头社区", "蛇口社区", "招商社区", "沙河社区", "西丽社区", "南山社区",
               "前海社区", "华侨城社区"]
GRIDS_PER_COMMUNITY = 4
# Per delivery staff minutes we assume; the format leaves the unit of a lecture open (we count per attendee).
CONTENT = [
    ("M01", "刷单就是诈骗", "sms_text", "order_brushing;fake_loan", "youth", "sms", 1, "zh"),
    ("M02", "公检法不会电话办案", "sms_text", "impersonate_police", "all", "sms", 1, "zh"),
    ("M03", "客服退款先核实", "sms_text", "fake_customer_service;fake_shopping", "all", "sms;app_push", 1, "zh"),
    ("M04", "防骗提醒（粤语）", "sms_text", "", "all", "sms", 1, "yue"),
    ("M05", "来电劝阻话术", "call_script", "impersonate_police;fake_investment;fake_customer_service", "all", "call",
     7, "zh"),
    ("M06", "网贷征信话术", "call_script", "fake_loan;fake_credit;order_brushing", "youth", "call", 6, "zh"),
    ("M07", "养老诈骗话术", "call_script", "elder_products;elder_investment;house_pension;elder_service", "elderly",
     "call", 8, "zh"),
    ("M08", "上门走访防骗手册", "leaflet", "", "all", "visit;leaflet", 30, "zh"),
    ("M09", "老人防骗上门宣讲", "comic", "elder_products;impersonate_police;impersonate_acquaintance", "elderly",
     "visit", 35, "zh"),
    ("M10", "社区防骗小品", "skit", "impersonate_police;elder_products;romance", "elderly", "lecture", 4, "zh"),
    ("M11", "青年防骗讲座", "lecture", "order_brushing;game_trading;fake_loan", "youth", "lecture", 3, "zh"),
    ("M12", "防骗讲座（粤语）", "lecture", "", "all", "lecture", 4, "yue"),
]
CONTENT_BY_CHANNEL = {"sms": ["M01", "M02", "M03"], "call": ["M05", "M06", "M07"], "visit": ["M08", "M09"],
                      "lecture": ["M10", "M11"]}


def ts(date0, seconds):
    """Beijing-time 'YYYY-MM-DD HH:MM:SS' (one of the forms the format accepts) of seconds after week 0."""
    t = dt.datetime.combine(date0, dt.time()) + dt.timedelta(seconds=int(seconds))
    return t.strftime("%Y-%m-%d %H:%M:%S")


def weights(d):
    keys = list(d)
    w = np.array([d[k] for k in keys], dtype=float)
    return keys, w / w.sum()


class Phones:
    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def mobile(self, prefixes=("13", "15", "18", "19", "17")):
        while True:
            pre = str(self.rng.choice(prefixes))
            p = pre + "".join(str(x) for x in self.rng.integers(0, 10, 11 - len(pre)))
            if p not in self.used:
                self.used.add(p)
                return p

    def fraud(self):
        k = self.rng.random()
        if k < 0.45:
            return self.mobile(("170", "171", "165", "167"))
        if k < 0.75:
            return "0" + str(self.rng.choice([20, 21, 755, 571, 592])) + "".join(
                str(x) for x in self.rng.integers(0, 10, 8))
        return "+852" + "".join(str(x) for x in self.rng.integers(0, 10, 8))


def written(phone, rng):
    """How a victim writes a number in a report: sometimes with spaces or a +86 prefix."""
    if len(phone) == 11 and phone[0] == "1":
        r = rng.random()
        if r < 0.1:
            return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        if r < 0.15:
            return "+86-" + phone
    return phone


def generate(out, preset_name, seed, n, weeks):
    P = PRESETS[preset_name]
    rng = np.random.default_rng([seed, sum(map(ord, preset_name))])
    os.makedirs(os.path.join(out, "truth"), exist_ok=True)
    phones = Phones(rng)
    year = START.year

    # ---- residents
    band = rng.choice(NB, size=n, p=np.array(P["age_mix"]) / sum(P["age_mix"]))
    age = np.array([rng.integers(BANDS[b][0], BANDS[b][1] + 1) for b in band])
    birth_year = year - age
    gender = rng.choice(["m", "f"], size=n)
    comm = rng.integers(0, len(COMMUNITIES), n)
    grid_ix = rng.integers(0, GRIDS_PER_COMMUNITY, n)
    grid = [f"{COMMUNITIES[c][:2]}-G{g + 1}" for c, g in zip(comm, grid_ix)]
    alone_p = np.where(band >= 4, 0.28, np.where(band == 0, 0.0, 0.08))
    alone = rng.random(n) < alone_p
    phone_p = np.array([0.6, 0.99, 0.99, 0.97, 0.88, 0.7])[band]
    has_phone = rng.random(n) < phone_p
    phone = [phones.mobile() if h else "" for h in has_phone]
    app_p = np.array([0.2, 0.55, 0.45, 0.3, 0.15, 0.05])[band]
    app = rng.random(n) < app_p
    language = np.where(rng.random(n) < 0.15, "yue", "zh")
    ids = [f"N{seed}{i:06d}" for i in range(n)]
    frailty = rng.lognormal(-0.125, 0.5, n)  # hidden individual susceptibility, mean 1
    exposure = rng.lognormal(-0.5, 1.0, n)  # hidden: how many leaked lists one is on
    wealth = rng.lognormal(-0.18, 0.6, n)  # hidden: scales a case's loss
    indiv = frailty * np.where(alone, P["lives_alone_factor"], 1.0) * np.where(app, P["app_factor"], 1.0)

    # ---- gangs (independent of outreach): type, active weeks, numbers, targets, contact rate
    gtypes, gw = weights(P["gang_types"])
    gangs = []
    for w in range(weeks):
        for _ in range(rng.poisson(4.0)):
            t = gtypes[rng.choice(len(gtypes), p=gw)]
            dur = int(rng.integers(2, 9))
            size = int(rng.integers(60, 400))
            tw = np.array(TYPE_AGE[t])[band] ** P["type_weight_in_targeting"]
            wt = tw * exposure * has_phone
            targets = rng.choice(n, size=size, replace=False, p=wt / wt.sum())
            nums = [phones.fraud() for _ in range(int(rng.integers(2, 7)))]
            cards = ["6" + "".join(str(x) for x in rng.integers(0, 10, 18)) for _ in range(int(rng.integers(1, 4)))]
            gangs.append(dict(t=t, start=w, end=min(weeks, w + dur), nums=nums, cards=cards, targets=targets,
                              rate=float(rng.uniform(0.3, 1.2))))

    # Susceptibility per type (by band), hidden individual factor on top.
    susc = {t: np.array(TYPE_AGE[t])[band] ** 0.5 * np.array(P["susc_age"])[band] * indiv for t in TYPES}
    btypes, bw = weights(P["base_types"])
    base_w = np.array(P["base_age"])[band] * indiv

    # Calibrate: expected reported local cases = 150 per 10,000 a year, split by the preset's contact share.
    report_rate = 0.9
    target = 150.0 / 10000 * n * weeks / 52 / report_rate * 1.15  # outreach averts some; aim a little high
    hc = sum(g["rate"] * susc[g["t"]][g["targets"]].sum() * (g["end"] - g["start"]) for g in gangs)
    q0 = P["contact_share"] * target / hc
    b0 = (1 - P["contact_share"]) * target / (base_w.sum() * weeks)
    base_h = b0 * base_w  # weekly hazard from outside the phone (apps, WeChat, in person)

    eff = P["eff"]
    reach = {c: np.array(P["reach"][c])[band] * (has_phone if c in ("sms", "call") else 1) for c in CHANNELS}
    decay = 0.5 ** (7.0 / P["half_life_days"])
    S = np.zeros(n)  # accumulated protection, -ln(multiplier), decays each week
    pending = np.zeros(n)  # protection that starts next week (warnings, and this week's outreach after the week)
    loss_age = np.array(P["loss_age"])[band]
    hazard_by_type_truth = {t: np.zeros(n) for t in TYPES}
    flagged = {}  # number -> earliest reported_at (s)

    residents_rows, report_rows, contact_rows, outreach_rows, truth_rows = [], [], [], [], []
    for i in range(n):
        residents_rows.append([ids[i], birth_year[i], gender[i], DISTRICT, COMMUNITIES[comm[i]], grid[i],
                               int(alone[i]), phone[i], int(app[i]), language[i]])
    rep_id = [0]
    ev_id = [0]
    ct_id = [0]

    def add_report(at_s, occurred_s, victim, ftype, loss, channel, nums, cards, district, age_v, gender_v):
        rep_id[0] += 1
        rid = f"RP{seed}-{rep_id[0]:06d}"
        narrative = f"受害人遭遇{TYPE_ZH[ftype]}，" + ("对方来电/短信诱导转账。" if channel in ("call", "sms") else
                                                   "对方通过网络联系诱导转账。")
        report_rows.append([rid, ts(START, at_s), ts(START, occurred_s), district,
                            COMMUNITIES[comm[victim]] if victim is not None else "",
                            ids[victim] if victim is not None else "", age_v, gender_v, ftype,
                            f"{loss:.2f}" if loss else "", channel, rng.choice(["received", "filed", "solved"]),
                            narrative, ";".join(nums), ";".join(cards), "", "", ""])
        for num in nums:
            key = num.replace(" ", "").replace("+86-", "")
            if key not in flagged or flagged[key] > at_s:
                flagged[key] = at_s

    # Non-local reports naming gang numbers (the national platform shares them), known ahead of the loop.
    for g in gangs:
        for w in range(g["start"], g["end"]):
            for _ in range(rng.poisson(1.5)):
                at = (w * 7 + rng.uniform(0.5, 7)) * 86400
                nums = list(rng.choice(g["nums"], size=min(len(g["nums"]), int(rng.integers(1, 3))), replace=False))
                add_report(at, at - rng.uniform(3600, 3 * 86400), None, g["t"],
                           rng.lognormal(math.log(LOSS[g["t"]][0]), LOSS[g["t"]][1]),
                           rng.choice(["call", "sms"]), nums, g["cards"][:1],
                           rng.choice(OTHER_DISTRICTS), int(rng.integers(18, 85)), rng.choice(["m", "f"]))

    outside_pool = [phones.mobile() for _ in range(3000)] + ["95588", "95533", "10086", "4008001234"]
    first_truth = weeks - TRUTH_WEEKS
    for w in range(weeks):
        w0 = w * 7 * 86400
        S = S * decay + pending
        pending = np.zeros(n)
        m = np.exp(-S)
        # This week's contact hazard per resident, with the gang behind each share.
        active = [g for g in gangs if g["start"] <= w < g["end"]]
        hcon = np.zeros(n)
        for g in active:
            np.add.at(hcon, g["targets"], g["rate"] * q0 * susc[g["t"]][g["targets"]])
        h_none = (hcon + base_h)  # before outreach; the per-contact success is q0*susc*m*(1-eff)
        if w >= first_truth:
            r_none = 1 - np.exp(-h_none * m)
            row = [r_none]
            for c in CHANNELS:
                r_c = reach[c] * (1 - np.exp(-h_none * m * (1 - eff[c]))) + (1 - reach[c]) * r_none
                row.append(r_c)
            for i in range(n):
                truth_rows.append([ids[i], w] + [f"{x[i]:.8f}" for x in row])
            for g in active:
                np.add.at(hazard_by_type_truth[g["t"]], g["targets"], g["rate"] * q0 * susc[g["t"]][g["targets"]])
            for t, p in zip(btypes, bw):
                hazard_by_type_truth[t] += base_h * p

        # The district's routine campaign this week: its own heuristic (old and alone first), 10% held out.
        pw = np.where(band >= 4, 3.0, 1.0) * np.where(alone, 2.0, 1.0) * np.where(band == 0, 0.1, 1.0)
        k = int(rng.poisson(P["routine_per_week"]))
        chosen = rng.choice(n, size=k, replace=False, p=pw / pw.sum())
        factor = np.ones(n)  # this week's multiplier from this week's outreach (applied to the whole week)
        for i in chosen:
            c = rng.choice(CHANNELS, p=[0.45, 0.3, 0.15, 0.1])
            if c in ("sms", "call") and not has_phone[i]:
                c = "visit"
            at = w0 + rng.uniform(0, 5) * 86400 + rng.uniform(9, 18) * 3600
            held = rng.random() < P["holdout_share"]
            ev_id[0] += 1
            cid = rng.choice(CONTENT_BY_CHANNEL[c])
            if held:
                outreach_rows.append([f"EV{ev_id[0]:07d}", ids[i], cid, c, "", ts(START, at), "held_out", 1])
                continue
            got = rng.random() < reach[c][i]
            if c == "sms":
                oc = "delivered" if got else "failed"
            elif c == "call":
                oc = "reached" if got else rng.choice(["no_answer", "no_answer", "refused"])
            elif c == "visit":
                oc = "reached" if got else "not_home"
            else:
                oc = "delivered" if got else "failed"
            staff = f"ST{comm[i] + 1:02d}"
            outreach_rows.append([f"EV{ev_id[0]:07d}", ids[i], cid, c, staff, ts(START, at), oc, 0])
            if got:
                factor[i] *= 1 - eff[c]
                # Next week on, the protection decays from its day.
                pending[i] += -math.log(1 - eff[c]) * 0.5 ** ((w0 + 7 * 86400 - at) / 86400 / P["half_life_days"])
        mf = m * factor

        # Gang contacts, each may victimise with q0*susc*m*factor (Poisson thinning: consistent with the truth).
        victims_this_week = set()
        for g in active:
            cnt = rng.poisson(g["rate"], size=len(g["targets"]))
            for i, c in zip(g["targets"], cnt):
                for _ in range(c):
                    at = w0 + rng.integers(0, 7) * 86400 + rng.choice([rng.uniform(8, 11.5), rng.uniform(14, 17.5),
                                                                        rng.uniform(19, 21.5)]) * 3600
                    num = g["nums"][rng.integers(len(g["nums"]))]
                    kind = "call" if rng.random() < 0.7 else "sms"
                    ct_id[0] += 1
                    contact_rows.append([f"CT{ct_id[0]:08d}", num, phone[i], ts(START, at), kind,
                                         int(rng.exponential(120)) if kind == "call" else ""])
                    # A warning (预警劝阻) when the number was reported before the contact: a call within hours,
                    # never held out; its protection starts next week.
                    if num in flagged and flagged[num] <= at and rng.random() < P["warn_prob"]:
                        wat = at + rng.uniform(0.05, 20) * 3600
                        got = rng.random() < reach["call"][i]
                        ev_id[0] += 1
                        outreach_rows.append([f"EV{ev_id[0]:07d}", ids[i], "M05", "call", f"ST{comm[i] + 1:02d}",
                                              ts(START, wat), "reached" if got else "no_answer", 0])
                        if got:
                            pending[i] += -math.log(1 - eff["call"])
                    if i in victims_this_week:
                        continue
                    if rng.random() < q0 * susc[g["t"]][i] * mf[i]:
                        victims_this_week.add(i)
                        if rng.random() < report_rate:
                            loss = wealth[i] * loss_age[i] * rng.lognormal(math.log(LOSS[g["t"]][0]),
                                                                           LOSS[g["t"]][1])
                            nums = [written(num, rng)] + (["95588"] if rng.random() < 0.02 else [])
                            add_report(at + rng.exponential(1.5) * 86400 + 1800, at, i, g["t"], loss, kind, nums,
                                       [g["cards"][rng.integers(len(g["cards"]))]], DISTRICT, int(age[i]),
                                       gender[i])
        # Cases from outside the phone (apps, WeChat, in person).
        pb = 1 - np.exp(-base_h * mf)
        for i in np.nonzero(rng.random(n) < pb)[0]:
            if i in victims_this_week:
                continue
            victims_this_week.add(i)
            if rng.random() < report_rate:
                t = btypes[rng.choice(len(btypes), p=bw)]
                at = w0 + rng.uniform(0, 7) * 86400
                loss = wealth[i] * loss_age[i] * rng.lognormal(math.log(LOSS[t][0]), LOSS[t][1])
                card = "6" + "".join(str(x) for x in rng.integers(0, 10, 18))
                add_report(at + rng.exponential(2.0) * 86400 + 1800, at, i, t, loss,
                           rng.choice(["wechat", "app", "social_media", "qq"]), [], [card], DISTRICT, int(age[i]),
                           gender[i])
        # Ordinary contacts: other residents, shops, banks' hotlines.
        for i in np.nonzero(has_phone & (rng.random(n) < 0.35))[0]:
            at = w0 + rng.uniform(0, 7) * 86400
            r = rng.random()
            src = phone[rng.integers(n)] if r < 0.5 else outside_pool[rng.integers(len(outside_pool))]
            if not src or src == phone[i]:
                continue
            kind = "call" if rng.random() < 0.6 else "sms"
            ct_id[0] += 1
            contact_rows.append([f"CT{ct_id[0]:08d}", src, phone[i], ts(START, at), kind,
                                 int(rng.exponential(90)) if kind == "call" else ""])

    # Expected loss of a case of each resident: its truth weeks' type shares × type means × wealth × age.
    tot = sum(hazard_by_type_truth.values())
    mean_t = {t: LOSS[t][0] * math.exp(LOSS[t][1] ** 2 / 2) for t in TYPES}
    mix_mean = sum(hazard_by_type_truth[t] * mean_t[t] for t in TYPES) / np.where(tot > 0, tot, 1)
    fallback = sum(p * mean_t[t] for t, p in zip(btypes, bw))
    mix_mean = np.where(tot > 0, mix_mean, fallback)
    exp_loss = wealth * loss_age * mix_mean

    def write(name, header, rows):
        with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
            wr = csv.writer(f)
            wr.writerow(header)
            wr.writerows(rows)

    write("residents.csv", ["resident_id", "birth_year", "gender", "district", "community", "grid", "lives_alone",
                            "phones", "antifraud_app", "language"], residents_rows)
    report_rows.sort(key=lambda r: r[1])
    write("reports.csv", ["report_id", "reported_at", "occurred_at", "district", "community", "victim_id",
                          "victim_age", "victim_gender", "fraud_type", "loss_yuan", "contact_channel", "status",
                          "narrative", "phones", "accounts", "urls", "apps", "im_ids"], report_rows)
    write("contacts.csv", ["contact_id", "from_phone", "to_phone", "at", "kind", "duration_s"], contact_rows)
    write("content.csv", ["content_id", "title", "format", "fraud_types", "audience", "channels", "minutes",
                          "language"], CONTENT)
    staff_rows = []
    for c in range(len(COMMUNITIES)):
        g = ";".join(f"{COMMUNITIES[c][:2]}-G{k + 1}" for k in range(GRIDS_PER_COMMUNITY))
        staff_rows.append([f"ST{c + 1:02d}", f"民警{c + 1}", g, int(rng.integers(600, 1500)), "mon-fri 09:00-18:00"])
        staff_rows.append([f"SW{c + 1:02d}", f"社工{c + 1}", g, int(rng.integers(300, 900)), ""])
    write("staff.csv", ["staff_id", "name", "grids", "minutes_per_week", "duty"], staff_rows)
    write("outreach.csv", ["event_id", "resident_id", "content_id", "channel", "staff_id", "at", "outcome",
                           "holdout"], outreach_rows)
    write("truth/resident_risk.csv", ["resident_id", "week", "risk_none", "risk_sms", "risk_call", "risk_visit",
                                      "risk_lecture"], truth_rows)
    write("truth/resident_loss.csv", ["resident_id", "expected_loss_yuan"],
          [[ids[i], f"{exp_loss[i]:.2f}"] for i in range(n)])
    with open(os.path.join(out, "truth/start.txt"), "w") as f:
        f.write(START.isoformat() + "\n")
    with open(os.path.join(out, "truth/README.md"), "w") as f:
        f.write(f"Independent district, preset {preset_name}, seed {seed}: see bench/outreach/indep/README.md.\n"
                f"Week w starts {START.isoformat()} + 7w days (Beijing midnight); truth for weeks "
                f"{first_truth}..{weeks - 1}.\n")
    local = sum(1 for r in report_rows if r[5])
    return dict(residents=n, reports=len(report_rows), local_cases=local, contacts=len(contact_rows),
                outreach=len(outreach_rows), held_out=sum(1 for r in outreach_rows if r[7] == 1),
                per_10k_year=local / n * 10000 * 52 / weeks,
                truth_mean_risk_none=float(np.mean([float(r[2]) for r in truth_rows if r[1] == first_truth])))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", default="all")
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--residents", type=int, default=20000)
    ap.add_argument("--weeks", type=int, default=52)
    a = ap.parse_args()
    presets = list(PRESETS) if a.preset == "all" else a.preset.split(",")
    for p in presets:
        for s in [int(x) for x in a.seeds.split(",")]:
            d = os.path.join(a.out, f"{p}-seed{s}")
            stats = generate(d, p, s, a.residents, a.weeks)
            print(d, stats, flush=True)


if __name__ == "__main__":
    main()
