//! Extraction of identifiers from Chinese narrative text (victims' reports, court facts, SMS).
//!
//! The text is width-folded first (spans map back to the original bytes). Detectors run in a fixed order and each
//! claims the bytes it matched, so mentions never overlap:
//! 1. URLs with a scheme; e-mail addresses (emitted as Alipay only after a `支付宝` label, otherwise just claimed);
//!    URLs without scheme after `链接`/`网址`/`网站`/`域名` (any TLD), then anywhere (`host.tld[/path]` with a TLD
//!    from a list of common ones). URLs are ASCII, so they stop at CJK text and full-width punctuation; square
//!    brackets, commas and parentheses end a URL too.
//! 2. Labelled ids: `IMEI`/`串号` + 14–16 digits, `微信`/`微信号`/`wx`/`vx`/`v信`/`薇信` + id (also in brackets:
//!    `微信（Amy41195）`), `QQ` + 5–11 digits, `支付宝` + mobile; bare `wxid_…`. A Latin label glued to a Latin id
//!    is no label (`wxid_ab12` is not `wx` + `id_ab12`).
//! 3. IPv4 (dotted quad) and IPv6 (with `::` or 8 groups).
//! 4. Apps (`extract/apps`): after a label and a colon (`APP名称：…`, `软件：《…》`); a quoted name (“” "" 「」 『』
//!    《》 【】) followed by `APP`/`软件`/`平台`/`客户端` (optionally after `的`); a quoted name of 2–10 characters
//!    without a suffix in an app context: after `下载`/`安装`/`装了`/`登录`/`打开`/`注册`/`开通`, or after
//!    `在`/`用`/`通过`/`给`/`自称`/`进入` … with `上`/`里`/`店铺`/`直播间`/`会员`/`账号`/`客服` after it; for 《》 and 「」
//!    also after `通过`/`用` alone, or before `店铺`/`客服`/`会员` … (`《淘宝》的“百万保障”会员`), or `在《…》开户/充值`.
//!    Titles ending like documents, laws, newspapers or places (《借款合同》, 《刑法》, 《XX日报》, “XX酒店”, “XX论坛”)
//!    are never apps. Unquoted names between `下载`/`安装`/… or `名为`/`叫` and an `APP`/`软件`/`客户端` suffix; and
//!    the letters and CJK characters right before `APP`/`App`/`app`/`客户端` (`在拼多多APP上`, `装了微信APP`), cut
//!    after the last verb, preposition or function word, 2–10 characters, not a kind of app (理财APP, 聊天APP).
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
//!    - cards: 12–19 digits written in one block, in groups of four, or as a 6-digit BIN and the rest; 16–19 digits
//!      need a card/account label or a first digit 3–6 (UnionPay, Visa, Mastercard, Amex/JCB); 12–15 digits need
//!      the label;
//!    - IMEIs without a label: 15 digits in one block or grouped as IMEIs are (2-6-6-1, 6-2-6-1, 8-6-1), with a
//!      reporting-body prefix in use (35, 86, 01, 99 …) and a valid Luhn digit, unless shaped like a 15-digit
//!      first-generation ID number; tried after phones and cards, so they take no reading from them.

use std::ops::Range;

use super::Identifier;
use super::fold::Folded;

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

/// A regex compiled once, at first use, for the call site (the patterns are literals checked by the tests).
macro_rules! regex {
    ($re:expr) => {{
        static RE: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new($re).expect("valid regex"));
        &*RE
    }};
}

mod apps;
mod digits;
mod text;

/// Characters that end a clause: labels are not looked for across them.
const CLAUSE_END: &[char] = &[',', '。', ';', '!', '?', '\n', '\r', '；', '，'];

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
            ("网址：abc-lc.finance/reg，", &["url:abc-lc.finance/reg"]),
            ("APP名称：安心理财，", &["app:安心理财"]),
            ("软件：《金多多》。", &["app:金多多"]),
            ("网址http：／／216.218.246.36），并", &["url:216.218.246.36"]),
            ("点击u.10010.cn/qAAp9，回复TD退订", &["url:u.10010.cn/qAAp9"]),
            // Unquoted names right before APP, after a verb, a preposition or a punctuation mark.
            ("在拼多多APP上看到兼职广告", &["app:拼多多"]),
            ("随后在国家反诈中心APP上进行了举报。", &["app:国家反诈中心"]),
            ("之前手机上装了微信APP但没有注意", &["app:微信"]),
            ("说是给支付宝APP店铺刷信誉", &["app:支付宝"]),
            ("通过快手App认识", &["app:快手"]),
            ("后来让我在恒课堂APP里做任务", &["app:恒课堂"]),
            ("。OKpro APP显示盈利", &["app:okpro"]),
            ("详情请查询农行APP", &["app:农行"]),
            // Quoted names without a suffix, in an app context.
            ("之前手机上装了《淘宝》但没有注意", &["app:淘宝"]),
            ("孩子在《微信》上看到免费领皮肤", &["app:微信"]),
            ("说是给《淘宝》店铺刷信誉", &["app:淘宝"]),
            ("对方称我开通了《淘宝》的“百万保障”会员", &["app:淘宝"]),
            ("对方让下载《华理财》做任务", &["app:华理财"]),
            ("通过《快手》联系到卖二手相机的人", &["app:快手"]),
            ("接到自称「支付宝」客服的电话", &["app:支付宝"]),
            ("在“支付宝”上付款", &["app:支付宝"]),
            // WeChat ids in brackets and after vx / v信 / 薇信; `wxid_` is never a `wx` label.
            ("加了业务员微信（Amy41195），一开始", &["wechat:amy41195"]),
            ("对方用微信(tz80436)联系我", &["wechat:tz80436"]),
            ("加了助理vx：Grace-78287，进群", &["wechat:grace-78287"]),
            ("加V信：lucky_8888", &["wechat:lucky_8888"]),
            ("薇信 kefu95592 联系", &["wechat:kefu95592"]),
            ("加了客服微信（wxid_mmypoxhyir），", &["wechat:wxid_mmypoxhyir"]),
            ("wx:wxid_ab12cd34", &["wechat:wxid_ab12cd34"]),
            ("加了对方微信（ID：Amy_123）", &["wechat:amy_123"]),
            ("加QQ（83412907）聊天", &["qq:83412907"]),
            ("微信 ID：Amy_123", &["wechat:amy_123"]),
            ("加了客服微信「Amy41195」", &["wechat:amy41195"]),
            ("在“金多多”这款软件上充值", &["app:金多多"]),
            ("支付宝（账号：13912345678）", &["alipay:13912345678"]),
            // Verbs, particles, pronouns and quantities are never app names (`NOT_NAMES`).
            ("让我下载对方发来的软件并安装", &[]),
            ("需要下载两款软件，按我说的做", &[]),
            ("登录账号进入app找到人工客服", &[]),
            ("不要下载其他聊天软件", &[]),
            ("装好之后就可以直接在软件里面提现", &[]),
            ("在淘宝中打开“我的”页面", &[]),
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
            // Titles of documents, laws, newspapers; places and websites in quotes; kinds of apps.
            "根据《中华人民共和国刑法》第二百六十六条",
            "双方签订了《借款合同》",
            "在《借款合同》上签字",
            "出具《授权委托书》一份",
            "在《法制日报》上刊登",
            "在“借条”上签字",
            "民警在“九点连锁酒店”内查获",
            "进入“伟荣餐饮”饭店",
            "在“志同论坛”上发布",
            "在论坛上注册了“vipxi0104”的会员账号",
            "通过微信（账号ROMExxxx）加被害人",
            "我通过QQ（277230****）认识了",
            "下载理财APP",
            "请访问app专区",
            "在网络平台上发布",
            "使用WhatsApp联系",
            "下载AppStore",
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
}
