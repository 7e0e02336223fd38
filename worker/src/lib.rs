//! The `worker` binary's library: the daily sweeps (reminders, escalations, alert digests),
//! outbox delivery, `tick` and `run`. The end-to-end tests call [`Worker::tick`], the same
//! function as `worker tick --at`.
//!
//! Time is always passed in (a [`Clock`] or an instant), never read here, so every job can be
//! run "as if" at any date.
pub mod config;
pub mod lock;

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream::FuturesUnordered};
use pmf_core::{Clock, FixedClock};
use pmf_mail::{Links, Outgoing, SendError};
use pmf_store::{
    Database, DbKind, StoreError,
    entity::notification,
    organisations,
    outbox::{self, DeliveryPolicy, Failure},
    reminders::{self, Mode, SweepOutcome},
};

pub use config::{Config, ConfigError};
pub use pmf_mail::{Composer, Transport};

/// Councils swept at once on PostgreSQL (on two cores, four keeps both busy while each
/// sweep waits on the database; see BENCHMARKS.md, part 3).
pub const SWEEPS_AT_ONCE: usize = 4;

/// Everything a worker needs: the database, where mail goes, how, and where the dashboard
/// its messages link to is.
#[derive(Debug, Clone)]
pub struct Worker {
    pub db: Database,
    pub transport: Transport,
    pub composer: Composer,
    /// `PUBLIC_URL`: the sweeps' messages are rendered with their links complete.
    pub links: Links,
    pub policy: DeliveryPolicy,
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivered {
    Sent,
    Failed,
    Dead,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    /// Failed this time, to be tried again later.
    pub failed: usize,
    /// Given up on (`DEAD`).
    pub dead: usize,
    /// Claimed but given back unsent because the worker was stopping.
    pub released: usize,
}

impl DeliveryReport {
    fn count(&mut self, delivered: Delivered) {
        match delivered {
            Delivered::Sent => self.sent += 1,
            Delivered::Failed => self.failed += 1,
            Delivered::Dead => self.dead += 1,
        }
    }
}

/// A message as it would be sent (`--dry-run`).
#[derive(Debug, Clone)]
pub struct Preview {
    pub organisation_id: i64,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub text: String,
    /// Already waiting in the outbox (true) or written by this tick's sweep (false).
    pub queued_before: bool,
}

/// What one `tick` did.
#[derive(Debug, Clone, Default)]
pub struct TickReport {
    /// For each organisation whose sweep was due: its slug and the outcome.
    pub sweeps: Vec<(String, SweepOutcome)>,
    pub delivery: DeliveryReport,
    /// Only for a dry run: what would have been sent.
    pub would_send: Vec<Preview>,
    /// Organisations whose sweep was due but failed (slug, error); logged, and the others
    /// still ran.
    pub failed_sweeps: Vec<(String, String)>,
}

/// Sweeps done (slug, outcome) and sweeps failed (slug, error).
type SweepResults = (Vec<(String, SweepOutcome)>, Vec<(String, String)>);

impl Worker {
    /// A worker over `db` sending through `transport`, its messages linking to the dashboard
    /// at `links`, with the default retry policy.
    pub fn new(db: Database, transport: Transport, composer: Composer, links: Links) -> Self {
        Self {
            db,
            transport,
            composer,
            links,
            policy: DeliveryPolicy::default(),
        }
    }

    /// Connects, migrates and sets up the transport from the settings.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database_url).await?;
        db.migrate().await?;
        let transport = Transport::to(&config.mail, config.smtp_connections)?;
        let composer = Composer::new(config.mail_from.clone(), config.reply_to.clone());
        let mut worker = Self::new(db, transport, composer, Links::new(&config.public_url));
        // As many messages on their way as there are connections to carry them.
        worker.policy.in_flight = config.smtp_connections;
        Ok(worker)
    }

    /// Runs, for every organisation whose daily sweep is due at `now` (core's
    /// [`pmf_core::sweep_due`]: the local reminder time reached and that date not yet
    /// swept), that sweep. After downtime this is one sweep for today, not one per missed day.
    pub async fn run_due_sweeps(
        &self,
        now: DateTime<Utc>,
        mode: Mode,
    ) -> Result<Vec<(String, SweepOutcome)>, StoreError> {
        Ok(self.sweep_due_organisations(now, mode).await?.0)
    }

    /// `run_due_sweeps`, also returning the organisations whose sweep failed.
    async fn sweep_due_organisations(
        &self,
        now: DateTime<Utc>,
        mode: Mode,
    ) -> Result<SweepResults, StoreError> {
        // Councils are independent (each sweep is its own transaction under its own advisory
        // lock), so on PostgreSQL several are swept at once; SQLite has one writer anyway.
        let at_once = match self.db.kind {
            DbKind::Postgres => SWEEPS_AT_ONCE,
            DbKind::Sqlite => 1,
        };
        let mut due = Vec::new();
        let swept = reminders::last_swept_all(&self.db.conn).await?;
        for org in organisations::all_settings(&self.db.conn).await? {
            let last = swept.get(&org.id).copied();
            if let Some(date) = pmf_core::sweep_due(now, org.time_zone, org.reminder_time, last) {
                due.push((org, date));
            }
        }
        let due = Arc::new(due);
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut sweepers = tokio::task::JoinSet::new();
        for _ in 0..at_once.min(due.len()) {
            let (db, due, next) = (self.db.clone(), Arc::clone(&due), Arc::clone(&next));
            let links = self.links.clone();
            sweepers.spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((org, date)) = due.get(i) else {
                        return done;
                    };
                    done.push((
                        i,
                        reminders::sweep(&db, org, &links, *date, now, mode).await,
                    ));
                }
            });
        }
        let mut results = Vec::with_capacity(due.len());
        while let Some(joined) = sweepers.join_next().await {
            results.extend(joined.map_err(|e| {
                StoreError::Db(sea_orm::DbErr::Custom(format!("a sweep task stopped: {e}")))
            })?);
        }
        // In the organisations' order, whichever sweeper took each.
        results.sort_by_key(|(i, _)| *i);
        let mut out = Vec::new();
        let mut failed = Vec::new();
        for (i, result) in results {
            let (org, date) = &due[i];
            match result {
                Ok(outcome) => out.push((org.slug.clone(), outcome)),
                Err(e) => {
                    tracing::error!(organisation = %org.slug, %date, "daily sweep failed: {e}");
                    failed.push((org.slug.clone(), e.to_string()));
                }
            }
        }
        Ok((out, failed))
    }

    /// Delivers every due outbox row, batch by batch, until none is left or `stop` is set
    /// (checked before each message is started: messages in flight are always finished, the
    /// rest of the batch is released at once). Up to `policy.in_flight` messages are on
    /// their way at a time, over the SMTP transport's pooled connections: one at a time, a
    /// relay's round trips (and its delayed ACKs) cap delivery at a few dozen a second.
    pub async fn deliver_due(
        &self,
        clock: &dyn Clock,
        stop: &AtomicBool,
    ) -> Result<DeliveryReport, StoreError> {
        self.deliver(clock, None, stop).await
    }

    /// `deliver_due`; with `real_now`, also every message never tried written by then
    /// ([`outbox::Due::tick`]).
    async fn deliver(
        &self,
        clock: &dyn Clock,
        real_now: Option<DateTime<Utc>>,
        stop: &AtomicBool,
    ) -> Result<DeliveryReport, StoreError> {
        let mut report = DeliveryReport::default();
        let councils: HashMap<i64, String> = organisations::names(&self.db.conn).await?;
        let council = |row: &notification::Model| {
            councils
                .get(&row.organisation_id)
                .map_or("", String::as_str)
        };
        let in_flight_at_most = self.policy.in_flight.max(1);
        loop {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let due = match real_now {
                Some(real_now) => outbox::Due::tick(clock.now(), real_now),
                None => outbox::Due::at(clock.now()),
            };
            let rows = outbox::claim(&self.db, due, &self.policy).await?;
            if rows.is_empty() {
                break;
            }
            let mut waiting = rows.iter();
            let mut in_flight = FuturesUnordered::new();
            let mut stopped = false;
            loop {
                while in_flight.len() < in_flight_at_most && !stopped {
                    if stop.load(Ordering::SeqCst) {
                        stopped = true;
                        break;
                    }
                    match waiting.next() {
                        Some(row) => in_flight.push(self.deliver_one(row, council(row), clock)),
                        None => break,
                    }
                }
                match in_flight.next().await {
                    Some(delivered) => report.count(delivered?),
                    None => break,
                }
            }
            if stopped {
                let rest: Vec<i64> = waiting.map(|r| r.id).collect();
                outbox::release(&self.db, &rest).await?;
                report.released += rest.len();
                break;
            }
        }
        Ok(report)
    }

    async fn deliver_one(
        &self,
        row: &notification::Model,
        council: &str,
        clock: &dyn Clock,
    ) -> Result<Delivered, StoreError> {
        let message_id = self.composer.message_id(row.organisation_id, row.id);
        let result = match self.composer.compose(&outgoing(row), council) {
            Ok(message) => self.transport.send(message).await,
            Err(reason) => Err(SendError {
                message: reason,
                permanent: true,
            }),
        };
        let now = clock.now();
        match result {
            Ok(ack) => {
                outbox::mark_sent(&self.db, row.id, row.attempts, &message_id, now).await?;
                tracing::info!(
                    notification = row.id,
                    kind = %row.kind,
                    to = %row.recipient_email,
                    message_id = %message_id,
                    attempt = row.attempts + 1,
                    "sent: {ack}"
                );
                Ok(Delivered::Sent)
            }
            Err(e) => {
                match outbox::mark_failed(&self.db, row, &e.message, e.permanent, now, &self.policy)
                    .await?
                {
                    Failure::Retry(at) => {
                        tracing::warn!(
                            notification = row.id,
                            kind = %row.kind,
                            to = %row.recipient_email,
                            attempt = row.attempts + 1,
                            next_attempt_at = %at,
                            "not sent, will retry: {}",
                            e.message
                        );
                        Ok(Delivered::Failed)
                    }
                    Failure::Dead => {
                        tracing::error!(
                            notification = row.id,
                            kind = %row.kind,
                            to = %row.recipient_email,
                            attempt = row.attempts + 1,
                            "not sent, given up (DEAD): {}",
                            e.message
                        );
                        Ok(Delivered::Dead)
                    }
                }
            }
        }
    }

    /// Every sweep due at `at`, then delivery of everything due, all as if the time were
    /// `at` (the tests' simulated calendar): [`Worker::tick_command`] with the real time
    /// taken to be `at`.
    pub async fn tick(&self, at: DateTime<Utc>, dry_run: bool) -> Result<TickReport, StoreError> {
        self.tick_command(at, at, dry_run).await
    }

    /// `worker tick --at`: every sweep due at `at`, then delivery of everything due as if
    /// the time were `at`, and also of every message never tried that was written by
    /// `real_now` (the wall clock, passed in), so nothing written in real time waits for a
    /// simulated clock; a message already tried keeps its backoff. With `dry_run`, the
    /// sweeps are rolled back, nothing is sent, and the report lists what would have gone
    /// out, those messages included.
    pub async fn tick_command(
        &self,
        at: DateTime<Utc>,
        real_now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<TickReport, StoreError> {
        if dry_run {
            let (sweeps, failed_sweeps) = self.sweep_due_organisations(at, Mode::DryRun).await?;
            let mut would_send = Vec::new();
            for row in outbox::due(&self.db, outbox::Due::tick(at, real_now)).await? {
                would_send.push(self.preview(&row, true));
            }
            for (_, outcome) in &sweeps {
                for row in &outcome.messages {
                    would_send.push(self.preview(row, false));
                }
            }
            return Ok(TickReport {
                sweeps,
                delivery: DeliveryReport::default(),
                would_send,
                failed_sweeps,
            });
        }
        let (sweeps, failed_sweeps) = self.sweep_due_organisations(at, Mode::Commit).await?;
        let clock = FixedClock::new(at);
        let delivery = self
            .deliver(&clock, Some(real_now), &AtomicBool::new(false))
            .await?;
        Ok(TickReport {
            sweeps,
            delivery,
            would_send: vec![],
            failed_sweeps,
        })
    }

    fn preview(&self, row: &notification::Model, queued_before: bool) -> Preview {
        Preview {
            organisation_id: row.organisation_id,
            to: row.recipient_email.clone(),
            kind: row.kind.clone(),
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            queued_before,
        }
    }
}

/// An outbox row as the e-mail to send: its bodies as they were rendered and stored.
pub fn outgoing(row: &notification::Model) -> Outgoing<'_> {
    Outgoing {
        organisation_id: row.organisation_id,
        id: row.id,
        to: &row.recipient_email,
        subject: &row.subject,
        text: &row.body_text,
        html: &row.body_html,
    }
}

/// `worker run`: a tokio-cron-scheduler job every minute asks, for each organisation,
/// whether its daily sweep is due (the local-time decision is core's, not the scheduler's:
/// see STACK.md on time zones), and another delivers the outbox every `delivery_every_secs`.
/// When `shutdown` completes: no new job starts, the message in flight is finished, claimed
/// but unsent rows are released, and this returns.
pub async fn run(
    worker: Arc<Worker>,
    clock: Arc<dyn Clock>,
    delivery_every_secs: u32,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    use tokio_cron_scheduler::{Job, JobScheduler};
    let stop = Arc::new(AtomicBool::new(false));
    let sweeping = Arc::new(tokio::sync::Mutex::new(()));
    let delivering = Arc::new(tokio::sync::Mutex::new(()));

    let sweep = {
        let (worker, clock, stop, sweeping) = (
            worker.clone(),
            clock.clone(),
            stop.clone(),
            sweeping.clone(),
        );
        move || {
            let (worker, clock, stop, sweeping) = (
                worker.clone(),
                clock.clone(),
                stop.clone(),
                sweeping.clone(),
            );
            async move {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(_busy) = sweeping.try_lock() else {
                    return;
                };
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Err(e) = worker.run_due_sweeps(clock.now(), Mode::Commit).await {
                    tracing::error!("sweeps failed: {e}");
                }
            }
        }
    };
    let deliver = {
        let (worker, clock, stop, delivering) = (
            worker.clone(),
            clock.clone(),
            stop.clone(),
            delivering.clone(),
        );
        move || {
            let (worker, clock, stop, delivering) = (
                worker.clone(),
                clock.clone(),
                stop.clone(),
                delivering.clone(),
            );
            async move {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(_busy) = delivering.try_lock() else {
                    return;
                };
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                match worker.deliver_due(clock.as_ref(), &stop).await {
                    Ok(r) if r != DeliveryReport::default() => tracing::debug!(?r, "delivery"),
                    Ok(_) => {}
                    Err(e) => tracing::error!("delivery failed: {e}"),
                }
            }
        }
    };

    let scheduler_error =
        |e: tokio_cron_scheduler::JobSchedulerError| anyhow::anyhow!("scheduler: {e:?}");
    let mut scheduler = JobScheduler::new().await.map_err(scheduler_error)?;
    let every_minute = sweep.clone();
    scheduler
        .add(
            Job::new_async("0 * * * * *", move |_, _| Box::pin(every_minute()))
                .map_err(scheduler_error)?,
        )
        .await
        .map_err(scheduler_error)?;
    let every_few_seconds = deliver.clone();
    scheduler
        .add(
            Job::new_async(format!("*/{delivery_every_secs} * * * * *"), move |_, _| {
                Box::pin(every_few_seconds())
            })
            .map_err(scheduler_error)?,
        )
        .await
        .map_err(scheduler_error)?;
    tracing::info!(
        transport = %worker.transport.describe(),
        delivery_every_secs,
        "worker running: sweeps checked every minute"
    );
    scheduler.start().await.map_err(scheduler_error)?;
    // Catch up at once rather than at the next minute.
    tokio::spawn(sweep());
    tokio::spawn(deliver());

    shutdown.await;
    tracing::info!("stopping: finishing the message in flight");
    stop.store(true, Ordering::SeqCst);
    scheduler.shutdown().await.map_err(scheduler_error)?;
    let _sweep_done = sweeping.lock().await;
    let _delivery_done = delivering.lock().await;
    tracing::info!("stopped");
    Ok(())
}

pub use pmf_process::shutdown_signal;

#[cfg(test)]
mod tests {
    use super::*;
    use pmf_store::{entity::organisation, outbox::NewMessage, testing::FreshDb};
    use sea_orm::EntityTrait;

    async fn setup() -> (FreshDb, Database, i64) {
        let fresh = FreshDb::create().await;
        let db = Database::connect(&fresh.url).await.unwrap();
        db.migrate().await.unwrap();
        let slug = pmf_core::Slug::parse("fenland").unwrap();
        let email = pmf_core::Email::parse("perf@fenland.example").unwrap();
        let now = "2025-11-10T07:00:00Z".parse().unwrap();
        pmf_store::organisations::bootstrap(
            &db,
            "Fenland District Council",
            &slug,
            &email,
            "Pat",
            now,
        )
        .await
        .unwrap();
        let org = organisation::Entity::find()
            .one(&db.conn)
            .await
            .unwrap()
            .unwrap();
        (fresh, db, org.id)
    }

    fn message(org: i64, key: &str, to: &str) -> NewMessage {
        NewMessage {
            organisation_id: org,
            recipient_id: None,
            recipient_email: to.into(),
            kind: outbox::KIND_ALERT,
            dedupe_key: key.into(),
            subject: "Fenland District Council: RED: 1.1 Test, 2025-10".into(),
            // Sent as stored: text that looks like a placeholder is nobody's business.
            body_text: "Open https://perf.fenland.example/#/indicators/1 ({{PUBLIC_URL}})".into(),
            body_html: "<a href=\"https://perf.fenland.example/#/indicators/1\">1.1</a>".into(),
            status: outbox::PENDING,
        }
    }

    #[tokio::test]
    async fn delivery_builds_the_message_and_gives_up_at_once_on_a_bad_address() {
        let (_fresh, db, org) = setup().await;
        let now: DateTime<Utc> = "2025-11-10T08:00:00Z".parse().unwrap();
        outbox::enqueue(&db.conn, message(org, "a", "mo@fenland.example"), now)
            .await
            .unwrap();
        assert!(
            outbox::enqueue(&db.conn, message(org, "a", "mo@fenland.example"), now)
                .await
                .unwrap()
                .is_none(),
            "the same key twice is one message"
        );
        outbox::enqueue(&db.conn, message(org, "b", "not an address"), now)
            .await
            .unwrap();
        let (transport, sent) = Transport::memory();
        let composer = Composer::new(
            "Performance <performance@fenland.example>".parse().unwrap(),
            None,
        );
        let links = Links::new("https://perf.fenland.example");
        let worker = Worker::new(db.clone(), transport, composer, links);
        let report = worker.tick(now, false).await.unwrap();
        assert_eq!((report.delivery.sent, report.delivery.dead), (1, 1));
        let sent = sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to, ["mo@fenland.example"]);
        let raw = &sent[0].raw;
        assert!(raw.contains("Fenland District Council"), "{raw}");
        assert!(
            raw.contains("https://perf.fenland.example/#/indicators/1 ({{PUBLIC_URL}})"),
            "{raw}"
        );
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        let rows = notification::Entity::find().all(&db.conn).await.unwrap();
        let dead = rows.iter().find(|r| r.dedupe_key == "b").unwrap();
        assert_eq!(dead.status, "DEAD");
        assert!(
            dead.last_error.as_deref().unwrap().contains("not valid"),
            "{dead:?}"
        );
        let ok = rows.iter().find(|r| r.dedupe_key == "a").unwrap();
        assert_eq!(
            ok.message_id.as_deref(),
            Some(format!("<pmf.{org}.{}@fenland.example>", ok.id).as_str())
        );
    }
}
