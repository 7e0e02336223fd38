use sea_orm::entity::prelude::*;

/// One request for a sign-in link, for the per-address limit (a hash of the address: it may
/// belong to nobody).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email_hash: String,
    pub requested_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
