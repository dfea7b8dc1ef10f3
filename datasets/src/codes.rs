//! The fixed enumerations of the interchange format: each value has a stable code, a Chinese label and an English label.
//!
//! Readers accept either the code (`order_brushing`) or the Chinese label (`刷单返利`), case-insensitively for codes.

use std::fmt;

/// Defines an enumeration with a code, Chinese label and English label per variant, plus parsing.
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in documented order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable code used in files and APIs.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// The Chinese label.
            pub fn label_zh(self) -> &'static str {
                match self { $( $name::$variant => $zh ),+ }
            }

            /// The English label.
            pub fn label_en(self) -> &'static str {
                match self { $( $name::$variant => $en ),+ }
            }

            /// Parses a code (case-insensitive) or a Chinese label.
            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                $( if t.eq_ignore_ascii_case($code) || t == $zh { return Some($name::$variant); } )+
                None
            }

            /// The accepted codes, for error messages.
            pub fn codes() -> String {
                [$( $code ),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// Fraud types: the ten national top types (2023), the six 养老诈骗 categories, and `other`.
    FraudType {
        OrderBrushing = ("order_brushing", "刷单返利", "order-brushing rebate"),
        FakeInvestment = ("fake_investment", "虚假投资理财", "fake investment"),
        FakeLoan = ("fake_loan", "虚假网络贷款", "fake online loan"),
        FakeCustomerService = ("fake_customer_service", "冒充电商物流客服", "fake e-commerce/logistics customer service"),
        ImpersonatePolice = ("impersonate_police", "冒充公检法", "impersonating police, prosecutors or courts"),
        FakeShopping = ("fake_shopping", "虚假购物服务", "fake shopping or service"),
        FakeCredit = ("fake_credit", "虚假征信", "fake credit-record repair"),
        ImpersonateAcquaintance = ("impersonate_acquaintance", "冒充领导熟人", "impersonating a leader or acquaintance"),
        Romance = ("romance", "网络婚恋交友", "online romance (incl. pig butchering)"),
        GameTrading = ("game_trading", "网络游戏产品虚假交易", "fake online-game trading"),
        ElderService = ("elder_service", "养老服务", "elderly-care service fraud"),
        ElderInvestment = ("elder_investment", "养老项目投资", "elderly-care project investment"),
        ElderProducts = ("elder_products", "养老产品", "elderly products (health products, collectibles)"),
        HousePension = ("house_pension", "以房养老", "house-for-pension fraud"),
        ElderInsurance = ("elder_insurance", "代办养老保险", "pension-insurance agency fraud"),
        ElderAid = ("elder_aid", "养老帮扶", "fake elderly assistance"),
        Other = ("other", "其他", "other"),
    }
}

impl FraudType {
    /// True for the six 养老诈骗 categories.
    pub fn is_elderly_type(self) -> bool {
        matches!(
            self,
            FraudType::ElderService
                | FraudType::ElderInvestment
                | FraudType::ElderProducts
                | FraudType::HousePension
                | FraudType::ElderInsurance
                | FraudType::ElderAid
        )
    }
}

code_enum! {
    /// Gender of a resident or victim.
    Gender {
        Male = ("m", "男", "male"),
        Female = ("f", "女", "female"),
        Unknown = ("u", "未知", "unknown"),
    }
}

code_enum! {
    /// How the fraudster first reached the victim (reports.contact_channel).
    ContactChannel {
        Call = ("call", "电话", "phone call"),
        Sms = ("sms", "短信", "SMS"),
        Wechat = ("wechat", "微信", "WeChat"),
        Qq = ("qq", "QQ", "QQ"),
        App = ("app", "APP", "app"),
        Website = ("website", "网站", "website"),
        SocialMedia = ("social_media", "社交媒体", "social media / short video"),
        InPerson = ("in_person", "当面", "in person"),
        Other = ("other", "其他", "other"),
    }
}

code_enum! {
    /// Where a reported case stands (reports.status): received (受理), filed as a criminal case (立案), solved
    /// (破案: the gang broken or the suspect caught), or closed without a case (不予立案 / 撤案).
    CaseStatus {
        Received = ("received", "已受理", "received"),
        Filed = ("filed", "已立案", "filed"),
        Solved = ("solved", "已破案", "solved"),
        Closed = ("closed", "已撤案", "closed without a case"),
    }
}

code_enum! {
    /// How money moved (transfers.channel).
    TransferChannel {
        Bank = ("bank", "银行转账", "bank transfer"),
        MobileBanking = ("mobile_banking", "手机银行", "mobile banking"),
        Alipay = ("alipay", "支付宝", "Alipay"),
        WechatPay = ("wechat_pay", "微信支付", "WeChat Pay"),
        Atm = ("atm", "ATM取现", "ATM withdrawal"),
        Crypto = ("crypto", "虚拟货币", "crypto / USDT"),
        Merchant = ("merchant", "商户消费", "merchant purchase"),
        Cash = ("cash", "现金", "cash"),
        Other = ("other", "其他", "other"),
    }
}

impl TransferChannel {
    /// The channels on which money leaves the banking system with no receiving account of record: ATM withdrawal,
    /// cash, crypto and merchant purchase. Only a transfer on one of these may have an empty `to_account`.
    pub const CASH_OUT: [TransferChannel; 4] =
        [TransferChannel::Atm, TransferChannel::Cash, TransferChannel::Crypto, TransferChannel::Merchant];

    /// Whether money moved on this channel can leave the system without a counterparty (see [`Self::CASH_OUT`]).
    pub fn is_cash_out(self) -> bool {
        Self::CASH_OUT.contains(&self)
    }
}

code_enum! {
    /// A contact record's kind (contacts.kind).
    ContactKind {
        Call = ("call", "通话", "call"),
        Sms = ("sms", "短信", "SMS"),
    }
}

code_enum! {
    /// Format of an anti-fraud material (content.format).
    ContentFormat {
        Skit = ("skit", "小品", "skit"),
        Comic = ("comic", "漫画", "comic"),
        Leaflet = ("leaflet", "宣传单", "leaflet"),
        Video = ("video", "视频", "video"),
        Lecture = ("lecture", "讲座", "lecture"),
        SmsText = ("sms_text", "短信文案", "SMS text"),
        CallScript = ("call_script", "电话话术", "call script"),
        Poster = ("poster", "海报", "poster"),
    }
}

code_enum! {
    /// Audience of an anti-fraud material (content.audience).
    Audience {
        All = ("all", "全体", "everyone"),
        Elderly = ("elderly", "老年人", "elderly"),
        Youth = ("youth", "青年", "young adults"),
        Students = ("students", "学生", "students"),
        Parents = ("parents", "家长", "parents"),
        Workers = ("workers", "务工人员", "workers"),
        Merchants = ("merchants", "商户", "merchants"),
    }
}

code_enum! {
    /// Outreach channel (content.channels, outreach.channel).
    OutreachChannel {
        None = ("none", "无", "none"),
        Sms = ("sms", "短信", "SMS"),
        Call = ("call", "电话", "phone call"),
        Visit = ("visit", "上门走访", "home visit"),
        Lecture = ("lecture", "讲座/小品", "lecture or skit"),
        Leaflet = ("leaflet", "宣传单/漫画", "leaflet or comic"),
        AppPush = ("app_push", "APP推送", "app push"),
    }
}

code_enum! {
    /// Outcome of one outreach attempt (outreach.outcome).
    Outcome {
        Delivered = ("delivered", "已送达", "delivered"),
        Reached = ("reached", "已接通/已面谈", "reached in person or by voice"),
        NoAnswer = ("no_answer", "未接通", "no answer"),
        Refused = ("refused", "拒绝", "refused"),
        NotHome = ("not_home", "不在家", "not at home"),
        Failed = ("failed", "失败", "failed"),
        HeldOut = ("held_out", "留出对照", "held out (control)"),
    }
}

code_enum! {
    /// Language or dialect for content and residents.
    Language {
        Mandarin = ("zh", "普通话", "Mandarin"),
        Cantonese = ("yue", "粤语", "Cantonese"),
        Wu = ("wuu", "吴语", "Wu (Shanghainese)"),
        Minnan = ("nan", "闽南语", "Min Nan"),
        Uyghur = ("ug", "维吾尔语", "Uyghur"),
        Tibetan = ("bo", "藏语", "Tibetan"),
        English = ("en", "英语", "English"),
        Other = ("other", "其他", "other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        for t in FraudType::ALL {
            assert_eq!(FraudType::parse(t.code()), Some(*t));
            assert_eq!(FraudType::parse(t.label_zh()), Some(*t));
        }
        assert_eq!(FraudType::parse(" ORDER_BRUSHING "), Some(FraudType::OrderBrushing));
        assert_eq!(FraudType::parse("刷单"), None);
        assert_eq!(FraudType::ALL.iter().filter(|t| t.is_elderly_type()).count(), 6);
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = OutreachChannel::ALL.iter().map(|c| c.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), OutreachChannel::ALL.len());
    }

    /// Every code and Chinese label stands in the interchange-format document, in a table row.
    #[test]
    fn every_code_is_documented() {
        let doc = include_str!("../../docs/data-format.md");
        fn check(doc: &str, code: &str, zh: &str) {
            let row = format!("| {code} | {zh} |");
            assert!(doc.contains(&row), "docs/data-format.md lacks the row `{row}`");
        }
        macro_rules! all {
            ($($t:ty),+) => { $( for v in <$t>::ALL { check(doc, v.code(), v.label_zh()); } )+ };
        }
        all!(
            FraudType,
            Gender,
            ContactChannel,
            CaseStatus,
            TransferChannel,
            ContactKind,
            ContentFormat,
            Audience,
            OutreachChannel,
            Outcome,
            Language
        );
    }
}
