//! bench/outreach: weekly plans of `optimised`, `greedy`, `top-risk` and `random` (and an oracle, `optimised` given
//! the true risks, and `oracle-top-risk`, `top-risk` given them) at equal staff minutes, judged on the generator's
//! potential outcomes (`truth/resident_risk.csv`); and the coverage of the effect estimator's 95% intervals over 50
//! seeds.
//!
//! The plans see only observable data: scores from our logistic risk model trained on the district's history
//! (never the truth file), outreach history, reports known before the week, contacts, content and staff. The truth
//! file is read only to score plans and to build the oracle.
//!
//! Usage: outreach-bench [residents] [seeds, comma-separated] [minutes per 1,000 residents a week, comma-separated]
//! (defaults 20000 1,2,3 20,60,200). Writes markdown to stdout; district files go to bench/out/outreach/.
//!
//! Or: outreach-bench --district DIR[,DIR...] [minutes per 1,000 residents a week, comma-separated] judges the same
//! way districts written by another generator: DIR holds the interchange files (docs/data-format.md) and
//! `truth/resident_risk.csv` in our layout (the plan is for its first week); `truth/resident_loss.csv`
//! (resident_id, expected_loss_yuan), when present, prices loss averted instead of our generator's loss rates;
//! week 0 starts on the date in `truth/start.txt` (Beijing midnight), or else on the Monday of the earliest
//! report, contact or outreach record. Rows the readers reject are counted on stderr (first five shown).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use analytics::{FeatureBuilder, IsoWeek, ModelKind, RiskData, RiskModel, TrainParams, phone_key};
use chrono::{Datelike, NaiveDate};
use datasets::generate::{Config, Rates, generate};
use datasets::read::{TableReader, find_tables};
use datasets::{FraudType, OutreachChannel, Record, Resident, Table};
use outreach::{
    Arm, ChannelModel, ContentLibrary, EffectUnit, EstimateParams, HoldoutMember, OutcomeKind, PastContact, Plan,
    PlanInput, PlanParams, PlanResident, ResidentStatus, RiskScore, Strategy, Victimisation, compare, draw_holdout,
    estimate_channels, plan_week,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DAY: i64 = 86_400;
const WEEKS: u32 = 52;
/// Local cases per 10,000 a year: the risk benchmark's figure (bench/risk), high enough to fit a model on 20k.
const INCIDENCE: f64 = 150.0;
const TRUTH_COLUMNS: [OutreachChannel; 5] = [
    OutreachChannel::None,
    OutreachChannel::Sms,
    OutreachChannel::Call,
    OutreachChannel::Visit,
    OutreachChannel::Lecture,
];

/// One plan's ratios: `optimised` over the others.
struct Ratios {
    /// Loss averted over `top-risk`'s, `random`'s and the oracle's (the share of it).
    top_risk: f64,
    random: f64,
    oracle: f64,
    /// Victimisations averted over `top-risk`'s and `random`'s.
    top_risk_victims: f64,
    random_victims: f64,
    /// Both given the true risks: the oracle's loss averted over `oracle-top-risk`'s (`top-risk` on the true
    /// risks), what the plan's choice of people and channels adds over a list by risk when the scores are perfect.
    oracle_over_top_risk: f64,
}

struct District {
    start: i64,
    residents: Vec<Resident>,
    records: Vec<Record>,
    truth: HashMap<(String, u32), [f64; 5]>,
    truth_from: u32,
    /// Expected loss of a case per resident (yuan) from the folder's `truth/resident_loss.csv`; `None`: our
    /// generator's loss rates by age.
    loss: Option<HashMap<String, f64>>,
}

fn beijing_midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(datasets::beijing()).single()).map_or(0, |t| t.timestamp())
}

fn load_district(seed: u64, residents: u32, dir: &Path) -> District {
    let mut cfg = Config::new(residents, WEEKS, seed);
    cfg.rates.incidence_per_10k_year = INCIDENCE;
    let start = beijing_midnight(cfg.start);
    let truth_from = WEEKS - cfg.truth_weeks;
    let valid = cfg.validate().expect("bench config is valid");
    let mut sink = datasets::generate::MemorySink::new();
    generate(&valid, &mut sink, &mut |_| {}).expect("generate");
    std::fs::create_dir_all(dir.join("truth")).expect("out dir");
    for (name, body) in sink.files() {
        std::fs::write(dir.join(name), body).expect("write district");
    }
    let (residents, records) = read_tables(dir);
    let truth = read_truth(dir);
    District { start, residents, records, truth, truth_from, loss: None }
}

/// The interchange files of `dir`, through `datasets::read`; rejected rows are counted on stderr.
fn read_tables(dir: &Path) -> (Vec<Resident>, Vec<Record>) {
    let tables = find_tables(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut records = Vec::new();
    for t in Table::ALL {
        let Some(path) = tables.get(t) else { continue };
        let reader = TableReader::open(t, path).unwrap_or_else(|e| panic!("{e}"));
        for w in reader.warnings() {
            eprintln!("warning: {w}");
        }
        let mut rejected = 0usize;
        for row in reader {
            match row {
                Ok((_, rec)) => records.push(rec),
                Err(diags) => {
                    if rejected < 5 {
                        for d in &diags {
                            eprintln!("rejected: {d}");
                        }
                    }
                    rejected += 1;
                }
            }
        }
        if rejected > 0 {
            eprintln!("{}: {rejected} rows rejected", path.display());
        }
    }
    let residents =
        records.iter().filter_map(|r| if let Record::Resident(x) = r { Some(x.clone()) } else { None }).collect();
    (residents, records)
}

/// `truth/resident_risk.csv`: (resident, week) → risk under none, SMS, call, visit, lecture.
fn read_truth(dir: &Path) -> HashMap<(String, u32), [f64; 5]> {
    let text = std::fs::read_to_string(dir.join("truth/resident_risk.csv")).expect("truth");
    let mut truth = HashMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let risks: Vec<f64> = f[2..7].iter().map(|x| x.parse().expect("risk")).collect();
        truth.insert(
            (f[0].to_string(), f[1].parse().expect("week")),
            [risks[0], risks[1], risks[2], risks[3], risks[4]],
        );
    }
    truth
}

/// A district written by another generator (see the module doc).
fn load_folder(dir: &Path) -> District {
    let (residents, records) = read_tables(dir);
    let truth = read_truth(dir);
    let truth_from = truth.keys().map(|k| k.1).min().expect("truth has rows");
    let start = match std::fs::read_to_string(dir.join("truth/start.txt")) {
        Ok(s) => beijing_midnight(NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").expect("truth/start.txt date")),
        Err(_) => {
            let first = records
                .iter()
                .filter_map(|r| match r {
                    Record::Report(x) => Some(x.reported_at.0),
                    Record::Contact(x) => Some(x.at.0),
                    Record::Outreach(x) => Some(x.at.0),
                    _ => None,
                })
                .min()
                .expect("dated records");
            let day = chrono::DateTime::from_timestamp(first + 8 * 3600, 0).expect("time").date_naive();
            beijing_midnight(day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday())))
        }
    };
    let loss = std::fs::read_to_string(dir.join("truth/resident_loss.csv")).ok().map(|text| {
        text.lines()
            .skip(1)
            .map(|line| {
                let (id, v) = line.split_once(',').expect("resident_loss row");
                (id.to_string(), v.trim().parse::<f64>().expect("expected_loss_yuan"))
            })
            .collect()
    });
    District { start, residents, records, truth, truth_from, loss }
}

/// Everything observable a plan for week `w` needs, computed from data before the week.
struct WeekData {
    week_start: i64,
    residents: Vec<PlanResident>,
    scores: Vec<RiskScore>,
    history: Vec<PastContact>,
    trend: Vec<(FraudType, f64)>,
    model: ChannelModel,
    ages: HashMap<String, u8>,
}

fn week_data(d: &District, w: u32) -> WeekData {
    let week_start = d.start + i64::from(w) * 7 * DAY;
    let year = chrono::DateTime::from_timestamp(week_start, 0).map_or(2026, |t| t.year());
    // Scores: our logistic risk model, trained on the weeks before (never the truth file).
    let data = RiskData::from_records(d.records.iter().cloned());
    let builder = FeatureBuilder::new(&data).expect("features");
    let target = IsoWeek::of_timestamp(week_start);
    let model = RiskModel::train(&builder, target, &TrainParams::new(ModelKind::Logistic)).expect("train");
    let feats = builder.features(target);
    let scored = model.score_week(&feats);
    if let Some(path) = std::env::var_os("FEATURES_CSV") {
        write_features(&PathBuf::from(path), d, w, &builder, &feats, &scored);
    }
    let p: HashMap<&str, f64> =
        builder.resident_ids().iter().zip(&scored).map(|(id, (s, _))| (id.as_str(), *s)).collect();

    // Observable exposure: contacts in the last 14 days from numbers named in reports filed before the contact.
    let mut owner: HashMap<String, &str> = HashMap::new();
    for r in &d.residents {
        for ph in &r.phones {
            owner.insert(phone_key(ph), r.resident_id.as_str());
        }
    }
    let mut reported: HashMap<String, i64> = HashMap::new();
    let mut victims = Vec::new();
    let mut trend: BTreeMap<FraudType, f64> = BTreeMap::new();
    for rec in &d.records {
        if let Record::Report(r) = rec {
            if r.reported_at.0 >= week_start {
                continue;
            }
            for ph in &r.phones {
                let t = reported.entry(phone_key(ph)).or_insert(i64::MAX);
                *t = (*t).min(r.reported_at.0);
            }
            if let Some(v) = &r.victim_id {
                victims.push(Victimisation {
                    resident_id: v.clone(),
                    occurred_at: r.occurred_at.unwrap_or(r.reported_at).0,
                    known_at: r.reported_at.0,
                    lost: r.loss.is_some_and(|l| l.0 > 0),
                });
                if r.reported_at.0 >= week_start - 56 * DAY {
                    *trend.entry(r.fraud_type).or_default() += 1.0;
                }
            }
        }
    }
    let mut exposed: HashSet<&str> = HashSet::new();
    // When a contact from outside reached each resident: the exposures the engine's rule sets aside after.
    let mut outside: Vec<(&str, i64)> = Vec::new();
    for rec in &d.records {
        if let Record::Contact(c) = rec {
            if c.at.0 >= week_start {
                continue;
            }
            let (from, to) = (phone_key(&c.from_phone), phone_key(&c.to_phone));
            let Some(&res) = owner.get(&to) else { continue };
            if !owner.contains_key(&from) {
                outside.push((res, c.at.0));
            }
            if c.at.0 >= week_start - 14 * DAY && reported.get(&from).is_some_and(|&k| k <= c.at.0) {
                exposed.insert(res);
            }
        }
    }
    // History; an attempt shortly after a contact from outside is set aside in both arms, as the engine does.
    let mut history: Vec<PastContact> = d
        .records
        .iter()
        .filter_map(|rec| if let Record::Outreach(o) = rec { Some(o) } else { None })
        .filter(|o| o.at.0 < week_start)
        .map(PastContact::from_record)
        .collect();
    outreach::set_aside_exposed(&mut history, outside, outreach::EXPOSURE_WINDOW_S);
    let mut ages = HashMap::new();
    let residents: Vec<PlanResident> = d
        .residents
        .iter()
        .map(|r| {
            let age = (year - i32::from(r.birth_year)).clamp(0, 120) as u8;
            ages.insert(r.resident_id.clone(), age);
            PlanResident {
                id: r.resident_id.clone(),
                grid: r.grid.clone().unwrap_or_default(),
                age,
                lives_alone: r.lives_alone == Some(true),
                has_phone: !r.phones.is_empty(),
                language: r.language,
                status: ResidentStatus::Active,
                recent_exposure: exposed.contains(r.resident_id.as_str()),
            }
        })
        .collect();
    let scores = residents
        .iter()
        .map(|r| RiskScore {
            resident_id: r.id.clone(),
            p_week: p.get(r.id.as_str()).copied().unwrap_or(0.0),
            expected_loss_yuan: None,
            likely_types: Vec::new(),
        })
        .collect();
    let band_of = |id: &str| ages.get(id).map(|&a| outreach::AgeBand::of_age(a));
    let model = estimate_channels(&history, &victims, &band_of, week_start, &EstimateParams::domain_defaults())
        .expect("estimate");
    WeekData { week_start, residents, scores, history, trend: trend.into_iter().collect(), model, ages }
}

/// The generator's expected loss of a case (yuan) at an age: its type mix and lognormal means, × age multiplier.
fn true_loss(rates: &Rates, age: u8) -> f64 {
    let mix = if age >= 60 { &rates.mix_60_plus } else { &rates.mix_under_60 };
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    let mean: f64 = mix
        .iter()
        .map(|(t, w)| {
            let l = rates.loss_of(*t);
            w * l.median_yuan * (l.sigma * l.sigma / 2.0).exp()
        })
        .sum::<f64>()
        / total;
    mean * match age {
        60..=69 => rates.loss_multiplier_60s,
        70.. => rates.loss_multiplier_70_plus,
        _ => 1.0,
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Judged {
    minutes: u64,
    victims: f64,
    loss: f64,
}

fn judge(plan: &Plan, d: &District, w: u32, ages: &HashMap<String, u8>, rates: &Rates) -> Judged {
    let mut j = Judged::default();
    for a in plan.assignments().iter().filter(|a| a.arm == Arm::Treated) {
        let t = d.truth.get(&(a.resident_id.clone(), w)).expect("truth row for every resident");
        let col = TRUTH_COLUMNS.iter().position(|&c| c == a.channel).expect("truth has the channel");
        let averted = t[0] - t[col];
        j.minutes += u64::from(a.minutes);
        j.victims += averted;
        j.loss += averted
            * match &d.loss {
                Some(loss) => loss.get(&a.resident_id).copied().unwrap_or(0.0),
                None => true_loss(rates, ages.get(&a.resident_id).copied().unwrap_or(40)),
            };
    }
    j
}

fn scaled_staff(d: &District, per_1000: f64) -> Vec<datasets::Staff> {
    let staff: Vec<datasets::Staff> =
        d.records.iter().filter_map(|r| if let Record::Staff(s) = r { Some(s.clone()) } else { None }).collect();
    let total: f64 = staff.iter().map(|s| f64::from(s.minutes_per_week)).sum();
    let target = per_1000 * d.residents.len() as f64 / 1000.0;
    staff
        .into_iter()
        .map(|mut s| {
            s.minutes_per_week = (f64::from(s.minutes_per_week) * target / total).round() as u32;
            s
        })
        .collect()
}

fn plan(
    wd: &WeekData,
    d: &District,
    staff: &[datasets::Staff],
    scores: &[RiskScore],
    strategy: Strategy,
    seed: u64,
) -> Plan {
    let content: Vec<datasets::Content> =
        d.records.iter().filter_map(|r| if let Record::Content(c) = r { Some(c.clone()) } else { None }).collect();
    let library = ContentLibrary::new(&content).expect("content");
    let booked = BTreeMap::new();
    let input = PlanInput {
        week_start: wd.week_start,
        residents: &wd.residents,
        scores,
        content: &library,
        staff,
        booked: &booked,
        history: &wd.history,
        trend: &wd.trend,
        model: &wd.model,
    };
    let mut params = PlanParams::domain_defaults(strategy, seed);
    params.holdout.share = 0.0;
    plan_week(&input, &params.check().expect("params")).expect("plan")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let list = |i: usize, default: &str| -> Vec<f64> {
        args.get(i).map_or(default, String::as_str).split(',').map(|x| x.parse().expect("number")).collect()
    };
    let rates = Rates::domain_defaults();
    if args.get(1).map(String::as_str) == Some("--district") {
        let dirs: Vec<PathBuf> = args.get(2).expect("--district DIR[,DIR...]").split(',').map(PathBuf::from).collect();
        let capacities = list(3, "20,60,200");
        println!("# Outreach plans — districts from another generator: {}\n", args[2]);
        let districts = dirs.iter().map(|dir| {
            let label = dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
            (label, load_folder(dir))
        });
        let coverage = compare_strategies("district", districts, &capacities, &rates, true);
        for (label, d, wd) in &coverage {
            println!("\n{label}:");
            if std::env::var_os("CALIBRATION").is_some() {
                calibration_by_rank(d, wd);
            }
            coverage_on_truth(d, wd);
        }
        return;
    }
    let residents: u32 = args.get(1).map_or(20_000, |s| s.parse().expect("residents"));
    let seeds: Vec<u64> = list(2, "1,2,3").into_iter().map(|x| x as u64).collect();
    let capacities = list(3, "20,60,200");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../out/outreach");
    println!(
        "# Outreach plans — {residents} residents, {WEEKS} weeks, incidence {INCIDENCE}/10k/yr, seeds {seeds:?}\n"
    );
    let districts = seeds
        .iter()
        .map(|&seed| (seed.to_string(), load_district(seed, residents, &root.join(format!("seed-{seed}")))));
    let coverage = compare_strategies("seed", districts, &capacities, &rates, false);
    if let Some((_, d, wd)) = coverage.into_iter().next() {
        if std::env::var_os("CALIBRATION").is_some() {
            calibration_by_rank(&d, &wd);
        }
        coverage_on_truth(&d, &wd);
    }
    coverage_synthetic();
}

/// Plans the first truth week of each district with every strategy at every capacity, prints the table and the
/// ratio summary; returns the districts kept for the coverage check (the first, or all when `keep_all`).
fn compare_strategies(
    label_name: &str,
    districts: impl Iterator<Item = (String, District)>,
    capacities: &[f64],
    rates: &Rates,
    keep_all: bool,
) -> Vec<(String, District, WeekData)> {
    println!("| {label_name} | min/1k | strategy | minutes | victims averted | loss averted ¥ | plan bound share |");
    println!("|---|---|---|---|---|---|---|");
    let mut ratios: Vec<Ratios> = Vec::new();
    let mut kept = Vec::new();
    for (label, d) in districts {
        let w = d.truth_from;
        let wd = week_data(&d, w);
        let oracle_scores: Vec<RiskScore> = wd
            .scores
            .iter()
            .map(|s| RiskScore { p_week: d.truth[&(s.resident_id.clone(), w)][0], ..s.clone() })
            .collect();
        if std::env::var_os("PLAN_MIX").is_some() {
            for e in &wd.model.effects {
                eprintln!(
                    "{label} effect {:?}: treated {} ({} events), held out {} ({} events), estimate {:?}, prior {:.3}, \
                     data weight {:.2}, used {:.3}",
                    e.channel,
                    e.treated,
                    e.treated_events,
                    e.held_out,
                    e.held_out_events,
                    e.estimate.map(|x| (x * 1000.0).round() / 1000.0),
                    e.prior,
                    e.data_weight,
                    e.used
                );
            }
        }
        let seed = label.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let seed = label.parse().unwrap_or(seed);
        for &cap in capacities {
            let staff = scaled_staff(&d, cap);
            let mut got: BTreeMap<&str, Judged> = BTreeMap::new();
            for (name, strategy, scores) in [
                ("optimised", Strategy::Optimised, &wd.scores),
                ("greedy", Strategy::Greedy, &wd.scores),
                ("top-risk", Strategy::TopRisk, &wd.scores),
                ("random", Strategy::Random, &wd.scores),
                ("oracle", Strategy::Optimised, &oracle_scores),
                ("oracle-top-risk", Strategy::TopRisk, &oracle_scores),
            ] {
                let p = plan(&wd, &d, &staff, scores, strategy, seed);
                let j = judge(&p, &d, w, &wd.ages, rates);
                if std::env::var_os("PLAN_MIX").is_some() {
                    plan_mix(&p, &d, w, &format!("{label} {cap} {name}"));
                }
                let t = p.totals();
                let share = if t.bound_yuan > 0.0 { t.selected_value_yuan / t.bound_yuan } else { 1.0 };
                println!(
                    "| {label} | {cap} | {name} | {} | {:.4} | {:.0} | {:.4} |",
                    j.minutes, j.victims, j.loss, share
                );
                got.insert(name, j);
            }
            let o = got["optimised"];
            ratios.push(Ratios {
                top_risk: o.loss / got["top-risk"].loss,
                random: o.loss / got["random"].loss,
                oracle: o.loss / got["oracle"].loss,
                top_risk_victims: o.victims / got["top-risk"].victims,
                random_victims: o.victims / got["random"].victims,
                oracle_over_top_risk: got["oracle"].loss / got["oracle-top-risk"].loss,
            });
        }
        if keep_all || kept.is_empty() {
            kept.push((label, d, wd));
        }
    }
    let mean = |f: &dyn Fn(&Ratios) -> f64| ratios.iter().map(f).sum::<f64>() / ratios.len() as f64;
    let min = |f: &dyn Fn(&Ratios) -> f64| ratios.iter().map(f).fold(f64::INFINITY, f64::min);
    println!("\n| optimised vs | loss averted, mean (min) | victimisations averted, mean (min) |");
    println!("|---|---|---|");
    println!(
        "| top-risk | {:.2}× ({:.2}×) | {:.2}× ({:.2}×) |",
        mean(&|r| r.top_risk),
        min(&|r| r.top_risk),
        mean(&|r| r.top_risk_victims),
        min(&|r| r.top_risk_victims)
    );
    println!(
        "| random | {:.2}× ({:.2}×) | {:.2}× ({:.2}×) |",
        mean(&|r| r.random),
        min(&|r| r.random),
        mean(&|r| r.random_victims),
        min(&|r| r.random_victims)
    );
    println!("| oracle (share) | {:.1}% ({:.1}%) | — |", 100.0 * mean(&|r| r.oracle), 100.0 * min(&|r| r.oracle));
    println!(
        "| (oracle ÷ oracle-top-risk: both given the true risks) | {:.2}× ({:.2}×) | — |",
        mean(&|r| r.oracle_over_top_risk),
        min(&|r| r.oracle_over_top_risk)
    );
    kept
}

/// Diagnostic (stderr): per channel of a plan, how many treated, the plan's mean reach × effect against the truth's
/// relative reduction (1 − risk_channel / risk_none), and the mean score against the mean true risk_none.
fn plan_mix(plan: &Plan, d: &District, w: u32, what: &str) {
    let mut by: BTreeMap<String, (usize, f64, f64, f64, f64)> = BTreeMap::new();
    for a in plan.assignments().iter().filter(|a| a.arm == Arm::Treated) {
        let t = d.truth[&(a.resident_id.clone(), w)];
        let col = TRUTH_COLUMNS.iter().position(|&c| c == a.channel).expect("truth has the channel");
        let e = by.entry(format!("{:?}", a.channel)).or_default();
        e.0 += 1;
        e.1 += a.reach * a.effect;
        e.2 += if t[0] > 0.0 { 1.0 - t[col] / t[0] } else { 0.0 };
        e.3 += a.p_week;
        e.4 += t[0];
    }
    let parts: Vec<String> = by
        .iter()
        .map(|(c, &(n, pe, te, s, r))| {
            let n_f = n as f64;
            format!("{c} {n}: planned {:.3} true {:.3}, score {:.5} risk {:.5}", pe / n_f, te / n_f, s / n_f, r / n_f)
        })
        .collect();
    let must = plan.assignments().iter().filter(|a| a.arm == Arm::Treated && a.must_visit).count();
    eprintln!("{what}: {} (must-visit {must})", parts.join("; "));
}

fn contains(c: &outreach::Comparison, truth: f64) -> bool {
    c.ci_low <= truth && truth <= c.ci_high
}

/// Coverage on the generator's potential outcomes: the 4,000 highest-scored residents with a phone get a call
/// (a routine campaign), half held out by the stratified draw; outcomes drawn from the truth file's risk under
/// the arm; the truth is the mean of risk_call − risk_none over the units.
fn coverage_on_truth(d: &District, wd: &WeekData) {
    let w = d.truth_from;
    let grid: HashMap<&str, &str> = wd.residents.iter().map(|r| (r.id.as_str(), r.grid.as_str())).collect();
    let phone: HashSet<&str> = wd.residents.iter().filter(|r| r.has_phone).map(|r| r.id.as_str()).collect();
    let mut units: Vec<&RiskScore> = wd.scores.iter().filter(|s| phone.contains(s.resident_id.as_str())).collect();
    units.sort_by(|a, b| b.p_week.total_cmp(&a.p_week).then_with(|| a.resident_id.cmp(&b.resident_id)));
    units.truncate(4000);
    let risk = |id: &str| d.truth[&(id.to_string(), w)];
    let truth =
        units.iter().map(|s| risk(&s.resident_id)[2] - risk(&s.resident_id)[0]).sum::<f64>() / units.len() as f64;
    let members: Vec<HoldoutMember> = units
        .iter()
        .enumerate()
        .map(|(i, s)| HoldoutMember {
            resident_id: &s.resident_id,
            grid: grid[s.resident_id.as_str()],
            decile: (i * 10 / units.len()) as u8 + 1,
            exempt: false,
        })
        .collect();
    let (mut covered, mut events) = (0, 0u64);
    for seed in 0..50u64 {
        let held = draw_holdout(&members, 0.5, seed);
        let mut rng = ChaCha8Rng::seed_from_u64(1_000 + seed);
        let eu: Vec<EffectUnit> = units
            .iter()
            .zip(&held)
            .map(|(s, &h)| {
                let r = risk(&s.resident_id);
                let y = rng.r#gen::<f64>() < if h { r[0] } else { r[2] };
                events += u64::from(y);
                EffectUnit {
                    resident_id: s.resident_id.clone(),
                    campaign: 0,
                    channel: OutreachChannel::Call,
                    held_out: h,
                    minutes: if h { 0 } else { 8 },
                    score: Some(s.p_week),
                    outcomes: BTreeMap::from([(OutcomeKind::Victimised, y)]),
                }
            })
            .collect();
        let refs: Vec<&EffectUnit> = eu.iter().collect();
        covered += usize::from(contains(&compare(&refs, 1.959_964)[0], truth));
    }
    println!(
        "\nCoverage on the generator's potential outcomes (4,000 top-scored residents, a call, 50% held out, week {w}): \
         true effect {truth:.2e} per resident, {:.1} victimisations per draw; Newcombe 95% interval covers it in \
         {covered}/50 seeds.",
        events as f64 / 50.0
    );
}

/// Coverage on synthetic draws with a known effect, from rare to common outcomes, 10% held out: Newcombe vs the
/// naive Wald interval.
fn coverage_synthetic() {
    println!("\n| held-out risk | treated risk | treated / held out units | Newcombe covers | Wald covers |");
    println!("|---|---|---|---|---|");
    for (p0, n1, n0) in [(0.002, 9000, 1000), (0.01, 4500, 500), (0.05, 1800, 200), (0.2, 900, 100)] {
        let p1 = p0 * 0.75;
        let truth = p1 - p0;
        let (mut newcombe, mut wald) = (0, 0);
        for seed in 0..50u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut units = Vec::with_capacity(n1 + n0);
            for i in 0..(n1 + n0) {
                let held = i >= n1;
                let y = rng.r#gen::<f64>() < if held { p0 } else { p1 };
                units.push(EffectUnit {
                    resident_id: format!("R{i}"),
                    campaign: 0,
                    channel: OutreachChannel::Call,
                    held_out: held,
                    minutes: 8,
                    score: None,
                    outcomes: BTreeMap::from([(OutcomeKind::Victimised, y)]),
                });
            }
            let refs: Vec<&EffectUnit> = units.iter().collect();
            let c = &compare(&refs, 1.959_964)[0];
            newcombe += usize::from(contains(c, truth));
            let (a, b) = (c.risk_treated, c.risk_held_out);
            let se = (a * (1.0 - a) / n1 as f64 + b * (1.0 - b) / n0 as f64).sqrt();
            wald += usize::from((c.difference - 1.96 * se..=c.difference + 1.96 * se).contains(&truth));
        }
        println!("| {p0} | {p1:.4} | {n1} / {n0} | {newcombe}/50 | {wald}/50 |");
    }
}

/// `FEATURES_CSV=path`: the scored week's features, score and true weekly risk (no outreach) per resident, to see who
/// the model puts first and why.
fn write_features(
    path: &std::path::Path,
    d: &District,
    w: u32,
    builder: &FeatureBuilder,
    feats: &analytics::WeekFeatures,
    scored: &[(f64, Vec<analytics::Reason>)],
) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("FEATURES_CSV"));
    let names: Vec<&str> = analytics::FEATURES.iter().map(|f| f.name).collect();
    writeln!(f, "resident_id,score,truth,{}", names.join(",")).expect("write");
    for (i, id) in builder.resident_ids().iter().enumerate() {
        let truth = d.truth.get(&(id.clone(), w)).map_or(f64::NAN, |v| v[0]);
        let row: Vec<String> = feats.x.row(i).iter().map(|v| format!("{v:.4}")).collect();
        writeln!(f, "{id},{},{truth},{}", scored[i].0, row.join(",")).expect("write");
    }
}

/// Diagnostic: mean score vs mean true risk by score rank bucket.
#[allow(dead_code)]
pub(crate) fn calibration_by_rank(d: &District, wd: &WeekData) {
    let w = d.truth_from;
    let mut s: Vec<&RiskScore> = wd.scores.iter().collect();
    s.sort_by(|a, b| b.p_week.total_cmp(&a.p_week));
    for (from, to) in [(0, 50), (50, 200), (200, 500), (500, 1000), (1000, 2000), (2000, 4000), (4000, 8000)] {
        let part = &s[from..to.min(s.len())];
        let ms = part.iter().map(|x| x.p_week).sum::<f64>() / part.len() as f64;
        let mt = part.iter().map(|x| d.truth[&(x.resident_id.clone(), w)][0]).sum::<f64>() / part.len() as f64;
        println!("rank {from}..{to}: score {ms:.5} truth {mt:.5}");
    }
}
