#!/usr/bin/env python3
"""Independent synthetic district generator for fanzha's gang-clustering benchmark.

Written only from docs/data-format.md, the domain notes and the scorer's truth format (see README.md next to
this file). Python 3 standard library only; the output is a function of the command line (same --seed, same
switches -> byte-identical files).

    python3 gen.py --out DIR [--seed N] [--preset NAME] [switches...]
    python3 gen.py --list-presets
"""
import argparse
import csv
import datetime as dt
import math
import os
import random
import sys

BJ = dt.timezone(dt.timedelta(hours=8))
DAY = 86400.0
HOUR = 3600.0
MIN = 60.0

DISTRICT = "510107"
OTHER_DISTRICTS = ["440305", "320102", "330106", "350203", "420106", "500103", "610113", "370202", "130104"]

# --------------------------------------------------------------------------------------------------------------
# command line

def parse_range(text, cast=float):
    text = str(text).strip()
    if "-" in text[1:]:
        i = text.index("-", 1)
        lo, hi = cast(text[:i]), cast(text[i + 1:])
    else:
        lo = hi = cast(text)
    if hi < lo:
        lo, hi = hi, lo
    return lo, hi


# The families a preset switches off when it starts from the "plain" base (so each preset stresses one or two).
PLAIN = dict(relays=0.0, otc=0.0, services=0.0, shared_l2=0.0, lone_use_services=False, multi_card_victims=False,
             layers="2-2", commission="0.02-0.035", backer=True, report_delay_days="0-5", revictim=0.0,
             duplicates=0.0, innocent_merchants=0.0, hub_mentions=0.3)

PRESETS = {
    # everything at moderate, realistic levels (same as giving no preset)
    "default": {},
    # no relays / OTC / services, 2-layer own chains: the easy case, a sanity anchor
    "plain": dict(PLAIN),
    # payment-platform relay accounts in front of L1 for many payments, and many lone scammers using them
    "relays": dict(PLAIN, relays=0.5, relay_accounts=3, lone_share=0.3),
    # OTC desks shared by gangs and lone scammers as the last hop
    "otc": dict(PLAIN, otc=0.7, otc_desks=2, lone_share=0.25),
    # laundering services paying back each gang's backer less commission, shared by many gangs
    "services-backer": dict(PLAIN, services=0.7, services_n=3, commission="0.0-0.1", backer=True),
    # services that keep the money (no backer anywhere) and share L2 accounts between services
    "services-keep": dict(PLAIN, services=0.7, services_n=4, commission="0.0-0.1", backer=False, shared_l2=0.4),
    # services with heavily shared L2s, and lone scammers using the same services
    "shared-l2": dict(PLAIN, services=0.6, services_n=5, shared_l2=0.6, lone_use_services=True, lone_share=0.25),
    # deep mule chains (4-5 layers) and victims paying several L1 cards over weeks
    "deep-multicard": dict(PLAIN, layers="4-5", multi_card_victims=True, payment_span_days=35),
    # reports filed weeks after the payments, fast identifier turnover, re-victimised victims
    "late-reports": dict(PLAIN, report_delay_days="7-60", turnover_days=10, revictim=0.06, duplicates=0.04,
                         multi_card_victims=True),
    # big gangs (up to 200 reports), heavy hub mentions, innocent merchants as last hop, busy noise
    "big-gangs-hubs": dict(PLAIN, gang_size_alpha=1.3, hub_mentions=0.9, innocent_merchants=0.5, noise=1.0),
    # every family on at once, at stressing levels
    "kitchen-sink": dict(relays=0.4, otc=0.5, services=0.6, services_n=4, shared_l2=0.5, lone_use_services=True,
                         multi_card_victims=True, layers="1-5", commission="0.0-0.1", backer=True,
                         report_delay_days="0-45", revictim=0.05, duplicates=0.03, innocent_merchants=0.3,
                         hub_mentions=0.7, lone_share=0.25),
}


def build_parser():
    p = argparse.ArgumentParser(description="Independent synthetic fraud district (fanzha interchange format).")
    B = argparse.BooleanOptionalAction
    p.add_argument("--out", help="output folder (created)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--preset", default="default", help="named configuration (see --list-presets)")
    p.add_argument("--list-presets", action="store_true")
    # size and time
    p.add_argument("--residents", type=int, default=50000)
    p.add_argument("--start", default="2026-01-01", help="first day of the simulated period (Beijing time)")
    p.add_argument("--days", type=int, default=182, help="length of the period in days")
    p.add_argument("--reports-per-10k", type=float, default=70.0,
                   help="fraud reports per 10,000 residents over the period (local and national-platform)")
    p.add_argument("--nonlocal-share", type=float, default=0.2,
                   help="share of victims living in other districts (reports arriving via the national platform)")
    p.add_argument("--attempts", type=float, default=0.08, help="share of reports with no loss and no transfers")
    # gangs and lone scammers
    p.add_argument("--lone-share", type=float, default=0.18, help="share of reports from lone scammers (no gang)")
    p.add_argument("--gang-size", default="2-200", help="min-max reports per gang")
    p.add_argument("--gang-size-alpha", type=float, default=2.1, help="power-law exponent of gang sizes")
    p.add_argument("--turnover-days", type=float, default=25.0,
                   help="mean life of a gang's phone / IM id (URLs x2, devices x3, apps x4)")
    p.add_argument("--mention-rate", type=float, default=0.75,
                   help="probability a report names each identifier kind its gang uses")
    p.add_argument("--hub-mentions", type=float, default=0.5,
                   help="probability a report also mentions hub identifiers (95588, 96110, popular apps, big sites)")
    # money
    p.add_argument("--layers", default="1-4", help="min-max mule layers of a gang's own chain (1-5)")
    p.add_argument("--multi-card-victims", action=B, default=True,
                   help="victims pay several L1 cards over days or weeks (off: one L1 card per victim)")
    p.add_argument("--payment-span-days", type=float, default=21.0, help="max spread of a multi-card victim's payments")
    p.add_argument("--relays", type=float, default=0.15,
                   help="share of victims paying through a payment-platform relay account (2088... / merchant id); 0 = off")
    p.add_argument("--relay-accounts", type=int, default=4)
    p.add_argument("--otc", type=float, default=0.3,
                   help="share of gangs and lone scammers selling to shared OTC desks as a last hop; 0 = off")
    p.add_argument("--otc-desks", type=int, default=3)
    p.add_argument("--services", type=float, default=0.35,
                   help="share of gangs laundering through a shared 跑分/水房 service; 0 = off")
    p.add_argument("--services-n", type=int, default=4, help="number of laundering services")
    p.add_argument("--commission", default="0.02-0.035", help="range of a service's commission (0.0-0.1)")
    p.add_argument("--backer", action=B, default=True,
                   help="proceeds end with each gang's backer (services pay it back less commission); "
                        "--no-backer: services keep the money, gangs cash out")
    p.add_argument("--shared-l2", type=float, default=0.2,
                   help="probability a service's new L2 account is one already used by another service")
    p.add_argument("--lone-use-services", action=B, default=True,
                   help="lone scammers may launder through the shared services (30%% of them)")
    p.add_argument("--cashouts", action=B, default=True,
                   help="emit cash-out rows (ATM, cash, crypto, merchant) with an empty to_account")
    p.add_argument("--innocent-merchants", type=float, default=0.1,
                   help="share of merchant cash-outs paid to a genuine shop's account instead of leaving empty")
    # reporting
    p.add_argument("--report-delay-days", default="0-21", help="min-max days between last payment and report")
    p.add_argument("--duplicates", type=float, default=0.02, help="share of reports filed again (re-filing)")
    p.add_argument("--revictim", type=float, default=0.02,
                   help="probability a gang's victim is a previous victim of another gang or scammer")
    # noise
    p.add_argument("--noise", type=float, default=0.5,
                   help="legitimate transfers per resident over the period (family, friends, shops, platforms)")
    p.add_argument("--shops-per-10k", type=float, default=12.0, help="genuine shops per 10,000 residents")
    return p


# --------------------------------------------------------------------------------------------------------------
# identifiers and their written forms

FW = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def fullwidth(s):
    return "".join(FW.get(ch, ch) for ch in s)


def luhn_complete(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


BANKS = [("622202", "工商银行", 19), ("621700", "建设银行", 19), ("622848", "农业银行", 19), ("621661", "中国银行", 19),
         ("622588", "招商银行", 16), ("622262", "交通银行", 19), ("621799", "邮储银行", 19), ("622908", "兴业银行", 18),
         ("621483", "招商银行", 16), ("623058", "平安银行", 19), ("621226", "工商银行", 19), ("622609", "民生银行", 16)]

ADJ = ["鑫", "汇", "盛", "聚", "恒", "达", "金", "富", "安", "融", "泰", "信", "博", "华", "优", "乐", "淘", "云", "星", "德",
       "宝", "通", "联", "嘉", "瑞", "祥", "利", "众", "易", "鼎"]
PINYIN = ["xin", "hui", "sheng", "ju", "heng", "da", "jin", "fu", "an", "rong", "tai", "bo", "hua", "you", "le",
          "tao", "yun", "xing", "de", "bao", "tong", "lian", "jia", "rui", "xiang", "li", "zhong", "yi", "ding", "kai"]
TLDS = ["top", "xyz", "cc", "vip", "com", "net", "cn", "shop", "icu", "club", "info", "live"]
APP_SUFFIX = {
    "order_brushing": ["任务", "赚", "优选", "商城"], "fake_investment": ["理财", "投资", "财富", "金融", "证券", "基金"],
    "fake_loan": ["贷", "借", "金融", "钱包"], "fake_customer_service": ["会议", "助手"], "impersonate_police": ["安全", "警务"],
    "fake_shopping": ["商城", "优品"], "fake_credit": ["征信", "信用"], "impersonate_acquaintance": ["聊"],
    "romance": ["聊", "交友", "缘"], "game_trading": ["游", "交易猫"], "elder_investment": ["养老", "康养"],
    "elder_products": ["健康", "商城"], "elder_service": ["养老"], "house_pension": ["房产"], "elder_insurance": ["社保"],
    "elder_aid": ["帮扶"], "other": ["助手"],
}

HUB_PHONES = [("95588", "工商银行客服"), ("95533", "建设银行客服"), ("96110", "反诈劝阻专线"), ("12345", "政务热线"),
              ("110", "报警电话"), ("95188", "支付宝客服")]
HUB_APPS = ["支付宝", "微信", "抖音", "淘宝", "拼多多", "京东", "腾讯会议", "向日葵", "钉钉", "云闪付", "国家反诈中心", "QQ"]
HUB_URLS = ["www.taobao.com", "www.jd.com", "www.baidu.com", "www.douyin.com", "www.12377.cn"]


class Ident:
    __slots__ = ("kind", "raw", "key", "owner", "start", "end", "extra")

    def __init__(self, kind, raw, key, owner, start=-1e18, end=1e18, extra=None):
        self.kind, self.raw, self.key, self.owner, self.start, self.end, self.extra = kind, raw, key, owner, start, end, extra


class Names:
    """Unique identifier factory."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def _unique(self, make):
        while True:
            v = make()
            if v not in self.used:
                self.used.add(v)
                return v

    def mobile(self, virtual=False):
        r = self.rng
        pre = r.choice(["170", "171", "165", "167"]) if virtual else r.choice(
            ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157",
             "158", "159", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "199"])
        return self._unique(lambda: pre + "".join(r.choice("0123456789") for _ in range(8)))

    def scam_phone(self):
        """(written number, key) of a scammer's calling number."""
        r = self.rng
        u = r.random()
        if u < 0.55:
            n = self.mobile(virtual=r.random() < 0.4)
            return n, "tel:+86" + n
        if u < 0.75:
            cc, ln = r.choice([("852", 8), ("855", 9), ("63", 10), ("60", 9), ("95", 9), ("886", 9), ("1", 10)])
            d = self._unique(lambda: r.choice("3456789") + "".join(r.choice("0123456789") for _ in range(ln - 1)))
            return "+" + cc + d, "tel:+" + cc + d
        if u < 0.9:
            area = r.choice(["010", "021", "020", "0755", "028", "023", "0571", "027"])
            d = self._unique(lambda: r.choice("2345678") + "".join(r.choice("0123456789") for _ in range(7)))
            return area + "-" + d, "tel:+86" + area[1:] + d
        d = self._unique(lambda: "400" + "".join(r.choice("0123456789") for _ in range(7)))
        return d, "tel:" + d

    def card(self):
        r = self.rng
        bin_, bank, ln = r.choice(BANKS)
        num = self._unique(lambda: luhn_complete(bin_ + "".join(r.choice("0123456789") for _ in range(ln - 7))))
        return num, bank

    def alipay_relay(self):
        r = self.rng
        return self._unique(lambda: "2088" + "".join(r.choice("0123456789") for _ in range(12)))

    def merchant_id(self):
        r = self.rng
        return self._unique(lambda: r.choice("123456789") + "".join(r.choice("0123456789") for _ in range(9)))

    def usdt_wallet(self):
        r = self.rng
        b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
        return self._unique(lambda: "T" + "".join(r.choice(b58) for _ in range(33)))

    def url(self, kind):
        r = self.rng
        host = self._unique(lambda: "".join(r.choice(PINYIN) for _ in range(r.randint(2, 3)))
                            + (str(r.randint(1, 999)) if r.random() < 0.4 else "") + "." + r.choice(TLDS))
        path = r.choice(["", "/index", "/h5", "/m/login", "/app/download", "/reg", "/invite", "/vip"])
        query = ("id=%d" % r.randint(1, 99999)) if r.random() < 0.4 else ""
        return (host, path, query), "url:" + host + path + ("?" + query if query else "")

    def app(self, kind):
        r = self.rng
        suf = r.choice(APP_SUFFIX.get(kind, ["助手"]))
        if r.random() < 0.25:
            name = self._unique(lambda: "".join(r.choice("ABCDEFGHJKMNPQRSTWXYZ") for _ in range(2)) + suf)
        else:
            name = self._unique(lambda: r.choice(ADJ) + r.choice(ADJ) + suf)
        return name, "app:" + name.lower()

    def im(self, kind):
        r = self.rng
        if kind == "qq":
            d = self._unique(lambda: str(r.randint(10000, 3999999999)))
            return d, "qq:" + d
        if kind == "alipay":
            d = self._unique(lambda: "".join(r.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(r.randint(6, 10)))
                             + r.choice(["@163.com", "@qq.com", "@126.com", "@sina.com"]))
            return d, "alipay:" + d
        alnum = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789_"
        d = self._unique(lambda: r.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
                         + "".join(r.choice(alnum) for _ in range(r.randint(5, 12))))
        return d, "wechat:" + d.lower()

    def imei(self):
        r = self.rng
        d = self._unique(lambda: luhn_complete(r.choice(["35", "86", "49"]) + "".join(r.choice("0123456789") for _ in range(12))))
        return d, "imei:" + d

    def ip(self):
        r = self.rng
        d = self._unique(lambda: "%d.%d.%d.%d" % (r.choice([36, 39, 42, 58, 101, 112, 113, 117, 120, 183, 223]),
                                                   r.randint(0, 255), r.randint(0, 255), r.randint(1, 254)))
        return d, "ip:" + d


def w_phone(r, raw):
    """A varied written form of a phone number."""
    if raw.startswith("+") or "-" in raw or raw.startswith("400") or len(raw) != 11:
        if raw.startswith("400") and r.random() < 0.5:
            return raw[:3] + "-" + raw[3:6] + "-" + raw[6:]
        if raw.startswith("+") and r.random() < 0.4:
            return raw[:3] + " " + raw[3:7] + " " + raw[7:] if raw.startswith("+852") else "00" + raw[1:]
        return raw
    c = r.randrange(9)
    if c == 0:
        return raw[:3] + " " + raw[3:7] + " " + raw[7:]
    if c == 1:
        return "+86-" + raw[:3] + "-" + raw[3:7] + "-" + raw[7:]
    if c == 2:
        return "0086 " + raw
    if c == 3:
        return fullwidth(raw)
    if c == 4:
        return raw[:3] + "-" + raw[3:7] + "-" + raw[7:]
    if c == 5:
        return "+86 " + raw
    return raw


def w_card(r, raw):
    c = r.randrange(4)
    if c == 0:
        return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    return raw


def w_url(r, parts):
    host, path, query = parts
    c = r.randrange(6)
    h = host
    if c in (0, 3):
        h = "www." + host
    if c == 3:
        h = h.upper()
    scheme = r.choice(["https://", "http://", ""]) if c != 5 else "https://"
    p = path + ("/" if path and r.random() < 0.3 else "")
    qs = []
    if query:
        qs.append(query)
    if r.random() < 0.3:
        qs.insert(0, r.choice(["utm_source=wx", "utm_source=dy&utm_medium=share", "spm=a2c.1", "from=singlemessage"]))
    if qs and not p:
        p = "/"
    return scheme + h + p + ("?" + "&".join(qs) if qs else "")


def w_app(r, name, in_text=True):
    c = r.randrange(5)
    n = fullwidth(name) if r.random() < 0.15 else name
    if not in_text:
        return n if c < 3 else n + "APP"
    return ["“%s”APP" % n, "%sAPP" % n, "「%s」" % n, "名为“%s”的软件" % n, "“%s”" % n][c]


def w_im(r, kind, raw, in_text=True):
    v = raw.upper() if (kind == "wechat" and r.random() < 0.15) else raw
    if kind == "wechat":
        return r.choice(["微信号：", "微信号:", "微信：", "微信号 "]) + v
    if kind == "qq":
        return r.choice(["QQ：", "QQ号：", "QQ:", "qq："]) + v
    return r.choice(["支付宝：", "支付宝账号：", "支付宝账户："]) + v


def w_amount(r, fen):
    y = fen / 100.0
    s = "%.2f" % y
    if s.endswith(".00"):
        s = s[:-3]
    c = r.randrange(6)
    if c == 0:
        return "{:,.2f}".format(y)
    if c == 1:
        return "¥" + s
    if c == 2:
        return s + "元"
    return s


def ts(t, form=0):
    d = dt.datetime.fromtimestamp(t, BJ)
    if form == 1:
        return d.isoformat(timespec="seconds")
    return d.strftime("%Y-%m-%d %H:%M:%S")


CONTACT_HOURS = [(h, 3.0 if 8 <= h <= 11 or 14 <= h <= 17 else 1.0) for h in range(7, 23)]


def daytime(r, t):
    """Move a time to a plausible hour of the same day (calls cluster 08-11 and 14-17)."""
    d = dt.datetime.fromtimestamp(t, BJ)
    d = d.replace(hour=wchoice(r, CONTACT_HOURS), minute=r.randint(0, 59), second=r.randint(0, 59))
    return d.timestamp()


def awake(r, t):
    """Victims pay while awake: a time in 00-06 moves to the morning."""
    d = dt.datetime.fromtimestamp(t, BJ)
    return t + (7 - d.hour) * HOUR + r.uniform(0, 2 * HOUR) if d.hour < 7 else t


def cn_date(t):
    d = dt.datetime.fromtimestamp(t, BJ)
    return "%d月%d日" % (d.month, d.day)


# --------------------------------------------------------------------------------------------------------------
# fraud types

TYPES = {  # code: (mix weight all, mix weight 60+, median loss, sigma, mean transfers, contact channels)
    "order_brushing": (30, 8, 20000, 1.2, 5, ["qq", "wechat", "app", "social_media", "sms"]),
    "fake_investment": (14, 15, 100000, 1.5, 5, ["wechat", "social_media", "app", "call"]),
    "fake_customer_service": (10, 5, 30000, 1.2, 3, ["call", "sms"]),
    "fake_loan": (9, 2, 8000, 1.0, 3, ["sms", "app", "call", "website"]),
    "fake_shopping": (9, 2, 2000, 1.0, 2, ["website", "social_media", "wechat"]),
    "romance": (6, 10, 80000, 1.5, 4, ["wechat", "app", "social_media"]),
    "impersonate_acquaintance": (5, 12, 50000, 1.2, 2, ["wechat", "qq", "call"]),
    "fake_credit": (5, 1, 30000, 1.1, 3, ["call", "sms"]),
    "impersonate_police": (4, 15, 150000, 1.3, 3, ["call"]),
    "game_trading": (4, 0, 3000, 1.0, 2, ["qq", "website", "app"]),
    "elder_products": (0, 8, 15000, 1.2, 4, ["in_person", "call"]),
    "elder_investment": (0, 7, 50000, 1.3, 3, ["in_person", "call", "wechat"]),
    "elder_service": (0, 2, 20000, 1.1, 2, ["in_person", "call"]),
    "house_pension": (0, 1, 200000, 1.0, 2, ["in_person"]),
    "elder_insurance": (0, 2, 15000, 1.0, 2, ["call", "in_person"]),
    "elder_aid": (0, 1, 5000, 1.0, 2, ["call"]),
    "other": (4, 5, 20000, 1.2, 2, ["call", "wechat", "sms", "other"]),
}
ELDER_TYPES = {"elder_products", "elder_investment", "elder_service", "house_pension", "elder_insurance", "elder_aid"}

# which identifier kinds a gang of a type uses: probability weights of (phone, url, app, wechat, qq, alipay)
ID_PROFILE = {
    "order_brushing": (0.3, 0.7, 0.9, 0.6, 0.6, 0.1), "fake_investment": (0.3, 0.8, 0.9, 0.8, 0.2, 0.1),
    "fake_customer_service": (1.0, 0.4, 0.5, 0.3, 0.1, 0.2), "fake_loan": (0.7, 0.7, 0.9, 0.3, 0.2, 0.1),
    "fake_shopping": (0.2, 0.9, 0.3, 0.7, 0.3, 0.2), "romance": (0.2, 0.4, 0.7, 1.0, 0.2, 0.0),
    "impersonate_acquaintance": (0.5, 0.0, 0.0, 0.8, 0.6, 0.1), "fake_credit": (1.0, 0.4, 0.6, 0.3, 0.1, 0.1),
    "impersonate_police": (1.0, 0.6, 0.5, 0.3, 0.2, 0.0), "game_trading": (0.1, 0.8, 0.4, 0.3, 0.9, 0.1),
    "other": (0.6, 0.4, 0.3, 0.5, 0.3, 0.1),
}
for _t in ELDER_TYPES:
    ID_PROFILE[_t] = (1.0, 0.2, 0.3, 0.5, 0.0, 0.0)

STATUS = [("received", 0.25), ("filed", 0.58), ("solved", 0.1), ("closed", 0.07)]


def wchoice(r, pairs):
    tot = sum(w for _, w in pairs)
    x = r.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


# --------------------------------------------------------------------------------------------------------------
# pools of accounts / identifiers with a life and turnover

class Pool:
    """Items of one owner and role, each alive [start, end); at least `conc` alive at any asked time."""

    def __init__(self, r, make, conc, life_lo, life_hi):
        self.r, self.make, self.conc, self.life = r, make, conc, (life_lo, life_hi)
        self.items = []

    def active(self, t):
        act = [it for it in self.items if it.start <= t < it.end]
        while len(act) < self.conc:
            it = self.make()
            it.start = t - self.r.uniform(0, 0.3) * self.life[0]
            it.end = it.start + self.r.uniform(*self.life)
            self.items.append(it)
            act.append(it)
        return act

    def pick(self, t):
        act = self.active(t)
        return self.r.choice(act)


class Acct:
    __slots__ = ("raw", "role", "owner", "start", "end", "bank")

    def __init__(self, raw, role, owner, bank=None):
        self.raw, self.role, self.owner, self.bank = raw, role, owner, bank
        self.start, self.end = -1e18, 1e18


# --------------------------------------------------------------------------------------------------------------
# the district

class World:
    def __init__(self, a):
        self.a = a
        self.r = random.Random(a.seed)
        self.names = Names(self.r)
        self.t0 = dt.datetime.strptime(a.start, "%Y-%m-%d").replace(tzinfo=BJ).timestamp()
        self.t1 = self.t0 + a.days * DAY
        self.transfers = []  # (at, from, to, fen, channel, report)
        self.accounts = {}  # raw -> Acct (truth)
        self.idents = {}  # key -> (kind, owner, role)
        self.reports = []
        self.gangs = []
        self.trace = {}  # report -> list of account raws its money passed through (truth)
        self.layers = parse_range(a.layers, int)
        self.commission = parse_range(a.commission, float)
        self.delay = parse_range(a.report_delay_days, float)
        self.stats = {"cashout_rows": 0, "cashout_fen": 0}

    # --- accounts ---
    def acct(self, raw, role, owner, bank=None):
        ac = Acct(raw, role, owner, bank)
        self.accounts[raw] = ac
        return ac

    def card(self, role, owner):
        raw, bank = self.names.card()
        return self.acct(raw, role, owner, bank)

    def pay(self, t, src, dst, fen, channel, report=None):
        self.transfers.append((t, src.raw if isinstance(src, Acct) else src,
                               "" if dst is None else (dst.raw if isinstance(dst, Acct) else dst), fen, channel, report))
        if report is not None and isinstance(dst, Acct) and dst.role not in ("victim", "resident"):
            self.tr(report, dst.raw)

    def tr(self, report, raw):
        """Truth: the report's money passed through account `raw`."""
        self.trace.setdefault(report["n"], []).append(raw)

    # --- residents ---
    def make_residents(self):
        r, a = self.r, self.a
        ncomm = max(8, min(80, a.residents // 900))
        pre = ["锦华", "和平", "东光", "新民", "望江", "莲花", "桂溪", "红星", "金沙", "青龙", "双林", "永丰", "太平", "建设",
               "光华", "兴隆", "沙湾", "玉林", "福字", "春熙", "石羊", "长顺", "九眼桥", "水碾河", "龙泉", "柳荫", "花园", "文庙"]
        self.communities = []
        for i in range(ncomm):
            nm = pre[i % len(pre)] + ("" if i < len(pre) else str(i // len(pre) + 1)) + r.choice(["社区", "社区", "村"])
            self.communities.append(nm)
        year = dt.datetime.fromtimestamp(self.t0, BJ).year
        self.residents = []
        self.by_band = {"young": [], "mid": [], "old": []}
        for i in range(a.residents):
            u = r.random()
            age = int(r.uniform(0, 18) if u < 0.17 else r.uniform(18, 41) if u < 0.52 else r.uniform(41, 60)
                      if u < 0.78 else min(100, 60 + r.expovariate(1 / 11.0)))
            comm = self.communities[int(r.random() ** 1.3 * ncomm)]
            phones = [self.names.mobile()] if age >= 12 else []
            if phones and r.random() < 0.12:
                phones.append(self.names.mobile())
            res = dict(id="R%07d" % (i + 1), age=age, birth_year=year - age, gender=r.choice("mf") if r.random() > 0.01 else "u",
                       community=comm, grid="%s-%02d" % (comm[:2], r.randint(1, 12)),
                       lives_alone=age >= 60 and r.random() < 0.3 or r.random() < 0.05, phones=phones,
                       app=r.random() < (0.35 if age >= 60 else 0.6),
                       lang=wchoice(r, [("zh", 0.93), ("other", 0.02), ("yue", 0.01), ("nan", 0.01), ("wuu", 0.01),
                                        ("en", 0.01), ("ug", 0.005), ("bo", 0.005)]),
                       card=None, victim_of=[])
            self.residents.append(res)
            if age >= 18:
                self.by_band["young" if age <= 40 else "mid" if age < 60 else "old"].append(res)

    def resident_card(self, res):
        if res["card"] is None:
            res["card"] = self.card("resident", res["id"])
        return res["card"]

    # --- shared infrastructure ---
    def make_infra(self):
        r, a = self.r, self.a
        self.shops = []
        for i in range(max(5, int(a.residents / 10000 * a.shops_per_10k))):
            raw = self.names.merchant_id() if r.random() < 0.4 else self.names.card()[0]
            sh = self.acct(raw, "shop", "SHOP%03d" % (i + 1))
            sh.bank = self.card("shop_owner", sh.owner)  # the owner's own card receives settlements
            self.shops.append(sh)
        self.relays = []
        if a.relays > 0:
            for i in range(max(1, a.relay_accounts)):
                raw = self.names.alipay_relay() if i % 3 != 2 else self.names.merchant_id()
                self.relays.append(self.acct(raw, "relay_platform", "RELAY%d" % (i + 1)))
        self.desks = []
        if a.otc > 0:
            for i in range(max(1, a.otc_desks)):
                owner = "OTC%d" % (i + 1)
                pool = Pool(r, lambda o=owner: self.card("otc_desk", o), 1, 40 * DAY, 120 * DAY)
                treasury = self.card("otc_desk", owner)
                self.desks.append(dict(id=owner, pool=pool, treasury=treasury, inflow=[]))
        self.services = []
        if a.services > 0 or a.lone_use_services:
            for i in range(max(1, a.services_n)):
                sid = "S%d" % (i + 1)
                svc = dict(id=sid, commission=round(r.uniform(*self.commission), 4), keep=not a.backer, clients=[])
                svc["l2"] = Pool(r, None, r.randint(2, 4), 30 * DAY, 150 * DAY)
                svc["l2"].make = (lambda s=svc: self.service_l2(s))
                svc["l3"] = Pool(r, lambda s=sid: self.card("service_l3", s), r.randint(1, 3), 20 * DAY, 90 * DAY)
                svc["wallet"] = self.acct(self.names.usdt_wallet() if r.random() < 0.6 else self.names.card()[0],
                                          "service_wallet", sid)
                self.services.append(svc)

    def service_l2(self, svc):
        r = self.r
        if self.a.shared_l2 > 0 and r.random() < self.a.shared_l2:
            others = [it for s in self.services if s is not svc for it in s["l2"].items]
            if others:
                it = r.choice(others)
                if svc["id"] not in it.owner.split(";"):
                    it.owner += ";" + svc["id"]
                return it
        return self.card("service_l2", svc["id"])

    # --- money flows ---
    def dwell(self, layer):
        r = self.r
        if layer == 1:
            return min(6 * HOUR, 3 * MIN * math.exp(r.gauss(0, 1.256)))
        if layer == 2:
            return r.uniform(10 * MIN, 120 * MIN)
        return r.uniform(15 * MIN, 6 * HOUR)

    def split(self, fen, m):
        r = self.r
        if m <= 1 or fen < 200 * m:
            return [fen]
        ws = [r.uniform(0.5, 1.5) for _ in range(m)]
        tot = sum(ws)
        parts = [int(fen * w / tot) // 100 * 100 for w in ws]
        parts[-1] = fen - sum(parts[:-1])
        return [p for p in parts if p > 0]

    def chunks(self, fen, cap):
        """Split an amount into chunks just under a round threshold."""
        r = self.r
        out = []
        while fen > cap:
            c = max(100, cap - r.choice([1000, 2000, 5000, 10000]))
            out.append(c)
            fen -= c
        if fen > 0:
            out.append(fen)
        return out

    def gang_flow(self, g, acct, fen, t, layer, report):
        """Money `fen` arrived at `acct` (layer `layer` of gang g's own chain) at time t."""
        r = self.r
        t2 = t + self.dwell(layer)
        if layer < g["layers"]:
            m = r.randint(2, 4) if layer == 1 else r.randint(1, 2)
            for part in self.split(fen, m):
                nxt = g["pools"][layer].pick(t2)  # pools[k] holds layer k+1 accounts
                self.pay(t2, acct, nxt, part, r.choice(["bank", "mobile_banking"]), None)
                self.tr(report, nxt.raw)
                self.gang_flow(g, nxt, part, t2 + r.uniform(0, 20 * MIN), layer + 1, report)
                t2 += r.uniform(0, 5 * MIN)
            return
        self.exit(g, acct, fen, t2, report, g["exit"])

    def exit(self, owner, acct, fen, t, report, how):
        """Last hop out of a gang's or lone scammer's chain."""
        r, a = self.r, self.a
        t += r.uniform(1 * HOUR, 48 * HOUR) if how != "service" else r.uniform(0, 30 * MIN)
        if how == "service":
            svc = owner["service"]
            self.service_flow(svc, owner, acct, fen, t, report)
        elif how == "backer":
            bk = owner["backer"]
            ch = "crypto" if bk.role == "backer" and bk.raw.startswith("T") else "bank"
            for c in self.chunks(fen, 4990000):
                self.pay(t, acct, bk, c, ch, None)
                t += r.uniform(1 * MIN, 30 * MIN)
            self.tr(report, bk.raw)
        elif how == "otc":
            desk = owner["desk"]
            d = desk["pool"].pick(t)
            self.pay(t, acct, d, fen, "bank", None)
            desk["inflow"].append((t, d, fen))
            self.tr(report, d.raw)
        else:
            self.cashout(acct, fen, t)

    def cashout(self, acct, fen, t):
        r, a = self.r, self.a
        ch = wchoice(r, [("atm", 0.45), ("crypto", 0.2), ("merchant", 0.2), ("cash", 0.15)])
        if ch == "merchant" and r.random() < a.innocent_merchants:
            shop = r.choice(self.shops)
            self.pay(t, acct, shop, fen, "merchant", None)
            return
        if not a.cashouts:
            return
        cap = {"atm": 2000000, "cash": 5000000, "crypto": 9990000, "merchant": 3000000}[ch]
        for c in self.chunks(fen, cap):
            self.pay(t, acct, None, c, ch, None)
            self.stats["cashout_rows"] += 1
            self.stats["cashout_fen"] += c
            t += r.uniform(2 * MIN, 40 * MIN) if ch == "atm" else r.uniform(1 * HOUR, 12 * HOUR)

    def service_flow(self, svc, client, acct, fen, t, report):
        r = self.r
        if client["id"] not in svc["clients"]:
            svc["clients"].append(client["id"])
        l2 = svc["l2"].pick(t)
        self.pay(t, acct, l2, fen, r.choice(["bank", "mobile_banking"]), None)
        self.tr(report, l2.raw)
        t += r.uniform(2 * MIN, 60 * MIN)
        cur = l2
        if r.random() < 0.6:
            l3 = svc["l3"].pick(t)
            self.pay(t, l2, l3, fen, "bank", None)
            self.tr(report, l3.raw)
            cur = l3
            t += r.uniform(5 * MIN, 3 * HOUR)
        net = int(round(fen * (1 - svc["commission"])))
        bk = client.get("backer")
        if not svc["keep"] and bk is not None:
            ch = "crypto" if bk.raw.startswith("T") else "bank"
            for c in self.chunks(net, 4990000):
                self.pay(t, cur, bk, c, ch, None)
                t += r.uniform(1 * MIN, 20 * MIN)
            self.tr(report, bk.raw)
            if fen - net > 0 and r.random() < 0.3:
                self.pay(t + HOUR, cur, svc["wallet"], fen - net, "crypto" if svc["wallet"].raw.startswith("T") else "bank")
        else:
            if r.random() < 0.5:
                w = svc["wallet"]
                self.pay(t, cur, w, fen, "crypto" if w.raw.startswith("T") else "bank", None)
            else:
                self.cashout(cur, fen, t)

    # --- gangs ---
    def make_gangs(self):
        r, a = self.r, self.a
        total = max(10, round(a.residents / 10000 * a.reports_per_10k))
        self.n_lone = round(total * a.lone_share)
        budget = total - self.n_lone
        lo, hi = parse_range(a.gang_size, int)
        lo = max(2, lo)
        sizes = []
        while sum(sizes) < budget:
            # discrete power law on [lo, hi] by inverse transform of the continuous one
            al = a.gang_size_alpha
            u = r.random()
            x = ((hi + 1) ** (1 - al) - (lo) ** (1 - al)) * u + lo ** (1 - al)
            s = int(x ** (1 / (1 - al)))
            s = max(lo, min(hi, s, budget - sum(sizes) if budget - sum(sizes) >= lo else lo))
            sizes.append(s)
        for i, s in enumerate(sizes):
            g = self.new_gang("G%03d" % (i + 1), s)
            self.gangs.append(g)

    def pick_type(self, elder=False):
        return wchoice(self.r, [(k, v[1] if elder else v[0]) for k, v in TYPES.items()])

    def new_owner_ids(self, g, kind, scale):
        """Identifier pools for a gang (scale 1) or a lone scammer (fixed single items)."""
        r, a, N = self.r, self.a, self.names
        prof = ID_PROFILE[kind]
        kinds = ["phone", "url", "app", "wechat", "qq", "alipay"]
        used = [k for k, p in zip(kinds, prof) if r.random() < p]
        if not used:
            used = [kinds[max(range(6), key=lambda i: prof[i])]]
        g["id_kinds"] = used
        T = a.turnover_days * DAY
        big = 1 + (g["size"] >= 20) + (g["size"] >= 80)
        owner = g["id"]

        def mk(kind):
            def f():
                if kind == "phone":
                    raw, key = N.scam_phone()
                elif kind == "url":
                    raw, key = N.url(g["kind"])
                elif kind == "app":
                    raw, key = N.app(g["kind"])
                elif kind == "imei":
                    raw, key = N.imei()
                elif kind == "ip":
                    raw, key = N.ip()
                else:
                    raw, key = N.im(kind)
                it = Ident(kind, raw, key, owner)
                self.idents[key] = (kind, owner, "gang" if owner.startswith("G") else "lone")
                return it
            return f
        life = {"phone": 1, "wechat": 1, "qq": 1.5, "alipay": 2, "url": 2, "app": 4, "imei": 3, "ip": 1.5}
        conc = {"phone": big + 1, "wechat": big, "qq": big, "alipay": 1, "url": big, "app": 1, "imei": big, "ip": big}
        g["ids"] = {}
        for k in used + ["imei", "ip"]:
            L = life[k] * T
            if scale == 0:
                g["ids"][k] = Pool(r, mk(k), 1, 1e15, 1e15)
            else:
                g["ids"][k] = Pool(r, mk(k), conc[k], 0.4 * L, 1.6 * L)

    def new_gang(self, gid, size):
        r, a = self.r, self.a
        elder = r.random() < 0.2
        kind = self.pick_type(elder)
        g = dict(id=gid, size=size, kind=kind, elder=elder or kind in ELDER_TYPES, lone=False)
        span = min(a.days + 30, max(10.0, size * r.uniform(0.8, 3.0))) * DAY
        g["start"] = self.t0 - 30 * DAY + r.uniform(0, max(1.0, a.days * DAY + 20 * DAY - span))
        g["end"] = g["start"] + span
        self.new_owner_ids(g, kind, 1)
        g["layers"] = r.randint(*self.layers)
        # mule pools: L1 short-lived, deeper layers longer
        l1conc = 1 + (size >= 15) + (size >= 60)
        g["pools"] = [Pool(r, lambda gid=gid: self.card("l1", gid), l1conc, 1 * DAY, 14 * DAY)]
        for k in range(2, 6):
            g["pools"].append(Pool(r, lambda gid=gid, k=k: self.card("l%d" % k, gid), r.randint(2, 4) if k == 2 else r.randint(1, 3),
                                   7 * DAY * (k - 1), 30 * DAY * (k - 1)))
        g["backer"] = None
        if a.backer:
            g["backer"] = self.acct(self.names.usdt_wallet(), "backer", gid) if r.random() < 0.4 else self.card("backer", gid)
        g["service"] = None
        g["desk"] = None
        if self.services and a.services > 0 and r.random() < a.services:
            g["service"] = r.choice(self.services)
            g["exit"] = "service"
            g["layers"] = min(g["layers"], r.randint(1, 2))  # the service does the deeper layering
        elif self.desks and r.random() < a.otc:
            g["desk"] = r.choice(self.desks)
            g["exit"] = "otc"
        elif g["backer"] is not None and r.random() < 0.75:
            g["exit"] = "backer"
        else:
            g["exit"] = "cashout"
        g["relay_pref"] = r.choice(self.relays) if self.relays else None
        g["reports"] = []
        return g

    def new_lone(self, i):
        r, a = self.r, self.a
        elder = r.random() < 0.2
        kind = self.pick_type(elder)
        lid = "L%04d" % (i + 1)
        g = dict(id=lid, size=1, kind=kind, elder=elder or kind in ELDER_TYPES, lone=True)
        g["start"] = self.t0 - 20 * DAY + r.uniform(0, a.days * DAY + 10 * DAY)
        g["end"] = g["start"] + r.uniform(0, 5 * DAY)
        self.new_owner_ids(g, kind, 0)
        g["layers"] = 1
        g["pools"] = [Pool(r, lambda lid=lid: self.card("lone_card", lid), 1, 60 * DAY, 200 * DAY)]
        g["backer"] = None
        g["service"] = None
        g["desk"] = None
        if self.services and a.lone_use_services and r.random() < 0.3:
            g["service"] = r.choice(self.services)
            g["exit"] = "service"
        elif self.desks and r.random() < a.otc:
            g["desk"] = r.choice(self.desks)
            g["exit"] = "otc"
        else:
            g["exit"] = "cashout"
        g["relay_pref"] = r.choice(self.relays) if self.relays else None
        g["reports"] = []
        return g

    # --- victims and reports ---
    def pick_victim(self, g, t):
        r, a = self.r, self.a
        if a.revictim > 0 and r.random() < a.revictim:
            prior = [v for v in self.victims_so_far if v["victim_of"] and g["id"] not in v["victim_of"]]
            if prior:
                return r.choice(prior)
        if r.random() < a.nonlocal_share:
            return None
        if g["elder"] or g["kind"] in ELDER_TYPES:
            band = "old" if r.random() < 0.85 else "mid"
        else:
            band = wchoice(r, [("young", 0.62), ("mid", 0.31), ("old", 0.07)])
        res = r.choice(self.by_band[band])
        return res

    def victim_report(self, g, t_contact):
        r, a, N = self.r, self.a, self.names
        res = self.pick_victim(g, t_contact)
        kind = g["kind"]
        rep = dict(n=len(self.reports), gang=None if g["lone"] else g["id"], owner=g["id"], kind=kind, occurred=t_contact, victim=res,
                   dup_of=None, payments=[], mentions=[])
        if res is not None:
            res["victim_of"].append(g["id"])
            self.victims_so_far.append(res)
            rep["age"], rep["gender"], rep["community"] = res["age"], res["gender"], res["community"]
            rep["district"] = DISTRICT
            vcard = self.resident_card(res)
        else:
            rep["age"] = int(r.uniform(19, 45) if r.random() < 0.65 else r.uniform(45, 85))
            rep["gender"] = r.choice("mf")
            rep["community"] = None
            rep["district"] = r.choice(OTHER_DISTRICTS)
            vcard = self.card("victim", "nonlocal")
        rep["vcard"] = vcard
        rep["channel"] = r.choice(TYPES[kind][5])
        # identifiers the victim met (active at first contact; later contacts may see a newer one)
        ids = []
        for k in g["id_kinds"]:
            pool = g["ids"][k]
            if r.random() < a.mention_rate:
                act = pool.active(t_contact)
                ids.append(r.choice(act))
                if len(act) > 1 and r.random() < 0.25:
                    ids.append(r.choice(act))
        if r.random() < 0.25:  # investigators' device / login IP, only in some narratives
            ids.append(g["ids"]["imei"].pick(t_contact))
            if r.random() < 0.5:
                ids.append(g["ids"]["ip"].pick(t_contact))
        seen = []
        for it in ids:
            if it not in seen:
                seen.append(it)
        rep["ids"] = seen
        # payments
        attempt = r.random() < a.attempts
        if attempt:
            rep["loss"] = 0
            t_last = t_contact + r.uniform(0, 2 * DAY)
        else:
            med, sig, mean_n = TYPES[kind][2], TYPES[kind][3], TYPES[kind][4]
            mult = 2.0 if rep["age"] >= 70 else 1.6 if rep["age"] >= 60 else 1.0
            loss = max(100.0, med * mult * math.exp(r.gauss(0, sig)))
            loss = min(loss, 5_000_000.0)
            n = 1
            while r.random() > 1.0 / mean_n and n < 15:
                n += 1
            if a.multi_card_victims:
                span = r.uniform(0, a.payment_span_days) * DAY if n > 1 else 0
            else:
                span = r.uniform(0, 2 * DAY) if n > 1 else 0
            ws = sorted(r.uniform(0.3, 1.0) * (1 + i * 0.5) for i in range(n))  # rising amounts, as scams escalate
            tot = sum(ws)
            fens = [max(100, int(loss * w / tot) * 100) for w in ws]
            t_pay = t_contact + r.uniform(20 * MIN, 2 * DAY)
            t_pay = awake(r, t_pay)
            times = sorted(awake(r, t_pay + r.uniform(0, span)) for _ in range(n))
            times[0] = t_pay
            use_relay = self.relays and r.random() < a.relays
            relay = (g["relay_pref"] if r.random() < 0.7 else r.choice(self.relays)) if use_relay else None
            l1_fixed = None
            for tp, fen in zip(times, fens):
                if a.multi_card_victims or l1_fixed is None:
                    l1 = g["pools"][0].pick(tp)
                    l1_fixed = l1
                else:
                    l1 = l1_fixed
                ch = wchoice(r, [("mobile_banking", 0.45), ("bank", 0.2), ("alipay", 0.2), ("wechat_pay", 0.15)])
                if relay is not None:
                    self.pay(tp, vcard, relay, fen, r.choice(["alipay", "wechat_pay"]), rep)
                    rep["payments"].append((tp, relay, fen))
                    tp += r.uniform(1 * MIN, 30 * MIN)
                    self.pay(tp, relay, l1, fen, "alipay", None)
                    self.tr(rep, l1.raw)
                else:
                    self.pay(tp, vcard, l1, fen, ch, rep)
                    rep["payments"].append((tp, l1, fen))
                self.gang_flow(g, l1, fen, tp, 1, rep)
            rep["loss"] = sum(fens)
            t_last = times[-1]
        d = r.uniform(*self.delay) if self.delay[1] > 0 else 0
        d = self.delay[0] + (d - self.delay[0]) * r.random()  # skewed to the short end
        rep["reported"] = t_last + d * DAY + r.uniform(1 * HOUR, 20 * HOUR)
        rep["status"] = wchoice(r, STATUS)
        g["reports"].append(rep)
        self.reports.append(rep)
        return rep

    def run(self):
        r, a = self.r, self.a
        self.victims_so_far = []
        self.make_residents()
        self.make_infra()
        self.make_gangs()
        owners = list(self.gangs) + [self.new_lone(i) for i in range(self.n_lone)]
        self.lones = owners[len(self.gangs):]
        # contact times per owner, then process all victims in global time order (so pools and revictims evolve)
        events = []
        for g in owners:
            for j in range(g["size"]):
                u = r.random() if not g["lone"] else 0.0
                events.append((daytime(r, g["start"] + u * (g["end"] - g["start"])), len(events), g))
        events.sort(key=lambda e: (e[0], e[1]))
        for t, _, g in events:
            self.victim_report(g, t)
        self.make_duplicates()
        self.make_noise()
        self.desk_sweeps()
        self.assign_ids()

    def make_duplicates(self):
        r, a = self.r, self.a
        if a.duplicates <= 0:
            return
        base = list(self.reports)
        for rep in base:
            if r.random() < a.duplicates:
                d = dict(rep)
                d["dup_of"] = rep
                d["reported"] = rep["reported"] + r.uniform(1, 15) * DAY
                d["payments"] = list(rep["payments"])
                if r.random() < 0.5:
                    d["district"] = r.choice(OTHER_DISTRICTS) if rep["district"] == DISTRICT else DISTRICT
                self.reports.append(d)
                g = next(x for x in self.gangs + self.lones if x["id"] == rep["owner"])
                g["reports"].append(d)

    def desk_sweeps(self):
        """OTC desk cards sweep their takings to the desk's treasury card every few days."""
        r = self.r
        for desk in self.desks:
            inflow = sorted(desk["inflow"], key=lambda x: x[0])
            by_card = {}
            for t, c, fen in inflow:
                by_card.setdefault(c.raw, [c, []])[1].append((t, fen))
            for raw, (c, lst) in by_card.items():
                acc, last = 0, None
                for t, fen in lst:
                    acc += fen
                    if last is None:
                        last = t
                    if t - last > 3 * DAY or acc > 50000000:
                        self.pay(t + r.uniform(1 * HOUR, 10 * HOUR), c, desk["treasury"], acc, "bank")
                        acc, last = 0, None
                if acc:
                    self.pay(lst[-1][0] + r.uniform(1 * HOUR, 10 * HOUR), c, desk["treasury"], acc, "bank")

    def make_noise(self):
        """Legitimate money: family/friend transfers, shop purchases (some via the payment platforms), shops
        settling to their owners, platform relays settling to merchants and refunding residents, residents buying
        USDT from OTC desks."""
        r, a = self.r, self.a
        n = int(a.residents * a.noise)
        adults = self.by_band["young"] + self.by_band["mid"] + self.by_band["old"]
        if not adults:
            return
        T = self.t1 - self.t0 + 30 * DAY
        shop_sales = {}
        for i in range(n):
            t = self.t0 - 30 * DAY + r.random() * T
            hr = r.choice([9, 10, 11, 12, 13, 15, 17, 18, 19, 20, 21])
            d = dt.datetime.fromtimestamp(t, BJ).replace(hour=hr, minute=r.randint(0, 59), second=r.randint(0, 59))
            t = d.timestamp()
            u = r.random()
            src = r.choice(adults)
            if u < 0.45:  # family / friends, mostly the same community
                dst = r.choice(adults)
                if dst is src:
                    continue
                fen = int(math.exp(r.gauss(math.log(50000), 1.3))) // 100 * 100 + 100
                self.pay(t, self.resident_card(src), self.resident_card(dst), fen,
                         r.choice(["mobile_banking", "wechat_pay", "alipay", "bank"]))
            elif u < 0.93:  # shops
                shop = self.shops[min(len(self.shops) - 1, int(r.random() ** 2 * len(self.shops)))]
                fen = int(math.exp(r.gauss(math.log(8000), 1.1)))
                if self.relays and r.random() < 0.5:  # paid through a payment platform, which settles on
                    rl = r.choice(self.relays)
                    self.pay(t, self.resident_card(src), rl, fen, r.choice(["alipay", "wechat_pay"]))
                    self.pay(t + r.uniform(1 * MIN, 2 * DAY), rl, shop.bank, fen, "alipay")
                else:
                    self.pay(t, self.resident_card(src), shop, fen, r.choice(["wechat_pay", "alipay", "mobile_banking"]))
                    shop_sales[shop.raw] = shop_sales.get(shop.raw, 0) + fen
            elif u < 0.97 and self.relays:  # platform refunds / payouts to residents' cards
                rl = r.choice(self.relays)
                fen = int(math.exp(r.gauss(math.log(20000), 1.0)))
                self.pay(t, rl, self.resident_card(src), fen, "alipay")
            elif self.desks:  # a resident buys USDT from an OTC desk
                desk = r.choice(self.desks)
                c = desk["pool"].pick(t)
                fen = int(math.exp(r.gauss(math.log(300000), 1.0)))
                self.pay(t, self.resident_card(src), c, fen, "mobile_banking")
                desk["inflow"].append((t, c, fen))
        # shops settle to their owner's card weekly
        for shop in self.shops:
            tot = shop_sales.get(shop.raw, 0)
            weeks = int((self.t1 - self.t0) / (7 * DAY))
            if tot <= 0:
                continue
            for w in range(weeks):
                amt = tot // weeks
                if amt > 0:
                    self.pay(self.t0 + w * 7 * DAY + 2 * DAY + r.uniform(0, HOUR), shop, shop.bank, amt, "bank")

    # --- ids ---
    def assign_ids(self):
        self.reports.sort(key=lambda x: (x["reported"], x["owner"], x["occurred"]))
        seen_days = {}
        for rep in self.reports:
            day = dt.datetime.fromtimestamp(rep["reported"], BJ).strftime("%Y%m%d")
            seen_days[day] = seen_days.get(day, 0) + 1
            rep["id"] = "A%s%s%03d" % (rep["district"][:4], day, seen_days[day])
        ids = [x["id"] for x in self.reports]
        assert len(set(ids)) == len(ids)


# --------------------------------------------------------------------------------------------------------------
# narratives

ROLE_BY_TYPE = {
    "fake_customer_service": ["淘宝客服", "快递公司客服", "抖音客服", "京东客服"], "impersonate_police": ["公安局民警", "检察院工作人员", "法院工作人员"],
    "fake_credit": ["银保监会工作人员", "征信中心客服"], "fake_loan": ["贷款公司业务员"], "impersonate_acquaintance": ["单位领导", "老同学", "亲戚"],
}
STORY = {
    "order_brushing": "对方称可在家做刷单兼职、日结佣金，让其下载{app}完成“任务”，前几单返还了少量佣金，后以“连单”“卡单”为由要求继续垫付。",
    "fake_investment": "对方以投资理财为名，将其拉入“股票交流群”，推荐在{app}平台购买产品，称有内部消息稳赚不赔，初期小额提现成功。",
    "fake_loan": "对方称可办理无抵押低息贷款，让其下载{app}申请，后以“银行卡号填错需解冻”“缴纳保证金”为由要求转账。",
    "fake_customer_service": "对方称其购买的商品有质量问题可退款理赔，诱导其下载{app}开启屏幕共享，按指示操作。",
    "impersonate_police": "对方称其身份信息涉嫌洗钱案，发来{url}查看“通缉令”，要求其将资金转入“安全账户”配合调查，并不得告诉家人。",
    "fake_shopping": "受害人在{url}看到低价商品，联系卖家下单付款后，对方以“未付定金”为由要求再次付款后失联。",
    "fake_credit": "对方称其征信记录有逾期，需注销“校园贷”账户，否则影响征信，引导其在{app}上贷款后转出。",
    "impersonate_acquaintance": "对方冒充其单位领导，称有急事需要周转资金，让其先行垫付。",
    "romance": "对方以谈恋爱为名与受害人长期聊天，取得信任后称发现网站漏洞，引导其在{app}上投资。",
    "game_trading": "受害人在{url}出售游戏账号，对方称账户被冻结需缴纳解冻金。",
    "elder_products": "对方以免费体检、健康讲座为名，向老人推销保健品，承诺服用后可治病并可高价回购。",
    "elder_investment": "对方以养老项目投资为名，宣传年化收益高达18%，并组织老人参观“养老基地”。",
    "elder_service": "对方以入住养老院享受优惠为名，要求预交会员费。",
    "house_pension": "对方以“以房养老”为名，诱骗老人抵押房产后将资金投入其理财项目。",
    "elder_insurance": "对方自称可代办养老保险补缴，要求先交手续费。",
    "elder_aid": "对方冒充社区工作人员，称可申领养老补贴，需先缴纳“激活费”。",
    "other": "对方以各种理由诱骗受害人转账。",
}
CLOSE = ["受害人发现被骗后报警。", "后经家人提醒发现被骗，遂报案。", "对方将其拉黑后失联，受害人报警。", "受害人提现失败后意识到被骗，前来报案。",
         "社区民警上门走访时发现，经劝说后报案。"]


def narrative(r, a, rep, id_text, acct_text, hub_text):
    kind = rep["kind"]
    date = cn_date(rep["occurred"])
    first = id_text.get("phone") or id_text.get("wechat") or id_text.get("qq") or id_text.get("url")
    ch = rep["channel"]
    role = r.choice(ROLE_BY_TYPE.get(kind, ["陌生人"]))
    if ch == "call":
        intro = "%s，受害人接到自称%s的电话（来电号码%s）。" % (date, role, id_text.get("phone") or "未知")
    elif ch == "sms":
        intro = "%s，受害人收到%s发来的短信，内含链接%s。" % (date, id_text.get("phone") or "陌生号码", id_text.get("url") or "（已删除）")
    elif ch == "wechat":
        intro = "%s，受害人被陌生人添加微信（%s）。" % (date, id_text.get("wechat") or "对方已注销") if id_text.get("wechat") else \
            "%s，受害人通过微信与对方取得联系。" % date
    elif ch == "qq":
        intro = "%s，受害人被拉入QQ群，群内%s主动联系。" % (date, id_text.get("qq") or "一名群成员")
    elif ch == "in_person":
        intro = "%s，受害人在小区附近参加活动，工作人员留下联系电话%s。" % (date, id_text.get("phone") or "")
    elif ch == "social_media":
        intro = "%s，受害人在短视频平台看到广告，按提示联系对方%s。" % (date, first or "")
    else:
        intro = "%s，受害人通过%s与对方取得联系。" % (date, first or "网络")
    story = STORY[kind].format(app=id_text.get("app") or "某APP", url=id_text.get("url") or "某网站")
    extra = []
    for k, label in (("phone", "对方还使用号码%s联系"), ("url", "对方发来的链接为%s"), ("app", "对方要求其下载%s"),
                     ("wechat", "对方%s"), ("qq", "对方%s"), ("alipay", "对方提供%s")):
        v = id_text.get(k)
        if v and v not in intro and v not in story:
            extra.append(label % v)
    if id_text.get("imei") or id_text.get("ip"):
        dev = "经调查，嫌疑人所用设备"
        if id_text.get("imei"):
            dev += "IMEI：%s" % id_text["imei"]
        if id_text.get("ip"):
            dev += "，登录IP：%s" % id_text["ip"]
        extra.append(dev)
    money = ""
    if acct_text:
        d1, d2 = cn_date(rep["payments"][0][0]), cn_date(rep["payments"][-1][0])
        when = ("于%s" % d1) if d1 == d2 else ("于%s至%s期间" % (d1, d2))
        money = "受害人%s分%d次向对方提供的%s转账，共计%s元。" % (
            when, len(rep["payments"]), "、".join(acct_text),
            w_amount(r, rep["loss"]).rstrip("元"))
    elif rep["loss"] == 0:
        money = "受害人尚未转账即察觉，未造成损失。"
    parts = [intro, story]
    if extra:
        parts.append("，".join(extra) + "。")
    if money:
        parts.append(money)
    if hub_text:
        parts.append(hub_text)
    parts.append(r.choice(CLOSE))
    return "".join(parts)


def hub_sentence(r, rep, hub_phones, hub_apps, hub_urls):
    s = []
    for num, label in hub_phones:
        s.append(r.choice(["期间受害人曾拨打%s（%s）咨询。" % (num, label), "后接到%s劝阻电话，未予理会。" % num if num == "96110"
                           else "受害人拨打%s核实未果。" % num]))
    for app in hub_apps:
        if app in ("腾讯会议", "向日葵", "钉钉"):
            s.append(r.choice(["对方要求其下载%s进行屏幕共享。" % app, "对方让其通过%s开启共享屏幕。" % app]))
        elif app == "国家反诈中心":
            s.append(r.choice(["受害人手机已安装%sAPP，但未理会预警提示。" % app, "民警指导其安装%sAPP。" % app]))
        elif app in ("支付宝", "微信", "云闪付"):
            s.append(r.choice(["受害人通过%s转账。" % app, "对方要求其打开%s扫码。" % app]))
        else:
            s.append(r.choice(["受害人最初在%s上看到对方的广告。" % app, "对方自称%s平台工作人员。" % app]))
    for u in hub_urls:
        s.append("对方让其登录%s查看订单。" % u)
    return "".join(s)


# --------------------------------------------------------------------------------------------------------------
# writing

def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)


def write(world, out):
    a, r = world.a, random.Random(world.a.seed * 7919 + 17)  # separate stream for written forms
    os.makedirs(os.path.join(out, "truth"), exist_ok=True)
    write_csv(os.path.join(out, "residents.csv"),
              ["resident_id", "birth_year", "gender", "district", "community", "grid", "lives_alone", "phones",
               "antifraud_app", "language"],
              ([x["id"], x["birth_year"], x["gender"], DISTRICT, x["community"], x["grid"], int(x["lives_alone"]),
                ";".join(x["phones"]), int(x["app"]), x["lang"]] for x in world.residents))
    rows, rkeys = [], []
    for rep in world.reports:
        src = rep["dup_of"] or rep
        id_text, keys = {}, []
        phones, urls, apps, ims = [], [], [], []
        for it in src["ids"]:
            keys.append(it.key)
            k = it.kind
            if k == "phone":
                wf = w_phone(r, it.raw)
                phones.append(w_phone(r, it.raw) if r.random() < 0.5 else it.raw)
                id_text.setdefault("phone", wf)
            elif k == "url":
                urls.append(w_url(r, it.raw))
                id_text.setdefault("url", w_url(r, it.raw))
            elif k == "app":
                apps.append(w_app(r, it.raw, False))
                id_text.setdefault("app", w_app(r, it.raw))
            elif k in ("wechat", "qq", "alipay"):
                ims.append(w_im(r, k, it.raw))
                id_text.setdefault(k, w_im(r, k, it.raw))
            elif k == "imei":
                raw = it.raw
                id_text["imei"] = raw if r.random() < 0.6 else "%s-%s-%s-%s" % (raw[:2], raw[2:8], raw[8:14], raw[14])
            elif k == "ip":
                id_text["ip"] = it.raw
        # the fields list only some of what the narrative says, and sometimes things it does not
        if r.random() < 0.15:
            phones = phones[:0]
        if r.random() < 0.1:
            urls = []
        accts, acct_text = [], []
        paid = []
        for _, ac, _ in src["payments"]:
            if ac not in paid:
                paid.append(ac)
        for ac in paid:
            keys.append("card:" + ac.raw)
            u = r.random()
            if ac.role == "relay_platform":
                accts.append(ac.raw)
                acct_text.append(("支付宝账户%s" % ac.raw) if ac.raw.startswith("2088") else ("商户号%s" % ac.raw))
            elif u < 0.7:
                accts.append(w_card(r, ac.raw))
                acct_text.append("%s账户%s" % (ac.bank or "", w_card(r, ac.raw)))
            elif u < 0.9:
                accts.append(ac.raw)
                acct_text.append("尾号%s的%s卡" % (ac.raw[-4:], ac.bank or "银行"))
            else:  # the victim only remembers the tail
                acct_text.append("尾号%s的%s卡" % (ac.raw[-4:], ac.bank or "银行"))
        hp, ha, hu = [], [], []
        if r.random() < a.hub_mentions:
            if r.random() < 0.6:
                hp = [r.choice(HUB_PHONES)]
            if r.random() < 0.7:
                ha = [r.choice(HUB_APPS)]
            if r.random() < 0.2:
                hu = [r.choice(HUB_URLS)]
            for num, _ in hp:
                if r.random() < 0.4:
                    phones.append(num)
                keys.append("tel:" + num)
                world.idents["tel:" + num] = ("phone", "hub", "hub")
            for app in ha:
                if r.random() < 0.4:
                    apps.append(app)
                keys.append("app:" + app.lower())
                world.idents["app:" + app.lower()] = ("app", "hub", "hub")
            for u in hu:
                if r.random() < 0.5:
                    urls.append(u)
                keys.append("url:" + u[4:])
                world.idents["url:" + u[4:]] = ("url", "hub", "hub")
        hub = hub_sentence(r, src, hp, ha, hu)
        text = narrative(r, a, src, id_text, acct_text, hub)
        if rep["dup_of"] is not None:
            text = "（补充报案）" + text
        loss = w_amount(r, src["loss"]) if src["loss"] > 0 else ""
        age = src["age"] if r.random() < 0.95 else ""
        rows.append([rep["id"], ts(rep["reported"], 1), ts(src["occurred"], r.randrange(2)), rep["district"],
                     (src["community"] or "") if rep["district"] == DISTRICT else "",
                     (src["victim"]["id"] if src["victim"] is not None and rep["district"] == DISTRICT else ""),
                     age, src["gender"], src["kind"], loss, src["channel"], src["status"], text,
                     ";".join(phones), ";".join(accts), ";".join(urls), ";".join(apps), ";".join(ims)])
        for k in keys:
            rkeys.append((rep["id"], k))
    write_csv(os.path.join(out, "reports.csv"),
              ["report_id", "reported_at", "occurred_at", "district", "community", "victim_id", "victim_age",
               "victim_gender", "fraud_type", "loss_yuan", "contact_channel", "status", "narrative", "phones",
               "accounts", "urls", "apps", "im_ids"], rows)
    tr = sorted(world.transfers, key=lambda x: (x[0], x[1], x[2], x[3]))
    trows = []
    for i, (t, src, dst, fen, ch, rep) in enumerate(tr):
        trows.append(["T%07d" % (i + 1), src, dst, "%d.%02d" % divmod(fen, 100), ts(t), ch, rep["id"] if rep else ""])
    write_csv(os.path.join(out, "transfers.csv"),
              ["transfer_id", "from_account", "to_account", "amount_yuan", "at", "channel", "report_id"], trows)
    # ---- truth ----
    T = os.path.join(out, "truth")
    write_csv(os.path.join(T, "report_gang.csv"), ["report_id", "gang_id", "duplicate_of"],
              ([x["id"], x["gang"] or "", x["dup_of"]["id"] if x["dup_of"] else ""] for x in world.reports))
    roles = []
    for raw, ac in world.accounts.items():
        if ac.role == "shop_owner":
            role = "shop_owner"
        else:
            role = ac.role
        roles.append((raw, role, ac.owner))
    used = set()
    for t, s, d, *_ in world.transfers:
        used.add(s)
        used.add(d)
    write_csv(os.path.join(T, "accounts.csv"), ["account", "role", "owner"],
              (x for x in roles if x[0] in used or x[1] not in ("resident",)))
    gl = []
    for g in world.gangs:
        n = sum(1 for x in g["reports"] if x["dup_of"] is None)
        svc = []
        if g["service"]:
            svc.append(g["service"]["id"])
        gl.append([g["id"], g["kind"], n, ";".join(svc), g["layers"], g["exit"], g["desk"]["id"] if g["desk"] else "",
                   g["backer"].raw if g["backer"] else "", g["relay_pref"].raw if g["relay_pref"] else "",
                   ";".join(g["id_kinds"])])
    write_csv(os.path.join(T, "gangs.csv"), ["gang_id", "kind", "size", "services", "layers", "exit", "otc_desk",
                                               "backer", "relay_pref", "id_kinds"], gl)
    write_csv(os.path.join(T, "lone.csv"), ["lone_id", "report_id", "kind", "exit", "service", "otc_desk"],
              ([g["id"], g["reports"][0]["id"], g["kind"], g["exit"], g["service"]["id"] if g["service"] else "",
                g["desk"]["id"] if g["desk"] else ""] for g in world.lones))
    write_csv(os.path.join(T, "services.csv"), ["service_id", "commission", "keeps_money", "clients", "l2_accounts"],
              ([s["id"], s["commission"], int(s["keep"]), ";".join(s["clients"]),
                ";".join(it.raw for it in s["l2"].items)] for s in world.services))
    write_csv(os.path.join(T, "identifiers.csv"), ["key", "kind", "owner", "role"],
              ([k, v[0], v[1], v[2]] for k, v in sorted(world.idents.items())))
    write_csv(os.path.join(T, "report_keys.csv"), ["report_id", "key"], rkeys)
    mt = []
    for rep in world.reports:
        src = rep["dup_of"] or rep
        seen = []
        for raw in world.trace.get(src["n"], []):
            if raw not in seen:
                seen.append(raw)
                mt.append((rep["id"], raw))
    write_csv(os.path.join(T, "money_trace.csv"), ["report_id", "account"], mt)
    n_tr = len(trows)
    summary = dict(seed=a.seed, preset=a.preset, residents=len(world.residents), reports=len(world.reports),
                   duplicates=sum(1 for x in world.reports if x["dup_of"]), gangs=len(world.gangs),
                   lone=len(world.lones), transfers=n_tr, cashout_rows_empty_to=world.stats["cashout_rows"],
                   cashout_share="%.1f%%" % (100.0 * world.stats["cashout_rows"] / max(1, n_tr)),
                   max_gang=max((g["size"] for g in world.gangs), default=0))
    with open(os.path.join(T, "summary.txt"), "w", encoding="utf-8") as f:
        for k, v in summary.items():
            f.write("%s=%s\n" % (k, v))
    with open(os.path.join(T, "README.md"), "w", encoding="utf-8") as f:
        f.write("Planted truth of an independent district (bench/gangs/indep/gen.py). report_gang.csv: the scorer's "
                "truth; accounts.csv: every account's role and owner; gangs.csv, lone.csv, services.csv: the actors; "
                "identifiers.csv: canonical keys with owner (gang, lone scammer or hub); report_keys.csv: keys each "
                "report mentions; money_trace.csv: accounts each report's money passed through.\n")
    return summary


def main(argv=None):
    p = build_parser()
    a0, _ = p.parse_known_args(argv)
    if a0.list_presets:
        for k, v in PRESETS.items():
            print("%-16s %s" % (k, " ".join("--%s=%s" % (kk.replace("_", "-"), vv) for kk, vv in v.items())))
        return 0
    if a0.preset not in PRESETS:
        p.error("unknown preset %r (have: %s)" % (a0.preset, ", ".join(PRESETS)))
    p.set_defaults(**PRESETS[a0.preset])
    a = p.parse_args(argv)
    if not a.out:
        p.error("--out is required")
    w = World(a)
    w.run()
    s = write(w, a.out)
    print(" ".join("%s=%s" % kv for kv in s.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
