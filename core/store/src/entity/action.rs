use pmf_core::{Delivery, DueKind};
use sea_orm::entity::prelude::*;

use crate::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub priority_id: Option<i64>,
    pub objective_id: Option<i64>,
    pub reference: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub sponsor_id: Option<i64>,
    pub delivery: Stored<Delivery>,
    pub planned_start: Option<Date>,
    pub actual_start: Option<Date>,
    pub due_date: Option<Date>,
    pub due_kind: Option<Stored<DueKind>>,
    pub estimated_completion: Option<Date>,
    pub completed_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
