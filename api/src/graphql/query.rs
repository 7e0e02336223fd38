//! Every `Query` field of the contract.
use std::collections::HashMap;

use async_graphql::{Context, ID, InputObject, Object};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use pmf_core::Period;
use pmf_store::entity::{action, indicator, plan, priority};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait, Func},
};

use super::{
    context::{loader, request, scope, signed_in},
    enums::*,
    loaders::*,
    scalars::Date,
    summary,
    types::*,
};
use crate::error::{GqlResult, gql};

/// Most items a connection returns at once.
pub const MAX_PAGE: usize = 100;

#[derive(InputObject, Default)]
pub struct IndicatorFilter {
    pub priority_id: Option<ID>,
    pub owner_id: Option<ID>,
    pub frequency: Option<Frequency>,
    pub level: Option<IndicatorLevel>,
    /// Keep indicators with this status for `statusPeriod` (required with it).
    pub status: Option<IndicatorStatus>,
    pub status_period: Option<String>,
    /// Words in the reference or title, any case.
    pub search: Option<String>,
    /// ACTIVE unless asked otherwise.
    pub lifecycle: Option<Lifecycle>,
    pub plan_id: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct ActionFilter {
    pub priority_id: Option<ID>,
    pub owner_id: Option<ID>,
    /// Keep actions with this status for `statusPeriod` (required with it).
    pub status: Option<ActionStatus>,
    pub status_period: Option<String>,
    pub delivery: Option<Delivery>,
    pub plan_id: Option<ID>,
}

fn encode_cursor(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn decode_cursor(kind: &str, cursor: &str) -> GqlResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(&format!("{kind}:"))
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| gql::bad_input(format!("{cursor:?} is not a cursor from this list")))
}

fn page_size(first: Option<i32>) -> GqlResult<usize> {
    match first {
        None => Ok(MAX_PAGE),
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => Ok(n as usize),
        Some(n) => Err(gql::bad_input(format!(
            "first must be between 1 and {MAX_PAGE}, not {n}"
        ))),
    }
}

/// A page of rows with their cursors, whether more follow, and the total.
type Page<T> = (Vec<(T, String)>, bool, u32);

/// Slices rows (sorted by id) after a cursor: (page, has next page, total).
fn paginate<T>(
    rows: Vec<T>,
    id_of: impl Fn(&T) -> i64,
    kind: &str,
    first: Option<i32>,
    after: Option<&str>,
) -> GqlResult<Page<T>> {
    let size = page_size(first)?;
    let total = rows.len() as u32;
    let after = after.map(|c| decode_cursor(kind, c)).transpose()?;
    let mut page: Vec<(T, String)> = rows
        .into_iter()
        .filter(|r| after.is_none_or(|a| id_of(r) > a))
        .take(size + 1)
        .map(|r| {
            let cursor = encode_cursor(kind, id_of(&r));
            (r, cursor)
        })
        .collect();
    let has_next = page.len() > size;
    page.truncate(size);
    Ok((page, has_next, total))
}

fn status_period(status_given: bool, period: Option<&str>) -> GqlResult<Option<Period>> {
    match (status_given, period) {
        (true, None) => Err(gql::bad_input(
            "a status filter needs statusPeriod, the period to evaluate it for",
        )),
        (_, Some(p)) => parse_period(p).map(Some),
        (false, None) => Ok(None),
    }
}

/// The ids of the visible priorities of a plan (none when the plan is not visible).
async fn priorities_of_plan(ctx: &Context<'_>, plan_id: &ID) -> GqlResult<Vec<i64>> {
    let id = parse_id(plan_id, "plan")?;
    let loader = loader(ctx)?;
    if loader
        .load_one(PlanKey(id))
        .await
        .map_err(|e| gql::internal(anyhow::Error::new(e)))?
        .is_none()
    {
        return Err(gql::not_found("plan", id));
    }
    Ok(loader
        .load_one(PrioritiesOfPlan(id))
        .await
        .map_err(|e| gql::internal(anyhow::Error::new(e)))?
        .unwrap_or_default()
        .iter()
        .map(|p| p.id)
        .collect())
}

/// Ids of priorities in published plans, for the public portal.
async fn published_priority_ids(ctx: &Context<'_>) -> GqlResult<Vec<i64>> {
    let scope = scope(ctx)?;
    let db = &request(ctx).db.conn;
    let plans: Vec<i64> = plan::Entity::find()
        .filter(plan::Column::OrganisationId.eq(scope.org.id))
        .filter(plan::Column::Published.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(priority::Entity::find()
        .filter(priority::Column::OrganisationId.eq(scope.org.id))
        .filter(priority::Column::PlanId.is_in(plans))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

#[derive(Default)]
pub struct ContractQueries;

#[Object]
impl ContractQueries {
    /// The signed-in user; null on the public portal.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        Ok(scope(ctx)?.user.clone().map(UserObj))
    }

    async fn organisation(&self, ctx: &Context<'_>) -> GqlResult<OrganisationObj> {
        Ok(OrganisationObj(scope(ctx)?.org.clone()))
    }

    /// Plans, newest first (published ones only on the public portal).
    async fn plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<PlanObj>> {
        let scope = scope(ctx)?;
        let mut q = plan::Entity::find().filter(plan::Column::OrganisationId.eq(scope.org.id));
        if scope.is_public() {
            q = q.filter(plan::Column::Published.eq(true));
        }
        let rows = q
            .order_by_desc(plan::Column::StartDate)
            .order_by_asc(plan::Column::Id)
            .all(&request(ctx).db.conn)
            .await?;
        Ok(rows.into_iter().map(PlanObj).collect())
    }

    async fn plan(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<PlanObj>> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(PlanKey(id))
            .await
            .map_err(|e| gql::internal(anyhow::Error::new(e)))?
            .map(PlanObj))
    }

    /// One indicator by id or by reference.
    async fn indicator(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        #[graphql(name = "ref")] reference: Option<String>,
    ) -> GqlResult<Option<IndicatorObj>> {
        let scope = scope(ctx)?;
        let id = match (id, reference) {
            (Some(id), None) => match id.parse::<i64>() {
                Ok(id) => id,
                Err(_) => return Ok(None),
            },
            (None, Some(reference)) => {
                let found = indicator::Entity::find()
                    .filter(indicator::Column::OrganisationId.eq(scope.org.id))
                    .filter(indicator::Column::Reference.eq(reference.trim()))
                    .one(&request(ctx).db.conn)
                    .await?;
                match found {
                    Some(row) => row.id,
                    None => return Ok(None),
                }
            }
            _ => return Err(gql::bad_input("give exactly one of id and ref")),
        };
        Ok(loader(ctx)?
            .load_one(IndicatorKey(id))
            .await
            .map_err(|e| gql::internal(anyhow::Error::new(e)))?
            .map(IndicatorObj))
    }

    /// Indicators in id order, filtered; status filters evaluate the rules for `statusPeriod`.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        filter: Option<IndicatorFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<IndicatorConnection> {
        let scope = scope(ctx)?;
        let filter = filter.unwrap_or_default();
        page_size(first)?;
        let period = status_period(filter.status.is_some(), filter.status_period.as_deref())?;
        let mut q =
            indicator::Entity::find().filter(indicator::Column::OrganisationId.eq(scope.org.id));
        let lifecycle = filter.lifecycle.unwrap_or(Lifecycle::Active);
        if scope.is_public() {
            q = q.filter(indicator::Column::Published.eq(true));
            if lifecycle == Lifecycle::Proposed {
                return Ok(IndicatorConnection {
                    edges: vec![],
                    page_info: PageInfo {
                        has_next_page: false,
                        end_cursor: None,
                    },
                    total_count: 0,
                });
            }
        }
        q = q.filter(indicator::Column::Lifecycle.eq(lifecycle.as_str()));
        if let Some(id) = &filter.priority_id {
            q = q.filter(indicator::Column::PriorityId.eq(parse_id(id, "priority")?));
        }
        if let Some(id) = &filter.plan_id {
            q = q.filter(indicator::Column::PriorityId.is_in(priorities_of_plan(ctx, id).await?));
        }
        if let Some(id) = &filter.owner_id {
            q = q.filter(indicator::Column::OwnerId.eq(parse_id(id, "user")?));
        }
        if let Some(f) = filter.frequency {
            q = q.filter(indicator::Column::Frequency.eq(f.as_str()));
        }
        if let Some(l) = filter.level {
            q = q.filter(indicator::Column::Level.eq(l.as_str()));
        }
        if let Some(words) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            for word in words.split_whitespace() {
                let pattern = format!("%{}%", word.to_lowercase().replace(['\\', '%', '_'], ""));
                q = q.filter(
                    Expr::expr(Func::lower(Expr::col(indicator::Column::Title)))
                        .like(pattern.clone())
                        .or(
                            Expr::expr(Func::lower(Expr::col(indicator::Column::Reference)))
                                .like(pattern),
                        ),
                );
            }
        }
        if scope.is_public() {
            let visible = published_priority_ids(ctx).await?;
            q = q.filter(
                indicator::Column::PriorityId
                    .is_null()
                    .or(indicator::Column::PriorityId.is_in(visible)),
            );
        }
        let mut rows = q
            .order_by_asc(indicator::Column::Id)
            .all(&request(ctx).db.conn)
            .await?;
        if let (Some(status), Some(period)) = (filter.status, period) {
            let keys: Vec<ResultKey> = rows.iter().map(|r| ResultKey(r.id, period)).collect();
            let results = loader(ctx)?
                .load_many(keys)
                .await
                .map_err(|e| gql::internal(anyhow::Error::new(e)))?;
            rows.retain(|r| {
                results
                    .get(&ResultKey(r.id, period))
                    .is_some_and(|e| IndicatorStatus::from(e.status) == status)
            });
        }
        let (page, has_next_page, total_count) =
            paginate(rows, |r| r.id, "indicator", first, after.as_deref())?;
        let end_cursor = page.last().map(|(_, c)| c.clone());
        Ok(IndicatorConnection {
            edges: page
                .into_iter()
                .map(|(node, cursor)| IndicatorEdge {
                    node: IndicatorObj(node),
                    cursor,
                })
                .collect(),
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
            total_count,
        })
    }

    /// Actions in id order, filtered; status filters use each action's latest update.
    async fn actions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<ActionConnection> {
        let scope = scope(ctx)?;
        let filter = filter.unwrap_or_default();
        page_size(first)?;
        let period = status_period(filter.status.is_some(), filter.status_period.as_deref())?;
        let mut q = action::Entity::find().filter(action::Column::OrganisationId.eq(scope.org.id));
        if let Some(id) = &filter.priority_id {
            q = q.filter(action::Column::PriorityId.eq(parse_id(id, "priority")?));
        }
        if let Some(id) = &filter.plan_id {
            q = q.filter(action::Column::PriorityId.is_in(priorities_of_plan(ctx, id).await?));
        }
        if let Some(id) = &filter.owner_id {
            q = q.filter(action::Column::OwnerId.eq(parse_id(id, "user")?));
        }
        if let Some(d) = filter.delivery {
            q = q.filter(action::Column::Delivery.eq(d.as_str()));
        }
        if scope.is_public() {
            q = q.filter(action::Column::PriorityId.is_in(published_priority_ids(ctx).await?));
        }
        let rows = q
            .order_by_asc(action::Column::Id)
            .all(&request(ctx).db.conn)
            .await?;
        let rows = match (filter.status, period) {
            (Some(status), Some(period)) => {
                let mut kept = Vec::new();
                for row in rows {
                    let obj = ActionObj(row);
                    if obj.status_for(ctx, period).await? == status {
                        kept.push(obj.0);
                    }
                }
                kept
            }
            _ => rows,
        };
        let (page, has_next_page, total_count) =
            paginate(rows, |r| r.id, "action", first, after.as_deref())?;
        let end_cursor = page.last().map(|(_, c)| c.clone());
        Ok(ActionConnection {
            edges: page
                .into_iter()
                .map(|(node, cursor)| ActionEdge {
                    node: ActionObj(node),
                    cursor,
                })
                .collect(),
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
            total_count,
        })
    }

    /// The quarterly report's first tables (SPEC §4.5) for a plan and period.
    async fn performance_summary(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
        period: String,
    ) -> GqlResult<PerformanceSummary> {
        let period = parse_period(&period)?;
        summary::performance_summary(ctx, &plan_id, period).await
    }

    /// Values and action updates due between two dates (inclusive), soonest first.
    async fn deadlines(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        owner_id: Option<ID>,
    ) -> GqlResult<Vec<Deadline>> {
        signed_in(ctx)?;
        let owner = owner_id
            .as_ref()
            .map(|id| parse_id(id, "user"))
            .transpose()?;
        deadlines_between(ctx, from.0, to.0, owner).await
    }
}

/// Longest span `deadlines` accepts.
pub const MAX_DEADLINE_DAYS: i64 = 3 * 366;

async fn deadlines_between(
    ctx: &Context<'_>,
    from: NaiveDate,
    to: NaiveDate,
    owner: Option<i64>,
) -> GqlResult<Vec<Deadline>> {
    if to < from {
        return Err(gql::bad_input("`to` is before `from`"));
    }
    if (to - from).num_days() > MAX_DEADLINE_DAYS {
        return Err(gql::bad_input(format!(
            "ask for at most {MAX_DEADLINE_DAYS} days of deadlines at once"
        )));
    }
    let scope = scope(ctx)?;
    let db = &request(ctx).db;
    let items = pmf_store::deadlines::between(db, &scope.org, from, to, owner).await?;
    let indicator_ids: Vec<i64> = items.iter().filter_map(|d| d.indicator_id).collect();
    let action_ids: Vec<i64> = items.iter().filter_map(|d| d.action_id).collect();
    let loader = loader(ctx)?;
    let err = |e: LoadError| gql::internal(anyhow::Error::new(e));
    let indicators: HashMap<IndicatorKey, indicator::Model> = loader
        .load_many(indicator_ids.into_iter().map(IndicatorKey))
        .await
        .map_err(err)?;
    let actions: HashMap<ActionKey, action::Model> = loader
        .load_many(action_ids.into_iter().map(ActionKey))
        .await
        .map_err(err)?;
    Ok(items
        .into_iter()
        .map(|d| Deadline {
            indicator: d
                .indicator_id
                .and_then(|id| indicators.get(&IndicatorKey(id)).cloned().map(IndicatorObj)),
            action: d
                .action_id
                .and_then(|id| actions.get(&ActionKey(id)).cloned().map(ActionObj)),
            period: d.period.to_string(),
            due_date: Date(d.due_date),
            extended: d.extended,
            complete: d.missing.is_none(),
            missing: d.missing.map(|m| m.as_str().to_string()),
            owner_id: d.owner_id,
        })
        .collect())
}
