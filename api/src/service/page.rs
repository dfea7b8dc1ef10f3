//! Paging shared by list services: a checked page size, and key-cursor pages of an ordered list.

use crate::error::{AppError, AppResult};

/// A page size checked against a cap: between 1 and `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(usize);

impl Limit {
    /// `n` when it is between 1 and `max`; otherwise `invalid_limit` naming the field `limit`.
    pub fn new(n: usize, max: usize) -> AppResult<Limit> {
        if n == 0 || n > max {
            return Err(AppError::invalid("invalid_limit", "limit", format!("{n} is not between 1 and {max}")));
        }
        Ok(Limit(n))
    }

    pub fn get(self) -> usize {
        self.0
    }
}

/// A page asked for: its size, and the cursor the previous page gave (none for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: Limit,
    pub cursor: Option<String>,
}

/// Rows of a list (at most 50 unless the caller asks for more, up to [`MAX_LIST`]).
pub const DEFAULT_LIST: usize = 50;
pub const MAX_LIST: usize = 1000;

/// One page of `items` (in the list's stable order, each with a unique `key`): those after the item whose key is
/// `cursor` (the `next_cursor` of the previous page), at most `limit`; and the cursor of the next page, if any. A
/// key cursor, not an offset: items added before it (the newest first) do not shift the next page. A cursor that
/// names no item is `invalid_cursor`.
pub fn page_after<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> &str,
    limit: Limit,
    cursor: Option<&str>,
) -> AppResult<(Vec<T>, Option<String>)> {
    let start = match cursor {
        None => 0,
        Some(c) => {
            items.iter().position(|t| key(t) == c).ok_or_else(|| {
                AppError::invalid("invalid_cursor", "cursor", format!("{c:?} is not a cursor of this list"))
            })? + 1
        }
    };
    let more = items.len() > start + limit.get();
    let page: Vec<T> = items.into_iter().skip(start).take(limit.get()).collect();
    let next = if more { page.last().map(|t| key(t).to_string()) } else { None };
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn a_limit_is_between_one_and_its_cap() {
        assert_eq!(Limit::new(10, 1000).unwrap().get(), 10);
        for n in [0, 1001] {
            let e = Limit::new(n, 1000).unwrap_err();
            assert_eq!(
                (e.kind(), e.code(), e.field_errors()[0].field.as_str()),
                (Kind::Invalid, "invalid_limit", "limit")
            );
        }
    }

    #[test]
    fn pages_follow_their_cursor_to_the_end() {
        let items: Vec<String> = (0..7).map(|i| format!("k{i}")).collect();
        let limit = Limit::new(3, 10).unwrap();
        let (first, next) = page_after(items.clone(), |s| s.as_str(), limit, None).unwrap();
        assert_eq!((first, next.as_deref()), (vec!["k0".into(), "k1".into(), "k2".into()], Some("k2")));
        let (second, next) = page_after(items.clone(), |s| s.as_str(), limit, next.as_deref()).unwrap();
        assert_eq!((second.len(), next.as_deref()), (3, Some("k5")));
        let (last, next) = page_after(items.clone(), |s| s.as_str(), limit, next.as_deref()).unwrap();
        assert_eq!((last, next), (vec!["k6".to_string()], None));
        // Exactly a page left: no further cursor.
        let (_, next) = page_after(items[..6].to_vec(), |s| s.as_str(), limit, Some("k2")).unwrap();
        assert_eq!(next, None);
        let e = page_after(items, |s| s.as_str(), limit, Some("zz")).unwrap_err();
        assert_eq!((e.kind(), e.code()), (Kind::Invalid, "invalid_cursor"));
    }
}
