use pmf_core::{AreaCode, OnTolerance};
use sea_orm::entity::prelude::*;

use crate::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub time_zone: String,
    pub fy_start_month: i16,
    pub deadline_day: i16,
    pub reminder_time: String,
    pub amber_alerts: bool,
    pub created_at: DateTimeUtc,
    /// Moves on with every change the council's queries can show (the API's response cache).
    pub data_version: i64,
    /// The tolerance (percent of the target) of an indicator created without one.
    pub default_tolerance_pct: f64,
    /// What a value exactly on the tolerance is: RED (the rules' default) or AMBER.
    pub on_tolerance: Stored<OnTolerance>,
    /// The council's own GSS area code (E07000146).
    pub area_code: Option<Stored<AreaCode>>,
    /// The comparator group its indicators are benchmarked against unless they name one.
    pub comparator_group_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
