//! The quarterly pack (issue 20): whether a plan's pack is sent and to whom, and the
//! performance team's release of a quarter's pack, which writes one message per recipient
//! to the outbox in its own transaction (dedupe key `quarterly-pack:{plan}:{period}:{user}`,
//! so nobody gets a plan's pack for a quarter twice, whatever restarts), for the worker to
//! deliver. Inactive recipients are sent nothing; a plan whose pack is not sent cannot be
//! released; a quarter is released once.
use pmf_core::{Frequency, Period};
use pmf_mail::{Links, PackFacts, PackRow};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::{
    StoreError, UnitOfWork,
    entity::{quarterly_pack, quarterly_pack_recipient, quarterly_pack_release, user},
    outbox::{self, NewMessage},
    people, plans,
};

/// A plan's pack: whether it is sent, and its recipients in the order they were given.
#[derive(Debug, Clone)]
pub struct PackSettings {
    pub send: bool,
    pub recipients: Vec<user::Model>,
}

/// Whether `plan_id`'s pack is sent (false until someone says so).
pub async fn sends_pack<C: ConnectionTrait>(
    db: &C,
    org: i64,
    plan_id: i64,
) -> Result<bool, StoreError> {
    Ok(quarterly_pack::Entity::find()
        .filter(quarterly_pack::Column::OrganisationId.eq(org))
        .filter(quarterly_pack::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .is_some_and(|p| p.send))
}

/// The people `plan_id`'s pack goes to, active or not, in the order they were given.
pub async fn recipients<C: ConnectionTrait>(
    db: &C,
    org: i64,
    plan_id: i64,
) -> Result<Vec<user::Model>, StoreError> {
    let ids: Vec<i64> = quarterly_pack_recipient::Entity::find()
        .filter(quarterly_pack_recipient::Column::OrganisationId.eq(org))
        .filter(quarterly_pack_recipient::Column::PlanId.eq(plan_id))
        .order_by_asc(quarterly_pack_recipient::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    // One statement for them all, then in the order given.
    let mut users = people::users_by_id(db, org, ids.iter().copied()).await?;
    users.sort_by_key(|u| ids.iter().position(|id| *id == u.id));
    Ok(users)
}

/// The release of `plan_id`'s pack for `period`, if there has been one.
pub async fn release_of<C: ConnectionTrait>(
    db: &C,
    org: i64,
    plan_id: i64,
    period: &Period,
) -> Result<Option<quarterly_pack_release::Model>, StoreError> {
    Ok(quarterly_pack_release::Entity::find()
        .filter(quarterly_pack_release::Column::OrganisationId.eq(org))
        .filter(quarterly_pack_release::Column::PlanId.eq(plan_id))
        .filter(quarterly_pack_release::Column::Period.eq(period.to_string()))
        .one(db)
        .await?)
}

/// Sets whether `plan_id`'s pack is sent and to whom (replacing the list; each user once).
pub async fn set_pack(
    uow: &UnitOfWork,
    plan_id: i64,
    send: bool,
    user_ids: &[i64],
) -> Result<PackSettings, StoreError> {
    let org = uow.organisation_id()?;
    let plan = plans::plan(uow, org, plan_id).await?;
    let mut users: Vec<user::Model> = Vec::new();
    for &id in user_ids {
        if users.iter().any(|u| u.id == id) {
            continue;
        }
        users.push(people::user_in(uow, org, id, "recipientIds").await?);
    }
    let before = (
        sends_pack(uow, org, plan.id).await?,
        recipients(uow, org, plan.id)
            .await?
            .iter()
            .map(|u| u.id)
            .collect::<Vec<_>>(),
    );
    match quarterly_pack::Entity::find()
        .filter(quarterly_pack::Column::OrganisationId.eq(org))
        .filter(quarterly_pack::Column::PlanId.eq(plan.id))
        .one(uow)
        .await?
    {
        Some(row) => {
            let mut am: quarterly_pack::ActiveModel = row.into();
            am.send = Set(send);
            am.update(uow).await?;
        }
        None => {
            quarterly_pack::ActiveModel {
                organisation_id: Set(org),
                plan_id: Set(plan.id),
                send: Set(send),
                ..Default::default()
            }
            .insert(uow)
            .await?;
        }
    }
    quarterly_pack_recipient::Entity::delete_many()
        .filter(quarterly_pack_recipient::Column::OrganisationId.eq(org))
        .filter(quarterly_pack_recipient::Column::PlanId.eq(plan.id))
        .exec(uow)
        .await?;
    for u in &users {
        quarterly_pack_recipient::ActiveModel {
            organisation_id: Set(org),
            plan_id: Set(plan.id),
            user_id: Set(u.id),
            ..Default::default()
        }
        .insert(uow)
        .await?;
    }
    let after = (send, users.iter().map(|u| u.id).collect::<Vec<_>>());
    uow.audit(
        "quarterly_pack",
        plan.id,
        "update",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(PackSettings {
        send,
        recipients: users,
    })
}

/// What a release sends: the report's summary table and where the report is.
pub struct PackContent<'a> {
    pub council: &'a str,
    pub plan_title: &'a str,
    pub rows: &'a [PackRow],
    pub report_url: &'a str,
    pub excel_url: &'a str,
}

/// Releases `plan_id`'s pack for the quarter `period`: records the release and writes each
/// active recipient's message to the outbox, in this unit of work. Refused when the period is
/// not a quarter, the plan's pack is not sent, or the quarter was released already.
pub async fn release(
    uow: &UnitOfWork,
    links: &Links,
    plan_id: i64,
    period: Period,
    content: &PackContent<'_>,
) -> Result<quarterly_pack_release::Model, StoreError> {
    let org = uow.organisation_id()?;
    let plan = plans::plan(uow, org, plan_id).await?;
    if period.frequency() != Frequency::Quarterly {
        return Err(StoreError::invalid(format!(
            "period: the pack is released for a quarter, such as \"2026-27 Q2\", not {:?}",
            period.to_string()
        )));
    }
    if !sends_pack(uow, org, plan.id).await? {
        return Err(StoreError::invalid(format!(
            "planId: plan {} does not send a quarterly pack: turn it on with setQuarterlyPack first",
            plan.id
        )));
    }
    if release_of(uow, org, plan.id, &period).await?.is_some() {
        return Err(StoreError::conflict(format!(
            "the quarterly pack of plan {} for {period} was released already",
            plan.id
        )));
    }
    let active: Vec<user::Model> = recipients(uow, org, plan.id)
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    let now = uow.now();
    let period_text = period.to_string();
    let facts = PackFacts {
        plan: content.plan_title,
        period: &period_text,
        rows: content.rows,
        report_url: content.report_url,
        excel_url: content.excel_url,
    };
    for u in &active {
        let mail = pmf_mail::quarterly_pack(links, content.council, &u.name, &facts)?;
        outbox::enqueue(
            uow,
            NewMessage {
                organisation_id: org,
                recipient_id: Some(u.id),
                recipient_email: u.email.clone(),
                kind: outbox::KIND_QUARTERLY_PACK,
                dedupe_key: format!("quarterly-pack:{}:{period_text}:{}", plan.id, u.id),
                subject: mail.subject,
                body_text: mail.text,
                body_html: mail.html,
                status: outbox::PENDING,
            },
            now,
        )
        .await?;
    }
    let row = quarterly_pack_release::ActiveModel {
        organisation_id: Set(org),
        plan_id: Set(plan.id),
        period: Set(period_text.clone()),
        released_at: Set(now),
        released_by_id: Set(uow.actor_id()),
        recipients: Set(i32::try_from(active.len()).unwrap_or(i32::MAX)),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| {
        StoreError::unique(e, || {
            format!(
                "the quarterly pack of plan {} for {period_text} was released already",
                plan.id
            )
        })
    })?;
    uow.audit(
        "quarterly_pack_release",
        row.id,
        "create",
        None::<&()>,
        Some(&row),
    )
    .await?;
    Ok(row)
}
