//! Random identifiers with their expected keys, written in the many forms people use (for property tests).

use datasets::ident::IdKind;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Where the written form will appear: a column value (any separators) or running text (spaces and dashes only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Column,
    Prose,
}

/// One identifier: its expected key and Luhn flag, and one written form.
#[derive(Debug, Clone)]
pub struct Written {
    pub kind: IdKind,
    pub key: String,
    pub luhn_failed: bool,
    pub raw: String,
}

pub fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs.choose(rng).copied().unwrap_or_default()
}

/// Full-width forms of ASCII characters, each with probability `p`.
pub fn widen(rng: &mut ChaCha8Rng, s: &str, p: f64) -> String {
    s.chars()
        .map(|c| {
            if ('!'..='~').contains(&c) && rng.gen_bool(p) { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }
        })
        .collect()
}

/// `s` with a separator from `seps` inserted in each gap with probability `p`.
fn sprinkle(rng: &mut ChaCha8Rng, s: &str, seps: &[&str], p: f64) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && rng.gen_bool(p) {
            out.push_str(pick(rng, seps));
        }
        out.push(c);
    }
    out
}

/// Digits split into groups of the given sizes joined by one separator.
fn grouped(s: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in sizes {
        let end = (at + n).min(s.len());
        if at < end {
            out.push(&s[at..end]);
        }
        at = end;
    }
    if at < s.len() {
        out.push(&s[at..]);
    }
    out.join(sep)
}

fn luhn_digit(body: &str) -> char {
    (b'0'..=b'9').map(char::from).find(|d| luhn_ok(&format!("{body}{d}"))).unwrap_or('0')
}

pub fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn written(kind: IdKind, key: String, raw: String) -> Written {
    Written { kind, key, luhn_failed: false, raw }
}

pub fn mobile_number(rng: &mut ChaCha8Rng) -> String {
    format!("1{}{}", rng.gen_range(3..10), digits(rng, 9))
}

pub fn mobile(rng: &mut ChaCha8Rng, style: Style) -> Written {
    let n = mobile_number(rng);
    let key = format!("tel:+86{n}");
    let raw = match style {
        Style::Column => {
            let prefix = pick(rng, &["", "", "+86", "+86 ", "0086", "0086-", "86", "(+86)", "+86-", "+86 (0)"]);
            let body = sprinkle(rng, &n, &[" ", "-", "."], 0.25);
            widen(rng, &format!("{prefix}{body}"), 0.3)
        }
        Style::Prose => {
            let prefix = pick(rng, &["", "", "", "+86 ", "+86", "0086 ", "86-", "(+86)"]);
            let sep = pick(rng, &[" ", "-"]);
            let body = match rng.gen_range(0..4) {
                0 | 1 => n.clone(),
                2 => grouped(&n, &[3, 4, 4], sep),
                _ => grouped(&n, &[3, 8], sep),
            };
            if rng.gen_bool(0.2) {
                // Typed with a full-width input method: full-width digits and ideographic spaces.
                widen(rng, &format!("{prefix}{body}"), 1.0).replace(' ', "\u{3000}")
            } else {
                format!("{prefix}{body}")
            }
        }
    };
    written(IdKind::Phone, key, raw)
}

pub fn landline(rng: &mut ChaCha8Rng, style: Style) -> Written {
    let area = pick(
        rng,
        &[
            "10", "20", "21", "22", "23", "24", "25", "27", "28", "29", "311", "351", "371", "431", "512", "571",
            "591", "755", "769", "898",
        ],
    );
    let local_len = if area.len() == 2 { 8 } else { rng.gen_range(7..=8) };
    let local = format!("{}{}", rng.gen_range(2..9), digits(rng, local_len - 1));
    let key = format!("tel:+86{area}{local}");
    let sep = pick(rng, &["-", " ", ""]);
    let local_written =
        if rng.gen_bool(0.4) { grouped(&local, &[local_len - 4], pick(rng, &[" ", "-"])) } else { local.clone() };
    let raw = match rng.gen_range(0..5) {
        0 => format!("(0{area}){local_written}"),
        1 if style == Style::Column => format!("+86 (0){area} {local_written}"),
        1 => format!("+86 {area} {local_written}"),
        2 => format!("0086-{area}-{local}"),
        _ => format!("0{area}{sep}{local_written}"),
    };
    let p = if rng.gen_bool(0.3) { 1.0 } else { 0.0 };
    written(IdKind::Phone, key, widen(rng, &raw, p))
}

pub fn service(rng: &mut ChaCha8Rng) -> Written {
    if rng.gen_bool(0.5) {
        let n = pick(rng, &["95588", "95533", "96110", "12345", "12381", "10086", "95555"]).to_string();
        return written(IdKind::Phone, format!("tel:{n}"), n);
    }
    let n = format!("{}{}", pick(rng, &["400", "800"]), digits(rng, 7));
    let sep = pick(rng, &["-", " ", ""]);
    let raw = if rng.gen_bool(0.5) { grouped(&n, &[3, 3, 4], sep) } else { grouped(&n, &[3, 4, 3], sep) };
    written(IdKind::Phone, format!("tel:{n}"), raw)
}

pub fn overseas(rng: &mut ChaCha8Rng) -> Written {
    let (cc, national, groups): (&str, String, &[usize]) = match rng.gen_range(0..5) {
        0 => ("852", format!("{}{}", pick(rng, &["5", "6", "9"]), digits(rng, 7)), &[4, 4]),
        1 => (
            "1",
            format!("{}{}{}{}", rng.gen_range(2..10), digits(rng, 2), rng.gen_range(2..10), digits(rng, 6)),
            &[3, 3, 4],
        ),
        2 => ("44", format!("20{}", digits(rng, 8)), &[2, 4, 4]),
        3 => ("886", format!("9{}", digits(rng, 8)), &[3, 3, 3]),
        _ => ("65", format!("{}{}", pick(rng, &["8", "9"]), digits(rng, 7)), &[4, 4]),
    };
    let key = format!("tel:+{cc}{national}");
    let sep = pick(rng, &[" ", "-"]);
    let body = if rng.gen_bool(0.3) { national.clone() } else { grouped(&national, groups, sep) };
    let raw = if rng.gen_bool(0.8) { format!("+{cc} {body}") } else { format!("00{cc} {body}") };
    written(IdKind::Phone, key, raw)
}

pub fn card(rng: &mut ChaCha8Rng, style: Style) -> Written {
    let len = *[16usize, 16, 17, 18, 19, 19].choose(rng).unwrap_or(&16);
    let bin = pick(rng, &["62", "62", "62", "4", "5", "60"]);
    let body = format!("{bin}{}", digits(rng, len - 1 - bin.len()));
    let check = luhn_digit(&body);
    let fail = rng.gen_bool(0.1);
    let check = if fail { char::from(b'0' + (check as u8 - b'0' + rng.gen_range(1..10)) % 10) } else { check };
    let n = format!("{body}{check}");
    let key = format!("card:{n}");
    let raw = match style {
        Style::Column => {
            let s = sprinkle(rng, &n, &[" ", "-"], 0.2);
            widen(rng, &s, 0.3)
        }
        Style::Prose => {
            let s = if rng.gen_bool(0.5) { n.clone() } else { grouped(&n, &[4, 4, 4, 4], pick(rng, &[" ", "-"])) };
            let p = if rng.gen_bool(0.2) { 1.0 } else { 0.0 };
            widen(rng, &s, p)
        }
    };
    Written { kind: IdKind::BankCard, key, luhn_failed: fail, raw }
}

pub fn card_tail(rng: &mut ChaCha8Rng) -> Written {
    let tail = digits(rng, 4);
    written(IdKind::PartialCard, format!("cardtail:{tail}"), tail)
}

pub fn url(rng: &mut ChaCha8Rng) -> Written {
    let alnum = |rng: &mut ChaCha8Rng, n: usize| -> String {
        (0..n).map(|_| *b"abcdefghijkmnpqrstuvwxyzABCDEFGH23456789".choose(rng).unwrap_or(&b'a') as char).collect()
    };
    let word = pick(
        rng,
        &["anxin", "licai", "jinduoduo", "huitong", "lucky", "xinsheng", "baoying", "caifu", "hengxin", "youxuan"],
    );
    let host = format!(
        "{}{word}{}{}.{}",
        pick(rng, &["", "", "m.", "h5.", "app."]),
        pick(rng, &["", "-lc", "-app", "88", "-vip"]),
        pick(rng, &["", "", "2"]),
        pick(rng, &["top", "com", "cn", "vip", "xyz", "cc", "net", "com.cn", "site"])
    );
    let path = match rng.gen_range(0..5) {
        0 => String::new(),
        1 => "/reg".to_string(),
        2 => "/download".to_string(),
        3 => format!("/d/{}", alnum(rng, 6)),
        _ => format!("/{}/index.html", alnum(rng, 3)),
    };
    let mut kept: Vec<String> = Vec::new();
    for _ in 0..rng.gen_range(0..3) {
        let name = pick(rng, &["id", "code", "invite", "uid", "ref"]);
        let len = rng.gen_range(1..7);
        let p = format!("{name}={}", alnum(rng, len));
        if !kept.contains(&p) && !kept.iter().any(|k| k.split('=').next() == p.split('=').next()) {
            kept.push(p);
        }
    }
    let mut params = kept.clone();
    for _ in 0..rng.gen_range(0..3) {
        params.push(format!(
            "{}={}",
            pick(rng, &["utm_source", "utm_medium", "spm", "from", "share_token", "fbclid"]),
            alnum(rng, 4)
        ));
    }
    params.shuffle(rng);
    kept.sort();
    let mut key = format!("url:{host}{path}");
    if !kept.is_empty() {
        key.push('?');
        key.push_str(&kept.join("&"));
    }
    let written_host: String =
        host.chars().map(|c| if rng.gen_bool(0.2) { c.to_ascii_uppercase() } else { c }).collect();
    let scheme = pick(rng, &["", "", "http://", "https://", "HTTPS://"]);
    let www = if host.matches('.').count() == 1 && rng.gen_bool(0.4) { "www." } else { "" };
    let port = if !scheme.is_empty() && rng.gen_bool(0.1) {
        if scheme.starts_with("http:") { ":80" } else { ":443" }
    } else {
        ""
    };
    let slash = if rng.gen_bool(0.3) { "/" } else { "" };
    let query = if params.is_empty() { String::new() } else { format!("?{}", params.join("&")) };
    let raw = format!("{scheme}{www}{written_host}{port}{path}{slash}{query}");
    written(IdKind::Url, key, raw)
}

/// How an app name is written, which decides the sentences it can stand in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppForm {
    /// A quoted name followed by APP/软件/平台/客户端: recognisable anywhere.
    Standalone,
    /// A quoted name alone or an unquoted name + APP: recognisable after a verb such as 下载.
    AfterVerb,
    /// The bare name: recognisable in "一个叫…的APP".
    Named,
}

/// An app name and one written form.
pub fn app(rng: &mut ChaCha8Rng) -> (Written, AppForm) {
    let head = pick(
        rng,
        &[
            "安心",
            "金多多",
            "鑫盛",
            "汇通",
            "聚财",
            "XX",
            "Lucky",
            "优选",
            "宝盈",
            "恒信",
            "易借",
            "速贷",
            "云端",
            "智投",
            "MT",
        ],
    );
    let tail =
        pick(rng, &["理财", "投资", "借款", "商城", "钱包", "金融", "Pro", "宝", "贷", "证券", "5", "会议", "投屏"]);
    let name = format!("{head}{tail}");
    let key = format!("app:{}", name.to_lowercase());
    let p = if rng.gen_bool(0.2) { 1.0 } else { 0.0 };
    let shown = widen(rng, &name, p);
    if rng.gen_bool(0.15) {
        return (written(IdKind::App, key, shown), AppForm::Named);
    }
    let quotes = *[("“", "”"), ("《", "》"), ("「", "」"), ("【", "】"), ("\"", "\""), ("", "")]
        .choose(rng)
        .unwrap_or(&("", ""));
    let suffix = pick(rng, &["APP", "App", "app", "软件", "平台", "客户端", ""]);
    let latin_glued = suffix.eq_ignore_ascii_case("app")
        && suffix != "APP"
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && quotes.0.is_empty();
    let suffix =
        if latin_glued || (quotes.0.is_empty() && suffix.is_empty()) || (quotes.0.is_empty() && suffix == "平台") {
            "APP"
        } else {
            suffix
        };
    let raw = format!("{}{shown}{}{suffix}", quotes.0, quotes.1);
    let form = if !quotes.0.is_empty() && !suffix.is_empty() { AppForm::Standalone } else { AppForm::AfterVerb };
    (written(IdKind::App, key, raw), form)
}

pub fn wechat(rng: &mut ChaCha8Rng) -> Written {
    let id = if rng.gen_bool(0.2) {
        format!("wxid_{}", digits(rng, 4) + &"abcdefgh"[..rng.gen_range(2..8)])
    } else {
        loop {
            let first = *b"abcdefghijklmnopqrstuvwxyz".choose(rng).unwrap_or(&b'a') as char;
            let rest: String = (0..rng.gen_range(5..14))
                .map(|_| *b"abcdefghijklmnopqrstuvwxyz0123456789_-".choose(rng).unwrap_or(&b'a') as char)
                .collect();
            // "微信id85561" reads as the label "微信id" and the number-bound id 85561, as the extractor reads it:
            // an id starting with "id" is ambiguous after "微信", so none is planted.
            if !(first == 'i' && rest.starts_with('d')) {
                break format!("{first}{rest}");
            }
        }
    };
    let shown: String = id.chars().map(|c| if rng.gen_bool(0.2) { c.to_ascii_uppercase() } else { c }).collect();
    written(IdKind::Wechat, format!("wechat:{id}"), shown)
}

pub fn qq(rng: &mut ChaCha8Rng) -> Written {
    let (first, len) = (rng.gen_range(1..10), rng.gen_range(4..11));
    let n = format!("{first}{}", digits(rng, len));
    written(IdKind::Qq, format!("qq:{n}"), n)
}

pub fn alipay(rng: &mut ChaCha8Rng) -> Written {
    if rng.gen_bool(0.7) {
        let n = mobile_number(rng);
        let raw = if rng.gen_bool(0.5) { n.clone() } else { grouped(&n, &[3, 4, 4], pick(rng, &[" ", "-"])) };
        written(IdKind::Alipay, format!("alipay:{n}"), raw)
    } else {
        let user = format!("{}{}", pick(rng, &["zhang", "li.si", "wang_wu", "chen"]), digits(rng, 3));
        let domain = pick(rng, &["qq.com", "163.com", "126.com", "sina.com", "gmail.com"]);
        let email = format!("{user}@{domain}");
        let shown: String = email.chars().map(|c| if rng.gen_bool(0.2) { c.to_ascii_uppercase() } else { c }).collect();
        written(IdKind::Alipay, format!("alipay:{email}"), shown)
    }
}

pub fn ip(rng: &mut ChaCha8Rng) -> Written {
    if rng.gen_bool(0.8) {
        let ip = std::net::Ipv4Addr::from(rng.r#gen::<u32>());
        return written(IdKind::Ip, format!("ip:{ip}"), ip.to_string());
    }
    let mut segs = [0u16; 8];
    segs[0] = 0x2001;
    segs[1] = 0xdb8;
    for s in segs.iter_mut().skip(2) {
        *s = if rng.gen_bool(0.4) { 0 } else { rng.r#gen() };
    }
    let ip = std::net::Ipv6Addr::from(segs);
    let raw = if rng.gen_bool(0.5) {
        ip.to_string().to_uppercase()
    } else {
        segs.iter().map(|s| format!("{s:04x}")).collect::<Vec<_>>().join(":")
    };
    written(IdKind::Ip, format!("ip:{ip}"), raw)
}

pub fn imei(rng: &mut ChaCha8Rng) -> Written {
    let body = format!("35{}", digits(rng, 12));
    let n = format!("{body}{}", luhn_digit(&body));
    let raw = match rng.gen_range(0..3) {
        0 => n.clone(),
        1 => grouped(&n, &[2, 6, 6], "-"),
        _ => grouped(&n, &[2, 6, 6], " "),
    };
    written(IdKind::Imei, format!("imei:{n}"), raw)
}

/// A valid 18-character mainland ID number (a distractor that must never become a card).
pub fn id_card(rng: &mut ChaCha8Rng) -> String {
    let area = pick(rng, &["110101", "310104", "440305", "330106", "510107", "420102"]);
    let body = format!(
        "{area}{}{:02}{:02}{}",
        rng.gen_range(1940..2006),
        rng.gen_range(1..13),
        rng.gen_range(1..29),
        digits(rng, 3)
    );
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(c, w)| u32::from(c - b'0') * w).sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}
