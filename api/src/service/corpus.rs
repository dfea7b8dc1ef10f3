//! An outside JSONL corpus (one case a line) read as [`CaseDoc`]s: dotted field paths name the text, id, type,
//! district, date, loss and status. A bad line is an `invalid_corpus` error naming the file and line.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use search::{CaseDoc, IdentExtractor, IdentifierExtractor};

use crate::error::{AppError, AppResult, Kind};
use crate::service::progress::Progress;

/// Where a JSONL corpus comes from and how to read it.
#[derive(Debug, Clone)]
pub struct JsonlSource {
    pub file: PathBuf,
    /// Dotted path of the text field (e.g. `fact`).
    pub text_field: String,
    /// Dotted path of the id field; line numbers (1-based) when absent.
    pub id_field: Option<String>,
    /// Dotted path of a label stored as the case's type (first element of an array), e.g. `meta.accusation`.
    pub type_field: Option<String>,
    /// Dotted path of the district label.
    pub district_field: Option<String>,
    /// Dotted path of the report date: `YYYY-MM-DD` (Beijing time) or epoch seconds.
    pub date_field: Option<String>,
    /// Dotted path of the loss, an integer number of fen.
    pub loss_field: Option<String>,
    /// Dotted path of the case status (a `CaseStatus` code or Chinese label, e.g. `solved` or 已破案).
    pub status_field: Option<String>,
}

/// A problem with one line of the corpus: `invalid_corpus`, "file:line: reason".
pub(crate) fn line_error(file: &Path, line: usize, reason: impl std::fmt::Display) -> AppError {
    AppError::new(Kind::Invalid, "invalid_corpus", format!("{}:{line}: {reason}", file.display()))
}

/// About how many lines `file` has (sizes the index writer; 0 when unreadable).
pub(crate) fn estimate_lines(file: &Path) -> usize {
    let Ok(f) = std::fs::File::open(file) else { return 0 };
    std::io::BufReader::new(f).split(b'\n').count()
}

/// Reads the corpus one case a line, handing each case and its line number to `f`; reports bytes read to
/// `progress`. Blank lines are skipped. Returns the number of cases.
pub(crate) fn for_each_case(
    src: &JsonlSource,
    progress: &dyn Progress,
    mut f: impl FnMut(CaseDoc, usize) -> AppResult<()>,
) -> AppResult<usize> {
    let unreadable = |e: std::io::Error| {
        AppError::new(Kind::Invalid, "unreadable_corpus", format!("reading {}: {e}", src.file.display()))
    };
    let file = std::fs::File::open(&src.file).map_err(unreadable)?;
    let mut reader = std::io::BufReader::new(file);
    let (mut line, mut n, mut lineno, mut bytes) = (String::new(), 0, 0, 0u64);
    progress.start_file(&src.file);
    loop {
        line.clear();
        let read = reader.read_line(&mut line).map_err(unreadable)?;
        if read == 0 {
            progress.finish_file();
            return Ok(n);
        }
        lineno += 1;
        bytes += read as u64;
        progress.file_position(bytes);
        if line.trim().is_empty() {
            continue;
        }
        let doc = parse_case(src, &line, lineno).map_err(|reason| line_error(&src.file, lineno, reason))?;
        f(doc, lineno)?;
        n += 1;
    }
}

/// The value at a dotted path (`meta.accusation`) as text; an array gives its first element.
fn field_text<'a>(v: &'a serde_json::Value, path: &str) -> Option<Cow<'a, str>> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    if let Some(first) = cur.as_array().and_then(|a| a.first()) {
        cur = first;
    }
    match cur {
        serde_json::Value::String(s) => Some(s.as_str().into()),
        serde_json::Value::Number(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// One JSONL line as a case (`lineno` numbers cases without an id field), or why it is not one.
fn parse_case(src: &JsonlSource, line: &str, lineno: usize) -> Result<CaseDoc, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let body = field_text(&v, &src.text_field).ok_or_else(|| format!("no text field {:?}", src.text_field))?;
    let body = body.into_owned();
    let id = match &src.id_field {
        Some(f) => field_text(&v, f).ok_or_else(|| format!("no id field {f:?}"))?.into_owned(),
        None => lineno.to_string(),
    };
    let label = |f: &Option<String>| f.as_ref().and_then(|f| field_text(&v, f)).map(Cow::into_owned);
    let reported_at = match label(&src.date_field) {
        None => None,
        Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => {
            Some(d.parse::<i64>().map_err(|_| format!("date {d:?} out of range"))?)
        }
        Some(d) => Some(search::date_bounds(&d).map_err(|p| format!("date {d:?}: {p}"))?.0),
    };
    let loss_fen = match label(&src.loss_field) {
        None => None,
        Some(l) => Some(l.parse::<i64>().map_err(|_| format!("loss {l:?} is not a whole number of fen"))?),
    };
    let status = match label(&src.status_field) {
        None => None,
        Some(v) => {
            let status = datasets::CaseStatus::parse(&v)
                .ok_or_else(|| format!("status {v:?} is not one of {}", datasets::CaseStatus::codes()))?;
            Some(status.code().to_string())
        }
    };
    Ok(CaseDoc {
        id,
        identifiers: IdentExtractor.keys(&body),
        text: body,
        fraud_type: label(&src.type_field).unwrap_or_default(),
        district: label(&src.district_field).unwrap_or_default(),
        community: None,
        status,
        reported_at,
        loss_fen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::progress::Silent;

    fn load(src: &JsonlSource) -> AppResult<Vec<CaseDoc>> {
        let mut docs = Vec::new();
        for_each_case(src, &Silent, |d, _| {
            docs.push(d);
            Ok(())
        })?;
        Ok(docs)
    }

    #[test]
    fn district_date_loss_and_status_fields_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gen.jsonl");
        std::fs::write(
            &file,
            "{\"id\":\"N1\",\"text\":\"兼职刷单被骗\",\"type\":\"brushing\",\"district\":\"310115\",\"date\":\"2026-03-02\",\"loss\":12345,\"status\":\"已破案\"}\n\
             {\"id\":\"N2\",\"text\":\"网贷解冻费\",\"date\":1767225600}\n",
        )
        .unwrap();
        let src = JsonlSource {
            file: file.clone(),
            text_field: "text".into(),
            id_field: Some("id".into()),
            type_field: Some("type".into()),
            district_field: Some("district".into()),
            date_field: Some("date".into()),
            loss_field: Some("loss".into()),
            status_field: Some("status".into()),
        };
        let docs = load(&src).unwrap();
        assert_eq!(docs[0].district, "310115");
        assert_eq!(docs[0].loss_fen, Some(12_345));
        assert_eq!(docs[0].reported_at, Some(search::date_bounds("2026-03-02").unwrap().0));
        assert_eq!((docs[1].reported_at, docs[1].loss_fen, docs[1].district.as_str()), (Some(1_767_225_600), None, ""));
        assert_eq!((docs[0].status.as_deref(), docs[1].status.as_deref()), (Some("solved"), None));
        for (line, expect) in [
            ("{\"id\":\"N1\",\"text\":\"x\",\"status\":\"done\"}", "solved"),
            ("{\"id\":\"N1\",\"text\":\"x\",\"date\":\"2026-13-40\"}", "2026-13-40"),
            ("{\"id\":\"N1\",\"text\":\"x\",\"loss\":\"12.5\"}", "fen"),
        ] {
            std::fs::write(&file, format!("{line}\n")).unwrap();
            let err = load(&src).unwrap_err();
            assert_eq!((err.kind(), err.code()), (Kind::Invalid, "invalid_corpus"));
            assert!(err.message().contains("gen.jsonl:1") && err.message().contains(expect), "{err}");
        }
    }
}
