//! Outcomes and effect: intention-to-treat comparisons of treated vs held-out residents per campaign, per channel
//! and overall, with Newcombe hybrid score intervals (honest for rare outcomes), staff minutes per case averted,
//! and the Qini curve of the targeting once enough outcomes exist. Works on plans and on outreach.csv history.

use std::collections::{BTreeMap, HashMap};

use datasets::OutreachChannel;
use serde::{Deserialize, Serialize};

use crate::error::{OutreachError, Result};
use crate::estimate::Victimisation;
use crate::input::PastContact;
use crate::stats::{newcombe, normal_quantile};

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

/// The outcomes tracked per unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Victimised within the follow-up (the hard outcome).
    Victimised,
    /// Contacted by a flagged (gang or reported) number within the follow-up (proxy).
    FlaggedContact,
    /// Answered an urgent warning within the follow-up, among those warned (proxy).
    WarningAnswered,
    /// Among units whose resident reported a fraud within the follow-up: some report ended with nothing lost (the
    /// transfer was stopped, or never made: a dissuasion that worked) (proxy).
    TransferStopped,
}

impl OutcomeKind {
    /// Its name in reports (as in JSON).
    pub fn code(self) -> &'static str {
        match self {
            OutcomeKind::Victimised => "victimised",
            OutcomeKind::FlaggedContact => "flagged_contact",
            OutcomeKind::WarningAnswered => "warning_answered",
            OutcomeKind::TransferStopped => "transfer_stopped",
        }
    }
}

/// One randomised unit: a resident selected by a routine campaign, treated or held out, with outcomes.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectUnit {
    pub resident_id: String,
    /// The campaign: its week's first second (Monday 00:00 Beijing time).
    pub campaign: i64,
    pub channel: OutreachChannel,
    pub held_out: bool,
    /// Staff minutes spent on the unit (0 when held out).
    pub minutes: u32,
    /// The targeting score used to select the unit, for the Qini curve.
    pub score: Option<f64>,
    /// Outcomes that are known (`None`: not measured for this unit).
    pub outcomes: BTreeMap<OutcomeKind, bool>,
}

/// Report settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectParams {
    /// Two-sided confidence level of the intervals (e.g. 0.95).
    pub confidence: f64,
    /// Victimisations needed (both arms together, with at least one held out) before a Qini curve is shown.
    pub min_events_for_qini: u64,
}

impl EffectParams {
    /// 95% intervals; Qini from 30 victimisations.
    pub fn domain_defaults() -> EffectParams {
        EffectParams { confidence: 0.95, min_events_for_qini: 30 }
    }
}

/// Units and events of one arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmCount {
    pub units: u64,
    pub events: u64,
}

/// Treated vs held out on one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub outcome: OutcomeKind,
    pub treated: ArmCount,
    pub held_out: ArmCount,
    pub risk_treated: f64,
    pub risk_held_out: f64,
    /// Intention-to-treat risk difference, treated − held out, with its Newcombe hybrid score interval (on counts
    /// divided by each arm's design effect).
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// For victimisation: cases averted among the treated, −difference × treated units, with its interval.
    pub cases_averted: Option<[f64; 3]>,
    pub minutes: u64,
    /// Staff minutes per case averted (estimate, best, worst), when the interval excludes no effect.
    pub minutes_per_case_averted: Option<[f64; 3]>,
    /// Design effect of each arm (treated, held out): how much residents with several units widen the interval
    /// (1: not at all). The interval is Newcombe's on the counts divided by it (Rao & Scott).
    #[serde(default = "no_design_effect")]
    pub design_effect: [f64; 2],
}

fn no_design_effect() -> [f64; 2] {
    [1.0, 1.0]
}

/// The effect of one campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignEffect {
    pub campaign: i64,
    pub comparisons: Vec<Comparison>,
}

/// The effect of one channel over all campaigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelEffect {
    #[serde(with = "crate::codes::code")]
    pub channel: OutreachChannel,
    pub comparisons: Vec<Comparison>,
}

/// One point of the Qini curve: the top `share` of units by score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QiniPoint {
    pub share: f64,
    /// Cases averted among the treated of the top share: held-out events scaled to the treated count − treated
    /// events.
    pub averted: f64,
}

/// How well the targeting score ranks who benefits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Qini {
    Curve {
        points: Vec<QiniPoint>,
        /// Area between the curve and the random-targeting line, per unit of the final averted count.
        qini_coefficient: f64,
        /// Area under the curve (x in [0, 1]), in cases averted.
        auuc: f64,
    },
    /// Too few outcomes to draw it.
    NotEnoughHistory { events: u64, needed: u64 },
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectReport {
    pub confidence: f64,
    pub overall: Vec<Comparison>,
    pub by_campaign: Vec<CampaignEffect>,
    pub by_channel: Vec<ChannelEffect>,
    pub qini: Qini,
}

/// Compares treated and held-out units on every outcome that was measured.
pub fn compare(units: &[&EffectUnit], z: f64) -> Vec<Comparison> {
    let mut kinds: Vec<OutcomeKind> = units.iter().flat_map(|u| u.outcomes.keys().copied()).collect();
    kinds.sort();
    kinds.dedup();
    kinds.into_iter().map(|k| comparison(units, k, z)).collect()
}

fn comparison(units: &[&EffectUnit], kind: OutcomeKind, z: f64) -> Comparison {
    let (mut t, mut h) = (ArmCount { units: 0, events: 0 }, ArmCount { units: 0, events: 0 });
    let mut minutes = 0u64;
    // (units, events) per resident in each arm, for the design effects.
    let (mut by_t, mut by_h) = (ByResident::new(), ByResident::new());
    for u in units {
        let Some(&y) = u.outcomes.get(&kind) else { continue };
        let (arm, by) = if u.held_out { (&mut h, &mut by_h) } else { (&mut t, &mut by_t) };
        arm.units += 1;
        arm.events += u64::from(y);
        let r = by.entry(u.resident_id.as_str()).or_default();
        *r = (r.0 + 1, r.1 + u64::from(y));
        if !u.held_out {
            minutes += u64::from(u.minutes);
        }
    }
    let rate = |a: ArmCount| if a.units == 0 { 0.0 } else { a.events as f64 / a.units as f64 };
    let (rt, rh) = (rate(t), rate(h));
    let design_effect = [design_effect(t, &by_t), design_effect(h, &by_h)];
    let effective = |a: ArmCount, d: f64| (a.events as f64 / d, a.units as f64 / d);
    let ((kt, nt), (kh, nh)) = (effective(t, design_effect[0]), effective(h, design_effect[1]));
    let (lo, hi) = newcombe(kt, nt, kh, nh, z);
    let n = t.units as f64;
    let (cases, per_case) = if kind == OutcomeKind::Victimised && t.units > 0 && h.units > 0 {
        let c = [-(rt - rh) * n, -hi * n, -lo * n];
        let m = minutes as f64;
        // Minutes per case averted only when even the interval's worst end averts cases.
        let per = (c[1] > 0.0).then(|| [m / c[0], m / c[2], m / c[1]]);
        (Some(c), per)
    } else {
        (None, None)
    };
    Comparison {
        outcome: kind,
        treated: t,
        held_out: h,
        risk_treated: rt,
        risk_held_out: rh,
        difference: rt - rh,
        ci_low: lo,
        ci_high: hi,
        cases_averted: cases,
        minutes,
        minutes_per_case_averted: per_case,
        design_effect,
    }
}

/// Units and events of each resident in one arm, in resident order (so the design effect's sum runs in one order and
/// the same units give the same interval to the bit).
type ByResident<'a> = BTreeMap<&'a str, (u64, u64)>;

/// Rao & Scott's (1992) design effect of an arm's proportion when one resident contributes several units: their
/// outcomes are not independent (one person, overlapping follow-ups), so the binomial variance understates the
/// proportion's. It is the ratio of the ratio estimator's variance over residents, C/(C−1) · Σ (y_i − p·m_i)² / n²,
/// to the binomial p(1 − p)/n, and at least 1; 1 when no resident repeats or the arm has no events or only events.
/// The arm's interval is computed on its effective counts (events and units divided by it).
fn design_effect(arm: ArmCount, by_resident: &ByResident) -> f64 {
    let (n, clusters) = (arm.units as f64, by_resident.len() as f64);
    if arm.events == 0 || arm.events == arm.units || by_resident.len() as u64 == arm.units || clusters < 2.0 {
        return 1.0;
    }
    let p = arm.events as f64 / n;
    let spread: f64 = by_resident.values().map(|&(m, y)| (y as f64 - p * m as f64).powi(2)).sum();
    let clustered = clusters / (clusters - 1.0) * spread / (n * n);
    (clustered / (p * (1.0 - p) / n)).max(1.0)
}

/// The effect report over `units`.
pub fn effect_report(units: &[EffectUnit], params: &EffectParams) -> Result<EffectReport> {
    if !(params.confidence > 0.5 && params.confidence < 1.0) {
        return Err(OutreachError::InvalidParameter {
            name: "confidence",
            value: params.confidence.to_string(),
            reason: "must be in (0.5, 1)",
        });
    }
    let z = normal_quantile(0.5 + params.confidence / 2.0);
    let all: Vec<&EffectUnit> = units.iter().collect();
    let mut campaigns: BTreeMap<i64, Vec<&EffectUnit>> = BTreeMap::new();
    let mut channels: BTreeMap<OutreachChannel, Vec<&EffectUnit>> = BTreeMap::new();
    for u in units {
        campaigns.entry(u.campaign).or_default().push(u);
        channels.entry(u.channel).or_default().push(u);
    }
    Ok(EffectReport {
        confidence: params.confidence,
        overall: compare(&all, z),
        by_campaign: campaigns
            .into_iter()
            .map(|(campaign, us)| CampaignEffect { campaign, comparisons: compare(&us, z) })
            .collect(),
        by_channel: channels
            .into_iter()
            .map(|(channel, us)| ChannelEffect { channel, comparisons: compare(&us, z) })
            .collect(),
        qini: qini(units, params.min_events_for_qini),
    })
}

/// The Qini curve of victimisations averted, units ranked by score (highest first), at every tenth.
pub fn qini(units: &[EffectUnit], min_events: u64) -> Qini {
    let mut ranked: Vec<(&EffectUnit, bool)> = units
        .iter()
        .filter(|u| u.score.is_some())
        .filter_map(|u| u.outcomes.get(&OutcomeKind::Victimised).map(|&y| (u, y)))
        .collect();
    let events = ranked.iter().filter(|(_, y)| *y).count() as u64;
    let held_events = ranked.iter().filter(|(u, y)| *y && u.held_out).count() as u64;
    if events < min_events || held_events == 0 {
        return Qini::NotEnoughHistory { events, needed: min_events };
    }
    ranked.sort_by(|a, b| {
        b.0.score
            .unwrap_or(0.0)
            .total_cmp(&a.0.score.unwrap_or(0.0))
            .then_with(|| a.0.resident_id.cmp(&b.0.resident_id))
    });
    let n = ranked.len();
    let (mut nt, mut nc, mut yt, mut yc) = (0f64, 0f64, 0f64, 0f64);
    let mut points = vec![QiniPoint { share: 0.0, averted: 0.0 }];
    let mut next = 1;
    for (i, (u, y)) in ranked.iter().enumerate() {
        if u.held_out {
            nc += 1.0;
            yc += f64::from(u8::from(*y));
        } else {
            nt += 1.0;
            yt += f64::from(u8::from(*y));
        }
        while next <= 10 && (i + 1) * 10 >= next * n {
            let averted = if nc > 0.0 { yc * nt / nc - yt } else { 0.0 };
            points.push(QiniPoint { share: next as f64 / 10.0, averted });
            next += 1;
        }
    }
    let last = points.last().map_or(0.0, |p| p.averted);
    let area: f64 = points.windows(2).map(|w| (w[1].share - w[0].share) * (w[0].averted + w[1].averted) / 2.0).sum();
    let random = last / 2.0;
    let qini_coefficient = if last.abs() > 0.0 { (area - random) / last.abs() } else { 0.0 };
    Qini::Curve { points, qini_coefficient, auuc: area }
}

/// The Monday 00:00 (Beijing time) starting the week of `at`.
pub fn campaign_week(at: i64) -> i64 {
    // 1970-01-01 was a Thursday; Beijing is UTC+8.
    let local = at + 8 * 3600;
    let monday = (local + 3 * DAY).div_euclid(WEEK) * WEEK - 3 * DAY;
    monday - 8 * 3600
}

/// Events by resident: (time, flag).
fn by_resident<'a>(events: impl Iterator<Item = (&'a str, i64, bool)>) -> HashMap<&'a str, Vec<(i64, bool)>> {
    let mut m: HashMap<&str, Vec<(i64, bool)>> = HashMap::new();
    for (r, t, flag) in events {
        m.entry(r).or_default().push((t, flag));
    }
    m
}

/// Effect units from the outreach history: every routine attempt (not urgent) with a complete follow-up before
/// `as_of` is a unit of its week's campaign; victimised = a victimisation of the resident within `follow_up_days`
/// after it; flagged contact = a contact with a flagged number in the same window (when `flagged` is given);
/// warning answered = among units whose resident was warned in the window (`warnings`: resident, raised at,
/// answered), whether a warning was answered (measured only for those warned); transfer stopped = among units with a
/// victimisation in the window, whether one of them lost nothing (measured only for those).
pub fn units_from_history(
    history: &[PastContact],
    victimisations: &[Victimisation],
    flagged: Option<&[(String, i64)]>,
    warnings: Option<&[(String, i64, bool)]>,
    follow_up_days: u32,
    as_of: i64,
) -> Vec<EffectUnit> {
    let follow = i64::from(follow_up_days) * DAY;
    // Each source's events before `as_of`, by resident: (time, flag).
    let victims = by_resident(
        victimisations.iter().filter(|v| v.known_at < as_of).map(|v| (v.resident_id.as_str(), v.occurred_at, v.lost)),
    );
    let contacts =
        flagged.map(|f| by_resident(f.iter().filter(|(_, t)| *t < as_of).map(|(r, t)| (r.as_str(), *t, true))));
    let warned = by_resident(
        warnings.unwrap_or(&[]).iter().filter(|(_, t, _)| *t < as_of).map(|(r, t, a)| (r.as_str(), *t, *a)),
    );
    // The flags of `resident`'s events in the window after `at`.
    let in_window = |m: &HashMap<&str, Vec<(i64, bool)>>, resident: &str, at: i64| -> Vec<bool> {
        m.get(resident)
            .map(|es| es.iter().filter(|(t, _)| *t > at && *t <= at + follow).map(|&(_, f)| f).collect())
            .unwrap_or_default()
    };
    history
        .iter()
        .filter(|h| h.compared() && h.at + follow < as_of)
        .map(|h| {
            let lost = in_window(&victims, &h.resident_id, h.at);
            let mut outcomes = BTreeMap::from([(OutcomeKind::Victimised, !lost.is_empty())]);
            if !lost.is_empty() {
                outcomes.insert(OutcomeKind::TransferStopped, lost.contains(&false));
            }
            if let Some(c) = &contacts {
                outcomes.insert(OutcomeKind::FlaggedContact, !in_window(c, &h.resident_id, h.at).is_empty());
            }
            let answers = in_window(&warned, &h.resident_id, h.at);
            if !answers.is_empty() {
                outcomes.insert(OutcomeKind::WarningAnswered, answers.contains(&true));
            }
            EffectUnit {
                resident_id: h.resident_id.clone(),
                campaign: campaign_week(h.at),
                channel: h.channel,
                held_out: !h.made(),
                minutes: 0,
                score: None,
                outcomes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize, held: bool, y: bool, score: f64) -> EffectUnit {
        EffectUnit {
            resident_id: format!("R{i:05}"),
            campaign: 0,
            channel: OutreachChannel::Call,
            held_out: held,
            minutes: if held { 0 } else { 8 },
            score: Some(score),
            outcomes: BTreeMap::from([(OutcomeKind::Victimised, y)]),
        }
    }

    #[test]
    fn itt_interval_cost_per_case_and_qini() {
        // 900 treated with 9 events (1%), 100 held out with 5 (5%).
        let mut units = Vec::new();
        for i in 0..1000 {
            let held = i % 10 == 0;
            let y = if held { (i / 10) % 20 == 0 } else { i % 100 == 1 && i < 900 };
            units.push(unit(i, held, y, 1.0 - i as f64 / 1000.0));
        }
        let r = effect_report(&units, &EffectParams::domain_defaults()).unwrap();
        let c = &r.overall[0];
        assert_eq!((c.treated.units, c.treated.events, c.held_out.units, c.held_out.events), (900, 9, 100, 5));
        assert!((c.difference + 0.04).abs() < 1e-12);
        assert!(c.ci_low < c.difference && c.difference < c.ci_high && c.ci_high < 0.0, "{c:?}");
        let [est, best, worst] = c.minutes_per_case_averted.unwrap();
        assert!(best < est && est < worst);
        assert!(matches!(r.qini, Qini::NotEnoughHistory { events: 14, needed: 30 }));
        match qini(&units, 10) {
            Qini::Curve { points, .. } => assert_eq!(points.len(), 11),
            q => panic!("{q:?}"),
        }
        assert!(effect_report(&units, &EffectParams { confidence: 1.0, min_events_for_qini: 1 }).is_err());
    }

    #[test]
    fn residents_with_several_units_widen_the_interval_by_their_design_effect() {
        // 900 treated units with 30 events and 100 held out with 8: first each unit its own resident, then the same
        // outcomes on residents with two units each (both units alike: as correlated as they can be).
        let outcome = |i: usize, held: bool| if held { i % 100 < 8 } else { i % 900 < 30 };
        let mut alone = Vec::new();
        let mut paired = Vec::new();
        for i in 0..1000 {
            let held = i >= 900;
            let y = outcome(if held { i - 900 } else { i } / 2 * 2, held);
            alone.push(unit(i, held, y, 0.5));
            let mut u = unit(i / 2, held, y, 0.5);
            u.resident_id = format!("R{:05}", i / 2);
            paired.push(u);
        }
        let p = EffectParams::domain_defaults();
        let a = effect_report(&alone, &p).unwrap().overall[0].clone();
        let b = effect_report(&paired, &p).unwrap().overall[0].clone();
        assert_eq!((a.treated, a.held_out), (b.treated, b.held_out));
        assert_eq!(a.design_effect, [1.0, 1.0]);
        for d in b.design_effect {
            assert!((d - 2.0).abs() < 0.05, "{:?}", b.design_effect);
        }
        let (wa, wb) = (a.ci_high - a.ci_low, b.ci_high - b.ci_low);
        assert!(wb > 1.3 * wa && wb < 1.6 * wa, "widths {wa} and {wb}");
        assert_eq!(a.difference, b.difference);
        // The same units give the same report to the bit (the residents are summed in one order).
        for _ in 0..5 {
            assert_eq!(effect_report(&paired, &p).unwrap().overall[0], b);
        }
    }

    #[test]
    fn campaign_week_is_the_beijing_monday() {
        // 2025-12-03 10:00 Beijing (Wednesday) → 2025-12-01 00:00 Beijing = 2025-11-30 16:00 UTC.
        let wed = 1_764_727_200;
        assert_eq!(campaign_week(wed), 1_764_518_400);
        assert_eq!(campaign_week(1_764_518_400), 1_764_518_400);
    }

    #[test]
    fn warning_answered_is_measured_on_warned_units_only() {
        let contact = |id: &str, at: i64, held: bool| PastContact {
            resident_id: id.into(),
            channel: OutreachChannel::Call,
            at,
            content_id: None,
            outcome: Some(if held { datasets::Outcome::HeldOut } else { datasets::Outcome::Reached }),
            holdout: held,
            urgent: false,
            exposed: false,
        };
        let history = vec![contact("A", 0, false), contact("B", 0, true), contact("C", 0, false)];
        let warnings = vec![
            ("A".to_string(), 3 * DAY, true),
            ("B".to_string(), 5 * DAY, false),
            // After the follow-up: not this unit's outcome.
            ("C".to_string(), 40 * DAY, true),
        ];
        let units = units_from_history(&history, &[], None, Some(&warnings), 28, 100 * DAY);
        let answered: Vec<Option<bool>> =
            units.iter().map(|u| u.outcomes.get(&OutcomeKind::WarningAnswered).copied()).collect();
        assert_eq!(answered, [Some(true), Some(false), None]);
        assert!(units.iter().all(|u| u.outcomes.contains_key(&OutcomeKind::Victimised)));
    }

    #[test]
    fn transfer_stopped_is_measured_on_units_with_a_report_in_the_follow_up() {
        let contact = |id: &str, held: bool| PastContact {
            resident_id: id.into(),
            channel: OutreachChannel::Visit,
            at: 0,
            content_id: None,
            outcome: Some(if held { datasets::Outcome::HeldOut } else { datasets::Outcome::Reached }),
            holdout: held,
            urgent: false,
            exposed: false,
        };
        let history: Vec<PastContact> = ["A", "B", "C", "D", "E"].iter().map(|id| contact(id, *id == "B")).collect();
        let reports = vec![
            // A: an attempt that lost nothing.
            ("A".to_string(), 3 * DAY, false),
            // B (held out): money lost.
            ("B".to_string(), 4 * DAY, true),
            // C: one lost, one stopped: a transfer was stopped.
            ("C".to_string(), 2 * DAY, true),
            ("C".to_string(), 9 * DAY, false),
            // D: after the follow-up, and one before the contact: neither is this unit's.
            ("D".to_string(), 40 * DAY, false),
            ("D".to_string(), -DAY, false),
            // E: no report at all.
        ];
        let victims: Vec<Victimisation> = reports
            .into_iter()
            .map(|(resident_id, occurred_at, lost)| Victimisation {
                resident_id,
                occurred_at,
                known_at: occurred_at + DAY,
                lost,
            })
            .collect();
        let units = units_from_history(&history, &victims, None, None, 28, 100 * DAY);
        let stopped: Vec<Option<bool>> =
            units.iter().map(|u| u.outcomes.get(&OutcomeKind::TransferStopped).copied()).collect();
        assert_eq!(stopped, [Some(true), Some(false), Some(true), None, None]);
        // The code is the JSON name.
        for kind in [
            OutcomeKind::Victimised,
            OutcomeKind::FlaggedContact,
            OutcomeKind::WarningAnswered,
            OutcomeKind::TransferStopped,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.code());
        }
        let report = effect_report(&units, &EffectParams::domain_defaults()).unwrap();
        let c = report.overall.iter().find(|c| c.outcome == OutcomeKind::TransferStopped).unwrap();
        assert_eq!((c.treated.units, c.treated.events, c.held_out.units, c.held_out.events), (2, 2, 1, 0));
    }
}
