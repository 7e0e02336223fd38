//! Exception alerts (rules §11), written to the outbox in the transaction of the change that
//! raises them: a value that turns an indicator RED (or AMBER, when the council has AMBER
//! alerts on), an action update that is RED (or AMBER).
//!
//! Who: the owner's line manager and the council's exception recipients for the item's
//! priority, each once, active users only. A user who prefers a daily digest gets the alert
//! `HELD` for the next daily sweep instead of at once.
//!
//! At most one alert per status episode: [`pmf_core::alert_due`] only fires when the status
//! *becomes* RED, and the dedupe key names the change that made it so: the measurement's
//! version for an indicator, the update's id for an action. Editing a red value again raises
//! nothing; going green and red again is a new version and so a new alert; the same change
//! enqueued twice (a retried transaction) hits the unique key and is dropped.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use pmf_core::{
    ActionStatus, Delivery, Lifecycle, NotificationPreference, Period,
    present::{self, ValueFormat},
};
use pmf_mail::{AlertFacts, Links, Page};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{
    OrganisationSettings, StoreError, Stored,
    entity::{action, action_update, indicator, user},
    outbox::{self, NewMessage},
    results::PeriodEvaluation,
};

/// The people to alert about an item: the owner's line manager, then the exception
/// recipients of its priority; each once, active only, in a stable order.
pub async fn recipients<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    owner_id: Option<i64>,
    priority_id: Option<i64>,
) -> Result<(Option<user::Model>, Vec<user::Model>), StoreError> {
    let mut ids: Vec<i64> = Vec::new();
    let owner = match owner_id {
        Some(id) => crate::people::users_by_id(db, org.id, [id]).await?.pop(),
        None => None,
    };
    if let Some(manager) = owner.as_ref().and_then(|o| o.manager_id) {
        ids.push(manager);
    }
    if let Some(priority) = priority_id {
        let mut listed = crate::plans::exception_recipient_ids(db, org.id, priority).await?;
        listed.sort_unstable();
        ids.extend(listed);
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    if ids.is_empty() {
        return Ok((owner, Vec::new()));
    }
    let mut found: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .filter(user::Column::Id.is_in(ids.clone()))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok((
        owner,
        ids.into_iter().filter_map(|id| found.remove(&id)).collect(),
    ))
}

/// Writes one alert per recipient; returns how many rows were added.
async fn enqueue<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    links: &Links,
    recipients: &[user::Model],
    facts: &AlertFacts,
    key: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let block = pmf_mail::alert_block(links, facts)?;
    let mut added = 0;
    for r in recipients {
        let held = *r.notification_preference == NotificationPreference::DailyDigest;
        let (subject, text, html, status) = if held {
            // Kept as a block; the daily sweep wraps the day's blocks in one message.
            (
                block.headline.clone(),
                block.text.clone(),
                block.html.clone(),
                outbox::HELD,
            )
        } else {
            let m =
                pmf_mail::alert_message(links, &org.name, &r.name, std::slice::from_ref(&block))?;
            (m.subject, m.text, m.html, outbox::PENDING)
        };
        let message = NewMessage {
            organisation_id: org.id,
            recipient_id: Some(r.id),
            recipient_email: r.email.clone(),
            kind: outbox::KIND_ALERT,
            dedupe_key: format!("{key}:u{}", r.id),
            subject,
            body_text: text,
            body_html: html,
            status,
        };
        if outbox::enqueue(db, message, now).await?.is_some() {
            added += 1;
        }
    }
    if added > 0 {
        tracing::info!(
            organisation = org.id,
            alert = key,
            recipients = added,
            "exception alert queued"
        );
    }
    Ok(added)
}

/// Called by `measurements::record_in` after a value is written: alerts when the period's
/// status became RED (or AMBER with AMBER alerts on), with links to the dashboard at `links`.
/// Returns the number of messages queued.
pub async fn on_measurement<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    links: &Links,
    row: &indicator::Model,
    before: &PeriodEvaluation,
    after: &PeriodEvaluation,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    if *row.lifecycle != Lifecycle::Active {
        return Ok(0);
    }
    let previous = (before.version > 0).then_some(before.status);
    if !pmf_core::alert_due(previous, after.status, org.amber_alerts) {
        return Ok(0);
    }
    let (owner, to) = recipients(db, org, row.owner_id, row.priority_id).await?;
    if to.is_empty() {
        tracing::info!(indicator = row.id, period = %after.period, "status turned {} but nobody is set to be alerted", after.status.as_str());
        return Ok(0);
    }
    let facts = indicator_facts(org, row, before, after, owner.as_ref());
    let key = format!(
        "alert:{}:indicator:{}:{}:{}:v{}",
        org.id,
        row.id,
        after.rated_period,
        after.status.as_str(),
        after.version
    );
    enqueue(db, org, links, &to, &facts, &key, now).await
}

fn indicator_facts(
    org: &OrganisationSettings,
    row: &indicator::Model,
    before: &PeriodEvaluation,
    after: &PeriodEvaluation,
    owner: Option<&user::Model>,
) -> AlertFacts {
    let fy = org.fy_start;
    let format = ValueFormat::from_api(row.unit.as_str(), i32::from(row.decimals));
    let value = |v: f64| format.value(v);
    let mut details = Vec::new();
    if let Some(actual) = after.actual {
        details.push(("Actual".to_string(), value(actual)));
    }
    if let Some(target) = after.target {
        let pro_rata = if after.target_is_pro_rata {
            " (pro rata)"
        } else {
            ""
        };
        details.push(("Target".to_string(), format!("{}{pro_rata}", value(target))));
        if let Some(actual) = after.actual {
            details.push((
                "Gap".to_string(),
                present::gap(actual, target, *row.polarity, format),
            ));
        }
    }
    let comparison = pmf_core::comparison_period(&after.rated_period, row.cumulative, fy);
    let trend = match after.comparison_value {
        Some(v) => format!(
            "{} (from {} in {comparison})",
            pmf_mail::trend_words(after.trend),
            value(v)
        ),
        None => pmf_mail::trend_words(after.trend),
    };
    details.push(("Trend".to_string(), trend));
    let previous_period = after.rated_period.previous(fy);
    details.push((
        format!("Previous period ({previous_period})"),
        format!(
            "{} → {}",
            pmf_mail::previous_status_words(after.previous_status),
            after.status.as_str()
        ),
    ));
    if let Some(owner) = owner {
        details.push(("Owner".to_string(), owner.name.clone()));
    }
    details.push((
        "Data due".to_string(),
        present::day_and_date(after.due_date),
    ));
    AlertFacts {
        item: format!("{} {}", row.reference, row.title),
        period: after.rated_period,
        status: after.status.as_str().to_string(),
        was: Some(before.status.as_str().to_string()).filter(|_| before.version > 0),
        details,
        commentary: after.commentary.clone(),
        next_steps: None,
        page: Page::Indicator(row.id),
    }
}

/// The action's status for the update's quarter before this update: the latest other update
/// recorded for that same quarter (`None` when this is its first). Alerts are per (item,
/// period, status), so a quarter whose first update is RED alerts even if the previous
/// quarter ended RED.
pub async fn previous_action_status<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    action_id: i64,
    period: &Period,
    excluding_update_id: i64,
) -> Result<Option<ActionStatus>, StoreError> {
    let latest = action_update::Entity::find()
        .filter(action_update::Column::OrganisationId.eq(org.id))
        .filter(action_update::Column::ActionId.eq(action_id))
        .filter(action_update::Column::Period.eq(Stored(*period)))
        .filter(action_update::Column::Id.ne(excluding_update_id))
        .all(db)
        .await?
        .into_iter()
        .max_by_key(|u| (u.created_at, u.id));
    Ok(latest.map(|u| *u.status))
}

/// Called by the `recordActionUpdate` mutation in its transaction, after the update is
/// inserted: alerts when the update is RED (or AMBER with AMBER alerts on) and the quarter's
/// status before it was not, with links to the dashboard at `links`. Returns the number of
/// messages queued.
pub async fn on_action_update<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    links: &Links,
    action: &action::Model,
    update: &action_update::Model,
    previous_status: Option<ActionStatus>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let status = *update.status;
    if !pmf_core::action_alert_due(previous_status, status, org.amber_alerts) {
        return Ok(0);
    }
    let period = *update.period;
    let (owner, to) = recipients(db, org, action.owner_id, action.priority_id).await?;
    if to.is_empty() {
        return Ok(0);
    }
    let mut details = vec![(
        "Status".to_string(),
        format!(
            "{} → {}",
            previous_status.map_or("no update yet", |s| s.as_str()),
            status.as_str()
        ),
    )];
    if let Some(owner) = &owner {
        details.push(("Responsible officer".to_string(), owner.name.clone()));
    }
    if let Some(due) = action.due_date {
        details.push(("Due".to_string(), present::day_and_date(due)));
    }
    if let Some(est) = action.estimated_completion {
        details.push((
            "Estimated completion".to_string(),
            present::day_and_date(est),
        ));
    }
    if *action.delivery == Delivery::Partnership {
        details.push((
            "Delivery".to_string(),
            "in partnership (for information)".to_string(),
        ));
    }
    let name = match action.reference.as_deref() {
        Some(r) if !r.is_empty() => format!("action {r} {}", action.title),
        _ => format!("action {}", action.title),
    };
    let facts = AlertFacts {
        item: name,
        period,
        status: status.as_str().to_string(),
        was: previous_status.map(|s| s.as_str().to_string()),
        details,
        commentary: update.commentary.clone(),
        next_steps: update.next_steps.clone(),
        page: Page::Action(action.id),
    };
    let key = format!(
        "alert:{}:action:{}:{}:{}:u{}",
        org.id,
        action.id,
        period,
        status.as_str(),
        update.id
    );
    enqueue(db, org, links, &to, &facts, &key, now).await
}
