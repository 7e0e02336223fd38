//! The node limit: a document's cost is the number of results it can produce — lists
//! multiplied down the tree (`first`, a series' periods, the council's real list sizes),
//! summed over aliases and fragments — and one over the limit is refused before it runs.
use pmf_tests::{Caller, TestApp, error_code};
use serde_json::{Value, json};

/// The issue's example: 200 aliases of 100 indicators × 11 years of monthly results.
fn aliases(n: usize) -> String {
    let mut query = String::from("{");
    for i in 0..n {
        query.push_str(&format!(
            r#" a{i}: indicators(first: 100) {{ edges {{ node {{ series(from: "2015-16", to: "2025-26") {{ status }} }} }} }}"#
        ));
    }
    query.push('}');
    query
}

/// The cost the refusal names, and the limit.
fn cost_and_limit(body: &Value) -> (u64, u64) {
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    let numbers: Vec<u64> = message
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(numbers.len() >= 2, "{message}");
    (numbers[0], numbers[1])
}

async fn demo(staff: usize, public: usize) -> TestApp {
    TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .cost_limits(staff, public)
        .start()
        .await
}

#[tokio::test]
async fn a_document_that_multiplies_lists_past_the_limit_is_refused_before_it_reads_data() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let before = app.db.statements_executed();
    let body = app
        .graphql(Caller::Token(&token), &aliases(200), json!({}))
        .await;
    let ran = app.db.statements_executed() - before;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["data"].is_null(), "{body}");
    let (cost, limit) = cost_and_limit(&body);
    // 200 × 100 × (11 years of months = 132 periods of 1 field, plus the node and edge).
    assert_eq!(limit, 500_000);
    assert!(cost > 200 * 100 * 132, "{cost}");
    // The token and the council's list sizes, not one indicator or result.
    assert!(ran <= 15, "{ran} statements ran");
    // Refused on the public portal too, and one alias alone passes for staff.
    let public = app
        .graphql(Caller::Public("demo"), &aliases(200), json!({}))
        .await;
    assert_eq!(error_code(&public), "BAD_USER_INPUT");
    let one = app
        .graphql(Caller::Token(&token), &aliases(1), json!({}))
        .await;
    assert!(one.get("errors").is_none(), "{one}");
    app.stop().await;
}

#[tokio::test]
async fn the_cost_counts_first_series_spans_aliases_fragments_and_the_councils_list_sizes() {
    let app = demo(1, 1).await;
    let token = app.token("demo", "admin@demo.example").await;
    let cost = |query: &'static str| {
        let app = &app;
        let token = token.clone();
        async move { cost_and_limit(&app.graphql(Caller::Token(&token), query, json!({})).await).0 }
    };
    // A page of 10 indicators with one field: 10 × (the item, its edge, node and field).
    let ten = cost("{ indicators(first: 10) { edges { node { ref } } } }").await;
    let twenty = cost("{ indicators(first: 20) { edges { node { ref } } } }").await;
    assert_eq!(
        (ten, twenty),
        (40, 80),
        "10 × (edge + node + ref + one for each)"
    );
    // A year of months is twelve results, a quarter's span three.
    let year = cost(r#"{ indicators(first: 1) { edges { node { series(from: "2025-04", to: "2026-03") { status } } } } }"#).await;
    let quarter = cost(r#"{ indicators(first: 1) { edges { node { series(from: "2025-04", to: "2025-06") { status } } } } }"#).await;
    // 1 × (edge + node + series of 12 (or 3) × (result + status)).
    assert_eq!((year, quarter), (27, 9));
    // Aliases and fragments count like the fields they stand for.
    let once = cost("{ plans { title } }").await;
    let twice = cost("{ a: plans { title } b: plans { title } }").await;
    assert_eq!(twice, 2 * once);
    let fragment =
        cost("{ a: plans { ...P } b: plans { ...P } } fragment P on Plan { title }").await;
    assert_eq!(fragment, twice);
    // Unpaginated lists use the council's real sizes: a priority's indicators cost as many
    // as the largest priority has.
    let sizes = pmf_store::sizes::list_sizes(&app.db.conn, 1).await.unwrap();
    assert!(
        sizes.indicators_per_priority > 1 && sizes.plans >= 1,
        "{sizes:?}"
    );
    let nested = cost("{ plans { priorities { indicators { ref } } } }").await;
    let expected = sizes.plans
        * (1 + sizes.priorities_per_plan * (1 + sizes.indicators_per_priority * (1 + 1)));
    assert_eq!(nested as usize, expected, "{sizes:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_public_portal_has_its_own_lower_limit_and_the_dashboards_pass() {
    // A limit between the README dashboard query's cost on the demo council for the public
    // and for staff would refuse one and not the other: find the cost, then set limits.
    let probe = demo(1, 1).await;
    let dashboard = r#"query Dashboard { plans { title priorities { code title indicators {
        ref title unit polarity
        result(period: "2025-10") { actual target status previousStatus trend commentary dueDate }
        series(from: "2025-03", to: "2025-10") { period actual target status } } } } }"#;
    let token = probe.token("demo", "admin@demo.example").await;
    let (cost, _) = cost_and_limit(
        &probe
            .graphql(Caller::Token(&token), dashboard, json!({}))
            .await,
    );
    probe.stop().await;

    let app = demo(cost as usize, cost as usize - 1).await;
    let token = app.token("demo", "admin@demo.example").await;
    let staff = app
        .graphql(Caller::Token(&token), dashboard, json!({}))
        .await;
    assert!(staff.get("errors").is_none(), "{staff}");
    let public = app
        .graphql(Caller::Public("demo"), dashboard, json!({}))
        .await;
    assert_eq!(error_code(&public), "BAD_USER_INPUT", "{public}");
    assert_eq!(cost_and_limit(&public), (cost, cost - 1));
    app.stop().await;

    // With the default limits the README's queries and the report pass.
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let public = app
        .graphql(Caller::Public("demo"), dashboard, json!({}))
        .await;
    assert!(public.get("errors").is_none(), "{public}");
    let token = app.token("demo", "admin@demo.example").await;
    let plans = app
        .data(Caller::Token(&token), "{ plans { id } }", json!({}))
        .await;
    let report = app
        .client
        .get(app.url(&format!(
            "/reports/{}/2026-27%20Q2",
            plans["plans"][0]["id"].as_str().unwrap()
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    app.stop().await;
}
