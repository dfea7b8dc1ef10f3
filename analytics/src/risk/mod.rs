//! Weekly resident risk: point-in-time features, logistic / forest models with Platt calibration and reason codes,
//! area statistics and evaluation metrics.

mod area;
mod calibrate;
mod error;
mod evaluate;
mod features;
mod input;
mod metrics;
mod model;
mod newton;
mod week;

pub use area::{
    AreaCase, AreaInput, AreaParams, AreaReport, AreaRow, area_week, benjamini_hochberg, eb_smooth, getis_ord_gi_star,
    normal_two_sided_p, poisson_upper_tail,
};
pub use calibrate::Platt;
pub use error::RiskError;
pub use evaluate::{Evaluation, Grouping, SelectionRate, evaluate};
pub use features::{
    COMMUNITY_WEEKS, FEATURES, FeatureBuilder, FeatureSpec, N_FEATURES, OUTREACH_HALF_LIFE_DAYS, VICTIM_RECENCY_WEEKS,
    WARNING_LAG, WeekFeatures, channel_weight,
};
pub use input::{ContactInput, GangNumber, OutreachInput, ResidentInput, RiskData, VictimReport, phone_key};
pub use metrics::{ReliabilityBin, brier, calibration, pr_auc, precision_at_k, roc_auc, spearman};
pub use model::{FitSample, ModelKind, Reason, RiskModel, TrainParams, data_digest, deciles};
pub use week::IsoWeek;
