//! The analytics integration tests, one binary.

mod gangs;
mod risk;
