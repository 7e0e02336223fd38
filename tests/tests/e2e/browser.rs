//! The dashboard in a real browser: the scenario `tests/node/browser/dashboard.mjs` drives
//! Debian's Chromium (playwright-core, `pmf_tests::Browser`) through `GET /` of the real
//! router, whose JavaScript reads `POST /graphql`; it returns what the pages show, and this
//! test compares it with the API: the tiles must show the API's counts, an indicator page
//! must draw its chart. Screenshots and the printed report are saved under
//! `target/artifacts/` (the paths are printed in the log).
//!
//! Ignored by default (a clone with only Rust has no Chromium or Node); `.ci/run` runs it:
//! `cargo test -p pmf-tests --test e2e -- --ignored browser`.
use std::path::Path;

use pmf_tests::{Browser, Caller, TestApp};
use serde_json::{Map, Value, json};

use super::{
    fixtures::{demo_corporate_plan, id},
    report::SUMMARY,
};

/// What a tile must show, from `performanceSummary`'s counts: `data-count` → number.
fn expected_counts(counts: &Value) -> Value {
    let mut out = Map::new();
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
            let count = counts[group][f].as_i64().expect("a count");
            out.insert(format!("{group}-{f}"), json!(count));
        }
    }
    Value::Object(out)
}

/// Every tile the page must show (the overall one and one per priority), and nothing else.
fn expected_tiles(summary: &Value) -> Value {
    let mut tiles = Map::new();
    tiles.insert("overall".into(), expected_counts(&summary["overall"]));
    for p in summary["priorities"].as_array().unwrap() {
        tiles.insert(id(&p["priority"]["id"]), expected_counts(&p["counts"]));
    }
    Value::Object(tiles)
}

/// A saved artefact: the right kind of file, and not a blank one.
fn assert_artefact(path: &Value, magic: &[u8]) {
    let path = Path::new(path.as_str().expect("an artefact path"));
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(magic) && bytes.len() > 10_000,
        "{} ({} bytes)",
        path.display(),
        bytes.len()
    );
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn the_dashboard_shows_the_api_counts_and_draws_charts_in_chromium() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let period = "2026-27 Q2";
    let plan = demo_corporate_plan(&app, Caller::Public("demo")).await;
    let summary = |caller| {
        let app = &app;
        let plan = plan.clone();
        async move {
            app.data(caller, SUMMARY, json!({ "plan": plan, "period": period }))
                .await["performanceSummary"]
                .clone()
        }
    };
    let public_summary = summary(Caller::Public("demo")).await;

    // An indicator page, as e-mails link to it: the demo's red indicator.
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
    let token = app.token("demo", "admin@demo.example").await;

    let seen = Browser::run(
        "dashboard",
        json!({
            "base": app.url(""),
            "org": "demo",
            "plan": plan,
            "period": period,
            "indicator": id(&indicator["id"]),
            "token": token,
        }),
    )
    .await;

    // The public view: `?org=` names the council; no token anywhere.
    let public = &seen["public"];
    assert_eq!(
        public["tiles"],
        expected_tiles(&public_summary),
        "the public tiles"
    );
    assert!(
        public["who"]
            .as_str()
            .unwrap()
            .contains("Public view: published information only"),
        "{public}"
    );
    assert_eq!(
        public["ownerFilter"], false,
        "the public cannot filter by owner"
    );
    let exceptions = public_summary["exceptions"].as_array().unwrap().len();
    assert!(
        public["exceptionsCaption"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&format!("{exceptions} red or amber item")),
        "the exception list has {exceptions} items: {public}"
    );

    // The indicator page: a chart with values, target and RAG points, and the history.
    let page = &seen["indicator"];
    assert!(
        page["heading"]
            .as_str()
            .unwrap()
            .contains(indicator["title"].as_str().unwrap()),
        "{page}"
    );
    let chart = &page["chart"];
    assert!(
        chart["actual"]
            .as_str()
            .is_some_and(|d| d.starts_with("M ")),
        "a line of values: {chart}"
    );
    assert!(
        chart["target"]
            .as_str()
            .is_some_and(|d| d.starts_with("M ")),
        "a target line: {chart}"
    );
    let points = chart["points"].as_array().unwrap();
    assert!(points.len() >= 4, "a point per value: {chart}");
    assert!(points.contains(&json!("p-red")), "the red value is red");
    assert!(
        page["historyRows"].as_u64().unwrap() >= 1,
        "the commentary history: {page}"
    );

    // Signed in, with the token handed over in the fragment (never sent to the server).
    let signed_in = &seen["signedIn"];
    assert_eq!(
        signed_in["tiles"],
        expected_tiles(&summary(Caller::Token(&token)).await),
        "the signed-in tiles"
    );
    assert!(
        signed_in["who"].as_str().unwrap().contains("Signed in as"),
        "{signed_in}"
    );
    assert_eq!(signed_in["ownerFilter"], true, "filter by owner");
    assert_eq!(
        signed_in["tokenInPage"], false,
        "the token is not left in the page"
    );
    let url = signed_in["url"].as_str().unwrap();
    assert!(
        !url.contains(&token) && !url.contains("token="),
        "the token is not left in the address: {url}"
    );

    // What a person sees: screenshots and the printed report, kept as CI artefacts.
    let artefacts = &seen["artifacts"];
    assert_artefact(&artefacts["dashboard"], b"\x89PNG");
    assert_artefact(&artefacts["indicator"], b"\x89PNG");
    assert_artefact(&artefacts["report"], b"%PDF");
    app.stop().await;
}

/// GraphiQL from the binary, in Chromium with no internet: the scenario fails on any request
/// to another host, CSP violation or console error. A query typed into the editor and run
/// with the execute button shows what the same query answers over HTTP.
#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn graphiql_runs_a_query_offline_in_chromium() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let query = "{ organisation { name } plans { title priorities { code title } } }";
    let over_http = app.graphql(Caller::Public("demo"), query, json!({})).await;
    assert!(over_http.get("errors").is_none(), "{over_http:#}");
    let seen = Browser::run(
        "graphiql",
        json!({ "base": app.url(""), "org": "demo", "query": query }),
    )
    .await;
    assert_eq!(seen["title"], "Performance GraphQL");
    assert_eq!(
        seen["response"], over_http,
        "GraphiQL shows what the API answers"
    );
    let requests: Vec<&str> = seen["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for path in requests.iter() {
        assert!(
            *path == "/graphql" || path.starts_with("/graphql/assets/"),
            "only the page, its files and the API: {requests:?}"
        );
    }
    assert!(
        requests.contains(&"/graphql/assets/graphiql.min.js"),
        "{requests:?}"
    );
    assert_artefact(&seen["screenshot"], b"\x89PNG");
    app.stop().await;
}
