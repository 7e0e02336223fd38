//! Part 4: outbox → lettre's pooled SMTP transport → an SMTP sink on 127.0.0.1, with the
//! worker's own delivery loop (`Worker::deliver_due`).
use std::{sync::atomic::AtomicBool, time::Instant};

use chrono::Utc;
use pmf_core::{FixedClock, Period, ReminderStage};
use pmf_store::{
    deadlines::Missing,
    entity::notification,
    messages::{self, ReminderLine},
    outbox,
};
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
                let period = Period::Month {
                    year: 2025,
                    month: 10,
                };
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
                    path: messages::indicator_path((i * 10 + k) as i64),
                    owner_name: None,
                }
            })
            .collect();
        let m = messages::reminder_digest(council, &format!("Officer {i}"), &lines, today);
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

pub async fn run(opts: &Options) -> anyhow::Result<()> {
    let bench = BenchDb::create(&opts.admin_url, "mail").await?;
    let db = bench.connect_migrated().await?;
    let server = pg::describe_server(&db).await;
    let now = data::deadline_morning();
    let council = data::council_dataset(0, 10, now.date_naive(), data::Completeness::default());
    pg::insert(&db, &council, now).await?;
    let org = pmf_store::admin::find_organisation(&db.conn, &council.organisation.slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the council was not inserted"))?;
    println!("Mail: queueing {} reminder digests …", opts.messages);
    pmf_store::demo::insert_chunked(&db.conn, digests(org.id, &org.name, opts.messages, now))
        .await?;
    pg::analyze(&db).await?;

    let sink = Sink::start()?;
    let transport = worker::Transport::smtp(&format!("smtp://{}", sink.addr))?;
    let composer = worker::Composer {
        from: "Performance <performance@council000.example>".parse()?,
        reply_to: None,
        public_url: "https://performance.council000.example".into(),
    };
    let w = worker::Worker::new(db.clone(), transport, composer);
    let clock = FixedClock::new(now);
    let load_average = proc::load_average();
    let cpu_before = proc::cpu_seconds(std::process::id());
    let started = Instant::now();
    let delivered = w.deliver_due(&clock, &AtomicBool::new(false)).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = proc::cpu_seconds(std::process::id())
        .zip(cpu_before)
        .map(|(b, a)| b - a);
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
    // Give the sink a moment to count the last message it acknowledged.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let received = sink.count();
    let avg_kb = sink.bytes.load(std::sync::atomic::Ordering::Relaxed) as f64
        / received.max(1) as f64
        / 1024.0;
    let rate = delivered.sent as f64 / seconds;

    let mut t = Table::new(
        "Mail delivery: outbox → lettre pooled SMTP → sink on 127.0.0.1 (one worker)",
        &[
            "queued",
            "sent",
            "failed",
            "received by the sink",
            "rows SENT",
            "time",
            "messages/s",
            "worker CPU/message",
            "avg size",
            "target ≥ 500/s",
            "load avg",
        ],
    );
    t.row(vec![
        opts.messages.to_string(),
        delivered.sent.to_string(),
        (delivered.failed + delivered.dead).to_string(),
        received.to_string(),
        sent_rows.to_string(),
        report::secs(seconds),
        format!("{rate:.0}"),
        cpu.map_or("?".into(), |c| {
            format!("{:.2} ms", c * 1000.0 / delivered.sent.max(1) as f64)
        }),
        format!("{avg_kb:.1} kB"),
        report::met(rate >= 500.0),
        load_average.map_or("?".into(), |l| format!("{l:.2}")),
    ]);
    println!("{}", t.render());
    println!("Worker CPU includes the sink's thread (same process). Server: {server}.");
    anyhow::ensure!(
        delivered.sent == opts.messages && received as usize == opts.messages,
        "not everything was delivered: {delivered:?}, sink received {received}"
    );
    drop(sink);
    Ok(())
}
