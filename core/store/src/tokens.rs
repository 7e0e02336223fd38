//! API tokens: random, shown once, stored only as a SHA-256 hash.
use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::{
    StoreError, UnitOfWork,
    entity::{api_token, user},
};

/// Prefix that makes a leaked token easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "pmf_";

/// A new secret: the prefix and 32 random bytes in hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The only form in which a token is stored.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Issues a token for `user` and returns the secret, which is never stored. In a unit of
/// work: the council's token list (`apiTokens`) changes.
pub async fn issue(
    db: &UnitOfWork,
    user: &user::Model,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(api_token::Model, String), StoreError> {
    let secret = new_secret();
    let row = api_token::ActiveModel {
        organisation_id: Set(user.organisation_id),
        user_id: Set(user.id),
        name: Set(name.to_string()),
        token_hash: Set(hash_secret(&secret)),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((row, secret))
}

/// Why a presented token was refused. All are "unauthenticated" to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Unknown,
    Expired,
    Revoked,
    UserInactive,
}

/// Finds the active user behind a secret and records the use.
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Result<(api_token::Model, user::Model), TokenRefusal>, StoreError> {
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash_secret(secret)))
        .one(db)
        .await?
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if token.revoked_at.is_some() {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if token.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(TokenRefusal::Expired));
    }
    let Some(user) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if !user.active {
        return Ok(Err(TokenRefusal::UserInactive));
    }
    // Record the last use at most once a minute: a dashboard polling every second must not
    // turn every read into a write. This does not move the council's data version (twenty
    // councillors on the dashboard would flush its answers twenty times a minute): answers
    // that show `lastUsedAt` are never kept by the response cache instead.
    if token
        .last_used_at
        .is_none_or(|at| now - at > chrono::Duration::seconds(60))
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(Ok((token, user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), a);
        assert_eq!(hash_secret(&a).len(), 64);
    }
}
