//! How long a council's lists are: the largest number of priorities in one plan, of
//! indicators under one priority, and so on. The API's node limit multiplies them down a
//! query's tree to know, before reading any data, how many results the query can produce.
//! Reading them costs a handful of counting statements; the API keeps them per data version.
use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, PaginatorTrait, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    StoreError,
    entity::{action, action_update, api_token, indicator, objective, plan, priority, user},
    scoped::{self, OfCouncil},
};

/// A council's list sizes (each at least what is stored now).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSizes {
    pub plans: usize,
    pub priorities_per_plan: usize,
    pub objectives_per_priority: usize,
    pub actions_per_priority: usize,
    pub indicators_per_priority: usize,
    pub updates_per_action: usize,
    pub indicators: usize,
    pub actions: usize,
    pub users: usize,
    pub api_tokens: usize,
    pub comparator_groups: usize,
    /// The most areas in one comparator group (a benchmark has one more value: the council's).
    pub areas_per_group: usize,
}

/// The largest number of `E` rows of the council sharing one value of `by`.
async fn largest_group<E, C>(
    db: &C,
    organisation_id: i64,
    by: E::Column,
) -> Result<usize, StoreError>
where
    E: OfCouncil,
    C: ConnectionTrait,
{
    let counts: Vec<(Option<i64>, i64)> = scoped::rows::<E>(organisation_id)
        .select_only()
        .column(by)
        .column_as(Expr::col(by).count(), "n")
        .group_by(by)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .filter(|(key, _)| key.is_some())
        .map(|(_, n)| usize::try_from(n).unwrap_or(usize::MAX))
        .max()
        .unwrap_or(0))
}

async fn count<E, C>(db: &C, organisation_id: i64) -> Result<usize, StoreError>
where
    E: OfCouncil,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let n = scoped::rows::<E>(organisation_id).count(db).await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The council's list sizes now.
pub async fn list_sizes<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<ListSizes, StoreError> {
    let groups = crate::benchmarking::groups(db, organisation_id).await?;
    Ok(ListSizes {
        comparator_groups: groups.len(),
        areas_per_group: groups
            .iter()
            .map(|g| g.area_codes.split(',').filter(|c| !c.is_empty()).count())
            .max()
            .unwrap_or(0),
        plans: count::<plan::Entity, _>(db, organisation_id).await?,
        priorities_per_plan: largest_group::<priority::Entity, _>(
            db,
            organisation_id,
            priority::Column::PlanId,
        )
        .await?,
        objectives_per_priority: largest_group::<objective::Entity, _>(
            db,
            organisation_id,
            objective::Column::PriorityId,
        )
        .await?,
        actions_per_priority: largest_group::<action::Entity, _>(
            db,
            organisation_id,
            action::Column::PriorityId,
        )
        .await?,
        indicators_per_priority: largest_group::<indicator::Entity, _>(
            db,
            organisation_id,
            indicator::Column::PriorityId,
        )
        .await?,
        updates_per_action: largest_group::<action_update::Entity, _>(
            db,
            organisation_id,
            action_update::Column::ActionId,
        )
        .await?,
        indicators: count::<indicator::Entity, _>(db, organisation_id).await?,
        actions: count::<action::Entity, _>(db, organisation_id).await?,
        users: count::<user::Entity, _>(db, organisation_id).await?,
        api_tokens: count::<api_token::Entity, _>(db, organisation_id).await?,
    })
}

/// Keeps each council's list sizes for the data version they were read at.
#[derive(Debug, Default)]
pub struct ListSizeCache {
    by_council: std::sync::Mutex<HashMap<i64, (i64, ListSizes)>>,
}

/// Councils whose sizes are kept at once (a few hundred at most on one install).
const KEPT: usize = 4096;

impl ListSizeCache {
    /// The council's sizes at `data_version`: kept ones, or read now.
    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        organisation_id: i64,
        data_version: i64,
    ) -> Result<ListSizes, StoreError> {
        if let Some((version, sizes)) = self.lock().get(&organisation_id)
            && *version == data_version
        {
            return Ok(*sizes);
        }
        let sizes = list_sizes(db, organisation_id).await?;
        let mut kept = self.lock();
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(organisation_id, (data_version, sizes));
        Ok(sizes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (i64, ListSizes)>> {
        self.by_council.lock().unwrap_or_else(|e| e.into_inner())
    }
}
