//! The app-name detector: labelled names, quoted names (“” 《》 「」 …) with a suffix or in an app context, and
//! unquoted names before `APP`/`软件`/`客户端`.

use super::Scan;
use crate::ident::{IdError, IdKind, Identifier, normalize_app};

// The word lists are space-separated.

/// Words that cannot be part of an unquoted app name; the name starts after the last of them.
const FUNCTION_WORDS: &str = "我们 你们 他们 您的 我的 你的 并 和 及 或 这 那 该 此 的 了 好了 相关 最新版本 \
    最新版 最新 官方 一个 一款 两个 几个 三个 某个 注册 安装 下载 登录 登陆 打开 使用 指定 特定 我 您 你 名为 名叫 \
    叫 到 后 再 就 然后 成功 这款 账号 信息 应用 提供 公司 其 某 对方 虚假 境外 正规 上述 涉案 诈骗 多个 各 本 \
    其他 其它 两款 三款 几款 多款 一些 这些 那些 以下 如下 发来 送来 传来";

/// Verbs and prepositions that end the words before an unquoted name written right before `APP`: "在拼多多APP上",
/// "通过微信APP认识", "装了支付宝APP".
const LEAD_WORDS: &str = "在 用 通过 利用 借助 从 给 往 向 与 等 进入 加入 装了 点开 点击 卸载 启动 自称 冒充 是 \
    叫做 手机上 手机里 手机版 手机 联系 参加 参与 体验 完成 提交至 至 进行 没有 说过 将 有些 每个 各个 请 查询 \
    确认 访问 搜索 只要 凭";

/// Unquoted words before `APP` that name a kind of app, not an app: "下载理财APP", "聊天APP".
const GENERIC: &str = "理财 投资 贷款 借贷 网贷 借款 聊天 交友 婚恋 购物 直播 视频 游戏 社交 支付 交易 网络 电商 \
    金融 炒股 股票 证券 博彩 赌博 彩票 兼职 刷单 办公 会议 视频会议 投屏 翻译 地图 导航 安全 手机 银行 手机银行 \
    虚假 非法 木马 远程 远程控制 屏幕共享 共享屏幕 录音 定位 监控 抢单 任务 做任务 招聘 数字货币 虚拟货币 区块链 \
    期货 外汇 基金 保险 第三方 其他 客户 用户 钓鱼 通讯 即时通讯 杀毒 清理 新 假 网上 正规 官方 陌生 不明 境外 \
    平台 软件 应用 手机版 中国 国内 国外 新版 旧版 老版 教育 移动 电信 联通 安全中心 抽奖 会议室 门店 网银 商店 \
    应用商店";

/// Endings of titles that name documents, laws, newspapers and works, not apps: 《借款合同》, 《刑法》, 《XX日报》.
const DOCUMENT_ENDINGS: &str = "合同 协议 书 法 条例 通知 决定 判决 裁定 报告 证明 函 令 单 表 规定 办法 报 杂志 \
    章程 声明 公告 须知 条 据 证 意见 细则 方案 纪要 笔录 规则 守则 制度 标准 纲要 解释 批复 刊 集 稿 诗 歌 曲 剧 \
    传 记 录 函 信函 说明 承诺 协定 目录 简报 节目 计划 合约 清单 收据 发票";

/// Endings of quoted names of places, shops, firms and websites: 在“九点连锁酒店”内, 在“志同论坛”上.
const PLACE_ENDINGS: &str = "酒店 宾馆 饭店 餐厅 餐饮 商行 超市 商店 门店 公司 医院 学校 网吧 会所 广场 市场 小区 \
    大厦 论坛 网站 网 楼 厂 页面 专区 网点 营业部";

/// Words that are never an app's name, whatever the detector: verbs, particles, pronouns and quantities, and
/// generic words, that the detectors took for names in the CAIL2018 facts and telecom texts of `../shared/data`
/// (“下载对方发来的软件” gave `发来`, “下载两款软件” `两款`, “进入app找到” `进入`, “打开‘我的’页面” `我的`,
/// “其他聊天软件” `他聊天`), plus the verbs of the same sentences that would do the same in other words. Real apps
/// that are also words (瞩目, 如意, 丰收) are not here: a word is listed only when no app of that name was seen.
/// `extraction_over_real_texts` checks that none of these is extracted there and that the apps that are still are.
const NOT_NAMES: &str = "发来 送来 传来 寄来 拿来 发送 发给 发过来 推荐 提供 指定 要求 告知 介绍 联系 进入 打开 点击 \
    点开 下载 安装 登录 登陆 注册 使用 操作 办理 查看 查询 填写 提交 申请 充值 转账 付款 支付 提现 领取 参与 加入 \
    添加 扫码 指导 指引 引导 协助 帮助 按照 根据 通过 利用 可以 直接 马上 立即 立刻 然后 之后 以便 以后 需要 \
    这个 那个 这款 那款 一款 一个 两个 两款 三款 几款 多款 各种 一些 这些 那些 某款 其他 其它 他 她 它 他们 \
    我们 你们 我的 你的 他的 您的 对方 相关 上述 未知 不明 陌生 涉诈 虚假 非法 专属 官方 正规 会议 聊天 音乐 \
    阅读 生活 工作 防护 管家 客服 视频 手机 电脑 网页 页面 链接 二维码 短信 电话";

/// Apps whose names end like a document.
const APPS_LIKE_DOCUMENTS: &str = "小红书 飞书 360借条 知乎日报";

impl Scan<'_> {
    pub(super) fn apps(&mut self) {
        self.labelled_apps();
        self.quoted_apps();
        self.named_apps();
        self.unquoted_apps();
    }

    /// "APP名称：安心理财", "软件：《XX》": a label and a colon.
    fn labelled_apps(&mut self) {
        let labelled = regex!(
            r#"(?i)(?:app|软件|平台|应用)(?:名称|名字|名)?\s*(?:为|是|叫)?\s*:\s*([“"「『《【]?[A-Za-z0-9\p{Han}]{2,16}[”"」』》】]?)"#
        );
        for c in labelled.captures_iter(self.text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else { continue };
            let glued = self.before(all.start()).is_some_and(|ch| ch.is_ascii_alphanumeric());
            if !glued && let Ok(id) = app_name(name.as_str()) {
                self.emit(name.range(), id);
            }
        }
    }

    /// A quoted name followed by `APP`/`软件`/`平台`/`客户端` (optionally after `的`), or in an app context.
    fn quoted_apps(&mut self) {
        let quoted = regex!(
            r#"[“"「『《【]\s*([^“”"「」『』《》【】\n,.;!?:。，；：]{1,24}?)\s*[”"」』》】](?:\s*((?i:app)|软件|平台|客户端)|的((?i:app)|软件|平台|客户端))?"#
        );
        for c in quoted.captures_iter(self.text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else { continue };
            let end = match (c.get(2), c.get(3)) {
                (Some(_), _) => all.end(),
                (None, Some(_)) => name.end() + self.after(name.end()).map_or(0, char::len_utf8),
                (None, None) if self.quoted_in_app_context(all.start(), name.as_str(), all.end()) => all.end(),
                (None, None) => continue,
            };
            if let Ok(id) = app_name(name.as_str()) {
                self.emit(all.start()..end, id);
            }
        }
    }

    /// Whether a quoted name without an app suffix is an app, from the words around it (`open` is the byte offset
    /// of the opening mark, `end` the one after the closing mark):
    /// - a verb that takes an app: "下载《华理财》", "装了「抖音」", "登录“XX”";
    /// - a preposition or verb of use and a place or part of an app after it: "在《微信》上", "用“XX”里的",
    ///   "自称《支付宝》客服", "给《淘宝》店铺";
    /// - with 《》 or 「」 (titles, not quoted words): a verb of use alone ("通过《快手》联系") or a part of an app
    ///   after it ("《淘宝》店铺", "《淘宝》的“百万保障”会员").
    ///
    /// Names ending like a document or a place (《借款合同》, 《刑法》, 《XX日报》, “XX酒店”, “XX论坛”), names longer
    /// than 10 characters and names registered as accounts (注册了“vipxi0104”的账号) never are.
    fn quoted_in_app_context(&self, open: usize, name: &str, end: usize) -> bool {
        let name = name.trim();
        let chars = name.chars().count();
        let document =
            DOCUMENT_ENDINGS.split_whitespace().chain(PLACE_ENDINGS.split_whitespace()).any(|w| name.ends_with(w))
                && !is_one_of(name, APPS_LIKE_DOCUMENTS);
        let wordlike = name.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '·'));
        if !(2..=10).contains(&chars) || document || !wordlike || name.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        let before = self.window_before(open, 8);
        let after = self.window_after(end, 16);
        let app_verb = regex!(
            r"(?:下载|安装|装了|卸载|打开|点开|登录|登陆|注册|开通)(?:了|好|并安装|并注册|并登录)?(?:一个|一款|个|款)?\s*$"
        );
        let use_verb = regex!(r"(?:在|用|使用|通过|利用|借助|从|给|往|进入|自称|冒充|是)\s*$");
        let title_use_verb = regex!(r"(?:用|使用|通过|利用|借助)\s*$");
        let title = self.text[open..].starts_with(['《', '「', '『']);
        // 注册了“vipxi0104”的会员账号: a name registered as an account is the account's name.
        let account_name = regex!(r"^\s*的?(?:会员|用户)?(?:账号|帐号|账户|用户名|昵称|id|ID)");
        if regex!(r"注册(?:了|成)?\s*$").is_match(before) && account_name.is_match(after) {
            return false;
        }
        // Titles also take what is done in an app: 在《金优选》开户, 在「XX」充值.
        let place = if title {
            regex!(
                r"^\s*(?:上|里|中|开户|充值|注册|下单|付款|交易|购买|买入|投资|抢单|提现|(?:官方|金融|在线|人工|售后)?(?:店铺|直播间|会员|账号|账户|客服|官方|商城|小程序|私信|好友|群))"
            )
        } else {
            regex!(
                r"^\s*(?:上|里|(?:官方|金融|在线|人工|售后)?(?:店铺|直播间|会员|账号|账户|客服|官方|商城|小程序|私信|好友|群))"
            )
        };
        let part = regex!(
            r"^\s*(?:的(?:“[^”]{1,12}”|「[^」]{1,12}」)?)?(?:官方|金融|在线|人工|售后)?(?:店铺|直播间|会员|账号|客服|小程序|商城)"
        );
        // “金多多”这款软件, 《XX》这个APP.
        let kind_after = regex!(r"^\s*(?:这个|这款|那个|那款|一个|一款)\s*(?:APP|App|app|软件|客户端|应用)");
        app_verb.is_match(before)
            || kind_after.is_match(after)
            || use_verb.is_match(before) && place.is_match(after)
            || title && (title_use_verb.is_match(before) || part.is_match(after))
    }

    /// "下载了一个叫金多多的软件", "名为安心理财的平台": a name between an app verb or a naming word and a suffix.
    fn named_apps(&mut self) {
        let bare = regex!(
            r"(?:(?:下载|安装|登录|登陆|注册|打开)了?(?:一个|一款)?(?:名为|叫做|叫)?|(?:名为|名叫|叫做|叫))\s?([A-Za-z0-9\p{Han}]{2,12}?)\s?的?\s?((?i:app)|软件|客户端|平台)"
        );
        for c in bare.captures_iter(self.text) {
            let (Some(name), Some(suffix)) = (c.get(1), c.get(2)) else { continue };
            // "下载并安装我们的软视通APP": the name starts after the last function word or verb.
            let cut = last_word_end(name.as_str(), FUNCTION_WORDS);
            let n = &name.as_str()[cut..];
            let name_start = name.start() + cut;
            if n.chars().count() < 2 {
                continue;
            }
            let latin_glued = suffix.as_str().eq_ignore_ascii_case("app")
                && suffix.as_str() != "APP"
                && n.ends_with(|ch: char| ch.is_ascii_alphanumeric())
                && name.end() == suffix.start();
            let named = c[0].contains(['名', '叫']);
            let platform_without_name_word = suffix.as_str() == "平台" && !named;
            if n.starts_with("手机") || latin_glued || platform_without_name_word {
                continue;
            }
            if let Ok(id) = app_name(n)
                && (named || !is_one_of(id.value(), GENERIC))
            {
                self.emit(name_start..suffix.end(), id);
            }
        }
    }

    /// "在拼多多APP上看到", "随后在国家反诈中心APP上", "装了支付宝APP": the letters and CJK characters right before
    /// `APP`/`App`/`app`/`客户端`, after the last verb, preposition or function word (or a punctuation mark);
    /// 2–10 characters, not a kind of app (理财APP, 聊天APP). `软件` and `平台` are left to [`Scan::named_apps`]:
    /// without a verb before them they are mostly generic (网络平台, 聊天软件, 楼顶平台).
    fn unquoted_apps(&mut self) {
        let suffix = regex!(r"APP|App|app|客户端");
        for m in suffix.find_iter(self.text) {
            let latin = m.as_str().is_ascii();
            let glued_after = self.after(m.end()).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let company = regex!(r"^(?:有限|公司|开发|科技|技术|股份|工程|集团)").is_match(&self.text[m.end()..]);
            if glued_after || company || !self.free(&(m.start()..m.end())) {
                continue;
            }
            // The run of letters, digits and CJK characters before the suffix (at most 16 characters).
            // "OKpro APP": one space may separate the name from the suffix.
            let head = &self.text[..m.start()];
            let head = head.strip_suffix(' ').unwrap_or(head);
            let mut start = head.len();
            for (i, c) in head.char_indices().rev().take(16) {
                if !is_word_char(c) {
                    break;
                }
                start = i;
            }
            let run = &head[start..];
            let bounded = !self.before(start).is_some_and(is_word_char);
            let cut = last_word_end(run, LEAD_WORDS).max(last_word_end(run, FUNCTION_WORDS));
            if cut == 0 && !bounded {
                continue;
            }
            let name = run[cut..].trim_end_matches('等');
            if name.is_empty() {
                continue;
            }
            let n = name.chars().count();
            // `WhatsApp`: a lower-case `app` glued to Latin letters is part of the name.
            let glued = head.len() == m.start();
            let latin_glued =
                glued && latin && m.as_str() != "APP" && name.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !(2..=10).contains(&n) || latin_glued {
                continue;
            }
            if name.chars().all(|c| c.is_ascii_digit()) || name.starts_with('不') {
                continue;
            }
            if let Ok(id) = app_name(name)
                && !is_one_of(id.value(), GENERIC)
            {
                self.emit(start + cut..m.end(), id);
            }
        }
    }
}

/// The app identifier of a name a detector found, unless the name is one of [`NOT_NAMES`].
fn app_name(name: &str) -> Result<Identifier, IdError> {
    let id = normalize_app(name)?;
    // A name never ends in a preposition or particle: “可以直接在软件里面”, “乐播等软件”.
    let dangling =
        id.value().ends_with(['在', '的', '地', '得', '着', '了', '过', '和', '与', '及', '等', '把', '被', '向']);
    if dangling || is_one_of(id.value(), NOT_NAMES) {
        return Err(IdError::Malformed { value: name.to_string(), expected: IdKind::App });
    }
    Ok(id)
}

/// The byte offset in `s` after the last occurrence of any of the space-separated `words` (0 if none occurs).
fn last_word_end(s: &str, words: &str) -> usize {
    words.split_whitespace().filter_map(|w| s.rfind(w).map(|at| at + w.len())).max().unwrap_or(0)
}

/// Whether `s` is one of the space-separated `words`.
fn is_one_of(s: &str, words: &str) -> bool {
    words.split_whitespace().any(|w| w == s)
}

/// ASCII letters and digits and CJK ideographs: the characters an unquoted app name is made of.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}')
}
