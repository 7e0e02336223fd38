//! What the `/auth` routes do, apart from HTTP: ask for a link and mail it, sign in with a
//! link, sign out, and single sign-on with a council's OpenID provider. The store keeps the
//! rows; this decides what happens and sends the sign-in mail itself (no worker needed).
use std::sync::Arc;

use chrono::{DateTime, Utc};
use pmf_core::{Clock, Email};
use pmf_mail::{Composer, Links, MailSettings, Outgoing, Transport};
use pmf_store::{
    Database, StoreError, UnitOfWork,
    entity::{single_sign_on, user},
    organisations,
    sign_in::{self, Method, NewSession, SessionLimits, SubjectMatch},
};

use super::{
    AuthRateLimit, AuthRateLimiter, Callback, ClientSecret, OidcClient, OidcError, OidcSettings,
    PendingSignIn, ProviderConfig, PublicOrigin, SessionCookie, SessionLifetime, TrustedProxies,
};

/// The sign-in settings a server starts with.
#[derive(Debug, Clone)]
pub struct SignInSettings {
    pub mail: MailSettings,
    pub lifetime: SessionLifetime,
    pub rate: AuthRateLimit,
    pub trusted_proxies: TrustedProxies,
}

impl SignInSettings {
    /// Mail written to `mail_dir`, default lifetimes and limits, no trusted proxy.
    pub fn with_mail_dir(mail_dir: impl Into<std::path::PathBuf>) -> Self {
        let mut mail = MailSettings::from_lookup(|_| None).expect("the default mail settings");
        mail.target = pmf_mail::MailTarget::Files(mail_dir.into());
        Self {
            mail,
            lifetime: SessionLifetime::default(),
            rate: AuthRateLimit::default(),
            trusted_proxies: TrustedProxies::none(),
        }
    }
}

/// Signing in, for one server: shared by every request.
pub struct SignIn {
    pub db: Database,
    pub clock: Arc<dyn Clock>,
    pub links: Links,
    pub public_url: String,
    pub origin: PublicOrigin,
    pub cookie: SessionCookie,
    pub limits: SessionLimits,
    pub rate: AuthRateLimiter,
    pub trusted_proxies: TrustedProxies,
    pub oidc: OidcClient,
    transport: Transport,
    composer: Composer,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("public_url", &self.public_url)
            .field("mail", &self.transport.describe())
            .finish_non_exhaustive()
    }
}

/// What went wrong that a person cannot fix: logged, shown as a short apology.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Setup(String),
}

/// Why single sign-on did not sign someone in: each a sentence for the page.
#[derive(Debug)]
pub enum SsoRefusal {
    NoProvider,
    Provider { provider: String, error: OidcError },
    Unknown { provider: String },
    Inactive,
    Expired,
}

impl SsoRefusal {
    pub fn explain(&self) -> String {
        match self {
            SsoRefusal::NoProvider => {
                "This council has not set up single sign-on. Sign in with your e-mail address."
                    .into()
            }
            SsoRefusal::Provider { provider, error } => error.explain(provider),
            SsoRefusal::Unknown { provider } => format!(
                "{provider} signed you in, but you are not a user of this council's performance \
                 dashboard. Ask your performance team to add you."
            ),
            SsoRefusal::Inactive => "Your account is no longer active. Ask your performance team \
                                     if you need it again."
                .into(),
            SsoRefusal::Expired => "This sign-in took too long or was already used. Please start \
                                    again."
                .into(),
        }
    }
}

impl SignIn {
    /// Sign-in mail sent as `settings.mail` says (`SMTP_URL`, else `MAIL_DIR`).
    pub fn new(
        db: Database,
        clock: Arc<dyn Clock>,
        public_url: &str,
        settings: SignInSettings,
    ) -> anyhow::Result<Self> {
        let transport = Transport::to(&settings.mail.target, 2)?;
        Self::with_transport(db, clock, public_url, settings, transport)
    }

    /// Sign-in mail handed to `transport`.
    pub fn with_transport(
        db: Database,
        clock: Arc<dyn Clock>,
        public_url: &str,
        settings: SignInSettings,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        let origin = PublicOrigin::from_public_url(public_url)?;
        Ok(Self {
            db,
            clock,
            links: Links::new(public_url),
            public_url: public_url.trim_end_matches('/').to_string(),
            origin,
            cookie: SessionCookie::for_public_url(public_url),
            limits: SessionLimits {
                idle: chrono::Duration::from_std(settings.lifetime.idle)?,
                max: chrono::Duration::from_std(settings.lifetime.max)?,
            },
            rate: AuthRateLimiter::new(settings.rate, settings.trusted_proxies.clone()),
            trusted_proxies: settings.trusted_proxies,
            oidc: OidcClient::new(OidcSettings::default())?,
            composer: settings.mail.composer(),
            transport,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The redirect URI to register with a provider.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/oidc/callback", self.public_url)
    }

    /// Counts a link request for `email` and says whether it is within the per-address
    /// limit (known and unknown addresses alike).
    pub async fn count_request(&self, email: &str) -> Result<bool, SignInError> {
        Ok(sign_in::count_link_request(&self.db, email, self.now()).await?)
    }

    /// Mails a sign-in link to every active user with this address (of the council
    /// `org_slug` when given); nobody else gets anything. Run after the answer is sent.
    pub async fn send_links(
        &self,
        email: &Email,
        org_slug: Option<&str>,
    ) -> Result<usize, SignInError> {
        let now = self.now();
        let users = sign_in::users_to_sign_in(&self.db, email, org_slug).await?;
        let mut sent = 0;
        for (user, council) in users {
            let (link, token) = sign_in::issue_link(&self.db, &user, now).await?;
            let url = format!("{}/auth/email/confirm?token={token}", self.public_url);
            let rendered = pmf_mail::sign_in_link(
                &self.links,
                &council.name,
                &user.name,
                &url,
                sign_in::LINK_MINUTES,
            )
            .map_err(StoreError::from)?;
            let message = self
                .composer
                .compose_as(
                    &Outgoing {
                        organisation_id: council.id,
                        id: link.id,
                        to: &user.email,
                        subject: &rendered.subject,
                        text: &rendered.text,
                        html: &rendered.html,
                    },
                    &council.name,
                    self.composer.sign_in_message_id(council.id, link.id),
                )
                .map_err(SignInError::Setup)?;
            match self.transport.send(message).await {
                Ok(_) => {
                    sent += 1;
                    tracing::info!(organisation = %council.slug, user = user.id, "sign-in link sent");
                }
                Err(e) => tracing::error!(
                    organisation = %council.slug,
                    user = user.id,
                    error = %e.message,
                    "the sign-in link could not be sent"
                ),
            }
        }
        Ok(sent)
    }

    /// Signs in with a link's token.
    pub async fn confirm(
        &self,
        token: &str,
        user_agent: Option<&str>,
    ) -> Result<Result<NewSession, sign_in::LinkRefusal>, SignInError> {
        Ok(
            sign_in::sign_in_with_link(&self.db, token, user_agent, self.limits, self.now())
                .await?,
        )
    }

    /// Ends the sessions of these cookie secrets.
    pub async fn sign_out(&self, secrets: &[&str]) -> Result<(), SignInError> {
        for secret in secrets {
            sign_in::sign_out(&self.db, secret, self.now()).await?;
        }
        Ok(())
    }

    /// The council's provider as the OpenID client takes it.
    pub fn provider(row: &single_sign_on::Model) -> Result<ProviderConfig, OidcError> {
        ProviderConfig::new(
            row.issuer.clone(),
            row.client_id.clone(),
            ClientSecret::new(row.client_secret.clone()),
            row.display_name.clone(),
            row.tenant_id.clone(),
        )
    }

    /// The providers to offer on the sign-in page: (council slug, council name, button
    /// name), of one council or of every council of the install.
    pub async fn providers(
        &self,
        org_slug: Option<&str>,
    ) -> Result<Vec<(String, String, String)>, SignInError> {
        let councils = match org_slug {
            Some(slug) => organisations::by_slug(&self.db.conn, slug.trim())
                .await?
                .into_iter()
                .collect(),
            None => organisations::all(&self.db.conn).await?,
        };
        let mut found = Vec::new();
        for council in councils {
            if let Some(row) = sign_in::single_sign_on(&self.db.conn, council.id).await? {
                found.push((council.slug, council.name, row.display_name));
            }
        }
        Ok(found)
    }

    /// Starts single sign-on for the council `org_slug`: the provider's address to send the
    /// browser to.
    pub async fn start_sso(
        &self,
        org_slug: &str,
        login_hint: Option<&str>,
    ) -> Result<Result<url::Url, SsoRefusal>, SignInError> {
        let Some(council) = organisations::by_slug(&self.db.conn, org_slug.trim()).await? else {
            return Ok(Err(SsoRefusal::NoProvider));
        };
        let Some(row) = sign_in::single_sign_on(&self.db.conn, council.id).await? else {
            return Ok(Err(SsoRefusal::NoProvider));
        };
        let provider_name = row.display_name.clone();
        let refuse = |error| SsoRefusal::Provider {
            provider: provider_name.clone(),
            error,
        };
        let provider = match Self::provider(&row) {
            Ok(p) => p,
            Err(e) => return Ok(Err(refuse(e))),
        };
        let (url, pending) = match self
            .oidc
            .start(&provider, &self.redirect_uri(), login_hint)
            .await
        {
            Ok(started) => started,
            Err(e) => return Ok(Err(refuse(e))),
        };
        let json = serde_json::to_string(&pending)
            .map_err(|e| SignInError::Setup(format!("keeping the sign-in: {e}")))?;
        sign_in::keep_pending(&self.db, council.id, &pending.state, json, self.now()).await?;
        Ok(Ok(url))
    }

    /// Finishes single sign-on with the provider's answer.
    pub async fn finish_sso(
        &self,
        callback: &Callback,
        user_agent: Option<&str>,
    ) -> Result<Result<NewSession, SsoRefusal>, SignInError> {
        let Some(state) = callback.state.as_deref() else {
            return Ok(Err(SsoRefusal::Expired));
        };
        let Some((org, json)) = sign_in::take_pending(&self.db, state, self.now()).await? else {
            return Ok(Err(SsoRefusal::Expired));
        };
        let pending: PendingSignIn = serde_json::from_str(&json)
            .map_err(|e| SignInError::Setup(format!("a kept sign-in is not readable: {e}")))?;
        let Some(row) = sign_in::single_sign_on(&self.db.conn, org).await? else {
            return Ok(Err(SsoRefusal::NoProvider));
        };
        let provider_name = row.display_name.clone();
        let provider = match Self::provider(&row) {
            Ok(p) => p,
            Err(error) => {
                return Ok(Err(SsoRefusal::Provider {
                    provider: provider_name,
                    error,
                }));
            }
        };
        let now = self.now();
        let identity = match self.oidc.finish(&provider, pending, callback).await {
            Ok(identity) => identity,
            Err(error) => {
                return Ok(Err(SsoRefusal::Provider {
                    provider: provider_name,
                    error,
                }));
            }
        };
        let email = identity.email.as_deref().and_then(|e| Email::parse(e).ok());
        let mut uow = UnitOfWork::begin(&self.db, org, None, now).await?;
        let found =
            sign_in::match_subject(&uow, &identity.issuer, &identity.subject, email.as_ref())
                .await?;
        let user: user::Model = match found {
            SubjectMatch::User(user) => user,
            SubjectMatch::Inactive => {
                uow.commit().await?;
                return Ok(Err(SsoRefusal::Inactive));
            }
            SubjectMatch::Unknown | SubjectMatch::BoundElsewhere => {
                tracing::info!(
                    issuer = %identity.issuer,
                    outcome = ?found,
                    "single sign-on of someone who is not a user of the council"
                );
                return Ok(Err(SsoRefusal::Unknown {
                    provider: provider_name,
                }));
            }
        };
        let session = sign_in::start_session(
            &mut uow,
            user,
            Method::SingleSignOn,
            user_agent,
            self.limits,
        )
        .await?;
        uow.commit().await?;
        Ok(Ok(session))
    }
}
