//! Councils built through the GraphQL contract, as a performance team would.
use pmf_tests::{Caller, TestApp};
use serde_json::{Value, json};

pub const CREATE_PLAN: &str =
    r#"mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }"#;
pub const CREATE_PRIORITY: &str =
    r#"mutation($input: CreatePriorityInput!) { createPriority(input: $input) { id } }"#;
pub const CREATE_INDICATOR: &str = r#"mutation($input: CreateIndicatorInput!) { createIndicator(input: $input) { id ref lifecycle } }"#;
pub const SET_TARGET: &str =
    r#"mutation($input: SetTargetInput!) { setTarget(input: $input) { id } }"#;
pub const RECORD: &str = r#"mutation($input: RecordMeasurementInput!) {
  recordMeasurement(input: $input) { period actual target targetIsProRata status previousStatus trend commentary dueDate version complete missing }
}"#;
pub const CREATE_USER: &str = r#"mutation($input: CreateUserInput!) { createUser(input: $input) { id email role manager { id } } }"#;
pub const CREATE_ACTION: &str =
    r#"mutation($input: CreateActionInput!) { createAction(input: $input) { id ref } }"#;
pub const ACTION_UPDATE: &str = r#"mutation($input: ActionUpdateInput!) {
  recordActionUpdate(input: $input) { id status(period: "2025-26 Q2") updates { period status commentary } }
}"#;

pub fn id(v: &Value) -> String {
    v.as_str().expect("an id").to_string()
}

/// The id of the demo council's corporate plan, as `caller` sees it.
pub async fn demo_corporate_plan(app: &TestApp, caller: Caller<'_>) -> String {
    let plans = app.data(caller, "{ plans { id kind } }", json!({})).await;
    plans["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["kind"] == "CORPORATE_PLAN")
        .map(|p| id(&p["id"]))
        .expect("the demo has a corporate plan it shows this caller")
}

pub async fn create_plan(app: &TestApp, token: &str, published: bool) -> String {
    let d = app
        .data(
            Caller::Token(token),
            CREATE_PLAN,
            json!({ "input": {
                "kind": "CORPORATE_PLAN", "title": "Corporate Plan 2024-28",
                "startDate": "2024-04-01", "endDate": "2028-03-31", "published": published
            }}),
        )
        .await;
    id(&d["createPlan"]["id"])
}

pub async fn create_priority(app: &TestApp, token: &str, plan: &str, code: &str) -> String {
    let d = app
        .data(
            Caller::Token(token),
            CREATE_PRIORITY,
            json!({ "input": { "planId": plan, "code": code, "title": format!("Priority {code}") } }),
        )
        .await;
    id(&d["createPriority"]["id"])
}

pub async fn create_indicator(app: &TestApp, token: &str, input: Value) -> String {
    let d = app
        .data(
            Caller::Token(token),
            CREATE_INDICATOR,
            json!({ "input": input }),
        )
        .await;
    id(&d["createIndicator"]["id"])
}

pub async fn set_target(app: &TestApp, token: &str, indicator: &str, period: &str, value: f64) {
    app.data(
        Caller::Token(token),
        SET_TARGET,
        json!({ "input": { "indicatorId": indicator, "period": period, "value": value } }),
    )
    .await;
}

pub async fn record(
    app: &TestApp,
    token: &str,
    indicator: &str,
    period: &str,
    value: f64,
    commentary: Option<&str>,
) -> Value {
    let d = app
        .data(
            Caller::Token(token),
            RECORD,
            json!({ "input": { "indicatorId": indicator, "period": period, "value": value, "commentary": commentary } }),
        )
        .await;
    d["recordMeasurement"].clone()
}

/// A council with `priorities` priorities of `per_priority` monthly indicators each, every
/// one with a 2025-26 target of 100 and values for April–November 2025.
pub async fn council_of_size(
    app: &TestApp,
    token: &str,
    priorities: usize,
    per_priority: usize,
) -> String {
    let plan = create_plan(app, token, true).await;
    for p in 0..priorities {
        let priority = create_priority(app, token, &plan, &format!("P{p}")).await;
        for i in 0..per_priority {
            let indicator = create_indicator(
                app,
                token,
                json!({
                    "priorityId": priority, "ref": format!("{p}.{i}"), "title": format!("Indicator {p}.{i}"),
                    "unit": "PERCENT", "polarity": if i % 2 == 0 { "HIGHER_IS_BETTER" } else { "LOWER_IS_BETTER" },
                    "frequency": "MONTHLY", "published": true
                }),
            )
            .await;
            set_target(app, token, &indicator, "2025-26", 100.0).await;
            for (m, month) in [
                "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09", "2025-10",
            ]
            .iter()
            .enumerate()
            {
                let value = 90.0 + ((p * 7 + i * 3 + m) % 20) as f64;
                record(app, token, &indicator, month, value, Some("noted")).await;
            }
        }
    }
    plan
}

/// A GraphQL multipart request (the spec's `operations`, `map` and one file part, given as
/// `variables.file`); the whole JSON answer.
pub async fn upload_file(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Value {
    let boundary = "pmf-test-boundary-7d2c";
    let operations = json!({ "query": query, "variables": variables });
    let mut body = Vec::new();
    for (field, value) in [
        ("operations", operations.to_string()),
        ("map", r#"{"0":["variables.file"]}"#.to_string()),
    ] {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    response.json().await.expect("a JSON answer")
}
