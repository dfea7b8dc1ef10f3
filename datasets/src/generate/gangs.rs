//! The criminal side: gangs with fraud-type specialities, caller pools, apps, URLs and IM ids, mule-card pools and
//! backer (金主) accounts, laundering services shared by several gangs, innocent last-hop merchants, and the
//! legitimate hub identifiers.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::config::{Config, Scenario};
use super::forms::app_key;
use super::numbers::{
    BACKER_CARD_BASE, GANG_PHONE_BASE, MERCHANT_CARD_BASE, MULE_CARD_BASE, Numbering, OTC_CARD_BASE, PhoneId,
    SHOP_CARD_BASE, UNSEEN_CARD_BASE, UrlId,
};
use super::sample::{Stream, lognormal, pick, pick_str, stream, weighted};
use crate::codes::FraudType;

/// Legitimate numbers victims mention (key, written, why).
pub(crate) const HUB_PHONES: [(&str, &str); 9] = [
    ("95588", "工商银行客服热线"),
    ("95533", "建设银行客服热线"),
    ("95599", "农业银行客服热线"),
    ("95566", "中国银行客服热线"),
    ("95555", "招商银行客服热线"),
    ("96110", "反诈预警劝阻专线"),
    ("12345", "政务服务便民热线"),
    ("12381", "涉诈预警劝阻短信"),
    ("95017", "微信支付客服"),
];

/// Popular apps and platforms victims mention.
pub(crate) const HUB_APPS: [&str; 10] =
    ["支付宝", "微信", "抖音", "淘宝", "京东", "拼多多", "闲鱼", "快手", "国家反诈中心", "美团"];

/// Genuine shops paid through the relays (scenario `relay_share`).
const SHOPS: u64 = 60;

/// Who controls a mule account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    Gang(usize),
    Service(usize),
}

/// The first-level mule card currently collecting a gang's victims.
#[derive(Debug, Clone)]
pub(crate) struct L1 {
    pub(crate) card: String,
    pub(crate) expires: i64,
    pub(crate) remaining: u32,
    pub(crate) last_incident: u64,
    pub(crate) l2: Vec<String>,
    pub(crate) owner: Owner,
    /// Victims paying into this card who never appear in reports.csv (unreported, or reported where the platform
    /// does not share): the card's 3–30 victims are mostly unseen by one district.
    pub(crate) unseen: u32,
}

/// A gang (诈骗团伙).
#[derive(Debug, Clone)]
pub(crate) struct Gang {
    pub(crate) id: String,
    pub(crate) types: Vec<FraudType>,
    pub(crate) weight: f64,
    pub(crate) from_week: u32,
    pub(crate) to_week: u32,
    pub(crate) callers: Vec<PhoneId>,
    pub(crate) apps: Vec<String>,
    pub(crate) urls: Vec<UrlId>,
    pub(crate) wechat: Vec<String>,
    pub(crate) qq: Vec<String>,
    pub(crate) services: Vec<usize>,
    pub(crate) l2: Vec<String>,
    pub(crate) l3: Vec<String>,
    pub(crate) wallets: Vec<String>,
    /// The backer's (金主) accounts that laundering services pay the gang's share back into: stable over the gang's
    /// life, 1–2 per gang.
    pub(crate) backers: Vec<Backer>,
    pub(crate) l1: Option<L1>,
    pub(crate) n_reports: u32,
    pub(crate) n_local: u32,
    /// A lone scammer (id `L…`, scenario `lone_share`): never chosen for a victim by type, not in gangs.csv, its
    /// reports have an empty gang_id.
    pub(crate) lone: bool,
    /// Mule layers of the gang's own chain, L1 included (3 unless the scenario draws them).
    pub(crate) layers: u32,
    /// The card pools of layers 4 and 5, when `layers` > 3.
    pub(crate) deep: Vec<Vec<String>>,
    /// The OTC desk its own chain ends at (scenario `otc_share`).
    pub(crate) otc: Option<usize>,
}

impl Gang {
    /// A gang with no identifiers, cards or services yet, 3 layers, no OTC desk.
    fn new(id: String, types: Vec<FraudType>, weight: f64, from_week: u32, to_week: u32) -> Gang {
        Gang {
            id,
            types,
            weight,
            from_week,
            to_week,
            callers: Vec::new(),
            apps: Vec::new(),
            urls: Vec::new(),
            wechat: Vec::new(),
            qq: Vec::new(),
            services: Vec::new(),
            l2: Vec::new(),
            l3: Vec::new(),
            wallets: Vec::new(),
            backers: Vec::new(),
            l1: None,
            n_reports: 0,
            n_local: 0,
            lone: false,
            layers: 3,
            deep: Vec::new(),
            otc: None,
        }
    }

    pub(crate) fn active(&self, week: u32) -> bool {
        !self.lone && (self.from_week..=self.to_week).contains(&week)
    }
}

/// An OTC desk (USDT dealer) buying the proceeds of several gangs and lone scammers: one receiving card at a time.
#[derive(Debug, Clone)]
pub(crate) struct Desk {
    pub(crate) id: String,
    /// Receiving cards with the end of their active time (seconds from the start), in order.
    pub(crate) cards: Vec<(i64, String)>,
    /// Where the receiving cards sweep their takings.
    pub(crate) treasury: String,
}

impl Desk {
    /// The receiving card active at `t` (the last one after the end).
    pub(crate) fn card_at(&self, t: i64) -> &str {
        let i = self.cards.iter().position(|(until, _)| t < *until).unwrap_or(self.cards.len() - 1);
        &self.cards[i].1
    }
}

/// An account of a gang's backer (金主): a USDT wallet (paid on the crypto channel) or a bank card.
#[derive(Debug, Clone)]
pub(crate) struct Backer {
    /// The account as written in transfers.csv (wallet address or card number).
    pub(crate) account: String,
    pub(crate) crypto: bool,
}

/// A laundering service (跑分 platform / 水房) serving several gangs.
#[derive(Debug, Clone)]
pub(crate) struct Service {
    pub(crate) id: String,
    pub(crate) gangs: Vec<usize>,
    pub(crate) l2: Vec<String>,
    pub(crate) l3: Vec<String>,
    pub(crate) wallets: Vec<String>,
    /// Commission in per mille (20–35‰).
    pub(crate) fee_permille: i64,
}

/// Ground truth of one planted identifier.
#[derive(Debug, Clone)]
pub(crate) struct IdentTruth {
    pub(crate) kind: &'static str,
    pub(crate) owner: String,
    pub(crate) role: &'static str,
}

/// Everything on the criminal side, plus the shared innocent endpoints.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) gangs: Vec<Gang>,
    pub(crate) services: Vec<Service>,
    pub(crate) merchants: Vec<String>,
    pub(crate) atms: Vec<String>,
    pub(crate) truth: BTreeMap<String, IdentTruth>,
    pub(crate) numbers: Numbering,
    /// Draws of the payments to backers (a stream of its own, so the rest of the run draws as without them).
    pub(crate) returns: ChaCha8Rng,
    /// Share of the L3 chunks paid to the gang's backer (`Rates::backer_share`).
    pub(crate) backer_share: f64,
    /// The structural switches, and the stream every draw they add comes from (so the rest draws as without them).
    pub(crate) scenario: Scenario,
    pub(crate) srng: ChaCha8Rng,
    /// Payment-platform relay accounts (scenario `relay_share`).
    pub(crate) relays: Vec<String>,
    /// Genuine shops' cards that the relays settle residents' purchases to.
    pub(crate) shops: Vec<String>,
    /// OTC desks (scenario `otc_share`).
    pub(crate) desks: Vec<Desk>,
    /// Gangs proper; lone scammers follow them in `gangs`.
    pub(crate) n_gangs: usize,
    next_card: u64,
    next_unseen: u64,
    next_phone: u64,
}

const SYLLABLES: [&str; 24] = [
    "鑫", "汇", "融", "通", "盈", "财", "富", "联", "达", "恒", "泰", "金", "安", "信", "源", "星", "利", "瑞", "丰",
    "嘉", "华", "德", "优", "众",
];
const APP_SUFFIX: [&str; 10] = ["理财", "投资", "金服", "钱包", "借呗", "商城", "优选", "课堂", "乐园", "严选"];
const LATIN_APPS: [&str; 8] = ["Ubit", "CoinVX", "BitGo", "Hcoin", "MetaEx", "OKpro", "Zbex", "Tradex"];
const HOST_WORDS: [&str; 16] = [
    "licai", "xinhui", "ronghe", "jinfu", "vip", "kefu", "tuikuan", "daikuan", "zhengxin", "haoli", "caifu", "touzi",
    "shop", "game", "yanglao", "baojian",
];
const TLDS: [&str; 7] = [".top", ".cn", ".com", ".xyz", ".vip", ".cc", ".net"];
const PATHS: [&str; 6] = ["", "/download", "/reg", "/m/index.html", "/app/down", "/kf"];
const WX_WORDS: [&str; 12] =
    ["Lucky", "licai", "Mia", "jinrong", "tz", "kefu", "VIP", "Amy", "laoshi", "Wang", "zhuli", "Grace"];
const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn unique<F: FnMut(&mut ChaCha8Rng) -> String>(rng: &mut ChaCha8Rng, seen: &mut BTreeSet<String>, mut f: F) -> String {
    loop {
        let v = f(rng);
        if seen.insert(v.clone()) {
            return v;
        }
    }
}

fn app_name(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_bool(0.15) {
        let n = pick(rng, &LATIN_APPS);
        return if rng.gen_bool(0.5) { n.to_string() } else { format!("{n}{}", rng.gen_range(2..99)) };
    }
    let n = rng.gen_range(1..3);
    let mut s: String = (0..n).map(|_| *pick(rng, &SYLLABLES)).collect();
    s.push_str(pick_str(rng, &APP_SUFFIX));
    s
}

fn url_id(rng: &mut ChaCha8Rng) -> UrlId {
    let mut host = pick(rng, &HOST_WORDS).to_string();
    match rng.gen_range(0..3) {
        0 => host.push_str(&rng.gen_range(10..999).to_string()),
        1 => {
            host.push('-');
            host.push_str(pick_str(rng, &HOST_WORDS));
        }
        _ => {
            host.push_str(pick_str(rng, &HOST_WORDS));
            host.push_str(&rng.gen_range(1..99).to_string());
        }
    }
    host.push_str(pick_str(rng, &TLDS));
    let path = pick(rng, &PATHS).to_string();
    let query = if rng.gen_bool(0.3) { vec![("id".to_string(), rng.gen_range(1..9999).to_string())] } else { vec![] };
    UrlId { host, path, query }
}

fn wechat_id(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_bool(0.3) {
        let s: String = (0..10).map(|_| BASE58[rng.gen_range(33..BASE58.len())] as char).collect();
        return format!("wxid_{}", s.to_lowercase());
    }
    format!("{}{}{}", pick(rng, &WX_WORDS), ["_", "", "-"][rng.gen_range(0..3)], rng.gen_range(10..99_999))
}

fn wallet(rng: &mut ChaCha8Rng) -> String {
    let s: String = (0..33).map(|_| BASE58[rng.gen_range(0..BASE58.len())] as char).collect();
    format!("T{s}")
}

fn caller(rng: &mut ChaCha8Rng, numbers: &Numbering, idx: u64) -> PhoneId {
    match rng.gen_range(0..100) {
        0..=74 => PhoneId::Mobile(numbers.mobile(idx)),
        75..=86 => {
            let (cc, len, lead) =
                [("852", 8, '9'), ("855", 9, '8'), ("63", 10, '9'), ("95", 9, '9')][rng.gen_range(0..4)];
            let rest: String = (1..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
            PhoneId::Overseas { cc: cc.to_string(), national: format!("{lead}{rest}") }
        }
        _ => {
            let area = ["10", "21", "20", "755", "571", "28", "27"][rng.gen_range(0..7)];
            let len = if area.len() == 2 { 8 } else { 7 + rng.gen_range(0..2) };
            let rest: String = (1..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
            PhoneId::Landline { area: area.to_string(), local: format!("{}{rest}", rng.gen_range(2..9)) }
        }
    }
}

impl World {
    /// Builds gangs and services sized to the expected number of cases.
    pub(crate) fn new(cfg: &Config, numbers: Numbering) -> World {
        let mut rng = stream(cfg.seed, Stream::World, 0);
        let r = &cfg.rates;
        let local = r.incidence_per_10k_year * f64::from(cfg.residents) / 10_000.0 * f64::from(cfg.weeks) / 52.0;
        let total = local * (1.0 + r.elsewhere_per_local);
        let n_gangs = ((total / r.cases_per_gang).ceil() as usize).clamp(6, 5_000);
        let n_services = (n_gangs / 6).max(2);
        let mut world = World {
            gangs: Vec::with_capacity(n_gangs),
            services: Vec::with_capacity(n_services),
            merchants: Vec::new(),
            atms: Vec::new(),
            truth: BTreeMap::new(),
            numbers,
            returns: stream(cfg.seed, Stream::Returns, 1),
            backer_share: r.backer_share,
            scenario: cfg.scenario.clone(),
            srng: stream(cfg.seed, Stream::Scenario, 0),
            relays: Vec::new(),
            shops: Vec::new(),
            desks: Vec::new(),
            n_gangs,
            next_card: MULE_CARD_BASE,
            next_unseen: 0,
            next_phone: 0,
        };
        let mix: Vec<(FraudType, f64)> = {
            let mut m: BTreeMap<FraudType, f64> = BTreeMap::new();
            for (t, w) in &r.mix_under_60 {
                *m.entry(*t).or_default() += w * 0.8;
            }
            for (t, w) in &r.mix_60_plus {
                *m.entry(*t).or_default() += w * 0.2;
            }
            m.into_iter().collect()
        };
        let mix_w: Vec<f64> = mix.iter().map(|(_, w)| *w).collect();
        let (mut seen_apps, mut seen_hosts, mut seen_wx, mut seen_qq) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut phone_idx = GANG_PHONE_BASE;
        for g in 0..n_gangs {
            let id = format!("G{:04}", g + 1);
            let mut types = vec![if g < mix.len() { mix[g].0 } else { mix[weighted(&mut rng, &mix_w)].0 }];
            for _ in 0..rng.gen_range(0..3) {
                let t = mix[weighted(&mut rng, &mix_w)].0;
                if !types.contains(&t) {
                    types.push(t);
                }
            }
            let (from_week, to_week) = if rng.gen_bool(0.7) || cfg.weeks < 10 {
                (0, cfg.weeks - 1)
            } else {
                let len = rng.gen_range(8..=cfg.weeks);
                let from = rng.gen_range(0..=cfg.weeks - len);
                (from, from + len - 1)
            };
            let mut gang = Gang::new(id.clone(), types, lognormal(&mut rng, 1.0, 0.7), from_week, to_week);

            for _ in 0..rng.gen_range(5..=30) {
                let p = caller(&mut rng, &world.numbers, phone_idx);
                phone_idx += 1;
                world.own(p.key(), "phone", &id, "caller");
                gang.callers.push(p);
            }
            for _ in 0..rng.gen_range(1..=3) {
                let a = unique(&mut rng, &mut seen_apps, app_name);
                world.own(app_key(&a), "app", &id, "app");
                gang.apps.push(a);
            }
            for _ in 0..rng.gen_range(1..=3) {
                let u = loop {
                    let u = url_id(&mut rng);
                    if seen_hosts.insert(u.host.clone()) {
                        break u;
                    }
                };
                world.own(u.key(), "url", &id, "url");
                gang.urls.push(u);
            }
            for _ in 0..rng.gen_range(2..=6) {
                let w = unique(&mut rng, &mut seen_wx, wechat_id);
                world.own(format!("wechat:{}", w.to_lowercase()), "wechat", &id, "im");
                gang.wechat.push(w);
            }
            for _ in 0..rng.gen_range(1..=3) {
                let q = unique(&mut rng, &mut seen_qq, |r| r.gen_range(10_000_000u64..4_000_000_000).to_string());
                world.own(format!("qq:{q}"), "qq", &id, "im");
                gang.qq.push(q);
            }
            for _ in 0..rng.gen_range(4..=12) {
                let c = world.new_card(&id, "l2");
                gang.l2.push(c);
            }
            for _ in 0..rng.gen_range(3..=8) {
                let c = world.new_card(&id, "l3");
                gang.l3.push(c);
            }
            for _ in 0..rng.gen_range(1..=3) {
                let w = wallet(&mut rng);
                world.own(format!("crypto:{w}"), "crypto", &id, "cashout");
                gang.wallets.push(w);
            }
            world.gangs.push(gang);
        }
        for s in 0..n_services {
            let id = format!("S{:03}", s + 1);
            let l2 = (0..rng.gen_range(20..=50)).map(|_| world.new_card(&id, "l2")).collect();
            let l3 = (0..rng.gen_range(10..=30)).map(|_| world.new_card(&id, "l3")).collect();
            let wallets: Vec<String> = (0..rng.gen_range(3..=8)).map(|_| wallet(&mut rng)).collect();
            for w in &wallets {
                world.own(format!("crypto:{w}"), "crypto", &id, "cashout");
            }
            world.services.push(Service {
                id,
                gangs: Vec::new(),
                l2,
                l3,
                wallets,
                fee_permille: rng.gen_range(20..=35),
            });
        }
        for g in 0..n_gangs {
            if rng.gen_bool(0.75) {
                let n = if rng.gen_bool(0.25) { 2 } else { 1 };
                for _ in 0..n {
                    let s = rng.gen_range(0..n_services);
                    if !world.gangs[g].services.contains(&s) {
                        world.gangs[g].services.push(s);
                        world.services[s].gangs.push(g);
                    }
                }
            }
        }
        for s in 0..n_services {
            while world.services[s].gangs.len() < 2 {
                let g = rng.gen_range(0..n_gangs);
                if !world.services[s].gangs.contains(&g) {
                    world.gangs[g].services.push(s);
                    world.services[s].gangs.push(g);
                }
            }
            world.services[s].gangs.sort_unstable();
        }
        // Backers come from a stream of their own: the gangs and services above are drawn as without them.
        let mut brng = stream(cfg.seed, Stream::Returns, 0);
        let mut next_backer = BACKER_CARD_BASE;
        for g in 0..n_gangs {
            for _ in 0..brng.gen_range(1..=2) {
                let id = world.gangs[g].id.clone();
                let backer = if brng.gen_bool(0.5) {
                    let w = wallet(&mut brng);
                    world.own(format!("crypto:{w}"), "crypto", &id, "backer");
                    Backer { account: w, crypto: true }
                } else {
                    let c = world.numbers.card(next_backer);
                    next_backer += 1;
                    world.own(format!("card:{c}"), "card", &id, "backer");
                    Backer { account: c, crypto: false }
                };
                world.gangs[g].backers.push(backer);
            }
        }
        world.merchants = (0..40).map(|k| world.numbers.card(MERCHANT_CARD_BASE + k)).collect();
        world.atms = (0..30).map(|_| format!("ATM{}{:04}", cfg.district, rng.gen_range(0..10_000))).collect();
        world.next_phone = phone_idx;
        world.apply_scenario(cfg);
        world
    }

    /// Builds what the scenario's switches add, from the scenario stream only (nothing when they are off).
    fn apply_scenario(&mut self, cfg: &Config) {
        let sc = self.scenario.clone();
        let srng = &mut self.srng;
        if sc.commission_permille != Scenario::default().commission_permille {
            let (lo, hi) = sc.commission_permille;
            for s in &mut self.services {
                s.fee_permille = i64::from(srng.gen_range(lo..=hi));
            }
        }
        if sc.relay_share > 0.0 {
            self.relays =
                (0..sc.relays).map(|_| format!("2088{:012}", srng.gen_range(0..1_000_000_000_000u64))).collect();
            self.shops = (0..SHOPS).map(|k| self.numbers.card(SHOP_CARD_BASE + k)).collect();
        }
        if sc.otc_share > 0.0 {
            let end = i64::from(cfg.weeks) * 7 * 86_400;
            for d in 0..sc.otc_desks {
                let mut desk = Desk { id: format!("D{:02}", d + 1), cards: Vec::new(), treasury: String::new() };
                let mut k = u64::from(d) * 1_000;
                let mut until = 0;
                while until < end {
                    until += srng.gen_range(40..=120) * 86_400;
                    desk.cards.push((until, self.numbers.card(OTC_CARD_BASE + k)));
                    k += 1;
                }
                desk.treasury = self.numbers.card(OTC_CARD_BASE + k);
                self.desks.push(desk);
            }
            for g in 0..self.gangs.len() {
                if srng.gen_bool(sc.otc_share) {
                    self.gangs[g].otc = Some(srng.gen_range(0..self.desks.len()));
                }
            }
        }
        if sc.layers != Scenario::default().layers {
            let (lo, hi) = sc.layers;
            for g in 0..self.gangs.len() {
                let layers = self.srng.gen_range(lo..=hi);
                self.gangs[g].layers = layers;
                for depth in 4..=layers {
                    let id = self.gangs[g].id.clone();
                    let n = self.srng.gen_range(2..=6);
                    let role = if depth == 4 { "l4" } else { "l5" };
                    let pool = (0..n).map(|_| self.new_card(&id, role)).collect();
                    self.gangs[g].deep.push(pool);
                }
            }
        }
        if sc.shared_l2_share > 0.0 && self.services.len() > 1 {
            let n = self.services.len();
            for s in 0..n {
                for c in self.services[s].l2.clone() {
                    if self.srng.gen_bool(sc.shared_l2_share) {
                        let other = (s + self.srng.gen_range(1..n)) % n;
                        self.services[other].l2.push(c.clone());
                        let other_id = self.services[other].id.clone();
                        if let Some(t) = self.truth.get_mut(&format!("card:{c}")) {
                            t.owner = format!("{};{other_id}", t.owner);
                        }
                    }
                }
            }
        }
    }

    /// A new lone scammer (scenario `lone_share`) for one victimisation in `week`: one phone, app, URL, WeChat and QQ
    /// id of its own (the L1 card is opened on the first payment), maybe a laundering service or an OTC desk.
    pub(crate) fn new_lone(&mut self, fraud: FraudType, week: u32) -> usize {
        let idx = self.gangs.len() - self.n_gangs;
        let id = format!("L{:05}", idx + 1);
        let caller = caller(&mut self.srng, &self.numbers, self.next_phone);
        self.next_phone += 1;
        self.own(caller.key(), "phone", &id, "caller");
        let (app, key) = self.fresh(|r| {
            let a = app_name(r);
            let k = app_key(&a);
            (a, k)
        });
        self.own(key, "app", &id, "app");
        let (url, key) = self.fresh(|r| {
            let u = url_id(r);
            let k = u.key();
            (u, k)
        });
        self.own(key, "url", &id, "url");
        let (wx, key) = self.fresh(|r| {
            let w = wechat_id(r);
            let k = format!("wechat:{}", w.to_lowercase());
            (w, k)
        });
        self.own(key, "wechat", &id, "im");
        let (qq, key) = self.fresh(|r| {
            let q = r.gen_range(10_000_000u64..4_000_000_000).to_string();
            let k = format!("qq:{q}");
            (q, k)
        });
        self.own(key, "qq", &id, "im");
        let sc = &self.scenario;
        let services = if !self.services.is_empty() && self.srng.gen_bool(sc.lone_service_share) {
            vec![self.srng.gen_range(0..self.services.len())]
        } else {
            Vec::new()
        };
        let otc = (!self.desks.is_empty() && services.is_empty() && self.srng.gen_bool(sc.otc_share))
            .then(|| self.srng.gen_range(0..self.desks.len()));
        let mut lone = Gang::new(id, vec![fraud], 0.0, week, week);
        lone.callers.push(caller);
        lone.apps.push(app);
        lone.urls.push(url);
        lone.wechat.push(wx);
        lone.qq.push(qq);
        lone.services = services;
        lone.lone = true;
        lone.layers = 1;
        lone.otc = otc;
        self.gangs.push(lone);
        self.gangs.len() - 1
    }

    /// An identifier (and its key) drawn from the scenario stream that no gang or lone scammer owns yet.
    fn fresh<T>(&mut self, make: impl Fn(&mut ChaCha8Rng) -> (T, String)) -> (T, String) {
        loop {
            let (value, key) = make(&mut self.srng);
            if !self.truth.contains_key(&key) {
                return (value, key);
            }
        }
    }

    fn own(&mut self, key: String, kind: &'static str, owner: &str, role: &'static str) {
        self.truth.insert(key, IdentTruth { kind, owner: owner.to_string(), role });
    }

    /// Allocates the next mule card (numbers are opaque: a keyed permutation of a time-ordered counter).
    pub(crate) fn new_card(&mut self, owner: &str, role: &'static str) -> String {
        let c = self.numbers.card(self.next_card);
        self.next_card += 1;
        self.own(format!("card:{c}"), "card", owner, role);
        c
    }

    /// A fresh card for a victim who appears in no report.
    pub(crate) fn unseen_victim_card(&mut self) -> String {
        self.next_unseen += 1;
        self.numbers.card(UNSEEN_CARD_BASE + self.next_unseen)
    }

    /// Active gangs specialised in `t` in `week` (empty if none).
    pub(crate) fn gangs_for(&self, t: FraudType, week: u32) -> Vec<usize> {
        (0..self.gangs.len()).filter(|&g| self.gangs[g].active(week) && self.gangs[g].types.contains(&t)).collect()
    }

    /// A gang for a victim of type `t` in `week`: a specialist if one is active, else any active gang.
    pub(crate) fn choose_gang(&self, t: FraudType, week: u32, rng: &mut ChaCha8Rng) -> usize {
        let mut cands = self.gangs_for(t, week);
        if cands.is_empty() {
            cands = (0..self.gangs.len()).filter(|&g| self.gangs[g].active(week)).collect();
        }
        if cands.is_empty() {
            return rng.gen_range(0..self.n_gangs);
        }
        let w: Vec<f64> = cands.iter().map(|&g| self.gangs[g].weight).collect();
        cands[weighted(rng, &w)]
    }

    /// The gang's collecting L1 card at time `t` for incident `incident`, opening a new one when the old one is
    /// frozen (lives 1–14 days) or full (3–30 victims, most of them unseen). The flag is true for a new card.
    pub(crate) fn l1_for(&mut self, g: usize, t: i64, incident: u64, rng: &mut ChaCha8Rng, share: f64) -> (L1, bool) {
        let current =
            self.gangs[g].l1.take().filter(|l1| t <= l1.expires && (l1.remaining > 0 || l1.last_incident == incident));
        let fresh = current.is_none();
        let mut l1 = match current {
            Some(l1) => l1,
            None => {
                let gang_id = self.gangs[g].id.clone();
                let card = self.new_card(&gang_id, "l1");
                let gang = &self.gangs[g];
                let owner = if gang.lone {
                    gang.services.first().map_or(Owner::Gang(g), |&s| Owner::Service(s))
                } else if !gang.services.is_empty() && rng.gen_bool(share) {
                    Owner::Service(*pick(rng, &gang.services))
                } else {
                    Owner::Gang(g)
                };
                let pool = match owner {
                    Owner::Gang(g) => &self.gangs[g].l2,
                    Owner::Service(s) => &self.services[s].l2,
                };
                let mut n = rng.gen_range(3..=10).min(pool.len());
                if owner == Owner::Gang(g) && self.gangs[g].layers == 1 {
                    // A one-layer chain: the L1 card pays the last hop itself.
                    n = 0;
                }
                let mut l2: Vec<String> = Vec::with_capacity(n);
                while l2.len() < n {
                    let c = pick(rng, pool);
                    if !l2.contains(c) {
                        l2.push(c.clone());
                    }
                }
                let capacity: u32 = rng.gen_range(3..=30);
                let unseen = (f64::from(capacity) * rng.gen_range(0.6..0.95)).round() as u32;
                L1 {
                    card,
                    expires: t + rng.gen_range(86_400..=14 * 86_400),
                    remaining: capacity.saturating_sub(unseen).max(1),
                    last_incident: u64::MAX,
                    l2,
                    owner,
                    unseen,
                }
            }
        };
        if l1.last_incident != incident {
            l1.last_incident = incident;
            l1.remaining = l1.remaining.saturating_sub(1);
        }
        self.gangs[g].l1 = Some(l1.clone());
        (l1, fresh)
    }
}
