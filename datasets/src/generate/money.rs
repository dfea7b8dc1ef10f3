//! How a victim's money moves: payments into the gang's L1 mule card, drained within minutes into 3–10 L2 cards,
//! on to 2–5 L3 cards within 10–120 min, and on within 1–48 h, in chunks just under round thresholds. Most of it
//! ends with the gang's backer (金主: a USDT wallet or a bank card, stable over the gang's life), whether the gang
//! moves its own money or a laundering service (跑分/水房) does, keeping its 2–3.5% commission and paying the rest
//! back; the other chunks are withdrawn at ATMs, spent through innocent merchants or sent to the launderer's own
//! crypto wallets.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::gangs::{L1, Owner, World};
use super::numbers::Numbering;
use super::sample::{geometric, lognormal, pick, poisson};
use crate::codes::{FraudType, TransferChannel};
use crate::values::Fen;

/// One yuan in fen.
const YUAN: i64 = 100;

/// One transfer before its id is assigned; `incident` marks a victim's own payment (its report id is filled later).
#[derive(Debug, Clone)]
pub(crate) struct Hop {
    pub(crate) at: i64,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) amount: Fen,
    pub(crate) channel: TransferChannel,
    pub(crate) incident: Option<usize>,
}

/// What the victim saw of the money trail.
#[derive(Debug, Clone)]
pub(crate) struct Payments {
    /// Distinct L1 cards paid, in order.
    pub(crate) l1_cards: Vec<String>,
    pub(crate) first_at: i64,
    pub(crate) last_at: i64,
    pub(crate) count: u32,
}

/// Splits `total` into up to `n` chunks, all but the last just under a round threshold.
pub(crate) fn split(total: Fen, n: usize, rng: &mut ChaCha8Rng) -> Vec<Fen> {
    if n <= 1 || total.0 < 200 * YUAN {
        return vec![total];
    }
    let mut out = Vec::with_capacity(n);
    let mut rem = total.0;
    for j in 0..n - 1 {
        let share = rem / (n - j) as i64;
        let target = share * rng.gen_range(70..130) / 100;
        let unit: i64 = if target >= 10_000 * YUAN {
            1_000 * YUAN
        } else if target >= 1_000 * YUAN {
            100 * YUAN
        } else {
            10 * YUAN
        };
        let rounded = (target + unit - 1) / unit * unit;
        let chunk = rounded - rng.gen_range(1..=(unit / (10 * YUAN)).clamp(1, 99)) * YUAN - rng.gen_range(0..YUAN);
        if chunk <= 0 || chunk >= rem {
            break;
        }
        out.push(Fen(chunk));
        rem -= chunk;
    }
    out.push(Fen(rem));
    out
}

fn victim_channel(rng: &mut ChaCha8Rng) -> TransferChannel {
    match rng.gen_range(0..100) {
        0..=44 => TransferChannel::MobileBanking,
        45..=64 => TransferChannel::Bank,
        65..=84 => TransferChannel::Alipay,
        _ => TransferChannel::WechatPay,
    }
}

fn bank_channel(rng: &mut ChaCha8Rng) -> TransferChannel {
    if rng.gen_bool(0.6) { TransferChannel::MobileBanking } else { TransferChannel::Bank }
}

/// The victim's payments for one incident and every onward hop. `batch` is the incident's index in its batch.
/// Scenario switches: a multi-pay victim (`multi_pay_share`) pays at least 3 times over 2–`multi_pay_weeks` weeks;
/// a payment may go to a payment-platform relay first (`relay_share`), which the victim then names instead of the
/// L1 card.
#[allow(clippy::too_many_arguments)]
pub(crate) fn victim_money(
    world: &mut World,
    gang: usize,
    incident: u64,
    batch: usize,
    victim_card: &str,
    loss: Fen,
    fraud: FraudType,
    start: i64,
    service_share: f64,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Hop>,
) -> Payments {
    let mut n = match fraud {
        FraudType::ElderProducts => rng.gen_range(2..=6),
        FraudType::OrderBrushing | FraudType::FakeInvestment | FraudType::ElderInvestment => geometric(rng, 5.0),
        _ => geometric(rng, 3.0),
    };
    let sc = &world.scenario;
    let multi_weeks = (sc.multi_pay_share > 0.0 && world.srng.gen_bool(sc.multi_pay_share))
        .then(|| world.srng.gen_range(2..=sc.multi_pay_weeks));
    if multi_weeks.is_some() {
        n = n.max(world.srng.gen_range(3..=6));
    }
    n = n.min((loss.0 / (100 * YUAN)).max(1) as u32);
    let mut span: i64 = match fraud {
        FraudType::OrderBrushing | FraudType::GameTrading | FraudType::FakeShopping => 6 * 3600,
        FraudType::FakeInvestment | FraudType::Romance | FraudType::ElderInvestment => 14 * 86_400,
        FraudType::ElderProducts | FraudType::HousePension => 30 * 86_400,
        _ => 2 * 86_400,
    };
    if let Some(weeks) = multi_weeks {
        span = i64::from(weeks) * 7 * 86_400;
    }
    let mut weights: Vec<f64> = (0..n).map(|_| rng.gen_range(0.3..1.0)).collect();
    if matches!(fraud, FraudType::OrderBrushing | FraudType::FakeInvestment) {
        weights.sort_by(|a, b| a.total_cmp(b));
        for (i, w) in weights.iter_mut().enumerate() {
            *w *= 1.0 + i as f64;
        }
    }
    let wsum: f64 = weights.iter().sum();
    let mut amounts: Vec<i64> = weights.iter().map(|w| (loss.0 as f64 * w / wsum) as i64).collect();
    let assigned: i64 = amounts.iter().sum();
    if let Some(last) = amounts.last_mut() {
        *last += loss.0 - assigned;
    }
    let mut times: Vec<i64> = (0..n).map(|i| if i == 0 { 0 } else { rng.gen_range(60..span.max(120)) }).collect();
    times.sort_unstable();
    let mut payments = Payments { l1_cards: Vec::new(), first_at: start, last_at: start, count: 0 };
    for (amount, dt) in amounts.into_iter().zip(times) {
        if amount <= 0 {
            continue;
        }
        let t = start + dt;
        let (l1, fresh) = world.l1_for(gang, t, incident, rng, service_share);
        if fresh {
            unseen_inflows(world, gang, &l1, t, rng, out);
        }
        let relay = world.relay(rng);
        let paid = relay.as_ref().unwrap_or(&l1.card);
        if !payments.l1_cards.contains(paid) {
            payments.l1_cards.push(paid.clone());
        }
        payments.last_at = t;
        payments.count += 1;
        let from = victim_card.to_string();
        let pay = Pay { from, amount: Fen(amount), t, channel: victim_channel(rng), relay, incident: Some(batch) };
        into_l1(world, gang, &l1, pay, rng, out);
    }
    payments
}

/// Payments of the card's unseen victims, spread over its life, each drained like a reported one.
fn unseen_inflows(world: &mut World, gang: usize, l1: &L1, t: i64, rng: &mut ChaCha8Rng, out: &mut Vec<Hop>) {
    for _ in 0..l1.unseen {
        let at = t + rng.gen_range(0..(l1.expires - t).max(1));
        let yuan = lognormal(rng, 15_000.0, 1.2).clamp(50.0, 5_000_000.0);
        let amount = Fen(yuan.round() as i64 * 100 + if rng.gen_bool(0.2) { rng.gen_range(1..100) } else { 0 });
        let from = world.unseen_victim_card();
        let relay = world.relay(rng);
        let pay = Pay { from, amount, t: at, channel: victim_channel(rng), relay, incident: None };
        into_l1(world, gang, l1, pay, rng, out);
    }
}

/// One victim payment: who pays, how much, when, on which channel, through which relay, for which incident.
struct Pay {
    from: String,
    amount: Fen,
    t: i64,
    channel: TransferChannel,
    relay: Option<String>,
    incident: Option<usize>,
}

impl World {
    /// The payment-platform relay a victim's payment goes through (scenario `relay_share`), if any.
    fn relay(&mut self, rng: &mut ChaCha8Rng) -> Option<String> {
        let share = self.scenario.relay_share;
        (share > 0.0 && self.srng.gen_bool(share)).then(|| pick(rng, &self.relays).clone())
    }
}

/// One victim payment into gang `gang`'s L1 card (through a relay if it has one) and the whole onward chain.
fn into_l1(world: &mut World, gang: usize, l1: &L1, pay: Pay, rng: &mut ChaCha8Rng, out: &mut Vec<Hop>) {
    let Pay { from, amount, mut t, channel, relay, incident } = pay;
    match relay {
        Some(relay) => {
            out.push(Hop { at: t, from, to: relay.clone(), amount, channel, incident });
            t += world.srng.gen_range(60..=1800);
            out.push(Hop { at: t, from: relay, to: l1.card.clone(), amount, channel, incident: None });
        }
        None => out.push(Hop { at: t, from, to: l1.card.clone(), amount, channel, incident }),
    }
    // L1 dwell: lognormal, median 3 min, 90% under 15 min.
    let drained = t + lognormal(rng, 180.0, 1.256).clamp(20.0, 6.0 * 3600.0) as i64;
    let k = rng.gen_range(2..=4).min(l1.l2.len().max(1));
    for (j, chunk) in split(amount, k, rng).into_iter().enumerate() {
        let at = drained + j as i64 * rng.gen_range(5..60);
        if l1.l2.is_empty() {
            // A one-layer chain (or a lone scammer's own card): the L1 card pays the last hop.
            last_hop(world, gang, l1.owner, &l1.card, chunk, at, rng, out);
            continue;
        }
        let l2 = &l1.l2[j % l1.l2.len()];
        out.push(Hop {
            at,
            from: l1.card.clone(),
            to: l2.clone(),
            amount: chunk,
            channel: bank_channel(rng),
            incident: None,
        });
        onward(world, gang, l1.owner, l2, chunk, at, rng, out);
    }
}

/// From one L2 card on: 2–5 L3 cards (a service keeps its commission), then each L3 chunk goes through the gang's
/// deeper layers, if any, to its last hop. A two-layer gang chain pays the last hop from the L2 card.
#[allow(clippy::too_many_arguments)]
fn onward(
    world: &mut World,
    gang: usize,
    owner: Owner,
    l2: &str,
    amount: Fen,
    at: i64,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Hop>,
) {
    let layers = match owner {
        Owner::Gang(g) => world.gangs[g].layers,
        Owner::Service(_) => 3,
    };
    if layers == 2 {
        let t = at + rng.gen_range(600..=7200);
        last_hop(world, gang, owner, l2, amount, t, rng, out);
        return;
    }
    let (n_l3, fee) = match owner {
        Owner::Gang(g) => (world.gangs[g].l3.len(), 0),
        Owner::Service(s) => (world.services[s].l3.len(), world.services[s].fee_permille),
    };
    let net = Fen(amount.0 - amount.0 * fee / 1000);
    let k = rng.gen_range(2..=5).min(n_l3);
    let t2 = at + rng.gen_range(600..=7200);
    for (j, chunk) in split(net, k, rng).into_iter().enumerate() {
        let l3 = match owner {
            Owner::Gang(g) => pick(rng, &world.gangs[g].l3).clone(),
            Owner::Service(s) => pick(rng, &world.services[s].l3).clone(),
        };
        let mut t = t2 + j as i64 * rng.gen_range(10..120);
        out.push(Hop {
            at: t,
            from: l2.to_string(),
            to: l3.clone(),
            amount: chunk,
            channel: bank_channel(rng),
            incident: None,
        });
        let mut from = l3;
        if let Owner::Gang(g) = owner {
            for d in 0..world.gangs[g].deep.len() {
                let next = pick(rng, &world.gangs[g].deep[d]).clone();
                t += rng.gen_range(600..=7200);
                out.push(Hop {
                    at: t,
                    from,
                    to: next.clone(),
                    amount: chunk,
                    channel: bank_channel(rng),
                    incident: None,
                });
                from = next;
            }
        }
        last_hop(world, gang, owner, &from, chunk, t, rng, out);
    }
}

/// The last hop of a chunk that reached `from` at `at`, within 1–48 h: ATM withdrawals, the launderer's crypto
/// wallets or innocent merchants; or the gang's backer (金主), whoever moves the money, for `backer_share` of the
/// chunks (drawn from the world's own `returns` stream, so the main stream draws as it would without it). Scenario
/// switches: a gang or lone scammer selling to an OTC desk pays the desk's current receiving card, which sweeps it to
/// the desk's treasury; services that keep the money never pay a backer.
#[allow(clippy::too_many_arguments)]
fn last_hop(
    world: &mut World,
    gang: usize,
    owner: Owner,
    from: &str,
    chunk: Fen,
    at: i64,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Hop>,
) {
    let World { gangs, services, atms, merchants, returns, backer_share, desks, scenario, srng, .. } = world;
    let wallets = match owner {
        Owner::Gang(g) => &gangs[g].wallets,
        Owner::Service(s) => &services[s].wallets,
    };
    let backers = &gangs[gang].backers;
    let t4 = at + rng.gen_range(3600..=48 * 3600);
    let (mut to, mut channel) = match rng.gen_range(0..100) {
        0..=34 => (pick(rng, atms).clone(), TransferChannel::Atm),
        35..=64 if !wallets.is_empty() => (pick(rng, wallets).clone(), TransferChannel::Crypto),
        35..=64 => (pick(rng, atms).clone(), TransferChannel::Atm),
        _ => (pick(rng, merchants).clone(), TransferChannel::Merchant),
    };
    let desk = match owner {
        Owner::Gang(g) => gangs[g].otc.map(|d| &desks[d]),
        Owner::Service(_) => None,
    };
    if let Some(desk) = desk {
        // Sold to the OTC desk (the backer is paid in USDT off the books); the desk sweeps it to its treasury.
        let card = desk.card_at(t4).to_string();
        out.push(Hop {
            at: t4,
            from: from.to_string(),
            to: card.clone(),
            amount: chunk,
            channel: bank_channel(rng),
            incident: None,
        });
        let swept = t4 + srng.gen_range(86_400..=3 * 86_400);
        out.push(Hop {
            at: swept,
            from: card,
            to: desk.treasury.clone(),
            amount: chunk,
            channel: TransferChannel::Bank,
            incident: None,
        });
        return;
    }
    let pieces = if channel == TransferChannel::Atm { (chunk.0 / (20_000 * YUAN) + 1).min(5) as usize } else { 1 };
    let keeps = scenario.services_keep && matches!(owner, Owner::Service(_));
    if !backers.is_empty() && !keeps && returns.gen_bool(*backer_share) {
        // The chunk goes to the gang's backer instead (a service pays the gang's share back), in the same pieces
        // and at the same time.
        let backer = pick(returns, backers);
        to = backer.account.clone();
        channel = if backer.crypto { TransferChannel::Crypto } else { bank_channel(returns) };
    }
    for (m, piece) in split(chunk, pieces, rng).into_iter().enumerate() {
        out.push(Hop {
            at: t4 + m as i64 * 90,
            from: from.to_string(),
            to: to.clone(),
            amount: piece,
            channel,
            incident: None,
        });
    }
}

/// Legitimate traffic of week `w` through the scenario's relays and OTC desks, drawn from the scenario stream:
/// residents paying genuine shops through a relay (about one purchase per 2,000 residents and relay a week, median
/// ¥200, settled to the shop's card 1–30 min later) and residents buying USDT from a desk's active receiving card
/// (one per 5,000 residents and desk a week, median ¥3,000, swept to the treasury with the desk's other takings).
/// A relay or desk thus has many unrelated payers besides the scammers' money. Nothing when both are off.
pub(crate) fn legit_flows(world: &mut World, numbers: &Numbering, residents: u32, w: u32, out: &mut Vec<Hop>) {
    let World { relays, shops, desks, srng, .. } = world;
    let week = i64::from(w) * 7 * 86_400;
    let resident_card = |rng: &mut ChaCha8Rng| numbers.card(u64::from(rng.gen_range(0..residents.max(1))));
    let daytime = |rng: &mut ChaCha8Rng| week + rng.gen_range(0..7) * 86_400 + rng.gen_range(8 * 3600..22 * 3600);
    for relay in relays.iter() {
        for _ in 0..poisson(srng, f64::from(residents) / 2_000.0) {
            let at = daytime(srng);
            let amount = Fen((lognormal(srng, 200.0, 1.0).clamp(1.0, 50_000.0) * 100.0).round() as i64);
            let channel = if srng.gen_bool(0.5) { TransferChannel::Alipay } else { TransferChannel::WechatPay };
            out.push(Hop { at, from: resident_card(srng), to: relay.clone(), amount, channel, incident: None });
            let shop = pick(srng, shops).clone();
            let settled = at + srng.gen_range(60..=1800);
            out.push(Hop { at: settled, from: relay.clone(), to: shop, amount, channel, incident: None });
        }
    }
    for desk in desks.iter() {
        for _ in 0..poisson(srng, f64::from(residents) / 5_000.0) {
            let at = daytime(srng);
            let amount = Fen((lognormal(srng, 3_000.0, 1.0).clamp(100.0, 500_000.0)).round() as i64 * 100);
            let card = desk.card_at(at).to_string();
            let channel = bank_channel(srng);
            out.push(Hop { at, from: resident_card(srng), to: card.clone(), amount, channel, incident: None });
            let swept = at + srng.gen_range(86_400..=3 * 86_400);
            let treasury = desk.treasury.clone();
            out.push(Hop {
                at: swept,
                from: card,
                to: treasury,
                amount,
                channel: TransferChannel::Bank,
                incident: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn split_keeps_the_total_and_stays_under_thresholds() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for total in [150 * YUAN, 1_234_567, 98_000 * YUAN, 500_000 * YUAN] {
            let parts = split(Fen(total), 4, &mut rng);
            assert_eq!(parts.iter().map(|p| p.0).sum::<i64>(), total);
            assert!(parts.iter().all(|p| p.0 > 0));
            for p in &parts[..parts.len() - 1] {
                assert_ne!(p.0 % (100 * YUAN), 0, "chunk {p:?} is a round amount");
            }
        }
    }
}
