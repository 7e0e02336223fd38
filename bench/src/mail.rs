//! Part 4: outbox → lettre's pooled SMTP transport → an SMTP sink on 127.0.0.1, with the
//! worker's own delivery loop (`Worker::deliver_due`).
use std::{sync::atomic::AtomicBool, time::Instant};

use chrono::Utc;
use pmf_core::{FixedClock, Period, ReminderStage};
use pmf_mail::{Links, Page, ReminderLine};
use pmf_store::{deadlines::Missing, entity::notification, outbox};
use sea_orm::{ConnectionTrait, Set, Statement};

use crate::{
    data::{self, Rng},
    pg::{self, BenchDb},
    proc,
    report::{self, Table},
    smtp_sink::Sink,
};

#[derive(Debug, Clone)]
pub struct Options {
    pub admin_url: String,
    pub messages: usize,
}

/// `n` reminder digests of 1–6 lines, rendered by the same code as the sweep's.
fn digests(
    organisation_id: i64,
    council: &str,
    n: usize,
    now: chrono::DateTime<Utc>,
) -> Vec<notification::ActiveModel> {
    let today = now.date_naive();
    let mut rng = Rng::new(42);
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let lines: Vec<ReminderLine> = (0..1 + rng.below(6))
            .map(|k| {
                let period = Period::month(2025, 10).expect("a month");
                ReminderLine {
                    reference: format!("{}.{}", k % 6 + 1, i % 80 + 1),
                    title: format!("Indicator {} of officer {i}", k + 1),
                    period,
                    due_date: today,
                    extended: false,
                    missing: if rng.unit() < 0.8 {
                        Missing::Value
                    } else {
                        Missing::Commentary
                    },
                    stage: ReminderStage::DueToday,
                    page: Page::Indicator((i * 10 + k) as i64),
                    owner_name: None,
                    unowned: false,
                }
            })
            .collect();
        let m =
            pmf_mail::reminder_digest(&links(), council, &format!("Officer {i}"), &lines, today)
                .expect("the reminder template renders");
        rows.push(notification::ActiveModel {
            organisation_id: Set(organisation_id),
            recipient_id: Set(None),
            recipient_email: Set(format!("officer{i}@council000.example")),
            kind: Set(outbox::KIND_REMINDER.into()),
            dedupe_key: Set(format!("reminder:{organisation_id}:{today}:bench{i}")),
            subject: Set(m.subject),
            body_text: Set(m.text),
            body_html: Set(m.html),
            status: Set(outbox::PENDING.into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            message_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
    }
    rows
}

/// How a run delivered.
#[derive(Clone, Copy)]
enum Mode {
    /// `Worker::deliver_due`: the worker as it is (`outbox::IN_FLIGHT` messages in flight).
    Worker,
    /// The worker's own steps (claim, compose, send, mark sent) with `n` messages in flight
    /// over a pool of `n` connections (1: as the worker delivered before).
    InFlight(usize),
}

struct Run {
    label: String,
    sent: usize,
    failed: usize,
    received: u64,
    seconds: f64,
    cpu_ms_per_message: Option<f64>,
    avg_kb: f64,
    load_average: Option<f64>,
    foreign_cpu: f64,
    bounded: bool,
}

/// Puts every row back in the outbox, as queued.
async fn requeue(db: &pmf_store::Database, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    db.conn
        .execute_unprepared(&format!(
            "UPDATE notifications SET status = 'PENDING', attempts = 0, sent_at = NULL, \
             locked_until = NULL, message_id = NULL, last_error = NULL, next_attempt_at = '{}'",
            now.to_rfc3339()
        ))
        .await?;
    db.conn
        .execute_unprepared("VACUUM ANALYZE notifications")
        .await?;
    Ok(())
}

fn composer() -> anyhow::Result<worker::Composer> {
    Ok(worker::Composer::new(
        "Performance <performance@council000.example>".parse()?,
        None,
    ))
}

fn links() -> Links {
    Links::new("https://performance.council000.example")
}

/// Delivers what is queued through a sink, for at most `max_seconds`.
async fn deliver(
    db: &pmf_store::Database,
    now: chrono::DateTime<Utc>,
    label: &str,
    quick_ack: bool,
    mode: Mode,
    max_seconds: u64,
) -> anyhow::Result<Run> {
    use std::sync::{Arc, atomic::Ordering};
    let sink = Sink::start(quick_ack)?;
    let url = format!("smtp://{}", sink.addr);
    let clock = FixedClock::new(now);
    let stop = Arc::new(AtomicBool::new(false));
    let timer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(max_seconds)).await;
            stop.store(true, Ordering::SeqCst);
        })
    };
    let load_average = proc::load_average();
    let interference = proc::Interference::start();
    let cpu_before = proc::cpu_seconds(std::process::id());
    let started = Instant::now();
    let (sent, failed) = match mode {
        Mode::Worker => {
            let transport = worker::Transport::smtp(&url, outbox::IN_FLIGHT)?;
            let w = worker::Worker::new(db.clone(), transport, composer()?, links());
            let r = w.deliver_due(&clock, &stop).await?;
            (r.sent, r.failed + r.dead)
        }
        Mode::InFlight(n) => {
            use lettre::{
                AsyncSmtpTransport, AsyncTransport, Tokio1Executor, transport::smtp::PoolConfig,
            };
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)?
                .timeout(Some(pmf_mail::SMTP_TIMEOUT))
                .pool_config(PoolConfig::new().max_size(n as u32))
                .build();
            let composer = composer()?;
            let policy = outbox::DeliveryPolicy {
                batch: (2 * n) as u64,
                ..Default::default()
            };
            let (mut sent, mut failed) = (0, 0);
            while !stop.load(Ordering::SeqCst) {
                let rows = outbox::claim_due(db, now, &policy).await?;
                if rows.is_empty() {
                    break;
                }
                let mut tasks = tokio::task::JoinSet::new();
                let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
                let rows = Arc::new(rows);
                for _ in 0..n {
                    let (db, transport, composer, rows, next) = (
                        db.clone(),
                        transport.clone(),
                        composer.clone(),
                        rows.clone(),
                        next.clone(),
                    );
                    tasks.spawn(async move {
                        let (mut ok, mut bad) = (0, 0);
                        while let Some(row) = rows.get(next.fetch_add(1, Ordering::Relaxed)) {
                            let message = composer
                                .compose(&worker::outgoing(row), "Council 000")
                                .map_err(anyhow::Error::msg)?;
                            match transport.send(message).await {
                                Ok(_) => {
                                    let id = composer.message_id(row.organisation_id, row.id);
                                    outbox::mark_sent(&db, row.id, row.attempts, &id, now).await?;
                                    ok += 1;
                                }
                                Err(_) => bad += 1,
                            }
                        }
                        anyhow::Ok((ok, bad))
                    });
                }
                while let Some(joined) = tasks.join_next().await {
                    let (ok, bad) = joined??;
                    sent += ok;
                    failed += bad;
                }
            }
            (sent, failed)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let foreign_cpu = interference.finish();
    timer.abort();
    let cpu = proc::cpu_seconds(std::process::id())
        .zip(cpu_before)
        .map(|(b, a)| b - a);
    // Give the sink a moment to count the last message it acknowledged.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let received = sink.count();
    let avg_kb = sink.bytes.load(Ordering::Relaxed) as f64 / received.max(1) as f64 / 1024.0;
    println!(
        "  {label}: {sent} sent in {seconds:.1} s = {:.0}/s",
        sent as f64 / seconds
    );
    Ok(Run {
        label: label.into(),
        sent,
        failed,
        received,
        seconds,
        cpu_ms_per_message: cpu.map(|c| c * 1000.0 / sent.max(1) as f64),
        avg_kb,
        load_average,
        foreign_cpu,
        bounded: stop.load(Ordering::SeqCst),
    })
}

pub async fn run(opts: &Options) -> anyhow::Result<()> {
    let bench = BenchDb::create(&opts.admin_url, "mail").await?;
    let db = bench.connect_migrated().await?;
    let server = pg::describe_server(&db).await;
    let now = data::deadline_morning();
    let council = data::council_dataset(0, 10, now.date_naive(), data::Completeness::default());
    pg::insert(&db, &council, now).await?;
    let org = pmf_store::organisations::by_slug(&db.conn, &council.organisation.slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the council was not inserted"))?;
    println!("Mail: queueing {} reminder digests …", opts.messages);
    pmf_store::demo::insert_chunked(&db.conn, digests(org.id, &org.name, opts.messages, now))
        .await?;
    pg::analyze(&db).await?;

    let mut runs = Vec::new();
    for (label, quick_ack, mode, max_seconds) in [
        (
            "worker (32 in flight); sink with Linux's delayed ACK (like a Postfix relay)",
            false,
            Mode::Worker,
            120,
        ),
        (
            "worker (32 in flight); sink that ACKs at once (as if lettre set TCP_NODELAY)",
            true,
            Mode::Worker,
            120,
        ),
        (
            "one at a time (the worker before); delayed-ACK sink",
            false,
            Mode::InFlight(1),
            30,
        ),
        (
            "one at a time; sink that ACKs at once",
            true,
            Mode::InFlight(1),
            60,
        ),
    ] {
        requeue(&db, now).await?;
        runs.push(deliver(&db, now, label, quick_ack, mode, max_seconds).await?);
    }
    let sent_rows: i64 = db
        .conn
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT count(*) AS n FROM notifications WHERE status = 'SENT'".to_string(),
        ))
        .await?
        .map(|r| r.try_get("", "n"))
        .transpose()?
        .unwrap_or_default();

    let mut t = Table::new(
        &format!(
            "Mail delivery: {} queued reminder digests → lettre pooled SMTP → sink on 127.0.0.1",
            opts.messages
        ),
        &[
            "how",
            "sent",
            "failed",
            "received by the sink",
            "time",
            "messages/s",
            "harness CPU/message",
            "avg size",
            "target ≥ 500/s",
            "load avg before",
            "others' build CPU",
        ],
    );
    for r in &runs {
        let rate = r.sent as f64 / r.seconds;
        t.row(vec![
            r.label.clone(),
            r.sent.to_string(),
            r.failed.to_string(),
            r.received.to_string(),
            format!(
                "{}{}",
                report::secs(r.seconds),
                if r.bounded { " (time bound)" } else { "" }
            ),
            format!("{rate:.0}"),
            r.cpu_ms_per_message
                .map_or("?".into(), |c| format!("{c:.2} ms")),
            format!("{:.1} kB", r.avg_kb),
            report::met(rate >= 500.0),
            r.load_average.map_or("?".into(), |l| format!("{l:.2}")),
            format!("{:.1} s", r.foreign_cpu),
        ]);
    }
    println!("{}", t.render());
    println!(
        "Rows SENT after the last run: {sent_rows}. Harness CPU includes the sink's thread (same process). Server: {server}."
    );
    for r in &runs {
        anyhow::ensure!(r.failed == 0, "{}: {} failed", r.label, r.failed);
        anyhow::ensure!(
            r.bounded || (r.sent == opts.messages && r.received as usize == opts.messages),
            "{}: not everything was delivered ({} sent, {} received)",
            r.label,
            r.sent,
            r.received
        );
    }
    Ok(())
}
