//! Leading labels of identifier values ("微信号：", "QQ ", "card:", "尾号" …) and the kind each one announces.

use super::IdKind;

/// (label, kind, needs a `:` or space after it). Longest labels first; Latin labels are matched case-insensitively.
const LABELS: &[(&str, IdKind, bool)] = &[
    ("cardtail", IdKind::PartialCard, true),
    ("wechat", IdKind::Wechat, true),
    ("alipay", IdKind::Alipay, true),
    ("imei", IdKind::Imei, true),
    ("card", IdKind::BankCard, true),
    ("url", IdKind::Url, true),
    ("app", IdKind::App, true),
    ("tel", IdKind::Phone, true),
    ("qq号码", IdKind::Qq, false),
    ("qq号", IdKind::Qq, false),
    ("qq", IdKind::Qq, true),
    ("ip", IdKind::Ip, true),
    ("wx", IdKind::Wechat, true),
    ("vx", IdKind::Wechat, true),
    ("支付宝账号", IdKind::Alipay, false),
    ("支付宝账户", IdKind::Alipay, false),
    ("支付宝帐号", IdKind::Alipay, false),
    ("支付宝", IdKind::Alipay, false),
    ("微信号", IdKind::Wechat, false),
    ("微信", IdKind::Wechat, false),
    ("扣扣", IdKind::Qq, false),
    ("银行卡号", IdKind::BankCard, false),
    ("银行账号", IdKind::BankCard, false),
    ("银行卡", IdKind::BankCard, false),
    ("卡号", IdKind::BankCard, false),
    ("账号", IdKind::BankCard, false),
    ("帐号", IdKind::BankCard, false),
    ("账户", IdKind::BankCard, false),
    ("尾号为", IdKind::PartialCard, false),
    ("尾号", IdKind::PartialCard, false),
    ("手机号码", IdKind::Phone, false),
    ("手机号", IdKind::Phone, false),
    ("手机", IdKind::Phone, false),
    ("电话号码", IdKind::Phone, false),
    ("电话", IdKind::Phone, false),
    ("号码", IdKind::Phone, false),
    ("座机", IdKind::Phone, false),
    ("网址", IdKind::Url, false),
    ("链接", IdKind::Url, false),
    ("串号", IdKind::Imei, false),
];

/// Splits a folded value into (the kind its leading label announces, the rest after the label and `:`/spaces).
/// Without a label the kind is `None` and the rest is the whole value.
pub(crate) fn split(folded: &str) -> (Option<IdKind>, &str) {
    let s = folded.trim_start();
    for &(label, kind, needs_sep) in LABELS {
        let Some(head) = s.get(..label.len()) else { continue };
        if !head.eq_ignore_ascii_case(label) {
            continue;
        }
        let rest = &s[label.len()..];
        let sep = rest.starts_with([':', ' ']);
        // `App Store` is an app name, not a labelled value: `app` needs a colon.
        if (needs_sep && !sep) || (label == "app" && !rest.starts_with(':')) {
            continue;
        }
        let rest = rest.trim_start_matches(' ');
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        return (Some(kind), rest.trim_start_matches(' '));
    }
    (None, s)
}

/// Whether a value labelled `labelled` may be normalised as `kind` (an account label fits a card tail, a phone
/// label fits an Alipay login).
pub(crate) fn compatible(labelled: IdKind, kind: IdKind) -> bool {
    labelled == kind
        || matches!(
            (labelled, kind),
            (IdKind::BankCard, IdKind::PartialCard)
                | (IdKind::PartialCard, IdKind::BankCard)
                | (IdKind::Phone, IdKind::Alipay)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(split("微信号:lc_888a"), (Some(IdKind::Wechat), "lc_888a"));
        assert_eq!(split("QQ 12345"), (Some(IdKind::Qq), "12345"));
        assert_eq!(split("QQ号12345"), (Some(IdKind::Qq), "12345"));
        assert_eq!(split("wxid_abc"), (None, "wxid_abc"));
        assert_eq!(split("App Store"), (None, "App Store"));
        assert_eq!(split("app:xx理财"), (Some(IdKind::App), "xx理财"));
        assert_eq!(split("AppStore"), (None, "AppStore"));
        assert_eq!(split("tel:+86"), (Some(IdKind::Phone), "+86"));
        assert_eq!(split("13800138000"), (None, "13800138000"));
        assert_eq!(split("ip:::"), (Some(IdKind::Ip), "::"));
        assert_eq!(split("微信号 : lc"), (Some(IdKind::Wechat), "lc"));
    }
}
