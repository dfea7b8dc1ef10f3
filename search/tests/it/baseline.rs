//! The baseline: plain BM25 over single characters (each non-space character a token), OR of the query's characters.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

#[derive(Clone)]
struct Chars;

struct CharStream {
    tokens: Vec<Token>,
    at: usize,
}

impl TokenStream for CharStream {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

fn chars(text: &str) -> Vec<Token> {
    text.char_indices()
        .filter(|(_, c)| c.is_alphanumeric())
        .enumerate()
        .map(|(position, (i, c))| Token {
            offset_from: i,
            offset_to: i + c.len_utf8(),
            position,
            text: c.to_lowercase().to_string(),
            position_length: 1,
        })
        .collect()
}

impl Tokenizer for Chars {
    type TokenStream<'a> = CharStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharStream {
        CharStream { tokens: chars(text), at: 0 }
    }
}

/// A character-unigram BM25 index; documents are numbered by insertion order.
pub struct CharIndex {
    reader: IndexReader,
    text: Field,
    num: Field,
}

impl CharIndex {
    pub fn build(texts: &[&str]) -> CharIndex {
        let mut b = Schema::builder();
        let idx = TextFieldIndexing::default().set_tokenizer("chars").set_index_option(IndexRecordOption::WithFreqs);
        let text = b.add_text_field("text", TextOptions::default().set_indexing_options(idx));
        let num = b.add_u64_field("num", STORED);
        let index = Index::create_in_ram(b.build());
        index.tokenizers().register("chars", Chars);
        let mut w = index.writer_with_num_threads(1, 50_000_000).unwrap();
        for (i, t) in texts.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_text(text, t);
            d.add_u64(num, i as u64);
            w.add_document(d).unwrap();
        }
        w.commit().unwrap();
        CharIndex { reader: index.reader().unwrap(), text, num }
    }

    /// Document numbers ranked by BM25 of the OR of the query's characters.
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        let mut seen = Vec::new();
        let clauses: Vec<(Occur, Box<dyn Query>)> = chars(query)
            .into_iter()
            .filter(|t| {
                let new = !seen.contains(&t.text);
                seen.push(t.text.clone());
                new
            })
            .map(|t| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_text(self.text, &t.text), IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        let searcher = self.reader.searcher();
        let top = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score()).unwrap();
        top.into_iter()
            .map(|(_, a)| {
                let d: TantivyDocument = searcher.doc(a).unwrap();
                d.get_first(self.num).and_then(|v| v.as_u64()).unwrap() as usize
            })
            .collect()
    }
}
