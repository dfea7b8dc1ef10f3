//! Reader tests: every kind of bad input, each checking the line, field and reason reported.

use std::path::{Path, PathBuf};

use super::*;
use crate::records::{Record, Table};

const RES_HEADER: &str =
    "resident_id,birth_year,gender,district,community,grid,lives_alone,phones,antifraud_app,language";
const REP_HEADER: &str = "report_id,reported_at,district,community,victim_id,fraud_type,loss_yuan,narrative";

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Reads a whole file: (line, id) of good rows, the diagnostics of bad ones, and the file warnings.
fn read_all(table: Table, path: &Path) -> (Vec<(u64, Record)>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut reader = TableReader::open(table, path).unwrap();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for row in reader.by_ref() {
        match row {
            Ok(r) => good.push(r),
            Err(d) => {
                assert!(!d.is_empty());
                bad.extend(d);
            }
        }
    }
    (good, bad, reader.warnings().to_vec())
}

fn one(bad: &[Diagnostic]) -> (u64, Option<&str>, &str) {
    assert_eq!(bad.len(), 1, "expected one diagnostic, got {bad:#?}");
    (bad[0].line, bad[0].field.as_deref(), bad[0].reason.as_str())
}

fn reports(body: &str) -> (Vec<(u64, Record)>, Vec<Diagnostic>, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "reports.csv", format!("{REP_HEADER}\n{body}").as_bytes());
    read_all(Table::Reports, &p)
}

#[test]
fn good_rows_parse_with_physical_line_numbers() {
    let (good, bad, warnings) = reports(
        "R1,2026-03-02 10:00:00,310115,花木,P1,刷单返利,2000,\"多行\n叙述\"\n\
         R2,2026-03-03 11:00:00,310115,,,fake_loan,,\n",
    );
    assert!(bad.is_empty() && warnings.is_empty());
    let lines: Vec<_> = good.iter().map(|(l, r)| (*l, r.id().to_string())).collect();
    assert_eq!(lines, vec![(2, "R1".into()), (4, "R2".into())]);
    let Record::Report(r) = &good[0].1 else { panic!("not a report") };
    assert_eq!(r.narrative, "多行\n叙述");
}

#[test]
fn missing_required_field_is_named() {
    let (good, bad, _) = reports("R1,2026-03-02 10:00:00,,花木,,刷单返利,1,\n");
    assert!(good.is_empty());
    assert_eq!(one(&bad), (2, Some("district"), "required field is missing or empty"));
    assert_eq!(bad[0].raw, "R1,2026-03-02 10:00:00,,花木,,刷单返利,1,");
}

#[test]
fn unparsable_date_is_rejected() {
    let (_, bad, _) = reports("R1,2026-03-02 10:00:00,310115,,,刷单返利,1,\nR2,2026-02-30,310115,,,刷单返利,1,\n");
    let (line, field, reason) = one(&bad);
    assert_eq!((line, field), (3, Some("reported_at")));
    assert!(reason.starts_with("invalid timestamp \"2026-02-30\""), "{reason}");
}

#[test]
fn negative_and_non_numeric_amounts_are_rejected() {
    let (good, bad, _) = reports("R1,2026-03-02,310115,,,刷单返利,-5,\nR2,2026-03-02,310115,,,刷单返利,五百,\n");
    assert!(good.is_empty());
    assert_eq!(bad.len(), 2);
    assert_eq!((bad[0].line, bad[0].field.as_deref()), (2, Some("loss_yuan")));
    assert_eq!(bad[0].reason, "invalid amount \"-5\": negative amount");
    assert_eq!((bad[1].line, bad[1].field.as_deref()), (3, Some("loss_yuan")));
    assert_eq!(bad[1].reason, "invalid amount \"五百\": not a number");
}

#[test]
fn unknown_enum_value_lists_the_allowed_codes() {
    let (_, bad, _) = reports("R1,2026-03-02,310115,,,alien_abduction,1,\n");
    let (line, field, reason) = one(&bad);
    assert_eq!((line, field), (2, Some("fraud_type")));
    assert!(reason.starts_with("unknown value \"alien_abduction\"; allowed: order_brushing,"), "{reason}");
}

#[test]
fn wrong_header_names_the_missing_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "reports.csv", format!("{RES_HEADER}\nP1,1950,f,310115,花木,,,,,\n").as_bytes());
    match TableReader::open(Table::Reports, &p) {
        Err(ReadError::MissingColumns { missing, .. }) => {
            assert_eq!(missing, vec!["report_id", "reported_at", "fraud_type"])
        }
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("a residents header was accepted for reports"),
    }
}

#[test]
fn missing_header_is_a_file_error_naming_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "residents.csv", "P1,1950,f,310115,花木,,,,,\n".as_bytes());
    let err = TableReader::open(Table::Residents, &p).err().expect("headerless file accepted");
    let msg = err.to_string();
    assert!(matches!(err, ReadError::MissingColumns { .. }));
    assert!(msg.contains("resident_id, birth_year, district, community"), "{msg}");
}

#[test]
fn unknown_extra_columns_are_a_warning_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "residents.csv",
        "resident_id,birth_year,district,community,shoe_size\nP1,1950,310115,花木,42\n".as_bytes(),
    );
    let (good, bad, warnings) = read_all(Table::Residents, &p);
    assert_eq!((good.len(), bad.len()), (1, 0));
    assert_eq!(one(&warnings), (1, Some("shoe_size"), "unknown column ignored"));
}

#[test]
fn duplicate_header_column_is_a_file_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "residents.csv", "resident_id,birth_year,district,community,district\n".as_bytes());
    let err = TableReader::open(Table::Residents, &p).err().expect("duplicate column accepted");
    assert!(matches!(err, ReadError::DuplicateColumn { ref column, .. } if column == "district"), "{err}");
}

#[test]
fn wrong_field_count_is_rejected() {
    let (_, bad, _) = reports("R1,2026-03-02,310115\n");
    assert_eq!(one(&bad), (2, None, "row has 3 fields; the header has 8"));
}

#[test]
fn invalid_utf8_rejects_only_the_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{REP_HEADER}\nR1,2026-03-02,310115,花木,,刷单返利,1,正常\n").into_bytes();
    bytes.extend_from_slice(b"R2,2026-03-02,310115,\xE8\xA1,,order_brushing,1,ok\n");
    bytes.extend_from_slice("R3,2026-03-02,310115,花木,,刷单返利,1,正常\n".as_bytes());
    let p = write(dir.path(), "reports.csv", &bytes);
    let (good, bad, warnings) = read_all(Table::Reports, &p);
    assert_eq!(good.iter().map(|(l, _)| *l).collect::<Vec<_>>(), vec![2, 4]);
    assert_eq!(one(&bad), (3, Some("community"), "invalid UTF-8 at byte 0 of the field"));
    assert!(warnings.is_empty());
    assert!(matches!(TableReader::open(Table::Reports, &p).unwrap().encoding(), TextEncoding::InvalidUtf8 { .. }));
}

#[test]
fn gb18030_file_is_detected_and_converted() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木街道,,冒充公检法,1500,对方自称公安局民警，要求转账到安全账户\n"
    );
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(&text);
    assert!(!had_errors);
    assert!(std::str::from_utf8(&bytes).is_err(), "the test file must not be UTF-8");
    let p = write(dir.path(), "reports.csv", &bytes);
    let (good, bad, warnings) = read_all(Table::Reports, &p);
    assert!(bad.is_empty(), "{bad:#?}");
    let Record::Report(r) = &good[0].1 else { panic!("not a report") };
    assert_eq!(r.narrative, "对方自称公安局民警，要求转账到安全账户");
    assert_eq!(r.community.as_deref(), Some("花木街道"));
    assert_eq!(one(&warnings), (0, None, "file is not UTF-8; it was detected as GB18030 and converted to UTF-8"));
}

#[test]
fn duplicate_ids_reject_the_later_row_naming_the_first() {
    let (good, bad, _) = reports(
        "R1,2026-03-02,310115,,,刷单返利,1,\nR2,2026-03-02,310115,,,刷单返利,1,\nR1,2026-03-05,310115,,,刷单返利,9,\n",
    );
    assert_eq!(good.len(), 2);
    assert_eq!(one(&bad), (4, Some("report_id"), "duplicate id \"R1\": first seen on line 2"));
}

#[test]
fn a_10_mb_narrative_is_accepted_and_a_17_mb_one_rejected() {
    let big = "骗".repeat(10 * 1024 * 1024 / 3 + 1);
    let huge = "x".repeat(17 * 1024 * 1024);
    let (good, bad, _) =
        reports(&format!("R1,2026-03-02,310115,,,刷单返利,1,{big}\nR2,2026-03-02,310115,,,刷单返利,1,{huge}\n"));
    assert_eq!(good.len(), 1);
    let Record::Report(r) = &good[0].1 else { panic!("not a report") };
    assert_eq!(r.narrative.len(), big.len());
    let (line, field, reason) = one(&bad);
    assert_eq!((line, field), (3, Some("narrative")));
    assert_eq!(reason, format!("field is {} bytes; the limit is {MAX_FIELD_BYTES}", huge.len()));
    assert!(bad[0].raw.len() < MAX_RAW_BYTES + 100 && bad[0].raw.contains("truncated"));
}

#[test]
fn empty_file_is_a_file_error_and_header_only_has_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("a.csv", &b""[..]), ("b.csv", b"\xEF\xBB\xBF\r\n  \n"), ("c.jsonl", b"\n")] {
        let p = write(dir.path(), name, bytes);
        let err = TableReader::open(Table::Reports, &p).err().expect("empty file accepted");
        assert!(matches!(err, ReadError::Empty { .. }), "{name}: {err}");
        assert!(err.to_string().ends_with("the file is empty (no header row)"));
    }
    let p = write(dir.path(), "reports.csv", format!("{REP_HEADER}\n").as_bytes());
    let (good, bad, _) = read_all(Table::Reports, &p);
    assert!(good.is_empty() && bad.is_empty());
}

#[test]
fn crlf_and_bom_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("\u{feff}{REP_HEADER}\r\nR1,2026-03-02,310115,,,刷单返利,1,a\r\nR2,2026-03-02,310115,,,bad,1,b\r\n");
    let p = write(dir.path(), "reports.csv", text.as_bytes());
    let (good, bad, warnings) = read_all(Table::Reports, &p);
    assert!(warnings.is_empty(), "the BOM leaked into the header: {warnings:#?}");
    let Record::Report(r) = &good[0].1 else { panic!("not a report") };
    assert_eq!((good[0].0, r.narrative.as_str()), (2, "a"));
    assert_eq!((bad[0].line, bad[0].field.as_deref()), (3, Some("fraud_type")));
}

#[test]
fn jsonl_accepts_strings_numbers_bools_and_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let text = concat!(
        "{\"resident_id\":\"P1\",\"birth_year\":1950,\"district\":\"310115\",\"community\":\"花木\",",
        "\"lives_alone\":true,\"phones\":[\"13800138000\",95588]}\r\n",
        "\n",
        "[1,2]\n",
        "{\"resident_id\":\"P2\",\"birth_year\":\"x\",\"district\":\"310115\",\"community\":\"花木\",\"pet\":1}\n",
        "{\"resident_id\":\"P3\",\"birth_year\":1960,\"district\":{\"a\":1},\"community\":\"花木\"}\n",
        "{not json\n",
        "{\"resident_id\":\"P1\",\"birth_year\":1950,\"district\":\"310115\",\"community\":\"花木\"}\n",
    );
    let p = write(dir.path(), "residents.jsonl", text.as_bytes());
    let (good, bad, warnings) = read_all(Table::Residents, &p);
    assert_eq!(good.len(), 1);
    let Record::Resident(r) = &good[0].1 else { panic!("not a resident") };
    assert_eq!((r.lives_alone, r.phones.clone()), (Some(true), vec!["13800138000".to_string(), "95588".into()]));
    let got: Vec<_> = bad.iter().map(|d| (d.line, d.field.as_deref())).collect();
    assert_eq!(
        got,
        vec![(3, None), (4, Some("birth_year")), (5, Some("district")), (6, None), (7, Some("resident_id"))]
    );
    assert_eq!(bad[0].reason, "line is not a JSON object");
    assert!(bad[3].reason.starts_with("invalid JSON"), "{}", bad[3].reason);
    assert_eq!(bad[4].reason, "duplicate id \"P1\": first seen on line 1");
    assert_eq!(one(&warnings), (4, Some("pet"), "unknown field ignored"));
}

#[test]
fn find_tables_lists_known_files_and_refuses_two_formats() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "reports.csv", b"x");
    write(dir.path(), "residents.jsonl", b"x");
    write(dir.path(), "notes.txt", b"x");
    std::fs::create_dir(dir.path().join("truth")).unwrap();
    let found = find_tables(dir.path()).unwrap();
    let tables: Vec<_> = found.tables.iter().map(|(t, _)| *t).collect();
    assert_eq!(tables, vec![Table::Residents, Table::Reports]);
    assert_eq!(found.ignored, vec![dir.path().join("notes.txt"), dir.path().join("truth")]);
    write(dir.path(), "reports.jsonl", b"x");
    assert!(matches!(find_tables(dir.path()), Err(ReadError::BothFormats { table: "reports", .. })));
    assert!(matches!(find_tables(&dir.path().join("nope")), Err(ReadError::Io { .. })));
}

#[test]
fn crlf_conversion_survives_any_chunking() {
    use std::io::Read;
    /// Hands out one byte per read, so every `\r\n` straddles a chunk boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((first, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = *first;
            self.0 = rest;
            Ok(1)
        }
    }
    let input = b"a\r\nb\rc\r\n\r\n\"x\r\ny\"\r";
    let mut out = Vec::new();
    super::decode::CrlfToLf::new(Trickle(input)).read_to_end(&mut out).unwrap();
    assert_eq!(out, b"a\nb\rc\n\n\"x\ny\"\r");
}
