//! Part 3: the daily reminder sweep at national scale. Councils are added 100 at a time
//! (each a `council_dataset` loaded by `pmf_store::demo::insert`); at each scale the sweeps
//! of the Friday before (`DUE_SOON`) and of the deadline morning run in a child process of
//! their own (`pmf-bench sweep-once`), which reports its time and its peak RSS.
use std::{path::Path, process::Command, time::Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use pmf_store::Database;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{
    data,
    pg::{self, BenchDb},
    proc,
    report::{self, Table},
};

#[derive(Debug, Clone)]
pub struct Options {
    pub admin_url: String,
    pub scales: Vec<usize>,
    pub indicators: usize,
    /// Councils loaded at once.
    pub loaders: usize,
}

async fn count(db: &Database, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), sql.to_string()))
        .await?
        .context("no row")?;
    Ok(row.try_get("", "n")?)
}

/// Loads councils `from..to` (`loaders` at a time, each in its own transaction).
async fn add_councils(
    db: &Database,
    from: usize,
    to: usize,
    indicators: usize,
    loaders: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let today = data::deadline_morning().date_naive();
    let now = data::deadline_morning();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(from));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..loaders.max(1) {
        let (db, next) = (db.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= to {
                    return Ok::<(), anyhow::Error>(());
                }
                let dataset =
                    data::council_dataset(n, indicators, today, data::Completeness::default());
                pg::insert(&db, &dataset, now)
                    .await
                    .with_context(|| format!("council {n}"))?;
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// What one sweep child reported.
#[derive(Debug, Clone, Default)]
pub struct SweepRun {
    pub seconds: f64,
    pub peak_mib: f64,
    pub organisations: usize,
    pub messages: usize,
}

fn sweep_child(bin: &Path, url: &str, at: DateTime<Utc>) -> anyhow::Result<SweepRun> {
    let output = Command::new(bin)
        .args(["sweep-once", "--url", url, "--at", &at.to_rfc3339()])
        .env("RUST_LOG", "warn")
        .output()
        .context("running pmf-bench sweep-once")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "sweep-once failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("no report line")?;
    let v: Value = serde_json::from_str(line)?;
    Ok(SweepRun {
        seconds: v["seconds"].as_f64().unwrap_or_default(),
        peak_mib: v["peak_mib"].as_f64().unwrap_or_default(),
        organisations: v["organisations"].as_u64().unwrap_or_default() as usize,
        messages: v["messages"].as_u64().unwrap_or_default() as usize,
    })
}

/// The child: every due sweep at `at`, committed, as `worker run` would do it (no delivery).
pub async fn sweep_once(url: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    let db = Database::connect(url).await?;
    let (transport, _) = worker::Transport::memory();
    let composer = worker::Composer {
        from: "Performance <performance@localhost>".parse()?,
        reply_to: None,
        public_url: "http://127.0.0.1:8080".into(),
    };
    let w = worker::Worker::new(db, transport, composer);
    let rss_before = proc::status_mib(std::process::id(), "VmRSS").unwrap_or_default();
    let started = Instant::now();
    let sweeps = w
        .run_due_sweeps(at, pmf_store::reminders::Mode::Commit)
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let messages: usize = sweeps.iter().map(|(_, o)| o.messages.len()).sum();
    let report = json!({
        "seconds": seconds,
        "peak_mib": proc::status_mib(std::process::id(), "VmHWM").unwrap_or_default(),
        "rss_before_mib": rss_before,
        "organisations": sweeps.len(),
        "messages": messages,
    });
    println!("{report}");
    Ok(())
}

/// Forgets every sweep so the next scale starts from the same point.
async fn reset_sweeps(db: &Database) -> anyhow::Result<()> {
    db.conn
        .execute_unprepared(
            "TRUNCATE notification_items, notifications, sweep_runs RESTART IDENTITY",
        )
        .await?;
    Ok(())
}

pub async fn run(opts: &Options, me: &Path) -> anyhow::Result<()> {
    let bench = BenchDb::create(&opts.admin_url, "sweep").await?;
    let db = bench.connect_migrated().await?;
    let server = pg::describe_server(&db).await;
    let mut table = Table::new(
        "Reminder sweep, one worker, PostgreSQL",
        &[
            "councils",
            "indicators",
            "values stored",
            "outstanding items¹",
            "Fri 7 Nov (DUE_SOON): time",
            "messages",
            "Mon 10 Nov 08:00 (deadline): time",
            "messages",
            "peak RSS",
            "load avg",
        ],
    );
    let mut loaded = 0;
    let mut scales = opts.scales.clone();
    scales.sort_unstable();
    for &scale in &scales {
        println!(
            "Sweep: loading councils {loaded}..{scale} ({} indicators each) …",
            opts.indicators
        );
        let seconds = add_councils(&db, loaded, scale, opts.indicators, opts.loaders).await?;
        loaded = scale;
        pg::analyze(&db).await?;
        println!("  loaded in {seconds:.0} s");
        reset_sweeps(&db).await?;
        let values = count(&db, "SELECT count(*) AS n FROM measurements").await?;
        let indicators = count(&db, "SELECT count(*) AS n FROM indicators").await?;
        let load_average = proc::load_average();
        let friday = sweep_child(me, &bench.url, data::due_soon_morning())?;
        println!(
            "  DUE_SOON sweep: {:.2} s, {} messages, peak {:.0} MiB",
            friday.seconds, friday.messages, friday.peak_mib
        );
        let monday = sweep_child(me, &bench.url, data::deadline_morning())?;
        anyhow::ensure!(
            friday.organisations == scale && monday.organisations == scale,
            "expected {scale} councils swept, got {} and {}",
            friday.organisations,
            monday.organisations
        );
        println!(
            "  deadline sweep: {:.2} s, {} messages, peak {:.0} MiB",
            monday.seconds, monday.messages, monday.peak_mib
        );
        let outstanding = count(
            &db,
            "SELECT count(DISTINCT (item_kind, item_id, period)) AS n FROM notification_items WHERE stage <> 'DIGEST'",
        )
        .await?;
        table.row(vec![
            scale.to_string(),
            indicators.to_string(),
            values.to_string(),
            outstanding.to_string(),
            report::secs(friday.seconds),
            friday.messages.to_string(),
            report::secs(monday.seconds),
            monday.messages.to_string(),
            report::mib(friday.peak_mib.max(monday.peak_mib)),
            load_average.map_or("?".into(), |l| format!("{l:.2}")),
        ]);
    }
    println!("{}", table.render());
    println!("¹ distinct (item, period) pairs that were reminded or escalated by the two sweeps.");
    if let Some(last) = table.rows.last() {
        println!(
            "Target at 400 councils: ≤ 2 s and ≤ 200 MB per sweep (see the last row: {} / {}).",
            last[6], last[8]
        );
    }
    println!("Server: {server}.");
    Ok(())
}
