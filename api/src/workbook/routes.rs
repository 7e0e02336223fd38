//! `GET /templates/register.xlsx` and `GET /exports/register.xlsx`: the HTTP side of the
//! workbook, apart from reading and writing it (so the GraphQL upload, which reads
//! workbooks, does not depend on the router's state).
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, XLSX.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn failure(status: axum::http::StatusCode, message: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

/// `GET /templates/register.xlsx`: the empty layout with instructions and drop-downs.
pub async fn template_handler() -> axum::response::Response {
    match super::write::template() {
        Ok(bytes) => xlsx_response(bytes, "register.xlsx"),
        Err(e) => {
            tracing::error!("template: {e}");
            failure(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
            )
        }
    }
}

/// `GET /exports/register.xlsx`: the caller's council's register, authorised as GraphQL
/// is: all of it for a signed-in user, what is published for the public portal
/// (`X-Organisation: SLUG`).
pub async fn export_handler(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::StatusCode;
    let scope = match state.scope(&headers, None).await {
        Ok(Some(scope)) => scope,
        Ok(None) => {
            return failure(
                StatusCode::UNAUTHORIZED,
                "send `Authorization: Bearer <token>`, or `X-Organisation: <slug>` for what the council publishes",
            );
        }
        Err(crate::error::ApiError::Internal(e)) => {
            tracing::error!("export: {e:#}");
            return failure(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
        }
        Err(e @ crate::error::ApiError::NotFound(_)) => {
            return failure(StatusCode::NOT_FOUND, &e.to_string());
        }
        Err(e) => return failure(StatusCode::UNAUTHORIZED, &e.to_string()),
    };
    match super::export::xlsx(&state.db, &scope.org, scope.audience()).await {
        Ok(bytes) => xlsx_response(bytes, &format!("{}-register.xlsx", scope.org.slug)),
        Err(e) => {
            tracing::error!("export: {e:#}");
            failure(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
