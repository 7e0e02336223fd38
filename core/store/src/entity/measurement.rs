use pmf_core::Period;
use sea_orm::entity::prelude::*;

use crate::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "measurements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub indicator_id: i64,
    pub period: Stored<Period>,
    pub period_end: Date,
    pub value: Option<f64>,
    pub no_value_reason: Option<String>,
    pub commentary: Option<String>,
    pub entered_by: Option<i64>,
    pub entered_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
