//! Point-in-time features per resident and ISO week: every value uses only records dated before the week starts.
//!
//! The feature list (meaning, window, transform) is documented in `docs/risk-features.md`; [`FEATURES`] holds the
//! names and the Chinese and English labels used by reason codes.

use std::collections::HashMap;

use datasets::{Outcome, OutreachChannel};
use ndarray::Array2;

use super::area::eb_smooth;
use super::error::RiskError;
use super::input::RiskData;
use super::week::{DAY, IsoWeek, WEEK};

/// One feature: stable name, and labels for a high and a low value (reason codes show the side that raised risk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSpec {
    pub name: &'static str,
    pub high_zh: &'static str,
    pub high_en: &'static str,
    pub low_zh: &'static str,
    pub low_en: &'static str,
}

const fn spec(
    name: &'static str,
    high_zh: &'static str,
    high_en: &'static str,
    low_zh: &'static str,
    low_en: &'static str,
) -> FeatureSpec {
    FeatureSpec { name, high_zh, high_en, low_zh, low_en }
}

/// The features, in column order.
pub const FEATURES: [FeatureSpec; 18] = [
    spec("age_18_40", "年龄18–40岁", "aged 18–40", "年龄不在18–40岁", "not aged 18–40"),
    spec("age_41_59", "年龄41–59岁", "aged 41–59", "年龄不在41–59岁", "not aged 41–59"),
    spec("age_60_69", "年龄60–69岁", "aged 60–69", "年龄不在60–69岁", "not aged 60–69"),
    spec("age_70_plus", "年龄70岁及以上", "aged 70 or over", "年龄不足70岁", "under 70"),
    spec("lives_alone", "独居", "lives alone", "非独居", "does not live alone"),
    spec("prior_victim", "曾被骗（本周前已报案）", "earlier fraud victim", "无受骗记录", "no earlier victimisation"),
    spec("victim_recency", "近期曾被骗", "victimised recently", "受骗已久或无记录", "no recent victimisation"),
    spec(
        "prior_warnings",
        "一年内曾收到预警劝阻",
        "fraud warnings in the past year",
        "一年内无预警",
        "no warnings in the past year",
    ),
    spec(
        "flagged_contacts_7d",
        "近7天接到涉案号码来电/短信",
        "calls or texts from reported numbers (7 days)",
        "近7天无涉案号码联系",
        "no reported numbers (7 days)",
    ),
    spec(
        "flagged_contacts_30d",
        "近30天接到涉案号码来电/短信",
        "calls or texts from reported numbers (30 days)",
        "近30天无涉案号码联系",
        "no reported numbers (30 days)",
    ),
    spec(
        "overseas_contacts_30d",
        "近30天境外来电/短信",
        "overseas calls or texts (30 days)",
        "近30天无境外来电",
        "no overseas calls (30 days)",
    ),
    spec(
        "external_contacts_30d",
        "近30天陌生号码来电/短信多",
        "many calls or texts from unknown numbers (30 days)",
        "近30天陌生来电少",
        "few calls from unknown numbers (30 days)",
    ),
    spec(
        "antifraud_app",
        "已安装国家反诈中心APP",
        "anti-fraud app installed",
        "未安装国家反诈中心APP",
        "anti-fraud app not installed",
    ),
    spec(
        "outreach_decayed",
        "近期接受过防骗宣传",
        "recent prevention outreach",
        "近期未接受防骗宣传",
        "little recent prevention outreach",
    ),
    spec(
        "community_rate",
        "所在社区近期发案率高",
        "high recent incidence in the community",
        "所在社区近期发案率低",
        "low recent incidence in the community",
    ),
    spec(
        "gang_contacts_7d",
        "近7天接到诈骗团伙号码来电/短信",
        "calls or texts from gang-cluster numbers (7 days)",
        "近7天无团伙号码联系",
        "no gang-cluster numbers (7 days)",
    ),
    spec(
        "gang_contacts_30d",
        "近30天接到诈骗团伙号码来电/短信",
        "calls or texts from gang-cluster numbers (30 days)",
        "近30天无团伙号码联系",
        "no gang-cluster numbers (30 days)",
    ),
    spec("has_phone", "登记有手机号码", "has a phone on file", "未登记手机号码", "no phone on file"),
];

/// Number of features.
pub const N_FEATURES: usize = FEATURES.len();

/// Window of the community incidence feature, in weeks.
pub const COMMUNITY_WEEKS: i64 = 12;
/// Half-life of the outreach feature, in days (the effect decay in domain-notes).
pub const OUTREACH_HALF_LIFE_DAYS: f64 = 21.0;
/// Scale of the victim-recency feature: exp(−weeks since / this).
pub const VICTIM_RECENCY_WEEKS: f64 = 26.0;
/// A call, SMS or visit within this many seconds after a contact from outside counts as a 预警劝阻 warning.
pub const WARNING_LAG: i64 = DAY;

/// Relative effect of an outreach channel (domain-notes: visit 40%, call 25%, lecture 15%, leaflet 12%, SMS 7%,
/// app push 5%), used to weight the decayed outreach sum.
pub fn channel_weight(ch: OutreachChannel) -> f64 {
    match ch {
        OutreachChannel::None => 0.0,
        OutreachChannel::Sms => 0.07,
        OutreachChannel::Call => 0.25,
        OutreachChannel::Visit => 0.40,
        OutreachChannel::Lecture => 0.15,
        OutreachChannel::Leaflet => 0.12,
        OutreachChannel::AppPush => 0.05,
    }
}

/// The features of every resident for one week, rows in [`FeatureBuilder::resident_ids`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekFeatures {
    pub week: IsoWeek,
    /// Data cutoff: the first second of the week; nothing at or after it was read.
    pub cutoff: i64,
    pub x: Array2<f64>,
}

/// Indexes the input once, then computes features and labels for any week.
#[derive(Debug, Clone)]
pub struct FeatureBuilder {
    ids: Vec<String>,
    genders: Vec<String>,
    birth_years: Vec<u16>,
    community_of: Vec<usize>,
    communities: Vec<String>,
    community_pop: Vec<f64>,
    lives_alone: Vec<bool>,
    app: Vec<bool>,
    has_phone: Vec<bool>,
    /// Per resident: (time, other phone id) of contacts with a phone outside the residents', sorted by time.
    contacts: Vec<Vec<(i64, u32)>>,
    /// Per phone id: when it first appeared in a report (`i64::MAX` if never).
    first_reported: Vec<i64>,
    /// Per phone id: when it became known as a gang-cluster number (`i64::MAX` if never).
    gang_known: Vec<i64>,
    /// Per phone id: not a mainland number (`tel:+` but not `tel:+86`).
    overseas: Vec<bool>,
    /// Per resident: report times naming the resident as victim, sorted (what was known, for the features).
    victim_times: Vec<Vec<i64>>,
    /// Per resident: (when the fraud happened, when it was reported) of each report naming the resident as victim,
    /// sorted (for the labels).
    victimised: Vec<Vec<(i64, i64)>>,
    /// Per resident: (time, channel weight, is warning) of outreach that reached them, sorted.
    outreach: Vec<Vec<(i64, f64, bool)>>,
    /// Local reports with a known community: (time, community index), sorted.
    local_reports: Vec<(i64, usize)>,
    first_report: i64,
    last_report: i64,
}

fn reached(outcome: Option<Outcome>) -> bool {
    matches!(outcome, None | Some(Outcome::Delivered) | Some(Outcome::Reached))
}

impl FeatureBuilder {
    /// Indexes `data`. Fails when there are no residents or no reports, or a resident id repeats.
    pub fn new(data: &RiskData) -> Result<FeatureBuilder, RiskError> {
        if data.residents.is_empty() {
            return Err(RiskError::NoData { what: "residents" });
        }
        if data.reports.is_empty() {
            return Err(RiskError::NoData { what: "reports" });
        }
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(data.residents.len());
        let mut community_index: HashMap<&str, usize> = HashMap::new();
        let mut communities = Vec::new();
        let mut community_of = Vec::with_capacity(data.residents.len());
        let mut owner: HashMap<&str, usize> = HashMap::with_capacity(data.residents.len());
        for (i, r) in data.residents.iter().enumerate() {
            if index.insert(r.id.as_str(), i).is_some() {
                return Err(RiskError::DuplicateResident { id: r.id.clone() });
            }
            let next = communities.len();
            let c = *community_index.entry(r.community.as_str()).or_insert(next);
            if c == next {
                communities.push(r.community.clone());
            }
            community_of.push(c);
            for p in &r.phones {
                owner.insert(p.as_str(), i);
            }
        }
        let mut community_pop = vec![0.0; communities.len()];
        for &c in &community_of {
            community_pop[c] += 1.0;
        }
        let mut phone_ids: HashMap<&str, u32> = HashMap::new();
        let mut phones: Vec<&str> = Vec::new();
        // Interning without closures borrowing two maps at once.
        fn intern_phone<'a>(p: &'a str, ids: &mut HashMap<&'a str, u32>, phones: &mut Vec<&'a str>) -> u32 {
            *ids.entry(p).or_insert_with(|| {
                phones.push(p);
                (phones.len() - 1) as u32
            })
        }
        let n = data.residents.len();
        let mut contacts: Vec<Vec<(i64, u32)>> = vec![Vec::new(); n];
        for c in &data.contacts {
            let (from, to) = (owner.get(c.from_phone.as_str()), owner.get(c.to_phone.as_str()));
            match (from, to) {
                (None, Some(&r)) => {
                    let id = intern_phone(&c.from_phone, &mut phone_ids, &mut phones);
                    contacts[r].push((c.at, id));
                }
                (Some(&r), None) => {
                    let id = intern_phone(&c.to_phone, &mut phone_ids, &mut phones);
                    contacts[r].push((c.at, id));
                }
                _ => {}
            }
        }
        for list in &mut contacts {
            list.sort_unstable();
        }
        let mut first_reported = vec![i64::MAX; phones.len()];
        let mut victim_times: Vec<Vec<i64>> = vec![Vec::new(); n];
        let mut victimised: Vec<Vec<(i64, i64)>> = vec![Vec::new(); n];
        let mut local_reports = Vec::new();
        let (mut first_report, mut last_report) = (i64::MAX, i64::MIN);
        for rep in &data.reports {
            first_report = first_report.min(rep.reported_at);
            last_report = last_report.max(rep.reported_at);
            for p in &rep.phones {
                if let Some(&id) = phone_ids.get(p.as_str()) {
                    let slot = &mut first_reported[id as usize];
                    *slot = (*slot).min(rep.reported_at);
                }
            }
            if let Some(&v) = rep.victim_id.as_deref().and_then(|v| index.get(v)) {
                victim_times[v].push(rep.reported_at);
                let happened = rep.occurred_at.map_or(rep.reported_at, |t| t.min(rep.reported_at));
                victimised[v].push((happened, rep.reported_at));
            }
            if rep.local
                && let Some(&c) = rep.community.as_deref().and_then(|c| community_index.get(c))
            {
                local_reports.push((rep.reported_at, c));
            }
        }
        let mut gang_known = vec![i64::MAX; phones.len()];
        for g in &data.gang_numbers {
            if let Some(&id) = phone_ids.get(g.phone.as_str()) {
                let slot = &mut gang_known[id as usize];
                *slot = (*slot).min(g.known_at);
            }
        }
        for list in &mut victim_times {
            list.sort_unstable();
        }
        for list in &mut victimised {
            list.sort_unstable();
        }
        local_reports.sort_unstable();
        let overseas = phones.iter().map(|p| p.starts_with("tel:+") && !p.starts_with("tel:+86")).collect();
        let mut outreach: Vec<Vec<(i64, f64, bool)>> = vec![Vec::new(); n];
        for o in &data.outreach {
            let Some(&r) = index.get(o.resident_id.as_str()) else { continue };
            if o.holdout || !reached(o.outcome) {
                continue;
            }
            let warning = matches!(o.channel, OutreachChannel::Call | OutreachChannel::Sms | OutreachChannel::Visit)
                && {
                    let list = &contacts[r];
                    let k = list.partition_point(|&(t, _)| t <= o.at);
                    k > 0 && o.at - list[k - 1].0 <= WARNING_LAG
                };
            outreach[r].push((o.at, channel_weight(o.channel), warning));
        }
        for list in &mut outreach {
            list.sort_by_key(|e| e.0);
        }
        Ok(FeatureBuilder {
            ids: data.residents.iter().map(|r| r.id.clone()).collect(),
            genders: data.residents.iter().map(|r| r.gender.clone()).collect(),
            birth_years: data.residents.iter().map(|r| r.birth_year).collect(),
            community_of,
            communities,
            community_pop,
            lives_alone: data.residents.iter().map(|r| r.lives_alone == Some(true)).collect(),
            app: data.residents.iter().map(|r| r.antifraud_app == Some(true)).collect(),
            contacts,
            first_reported,
            gang_known,
            has_phone: data.residents.iter().map(|r| !r.phones.is_empty()).collect(),
            overseas,
            victim_times,
            victimised,
            outreach,
            local_reports,
            first_report,
            last_report,
        })
    }

    /// Resident ids, in row order.
    pub fn resident_ids(&self) -> &[String] {
        &self.ids
    }

    /// Sex code per resident (for selection-rate reports only).
    pub fn genders(&self) -> &[String] {
        &self.genders
    }

    /// Community per resident.
    pub fn community(&self, row: usize) -> &str {
        &self.communities[self.community_of[row]]
    }

    /// Age band label (`<18`, `18-40`, `41-59`, `60-69`, `70+`) of a resident in a week.
    pub fn age_band(&self, row: usize, week: IsoWeek) -> &'static str {
        match week.year() - i32::from(self.birth_years[row]) {
            ..18 => "<18",
            18..=40 => "18-40",
            41..=59 => "41-59",
            60..=69 => "60-69",
            _ => "70+",
        }
    }

    /// First and last week holding a report.
    pub fn report_weeks(&self) -> (IsoWeek, IsoWeek) {
        (IsoWeek::of_timestamp(self.first_report), IsoWeek::of_timestamp(self.last_report))
    }

    /// Checks that `week` can be scored: it starts after the first report and at most one week after the last.
    pub fn check_week(&self, week: IsoWeek) -> Result<(), RiskError> {
        let (first, last) = self.report_weeks();
        if week <= first || week > last.plus(1) {
            return Err(RiskError::WeekWithoutData {
                week: week.to_string(),
                why: "scoring a week needs reports before it, and it may be at most one week after the last",
                first: first.to_string(),
                last: last.to_string(),
            });
        }
        Ok(())
    }

    /// Whether each resident was defrauded during `week` (the label), by every report: the fraud's `occurred_at`
    /// where the report gives it (else when it was filed). For judging a week after the fact.
    ///
    /// The label is when the fraud happened, not when it was reported: a victim reports hours to weeks after being
    /// defrauded, and a label by the report's week taught the model to rank first the residents already defrauded
    /// and not yet reported (a scammer's calls last week predict this week's report), whom no outreach can help.
    pub fn labels(&self, week: IsoWeek) -> Vec<bool> {
        self.labels_known_by(week, i64::MAX)
    }

    /// [`labels`](Self::labels) from the reports filed before `cutoff` only: what a model trained at `cutoff`
    /// could know. The weeks just before it are labelled from the reports filed so far.
    pub fn labels_known_by(&self, week: IsoWeek, cutoff: i64) -> Vec<bool> {
        let (s, e) = (week.start(), week.end());
        self.victimised.iter().map(|t| t.iter().any(|&(at, reported)| at >= s && at < e && reported < cutoff)).collect()
    }

    /// Empirical-Bayes smoothed local incidence per community over the [`COMMUNITY_WEEKS`] weeks before `cutoff`,
    /// in cases per 10,000 residents over that window.
    fn community_rates(&self, cutoff: i64) -> Vec<f64> {
        let from = cutoff - COMMUNITY_WEEKS * WEEK;
        let mut cases = vec![0.0; self.communities.len()];
        let lo = self.local_reports.partition_point(|&(t, _)| t < from);
        let hi = self.local_reports.partition_point(|&(t, _)| t < cutoff);
        for &(_, c) in &self.local_reports[lo..hi] {
            cases[c] += 1.0;
        }
        eb_smooth(&cases, &self.community_pop).into_iter().map(|r| r * 10_000.0).collect()
    }

    /// The feature matrix of all residents for `week`, from data strictly before the week's first second.
    pub fn features(&self, week: IsoWeek) -> WeekFeatures {
        let cutoff = week.start();
        let rates = self.community_rates(cutoff);
        // A flat Vec first: element-wise ndarray iteration is slow in debug builds.
        let mut flat = Vec::with_capacity(self.ids.len() * N_FEATURES);
        for r in 0..self.ids.len() {
            flat.extend_from_slice(&self.row(r, week, cutoff, rates[self.community_of[r]]));
        }
        let x = Array2::from_shape_vec((self.ids.len(), N_FEATURES), flat).unwrap_or_default();
        WeekFeatures { week, cutoff, x }
    }

    /// The features of some residents (row indices) for `week`, flattened row-major (`rows.len() × N_FEATURES`).
    /// Same values as the matching rows of [`FeatureBuilder::features`]. Rows out of range are skipped.
    pub fn features_of(&self, week: IsoWeek, rows: &[usize]) -> Vec<f64> {
        let cutoff = week.start();
        let rates = self.community_rates(cutoff);
        let mut flat = Vec::with_capacity(rows.len() * N_FEATURES);
        for &r in rows.iter().filter(|&&r| r < self.ids.len()) {
            flat.extend_from_slice(&self.row(r, week, cutoff, rates[self.community_of[r]]));
        }
        flat
    }

    /// One resident's features; `cutoff` = `week.start()`.
    fn row(&self, r: usize, week: IsoWeek, cutoff: i64, community_rate: f64) -> [f64; N_FEATURES] {
        let band = self.age_band(r, week);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        // Victimisation known before the cutoff.
        let victims = &self.victim_times[r];
        let k = victims.partition_point(|&t| t < cutoff);
        let (prior, recency) = match k {
            0 => (0.0, 0.0),
            _ => {
                let weeks = (cutoff - victims[k - 1]) as f64 / WEEK as f64;
                (1.0, (-weeks / VICTIM_RECENCY_WEEKS).exp())
            }
        };
        // Contacts in the windows before the cutoff; a number is "reported" if a report before the cutoff names it.
        let list = &self.contacts[r];
        let hi = list.partition_point(|&(t, _)| t < cutoff);
        let lo30 = list.partition_point(|&(t, _)| t < cutoff - 30 * DAY);
        let (mut f7, mut f30, mut overseas, mut external, mut g7, mut g30) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for &(t, id) in &list[lo30..hi] {
            external += 1.0;
            let recent = t >= cutoff - 7 * DAY;
            if self.overseas[id as usize] {
                overseas += 1.0;
            }
            if self.first_reported[id as usize] < cutoff {
                f30 += 1.0;
                if recent {
                    f7 += 1.0;
                }
            }
            // A gang number counts only once its cluster made it known, before the cutoff.
            if self.gang_known[id as usize] < cutoff {
                g30 += 1.0;
                if recent {
                    g7 += 1.0;
                }
            }
        }
        // Outreach that reached the resident before the cutoff.
        let events = &self.outreach[r];
        let hi = events.partition_point(|e| e.0 < cutoff);
        let (mut decayed, mut warnings) = (0.0, 0.0);
        for &(t, w, warning) in &events[..hi] {
            let days = (cutoff - t) as f64 / DAY as f64;
            decayed += w * 0.5f64.powf(days / OUTREACH_HALF_LIFE_DAYS);
            if warning && cutoff - t <= 365 * DAY {
                warnings += 1.0;
            }
        }
        [
            flag(band == "18-40"),
            flag(band == "41-59"),
            flag(band == "60-69"),
            flag(band == "70+"),
            flag(self.lives_alone[r]),
            prior,
            recency,
            f64::ln_1p(warnings),
            f64::ln_1p(f7),
            f64::ln_1p(f30),
            f64::ln_1p(overseas),
            f64::ln_1p(external),
            flag(self.app[r]),
            decayed,
            community_rate,
            f64::ln_1p(g7),
            f64::ln_1p(g30),
            flag(self.has_phone[r]),
        ]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::risk::input::{ContactInput, GangNumber, OutreachInput, ResidentInput, VictimReport};

    /// A small district with pseudo-random contacts, reports and outreach over `weeks` weeks from `start`.
    pub(crate) fn toy_data(residents: usize, start: IsoWeek, weeks: i64, seed: u64) -> RiskData {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move |m: u64| {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (s >> 33) % m
        };
        let mut data = RiskData::default();
        for i in 0..residents {
            data.residents.push(ResidentInput {
                id: format!("R{i:05}"),
                birth_year: 1940 + next(70) as u16,
                gender: if i % 2 == 0 { "F".into() } else { "M".into() },
                community: format!("C{}", i % 7),
                lives_alone: Some(next(4) == 0),
                antifraud_app: if next(5) == 0 { None } else { Some(next(2) == 0) },
                phones: vec![format!("tel:+86138{i:08}")],
            });
        }
        let scam = |k: u64| {
            if k.is_multiple_of(5) { format!("tel:+855{k:08}") } else { format!("tel:+86170{k:08}") }
        };
        let span = weeks * WEEK;
        // A third of the scam numbers belong to gang clusters, each known from its own week on.
        for k in (0..60u64).step_by(3) {
            data.gang_numbers
                .push(GangNumber { phone: scam(k), known_at: start.start() + (k as i64 % weeks.max(1)) * WEEK + 3600 });
        }
        // Scammers work from lists: a fifth of the residents get most of the calls, week after week, so a resident
        // called before is more likely to be called, and defrauded, again.
        let listed = (residents as u64 / 5).max(1);
        for _ in 0..residents * weeks as usize / 3 {
            let r = if next(10) < 7 { next(listed) } else { next(residents as u64) } as usize;
            let at = start.start() + next(span as u64) as i64;
            let k = next(60);
            data.contacts.push(ContactInput { from_phone: scam(k), to_phone: data.residents[r].phones[0].clone(), at });
            // Some contacts become victimisations (the loss at the call), reported a few days later and naming the
            // caller.
            if next(6) == 0 {
                data.reports.push(VictimReport {
                    reported_at: at + next(5 * DAY as u64) as i64,
                    occurred_at: Some(at),
                    victim_id: Some(data.residents[r].id.clone()),
                    community: Some(data.residents[r].community.clone()),
                    local: true,
                    phones: vec![scam(k)],
                });
            }
            if next(3) == 0 {
                data.outreach.push(OutreachInput {
                    resident_id: data.residents[r].id.clone(),
                    channel: OutreachChannel::Call,
                    at: at + 600,
                    outcome: Some(Outcome::Reached),
                    holdout: false,
                });
            }
        }
        for _ in 0..residents * weeks as usize / 20 {
            data.outreach.push(OutreachInput {
                resident_id: format!("R{:05}", next(residents as u64)),
                channel: OutreachChannel::Sms,
                at: start.start() + next(span as u64) as i64,
                outcome: Some(Outcome::Delivered),
                holdout: next(10) == 0,
            });
        }
        data
    }

    /// The same data without anything at or after `cutoff`.
    pub(crate) fn truncated(data: &RiskData, cutoff: i64) -> RiskData {
        RiskData {
            residents: data.residents.clone(),
            reports: data.reports.iter().filter(|r| r.reported_at < cutoff).cloned().collect(),
            contacts: data.contacts.iter().filter(|c| c.at < cutoff).cloned().collect(),
            outreach: data.outreach.iter().filter(|o| o.at < cutoff).cloned().collect(),
            gang_numbers: data.gang_numbers.iter().filter(|g| g.known_at < cutoff).cloned().collect(),
        }
    }

    #[test]
    fn features_never_read_the_week_itself_or_later() {
        let start = IsoWeek::parse("2026-W01").unwrap();
        let data = toy_data(300, start, 20, 7);
        let full = FeatureBuilder::new(&data).unwrap();
        for k in [3, 9, 15, 19] {
            let week = start.plus(k);
            let past = FeatureBuilder::new(&truncated(&data, week.start())).unwrap();
            let (a, b) = (full.features(week), past.features(week));
            assert_eq!(a.cutoff, week.start());
            assert_eq!(a.x, b.x, "week {week}: features changed when data at or after the cutoff was removed");
            // And the data after the cutoff does matter for later weeks (the test can fail).
            assert_ne!(full.features(week.plus(1)).x, past.features(week.plus(1)).x);
        }
    }

    #[test]
    fn a_number_reported_during_the_week_is_not_flagged_for_that_week() {
        let week = IsoWeek::parse("2026-W10").unwrap();
        let t0 = week.start();
        let me = ResidentInput {
            id: "R1".into(),
            birth_year: 1950,
            gender: "F".into(),
            community: "C1".into(),
            lives_alone: Some(true),
            antifraud_app: Some(false),
            phones: vec!["tel:+8613800000001".into()],
        };
        let caller = "tel:+8617000000009".to_string();
        let data = RiskData {
            residents: vec![me],
            reports: vec![
                // An older report elsewhere, so the data starts before the week.
                VictimReport {
                    reported_at: t0 - 20 * DAY,
                    occurred_at: None,
                    victim_id: None,
                    community: None,
                    local: false,
                    phones: vec![],
                },
                // The caller is reported one second into the week, and the resident is a victim that week.
                VictimReport {
                    reported_at: t0,
                    occurred_at: None,
                    victim_id: Some("R1".into()),
                    community: Some("C1".into()),
                    local: true,
                    phones: vec![caller.clone()],
                },
            ],
            contacts: vec![ContactInput { from_phone: caller, to_phone: "tel:+8613800000001".into(), at: t0 - 3600 }],
            outreach: vec![],
            // The caller's gang cluster is known from the middle of the week only.
            gang_numbers: vec![GangNumber { phone: "tel:+8617000000009".into(), known_at: t0 + 3 * DAY }],
        };
        let b = FeatureBuilder::new(&data).unwrap();
        let col = |name: &str| FEATURES.iter().position(|f| f.name == name).unwrap();
        let x = b.features(week).x;
        assert_eq!(x[[0, col("flagged_contacts_7d")]], 0.0);
        assert_eq!(x[[0, col("gang_contacts_7d")]], 0.0, "the gang number becomes known during the week");
        assert_eq!(x[[0, col("gang_contacts_30d")]], 0.0);
        assert_eq!(x[[0, col("has_phone")]], 1.0);
        assert_eq!(x[[0, col("prior_victim")]], 0.0);
        assert_eq!(x[[0, col("external_contacts_30d")]], 2f64.ln());
        assert_eq!(x[[0, col("age_70_plus")]], 1.0);
        assert_eq!(b.labels(week), vec![true]);
        // One week later both are known.
        let x = b.features(week.plus(1)).x;
        assert_eq!(x[[0, col("flagged_contacts_7d")]], 0.0, "the contact is 8 days old");
        assert_eq!(x[[0, col("flagged_contacts_30d")]], 2f64.ln());
        assert_eq!(x[[0, col("gang_contacts_30d")]], 2f64.ln());
        assert_eq!(x[[0, col("gang_contacts_7d")]], 0.0);
        assert_eq!(x[[0, col("prior_victim")]], 1.0);
        assert_eq!(b.labels(week.plus(1)), vec![false]);
    }

    #[test]
    fn gang_numbers_count_only_once_known_and_are_used() {
        let start = IsoWeek::parse("2026-W01").unwrap();
        let data = toy_data(300, start, 20, 7);
        let with = FeatureBuilder::new(&data).unwrap();
        let without = FeatureBuilder::new(&RiskData { gang_numbers: vec![], ..data.clone() }).unwrap();
        let j = FEATURES.iter().position(|f| f.name == "gang_contacts_30d").unwrap();
        let week = start.plus(15);
        let (a, b) = (with.features(week).x, without.features(week).x);
        assert!(a.column(j).iter().any(|&v| v > 0.0), "gang exposure is seen");
        assert!(b.column(j).iter().all(|&v| v == 0.0));
        // Exposure never exceeds all exposure to reported-or-not outside numbers.
        let ext = FEATURES.iter().position(|f| f.name == "external_contacts_30d").unwrap();
        assert!(a.rows().into_iter().all(|r| r[j] <= r[ext]));
        // Moving every gang number's known time to just after the cutoff removes it from that week.
        let mut late = data.clone();
        for g in &mut late.gang_numbers {
            g.known_at = g.known_at.max(week.start());
        }
        let late = FeatureBuilder::new(&late).unwrap();
        assert!(late.features(week).x.column(j).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn outreach_decays_with_a_21_day_half_life() {
        let week = IsoWeek::parse("2026-W20").unwrap();
        let mut data = toy_data(5, week.plus(-10), 1, 3);
        data.reports.push(VictimReport {
            reported_at: week.start() - 50 * DAY,
            occurred_at: None,
            victim_id: None,
            community: None,
            local: false,
            phones: vec![],
        });
        data.outreach = vec![OutreachInput {
            resident_id: "R00000".into(),
            channel: OutreachChannel::Visit,
            at: week.start() - 21 * DAY,
            outcome: Some(Outcome::Reached),
            holdout: false,
        }];
        let b = FeatureBuilder::new(&data).unwrap();
        let j = FEATURES.iter().position(|f| f.name == "outreach_decayed").unwrap();
        assert!((b.features(week).x[[0, j]] - 0.2).abs() < 1e-12);
    }

    #[test]
    fn the_label_is_the_week_the_fraud_happened_as_known_at_the_cutoff() {
        let start = IsoWeek::parse("2026-W10").unwrap();
        let mut data = toy_data(3, start, 4, 5);
        data.reports.retain(|r| r.victim_id.is_none());
        let week = start.plus(2);
        let report = |victim: &str, occurred: Option<i64>, reported: i64| VictimReport {
            reported_at: reported,
            occurred_at: occurred,
            victim_id: Some(victim.into()),
            community: None,
            local: true,
            phones: vec![],
        };
        // Defrauded on Sunday, reported on Tuesday of the next week.
        let sunday = week.end() - DAY;
        data.reports.push(report("R00000", Some(sunday), week.end() + DAY));
        // No occurred_at: the week it was reported.
        data.reports.push(report("R00001", None, week.start() + DAY));
        // An occurred_at after the filing (a typo) is read as the filing.
        data.reports.push(report("R00002", Some(week.end() + 9 * DAY), week.start() + 2 * DAY));
        let b = FeatureBuilder::new(&data).unwrap();
        assert_eq!(b.labels(week), vec![true, true, true]);
        assert_eq!(b.labels(week.plus(1)), vec![false, false, false]);
        // A model trained on Monday of the next week has not seen the first report yet.
        assert_eq!(b.labels_known_by(week, week.end()), vec![false, true, true]);
        assert_eq!(b.labels_known_by(week, week.end() + DAY + 1), vec![true, true, true]);
        // The features still know a victimisation only once it is reported.
        let j = FEATURES.iter().position(|f| f.name == "prior_victim").unwrap();
        assert_eq!(b.features(week.plus(1)).x.column(j).to_vec(), vec![0.0, 1.0, 1.0]);
    }

    #[test]
    fn bad_input_is_named() {
        assert_eq!(FeatureBuilder::new(&RiskData::default()).unwrap_err(), RiskError::NoData { what: "residents" });
        let start = IsoWeek::parse("2026-W01").unwrap();
        let mut data = toy_data(20, start, 4, 1);
        let b = FeatureBuilder::new(&data).unwrap();
        let e = b.check_week(IsoWeek::parse("2027-W30").unwrap()).unwrap_err();
        assert!(e.to_string().contains("2027-W30 has no data"), "{e}");
        assert!(b.check_week(start).is_err(), "no history before the first report week");
        data.residents.push(data.residents[0].clone());
        assert_eq!(FeatureBuilder::new(&data).unwrap_err(), RiskError::DuplicateResident { id: "R00000".into() });
    }
}
