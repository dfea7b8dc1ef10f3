//! The `truth/` folder: headers, the end-of-run tables (gangs, identifiers, hubs, services) and its README.

use super::GenerateError;
use super::config::Scenario;
use super::gangs::{HUB_APPS, HUB_PHONES, World};
use super::writer::{CsvOut, DistrictSink, write_text};

pub(crate) const REPORT_GANG: &[&str] = &["report_id", "gang_id", "duplicate_of"];
pub(crate) const NARRATIVE_IDS: &[&str] = &["report_id", "key", "kind"];
pub(crate) const RESIDENT_RISK: &[&str] =
    &["resident_id", "week", "risk_none", "risk_sms", "risk_call", "risk_visit", "risk_lecture"];

/// Writes gangs.csv, services.csv, identifier_gang.csv, hubs.csv and README.md.
pub(crate) fn write_tables(sink: &mut dyn DistrictSink, world: &World, truth_weeks: u32) -> Result<(), GenerateError> {
    let mut g = CsvOut::create(
        sink,
        "truth/gangs.csv",
        &[
            "gang_id",
            "specialities",
            "n_reports",
            "n_local_reports",
            "n_callers",
            "services",
            "active_from_week",
            "active_to_week",
        ],
    )?;
    for gang in &world.gangs[..world.n_gangs] {
        let types: Vec<&str> = gang.types.iter().map(|t| t.code()).collect();
        let services: Vec<&str> = gang.services.iter().map(|&s| world.services[s].id.as_str()).collect();
        g.row([
            gang.id.as_str(),
            &types.join(";"),
            &gang.n_reports.to_string(),
            &gang.n_local.to_string(),
            &gang.callers.len().to_string(),
            &services.join(";"),
            &gang.from_week.to_string(),
            &gang.to_week.to_string(),
        ])?;
    }
    g.finish()?;

    let mut s = CsvOut::create(sink, "truth/services.csv", &["service_id", "gangs", "fee_percent", "n_l2", "n_l3"])?;
    for svc in &world.services {
        let gangs: Vec<&str> = svc.gangs.iter().map(|&g| world.gangs[g].id.as_str()).collect();
        s.row([
            svc.id.as_str(),
            &gangs.join(";"),
            &format!("{:.1}", svc.fee_permille as f64 / 10.0),
            &svc.l2.len().to_string(),
            &svc.l3.len().to_string(),
        ])?;
    }
    s.finish()?;

    let mut ids = CsvOut::create(sink, "truth/identifier_gang.csv", &["key", "kind", "owner_id", "role"])?;
    for (key, t) in &world.truth {
        ids.row([key.as_str(), t.kind, &t.owner, t.role])?;
    }
    ids.finish()?;

    let mut h = CsvOut::create(sink, "truth/hubs.csv", &["key", "kind", "why"])?;
    for (num, why) in HUB_PHONES {
        h.row([format!("tel:{num}").as_str(), "phone", why])?;
    }
    for app in HUB_APPS {
        h.row([format!("app:{app}").as_str(), "app", "popular app or payment platform"])?;
    }
    for m in &world.merchants {
        h.row([format!("card:{m}").as_str(), "card", "innocent merchant used as a cash-out last hop by many gangs"])?;
    }
    for atm in world.atms.iter().collect::<std::collections::BTreeSet<_>>() {
        h.row([format!("atm:{atm}").as_str(), "atm", "public ATM terminal where many gangs' mules withdraw cash"])?;
    }
    let relay_why = "payment-platform relay account that victims of many gangs pay";
    let shop_why = "genuine shop paid by residents through the payment-platform relays";
    for (cards, why) in [(&world.relays, relay_why), (&world.shops, shop_why)] {
        for card in cards {
            h.row([format!("card:{card}").as_str(), "card", why])?;
        }
    }
    for desk in &world.desks {
        for (_, card) in &desk.cards {
            let why = format!("receiving card of OTC desk {} (buys many gangs' and lone scammers' proceeds)", desk.id);
            h.row([format!("card:{card}").as_str(), "card", why.as_str()])?;
        }
        let why = format!("treasury card of OTC desk {}", desk.id);
        h.row([format!("card:{}", desk.treasury).as_str(), "card", why.as_str()])?;
    }
    h.finish()?;

    let mut text = readme(truth_weeks);
    if world.scenario != Scenario::default() {
        text.push_str(&scenario_readme(&world.scenario));
    }
    write_text(sink, "truth/README.md", &text)?;
    write_text(sink, "README.md", FOLDER_README)
}

const FOLDER_README: &str = "# A synthetic fanzha district

Written by `fanzha generate`; every figure follows docs/domain-notes.md. UTF-8 CSV with a header row; list fields
are `;`-separated; timestamps are RFC 3339 in Beijing time; money is yuan with two decimals.

- Interchange files (the contract of datasets::Table): `residents.csv`, `reports.csv` (local reports carry the
  local district code, community and victim_id; reports shared by the national platform carry another six-digit
  district code and no victim_id; identifier columns hold what the victim supplied, as written), `transfers.csv`
  (every hop of the mule chains; a reported victim's own payments carry the
  report_id, payments of victims who appear in no report carry none), `contacts.csv` (calls and SMS to
  residents' phones from gang numbers and from ordinary or hub numbers), `content.csv`, `staff.csv`,
  `outreach.csv` (routine campaigns with a randomised holdout, and warnings after gang contacts).
- `areas.csv`: community, district, population (residents.csv rows of the community), urban_rural
  (`urban`/`rural`), lat, lon (WGS 84 centroid).
- `adjacency.csv`: community_a, community_b — each pair of communities sharing a border, listed once
  (a < b in generation order); use it both ways.
- `truth/`: the answers (see truth/README.md). Ids are opaque and sequential in time order; nothing in an id
  reveals a gang.
";

fn readme(truth_weeks: u32) -> String {
    format!(
        "# truth/ — the ground truth of a synthetic fanzha district

Written by `fanzha generate`. Nothing here is visible to the engine; use it only to score it.

- `gangs.csv`: gang_id, specialities (fraud-type codes, `;`-separated), n_reports (reports of the gang's incidents
  in reports.csv, local and shared, duplicates excluded), n_local_reports, n_callers, services (laundering services
  used), active_from_week / active_to_week (0-based weeks).
- `report_gang.csv`: report_id, gang_id, duplicate_of (the report id of the first report of the same incident, empty
  for originals). Every report in reports.csv has a row.
- `identifier_gang.csv`: key (canonical key, see keys.md; crypto wallets use `crypto:` + address), kind, owner_id (a
  gang id `G…` or a laundering service id `S…`), role: `caller` (gang phones), `l1` (first-level mule cards),
  `l2`, `l3`, `cashout` (crypto wallets), `backer` (the gang's 金主 accounts, a `crypto:` wallet or a `card:`, that
  laundering services pay the gang's share back into), `app`, `url`, `im` (WeChat / QQ). L2/L3 cards owned by a
  service are shared by all gangs of that service.
- `hubs.csv`: key, kind, why — legitimate identifiers mentioned in many unrelated reports (bank hotlines, 96110,
  12345, popular apps), innocent merchants used as the last hop of many chains (`card:`) and public ATM terminals
  (`atm:` + the to_account of ATM withdrawals). They must not merge gangs.
- `services.csv`: service_id, gangs (`;`-separated), fee_percent (commission kept), n_l2, n_l3.
- `narrative_identifiers.csv`: report_id, key, kind — every identifier written in the report's narrative, as the
  canonical key of exactly what is written (a typo'd number has the key of the typo; \"尾号1234\" is `cardtail:1234`).
  Kinds: phone, card, cardtail, url, app, wechat, qq. Hubs written in the text are included.
- `resident_risk.csv`: resident_id, week (0-based; week w starts 7·w days after the start Monday), risk_none,
  risk_sms, risk_call, risk_visit, risk_lecture — the true probability that the resident is victimised that week
  if, at the start of the week, the given channel is assigned (none = no new outreach), given all outreach up to
  then. An attempt reaches the resident with the channel's reach probability (SMS 0.95, call 0.6, visit 0.7,
  lecture 0.65); the risk is the mixture. Written for the last {truth_weeks} weeks only (`--truth-weeks`), because
  every week of a large district would be too big.

## The model in brief
- Weekly gang contacts per resident ~ Poisson(λ), each victimising with probability q; risk = 1 − exp(−λ·q·m).
  λ scales with season (Q4 ×1.2, Spring Festival ×0.6) and a prior victimisation (sucker lists); q with hidden
  factors: age, living alone, individual frailty and prior victimisation (together 3–5× for a year).
- m = exp(−S): S sums −ln(1 − effect) of each outreach that reached the resident (visit 0.40, call 0.25, lecture
  0.15, leaflet 0.12, SMS 0.07, app push 0.05; ×0.6 for a repeat of the channel within 14 days), halving every 21
  days. Warnings after gang contacts (预警劝阻) add to S from the next week on. Held-out residents get nothing.
- Each L1 card collects from 3–30 victims over its 1–14-day life; most are unseen here (unreported, or reported
  where the national platform did not share): their payments appear in transfers.csv with no report_id.
- Money: victim → L1 (dwell median 3 min) → 3–10 L2 → 2–5 L3 (10–120 min; services keep 2–3.5%) → within
  1–48 h, in chunks just under round thresholds: a gang's own L3 cards cash out (ATM, its crypto wallets, innocent
  merchants); a service's L3 cards pay 85% of their chunks back to the client gang's backer accounts (the rest is
  cashed out as above, to the service's wallets).
"
    )
}

/// The truth README's section on the scenario switches that are on (written only when one is).
fn scenario_readme(s: &Scenario) -> String {
    let mut out = String::from("\n## Scenario switches in this district\n");
    let mut line = |on: bool, text: String| {
        if on {
            // A list item wrapped at 116 characters, continuation lines indented by two.
            let mut width = 2;
            out.push_str("- ");
            for (i, word) in text.split(' ').enumerate() {
                let len = word.chars().count();
                if i > 0 && width + 1 + len > 116 {
                    out.push_str("\n ");
                    width = 1;
                }
                if i > 0 {
                    out.push(' ');
                    width += 1;
                }
                out.push_str(word);
                width += len;
            }
            out.push('\n');
        }
    };
    let d = Scenario::default();
    line(
        s.relay_share > 0.0,
        format!(
            "Relays: {:.0}% of victims' payments go to one of {} payment-platform relay accounts (`2088…`, listed in \
             hubs.csv), which pay the gang's L1 card the same amount 1–30 min later; the report names the relay. \
             Residents also pay genuine shops (listed in hubs.csv) through the relays.",
            s.relay_share * 100.0,
            s.relays
        ),
    );
    line(
        s.otc_share > 0.0,
        format!(
            "OTC desks: {:.0}% of gangs and lone scammers sell their proceeds to one of {} OTC desks (receiving and \
             treasury cards listed in hubs.csv) instead of paying their backer or cashing out; residents also buy USDT \
             from the desks.",
            s.otc_share * 100.0,
            s.otc_desks
        ),
    );
    line(s.services_keep, "Laundering services keep the money: they never pay a backer back.".into());
    line(
        s.shared_l2_share > 0.0,
        format!(
            "Shared L2 cards: a service's L2 card is also another service's with probability {:.2}; identifier_gang.csv \
             names every owner (`S001;S004`).",
            s.shared_l2_share
        ),
    );
    line(
        s.lone_share > 0.0,
        format!(
            "Lone scammers: {:.0}% of victimisations are by lone scammers (owner ids `L…` in identifier_gang.csv, not in \
             gangs.csv; their reports have an empty gang_id), {:.0}% of whom have a laundering service drain their card.",
            s.lone_share * 100.0,
            s.lone_service_share * 100.0
        ),
    );
    line(
        s.commission_permille != d.commission_permille,
        format!(
            "Commission: {:.1}–{:.1}% per service (services.csv fee_percent).",
            f64::from(s.commission_permille.0) / 10.0,
            f64::from(s.commission_permille.1) / 10.0
        ),
    );
    line(
        s.layers != d.layers,
        format!(
            "Layers: a gang's own chain has {}–{} layers, L1 included (roles l1…l5); a one-layer chain pays the last \
             hop from the L1 card.",
            s.layers.0, s.layers.1
        ),
    );
    line(
        s.multi_pay_share > 0.0,
        format!(
            "Multi-pay victims: {:.0}% of victims pay at least 3 times over 2–{} weeks, each payment into the L1 card \
             the gang uses then.",
            s.multi_pay_share * 100.0,
            s.multi_pay_weeks
        ),
    );
    if let Some((lo, hi)) = s.report_delay_days {
        line(
            true,
            format!(
                "Late reports: filed {lo}–{hi} days after the victim's last payment; those that would be filed after the \
                 period ends are not in reports.csv (their payments carry no report_id, gangs.csv does not count them)."
            ),
        );
    }
    out
}
