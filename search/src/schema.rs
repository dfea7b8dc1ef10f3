//! The index schema: field handles and the tantivy schema built from them.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::{BIGRAM_TOKENIZER, JIEBA_TOKENIZER, TRIGRAM_TOKENIZER, UNIGRAM_TOKENIZER};

/// Field handles of the case index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub hash: Field,
    pub text: Field,
    pub bigram: Field,
    pub trigram: Field,
    pub unigram: Field,
    pub ids: Field,
    pub fraud_type: Field,
    pub district: Field,
    pub community: Field,
    pub status: Field,
    pub date: Field,
    pub loss: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let analysed = |tokenizer: &str, stored: bool| {
        let idx = TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let opts = TextOptions::default().set_indexing_options(idx);
        if stored { opts.set_stored() } else { opts }
    };
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED | FAST),
        hash: b.add_text_field("hash", STRING | STORED | FAST),
        text: b.add_text_field("text", analysed(JIEBA_TOKENIZER, true)),
        bigram: b.add_text_field("bigram", analysed(BIGRAM_TOKENIZER, false)),
        trigram: b.add_text_field("trigram", analysed(TRIGRAM_TOKENIZER, false)),
        unigram: b.add_text_field(
            "unigram",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(UNIGRAM_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        ids: b.add_text_field("ids", STRING | STORED),
        fraud_type: b.add_text_field("type", STRING | STORED | FAST),
        district: b.add_text_field("district", STRING | STORED | FAST),
        community: b.add_text_field("community", STRING | STORED | FAST),
        status: b.add_text_field("status", STRING | STORED | FAST),
        date: b.add_i64_field("date", INDEXED | STORED | FAST),
        loss: b.add_i64_field("loss", INDEXED | STORED | FAST),
    };
    (b.build(), fields)
}
