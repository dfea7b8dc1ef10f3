//! The content library and its rotation: for a resident and a channel, the most relevant item in a language they
//! read, for their audience, that they have not had within the rotation window.

use std::collections::BTreeMap;

use datasets::{Audience, Content, FraudType, Language, OutreachChannel};
use serde::{Deserialize, Serialize};

use crate::codes::AgeBand;
use crate::error::{OutreachError, Result};

/// Weights of the three sources of a resident's likely fraud types.
const W_AGE: f64 = 0.4;
const W_TREND: f64 = 0.3;
const W_REASONS: f64 = 0.3;
/// Relevance of an item naming no fraud type (general advice) relative to a perfect type match.
const GENERIC_RELEVANCE: f64 = 0.05;

/// The national fraud-type mix of victims under 60 and 60+: a resident's likely types before the local trend and
/// the snapshot's reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMix {
    pub under_60: Vec<(FraudType, f64)>,
    pub aged_60_plus: Vec<(FraudType, f64)>,
}

impl TypeMix {
    /// The mixes of docs/domain-notes.md ("Fraud types"), as the generator's domain defaults hold them.
    pub fn domain_defaults() -> TypeMix {
        let r = datasets::generate::Rates::domain_defaults();
        TypeMix { under_60: r.mix_under_60, aged_60_plus: r.mix_60_plus }
    }
}

/// How likely each fraud type is for one resident (weights summing to about 1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypeProfile(BTreeMap<FraudType, f64>);

impl TypeProfile {
    /// Mixes the age band's national mix, the local trend of the last weeks (counts or weights per type) and the
    /// types the snapshot's reason codes point to.
    pub fn new(mix: &TypeMix, band: AgeBand, trend: &[(FraudType, f64)], reasons: &[FraudType]) -> TypeProfile {
        let mut w: BTreeMap<FraudType, f64> = BTreeMap::new();
        let mut add = |part: &[(FraudType, f64)], weight: f64| {
            let total: f64 = part.iter().map(|(_, x)| x.max(0.0)).sum();
            if total > 0.0 {
                for (t, x) in part {
                    *w.entry(*t).or_default() += weight * x.max(0.0) / total;
                }
            }
        };
        add(if band.is_elderly() { &mix.aged_60_plus } else { &mix.under_60 }, W_AGE);
        add(trend, W_TREND);
        let r: Vec<(FraudType, f64)> = reasons.iter().map(|t| (*t, 1.0)).collect();
        add(&r, W_REASONS);
        TypeProfile(w)
    }

    /// The weight of a type.
    pub fn weight(&self, t: FraudType) -> f64 {
        self.0.get(&t).copied().unwrap_or(0.0)
    }
}

/// What a resident's own record says about the fraud types aimed at them: the types of the reports (and so of the
/// gangs) behind the flagged numbers that contacted them lately, and the types they fell victim to before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeEvidence {
    pub contacted_by: Vec<FraudType>,
    pub victimised_by: Vec<FraudType>,
}

/// Risk-model reason codes (feature names, see docs/risk-features.md) whose evidence names fraud types.
const CONTACT_REASONS: [&str; 4] =
    ["flagged_contacts_7d", "flagged_contacts_30d", "gang_contacts_7d", "gang_contacts_30d"];
const VICTIM_REASONS: [&str; 2] = ["prior_victim", "victim_recency"];

/// A resident's likely fraud types from the reasons the snapshot gives for their score: a contact with flagged
/// numbers points to those numbers' fraud types, an earlier victimisation to its types (repeat victims are
/// approached again, often by the same kind of scheme, or by someone promising to recover the loss). Reasons
/// without type evidence (age, living alone, local incidence) add nothing here: the age band and the local trend
/// already enter [`TypeProfile`]. Sorted, without repeats.
pub fn likely_types<'a>(reasons: impl IntoIterator<Item = &'a str>, evidence: &TypeEvidence) -> Vec<FraudType> {
    let mut out: Vec<FraudType> = Vec::new();
    for r in reasons {
        if CONTACT_REASONS.contains(&r) {
            out.extend(&evidence.contacted_by);
        } else if VICTIM_REASONS.contains(&r) {
            out.extend(&evidence.victimised_by);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The chosen item for one resident and channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentChoice {
    pub content_id: String,
    /// Staff minutes of the item, as content.csv gives them.
    pub minutes: Option<u32>,
    /// Fit of the item to the resident's likely fraud types, audience and language (higher is better).
    pub relevance: f64,
}

/// The catalogue of anti-fraud materials, sorted by id.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentLibrary {
    items: Vec<Content>,
}

fn audience_fit(a: Audience, band: AgeBand) -> f64 {
    use AgeBand as B;
    let fits = match a {
        Audience::All => return 0.8,
        Audience::Elderly => band.is_elderly(),
        Audience::Youth => band == B::Age18To40,
        Audience::Students => matches!(band, B::Under18 | B::Age18To40),
        Audience::Parents | Audience::Workers => matches!(band, B::Age18To40 | B::Age41To59),
        Audience::Merchants => !matches!(band, B::Under18),
    };
    if fits { 1.0 } else { 0.0 }
}

fn language_fit(item: Option<Language>, resident: Option<Language>) -> f64 {
    match (item, resident) {
        (None, _) => 1.0,
        (Some(i), Some(r)) if i == r => 1.0,
        // Mandarin is read by nearly everyone; a dialect item only by its speakers.
        (Some(Language::Mandarin), _) => 0.7,
        _ => 0.0,
    }
}

impl ContentLibrary {
    /// Indexes content.csv's items; an id given twice is an error.
    pub fn new(items: &[Content]) -> Result<ContentLibrary> {
        let mut items = items.to_vec();
        items.sort_by(|a, b| a.content_id.cmp(&b.content_id));
        if let Some(w) = items.windows(2).find(|w| w[0].content_id == w[1].content_id) {
            return Err(OutreachError::InvalidParameter {
                name: "content",
                value: w[0].content_id.clone(),
                reason: "a content id appears twice",
            });
        }
        Ok(ContentLibrary { items })
    }

    pub fn items(&self) -> &[Content] {
        &self.items
    }

    /// The item for `channel` that fits the resident best and is not in `recent` (ids they had within the
    /// rotation window); ties go to fewer minutes, then the smaller id. `None` when nothing fresh fits.
    pub fn choose(
        &self,
        channel: OutreachChannel,
        band: AgeBand,
        language: Option<Language>,
        profile: &TypeProfile,
        recent: &[&str],
    ) -> Option<ContentChoice> {
        let mut best: Option<(f64, u32, &Content)> = None;
        for c in &self.items {
            if !c.channels.contains(&channel) || recent.contains(&c.content_id.as_str()) {
                continue;
            }
            let fit = audience_fit(c.audience, band) * language_fit(c.language, language);
            if fit <= 0.0 {
                continue;
            }
            let types = if c.fraud_types.is_empty() {
                GENERIC_RELEVANCE
            } else {
                c.fraud_types.iter().map(|t| profile.weight(*t)).sum::<f64>().max(GENERIC_RELEVANCE / 2.0)
            };
            let score = fit * types;
            let minutes = c.minutes.unwrap_or(u32::MAX);
            let better = match best {
                None => true,
                Some((s, m, _)) => score > s + 1e-12 || ((score - s).abs() <= 1e-12 && minutes < m),
            };
            if better {
                best = Some((score, minutes, c));
            }
        }
        best.map(|(relevance, _, c)| ContentChoice { content_id: c.content_id.clone(), minutes: c.minutes, relevance })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, types: &[FraudType], audience: Audience, ch: OutreachChannel, lang: Language) -> Content {
        Content {
            content_id: id.into(),
            title: id.into(),
            format: datasets::ContentFormat::SmsText,
            fraud_types: types.to_vec(),
            audience,
            channels: vec![ch],
            minutes: Some(1),
            language: Some(lang),
        }
    }

    #[test]
    fn follows_types_audience_language_and_rotates() {
        use FraudType as F;
        let sms = OutreachChannel::Sms;
        let lib = ContentLibrary::new(&[
            item("A", &[F::OrderBrushing], Audience::Youth, sms, Language::Mandarin),
            item("B", &[F::ElderProducts, F::ImpersonatePolice], Audience::Elderly, sms, Language::Mandarin),
            item("C", &[], Audience::All, sms, Language::Mandarin),
            item("D", &[F::ElderProducts], Audience::Elderly, sms, Language::Wu),
        ])
        .unwrap();
        let mix = TypeMix::domain_defaults();
        let old = TypeProfile::new(&mix, AgeBand::Age70Plus, &[], &[]);
        let young = TypeProfile::new(&mix, AgeBand::Age18To40, &[], &[]);
        let pick =
            |band, lang, p: &TypeProfile, recent: &[&str]| lib.choose(sms, band, lang, p, recent).map(|c| c.content_id);
        assert_eq!(pick(AgeBand::Age70Plus, Some(Language::Mandarin), &old, &[]).as_deref(), Some("B"));
        assert_eq!(pick(AgeBand::Age18To40, Some(Language::Mandarin), &young, &[]).as_deref(), Some("A"));
        assert_eq!(pick(AgeBand::Age70Plus, Some(Language::Mandarin), &old, &["B"]).as_deref(), Some("C"));
        // A Wu speaker gets the Wu item over the Mandarin one of similar relevance.
        assert_eq!(pick(AgeBand::Age70Plus, Some(Language::Wu), &old, &["B"]).as_deref(), Some("D"));
        assert_eq!(pick(AgeBand::Age70Plus, Some(Language::Mandarin), &old, &["B", "C"]), None);
        // The local trend moves the choice.
        let trend =
            TypeProfile::new(&mix, AgeBand::Age41To59, &[(F::ImpersonatePolice, 10.0)], &[F::ImpersonatePolice]);
        assert_eq!(pick(AgeBand::Age41To59, None, &trend, &[]).as_deref(), Some("C"));
        assert!(ContentLibrary::new(&[lib.items()[0].clone(), lib.items()[0].clone()]).is_err());
    }
}

#[cfg(test)]
mod likely_type_tests {
    use super::*;

    #[test]
    fn reasons_point_to_the_types_their_evidence_names() {
        use FraudType::{FakeInvestment, ImpersonatePolice, OrderBrushing};
        let evidence = TypeEvidence {
            contacted_by: vec![ImpersonatePolice, FakeInvestment, ImpersonatePolice],
            victimised_by: vec![OrderBrushing],
        };
        let mut contacted = vec![FakeInvestment, ImpersonatePolice];
        contacted.sort();
        assert_eq!(likely_types(["gang_contacts_7d", "age_70_plus"], &evidence), contacted);
        assert_eq!(likely_types(["prior_victim", "victim_recency"], &evidence), [OrderBrushing]);
        assert!(likely_types(["lives_alone", "community_rate"], &evidence).is_empty());
        assert!(likely_types(["flagged_contacts_30d"], &TypeEvidence::default()).is_empty());
        let both = likely_types(["flagged_contacts_30d", "prior_victim", "gang_contacts_30d"], &evidence);
        assert_eq!(both.len(), 3, "{both:?}");
    }
}
