//! The analytics integration tests, one binary (external-data tests skip without FANZHA_EXTERNAL_DATA).

mod evidence;
mod gangs;
mod gml;
mod money;
mod quality;
mod risk;
mod typologies;
