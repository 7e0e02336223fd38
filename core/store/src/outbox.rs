//! The e-mail outbox (ARCHITECTURE.md): rows written in the same transaction as the change that
//! causes them, delivered later by the worker.
//!
//! Life of a row: `PENDING` → (claimed with a lease, sent) → `SENT`; a failed attempt makes it
//! `FAILED` with `next_attempt_at` pushed back exponentially; after [`DeliveryPolicy::max_attempts`]
//! it is `DEAD` with its last error kept. Two more states serve the optional daily digest of
//! alerts: `HELD` (an alert for a user who asked for a daily digest, never claimed by
//! delivery) and `DIGESTED` (bundled into that day's `ALERT_DIGEST` message).
//!
//! Nothing marks a row "in progress" for good: a claim only sets `locked_until`, a lease that
//! expires by itself, so a worker that dies mid-delivery delays its messages by one lease and
//! loses none. The price is the one duplicate SMTP cannot rule out: a worker that dies after
//! the server accepted a message but before the row was marked `SENT` sends it again after
//! the lease (with the same `Message-ID`, so most mail systems fold the two).
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set, Statement, TryInsertResult,
    sea_query::{Expr, LockBehavior, LockType, Query},
};

use crate::{Database, StoreError, entity::notification};

pub const PENDING: &str = "PENDING";
pub const SENT: &str = "SENT";
pub const FAILED: &str = "FAILED";
pub const DEAD: &str = "DEAD";
/// An alert waiting for its recipient's daily digest; never delivered on its own.
pub const HELD: &str = "HELD";
/// An alert that went out inside a daily digest (see `notification_items`).
pub const DIGESTED: &str = "DIGESTED";

/// Message kinds.
pub const KIND_REMINDER: &str = "REMINDER";
pub const KIND_ALERT: &str = "ALERT";
pub const KIND_ALERT_DIGEST: &str = "ALERT_DIGEST";
/// A plan's quarterly pack, to one recipient (see `packs`).
pub const KIND_QUARTERLY_PACK: &str = "QUARTERLY_PACK";

/// One row of `notification_items`: an (item, period, stage, recipient) that a message
/// covers, unique, so no reminder stage ever goes twice to the same person.
pub mod notification_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "notification_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub organisation_id: i64,
        pub notification_id: i64,
        /// `INDICATOR`, `ACTION` or `ALERT`.
        pub item_kind: String,
        pub item_id: i64,
        pub period: String,
        /// A reminder stage key (`DUE_SOON`, `OVERDUE-2`, …) or `DIGEST`.
        pub stage: String,
        pub recipient_id: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub organisation_id: i64,
    pub recipient_id: Option<i64>,
    pub recipient_email: String,
    pub kind: &'static str,
    pub dedupe_key: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// `PENDING`, or `HELD` for a daily digest.
    pub status: &'static str,
}

/// The outbox row of a new message, due now.
fn new_row(message: NewMessage, now: DateTime<Utc>) -> notification::ActiveModel {
    notification::ActiveModel {
        organisation_id: Set(message.organisation_id),
        recipient_id: Set(message.recipient_id),
        recipient_email: Set(message.recipient_email),
        kind: Set(message.kind.to_string()),
        dedupe_key: Set(message.dedupe_key),
        subject: Set(message.subject),
        body_text: Set(message.body_text),
        body_html: Set(message.body_html),
        status: Set(message.status.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        message_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Rows written by one multi-row `INSERT`: well inside both databases' limits on bound
/// parameters (SQLite's 32,766; PostgreSQL's 65,535) at 16 columns a row.
const ROWS_PER_INSERT: usize = 500;

/// Adds messages none of which may exist yet (a sweep's digests, whose keys carry the
/// sweep's date): a few statements however many there are, instead of one each. Returns
/// their ids in the order given, as the `INSERT` returns them with their keys (not read back
/// afterwards). A dedupe key already in the outbox fails the whole call (and so rolls the
/// caller back), as it does a second sweep of the same day.
///
/// On PostgreSQL one statement, each column bound as one array (`UNNEST`: one short
/// statement to parse and plan, not one a row count); on SQLite multi-row `INSERT`s.
pub async fn enqueue_all<C: ConnectionTrait>(
    db: &C,
    messages: Vec<NewMessage>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    if messages.is_empty() {
        return Ok(vec![]);
    }
    let keys: Vec<String> = messages.iter().map(|m| m.dedupe_key.clone()).collect();
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(keys.len());
    let mut returned = |rows: Vec<sea_orm::QueryResult>| -> Result<(), StoreError> {
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let key: String = row.try_get("", "dedupe_key")?;
            ids.insert(key, id);
        }
        Ok(())
    };
    if db.get_database_backend() == DbBackend::Postgres {
        returned(db.query_all_raw(unnest_messages(messages, now)).await?)?;
    } else {
        let mut rows = messages.into_iter().map(|m| new_row(m, now)).peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
            let mut insert = notification::Entity::insert_many(chunk).into_query();
            insert.returning(
                Query::returning()
                    .columns([notification::Column::Id, notification::Column::DedupeKey]),
            );
            returned(db.query_all(&insert).await?)?;
        }
    }
    keys.iter()
        .map(|k| {
            ids.get(k).copied().ok_or_else(|| {
                StoreError::Db(sea_orm::DbErr::Custom(format!(
                    "{k} was written to the outbox but not returned"
                )))
            })
        })
        .collect()
}

/// PostgreSQL: `messages` as one `INSERT … SELECT FROM UNNEST(…) RETURNING id, dedupe_key`,
/// the same row [`new_row`] makes. Arrays cannot hold a NULL here, so a message without a
/// recipient row has `false` in `has_recipient`.
fn unnest_messages(messages: Vec<NewMessage>, now: DateTime<Utc>) -> Statement {
    let n = messages.len();
    let mut organisations = Vec::with_capacity(n);
    let mut recipients = Vec::with_capacity(n);
    let mut has_recipient = Vec::with_capacity(n);
    let mut emails = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut subjects = Vec::with_capacity(n);
    let mut texts = Vec::with_capacity(n);
    let mut htmls = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(n);
    for m in messages {
        organisations.push(m.organisation_id);
        recipients.push(m.recipient_id.unwrap_or_default());
        has_recipient.push(m.recipient_id.is_some());
        emails.push(m.recipient_email);
        kinds.push(m.kind.to_string());
        keys.push(m.dedupe_key);
        subjects.push(m.subject);
        texts.push(m.body_text);
        htmls.push(m.body_html);
        statuses.push(m.status.to_string());
    }
    Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO notifications \
           (organisation_id, recipient_id, recipient_email, kind, dedupe_key, subject, \
            body_text, body_html, status, attempts, next_attempt_at, created_at) \
         SELECT m.organisation_id, CASE WHEN m.has_recipient THEN m.recipient_id END, \
                m.recipient_email, m.kind, m.dedupe_key, m.subject, m.body_text, m.body_html, \
                m.status, 0, $1, $1 \
         FROM UNNEST($2::bigint[], $3::bigint[], $4::boolean[], $5::text[], $6::text[], \
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) \
           AS m (organisation_id, recipient_id, has_recipient, recipient_email, kind, \
                 dedupe_key, subject, body_text, body_html, status) \
         RETURNING id, dedupe_key",
        [
            now.into(),
            organisations.into(),
            recipients.into(),
            has_recipient.into(),
            emails.into(),
            kinds.into(),
            keys.into(),
            subjects.into(),
            texts.into(),
            htmls.into(),
            statuses.into(),
        ],
    )
}

/// Adds a message unless one with the same dedupe key exists. `Ok(None)` means it already
/// existed: never an error, so the caller's transaction (an officer's write) goes on.
pub async fn enqueue<C: ConnectionTrait>(
    db: &C,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let key = message.dedupe_key.clone();
    let row = new_row(message, now);
    let result = notification::Entity::insert(row)
        .on_conflict_do_nothing_on([notification::Column::DedupeKey])
        .exec(db)
        .await?;
    Ok(match result {
        TryInsertResult::Inserted(r) => Some(r.last_insert_id),
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            tracing::debug!(%key, "already in the outbox");
            None
        }
    })
}

/// Messages a worker has on their way at once (and so the SMTP connections it pools).
pub const IN_FLIGHT: usize = 32;

/// How delivery claims, sends and retries.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryPolicy {
    /// Messages on their way at once.
    pub in_flight: usize,
    /// How long a claim keeps other workers off a row; longer than sending a whole batch.
    pub lease: Duration,
    /// Rows claimed at once.
    pub batch: u64,
    /// Delay after the first failure; doubled for each further one.
    pub base_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
    /// After this many failed attempts the row is `DEAD`.
    pub max_attempts: i32,
}

impl Default for DeliveryPolicy {
    /// Batches of 128, 32 at a time, under a 10-minute lease (SMTP times out after 30 s per
    /// message: four rounds of timeouts still end inside it); retries after 1, 2, 4 …
    /// minutes, at most 2 hours apart; `DEAD` after 20 attempts (about a day and a half of an
    /// unreachable server).
    fn default() -> Self {
        Self {
            in_flight: IN_FLIGHT,
            lease: Duration::minutes(10),
            batch: 128,
            base_delay: Duration::minutes(1),
            max_delay: Duration::hours(2),
            max_attempts: 20,
        }
    }
}

impl DeliveryPolicy {
    /// The wait after the `attempts`-th failed attempt (1-based): `base × 2^(attempts−1)`,
    /// capped at `max_delay`.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let factor = 1i64 << exponent;
        let base = self.base_delay.num_seconds().max(1);
        Duration::seconds(base.saturating_mul(factor)).min(self.max_delay)
    }
}

/// When delivery looks for due rows. [`Due::at`] is the scheduler's question: rows whose
/// next attempt is at or before the time. `worker tick --at T` asks [`Due::tick`]: as of
/// `T`, and also every message never tried that was written by the real time now, so a
/// message written in real time never waits for a simulated clock to reach it; a message
/// already tried keeps its backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The time delivery acts as of: next attempts and leases are compared with it.
    pub at: DateTime<Utc>,
    /// Rows never attempted that were written at or before this time are due as well.
    pub untried_written_by: DateTime<Utc>,
}

impl Due {
    /// Rows due at `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self {
            at,
            untried_written_by: at,
        }
    }

    /// Rows due at `at`, and every row never tried written by `real_now`.
    pub fn tick(at: DateTime<Utc>, real_now: DateTime<Utc>) -> Self {
        Self {
            at,
            untried_written_by: real_now,
        }
    }

    /// The later of the two times: a lease runs from it, so that a claim made as of a time
    /// in the past still keeps a worker running in real time off the row.
    fn latest(&self) -> DateTime<Utc> {
        self.at.max(self.untried_written_by)
    }
}

/// Claims up to `policy.batch` rows that are due at `now` (see [`claim`]).
pub async fn claim_due(
    db: &Database,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<Vec<notification::Model>, StoreError> {
    claim(db, Due::at(now), policy).await
}

/// Claims up to `policy.batch` rows that are `due` (`PENDING` or `FAILED`, next attempt
/// reached or never tried and written by then, no live lease) by setting their lease, and
/// returns them. On PostgreSQL the candidate rows are read `FOR UPDATE SKIP LOCKED`, so
/// concurrent workers claim disjoint rows; on SQLite the write transaction (`BEGIN
/// IMMEDIATE`) serialises claims.
pub async fn claim(
    db: &Database,
    due: Due,
    policy: &DeliveryPolicy,
) -> Result<Vec<notification::Model>, StoreError> {
    let txn = db.begin_write().await?;
    let mut query = due_query(due).limit(policy.batch);
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = query.all(&txn).await?;
    if rows.is_empty() {
        txn.rollback().await?;
        return Ok(rows);
    }
    let until = due.latest() + policy.lease;
    notification::Entity::update_many()
        .col_expr(notification::Column::LockedUntil, Expr::value(Some(until)))
        .filter(notification::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| notification::Model {
            locked_until: Some(until),
            ..r
        })
        .collect())
}

/// The rows delivery would claim, oldest first (also used by `--dry-run`). A lease is live
/// until its end, compared with the later of `due`'s two times.
pub fn due_query(due: Due) -> sea_orm::Select<notification::Entity> {
    let lease_over = due.latest();
    let mut reached =
        sea_orm::Condition::any().add(notification::Column::NextAttemptAt.lte(due.at));
    // A row never tried is due from when it was written (its first attempt is then), so
    // this adds something only when the real time is later than `at`; otherwise the
    // scheduler's query stays as simple as its index.
    if due.untried_written_by > due.at {
        reached = reached.add(
            sea_orm::Condition::all()
                .add(notification::Column::Attempts.eq(0))
                .add(notification::Column::CreatedAt.lte(due.untried_written_by)),
        );
    }
    notification::Entity::find()
        .filter(notification::Column::Status.is_in([PENDING, FAILED]))
        .filter(reached)
        .filter(
            sea_orm::Condition::any()
                .add(notification::Column::LockedUntil.is_null())
                .add(notification::Column::LockedUntil.lte(lease_over)),
        )
        .order_by_asc(notification::Column::NextAttemptAt)
        .order_by_asc(notification::Column::Id)
}

/// The rows delivery would claim, oldest first, without claiming them (`worker tick
/// --dry-run`).
pub async fn due(db: &Database, due: Due) -> Result<Vec<notification::Model>, StoreError> {
    Ok(due_query(due).all(&db.conn).await?)
}

/// Records a successful send. Only a row still waiting is changed.
pub async fn mark_sent(
    db: &Database,
    id: i64,
    attempts: i32,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(SENT))
        .col_expr(notification::Column::Attempts, Expr::value(attempts + 1))
        .col_expr(notification::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            notification::Column::MessageId,
            Expr::value(Some(message_id.to_string())),
        )
        .col_expr(
            notification::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(notification::Column::LastError, Expr::value(None::<String>))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::Status.is_in([PENDING, FAILED]))
        .exec(&db.conn)
        .await?;
    Ok(())
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `FAILED`, tried again at this time.
    Retry(DateTime<Utc>),
    /// `DEAD`: too many attempts, or a message that can never be sent.
    Dead,
}

/// Records a failed attempt: `FAILED` with the next attempt after the backoff, or `DEAD`
/// when `permanent` or after `policy.max_attempts` attempts. The error is kept either way.
pub async fn mark_failed(
    db: &Database,
    row: &notification::Model,
    error: &str,
    permanent: bool,
    now: DateTime<Utc>,
    policy: &DeliveryPolicy,
) -> Result<Failure, StoreError> {
    let attempts = row.attempts + 1;
    let outcome = if permanent || attempts >= policy.max_attempts {
        Failure::Dead
    } else {
        Failure::Retry(now + policy.backoff(attempts))
    };
    let (status, next) = match outcome {
        Failure::Dead => (DEAD, now),
        Failure::Retry(at) => (FAILED, at),
    };
    let error: String = error.chars().take(2000).collect();
    notification::Entity::update_many()
        .col_expr(notification::Column::Status, Expr::value(status))
        .col_expr(notification::Column::Attempts, Expr::value(attempts))
        .col_expr(notification::Column::NextAttemptAt, Expr::value(next))
        .col_expr(notification::Column::LastError, Expr::value(Some(error)))
        .col_expr(
            notification::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(notification::Column::Id.eq(row.id))
        .filter(notification::Column::Status.is_in([PENDING, FAILED]))
        .exec(&db.conn)
        .await?;
    Ok(outcome)
}

/// Gives back claimed rows that were not attempted (a worker stopping between messages), so
/// they need not wait for the lease to run out.
pub async fn release(db: &Database, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    notification::Entity::update_many()
        .col_expr(
            notification::Column::LockedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::Status.is_in([PENDING, FAILED]))
        .exec(&db.conn)
        .await?;
    Ok(())
}

/// One (item, period, stage, recipient) a message covers, to be recorded with
/// [`record_items`]: `item_kind` is `INDICATOR`, `ACTION` or `ALERT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    pub notification_id: i64,
    pub item_kind: &'static str,
    pub item_id: i64,
    pub period: String,
    pub stage: String,
    pub recipient_id: i64,
}

/// Records what the organisation's messages cover; fails (and so rolls the caller back) if
/// any of these (item, period, stage, recipient) was already covered by another message.
///
/// On PostgreSQL in one statement, each column bound as one array (`UNNEST`), so however many
/// markers a sweep writes the server parses and plans one short statement once a connection;
/// on SQLite in multi-row `INSERT`s.
pub async fn record_items<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    items: Vec<Covered>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if items.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        let n = items.len();
        let (mut notifications, mut kinds, mut ids) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut periods, mut stages, mut recipients) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for item in items {
            notifications.push(item.notification_id);
            kinds.push(item.item_kind.to_string());
            ids.push(item.item_id);
            periods.push(item.period);
            stages.push(item.stage);
            recipients.push(item.recipient_id);
        }
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO notification_items \
               (organisation_id, notification_id, item_kind, item_id, period, stage, \
                recipient_id, created_at) \
             SELECT $1, m.notification_id, m.item_kind, m.item_id, m.period, m.stage, \
                    m.recipient_id, $2 \
             FROM UNNEST($3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[], \
                         $8::bigint[]) \
               AS m (notification_id, item_kind, item_id, period, stage, recipient_id)",
            [
                organisation_id.into(),
                now.into(),
                notifications.into(),
                kinds.into(),
                ids.into(),
                periods.into(),
                stages.into(),
                recipients.into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    let mut rows = items
        .into_iter()
        .map(|item| notification_item::ActiveModel {
            organisation_id: Set(organisation_id),
            notification_id: Set(item.notification_id),
            item_kind: Set(item.item_kind.to_string()),
            item_id: Set(item.item_id),
            period: Set(item.period),
            stage: Set(item.stage),
            recipient_id: Set(item.recipient_id),
            created_at: Set(now),
            ..Default::default()
        })
        .peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        notification_item::Entity::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = DeliveryPolicy::default();
        let minutes: Vec<i64> = (1..=10).map(|a| p.backoff(a).num_minutes()).collect();
        assert_eq!(minutes, vec![1, 2, 4, 8, 16, 32, 64, 120, 120, 120]);
        assert_eq!(p.backoff(0).num_minutes(), 1);
        assert_eq!(p.backoff(i32::MAX).num_minutes(), 120);
    }
}
