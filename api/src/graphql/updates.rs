//! What people owe and how they enter it: `myUpdates` (the signed-in person's outstanding
//! values, commentary and action updates, and those of everyone below them), the
//! `previewResult` of a value before it is saved, an indicator's `history` of values and
//! edits, rejecting a proposed indicator, and a manager's `nudge`.
use std::{collections::HashSet, sync::Arc};

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::Duration;
use pmf_store::{
    deadlines,
    indicators::{self, measurements},
    nudges::{self, NudgeItem, NudgeRequest},
    people,
    results::{self, ProposedValue},
};

use super::{
    authorise::{SENIOR, is_admin, require_role},
    context::{begin, do_not_cache, request, scope, signed_in},
    cost,
    deadlines::{Deadline, deadline_objects},
    enums::Urgency,
    indicators::{IndicatorObj, load_indicator},
    input::{self, MAX_TEXT, optional_text, required_text},
    people::{UserObj, load_user},
    results::PeriodResult,
    scalars::DateTime,
};
use crate::error::{GqlResult, gql};

/// How far back `myUpdates` looks for what is still owed.
pub const OWED_SINCE_DAYS: i64 = 366;
/// How far ahead `myUpdates` looks: items whose period has ended and are due within this.
pub const OWED_AHEAD_DAYS: i64 = 62;

/// One value, commentary or action update someone still owes.
#[derive(SimpleObject)]
pub struct OwedUpdate {
    #[graphql(flatten)]
    pub deadline: Deadline,
    /// OVERDUE, DUE_TODAY or DUE_SOON by the reminder ladder's dates (UPCOMING before).
    pub urgency: Urgency,
}

/// What the signed-in person owes, and what everyone below them owes.
#[derive(SimpleObject)]
pub struct MyUpdates {
    /// Yours: most urgent first.
    pub mine: Vec<OwedUpdate>,
    /// Owed by everyone below you in the line-management chain: most urgent first.
    pub team: Vec<OwedUpdate>,
}

/// A value as one side of an edit.
#[derive(SimpleObject)]
pub struct RecordedValue {
    pub value: Option<f64>,
    pub commentary: Option<String>,
    pub no_value_reason: Option<String>,
}

impl From<measurements::RecordedValue> for RecordedValue {
    fn from(v: measurements::RecordedValue) -> Self {
        Self {
            value: v.value,
            commentary: v.commentary,
            no_value_reason: v.no_value_reason,
        }
    }
}

/// One recording or correction of an indicator's value.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ValueEdit {
    pub period: String,
    pub at: DateTime,
    /// Nothing before the value was first recorded.
    pub before: Option<RecordedValue>,
    pub after: Option<RecordedValue>,
    #[graphql(skip)]
    pub actor_id: Option<i64>,
}

#[ComplexObject]
impl ValueEdit {
    /// Who made it (not shown on the public portal).
    async fn by(&self, ctx: &Context<'_>) -> GqlResult<Option<UserObj>> {
        load_user(ctx, self.actor_id).await
    }
}

/// An indicator's values and edits, newest first (the `history` field of an indicator).
pub async fn history(ctx: &Context<'_>, indicator_id: i64) -> GqlResult<Vec<ValueEdit>> {
    let org = scope(ctx)?.org.id;
    let edits = measurements::history(&request(ctx).db.conn, org, indicator_id).await?;
    Ok(edits
        .into_iter()
        .map(|e| ValueEdit {
            period: e.period.to_string(),
            at: DateTime(e.at),
            before: e.before.map(Into::into),
            after: e.after.map(Into::into),
            actor_id: e.actor_id,
        })
        .collect())
}

#[derive(Default)]
pub struct UpdateQueries;

#[Object]
impl UpdateQueries {
    /// What you still owe (values, the commentary a value needs, action updates) whose
    /// period has ended, overdue ones of the last year included, most urgent first; and the
    /// same for everyone below you in the line-management chain. Urgency is today's, in the
    /// council's time zone.
    #[graphql(
        complexity = "cost::list((cost::sizes().indicators + cost::sizes().actions).saturating_mul(14), child_complexity)"
    )]
    async fn my_updates(&self, ctx: &Context<'_>) -> GqlResult<MyUpdates> {
        let user = signed_in(ctx)?;
        // Urgency moves with the day, not with the data version.
        do_not_cache(ctx);
        let org = &scope(ctx)?.org;
        let db = &request(ctx).db;
        let today = request(ctx).now.with_timezone(&org.time_zone).date_naive();
        let items = deadlines::outstanding(
            db,
            org,
            today - Duration::days(OWED_SINCE_DAYS),
            today + Duration::days(OWED_AHEAD_DAYS),
        )
        .await?;
        let below: HashSet<i64> = people::reports_below(&db.conn, org.id, user.id)
            .await?
            .into_iter()
            .collect();
        let (mut mine, mut team) = (Vec::new(), Vec::new());
        for item in items {
            if item.period.end_date(org.fy_start) >= today {
                continue;
            }
            match item.owner_id {
                Some(owner) if owner == user.id => mine.push(item),
                Some(owner) if below.contains(&owner) => team.push(item),
                _ => {}
            }
        }
        let owed = |items: Vec<Deadline>| {
            let mut owed: Vec<OwedUpdate> = items
                .into_iter()
                .map(|d| OwedUpdate {
                    urgency: pmf_core::urgency(d.due_date.0, today).into(),
                    deadline: d,
                })
                .collect();
            owed.sort_by_key(|o| (o.urgency as u8, o.deadline.due_date.0));
            owed
        };
        Ok(MyUpdates {
            mine: owed(deadline_objects(ctx, mine).await?),
            team: owed(deadline_objects(ctx, team).await?),
        })
    }

    /// The result a value would give for one of the indicator's own periods, by the API's
    /// rules (status, trend, whether commentary is needed); nothing is saved. Its version
    /// is the one stored now, to pass as `expectedVersion` when saving.
    async fn preview_result(
        &self,
        ctx: &Context<'_>,
        indicator_id: ID,
        period: String,
        value: Option<f64>,
        commentary: Option<String>,
    ) -> GqlResult<PeriodResult> {
        signed_in(ctx)?;
        let org = &scope(ctx)?.org;
        let id = input::id(&indicator_id, "indicator")?;
        let row = load_indicator(ctx, id)
            .await?
            .ok_or_else(|| gql::not_found("indicator", id))?
            .0;
        let period = input::period(&period)?;
        let value = value.map(|v| input::finite("value", v)).transpose()?;
        let commentary = optional_text("commentary", commentary.as_deref(), MAX_TEXT)?;
        let db = &request(ctx).db.conn;
        indicators::check_period(db, org, &row, &period).await?;
        let evaluation =
            results::preview(db, org, &row, period, ProposedValue { value, commentary }).await?;
        Ok(PeriodResult {
            indicator: row,
            evaluation: Arc::new(evaluation),
        })
    }
}

#[derive(InputObject)]
pub struct NudgeInput {
    pub indicator_id: Option<ID>,
    pub action_id: Option<ID>,
    pub period: String,
    /// A line of your own for the e-mail.
    pub note: Option<String>,
}

/// A nudge as it went to the outbox.
#[derive(SimpleObject)]
pub struct Nudge {
    pub recipient: UserObj,
    /// False when the same nudge was already sent today (it is not sent twice).
    pub queued: bool,
}

#[derive(Default)]
pub struct UpdateMutations;

#[Object]
impl UpdateMutations {
    /// Rejects a proposed indicator (EXECUTIVE, ADMIN): it is retired, and the reason is
    /// recorded in the audit trail.
    async fn reject_indicator(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> GqlResult<IndicatorObj> {
        require_role(ctx, SENIOR, "reject indicators")?;
        let id = input::id(&id, "indicator")?;
        let reason = required_text("reason", &reason, MAX_TEXT)?;
        let uow = begin(ctx).await?;
        let row = indicators::reject(&uow, id, reason).await?;
        uow.commit().await?;
        Ok(IndicatorObj::from(row))
    }

    /// E-mails the owner of an item they still owe for a period, through the outbox: for
    /// someone above the owner in the line-management chain (or an ADMIN). At most once a
    /// day per item, period and owner.
    async fn nudge(&self, ctx: &Context<'_>, input: NudgeInput) -> GqlResult<Nudge> {
        let user = signed_in(ctx)?;
        let org = scope(ctx)?.org.clone();
        let item = match (&input.indicator_id, &input.action_id) {
            (Some(id), None) => NudgeItem::Indicator(input::id(id, "indicator")?),
            (None, Some(id)) => NudgeItem::Action(input::id(id, "action")?),
            _ => {
                return Err(gql::bad_input(
                    "give exactly one of indicatorId and actionId",
                ));
            }
        };
        let period = input::period(&input.period)?;
        let note = optional_text("note", input.note.as_deref(), MAX_TEXT)?;
        let db = &request(ctx).db.conn;
        let owner = nudges::owner_of(db, org.id, item).await?;
        let chain = match owner {
            Some(owner) => people::manager_chain(db, org.id, owner).await?,
            None => Vec::new(),
        };
        if !is_admin(user) && !chain.contains(&user.id) {
            return Err(gql::forbidden(
                "you can nudge only people below you in the line-management chain",
            ));
        }
        let links = pmf_mail::Links::new(&request(ctx).public_url);
        let uow = begin(ctx).await?;
        let nudged = nudges::send(&uow, &org, &links, NudgeRequest { item, period, note }).await?;
        uow.commit().await?;
        Ok(Nudge {
            recipient: UserObj(nudged.recipient),
            queued: nudged.queued,
        })
    }
}
