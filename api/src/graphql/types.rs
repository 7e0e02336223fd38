//! The contract's object types, each a thin face over a stored row or a core result.
use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use pmf_core::Period;
use pmf_store::{
    OrganisationSettings,
    entity::{action, action_update, indicator, objective, plan, priority, user},
    results::PeriodEvaluation,
};

use super::{
    context::{loader, request, scope},
    enums::*,
    loaders::*,
    scalars::{Date, DateTime},
};
use crate::error::{GqlError, GqlResult, gql};

/// Parses a period argument, naming the accepted forms when it is wrong.
pub fn parse_period(text: &str) -> GqlResult<Period> {
    Period::parse(text).map_err(|e| gql::bad_input(e.to_string()))
}

/// Parses an `ID` argument of the given kind; a malformed one is simply not found.
pub fn parse_id(id: &ID, what: &str) -> GqlResult<i64> {
    id.parse::<i64>()
        .map_err(|_| gql::not_found(what, id.as_str()))
}

fn load_err(e: LoadError) -> GqlError {
    gql::internal(anyhow::Error::new(e))
}

pub async fn load_user(ctx: &Context<'_>, id: Option<i64>) -> GqlResult<Option<UserObj>> {
    let Some(id) = id else { return Ok(None) };
    if scope(ctx)?.is_public() {
        return Ok(None);
    }
    Ok(loader(ctx)?
        .load_one(UserKey(id))
        .await
        .map_err(load_err)?
        .map(UserObj))
}

pub async fn load_priority(ctx: &Context<'_>, id: Option<i64>) -> GqlResult<Option<PriorityObj>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loader(ctx)?
        .load_one(PriorityKey(id))
        .await
        .map_err(load_err)?
        .map(PriorityObj))
}

pub async fn load_result(
    ctx: &Context<'_>,
    indicator: &indicator::Model,
    period: Period,
) -> GqlResult<PeriodResult> {
    let evaluation = loader(ctx)?
        .load_one(ResultKey(indicator.id, period))
        .await
        .map_err(load_err)?
        .ok_or_else(|| gql::not_found("indicator", indicator.id))?;
    Ok(PeriodResult {
        indicator: Arc::new(indicator.clone()),
        evaluation,
    })
}

pub fn stored<E>(text: &str, what: &str, parse: impl Fn(&str) -> Option<E>) -> GqlResult<E> {
    parse(text)
        .ok_or_else(|| gql::internal(anyhow::anyhow!("unknown {what} {text:?} in the database")))
}

pub struct OrganisationObj(pub OrganisationSettings);

#[Object(name = "Organisation")]
impl OrganisationObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn time_zone(&self) -> String {
        self.0.time_zone.name().to_string()
    }
    /// First month of the financial year (4 = April).
    async fn financial_year_start_month(&self) -> u32 {
        self.0.fy_start.month()
    }
    /// Day of the month by which monthly and quarterly values are due.
    async fn deadline_day(&self) -> u32 {
        self.0.deadline_day.get() as u32
    }
    /// Local time of the daily reminder sweep, "08:00".
    async fn reminder_time(&self) -> String {
        self.0.reminder_time.to_string()
    }
    async fn amber_alerts(&self) -> bool {
        self.0.amber_alerts
    }
}

pub struct UserObj(pub user::Model);

#[Object(name = "User")]
impl UserObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn role(&self) -> GqlResult<Role> {
        stored(&self.0.role, "role", Role::from_stored)
    }
    /// The line manager, to whom overdue data escalates.
    async fn manager(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.manager_id).await
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn notification_preference(&self) -> GqlResult<NotificationPreference> {
        stored(
            &self.0.notification_preference,
            "notification preference",
            NotificationPreference::from_stored,
        )
    }
}

pub struct PlanObj(pub plan::Model);

#[Object(name = "Plan")]
impl PlanObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn kind(&self) -> GqlResult<PlanKind> {
        stored(&self.0.kind, "plan kind", PlanKind::from_stored)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }
    async fn status(&self) -> GqlResult<PlanStatus> {
        stored(&self.0.status, "plan status", PlanStatus::from_stored)
    }
    async fn vision(&self) -> Option<&str> {
        self.0.vision.as_deref()
    }
    async fn mission(&self) -> Option<&str> {
        self.0.mission.as_deref()
    }
    async fn published(&self) -> bool {
        self.0.published
    }
    /// The plan this one belongs to (a team plan within the corporate plan).
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<PlanObj>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(PlanKey(id))
            .await
            .map_err(load_err)?
            .map(PlanObj))
    }
    /// Link to the printable quarterly report for a period (add `.csv` before any query
    /// string for CSV). The public portal's link names the council (`?org=SLUG`); a signed-in
    /// caller fetches it with the same `Authorization` header as this API.
    async fn report_url(&self, ctx: &Context<'_>, period: String) -> GqlResult<String> {
        let period = parse_period(&period)?;
        let scope = scope(ctx)?;
        let mut url = format!(
            "{}{}",
            request(ctx).public_url.trim_end_matches('/'),
            crate::report::report_path(self.0.id, &period)
        );
        if scope.is_public() {
            url.push_str("?org=");
            url.push_str(&crate::report::encode_component(&scope.org.slug));
        }
        Ok(url)
    }
    async fn priorities(&self, ctx: &Context<'_>) -> GqlResult<Vec<PriorityObj>> {
        let rows = loader(ctx)?
            .load_one(PrioritiesOfPlan(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(rows.into_iter().map(PriorityObj).collect())
    }
}

pub struct PriorityObj(pub priority::Model);

#[Object(name = "Priority")]
impl PriorityObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<PlanObj> {
        loader(ctx)?
            .load_one(PlanKey(self.0.plan_id))
            .await
            .map_err(load_err)?
            .map(PlanObj)
            .ok_or_else(|| gql::not_found("plan", self.0.plan_id))
    }
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn actions(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionObj>> {
        let rows = loader(ctx)?
            .load_one(ActionsOfPriority(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(rows.into_iter().map(ActionObj).collect())
    }
    async fn objectives(&self, ctx: &Context<'_>) -> GqlResult<Vec<ObjectiveObj>> {
        let rows = loader(ctx)?
            .load_one(ObjectivesOfPriority(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(rows.into_iter().map(ObjectiveObj).collect())
    }
    /// The priority's active indicators (published ones only on the public portal).
    async fn indicators(&self, ctx: &Context<'_>) -> GqlResult<Vec<IndicatorObj>> {
        let rows = loader(ctx)?
            .load_one(IndicatorsOfPriority(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        prefetch_results(ctx, &rows).await?;
        Ok(rows.into_iter().map(IndicatorObj).collect())
    }
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

/// Loads at once the results the selection under these indicators is going to ask for
/// (`result(period:)` and `series(from:, to:)`, read ahead in the query), so the indicators'
/// own resolvers find them in the request's cache. Without this, the DataLoader cuts its
/// batches by time (whatever keys arrive within its delay of the first): with hundreds of
/// indicators resolving on a multi-threaded runtime, one dashboard became several batches,
/// each reading the indicators and their values again. Only a shortcut: anything it does
/// not cover (a bad argument, an error) is loaded, or reported, by the field itself.
async fn prefetch_results(ctx: &Context<'_>, rows: &[indicator::Model]) -> GqlResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let fy = scope(ctx)?.org.fy_start;
    let ahead = ctx.look_ahead();
    let mut periods = std::collections::HashSet::new();
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
        return Ok(());
    }
    let keys: Vec<ResultKey> = rows
        .iter()
        .flat_map(|r| periods.iter().map(move |p| ResultKey(r.id, *p)))
        .collect();
    // Errors are left for the fields themselves to meet and report.
    let _ = loader(ctx)?.load_many(keys).await;
    Ok(())
}

pub struct ObjectiveObj(pub objective::Model);

#[Object(name = "Objective")]
impl ObjectiveObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
}

pub struct ActionObj(pub action::Model);

impl ActionObj {
    async fn updates_of(&self, ctx: &Context<'_>) -> GqlResult<Vec<action_update::Model>> {
        Ok(loader(ctx)?
            .load_one(UpdatesOfAction(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default())
    }

    /// The update that gives the action its status for `period`, if any.
    pub async fn latest_update_for(
        &self,
        ctx: &Context<'_>,
        period: Period,
    ) -> GqlResult<Option<action_update::Model>> {
        let fy = scope(ctx)?.org.fy_start;
        let end = period
            .rating_period(pmf_core::Frequency::Quarterly, fy)
            .end_date(fy);
        Ok(self
            .updates_of(ctx)
            .await?
            .into_iter()
            .filter(|u| u.period_end <= end)
            .max_by_key(|u| (u.period_end, u.created_at, u.id)))
    }

    /// The action's status for a period: its latest update in or before it (SPEC §3).
    pub async fn status_for(&self, ctx: &Context<'_>, period: Period) -> GqlResult<ActionStatus> {
        let fy = scope(ctx)?.org.fy_start;
        let updates = self.updates_of(ctx).await?;
        let refs = updates
            .iter()
            .filter_map(|u| {
                let quarter = Period::parse(&u.period).ok()?;
                let status = ActionStatus::from_stored(&u.status)?;
                Some(pmf_core::ActionUpdateRef {
                    quarter,
                    recorded_at: u.created_at,
                    status: status.into(),
                })
            })
            .collect::<Vec<_>>();
        Ok(pmf_core::action_status_for(&period, &refs, fy).into())
    }
}

#[Object(name = "Action")]
impl ActionObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    #[graphql(name = "ref")]
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn priority(&self, ctx: &Context<'_>) -> GqlResult<Option<PriorityObj>> {
        load_priority(ctx, self.0.priority_id).await
    }
    /// The responsible officer.
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.owner_id).await
    }
    async fn sponsor(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.sponsor_id).await
    }
    /// COUNCIL, or PARTNERSHIP ("for information only": never counted in RAG totals).
    async fn delivery(&self) -> GqlResult<Delivery> {
        stored(&self.0.delivery, "delivery", Delivery::from_stored)
    }
    async fn planned_start(&self) -> Option<Date> {
        self.0.planned_start.map(Date)
    }
    async fn actual_start(&self) -> Option<Date> {
        self.0.actual_start.map(Date)
    }
    async fn due_date(&self) -> Option<Date> {
        self.0.due_date.map(Date)
    }
    /// When there is no due date: ONGOING, ANNUAL or NOT_SET.
    async fn due_kind(&self) -> Option<DueKind> {
        self.0.due_kind.as_deref().and_then(DueKind::from_stored)
    }
    async fn estimated_completion(&self) -> Option<Date> {
        self.0.estimated_completion.map(Date)
    }
    async fn completed_on(&self) -> Option<Date> {
        self.0.completed_on.map(Date)
    }
    /// The status of the latest update in or before `period` (NOT_STARTED when none).
    async fn status(&self, ctx: &Context<'_>, period: String) -> GqlResult<ActionStatus> {
        self.status_for(ctx, parse_period(&period)?).await
    }
    /// Every quarterly update, oldest first.
    async fn updates(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionUpdateObj>> {
        Ok(self
            .updates_of(ctx)
            .await?
            .into_iter()
            .map(ActionUpdateObj)
            .collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

pub struct ActionUpdateObj(pub action_update::Model);

#[Object(name = "ActionUpdate")]
impl ActionUpdateObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn period(&self) -> &str {
        &self.0.period
    }
    async fn status(&self) -> GqlResult<ActionStatus> {
        stored(&self.0.status, "action status", ActionStatus::from_stored)
    }
    async fn commentary(&self) -> Option<&str> {
        self.0.commentary.as_deref()
    }
    /// Next steps ("Q2 actions").
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.0.author_id).await
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

pub struct IndicatorObj(pub indicator::Model);

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
    async fn level(&self) -> GqlResult<IndicatorLevel> {
        stored(&self.0.level, "level", IndicatorLevel::from_stored)
    }
    #[graphql(name = "type")]
    async fn indicator_type(&self) -> GqlResult<IndicatorType> {
        stored(
            &self.0.indicator_type,
            "indicator type",
            IndicatorType::from_stored,
        )
    }
    async fn unit(&self) -> GqlResult<Unit> {
        stored(&self.0.unit, "unit", Unit::from_stored)
    }
    async fn decimals(&self) -> i32 {
        self.0.decimals as i32
    }
    async fn polarity(&self) -> GqlResult<Polarity> {
        stored(&self.0.polarity, "polarity", Polarity::from_stored)
    }
    async fn frequency(&self) -> GqlResult<Frequency> {
        stored(&self.0.frequency, "frequency", Frequency::from_stored)
    }
    /// Year-to-date values that restart each financial year.
    async fn cumulative(&self) -> bool {
        self.0.cumulative
    }
    async fn monitor_only(&self) -> bool {
        self.0.monitor_only
    }
    /// Tolerance in percent of the target (0 when the tolerance is absolute).
    async fn tolerance_pct(&self) -> f64 {
        if self.0.tolerance_kind == "ABSOLUTE" {
            0.0
        } else {
            self.0.tolerance_value
        }
    }
    /// Tolerance in the indicator's unit, when it is absolute.
    async fn tolerance_absolute(&self) -> Option<f64> {
        (self.0.tolerance_kind == "ABSOLUTE").then_some(self.0.tolerance_value)
    }
    async fn data_source(&self) -> Option<&str> {
        self.0.data_source.as_deref()
    }
    async fn information_asset_ref(&self) -> Option<&str> {
        self.0.information_asset_ref.as_deref()
    }
    async fn published(&self) -> bool {
        self.0.published
    }
    async fn lifecycle(&self) -> GqlResult<Lifecycle> {
        stored(&self.0.lifecycle, "lifecycle", Lifecycle::from_stored)
    }
    /// The first period a value is expected for, when later than the plan's start.
    async fn first_period(&self) -> Option<&str> {
        self.0.first_period.as_deref()
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
    /// Actual, target, status and trend for one period (any granularity, SPEC §4.2).
    async fn result(&self, ctx: &Context<'_>, period: String) -> GqlResult<PeriodResult> {
        load_result(ctx, &self.0, parse_period(&period)?).await
    }
    /// Results for every period from `from` to `to` inclusive (same form, at most 400).
    async fn series(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
    ) -> GqlResult<Vec<PeriodResult>> {
        let fy = scope(ctx)?.org.fy_start;
        let periods = Period::range(parse_period(&from)?, parse_period(&to)?, fy)
            .map_err(|e| gql::bad_input(e.to_string()))?;
        let keys: Vec<ResultKey> = periods.iter().map(|p| ResultKey(self.0.id, *p)).collect();
        let mut found = loader(ctx)?
            .load_many(keys.iter().copied())
            .await
            .map_err(load_err)?;
        // One copy of the row for the whole series, not one per period.
        let indicator = Arc::new(self.0.clone());
        keys.iter()
            .map(|k| {
                found
                    .remove(k)
                    .map(|evaluation| PeriodResult {
                        indicator: indicator.clone(),
                        evaluation,
                    })
                    .ok_or_else(|| gql::not_found("indicator", self.0.id))
            })
            .collect()
    }
}

/// One indicator in one period.
pub struct PeriodResult {
    pub indicator: Arc<indicator::Model>,
    pub evaluation: Arc<PeriodEvaluation>,
}

#[Object]
impl PeriodResult {
    async fn indicator(&self) -> IndicatorObj {
        IndicatorObj(indicator::Model::clone(&self.indicator))
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
    /// Complete: a value, and commentary where the rules require it (SPEC §4.6).
    async fn complete(&self) -> bool {
        matches!(
            self.evaluation.completeness,
            pmf_core::Completeness::Complete
        )
    }
    /// VALUE or COMMENTARY when incomplete.
    async fn missing(&self) -> Option<&'static str> {
        match self.evaluation.completeness {
            pmf_core::Completeness::Complete => None,
            pmf_core::Completeness::MissingValue => Some("VALUE"),
            pmf_core::Completeness::MissingCommentary => Some("COMMENTARY"),
        }
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
    /// Link to the indicator on the dashboard.
    async fn url(&self, ctx: &Context<'_>) -> String {
        format!(
            "{}/#/indicators/{}",
            request(ctx).public_url,
            self.indicator.id
        )
    }
}

#[derive(SimpleObject, Clone, Copy)]
pub struct ActionCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub blue: u32,
    pub completed: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
    pub blue_pct: u32,
    /// Council actions with no update yet (not counted in the percentages).
    pub not_started: u32,
}

#[derive(SimpleObject, Clone, Copy)]
pub struct IndicatorCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub monitor_only: u32,
    /// "In progress": no value yet.
    pub no_data: u32,
    pub no_target: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
}

#[derive(SimpleObject, Clone, Copy)]
pub struct SummaryCounts {
    pub actions: ActionCounts,
    pub indicators: IndicatorCounts,
}

#[derive(SimpleObject)]
pub struct PrioritySummary {
    pub priority: PriorityObj,
    pub counts: SummaryCounts,
}

/// A RED or AMBER indicator or action: the report's exception list.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ExceptionItem {
    pub indicator: Option<IndicatorObj>,
    pub action: Option<ActionObj>,
    /// "RED" or "AMBER".
    pub status: String,
    pub commentary: Option<String>,
    #[graphql(skip)]
    pub result: Option<PeriodResult>,
    #[graphql(skip)]
    pub next_steps: Option<String>,
    #[graphql(skip)]
    pub priority_id: Option<i64>,
    #[graphql(skip)]
    pub owner_id: Option<i64>,
}

#[ComplexObject]
impl ExceptionItem {
    /// The indicator's full result (actual, target, trend, due date); null for an action.
    async fn result(&self) -> Option<&PeriodResult> {
        self.result.as_ref()
    }
    async fn next_steps(&self) -> Option<&str> {
        self.next_steps.as_deref()
    }
    async fn priority(&self, ctx: &Context<'_>) -> GqlResult<Option<PriorityObj>> {
        load_priority(ctx, self.priority_id).await
    }
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.owner_id).await
    }
}

#[derive(SimpleObject)]
pub struct PerformanceSummary {
    pub period: String,
    pub priorities: Vec<PrioritySummary>,
    pub overall: SummaryCounts,
    pub exceptions: Vec<ExceptionItem>,
}

/// A value or an action update due by a date.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Deadline {
    pub indicator: Option<IndicatorObj>,
    pub action: Option<ActionObj>,
    pub period: String,
    pub due_date: Date,
    pub extended: bool,
    pub complete: bool,
    /// VALUE, COMMENTARY or UPDATE when incomplete.
    pub missing: Option<String>,
    #[graphql(skip)]
    pub owner_id: Option<i64>,
}

#[ComplexObject]
impl Deadline {
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.owner_id).await
    }
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
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

#[derive(SimpleObject)]
pub struct ActionEdge {
    pub node: ActionObj,
    pub cursor: String,
}

#[derive(SimpleObject)]
pub struct ActionConnection {
    pub edges: Vec<ActionEdge>,
    pub page_info: PageInfo,
    pub total_count: u32,
}
