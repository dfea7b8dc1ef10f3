//! Prevention: the content catalogue and staff, routine campaigns with a randomised holdout, 预警劝阻 warnings after
//! gang contacts, caps per channel, and the effect model (relative hazard reduction decaying with a half-life,
//! 0.6× for a repeat within 14 days) that turns outreach history into each resident's true weekly risk.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::config::Rates;
use super::population::{Layout, NEVER, Person};
use super::sample::pick;
use crate::codes::{Audience, ContentFormat, FraudType, Language, Outcome, OutreachChannel};
use crate::records::{Content, Staff};

/// One outreach attempt before its id is assigned.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) at: i64,
    pub(crate) resident: u32,
    pub(crate) content: Option<usize>,
    pub(crate) channel: OutreachChannel,
    pub(crate) staff: Option<u32>,
    pub(crate) outcome: Outcome,
    pub(crate) holdout: bool,
}

/// Channels with a potential outcome in `truth/resident_risk.csv`, in column order.
pub(crate) const TRUTH_CHANNELS: [OutreachChannel; 5] = [
    OutreachChannel::None,
    OutreachChannel::Sms,
    OutreachChannel::Call,
    OutreachChannel::Visit,
    OutreachChannel::Lecture,
];

/// The relative effect of a channel when it reaches the resident.
pub(crate) fn effect(r: &Rates, ch: OutreachChannel) -> f64 {
    let e = &r.effects;
    match ch {
        OutreachChannel::None => 0.0,
        OutreachChannel::Sms => e.sms,
        OutreachChannel::Call => e.call,
        OutreachChannel::Visit => e.visit,
        OutreachChannel::Lecture => e.lecture,
        OutreachChannel::Leaflet => e.leaflet,
        OutreachChannel::AppPush => e.app_push,
    }
}

/// Probability that an attempt on a channel reaches the resident (delivered / answered / at home / attended).
pub(crate) fn reach(ch: OutreachChannel) -> f64 {
    match ch {
        OutreachChannel::None => 0.0,
        OutreachChannel::Sms => 0.95,
        OutreachChannel::Call => 0.6,
        OutreachChannel::Visit => 0.7,
        OutreachChannel::Lecture => 0.65,
        OutreachChannel::Leaflet => 0.95,
        OutreachChannel::AppPush => 0.9,
    }
}

fn last(p: &Person, ch: OutreachChannel) -> u16 {
    match ch {
        OutreachChannel::Sms => p.last_sms[0],
        OutreachChannel::Call => p.last_calls[0],
        OutreachChannel::Visit => p.last_visit,
        OutreachChannel::Lecture => p.last_lecture,
        OutreachChannel::Leaflet => p.last_leaflet,
        OutreachChannel::AppPush => p.last_push,
        OutreachChannel::None => NEVER,
    }
}

fn within(last: u16, day: u16, days: u16) -> bool {
    last != NEVER && day.saturating_sub(last) < days
}

/// The shield increment (−ln(1 − effect)) of reaching `p` by `ch` on `day`, with the repeat discount.
pub(crate) fn shield_gain(r: &Rates, p: &Person, ch: OutreachChannel, day: u16) -> f64 {
    let mut e = effect(r, ch);
    if within(last(p, ch), day, r.repeat_window_days as u16) {
        e *= r.repeat_factor;
    }
    -(1.0 - e.min(0.99)).ln()
}

/// Whether the caps allow another attempt: 1 visit per 30 days, 2 calls per 14 days, 4 SMS per 30 days.
pub(crate) fn allowed(p: &Person, ch: OutreachChannel, day: u16) -> bool {
    match ch {
        OutreachChannel::Visit => !within(p.last_visit, day, 30),
        OutreachChannel::Call => !within(p.last_calls[1], day, 14),
        OutreachChannel::Sms => !within(p.last_sms[3], day, 30),
        _ => true,
    }
}

/// Records an attempt in the resident's history and, when it reached them, raises the shield.
pub(crate) fn apply(r: &Rates, p: &mut Person, ch: OutreachChannel, day: u16, reached: bool) {
    if reached {
        p.shield += shield_gain(r, p, ch, day) as f32;
    }
    match ch {
        OutreachChannel::Sms => {
            p.last_sms.rotate_right(1);
            p.last_sms[0] = day;
        }
        OutreachChannel::Call => {
            p.last_calls.rotate_right(1);
            p.last_calls[0] = day;
        }
        OutreachChannel::Visit => p.last_visit = day,
        OutreachChannel::Lecture => p.last_lecture = day,
        OutreachChannel::Leaflet => p.last_leaflet = day,
        OutreachChannel::AppPush => p.last_push = day,
        OutreachChannel::None => {}
    }
}

/// Draws the outcome of an attempt.
pub(crate) fn outcome(ch: OutreachChannel, rng: &mut ChaCha8Rng) -> Outcome {
    let u: f64 = rng.r#gen();
    let reached = u < reach(ch);
    match ch {
        OutreachChannel::Sms | OutreachChannel::Leaflet | OutreachChannel::AppPush => {
            if reached {
                Outcome::Delivered
            } else {
                Outcome::Failed
            }
        }
        OutreachChannel::Call => {
            if reached {
                Outcome::Reached
            } else if u < 0.9 {
                Outcome::NoAnswer
            } else {
                Outcome::Refused
            }
        }
        OutreachChannel::Visit => {
            if reached {
                Outcome::Reached
            } else if u < 0.95 {
                Outcome::NotHome
            } else {
                Outcome::Refused
            }
        }
        OutreachChannel::Lecture => {
            if reached {
                Outcome::Reached
            } else {
                Outcome::Refused
            }
        }
        OutreachChannel::None => Outcome::Failed,
    }
}

/// Whether an outcome means the resident got the message.
pub(crate) fn reached(o: Outcome) -> bool {
    matches!(o, Outcome::Delivered | Outcome::Reached)
}

/// The routine campaign's choice for `p` this week, from visible attributes only (age, living alone, a recent
/// report, the anti-fraud app), or `None`.
pub(crate) fn routine(p: &Person, day: u16, rng: &mut ChaCha8Rng) -> Option<OutreachChannel> {
    let elderly = p.age >= 60;
    let recent = |weeks: u16| within(p.victim_day, day, weeks * 7);
    let mut w = [
        (OutreachChannel::Sms, if p.phones > 0 { 0.004 + if elderly { 0.01 } else { 0.0 } } else { 0.0 }),
        (OutreachChannel::AppPush, if p.app { 0.01 } else { 0.0 }),
        (
            OutreachChannel::Call,
            if p.phones > 0 {
                0.001 + if elderly && p.alone { 0.01 } else { 0.0 } + if recent(8) { 0.08 } else { 0.0 }
            } else {
                0.0
            },
        ),
        (
            OutreachChannel::Visit,
            0.0002 + if elderly && p.alone { 0.006 } else { 0.0 } + if recent(4) { 0.1 } else { 0.0 },
        ),
        (OutreachChannel::Lecture, if elderly { 0.004 } else { 0.0005 }),
        (OutreachChannel::Leaflet, 0.002),
    ];
    if p.age < 14 {
        for x in &mut w {
            x.1 *= 0.1;
        }
    }
    let mut u: f64 = rng.r#gen();
    for (ch, pr) in w {
        if u < pr {
            return Some(ch);
        }
        u -= pr;
    }
    None
}

/// True weekly victimisation probability given the expected number of victimising contacts `lam_q` (no outreach)
/// and a total shield.
pub(crate) fn risk(lam_q: f64, shield: f64) -> f64 {
    1.0 - (-lam_q * (-shield).exp()).exp()
}

/// The potential outcome of assigning channel `ch` this week (mixing reached and not reached).
pub(crate) fn potential_risk(r: &Rates, p: &Person, lam_q: f64, ch: OutreachChannel, day: u16) -> f64 {
    let base = risk(lam_q, f64::from(p.shield));
    if ch == OutreachChannel::None {
        return base;
    }
    let hit = risk(lam_q, f64::from(p.shield) + shield_gain(r, p, ch, day));
    let pr = reach(ch);
    pr * hit + (1.0 - pr) * base
}

/// title, format, fraud types, audience, channels, minutes.
type CatalogRow = (&'static str, ContentFormat, &'static [FraudType], Audience, &'static [OutreachChannel], u32);

/// The catalogue of anti-fraud materials.
pub(crate) fn catalog() -> Vec<Content> {
    use FraudType as F;
    use OutreachChannel as C;
    let rows: [CatalogRow; 16] = [
        ("【反诈提醒】刷单返利都是诈骗", ContentFormat::SmsText, &[F::OrderBrushing], Audience::Youth, &[C::Sms], 1),
        (
            "【反诈提醒】公检法不会电话办案",
            ContentFormat::SmsText,
            &[F::ImpersonatePolice],
            Audience::All,
            &[C::Sms],
            1,
        ),
        ("【预警】您可能接到诈骗电话，请勿转账", ContentFormat::SmsText, &[], Audience::All, &[C::Sms], 1),
        (
            "高收益理财要当心",
            ContentFormat::SmsText,
            &[F::FakeInvestment, F::ElderInvestment],
            Audience::Elderly,
            &[C::Sms],
            1,
        ),
        ("96110劝阻话术（通用）", ContentFormat::CallScript, &[], Audience::All, &[C::Call], 5),
        (
            "96110劝阻话术（老年人）",
            ContentFormat::CallScript,
            &[F::ElderProducts, F::ImpersonatePolice],
            Audience::Elderly,
            &[C::Call],
            8,
        ),
        (
            "上门走访宣传单：守好养老钱",
            ContentFormat::Leaflet,
            &[F::ElderProducts, F::ElderInvestment],
            Audience::Elderly,
            &[C::Visit, C::Leaflet],
            20,
        ),
        (
            "反诈漫画：陌生来电别轻信",
            ContentFormat::Comic,
            &[F::ImpersonateAcquaintance],
            Audience::Elderly,
            &[C::Visit, C::Leaflet],
            10,
        ),
        ("社区讲座：保健品骗局揭秘", ContentFormat::Lecture, &[F::ElderProducts], Audience::Elderly, &[C::Lecture], 60),
        (
            "小品《天上不会掉馅饼》",
            ContentFormat::Skit,
            &[F::ElderInvestment, F::FakeInvestment],
            Audience::Elderly,
            &[C::Lecture],
            30,
        ),
        (
            "讲座：网络兼职刷单陷阱",
            ContentFormat::Lecture,
            &[F::OrderBrushing, F::FakeLoan],
            Audience::Youth,
            &[C::Lecture],
            45,
        ),
        ("海报：牢记“三不一多”", ContentFormat::Poster, &[], Audience::All, &[C::Leaflet], 2),
        ("短视频：冒充客服退款诈骗", ContentFormat::Video, &[F::FakeCustomerService], Audience::All, &[C::AppPush], 3),
        ("短视频：杀猪盘的套路", ContentFormat::Video, &[F::Romance], Audience::Youth, &[C::AppPush], 4),
        ("反诈宣传单（吴语版）", ContentFormat::Leaflet, &[], Audience::Elderly, &[C::Visit, C::Leaflet], 15),
        (
            "家长必读：游戏装备交易诈骗",
            ContentFormat::Comic,
            &[F::GameTrading],
            Audience::Parents,
            &[C::Leaflet, C::AppPush],
            5,
        ),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (title, format, types, audience, channels, minutes))| Content {
            content_id: format!("CN{:03}", i + 1),
            title: title.to_string(),
            format: *format,
            fraud_types: types.to_vec(),
            audience: *audience,
            channels: channels.to_vec(),
            minutes: Some(*minutes),
            language: Some(if title.contains("吴语") { Language::Wu } else { Language::Mandarin }),
        })
        .collect()
}

/// A content item for a channel.
pub(crate) fn content_for(catalog: &[Content], ch: OutreachChannel, rng: &mut ChaCha8Rng) -> Option<usize> {
    let fits: Vec<usize> = (0..catalog.len()).filter(|&i| catalog[i].channels.contains(&ch)).collect();
    if fits.is_empty() { None } else { Some(*pick(rng, &fits)) }
}

const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"];
const GIVEN: [&str; 12] = ["伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明"];

/// Prevention staff: per community, one officer per three grids.
pub(crate) fn staff(layout: &Layout, rng: &mut ChaCha8Rng) -> Vec<Staff> {
    let mut out = Vec::new();
    for area in &layout.areas {
        for s in 0..area.staff {
            let grids = (0..area.grids).filter(|g| g % area.staff == s).map(|g| area.grid_code(g)).collect();
            out.push(Staff {
                staff_id: staff_id(area.first_staff + s),
                name: Some(format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN))),
                grids,
                minutes_per_week: rng.gen_range(20..=40) * 60,
                // Duty hours are left out: every officer counts as on duty from 08:00 to 20:00 (the engine's
                // default), as in districts whose staff.csv has no roster.
                duty: None,
            });
        }
    }
    out
}

/// The officer covering grid `grid` of a community.
pub(crate) fn staff_for(layout: &Layout, area: usize, grid: u16) -> u32 {
    let a = &layout.areas[area];
    a.first_staff + u32::from(grid) % a.staff
}

pub(crate) fn staff_id(i: u32) -> String {
    format!("ST{:05}", i + 1)
}
