//! Highlighted snippets that cut Chinese text at sentence or clause boundaries, never inside a digit or Latin run.

use serde::{Deserialize, Serialize};

use crate::analysis::{Analyzer, TokenMode};

/// A short piece of a case's text with the query's matches marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The text, with `…` where it was cut.
    pub text: String,
    /// Byte ranges of the matches in `text`, ascending, non-overlapping.
    pub highlights: Vec<(usize, usize)>,
}

impl Snippet {
    /// The text with every match wrapped in `open` … `close` (e.g. `【` `】` or `<b>` `</b>`).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for &(a, b) in &self.highlights {
            out.push_str(&self.text[at..a]);
            out.push_str(open);
            out.push_str(&self.text[a..b]);
            out.push_str(close);
            at = b;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

const SENTENCE_END: &[char] = &['。', '！', '？', '；', '!', '?', ';', '\n'];
const CLAUSE_END: &[char] = &['，', '、', '：', ',', ':', ' ', '）', ')'];

/// What to highlight: bigram-field tokens of the query's words, and prefixes of jieba tokens.
#[derive(Debug, Clone, Default)]
pub(crate) struct HighlightTerms {
    pub tokens: Vec<String>,
    pub prefixes: Vec<String>,
    /// Rare words a case may match by its characters only (ranked matching): in a text without the word (none of
    /// its tokens), its characters are highlighted instead, so the snippet shows why the case came.
    pub by_characters: Vec<(Vec<String>, Vec<String>)>,
}

/// Builds the snippet of `text` around the densest cluster of matches, about `max_chars` characters long.
pub(crate) fn snippet(analyzer: &Analyzer, text: &str, terms: &HighlightTerms, max_chars: usize) -> Snippet {
    let bigrams = analyzer.tokens(text, TokenMode::Bigram);
    let mut hits: Vec<(usize, usize)> =
        bigrams.iter().filter(|t| terms.tokens.contains(&t.text)).map(|t| (t.from, t.to)).collect();
    let missing: Vec<&String> = terms
        .by_characters
        .iter()
        .filter(|(word, _)| !bigrams.iter().any(|t| word.contains(&t.text)))
        .flat_map(|(_, chars)| chars)
        .collect();
    if !missing.is_empty() {
        let unigrams = analyzer.tokens(text, TokenMode::Unigram);
        hits.extend(unigrams.iter().filter(|t| missing.contains(&&t.text)).map(|t| (t.from, t.to)));
    }
    if !terms.prefixes.is_empty() {
        hits.extend(
            analyzer
                .tokens(text, TokenMode::Jieba)
                .into_iter()
                .filter(|t| terms.prefixes.iter().any(|p| t.text.starts_with(p.as_str())))
                .map(|t| (t.from, t.to)),
        );
    }
    hits.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in hits {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let char_of = |byte: usize| chars.partition_point(|c| c.0 < byte);
    let byte_of = |ci: usize| chars.get(ci).map_or(text.len(), |c| c.0);
    let max_chars = max_chars.max(10);

    // The window start (in chars) that covers most matches.
    let hit_chars: Vec<usize> = merged.iter().map(|h| char_of(h.0)).collect();
    let mut first_hit = hit_chars.first().copied().unwrap_or(0);
    let mut best = 0;
    for (i, &s) in hit_chars.iter().enumerate() {
        let count = hit_chars[i..].iter().take_while(|&&c| c < s + max_chars * 3 / 4).count();
        if count > best {
            best = count;
            first_hit = s;
        }
    }
    // Start: after a sentence end within 40 chars before the first match, else a clause end within 20, else 10
    // characters before it; never inside an ASCII run.
    let back = |limit: usize, set: &[char]| -> Option<usize> {
        (first_hit.saturating_sub(limit)..first_hit).rev().find(|&i| i > 0 && set.contains(&chars[i - 1].1))
    };
    let mut start = if first_hit == 0 {
        0
    } else {
        back(40, SENTENCE_END).or_else(|| back(20, CLAUSE_END)).unwrap_or(first_hit.saturating_sub(10))
    };
    while start > 0 && start < n && chars[start].1.is_ascii_alphanumeric() && chars[start - 1].1.is_ascii_alphanumeric()
    {
        start -= 1;
    }
    while start < n && (chars[start].1.is_whitespace() || CLAUSE_END.contains(&chars[start].1)) {
        start += 1;
    }
    // End: at a sentence end within the budget if there is one in its last third, else at a clause end, else hard.
    let hard = (start + max_chars).min(n);
    let mut end = hard;
    if hard < n {
        let from = start + max_chars * 2 / 3;
        let find = |set: &[char]| (from..hard).rev().find(|&i| set.contains(&chars[i].1)).map(|i| i + 1);
        end = find(SENTENCE_END).or_else(|| find(CLAUSE_END)).unwrap_or(hard);
        while end > start + 1
            && end < n
            && chars[end].1.is_ascii_alphanumeric()
            && chars[end - 1].1.is_ascii_alphanumeric()
        {
            end -= 1;
        }
    }
    let (sb, eb) = (byte_of(start), byte_of(end));
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < n { "…" } else { "" };
    let body = text[sb..eb].trim_end();
    let highlights = merged
        .iter()
        .filter(|h| h.0 >= sb && h.1 <= sb + body.len())
        .map(|h| (h.0 - sb + lead.len(), h.1 - sb + lead.len()))
        .collect();
    Snippet { text: format!("{lead}{body}{tail}"), highlights }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalyzerOptions;

    #[test]
    fn highlights_and_cuts_at_sentence_boundaries() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let filler = "今天天气很好，我们去公园散步。".repeat(10);
        let text = format!("{filler}对方自称公安局民警，要求我把钱转入安全账户。{filler}");
        let terms = HighlightTerms {
            tokens: a.tokens("安全账户", TokenMode::Bigram).into_iter().map(|t| t.text).collect(),
            ..Default::default()
        };
        let s = snippet(&a, &text, &terms, 60);
        assert!(s.text.starts_with("…对方自称"), "{}", s.text);
        assert!(s.marked("【", "】").contains("【安全账户】"), "{}", s.marked("【", "】"));
        assert!(s.text.chars().count() <= 62, "{}", s.text);
        let body = s.text.trim_end_matches('…');
        assert!(body.ends_with(['。', '，']), "{}", s.text);
    }

    #[test]
    fn never_cuts_a_number() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let text = format!("{}号码13800138000{}", "啊".repeat(20), "呀".repeat(200));
        let terms = HighlightTerms { tokens: vec!["13800138000".into()], ..Default::default() };
        let s = snippet(&a, &text, &terms, 30);
        assert!(s.marked("[", "]").contains("[13800138000]"), "{}", s.text);
        assert!(snippet(&a, "", &terms, 30).text.is_empty());
    }
}
