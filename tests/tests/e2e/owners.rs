//! Owners who can act: an indicator's or action's owner must be someone who may record it
//! (OFFICER or above). A VIEWER is refused as an owner; the items of a VIEWER who owns
//! something already (made one before the rule, or whose role was changed since) are not
//! chased: the performance team (every active ADMIN) gets them in its digest under "No
//! owner who can enter it", as it does items with no owner at all.
use pmf_tests::{Caller, error_code};
use serde_json::{Value, json};

use super::{
    fixtures::*,
    worker::{Council, digest_items, eight, worker},
};
use pmf_tests::smtp::SmtpSink;

async fn make_viewer(c: &Council, who: &str) {
    c.app
        .data(
            Caller::Token(&c.admin),
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { role } }",
            json!({ "input": { "id": c.users[who], "role": "VIEWER" } }),
        )
        .await;
}

fn refused_as_viewer(body: &Value, name: &str) {
    assert_eq!(error_code(body), "BAD_USER_INPUT", "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("ownerId") && message.contains(name) && message.contains("VIEWER"),
        "names the person and the role: {message}"
    );
}

#[tokio::test]
async fn a_viewer_cannot_be_made_an_owner() {
    let c = Council::new().await;
    make_viewer(&c, "other").await;
    let viewer = c.users["other"].clone();
    let officer = c.users["officer"].clone();
    let admin = Caller::Token(&c.admin);

    let body = c
        .app
        .graphql(
            admin,
            CREATE_INDICATOR,
            json!({ "input": { "priorityId": c.priority, "ref": "V1", "title": "Viewed", "ownerId": viewer,
                    "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY" } }),
        )
        .await;
    refused_as_viewer(&body, "Oscar Other");

    let update_indicator = "mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { owner { id } } }";
    let body = c
        .app
        .graphql(
            admin,
            update_indicator,
            json!({ "input": { "id": c.indicators["M1"], "ownerId": viewer } }),
        )
        .await;
    refused_as_viewer(&body, "Oscar Other");

    let body = c
        .app
        .graphql(
            admin,
            CREATE_ACTION,
            json!({ "input": { "priorityId": c.priority, "ref": "A-1", "title": "Depot", "ownerId": viewer } }),
        )
        .await;
    refused_as_viewer(&body, "Oscar Other");

    // Nothing was written by the refusals; an officer is accepted.
    let d = c
        .app
        .data(
            admin,
            CREATE_ACTION,
            json!({ "input": { "priorityId": c.priority, "ref": "A-1", "title": "Depot", "ownerId": officer } }),
        )
        .await;
    let action = id(&d["createAction"]["id"]);
    let update_action =
        "mutation($input: UpdateActionInput!) { updateAction(input: $input) { owner { id } } }";
    let body = c
        .app
        .graphql(
            admin,
            update_action,
            json!({ "input": { "id": action, "ownerId": viewer } }),
        )
        .await;
    refused_as_viewer(&body, "Oscar Other");
    let d = c
        .app
        .data(
            admin,
            "{ indicators(first: 20) { edges { node { ref owner { id } } } } }",
            json!({}),
        )
        .await;
    let m1 = d["indicators"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["ref"] == "M1")
        .cloned()
        .unwrap();
    assert_eq!(
        m1["node"]["owner"]["id"],
        json!(officer),
        "M1 kept its owner"
    );
    assert!(
        d["indicators"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["ref"] != "V1"),
        "no V1"
    );
    // A manager may own, and may still be set as an owner.
    let d = c
        .app
        .data(
            admin,
            update_action,
            json!({ "input": { "id": action, "ownerId": c.users["manager"] } }),
        )
        .await;
    assert_eq!(d["updateAction"]["owner"]["id"], json!(c.users["manager"]));
    c.app.stop().await;
}

#[tokio::test]
async fn a_viewer_owners_items_go_to_the_performance_team_not_to_them() {
    let c = Council::new().await;
    // X1's owner, Oscar Other, becomes a councillor (VIEWER); U1 has no owner at all.
    make_viewer(&c, "other").await;
    let u1 = create_indicator(
        &c.app,
        &c.admin,
        json!({ "priorityId": c.priority, "ref": "U1", "title": "Unowned measure",
                "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY" }),
    )
    .await;
    set_target(&c.app, &c.admin, &u1, "2025-26", 90.0).await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());

    let report = w.tick(eight("2025-11-10"), false).await.unwrap();
    let got = sink.wait_for(report.delivery.sent).await;
    let to = |who: &str| {
        got.iter()
            .find(|m| m.to == [format!("{who}@test.example")])
            .map(|m| (m.subject(), digest_items(&m.text())))
    };
    assert!(to("other").is_none(), "a VIEWER is not chased");
    let (subject, items) = to("admin").expect("the performance team's digest");
    assert_eq!(
        subject,
        "Test Borough Council: 2 performance updates without an owner"
    );
    let heading = "No owner who can enter it".to_string();
    assert_eq!(
        items,
        [
            ("U1".to_string(), heading.clone()),
            ("X1".to_string(), heading)
        ]
    );
    let text = got
        .iter()
        .find(|m| m.to == ["admin@test.example"])
        .unwrap()
        .text();
    assert!(
        text.contains(
            "X1 Missed bins put right (its owner, Oscar Other, is a VIEWER and cannot enter it)"
        ) && text.contains("U1 Unowned measure (no owner)"),
        "{text}"
    );
    // The officer's own digest is as before.
    let (_, officer) = to("officer").unwrap();
    assert_eq!(
        officer,
        [
            ("M1".to_string(), "Due today".to_string()),
            ("M3".to_string(), "Due today".to_string())
        ]
    );

    // Three days after: no escalation for the VIEWER's item to anyone; the team is told of
    // the next stage once.
    sink.take();
    for day in ["2025-11-11", "2025-11-12", "2025-11-13"] {
        let report = w.tick(eight(day), false).await.unwrap();
        sink.wait_for(report.delivery.sent).await;
    }
    let all = sink.take();
    let admin_items: Vec<(String, String)> = all
        .iter()
        .filter(|m| m.to == ["admin@test.example"])
        .flat_map(|m| digest_items(&m.text()))
        .collect();
    assert_eq!(
        admin_items.iter().filter(|(r, _)| r == "X1").count(),
        1,
        "OVERDUE week 1, once: {admin_items:?}"
    );
    assert!(
        all.iter()
            .filter(|m| m.to != ["admin@test.example"])
            .flat_map(|m| digest_items(&m.text()))
            .all(|(r, _)| r != "X1" && r != "U1"),
        "nobody else hears of X1 or U1"
    );
    c.app.stop().await;
}
