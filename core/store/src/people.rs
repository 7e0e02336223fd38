//! Users, their line management, and their API tokens (random, shown once, stored only as a
//! SHA-256 hash).
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use pmf_core::{Email, NotificationPreference, Role};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use crate::{
    StoreError, Stored, UnitOfWork,
    change::{Change, check_version, save_edit},
    entity::{api_token, user},
    scoped,
};

/// Prefix that makes a leaked token easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "pmf_";

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub role: Role,
    pub manager_id: Option<i64>,
}

/// What to change of a user; `None` and [`Change::Leave`] keep what is stored.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    pub email: Option<Email>,
    pub role: Option<Role>,
    pub manager_id: Change<i64>,
    pub notification_preference: Option<NotificationPreference>,
}

// --- reads ---

/// One user of the council.
pub async fn user(db: &impl ConnectionTrait, org: i64, id: i64) -> Result<user::Model, StoreError> {
    find_user(db, org, id)
        .await?
        .ok_or_else(|| StoreError::not_found("user", id))
}

/// One user of the council, named in `field` of a change ("ownerId: no user with id 7").
pub async fn user_in<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    id: i64,
    field: &str,
) -> Result<user::Model, StoreError> {
    find_user(db, organisation_id, id)
        .await?
        .ok_or_else(|| StoreError::not_found_in(field, "user", id))
}

/// The user named in `field` as the owner of `what` ("indicator", "action"): a user of the
/// council who may record it (OFFICER or above, [`Role::can_own`]). A VIEWER is refused by
/// name and role, as input to correct.
pub async fn owner_in<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    id: i64,
    field: &str,
    what: &str,
) -> Result<user::Model, StoreError> {
    let user = user_in(db, organisation_id, id, field).await?;
    let role = user.role.0;
    if !role.can_own() {
        return Err(StoreError::invalid(format!(
            "{field}: {} ({}) is a {role} and cannot record values or updates, so cannot own \
             an {what}; choose an OFFICER, MANAGER, EXECUTIVE or ADMIN",
            user.name, user.email
        )));
    }
    Ok(user)
}

/// Refuses, into `refusals`, a `priorityId` that names no priority of the council and an
/// `ownerId` who is not a user of it able to own `what` ("indicator", "action"): the checks an
/// indicator and an action share.
pub(crate) async fn check_priority_and_owner<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    refusals: &mut crate::Refusals,
    priority_id: Option<i64>,
    owner_id: Option<i64>,
    what: &str,
) -> Result<(), StoreError> {
    if let Some(id) = priority_id {
        refusals.check(
            "priorityId",
            crate::plans::priority(db, organisation_id, id).await,
        )?;
    }
    if let Some(id) = owner_id {
        refusals.check(
            "ownerId",
            owner_in(db, organisation_id, id, "ownerId", what).await,
        )?;
    }
    Ok(())
}

async fn find_user<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    id: i64,
) -> Result<Option<user::Model>, StoreError> {
    scoped::find::<user::Entity, _>(db, organisation_id, id).await
}

/// These users of the council.
pub async fn users_by_id(
    db: &impl ConnectionTrait,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<user::Model>, StoreError> {
    scoped::all_in::<user::Entity, _>(db, org, user::Column::Id, ids, &[]).await
}

/// The council's users by name, the inactive ones too when asked.
pub async fn users(
    db: &impl ConnectionTrait,
    org: i64,
    include_inactive: bool,
) -> Result<Vec<user::Model>, StoreError> {
    let mut q = scoped::rows::<user::Entity>(org);
    if !include_inactive {
        q = q.filter(user::Column::Active.eq(true));
    }
    Ok(q.order_by_asc(user::Column::Name).all(db).await?)
}

/// Every user of the council, by id.
pub async fn users_of<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<HashMap<i64, user::Model>, StoreError> {
    Ok(scoped::rows::<user::Entity>(organisation_id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// The user with this e-mail in the council.
pub async fn user_by_email(
    db: &impl ConnectionTrait,
    org: i64,
    email: &Email,
) -> Result<Option<user::Model>, StoreError> {
    Ok(scoped::rows::<user::Entity>(org)
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// A user's line managers, nearest first (cycles and runaway chains are cut).
pub async fn manager_chain(
    db: &impl ConnectionTrait,
    org: i64,
    user_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let users = users_of(db, org).await?;
    let manager_of = |id: i64| users.get(&id).and_then(|u| u.manager_id);
    let mut chain = Vec::new();
    let mut current = user_id;
    while let Some(manager) = manager_of(current) {
        if manager == user_id || chain.contains(&manager) || chain.len() >= 64 {
            break;
        }
        chain.push(manager);
        current = manager;
    }
    Ok(chain)
}

/// Everyone below `manager_id` in the line-management chain (their reports, their
/// reports' reports, …), active ones only, nearest first; never `manager_id` itself.
pub async fn reports_below(
    db: &impl ConnectionTrait,
    org: i64,
    manager_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let users = users_of(db, org).await?;
    let mut below = Vec::new();
    let mut level = vec![manager_id];
    while !level.is_empty() && below.len() < users.len() {
        let mut next: Vec<i64> = users
            .values()
            .filter(|u| u.active && u.manager_id.is_some_and(|m| level.contains(&m)))
            .map(|u| u.id)
            .filter(|id| *id != manager_id && !below.contains(id))
            .collect();
        next.sort_unstable();
        below.extend(&next);
        level = next;
    }
    Ok(below)
}

/// The council's API tokens, oldest first: everyone's, or one user's.
pub async fn tokens(
    db: &impl ConnectionTrait,
    org: i64,
    user_id: Option<i64>,
) -> Result<Vec<api_token::Model>, StoreError> {
    let mut q = scoped::rows::<api_token::Entity>(org);
    if let Some(user_id) = user_id {
        q = q.filter(api_token::Column::UserId.eq(user_id));
    }
    Ok(q.order_by_asc(api_token::Column::Id).all(db).await?)
}

/// One API token of the council.
pub async fn token(
    db: &impl ConnectionTrait,
    org: i64,
    id: i64,
) -> Result<api_token::Model, StoreError> {
    scoped::one::<api_token::Entity, _>(db, org, id, "API token").await
}

// --- writes ---

/// Adds a user (active, alerts at once).
pub async fn create_user(uow: &UnitOfWork, new: NewUser) -> Result<user::Model, StoreError> {
    let org = uow.organisation_id()?;
    let manager = match new.manager_id {
        Some(id) => Some(user_in(uow, org, id, "managerId").await?.id),
        None => None,
    };
    let row = insert_user(uow, org, &new.name, &new.email, new.role, manager).await?;
    uow.audit_create("user", row.id, &row).await?;
    Ok(row)
}

pub(crate) async fn insert_user(
    uow: &UnitOfWork,
    organisation_id: i64,
    name: &str,
    email: &Email,
    role: Role,
    manager_id: Option<i64>,
) -> Result<user::Model, StoreError> {
    user::ActiveModel {
        organisation_id: Set(organisation_id),
        name: Set(name.to_string()),
        email: Set(email.as_str().to_string()),
        role: Set(Stored(role)),
        manager_id: Set(manager_id),
        active: Set(true),
        notification_preference: Set(Stored(NotificationPreference::Immediate)),
        version: Set(1),
        created_at: Set(uow.now()),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| StoreError::unique(e, || format!("a user with e-mail {email} already exists")))
}

/// Edits a user. A line manager who (through others) reports to the user is refused.
pub async fn update_user(
    uow: &UnitOfWork,
    id: i64,
    change: UserChange,
) -> Result<user::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = user(uow, org, id).await?;
    check_version("user", before.version, change.expected_version)?;
    let mut am: user::ActiveModel = before.clone().into();
    if let Some(n) = change.name {
        am.name = Set(n);
    }
    if let Some(e) = change.email {
        am.email = Set(e.as_str().to_string());
    }
    if let Some(r) = change.role {
        am.role = Set(Stored(r));
    }
    match change.manager_id {
        Change::Leave => {}
        Change::Clear => am.manager_id = Set(None),
        Change::To(manager) => {
            user_in(uow, org, manager, "managerId").await?;
            let chain = manager_chain(uow, org, manager).await?;
            if manager == id || chain.contains(&id) {
                return Err(StoreError::invalid(
                    "that line manager reports to this user",
                ));
            }
            am.manager_id = Set(Some(manager));
        }
    }
    if let Some(p) = change.notification_preference {
        am.notification_preference = Set(Stored(p));
    }
    let after = save_edit(uow, &before, am, || {
        "a user with that e-mail already exists".to_string()
    })
    .await?;
    // A new role ends the user's sessions at once: they sign in again with what it allows.
    if let Some(reason) = crate::sign_in::end_reason_for_change(&before, &after) {
        crate::sign_in::end_sessions(uow, id, None, reason).await?;
    }
    Ok(after)
}

/// Deactivates (or reactivates) a user: an inactive user cannot sign in and receives no
/// e-mail; their records stay.
pub async fn set_active(
    uow: &UnitOfWork,
    id: i64,
    active: bool,
) -> Result<user::Model, StoreError> {
    let before = user(uow, uow.organisation_id()?, id).await?;
    let mut am: user::ActiveModel = before.clone().into();
    am.active = Set(active);
    am.version = Set(before.version + 1);
    let after = am.update(uow).await?;
    let operation = if active { "reactivate" } else { "deactivate" };
    uow.audit("user", id, operation, Some(&before), Some(&after))
        .await?;
    // A deactivated user's sessions end at once.
    if let Some(reason) = crate::sign_in::end_reason_for_change(&before, &after) {
        crate::sign_in::end_sessions(uow, id, None, reason).await?;
    }
    Ok(after)
}

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

/// A token as the audit trail keeps it: without even its hash.
fn without_hash(token: &api_token::Model) -> api_token::Model {
    api_token::Model {
        token_hash: String::new(),
        ..token.clone()
    }
}

/// Issues a token for `user` and returns the secret, which is never stored. (Not audited:
/// the operator commands use this directly; [`create_token`] audits.)
pub(crate) async fn issue(
    uow: &UnitOfWork,
    user: &user::Model,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
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
        created_at: Set(uow.now()),
        ..Default::default()
    }
    .insert(uow)
    .await?;
    Ok((row, secret))
}

/// Issues a token for `user` (the council's token list changes) and returns it with its
/// secret, shown this once.
pub async fn create_token(
    uow: &UnitOfWork,
    user: &user::Model,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String), StoreError> {
    let (row, secret) = issue(uow, user, name, expires_at).await?;
    uow.audit_create("api_token", row.id, &without_hash(&row))
        .await?;
    Ok((row, secret))
}

/// Revokes a token (revoking it again keeps the first time).
pub async fn revoke_token(uow: &UnitOfWork, id: i64) -> Result<api_token::Model, StoreError> {
    let before = token(uow, uow.organisation_id()?, id).await?;
    let mut am: api_token::ActiveModel = before.clone().into();
    am.revoked_at = Set(Some(before.revoked_at.unwrap_or(uow.now())));
    let after = am.update(uow).await?;
    uow.audit(
        "api_token",
        id,
        "revoke",
        Some(&without_hash(&before)),
        Some(&without_hash(&after)),
    )
    .await?;
    Ok(after)
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
