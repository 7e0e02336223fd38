use pmf_core::{PlanKind, PlanStatus};
use sea_orm::entity::prelude::*;

use crate::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub parent_id: Option<i64>,
    pub kind: Stored<PlanKind>,
    pub title: String,
    pub start_date: Date,
    pub end_date: Date,
    pub status: Stored<PlanStatus>,
    pub vision: Option<String>,
    pub mission: Option<String>,
    pub published: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
