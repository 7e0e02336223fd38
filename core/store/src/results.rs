//! An indicator's result for a period: the rules of docs/rules.md §3–9 applied to what is stored.
//!
//! One implementation, used by the API (through a DataLoader), the report, the worker's
//! reminder sweep and the exception alerts. It reads with a fixed number of statements,
//! whatever the number of indicators and periods asked for.
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::NaiveDate;
use pmf_core::{
    Completeness, Direction, Frequency, FyStart, IndicatorStatus, Period, RatingRule,
    RatingSettings, Trend,
};
use rustc_hash::FxHashMap;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::{
    OrganisationSettings, StoreError, Stored,
    entity::{deadline_extension, indicator, measurement, target},
    kept_results::KeptResults,
};

pub use crate::scoped::IN_LIST_CHUNK;

/// The most periods a batch's targets are read by name (`period IN (…)`); beyond, every
/// target of the batch's indicators is read.
const MAX_TARGET_PERIODS: usize = 100;

/// An indicator row with its enum-like columns parsed.
#[derive(Debug, Clone)]
pub struct IndicatorRules {
    pub frequency: Frequency,
    pub cumulative: bool,
    pub rule: RatingRule,
}

impl IndicatorRules {
    /// The rules of one indicator of a council rating with `rating`.
    pub fn of(row: &indicator::Model, rating: &RatingSettings) -> Result<Self, StoreError> {
        Ok(Self {
            frequency: *row.frequency,
            cumulative: row.cumulative,
            rule: rating.rule(row.monitor_only, *row.polarity, Some(row.tolerance()?)),
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
    /// The indicator's own period it was rated on (docs/rules.md §4, other granularities).
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

/// The columns of a stored value that a result reads.
#[derive(Debug, Clone)]
struct StoredValue {
    value: Option<f64>,
    no_value_reason: Option<String>,
    commentary: Option<String>,
    entered_by: Option<i64>,
    entered_at: chrono::DateTime<chrono::Utc>,
    version: i32,
}

/// The columns [`StoredValue`] is read from, in `select` order, after the indicator and the
/// period.
type StoredRow = (
    i64,
    Stored<Period>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    chrono::DateTime<chrono::Utc>,
    i32,
);

/// Rows loaded for a batch of results, keyed by (indicator id, period). The maps hash with
/// Fx, not SipHash: their keys are the council's own ids and periods, and a dashboard looks
/// them up tens of thousands of times.
#[derive(Default)]
pub struct EvaluationInputs {
    measurements: FxHashMap<(i64, Period), StoredValue>,
    targets: FxHashMap<(i64, Period), f64>,
    extensions: FxHashMap<(i64, Period), NaiveDate>,
}

/// Which rows to read: each part is a set of indicators and the span of period ends that
/// holds every period they need. Indicators are grouped by frequency and cumulative flag (the
/// things that decide which periods a result reads), so a dashboard does not read last year's
/// values of indicators that never compare with them; each statement names at most
/// `IN_LIST_CHUNK` indicators.
///
/// Values are read by span (`indicator_id IN (…) AND period_end BETWEEN …`, one range of the
/// `(indicator_id, period_end)` index per indicator), not by `period IN (…)`: with both lists,
/// PostgreSQL descends the index once per (indicator, period) pair, which for a sweep over
/// three years of 500 indicators is ten thousand descents a council where 500 ranges do.
fn statement_parts(
    wanted: HashMap<(Frequency, bool), (Vec<i64>, HashSet<Period>)>,
    fy: FyStart,
) -> Vec<Vec<Part>> {
    let mut statements: Vec<Vec<Part>> = Vec::new();
    let mut room = 0;
    for (_, (ids, periods)) in wanted {
        let ends = periods.iter().map(|p| p.end_date(fy));
        let (Some(first), Some(last)) = (ends.clone().min(), ends.max()) else {
            continue;
        };
        let mut rest = &ids[..];
        while !rest.is_empty() {
            if room == 0 {
                statements.push(Vec::new());
                room = IN_LIST_CHUNK;
            }
            let take = rest.len().min(room);
            if let Some(statement) = statements.last_mut() {
                statement.push(Part {
                    ids: rest[..take].to_vec(),
                    ends: (first, last),
                });
            }
            rest = &rest[take..];
            room -= take;
        }
    }
    statements
}

/// Indicators whose rows are read together, and the span of period ends they need.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    ids: Vec<i64>,
    ends: (NaiveDate, NaiveDate),
}

/// The measurements of `parts`: every value of each part's indicators whose period ends
/// inside the part's span (a few more than needed; those are never looked up).
fn values_of(parts: &[Part]) -> Condition {
    parts.iter().fold(Condition::any(), |any, part| {
        any.add(
            Condition::all()
                .add(measurement::Column::IndicatorId.is_in(part.ids.iter().copied()))
                .add(measurement::Column::PeriodEnd.between(part.ends.0, part.ends.1)),
        )
    })
}

/// Every row of these indicators (targets and extensions: a handful each).
fn indicators_of<C: ColumnTrait>(indicator: C, parts: &[Part]) -> Condition {
    Condition::all().add(indicator.is_in(parts.iter().flat_map(|p| p.ids.iter().copied())))
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
        let mut wanted: HashMap<(Frequency, bool), (Vec<i64>, HashSet<Period>)> = HashMap::new();
        let mut seen = HashSet::new();
        // Every period a target is looked up for (a superset: the rated, previous and
        // comparison periods and their financial years).
        let mut target_periods = HashSet::new();
        for (row, period) in asked {
            let rules = IndicatorRules::of(row, &settings.rating)?;
            let needed = Needed::of(&rules, period, settings);
            let (ids, periods) = wanted
                .entry((rules.frequency, rules.cumulative))
                .or_default();
            if seen.insert(row.id) {
                ids.push(row.id);
            }
            for p in [needed.rated, needed.previous, needed.comparison] {
                periods.insert(p);
                periods.insert(p.financial_year(fy));
                target_periods.insert(p);
                target_periods.insert(p.financial_year(fy));
            }
        }
        // Only the targets of those periods (a dashboard's handful of months and its year,
        // not every year an indicator has a target for), unless they are too many to name.
        let target_periods: Option<Vec<Stored<Period>>> = (target_periods.len()
            <= MAX_TARGET_PERIODS)
            .then(|| target_periods.into_iter().map(Stored).collect());
        let mut inputs = Self::default();
        for parts in statement_parts(wanted, fy) {
            let rows = measurement::Entity::find()
                .select_only()
                .columns([
                    measurement::Column::IndicatorId,
                    measurement::Column::Period,
                    measurement::Column::Value,
                    measurement::Column::NoValueReason,
                    measurement::Column::Commentary,
                    measurement::Column::EnteredBy,
                    measurement::Column::EnteredAt,
                    measurement::Column::Version,
                ])
                .filter(measurement::Column::OrganisationId.eq(settings.id))
                .filter(values_of(&parts))
                // A tuple is read by column position: cheaper than by name, row after row.
                .into_tuple::<StoredRow>()
                .all(db)
                .await?;
            for (id, period, value, no_value_reason, commentary, entered_by, entered_at, version) in
                rows
            {
                let m = StoredValue {
                    value,
                    no_value_reason,
                    commentary,
                    entered_by,
                    entered_at,
                    version,
                };
                inputs.measurements.insert((id, *period), m);
            }
            let mut targets = target::Entity::find()
                .select_only()
                .columns([
                    target::Column::IndicatorId,
                    target::Column::Period,
                    target::Column::Value,
                ])
                .filter(target::Column::OrganisationId.eq(settings.id))
                .filter(indicators_of(target::Column::IndicatorId, &parts));
            if let Some(periods) = &target_periods {
                targets = targets.filter(target::Column::Period.is_in(periods.iter().cloned()));
            }
            let rows: Vec<(i64, Stored<Period>, f64)> = targets.into_tuple().all(db).await?;
            for (id, period, value) in rows {
                inputs.targets.insert((id, *period), value);
            }
            let rows = deadline_extension::Entity::find()
                .filter(deadline_extension::Column::OrganisationId.eq(settings.id))
                .filter(indicators_of(
                    deadline_extension::Column::IndicatorId,
                    &parts,
                ))
                .all(db)
                .await?;
            for e in rows {
                if let Some(id) = e.indicator_id {
                    inputs.extensions.insert((id, *e.period), e.due_date);
                }
            }
        }
        Ok(inputs)
    }

    fn value(&self, id: i64, period: &Period) -> Option<f64> {
        self.measurements.get(&(id, *period)).and_then(|m| m.value)
    }

    fn target(
        &self,
        id: i64,
        rules: &IndicatorRules,
        period: &Period,
        settings: &OrganisationSettings,
    ) -> Option<pmf_core::ResolvedTarget> {
        let fy = settings.fy_start;
        let profile = self.targets.get(&(id, *period)).copied();
        let annual = self.targets.get(&(id, period.financial_year(fy))).copied();
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
        let rules = IndicatorRules::of(row, &settings.rating)?;
        let needed = Needed::of(&rules, &asked, settings);
        let measurement = self.measurements.get(&(row.id, needed.rated));
        let actual = measurement.and_then(|m| m.value);
        let target = self.target(row.id, &rules, &needed.rated, settings);
        let status = pmf_core::indicator_status(&rules.rule, actual, target.map(|t| t.value));
        let previous_status = self.measurements.get(&(row.id, needed.previous)).map(|m| {
            let t = self.target(row.id, &rules, &needed.previous, settings);
            pmf_core::indicator_status(&rules.rule, m.value, t.map(|t| t.value))
        });
        let comparison_value = self.value(row.id, &needed.comparison);
        let (trend, direction) = pmf_core::trend(rules.rule.polarity, actual, comparison_value);
        let commentary = measurement.and_then(|m| m.commentary.clone());
        let extension = self.extensions.get(&(row.id, needed.rated)).copied();
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

/// What an officer is about to record for one of an indicator's own periods: the value (or
/// none) and the commentary.
#[derive(Debug, Clone, Default)]
pub struct ProposedValue {
    pub value: Option<f64>,
    pub commentary: Option<String>,
}

/// The result `row` would have for `period` with `proposed` recorded, by the same rules as
/// a recorded value (status, trend, whether commentary is needed); nothing is saved. Who
/// entered it, when and its version stay those of the value stored now, if any.
pub async fn preview<C: ConnectionTrait>(
    db: &C,
    settings: &OrganisationSettings,
    row: &indicator::Model,
    period: Period,
    proposed: ProposedValue,
) -> Result<PeriodEvaluation, StoreError> {
    let mut inputs = EvaluationInputs::load(db, settings, &[(row, period)]).await?;
    let rules = IndicatorRules::of(row, &settings.rating)?;
    let rated = Needed::of(&rules, &period, settings).rated;
    let stored = inputs.measurements.get(&(row.id, rated)).cloned();
    inputs.measurements.insert(
        (row.id, rated),
        StoredValue {
            value: proposed.value,
            no_value_reason: None,
            commentary: proposed.commentary,
            entered_by: stored.as_ref().and_then(|m| m.entered_by),
            entered_at: stored
                .as_ref()
                .map_or(chrono::DateTime::UNIX_EPOCH, |m| m.entered_at),
            version: stored.as_ref().map_or(0, |m| m.version),
        },
    );
    let mut evaluation = inputs.evaluate(row, period, settings)?;
    if stored.is_none() {
        evaluation.entered_at = None;
    }
    Ok(evaluation)
}

/// These indicators of the council, whoever asks (for their results), in statements of at
/// most [`IN_LIST_CHUNK`] ids.
async fn indicator_rows(
    db: &impl ConnectionTrait,
    org: i64,
    ids: &[i64],
) -> Result<Vec<indicator::Model>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        out.extend(
            crate::scoped::rows_in::<indicator::Entity>(
                org,
                indicator::Column::Id,
                chunk.iter().copied(),
            )
            .all(db)
            .await?,
        );
    }
    Ok(out)
}

/// The results of these (indicator id, period) pairs, whoever asks: the indicators' rows
/// in statements of at most [`IN_LIST_CHUNK`] ids, then [`EvaluationInputs`]. Ids that name
/// no indicator of the council have no result.
pub async fn evaluate_ids<C: ConnectionTrait>(
    db: &C,
    settings: &OrganisationSettings,
    keys: &[(i64, Period)],
) -> Result<Vec<Arc<PeriodEvaluation>>, StoreError> {
    evaluate_ids_knowing(db, settings, keys, &HashMap::new(), None).await
}

/// [`evaluate_ids`] when the rows of some of the indicators were already read (by the same
/// request, from the same council, before anything else it rates them from): only the
/// others are read. With `kept`, results rated from the same results version are taken
/// from there, only the others are read and rated, and those are kept
/// ([`crate::kept_results`]); when every result is kept, nothing but the unknown indicators'
/// rows is read.
pub async fn evaluate_ids_knowing<C: ConnectionTrait>(
    db: &C,
    settings: &OrganisationSettings,
    keys: &[(i64, Period)],
    known: &HashMap<i64, Arc<indicator::Model>>,
    kept: Option<&KeptResults>,
) -> Result<Vec<Arc<PeriodEvaluation>>, StoreError> {
    let mut ids: Vec<i64> = keys
        .iter()
        .map(|k| k.0)
        .filter(|id| !known.contains_key(id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let read: HashMap<i64, indicator::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        indicator_rows(db, settings.id, &ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect()
    };
    let asked: Vec<(&indicator::Model, Period)> = keys
        .iter()
        .filter_map(|k| {
            known
                .get(&k.0)
                .map(|i| &**i)
                .or_else(|| read.get(&k.0))
                .map(|i| (i, k.1))
        })
        .collect();
    let Some(kept) = kept else {
        let inputs = EvaluationInputs::load(db, settings, &asked).await?;
        return asked
            .iter()
            .map(|(row, period)| inputs.evaluate(row, *period, settings).map(Arc::new))
            .collect();
    };
    let mut found = kept.find(settings, &asked);
    let missing: Vec<(&indicator::Model, Period)> = asked
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(a, _)| *a)
        .collect();
    if !missing.is_empty() {
        let inputs = EvaluationInputs::load(db, settings, &missing).await?;
        let rated = missing
            .iter()
            .map(|(row, period)| Ok((*row, Arc::new(inputs.evaluate(row, *period, settings)?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        kept.keep(settings, &rated);
        let mut rated = rated.into_iter().map(|(_, e)| e);
        for slot in found.iter_mut().filter(|f| f.is_none()) {
            *slot = rated.next();
        }
    }
    Ok(found.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        Period::parse(s).expect("a period")
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    #[test]
    fn statements_name_at_most_a_chunk_of_indicators_each() {
        let mut wanted = HashMap::new();
        wanted.insert(
            (Frequency::Monthly, false),
            (
                (0..1500).collect::<Vec<i64>>(),
                HashSet::from([p("2025-06"), p("2025-05")]),
            ),
        );
        wanted.insert(
            (Frequency::Monthly, true),
            (
                (2000..2700).collect::<Vec<i64>>(),
                HashSet::from([p("2025-06"), p("2024-06")]),
            ),
        );
        let statements = statement_parts(wanted, FyStart::default());
        assert_eq!(
            statements.len(),
            3,
            "2,200 indicators in statements of at most 1,000"
        );
        let mut seen: Vec<i64> = Vec::new();
        for parts in &statements {
            assert!(parts.iter().map(|part| part.ids.len()).sum::<usize>() <= IN_LIST_CHUNK);
            for part in parts {
                // The span runs from the earliest period's end to the latest's.
                let expected = if part.ids[0] < 2000 {
                    (d(2025, 5, 31), d(2025, 6, 30))
                } else {
                    (d(2024, 6, 30), d(2025, 6, 30))
                };
                assert_eq!(part.ends, expected);
                seen.extend(&part.ids);
            }
        }
        seen.sort_unstable();
        let expected: Vec<i64> = (0..1500).chain(2000..2700).collect();
        assert_eq!(seen, expected, "every indicator exactly once");
        assert!(statement_parts(HashMap::new(), FyStart::default()).is_empty());
    }
}
