//! CSV / JSON Lines readers for the interchange format, reporting every bad row.
