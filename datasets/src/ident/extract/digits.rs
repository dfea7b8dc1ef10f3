//! Detectors for identifiers written with digits: card tails, and phone and card numbers in digit runs (skipping
//! ID-card numbers, amounts, dates and codes).

use std::ops::Range;

use super::{Label, Scan};
use crate::ident::card::card_from_digits;
use crate::ident::phone::{PhoneClass, classify};
use crate::ident::{IdKind, Identifier, luhn_ok, normalize_card_tail};

/// Well-known hotlines, recognised without a phone word before them.
const HOTLINES: &[&str] = &[
    "96110", "12381", "12345", "12315", "12306", "12110", "10086", "10010", "95588", "95533", "95599", "95566",
    "95555", "95559", "95580", "95568", "95528", "95561", "95558", "95595", "95577", "95508", "95188", "95017",
];

impl Scan<'_> {
    pub(super) fn card_tails(&mut self) {
        let tail = regex!(r"(?:尾号|末尾|末四位|后四位|末4位|后4位)(?:数字|号码)?(?:为|是)?\s*:?\s*(\d{3,6})");
        let masked = regex!(r"[3-6]\d{3,5}[ -]?(?:[*×xX][ -]?){4,12}(\d{4})");
        let bank = regex!(r"(?P<card>卡|银行|账户|帐户|账号|帐号)|(?P<phone>手机|电话|号码|来电|微信|QQ|qq)");
        for (re, needs_context) in [(tail, true), (masked, false)] {
            for c in re.captures_iter(self.text) {
                let (Some(all), Some(digits)) = (c.get(0), c.get(1)) else { continue };
                if self.after(digits.end()).is_some_and(|ch| ch.is_ascii_digit())
                    || self.before(all.start()).is_some_and(|ch| ch.is_ascii_digit())
                {
                    continue;
                }
                let is_card = !needs_context || {
                    let after = bank.captures(self.window_after(digits.end(), 10));
                    let before = || bank.captures_iter(self.window_before(all.start(), 10)).last();
                    match after.or_else(before) {
                        Some(c) => c.name("card").is_some(),
                        None => false,
                    }
                };
                if is_card && let Ok(id) = normalize_card_tail(digits.as_str()) {
                    self.emit(digits.range(), id);
                } else {
                    self.claim(&digits.range());
                }
            }
        }
    }

    pub(super) fn digit_runs(&mut self) {
        let run = regex!(r"(?:\(\+\d{1,3}\) ?|\+ ?)?(?:\( ?0\d{2,3} ?\) ?)?\d(?:[ -]?\d)*");
        for m in run.find_iter(self.text) {
            let r = m.range();
            if !self.free(&r) {
                continue;
            }
            self.digit_run(r);
        }
    }

    fn digit_run(&mut self, r: Range<usize>) {
        let s = &self.text[r.clone()];
        let plus = s.contains('+');
        let mut groups: Vec<Range<usize>> = Vec::new();
        for (i, ch) in s.char_indices() {
            let at = r.start + i;
            if ch.is_ascii_digit() {
                match groups.last_mut() {
                    Some(g) if g.end == at => g.end = at + 1,
                    _ => groups.push(at..at + 1),
                }
            }
        }
        let next2: Vec<char> = self.text[r.end..].chars().take(2).collect();
        let prev = self.before(r.start);
        let glued_before = prev
            .is_some_and(|c| c.is_ascii_alphabetic() || "_.@=#%\\".contains(c) || c == '¥' || c == '$' || c == '第');
        let unit = |c: &char| "元万亿块角%年月日时分秒次人个件笔吨克斤公米辆台部倍岁期楼层室栋余多".contains(*c);
        let glued_after = match next2.as_slice() {
            ['X' | 'x', ..] => {
                // 17 digits + X is an ID number; any other letter glues the run to a code.
                let digits: usize = groups.iter().map(|g| g.len()).sum();
                if digits == 17 {
                    self.claim(&(r.start..r.end + 1));
                    return;
                }
                true
            }
            // Letters glue the run to a code; masks (`622700381113020****`) hide the rest of a number.
            [c, ..] if c.is_ascii_alphabetic() || *c == '_' || *c == '*' || *c == '×' || unit(c) => true,
            ['.', d, ..] => d.is_ascii_digit(),
            _ => false,
        };
        let amount_before = self.window_before(r.start, 3).ends_with("人民币");
        let label = self.label_before(r.start);
        if glued_before || glued_after || amount_before || label == Label::Skip {
            self.claim(&r);
            return;
        }
        let mut i = 0;
        while i < groups.len() {
            let mut best = None;
            for j in (i..groups.len()).rev() {
                let digits: String = groups[i..=j].iter().map(|g| &self.text[g.clone()]).collect();
                if digits.len() > 20 {
                    continue;
                }
                if let Some(verdict) = self.judge(&digits, plus && i == 0, &groups[i..=j], label) {
                    best = Some((j, verdict));
                    break;
                }
            }
            match best {
                Some((j, verdict)) => {
                    let start = if i == 0 { r.start } else { groups[i].start };
                    let span = start..groups[j].end;
                    match verdict {
                        Some(id) => self.emit(span, id),
                        None => self.claim(&span),
                    }
                    i = j + 1;
                }
                None => i += 1,
            }
        }
        self.claim(&r);
    }

    /// `Some(Some(id))`: an identifier; `Some(None)`: a number to skip (an ID-card number); `None`: not valid.
    fn judge(&self, digits: &str, plus: bool, groups: &[Range<usize>], label: Label) -> Option<Option<Identifier>> {
        if digits.len() == 18 && is_id_card(digits) {
            return Some(None);
        }
        if let Some((value, class)) = classify(plus, digits) {
            let accept = match class {
                PhoneClass::Mobile | PhoneClass::Landline => true,
                // 95 + 6 digits is too easily an invoice or serial number in running text.
                PhoneClass::Service => match digits.len() {
                    10 => true,
                    5 => label == Label::Phone || HOTLINES.contains(&digits),
                    _ => false,
                },
                // Written with 00 the country code must be a common one: "00235311-00235810" is a range of
                // invoice numbers, not a call to Chad.
                PhoneClass::International => international_length_ok(value.trim_start_matches('+'), !plus),
            };
            if accept {
                return Some(Some(Identifier::new(IdKind::Phone, &value)));
            }
        }
        if plus {
            return None;
        }
        let first = digits.as_bytes()[0];
        let card_shape =
            groups.len() == 1 || groups[..groups.len() - 1].iter().all(|g| g.len() == 4) || groups[0].len() == 6;
        let accept = match digits.len() {
            16..=19 => card_shape && (label == Label::Card || (b'3'..=b'6').contains(&first)),
            12..=15 => card_shape && label == Label::Card,
            _ => false,
        };
        if accept && let Some(card) = card_from_digits(digits) {
            return Some(Some(card));
        }
        bare_imei(digits, groups).map(|imei| Some(Identifier::new(IdKind::Imei, imei)))
    }
}

/// Reporting-body prefixes (the first two digits of the type allocation code) of IMEIs in use.
const IMEI_PREFIXES: &[&str] =
    &["01", "10", "30", "33", "35", "44", "45", "49", "50", "51", "52", "53", "54", "86", "91", "98", "99"];

/// Province codes that are also IMEI prefixes: a 15-digit first-generation ID number starting with one of them has
/// a birth date (YYMMDD) at digits 6–11.
const ID_PROVINCES: &[&str] = &["35", "44", "45", "50", "51", "52", "53", "54"];

/// An unlabelled 15-digit number read as an IMEI: written in one block or grouped as IMEIs are (`35-209900-176148-1`,
/// `352099-00-176148-1`, `35209900-176148-1`), a known reporting-body prefix, a valid Luhn check digit, and not
/// shaped like a first-generation ID number (province prefix and a valid month and day where its birth date sits).
/// Phones and labelled card numbers were tried first, so it takes no reading from them.
fn bare_imei<'d>(digits: &'d str, groups: &[Range<usize>]) -> Option<&'d str> {
    let shape: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    let grouped = matches!(shape.as_slice(), [15] | [2, 6, 6, 1] | [6, 2, 6, 1] | [8, 6, 1]);
    if digits.len() != 15 || !grouped || !IMEI_PREFIXES.contains(&&digits[..2]) || !luhn_ok(digits) {
        return None;
    }
    let num = |r: Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
    let birth_date = (1..=12).contains(&num(8..10)) && (1..=31).contains(&num(10..12));
    if ID_PROVINCES.contains(&&digits[..2]) && birth_date {
        return None;
    }
    Some(digits)
}

/// An 18-digit mainland ID number: a plausible birth date and a valid ISO 7064 check digit.
fn is_id_card(d: &str) -> bool {
    let b = d.as_bytes();
    let num = |r: Range<usize>| d[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(c, w)| u32::from(c - b'0') * w).sum();
    b[17] == b"10X98765432"[(sum % 11) as usize]
}

/// Whether the national part of an international number has the length its country code uses (unknown codes:
/// any E.164 length).
fn international_length_ok(e164: &str, known_code_only: bool) -> bool {
    const LENGTHS: &[(&str, usize, usize)] = &[
        ("852", 8, 8),
        ("853", 8, 8),
        ("886", 9, 9),
        ("855", 8, 9),
        ("856", 8, 10),
        ("971", 9, 9),
        ("1", 10, 10),
        ("7", 10, 10),
        ("44", 10, 10),
        ("49", 10, 11),
        ("33", 9, 9),
        ("39", 9, 10),
        ("61", 9, 9),
        ("60", 9, 10),
        ("62", 9, 12),
        ("63", 10, 10),
        ("64", 8, 10),
        ("65", 8, 8),
        ("66", 9, 9),
        ("81", 9, 10),
        ("82", 9, 10),
        ("84", 9, 10),
        ("95", 8, 10),
        ("90", 10, 10),
    ];
    for len in [3, 2, 1] {
        let Some(cc) = e164.get(..len) else { continue };
        if let Some(&(_, min, max)) = LENGTHS.iter().find(|(c, _, _)| *c == cc) {
            return (min..=max).contains(&(e164.len() - len));
        }
    }
    !known_code_only && (8..=15).contains(&e164.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_imeis_need_their_shape_prefix_and_check_digit() {
        let keys = |t: &str| crate::ident::extract(t).into_iter().map(|m| m.id.key).collect::<Vec<_>>();
        for text in ["手机串码352099001761481，", "设备35-209900-176148-1", "35 209900 176148 1", "35209900-176148-1"]
        {
            assert_eq!(keys(text), ["imei:352099001761481"], "{text}");
        }
        assert!(keys("3520990017614 81").is_empty(), "not grouped as an IMEI");
        // The check digit fails; a prefix no IMEI has; a card label wins; a phone and four digits stay apart.
        assert!(keys("设备352099001761482").is_empty());
        assert!(keys("设备752099001761489").is_empty());
        assert_eq!(keys("卡号352099001761481"), ["card:352099001761481"]);
        assert_eq!(keys("13800138000 1234"), ["tel:+8613800138000"]);
        // A first-generation ID number (Fujian, born 1990-03-07) is not an IMEI even when its check digit passes.
        assert!(crate::ident::luhn_ok("350101900307457"));
        assert!(keys("350101900307457").is_empty());
    }

    #[test]
    fn id_cards() {
        assert!(is_id_card("110101199003074514"));
        assert!(!is_id_card("110101199003074515"));
        assert!(is_id_card("11010519491231002X"));
        assert!(!is_id_card("622202123456789012"));
    }
}
