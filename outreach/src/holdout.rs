//! The randomised holdout of a routine plan: stratified by grid × risk decile, seeded, with a balance table.
//! Urgent warnings never pass through here.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One selected resident as the holdout sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutMember<'a> {
    pub resident_id: &'a str,
    pub grid: &'a str,
    /// Risk decile, 1 (lowest) to 10.
    pub decile: u8,
    /// Never held out (must-visit residents when the params say so).
    pub exempt: bool,
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Draws who is held out: in each grid × decile stratum, members in id order are shuffled by a generator seeded
/// from `seed` and the stratum, and ⌊n·share⌋ of them are held out plus one more with probability equal to the
/// fractional part (so small strata still give `share` on average). Exempt members are never held out.
pub fn draw_holdout(members: &[HoldoutMember], share: f64, seed: u64) -> Vec<bool> {
    let mut strata: BTreeMap<(&str, u8), Vec<usize>> = BTreeMap::new();
    for (i, m) in members.iter().enumerate().filter(|(_, m)| !m.exempt) {
        strata.entry((m.grid, m.decile)).or_default().push(i);
    }
    let mut held = vec![false; members.len()];
    for ((grid, decile), mut idx) in strata {
        idx.sort_by(|&a, &b| members[a].resident_id.cmp(members[b].resident_id));
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv(grid).rotate_left(8) ^ u64::from(decile));
        idx.shuffle(&mut rng);
        let exact = idx.len() as f64 * share;
        let k = exact.floor() as usize + usize::from(rng.r#gen::<f64>() < exact.fract());
        for &i in idx.iter().take(k) {
            held[i] = true;
        }
    }
    held
}

/// One covariate compared across the arms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub covariate: String,
    pub treated_mean: f64,
    pub held_out_mean: f64,
    /// Standardised mean difference (treated − held out) / pooled sd; |smd| < 0.1 is the usual balance check.
    pub smd: f64,
}

/// Treated vs held-out means of the covariates the plan knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceTable {
    pub treated: u64,
    pub held_out: u64,
    pub rows: Vec<BalanceRow>,
}

/// Builds the balance table from each member's arm and covariate values (one vector per covariate name).
pub fn balance(held: &[bool], covariates: &[(&str, Vec<f64>)]) -> BalanceTable {
    let treated = held.iter().filter(|&&h| !h).count() as u64;
    let held_out = held.len() as u64 - treated;
    let rows = covariates
        .iter()
        .map(|(name, xs)| {
            let stats = |arm: bool| {
                let v: Vec<f64> = xs.iter().zip(held).filter(|(_, h)| **h == arm).map(|(x, _)| *x).collect();
                let n = v.len() as f64;
                if n == 0.0 {
                    return (0.0, 0.0);
                }
                let mean = v.iter().sum::<f64>() / n;
                let var = if n > 1.0 { v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
                (mean, var)
            };
            let ((mt, vt), (mh, vh)) = (stats(false), stats(true));
            let sd = ((vt + vh) / 2.0).sqrt();
            BalanceRow {
                covariate: (*name).to_string(),
                treated_mean: mt,
                held_out_mean: mh,
                smd: if sd > 0.0 { (mt - mh) / sd } else { 0.0 },
            }
        })
        .collect();
    BalanceTable { treated, held_out, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_share_is_kept_deterministic_and_exempts_are_never_held_out() {
        let ids: Vec<String> = (0..2000).map(|i| format!("R{i:05}")).collect();
        let members: Vec<HoldoutMember> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| HoldoutMember {
                resident_id: id,
                grid: if i % 2 == 0 { "G1" } else { "G2" },
                decile: (i % 10) as u8 + 1,
                exempt: i % 97 == 0,
            })
            .collect();
        let a = draw_holdout(&members, 0.1, 42);
        assert_eq!(a, draw_holdout(&members, 0.1, 42));
        assert_ne!(a, draw_holdout(&members, 0.1, 43));
        let n = a.iter().filter(|&&h| h).count();
        assert!((170..=230).contains(&n), "{n}");
        assert!(members.iter().zip(&a).all(|(m, h)| !(m.exempt && *h)));
        let t = balance(&a, &[("decile", members.iter().map(|m| f64::from(m.decile)).collect())]);
        assert!(t.rows[0].smd.abs() < 0.1, "{t:?}");
    }
}
