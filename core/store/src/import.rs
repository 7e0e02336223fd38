//! Importing a council's workbook (issue 16): the rows `pmf_core::layout::read` made of it,
//! matched with what the council holds by their natural keys and inserted or updated, all
//! in one [`UnitOfWork`].
//!
//! * Natural keys: a plan by title, a priority by (plan, code), an objective by (priority,
//!   code), a user by e-mail, an indicator and an action by reference, a target and a value
//!   by (indicator, period). An action update is added only when it differs from the
//!   action's latest update for its quarter. Nothing the file leaves out is deleted.
//! * All or nothing: every row is checked (what it refers to must be in the workbook or
//!   already in the council) and every problem reported; any problem, or a dry run, rolls
//!   the whole unit back, so nothing is stored. Importing the same file twice changes
//!   nothing the second time (every row is "unchanged").
//! * Audit: each change is an audit entry (operation `import`, before and after), and the
//!   import itself one more (entity `workbook`, "import of FILE by USER", with the counts).
//!   A changed value gets a new version, as with `recordMeasurement`.
//! * Alerts: a value that turns an indicator RED raises an exception alert only when the
//!   period's deadline has not yet passed (history is not news); see README.
//!
//! Values and targets are written in batches (a few statements per thousand rows), so a
//! council's ten years of monthly values import in seconds.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use pmf_core::{
    Delivery, DueDate, DueKind, Frequency, Lifecycle, Period, PlanStatus, Unit,
    layout::{self, Problem, Records},
};
use pmf_mail::Links;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use serde::Serialize;

use crate::{
    Database, OrganisationSettings, StoreError, Stored, UnitOfWork,
    entity::{
        action, action_update, audit_entry, indicator, measurement, objective, plan, priority,
        target, user,
    },
    results::evaluate_many,
};

/// Rows of one batched statement.
const BATCH: usize = 500;

/// How many rows of one sheet were created, updated and left as they were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SheetCounts {
    pub sheet: &'static str,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// What an import did, or would do (a dry run), or why it did nothing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// No problem: the changes are stored (or, on a dry run, would be).
    pub ok: bool,
    pub dry_run: bool,
    pub problems: Vec<Problem>,
    /// One per sheet the workbook has, in the layout's order.
    pub counts: Vec<SheetCounts>,
    /// Exception alerts the import put in the outbox.
    pub alerts: usize,
}

/// Who imports what.
#[derive(Debug, Clone)]
pub struct ImportSource {
    /// The file's name, for the audit trail.
    pub file_name: String,
    /// Who imports it (none: an operator's command), and how they are named in the trail.
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub dry_run: bool,
}

/// Imports the rows of a workbook into the council (see the module's rules). `problems` are
/// those found reading the cells; any problem, these or the ones found here, stores nothing.
pub async fn import(
    db: &Database,
    org: &OrganisationSettings,
    links: &Links,
    now: chrono::DateTime<chrono::Utc>,
    source: &ImportSource,
    records: Records,
    problems: Vec<Problem>,
) -> Result<ImportReport, StoreError> {
    let uow = UnitOfWork::begin(db, org.id, source.actor_id, now).await?;
    let mut run = Run::load(&uow, org, problems).await?;
    run.counts = records
        .sheets
        .iter()
        .map(|s| {
            (
                *s,
                SheetCounts {
                    sheet: s,
                    ..Default::default()
                },
            )
        })
        .collect();
    run.plans(&records).await?;
    run.priorities(&records).await?;
    run.objectives(&records).await?;
    run.users(&records).await?;
    run.indicators(&records).await?;
    run.targets(&records).await?;
    let alerts = run.values(&records, links).await?;
    run.actions(&records).await?;
    run.action_updates(&records).await?;
    let counts: Vec<SheetCounts> = records
        .sheets
        .iter()
        .filter_map(|s| run.counts.get(s).copied())
        .collect();
    let mut problems = std::mem::take(&mut run.problems);
    problems.sort_by_key(|p| (layout::SHEETS.iter().position(|s| s.name == p.sheet), p.row));
    let ok = problems.is_empty();
    if ok && !source.dry_run {
        uow.audit(
            "workbook",
            org.id,
            "import",
            None::<&()>,
            Some(&serde_json::json!({
                "description": format!("import of {} by {}", source.file_name, source.actor_name),
                "file": source.file_name,
                "counts": counts,
            })),
        )
        .await?;
        uow.commit().await?;
    }
    // Otherwise the unit of work is dropped: everything is rolled back.
    Ok(ImportReport {
        ok,
        dry_run: source.dry_run,
        problems,
        counts,
        alerts: if ok && !source.dry_run { alerts } else { 0 },
    })
}

/// An import in progress: what the council holds, by natural key, as it changes.
struct Run<'a> {
    uow: &'a UnitOfWork,
    org: &'a OrganisationSettings,
    problems: Vec<Problem>,
    counts: HashMap<&'static str, SheetCounts>,
    plans: Vec<plan::Model>,
    priorities: Vec<priority::Model>,
    objectives: Vec<objective::Model>,
    users: HashMap<String, user::Model>,
    indicators: HashMap<String, indicator::Model>,
    actions: HashMap<String, action::Model>,
    created_plans: HashSet<i64>,
    /// Users found in the sheet whose line manager is still to be resolved.
    pending_users: Vec<(user::Model, user::Model)>,
    /// Users created by this import, audited once their line manager is set.
    created_users: Vec<i64>,
    /// Actions of the sheet that would be created (while no longer writing).
    new_actions: HashSet<String>,
}

/// A blank cell keeps what is stored: `field` takes `new` only when the cell gave one.
fn keep<T>(field: &mut T, new: Option<T>) {
    if let Some(v) = new {
        *field = v;
    }
}

fn audit_row<B: Serialize, A: Serialize>(
    uow: &UnitOfWork,
    org: i64,
    entity: &str,
    id: i64,
    before: Option<&B>,
    after: &A,
) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        organisation_id: Set(org),
        actor_id: Set(uow.actor_id()),
        at: Set(uow.now()),
        entity: Set(entity.to_string()),
        entity_id: Set(Some(id)),
        operation: Set("import".into()),
        before: Set(before.and_then(|b| serde_json::to_string(b).ok())),
        after: Set(serde_json::to_string(after).ok()),
        ..Default::default()
    }
}

pub(crate) async fn insert_batched<C, A>(db: &C, rows: Vec<A>) -> Result<(), StoreError>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(())
}

impl<'a> Run<'a> {
    async fn load(
        uow: &'a UnitOfWork,
        org: &'a OrganisationSettings,
        problems: Vec<Problem>,
    ) -> Result<Run<'a>, StoreError> {
        let id = org.id;
        Ok(Run {
            uow,
            org,
            problems,
            counts: HashMap::new(),
            plans: crate::scoped::rows::<plan::Entity>(id)
                .order_by_asc(plan::Column::Id)
                .all(uow)
                .await?,
            priorities: crate::scoped::rows::<priority::Entity>(id)
                .order_by_asc(priority::Column::Id)
                .all(uow)
                .await?,
            objectives: crate::scoped::rows::<objective::Entity>(id)
                .order_by_asc(objective::Column::Id)
                .all(uow)
                .await?,
            users: crate::scoped::rows::<user::Entity>(id)
                .all(uow)
                .await?
                .into_iter()
                .map(|u| (u.email.clone(), u))
                .collect(),
            indicators: crate::scoped::rows::<indicator::Entity>(id)
                .all(uow)
                .await?
                .into_iter()
                .map(|i| (i.reference.clone(), i))
                .collect(),
            actions: crate::scoped::rows::<action::Entity>(id)
                .all(uow)
                .await?
                .into_iter()
                .filter_map(|a| a.reference.clone().map(|r| (r, a)))
                .collect(),
            created_plans: HashSet::new(),
            pending_users: Vec::new(),
            created_users: Vec::new(),
            new_actions: HashSet::new(),
        })
    }

    fn problem(&mut self, sheet: &str, row: u32, column: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::at(sheet, row, column, message.into()));
    }

    fn count(&mut self, sheet: &'static str, created: bool, changed: bool) {
        let c = self.counts.entry(sheet).or_insert(SheetCounts {
            sheet,
            ..Default::default()
        });
        match (created, changed) {
            (true, _) => c.created += 1,
            (false, true) => c.updated += 1,
            (false, false) => c.unchanged += 1,
        }
    }

    /// Whether writing can go on: once a problem is found, rows are still checked but no
    /// longer written (the unit of work will be rolled back anyway).
    fn writing(&self) -> bool {
        self.problems.is_empty()
    }

    /// The plan titled `title`, or a problem at (sheet, row, column).
    fn plan_named(&mut self, title: &str, sheet: &str, row: u32, column: &str) -> Option<i64> {
        let found: Vec<i64> = self
            .plans
            .iter()
            .filter(|p| p.title == title)
            .map(|p| p.id)
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            [] => {
                self.problem(
                    sheet,
                    row,
                    column,
                    format!("{title:?} is not a plan of the Plans sheet or of this council"),
                );
                None
            }
            _ => {
                self.problem(
                    sheet,
                    row,
                    column,
                    format!(
                        "{title:?} matches {} plans of this council; give them different titles first",
                        found.len()
                    ),
                );
                None
            }
        }
    }

    fn priority_in(&self, plan: i64, code: &str) -> Option<&priority::Model> {
        self.priorities
            .iter()
            .find(|p| p.plan_id == plan && p.code.as_deref() == Some(code))
    }

    /// The priority (plan title, code), or a problem naming what is missing.
    fn priority_named(&mut self, plan: &str, code: &str, sheet: &str, row: u32) -> Option<i64> {
        let plan_id = self.plan_named(plan, sheet, row, "Plan")?;
        match self.priority_in(plan_id, code) {
            Some(p) => Some(p.id),
            None => {
                self.problem(
                    sheet,
                    row,
                    "Priority",
                    format!("{code:?} is not a priority of {plan:?} in the Priorities sheet or in this council"),
                );
                None
            }
        }
    }

    fn user_named(
        &mut self,
        email: &pmf_core::Email,
        sheet: &str,
        row: u32,
        column: &str,
    ) -> Option<i64> {
        match self.users.get(email.as_str()) {
            Some(u) => Some(u.id),
            None => {
                self.problem(
                    sheet,
                    row,
                    column,
                    format!("{email} is not a user of this council; add them to the Users sheet"),
                );
                None
            }
        }
    }

    async fn plans(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Plans";
        let org = self.org.id;
        for r in &records.plans {
            let matching: Vec<plan::Model> = self
                .plans
                .iter()
                .filter(|p| p.title == r.title)
                .cloned()
                .collect();
            match matching.as_slice() {
                [] => {
                    let am = plan::ActiveModel {
                        organisation_id: Set(org),
                        parent_id: Set(None),
                        kind: Set(Stored(r.kind)),
                        title: Set(r.title.clone()),
                        start_date: Set(r.start_date),
                        end_date: Set(r.end_date),
                        status: Set(Stored(r.status.unwrap_or(PlanStatus::Adopted))),
                        vision: Set(r.vision.clone()),
                        mission: Set(r.mission.clone()),
                        published: Set(false),
                        version: Set(1),
                        created_at: Set(self.uow.now()),
                        ..Default::default()
                    };
                    match self.insert(SHEET, "plan", am, |m| m.id).await? {
                        Some(row) => {
                            self.created_plans.insert(row.id);
                            self.plans.push(row);
                        }
                        // Stands in for the new plan, so the rows that name it can be checked.
                        None => self.plans.push(plan::Model {
                            id: -i64::from(r.row),
                            organisation_id: org,
                            parent_id: None,
                            kind: Stored(r.kind),
                            title: r.title.clone(),
                            start_date: r.start_date,
                            end_date: r.end_date,
                            status: Stored(r.status.unwrap_or(PlanStatus::Adopted)),
                            vision: None,
                            mission: None,
                            published: false,
                            version: 1,
                            created_at: self.uow.now(),
                        }),
                    }
                }
                [before] => {
                    let mut after = before.clone();
                    after.kind = Stored(r.kind);
                    after.start_date = r.start_date;
                    after.end_date = r.end_date;
                    keep(&mut after.status, r.status.map(Stored));
                    keep(&mut after.vision, r.vision.clone().map(Some));
                    keep(&mut after.mission, r.mission.clone().map(Some));
                    if after != *before {
                        after.version += 1;
                    }
                    let stored = self.update(SHEET, "plan", before.id, before, after).await?;
                    self.replace_plan(stored);
                }
                more => self.problem(
                    SHEET,
                    r.row,
                    "Title",
                    format!(
                        "{:?} matches {} plans of this council; give them different titles first",
                        r.title,
                        more.len()
                    ),
                ),
            }
        }
        // Parents, once every plan of the sheet exists.
        for r in &records.plans {
            let Some(parent) = &r.parent else { continue };
            if parent == &r.title {
                self.problem(
                    SHEET,
                    r.row,
                    "Parent plan",
                    "a plan cannot be its own parent",
                );
                continue;
            }
            let Some(parent_id) = self.plan_named(parent, SHEET, r.row, "Parent plan") else {
                continue;
            };
            let Some(before) = self.plans.iter().find(|p| p.title == r.title).cloned() else {
                continue;
            };
            if before.parent_id != Some(parent_id) {
                if !self.created_plans.contains(&before.id)
                    && let Some(c) = self.counts.get_mut(SHEET)
                    && c.unchanged > 0
                {
                    c.unchanged -= 1;
                    c.updated += 1;
                }
                if !self.writing() {
                    continue;
                }
                let mut after = before.clone();
                after.parent_id = Some(parent_id);
                after.version += 1;
                let stored = after
                    .into_active_model()
                    .reset_all()
                    .update(self.uow)
                    .await?;
                self.uow
                    .audit("plan", before.id, "import", Some(&before), Some(&stored))
                    .await?;
                self.replace_plan(stored);
            }
        }
        Ok(())
    }

    fn replace_plan(&mut self, row: plan::Model) {
        if let Some(p) = self.plans.iter_mut().find(|p| p.id == row.id) {
            *p = row;
        }
    }

    /// Stores `after` over `before` when they differ (moving the version on), audited;
    /// counts the row as updated or unchanged. Returns the stored row.
    /// A user deactivated or given another role by the import: their sessions end, as when
    /// an ADMIN does it (`people::set_active`, `people::update_user`).
    async fn end_sessions_if_needed(
        &self,
        before: &user::Model,
        after: &user::Model,
    ) -> Result<(), StoreError> {
        if self.writing()
            && let Some(reason) = crate::sign_in::end_reason_for_change(before, after)
        {
            crate::sign_in::end_sessions(self.uow, before.id, None, reason).await?;
        }
        Ok(())
    }

    async fn update<M, A>(
        &mut self,
        sheet: &'static str,
        entity: &str,
        id: i64,
        before: &M,
        after: M,
    ) -> Result<M, StoreError>
    where
        M: Serialize + PartialEq + Clone + sea_orm::IntoActiveModel<A> + Send,
        A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
        A::Entity: EntityTrait<Model = M>,
    {
        let changed = after != *before;
        self.count(sheet, false, changed);
        if !changed || !self.writing() {
            return Ok(before.clone());
        }
        let stored = after
            .into_active_model()
            .reset_all()
            .update(self.uow)
            .await?;
        self.uow
            .audit(entity, id, "import", Some(before), Some(&stored))
            .await?;
        Ok(stored)
    }

    /// Inserts a new row, audited, counted as created (when writing).
    async fn insert<A>(
        &mut self,
        sheet: &'static str,
        entity: &str,
        am: A,
        id: impl FnOnce(&<A::Entity as EntityTrait>::Model) -> i64,
    ) -> Result<Option<<A::Entity as EntityTrait>::Model>, StoreError>
    where
        A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A> + Serialize,
    {
        self.count(sheet, true, false);
        if !self.writing() {
            return Ok(None);
        }
        let row = am.insert(self.uow).await?;
        self.uow
            .audit(entity, id(&row), "import", None::<&()>, Some(&row))
            .await?;
        Ok(Some(row))
    }
}

impl Run<'_> {
    async fn priorities(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Priorities";
        for r in &records.priorities {
            let Some(plan_id) = self.plan_named(&r.plan, SHEET, r.row, "Plan") else {
                continue;
            };
            match self.priority_in(plan_id, &r.code).cloned() {
                Some(before) => {
                    let mut after = before.clone();
                    after.title = r.title.clone();
                    keep(&mut after.description, r.description.clone().map(Some));
                    if after != before {
                        after.version += 1;
                    }
                    let stored = self
                        .update(SHEET, "priority", before.id, &before, after)
                        .await?;
                    if let Some(p) = self.priorities.iter_mut().find(|p| p.id == stored.id) {
                        *p = stored;
                    }
                }
                None => {
                    let position = self
                        .priorities
                        .iter()
                        .filter(|p| p.plan_id == plan_id)
                        .count() as i32;
                    let am = priority::ActiveModel {
                        organisation_id: Set(self.org.id),
                        plan_id: Set(plan_id),
                        code: Set(Some(r.code.clone())),
                        title: Set(r.title.clone()),
                        description: Set(r.description.clone()),
                        position: Set(position),
                        version: Set(1),
                        ..Default::default()
                    };
                    match self.insert(SHEET, "priority", am, |m| m.id).await? {
                        Some(row) => self.priorities.push(row),
                        None => self.priorities.push(priority::Model {
                            id: -i64::from(r.row),
                            organisation_id: self.org.id,
                            plan_id,
                            code: Some(r.code.clone()),
                            title: r.title.clone(),
                            description: None,
                            position,
                            version: 1,
                        }),
                    }
                }
            }
        }
        Ok(())
    }

    async fn objectives(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Objectives";
        for r in &records.objectives {
            let Some(priority_id) = self.priority_named(&r.plan, &r.priority, SHEET, r.row) else {
                continue;
            };
            let existing = self
                .objectives
                .iter()
                .find(|o| o.priority_id == priority_id && o.code.as_deref() == Some(&r.code))
                .cloned();
            match existing {
                Some(before) => {
                    let mut after = before.clone();
                    after.title = r.title.clone();
                    let stored = self
                        .update(SHEET, "objective", before.id, &before, after)
                        .await?;
                    if let Some(o) = self.objectives.iter_mut().find(|o| o.id == stored.id) {
                        *o = stored;
                    }
                }
                None => {
                    let am = objective::ActiveModel {
                        organisation_id: Set(self.org.id),
                        priority_id: Set(priority_id),
                        code: Set(Some(r.code.clone())),
                        title: Set(r.title.clone()),
                        ..Default::default()
                    };
                    match self.insert(SHEET, "objective", am, |m| m.id).await? {
                        Some(row) => self.objectives.push(row),
                        None => self.objectives.push(objective::Model {
                            id: -i64::from(r.row),
                            organisation_id: self.org.id,
                            priority_id,
                            code: Some(r.code.clone()),
                            title: r.title.clone(),
                        }),
                    }
                }
            }
        }
        Ok(())
    }

    async fn users(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Users";
        // Every user first, then line managers (who may come later in the sheet).
        for r in &records.users {
            match self.users.get(r.email.as_str()).cloned() {
                Some(before) => {
                    let mut after = before.clone();
                    after.name = r.name.clone();
                    after.role = Stored(r.role);
                    keep(&mut after.active, r.active);
                    if r.manager.is_none() && after != before {
                        after.version += 1;
                    }
                    if r.manager.is_some() {
                        // Counted and written with the manager below.
                        self.pending_users.push((before, after));
                        continue;
                    }
                    let stored = self
                        .update(SHEET, "user", before.id, &before, after)
                        .await?;
                    self.end_sessions_if_needed(&before, &stored).await?;
                    self.users.insert(stored.email.clone(), stored);
                }
                None => {
                    let am = user::ActiveModel {
                        organisation_id: Set(self.org.id),
                        name: Set(r.name.clone()),
                        email: Set(r.email.as_str().to_string()),
                        role: Set(Stored(r.role)),
                        manager_id: Set(None),
                        active: Set(r.active.unwrap_or(true)),
                        notification_preference: Set(Stored(
                            pmf_core::NotificationPreference::Immediate,
                        )),
                        version: Set(1),
                        created_at: Set(self.uow.now()),
                        ..Default::default()
                    };
                    self.count(SHEET, true, false);
                    if self.writing() {
                        let row = am.insert(self.uow).await?;
                        self.created_users.push(row.id);
                        self.users.insert(row.email.clone(), row);
                    } else {
                        // Stands in for the new user, so rows that name them can be checked.
                        self.users.insert(
                            r.email.as_str().to_string(),
                            user::Model {
                                id: -(r.row as i64),
                                organisation_id: self.org.id,
                                name: r.name.clone(),
                                email: r.email.as_str().to_string(),
                                role: Stored(r.role),
                                manager_id: None,
                                active: true,
                                notification_preference: Stored(
                                    pmf_core::NotificationPreference::Immediate,
                                ),
                                version: 1,
                                created_at: self.uow.now(),
                                sso_issuer: None,
                                sso_subject: None,
                            },
                        );
                    }
                }
            }
        }
        let pending = std::mem::take(&mut self.pending_users);
        let mut pending: HashMap<String, (user::Model, user::Model)> = pending
            .into_iter()
            .map(|(b, a)| (b.email.clone(), (b, a)))
            .collect();
        for r in &records.users {
            let Some(manager) = &r.manager else { continue };
            let manager_id = self.user_named(manager, SHEET, r.row, "Line manager email");
            let Some(manager_id) = manager_id else {
                continue;
            };
            if let Some((before, mut after)) = pending.remove(r.email.as_str()) {
                after.manager_id = Some(manager_id);
                if after != before {
                    after.version += 1;
                }
                let stored = self
                    .update(SHEET, "user", before.id, &before, after)
                    .await?;
                self.end_sessions_if_needed(&before, &stored).await?;
                self.users.insert(stored.email.clone(), stored);
            } else if let Some(new) = self.users.get(r.email.as_str()).cloned()
                && self.writing()
            {
                let mut after = new.clone();
                after.manager_id = Some(manager_id);
                let stored = after
                    .into_active_model()
                    .reset_all()
                    .update(self.uow)
                    .await?;
                self.users.insert(stored.email.clone(), stored);
            }
        }
        // Audit the new users once their manager is known.
        for id in std::mem::take(&mut self.created_users) {
            if let Some(u) = self.users.values().find(|u| u.id == id) {
                self.uow
                    .audit("user", id, "import", None::<&()>, Some(u))
                    .await?;
            }
        }
        self.check_manager_cycles(records);
        Ok(())
    }

    /// A line manager who, through others, reports to the user is refused.
    fn check_manager_cycles(&mut self, records: &Records) {
        let managers: HashMap<i64, i64> = self
            .users
            .values()
            .filter_map(|u| u.manager_id.map(|m| (u.id, m)))
            .collect();
        for r in &records.users {
            let Some(start) = self.users.get(r.email.as_str()).map(|u| u.id) else {
                continue;
            };
            let mut at = start;
            for _ in 0..=managers.len() {
                match managers.get(&at) {
                    Some(&m) if m == start => {
                        self.problem(
                            "Users",
                            r.row,
                            "Line manager email",
                            "the line managers go round in a circle back to this user",
                        );
                        break;
                    }
                    Some(&m) => at = m,
                    None => break,
                }
            }
        }
    }

    async fn indicators(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Indicators";
        let default_tolerance = self.org.rating.default_tolerance.tolerance();
        for r in &records.indicators {
            let priority_id = match (&r.plan, &r.priority) {
                (Some(plan), Some(code)) => match self.priority_named(plan, code, SHEET, r.row) {
                    Some(id) => Some(id),
                    None => continue,
                },
                _ => None,
            };
            let owner_id = match &r.owner {
                Some(e) => match self.user_named(e, SHEET, r.row, "Owner email") {
                    Some(id) => Some(id),
                    None => continue,
                },
                None => None,
            };
            let now = self.uow.now();
            match self.indicators.get(&r.reference).cloned() {
                Some(before) => {
                    let mut after = before.clone();
                    after.title = r.title.clone();
                    keep(&mut after.priority_id, priority_id.map(Some));
                    keep(&mut after.owner_id, owner_id.map(Some));
                    keep(&mut after.level, r.level.map(Stored));
                    keep(&mut after.indicator_type, r.indicator_type.map(Stored));
                    after.unit = Stored(r.unit);
                    keep(&mut after.decimals, r.decimals.map(i16::from));
                    after.polarity = Stored(r.polarity);
                    if *before.frequency != r.frequency {
                        self.problem(
                            SHEET,
                            r.row,
                            "Frequency",
                            format!(
                                "{} is recorded {}; its frequency cannot change",
                                r.reference,
                                before.frequency.as_str().to_lowercase()
                            ),
                        );
                        continue;
                    }
                    keep(&mut after.cumulative, r.cumulative);
                    keep(&mut after.monitor_only, r.monitor_only);
                    if let Some(t) = r.tolerance {
                        after.tolerance_kind = t.kind().to_string();
                        after.tolerance_value = t.value();
                    }
                    keep(&mut after.published, r.published);
                    if let Some(l) = r.lifecycle
                        && l != *before.lifecycle
                    {
                        after.lifecycle = Stored(l);
                        match l {
                            Lifecycle::Retired => after.retired_at = Some(now),
                            Lifecycle::Active => {
                                after.approved_by = self.uow.actor_id();
                                after.approved_at = Some(now);
                            }
                            Lifecycle::Proposed => {}
                        }
                    }
                    keep(&mut after.definition, r.definition.clone().map(Some));
                    keep(&mut after.data_source, r.data_source.clone().map(Some));
                    keep(
                        &mut after.first_period,
                        r.first_period.map(|p| Some(Stored(p))),
                    );
                    keep(
                        &mut after.benchmark_metric,
                        r.benchmark_metric.clone().map(Some),
                    );
                    if after != before {
                        after.version += 1;
                    }
                    let stored = self
                        .update(SHEET, "indicator", before.id, &before, after)
                        .await?;
                    self.indicators.insert(stored.reference.clone(), stored);
                }
                None => {
                    let lifecycle = r.lifecycle.unwrap_or(Lifecycle::Active);
                    let tolerance = r.tolerance.unwrap_or(default_tolerance);
                    let model = indicator::Model {
                        id: -(r.row as i64),
                        organisation_id: self.org.id,
                        priority_id,
                        reference: r.reference.clone(),
                        title: r.title.clone(),
                        definition: r.definition.clone(),
                        level: Stored(r.level.unwrap_or(pmf_core::IndicatorLevel::Kpm)),
                        indicator_type: Stored(
                            r.indicator_type.unwrap_or(pmf_core::IndicatorType::Outcome),
                        ),
                        unit: Stored(r.unit),
                        decimals: r.decimals.unwrap_or(r.unit.default_decimals()).into(),
                        polarity: Stored(r.polarity),
                        frequency: Stored(r.frequency),
                        cumulative: r.cumulative.unwrap_or(false),
                        monitor_only: r.monitor_only.unwrap_or(false),
                        tolerance_kind: tolerance.kind().to_string(),
                        tolerance_value: tolerance.value(),
                        owner_id,
                        data_source: r.data_source.clone(),
                        information_asset_ref: None,
                        published: r.published.unwrap_or(false),
                        lifecycle: Stored(lifecycle),
                        first_period: r.first_period.map(Stored),
                        proposed_by: self.uow.actor_id(),
                        approved_by: self
                            .uow
                            .actor_id()
                            .filter(|_| lifecycle == Lifecycle::Active),
                        approved_at: (lifecycle == Lifecycle::Active).then_some(now),
                        retired_at: (lifecycle == Lifecycle::Retired).then_some(now),
                        version: 1,
                        created_at: now,
                        benchmark_metric: r.benchmark_metric.clone(),
                        comparator_group_id: None,
                        results_version: 0,
                    };
                    let mut am = model.clone().into_active_model().reset_all();
                    am.id = sea_orm::ActiveValue::NotSet;
                    match self.insert(SHEET, "indicator", am, |m| m.id).await? {
                        Some(row) => {
                            self.indicators.insert(row.reference.clone(), row);
                        }
                        None => {
                            // Stands in for the new indicator, so its rows can be checked.
                            self.indicators.insert(model.reference.clone(), model);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The indicator with this reference, or a problem.
    fn indicator_named(
        &mut self,
        reference: &str,
        sheet: &str,
        row: u32,
    ) -> Option<indicator::Model> {
        match self.indicators.get(reference) {
            Some(i) => Some(i.clone()),
            None => {
                self.problem(
                    sheet,
                    row,
                    "Indicator ref",
                    format!(
                        "{reference} is not an indicator of the Indicators sheet or of this council"
                    ),
                );
                None
            }
        }
    }

    /// The span of the plan an indicator's priority belongs to.
    fn plan_span(&self, row: &indicator::Model) -> Option<(NaiveDate, NaiveDate)> {
        let priority = self
            .priorities
            .iter()
            .find(|p| Some(p.id) == row.priority_id)?;
        let plan = self.plans.iter().find(|p| p.id == priority.plan_id)?;
        Some((plan.start_date, plan.end_date))
    }

    async fn targets(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Targets";
        if records.targets.is_empty() {
            return Ok(());
        }
        let fy = self.org.fy_start;
        let stored: HashMap<(i64, Period), target::Model> =
            crate::scoped::rows::<target::Entity>(self.org.id)
                .all(self.uow)
                .await?
                .into_iter()
                .map(|t| ((t.indicator_id, *t.period), t))
                .collect();
        let mut inserts = Vec::new();
        let mut updates = Vec::new();
        for r in &records.targets {
            let Some(ind) = self.indicator_named(&r.reference, SHEET, r.row) else {
                continue;
            };
            let value = match pmf_core::parse_value(&r.target, *ind.unit == Unit::Percent) {
                Ok(v) => v,
                Err(e) => {
                    self.problem(SHEET, r.row, "Target", e.message());
                    continue;
                }
            };
            let period = r.period;
            if period.frequency() != Frequency::Annual && period.frequency() != *ind.frequency {
                self.problem(
                    SHEET,
                    r.row,
                    "Period",
                    format!(
                        "{} is recorded {}: give a target for a financial year ({}) or one of its {} periods",
                        ind.reference,
                        ind.frequency.as_str().to_lowercase(),
                        period.financial_year(fy),
                        ind.frequency.as_str().to_lowercase()
                    ),
                );
                continue;
            }
            if let Some((start, end)) = self.plan_span(&ind)
                && (period.end_date(fy) < start || period.start_date(fy) > end)
            {
                self.problem(
                    SHEET,
                    r.row,
                    "Period",
                    format!("{period} is outside the plan ({start} to {end})"),
                );
                continue;
            }
            match stored.get(&(ind.id, period)) {
                Some(t) if t.value == value => self.count(SHEET, false, false),
                Some(t) => {
                    self.count(SHEET, false, true);
                    updates.push((t.clone(), value));
                }
                None => {
                    self.count(SHEET, true, false);
                    inserts.push(target::ActiveModel {
                        organisation_id: Set(self.org.id),
                        indicator_id: Set(ind.id),
                        period: Set(Stored(period)),
                        value: Set(value),
                        set_by: Set(self.uow.actor_id()),
                        set_at: Set(self.uow.now()),
                        ..Default::default()
                    });
                }
            }
        }
        if !self.writing() {
            return Ok(());
        }
        let mut audits = Vec::new();
        for (before, value) in updates {
            let mut after = before.clone();
            after.value = value;
            after.set_by = self.uow.actor_id();
            after.set_at = self.uow.now();
            let stored = after
                .into_active_model()
                .reset_all()
                .update(self.uow)
                .await?;
            audits.push(audit_row(
                self.uow,
                self.org.id,
                "target",
                stored.id,
                Some(&before),
                &stored,
            ));
        }
        if !inserts.is_empty() {
            let keys: HashSet<(i64, Period)> = inserts
                .iter()
                .filter_map(|t| match (&t.indicator_id, &t.period) {
                    (sea_orm::ActiveValue::Set(i), sea_orm::ActiveValue::Set(p)) => Some((*i, **p)),
                    _ => None,
                })
                .collect();
            insert_batched(self.uow, inserts).await?;
            for t in crate::scoped::rows::<target::Entity>(self.org.id)
                .all(self.uow)
                .await?
            {
                if keys.contains(&(t.indicator_id, *t.period))
                    && !stored.contains_key(&(t.indicator_id, *t.period))
                {
                    audits.push(audit_row(
                        self.uow,
                        self.org.id,
                        "target",
                        t.id,
                        None::<&()>,
                        &t,
                    ));
                }
            }
        }
        insert_batched(self.uow, audits).await
    }

    async fn values(&mut self, records: &Records, links: &Links) -> Result<usize, StoreError> {
        const SHEET: &str = "Values";
        if records.values.is_empty() {
            return Ok(0);
        }
        let org = self.org;
        let fy = org.fy_start;
        let today = self.uow.now().with_timezone(&org.time_zone).date_naive();
        let stored: HashMap<(i64, Period), measurement::Model> =
            crate::scoped::rows::<measurement::Entity>(org.id)
                .all(self.uow)
                .await?
                .into_iter()
                .map(|m| ((m.indicator_id, *m.period), m))
                .collect();
        let mut inserts = Vec::new();
        let mut updates: Vec<(measurement::Model, measurement::Model)> = Vec::new();
        // Changes of periods whose deadline has not passed: these may raise alerts.
        let mut current: Vec<(String, Period)> = Vec::new();
        for r in &records.values {
            let Some(ind) = self.indicator_named(&r.reference, SHEET, r.row) else {
                continue;
            };
            let value = match pmf_core::optional(&r.value, |c| {
                pmf_core::parse_value(c, *ind.unit == Unit::Percent)
            }) {
                Ok(v) => v,
                Err(e) => {
                    self.problem(SHEET, r.row, "Value", e.message());
                    continue;
                }
            };
            let period = r.period;
            if period.frequency() != *ind.frequency {
                self.problem(
                    SHEET,
                    r.row,
                    "Period",
                    format!(
                        "{} is recorded {}: {period} is not one of its periods",
                        ind.reference,
                        ind.frequency.as_str().to_lowercase()
                    ),
                );
                continue;
            }
            if period.start_date(fy) > today {
                self.problem(
                    SHEET,
                    r.row,
                    "Period",
                    format!("{period} has not started yet"),
                );
                continue;
            }
            if let Some((start, end)) = self.plan_span(&ind)
                && (period.start_date(fy) < start || period.end_date(fy) > end)
            {
                self.problem(
                    SHEET,
                    r.row,
                    "Period",
                    format!("{period} is outside the plan ({start} to {end})"),
                );
                continue;
            }
            let existing = stored.get(&(ind.id, period));
            let same = existing.is_some_and(|m| {
                m.value == value
                    && m.commentary == r.commentary
                    && m.no_value_reason == r.no_value_reason
            });
            if same {
                self.count(SHEET, false, false);
                continue;
            }
            if *ind.lifecycle == Lifecycle::Retired {
                self.problem(
                    SHEET,
                    r.row,
                    "Value",
                    format!("{} is retired: its values cannot change", ind.reference),
                );
                continue;
            }
            self.count(SHEET, existing.is_none(), true);
            if pmf_core::due_date(&period, org.deadline_day, fy) >= today {
                current.push((ind.reference.clone(), period));
            }
            match existing {
                Some(before) => {
                    let mut after = before.clone();
                    after.value = value;
                    after.commentary = r.commentary.clone();
                    after.no_value_reason = r.no_value_reason.clone();
                    after.entered_by = self.uow.actor_id();
                    after.entered_at = self.uow.now();
                    after.version += 1;
                    updates.push((before.clone(), after));
                }
                None => inserts.push(measurement::ActiveModel {
                    organisation_id: Set(org.id),
                    indicator_id: Set(ind.id),
                    period: Set(Stored(period)),
                    period_end: Set(period.end_date(fy)),
                    value: Set(value),
                    no_value_reason: Set(r.no_value_reason.clone()),
                    commentary: Set(r.commentary.clone()),
                    entered_by: Set(self.uow.actor_id()),
                    entered_at: Set(self.uow.now()),
                    version: Set(1),
                    ..Default::default()
                }),
            }
        }
        if !self.writing() {
            return Ok(0);
        }
        let rows: Vec<(indicator::Model, Period)> = current
            .iter()
            .filter_map(|(r, p)| self.indicators.get(r).map(|i| (i.clone(), *p)))
            .collect();
        let asked: Vec<(&indicator::Model, Period)> =
            rows.iter().map(|(row, p)| (row, *p)).collect();
        let before = evaluate_many(self.uow, org, &asked).await?;

        let mut audits = Vec::new();
        for (before, after) in updates {
            measurement::Entity::update_many()
                .col_expr(measurement::Column::Value, Expr::value(after.value))
                .col_expr(
                    measurement::Column::Commentary,
                    Expr::value(after.commentary.clone()),
                )
                .col_expr(
                    measurement::Column::NoValueReason,
                    Expr::value(after.no_value_reason.clone()),
                )
                .col_expr(
                    measurement::Column::EnteredBy,
                    Expr::value(after.entered_by),
                )
                .col_expr(
                    measurement::Column::EnteredAt,
                    Expr::value(after.entered_at),
                )
                .col_expr(measurement::Column::Version, Expr::value(after.version))
                .filter(measurement::Column::Id.eq(before.id))
                .exec(self.uow)
                .await?;
            audits.push(audit_row(
                self.uow,
                org.id,
                "measurement",
                before.id,
                Some(&before),
                &after,
            ));
        }
        if !inserts.is_empty() {
            insert_batched(self.uow, inserts).await?;
            // Read back by key, not by time: a database may store `now` less precisely.
            for m in crate::scoped::rows::<measurement::Entity>(org.id)
                .filter(measurement::Column::Version.eq(1))
                .all(self.uow)
                .await?
            {
                if !stored.contains_key(&(m.indicator_id, *m.period)) {
                    audits.push(audit_row(
                        self.uow,
                        org.id,
                        "measurement",
                        m.id,
                        None::<&()>,
                        &m,
                    ));
                }
            }
        }
        insert_batched(self.uow, audits).await?;

        let after = evaluate_many(self.uow, org, &asked).await?;
        let mut alerts = 0;
        for (((row, _), b), a) in asked.iter().zip(&before).zip(&after) {
            alerts +=
                crate::alerts::on_measurement(self.uow, org, links, row, b, a, self.uow.now())
                    .await?;
        }
        Ok(alerts)
    }

    async fn actions(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Actions";
        for r in &records.actions {
            let priority_id = match (&r.plan, &r.priority) {
                (Some(plan), Some(code)) => match self.priority_named(plan, code, SHEET, r.row) {
                    Some(id) => Some(id),
                    None => continue,
                },
                _ => None,
            };
            let objective_id = match (&r.objective, priority_id) {
                (Some(code), Some(p)) => {
                    match self
                        .objectives
                        .iter()
                        .find(|o| o.priority_id == p && o.code.as_deref() == Some(code))
                    {
                        Some(o) => Some(o.id),
                        None => {
                            self.problem(
                                SHEET,
                                r.row,
                                "Objective",
                                format!("{code:?} is not an objective of priority {:?} in the Objectives sheet or in this council", r.priority.clone().unwrap_or_default()),
                            );
                            continue;
                        }
                    }
                }
                _ => None,
            };
            let owner_id = match &r.owner {
                Some(e) => match self.user_named(e, SHEET, r.row, "Owner email") {
                    Some(id) => Some(id),
                    None => continue,
                },
                None => None,
            };
            let (due_date, due_kind) = match r.due {
                Some(DueDate::On(d)) => (Some(Some(d)), Some(None)),
                Some(DueDate::Kind(k)) => (Some(None), Some(Some(Stored(k)))),
                None => (None, None),
            };
            match self.actions.get(&r.reference).cloned() {
                Some(before) => {
                    let mut after = before.clone();
                    after.title = r.title.clone();
                    keep(&mut after.priority_id, priority_id.map(Some));
                    keep(&mut after.objective_id, objective_id.map(Some));
                    keep(&mut after.owner_id, owner_id.map(Some));
                    keep(&mut after.delivery, r.delivery.map(Stored));
                    keep(&mut after.due_date, due_date);
                    keep(&mut after.due_kind, due_kind);
                    keep(
                        &mut after.estimated_completion,
                        r.estimated_completion.map(Some),
                    );
                    keep(&mut after.completed_on, r.completed_on.map(Some));
                    if after != before {
                        after.version += 1;
                    }
                    let stored = self
                        .update(SHEET, "action", before.id, &before, after)
                        .await?;
                    self.actions.insert(r.reference.clone(), stored);
                }
                None => {
                    let am = action::ActiveModel {
                        organisation_id: Set(self.org.id),
                        priority_id: Set(priority_id),
                        objective_id: Set(objective_id),
                        reference: Set(Some(r.reference.clone())),
                        title: Set(r.title.clone()),
                        description: Set(None),
                        owner_id: Set(owner_id),
                        sponsor_id: Set(None),
                        delivery: Set(Stored(r.delivery.unwrap_or(Delivery::Council))),
                        planned_start: Set(None),
                        actual_start: Set(None),
                        due_date: Set(due_date.flatten()),
                        due_kind: Set(due_kind.unwrap_or(Some(Stored(DueKind::NotSet)))),
                        estimated_completion: Set(r.estimated_completion),
                        completed_on: Set(r.completed_on),
                        version: Set(1),
                        created_at: Set(self.uow.now()),
                        ..Default::default()
                    };
                    match self.insert(SHEET, "action", am, |m| m.id).await? {
                        Some(row) => {
                            self.actions.insert(r.reference.clone(), row);
                        }
                        None => {
                            self.new_actions.insert(r.reference.clone());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    async fn action_updates(&mut self, records: &Records) -> Result<(), StoreError> {
        const SHEET: &str = "Action updates";
        if records.action_updates.is_empty() {
            return Ok(());
        }
        // The latest update of each action for each quarter.
        let mut known: HashSet<i64> = HashSet::new();
        let mut latest: HashMap<(i64, Period), action_update::Model> = HashMap::new();
        for u in crate::scoped::rows::<action_update::Entity>(self.org.id)
            .order_by_asc(action_update::Column::CreatedAt)
            .order_by_asc(action_update::Column::Id)
            .all(self.uow)
            .await?
        {
            known.insert(u.id);
            latest.insert((u.action_id, *u.period), u);
        }
        let fy = self.org.fy_start;
        let mut inserts = Vec::new();
        for r in &records.action_updates {
            let action_id = match self.actions.get(&r.action) {
                Some(a) => a.id,
                None if self.new_actions.contains(&r.action) => {
                    self.count(SHEET, true, false);
                    continue;
                }
                None => {
                    self.problem(
                        SHEET,
                        r.row,
                        "Action ref",
                        format!(
                            "{} is not an action of the Actions sheet or of this council",
                            r.action
                        ),
                    );
                    continue;
                }
            };
            let same = latest.get(&(action_id, r.period)).is_some_and(|u| {
                *u.status == r.status
                    && u.commentary == r.commentary
                    && u.next_steps == r.next_steps
            });
            self.count(SHEET, !same, false);
            if same {
                continue;
            }
            inserts.push(action_update::ActiveModel {
                organisation_id: Set(self.org.id),
                action_id: Set(action_id),
                period: Set(Stored(r.period)),
                period_end: Set(r.period.end_date(fy)),
                status: Set(Stored(r.status)),
                commentary: Set(r.commentary.clone()),
                next_steps: Set(r.next_steps.clone()),
                author_id: Set(self.uow.actor_id()),
                created_at: Set(self.uow.now()),
                ..Default::default()
            });
        }
        if !self.writing() || inserts.is_empty() {
            return Ok(());
        }

        insert_batched(self.uow, inserts).await?;
        let mut audits = Vec::new();
        for u in crate::scoped::rows::<action_update::Entity>(self.org.id)
            .all(self.uow)
            .await?
        {
            if !known.contains(&u.id) {
                audits.push(audit_row(
                    self.uow,
                    self.org.id,
                    "action_update",
                    u.id,
                    None::<&()>,
                    &u,
                ));
            }
        }
        insert_batched(self.uow, audits).await
    }
}

/// Reads a workbook's sheets and imports them: [`layout::read`] then [`import`].
pub async fn import_sheets(
    db: &Database,
    org: &OrganisationSettings,
    links: &Links,
    now: chrono::DateTime<chrono::Utc>,
    source: &ImportSource,
    sheets: &[layout::Sheet],
) -> Result<ImportReport, StoreError> {
    let (records, problems) = layout::read(sheets);
    import(db, org, links, now, source, records, problems).await
}
