//! Sessions and single sign-on: `mySessions`, `signOutEverywhere`, and the council's
//! OpenID provider (`singleSignOn`, `setSingleSignOn`, `clearSingleSignOn`, ADMIN).
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use pmf_store::{
    entity::{session, single_sign_on},
    sign_in::{self, EndReason, ProviderSetting},
};

use super::{
    authorise::{ADMIN, require_role},
    context::{begin, do_not_cache, request, scope, signed_in},
    cost,
    input::required_text,
    scalars::DateTime,
};
use crate::{
    error::{GqlResult, gql},
    sign_in::{ClientSecret, ProviderConfig},
};

/// A browser session of yours.
#[derive(SimpleObject)]
pub struct Session {
    pub id: ID,
    /// `EMAIL` (an e-mailed link) or `SSO` (single sign-on).
    pub method: String,
    pub user_agent: Option<String>,
    pub created_at: DateTime,
    /// When it was last used (written every few minutes).
    pub last_seen_at: DateTime,
    /// When it ends whatever happens (it also ends after the idle time without use).
    pub expires_at: DateTime,
    /// Whether this request came with it.
    pub current: bool,
}

impl Session {
    fn new(row: session::Model, current: Option<i64>) -> Self {
        Self {
            id: row.id.into(),
            method: row.method.to_ascii_uppercase(),
            user_agent: row.user_agent,
            created_at: DateTime(row.created_at),
            last_seen_at: DateTime(row.last_seen_at),
            expires_at: DateTime(row.expires_at),
            current: current == Some(row.id),
        }
    }
}

/// The council's OpenID Connect provider (its client secret is never shown).
#[derive(SimpleObject)]
pub struct SingleSignOn {
    /// What the sign-in button says: "Sign in with Microsoft".
    pub display_name: String,
    pub issuer: String,
    pub client_id: String,
    pub tenant_id: Option<String>,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
    pub updated_at: DateTime,
}

fn single_sign_on_obj(ctx: &Context<'_>, row: single_sign_on::Model) -> SingleSignOn {
    SingleSignOn {
        display_name: row.display_name,
        issuer: row.issuer,
        client_id: row.client_id,
        tenant_id: row.tenant_id,
        redirect_uri: format!(
            "{}/auth/oidc/callback",
            request(ctx).public_url.trim_end_matches('/')
        ),
        updated_at: DateTime(row.updated_at),
    }
}

#[derive(Default)]
pub struct SignInQueries;

#[Object]
impl SignInQueries {
    /// Your sessions that are still open, newest first.
    #[graphql(complexity = "cost::list(20, child_complexity)")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Session>> {
        let me = signed_in(ctx)?;
        // Last use moves without the data version.
        do_not_cache(ctx);
        let request = request(ctx);
        let rows = sign_in::live_sessions(
            &request.db.conn,
            me.organisation_id,
            me.id,
            request.session_limits,
            request.now,
        )
        .await?;
        let current = scope(ctx)?.session_id;
        Ok(rows.into_iter().map(|r| Session::new(r, current)).collect())
    }

    /// The council's single sign-on provider, if set (ADMIN).
    async fn single_sign_on(&self, ctx: &Context<'_>) -> GqlResult<Option<SingleSignOn>> {
        require_role(ctx, ADMIN, "see the single sign-on settings")?;
        let row = sign_in::single_sign_on(&request(ctx).db.conn, scope(ctx)?.org.id).await?;
        Ok(row.map(|r| single_sign_on_obj(ctx, r)))
    }
}

/// The council's OpenID Connect provider.
#[derive(InputObject)]
pub struct SingleSignOnInput {
    /// The issuer exactly as in its tokens: `https://login.microsoftonline.com/{tenant}/v2.0`
    /// for Entra ID, `https://accounts.google.com` for Google.
    pub issuer: String,
    pub client_id: String,
    /// Needed the first time; leave it out to keep the stored one.
    pub client_secret: Option<String>,
    /// The button's words: "Microsoft", "Google" (default "your council account").
    pub display_name: Option<String>,
    /// Entra ID's tenant id, when the issuer does not name it.
    pub tenant_id: Option<String>,
}

#[derive(Default)]
pub struct SignInMutations;

#[Object]
impl SignInMutations {
    /// Ends every session of yours, this one too (API tokens are not affected). Returns how
    /// many ended.
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let me = signed_in(ctx)?;
        let uow = begin(ctx).await?;
        let ended =
            sign_in::end_sessions(&uow, me.id, None, EndReason::SignedOutEverywhere).await?;
        uow.commit().await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }

    /// Sets the council's single sign-on provider (ADMIN). The secret is stored and never
    /// shown again.
    async fn set_single_sign_on(
        &self,
        ctx: &Context<'_>,
        input: SingleSignOnInput,
    ) -> GqlResult<SingleSignOn> {
        require_role(ctx, ADMIN, "set up single sign-on")?;
        let issuer = required_text("issuer", &input.issuer, 500)?;
        let client_id = required_text("clientId", &input.client_id, 500)?;
        let display_name = match input.display_name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => required_text("displayName", name, 100)?,
            _ => "your council account".to_string(),
        };
        let secret = input
            .client_secret
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let tenant_id = input
            .tenant_id
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        // The same checks the sign-in will make (https issuer, tenant agreeing with it).
        ProviderConfig::new(
            issuer.clone(),
            client_id.clone(),
            ClientSecret::new(secret.clone().unwrap_or_default()),
            display_name.clone(),
            tenant_id.clone(),
        )
        .map_err(|e| gql::bad_input(format!("issuer: {e}")))?;
        let uow = begin(ctx).await?;
        let row = sign_in::set_single_sign_on(
            &uow,
            ProviderSetting {
                display_name,
                issuer,
                client_id,
                client_secret: secret,
                tenant_id,
            },
        )
        .await?;
        uow.commit().await?;
        Ok(single_sign_on_obj(ctx, row))
    }

    /// Removes the council's single sign-on provider (ADMIN); people sign in by e-mail.
    async fn clear_single_sign_on(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        require_role(ctx, ADMIN, "remove single sign-on")?;
        let uow = begin(ctx).await?;
        let cleared = sign_in::clear_single_sign_on(&uow).await?;
        uow.commit().await?;
        Ok(cleared)
    }
}
