//! Plans under random districts: capacities, caps, exclusions, rotation and determinism; bad input.

use std::collections::{BTreeMap, HashMap};

use datasets::{Audience, Content, ContentFormat, Language, Outcome, OutreachChannel, Staff};
use outreach::{
    Arm, ChannelModel, ContentLibrary, ErrorKind, EstimateParams, OutreachError, PastContact, PlanInput, PlanParams,
    PlanResident, ResidentStatus, RiskScore, Strategy, plan_week,
};
use proptest::prelude::{ProptestConfig, any, prop, prop_assert, prop_assert_eq, proptest};
use proptest::strategy::{Strategy as _, ValueTree as _};

const DAY: i64 = 86_400;
const WEEK0: i64 = 400 * DAY;

fn library() -> ContentLibrary {
    let item = |id: &str, ch: OutreachChannel, minutes: u32, audience: Audience| Content {
        content_id: id.into(),
        title: id.into(),
        format: ContentFormat::Leaflet,
        fraud_types: vec![],
        audience,
        channels: vec![ch],
        minutes: Some(minutes),
        language: Some(Language::Mandarin),
    };
    ContentLibrary::new(&[
        item("S1", OutreachChannel::Sms, 1, Audience::All),
        item("S2", OutreachChannel::Sms, 1, Audience::All),
        item("C1", OutreachChannel::Call, 8, Audience::All),
        item("V1", OutreachChannel::Visit, 20, Audience::All),
        item("L1", OutreachChannel::Lecture, 60, Audience::Elderly),
    ])
    .unwrap()
}

#[derive(Debug, Clone)]
struct World {
    residents: Vec<PlanResident>,
    scores: Vec<RiskScore>,
    staff: Vec<Staff>,
    history: Vec<PastContact>,
    booked: BTreeMap<String, u32>,
}

fn world() -> impl proptest::strategy::Strategy<Value = World> {
    let resident = (0u8..95, any::<bool>(), any::<bool>(), 0u8..4, any::<bool>(), 0.0f64..0.02, 0usize..4);
    (prop::collection::vec(resident, 1..120), prop::collection::vec((0u32..400, 0u32..100), 1..4), any::<u64>())
        .prop_map(|(rs, staff_minutes, seed)| {
            let grids = ["G1", "G2", "G3", "G4"];
            let staff: Vec<Staff> = staff_minutes
                .iter()
                .enumerate()
                .map(|(i, &(m, _))| Staff {
                    staff_id: format!("ST{i}"),
                    name: None,
                    // The last grid is covered by nobody.
                    grids: grids[..3].iter().skip(i % 2).map(|g| g.to_string()).collect(),
                    minutes_per_week: m,
                    duty: None,
                })
                .collect();
            let booked = staff_minutes.iter().enumerate().map(|(i, &(_, b))| (format!("ST{i}"), b)).collect();
            let mut residents = Vec::new();
            let mut scores = Vec::new();
            let mut history = Vec::new();
            for (i, (age, alone, phone, status, exposed, p, grid)) in rs.into_iter().enumerate() {
                let id = format!("R{i:04}");
                let status =
                    [ResidentStatus::Active, ResidentStatus::Active, ResidentStatus::OptedOut, ResidentStatus::Moved]
                        [usize::from(status)];
                residents.push(PlanResident {
                    id: id.clone(),
                    grid: grids[grid].into(),
                    age,
                    lives_alone: alone,
                    has_phone: phone,
                    language: None,
                    status,
                    recent_exposure: exposed,
                });
                scores.push(RiskScore {
                    resident_id: id.clone(),
                    p_week: p,
                    expected_loss_yuan: None,
                    likely_types: vec![],
                });
                // A deterministic mix of past contacts.
                let k = (seed.rotate_left(i as u32 % 64) % 5) as i64;
                for j in 0..k {
                    let ch =
                        [OutreachChannel::Sms, OutreachChannel::Call, OutreachChannel::Visit][(j as usize + i) % 3];
                    history.push(PastContact {
                        resident_id: id.clone(),
                        channel: ch,
                        at: WEEK0 - (3 + 6 * j + (i as i64 % 9)) * DAY,
                        content_id: Some(if ch == OutreachChannel::Sms { "S1" } else { "C1" }.into()),
                        outcome: Some(Outcome::Reached),
                        holdout: false,
                        urgent: j == 0,
                        exposed: false,
                    });
                }
            }
            World { residents, scores, staff, history, booked }
        })
}

fn run(w: &World, strategy: Strategy, holdout: f64) -> Result<outreach::Plan, OutreachError> {
    let content = library();
    let model = ChannelModel::priors(WEEK0, &EstimateParams::domain_defaults()).unwrap();
    let input = PlanInput {
        week_start: WEEK0,
        residents: &w.residents,
        scores: &w.scores,
        content: &content,
        staff: &w.staff,
        booked: &w.booked,
        history: &w.history,
        trend: &[],
        model: &model,
    };
    let mut p = PlanParams::domain_defaults(strategy, 11);
    p.holdout.share = holdout;
    plan_week(&input, &p.check().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn plans_never_break_capacity_caps_or_exclusions(w in world(), s in 0usize..4, holdout in 0.0f64..0.5) {
        let strategy = Strategy::ALL[s];
        let plan = match run(&w, strategy, holdout) {
            Ok(p) => p,
            Err(e) => {
                prop_assert!(matches!(e, OutreachError::NoCapacity { .. }), "{e}");
                return Ok(());
            }
        };
        prop_assert!(plan.version_matches());
        let params = PlanParams::domain_defaults(strategy, 11);
        let residents: HashMap<&str, &PlanResident> = w.residents.iter().map(|r| (r.id.as_str(), r)).collect();
        for st in plan.staff() {
            let s = w.staff.iter().find(|s| s.staff_id == st.staff_id).unwrap();
            let avail = s.minutes_per_week.saturating_sub(w.booked[&s.staff_id]);
            let used: u32 = plan.assignments().iter().filter(|a| a.staff_id == st.staff_id && a.arm == Arm::Treated).map(|a| a.minutes).sum();
            prop_assert!(used <= avail, "{} uses {used} of {avail}", st.staff_id);
            prop_assert!(st.visits <= st.visit_limit);
        }
        let mut seen = std::collections::HashSet::new();
        for a in plan.assignments() {
            prop_assert!(seen.insert(&a.resident_id), "{} twice", a.resident_id);
            let r = residents[a.resident_id.as_str()];
            prop_assert_eq!(r.status, ResidentStatus::Active);
            prop_assert!(r.grid != "G4");
            let staff = w.staff.iter().find(|s| s.staff_id == a.staff_id).unwrap();
            prop_assert!(staff.grids.contains(&r.grid));
            if matches!(a.channel, OutreachChannel::Sms | OutreachChannel::Call) {
                prop_assert!(r.has_phone);
            }
            let past: Vec<&PastContact> = w.history.iter().filter(|h| h.resident_id == a.resident_id).collect();
            prop_assert!(past.iter().all(|h| h.at < WEEK0 - 7 * DAY), "contacted within 7 days");
            if let Some(cap) = params.caps.0.get(a.channel).flatten() {
                let n = past.iter().filter(|h| h.channel == a.channel && h.at >= WEEK0 - i64::from(cap.days) * DAY).count();
                prop_assert!((n as u32) < cap.max, "{:?} cap broken", a.channel);
            }
            let rotated = past.iter().any(|h| h.content_id.as_deref() == Some(a.content_id.as_str()) && h.at >= WEEK0 - 90 * DAY);
            prop_assert!(!rotated, "content repeated");
            if a.arm == Arm::HeldOut {
                prop_assert!(!a.must_visit && a.minutes == 0);
            }
        }
        for d in plan.visit_days() {
            prop_assert!(d.resident_ids.len() <= 10 && d.day < 5);
        }
        let t = plan.totals();
        prop_assert!(t.selected_value_yuan <= t.bound_yuan * (1.0 + 1e-9) + 1e-9);
        // Same input, same plan.
        prop_assert_eq!(run(&w, strategy, holdout).unwrap(), plan);
    }
}

#[test]
fn optimised_is_never_below_the_baselines_on_its_own_values() {
    let w = world().new_tree(&mut proptest::test_runner::TestRunner::deterministic()).unwrap().current();
    let Ok(opt) = run(&w, Strategy::Optimised, 0.0) else { return };
    for s in [Strategy::Greedy, Strategy::TopRisk, Strategy::Random] {
        let other = run(&w, s, 0.0).unwrap();
        assert!(opt.totals().selected_value_yuan >= other.totals().selected_value_yuan * 0.999, "{s:?}");
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let w = World {
        residents: vec![PlanResident {
            id: "R1".into(),
            grid: "G1".into(),
            age: 70,
            lives_alone: true,
            has_phone: true,
            language: None,
            status: ResidentStatus::Active,
            recent_exposure: true,
        }],
        scores: vec![RiskScore {
            resident_id: "R1".into(),
            p_week: 0.01,
            expected_loss_yuan: None,
            likely_types: vec![],
        }],
        staff: vec![Staff {
            staff_id: "ST1".into(),
            name: None,
            grids: vec!["G1".into()],
            minutes_per_week: 100,
            duty: None,
        }],
        history: vec![],
        booked: BTreeMap::new(),
    };
    let plan = run(&w, Strategy::Optimised, 0.1).unwrap();
    // Elderly, alone, exposed: a must-visit, never held out.
    assert_eq!(plan.assignments()[0].channel, OutreachChannel::Visit);
    assert!(plan.assignments()[0].must_visit && plan.assignments()[0].arm == Arm::Treated);

    let mut no_scores = w.clone();
    no_scores.scores.clear();
    let e = run(&no_scores, Strategy::Optimised, 0.1).unwrap_err();
    assert!(matches!(e, OutreachError::NoScores { .. }) && e.kind() == ErrorKind::NotFound);

    let mut unknown = w.clone();
    unknown.scores[0].resident_id = "R9".into();
    assert!(matches!(run(&unknown, Strategy::Greedy, 0.1), Err(OutreachError::UnknownResident { .. })));

    let mut bad_score = w.clone();
    bad_score.scores[0].p_week = f64::NAN;
    assert!(matches!(run(&bad_score, Strategy::Greedy, 0.1), Err(OutreachError::InvalidScore { .. })));

    let mut zero = w.clone();
    zero.staff[0].minutes_per_week = 0;
    let e = run(&zero, Strategy::Greedy, 0.1).unwrap_err();
    assert_eq!(e, OutreachError::NoCapacity { available: 0, booked: 0 });
    assert!(e.to_string().contains("no staff minutes left"));

    let mut unknown_staff = w.clone();
    unknown_staff.booked.insert("ST9".into(), 10);
    assert!(matches!(run(&unknown_staff, Strategy::Greedy, 0.1), Err(OutreachError::UnknownStaff { .. })));

    let mut no_staff = w.clone();
    no_staff.staff.clear();
    assert_eq!(run(&no_staff, Strategy::Greedy, 0.1).unwrap_err(), OutreachError::NoStaff);

    assert!(PlanParams::domain_defaults(Strategy::Random, 1).check().is_ok());
    let mut p = PlanParams::domain_defaults(Strategy::Random, 1);
    p.holdout.share = 1.5;
    assert!(matches!(p.check(), Err(OutreachError::InvalidParameter { name: "holdout.share", .. })));
    assert!(Strategy::parse("best").is_err());
    assert_eq!(Strategy::parse("top-risk").unwrap(), Strategy::TopRisk);
}
