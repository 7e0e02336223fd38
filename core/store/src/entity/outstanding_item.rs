use pmf_core::{Missing, Period};
use sea_orm::entity::prelude::*;

use crate::Stored;

/// One indicator's value or action's update that is due and not complete (kept by
/// `crate::outstanding`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outstanding_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub indicator_id: Option<i64>,
    pub action_id: Option<i64>,
    pub period: Stored<Period>,
    /// After any extension.
    pub due_date: Date,
    pub extended: bool,
    pub missing: Stored<Missing>,
    pub owner_id: Option<i64>,
    pub priority_id: Option<i64>,
    pub reference: String,
    pub title: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
