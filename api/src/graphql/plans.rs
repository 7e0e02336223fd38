//! Plans, their priorities and objectives, and a priority's exception recipients.
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use pmf_store::{
    entity::{objective, plan, priority},
    plans::{
        self, NewObjective, NewPlan, NewPriority, ObjectiveChange, PlanChange, PriorityChange,
    },
};

use super::{
    actions::ActionObj,
    authorise::{ADMIN, require_role},
    context::{begin, loader, request, scope},
    cost,
    enums::{PlanKind, PlanStatus, face},
    input::{
        self, Form, MAX_REF, MAX_TEXT, MAX_TITLE, clearable_text, optional_text, required_text,
    },
    loaders::{
        ActionsOfPriority, IndicatorsOfPriority, ObjectivesOfPriority, PlanKey, PrioritiesOfPlan,
        PriorityKey,
    },
    people::UserObj,
    result_values::IndicatorList,
    results::prefetch_results,
    scalars::Date,
};
use crate::{error::GqlResult, links};

/// A priority, when the caller may see it.
pub async fn load_priority(ctx: &Context<'_>, id: Option<i64>) -> GqlResult<Option<PriorityObj>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loader(ctx)?
        .load_one(PriorityKey(id))
        .await?
        .map(PriorityObj))
}

/// A plan, when the caller may see it.
pub async fn load_plan(ctx: &Context<'_>, id: i64) -> GqlResult<Option<PlanObj>> {
    Ok(loader(ctx)?.load_one(PlanKey(id)).await?.map(PlanObj))
}

/// A plan's priorities, in order.
pub async fn load_priorities(ctx: &Context<'_>, plan_id: i64) -> GqlResult<Vec<priority::Model>> {
    Ok(loader(ctx)?
        .load_one(PrioritiesOfPlan(plan_id))
        .await?
        .unwrap_or_default())
}

pub struct PlanObj(pub plan::Model);

#[Object(name = "Plan")]
impl PlanObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn kind(&self) -> PlanKind {
        face(&self.0.kind)
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
    async fn status(&self) -> PlanStatus {
        face(&self.0.status)
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
    /// Moves on with every edit; give it back as `expectedVersion` to be safe against
    /// concurrent edits.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The plan this one belongs to (a team plan within the corporate plan).
    async fn parent(&self, ctx: &Context<'_>) -> GqlResult<Option<PlanObj>> {
        match self.0.parent_id {
            Some(id) => load_plan(ctx, id).await,
            None => Ok(None),
        }
    }
    /// Link to the printable quarterly report for a period (add `.csv` before any query
    /// string for CSV). The public portal's link names the council (`?org=SLUG`); a signed-in
    /// caller fetches it with the same `Authorization` header as this API.
    async fn report_url(&self, ctx: &Context<'_>, period: String) -> GqlResult<String> {
        let period = input::period(&period)?;
        let scope = scope(ctx)?;
        let public_org = scope.is_public().then_some(scope.org.slug.as_str());
        Ok(links::report_url(
            &request(ctx).public_url,
            self.0.id,
            &period,
            public_org,
        ))
    }
    #[graphql(complexity = "cost::list(cost::sizes().priorities_per_plan, child_complexity)")]
    async fn priorities(&self, ctx: &Context<'_>) -> GqlResult<Vec<PriorityObj>> {
        let rows = load_priorities(ctx, self.0.id).await?;
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
        load_plan(ctx, self.0.plan_id)
            .await?
            .ok_or_else(|| crate::error::gql::not_found("plan", self.0.plan_id))
    }
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Moves on with every edit (see `Plan.version`).
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who receives its exception alerts besides the owner's line manager (signed in only:
    /// none on the public portal).
    #[graphql(complexity = "cost::list(cost::sizes().users, child_complexity)")]
    async fn exception_recipients(&self, ctx: &Context<'_>) -> GqlResult<Vec<UserObj>> {
        let scope = scope(ctx)?;
        if scope.is_public() {
            return Ok(Vec::new());
        }
        let db = &request(ctx).db.conn;
        let ids = plans::exception_recipient_ids(db, scope.org.id, self.0.id).await?;
        let users = pmf_store::people::users_by_id(db, scope.org.id, ids).await?;
        Ok(users.into_iter().map(UserObj).collect())
    }
    #[graphql(complexity = "cost::list(cost::sizes().actions_per_priority, child_complexity)")]
    async fn actions(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActionObj>> {
        let rows = loader(ctx)?
            .load_one(ActionsOfPriority(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(ActionObj).collect())
    }
    #[graphql(complexity = "cost::list(cost::sizes().objectives_per_priority, child_complexity)")]
    async fn objectives(&self, ctx: &Context<'_>) -> GqlResult<Vec<ObjectiveObj>> {
        let rows = loader(ctx)?
            .load_one(ObjectivesOfPriority(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(ObjectiveObj).collect())
    }
    /// The priority's active indicators (published ones only on the public portal).
    #[graphql(complexity = "cost::list(cost::sizes().indicators_per_priority, child_complexity)")]
    async fn indicators(&self, ctx: &Context<'_>) -> GqlResult<IndicatorList> {
        let rows = loader(ctx)?
            .load_one(IndicatorsOfPriority(self.0.id))
            .await?
            .unwrap_or_default();
        let results = prefetch_results(ctx, &rows).await?;
        Ok(IndicatorList {
            rows,
            results,
            fy: scope(ctx)?.org.fy_start,
        })
    }
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
pub struct CreatePriorityInput {
    pub plan_id: ID,
    pub code: Option<String>,
    pub title: String,
    pub description: Option<String>,
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

#[derive(Default)]
pub struct PlanQueries;

#[Object]
impl PlanQueries {
    /// Plans, newest first (published ones only on the public portal).
    #[graphql(complexity = "cost::list(cost::sizes().plans, child_complexity)")]
    async fn plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<PlanObj>> {
        let scope = scope(ctx)?;
        let db = &request(ctx).db.conn;
        let rows = plans::plans(db, scope.org.id, scope.audience()).await?;
        Ok(rows.into_iter().map(PlanObj).collect())
    }

    async fn plan(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<PlanObj>> {
        match id.parse::<i64>() {
            Ok(id) => load_plan(ctx, id).await,
            Err(_) => Ok(None),
        }
    }
}

#[derive(Default)]
pub struct PlanMutations;

#[Object]
impl PlanMutations {
    /// Adds a plan (ADMIN).
    async fn create_plan(&self, ctx: &Context<'_>, input: CreatePlanInput) -> GqlResult<PlanObj> {
        require_role(ctx, ADMIN, "create plans")?;
        let mut form = Form::default();
        let new = NewPlan {
            kind: input.kind.into(),
            title: form.field("title", required_text("title", &input.title, MAX_TITLE)),
            start_date: input.start_date.0,
            end_date: input.end_date.0,
            parent_id: form.field(
                "parentId",
                input::optional_id(input.parent_id.as_ref(), "plan"),
            ),
            status: input.status.unwrap_or(PlanStatus::Adopted).into(),
            vision: form.field(
                "vision",
                optional_text("vision", input.vision.as_deref(), MAX_TEXT),
            ),
            mission: form.field(
                "mission",
                optional_text("mission", input.mission.as_deref(), MAX_TEXT),
            ),
            published: input.published,
        };
        if !form.is_empty() {
            let org = scope(ctx)?.org.id;
            form.store(plans::check_new_plan(&request(ctx).db.conn, org, &new).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::create_plan(&uow, new).await?;
        uow.commit().await?;
        Ok(PlanObj(row))
    }

    /// Edits a plan (ADMIN).
    async fn update_plan(&self, ctx: &Context<'_>, input: UpdatePlanInput) -> GqlResult<PlanObj> {
        require_role(ctx, ADMIN, "edit plans")?;
        let id = input::id(&input.id, "plan")?;
        let mut form = Form::default();
        let change = PlanChange {
            expected_version: input.expected_version,
            kind: input.kind.map(Into::into),
            title: form.field(
                "title",
                input::new_text("title", input.title.as_deref(), MAX_TITLE),
            ),
            start_date: input.start_date.map(|d| d.0),
            end_date: input.end_date.map(|d| d.0),
            status: input.status.map(Into::into),
            vision: form.field("vision", clearable_text("vision", &input.vision, MAX_TEXT)),
            mission: form.field(
                "mission",
                clearable_text("mission", &input.mission, MAX_TEXT),
            ),
            published: input.published,
            parent_id: form.field("parentId", input::clearable_id(&input.parent_id, "plan")),
        };
        if !form.is_empty() {
            let org = scope(ctx)?.org.id;
            let db = &request(ctx).db.conn;
            let before = plans::plan(db, org, id).await?;
            form.store(plans::check_plan_change(db, org, &before, &change).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::update_plan(&uow, id, change).await?;
        uow.commit().await?;
        Ok(PlanObj(row))
    }

    /// Adds a priority (theme) to a plan (ADMIN).
    async fn create_priority(
        &self,
        ctx: &Context<'_>,
        input: CreatePriorityInput,
    ) -> GqlResult<PriorityObj> {
        require_role(ctx, ADMIN, "create priorities")?;
        let mut form = Form::default();
        let new = NewPriority {
            title: form.field("title", required_text("title", &input.title, MAX_TITLE)),
            code: form.field(
                "code",
                optional_text("code", input.code.as_deref(), MAX_REF),
            ),
            plan_id: form.field("planId", input::id(&input.plan_id, "plan")),
            description: form.field(
                "description",
                optional_text("description", input.description.as_deref(), MAX_TEXT),
            ),
        };
        if !form.is_empty() {
            let org = scope(ctx)?.org.id;
            form.store(plans::check_new_priority(&request(ctx).db.conn, org, &new).await)?;
        }
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::create_priority(&uow, new).await?;
        uow.commit().await?;
        Ok(PriorityObj(row))
    }

    /// Edits a priority (ADMIN).
    async fn update_priority(
        &self,
        ctx: &Context<'_>,
        input: UpdatePriorityInput,
    ) -> GqlResult<PriorityObj> {
        require_role(ctx, ADMIN, "edit priorities")?;
        let id = input::id(&input.id, "priority")?;
        let mut form = Form::default();
        let change = PriorityChange {
            expected_version: input.expected_version,
            code: form.field("code", clearable_text("code", &input.code, MAX_REF)),
            title: form.field(
                "title",
                input::new_text("title", input.title.as_deref(), MAX_TITLE),
            ),
            description: form.field(
                "description",
                clearable_text("description", &input.description, MAX_TEXT),
            ),
            position: input.position,
        };
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::update_priority(&uow, id, change).await?;
        uow.commit().await?;
        Ok(PriorityObj(row))
    }

    /// Adds an objective under a priority (ADMIN).
    async fn create_objective(
        &self,
        ctx: &Context<'_>,
        input: CreateObjectiveInput,
    ) -> GqlResult<ObjectiveObj> {
        require_role(ctx, ADMIN, "create objectives")?;
        let mut form = Form::default();
        let new = NewObjective {
            title: form.field("title", required_text("title", &input.title, MAX_TITLE)),
            code: form.field(
                "code",
                optional_text("code", input.code.as_deref(), MAX_REF),
            ),
            priority_id: form.field("priorityId", input::id(&input.priority_id, "priority")),
        };
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::create_objective(&uow, new).await?;
        uow.commit().await?;
        Ok(ObjectiveObj(row))
    }

    /// Edits an objective (ADMIN).
    async fn update_objective(
        &self,
        ctx: &Context<'_>,
        input: UpdateObjectiveInput,
    ) -> GqlResult<ObjectiveObj> {
        require_role(ctx, ADMIN, "edit objectives")?;
        let id = input::id(&input.id, "objective")?;
        let mut form = Form::default();
        let change = ObjectiveChange {
            code: form.field("code", clearable_text("code", &input.code, MAX_REF)),
            title: form.field(
                "title",
                input::new_text("title", input.title.as_deref(), MAX_TITLE),
            ),
        };
        form.finish()?;
        let uow = begin(ctx).await?;
        let row = plans::update_objective(&uow, id, change).await?;
        uow.commit().await?;
        Ok(ObjectiveObj(row))
    }

    /// Sets who receives exception alerts for a priority, replacing the list (ADMIN).
    async fn set_exception_recipients(
        &self,
        ctx: &Context<'_>,
        priority_id: ID,
        user_ids: Vec<ID>,
    ) -> GqlResult<Vec<UserObj>> {
        require_role(ctx, ADMIN, "set exception recipients")?;
        let priority = input::id(&priority_id, "priority")?;
        let users = user_ids
            .iter()
            .map(|id| input::id(id, "user"))
            .collect::<GqlResult<Vec<i64>>>()?;
        let uow = begin(ctx).await?;
        let rows = plans::set_exception_recipients(&uow, priority, &users).await?;
        uow.commit().await?;
        Ok(rows.into_iter().map(UserObj).collect())
    }
}
