//! Detectors for identifiers written with letters: URLs, e-mail addresses, labelled ids and IP addresses.

use std::sync::LazyLock;

use regex::Regex;

use super::Scan;
use crate::ident::{
    IdError, Identifier, normalize_alipay, normalize_imei, normalize_ip, normalize_qq, normalize_url, normalize_wechat,
};

/// Common top-level domains accepted for URLs written without a scheme.
const TLDS: &[&str] = &[
    "com", "net", "org", "cn", "top", "xyz", "vip", "cc", "info", "biz", "me", "co", "io", "app", "site", "online",
    "shop", "club", "store", "tech", "wang", "ltd", "icu", "fun", "live", "pro", "asia", "tv", "hk", "tw", "mo", "us",
    "uk", "jp", "kr", "ru", "de", "fr", "in", "ws", "la", "pw", "link", "work", "win", "bid", "loan", "ink", "red",
    "kim", "cloud", "group", "space", "website", "life", "world", "today", "love", "ren", "xin", "mobi", "gov", "edu",
    "sg", "my", "ph", "th", "vn", "id", "kh", "mm", "cyou", "buzz", "monster", "vip", "games", "bet",
];

impl Scan<'_> {
    pub(super) fn urls_and_emails(&mut self) {
        let text = self.text;
        let scheme = regex!(r"(?i)(?:https?|hxxps?|ftp)://[A-Za-z0-9\-._~:/?#@!$&'*+;=%]+");
        for m in scheme.find_iter(text) {
            let s = m.as_str().trim_end_matches(['.', ':', ';', '!', '?', '\'', ']']);
            let r = m.start()..m.start() + s.len();
            if let Ok(id) = normalize_url(s) {
                self.emit(r, id);
            } else {
                self.claim(&r);
            }
        }
        let email = regex!(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}");
        for m in email.find_iter(text) {
            let r = m.range();
            if !self.free(&r) {
                continue;
            }
            let labelled = regex!(r"(?i)支付宝|alipay").is_match(self.window_before(m.start(), 12));
            match normalize_alipay(m.as_str()) {
                Ok(id) if labelled => self.emit(r, id),
                _ => self.claim(&r),
            }
        }
        // After 链接/网址/域名 any top-level domain is accepted.
        let labelled = regex!(
            r"(?i)(?:链接|网址|网站|域名|url)(?:地址)?\s*(?:为|是)?\s*:?\s*((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?::\d{1,5})?(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'*+;=%]*)?)"
        );
        for c in labelled.captures_iter(text) {
            let Some(m) = c.get(1) else { continue };
            let s = m.as_str().trim_end_matches(['.', ':', ';', '!', '?', '\'']);
            let r = m.start()..m.start() + s.len();
            let glued_after = self.after(r.end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !glued_after && let Ok(id) = normalize_url(s) {
                self.emit(r, id);
            }
        }
        static BARE: LazyLock<Regex> = LazyLock::new(|| {
            let mut tlds = TLDS.to_vec();
            tlds.sort_by_key(|t| std::cmp::Reverse(t.len()));
            let pattern = format!(
                r"(?i)(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{})(?::\d{{1,5}})?(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'*+;=%]*)?",
                tlds.join("|")
            );
            Regex::new(&pattern).expect("valid regex")
        });
        for m in BARE.find_iter(text) {
            let s = m.as_str().trim_end_matches(['.', ':', ';', '!', '?', '\'', ']']);
            let r = m.start()..m.start() + s.len();
            let glued_before = self.before(r.start).is_some_and(|c| c.is_ascii_alphanumeric() || "._@-/".contains(c));
            let glued_after = self.after(r.end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if glued_before || glued_after {
                continue;
            }
            if let Ok(id) = normalize_url(s) {
                self.emit(r, id);
            }
        }
    }

    pub(super) fn labelled_ids(&mut self) {
        type Normalizer = fn(&str) -> Result<Identifier, IdError>;
        let detectors: [(&Regex, Normalizer); 5] = [
            (
                regex!(
                    r"(?i)(?:imei|meid|串号|设备号|设备识别码)(?:号码|号|码)?\s*(?:为|是)?\s*:?\s*(\d(?:[ /-]?\d){13,15})"
                ),
                normalize_imei,
            ),
            (
                regex!(
                    r"(?i)(?:微信号|微信|wechat|vx|wx|v信|威信|薇信|徽信)\s?(?:号码|账号|号|id)?\s*(?:为|是)?\s*(?:[(\[【「“]\s*(?:号码|账号|号|id)?\s*:?|:)?\s*(1[3-9]\d[ -]?\d{4}[ -]?\d{4}|wxid_[a-z0-9_-]{3,30}|[a-z][a-z0-9_-]{5,19}|\d{5,11})"
                ),
                normalize_wechat,
            ),
            (
                regex!(
                    r"(?i)(?:qq|扣扣)\s?(?:号码|账号|号)?\s*(?:为|是)?\s*(?:[(\[【「“]\s*(?:号码|账号|号)?\s*:?|:)?\s*([1-9]\d{4,10})"
                ),
                normalize_qq,
            ),
            (
                regex!(
                    r"(?i)(?:支付宝|alipay)(?:账号|账户|帐号|帐户|号)?\s*(?:为|是)?\s*(?:[(\[【「“]\s*(?:账号|账户|帐号|帐户|号)?\s*:?|:)?\s*((?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4})"
                ),
                normalize_alipay,
            ),
            (regex!(r"(?i)(wxid_[a-z0-9_-]{3,30})"), normalize_wechat),
        ];
        for (re, normalize) in detectors {
            for c in re.captures_iter(self.text) {
                let (Some(all), Some(value)) = (c.get(0), c.get(1)) else { continue };
                // A Latin label glued to letters is part of a word or of the id itself (`wxid_…`, `vxabc`).
                let label_glued = self.before(all.start()).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                    || all.as_str().starts_with(|ch: char| ch.is_ascii_alphabetic())
                        && all.as_str()[..value.start() - all.start()].ends_with(|ch: char| ch.is_ascii_alphabetic())
                        && value.as_str().starts_with(|ch: char| ch.is_ascii_alphabetic());
                let value_glued = self
                    .after(value.end())
                    .is_some_and(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '*' | '×'));
                // Court texts mask ids: `XXX-XXXXXX`, `ROMExxxx`.
                let masked = value.as_str().chars().all(|ch| matches!(ch, 'x' | 'X' | '-' | '_'))
                    || value.as_str().to_ascii_lowercase().ends_with("xxx")
                    || ["wechat", "weixin"].contains(&value.as_str().to_ascii_lowercase().as_str());
                if label_glued || value_glued || masked {
                    continue;
                }
                if let Ok(id) = normalize(value.as_str()) {
                    self.emit(value.range(), id);
                }
            }
        }
    }

    pub(super) fn ips(&mut self) {
        let v4 = regex!(r"\d{1,3}(?:\.\d{1,3}){3}");
        let v6 = regex!(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}");
        for (re, v6) in [(v4, false), (v6, true)] {
            for m in re.find_iter(self.text) {
                let r = m.range();
                let glued_before =
                    self.before(r.start).is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == ':');
                let next = self.text[r.end..].chars().take(2).collect::<Vec<_>>();
                let glued_after = match next.as_slice() {
                    [c, ..] if c.is_ascii_alphanumeric() || *c == ':' => true,
                    ['.', d, ..] => d.is_ascii_digit(),
                    _ => false,
                };
                let s = m.as_str();
                let plausible_v6 = !v6
                    || (s.contains("::") || s.matches(':').count() == 7)
                        && s.chars().filter(char::is_ascii_hexdigit).count() >= 2;
                if glued_before || glued_after || !plausible_v6 {
                    continue;
                }
                if let Ok(id) = normalize_ip(s) {
                    self.emit(r, id);
                }
            }
        }
    }
}
