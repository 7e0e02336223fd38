use sea_orm::entity::prelude::*;

/// A started single sign-on, kept until the provider sends the browser back (by a hash of
/// its `state`); `pending` is what finishing it needs, as JSON.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_sign_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub state_hash: String,
    #[sea_orm(column_type = "Text")]
    pub pending: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
