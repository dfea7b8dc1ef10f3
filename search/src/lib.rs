//! The Tantivy case index with Chinese segmentation and identifier search (issue 4; not yet built).
