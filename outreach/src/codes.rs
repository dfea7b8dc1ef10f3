//! The datasets enumerations as serde values (by their stable codes), and age bands.

use datasets::{FraudType, Language, Outcome, OutreachChannel};
use serde::{Deserialize, Serialize};

/// An enumeration of `datasets` with a stable code; lets plans serialise channels and types as their codes.
pub(crate) trait Code: Copy + Sized {
    fn code(self) -> &'static str;
    fn parse(s: &str) -> Option<Self>;
    fn codes() -> String;
}

macro_rules! impl_code {
    ($($t:ty),+) => {$(
        impl Code for $t {
            fn code(self) -> &'static str { <$t>::code(self) }
            fn parse(s: &str) -> Option<Self> { <$t>::parse(s) }
            fn codes() -> String { <$t>::codes() }
        }
    )+};
}
impl_code!(OutreachChannel, FraudType, Language, Outcome);

/// `#[serde(with = "crate::codes::code")]`: one code as its string.
pub(crate) mod code {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use super::Code;

    pub(crate) fn serialize<T: Code, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.code())
    }

    pub(crate) fn deserialize<'de, T: Code, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        T::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown code {s:?}; allowed: {}", T::codes())))
    }
}

/// `#[serde(with = "crate::codes::code_list")]`: a list of codes.
pub(crate) mod code_list {
    use serde::{Deserialize, Deserializer, Serializer, de::Error, ser::SerializeSeq};

    use super::Code;

    pub(crate) fn serialize<T: Code, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(x.code())?;
        }
        seq.end()
    }

    pub(crate) fn deserialize<'de, T: Code, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        let v = Vec::<String>::deserialize(d)?;
        v.iter()
            .map(|s| {
                T::parse(s).ok_or_else(|| D::Error::custom(format!("unknown code {s:?}; allowed: {}", T::codes())))
            })
            .collect()
    }
}

/// Age bands used for reach estimates, content audiences and the balance table (the risk model's bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Under18,
    Age18To40,
    Age41To59,
    Age60To69,
    Age70Plus,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 5] =
        [AgeBand::Under18, AgeBand::Age18To40, AgeBand::Age41To59, AgeBand::Age60To69, AgeBand::Age70Plus];

    /// The band of an age in years.
    pub fn of_age(age: u8) -> AgeBand {
        match age {
            0..=17 => AgeBand::Under18,
            18..=40 => AgeBand::Age18To40,
            41..=59 => AgeBand::Age41To59,
            60..=69 => AgeBand::Age60To69,
            _ => AgeBand::Age70Plus,
        }
    }

    /// 60 or over.
    pub fn is_elderly(self) -> bool {
        matches!(self, AgeBand::Age60To69 | AgeBand::Age70Plus)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The channels a weekly plan may assign (the others are broadcast media, not per-resident contacts).
pub const PLANNED_CHANNELS: [OutreachChannel; 4] =
    [OutreachChannel::Sms, OutreachChannel::Call, OutreachChannel::Visit, OutreachChannel::Lecture];
