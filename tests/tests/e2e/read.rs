//! The query side of the contract: results by the rules, connections and filters, the public
//! portal, tenant isolation, limits, and the statement count of a dashboard query.
use pmf_tests::{Caller, TestApp, error_code};
use serde_json::{Value, json};

use super::fixtures::*;

const DASHBOARD: &str = r#"query($period: String!, $from: String!, $to: String!) {
  plans { id title priorities { id title indicators {
    id ref title owner { name }
    result(period: $period) { status trend previousStatus actual target }
    series(from: $from, to: $to) { period actual target status }
  } } }
}"#;

fn dashboard_vars() -> Value {
    json!({ "period": "2025-10", "from": "2025-03", "to": "2025-10" })
}

async fn statements_for_dashboard(priorities: usize, per_priority: usize) -> (u64, usize) {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap("Test Council", "test", "admin@test.example")
        .await;
    council_of_size(&app, &token, priorities, per_priority).await;
    // The council's list sizes (for the node limit) are counted once per data version: by
    // this first request, not by the dashboard's.
    app.data(Caller::Token(&token), "{ viewer { id } }", json!({}))
        .await;
    let before = app.db.statements_executed();
    let data = app
        .data(Caller::Token(&token), DASHBOARD, dashboard_vars())
        .await;
    let statements = app.db.statements_executed() - before;
    let indicators: usize = data["plans"][0]["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["indicators"].as_array().unwrap().len())
        .sum();
    app.stop().await;
    (statements, indicators)
}

#[tokio::test]
async fn a_dashboard_query_runs_a_constant_number_of_statements() {
    let (small, small_count) = statements_for_dashboard(1, 2).await;
    let (large, large_count) = statements_for_dashboard(4, 5).await;
    assert_eq!((small_count, large_count), (2, 20));
    assert_eq!(
        small, large,
        "statements grew with the data: {small} for 2 indicators, {large} for 20"
    );
    assert!(large <= 15, "{large} statements for one dashboard query");
}

/// A council with one priority and the indicators the rule tests need.
struct RuleCouncil {
    app: TestApp,
    token: String,
    priority: String,
}

impl RuleCouncil {
    async fn new() -> Self {
        let app = TestApp::builder().start().await;
        let token = app
            .bootstrap("Test Council", "test", "admin@test.example")
            .await;
        let plan = create_plan(&app, &token, true).await;
        let priority = create_priority(&app, &token, &plan, "H").await;
        Self {
            app,
            token,
            priority,
        }
    }

    async fn indicator(&self, reference: &str, extra: Value) -> String {
        let mut input = json!({
            "priorityId": self.priority, "ref": reference, "title": format!("Indicator {reference}"),
            "unit": "COUNT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY", "published": true
        });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        create_indicator(&self.app, &self.token, input).await
    }

    async fn result(&self, id: &str, period: &str) -> Value {
        let d = self
            .app
            .data(
                Caller::Token(&self.token),
                r#"query($id: ID!, $p: String!) { indicator(id: $id) { result(period: $p) {
                    period ratedPeriod actual target targetIsProRata status previousStatus trend direction
                    commentary dueDate version complete missing } } }"#,
                json!({ "id": id, "p": period }),
            )
            .await;
        d["indicator"]["result"].clone()
    }
}

#[tokio::test]
async fn results_follow_the_rating_rules() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let higher = c.indicator("1", json!({})).await;
    set_target(app, token, &higher, "2025-26", 100.0).await;
    // exactly 5 % below is RED; just inside is AMBER; on target is GREEN.
    assert_eq!(
        record(app, token, &higher, "2025-04", 100.0, None).await["status"],
        "GREEN"
    );
    let may = record(app, token, &higher, "2025-05", 95.0, Some("staff shortage")).await;
    assert_eq!(may["status"], "RED");
    assert_eq!(may["previousStatus"], "GREEN");
    assert_eq!(may["trend"], "DETERIORATING");
    let june = record(app, token, &higher, "2025-06", 95.01, None).await;
    assert_eq!(june["status"], "AMBER");
    assert_eq!(june["trend"], "IMPROVING");
    assert_eq!(june["complete"], false, "AMBER needs commentary");
    assert_eq!(june["missing"], "COMMENTARY");
    assert_eq!(june["dueDate"], "2025-07-10");

    let lower = c
        .indicator(
            "2",
            json!({ "polarity": "LOWER_IS_BETTER", "unit": "DAYS" }),
        )
        .await;
    set_target(app, token, &lower, "2025-26", 10.0).await;
    assert_eq!(
        record(app, token, &lower, "2025-04", 10.5, Some("x")).await["status"],
        "RED"
    );
    assert_eq!(
        record(app, token, &lower, "2025-05", 10.4, Some("x")).await["status"],
        "AMBER"
    );
    assert_eq!(
        record(app, token, &lower, "2025-06", 9.0, None).await["status"],
        "GREEN"
    );

    // A profile target wins over the annual one; no target at all is NO_TARGET.
    set_target(app, token, &higher, "2025-07", 50.0).await;
    assert_eq!(
        record(app, token, &higher, "2025-07", 60.0, None).await["target"],
        50.0
    );
    let untargeted = c.indicator("3", json!({})).await;
    assert_eq!(
        record(app, token, &untargeted, "2025-04", 5.0, None).await["status"],
        "NO_TARGET"
    );
    assert_eq!(c.result(&untargeted, "2025-05").await["status"], "NO_DATA");

    // Monitor-only and neutral measures are never rated.
    let monitor = c.indicator("4", json!({ "monitorOnly": true })).await;
    set_target(app, token, &monitor, "2025-26", 100.0).await;
    assert_eq!(
        record(app, token, &monitor, "2025-04", 1.0, None).await["status"],
        "MONITOR_ONLY"
    );

    // A monthly indicator asked for a quarter is rated on the quarter's last month.
    let q1 = c.result(&higher, "2025-26 Q1").await;
    assert_eq!(q1["ratedPeriod"], "2025-06");
    assert_eq!(q1["actual"], 95.01);
    assert_eq!(q1["status"], "AMBER");
    c.app.stop().await;
}

/// Every plain field of a result, through aliases, fragments, `__typename`, a key asked twice
/// and `@skip`/`@include`.
const EVERY_PLAIN_FIELD: &str = r#"__typename period ratedPeriod actual target targetIsProRata
    status previousStatus trend direction comparisonValue commentary noValueReason dueDate
    extended complete missing version enteredAt url
    rag: status ...Rated ... on PeriodResult { trend t2: target } ... { period again: period }
    skipped: actual @skip(if: $yes) kept: actual @include(if: $yes) gone: target @include(if: $no)"#;

/// The response's raw JSON (key order included).
async fn raw(app: &TestApp, token: &str, query: &str, variables: Value) -> String {
    reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("a body")
}

/// The raw answer with every `,"<field>":{"id":"…"}` cut out (the non-plain field a test
/// adds to send a selection down the field-by-field path).
fn without_ids(answer: &str, field: &str) -> String {
    let marker = format!(r#","{field}":{{"id":""#);
    let mut out = String::new();
    let mut rest = answer;
    while let Some(at) = rest.find(&marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find("\"}").expect("the end of the object") + 2;
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `result` and `series` built whole from the evaluation (every field plain) answer exactly
/// what the field-by-field resolvers answer (the same selection with `indicator { id }`,
/// which is not plain, at its end): same values, same keys, same order.
#[tokio::test]
async fn results_built_whole_answer_what_their_fields_do() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let higher = c.indicator("1", json!({})).await;
    set_target(app, token, &higher, "2025-26", 100.0).await;
    record(app, token, &higher, "2025-04", 100.0, None).await;
    record(app, token, &higher, "2025-05", 95.0, Some("staff shortage")).await;
    record(app, token, &higher, "2025-06", 95.01, None).await;
    let cumulative = c
        .indicator("2", json!({ "frequency": "QUARTERLY", "cumulative": true }))
        .await;
    set_target(app, token, &cumulative, "2025-26", 124.0).await;
    record(app, token, &cumulative, "2025-26 Q1", 31.0, None).await;
    c.indicator("3", json!({ "monitorOnly": true })).await;
    let query = |tail: &str| {
        format!(
            r#"query($p: String!, $from: String!, $to: String!, $yes: Boolean!, $no: Boolean!) {{
              plans {{ priorities {{ indicators {{ ref
                result(period: $p) {{ {EVERY_PLAIN_FIELD} {tail} }}
                series(from: $from, to: $to) {{ {EVERY_PLAIN_FIELD} {tail} }}
                quarter: result(period: "2025-26 Q1") {{ {EVERY_PLAIN_FIELD} {tail} }}
              }} }} }}
            }}
            fragment Rated on PeriodResult {{ status dueDate rag: status }}"#
        )
    };
    let variables =
        json!({ "p": "2025-06", "from": "2025-03", "to": "2025-07", "yes": true, "no": false });
    let whole = raw(app, token, &query(""), variables.clone()).await;
    let by_field = raw(app, token, &query("indicator { id }"), variables).await;
    let expected = without_ids(&by_field, "indicator");
    assert!(!whole.contains("errors"), "{whole}");
    assert!(whole.contains(r#""status":"AMBER""#), "{whole}");
    assert!(whole.contains(r#""kept":"#) && !whole.contains(r#""skipped":"#));
    assert!(!whole.contains(r#""gone":"#));
    assert_eq!(whole, expected);

    // Argument errors are the field's, as before.
    let bad = app
        .graphql(
            Caller::Token(token),
            r#"{ plans { priorities { indicators { series(from: "2025-13", to: "2025-14") { status } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad:#}");
    c.app.stop().await;
}

/// Every plain field of an indicator, through aliases, fragments, `__typename` and a key asked
/// twice, with its results.
const EVERY_PLAIN_INDICATOR_FIELD: &str = r#"__typename id ref title definition level type
    unit decimals polarity frequency cumulative monitorOnly tolerancePct toleranceAbsolute
    dataSource informationAssetRef benchmarkMetric published lifecycle firstPeriod approvedAt
    version code: ref ...Named ... on Indicator { unit u2: unit } ... { title again: title }
    now: result(period: $p) { status actual } series(from: $from, to: $to) { period status }"#;

/// A priority's indicators built whole (every field plain, `Priority.indicators`) answer
/// exactly what the field-by-field resolvers answer (the same selection with `priority { id }`,
/// which is not plain, at its end): same values, same keys, same order. Anything the list
/// cannot build (a directive, a bad period) is answered by the fields, as before.
#[tokio::test]
async fn indicator_lists_built_whole_answer_what_their_fields_do() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let higher = c
        .indicator(
            "1",
            json!({ "definition": "Per 100,000", "dataSource": "Civica" }),
        )
        .await;
    set_target(app, token, &higher, "2025-26", 100.0).await;
    record(app, token, &higher, "2025-05", 95.0, Some("staff shortage")).await;
    record(app, token, &higher, "2025-06", 95.01, None).await;
    c.indicator(
        "2",
        json!({ "frequency": "QUARTERLY", "cumulative": true, "toleranceAbsolute": 3.5 }),
    )
    .await;
    c.indicator("3", json!({ "monitorOnly": true })).await;
    let query = |tail: &str| {
        format!(
            r#"query($p: String!, $from: String!, $to: String!) {{
              plans {{ priorities {{ code indicators {{ {EVERY_PLAIN_INDICATOR_FIELD} {tail} }} }} }}
            }}
            fragment Named on Indicator {{ ref title code: ref }}"#
        )
    };
    let variables = json!({ "p": "2025-06", "from": "2025-04", "to": "2025-07" });
    let whole = raw(app, token, &query(""), variables.clone()).await;
    let by_field = raw(app, token, &query("priority { id }"), variables.clone()).await;
    let expected = without_ids(&by_field, "priority");
    assert!(!whole.contains("errors"), "{whole}");
    assert!(whole.contains(r#""toleranceAbsolute":3.5"#), "{whole}");
    assert!(whole.contains(r#""definition":"Per 100,000""#), "{whole}");
    assert!(whole.contains(r#""status":"AMBER""#), "{whole}");
    assert_eq!(whole, expected);

    // A directive on an indicator's field leaves the list to the fields: same answer.
    let skipping = r#"query($p: String!, $yes: Boolean!) { plans { priorities { indicators {
        ref gone: title @skip(if: $yes) result(period: $p) { status } } } } }"#;
    let skipped = raw(app, token, skipping, json!({ "p": "2025-06", "yes": true })).await;
    let plain = raw(
        app,
        token,
        r#"query($p: String!) { plans { priorities { indicators { ref result(period: $p) { status } } } } }"#,
        json!({ "p": "2025-06" }),
    )
    .await;
    assert_eq!(skipped, plain);

    // Argument errors are the field's, as before.
    let bad = app
        .graphql(
            Caller::Token(token),
            r#"{ plans { priorities { indicators { ref result(period: "2025-13") { status } } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad:#}");
    c.app.stop().await;
}

#[tokio::test]
async fn cumulative_targets_are_pro_rata_and_trends_compare_with_last_year() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let homes = c
        .indicator(
            "LH1",
            json!({ "frequency": "QUARTERLY", "cumulative": true }),
        )
        .await;
    set_target(app, token, &homes, "2025-26", 124.0).await;
    set_target(app, token, &homes, "2024-25", 100.0).await;
    record(app, token, &homes, "2024-25 Q2", 40.0, None).await;
    let q1 = record(app, token, &homes, "2025-26 Q1", 31.0, None).await;
    assert_eq!(q1["target"], 31.0);
    assert_eq!(q1["targetIsProRata"], true);
    assert_eq!(q1["status"], "GREEN");
    assert_eq!(q1["trend"], "NOT_COMPARABLE", "no value for 2024-25 Q1");
    let q2 = record(
        app,
        token,
        &homes,
        "2025-26 Q2",
        50.0,
        Some("two sites delayed"),
    )
    .await;
    assert_eq!(q2["target"], 62.0);
    assert_eq!(q2["status"], "RED");
    assert_eq!(q2["trend"], "IMPROVING", "50 against last year's 40 at Q2");
    assert_eq!(q2["previousStatus"], "GREEN");
    // A profile target ("18 by Q1") is not pro-rata.
    set_target(app, token, &homes, "2025-26 Q1", 18.0).await;
    let q1 = c.result(&homes, "2025-26 Q1").await;
    assert_eq!(
        (q1["target"].as_f64(), q1["targetIsProRata"].as_bool()),
        (Some(18.0), Some(false))
    );
    c.app.stop().await;
}

#[tokio::test]
async fn connections_page_and_filter() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let mut ids = Vec::new();
    for (i, (freq, title)) in [
        ("MONTHLY", "Missed bins per 100,000 collections"),
        ("QUARTERLY", "Affordable homes delivered"),
        ("MONTHLY", "Planning applications on time"),
    ]
    .iter()
    .enumerate()
    {
        let id = c
            .indicator(
                &format!("C{i}"),
                json!({ "frequency": freq, "title": title }),
            )
            .await;
        set_target(app, token, &id, "2025-26", 100.0).await;
        ids.push(id);
    }
    record(app, token, &ids[0], "2025-04", 50.0, Some("depot closed")).await;
    record(app, token, &ids[2], "2025-04", 100.0, None).await;

    let page = r#"query($first: Int, $after: String, $filter: IndicatorFilter) {
        indicators(first: $first, after: $after, filter: $filter) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id ref } } } }"#;
    let first = app
        .data(Caller::Token(token), page, json!({ "first": 2 }))
        .await;
    assert_eq!(first["indicators"]["totalCount"], 3);
    assert_eq!(first["indicators"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["indicators"]["edges"].as_array().unwrap().len(), 2);
    let cursor = first["indicators"]["pageInfo"]["endCursor"].clone();
    let second = app
        .data(
            Caller::Token(token),
            page,
            json!({ "first": 2, "after": cursor }),
        )
        .await;
    assert_eq!(second["indicators"]["edges"][0]["node"]["ref"], "C2");
    assert_eq!(second["indicators"]["pageInfo"]["hasNextPage"], false);

    let only = |d: &Value| -> Vec<String> {
        d["indicators"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["ref"].as_str().unwrap().to_string())
            .collect()
    };
    let f = |filter: Value| json!({ "filter": filter });
    let red = app
        .data(
            Caller::Token(token),
            page,
            f(json!({ "status": "RED", "statusPeriod": "2025-04" })),
        )
        .await;
    assert_eq!(only(&red), ["C0"]);
    assert_eq!(red["indicators"]["totalCount"], 1);
    let no_data = app
        .data(
            Caller::Token(token),
            page,
            f(json!({ "status": "NO_DATA", "statusPeriod": "2025-26 Q1" })),
        )
        .await;
    assert_eq!(
        only(&no_data),
        ["C0", "C1", "C2"],
        "monthly rated on June, quarterly on Q1: none has data"
    );
    let quarterly = app
        .data(
            Caller::Token(token),
            page,
            f(json!({ "frequency": "QUARTERLY" })),
        )
        .await;
    assert_eq!(only(&quarterly), ["C1"]);
    let search = app
        .data(
            Caller::Token(token),
            page,
            f(json!({ "search": "PLANNING" })),
        )
        .await;
    assert_eq!(only(&search), ["C2"]);

    for (vars, code) in [
        (json!({ "first": 0 }), "BAD_USER_INPUT"),
        (json!({ "first": 101 }), "BAD_USER_INPUT"),
        (json!({ "after": "not-a-cursor" }), "BAD_USER_INPUT"),
        (f(json!({ "status": "RED" })), "BAD_USER_INPUT"),
        (
            f(json!({ "status": "RED", "statusPeriod": "2025/26" })),
            "BAD_USER_INPUT",
        ),
    ] {
        let body = app.graphql(Caller::Token(token), page, vars.clone()).await;
        assert_eq!(error_code(&body), code, "{vars}: {body}");
    }
    let body = app
        .graphql(
            Caller::Token(token),
            r#"{ indicator(ref: "C0") { result(period: "Q1 2025") { status } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("2025-26 Q1"),
        "the message names the accepted forms: {message}"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn the_public_portal_sees_only_what_is_published() {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap("Test Council", "test", "admin@test.example")
        .await;
    let public_plan = create_plan(&app, &token, true).await;
    let private_plan = create_plan(&app, &token, false).await;
    let open = create_priority(&app, &token, &public_plan, "O").await;
    let closed = create_priority(&app, &token, &private_plan, "C").await;
    let mk = |priority: &str, reference: &str, published: bool| {
        json!({ "priorityId": priority, "ref": reference, "title": reference, "unit": "COUNT",
                "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY", "published": published })
    };
    let visible = create_indicator(&app, &token, mk(&open, "V", true)).await;
    let unpublished = create_indicator(&app, &token, mk(&open, "U", false)).await;
    let in_private_plan = create_indicator(&app, &token, mk(&closed, "P", true)).await;
    let public = Caller::Public("test");

    let d = app
        .data(public, "{ viewer { id } plans { id priorities { indicators { ref owner { id } } } } indicators { totalCount edges { node { ref } } } }", json!({}))
        .await;
    assert_eq!(d["viewer"], Value::Null);
    assert_eq!(d["plans"].as_array().unwrap().len(), 1);
    assert_eq!(d["plans"][0]["id"], public_plan.as_str());
    assert_eq!(
        d["plans"][0]["priorities"][0]["indicators"],
        json!([{ "ref": "V", "owner": null }])
    );
    assert_eq!(d["indicators"]["totalCount"], 1);
    for hidden in [&unpublished, &in_private_plan] {
        let d = app
            .data(
                public,
                "query($id: ID!) { indicator(id: $id) { ref } }",
                json!({ "id": hidden }),
            )
            .await;
        assert_eq!(d["indicator"], Value::Null, "indicator {hidden} leaked");
    }
    let d = app
        .data(
            public,
            "query($id: ID!) { plan(id: $id) { id } }",
            json!({ "id": private_plan }),
        )
        .await;
    assert_eq!(d["plan"], Value::Null);
    let body = app
        .graphql(
            public,
            r#"{ deadlines(from: "2025-01-01", to: "2025-12-31") { period } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = app.graphql(public, "query($id: ID!) { performanceSummary(planId: $id, period: \"2025-26 Q1\") { period } }", json!({ "id": private_plan })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let d = app
        .data(
            public,
            "query($id: ID!) { indicator(id: $id) { ref } }",
            json!({ "id": visible }),
        )
        .await;
    assert_eq!(d["indicator"]["ref"], "V");
    app.stop().await;
}

#[tokio::test]
async fn councils_never_see_each_other() {
    let app = TestApp::builder().start().await;
    let a = app
        .bootstrap("Council A", "council-a", "admin@a.example")
        .await;
    let b = app
        .bootstrap("Council B", "council-b", "admin@b.example")
        .await;
    let plan_a = create_plan(&app, &a, true).await;
    let priority_a = create_priority(&app, &a, &plan_a, "A").await;
    let indicator_a = create_indicator(
        &app,
        &a,
        json!({ "priorityId": priority_a, "ref": "1", "title": "A's", "unit": "COUNT",
                "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY", "published": true }),
    )
    .await;
    let d = app
        .data(Caller::Token(&b), "query($id: ID!, $p: ID!) { indicator(id: $id) { id } plan(id: $p) { id } plans { id } indicators { totalCount } }", json!({ "id": indicator_a, "p": plan_a }))
        .await;
    assert_eq!(
        d,
        json!({ "indicator": null, "plan": null, "plans": [], "indicators": { "totalCount": 0 } })
    );
    let d = app
        .data(
            Caller::Token(&b),
            r#"{ indicator(ref: "1") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(d["indicator"], Value::Null);
    // Writing to another council's indicator is "not found", and changes nothing.
    let body = app
        .graphql(
            Caller::Token(&b),
            RECORD,
            json!({ "input": { "indicatorId": indicator_a, "period": "2025-04", "value": 1.0 } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app
        .graphql(
            Caller::Token(&b),
            CREATE_PRIORITY,
            json!({ "input": { "planId": plan_a, "title": "x" } }),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let d = app
        .data(
            Caller::Token(&a),
            "query($id: ID!) { indicator(id: $id) { result(period: \"2025-04\") { version } } }",
            json!({ "id": indicator_a }),
        )
        .await;
    assert_eq!(d["indicator"]["result"]["version"], 0);
    app.stop().await;
}

#[tokio::test]
async fn abusive_documents_are_refused_before_they_run() {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap("Test Council", "test", "admin@test.example")
        .await;
    let deep = format!(
        "{{ plans {{ id {}{} }} }}",
        "priorities { plan { id ".repeat(8),
        "} } ".repeat(8)
    );
    // The council's list sizes are counted once per data version (here, not below).
    app.data(Caller::Token(&token), "{ viewer { id } }", json!({}))
        .await;
    let before = app.db.statements_executed();
    let body = app.graphql(Caller::Token(&token), &deep, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too deep"),
        "{body}"
    );
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    // Only the token check ran (the token, its user, the council): the document never
    // reached the database.
    assert!(app.db.statements_executed() - before <= 5);
    let wide: String = (0..3000)
        .map(|i| format!("a{i}: indicators(first: 100) {{ edges {{ node {{ id }} }} }} "))
        .collect();
    let body = app
        .graphql(Caller::Token(&token), &format!("{{ {wide} }}"), json!({}))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("could produce"),
        "{body}"
    );
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let huge = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": format!("{{ viewer {{ id }} }} # {huge}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn the_performance_summary_counts_and_lists_exceptions() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let plan_id = {
        let d = app
            .data(Caller::Token(token), "{ plans { id } }", json!({}))
            .await;
        d["plans"][0]["id"].as_str().unwrap().to_string()
    };
    // Three rated GREEN, AMBER, RED; one monitor-only; one without data.
    for (i, value) in [Some(100.0), Some(97.0), Some(80.0), None]
        .iter()
        .enumerate()
    {
        let id = c.indicator(&format!("S{i}"), json!({})).await;
        set_target(app, token, &id, "2025-26", 100.0).await;
        if let Some(v) = value {
            record(
                app,
                token,
                &id,
                "2025-06",
                *v,
                (*v < 100.0).then_some("behind"),
            )
            .await;
        }
    }
    let monitor = c.indicator("M", json!({ "monitorOnly": true })).await;
    record(app, token, &monitor, "2025-06", 3.0, None).await;
    // Actions: RED and GREEN by the council, RED in partnership (never counted).
    let admin_id = app
        .data(Caller::Token(token), "{ viewer { id } }", json!({}))
        .await["viewer"]["id"]
        .clone();
    for (reference, delivery, status) in [
        ("A1", "COUNCIL", "RED"),
        ("A2", "COUNCIL", "GREEN"),
        ("A3", "PARTNERSHIP", "RED"),
    ] {
        let d = app
            .data(Caller::Token(token), CREATE_ACTION, json!({ "input": {
                "priorityId": c.priority, "ref": reference, "title": reference, "ownerId": admin_id, "delivery": delivery } }))
            .await;
        let action = d["createAction"]["id"].clone();
        app.data(Caller::Token(token), ACTION_UPDATE, json!({ "input": {
            "actionId": action, "period": "2025-26 Q1", "status": status, "commentary": "progress", "nextSteps": "next" } }))
            .await;
    }
    let d = app
        .data(Caller::Token(token), r#"query($id: ID!) { performanceSummary(planId: $id, period: "2025-26 Q1") {
            period
            overall { actions { red amber green blue completed redPct greenPct } indicators { red amber green monitorOnly noData redPct amberPct greenPct } }
            priorities { priority { code } counts { indicators { red } } }
            exceptions { status commentary indicator { ref } action { ref } } } }"#, json!({ "id": plan_id }))
        .await;
    let s = &d["performanceSummary"];
    assert_eq!(s["period"], "2025-26 Q1");
    assert_eq!(
        s["overall"]["indicators"],
        json!({ "red": 1, "amber": 1, "green": 1, "monitorOnly": 1, "noData": 1, "redPct": 33, "amberPct": 33, "greenPct": 33 })
    );
    assert_eq!(
        s["overall"]["actions"],
        json!({ "red": 1, "amber": 0, "green": 1, "blue": 0, "completed": 0, "redPct": 50, "greenPct": 50 })
    );
    assert_eq!(s["priorities"][0]["counts"]["indicators"]["red"], 1);
    let exceptions: Vec<(String, String)> = s["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let reference = e["indicator"]["ref"]
                .as_str()
                .or(e["action"]["ref"].as_str())
                .unwrap();
            (
                reference.to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        exceptions,
        [
            ("A1".into(), "RED".into()),
            ("S2".into(), "RED".into()),
            ("S1".into(), "AMBER".into())
        ]
        .to_vec() as Vec<(String, String)>,
        "RED before AMBER, then by reference; partnership excluded"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn deadlines_list_what_is_due_and_whether_it_is_complete() {
    let c = RuleCouncil::new().await;
    let (app, token) = (&c.app, c.token.as_str());
    let monthly = c.indicator("D1", json!({})).await;
    set_target(app, token, &monthly, "2025-26", 100.0).await;
    record(app, token, &monthly, "2025-09", 100.0, None).await;
    record(app, token, &monthly, "2025-10", 90.0, None).await;
    let d = app
        .data(
            Caller::Token(token),
            r#"{ deadlines(from: "2025-10-01", to: "2025-12-31") {
            period dueDate complete missing extended indicator { ref } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        d["deadlines"],
        json!([
            { "period": "2025-09", "dueDate": "2025-10-10", "complete": true, "missing": null, "extended": false, "indicator": { "ref": "D1" } },
            { "period": "2025-10", "dueDate": "2025-11-10", "complete": false, "missing": "COMMENTARY", "extended": false, "indicator": { "ref": "D1" } },
            { "period": "2025-11", "dueDate": "2025-12-10", "complete": false, "missing": "VALUE", "extended": false, "indicator": { "ref": "D1" } },
        ])
    );
    let body = app
        .graphql(
            Caller::Token(token),
            r#"{ deadlines(from: "2025-12-31", to: "2025-01-01") { period } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    c.app.stop().await;
}

/// The demo council's dashboard agrees with the core rules applied to what it returns.
#[tokio::test]
async fn the_demo_dashboard_agrees_with_the_rules() {
    use pmf_core::{IndicatorStatus, Polarity, RatingRule, Tolerance, Trend};
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let query = r#"query($period: String!, $from: String!, $to: String!) {
      plans { title priorities { code indicators {
        ref polarity monitorOnly tolerancePct cumulative frequency
        result(period: $period) { ratedPeriod actual target status trend previousStatus }
        series(from: $from, to: $to) { period ratedPeriod actual target status }
      } } } }"#;
    let data = app
        .data(
            Caller::Token(&token),
            query,
            json!({ "period": "2026-27 Q2", "from": "2025-26 Q3", "to": "2026-27 Q2" }),
        )
        .await;
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut checked = 0;
    for plan in data["plans"].as_array().unwrap() {
        for priority in plan["priorities"].as_array().unwrap() {
            for i in priority["indicators"].as_array().unwrap() {
                let polarity: Polarity = i["polarity"].as_str().unwrap().parse().unwrap();
                let rule = RatingRule {
                    monitor_only: i["monitorOnly"].as_bool().unwrap(),
                    polarity,
                    tolerance: Tolerance::relative_pct(i["tolerancePct"].as_f64().unwrap())
                        .unwrap(),
                    on_tolerance: pmf_core::OnTolerance::default(),
                };
                let series = i["series"].as_array().unwrap();
                assert_eq!(series.len(), 4);
                for r in series.iter().chain([&i["result"]]) {
                    let expected = pmf_core::indicator_status(
                        &rule,
                        r["actual"].as_f64(),
                        r["target"].as_f64(),
                    );
                    assert_eq!(
                        r["status"],
                        expected.as_str(),
                        "{} {}",
                        i["ref"],
                        r["period"]
                    );
                    *seen.entry(expected.as_str().to_string()).or_default() += 1;
                    checked += 1;
                }
                // Quarterly and monthly measures compare with the previous period (series
                // holds quarter ends); cumulative ones with last year's.
                if i["frequency"] == "QUARTERLY" && !i["cumulative"].as_bool().unwrap() {
                    let previous = &series[2];
                    let (trend, _) = pmf_core::trend(
                        polarity,
                        i["result"]["actual"].as_f64(),
                        previous["actual"].as_f64(),
                    );
                    assert_eq!(i["result"]["trend"], trend.as_str(), "{}", i["ref"]);
                    let previous_status = previous["status"].as_str().unwrap();
                    if previous["actual"].is_null() {
                        assert!(
                            i["result"]["previousStatus"].is_null()
                                || i["result"]["previousStatus"] == "NO_DATA"
                        );
                    } else {
                        assert_eq!(
                            i["result"]["previousStatus"], previous_status,
                            "{}",
                            i["ref"]
                        );
                    }
                }
                if polarity == Polarity::Neutral {
                    assert_eq!(i["result"]["trend"], Trend::NotComparable.as_str());
                    assert_eq!(i["result"]["status"], IndicatorStatus::MonitorOnly.as_str());
                }
            }
        }
    }
    assert!(checked > 150, "{checked}");
    for status in ["GREEN", "AMBER", "RED", "MONITOR_ONLY", "NO_DATA"] {
        assert!(
            seen.contains_key(status),
            "the demo shows {status}: {seen:?}"
        );
    }
    // The public portal of the demo council works without a token.
    let public = app
        .data(
            Caller::Public("demo"),
            "{ organisation { name } plans { title } }",
            json!({}),
        )
        .await;
    assert_eq!(public["organisation"]["name"], "Demo District Council");
    assert_eq!(public["plans"].as_array().unwrap().len(), 2);
    app.stop().await;
}

/// Every filter of the contract keeps exactly the items the full list says it should.
#[tokio::test]
async fn every_filter_keeps_what_the_full_list_says() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let caller = Caller::Token(&token);
    let all = app
        .data(caller, "{ indicators { edges { node { id level frequency owner { id } priority { id } } } } actions { edges { node { id owner { id } priority { id } } } } }", json!({}))
        .await;
    let nodes = |d: &Value, list: &str| -> Vec<Value> {
        d[list]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    };
    let ids = |nodes: &[Value]| -> Vec<String> {
        nodes
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    let indicators = nodes(&all, "indicators");
    let actions = nodes(&all, "actions");
    assert!(indicators.len() > 40 && actions.len() > 30);
    let priority = indicators[0]["priority"]["id"].clone();
    let owner = indicators[3]["owner"]["id"].clone();
    let q = |list: &str| {
        format!(
            "query($f: {}Filter) {{ {list}(filter: $f) {{ totalCount edges {{ node {{ id }} }} }} }}",
            if list == "indicators" {
                "Indicator"
            } else {
                "Action"
            }
        )
    };
    for (filter, keep) in [
        (
            json!({ "priorityId": priority }),
            Box::new(|n: &Value| n["priority"]["id"] == priority) as Box<dyn Fn(&Value) -> bool>,
        ),
        (
            json!({ "ownerId": owner }),
            Box::new(|n: &Value| n["owner"]["id"] == owner),
        ),
        (
            json!({ "level": "CONTEXTUAL" }),
            Box::new(|n: &Value| n["level"] == "CONTEXTUAL"),
        ),
        (
            json!({ "level": "KPM", "frequency": "MONTHLY" }),
            Box::new(|n: &Value| n["level"] == "KPM" && n["frequency"] == "MONTHLY"),
        ),
    ] {
        let d = app
            .data(caller, &q("indicators"), json!({ "f": filter }))
            .await;
        let expected: Vec<Value> = indicators.iter().filter(|n| keep(n)).cloned().collect();
        assert!(!expected.is_empty(), "{filter}");
        assert_eq!(ids(&nodes(&d, "indicators")), ids(&expected), "{filter}");
        assert_eq!(d["indicators"]["totalCount"], expected.len(), "{filter}");
    }
    let action_owner = actions[0]["owner"]["id"].clone();
    let action_priority = actions[0]["priority"]["id"].clone();
    for (filter, keep) in [
        (
            json!({ "priorityId": action_priority }),
            Box::new(|n: &Value| n["priority"]["id"] == action_priority)
                as Box<dyn Fn(&Value) -> bool>,
        ),
        (
            json!({ "ownerId": action_owner }),
            Box::new(|n: &Value| n["owner"]["id"] == action_owner),
        ),
    ] {
        let d = app
            .data(caller, &q("actions"), json!({ "f": filter }))
            .await;
        let expected: Vec<Value> = actions.iter().filter(|n| keep(n)).cloned().collect();
        assert!(!expected.is_empty(), "{filter}");
        assert_eq!(ids(&nodes(&d, "actions")), ids(&expected), "{filter}");
    }
    // deadlines(ownerId) keeps the owner's items only.
    let deadlines = r#"query($o: ID) { deadlines(from: "2026-11-01", to: "2026-12-31", ownerId: $o) { owner { id } complete } }"#;
    let everyone = app.data(caller, deadlines, json!({})).await["deadlines"]
        .as_array()
        .unwrap()
        .clone();
    let theirs = app.data(caller, deadlines, json!({ "o": owner })).await["deadlines"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!theirs.is_empty() && theirs.len() < everyone.len());
    assert!(theirs.iter().all(|d| d["owner"]["id"] == owner));
    assert_eq!(
        theirs.len(),
        everyone
            .iter()
            .filter(|d| d["owner"]["id"] == owner)
            .count()
    );
    assert!(
        everyone.iter().any(|d| d["complete"] == false),
        "the demo has outstanding items"
    );
    app.stop().await;
}
