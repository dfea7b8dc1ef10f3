//! The generator's parameters: `Config` (size, seed, dates) with `Rates` (every tunable figure, defaulting to
//! domain-notes.md), validated once into `ValidConfig`.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::codes::FraudType;

/// Relative reduction of the weekly victimisation hazard per outreach channel when the resident is reached.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelEffects {
    pub sms: f64,
    pub call: f64,
    pub visit: f64,
    pub lecture: f64,
    pub leaflet: f64,
    pub app_push: f64,
}

/// Loss per case of one fraud type: lognormal with this median (yuan) and log-sd.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossDist {
    pub median_yuan: f64,
    pub sigma: f64,
}

const fn loss(t: FraudType, median_yuan: f64, sigma: f64) -> (FraudType, LossDist) {
    (t, LossDist { median_yuan, sigma })
}

/// Every tunable rate of the synthetic district. [`Rates::domain_defaults`] gives the figures of domain-notes.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    /// Share of residents aged 60+ (domain: ~20%).
    pub share_60_plus: f64,
    /// Share of residents aged 60+ who live alone (domain: ~12%).
    pub alone_share_60_plus: f64,
    /// Mean residents per community (居委会/村).
    pub residents_per_community: u32,
    /// Mean residents per grid (网格).
    pub residents_per_grid: u32,
    /// Local cases per 10,000 residents per year before outreach (万人发案率; domain: a few to ~15).
    pub incidence_per_10k_year: f64,
    /// Gang contacts (calls/SMS) per victimisation (domain: 10–30).
    pub contacts_per_victim: f64,
    /// Contacts from ordinary and hub numbers per gang contact (noise in contacts.csv).
    pub noise_contacts_per_gang_contact: f64,
    /// Reports shared from other districts per local report, for the same gangs ("most victims live elsewhere").
    pub elsewhere_per_local: f64,
    /// Cases per gang over the period, which sets the number of gangs (domain: ~8).
    pub cases_per_gang: f64,
    /// Hazard multiplier for a prior victim (domain: 3–5× for a year).
    pub prior_victim_risk: f64,
    /// How long the prior-victim multiplier lasts, in weeks.
    pub prior_victim_weeks: u32,
    /// Hazard multiplier for living alone.
    pub alone_risk: f64,
    /// Log-sd of the hidden individual frailty (mean 1).
    pub frailty_sigma: f64,
    /// Effect of each channel when it reaches the resident.
    pub effects: ChannelEffects,
    /// Half-life of an outreach effect in days (domain: ~21).
    pub effect_half_life_days: f64,
    /// A repeat of the same channel within this many days has `repeat_factor` of the effect (domain: 14, 0.6).
    pub repeat_window_days: u32,
    pub repeat_factor: f64,
    /// Share of gang contacts that trigger a 预警劝阻 warning to the resident.
    pub warning_share: f64,
    /// Share of routine campaign selections held out as randomised controls (domain: ~10%).
    pub holdout_share: f64,
    /// Share of incidents reported twice (duplicate reports).
    pub duplicate_share: f64,
    /// Probability that a written identifier carries a one-digit typo.
    pub typo_share: f64,
    /// Probability that an optional report field is left empty.
    pub missing_share: f64,
    /// Fraud-type mix (relative weights) of victims under 60 (domain: 刷单 30, 投资 14, 客服 10, …).
    pub mix_under_60: Vec<(FraudType, f64)>,
    /// Fraud-type mix of victims aged 60+ (domain: 保健品/养老产品 15, 养老投资 15, 投资 15, 公检法 15, …).
    pub mix_60_plus: Vec<(FraudType, f64)>,
    /// Loss distribution per fraud type; a type not listed uses the entry of `other`.
    pub losses: Vec<(FraudType, LossDist)>,
    /// Loss multipliers for victims aged 60–69 and 70+ (domain: 1.6, 2.0).
    pub loss_multiplier_60s: f64,
    pub loss_multiplier_70_plus: f64,
    /// Share of first-level mule cards whose onward layers are run by a shared laundering service (跑分/水房).
    pub service_share: f64,
    /// Share of the L3 chunks that end with the gang's backer (金主): paid by a laundering service (after its
    /// commission) or by the gang's own L3 cards; the rest is withdrawn at ATMs, spent at merchants or sent to the
    /// launderer's own wallets (domain: the proceeds go to the backer, whoever moves them).
    pub backer_share: f64,
}

impl Rates {
    /// The figures of domain-notes.md (est. values where the notes give a range).
    pub fn domain_defaults() -> Rates {
        Rates {
            share_60_plus: 0.20,
            alone_share_60_plus: 0.12,
            residents_per_community: 5_000,
            residents_per_grid: 800,
            incidence_per_10k_year: 12.0,
            contacts_per_victim: 20.0,
            noise_contacts_per_gang_contact: 0.5,
            elsewhere_per_local: 3.0,
            cases_per_gang: 8.0,
            prior_victim_risk: 4.0,
            prior_victim_weeks: 52,
            alone_risk: 1.8,
            frailty_sigma: 0.6,
            effects: ChannelEffects {
                sms: 0.07,
                call: 0.25,
                visit: 0.40,
                lecture: 0.15,
                leaflet: 0.12,
                app_push: 0.05,
            },
            effect_half_life_days: 21.0,
            repeat_window_days: 14,
            repeat_factor: 0.6,
            warning_share: 0.3,
            holdout_share: 0.10,
            duplicate_share: 0.04,
            typo_share: 0.03,
            missing_share: 0.05,
            service_share: 0.7,
            backer_share: 0.85,
            mix_under_60: MIX_UNDER_60.to_vec(),
            mix_60_plus: MIX_60_PLUS.to_vec(),
            losses: LOSSES.to_vec(),
            loss_multiplier_60s: 1.6,
            loss_multiplier_70_plus: 2.0,
        }
    }

    /// The loss distribution of `t`.
    pub fn loss_of(&self, t: FraudType) -> LossDist {
        let find = |t: FraudType| self.losses.iter().find(|(x, _)| *x == t).map(|(_, d)| *d);
        find(t).or_else(|| find(FraudType::Other)).unwrap_or(LossDist { median_yuan: 30_000.0, sigma: 1.4 })
    }
}

/// Fraud-type mix of all victims (domain-notes, %).
const MIX_UNDER_60: [(FraudType, f64); 11] = [
    (FraudType::OrderBrushing, 30.0),
    (FraudType::FakeInvestment, 14.0),
    (FraudType::FakeCustomerService, 10.0),
    (FraudType::FakeLoan, 9.0),
    (FraudType::FakeShopping, 9.0),
    (FraudType::Romance, 6.0),
    (FraudType::ImpersonateAcquaintance, 5.0),
    (FraudType::FakeCredit, 5.0),
    (FraudType::ImpersonatePolice, 4.0),
    (FraudType::GameTrading, 4.0),
    (FraudType::Other, 4.0),
];

/// Fraud-type mix of victims aged 60+ (domain-notes, %; "other" split over the smaller 养老 categories).
const MIX_60_PLUS: [(FraudType, f64); 13] = [
    (FraudType::ElderProducts, 15.0),
    (FraudType::ElderInvestment, 15.0),
    (FraudType::FakeInvestment, 15.0),
    (FraudType::ImpersonatePolice, 15.0),
    (FraudType::ImpersonateAcquaintance, 12.0),
    (FraudType::Romance, 10.0),
    (FraudType::OrderBrushing, 8.0),
    (FraudType::FakeCustomerService, 5.0),
    (FraudType::ElderService, 1.5),
    (FraudType::HousePension, 1.0),
    (FraudType::ElderInsurance, 1.0),
    (FraudType::ElderAid, 1.0),
    (FraudType::Other, 0.5),
];

/// Loss per case (domain-notes: median yuan, log-sd); 养老服务/代办养老保险/养老帮扶 are estimates.
const LOSSES: [(FraudType, LossDist); 17] = [
    loss(FraudType::OrderBrushing, 20_000.0, 1.2),
    loss(FraudType::FakeInvestment, 100_000.0, 1.5),
    loss(FraudType::FakeLoan, 8_000.0, 1.0),
    loss(FraudType::FakeCustomerService, 30_000.0, 1.2),
    loss(FraudType::ImpersonatePolice, 150_000.0, 1.3),
    loss(FraudType::Romance, 80_000.0, 1.5),
    loss(FraudType::FakeCredit, 30_000.0, 1.1),
    loss(FraudType::ImpersonateAcquaintance, 50_000.0, 1.2),
    loss(FraudType::GameTrading, 3_000.0, 1.0),
    loss(FraudType::FakeShopping, 2_000.0, 1.0),
    loss(FraudType::ElderInvestment, 50_000.0, 1.3),
    loss(FraudType::ElderProducts, 15_000.0, 1.2),
    loss(FraudType::HousePension, 100_000.0, 1.3),
    loss(FraudType::ElderService, 30_000.0, 1.2),
    loss(FraudType::ElderInsurance, 30_000.0, 1.2),
    loss(FraudType::ElderAid, 30_000.0, 1.2),
    loss(FraudType::Other, 30_000.0, 1.4),
];

/// Structural switches of the criminal side (issue 14): each changes how gangs, services, lone scammers and the
/// money are built, not just a rate. [`Scenario::default`] is the generator as it was before the switches, draw for
/// draw: every switch draws from a stream of its own, so with the defaults the output is byte-identical, and with a
/// switch on the gangs, services and residents are the same as without it (only what the switch touches differs).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Share of victims' payments made to a payment-platform relay account (`2088` + 12 digits, Alipay-style), which
    /// pays the gang's current L1 card the same amount 1–30 min later; the report names the relay account. Residents
    /// also pay genuine shops through the relays.
    pub relay_share: f64,
    /// Number of relay accounts (shared by all gangs).
    pub relays: u32,
    /// Share of gangs and of lone scammers whose own chains end at a shared OTC desk (a USDT dealer's receiving
    /// card, one active at a time for 40–120 days) instead of their backer or cash-outs; the desk sweeps what it
    /// receives to its treasury card within 1–3 days. Residents also buy USDT from the desks.
    pub otc_share: f64,
    /// Number of OTC desks.
    pub otc_desks: u32,
    /// Laundering services keep the money (their own wallets, ATMs, merchants) instead of paying the client gang's
    /// backer back.
    pub services_keep: bool,
    /// Chance that a service's L2 card is also used by another service (a shared card pool).
    pub shared_l2_share: f64,
    /// Share of victimisations by lone scammers (no gang: a phone, a few ids and one card of their own; their reports
    /// have an empty gang_id).
    pub lone_share: f64,
    /// Share of lone scammers whose card a laundering service drains (the service keeps the money: they have no
    /// backer).
    pub lone_service_share: f64,
    /// Range of a service's commission in per mille (drawn per service; default 20–35).
    pub commission_permille: (u32, u32),
    /// Range of the mule layers of a gang's own chain, the L1 card included (drawn per gang; default 3–3: L1 → L2
    /// → L3 → last hop). 1 = the L1 card pays the last hop itself.
    pub layers: (u32, u32),
    /// Share of victims who pay over several weeks, each payment into the L1 card the gang uses at that moment.
    pub multi_pay_share: f64,
    /// The longest span of a multi-pay victim's payments, in weeks (2..=this, drawn per victim; at least 3 payments).
    pub multi_pay_weeks: u32,
    /// Days between the victim's last payment and the report, drawn uniformly (`None`: lognormal, median 8 h). With
    /// it, a report that would be filed after the period ends is left out (its payments carry no report_id).
    pub report_delay_days: Option<(u32, u32)>,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            relay_share: 0.0,
            relays: 4,
            otc_share: 0.0,
            otc_desks: 3,
            services_keep: false,
            shared_l2_share: 0.0,
            lone_share: 0.0,
            lone_service_share: 0.0,
            commission_permille: (20, 35),
            layers: (3, 3),
            multi_pay_share: 0.0,
            multi_pay_weeks: 6,
            report_delay_days: None,
        }
    }
}

/// The named scenario families (`fanzha generate --scenario NAME`), each with what it switches on.
pub const SCENARIOS: [(&str, &str); 10] = [
    ("relays", "every victim pays a payment-platform relay (2088…), which pays the gang's L1 card"),
    ("otc", "60% of gangs and lone scammers (15% of victimisations) end at 3 shared OTC desks"),
    ("keep-money", "laundering services keep the money instead of paying the backer back"),
    ("shared-l2", "40% of a service's L2 cards are also another service's"),
    ("lone-services", "20% of victimisations by lone scammers, 60% of whom use laundering services"),
    ("commission", "service commission drawn from 0–10%"),
    ("deep-chains", "a gang's own chain has 1–5 layers"),
    ("multi-pay", "half the victims pay several L1 cards over 2–6 weeks"),
    ("late-reports", "reports filed 2–8 weeks after the last payment"),
    ("kitchen-sink", "all of the above together (relays for half the payments)"),
];

impl Scenario {
    /// Switches on the family `name` (see [`SCENARIOS`]) on top of what is already on.
    pub fn apply(&mut self, name: &str) -> Result<(), ConfigError> {
        match name {
            "default" | "none" => {}
            "relays" => self.relay_share = 1.0,
            "otc" => {
                self.otc_share = 0.6;
                self.lone_share = self.lone_share.max(0.15);
            }
            "keep-money" => self.services_keep = true,
            "shared-l2" => self.shared_l2_share = 0.4,
            "lone-services" => {
                self.lone_share = self.lone_share.max(0.2);
                self.lone_service_share = 0.6;
            }
            "commission" => self.commission_permille = (0, 100),
            "deep-chains" => self.layers = (1, 5),
            "multi-pay" => {
                self.multi_pay_share = 0.5;
                self.multi_pay_weeks = 6;
            }
            "late-reports" => self.report_delay_days = Some((14, 56)),
            "kitchen-sink" => {
                for family in ["otc", "keep-money", "shared-l2", "lone-services", "commission", "deep-chains"] {
                    self.apply(family)?;
                }
                self.apply("multi-pay")?;
                self.apply("late-reports")?;
                self.relay_share = 0.5;
            }
            _ => return Err(ConfigError::Scenario { value: name.to_string() }),
        }
        Ok(())
    }

    /// The scenario with the families of a comma-separated list (empty: the default).
    pub fn from_names(names: &str) -> Result<Scenario, ConfigError> {
        let mut s = Scenario::default();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            s.apply(name)?;
        }
        Ok(s)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let rate = |name: &'static str, value: f64, min: f64, max: f64| {
            if value >= min && value <= max { Ok(()) } else { Err(ConfigError::Rate { name, value, min, max }) }
        };
        rate("scenario.relay_share", self.relay_share, 0.0, 1.0)?;
        rate("scenario.relays", f64::from(self.relays), 1.0, 100.0)?;
        rate("scenario.otc_share", self.otc_share, 0.0, 1.0)?;
        rate("scenario.otc_desks", f64::from(self.otc_desks), 1.0, 100.0)?;
        rate("scenario.shared_l2_share", self.shared_l2_share, 0.0, 1.0)?;
        rate("scenario.lone_share", self.lone_share, 0.0, 0.9)?;
        rate("scenario.lone_service_share", self.lone_service_share, 0.0, 1.0)?;
        rate("scenario.multi_pay_share", self.multi_pay_share, 0.0, 1.0)?;
        rate("scenario.multi_pay_weeks", f64::from(self.multi_pay_weeks), 2.0, 26.0)?;
        let (lo, hi) = self.commission_permille;
        rate("scenario.commission_permille", f64::from(hi), f64::from(lo), 100.0)?;
        let (lo, hi) = self.layers;
        rate("scenario.layers.min", f64::from(lo), 1.0, 5.0)?;
        rate("scenario.layers.max", f64::from(hi), f64::from(lo), 5.0)?;
        if let Some((lo, hi)) = self.report_delay_days {
            rate("scenario.report_delay_days", f64::from(hi), f64::from(lo), 365.0)?;
        }
        Ok(())
    }
}

/// What to generate. Build with [`Config::new`], adjust fields, then [`Config::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub residents: u32,
    pub weeks: u32,
    pub seed: u64,
    /// First day of the period; must be a Monday (default 2025-12-01).
    pub start: NaiveDate,
    /// The local district's six-digit code (default 310115).
    pub district: String,
    /// Number of final weeks for which `truth/resident_risk.csv` is written (default 8).
    pub truth_weeks: u32,
    pub rates: Rates,
    /// Structural switches (default: none).
    pub scenario: Scenario,
}

/// Why a `Config` was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("residents must be 1..={max}, got {value}")]
    Residents { value: u32, max: u32 },
    #[error("weeks must be 1..=520, got {value}")]
    Weeks { value: u32 },
    #[error("truth weeks must be 0..=weeks ({weeks}), got {value}")]
    TruthWeeks { value: u32, weeks: u32 },
    #[error("start date {value} is not a Monday")]
    Start { value: NaiveDate },
    #[error("district must be a six-digit code, got {value:?}")]
    District { value: String },
    #[error("unknown scenario {value:?} (known: default, {})", SCENARIOS.map(|(n, _)| n).join(", "))]
    Scenario { value: String },
    #[error("rate {name} = {value} is outside {min}..={max}")]
    Rate { name: &'static str, value: f64, min: f64, max: f64 },
}

/// The largest district the identifier numbering supports.
pub const MAX_RESIDENTS: u32 = 20_000_000;

impl Config {
    /// A config with the domain defaults: start 2025-12-01, district 310115, 8 truth weeks (fewer if `weeks` < 8).
    pub fn new(residents: u32, weeks: u32, seed: u64) -> Config {
        Config {
            residents,
            weeks,
            seed,
            start: NaiveDate::from_ymd_opt(2025, 12, 1).unwrap_or_default(),
            district: "310115".to_string(),
            truth_weeks: weeks.min(8),
            rates: Rates::domain_defaults(),
            scenario: Scenario::default(),
        }
    }

    /// Checks every field once.
    pub fn validate(self) -> Result<ValidConfig, ConfigError> {
        if self.residents == 0 || self.residents > MAX_RESIDENTS {
            return Err(ConfigError::Residents { value: self.residents, max: MAX_RESIDENTS });
        }
        if !(1..=520).contains(&self.weeks) {
            return Err(ConfigError::Weeks { value: self.weeks });
        }
        if self.truth_weeks > self.weeks {
            return Err(ConfigError::TruthWeeks { value: self.truth_weeks, weeks: self.weeks });
        }
        if self.start.weekday() != Weekday::Mon {
            return Err(ConfigError::Start { value: self.start });
        }
        if self.district.len() != 6 || !self.district.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::District { value: self.district });
        }
        let r = &self.rates;
        let e = &r.effects;
        let checks: [(&'static str, f64, f64, f64); 26] = [
            ("share_60_plus", r.share_60_plus, 0.01, 0.6),
            ("alone_share_60_plus", r.alone_share_60_plus, 0.0, 0.6),
            ("residents_per_community", f64::from(r.residents_per_community), 100.0, 100_000.0),
            ("residents_per_grid", f64::from(r.residents_per_grid), 50.0, 10_000.0),
            ("incidence_per_10k_year", r.incidence_per_10k_year, 0.0, 200.0),
            ("contacts_per_victim", r.contacts_per_victim, 2.0, 200.0),
            ("noise_contacts_per_gang_contact", r.noise_contacts_per_gang_contact, 0.0, 20.0),
            ("elsewhere_per_local", r.elsewhere_per_local, 0.0, 50.0),
            ("cases_per_gang", r.cases_per_gang, 1.0, 1_000.0),
            ("prior_victim_risk", r.prior_victim_risk, 1.0, 20.0),
            ("prior_victim_weeks", f64::from(r.prior_victim_weeks), 0.0, 520.0),
            ("alone_risk", r.alone_risk, 0.1, 10.0),
            ("frailty_sigma", r.frailty_sigma, 0.0, 2.0),
            ("effects.sms", e.sms, 0.0, 0.95),
            ("effects.call", e.call, 0.0, 0.95),
            ("effects.visit", e.visit, 0.0, 0.95),
            ("effects.lecture", e.lecture, 0.0, 0.95),
            ("effects.leaflet", e.leaflet, 0.0, 0.95),
            ("effects.app_push", e.app_push, 0.0, 0.95),
            ("effect_half_life_days", r.effect_half_life_days, 1.0, 365.0),
            ("repeat_factor", r.repeat_factor, 0.0, 1.0),
            ("warning_share", r.warning_share, 0.0, 1.0),
            ("holdout_share", r.holdout_share, 0.0, 1.0),
            ("duplicate_share", r.duplicate_share, 0.0, 0.5),
            ("typo_share", r.typo_share, 0.0, 0.5),
            ("missing_share", r.missing_share, 0.0, 0.5),
        ];
        for (name, value, min, max) in checks {
            if !(value >= min && value <= max) {
                return Err(ConfigError::Rate { name, value, min, max });
            }
        }
        if !(0.0..=1.0).contains(&r.backer_share) {
            return Err(ConfigError::Rate { name: "backer_share", value: r.backer_share, min: 0.0, max: 1.0 });
        }
        if !(0.0..=1.0).contains(&r.service_share) {
            return Err(ConfigError::Rate { name: "service_share", value: r.service_share, min: 0.0, max: 1.0 });
        }
        for (name, mix) in [("mix_under_60", &r.mix_under_60), ("mix_60_plus", &r.mix_60_plus)] {
            let total: f64 = mix.iter().map(|(_, w)| *w).sum();
            if let Some((_, w)) = mix.iter().find(|(_, w)| !(*w >= 0.0 && w.is_finite())) {
                return Err(ConfigError::Rate { name, value: *w, min: 0.0, max: f64::MAX });
            }
            if total.is_nan() || total <= 0.0 {
                return Err(ConfigError::Rate { name, value: total, min: f64::MIN_POSITIVE, max: f64::MAX });
            }
        }
        for (_, d) in &r.losses {
            if !(d.median_yuan >= 1.0 && d.median_yuan <= 1e8) {
                return Err(ConfigError::Rate { name: "losses.median_yuan", value: d.median_yuan, min: 1.0, max: 1e8 });
            }
            if !(0.0..=3.0).contains(&d.sigma) {
                return Err(ConfigError::Rate { name: "losses.sigma", value: d.sigma, min: 0.0, max: 3.0 });
            }
        }
        for (name, value) in
            [("loss_multiplier_60s", r.loss_multiplier_60s), ("loss_multiplier_70_plus", r.loss_multiplier_70_plus)]
        {
            if !(0.1..=10.0).contains(&value) {
                return Err(ConfigError::Rate { name, value, min: 0.1, max: 10.0 });
            }
        }
        if r.repeat_window_days > 365 {
            let value = f64::from(r.repeat_window_days);
            return Err(ConfigError::Rate { name: "repeat_window_days", value, min: 0.0, max: 365.0 });
        }
        self.scenario.check()?;
        Ok(ValidConfig(self))
    }
}

/// A `Config` that passed [`Config::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidConfig(Config);

impl ValidConfig {
    /// The checked configuration.
    pub fn get(&self) -> &Config {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configs_are_rejected_with_the_field() {
        assert!(Config::new(1, 1, 0).validate().is_ok());
        assert_eq!(Config::new(0, 4, 0).validate(), Err(ConfigError::Residents { value: 0, max: MAX_RESIDENTS }));
        assert_eq!(Config::new(10, 0, 0).validate(), Err(ConfigError::Weeks { value: 0 }));
        assert_eq!(Config::new(10, 521, 0).validate(), Err(ConfigError::Weeks { value: 521 }));
        let mut c = Config::new(10, 4, 0);
        c.truth_weeks = 5;
        assert_eq!(c.validate(), Err(ConfigError::TruthWeeks { value: 5, weeks: 4 }));
        let mut c = Config::new(10, 4, 0);
        c.district = "31011".into();
        assert!(matches!(c.validate(), Err(ConfigError::District { .. })));
        let mut c = Config::new(10, 4, 0);
        c.rates.effects.visit = 1.5;
        assert!(matches!(c.validate(), Err(ConfigError::Rate { name: "effects.visit", .. })));
        let mut c = Config::new(10, 4, 0);
        c.start = NaiveDate::from_ymd_opt(2025, 12, 2).unwrap();
        assert!(matches!(c.validate(), Err(ConfigError::Start { .. })));
        let mut c = Config::new(10, 4, 0);
        c.rates.mix_60_plus.clear();
        assert!(matches!(c.validate(), Err(ConfigError::Rate { name: "mix_60_plus", .. })));
        let mut c = Config::new(10, 4, 0);
        c.scenario.layers = (0, 3);
        assert!(matches!(c.validate(), Err(ConfigError::Rate { name: "scenario.layers.min", .. })));
        let mut c = Config::new(10, 4, 0);
        c.scenario.commission_permille = (30, 20);
        assert!(matches!(c.validate(), Err(ConfigError::Rate { name: "scenario.commission_permille", .. })));
    }

    #[test]
    fn scenarios_parse_by_name_and_combine() {
        assert_eq!(Scenario::from_names(""), Ok(Scenario::default()));
        assert_eq!(Scenario::from_names("default"), Ok(Scenario::default()));
        let s = Scenario::from_names("relays, deep-chains").unwrap();
        assert_eq!((s.relay_share, s.layers), (1.0, (1, 5)));
        assert_eq!(s.lone_share, 0.0);
        assert!(matches!(Scenario::from_names("relays,nope"), Err(ConfigError::Scenario { .. })));
        for (name, _) in SCENARIOS {
            let s = Scenario::from_names(name).unwrap();
            assert_ne!(s, Scenario::default(), "{name} switches nothing on");
            let mut c = Config::new(10, 4, 0);
            c.scenario = s;
            assert!(c.validate().is_ok(), "{name} does not validate");
        }
    }
}
