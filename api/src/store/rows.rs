//! Records as store rows: column names, typed values (fen, epoch seconds, ISO week, `;`-joined lists), row hash.

use datasets::{Record, Table};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

/// The data columns of `table`'s store table, in schema order (before `row_hash, run_id, ingested_at`).
pub(crate) fn columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Residents => &[
            "resident_id",
            "birth_year",
            "gender",
            "district",
            "community",
            "grid",
            "lives_alone",
            "phones",
            "antifraud_app",
            "language",
        ],
        Table::Reports => &[
            "report_id",
            "reported_at",
            "reported_week",
            "occurred_at",
            "district",
            "community",
            "victim_id",
            "victim_age",
            "victim_gender",
            "fraud_type",
            "loss_fen",
            "contact_channel",
            "status",
            "narrative",
            "phones",
            "accounts",
            "urls",
            "apps",
            "im_ids",
        ],
        Table::Transfers => &["transfer_id", "from_account", "to_account", "amount_fen", "at", "channel", "report_id"],
        Table::Contacts => &["contact_id", "from_phone", "to_phone", "at", "kind", "duration_s"],
        Table::Content => {
            &["content_id", "title", "format", "fraud_types", "audience", "channels", "minutes", "language"]
        }
        Table::Staff => &["staff_id", "name", "grids", "minutes_per_week", "duty"],
        Table::Outreach => {
            &["event_id", "resident_id", "content_id", "channel", "staff_id", "at", "outcome", "holdout"]
        }
    }
}

/// The record's values in [`columns`] order (text fields borrowed from the record).
pub(crate) fn values(rec: &Record) -> Vec<ToSqlOutput<'_>> {
    type Out<'a> = ToSqlOutput<'a>;
    fn text(s: &str) -> Out<'_> {
        ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
    }
    fn opt(v: &Option<String>) -> Out<'_> {
        v.as_deref().map_or(ToSqlOutput::Owned(Value::Null), text)
    }
    fn shown<T: ToString>(v: &Option<T>) -> Out<'static> {
        ToSqlOutput::Owned(v.as_ref().map_or(Value::Null, |x| Value::Text(x.to_string())))
    }
    fn int(v: impl Into<i64>) -> Out<'static> {
        ToSqlOutput::Owned(Value::Integer(v.into()))
    }
    fn opt_int<T: Copy + Into<i64>>(v: Option<T>) -> Out<'static> {
        v.map_or(ToSqlOutput::Owned(Value::Null), |x| int(x))
    }
    fn list(v: &[String]) -> Out<'_> {
        match v {
            [] => text(""),
            [one] => text(one),
            _ => ToSqlOutput::Owned(Value::Text(v.join(";"))),
        }
    }
    fn codes<T: ToString>(v: &[T]) -> Out<'static> {
        ToSqlOutput::Owned(Value::Text(v.iter().map(T::to_string).collect::<Vec<_>>().join(";")))
    }
    match rec {
        Record::Resident(r) => vec![
            text(&r.resident_id),
            int(r.birth_year),
            text(r.gender.code()),
            text(&r.district),
            text(&r.community),
            opt(&r.grid),
            opt_int(r.lives_alone),
            list(&r.phones),
            opt_int(r.antifraud_app),
            shown(&r.language),
        ],
        Record::Report(r) => vec![
            text(&r.report_id),
            int(r.reported_at.0),
            ToSqlOutput::Owned(Value::Text(analytics::IsoWeek::of_timestamp(r.reported_at.0).to_string())),
            opt_int(r.occurred_at.map(|t| t.0)),
            text(&r.district),
            opt(&r.community),
            opt(&r.victim_id),
            opt_int(r.victim_age),
            shown(&r.victim_gender),
            text(r.fraud_type.code()),
            opt_int(r.loss.map(|f| f.0)),
            shown(&r.contact_channel),
            shown(&r.status),
            text(&r.narrative),
            list(&r.phones),
            list(&r.accounts),
            list(&r.urls),
            list(&r.apps),
            list(&r.im_ids),
        ],
        Record::Transfer(r) => vec![
            text(&r.transfer_id),
            text(&r.from_account),
            text(&r.to_account),
            int(r.amount.0),
            int(r.at.0),
            shown(&r.channel),
            opt(&r.report_id),
        ],
        Record::Contact(r) => vec![
            text(&r.contact_id),
            text(&r.from_phone),
            text(&r.to_phone),
            int(r.at.0),
            text(r.kind.code()),
            opt_int(r.duration_s),
        ],
        Record::Content(r) => vec![
            text(&r.content_id),
            text(&r.title),
            text(r.format.code()),
            codes(&r.fraud_types),
            text(r.audience.code()),
            codes(&r.channels),
            opt_int(r.minutes),
            shown(&r.language),
        ],
        Record::Staff(r) => {
            vec![text(&r.staff_id), opt(&r.name), list(&r.grids), int(r.minutes_per_week), shown(&r.duty)]
        }
        Record::Outreach(r) => vec![
            text(&r.event_id),
            text(&r.resident_id),
            opt(&r.content_id),
            text(r.channel.code()),
            opt(&r.staff_id),
            int(r.at.0),
            shown(&r.outcome),
            opt_int(r.holdout),
        ],
    }
}

/// A stable 64-bit FNV-1a hash of the record's canonical fields (stored as [`hash_text`]). Only ever compared
/// with the stored hash of the same id, so 64 bits leave a 2⁻⁶⁴ chance of missing a change.
pub(crate) fn row_hash(rec: &Record) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for field in rec.to_fields() {
        for b in field.as_bytes().iter().chain(std::iter::once(&0x1f)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A row hash as stored in the `row_hash` column: 16 lower-case hex digits (`{h:016x}`, without the
/// formatting machinery: this runs once per written row).
pub(crate) fn hash_text(h: u64) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = HEX[((h >> (60 - 4 * i)) & 0xf) as usize];
    }
    out
}

/// The inverse of [`hash_text`]; `None` for anything else.
pub(crate) fn parse_hash(s: &str) -> Option<u64> {
    if s.len() == 16 { u64::from_str_radix(s, 16).ok() } else { None }
}

/// References from a record to other tables, checked at ingest: (field, value, referenced table).
pub(crate) fn references(rec: &Record) -> impl Iterator<Item = (&'static str, &str, Table)> {
    let refs = match rec {
        Record::Report(r) => [r.victim_id.as_deref().map(|v| ("victim_id", v, Table::Residents)), None, None],
        Record::Transfer(r) => [r.report_id.as_deref().map(|v| ("report_id", v, Table::Reports)), None, None],
        Record::Outreach(r) => [
            Some(("resident_id", r.resident_id.as_str(), Table::Residents)),
            r.content_id.as_deref().map(|v| ("content_id", v, Table::Content)),
            r.staff_id.as_deref().map(|v| ("staff_id", v, Table::Staff)),
        ],
        Record::Resident(_) | Record::Contact(_) | Record::Content(_) | Record::Staff(_) => [None, None, None],
    };
    refs.into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's columns are the interchange fields with three deliberate differences (amounts in fen, the ISO
    /// week of a report); they, the migrated schema and the values written must never drift apart.
    #[test]
    fn columns_follow_the_record_fields_and_the_migrated_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        for table in Table::ALL {
            let mut expected: Vec<String> = Vec::new();
            for f in table.fields() {
                expected.push(f.replace("_yuan", "_fen"));
                if *f == "reported_at" {
                    expected.push("reported_week".into());
                }
            }
            assert_eq!(columns(table), expected, "{}", table.name());
            let mut stmt = store.conn().prepare(&format!("PRAGMA table_info({})", table.name())).unwrap();
            let schema: Vec<String> = stmt.query_map([], |r| r.get(1)).unwrap().map(Result::unwrap).collect();
            assert_eq!(&schema[..columns(table).len()], columns(table), "{} schema", table.name());
            assert_eq!(
                &schema[columns(table).len()..],
                ["row_hash", "run_id", "ingested_at"],
                "{} schema",
                table.name()
            );
        }
    }

    #[test]
    fn hash_text_is_sixteen_hex_digits_and_parses_back() {
        for h in [0, 1, 0xdead_beef, u64::MAX, 0xcbf2_9ce4_8422_2325, 0x0123_4567_89ab_cdef] {
            let text = hash_text(h);
            let text = std::str::from_utf8(&text).unwrap();
            assert_eq!(text, format!("{h:016x}"));
            assert_eq!(parse_hash(text), Some(h));
        }
        assert_eq!(parse_hash("abc"), None);
        assert_eq!(parse_hash("zzzzzzzzzzzzzzzz"), None);
    }
}
