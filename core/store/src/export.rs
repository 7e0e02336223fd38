//! What the export of a council's register reads (issue 16): every row of each aggregate,
//! in a stable order, for the caller to write in the workbook layout.
use sea_orm::{ConnectionTrait, QueryOrder};

use crate::{
    StoreError,
    entity::{
        action, action_update, indicator, measurement, objective, plan, priority, target, user,
    },
    scoped,
};

/// The council's whole register.
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub plans: Vec<plan::Model>,
    pub priorities: Vec<priority::Model>,
    pub objectives: Vec<objective::Model>,
    pub users: Vec<user::Model>,
    pub indicators: Vec<indicator::Model>,
    pub targets: Vec<target::Model>,
    pub measurements: Vec<measurement::Model>,
    pub actions: Vec<action::Model>,
    pub action_updates: Vec<action_update::Model>,
}

/// What the audience may see of the council's register: everything for a signed-in user;
/// for the public portal, as GraphQL shows it, published plans with their priorities,
/// objectives and actions, published indicators that are not proposed and not in an
/// unpublished plan with their targets and values, and no users.
pub async fn register_for<C: ConnectionTrait>(
    db: &C,
    org: i64,
    audience: crate::Audience,
) -> Result<Register, StoreError> {
    let mut r = register(db, org).await?;
    if !audience.is_public() {
        return Ok(r);
    }
    use std::collections::HashSet;
    r.plans.retain(|p| p.published);
    let plans: HashSet<i64> = r.plans.iter().map(|p| p.id).collect();
    r.priorities.retain(|p| plans.contains(&p.plan_id));
    let priorities: HashSet<i64> = r.priorities.iter().map(|p| p.id).collect();
    r.objectives.retain(|o| priorities.contains(&o.priority_id));
    r.users.clear();
    r.indicators.retain(|i| {
        i.published
            && *i.lifecycle != pmf_core::Lifecycle::Proposed
            && i.priority_id.is_none_or(|p| priorities.contains(&p))
    });
    let indicators: HashSet<i64> = r.indicators.iter().map(|i| i.id).collect();
    r.targets.retain(|t| indicators.contains(&t.indicator_id));
    r.measurements
        .retain(|m| indicators.contains(&m.indicator_id));
    r.actions
        .retain(|a| a.priority_id.is_some_and(|p| priorities.contains(&p)));
    let actions: HashSet<i64> = r.actions.iter().map(|a| a.id).collect();
    r.action_updates.retain(|u| actions.contains(&u.action_id));
    Ok(r)
}

/// Reads every row of the council's register, each kind in id order (values and updates in
/// period order).
pub async fn register<C: ConnectionTrait>(db: &C, org: i64) -> Result<Register, StoreError> {
    Ok(Register {
        plans: scoped::rows::<plan::Entity>(org)
            .order_by_asc(plan::Column::Id)
            .all(db)
            .await?,
        priorities: scoped::rows::<priority::Entity>(org)
            .order_by_asc(priority::Column::PlanId)
            .order_by_asc(priority::Column::Position)
            .order_by_asc(priority::Column::Id)
            .all(db)
            .await?,
        objectives: scoped::rows::<objective::Entity>(org)
            .order_by_asc(objective::Column::Id)
            .all(db)
            .await?,
        users: scoped::rows::<user::Entity>(org)
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?,
        indicators: scoped::rows::<indicator::Entity>(org)
            .order_by_asc(indicator::Column::Id)
            .all(db)
            .await?,
        targets: scoped::rows::<target::Entity>(org)
            .order_by_asc(target::Column::IndicatorId)
            .order_by_asc(target::Column::Id)
            .all(db)
            .await?,
        measurements: scoped::rows::<measurement::Entity>(org)
            .order_by_asc(measurement::Column::IndicatorId)
            .order_by_asc(measurement::Column::PeriodEnd)
            .order_by_asc(measurement::Column::Id)
            .all(db)
            .await?,
        actions: scoped::rows::<action::Entity>(org)
            .order_by_asc(action::Column::Id)
            .all(db)
            .await?,
        action_updates: scoped::rows::<action_update::Entity>(org)
            .order_by_asc(action_update::Column::ActionId)
            .order_by_asc(action_update::Column::PeriodEnd)
            .order_by_asc(action_update::Column::CreatedAt)
            .order_by_asc(action_update::Column::Id)
            .all(db)
            .await?,
    })
}
