//! The response cache: a repeated query is answered without reading the council's data
//! again, and no change, asker or API process ever gets an answer that is out of date or
//! someone else's.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use pmf_core::FixedClock;
use pmf_tests::{Caller, TestApp, default_now};
use serde_json::{Value, json};

use super::fixtures::*;

const LATEST: &str = r#"query($ref: String!) {
  indicator(ref: $ref) { title result(period: "2025-10") { actual status commentary } }
}"#;

/// A second API process on the same database, with a response cache of its own of
/// `cache_bytes` (none at 0).
async fn second_api(
    app: &TestApp,
    cache_bytes: usize,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let server = api::Server::bind(
        "127.0.0.1:0".parse().expect("address"),
        app.db.clone(),
        Arc::new(FixedClock::new(default_now())),
        "http://dashboard.test".into(),
        Duration::from_secs(30),
    )
    .await
    .expect("bind")
    .with_response_cache(cache_bytes);
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

async fn ask(client: &reqwest::Client, addr: SocketAddr, token: &str, reference: &str) -> Value {
    let body: Value = client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": LATEST, "variables": { "ref": reference } }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["indicator"].clone()
}

/// One published council with one indicator (`1.0`, target 100, no tolerance, October at
/// 95: RED).
async fn council(app: &TestApp) -> (String, String) {
    let token = app
        .bootstrap("Test Council", "test", "admin@test.example")
        .await;
    let plan = create_plan(app, &token, true).await;
    let priority = create_priority(app, &token, &plan, "P1").await;
    let indicator = create_indicator(
        app,
        &token,
        json!({
            "priorityId": priority, "ref": "1.0", "title": "Household waste recycled",
            "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY",
            "published": true
        }),
    )
    .await;
    set_target(app, &token, &indicator, "2025-26", 100.0).await;
    record(app, &token, &indicator, "2025-10", 95.0, Some("first")).await;
    (token, indicator)
}

#[tokio::test]
async fn a_repeated_query_reads_nothing_but_who_asks() {
    let app = TestApp::builder().start().await;
    let (token, _) = council(&app).await;
    let first = ask(&app.client, app.addr, &token, "1.0").await;
    let before = app.db.statements_executed();
    let again = ask(&app.client, app.addr, &token, "1.0").await;
    let statements = app.db.statements_executed() - before;
    assert_eq!(first, again);
    // The token, its user and the council: nothing of the indicator.
    assert!(
        statements <= 4,
        "{statements} statements for a cached answer"
    );
    // A different question is computed.
    let before = app.db.statements_executed();
    let other = app
        .graphql(
            Caller::Token(&token),
            LATEST,
            json!({ "ref": "no-such-ref" }),
        )
        .await;
    assert_eq!(other["data"]["indicator"], Value::Null);
    assert!(app.db.statements_executed() - before > statements);
    app.stop().await;
}

#[tokio::test]
async fn a_change_is_seen_at_once_by_every_api_process() {
    let app = TestApp::builder().start().await;
    let (token, indicator) = council(&app).await;
    let (other_addr, stop_other) = second_api(&app, api::http::DEFAULT_RESPONSE_CACHE_BYTES).await;
    // Both processes have the answer cached.
    for addr in [app.addr, other_addr] {
        let answer = ask(&app.client, addr, &token, "1.0").await;
        assert_eq!(answer["result"]["actual"], json!(95.0));
        assert_eq!(answer["result"]["status"], "RED");
    }
    // The value is corrected through the first process …
    let corrected = app
        .data(
            Caller::Token(&token),
            RECORD,
            json!({ "input": { "indicatorId": indicator, "period": "2025-10", "value": 101.0,
                "commentary": "corrected", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(corrected["recordMeasurement"]["status"], "GREEN");
    // … and both answer with it.
    for addr in [app.addr, other_addr] {
        let answer = ask(&app.client, addr, &token, "1.0").await;
        assert_eq!(answer["result"]["actual"], json!(101.0), "{addr}");
        assert_eq!(answer["result"]["status"], "GREEN");
        assert_eq!(answer["result"]["commentary"], "corrected");
    }
    // A mutation that fails changes nothing, and answers stay right.
    let refused = app
        .graphql(
            Caller::Token(&token),
            RECORD,
            json!({ "input": { "indicatorId": indicator, "period": "2025-10", "value": 1.0,
                "expectedVersion": 1 } }),
        )
        .await;
    assert!(refused.get("errors").is_some(), "{refused:#}");
    assert_eq!(
        ask(&app.client, other_addr, &token, "1.0").await["result"]["actual"],
        json!(101.0)
    );
    let _ = stop_other.send(());
    app.stop().await;
}

#[tokio::test]
async fn answers_are_never_shared_between_askers() {
    let app = TestApp::builder().start().await;
    let (token, _) = council(&app).await;
    // An unpublished plan: the council's staff see it, the public portal does not.
    create_plan(&app, &token, false).await;
    const PLANS: &str = "{ plans { title published } }";
    let staff = app.data(Caller::Token(&token), PLANS, json!({})).await;
    let public = app.data(Caller::Public("test"), PLANS, json!({})).await;
    assert_eq!(staff["plans"].as_array().map(Vec::len), Some(2));
    assert_eq!(public["plans"].as_array().map(Vec::len), Some(1));
    // `viewer` is whoever asks, even with the same document and the same data.
    const VIEWER: &str = "{ viewer { email } }";
    async fn viewer(app: &TestApp, token: &str) -> Value {
        app.data(Caller::Token(token), VIEWER, json!({})).await["viewer"]["email"].clone()
    }
    let admin = viewer(&app, &token).await;
    app.data(
        Caller::Token(&token),
        CREATE_USER,
        json!({ "input": { "name": "Olive Officer", "email": "olive@test.example", "role": "OFFICER" } }),
    )
    .await;
    let olive = app.token("test", "olive@test.example").await;
    assert_eq!(admin, "admin@test.example");
    assert_eq!(viewer(&app, &olive).await, "olive@test.example");
    assert_eq!(viewer(&app, &token).await, "admin@test.example");
    app.stop().await;
}

#[tokio::test]
async fn a_new_token_shows_in_the_token_list_at_once() {
    let app = TestApp::builder().start().await;
    let (token, _) = council(&app).await;
    const TOKENS: &str = "{ apiTokens { name } }";
    let before = app.data(Caller::Token(&token), TOKENS, json!({})).await;
    // Issued outside GraphQL, as `api token` does.
    app.token("test", "admin@test.example").await;
    let after = app.data(Caller::Token(&token), TOKENS, json!({})).await;
    assert_eq!(
        after["apiTokens"].as_array().map(Vec::len),
        before["apiTokens"].as_array().map(|t| t.len() + 1),
        "{before} then {after}"
    );
    app.stop().await;
}

#[tokio::test]
async fn with_the_cache_off_every_answer_is_computed() {
    let app = TestApp::builder().start().await;
    let (token, _) = council(&app).await;
    let (uncached, stop) = second_api(&app, 0).await;
    let mut statements = Vec::new();
    for _ in 0..3 {
        let before = app.db.statements_executed();
        let answer = ask(&app.client, uncached, &token, "1.0").await;
        assert_eq!(answer["result"]["actual"], json!(95.0));
        statements.push(app.db.statements_executed() - before);
    }
    // The indicator is read every time, not only the token (as a cached answer would).
    assert!(statements.iter().all(|&n| n > 4), "{statements:?}");
    assert_eq!(statements[1], statements[2], "{statements:?}");
    let _ = stop.send(());
    app.stop().await;
}
