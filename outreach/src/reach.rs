//! Residents reached, week by week: one of the bureau's headline figures ("elderly residents reached"). A resident
//! counts once a week however many contacts reached them, and once over the whole range; a contact counts as
//! reaching its resident when [`PastContact::reached`] says so (a call or visit answered, a message delivered).
//! Held-out residents are never contacted, so they never count.

use std::collections::{BTreeMap, BTreeSet};

use crate::input::PastContact;
use datasets::OutreachChannel;

/// One week's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachWeek {
    /// The key the caller's `week_of` gave this week's contacts (its start, in epoch seconds).
    pub week_start: i64,
    /// Contacts made (attempts, held-out rows not counted), reached or not.
    pub attempts: u64,
    /// Distinct residents reached.
    pub residents_reached: u64,
    /// Of them, elderly at the time of the contact.
    pub elderly_reached: u64,
    /// Of them, reached while answering an urgent warning.
    pub urgent_reached: u64,
    /// Distinct residents reached by each channel (a resident reached by two channels counts under both).
    pub by_channel: BTreeMap<OutreachChannel, u64>,
}

/// Reach over a range of weeks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reach {
    /// The weeks with at least one contact, in order.
    pub weeks: Vec<ReachWeek>,
    pub attempts: u64,
    /// Distinct residents reached over the whole range (not the sum of the weeks).
    pub residents_reached: u64,
    /// Distinct residents reached while elderly.
    pub elderly_reached: u64,
}

/// Reach of `contacts`, grouped by `week_of(at)` (the caller's calendar: the library keeps no time zone).
/// `elderly(resident, at)` says whether the resident was elderly when contacted; a resident unknown to it is not.
pub fn reach(contacts: &[PastContact], week_of: &dyn Fn(i64) -> i64, elderly: &dyn Fn(&str, i64) -> bool) -> Reach {
    #[derive(Default)]
    struct Week<'a> {
        attempts: u64,
        reached: BTreeSet<&'a str>,
        elderly: BTreeSet<&'a str>,
        urgent: BTreeSet<&'a str>,
        by_channel: BTreeMap<OutreachChannel, BTreeSet<&'a str>>,
    }
    let mut weeks: BTreeMap<i64, Week<'_>> = BTreeMap::new();
    let (mut all, mut all_elderly) = (BTreeSet::new(), BTreeSet::new());
    for c in contacts.iter().filter(|c| c.made()) {
        let w = weeks.entry(week_of(c.at)).or_default();
        w.attempts += 1;
        if !c.reached() {
            continue;
        }
        let id = c.resident_id.as_str();
        w.reached.insert(id);
        all.insert(id);
        if elderly(id, c.at) {
            w.elderly.insert(id);
            all_elderly.insert(id);
        }
        if c.urgent {
            w.urgent.insert(id);
        }
        w.by_channel.entry(c.channel).or_default().insert(id);
    }
    let count = |s: &BTreeSet<&str>| s.len() as u64;
    let weeks: Vec<ReachWeek> = weeks
        .into_iter()
        .map(|(week_start, w)| ReachWeek {
            week_start,
            attempts: w.attempts,
            residents_reached: count(&w.reached),
            elderly_reached: count(&w.elderly),
            urgent_reached: count(&w.urgent),
            by_channel: w.by_channel.iter().map(|(&ch, s)| (ch, count(s))).collect(),
        })
        .collect();
    Reach {
        attempts: weeks.iter().map(|w| w.attempts).sum(),
        weeks,
        residents_reached: count(&all),
        elderly_reached: count(&all_elderly),
    }
}

#[cfg(test)]
mod tests {
    use datasets::Outcome;

    use super::*;

    const WEEK: i64 = 7 * 86_400;

    fn contact(id: &str, channel: OutreachChannel, at: i64, outcome: Outcome) -> PastContact {
        PastContact {
            resident_id: id.into(),
            channel,
            at,
            content_id: None,
            outcome: Some(outcome),
            holdout: outcome == Outcome::HeldOut,
            urgent: false,
            exposed: false,
        }
    }

    #[test]
    fn residents_count_once_a_week_and_once_overall() {
        use OutreachChannel::{Call, Sms, Visit};
        let mut urgent = contact("B", Call, WEEK + 5, Outcome::Reached);
        urgent.urgent = true;
        let contacts = vec![
            contact("A", Sms, 10, Outcome::Delivered),
            contact("A", Call, 20, Outcome::Reached),
            contact("B", Call, 30, Outcome::NoAnswer),
            contact("C", Sms, 40, Outcome::HeldOut),
            contact("A", Visit, WEEK + 1, Outcome::Reached),
            urgent,
            contact("D", Visit, WEEK + 9, Outcome::NotHome),
        ];
        let elderly = |id: &str, _at: i64| id == "A";
        let r = reach(&contacts, &|t| t.div_euclid(WEEK) * WEEK, &elderly);
        assert_eq!((r.attempts, r.residents_reached, r.elderly_reached), (6, 2, 1));
        assert_eq!(r.weeks.len(), 2);
        let first = &r.weeks[0];
        assert_eq!((first.week_start, first.attempts, first.residents_reached, first.elderly_reached), (0, 3, 1, 1));
        assert_eq!(first.by_channel, BTreeMap::from([(Sms, 1), (Call, 1)]));
        let second = &r.weeks[1];
        assert_eq!((second.attempts, second.residents_reached, second.urgent_reached), (3, 2, 1));
        assert_eq!(second.by_channel, BTreeMap::from([(Call, 1), (Visit, 1)]));
        assert_eq!(reach(&[], &|t| t, &elderly), Reach::default());
    }

    #[test]
    fn elderly_is_judged_at_the_time_of_the_contact() {
        let contacts = vec![
            contact("A", OutreachChannel::Call, 10, Outcome::Reached),
            contact("A", OutreachChannel::Call, WEEK + 10, Outcome::Reached),
        ];
        // A turns elderly in the second week.
        let r = reach(&contacts, &|t| t.div_euclid(WEEK), &|_, at| at >= WEEK);
        let elderly: Vec<u64> = r.weeks.iter().map(|w| w.elderly_reached).collect();
        assert_eq!(elderly, [0, 1]);
        assert_eq!((r.residents_reached, r.elderly_reached), (1, 1));
    }
}
