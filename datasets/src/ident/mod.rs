//! Identifier normalisation (one canonical key per real identifier) and extraction from narrative text.
//!
//! Every identifier becomes a key `kind:value` (the contract is `/work/keys.md`): `tel:+8613800138000`,
//! `card:6222021234567890128`, `cardtail:8821`, `url:licai-app.top/download?id=7`, `app:xx理财`, `wechat:lc_888a`,
//! `qq:83412907`, `alipay:13912345678`, `ip:192.168.1.10`, `imei:352099001761481`.
//!
//! ```
//! use datasets::ident::{IdField, IdKind, extract, normalize};
//! let id = normalize(IdField::Phone, "+86 138-0013-8000").unwrap();
//! assert_eq!(id.key, "tel:+8613800138000");
//! let found = extract("手机号：１３８ ００１３ ８０００，添加QQ：83412907");
//! assert_eq!(found.len(), 2);
//! assert_eq!(found[1].id.kind, IdKind::Qq);
//! ```
//!
//! Rules (all inputs are first width-folded: full-width digits, letters and punctuation become ASCII):
//! - A leading label chooses the kind and is removed: the key prefixes themselves (`tel:`, `card:`, `qq:` …, so a
//!   key normalises to itself) and written labels (`电话`, `手机号`, `卡号`, `银行卡`, `账号`, `尾号`, `微信号`,
//!   `QQ`, `支付宝`, `网址`, `链接`, `IMEI` …). A label of another kind than the column allows is an error.
//! - Phones ([`normalize_phone`]): spaces, dashes, dots, brackets dropped; `+86`/`0086`/`86`+mobile and a
//!   trunk `(0)` handled; mobiles `1[3-9]` + 9 digits; landlines `0` + area code + local number not starting
//!   with 0 (`10`/`2x` + 8 digits, or 3 digits from `3`–`9` + 7–8 digits); service numbers as dialled (`95`+3–6 digits,
//!   `96`/`12`+3 digits, `100`+2 digits, `400`/`800`+7 digits); other countries `+`/`00` then 7–15 digits (E.164).
//! - Bank cards and accounts ([`normalize_card`]): 12–19 digits; the Luhn flag is computed for 16–19 digits only
//!   (shorter bank *account* numbers carry no check digit). Partial cards ([`normalize_card_tail`]): `尾号1234`,
//!   `****1234`, `6222 **** **** 1234` or 3–6 bare digits.
//! - `IdField::Account`: label first; else an e-mail or an 11-digit mobile is an Alipay login, 12–19 digits a card,
//!   a masked number or 3–6 digits a card tail, `wxid_…` a WeChat id.
//! - `IdField::Im`: label first; else `wxid_…` or an id starting with a letter is WeChat, 5–11 digits (no leading 0)
//!   is QQ, an e-mail is Alipay.
//! - App names ([`normalize_app`], `IdField::App`) take no written label: 微信, 支付宝 and 手机淘宝 are names; only a
//!   key prefix (`app:`, or another kind's `tel:` … which is an error) is a label.
//! - URLs ([`normalize_url`]), apps ([`normalize_app`]), IPs ([`normalize_ip`]) and IMEIs ([`normalize_imei`]:
//!   14 digits get their check digit, 16-digit IMEISV drop the software version) follow `keys.md`; URL fragments
//!   are dropped unless they are client-side routes (`#/…`), which are kept.
//!
//! Extraction ([`extract`]) rules are documented in its module.
//!
//! Layout: `fold` (width folding with an offset map), `label` (leading labels), `mask` (PIPL masking of keys:
//! `mask_key`, `shown_key`), one file per kind (`phone`, `card`, `url`, `app`, `im`, `device` for IP and IMEI),
//! `extract` (narrative text: the scan and its rules, `extract/text` for URLs, e-mails, labelled ids, IPs and apps,
//! `extract/digits` for digit runs).

use std::fmt;

mod app;
mod card;
mod device;
mod extract;
mod fold;
mod im;
mod label;
mod mask;
mod phone;
mod url;

pub use app::normalize_app;
pub use card::{normalize_card, normalize_card_tail};
pub use device::{normalize_imei, normalize_ip};
pub use extract::{Mention, extract};
pub use im::{normalize_alipay, normalize_im, normalize_qq, normalize_wechat};
pub use mask::{mask_key, mask_raw, shown_key};
pub use phone::normalize_phone;
pub use url::normalize_url;

/// The kind of an identifier; its [`code`](IdKind::code) is the key prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    Phone,
    BankCard,
    PartialCard,
    Url,
    App,
    Wechat,
    Qq,
    Alipay,
    Ip,
    Imei,
}

impl IdKind {
    /// Every kind, in declaration order.
    pub const ALL: [IdKind; 10] = [
        IdKind::Phone,
        IdKind::BankCard,
        IdKind::PartialCard,
        IdKind::Url,
        IdKind::App,
        IdKind::Wechat,
        IdKind::Qq,
        IdKind::Alipay,
        IdKind::Ip,
        IdKind::Imei,
    ];

    /// The key prefix (without the colon): `tel`, `card`, `cardtail`, `url`, `app`, `wechat`, `qq`, `alipay`, `ip`,
    /// `imei`.
    pub fn code(self) -> &'static str {
        match self {
            IdKind::Phone => "tel",
            IdKind::BankCard => "card",
            IdKind::PartialCard => "cardtail",
            IdKind::Url => "url",
            IdKind::App => "app",
            IdKind::Wechat => "wechat",
            IdKind::Qq => "qq",
            IdKind::Alipay => "alipay",
            IdKind::Ip => "ip",
            IdKind::Imei => "imei",
        }
    }

    /// The kind whose key prefix is `code`.
    pub fn from_code(code: &str) -> Option<IdKind> {
        IdKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Phone => "phone number",
            IdKind::BankCard => "bank card or account number",
            IdKind::PartialCard => "partial bank card",
            IdKind::Url => "URL",
            IdKind::App => "app name",
            IdKind::Wechat => "WeChat id",
            IdKind::Qq => "QQ number",
            IdKind::Alipay => "Alipay account",
            IdKind::Ip => "IP address",
            IdKind::Imei => "IMEI",
        })
    }
}

/// One identifier in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identifier {
    pub kind: IdKind,
    /// The canonical key, `kind.code()` + `:` + value.
    pub key: String,
    /// A 16–19-digit card number or an IMEI whose Luhn check digit is wrong (kept, but flagged).
    pub luhn_failed: bool,
}

impl Identifier {
    pub(crate) fn new(kind: IdKind, value: &str) -> Identifier {
        Identifier { kind, key: format!("{}:{value}", kind.code()), luhn_failed: false }
    }

    /// The key without its `kind:` prefix.
    pub fn value(&self) -> &str {
        &self.key[self.kind.code().len() + 1..]
    }
}

/// The display form of an identifier is its key (and normalises back to itself).
impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

/// The identifier columns of the interchange files: reports' `phones`, `accounts`, `urls`, `apps`, `im_ids`;
/// transfers' `from_account`/`to_account`; contacts' `from_phone`/`to_phone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdField {
    Phone,
    Account,
    Url,
    App,
    Im,
}

impl IdField {
    /// The kinds a value of this column may normalise to.
    pub fn allows(self, kind: IdKind) -> bool {
        use IdKind as K;
        match self {
            IdField::Phone => kind == K::Phone,
            IdField::Account => matches!(kind, K::BankCard | K::PartialCard | K::Alipay | K::Wechat | K::Qq),
            IdField::Url => kind == K::Url,
            IdField::App => kind == K::App,
            IdField::Im => matches!(kind, K::Wechat | K::Qq | K::Alipay),
        }
    }
}

/// Why a value is not a valid identifier. Every variant carries the offending input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("empty value where a {expected} was expected")]
    Empty { expected: IdKind },
    #[error("{value:?}: character {ch:?} at byte {at} cannot appear in a {expected}")]
    BadChar { value: String, ch: char, at: usize, expected: IdKind },
    #[error("{value:?}: {found} digits, but a {expected} has {allowed}")]
    DigitCount { value: String, found: usize, allowed: &'static str, expected: IdKind },
    #[error(
        "{value:?} (digits {digits}) is not a mobile, a landline with area code, a service number or an \
         international number"
    )]
    Phone { value: String, digits: String },
    #[error("{value:?} is not a URL: {problem}")]
    Url { value: String, problem: UrlProblem },
    #[error("{value:?} is not a valid {expected}")]
    Malformed { value: String, expected: IdKind },
    #[error("{value:?} is labelled as a {labelled}, which a {field:?} column does not hold")]
    WrongKind { value: String, labelled: IdKind, field: IdField },
    #[error(
        "{value:?}: cannot tell which kind of {field:?} identifier this is; add a label such as `qq:` or `wechat:`"
    )]
    Ambiguous { value: String, field: IdField },
}

/// What is wrong with a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("no host")]
    NoHost,
    #[error("host has a character not allowed in domain names")]
    BadHost,
    #[error("host has no top-level domain")]
    NoTld,
    #[error("port is not a number from 1 to 65535")]
    BadPort,
    #[error("contains whitespace")]
    Whitespace,
}

/// Normalises the value of an identifier column. A leading label (or key prefix) decides the kind; otherwise the
/// column's rules (see the module doc) do.
pub fn normalize(field: IdField, raw: &str) -> Result<Identifier, IdError> {
    let folded = fold::fold(raw);
    if field == IdField::App {
        // App names often begin with another kind's label word (微信, 支付宝, 手机淘宝): only a key prefix is a label.
        let lower = folded.trim_start().to_lowercase();
        return match IdKind::ALL.into_iter().find(|k| lower.starts_with(&format!("{}:", k.code()))) {
            Some(kind) if kind != IdKind::App => {
                Err(IdError::WrongKind { value: raw.to_string(), labelled: kind, field })
            }
            _ => normalize_app(raw),
        };
    }
    let (labelled, _) = label::split(&folded);
    if let Some(kind) = labelled {
        if !field.allows(kind) {
            return Err(IdError::WrongKind { value: raw.to_string(), labelled: kind, field });
        }
        return normalize_kind(kind, raw);
    }
    match field {
        IdField::Phone => normalize_phone(raw),
        IdField::Url => normalize_url(raw),
        IdField::App => normalize_app(raw),
        IdField::Im => im::normalize_unlabelled_im(raw),
        IdField::Account => im::normalize_unlabelled_account(raw),
    }
}

/// Normalises `raw` as an identifier of the given kind.
pub fn normalize_kind(kind: IdKind, raw: &str) -> Result<Identifier, IdError> {
    match kind {
        IdKind::Phone => normalize_phone(raw),
        IdKind::BankCard => normalize_card(raw),
        IdKind::PartialCard => normalize_card_tail(raw),
        IdKind::Url => normalize_url(raw),
        IdKind::App => normalize_app(raw),
        IdKind::Wechat => normalize_wechat(raw),
        IdKind::Qq => normalize_qq(raw),
        IdKind::Alipay => normalize_alipay(raw),
        IdKind::Ip => normalize_ip(raw),
        IdKind::Imei => normalize_imei(raw),
    }
}

/// Folds `raw`, removes a leading label of `kind` (any other kind's label is an error) and trims.
pub(crate) fn prepare(raw: &str, kind: IdKind) -> Result<String, IdError> {
    let folded = fold::fold(raw);
    let (labelled, rest) = label::split(&folded);
    if let Some(other) = labelled
        && !label::compatible(other, kind)
    {
        return Err(IdError::Malformed { value: raw.to_string(), expected: kind });
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(IdError::Empty { expected: kind });
    }
    Ok(rest.to_string())
}

/// The decimal digits of `s` after removing the separators in `seps`, or the first other character.
pub(crate) fn digits_only(raw: &str, s: &str, seps: &[char], kind: IdKind) -> Result<String, IdError> {
    let mut digits = String::with_capacity(s.len());
    for (at, ch) in s.char_indices() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else if !seps.contains(&ch) {
            return Err(IdError::BadChar { value: raw.to_string(), ch, at, expected: kind });
        }
    }
    Ok(digits)
}

/// The Luhn sum of ASCII digits, doubling every second digit counted from the right starting at `first_doubled`.
fn luhn_sum(digits: &str, first_doubled: usize) -> u32 {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b.wrapping_sub(b'0') % 10);
        if i % 2 == first_doubled {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum
}

/// The Luhn check (bank cards, IMEI) on ASCII digits.
pub(crate) fn luhn_ok(digits: &str) -> bool {
    luhn_sum(digits, 1).is_multiple_of(10)
}

/// The Luhn check digit to append to `digits`.
pub(crate) fn luhn_digit(digits: &str) -> char {
    // Appending a digit shifts every position by one, so the doubled positions start at the rightmost digit.
    char::from(b'0' + ((10 - luhn_sum(digits, 0) % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn() {
        assert!(luhn_ok("79927398713"));
        assert!(!luhn_ok("79927398710"));
        assert_eq!(luhn_digit("7992739871"), '3');
    }

    #[test]
    fn every_key_normalises_to_itself_through_its_field() {
        let cases = [
            (IdField::Phone, "tel:+8613800138000"),
            (IdField::Phone, "tel:95588"),
            (IdField::Account, "card:6222021234567890128"),
            (IdField::Account, "cardtail:8821"),
            (IdField::Account, "alipay:13912345678"),
            (IdField::Url, "url:licai-app.top/download?id=7"),
            (IdField::App, "app:xx理财"),
            (IdField::Im, "wechat:lc_888a"),
            (IdField::Im, "qq:83412907"),
            (IdField::Im, "alipay:a.b@qq.com"),
        ];
        for (field, key) in cases {
            assert_eq!(normalize(field, key).map(|i| i.key), Ok(key.to_string()), "{field:?} {key}");
        }
    }

    #[test]
    fn fields_route_by_value_and_label() {
        let check = |field, raw: &str, key: &str| {
            assert_eq!(normalize(field, raw).map(|i| i.key), Ok(key.to_string()), "{field:?} {raw}");
        };
        check(IdField::Account, "6222 0212 3456 7890 128", "card:6222021234567890128");
        check(IdField::Account, "支付宝：139-1234-5678", "alipay:13912345678");
        check(IdField::Account, "13912345678", "alipay:13912345678");
        check(IdField::Account, "Zhang.San@163.COM", "alipay:zhang.san@163.com");
        check(IdField::Account, "尾号8821", "cardtail:8821");
        check(IdField::Account, "6222 **** **** 0128", "cardtail:0128");
        check(IdField::Im, "微信:LC_888a", "wechat:lc_888a");
        check(IdField::Im, "微信号：13800138000", "wechat:13800138000");
        check(IdField::Im, "83412907", "qq:83412907");
        check(IdField::Im, "QQ 83412907", "qq:83412907");
        check(IdField::Im, "wxid_ab12cd34", "wechat:wxid_ab12cd34");
        check(IdField::Im, "lc_888a", "wechat:lc_888a");
        check(IdField::Im, "支付宝 13912345678", "alipay:13912345678");
        check(IdField::Phone, "电话：0755-8888 6666", "tel:+8675588886666");
        check(IdField::App, "微信", "app:微信");
        check(IdField::App, "“支付宝”APP", "app:支付宝");
    }

    #[test]
    fn fields_reject_other_kinds_and_garbage() {
        assert!(matches!(normalize(IdField::Phone, "card:6222021234567890128"), Err(IdError::WrongKind { .. })));
        assert!(matches!(normalize(IdField::Im, "tel:+8613800138000"), Err(IdError::WrongKind { .. })));
        assert!(matches!(normalize(IdField::App, "tel:+8613800138000"), Err(IdError::WrongKind { .. })));
        assert!(matches!(normalize(IdField::Im, "0123"), Err(IdError::Ambiguous { .. })));
        assert!(matches!(normalize(IdField::Account, "张三"), Err(IdError::Ambiguous { .. })));
        assert!(matches!(normalize(IdField::Phone, ""), Err(IdError::Empty { .. })));
    }
}
