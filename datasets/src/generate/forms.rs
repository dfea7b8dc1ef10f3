//! Written forms of identifiers as victims write them (spaces, dashes, +86/0086, full-width digits, partial cards,
//! URLs with or without scheme and tracking parameters, app names in quotes), with one-digit typos.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::numbers::{PhoneId, UrlId};

/// One written identifier and the canonical key of exactly what is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) text: String,
    pub(crate) key: String,
    pub(crate) kind: &'static str,
}

fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c),
            '+' => '＋',
            _ => c,
        })
        .collect()
}

/// Replaces one digit at or after `from` with a different digit.
fn typo_digits(digits: &str, from: usize, rng: &mut ChaCha8Rng) -> String {
    let mut b: Vec<u8> = digits.bytes().collect();
    if b.len() <= from {
        return digits.to_string();
    }
    let i = rng.gen_range(from..b.len());
    let old = b[i] - b'0';
    let new = (old + rng.gen_range(1..10)) % 10;
    b[i] = b'0' + new;
    String::from_utf8(b).unwrap_or_else(|_| digits.to_string())
}

fn group(d: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    for s in sizes {
        if i >= d.len() {
            break;
        }
        let j = (i + s).min(d.len());
        out.push(&d[i..j]);
        i = j;
    }
    if i < d.len() {
        out.push(&d[i..]);
    }
    out.join(sep)
}

/// A phone as written; `typo` may change one digit (the key follows what is written).
pub(crate) fn phone(id: &PhoneId, typo: bool, rng: &mut ChaCha8Rng) -> Written {
    let kind = "phone";
    match id {
        PhoneId::Mobile(d) => {
            let d = if typo { typo_digits(d, 3, rng) } else { d.clone() };
            let text = match rng.gen_range(0..9) {
                0 => group(&d, &[3, 4, 4], " "),
                1 => format!("+86-{}", group(&d, &[3, 4, 4], "-")),
                2 => format!("0086 {d}"),
                3 => fullwidth(&d),
                4 => group(&d, &[3, 4, 4], "-"),
                5 => format!("+86 {d}"),
                6 => format!("86-{d}"),
                _ => d.clone(),
            };
            Written { text, key: format!("tel:+86{d}"), kind }
        }
        PhoneId::Landline { area, local } => {
            let local = if typo { typo_digits(local, 1, rng) } else { local.clone() };
            let text = match rng.gen_range(0..4) {
                0 => format!("0{area}-{local}"),
                1 => format!("(0{area}){local}"),
                2 => format!("0{area} {}", group(&local, &[4, 4], " ")),
                _ => format!("0{area}{local}"),
            };
            Written { text, key: format!("tel:+86{area}{local}"), kind }
        }
        PhoneId::Overseas { cc, national } => {
            let national = if typo { typo_digits(national, 1, rng) } else { national.clone() };
            let text = match rng.gen_range(0..3) {
                0 => format!("+{cc} {}", group(&national, &[4, 4], " ")),
                1 => format!("00{cc}-{national}"),
                _ => format!("+{cc}{national}"),
            };
            Written { text, key: format!("tel:+{cc}{national}"), kind }
        }
        PhoneId::Service(d) => Written { text: d.clone(), key: format!("tel:{d}"), kind },
    }
}

/// A full card number as written (plain, grouped by 4 with spaces or dashes).
pub(crate) fn card(digits: &str, typo: bool, rng: &mut ChaCha8Rng) -> Written {
    let d = if typo { typo_digits(digits, 6, rng) } else { digits.to_string() };
    let text = match rng.gen_range(0..5) {
        0 | 1 => group(&d, &[4, 4, 4, 4], " "),
        2 => group(&d, &[4, 4, 4, 4], "-"),
        3 => group(&d, &[6, 13], " "),
        _ => d.clone(),
    };
    Written { text, key: format!("card:{d}"), kind: "card" }
}

/// "尾号1234": the last four digits of a card.
pub(crate) fn card_tail(digits: &str) -> Written {
    let tail = &digits[digits.len().saturating_sub(4)..];
    Written { text: format!("尾号{tail}"), key: format!("cardtail:{tail}"), kind: "cardtail" }
}

/// A URL as written: with or without scheme and `www.`, sometimes upper-case host, trailing `/`, tracking params.
pub(crate) fn url(u: &UrlId, rng: &mut ChaCha8Rng) -> Written {
    let scheme = ["https://", "http://", ""][rng.gen_range(0..3)];
    let www = if rng.gen_bool(0.3) { "www." } else { "" };
    let host = if rng.gen_bool(0.1) { u.host.to_uppercase() } else { u.host.clone() };
    let slash = if !u.path.is_empty() && rng.gen_bool(0.3) { "/" } else { "" };
    let mut params: Vec<String> = u.query.iter().map(|(a, b)| format!("{a}={b}")).collect();
    if rng.gen_bool(0.35) {
        let src = ["wechat", "douyin", "sms", "qq"][rng.gen_range(0..4)];
        params.insert(0, format!("utm_source={src}"));
        if rng.gen_bool(0.5) {
            params.push(format!("utm_campaign=c{}", rng.gen_range(1..99)));
        }
    }
    let mut text = format!("{scheme}{www}{host}{}{slash}", u.path);
    if text.ends_with(&u.host) && u.path.is_empty() && !params.is_empty() {
        text.push('/');
    }
    if !params.is_empty() {
        text.push('?');
        text.push_str(&params.join("&"));
    }
    Written { text, key: u.key(), kind: "url" }
}

/// The canonical key of an app name.
pub(crate) fn app_key(name: &str) -> String {
    format!("app:{}", name.to_lowercase())
}

/// An app name as written in a narrative (always marked: quotes, book-title marks or a trailing APP).
pub(crate) fn app(name: &str, rng: &mut ChaCha8Rng) -> Written {
    let latin = name.is_ascii();
    let shown = if latin && rng.gen_bool(0.25) {
        name.chars().map(|c| char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)).collect()
    } else {
        name.to_string()
    };
    let text = match rng.gen_range(0..7) {
        0 => format!("“{shown}”APP"),
        1 => format!("《{shown}》APP"),
        2 => format!("《{shown}》"),
        3 => format!("“{shown}”app"),
        4 => format!("「{shown}」App"),
        5 => format!("“{shown}”软件"),
        _ => format!("{shown}APP"),
    };
    Written { text, key: app_key(name), kind: "app" }
}

/// An app name as listed in the report's `apps` column.
pub(crate) fn app_column(name: &str, rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..3) {
        0 => format!("{name}APP"),
        1 => format!("“{name}”"),
        _ => name.to_string(),
    }
}

/// A WeChat id as written in a narrative.
pub(crate) fn wechat(id: &str, rng: &mut ChaCha8Rng) -> Written {
    let text = match rng.gen_range(0..5) {
        0 => format!("微信号：{id}"),
        1 => format!("微信号{id}"),
        2 => format!("微信（{id}）"),
        3 => format!("vx：{id}"),
        _ => format!("微信号是 {id} "),
    };
    Written { text, key: format!("wechat:{}", id.to_lowercase()), kind: "wechat" }
}

/// A QQ number as written in a narrative.
pub(crate) fn qq(n: &str, rng: &mut ChaCha8Rng) -> Written {
    let text = match rng.gen_range(0..3) {
        0 => format!("QQ号：{n}"),
        1 => format!("QQ {n}"),
        _ => format!("qq号{n}"),
    };
    Written { text, key: format!("qq:{n}"), kind: "qq" }
}

/// An amount of yuan as written in a narrative.
pub(crate) fn amount(fen: i64, rng: &mut ChaCha8Rng) -> String {
    let yuan = fen / 100;
    let cents = fen % 100;
    let with_commas = {
        let s = yuan.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    match rng.gen_range(0..5) {
        0 if yuan >= 10_000 => format!("{:.2}万元", fen as f64 / 1_000_000.0),
        1 => format!("人民币{with_commas}.{cents:02}元"),
        2 => format!("¥{yuan}.{cents:02}"),
        3 => format!("{with_commas}元"),
        _ if cents == 0 => format!("{yuan}元"),
        _ => format!("{yuan}.{cents:02}元"),
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn written_phones_keep_the_key_of_what_is_written() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let id = PhoneId::Mobile("13800138000".into());
        for _ in 0..50 {
            let w = phone(&id, false, &mut rng);
            assert_eq!(w.key, "tel:+8613800138000");
            let digits: String = w
                .text
                .chars()
                .filter_map(|c| c.to_digit(10).or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32)))
                .map(|d| char::from_digit(d, 10).unwrap())
                .collect();
            assert!(digits.ends_with("13800138000"), "{}", w.text);
        }
        let t = phone(&id, true, &mut rng);
        assert_ne!(t.key, "tel:+8613800138000");
        assert_eq!(t.key.len(), "tel:+8613800138000".len());
    }

    #[test]
    fn urls_and_apps() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let u = UrlId { host: "licai-app.top".into(), path: "/download".into(), query: vec![] };
        for _ in 0..20 {
            let w = url(&u, &mut rng);
            assert!(w.text.to_lowercase().contains("licai-app.top/download"), "{}", w.text);
        }
        assert_eq!(app("鑫汇理财", &mut rng).key, "app:鑫汇理财");
        assert_eq!(card_tail("6222021234567890128").text, "尾号0128");
        for seed in 0..20 {
            let text = amount(5_238_000, &mut ChaCha8Rng::seed_from_u64(seed));
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.starts_with("5238") || digits.starts_with("524"), "{text}");
        }
    }
}
