//! What is due when: the `deadlines` query, and granting deadline extensions.
use std::collections::HashMap;

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use pmf_store::{
    deadlines,
    entity::{action, indicator},
    indicators::extensions::{self, Extended, ExtensionGrant},
};

use super::{
    actions::ActionObj,
    authorise::{SENIOR, require_role},
    context::{begin, loader, request, scope, signed_in},
    cost,
    indicators::IndicatorObj,
    input::{self, MAX_TEXT, required_text},
    loaders::{ActionKey, IndicatorKey},
    people::{UserObj, load_user},
    scalars::Date,
};
use crate::error::{GqlResult, gql};

/// Longest span `deadlines` accepts.
pub const MAX_DEADLINE_DAYS: i64 = 3 * 366;

/// A value or an action update due by a date.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Deadline {
    pub indicator: Option<IndicatorObj>,
    pub action: Option<ActionObj>,
    pub period: String,
    pub due_date: Date,
    pub extended: bool,
    pub complete: bool,
    /// VALUE, COMMENTARY or UPDATE when incomplete.
    pub missing: Option<String>,
    #[graphql(skip)]
    pub owner_id: Option<i64>,
}

#[ComplexObject]
impl Deadline {
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.owner_id).await
    }
}

#[derive(InputObject)]
pub struct DeadlineExtensionInput {
    pub indicator_id: Option<ID>,
    pub action_id: Option<ID>,
    pub period: String,
    pub due_date: Date,
    pub reason: String,
}

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
    let items = deadlines::between(&request(ctx).db, &scope.org, from, to, owner).await?;
    deadline_objects(ctx, items).await
}

/// The GraphQL face of deadline items: their indicators and actions loaded in one batch.
pub async fn deadline_objects(
    ctx: &Context<'_>,
    items: Vec<deadlines::DeadlineItem>,
) -> GqlResult<Vec<Deadline>> {
    let indicator_ids: Vec<i64> = items.iter().filter_map(|d| d.indicator_id).collect();
    let action_ids: Vec<i64> = items.iter().filter_map(|d| d.action_id).collect();
    let loader = loader(ctx)?;
    let indicators: HashMap<IndicatorKey, indicator::Model> = loader
        .load_many(indicator_ids.into_iter().map(IndicatorKey))
        .await?;
    let actions: HashMap<ActionKey, action::Model> = loader
        .load_many(action_ids.into_iter().map(ActionKey))
        .await?;
    Ok(items
        .into_iter()
        .map(|d| Deadline {
            indicator: d.indicator_id.and_then(|id| {
                indicators
                    .get(&IndicatorKey(id))
                    .cloned()
                    .map(IndicatorObj::from)
            }),
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

#[derive(Default)]
pub struct DeadlineQueries;

#[Object]
impl DeadlineQueries {
    /// Values and action updates due between two dates (inclusive), soonest first.
    #[graphql(
        complexity = "cost::list((cost::sizes().indicators + cost::sizes().actions).saturating_mul(cost::days_to_months(from.0, to.0)), child_complexity)"
    )]
    async fn deadlines(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
        owner_id: Option<ID>,
    ) -> GqlResult<Vec<Deadline>> {
        signed_in(ctx)?;
        let owner = input::optional_id(owner_id.as_ref(), "user")?;
        deadlines_between(ctx, from.0, to.0, owner).await
    }
}

#[derive(Default)]
pub struct DeadlineMutations;

#[Object]
impl DeadlineMutations {
    /// Moves a due date later for one indicator or action and period (EXECUTIVE, ADMIN).
    async fn grant_deadline_extension(
        &self,
        ctx: &Context<'_>,
        input: DeadlineExtensionInput,
    ) -> GqlResult<Deadline> {
        require_role(ctx, SENIOR, "grant deadline extensions")?;
        let org = scope(ctx)?.org.clone();
        let period = input::period(&input.period)?;
        let reason = required_text("reason", &input.reason, MAX_TEXT)?;
        let item = match (&input.indicator_id, &input.action_id) {
            (Some(id), None) => Extended::Indicator(input::id(id, "indicator")?),
            (None, Some(id)) => Extended::Action(input::id(id, "action")?),
            _ => {
                return Err(gql::bad_input(
                    "give exactly one of indicatorId and actionId",
                ));
            }
        };
        let grant = ExtensionGrant {
            item,
            period,
            due_date: input.due_date.0,
            reason,
        };
        let uow = begin(ctx).await?;
        let granted = extensions::grant(&uow, &org, grant).await?;
        uow.commit().await?;
        Ok(Deadline {
            owner_id: granted.owner_id(),
            period: granted.period.to_string(),
            due_date: Date(granted.due_date),
            extended: true,
            complete: granted.missing.is_none(),
            missing: granted.missing.map(|m| m.as_str().to_string()),
            indicator: granted.indicator.map(IndicatorObj::from),
            action: granted.action.map(ActionObj),
        })
    }
}
