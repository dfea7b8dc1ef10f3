//! Report narratives: a template per part (intro, type body, payment, closing) filled with identifiers in varied
//! written forms, recording the canonical key of every identifier actually written.

use chrono::NaiveDateTime;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::forms::{self, Written};
use super::gangs::{Gang, HUB_APPS, HUB_PHONES};
use super::numbers::PhoneId;
use super::sample::{pick, pick_str};
use super::templates::{AFTERMATH, CLOSINGS, INTROS, PAYMENTS, RELATIVES, bodies, topics};
use crate::codes::FraudType;
use crate::values::Fen;

/// An identifier written into a narrative: what is written, its key and the bare value for the report columns.
#[derive(Debug, Clone)]
pub(crate) struct Planted {
    pub(crate) written: Written,
    pub(crate) bare: String,
}

/// What the narrative may mention.
pub(crate) struct Facts<'a> {
    pub(crate) gang: &'a Gang,
    pub(crate) caller: &'a PhoneId,
    pub(crate) cards: &'a [String],
    pub(crate) loss: Fen,
    pub(crate) payments: u32,
    pub(crate) when: NaiveDateTime,
    pub(crate) fraud: FraudType,
}

/// A rendered narrative and the identifiers planted in it (in order, may repeat).
pub(crate) struct Narrative {
    pub(crate) text: String,
    pub(crate) planted: Vec<Planted>,
}

fn date_text(when: NaiveDateTime, rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..4) {
        0 => when.format("%Y年%-m月%-d日").to_string(),
        1 => when.format("%Y年%-m月%-d日%-H时许").to_string(),
        2 => when.format("%-m月%-d日").to_string(),
        _ => when.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Renders one narrative.
pub(crate) fn narrative(f: &Facts, typo_share: f64, rng: &mut ChaCha8Rng) -> Narrative {
    let mut template = String::new();
    template.push_str(pick_str(rng, &INTROS));
    template.push_str(pick_str(rng, bodies(f.fraud)));
    if f.loss.0 > 0 && !f.cards.is_empty() {
        // Templates naming two cards only when two were paid.
        let fits: Vec<&str> = PAYMENTS.iter().copied().filter(|t| f.cards.len() > 1 || !t.contains("{C2}")).collect();
        template.push_str(pick_str(rng, &fits));
    } else if f.loss.0 > 0 {
        template.push_str("共损失{M}。");
    }
    if rng.gen_bool(0.7) {
        template.push_str(pick_str(rng, &CLOSINGS));
    }
    if rng.gen_bool(0.55) {
        template.push_str(pick_str(rng, &AFTERMATH));
    }
    let mut out = Narrative { text: String::with_capacity(template.len() + 64), planted: Vec::new() };
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        out.text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        fill(name, f, typo_share, rng, &mut out);
        rest = &after[close + 1..];
    }
    out.text.push_str(rest);
    out
}

fn plant(out: &mut Narrative, written: Written, bare: String) {
    out.text.push_str(&written.text);
    out.planted.push(Planted { written, bare });
}

fn fill(name: &str, f: &Facts, typo_share: f64, rng: &mut ChaCha8Rng, out: &mut Narrative) {
    let g = f.gang;
    match name {
        "P" => {
            let w = forms::phone(f.caller, rng.gen_bool(typo_share), rng);
            let bare = w.text.clone();
            plant(out, w, bare);
        }
        "A" => {
            let a = pick(rng, &g.apps).clone();
            let w = forms::app(&a, rng);
            plant(out, w, a);
        }
        "U" => {
            let w = forms::url(pick(rng, &g.urls), rng);
            let bare = w.text.clone();
            out.text.push(' ');
            plant(out, w, bare);
            out.text.push(' ');
        }
        "W" => {
            let id = pick(rng, &g.wechat).clone();
            let w = forms::wechat(&id, rng);
            plant(out, w, id);
        }
        "Q" => {
            let id = pick(rng, &g.qq).clone();
            let w = forms::qq(&id, rng);
            plant(out, w, id);
        }
        "C" | "C2" => {
            let i = if name == "C2" && f.cards.len() > 1 { 1 } else { 0 };
            match f.cards.get(i) {
                Some(c) => {
                    let w = forms::card(c, rng.gen_bool(typo_share), rng);
                    let bare = w.text.clone();
                    plant(out, w, bare);
                }
                None => out.text.push_str("对方账户"),
            }
        }
        "T" => match f.cards.first() {
            Some(_) => {
                let c = pick(rng, f.cards);
                let w = forms::card_tail(c);
                let bare = w.text.clone();
                plant(out, w, bare);
            }
            None => out.text.push_str("对方账户"),
        },
        "M" => out.text.push_str(&forms::amount(f.loss.0, rng)),
        "N" => out.text.push_str(&f.payments.max(1).to_string()),
        "H" => {
            let (num, _) = pick(rng, &HUB_PHONES[..5]);
            let w = forms::phone(&PhoneId::Service(num.to_string()), false, rng);
            plant(out, w, num.to_string());
        }
        "F" => {
            let w = forms::phone(&PhoneId::Service("96110".to_string()), false, rng);
            plant(out, w, "96110".to_string());
        }
        "G" => {
            let w = forms::phone(&PhoneId::Service("12345".to_string()), false, rng);
            plant(out, w, "12345".to_string());
        }
        "Y" => {
            let w = forms::app("国家反诈中心", rng);
            plant(out, w, "国家反诈中心".to_string());
        }
        "X" => {
            let a = pick(rng, &HUB_APPS[..8]).to_string();
            let w = forms::app(&a, rng);
            plant(out, w, a);
        }
        "R" => out.text.push_str(pick_str(rng, &RELATIVES)),
        "K" => out.text.push_str(pick_str(rng, topics(f.fraud))),
        "D" => out.text.push_str(&date_text(f.when, rng)),
        other => {
            out.text.push('{');
            out.text.push_str(other);
            out.text.push('}');
        }
    }
}
