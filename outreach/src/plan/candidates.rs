//! Who may be contacted this week and how: exclusions, caps, content, cost and expected value of each option.

use std::collections::HashMap;

use datasets::{OutreachChannel, Staff};
use serde::{Deserialize, Serialize};

use super::PlanInput;
use crate::content::{ContentChoice, TypeMix, TypeProfile};
use crate::estimate::ChannelModel;
use crate::input::{PastContact, PlanResident, ResidentStatus, RiskScore};
use crate::params::PlanParams;

pub(crate) const DAY: i64 = 86_400;

/// Why a scored resident is not in the plan's candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    OptedOut,
    Moved,
    Deceased,
    /// No staff member covers the resident's grid.
    NoStaff,
    /// Contacted within `recent_contact_days`.
    ContactedRecently,
    /// Every channel is capped, needs a phone they lack, or has no fresh content for them.
    NoEligibleChannel,
}

/// One way to contact one resident.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Opt {
    pub(crate) channel: OutreachChannel,
    pub(crate) content: ContentChoice,
    pub(crate) minutes: u32,
    pub(crate) reach: f64,
    pub(crate) effect: f64,
    /// Expected victimisations averted this week: p × what earlier contacts left × reach × effect (× repeat factor).
    pub(crate) averted: f64,
    /// `averted` × expected loss (yuan): the objective.
    pub(crate) value: f64,
}

/// A resident who may be contacted, with their options.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cand<'a> {
    pub(crate) resident: &'a PlanResident,
    pub(crate) score: &'a RiskScore,
    pub(crate) staff: usize,
    pub(crate) loss: f64,
    pub(crate) decile: u8,
    pub(crate) options: Vec<Opt>,
    /// Index of the visit option when the resident must be visited (elderly, alone, recently exposed).
    pub(crate) must_visit: Option<usize>,
    pub(crate) contacts_90d: u32,
}

/// The staff member responsible for a grid: one of those covering it, spread by resident id when several do.
pub(crate) fn staff_of(grid_staff: &HashMap<&str, Vec<usize>>, r: &PlanResident) -> Option<usize> {
    let list = grid_staff.get(r.grid.as_str())?;
    let h = r.id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    list.get((h % list.len() as u64) as usize).copied()
}

pub(crate) fn grid_staff(staff: &[Staff]) -> HashMap<&str, Vec<usize>> {
    let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in staff.iter().enumerate() {
        for g in &s.grids {
            m.entry(g.as_str()).or_default().push(i);
        }
    }
    m
}

/// Risk decile (1 = lowest, 10 = highest) of each score among all the week's scores (ties by resident id).
pub(crate) fn deciles(scores: &[RiskScore]) -> HashMap<&str, u8> {
    let mut order: Vec<&RiskScore> = scores.iter().collect();
    order.sort_by(|a, b| a.p_week.total_cmp(&b.p_week).then_with(|| a.resident_id.cmp(&b.resident_id)));
    let n = order.len().max(1);
    order.iter().enumerate().map(|(rank, s)| (s.resident_id.as_str(), (rank * 10 / n) as u8 + 1)).collect()
}

/// Builds every candidate, or the reason each scored resident is left out.
pub(crate) fn candidates<'a>(
    input: &PlanInput<'a>,
    params: &PlanParams,
    residents: &HashMap<&str, &'a PlanResident>,
) -> (Vec<Cand<'a>>, Vec<(&'a str, Exclusion)>) {
    let week = input.week_start;
    let mut history: HashMap<&str, Vec<&PastContact>> = HashMap::new();
    for h in input.history.iter().filter(|h| h.at < week && h.made()) {
        history.entry(h.resident_id.as_str()).or_default().push(h);
    }
    let grids = grid_staff(input.staff);
    let dec = deciles(input.scores);
    let mix = TypeMix::domain_defaults();
    let mut cands = Vec::new();
    let mut excluded = Vec::new();
    for s in input.scores {
        let Some(&r) = residents.get(s.resident_id.as_str()) else { continue };
        let past: &[&PastContact] = history.get(r.id.as_str()).map_or(&[], Vec::as_slice);
        let within = |days: u32| {
            let from = week - i64::from(days) * DAY;
            past.iter().filter(move |h| h.at >= from)
        };
        let status = match r.status {
            ResidentStatus::Active => None,
            ResidentStatus::OptedOut => Some(Exclusion::OptedOut),
            ResidentStatus::Moved => Some(Exclusion::Moved),
            ResidentStatus::Deceased => Some(Exclusion::Deceased),
        };
        let staff = staff_of(&grids, r);
        let reason = status
            .or(staff.is_none().then_some(Exclusion::NoStaff))
            .or((within(params.recent_contact_days).count() > 0).then_some(Exclusion::ContactedRecently));
        if let Some(why) = reason {
            excluded.push((s.resident_id.as_str(), why));
            continue;
        }
        let band = r.band();
        let loss = s.expected_loss_yuan.unwrap_or_else(|| params.loss.of(band));
        let recent: Vec<&str> = within(params.rotation_days).filter_map(|h| h.content_id.as_deref()).collect();
        let profile = TypeProfile::new(&mix, band, input.trend, &s.likely_types);
        let left = residual(past, week, params, input.model);
        let mut options = Vec::new();
        for &ch in &params.channels {
            if matches!(ch, OutreachChannel::Sms | OutreachChannel::Call) && !r.has_phone {
                continue;
            }
            if let Some(cap) = params.caps.0.get(ch).flatten()
                && within(cap.days).filter(|h| h.channel == ch).count() as u32 + 1 > cap.max
            {
                continue;
            }
            let Some(content) = input.content.choose(ch, band, r.language, &profile, &recent) else { continue };
            let minutes = cost(params, ch, content.minutes);
            let repeat = within(params.repeat_window_days).any(|h| h.channel == ch && h.reached());
            let reach = input.model.reach(ch, band);
            let effect = input.model.effect(ch) * if repeat { params.repeat_factor } else { 1.0 };
            let averted = s.p_week * left * reach * effect;
            options.push(Opt { channel: ch, content, minutes, reach, effect, averted, value: averted * loss });
        }
        if options.is_empty() {
            excluded.push((s.resident_id.as_str(), Exclusion::NoEligibleChannel));
            continue;
        }
        let must = band.is_elderly() && r.lives_alone && r.recent_exposure;
        let must_visit = if must { options.iter().position(|o| o.channel == OutreachChannel::Visit) } else { None };
        cands.push(Cand {
            resident: r,
            score: s,
            staff: staff.unwrap_or(0),
            loss,
            decile: dec.get(s.resident_id.as_str()).copied().unwrap_or(1),
            options,
            must_visit,
            contacts_90d: within(90).count() as u32,
        });
    }
    (cands, excluded)
}

/// The share of risk earlier contacts that reached the resident left: each took its effect, fading with the
/// half-life (contacts older than five half-lives are ignored).
fn residual(past: &[&PastContact], week: i64, params: &PlanParams, model: &ChannelModel) -> f64 {
    let half = params.effect_half_life_days;
    past.iter()
        .filter(|h| h.reached())
        .map(|h| ((week - h.at) as f64 / DAY as f64, model.effect(h.channel)))
        .filter(|(days, _)| *days < 5.0 * half)
        .map(|(days, e)| 1.0 - e * 0.5f64.powf(days / half))
        .product()
}

/// Staff minutes of one contact: the item's minutes (or the channel's fallback), travel for a visit, a lecture's
/// minutes shared by its group; at least one minute.
pub(crate) fn cost(params: &PlanParams, ch: OutreachChannel, item: Option<u32>) -> u32 {
    let c = &params.costs;
    let base = item.or_else(|| c.fallback_minutes.get(ch)).unwrap_or(1);
    let m = match ch {
        OutreachChannel::Visit => base + c.travel_minutes,
        OutreachChannel::Lecture => base.div_ceil(c.lecture_group),
        _ => base,
    };
    m.max(1)
}
