//! Integration tests of community detection on real graphs with ground truth (skipped without FANZHA_EXTERNAL_DATA).

mod gml;
mod quality;
