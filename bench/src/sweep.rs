//! Part 3: the daily reminder sweep at national scale. Councils are added 100 at a time
//! (each a `council_dataset` loaded by `pmf_store::demo::insert`); at each scale every
//! council's outstanding items are derived once as of the Thursday (what the first sweep
//! after the upgrade does), then the sweeps of the Friday before (`DUE_SOON`, which adds the
//! items falling due on the Monday) and of the deadline morning run, each in a child process
//! of its own (`pmf-bench sweep-once`), which reports its time and its peak RSS.
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
    /// `--json FILE`: every row written there too.
    pub json: Option<std::path::PathBuf>,
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
pub async fn add_councils(
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
    pub statements: u64,
    pub cpu_seconds: f64,
}

fn sweep_child(
    bin: &Path,
    url: &str,
    at: DateTime<Utc>,
    parallel: usize,
) -> anyhow::Result<SweepRun> {
    child(bin, url, at, parallel, false)
}

/// The child that only derives every council's outstanding items as of `at`.
fn derive_child(
    bin: &Path,
    url: &str,
    at: DateTime<Utc>,
    parallel: usize,
) -> anyhow::Result<SweepRun> {
    child(bin, url, at, parallel, true)
}

fn child(
    bin: &Path,
    url: &str,
    at: DateTime<Utc>,
    parallel: usize,
    derive_only: bool,
) -> anyhow::Result<SweepRun> {
    let mut command = Command::new(bin);
    command
        .args([
            "sweep-once",
            "--url",
            url,
            "--at",
            &at.to_rfc3339(),
            "--parallel",
        ])
        .arg(parallel.to_string());
    if derive_only {
        command.arg("--derive-only");
    }
    let output = command
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
        statements: v["statements"].as_u64().unwrap_or_default(),
        cpu_seconds: v["cpu_seconds"].as_f64().unwrap_or_default(),
    })
}

/// The child: every due sweep at `at`, committed (no delivery). With `parallel` 0 exactly as
/// `worker run` does it (`Worker::run_due_sweeps`: `worker::SWEEPS_AT_ONCE` councils at a
/// time on PostgreSQL); otherwise the same per-council function
/// (`pmf_store::reminders::sweep`, each council its own transaction and advisory lock) for
/// `parallel` councils at a time (1: as the worker did before).
/// The dashboard the benchmark's messages link to.
fn links() -> pmf_mail::Links {
    pmf_mail::Links::new("http://127.0.0.1:8080")
}

pub async fn sweep_once(
    url: &str,
    at: DateTime<Utc>,
    parallel: usize,
    derive_only: bool,
) -> anyhow::Result<()> {
    use pmf_store::{
        OrganisationSettings,
        entity::organisation,
        reminders::{self, Mode},
    };
    use sea_orm::EntityTrait;
    let db = Database::connect(url).await?;
    let rss_before = proc::status_mib(std::process::id(), "VmRSS").unwrap_or_default();
    let started = Instant::now();
    let (organisations, messages) = if derive_only {
        (derive_all(&db, at, parallel.max(1)).await?, 0)
    } else if parallel == 0 {
        let (transport, _) = worker::Transport::memory();
        let composer = worker::Composer::new("Performance <performance@localhost>".parse()?, None);
        let w = worker::Worker::new(db.clone(), transport, composer, links());
        let sweeps = w.run_due_sweeps(at, Mode::Commit).await?;
        let messages: usize = sweeps.iter().map(|(_, o)| o.queued).sum();
        (sweeps.len(), messages)
    } else {
        let orgs: Vec<OrganisationSettings> = organisation::Entity::find()
            .all(&db.conn)
            .await?
            .iter()
            .map(OrganisationSettings::try_from)
            .collect::<Result<_, _>>()?;
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let orgs = std::sync::Arc::new(orgs);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..parallel {
            let (db, next, orgs) = (db.clone(), next.clone(), orgs.clone());
            tasks.spawn(async move {
                let (mut swept, mut messages) = (0, 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(org) = orgs.get(i) else {
                        return Ok::<_, anyhow::Error>((swept, messages));
                    };
                    let last = reminders::last_swept(&db.conn, org.id).await?;
                    let Some(date) =
                        pmf_core::sweep_due(at, org.time_zone, org.reminder_time, last)
                    else {
                        continue;
                    };
                    let outcome =
                        reminders::sweep(&db, org, &links(), date, at, Mode::Commit).await?;
                    swept += 1;
                    messages += outcome.queued;
                }
            });
        }
        let (mut swept, mut messages) = (0, 0);
        while let Some(joined) = tasks.join_next().await {
            let (s, m) = joined??;
            swept += s;
            messages += m;
        }
        (swept, messages)
    };
    let seconds = started.elapsed().as_secs_f64();
    let report = json!({
        "seconds": seconds,
        "peak_mib": proc::status_mib(std::process::id(), "VmHWM").unwrap_or_default(),
        "rss_before_mib": rss_before,
        "organisations": organisations,
        "messages": messages,
        "statements": db.statements_executed(),
        "cpu_seconds": proc::cpu_seconds(std::process::id()).unwrap_or_default(),
    });
    println!("{report}");
    Ok(())
}

/// Derives every council's outstanding items up to three days after `at` (as a sweep at
/// `at` does before it reads), `parallel` councils at a time, each in its own transaction.
async fn derive_all(db: &Database, at: DateTime<Utc>, parallel: usize) -> anyhow::Result<usize> {
    use pmf_store::entity::organisation;
    use sea_orm::EntityTrait;
    let ids: Vec<i64> = organisation::Entity::find()
        .all(&db.conn)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let through = at.date_naive() + chrono::Days::new(3);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ids = std::sync::Arc::new(ids);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..parallel {
        let (db, next, ids) = (db.clone(), next.clone(), ids.clone());
        tasks.spawn(async move {
            let mut derived = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&id) = ids.get(i) else {
                    return Ok::<_, anyhow::Error>(derived);
                };
                let txn = db.begin_write().await?;
                pmf_store::outstanding::derive_through(&txn, id, through).await?;
                txn.commit().await?;
                derived += 1;
            }
        });
    }
    let mut derived = 0;
    while let Some(joined) = tasks.join_next().await {
        derived += joined??;
    }
    Ok(derived)
}

/// Forgets every sweep, and every council's kept outstanding items, so the next scale
/// starts from the same point (a database from before outstanding items were kept).
pub async fn reset_sweeps(db: &Database) -> anyhow::Result<()> {
    db.conn
        .execute_unprepared(
            "TRUNCATE notification_items, notifications, sweep_runs, outstanding_items RESTART IDENTITY",
        )
        .await?;
    db.conn
        .execute_unprepared("UPDATE outstanding_derived SET through = NULL")
        .await?;
    Ok(())
}

pub async fn run(opts: &Options, me: &Path) -> anyhow::Result<()> {
    let bench = BenchDb::create(&opts.admin_url, "sweep").await?;
    let db = bench.connect_migrated().await?;
    let server = pg::describe_server(&db).await;
    let mut table = Table::new(
        "Reminder sweep on PostgreSQL: every council's daily sweep, one process",
        &[
            "councils",
            "values stored",
            "how",
            "derived once (Thu 6 Nov)",
            "Fri 7 Nov 08:00 (DUE_SOON)",
            "messages",
            "Mon 10 Nov 08:00 (deadline)",
            "messages",
            "statements (Mon)",
            "sweep CPU (Mon)",
            "peak RSS",
            "load avg before",
            "others' build CPU",
        ],
    );
    let mut json_rows = Vec::new();
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
        let values = count(&db, "SELECT count(*) AS n FROM measurements").await?;
        for (how, parallel) in [
            ("worker (4 councils at a time)", 0),
            ("one council after another", 1),
        ] {
            reset_sweeps(&db).await?;
            // Let autovacuum and the checkpointer settle after the load or the last run.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            let load_average = proc::load_average();
            let interference = proc::Interference::start();
            let derived = derive_child(
                me,
                &bench.url,
                data::derived_morning(),
                if parallel == 0 { 4 } else { parallel },
            )?;
            let friday = sweep_child(me, &bench.url, data::due_soon_morning(), parallel)?;
            let monday = sweep_child(me, &bench.url, data::deadline_morning(), parallel)?;
            let foreign_cpu = interference.finish();
            anyhow::ensure!(
                friday.organisations == scale && monday.organisations == scale,
                "expected {scale} councils swept, got {} and {}",
                friday.organisations,
                monday.organisations
            );
            println!(
                "  {how}: derived once {:.2} s, Friday {:.2} s ({} messages), Monday {:.2} s ({} messages, {} statements), peak {:.0} MiB",
                derived.seconds,
                friday.seconds,
                friday.messages,
                monday.seconds,
                monday.messages,
                monday.statements,
                monday.peak_mib
            );
            json_rows.push(serde_json::json!({
                "benchmark": "sweep",
                "councils": scale,
                "indicators_per_council": opts.indicators,
                "values_stored": values,
                "how": how,
                "derived_once_seconds": derived.seconds,
                "derived_once_statements": derived.statements,
                "derived_once_peak_rss_mib": derived.peak_mib,
                "due_soon_seconds": friday.seconds,
                "due_soon_statements": friday.statements,
                "due_soon_messages": friday.messages,
                "deadline_seconds": monday.seconds,
                "deadline_messages": monday.messages,
                "deadline_statements": monday.statements,
                "deadline_cpu_seconds": monday.cpu_seconds,
                "peak_rss_mib": friday.peak_mib.max(monday.peak_mib),
                "load_average_before": load_average,
                "others_build_cpu_seconds": foreign_cpu,
                "database": server,
            }));
            table.row(vec![
                scale.to_string(),
                values.to_string(),
                how.into(),
                report::secs(derived.seconds),
                report::secs(friday.seconds),
                friday.messages.to_string(),
                report::secs(monday.seconds),
                monday.messages.to_string(),
                monday.statements.to_string(),
                report::secs(monday.cpu_seconds),
                report::mib(friday.peak_mib.max(monday.peak_mib)),
                load_average.map_or("?".into(), |l| format!("{l:.2}")),
                format!("{foreign_cpu:.1} s"),
            ]);
        }
    }
    println!("{}", table.render());
    if let Some(path) = &opts.json {
        report::write_json(path, &json_rows)?;
    }
    if let Some(last) = table.rows.iter().rev().find(|r| r[2].starts_with("worker")) {
        println!(
            "Target at 400 councils: ≤ 2 s and ≤ 200 MB per sweep; measured at {} councils: {} and {}.",
            last[0], last[6], last[10]
        );
    }
    // Where the time goes, on the largest data set, after the Friday sweep.
    reset_sweeps(&db).await?;
    derive_child(me, &bench.url, data::derived_morning(), 4)?;
    sweep_child(me, &bench.url, data::due_soon_morning(), 0)?;
    println!(
        "{}",
        phases(&bench.url, data::deadline_morning()).await?.render()
    );
    println!("Server: {server}.");
    Ok(())
}

/// Where a sweep's time goes: reading the kept outstanding items (`outstanding::due_between`,
/// the sweep's read side) for every council, against deriving them from scratch
/// (`deadlines::outstanding`, which the sweep did before they were kept) and the whole sweep
/// (run as a dry run, so it can be repeated: everything it writes is rolled back).
pub async fn phases(url: &str, at: DateTime<Utc>) -> anyhow::Result<Table> {
    use pmf_store::{OrganisationSettings, entity::organisation};
    use sea_orm::EntityTrait;
    let db = Database::connect(url).await?;
    let orgs: Vec<OrganisationSettings> = organisation::Entity::find()
        .all(&db.conn)
        .await?
        .iter()
        .map(OrganisationSettings::try_from)
        .collect::<Result<_, _>>()?;
    let date = at.date_naive();
    let from = date - chrono::Days::new(3 * 366);
    let to = date + chrono::Days::new(3);
    let me = std::process::id();
    let cpu = || proc::cpu_seconds(me).unwrap_or_default();
    let mut t = Table::new(
        &format!("Where a sweep's time goes ({} councils, {at})", orgs.len()),
        &[
            "phase",
            "wall",
            "CPU of this process",
            "statements",
            "items",
        ],
    );
    let (started, c, s) = (Instant::now(), cpu(), db.statements_executed());
    let mut items = 0;
    let mut missing = 0;
    for org in &orgs {
        let due = pmf_store::deadlines::outstanding(&db, org, from, to).await?;
        items += due.len();
        missing += due.iter().filter(|i| i.missing.is_some()).count();
    }
    t.row(vec![
        "deadlines::outstanding (derived from scratch), every council".into(),
        report::secs(started.elapsed().as_secs_f64()),
        report::secs(cpu() - c),
        (db.statements_executed() - s).to_string(),
        format!("{items} outstanding ({missing} missing)"),
    ]);
    let (started, c, s) = (Instant::now(), cpu(), db.statements_executed());
    let mut kept = 0;
    for org in &orgs {
        kept += pmf_store::outstanding::due_between(&db.conn, org, from, to)
            .await?
            .len();
    }
    t.row(vec![
        "outstanding::due_between (kept rows), every council".into(),
        report::secs(started.elapsed().as_secs_f64()),
        report::secs(cpu() - c),
        (db.statements_executed() - s).to_string(),
        format!("{kept} outstanding"),
    ]);
    let (transport, _) = worker::Transport::memory();
    let composer = worker::Composer::new("Performance <performance@localhost>".parse()?, None);
    let w = worker::Worker::new(db.clone(), transport, composer, links());
    let (started, c, s) = (Instant::now(), cpu(), db.statements_executed());
    let sweeps = w
        .run_due_sweeps(at, pmf_store::reminders::Mode::DryRun)
        .await?;
    let messages: usize = sweeps.iter().map(|(_, o)| o.queued).sum();
    t.row(vec![
        "whole sweep (dry run: written, then rolled back)".into(),
        report::secs(started.elapsed().as_secs_f64()),
        report::secs(cpu() - c),
        (db.statements_executed() - s).to_string(),
        format!("{messages} messages"),
    ]);
    Ok(t)
}
