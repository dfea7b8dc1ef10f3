//! Extraction of identifiers from Chinese narrative text (victims' reports, court facts, SMS).
//!
//! The text is width-folded first (spans map back to the original bytes). Detectors run in a fixed order and each
//! claims the bytes it matched, so mentions never overlap:
//! 1. URLs with a scheme; e-mail addresses (emitted as Alipay only after a `支付宝` label, otherwise just claimed);
//!    URLs without scheme (`host.tld[/path]` with a TLD from a list of common ones, ASCII only, so they stop at CJK
//!    text and full-width punctuation; square brackets, commas and parentheses end a URL too).
//! 2. Labelled ids: `IMEI`/`串号` + 14–16 digits, `微信`/`微信号`/`wx`/`vx` + id, `QQ` + 5–11 digits,
//!    `支付宝` + mobile; bare `wxid_…`.
//! 3. IPv4 (dotted quad) and IPv6 (with `::` or 8 groups).
//! 4. Apps: a quoted name (“” "" 「」 『』 《》 【】) followed by `APP`/`软件`/`平台`/`客户端` (optionally after `的`) or
//!    preceded by `下载`/`安装`/`注册`/`登录`/`打开`/`名为`/`叫`; unquoted names between those verbs and an
//!    `APP`/`软件`/`客户端` suffix (pronouns and generic words such as 这个/该/手机 are not names).
//! 5. Partial cards: `尾号(为)1234`, `末四位1234`, masked `6222 **** **** 1234`, only when a bank word (卡, 银行,
//!    账户, 账号) is nearer than a phone word (手机, 电话, 号码) — `尾号1234的手机` is not a card.
//! 6. Digit runs (digits joined by single spaces or dashes, an optional leading `+`, `(+86)` or `(0xx)`), split at
//!    separators into the longest valid pieces:
//!    - skipped entirely when glued to Latin letters or `_.@=#%` (codes, versions), followed by a decimal point or a
//!      unit (元, 万, 年, 月, 日, 次, 人, % …), preceded by 第/¥/$, or when the nearest label before them is a
//!      non-identifier one (身份证, 证件号, 订单, 编号, 案号, 发票, 代码, 密码, 验证码 …);
//!    - an 18-digit (or 17 + X) number with a valid birth date and a valid ID check digit is a 身份证 number and is
//!      skipped;
//!    - phones: mobiles, landlines with area code, `+` international numbers (national length checked for common
//!      country codes; with `00` only common country codes), 400/800 numbers; 5–8-digit service numbers only after a phone word (电话, 拨打, 热线, 客服 …)
//!      or when they are well-known hotlines (96110, 12381, 12345, 10086, bank 95xxx …); longer 95 numbers are
//!      left out (in court texts they are mostly invoice or serial numbers);
//!    - cards: 16–19 digits after a card/account label, or unlabelled when they start with 3–6 and are written in
//!      one block or in groups of four; 12–15 digits only after a card/account label.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::card::card_from_digits;
use super::fold::Folded;
use super::phone::{PhoneClass, classify};
use super::{
    Identifier, normalize_alipay, normalize_app, normalize_card_tail, normalize_imei, normalize_ip, normalize_qq,
    normalize_url, normalize_wechat,
};

/// One identifier found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub id: Identifier,
    /// Byte range of the identifier's written form in the original text (labels excluded).
    pub span: Range<usize>,
}

/// Finds the identifiers written in `text`: non-overlapping, in text order. Never panics.
///
/// ```
/// use datasets::ident::extract;
/// let text = "对方电话：０２１－６２３４ ５６７８，让我下载“安心理财”APP，通过链接 www.anxin-lc.top/reg?utm_source=sms 注册，\
///             向尾号为8821的建设银行卡和卡号6222 0212 3456 7890 128转账5000元";
/// let keys: Vec<String> = extract(text).into_iter().map(|m| m.id.key).collect();
/// assert_eq!(keys, ["tel:+862162345678", "app:安心理财", "url:anxin-lc.top/reg", "cardtail:8821", "card:6222021234567890128"]);
/// ```
pub fn extract(text: &str) -> Vec<Mention> {
    let folded = Folded::new(text);
    let mut scan = Scan { text: &folded.text, taken: vec![false; folded.text.len()], found: Vec::new() };
    scan.urls_and_emails();
    scan.labelled_ids();
    scan.ips();
    scan.apps();
    scan.card_tails();
    scan.digit_runs();
    let mut found = scan.found;
    found.sort_by_key(|(r, _)| r.start);
    found.into_iter().map(|(r, id)| Mention { id, span: folded.original(r.start, r.end) }).collect()
}

/// Matches the pattern once, at first use.
macro_rules! regex {
    ($re:expr) => {{
        static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("valid regex"));
        &*RE
    }};
}

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

/// Characters that end a clause: labels are not looked for across them.
const CLAUSE_END: &[char] = &[',', '。', ';', '!', '?', '\n', '\r', '；', '，'];

/// Well-known hotlines, recognised without a phone word before them.
const HOTLINES: &[&str] = &[
    "96110", "12381", "12345", "12315", "12306", "12110", "10086", "10010", "95588", "95533", "95599", "95566",
    "95555", "95559", "95580", "95568", "95528", "95561", "95558", "95595", "95577", "95508", "95188", "95017",
];

/// Common top-level domains accepted for URLs written without a scheme.
const TLDS: &[&str] = &[
    "com", "net", "org", "cn", "top", "xyz", "vip", "cc", "info", "biz", "me", "co", "io", "app", "site", "online",
    "shop", "club", "store", "tech", "wang", "ltd", "icu", "fun", "live", "pro", "asia", "tv", "hk", "tw", "mo", "us",
    "uk", "jp", "kr", "ru", "de", "fr", "in", "ws", "la", "pw", "link", "work", "win", "bid", "loan", "ink", "red",
    "kim", "cloud", "group", "space", "website", "life", "world", "today", "love", "ren", "xin", "mobi", "gov", "edu",
    "sg", "my", "ph", "th", "vn", "id", "kh", "mm", "cyou", "buzz", "monster", "vip", "games", "bet",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    None,
    Skip,
    Card,
    Phone,
}

struct Scan<'a> {
    text: &'a str,
    taken: Vec<bool>,
    found: Vec<(Range<usize>, Identifier)>,
}

impl Scan<'_> {
    fn free(&self, r: &Range<usize>) -> bool {
        !self.taken[r.clone()].iter().any(|t| *t)
    }

    fn claim(&mut self, r: &Range<usize>) {
        self.taken[r.clone()].iter_mut().for_each(|t| *t = true);
    }

    /// Records `id` at `r` unless something else already holds those bytes.
    fn emit(&mut self, r: Range<usize>, id: Identifier) {
        if self.free(&r) {
            self.claim(&r);
            self.found.push((r, id));
        }
    }

    fn before(&self, at: usize) -> Option<char> {
        self.text[..at].chars().next_back()
    }

    fn after(&self, at: usize) -> Option<char> {
        self.text[at..].chars().next()
    }

    /// Up to `n` characters before `at`, not crossing a clause end.
    fn window_before(&self, at: usize, n: usize) -> &str {
        let head = &self.text[..at];
        let mut start = at;
        for (i, c) in head.char_indices().rev().take(n) {
            if CLAUSE_END.contains(&c) {
                break;
            }
            start = i;
        }
        &head[start..]
    }

    /// Up to `n` characters after `at`, not crossing a clause end.
    fn window_after(&self, at: usize, n: usize) -> &str {
        let tail = &self.text[at..];
        let mut end = 0;
        for (i, c) in tail.char_indices().take(n) {
            if CLAUSE_END.contains(&c) {
                break;
            }
            end = i + c.len_utf8();
        }
        &tail[..end]
    }

    /// The nearest label before `at` in the same clause.
    fn label_before(&self, at: usize) -> Label {
        let re = regex!(
            r"(?i)(?P<skip>身份证号码|身份证号|身份证|公民身份号码|证件号码|证件号|护照|订单号|订单|单号|编号|案号|流水号|代码|工号|学号|车牌|发票号码|发票号|发票|号段|批号|字第|邮编|邮政编码|车架号|发动机号|密码|验证码|保单|合同号|序列号|社保|医保|学籍)|(?P<card>银行卡号|银行卡|卡号|信用卡|储蓄卡|借记卡|账号|帐号|账户|帐户|卡)|(?P<phone>手机号码|手机号|手机|电话号码|电话|号码|来电|座机|致电|拨打|拨通|热线|客服|联系方式|回拨|tel|打给)"
        );
        let window = self.window_before(at, 12);
        match re.captures_iter(window).last() {
            None => Label::None,
            Some(c) if c.name("skip").is_some() => Label::Skip,
            Some(c) if c.name("card").is_some() => Label::Card,
            Some(_) => Label::Phone,
        }
    }

    fn urls_and_emails(&mut self) {
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

    fn labelled_ids(&mut self) {
        type Normalizer = fn(&str) -> Result<Identifier, super::IdError>;
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

    fn ips(&mut self) {
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

    fn apps(&mut self) {
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

    fn card_tails(&mut self) {
        let tail = regex!(r"(?:尾号|末尾|末四位|后四位|末4位|后4位)(?:数字|号码)?(?:为|是)?\s*:?\s*(\d{3,6})");
        let masked = regex!(r"[3-6]\d{3,5}[ -]?(?:[*×xX][ -]?){4,12}(\d{4})");
        let bank = regex!(r"(?P<card>卡|银行|账户|帐户|账号|帐号)|(?P<phone>手机|电话|号码|来电|微信|QQ|qq)");
        for (re, needs_context) in [(tail, true), (masked, false)] {
            for c in re.captures_iter(self.text) {
                let (Some(all), Some(digits)) = (c.get(0), c.get(1)) else { continue };
                if self.after(digits.end()).is_some_and(|ch| ch.is_ascii_digit())
                    || self.before(all.start()).is_some_and(|ch| ch.is_ascii_digit())
                {
                    continue;
                }
                let is_card = !needs_context || {
                    let after = bank.captures(self.window_after(digits.end(), 10));
                    let before = || bank.captures_iter(self.window_before(all.start(), 10)).last();
                    match after.or_else(before) {
                        Some(c) => c.name("card").is_some(),
                        None => false,
                    }
                };
                if is_card && let Ok(id) = normalize_card_tail(digits.as_str()) {
                    self.emit(digits.range(), id);
                } else {
                    self.claim(&digits.range());
                }
            }
        }
    }

    fn digit_runs(&mut self) {
        let run = regex!(r"(?:\(\+\d{1,3}\) ?|\+ ?)?(?:\( ?0\d{2,3} ?\) ?)?\d(?:[ -]?\d)*");
        for m in run.find_iter(self.text) {
            let r = m.range();
            if !self.free(&r) {
                continue;
            }
            self.digit_run(r);
        }
    }

    fn digit_run(&mut self, r: Range<usize>) {
        let s = &self.text[r.clone()];
        let plus = s.contains('+');
        let mut groups: Vec<Range<usize>> = Vec::new();
        for (i, ch) in s.char_indices() {
            let at = r.start + i;
            if ch.is_ascii_digit() {
                match groups.last_mut() {
                    Some(g) if g.end == at => g.end = at + 1,
                    _ => groups.push(at..at + 1),
                }
            }
        }
        let next2: Vec<char> = self.text[r.end..].chars().take(2).collect();
        let prev = self.before(r.start);
        let glued_before = prev
            .is_some_and(|c| c.is_ascii_alphabetic() || "_.@=#%\\".contains(c) || c == '¥' || c == '$' || c == '第');
        let unit = |c: &char| "元万亿块角%年月日时分秒次人个件笔吨克斤公米辆台部倍岁期楼层室栋余多".contains(*c);
        let glued_after = match next2.as_slice() {
            ['X' | 'x', ..] => {
                // 17 digits + X is an ID number; any other letter glues the run to a code.
                let digits: usize = groups.iter().map(|g| g.len()).sum();
                if digits == 17 {
                    self.claim(&(r.start..r.end + 1));
                    return;
                }
                true
            }
            // Letters glue the run to a code; masks (`622700381113020****`) hide the rest of a number.
            [c, ..] if c.is_ascii_alphabetic() || *c == '_' || *c == '*' || *c == '×' || unit(c) => true,
            ['.', d, ..] => d.is_ascii_digit(),
            _ => false,
        };
        let amount_before = self.window_before(r.start, 3).ends_with("人民币");
        let label = self.label_before(r.start);
        if glued_before || glued_after || amount_before || label == Label::Skip {
            self.claim(&r);
            return;
        }
        let mut i = 0;
        while i < groups.len() {
            let mut best = None;
            for j in (i..groups.len()).rev() {
                let digits: String = groups[i..=j].iter().map(|g| &self.text[g.clone()]).collect();
                if digits.len() > 20 {
                    continue;
                }
                if let Some(verdict) = self.judge(&digits, plus && i == 0, &groups[i..=j], label) {
                    best = Some((j, verdict));
                    break;
                }
            }
            match best {
                Some((j, verdict)) => {
                    let start = if i == 0 { r.start } else { groups[i].start };
                    let span = start..groups[j].end;
                    match verdict {
                        Some(id) => self.emit(span, id),
                        None => self.claim(&span),
                    }
                    i = j + 1;
                }
                None => i += 1,
            }
        }
        self.claim(&r);
    }

    /// `Some(Some(id))`: an identifier; `Some(None)`: a number to skip (an ID-card number); `None`: not valid.
    fn judge(&self, digits: &str, plus: bool, groups: &[Range<usize>], label: Label) -> Option<Option<Identifier>> {
        if digits.len() == 18 && is_id_card(digits) {
            return Some(None);
        }
        if let Some((value, class)) = classify(plus, digits) {
            let accept = match class {
                PhoneClass::Mobile | PhoneClass::Landline => true,
                // 95 + 6 digits is too easily an invoice or serial number in running text.
                PhoneClass::Service => match digits.len() {
                    10 => true,
                    5 => label == Label::Phone || HOTLINES.contains(&digits),
                    _ => false,
                },
                // Written with 00 the country code must be a common one: "00235311-00235810" is a range of
                // invoice numbers, not a call to Chad.
                PhoneClass::International => international_length_ok(value.trim_start_matches('+'), !plus),
            };
            if accept {
                return Some(Some(Identifier::new(super::IdKind::Phone, &value)));
            }
        }
        if plus {
            return None;
        }
        let first = digits.as_bytes()[0];
        let card_shape =
            groups.len() == 1 || groups[..groups.len() - 1].iter().all(|g| g.len() == 4) || groups[0].len() == 6;
        let accept = match digits.len() {
            16..=19 => card_shape && (label == Label::Card || (b'3'..=b'6').contains(&first)),
            12..=15 => card_shape && label == Label::Card,
            _ => false,
        };
        if accept { card_from_digits(digits).map(Some) } else { None }
    }
}

/// An 18-digit mainland ID number: a plausible birth date and a valid ISO 7064 check digit.
fn is_id_card(d: &str) -> bool {
    let b = d.as_bytes();
    let num = |r: Range<usize>| d[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(6..10), num(10..12), num(12..14));
    if !(1900..=2099).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(c, w)| u32::from(c - b'0') * w).sum();
    b[17] == b"10X98765432"[(sum % 11) as usize]
}

/// Whether the national part of an international number has the length its country code uses (unknown codes:
/// any E.164 length).
fn international_length_ok(e164: &str, known_code_only: bool) -> bool {
    const LENGTHS: &[(&str, usize, usize)] = &[
        ("852", 8, 8),
        ("853", 8, 8),
        ("886", 9, 9),
        ("855", 8, 9),
        ("856", 8, 10),
        ("971", 9, 9),
        ("1", 10, 10),
        ("7", 10, 10),
        ("44", 10, 10),
        ("49", 10, 11),
        ("33", 9, 9),
        ("39", 9, 10),
        ("61", 9, 9),
        ("60", 9, 10),
        ("62", 9, 12),
        ("63", 10, 10),
        ("64", 8, 10),
        ("65", 8, 8),
        ("66", 9, 9),
        ("81", 9, 10),
        ("82", 9, 10),
        ("84", 9, 10),
        ("95", 8, 10),
        ("90", 10, 10),
    ];
    for len in [3, 2, 1] {
        let Some(cc) = e164.get(..len) else { continue };
        if let Some(&(_, min, max)) = LENGTHS.iter().find(|(c, _, _)| *c == cc) {
            return (min..=max).contains(&(e164.len() - len));
        }
    }
    !known_code_only && (8..=15).contains(&e164.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        extract(text).into_iter().map(|m| m.id.key).collect()
    }

    #[test]
    fn finds_labelled_and_written_forms() {
        let cases: &[(&str, &[&str])] = &[
            ("手机号：138 0013 8000", &["tel:+8613800138000"]),
            ("对方电话：０２１－６２３４ ５６７８", &["tel:+862162345678"]),
            ("添加QQ：83412907后", &["qq:83412907"]),
            ("微信号：lc_888a，", &["wechat:lc_888a"]),
            ("支付宝账号 13912345678", &["alipay:13912345678"]),
            ("IMEI 35-209900-176148-1", &["imei:352099001761481"]),
            ("登录IP 192.168.1.10。", &["ip:192.168.1.10"]),
            ("向尾号为8821的建设银行卡转账", &["cardtail:8821"]),
            ("通过“XX理财”APP投资", &["app:xx理财"]),
            ("下载了安心理财APP", &["app:安心理财"]),
            ("让我下载一个叫金多多的软件", &["app:金多多"]),
            ("打开https://t.cn/A6x?spm=1看看", &["url:t.cn/A6x"]),
            ("请拨打客服热线95588咨询", &["tel:95588"]),
            ("被害人拨打96110报警", &["tel:96110"]),
            ("请联系400-800-1234", &["tel:4008001234"]),
            ("香港号码+852 9123 4567联系", &["tel:+85291234567"]),
            ("电话13800138000、13912345678", &["tel:+8613800138000", "tel:+8613912345678"]),
            ("收款账户6217003010000045", &["card:6217003010000045"]),
            ("卡号6222 **** **** 0128", &["cardtail:0128"]),
            ("用自己的13188003463号码打电话", &["tel:+8613188003463"]),
            ("邮箱zhang.san@qq.com联系", &[]),
            ("支付宝账号zhang.san@qq.com", &["alipay:zhang.san@qq.com"]),
            ("[url]https://www.baidu-sn.com/[/url]", &["url:baidu-sn.com"]),
            ("网址http：／／216.218.246.36），并", &["url:216.218.246.36"]),
            ("点击u.10010.cn/qAAp9，回复TD退订", &["url:u.10010.cn/qAAp9"]),
        ];
        for (text, want) in cases {
            assert_eq!(keys(text), *want, "{text}");
        }
    }

    #[test]
    fn skips_numbers_that_are_not_identifiers() {
        for text in [
            "转账5000元",
            "共计13800138000元",
            "2019年10月8日13时许",
            "2019-10-08",
            "身份证号码为110101199003074514",
            "身份证：11010119900307451X",
            "公民身份号码110101199003074514的",
            "发票代码137161320043，号码为01234567",
            "（2019）京0105刑初1234号",
            "案号K15052300000220",
            "价值4743.50元",
            "尾号为1234的手机",
            "手机尾号8000",
            "订单号6222021234567890128",
            "验证码123456",
            "版本v1.2.3.4",
            "138****8000",
            "通过“微信”添加好友",
            "下载这个APP",
            "编号13800138000",
            "12399",
            "8888888888888888",
            "号码为00235311-00235810共计500份",
            "赊购玉米10000公斤",
            "透支10000多元",
            "发送短信12000余条",
            "实在不行10000吧",
            "致电商0215897463",
            "账户4382386元（5000000-7720180×8%）",
            "卡号为622700381113020＊＊＊＊",
            "微信号：XXX-XXXXXX",
        ] {
            assert_eq!(keys(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn spans_cover_the_written_form_in_the_original_text() {
        let text = "电话：＋８６ １３８ ００１３ ８０００，链接www.anxin-lc.top/reg。";
        let found = extract(text);
        let spans: Vec<&str> = found.iter().map(|m| &text[m.span.clone()]).collect();
        assert_eq!(spans, ["＋８６ １３８ ００１３ ８０００", "www.anxin-lc.top/reg"]);
    }

    #[test]
    fn id_cards() {
        assert!(is_id_card("110101199003074514"));
        assert!(!is_id_card("110101199003074515"));
        assert!(is_id_card("11010519491231002X"));
        assert!(!is_id_card("622202123456789012"));
    }
}
