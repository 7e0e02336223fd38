//! The quarterly pack (issue 20): a plan's pack is sent to its recipients when the
//! performance team releases a quarter — nothing before, then one message per active
//! recipient per plan and quarter through the outbox and a real SMTP sink, none twice across
//! restarts of the worker, nothing to inactive people, nothing for a plan whose pack is not
//! sent; each message carries the summary table and links to the report and its Excel copy.
use chrono::Duration;
use pmf_store::{entity::notification, outbox};
use pmf_tests::{Caller, PUBLIC_URL, error_code, smtp::SmtpSink};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    fixtures::*,
    report::{PERIOD, PERIOD_PATH, ReportCouncil},
    worker::worker,
};

const SET_PACK: &str = r#"mutation($input: SetQuarterlyPackInput!) {
  setQuarterlyPack(input: $input) { planId send recipients { email } }
}"#;
const RELEASE: &str = r#"mutation($plan: ID!, $period: String!) {
  releaseQuarterlyPack(planId: $plan, period: $period) { planId period releasedAt recipients }
}"#;
const PACK: &str = r#"query($plan: ID!, $period: String!) {
  quarterlyPack(planId: $plan) { send recipients { email } release(period: $period) { period recipients } }
}"#;

async fn person(c: &ReportCouncil, name: &str, email: &str, role: &str) -> String {
    id(&c
        .app
        .data(
            Caller::Token(&c.admin),
            CREATE_USER,
            json!({ "input": { "name": name, "email": email, "role": role } }),
        )
        .await["createUser"]["id"])
}

async fn pack_rows(c: &ReportCouncil) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::Kind.eq(outbox::KIND_QUARTERLY_PACK))
        .all(&c.app.db.conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_released_quarter_mails_the_pack_once_to_each_active_recipient() {
    let c = ReportCouncil::new().await;
    let admin = Caller::Token(&c.admin);
    let cabinet = person(&c, "Cara Cabinet", "cara@test.example", "VIEWER").await;
    let scrutiny = person(&c, "Sam Scrutiny", "sam@test.example", "VIEWER").await;
    let leaver = person(&c, "Lee Leaver", "lee@test.example", "VIEWER").await;
    c.app
        .data(
            admin,
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": leaver }),
        )
        .await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    let now = c.app.clock_now();

    // A plan whose pack is not sent cannot be released, and nothing is written.
    let refused = c
        .app
        .graphql(admin, RELEASE, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    assert!(
        refused.to_string().contains("setQuarterlyPack"),
        "{refused}"
    );

    let set = c
        .app
        .data(
            admin,
            SET_PACK,
            json!({ "input": { "planId": c.plan, "send": true, "recipientIds": [cabinet, scrutiny, leaver, cabinet] } }),
        )
        .await;
    assert_eq!(
        set["setQuarterlyPack"]["recipients"],
        json!([{ "email": "cara@test.example" }, { "email": "sam@test.example" }, { "email": "lee@test.example" }]),
        "each recipient once, in order"
    );

    // Nothing before the release, whatever the worker does (it sends what else is due).
    let packs_received = |sink: &SmtpSink| {
        sink.messages()
            .into_iter()
            .filter(|m| m.subject().contains("quarterly performance report"))
            .collect::<Vec<_>>()
    };
    let report = w.tick(now + Duration::days(1), false).await.unwrap();
    let others = report.delivery.sent;
    sink.wait_for(others).await;
    assert!(pack_rows(&c).await.is_empty());
    assert!(packs_received(&sink).is_empty());
    let before = c
        .app
        .data(admin, PACK, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(before["quarterlyPack"]["release"], Value::Null);

    // Only the performance team releases it; a month is not a quarter.
    let officer_token = c.app.token("test", "olive@test.example").await;
    let forbidden = c
        .app
        .graphql(
            Caller::Token(&officer_token),
            RELEASE,
            json!({ "plan": c.plan, "period": PERIOD }),
        )
        .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN", "{forbidden}");
    let month = c
        .app
        .graphql(
            admin,
            RELEASE,
            json!({ "plan": c.plan, "period": "2025-09" }),
        )
        .await;
    assert_eq!(error_code(&month), "BAD_USER_INPUT", "{month}");

    let released = c
        .app
        .data(admin, RELEASE, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(
        (
            &released["releaseQuarterlyPack"]["period"],
            &released["releaseQuarterlyPack"]["recipients"]
        ),
        (&json!(PERIOD), &json!(2)),
        "the two active recipients"
    );
    let rows = pack_rows(&c).await;
    let mut to: Vec<&str> = rows.iter().map(|r| r.recipient_email.as_str()).collect();
    to.sort();
    assert_eq!(to, ["cara@test.example", "sam@test.example"]);

    // Released twice: refused, and nothing more is written.
    let again = c
        .app
        .graphql(admin, RELEASE, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(error_code(&again), "CONFLICT", "{again}");
    assert_eq!(pack_rows(&c).await.len(), 2);

    // The worker delivers them; a restarted worker sends none twice.
    let report = w.tick(now + Duration::days(1), false).await.unwrap();
    assert_eq!(report.delivery.sent, 2);
    sink.wait_for(others + 2).await;
    let got = packs_received(&sink);
    assert_eq!(got.len(), 2);
    let w2 = worker(&c.app, &sink.url());
    w2.tick(now + Duration::days(1), false).await.unwrap();
    assert_eq!(packs_received(&sink).len(), 2, "none twice");
    assert!(
        pack_rows(&c).await.iter().all(|r| r.status == outbox::SENT),
        "both sent"
    );

    // Each carries the summary table (the API's numbers) and links to the report and the
    // Excel copy, which the recipient opens signed in as themselves.
    let summary = c.summary(admin).await;
    let overall = &summary["overall"];
    let line = format!(
        "- Overall: indicators {} / {} / {}; actions {} / {} / {} / {} / {}",
        overall["indicators"]["red"],
        overall["indicators"]["amber"],
        overall["indicators"]["green"],
        overall["actions"]["red"],
        overall["actions"]["amber"],
        overall["actions"]["green"],
        overall["actions"]["blue"],
        overall["actions"]["completed"]
    );
    let report_url = format!("{PUBLIC_URL}/reports/{}/{PERIOD_PATH}", c.plan);
    for mail in &got {
        assert!(mail.subject().contains(PERIOD), "{}", mail.subject());
        let text = mail.text();
        assert!(text.contains(&line), "{line:?} not in {text}");
        assert!(text.contains("- 1. "), "a row per priority: {text}");
        assert!(text.contains(&report_url), "{text}");
        assert!(text.contains(&format!("{report_url}.xlsx")), "{text}");
        let html = mail.html();
        assert!(
            html.contains("<th scope=\"row\"") && html.contains("<caption"),
            "{html}"
        );
    }
    let after = c
        .app
        .data(admin, PACK, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(
        after["quarterlyPack"]["release"],
        json!({ "period": PERIOD, "recipients": 2 })
    );
    c.app.stop().await;
}

#[tokio::test]
async fn the_pack_settings_are_the_performance_teams_and_name_real_people() {
    let c = ReportCouncil::new().await;
    let admin = Caller::Token(&c.admin);
    let unknown = c
        .app
        .graphql(
            admin,
            SET_PACK,
            json!({ "input": { "planId": c.plan, "send": true, "recipientIds": ["999999"] } }),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND", "{unknown}");
    assert!(unknown.to_string().contains("recipientIds"), "{unknown}");
    let pack = c
        .app
        .data(admin, PACK, json!({ "plan": c.plan, "period": PERIOD }))
        .await;
    assert_eq!(
        pack["quarterlyPack"],
        json!({ "send": false, "recipients": [], "release": null }),
        "the refused change left nothing"
    );
    let officer_token = c.app.token("test", "olive@test.example").await;
    let forbidden = c
        .app
        .graphql(
            Caller::Token(&officer_token),
            SET_PACK,
            json!({ "input": { "planId": c.plan, "send": true, "recipientIds": [] } }),
        )
        .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    // Another council's plan is not found.
    let other = c
        .app
        .bootstrap("Other Council", "other", "admin@other.example")
        .await;
    let theirs = c
        .app
        .graphql(
            Caller::Token(&other),
            SET_PACK,
            json!({ "input": { "planId": c.plan, "send": true, "recipientIds": [] } }),
        )
        .await;
    assert_eq!(error_code(&theirs), "NOT_FOUND", "{theirs}");
    c.app.stop().await;
}
