//! Exception alerts end to end: values recorded through the GraphQL API, alerts written to
//! the outbox in the same transaction, delivered by the worker to a real SMTP server.
use pmf_store::{
    OrganisationSettings,
    entity::{action, action_update, notification, organisation},
    outbox,
};
use pmf_tests::{
    Caller, PUBLIC_URL,
    smtp::{Received, SmtpSink, closed_smtp_url},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{
    fixtures::*,
    worker::{Council, at, eight, escaped, worker},
};

async fn alert_rows(c: &Council) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::Kind.is_in(["ALERT", "ALERT_DIGEST"]))
        .order_by_asc(notification::Column::Id)
        .all(&c.app.db.conn)
        .await
        .unwrap()
}

/// Alert messages only (a tick also sends the day's reminders).
fn alerts(messages: Vec<Received>) -> Vec<Received> {
    messages
        .into_iter()
        .filter(|m| {
            let s = m.subject();
            s.contains(": RED: ") || s.contains(": AMBER: ") || s.ends_with("exception alerts")
        })
        .collect()
}

fn recipients(rows: &[notification::Model]) -> Vec<String> {
    let mut r: Vec<String> = rows.iter().map(|r| r.recipient_email.clone()).collect();
    r.sort();
    r
}

async fn set_recipients(c: &Council, who: &[&str]) {
    let ids: Vec<String> = who.iter().map(|w| c.users[w].clone()).collect();
    c.app
        .data(
            Caller::Token(&c.admin),
            "mutation($p: ID!, $u: [ID!]!) { setExceptionRecipients(priorityId: $p, userIds: $u) { id } }",
            json!({ "p": c.priority, "u": ids }),
        )
        .await;
}

#[tokio::test]
async fn a_value_turning_red_alerts_each_manager_once_per_red_episode() {
    let c = Council::new().await;
    // The line manager is also an exception recipient; the leaver is inactive.
    set_recipients(&c, &["manager", "director", "leaver"]).await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    w.tick(eight("2025-11-16"), false).await.unwrap();
    sink.take();

    let r = c
        .record(
            "2025-11-16T10:00:00Z",
            "M1",
            "2025-10",
            80.0,
            Some("two vacancies in the contact centre"),
        )
        .await;
    assert_eq!(r["status"], "RED");
    let rows = alert_rows(&c).await;
    assert_eq!(
        recipients(&rows),
        ["director@test.example", "manager@test.example"],
        "each once, active only"
    );
    let m1 = &c.indicators["M1"];
    for row in &rows {
        assert_eq!(row.status, "PENDING");
        assert!(
            row.dedupe_key.starts_with("alert:")
                && row
                    .dedupe_key
                    .contains(&format!(":indicator:{m1}:2025-10:RED:v1:u")),
            "{}",
            row.dedupe_key
        );
    }
    // Delivered by the next delivery pass ("within a minute": `worker run` delivers every 5 s).
    let report = w.tick(at("2025-11-16T10:00:05Z"), false).await.unwrap();
    assert_eq!(report.delivery.sent, 2);
    let got = alerts(sink.wait_for(2).await);
    assert_eq!(got.len(), 2);
    let to_manager = got
        .iter()
        .find(|m| m.to == ["manager@test.example"])
        .unwrap();
    assert_eq!(
        to_manager.subject(),
        "Test Borough Council: RED: M1 Calls answered, 2025-10"
    );
    let text = to_manager.text();
    for needle in [
        "Dear Mo Manager,",
        "M1 Calls answered is RED for 2025-10.",
        "Actual ",
        "80.0%",
        "Target ",
        "90.0%",
        "10.0 percentage points below target (11.1% off)",
        "Trend",
        "not comparable",
        "Previous period (2025-09)",
        "no value → RED",
        "Olive Officer",
        "two vacancies in the contact centre",
        &format!("{PUBLIC_URL}/#/indicators/{m1}"),
        &format!("What your team still owes: {PUBLIC_URL}/#/my-updates\n"),
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    let html = to_manager.html();
    assert!(html.contains("<dt>Actual</dt><dd>80.0%</dd>"), "{html}");
    let link = escaped(&format!("{PUBLIC_URL}/#/indicators/{m1}"));
    assert!(
        html.contains(&format!(
            "<a href=\"{link}\">Open M1 Calls answered on the dashboard</a>"
        )),
        "{html}"
    );
    sink.take();

    // Editing a red value again (still red) does not alert again.
    let r = c
        .record(
            "2025-11-16T11:00:00Z",
            "M1",
            "2025-10",
            70.0,
            Some("worse: a third vacancy"),
        )
        .await;
    assert_eq!(r["status"], "RED");
    assert_eq!(alert_rows(&c).await.len(), 2);
    // Green, then red again: a new episode, a new alert.
    c.record("2025-11-16T12:00:00Z", "M1", "2025-10", 95.0, None)
        .await;
    assert_eq!(alert_rows(&c).await.len(), 2);
    let r = c
        .record(
            "2025-11-16T13:00:00Z",
            "M1",
            "2025-10",
            60.0,
            Some("data corrected"),
        )
        .await;
    assert_eq!(r["status"], "RED");
    let rows = alert_rows(&c).await;
    assert_eq!(rows.len(), 4);
    assert!(
        rows[2..].iter().all(|r| r.dedupe_key.contains(":RED:v4:")),
        "{rows:?}"
    );
    w.tick(at("2025-11-16T13:00:05Z"), false).await.unwrap();
    let again = alerts(sink.wait_for(2).await);
    assert_eq!(again.len(), 2);
    assert!(
        again[0]
            .text()
            .contains("(it was green before this change)"),
        "{}",
        again[0].text()
    );
    // And nothing more, however often the worker ticks.
    w.tick(at("2025-11-16T14:00:00Z"), false).await.unwrap();
    assert_eq!(sink.messages().len(), 2);
    c.app.stop().await;
}

#[tokio::test]
async fn amber_alerts_only_when_the_council_turns_them_on() {
    let c = Council::new().await;
    let r = c
        .record("2025-11-16T10:00:00Z", "M3", "2025-10", 87.0, None)
        .await;
    assert_eq!(r["status"], "AMBER");
    assert!(alert_rows(&c).await.is_empty(), "off by default");
    c.app
        .data(
            Caller::Token(&c.admin),
            "mutation { updateOrganisationSettings(input: { amberAlerts: true }) { name } }",
            json!({}),
        )
        .await;
    let r = c
        .record("2025-11-16T11:00:00Z", "M2", "2025-10", 87.0, None)
        .await;
    assert_eq!(r["status"], "AMBER");
    let rows = alert_rows(&c).await;
    assert_eq!(recipients(&rows), ["manager@test.example"]);
    assert_eq!(
        rows[0].subject,
        "Test Borough Council: AMBER: M2 Invoices paid on time, 2025-10"
    );
    // AMBER → RED is a new status: alerted; RED → AMBER (improving) is not.
    c.record("2025-11-16T12:00:00Z", "M2", "2025-10", 50.0, None)
        .await;
    c.record("2025-11-16T13:00:00Z", "M2", "2025-10", 87.0, None)
        .await;
    let rows = alert_rows(&c).await;
    assert_eq!(rows.len(), 2);
    assert!(rows[1].subject.contains(": RED: M2"), "{}", rows[1].subject);
    c.app.stop().await;
}

#[tokio::test]
async fn a_red_action_update_alerts_once_per_red_episode() {
    let c = Council::new().await;
    set_recipients(&c, &["director"]).await;
    c.app.clock.set(at("2025-11-03T09:00:00Z"));
    let action_id: i64 = c.depot_action().await.parse().unwrap();
    let org = organisation::Entity::find()
        .one(&c.app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let settings = OrganisationSettings::try_from(&org).unwrap();

    // Records an update through the API, then runs the store's alert hook for it in a
    // transaction, as the mutation does (idempotent: the hook's dedupe key is the update's).
    let update = |status: &'static str, when: &'static str| {
        let (c, settings) = (&c, &settings);
        async move {
            c.app.clock.set(at(when));
            c.app
                .data(
                    Caller::Token(&c.admin),
                    ACTION_UPDATE,
                    json!({ "input": { "actionId": action_id.to_string(), "period": "2025-26 Q3", "status": status,
                            "commentary": format!("{status}: contractor delays"), "nextSteps": "Escalate to the board" } }),
                )
                .await;
            let a = action::Entity::find_by_id(action_id)
                .one(&c.app.db.conn)
                .await
                .unwrap()
                .unwrap();
            let u = action_update::Entity::find()
                .filter(action_update::Column::ActionId.eq(action_id))
                .order_by_desc(action_update::Column::Id)
                .one(&c.app.db.conn)
                .await
                .unwrap()
                .unwrap();
            let txn = c.app.db.begin_write().await.unwrap();
            let period = *u.period;
            let previous =
                pmf_store::alerts::previous_action_status(&txn, settings, a.id, &period, u.id)
                    .await
                    .unwrap();
            let links = pmf_mail::Links::new(PUBLIC_URL);
            pmf_store::alerts::on_action_update(&txn, settings, &links, &a, &u, previous, at(when))
                .await
                .unwrap();
            txn.commit().await.unwrap();
        }
    };
    update("GREEN", "2025-11-10T09:00:00Z").await;
    assert!(alert_rows(&c).await.is_empty());
    update("RED", "2025-11-11T09:00:00Z").await;
    let rows = alert_rows(&c).await;
    assert_eq!(
        recipients(&rows),
        ["director@test.example", "manager@test.example"]
    );
    update("RED", "2025-11-12T09:00:00Z").await;
    assert_eq!(alert_rows(&c).await.len(), 2, "still red: no new alert");
    update("AMBER", "2025-11-13T09:00:00Z").await;
    update("RED", "2025-11-14T09:00:00Z").await;
    assert_eq!(alert_rows(&c).await.len(), 4, "red again");

    let sink = SmtpSink::start();
    worker(&c.app, &sink.url())
        .tick(at("2025-11-14T09:00:05Z"), false)
        .await
        .unwrap();
    let got = alerts(sink.wait_for(4).await);
    assert_eq!(got.len(), 4);
    // Messages go out many at a time, so they arrive in any order: one per red episode.
    let to_director: Vec<_> = got
        .iter()
        .filter(|m| m.to == ["director@test.example"])
        .collect();
    assert_eq!(to_director.len(), 2);
    assert!(
        to_director.iter().any(|m| m.text().contains("GREEN → RED")),
        "the first episode's alert"
    );
    let last = to_director
        .iter()
        .find(|m| !m.text().contains("GREEN → RED"))
        .expect("the second episode's alert");
    assert_eq!(
        last.subject(),
        "Test Borough Council: RED: action A1 Open the new depot, 2025-26 Q3"
    );
    let text = last.text();
    for needle in [
        "AMBER → RED",
        "Olive Officer",
        "RED: contractor delays",
        "Next steps:\nEscalate to the board",
        &format!("/#/actions/{action_id}"),
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    c.app.stop().await;
}

#[tokio::test]
async fn those_who_prefer_a_daily_digest_get_one_message_at_the_reminder_time() {
    let c = Council::new().await;
    set_recipients(&c, &["director"]).await;
    c.app
        .data(
            Caller::Token(&c.admin),
            "mutation($input: UpdateUserInput!) { updateUser(input: $input) { notificationPreference } }",
            json!({ "input": { "id": c.users["director"], "notificationPreference": "DAILY_DIGEST" } }),
        )
        .await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    w.tick(eight("2025-11-16"), false).await.unwrap();
    sink.take();
    c.record(
        "2025-11-16T10:00:00Z",
        "M1",
        "2025-10",
        50.0,
        Some("system outage"),
    )
    .await;
    c.record("2025-11-16T10:30:00Z", "X1", "2025-10", 40.0, None)
        .await;
    w.tick(at("2025-11-16T10:30:05Z"), false).await.unwrap();
    let now = alerts(sink.wait_for(1).await);
    assert_eq!(
        now.iter().map(|m| m.to[0].as_str()).collect::<Vec<_>>(),
        ["manager@test.example"],
        "the manager chose immediate alerts (X1's owner has no manager)"
    );
    sink.take();
    let held: Vec<_> = alert_rows(&c)
        .await
        .into_iter()
        .filter(|r| r.status == outbox::HELD)
        .collect();
    assert_eq!(held.len(), 2);

    w.tick(at("2025-11-17T07:59:00Z"), false).await.unwrap();
    assert!(
        alerts(sink.take()).is_empty(),
        "not before the reminder time"
    );
    w.tick(eight("2025-11-17"), false).await.unwrap();
    let digest = alerts(sink.wait_for(1).await);
    let to_director: Vec<&Received> = digest
        .iter()
        .filter(|m| m.to == ["director@test.example"])
        .collect();
    assert_eq!(to_director.len(), 1, "one digest");
    assert_eq!(
        to_director[0].subject(),
        "Test Borough Council: 2 exception alerts"
    );
    let text = to_director[0].text();
    assert!(
        text.contains("RED: M1 Calls answered, 2025-10")
            && text.contains("RED: X1 Missed bins put right, 2025-10"),
        "{text}"
    );
    let rows = alert_rows(&c).await;
    assert_eq!(
        rows.iter().filter(|r| r.status == outbox::DIGESTED).count(),
        2
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.kind == "ALERT_DIGEST" && r.status == "SENT")
            .count(),
        1
    );
    sink.take();
    w.tick(eight("2025-11-18"), false).await.unwrap();
    assert!(
        alerts(sink.take())
            .iter()
            .all(|m| m.to != ["director@test.example"]),
        "nothing the next day"
    );
    c.app.stop().await;
}

#[tokio::test]
async fn an_alert_raised_while_smtp_is_down_is_delivered_when_it_is_back() {
    let c = Council::new().await;
    let (closed, _) = closed_smtp_url();
    let down = worker(&c.app, &closed);
    down.tick(eight("2025-11-16"), false).await.unwrap();
    c.record("2025-11-16T10:00:00Z", "M1", "2025-10", 50.0, None)
        .await;
    let report = down.tick(at("2025-11-16T10:00:05Z"), false).await.unwrap();
    assert!(report.delivery.failed >= 1);
    let alert = alert_rows(&c).await.remove(0);
    assert_eq!((alert.status.as_str(), alert.attempts), ("FAILED", 1));
    assert!(alert.next_attempt_at > at("2025-11-16T10:00:05Z"));

    let sink = SmtpSink::start();
    let up = worker(&c.app, &sink.url());
    up.tick(at("2025-11-16T10:05:00Z"), false).await.unwrap();
    let got = alerts(sink.wait_for(1).await);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["manager@test.example"]);
    let alert = alert_rows(&c).await.remove(0);
    assert_eq!((alert.status.as_str(), alert.attempts), ("SENT", 2));
    c.app.stop().await;
}
