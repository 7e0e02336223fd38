//! Running a GraphQL request in-process as a caller: the one construction shared by `POST
//! /graphql` and everything else that runs queries (the reports). It knows the schema and
//! who asks, not the router.
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use axum::http::HeaderMap;
use pmf_core::Clock;
use pmf_store::Database;

use crate::{
    auth::{self, Scope},
    error::ApiError,
    graphql::{
        AppSchema, RequestContext, build_schema,
        context::SharedContext,
        loaders::{MAX_BATCH, OrgLoader},
    },
    response_cache::ResponseCache,
};

/// The response cache's size unless `PMF_RESPONSE_CACHE_MB` says otherwise.
pub const DEFAULT_RESPONSE_CACHE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    pub schema: AppSchema,
    pub public_url: String,
    /// Answers to queries until the council's data changes; `None` when switched off.
    pub response_cache: Option<Arc<ResponseCache>>,
    /// The largest workbook upload (a GraphQL multipart request), in bytes.
    pub upload_max_bytes: usize,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, public_url: String) -> Self {
        Self {
            db,
            clock,
            schema: build_schema(),
            public_url,
            response_cache: Some(Arc::new(ResponseCache::new(DEFAULT_RESPONSE_CACHE_BYTES))),
            upload_max_bytes: crate::http::DEFAULT_UPLOAD_MAX_BYTES,
        }
    }

    /// A response cache of `bytes` (none at 0).
    pub fn with_response_cache(mut self, bytes: usize) -> Self {
        self.response_cache = (bytes > 0).then(|| Arc::new(ResponseCache::new(bytes)));
        self
    }

    /// Who is asking ([`auth::resolve`]), now.
    pub async fn scope(
        &self,
        headers: &HeaderMap,
        public_org: Option<&str>,
    ) -> Result<Option<Scope>, ApiError> {
        auth::resolve(&self.db, self.clock.now(), headers, public_org).await
    }
}

/// The per-request data the schema's resolvers read, for a caller in `scope`.
pub fn request_context(state: &AppState, scope: Option<Scope>) -> RequestContext {
    let loader = scope.as_ref().map(|s| {
        DataLoader::with_cache(
            OrgLoader {
                db: state.db.clone(),
                org: s.org.clone(),
                audience: s.audience(),
            },
            tokio::spawn,
            HashMapCache::default(),
        )
        .max_batch_size(MAX_BATCH)
    });
    RequestContext {
        scope: scope.map(Arc::new),
        now: state.clock.now(),
        public_url: state.public_url.clone(),
        db: state.db.clone(),
        loader,
        not_cacheable: Default::default(),
    }
}

/// Runs a GraphQL request against the app's schema as the caller in `scope`, exactly as
/// `POST /graphql` does.
pub async fn execute(
    state: &AppState,
    scope: Option<Scope>,
    request: async_graphql::Request,
) -> async_graphql::Response {
    execute_with_cacheability(state, scope, request).await.0
}

/// `execute`, and whether the answer may be kept by the response cache (no resolver said it
/// shows something that changes without the data version moving, such as `lastUsedAt`).
pub async fn execute_with_cacheability(
    state: &AppState,
    scope: Option<Scope>,
    request: async_graphql::Request,
) -> (async_graphql::Response, bool) {
    let context = Arc::new(request_context(state, scope));
    let mut response = state
        .schema
        .execute(request.data(SharedContext(context.clone())))
        .await;
    // Parse, validation and limit errors come from async-graphql without a code: they are
    // all the client's to fix.
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
    }
    (response, context.cacheable())
}
