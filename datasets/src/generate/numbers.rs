//! Opaque, unique identifier numbering (phones, bank cards) and the planted identifier types with their canonical
//! keys (see keys.md).

use super::sample::Permutation;
use crate::ident::luhn_digit;

/// Index spaces, so that phones and cards of different owners never collide.
pub(crate) const GANG_PHONE_BASE: u64 = 45_000_000;
pub(crate) const NOISE_PHONE_BASE: u64 = 60_000_000;
pub(crate) const MULE_CARD_BASE: u64 = 30_000_000;
pub(crate) const OUTSIDE_CARD_BASE: u64 = 200_000_000;
pub(crate) const UNSEEN_CARD_BASE: u64 = 300_000_000;
pub(crate) const MERCHANT_CARD_BASE: u64 = 400_000_000;
pub(crate) const BACKER_CARD_BASE: u64 = 500_000_000;
pub(crate) const OTC_CARD_BASE: u64 = 600_000_000;
pub(crate) const SHOP_CARD_BASE: u64 = 700_000_000;

const MOBILE_PREFIXES: [&str; 32] = [
    "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "183", "187", "188",
    "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "199", "177", "176", "173",
];

/// Bank identification numbers with their card length.
const BINS: [(&str, usize); 10] = [
    ("622202", 19),
    ("621700", 19),
    ("622848", 19),
    ("621661", 19),
    ("622588", 16),
    ("621483", 16),
    ("622262", 19),
    ("621226", 19),
    ("623668", 19),
    ("622155", 16),
];

/// Turns sequential indices into opaque phone and card numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Numbering {
    perm: Permutation,
}

impl Numbering {
    pub(crate) fn new(key: u64) -> Numbering {
        Numbering { perm: Permutation::new(key) }
    }

    /// An 11-digit mainland mobile number, unique per index below 10^8.
    pub(crate) fn mobile(&self, idx: u64) -> String {
        let body = self.perm.apply(idx, 100_000_000);
        let prefix = MOBILE_PREFIXES[(super::sample::mix(body ^ 0x55) % MOBILE_PREFIXES.len() as u64) as usize];
        format!("{prefix}{body:08}")
    }

    /// A 16- or 19-digit bank card number with a valid Luhn digit, unique per index below 10^9.
    pub(crate) fn card(&self, idx: u64) -> String {
        let (bin, len) = BINS[(super::sample::mix(idx ^ 0xCA4D) % BINS.len() as u64) as usize];
        let body_len = len - 7;
        let domain = 10u64.pow(body_len as u32);
        let body = self.perm.apply(idx % domain, domain);
        let partial = format!("{bin}{body:0width$}", width = body_len);
        let check = luhn_digit(&partial);
        format!("{partial}{check}")
    }
}

/// A phone number as the generator knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PhoneId {
    /// 11-digit mainland mobile.
    Mobile(String),
    /// Mainland landline: area code without the leading 0, local number.
    Landline { area: String, local: String },
    /// Overseas: country code and national number.
    Overseas { cc: String, national: String },
    /// Domestic service number (95588, 96110, …).
    Service(String),
}

impl PhoneId {
    /// The canonical key.
    pub(crate) fn key(&self) -> String {
        match self {
            PhoneId::Mobile(d) => format!("tel:+86{d}"),
            PhoneId::Landline { area, local } => format!("tel:+86{area}{local}"),
            PhoneId::Overseas { cc, national } => format!("tel:+{cc}{national}"),
            PhoneId::Service(d) => format!("tel:{d}"),
        }
    }

    /// How a carrier's contact record shows the number.
    pub(crate) fn carrier_form(&self) -> String {
        match self {
            PhoneId::Mobile(d) => d.clone(),
            PhoneId::Landline { area, local } => format!("0{area}{local}"),
            PhoneId::Overseas { cc, national } => format!("+{cc}{national}"),
            PhoneId::Service(d) => d.clone(),
        }
    }
}

/// A URL as planted: lower-case host without `www.`, path without trailing `/`, non-tracking query sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlId {
    pub(crate) host: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
}

impl UrlId {
    /// The canonical key.
    pub(crate) fn key(&self) -> String {
        let mut k = format!("url:{}{}", self.host, self.path);
        if !self.query.is_empty() {
            k.push('?');
            let q: Vec<String> = self.query.iter().map(|(a, b)| format!("{a}={b}")).collect();
            k.push_str(&q.join("&"));
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_and_well_formed() {
        let n = Numbering::new(7);
        let mut phones: Vec<String> = (0..5000).map(|i| n.mobile(i)).collect();
        assert!(phones.iter().all(|p| p.len() == 11 && p.starts_with('1')));
        phones.sort();
        phones.dedup();
        assert_eq!(phones.len(), 5000);
        let card = n.card(MULE_CARD_BASE + 3);
        assert!(card.len() == 16 || card.len() == 19);
        let (body, check) = card.split_at(card.len() - 1);
        assert_eq!(luhn_digit(body).to_string(), check);
        assert_eq!(luhn_digit("7992739871"), '3');
    }

    #[test]
    fn keys_follow_the_contract() {
        assert_eq!(PhoneId::Landline { area: "21".into(), local: "61234567".into() }.key(), "tel:+862161234567");
        let u =
            UrlId { host: "licai-app.top".into(), path: "/download".into(), query: vec![("id".into(), "7".into())] };
        assert_eq!(u.key(), "url:licai-app.top/download?id=7");
    }
}
