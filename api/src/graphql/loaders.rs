//! DataLoaders: every nested list or lookup of a request goes through one of these, so the
//! number of SQL statements does not grow with the number of priorities or indicators.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use pmf_core::Period;
use pmf_store::{
    OrganisationSettings, StoreError,
    entity::{action, action_update, indicator, objective, plan, priority, user},
    results::{EvaluationInputs, IN_LIST_CHUNK, PeriodEvaluation},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

pub type LoadError = Arc<StoreError>;

/// The most keys one load takes (async-graphql's default is 1,000). A dashboard of 500
/// indicators with a result and an eight-month series asks for 4,500 results: split into
/// five loads, each would read every indicator and all their values again. Loaders that
/// build `IN (…)` lists from many keys split them into `IN_LIST_CHUNK`s themselves.
pub const MAX_BATCH: usize = 20_000;

/// Loads rows of one organisation; on the public portal only what is published.
pub struct OrgLoader {
    pub db: DatabaseConnection,
    pub org: OrganisationSettings,
    pub public: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKey(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlanKey(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PriorityKey(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndicatorKey(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionKey(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrioritiesOfPlan(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndicatorsOfPriority(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionsOfPriority(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpdatesOfAction(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectivesOfPriority(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultKey(pub i64, pub Period);

fn err(e: sea_orm::DbErr) -> LoadError {
    Arc::new(StoreError::Db(e))
}

fn group<K: std::hash::Hash + Eq + Copy, V>(
    keys: &[K],
    rows: Vec<V>,
    key_of: impl Fn(&V) -> Option<K>,
) -> HashMap<K, Vec<V>> {
    let mut out: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        if let Some(list) = key_of(&row).and_then(|k| out.get_mut(&k)) {
            list.push(row);
        }
    }
    out
}

impl OrgLoader {
    /// Ids of the published plans among `plan_ids` (all of them when signed in).
    async fn visible_plans(&self, plan_ids: Vec<i64>) -> Result<Vec<plan::Model>, LoadError> {
        let mut q = plan::Entity::find()
            .filter(plan::Column::OrganisationId.eq(self.org.id))
            .filter(plan::Column::Id.is_in(plan_ids));
        if self.public {
            q = q.filter(plan::Column::Published.eq(true));
        }
        q.all(&self.db).await.map_err(err)
    }
}

impl OrgLoader {
    /// Of these priorities, the ones in plans the caller may see.
    async fn visible_priorities(
        &self,
        priority_ids: Vec<i64>,
    ) -> Result<std::collections::HashSet<i64>, LoadError> {
        let rows = priority::Entity::find()
            .filter(priority::Column::OrganisationId.eq(self.org.id))
            .filter(priority::Column::Id.is_in(priority_ids))
            .all(&self.db)
            .await
            .map_err(err)?;
        let plans = self
            .visible_plans(rows.iter().map(|p| p.plan_id).collect())
            .await?;
        Ok(rows
            .into_iter()
            .filter(|p| plans.iter().any(|pl| pl.id == p.plan_id))
            .map(|p| p.id)
            .collect())
    }
}

impl Loader<UserKey> for OrgLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, user::Model>, LoadError> {
        if self.public {
            return Ok(HashMap::new());
        }
        let rows = user::Entity::find()
            .filter(user::Column::OrganisationId.eq(self.org.id))
            .filter(user::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|u| (UserKey(u.id), u)).collect())
    }
}

impl Loader<PlanKey> for OrgLoader {
    type Value = plan::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PlanKey]) -> Result<HashMap<PlanKey, plan::Model>, LoadError> {
        let rows = self
            .visible_plans(keys.iter().map(|k| k.0).collect())
            .await?;
        Ok(rows.into_iter().map(|p| (PlanKey(p.id), p)).collect())
    }
}

impl Loader<PriorityKey> for OrgLoader {
    type Value = priority::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PriorityKey],
    ) -> Result<HashMap<PriorityKey, priority::Model>, LoadError> {
        let rows = priority::Entity::find()
            .filter(priority::Column::OrganisationId.eq(self.org.id))
            .filter(priority::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await
            .map_err(err)?;
        let rows = if self.public {
            let plans = self
                .visible_plans(rows.iter().map(|p| p.plan_id).collect())
                .await?;
            rows.into_iter()
                .filter(|p| plans.iter().any(|pl| pl.id == p.plan_id))
                .collect()
        } else {
            rows
        };
        Ok(rows.into_iter().map(|p| (PriorityKey(p.id), p)).collect())
    }
}

impl Loader<IndicatorKey> for OrgLoader {
    type Value = indicator::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[IndicatorKey],
    ) -> Result<HashMap<IndicatorKey, indicator::Model>, LoadError> {
        let mut q = indicator::Entity::find()
            .filter(indicator::Column::OrganisationId.eq(self.org.id))
            .filter(indicator::Column::Id.is_in(keys.iter().map(|k| k.0)));
        if self.public {
            q = q
                .filter(indicator::Column::Published.eq(true))
                .filter(indicator::Column::Lifecycle.ne("PROPOSED"));
        }
        let mut rows = q.all(&self.db).await.map_err(err)?;
        if self.public {
            // A published indicator in an unpublished plan stays hidden.
            let visible = self
                .visible_priorities(rows.iter().filter_map(|i| i.priority_id).collect())
                .await?;
            rows.retain(|i| i.priority_id.is_none_or(|p| visible.contains(&p)));
        }
        Ok(rows.into_iter().map(|i| (IndicatorKey(i.id), i)).collect())
    }
}

impl Loader<ActionKey> for OrgLoader {
    type Value = action::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ActionKey],
    ) -> Result<HashMap<ActionKey, action::Model>, LoadError> {
        let rows = action::Entity::find()
            .filter(action::Column::OrganisationId.eq(self.org.id))
            .filter(action::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(|a| (ActionKey(a.id), a)).collect())
    }
}

impl Loader<PrioritiesOfPlan> for OrgLoader {
    type Value = Vec<priority::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PrioritiesOfPlan],
    ) -> Result<HashMap<PrioritiesOfPlan, Vec<priority::Model>>, LoadError> {
        let rows = priority::Entity::find()
            .filter(priority::Column::OrganisationId.eq(self.org.id))
            .filter(priority::Column::PlanId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(priority::Column::Position)
            .order_by_asc(priority::Column::Id)
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |p| Some(PrioritiesOfPlan(p.plan_id))))
    }
}

impl Loader<IndicatorsOfPriority> for OrgLoader {
    type Value = Vec<indicator::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[IndicatorsOfPriority],
    ) -> Result<HashMap<IndicatorsOfPriority, Vec<indicator::Model>>, LoadError> {
        let mut q = indicator::Entity::find()
            .filter(indicator::Column::OrganisationId.eq(self.org.id))
            .filter(indicator::Column::PriorityId.is_in(keys.iter().map(|k| k.0)))
            .filter(indicator::Column::Lifecycle.eq("ACTIVE"));
        if self.public {
            q = q.filter(indicator::Column::Published.eq(true));
        }
        let rows = q
            .order_by_asc(indicator::Column::Id)
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |i| {
            i.priority_id.map(IndicatorsOfPriority)
        }))
    }
}

impl Loader<ObjectivesOfPriority> for OrgLoader {
    type Value = Vec<objective::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ObjectivesOfPriority],
    ) -> Result<HashMap<ObjectivesOfPriority, Vec<objective::Model>>, LoadError> {
        let rows = objective::Entity::find()
            .filter(objective::Column::OrganisationId.eq(self.org.id))
            .filter(objective::Column::PriorityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(objective::Column::Id)
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |o| {
            Some(ObjectivesOfPriority(o.priority_id))
        }))
    }
}

impl Loader<ActionsOfPriority> for OrgLoader {
    type Value = Vec<action::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ActionsOfPriority],
    ) -> Result<HashMap<ActionsOfPriority, Vec<action::Model>>, LoadError> {
        let rows = action::Entity::find()
            .filter(action::Column::OrganisationId.eq(self.org.id))
            .filter(action::Column::PriorityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(action::Column::Id)
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |a| a.priority_id.map(ActionsOfPriority)))
    }
}

impl Loader<UpdatesOfAction> for OrgLoader {
    type Value = Vec<action_update::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[UpdatesOfAction],
    ) -> Result<HashMap<UpdatesOfAction, Vec<action_update::Model>>, LoadError> {
        let rows = action_update::Entity::find()
            .filter(action_update::Column::OrganisationId.eq(self.org.id))
            .filter(action_update::Column::ActionId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(action_update::Column::PeriodEnd)
            .order_by_asc(action_update::Column::CreatedAt)
            .order_by_asc(action_update::Column::Id)
            .all(&self.db)
            .await
            .map_err(err)?;
        Ok(group(keys, rows, |u| Some(UpdatesOfAction(u.action_id))))
    }
}

impl Loader<ResultKey> for OrgLoader {
    type Value = Arc<PeriodEvaluation>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ResultKey],
    ) -> Result<HashMap<ResultKey, Arc<PeriodEvaluation>>, LoadError> {
        let mut ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut indicators: HashMap<i64, indicator::Model> = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let rows = indicator::Entity::find()
                .filter(indicator::Column::OrganisationId.eq(self.org.id))
                .filter(indicator::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await
                .map_err(err)?;
            indicators.extend(rows.into_iter().map(|i| (i.id, i)));
        }
        let asked: Vec<(&indicator::Model, Period)> = keys
            .iter()
            .filter_map(|k| indicators.get(&k.0).map(|i| (i, k.1)))
            .collect();
        let inputs = EvaluationInputs::load(&self.db, &self.org, &asked).await?;
        let mut out = HashMap::with_capacity(asked.len());
        for (row, period) in asked {
            let evaluation = inputs.evaluate(row, period, &self.org)?;
            out.insert(ResultKey(row.id, period), Arc::new(evaluation));
        }
        Ok(out)
    }
}
