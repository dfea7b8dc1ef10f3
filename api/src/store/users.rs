//! API users: a name, a role, the SHA-256 of their token (the token itself is never stored), optional scopes.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, StoreResult, split_list};

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub name: String,
    /// The role code (`investigator`, `prevention`, `analyst`, `admin`), checked by the schema.
    pub role: String,
    /// Districts the token may see (empty: all).
    pub districts: Vec<String>,
    /// Communities the token may see (empty: all).
    pub communities: Vec<String>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        name: r.get(0)?,
        role: r.get(1)?,
        districts: split_list(&r.get::<_, String>(2)?),
        communities: split_list(&r.get::<_, String>(3)?),
        created_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

const USER_COLUMNS: &str = "name, role, scope_districts, scope_communities, created_at, revoked_at";

impl Store {
    /// Adds a user; `Conflict` when an active user has the name already (a revoked name is reused: its row is
    /// replaced, so the old token stays dead).
    pub fn add_user(&self, user: &UserRow, token_hash: &str) -> StoreResult<()> {
        let tx = self.conn().unchecked_transaction()?;
        let active: Option<i64> = tx
            .query_row("SELECT user_id FROM users WHERE name = ?1 AND revoked_at IS NULL", [&user.name], |r| r.get(0))
            .optional()?;
        if active.is_some() {
            return Err(StoreError::Conflict {
                what: "user",
                message: format!("user {:?} exists; revoke it first (`fanzha users revoke {}`)", user.name, user.name),
            });
        }
        tx.execute("DELETE FROM users WHERE name = ?1", [&user.name])?;
        tx.execute(
            "INSERT INTO users (name, role, token_hash, scope_districts, scope_communities, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                user.name,
                user.role,
                token_hash,
                user.districts.join(";"),
                user.communities.join(";"),
                user.created_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Revokes a user's token; `NotFound` when no active user has the name.
    pub fn revoke_user(&self, name: &str, now: i64) -> StoreResult<()> {
        let n = self
            .conn()
            .execute("UPDATE users SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL", params![name, now])?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "user", message: format!("no active user {name:?}") });
        }
        Ok(())
    }

    /// The active user holding the token with this hash.
    pub fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<UserRow>> {
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE token_hash = ?1 AND revoked_at IS NULL"))?
            .query_row([token_hash], user_row)
            .optional()?)
    }

    /// Every user, revoked ones included, by name.
    pub fn users(&self) -> StoreResult<Vec<UserRow>> {
        let mut stmt = self.conn().prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A number that changes whenever a user is added or revoked (for caches of authenticated tokens).
    pub fn users_version(&self) -> StoreResult<i64> {
        Ok(self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(user_id), 0) * 1000003 + COUNT(revoked_at) FROM users")?
            .query_row([], |r| r.get(0))?)
    }
}
