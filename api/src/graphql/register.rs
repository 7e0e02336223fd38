//! Running the register without touching the database: editing, approving and retiring
//! indicators, editing plans, priorities, objectives and actions, users and their tokens,
//! the organisation's settings and exception recipients, and reading the audit trail.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use pmf_core::{Email, Role as CoreRole};
use pmf_store::{
    OrganisationSettings, UnitOfWork, audit,
    entity::{
        action, api_token, audit_entry, exception_recipient, indicator, objective, organisation,
        plan, priority, user,
    },
    tokens,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    context::{request, scope, signed_in},
    enums::*,
    mutation::{
        MAX_TEXT, MAX_TITLE, SENIOR, audit_write, find_action, find_indicator, find_plan,
        find_priority, optional_text, require_owner_write, require_role, required_text, role_of,
    },
    scalars::{Date, DateTime},
    types::*,
};
use crate::error::{GqlError, GqlResult, gql};

const ADMIN: &[CoreRole] = &[CoreRole::Admin];

/// Refuses an edit made against a version the caller did not see.
fn check_version(what: &str, current: i32, expected: Option<i32>) -> GqlResult<()> {
    match expected {
        Some(v) if v != current => Err(gql::conflict(format!(
            "this {what} was changed by someone else (version {current}); reload it and try again"
        ))),
        _ => Ok(()),
    }
}

/// Maps "no row matched the version" to CONFLICT.
fn stale(what: &'static str) -> impl Fn(sea_orm::DbErr) -> GqlError {
    move |e| match e {
        sea_orm::DbErr::RecordNotUpdated => gql::conflict(format!(
            "this {what} was changed by someone else; reload it and try again"
        )),
        e => GqlError::from(e),
    }
}

/// Clearable text: absent leaves it, null or blank clears it.
fn maybe_text(
    field: &str,
    value: &MaybeUndefined<String>,
    max: usize,
) -> GqlResult<Option<Option<String>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(v) => Ok(Some(optional_text(field, Some(v), max)?)),
    }
}

async fn maybe_user(
    txn: &UnitOfWork,
    org: &OrganisationSettings,
    field: &str,
    value: &MaybeUndefined<ID>,
) -> GqlResult<Option<Option<i64>>> {
    match value {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(id) => {
            let parsed = parse_id(id, "user")?;
            user::Entity::find_by_id(parsed)
                .filter(user::Column::OrganisationId.eq(org.id))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    gql::not_found_msg(format!("{field}: no user with id {}", id.as_str()))
                })?;
            Ok(Some(Some(parsed)))
        }
    }
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
}

#[derive(InputObject)]
pub struct UpdatePlanInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub kind: Option<PlanKind>,
    pub title: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub status: Option<PlanStatus>,
    pub vision: MaybeUndefined<String>,
    pub mission: MaybeUndefined<String>,
    pub published: Option<bool>,
    pub parent_id: MaybeUndefined<ID>,
}

#[derive(InputObject)]
pub struct UpdatePriorityInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub code: MaybeUndefined<String>,
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub position: Option<i32>,
}

#[derive(InputObject)]
pub struct CreateObjectiveInput {
    pub priority_id: ID,
    pub code: Option<String>,
    pub title: String,
}

#[derive(InputObject)]
pub struct UpdateObjectiveInput {
    pub id: ID,
    pub code: MaybeUndefined<String>,
    pub title: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateActionInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    #[graphql(name = "ref")]
    pub reference: MaybeUndefined<String>,
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub owner_id: MaybeUndefined<ID>,
    pub sponsor_id: MaybeUndefined<ID>,
    pub delivery: Option<Delivery>,
    pub planned_start: MaybeUndefined<Date>,
    pub actual_start: MaybeUndefined<Date>,
    pub due_date: MaybeUndefined<Date>,
    pub due_kind: MaybeUndefined<DueKind>,
    pub estimated_completion: MaybeUndefined<Date>,
    pub completed_on: MaybeUndefined<Date>,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub manager_id: MaybeUndefined<ID>,
    pub notification_preference: Option<NotificationPreference>,
}

#[derive(InputObject)]
pub struct OrganisationSettingsInput {
    pub name: Option<String>,
    /// An IANA time zone such as "Europe/London".
    pub time_zone: Option<String>,
    /// 1–12; 4 = April.
    pub financial_year_start_month: Option<i32>,
    /// 1–28; the day of the month data is due by.
    pub deadline_day: Option<i32>,
    /// "HH:MM", local time of the daily reminder sweep.
    pub reminder_time: Option<String>,
    pub amber_alerts: Option<bool>,
}

/// A token's details; its secret is shown once, by `createApiToken`.
#[derive(SimpleObject)]
pub struct ApiToken {
    pub id: ID,
    pub name: String,
    pub user_id: ID,
    pub created_at: DateTime,
    pub expires_at: Option<DateTime>,
    pub last_used_at: Option<DateTime>,
    pub revoked_at: Option<DateTime>,
}

impl From<api_token::Model> for ApiToken {
    fn from(t: api_token::Model) -> Self {
        Self {
            id: t.id.into(),
            name: t.name,
            user_id: t.user_id.into(),
            created_at: DateTime(t.created_at),
            expires_at: t.expires_at.map(DateTime),
            last_used_at: t.last_used_at.map(DateTime),
            revoked_at: t.revoked_at.map(DateTime),
        }
    }
}

#[derive(SimpleObject)]
pub struct NewApiToken {
    pub token: ApiToken,
    /// The secret: shown this once, stored only as a hash.
    pub secret: String,
}

/// One change in the audit trail.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime,
    pub actor_id: Option<ID>,
    pub entity: String,
    pub entity_id: Option<ID>,
    pub operation: String,
    /// JSON of the record before the change (null for a creation).
    pub before: Option<String>,
    /// JSON of the record after the change.
    pub after: Option<String>,
}

#[derive(Default)]
pub struct RegisterMutations;

#[Object]
impl RegisterMutations {
    /// Edits an indicator's definition (ADMIN, EXECUTIVE). Give `expectedVersion` to be safe
    /// against concurrent edits.
    async fn update_indicator(
        &self,
        ctx: &Context<'_>,
        input: UpdateIndicatorInput,
    ) -> GqlResult<IndicatorObj> {
        let actor = require_role(ctx, SENIOR, "edit indicators")?;
        let org = &scope(ctx)?.org;
        let txn = super::mutation::begin(ctx).await?;
        let before = find_indicator(&txn, org, parse_id(&input.id, "indicator")?).await?;
        check_version("indicator", before.version, input.expected_version)?;
        let mut am: indicator::ActiveModel = before.clone().into();
        if let Some(t) = &input.title {
            am.title = Set(required_text("title", t, MAX_TITLE)?);
        }
        if let Some(v) = maybe_text("definition", &input.definition, MAX_TEXT)? {
            am.definition = Set(v);
        }
        match &input.priority_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.priority_id = Set(None),
            MaybeUndefined::Value(id) => {
                am.priority_id = Set(Some(
                    find_priority(&txn, org, parse_id(id, "priority")?)
                        .await?
                        .id,
                ))
            }
        }
        if let Some(v) = maybe_user(&txn, org, "ownerId", &input.owner_id).await? {
            am.owner_id = Set(v);
        }
        if let Some(v) = input.level {
            am.level = Set(v.as_str().into());
        }
        if let Some(v) = input.indicator_type {
            am.indicator_type = Set(v.as_str().into());
        }
        if let Some(v) = input.unit {
            am.unit = Set(v.as_str().into());
        }
        if let Some(d) = input.decimals {
            if !(0..=6).contains(&d) {
                return Err(gql::bad_input("decimals must be between 0 and 6"));
            }
            am.decimals = Set(d as i16);
        }
        if let Some(v) = input.polarity {
            am.polarity = Set(v.as_str().into());
        }
        if let Some(v) = input.cumulative {
            am.cumulative = Set(v);
        }
        if let Some(v) = input.monitor_only {
            am.monitor_only = Set(v);
        }
        match (input.tolerance_pct, input.tolerance_absolute) {
            (Some(_), Some(_)) => {
                return Err(gql::bad_input(
                    "give tolerancePct or toleranceAbsolute, not both",
                ));
            }
            (Some(p), None) => {
                pmf_core::Tolerance::relative_pct(p)
                    .map_err(|e| gql::bad_input(format!("tolerancePct: {e}")))?;
                am.tolerance_kind = Set("RELATIVE".into());
                am.tolerance_value = Set(p);
            }
            (None, Some(a)) => {
                pmf_core::Tolerance::absolute(a)
                    .map_err(|e| gql::bad_input(format!("toleranceAbsolute: {e}")))?;
                am.tolerance_kind = Set("ABSOLUTE".into());
                am.tolerance_value = Set(a);
            }
            (None, None) => {}
        }
        if let Some(v) = maybe_text("dataSource", &input.data_source, MAX_TITLE)? {
            am.data_source = Set(v);
        }
        if let Some(v) = maybe_text("informationAssetRef", &input.information_asset_ref, 64)? {
            am.information_asset_ref = Set(v);
        }
        if let Some(v) = input.published {
            am.published = Set(v);
        }
        match &input.first_period {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.first_period = Set(None),
            MaybeUndefined::Value(p) => {
                let p = parse_period(p)?;
                let frequency: pmf_core::Frequency = before
                    .frequency
                    .parse()
                    .map_err(|_| gql::internal(anyhow::anyhow!("indicator frequency")))?;
                if p.frequency() != frequency {
                    return Err(gql::bad_input(format!(
                        "firstPeriod {p} is not one of this indicator's {} periods",
                        frequency.as_str().to_lowercase()
                    )));
                }
                am.first_period = Set(Some(p.to_string()));
            }
        }
        am.version = Set(before.version + 1);
        let after = indicator::Entity::update(am)
            .validate()?
            .filter(indicator::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(stale("indicator"))?;
        let now = request(ctx).now;
        audit_write(
            &txn,
            org,
            actor,
            now,
            "indicator",
            after.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(IndicatorObj(after))
    }

    /// Approves a proposed indicator, making it ACTIVE (ADMIN, EXECUTIVE); who and when are
    /// recorded.
    async fn approve_indicator(&self, ctx: &Context<'_>, id: ID) -> GqlResult<IndicatorObj> {
        let actor = require_role(ctx, SENIOR, "approve indicators")?;
        self.lifecycle(ctx, actor, id, "PROPOSED", "ACTIVE", "approve")
            .await
    }

    /// Retires an indicator: no longer rated, counted or chased; its history stays (ADMIN).
    async fn retire_indicator(&self, ctx: &Context<'_>, id: ID) -> GqlResult<IndicatorObj> {
        let actor = require_role(ctx, ADMIN, "retire indicators")?;
        self.lifecycle(ctx, actor, id, "", "RETIRED", "retire")
            .await
    }

    /// Edits a plan (ADMIN).
    async fn update_plan(&self, ctx: &Context<'_>, input: UpdatePlanInput) -> GqlResult<PlanObj> {
        let actor = require_role(ctx, ADMIN, "edit plans")?;
        let org = &scope(ctx)?.org;
        let txn = super::mutation::begin(ctx).await?;
        let before = find_plan(&txn, org, parse_id(&input.id, "plan")?).await?;
        check_version("plan", before.version, input.expected_version)?;
        let mut am: plan::ActiveModel = before.clone().into();
        if let Some(k) = input.kind {
            am.kind = Set(k.as_str().into());
        }
        if let Some(t) = &input.title {
            am.title = Set(required_text("title", t, MAX_TITLE)?);
        }
        let start = input.start_date.map_or(before.start_date, |d| d.0);
        let end = input.end_date.map_or(before.end_date, |d| d.0);
        if end <= start {
            return Err(gql::bad_input("endDate must be after startDate"));
        }
        am.start_date = Set(start);
        am.end_date = Set(end);
        if let Some(s) = input.status {
            am.status = Set(s.as_str().into());
        }
        if let Some(v) = maybe_text("vision", &input.vision, MAX_TEXT)? {
            am.vision = Set(v);
        }
        if let Some(v) = maybe_text("mission", &input.mission, MAX_TEXT)? {
            am.mission = Set(v);
        }
        if let Some(p) = input.published {
            am.published = Set(p);
        }
        match &input.parent_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.parent_id = Set(None),
            MaybeUndefined::Value(id) => {
                let parent = find_plan(&txn, org, parse_id(id, "plan")?).await?;
                if parent.id == before.id {
                    return Err(gql::bad_input("a plan cannot belong to itself"));
                }
                am.parent_id = Set(Some(parent.id));
            }
        }
        am.version = Set(before.version + 1);
        let after = plan::Entity::update(am)
            .validate()?
            .filter(plan::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(stale("plan"))?;
        audit_write(
            &txn,
            org,
            actor,
            request(ctx).now,
            "plan",
            after.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(PlanObj(after))
    }

    /// Edits a priority (ADMIN).
    async fn update_priority(
        &self,
        ctx: &Context<'_>,
        input: UpdatePriorityInput,
    ) -> GqlResult<PriorityObj> {
        let actor = require_role(ctx, ADMIN, "edit priorities")?;
        let org = &scope(ctx)?.org;
        let txn = super::mutation::begin(ctx).await?;
        let before = find_priority(&txn, org, parse_id(&input.id, "priority")?).await?;
        check_version("priority", before.version, input.expected_version)?;
        let mut am: priority::ActiveModel = before.clone().into();
        if let Some(v) = maybe_text("code", &input.code, 32)? {
            am.code = Set(v);
        }
        if let Some(t) = &input.title {
            am.title = Set(required_text("title", t, MAX_TITLE)?);
        }
        if let Some(v) = maybe_text("description", &input.description, MAX_TEXT)? {
            am.description = Set(v);
        }
        if let Some(p) = input.position {
            am.position = Set(p);
        }
        am.version = Set(before.version + 1);
        let after = priority::Entity::update(am)
            .validate()?
            .filter(priority::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    gql::conflict("this plan already has a priority with that code")
                }
                _ => stale("priority")(e),
            })?;
        audit_write(
            &txn,
            org,
            actor,
            request(ctx).now,
            "priority",
            after.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(PriorityObj(after))
    }

    /// Adds an objective under a priority (ADMIN).
    async fn create_objective(
        &self,
        ctx: &Context<'_>,
        input: CreateObjectiveInput,
    ) -> GqlResult<ObjectiveObj> {
        let actor = require_role(ctx, ADMIN, "create objectives")?;
        let org = &scope(ctx)?.org;
        let title = required_text("title", &input.title, MAX_TITLE)?;
        let code = optional_text("code", input.code.as_deref(), 32)?;
        let txn = super::mutation::begin(ctx).await?;
        let priority = find_priority(&txn, org, parse_id(&input.priority_id, "priority")?).await?;
        let row = objective::ActiveModel {
            organisation_id: Set(org.id),
            priority_id: Set(priority.id),
            code: Set(code),
            title: Set(title),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            audit::Change {
                organisation_id: org.id,
                actor_id: Some(actor.id),
                at: request(ctx).now,
                entity: "objective",
                entity_id: Some(row.id),
                operation: "create",
                before: None::<&()>,
                after: Some(&row),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(ObjectiveObj(row))
    }

    /// Edits an objective (ADMIN).
    async fn update_objective(
        &self,
        ctx: &Context<'_>,
        input: UpdateObjectiveInput,
    ) -> GqlResult<ObjectiveObj> {
        let actor = require_role(ctx, ADMIN, "edit objectives")?;
        let org = &scope(ctx)?.org;
        let id = parse_id(&input.id, "objective")?;
        let txn = super::mutation::begin(ctx).await?;
        let before = objective::Entity::find_by_id(id)
            .filter(objective::Column::OrganisationId.eq(org.id))
            .one(&txn)
            .await?
            .ok_or_else(|| gql::not_found("objective", id))?;
        let mut am: objective::ActiveModel = before.clone().into();
        if let Some(v) = maybe_text("code", &input.code, 32)? {
            am.code = Set(v);
        }
        if let Some(t) = &input.title {
            am.title = Set(required_text("title", t, MAX_TITLE)?);
        }
        let after = am.update(&txn).await?;
        let now = request(ctx).now;
        audit_write(
            &txn,
            org,
            actor,
            now,
            "objective",
            id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(ObjectiveObj(after))
    }

    /// Edits an action (its owner, their line managers, or ADMIN).
    async fn update_action(
        &self,
        ctx: &Context<'_>,
        input: UpdateActionInput,
    ) -> GqlResult<ActionObj> {
        let org = scope(ctx)?.org.clone();
        let existing =
            find_action(&request(ctx).db.conn, &org, parse_id(&input.id, "action")?).await?;
        let actor = require_owner_write(ctx, existing.owner_id, "action")
            .await?
            .clone();
        let txn = super::mutation::begin(ctx).await?;
        let before = find_action(&txn, &org, existing.id).await?;
        check_version("action", before.version, input.expected_version)?;
        let mut am: action::ActiveModel = before.clone().into();
        if let Some(v) = maybe_text("ref", &input.reference, 32)? {
            am.reference = Set(v);
        }
        if let Some(t) = &input.title {
            am.title = Set(required_text("title", t, MAX_TITLE)?);
        }
        if let Some(v) = maybe_text("description", &input.description, MAX_TEXT)? {
            am.description = Set(v);
        }
        if let Some(v) = maybe_user(&txn, &org, "ownerId", &input.owner_id).await? {
            am.owner_id = Set(v);
        }
        if let Some(v) = maybe_user(&txn, &org, "sponsorId", &input.sponsor_id).await? {
            am.sponsor_id = Set(v);
        }
        if let Some(d) = input.delivery {
            am.delivery = Set(d.as_str().into());
        }
        let date = |v: &MaybeUndefined<Date>| match v {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(d.0)),
        };
        if let Some(v) = date(&input.planned_start) {
            am.planned_start = Set(v);
        }
        if let Some(v) = date(&input.actual_start) {
            am.actual_start = Set(v);
        }
        if let Some(v) = date(&input.due_date) {
            am.due_date = Set(v);
        }
        match &input.due_kind {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => am.due_kind = Set(None),
            MaybeUndefined::Value(k) => am.due_kind = Set(Some(k.as_str().into())),
        }
        if let Some(v) = date(&input.estimated_completion) {
            am.estimated_completion = Set(v);
        }
        if let Some(v) = date(&input.completed_on) {
            am.completed_on = Set(v);
        }
        am.version = Set(before.version + 1);
        let after = action::Entity::update(am)
            .validate()?
            .filter(action::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    gql::conflict("an action with that ref already exists")
                }
                _ => stale("action")(e),
            })?;
        audit_write(
            &txn,
            &org,
            &actor,
            request(ctx).now,
            "action",
            after.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(ActionObj(after))
    }

    /// Edits a user (ADMIN; anyone may change their own name and notification preference).
    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> GqlResult<UserObj> {
        let me = signed_in(ctx)?;
        let org = &scope(ctx)?.org;
        let id = parse_id(&input.id, "user")?;
        let is_admin = role_of(me)? == CoreRole::Admin;
        let only_own_details = input.email.is_none()
            && input.role.is_none()
            && matches!(input.manager_id, MaybeUndefined::Undefined);
        if !(is_admin || (id == me.id && only_own_details)) {
            return Err(gql::forbidden(
                "only an ADMIN may change other users, roles, e-mails or line managers",
            ));
        }
        let txn = super::mutation::begin(ctx).await?;
        let before = user::Entity::find_by_id(id)
            .filter(user::Column::OrganisationId.eq(org.id))
            .one(&txn)
            .await?
            .ok_or_else(|| gql::not_found("user", id))?;
        check_version("user", before.version, input.expected_version)?;
        let mut am: user::ActiveModel = before.clone().into();
        if let Some(n) = &input.name {
            am.name = Set(required_text("name", n, MAX_TITLE)?);
        }
        if let Some(e) = &input.email {
            am.email = Set(Email::parse(e)
                .map_err(|e| gql::bad_input(e.to_string()))?
                .as_str()
                .to_string());
        }
        if let Some(r) = input.role {
            if id == me.id && r != Role::Admin {
                return Err(gql::bad_input("you cannot remove your own ADMIN role"));
            }
            am.role = Set(r.as_str().into());
        }
        if let Some(v) = maybe_user(&txn, org, "managerId", &input.manager_id).await? {
            if let Some(manager) = v {
                let chain = super::mutation::manager_chain(&txn, org, manager).await?;
                if manager == id || chain.contains(&id) {
                    return Err(gql::bad_input("that line manager reports to this user"));
                }
            }
            am.manager_id = Set(v);
        }
        if let Some(p) = input.notification_preference {
            am.notification_preference = Set(p.as_str().into());
        }
        am.version = Set(before.version + 1);
        let after = user::Entity::update(am)
            .validate()?
            .filter(user::Column::Version.eq(before.version))
            .exec(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    gql::conflict("a user with that e-mail already exists")
                }
                _ => stale("user")(e),
            })?;
        audit_write(
            &txn,
            org,
            me,
            request(ctx).now,
            "user",
            after.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(UserObj(after))
    }

    /// Deactivates (or reactivates) a user: an inactive user cannot sign in and receives no
    /// e-mail; their records stay (ADMIN).
    async fn set_user_active(&self, ctx: &Context<'_>, id: ID, active: bool) -> GqlResult<UserObj> {
        let actor = require_role(ctx, ADMIN, "deactivate users")?;
        let org = &scope(ctx)?.org;
        let id = parse_id(&id, "user")?;
        if id == actor.id && !active {
            return Err(gql::bad_input("you cannot deactivate yourself"));
        }
        let txn = super::mutation::begin(ctx).await?;
        let before = user::Entity::find_by_id(id)
            .filter(user::Column::OrganisationId.eq(org.id))
            .one(&txn)
            .await?
            .ok_or_else(|| gql::not_found("user", id))?;
        let mut am: user::ActiveModel = before.clone().into();
        am.active = Set(active);
        am.version = Set(before.version + 1);
        let after = am.update(&txn).await?;
        let op = if active { "reactivate" } else { "deactivate" };
        audit_write(
            &txn,
            org,
            actor,
            request(ctx).now,
            "user",
            id,
            op,
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(UserObj(after))
    }

    /// Issues a token for yourself; the secret is in the answer and nowhere else.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        expires_at: Option<DateTime>,
    ) -> GqlResult<NewApiToken> {
        let me = signed_in(ctx)?;
        let name = required_text("name", &name, 100)?;
        let now = request(ctx).now;
        if expires_at.is_some_and(|e| e.0 <= now) {
            return Err(gql::bad_input("expiresAt must be in the future"));
        }
        let txn = super::mutation::begin(ctx).await?;
        let (row, secret) = tokens::issue(&txn, me, &name, expires_at.map(|e| e.0), now).await?;
        let mut shown = row.clone();
        shown.token_hash = String::new();
        let org = &scope(ctx)?.org;
        audit::record(
            &txn,
            audit::Change {
                organisation_id: org.id,
                actor_id: Some(me.id),
                at: now,
                entity: "api_token",
                entity_id: Some(row.id),
                operation: "create",
                before: None::<&()>,
                after: Some(&shown),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(NewApiToken {
            token: row.into(),
            secret,
        })
    }

    /// Revokes a token: your own, or anyone's in the council for an ADMIN.
    async fn revoke_api_token(&self, ctx: &Context<'_>, id: ID) -> GqlResult<ApiToken> {
        let me = signed_in(ctx)?;
        let org = &scope(ctx)?.org;
        let id = parse_id(&id, "API token")?;
        let txn = super::mutation::begin(ctx).await?;
        let before = api_token::Entity::find_by_id(id)
            .filter(api_token::Column::OrganisationId.eq(org.id))
            .one(&txn)
            .await?
            .ok_or_else(|| gql::not_found("API token", id))?;
        if before.user_id != me.id && role_of(me)? != CoreRole::Admin {
            return Err(gql::forbidden(
                "only an ADMIN may revoke another user's token",
            ));
        }
        let now = request(ctx).now;
        let mut am: api_token::ActiveModel = before.clone().into();
        am.revoked_at = Set(Some(before.revoked_at.unwrap_or(now)));
        let after = am.update(&txn).await?;
        let (mut b, mut a) = (before.clone(), after.clone());
        b.token_hash = String::new();
        a.token_hash = String::new();
        audit_write(&txn, org, me, now, "api_token", id, "revoke", Some(&b), &a).await?;
        txn.commit().await?;
        Ok(after.into())
    }

    /// Changes the council's settings (ADMIN).
    async fn update_organisation_settings(
        &self,
        ctx: &Context<'_>,
        input: OrganisationSettingsInput,
    ) -> GqlResult<OrganisationObj> {
        let actor = require_role(ctx, ADMIN, "change the council's settings")?;
        let org = &scope(ctx)?.org;
        let txn = super::mutation::begin(ctx).await?;
        let before = organisation::Entity::find_by_id(org.id)
            .one(&txn)
            .await?
            .ok_or_else(|| gql::not_found("organisation", org.id))?;
        let mut am: organisation::ActiveModel = before.clone().into();
        if let Some(n) = &input.name {
            am.name = Set(required_text("name", n, MAX_TITLE)?);
        }
        if let Some(tz) = &input.time_zone {
            let parsed: chrono_tz::Tz = tz.trim().parse().map_err(|_| {
                gql::bad_input(format!(
                    "{tz:?} is not a time zone: use a name such as Europe/London"
                ))
            })?;
            am.time_zone = Set(parsed.name().to_string());
        }
        if let Some(m) = input.financial_year_start_month {
            pmf_core::FyStart::try_from(m).map_err(|e| gql::bad_input(e.to_string()))?;
            am.fy_start_month = Set(m as i16);
        }
        if let Some(d) = input.deadline_day {
            pmf_core::DeadlineDay::try_from(d).map_err(|e| gql::bad_input(e.to_string()))?;
            am.deadline_day = Set(d as i16);
        }
        if let Some(t) = &input.reminder_time {
            let parsed: pmf_core::ReminderTime = t
                .parse()
                .map_err(|e: pmf_core::ReminderTimeError| gql::bad_input(e.to_string()))?;
            am.reminder_time = Set(parsed.to_string());
        }
        if let Some(a) = input.amber_alerts {
            am.amber_alerts = Set(a);
        }
        let after = am.update(&txn).await?;
        let settings = OrganisationSettings::try_from(&after)?;
        audit_write(
            &txn,
            org,
            actor,
            request(ctx).now,
            "organisation",
            org.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(OrganisationObj(settings))
    }

    /// Sets who receives exception alerts for a priority, replacing the list (ADMIN).
    async fn set_exception_recipients(
        &self,
        ctx: &Context<'_>,
        priority_id: ID,
        user_ids: Vec<ID>,
    ) -> GqlResult<Vec<UserObj>> {
        let actor = require_role(ctx, ADMIN, "set exception recipients")?;
        let org = &scope(ctx)?.org;
        let txn = super::mutation::begin(ctx).await?;
        let priority = find_priority(&txn, org, parse_id(&priority_id, "priority")?).await?;
        let mut users = Vec::new();
        for id in &user_ids {
            let parsed = parse_id(id, "user")?;
            if users.iter().any(|u: &user::Model| u.id == parsed) {
                continue;
            }
            users.push(
                user::Entity::find_by_id(parsed)
                    .filter(user::Column::OrganisationId.eq(org.id))
                    .one(&txn)
                    .await?
                    .ok_or_else(|| gql::not_found("user", parsed))?,
            );
        }
        let before: Vec<i64> = exception_recipient::Entity::find()
            .filter(exception_recipient::Column::PriorityId.eq(priority.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.user_id)
            .collect();
        exception_recipient::Entity::delete_many()
            .filter(exception_recipient::Column::PriorityId.eq(priority.id))
            .exec(&txn)
            .await?;
        for u in &users {
            exception_recipient::ActiveModel {
                organisation_id: Set(org.id),
                priority_id: Set(priority.id),
                user_id: Set(u.id),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let after: Vec<i64> = users.iter().map(|u| u.id).collect();
        audit_write(
            &txn,
            org,
            actor,
            request(ctx).now,
            "exception_recipients",
            priority.id,
            "update",
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(users.into_iter().map(UserObj).collect())
    }
}

impl RegisterMutations {
    async fn lifecycle(
        &self,
        ctx: &Context<'_>,
        actor: &user::Model,
        id: ID,
        from: &str,
        to: &str,
        operation: &str,
    ) -> GqlResult<IndicatorObj> {
        let org = &scope(ctx)?.org;
        let now = request(ctx).now;
        let txn = super::mutation::begin(ctx).await?;
        let before = find_indicator(&txn, org, parse_id(&id, "indicator")?).await?;
        if before.lifecycle == to {
            return Err(gql::bad_input(format!(
                "{} is already {to}",
                before.reference
            )));
        }
        if !from.is_empty() && before.lifecycle != from {
            return Err(gql::bad_input(format!(
                "{} is {}, not {from}",
                before.reference, before.lifecycle
            )));
        }
        let mut am: indicator::ActiveModel = before.clone().into();
        am.lifecycle = Set(to.to_string());
        if to == "ACTIVE" {
            am.approved_by = Set(Some(actor.id));
            am.approved_at = Set(Some(now));
        }
        if to == "RETIRED" {
            am.retired_at = Set(Some(now));
        }
        am.version = Set(before.version + 1);
        let after = am.update(&txn).await?;
        audit_write(
            &txn,
            org,
            actor,
            now,
            "indicator",
            after.id,
            operation,
            Some(&before),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(IndicatorObj(after))
    }
}

#[derive(Default)]
pub struct RegisterQueries;

#[Object]
impl RegisterQueries {
    /// Users of the council (signed in only), by name.
    async fn users(
        &self,
        ctx: &Context<'_>,
        include_inactive: Option<bool>,
    ) -> GqlResult<Vec<UserObj>> {
        let org = &scope(ctx)?.org;
        signed_in(ctx)?;
        let mut q = user::Entity::find().filter(user::Column::OrganisationId.eq(org.id));
        if !include_inactive.unwrap_or(false) {
            q = q.filter(user::Column::Active.eq(true));
        }
        let rows = q
            .order_by_asc(user::Column::Name)
            .all(&request(ctx).db.conn)
            .await?;
        Ok(rows.into_iter().map(UserObj).collect())
    }

    /// API tokens: your own, or everyone's in the council for an ADMIN. Secrets are never shown.
    async fn api_tokens(&self, ctx: &Context<'_>) -> GqlResult<Vec<ApiToken>> {
        let me = signed_in(ctx)?;
        // `lastUsedAt` moves without the data version (token use is not a change).
        super::context::do_not_cache(ctx);
        let org = &scope(ctx)?.org;
        let mut q = api_token::Entity::find().filter(api_token::Column::OrganisationId.eq(org.id));
        if role_of(me)? != CoreRole::Admin {
            q = q.filter(api_token::Column::UserId.eq(me.id));
        }
        let rows = q
            .order_by_asc(api_token::Column::Id)
            .all(&request(ctx).db.conn)
            .await?;
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }

    /// The audit trail, newest first (ADMIN, EXECUTIVE): optionally one entity kind
    /// ("indicator", "measurement", "target", …) and a time window.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        entity: Option<String>,
        entity_id: Option<ID>,
        from: Option<DateTime>,
        to: Option<DateTime>,
        #[graphql(default = 100)] first: i32,
    ) -> GqlResult<Vec<AuditEntry>> {
        require_role(ctx, SENIOR, "read the audit trail")?;
        let org = &scope(ctx)?.org;
        if !(1..=1000).contains(&first) {
            return Err(gql::bad_input("first must be between 1 and 1000"));
        }
        let mut q =
            audit_entry::Entity::find().filter(audit_entry::Column::OrganisationId.eq(org.id));
        if let Some(e) = entity.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            q = q.filter(audit_entry::Column::Entity.eq(e));
        }
        if let Some(id) = &entity_id {
            q = q.filter(audit_entry::Column::EntityId.eq(parse_id(id, "entity")?));
        }
        if let Some(f) = from {
            q = q.filter(audit_entry::Column::At.gte(f.0));
        }
        if let Some(t) = to {
            q = q.filter(audit_entry::Column::At.lte(t.0));
        }
        let rows = q
            .order_by_desc(audit_entry::Column::At)
            .order_by_desc(audit_entry::Column::Id)
            .limit(first as u64)
            .all(&request(ctx).db.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id.into(),
                at: DateTime(r.at),
                actor_id: r.actor_id.map(Into::into),
                entity: r.entity,
                entity_id: r.entity_id.map(Into::into),
                operation: r.operation,
                before: r.before,
                after: r.after,
            })
            .collect())
    }
}
