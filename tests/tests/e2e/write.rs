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

async fn user(app: &TestApp, admin: &str, email: &str, role: &str, manager: Option<&str>) -> String {
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
        let admin = app.bootstrap("Test Council", "test", "admin@test.example").await;
        let director_id = user(&app, &admin, "director@test.example", "EXECUTIVE", None).await;
        let manager_id = user(&app, &admin, "manager@test.example", "MANAGER", Some(&director_id)).await;
        let officer_id = user(&app, &admin, "officer@test.example", "OFFICER", Some(&manager_id)).await;
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
        full.as_object_mut().unwrap().extend(input.as_object().unwrap().clone());
        self.app.graphql(Caller::Token(token), RECORD, json!({ "input": full })).await
    }

    async fn measurements(&self) -> u64 {
        pmf_store::entity::measurement::Entity::find().count(&self.app.db.conn).await.unwrap()
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
    let body = c.app.graphql(Caller::Public("test"), RECORD, json!({ "input": { "indicatorId": c.indicator, "period": "2025-06", "value": 1.0 } })).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    assert_eq!(c.measurements().await, 0, "refusals change nothing");
    for (who, token) in [("owner", &c.officer), ("manager", &c.manager), ("director", &c.director), ("admin", &c.admin)] {
        let body = c.record(token, value.clone()).await;
        assert!(body.get("errors").is_none(), "{who}: {body}");
    }
    assert_eq!(c.measurements().await, 1);
    // Registers are the performance team's: an officer cannot add users or plans.
    let body = c.app.graphql(Caller::Token(&c.officer), CREATE_USER, json!({ "input": { "name": "x", "email": "x@test.example", "role": "ADMIN" } })).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app.stop().await;
}

#[tokio::test]
async fn officers_propose_indicators_and_admins_create_them_active() {
    let c = Council::new().await;
    let input = |reference: &str| json!({ "input": { "ref": reference, "title": "New measure", "unit": "COUNT", "polarity": "LOWER_IS_BETTER", "frequency": "QUARTERLY" } });
    let d = c.app.data(Caller::Token(&c.officer), CREATE_INDICATOR, input("N1")).await;
    assert_eq!(d["createIndicator"]["lifecycle"], "PROPOSED");
    let d = c.app.data(Caller::Token(&c.admin), CREATE_INDICATOR, input("N2")).await;
    assert_eq!(d["createIndicator"]["lifecycle"], "ACTIVE");
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, input("N2")).await;
    assert_eq!(error_code(&body), "CONFLICT");
    let body = c.app.graphql(Caller::Token(&c.viewer), CREATE_INDICATOR, input("N3")).await;
    assert_eq!(error_code(&body), "FORBIDDEN");
    c.app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_specific_error_and_changes_nothing() {
    let c = Council::new().await;
    for (input, code, words) in [
        (json!({ "period": "2025/06", "value": 1.0 }), "BAD_USER_INPUT", "2025-26 Q1"),
        (json!({ "period": "2025-26 Q1", "value": 1.0 }), "BAD_USER_INPUT", "monthly"),
        (json!({ "period": "2023-06", "value": 1.0 }), "BAD_USER_INPUT", "outside the plan"),
        (json!({ "period": "2026-06", "value": 1.0 }), "BAD_USER_INPUT", "not started"),
        (json!({ "indicatorId": "999999", "value": 1.0 }), "NOT_FOUND", "indicator"),
        (json!({ "indicatorId": "abc", "value": 1.0 }), "NOT_FOUND", "indicator"),
        (json!({ "value": 1.0, "expectedVersion": 3 }), "CONFLICT", "version"),
    ] {
        let body = c.record(&c.admin, input.clone()).await;
        assert_eq!(error_code(&body), code, "{input}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{input}: {message:?} should mention {words:?}");
    }
    assert_eq!(c.measurements().await, 0);
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_PLAN, json!({ "input": {
        "kind": "SERVICE_PLAN", "title": "Backwards", "startDate": "2026-04-01", "endDate": "2025-04-01" } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_USER, json!({ "input": {
        "name": "No at", "email": "not-an-email", "role": "OFFICER" } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_USER, json!({ "input": {
        "name": "Dup", "email": "OFFICER@test.example", "role": "OFFICER" } })).await;
    assert_eq!(error_code(&body), "CONFLICT", "e-mails are compared without case");
    let body = c.app.graphql(Caller::Token(&c.admin), CREATE_INDICATOR, json!({ "input": {
        "ref": "T", "title": "t", "unit": "COUNT", "polarity": "NEUTRAL", "frequency": "ANNUAL", "tolerancePct": -1.0 } })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    c.app.stop().await;
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_never_a_lost_update() {
    let c = Council::new().await;
    let first = c.record(&c.officer, json!({ "value": 80.0, "expectedVersion": 0 })).await;
    assert_eq!(first["data"]["recordMeasurement"]["version"], 1);
    assert_eq!(first["data"]["recordMeasurement"]["missing"], "COMMENTARY", "RED without commentary");
    let fixed = c
        .record(&c.officer, json!({ "value": 80.0, "commentary": "two vacancies", "expectedVersion": 1 }))
        .await;
    assert_eq!(fixed["data"]["recordMeasurement"]["version"], 2);
    assert_eq!(fixed["data"]["recordMeasurement"]["complete"], true);
    let stale = c.record(&c.manager, json!({ "value": 99.0, "expectedVersion": 1 })).await;
    assert_eq!(error_code(&stale), "CONFLICT");
    let d = c.app.data(Caller::Token(&c.admin), "query($id: ID!) { indicator(id: $id) { result(period: \"2025-06\") { actual version commentary } } }", json!({ "id": c.indicator })).await;
    assert_eq!(d["indicator"]["result"], json!({ "actual": 80.0, "version": 2, "commentary": "two vacancies" }));
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
        let won: Vec<&Value> = bodies.iter().filter(|b| b.get("errors").is_none()).collect();
        let lost = bodies.iter().filter(|b| error_code(b) == "CONFLICT").count();
        assert_eq!(won.len(), 1, "round {round}: exactly one writer wins: {bodies:#?}");
        assert_eq!(lost, 3, "round {round}: the others get CONFLICT: {bodies:#?}");
        assert_eq!(won[0]["data"]["recordMeasurement"]["version"], version + 1);
    }
    c.app.stop().await;
}

#[tokio::test]
async fn every_write_leaves_an_audit_entry_with_before_and_after() {
    let c = Council::new().await;
    c.record(&c.officer, json!({ "value": 95.0 })).await;
    c.record(&c.manager, json!({ "value": 96.0, "commentary": "corrected" })).await;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    use pmf_store::entity::audit_entry;
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
    assert_eq!((before["value"].as_f64(), after["value"].as_f64()), (Some(95.0), Some(96.0)));
    assert_eq!(after["commentary"], "corrected");
    assert_ne!(rows[0].actor_id, rows[1].actor_id, "who is recorded");
    let creates = audit_entry::Entity::find()
        .filter(audit_entry::Column::Operation.eq("create"))
        .filter(audit_entry::Column::Entity.is_in(["user", "plan", "priority", "indicator", "target"]))
        .count(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(creates, 5 + 1 + 1 + 1 + 1, "users, plan, priority, indicator, target");
    c.app.stop().await;
}

#[tokio::test]
async fn deadline_extensions_move_the_due_date() {
    let c = Council::new().await;
    let grant = r#"mutation($input: DeadlineExtensionInput!) { grantDeadlineExtension(input: $input) {
        period dueDate extended complete missing indicator { ref } } }"#;
    let input = |due: &str| json!({ "input": { "indicatorId": c.indicator, "period": "2025-10", "dueDate": due, "reason": "system migration" } });
    let body = c.app.graphql(Caller::Token(&c.officer), grant, input("2025-11-20")).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "extensions are agreed by an EXECUTIVE");
    let body = c.app.graphql(Caller::Token(&c.director), grant, input("2025-11-05")).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "earlier than the normal date");
    let d = c.app.data(Caller::Token(&c.director), grant, input("2025-11-20")).await;
    assert_eq!(d["grantDeadlineExtension"], json!({ "period": "2025-10", "dueDate": "2025-11-20", "extended": true, "complete": false, "missing": "VALUE", "indicator": { "ref": "W1" } }));
    let d = c.app.data(Caller::Token(&c.admin), "query($id: ID!) { indicator(id: $id) { result(period: \"2025-10\") { dueDate } } }", json!({ "id": c.indicator })).await;
    assert_eq!(d["indicator"]["result"]["dueDate"], "2025-11-20");
    c.app.stop().await;
}
