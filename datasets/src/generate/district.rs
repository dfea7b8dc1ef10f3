//! The weekly simulation: residents stream out first, then week by week every resident's outreach, gang and noise
//! contacts and victimisation are drawn; victims elsewhere arrive for the same gangs; records get ids in time order
//! and are written as soon as they are final (memory stays bounded by the residents' compact state).

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{Clock, DAY, WEEK};
use super::config::{Config, ValidConfig};
use super::gangs::{HUB_PHONES, World};
use super::incidents::{self, Context, Incident};
use super::money::Hop;
use super::numbers::{NOISE_PHONE_BASE, Numbering};
use super::outreach::{self, Attempt, TRUTH_CHANNELS};
use super::population::{Layout, NEVER, Person, outside_victim_age, resident, resident_id};
use super::sample::{Stream, lognormal, mix, pick, stream, weighted};
use super::truth;
use super::writer::{CsvOut, DistrictSink};
use super::{GenerateError, Phase, Progress, Summary};
use crate::codes::{CaseStatus, ContactKind, FraudType, OutreachChannel};
use crate::records::{Contact, Outreach, Record, Table, Transfer};

/// Other districts whose reports the national platform shares.
const OTHER_DISTRICTS: [&str; 16] = [
    "110105", "440304", "330106", "510107", "420106", "320102", "370202", "500103", "610113", "350203", "230103",
    "450103", "120104", "410105", "430104", "210102",
];

struct Outputs {
    reports: CsvOut,
    transfers: CsvOut,
    contacts: CsvOut,
    outreach: CsvOut,
    report_gang: CsvOut,
    narrative_ids: CsvOut,
    risk: CsvOut,
}

fn table_out(sink: &mut dyn DistrictSink, t: Table) -> Result<CsvOut, GenerateError> {
    CsvOut::create(sink, &format!("{}.csv", t.name()), t.fields())
}

/// Calibrated weekly rates.
struct Calibration {
    /// Gang contacts per exposed resident-week, before season and prior victimisation.
    lambda: f64,
    /// P(loss | contact) scale applied to each resident's susceptibility.
    q: f64,
    noise: f64,
    prior: f64,
    elsewhere_week: f64,
}

pub(crate) fn run(
    valid: &ValidConfig,
    sink: &mut dyn DistrictSink,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, GenerateError> {
    let cfg = valid.get();
    let n = cfg.residents;
    let clock = Clock::new(cfg.start);
    let numbers = Numbering::new(mix(cfg.seed ^ Stream::Numbering as u64));
    let layout = Layout::new(cfg);
    let mut summary = Summary::default();

    // Residents, streamed out; only the compact state stays in memory.
    let mut residents = table_out(sink, Table::Residents)?;
    let mut people: Vec<Person> = Vec::with_capacity(n as usize);
    let (mut exposed, mut exposed_q) = (0.0f64, 0.0f64);
    for i in 0..n {
        let (record, person) = resident(cfg, &layout, &numbers, i);
        residents.row(record.to_fields())?;
        if person.phones > 0 {
            exposed += 1.0;
            exposed_q += f64::from(person.susceptibility);
        }
        people.push(person);
        if i % 100_000 == 0 {
            progress(Progress { phase: Phase::Residents, done: u64::from(i), total: u64::from(n) });
        }
    }
    residents.finish()?;
    summary.residents = u64::from(n);
    write_areas(sink, &layout)?;

    let r = &cfg.rates;
    let weekly = r.incidence_per_10k_year / 10_000.0 / 52.0;
    let cal = Calibration {
        lambda: if exposed > 0.0 { f64::from(n) * weekly * r.contacts_per_victim / exposed } else { 0.0 },
        q: if exposed_q > 0.0 { exposed / (r.contacts_per_victim * exposed_q) } else { 0.0 },
        noise: 0.0,
        prior: r.prior_victim_risk.sqrt(),
        elsewhere_week: f64::from(n) * weekly * r.elsewhere_per_local,
    };
    let cal = Calibration { noise: cal.lambda * r.noise_contacts_per_gang_contact, ..cal };

    let mut world = World::new(cfg, numbers);
    let catalog = outreach::catalog();
    let mut content = table_out(sink, Table::Content)?;
    for c in &catalog {
        content.row(Record::Content(c.clone()).to_fields())?;
    }
    content.finish()?;
    let mut staff = table_out(sink, Table::Staff)?;
    for s in outreach::staff(&layout, &mut stream(cfg.seed, Stream::Catalog, 0)) {
        staff.row(Record::Staff(s).to_fields())?;
    }
    staff.finish()?;

    let mut out = Outputs {
        reports: table_out(sink, Table::Reports)?,
        transfers: table_out(sink, Table::Transfers)?,
        contacts: table_out(sink, Table::Contacts)?,
        outreach: table_out(sink, Table::Outreach)?,
        report_gang: CsvOut::create(sink, "truth/report_gang.csv", truth::REPORT_GANG)?,
        narrative_ids: CsvOut::create(sink, "truth/narrative_identifiers.csv", truth::NARRATIVE_IDS)?,
        risk: CsvOut::create(sink, "truth/resident_risk.csv", truth::RESIDENT_RISK)?,
    };
    let ctx = Context { cfg, clock: &clock, numbers: &numbers };
    let noise_pool = (u64::from(n) / 50).max(50);
    let mut pending: Vec<(Hop, Option<u64>, u64)> = Vec::new();
    let mut pending_reports: Vec<incidents::Draft> = Vec::new();
    let mut report_ids: BTreeMap<u64, String> = BTreeMap::new();
    let mut unfiled: BTreeSet<u64> = BTreeSet::new();
    let mut hop_seq = 0u64;
    let mut next_incident = 0u64;
    let split_mix = |m: &[(FraudType, f64)]| -> (Vec<FraudType>, Vec<f64>) { m.iter().copied().unzip() };
    let (mix_young, mix_old) = (split_mix(&r.mix_under_60), split_mix(&r.mix_60_plus));
    let decay = 0.5f64.powf(7.0 / r.effect_half_life_days) as f32;
    for w in 0..cfg.weeks {
        let mut rng = stream(cfg.seed, Stream::Week, u64::from(w));
        let season = clock.season(w);
        let day0 = (w * 7) as u16;
        let truth_week = w >= cfg.weeks - cfg.truth_weeks;
        let mut contacts: Vec<(i64, String, String, ContactKind, Option<u32>)> = Vec::new();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut incidents: Vec<Incident> = Vec::new();
        let prior_days = (r.prior_victim_weeks * 7).min(u32::from(u16::MAX - 1)) as u16;
        for i in 0..n {
            let p = &mut people[i as usize];
            p.shield *= decay;
            let prior = p.victim_day != NEVER && day0.saturating_sub(p.victim_day) < prior_days;
            let pf = if prior { cal.prior } else { 1.0 };
            let exposed = p.phones > 0;
            let lam = if exposed { cal.lambda * season * pf } else { 0.0 };
            let q = (cal.q * f64::from(p.susceptibility) * pf).min(0.95);
            if truth_week {
                let mut row = Vec::with_capacity(7);
                row.push(resident_id(i));
                row.push(w.to_string());
                for ch in TRUTH_CHANNELS {
                    row.push(format!("{:.4e}", outreach::potential_risk(r, p, lam * q, ch, day0)));
                }
                out.risk.row(&row)?;
            }
            if let Some(ch) = outreach::routine(p, day0, &mut rng)
                && outreach::allowed(p, ch, day0)
            {
                let holdout = rng.gen_bool(r.holdout_share);
                let outcome = if holdout { crate::codes::Outcome::HeldOut } else { outreach::outcome(ch, &mut rng) };
                if !holdout {
                    outreach::apply(r, p, ch, day0, outreach::reached(outcome));
                }
                let staff = matches!(ch, OutreachChannel::Call | OutreachChannel::Visit)
                    .then(|| outreach::staff_for(&layout, p.area as usize, p.grid));
                attempts.push(Attempt {
                    at: clock.campaign_time(w, &mut rng),
                    resident: i,
                    content: outreach::content_for(&catalog, ch, &mut rng),
                    channel: ch,
                    staff,
                    outcome,
                    holdout,
                });
            }
            if !exposed {
                continue;
            }
            // Contacts this week ~ Poisson(lam + noise), by inversion from one uniform (cheap when none).
            let total = lam + cal.noise;
            let mut u: f64 = rng.r#gen();
            let mut pk = (-total).exp();
            let mut k = 0u32;
            while u >= pk && k < 20 {
                u -= pk;
                k += 1;
                pk *= total / f64::from(k);
            }
            let mut victim_this_week = false;
            for _ in 0..k {
                let to = numbers.mobile(u64::from(i) * 2 + u64::from(rng.gen_range(0..p.phones)));
                let at = clock.call_time(w, &mut rng);
                let kind = if rng.gen_bool(0.7) { ContactKind::Call } else { ContactKind::Sms };
                let duration = |rng: &mut ChaCha8Rng| {
                    (kind == ContactKind::Call).then(|| {
                        if rng.gen_bool(0.3) { 0 } else { lognormal(rng, 90.0, 1.0).clamp(3.0, 7200.0) as u32 }
                    })
                };
                if rng.r#gen::<f64>() * total >= lam {
                    let from = if rng.gen_bool(0.2) {
                        pick(&mut rng, &HUB_PHONES).0.to_string()
                    } else {
                        numbers.mobile(NOISE_PHONE_BASE + rng.gen_range(0..noise_pool))
                    };
                    let d = duration(&mut rng);
                    contacts.push((at, from, to, kind, d));
                    continue;
                }
                let (mix, weights) = if p.age >= 60 { &mix_old } else { &mix_young };
                let fraud = mix[weighted(&mut rng, weights)];
                let g = world.choose_gang(fraud, w, &mut rng);
                let caller = rng.gen_range(0..world.gangs[g].callers.len());
                let d = duration(&mut rng);
                contacts.push((at, world.gangs[g].callers[caller].carrier_form(), to, kind, d));
                let victimised = !victim_this_week && rng.r#gen::<f64>() < q * (-f64::from(p.shield)).exp();
                if victimised {
                    victim_this_week = true;
                    let area = &layout.areas[p.area as usize];
                    incidents.push(Incident {
                        resident: Some(i),
                        district: cfg.district.clone(),
                        community: Some(area.code.clone()),
                        age: p.age,
                        female: p.female,
                        fraud,
                        gang: g,
                        caller,
                        at,
                        seq: u64::from(i),
                    });
                    p.victim_day = (at / DAY) as u16;
                }
                if rng.gen_bool(r.warning_share) {
                    warn(r, p, i, at, &layout, &catalog, &mut rng, &mut attempts);
                }
            }
        }
        elsewhere(cfg, &world, &cal, w, season, &mut incidents);
        progress(Progress { phase: Phase::Weeks, done: u64::from(w + 1), total: u64::from(cfg.weeks) });

        // Reports: built in incident-time order; ids are assigned in reporting-time order once final.
        let mut irng = stream(cfg.seed, Stream::Incidents, u64::from(w));
        let mut hops = Vec::new();
        let drafts = incidents::build(&ctx, &mut world, &mut incidents, &mut next_incident, &mut irng, &mut hops);
        super::money::legit_flows(&mut world, &numbers, n, w, &mut hops);
        let mut uid_of_incident = vec![0u64; incidents.len()];
        for d in &drafts {
            if let Some(inc) = d.incident {
                uid_of_incident[inc] = d.seq;
            }
        }
        pending_reports.extend(drafts);
        for hop in hops {
            let report = hop.incident.map(|i| uid_of_incident[i]);
            pending.push((hop, report, hop_seq));
            hop_seq += 1;
        }

        // Nothing generated later can be reported or paid before the next week starts.
        let horizon = if w + 1 == cfg.weeks { i64::MAX } else { i64::from(w + 1) * WEEK };
        pending_reports.sort_by_key(|d| (d.reported_at, d.seq));
        let cut = pending_reports.partition_point(|d| d.reported_at < horizon);
        let end = i64::from(cfg.weeks) * WEEK;
        for mut draft in pending_reports.drain(..cut) {
            if cfg.scenario.report_delay_days.is_some() && draft.reported_at >= end {
                // Filed after the data ends (scenario late reports): not in reports.csv, and its payments carry no
                // report_id, like an unreported victim's.
                unfiled.insert(draft.seq);
                if draft.duplicate_of.is_none() {
                    let gang = &mut world.gangs[draft.gang];
                    gang.n_reports -= 1;
                    gang.n_local -= u32::from(draft.report.victim_id.is_some());
                }
                continue;
            }
            summary.reports += 1;
            let id = format!("AJ{:09}", summary.reports);
            report_ids.insert(draft.seq, id.clone());
            if draft.report.victim_id.is_some() {
                summary.local_reports += 1;
            }
            draft.report.report_id = id.clone();
            draft.report.status = Some(case_status(&draft, &world.gangs[draft.gang], end, cfg));
            out.reports.row(Record::Report(draft.report).to_fields())?;
            let dup = draft.duplicate_of.and_then(|o| report_ids.get(&o).cloned()).unwrap_or_default();
            let gang = &world.gangs[draft.gang];
            let gang_id = if gang.lone { "" } else { gang.id.as_str() };
            out.report_gang.row([id.as_str(), gang_id, dup.as_str()])?;
            let mut seen = BTreeSet::new();
            for p in &draft.planted {
                if seen.insert(p.written.key.clone()) {
                    out.narrative_ids.row([id.as_str(), p.written.key.as_str(), p.written.kind])?;
                }
            }
        }

        // Transfers in time order; a victim's payment waits until its report has an id.
        pending.sort_by_key(|(h, _, s)| (h.at, *s));
        let cut = pending
            .iter()
            .position(|(h, r, _)| {
                h.at >= horizon || r.is_some_and(|uid| !report_ids.contains_key(&uid) && !unfiled.contains(&uid))
            })
            .unwrap_or(pending.len());
        for (hop, report, _) in pending.drain(..cut) {
            summary.transfers += 1;
            let t = Transfer {
                transfer_id: format!("TR{:010}", summary.transfers),
                from_account: hop.from,
                to_account: hop.to,
                amount: hop.amount,
                at: clock.at(hop.at),
                channel: Some(hop.channel),
                report_id: report.and_then(|uid| report_ids.get(&uid).cloned()),
            };
            out.transfers.row(Record::Transfer(t).to_fields())?;
        }

        contacts.sort_by(|a, b| (a.0, &a.2, &a.1).cmp(&(b.0, &b.2, &b.1)));
        for (at, from, to, kind, duration_s) in contacts {
            summary.contacts += 1;
            let c = Contact {
                contact_id: format!("CT{:010}", summary.contacts),
                from_phone: from,
                to_phone: to,
                at: clock.at(at),
                kind,
                duration_s,
            };
            out.contacts.row(Record::Contact(c).to_fields())?;
        }
        attempts.sort_by_key(|a| (a.at, a.resident, a.channel));
        for a in attempts {
            summary.outreach += 1;
            let o = Outreach {
                event_id: format!("OR{:010}", summary.outreach),
                resident_id: resident_id(a.resident),
                content_id: a.content.map(|c| catalog[c].content_id.clone()),
                channel: a.channel,
                staff_id: a.staff.map(outreach::staff_id),
                at: clock.at(a.at),
                outcome: Some(a.outcome),
                holdout: Some(a.holdout),
            };
            out.outreach.row(Record::Outreach(o).to_fields())?;
        }
    }
    for o in [out.reports, out.transfers, out.contacts, out.outreach, out.report_gang, out.narrative_ids, out.risk] {
        o.finish()?;
    }
    progress(Progress { phase: Phase::Truth, done: 0, total: 1 });
    truth::write_tables(sink, &world, cfg.truth_weeks)?;
    summary.gangs = world.n_gangs as u64;
    summary.services = world.services.len() as u64;
    progress(Progress { phase: Phase::Truth, done: 1, total: 1 });
    Ok(summary)
}

/// Where a report stands at the end of the data: received if reported in the last 3 days (立案 decided within days);
/// an attempt without loss is closed without a case half the time; once its gang stopped operating before the end
/// (broken up), a case is solved with probability 0.6; otherwise filed. Drawn from its own stream (one per report),
/// so every other output is unchanged.
fn case_status(d: &incidents::Draft, gang: &super::gangs::Gang, end: i64, cfg: &Config) -> CaseStatus {
    let mut rng = stream(cfg.seed, Stream::Status, d.seq);
    if end - d.reported_at < 3 * 86_400 {
        CaseStatus::Received
    } else if d.report.loss.is_none_or(|l| l.0 == 0) && rng.gen_bool(0.5) {
        CaseStatus::Closed
    } else if gang.to_week + 1 < cfg.weeks && rng.gen_bool(0.6) {
        CaseStatus::Solved
    } else {
        CaseStatus::Filed
    }
}

/// A 预警劝阻 warning after a gang contact: high grade (60+ or a prior victim) gets a call within 5 min and maybe a
/// visit within 30 min; others an SMS the same day. Never capped, never held out.
#[allow(clippy::too_many_arguments)]
fn warn(
    r: &super::config::Rates,
    p: &mut Person,
    i: u32,
    at: i64,
    layout: &Layout,
    catalog: &[crate::records::Content],
    rng: &mut ChaCha8Rng,
    attempts: &mut Vec<Attempt>,
) {
    let day = (at / DAY) as u16;
    let high = p.age >= 60 || p.victim_day != NEVER;
    let mut plan = Vec::new();
    if high {
        plan.push((OutreachChannel::Call, at + rng.gen_range(60..300)));
        if rng.gen_bool(0.3) {
            plan.push((OutreachChannel::Visit, at + rng.gen_range(900..1800)));
        }
    } else if rng.gen_bool(0.3) {
        plan.push((OutreachChannel::Call, at + rng.gen_range(300..3600)));
    } else {
        plan.push((OutreachChannel::Sms, at + rng.gen_range(600..36_000)));
    }
    for (ch, t) in plan {
        let outcome = outreach::outcome(ch, rng);
        outreach::apply(r, p, ch, day, outreach::reached(outcome));
        let staff = matches!(ch, OutreachChannel::Call | OutreachChannel::Visit)
            .then(|| outreach::staff_for(layout, p.area as usize, p.grid));
        attempts.push(Attempt {
            at: t,
            resident: i,
            content: outreach::content_for(catalog, ch, rng),
            channel: ch,
            staff,
            outcome,
            holdout: false,
        });
    }
}

/// Victims of the same gangs in other districts, shared by the national platform.
fn elsewhere(cfg: &Config, world: &World, cal: &Calibration, w: u32, season: f64, incidents: &mut Vec<Incident>) {
    let mut rng = stream(cfg.seed, Stream::Elsewhere, u64::from(w));
    let active: Vec<usize> = (0..world.gangs.len()).filter(|&g| world.gangs[g].active(w)).collect();
    let total_w: f64 = active.iter().map(|&g| world.gangs[g].weight).sum();
    if total_w <= 0.0 {
        return;
    }
    for g in active {
        let gang = &world.gangs[g];
        let mean = cal.elsewhere_week * season * gang.weight / total_w;
        for k in 0..super::sample::poisson(&mut rng, mean) {
            let fraud = *pick(&mut rng, &gang.types);
            let elderly = fraud.is_elderly_type() || rng.gen_bool(0.12);
            let district = pick(&mut rng, &OTHER_DISTRICTS).to_string();
            incidents.push(Incident {
                resident: None,
                district,
                community: None,
                age: outside_victim_age(&mut rng, elderly),
                female: rng.gen_bool(0.5),
                fraud,
                gang: g,
                caller: rng.gen_range(0..gang.callers.len()),
                at: clock_call(w, &mut rng),
                seq: (1u64 << 40) + (g as u64) * 1_000 + u64::from(k),
            });
        }
    }
}

fn clock_call(w: u32, rng: &mut ChaCha8Rng) -> i64 {
    i64::from(w) * WEEK + rng.gen_range(0..7) * DAY + rng.gen_range(8..21) * 3600 + rng.gen_range(0..3600)
}

fn write_areas(sink: &mut dyn DistrictSink, layout: &Layout) -> Result<(), GenerateError> {
    let mut a =
        CsvOut::create(sink, "areas.csv", &["community", "district", "population", "urban_rural", "lat", "lon"])?;
    for area in &layout.areas {
        a.row([
            area.code.as_str(),
            &area.code[..6],
            &area.count.to_string(),
            if area.urban { "urban" } else { "rural" },
            &format!("{:.5}", area.lat),
            &format!("{:.5}", area.lon),
        ])?;
    }
    a.finish()?;
    let mut adj = CsvOut::create(sink, "adjacency.csv", &["community_a", "community_b"])?;
    for (x, y) in &layout.adjacency {
        adj.row([layout.areas[*x].code.as_str(), layout.areas[*y].code.as_str()])?;
    }
    adj.finish()
}
