//! Signing in: e-mailed one-time links, the per-address limit on asking for them, sessions
//! (what a browser's `pmf_session` cookie stands for), started single sign-ons, each
//! council's provider, and a user's binding to a provider's subject.
//!
//! Every secret (link token, session secret, `state`) is random and stored only as its
//! SHA-256 hash. Sign-ins, refused sign-ins and sign-outs are audited in a [`UnitOfWork`]
//! (they are rare, and the audit log is an answer a query shows); a session's "last seen"
//! is written at most every [`LAST_SEEN_EVERY`], outside any unit of work, and never moves
//! the council's data version.
use chrono::{DateTime, Duration, Utc};
use pmf_core::Email;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use serde::Serialize;

use crate::{
    Database, StoreError, UnitOfWork,
    entity::{
        organisation, pending_sign_in, session, sign_in_link, sign_in_request, single_sign_on, user,
    },
    people::{hash_secret, new_secret},
    scoped,
};

/// How long an e-mailed link works.
pub const LINK_MINUTES: i64 = 15;
/// At most this many link requests per address in [`REQUEST_WINDOW_MINUTES`].
pub const REQUESTS_PER_ADDRESS: u64 = 5;
pub const REQUEST_WINDOW_MINUTES: i64 = 15;
/// How often a session's last use is written.
pub const LAST_SEEN_EVERY: Duration = Duration::minutes(5);
/// How long a started single sign-on waits for the provider's answer.
pub const PENDING_MINUTES: i64 = 10;

/// How long sessions last: `idle` without a request, `max` in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: Duration,
    pub max: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: Duration::hours(8),
            max: Duration::days(30),
        }
    }
}

/// How someone signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Email,
    SingleSignOn,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Email => "email",
            Method::SingleSignOn => "sso",
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    SignedOutEverywhere,
    Deactivated,
    RoleChanged,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed out",
            EndReason::SignedOutEverywhere => "signed out everywhere",
            EndReason::Deactivated => "user deactivated",
            EndReason::RoleChanged => "role changed",
        }
    }
}

fn normalised(email: &str) -> String {
    email.trim().to_lowercase()
}

// --- asking for a link ---

/// Counts a request for a link to `email` (known or not) and says whether it is within the
/// limit of [`REQUESTS_PER_ADDRESS`] in [`REQUEST_WINDOW_MINUTES`]. Old counts are dropped.
pub async fn count_link_request(
    db: &Database,
    email: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let hash = hash_secret(&normalised(email));
    let window_start = now - Duration::minutes(REQUEST_WINDOW_MINUTES);
    sign_in_request::Entity::delete_many()
        .filter(sign_in_request::Column::RequestedAt.lte(window_start))
        .exec(&db.conn)
        .await?;
    let earlier = sign_in_request::Entity::find()
        .filter(sign_in_request::Column::EmailHash.eq(hash.clone()))
        .filter(sign_in_request::Column::RequestedAt.gt(window_start))
        .count(&db.conn)
        .await?;
    sign_in_request::ActiveModel {
        email_hash: Set(hash),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&db.conn)
    .await?;
    Ok(earlier < REQUESTS_PER_ADDRESS)
}

/// The active users with this e-mail address, with their councils (one install may serve
/// several), of the council `org_slug` only when given.
pub async fn users_to_sign_in(
    db: &Database,
    email: &Email,
    org_slug: Option<&str>,
) -> Result<Vec<(user::Model, organisation::Model)>, StoreError> {
    let users = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .all(&db.conn)
        .await?;
    let mut found = Vec::new();
    for u in users {
        let Some(org) = organisation::Entity::find_by_id(u.organisation_id)
            .one(&db.conn)
            .await?
        else {
            continue;
        };
        if org_slug.is_none_or(|slug| slug.trim() == org.slug) {
            found.push((u, org));
        }
    }
    Ok(found)
}

/// Issues a one-time link token for `user`, valid for [`LINK_MINUTES`]; the link's row and
/// the token (to be mailed, never stored) are returned.
pub async fn issue_link(
    db: &Database,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(sign_in_link::Model, String), StoreError> {
    let token = new_secret();
    let row = sign_in_link::ActiveModel {
        organisation_id: Set(user.organisation_id),
        user_id: Set(user.id),
        token_hash: Set(hash_secret(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(LINK_MINUTES)),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&db.conn)
    .await?;
    Ok((row, token))
}

/// Why a link did not sign anyone in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefusal {
    #[error("this sign-in link is not one we sent")]
    Unknown,
    #[error("this sign-in link has been used already")]
    Used,
    #[error("this sign-in link has expired")]
    Expired,
    #[error("this account is no longer active")]
    UserInactive,
}

/// A new session: its row, its user and the secret for the cookie (shown this once).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub session: session::Model,
    pub user: user::Model,
    pub secret: String,
}

#[derive(Serialize)]
struct SignInRecord<'a> {
    method: &'a str,
    session_id: Option<i64>,
    user_agent: Option<&'a str>,
    refused: Option<String>,
}

/// Signs in with an e-mailed link: the link is used up (once, whatever happens next) and a
/// session begins. A refusal of a link we sent is audited in its user's council.
pub async fn sign_in_with_link(
    db: &Database,
    token: &str,
    user_agent: Option<&str>,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<Result<NewSession, LinkRefusal>, StoreError> {
    let Some(link) = sign_in_link::Entity::find()
        .filter(sign_in_link::Column::TokenHash.eq(hash_secret(token.trim())))
        .one(&db.conn)
        .await?
    else {
        return Ok(Err(LinkRefusal::Unknown));
    };
    let mut uow = UnitOfWork::begin(db, link.organisation_id, Some(link.user_id), now).await?;
    // Used up by exactly one request, however many arrive at once.
    let claimed = sign_in_link::Entity::update_many()
        .col_expr(sign_in_link::Column::UsedAt, Expr::value(now))
        .filter(sign_in_link::Column::Id.eq(link.id))
        .filter(sign_in_link::Column::UsedAt.is_null())
        .exec(&uow)
        .await?
        .rows_affected
        == 1;
    let user = user::Entity::find_by_id(link.user_id).one(&uow).await?;
    let refusal = if !claimed {
        Some(LinkRefusal::Used)
    } else if link.expires_at <= now {
        Some(LinkRefusal::Expired)
    } else if !user.as_ref().is_some_and(|u| u.active) {
        Some(LinkRefusal::UserInactive)
    } else {
        None
    };
    if let Some(refusal) = refusal {
        audit_refusal(
            &uow,
            link.user_id,
            Method::Email,
            user_agent,
            refusal.to_string(),
        )
        .await?;
        uow.commit().await?;
        return Ok(Err(refusal));
    }
    let user = user.ok_or_else(|| StoreError::not_found("user", link.user_id))?;
    let new = start_session(&mut uow, user, Method::Email, user_agent, limits).await?;
    uow.commit().await?;
    Ok(Ok(new))
}

/// Audits a refused sign-in of `user_id` (in the unit of work's council).
pub async fn audit_refusal(
    uow: &UnitOfWork,
    user_id: i64,
    method: Method,
    user_agent: Option<&str>,
    why: String,
) -> Result<(), StoreError> {
    uow.audit(
        "session",
        user_id,
        "sign_in_refused",
        None::<&()>,
        Some(&SignInRecord {
            method: method.as_str(),
            session_id: None,
            user_agent,
            refused: Some(why),
        }),
    )
    .await
}

fn trimmed_agent(user_agent: Option<&str>) -> Option<String> {
    user_agent
        .map(|a| {
            a.chars()
                .filter(|c| !c.is_control())
                .take(300)
                .collect::<String>()
        })
        .filter(|a| !a.trim().is_empty())
}

/// Begins a session for `user` in the unit of work (audited as a sign-in).
pub async fn start_session(
    uow: &mut UnitOfWork,
    user: user::Model,
    method: Method,
    user_agent: Option<&str>,
    limits: SessionLimits,
) -> Result<NewSession, StoreError> {
    let now = uow.now();
    let secret = new_secret();
    let agent = trimmed_agent(user_agent);
    let session = session::ActiveModel {
        organisation_id: Set(user.organisation_id),
        user_id: Set(user.id),
        secret_hash: Set(hash_secret(&secret)),
        method: Set(method.as_str().to_string()),
        user_agent: Set(agent.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + limits.max),
        ended_at: Set(None),
        end_reason: Set(None),
        ..Default::default()
    }
    .insert(&*uow)
    .await?;
    uow.audit(
        "session",
        session.id,
        "sign_in",
        None::<&()>,
        Some(&SignInRecord {
            method: method.as_str(),
            session_id: Some(session.id),
            user_agent: agent.as_deref(),
            refused: None,
        }),
    )
    .await?;
    Ok(NewSession {
        session,
        user,
        secret,
    })
}

// --- using a session ---

/// The session and active user behind a cookie's secret, if it is still good at `now` (not
/// ended, before its absolute end, used within the idle time). Records the use at most every
/// [`LAST_SEEN_EVERY`], without moving the council's data version.
pub async fn session_user<C: ConnectionTrait>(
    db: &C,
    secret: &str,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<Option<(session::Model, user::Model)>, StoreError> {
    let Some(session) = session::Entity::find()
        .filter(session::Column::SecretHash.eq(hash_secret(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !is_live(&session, limits, now) {
        return Ok(None);
    }
    let Some(user) = user::Entity::find_by_id(session.user_id).one(db).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    if now - session.last_seen_at >= LAST_SEEN_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session.id))
            .exec(db)
            .await?;
    }
    Ok(Some((session, user)))
}

fn is_live(session: &session::Model, limits: SessionLimits, now: DateTime<Utc>) -> bool {
    session.ended_at.is_none()
        && session.expires_at > now
        && session.last_seen_at + limits.idle > now
}

/// A user's sessions that are still good, newest first.
pub async fn live_sessions<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    user_id: i64,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, StoreError> {
    Ok(scoped::rows::<session::Entity>(organisation_id)
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::EndedAt.is_null())
        .order_by_desc(session::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|s| is_live(s, limits, now))
        .collect())
}

/// Ends the session behind a cookie's secret (signing out); `None` when there was none
/// still open.
pub async fn sign_out(
    db: &Database,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<session::Model>, StoreError> {
    let Some(session) = session::Entity::find()
        .filter(session::Column::SecretHash.eq(hash_secret(secret)))
        .filter(session::Column::EndedAt.is_null())
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    let uow = UnitOfWork::begin(db, session.organisation_id, Some(session.user_id), now).await?;
    let ended = end_sessions(
        &uow,
        session.user_id,
        Some(session.id),
        EndReason::SignedOut,
    )
    .await?;
    uow.commit().await?;
    Ok((ended > 0).then_some(session))
}

/// Ends the user's open sessions (only `only` when given), in the unit of work, audited
/// when any ended. Returns how many.
pub async fn end_sessions(
    uow: &UnitOfWork,
    user_id: i64,
    only: Option<i64>,
    reason: EndReason,
) -> Result<u64, StoreError> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::EndedAt, Expr::value(uow.now()))
        .col_expr(session::Column::EndReason, Expr::value(reason.as_str()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::EndedAt.is_null());
    if let Some(id) = only {
        update = update.filter(session::Column::Id.eq(id));
    }
    let ended = update.exec(uow).await?.rows_affected;
    if ended > 0 {
        #[derive(Serialize)]
        struct Ended<'a> {
            sessions: u64,
            reason: &'a str,
        }
        uow.audit(
            "session",
            only.unwrap_or(user_id),
            "sign_out",
            None::<&()>,
            Some(&Ended {
                sessions: ended,
                reason: reason.as_str(),
            }),
        )
        .await?;
    }
    Ok(ended)
}

/// What ends a user's sessions when an ADMIN changes them: deactivation, or a new role.
pub fn end_reason_for_change(before: &user::Model, after: &user::Model) -> Option<EndReason> {
    if before.active && !after.active {
        Some(EndReason::Deactivated)
    } else if after.role.0 != before.role.0 {
        Some(EndReason::RoleChanged)
    } else {
        None
    }
}

// --- single sign-on ---

/// The council's provider, if one is set.
pub async fn single_sign_on<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<Option<single_sign_on::Model>, StoreError> {
    Ok(scoped::rows::<single_sign_on::Entity>(organisation_id)
        .one(db)
        .await?)
}

/// A provider to set for the council.
#[derive(Debug, Clone)]
pub struct ProviderSetting {
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    /// `None` keeps the stored secret (when changing other fields).
    pub client_secret: Option<String>,
    pub tenant_id: Option<String>,
}

/// Sets (or replaces) the council's provider, audited without its secret.
pub async fn set_single_sign_on(
    uow: &UnitOfWork,
    setting: ProviderSetting,
) -> Result<single_sign_on::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = single_sign_on(uow, org).await?;
    let after = match &before {
        Some(row) => {
            let mut am: single_sign_on::ActiveModel = row.clone().into();
            am.display_name = Set(setting.display_name);
            am.issuer = Set(setting.issuer);
            am.client_id = Set(setting.client_id);
            if let Some(secret) = setting.client_secret {
                am.client_secret = Set(secret);
            }
            am.tenant_id = Set(setting.tenant_id);
            am.updated_at = Set(uow.now());
            am.update(uow).await?
        }
        None => {
            let secret = setting.client_secret.ok_or_else(|| {
                StoreError::invalid("clientSecret: a new provider needs its client secret")
            })?;
            single_sign_on::ActiveModel {
                organisation_id: Set(org),
                display_name: Set(setting.display_name),
                issuer: Set(setting.issuer),
                client_id: Set(setting.client_id),
                client_secret: Set(secret),
                tenant_id: Set(setting.tenant_id),
                created_at: Set(uow.now()),
                updated_at: Set(uow.now()),
                ..Default::default()
            }
            .insert(uow)
            .await?
        }
    };
    uow.audit(
        "single_sign_on",
        after.id,
        "set",
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Removes the council's provider (people sign in by e-mail again).
pub async fn clear_single_sign_on(uow: &UnitOfWork) -> Result<bool, StoreError> {
    let org = uow.organisation_id()?;
    let Some(before) = single_sign_on(uow, org).await? else {
        return Ok(false);
    };
    single_sign_on::Entity::delete_by_id(before.id)
        .exec(uow)
        .await?;
    uow.audit(
        "single_sign_on",
        before.id,
        "clear",
        Some(&before),
        None::<&()>,
    )
    .await?;
    Ok(true)
}

/// Keeps a started sign-in (its `state` hashed) until the provider answers.
pub async fn keep_pending(
    db: &Database,
    organisation_id: i64,
    state: &str,
    pending_json: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    pending_sign_in::Entity::delete_many()
        .filter(pending_sign_in::Column::ExpiresAt.lt(now))
        .exec(&db.conn)
        .await?;
    pending_sign_in::ActiveModel {
        organisation_id: Set(organisation_id),
        state_hash: Set(hash_secret(state)),
        pending: Set(pending_json),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(PENDING_MINUTES)),
        ..Default::default()
    }
    .insert(&db.conn)
    .await?;
    Ok(())
}

/// Takes (once) the started sign-in with this `state`, if it has not expired: its council
/// and what finishing needs.
pub async fn take_pending(
    db: &Database,
    state: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, String)>, StoreError> {
    let Some(row) = pending_sign_in::Entity::find()
        .filter(pending_sign_in::Column::StateHash.eq(hash_secret(state)))
        .one(&db.conn)
        .await?
    else {
        return Ok(None);
    };
    let taken = pending_sign_in::Entity::delete_by_id(row.id)
        .exec(&db.conn)
        .await?
        .rows_affected
        == 1;
    Ok((taken && row.expires_at > now).then_some((row.organisation_id, row.pending)))
}

/// What a single sign-on found for a verified identity.
#[derive(Debug, Clone, PartialEq)]
pub enum SubjectMatch {
    /// The user bound to this subject (or bound now, at a first sign-in by e-mail).
    User(user::Model),
    /// No active user of the council has this subject or (unbound) this address.
    Unknown,
    /// The subject's user is inactive.
    Inactive,
    /// The address belongs to a user bound to another subject (a changed e-mail claim).
    BoundElsewhere,
}

/// Finds the council's user for a verified identity: by the bound (issuer, subject) first;
/// else, at a first sign-in, by e-mail among users not yet bound, binding them (in the unit
/// of work) so that later sign-ins match on the subject and never on the changeable e-mail.
pub async fn match_subject(
    uow: &UnitOfWork,
    issuer: &str,
    subject: &str,
    email: Option<&Email>,
) -> Result<SubjectMatch, StoreError> {
    let org = uow.organisation_id()?;
    if let Some(bound) = scoped::rows::<user::Entity>(org)
        .filter(user::Column::SsoIssuer.eq(issuer))
        .filter(user::Column::SsoSubject.eq(subject))
        .one(uow)
        .await?
    {
        return Ok(if bound.active {
            SubjectMatch::User(bound)
        } else {
            SubjectMatch::Inactive
        });
    }
    let Some(email) = email else {
        return Ok(SubjectMatch::Unknown);
    };
    let Some(found) = scoped::rows::<user::Entity>(org)
        .filter(user::Column::Email.eq(email.as_str()))
        .one(uow)
        .await?
    else {
        return Ok(SubjectMatch::Unknown);
    };
    if !found.active {
        return Ok(SubjectMatch::Inactive);
    }
    if found.sso_subject.is_some() {
        return Ok(SubjectMatch::BoundElsewhere);
    }
    let mut am: user::ActiveModel = found.into();
    am.sso_issuer = Set(Some(issuer.to_string()));
    am.sso_subject = Set(Some(subject.to_string()));
    let bound = am.update(uow).await?;
    #[derive(Serialize)]
    struct Binding<'a> {
        issuer: &'a str,
    }
    uow.audit(
        "user",
        bound.id,
        "bind_single_sign_on",
        None::<&()>,
        Some(&Binding { issuer }),
    )
    .await?;
    Ok(SubjectMatch::User(bound))
}
