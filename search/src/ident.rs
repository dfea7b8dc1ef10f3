//! The seam to identifier extraction: canonical keys (`tel:+86…`, `card:…`) found in a text, with their spans.

use std::ops::Range;

/// One identifier written in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMention {
    /// Byte range of the written form in the text.
    pub span: Range<usize>,
    /// The canonical key (see keys.md).
    pub key: String,
}

/// Finds identifiers in free text; used on query strings (so any written form of a phone or card also searches its
/// canonical key) and by callers to fill [`CaseDoc::identifiers`](crate::CaseDoc::identifiers).
pub trait IdentifierExtractor: Send + Sync {
    /// The identifiers in `text`, non-overlapping, in text order.
    fn find(&self, text: &str) -> Vec<IdMention>;

    /// Just the keys, deduplicated, in first-seen order.
    fn keys(&self, text: &str) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for m in self.find(text) {
            if !keys.contains(&m.key) {
                keys.push(m.key);
            }
        }
        keys
    }
}

/// The project's normaliser: [`datasets::ident::extract`] (phones, cards, card tails, URLs, apps, IM ids, IPs, IMEIs).
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentExtractor;

impl IdentifierExtractor for IdentExtractor {
    fn find(&self, text: &str) -> Vec<IdMention> {
        datasets::ident::extract(text).into_iter().map(|m| IdMention { span: m.span, key: m.id.key }).collect()
    }
}

/// An extractor that finds nothing (identifier search off).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoIdentifiers;

impl IdentifierExtractor for NoIdentifiers {
    fn find(&self, _text: &str) -> Vec<IdMention> {
        Vec::new()
    }
}
