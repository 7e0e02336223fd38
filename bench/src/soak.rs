//! The soak (BENCHMARKS.md part 8): `minutes` of mixed load at `clients` clients against the
//! api binary (release) on PostgreSQL, with the worker binary running and delivering to a
//! local SMTP sink. Each client, request by request, picks at random: the README's dashboard
//! query (half), the quarterly summary (a fifth) or an officer recording a value with the
//! `expectedVersion` it last saw (the rest), on a small set of indicators the clients share,
//! so some writes meet a CONFLICT (the client then re-reads the version, as the browser
//! does). Red values write exception alerts, which the worker sends.
//!
//! Figures: requests served, errors other than CONFLICT (target 0), p99 in the first and the
//! last minute, the api's RSS after the warm-up minute and at the end (target: growth within
//! 10 %), and the outbox backlog at the end (target 0).
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use pmf_store::{entity::notification, outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{dashboard, data::Rng, proc, proc::Guard, report, report::Table, smtp_sink::Sink};

pub struct Options {
    pub admin_url: String,
    pub work_dir: PathBuf,
    pub minutes: u64,
    pub clients: usize,
}

/// The period the officers record: the data set's last month.
const PERIOD: &str = "2026-03";
/// Indicators the writers share (few enough that two clients meet on one now and then).
const WRITTEN: usize = 24;

const SUMMARY: &str = r#"query Summary($plan: ID!) {
  performanceSummary(planId: $plan, period: "2025-26 Q4") {
    overall { indicators { red amber green monitorOnly noData redPct amberPct greenPct } }
    priorities { priority { code title } counts { indicators { red amber green } } }
    exceptions { status commentary indicator { ref title } result { actual target trend } }
  }
}"#;

const RECORD: &str = r#"mutation($input: RecordMeasurementInput!) {
  recordMeasurement(input: $input) { version status }
}"#;

const VERSION: &str =
    r#"query($id: ID!) { indicator(id: $id) { result(period: "2026-03") { version } } }"#;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Dashboard,
    Summary,
    Record,
}

#[derive(Debug)]
enum Outcome {
    Ok,
    Conflict,
    Error(String),
}

struct Sample {
    at: Duration,
    latency: Duration,
    kind: Kind,
    outcome: Outcome,
}

/// What the clients share: the api's address, the tokens, and the versions they last saw.
struct Shared {
    url: String,
    reader: String,
    writer: String,
    dashboard_body: Arc<Vec<u8>>,
    plan: String,
    versions: Mutex<HashMap<String, i64>>,
    indicators: Vec<String>,
}

async fn post(
    client: &reqwest::Client,
    shared: &Shared,
    token: &str,
    body: Vec<u8>,
) -> anyhow::Result<Value> {
    let response = client
        .post(&shared.url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .context("sending")?;
    let status = response.status();
    let bytes = response.bytes().await.context("reading")?;
    anyhow::ensure!(
        status.is_success(),
        "HTTP {status}: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
    );
    Ok(serde_json::from_slice(&bytes)?)
}

fn gql(query: &str, variables: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("JSON")
}

/// The first error's code and message, if any.
fn first_error(v: &Value) -> Option<(String, String)> {
    let e = v["errors"].get(0)?;
    Some((
        e["extensions"]["code"].as_str().unwrap_or("").to_string(),
        e["message"].as_str().unwrap_or("").to_string(),
    ))
}

async fn one_request(client: &reqwest::Client, shared: &Shared, rng: &mut Rng) -> (Kind, Outcome) {
    let pick = rng.below(100);
    let kind = if pick < 50 {
        Kind::Dashboard
    } else if pick < 70 {
        Kind::Summary
    } else {
        Kind::Record
    };
    let answer = match kind {
        Kind::Dashboard => {
            post(
                client,
                shared,
                &shared.reader,
                shared.dashboard_body.as_ref().clone(),
            )
            .await
        }
        Kind::Summary => {
            post(
                client,
                shared,
                &shared.reader,
                gql(SUMMARY, json!({ "plan": shared.plan })),
            )
            .await
        }
        Kind::Record => {
            let id = &shared.indicators[rng.below(shared.indicators.len())];
            let expected = shared.versions.lock().expect("versions")[id];
            // 0–100: most of the data set's indicators are percentages; some values are red.
            let value = rng.below(101) as f64;
            let answer = post(
                client,
                shared,
                &shared.writer,
                gql(
                    RECORD,
                    json!({ "input": {
                        "indicatorId": id, "period": PERIOD, "value": value,
                        "commentary": "Entered during the soak", "expectedVersion": expected
                    }}),
                ),
            )
            .await;
            match &answer {
                Ok(v) if first_error(v).is_none() => {
                    if let Some(version) = v["data"]["recordMeasurement"]["version"].as_i64() {
                        shared
                            .versions
                            .lock()
                            .expect("versions")
                            .insert(id.clone(), version);
                    }
                }
                Ok(v) if first_error(v).is_some_and(|(code, _)| code == "CONFLICT") => {
                    // As the browser does: read the version again (not counted as a request).
                    if let Ok(fresh) = post(
                        client,
                        shared,
                        &shared.writer,
                        gql(VERSION, json!({ "id": id })),
                    )
                    .await
                        && let Some(version) =
                            fresh["data"]["indicator"]["result"]["version"].as_i64()
                    {
                        shared
                            .versions
                            .lock()
                            .expect("versions")
                            .insert(id.clone(), version);
                    }
                }
                _ => {}
            }
            answer
        }
    };
    let outcome = match answer {
        Err(e) => Outcome::Error(format!("{e:#}")),
        Ok(v) => match first_error(&v) {
            None => Outcome::Ok,
            Some((code, _)) if code == "CONFLICT" => Outcome::Conflict,
            Some((code, message)) => Outcome::Error(format!("{code}: {message}")),
        },
    };
    (kind, outcome)
}

/// The outbox rows still to go (PENDING or FAILED).
async fn backlog(db: &pmf_store::Database) -> anyhow::Result<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::Status.is_in([outbox::PENDING, outbox::FAILED]))
        .count(&db.conn)
        .await?)
}

async fn count_status(db: &pmf_store::Database, status: &str) -> anyhow::Result<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::Status.eq(status))
        .count(&db.conn)
        .await?)
}

fn p99(samples: &[&Sample]) -> Duration {
    let mut l: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    l.sort_unstable();
    crate::load::percentile(&l, 0.99)
}

pub async fn run(opts: &Options, api_bin: &Path, worker_bin: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.work_dir)?;
    println!("Soak: preparing the dashboard data set …");
    let p = dashboard::prepare(&opts.admin_url, "soak").await?;
    let email =
        pmf_core::Email::parse("admin@bench.example").map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, writer) =
        pmf_store::organisations::issue_token(&p.db, "bench", &email, "soak", chrono::Utc::now())
            .await?;
    let sink = Sink::start(false)?;
    let api = dashboard::start_api(api_bin, &p.bench.url, &opts.work_dir.join("api-soak.log"))?;
    let public_url = format!("http://{}", api.addr);
    let worker_log = std::fs::File::create(opts.work_dir.join("worker-soak.log"))?;
    let mut worker = Guard::spawn(
        "worker",
        Command::new(worker_bin)
            .arg("run")
            .env("DATABASE_URL", &p.bench.url)
            .env("SMTP_URL", format!("smtp://{}", sink.addr))
            .env("PUBLIC_URL", &public_url)
            .env("MAIL_FROM", "Performance <performance@bench.example>")
            .stdout(worker_log.try_clone()?)
            .stderr(worker_log),
    )?;

    let client = crate::load::client(opts.clients)?;
    let url = format!("http://{}/graphql", api.addr);
    let start = post_json(&client, &url, &writer, &gql(
        r#"{ plans { id } indicators(first: 100) { edges { node { id result(period: "2026-03") { version } } } } }"#,
        json!({}),
    ))
    .await?;
    let plan = start["data"]["plans"][0]["id"]
        .as_str()
        .context("a plan")?
        .to_string();
    let mut versions = HashMap::new();
    let mut indicators = Vec::new();
    for edge in start["data"]["indicators"]["edges"]
        .as_array()
        .context("indicators")?
        .iter()
        .take(WRITTEN)
    {
        let id = edge["node"]["id"].as_str().context("an id")?.to_string();
        let version = edge["node"]["result"]["version"].as_i64().unwrap_or(0);
        versions.insert(id.clone(), version);
        indicators.push(id);
    }
    let dashboard_target = dashboard::our_target(api.addr, &p.token);
    let shared = Arc::new(Shared {
        url,
        reader: p.token.clone(),
        writer,
        dashboard_body: dashboard_target.body.clone(),
        plan,
        versions: Mutex::new(versions),
        indicators,
    });
    let written_before = notification::Entity::find().count(&p.db.conn).await?;

    // The api's RSS every 5 s.
    let pid = api.guard.pid();
    let rss: Arc<Mutex<Vec<(Duration, f64)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let sampler = {
        let (rss, stop) = (rss.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(m) = proc::status_mib(pid, "VmRSS") {
                    rss.lock().expect("rss").push((began.elapsed(), m));
                }
                std::thread::sleep(Duration::from_secs(5));
            }
        })
    };

    let length = Duration::from_secs(opts.minutes.max(2) * 60);
    println!(
        "Soak: {} minutes at {} clients (dashboard, summary, recording values; worker delivering) …",
        length.as_secs() / 60,
        opts.clients
    );
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..opts.clients {
        let (client, shared) = (client.clone(), shared.clone());
        tasks.spawn(async move {
            let mut rng = Rng::new(1000 + c as u64);
            let mut samples = Vec::new();
            while began.elapsed() < length {
                let t = Instant::now();
                let (kind, outcome) = one_request(&client, &shared, &mut rng).await;
                samples.push(Sample {
                    at: t - began,
                    latency: t.elapsed(),
                    kind,
                    outcome,
                });
            }
            samples
        });
    }
    let mut samples = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        samples.extend(joined?);
    }
    let backlog_at_stop = backlog(&p.db).await?;
    // The worker goes on: what was written in the last seconds goes out within its poll.
    let drain_until = Instant::now() + Duration::from_secs(60);
    let mut backlog_end = backlog_at_stop;
    while backlog_end > 0 && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(500)).await;
        backlog_end = backlog(&p.db).await?;
    }
    let drained_in = Instant::now() + Duration::from_secs(60) - drain_until;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let api_alive = {
        let mut g = api.guard;
        let alive = g.alive();
        g.stop(Duration::from_secs(10));
        alive
    };
    let worker_alive = worker.alive();
    worker.stop(Duration::from_secs(15));

    let written = notification::Entity::find().count(&p.db.conn).await? - written_before;
    let sent = count_status(&p.db, outbox::SENT).await?;
    let dead = count_status(&p.db, outbox::DEAD).await?;
    let minute = Duration::from_secs(60);
    let first: Vec<&Sample> = samples.iter().filter(|s| s.at < minute).collect();
    let last: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= length.saturating_sub(minute))
        .collect();
    let errors: Vec<&Sample> = samples
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Error(_)))
        .collect();
    let conflicts = samples
        .iter()
        .filter(|s| matches!(s.outcome, Outcome::Conflict))
        .count();
    for e in errors.iter().take(5) {
        if let Outcome::Error(m) = &e.outcome {
            eprintln!("  error ({:?} at {:.0} s): {m}", e.kind, e.at.as_secs_f64());
        }
    }
    let rss = rss.lock().expect("rss").clone();
    let after_warm_up = rss.iter().find(|(t, _)| *t >= minute).map(|(_, m)| *m);
    let at_end = rss.last().map(|(_, m)| *m);
    let growth = match (after_warm_up, at_end) {
        (Some(a), Some(b)) if a > 0.0 => Some((b - a) / a * 100.0),
        _ => None,
    };
    let by_kind = |k: Kind| samples.iter().filter(|s| s.kind == k).count();

    let mut t = Table::new(
        &format!(
            "Soak: {} minutes, {} clients, {} build, PostgreSQL ({})",
            length.as_secs() / 60,
            opts.clients,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            crate::pg::describe_server(&p.db).await
        ),
        &["measure", "figure", "target"],
    );
    t.row(vec![
        "requests served".into(),
        format!(
            "{} ({:.0} req/s): {} dashboards, {} summaries, {} values recorded or refused",
            samples.len(),
            samples.len() as f64 / length.as_secs_f64(),
            by_kind(Kind::Dashboard),
            by_kind(Kind::Summary),
            by_kind(Kind::Record)
        ),
        "".into(),
    ]);
    t.row(vec![
        "errors other than CONFLICT".into(),
        errors.len().to_string(),
        report::met(errors.is_empty()),
    ]);
    t.row(vec![
        "CONFLICT (two officers on one value; the loser re-reads)".into(),
        conflicts.to_string(),
        "".into(),
    ]);
    t.row(vec![
        "p99, first minute".into(),
        format!("{} ({} requests)", report::ms(p99(&first)), first.len()),
        "".into(),
    ]);
    t.row(vec![
        "p99, last minute".into(),
        format!("{} ({} requests)", report::ms(p99(&last)), last.len()),
        "".into(),
    ]);
    t.row(vec![
        "api RSS after the warm-up minute → at the end".into(),
        format!(
            "{} → {}{}",
            after_warm_up.map_or("?".into(), report::mib),
            at_end.map_or("?".into(), report::mib),
            growth.map_or(String::new(), |g| format!(" ({g:+.1} %)"))
        ),
        report::met(growth.is_some_and(|g| g <= 10.0)),
    ]);
    let by_minute: Vec<String> = (1..=length.as_secs() / 60)
        .filter_map(|m| {
            rss.iter()
                .rev()
                .find(|(t, _)| *t <= Duration::from_secs(m * 60))
                .map(|(_, mib)| format!("{mib:.0}"))
        })
        .collect();
    t.row(vec![
        "api RSS at the end of each minute (MiB)".into(),
        by_minute.join(", "),
        "".into(),
    ]);
    t.row(vec![
        "mail: alerts written to the outbox / sent / dead / received by the sink".into(),
        format!(
            "{written} / {sent} / {dead} / {}",
            sink.messages.load(Ordering::Relaxed)
        ),
        "".into(),
    ]);
    t.row(vec![
        "outbox backlog when the load stopped → at the end".into(),
        format!(
            "{backlog_at_stop} → {backlog_end} (after {:.1} s)",
            drained_in.as_secs_f64()
        ),
        report::met(backlog_end == 0),
    ]);
    t.row(vec![
        "api and worker still running at the end".into(),
        format!("{api_alive} / {worker_alive}"),
        report::met(api_alive && worker_alive),
    ]);
    println!("{}", t.render());
    Ok(())
}

async fn post_json(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &[u8],
) -> anyhow::Result<Value> {
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await?;
    let v: Value = response.json().await?;
    anyhow::ensure!(v.get("errors").is_none(), "errors: {}", v["errors"]);
    Ok(v)
}
