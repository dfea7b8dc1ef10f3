//! Urgent warnings: never before a number was known, graded, assigned to the on-duty officer, escalated.

use std::collections::{BTreeMap, HashMap};

use datasets::Staff;
use outreach::{
    Action, ActionMinutes, Deadlines, FlagSource, FlaggedNumber, Grade, OutreachError, PhoneBook, PhoneContact, Shift,
    TaskState, WarnedPerson, WarningInput, WarningRule, accept_warning, booked_minutes, open_task, raise_warnings,
};

fn contact(from: &str, to: &str, at: i64, duration_s: Option<u32>) -> PhoneContact {
    PhoneContact { from_key: from.into(), to_key: to.into(), at, duration_s }
}

#[test]
fn warnings_are_never_raised_before_the_number_was_known() {
    let book = PhoneBook::new([("tel:1".to_string(), "R1".to_string()), ("tel:2".to_string(), "R2".to_string())]);
    let people = HashMap::from([
        ("R1".to_string(), WarnedPerson { age: 72, prior_victim: false }),
        ("R2".to_string(), WarnedPerson { age: 30, prior_victim: false }),
    ]);
    let flagged = [FlaggedNumber { key: "tel:gang".into(), known_at: 1_000_000, source: FlagSource::GangCluster }];
    let rule = WarningRule::domain_defaults();
    let contacts = [
        contact("tel:gang", "tel:1", 1_000_000 - 4 * 86_400, Some(30)), // before the lookback: nothing
        contact("tel:gang", "tel:2", 1_000_000 - 3600, Some(20)),       // within it: raised when known
        contact("tel:gang", "tel:1", 1_000_500, None),                  // after: raised at once
        contact("tel:gang", "tel:1", 1_000_900, None),                  // same day, same number: deduplicated
        contact("tel:other", "tel:1", 1_000_600, Some(100)),            // not flagged
        contact("tel:gang", "tel:9", 1_000_700, Some(100)),             // no resident
    ];
    let w = raise_warnings(&contacts, &flagged, &book, &people, &rule);
    assert_eq!(w.len(), 2);
    assert!(w.iter().all(|x| x.raised_at >= 1_000_000));
    assert_eq!((w[0].resident_id.as_str(), w[0].raised_at, w[0].grade), ("R2", 1_000_000, Grade::Medium));
    assert_eq!((w[1].resident_id.as_str(), w[1].raised_at, w[1].grade), ("R1", 1_000_500, Grade::High));
}

#[test]
fn a_high_task_escalates_to_family_and_resolves() {
    let staff = [
        Staff { staff_id: "A".into(), name: None, grids: vec!["G1".into()], minutes_per_week: 600, duty: None },
        Staff { staff_id: "B".into(), name: None, grids: vec!["G1".into()], minutes_per_week: 600, duty: None },
    ];
    let input = WarningInput {
        id: "W1".into(),
        resident_id: Some("R1".into()),
        phone: None,
        number: "tel:gang".into(),
        grade: Some(Grade::High),
        source: "96110".into(),
        raised_at: 10_000,
    };
    let book = PhoneBook::default();
    let warning = accept_warning(&input, &book, &|r| r == "R1").unwrap();
    let shifts = [Shift { staff_id: "B".into(), from: 0, to: 20_000 }];
    let d = Deadlines::domain_defaults();
    let task = open_task(&warning, "G1", &staff, &shifts, &BTreeMap::new(), &d).unwrap();
    assert_eq!((task.staff_id.as_str(), task.on_duty), ("B", true));
    assert_eq!(task.steps.iter().map(|s| s.due_at).collect::<Vec<_>>(), vec![10_300, 11_800]);
    assert_eq!(task.overdue(10_400).len(), 1);
    // The call fails: a second attempt is due 15 minutes later; it fails too: the family is called.
    let t = task.record(Action::Call, 10_200, false, &d).unwrap();
    assert_eq!(t.steps.last().map(|s| (s.action, s.due_at)), Some((Action::Call, 11_100)));
    let t = t.record(Action::Call, 10_800, false, &d).unwrap();
    assert_eq!(t.steps.last().map(|s| s.action), Some(Action::FamilyContact));
    let t = t.record(Action::FamilyContact, 11_000, true, &d).unwrap();
    assert_eq!(t.state, TaskState::Open); // the high grade's visit is still due
    let t = t.record(Action::Visit, 11_700, true, &d).unwrap();
    assert_eq!(t.state, TaskState::Resolved);
    assert!(t.overdue(99_999).is_empty());
    assert!(matches!(t.record(Action::Call, 12_000, true, &d), Err(OutreachError::InvalidTransition { .. })));
    assert!(matches!(task.record(Action::Call, 9_000, true, &d), Err(OutreachError::EventOutOfOrder { .. })));
    // Call 10 × 3 (two done, none pending) + family 10 + visit 60.
    let booked = booked_minutes(&[t], 0, 100_000, &ActionMinutes::domain_defaults());
    assert_eq!(booked["B"], 10 + 10 + 10 + 60);
}

#[test]
fn bad_warnings_are_typed_errors() {
    let book = PhoneBook::new([("tel:1".to_string(), "R1".to_string())]);
    let base = WarningInput {
        id: "W".into(),
        resident_id: None,
        phone: Some("tel:1".into()),
        number: "tel:x".into(),
        grade: None,
        source: "centre".into(),
        raised_at: 0,
    };
    let any = |_: &str| true;
    assert_eq!(accept_warning(&base, &book, &any).unwrap_err(), OutreachError::MissingGrade { id: "W".into() });
    let ok = WarningInput { grade: Some(Grade::Low), ..base.clone() };
    assert_eq!(accept_warning(&ok, &book, &any).unwrap().resident_id, "R1");
    let unmapped = WarningInput { phone: Some("tel:2".into()), ..ok.clone() };
    assert!(matches!(accept_warning(&unmapped, &book, &any), Err(OutreachError::UnmappedPhone { .. })));
    let nobody = WarningInput { phone: None, ..ok.clone() };
    assert!(matches!(accept_warning(&nobody, &book, &any), Err(OutreachError::NoSubject { .. })));
    let stranger = WarningInput { resident_id: Some("R7".into()), ..ok.clone() };
    assert!(matches!(accept_warning(&stranger, &book, &|r| r == "R1"), Err(OutreachError::UnknownResident { .. })));
    let w = accept_warning(&ok, &book, &any).unwrap();
    let e = open_task(
        &w,
        "G9",
        &[Staff { staff_id: "A".into(), name: None, grids: vec!["G1".into()], minutes_per_week: 1, duty: None }],
        &[],
        &BTreeMap::new(),
        &Deadlines::domain_defaults(),
    );
    assert!(matches!(e, Err(OutreachError::NoStaffForGrid { .. })));
    // Low grade: an SMS by the end of the Beijing day (raised at 1970-01-01 08:00 Beijing).
    let t = open_task(
        &w,
        "G1",
        &[Staff { staff_id: "A".into(), name: None, grids: vec!["G1".into()], minutes_per_week: 1, duty: None }],
        &[],
        &BTreeMap::new(),
        &Deadlines::domain_defaults(),
    )
    .unwrap();
    assert!(!t.on_duty);
    assert_eq!(t.steps[0].due_at, 86_400 - 8 * 3600 - 1);
}
