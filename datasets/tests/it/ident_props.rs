//! Normalisation invariants: every written form of an identifier gives one key, and keys normalise to themselves.

use datasets::ident::{
    IdField, IdKind, Identifier, normalize, normalize_card, normalize_imei, normalize_ip, normalize_kind,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ident_forms::{self as forms, Style, Written};

/// The column an identifier of this kind is stored in, if any.
fn field_of(kind: IdKind) -> Option<IdField> {
    match kind {
        IdKind::Phone => Some(IdField::Phone),
        IdKind::BankCard | IdKind::PartialCard => Some(IdField::Account),
        IdKind::Url => Some(IdField::Url),
        IdKind::App => Some(IdField::App),
        IdKind::Wechat | IdKind::Qq | IdKind::Alipay => Some(IdField::Im),
        IdKind::Ip | IdKind::Imei => None,
    }
}

fn normalise(w: &Written, raw: &str) -> Result<Identifier, datasets::ident::IdError> {
    match (w.kind, field_of(w.kind)) {
        (IdKind::Ip, _) => normalize_ip(raw),
        (IdKind::Imei, _) => normalize_imei(raw),
        (IdKind::BankCard, _) => normalize_card(raw),
        (_, Some(field)) => normalize(field, raw),
        (kind, None) => normalize_kind(kind, raw),
    }
}

fn label(rng: &mut ChaCha8Rng, w: Written, labels: &[&str]) -> Written {
    let l = labels[rand::Rng::gen_range(rng, 0..labels.len())];
    Written { raw: format!("{l}{}", w.raw), ..w }
}

/// Every kind in column style, with labels that the column understands.
fn column_forms(rng: &mut ChaCha8Rng) -> Vec<Written> {
    let mut out = Vec::new();
    let w = forms::mobile(rng, Style::Column);
    out.push(label(rng, w, &["", "", "手机号：", "电话 ", "tel:"]));
    let w = forms::landline(rng, Style::Column);
    out.push(label(rng, w, &["", "座机：", "电话"]));
    let w = forms::card(rng, Style::Column);
    out.push(label(rng, w, &["", "", "卡号：", "银行卡 ", "card:"]));
    let w = forms::card_tail(rng);
    out.push(label(rng, w, &["尾号", "尾号为", "cardtail:", "****", "6222 **** **** "]));
    out.push(forms::service(rng));
    out.push(forms::overseas(rng));
    let w = forms::url(rng);
    out.push(label(rng, w, &["", "", "链接：", "网址 "]));
    out.push(forms::app(rng).0);
    let w = forms::wechat(rng);
    out.push(label(rng, w, &["微信：", "微信号", "wechat:", "wx: ", "WeChat:"]));
    let w = forms::qq(rng);
    out.push(label(rng, w, &["", "QQ:", "qq号 ", "ＱＱ：", "扣扣"]));
    let w = forms::alipay(rng);
    out.push(label(rng, w, &["支付宝：", "支付宝账号 ", "alipay:"]));
    let w = forms::ip(rng);
    out.push(label(rng, w, &["", "ip:", "IP "]));
    let w = forms::imei(rng);
    out.push(label(rng, w, &["", "IMEI ", "串号：", "imei:"]));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Format invariance: random spaces/dashes/dots, full-width characters, +86/0086/86 prefixes, labels, URL case,
    /// scheme, `www.`, default ports and tracking parameters all give the planted key (and Luhn flag).
    #[test]
    fn every_written_form_gives_the_planted_key(seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for w in column_forms(&mut rng) {
            let id = normalise(&w, &w.raw);
            prop_assert!(id.is_ok(), "{:?} -> {:?}", w, id);
            let id = id.unwrap();
            prop_assert_eq!(&id.key, &w.key, "{:?}", w);
            prop_assert_eq!(id.kind, w.kind);
            prop_assert_eq!(id.luhn_failed, w.luhn_failed, "{:?}", w);
        }
    }

    /// Idempotence: the display form of a key normalises to the same identifier, through its column and its kind.
    #[test]
    fn keys_normalise_to_themselves(seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for w in column_forms(&mut rng) {
            let id = normalise(&w, &w.raw).unwrap();
            let again = normalise(&w, &id.to_string()).unwrap();
            prop_assert_eq!(&again, &id);
            prop_assert_eq!(normalize_kind(id.kind, &id.key).unwrap(), id.clone());
            if let Some(field) = field_of(id.kind) {
                prop_assert_eq!(normalize(field, &id.key).unwrap(), id);
            }
        }
    }

    /// Arbitrary input never panics and, when accepted, gives a key that normalises to itself.
    #[test]
    fn normalisers_never_panic_and_accepted_keys_are_stable(raw in "\\PC{0,40}|[0-9０-９ +()（）-]{0,25}") {
        for field in [IdField::Phone, IdField::Account, IdField::Url, IdField::App, IdField::Im] {
            if let Ok(id) = normalize(field, &raw) {
                prop_assert_eq!(normalize(field, &id.key).map(|i| i.key), Ok(id.key.clone()), "{:?} {:?}", field, raw);
            }
        }
        for kind in IdKind::ALL {
            if let Ok(id) = normalize_kind(kind, &raw) {
                prop_assert_eq!(normalize_kind(kind, &id.key).map(|i| i.key), Ok(id.key.clone()), "{:?} {:?}", kind, raw);
            }
        }
    }
}
