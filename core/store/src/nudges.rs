//! A manager's nudge: an e-mail, through the outbox, to someone below them in the
//! line-management chain about one item they still owe, written in the unit of work with
//! its audit entry. One nudge per item, period and recipient a day.
use pmf_core::{Missing, Period};
use pmf_mail::{Links, NudgeFacts, Page};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::{
    OrganisationSettings, StoreError, UnitOfWork,
    entity::{action_update, user},
    outbox::{self, NewMessage},
    results::evaluate_many,
};

/// Message kind of a nudge in the outbox.
pub const KIND_NUDGE: &str = "NUDGE";

/// The item a nudge is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NudgeItem {
    Indicator(i64),
    Action(i64),
}

/// What the manager asks.
#[derive(Debug, Clone)]
pub struct NudgeRequest {
    pub item: NudgeItem,
    pub period: Period,
    pub note: Option<String>,
}

/// A nudge as it was queued (or not: one was already sent today).
#[derive(Debug, Clone)]
pub struct Nudged {
    pub recipient: user::Model,
    pub queued: bool,
}

#[derive(Serialize)]
struct Audited<'a> {
    recipient_id: i64,
    item: &'a str,
    item_id: i64,
    period: String,
    note: Option<&'a str>,
}

/// The owner of an item, who a nudge about it goes to: `None` when it has none.
pub async fn owner_of(
    db: &impl sea_orm::ConnectionTrait,
    org: i64,
    item: NudgeItem,
) -> Result<Option<i64>, StoreError> {
    Ok(match item {
        NudgeItem::Indicator(id) => crate::indicators::indicator(db, org, id).await?.owner_id,
        NudgeItem::Action(id) => crate::actions::action(db, org, id).await?.owner_id,
    })
}

/// Queues the nudge from the unit of work's actor to the item's owner. Refused when the item
/// has no active owner, or nothing is owed for the period (the value, its commentary or the
/// action's update).
pub async fn send(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    links: &Links,
    request: NudgeRequest,
) -> Result<Nudged, StoreError> {
    let sender_id = uow
        .actor_id()
        .ok_or_else(|| StoreError::invalid("a nudge is sent by someone"))?;
    let sender = crate::people::user(uow, org.id, sender_id).await?;
    let period = request.period;
    let (owner_id, item, missing, page, kind, item_id) = match request.item {
        NudgeItem::Indicator(id) => {
            let row = crate::indicators::indicator(uow, org.id, id).await?;
            crate::indicators::check_period(uow, org, &row, &period).await?;
            let result = evaluate_many(uow, org, &[(&row, period)]).await?.remove(0);
            let missing = match result.completeness {
                pmf_core::Completeness::Complete => None,
                pmf_core::Completeness::MissingValue => Some(Missing::Value),
                pmf_core::Completeness::MissingCommentary => Some(Missing::Commentary),
            };
            (
                row.owner_id,
                format!("{} {}", row.reference, row.title),
                missing,
                Page::RecordValue(id, period),
                "indicator",
                id,
            )
        }
        NudgeItem::Action(id) => {
            let row = crate::actions::action(uow, org.id, id).await?;
            let updated = action_update::Entity::find()
                .filter(action_update::Column::OrganisationId.eq(org.id))
                .filter(action_update::Column::ActionId.eq(id))
                .filter(action_update::Column::Period.eq(crate::Stored(period)))
                .one(uow)
                .await?
                .is_some();
            let name = match &row.reference {
                Some(r) => format!("{r} {}", row.title),
                None => row.title.clone(),
            };
            (
                row.owner_id,
                name,
                (!updated).then_some(Missing::Update),
                Page::UpdateAction(id, period),
                "action",
                id,
            )
        }
    };
    let Some(missing) = missing else {
        return Err(StoreError::invalid(format!(
            "nothing is owed for {item}, {period}: it is complete"
        )));
    };
    let owner_id = owner_id.ok_or_else(|| StoreError::invalid(format!("{item} has no owner")))?;
    let recipient = crate::people::user(uow, org.id, owner_id).await?;
    if !recipient.active {
        return Err(StoreError::invalid(format!(
            "{} is no longer active and receives no e-mail",
            recipient.name
        )));
    }
    let facts = NudgeFacts {
        sender_name: sender.name.clone(),
        recipient_name: recipient.name.clone(),
        item: item.clone(),
        period,
        missing,
        page,
        note: request.note.clone(),
    };
    let rendered = pmf_mail::nudge(links, &org.name, &facts)?;
    let now = uow.now();
    let today = now.with_timezone(&org.time_zone).date_naive();
    let message = NewMessage {
        organisation_id: org.id,
        recipient_id: Some(recipient.id),
        recipient_email: recipient.email.clone(),
        kind: KIND_NUDGE,
        dedupe_key: format!(
            "nudge:{}:{kind}:{item_id}:{period}:u{}:{today}",
            org.id, recipient.id
        ),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: rendered.html,
        status: outbox::PENDING,
    };
    let Some(notification_id) = outbox::enqueue(uow, message, now).await? else {
        return Ok(Nudged {
            recipient,
            queued: false,
        });
    };
    let audited = Audited {
        recipient_id: recipient.id,
        item: kind,
        item_id,
        period: period.to_string(),
        note: request.note.as_deref(),
    };
    uow.audit_create("nudge", notification_id, &audited).await?;
    Ok(Nudged {
        recipient,
        queued: true,
    })
}
