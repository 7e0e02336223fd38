//! Cross-site requests refused: a state-changing request that a browser sends with our
//! session cookie must come from our own pages.
//!
//! `SameSite=Lax` already keeps the cookie off cross-site POSTs in current browsers; this is
//! the second lock, for older browsers, for "same-site but cross-origin" requests (another
//! host of the council's domain) and for top-level navigations. The rule:
//!
//! * a request not authenticated by the cookie (a bearer token, or nothing) is unaffected —
//!   a page on another site cannot add an `Authorization` header without a CORS preflight;
//! * an `Origin` header must be `PUBLIC_URL`'s origin: scheme, host and port, with default
//!   ports filled in (`https://x` is `https://x:443`); `null` (sandboxed frames, some
//!   redirects, `file:`) is refused;
//! * with no `Origin` at all, only `Sec-Fetch-Site: same-origin` lets it through;
//!   `same-site`, `cross-site`, `none` and no header are refused.
use std::fmt;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use pmf_process::ConfigError;

use super::cookie::session_tokens;

/// `PUBLIC_URL`'s origin (scheme, host, port), the one origin our pages have.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicOrigin(url::Origin);

impl fmt::Debug for PublicOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicOrigin({})", self.0.ascii_serialization())
    }
}

impl PublicOrigin {
    /// The origin of `PUBLIC_URL` (an http or https URL; any path is ignored).
    pub fn from_public_url(public_url: &str) -> Result<Self, ConfigError> {
        let refuse = |reason: &str| ConfigError {
            name: "PUBLIC_URL",
            value: public_url.to_string(),
            reason: reason.to_string(),
        };
        let url = url::Url::parse(public_url.trim())
            .map_err(|_| refuse("expected an http:// or https:// URL"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(refuse("expected an http:// or https:// URL with a host"));
        }
        Ok(Self(url.origin()))
    }

    /// `https://host[:port]`, as a browser writes it in `Origin`.
    pub fn serialized(&self) -> String {
        self.0.ascii_serialization()
    }

    /// Whether an `Origin` header value is this origin.
    pub fn matches(&self, origin_header: &str) -> bool {
        let text = origin_header.trim();
        if text.eq_ignore_ascii_case("null") {
            return false;
        }
        let Ok(url) = url::Url::parse(text) else {
            return false;
        };
        // An Origin is scheme://host[:port] and nothing else.
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none()
            && !text.ends_with('/');
        bare && url.origin() == self.0
    }
}

/// Why a request was refused as cross-site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CrossSiteRefusal {
    #[error("this request came from another site (its Origin is not this dashboard's)")]
    OtherOrigin,
    #[error("this request came from an unknown place (its Origin is null)")]
    NullOrigin,
    #[error(
        "this request does not say where it came from (no Origin, no Sec-Fetch-Site: same-origin)"
    )]
    UnknownOrigin,
}

impl IntoResponse for CrossSiteRefusal {
    fn into_response(self) -> Response {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("Refused: {self}. Use the dashboard's own pages.\n"),
        )
            .into_response()
    }
}

/// Whether a state-changing request may proceed. `origin` and `sec_fetch_site` are the
/// headers' values as sent (`None` when absent); `cookie_authenticated` is whether the
/// request would be authenticated by the session cookie (not by a bearer token).
pub fn check_request_origin(
    public: &PublicOrigin,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    cookie_authenticated: bool,
) -> Result<(), CrossSiteRefusal> {
    if !cookie_authenticated {
        return Ok(());
    }
    match origin {
        Some(o) if o.trim().eq_ignore_ascii_case("null") => Err(CrossSiteRefusal::NullOrigin),
        Some(o) if public.matches(o) => Ok(()),
        Some(_) => Err(CrossSiteRefusal::OtherOrigin),
        None => match sec_fetch_site {
            Some(site) if site.trim().eq_ignore_ascii_case("same-origin") => Ok(()),
            _ => Err(CrossSiteRefusal::UnknownOrigin),
        },
    }
}

/// Which requests the middleware treats as cookie-authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardMode {
    /// Those that carry the `pmf_session` cookie and no `Authorization: Bearer` (for the API).
    SessionCookie,
    /// Every one without `Authorization: Bearer`, cookie or not (for `/auth/*`, where the
    /// browser has no session yet: refuses sign-in requests from other sites' forms).
    Always,
}

/// The middleware's settings: `axum::middleware::from_fn_with_state(guard, refuse_cross_site)`.
#[derive(Debug, Clone)]
pub struct CrossSiteGuard {
    pub public: PublicOrigin,
    pub mode: GuardMode,
}

impl CrossSiteGuard {
    pub fn new(public: PublicOrigin, mode: GuardMode) -> Self {
        Self { public, mode }
    }

    /// The decision for a request with this method and these headers.
    pub fn check(&self, method: &Method, headers: &HeaderMap) -> Result<(), CrossSiteRefusal> {
        if is_safe(method) {
            return Ok(());
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_start().get(..7))
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "));
        let cookie_authenticated = !bearer
            && match self.mode {
                GuardMode::Always => true,
                GuardMode::SessionCookie => !session_tokens(headers).is_empty(),
            };
        // Several Origin headers, or one that is not text, are nothing a browser sends.
        let mut origins = headers.get_all(header::ORIGIN).iter();
        let origin = match (origins.next(), origins.next()) {
            (None, _) => None,
            (Some(v), None) => Some(v.to_str().unwrap_or("invalid:")),
            (Some(_), Some(_)) => Some("invalid:"),
        };
        let sec_fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        check_request_origin(&self.public, origin, sec_fetch_site, cookie_authenticated)
    }
}

/// GET, HEAD, OPTIONS and TRACE change nothing (the handlers must keep it so).
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The middleware: 403 with a short text for a refused request, else the inner service.
pub async fn refuse_cross_site(
    State(guard): State<CrossSiteGuard>,
    request: Request,
    next: Next,
) -> Response {
    match guard.check(request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::info!(
                method = %request.method(),
                path = request.uri().path(),
                reason = ?refusal,
                "cross-site request refused"
            );
            refusal.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, body::Body, http::HeaderValue, routing::post};
    use tower::ServiceExt;

    fn public() -> PublicOrigin {
        PublicOrigin::from_public_url("https://dashboard.council.gov.uk").unwrap()
    }

    fn check(
        origin: Option<&str>,
        site: Option<&str>,
        cookie: bool,
    ) -> Result<(), CrossSiteRefusal> {
        check_request_origin(&public(), origin, site, cookie)
    }

    #[test]
    fn same_origin_is_accepted_with_default_ports_and_case() {
        assert_eq!(
            check(Some("https://dashboard.council.gov.uk"), None, true),
            Ok(())
        );
        assert_eq!(
            check(Some("https://dashboard.council.gov.uk:443"), None, true),
            Ok(())
        );
        assert_eq!(
            check(Some("https://Dashboard.Council.gov.uk"), None, true),
            Ok(())
        );
        let local = PublicOrigin::from_public_url("http://127.0.0.1:8080/some/path").unwrap();
        assert_eq!(local.serialized(), "http://127.0.0.1:8080");
        assert_eq!(
            check_request_origin(&local, Some("http://127.0.0.1:8080"), None, true),
            Ok(())
        );
    }

    #[test]
    fn other_origins_are_refused() {
        use CrossSiteRefusal::*;
        assert_eq!(
            check(Some("https://evil.example"), None, true),
            Err(OtherOrigin)
        );
        // A sibling host of the same site is another origin.
        assert_eq!(
            check(Some("https://intranet.council.gov.uk"), None, true),
            Err(OtherOrigin)
        );
        // Port differs.
        assert_eq!(
            check(Some("https://dashboard.council.gov.uk:8443"), None, true),
            Err(OtherOrigin)
        );
        // http vs https.
        assert_eq!(
            check(Some("http://dashboard.council.gov.uk"), None, true),
            Err(OtherOrigin)
        );
        // Lookalikes and junk.
        assert_eq!(
            check(
                Some("https://dashboard.council.gov.uk.evil.example"),
                None,
                true
            ),
            Err(OtherOrigin)
        );
        assert_eq!(
            check(Some("https://dashboard.council.gov.uk/"), None, true),
            Err(OtherOrigin)
        );
        assert_eq!(
            check(Some("https://user@dashboard.council.gov.uk"), None, true),
            Err(OtherOrigin)
        );
        assert_eq!(
            check(Some("dashboard.council.gov.uk"), None, true),
            Err(OtherOrigin)
        );
        // An Origin that does not match is not rescued by Sec-Fetch-Site.
        assert_eq!(
            check(Some("https://evil.example"), Some("same-origin"), true),
            Err(OtherOrigin)
        );
    }

    #[test]
    fn null_origin_is_refused() {
        assert_eq!(
            check(Some("null"), None, true),
            Err(CrossSiteRefusal::NullOrigin)
        );
        assert_eq!(
            check(Some("null"), Some("same-origin"), true),
            Err(CrossSiteRefusal::NullOrigin)
        );
    }

    #[test]
    fn without_origin_only_sec_fetch_site_same_origin_passes() {
        use CrossSiteRefusal::UnknownOrigin;
        assert_eq!(check(None, None, true), Err(UnknownOrigin));
        assert_eq!(check(None, Some("same-site"), true), Err(UnknownOrigin));
        assert_eq!(check(None, Some("cross-site"), true), Err(UnknownOrigin));
        assert_eq!(check(None, Some("none"), true), Err(UnknownOrigin));
        assert_eq!(check(None, Some("same-origin"), true), Ok(()));
    }

    #[test]
    fn requests_not_authenticated_by_the_cookie_are_unaffected() {
        assert_eq!(check(Some("https://evil.example"), None, false), Ok(()));
        assert_eq!(check(Some("null"), None, false), Ok(()));
        assert_eq!(check(None, None, false), Ok(()));
    }

    #[test]
    fn public_url_must_be_http_or_https() {
        assert_eq!(
            PublicOrigin::from_public_url("ftp://x.example")
                .unwrap_err()
                .name,
            "PUBLIC_URL"
        );
        assert!(PublicOrigin::from_public_url("not a url").is_err());
    }

    fn guard(mode: GuardMode) -> CrossSiteGuard {
        CrossSiteGuard::new(public(), mode)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn the_guard_knows_cookie_and_bearer_requests() {
        let g = guard(GuardMode::SessionCookie);
        let evil = ("origin", "https://evil.example");
        let cookie = ("cookie", "pmf_session=abc");
        assert_eq!(
            g.check(&Method::POST, &headers(&[evil, cookie])),
            Err(CrossSiteRefusal::OtherOrigin)
        );
        // No cookie: not cookie-authenticated, so not this guard's business.
        assert_eq!(g.check(&Method::POST, &headers(&[evil])), Ok(()));
        // A bearer token (which the auth layer then uses instead of the cookie).
        let bearer = ("authorization", "Bearer pmf_abc");
        assert_eq!(
            g.check(&Method::POST, &headers(&[evil, cookie, bearer])),
            Ok(())
        );
        // Basic credentials are ambient in browsers: they do not exempt a request.
        let basic = ("authorization", "Basic YTpi");
        assert_eq!(
            g.check(&Method::POST, &headers(&[evil, cookie, basic])),
            Err(CrossSiteRefusal::OtherOrigin)
        );
        // Safe methods pass.
        assert_eq!(g.check(&Method::GET, &headers(&[evil, cookie])), Ok(()));
        // Two Origin headers are refused.
        let ours = ("origin", "https://dashboard.council.gov.uk");
        assert_eq!(
            g.check(&Method::POST, &headers(&[ours, ours, cookie])),
            Err(CrossSiteRefusal::OtherOrigin)
        );
        assert_eq!(g.check(&Method::DELETE, &headers(&[ours, cookie])), Ok(()));
        // Always: the cookie is not needed to be guarded.
        let g = guard(GuardMode::Always);
        assert_eq!(
            g.check(&Method::POST, &headers(&[evil])),
            Err(CrossSiteRefusal::OtherOrigin)
        );
        assert_eq!(
            g.check(&Method::POST, &headers(&[])),
            Err(CrossSiteRefusal::UnknownOrigin)
        );
        assert_eq!(
            g.check(
                &Method::POST,
                &headers(&[("sec-fetch-site", "same-origin")])
            ),
            Ok(())
        );
    }

    #[tokio::test]
    async fn the_middleware_answers_403() {
        let app = Router::new()
            .route("/graphql", post(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(
                guard(GuardMode::SessionCookie),
                refuse_cross_site,
            ));
        let send = |origin: &'static str| {
            let app = app.clone();
            async move {
                app.oneshot(
                    Request::post("/graphql")
                        .header("origin", origin)
                        .header("cookie", "pmf_session=abc")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap()
            }
        };
        let refused = send("https://evil.example").await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let body = axum::body::to_bytes(refused.into_body(), 1024)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("another site"));
        assert_eq!(
            send("https://dashboard.council.gov.uk").await.status(),
            StatusCode::OK
        );
    }
}
