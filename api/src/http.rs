//! The HTTP surface: `/graphql` (POST, and GraphiQL on GET), the dashboard, the reports,
//! `/health`, `/ready`. The router depends on everything; nothing depends on it.
use std::time::Duration;

use async_graphql::{
    Pos,
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
use serde_json::json;
use tower_http::timeout::TimeoutLayer;

use crate::{
    execute::{AppState, execute_with_cacheability},
    response_cache::CacheKey,
};

/// Largest request body accepted (but for workbook uploads, see [`body_limit`]).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The largest upload (`PMF_UPLOAD_MAX_MB`) unless set otherwise.
pub const DEFAULT_UPLOAD_MAX_BYTES: usize = 20 * 1024 * 1024;

pub fn router(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/", get(crate::dashboard::page))
        .route("/assets/{file}", get(crate::dashboard::asset))
        .route(
            "/reports/{plan_id}/{period}",
            get(crate::report::report_handler),
        )
        .route(
            "/templates/register.xlsx",
            get(crate::workbook::template_handler),
        )
        .route(
            "/exports/register.xlsx",
            get(crate::workbook::export_handler),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_limit,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .with_state(state)
}

/// Bodies of at most [`MAX_BODY_BYTES`], except a GraphQL multipart request (a workbook
/// upload, `importWorkbook`): at most the upload limit (`PMF_UPLOAD_MAX_MB`). A body
/// announced larger is refused with 413 before it is read; one that grows larger fails.
async fn body_limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let upload = request.uri().path() == "/graphql"
        && request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
    let limit = if upload {
        state.upload_max_bytes
    } else {
        MAX_BODY_BYTES
    };
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
            .into_response();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
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

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> axum::response::Response {
    let scope = match state.scope(&headers, None).await {
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
