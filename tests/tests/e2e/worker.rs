//! The worker end to end: deadline reminders, escalation and the outbox, through a real SMTP
//! server, with the worker's own `tick` (the function behind `worker tick --at`) driven
//! through the calendar.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use pmf_mail::Links;
use pmf_store::{
    entity::{notification, sweep_run},
    outbox::{self, DeliveryPolicy, notification_item},
};
use pmf_tests::{
    Caller, PUBLIC_URL, TestApp,
    smtp::{Received, SmtpSink, closed_smtp_url},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;
use worker::{Composer, Transport, Worker};

use super::fixtures::*;

pub const COUNCIL: &str = "Test Borough Council";

pub fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 time")
}

/// 08:00 on a November day (GMT, so 08:00 UTC too).
pub fn eight(day: &str) -> DateTime<Utc> {
    at(&format!("{day}T08:00:00Z"))
}

/// A worker sending to `smtp_url`, for the dashboard the api links to.
pub fn worker(app: &TestApp, smtp_url: &str) -> Worker {
    let transport = Transport::smtp(smtp_url, outbox::IN_FLIGHT).expect("a valid SMTP URL");
    let composer = Composer::new(
        "Performance <performance@test.example>"
            .parse()
            .expect("address"),
        Some(
            "Performance team <perf-team@test.example>"
                .parse()
                .expect("address"),
        ),
    );
    Worker::new(app.db.clone(), transport, composer, Links::new(PUBLIC_URL))
}

/// Text as HTML escapes it (a link in an `href`, say).
pub fn escaped(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}

/// A council whose plan starts in October 2025: director → manager → officer; another
/// officer with no manager; a leaver (inactive) reporting to the manager. Monthly indicators
/// with a 90 % target: M1, M2 (extended to 20 November for October), M3 owned by the officer;
/// X1 owned by the other officer; L1 owned by the leaver; R1 retired.
pub struct Council {
    pub app: TestApp,
    pub admin: String,
    pub users: HashMap<&'static str, String>,
    pub indicators: HashMap<&'static str, String>,
    pub priority: String,
}

impl Council {
    pub async fn new() -> Self {
        let app = TestApp::builder().at("2025-10-01T09:00:00Z").start().await;
        let admin = app.bootstrap(COUNCIL, "test", "admin@test.example").await;
        let mut users: HashMap<&'static str, String> = HashMap::new();
        for (key, name, role, manager) in [
            ("director", "Dee Director", "EXECUTIVE", None),
            ("manager", "Mo Manager", "MANAGER", Some("director")),
            ("officer", "Olive Officer", "OFFICER", Some("manager")),
            ("other", "Oscar Other", "OFFICER", None),
            ("leaver", "Lee Leaver", "OFFICER", Some("manager")),
        ] {
            let manager_id = manager.map(|m: &str| users[m].clone());
            let d = app
                .data(
                    Caller::Token(&admin),
                    CREATE_USER,
                    json!({ "input": { "name": name, "email": format!("{key}@test.example"), "role": role, "managerId": manager_id } }),
                )
                .await;
            users.insert(key, id(&d["createUser"]["id"]));
        }
        let d = app
            .data(
                Caller::Token(&admin),
                CREATE_PLAN,
                json!({ "input": { "kind": "CORPORATE_PLAN", "title": "Plan 2025-26", "startDate": "2025-10-01", "endDate": "2026-03-31" } }),
            )
            .await;
        let plan = id(&d["createPlan"]["id"]);
        let priority = create_priority(&app, &admin, &plan, "P1").await;
        let mut indicators = HashMap::new();
        for (reference, title, owner) in [
            ("M1", "Calls answered", "officer"),
            ("M2", "Invoices paid on time", "officer"),
            ("M3", "Complaints answered in time", "officer"),
            ("X1", "Missed bins put right", "other"),
            ("L1", "Licences issued", "leaver"),
            ("R1", "Retired measure", "officer"),
        ] {
            let indicator = create_indicator(
                &app,
                &admin,
                json!({ "priorityId": priority, "ref": reference, "title": title, "ownerId": users[owner],
                        "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY" }),
            )
            .await;
            set_target(&app, &admin, &indicator, "2025-26", 90.0).await;
            indicators.insert(reference, indicator);
        }
        app.data(
            Caller::Token(&admin),
            "mutation($id: ID!) { retireIndicator(id: $id) { lifecycle } }",
            json!({ "id": indicators["R1"] }),
        )
        .await;
        app.data(
            Caller::Token(&admin),
            "mutation($id: ID!) { setUserActive(id: $id, active: false) { id } }",
            json!({ "id": users["leaver"] }),
        )
        .await;
        let director = app.token("test", "director@test.example").await;
        app.data(
            Caller::Token(&director),
            r#"mutation($input: DeadlineExtensionInput!) { grantDeadlineExtension(input: $input) { dueDate } }"#,
            json!({ "input": { "indicatorId": indicators["M2"], "period": "2025-10", "dueDate": "2025-11-20", "reason": "new finance system" } }),
        )
        .await;
        Council {
            app,
            admin,
            users,
            indicators,
            priority,
        }
    }

    /// Adds the action "A1 Open the new depot", owned by the officer; returns its id.
    pub async fn depot_action(&self) -> String {
        let d = self
            .app
            .data(
                Caller::Token(&self.admin),
                CREATE_ACTION,
                json!({ "input": { "priorityId": self.priority, "ref": "A1", "title": "Open the new depot", "ownerId": self.users["officer"] } }),
            )
            .await;
        id(&d["createAction"]["id"])
    }

    /// Records a value through the API at `when`.
    pub async fn record(
        &self,
        when: &str,
        reference: &str,
        period: &str,
        value: f64,
        commentary: Option<&str>,
    ) -> serde_json::Value {
        self.app.clock.set(at(when));
        record(
            &self.app,
            &self.admin,
            &self.indicators[reference],
            period,
            value,
            commentary,
        )
        .await
    }

    pub async fn rows(&self) -> Vec<notification::Model> {
        notification::Entity::find()
            .order_by_asc(notification::Column::Id)
            .all(&self.app.db.conn)
            .await
            .expect("notifications")
    }
}

/// The items of a reminder digest, as (reference, section heading), read from its text.
pub fn digest_items(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut heading = String::new();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if lines
            .get(i + 1)
            .is_some_and(|next| !next.is_empty() && next.chars().all(|c| c == '-'))
        {
            heading = line.to_string();
        } else if let Some(rest) = line.strip_prefix("* ") {
            let reference = rest.split_whitespace().next().unwrap_or("").to_string();
            out.push((reference, heading.clone()));
        }
    }
    out
}

/// recipient → items, for the messages of one run.
fn by_recipient(messages: &[Received]) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out = BTreeMap::new();
    for m in messages {
        assert_eq!(m.to.len(), 1, "one recipient per message");
        let previous = out.insert(m.to[0].clone(), digest_items(&m.text()));
        assert!(
            previous.is_none(),
            "one digest per recipient per run, {} got two",
            m.to[0]
        );
    }
    out
}

type Expected = &'static [(&'static str, &'static [(&'static str, &'static str)])];

fn expect(list: Expected) -> BTreeMap<String, Vec<(String, String)>> {
    list.iter()
        .map(|(who, items)| {
            (
                format!("{who}@test.example"),
                items
                    .iter()
                    .map(|(r, h)| (r.to_string(), h.to_string()))
                    .collect(),
            )
        })
        .collect()
}

/// Who gets what on each day of the month (days not listed: nobody, nothing).
fn month_expected(date: &str) -> Expected {
    match date {
        "2025-11-07" => &[
            ("officer", &[("M1", "Due soon"), ("M3", "Due soon")]),
            ("other", &[("X1", "Due soon")]),
        ],
        "2025-11-10" => &[
            ("officer", &[("M1", "Due today"), ("M3", "Due today")]),
            ("other", &[("X1", "Due today")]),
        ],
        "2025-11-11" => &[
            ("officer", &[("M1", "Overdue"), ("M3", "Overdue")]),
            ("other", &[("X1", "Overdue")]),
        ],
        // M3 got its commentary on the 12th: only M1 is escalated.
        "2025-11-13" => &[("manager", &[("M1", "Overdue in your team")])],
        "2025-11-17" => &[("officer", &[("M2", "Due soon")])],
        "2025-11-18" => &[
            ("officer", &[("M1", "Overdue")]),
            ("other", &[("X1", "Overdue")]),
        ],
        "2025-11-20" => &[("officer", &[("M2", "Due today")])],
        "2025-11-25" => &[
            ("officer", &[("M1", "Overdue")]),
            ("other", &[("X1", "Overdue")]),
        ],
        // M1 was entered on the 26th: only X1 is still chased.
        "2025-12-02" => &[("other", &[("X1", "Overdue")])],
        _ => &[],
    }
}

#[tokio::test]
async fn a_month_of_ticks_sends_each_stage_once_to_the_right_people() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    // What the officers do during the month (at noon, after that day's sweep).
    type Entry = (&'static str, f64, Option<&'static str>);
    let actions: HashMap<&str, Vec<Entry>> = HashMap::from([
        ("2025-11-09", vec![("M3", 87.0, None)]), // AMBER without commentary: not complete
        (
            "2025-11-12",
            vec![("M3", 87.0, Some("one long-term absence"))],
        ),
        ("2025-11-20", vec![("M2", 95.0, None)]),
        ("2025-11-26", vec![("M1", 95.0, None)]),
    ]);

    // Running since the end of October: nothing is due soon yet.
    let first = w.tick(eight("2025-10-31"), false).await.unwrap();
    assert_eq!((first.sweeps.len(), first.delivery.sent), (1, 0));
    let mut day = chrono::NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2025, 12, 3).unwrap();
    while day <= last {
        let date = day.to_string();
        // Nothing early: a minute before the reminder time, nothing is sent.
        let early = w
            .tick(at(&format!("{date}T07:59:00Z")), false)
            .await
            .unwrap();
        assert!(early.sweeps.is_empty(), "{date} 07:59: {:?}", early.sweeps);
        assert!(sink.take().is_empty(), "{date} 07:59: nothing before 08:00");

        let report = w.tick(eight(&date), false).await.unwrap();
        assert_eq!(report.sweeps.len(), 1, "{date}: one sweep");
        let got = by_recipient(&sink.wait_for(report.delivery.sent).await);
        assert_eq!(got.len(), report.delivery.sent);
        sink.take();
        let want = expect(month_expected(&date));
        assert_eq!(got, want, "{date}");

        // Ticking again (a restart, the next minute) sends nothing more.
        let again = w
            .tick(eight(&date) + Duration::minutes(1), false)
            .await
            .unwrap();
        assert!(
            again.sweeps.is_empty() && again.delivery.sent == 0,
            "{date}: {again:?}"
        );
        for (reference, value, commentary) in actions.get(date.as_str()).into_iter().flatten() {
            let r = c
                .record(
                    &format!("{date}T12:00:00Z"),
                    reference,
                    "2025-10",
                    *value,
                    *commentary,
                )
                .await;
            assert!(r["version"].as_i64().is_some(), "{r}");
        }
        day = day.succ_opt().unwrap();
    }
    assert!(sink.take().is_empty());

    // Every message went out once and is marked SENT with its Message-ID.
    let rows = c.rows().await;
    assert_eq!(rows.len(), 14);
    for row in &rows {
        assert_eq!(row.status, "SENT", "{row:?}");
        assert_eq!(row.attempts, 1);
        assert_eq!(
            row.message_id.as_deref(),
            Some(format!("<pmf.{}.{}@test.example>", row.organisation_id, row.id).as_str())
        );
        assert_eq!(row.kind, "REMINDER");
    }
    let stages = notification_item::Entity::find()
        .count(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(
        stages, 17,
        "one marker per (item, period, stage, recipient)"
    );
    let sweeps = sweep_run::Entity::find()
        .count(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(sweeps, 34, "one sweep a day, 31 October to 3 December");
    c.app.stop().await;
}

#[tokio::test]
async fn a_digest_says_what_is_missing_and_links_to_it() {
    let c = Council::new().await;
    c.record("2025-11-09T12:00:00Z", "M3", "2025-10", 87.0, None)
        .await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    w.tick(eight("2025-11-10"), false).await.unwrap();
    let messages = sink.wait_for(2).await;
    let to_officer = messages
        .iter()
        .find(|m| m.to == ["officer@test.example"])
        .expect("officer's digest");
    assert_eq!(
        to_officer.subject(),
        "Test Borough Council: 2 performance updates due today"
    );
    let from = to_officer.header("From").unwrap();
    assert!(
        from.contains("Test Borough Council – Performance")
            && from.ends_with("<performance@test.example>"),
        "{from}"
    );
    let reply_to = to_officer.header("Reply-To").unwrap();
    assert!(
        reply_to.contains("Performance team") && reply_to.ends_with("<perf-team@test.example>"),
        "{reply_to}"
    );
    assert_eq!(
        to_officer.header("Auto-Submitted").unwrap(),
        "auto-generated"
    );
    let text = to_officer.text();
    let m1 = &c.indicators["M1"];
    for needle in [
        "Dear Olive Officer,",
        "Due today\n---------",
        "* M1 Calls answered, 2025-10: due today, Monday 10 November 2025. Missing: the value.",
        // Each line links to the item's form; the message to My updates.
        &format!("Enter it: {PUBLIC_URL}/#/indicators/{m1}/record/2025-10\n"),
        &format!("Everything you owe, with a form for each: {PUBLIC_URL}/#/my-updates\n"),
        "* M3 Complaints answered in time, 2025-10: due today, Monday 10 November 2025. Missing: commentary explaining the result (it is off target).",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    assert!(!text.contains("{{"), "{text}");
    let html = to_officer.html();
    for needle in [
        "<html lang=\"en-GB\">",
        "<h1",
        "<h2 style=\"font-size: 20px;\">Due today</h2>",
        &format!(
            "<li><a href=\"{}\">M1 Calls answered</a>",
            escaped(&format!("{PUBLIC_URL}/#/indicators/{m1}/record/2025-10"))
        ),
    ] {
        assert!(html.contains(needle), "{needle:?} in:\n{html}");
    }
    assert!(!html.contains("<table") && !html.contains("{{"));
    c.app.stop().await;
}

#[tokio::test]
async fn after_downtime_the_worker_catches_up_with_the_latest_stage_only() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    w.tick(eight("2025-11-06"), false).await.unwrap();
    assert!(sink.take().is_empty());
    // Down from 6 to 19 November; back at 09:30.
    let report = w.tick(at("2025-11-19T09:30:00Z"), false).await.unwrap();
    assert_eq!(
        report.sweeps.len(),
        1,
        "one sweep for today, not one per missed day"
    );
    assert_eq!(report.sweeps[0].1.date.to_string(), "2025-11-19");
    // What the worker asks every minute, for every council at once: the day just swept.
    let org = pmf_store::organisations::by_slug(&c.app.db.conn, "test")
        .await
        .unwrap()
        .unwrap();
    let swept = pmf_store::reminders::last_swept_all(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(
        swept.into_iter().collect::<Vec<_>>(),
        vec![(org.id, "2025-11-19".parse().unwrap())]
    );
    assert_eq!(
        pmf_store::reminders::last_swept(&c.app.db.conn, org.id)
            .await
            .unwrap(),
        Some("2025-11-19".parse().unwrap())
    );
    let got = by_recipient(&sink.wait_for(3).await);
    assert_eq!(
        got,
        expect(&[
            (
                "manager",
                &[
                    ("M1", "Overdue in your team"),
                    ("M3", "Overdue in your team")
                ]
            ),
            (
                "officer",
                &[("M1", "Overdue"), ("M3", "Overdue"), ("M2", "Due soon")]
            ),
            ("other", &[("X1", "Overdue")]),
        ])
    );
    let m1 = sink
        .messages()
        .into_iter()
        .find(|m| m.to == ["officer@test.example"])
        .unwrap();
    assert!(
        m1.text()
            .contains("* M1 Calls answered, 2025-10: was due Monday 10 November 2025."),
        "{}",
        m1.text()
    );
    sink.take();
    w.tick(eight("2025-11-20"), false).await.unwrap();
    assert_eq!(
        by_recipient(&sink.wait_for(1).await),
        expect(&[("officer", &[("M2", "Due today")])]),
        "the next day, only what is new"
    );
    c.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_ticking_at_once_send_each_message_once() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    // Two workers with their own connection pools, as two processes would have.
    let second_db = pmf_store::Database::connect(&c.app.fresh.url)
        .await
        .unwrap();
    let a = worker(&c.app, &sink.url());
    let mut b = worker(&c.app, &sink.url());
    b.db = second_db;
    for day in ["2025-11-07", "2025-11-10", "2025-11-13"] {
        let (ra, rb) = tokio::join!(a.tick(eight(day), false), b.tick(eight(day), false));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let sent = ra.delivery.sent + rb.delivery.sent;
        let messages = sink.wait_for(sent).await;
        assert_eq!(messages.len(), sent, "{day}");
        let got = by_recipient(&messages);
        // 13 November: overdue (week 1) to both officers, the escalation to the manager.
        let expected = if day == "2025-11-13" { 3 } else { 2 };
        assert_eq!(got.len(), expected, "{day}: {got:?}");
        sink.take();
        // Nothing left over for a third tick.
        let rest = a
            .tick(eight(day) + Duration::minutes(5), false)
            .await
            .unwrap();
        assert_eq!(rest.delivery.sent, 0, "{day}");
        assert!(sink.take().is_empty());
    }
    let sweeps = sweep_run::Entity::find()
        .count(&c.app.db.conn)
        .await
        .unwrap();
    assert_eq!(sweeps, 3);
    c.app.stop().await;
}

#[tokio::test]
async fn when_smtp_is_down_messages_wait_and_go_out_once_it_is_back() {
    let c = Council::new().await;
    let (closed, _) = closed_smtp_url();
    let down = worker(&c.app, &closed);
    let report = down.tick(eight("2025-11-10"), false).await.unwrap();
    assert_eq!((report.delivery.sent, report.delivery.failed), (0, 2));
    for row in c.rows().await {
        assert_eq!(row.status, "FAILED");
        assert_eq!(row.attempts, 1);
        assert_eq!(
            row.next_attempt_at,
            eight("2025-11-10") + Duration::minutes(1),
            "retried after a minute"
        );
        assert!(
            row.last_error.as_deref().unwrap_or("").contains("SMTP"),
            "{row:?}"
        );
        assert!(row.sent_at.is_none());
    }
    // Not due again yet: no attempt.
    let report = down
        .tick(eight("2025-11-10") + Duration::seconds(30), false)
        .await
        .unwrap();
    assert_eq!(report.delivery, Default::default());

    // The server answers but refuses for now (451): the backoff doubles.
    let sink = SmtpSink::start();
    sink.refuse(true);
    let up = worker(&c.app, &sink.url());
    let report = up
        .tick(eight("2025-11-10") + Duration::minutes(1), false)
        .await
        .unwrap();
    assert_eq!(report.delivery.failed, 2);
    for row in c.rows().await {
        assert_eq!((row.status.as_str(), row.attempts), ("FAILED", 2));
        assert_eq!(
            row.next_attempt_at,
            eight("2025-11-10") + Duration::minutes(3)
        );
        assert!(
            row.last_error.as_deref().unwrap_or("").contains("451"),
            "{row:?}"
        );
    }
    assert!(sink.messages().is_empty());

    // Back to normal: everything goes, once.
    sink.refuse(false);
    let report = up
        .tick(eight("2025-11-10") + Duration::minutes(3), false)
        .await
        .unwrap();
    assert_eq!(report.delivery.sent, 2);
    let got = by_recipient(&sink.wait_for(2).await);
    assert_eq!(
        got,
        expect(&[
            ("officer", &[("M1", "Due today"), ("M3", "Due today")]),
            ("other", &[("X1", "Due today")])
        ])
    );
    for row in c.rows().await {
        assert_eq!((row.status.as_str(), row.attempts), ("SENT", 3));
        assert!(row.last_error.is_none());
    }
    assert_eq!(
        up.tick(eight("2025-11-10") + Duration::minutes(10), false)
            .await
            .unwrap()
            .delivery
            .sent,
        0
    );
    c.app.stop().await;
}

#[tokio::test]
async fn a_message_that_keeps_failing_ends_dead_with_its_error() {
    let c = Council::new().await;
    let (closed, _) = closed_smtp_url();
    let mut w = worker(&c.app, &closed);
    w.policy = DeliveryPolicy {
        max_attempts: 3,
        ..DeliveryPolicy::default()
    };
    let mut now = eight("2025-11-10");
    w.tick(now, false).await.unwrap();
    for _ in 0..3 {
        now += Duration::hours(3);
        w.tick(now, false).await.unwrap();
    }
    for row in c.rows().await {
        assert_eq!((row.status.as_str(), row.attempts), ("DEAD", 3), "{row:?}");
        assert!(row.last_error.as_deref().unwrap_or("").contains("SMTP"));
    }
    c.app.stop().await;
}

#[tokio::test]
async fn a_worker_that_dies_mid_delivery_leaves_its_messages_to_the_next_one() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    let now = eight("2025-11-10");
    // The first worker sweeps, claims the messages, and dies before sending.
    w.run_due_sweeps(now, pmf_store::reminders::Mode::Commit)
        .await
        .unwrap();
    let policy = DeliveryPolicy::default();
    let claimed = outbox::claim_due(&c.app.db, now, &policy).await.unwrap();
    assert_eq!(claimed.len(), 2);
    drop(claimed);
    // While the lease runs, nobody else sends them.
    let report = w.tick(now + Duration::minutes(5), false).await.unwrap();
    assert_eq!(report.delivery.sent, 0);
    assert!(sink.messages().is_empty());
    for row in c.rows().await {
        assert_eq!(
            (row.status.as_str(), row.attempts),
            ("PENDING", 0),
            "nothing marked while in flight"
        );
        assert_eq!(row.locked_until, Some(now + policy.lease));
    }
    // Once the lease has expired, the next worker sends each of them once.
    let report = w
        .tick(now + policy.lease + Duration::seconds(1), false)
        .await
        .unwrap();
    assert_eq!(report.delivery.sent, 2);
    assert_eq!(sink.wait_for(2).await.len(), 2);
    let again = w.tick(now + policy.lease * 3, false).await.unwrap();
    assert_eq!(again.delivery.sent, 0);
    assert_eq!(sink.messages().len(), 2);
    c.app.stop().await;
}

async fn table_counts(c: &Council) -> Vec<(&'static str, u64)> {
    use pmf_store::entity::*;
    let db = &c.app.db.conn;
    vec![
        (
            "notifications",
            notification::Entity::find().count(db).await.unwrap(),
        ),
        (
            "notification_items",
            notification_item::Entity::find().count(db).await.unwrap(),
        ),
        (
            "sweep_runs",
            sweep_run::Entity::find().count(db).await.unwrap(),
        ),
        (
            "measurements",
            measurement::Entity::find().count(db).await.unwrap(),
        ),
        (
            "audit_log",
            audit_entry::Entity::find().count(db).await.unwrap(),
        ),
        (
            "sent",
            notification::Entity::find()
                .filter(notification::Column::Status.eq("SENT"))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "attempts",
            notification::Entity::find()
                .all(db)
                .await
                .unwrap()
                .iter()
                .map(|r| r.attempts as u64)
                .sum(),
        ),
    ]
}

#[tokio::test]
async fn a_dry_run_says_what_would_be_sent_and_changes_nothing() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    let before = table_counts(&c).await;
    let report = w.tick(eight("2025-11-10"), true).await.unwrap();
    assert_eq!(table_counts(&c).await, before, "row counts identical");
    assert_eq!(report.delivery, Default::default());
    let mut to: Vec<&str> = report.would_send.iter().map(|p| p.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["officer@test.example", "other@test.example"]);
    assert!(
        report
            .would_send
            .iter()
            .all(|p| !p.queued_before && p.kind == "REMINDER")
    );
    let officer = report
        .would_send
        .iter()
        .find(|p| p.to == "officer@test.example")
        .unwrap();
    assert!(
        officer
            .text
            .contains(&format!("{PUBLIC_URL}/#/indicators/")),
        "{}",
        officer.text
    );
    assert!(sink.messages().is_empty());

    // With messages already waiting (the server was down), they are listed too, untouched.
    let (closed, _) = closed_smtp_url();
    worker(&c.app, &closed)
        .tick(eight("2025-11-10"), false)
        .await
        .unwrap();
    let before = table_counts(&c).await;
    let rows_before = c.rows().await;
    let report = w
        .tick(eight("2025-11-11") + Duration::hours(1), true)
        .await
        .unwrap();
    assert_eq!(table_counts(&c).await, before);
    assert_eq!(c.rows().await, rows_before, "not even a lease is taken");
    let queued = report.would_send.iter().filter(|p| p.queued_before).count();
    let new = report
        .would_send
        .iter()
        .filter(|p| !p.queued_before)
        .count();
    assert_eq!((queued, new), (2, 2));
    assert!(sink.messages().is_empty());

    // The real tick then sends exactly that.
    let real = w
        .tick(eight("2025-11-11") + Duration::hours(1), false)
        .await
        .unwrap();
    assert_eq!(real.delivery.sent, 4);
    c.app.stop().await;
}

#[tokio::test]
async fn action_updates_are_chased_and_completion_stops_the_reminders() {
    let c = Council::new().await;
    c.app.clock.set(at("2025-11-03T09:00:00Z"));
    let action = c.depot_action().await;
    // Values for every indicator, so only the action is outstanding in January.
    for reference in ["M1", "M2", "M3", "X1"] {
        for period in ["2025-10", "2025-11", "2025-12"] {
            c.record("2026-01-05T12:00:00Z", reference, period, 95.0, None)
                .await;
        }
    }
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    w.tick(eight("2026-01-07"), false).await.unwrap();
    let messages = sink.wait_for(1).await;
    assert_eq!(
        by_recipient(&messages),
        expect(&[("officer", &[("A1", "Due soon")])]),
        "the Q3 update is due on 10 January"
    );
    let text = messages[0].text();
    assert!(
        text.contains("Missing: the quarterly progress update."),
        "{text}"
    );
    assert!(
        text.contains(&format!("/#/actions/{action}/update/2025-26%20Q3\n")),
        "{text}"
    );
    sink.take();
    c.app.clock.set(at("2026-01-08T12:00:00Z"));
    c.app
        .data(
            Caller::Token(&c.admin),
            ACTION_UPDATE,
            json!({ "input": { "actionId": action, "period": "2025-26 Q3", "status": "GREEN", "commentary": "on track" } }),
        )
        .await;
    for day in ["2026-01-10", "2026-01-11", "2026-01-13"] {
        w.tick(eight(day), false).await.unwrap();
    }
    assert!(sink.messages().is_empty(), "nothing once the update is in");
    c.app.stop().await;
}

#[tokio::test]
async fn the_sweep_follows_the_local_reminder_time_across_the_clock_change() {
    let c = Council::new().await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    let swept = |r: &worker::TickReport| {
        r.sweeps
            .iter()
            .map(|(_, o)| o.date.to_string())
            .collect::<Vec<_>>()
    };
    // British Summer Time: 08:00 in London is 07:00 UTC.
    let r = w.tick(at("2025-10-24T06:59:00Z"), false).await.unwrap();
    assert_eq!(
        swept(&r),
        ["2025-10-23"],
        "never swept: yesterday's sweep, at once"
    );
    let r = w.tick(at("2025-10-24T07:00:00Z"), false).await.unwrap();
    assert_eq!(swept(&r), ["2025-10-24"]);
    let r = w.tick(at("2025-10-25T07:00:00Z"), false).await.unwrap();
    assert_eq!(swept(&r), ["2025-10-25"]);
    // The clocks go back at 01:00 UTC on 26 October: 08:00 is now 08:00 UTC.
    let r = w.tick(at("2025-10-26T07:30:00Z"), false).await.unwrap();
    assert!(r.sweeps.is_empty(), "07:30 GMT is too early");
    let r = w.tick(at("2025-10-26T08:00:00Z"), false).await.unwrap();
    assert_eq!(swept(&r), ["2025-10-26"]);
    let r = w.tick(at("2025-10-27T07:59:00Z"), false).await.unwrap();
    assert!(r.sweeps.is_empty());
    c.app.stop().await;
}

/// `n` messages waiting in the outbox of a new council, due at `now`.
async fn backlog(app: &TestApp, n: usize, now: DateTime<Utc>) {
    app.bootstrap(COUNCIL, "test", "admin@test.example").await;
    let org = pmf_store::organisations::by_slug(&app.db.conn, "test")
        .await
        .unwrap()
        .unwrap();
    for i in 0..n {
        outbox::enqueue(
            &app.db.conn,
            outbox::NewMessage {
                organisation_id: org.id,
                recipient_id: None,
                recipient_email: format!("officer{i}@test.example"),
                kind: outbox::KIND_REMINDER,
                dedupe_key: format!("backlog:{i}"),
                subject: format!("Backlog message {i}"),
                body_text: "text".into(),
                body_html: "<p>html</p>".into(),
                status: outbox::PENDING,
            },
            now,
        )
        .await
        .unwrap()
        .unwrap();
    }
}

#[tokio::test]
async fn a_backlog_goes_out_many_at_a_time_each_message_once() {
    let app = TestApp::builder().start().await;
    let now = eight("2025-11-10");
    backlog(&app, 150, now).await;
    let sink = SmtpSink::start();
    // Two workers, each with batches smaller than the backlog and several messages in flight.
    let policy = DeliveryPolicy {
        batch: 20,
        in_flight: 8,
        ..DeliveryPolicy::default()
    };
    let mut a = worker(&app, &sink.url());
    let mut b = worker(&app, &sink.url());
    a.policy = policy;
    b.policy = policy;
    b.db = pmf_store::Database::connect(&app.fresh.url).await.unwrap();
    let clock = pmf_core::FixedClock::new(now);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (ra, rb) = tokio::join!(a.deliver_due(&clock, &stop), b.deliver_due(&clock, &stop));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 150, "{ra:?} {rb:?}");
    let received = sink.wait_for(150).await;
    let mut subjects: Vec<String> = received.iter().map(Received::subject).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 150, "every message once");
    let unsent = notification::Entity::find()
        .filter(notification::Column::Status.ne(outbox::SENT))
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(unsent, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_stopping_worker_finishes_what_is_in_flight_and_gives_the_rest_back() {
    let app = TestApp::builder().start().await;
    let now = eight("2025-11-10");
    backlog(&app, 200, now).await;
    let sink = SmtpSink::start();
    let mut w = worker(&app, &sink.url());
    w.policy = DeliveryPolicy {
        batch: 200,
        in_flight: 2,
        ..DeliveryPolicy::default()
    };
    let clock = pmf_core::FixedClock::new(now);
    let stop = std::sync::atomic::AtomicBool::new(false);
    // Asked to stop once a few messages have arrived, wherever delivery is then.
    let stopper = async {
        while sink.messages().len() < 5 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (report, ()) = tokio::join!(w.deliver_due(&clock, &stop), stopper);
    let report = report.unwrap();
    // However the two futures were scheduled: all that was started was finished, and all
    // that was not is given back (with 2 in flight and 200 waiting, some always is unless
    // the stop came after the last message started).
    assert!(report.sent >= 5, "{report:?}");
    assert_eq!(report.sent + report.released, 200, "{report:?}");
    let rows = notification::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    let sent = rows.iter().filter(|r| r.status == outbox::SENT).count();
    assert_eq!(sent, report.sent);
    // What was given back is due again at once, for this worker or another.
    for r in rows.iter().filter(|r| r.status != outbox::SENT) {
        assert_eq!(r.status, outbox::PENDING);
        assert_eq!(r.locked_until, None, "released, not left under a lease");
    }
    assert_eq!(sink.wait_for(report.sent).await.len(), report.sent);
    app.stop().await;
}

/// `worker tick --at T` with T in the past: an alert written in real time goes out at once
/// (it does not wait for the simulated clock to reach it), the dry run lists it, and once
/// tried it keeps its backoff like any other message.
#[tokio::test]
async fn tick_at_a_past_time_delivers_what_was_written_in_real_time() {
    let c = Council::new().await;
    let real_now = Utc::now();
    let r = c
        .record(
            &real_now.to_rfc3339(),
            "M1",
            "2025-10",
            80.0,
            Some("short-staffed"),
        )
        .await;
    assert_eq!(r["status"], "RED");
    let alert = |rows: Vec<notification::Model>| {
        rows.into_iter()
            .find(|r| r.kind == outbox::KIND_ALERT)
            .expect("an alert in the outbox")
    };
    let written = alert(c.rows().await);
    assert_eq!((written.status.as_str(), written.attempts), ("PENDING", 0));
    let past = eight("2025-11-16");
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());

    // As of the past time alone (the scheduler's question), it is not due yet.
    let dry = w.tick(past, true).await.unwrap();
    assert!(
        !dry.would_send.iter().any(|p| p.kind == outbox::KIND_ALERT),
        "{:?}",
        dry.would_send
    );
    // The command's dry run lists it, and changes nothing.
    let dry = w.tick_command(past, Utc::now(), true).await.unwrap();
    let listed: Vec<_> = dry
        .would_send
        .iter()
        .filter(|p| p.kind == outbox::KIND_ALERT)
        .collect();
    assert_eq!(listed.len(), 1, "{:?}", dry.would_send);
    assert_eq!(listed[0].to, "manager@test.example");
    assert!(listed[0].queued_before);
    assert_eq!(alert(c.rows().await).status, "PENDING");

    // Tried once with the relay down: it keeps its backoff as of --at.
    let (closed, _) = closed_smtp_url();
    let down = worker(&c.app, &closed);
    down.tick_command(past, Utc::now(), false).await.unwrap();
    let failed = alert(c.rows().await);
    assert_eq!((failed.status.as_str(), failed.attempts), ("FAILED", 1));
    assert_eq!(failed.next_attempt_at, past + Duration::minutes(1));
    let report = w
        .tick_command(past + Duration::seconds(30), Utc::now(), false)
        .await
        .unwrap();
    assert_eq!(report.delivery, Default::default(), "not due again yet");

    // Once its backoff is over, it goes, once.
    let report = w
        .tick_command(past + Duration::minutes(1), Utc::now(), false)
        .await
        .unwrap();
    assert!(report.delivery.sent >= 1, "{report:?}");
    let got = sink.wait_for(report.delivery.sent).await;
    let alerts: Vec<_> = got
        .iter()
        .filter(|m| m.subject().contains(": RED: M1"))
        .collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].to, ["manager@test.example"]);
    assert_eq!(alert(c.rows().await).status, "SENT");
    c.app.stop().await;
}

/// A message written in real time, never tried, goes out with `tick --at` a time before it.
#[tokio::test]
async fn tick_at_a_past_time_sends_a_fresh_alert_at_once() {
    let c = Council::new().await;
    let real_now = Utc::now();
    c.record(&real_now.to_rfc3339(), "M1", "2025-10", 80.0, None)
        .await;
    let sink = SmtpSink::start();
    let w = worker(&c.app, &sink.url());
    let past = eight("2025-11-16");
    let report = w.tick_command(past, Utc::now(), false).await.unwrap();
    let got = sink.wait_for(report.delivery.sent).await;
    let rows = c.rows().await;
    let alert = rows
        .iter()
        .find(|r| r.kind == outbox::KIND_ALERT)
        .expect("an alert");
    assert_eq!(alert.status, "SENT", "{alert:?}");
    assert!(
        got.iter()
            .any(|m| m.subject().contains(": RED: M1") && m.to == ["manager@test.example"])
    );
    c.app.stop().await;
}
