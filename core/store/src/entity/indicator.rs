use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "indicators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub priority_id: Option<i64>,
    pub reference: String,
    pub title: String,
    pub definition: Option<String>,
    pub level: String,
    pub indicator_type: String,
    pub unit: String,
    pub decimals: i16,
    pub polarity: String,
    pub frequency: String,
    pub cumulative: bool,
    pub monitor_only: bool,
    pub tolerance_kind: String,
    pub tolerance_value: f64,
    pub owner_id: Option<i64>,
    pub data_source: Option<String>,
    pub information_asset_ref: Option<String>,
    pub published: bool,
    pub lifecycle: String,
    pub first_period: Option<String>,
    pub proposed_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub retired_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
