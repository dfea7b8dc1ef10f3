//! Paging inputs shared by list services: a checked page size.

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
}
