//! Actions (projects, workstreams) under a council's priorities, and their quarterly
//! updates.
use chrono::NaiveDate;
use pmf_core::{ActionStatus, Delivery, DueKind, Frequency, Period};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set};

use crate::{
    Audience, OrganisationSettings, Refusals, StoreError, Stored, UnitOfWork, alerts,
    change::{Change, check_version, save_edit},
    entity::{action, action_update},
    people, plans, scoped,
};

/// An action to add to a priority.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub priority_id: i64,
    pub reference: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub sponsor_id: Option<i64>,
    pub delivery: Delivery,
    pub planned_start: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// Why there is no due date (NOT_SET unless told); ignored when there is one.
    pub due_kind: Option<DueKind>,
}

/// What to change of an action; `None` and [`Change::Leave`] keep what is stored.
#[derive(Debug, Clone, Default)]
pub struct ActionChange {
    pub expected_version: Option<i32>,
    pub reference: Change<String>,
    pub title: Option<String>,
    pub description: Change<String>,
    pub owner_id: Change<i64>,
    pub sponsor_id: Change<i64>,
    pub delivery: Option<Delivery>,
    pub planned_start: Change<NaiveDate>,
    pub actual_start: Change<NaiveDate>,
    pub due_date: Change<NaiveDate>,
    pub due_kind: Change<DueKind>,
    pub estimated_completion: Change<NaiveDate>,
    pub completed_on: Change<NaiveDate>,
}

/// An action's progress for a quarter.
#[derive(Debug, Clone)]
pub struct ActionUpdateEntry {
    pub period: Period,
    pub status: ActionStatus,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub estimated_completion: Option<NaiveDate>,
}

/// Which actions to list.
#[derive(Debug, Clone, Default)]
pub struct ActionQuery {
    pub priority_id: Option<i64>,
    /// Only those of this plan's priorities (the plan must be one the audience sees).
    pub plan_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub delivery: Option<Delivery>,
    /// Words that must all be in the reference or title, any case.
    pub search: Option<String>,
}

// --- reads ---

/// One action of the council.
pub async fn action(
    db: &impl ConnectionTrait,
    org: i64,
    id: i64,
) -> Result<action::Model, StoreError> {
    scoped::one::<action::Entity, _>(db, org, id, "action").await
}

/// These actions of the council.
pub async fn actions_by_id(
    db: &impl ConnectionTrait,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<action::Model>, StoreError> {
    scoped::all_in::<action::Entity, _>(db, org, action::Column::Id, ids, &[]).await
}

/// The actions of these priorities, in id order.
pub async fn actions_of_priorities(
    db: &impl ConnectionTrait,
    org: i64,
    priorities: impl IntoIterator<Item = i64>,
) -> Result<Vec<action::Model>, StoreError> {
    use action::Column::*;
    scoped::all_in::<action::Entity, _>(db, org, PriorityId, priorities, &[Id]).await
}

/// The updates of these actions, oldest first (by quarter, then when recorded).
pub async fn updates_of_actions(
    db: &impl ConnectionTrait,
    org: i64,
    action_ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<action_update::Model>, StoreError> {
    use action_update::Column::*;
    scoped::all_in::<action_update::Entity, _>(
        db,
        org,
        ActionId,
        action_ids,
        &[PeriodEnd, CreatedAt, Id],
    )
    .await
}

/// The actions the audience may see that match the query, in id order (the public portal:
/// those of published plans).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    query: ActionQuery,
    audience: Audience,
) -> Result<Vec<action::Model>, StoreError> {
    let mut q = scoped::rows::<action::Entity>(organisation_id);
    if let Some(id) = query.priority_id {
        q = q.filter(action::Column::PriorityId.eq(id));
    }
    if let Some(plan) = query.plan_id {
        let priorities = plans::priority_ids_of_plan(db, organisation_id, plan, audience).await?;
        q = q.filter(action::Column::PriorityId.is_in(priorities));
    }
    if let Some(id) = query.owner_id {
        q = q.filter(action::Column::OwnerId.eq(id));
    }
    if let Some(d) = query.delivery {
        q = q.filter(action::Column::Delivery.eq(Stored(d)));
    }
    if let Some(words) = query.search.as_deref() {
        q = scoped::words_in_title_or_reference(
            q,
            action::Column::Title,
            action::Column::Reference,
            words,
        );
    }
    if audience.is_public() {
        let visible = plans::published_priority_ids(db, organisation_id).await?;
        q = q.filter(action::Column::PriorityId.is_in(visible));
    }
    Ok(q.order_by_asc(action::Column::Id).all(db).await?)
}

/// Whether an action has an update for the quarter.
pub async fn has_update<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    action_id: i64,
    period: Period,
) -> Result<bool, StoreError> {
    Ok(scoped::rows::<action_update::Entity>(organisation_id)
        .filter(action_update::Column::ActionId.eq(action_id))
        .filter(action_update::Column::Period.eq(Stored(period)))
        .one(db)
        .await?
        .is_some())
}

// --- writes ---

/// What an action names that must exist in the council, and a reference that must not be
/// another action's.
#[derive(Default)]
struct References<'a> {
    reference: Option<&'a str>,
    /// The action itself, when editing.
    id: Option<i64>,
    priority_id: Option<i64>,
    owner_id: Option<i64>,
    sponsor_id: Option<i64>,
}

async fn check_references<C: ConnectionTrait>(
    db: &C,
    org: i64,
    refusals: &mut Refusals,
    refs: References<'_>,
) -> Result<(), StoreError> {
    if let Some(reference) = refs.reference.filter(|r| !r.is_empty())
        && let Some(other) = scoped::rows::<action::Entity>(org)
            .filter(action::Column::Reference.eq(reference))
            .one(db)
            .await?
        && Some(other.id) != refs.id
    {
        refusals.refuse(
            "ref",
            StoreError::conflict(format!("an action with ref {reference} already exists")),
        );
    }
    people::check_priority_and_owner(db, org, refusals, refs.priority_id, refs.owner_id, "action")
        .await?;
    if let Some(id) = refs.sponsor_id {
        refusals.check("sponsorId", people::user_in(db, org, id, "sponsorId").await)?;
    }
    Ok(())
}

/// Every refusal of an action to add, at once: a due date before its planned start, a
/// priority, owner or sponsor that is not the council's (or an owner who cannot record), a
/// reference already taken. Reads only.
pub async fn check_new<C: ConnectionTrait>(
    db: &C,
    org: i64,
    new: &NewAction,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    if let (Some(start), Some(due)) = (new.planned_start, new.due_date)
        && due < start
    {
        refusals.refuse(
            "dueDate",
            StoreError::invalid("dueDate must not be before plannedStart"),
        );
    }
    check_references(
        db,
        org,
        &mut refusals,
        References {
            reference: new.reference.as_deref(),
            id: None,
            priority_id: Some(new.priority_id),
            owner_id: new.owner_id,
            sponsor_id: new.sponsor_id,
        },
    )
    .await?;
    refusals.finish()
}

/// Every refusal of an edit to an action, at once (see [`check_new`]).
pub async fn check_change<C: ConnectionTrait>(
    db: &C,
    org: i64,
    id: i64,
    change: &ActionChange,
) -> Result<(), StoreError> {
    let to = |c: &Change<i64>| match c {
        Change::To(id) => Some(*id),
        _ => None,
    };
    let mut refusals = Refusals::default();
    check_references(
        db,
        org,
        &mut refusals,
        References {
            reference: match &change.reference {
                Change::To(r) => Some(r.as_str()),
                _ => None,
            },
            id: Some(id),
            priority_id: None,
            owner_id: to(&change.owner_id),
            sponsor_id: to(&change.sponsor_id),
        },
    )
    .await?;
    refusals.finish()
}

/// Adds an action.
pub async fn create_action(uow: &UnitOfWork, new: NewAction) -> Result<action::Model, StoreError> {
    let org = uow.organisation_id()?;
    check_new(uow, org, &new).await?;
    let (owner, sponsor) = (new.owner_id, new.sponsor_id);
    let due_kind = match new.due_date {
        Some(_) => None,
        None => Some(Stored(new.due_kind.unwrap_or(DueKind::NotSet))),
    };
    let reference = new.reference.clone();
    let row = action::ActiveModel {
        organisation_id: Set(org),
        priority_id: Set(Some(new.priority_id)),
        objective_id: Set(None),
        reference: Set(new.reference),
        title: Set(new.title),
        description: Set(new.description),
        owner_id: Set(owner),
        sponsor_id: Set(sponsor),
        delivery: Set(Stored(new.delivery)),
        planned_start: Set(new.planned_start),
        actual_start: Set(None),
        due_date: Set(new.due_date),
        due_kind: Set(due_kind),
        estimated_completion: Set(None),
        completed_on: Set(None),
        version: Set(1),
        created_at: Set(uow.now()),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| {
        StoreError::unique(e, || {
            format!(
                "an action with ref {} already exists",
                reference.unwrap_or_default()
            )
        })
    })?;
    uow.audit_create("action", row.id, &row).await?;
    Ok(row)
}

/// Edits an action.
pub async fn update_action(
    uow: &UnitOfWork,
    id: i64,
    change: ActionChange,
) -> Result<action::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = action(uow, org, id).await?;
    check_version("action", before.version, change.expected_version)?;
    check_change(uow, org, id, &change).await?;
    let mut am: action::ActiveModel = before.clone().into();
    if let Some(v) = change.reference.into_new() {
        am.reference = Set(v);
    }
    if let Some(t) = change.title {
        am.title = Set(t);
    }
    if let Some(v) = change.description.into_new() {
        am.description = Set(v);
    }
    if let Some(v) = change.owner_id.into_new() {
        am.owner_id = Set(v);
    }
    if let Some(v) = change.sponsor_id.into_new() {
        am.sponsor_id = Set(v);
    }
    if let Some(d) = change.delivery {
        am.delivery = Set(Stored(d));
    }
    if let Some(v) = change.planned_start.into_new() {
        am.planned_start = Set(v);
    }
    if let Some(v) = change.actual_start.into_new() {
        am.actual_start = Set(v);
    }
    if let Some(v) = change.due_date.into_new() {
        am.due_date = Set(v);
    }
    if let Some(v) = change.due_kind.into_new() {
        am.due_kind = Set(v.map(Stored));
    }
    if let Some(v) = change.estimated_completion.into_new() {
        am.estimated_completion = Set(v);
    }
    if let Some(v) = change.completed_on.into_new() {
        am.completed_on = Set(v);
    }
    save_edit(uow, &before, am, || {
        "an action with that ref already exists".to_string()
    })
    .await
}

/// Refuses a period that is not a quarter inside the plan of the priority.
async fn check_quarter<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    priority_id: Option<i64>,
    period: &Period,
) -> Result<(), StoreError> {
    let fy = org.fy_start;
    if period.frequency() != Frequency::Quarterly {
        return Err(StoreError::invalid(format!(
            "action updates are quarterly: give a quarter such as \"{}\", not {period}",
            Period::containing(period.end_date(fy), Frequency::Quarterly, fy)
        )));
    }
    if let Some((start, end)) = plans::plan_span(db, org.id, priority_id).await?
        && (period.end_date(fy) < start || period.start_date(fy) > end)
    {
        return Err(StoreError::invalid(format!(
            "{period} is outside the plan ({start} to {end})"
        )));
    }
    Ok(())
}

/// Records an action's progress for a quarter: the update, what it tells of the action
/// (started, completed, estimated completion), and the exception alert a RED (or AMBER)
/// update raises, in the unit of work. Returns the action as it now is.
pub async fn record_update(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    links: &pmf_mail::Links,
    action_id: i64,
    entry: ActionUpdateEntry,
) -> Result<action::Model, StoreError> {
    let fy = org.fy_start;
    let existing = action(uow, org.id, action_id).await?;
    let period = entry.period;
    check_quarter(uow, org, existing.priority_id, &period).await?;
    let now = uow.now();
    let today = now.with_timezone(&org.time_zone).date_naive();
    let update = action_update::ActiveModel {
        organisation_id: Set(org.id),
        action_id: Set(existing.id),
        period: Set(Stored(period)),
        period_end: Set(period.end_date(fy)),
        status: Set(Stored(entry.status)),
        commentary: Set(entry.commentary),
        next_steps: Set(entry.next_steps),
        author_id: Set(uow.actor_id()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(uow)
    .await?;
    let mut changed: action::ActiveModel = existing.clone().into();
    if let Some(d) = entry.estimated_completion {
        changed.estimated_completion = Set(Some(d));
    }
    if entry.status == ActionStatus::Completed && existing.completed_on.is_none() {
        changed.completed_on = Set(Some(today));
    }
    if existing.actual_start.is_none() && entry.status != ActionStatus::NotStarted {
        let start = period.start_date(fy);
        changed.actual_start = Set(Some(start.max(existing.planned_start.unwrap_or(start))));
    }
    changed.version = Set(existing.version + 1);
    let after = changed.update(uow).await?;
    let previous =
        alerts::previous_action_status(uow, org, existing.id, &period, update.id).await?;
    alerts::on_action_update(uow, org, links, &after, &update, previous, now).await?;
    uow.audit_create("action_update", update.id, &update)
        .await?;
    Ok(after)
}
