//! Plans, their priorities (themes) and objectives, and who is told of a priority's
//! exceptions.
//!
//! The public portal sees published plans and their priorities, never anything of an
//! unpublished plan ([`Audience::Public`]).
use std::collections::HashSet;

use chrono::NaiveDate;
use pmf_core::{PlanKind, PlanStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::{
    Audience, Refusals, StoreError, Stored, UnitOfWork,
    change::{Change, check_version, save_edit},
    entity::{exception_recipient, objective, plan, priority, user},
    people, scoped,
};

/// A plan to add.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub kind: PlanKind,
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub parent_id: Option<i64>,
    pub status: PlanStatus,
    pub vision: Option<String>,
    pub mission: Option<String>,
    pub published: bool,
}

/// What to change of a plan; `None` and [`Change::Leave`] keep what is stored.
#[derive(Debug, Clone, Default)]
pub struct PlanChange {
    pub expected_version: Option<i32>,
    pub kind: Option<PlanKind>,
    pub title: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: Option<PlanStatus>,
    pub vision: Change<String>,
    pub mission: Change<String>,
    pub published: Option<bool>,
    pub parent_id: Change<i64>,
}

/// A priority to add to a plan.
#[derive(Debug, Clone)]
pub struct NewPriority {
    pub plan_id: i64,
    pub code: Option<String>,
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct PriorityChange {
    pub expected_version: Option<i32>,
    pub code: Change<String>,
    pub title: Option<String>,
    pub description: Change<String>,
    pub position: Option<i32>,
}

/// An objective to add under a priority.
#[derive(Debug, Clone)]
pub struct NewObjective {
    pub priority_id: i64,
    pub code: Option<String>,
    pub title: String,
}

#[derive(Debug, Clone, Default)]
pub struct ObjectiveChange {
    pub code: Change<String>,
    pub title: Option<String>,
}

fn check_dates(start: NaiveDate, end: NaiveDate) -> Result<(), StoreError> {
    if end <= start {
        return Err(StoreError::invalid(
            "the end date (endDate) must be after the start date",
        ));
    }
    Ok(())
}

/// Every refusal of a plan to add, at once: its dates in the wrong order, a parent plan that
/// is not the council's. Reads only.
pub async fn check_new_plan<C: ConnectionTrait>(
    db: &C,
    org: i64,
    new: &NewPlan,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    refusals.check("endDate", check_dates(new.start_date, new.end_date))?;
    if let Some(parent) = new.parent_id {
        refusals.check("parentId", plan(db, org, parent).await)?;
    }
    refusals.finish()
}

/// Every refusal of an edit to a plan, at once (see [`check_new_plan`]).
pub async fn check_plan_change<C: ConnectionTrait>(
    db: &C,
    org: i64,
    before: &plan::Model,
    change: &PlanChange,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    refusals.check(
        "endDate",
        check_dates(
            change.start_date.unwrap_or(before.start_date),
            change.end_date.unwrap_or(before.end_date),
        ),
    )?;
    if let Change::To(parent) = change.parent_id {
        if parent == before.id {
            refusals.refuse(
                "parentId",
                StoreError::invalid("a plan cannot belong to itself"),
            );
        } else {
            refusals.check("parentId", plan(db, org, parent).await)?;
        }
    }
    refusals.finish()
}

/// Every refusal of a priority to add, at once: a plan that is not the council's, a code
/// its plan already has. Reads only.
pub async fn check_new_priority<C: ConnectionTrait>(
    db: &C,
    org: i64,
    new: &NewPriority,
) -> Result<(), StoreError> {
    let mut refusals = Refusals::default();
    if refusals
        .check("planId", plan(db, org, new.plan_id).await)?
        .is_some()
        && let Some(code) = new.code.as_deref()
        && scoped::rows::<priority::Entity>(org)
            .filter(priority::Column::PlanId.eq(new.plan_id))
            .filter(priority::Column::Code.eq(code))
            .one(db)
            .await?
            .is_some()
    {
        refusals.refuse(
            "code",
            StoreError::conflict(format!("this plan already has a priority with code {code}")),
        );
    }
    refusals.finish()
}

// --- reads ---

/// One plan of the council (whatever its publication: writers see every plan).
pub async fn plan(db: &impl ConnectionTrait, org: i64, id: i64) -> Result<plan::Model, StoreError> {
    scoped::one::<plan::Entity, _>(db, org, id, "plan").await
}

/// The council's plans the audience may see, newest first.
pub async fn plans(
    db: &impl ConnectionTrait,
    org: i64,
    audience: Audience,
) -> Result<Vec<plan::Model>, StoreError> {
    let mut q = scoped::rows::<plan::Entity>(org);
    if audience.is_public() {
        q = q.filter(plan::Column::Published.eq(true));
    }
    Ok(q.order_by_desc(plan::Column::StartDate)
        .order_by_asc(plan::Column::Id)
        .all(db)
        .await?)
}

/// Of these plans, the ones the audience may see.
pub async fn plans_by_id<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    ids: impl IntoIterator<Item = i64>,
    audience: Audience,
) -> Result<Vec<plan::Model>, StoreError> {
    let mut q = scoped::rows_in::<plan::Entity>(organisation_id, plan::Column::Id, ids);
    if audience.is_public() {
        q = q.filter(plan::Column::Published.eq(true));
    }
    Ok(q.all(db).await?)
}

/// One priority of the council.
pub async fn priority(
    db: &impl ConnectionTrait,
    org: i64,
    id: i64,
) -> Result<priority::Model, StoreError> {
    scoped::one::<priority::Entity, _>(db, org, id, "priority").await
}

/// Of these priorities, the ones in plans the audience may see.
pub async fn priorities_by_id<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    ids: impl IntoIterator<Item = i64>,
    audience: Audience,
) -> Result<Vec<priority::Model>, StoreError> {
    let rows: Vec<priority::Model> =
        scoped::all_in::<priority::Entity, _>(db, organisation_id, priority::Column::Id, ids, &[])
            .await?;
    if !audience.is_public() {
        return Ok(rows);
    }
    let visible: HashSet<i64> = plans_by_id(
        db,
        organisation_id,
        rows.iter().map(|p| p.plan_id).collect::<Vec<_>>(),
        audience,
    )
    .await?
    .into_iter()
    .map(|p| p.id)
    .collect();
    Ok(rows
        .into_iter()
        .filter(|p| visible.contains(&p.plan_id))
        .collect())
}

/// The ids of [`priorities_by_id`].
pub async fn visible_priority_ids<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    ids: impl IntoIterator<Item = i64>,
    audience: Audience,
) -> Result<HashSet<i64>, StoreError> {
    Ok(priorities_by_id(db, organisation_id, ids, audience)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// The priorities of these plans, in their order within each plan.
pub async fn priorities_of_plans(
    db: &impl ConnectionTrait,
    org: i64,
    plan_ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<priority::Model>, StoreError> {
    use priority::Column::*;
    scoped::all_in::<priority::Entity, _>(db, org, PlanId, plan_ids, &[Position, Id]).await
}

/// The ids of a plan's priorities, when the plan is one the audience may see.
pub async fn priority_ids_of_plan<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    plan_id: i64,
    audience: Audience,
) -> Result<Vec<i64>, StoreError> {
    if plans_by_id(db, organisation_id, [plan_id], audience)
        .await?
        .is_empty()
    {
        return Err(StoreError::not_found("plan", plan_id));
    }
    Ok(priorities_of_plans(db, organisation_id, [plan_id])
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// The ids of the priorities in published plans: all the public portal may see.
pub async fn published_priority_ids<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<Vec<i64>, StoreError> {
    let plans: Vec<i64> = plans(db, organisation_id, Audience::Public)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(priorities_of_plans(db, organisation_id, plans)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// The first and last day of the plan a priority belongs to.
pub async fn plan_span(
    db: &impl ConnectionTrait,
    org: i64,
    priority_id: Option<i64>,
) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
    let Some(priority_id) = priority_id else {
        return Ok(None);
    };
    let Some(p) = scoped::find::<priority::Entity, _>(db, org, priority_id).await? else {
        return Ok(None);
    };
    Ok(scoped::find::<plan::Entity, _>(db, org, p.plan_id)
        .await?
        .map(|pl| (pl.start_date, pl.end_date)))
}

/// The objectives of these priorities, oldest first.
pub async fn objectives_of_priorities(
    db: &impl ConnectionTrait,
    org: i64,
    priorities: impl IntoIterator<Item = i64>,
) -> Result<Vec<objective::Model>, StoreError> {
    use objective::Column::*;
    scoped::all_in::<objective::Entity, _>(db, org, PriorityId, priorities, &[Id]).await
}

/// Who is told of a priority's exceptions, by user id.
pub async fn exception_recipient_ids(
    db: &impl ConnectionTrait,
    org: i64,
    priority_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(scoped::rows::<exception_recipient::Entity>(org)
        .filter(exception_recipient::Column::PriorityId.eq(priority_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

// --- writes ---

/// Adds a plan.
pub async fn create_plan(uow: &UnitOfWork, new: NewPlan) -> Result<plan::Model, StoreError> {
    let org = uow.organisation_id()?;
    check_new_plan(uow, org, &new).await?;
    let parent = new.parent_id;
    let row = plan::ActiveModel {
        organisation_id: Set(org),
        parent_id: Set(parent),
        kind: Set(Stored(new.kind)),
        title: Set(new.title),
        start_date: Set(new.start_date),
        end_date: Set(new.end_date),
        status: Set(Stored(new.status)),
        vision: Set(new.vision),
        mission: Set(new.mission),
        published: Set(new.published),
        version: Set(1),
        created_at: Set(uow.now()),
        ..Default::default()
    }
    .insert(uow)
    .await?;
    uow.audit_create("plan", row.id, &row).await?;
    Ok(row)
}

/// Edits a plan.
pub async fn update_plan(
    uow: &UnitOfWork,
    id: i64,
    change: PlanChange,
) -> Result<plan::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = plan(uow, org, id).await?;
    check_version("plan", before.version, change.expected_version)?;
    check_plan_change(uow, org, &before, &change).await?;
    let mut am: plan::ActiveModel = before.clone().into();
    if let Some(k) = change.kind {
        am.kind = Set(Stored(k));
    }
    if let Some(t) = change.title {
        am.title = Set(t);
    }
    let start = change.start_date.unwrap_or(before.start_date);
    let end = change.end_date.unwrap_or(before.end_date);
    am.start_date = Set(start);
    am.end_date = Set(end);
    if let Some(s) = change.status {
        am.status = Set(Stored(s));
    }
    if let Some(v) = change.vision.into_new() {
        am.vision = Set(v);
    }
    if let Some(v) = change.mission.into_new() {
        am.mission = Set(v);
    }
    if let Some(p) = change.published {
        am.published = Set(p);
    }
    match change.parent_id {
        Change::Leave => {}
        Change::Clear => am.parent_id = Set(None),
        Change::To(parent) => am.parent_id = Set(Some(parent)),
    }
    save_edit(uow, &before, am, String::new).await
}

/// Adds a priority at the end of its plan.
pub async fn create_priority(
    uow: &UnitOfWork,
    new: NewPriority,
) -> Result<priority::Model, StoreError> {
    let org = uow.organisation_id()?;
    // The plan is the council's: checked here, so read no more than its id.
    check_new_priority(uow, org, &new).await?;
    let position = priority::Entity::find()
        .filter(priority::Column::PlanId.eq(new.plan_id))
        .count(uow)
        .await? as i32;
    let code = new.code.clone();
    let row = priority::ActiveModel {
        organisation_id: Set(org),
        plan_id: Set(new.plan_id),
        code: Set(new.code),
        title: Set(new.title),
        description: Set(new.description),
        position: Set(position),
        version: Set(1),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| {
        StoreError::unique(e, || {
            format!(
                "this plan already has a priority with code {}",
                code.unwrap_or_default()
            )
        })
    })?;
    uow.audit_create("priority", row.id, &row).await?;
    Ok(row)
}

/// Edits a priority.
pub async fn update_priority(
    uow: &UnitOfWork,
    id: i64,
    change: PriorityChange,
) -> Result<priority::Model, StoreError> {
    let before = priority(uow, uow.organisation_id()?, id).await?;
    check_version("priority", before.version, change.expected_version)?;
    let mut am: priority::ActiveModel = before.clone().into();
    if let Some(v) = change.code.into_new() {
        am.code = Set(v);
    }
    if let Some(t) = change.title {
        am.title = Set(t);
    }
    if let Some(v) = change.description.into_new() {
        am.description = Set(v);
    }
    if let Some(p) = change.position {
        am.position = Set(p);
    }
    save_edit(uow, &before, am, || {
        "this plan already has a priority with that code".to_string()
    })
    .await
}

/// Adds an objective under a priority.
pub async fn create_objective(
    uow: &UnitOfWork,
    new: NewObjective,
) -> Result<objective::Model, StoreError> {
    let org = uow.organisation_id()?;
    let priority = priority(uow, org, new.priority_id).await?;
    let row = objective::ActiveModel {
        organisation_id: Set(org),
        priority_id: Set(priority.id),
        code: Set(new.code),
        title: Set(new.title),
        ..Default::default()
    }
    .insert(uow)
    .await?;
    uow.audit_create("objective", row.id, &row).await?;
    Ok(row)
}

/// Edits an objective.
pub async fn update_objective(
    uow: &UnitOfWork,
    id: i64,
    change: ObjectiveChange,
) -> Result<objective::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = scoped::one::<objective::Entity, _>(uow, org, id, "objective").await?;
    let mut am: objective::ActiveModel = before.clone().into();
    if let Some(v) = change.code.into_new() {
        am.code = Set(v);
    }
    if let Some(t) = change.title {
        am.title = Set(t);
    }
    let after = am.update(uow).await?;
    uow.audit("objective", id, "update", Some(&before), Some(&after))
        .await?;
    Ok(after)
}

/// Sets who receives a priority's exception alerts, replacing the list (each user once, in
/// the order given); returns them.
pub async fn set_exception_recipients(
    uow: &UnitOfWork,
    priority_id: i64,
    user_ids: &[i64],
) -> Result<Vec<user::Model>, StoreError> {
    let org = uow.organisation_id()?;
    let priority = priority(uow, org, priority_id).await?;
    let mut users: Vec<user::Model> = Vec::new();
    for &id in user_ids {
        if users.iter().any(|u| u.id == id) {
            continue;
        }
        users.push(people::user(uow, org, id).await?);
    }
    let before = exception_recipient_ids(uow, org, priority.id).await?;
    exception_recipient::Entity::delete_many()
        .filter(exception_recipient::Column::PriorityId.eq(priority.id))
        .exec(uow)
        .await?;
    for u in &users {
        exception_recipient::ActiveModel {
            organisation_id: Set(org),
            priority_id: Set(priority.id),
            user_id: Set(u.id),
            ..Default::default()
        }
        .insert(uow)
        .await?;
    }
    let after: Vec<i64> = users.iter().map(|u| u.id).collect();
    uow.audit(
        "exception_recipients",
        priority.id,
        "update",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(users)
}
