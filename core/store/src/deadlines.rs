//! What is due when (docs/rules.md §9): the `deadlines` query and the worker's reminder sweep.
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use pmf_core::{Completeness, Frequency, FyStart, Lifecycle, Period};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};

use crate::{
    Database, OrganisationSettings, StoreError, Stored,
    entity::{action, action_update, deadline_extension, indicator, plan, priority},
    results::{EvaluationInputs, IN_LIST_CHUNK, IndicatorRules},
};

pub use pmf_core::Missing;

/// One value or action update due on a date.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineItem {
    pub indicator_id: Option<i64>,
    pub action_id: Option<i64>,
    /// Indicator or action reference, for sorting and for messages.
    pub reference: String,
    pub title: String,
    pub period: Period,
    pub due_date: NaiveDate,
    pub extended: bool,
    pub missing: Option<Missing>,
    pub owner_id: Option<i64>,
    pub priority_id: Option<i64>,
}

struct PlanSpan {
    start: NaiveDate,
    end: NaiveDate,
}

async fn plan_spans<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
) -> Result<HashMap<i64, PlanSpan>, StoreError> {
    let plans: HashMap<i64, plan::Model> = plan::Entity::find()
        .filter(plan::Column::OrganisationId.eq(org.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(priority::Entity::find()
        .filter(priority::Column::OrganisationId.eq(org.id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|p| {
            let plan = plans.get(&p.plan_id)?;
            Some((
                p.id,
                PlanSpan {
                    start: plan.start_date,
                    end: plan.end_date,
                },
            ))
        })
        .collect())
}

/// Every value and action update due from `from` to `to` inclusive (after extensions),
/// complete or not, soonest first. Only ACTIVE indicators are chased.
pub async fn between(
    db: &Database,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
    owner: Option<i64>,
) -> Result<Vec<DeadlineItem>, StoreError> {
    let which = Which {
        owner,
        ..Which::default()
    };
    due(&db.conn, org, from, to, &which, Keep::All).await
}

/// Those of [`between`] that are not complete: what the reminder sweep chases. (The complete
/// ones, most of them, are never built.)
pub async fn outstanding(
    db: &Database,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DeadlineItem>, StoreError> {
    outstanding_of(&db.conn, org, from, to, &Which::default()).await
}

/// [`outstanding`] of some items only, read through any connection (a unit of work keeping
/// what is outstanding, `crate::outstanding`, reads in its own transaction).
pub async fn outstanding_of<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
    which: &Which,
) -> Result<Vec<DeadlineItem>, StoreError> {
    due(db, org, from, to, which, Keep::Outstanding).await
}

/// Which items to build: every one (the default), or those of some indicators, some
/// actions, or one owner.
#[derive(Debug, Clone, Default)]
pub struct Which {
    /// `None`: every indicator of the council.
    pub indicators: Option<HashSet<i64>>,
    /// `None`: every action of the council.
    pub actions: Option<HashSet<i64>>,
    pub owner: Option<i64>,
}

impl Which {
    fn wants_indicator(&self, id: i64) -> bool {
        self.indicators.as_ref().is_none_or(|ids| ids.contains(&id))
    }

    fn wants_action(&self, id: i64) -> bool {
        self.actions.as_ref().is_none_or(|ids| ids.contains(&id))
    }
}

/// Narrows `q` to `ids` when they fit in one statement (else every row is read and the
/// caller keeps the ones it wants).
fn only<E: EntityTrait>(
    q: Select<E>,
    column: impl ColumnTrait,
    ids: &Option<HashSet<i64>>,
) -> Select<E> {
    match ids {
        Some(ids) if ids.len() <= IN_LIST_CHUNK => q.filter(column.is_in(ids.iter().copied())),
        _ => q,
    }
}

/// The order items are listed and sent in: soonest first, indicators before actions, then
/// by reference, period and id.
pub fn sort(items: &mut [DeadlineItem], fy: FyStart) {
    items.sort_by(|a, b| {
        (
            a.due_date,
            a.action_id.is_some(),
            &a.reference,
            a.period.sort_key(fy),
            a.indicator_id,
            a.action_id,
        )
            .cmp(&(
                b.due_date,
                b.action_id.is_some(),
                &b.reference,
                b.period.sort_key(fy),
                b.indicator_id,
                b.action_id,
            ))
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    Outstanding,
}

async fn due<C: ConnectionTrait>(
    conn: &C,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
    which: &Which,
    keep: Keep,
) -> Result<Vec<DeadlineItem>, StoreError> {
    let no_indicators = which.indicators.as_ref().is_some_and(HashSet::is_empty);
    let no_actions = which.actions.as_ref().is_some_and(HashSet::is_empty);
    if no_indicators && no_actions {
        return Ok(Vec::new());
    }
    let fy = org.fy_start;
    let spans = plan_spans(conn, org).await?;
    let mut ext_indicator = HashMap::new();
    let mut ext_action = HashMap::new();
    for e in deadline_extension::Entity::find()
        .filter(deadline_extension::Column::OrganisationId.eq(org.id))
        .all(conn)
        .await?
    {
        let period = *e.period;
        if let Some(id) = e.indicator_id {
            ext_indicator.insert((id, period), e.due_date);
        }
        if let Some(id) = e.action_id {
            ext_action.insert((id, period), e.due_date);
        }
    }
    let due_on = |period: &Period, ext: Option<&NaiveDate>| match ext {
        Some(d) => (*d, true),
        None => (pmf_core::due_date(period, org.deadline_day, fy), false),
    };

    let mut q = indicator::Entity::find()
        .filter(indicator::Column::OrganisationId.eq(org.id))
        .filter(indicator::Column::Lifecycle.eq(Stored(Lifecycle::Active)));
    if let Some(owner) = which.owner {
        q = q.filter(indicator::Column::OwnerId.eq(owner));
    }
    let indicators: Vec<indicator::Model> = if no_indicators {
        Vec::new()
    } else {
        only(q, indicator::Column::Id, &which.indicators)
            .all(conn)
            .await?
            .into_iter()
            .filter(|row| which.wants_indicator(row.id))
            .collect()
    };
    let mut asked: Vec<(&indicator::Model, Period, NaiveDate, bool)> = Vec::new();
    for row in &indicators {
        let rules = IndicatorRules::of(row, &org.rating)?;
        let Some(span) = row.priority_id.and_then(|p| spans.get(&p)) else {
            continue;
        };
        let first = row.first_period.map(Stored::get);
        for period in pmf_core::expected_periods(rules.frequency, span.start, span.end, first, fy) {
            let (due_date, extended) = due_on(&period, ext_indicator.get(&(row.id, period)));
            if (from..=to).contains(&due_date) {
                asked.push((row, period, due_date, extended));
            }
        }
    }
    let pairs: Vec<(&indicator::Model, Period)> = asked.iter().map(|a| (a.0, a.1)).collect();
    let inputs = EvaluationInputs::load(conn, org, &pairs).await?;
    let mut items = Vec::with_capacity(asked.len());
    for (row, period, due_date, extended) in asked {
        let evaluation = inputs.evaluate(row, period, org)?;
        let missing = match evaluation.completeness {
            Completeness::Complete => None,
            Completeness::MissingValue => Some(Missing::Value),
            Completeness::MissingCommentary => Some(Missing::Commentary),
        };
        if keep == Keep::Outstanding && missing.is_none() {
            continue;
        }
        items.push(DeadlineItem {
            indicator_id: Some(row.id),
            action_id: None,
            reference: row.reference.clone(),
            title: row.title.clone(),
            period,
            due_date,
            extended,
            missing,
            owner_id: row.owner_id,
            priority_id: row.priority_id,
        });
    }

    let mut q = action::Entity::find().filter(action::Column::OrganisationId.eq(org.id));
    if let Some(owner) = which.owner {
        q = q.filter(action::Column::OwnerId.eq(owner));
    }
    let actions: Vec<action::Model> = if no_actions {
        Vec::new()
    } else {
        only(q, action::Column::Id, &which.actions)
            .all(conn)
            .await?
            .into_iter()
            .filter(|row| which.wants_action(row.id))
            .collect()
    };
    let updated: HashSet<(i64, Period)> = if actions.is_empty() {
        HashSet::new()
    } else {
        let q =
            action_update::Entity::find().filter(action_update::Column::OrganisationId.eq(org.id));
        only(q, action_update::Column::ActionId, &which.actions)
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.action_id, *u.period))
            .collect()
    };
    for row in &actions {
        let Some(span) = row.priority_id.and_then(|p| spans.get(&p)) else {
            continue;
        };
        // Updates are expected from the quarter the action starts in (never before the plan)
        // to the quarter it is completed in.
        let began = row
            .actual_start
            .or(row.planned_start)
            .unwrap_or(row.created_at.date_naive());
        let first = Period::containing(began.max(span.start), Frequency::Quarterly, fy);
        let end = row.completed_on.map_or(span.end, |done| {
            Period::containing(done, Frequency::Quarterly, fy)
                .end_date(fy)
                .min(span.end)
        });
        for period in
            pmf_core::expected_periods(Frequency::Quarterly, span.start, end, Some(first), fy)
        {
            let (due_date, extended) = due_on(&period, ext_action.get(&(row.id, period)));
            if !(from..=to).contains(&due_date) {
                continue;
            }
            let done = updated.contains(&(row.id, period));
            if keep == Keep::Outstanding && done {
                continue;
            }
            items.push(DeadlineItem {
                indicator_id: None,
                action_id: Some(row.id),
                reference: row.reference.clone().unwrap_or_default(),
                title: row.title.clone(),
                period,
                due_date,
                extended,
                missing: (!done).then_some(Missing::Update),
                owner_id: row.owner_id,
                priority_id: row.priority_id,
            });
        }
    }
    sort(&mut items, fy);
    Ok(items)
}
