use pmf_core::{NotificationPreference, Role};
use sea_orm::entity::prelude::*;

use crate::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub email: String,
    pub role: Stored<Role>,
    pub manager_id: Option<i64>,
    pub active: bool,
    pub notification_preference: Stored<NotificationPreference>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// The single sign-on provider this user is bound to (its issuer), after a first sign-in.
    #[serde(skip)]
    pub sso_issuer: Option<String>,
    /// The provider's stable id of the person (`oid` at Entra, else `sub`).
    #[serde(skip)]
    pub sso_subject: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
