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
/// `cache_bytes` (none at 0) and the default kept results.
async fn second_api(
    app: &TestApp,
    cache_bytes: usize,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    second_api_keeping(app, cache_bytes, api::execute::DEFAULT_RESULTS_CACHE_BYTES).await
}

/// [`second_api`] keeping `results_bytes` of rated results (none at 0).
async fn second_api_keeping(
    app: &TestApp,
    cache_bytes: usize,
    results_bytes: usize,
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
    .with_response_cache(cache_bytes)
    .with_results_cache(results_bytes);
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
    let (other_addr, stop_other) =
        second_api(&app, api::execute::DEFAULT_RESPONSE_CACHE_BYTES).await;
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

/// Statements run by the database while `ask` runs.
async fn counted<F: std::future::Future<Output = Value>>(app: &TestApp, ask: F) -> (Value, u64) {
    let before = app.db.statements_executed();
    let answer = ask.await;
    (answer, app.db.statements_executed() - before)
}

#[tokio::test]
async fn kept_results_are_rated_again_in_every_process_when_what_they_come_from_changes() {
    let app = TestApp::builder().start().await;
    let (token, indicator) = council(&app).await;
    // A second process that computes every answer (no response cache) but keeps rated
    // results, and a third that keeps nothing.
    let (keeping, stop_keeping) = second_api(&app, 0).await;
    let (rating, stop_rating) = second_api_keeping(&app, 0, 0).await;
    let client = &app.client;
    // Keeping nothing, every answer reads the values, targets and extensions.
    let first = ask(client, rating, &token, "1.0").await;
    assert_eq!(first["result"]["actual"], json!(95.0));
    assert_eq!(first["result"]["status"], "RED");
    let (answer, read_first) = counted(&app, ask(client, rating, &token, "1.0")).await;
    assert_eq!(answer, first);
    // Keeping them, the first answer reads them too, and the next ones do not.
    assert_eq!(ask(client, keeping, &token, "1.0").await, first);
    let (again, read_again) = counted(&app, ask(client, keeping, &token, "1.0")).await;
    assert_eq!(again, first);
    assert_eq!(read_again + 3, read_first, "{read_first} then {read_again}");
    // A value corrected through the first process is rated again in the second.
    app.data(
        Caller::Token(&token),
        RECORD,
        json!({ "input": { "indicatorId": indicator, "period": "2025-10", "value": 101.0,
            "commentary": "corrected", "expectedVersion": 1 } }),
    )
    .await;
    let (corrected, read) = counted(&app, ask(client, keeping, &token, "1.0")).await;
    assert_eq!(corrected["result"]["actual"], json!(101.0));
    assert_eq!(corrected["result"]["status"], "GREEN");
    assert_eq!(corrected["result"]["commentary"], "corrected");
    // (Its values are read again; the first answer after a change also reads the council's
    // list sizes again.)
    assert!(read >= read_again + 3, "{read_again} then {read}");
    // So is a new target (101 against 106: within the default 5 %) …
    set_target(&app, &token, &indicator, "2025-26", 106.0).await;
    let answer = ask(client, keeping, &token, "1.0").await;
    assert_eq!(answer["result"]["status"], "AMBER", "{answer:#}");
    // … and the council's rating settings: 95 against 100 is exactly on the tolerance, RED
    // until the council says AMBER.
    set_target(&app, &token, &indicator, "2025-26", 100.0).await;
    record(&app, &token, &indicator, "2025-10", 95.0, Some("back")).await;
    let on_the_tolerance = ask(client, keeping, &token, "1.0").await;
    assert_eq!(on_the_tolerance["result"]["status"], "RED");
    app.data(
        Caller::Token(&token),
        r#"mutation { updateOrganisationSettings(input: { onTolerance: AMBER }) { onTolerance } }"#,
        json!({}),
    )
    .await;
    let amber = ask(client, keeping, &token, "1.0").await;
    assert_eq!(amber["result"]["status"], "AMBER", "{amber:#}");
    assert_eq!(amber, ask(client, rating, &token, "1.0").await);
    let _ = stop_keeping.send(());
    let _ = stop_rating.send(());
    app.stop().await;
}

/// The council's data version as stored.
async fn data_version(app: &TestApp) -> i64 {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    pmf_store::entity::organisation::Entity::find()
        .filter(pmf_store::entity::organisation::Column::Slug.eq("test"))
        .one(&app.db.conn)
        .await
        .expect("read the council")
        .expect("the council")
        .data_version
}

/// The stored October value of the test council's indicator.
async fn stored_october(app: &TestApp, indicator: &str) -> Option<f64> {
    use pmf_store::entity::measurement;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    measurement::Entity::find()
        .filter(measurement::Column::IndicatorId.eq(indicator.parse::<i64>().expect("an id")))
        .filter(measurement::Column::Period.eq("2025-10"))
        .one(&app.db.conn)
        .await
        .expect("read the value")
        .and_then(|m| m.value)
}

/// A future polled at most `polls` times, then dropped unfinished (`None`): what a client
/// going away or the request timeout does to a request, at any one of its await points.
struct PollAtMost<F: std::future::Future> {
    inner: std::pin::Pin<Box<F>>,
    polls: usize,
}

impl<F: std::future::Future> std::future::Future for PollAtMost<F> {
    type Output = Option<F::Output>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        if self.polls == 0 {
            return std::task::Poll::Ready(None);
        }
        self.polls -= 1;
        self.inner.as_mut().poll(cx).map(Some)
    }
}

#[tokio::test]
async fn a_mutation_dropped_right_after_its_commit_leaves_no_stale_answer() {
    use tower::ServiceExt;
    let app = TestApp::builder().start().await;
    let (token, indicator) = council(&app).await;
    let (other, stop_other) = second_api(&app, api::execute::DEFAULT_RESPONSE_CACHE_BYTES).await;
    // A third process whose requests this test cuts short, after 1, 2, 3 … polls: somewhere
    // in that sequence the request is dropped after its transaction committed and before it
    // answered. Whenever the change is in the database, the second process must show it.
    let state = api::AppState::new(
        app.db.clone(),
        Arc::new(FixedClock::new(default_now())),
        "http://dashboard.test".into(),
    );
    const SLOW_AFTER_COMMIT: &str = r#"mutation($input: RecordMeasurementInput!) {
      recordMeasurement(input: $input) { status indicator { owner { name } priority { plan { title } } } }
    }"#;
    // How many await points fall between the commit and the answer depends on how the
    // runtime wakes the request; sweep again (a few rounds at most) until one did.
    let mut committed_then_dropped = 0;
    let mut value = 1000.0;
    for _round in 0..20 {
        for polls in 1.. {
            value += 1.0;
            // The second process holds the current answer in its cache.
            ask(&app.client, other, &token, "1.0").await;
            let body = json!({ "query": SLOW_AFTER_COMMIT, "variables": { "input": {
                "indicatorId": indicator, "period": "2025-10", "value": value, "commentary": "c" } } });
            let request = axum::http::Request::post("/graphql")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .expect("a request");
            let router = api::router(state.clone(), Duration::from_secs(30));
            let finished = PollAtMost {
                inner: Box::pin(router.oneshot(request)),
                polls,
            }
            .await;
            if stored_october(&app, &indicator).await == Some(value) {
                let answer = ask(&app.client, other, &token, "1.0").await;
                assert_eq!(
                    answer["result"]["actual"],
                    json!(value),
                    "committed after {polls} polls, but the other process answers from before"
                );
                if finished.is_none() {
                    committed_then_dropped += 1;
                }
            }
            if finished.is_some() {
                break;
            }
            assert!(polls < 100_000, "the mutation never finished");
        }
        if committed_then_dropped > 0 {
            break;
        }
    }
    assert!(
        committed_then_dropped > 0,
        "no request was dropped between its commit and its answer"
    );
    let _ = stop_other.send(());
    app.stop().await;
}

#[tokio::test]
async fn using_a_token_or_delivering_mail_does_not_move_the_data_version() {
    let app = TestApp::builder().start().await;
    let (token, _) = council(&app).await;
    const TOKENS: &str = "{ apiTokens { name lastUsedAt } }";
    let version = data_version(&app).await;
    let mut last_used = Vec::new();
    for _ in 0..5 {
        // Past the once-a-minute threshold, so every use is recorded.
        app.clock.advance(chrono::Duration::minutes(2));
        let answer = app.data(Caller::Token(&token), TOKENS, json!({})).await;
        last_used.push(answer["apiTokens"][0]["lastUsedAt"].clone());
        ask(&app.client, app.addr, &token, "1.0").await;
    }
    assert_eq!(data_version(&app).await, version, "token use moved it");
    // `lastUsedAt` is read fresh each time, not from a cached answer.
    last_used.dedup();
    assert_eq!(last_used.len(), 5, "{last_used:?}");
    // A red September value, with the admin receiving the priority's exception alerts,
    // queues an alert; delivering it changes no answer.
    let ids = app
        .data(
            Caller::Token(&token),
            r#"{ viewer { id } indicator(ref: "1.0") { id priority { id } } }"#,
            json!({}),
        )
        .await;
    app.data(
        Caller::Token(&token),
        "mutation($p: ID!, $u: [ID!]!) { setExceptionRecipients(priorityId: $p, userIds: $u) { id } }",
        json!({ "p": ids["indicator"]["priority"]["id"], "u": [ids["viewer"]["id"]] }),
    )
    .await;
    record(
        &app,
        &token,
        &id(&ids["indicator"]["id"]),
        "2025-09",
        50.0,
        Some("bad"),
    )
    .await;
    let queued = pmf_store::outbox::due_query(pmf_store::outbox::Due::at(
        app.clock_now() + chrono::Duration::hours(1),
    ))
    .all(&app.db.conn)
    .await
    .expect("read the outbox");
    assert!(!queued.is_empty(), "the red value queued no alert");
    let (transport, sent) = worker::Transport::memory();
    let composer = worker::Composer::new(
        "Performance <performance@test.example>"
            .parse()
            .expect("address"),
        None,
    );
    let version = data_version(&app).await;
    let links = pmf_mail::Links::new("http://dashboard.test");
    worker::Worker::new(app.db.clone(), transport, composer, links)
        .tick(app.clock_now() + chrono::Duration::hours(1), false)
        .await
        .expect("deliver");
    assert!(
        !sent.lock().expect("mail").is_empty(),
        "nothing was delivered"
    );
    assert_eq!(data_version(&app).await, version, "delivery moved it");
    app.stop().await;
}
