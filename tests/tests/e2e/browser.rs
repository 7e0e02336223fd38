//! The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven from the
//! command line, no npm) opens `GET /` of the real router, runs its JavaScript against
//! `POST /graphql`, and the test reads the DOM it leaves: the tiles must show the API's
//! counts and an indicator page must draw its chart. Screenshots and the printed report are
//! saved under `target/artifacts/` (the paths are printed in the log).
//!
//! Without `chromium` the test is skipped with a notice; with `CI=true` it fails instead.
//! `CHROMIUM=/path/to/chrome` picks another binary.
use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use pmf_tests::{Caller, TestApp};
use serde_json::{Value, json};

use super::{fixtures::id, report::SUMMARY};

/// A line for the log that the test harness does not capture (it shows on success too).
fn notice(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium, or `None` (skip) when it is missing outside CI.
fn chromium_or_skip(test: &str) -> Option<Chromium> {
    match find_chromium() {
        Some(bin) => Some(Chromium { bin }),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "CI=true but `chromium` is not installed: .ci/run installs it (apt-get install -y chromium)"
        ),
        None => {
            notice(&format!(
                "SKIPPED {test}: `chromium` is not installed (apt-get install chromium); CI runs this test"
            ));
            None
        }
    }
}

/// Where screenshots go: `<target dir>/artifacts/`.
fn artifacts_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let dir = target.join("artifacts");
    std::fs::create_dir_all(&dir).expect("create the artefacts folder");
    dir.canonicalize().unwrap_or(dir)
}

struct Chromium {
    bin: PathBuf,
}

static PROFILES: AtomicUsize = AtomicUsize::new(0);

impl Chromium {
    /// Runs headless Chromium on `url` with `extra` flags; its standard output.
    async fn run(&self, url: &str, budget_ms: u32, extra: &[String]) -> String {
        let profile = std::env::temp_dir().join(format!(
            "pmf-chromium-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::SeqCst)
        ));
        let mut command = tokio::process::Command::new(&self.bin);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--lang=en-GB",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--virtual-time-budget={budget_ms}"))
            .args(extra)
            .arg(url)
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null());
        let output = tokio::time::timeout(Duration::from_secs(120), command.output())
            .await
            .expect("chromium finished within two minutes")
            .expect("chromium started");
        let _ = std::fs::remove_dir_all(&profile);
        assert!(
            output.status.success(),
            "chromium failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The DOM once the page's scripts have run, waiting longer until `ready` appears.
    async fn dom(&self, url: &str, ready: &str) -> String {
        let mut dom = String::new();
        for budget in [5_000, 15_000, 30_000] {
            dom = self.run(url, budget, &["--dump-dom".to_string()]).await;
            if dom.contains(ready) {
                return dom;
            }
        }
        panic!("{ready:?} never appeared in the page at {url}:\n{dom}");
    }

    /// Saves what `url` shows, as a PNG of `width`×`height` pixels, or as an A4 PDF.
    async fn save(&self, url: &str, path: &Path, size: Option<(u32, u32)>) {
        let _ = std::fs::remove_file(path);
        let flags = match size {
            Some((w, h)) => vec![
                format!("--screenshot={}", path.display()),
                format!("--window-size={w},{h}"),
            ],
            None => vec![
                format!("--print-to-pdf={}", path.display()),
                "--no-pdf-header-footer".to_string(),
            ],
        };
        self.run(url, 8_000, &flags).await;
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let magic: &[u8] = if size.is_some() { b"\x89PNG" } else { b"%PDF" };
        assert!(
            bytes.starts_with(magic) && bytes.len() > 10_000,
            "{}",
            path.display()
        );
        notice(&format!(
            "artefact: {} ({} bytes)",
            path.display(),
            bytes.len()
        ));
    }
}

/// The counts a tile shows: `data-count` → number.
fn tile_counts(dom: &str, priority_id: &str) -> HashMap<String, i64> {
    let start = dom
        .find(&format!("data-priority-id=\"{priority_id}\""))
        .unwrap_or_else(|| panic!("no tile for priority {priority_id}"));
    let tile = &dom[start..];
    let tile = &tile[..tile.find("</li>").expect("the tile ends")];
    tile.split("data-count=\"")
        .skip(1)
        .map(|cell| {
            let (field, rest) = cell.split_once("\">").expect("a count");
            let number = rest.split('<').next().unwrap().trim();
            (field.to_string(), number.parse().expect("a number"))
        })
        .collect()
}

/// What the tiles must show, from `performanceSummary`.
fn expected_counts(counts: &Value) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for (group, fields) in [
        (
            "indicators",
            &["red", "amber", "green", "monitorOnly", "noData"][..],
        ),
        (
            "actions",
            &["red", "amber", "green", "blue", "completed"][..],
        ),
    ] {
        for f in fields {
            out.insert(
                format!("{group}-{f}"),
                counts[group][f].as_i64().expect("a count"),
            );
        }
    }
    out
}

fn assert_tiles_match(dom: &str, summary: &Value) {
    assert_eq!(
        tile_counts(dom, "overall"),
        expected_counts(&summary["overall"]),
        "the overall tile"
    );
    for p in summary["priorities"].as_array().unwrap() {
        let priority = id(&p["priority"]["id"]);
        assert_eq!(
            tile_counts(dom, &priority),
            expected_counts(&p["counts"]),
            "the tile of priority {priority}"
        );
    }
}

#[tokio::test]
async fn the_dashboard_shows_the_api_counts_and_draws_charts_in_chromium() {
    let Some(chromium) = chromium_or_skip("the dashboard browser test") else {
        return;
    };
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let period = "2026-27 Q2";
    let period_query = "2026-27%20Q2";
    let plans = app
        .data(Caller::Public("demo"), "{ plans { id kind } }", json!({}))
        .await;
    let plan = plans["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "CORPORATE_PLAN")
        .map(|p| id(&p["id"]))
        .expect("the demo has a published corporate plan");
    let summary = |caller| {
        let app = &app;
        let plan = plan.clone();
        async move {
            app.data(caller, SUMMARY, json!({ "plan": plan, "period": period }))
                .await["performanceSummary"]
                .clone()
        }
    };

    // The public view: `?org=` names the council; no token anywhere.
    let public_url = app.url(&format!("/?org=demo&plan={plan}&period={period_query}"));
    let dom = chromium.dom(&public_url, "data-count=").await;
    let public_summary = summary(Caller::Public("demo")).await;
    assert_tiles_match(&dom, &public_summary);
    assert!(dom.contains("Public view: published information only"));
    assert!(
        !dom.contains("id=\"filter-owner\""),
        "the public cannot filter by owner"
    );
    let exceptions = public_summary["exceptions"].as_array().unwrap().len();
    assert!(
        dom.contains(&format!("{exceptions} red or amber item")),
        "the exception list has {exceptions} items"
    );

    // An indicator page, as e-mails link to it: a chart with values, target and RAG points.
    let red = public_summary["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "RED" && !e["indicator"].is_null())
        .expect("the demo has a red indicator");
    let indicator = app
        .data(
            Caller::Public("demo"),
            "query($ref: String) { indicator(ref: $ref) { id ref title } }",
            json!({ "ref": red["indicator"]["ref"] }),
        )
        .await["indicator"]
        .clone();
    let indicator_id = id(&indicator["id"]);
    let indicator_url = format!("{public_url}#/indicators/{indicator_id}");
    let dom = chromium.dom(&indicator_url, "<svg class=\"chart\"").await;
    assert!(dom.contains(indicator["title"].as_str().unwrap()));
    let chart = &dom[dom.find("<svg class=\"chart\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(
        chart.contains("<path class=\"actual\" d=\"M "),
        "a line of values: {chart}"
    );
    assert!(
        chart.contains("<path class=\"target\" d=\"M "),
        "a target line"
    );
    assert!(chart.matches("<circle").count() >= 4, "a point per value");
    assert!(chart.contains("class=\"p-red\""), "the red value is red");
    assert!(
        dom.contains("<table id=\"history\""),
        "the commentary history"
    );

    // Signed in, with the token handed over in the fragment (never sent to the server).
    let token = app.token("demo", "admin@demo.example").await;
    let signed_in_url = app.url(&format!(
        "/?plan={plan}&period={period_query}#token={token}"
    ));
    let dom = chromium.dom(&signed_in_url, "data-count=").await;
    assert_tiles_match(&dom, &summary(Caller::Token(&token)).await);
    assert!(dom.contains("Signed in as"));
    assert!(dom.contains("id=\"filter-owner\""), "filter by owner");
    assert!(!dom.contains(&token), "the token is not left in the page");

    // What a person sees: screenshots and the printed report, kept as CI artefacts.
    let dir = artifacts_dir();
    chromium
        .save(
            &signed_in_url,
            &dir.join("dashboard.png"),
            Some((1280, 1500)),
        )
        .await;
    chromium
        .save(
            &indicator_url,
            &dir.join("indicator.png"),
            Some((1280, 1100)),
        )
        .await;
    chromium
        .save(
            &app.url(&format!("/reports/{plan}/{period_query}?org=demo")),
            &dir.join("report.pdf"),
            None,
        )
        .await;
    app.stop().await;
}
