//! `performanceSummary`: the quarterly report's summary tables and exception list (rules §8).
use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use pmf_core::{
    ActionStatus as CoreActionStatus, Delivery as CoreDelivery, IndicatorStatus as S, Period,
};

use super::{
    actions::ActionObj,
    context::loader,
    cost,
    indicators::IndicatorObj,
    input,
    loaders::*,
    people::{UserObj, load_user},
    plans::{PriorityObj, load_plan, load_priorities, load_priority},
    results::PeriodResult,
};
use crate::error::{GqlResult, gql};

#[derive(SimpleObject, Clone, Copy)]
pub struct ActionCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub blue: u32,
    pub completed: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
    pub blue_pct: u32,
    /// Council actions with no update yet (not counted in the percentages).
    pub not_started: u32,
}

#[derive(SimpleObject, Clone, Copy)]
pub struct IndicatorCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub monitor_only: u32,
    /// "In progress": no value yet.
    pub no_data: u32,
    pub no_target: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
}

#[derive(SimpleObject, Clone, Copy)]
pub struct SummaryCounts {
    pub actions: ActionCounts,
    pub indicators: IndicatorCounts,
}

#[derive(SimpleObject)]
pub struct PrioritySummary {
    pub priority: PriorityObj,
    pub counts: SummaryCounts,
}

/// A RED or AMBER indicator or action: the report's exception list.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ExceptionItem {
    pub indicator: Option<IndicatorObj>,
    pub action: Option<ActionObj>,
    /// "RED" or "AMBER".
    pub status: String,
    pub commentary: Option<String>,
    #[graphql(skip)]
    pub result: Option<PeriodResult>,
    #[graphql(skip)]
    pub next_steps: Option<String>,
    #[graphql(skip)]
    pub priority_id: Option<i64>,
    #[graphql(skip)]
    pub owner_id: Option<i64>,
}

#[ComplexObject]
impl ExceptionItem {
    /// The indicator's full result (actual, target, trend, due date); null for an action.
    async fn result(&self) -> Option<&PeriodResult> {
        self.result.as_ref()
    }
    async fn next_steps(&self) -> Option<&str> {
        self.next_steps.as_deref()
    }
    async fn priority(&self, ctx: &Context<'_>) -> GqlResult<Option<PriorityObj>> {
        load_priority(ctx, self.priority_id).await
    }
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.owner_id).await
    }
}

#[derive(SimpleObject)]
pub struct PerformanceSummary {
    pub period: String,
    #[graphql(complexity = "cost::list(cost::sizes().priorities_per_plan, child_complexity)")]
    pub priorities: Vec<PrioritySummary>,
    pub overall: SummaryCounts,
    #[graphql(
        complexity = "cost::list(cost::sizes().indicators + cost::sizes().actions, child_complexity)"
    )]
    pub exceptions: Vec<ExceptionItem>,
}

#[derive(Default)]
pub struct SummaryQueries;

#[Object]
impl SummaryQueries {
    /// The quarterly report's first tables (docs/rules.md §8) for a plan and period.
    async fn performance_summary(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        period: String,
    ) -> GqlResult<PerformanceSummary> {
        let period = input::period(&period)?;
        performance_summary(ctx, &plan_id, period).await
    }
}

fn counts(actions: &[(CoreDelivery, CoreActionStatus)], indicators: &[S]) -> SummaryCounts {
    let a = pmf_core::count_actions(actions.iter().copied());
    let i = pmf_core::count_indicators(indicators.iter().copied());
    SummaryCounts {
        actions: ActionCounts {
            red: a.red,
            amber: a.amber,
            green: a.green,
            blue: a.blue,
            completed: a.completed,
            red_pct: a.red_pct,
            amber_pct: a.amber_pct,
            green_pct: a.green_pct,
            blue_pct: a.blue_pct,
            not_started: actions
                .iter()
                .filter(|(d, s)| *d == CoreDelivery::Council && *s == CoreActionStatus::NotStarted)
                .count() as u32,
        },
        indicators: IndicatorCounts {
            red: i.red,
            amber: i.amber,
            green: i.green,
            monitor_only: i.monitor_only,
            no_data: i.no_data,
            no_target: i.no_target,
            red_pct: i.red_pct,
            amber_pct: i.amber_pct,
            green_pct: i.green_pct,
        },
    }
}

pub(crate) async fn performance_summary(
    ctx: &Context<'_>,
    plan_id: &ID,
    period: Period,
) -> GqlResult<PerformanceSummary> {
    let id = input::id(plan_id, "plan")?;
    load_plan(ctx, id)
        .await?
        .ok_or_else(|| gql::not_found("plan", id))?;
    let priorities = load_priorities(ctx, id).await?;
    let loader = loader(ctx)?;

    // Everything in four batches, whatever the number of priorities: the loops below read
    // the request's cache.
    let mut indicators_of = loader
        .load_many(priorities.iter().map(|p| IndicatorsOfPriority(p.id)))
        .await?;
    let keys = indicators_of
        .values()
        .flatten()
        .map(|i| ResultKey(i.id, period));
    let mut results = loader.load_many(keys).await?;
    let mut actions_of = loader
        .load_many(priorities.iter().map(|p| ActionsOfPriority(p.id)))
        .await?;
    loader
        .load_many(actions_of.values().flatten().map(|a| UpdatesOfAction(a.id)))
        .await?;

    let mut all_actions = Vec::new();
    let mut all_indicators = Vec::new();
    let mut rows = Vec::new();
    let mut exceptions = Vec::new();
    for priority in priorities {
        let indicators = indicators_of
            .remove(&IndicatorsOfPriority(priority.id))
            .unwrap_or_default();
        let mut statuses = Vec::new();
        let mut priority_exceptions = Vec::new();
        for indicator in indicators {
            let Some(evaluation) = results.remove(&ResultKey(indicator.id, period)) else {
                continue;
            };
            statuses.push(evaluation.status);
            if matches!(evaluation.status, S::Red | S::Amber) {
                priority_exceptions.push((
                    evaluation.status == S::Amber,
                    indicator.reference.clone(),
                    ExceptionItem {
                        indicator: Some(IndicatorObj(indicator.clone())),
                        action: None,
                        status: evaluation.status.as_str().to_string(),
                        commentary: evaluation.commentary.clone(),
                        next_steps: None,
                        priority_id: indicator.priority_id,
                        owner_id: indicator.owner_id,
                        result: Some(PeriodResult {
                            indicator,
                            evaluation,
                        }),
                    },
                ));
            }
        }
        let actions = actions_of
            .remove(&ActionsOfPriority(priority.id))
            .unwrap_or_default();
        let mut action_statuses = Vec::new();
        for action in actions {
            let delivery = *action.delivery;
            let obj = ActionObj(action);
            let status = obj.status_for(ctx, period).await?;
            action_statuses.push((delivery, status));
            if delivery == CoreDelivery::Council
                && matches!(status, CoreActionStatus::Red | CoreActionStatus::Amber)
            {
                let latest = obj.latest_update_for(ctx, period).await?;
                priority_exceptions.push((
                    status == CoreActionStatus::Amber,
                    obj.0.reference.clone().unwrap_or_default(),
                    ExceptionItem {
                        indicator: None,
                        status: status.as_str().to_string(),
                        commentary: latest.as_ref().and_then(|u| u.commentary.clone()),
                        next_steps: latest.and_then(|u| u.next_steps),
                        priority_id: obj.0.priority_id,
                        owner_id: obj.0.owner_id,
                        action: Some(obj),
                        result: None,
                    },
                ));
            }
        }
        // Within a priority: RED before AMBER, then by reference.
        priority_exceptions.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        exceptions.extend(priority_exceptions.into_iter().map(|(_, _, item)| item));
        rows.push(PrioritySummary {
            priority: PriorityObj(priority),
            counts: counts(&action_statuses, &statuses),
        });
        all_actions.extend(action_statuses);
        all_indicators.extend(statuses);
    }
    Ok(PerformanceSummary {
        period: period.to_string(),
        priorities: rows,
        overall: counts(&all_actions, &all_indicators),
        exceptions,
    })
}
