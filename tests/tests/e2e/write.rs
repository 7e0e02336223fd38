//! The write side: who may write what, validation that changes nothing, optimistic
//! concurrency, and the audit trail.
use pmf_tests::{Caller, TestApp, error_code};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::fixtures::*;

/// A council with a line-management chain: director → manager → officer, a second officer
/// elsewhere, a viewer; one indicator owned by the officer.
struct Council {
    app: TestApp,
    admin: String,
    director: String,
    manager: String,
    officer: String,
    other_officer: String,
    viewer: String,
    indicator: String,
}

async fn user(
    app: &TestApp,
    admin: &str,
    email: &str,
    role: &str,
    manager: Option<&str>,
) -> String {
    let d = app
        .data(
            Caller::Token(admin),
            CREATE_USER,
            json!({ "input": { "name": email, "email": email, "role": role, "managerId": manager } }),
        )
        .await;
    id(&d["createUser"]["id"])
}

impl Council {
    async fn new() -> Self {
        let app = TestApp::builder().start().await;
        let admin = app
            .bootstrap("Test Council", "test", "admin@test.example")
            .await;
        let director_id = user(&app, &admin, "director@test.example", "EXECUTIVE", None).await;
        let manager_id = user(
            &app,
            &admin,
            "manager@test.example",
            "MANAGER",
            Some(&director_id),
        )
        .await;
        let officer_id = user(
            &app,
            &admin,
            "officer@test.example",
            "OFFICER",
            Some(&manager_id),
        )
        .await;
        user(&app, &admin, "other@test.example", "OFFICER", None).await;
        user(&app, &admin, "viewer@test.example", "VIEWER", None).await;
        let plan = create_plan(&app, &admin, true).await;
        let priority = create_priority(&app, &admin, &plan, "P").await;
        let indicator = create_indicator(
            &app,
            &admin,
            json!({ "priorityId": priority, "ref": "W1", "title": "Complaints answered in time",
                    "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY",
                    "ownerId": officer_id }),
        )
        .await;
        set_target(&app, &admin, &indicator, "2025-26", 90.0).await;
        let token = |email: &'static str| {
            let app = &app;
            async move { app.token("test", email).await }
        };
        Council {
            director: token("director@test.example").await,
            manager: token("manager@test.example").await,
            officer: token("officer@test.example").await,
            other_officer: token("other@test.example").await,
            viewer: token("viewer@test.example").await,
            admin,
            indicator,
            app,
        }
    }

    async fn record(&self, token: &str, input: Value) -> Value {
        let mut full = json!({ "indicatorId": self.indicator, "period": "2025-06" });
        full.as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        self.app
            .graphql(Caller::Token(token), RECORD, json!({ "input": full }))
            .await
    }

    async fn measurements(&self) -> u64 {
        pmf_store::entity::measurement::Entity::find()
            .count(&self.app.db.conn)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn owners_and_their_line_managers_may_record_others_may_not() {
    let c = Council::new().await;
    let value = json!({ "value": 95.0 });
    for (who, token) in [("other officer", &c.other_officer), ("viewer", &c.viewer)] {
        let body = c.record(token, value.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{who}: {body}");
    }
    let body = c
        .app
        .graphql(
            Caller::Public("test"),
            RECORD,
            json!({ "input": { "indicatorId": c.indicator, "period": "2025-06", "value": 1.0 } }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(c.measurements().await, 0, "refusals change nothing");
    for (who, token) in [
        ("owner", &c.officer),
        ("manager", &c.manager),
        ("director", &c.director),
        ("admin", &c.admin),
    ] {
        let body = c.record(token, value.clone()).await;
        assert!(body.get("errors").is_none(), "{who}: {body}");
    }
    assert_eq!(c.measurements().await, 1);
    // Registers are the performance team's: an officer cannot add users or plans.
    let body = c
        .app
        .graphql(
            Caller::Token(&c.officer),
            CREATE_USER,
            json!({ "input": { "name": "x", "email": "x@test.example", "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app.stop().await;
}

#[tokio::test]
async fn officers_propose_indicators_and_admins_create_them_active() {
    let c = Council::new().await;
    let input = |reference: &str| json!({ "input": { "ref": reference, "title": "New measure", "unit": "COUNT", "polarity": "LOWER_IS_BETTER", "frequency": "QUARTERLY" } });
    let d = c
        .app
        .data(Caller::Token(&c.officer), CREATE_INDICATOR, input("N1"))
        .await;
    assert_eq!(d["createIndicator"]["lifecycle"], "PROPOSED");
    let d = c
        .app
        .data(Caller::Token(&c.admin), CREATE_INDICATOR, input("N2"))
        .await;
    assert_eq!(d["createIndicator"]["lifecycle"], "ACTIVE");
    let body = c
        .app
        .graphql(Caller::Token(&c.admin), CREATE_INDICATOR, input("N2"))
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let body = c
        .app
        .graphql(Caller::Token(&c.viewer), CREATE_INDICATOR, input("N3"))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_specific_error_and_changes_nothing() {
    let c = Council::new().await;
    for (input, code, words) in [
        (
            json!({ "period": "2025/06", "value": 1.0 }),
            "BAD_USER_INPUT",
            "2025-26 Q1",
        ),
        (
            json!({ "period": "2025-26 Q1", "value": 1.0 }),
            "BAD_USER_INPUT",
            "monthly",
        ),
        (
            json!({ "period": "2023-06", "value": 1.0 }),
            "BAD_USER_INPUT",
            "outside the plan",
        ),
        (
            json!({ "period": "2026-06", "value": 1.0 }),
            "BAD_USER_INPUT",
            "not started",
        ),
        (
            json!({ "indicatorId": "999999", "value": 1.0 }),
            "NOT_FOUND",
            "indicator",
        ),
        (
            json!({ "indicatorId": "abc", "value": 1.0 }),
            "NOT_FOUND",
            "indicator",
        ),
        (
            json!({ "value": 1.0, "expectedVersion": 3 }),
            "CONFLICT",
            "version",
        ),
    ] {
        let body = c.record(&c.admin, input.clone()).await;
        assert_eq!(error_code(&body), code, "{input}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains(words),
            "{input}: {message:?} should mention {words:?}"
        );
    }
    assert_eq!(c.measurements().await, 0);
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_PLAN, json!({ "input": {
        "kind": "SERVICE_PLAN", "title": "Backwards", "startDate": "2026-04-01", "endDate": "2025-04-01" } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            CREATE_USER,
            json!({ "input": {
        "name": "No at", "email": "not-an-email", "role": "OFFICER" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            CREATE_USER,
            json!({ "input": {
        "name": "Dup", "email": "OFFICER@test.example", "role": "OFFICER" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "CONFLICT",
        "e-mails are compared without case"
    );
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, json!({ "input": {
        "ref": "T", "title": "t", "unit": "COUNT", "polarity": "NEUTRAL", "frequency": "ANNUAL", "tolerancePct": -1.0 } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    c.app.stop().await;
}

/// The fields and codes of a refusal's `extensions.problems`, in order.
fn problems(body: &Value) -> Vec<(String, String)> {
    body["errors"][0]["extensions"]["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {body}"))
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap_or_default().to_string(),
                p["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn fields(list: &[(String, String)]) -> Vec<&str> {
    list.iter().map(|(f, _)| f.as_str()).collect()
}

async fn audit_entries(app: &TestApp) -> u64 {
    pmf_store::entity::audit_entry::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap()
}

/// A register form hears of every problem of its input at once, each naming its field:
/// what the API can tell from the input alone (a blank title, a tolerance out of range) and
/// what only the data can (a reference taken, an owner who cannot record, a priority of
/// another council), together; nothing is written. A single problem keeps its own code.
#[tokio::test]
async fn register_writes_report_every_problem_at_once_and_change_nothing() {
    let c = Council::new().await;
    let viewer = c
        .app
        .data(Caller::Token(&c.admin), "{ users { id email } }", json!({}))
        .await["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "viewer@test.example")
        .map(|u| id(&u["id"]))
        .unwrap();
    let before = audit_entries(&c.app).await;

    // createIndicator: input problems and data problems in one answer.
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, json!({ "input": {
        "ref": "W1", "title": "  ", "unit": "COUNT", "polarity": "NEUTRAL", "frequency": "MONTHLY",
        "tolerancePct": -1.0, "ownerId": viewer, "priorityId": "999999", "firstPeriod": "2025-26 Q1" } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let found = problems(&body);
    assert_eq!(
        fields(&found),
        [
            "title",
            "tolerancePct",
            "firstPeriod",
            "ref",
            "priorityId",
            "ownerId"
        ],
        "{body}"
    );
    let codes: Vec<&str> = found.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "BAD_USER_INPUT",
            "BAD_USER_INPUT",
            "BAD_USER_INPUT",
            "CONFLICT",
            "NOT_FOUND",
            "BAD_USER_INPUT"
        ]
    );
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("6 problems: "), "{message}");
    assert!(
        message.contains("an indicator with ref W1 already exists"),
        "{message}"
    );
    assert!(message.contains("cannot own"), "{message}");

    // Only what the data refuses (the input itself is fine): still every problem at once.
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, json!({ "input": {
        "ref": "W1", "title": "Again", "unit": "COUNT", "polarity": "NEUTRAL", "frequency": "MONTHLY",
        "ownerId": viewer } })).await;
    assert_eq!(fields(&problems(&body)), ["ref", "ownerId"], "{body}");
    // One problem keeps its own code and message.
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, json!({ "input": {
        "ref": "W1", "title": "Again", "unit": "COUNT", "polarity": "NEUTRAL", "frequency": "MONTHLY" } })).await;
    assert_eq!(error_code(&body), "CONFLICT", "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "an indicator with ref W1 already exists"
    );
    assert_eq!(fields(&problems(&body)), ["ref"]);

    // updateIndicator: a blank title, a VIEWER owner, a group of no one's.
    let body = c.app.graphql(Caller::Token(&c.admin),
        r#"mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { id } }"#,
        json!({ "input": { "id": c.indicator, "title": "", "ownerId": viewer, "comparatorGroupId": "424242" } })).await;
    assert_eq!(
        fields(&problems(&body)),
        ["title", "ownerId", "comparatorGroupId"],
        "{body}"
    );

    // createAction: a blank title, a priority that is not there, a VIEWER owner, a sponsor
    // of no one's, a due date before its start.
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            CREATE_ACTION,
            json!({ "input": {
        "priorityId": "999999", "title": "", "ownerId": viewer, "sponsorId": "888888",
        "plannedStart": "2025-06-01", "dueDate": "2025-05-01" } }),
        )
        .await;
    assert_eq!(
        fields(&problems(&body)),
        ["title", "dueDate", "priorityId", "ownerId", "sponsorId"],
        "{body}"
    );

    // createPlan: a blank title and its dates the wrong way round.
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_PLAN, json!({ "input": {
        "kind": "SERVICE_PLAN", "title": "", "startDate": "2026-04-01", "endDate": "2025-04-01" } })).await;
    assert_eq!(fields(&problems(&body)), ["title", "endDate"], "{body}");
    // createPriority: a blank title and a plan that is not there.
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            CREATE_PRIORITY,
            json!({ "input": {
        "planId": "999999", "title": " " } }),
        )
        .await;
    assert_eq!(fields(&problems(&body)), ["title", "planId"], "{body}");

    assert_eq!(audit_entries(&c.app).await, before, "nothing was written");
    c.app.stop().await;
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_never_a_lost_update() {
    let c = Council::new().await;
    let first = c
        .record(&c.officer, json!({ "value": 80.0, "expectedVersion": 0 }))
        .await;
    assert_eq!(first["data"]["recordMeasurement"]["version"], 1);
    assert_eq!(
        first["data"]["recordMeasurement"]["missing"], "COMMENTARY",
        "RED without commentary"
    );
    let fixed = c
        .record(
            &c.officer,
            json!({ "value": 80.0, "commentary": "two vacancies", "expectedVersion": 1 }),
        )
        .await;
    assert_eq!(fixed["data"]["recordMeasurement"]["version"], 2);
    assert_eq!(fixed["data"]["recordMeasurement"]["complete"], true);
    let stale = c
        .record(&c.manager, json!({ "value": 99.0, "expectedVersion": 1 }))
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
    let d = c.app.data(Caller::Token(&c.admin), "query($id: ID!) { indicator(id: $id) { result(period: \"2025-06\") { actual version commentary } } }", json!({ "id": c.indicator })).await;
    assert_eq!(
        d["indicator"]["result"],
        json!({ "actual": 80.0, "version": 2, "commentary": "two vacancies" })
    );
    c.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_of_one_version_never_both_win() {
    let c = Council::new().await;
    c.record(&c.officer, json!({ "value": 91.0 })).await;
    for round in 0..5 {
        let version = 1 + round;
        let input = |value: f64| json!({ "value": value, "expectedVersion": version });
        // Four writers at once, all having seen the same version.
        let (a, b, d, e) = tokio::join!(
            c.record(&c.officer, input(90.0)),
            c.record(&c.manager, input(91.0)),
            c.record(&c.officer, input(92.0)),
            c.record(&c.manager, input(93.0))
        );
        let bodies = [a, b, d, e];
        let won: Vec<&Value> = bodies
            .iter()
            .filter(|b| b.get("errors").is_none())
            .collect();
        let lost = bodies
            .iter()
            .filter(|b| error_code(b) == "CONFLICT")
            .count();
        assert_eq!(
            won.len(),
            1,
            "round {round}: exactly one writer wins: {bodies:#?}"
        );
        assert_eq!(
            lost, 3,
            "round {round}: the others get CONFLICT: {bodies:#?}"
        );
        assert_eq!(won[0]["data"]["recordMeasurement"]["version"], version + 1);
    }
    c.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_writers_of_one_version_one_wins_nineteen_get_conflict_and_one_is_audited() {
    use pmf_store::entity::audit_entry;
    use sea_orm::{ColumnTrait, QueryFilter};
    let c = Council::new().await;
    c.record(&c.officer, json!({ "value": 91.0 })).await;
    let audited = || async {
        audit_entry::Entity::find()
            .filter(audit_entry::Column::Entity.eq("measurement"))
            .count(&c.app.db.conn)
            .await
            .unwrap()
    };
    let before = audited().await;
    let writers = (0..20).map(|n| {
        let token = if n % 2 == 0 { &c.officer } else { &c.manager };
        c.record(
            token,
            json!({ "value": 70.0 + f64::from(n), "commentary": format!("writer {n}"), "expectedVersion": 1 }),
        )
    });
    let bodies: Vec<Value> = futures_util::future::join_all(writers).await;
    let won: Vec<&Value> = bodies
        .iter()
        .filter(|b| b.get("errors").is_none())
        .collect();
    let conflicts = bodies
        .iter()
        .filter(|b| error_code(b) == "CONFLICT")
        .count();
    assert_eq!((won.len(), conflicts), (1, 19), "{bodies:#?}");
    assert_eq!(won[0]["data"]["recordMeasurement"]["version"], 2);
    assert_eq!(
        audited().await - before,
        1,
        "one audit entry for the one write"
    );
    // What is stored is the winner's value.
    let stored = c.app.data(Caller::Token(&c.admin), "query($id: ID!) { indicator(id: $id) { result(period: \"2025-06\") { actual version } } }", json!({ "id": c.indicator })).await;
    assert_eq!(
        stored["indicator"]["result"]["actual"],
        won[0]["data"]["recordMeasurement"]["actual"]
    );
    c.app.stop().await;
}

#[tokio::test]
async fn every_write_leaves_an_audit_entry_with_before_and_after() {
    let c = Council::new().await;
    c.record(&c.officer, json!({ "value": 95.0 })).await;
    c.record(
        &c.manager,
        json!({ "value": 96.0, "commentary": "corrected" }),
    )
    .await;
    use pmf_store::entity::audit_entry;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let rows = audit_entry::Entity::find()
        .filter(audit_entry::Column::Entity.eq("measurement"))
        .order_by_asc(audit_entry::Column::Id)
        .all(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].operation, "create");
    assert!(rows[0].before.is_none());
    let after: Value = serde_json::from_str(rows[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["value"], 95.0);
    let before: Value = serde_json::from_str(rows[1].before.as_deref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(rows[1].after.as_deref().unwrap()).unwrap();
    assert_eq!(
        (before["value"].as_f64(), after["value"].as_f64()),
        (Some(95.0), Some(96.0))
    );
    assert_eq!(after["commentary"], "corrected");
    assert_ne!(rows[0].actor_id, rows[1].actor_id, "who is recorded");
    let creates = audit_entry::Entity::find()
        .filter(audit_entry::Column::Operation.eq("create"))
        .filter(audit_entry::Column::Entity.is_in([
            "user",
            "plan",
            "priority",
            "indicator",
            "target",
        ]))
        .count(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(
        creates,
        5 + 1 + 1 + 1 + 1,
        "users, plan, priority, indicator, target"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn deadline_extensions_move_the_due_date() {
    let c = Council::new().await;
    let grant = r#"mutation($input: DeadlineExtensionInput!) { grantDeadlineExtension(input: $input) {
        period dueDate extended complete missing indicator { ref } } }"#;
    let input = |due: &str| json!({ "input": { "indicatorId": c.indicator, "period": "2025-10", "dueDate": due, "reason": "system migration" } });
    let body = c
        .app
        .graphql(Caller::Token(&c.officer), grant, input("2025-11-20"))
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "extensions are agreed by an EXECUTIVE"
    );
    let body = c
        .app
        .graphql(Caller::Token(&c.director), grant, input("2025-11-05"))
        .await;
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "earlier than the normal date"
    );
    let d = c
        .app
        .data(Caller::Token(&c.director), grant, input("2025-11-20"))
        .await;
    assert_eq!(
        d["grantDeadlineExtension"],
        json!({ "period": "2025-10", "dueDate": "2025-11-20", "extended": true, "complete": false, "missing": "VALUE", "indicator": { "ref": "W1" } })
    );
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            "query($id: ID!) { indicator(id: $id) { result(period: \"2025-10\") { dueDate } } }",
            json!({ "id": c.indicator }),
        )
        .await;
    assert_eq!(d["indicator"]["result"]["dueDate"], "2025-11-20");
    c.app.stop().await;
}

#[tokio::test]
async fn proposed_indicators_are_approved_by_an_executive_and_retired_by_an_admin() {
    let c = Council::new().await;
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            CREATE_INDICATOR,
            json!({ "input": {
        "ref": "NEW1", "title": "Food hygiene inspections on time", "unit": "PERCENT",
        "polarity": "HIGHER_IS_BETTER", "frequency": "QUARTERLY" } }),
        )
        .await;
    let proposed = d["createIndicator"]["id"].clone();
    let list = r#"{ indicators { edges { node { ref } } } }"#;
    let refs = |d: &Value| {
        d["indicators"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["ref"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        !refs(&c.app.data(Caller::Token(&c.admin), list, json!({})).await)
            .contains(&"NEW1".to_string()),
        "PROPOSED is not listed as active"
    );
    let approve = r#"mutation($id: ID!) { approveIndicator(id: $id) { lifecycle approvedAt approvedBy { email } } }"#;
    let body = c
        .app
        .graphql(
            Caller::Token(&c.officer),
            approve,
            json!({ "id": proposed }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let d = c
        .app
        .data(
            Caller::Token(&c.director),
            approve,
            json!({ "id": proposed }),
        )
        .await;
    assert_eq!(d["approveIndicator"]["lifecycle"], "ACTIVE");
    assert_eq!(
        d["approveIndicator"]["approvedBy"]["email"],
        "director@test.example"
    );
    assert_eq!(d["approveIndicator"]["approvedAt"], "2025-11-16T12:00:00Z");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.director),
            approve,
            json!({ "id": proposed }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "already active");

    let retire = r#"mutation($id: ID!) { retireIndicator(id: $id) { lifecycle } }"#;
    let body = c
        .app
        .graphql(
            Caller::Token(&c.director),
            retire,
            json!({ "id": c.indicator }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            retire,
            json!({ "id": c.indicator }),
        )
        .await;
    assert_eq!(d["retireIndicator"]["lifecycle"], "RETIRED");
    let d = c.app.data(Caller::Token(&c.admin), list, json!({})).await;
    assert_eq!(refs(&d), ["NEW1"]);
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            r#"{ deadlines(from: "2025-04-01", to: "2026-06-30") { indicator { ref } } }"#,
            json!({}),
        )
        .await;
    assert!(
        d["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["indicator"]["ref"] != "W1"),
        "retired indicators are never chased"
    );
    let body = c.record(&c.officer, json!({ "value": 1.0 })).await;
    assert_eq!(
        error_code(&body),
        "BAD_USER_INPUT",
        "no values for a retired indicator"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn edits_use_expected_versions_and_are_audited() {
    let c = Council::new().await;
    let update = r#"mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { title version published tolerancePct toleranceAbsolute firstPeriod } }"#;
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            update,
            json!({ "input": {
        "id": c.indicator, "expectedVersion": 1, "title": "Complaints answered within 10 days",
        "published": true, "toleranceAbsolute": 2.5, "firstPeriod": "2025-04" } }),
        )
        .await;
    assert_eq!(
        d["updateIndicator"],
        json!({ "title": "Complaints answered within 10 days", "version": 2, "published": true, "tolerancePct": 0.0, "toleranceAbsolute": 2.5, "firstPeriod": "2025-04" })
    );
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            update,
            json!({ "input": { "id": c.indicator, "expectedVersion": 1, "title": "Stale" } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.admin),
            update,
            json!({ "input": { "id": c.indicator, "firstPeriod": "2025-26 Q1" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.officer),
            update,
            json!({ "input": { "id": c.indicator, "title": "Mine" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");

    let log =
        r#"query($e: String) { auditLog(entity: $e) { entity operation before after actorId } }"#;
    let d = c
        .app
        .data(Caller::Token(&c.director), log, json!({ "e": "indicator" }))
        .await;
    let latest = &d["auditLog"][0];
    assert_eq!(latest["operation"], "update");
    let before: Value = serde_json::from_str(latest["before"].as_str().unwrap()).unwrap();
    let after: Value = serde_json::from_str(latest["after"].as_str().unwrap()).unwrap();
    assert_eq!(before["title"], "Complaints answered in time");
    assert_eq!(after["title"], "Complaints answered within 10 days");
    let body = c
        .app
        .graphql(Caller::Token(&c.officer), log, json!({}))
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app.stop().await;
}

#[tokio::test]
async fn deactivated_users_and_revoked_tokens_cannot_sign_in() {
    let c = Council::new().await;
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            r#"mutation { createApiToken(name: "power bi") { secret token { id name } } }"#,
            json!({}),
        )
        .await;
    let secret = d["createApiToken"]["secret"].as_str().unwrap().to_string();
    let token_id = d["createApiToken"]["token"]["id"].clone();
    assert_eq!(
        c.app
            .data(Caller::Token(&secret), "{ viewer { email } }", json!({}))
            .await["viewer"]["email"],
        "officer@test.example"
    );
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            "{ apiTokens { name revokedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["apiTokens"].as_array().unwrap().len(),
        2,
        "their own tokens only"
    );
    let body = c
        .app
        .graphql(
            Caller::Token(&c.other_officer),
            "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
            json!({ "id": token_id }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app
        .data(
            Caller::Token(&c.officer),
            "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
            json!({ "id": token_id }),
        )
        .await;
    let body = c
        .app
        .graphql(Caller::Token(&secret), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");

    let officer_id = c
        .app
        .data(Caller::Token(&c.officer), "{ viewer { id } }", json!({}))
        .await["viewer"]["id"]
        .clone();
    let deactivate =
        "mutation($id: ID!, $a: Boolean!) { setUserActive(id: $id, active: $a) { active } }";
    let body = c
        .app
        .graphql(
            Caller::Token(&c.director),
            deactivate,
            json!({ "id": officer_id, "a": false }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app
        .data(
            Caller::Token(&c.admin),
            deactivate,
            json!({ "id": officer_id, "a": false }),
        )
        .await;
    let body = c
        .app
        .graphql(Caller::Token(&c.officer), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    c.app.stop().await;
}

#[tokio::test]
async fn organisation_settings_are_validated_and_change_due_dates() {
    let c = Council::new().await;
    let settings = r#"mutation($input: OrganisationSettingsInput!) { updateOrganisationSettings(input: $input) { deadlineDay timeZone reminderTime amberAlerts } }"#;
    for bad in [
        json!({ "deadlineDay": 30 }),
        json!({ "timeZone": "Mars/Olympus" }),
        json!({ "reminderTime": "25:00" }),
        json!({ "financialYearStartMonth": 13 }),
    ] {
        let body = c
            .app
            .graphql(Caller::Token(&c.admin), settings, json!({ "input": bad }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}: {body}");
    }
    let body = c
        .app
        .graphql(
            Caller::Token(&c.director),
            settings,
            json!({ "input": { "deadlineDay": 15 } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            settings,
            json!({ "input": { "deadlineDay": 15, "reminderTime": "07:30", "amberAlerts": true } }),
        )
        .await;
    assert_eq!(
        d["updateOrganisationSettings"],
        json!({ "deadlineDay": 15, "timeZone": "Europe/London", "reminderTime": "07:30", "amberAlerts": true })
    );
    let d = c
        .app
        .data(
            Caller::Token(&c.admin),
            "query($id: ID!) { indicator(id: $id) { result(period: \"2025-10\") { dueDate } } }",
            json!({ "id": c.indicator }),
        )
        .await;
    assert_eq!(d["indicator"]["result"]["dueDate"], "2025-11-15");
    c.app.stop().await;
}

#[tokio::test]
async fn action_updates_are_quarterly_and_written_by_the_owner_chain() {
    let c = Council::new().await;
    let officer_id = c
        .app
        .data(Caller::Token(&c.officer), "{ viewer { id } }", json!({}))
        .await["viewer"]["id"]
        .clone();
    let priority = c
        .app
        .data(
            Caller::Token(&c.admin),
            "{ plans { priorities { id } } }",
            json!({}),
        )
        .await["plans"][0]["priorities"][0]["id"]
        .clone();
    let body = c
        .app
        .graphql(
            Caller::Token(&c.officer),
            CREATE_ACTION,
            json!({ "input": { "priorityId": priority, "title": "Customer charter" } }),
        )
        .await;
    assert_eq!(
        error_code(&body),
        "FORBIDDEN",
        "the register's actions are created by the performance team"
    );
    let d = c.app.data(Caller::Token(&c.director), CREATE_ACTION, json!({ "input": { "priorityId": priority, "ref": "1.1a", "title": "Customer charter", "ownerId": officer_id } })).await;
    let action = d["createAction"]["id"].clone();
    let update = |period: &str, status: &str| json!({ "input": { "actionId": action, "period": period, "status": status, "commentary": "on track", "nextSteps": "consult" } });
    let body = c
        .app
        .graphql(
            Caller::Token(&c.officer),
            ACTION_UPDATE,
            update("2025-07", "GREEN"),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("2025-26 Q2")
    );
    let body = c
        .app
        .graphql(
            Caller::Token(&c.other_officer),
            ACTION_UPDATE,
            update("2025-26 Q2", "GREEN"),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            ACTION_UPDATE,
            update("2025-26 Q2", "AMBER"),
        )
        .await;
    assert_eq!(d["recordActionUpdate"]["status"], "AMBER");
    assert_eq!(
        d["recordActionUpdate"]["updates"],
        json!([{ "period": "2025-26 Q2", "status": "AMBER", "commentary": "on track" }])
    );
    let d = c
        .app
        .data(
            Caller::Token(&c.manager),
            ACTION_UPDATE,
            update("2025-26 Q2", "GREEN"),
        )
        .await;
    assert_eq!(
        d["recordActionUpdate"]["status"], "GREEN",
        "the latest update wins"
    );
    let d = c.app.data(Caller::Token(&c.admin), "{ a: actions(filter: { status: GREEN, statusPeriod: \"2025-26 Q3\" }) { totalCount } b: actions(filter: { status: NOT_STARTED, statusPeriod: \"2025-26 Q1\" }) { totalCount } }", json!({})).await;
    assert_eq!(
        (d["a"]["totalCount"].as_i64(), d["b"]["totalCount"].as_i64()),
        (Some(1), Some(1))
    );
    c.app.stop().await;
}

#[tokio::test]
async fn tokens_expire_and_their_last_use_is_recorded() {
    let c = Council::new().await;
    let d = c.app.data(Caller::Token(&c.officer), r#"mutation { createApiToken(name: "kiosk", expiresAt: "2025-11-17T12:00:00Z") { secret token { id expiresAt lastUsedAt } } }"#, json!({})).await;
    let secret = d["createApiToken"]["secret"].as_str().unwrap().to_string();
    assert_eq!(d["createApiToken"]["token"]["lastUsedAt"], Value::Null);
    assert_eq!(
        c.app
            .data(Caller::Token(&secret), "{ viewer { email } }", json!({}))
            .await["viewer"]["email"],
        "officer@test.example"
    );
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            "{ apiTokens { name lastUsedAt } }",
            json!({}),
        )
        .await;
    let kiosk = d["apiTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "kiosk")
        .unwrap()
        .clone();
    assert_eq!(kiosk["lastUsedAt"], "2025-11-16T12:00:00Z");
    let body = c.app.graphql(Caller::Token(&c.officer), r#"mutation { createApiToken(name: "past", expiresAt: "2025-11-01T00:00:00Z") { secret } }"#, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    c.app.clock.advance(chrono::Duration::days(2));
    let body = c
        .app
        .graphql(Caller::Token(&secret), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    c.app.stop().await;
}

#[tokio::test]
async fn plans_priorities_objectives_and_actions_can_be_edited() {
    let c = Council::new().await;
    let plan = c
        .app
        .data(
            Caller::Token(&c.admin),
            "{ plans { id version: title priorities { id } } }",
            json!({}),
        )
        .await["plans"][0]
        .clone();
    let d = c.app.data(Caller::Token(&c.admin), r#"mutation($id: ID!) { updatePlan(input: { id: $id, title: "Corporate Plan 2024-2028 (refreshed)", status: ARCHIVED, published: false }) { title status published } }"#, json!({ "id": plan["id"] })).await;
    assert_eq!(
        d["updatePlan"],
        json!({ "title": "Corporate Plan 2024-2028 (refreshed)", "status": "ARCHIVED", "published": false })
    );
    let body = c.app.graphql(Caller::Token(&c.admin), r#"mutation($id: ID!) { updatePlan(input: { id: $id, endDate: "2020-01-01" }) { title } }"#, json!({ "id": plan["id"] })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let priority = plan["priorities"][0]["id"].clone();
    let d = c.app.data(Caller::Token(&c.admin), r#"mutation($id: ID!) { updatePriority(input: { id: $id, title: "Homes", description: null, expectedVersion: 1 }) { title description } }"#, json!({ "id": priority })).await;
    assert_eq!(
        d["updatePriority"],
        json!({ "title": "Homes", "description": null })
    );
    let d = c.app.data(Caller::Token(&c.admin), r#"mutation($p: ID!) { createObjective(input: { priorityId: $p, code: "H1", title: "More homes" }) { id code } }"#, json!({ "p": priority })).await;
    let objective = d["createObjective"]["id"].clone();
    let d = c.app.data(Caller::Token(&c.admin), r#"mutation($id: ID!) { updateObjective(input: { id: $id, title: "More affordable homes" }) { title } }"#, json!({ "id": objective })).await;
    assert_eq!(d["updateObjective"]["title"], "More affordable homes");
    let officer_id = c
        .app
        .data(Caller::Token(&c.officer), "{ viewer { id } }", json!({}))
        .await["viewer"]["id"]
        .clone();
    let d = c.app.data(Caller::Token(&c.admin), CREATE_ACTION, json!({ "input": { "priorityId": priority, "ref": "H-1", "title": "Homes programme", "ownerId": officer_id } })).await;
    let action = d["createAction"]["id"].clone();
    let update = r#"mutation($input: UpdateActionInput!) { updateAction(input: $input) { title dueDate version } }"#;
    let d = c
        .app
        .data(
            Caller::Token(&c.officer),
            update,
            json!({ "input": { "id": action, "dueDate": "2026-03-31", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(
        d["updateAction"],
        json!({ "title": "Homes programme", "dueDate": "2026-03-31", "version": 2 })
    );
    let body = c
        .app
        .graphql(
            Caller::Token(&c.other_officer),
            update,
            json!({ "input": { "id": action, "title": "Not mine" } }),
        )
        .await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    let body = c
        .app
        .graphql(
            Caller::Token(&c.manager),
            update,
            json!({ "input": { "id": action, "title": "Stale", "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(error_code(&body), "CONFLICT");
    c.app.stop().await;
}
