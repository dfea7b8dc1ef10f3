//! Integration tests of the outreach library.
