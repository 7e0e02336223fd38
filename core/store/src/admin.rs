//! Operations behind `api bootstrap` and `api token` (SPEC §8).
use chrono::{DateTime, Utc};
use pmf_core::{Email, Role, Slug};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::{
    Database, StoreError, UnitOfWork,
    entity::{organisation, user},
    tokens,
};

/// Why an operator command could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no organisation with slug {0:?}")]
    NoOrganisation(String),
    #[error("no user with e-mail {email:?} in organisation {slug:?}")]
    NoUser { slug: String, email: String },
    #[error("user {0} is inactive: reactivate them before issuing a token")]
    Inactive(String),
    #[error(
        "{email} already exists in {slug:?} with role {role}, not ADMIN; use `api token` or choose another e-mail"
    )]
    NotAdmin {
        slug: String,
        email: String,
        role: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for AdminError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Store(e.into())
    }
}

/// What `bootstrap` did.
#[derive(Debug)]
pub struct Bootstrapped {
    pub organisation: organisation::Model,
    pub admin: user::Model,
    pub created_organisation: bool,
    pub created_admin: bool,
    pub token: String,
}

pub async fn find_organisation<C: sea_orm::ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<organisation::Model>, StoreError> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

pub async fn find_user_by_email<C: sea_orm::ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    email: &Email,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// Creates the organisation and an ADMIN user if missing, and issues a new token for the admin.
pub async fn bootstrap(
    db: &Database,
    org_name: &str,
    slug: &Slug,
    admin_email: &Email,
    admin_name: &str,
    now: DateTime<Utc>,
) -> Result<Bootstrapped, AdminError> {
    let mut txn = UnitOfWork::begin_unscoped(db).await?;
    let (organisation, created_organisation) = match find_organisation(&txn, slug.as_str()).await? {
        Some(org) => (org, false),
        None => {
            let org = organisation::ActiveModel {
                name: Set(org_name.to_string()),
                slug: Set(slug.as_str().to_string()),
                time_zone: Set("Europe/London".into()),
                fy_start_month: Set(4),
                deadline_day: Set(10),
                reminder_time: Set("08:00".into()),
                amber_alerts: Set(false),
                created_at: Set(now),
                data_version: Set(0),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (org, true)
        }
    };
    txn.changes(organisation.id);
    let (admin, created_admin) =
        match find_user_by_email(&txn, organisation.id, admin_email).await? {
            Some(u) if u.role != Role::Admin.as_str() => {
                return Err(AdminError::NotAdmin {
                    slug: slug.to_string(),
                    email: admin_email.to_string(),
                    role: u.role,
                });
            }
            Some(u) if !u.active => return Err(AdminError::Inactive(u.email)),
            Some(u) => (u, false),
            None => {
                let u = user::ActiveModel {
                    organisation_id: Set(organisation.id),
                    name: Set(admin_name.to_string()),
                    email: Set(admin_email.as_str().to_string()),
                    role: Set(Role::Admin.as_str().to_string()),
                    manager_id: Set(None),
                    active: Set(true),
                    notification_preference: Set("IMMEDIATE".into()),
                    version: Set(1),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                (u, true)
            }
        };
    let (_, token) = tokens::issue(&txn, &admin, "bootstrap", None, now).await?;
    txn.commit().await?;
    Ok(Bootstrapped {
        organisation,
        admin,
        created_organisation,
        created_admin,
        token,
    })
}

/// Issues a new token for an existing, active user.
pub async fn issue_token(
    db: &Database,
    slug: &str,
    email: &Email,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(user::Model, String), AdminError> {
    let org = find_organisation(&db.conn, slug)
        .await?
        .ok_or_else(|| AdminError::NoOrganisation(slug.to_string()))?;
    let user = find_user_by_email(&db.conn, org.id, email)
        .await?
        .ok_or_else(|| AdminError::NoUser {
            slug: slug.to_string(),
            email: email.to_string(),
        })?;
    if !user.active {
        return Err(AdminError::Inactive(user.email));
    }
    let txn = UnitOfWork::begin(db, org.id).await?;
    let (_, token) = tokens::issue(&txn, &user, name, None, now).await?;
    txn.commit().await?;
    Ok((user, token))
}
