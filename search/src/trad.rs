//! Traditional→simplified folding: the full one-character table of the `fast2s` crate (MIT, 2,700 pairs),
//! enumerated once over the CJK blocks so that folding stays one character for one character.

use std::ops::RangeInclusive;

/// The blocks scanned: CJK Unified Ideographs, Extension A, and the compatibility ideographs.
const BLOCKS: [RangeInclusive<u32>; 3] = [0x4E00..=0x9FFF, 0x3400..=0x4DBF, 0xF900..=0xFAFF];

/// Our additions on top of the crate's table: 帳 (and its simplified 帐) fold to 账, as 帳戶/帐户 and 账户 are the same
/// word in reports (the crate maps 帳 → 帐).
const OVERLAY: [(char, char); 2] = [('帳', '账'), ('帐', '账')];

/// Traditional → simplified pairs, sorted by the traditional character.
#[derive(Debug, Clone)]
pub(crate) struct TradTable {
    pairs: Vec<(char, char)>,
}

impl TradTable {
    /// Builds the table by converting every ideograph of [`BLOCKS`] alone (a few milliseconds). Only one-to-one
    /// changes are kept; `fast2s`'s few context rules (乾隆 keeps 乾) do not apply to a lone character.
    pub(crate) fn new() -> TradTable {
        let mut pairs = Vec::with_capacity(3_000);
        let mut buf = [0u8; 4];
        for c in BLOCKS.iter().flat_map(|b| b.clone()).filter_map(char::from_u32) {
            let converted = fast2s::convert(c.encode_utf8(&mut buf));
            let mut out = converted.chars();
            if let (Some(s), None) = (out.next(), out.next())
                && s != c
            {
                pairs.push((c, s));
            }
        }
        pairs.retain(|(t, _)| OVERLAY.iter().all(|(o, _)| o != t));
        pairs.extend(OVERLAY);
        pairs.sort_unstable();
        TradTable { pairs }
    }

    /// The simplified form of `c`, or `c` itself when it has none.
    pub(crate) fn to_simplified(&self, c: char) -> char {
        self.pairs.binary_search_by(|(t, _)| t.cmp(&c)).map_or(c, |i| self.pairs[i].1)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.pairs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::TradTable;

    fn fold(t: &TradTable, s: &str) -> String {
        s.chars().map(|c| t.to_simplified(c)).collect()
    }

    #[test]
    fn folds_common_traditional_text() {
        let t = TradTable::new();
        assert!(t.len() > 2_000, "{} pairs", t.len());
        assert_eq!(fold(&t, "詐騙"), "诈骗");
        assert_eq!(fold(&t, "帳戶"), "账户");
        assert_eq!(fold(&t, "銀行"), "银行");
        assert_eq!(fold(&t, "網絡"), "网络");
        assert_eq!(
            fold(&t, "對方自稱警察，說我的銀行帳戶涉嫌洗錢，要求轉賬到安全賬戶，並下載會議軟體。"),
            "对方自称警察，说我的银行账户涉嫌洗钱，要求转账到安全账户，并下载会议软体。"
        );
        assert_eq!(fold(&t, "網購退款詐騙：冒充電商客服，騙取驗證碼"), "网购退款诈骗：冒充电商客服，骗取验证码");
        // Simplified text, digits and Latin letters are left alone.
        assert_eq!(fold(&t, "诈骗账户 abc 123"), "诈骗账户 abc 123");
        assert_eq!(fold(&t, "帐户"), "账户");
    }

    #[test]
    fn every_pair_keeps_utf8_length() {
        let t = TradTable::new();
        assert!(t.pairs.iter().all(|(a, b)| a.len_utf8() == b.len_utf8()));
    }
}
