//! `GET /`: the dashboard, plain HTML, CSS and JavaScript embedded in the binary (no build
//! step). It reads everything through `POST /graphql` like any other client, so it sees
//! exactly what the API lets its caller see: a pasted token (kept in `sessionStorage`) for
//! the signed-in view, or a council's slug (`?org=SLUG`) for the public portal.
use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

const PAGE: &str = include_str!("../assets/dashboard.html");
const SCRIPT: &str = include_str!("../assets/dashboard.js");
const STYLE: &str = include_str!("../assets/dashboard.css");

/// Scripts only from this server; inline styles are allowed because the signed-in report
/// opens as a blob document, which inherits this policy. GraphiQL (`GET /graphql`) is
/// served under the same policy; its stylesheet carries its fonts as `data:` URLs.
pub const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A file embedded in the binary, with the page's security headers.
pub(crate) fn with_headers(content_type: &'static str, body: &'static [u8]) -> Response {
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    security_headers(&mut response, POLICY, "no-cache");
    response
}

/// The headers every page of ours carries: its Content-Security-Policy, no sniffing, the
/// referrer policy, and how it may be cached.
pub(crate) fn security_headers(
    response: &mut Response,
    policy: &'static str,
    cache_control: &'static str,
) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: with it, browsers send `Origin: null` on the page's own POSTs, which
    // the cross-site guard must refuse. `same-origin` still sends nothing to other sites.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
}

/// 404 for a file that is not one of ours.
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "no such file\n",
    )
        .into_response()
}

pub async fn page() -> Response {
    with_headers("text/html; charset=utf-8", PAGE.as_bytes())
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "dashboard.js" => with_headers("text/javascript; charset=utf-8", SCRIPT.as_bytes()),
        "dashboard.css" => with_headers("text/css; charset=utf-8", STYLE.as_bytes()),
        _ => not_found(),
    }
}
