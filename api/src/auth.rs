//! Who is asking: a bearer token's user and council, or the public portal of the council
//! named by `X-Organisation` (or the report's `?org=SLUG`), or nobody.
use axum::http::{HeaderMap, header::AUTHORIZATION};
use chrono::{DateTime, Utc};
use pmf_store::{
    Audience, Council, Database, OrganisationSettings,
    entity::user,
    organisations, people,
    sign_in::{self, SessionLimits},
};

use crate::error::ApiError;

/// The organisation a request reads, and the signed-in user (`None` on the public portal).
#[derive(Debug, Clone)]
pub struct Scope {
    pub org: OrganisationSettings,
    pub user: Option<user::Model>,
    /// The council's data version when the request began (the response cache's key).
    pub data_version: i64,
    /// The browser session the user is signed in with (`None`: a token, or the portal).
    pub session_id: Option<i64>,
}

impl Scope {
    pub fn is_public(&self) -> bool {
        self.user.is_none()
    }

    /// What the caller may see.
    pub fn audience(&self) -> Audience {
        if self.is_public() {
            Audience::Public
        } else {
            Audience::SignedIn
        }
    }

    fn of(council: Council, user: Option<user::Model>) -> Self {
        Self {
            org: council.settings,
            user,
            data_version: council.data_version,
            session_id: None,
        }
    }
}

fn unauthenticated(why: &str) -> ApiError {
    ApiError::Unauthenticated(why.to_string())
}

/// The secret of an `Authorization: Bearer <token>` header.
fn bearer(value: &axum::http::HeaderValue) -> Result<&str, ApiError> {
    let value = value
        .to_str()
        .map_err(|_| unauthenticated("malformed Authorization header"))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unauthenticated("use `Authorization: Bearer <token>`"))
}

/// Decides who is asking. Headers win: a bearer token, then the `pmf_session` cookie (a
/// cookie that names no live session is refused, so the dashboard asks to sign in again),
/// then `X-Organisation`, then
/// `public_org` (the report's `?org=SLUG`, for plain links a browser follows without
/// headers). There is deliberately no way to pass a token in a URL. `None`: nobody (only
/// introspection then works).
pub async fn resolve(
    db: &Database,
    now: DateTime<Utc>,
    limits: SessionLimits,
    headers: &HeaderMap,
    public_org: Option<&str>,
) -> Result<Option<Scope>, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let secret = bearer(value)?;
        let (_, user) = people::authenticate(&db.conn, secret, now)
            .await?
            .map_err(|refusal| {
                use people::TokenRefusal::*;
                unauthenticated(match refusal {
                    Unknown => "this token is not valid",
                    Expired => "this token has expired",
                    Revoked => "this token has been revoked",
                    UserInactive => "this token's user is no longer active",
                })
            })?;
        let council = organisations::by_id(&db.conn, user.organisation_id)
            .await?
            .ok_or_else(|| unauthenticated("this token's organisation no longer exists"))?;
        return Ok(Some(Scope::of(Council::try_from(council)?, Some(user))));
    }
    let secrets = crate::sign_in::session_tokens(headers);
    if !secrets.is_empty() {
        for secret in secrets {
            if let Some((session, user)) =
                sign_in::session_user(&db.conn, secret, limits, now).await?
            {
                let council = organisations::by_id(&db.conn, user.organisation_id)
                    .await?
                    .ok_or_else(|| unauthenticated("your organisation no longer exists"))?;
                let mut scope = Scope::of(Council::try_from(council)?, Some(user));
                scope.session_id = Some(session.id);
                return Ok(Some(scope));
            }
        }
        return Err(unauthenticated(
            "your session has ended: sign in again at /auth/sign-in",
        ));
    }
    let slug = match headers.get("x-organisation") {
        Some(value) => Some(value.to_str().map(str::trim).unwrap_or_default()),
        None => public_org.map(str::trim),
    };
    if let Some(slug) = slug {
        let council = organisations::by_slug(&db.conn, slug)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no organisation with slug {slug:?}")))?;
        return Ok(Some(Scope::of(Council::try_from(council)?, None)));
    }
    Ok(None)
}
