//! Content library, targeting, capacity planning, urgent warnings, holdout and effect (not yet built).
