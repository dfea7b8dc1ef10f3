//! Text analysis: width/case (and optional traditional→simplified) folding, script runs, jieba and CJK-bigram tokens.
//!
//! Every analyser first folds the text character by character (keeping each folded character's byte range in the
//! original text, so highlights point at what the user wrote), then cuts it into runs of one script: Han, ASCII
//! digits, Latin letters. Everything else (spaces, punctuation) separates runs. Digit and Latin runs are always
//! whole tokens, so `铁路12306` gives `铁路` and `12306`.
//! - [`TokenMode::Jieba`]: Han runs are cut by jieba in search mode (with the shipped fraud-jargon dictionary).
//! - [`TokenMode::Bigram`]: Han runs give overlapping character bigrams (a lone character gives itself); names and
//!   words missing from the dictionary still match as bigram phrases.
//! - [`TokenMode::Trigram`]: Han runs of three or more characters give overlapping character trigrams, positioned by
//!   character with a gap between runs, so a phrase of Han characters is matched exactly by a few non-overlapping
//!   trigrams (a three-character word by one term, without positions).
//! - [`TokenMode::Unigram`]: each Han character alone (the `unigram` field, frequencies only): the weakest
//!   evidence, which ranked matching adds when it relaxes a query, so a term the text words differently (盗窃 in
//!   a fact that says 窃取) still counts by its characters.

use std::io::BufReader;
use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::error::SearchError;

/// The shipped fraud-jargon user dictionary (jieba format: `word freq tag`).
pub const FRAUD_JARGON_DICT: &str = include_str!("../dict/fraud_jargon.txt");

/// Name of the jieba tokenizer in the index's tokenizer manager.
pub(crate) const JIEBA_TOKENIZER: &str = "fz_jieba";
/// Name of the bigram tokenizer in the index's tokenizer manager.
pub(crate) const BIGRAM_TOKENIZER: &str = "fz_bigram";
/// Name of the trigram tokenizer in the index's tokenizer manager.
pub(crate) const TRIGRAM_TOKENIZER: &str = "fz_trigram";
/// Name of the single-character tokenizer in the index's tokenizer manager.
pub(crate) const UNIGRAM_TOKENIZER: &str = "fz_unigram";

/// Options of the analyser, fixed when an index is created (queries must be analysed the same way).
#[derive(Debug, Clone, Default)]
pub struct AnalyzerOptions {
    /// Fold traditional characters to simplified ones (詐騙帳戶 → 诈骗账户), one character for one, with the full
    /// single-character table of the `fast2s` crate (about 2,700 pairs); off by default. Phrase-level variants
    /// (軟體 → 软件) are not rewritten.
    pub fold_traditional: bool,
    /// Extra user-dictionary text (jieba format `word [freq] [tag]`, one a line) loaded after the shipped one.
    pub extra_dict: Option<String>,
}

/// Which tokens to produce for Han runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    /// jieba search mode: words and their dictionary sub-words (what the `text` field indexes).
    Jieba,
    /// Character bigrams (what the `bigram` field indexes).
    Bigram,
    /// Character trigrams of Han runs, position = character index with a gap between runs (the `trigram` field).
    Trigram,
    /// Each Han character (the `unigram` field).
    Unigram,
    /// jieba default mode: one segmentation without sub-words (how a query word is split into required words).
    Words,
}

impl TokenMode {
    /// Whether the tokens are character n-grams (made one at a time by `Grams`).
    fn is_grams(self) -> bool {
        matches!(self, TokenMode::Bigram | TokenMode::Trigram | TokenMode::Unigram)
    }
}

/// One token: folded text, byte range in the original text, ordinal position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// The shared analyser: a jieba instance with the jargon dictionary plus folding options. Cheap to clone.
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<Jieba>,
    /// The traditional→simplified table, when folding is on.
    trad: Option<Arc<crate::trad::TradTable>>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("fold_traditional", &self.trad.is_some()).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Han,
    Digit,
    Latin,
}

/// A run of one script: folded text and, for each folded char, its byte start in the folded text and its byte
/// range in the original.
struct Run {
    script: Script,
    folded: String,
    /// (folded byte start, original byte start, original byte end) per char.
    chars: Vec<(usize, usize, usize)>,
}

impl Run {
    /// Original byte range of the folded byte range `[a, b)`.
    fn original(&self, a: usize, b: usize) -> (usize, usize) {
        let first = self.chars.partition_point(|c| c.0 < a).min(self.chars.len().saturating_sub(1));
        let last = self.chars.partition_point(|c| c.0 < b).saturating_sub(1);
        (self.chars[first].1, self.chars[last.max(first)].2)
    }
}

impl Analyzer {
    /// Builds the analyser: jieba's default dictionary, the shipped jargon dictionary, then `options.extra_dict`.
    pub fn new(options: &AnalyzerOptions) -> Result<Analyzer, SearchError> {
        let mut jieba = Jieba::new();
        let dicts = std::iter::once(("fraud_jargon.txt", FRAUD_JARGON_DICT))
            .chain(options.extra_dict.as_deref().map(|d| ("extra dictionary", d)));
        for (name, text) in dicts {
            jieba
                .load_dict(&mut BufReader::new(text.as_bytes()))
                .map_err(|e| SearchError::Dictionary { name: name.to_string(), reason: e.to_string() })?;
        }
        let trad = options.fold_traditional.then(|| Arc::new(crate::trad::TradTable::new()));
        Ok(Analyzer { jieba: Arc::new(jieba), trad })
    }

    /// Folds one character: full-width ASCII to ASCII, ideographic space to space, ASCII lower case, and
    /// (if enabled) traditional to simplified.
    pub fn fold_char(&self, c: char) -> char {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        let c = c.to_ascii_lowercase();
        match &self.trad {
            Some(t) => t.to_simplified(c),
            None => c,
        }
    }

    /// Folds a whole string (as [`fold_char`](Self::fold_char)).
    pub fn fold(&self, text: &str) -> String {
        text.chars().map(|c| self.fold_char(c)).collect()
    }

    fn runs(&self, text: &str) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for (at, c) in text.char_indices() {
            let f = self.fold_char(c);
            let script = match f {
                '0'..='9' => Script::Digit,
                'a'..='z' => Script::Latin,
                _ if is_han(f) => Script::Han,
                _ => {
                    runs.push(Run { script: Script::Han, folded: String::new(), chars: Vec::new() });
                    continue;
                }
            };
            let end = at + c.len_utf8();
            match runs.last_mut() {
                Some(r) if r.script == script && !r.chars.is_empty() => {
                    r.chars.push((r.folded.len(), at, end));
                    r.folded.push(f);
                }
                _ => runs.push(Run { script, folded: f.to_string(), chars: vec![(0, at, end)] }),
            }
        }
        runs.retain(|r| !r.chars.is_empty());
        runs
    }

    /// The folded text of `text` when it is a single run of Han characters (nothing else but surrounding spaces).
    pub fn han_run(&self, text: &str) -> Option<String> {
        match self.runs(text).as_slice() {
            [run] if run.script == Script::Han => Some(run.folded.clone()),
            _ => None,
        }
    }

    /// The tokens of `text` in the given mode.
    pub fn tokens(&self, text: &str, mode: TokenMode) -> Vec<Tok> {
        let mut out = Vec::new();
        if mode.is_grams() {
            let (mut grams, mut t) = (Grams::new(self.runs(text), mode), Token::default());
            while grams.next_into(&mut t) {
                out.push(Tok { text: t.text.clone(), from: t.offset_from, to: t.offset_to, position: t.position });
            }
            return out;
        }
        for run in self.runs(text) {
            let position = out.len();
            if run.script != Script::Han {
                let (from, to) = run.original(0, run.folded.len());
                out.push(Tok { text: run.folded, from, to, position });
                continue;
            }
            let cut = if mode == TokenMode::Jieba {
                self.jieba.cut_for_search(&run.folded, true)
            } else {
                self.jieba.cut(&run.folded, true)
            };
            for t in cut {
                if t.word.trim().is_empty() {
                    continue;
                }
                let (from, to) = run.original(t.byte_start, t.byte_end);
                out.push(Tok { text: t.word.to_string(), from, to, position: out.len() });
            }
        }
        out
    }

    pub(crate) fn tokenizer(&self, mode: TokenMode) -> FzTokenizer {
        FzTokenizer { analyzer: self.clone(), mode }
    }
}

/// Bigram or trigram tokens of a text's runs, produced one at a time into a reused [`Token`] (indexing makes one
/// per character per field: allocating each as its own string was a tenth of indexing time).
/// - Bigram: a digit or Latin run is one token; a lone Han character is itself; longer Han runs give overlapping
///   bigrams. Positions count tokens.
/// - Trigram: Han runs of three or more characters give overlapping trigrams. Positions count characters, plus one
///   between runs, so adjacency never crosses a run boundary.
pub(crate) struct Grams {
    runs: Vec<Run>,
    mode: TokenMode,
    run: usize,
    /// Next token within the current run.
    i: usize,
    /// Trigram position of the current run's first character.
    char_base: usize,
    /// Bigram tokens emitted so far.
    ordinal: usize,
}

impl Grams {
    fn new(runs: Vec<Run>, mode: TokenMode) -> Grams {
        Grams { runs, mode, run: 0, i: 0, char_base: 0, ordinal: 0 }
    }

    /// Writes the next token into `t`; `false` when there is none.
    fn next_into(&mut self, t: &mut Token) -> bool {
        loop {
            let Some(run) = self.runs.get(self.run) else { return false };
            let (n, han) = (run.chars.len(), run.script == Script::Han);
            let count = match self.mode {
                TokenMode::Trigram if han => n.saturating_sub(2),
                TokenMode::Trigram | TokenMode::Unigram if !han => 0,
                TokenMode::Unigram => n,
                _ if han && n > 1 => n - 1,
                _ => 1,
            };
            if self.i < count {
                let i = self.i;
                self.i += 1;
                // Characters [i, i + width) of the run (the whole run for a digit/Latin run or a lone character).
                let width = match self.mode {
                    TokenMode::Trigram => 3,
                    TokenMode::Unigram => 1,
                    _ if han && n > 1 => 2,
                    _ => n,
                };
                let a = run.chars[i].0;
                let b = run.chars.get(i + width).map_or(run.folded.len(), |c| c.0);
                t.text.clear();
                t.text.push_str(&run.folded[a..b]);
                t.offset_from = run.chars[i].1;
                t.offset_to = run.chars[i + width - 1].2;
                t.position_length = 1;
                t.position = if self.mode == TokenMode::Trigram {
                    self.char_base + i
                } else {
                    self.ordinal += 1;
                    self.ordinal - 1
                };
                return true;
            }
            self.char_base += n + 1;
            self.run += 1;
            self.i = 0;
        }
    }
}

/// Whether `c` is a Han ideograph (CJK unified ideographs, extension A and B+, compatibility ideographs, 〇).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x3134F | 0x3007)
}

/// A tantivy tokenizer backed by an [`Analyzer`].
#[derive(Clone)]
pub(crate) struct FzTokenizer {
    analyzer: Analyzer,
    mode: TokenMode,
}

pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// jieba tokens (computed at once) or bigrams/trigrams (one at a time).
pub(crate) enum FzTokenStream {
    Vec(VecTokenStream),
    Grams(Grams, Token),
}

impl TokenStream for FzTokenStream {
    fn advance(&mut self) -> bool {
        match self {
            FzTokenStream::Vec(v) => v.advance(),
            FzTokenStream::Grams(g, t) => g.next_into(t),
        }
    }
    fn token(&self) -> &Token {
        match self {
            FzTokenStream::Vec(v) => v.token(),
            FzTokenStream::Grams(_, t) => t,
        }
    }
    fn token_mut(&mut self) -> &mut Token {
        match self {
            FzTokenStream::Vec(v) => v.token_mut(),
            FzTokenStream::Grams(_, t) => t,
        }
    }
}

impl Tokenizer for FzTokenizer {
    type TokenStream<'a> = FzTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> FzTokenStream {
        if self.mode.is_grams() {
            return FzTokenStream::Grams(Grams::new(self.analyzer.runs(text), self.mode), Token::default());
        }
        let tokens = self
            .analyzer
            .tokens(text, self.mode)
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        FzTokenStream::Vec(VecTokenStream { tokens, next: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(a: &Analyzer, s: &str, mode: TokenMode) -> Vec<String> {
        a.tokens(s, mode).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn digit_and_latin_runs_are_whole_and_split_at_script_boundaries() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let j = texts(&a, "铁路12306订票APP", TokenMode::Jieba);
        assert!(j.contains(&"铁路".to_string()), "{j:?}");
        assert!(j.contains(&"12306".to_string()), "{j:?}");
        assert!(j.contains(&"app".to_string()), "{j:?}");
        let b = texts(&a, "铁路12306订票", TokenMode::Bigram);
        assert_eq!(b, ["铁路", "12306", "订票"]);
    }

    #[test]
    fn full_width_is_folded_and_offsets_point_into_the_original() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let text = "拨打１３８００１３８０００找ＡＢＣ客服";
        let toks = a.tokens(text, TokenMode::Jieba);
        let phone = toks.iter().find(|t| t.text == "13800138000").expect("folded phone token");
        assert_eq!(&text[phone.from..phone.to], "１３８００１３８０００");
        assert!(toks.iter().any(|t| t.text == "abc"));
    }

    #[test]
    fn jargon_words_are_kept_whole() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let j = texts(&a, "对方让我把钱转到安全账户，还拉我进杀猪盘和跑分平台", TokenMode::Jieba);
        for w in ["安全账户", "杀猪盘", "跑分平台"] {
            assert!(j.contains(&w.to_string()), "{w} missing from {j:?}");
        }
    }

    #[test]
    fn extra_dictionary_is_loaded() {
        let opts = AnalyzerOptions { extra_dict: Some("蓝鲸盘 1000 n\n".into()), ..Default::default() };
        let a = Analyzer::new(&opts).unwrap();
        assert!(texts(&a, "加入蓝鲸盘投资", TokenMode::Jieba).contains(&"蓝鲸盘".to_string()));
    }

    #[test]
    fn traditional_folding_is_optional() {
        let on = Analyzer::new(&AnalyzerOptions { fold_traditional: true, ..Default::default() }).unwrap();
        let off = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        assert_eq!(texts(&on, "詐騙", TokenMode::Bigram), ["诈骗"]);
        assert_eq!(texts(&off, "詐騙", TokenMode::Bigram), ["詐騙"]);
    }

    #[test]
    fn trigrams_are_positioned_by_character_with_gaps_between_runs() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        let toks: Vec<(String, usize)> =
            a.tokens("报警人称，对方ab我们的", TokenMode::Trigram).into_iter().map(|t| (t.text, t.position)).collect();
        let want = [("报警人", 0), ("警人称", 1), ("我们的", 11)];
        assert_eq!(toks, want.map(|(t, p)| (t.to_string(), p)));
        assert_eq!(a.han_run(" 报警人 ").as_deref(), Some("报警人"));
        assert_eq!(a.han_run("铁路12306"), None);
        assert_eq!(a.han_run("报警，人称"), None);
    }

    #[test]
    fn the_index_stream_gives_the_query_tokens() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        for text in ["铁路12306订票，报警人称：对方ab我们的", "中", "", "１２３ＡＢＣ安全账户a1", "𠀀𠀁x9 e\u{301}中文"]
        {
            for mode in [TokenMode::Jieba, TokenMode::Bigram, TokenMode::Trigram, TokenMode::Unigram] {
                let mut tk = a.tokenizer(mode);
                let mut stream = tk.token_stream(text);
                let mut got = Vec::new();
                while stream.advance() {
                    let t = stream.token();
                    got.push(Tok { text: t.text.clone(), from: t.offset_from, to: t.offset_to, position: t.position });
                }
                assert_eq!(got, a.tokens(text, mode), "{text:?} {mode:?}");
                assert!(got.iter().all(|t| text.get(t.from..t.to).is_some()), "{text:?} {mode:?}");
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        for s in ["", " ", "，。！", "a", "中", "\u{FF5E}\u{FF01}", "𠀀𠀁x9", "e\u{301}中\u{200d}文"] {
            let _ = a.tokens(s, TokenMode::Jieba);
            let _ = a.tokens(s, TokenMode::Bigram);
            let _ = a.tokens(s, TokenMode::Trigram);
            let _ = a.tokens(s, TokenMode::Unigram);
        }
    }

    #[test]
    fn unigrams_are_the_han_characters() {
        let a = Analyzer::new(&AnalyzerOptions::default()).unwrap();
        assert_eq!(texts(&a, "盗窃ab手机12，车", TokenMode::Unigram), ["盗", "窃", "手", "机", "车"]);
    }
}
