//! Integration tests of the outreach library: plans never break caps, capacities or exclusions (property tests),
//! bad input gives typed errors, and urgent warnings follow the never-earlier rule and their escalation chain.

mod plan;
mod urgent;
