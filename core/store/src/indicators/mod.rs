//! Indicators (KPIs): their definitions and lifecycle (proposed → active → retired), and in
//! the submodules what is recorded against them: targets, values, deadline extensions.
//!
//! The public portal sees published indicators that are not proposed and are outside
//! unpublished plans ([`Audience::Public`]).
use pmf_core::{
    Frequency, IndicatorLevel, IndicatorType, Lifecycle, Period, Polarity, Tolerance, Unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set,
    sea_query::ExprTrait,
};

use crate::{
    Audience, OrganisationSettings, Refusals, StoreError, Stored, UnitOfWork,
    change::{Change, check_version, save_edit},
    entity::indicator,
    people, plans, scoped,
};

pub mod extensions;
pub mod measurements;
pub mod targets;

/// An indicator to add.
#[derive(Debug, Clone)]
pub struct NewIndicator {
    pub priority_id: Option<i64>,
    pub reference: String,
    pub title: String,
    pub definition: Option<String>,
    pub owner_id: Option<i64>,
    pub level: IndicatorLevel,
    pub indicator_type: IndicatorType,
    pub unit: Unit,
    pub decimals: u8,
    pub polarity: Polarity,
    pub frequency: Frequency,
    pub cumulative: bool,
    pub monitor_only: bool,
    /// `None`: the council's default tolerance (its setting when the indicator is created).
    pub tolerance: Option<Tolerance>,
    pub data_source: Option<String>,
    pub information_asset_ref: Option<String>,
    pub published: bool,
    pub first_period: Option<Period>,
    /// ACTIVE at once (approved by the writer), or PROPOSED for approval.
    pub lifecycle: Lifecycle,
    /// The benchmark data set the indicator is compared with.
    pub benchmark_metric: Option<String>,
    /// Its own comparator group, when not the council's default.
    pub comparator_group_id: Option<i64>,
}

/// What to change of an indicator's definition; `None` and [`Change::Leave`] keep what is
/// stored.
#[derive(Debug, Clone, Default)]
pub struct IndicatorChange {
    pub expected_version: Option<i32>,
    pub title: Option<String>,
    pub definition: Change<String>,
    pub priority_id: Change<i64>,
    pub owner_id: Change<i64>,
    pub level: Option<IndicatorLevel>,
    pub indicator_type: Option<IndicatorType>,
    pub unit: Option<Unit>,
    pub decimals: Option<u8>,
    pub polarity: Option<Polarity>,
    pub cumulative: Option<bool>,
    pub monitor_only: Option<bool>,
    pub tolerance: Option<Tolerance>,
    pub data_source: Change<String>,
    pub information_asset_ref: Change<String>,
    pub published: Option<bool>,
    pub first_period: Change<Period>,
    pub benchmark_metric: Change<String>,
    pub comparator_group_id: Change<i64>,
}

/// Which indicators to list.
#[derive(Debug, Clone)]
pub struct IndicatorQuery {
    pub lifecycle: Lifecycle,
    pub priority_id: Option<i64>,
    /// Only those of this plan's priorities (the plan must be one the audience sees).
    pub plan_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub frequency: Option<Frequency>,
    pub level: Option<IndicatorLevel>,
    /// Words that must all be in the reference or title, any case.
    pub search: Option<String>,
}

// --- reads ---

/// One indicator of the council.
pub async fn indicator(
    db: &impl ConnectionTrait,
    org: i64,
    id: i64,
) -> Result<indicator::Model, StoreError> {
    scoped::one::<indicator::Entity, _>(db, org, id, "indicator").await
}

/// The id of the indicator with this reference.
pub async fn id_by_reference(
    db: &impl ConnectionTrait,
    org: i64,
    reference: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(scoped::rows::<indicator::Entity>(org)
        .filter(indicator::Column::Reference.eq(reference))
        .one(db)
        .await?
        .map(|row| row.id))
}

/// Of these indicators, the ones the audience may see.
pub async fn indicators_by_id<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    ids: impl IntoIterator<Item = i64>,
    audience: Audience,
) -> Result<Vec<indicator::Model>, StoreError> {
    let mut q = scoped::rows_in::<indicator::Entity>(organisation_id, indicator::Column::Id, ids);
    if audience.is_public() {
        q = q
            .filter(indicator::Column::Published.eq(true))
            .filter(indicator::Column::Lifecycle.ne(Stored(Lifecycle::Proposed)));
    }
    let mut rows = q.all(db).await?;
    if audience.is_public() {
        // A published indicator in an unpublished plan stays hidden.
        let visible = plans::visible_priority_ids(
            db,
            organisation_id,
            rows.iter()
                .filter_map(|i| i.priority_id)
                .collect::<Vec<_>>(),
            audience,
        )
        .await?;
        rows.retain(|i| i.priority_id.is_none_or(|p| visible.contains(&p)));
    }
    Ok(rows)
}

/// The ACTIVE indicators of these priorities the audience may see, in id order.
pub async fn active_of_priorities<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    priority_ids: impl IntoIterator<Item = i64>,
    audience: Audience,
) -> Result<Vec<indicator::Model>, StoreError> {
    let column = indicator::Column::PriorityId;
    let mut q = scoped::rows_in::<indicator::Entity>(organisation_id, column, priority_ids)
        .filter(indicator::Column::Lifecycle.eq(Stored(Lifecycle::Active)));
    if audience.is_public() {
        q = q.filter(indicator::Column::Published.eq(true));
    }
    Ok(q.order_by_asc(indicator::Column::Id).all(db).await?)
}

/// The indicators the audience may see that match the query, in id order.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    query: IndicatorQuery,
    audience: Audience,
) -> Result<Vec<indicator::Model>, StoreError> {
    if audience.is_public() && query.lifecycle == Lifecycle::Proposed {
        return Ok(Vec::new());
    }
    let mut q = scoped::rows::<indicator::Entity>(organisation_id)
        .filter(indicator::Column::Lifecycle.eq(Stored(query.lifecycle)));
    if audience.is_public() {
        q = q.filter(indicator::Column::Published.eq(true));
    }
    if let Some(id) = query.priority_id {
        q = q.filter(indicator::Column::PriorityId.eq(id));
    }
    if let Some(plan) = query.plan_id {
        let priorities = plans::priority_ids_of_plan(db, organisation_id, plan, audience).await?;
        q = q.filter(indicator::Column::PriorityId.is_in(priorities));
    }
    if let Some(id) = query.owner_id {
        q = q.filter(indicator::Column::OwnerId.eq(id));
    }
    if let Some(f) = query.frequency {
        q = q.filter(indicator::Column::Frequency.eq(Stored(f)));
    }
    if let Some(l) = query.level {
        q = q.filter(indicator::Column::Level.eq(Stored(l)));
    }
    if let Some(words) = query.search.as_deref() {
        q = scoped::words_in_title_or_reference(
            q,
            indicator::Column::Title,
            indicator::Column::Reference,
            words,
        );
    }
    if audience.is_public() {
        let visible = plans::published_priority_ids(db, organisation_id).await?;
        q = q.filter(
            indicator::Column::PriorityId
                .is_null()
                .or(indicator::Column::PriorityId.is_in(visible)),
        );
    }
    Ok(q.order_by_asc(indicator::Column::Id).all(db).await?)
}

/// Refuses a period the indicator cannot hold: not of its own frequency, or outside its
/// plan.
pub async fn check_period<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    row: &indicator::Model,
    period: &Period,
) -> Result<(), StoreError> {
    let fy = org.fy_start;
    if period.frequency() != *row.frequency {
        return Err(StoreError::invalid(format!(
            "{} is recorded {}: {period} is not one of its periods",
            row.reference,
            row.frequency.as_str().to_lowercase()
        )));
    }
    if let Some((start, end)) = plans::plan_span(db, org.id, row.priority_id).await?
        && (period.start_date(fy) < start || period.end_date(fy) > end)
    {
        return Err(StoreError::invalid(format!(
            "{period} is outside the plan ({start} to {end})"
        )));
    }
    Ok(())
}

// --- writes ---

/// Every refusal of an indicator to add, at once: a first period of another frequency, a
/// priority, owner or comparator group that is not the council's (or an owner who cannot
/// record), a reference already taken. Reads only; [`create`] runs it in its own transaction,
/// and the API runs it beside its own input checks so a form hears of every problem together.
pub async fn check_new<C: ConnectionTrait>(
    db: &C,
    org: i64,
    new: &NewIndicator,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    if let Some(p) = new.first_period
        && p.frequency() != new.frequency
    {
        refusals.refuse(
            "firstPeriod",
            StoreError::invalid(format!(
                "firstPeriod {p} is not a {} period",
                new.frequency.as_str().to_lowercase()
            )),
        );
    }
    check_references(
        db,
        org,
        &mut refusals,
        References {
            reference: Some(new.reference.as_str()).filter(|r| !r.is_empty()),
            id: None,
            priority_id: new.priority_id,
            owner_id: new.owner_id,
            comparator_group_id: new.comparator_group_id,
        },
    )
    .await?;
    refusals.finish()
}

/// What an indicator names that must exist in the council (and a reference that must not).
struct References<'a> {
    reference: Option<&'a str>,
    /// The indicator itself, when editing (its own reference is not a clash).
    id: Option<i64>,
    priority_id: Option<i64>,
    owner_id: Option<i64>,
    comparator_group_id: Option<i64>,
}

async fn check_references<C: ConnectionTrait>(
    db: &C,
    org: i64,
    refusals: &mut Refusals,
    refs: References<'_>,
) -> Result<(), StoreError> {
    if let Some(reference) = refs.reference
        && let Some(other) = id_by_reference(db, org, reference).await?
        && Some(other) != refs.id
    {
        refusals.refuse(
            "ref",
            StoreError::conflict(format!("an indicator with ref {reference} already exists")),
        );
    }
    people::check_priority_and_owner(
        db,
        org,
        refusals,
        refs.priority_id,
        refs.owner_id,
        "indicator",
    )
    .await?;
    if let Some(id) = refs.comparator_group_id {
        refusals.check(
            "comparatorGroupId",
            crate::benchmarking::group_in(db, org, id, "comparatorGroupId").await,
        )?;
    }
    Ok(())
}

/// Adds an indicator: ACTIVE (approved by the writer) or PROPOSED.
pub async fn create(uow: &UnitOfWork, new: NewIndicator) -> Result<indicator::Model, StoreError> {
    let org = uow.organisation_id()?;
    check_new(uow, org, &new).await?;
    let priority = new.priority_id;
    let owner = new.owner_id;
    let tolerance = match new.tolerance {
        Some(t) => t,
        None => default_tolerance(uow, org).await?,
    };
    let comparator_group = new.comparator_group_id;
    let now = uow.now();
    let approved = new.lifecycle == Lifecycle::Active;
    let reference = new.reference.clone();
    let row = indicator::ActiveModel {
        organisation_id: Set(org),
        priority_id: Set(priority),
        reference: Set(new.reference),
        title: Set(new.title),
        definition: Set(new.definition),
        level: Set(Stored(new.level)),
        indicator_type: Set(Stored(new.indicator_type)),
        unit: Set(Stored(new.unit)),
        decimals: Set(new.decimals.into()),
        polarity: Set(Stored(new.polarity)),
        frequency: Set(Stored(new.frequency)),
        cumulative: Set(new.cumulative),
        monitor_only: Set(new.monitor_only),
        tolerance_kind: Set(tolerance.kind().to_string()),
        tolerance_value: Set(tolerance.value()),
        owner_id: Set(owner),
        data_source: Set(new.data_source),
        information_asset_ref: Set(new.information_asset_ref),
        published: Set(new.published),
        lifecycle: Set(Stored(new.lifecycle)),
        first_period: Set(new.first_period.map(Stored)),
        proposed_by: Set(uow.actor_id()),
        approved_by: Set(uow.actor_id().filter(|_| approved)),
        approved_at: Set(approved.then_some(now)),
        retired_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        benchmark_metric: Set(new.benchmark_metric),
        comparator_group_id: Set(comparator_group),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| {
        StoreError::unique(e, || {
            format!("an indicator with ref {reference} already exists")
        })
    })?;
    uow.audit_create("indicator", row.id, &row).await?;
    Ok(row)
}

/// The council's default tolerance, as stored now (read in the writer's transaction).
pub async fn default_tolerance<C: ConnectionTrait>(
    db: &C,
    org: i64,
) -> Result<Tolerance, StoreError> {
    let row = crate::organisations::by_id(db, org)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", org))?;
    Ok(OrganisationSettings::try_from(&row)?
        .rating
        .default_tolerance
        .tolerance())
}

/// Every refusal of an edit to an indicator, at once (see [`check_new`]).
pub async fn check_change<C: ConnectionTrait>(
    db: &C,
    org: i64,
    before: &indicator::Model,
    change: &IndicatorChange,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    if let Change::To(p) = change.first_period
        && p.frequency() != *before.frequency
    {
        refusals.refuse(
            "firstPeriod",
            StoreError::invalid(format!(
                "firstPeriod {p} is not one of this indicator's {} periods",
                before.frequency.as_str().to_lowercase()
            )),
        );
    }
    let to = |c: &Change<i64>| match c {
        Change::To(id) => Some(*id),
        _ => None,
    };
    check_references(
        db,
        org,
        &mut refusals,
        References {
            reference: None,
            id: Some(before.id),
            priority_id: to(&change.priority_id),
            owner_id: to(&change.owner_id),
            comparator_group_id: to(&change.comparator_group_id),
        },
    )
    .await?;
    refusals.finish()
}

/// Edits an indicator's definition.
pub async fn update(
    uow: &UnitOfWork,
    id: i64,
    change: IndicatorChange,
) -> Result<indicator::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = indicator(uow, org, id).await?;
    check_version("indicator", before.version, change.expected_version)?;
    check_change(uow, org, &before, &change).await?;
    let mut am: indicator::ActiveModel = before.clone().into();
    if let Some(t) = change.title {
        am.title = Set(t);
    }
    if let Some(v) = change.definition.into_new() {
        am.definition = Set(v);
    }
    if let Some(v) = change.priority_id.into_new() {
        am.priority_id = Set(v);
    }
    if let Some(v) = change.owner_id.into_new() {
        am.owner_id = Set(v);
    }
    if let Some(v) = change.level {
        am.level = Set(Stored(v));
    }
    if let Some(v) = change.indicator_type {
        am.indicator_type = Set(Stored(v));
    }
    if let Some(v) = change.unit {
        am.unit = Set(Stored(v));
    }
    if let Some(d) = change.decimals {
        am.decimals = Set(d.into());
    }
    if let Some(v) = change.polarity {
        am.polarity = Set(Stored(v));
    }
    if let Some(v) = change.cumulative {
        am.cumulative = Set(v);
    }
    if let Some(v) = change.monitor_only {
        am.monitor_only = Set(v);
    }
    if let Some(t) = change.tolerance {
        am.tolerance_kind = Set(t.kind().to_string());
        am.tolerance_value = Set(t.value());
    }
    if let Some(v) = change.data_source.into_new() {
        am.data_source = Set(v);
    }
    if let Some(v) = change.information_asset_ref.into_new() {
        am.information_asset_ref = Set(v);
    }
    if let Some(v) = change.published {
        am.published = Set(v);
    }
    if let Some(p) = change.first_period.into_new() {
        am.first_period = Set(p.map(Stored));
    }
    if let Some(v) = change.benchmark_metric.into_new() {
        am.benchmark_metric = Set(v);
    }
    if let Some(v) = change.comparator_group_id.into_new() {
        am.comparator_group_id = Set(v);
    }
    save_edit(uow, &before, am, || {
        format!("an indicator with ref {} already exists", before.reference)
    })
    .await
}

/// Approves a proposed indicator, making it ACTIVE; who and when are recorded.
pub async fn approve(uow: &UnitOfWork, id: i64) -> Result<indicator::Model, StoreError> {
    move_to(
        uow,
        id,
        Some(Lifecycle::Proposed),
        Lifecycle::Active,
        "approve",
    )
    .await
}

/// Retires an indicator: no longer rated, counted or chased; its history stays.
pub async fn retire(uow: &UnitOfWork, id: i64) -> Result<indicator::Model, StoreError> {
    move_to(uow, id, None, Lifecycle::Retired, "retire").await
}

/// Rejects a proposed indicator: it is retired, and the audit entry ("reject") records the
/// reason beside the indicator as it was left.
pub async fn reject(
    uow: &UnitOfWork,
    id: i64,
    reason: String,
) -> Result<indicator::Model, StoreError> {
    #[derive(serde::Serialize)]
    struct Rejected<'a> {
        #[serde(flatten)]
        indicator: &'a indicator::Model,
        reason: &'a str,
    }
    let before = indicator(uow, uow.organisation_id()?, id).await?;
    if *before.lifecycle != Lifecycle::Proposed {
        return Err(StoreError::invalid(format!(
            "{} is {}: only a proposed indicator can be rejected",
            before.reference, before.lifecycle
        )));
    }
    let mut am: indicator::ActiveModel = before.clone().into();
    am.lifecycle = Set(Stored(Lifecycle::Retired));
    am.retired_at = Set(Some(uow.now()));
    am.version = Set(before.version + 1);
    let after = am.update(uow).await?;
    let recorded = Rejected {
        indicator: &after,
        reason: &reason,
    };
    uow.audit(
        "indicator",
        after.id,
        "reject",
        Some(&before),
        Some(&recorded),
    )
    .await?;
    Ok(after)
}

async fn move_to(
    uow: &UnitOfWork,
    id: i64,
    from: Option<Lifecycle>,
    to: Lifecycle,
    operation: &str,
) -> Result<indicator::Model, StoreError> {
    let before = indicator(uow, uow.organisation_id()?, id).await?;
    if *before.lifecycle == to {
        return Err(StoreError::invalid(format!(
            "{} is already {to}",
            before.reference
        )));
    }
    if let Some(from) = from
        && *before.lifecycle != from
    {
        return Err(StoreError::invalid(format!(
            "{} is {}, not {from}",
            before.reference, before.lifecycle
        )));
    }
    let now = uow.now();
    let mut am: indicator::ActiveModel = before.clone().into();
    am.lifecycle = Set(Stored(to));
    match to {
        Lifecycle::Active => {
            am.approved_by = Set(uow.actor_id());
            am.approved_at = Set(Some(now));
        }
        Lifecycle::Retired => am.retired_at = Set(Some(now)),
        Lifecycle::Proposed => {}
    }
    am.version = Set(before.version + 1);
    let after = am.update(uow).await?;
    uow.audit(
        "indicator",
        after.id,
        operation,
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}
