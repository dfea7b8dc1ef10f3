//! Phone numbers: Chinese mobiles and landlines as `tel:+86…`, service numbers as dialled, others in E.164.

use super::{IdError, IdKind, Identifier, prepare};

/// What sort of number a phone key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneClass {
    Mobile,
    Landline,
    Service,
    International,
}

/// Normalises a phone number (see the module doc of `ident` for the accepted forms).
///
/// ```
/// use datasets::ident::normalize_phone;
/// assert_eq!(normalize_phone("0086 138 0013 8000").unwrap().key, "tel:+8613800138000");
/// assert_eq!(normalize_phone("（010）1234-5678").unwrap().key, "tel:+861012345678");
/// assert_eq!(normalize_phone("+852 9123 4567").unwrap().key, "tel:+85291234567");
/// assert!(normalize_phone("12345678").is_err()); // a local number without its area code
/// ```
pub fn normalize_phone(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Phone)?;
    let s = match s.strip_prefix("(+") {
        Some(rest) => format!("+{rest}"),
        None => s,
    };
    let (plus, body) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    // A trunk prefix written as "(0)" after a country code: +44 (0)20 …, +86 (0)10 …
    let body = if plus || body.starts_with("00") { body.replacen("(0)", "", 1) } else { body.to_string() };
    let digits = super::digits_only(raw, &body, &[' ', '-', '.', '(', ')', '/'], IdKind::Phone)?;
    if digits.is_empty() {
        return Err(IdError::Empty { expected: IdKind::Phone });
    }
    match classify(plus, &digits) {
        Some((key, _)) => Ok(Identifier::new(IdKind::Phone, &key)),
        None => Err(IdError::Phone { value: raw.to_string(), digits }),
    }
}

/// The key value (after `tel:`) and class of a digit string, `plus` when it was written with a leading `+`.
pub(crate) fn classify(plus: bool, digits: &str) -> Option<(String, PhoneClass)> {
    if plus {
        return international(digits);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest);
    }
    if let Some(rest) = digits.strip_prefix('0') {
        if is_mobile(rest) {
            return Some((format!("+86{rest}"), PhoneClass::Mobile));
        }
        return landline(rest).map(|n| (n, PhoneClass::Landline));
    }
    if let Some(rest) = digits.strip_prefix("86")
        && is_mobile(rest)
    {
        return Some((format!("+86{rest}"), PhoneClass::Mobile));
    }
    national(digits)
}

/// A number after the country code 86, or a domestic number without trunk 0.
fn national(n: &str) -> Option<(String, PhoneClass)> {
    if is_mobile(n) {
        Some((format!("+86{n}"), PhoneClass::Mobile))
    } else if is_service(n) {
        Some((n.to_string(), PhoneClass::Service))
    } else {
        None
    }
}

fn international(d: &str) -> Option<(String, PhoneClass)> {
    if let Some(n) = d.strip_prefix("86") {
        let n = n.strip_prefix('0').unwrap_or(n);
        return national(n).or_else(|| landline(n).map(|k| (k, PhoneClass::Landline)));
    }
    if d.starts_with('0') || !(7..=15).contains(&d.len()) {
        return None;
    }
    Some((format!("+{d}"), PhoneClass::International))
}

pub(crate) fn is_mobile(n: &str) -> bool {
    let b = n.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// A landline without its trunk 0: area code `10` or `2x` then 8 digits, or `[3-9]xx` then 7–8 digits; the local
/// number does not start with 0.
fn landline(n: &str) -> Option<String> {
    let (area, local_lengths) = match n.as_bytes().first()? {
        b'1' if n.starts_with("10") => (2, 8..=8),
        b'2' => (2, 8..=8),
        // 400 and 800 are service prefixes, never area codes.
        b'3'..=b'9' if !n.starts_with("400") && !n.starts_with("800") => (3, 7..=8),
        _ => return None,
    };
    let local = n.get(area..)?;
    let ok = local_lengths.contains(&local.len()) && !local.starts_with('0');
    ok.then(|| format!("+86{n}"))
}

/// Domestic service numbers: 95 + 3–6 digits, 96xxx, 12xxx, 100xx, 400/800 + 7 digits.
pub(crate) fn is_service(n: &str) -> bool {
    match n.len() {
        5 => n.starts_with("95") || n.starts_with("96") || n.starts_with("12") || n.starts_with("100"),
        6..=8 => n.starts_with("95"),
        10 => n.starts_with("400") || n.starts_with("800"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> Result<String, IdError> {
        normalize_phone(raw).map(|i| i.key)
    }

    #[test]
    fn written_forms_give_one_key() {
        let cases: &[(&str, &[&str])] = &[
            (
                "tel:+8613800138000",
                &[
                    "13800138000",
                    "138 0013 8000",
                    "138-0013-8000",
                    "138.0013.8000",
                    "+86 138 0013 8000",
                    "+86-13800138000",
                    "0086 13800138000",
                    "8613800138000",
                    "(+86) 138 0013 8000",
                    "１３８００１３８０００",
                    "＋８６ １３８－００１３－８０００",
                    "手机号：138 0013 8000",
                    "tel:+8613800138000",
                    " 13800138000 ",
                ],
            ),
            (
                "tel:+861012345678",
                &[
                    "010-12345678",
                    "(010) 1234 5678",
                    "（０１０）１２３４５６７８",
                    "+86 10 1234 5678",
                    "+86 (0)10 12345678",
                    "0086-10-12345678",
                ],
            ),
            ("tel:+862162345678", &["021-6234 5678", "０２１－６２３４ ５６７８", "02162345678"]),
            ("tel:+8675588886666", &["0755 8888 6666", "0755-88886666", "+86 755 8888 6666"]),
            ("tel:+863711234567", &["0371-1234567"]),
            ("tel:95588", &["95588", "９５５８８", "+86 95588"]),
            ("tel:96110", &["96110"]),
            ("tel:12345", &["12345"]),
            ("tel:12381", &["12381"]),
            ("tel:4008001234", &["400-800-1234", "400 800 1234", "4008001234"]),
            ("tel:8008001234", &["800-800-1234"]),
            ("tel:+85291234567", &["+852 9123 4567", "00852-9123-4567", "+852 91234567"]),
            ("tel:+14155550100", &["+1 (415) 555-0100", "+1 415 555 0100", "001 415 555 0100"]),
            ("tel:+442079460958", &["+44 (0)20 7946 0958", "+44 20 7946 0958"]),
        ];
        for (want, forms) in cases {
            for raw in *forms {
                assert_eq!(key(raw).as_deref(), Ok(*want), "{raw}");
            }
        }
    }

    #[test]
    fn malformed_numbers_are_errors() {
        for raw in [
            "12345678",
            "1380013800",
            "138001380001",
            "23800138000",
            "0123 4567",
            "010-0123456",
            "+0123",
            "+86 12",
            "1",
        ] {
            assert!(matches!(normalize_phone(raw), Err(IdError::Phone { .. })), "{raw}: {:?}", normalize_phone(raw));
        }
        assert!(matches!(normalize_phone("138x0013"), Err(IdError::BadChar { ch: 'x', at: 3, .. })));
        assert!(matches!(normalize_phone(" "), Err(IdError::Empty { .. })));
        assert!(matches!(normalize_phone("qq:12345"), Err(IdError::Malformed { .. })));
    }
}
