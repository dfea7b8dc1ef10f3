//! PIPL masking of victims' phone and card numbers in what investigators see (138****8000, 6222 **** **** 0128):
//! the one masking rule, used by every view that shows an identifier key.

/// The key with its personal digits hidden, kind prefix kept: a mobile `tel:+8613800138000` becomes
/// `tel:+86138****8000` (first 3 and last 4 of the 11 digits), a card `card:6222021234567890128` becomes
/// `card:6222 **** **** 0128` (first and last 4), any other phone, card or account keeps its first 3 and last 4
/// characters (10 or more), or only its last half (shorter), and stars the rest; other kinds are returned unchanged.
pub fn mask_key(key: &str) -> String {
    let Some((kind, value)) = key.split_once(':') else {
        return key.to_string();
    };
    if kind == "cashout" {
        // A cash-out sink (`cashout:atm:card:6222…`): the sending account inside is masked like any key.
        return match value.split_once(':') {
            Some((channel, account)) => format!("cashout:{channel}:{}", mask_key(account)),
            None => key.to_string(),
        };
    }
    let chars: Vec<char> = value.chars().collect();
    match kind {
        "tel" if value.starts_with("+86") && chars.len() == 14 => {
            let digits: String = chars[3..].iter().collect();
            format!("tel:+86{}****{}", &digits[..3], &digits[7..])
        }
        "card" if chars.len() >= 12 => {
            let head: String = chars[..4].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("card:{head} **** **** {tail}")
        }
        "tel" | "card" | "acct" | "alipay" | "cardtail" => {
            let n = chars.len();
            let (head, tail) = if n >= 10 { (3, 4) } else { (0, n / 2) };
            let shown_head: String = chars[..head].iter().collect();
            let shown_tail: String = chars[n - tail..].iter().collect();
            format!("{kind}:{shown_head}{}{shown_tail}", "*".repeat((n - head - tail).max(1)))
        }
        _ => key.to_string(),
    }
}

/// A phone, card or account number as written (`13800138000`, `6222 0212 3456 7890 128`) with the same rule:
/// first 3 and last 4 characters kept when it has 10 or more, only its last half when shorter, the rest starred.
pub fn mask_raw(raw: &str) -> String {
    let chars: Vec<char> = raw.trim().chars().collect();
    let n = chars.len();
    let (head, tail) = if n >= 10 { (3, 4) } else { (0, n / 2) };
    let shown_head: String = chars[..head].iter().collect();
    let shown_tail: String = chars[n - tail..].iter().collect();
    format!("{shown_head}{}{shown_tail}", "*".repeat((n - head - tail).max(1)))
}

/// [`mask_key`] when `personal`, else the key as is.
pub fn shown_key(key: &str, personal: bool) -> String {
    if personal { mask_key(key) } else { key.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cash_out_sinks_mask_their_sending_account() {
        assert_eq!(mask_key("cashout:atm:card:6222021234567890123"), "cashout:atm:card:6222 **** **** 0123");
        assert_eq!(mask_key("cashout:cash:tel:+8613800138000"), "cashout:cash:tel:+86138****8000");
    }

    #[test]
    fn raw_numbers_mask_like_keys() {
        assert_eq!(mask_raw("13800138000"), "138****8000");
        assert_eq!(mask_raw("95588"), "***88");
        assert_eq!(mask_raw(""), "*");
    }

    #[test]
    fn masks_mobiles_cards_and_short_numbers() {
        assert_eq!(mask_key("tel:+8613800138000"), "tel:+86138****8000");
        assert_eq!(mask_key("card:6222021234567890128"), "card:6222 **** **** 0128");
        assert_eq!(mask_key("tel:95588"), "tel:***88");
        assert_eq!(mask_key("app:xx理财"), "app:xx理财");
        assert!(!mask_key("tel:+861012345678").contains("2345"));
        assert_eq!(shown_key("tel:+8613800138000", false), "tel:+8613800138000");
    }
}
