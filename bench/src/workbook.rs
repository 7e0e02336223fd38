//! Issue 16's scale: a council moving in with 500 monthly indicators and ten years of
//! values (60,000 values, 5,000 annual targets) imported from one workbook, then exported.
//! Prints a Markdown table: import and export seconds and the process's peak RSS, on
//! PostgreSQL (a database of its own) and on SQLite (a temporary file).
use std::time::Instant;

use api::workbook::write::{Out, SheetRows};
use chrono::{DateTime, Utc};
use pmf_core::layout;

pub struct Options {
    pub admin_url: String,
    pub indicators: usize,
    pub years: usize,
}

/// The workbook: one plan, ten priorities, 50 owners, `indicators` monthly PERCENT
/// indicators, an annual target per year and a value per month.
pub fn workbook(opts: &Options) -> anyhow::Result<Vec<u8>> {
    let first_year = 2026 - opts.years as i32;
    let plan = "Corporate Plan";
    let start = chrono::NaiveDate::from_ymd_opt(first_year, 4, 1).unwrap_or_default();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default();
    let plans = vec![vec![
        plan.into(),
        "Corporate plan".into(),
        Out::Date(start),
        Out::Date(end),
    ]];
    let priorities = (0..10)
        .map(|p| {
            vec![
                plan.into(),
                format!("P{p}").into(),
                format!("Priority {p}").into(),
            ]
        })
        .collect();
    let users = (0..50)
        .map(|u| {
            vec![
                format!("owner{u}@bench.example").into(),
                format!("Owner {u}").into(),
                "Officer".into(),
            ]
        })
        .collect();
    let mut indicators = Vec::new();
    let mut targets = Vec::new();
    let mut values = Vec::new();
    for i in 0..opts.indicators {
        let reference = format!("KPI{i:04}");
        indicators.push(vec![
            reference.clone().into(),
            format!("Indicator {i}").into(),
            plan.into(),
            format!("P{}", i % 10).into(),
            format!("owner{}@bench.example", i % 50).into(),
            Out::Empty,
            Out::Empty,
            "Percent".into(),
            Out::Empty,
            if i % 2 == 0 {
                "Higher is better"
            } else {
                "Lower is better"
            }
            .into(),
            "Monthly".into(),
        ]);
        for y in 0..opts.years as i32 {
            let fy = first_year + y;
            targets.push(vec![
                reference.clone().into(),
                format!("{fy}-{:02}", (fy + 1) % 100).into(),
                Out::Number(90.0),
            ]);
            for m in 0..12 {
                let (year, month) = if m < 9 { (fy, m + 4) } else { (fy + 1, m - 8) };
                values.push(vec![
                    reference.clone().into(),
                    format!("{year}-{month:02}").into(),
                    Out::Number(80.0 + ((i * 7 + m as usize * 3 + y as usize) % 20) as f64),
                ]);
            }
        }
    }
    let sheets = [
        (&layout::PLANS, plans),
        (&layout::PRIORITIES, priorities),
        (&layout::USERS, users),
        (&layout::INDICATORS, indicators),
        (&layout::TARGETS, targets),
        (&layout::VALUES, values),
    ]
    .into_iter()
    .map(|(layout, rows)| SheetRows { layout, rows })
    .collect::<Vec<_>>();
    Ok(api::workbook::write::workbook(&sheets, None)?)
}

fn peak_rss_mib() -> f64 {
    crate::proc::status_mib(std::process::id(), "VmHWM").unwrap_or(0.0)
}

async fn measure(
    label: &str,
    db: &pmf_store::Database,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let slug = pmf_core::Slug::parse("bench-council")?;
    let email = pmf_core::Email::parse("admin@bench.example")?;
    let done =
        pmf_store::organisations::bootstrap(db, "Bench Council", &slug, &email, "Admin", now)
            .await?;
    let org = pmf_store::OrganisationSettings::try_from(&done.organisation)?;
    let started = Instant::now();
    let report = api::workbook::import_file(
        db,
        &org,
        "http://bench.example",
        now,
        api::workbook::ImportRequest {
            file_name: "bench.xlsx",
            bytes,
            sheet: None,
            dry_run: false,
            user: Some(&done.admin),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let import = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.ok,
        "the import found problems: {:?}",
        &report.problems[..report.problems.len().min(5)]
    );
    let rss = peak_rss_mib();
    let started = Instant::now();
    let again = api::workbook::import_file(
        db,
        &org,
        "http://bench.example",
        now,
        api::workbook::ImportRequest {
            file_name: "bench.xlsx",
            bytes,
            sheet: None,
            dry_run: false,
            user: Some(&done.admin),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let second = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        again
            .counts
            .iter()
            .all(|c| c.created == 0 && c.updated == 0),
        "the second import changed rows"
    );
    let started = Instant::now();
    let exported = api::workbook::export::xlsx(db, &org, pmf_store::Audience::SignedIn).await?;
    let export = started.elapsed().as_secs_f64();
    Ok(format!(
        "| {label} | {import:.2} | {second:.2} | {export:.2} | {:.1} | {rss:.0} |",
        exported.len() as f64 / 1_048_576.0
    ))
}

pub async fn run(opts: &Options) -> anyhow::Result<()> {
    let now: DateTime<Utc> = "2026-05-01T09:00:00Z".parse()?;
    let started = Instant::now();
    let bytes = workbook(opts)?;
    println!(
        "Workbook: {} indicators × {} years of monthly values ({} values, {} targets), {:.1} MiB, written in {:.1} s",
        opts.indicators,
        opts.years,
        opts.indicators * opts.years * 12,
        opts.indicators * opts.years,
        bytes.len() as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    println!();
    println!(
        "| database | import (s) | second import, unchanged (s) | export with Results (s) | export (MiB) | peak RSS of the process (MiB) |"
    );
    println!("|---|---|---|---|---|---|");
    let bench = crate::pg::BenchDb::create(&opts.admin_url, "workbook").await?;
    let db = bench.connect_migrated().await?;
    println!("{}", measure("PostgreSQL", &db, &bytes, now).await?);
    db.conn.close_by_ref().await.ok();
    drop(bench);
    let path = std::env::temp_dir().join(format!("pmf-bench-workbook-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = pmf_store::Database::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
    db.migrate().await?;
    let line = measure("SQLite", &db, &bytes, now).await;
    db.conn.close_by_ref().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    println!("{}", line?);
    Ok(())
}
