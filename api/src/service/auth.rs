//! Who may do what (PIPL least privilege): users with hashed tokens, roles, scopes, and the permission each route
//! needs.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::error::{AppError, AppResult, Kind};
use crate::store::UserRow;

use super::Service;

/// A role: what a user may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Cases with narratives, clusters and money trails; identifiers in full.
    Investigator,
    /// Risk scores and outreach; no narratives; phones and cards masked.
    Prevention,
    /// Aggregates only.
    Analyst,
    /// Everything, and running the pipeline.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Investigator, Role::Prevention, Role::Analyst, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Investigator => "investigator",
            Role::Prevention => "prevention",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == text)
    }

    /// Whether this role may use what `need` guards.
    pub fn may(self, need: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Investigator => matches!(need, Aggregates | Cases | Clusters | Money | PipelineRead),
            Role::Prevention => matches!(need, Aggregates | Risk | CasesMasked | PipelineRead | Outreach),
            Role::Analyst => matches!(need, Aggregates | PipelineRead),
        }
    }

    /// Whether this role sees phone and card numbers masked (`138****8000`).
    pub fn masks_identifiers(self) -> bool {
        self == Role::Prevention
    }

    /// Whether this role may read case narratives.
    pub fn reads_narratives(self) -> bool {
        matches!(self, Role::Investigator | Role::Admin)
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Counts, rates and other figures about no one in particular.
    Aggregates,
    /// Residents' risk scores.
    Risk,
    /// Cases with narratives and identifiers.
    Cases,
    /// Cases without narratives, identifiers masked.
    CasesMasked,
    /// Gang clusters and their evidence.
    Clusters,
    /// Money trails and laundering patterns.
    Money,
    /// The pipeline's runs.
    PipelineRead,
    /// Outreach plans, their approval, tasks, outcomes and urgent warnings.
    Outreach,
    /// Starting a pipeline run; managing users.
    Admin,
}

impl Permission {
    pub const ALL: [Permission; 9] = [
        Permission::Aggregates,
        Permission::Risk,
        Permission::Cases,
        Permission::CasesMasked,
        Permission::Clusters,
        Permission::Money,
        Permission::PipelineRead,
        Permission::Outreach,
        Permission::Admin,
    ];

    /// The stable snake_case name clients see (`GET /api/v1/me`).
    pub fn code(self) -> &'static str {
        match self {
            Permission::Aggregates => "aggregates",
            Permission::Risk => "risk",
            Permission::Cases => "cases",
            Permission::CasesMasked => "cases_masked",
            Permission::Clusters => "clusters",
            Permission::Money => "money",
            Permission::PipelineRead => "pipeline_read",
            Permission::Outreach => "outreach",
            Permission::Admin => "admin",
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    /// Districts the token may see (empty: all).
    pub districts: Vec<String>,
    /// Communities the token may see (empty: all).
    pub communities: Vec<String>,
}

impl Principal {
    /// Fails with 403 `forbidden_role` unless the role may use `need`.
    pub fn require(&self, need: Permission) -> AppResult<()> {
        if self.role.may(need) {
            return Ok(());
        }
        Err(AppError::new(
            Kind::Forbidden,
            "forbidden_role",
            format!("role {} may not use this route", self.role.code()),
        ))
    }

    /// Fails with 403 `forbidden_scope` unless the token's scope covers `community`.
    pub fn require_community(&self, community: &str) -> AppResult<()> {
        if self.communities.is_empty() || self.communities.iter().any(|c| c == community) {
            return Ok(());
        }
        Err(AppError::new(
            Kind::Forbidden,
            "forbidden_scope",
            format!("community {community:?} is outside this token's scope"),
        ))
    }

    /// Fails with 403 `forbidden_scope` unless the token's scope covers `district`.
    pub fn require_district(&self, district: &str) -> AppResult<()> {
        if self.districts.is_empty() || self.districts.iter().any(|d| d == district) {
            return Ok(());
        }
        Err(AppError::new(
            Kind::Forbidden,
            "forbidden_scope",
            format!("district {district:?} is outside this token's scope"),
        ))
    }
}

/// A user as listed (never the token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserView {
    pub name: String,
    pub role: String,
    pub districts: Vec<String>,
    pub communities: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new user and their token, shown once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub token: String,
}

/// How long an authenticated token is trusted without asking the store whether users changed: a revocation
/// takes effect within this time.
pub const AUTH_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Authenticated tokens by hash, kept while the users table is unchanged (its version, and when it was read).
#[derive(Default)]
pub(crate) struct AuthCache {
    tokens: Mutex<TokenCache>,
}

#[derive(Default)]
struct TokenCache {
    version: i64,
    checked: Option<std::time::Instant>,
    principals: HashMap<String, Principal>,
}

/// Tokens are 256 random bits; a single SHA-256 suffices to store them (a slow password hash protects guessable
/// secrets, which these are not).
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("fz_{}", hex::encode(bytes))
}

fn principal(row: UserRow) -> AppResult<Principal> {
    let role = Role::parse(&row.role).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("users.role of {:?} is {:?}, not a role", row.name, row.role))
    })?;
    Ok(Principal { name: row.name, role, districts: row.districts, communities: row.communities })
}

impl Service {
    /// Adds a user with a fresh token (returned once; only its hash is stored).
    pub fn users_add(
        &self,
        name: &str,
        role: Role,
        districts: &[String],
        communities: &[String],
    ) -> AppResult<NewUser> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(AppError::invalid("invalid_name", "name", "1 to 64 characters, no spaces"));
        }
        let token = new_token();
        let row = UserRow {
            name: name.to_string(),
            role: role.code().to_string(),
            districts: districts.to_vec(),
            communities: communities.to_vec(),
            created_at: super::risk::now(),
            revoked_at: None,
        };
        self.store()?.add_user(&row, &token_hash(&token))?;
        Ok(NewUser { name: row.name, role, token })
    }

    /// Revokes a user's token: at once in this process, within [`AUTH_RECHECK`] in servers running elsewhere.
    pub fn users_revoke(&self, name: &str) -> AppResult<()> {
        self.store()?.revoke_user(name, super::risk::now())?;
        self.auth.tokens.lock().unwrap_or_else(|e| e.into_inner()).checked = None;
        Ok(())
    }

    /// Every user, revoked ones included.
    pub fn users_list(&self) -> AppResult<Vec<UserView>> {
        let time = |t: i64| datasets::Timestamp(t).to_string();
        Ok(self
            .store()?
            .users()?
            .into_iter()
            .map(|u| UserView {
                name: u.name,
                role: u.role,
                districts: u.districts,
                communities: u.communities,
                created_at: time(u.created_at),
                revoked_at: u.revoked_at.map(time),
            })
            .collect())
    }

    /// The user holding `token` when the cache knows it and checked the users table less than
    /// [`AUTH_RECHECK`] ago: no store access, so the HTTP layer calls it without leaving the async runtime.
    pub fn authenticate_cached(&self, token: &str) -> Option<Principal> {
        let cache = self.auth.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = cache.checked.is_some_and(|t| t.elapsed() < AUTH_RECHECK);
        if !fresh {
            return None;
        }
        cache.principals.get(&token_hash(token)).cloned()
    }

    /// The active user holding `token`; 401 `invalid_token` otherwise.
    pub fn authenticate(&self, token: &str) -> AppResult<Principal> {
        let hash = token_hash(token);
        let store = self.store()?;
        let version = store.users_version()?;
        {
            let mut cache = self.auth.tokens.lock().unwrap_or_else(|e| e.into_inner());
            if cache.version != version {
                cache.principals.clear();
                cache.version = version;
            }
            cache.checked = Some(std::time::Instant::now());
            if let Some(p) = cache.principals.get(&hash) {
                return Ok(p.clone());
            }
        }
        let Some(row) = store.user_by_token_hash(&hash)? else {
            return Err(AppError::new(Kind::Unauthorized, "invalid_token", "the token is unknown or revoked"));
        };
        let p = principal(row)?;
        let mut cache = self.auth.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if cache.version == version {
            cache.principals.insert(hash, p.clone());
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn roles_follow_least_privilege() {
        assert!(Role::Analyst.may(Permission::Aggregates));
        assert!(!Role::Analyst.may(Permission::Risk));
        assert!(!Role::Analyst.may(Permission::Cases));
        assert!(Role::Prevention.may(Permission::Risk));
        assert!(!Role::Prevention.may(Permission::Cases));
        assert!(!Role::Prevention.may(Permission::Clusters));
        assert!(Role::Investigator.may(Permission::Money));
        assert!(!Role::Investigator.may(Permission::Risk));
        assert!(!Role::Investigator.may(Permission::Admin));
        assert!(Role::ALL.iter().all(|r| Role::Admin.may(Permission::Admin) && r.may(Permission::Aggregates)));
    }
}
