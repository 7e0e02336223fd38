//! The HTTP surface: `/graphql` (POST, and GraphiQL on GET), `/health`, `/ready`.
use std::{sync::Arc, time::Duration};

use async_graphql::{
    Pos,
    dataloader::{DataLoader, HashMapCache},
    http::GraphiQLSource,
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse},
    routing::get,
};
use pmf_core::Clock;
use pmf_store::{Database, OrganisationSettings, admin, tokens};
use serde_json::json;
use tower_http::{limit::RequestBodyLimitLayer, timeout::TimeoutLayer};

use crate::{
    error::ApiError,
    graphql::{
        AppSchema, RequestContext, Scope, build_schema, context::SharedContext, loaders::OrgLoader,
    },
    response_cache::{CacheKey, ResponseCache},
};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    pub schema: AppSchema,
    pub public_url: String,
    /// Answers to queries until the council's data changes; `None` when switched off.
    pub response_cache: Option<Arc<ResponseCache>>,
}

impl AppState {
    pub fn new(db: Database, clock: Arc<dyn Clock>, public_url: String) -> Self {
        Self {
            db,
            clock,
            schema: build_schema(),
            public_url,
            response_cache: Some(Arc::new(ResponseCache::new(DEFAULT_RESPONSE_CACHE_BYTES))),
        }
    }

    /// A response cache of `bytes` (none at 0).
    pub fn with_response_cache(mut self, bytes: usize) -> Self {
        self.response_cache = (bytes > 0).then(|| Arc::new(ResponseCache::new(bytes)));
        self
    }
}

/// The response cache's size unless `PMF_RESPONSE_CACHE_MB` says otherwise.
pub const DEFAULT_RESPONSE_CACHE_BYTES: usize = 64 * 1024 * 1024;

pub fn router(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/", get(crate::dashboard::page))
        .route("/assets/{file}", get(crate::dashboard::asset))
        .route(
            "/reports/{plan_id}/{period}",
            get(crate::report::report_handler),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .with_state(state)
}

async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}

async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Performance GraphQL")
            .finish(),
    )
}

/// Decides who is asking: a bearer token's user and council, or the public portal of the
/// council named by `X-Organisation`, or nobody (only introspection then works).
async fn resolve_scope(state: &AppState, headers: &HeaderMap) -> Result<Option<Scope>, ApiError> {
    resolve_scope_with(state, headers, None).await
}

/// Like the `/graphql` handler's scope resolution, with one more way to name the council of
/// the public portal: `public_org` (the report's `?org=SLUG`, for plain links a browser
/// follows without headers). Headers win: a bearer token, then `X-Organisation`, then
/// `public_org`. There is deliberately no way to pass a token in a URL.
pub async fn resolve_scope_with(
    state: &AppState,
    headers: &HeaderMap,
    public_org: Option<&str>,
) -> Result<Option<Scope>, ApiError> {
    let now = state.clock.now();
    let unauthenticated = |why: &str| ApiError::Unauthenticated(why.to_string());
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| unauthenticated("malformed Authorization header"))?;
        let secret = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| unauthenticated("use `Authorization: Bearer <token>`"))?;
        let (_, user) = tokens::authenticate(&state.db.conn, secret, now)
            .await?
            .map_err(|refusal| {
                use tokens::TokenRefusal::*;
                unauthenticated(match refusal {
                    Unknown => "this token is not valid",
                    Expired => "this token has expired",
                    Revoked => "this token has been revoked",
                    UserInactive => "this token's user is no longer active",
                })
            })?;
        let org = pmf_store::entity::organisation::Entity::find_by_id(user.organisation_id)
            .one(&state.db.conn)
            .await?
            .ok_or_else(|| unauthenticated("this token's organisation no longer exists"))?;
        let data_version = org.data_version;
        let org = OrganisationSettings::try_from(&org)?;
        return Ok(Some(Scope {
            org,
            user: Some(user),
            data_version,
        }));
    }
    let slug = match headers.get("x-organisation") {
        Some(value) => Some(value.to_str().map(str::trim).unwrap_or_default()),
        None => public_org.map(str::trim),
    };
    if let Some(slug) = slug {
        let org = admin::find_organisation(&state.db.conn, slug)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("no organisation with slug {slug:?}")))?;
        let data_version = org.data_version;
        let org = OrganisationSettings::try_from(&org)?;
        return Ok(Some(Scope {
            org,
            user: None,
            data_version,
        }));
    }
    Ok(None)
}

use sea_orm::EntityTrait;

/// The per-request data the schema's resolvers read, for a caller in `scope`: the one
/// construction shared by `/graphql` and everything else that runs queries in-process
/// (the reports).
pub fn request_context(state: &AppState, scope: Option<Scope>) -> RequestContext {
    let loader = scope.as_ref().map(|s| {
        DataLoader::with_cache(
            OrgLoader {
                db: state.db.conn.clone(),
                org: s.org.clone(),
                public: s.is_public(),
            },
            tokio::spawn,
            HashMapCache::default(),
        )
        .max_batch_size(crate::graphql::loaders::MAX_BATCH)
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
async fn execute_with_cacheability(
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

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> axum::response::Response {
    let scope = match resolve_scope(&state, &headers).await {
        Ok(scope) => scope,
        Err(e) => {
            let mut error = e.to_graphql().into_server_error(Pos::default());
            error.locations.clear();
            return GraphQLResponse::from(async_graphql::Response::from_errors(vec![error]))
                .into_response();
        }
    };
    let mut request = request.into_inner();
    // Only answers to queries are ever stored, so a stored answer is looked up before the
    // document is even parsed.
    let mut cache_key = match (&state.response_cache, &scope) {
        (Some(_), Some(scope)) => CacheKey::new(scope, &request),
        _ => None,
    };
    if let (Some(cache), Some(key)) = (&state.response_cache, &cache_key)
        && let Some(answer) = cache.get(key)
    {
        return graphql_json(answer);
    }
    // Parsed once: execution reuses the document the request now holds.
    let kind = operation_kind(&mut request);
    if kind != Some(OperationType::Query) {
        cache_key = None;
    }
    // A mutation moved the council's data version on inside its own transaction: nothing
    // is left to do here for answers read before it to be out of date.
    let (response, cacheable) = execute_with_cacheability(&state, scope, request).await;
    if let (Some(cache), Some(key)) = (&state.response_cache, cache_key)
        && cacheable
        && response.errors.is_empty()
        && let Ok(answer) = serde_json::to_vec(&response)
    {
        let answer = axum::body::Bytes::from(answer);
        cache.insert(key, answer.clone());
        return graphql_json(answer);
    }
    GraphQLResponse::from(response).into_response()
}

/// The kind of the operation a request will run, or `None` when the document does not parse
/// or does not name one (execution then reports why).
fn operation_kind(request: &mut async_graphql::Request) -> Option<OperationType> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.get(name.as_str()).map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

/// A serialised GraphQL answer, as `GraphQLResponse` would send it.
fn graphql_json(answer: axum::body::Bytes) -> axum::response::Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/graphql-response+json",
        )],
        answer,
    )
        .into_response()
}
