//! Every `Mutation` of the contract. Each one checks who may write, validates its input
//! completely before touching anything, and writes its change and the audit entry in one
//! transaction.
use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use pmf_core::{Email, Frequency as CoreFrequency, Period, Role as CoreRole};
use pmf_store::{
    OrganisationSettings, UnitOfWork, audit,
    entity::{action, action_update, deadline_extension, indicator, plan, priority, target, user},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::{
    context::{request, scope, signed_in},
    enums::*,
    scalars::Date,
    types::*,
};
use crate::error::{GqlError, GqlResult, gql};

pub const MAX_TITLE: usize = 300;
pub const MAX_TEXT: usize = 20_000;

/// A required, trimmed, bounded line of text.
pub fn required_text(field: &str, value: &str, max: usize) -> GqlResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(gql::bad_input(format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(gql::bad_input(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(v.to_string())
}

/// Optional text: blank becomes null.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> GqlResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

pub fn finite(field: &str, value: f64) -> GqlResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(gql::bad_input(format!("{field} must be a finite number")))
    }
}

pub fn role_of(user: &user::Model) -> GqlResult<CoreRole> {
    user.role
        .parse::<CoreRole>()
        .map_err(|_| gql::internal(anyhow::anyhow!("user {} has role {:?}", user.id, user.role)))
}

/// The signed-in user, refused unless their role is one of `roles`.
pub fn require_role<'a>(
    ctx: &Context<'a>,
    roles: &[CoreRole],
    doing: &str,
) -> GqlResult<&'a user::Model> {
    let user = signed_in(ctx)?;
    let role = role_of(user)?;
    if roles.contains(&role) {
        Ok(user)
    } else {
        Err(gql::forbidden(format!(
            "your role ({}) may not {doing}",
            role.as_str()
        )))
    }
}

/// The owner's line managers, nearest first (cycles and runaway chains are cut).
pub async fn manager_chain<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    owner_id: i64,
) -> GqlResult<Vec<i64>> {
    let users = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .all(db)
        .await?;
    let manager_of = |id: i64| users.iter().find(|u| u.id == id).and_then(|u| u.manager_id);
    let mut chain = Vec::new();
    let mut current = owner_id;
    while let Some(manager) = manager_of(current) {
        if manager == owner_id || chain.contains(&manager) || chain.len() >= 64 {
            break;
        }
        chain.push(manager);
        current = manager;
    }
    Ok(chain)
}

/// Refuses unless the signed-in user may write what `owner_id` owns (SPEC §5).
pub async fn require_owner_write<'a>(
    ctx: &Context<'a>,
    owner_id: Option<i64>,
    what: &str,
) -> GqlResult<&'a user::Model> {
    let scope = scope(ctx)?;
    let user = signed_in(ctx)?;
    let role = role_of(user)?;
    let chain = match owner_id {
        Some(owner) if matches!(role, CoreRole::Manager | CoreRole::Executive) => {
            manager_chain(&request(ctx).db.conn, &scope.org, owner).await?
        }
        _ => Vec::new(),
    };
    if pmf_core::can_write(role, user.id, owner_id, &chain) {
        Ok(user)
    } else {
        Err(gql::forbidden(match role {
            CoreRole::Viewer => "viewers cannot change anything".to_string(),
            CoreRole::Officer => format!("only the owner of this {what} may change it"),
            _ => format!("this {what} is owned by someone who does not report to you"),
        }))
    }
}

fn map_unique(e: sea_orm::DbErr, conflict: impl FnOnce() -> String) -> GqlError {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => gql::conflict(conflict()),
        _ => GqlError::from(e),
    }
}

/// Checks that `period` is one the indicator can hold: its own frequency and inside its plan.
pub async fn check_indicator_period<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    row: &indicator::Model,
    period: &Period,
) -> GqlResult<()> {
    let fy = org.fy_start;
    let frequency: CoreFrequency = row
        .frequency
        .parse()
        .map_err(|_| gql::internal(anyhow::anyhow!("indicator {} frequency", row.id)))?;
    if period.frequency() != frequency {
        return Err(gql::bad_input(format!(
            "{} is recorded {}: {period} is not one of its periods",
            row.reference,
            frequency.as_str().to_lowercase()
        )));
    }
    if let Some(span) = plan_span(db, org, row.priority_id).await?
        && (period.start_date(fy) < span.0 || period.end_date(fy) > span.1)
    {
        return Err(gql::bad_input(format!(
            "{period} is outside the plan ({} to {})",
            span.0, span.1
        )));
    }
    Ok(())
}

async fn plan_span<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    priority_id: Option<i64>,
) -> GqlResult<Option<(NaiveDate, NaiveDate)>> {
    let Some(priority_id) = priority_id else {
        return Ok(None);
    };
    let Some(p) = priority::Entity::find_by_id(priority_id)
        .filter(priority::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(plan::Entity::find_by_id(p.plan_id)
        .filter(plan::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .map(|pl| (pl.start_date, pl.end_date)))
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub manager_id: Option<ID>,
}

#[derive(InputObject)]
pub struct CreatePlanInput {
    pub kind: PlanKind,
    pub title: String,
    pub start_date: Date,
    pub end_date: Date,
    pub parent_id: Option<ID>,
    pub status: Option<PlanStatus>,
    pub vision: Option<String>,
    pub mission: Option<String>,
    /// Visible on the public portal.
    #[graphql(default)]
    pub published: bool,
}

#[derive(InputObject)]
pub struct CreatePriorityInput {
    pub plan_id: ID,
    pub code: Option<String>,
    pub title: String,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct CreateActionInput {
    pub priority_id: ID,
    #[graphql(name = "ref")]
    pub reference: Option<String>,
    pub title: String,
    pub owner_id: Option<ID>,
    #[graphql(default_with = "Some(Delivery::Council)")]
    pub delivery: Option<Delivery>,
    pub due_date: Option<Date>,
    pub description: Option<String>,
    pub sponsor_id: Option<ID>,
    pub planned_start: Option<Date>,
    pub due_kind: Option<DueKind>,
}

#[derive(InputObject)]
pub struct ActionUpdateInput {
    pub action_id: ID,
    pub period: String,
    pub status: ActionStatus,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub estimated_completion: Option<Date>,
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
    #[graphql(default_with = "Some(5.0)")]
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
}

#[derive(InputObject)]
pub struct SetTargetInput {
    pub indicator_id: ID,
    /// The financial year ("2025-26") for the annual target, or one of the indicator's own
    /// periods for a profile target.
    pub period: String,
    pub value: f64,
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

#[derive(InputObject)]
pub struct DeadlineExtensionInput {
    pub indicator_id: Option<ID>,
    pub action_id: Option<ID>,
    pub period: String,
    pub due_date: Date,
    pub reason: String,
}

#[derive(Default)]
pub struct ContractMutations;

/// Roles that keep the register (plans, priorities, users).
const REGISTER: &[CoreRole] = &[CoreRole::Admin];
/// Roles that may create actions and set targets.
pub const SENIOR: &[CoreRole] = &[CoreRole::Admin, CoreRole::Executive];

/// A unit of work for the caller's council: committing it moves the council's data version
/// on in the same transaction.
pub async fn begin(ctx: &Context<'_>) -> GqlResult<UnitOfWork> {
    let org = &scope(ctx)?.org;
    Ok(UnitOfWork::begin(&request(ctx).db, org.id).await?)
}

async fn user_in_org<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    id: Option<&ID>,
    field: &str,
) -> GqlResult<Option<user::Model>> {
    let Some(id) = id else { return Ok(None) };
    let parsed = parse_id(id, "user")?;
    let found = user::Entity::find_by_id(parsed)
        .filter(user::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?;
    match found {
        Some(u) => Ok(Some(u)),
        None => Err(gql::not_found_msg(format!(
            "{field}: no user with id {id}",
            id = id.as_str()
        ))),
    }
}

#[Object]
impl ContractMutations {
    /// Adds a user to the council (ADMIN).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> GqlResult<UserObj> {
        let actor = require_role(ctx, REGISTER, "add users")?;
        let org = &scope(ctx)?.org;
        let name = required_text("name", &input.name, MAX_TITLE)?;
        let email = Email::parse(&input.email).map_err(|e| gql::bad_input(e.to_string()))?;
        let txn = begin(ctx).await?;
        let manager = user_in_org(&txn, org, input.manager_id.as_ref(), "managerId").await?;
        let now = request(ctx).now;
        let row = user::ActiveModel {
            organisation_id: Set(org.id),
            name: Set(name),
            email: Set(email.as_str().to_string()),
            role: Set(input.role.as_str().to_string()),
            manager_id: Set(manager.map(|m| m.id)),
            active: Set(true),
            notification_preference: Set("IMMEDIATE".into()),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| map_unique(e, || format!("a user with e-mail {email} already exists")))?;
        audit_create(&txn, org, actor, now, "user", row.id, &row).await?;
        txn.commit().await?;
        Ok(UserObj(row))
    }

    /// Adds a plan (ADMIN).
    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> GqlResult<PlanObj> {
        let actor = require_role(ctx, REGISTER, "create plans")?;
        let org = &scope(ctx)?.org;
        let title = required_text("title", &input.title, MAX_TITLE)?;
        if input.end_date.0 <= input.start_date.0 {
            return Err(gql::bad_input("endDate must be after startDate"));
        }
        let txn = begin(ctx).await?;
        let parent = match &input.parent_id {
            Some(id) => Some(find_plan(&txn, org, parse_id(id, "plan")?).await?.id),
            None => None,
        };
        let now = request(ctx).now;
        let row = plan::ActiveModel {
            organisation_id: Set(org.id),
            parent_id: Set(parent),
            kind: Set(input.kind.as_str().to_string()),
            title: Set(title),
            start_date: Set(input.start_date.0),
            end_date: Set(input.end_date.0),
            status: Set(input
                .status
                .unwrap_or(PlanStatus::Adopted)
                .as_str()
                .to_string()),
            vision: Set(optional_text("vision", input.vision.as_deref(), MAX_TEXT)?),
            mission: Set(optional_text(
                "mission",
                input.mission.as_deref(),
                MAX_TEXT,
            )?),
            published: Set(input.published),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit_create(&txn, org, actor, now, "plan", row.id, &row).await?;
        txn.commit().await?;
        Ok(PlanObj(row))
    }

    /// Adds a priority (theme) to a plan (ADMIN).
    async fn create_priority(
        &self,
        ctx: &Context<'_>,
        input: CreatePriorityInput,
    ) -> GqlResult<PriorityObj> {
        let actor = require_role(ctx, REGISTER, "create priorities")?;
        let org = &scope(ctx)?.org;
        let title = required_text("title", &input.title, MAX_TITLE)?;
        let code = optional_text("code", input.code.as_deref(), 32)?;
        let txn = begin(ctx).await?;
        let plan = find_plan(&txn, org, parse_id(&input.plan_id, "plan")?).await?;
        let position = priority::Entity::find()
            .filter(priority::Column::PlanId.eq(plan.id))
            .count(&txn)
            .await? as i32;
        let now = request(ctx).now;
        let row = priority::ActiveModel {
            organisation_id: Set(org.id),
            plan_id: Set(plan.id),
            code: Set(code.clone()),
            title: Set(title),
            description: Set(optional_text(
                "description",
                input.description.as_deref(),
                MAX_TEXT,
            )?),
            position: Set(position),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            map_unique(e, || {
                format!(
                    "this plan already has a priority with code {}",
                    code.unwrap_or_default()
                )
            })
        })?;
        audit_create(&txn, org, actor, now, "priority", row.id, &row).await?;
        txn.commit().await?;
        Ok(PriorityObj(row))
    }

    /// Adds an action (project, workstream) to a priority (ADMIN, EXECUTIVE).
    async fn create_action(
        &self,
        ctx: &Context<'_>,
        input: CreateActionInput,
    ) -> GqlResult<ActionObj> {
        let actor = require_role(ctx, SENIOR, "create actions")?;
        let org = &scope(ctx)?.org;
        let title = required_text("title", &input.title, MAX_TITLE)?;
        let reference = optional_text("ref", input.reference.as_deref(), 32)?;
        let txn = begin(ctx).await?;
        let priority = find_priority(&txn, org, parse_id(&input.priority_id, "priority")?).await?;
        let owner = user_in_org(&txn, org, input.owner_id.as_ref(), "ownerId").await?;
        let sponsor = user_in_org(&txn, org, input.sponsor_id.as_ref(), "sponsorId").await?;
        let now = request(ctx).now;
        let due_kind = match (input.due_date, input.due_kind) {
            (Some(_), _) => None,
            (None, kind) => Some(kind.unwrap_or(DueKind::NotSet).as_str().to_string()),
        };
        let row = action::ActiveModel {
            organisation_id: Set(org.id),
            priority_id: Set(Some(priority.id)),
            objective_id: Set(None),
            reference: Set(reference.clone()),
            title: Set(title),
            description: Set(optional_text(
                "description",
                input.description.as_deref(),
                MAX_TEXT,
            )?),
            owner_id: Set(owner.map(|u| u.id)),
            sponsor_id: Set(sponsor.map(|u| u.id)),
            delivery: Set(input
                .delivery
                .unwrap_or(Delivery::Council)
                .as_str()
                .to_string()),
            planned_start: Set(input.planned_start.map(|d| d.0)),
            actual_start: Set(None),
            due_date: Set(input.due_date.map(|d| d.0)),
            due_kind: Set(due_kind),
            estimated_completion: Set(None),
            completed_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            map_unique(e, || {
                format!(
                    "an action with ref {} already exists",
                    reference.unwrap_or_default()
                )
            })
        })?;
        audit_create(&txn, org, actor, now, "action", row.id, &row).await?;
        txn.commit().await?;
        Ok(ActionObj(row))
    }

    /// Records an action's progress for a quarter (its owner, or their managers, or ADMIN).
    async fn record_action_update(
        &self,
        ctx: &Context<'_>,
        input: ActionUpdateInput,
    ) -> GqlResult<ActionObj> {
        let org = scope(ctx)?.org.clone();
        let fy = org.fy_start;
        let db = &request(ctx).db.conn;
        let action_id = parse_id(&input.action_id, "action")?;
        let existing = find_action(db, &org, action_id).await?;
        let actor = require_owner_write(ctx, existing.owner_id, "action")
            .await?
            .clone();
        let period = parse_period(&input.period)?;
        if period.frequency() != CoreFrequency::Quarterly {
            return Err(gql::bad_input(format!(
                "action updates are quarterly: give a quarter such as \"{}\", not {period}",
                Period::containing(period.end_date(fy), CoreFrequency::Quarterly, fy)
            )));
        }
        if let Some((start, end)) = plan_span(db, &org, existing.priority_id).await?
            && (period.end_date(fy) < start || period.start_date(fy) > end)
        {
            return Err(gql::bad_input(format!(
                "{period} is outside the plan ({start} to {end})"
            )));
        }
        let commentary = optional_text("commentary", input.commentary.as_deref(), MAX_TEXT)?;
        let next_steps = optional_text("nextSteps", input.next_steps.as_deref(), MAX_TEXT)?;
        let now = request(ctx).now;
        let today = now.with_timezone(&org.time_zone).date_naive();
        let txn = begin(ctx).await?;
        let update = action_update::ActiveModel {
            organisation_id: Set(org.id),
            action_id: Set(existing.id),
            period: Set(period.to_string()),
            period_end: Set(period.end_date(fy)),
            status: Set(input.status.as_str().to_string()),
            commentary: Set(commentary),
            next_steps: Set(next_steps),
            author_id: Set(Some(actor.id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut changed: action::ActiveModel = existing.clone().into();
        if let Some(d) = input.estimated_completion {
            changed.estimated_completion = Set(Some(d.0));
        }
        if input.status == ActionStatus::Completed && existing.completed_on.is_none() {
            changed.completed_on = Set(Some(today));
        }
        if existing.actual_start.is_none() && !matches!(input.status, ActionStatus::NotStarted) {
            changed.actual_start =
                Set(Some(period.start_date(fy).max(
                    existing.planned_start.unwrap_or(period.start_date(fy)),
                )));
        }
        changed.version = Set(existing.version + 1);
        let after = changed.update(&txn).await?;
        let previous =
            pmf_store::alerts::previous_action_status(&txn, &org, existing.id, &period, update.id)
                .await?;
        let links = pmf_mail::Links::new(&request(ctx).public_url);
        pmf_store::alerts::on_action_update(&txn, &org, &links, &after, &update, previous, now)
            .await?;
        audit::record(
            &txn,
            audit::Change {
                organisation_id: org.id,
                actor_id: Some(actor.id),
                at: now,
                entity: "action_update",
                entity_id: Some(update.id),
                operation: "create",
                before: None::<&()>,
                after: Some(&update),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(ActionObj(after))
    }

    /// Adds an indicator: ACTIVE at once for an ADMIN, PROPOSED (awaiting approval) for others.
    async fn create_indicator(
        &self,
        ctx: &Context<'_>,
        input: CreateIndicatorInput,
    ) -> GqlResult<IndicatorObj> {
        let actor = require_role(
            ctx,
            &[
                CoreRole::Admin,
                CoreRole::Executive,
                CoreRole::Manager,
                CoreRole::Officer,
            ],
            "propose indicators",
        )?;
        let org = &scope(ctx)?.org;
        let reference = required_text("ref", &input.reference, 32)?;
        let title = required_text("title", &input.title, MAX_TITLE)?;
        let (tolerance_kind, tolerance_value) = match input.tolerance_absolute {
            Some(v) => {
                pmf_core::Tolerance::absolute(v).map_err(|e| gql::bad_input(e.to_string()))?;
                ("ABSOLUTE", v)
            }
            None => {
                let pct = input.tolerance_pct.unwrap_or(5.0);
                pmf_core::Tolerance::relative_pct(pct)
                    .map_err(|e| gql::bad_input(format!("tolerancePct: {e}")))?;
                ("RELATIVE", pct)
            }
        };
        let decimals = input.decimals.unwrap_or(match input.unit {
            Unit::Percent | Unit::Ratio | Unit::Days => 1,
            Unit::Currency => 2,
            _ => 0,
        });
        if !(0..=6).contains(&decimals) {
            return Err(gql::bad_input("decimals must be between 0 and 6"));
        }
        let first_period = input
            .first_period
            .as_deref()
            .map(parse_period)
            .transpose()?;
        if let Some(p) = first_period
            && p.frequency() != input.frequency.into()
        {
            return Err(gql::bad_input(format!(
                "firstPeriod {p} is not a {} period",
                input.frequency.as_str().to_lowercase()
            )));
        }
        let txn = begin(ctx).await?;
        let priority = match &input.priority_id {
            Some(id) => Some(find_priority(&txn, org, parse_id(id, "priority")?).await?),
            None => None,
        };
        let owner = user_in_org(&txn, org, input.owner_id.as_ref(), "ownerId").await?;
        let now = request(ctx).now;
        let is_admin = role_of(actor)? == CoreRole::Admin;
        let row = indicator::ActiveModel {
            organisation_id: Set(org.id),
            priority_id: Set(priority.map(|p| p.id)),
            reference: Set(reference.clone()),
            title: Set(title),
            definition: Set(optional_text(
                "definition",
                input.definition.as_deref(),
                MAX_TEXT,
            )?),
            level: Set(input
                .level
                .unwrap_or(IndicatorLevel::Kpm)
                .as_str()
                .to_string()),
            indicator_type: Set(input
                .indicator_type
                .unwrap_or(IndicatorType::Outcome)
                .as_str()
                .to_string()),
            unit: Set(input.unit.as_str().to_string()),
            decimals: Set(decimals as i16),
            polarity: Set(input.polarity.as_str().to_string()),
            frequency: Set(input.frequency.as_str().to_string()),
            cumulative: Set(input.cumulative.unwrap_or(false)),
            monitor_only: Set(input.monitor_only.unwrap_or(false)),
            tolerance_kind: Set(tolerance_kind.to_string()),
            tolerance_value: Set(tolerance_value),
            owner_id: Set(owner.map(|u| u.id)),
            data_source: Set(optional_text(
                "dataSource",
                input.data_source.as_deref(),
                MAX_TITLE,
            )?),
            information_asset_ref: Set(optional_text(
                "informationAssetRef",
                input.information_asset_ref.as_deref(),
                64,
            )?),
            published: Set(input.published),
            lifecycle: Set(if is_admin { "ACTIVE" } else { "PROPOSED" }.to_string()),
            first_period: Set(first_period.map(|p| p.to_string())),
            proposed_by: Set(Some(actor.id)),
            approved_by: Set(is_admin.then_some(actor.id)),
            approved_at: Set(is_admin.then_some(now)),
            retired_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            map_unique(e, || {
                format!("an indicator with ref {reference} already exists")
            })
        })?;
        audit_create(&txn, org, actor, now, "indicator", row.id, &row).await?;
        txn.commit().await?;
        Ok(IndicatorObj(row))
    }

    /// Sets an annual target (for a financial year) or a profile target (for one of the
    /// indicator's own periods). ADMIN or EXECUTIVE.
    async fn set_target(
        &self,
        ctx: &Context<'_>,
        input: SetTargetInput,
    ) -> GqlResult<IndicatorObj> {
        let actor = require_role(ctx, SENIOR, "set targets")?;
        let org = &scope(ctx)?.org;
        let value = finite("value", input.value)?;
        let period = parse_period(&input.period)?;
        let txn = begin(ctx).await?;
        let row = find_indicator(&txn, org, parse_id(&input.indicator_id, "indicator")?).await?;
        if period.frequency() != CoreFrequency::Annual {
            check_indicator_period(&txn, org, &row, &period).await?;
        } else if let Some((start, end)) = plan_span(&txn, org, row.priority_id).await? {
            let fy = org.fy_start;
            if period.end_date(fy) < start || period.start_date(fy) > end {
                return Err(gql::bad_input(format!(
                    "{period} is outside the plan ({start} to {end})"
                )));
            }
        }
        let now = request(ctx).now;
        let before = target::Entity::find()
            .filter(target::Column::IndicatorId.eq(row.id))
            .filter(target::Column::Period.eq(period.to_string()))
            .one(&txn)
            .await?;
        let after = match &before {
            Some(existing) => {
                let mut t: target::ActiveModel = existing.clone().into();
                t.value = Set(value);
                t.set_by = Set(Some(actor.id));
                t.set_at = Set(now);
                t.update(&txn).await?
            }
            None => {
                target::ActiveModel {
                    organisation_id: Set(org.id),
                    indicator_id: Set(row.id),
                    period: Set(period.to_string()),
                    value: Set(value),
                    set_by: Set(Some(actor.id)),
                    set_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        audit::record(
            &txn,
            audit::Change {
                organisation_id: org.id,
                actor_id: Some(actor.id),
                at: now,
                entity: "target",
                entity_id: Some(after.id),
                operation: if before.is_some() { "update" } else { "create" },
                before: before.as_ref(),
                after: Some(&after),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(IndicatorObj(row))
    }

    /// Records (or corrects) an indicator's value and commentary for one of its periods.
    async fn record_measurement(
        &self,
        ctx: &Context<'_>,
        input: RecordMeasurementInput,
    ) -> GqlResult<PeriodResult> {
        let org = scope(ctx)?.org.clone();
        let db = &request(ctx).db;
        let id = parse_id(&input.indicator_id, "indicator")?;
        let row = find_indicator(&db.conn, &org, id).await?;
        let actor = require_owner_write(ctx, row.owner_id, "indicator")
            .await?
            .clone();
        if row.lifecycle == "RETIRED" {
            return Err(gql::bad_input(format!("{} is retired", row.reference)));
        }
        let period = parse_period(&input.period)?;
        check_indicator_period(&db.conn, &org, &row, &period).await?;
        let now = request(ctx).now;
        let today = now.with_timezone(&org.time_zone).date_naive();
        if period.start_date(org.fy_start) > today {
            return Err(gql::bad_input(format!("{period} has not started yet")));
        }
        let value = input.value.map(|v| finite("value", v)).transpose()?;
        let commentary = optional_text("commentary", input.commentary.as_deref(), MAX_TEXT)?;
        let no_value_reason = match value {
            Some(_) => None,
            None => optional_text("noValueReason", input.no_value_reason.as_deref(), MAX_TEXT)?,
        };
        if let Some(v) = input.expected_version
            && v < 0
        {
            return Err(gql::bad_input("expectedVersion cannot be negative"));
        }
        let change = pmf_store::measurements::MeasurementChange {
            value,
            commentary,
            no_value_reason,
            expected_version: input.expected_version,
        };
        let links = pmf_mail::Links::new(&request(ctx).public_url);
        let outcome =
            pmf_store::measurements::record(db, &org, &links, &row, period, change, actor.id, now)
                .await
            .map_err(|e| match e {
                pmf_store::measurements::RecordError::Conflict { current } => gql::conflict(format!(
                    "this value was changed by someone else (version {current}); reload it and try again"
                )),
                pmf_store::measurements::RecordError::Store(e) => GqlError::from(e),
            })?;
        Ok(PeriodResult {
            indicator: std::sync::Arc::new(row),
            evaluation: std::sync::Arc::new(outcome),
        })
    }

    /// Moves a due date later for one indicator or action and period (EXECUTIVE, ADMIN).
    async fn grant_deadline_extension(
        &self,
        ctx: &Context<'_>,
        input: DeadlineExtensionInput,
    ) -> GqlResult<Deadline> {
        let actor = require_role(ctx, SENIOR, "grant deadline extensions")?;
        let org = &scope(ctx)?.org;
        let fy = org.fy_start;
        let period = parse_period(&input.period)?;
        let reason = required_text("reason", &input.reason, MAX_TEXT)?;
        let txn = begin(ctx).await?;
        let (indicator_row, action_row) = match (&input.indicator_id, &input.action_id) {
            (Some(id), None) => {
                let row = find_indicator(&txn, org, parse_id(id, "indicator")?).await?;
                check_indicator_period(&txn, org, &row, &period).await?;
                (Some(row), None)
            }
            (None, Some(id)) => {
                let row = find_action(&txn, org, parse_id(id, "action")?).await?;
                if period.frequency() != CoreFrequency::Quarterly {
                    return Err(gql::bad_input(
                        "action updates are quarterly: give a quarter",
                    ));
                }
                (None, Some(row))
            }
            _ => {
                return Err(gql::bad_input(
                    "give exactly one of indicatorId and actionId",
                ));
            }
        };
        let normal = pmf_core::due_date(&period, org.deadline_day, fy);
        if input.due_date.0 <= normal {
            return Err(gql::bad_input(format!(
                "an extension must be later than the normal due date ({normal})"
            )));
        }
        let now = request(ctx).now;
        let mut q = deadline_extension::Entity::find()
            .filter(deadline_extension::Column::OrganisationId.eq(org.id))
            .filter(deadline_extension::Column::Period.eq(period.to_string()));
        q = match (&indicator_row, &action_row) {
            (Some(i), _) => q.filter(deadline_extension::Column::IndicatorId.eq(i.id)),
            (_, Some(a)) => q.filter(deadline_extension::Column::ActionId.eq(a.id)),
            _ => q,
        };
        let before = q.one(&txn).await?;
        let after = match &before {
            Some(existing) => {
                let mut e: deadline_extension::ActiveModel = existing.clone().into();
                e.due_date = Set(input.due_date.0);
                e.reason = Set(reason);
                e.granted_by = Set(Some(actor.id));
                e.granted_at = Set(now);
                e.update(&txn).await?
            }
            None => {
                deadline_extension::ActiveModel {
                    organisation_id: Set(org.id),
                    indicator_id: Set(indicator_row.as_ref().map(|i| i.id)),
                    action_id: Set(action_row.as_ref().map(|a| a.id)),
                    period: Set(period.to_string()),
                    due_date: Set(input.due_date.0),
                    reason: Set(reason),
                    granted_by: Set(Some(actor.id)),
                    granted_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
            }
        };
        audit::record(
            &txn,
            audit::Change {
                organisation_id: org.id,
                actor_id: Some(actor.id),
                at: now,
                entity: "deadline_extension",
                entity_id: Some(after.id),
                operation: if before.is_some() { "update" } else { "create" },
                before: before.as_ref(),
                after: Some(&after),
            },
        )
        .await?;
        txn.commit().await?;
        let (complete, missing) = match &indicator_row {
            Some(row) => {
                let e =
                    pmf_store::results::evaluate_many(&request(ctx).db.conn, org, &[(row, period)])
                        .await?
                        .remove(0);
                match e.completeness {
                    pmf_core::Completeness::Complete => (true, None),
                    pmf_core::Completeness::MissingValue => (false, Some("VALUE".to_string())),
                    pmf_core::Completeness::MissingCommentary => {
                        (false, Some("COMMENTARY".to_string()))
                    }
                }
            }
            None => {
                let done = action_update::Entity::find()
                    .filter(action_update::Column::ActionId.eq(action_row.as_ref().map(|a| a.id)))
                    .filter(action_update::Column::Period.eq(period.to_string()))
                    .one(&request(ctx).db.conn)
                    .await?
                    .is_some();
                (done, (!done).then(|| "UPDATE".to_string()))
            }
        };
        let owner_id = indicator_row
            .as_ref()
            .and_then(|i| i.owner_id)
            .or(action_row.as_ref().and_then(|a| a.owner_id));
        Ok(Deadline {
            indicator: indicator_row.map(IndicatorObj),
            action: action_row.map(ActionObj),
            period: period.to_string(),
            due_date: Date(after.due_date),
            extended: true,
            complete,
            missing,
            owner_id,
        })
    }
}

/// Writes the audit entry of a change made by the signed-in user, in the change's
/// transaction: who, when, what, before (none for a creation) and after.
#[allow(clippy::too_many_arguments)]
pub async fn audit_write<B: serde::Serialize, A: serde::Serialize>(
    txn: &UnitOfWork,
    org: &OrganisationSettings,
    actor: &user::Model,
    now: chrono::DateTime<chrono::Utc>,
    entity: &str,
    id: i64,
    operation: &str,
    before: Option<&B>,
    after: &A,
) -> GqlResult<()> {
    audit::record(
        txn,
        audit::Change {
            organisation_id: org.id,
            actor_id: Some(actor.id),
            at: now,
            entity,
            entity_id: Some(id),
            operation,
            before,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

async fn audit_create<T: serde::Serialize>(
    txn: &UnitOfWork,
    org: &OrganisationSettings,
    actor: &user::Model,
    now: chrono::DateTime<chrono::Utc>,
    entity: &str,
    id: i64,
    row: &T,
) -> GqlResult<()> {
    audit_write(txn, org, actor, now, entity, id, "create", None::<&()>, row).await
}

pub async fn find_plan<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    id: i64,
) -> GqlResult<plan::Model> {
    plan::Entity::find_by_id(id)
        .filter(plan::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or_else(|| gql::not_found("plan", id))
}

pub async fn find_priority<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    id: i64,
) -> GqlResult<priority::Model> {
    priority::Entity::find_by_id(id)
        .filter(priority::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or_else(|| gql::not_found("priority", id))
}

pub async fn find_action<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    id: i64,
) -> GqlResult<action::Model> {
    action::Entity::find_by_id(id)
        .filter(action::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or_else(|| gql::not_found("action", id))
}

pub async fn find_indicator<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    id: i64,
) -> GqlResult<indicator::Model> {
    indicator::Entity::find_by_id(id)
        .filter(indicator::Column::OrganisationId.eq(org.id))
        .one(db)
        .await?
        .ok_or_else(|| gql::not_found("indicator", id))
}
