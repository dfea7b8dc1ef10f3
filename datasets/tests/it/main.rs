//! Integration tests of the `datasets` crate (one binary).

mod ident_extract;
mod ident_forms;
mod ident_props;
