//! Detectors for identifiers written with letters: URLs, e-mail addresses, labelled ids, IP addresses and app names.

use std::sync::LazyLock;

use regex::Regex;

use super::Scan;
use crate::ident::{
    IdError, Identifier, normalize_alipay, normalize_app, normalize_imei, normalize_ip, normalize_qq, normalize_url,
    normalize_wechat,
};

/// Words that cannot be part of an unquoted app name; the name starts after the last of them.
const FUNCTION_WORDS: &[&str] = &[
    "我们",
    "你们",
    "他们",
    "您的",
    "我的",
    "你的",
    "并",
    "和",
    "及",
    "或",
    "这",
    "那",
    "该",
    "此",
    "的",
    "了",
    "好了",
    "相关",
    "最新版本",
    "最新版",
    "最新",
    "官方",
    "一个",
    "一款",
    "两个",
    "几个",
    "三个",
    "某个",
    "注册",
    "安装",
    "下载",
    "登录",
    "登陆",
    "打开",
    "使用",
    "指定",
    "特定",
    "我",
    "您",
    "你",
    "名为",
    "名叫",
    "叫",
    "到",
    "后",
    "再",
    "就",
    "然后",
    "成功",
    "这款",
    "账号",
    "信息",
    "应用",
    "提供",
    "公司",
    "其",
    "某",
    "对方",
    "虚假",
    "境外",
    "正规",
    "上述",
    "涉案",
    "诈骗",
    "多个",
    "各",
    "本",
];

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
                    r"(?i)(?:微信号|微信|wechat|vx|wx|威信|薇信)(?:号码|账号|号|id)?\s*(?:为|是)?\s*:?\s*(1[3-9]\d[ -]?\d{4}[ -]?\d{4}|wxid_[a-z0-9_-]{3,30}|[a-z][a-z0-9_-]{5,19}|\d{5,11})"
                ),
                normalize_wechat,
            ),
            (regex!(r"(?i)(?:qq|扣扣)(?:号码|账号|号)?\s*(?:为|是)?\s*:?\s*([1-9]\d{4,10})"), normalize_qq),
            (
                regex!(
                    r"(?i)(?:支付宝|alipay)(?:账号|账户|帐号|帐户|号)?\s*(?:为|是)?\s*:?\s*((?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4})"
                ),
                normalize_alipay,
            ),
            (regex!(r"(?i)(wxid_[a-z0-9_-]{3,30})"), normalize_wechat),
        ];
        for (re, normalize) in detectors {
            for c in re.captures_iter(self.text) {
                let (Some(all), Some(value)) = (c.get(0), c.get(1)) else { continue };
                let label_glued = self.before(all.start()).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_');
                let value_glued =
                    self.after(value.end()).is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
                let masked = value.as_str().chars().all(|ch| matches!(ch, 'x' | 'X' | '-' | '_'));
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

    pub(super) fn apps(&mut self) {
        // "APP名称：安心理财", "软件：《XX》": a label and a colon.
        let labelled = regex!(
            r#"(?i)(?:app|软件|平台|应用)(?:名称|名字|名)?\s*(?:为|是|叫)?\s*:\s*([“"「『《【]?[A-Za-z0-9\p{Han}]{2,16}[”"」』》】]?)"#
        );
        for c in labelled.captures_iter(self.text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else { continue };
            let glued = self.before(all.start()).is_some_and(|ch| ch.is_ascii_alphanumeric());
            if !glued && let Ok(id) = normalize_app(name.as_str()) {
                self.emit(name.range(), id);
            }
        }
        let quoted = regex!(
            r#"[“"「『《【]\s*([^“”"「」『』《》【】\n,.;!?:。，；：]{1,24}?)\s*[”"」』》】](?:\s*((?i:app)|软件|平台|客户端)|的((?i:app)|软件|平台|客户端))?"#
        );
        let trigger = regex!(r"(?:下载|安装|注册|登录|登陆|打开)(?:了|并安装|并注册|并登录)?(?:一个|一款|个|款)?\s*$");
        for c in quoted.captures_iter(self.text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else { continue };
            let end = match (c.get(2), c.get(3)) {
                (Some(_), _) => all.end(),
                (None, Some(_)) => name.end() + self.after(name.end()).map_or(0, char::len_utf8),
                (None, None) if trigger.is_match(self.window_before(all.start(), 8)) => all.end(),
                (None, None) => continue,
            };
            if let Ok(id) = normalize_app(name.as_str()) {
                self.emit(all.start()..end, id);
            }
        }
        let bare = regex!(
            r"(?:(?:下载|安装|登录|登陆|注册|打开)了?(?:一个|一款)?(?:名为|叫做|叫)?|(?:名为|名叫|叫做|叫))\s?([A-Za-z0-9\p{Han}]{2,12}?)\s?的?\s?((?i:app)|软件|客户端|平台)"
        );
        for c in bare.captures_iter(self.text) {
            let (Some(name), Some(suffix)) = (c.get(1), c.get(2)) else { continue };
            // "下载并安装我们的软视通APP": the name starts after the last function word or verb.
            let cut =
                FUNCTION_WORDS.iter().filter_map(|w| name.as_str().rfind(w).map(|at| at + w.len())).max().unwrap_or(0);
            let n = &name.as_str()[cut..];
            let name_start = name.start() + cut;
            if n.chars().count() < 2 {
                continue;
            }
            let latin_glued = suffix.as_str().eq_ignore_ascii_case("app")
                && suffix.as_str() != "APP"
                && n.ends_with(|ch: char| ch.is_ascii_alphanumeric())
                && name.end() == suffix.start();
            let platform_without_name_word = suffix.as_str() == "平台" && !c[0].contains(['名', '叫']);
            if n.starts_with("手机") || latin_glued || platform_without_name_word {
                continue;
            }
            if let Ok(id) = normalize_app(n) {
                self.emit(name_start..suffix.end(), id);
            }
        }
    }
}
