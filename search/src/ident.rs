//! The seam to identifier extraction: canonical keys (`tel:+86…`, `card:…`) found in a text, with their spans.

use std::ops::Range;

/// One identifier written in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMention {
    /// Byte range of the written form in the text.
    pub span: Range<usize>,
    /// The canonical key (see keys.md).
    pub key: String,
}

/// Finds identifiers in free text; used on query strings (so any written form of a phone or card also searches its
/// canonical key) and by callers to fill [`CaseDoc::identifiers`](crate::CaseDoc::identifiers).
pub trait IdentifierExtractor: Send + Sync {
    /// The identifiers in `text`, non-overlapping, in text order.
    fn find(&self, text: &str) -> Vec<IdMention>;

    /// The keys `written` would have as the whole value of a report's identifier list field (phones, accounts,
    /// URLs, apps, IM ids), so a plain query for an app name or a WeChat id finds the report that lists it there.
    /// None by default.
    fn listed_keys(&self, written: &str) -> Vec<String> {
        let _ = written;
        Vec::new()
    }

    /// Just the keys, deduplicated, in first-seen order.
    fn keys(&self, text: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for m in self.find(text) {
            if !keys.contains(&m.key) {
                keys.push(m.key);
            }
        }
        keys
    }
}

/// The project's normaliser, [`datasets::ident::extract`] (phones, cards, card tails, URLs, apps, IM ids, IPs,
/// IMEIs), completed by [`DigitRuns`] for bare numbers it leaves alone (e.g. an unlabelled card number starting with
/// 0–2 or 7–9, which a query typically is).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentExtractor;

impl IdentifierExtractor for IdentExtractor {
    fn find(&self, text: &str) -> Vec<IdMention> {
        let mut found: Vec<IdMention> =
            datasets::ident::extract(text).into_iter().map(|m| IdMention { span: m.span, key: m.id.key }).collect();
        // The longest reading of a digit run wins: a bare number the normaliser splits or skips is taken whole.
        for m in DigitRuns.find(text) {
            let overlaps = |f: &IdMention| f.span.start < m.span.end && m.span.start < f.span.end;
            let covers_all = found
                .iter()
                .filter(|f| overlaps(f))
                .all(|f| m.span.start <= f.span.start && f.span.end <= m.span.end && f.span.len() < m.span.len());
            if covers_all {
                found.retain(|f| !overlaps(f));
                found.push(m);
            }
        }
        found.sort_by_key(|m| m.span.start);
        found
    }

    fn listed_keys(&self, written: &str) -> Vec<String> {
        use datasets::ident::{IdField, normalize};
        let mut keys: Vec<String> = Vec::new();
        for field in [IdField::Phone, IdField::Account, IdField::Url, IdField::App, IdField::Im] {
            if let Ok(id) = normalize(field, written)
                && !keys.contains(&id.key)
            {
                keys.push(id.key);
            }
        }
        keys
    }
}

/// A small built-in extractor for bare numbers: Chinese mobiles (11 digits `1[3-9]…`, optionally `+86`/`0086`/`86`
/// prefixed) → `tel:+86…`, and 16–19-digit numbers → `card:…`. Digits may be full-width and grouped with single
/// spaces or dashes; numbers glued to Latin letters are ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct DigitRuns;

impl IdentifierExtractor for DigitRuns {
    fn find(&self, text: &str) -> Vec<IdMention> {
        let fold = |c: char| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF0B}' | '\u{FF0D}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        let chars: Vec<(usize, char)> = text.char_indices().map(|(i, c)| (i, fold(c))).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i].1;
            let starts = c.is_ascii_digit() || (c == '+' && chars.get(i + 1).is_some_and(|n| n.1.is_ascii_digit()));
            let glued = i > 0 && (chars[i - 1].1.is_ascii_alphanumeric() || chars[i - 1].1 == '_');
            if !starts || glued {
                i += 1;
                continue;
            }
            let plus = c == '+';
            let start = i;
            let mut digits = String::new();
            let mut j = if plus { i + 1 } else { i };
            while j < chars.len() {
                let c = chars[j].1;
                if c.is_ascii_digit() {
                    digits.push(c);
                    j += 1;
                } else if matches!(c, ' ' | '-') && chars.get(j + 1).is_some_and(|n| n.1.is_ascii_digit()) {
                    j += 1;
                } else {
                    break;
                }
            }
            i = j;
            if chars.get(j).is_some_and(|n| n.1.is_ascii_alphabetic() || n.1 == '_') {
                continue;
            }
            let national = digits
                .strip_prefix("0086")
                .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
                .unwrap_or(if plus { "" } else { &digits });
            let is_mobile = |d: &str| d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9');
            let key = if is_mobile(national) {
                format!("tel:+86{national}")
            } else if !plus && (16..=19).contains(&digits.len()) {
                format!("card:{digits}")
            } else {
                continue;
            };
            let end = chars.get(j).map_or(text.len(), |c| c.0);
            out.push(IdMention { span: chars[start].0..end, key });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_in_written_forms() {
        let keys = |t: &str| DigitRuns.keys(t);
        for t in ["138 0013 8000", "+86 138-0013-8000", "0086 13800138000", "１３８００１３８０００", "拨打13800138000"]
        {
            assert_eq!(keys(t), ["tel:+8613800138000"], "{t}");
        }
        for t in ["0402 0203 0100 4074 617", "０４０２０２０３０１００４０７４６１７", "0402-0203-0100-4074-617"]
        {
            assert_eq!(keys(t), ["card:0402020301004074617"], "{t}");
        }
        assert!(keys("v13800138000").is_empty());
        assert!(keys("12345").is_empty());
        assert!(keys("+44 20 7946 0958").is_empty());
        assert_eq!(IdentExtractor.keys("账号0402 0203 0100 4074 617"), ["card:0402020301004074617"]);
    }

    #[test]
    fn a_bare_word_has_the_keys_a_list_field_would_give_it() {
        assert!(IdentExtractor.listed_keys("聚钱包").contains(&"app:聚钱包".to_string()));
        assert!(IdentExtractor.listed_keys("TZ_Boss9").contains(&"wechat:tz_boss9".to_string()));
        let phone = IdentExtractor.listed_keys("139 1234 5678");
        for key in ["tel:+8613912345678", "alipay:13912345678"] {
            assert!(phone.contains(&key.to_string()), "{key} in {phone:?}");
        }
        assert!(NoIdentifiers.listed_keys("聚钱包").is_empty());
    }
}

/// An extractor that finds nothing (identifier search off).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIdentifiers;

impl IdentifierExtractor for NoIdentifiers {
    fn find(&self, _text: &str) -> Vec<IdMention> {
        Vec::new()
    }
}
