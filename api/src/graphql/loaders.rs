//! DataLoaders: every nested list or lookup of a request goes through one of these, so the
//! number of SQL statements does not grow with the number of priorities or indicators. Each
//! batch is one read of the store.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_graphql::dataloader::Loader;
use pmf_core::Period;
use pmf_store::{
    Audience, Database, OrganisationSettings, StoreError, actions,
    benchmarking::{self, IndicatorBenchmark},
    entity::{action, action_update, comparator_group, indicator, objective, plan, priority, user},
    indicators,
    kept_results::KeptResults,
    people, plans,
    results::{self, PeriodEvaluation},
};

pub type LoadError = Arc<StoreError>;

/// The most keys one load takes (async-graphql's default is 1,000). A dashboard of 500
/// indicators with a result and an eight-month series asks for 4,500 results: split into
/// five loads, each would read every indicator and all their values again. The store splits
/// long `IN (…)` lists itself.
pub const MAX_BATCH: usize = 20_000;

/// Loads rows of one organisation, as the audience may see them.
pub struct OrgLoader {
    pub db: Database,
    pub org: OrganisationSettings,
    pub audience: Audience,
    /// The indicators' rows this request has read (by priority), so its results do not read
    /// them again.
    pub indicators_read: Mutex<HashMap<i64, Arc<indicator::Model>>>,
    /// The process's rated results, kept under their indicators' results versions.
    pub kept_results: Option<Arc<KeptResults>>,
}

impl OrgLoader {
    pub fn new(db: Database, org: OrganisationSettings, audience: Audience) -> Self {
        Self {
            db,
            org,
            audience,
            indicators_read: Mutex::default(),
            kept_results: None,
        }
    }

    /// Takes results from, and keeps them in, `kept` (none: every result is rated).
    pub fn with_kept_results(mut self, kept: Option<Arc<KeptResults>>) -> Self {
        self.kept_results = kept;
        self
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupKey(pub i64);
/// An indicator's benchmark for a period (`PeriodResult.benchmark`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BenchmarkKey(pub i64, pub Period);

/// Rows by their own key.
fn by<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key_of: impl Fn(&V) -> K) -> HashMap<K, V> {
    rows.into_iter().map(|r| (key_of(&r), r)).collect()
}

/// Rows grouped under the key they belong to, every asked key present.
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

type Loaded<K, V> = Result<HashMap<K, V>, LoadError>;

impl OrgLoader {
    fn org(&self) -> i64 {
        self.org.id
    }
}

impl Loader<UserKey> for OrgLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[UserKey]) -> Loaded<UserKey, user::Model> {
        // The public portal never sees users.
        if self.audience.is_public() {
            return Ok(HashMap::new());
        }
        let rows = people::users_by_id(&self.db.conn, self.org(), keys.iter().map(|k| k.0)).await?;
        Ok(by(rows, |u| UserKey(u.id)))
    }
}

impl Loader<PlanKey> for OrgLoader {
    type Value = plan::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PlanKey]) -> Loaded<PlanKey, plan::Model> {
        let ids = keys.iter().map(|k| k.0);
        let rows = plans::plans_by_id(&self.db.conn, self.org(), ids, self.audience).await?;
        Ok(by(rows, |p| PlanKey(p.id)))
    }
}

impl Loader<PriorityKey> for OrgLoader {
    type Value = priority::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[PriorityKey]) -> Loaded<PriorityKey, priority::Model> {
        let ids = keys.iter().map(|k| k.0);
        let rows = plans::priorities_by_id(&self.db.conn, self.org(), ids, self.audience).await?;
        Ok(by(rows, |p| PriorityKey(p.id)))
    }
}

impl Loader<IndicatorKey> for OrgLoader {
    type Value = indicator::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[IndicatorKey]) -> Loaded<IndicatorKey, indicator::Model> {
        let ids = keys.iter().map(|k| k.0);
        let rows =
            indicators::indicators_by_id(&self.db.conn, self.org(), ids, self.audience).await?;
        Ok(by(rows, |i| IndicatorKey(i.id)))
    }
}

impl Loader<ActionKey> for OrgLoader {
    type Value = action::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[ActionKey]) -> Loaded<ActionKey, action::Model> {
        let rows =
            actions::actions_by_id(&self.db.conn, self.org(), keys.iter().map(|k| k.0)).await?;
        Ok(by(rows, |a| ActionKey(a.id)))
    }
}

impl Loader<PrioritiesOfPlan> for OrgLoader {
    type Value = Vec<priority::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[PrioritiesOfPlan]) -> Loaded<PrioritiesOfPlan, Self::Value> {
        let ids = keys.iter().map(|k| k.0);
        let rows = plans::priorities_of_plans(&self.db.conn, self.org(), ids).await?;
        Ok(group(keys, rows, |p| Some(PrioritiesOfPlan(p.plan_id))))
    }
}

impl Loader<IndicatorsOfPriority> for OrgLoader {
    type Value = Vec<Arc<indicator::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[IndicatorsOfPriority],
    ) -> Loaded<IndicatorsOfPriority, Self::Value> {
        let ids = keys.iter().map(|k| k.0);
        let rows: Vec<Arc<indicator::Model>> =
            indicators::active_of_priorities(&self.db.conn, self.org(), ids, self.audience)
                .await?
                .into_iter()
                .map(Arc::new)
                .collect();
        if let Ok(mut read) = self.indicators_read.lock() {
            read.extend(rows.iter().map(|i| (i.id, i.clone())));
        }
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
    ) -> Loaded<ObjectivesOfPriority, Self::Value> {
        let ids = keys.iter().map(|k| k.0);
        let rows = plans::objectives_of_priorities(&self.db.conn, self.org(), ids).await?;
        Ok(group(keys, rows, |o| {
            Some(ObjectivesOfPriority(o.priority_id))
        }))
    }
}

impl Loader<ActionsOfPriority> for OrgLoader {
    type Value = Vec<action::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[ActionsOfPriority]) -> Loaded<ActionsOfPriority, Self::Value> {
        let ids = keys.iter().map(|k| k.0);
        let rows = actions::actions_of_priorities(&self.db.conn, self.org(), ids).await?;
        Ok(group(keys, rows, |a| a.priority_id.map(ActionsOfPriority)))
    }
}

impl Loader<UpdatesOfAction> for OrgLoader {
    type Value = Vec<action_update::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[UpdatesOfAction]) -> Loaded<UpdatesOfAction, Self::Value> {
        let ids = keys.iter().map(|k| k.0);
        let rows = actions::updates_of_actions(&self.db.conn, self.org(), ids).await?;
        Ok(group(keys, rows, |u| Some(UpdatesOfAction(u.action_id))))
    }
}

impl Loader<ResultKey> for OrgLoader {
    type Value = Arc<PeriodEvaluation>;
    type Error = LoadError;

    async fn load(&self, keys: &[ResultKey]) -> Loaded<ResultKey, Arc<PeriodEvaluation>> {
        let asked: Vec<(i64, Period)> = keys.iter().map(|k| (k.0, k.1)).collect();
        let known = self
            .indicators_read
            .lock()
            .map(|read| read.clone())
            .unwrap_or_default();
        let found = results::evaluate_ids_knowing(
            &self.db.conn,
            &self.org,
            &asked,
            &known,
            self.kept_results.as_deref(),
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|e| (ResultKey(e.indicator_id, e.period), e))
            .collect())
    }
}

impl Loader<BenchmarkKey> for OrgLoader {
    type Value = Arc<IndicatorBenchmark>;
    type Error = LoadError;

    async fn load(&self, keys: &[BenchmarkKey]) -> Loaded<BenchmarkKey, Arc<IndicatorBenchmark>> {
        let ids = keys.iter().map(|k| k.0);
        let rows =
            indicators::indicators_by_id(&self.db.conn, self.org(), ids, self.audience).await?;
        let rows: HashMap<i64, indicator::Model> = by(rows, |i| i.id);
        let asked: Vec<(&indicator::Model, Period)> = keys
            .iter()
            .filter_map(|k| rows.get(&k.0).map(|r| (r, k.1)))
            .collect();
        let found = benchmarking::benchmarks(&self.db.conn, &self.org, &asked).await?;
        Ok(found
            .into_iter()
            .map(|((id, period), b)| (BenchmarkKey(id, period), Arc::new(b)))
            .collect())
    }
}

impl Loader<GroupKey> for OrgLoader {
    type Value = comparator_group::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[GroupKey]) -> Loaded<GroupKey, comparator_group::Model> {
        let ids = keys.iter().map(|k| k.0);
        let rows = benchmarking::groups_by_id(&self.db.conn, self.org(), ids).await?;
        Ok(by(rows, |g| GroupKey(g.id)))
    }
}
