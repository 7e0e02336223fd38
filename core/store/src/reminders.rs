//! The daily sweep of one organisation (docs/rules.md §10): deadline reminders, escalations to line
//! managers, and the daily digest of alerts for users who asked for one.
//!
//! A sweep is one transaction that writes every message of the day together with the
//! `sweep_runs` row for (organisation, `DAILY`, local date):
//! - each digest is one outbox row per recipient, key `reminder:{org}:{date}:u{user}`;
//! - each (item, period, stage, recipient) it covers is a `notification_items` row under a
//!   unique index, read before deciding what to send (so a stage already sent is skipped,
//!   whatever the date of the run that sent it) and inserted with the digest (so two sweeps
//!   that somehow raced could not both commit the same stage: the second fails and rolls back
//!   as a whole);
//! - on PostgreSQL the transaction first takes `pg_try_advisory_xact_lock`, so while one
//!   worker sweeps an organisation the others skip it; on SQLite the write transaction
//!   (`BEGIN IMMEDIATE`) serialises sweeps, and one worker is assumed.
//!
//! Who gets what: the owner of each outstanding item of an ACTIVE indicator (or an action),
//! when active, gets the latest stage due ([`pmf_core::owner_stage`], the catch-up rule) if
//! not already sent; their active line manager gets `ESCALATION` from three days after the
//! due date, once. Items of inactive owners are not chased (the performance team reassigns
//! them). Items with no owner who can enter them (none, or a VIEWER) are listed for every
//! active ADMIN, the performance team, under "No owner who can enter it", at the stage an
//! owner would have had, once each; nobody is escalated to. Completed items, retired
//! indicators and extensions are already accounted for in the outstanding items the sweep
//! reads: kept with every change by [`crate::outstanding`] (the rules of
//! [`crate::deadlines::outstanding`]), the items fallen due since the last sweep added first.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Days, NaiveDate, Utc};
use pmf_core::ReminderStage;
use pmf_mail::{AlertBlock, Links, Page, ReminderLine};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement, sea_query::Expr,
};

use crate::{
    Database, OrganisationSettings, StoreError,
    deadlines::DeadlineItem,
    entity::{notification, sweep_run, user},
    outbox::{self, NewMessage, notification_item},
    outstanding,
};

/// `sweep_runs.kind` of the daily sweep.
pub const DAILY: &str = "DAILY";

/// How far back outstanding items are still chased (weekly "while outstanding").
const LOOKBACK_DAYS: u64 = 3 * 366;

/// What became of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepStatus {
    /// Done now (or, in a dry run, what would have been done).
    Done,
    /// Already done for that date (by this worker or another).
    AlreadyDone,
    /// Another worker holds the organisation's sweep lock right now.
    Busy,
}

/// The result of a sweep, with the messages it queued.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    pub status: SweepStatus,
    pub date: NaiveDate,
    /// Messages the sweep put in the outbox (or, in a dry run, would have).
    pub queued: usize,
    /// In a dry run, those messages as they would have been written (rolled back since);
    /// after a committed sweep, empty: they are in the outbox, and a worker sweeping many
    /// councils should not hold every council's messages in memory.
    pub messages: Vec<notification::Model>,
}

/// Whether to keep what the sweep wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Commit,
    /// Work out everything, then roll back: `worker tick --dry-run`.
    DryRun,
}

/// The latest local date swept for the organisation.
pub async fn last_swept<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(sweep_run::Entity::find()
        .filter(sweep_run::Column::OrganisationId.eq(organisation_id))
        .filter(sweep_run::Column::Kind.eq(DAILY))
        .order_by_desc(sweep_run::Column::LocalDate)
        .one(db)
        .await?
        .map(|r| r.local_date))
}

/// The latest local date swept for every organisation that has been swept, in one statement
/// (the worker asks every minute for all councils).
pub async fn last_swept_all<C: ConnectionTrait>(
    db: &C,
) -> Result<HashMap<i64, NaiveDate>, StoreError> {
    let rows: Vec<(i64, Option<NaiveDate>)> = sweep_run::Entity::find()
        .select_only()
        .column(sweep_run::Column::OrganisationId)
        .column_as(sweep_run::Column::LocalDate.max(), "last")
        .filter(sweep_run::Column::Kind.eq(DAILY))
        .group_by(sweep_run::Column::OrganisationId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(org, last)| last.map(|d| (org, d)))
        .collect())
}

/// The advisory lock key of an organisation's sweep: "PMFS" in the high half.
fn lock_key(organisation_id: i64) -> i64 {
    (0x504D_4653_i64 << 32) | (organisation_id & 0xFFFF_FFFF)
}

/// Takes the organisation's sweep lock for the transaction (PostgreSQL; SQLite's write
/// transaction is the lock). In the same statement the transaction's commit is made not to
/// wait for its WAL to reach the disk (`synchronous_commit = off`, this transaction only): a
/// deadline morning commits hundreds of sweeps of tens of thousands of rows. A server crash
/// in the fraction of a second before the WAL writer flushes loses the sweep whole (its
/// `sweep_runs` row with its messages and markers), and the next tick sweeps the day again.
/// A digest delivered from such a lost sweep could go twice, the same duplicate a worker
/// dying between SMTP and marking `SENT` can cause; a delivery's own commit flushes every
/// sweep committed before it.
async fn try_lock(txn: &DatabaseTransaction, organisation_id: i64) -> Result<bool, StoreError> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked, \
                    set_config('synchronous_commit', 'off', true) AS synchronous_commit",
            [lock_key(organisation_id).into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<bool>("", "locked")?,
        None => false,
    })
}

async fn finish(txn: DatabaseTransaction, mode: Mode) -> Result<(), StoreError> {
    match mode {
        Mode::Commit => txn.commit().await?,
        Mode::DryRun => txn.rollback().await?,
    }
    Ok(())
}

/// Runs the organisation's daily sweep for local date `date`, unless done already; messages
/// link to the dashboard at `links`.
pub async fn sweep(
    db: &Database,
    org: &OrganisationSettings,
    links: &Links,
    date: NaiveDate,
    now: DateTime<Utc>,
    mode: Mode,
) -> Result<SweepOutcome, StoreError> {
    let outcome = |status, messages: Vec<notification::Model>, queued| SweepOutcome {
        status,
        date,
        queued,
        messages,
    };
    let txn = db.begin_write().await?;
    if !try_lock(&txn, org.id).await? {
        txn.rollback().await?;
        return Ok(outcome(SweepStatus::Busy, vec![], 0));
    }
    let done = sweep_run::Entity::find()
        .filter(sweep_run::Column::OrganisationId.eq(org.id))
        .filter(sweep_run::Column::Kind.eq(DAILY))
        .filter(sweep_run::Column::LocalDate.eq(date))
        .one(&txn)
        .await?;
    if done.is_some() {
        txn.rollback().await?;
        return Ok(outcome(SweepStatus::AlreadyDone, vec![], 0));
    }

    let users: HashMap<i64, user::Model> = crate::people::users_of(&txn, org.id).await?;
    let mut ids = reminders(&txn, org, links, &users, date, now).await?;
    ids.extend(alert_digests(&txn, org, links, &users, date, now).await?);

    let ran = sweep_run::ActiveModel {
        organisation_id: Set(org.id),
        kind: Set(DAILY.to_string()),
        local_date: Set(date),
        ran_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    if let Err(e) = ran {
        txn.rollback().await?;
        return match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                Ok(outcome(SweepStatus::AlreadyDone, vec![], 0))
            }
            _ => Err(e.into()),
        };
    }
    let queued = ids.len();
    let messages = if ids.is_empty() || mode == Mode::Commit {
        vec![]
    } else {
        notification::Entity::find()
            .filter(notification::Column::Id.is_in(ids))
            .order_by_asc(notification::Column::Id)
            .all(&txn)
            .await?
    };
    finish(txn, mode).await?;
    tracing::info!(
        organisation = org.id,
        %date,
        messages = queued,
        dry_run = mode == Mode::DryRun,
        "daily sweep"
    );
    Ok(outcome(SweepStatus::Done, messages, queued))
}

fn item_key(item: &DeadlineItem) -> Option<(&'static str, i64)> {
    match (item.indicator_id, item.action_id) {
        (Some(id), _) => Some(("INDICATOR", id)),
        (None, Some(id)) => Some(("ACTION", id)),
        (None, None) => None,
    }
}

/// The reminder and escalation digests of the day; returns the new outbox row ids.
async fn reminders(
    txn: &DatabaseTransaction,
    org: &OrganisationSettings,
    links: &Links,
    users: &HashMap<i64, user::Model>,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let from = date
        .checked_sub_days(Days::new(LOOKBACK_DAYS))
        .unwrap_or(date);
    let to = date.checked_add_days(Days::new(3)).unwrap_or(date);
    // What fell due since the last sweep is added first; then only what is outstanding is
    // read (crate::outstanding keeps it with every change).
    outstanding::derive_through(txn, org.id, to).await?;
    let items: Vec<DeadlineItem> = outstanding::due_between(txn, org, from, to).await?;
    if items.is_empty() {
        return Ok(vec![]);
    }
    let periods: HashSet<String> = items.iter().map(|i| i.period.to_string()).collect();
    // What was sent is looked up only for the stages this sweep could send: each item's
    // owner stage today, and escalation (a marker of another stage, such as Friday's
    // DUE_SOON on a Monday, cannot change what goes today). Only the columns the look-up
    // needs: on a deadline morning this is every escalation of the last weeks' sweeps.
    let stages: HashSet<String> = items
        .iter()
        .filter_map(|i| pmf_core::owner_stage(i.due_date, date))
        .chain([ReminderStage::Escalation])
        .map(|stage| stage.key())
        .collect();
    let sent: HashSet<(String, i64, String, String, i64)> = notification_item::Entity::find()
        .select_only()
        .columns([
            notification_item::Column::ItemKind,
            notification_item::Column::ItemId,
            notification_item::Column::Period,
            notification_item::Column::Stage,
            notification_item::Column::RecipientId,
        ])
        .filter(notification_item::Column::OrganisationId.eq(org.id))
        .filter(notification_item::Column::ItemKind.is_in(["INDICATOR", "ACTION"]))
        .filter(notification_item::Column::Period.is_in(periods))
        .filter(notification_item::Column::Stage.is_in(stages))
        .into_tuple()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let active = |id: Option<i64>| id.and_then(|id| users.get(&id)).filter(|u| u.active);
    // The performance team, who are told of items no owner can enter.
    let performance_team: Vec<&user::Model> = users
        .values()
        .filter(|u| u.active && u.role.0 == pmf_core::Role::Admin)
        .collect();

    // recipient → (line, item kind, item id)
    let mut digests: BTreeMap<i64, Vec<(ReminderLine, &'static str, i64)>> = BTreeMap::new();
    for item in &items {
        let (Some((kind, id)), Some(missing)) = (item_key(item), item.missing) else {
            continue;
        };
        let period = item.period.to_string();
        let was_sent = |stage: ReminderStage, to: i64| {
            sent.contains(&(kind.to_string(), id, period.clone(), stage.key(), to))
        };
        // Each line links to the item's form for the period.
        let page = match kind {
            "INDICATOR" => Page::RecordValue(id, item.period),
            _ => Page::UpdateAction(id, item.period),
        };
        let line = |stage: ReminderStage, owner_name: Option<String>, unowned: bool| ReminderLine {
            reference: item.reference.clone(),
            title: item.title.clone(),
            period: item.period,
            due_date: item.due_date,
            extended: item.extended,
            missing,
            stage,
            page,
            owner_name,
            unowned,
        };
        let owner = match item.owner_id {
            None => None,
            Some(owner_id) => match users.get(&owner_id) {
                // Inactive owners' items are not chased: the performance team reassigns them.
                Some(u) if !u.active => continue,
                Some(u) => Some(u),
                None => continue,
            },
        };
        let owner = match owner {
            Some(u) if u.role.0.can_own() => u,
            // No owner, or one who cannot enter it (a VIEWER, made one before owners had to
            // be able to record): nobody is chased or escalated to; every active ADMIN gets
            // the owner's stage under "No owner who can enter it", once each.
            unable => {
                let owner_name = unable.map(|u| u.name.clone());
                for admin in &performance_team {
                    let already: Vec<ReminderStage> = pmf_core::owner_stage(item.due_date, date)
                        .filter(|stage| was_sent(*stage, admin.id))
                        .into_iter()
                        .collect();
                    for stage in pmf_core::stages_to_send(item.due_date, date, &already, false) {
                        if stage.is_escalation() {
                            continue;
                        }
                        digests.entry(admin.id).or_default().push((
                            line(stage, owner_name.clone(), true),
                            kind,
                            id,
                        ));
                    }
                }
                continue;
            }
        };
        let manager = active(owner.manager_id);
        let mut already = Vec::new();
        if let Some(stage) = pmf_core::owner_stage(item.due_date, date)
            && was_sent(stage, owner.id)
        {
            already.push(stage);
        }
        if let Some(m) = manager
            && was_sent(ReminderStage::Escalation, m.id)
        {
            already.push(ReminderStage::Escalation);
        }
        for stage in pmf_core::stages_to_send(item.due_date, date, &already, manager.is_some()) {
            let (to, owner_name) = match (stage.is_escalation(), manager) {
                (true, Some(m)) => (m, Some(owner.name.clone())),
                (true, None) => continue,
                (false, _) => (owner, None),
            };
            digests
                .entry(to.id)
                .or_default()
                .push((line(stage, owner_name, false), kind, id));
        }
    }

    // Every digest in one go, then what each covers: a few statements a council.
    let mut messages = Vec::with_capacity(digests.len());
    let mut covered = Vec::with_capacity(digests.len());
    for (recipient, lines) in digests {
        let Some(user) = users.get(&recipient) else {
            continue;
        };
        let only_lines: Vec<ReminderLine> = lines.iter().map(|(l, _, _)| l.clone()).collect();
        let m = pmf_mail::reminder_digest(links, &org.name, &user.name, &only_lines, date)?;
        messages.push(NewMessage {
            organisation_id: org.id,
            recipient_id: Some(recipient),
            recipient_email: user.email.clone(),
            kind: outbox::KIND_REMINDER,
            dedupe_key: format!("reminder:{}:{date}:u{recipient}", org.id),
            subject: m.subject,
            body_text: m.text,
            body_html: m.html,
            status: outbox::PENDING,
        });
        covered.push((recipient, lines));
    }
    let ids = outbox::enqueue_all(txn, messages, now).await?;
    let markers = ids
        .iter()
        .zip(&covered)
        .flat_map(|(&id, (recipient, lines))| {
            lines
                .iter()
                .map(move |(line, kind, item_id)| outbox::Covered {
                    notification_id: id,
                    item_kind: kind,
                    item_id: *item_id,
                    period: line.period.to_string(),
                    stage: line.stage.key(),
                    recipient_id: *recipient,
                })
        })
        .collect();
    outbox::record_items(txn, org.id, markers, now).await?;
    Ok(ids)
}

/// One message per user with `HELD` alerts (daily digest preference); returns the new ids.
async fn alert_digests(
    txn: &DatabaseTransaction,
    org: &OrganisationSettings,
    links: &Links,
    users: &HashMap<i64, user::Model>,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let held = notification::Entity::find()
        .filter(notification::Column::OrganisationId.eq(org.id))
        .filter(notification::Column::Status.eq(outbox::HELD))
        .order_by_asc(notification::Column::Id)
        .all(txn)
        .await?;
    let mut by_user: BTreeMap<i64, Vec<notification::Model>> = BTreeMap::new();
    let mut orphans = Vec::new();
    for row in held {
        match row
            .recipient_id
            .and_then(|id| users.get(&id))
            .filter(|u| u.active)
        {
            Some(u) => by_user.entry(u.id).or_default().push(row),
            None => orphans.push(row.id),
        }
    }
    if !orphans.is_empty() {
        notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(outbox::DEAD))
            .col_expr(
                notification::Column::LastError,
                Expr::value(Some("recipient is no longer active".to_string())),
            )
            .filter(notification::Column::Id.is_in(orphans))
            .exec(txn)
            .await?;
    }
    let mut ids = Vec::new();
    for (recipient, rows) in by_user {
        let Some(user) = users.get(&recipient) else {
            continue;
        };
        let blocks: Vec<AlertBlock> = rows
            .iter()
            .map(|r| AlertBlock {
                headline: r.subject.clone(),
                text: r.body_text.clone(),
                html: r.body_html.clone(),
            })
            .collect();
        let m = pmf_mail::alert_message(links, &org.name, &user.name, &blocks)?;
        let key = format!("alert-digest:{}:{date}:u{recipient}", org.id);
        let Some(id) = outbox::enqueue(
            txn,
            NewMessage {
                organisation_id: org.id,
                recipient_id: Some(recipient),
                recipient_email: user.email.clone(),
                kind: outbox::KIND_ALERT_DIGEST,
                dedupe_key: key,
                subject: m.subject,
                body_text: m.text,
                body_html: m.html,
                status: outbox::PENDING,
            },
            now,
        )
        .await?
        else {
            continue;
        };
        let held_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        notification::Entity::update_many()
            .col_expr(notification::Column::Status, Expr::value(outbox::DIGESTED))
            .col_expr(notification::Column::SentAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.is_in(held_ids))
            .filter(notification::Column::Status.eq(outbox::HELD))
            .exec(txn)
            .await?;
        let markers = rows
            .iter()
            .map(|r| outbox::Covered {
                notification_id: id,
                item_kind: "ALERT",
                item_id: r.id,
                period: String::new(),
                stage: "DIGEST".to_string(),
                recipient_id: recipient,
            })
            .collect();
        outbox::record_items(txn, org.id, markers, now).await?;
        ids.push(id);
    }
    Ok(ids)
}
