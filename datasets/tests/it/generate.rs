//! The synthetic district: determinism, format contract, realism and absence of label leaks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use datasets::generate::{Config, MemorySink, generate};
use datasets::{Record, RowSource, Table};

pub(crate) type Files = BTreeMap<String, Vec<u8>>;

fn run(residents: u32, weeks: u32, seed: u64) -> Files {
    let cfg = Config::new(residents, weeks, seed).validate().expect("valid config");
    let mut sink = MemorySink::new();
    generate(&cfg, &mut sink, &mut |_| {}).expect("generation succeeds");
    sink.files()
}

/// The 20,000-resident, 52-week district shared by the realism tests.
fn big() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| run(20_000, 52, 42))
}

/// A CSV file as header plus rows of strings.
pub(crate) struct Csv {
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<csv::StringRecord>,
}

impl Csv {
    pub(crate) fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }
    pub(crate) fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> {
        let i = self.col(name);
        self.rows.iter().map(move |r| r.get(i).unwrap_or(""))
    }
}

pub(crate) fn csv(files: &Files, path: &str) -> Csv {
    let bytes = files.get(path).unwrap_or_else(|| panic!("missing {path}"));
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header = r.headers().expect("header").iter().map(str::to_string).collect();
    let rows = r.records().map(|x| x.expect("csv row")).collect();
    Csv { header, rows }
}

struct Row<'a> {
    header: &'a [String],
    rec: &'a csv::StringRecord,
}

impl RowSource for Row<'_> {
    fn raw(&self, field: &str) -> Option<&str> {
        self.header.iter().position(|h| h == field).and_then(|i| self.rec.get(i))
    }
}

pub(crate) fn records(files: &Files, table: Table) -> Vec<Record> {
    let c = csv(files, &format!("{}.csv", table.name()));
    assert_eq!(c.header, table.fields(), "{} header", table.name());
    c.rows
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            Record::parse(table, &Row { header: &c.header, rec })
                .unwrap_or_else(|e| panic!("{} row {}: {e:?}", table.name(), i + 2))
        })
        .collect()
}

#[test]
fn the_same_seed_gives_byte_identical_files_and_another_seed_differs() {
    let a = run(2_000, 12, 5);
    let b = run(2_000, 12, 5);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between runs with the same seed");
    }
    let c = run(2_000, 12, 6);
    assert_ne!(a["reports.csv"], c["reports.csv"]);
    assert_ne!(a["residents.csv"], c["residents.csv"]);
}

#[test]
fn every_interchange_file_parses_without_a_field_error() {
    let files = big();
    for table in Table::ALL {
        let recs = records(files, table);
        assert!(!recs.is_empty(), "{} is empty", table.name());
        let ids: BTreeSet<&str> = recs.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), recs.len(), "{} ids are unique", table.name());
    }
    for path in ["areas.csv", "adjacency.csv", "truth/README.md", "truth/hubs.csv", "truth/services.csv"] {
        assert!(files.contains_key(path), "{path}");
    }
}

#[test]
fn the_population_has_the_documented_age_structure() {
    let files = big();
    let residents = records(files, Table::Residents);
    let (mut old, mut old_alone) = (0usize, 0usize);
    for r in &residents {
        let Record::Resident(r) = r else { unreachable!() };
        if 2025 - i32::from(r.birth_year) >= 60 {
            old += 1;
            old_alone += usize::from(r.lives_alone == Some(true));
        }
    }
    let share = old as f64 / residents.len() as f64;
    let alone = old_alone as f64 / old as f64;
    assert!((0.18..=0.22).contains(&share), "60+ share {share}");
    assert!((0.08..=0.16).contains(&alone), "living alone among 60+ {alone}");
    let areas = csv(files, "areas.csv");
    let pop: u64 = areas.values("population").map(|p| p.parse::<u64>().unwrap()).sum();
    assert_eq!(pop, residents.len() as u64);
}

fn report_gangs(files: &Files) -> BTreeMap<String, (String, String)> {
    let rg = csv(files, "truth/report_gang.csv");
    rg.rows.iter().map(|r| (r[0].to_string(), (r[1].to_string(), r[2].to_string()))).collect()
}

#[test]
fn every_report_has_a_gang_and_services_bridge_gangs() {
    let files = big();
    let truth = report_gangs(files);
    let gangs: BTreeSet<String> = csv(files, "truth/gangs.csv").values("gang_id").map(str::to_string).collect();
    let reports = csv(files, "reports.csv");
    let mut local = 0;
    for (id, victim) in reports.values("report_id").zip(reports.values("victim_id")) {
        let (gang, _) = truth.get(id).unwrap_or_else(|| panic!("report {id} has no gang"));
        assert!(gangs.contains(gang));
        local += usize::from(!victim.is_empty());
    }
    assert_eq!(truth.len(), reports.rows.len());
    assert!(local > 0 && local < reports.rows.len() / 2, "{local} local of {}", reports.rows.len());
    let services = csv(files, "truth/services.csv");
    assert!(services.values("gangs").any(|g| g.split(';').count() >= 2));
}

#[test]
fn hubs_are_mentioned_across_many_gangs() {
    let files = big();
    let truth = report_gangs(files);
    let hubs: BTreeSet<String> = csv(files, "truth/hubs.csv").values("key").map(str::to_string).collect();
    let ni = csv(files, "truth/narrative_identifiers.csv");
    let mut by_hub: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for r in &ni.rows {
        if hubs.contains(&r[1]) {
            let e = by_hub.entry(&r[1]).or_default();
            e.0 += 1;
            e.1.insert(truth[&r[0]].0.as_str());
        }
    }
    assert!(by_hub.values().any(|(n, g)| *n >= 20 && g.len() >= 3), "{by_hub:?}");
}

fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .collect()
}

#[test]
fn planted_identifiers_are_really_written_in_the_narrative() {
    let files = big();
    let reports = csv(files, "reports.csv");
    let text: BTreeMap<&str, &str> = reports.values("report_id").zip(reports.values("narrative")).collect();
    let ni = csv(files, "truth/narrative_identifiers.csv");
    let mut kinds = BTreeSet::new();
    for r in &ni.rows {
        let (id, key, kind) = (&r[0], &r[1], &r[2]);
        let t = text[id];
        let value = key.split_once(':').map(|x| x.1).unwrap();
        let ok = match kind {
            "phone" | "card" | "cardtail" | "qq" => {
                digits(t).contains(&digits(value)[digits(value).len().saturating_sub(8)..])
            }
            "url" => t.to_lowercase().contains(value.split(['/', '?']).next().unwrap()),
            "app" => {
                let folded: String = t
                    .chars()
                    .map(|c| if ('！'..='～').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap() } else { c })
                    .collect();
                folded.to_lowercase().contains(value)
            }
            "wechat" => t.to_lowercase().contains(value),
            other => panic!("unknown kind {other}"),
        };
        assert!(ok, "{key} not found in report {id}: {t}");
        kinds.insert(kind.to_string());
    }
    for k in ["phone", "card", "cardtail", "url", "app", "wechat", "qq"] {
        assert!(kinds.contains(k), "no {k} planted");
    }
    let distinct: BTreeSet<&str> = text.values().copied().collect();
    assert!(distinct.len() * 10 >= text.len() * 9, "narratives repeat too often");
}

/// The proceeds end with each gang's own backer accounts, paid from the L3 cards of the gang itself or of a laundering
/// service it uses, and every gang has 1–2 backers; most of what L3 cards send out goes to backers, for services and
/// gangs alike.
#[test]
fn the_gangs_and_their_services_pay_the_proceeds_to_its_backers() {
    let files = big();
    let ids = csv(files, "truth/identifier_gang.csv");
    let account = |key: &str| key.split_once(':').map_or(key, |(_, v)| v).to_string();
    let owner: BTreeMap<String, (String, String)> =
        ids.rows.iter().map(|r| (account(&r[0]), (r[2].to_string(), r[3].to_string()))).collect();
    let gangs = csv(files, "truth/gangs.csv");
    let uses: BTreeMap<&str, BTreeSet<&str>> = gangs
        .rows
        .iter()
        .map(|r| (&r[0], r[gangs.col("services")].split(';').filter(|s| !s.is_empty()).collect()))
        .collect();
    let mut backers: BTreeMap<&str, usize> = BTreeMap::new();
    for (o, role) in owner.values() {
        if role == "backer" {
            *backers.entry(o.as_str()).or_default() += 1;
        }
    }
    assert_eq!(backers.len(), gangs.rows.len(), "every gang has a backer");
    assert!(backers.values().all(|n| (1..=2).contains(n)), "{backers:?}");
    // (money to backers, all L3 cards' outflow), for services' and gangs' own L3 cards
    let (mut back, mut l3_out) = ([0i64; 2], [0i64; 2]);
    for t in &records(files, Table::Transfers) {
        let Record::Transfer(t) = t else { unreachable!() };
        let from = owner.get(&t.from_account);
        let to = owner.get(&t.to_account);
        if let Some((g, _)) = to.filter(|(_, role)| role == "backer") {
            let (s, role) = from.expect("a backer is paid by a known account");
            assert_eq!(role, "l3", "{} pays backer {}", t.from_account, t.to_account);
            let own = s == g;
            assert!(own || uses[g.as_str()].contains(s.as_str()), "{s} pays {g}, which does not use it");
            back[usize::from(own)] += t.amount.0;
        }
        if let Some((s, _)) = from.filter(|(_, role)| role == "l3") {
            l3_out[usize::from(s.starts_with('G'))] += t.amount.0;
        }
    }
    for (k, who) in ["services", "gangs' own L3 cards"].iter().enumerate() {
        let share = back[k] as f64 / l3_out[k] as f64;
        assert!((0.75..=0.95).contains(&share), "{who} paid backers {share:.3} of what they sent");
    }
}

#[test]
fn mule_cards_are_drained_within_minutes() {
    let files = big();
    let ids = csv(files, "truth/identifier_gang.csv");
    let l1: BTreeSet<String> =
        ids.rows.iter().filter(|r| &r[3] == "l1").map(|r| r[0].trim_start_matches("card:").to_string()).collect();
    let transfers = records(files, Table::Transfers);
    let mut out_times: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for t in &transfers {
        let Record::Transfer(t) = t else { unreachable!() };
        if l1.contains(&t.from_account) {
            out_times.entry(&t.from_account).or_default().push(t.at.0);
        }
    }
    for v in out_times.values_mut() {
        v.sort_unstable();
    }
    let mut dwell = Vec::new();
    for t in &transfers {
        let Record::Transfer(t) = t else { unreachable!() };
        if t.report_id.is_some() && l1.contains(&t.to_account) {
            let outs = &out_times[t.to_account.as_str()];
            let next = outs[outs.partition_point(|&x| x < t.at.0)];
            dwell.push(next - t.at.0);
        }
    }
    dwell.sort_unstable();
    let median = dwell[dwell.len() / 2];
    assert!((60..=600).contains(&median), "median L1 dwell {median}s");
}

#[test]
fn gang_contacts_outnumber_victims_ten_to_thirty_fold() {
    let files = big();
    let callers: BTreeSet<String> = csv(files, "truth/identifier_gang.csv")
        .rows
        .iter()
        .filter(|r| &r[3] == "caller")
        .map(|r| r[0].to_string())
        .collect();
    let contacts = csv(files, "contacts.csv");
    let key = |p: &str| {
        if let Some(rest) = p.strip_prefix('+') {
            format!("tel:+{rest}")
        } else if let Some(rest) = p.strip_prefix('0') {
            format!("tel:+86{rest}")
        } else {
            format!("tel:+86{p}")
        }
    };
    let gang_contacts = contacts.values("from_phone").filter(|p| callers.contains(&key(p))).count();
    let truth = report_gangs(files);
    let reports = csv(files, "reports.csv");
    let victims = reports
        .values("report_id")
        .zip(reports.values("victim_id"))
        .filter(|(id, v)| !v.is_empty() && truth[*id].1.is_empty())
        .count();
    let ratio = gang_contacts as f64 / victims as f64;
    assert!((10.0..=30.0).contains(&ratio), "{gang_contacts} gang contacts / {victims} victims = {ratio}");
    assert!(contacts.rows.len() > gang_contacts, "contacts also come from numbers of no gang");
}

#[test]
fn a_prior_victim_carries_a_higher_true_risk() {
    let files = big();
    let reports = csv(files, "reports.csv");
    let victims: BTreeSet<&str> = reports.values("victim_id").filter(|v| !v.is_empty()).collect();
    let risk = csv(files, "truth/resident_risk.csv");
    assert_eq!(risk.rows.len(), 20_000 * 8);
    let (mut v, mut nv) = ((0.0, 0usize), (0.0, 0usize));
    for r in &risk.rows {
        let none: f64 = r[2].parse().unwrap();
        let visit: f64 = r[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&none) && visit <= none);
        let acc = if victims.contains(&r[0]) { &mut v } else { &mut nv };
        acc.0 += none;
        acc.1 += 1;
    }
    let (mv, mnv) = (v.0 / v.1 as f64, nv.0 / nv.1 as f64);
    assert!(mv > 2.0 * mnv, "prior victims {mv} vs others {mnv}");
}

/// Share of neighbouring items (in id order) that belong to the same gang.
fn same_gang_neighbours(gangs: &[String]) -> f64 {
    let same = gangs.windows(2).filter(|w| w[0] == w[1]).count();
    same as f64 / (gangs.len() - 1) as f64
}

fn chance_of_same(gangs: &[String]) -> f64 {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for g in gangs {
        *counts.entry(g).or_default() += 1;
    }
    let n = gangs.len() as f64;
    counts.values().map(|&c| (c as f64 / n).powi(2)).sum()
}

/// The largest share of same-gang neighbours that random order would plausibly give (chance + 3 sd).
fn plausible(gangs: &[String]) -> f64 {
    let p = chance_of_same(gangs);
    p + 3.0 * (p * (1.0 - p) / (gangs.len() - 1) as f64).sqrt()
}

#[test]
fn ids_do_not_reveal_the_gang() {
    let files = big();
    let truth = report_gangs(files);
    // Report ids follow reporting time, so they carry nothing but time.
    let reports = records(files, Table::Reports);
    let times: Vec<i64> = reports
        .iter()
        .map(|r| match r {
            Record::Report(r) => r.reported_at.0,
            _ => 0,
        })
        .collect();
    let ids: Vec<&str> = reports.iter().map(|r| r.id()).collect();
    let mut sorted_ids = ids.clone();
    sorted_ids.sort_unstable();
    assert_eq!(ids, sorted_ids, "reports are written in id order");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "report ids are not in reporting-time order");
    let transfers = records(files, Table::Transfers);
    let at: Vec<i64> = transfers
        .iter()
        .map(|t| match t {
            Record::Transfer(t) => t.at.0,
            _ => 0,
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "transfer ids are not in time order");
    let originals: Vec<String> = truth.values().filter(|(_, dup)| dup.is_empty()).map(|(g, _)| g.clone()).collect();
    let seen = same_gang_neighbours(&originals);
    assert!(seen < plausible(&originals), "report ids cluster by gang: {seen}");
    let ids = csv(files, "truth/identifier_gang.csv");
    for role in ["l1", "l2", "caller"] {
        let owners: Vec<String> = ids.rows.iter().filter(|r| &r[3] == role).map(|r| r[2].to_string()).collect();
        let seen = same_gang_neighbours(&owners);
        assert!(seen < plausible(&owners), "{role} numbers cluster by owner: {seen} vs {}", chance_of_same(&owners));
    }
    let amounts: BTreeSet<String> = reports
        .iter()
        .filter_map(|r| match r {
            Record::Report(r) => r.loss.map(|l| l.to_string()),
            _ => None,
        })
        .collect();
    assert!(amounts.len() * 10 > reports.len() * 8, "losses repeat");
}

#[test]
fn calls_follow_office_hours_and_weekdays_and_elderly_victims_meet_elderly_scams() {
    use chrono::{Datelike, Timelike};
    let files = big();
    let contacts = records(files, Table::Contacts);
    let (mut weekday, mut office) = (0usize, 0usize);
    for c in &contacts {
        let Record::Contact(c) = c else { unreachable!() };
        let t = c.at.to_beijing();
        weekday += usize::from(t.weekday().num_days_from_monday() < 5);
        office += usize::from(matches!(t.hour(), 8..=10 | 14..=16));
    }
    let n = contacts.len() as f64;
    assert!(weekday as f64 / n > 0.75, "weekday share {}", weekday as f64 / n);
    assert!(office as f64 / n > 0.6, "office-hour share {}", office as f64 / n);
    let elderly_kind = |t: &str| t.starts_with("elder") || t == "house_pension" || t == "impersonate_police";
    let reports = csv(files, "reports.csv");
    let (mut old, mut old_e, mut young, mut young_e) = (0, 0, 0, 0);
    for (age, t) in reports.values("victim_age").zip(reports.values("fraud_type")) {
        let Ok(age) = age.parse::<u8>() else { continue };
        if age >= 60 {
            old += 1;
            old_e += usize::from(elderly_kind(t));
        } else {
            young += 1;
            young_e += usize::from(elderly_kind(t));
        }
    }
    let (so, sy) = (old_e as f64 / old as f64, young_e as f64 / young as f64);
    assert!(so > 2.0 * sy, "elderly-type share {so} (60+) vs {sy} (under 60)");
}
