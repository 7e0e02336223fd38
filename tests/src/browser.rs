//! Browser tests: a Rust test runs a scenario script, `tests/node/browser/<name>.mjs`, that
//! drives Debian's Chromium with playwright-core, and gets back the JSON the script prints as
//! its last line of stdout.
//!
//! ```ignore
//! let out: serde_json::Value = Browser::run("dashboard", json!({ "base": app.url("") })).await;
//! ```
//!
//! The arguments go to the script as JSON on stdin. It is given `CHROMIUM` (the browser),
//! `ARTIFACTS_DIR` (`<target dir>/artifacts/`, for screenshots and PDFs) and
//! `SCENARIO_TIMEOUT_MS` (its own deadline, shorter than the harness's, so that it can still
//! save a screenshot). A non-zero exit panics with the script's stderr: playwright's error,
//! what the browser reported, and the paths of the failure screenshots. The shared helpers of
//! the scripts are in `tests/node/browser/lib.mjs`.
//!
//! Needs Node 20.18+ (`NODE` picks the binary), the npm packages (`npm ci --prefix tests/node`)
//! and Chromium (`apt-get install -y chromium`; `CHROMIUM=/path` picks another); a missing
//! one is a panic that says how to install it. At most `BROWSER_JOBS` scenarios run at once
//! (default: half the cores, at least one); the timeout counts from the start of the script.
use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Stdio,
    sync::OnceLock,
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::{io::AsyncReadExt, io::AsyncWriteExt, sync::Semaphore};

/// How long a scenario may take unless `Scenario::timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// The lowest Node.js version the tools run on (as `tests/node/package.json`'s engines).
const NODE_MIN: (u64, u64) = (20, 18);

const INSTALL: &str = "install Node.js 20.18 or later (Debian 12's own nodejs is 18: take \
                       NodeSource's or nodejs.org's), then `npm ci --prefix tests/node` and \
                       `apt-get install -y chromium`";

/// Entry point of the browser harness.
pub struct Browser;

impl Browser {
    /// Runs `tests/node/browser/<scenario>.mjs` with `args` and returns its result.
    pub async fn run(scenario: &str, args: Value) -> Value {
        Self::scenario(scenario).run(args).await
    }

    /// A scenario to configure before running it.
    pub fn scenario(name: &str) -> Scenario {
        Scenario {
            name: name.to_string(),
            timeout: DEFAULT_TIMEOUT,
            env: Vec::new(),
        }
    }

    /// `<target dir>/artifacts/`, where screenshots and PDFs go (created if missing).
    pub fn artifacts_dir() -> PathBuf {
        let workspace = workspace_root();
        let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
            Some(dir) if dir.is_absolute() => dir,
            Some(dir) => workspace.join(dir),
            None => workspace.join("target"),
        };
        let dir = target.join("artifacts");
        std::fs::create_dir_all(&dir).expect("create the artefacts folder");
        dir.canonicalize().unwrap_or(dir)
    }

    /// The Chromium the scenarios drive: `CHROMIUM`, else `/usr/bin/chromium`, else
    /// `chromium` or `chromium-browser` on PATH.
    pub fn chromium() -> PathBuf {
        setup().chromium.clone()
    }
}

/// A scenario with its settings; see `Browser::scenario`.
pub struct Scenario {
    name: String,
    timeout: Duration,
    env: Vec<(String, String)>,
}

impl Scenario {
    /// How long the script may run (default `DEFAULT_TIMEOUT`); then it is killed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// An extra environment variable for the script (e.g. `DEBUG=pw:api`).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs the script and returns the JSON of its last stdout line; panics on failure.
    pub async fn run(self, args: Value) -> Value {
        let setup = setup();
        let script = workspace_root()
            .join("tests/node/browser")
            .join(format!("{}.mjs", self.name));
        assert!(
            script.is_file(),
            "no browser scenario {}: {} does not exist",
            self.name,
            script.display()
        );
        let _slot = slots()
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let started = Instant::now();
        // The script's own deadline leaves time to save a screenshot and close Chromium.
        let budget = self
            .timeout
            .saturating_sub(Duration::from_secs(20))
            .max(self.timeout / 2);
        let mut command = tokio::process::Command::new(&setup.node);
        command
            .arg(&script)
            .current_dir(workspace_root())
            .env("CHROMIUM", &setup.chromium)
            .env("ARTIFACTS_DIR", Browser::artifacts_dir())
            .env("SCENARIO_TIMEOUT_MS", budget.as_millis().to_string())
            // Plain text in the panic messages: no colour codes from playwright.
            .env("FORCE_COLOR", "0")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", setup.node.display()));
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let input = serde_json::to_vec(&args).expect("arguments as JSON");
        let write = tokio::spawn(async move {
            // The script may fail before it reads; a broken pipe then is not the error to show.
            let _ = stdin.write_all(&input).await;
            let _ = stdin.shutdown().await;
        });
        let out = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf).await;
            String::from_utf8_lossy(&buf).into_owned()
        });
        let err = tokio::spawn(async move {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf).await;
            String::from_utf8_lossy(&buf).into_owned()
        });
        let status = tokio::time::timeout(self.timeout, child.wait()).await;
        if status.is_err() {
            let _ = child.kill().await;
        }
        let _ = write.await;
        let collect = |task: tokio::task::JoinHandle<String>| async move {
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default()
        };
        let (stdout, stderr) = (collect(out).await, collect(err).await);
        let elapsed = started.elapsed();
        let name = &self.name;
        let status = match status {
            Ok(status) => status.expect("wait for the scenario"),
            Err(_) => panic!(
                "browser scenario {name} did not finish within {:?} and was killed; its stderr:\n{stderr}",
                self.timeout
            ),
        };
        if !status.success() {
            panic!("browser scenario {name} failed ({status}) after {elapsed:.1?}:\n{stderr}");
        }
        // Artefact paths show in the log even when the test passes; the rest only on failure
        // or with --nocapture.
        for line in stderr.lines() {
            if line.starts_with("artefact: ") {
                let _ = writeln!(std::io::stderr(), "{line}");
            } else {
                eprintln!("[{name}] {line}");
            }
        }
        eprintln!("[{name}] finished in {elapsed:.1?}");
        let last = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_else(|| {
                panic!("browser scenario {name} printed no result; its stderr:\n{stderr}")
            });
        serde_json::from_str(last).unwrap_or_else(|e| {
            panic!("browser scenario {name}: the last line of stdout is not JSON ({e}): {last}\nstdout:\n{stdout}\nstderr:\n{stderr}")
        })
    }
}

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

fn slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let jobs = std::env::var("BROWSER_JOBS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() / 2))
            .max(1);
        Semaphore::new(jobs)
    })
}

struct Setup {
    node: PathBuf,
    chromium: PathBuf,
}

/// Node, the npm packages and Chromium, checked once per test binary.
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Result<Setup, String>> = OnceLock::new();
    match SETUP.get_or_init(check_setup) {
        Ok(setup) => setup,
        Err(message) => panic!("{message}"),
    }
}

fn check_setup() -> Result<Setup, String> {
    let node = std::env::var_os("NODE")
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("node"), PathBuf::from);
    let version = std::process::Command::new(&node)
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "browser tests need Node.js {}.{}+, but `{} --version` failed ({e}): {INSTALL}",
                NODE_MIN.0,
                NODE_MIN.1,
                node.display()
            )
        })?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < NODE_MIN {
        return Err(format!(
            "browser tests need Node.js {}.{}+, but `{} --version` says {version:?}: {INSTALL}",
            NODE_MIN.0,
            NODE_MIN.1,
            node.display()
        ));
    }

    // Every package of tests/node/package.json, installed at its pinned version.
    let tools = workspace_root().join("tests/node");
    let manifest: Value = std::fs::read_to_string(tools.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or("tests/node/package.json is missing or not JSON")?;
    let dependencies = manifest["dependencies"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (package, wanted) in &dependencies {
        let installed: Option<Value> = std::fs::read_to_string(
            tools
                .join("node_modules")
                .join(package)
                .join("package.json"),
        )
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
        match installed {
            None => {
                return Err(format!(
                    "browser tests need the npm packages of tests/node, but {package} is not in \
                     tests/node/node_modules: run `npm ci --prefix tests/node`"
                ));
            }
            Some(found) if found["version"] != *wanted => {
                return Err(format!(
                    "tests/node/node_modules has {package} {}, but package.json pins {wanted}: \
                     run `npm ci --prefix tests/node`",
                    found["version"]
                ));
            }
            Some(_) => {}
        }
    }

    let chromium = find_chromium()?;
    Ok(Setup { node, chromium })
}

fn find_chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "CHROMIUM={} is not a file: unset it to use /usr/bin/chromium \
                 (`apt-get install -y chromium`)",
                path.display()
            ))
        };
    }
    let debian = PathBuf::from("/usr/bin/chromium");
    if debian.is_file() {
        return Ok(debian);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            "browser tests need Chromium, but there is no /usr/bin/chromium and no `chromium` \
             on PATH: `apt-get install -y chromium` (playwright-core never downloads a browser)"
                .to_string()
        })
}
