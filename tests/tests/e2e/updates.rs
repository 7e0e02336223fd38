//! What people owe and how they enter it, through the API: `myUpdates` (yours, and your
//! team's below you in the line-management chain, with urgency from the clock),
//! `previewResult` (the rules' status of a value, nothing saved), an indicator's `history`,
//! `rejectIndicator` and a manager's `nudge` through the outbox.
use pmf_store::entity::{audit_entry, notification};
use pmf_tests::{Caller, PUBLIC_URL, error_code};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{
    fixtures::*,
    worker::{Council, at},
};

pub const MY_UPDATES: &str = r#"{ myUpdates {
  mine { indicator { ref } action { ref } period dueDate extended missing urgency owner { name } }
  team { indicator { ref } action { ref } period dueDate extended missing urgency owner { name } }
} }"#;

/// Each owed item as "REF PERIOD MISSING URGENCY".
fn owed(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| {
            let item = if o["indicator"].is_null() {
                &o["action"]["ref"]
            } else {
                &o["indicator"]["ref"]
            };
            format!(
                "{} {} {} {}",
                item.as_str().unwrap_or("?"),
                o["period"].as_str().unwrap_or("?"),
                o["missing"].as_str().unwrap_or("?"),
                o["urgency"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

async fn my_updates(c: &Council, token: &str) -> Value {
    c.app
        .data(Caller::Token(token), MY_UPDATES, json!({}))
        .await["myUpdates"]
        .clone()
}

#[tokio::test]
async fn my_updates_lists_what_you_owe_and_what_everyone_below_you_owes() {
    let c = Council::new().await;
    let officer = c.app.token("test", "officer@test.example").await;
    let manager = c.app.token("test", "manager@test.example").await;
    let director = c.app.token("test", "director@test.example").await;
    let other = c.app.token("test", "other@test.example").await;

    // 12 November: October's values were due on the 10th; M2 was extended to the 20th.
    c.app.clock.set(at("2025-11-12T09:00:00Z"));
    let mine = my_updates(&c, &officer).await;
    assert_eq!(
        owed(&mine["mine"]),
        [
            "M1 2025-10 VALUE OVERDUE",
            "M3 2025-10 VALUE OVERDUE",
            "M2 2025-10 VALUE UPCOMING"
        ],
        "the month not yet over (November) is not owed yet: {mine:#}"
    );
    assert_eq!(mine["mine"][2]["extended"], true);
    assert_eq!(mine["mine"][2]["dueDate"], "2025-11-20");
    assert_eq!(
        owed(&mine["team"]),
        Vec::<String>::new(),
        "nobody reports to an officer"
    );

    // The urgency moves with the clock, with nothing written.
    c.app.clock.set(at("2025-11-17T09:00:00Z"));
    assert_eq!(
        owed(&my_updates(&c, &officer).await["mine"])[2],
        "M2 2025-10 VALUE DUE_SOON"
    );
    c.app.clock.set(at("2025-11-20T09:00:00Z"));
    assert_eq!(
        owed(&my_updates(&c, &officer).await["mine"])[2],
        "M2 2025-10 VALUE DUE_TODAY"
    );

    // The manager sees the officer's items as the team's (the leaver is inactive); the
    // director, two levels up, too; the other officer's X1 is nobody's team.
    let team = my_updates(&c, &manager).await;
    assert_eq!(owed(&team["mine"]), Vec::<String>::new());
    assert_eq!(
        owed(&team["team"]),
        [
            "M1 2025-10 VALUE OVERDUE",
            "M3 2025-10 VALUE OVERDUE",
            "M2 2025-10 VALUE DUE_TODAY"
        ]
    );
    assert_eq!(team["team"][0]["owner"]["name"], "Olive Officer");
    assert_eq!(
        owed(&my_updates(&c, &director).await["team"]),
        owed(&team["team"])
    );
    assert_eq!(
        owed(&my_updates(&c, &other).await["mine"]),
        ["X1 2025-10 VALUE OVERDUE"]
    );

    // A red value without commentary is still owed (its commentary); with it, it is gone.
    let red = |commentary: Option<&str>| {
        let c = &c;
        let officer = officer.clone();
        let commentary = commentary.map(str::to_string);
        async move {
            c.app
                .data(
                    Caller::Token(&officer),
                    RECORD,
                    json!({ "input": { "indicatorId": c.indicators["M1"], "period": "2025-10", "value": 70.0, "commentary": commentary } }),
                )
                .await["recordMeasurement"]
                .clone()
        }
    };
    let saved = red(None).await;
    assert_eq!(
        (&saved["status"], &saved["missing"]),
        (&json!("RED"), &json!("COMMENTARY"))
    );
    assert_eq!(
        owed(&my_updates(&c, &officer).await["mine"])[0],
        "M1 2025-10 COMMENTARY OVERDUE"
    );
    red(Some("two vacancies")).await;
    assert!(
        !owed(&my_updates(&c, &officer).await["mine"])
            .iter()
            .any(|o| o.starts_with("M1 ")),
        "M1 is complete"
    );

    // Signed in only.
    let public = c
        .app
        .graphql(Caller::Public("test"), MY_UPDATES, json!({}))
        .await;
    assert_eq!(error_code(&public), "UNAUTHENTICATED");
    c.app.stop().await;
}

#[tokio::test]
async fn my_updates_lists_action_updates_once_the_quarter_is_over() {
    let c = Council::new().await;
    let officer = c.app.token("test", "officer@test.example").await;
    let action = c.depot_action().await;
    c.app.clock.set(at("2025-12-20T09:00:00Z"));
    assert!(
        !owed(&my_updates(&c, &officer).await["mine"])
            .iter()
            .any(|o| o.starts_with("A1 ")),
        "Q3 is not over yet"
    );
    c.app.clock.set(at("2026-01-08T09:00:00Z"));
    let mine = owed(&my_updates(&c, &officer).await["mine"]);
    assert!(
        mine.contains(&"A1 2025-26 Q3 UPDATE DUE_SOON".to_string()),
        "{mine:?}"
    );
    c.app
        .data(
            Caller::Token(&officer),
            r#"mutation($input: ActionUpdateInput!) { recordActionUpdate(input: $input) { id } }"#,
            json!({ "input": { "actionId": action, "period": "2025-26 Q3", "status": "GREEN", "commentary": "on track" } }),
        )
        .await;
    let mine = owed(&my_updates(&c, &officer).await["mine"]);
    assert!(!mine.iter().any(|o| o.starts_with("A1 ")), "{mine:?}");
    c.app.stop().await;
}

const PREVIEW: &str = r#"query($id: ID!, $period: String!, $value: Float, $commentary: String) {
  previewResult(indicatorId: $id, period: $period, value: $value, commentary: $commentary) {
    actual target status trend complete missing version
  }
}"#;

#[tokio::test]
async fn a_preview_gives_the_rules_status_and_saves_nothing() {
    let c = Council::new().await;
    let officer = c.app.token("test", "officer@test.example").await;
    c.app.clock.set(at("2025-11-12T09:00:00Z"));
    let m1 = &c.indicators["M1"];
    let preview = |value: Value, commentary: Value| {
        let c = &c;
        let officer = officer.clone();
        async move {
            c.app
                .graphql(
                    Caller::Token(&officer),
                    PREVIEW,
                    json!({ "id": m1, "period": "2025-10", "value": value, "commentary": commentary }),
                )
                .await
        }
    };
    let red = preview(json!(70.0), Value::Null).await;
    assert_eq!(
        red["data"]["previewResult"],
        json!({ "actual": 70.0, "target": 90.0, "status": "RED", "trend": "NOT_COMPARABLE",
                "complete": false, "missing": "COMMENTARY", "version": 0 })
    );
    let explained = preview(json!(70.0), json!("two vacancies")).await;
    assert_eq!(explained["data"]["previewResult"]["complete"], true);
    assert_eq!(
        preview(json!(89.0), Value::Null).await["data"]["previewResult"]["status"],
        "AMBER",
        "within the 5 % tolerance"
    );
    assert_eq!(
        preview(json!(95.0), Value::Null).await["data"]["previewResult"]["status"],
        "GREEN"
    );
    // Nothing was saved.
    let stored = c
        .app
        .data(
            Caller::Token(&officer),
            r#"query($id: ID) { indicator(id: $id) { result(period: "2025-10") { actual status version } history { period } } }"#,
            json!({ "id": m1 }),
        )
        .await;
    assert_eq!(
        stored["indicator"],
        json!({ "result": { "actual": null, "status": "NO_DATA", "version": 0 }, "history": [] })
    );
    // A saved value's version comes back, to save against.
    record(&c.app, &officer, m1, "2025-10", 80.0, Some("x")).await;
    assert_eq!(
        preview(json!(95.0), Value::Null).await["data"]["previewResult"]["version"],
        1
    );
    // Bad input changes nothing and says why.
    for (variables, code) in [
        (
            json!({ "id": m1, "period": "2025-13", "value": 1.0 }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "id": m1, "period": "2025-26 Q2", "value": 1.0 }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "id": "999999", "period": "2025-10", "value": 1.0 }),
            "NOT_FOUND",
        ),
    ] {
        let body = c
            .app
            .graphql(Caller::Token(&officer), PREVIEW, variables.clone())
            .await;
        assert_eq!(error_code(&body), code, "{variables}: {body}");
    }
    c.app.stop().await;
}

#[tokio::test]
async fn an_indicator_shows_who_recorded_and_corrected_its_values() {
    let c = Council::new().await;
    let officer = c.app.token("test", "officer@test.example").await;
    let manager = c.app.token("test", "manager@test.example").await;
    let m1 = &c.indicators["M1"];
    c.app.clock.set(at("2025-11-12T09:00:00Z"));
    record(&c.app, &officer, m1, "2025-10", 80.0, None).await;
    c.app.clock.set(at("2025-11-13T10:30:00Z"));
    record(
        &c.app,
        &manager,
        m1,
        "2025-10",
        85.0,
        Some("corrected from the system"),
    )
    .await;
    let viewer_id = c
        .app
        .data(
            Caller::Token(&c.admin),
            CREATE_USER,
            json!({ "input": { "name": "Vic Viewer", "email": "viewer@test.example", "role": "VIEWER" } }),
        )
        .await;
    assert_eq!(viewer_id["createUser"]["role"], "VIEWER");
    let viewer = c.app.token("test", "viewer@test.example").await;
    let history = c
        .app
        .data(
            Caller::Token(&viewer),
            r#"query($id: ID) { indicator(id: $id) { history {
                period at by { name } before { value commentary } after { value commentary noValueReason }
            } } }"#,
            json!({ "id": m1 }),
        )
        .await;
    assert_eq!(
        history["indicator"]["history"],
        json!([
            { "period": "2025-10", "at": "2025-11-13T10:30:00Z", "by": { "name": "Mo Manager" },
              "before": { "value": 80.0, "commentary": null },
              "after": { "value": 85.0, "commentary": "corrected from the system", "noValueReason": null } },
            { "period": "2025-10", "at": "2025-11-12T09:00:00Z", "by": { "name": "Olive Officer" },
              "before": null,
              "after": { "value": 80.0, "commentary": null, "noValueReason": null } },
        ]),
        "a VIEWER sees the history, newest first"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn a_director_rejects_a_proposed_indicator_with_a_reason() {
    let c = Council::new().await;
    let officer = c.app.token("test", "officer@test.example").await;
    let director = c.app.token("test", "director@test.example").await;
    let d = c
        .app
        .data(
            Caller::Token(&officer),
            CREATE_INDICATOR,
            json!({ "input": { "priorityId": c.priority, "ref": "N1", "title": "Nettles cut", "unit": "COUNT",
                               "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY" } }),
        )
        .await;
    assert_eq!(d["createIndicator"]["lifecycle"], "PROPOSED");
    let n1 = id(&d["createIndicator"]["id"]);
    const REJECT: &str = r#"mutation($id: ID!, $reason: String!) { rejectIndicator(id: $id, reason: $reason) { ref lifecycle } }"#;
    let refused = c
        .app
        .graphql(
            Caller::Token(&officer),
            REJECT,
            json!({ "id": n1, "reason": "no" }),
        )
        .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");
    let blank = c
        .app
        .graphql(
            Caller::Token(&director),
            REJECT,
            json!({ "id": n1, "reason": "  " }),
        )
        .await;
    assert_eq!(error_code(&blank), "BAD_USER_INPUT", "{blank}");
    let active = c
        .app
        .graphql(
            Caller::Token(&director),
            REJECT,
            json!({ "id": c.indicators["M1"], "reason": "duplicate" }),
        )
        .await;
    assert_eq!(
        error_code(&active),
        "BAD_USER_INPUT",
        "only proposed ones: {active}"
    );

    let rejected = c
        .app
        .data(
            Caller::Token(&director),
            REJECT,
            json!({ "id": n1, "reason": "duplicates M3" }),
        )
        .await;
    assert_eq!(
        rejected["rejectIndicator"],
        json!({ "ref": "N1", "lifecycle": "RETIRED" })
    );
    let entry = audit_entry::Entity::find()
        .filter(audit_entry::Column::Operation.eq("reject"))
        .one(&c.app.db.conn)
        .await
        .unwrap()
        .expect("the rejection is audited");
    assert_eq!(entry.entity_id.map(|i| i.to_string()), Some(n1.clone()));
    assert_eq!(
        entry.actor_id.map(|i| i.to_string()),
        Some(c.users["director"].clone())
    );
    let after: Value = serde_json::from_str(entry.after.as_deref().unwrap()).unwrap();
    assert_eq!(
        (&after["reason"], &after["lifecycle"]),
        (&json!("duplicates M3"), &json!("RETIRED"))
    );
    c.app.stop().await;
}

const NUDGE: &str =
    r#"mutation($input: NudgeInput!) { nudge(input: $input) { recipient { name } queued } }"#;

async fn nudges(c: &Council) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::Kind.eq("NUDGE"))
        .order_by_asc(notification::Column::Id)
        .all(&c.app.db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_manager_nudges_someone_below_them_through_the_outbox() {
    let c = Council::new().await;
    let manager = c.app.token("test", "manager@test.example").await;
    let director = c.app.token("test", "director@test.example").await;
    let officer = c.app.token("test", "officer@test.example").await;
    c.app.clock.set(at("2025-11-12T09:00:00Z"));
    let m1 = &c.indicators["M1"];
    let input = json!({ "input": { "indicatorId": m1, "period": "2025-10", "note": "The board meets on Friday." } });
    let sent = c
        .app
        .data(Caller::Token(&manager), NUDGE, input.clone())
        .await;
    assert_eq!(
        sent["nudge"],
        json!({ "recipient": { "name": "Olive Officer" }, "queued": true })
    );
    let rows = nudges(&c).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.recipient_email, "officer@test.example");
    assert_eq!(row.status, "PENDING");
    assert_eq!(
        row.subject,
        "Test Borough Council: Mo Manager asks for your update on M1 Calls answered, 2025-10"
    );
    for needle in [
        "Dear Olive Officer,",
        "Mo Manager asks you to enter the value for M1 Calls answered, 2025-10.",
        "The board meets on Friday.",
        &format!("Enter it: {PUBLIC_URL}/#/indicators/{m1}/record/2025-10\n"),
        &format!("Everything you owe: {PUBLIC_URL}/#/my-updates\n"),
    ] {
        assert!(
            row.body_text.contains(needle),
            "{needle:?} in:\n{}",
            row.body_text
        );
    }
    // Once a day: the second is not sent again.
    let again = c
        .app
        .data(Caller::Token(&manager), NUDGE, input.clone())
        .await;
    assert_eq!(again["nudge"]["queued"], false);
    // Two levels up may nudge too (a new day).
    c.app.clock.set(at("2025-11-13T09:00:00Z"));
    let from_director = c
        .app
        .data(Caller::Token(&director), NUDGE, input.clone())
        .await;
    assert_eq!(from_director["nudge"]["queued"], true);
    assert_eq!(nudges(&c).await.len(), 2);

    // Not someone outside your chain, not yourself, not what is complete.
    let x1 = json!({ "input": { "indicatorId": c.indicators["X1"], "period": "2025-10" } });
    assert_eq!(
        error_code(&c.app.graphql(Caller::Token(&manager), NUDGE, x1).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(
            &c.app
                .graphql(Caller::Token(&officer), NUDGE, input.clone())
                .await
        ),
        "FORBIDDEN"
    );
    record(&c.app, &officer, &c.indicators["M3"], "2025-10", 95.0, None).await;
    let complete = json!({ "input": { "indicatorId": c.indicators["M3"], "period": "2025-10" } });
    assert_eq!(
        error_code(
            &c.app
                .graphql(Caller::Token(&manager), NUDGE, complete)
                .await
        ),
        "BAD_USER_INPUT"
    );
    let both = json!({ "input": { "period": "2025-10" } });
    assert_eq!(
        error_code(&c.app.graphql(Caller::Token(&manager), NUDGE, both).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(nudges(&c).await.len(), 2, "refusals write nothing");
    c.app.stop().await;
}

const SET_TARGETS: &str = r#"mutation($id: ID!, $targets: [TargetCellInput!]!) {
  setTargets(indicatorId: $id, targets: $targets) { ok problems { period message } indicator { targets { period value } } }
}"#;

#[tokio::test]
async fn a_grid_of_targets_is_saved_all_or_nothing_with_every_problem_named() {
    let c = Council::new().await;
    let m1 = &c.indicators["M1"];
    let officer = c.app.token("test", "officer@test.example").await;
    let grid = json!({ "id": m1, "targets": [
        { "period": "2025-10", "value": 91.0 },
        { "period": "2025-04", "value": 80.0 },
        { "period": "2025-13", "value": 80.0 },
        { "period": "2024-25", "value": 85.0 },
    ] });
    let refused = c.app.data(Caller::Token(&c.admin), SET_TARGETS, grid).await;
    let problems: Vec<&str> = refused["setTargets"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(refused["setTargets"]["ok"], false);
    assert_eq!(problems, ["2025-13", "2025-04", "2024-25"], "{refused:#}");
    assert_eq!(
        refused["setTargets"]["indicator"]["targets"],
        json!([{ "period": "2025-26", "value": 90.0 }]),
        "nothing saved, not even the good cell"
    );
    let saved = c
        .app
        .data(
            Caller::Token(&c.admin),
            SET_TARGETS,
            json!({ "id": m1, "targets": [{ "period": "2025-10", "value": 91.0 }, { "period": "2025-26", "value": 92.0 }] }),
        )
        .await;
    assert_eq!(
        saved["setTargets"],
        json!({ "ok": true, "problems": [], "indicator": { "targets": [
            { "period": "2025-26", "value": 92.0 }, { "period": "2025-10", "value": 91.0 }
        ] } })
    );
    let forbidden = c
        .app
        .graphql(
            Caller::Token(&officer),
            SET_TARGETS,
            json!({ "id": m1, "targets": [{ "period": "2025-10", "value": 1.0 }] }),
        )
        .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    c.app.stop().await;
}
