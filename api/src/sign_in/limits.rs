//! A per-client-address rate limit on `POST /auth/*`, with `tower_governor` (a GCRA limiter
//! per key, from the `governor` crate): each client address may send `burst` requests at
//! once, and then one more every `60 / per_minute` seconds. Over that, 429 with
//! `Retry-After` (whole seconds, rounded up).
//!
//! The key is the client address of `client_ip` (behind `PMF_TRUSTED_PROXIES`, the address
//! the council's proxy saw), with IPv6 addresses grouped by /64: one household or host
//! usually has a whole /64 and could otherwise rotate through it.
//!
//! The limiter keeps one small entry per address it has seen; `AuthRateLimiter::
//! spawn_housekeeping` forgets the idle ones every minute, so memory stays bounded.
use std::{
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
    time::Duration,
};

use axum::{
    body::Body,
    http::{HeaderValue, Method, Request, Response, StatusCode, header},
};
use governor::{clock::QuantaInstant, middleware::NoOpMiddleware};
use pmf_process::{ConfigError, whole_number};
use tower_governor::{
    GovernorError, GovernorLayer,
    governor::{GovernorConfig, GovernorConfigBuilder},
    key_extractor::KeyExtractor,
};

use super::client_ip::{ClientIp, TrustedProxies};

pub const AUTH_RATE_PER_MINUTE_SETTING: &str = "PMF_AUTH_RATE_PER_MINUTE";
pub const AUTH_RATE_BURST_SETTING: &str = "PMF_AUTH_RATE_BURST";

/// The quota: `per_minute` requests a minute per client address, `burst` of them at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthRateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for AuthRateLimit {
    fn default() -> Self {
        Self {
            per_minute: 20,
            burst: 5,
        }
    }
}

impl AuthRateLimit {
    /// `PMF_AUTH_RATE_PER_MINUTE` (default 20, 1 to 6000) and `PMF_AUTH_RATE_BURST`
    /// (default 5, 1 to 1000).
    pub fn from_settings(
        per_minute: Option<String>,
        burst: Option<String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            per_minute: whole_number(
                AUTH_RATE_PER_MINUTE_SETTING,
                per_minute,
                20,
                1..=6000,
                "requests a minute",
            )?,
            burst: whole_number(AUTH_RATE_BURST_SETTING, burst, 5, 1..=1000, "requests")?,
        })
    }

    /// The time in which one request of the quota comes back.
    pub fn period(&self) -> Duration {
        Duration::from_secs(60) / self.per_minute.max(1)
    }
}

/// The rate-limit key of a request: its client address, IPv6 cut to its /64.
#[derive(Debug, Clone)]
pub struct ClientAddressKey {
    trusted: TrustedProxies,
}

impl ClientAddressKey {
    pub fn new(trusted: TrustedProxies) -> Self {
        Self { trusted }
    }
}

/// The key under which `ip` is counted: itself for IPv4, its /64 network for IPv6.
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

impl KeyExtractor for ClientAddressKey {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        let mut extensions = axum::http::Extensions::new();
        if let Some(info) = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            extensions.insert(*info);
        }
        extensions.insert(self.trusted.clone());
        ClientIp::of(&extensions, req.headers())
            .map(rate_limit_key)
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The layer type that `AuthRateLimiter::layer` gives.
pub type AuthRateLimitLayer = GovernorLayer<ClientAddressKey, NoOpMiddleware<QuantaInstant>, Body>;

/// The limiter of `POST /auth/*`: one per process, shared by every route it is layered on.
#[derive(Clone)]
pub struct AuthRateLimiter {
    config: Arc<GovernorConfig<ClientAddressKey, NoOpMiddleware<QuantaInstant>>>,
}

impl std::fmt::Debug for AuthRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthRateLimiter")
            .field("addresses", &self.config.limiter().len())
            .finish()
    }
}

impl AuthRateLimiter {
    /// A limiter with this quota, keyed on the client address behind `trusted` proxies.
    /// Only POST is counted; other methods pass untouched.
    pub fn new(limit: AuthRateLimit, trusted: TrustedProxies) -> Self {
        let config = GovernorConfigBuilder::default()
            .period(limit.period())
            .burst_size(limit.burst.max(1))
            .methods(vec![Method::POST])
            .key_extractor(ClientAddressKey::new(trusted))
            .finish()
            .expect("the period and burst are never zero");
        Self {
            config: Arc::new(config),
        }
    }

    /// The tower layer for the `/auth` routes: `Router::new().route(...).layer(limiter.layer())`.
    /// The server must run with `into_make_service_with_connect_info::<SocketAddr>()`; a
    /// request without `ConnectInfo` is answered 500 rather than counted with everyone else.
    pub fn layer(&self) -> AuthRateLimitLayer {
        GovernorLayer::new(self.config.clone()).error_handler(error_response)
    }

    /// How many addresses the limiter holds now.
    pub fn tracked_addresses(&self) -> usize {
        self.config.limiter().len()
    }

    /// Forgets the addresses whose quota is full again (they would start fresh anyway).
    pub fn forget_idle(&self) {
        let limiter = self.config.limiter();
        limiter.retain_recent();
        limiter.shrink_to_fit();
    }

    /// Calls `forget_idle` every minute until the task is aborted (or the runtime stops).
    pub fn spawn_housekeeping(&self) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                this.forget_idle();
            }
        })
    }
}

fn error_response(error: GovernorError) -> Response<Body> {
    let text = |status: StatusCode, body: String| {
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    };
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            // tower_governor rounds the wait down; one more second is never too early.
            let seconds = wait_time.saturating_add(1);
            let mut response = text(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "Too many sign-in requests from your address. Try again in {seconds} \
                     second{}.\n",
                    if seconds == 1 { "" } else { "s" }
                ),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        GovernorError::UnableToExtractKey => {
            tracing::error!(
                "the auth rate limit cannot see the client's address: serve the router with \
                 into_make_service_with_connect_info::<SocketAddr>()"
            );
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server cannot tell where this request came from.\n".into(),
            )
        }
        GovernorError::Other { code, msg, .. } => text(code, msg.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, extract::ConnectInfo, routing::post};
    use std::net::SocketAddr;
    use tower::ServiceExt;

    fn app(limit: AuthRateLimit, trusted: &str) -> (Router, AuthRateLimiter) {
        let limiter = AuthRateLimiter::new(limit, TrustedProxies::parse(trusted).unwrap());
        let router = Router::new()
            .route(
                "/auth/email",
                post(|| async { "sent" }).get(|| async { "form" }),
            )
            .layer(limiter.layer());
        (router, limiter)
    }

    fn request(method: Method, peer: [u8; 4], forwarded: Option<&str>) -> Request<Body> {
        let mut builder = Request::builder()
            .method(method)
            .uri("/auth/email")
            .extension(ConnectInfo(SocketAddr::from((peer, 40000))));
        if let Some(f) = forwarded {
            builder = builder.header("x-forwarded-for", f);
        }
        builder.body(Body::empty()).unwrap()
    }

    async fn status(app: &Router, req: Request<Body>) -> Response<Body> {
        app.clone().oneshot(req).await.unwrap()
    }

    const TIGHT: AuthRateLimit = AuthRateLimit {
        per_minute: 1,
        burst: 3,
    };

    #[tokio::test]
    async fn over_the_burst_is_429_with_retry_after() {
        let (app, limiter) = app(TIGHT, "");
        for _ in 0..3 {
            let r = status(&app, request(Method::POST, [203, 0, 113, 9], None)).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let r = status(&app, request(Method::POST, [203, 0, 113, 9], None)).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = r.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=61).contains(&retry), "Retry-After {retry}");
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("Try again in"));
        // GET is not counted.
        let r = status(&app, request(Method::GET, [203, 0, 113, 9], None)).await;
        assert_eq!(r.status(), StatusCode::OK);
        // Another peer has its own quota.
        let r = status(&app, request(Method::POST, [198, 51, 100, 1], None)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(limiter.tracked_addresses(), 2);
    }

    #[tokio::test]
    async fn clients_behind_a_trusted_proxy_are_limited_separately() {
        let (app, _) = app(TIGHT, "10.0.0.0/8");
        let proxy = [10, 0, 0, 1];
        for _ in 0..3 {
            let r = status(&app, request(Method::POST, proxy, Some("203.0.113.9"))).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let r = status(&app, request(Method::POST, proxy, Some("203.0.113.9"))).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        // Same proxy, another client: its own quota.
        let r = status(&app, request(Method::POST, proxy, Some("198.51.100.7"))).await;
        assert_eq!(r.status(), StatusCode::OK);
        // The limited client cannot escape by prepending a fake address.
        let r = status(
            &app,
            request(Method::POST, proxy, Some("1.1.1.1, 203.0.113.9")),
        )
        .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[tokio::test]
    async fn an_untrusted_peer_cannot_pick_its_key_with_the_header() {
        let (app, _) = app(TIGHT, "10.0.0.0/8");
        let peer = [203, 0, 113, 50];
        for n in 0..3 {
            let fake = format!("192.0.2.{n}");
            let r = status(&app, request(Method::POST, peer, Some(&fake))).await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        let r = status(&app, request(Method::POST, peer, Some("192.0.2.99"))).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }

    #[tokio::test]
    async fn without_connect_info_the_request_is_refused_not_pooled() {
        let (app, _) = app(TIGHT, "");
        let req = Request::post("/auth/email").body(Body::empty()).unwrap();
        let r = status(&app, req).await;
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(rate_limit_key(a), rate_limit_key(b));
        assert_ne!(rate_limit_key(a), rate_limit_key(c));
        let v4: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(rate_limit_key(v4), v4);
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(rate_limit_key(mapped), v4);
    }

    #[test]
    fn settings_have_defaults_and_are_refused_by_name() {
        let d = AuthRateLimit::from_settings(None, None).unwrap();
        assert_eq!(d, AuthRateLimit::default());
        assert_eq!(d.period(), Duration::from_secs(3));
        let e = AuthRateLimit::from_settings(Some("0".into()), None).unwrap_err();
        assert_eq!(e.name, "PMF_AUTH_RATE_PER_MINUTE");
        let e = AuthRateLimit::from_settings(None, Some("lots".into())).unwrap_err();
        assert_eq!(e.name, "PMF_AUTH_RATE_BURST");
    }
}
