//! An indicator's result for a period: the rules of SPEC §4.2–4.6 applied to what is stored.
//!
//! One implementation, used by the API (through a DataLoader), the report, the worker's
//! reminder sweep and the exception alerts. It reads with a fixed number of statements,
//! whatever the number of indicators and periods asked for.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use pmf_core::{
    Completeness, Direction, Frequency, IndicatorStatus, Period, Polarity, RatingRule, Tolerance,
    Trend,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    OrganisationSettings, StoreError,
    entity::{deadline_extension, indicator, measurement, target},
};

/// The most ids or periods put in one `IN (…)` list; longer lists are split.
pub const IN_LIST_CHUNK: usize = 1000;

/// An indicator row with its enum-like columns parsed.
#[derive(Debug, Clone)]
pub struct IndicatorRules {
    pub frequency: Frequency,
    pub cumulative: bool,
    pub rule: RatingRule,
}

impl IndicatorRules {
    pub fn of(row: &indicator::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("indicator {}: {what}", row.id));
        let frequency = row.frequency.parse().map_err(|_| corrupt("frequency"))?;
        let polarity: Polarity = row.polarity.parse().map_err(|_| corrupt("polarity"))?;
        let tolerance = match row.tolerance_kind.as_str() {
            "ABSOLUTE" => Tolerance::absolute(row.tolerance_value),
            _ => Tolerance::relative_pct(row.tolerance_value),
        }
        .map_err(|_| corrupt("tolerance"))?;
        Ok(Self {
            frequency,
            cumulative: row.cumulative,
            rule: RatingRule {
                monitor_only: row.monitor_only,
                polarity,
                tolerance,
            },
        })
    }
}

/// The periods whose rows decide one result.
#[derive(Debug, Clone, Copy)]
struct Needed {
    rated: Period,
    previous: Period,
    comparison: Period,
}

impl Needed {
    fn of(rules: &IndicatorRules, asked: &Period, settings: &OrganisationSettings) -> Self {
        let fy = settings.fy_start;
        let rated = asked.rating_period(rules.frequency, fy);
        Self {
            rated,
            previous: rated.previous(fy),
            comparison: pmf_core::comparison_period(&rated, rules.cumulative, fy),
        }
    }
}

/// Everything a dashboard or a report says about one indicator in one period.
#[derive(Debug, Clone)]
pub struct PeriodEvaluation {
    pub indicator_id: i64,
    /// The period asked for.
    pub period: Period,
    /// The indicator's own period it was rated on (SPEC §4.2, other granularities).
    pub rated_period: Period,
    pub actual: Option<f64>,
    pub target: Option<f64>,
    pub target_is_pro_rata: bool,
    pub status: IndicatorStatus,
    pub previous_status: Option<IndicatorStatus>,
    pub trend: Trend,
    pub direction: Option<Direction>,
    pub comparison_value: Option<f64>,
    pub commentary: Option<String>,
    pub no_value_reason: Option<String>,
    pub due_date: NaiveDate,
    pub extended: bool,
    /// 0 when nothing has been recorded yet.
    pub version: i32,
    pub entered_by: Option<i64>,
    pub entered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completeness: Completeness,
}

/// Rows loaded for a batch of results, keyed by (indicator id, period text).
#[derive(Default)]
pub struct EvaluationInputs {
    measurements: HashMap<(i64, String), measurement::Model>,
    targets: HashMap<(i64, String), f64>,
    extensions: HashMap<(i64, String), NaiveDate>,
}

impl EvaluationInputs {
    /// Loads the measurements, targets and extensions for these (indicator, period) pairs:
    /// three statements per thousand indicators.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        settings: &OrganisationSettings,
        asked: &[(&indicator::Model, Period)],
    ) -> Result<Self, StoreError> {
        let fy = settings.fy_start;
        let mut ids = HashSet::new();
        let mut periods = HashSet::new();
        for (row, period) in asked {
            let rules = IndicatorRules::of(row)?;
            let needed = Needed::of(&rules, period, settings);
            ids.insert(row.id);
            for p in [needed.rated, needed.previous, needed.comparison] {
                periods.insert(p.to_string());
                periods.insert(p.financial_year(fy).to_string());
            }
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let periods: Vec<String> = periods.into_iter().collect();
        let mut inputs = Self::default();
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let rows = measurement::Entity::find()
                .filter(measurement::Column::OrganisationId.eq(settings.id))
                .filter(measurement::Column::IndicatorId.is_in(chunk.iter().copied()))
                .filter(measurement::Column::Period.is_in(periods.iter().cloned()))
                .all(db)
                .await?;
            for m in rows {
                inputs
                    .measurements
                    .insert((m.indicator_id, m.period.clone()), m);
            }
            let rows = target::Entity::find()
                .filter(target::Column::OrganisationId.eq(settings.id))
                .filter(target::Column::IndicatorId.is_in(chunk.iter().copied()))
                .filter(target::Column::Period.is_in(periods.iter().cloned()))
                .all(db)
                .await?;
            for t in rows {
                inputs.targets.insert((t.indicator_id, t.period), t.value);
            }
            let rows = deadline_extension::Entity::find()
                .filter(deadline_extension::Column::OrganisationId.eq(settings.id))
                .filter(deadline_extension::Column::IndicatorId.is_in(chunk.iter().copied()))
                .filter(deadline_extension::Column::Period.is_in(periods.iter().cloned()))
                .all(db)
                .await?;
            for e in rows {
                if let Some(id) = e.indicator_id {
                    inputs.extensions.insert((id, e.period), e.due_date);
                }
            }
        }
        Ok(inputs)
    }

    fn value(&self, id: i64, period: &Period) -> Option<f64> {
        self.measurements
            .get(&(id, period.to_string()))
            .and_then(|m| m.value)
    }

    fn target(
        &self,
        id: i64,
        rules: &IndicatorRules,
        period: &Period,
        settings: &OrganisationSettings,
    ) -> Option<pmf_core::ResolvedTarget> {
        let fy = settings.fy_start;
        let profile = self.targets.get(&(id, period.to_string())).copied();
        let annual = self
            .targets
            .get(&(id, period.financial_year(fy).to_string()))
            .copied();
        pmf_core::target_for_period(period, rules.cumulative, profile, annual, fy)
    }

    /// Applies the rules to one (indicator, period) whose rows were loaded.
    pub fn evaluate(
        &self,
        row: &indicator::Model,
        asked: Period,
        settings: &OrganisationSettings,
    ) -> Result<PeriodEvaluation, StoreError> {
        let fy = settings.fy_start;
        let rules = IndicatorRules::of(row)?;
        let needed = Needed::of(&rules, &asked, settings);
        let measurement = self.measurements.get(&(row.id, needed.rated.to_string()));
        let actual = measurement.and_then(|m| m.value);
        let target = self.target(row.id, &rules, &needed.rated, settings);
        let status = pmf_core::indicator_status(&rules.rule, actual, target.map(|t| t.value));
        let previous_status = self
            .measurements
            .get(&(row.id, needed.previous.to_string()))
            .map(|m| {
                let t = self.target(row.id, &rules, &needed.previous, settings);
                pmf_core::indicator_status(&rules.rule, m.value, t.map(|t| t.value))
            });
        let comparison_value = self.value(row.id, &needed.comparison);
        let (trend, direction) = pmf_core::trend(rules.rule.polarity, actual, comparison_value);
        let commentary = measurement.and_then(|m| m.commentary.clone());
        let extension = self
            .extensions
            .get(&(row.id, needed.rated.to_string()))
            .copied();
        let due_date = extension
            .unwrap_or_else(|| pmf_core::due_date(&needed.rated, settings.deadline_day, fy));
        Ok(PeriodEvaluation {
            indicator_id: row.id,
            period: asked,
            rated_period: needed.rated,
            actual,
            target: target.map(|t| t.value),
            target_is_pro_rata: target.is_some_and(|t| t.is_pro_rata()),
            status,
            previous_status,
            trend,
            direction,
            comparison_value,
            completeness: pmf_core::completeness(
                actual.is_some(),
                commentary.as_deref(),
                status,
                trend,
            ),
            commentary,
            no_value_reason: measurement.and_then(|m| m.no_value_reason.clone()),
            due_date,
            extended: extension.is_some(),
            version: measurement.map_or(0, |m| m.version),
            entered_by: measurement.and_then(|m| m.entered_by),
            entered_at: measurement.map(|m| m.entered_at),
        })
    }
}

/// Loads and evaluates a batch in one go.
pub async fn evaluate_many<C: ConnectionTrait>(
    db: &C,
    settings: &OrganisationSettings,
    asked: &[(&indicator::Model, Period)],
) -> Result<Vec<PeriodEvaluation>, StoreError> {
    let inputs = EvaluationInputs::load(db, settings, asked).await?;
    asked
        .iter()
        .map(|(row, period)| inputs.evaluate(row, *period, settings))
        .collect()
}
