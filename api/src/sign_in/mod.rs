//! Signing in: the pieces that the sessions and the `/auth` routes are built from. None of
//! them touches the database or the router; each is wired in by the code that does.
//!
//! * `oidc` — the OpenID Connect client (Entra ID, Google Workspace, any provider).
//! * `client_ip` — the client's address behind the council's reverse proxy.
//! * `limits` — a per-address rate limit for `POST /auth/*`.
//! * `origin` — cross-site state-changing requests refused.
//! * `cookie` — the session cookie's attributes, reading it, the session lifetime.
//!
//! Settings they read (each parser returns `ConfigError` naming the setting):
//!
//! | setting | default | parser |
//! | --- | --- | --- |
//! | `PMF_TRUSTED_PROXIES` | empty (trust nobody) | `client_ip::TrustedProxies::from_setting` |
//! | `PMF_AUTH_RATE_PER_MINUTE` | 20 | `limits::AuthRateLimit::from_settings` |
//! | `PMF_AUTH_RATE_BURST` | 5 | `limits::AuthRateLimit::from_settings` |
//! | `PMF_SESSION_IDLE_HOURS` | 8 | `cookie::SessionLifetime::from_settings` |
//! | `PMF_SESSION_MAX_DAYS` | 30 | `cookie::SessionLifetime::from_settings` |
//! | `PUBLIC_URL` | (existing) | `origin::PublicOrigin::from_public_url`, `cookie::SessionCookie::for_public_url` |
pub mod client_ip;
pub mod cookie;
pub mod limits;
pub mod oidc;
pub mod origin;
pub mod pages;
pub mod routes;
pub mod service;

pub use client_ip::{ClientIp, TrustedProxies, client_ip};
pub use cookie::{SESSION_COOKIE, SessionCookie, SessionLifetime, session_tokens};
pub use limits::{AuthRateLimit, AuthRateLimiter};
pub use oidc::{
    Callback, ClientSecret, OidcClient, OidcError, OidcSettings, PendingSignIn, ProviderConfig,
    VerifiedIdentity,
};
pub use origin::{CrossSiteGuard, GuardMode, PublicOrigin, check_request_origin};
pub use service::{SignIn, SignInError, SignInSettings};
