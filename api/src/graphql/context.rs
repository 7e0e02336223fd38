//! Who is asking, for which council, and the request's loaders.
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    Context,
    dataloader::{DataLoader, HashMapCache},
};
use chrono::{DateTime, Utc};
use pmf_store::{UnitOfWork, entity::user};

use super::loaders::OrgLoader;
pub use crate::auth::Scope;
use crate::error::{GqlResult, gql};

/// Per-request data every resolver can reach.
pub struct RequestContext {
    pub scope: Option<Arc<Scope>>,
    pub now: DateTime<Utc>,
    pub public_url: String,
    pub db: pmf_store::Database,
    pub loader: Option<DataLoader<OrgLoader, HashMapCache>>,
    /// Set by a resolver whose answer changes without the data version moving on.
    pub not_cacheable: AtomicBool,
    /// How long sessions last (for `mySessions`).
    pub session_limits: pmf_store::sign_in::SessionLimits,
    /// The node limits, and the councils' list sizes they are computed with.
    pub cost_limits: super::cost::CostLimits,
    pub list_sizes: std::sync::Arc<pmf_store::sizes::ListSizeCache>,
}

impl RequestContext {
    /// Whether the answer may be kept by the response cache.
    pub fn cacheable(&self) -> bool {
        !self.not_cacheable.load(Ordering::Relaxed)
    }
}

/// The request context as the schema holds it (shared with the HTTP layer, which reads
/// [`RequestContext::cacheable`] after execution).
#[derive(Clone)]
pub struct SharedContext(pub Arc<RequestContext>);

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestContext {
    &ctx.data_unchecked::<SharedContext>().0
}

/// Marks the answer as one the response cache must not keep: it shows something that
/// changes without the council's data version moving on (a token's last use).
pub fn do_not_cache(ctx: &Context<'_>) {
    request(ctx).not_cacheable.store(true, Ordering::Relaxed);
}

/// The scope, or UNAUTHENTICATED when the caller named no organisation.
pub fn scope<'a>(ctx: &Context<'a>) -> GqlResult<&'a Scope> {
    request(ctx).scope.as_deref().ok_or_else(|| {
        gql::unauthenticated(
            "send `Authorization: Bearer <token>`, or `X-Organisation: <slug>` for the public portal",
        )
    })
}

/// The signed-in user, or UNAUTHENTICATED on the public portal.
pub fn signed_in<'a>(ctx: &Context<'a>) -> GqlResult<&'a user::Model> {
    scope(ctx)?.user.as_ref().ok_or_else(|| {
        gql::unauthenticated("sign in with `Authorization: Bearer <token>` to do this")
    })
}

pub fn loader<'a>(ctx: &Context<'a>) -> GqlResult<&'a DataLoader<OrgLoader, HashMapCache>> {
    scope(ctx)?;
    request(ctx)
        .loader
        .as_ref()
        .ok_or_else(|| gql::internal(anyhow::anyhow!("request has a scope but no loader")))
}

/// A unit of work for the caller's council, made by the signed-in user (or nobody) now:
/// committing it moves the council's data version on in the same transaction.
pub async fn begin(ctx: &Context<'_>) -> GqlResult<UnitOfWork> {
    let scope = scope(ctx)?;
    let request = request(ctx);
    let actor = scope.user.as_ref().map(|u| u.id);
    Ok(UnitOfWork::begin(&request.db, scope.org.id, actor, request.now).await?)
}
