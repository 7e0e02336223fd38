//! `worker run` (the default): the scheduler, until SIGINT/SIGTERM.
//! `worker tick --at RFC3339 [--dry-run]`: every scheduled sweep once as if the time were
//! `--at`, then delivery of everything due, then exit.
use std::{process::ExitCode, sync::Arc};

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use pmf_core::{Clock, SystemClock};
use worker::{Config, Worker, lock::WhenHeld};

#[derive(Parser)]
#[command(
    name = "worker",
    version,
    about = "Reminders, exception alerts and e-mail delivery"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scheduler until stopped (the default).
    Run,
    /// Run every scheduled sweep once as if the time were --at, deliver, and exit.
    Tick {
        /// The time to act as if it were, in RFC 3339 (e.g. 2025-11-10T08:00:00Z).
        #[arg(long, value_parser = parse_at)]
        at: DateTime<Utc>,
        /// Print what would be sent; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn parse_at(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("--at expects an RFC 3339 time such as 2025-11-10T08:00:00Z ({e})"))
}

/// mimalloc rather than the system allocator: building and serialising an answer (or a
/// sweep's digests) is tens of thousands of small allocations (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("worker: {e}");
            return ExitCode::from(2);
        }
    };
    worker::config::init_tracing(config.log_format);
    let log_format = config.log_format;
    match run(cli, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            pmf_process::report_failure(log_format, "worker", &format!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Run);
    // One worker per SQLite file: a second `run` refuses, a `tick` waits (worker::lock).
    let when_held = match command {
        Command::Run => WhenHeld::Refuse,
        Command::Tick { .. } => WhenHeld::Wait,
    };
    let _lock = worker::lock::lock_sqlite(&config.database_url, when_held, |message| {
        eprintln!("worker: {message}");
    })
    .await?;
    let worker = Worker::from_config(&config).await?;
    match command {
        Command::Run => {
            worker::run(
                Arc::new(worker),
                Arc::new(SystemClock),
                config.delivery_every_secs,
                worker::shutdown_signal(),
            )
            .await
        }
        Command::Tick { at, dry_run } => {
            // The wall clock, read once: messages written by now go out whatever `--at` is.
            let report = worker.tick_command(at, SystemClock.now(), dry_run).await?;
            for (slug, outcome) in &report.sweeps {
                println!(
                    "sweep {slug} {}: {:?}, {} message(s)",
                    outcome.date, outcome.status, outcome.queued
                );
            }
            if dry_run {
                println!(
                    "dry run: nothing was changed or sent; {} message(s) would be sent",
                    report.would_send.len()
                );
                for p in &report.would_send {
                    println!(
                        "\n=== To: {}\n=== Subject: {}\n=== Kind: {}{}\n{}",
                        p.to,
                        p.subject,
                        p.kind,
                        if p.queued_before {
                            " (already in the outbox)"
                        } else {
                            ""
                        },
                        p.text
                    );
                }
            } else {
                let d = report.delivery;
                println!(
                    "delivered: {} sent, {} to retry, {} dead",
                    d.sent, d.failed, d.dead
                );
            }
            // Every other council was still swept and delivered; the exit status tells
            // the operator's script that one was not.
            if !report.failed_sweeps.is_empty() {
                for (slug, error) in &report.failed_sweeps {
                    eprintln!("sweep {slug} failed: {error}");
                }
                anyhow::bail!("{} sweep(s) failed", report.failed_sweeps.len());
            }
            Ok(())
        }
    }
}
