//! What is due when (docs/rules.md §9): the `deadlines` query and the worker's reminder sweep.
use std::collections::HashMap;

use chrono::NaiveDate;
use pmf_core::{Completeness, Frequency, Lifecycle, Period};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    Database, OrganisationSettings, StoreError, Stored,
    entity::{action, action_update, deadline_extension, indicator, plan, priority},
    results::{EvaluationInputs, IndicatorRules},
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
    due(db, org, from, to, owner, Keep::All).await
}

/// Those of [`between`] that are not complete: what the reminder sweep chases. (The complete
/// ones, most of them, are never built.)
pub async fn outstanding(
    db: &Database,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DeadlineItem>, StoreError> {
    due(db, org, from, to, None, Keep::Outstanding).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    Outstanding,
}

async fn due(
    db: &Database,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
    owner: Option<i64>,
    keep: Keep,
) -> Result<Vec<DeadlineItem>, StoreError> {
    let conn = &db.conn;
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
    if let Some(owner) = owner {
        q = q.filter(indicator::Column::OwnerId.eq(owner));
    }
    let indicators = q.all(conn).await?;
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
    if let Some(owner) = owner {
        q = q.filter(action::Column::OwnerId.eq(owner));
    }
    let actions = q.all(conn).await?;
    let updated: std::collections::HashSet<(i64, Period)> = action_update::Entity::find()
        .filter(action_update::Column::OrganisationId.eq(org.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.action_id, *u.period))
        .collect();
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
    items.sort_by(|a, b| {
        (
            a.due_date,
            a.action_id.is_some(),
            &a.reference,
            a.period.sort_key(fy),
        )
            .cmp(&(
                b.due_date,
                b.action_id.is_some(),
                &b.reference,
                b.period.sort_key(fy),
            ))
    });
    Ok(items)
}
