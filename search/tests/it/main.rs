//! Integration tests over external data.
