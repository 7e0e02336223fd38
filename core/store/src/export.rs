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
