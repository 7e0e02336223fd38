//! Indicators: their definitions and lifecycle, targets, and the `indicator` and
//! `indicators` queries.
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use pmf_core::{Lifecycle as CoreLifecycle, Tolerance};
use pmf_store::{
    entity::indicator,
    indicators::{
        self, IndicatorChange, IndicatorQuery, NewIndicator,
        targets::{self, TargetEntry},
    },
};

use super::{
    authorise::{ADMIN, PROPOSERS, SENIOR, is_admin, require_role},
    benchmarking::{ComparatorGroupObj, load_group},
    context::{begin, loader, request, scope},
    cost,
    enums::{
        Frequency, IndicatorLevel, IndicatorStatus, IndicatorType, Lifecycle, Polarity, Unit, face,
    },
    input::{
        self, Form, MAX_REF, MAX_TEXT, MAX_TITLE, clearable_period, clearable_text, optional_text,
        required_text,
    },
    loaders::{BenchmarkKey, IndicatorKey, ResultKey},
    pagination::{Page, PageInfo, page_size, status_period},
    people::{UserObj, load_user},
    plans::{PriorityObj, load_priority},
    result_values::{ResultValue, SeriesValue},
    results::{load_result, load_series},
    scalars::DateTime,
};
use crate::error::{GqlResult, gql};

/// An indicator, when the caller may see it.
pub async fn load_indicator(ctx: &Context<'_>, id: i64) -> GqlResult<Option<IndicatorObj>> {
    Ok(loader(ctx)?
        .load_one(IndicatorKey(id))
        .await?
        .map(IndicatorObj::from))
}

pub struct IndicatorObj(pub Arc<indicator::Model>);

impl From<indicator::Model> for IndicatorObj {
    fn from(row: indicator::Model) -> Self {
        Self(Arc::new(row))
    }
}

impl IndicatorObj {
    fn tolerance(&self) -> GqlResult<Tolerance> {
        Ok(self.0.tolerance()?)
    }
}

#[Object(name = "Indicator")]
impl IndicatorObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    #[graphql(name = "ref")]
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn definition(&self) -> Option<&str> {
        self.0.definition.as_deref()
    }
    async fn priority(&self, ctx: &Context<'_>) -> GqlResult<Option<PriorityObj>> {
        load_priority(ctx, self.0.priority_id).await
    }
    /// The data owner.
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.owner_id).await
    }
    async fn level(&self) -> IndicatorLevel {
        face(&self.0.level)
    }
    #[graphql(name = "type")]
    async fn indicator_type(&self) -> IndicatorType {
        face(&self.0.indicator_type)
    }
    async fn unit(&self) -> Unit {
        face(&self.0.unit)
    }
    async fn decimals(&self) -> i32 {
        self.0.decimals as i32
    }
    async fn polarity(&self) -> Polarity {
        face(&self.0.polarity)
    }
    async fn frequency(&self) -> Frequency {
        face(&self.0.frequency)
    }
    /// Year-to-date values that restart each financial year.
    async fn cumulative(&self) -> bool {
        self.0.cumulative
    }
    async fn monitor_only(&self) -> bool {
        self.0.monitor_only
    }
    /// Tolerance in percent of the target (0 when the tolerance is absolute).
    async fn tolerance_pct(&self) -> GqlResult<f64> {
        let tolerance = self.tolerance()?;
        Ok(if tolerance.is_relative() {
            tolerance.value()
        } else {
            0.0
        })
    }
    /// Tolerance in the indicator's unit, when it is absolute.
    async fn tolerance_absolute(&self) -> GqlResult<Option<f64>> {
        let tolerance = self.tolerance()?;
        Ok((!tolerance.is_relative()).then(|| tolerance.value()))
    }
    async fn data_source(&self) -> Option<&str> {
        self.0.data_source.as_deref()
    }
    async fn information_asset_ref(&self) -> Option<&str> {
        self.0.information_asset_ref.as_deref()
    }
    /// The benchmark data set the indicator is compared with (e.g. an LG Inform metric).
    async fn benchmark_metric(&self) -> Option<&str> {
        self.0.benchmark_metric.as_deref()
    }
    /// The indicator's own comparator group (null: the council's default group).
    async fn comparator_group(&self, ctx: &Context<'_>) -> GqlResult<Option<ComparatorGroupObj>> {
        load_group(ctx, self.0.comparator_group_id).await
    }
    async fn published(&self) -> bool {
        self.0.published
    }
    async fn lifecycle(&self) -> Lifecycle {
        face(&self.0.lifecycle)
    }
    /// The first period a value is expected for, when later than the plan's start.
    async fn first_period(&self) -> Option<String> {
        self.0.first_period.map(|p| p.to_string())
    }
    async fn approved_by(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.approved_by).await
    }
    async fn approved_at(&self) -> Option<DateTime> {
        self.0.approved_at.map(DateTime)
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Actual, target, status and trend for one period (any granularity, docs/rules.md §4).
    async fn result(&self, ctx: &Context<'_>, period: String) -> GqlResult<ResultValue> {
        load_result(ctx, &self.0, input::period(&period)?)
            .await
            .map(ResultValue)
    }
    /// Results for every period from `from` to `to` inclusive (same form, at most 400).
    #[graphql(
        complexity = "cost::list(cost::months_between(&from, &to).min(400), child_complexity)"
    )]
    async fn series(&self, ctx: &Context<'_>, from: String, to: String) -> GqlResult<SeriesValue> {
        load_series(ctx, &self.0, input::period(&from)?, input::period(&to)?)
            .await
            .map(SeriesValue)
    }
    /// Its stored targets: annual ones (financial years), then profile ones (its own
    /// periods), each in period order.
    #[graphql(complexity = "cost::list(200, child_complexity)")]
    async fn targets(&self, ctx: &Context<'_>) -> GqlResult<Vec<TargetObj>> {
        let org = &scope(ctx)?.org;
        Ok(targets::of(&request(ctx).db.conn, org, self.0.id)
            .await?
            .into_iter()
            .map(|t| TargetObj {
                period: t.period.to_string(),
                value: t.value,
            })
            .collect())
    }
    /// Its values and their edits, newest first (at most 500): who, when, before and after.
    #[graphql(complexity = "cost::list(500, child_complexity)")]
    async fn history(&self, ctx: &Context<'_>) -> GqlResult<Vec<super::updates::ValueEdit>> {
        super::updates::history(ctx, self.0.id).await
    }
}

/// A stored target.
#[derive(SimpleObject)]
#[graphql(name = "Target")]
pub struct TargetObj {
    /// A financial year ("2025-26") or one of the indicator's own periods.
    pub period: String,
    pub value: f64,
}

/// One cell of a grid of targets.
#[derive(InputObject)]
pub struct TargetCellInput {
    pub period: String,
    pub value: f64,
}

/// A target refused, and why.
#[derive(SimpleObject)]
pub struct TargetProblem {
    pub period: String,
    pub message: String,
}

/// What `setTargets` did: all of them, or (with problems) none.
#[derive(SimpleObject)]
pub struct TargetGridReport {
    pub ok: bool,
    /// Every refused cell; nothing was saved when there is one.
    pub problems: Vec<TargetProblem>,
    pub indicator: IndicatorObj,
}

#[derive(InputObject, Default)]
pub struct IndicatorFilter {
    pub priority_id: Option<ID>,
    pub owner_id: Option<ID>,
    pub frequency: Option<Frequency>,
    pub level: Option<IndicatorLevel>,
    /// Keep indicators with this status for `statusPeriod` (required with it).
    pub status: Option<IndicatorStatus>,
    pub status_period: Option<String>,
    /// Keep indicators in this benchmark quartile (1 best, 4 worst) for `statusPeriod`
    /// (required with it): `quartile: 4` is everything in the worst quartile.
    pub quartile: Option<i32>,
    /// Words in the reference or title, any case.
    pub search: Option<String>,
    /// ACTIVE unless asked otherwise.
    pub lifecycle: Option<Lifecycle>,
    pub plan_id: Option<ID>,
}

#[derive(SimpleObject)]
pub struct IndicatorEdge {
    pub node: IndicatorObj,
    pub cursor: String,
}

#[derive(SimpleObject)]
pub struct IndicatorConnection {
    pub edges: Vec<IndicatorEdge>,
    pub page_info: PageInfo,
    pub total_count: u32,
}

#[derive(InputObject)]
pub struct CreateIndicatorInput {
    pub priority_id: Option<ID>,
    #[graphql(name = "ref")]
    pub reference: String,
    pub title: String,
    pub owner_id: Option<ID>,
    #[graphql(default_with = "Some(IndicatorLevel::Kpm)")]
    pub level: Option<IndicatorLevel>,
    pub unit: Unit,
    pub polarity: Polarity,
    pub frequency: Frequency,
    #[graphql(default_with = "Some(false)")]
    pub cumulative: Option<bool>,
    #[graphql(default_with = "Some(false)")]
    pub monitor_only: Option<bool>,
    /// Relative tolerance in percent; not given: the council's default tolerance.
    pub tolerance_pct: Option<f64>,
    /// A tolerance in the indicator's unit instead of a percentage.
    pub tolerance_absolute: Option<f64>,
    pub definition: Option<String>,
    #[graphql(name = "type")]
    pub indicator_type: Option<IndicatorType>,
    pub decimals: Option<i32>,
    pub data_source: Option<String>,
    pub information_asset_ref: Option<String>,
    #[graphql(default)]
    pub published: bool,
    pub first_period: Option<String>,
    /// The benchmark data set the indicator is compared with.
    pub benchmark_metric: Option<String>,
    /// Its own comparator group, when not the council's default.
    pub comparator_group_id: Option<ID>,
}

#[derive(InputObject)]
pub struct UpdateIndicatorInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub title: Option<String>,
    pub definition: MaybeUndefined<String>,
    pub priority_id: MaybeUndefined<ID>,
    pub owner_id: MaybeUndefined<ID>,
    pub level: Option<IndicatorLevel>,
    #[graphql(name = "type")]
    pub indicator_type: Option<IndicatorType>,
    pub unit: Option<Unit>,
    pub decimals: Option<i32>,
    pub polarity: Option<Polarity>,
    pub cumulative: Option<bool>,
    pub monitor_only: Option<bool>,
    /// Relative tolerance in percent (clears an absolute one).
    pub tolerance_pct: Option<f64>,
    /// Absolute tolerance in the unit (replaces the percentage).
    pub tolerance_absolute: Option<f64>,
    pub data_source: MaybeUndefined<String>,
    pub information_asset_ref: MaybeUndefined<String>,
    /// Visible on the public portal.
    pub published: Option<bool>,
    /// The first period a value is expected for (null: from the plan's start).
    pub first_period: MaybeUndefined<String>,
    /// The benchmark data set the indicator is compared with (null: none).
    pub benchmark_metric: MaybeUndefined<String>,
    /// Its own comparator group (null: the council's default).
    pub comparator_group_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct SetTargetInput {
    pub indicator_id: ID,
    /// The financial year ("2025-26") for the annual target, or one of the indicator's own
    /// periods for a profile target.
    pub period: String,
    pub value: f64,
}

/// The longest benchmark metric (the column's length).
pub const MAX_BENCHMARK_METRIC: usize = 200;

fn relative(pct: f64) -> GqlResult<Tolerance> {
    Tolerance::relative_pct(pct).map_err(|e| gql::bad_input(format!("tolerancePct: {e}")))
}

/// A tolerance given as a percentage or in the unit (not both); none given: `None`.
fn tolerance(pct: Option<f64>, absolute: Option<f64>) -> GqlResult<Option<Tolerance>> {
    match (pct, absolute) {
        (Some(_), Some(_)) => Err(gql::bad_input(
            "give tolerancePct or toleranceAbsolute, not both",
        )),
        (Some(p), None) => relative(p).map(Some),
        (None, Some(a)) => Tolerance::absolute(a)
            .map(Some)
            .map_err(|e| gql::bad_input(format!("toleranceAbsolute: {e}"))),
        (None, None) => Ok(None),
    }
}

#[derive(Default)]
pub struct IndicatorQueries;

#[Object]
impl IndicatorQueries {
    /// One indicator by id or by reference.
    async fn indicator(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        #[graphql(name = "ref")] reference: Option<String>,
    ) -> GqlResult<Option<IndicatorObj>> {
        let scope = scope(ctx)?;
        let id = match (id, reference) {
            (Some(id), None) => match id.parse::<i64>() {
                Ok(id) => id,
                Err(_) => return Ok(None),
            },
            (None, Some(reference)) => {
                let db = &request(ctx).db.conn;
                match indicators::id_by_reference(db, scope.org.id, reference.trim()).await? {
                    Some(id) => id,
                    None => return Ok(None),
                }
            }
            _ => return Err(gql::bad_input("give exactly one of id and ref")),
        };
        load_indicator(ctx, id).await
    }

    /// Indicators in id order, filtered; status filters evaluate the rules for `statusPeriod`.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        filter: Option<IndicatorFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<IndicatorConnection> {
        let scope = scope(ctx)?;
        let filter = filter.unwrap_or_default();
        page_size(first)?;
        if filter.quartile.is_some() && filter.status_period.is_none() {
            return Err(gql::bad_input(
                "a quartile filter needs statusPeriod, the period to benchmark",
            ));
        }
        if let Some(q) = filter.quartile
            && !(1..=4).contains(&q)
        {
            return Err(gql::bad_input(format!(
                "quartile {q}: give 1 (the best quarter) to 4 (the worst)"
            )));
        }
        let period = status_period(filter.status.is_some(), filter.status_period.as_deref())?;
        let query = IndicatorQuery {
            lifecycle: filter.lifecycle.map_or(CoreLifecycle::Active, Into::into),
            priority_id: input::optional_id(filter.priority_id.as_ref(), "priority")?,
            plan_id: input::optional_id(filter.plan_id.as_ref(), "plan")?,
            owner_id: input::optional_id(filter.owner_id.as_ref(), "user")?,
            frequency: filter.frequency.map(Into::into),
            level: filter.level.map(Into::into),
            search: filter.search,
        };
        let db = &request(ctx).db.conn;
        let mut rows = indicators::list(db, scope.org.id, query, scope.audience()).await?;
        if let (Some(status), Some(period)) = (filter.status, period) {
            let keys: Vec<ResultKey> = rows.iter().map(|r| ResultKey(r.id, period)).collect();
            let results = loader(ctx)?.load_many(keys).await?;
            rows.retain(|r| {
                results
                    .get(&ResultKey(r.id, period))
                    .is_some_and(|e| IndicatorStatus::from(e.status) == status)
            });
        }
        if let (Some(quartile), Some(period)) = (filter.quartile, period) {
            let keys: Vec<BenchmarkKey> = rows
                .iter()
                .filter(|r| r.benchmark_metric.is_some())
                .map(|r| BenchmarkKey(r.id, period))
                .collect();
            let found = loader(ctx)?.load_many(keys).await?;
            rows.retain(|r| {
                found
                    .get(&BenchmarkKey(r.id, period))
                    .is_some_and(|b| i32::from(b.benchmark.position.quartile) == quartile)
            });
        }
        let page = Page::of(rows, |r| r.id, "indicator", first, after.as_deref())?;
        Ok(IndicatorConnection {
            edges: page
                .edges
                .into_iter()
                .map(|(node, cursor)| IndicatorEdge {
                    node: IndicatorObj::from(node),
                    cursor,
                })
                .collect(),
            page_info: page.page_info,
            total_count: page.total_count,
        })
    }
}

#[derive(Default)]
pub struct IndicatorMutations;

#[Object]
impl IndicatorMutations {
    /// Adds an indicator: ACTIVE at once for an ADMIN, PROPOSED (awaiting approval) for others.
    async fn create_indicator(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorInput,
    ) -> GqlResult<IndicatorObj> {
        let actor = require_role(ctx, PROPOSERS, "propose indicators")?;
        let mut form = Form::default();
        let reference = form.field("ref", required_text("ref", &input.reference, MAX_REF));
        let title = form.field("title", required_text("title", &input.title, MAX_TITLE));
        let tolerance = form.field(
            "tolerancePct",
            tolerance(input.tolerance_pct, input.tolerance_absolute),
        );
        let unit: pmf_core::Unit = input.unit.into();
        let decimals = match input.decimals {
            Some(d) => form.field("decimals", input::decimals(d)),
            None => unit.default_decimals(),
        };
        let first_period = form.field(
            "firstPeriod",
            input.first_period.as_deref().map(input::period).transpose(),
        );
        let new = NewIndicator {
            priority_id: form.field(
                "priorityId",
                input::optional_id(input.priority_id.as_ref(), "priority"),
            ),
            reference,
            title,
            definition: form.field(
                "definition",
                optional_text("definition", input.definition.as_deref(), MAX_TEXT),
            ),
            owner_id: form.field(
                "ownerId",
                input::optional_id(input.owner_id.as_ref(), "user"),
            ),
            level: input.level.unwrap_or(IndicatorLevel::Kpm).into(),
            indicator_type: input
                .indicator_type
                .unwrap_or(IndicatorType::Outcome)
                .into(),
            unit,
            decimals,
            polarity: input.polarity.into(),
            frequency: input.frequency.into(),
            cumulative: input.cumulative.unwrap_or(false),
            monitor_only: input.monitor_only.unwrap_or(false),
            tolerance,
            data_source: form.field(
                "dataSource",
                optional_text("dataSource", input.data_source.as_deref(), MAX_TITLE),
            ),
            information_asset_ref: form.field(
                "informationAssetRef",
                optional_text(
                    "informationAssetRef",
                    input.information_asset_ref.as_deref(),
                    64,
                ),
            ),
            published: input.published,
            first_period,
            benchmark_metric: form.field(
                "benchmarkMetric",
                optional_text(
                    "benchmarkMetric",
                    input.benchmark_metric.as_deref(),
                    MAX_BENCHMARK_METRIC,
                ),
            ),
            comparator_group_id: form.field(
                "comparatorGroupId",
                input::optional_id(input.comparator_group_id.as_ref(), "comparator group"),
            ),
            lifecycle: if is_admin(actor) {
                CoreLifecycle::Active
            } else {
                CoreLifecycle::Proposed
            },
        };
        if !form.is_empty() {
            // What parsed is checked against the data too, so every problem is told at once.
            let org = scope(ctx)?.org.id;
            form.store(indicators::check_new(&request(ctx).db.conn, org, &new).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = indicators::create(&uow, new).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }

    /// Edits an indicator's definition (ADMIN, EXECUTIVE). Give `expectedVersion` to be safe
    /// against concurrent edits.
    async fn update_indicator(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorInput,
    ) -> GqlResult<IndicatorObj> {
        require_role(ctx, SENIOR, "edit indicators")?;
        let id = input::id(&input.id, "indicator")?;
        let mut form = Form::default();
        let change = IndicatorChange {
            expected_version: input.expected_version,
            title: form.field(
                "title",
                input::new_text("title", input.title.as_deref(), MAX_TITLE),
            ),
            definition: form.field(
                "definition",
                clearable_text("definition", &input.definition, MAX_TEXT),
            ),
            priority_id: form.field(
                "priorityId",
                input::clearable_id(&input.priority_id, "priority"),
            ),
            owner_id: form.field("ownerId", input::clearable_id(&input.owner_id, "user")),
            level: input.level.map(Into::into),
            indicator_type: input.indicator_type.map(Into::into),
            unit: input.unit.map(Into::into),
            decimals: form.field("decimals", input.decimals.map(input::decimals).transpose()),
            polarity: input.polarity.map(Into::into),
            cumulative: input.cumulative,
            monitor_only: input.monitor_only,
            tolerance: form.field(
                "tolerancePct",
                tolerance(input.tolerance_pct, input.tolerance_absolute),
            ),
            data_source: form.field(
                "dataSource",
                clearable_text("dataSource", &input.data_source, MAX_TITLE),
            ),
            information_asset_ref: form.field(
                "informationAssetRef",
                clearable_text("informationAssetRef", &input.information_asset_ref, 64),
            ),
            published: input.published,
            first_period: form.field("firstPeriod", clearable_period(&input.first_period)),
            benchmark_metric: form.field(
                "benchmarkMetric",
                clearable_text(
                    "benchmarkMetric",
                    &input.benchmark_metric,
                    MAX_BENCHMARK_METRIC,
                ),
            ),
            comparator_group_id: form.field(
                "comparatorGroupId",
                input::clearable_id(&input.comparator_group_id, "comparator group"),
            ),
        };
        if !form.is_empty() {
            let db = &request(ctx).db.conn;
            let org = scope(ctx)?.org.id;
            let before = indicators::indicator(db, org, id).await?;
            form.store(indicators::check_change(db, org, &before, &change).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = indicators::update(&uow, id, change).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }

    /// Approves a proposed indicator, making it ACTIVE (ADMIN, EXECUTIVE); who and when are
    /// recorded.
    async fn approve_indicator(&self, ctx: &Context<'_>, id: ID) -> GqlResult<IndicatorObj> {
        require_role(ctx, SENIOR, "approve indicators")?;
        let id = input::id(&id, "indicator")?;
        let uow = begin(ctx).await?;
        let row = indicators::approve(&uow, id).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }

    /// Retires an indicator: no longer rated, counted or chased; its history stays (ADMIN).
    async fn retire_indicator(&self, ctx: &Context<'_>, id: ID) -> GqlResult<IndicatorObj> {
        require_role(ctx, ADMIN, "retire indicators")?;
        let id = input::id(&id, "indicator")?;
        let uow = begin(ctx).await?;
        let row = indicators::retire(&uow, id).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }

    /// Sets a grid of targets at once (ADMIN, EXECUTIVE): every cell is checked and every
    /// problem reported; with any problem nothing is saved.
    async fn set_targets(
        &self,
        ctx: &Context<'_>,
        indicator_id: ID,
        targets: Vec<TargetCellInput>,
    ) -> GqlResult<TargetGridReport> {
        require_role(ctx, SENIOR, "set targets")?;
        let org = scope(ctx)?.org.clone();
        let id = input::id(&indicator_id, "indicator")?;
        if targets.len() > 400 {
            return Err(gql::bad_input("set at most 400 targets at once"));
        }
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for cell in &targets {
            match (
                pmf_core::Period::parse(&cell.period),
                cell.value.is_finite(),
            ) {
                (Ok(period), true) => entries.push(TargetEntry {
                    period,
                    value: cell.value,
                }),
                (Err(e), _) => problems.push(TargetProblem {
                    period: cell.period.clone(),
                    message: e.to_string(),
                }),
                (Ok(_), false) => problems.push(TargetProblem {
                    period: cell.period.clone(),
                    message: "the target must be a finite number".to_string(),
                }),
            }
        }
        let uow = begin(ctx).await?;
        let refused = targets::set_many(&uow, &org, id, &entries).await?;
        problems.extend(refused.into_iter().map(|(period, message)| TargetProblem {
            period: period.to_string(),
            message,
        }));
        let ok = problems.is_empty();
        if ok {
            uow.commit().await?;
        }
        // Dropped without a commit, the unit of work rolls every target back.
        let row = indicators::indicator(&request(ctx).db.conn, org.id, id).await?;
        Ok(TargetGridReport {
            ok,
            problems,
            indicator: IndicatorObj::from(row),
        })
    }

    /// Sets an annual target (for a financial year) or a profile target (for one of the
    /// indicator's own periods). ADMIN or EXECUTIVE.
    async fn set_target(
        &self,
        ctx: &Context<'_>,
        input: SetTargetInput,
    ) -> GqlResult<IndicatorObj> {
        require_role(ctx, SENIOR, "set targets")?;
        let org = scope(ctx)?.org.clone();
        let entry = TargetEntry {
            value: input::finite("value", input.value)?,
            period: input::period(&input.period)?,
        };
        let id = input::id(&input.indicator_id, "indicator")?;
        let uow = begin(ctx).await?;
        let row = targets::set(&uow, &org, id, entry).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }
}
