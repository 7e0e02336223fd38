//! The OpenID Connect client: sign-in with a council's Microsoft Entra ID, Google Workspace
//! or any OpenID provider, by the authorization code flow with PKCE (S256), `state` and
//! `nonce`, with the `openidconnect` crate doing every check on the ID token.
//!
//! ```text
//! let oidc = OidcClient::new(OidcSettings::default())?;             // one per process
//! let (url, pending) = oidc.start(&provider, &redirect_uri, hint).await?;
//! // store `pending` server-side, 303 the browser to `url`; on GET redirect_uri?code&state&iss:
//! let identity = oidc.finish(&provider, pending, &callback).await?;
//! // bind the account on (identity.issuer, identity.subject), never on the e-mail
//! ```
//!
//! What is checked, and by whom:
//! * discovery (`ISSUER/.well-known/openid-configuration`): the document's `issuer` must be
//!   exactly the configured issuer (the crate); its keys (JWKS) come from its `jwks_uri`;
//! * the callback: `state` equals the one we made, compared in constant time (here); an
//!   `iss` parameter (RFC 9207), when the provider sends one, is the configured issuer (here);
//! * the code is exchanged with the PKCE verifier and the client secret (the crate);
//! * the ID token (the crate): its signature against the provider's JWKS, with asymmetric
//!   algorithms only (RS*, PS*, ES*, EdDSA; never HS* or none); `iss` is the configured
//!   issuer, so **only the configured issuer is accepted**; `aud` contains our client id and
//!   no audience we do not know; `exp` is in the future; `nonce` is ours;
//! * the tenant (here): for Entra ID, `tid` must be the configured tenant.
//!
//! **Microsoft Entra ID.** The issuer of a tenant is
//! `https://login.microsoftonline.com/{tenant-id}/v2.0`. A provider counts as Entra when a
//! tenant id is configured, when its issuer's path is `/{tenant-guid}/v2.0` (on any host, so
//! that a test provider can look like Entra) or when its host is Microsoft's. Then:
//! * `tid` must equal the configured tenant id, else the tenant of the issuer's path: the
//!   multi-tenant `common` and `organizations` endpoints are not supported, since their
//!   issuer is not one fixed string;
//! * the subject is `oid`, the user's object id in the tenant, when present, else `sub`.
//!   Entra's `sub` is pairwise: it differs per application registration, so re-registering
//!   the app (or a second registration for another environment) would orphan every account.
//!   `oid` is the same for one person across every app of the tenant, and unique within it;
//!   with the tenant fixed by the issuer, (issuer, oid) names one person;
//! * the e-mail is `email`, else `preferred_username` (the UPN, usually the sign-in
//!   address). **Neither is verified by Entra**: `email` is a directory attribute that a
//!   tenant's administrators can set to any address, and Entra sends no `email_verified`
//!   (the "nOAuth" flaw). So `email_verified` is always `None` for Entra and
//!   `VerifiedIdentity::email_claim` says which claim the address came from. A caller may
//!   use the address once, to find the invitation of a person who has never signed in, and
//!   must from then on find them by (issuer, subject) only.
//!
//! **Google** (`https://accounts.google.com`): `sub` is stable and `email_verified` is
//! meaningful. **Any other provider**: `sub` and `email_verified` as sent.
//!
//! Metadata and keys are cached per issuer for `OidcSettings::metadata_ttl` (one hour) in a
//! small mutex-guarded map: its keys are the configured issuers only (never user input), so
//! it stays as small as the list of providers, and an extra crate such as moka buys nothing.
//! When an ID token names a key that the cached JWKS lacks (the provider rotated its keys),
//! the metadata is fetched again once and the token checked again.
//!
//! The HTTP client is the workspace's reqwest 0.12 (rustls) with **redirects off** (a
//! provider's URLs cannot bounce our server to another host: SSRF), a connect and a total
//! timeout, and at most 1 MiB read from any answer. Errors never contain the client secret,
//! the code or any token; nor does any `Debug` output of these types.
use std::{
    collections::HashMap,
    fmt,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use openidconnect::ClaimsVerificationError;
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, AuthType, AuthorizationCode, Client, ClientId,
    ClientSecret as OidcClientSecret, CsrfToken, DiscoveryError, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IdTokenClaims,
    IdTokenFields, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, StandardErrorResponse,
    StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClientAuthMethod,
        CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreRevocableToken,
        CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// The scopes asked for: `openid` (added by the crate), `email`, `profile`.
pub const SCOPES: [&str; 2] = ["email", "profile"];

/// The most read from one answer of a provider.
const MAX_BODY: usize = 1024 * 1024;

/// How soon after a fetch a missing signing key may trigger another fetch.
const MIN_REFRESH: Duration = Duration::from_secs(30);

// ------------------------------------------------------------------------------------------
// Configuration

/// A client secret: its `Debug` prints `***`, it has no `Display`, and it is not serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that sends it to the provider.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// One OpenID provider a council signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The issuer, exactly as the provider writes it in `iss` (no trailing slash for Entra
    /// and Google): `https://login.microsoftonline.com/{tenant-id}/v2.0`,
    /// `https://accounts.google.com`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// What the sign-in button and error messages call it: "Microsoft", "Google".
    pub display_name: String,
    /// The Entra tenant id that `tid` must equal (else the one in the issuer's path).
    pub tenant_id: Option<String>,
}

impl ProviderConfig {
    /// Checks the issuer (https, or http on a loopback address for tests; no query or
    /// fragment), the client id and, when both are given, that the tenant id agrees with
    /// the issuer's path.
    pub fn new(
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
        display_name: impl Into<String>,
        tenant_id: Option<String>,
    ) -> Result<Self, OidcError> {
        let config = Self {
            issuer: issuer.into().trim().to_string(),
            client_id: client_id.into().trim().to_string(),
            client_secret,
            display_name: display_name.into(),
            tenant_id: tenant_id
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        };
        config.validate()?;
        Ok(config)
    }

    fn misconfigured(&self, detail: impl Into<String>) -> OidcError {
        OidcError::ProviderMisconfigured {
            issuer: self.issuer.clone(),
            detail: detail.into(),
        }
    }

    fn validate(&self) -> Result<(), OidcError> {
        let url = url::Url::parse(&self.issuer)
            .map_err(|_| self.misconfigured("the issuer is not a URL"))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(self.misconfigured("the issuer must be an https:// URL")),
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(self.misconfigured("the issuer may not have a query, fragment or user"));
        }
        if self.client_id.is_empty() {
            return Err(self.misconfigured("the client id is empty"));
        }
        if let (Some(configured), Some(in_path)) = (&self.tenant_id, tenant_in_issuer_path(&url))
            && !configured.eq_ignore_ascii_case(&in_path)
        {
            return Err(self.misconfigured(format!(
                "the tenant id {configured} is not the tenant of the issuer ({in_path})"
            )));
        }
        Ok(())
    }

    /// The tenant that `tid` must equal: the configured one, else the GUID of an issuer
    /// path `/{tenant-guid}/v2.0`.
    pub fn expected_tenant(&self) -> Option<String> {
        self.tenant_id.clone().or_else(|| {
            url::Url::parse(&self.issuer)
                .ok()
                .and_then(|u| tenant_in_issuer_path(&u))
        })
    }

    /// Whether this provider is Microsoft Entra ID (see the module's documentation).
    pub fn is_entra(&self) -> bool {
        if self.expected_tenant().is_some() {
            return true;
        }
        url::Url::parse(&self.issuer).ok().is_some_and(|u| {
            matches!(
                u.host_str(),
                Some(
                    "login.microsoftonline.com"
                        | "login.microsoftonline.us"
                        | "login.partner.microsoftonline.cn"
                )
            )
        })
    }
}

/// `GUID` when the path is `/{GUID}/v2.0` (optionally with a trailing slash).
fn tenant_in_issuer_path(url: &url::Url) -> Option<String> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [tenant, "v2.0"] if is_guid(tenant) => Some(tenant.to_ascii_lowercase()),
        _ => None,
    }
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Timeouts and the metadata cache's time-to-live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OidcSettings {
    pub connect_timeout: Duration,
    /// For each request to the provider (discovery, keys, token), from start to last byte.
    pub request_timeout: Duration,
    pub metadata_ttl: Duration,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            metadata_ttl: Duration::from_secs(3600),
        }
    }
}

// ------------------------------------------------------------------------------------------
// What goes between start and finish

/// What `finish` needs of a started sign-in. Keep it on the server (a row keyed by a hash of
/// `state`, bound to the browser by a short-lived cookie), for ten minutes at most, and use
/// it once. It serialises to JSON for that; its `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    /// The provider it was started with.
    pub issuer: String,
    /// The `state` sent, to compare with the one that comes back.
    pub state: String,
    /// The `nonce` sent, which the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier whose S256 challenge was sent.
    pub pkce_verifier: String,
    /// The redirect URI sent (the token request must repeat it).
    pub redirect_uri: String,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("issuer", &self.issuer)
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &"***")
            .field("nonce", &"***")
            .field("pkce_verifier", &"***")
            .finish()
    }
}

/// The query of the provider's redirect back: `Query<Callback>` in the callback handler.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207: the issuer of the answer, which some providers add.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "***"))
            .field("state", &self.state.as_ref().map(|_| "***"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

// ------------------------------------------------------------------------------------------
// The result

/// Which claim the subject is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectClaim {
    /// `sub`: stable per provider (and, at Entra, per application).
    Sub,
    /// Entra's `oid`: the person's object id in the tenant, the same for every application.
    Oid,
}

/// Which claim the e-mail address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailClaim {
    /// `email`.
    Email,
    /// Entra's `preferred_username` (the UPN), when there was no `email`. Not verified.
    PreferredUsername,
}

/// Who signed in, after every check passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedIdentity {
    /// The configured issuer (which `iss` equals).
    pub issuer: String,
    /// The stable id of the person at this issuer: `oid` at Entra when present, else `sub`.
    /// **Bind accounts on (issuer, subject).**
    pub subject: String,
    pub subject_claim: SubjectClaim,
    /// The e-mail address, lower-cased, if the provider gave a well-formed one.
    pub email: Option<String>,
    pub email_claim: Option<EmailClaim>,
    /// The provider's `email_verified`; always `None` for Entra, which does not verify.
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// Entra's `tid` (checked against the configured tenant).
    pub tenant_id: Option<String>,
}

impl VerifiedIdentity {
    /// The e-mail address, or `NoEmailClaim` (for matching a first sign-in to an invitation).
    pub fn require_email(&self) -> Result<&str, OidcError> {
        self.email.as_deref().ok_or(OidcError::NoEmailClaim)
    }

    /// Whether the provider vouched for the address (`email_verified: true`).
    pub fn email_is_verified(&self) -> bool {
        self.email_verified == Some(true)
    }
}

// ------------------------------------------------------------------------------------------
// Errors

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenProblem {
    #[error("the provider sent no ID token")]
    Missing,
    #[error("the ID token could not be read")]
    Malformed,
    #[error("its signature does not verify against the provider's keys")]
    BadSignature,
    #[error("it was issued by another issuer")]
    WrongIssuer,
    #[error("it was issued for another application")]
    WrongAudience,
    #[error("it has expired")]
    Expired,
    #[error("its nonce is not the one of this sign-in")]
    NonceMismatch,
    #[error("it is for another tenant (organisation)")]
    TenantMismatch,
    #[error("it has no subject")]
    NoSubject,
    #[error("{0}")]
    Other(String),
}

/// Why a sign-in failed; `explain` words it for the sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the sign-in provider {issuer} could not be reached: {detail}")]
    ProviderUnreachable { issuer: String, detail: String },
    #[error("the sign-in provider {issuer} is misconfigured: {detail}")]
    ProviderMisconfigured { issuer: String, detail: String },
    /// The provider sent the browser back with `error=` (e.g. `access_denied`).
    #[error("the sign-in provider refused the sign-in: {error}")]
    ProviderDenied {
        error: String,
        description: Option<String>,
    },
    /// The `state` that came back is not the one of this sign-in (or none came back).
    #[error("the state of the answer is not the state of this sign-in")]
    StateMismatch,
    /// The `iss` of the callback is not the configured issuer (a mix-up attack, RFC 9207).
    #[error("the answer names another issuer ({found:?})")]
    IssuerMismatch { found: String },
    #[error("the answer has no authorization code")]
    MissingCode,
    /// The token endpoint said no (`invalid_grant`: a used or expired code, a wrong PKCE
    /// verifier or redirect URI; `invalid_client`: a wrong client secret).
    #[error("the provider refused the token exchange: {error}")]
    TokenExchangeRefused {
        error: String,
        description: Option<String>,
    },
    #[error("the ID token is not valid: {0}")]
    IdTokenInvalid(IdTokenProblem),
    #[error("the provider gave no e-mail address")]
    NoEmailClaim,
}

impl OidcError {
    /// A sentence for the person on the sign-in page; `provider` is the display name.
    pub fn explain(&self, provider: &str) -> String {
        match self {
            Self::ProviderUnreachable { .. } => format!(
                "We could not reach {provider} to sign you in. Please try again in a few minutes."
            ),
            Self::ProviderMisconfigured { .. } | Self::IssuerMismatch { .. } => format!(
                "Signing in with {provider} is not set up correctly here. Please tell your \
                 administrator."
            ),
            Self::ProviderDenied { error, .. } if error == "access_denied" => format!(
                "{provider} did not sign you in (perhaps the sign-in was cancelled). You can \
                 try again."
            ),
            Self::ProviderDenied { error, .. } => format!(
                "{provider} could not sign you in ({error}). Please try again, or tell your \
                 administrator if it keeps happening."
            ),
            Self::StateMismatch | Self::MissingCode => "This sign-in has expired or was started \
                 in another window. Please start again."
                .to_string(),
            Self::TokenExchangeRefused { .. } => format!(
                "{provider} would not complete the sign-in (it may have taken too long). Please \
                 start again."
            ),
            Self::IdTokenInvalid(IdTokenProblem::TenantMismatch) => format!(
                "That {provider} account belongs to another organisation. Please sign in with \
                 your council account."
            ),
            Self::IdTokenInvalid(IdTokenProblem::Expired) => {
                "The sign-in took too long. Please start again.".to_string()
            }
            Self::IdTokenInvalid(_) => format!(
                "The answer from {provider} could not be verified, so you are not signed in. \
                 Please start again, and tell your administrator if it keeps happening."
            ),
            Self::NoEmailClaim => format!(
                "{provider} did not tell us your e-mail address, so we cannot find your \
                 account. Please ask your administrator."
            ),
        }
    }
}

// ------------------------------------------------------------------------------------------
// The client

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EntraClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oid: Option<String>,
}

impl AdditionalClaims for EntraClaims {}

type Claims = IdTokenClaims<EntraClaims, CoreGenderClaim>;
type IdFields = IdTokenFields<
    EntraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type ProviderClient = Client<
    EntraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

#[derive(Clone)]
struct Cached {
    fetched: Instant,
    metadata: Arc<CoreProviderMetadata>,
}

/// The OpenID Connect client: one per process, shared (it holds the HTTP client and the
/// metadata cache). Cheap to clone.
#[derive(Clone)]
pub struct OidcClient {
    http: BoundedHttp,
    settings: OidcSettings,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    pub fn new(settings: OidcSettings) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!(
                "pmf-api/",
                env!("CARGO_PKG_VERSION"),
                " (OpenID Connect)"
            ))
            .build()?;
        Ok(Self {
            http: BoundedHttp { client },
            settings,
            cache: Arc::default(),
        })
    }

    /// Starts a sign-in: the provider's authorization URL to send the browser to (303), and
    /// what to keep for `finish`. `redirect_uri` must be registered with the provider
    /// (`PUBLIC_URL/auth/oidc/callback`). `login_hint` pre-fills the account (an e-mail
    /// address the person typed).
    pub async fn start(
        &self,
        provider: &ProviderConfig,
        redirect_uri: &str,
        login_hint: Option<&str>,
    ) -> Result<(url::Url, PendingSignIn), OidcError> {
        let metadata = self.metadata(provider, false).await?;
        let client = self.client(provider, &metadata, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                || CsrfToken::new_random_len(32),
                || Nonce::new_random_len(32),
            )
            .set_pkce_challenge(challenge);
        for scope in SCOPES {
            request = request.add_scope(Scope::new(scope.to_string()));
        }
        if let Some(hint) = login_hint.map(str::trim).filter(|h| !h.is_empty()) {
            request = request.set_login_hint(LoginHint::new(hint.to_string()));
        }
        let (url, state, nonce) = request.url();
        let pending = PendingSignIn {
            issuer: provider.issuer.clone(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            redirect_uri: redirect_uri.to_string(),
        };
        Ok((url, pending))
    }

    /// Finishes a sign-in with the provider's answer. `pending` is what `start` gave (drop
    /// it from storage before calling: it is good for one try).
    pub async fn finish(
        &self,
        provider: &ProviderConfig,
        pending: PendingSignIn,
        callback: &Callback,
    ) -> Result<VerifiedIdentity, OidcError> {
        let result = self.finish_inner(provider, pending, callback).await;
        if let Err(error) = &result {
            tracing::info!(issuer = %provider.issuer, %error, "OpenID Connect sign-in refused");
        }
        result
    }

    async fn finish_inner(
        &self,
        provider: &ProviderConfig,
        pending: PendingSignIn,
        callback: &Callback,
    ) -> Result<VerifiedIdentity, OidcError> {
        let state_matches = callback.state.as_deref().is_some_and(|returned| {
            bool::from(returned.as_bytes().ct_eq(pending.state.as_bytes()))
        });
        if !state_matches || pending.issuer != provider.issuer {
            return Err(OidcError::StateMismatch);
        }
        if let Some(error) = &callback.error {
            return Err(OidcError::ProviderDenied {
                error: error.clone(),
                description: callback.error_description.clone(),
            });
        }
        if let Some(iss) = &callback.iss
            && *iss != provider.issuer
        {
            return Err(OidcError::IssuerMismatch { found: iss.clone() });
        }
        let code = callback
            .code
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(OidcError::MissingCode)?;

        let metadata = self.metadata(provider, false).await?;
        let client = self.client(provider, &metadata, &pending.redirect_uri)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|_| provider.misconfigured("the provider has no token endpoint"))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(provider, e))?;
        let id_token = tokens
            .id_token()
            .ok_or(OidcError::IdTokenInvalid(IdTokenProblem::Missing))?;
        let nonce = Nonce::new(pending.nonce);

        let verified = {
            let verifier = client
                .id_token_verifier()
                .set_allowed_algs(asymmetric_algs(&metadata));
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match verified {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys since we cached them.
                let fresh = self.metadata(provider, true).await?;
                let client = self.client(provider, &fresh, &pending.redirect_uri)?;
                let verifier = client
                    .id_token_verifier()
                    .set_allowed_algs(asymmetric_algs(&fresh));
                id_token.claims(&verifier, &nonce).cloned()
            }
            other => other,
        }
        .map_err(|e| OidcError::IdTokenInvalid(claims_problem(&e)))?;
        identity_from_claims(provider, &claims)
    }

    /// The provider's metadata and keys, from the cache unless older than the TTL (or,
    /// with `refresh`, older than `MIN_REFRESH`).
    async fn metadata(
        &self,
        provider: &ProviderConfig,
        refresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, OidcError> {
        let max_age = if refresh {
            MIN_REFRESH
        } else {
            self.settings.metadata_ttl
        };
        if let Some(hit) = self.cached(&provider.issuer)
            && hit.fetched.elapsed() < max_age
        {
            return Ok(hit.metadata);
        }
        provider.validate()?;
        let issuer = IssuerUrl::new(provider.issuer.clone())
            .map_err(|_| provider.misconfigured("the issuer is not a URL"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| discovery_error(provider, e))?;
        if !metadata.response_types_supported().iter().any(|types| {
            types.len() == 1 && types.contains(&openidconnect::core::CoreResponseType::Code)
        }) {
            return Err(provider.misconfigured("the provider does not offer the code flow"));
        }
        let metadata = Arc::new(metadata);
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                provider.issuer.clone(),
                Cached {
                    fetched: Instant::now(),
                    metadata: metadata.clone(),
                },
            );
        Ok(metadata)
    }

    fn cached(&self, issuer: &str) -> Option<Cached> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(issuer)
            .cloned()
    }

    /// Forgets the cached metadata of every provider (after a configuration change).
    pub fn forget_metadata(&self) {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    fn client(
        &self,
        provider: &ProviderConfig,
        metadata: &CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<ProviderClient, OidcError> {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|_| provider.misconfigured("the redirect URI is not a URL"))?;
        // client_secret_basic unless the provider offers only client_secret_post.
        let post_only = metadata
            .token_endpoint_auth_methods_supported()
            .is_some_and(|methods| {
                !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                    && methods.contains(&CoreClientAuthMethod::ClientSecretPost)
            });
        let client = ProviderClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(provider.client_id.clone()),
            Some(OidcClientSecret::new(
                provider.client_secret.expose_secret().to_string(),
            )),
        )
        .set_redirect_uri(redirect);
        Ok(if post_only {
            client.set_auth_type(AuthType::RequestBody)
        } else {
            client.set_auth_type(AuthType::BasicAuth)
        })
    }
}

/// The signing algorithms the provider announces, less the symmetric ones and `none`.
fn asymmetric_algs(metadata: &CoreProviderMetadata) -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    metadata
        .id_token_signing_alg_values_supported()
        .iter()
        .filter(|alg| {
            matches!(
                alg,
                A::RsaSsaPkcs1V15Sha256
                    | A::RsaSsaPkcs1V15Sha384
                    | A::RsaSsaPkcs1V15Sha512
                    | A::RsaSsaPssSha256
                    | A::RsaSsaPssSha384
                    | A::RsaSsaPssSha512
                    | A::EcdsaP256Sha256
                    | A::EcdsaP384Sha384
                    | A::EcdsaP521Sha512
                    | A::EdDsa
            )
        })
        .cloned()
        .collect()
}

fn claims_problem(error: &ClaimsVerificationError) -> IdTokenProblem {
    use ClaimsVerificationError as E;
    match error {
        E::Expired(_) => IdTokenProblem::Expired,
        E::InvalidAudience(_) => IdTokenProblem::WrongAudience,
        E::InvalidIssuer(_) => IdTokenProblem::WrongIssuer,
        E::InvalidNonce(_) => IdTokenProblem::NonceMismatch,
        E::InvalidSubject(_) => IdTokenProblem::NoSubject,
        E::SignatureVerification(_) => IdTokenProblem::BadSignature,
        other => IdTokenProblem::Other(other.to_string()),
    }
}

/// The identity in verified claims, with the tenant checked (Entra).
fn identity_from_claims(
    provider: &ProviderConfig,
    claims: &Claims,
) -> Result<VerifiedIdentity, OidcError> {
    let entra = provider.is_entra();
    let extra = claims.additional_claims();
    let tenant_id = extra.tid.clone().filter(|t| !t.is_empty());
    if let Some(expected) = provider.expected_tenant() {
        let ok = tenant_id
            .as_deref()
            .is_some_and(|tid| tid.eq_ignore_ascii_case(&expected));
        if !ok {
            return Err(OidcError::IdTokenInvalid(IdTokenProblem::TenantMismatch));
        }
    }
    let oid = extra.oid.clone().filter(|o| !o.is_empty());
    let (subject, subject_claim) = match oid {
        Some(oid) if entra => (oid, SubjectClaim::Oid),
        _ => (claims.subject().to_string(), SubjectClaim::Sub),
    };
    if subject.is_empty() {
        return Err(OidcError::IdTokenInvalid(IdTokenProblem::NoSubject));
    }
    let well_formed = |s: &str| {
        pmf_core::Email::parse(s)
            .ok()
            .map(|e| e.as_str().to_string())
    };
    let mut email = claims
        .email()
        .and_then(|e| well_formed(e))
        .map(|e| (e, EmailClaim::Email));
    if email.is_none() && entra {
        email = claims
            .preferred_username()
            .and_then(|u| well_formed(u))
            .map(|e| (e, EmailClaim::PreferredUsername));
    }
    let email_verified = if entra || email.is_none() {
        None
    } else {
        claims.email_verified()
    };
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string())
        .filter(|n| !n.trim().is_empty());
    Ok(VerifiedIdentity {
        issuer: provider.issuer.clone(),
        subject,
        subject_claim,
        email_claim: email.as_ref().map(|(_, c)| *c),
        email: email.map(|(e, _)| e),
        email_verified,
        name,
        tenant_id,
    })
}

fn discovery_error(provider: &ProviderConfig, error: DiscoveryError<HttpError>) -> OidcError {
    match error {
        DiscoveryError::Request(e) => OidcError::ProviderUnreachable {
            issuer: provider.issuer.clone(),
            detail: e.to_string(),
        },
        DiscoveryError::Response(status, _, message) if status.is_server_error() => {
            OidcError::ProviderUnreachable {
                issuer: provider.issuer.clone(),
                detail: message,
            }
        }
        DiscoveryError::Response(_, _, message) => provider.misconfigured(message),
        DiscoveryError::Parse(e) => provider.misconfigured(format!(
            "its discovery document or keys could not be read (at {})",
            e.path()
        )),
        DiscoveryError::Validation(message) => provider.misconfigured(message),
        other => provider.misconfigured(other.to_string()),
    }
}

fn token_error(
    provider: &ProviderConfig,
    error: RequestTokenError<HttpError, StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    match error {
        RequestTokenError::ServerResponse(response) => OidcError::TokenExchangeRefused {
            error: response.error().to_string(),
            description: response.error_description().cloned(),
        },
        RequestTokenError::Request(e) => OidcError::ProviderUnreachable {
            issuer: provider.issuer.clone(),
            detail: e.to_string(),
        },
        // The body may hold tokens: only the place of the problem is kept.
        RequestTokenError::Parse(e, _body) => {
            if e.path().to_string().contains("id_token") {
                OidcError::IdTokenInvalid(IdTokenProblem::Malformed)
            } else {
                provider.misconfigured(format!(
                    "its token response could not be read (at {})",
                    e.path()
                ))
            }
        }
        RequestTokenError::Other(message) => provider.misconfigured(message),
    }
}

// ------------------------------------------------------------------------------------------
// HTTP: reqwest without redirects, answers bounded

#[derive(Clone)]
struct BoundedHttp {
    client: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error("{0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("the answer is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("bad HTTP message: {0}")]
    Http(String),
}

impl<'c> AsyncHttpClient<'c> for BoundedHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let mut response = self.client.execute(request).await?;
            let mut builder = openidconnect::http::Response::builder()
                .status(response.status())
                .version(response.version());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            builder
                .body(body)
                .map_err(|e| HttpError::Http(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    fn provider(issuer: &str, tenant: Option<&str>) -> ProviderConfig {
        ProviderConfig::new(
            issuer,
            "council-app",
            ClientSecret::new("hunter2"),
            "Test",
            tenant.map(str::to_string),
        )
        .unwrap()
    }

    fn claims(issuer: &str, extra: serde_json::Value) -> Claims {
        let mut value = json!({
            "iss": issuer, "aud": "council-app", "sub": "pairwise-sub",
            "exp": 4_000_000_000u64, "iat": 1_700_000_000u64,
        });
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let p = provider("https://accounts.google.com", None);
        let printed = format!("{p:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("***"));
        let pending = PendingSignIn {
            issuer: "https://x.example".into(),
            state: "the-state".into(),
            nonce: "the-nonce".into(),
            pkce_verifier: "the-verifier".into(),
            redirect_uri: "https://app.example/auth/oidc/callback".into(),
        };
        let printed = format!("{pending:?}");
        for secret in ["the-state", "the-nonce", "the-verifier"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        let callback = Callback {
            code: Some("the-code".into()),
            state: Some("the-state".into()),
            ..Default::default()
        };
        let printed = format!("{callback:?}");
        assert!(!printed.contains("the-code") && !printed.contains("the-state"));
    }

    #[test]
    fn issuers_must_be_https_except_on_loopback() {
        let bad = |issuer: &str| {
            ProviderConfig::new(issuer, "id", ClientSecret::new("s"), "X", None).unwrap_err()
        };
        assert!(matches!(
            bad("http://idp.example"),
            OidcError::ProviderMisconfigured { .. }
        ));
        bad("not a url");
        bad("https://idp.example/?tenant=1");
        provider("http://127.0.0.1:4000/tenant/v2.0", None);
        provider("http://localhost:4000", None);
        assert!(
            ProviderConfig::new(
                "https://idp.example",
                " ",
                ClientSecret::new("s"),
                "X",
                None
            )
            .is_err()
        );
        // A tenant id that contradicts the issuer's path.
        assert!(
            ProviderConfig::new(
                format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
                "id",
                ClientSecret::new("s"),
                "Microsoft",
                Some("00000000-0000-0000-0000-000000000000".into()),
            )
            .is_err()
        );
    }

    #[test]
    fn entra_is_recognised_by_tenant_path_host_or_setting() {
        let entra = provider(
            &format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
            None,
        );
        assert!(entra.is_entra());
        assert_eq!(entra.expected_tenant().as_deref(), Some(TENANT));
        // Any host with a /{guid}/v2.0 path (the test provider).
        let test = provider(&format!("http://127.0.0.1:5000/{TENANT}/v2.0/"), None);
        assert_eq!(test.expected_tenant().as_deref(), Some(TENANT));
        // Upper-case GUIDs are the same tenant.
        let upper = provider(
            &format!(
                "https://login.microsoftonline.com/{}/v2.0",
                TENANT.to_uppercase()
            ),
            None,
        );
        assert_eq!(upper.expected_tenant().as_deref(), Some(TENANT));
        // A configured tenant with any issuer.
        let set = provider("https://idp.example", Some("tenant-123"));
        assert!(set.is_entra());
        assert_eq!(set.expected_tenant().as_deref(), Some("tenant-123"));
        // Not a GUID, not Microsoft's host: not Entra.
        let generic = provider("http://127.0.0.1:5000/tenant-123/v2.0", None);
        assert!(!generic.is_entra());
        assert!(!provider("https://accounts.google.com", None).is_entra());
        // Microsoft's host without a tenant GUID (e.g. /common/v2.0) is Entra but has no
        // tenant to check, and its issuer would not match any token: discovery refuses it.
        let common = provider("https://login.microsoftonline.com/common/v2.0", None);
        assert!(common.is_entra());
        assert_eq!(common.expected_tenant(), None);
        assert!(!is_guid("9188040d-6c67-4c5b-b112-36a304b66da"));
        assert!(!is_guid("9188040d6c674c5bb11236a304b66dad"));
    }

    #[test]
    fn generic_providers_use_sub_and_email_verified() {
        let p = provider("https://accounts.google.com", None);
        let c = claims(
            &p.issuer,
            json!({"email": "Alice@Council.Example", "email_verified": true, "name": "Alice",
                   "preferred_username": "ignored@x.example", "oid": "ignored"}),
        );
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!(id.subject, "pairwise-sub");
        assert_eq!(id.subject_claim, SubjectClaim::Sub);
        assert_eq!(id.email.as_deref(), Some("alice@council.example"));
        assert_eq!(id.email_claim, Some(EmailClaim::Email));
        assert!(id.email_is_verified());
        assert_eq!(id.name.as_deref(), Some("Alice"));
        // No e-mail: preferred_username is not used outside Entra.
        let c = claims(&p.issuer, json!({"preferred_username": "bob@x.example"}));
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!(id.email, None);
        assert_eq!(id.require_email(), Err(OidcError::NoEmailClaim));
        // A malformed address counts as none.
        let c = claims(
            &p.issuer,
            json!({"email": "not-an-address", "email_verified": true}),
        );
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!((id.email, id.email_verified), (None, None));
    }

    #[test]
    fn entra_uses_oid_checks_tid_and_trusts_no_email() {
        let p = provider(
            &format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
            None,
        );
        let c = claims(
            &p.issuer,
            json!({"tid": TENANT, "oid": "oid-alice", "email": "alice@council.example",
                   "email_verified": true}),
        );
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!(id.subject, "oid-alice");
        assert_eq!(id.subject_claim, SubjectClaim::Oid);
        assert_eq!(id.tenant_id.as_deref(), Some(TENANT));
        assert_eq!(id.email_claim, Some(EmailClaim::Email));
        assert_eq!(id.email_verified, None);
        assert!(!id.email_is_verified());
        // preferred_username when there is no email.
        let c = claims(
            &p.issuer,
            json!({"tid": TENANT, "oid": "oid-bob", "preferred_username": "Bob@Council.Example"}),
        );
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!(id.email.as_deref(), Some("bob@council.example"));
        assert_eq!(id.email_claim, Some(EmailClaim::PreferredUsername));
        // No oid: sub.
        let c = claims(&p.issuer, json!({"tid": TENANT}));
        let id = identity_from_claims(&p, &c).unwrap();
        assert_eq!(
            (id.subject.as_str(), id.subject_claim),
            ("pairwise-sub", SubjectClaim::Sub)
        );
        // Another tenant, or none.
        for tid in [
            json!({"tid": "00000000-0000-0000-0000-000000000000"}),
            json!({}),
        ] {
            let c = claims(&p.issuer, tid);
            assert_eq!(
                identity_from_claims(&p, &c),
                Err(OidcError::IdTokenInvalid(IdTokenProblem::TenantMismatch))
            );
        }
        // Upper-case tid is the same GUID.
        let c = claims(&p.issuer, json!({"tid": TENANT.to_uppercase()}));
        assert!(identity_from_claims(&p, &c).is_ok());
    }

    #[test]
    fn errors_explain_themselves_without_secrets() {
        let e = OidcError::IdTokenInvalid(IdTokenProblem::TenantMismatch);
        assert!(e.explain("Microsoft").contains("another organisation"));
        let e = OidcError::ProviderDenied {
            error: "access_denied".into(),
            description: None,
        };
        assert!(e.explain("Google").contains("Google did not sign you in"));
        assert!(
            OidcError::StateMismatch
                .explain("X")
                .contains("start again")
        );
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_reported_as_such() {
        // Port 1 on loopback: nothing listens there.
        let p = provider("http://127.0.0.1:1/issuer", None);
        let oidc = OidcClient::new(OidcSettings::default()).unwrap();
        let err = oidc
            .start(&p, "http://127.0.0.1:2/auth/oidc/callback", None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, OidcError::ProviderUnreachable { .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn discovery_does_not_follow_redirects() {
        use axum::{Router, http::StatusCode, response::Redirect, routing::get};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        let app = Router::new()
            .route(
                "/issuer/.well-known/openid-configuration",
                get(|| async { Redirect::temporary("/elsewhere") }),
            )
            .route(
                "/elsewhere",
                get(move || {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    async { StatusCode::OK }
                }),
            );
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let p = provider(&format!("http://{addr}/issuer"), None);
        let oidc = OidcClient::new(OidcSettings::default()).unwrap();
        let err = oidc
            .start(&p, "http://127.0.0.1:2/auth/oidc/callback", None)
            .await
            .unwrap_err();
        match &err {
            OidcError::ProviderMisconfigured { detail, .. } => {
                assert!(detail.contains("307"), "{detail}")
            }
            other => panic!("expected misconfigured, got {other:?}"),
        }
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
        server.abort();
    }

    #[tokio::test]
    async fn state_is_checked_before_anything_is_sent() {
        // The issuer is unreachable: a state mismatch must be found without asking it.
        let p = provider("http://127.0.0.1:1/issuer", None);
        let oidc = OidcClient::new(OidcSettings::default()).unwrap();
        let pending = PendingSignIn {
            issuer: p.issuer.clone(),
            state: "right".into(),
            nonce: "n".into(),
            pkce_verifier: "v".repeat(43),
            redirect_uri: "http://127.0.0.1:2/cb".into(),
        };
        for state in [None, Some("wrong"), Some("righ"), Some("right-and-more")] {
            let callback = Callback {
                code: Some("c".into()),
                state: state.map(str::to_string),
                ..Default::default()
            };
            assert_eq!(
                oidc.finish(&p, pending.clone(), &callback).await,
                Err(OidcError::StateMismatch)
            );
        }
        // Another provider's pending sign-in.
        let other = provider("http://127.0.0.1:1/other", None);
        let callback = Callback {
            code: Some("c".into()),
            state: Some("right".into()),
            ..Default::default()
        };
        assert_eq!(
            oidc.finish(&other, pending.clone(), &callback).await,
            Err(OidcError::StateMismatch)
        );
        // The provider's error, the iss parameter, a missing code.
        let denied = Callback {
            state: Some("right".into()),
            error: Some("access_denied".into()),
            ..Default::default()
        };
        assert!(matches!(
            oidc.finish(&p, pending.clone(), &denied).await,
            Err(OidcError::ProviderDenied { .. })
        ));
        let mixed_up = Callback {
            iss: Some("http://evil".into()),
            ..callback.clone()
        };
        assert!(matches!(
            oidc.finish(&p, pending.clone(), &mixed_up).await,
            Err(OidcError::IssuerMismatch { .. })
        ));
        let no_code = Callback {
            code: None,
            ..callback
        };
        assert_eq!(
            oidc.finish(&p, pending, &no_code).await,
            Err(OidcError::MissingCode)
        );
    }
}
