//! A council moves in with its spreadsheet (issue 16): workbooks made here with
//! rust_xlsxwriter, imported through `api import` (its command function) and through the
//! GraphQL multipart upload; all or nothing, every problem named; dry runs store nothing;
//! a second import changes nothing.
use pmf_tests::{Caller, TestApp, error_code};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{Value, json};

use super::fixtures::upload_file;

/// A cell of a test workbook.
#[derive(Clone)]
enum X {
    S(&'static str),
    T(String),
    N(f64),
    /// A number formatted as a percentage: `P(0.92)` shows as 92 %.
    P(f64),
    /// A date cell.
    D(u16, u8, u8),
    E,
}

use X::{D, E, N, P, S};

fn xlsx(sheets: &[(&str, Vec<Vec<X>>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let pct = Format::new().set_num_format("0%");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    S(s) => ws.write_string(r, c, *s).map(|_| ()),
                    X::T(s) => ws.write_string(r, c, s.as_str()).map(|_| ()),
                    N(n) => ws.write_number(r, c, *n).map(|_| ()),
                    P(n) => ws.write_number_with_format(r, c, *n, &pct).map(|_| ()),
                    D(y, m, d) => ws
                        .write_datetime_with_format(
                            r,
                            c,
                            ExcelDateTime::from_ymd(*y, *m, *d).expect("date"),
                            &date,
                        )
                        .map(|_| ()),
                    E => Ok(()),
                }
                .expect("write cell");
            }
        }
    }
    wb.save_to_buffer().expect("workbook")
}

/// A small council's register: a plan, two priorities, users, two indicators (one PERCENT
/// with percentage cells), targets, values, actions with date cells and text dates, and an
/// action update.
fn register() -> Vec<u8> {
    xlsx(&[
        (
            "Plans",
            vec![
                vec![
                    S("Title"),
                    S("Kind"),
                    S("Start date"),
                    S("End date"),
                    S("Vision"),
                ],
                vec![
                    S("Corporate Plan 2024-28"),
                    S("Corporate plan"),
                    D(2024, 4, 1),
                    S("2028-03-31"),
                    S("A thriving borough"),
                ],
            ],
        ),
        (
            "Priorities",
            vec![
                vec![S("Plan"), S("Code"), S("Title")],
                vec![
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    S("Safe, clean and green"),
                ],
                vec![
                    S("Corporate Plan 2024-28"),
                    S("P2"),
                    S("Homes and communities"),
                ],
            ],
        ),
        (
            "Users",
            vec![
                vec![S("Email"), S("Name"), S("Role"), S("Line manager email")],
                vec![
                    S("officer@maidstone.example"),
                    S("Olu Officer"),
                    S("Officer"),
                    S("head@maidstone.example"),
                ],
                vec![S("head@maidstone.example"), S("Hana Head"), S("MANAGER"), E],
            ],
        ),
        (
            "Indicators",
            vec![
                vec![
                    S("Ref"),
                    S("Title"),
                    S("Plan"),
                    S("Priority"),
                    S("Owner email"),
                    S("Unit"),
                    S("Polarity"),
                    S("Frequency"),
                    S("Tolerance %"),
                    S("Published"),
                ],
                vec![
                    S("CS1"),
                    S("Calls answered in 60 seconds"),
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    S("officer@maidstone.example"),
                    S("Percent"),
                    S("Higher is better"),
                    S("Monthly"),
                    P(0.1),
                    S("Yes"),
                ],
                vec![
                    S("HS2"),
                    S("Homes delivered"),
                    S("Corporate Plan 2024-28"),
                    S("P2"),
                    E,
                    S("COUNT"),
                    S("HIGHER_IS_BETTER"),
                    S("quarterly"),
                    E,
                    S("N"),
                ],
            ],
        ),
        (
            "Targets",
            vec![
                vec![S("Indicator ref"), S("Period"), S("Target")],
                vec![S("CS1"), S("2025-26"), P(0.9)],
                vec![S("HS2"), S("2025-26"), N(400.0)],
            ],
        ),
        (
            "Values",
            vec![
                vec![S("Indicator ref"), S("Period"), S("Value"), S("Commentary")],
                vec![S("CS1"), S("2025-04"), P(0.92), S("Good month")],
                vec![S("CS1"), D(2025, 5, 1), S("85%"), E],
                vec![S("CS1"), S("2025-06"), N(80.5), S("Staff shortage")],
                vec![S("HS2"), S("2025-26 Q1"), N(90.0), E],
            ],
        ),
        (
            "Actions",
            vec![
                vec![
                    S("Ref"),
                    S("Title"),
                    S("Plan"),
                    S("Priority"),
                    S("Owner email"),
                    S("Due date"),
                    S("Estimated completion"),
                ],
                vec![
                    S("A1"),
                    S("Open the new depot"),
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    S("officer@maidstone.example"),
                    D(2026, 3, 31),
                    S("2026-02-28"),
                ],
                vec![
                    S("A2"),
                    S("Keep the streets clean"),
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    E,
                    S("Ongoing"),
                    E,
                ],
            ],
        ),
        (
            "Action updates",
            vec![
                vec![S("Action ref"), S("Period"), S("Status"), S("Commentary")],
                vec![S("A1"), S("2025-26 Q1"), S("Green"), S("On track")],
            ],
        ),
        // Not of the layout: ignored.
        ("Notes", vec![vec![S("anything")]]),
    ])
}

const READ: &str = r#"{
  plans { title startDate endDate priorities { code } }
  cs1: indicator(ref: "CS1") { title unit tolerancePct published owner { email manager { email } }
    result(period: "2025-06") { actual target status commentary } }
  may: indicator(ref: "CS1") { result(period: "2025-05") { actual status } }
  hs2: indicator(ref: "HS2") { tolerancePct published result(period: "2025-26 Q1") { actual target } }
  actions(first: 10) { edges { node { ref dueDate estimatedCompletion updates { period status commentary } } } }
}"#;

async fn council(app: &TestApp) -> String {
    let token = app
        .bootstrap(
            "Maidstone Borough Council",
            "maidstone",
            "admin@maidstone.example",
        )
        .await;
    // Maidstone rates amber within 10 %.
    app.data(
        Caller::Token(&token),
        r#"mutation { updateOrganisationSettings(input: { defaultTolerancePct: 10, onTolerance: AMBER }) { id } }"#,
        json!({}),
    )
    .await;
    token
}

async fn command(
    app: &TestApp,
    path: &std::path::Path,
    dry_run: bool,
) -> api::workbook::ImportOutcome {
    api::workbook::import_command(
        &app.db,
        pmf_tests::PUBLIC_URL,
        app.clock_now(),
        api::workbook::ImportCommand {
            org_slug: "maidstone",
            file: path,
            dry_run,
            sheet: None,
        },
    )
    .await
    .expect("the command runs")
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pmf-workbook-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write workbook");
    path
}

async fn audit_count(app: &TestApp) -> usize {
    use sea_orm::{EntityTrait, PaginatorTrait};
    pmf_store::entity::audit_entry::Entity::find()
        .count(&app.db.conn)
        .await
        .expect("count") as usize
}

#[tokio::test]
async fn a_workbook_is_imported_by_the_command_and_importing_it_again_changes_nothing() {
    let app = TestApp::builder()
        .at("2025-11-16T12:00:00.123456789Z")
        .start()
        .await;
    let token = council(&app).await;
    let path = temp_file("register.xlsx", &register());

    let dry = command(&app, &path, true).await;
    assert!(dry.ok, "{:#?}", dry.lines);
    assert!(
        dry.lines
            .contains(&"Indicators: 2 created, 0 updated, 0 unchanged".to_string()),
        "{:#?}",
        dry.lines
    );
    assert!(
        dry.lines
            .contains(&"Values: 4 created, 0 updated, 0 unchanged".to_string()),
        "{:#?}",
        dry.lines
    );
    assert_eq!(
        dry.lines.last().map(String::as_str),
        Some("dry run: nothing was stored")
    );
    let before = audit_count(&app).await;
    let d = app
        .data(
            Caller::Token(&token),
            "{ plans { id } indicators { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d,
        json!({ "plans": [], "indicators": { "totalCount": 0 } }),
        "a dry run stores nothing"
    );

    let done = command(&app, &path, false).await;
    assert!(done.ok, "{:#?}", done.lines);
    let d = app.data(Caller::Token(&token), READ, json!({})).await;
    assert_eq!(
        d["plans"],
        json!([{ "title": "Corporate Plan 2024-28", "startDate": "2024-04-01", "endDate": "2028-03-31",
                 "priorities": [{ "code": "P1" }, { "code": "P2" }] }]),
        "a date cell and a text date"
    );
    let cs1 = &d["cs1"];
    assert_eq!(cs1["unit"], "PERCENT");
    assert_eq!(
        cs1["tolerancePct"], 10.0,
        "a 10 % percentage cell is a tolerance of 10"
    );
    assert_eq!(cs1["published"], true);
    assert_eq!(
        cs1["owner"],
        json!({ "email": "officer@maidstone.example", "manager": { "email": "head@maidstone.example" } }),
        "a line manager named on a later row"
    );
    assert_eq!(
        cs1["result"],
        json!({ "actual": 80.5, "target": 90.0, "status": "RED", "commentary": "Staff shortage" }),
        "a 90 % target cell is 90"
    );
    assert_eq!(
        d["may"]["result"],
        json!({ "actual": 85.0, "status": "AMBER" }),
        "\"85%\" typed; a date cell as the month"
    );
    assert_eq!(
        d["hs2"]["tolerancePct"], 10.0,
        "a blank Tolerance % is the council's default"
    );
    assert_eq!(d["hs2"]["published"], false);
    assert_eq!(d["hs2"]["result"]["actual"], 90.0);
    let actions: Vec<&Value> = d["actions"]["edges"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(actions[0]["dueDate"], "2026-03-31");
    assert_eq!(actions[0]["estimatedCompletion"], "2026-02-28");
    assert_eq!(
        actions[0]["updates"],
        json!([{ "period": "2025-26 Q1", "status": "GREEN", "commentary": "On track" }])
    );
    assert_eq!(actions[1]["dueDate"], Value::Null, "Ongoing");
    let audited = audit_count(&app).await;
    assert_eq!(
        audited,
        before + 17,
        "each of the 16 rows created is audited, and the import itself (a clock with nanoseconds)"
    );

    let again = command(&app, &path, false).await;
    assert!(again.ok, "{:#?}", again.lines);
    for line in &again.lines[..again.lines.len() - 1] {
        assert!(line.contains(": 0 created, 0 updated, "), "{line}");
    }
    assert_eq!(app.data(Caller::Token(&token), READ, json!({})).await, d);
    assert_eq!(
        audit_count(&app).await,
        audited + 1,
        "only the import itself is recorded"
    );
    app.stop().await;
}

/// `importWorkbook` as a GraphQL multipart upload.
async fn upload(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: &[u8],
    dry_run: Option<bool>,
) -> Value {
    upload_file(
        app,
        token,
        "mutation($file: Upload!, $dryRun: Boolean) { importWorkbook(file: $file, dryRun: $dryRun) { ok dryRun errors { sheet row column message } counts { sheet created updated unchanged } } }",
        json!({ "file": null, "dryRun": dry_run }),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    )
    .await
}

#[tokio::test]
async fn an_admin_uploads_a_workbook_through_graphql() {
    let app = TestApp::builder().at("2025-11-16T12:00:00Z").start().await;
    let token = council(&app).await;
    let bytes = register();
    let dry = upload(&app, &token, "register.xlsx", &bytes, None).await;
    assert_eq!(dry["data"]["importWorkbook"]["ok"], true, "{dry}");
    assert_eq!(
        dry["data"]["importWorkbook"]["dryRun"], true,
        "a dry run unless asked otherwise"
    );
    let count = app
        .data(
            Caller::Token(&token),
            "{ indicators { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["indicators"]["totalCount"], 0);

    let done = upload(&app, &token, "register.xlsx", &bytes, Some(false)).await;
    assert_eq!(done["data"]["importWorkbook"]["ok"], true, "{done}");
    let counts = &done["data"]["importWorkbook"]["counts"];
    assert_eq!(
        counts[0],
        json!({ "sheet": "Plans", "created": 1, "updated": 0, "unchanged": 0 })
    );
    let count = app
        .data(
            Caller::Token(&token),
            "{ indicators { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["indicators"]["totalCount"], 2);
    let again = upload(&app, &token, "register.xlsx", &bytes, Some(false)).await;
    for c in again["data"]["importWorkbook"]["counts"]
        .as_array()
        .expect("counts")
    {
        assert_eq!(
            (c["created"].as_i64(), c["updated"].as_i64()),
            (Some(0), Some(0)),
            "{c}"
        );
    }

    let officer = app.token("maidstone", "officer@maidstone.example").await;
    let refused = upload(&app, &officer, "register.xlsx", &bytes, Some(false)).await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");

    // An ordinary request keeps its 256 KiB limit.
    let huge = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": format!("{{ viewer {{ id }} }} # {huge}") }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    app.stop().await;
}

#[tokio::test]
async fn a_workbook_with_problems_is_refused_whole_with_every_problem_named() {
    let app = TestApp::builder().at("2025-11-16T12:00:00Z").start().await;
    let token = council(&app).await;
    let bytes = xlsx(&[
        (
            "Plans",
            vec![
                vec![S("Title"), S("Kind"), S("Start date"), S("End date")],
                vec![
                    S("Corporate Plan 2024-28"),
                    S("Corporate plan"),
                    D(2024, 4, 1),
                    D(2028, 3, 31),
                ],
            ],
        ),
        (
            "Priorities",
            vec![
                vec![S("Plan"), S("Code"), S("Title")],
                vec![
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    S("Safe, clean and green"),
                ],
                vec![S("Corporate Plan 2020"), S("P2"), S("Homes")],
            ],
        ),
        (
            "Indicators",
            vec![
                vec![
                    S("Ref"),
                    S("Title"),
                    S("Plan"),
                    S("Priority"),
                    S("Owner email"),
                    S("Unit"),
                    S("Polarity"),
                    S("Frequency"),
                ],
                vec![
                    S("CS1"),
                    S("Calls answered"),
                    S("Corporate Plan 2024-28"),
                    S("P1"),
                    E,
                    S("Percent"),
                    S("Higher is better"),
                    S("Monthly"),
                ],
                vec![
                    S("CS2"),
                    S("Complaints"),
                    E,
                    E,
                    S("nobody@maidstone.example"),
                    S("Count"),
                    S("Lower is better"),
                    S("Monthly"),
                ],
                vec![
                    S("CS3"),
                    S("Missed bins"),
                    E,
                    E,
                    E,
                    S("Count"),
                    S("Upwards"),
                    S("Monthly"),
                ],
                vec![
                    S("CS1"),
                    S("Calls again"),
                    E,
                    E,
                    E,
                    S("Percent"),
                    S("Higher is better"),
                    S("Monthly"),
                ],
            ],
        ),
        ("Targets", vec![vec![S("Indicator ref"), S("Target")]]),
        (
            "Values",
            vec![
                vec![S("Indicator ref"), S("Period"), S("Value")],
                vec![S("CS1"), S("2025-06"), P(0.9)],
                vec![S("CS1"), S("2025-26 Q5"), N(1.0)],
                vec![S("XX9"), S("2025-07"), N(1.0)],
                vec![S("CS1"), S("2026-09"), N(1.0)],
                vec![S("CS1"), S("2025-08"), X::T("n/a".into())],
            ],
        ),
    ]);
    let body = upload(&app, &token, "bad.xlsx", &bytes, Some(false)).await;
    let report = &body["data"]["importWorkbook"];
    assert_eq!(report["ok"], false, "{body}");
    let shown: Vec<String> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{} {} {}: {}",
                e["sheet"].as_str().unwrap_or(""),
                e["row"],
                e["column"].as_str().unwrap_or("-"),
                e["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    let expected = [
        "Priorities 3 Plan: \"Corporate Plan 2020\" is not a plan of the Plans sheet or of this council",
        "Indicators 3 Owner email: nobody@maidstone.example is not a user of this council; add them to the Users sheet",
        "Indicators 4 Polarity: \"Upwards\" is not a valid polarity; write Higher is better, Lower is better or Neutral",
        "Indicators 5 Ref: the indicator CS1 is already on row 2; each appears once",
        "Targets 1 Period: the column is missing; the header row must have a column \"Period\"",
        "Values 3 Period: \"2025-26 Q5\" is not a period; write 2025-26, 2025-26 Q1 or 2025-06",
        "Values 4 Indicator ref: XX9 is not an indicator of the Indicators sheet or of this council",
        "Values 5 Period: 2026-09 has not started yet",
        "Values 6 Value: \"n/a\" is not a number; leave the cell empty when there is no value, or write a number such as 1250, 1,250.5, £1,250 or 92%",
    ];
    for e in expected {
        assert!(shown.iter().any(|s| s == e), "missing {e:?} in {shown:#?}");
    }
    assert_eq!(shown.len(), expected.len(), "{shown:#?}");
    let d = app
        .data(
            Caller::Token(&token),
            "{ plans { id } indicators { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d,
        json!({ "plans": [], "indicators": { "totalCount": 0 } }),
        "nothing is stored"
    );

    // The command prints the same lines and fails.
    let path = temp_file("bad.xlsx", &bytes);
    let outcome = command(&app, &path, false).await;
    assert!(!outcome.ok);
    assert!(outcome.lines.contains(&"Values row 3, Period: \"2025-26 Q5\" is not a period; write 2025-26, 2025-26 Q1 or 2025-06".to_string()), "{:#?}", outcome.lines);
    assert_eq!(
        outcome.lines.last().map(String::as_str),
        Some("bad.xlsx: 9 problem(s); nothing was imported")
    );
    app.stop().await;
}

#[tokio::test]
async fn a_file_naming_another_councils_indicators_cannot_touch_them() {
    let app = TestApp::builder().with_demo().start().await;
    let demo = app.token("demo", "admin@demo.example").await;
    let first = app
        .data(
            Caller::Token(&demo),
            "{ indicators(first: 1) { edges { node { ref title } } } }",
            json!({}),
        )
        .await;
    let node = first["indicators"]["edges"][0]["node"].clone();
    let reference = node["ref"].as_str().expect("a ref").to_string();
    let token = council(&app).await;
    let bytes = xlsx(&[(
        "Indicators",
        vec![
            vec![
                S("Ref"),
                S("Title"),
                S("Unit"),
                S("Polarity"),
                S("Frequency"),
            ],
            vec![
                X::T(reference.clone()),
                S("Taken over"),
                S("Count"),
                S("Neutral"),
                S("Annual"),
            ],
        ],
    )]);
    let done = upload(&app, &token, "other.xlsx", &bytes, Some(false)).await;
    assert_eq!(
        done["data"]["importWorkbook"]["counts"][0]["created"], 1,
        "{done}"
    );
    let query = r#"query($ref: String) { indicator(ref: $ref) { ref title } }"#;
    let theirs = app
        .data(Caller::Token(&demo), query, json!({ "ref": reference }))
        .await;
    assert_eq!(
        theirs["indicator"], node,
        "the demo council's indicator is untouched"
    );
    let ours = app
        .data(Caller::Token(&token), query, json!({ "ref": reference }))
        .await;
    assert_eq!(ours["indicator"]["title"], "Taken over");
    app.stop().await;
}

const SUMMARY: &str = r#"query($plan: ID!, $period: String!) {
  performanceSummary(planId: $plan, period: $period) {
    period
    overall { actions { red amber green blue completed } indicators { red amber green monitorOnly noData noTarget } }
    priorities { priority { code title } counts { actions { red amber green blue completed } indicators { red amber green monitorOnly noData noTarget } } }
    exceptions { indicator { ref } action { ref } status commentary }
  }
}"#;

async fn summaries(app: &TestApp, token: &str) -> Vec<Value> {
    let plans = app
        .data(Caller::Token(token), "{ plans { id title } }", json!({}))
        .await;
    let mut out = Vec::new();
    for plan in plans["plans"].as_array().expect("plans") {
        for period in ["2025-26 Q1", "2025-26 Q2", "2025-10", "2024-25"] {
            let d = app
                .data(
                    Caller::Token(token),
                    SUMMARY,
                    json!({ "plan": plan["id"], "period": period }),
                )
                .await;
            out.push(json!({ "plan": plan["title"], "summary": d["performanceSummary"] }));
        }
    }
    out
}

#[tokio::test]
async fn an_exported_register_imported_into_another_council_gives_the_same_summaries() {
    let app = TestApp::builder().with_demo().start().await;
    let demo = app.token("demo", "admin@demo.example").await;
    let response = app
        .client
        .get(app.url("/exports/register.xlsx"))
        .bearer_auth(&demo)
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("the workbook").to_vec();
    let public = app
        .client
        .get(app.url("/exports/register.xlsx"))
        .header("X-Organisation", "demo")
        .send()
        .await
        .expect("export");
    assert_eq!(public.status(), 200);
    let public = public.bytes().await.expect("the public workbook");
    let read = |b: &[u8]| pmf_core::layout::read(&api::workbook::read_xlsx(b).expect("reads"));
    let (staff, problems) = read(&bytes);
    assert_eq!(problems, vec![]);
    let (published, problems) = read(&public);
    assert_eq!(problems, vec![]);
    assert!(!staff.users.is_empty());
    assert!(
        published.users.is_empty(),
        "the public portal never sees users"
    );
    assert!(
        published
            .indicators
            .iter()
            .all(|i| i.published == Some(true) && i.owner.is_none())
    );
    assert!(
        !published.indicators.is_empty() && published.indicators.len() < staff.indicators.len(),
        "only what is published: {} of {}",
        published.indicators.len(),
        staff.indicators.len()
    );

    let token = council(&app).await;
    // The demo council rates with the default settings.
    app.data(
        Caller::Token(&token),
        r#"mutation { updateOrganisationSettings(input: { defaultTolerancePct: 5, onTolerance: RED }) { id } }"#,
        json!({}),
    )
    .await;
    let done = upload(&app, &token, "demo-register.xlsx", &bytes, Some(false)).await;
    assert_eq!(done["data"]["importWorkbook"]["ok"], true, "{done:#}");
    assert_eq!(summaries(&app, &token).await, summaries(&app, &demo).await);

    // And exporting that council again gives a workbook that changes nothing.
    let response = app
        .client
        .get(app.url("/exports/register.xlsx"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("export");
    let again = upload(
        &app,
        &token,
        "again.xlsx",
        &response.bytes().await.expect("bytes"),
        Some(false),
    )
    .await;
    for c in again["data"]["importWorkbook"]["counts"]
        .as_array()
        .expect("counts")
    {
        assert_eq!(
            (c["created"].as_i64(), c["updated"].as_i64()),
            (Some(0), Some(0)),
            "{c}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_template_has_every_sheet_of_the_layout_and_imports_as_nothing() {
    let app = TestApp::builder().start().await;
    let response = app
        .client
        .get(app.url("/templates/register.xlsx"))
        .send()
        .await
        .expect("template");
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("bytes").to_vec();
    let sheets = api::workbook::read_xlsx(&bytes).expect("reads");
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let layout: Vec<&str> = pmf_core::layout::SHEETS.iter().map(|s| s.name).collect();
    assert_eq!(names, layout);
    let (records, problems) = pmf_core::layout::read(&sheets);
    assert_eq!(problems, vec![]);
    assert_eq!(records.sheets, layout);
    app.stop().await;
}

#[tokio::test]
async fn csv_sheets_export_and_import_one_at_a_time() {
    let app = TestApp::builder().at("2025-11-16T12:00:00Z").start().await;
    council(&app).await;
    let path = temp_file("for-csv.xlsx", &register());
    assert!(command(&app, &path, false).await.ok);
    let dir = path.with_file_name("csv");
    let files = api::workbook::export_command(&app.db, "maidstone", &dir, true)
        .await
        .expect("export");
    assert_eq!(files.len(), pmf_core::layout::SHEETS.len());
    for sheet in pmf_core::layout::SHEETS {
        let file = dir.join(format!("{}.csv", sheet.name));
        let outcome = api::workbook::import_command(
            &app.db,
            pmf_tests::PUBLIC_URL,
            app.clock_now(),
            api::workbook::ImportCommand {
                org_slug: "maidstone",
                file: &file,
                dry_run: false,
                sheet: Some(sheet.name),
            },
        )
        .await
        .expect("the command runs");
        assert!(outcome.ok, "{}: {:#?}", sheet.name, outcome.lines);
        assert!(
            outcome.lines[0].starts_with(&format!("{}: 0 created, 0 updated, ", sheet.name)),
            "{:#?}",
            outcome.lines
        );
    }
    let without = api::workbook::import_command(
        &app.db,
        pmf_tests::PUBLIC_URL,
        app.clock_now(),
        api::workbook::ImportCommand {
            org_slug: "maidstone",
            file: &dir.join("Values.csv"),
            dry_run: true,
            sheet: None,
        },
    )
    .await;
    let message = format!("{:#}", without.expect_err("a .csv needs --sheet"));
    assert!(message.contains("name it with --sheet"), "{message}");
    app.stop().await;
}

#[tokio::test]
async fn only_new_reds_of_periods_still_open_alert_on_import_and_ambiguous_plans_are_named() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::builder().at("2025-11-16T12:00:00Z").start().await;
    let token = council(&app).await;
    let path = temp_file("alerts.xlsx", &register());
    assert!(command(&app, &path, false).await.ok);
    let alerts = || async {
        pmf_store::entity::notification::Entity::find()
            .count(&app.db.conn)
            .await
            .expect("count")
    };
    assert_eq!(
        alerts().await,
        0,
        "June's red (due in July) is history: nobody is e-mailed"
    );
    // November 2025 is due on 10 December: still open, so its red is news for the manager.
    let values = xlsx(&[(
        "Values",
        vec![
            vec![S("Indicator ref"), S("Period"), S("Value")],
            vec![S("CS1"), S("2025-11"), N(50.0)],
            vec![S("CS1"), S("2025-07"), N(50.0)],
        ],
    )]);
    let done = upload(&app, &token, "values.xlsx", &values, Some(false)).await;
    assert_eq!(done["data"]["importWorkbook"]["ok"], true, "{done}");
    let sent = pmf_store::entity::notification::Entity::find()
        .all(&app.db.conn)
        .await
        .expect("notifications");
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].recipient_email, "head@maidstone.example");

    // Two plans of one title cannot be told apart.
    app.data(
        Caller::Token(&token),
        r#"mutation { createPlan(input: { kind: OTHER, title: "Corporate Plan 2024-28", startDate: "2024-04-01", endDate: "2028-03-31" }) { id } }"#,
        json!({}),
    )
    .await;
    let priorities = xlsx(&[(
        "Priorities",
        vec![
            vec![S("Plan"), S("Code"), S("Title")],
            vec![S("Corporate Plan 2024-28"), S("P3"), S("Growth")],
        ],
    )]);
    let refused = upload(&app, &token, "p.xlsx", &priorities, Some(false)).await;
    assert_eq!(
        refused["data"]["importWorkbook"]["errors"],
        json!([{ "sheet": "Priorities", "row": 2, "column": "Plan",
                 "message": "\"Corporate Plan 2024-28\" matches 2 plans of this council; give them different titles first" }])
    );
    app.stop().await;
}

#[tokio::test]
async fn a_workbook_larger_than_an_ordinary_request_uploads_within_its_own_limit() {
    let app = TestApp::builder().at("2026-05-01T09:00:00Z").start().await;
    let token = council(&app).await;
    let (indicators, years) = (200, 10);
    let mut sheets: Vec<(&str, Vec<Vec<X>>)> = vec![
        (
            "Plans",
            vec![
                vec![S("Title"), S("Kind"), S("Start date"), S("End date")],
                vec![S("Plan"), S("Other"), D(2016, 4, 1), D(2026, 3, 31)],
            ],
        ),
        (
            "Indicators",
            vec![vec![
                S("Ref"),
                S("Title"),
                S("Unit"),
                S("Polarity"),
                S("Frequency"),
            ]],
        ),
        (
            "Targets",
            vec![vec![S("Indicator ref"), S("Period"), S("Target")]],
        ),
        (
            "Values",
            vec![vec![S("Indicator ref"), S("Period"), S("Value")]],
        ),
    ];
    for i in 0..indicators {
        let r = format!("K{i:03}");
        sheets[1].1.push(vec![
            X::T(r.clone()),
            X::T(format!("Indicator {i}")),
            S("Count"),
            S("Higher is better"),
            S("Monthly"),
        ]);
        for y in 0..years {
            let fy = 2016 + y;
            sheets[2].1.push(vec![
                X::T(r.clone()),
                X::T(format!("{fy}-{:02}", (fy + 1) % 100)),
                N(100.0),
            ]);
            for m in 0..12 {
                let (year, month) = if m < 9 { (fy, m + 4) } else { (fy + 1, m - 8) };
                sheets[3].1.push(vec![
                    X::T(r.clone()),
                    X::T(format!("{year}-{month:02}")),
                    N(f64::from(90 + (i + m) % 20)),
                ]);
            }
        }
    }
    let bytes = xlsx(&sheets);
    assert!(bytes.len() > 256 * 1024, "{} bytes", bytes.len());
    let done = upload(&app, &token, "big.xlsx", &bytes, Some(false)).await;
    let report = &done["data"]["importWorkbook"];
    assert_eq!(report["ok"], true, "{done}");
    assert_eq!(
        report["counts"][3],
        json!({ "sheet": "Values", "created": 24_000, "updated": 0, "unchanged": 0 })
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn an_admin_checks_and_imports_a_workbook_on_the_dashboard_in_chromium() {
    let app = TestApp::builder().at("2025-11-16T12:00:00Z").start().await;
    let token = council(&app).await;
    let good = temp_file("dashboard-good.xlsx", &register());
    let bad = temp_file(
        "dashboard-bad.xlsx",
        &xlsx(&[(
            "Values",
            vec![
                vec![S("Indicator ref"), S("Period"), S("Value")],
                vec![S("CS1"), S("2025-26 Q5"), N(1.0)],
            ],
        )]),
    );
    let seen = pmf_tests::Browser::run(
        "import",
        json!({ "base": app.url(""), "token": token, "good": good, "bad": bad }),
    )
    .await;
    assert_eq!(
        seen["errors"],
        json!([[
            "Values",
            "2",
            "Period",
            "\"2025-26 Q5\" is not a period; write 2025-26, 2025-26 Q1 or 2025-06"
        ]])
    );
    assert_eq!(seen["dry"]["Indicators"], json!([2, 0, 0]), "{seen}");
    assert_eq!(seen["done"]["Values"], json!([4, 0, 0]), "{seen}");
    assert_eq!(seen["doneHeading"], "Imported");
    let count = app
        .data(
            Caller::Token(&token),
            "{ indicators { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        count["indicators"]["totalCount"], 2,
        "stored on confirmation only"
    );
    app.stop().await;
}
