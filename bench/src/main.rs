//! `pmf-bench`: the benchmarks of BENCHMARKS.md. Each command creates what it measures (a
//! fresh PostgreSQL database next to `--database-url`, dropped at the end), stops everything
//! it started, and prints Markdown tables. Build with `--release` (scripts/bench does).
mod dashboard;
mod data;
mod load;
mod mail;
mod pg;
mod proc;
mod report;
mod smtp_sink;
mod soak;
mod sweep;
mod workbook;

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pmf-bench",
    about = "Benchmarks of the performance-management platform (see BENCHMARKS.md)"
)]
struct Cli {
    /// A PostgreSQL database to connect to; each benchmark creates and drops its own beside it.
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres",
        global = true
    )]
    database_url: String,
    /// Where logs, pgbench files and the PostGraphile install go.
    #[arg(long, default_value = "target/bench-work", global = true)]
    work_dir: PathBuf,
    /// The api binary (default: next to this one).
    #[arg(long, global = true)]
    api_bin: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(clap::Args, Clone)]
struct LoadArgs {
    /// Client counts to measure at.
    #[arg(long, value_delimiter = ',', default_value = "8,32")]
    clients: Vec<usize>,
    /// Requests per measurement (after a warm-up), unless --max-seconds passes first.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    #[arg(long, default_value_t = 30)]
    max_seconds: u64,
}

#[derive(Subcommand)]
enum Cmd {
    /// Parts 1–2: the dashboard query, ours against PostGraphile 4 and 5 and PostgreSQL's own JSON.
    Dashboard {
        #[command(flatten)]
        load: LoadArgs,
        /// Do not install or run PostGraphile (4 or 5).
        #[arg(long)]
        skip_peer: bool,
        /// Also write every row (server, clients, req/s, p50, p99, CPU and RSS) to FILE as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Part 3: the daily reminder sweep at 100, 200 and 400 councils.
    Sweep {
        #[arg(long, value_delimiter = ',', default_value = "100,200,400")]
        councils: Vec<usize>,
        #[arg(long, default_value_t = 500)]
        indicators: usize,
        /// Councils loaded concurrently while preparing the data.
        #[arg(long, default_value_t = 2)]
        loaders: usize,
        /// Also write every row (councils, how, seconds, messages, statements, CPU, RSS) to
        /// FILE as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Part 6: a council moving in: 500 indicators × 10 years of monthly values imported
    /// from one workbook, imported again, exported (PostgreSQL and SQLite).
    Workbook {
        #[arg(long, default_value_t = 500)]
        indicators: usize,
        #[arg(long, default_value_t = 10)]
        years: usize,
    },
    /// Part 4: outbox → pooled SMTP → a local sink.
    Mail {
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
    },
    /// Part 5: start-up time, idle RSS and RSS under the dashboard load.
    Footprint {
        #[command(flatten)]
        load: LoadArgs,
        /// How many start-ups to time.
        #[arg(long, default_value_t = 5)]
        starts: usize,
    },
    /// Part 8: the soak: mixed load (dashboards, summaries, officers recording values,
    /// conflicts among them) at `clients` clients for `minutes`, the worker delivering.
    Soak {
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        #[arg(long, default_value_t = 8)]
        clients: usize,
    },
    /// Everything, one after the other.
    All {
        #[arg(long)]
        skip_peer: bool,
    },
    /// (for profiling) load the dashboard data set into a database that is kept, print its
    /// URL and a councillor's token, and exit. Drop it yourself afterwards.
    #[command(hide = true)]
    PrepareDashboard,
    /// In-process, phase by phase: where a dashboard request's time goes.
    Phases {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    /// (for profiling) load `councils` councils into a database that is kept, print its URL
    /// and exit. Drop it yourself afterwards.
    #[command(hide = true)]
    PrepareSweep {
        #[arg(long, default_value_t = 20)]
        councils: usize,
    },
    /// (for profiling) where a sweep's time goes, on an existing database.
    #[command(hide = true)]
    SweepPhases {
        #[arg(long)]
        url: String,
        #[arg(long)]
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The load generator alone, against any running server: POST `--body` to `--url`.
    Load {
        #[arg(long)]
        url: String,
        /// A JSON file to send.
        #[arg(long)]
        body: PathBuf,
        /// `name: value`, as many as needed.
        #[arg(long)]
        header: Vec<String>,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// (internal) one round of due sweeps in this process; prints a JSON line.
    #[command(hide = true)]
    SweepOnce {
        #[arg(long)]
        url: String,
        #[arg(long)]
        at: chrono::DateTime<chrono::Utc>,
        /// Councils at a time; 0: exactly as the worker does it.
        #[arg(long, default_value_t = 0)]
        parallel: usize,
        /// Only derive every council's outstanding items up to three days after `at` (what
        /// the first sweep after the upgrade does once), without sweeping.
        #[arg(long)]
        derive_only: bool,
    },
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| proc::parse_status_kib(&t, "MemTotal"))
        .map_or("?".into(), |k| {
            format!("{:.0} GiB", k as f64 / 1024.0 / 1024.0)
        });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores ({cpu}), {mem} RAM; load average {}",
        load.join(" ")
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut cli = cli;
    if !cli.work_dir.is_absolute() {
        cli.work_dir = std::env::current_dir()?.join(&cli.work_dir);
    }
    let cli = cli;
    let api_bin = || -> anyhow::Result<PathBuf> {
        match &cli.api_bin {
            Some(p) => Ok(p.clone()),
            None => proc::sibling_binary("api"),
        }
    };
    let dashboard_opts =
        |load: &LoadArgs, skip_peer: bool, json: Option<&PathBuf>| dashboard::Options {
            admin_url: cli.database_url.clone(),
            work_dir: cli.work_dir.clone(),
            clients: load.clients.clone(),
            requests: load.requests,
            max_seconds: load.max_seconds,
            skip_peer,
            json: json.cloned(),
        };
    let default_load = LoadArgs {
        clients: vec![8, 32],
        requests: 2000,
        max_seconds: 30,
    };
    if !matches!(cli.command, Cmd::SweepOnce { .. }) {
        println!("Machine: {}", machine());
        if proc::load_average().is_some_and(|l| l > 0.5) {
            println!(
                "  note: the 1-minute load average is above 0.5: something else is using the CPU"
            );
        }
    }
    match &cli.command {
        Cmd::Dashboard {
            load,
            skip_peer,
            json,
        } => {
            dashboard::run(
                &dashboard_opts(load, *skip_peer, json.as_ref()),
                &api_bin()?,
            )
            .await
        }
        Cmd::Footprint { load, starts } => {
            dashboard::footprint(&dashboard_opts(load, true, None), &api_bin()?, *starts).await
        }
        Cmd::Sweep {
            councils,
            indicators,
            loaders,
            json,
        } => {
            let opts = sweep::Options {
                admin_url: cli.database_url.clone(),
                scales: councils.clone(),
                indicators: *indicators,
                loaders: *loaders,
                json: json.clone(),
            };
            sweep::run(&opts, &std::env::current_exe()?).await
        }
        Cmd::Workbook { indicators, years } => {
            workbook::run(&workbook::Options {
                admin_url: cli.database_url.clone(),
                indicators: *indicators,
                years: *years,
            })
            .await
        }
        Cmd::Soak { minutes, clients } => {
            soak::run(
                &soak::Options {
                    admin_url: cli.database_url.clone(),
                    work_dir: cli.work_dir.clone(),
                    minutes: *minutes,
                    clients: *clients,
                },
                &api_bin()?,
                &proc::sibling_binary("worker")?,
            )
            .await
        }
        Cmd::Mail { messages } => {
            mail::run(&mail::Options {
                admin_url: cli.database_url.clone(),
                messages: *messages,
            })
            .await
        }
        Cmd::All { skip_peer } => {
            dashboard::run(
                &dashboard_opts(&default_load, *skip_peer, None),
                &api_bin()?,
            )
            .await?;
            dashboard::footprint(&dashboard_opts(&default_load, true, None), &api_bin()?, 5)
                .await?;
            let opts = sweep::Options {
                admin_url: cli.database_url.clone(),
                scales: vec![100, 200, 400],
                indicators: 500,
                loaders: 2,
                json: None,
            };
            sweep::run(&opts, &std::env::current_exe()?).await?;
            mail::run(&mail::Options {
                admin_url: cli.database_url.clone(),
                messages: 10_000,
            })
            .await
        }
        Cmd::PrepareDashboard => {
            let mut p = dashboard::prepare(&cli.database_url, "kept").await?;
            p.bench.keep();
            println!("DATABASE_URL={}\nTOKEN={}", p.bench.url, p.token);
            println!(
                "body: {}",
                String::from_utf8_lossy(
                    &dashboard::our_target(([127, 0, 0, 1], 8080).into(), &p.token).body
                )
            );
            Ok(())
        }
        Cmd::Phases { rounds } => {
            let p = dashboard::prepare(&cli.database_url, "phases").await?;
            println!("{}", dashboard::phases(&p.db, *rounds).await?.render());
            Ok(())
        }
        Cmd::PrepareSweep { councils } => {
            let mut bench = pg::BenchDb::create(&cli.database_url, "kept_sweep").await?;
            let db = bench.connect_migrated().await?;
            sweep::add_councils(&db, 0, *councils, 500, 2).await?;
            pg::analyze(&db).await?;
            bench.keep();
            println!("DATABASE_URL={}", bench.url);
            Ok(())
        }
        Cmd::SweepPhases { url, at } => {
            println!("{}", sweep::phases(url, *at).await?.render());
            Ok(())
        }
        Cmd::Load {
            url,
            body,
            header,
            load,
        } => {
            let mut headers = Vec::new();
            for h in header {
                let (k, v) = h
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("--header {h:?}: write it as `name: value`"))?;
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let target = load::Target {
                url: url.clone(),
                body: std::sync::Arc::new(std::fs::read(body)?),
                headers,
            };
            load::send(&load::client(1)?, &target).await?;
            for &clients in &load.clients {
                let r = load::run(
                    &load::client(clients)?,
                    &target,
                    clients,
                    2 * clients,
                    load.requests,
                    std::time::Duration::from_secs(load.max_seconds),
                )
                .await;
                println!(
                    "{clients} clients: {:.1} req/s, p50 {}, p99 {}, {} requests, {} errors",
                    r.rps,
                    report::ms(r.p50),
                    report::ms(r.p99),
                    r.completed,
                    r.errors
                );
            }
            Ok(())
        }
        Cmd::SweepOnce {
            url,
            at,
            parallel,
            derive_only,
        } => sweep::sweep_once(url, *at, *parallel, *derive_only).await,
    }
}

/// The worker's and the api's allocator, so that what runs their code in this process
/// (`sweep-once`, `phases`) allocates as they do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One thread: the load generator and the harness take as little CPU from the servers
    // they measure as they can. The sweep runs on the worker binary's multi-threaded kind.
    let runtime = if matches!(cli.command, Cmd::SweepOnce { .. }) {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
