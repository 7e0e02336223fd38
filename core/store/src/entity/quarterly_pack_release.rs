use sea_orm::entity::prelude::*;

/// A quarter's pack released by the performance team: once per plan and quarter.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "quarterly_pack_releases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub plan_id: i64,
    pub period: String,
    pub released_at: DateTimeUtc,
    pub released_by_id: Option<i64>,
    /// How many people it was sent to.
    pub recipients: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
