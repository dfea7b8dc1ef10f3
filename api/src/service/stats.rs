//! Counts and 万人发案率.
