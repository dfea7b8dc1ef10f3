//! The case document given to the index, and its change hash.

use serde::{Deserialize, Serialize};

/// One case (a victim's report, or an outside text) as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDoc {
    /// Unique id (a report id, or a line number for an outside corpus).
    pub id: String,
    /// The narrative.
    pub text: String,
    /// Fraud-type code (or, for an outside corpus, its label).
    pub fraud_type: String,
    pub district: String,
    pub community: Option<String>,
    /// Case status code (`received`, `filed`, `solved`, `closed`), when known.
    pub status: Option<String>,
    /// When reported, epoch seconds.
    pub reported_at: Option<i64>,
    /// Loss in fen.
    pub loss_fen: Option<i64>,
    /// Canonical identifier keys (`tel:+86…`, `card:…`), matched exactly.
    pub identifiers: Vec<String>,
}

impl CaseDoc {
    /// A stable 64-bit FNV-1a hash of every field, hex; a changed hash means the case must be re-indexed.
    pub fn content_hash(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes.iter().chain([0xff_u8].iter()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(self.id.as_bytes());
        eat(self.text.as_bytes());
        eat(self.fraud_type.as_bytes());
        eat(self.district.as_bytes());
        eat(self.community.as_deref().unwrap_or("\u{0}").as_bytes());
        eat(self.status.as_deref().unwrap_or("\u{0}").as_bytes());
        eat(&self.reported_at.map_or([0xfe; 9], |v| prefixed(v.to_le_bytes())));
        eat(&self.loss_fen.map_or([0xfe; 9], |v| prefixed(v.to_le_bytes())));
        for k in &self.identifiers {
            eat(k.as_bytes());
        }
        format!("{h:016x}")
    }
}

fn prefixed(b: [u8; 8]) -> [u8; 9] {
    let mut out = [1u8; 9];
    out[1..].copy_from_slice(&b);
    out
}
