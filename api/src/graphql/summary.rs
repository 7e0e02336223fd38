//! `performanceSummary`: the quarterly report's summary tables and exception list (SPEC §4.5).
use async_graphql::{Context, ID};
use pmf_core::{
    ActionStatus as CoreActionStatus, Delivery as CoreDelivery, IndicatorStatus as S, Period,
};

use super::{context::loader, enums::Delivery, loaders::*, types::*};
use crate::error::{GqlError, GqlResult, gql};

fn internal(e: LoadError) -> GqlError {
    gql::internal(anyhow::Error::new(e))
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

pub async fn performance_summary(
    ctx: &Context<'_>,
    plan_id: &ID,
    period: Period,
) -> GqlResult<PerformanceSummary> {
    let id = parse_id(plan_id, "plan")?;
    let loader = loader(ctx)?;
    loader
        .load_one(PlanKey(id))
        .await
        .map_err(internal)?
        .ok_or_else(|| gql::not_found("plan", id))?;
    let priorities = loader
        .load_one(PrioritiesOfPlan(id))
        .await
        .map_err(internal)?
        .unwrap_or_default();

    // Everything in four batches, whatever the number of priorities: the loops below read
    // the request's cache.
    let mut indicators_of = loader
        .load_many(priorities.iter().map(|p| IndicatorsOfPriority(p.id)))
        .await
        .map_err(internal)?;
    let keys = indicators_of
        .values()
        .flatten()
        .map(|i| ResultKey(i.id, period));
    let mut results = loader.load_many(keys).await.map_err(internal)?;
    let mut actions_of = loader
        .load_many(priorities.iter().map(|p| ActionsOfPriority(p.id)))
        .await
        .map_err(internal)?;
    loader
        .load_many(actions_of.values().flatten().map(|a| UpdatesOfAction(a.id)))
        .await
        .map_err(internal)?;

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
                            indicator: std::sync::Arc::new(indicator),
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
            let delivery = match Delivery::from_stored(&action.delivery) {
                Some(Delivery::Partnership) => CoreDelivery::Partnership,
                _ => CoreDelivery::Council,
            };
            let obj = ActionObj(action);
            let status: CoreActionStatus = obj.status_for(ctx, period).await?.into();
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
