//! The synthetic district generator with planted ground truth.
