//! Graph building, gang clustering, money-flow tracing, typologies, area statistics and the risk model (issues 3 and 5; not yet built).
