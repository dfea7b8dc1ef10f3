//! Extraction: recall and precision on narratives with planted identifiers and distractor numbers, robustness on
//! arbitrary text, and a run over the real texts in `$FANZHA_EXTERNAL_DATA`.

use std::collections::HashMap;
use std::path::PathBuf;

use datasets::ident::{IdKind, Mention, extract};
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ident_forms::{self as forms, AppForm, Style, Written};

/// Sentence templates per planted kind; `{}` is the identifier's written form.
fn template(rng: &mut ChaCha8Rng, w: &Written, app: AppForm) -> String {
    let t: &[&str] = match w.kind {
        IdKind::Phone => &[
            "对方自称客服，电话：{}",
            "手机：{}",
            "用{}号码发来短信",
            "被害人接到{}的电话",
            "嫌疑人用{}给我打电话",
            "来电号码为{}",
            "我回拨了{}",
            "对方留下手机号{}让我联系",
            "{}这个号码多次来电",
            "一个{}的号码打来",
            "联系方式：{}",
            "拨打{}进行咨询",
            "通过电话 {} 联系上了",
        ],
        IdKind::BankCard => &[
            "向卡号{}转账",
            "对方提供的银行卡{}",
            "收款账户：{}",
            "汇入其账号{}内",
            "转入{}",
            "将钱打到{}这张卡上",
            "卡号为 {} 的银行卡",
        ],
        IdKind::PartialCard => &[
            "向尾号为{}的建设银行卡转账",
            "工商银行卡尾号{}",
            "尾号{}的储蓄卡",
            "从我尾号是{}的银行卡转出",
            "银行账户尾号：{}",
        ],
        IdKind::Url => {
            &["通过链接{}注册", "打开网址 {} 下载", "点击{}领取", "登录{}充值", "对方发来一个链接：{}，让我填写信息"]
        }
        IdKind::App => match app {
            AppForm::Standalone => {
                &["通过{}投资", "在{}上充值", "让我下载{}", "对方推荐的{}无法提现", "使用{}进行刷单", "{}客服称"]
            }
            AppForm::AfterVerb => &["让我下载{}", "安装了{}", "下载{}后注册", "又让我登录{}"],
            AppForm::Named => {
                &["下载了一个叫{}的APP", "安装一款名为{}的软件", "对方让我下载名叫{}的app", "APP名称：{}"]
            }
        },
        IdKind::Wechat => &["加了对方微信{}", "微信号：{}", "对方微信为{}", "添加wx：{}", "我的微信是 {}"],
        IdKind::Qq => &["添加QQ：{}", "QQ号{}", "通过QQ {}联系", "对方扣扣{}"],
        IdKind::Alipay => &["支付宝账号{}", "向对方支付宝：{}转账", "支付宝 {}"],
        IdKind::Ip => &["登录IP为{}", "服务器地址{}", "来自IP {}"],
        IdKind::Imei => &["手机IMEI {}", "串号{}", "设备IMEI号：{}"],
    };
    t.choose(rng).copied().unwrap_or("{}").replace("{}", &w.raw)
}

/// A sentence with numbers that are not identifiers.
fn distractor(rng: &mut ChaCha8Rng) -> String {
    let amount = rng.gen_range(1..2_000_000);
    let (y, m, d) = (rng.gen_range(2010..2025), rng.gen_range(1..13), rng.gen_range(1..29));
    match rng.gen_range(0..26) {
        0 => format!("转账{amount}元"),
        1 => format!("共计人民币{amount}元"),
        2 => format!("{y}年{m}月{d}日{}时许", rng.gen_range(0..24)),
        3 => format!("身份证号码{}", forms::id_card(rng)),
        4 => format!("被告人李某，男，{}，汉族", forms::id_card(rng)),
        5 => format!("案号（{y}）京{:04}刑初{}号", rng.gen_range(100..9999), rng.gen_range(1..3000)),
        6 => format!("订单号{}{}", y, forms::digits(rng, 15)),
        7 => format!("验证码{}", forms::digits(rng, 6)),
        8 => format!("价值{amount}.{:02}元", rng.gen_range(0..100)),
        9 => format!("损失{}万元", rng.gen_range(1..500)),
        10 => format!("报案编号A{}", forms::digits(rng, 14)),
        11 => format!("{y}-{m:02}-{d:02}"),
        12 => format!("第{}次转账{}笔", rng.gen_range(1..20), rng.gen_range(1..50)),
        13 => "对方通过“微信”添加我为好友".to_string(),
        14 => format!("发票代码{}，号码为{}", forms::digits(rng, 12), forms::digits(rng, 8)),
        15 => format!("交易流水号{}", forms::digits(rng, 20)),
        16 => format!("快递单号SF{}", forms::digits(rng, 12)),
        17 => format!("车牌号京A{}", forms::digits(rng, 5)),
        18 => format!("{}:{:02}:{:02}", rng.gen_range(0..24), rng.gen_range(0..60), rng.gen_range(0..60)),
        19 => format!("年化收益率{}.{}%", rng.gen_range(1..40), rng.gen_range(0..10)),
        20 => format!("手机尾号{}的用户", forms::digits(rng, 4)),
        21 => format!("{}****{}", &forms::mobile_number(rng)[..3], forms::digits(rng, 4)),
        22 => format!(
            "联系邮箱{}{}@163.com",
            ["li", "zhang", "wang"].choose(rng).copied().unwrap_or("li"),
            forms::digits(rng, 4)
        ),
        23 => format!("第{}期，每期{}元", rng.gen_range(1..36), rng.gen_range(100..99999)),
        24 => format!(
            "软件版本v{}.{}.{}.{}",
            rng.gen_range(1..10),
            rng.gen_range(0..10),
            rng.gen_range(0..10),
            rng.gen_range(0..100)
        ),
        _ => format!("收到{}元返利，共{}人参与", rng.gen_range(10..999), rng.gen_range(2..300)),
    }
}

fn planted(rng: &mut ChaCha8Rng) -> (Written, AppForm) {
    let s = AppForm::Standalone;
    match rng.gen_range(0..20) {
        0..=3 => (forms::mobile(rng, Style::Prose), s),
        4 | 5 => (forms::landline(rng, Style::Prose), s),
        6 => (forms::service(rng), s),
        7 => (forms::overseas(rng), s),
        8 | 9 => (forms::card(rng, Style::Prose), s),
        10 => (forms::card_tail(rng), s),
        11 | 12 => (forms::url(rng), s),
        13 | 14 => forms::app(rng),
        15 => (forms::wechat(rng), s),
        16 => (forms::qq(rng), s),
        17 => (forms::alipay(rng), s),
        18 => (forms::ip(rng), s),
        _ => (forms::imei(rng), s),
    }
}

/// A narrative of 3–8 clauses, about half of them carrying a planted identifier.
fn narrative(rng: &mut ChaCha8Rng) -> (String, Vec<Written>) {
    let mut text = String::new();
    let mut truth = Vec::new();
    for _ in 0..rng.gen_range(3..=8) {
        let roll: f64 = rng.r#gen();
        let clause = if roll < 0.08 {
            // Two identifiers of one kind in one clause.
            let (a, b) = if rng.gen_bool(0.5) {
                (forms::mobile(rng, Style::Prose), forms::mobile(rng, Style::Prose))
            } else {
                (forms::card(rng, Style::Prose), forms::card(rng, Style::Prose))
            };
            let t = match (a.kind, rng.gen_range(0..3)) {
                (IdKind::Phone, 0) => format!("联系电话{}/{}", a.raw, b.raw),
                (IdKind::Phone, 1) => format!("先后用{}、{}两个号码打来", a.raw, b.raw),
                (IdKind::Phone, _) => format!("嫌疑人王某（电话：{}）和李某（电话：{}）", a.raw, b.raw),
                (_, 0) => format!("向卡号{}、{}两张卡转账", a.raw, b.raw),
                (_, 1) => format!("从{}转到{}", a.raw, b.raw),
                (_, _) => format!("收款账户：{}；{}", a.raw, b.raw),
            };
            truth.extend([a, b]);
            t
        } else if roll < 0.55 {
            let (w, form) = planted(rng);
            let clause = template(rng, &w, form);
            truth.push(w);
            clause
        } else {
            distractor(rng)
        };
        text.push_str(&clause);
        text.push_str(["，", "。", "；", "！"].choose(rng).copied().unwrap_or("，"));
    }
    (text, truth)
}

#[derive(Default)]
struct Score {
    planted: usize,
    found: usize,
    correct: usize,
    luhn_agrees: usize,
    misses: Vec<(String, String)>,
    false_hits: Vec<(String, String)>,
}

impl Score {
    fn add(&mut self, text: &str, truth: &[Written], mentions: &[Mention]) {
        let mut want: HashMap<&str, usize> = HashMap::new();
        for w in truth {
            *want.entry(w.key.as_str()).or_default() += 1;
        }
        self.planted += truth.len();
        self.found += mentions.len();
        for m in mentions {
            match want.get_mut(m.id.key.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    self.correct += 1;
                    if truth.iter().any(|w| w.key == m.id.key && w.luhn_failed == m.id.luhn_failed) {
                        self.luhn_agrees += 1;
                    }
                }
                _ => self.false_hits.push((m.id.key.clone(), text.to_string())),
            }
        }
        for (key, n) in want {
            if n > 0 {
                self.misses.push((key.to_string(), text.to_string()));
            }
        }
    }

    fn recall(&self) -> f64 {
        self.correct as f64 / self.planted.max(1) as f64
    }

    fn precision(&self) -> f64 {
        self.correct as f64 / self.found.max(1) as f64
    }
}

/// Recall and precision over 4,000 generated narratives (fixed seed, so the figures are reproducible).
#[test]
fn extraction_recall_and_precision_on_planted_narratives() {
    let mut rng = ChaCha8Rng::seed_from_u64(2018);
    let mut score = Score::default();
    for _ in 0..4000 {
        let (text, truth) = narrative(&mut rng);
        let mentions = extract(&text);
        score.add(&text, &truth, &mentions);
    }
    println!(
        "planted {} found {} correct {}: recall {:.4}, precision {:.4}",
        score.planted,
        score.found,
        score.correct,
        score.recall(),
        score.precision()
    );
    for (key, text) in score.misses.iter().take(10) {
        println!("missed {key} in {text}");
    }
    for (key, text) in score.false_hits.iter().take(10) {
        println!("false {key} in {text}");
    }
    assert!(score.planted > 8000, "too few planted identifiers: {}", score.planted);
    assert!(score.recall() >= 0.99, "recall {:.4}", score.recall());
    assert!(score.precision() >= 0.99, "precision {:.4}", score.precision());
    assert_eq!(score.luhn_agrees, score.correct, "Luhn flags must match the planted ones");
}

/// Text fragments that stress the detectors: digits in every width, separators, labels, quotes, URLs.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,20}",
        "[０-９]{1,12}",
        "[ \\-+()（）.:：*×xX@/]{1,3}",
        Just("尾号".to_string()),
        Just("微信".to_string()),
        Just("QQ".to_string()),
        Just("支付宝".to_string()),
        Just("IMEI".to_string()),
        Just("“".to_string()),
        Just("”APP".to_string()),
        Just("下载".to_string()),
        Just("http://".to_string()),
        Just("www.".to_string()),
        Just(".com".to_string()),
        Just("身份证".to_string()),
        "[a-zA-Z_]{1,8}",
        "\\PC{1,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Extraction never panics; mentions are in order, non-overlapping, on character boundaries, and every key
    /// normalises to itself.
    #[test]
    fn extract_is_total_and_well_formed(parts in prop::collection::vec(fragment(), 0..30)) {
        let text: String = parts.concat();
        let mentions = extract(&text);
        let mut last_end = 0;
        for m in &mentions {
            prop_assert!(m.span.start >= last_end && m.span.start < m.span.end && m.span.end <= text.len());
            prop_assert!(text.is_char_boundary(m.span.start) && text.is_char_boundary(m.span.end));
            last_end = m.span.end;
            let again = datasets::ident::normalize_kind(m.id.kind, &m.id.key);
            prop_assert_eq!(again.map(|i| i.key), Ok(m.id.key.clone()));
        }
    }

    #[test]
    fn extract_never_panics_on_arbitrary_utf8(text in "\\PC*") {
        let _ = extract(&text);
    }

    /// One planted identifier in a random template, between random distractors, is found with its key.
    #[test]
    fn a_single_planted_identifier_is_found(seed in any::<u64>()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (w, form) = planted(&mut rng);
        let text = format!("{}，{}。{}", distractor(&mut rng), template(&mut rng, &w, form), distractor(&mut rng));
        let keys: Vec<String> = extract(&text).into_iter().map(|m| m.id.key).collect();
        prop_assert!(keys.contains(&w.key), "{} not in {:?} from {}", w.key, keys, text);
    }
}

fn external_data() -> Option<PathBuf> {
    match std::env::var_os("FANZHA_EXTERNAL_DATA") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!("skipped: FANZHA_EXTERNAL_DATA is not set (see ../shared/data/README.md)");
            None
        }
    }
}

/// Runs extraction over every CAIL2018 fact and every telecom-fraud text: no panic, and plausible counts.
#[test]
fn extraction_over_real_texts() {
    let Some(root) = external_data() else { return };
    let mut texts: Vec<String> = Vec::new();
    for file in ["fraud_cases.jsonl", "other_cases.jsonl"] {
        let path = root.join("cail2018").join(file);
        let content = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (line_no, line) in content.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), line_no + 1));
            if let Some(fact) = value.get("fact").and_then(|f| f.as_str()) {
                texts.push(fact.to_string());
            }
        }
    }
    let cail = texts.len();
    let path = root.join("telecom_fraud_texts").join("texts.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let content_col =
        reader.headers().map(|h| h.iter().position(|c| c == "content")).ok().flatten().expect("content column");
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        texts.push(record.get(content_col).unwrap_or_default().to_string());
    }
    let mut per_kind: HashMap<IdKind, usize> = HashMap::new();
    let mut mobiles = 0;
    let mut court_apps = Vec::new();
    let mut apps: HashMap<String, usize> = HashMap::new();
    for (i, text) in texts.iter().enumerate() {
        for m in extract(text) {
            assert!(text.is_char_boundary(m.span.start) && text.is_char_boundary(m.span.end));
            *per_kind.entry(m.id.kind).or_default() += 1;
            if m.id.kind == IdKind::App {
                *apps.entry(m.id.value().to_string()).or_default() += 1;
            }
            mobiles += usize::from(m.id.key.starts_with("tel:+861") && m.id.key.len() == 18);
            if i < cail && m.id.kind == IdKind::App {
                court_apps.push(format!("{} ({})", m.id.key, &text[m.span]));
            }
        }
    }
    let mut counts: Vec<_> = per_kind.iter().collect();
    counts.sort();
    println!("{cail} CAIL2018 facts and {} telecom texts: {counts:?}, {mobiles} mobiles", texts.len() - cail);
    println!("apps in CAIL2018 facts: {court_apps:?}");
    // Court facts name few apps (微信, 陌陌, 闲鱼 …) but many 《》 documents and laws and “” terms: a burst of app hits
    // there means titles or quoted words are being taken for apps.
    assert!(court_apps.len() <= 15, "{} app names in court facts: {court_apps:?}", court_apps.len());
    // Words these texts once gave as app names (verbs, pronouns, quantities, words cut out of 其他 …) are not; the
    // apps they name still are, as often as before the negative list.
    let words = ["发来", "进入", "两款", "三款", "一些", "我的", "他聊天", "他未知", "涉诈", "可以直接在", "乐播等"];
    let taken: Vec<&&str> = words.iter().filter(|w| apps.contains_key(**w)).collect();
    assert!(taken.is_empty(), "words taken for app names: {taken:?}");
    for (app, at_least) in [("瞩目", 50), ("zoom", 40), ("乐播投屏", 20), ("钉钉", 15), ("腾讯会议", 15), ("云闪付", 5)]
    {
        let found = apps.get(app).copied().unwrap_or(0);
        assert!(found >= at_least, "app {app}: found {found} times, expected at least {at_least}");
    }
    assert!(apps.len() >= 300, "only {} distinct app names in the telecom texts and CAIL2018 facts", apps.len());
    assert!(cail > 3000, "expected the 3,502 CAIL2018 facts, read {cail}");
    assert!(per_kind.get(&IdKind::Phone).copied().unwrap_or(0) > 0, "no phone found in {} texts", texts.len());
    assert!(mobiles > 0, "no mobile number found");
}
