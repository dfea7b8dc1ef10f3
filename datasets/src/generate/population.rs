//! The district's people and places: communities on a grid map with adjacency, an age pyramid with ~20% aged 60+,
//! living alone, phones, and the hidden risk factors (age, living alone, frailty) of each resident.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::config::Config;
use super::numbers::Numbering;
use super::sample::{Stream, stream, weighted};
use crate::codes::{Gender, Language};
use crate::records::{Record, Resident};

/// Five-year age bands from 0–4 to 90–99 with weights of an ageing Chinese urban district (2020 census shape).
const AGE_BANDS: [f64; 19] =
    [4.5, 5.5, 5.5, 5.0, 5.5, 6.5, 8.5, 7.5, 6.8, 7.0, 8.0, 8.2, 6.2, 5.6, 3.8, 2.5, 1.5, 0.9, 0.3];
/// Index of the first band aged 60+.
const BAND_60: usize = 12;

/// One community (社区/村) with its block of resident indices.
#[derive(Debug, Clone)]
pub(crate) struct Area {
    pub(crate) code: String,
    pub(crate) first: u32,
    pub(crate) count: u32,
    pub(crate) grids: u32,
    pub(crate) first_staff: u32,
    pub(crate) staff: u32,
    /// Multiplier on the weight of 60+ bands (old town > new estates).
    pub(crate) elder_tilt: f64,
    pub(crate) urban: bool,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

impl Area {
    pub(crate) fn grid_code(&self, g: u32) -> String {
        format!("{}-G{:02}", self.code, g + 1)
    }
}

/// Communities, their adjacency and the age weights per community.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) areas: Vec<Area>,
    pub(crate) adjacency: Vec<(usize, usize)>,
    elder_scale: f64,
}

impl Layout {
    pub(crate) fn new(cfg: &Config) -> Layout {
        let mut rng = stream(cfg.seed, Stream::Layout, 0);
        let n = cfg.residents;
        let n_areas = n.div_ceil(cfg.rates.residents_per_community).max(1) as usize;
        let cols = (n_areas as f64).sqrt().ceil().max(1.0) as usize;
        let rows = n_areas.div_ceil(cols);
        let weights: Vec<f64> = (0..n_areas).map(|_| rng.gen_range(0.6..1.4)).collect();
        let total: f64 = weights.iter().sum();
        let mut areas = Vec::with_capacity(n_areas);
        let mut cum = 0.0;
        let mut first = 0u32;
        let mut staff = 0u32;
        let centre = ((rows as f64 - 1.0) / 2.0, (cols as f64 - 1.0) / 2.0);
        let max_d = (centre.0.powi(2) + centre.1.powi(2)).sqrt().max(1.0);
        for (k, w) in weights.iter().enumerate() {
            cum += w;
            let end = if k + 1 == n_areas { n } else { ((f64::from(n) * cum / total).round() as u32).min(n) };
            let count = end.saturating_sub(first);
            let (r, c) = ((k / cols) as f64, (k % cols) as f64);
            let d = ((r - centre.0).powi(2) + (c - centre.1).powi(2)).sqrt() / max_d;
            let grids = count.div_ceil(cfg.rates.residents_per_grid).max(1);
            let n_staff = grids.div_ceil(3).max(1);
            areas.push(Area {
                code: format!("{}{:03}{:03}", cfg.district, k / 8 + 1, k % 8 + 1),
                first,
                count,
                grids,
                first_staff: staff,
                staff: n_staff,
                elder_tilt: rng.gen_range(0.75..1.25) * (1.1 - 0.2 * d),
                urban: d < 0.7,
                lat: 31.22 + (r - centre.0) * 0.012 + rng.gen_range(-0.002..0.002),
                lon: 121.54 + (c - centre.1) * 0.014 + rng.gen_range(-0.002..0.002),
            });
            first = end;
            staff += n_staff;
        }
        // Normalise the tilts to a population-weighted mean of 1 so the district keeps the configured 60+ share.
        let mean_tilt = areas.iter().map(|a| a.elder_tilt * f64::from(a.count)).sum::<f64>() / f64::from(n.max(1));
        if mean_tilt > 0.0 {
            for a in &mut areas {
                a.elder_tilt /= mean_tilt;
            }
        }
        let mut adjacency = Vec::new();
        for k in 0..n_areas {
            let (r, c) = (k / cols, k % cols);
            if c + 1 < cols && k + 1 < n_areas {
                adjacency.push((k, k + 1));
            }
            if r + 1 < rows && k + cols < n_areas {
                adjacency.push((k, k + cols));
                if c + 1 < cols && k + cols + 1 < n_areas && rng.gen_bool(0.3) {
                    adjacency.push((k, k + cols + 1));
                }
            }
        }
        let under: f64 = AGE_BANDS[..BAND_60].iter().sum();
        let over: f64 = AGE_BANDS[BAND_60..].iter().sum();
        let s = cfg.rates.share_60_plus;
        let elder_scale = s * under / ((1.0 - s) * over);
        Layout { areas, adjacency, elder_scale }
    }

    /// The community holding resident `i`.
    pub(crate) fn area_of(&self, i: u32) -> usize {
        self.areas.partition_point(|a| a.first + a.count <= i).min(self.areas.len() - 1)
    }
}

/// The simulation's compact view of one resident: fixed traits, hidden risk and outreach history.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) age: u8,
    pub(crate) female: bool,
    pub(crate) alone: bool,
    pub(crate) phones: u8,
    pub(crate) grid: u16,
    pub(crate) area: u32,
    /// Hidden susceptibility: P(loss | contact) multiplier from age, living alone and frailty.
    pub(crate) susceptibility: f32,
    /// Outreach protection: the sum of −ln(1 − effect) of past outreach, decaying with the half-life.
    pub(crate) shield: f32,
    /// Day of the last victimisation (u16::MAX: never).
    pub(crate) victim_day: u16,
    pub(crate) last_visit: u16,
    pub(crate) last_calls: [u16; 2],
    pub(crate) last_sms: [u16; 4],
    pub(crate) last_lecture: u16,
    pub(crate) last_leaflet: u16,
    pub(crate) last_push: u16,
    pub(crate) app: bool,
}

pub(crate) const NEVER: u16 = u16::MAX;

/// Relative P(loss | contact) by age (victims: mean age 37, 18–40 are 62%, 41–65 are 33%).
fn age_susceptibility(age: u8) -> f64 {
    match age {
        0..=15 => 0.03,
        16..=17 => 0.4,
        18..=29 => 2.3,
        30..=40 => 2.0,
        41..=50 => 1.1,
        51..=59 => 0.9,
        60..=69 => 0.55,
        70..=79 => 0.5,
        _ => 0.5,
    }
}

/// Draws resident `i` of community `a`; returns its record and its simulation state.
pub(crate) fn resident(cfg: &Config, layout: &Layout, numbers: &Numbering, i: u32) -> (Record, Person) {
    let mut rng = stream(cfg.seed, Stream::Resident, u64::from(i));
    let a = layout.area_of(i);
    let area = &layout.areas[a];
    let weights: Vec<f64> = AGE_BANDS
        .iter()
        .enumerate()
        .map(|(b, w)| if b >= BAND_60 { w * layout.elder_scale * area.elder_tilt } else { *w })
        .collect();
    let band = weighted(&mut rng, &weights) as u8;
    let age = band * 5 + rng.gen_range(0..5) + if band == 18 { rng.gen_range(0..5) } else { 0 };
    let female = rng.gen_bool(if age >= 80 {
        0.6
    } else if age >= 60 {
        0.53
    } else {
        0.49
    });
    let alone_p = match age {
        0..=17 => 0.0,
        18..=24 => 0.03,
        25..=59 => 0.06,
        60..=69 => 0.75 * cfg.rates.alone_share_60_plus,
        70..=79 => 1.15 * cfg.rates.alone_share_60_plus,
        _ => 1.6 * cfg.rates.alone_share_60_plus,
    };
    let alone = rng.gen_bool(alone_p.min(1.0));
    let phones: u8 = match age {
        0..=11 => 0,
        12..=17 => u8::from(rng.gen_bool(0.7)),
        18..=59 => 1 + u8::from(rng.gen_bool(0.25)),
        _ => [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 0][rng.gen_range(0..20)],
    };
    let app = phones > 0 && rng.gen_bool(if age >= 60 { 0.12 } else { 0.35 });
    let language = match rng.gen_range(0..100) {
        0..=87 => Language::Mandarin,
        88..=96 if age >= 50 => Language::Wu,
        88..=96 => Language::Mandarin,
        97 => Language::Cantonese,
        98 => Language::English,
        _ => Language::Other,
    };
    let grid = rng.gen_range(0..area.grids) as u16;
    let z: f64 = StandardNormal.sample(&mut rng);
    let sigma = cfg.rates.frailty_sigma;
    let frailty = (sigma * z - sigma * sigma / 2.0).exp();
    let alone_factor = if alone { cfg.rates.alone_risk } else { 1.0 };
    let susceptibility = (age_susceptibility(age) * alone_factor * frailty) as f32;
    let birth_year = (i64::from(layout_year(cfg)) - i64::from(age) - i64::from(rng.gen_bool(0.08))) as u16;
    let phone_list: Vec<String> = (0..phones).map(|j| numbers.mobile(u64::from(i) * 2 + u64::from(j))).collect();
    let record = Record::Resident(Resident {
        resident_id: resident_id(i),
        birth_year,
        gender: if female { Gender::Female } else { Gender::Male },
        district: cfg.district.clone(),
        community: area.code.clone(),
        grid: Some(area.grid_code(u32::from(grid))),
        lives_alone: if age >= 18 || alone { Some(alone) } else { None },
        phones: phone_list,
        antifraud_app: if phones > 0 { Some(app) } else { None },
        language: Some(language),
    });
    let person = Person {
        age,
        female,
        alone,
        phones,
        grid,
        area: a as u32,
        susceptibility,
        shield: 0.0,
        victim_day: NEVER,
        last_visit: NEVER,
        last_calls: [NEVER; 2],
        last_sms: [NEVER; 4],
        last_lecture: NEVER,
        last_leaflet: NEVER,
        last_push: NEVER,
        app,
    };
    (record, person)
}

fn layout_year(cfg: &Config) -> i32 {
    use chrono::Datelike;
    cfg.start.year()
}

/// The opaque resident id.
pub(crate) fn resident_id(i: u32) -> String {
    format!("P{:07}", i + 1)
}

/// Draws an age for a victim living elsewhere, following the national victim age profile.
pub(crate) fn outside_victim_age(rng: &mut ChaCha8Rng, elderly: bool) -> u8 {
    if elderly {
        return rng.gen_range(60..88);
    }
    match rng.gen_range(0..100) {
        0..=2 => rng.gen_range(14..18),
        3..=64 => rng.gen_range(18..41),
        _ => rng.gen_range(41..60),
    }
}
