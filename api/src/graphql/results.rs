//! An indicator's result for a period (`result`, `series`), the read-ahead that loads a
//! dashboard's results in one batch, and recording a value.
use std::{collections::HashSet, sync::Arc};

use async_graphql::{Context, ID, InputObject, Object};
use pmf_core::{Completeness, Period};
use pmf_store::{
    entity::indicator,
    indicators::{
        self,
        measurements::{self, MeasurementChange},
    },
    kept_results::KeptSet,
    results::PeriodEvaluation,
};
use rustc_hash::FxHashMap;

use super::{
    authorise::require_owner_write,
    benchmarking::BenchmarkPositionObj,
    context::{begin, loader, request, scope},
    enums::{Direction, IndicatorStatus, Trend},
    indicators::IndicatorObj,
    input::{self, MAX_TEXT, optional_text},
    loaders::{BenchmarkKey, ResultKey},
    people::{UserObj, load_user},
    scalars::{Date, DateTime},
};
use crate::{
    error::{GqlResult, gql},
    links,
};

/// One indicator in one period.
pub struct PeriodResult {
    pub indicator: Arc<indicator::Model>,
    pub evaluation: Arc<PeriodEvaluation>,
}

/// `VALUE` or `COMMENTARY` when a result is incomplete.
pub fn missing(completeness: Completeness) -> Option<&'static str> {
    match completeness {
        Completeness::Complete => None,
        Completeness::MissingValue => Some("VALUE"),
        Completeness::MissingCommentary => Some("COMMENTARY"),
    }
}

/// An indicator's result for a period, through the request's loader.
pub async fn load_result(
    ctx: &Context<'_>,
    indicator: &Arc<indicator::Model>,
    period: Period,
) -> GqlResult<PeriodResult> {
    let evaluation = loader(ctx)?
        .load_one(ResultKey(indicator.id, period))
        .await?
        .ok_or_else(|| gql::not_found("indicator", indicator.id))?;
    Ok(PeriodResult {
        indicator: indicator.clone(),
        evaluation,
    })
}

/// An indicator's results for every period from `from` to `to`.
pub async fn load_series(
    ctx: &Context<'_>,
    row: &Arc<indicator::Model>,
    from: Period,
    to: Period,
) -> GqlResult<Vec<PeriodResult>> {
    let fy = scope(ctx)?.org.fy_start;
    let periods = Period::range(from, to, fy).map_err(|e| gql::bad_input(e.to_string()))?;
    let keys: Vec<ResultKey> = periods.iter().map(|p| ResultKey(row.id, *p)).collect();
    let mut found = loader(ctx)?.load_many(keys.iter().copied()).await?;
    let indicator = row.clone();
    keys.iter()
        .map(|k| {
            found
                .remove(k)
                .map(|evaluation| PeriodResult {
                    indicator: indicator.clone(),
                    evaluation,
                })
                .ok_or_else(|| gql::not_found("indicator", row.id))
        })
        .collect()
}

/// A period argument of a field read ahead in the query, when it is a valid period.
fn period_argument(
    args: &[(async_graphql::Name, async_graphql::Value)],
    name: &str,
) -> Option<Period> {
    args.iter()
        .find(|(n, _)| n.as_str() == name)
        .and_then(|(_, v)| match v {
            async_graphql::Value::String(s) => Period::parse(s).ok(),
            _ => None,
        })
}

/// An indicator's benchmark for a period, through the request's loader.
pub async fn load_benchmark(
    ctx: &Context<'_>,
    indicator: &indicator::Model,
    period: Period,
) -> GqlResult<Option<BenchmarkPositionObj>> {
    if indicator.benchmark_metric.is_none() {
        return Ok(None);
    }
    let org = &scope(ctx)?.org;
    Ok(loader(ctx)?
        .load_one(BenchmarkKey(indicator.id, period))
        .await?
        .map(|benchmark| BenchmarkPositionObj {
            benchmark,
            own_area: org.area_code.clone(),
            own_name: org.name.clone(),
        }))
}

/// The results read ahead for a list of indicators, by (indicator, period): each
/// indicator's kept set, shared with the kept results, and those rated for this request.
#[derive(Default)]
pub struct ReadAhead {
    kept: FxHashMap<i64, Arc<KeptSet>>,
    rated: FxHashMap<ResultKey, Arc<PeriodEvaluation>>,
}

impl ReadAhead {
    pub fn get(&self, key: &ResultKey) -> Option<&Arc<PeriodEvaluation>> {
        self.rated
            .get(key)
            .or_else(|| self.kept.get(&key.0)?.get(&key.1))
    }
}

/// Loads at once the results the selection under these indicators is going to ask for
/// (`result(period:)` and `series(from:, to:)`, read ahead in the query), and returns them:
/// the indicators' own resolvers find them in the request's cache, and a list built whole
/// (`IndicatorList`) takes them from the answer. Without this, the DataLoader cuts its
/// batches by time (whatever keys arrive within its delay of the first): with hundreds of
/// indicators resolving on a multi-threaded runtime, one dashboard became several batches,
/// each reading the indicators and their values again. Those kept
/// (`pmf_store::kept_results`) are taken from there, without the DataLoader's batch and
/// cache (an indicator's own resolver that asks again finds them kept too), and only the
/// others are loaded: after one value is recorded, one indicator's. Only a
/// shortcut: anything it does not cover (a bad argument, an error) is loaded, or reported,
/// by the field itself.
pub async fn prefetch_results(
    ctx: &Context<'_>,
    rows: &[Arc<indicator::Model>],
) -> GqlResult<ReadAhead> {
    if rows.is_empty() {
        return Ok(ReadAhead::default());
    }
    let fy = scope(ctx)?.org.fy_start;
    let ahead = ctx.look_ahead();
    let mut periods = HashSet::new();
    for field in ahead.field("result").selection_fields() {
        if let Some(p) = field
            .arguments()
            .ok()
            .and_then(|a| period_argument(&a, "period"))
        {
            periods.insert(p);
        }
    }
    for field in ahead.field("series").selection_fields() {
        let Ok(args) = field.arguments() else {
            continue;
        };
        if let (Some(from), Some(to)) =
            (period_argument(&args, "from"), period_argument(&args, "to"))
            && let Ok(range) = Period::range(from, to, fy)
        {
            periods.extend(range);
        }
    }
    if periods.is_empty() {
        return Ok(ReadAhead::default());
    }
    let loader = loader(ctx)?;
    let org = loader.loader();
    let mut read_ahead = ReadAhead::default();
    let mut keys: Vec<ResultKey> = Vec::new();
    match &org.kept_results {
        // The kept ones taken straight from there; only the others through the DataLoader.
        Some(kept) => {
            let periods: Vec<Period> = periods.into_iter().collect();
            let asked: Vec<&indicator::Model> = rows.iter().map(|r| &**r).collect();
            for (row, set) in asked.iter().zip(kept.find_sets(&org.org, &asked, &periods)) {
                for period in &periods {
                    if !set.as_ref().is_some_and(|s| s.contains_key(period)) {
                        keys.push(ResultKey(row.id, *period));
                    }
                }
                if let Some(set) = set {
                    read_ahead.kept.insert(row.id, set);
                }
            }
        }
        None => {
            keys = rows
                .iter()
                .flat_map(|r| periods.iter().map(move |p| ResultKey(r.id, *p)))
                .collect();
        }
    }
    if !keys.is_empty() {
        // Errors are left for the fields themselves to meet and report.
        read_ahead
            .rated
            .extend(loader.load_many(keys).await.unwrap_or_default());
    }
    Ok(read_ahead)
}

#[Object]
impl PeriodResult {
    async fn indicator(&self) -> IndicatorObj {
        IndicatorObj(self.indicator.clone())
    }
    /// The period asked for.
    async fn period(&self) -> String {
        self.evaluation.period.to_string()
    }
    /// The indicator's own period the result was rated on (a monthly indicator asked for a
    /// quarter is rated on the quarter's last month).
    async fn rated_period(&self) -> String {
        self.evaluation.rated_period.to_string()
    }
    async fn actual(&self) -> Option<f64> {
        self.evaluation.actual
    }
    async fn target(&self) -> Option<f64> {
        self.evaluation.target
    }
    /// The annual target pro-rata to the share of the year elapsed (cumulative indicators).
    async fn target_is_pro_rata(&self) -> bool {
        self.evaluation.target_is_pro_rata
    }
    async fn status(&self) -> IndicatorStatus {
        self.evaluation.status.into()
    }
    /// The previous period's status, for "G → R"; null when nothing was recorded for it.
    async fn previous_status(&self) -> Option<IndicatorStatus> {
        self.evaluation.previous_status.map(Into::into)
    }
    async fn trend(&self) -> Trend {
        self.evaluation.trend.into()
    }
    /// The raw direction of the value against the comparison period.
    async fn direction(&self) -> Option<Direction> {
        self.evaluation.direction.map(Into::into)
    }
    /// The value it was compared with: the previous period, or for a cumulative indicator
    /// the same period last year.
    async fn comparison_value(&self) -> Option<f64> {
        self.evaluation.comparison_value
    }
    async fn commentary(&self) -> Option<&str> {
        self.evaluation.commentary.as_deref()
    }
    /// Why there is no value yet, when one was recorded instead of a value.
    async fn no_value_reason(&self) -> Option<&str> {
        self.evaluation.no_value_reason.as_deref()
    }
    async fn due_date(&self) -> Date {
        Date(self.evaluation.due_date)
    }
    /// Whether a deadline extension moved the due date.
    async fn extended(&self) -> bool {
        self.evaluation.extended
    }
    /// Complete: a value, and commentary where the rules require it (docs/rules.md §9).
    async fn complete(&self) -> bool {
        self.evaluation.completeness == Completeness::Complete
    }
    /// VALUE or COMMENTARY when incomplete.
    async fn missing(&self) -> Option<&'static str> {
        missing(self.evaluation.completeness)
    }
    /// 0 until something is recorded; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.evaluation.version
    }
    async fn entered_by(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.evaluation.entered_by).await
    }
    async fn entered_at(&self) -> Option<DateTime> {
        self.evaluation.entered_at.map(DateTime)
    }
    /// Where the council's value stands among its comparator group (null: the indicator
    /// names no metric or has no group, no value is recorded for the comparator period,
    /// fewer than 4 values in all, or its polarity is NEUTRAL). When the comparator data
    /// lags, its latest period at or before this one is used (`benchmark.period`).
    async fn benchmark(&self, ctx: &Context<'_>) -> GqlResult<Option<BenchmarkPositionObj>> {
        load_benchmark(ctx, &self.indicator, self.evaluation.period).await
    }
    /// Link to the indicator on the dashboard.
    async fn url(&self, ctx: &Context<'_>) -> String {
        links::indicator_url(&request(ctx).public_url, self.indicator.id)
    }
}

#[derive(InputObject)]
pub struct RecordMeasurementInput {
    pub indicator_id: ID,
    pub period: String,
    pub value: Option<f64>,
    pub commentary: Option<String>,
    /// optimistic concurrency: the version the client last saw; a stale one gives CONFLICT
    pub expected_version: Option<i32>,
    /// Why there is no value yet, when `value` is null.
    pub no_value_reason: Option<String>,
}

#[derive(Default)]
pub struct ResultMutations;

#[Object]
impl ResultMutations {
    /// Records (or corrects) an indicator's value and commentary for one of its periods.
    async fn record_measurement(
        &self,
        ctx: &Context<'_>,
        input: RecordMeasurementInput,
    ) -> GqlResult<PeriodResult> {
        let org = scope(ctx)?.org.clone();
        let id = input::id(&input.indicator_id, "indicator")?;
        let row = indicators::indicator(&request(ctx).db.conn, org.id, id).await?;
        require_owner_write(ctx, row.owner_id, "indicator").await?;
        let period = input::period(&input.period)?;
        let value = input.value.map(|v| input::finite("value", v)).transpose()?;
        let commentary = optional_text("commentary", input.commentary.as_deref(), MAX_TEXT)?;
        let no_value_reason = match value {
            Some(_) => None,
            None => optional_text("noValueReason", input.no_value_reason.as_deref(), MAX_TEXT)?,
        };
        if input.expected_version.is_some_and(|v| v < 0) {
            return Err(gql::bad_input("expectedVersion cannot be negative"));
        }
        let change = MeasurementChange {
            value,
            commentary,
            no_value_reason,
            expected_version: input.expected_version,
        };
        let links = pmf_mail::Links::new(&request(ctx).public_url);
        let uow = begin(ctx).await?;
        let recorded = measurements::record(&uow, &org, &links, &row, period, change).await?;
        uow.commit().await?;
        Ok(PeriodResult {
            indicator: Arc::new(row),
            evaluation: Arc::new(recorded.after),
        })
    }
}
