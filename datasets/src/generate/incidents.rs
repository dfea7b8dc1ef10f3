//! Turns a week's victimisations into reports: loss by type and age, the money trail, narratives, duplicate reports
//! and noisy fields; assigns report ids in reporting-time order.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{Clock, DAY, WEEK};
use super::config::{Config, Rates};
use super::forms;
use super::gangs::World;
use super::money::{Hop, victim_money};
use super::narratives::{Facts, Planted, narrative};
use super::numbers::{Numbering, PhoneId};
use super::sample::{lognormal, pick};
use crate::codes::{ContactChannel, FraudType, Gender};
use crate::records::Report;
use crate::values::Fen;

/// One yuan in fen.
const YUAN: i64 = 100;

/// One victimisation, local or elsewhere.
#[derive(Debug, Clone)]
pub(crate) struct Incident {
    /// The local resident's index, or `None` for a victim in another district.
    pub(crate) resident: Option<u32>,
    pub(crate) district: String,
    pub(crate) community: Option<String>,
    pub(crate) age: u8,
    pub(crate) female: bool,
    pub(crate) fraud: FraudType,
    pub(crate) gang: usize,
    pub(crate) caller: usize,
    /// Seconds from the start when the fraud began (the decisive contact).
    pub(crate) at: i64,
    /// Tie-breaker for a stable order.
    pub(crate) seq: u64,
}

/// A report ready to be written once its id is known.
pub(crate) struct Draft {
    pub(crate) reported_at: i64,
    pub(crate) seq: u64,
    pub(crate) report: Report,
    pub(crate) gang: usize,
    /// `seq` of the original report, for duplicates.
    pub(crate) duplicate_of: Option<u64>,
    pub(crate) planted: Vec<Planted>,
    /// Index of the incident in the week's batch, for originals.
    pub(crate) incident: Option<usize>,
}

fn draw_loss(r: &Rates, t: FraudType, age: u8, rng: &mut ChaCha8Rng) -> Fen {
    let d = r.loss_of(t);
    let mult = match age {
        60..=69 => r.loss_multiplier_60s,
        70.. => r.loss_multiplier_70_plus,
        _ => 1.0,
    };
    let yuan = (lognormal(rng, d.median_yuan * mult, d.sigma)).clamp(50.0, 20_000_000.0);
    let fen = match rng.gen_range(0..10) {
        0..=6 => yuan.round() as i64 * 100,
        7 | 8 => (yuan / 100.0).round().max(1.0) as i64 * 100 * YUAN,
        _ => (yuan * 100.0).round() as i64,
    };
    Fen(fen)
}

fn contact_channel(t: FraudType, rng: &mut ChaCha8Rng) -> ContactChannel {
    use ContactChannel as C;
    let options: &[ContactChannel] = match t {
        FraudType::OrderBrushing => &[C::SocialMedia, C::Qq, C::Wechat, C::Sms, C::App],
        FraudType::FakeInvestment => &[C::Wechat, C::SocialMedia, C::Call, C::App],
        FraudType::FakeLoan => &[C::Sms, C::Call, C::App, C::Website],
        FraudType::FakeCustomerService | FraudType::ImpersonatePolice => &[C::Call],
        FraudType::FakeShopping => &[C::Website, C::SocialMedia, C::App],
        FraudType::FakeCredit => &[C::Call, C::Sms],
        FraudType::ImpersonateAcquaintance => &[C::Wechat, C::Qq, C::Call],
        FraudType::Romance => &[C::SocialMedia, C::Wechat, C::App],
        FraudType::GameTrading => &[C::Qq, C::App],
        FraudType::ElderProducts | FraudType::ElderService | FraudType::ElderAid => &[C::InPerson, C::Call],
        FraudType::ElderInvestment | FraudType::HousePension | FraudType::ElderInsurance => {
            &[C::InPerson, C::Call, C::Wechat]
        }
        FraudType::Other => &[C::Call, C::Sms, C::Wechat, C::Other],
    };
    *pick(rng, options)
}

/// The contact channel the narrative describes: the first gang identifier it names (hubs aside), else the
/// type's usual channel.
fn channel_of(planted: &[Planted], default: ContactChannel, rng: &mut ChaCha8Rng) -> ContactChannel {
    let first = planted.iter().find(|p| !p.written.key.starts_with("tel:9") && !p.written.key.starts_with("tel:1"));
    match first.map(|p| p.written.kind) {
        Some("phone") => {
            if rng.gen_bool(0.25) {
                ContactChannel::Sms
            } else {
                ContactChannel::Call
            }
        }
        Some("wechat") => ContactChannel::Wechat,
        Some("qq") => ContactChannel::Qq,
        Some("url") => ContactChannel::Website,
        Some("app") if !is_hub_app(first.map(|p| p.bare.as_str()).unwrap_or_default()) => ContactChannel::App,
        Some("app") => ContactChannel::SocialMedia,
        _ => default,
    }
}

fn is_hub_app(name: &str) -> bool {
    super::gangs::HUB_APPS.contains(&name)
}

/// Shared inputs for building reports.
pub(crate) struct Context<'a> {
    pub(crate) cfg: &'a Config,
    pub(crate) clock: &'a Clock,
    pub(crate) numbers: &'a Numbering,
}

/// Builds the drafts (originals and duplicates) and money hops of a week's incidents, processed in time order.
pub(crate) fn build(
    ctx: &Context,
    world: &mut World,
    incidents: &mut [Incident],
    next_incident: &mut u64,
    rng: &mut ChaCha8Rng,
    hops: &mut Vec<Hop>,
) -> Vec<Draft> {
    incidents.sort_by_key(|i| (i.at, i.seq));
    let rates = &ctx.cfg.rates;
    let mut drafts = Vec::with_capacity(incidents.len());
    for (idx, inc) in incidents.iter_mut().enumerate() {
        let lone = world.scenario.lone_share;
        if lone > 0.0 && world.srng.gen_bool(lone) {
            // A lone scammer's victim instead (scenario `lone_share`): a scammer of its own, with one caller.
            inc.gang = world.new_lone(inc.fraud, (inc.at / WEEK) as u32);
            inc.caller = 0;
        }
        let id = *next_incident;
        *next_incident += 1;
        let loss = draw_loss(rates, inc.fraud, inc.age, rng);
        let victim_card = match inc.resident {
            Some(r) => ctx.numbers.card(u64::from(r)),
            None => ctx.numbers.card(super::numbers::OUTSIDE_CARD_BASE + id),
        };
        let start = inc.at + rng.gen_range(600..7200);
        let pay = victim_money(
            world,
            inc.gang,
            id,
            idx,
            &victim_card,
            loss,
            inc.fraud,
            start,
            rates.service_share,
            rng,
            hops,
        );
        let mut reported = pay.last_at + (lognormal(rng, 8.0 * 3600.0, 1.2) as i64).clamp(600, 30 * 86_400);
        if let Some((lo, hi)) = world.scenario.report_delay_days {
            // Filed weeks later (scenario `report_delay_days`).
            reported = pay.last_at + i64::from(world.srng.gen_range(lo..=hi)) * DAY + world.srng.gen_range(0..DAY);
        }
        let gang = &mut world.gangs[inc.gang];
        gang.n_reports += 1;
        if inc.resident.is_some() {
            gang.n_local += 1;
        }
        let gang = &world.gangs[inc.gang];
        let caller = &gang.callers[inc.caller];
        let default_channel = contact_channel(inc.fraud, rng);
        let copies = if rng.gen_bool(rates.duplicate_share) { 2 } else { 1 };
        for copy in 0..copies {
            let reported_at = if copy == 0 { reported } else { reported + rng.gen_range(3600..5 * 86_400) };
            let facts = Facts {
                gang,
                caller,
                cards: &pay.l1_cards,
                loss,
                payments: pay.count,
                when: ctx.clock.at(inc.at).to_beijing().naive_local(),
                fraud: inc.fraud,
            };
            let text = narrative(&facts, rates.typo_share, rng);
            let channel = channel_of(&text.planted, default_channel, rng);
            let mut miss = |share: f64| rng.gen_bool(share);
            let m = rates.missing_share;
            let report = Report {
                report_id: String::new(),
                reported_at: ctx.clock.at(reported_at),
                occurred_at: if miss(m) { None } else { Some(ctx.clock.at(pay.first_at)) },
                district: inc.district.clone(),
                community: if miss(m / 2.0) { None } else { inc.community.clone() },
                victim_id: inc.resident.map(super::population::resident_id),
                victim_age: if miss(m) { None } else { Some(inc.age) },
                victim_gender: if miss(m) {
                    None
                } else {
                    Some(if inc.female { Gender::Female } else { Gender::Male })
                },
                fraud_type: inc.fraud,
                loss: if miss(m / 2.0) { None } else { Some(loss) },
                contact_channel: if miss(m) { None } else { Some(channel) },
                status: None,
                narrative: text.text.clone(),
                phones: Vec::new(),
                accounts: Vec::new(),
                urls: Vec::new(),
                apps: Vec::new(),
                im_ids: Vec::new(),
            };
            let mut draft = Draft {
                reported_at,
                seq: id * 2 + copy,
                report,
                gang: inc.gang,
                duplicate_of: if copy == 0 { None } else { Some(id * 2) },
                planted: text.planted,
                incident: if copy == 0 { Some(idx) } else { None },
            };
            columns(&mut draft, caller, &pay.l1_cards, rates.typo_share, rates.missing_share, rng);
            drafts.push(draft);
        }
    }
    drafts
}

/// Fills the report's identifier columns with what the victim supplied: the identifiers of the narrative (column
/// forms), the caller and the paid cards, some partial or typo'd, some columns left empty.
fn columns(d: &mut Draft, caller: &PhoneId, cards: &[String], typo: f64, missing: f64, rng: &mut ChaCha8Rng) {
    let r = &mut d.report;
    let push = |v: &mut Vec<String>, s: String| {
        if !v.contains(&s) {
            v.push(s);
        }
    };
    for p in &d.planted {
        match p.written.kind {
            "phone" => push(&mut r.phones, p.written.text.clone()),
            "card" | "cardtail" => push(&mut r.accounts, p.written.text.clone()),
            "url" => push(&mut r.urls, p.written.text.clone()),
            "app" => push(&mut r.apps, forms::app_column(&p.bare, rng)),
            "wechat" => push(&mut r.im_ids, format!("微信:{}", p.bare)),
            "qq" => push(&mut r.im_ids, format!("QQ:{}", p.bare)),
            _ => {}
        }
    }
    if r.phones.is_empty() && rng.gen_bool(0.6) {
        r.phones.push(forms::phone(caller, rng.gen_bool(typo), rng).text);
    }
    for c in cards {
        if rng.gen_bool(0.5) {
            let text =
                if rng.gen_bool(0.2) { forms::card_tail(c).text } else { forms::card(c, rng.gen_bool(typo), rng).text };
            push(&mut r.accounts, text);
        }
    }
    for col in [&mut r.phones, &mut r.accounts, &mut r.urls, &mut r.apps, &mut r.im_ids] {
        if rng.gen_bool(missing) {
            col.clear();
        }
    }
}
