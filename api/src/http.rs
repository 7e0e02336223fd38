//! The HTTP surface: `/graphql` (POST, and GraphiQL on GET, its files under
//! `/graphql/assets/`), the dashboard, the reports,
//! `/health`, `/ready`. The router depends on everything; nothing depends on it.
use std::time::Duration;

use async_graphql::{
    Pos,
    parser::types::{DocumentOperations, OperationType},
};
use async_graphql_axum::GraphQLRequest;
use axum::{
    Json, Router,
    extract::{FromRequest, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use tower_http::timeout::TimeoutLayer;

use crate::{
    execute::{AppState, execute_with_cacheability},
    response_cache::CacheKey,
    sign_in::{CrossSiteGuard, GuardMode, origin::refuse_cross_site},
};

/// Largest request body accepted (but for workbook uploads, see [`body_limit`]).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub use crate::execute::DEFAULT_UPLOAD_MAX_BYTES;

pub fn router(state: AppState, request_timeout: Duration) -> Router {
    // A cookie-authenticated state-changing request must come from our own pages.
    let guard = CrossSiteGuard::new(state.sign_in.origin.clone(), GuardMode::SessionCookie);
    Router::new()
        .route(
            "/graphql",
            get(crate::graphiql::page)
                .post(graphql)
                .layer(axum::middleware::from_fn_with_state(
                    guard,
                    refuse_cross_site,
                )),
        )
        .route("/graphql/assets/{file}", get(crate::graphiql::asset))
        .merge(crate::sign_in::routes::routes(&state.sign_in))
        .route("/", get(crate::dashboard::page))
        .route("/assets/{file}", get(crate::dashboard::asset))
        .route(
            "/reports/{plan_id}/{period}",
            get(crate::report::report_handler),
        )
        .route(
            "/templates/register.xlsx",
            get(crate::workbook::routes::template_handler),
        )
        .route(
            "/exports/register.xlsx",
            get(crate::workbook::routes::export_handler),
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

/// `POST /graphql`, as the GraphQL-over-HTTP specification asks (the `graphql-http` audits,
/// `tests/tests/e2e/conformance.rs`): a body not sent as `application/json` (or as
/// `multipart/form-data`, an upload; or with no `Content-Type`) is refused (415); the
/// answer is `application/graphql-response+json` when the client prefers it, with 400 (and
/// no `data`) for a request that never ran (a document that does not parse or validate,
/// variables that do not coerce, a caller not recognised: 401); otherwise
/// `application/json` (also for `*/*` or no `Accept`), always 200.
async fn graphql(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let headers = request.headers().clone();
    let media = Media::negotiate(&headers);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim);
    // JSON, or the GraphQL multipart request spec's form (a workbook upload).
    let accepted = content_type.is_some_and(|v| {
        v.eq_ignore_ascii_case(JSON) || v.eq_ignore_ascii_case("multipart/form-data")
    });
    if !accepted {
        return refuse_request(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST /graphql takes a JSON body sent with Content-Type: application/json \
             (or a file upload as multipart/form-data)",
        );
    }
    let request =
        match GraphQLRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
            request, &state,
        )
        .await
        {
            Ok(request) => request,
            Err(rejection) => return rejection.into_response(),
        };
    let scope = match state.scope(&headers, None).await {
        Ok(scope) => scope,
        Err(e) => {
            let mut error = e.to_graphql().into_server_error(Pos::default());
            error.locations.clear();
            return media.respond(async_graphql::Response::from_errors(vec![error]));
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
        return media.answer(answer);
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
        return media.answer(answer);
    }
    media.respond(response)
}

/// What an answer is sent as, from the request's `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Media {
    /// `application/json`: always 200, `data` as it is.
    Json,
    /// `application/graphql-response+json`: status codes say whether the request ran.
    GraphqlResponse,
}

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

impl Media {
    /// The acceptable type with the highest `q` (the first of equals); `application/json`
    /// for `*/*`, `application/*`, no `Accept` or nothing we serve.
    fn negotiate(headers: &HeaderMap) -> Self {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Media::Json;
        };
        let mut best: Option<(f32, Media)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = match parts
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
                .as_str()
            {
                GRAPHQL_RESPONSE_JSON => Media::GraphqlResponse,
                JSON | "application/*" | "*/*" => Media::Json,
                _ => continue,
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(top, _)| q > top) {
                best = Some((q, media));
            }
        }
        best.map_or(Media::Json, |(_, media)| media)
    }

    fn content_type(self) -> &'static str {
        match self {
            Media::Json => JSON,
            Media::GraphqlResponse => GRAPHQL_RESPONSE_JSON,
        }
    }

    /// An answer already serialised (the response cache's: never with errors).
    fn answer(self, body: axum::body::Bytes) -> Response {
        ([(header::CONTENT_TYPE, self.content_type())], body).into_response()
    }

    /// A response, with the status and body its media type asks for.
    fn respond(self, response: async_graphql::Response) -> Response {
        let extra_headers = response.http_headers.clone();
        let (status, body) = if self == Media::GraphqlResponse && never_ran(&response) {
            let unauthenticated = response.errors.iter().any(|e| {
                e.extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .is_some_and(|c| *c == async_graphql::Value::from("UNAUTHENTICATED"))
            });
            let status = if unauthenticated {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            // No `data` entry: the request never ran.
            (
                status,
                serde_json::to_vec(&json!({ "errors": response.errors })),
            )
        } else {
            (StatusCode::OK, serde_json::to_vec(&response))
        };
        let mut out = match body {
            Ok(body) => {
                (status, [(header::CONTENT_TYPE, self.content_type())], body).into_response()
            }
            Err(e) => {
                tracing::error!("cannot serialise a GraphQL response: {e}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        };
        out.headers_mut().extend(extra_headers);
        out
    }
}

/// Whether the request failed before it ran: no data, and only errors that no field raised
/// (a field's error has a path), such as parse, validation, variable, limit and caller errors.
fn never_ran(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// A request refused before it is read, as a GraphQL error in JSON.
fn refuse_request(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, JSON)],
        json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }] })
            .to_string(),
    )
        .into_response()
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
