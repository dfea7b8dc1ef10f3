//! Bank cards and accounts (`card:` + 12–19 digits, Luhn flagged) and partial cards (`cardtail:` + last digits).

use super::{IdError, IdKind, Identifier, digits_only, luhn_ok, prepare};

/// Normalises a bank card or bank account number: 12–19 digits once spaces and dashes are removed. A 16–19-digit
/// number failing the Luhn check is kept with `luhn_failed` set.
///
/// ```
/// use datasets::ident::normalize_card;
/// let card = normalize_card("6222 0212 3456 7890 128").unwrap();
/// assert_eq!(card.key, "card:6222021234567890128");
/// assert!(!card.luhn_failed);
/// assert!(normalize_card("6222-0212-3456-7890-129").unwrap().luhn_failed);
/// ```
pub fn normalize_card(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::BankCard)?;
    let digits = digits_only(raw, &s, &[' ', '-'], IdKind::BankCard)?;
    card_from_digits(&digits).ok_or_else(|| IdError::DigitCount {
        value: raw.to_string(),
        found: digits.len(),
        allowed: "12 to 19",
        expected: IdKind::BankCard,
    })
}

/// A card identifier from bare digits, `None` unless there are 12–19 of them.
pub(crate) fn card_from_digits(digits: &str) -> Option<Identifier> {
    if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut id = Identifier::new(IdKind::BankCard, digits);
    id.luhn_failed = digits.len() >= 16 && !luhn_ok(digits);
    Some(id)
}

/// Normalises a partial card: `尾号1234`, `尾号为1234`, `****1234`, `6222 **** **** 1234`, `cardtail:1234` or
/// 3–6 bare digits. The key keeps only the visible last digits.
pub fn normalize_card_tail(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::PartialCard)?;
    let masks = ['*', '×', 'x', 'X', '•', '·'];
    let tail = match s.rfind(masks) {
        Some(at) => &s[at + s[at..].chars().next().map_or(1, char::len_utf8)..],
        None => s.as_str(),
    };
    let head = &s[..s.len() - tail.len()];
    if let Some((at, ch)) =
        head.char_indices().find(|(_, c)| !(c.is_ascii_digit() || masks.contains(c) || *c == ' ' || *c == '-'))
    {
        return Err(IdError::BadChar { value: raw.to_string(), ch, at, expected: IdKind::PartialCard });
    }
    let digits = digits_only(raw, tail.trim(), &[' ', '-'], IdKind::PartialCard)?;
    if !(3..=6).contains(&digits.len()) {
        return Err(IdError::DigitCount {
            value: raw.to_string(),
            found: digits.len(),
            allowed: "3 to 6 visible last",
            expected: IdKind::PartialCard,
        });
    }
    Ok(Identifier::new(IdKind::PartialCard, &digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_forms() {
        for raw in [
            "6222021234567890128",
            "6222 0212 3456 7890 128",
            "6222-0212-3456-7890-128",
            "６２２２ ０２１２ ３４５６ ７８９０ １２８",
            "卡号：6222021234567890128",
            "card:6222021234567890128",
        ] {
            let id = normalize_card(raw).unwrap();
            assert_eq!(id.key, "card:6222021234567890128", "{raw}");
            assert!(!id.luhn_failed);
        }
        let failed = normalize_card("6222021234567890129").unwrap();
        assert_eq!((failed.key.as_str(), failed.luhn_failed), ("card:6222021234567890129", true));
        let account = normalize_card("1234 5678 9012 3").unwrap();
        assert_eq!((account.key.as_str(), account.luhn_failed), ("card:1234567890123", false));
    }

    #[test]
    fn malformed_cards() {
        assert!(matches!(normalize_card("6222 0212 345"), Err(IdError::DigitCount { found: 11, .. })));
        assert!(matches!(normalize_card("62220212345678901234"), Err(IdError::DigitCount { found: 20, .. })));
        assert!(matches!(normalize_card("6222/0212"), Err(IdError::BadChar { ch: '/', .. })));
        assert!(matches!(normalize_card("微信:abc"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_card(""), Err(IdError::Empty { .. })));
    }

    #[test]
    fn tails() {
        for raw in [
            "尾号8821",
            "尾号为8821",
            "尾号：8821",
            "8821",
            "****8821",
            "6222 **** **** 8821",
            "cardtail:8821",
            "６２２２××××８８２１",
        ] {
            assert_eq!(normalize_card_tail(raw).map(|i| i.key).as_deref(), Ok("cardtail:8821"), "{raw}");
        }
        assert!(normalize_card_tail("尾号88").is_err());
        assert!(normalize_card_tail("尾号1234567").is_err());
        assert!(normalize_card_tail("abc1234").is_err());
    }
}
