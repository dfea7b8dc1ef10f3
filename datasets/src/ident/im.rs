//! Messenger and payment ids: WeChat (`wechat:`), QQ (`qq:`), Alipay (`alipay:` phone or e-mail), and the rules
//! that tell them apart in the `im_ids` and account columns.

use super::card::{card_from_digits, normalize_card_tail};
use super::fold::fold;
use super::phone::{is_mobile, normalize_phone};
use super::{IdError, IdField, IdKind, Identifier, digits_only, normalize, prepare};

/// Normalises a WeChat id: lower-cased `[a-z0-9_-]`, 5–40 characters (ids bound to a phone or QQ number are all
/// digits; spaces and dashes between digits are dropped).
pub fn normalize_wechat(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Wechat)?.to_lowercase();
    let digits_with_seps = s.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    let id: String = if digits_with_seps { s.chars().filter(char::is_ascii_digit).collect() } else { s };
    let ok = (5..=40).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(IdError::Malformed { value: raw.to_string(), expected: IdKind::Wechat });
    }
    Ok(Identifier::new(IdKind::Wechat, &id))
}

/// Normalises a QQ number: 5–11 digits, no leading zero.
pub fn normalize_qq(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Qq)?;
    let digits = digits_only(raw, &s, &[' ', '-'], IdKind::Qq)?;
    if !(5..=11).contains(&digits.len()) {
        return Err(IdError::DigitCount {
            value: raw.to_string(),
            found: digits.len(),
            allowed: "5 to 11",
            expected: IdKind::Qq,
        });
    }
    if digits.starts_with('0') {
        return Err(IdError::Malformed { value: raw.to_string(), expected: IdKind::Qq });
    }
    Ok(Identifier::new(IdKind::Qq, &digits))
}

/// Normalises an Alipay login: a Chinese mobile (as 11 digits) or a lower-cased e-mail address.
pub fn normalize_alipay(raw: &str) -> Result<Identifier, IdError> {
    let s = prepare(raw, IdKind::Alipay)?;
    if s.contains('@') {
        return email(&s).map(|e| Identifier::new(IdKind::Alipay, &e)).ok_or_else(|| malformed(raw, IdKind::Alipay));
    }
    let phone = normalize_phone(&s).map_err(|_| malformed(raw, IdKind::Alipay))?;
    match phone.value().strip_prefix("+86") {
        Some(mobile) if is_mobile(mobile) => Ok(Identifier::new(IdKind::Alipay, mobile)),
        _ => Err(malformed(raw, IdKind::Alipay)),
    }
}

/// Normalises a value of the `im_ids` column (labels win; see the `ident` module doc).
pub fn normalize_im(raw: &str) -> Result<Identifier, IdError> {
    normalize(IdField::Im, raw)
}

fn malformed(raw: &str, expected: IdKind) -> IdError {
    IdError::Malformed { value: raw.to_string(), expected }
}

/// A lower-cased e-mail address, if `s` is one.
pub(crate) fn email(s: &str) -> Option<String> {
    let s = s.to_lowercase();
    let (local, domain) = s.split_once('@')?;
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels.last().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
    (local_ok && domain_ok).then_some(s)
}

/// An `im_ids` value without a label.
pub(crate) fn normalize_unlabelled_im(raw: &str) -> Result<Identifier, IdError> {
    let s = fold(raw);
    let s = s.trim();
    if s.is_empty() {
        return Err(IdError::Empty { expected: IdKind::Wechat });
    }
    if s.contains('@') {
        return normalize_alipay(s);
    }
    let compact: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if compact.bytes().all(|b| b.is_ascii_digit()) && (5..=11).contains(&compact.len()) && !compact.starts_with('0') {
        return normalize_qq(&compact);
    }
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return normalize_wechat(s);
    }
    Err(IdError::Ambiguous { value: raw.to_string(), field: IdField::Im })
}

/// An account value (reports' `accounts`, transfers' `from_account`/`to_account`) without a label.
pub(crate) fn normalize_unlabelled_account(raw: &str) -> Result<Identifier, IdError> {
    let s = fold(raw);
    let s = s.trim();
    if s.is_empty() {
        return Err(IdError::Empty { expected: IdKind::BankCard });
    }
    if s.contains('@') {
        return normalize_alipay(s);
    }
    if s.contains(['*', '×']) {
        return normalize_card_tail(s);
    }
    if s.to_ascii_lowercase().starts_with("wxid_") {
        return normalize_wechat(s);
    }
    let compact: String = s.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if compact.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(card) = card_from_digits(&compact) {
            return Ok(card);
        }
        if is_mobile(&compact) {
            return Ok(Identifier::new(IdKind::Alipay, &compact));
        }
        if (3..=6).contains(&compact.len()) {
            return normalize_card_tail(&compact);
        }
        return Err(IdError::DigitCount {
            value: raw.to_string(),
            found: compact.len(),
            allowed: "12 to 19 (or 11 for an Alipay mobile)",
            expected: IdKind::BankCard,
        });
    }
    if s.starts_with('+') {
        return normalize_alipay(s);
    }
    Err(IdError::Ambiguous { value: raw.to_string(), field: IdField::Account })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(r: Result<Identifier, IdError>) -> Result<String, IdError> {
        r.map(|i| i.key)
    }

    #[test]
    fn wechat_qq_alipay_forms() {
        for raw in ["lc_888a", "LC_888A", "微信:lc_888a", "微信号：ＬＣ_888a", "wechat:lc_888a", "wx: lc_888a"]
        {
            assert_eq!(key(normalize_wechat(raw)).as_deref(), Ok("wechat:lc_888a"), "{raw}");
        }
        assert_eq!(key(normalize_wechat("138 0013 8000")).as_deref(), Ok("wechat:13800138000"));
        for raw in ["83412907", "QQ:83412907", "qq号 83412907", "ＱＱ：８３４１２９０７", "qq:83412907"] {
            assert_eq!(key(normalize_qq(raw)).as_deref(), Ok("qq:83412907"), "{raw}");
        }
        for raw in ["13912345678", "+86 139 1234 5678", "支付宝账号：139-1234-5678", "alipay:13912345678"] {
            assert_eq!(key(normalize_alipay(raw)).as_deref(), Ok("alipay:13912345678"), "{raw}");
        }
        assert_eq!(key(normalize_alipay("Li.Si@QQ.com")).as_deref(), Ok("alipay:li.si@qq.com"));
    }

    #[test]
    fn malformed_ids() {
        assert!(matches!(normalize_wechat("ab"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_wechat("张三的微信"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_qq("1234"), Err(IdError::DigitCount { found: 4, .. })));
        assert!(matches!(normalize_qq("012345"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_qq("12a45"), Err(IdError::BadChar { ch: 'a', .. })));
        assert!(matches!(normalize_alipay("021-62345678"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_alipay("a@b"), Err(IdError::Malformed { .. })));
        assert!(matches!(normalize_im("qq:abc"), Err(IdError::BadChar { .. })));
    }
}
