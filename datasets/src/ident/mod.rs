//! Identifier normalisation (one canonical key per real identifier) and extraction from narrative text.
