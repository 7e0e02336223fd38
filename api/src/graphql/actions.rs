//! Actions, their quarterly updates, and the `actions` connection.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use pmf_core::Period;
use pmf_store::{
    actions::{self, ActionChange, ActionQuery, ActionUpdateEntry, NewAction},
    entity::{action, action_update},
};

use super::{
    authorise::{SENIOR, require_owner_write, require_role},
    context::{begin, loader, request, scope},
    cost,
    enums::{ActionStatus, Delivery, DueKind, face},
    input::{
        self, Form, MAX_REF, MAX_TEXT, MAX_TITLE, clearable, clearable_date, clearable_text,
        optional_text, required_text,
    },
    loaders::UpdatesOfAction,
    pagination::{Page, PageInfo, page_size, status_period},
    people::{UserObj, load_user},
    plans::{PriorityObj, load_priority},
    scalars::{Date, DateTime},
};
use crate::error::GqlResult;

pub struct ActionObj(pub action::Model);

impl ActionObj {
    async fn updates_of(&self, ctx: &Context<'_>) -> GqlResult<Vec<action_update::Model>> {
        Ok(loader(ctx)?
            .load_one(UpdatesOfAction(self.0.id))
            .await?
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

    /// The action's status for a period: its latest update in or before it (docs/rules.md §7).
    pub async fn status_for(
        &self,
        ctx: &Context<'_>,
        period: Period,
    ) -> GqlResult<pmf_core::ActionStatus> {
        let fy = scope(ctx)?.org.fy_start;
        let refs: Vec<pmf_core::ActionUpdateRef> = self
            .updates_of(ctx)
            .await?
            .iter()
            .map(|u| pmf_core::ActionUpdateRef {
                quarter: *u.period,
                recorded_at: u.created_at,
                status: *u.status,
            })
            .collect();
        Ok(pmf_core::action_status_for(&period, &refs, fy))
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
    async fn delivery(&self) -> Delivery {
        face(&self.0.delivery)
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
        self.0.due_kind.as_ref().map(face)
    }
    async fn estimated_completion(&self) -> Option<Date> {
        self.0.estimated_completion.map(Date)
    }
    async fn completed_on(&self) -> Option<Date> {
        self.0.completed_on.map(Date)
    }
    /// The status of the latest update in or before `period` (NOT_STARTED when none).
    async fn status(&self, ctx: &Context<'_>, period: String) -> GqlResult<ActionStatus> {
        Ok(self.status_for(ctx, input::period(&period)?).await?.into())
    }
    /// Every quarterly update, oldest first.
    #[graphql(complexity = "cost::list(cost::sizes().updates_per_action, child_complexity)")]
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
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
    async fn status(&self) -> ActionStatus {
        face(&self.0.status)
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

#[derive(InputObject, Default)]
pub struct ActionFilter {
    pub priority_id: Option<ID>,
    pub owner_id: Option<ID>,
    /// Keep actions with this status for `statusPeriod` (required with it).
    pub status: Option<ActionStatus>,
    pub status_period: Option<String>,
    pub delivery: Option<Delivery>,
    pub plan_id: Option<ID>,
    /// Words in the reference or title, any case.
    pub search: Option<String>,
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
pub struct ActionUpdateInput {
    pub action_id: ID,
    pub period: String,
    pub status: ActionStatus,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub estimated_completion: Option<Date>,
}

#[derive(Default)]
pub struct ActionQueries;

#[Object]
impl ActionQueries {
    /// One action by id; null when the council has none the caller may see.
    async fn action(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<ActionObj>> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(super::loaders::ActionKey(id))
            .await?
            .map(ActionObj))
    }

    /// Actions in id order, filtered; status filters use each action's latest update.
    #[graphql(complexity = "cost::page(first, child_complexity)")]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ActionConnection> {
        let scope = scope(ctx)?;
        let filter = filter.unwrap_or_default();
        page_size(first)?;
        let period = status_period(filter.status.is_some(), filter.status_period.as_deref())?;
        let query = ActionQuery {
            priority_id: input::optional_id(filter.priority_id.as_ref(), "priority")?,
            plan_id: input::optional_id(filter.plan_id.as_ref(), "plan")?,
            owner_id: input::optional_id(filter.owner_id.as_ref(), "user")?,
            delivery: filter.delivery.map(Into::into),
            search: filter.search,
        };
        let db = &request(ctx).db.conn;
        let rows = actions::list(db, scope.org.id, query, scope.audience()).await?;
        let rows = match (filter.status, period) {
            (Some(status), Some(period)) => {
                let mut kept = Vec::new();
                for row in rows {
                    let obj = ActionObj(row);
                    if ActionStatus::from(obj.status_for(ctx, period).await?) == status {
                        kept.push(obj.0);
                    }
                }
                kept
            }
            _ => rows,
        };
        let page = Page::of(rows, |r| r.id, "action", first, after.as_deref())?;
        Ok(ActionConnection {
            edges: page
                .edges
                .into_iter()
                .map(|(node, cursor)| ActionEdge {
                    node: ActionObj(node),
                    cursor,
                })
                .collect(),
            page_info: page.page_info,
            total_count: page.total_count,
        })
    }
}

#[derive(Default)]
pub struct ActionMutations;

#[Object]
impl ActionMutations {
    /// Adds an action (project, workstream) to a priority (ADMIN, EXECUTIVE).
    async fn create_action(
        &self,
        ctx: &Context<'_>,
        input: CreateActionInput,
    ) -> GqlResult<ActionObj> {
        require_role(ctx, SENIOR, "create actions")?;
        let mut form = Form::default();
        let new = NewAction {
            title: form.field("title", required_text("title", &input.title, MAX_TITLE)),
            reference: form.field(
                "ref",
                optional_text("ref", input.reference.as_deref(), MAX_REF),
            ),
            priority_id: form.field("priorityId", input::id(&input.priority_id, "priority")),
            owner_id: form.field(
                "ownerId",
                input::optional_id(input.owner_id.as_ref(), "user"),
            ),
            sponsor_id: form.field(
                "sponsorId",
                input::optional_id(input.sponsor_id.as_ref(), "user"),
            ),
            description: form.field(
                "description",
                optional_text("description", input.description.as_deref(), MAX_TEXT),
            ),
            delivery: input.delivery.unwrap_or(Delivery::Council).into(),
            planned_start: input.planned_start.map(|d| d.0),
            due_date: input.due_date.map(|d| d.0),
            due_kind: input.due_kind.map(Into::into),
        };
        if !form.is_empty() {
            // What parsed is checked against the data too, so every problem is told at once.
            let org = scope(ctx)?.org.id;
            form.store(actions::check_new(&request(ctx).db.conn, org, &new).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = actions::create_action(&uow, new).await?;
        uow.commit().await?;
        Ok(ActionObj(row))
    }

    /// Edits an action (its owner, their line managers, or ADMIN).
    async fn update_action(
        &self,
        ctx: &Context<'_>,
        input: UpdateActionInput,
    ) -> GqlResult<ActionObj> {
        let org = scope(ctx)?.org.id;
        let id = input::id(&input.id, "action")?;
        let existing = actions::action(&request(ctx).db.conn, org, id).await?;
        require_owner_write(ctx, existing.owner_id, "action").await?;
        let mut form = Form::default();
        let change = ActionChange {
            expected_version: input.expected_version,
            reference: form.field("ref", clearable_text("ref", &input.reference, MAX_REF)),
            title: form.field(
                "title",
                input::new_text("title", input.title.as_deref(), MAX_TITLE),
            ),
            description: form.field(
                "description",
                clearable_text("description", &input.description, MAX_TEXT),
            ),
            owner_id: form.field("ownerId", input::clearable_id(&input.owner_id, "user")),
            sponsor_id: form.field("sponsorId", input::clearable_id(&input.sponsor_id, "user")),
            delivery: input.delivery.map(Into::into),
            planned_start: clearable_date(&input.planned_start),
            actual_start: clearable_date(&input.actual_start),
            due_date: clearable_date(&input.due_date),
            due_kind: clearable(&input.due_kind, Into::into),
            estimated_completion: clearable_date(&input.estimated_completion),
            completed_on: clearable_date(&input.completed_on),
        };
        if !form.is_empty() {
            let db = &request(ctx).db.conn;
            form.store(actions::check_change(db, org, id, &change).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = actions::update_action(&uow, id, change).await?;
        uow.commit().await?;
        Ok(ActionObj(row))
    }

    /// Records an action's progress for a quarter (its owner, or their managers, or ADMIN).
    async fn record_action_update(
        &self,
        ctx: &Context<'_>,
        input: ActionUpdateInput,
    ) -> GqlResult<ActionObj> {
        let org = scope(ctx)?.org.clone();
        let id = input::id(&input.action_id, "action")?;
        let existing = actions::action(&request(ctx).db.conn, org.id, id).await?;
        require_owner_write(ctx, existing.owner_id, "action").await?;
        let period = input::period(&input.period)?;
        let entry = ActionUpdateEntry {
            period,
            status: input.status.into(),
            commentary: optional_text("commentary", input.commentary.as_deref(), MAX_TEXT)?,
            next_steps: optional_text("nextSteps", input.next_steps.as_deref(), MAX_TEXT)?,
            estimated_completion: input.estimated_completion.map(|d| d.0),
        };
        let links = pmf_mail::Links::new(&request(ctx).public_url);
        let uow = begin(ctx).await?;
        let row = actions::record_update(&uow, &org, &links, id, entry).await?;
        uow.commit().await?;
        Ok(ActionObj(row))
    }
}
