//! Integration tests of the `datasets` crate (one binary).

mod generate;
mod ident_extract;
mod ident_forms;
mod ident_props;
mod planted;
mod scenarios;
