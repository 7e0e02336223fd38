//! Users, the viewer, and API tokens.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use pmf_core::Email;
use pmf_store::{
    entity::{api_token, user},
    people::{self, NewUser, UserChange},
};

use super::{
    authorise::{ADMIN, is_admin, require_role},
    context::{begin, do_not_cache, loader, request, scope, signed_in},
    cost,
    enums::{NotificationPreference, Role, face},
    input::{self, MAX_TITLE, required_text},
    loaders::UserKey,
    scalars::DateTime,
};
use crate::error::{GqlResult, gql};

/// A user, or nobody on the public portal (which never sees users).
pub async fn load_user(ctx: &Context<'_>, id: Option<i64>) -> GqlResult<Option<UserObj>> {
    let Some(id) = id else { return Ok(None) };
    if scope(ctx)?.is_public() {
        return Ok(None);
    }
    Ok(loader(ctx)?.load_one(UserKey(id)).await?.map(UserObj))
}

pub struct UserObj(pub user::Model);

#[Object(name = "User")]
impl UserObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> Role {
        face(&self.0.role)
    }
    /// The line manager, to whom overdue data escalates.
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.manager_id).await
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn notification_preference(&self) -> NotificationPreference {
        face(&self.0.notification_preference)
    }
}

/// A token's details; its secret is shown once, by `createApiToken`.
#[derive(SimpleObject)]
pub struct ApiToken {
    pub id: ID,
    pub name: String,
    pub user_id: ID,
    pub created_at: DateTime,
    pub expires_at: Option<DateTime>,
    pub last_used_at: Option<DateTime>,
    pub revoked_at: Option<DateTime>,
}

impl From<api_token::Model> for ApiToken {
    fn from(t: api_token::Model) -> Self {
        Self {
            id: t.id.into(),
            name: t.name,
            user_id: t.user_id.into(),
            created_at: DateTime(t.created_at),
            expires_at: t.expires_at.map(DateTime),
            last_used_at: t.last_used_at.map(DateTime),
            revoked_at: t.revoked_at.map(DateTime),
        }
    }
}

#[derive(SimpleObject)]
pub struct NewApiToken {
    pub token: ApiToken,
    /// The secret: shown this once, stored only as a hash.
    pub secret: String,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub manager_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub manager_id: MaybeUndefined<ID>,
    pub notification_preference: Option<NotificationPreference>,
}

fn email(text: &str) -> GqlResult<Email> {
    Email::parse(text).map_err(|e| gql::bad_input(e.to_string()))
}

#[derive(Default)]
pub struct PeopleQueries;

#[Object]
impl PeopleQueries {
    /// The signed-in user; null on the public portal.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        Ok(scope(ctx)?.user.clone().map(UserObj))
    }

    /// Users of the council (signed in only), by name.
    #[graphql(complexity = "cost::list(cost::sizes().users, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        include_inactive: Option<bool>,
    ) -> GqlResult<Vec<UserObj>> {
        let org = scope(ctx)?.org.id;
        signed_in(ctx)?;
        let db = &request(ctx).db.conn;
        let rows = people::users(db, org, include_inactive.unwrap_or(false)).await?;
        Ok(rows.into_iter().map(UserObj).collect())
    }

    /// API tokens: your own, or everyone's in the council for an ADMIN. Secrets are never shown.
    #[graphql(complexity = "cost::list(cost::sizes().api_tokens, child_complexity)")]
    async fn api_tokens(&self, ctx: &Context<'_>) -> GqlResult<Vec<ApiToken>> {
        let me = signed_in(ctx)?;
        // `lastUsedAt` moves without the data version (token use is not a change).
        do_not_cache(ctx);
        let org = scope(ctx)?.org.id;
        let whose = (!is_admin(me)).then_some(me.id);
        let rows = people::tokens(&request(ctx).db.conn, org, whose).await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }
}

#[derive(Default)]
pub struct PeopleMutations;

#[Object]
impl PeopleMutations {
    /// Adds a user to the council (ADMIN).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> GqlResult<UserObj> {
        require_role(ctx, ADMIN, "add users")?;
        let new = NewUser {
            name: required_text("name", &input.name, MAX_TITLE)?,
            email: email(&input.email)?,
            role: input.role.into(),
            manager_id: input::optional_id(input.manager_id.as_ref(), "user")?,
        };
        let uow = begin(ctx).await?;
        let row = people::create_user(&uow, new).await?;
        uow.commit().await?;
        Ok(UserObj(row))
    }

    /// Edits a user (ADMIN; anyone may change their own name and notification preference).
    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> GqlResult<UserObj> {
        let me = signed_in(ctx)?;
        let id = input::id(&input.id, "user")?;
        let only_own_details = input.email.is_none()
            && input.role.is_none()
            && matches!(input.manager_id, MaybeUndefined::Undefined);
        if !(is_admin(me) || (id == me.id && only_own_details)) {
            return Err(gql::forbidden(
                "only an ADMIN may change other users, roles, e-mails or line managers",
            ));
        }
        if let Some(r) = input.role
            && id == me.id
            && r != Role::Admin
        {
            return Err(gql::bad_input("you cannot remove your own ADMIN role"));
        }
        let change = UserChange {
            expected_version: input.expected_version,
            name: input::new_text("name", input.name.as_deref(), MAX_TITLE)?,
            email: input.email.as_deref().map(email).transpose()?,
            role: input.role.map(Into::into),
            manager_id: input::clearable_id(&input.manager_id, "user")?,
            notification_preference: input.notification_preference.map(Into::into),
        };
        let uow = begin(ctx).await?;
        let row = people::update_user(&uow, id, change).await?;
        uow.commit().await?;
        Ok(UserObj(row))
    }

    /// Deactivates (or reactivates) a user: an inactive user cannot sign in and receives no
    /// e-mail; their records stay (ADMIN).
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> GqlResult<UserObj> {
        let actor = require_role(ctx, ADMIN, "deactivate users")?;
        let id = input::id(&id, "user")?;
        if id == actor.id && !active {
            return Err(gql::bad_input("you cannot deactivate yourself"));
        }
        let uow = begin(ctx).await?;
        let row = people::set_active(&uow, id, active).await?;
        uow.commit().await?;
        Ok(UserObj(row))
    }

    /// Issues a token for yourself; the secret is in the answer and nowhere else.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        expires_at: Option<DateTime>,
    ) -> GqlResult<NewApiToken> {
        let me = signed_in(ctx)?;
        let name = required_text("name", &name, 100)?;
        if expires_at.is_some_and(|e| e.0 <= request(ctx).now) {
            return Err(gql::bad_input("expiresAt must be in the future"));
        }
        let uow = begin(ctx).await?;
        let (row, secret) = people::create_token(&uow, me, &name, expires_at.map(|e| e.0)).await?;
        uow.commit().await?;
        Ok(NewApiToken {
            token: row.into(),
            secret,
        })
    }

    /// Revokes a token: your own, or anyone's in the council for an ADMIN.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ApiToken> {
        let me = signed_in(ctx)?;
        let id = input::id(&id, "API token")?;
        let uow = begin(ctx).await?;
        let token = people::token(&uow, scope(ctx)?.org.id, id).await?;
        if token.user_id != me.id && !is_admin(me) {
            return Err(gql::forbidden(
                "only an ADMIN may revoke another user's token",
            ));
        }
        let row = people::revoke_token(&uow, id).await?;
        uow.commit().await?;
        Ok(row.into())
    }
}
