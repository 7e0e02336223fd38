use pmf_core::{AreaCode, Period};
use sea_orm::entity::prelude::*;

use crate::Stored;

/// One area's value of a comparator metric for a period, as the council imported it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "comparator_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    /// LG Inform's metric type id ("9613"), as indicators name it in `benchmark_metric`.
    pub metric: String,
    pub area_code: Stored<AreaCode>,
    pub area_name: String,
    pub period: Stored<Period>,
    pub value: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
