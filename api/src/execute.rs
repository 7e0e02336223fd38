//! Running a GraphQL request in-process as a caller: the one construction shared by `POST
//! /graphql` and everything else that runs queries (the reports). It knows the schema and
//! who asks, not the router.
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use axum::http::HeaderMap;
use pmf_core::Clock;
use pmf_store::{Database, kept_results::KeptResults, sizes::ListSizeCache};

use crate::{
    auth::{self, Scope},
    error::ApiError,
    graphql::{
        AppSchema, RequestContext, build_introspection_schema, build_schema,
        context::SharedContext,
        cost::CostLimits,
        loaders::{MAX_BATCH, OrgLoader},
    },
    response_cache::ResponseCache,
    sign_in::{SignIn, SignInSettings},
};

/// The largest upload (`PMF_UPLOAD_MAX_MB`) unless set otherwise.
pub const DEFAULT_UPLOAD_MAX_BYTES: usize = 20 * 1024 * 1024;

/// The response cache's size unless `PMF_RESPONSE_CACHE_MB` says otherwise.
pub const DEFAULT_RESPONSE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The rated results kept between requests unless `PMF_RESULTS_CACHE_MB` says otherwise.
pub const DEFAULT_RESULTS_CACHE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    pub schema: AppSchema,
    /// The same schema with a deeper limit, for documents that only introspect.
    pub introspection_schema: AppSchema,
    pub public_url: String,
    /// Answers to queries until the council's data changes; `None` when switched off.
    pub response_cache: Option<Arc<ResponseCache>>,
    /// Rated results kept under their indicators' results versions, so an answer that must
    /// be computed rates only the indicators changed since; `None` when switched off.
    pub kept_results: Option<Arc<KeptResults>>,
    /// Signing in: sessions, e-mailed links, single sign-on.
    pub sign_in: Arc<SignIn>,
    /// The node limits (`PMF_QUERY_COST_LIMIT`, `PMF_PUBLIC_QUERY_COST_LIMIT`).
    pub cost_limits: CostLimits,
    pub list_sizes: Arc<ListSizeCache>,
    /// The largest workbook upload (a GraphQL multipart request), in bytes.
    pub upload_max_bytes: usize,
}

impl AppState {
    /// The state of a server at `public_url` (checked by the configuration: an http or
    /// https URL). Sign-in mails are kept in memory until [`AppState::with_sign_in`] says
    /// where they go (the `api serve` command always does).
    pub fn new(db: Database, clock: Arc<dyn Clock>, public_url: String) -> Self {
        let (transport, _) = pmf_mail::Transport::memory();
        let sign_in = SignIn::with_transport(
            db.clone(),
            clock.clone(),
            &public_url,
            SignInSettings::with_mail_dir("./mail"),
            transport,
        )
        .expect("PUBLIC_URL was checked by the configuration");
        Self {
            db,
            clock,
            schema: build_schema(),
            introspection_schema: build_introspection_schema(),
            public_url,
            response_cache: Some(Arc::new(ResponseCache::new(DEFAULT_RESPONSE_CACHE_BYTES))),
            kept_results: Some(Arc::new(KeptResults::new(DEFAULT_RESULTS_CACHE_BYTES))),
            sign_in: Arc::new(sign_in),
            cost_limits: CostLimits::default(),
            list_sizes: Arc::default(),
            upload_max_bytes: DEFAULT_UPLOAD_MAX_BYTES,
        }
    }

    /// Node limits other than the defaults.
    pub fn with_cost_limits(mut self, limits: CostLimits) -> Self {
        self.cost_limits = limits;
        self
    }

    /// Signing in with these settings (sign-in mail to `SMTP_URL` or `MAIL_DIR`).
    pub fn with_sign_in(mut self, settings: SignInSettings) -> anyhow::Result<Self> {
        self.sign_in = Arc::new(SignIn::new(
            self.db.clone(),
            self.clock.clone(),
            &self.public_url,
            settings,
        )?);
        Ok(self)
    }

    /// A response cache of `bytes` (none at 0).
    pub fn with_response_cache(mut self, bytes: usize) -> Self {
        self.response_cache = (bytes > 0).then(|| Arc::new(ResponseCache::new(bytes)));
        self
    }

    /// Rated results kept up to `bytes` (none at 0).
    pub fn with_results_cache(mut self, bytes: usize) -> Self {
        self.kept_results = (bytes > 0).then(|| Arc::new(KeptResults::new(bytes)));
        self
    }

    /// Who is asking ([`auth::resolve`]), now.
    pub async fn scope(
        &self,
        headers: &HeaderMap,
        public_org: Option<&str>,
    ) -> Result<Option<Scope>, ApiError> {
        auth::resolve(
            &self.db,
            self.clock.now(),
            self.sign_in.limits,
            headers,
            public_org,
        )
        .await
    }
}

/// The per-request data the schema's resolvers read, for a caller in `scope`.
pub fn request_context(state: &AppState, scope: Option<Scope>) -> RequestContext {
    let loader = scope.as_ref().map(|s| {
        DataLoader::with_cache(
            OrgLoader::new(state.db.clone(), s.org.clone(), s.audience())
                .with_kept_results(state.kept_results.clone()),
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
        session_limits: state.sign_in.limits,
        cost_limits: state.cost_limits,
        list_sizes: state.list_sizes.clone(),
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
    mut request: async_graphql::Request,
) -> (async_graphql::Response, bool) {
    let context = Arc::new(request_context(state, scope));
    let schema = if only_introspects(&mut request) {
        &state.introspection_schema
    } else {
        &state.schema
    };
    let mut response = schema
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

/// Whether every operation of the request's document selects only `__schema`, `__type` or
/// `__typename` at its root (no fragments there): it reads the schema and no data, so the
/// deeper [`crate::graphql::MAX_INTROSPECTION_DEPTH`] applies. A document that does not
/// parse is not (execution reports why).
fn only_introspects(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::Selection;
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    document.operations.iter().all(|(_, operation)| {
        operation
            .node
            .selection_set
            .node
            .items
            .iter()
            .all(|item| match &item.node {
                Selection::Field(field) => matches!(
                    field.node.name.node.as_str(),
                    "__schema" | "__type" | "__typename"
                ),
                _ => false,
            })
    })
}
