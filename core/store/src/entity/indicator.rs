use pmf_core::{Frequency, IndicatorLevel, IndicatorType, Lifecycle, Period, Polarity, Unit};
use sea_orm::entity::prelude::*;

use crate::Stored;

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
    pub level: Stored<IndicatorLevel>,
    pub indicator_type: Stored<IndicatorType>,
    pub unit: Stored<Unit>,
    pub decimals: i16,
    pub polarity: Stored<Polarity>,
    pub frequency: Stored<Frequency>,
    pub cumulative: bool,
    pub monitor_only: bool,
    pub tolerance_kind: String,
    pub tolerance_value: f64,
    pub owner_id: Option<i64>,
    pub data_source: Option<String>,
    pub information_asset_ref: Option<String>,
    pub published: bool,
    pub lifecycle: Stored<Lifecycle>,
    pub first_period: Option<Stored<Period>>,
    pub proposed_by: Option<i64>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub retired_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// The benchmark data set the indicator is compared with (e.g. an LG Inform metric).
    pub benchmark_metric: Option<String>,
    /// The comparator group it is benchmarked against, when not the council's default.
    pub comparator_group_id: Option<i64>,
    /// Moved on by every unit of work that changes what the indicator's results are computed
    /// from (`results::move_versions_on`): results kept under an older version are rated
    /// again. Not part of the indicator as audited.
    #[serde(skip_serializing)]
    pub results_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The indicator's tolerance as stored.
    pub fn tolerance(&self) -> Result<pmf_core::Tolerance, crate::StoreError> {
        pmf_core::Tolerance::from_kind(&self.tolerance_kind, self.tolerance_value)
            .map_err(|_| crate::StoreError::Corrupt(format!("indicator {}: tolerance", self.id)))
    }
}
