//! The quarterly report (`GET /reports/{planId}/{period}`, HTML and CSV): its numbers are the
//! API's `performanceSummary`, user text is escaped and quoted, the public sees only what is
//! published, and bad requests get 400/401/404 with a message a person can act on.
use std::collections::HashMap;

use pmf_tests::{Caller, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{fixtures::*, worker::escaped};

pub const PERIOD: &str = "2025-26 Q2";
pub const PERIOD_PATH: &str = "2025-26%20Q2";
/// Commentary that tries HTML injection and needs CSV quoting (comma, quotes, new line).
pub const TRICKY: &str =
    "Staffing, \"agency\" cover <b>ended</b> & <script>alert(1)</script>\nRecovery plan agreed";
/// Commentary a spreadsheet would run as a formula.
pub const FORMULA: &str = "=HYPERLINK(\"http://x\"), delays in \"phase 2\"";

/// A council with a published plan of two priorities (indicators of every kind, actions in
/// every status, one unpublished indicator) and an unpublished plan.
pub struct ReportCouncil {
    pub app: TestApp,
    pub admin: String,
    pub plan: String,
    pub hidden_plan: String,
    pub priorities: [String; 2],
    pub indicators: HashMap<&'static str, String>,
}

pub const SUMMARY: &str = r#"query($plan: ID!, $period: String!) {
  performanceSummary(planId: $plan, period: $period) {
    overall { ...C }
    priorities { priority { id } counts { ...C } }
    exceptions { status indicator { ref } action { ref } }
  }
}
fragment C on SummaryCounts {
  actions { red amber green blue completed notStarted redPct amberPct greenPct bluePct }
  indicators { red amber green monitorOnly noData noTarget redPct amberPct greenPct }
}"#;

impl ReportCouncil {
    pub async fn new() -> Self {
        let app = TestApp::builder().start().await;
        let admin = app
            .bootstrap("Test Council", "test", "admin@test.example")
            .await;
        let officer = app
            .data(
                Caller::Token(&admin),
                CREATE_USER,
                json!({ "input": { "name": "Olive Officer", "email": "olive@test.example", "role": "OFFICER" } }),
            )
            .await["createUser"]["id"]
            .clone();
        let plan = create_plan(&app, &admin, true).await;
        let hidden_plan = create_plan(&app, &admin, false).await;
        let hidden_priority = create_priority(&app, &admin, &hidden_plan, "X").await;
        let p1 = create_priority(&app, &admin, &plan, "1").await;
        let p2 = create_priority(&app, &admin, &plan, "2").await;
        let mut indicators = HashMap::new();
        let mut make = async |app: &TestApp, key: &'static str, priority: &str, extra: Value| {
            let mut input = json!({
                "priorityId": priority, "ref": key, "title": format!("Indicator {key}"),
                "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY",
                "published": true, "ownerId": officer, "decimals": 1
            });
            input
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            let id = create_indicator(app, &admin, input).await;
            indicators.insert(key, id.clone());
            id
        };
        // 1.1: monthly, green → amber → red, last year's March 99.
        let i = make(
            &app,
            "1.1",
            &p1,
            json!({ "title": "Calls answered within 60 seconds" }),
        )
        .await;
        set_target(&app, &admin, &i, "2025-26", 100.0).await;
        set_target(&app, &admin, &i, "2024-25", 100.0).await;
        record(&app, &admin, &i, "2025-03", 99.0, Some("year end")).await;
        for (month, value) in [
            ("2025-04", 100.0),
            ("2025-05", 98.0),
            ("2025-06", 101.0),
            ("2025-07", 100.5),
        ] {
            record(&app, &admin, &i, month, value, Some("noted")).await;
        }
        record(&app, &admin, &i, "2025-08", 96.0, Some("summer leave")).await;
        record(&app, &admin, &i, "2025-09", 94.0, Some(TRICKY)).await;
        // 1.2: quarterly cumulative homes, pro-rata target, red at Q2.
        let i = make(
            &app,
            "1.2",
            &p1,
            json!({ "title": "Affordable homes delivered", "unit": "COUNT", "frequency": "QUARTERLY", "cumulative": true, "decimals": 0 }),
        )
        .await;
        set_target(&app, &admin, &i, "2025-26", 124.0).await;
        record(&app, &admin, &i, "2024-25 Q4", 110.0, None).await;
        record(&app, &admin, &i, "2025-26 Q1", 31.0, None).await;
        record(
            &app,
            &admin,
            &i,
            "2025-26 Q2",
            50.0,
            Some("two sites delayed"),
        )
        .await;
        // 1.3 monitor only; 1.10 annual with no value yet (sorts after 1.3).
        let i = make(
            &app,
            "1.3",
            &p1,
            json!({ "monitorOnly": true, "polarity": "LOWER_IS_BETTER" }),
        )
        .await;
        record(&app, &admin, &i, "2025-09", 12.0, None).await;
        make(&app, "1.10", &p1, json!({ "frequency": "ANNUAL" })).await;
        // 1.4: unpublished and red: only the signed-in see it.
        let i = make(
            &app,
            "1.4",
            &p1,
            json!({ "published": false, "title": "Unpublished measure" }),
        )
        .await;
        set_target(&app, &admin, &i, "2025-26", 100.0).await;
        record(
            &app,
            &admin,
            &i,
            "2025-09",
            50.0,
            Some("not for the public"),
        )
        .await;
        // Priority 2: one green, one without a target.
        let i = make(&app, "2.1", &p2, json!({ "frequency": "QUARTERLY" })).await;
        set_target(&app, &admin, &i, "2025-26", 50.0).await;
        record(&app, &admin, &i, "2025-26 Q1", 60.0, None).await;
        record(&app, &admin, &i, "2025-26 Q2", 52.0, None).await;
        let i = make(&app, "2.2", &p2, json!({ "frequency": "QUARTERLY" })).await;
        record(&app, &admin, &i, "2025-26 Q2", 7.0, None).await;
        // A measure in the unpublished plan.
        make(&app, "X.1", &hidden_priority, json!({})).await;

        // Actions.
        let action = async |priority: &str, reference: &str, delivery: &str, due: Option<&str>| {
            let d = app
                .data(
                    Caller::Token(&admin),
                    CREATE_ACTION,
                    json!({ "input": {
                        "priorityId": priority, "ref": reference, "title": format!("Action {reference}"),
                        "description": format!("What {reference} delivers"), "delivery": delivery,
                        "dueDate": due, "ownerId": officer
                    } }),
                )
                .await;
            id(&d["createAction"]["id"])
        };
        let update = async |action: &str, period: &str, status: &str, commentary: &str| {
            app.data(
                Caller::Token(&admin),
                ACTION_UPDATE,
                json!({ "input": { "actionId": action, "period": period, "status": status,
                                   "commentary": commentary, "nextSteps": format!("Next for {status}") } }),
            )
            .await;
        };
        let a1 = action(&p1, "A1", "COUNCIL", Some("2026-03-31")).await;
        update(&a1, "2025-26 Q1", "GREEN", "started well").await;
        update(
            &a1,
            "2025-26 Q2",
            "RED",
            "contractor went into administration",
        )
        .await;
        let a2 = action(&p1, "A2", "COUNCIL", None).await;
        update(&a2, "2025-26 Q1", "GREEN", "stale but on track").await;
        let a3 = action(&p1, "A3", "PARTNERSHIP", None).await;
        update(&a3, "2025-26 Q2", "RED", "partner's problem").await;
        let b1 = action(&p2, "B1", "COUNCIL", Some("2025-09-30")).await;
        update(&b1, "2025-26 Q2", "COMPLETED", "done").await;
        let b2 = action(&p2, "B2", "COUNCIL", None).await;
        update(&b2, "2025-26 Q2", "BLUE", "paused by Cabinet").await;
        let b3 = action(&p2, "B3", "COUNCIL", Some("2026-01-31")).await;
        update(&b3, "2025-26 Q2", "AMBER", FORMULA).await;
        action(&p2, "B4", "COUNCIL", None).await;
        ReportCouncil {
            app,
            admin,
            plan,
            hidden_plan,
            priorities: [p1, p2],
            indicators,
        }
    }

    pub fn report_url(&self, plan: &str, period_path: &str, query: &str) -> String {
        self.app
            .url(&format!("/reports/{plan}/{period_path}{query}"))
    }

    /// `GET url` as `caller`: the response, whatever its body.
    pub async fn fetch(&self, caller: Caller<'_>, url: &str) -> reqwest::Response {
        let request = self.app.client.get(url);
        match caller {
            Caller::Token(t) => request.bearer_auth(t),
            Caller::Public(slug) => request.header("X-Organisation", slug),
            Caller::Nobody => request,
        }
        .send()
        .await
        .expect("request")
    }

    pub async fn get(&self, caller: Caller<'_>, url: &str) -> (StatusCode, String, String) {
        let response = self.fetch(caller, url).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, content_type, response.text().await.expect("a body"))
    }

    pub async fn summary(&self, caller: Caller<'_>) -> Value {
        self.app
            .data(
                caller,
                SUMMARY,
                json!({ "plan": self.plan, "period": PERIOD }),
            )
            .await["performanceSummary"]
            .clone()
    }
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the report"));
    let rest = &text[from + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The `data-field` cells of one summary row: field → number.
fn row_numbers(table: &str, priority_id: &str) -> HashMap<String, i64> {
    let row = between(
        table,
        &format!("<tr data-priority-id=\"{priority_id}\">"),
        "</tr>",
    );
    let mut out = HashMap::new();
    for cell in row.split("data-field=\"").skip(1) {
        let (field, rest) = cell.split_once('"').expect("a field name");
        let value = rest
            .trim_start_matches('>')
            .split(['<', '%'])
            .next()
            .unwrap()
            .trim();
        out.insert(
            field.to_string(),
            value.parse().unwrap_or_else(|_| panic!("{value:?}")),
        );
    }
    out
}

fn as_numbers(counts: &Value) -> HashMap<String, i64> {
    counts
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect()
}

/// Checks both summary tables of a report against `performanceSummary`.
pub fn assert_summary_tables_match(html: &str, summary: &Value) {
    let actions = between(html, "<table id=\"summary-actions\"", "</table>");
    let indicators = between(html, "<table id=\"summary-indicators\"", "</table>");
    let mut rows: Vec<(String, &Value)> = summary["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (id(&p["priority"]["id"]), &p["counts"]))
        .collect();
    rows.push(("overall".into(), &summary["overall"]));
    for (priority, counts) in rows {
        assert_eq!(
            row_numbers(actions, &priority),
            as_numbers(&counts["actions"]),
            "actions of {priority}"
        );
        assert_eq!(
            row_numbers(indicators, &priority),
            as_numbers(&counts["indicators"]),
            "indicators of {priority}"
        );
    }
}

/// RFC 4180: fields separated by commas, quoted fields may hold commas, CR/LF and `""`.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => assert_eq!(chars.next(), Some('\n'), "records end with CRLF"),
            '\n' => panic!("a bare LF ends a record"),
            c => field.push(c),
        }
        if c == '\r' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "no CRLF after the last record"
    );
    rows
}

/// The CSV as maps from header to cell.
fn csv_records(text: &str) -> Vec<HashMap<String, String>> {
    let rows = parse_csv(text);
    let header = rows[0].clone();
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "every record has every column");
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect()
}

#[tokio::test]
async fn the_report_shows_the_api_numbers_and_the_cabinet_tables() {
    let c = ReportCouncil::new().await;
    let admin = Caller::Token(&c.admin);
    let (status, content_type, html) = c.get(admin, &c.report_url(&c.plan, PERIOD_PATH, "")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"));

    let summary = c.summary(admin).await;
    assert_summary_tables_match(&html, &summary);
    // The fixture's own numbers, so a wrong summary cannot pass by agreeing with itself.
    let overall = &summary["overall"];
    assert_eq!(
        (
            &overall["indicators"]["red"],
            &overall["indicators"]["green"],
            &overall["indicators"]["monitorOnly"],
            &overall["indicators"]["noData"],
            &overall["indicators"]["noTarget"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1), &json!(1)),
        "1.1, 1.2, 1.4 red; 2.1 green; 1.3 monitor; 1.10 no data; 2.2 no target"
    );
    assert_eq!(
        (
            &overall["actions"]["red"],
            &overall["actions"]["amber"],
            &overall["actions"]["green"],
            &overall["actions"]["blue"],
            &overall["actions"]["completed"],
            &overall["actions"]["redPct"]
        ),
        (
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(1),
            &json!(25)
        ),
        "the partnership action is not counted"
    );

    // Exceptions: one row per RED/AMBER item, with its commentary, escaped.
    let exceptions = between(&html, "<section id=\"exceptions\"", "</section>");
    assert_eq!(
        exceptions.matches("<tr data-kind=").count(),
        summary["exceptions"].as_array().unwrap().len()
    );
    assert!(exceptions.contains("contractor went into administration"));
    assert!(!html.contains("<script>alert(1)</script>") && !html.contains("<b>ended</b>"));
    // Escaped as the template engine escapes (`/` too): the commentary's first line.
    let first_line = TRICKY.lines().next().unwrap();
    assert!(html.contains(&escaped(first_line)), "{html}");
    assert!(
        escaped(first_line).starts_with(
            "Staffing, &quot;agency&quot; cover &lt;b&gt;ended&lt;&#x2f;b&gt; &amp; &lt;script&gt;"
        ),
        "{}",
        escaped(first_line)
    );

    // Indicator detail: last year's outturn, each quarter so far, target, "A → R", trend.
    let p1 = between(
        &html,
        &format!(
            "<table class=\"indicators\" data-priority-id=\"{}\"",
            c.priorities[0]
        ),
        "</table>",
    );
    assert!(p1.contains("2024-25 outturn"));
    assert!(p1.contains(">Q1</abbr>") && p1.contains(">Q2</abbr>") && !p1.contains(">Q3</abbr>"));
    let row_11 = between(
        p1,
        &format!("<tr data-id=\"{}\">", c.indicators["1.1"]),
        "</tr>",
    );
    for expected in [
        "99.0%",
        "101.0%",
        "94.0%",
        "100.0%",
        "A → R",
        "Amber last period, Red now",
        ">Red</span>",
        "↓</span> Deteriorating",
    ] {
        assert!(row_11.contains(expected), "{expected:?} not in {row_11}");
    }
    let row_12 = between(
        p1,
        &format!("<tr data-id=\"{}\">", c.indicators["1.2"]),
        "</tr>",
    );
    assert!(
        row_12.contains("110") && row_12.contains("62 <span class=\"small pro-rata\">(pro-rata)")
    );
    // References sort naturally: 1.3 before 1.10.
    let pos = |key: &str| {
        p1.find(&format!("<tr data-id=\"{}\">", c.indicators[key]))
            .unwrap()
    };
    assert!(pos("1.1") < pos("1.2") && pos("1.3") < pos("1.10"));

    // Actions: description, commentary, next steps, target date, status.
    let a = between(
        &html,
        &format!(
            "<table class=\"actions\" data-priority-id=\"{}\"",
            c.priorities[0]
        ),
        "</table>",
    );
    assert!(a.contains("What A1 delivers") && a.contains("Next for RED"));
    assert!(a.contains("31 March 2026") && a.contains("Red: major issues"));
    assert!(a.contains("stale but on track") && a.contains("(update for 2025-26 Q1)"));
    assert!(a.contains("for information only"));
    // Signed in: owners are shown, and the unpublished indicator is there.
    assert!(html.contains("Olive Officer") && html.contains("Unpublished measure"));
    // Accessible structure: captions, header scopes, one h1, print CSS for A4.
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(html.matches("<caption>").count() >= 6);
    assert!(html.contains("<th scope=\"col\"") && html.contains("<th scope=\"row\""));
    assert!(html.contains("@page { size: A4;") && html.contains("break-before: page"));
    assert!(!html.contains("A4 landscape"));
    let (status, _, across) = c
        .get(
            admin,
            &c.report_url(&c.plan, PERIOD_PATH, "?layout=landscape"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(across.contains("@page { size: A4 landscape; }"));

    // The same report for a month and for the whole year.
    let (status, _, month) = c.get(admin, &c.report_url(&c.plan, "2025-09", "")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(month.contains(">Apr 2025</abbr>") && month.contains(">Sep 2025</abbr>"));
    let (status, _, year) = c
        .get(admin, &c.report_url(&c.plan, "2025-26.html", ""))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(year.contains(">Q4</abbr>"));
    c.app.stop().await;
}

#[tokio::test]
async fn csv_exports_quote_text_and_carry_the_same_numbers() {
    let c = ReportCouncil::new().await;
    let admin = Caller::Token(&c.admin);
    let csv = |table: &str| {
        c.report_url(
            &c.plan,
            &format!("{PERIOD_PATH}.csv"),
            &format!("?table={table}"),
        )
    };

    let (status, content_type, body) = c
        .get(
            admin,
            &c.report_url(&c.plan, &format!("{PERIOD_PATH}.csv"), ""),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let summary = c.summary(admin).await;
    let records = csv_records(&body);
    assert_eq!(records.len(), 3, "two priorities and the overall row");
    for r in &records {
        assert_eq!(
            (r["table"].as_str(), r["period"].as_str()),
            ("summary", PERIOD)
        );
        let counts = if r["priority_id"] == "overall" {
            summary["overall"].clone()
        } else {
            summary["priorities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["priority"]["id"] == r["priority_id"].as_str())
                .unwrap()["counts"]
                .clone()
        };
        for (column, value) in [
            ("actions_red", &counts["actions"]["red"]),
            ("actions_red_pct", &counts["actions"]["redPct"]),
            ("actions_blue", &counts["actions"]["blue"]),
            ("actions_completed", &counts["actions"]["completed"]),
            ("indicators_red", &counts["indicators"]["red"]),
            ("indicators_green_pct", &counts["indicators"]["greenPct"]),
            (
                "indicators_monitor_only",
                &counts["indicators"]["monitorOnly"],
            ),
            ("indicators_in_progress", &counts["indicators"]["noData"]),
        ] {
            assert_eq!(
                r[column],
                value.to_string(),
                "{column} of {}",
                r["priority"]
            );
        }
    }

    // Indicators: commas, quotes and new lines survive the round trip.
    let (status, _, body) = c.get(admin, &csv("indicators")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("\"Staffing, \"\"agency\"\" cover"),
        "quoted: {body}"
    );
    let records = csv_records(&body);
    assert_eq!(records.len(), 7, "every indicator of the plan, signed in");
    let r11 = records.iter().find(|r| r["ref"] == "1.1").unwrap();
    assert_eq!(r11["commentary"], TRICKY);
    assert_eq!(
        (
            r11["outturn 2024-25"].as_str(),
            r11["2025-26 Q1"].as_str(),
            r11["2025-26 Q2"].as_str(),
            r11["target"].as_str(),
            r11["status"].as_str(),
            r11["previous_status"].as_str()
        ),
        ("99", "101", "94", "100", "RED", "AMBER")
    );
    assert_eq!(r11["owner"], "Olive Officer");

    // Actions: text a spreadsheet would run is defused, and still quoted.
    let (_, _, body) = c.get(admin, &csv("actions")).await;
    let records = csv_records(&body);
    let b3 = records.iter().find(|r| r["ref"] == "B3").unwrap();
    assert_eq!(b3["commentary"], format!("'{FORMULA}"));
    assert_eq!(
        (b3["status"].as_str(), b3["due_date"].as_str()),
        ("AMBER", "2026-01-31")
    );
    let a2 = records.iter().find(|r| r["ref"] == "A2").unwrap();
    assert_eq!(
        (a2["status"].as_str(), a2["update_period"].as_str()),
        ("GREEN", "2025-26 Q1")
    );
    let b4 = records.iter().find(|r| r["ref"] == "B4").unwrap();
    assert_eq!(
        (b4["status"].as_str(), b4["commentary"].as_str()),
        ("NOT_STARTED", "")
    );

    // Exceptions: one record per item of the API's exception list, in its order.
    let (_, _, body) = c.get(admin, &csv("exceptions")).await;
    let records = csv_records(&body);
    let expected = exception_refs(&summary);
    let got: Vec<String> = records.iter().map(|r| r["ref"].clone()).collect();
    assert_eq!(got, expected);

    let (status, _, body) = c.get(admin, &csv("everything")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("table=summary") && body.contains("table=actions"),
        "{body}"
    );
    c.app.stop().await;
}

/// The references of the API's exception list, in its order.
fn exception_refs(summary: &Value) -> Vec<String> {
    summary["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["indicator"]["ref"]
                .as_str()
                .or(e["action"]["ref"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

/// `GET /reports/{plan}/2025-26 Q2.xlsx` as `caller`: status, headers, the file's bytes.
async fn excel_copy(
    c: &ReportCouncil,
    caller: Caller<'_>,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let url = c.report_url(&c.plan, &format!("{PERIOD_PATH}.xlsx"), "");
    let response = c.fetch(caller, &url).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, headers, bytes)
}

#[tokio::test]
async fn the_excel_copy_has_a_sheet_per_table_with_numbers_as_numbers_and_statuses_in_words() {
    use calamine::{Data, DataType, Reader, Xlsx};

    let c = ReportCouncil::new().await;
    let admin = c.admin.as_str();
    let (status, headers, bytes) = excel_copy(&c, Caller::Token(admin)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.ends_with("-2025-26-Q2.xlsx\""),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "private, no-store");

    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx file");
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Exceptions",
            "Indicators",
            "Actions",
            "Benchmarking"
        ]
    );
    // A sheet as (header → cell) rows.
    let rows_of = |book: &mut Xlsx<_>, sheet: &str| -> Vec<HashMap<String, Data>> {
        let range = book.worksheet_range(sheet).expect("the sheet");
        let mut rows = range.rows();
        let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
        rows.map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
            .collect()
    };

    // The same numbers as the API's summary, as numbers.
    let summary = c.summary(Caller::Token(admin)).await;
    let sheet = rows_of(&mut book, "Summary");
    assert_eq!(sheet.len(), 3, "two priorities and the overall row");
    let overall = sheet
        .iter()
        .find(|r| r["Priority id"] == Data::String("overall".into()))
        .unwrap();
    assert_eq!(overall["Period"], Data::String(PERIOD.into()));
    for (column, value) in [
        ("Actions red", &summary["overall"]["actions"]["red"]),
        ("Actions red %", &summary["overall"]["actions"]["redPct"]),
        ("Indicators red", &summary["overall"]["indicators"]["red"]),
        (
            "Indicators green %",
            &summary["overall"]["indicators"]["greenPct"],
        ),
    ] {
        assert_eq!(
            overall[column],
            Data::Float(value.as_f64().unwrap()),
            "{column}"
        );
    }

    // Indicators: values are numbers, statuses words, text exactly as written.
    let sheet = rows_of(&mut book, "Indicators");
    assert_eq!(sheet.len(), 7, "every indicator of the plan, signed in");
    let r11 = sheet
        .iter()
        .find(|r| r["Ref"] == Data::String("1.1".into()))
        .unwrap();
    assert_eq!(
        [
            &r11["Outturn 2024-25"],
            &r11["2025-26 Q1"],
            &r11["2025-26 Q2"],
            &r11["Target"],
        ],
        [
            &Data::Float(99.0),
            &Data::Float(101.0),
            &Data::Float(94.0),
            &Data::Float(100.0)
        ]
    );
    assert_eq!(r11["Status"], Data::String("Red".into()));
    assert_eq!(r11["Previous status"], Data::String("Amber".into()));
    assert_eq!(r11["Commentary"], Data::String(TRICKY.into()));
    assert_eq!(r11["Owner"], Data::String("Olive Officer".into()));

    // Actions: a formula-like commentary is text (not defused, never run); dates are dates.
    let sheet = rows_of(&mut book, "Actions");
    let b3 = sheet
        .iter()
        .find(|r| r["Ref"] == Data::String("B3".into()))
        .unwrap();
    assert_eq!(b3["Commentary"], Data::String(FORMULA.into()));
    assert_eq!(
        b3["Status"],
        Data::String("Amber: minor issues or delays".into())
    );
    assert_eq!(
        b3["Due date"].as_date(),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 31)
    );
    let formulas = book.worksheet_formula("Actions").expect("the sheet");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell of the copy is a formula"
    );

    // Exceptions: the API's exception list, in its order.
    let sheet = rows_of(&mut book, "Exceptions");
    let got: Vec<String> = sheet.iter().map(|r| r["Ref"].to_string()).collect();
    let expected = exception_refs(&summary);
    assert_eq!(got, expected);

    // The public portal's copy: only what is published, no owners, cacheable.
    let (status, headers, bytes) = excel_copy(&c, Caller::Public("test")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx file");
    let range = book.worksheet_range("Indicators").unwrap();
    let public_rows = range.rows().count() - 1;
    assert!(public_rows < 7, "{public_rows} indicators in public");
    let owner_column = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .position(|h| *h == "Owner")
        .unwrap();
    assert!(
        range
            .rows()
            .skip(1)
            .all(|r| r[owner_column] == Data::Empty || r[owner_column].to_string().is_empty()),
        "no owners in public"
    );

    let (status, _, _) = excel_copy(&c, Caller::Nobody).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    c.app.stop().await;
}

#[tokio::test]
async fn the_public_report_shows_only_what_is_published() {
    let c = ReportCouncil::new().await;
    let public = Caller::Public("test");
    for (caller, url) in [
        (public, c.report_url(&c.plan, PERIOD_PATH, "")),
        (
            Caller::Nobody,
            c.report_url(&c.plan, PERIOD_PATH, "?org=test"),
        ),
    ] {
        let (status, _, html) = c.get(caller, &url).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(!html.contains("Unpublished measure") && !html.contains("not for the public"));
        assert!(
            !html.contains("Olive Officer"),
            "the public never sees users"
        );
        assert!(html.contains("public version"));
        assert!(html.contains("Calls answered within 60 seconds"));
        assert_summary_tables_match(&html, &c.summary(public).await);
        // Plain CSV links work without headers.
        assert!(html.contains(&format!(
            "href=\"{}\"",
            escaped(&format!(
                "/reports/{}/{PERIOD_PATH}.csv?org=test&table=indicators",
                c.plan
            ))
        )));
    }
    let public_summary = c.summary(public).await;
    assert_eq!(
        public_summary["overall"]["indicators"]["red"], 2,
        "1.4 is not published"
    );

    let (status, _, body) = c
        .get(
            Caller::Nobody,
            &c.report_url(
                &c.plan,
                &format!("{PERIOD_PATH}.csv"),
                "?org=test&table=indicators",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let records = csv_records(&body);
    assert_eq!(records.len(), 6);
    assert!(
        records
            .iter()
            .all(|r| r["owner"].is_empty() && r["ref"] != "1.4")
    );

    // An unpublished plan does not exist for the public; it does for staff.
    let (status, _, _) = c
        .get(public, &c.report_url(&c.hidden_plan, PERIOD_PATH, ""))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = c
        .get(
            Caller::Token(&c.admin),
            &c.report_url(&c.hidden_plan, PERIOD_PATH, ""),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Plan.reportUrl: public links name the council; signed-in ones never carry a token.
    let q = r#"query($id: ID!) { plan(id: $id) { reportUrl(period: "2025-26 Q2") } }"#;
    let d = c.app.data(public, q, json!({ "id": c.plan })).await;
    assert_eq!(
        d["plan"]["reportUrl"],
        format!(
            "http://dashboard.test/reports/{}/{PERIOD_PATH}?org=test",
            c.plan
        )
    );
    let d = c
        .app
        .data(Caller::Token(&c.admin), q, json!({ "id": c.plan }))
        .await;
    assert_eq!(
        d["plan"]["reportUrl"],
        format!("http://dashboard.test/reports/{}/{PERIOD_PATH}", c.plan)
    );
    c.app.stop().await;
}

#[tokio::test]
async fn bad_report_requests_are_refused_with_a_reason() {
    let c = ReportCouncil::new().await;
    let admin = Caller::Token(&c.admin);
    let check = async |caller: Caller<'_>, url: String, status: StatusCode, words: &[&str]| {
        let (got, content_type, body) = c.get(caller, &url).await;
        assert_eq!(got, status, "{url}: {body}");
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        for w in words {
            assert!(body.contains(w), "{w:?} not in {body:?} ({url})");
        }
    };
    check(
        admin,
        c.report_url("999999", PERIOD_PATH, ""),
        StatusCode::NOT_FOUND,
        &["no plan"],
    )
    .await;
    check(
        admin,
        c.report_url("abc", PERIOD_PATH, ""),
        StatusCode::NOT_FOUND,
        &["no plan"],
    )
    .await;
    for bad in [
        "2025-Q2",
        "Q2%202025",
        "2025-13",
        "2025-26%20Q5",
        "yesterday",
    ] {
        check(
            admin,
            c.report_url(&c.plan, bad, ""),
            StatusCode::BAD_REQUEST,
            &["\"2025-26\"", "\"2025-26 Q1\"", "\"2025-06\""],
        )
        .await;
    }
    check(
        admin,
        c.report_url(&c.plan, "2025-26%20Q7.csv", ""),
        StatusCode::BAD_REQUEST,
        &["\"2025-26 Q1\""],
    )
    .await;
    check(
        admin,
        c.report_url(&c.plan, PERIOD_PATH, "?layout=sideways"),
        StatusCode::BAD_REQUEST,
        &["\"sideways\" is not a page layout", "layout=landscape"],
    )
    .await;
    check(
        admin,
        c.report_url(&c.plan, "2025-26%20Q7.xlsx", ""),
        StatusCode::BAD_REQUEST,
        &["\"2025-26 Q1\""],
    )
    .await;
    check(
        Caller::Nobody,
        c.report_url(&c.plan, PERIOD_PATH, ""),
        StatusCode::UNAUTHORIZED,
        &["Authorization: Bearer", "?org="],
    )
    .await;
    check(
        Caller::Token("not-a-token"),
        c.report_url(&c.plan, PERIOD_PATH, ""),
        StatusCode::UNAUTHORIZED,
        &["not valid"],
    )
    .await;
    check(
        Caller::Nobody,
        c.report_url(&c.plan, PERIOD_PATH, "?org=nowhere"),
        StatusCode::NOT_FOUND,
        &["nowhere"],
    )
    .await;
    check(
        Caller::Nobody,
        c.report_url(&c.plan, PERIOD_PATH, &format!("?token={}", c.admin)),
        StatusCode::BAD_REQUEST,
        &["not accepted in URLs"],
    )
    .await;
    // Another council's plan is not found, whatever the caller's role.
    let other = c
        .app
        .bootstrap("Other Council", "other", "admin@other.example")
        .await;
    check(
        Caller::Token(&other),
        c.report_url(&c.plan, PERIOD_PATH, ""),
        StatusCode::NOT_FOUND,
        &["no plan"],
    )
    .await;
    check(
        Caller::Public("other"),
        c.report_url(&c.plan, PERIOD_PATH, ""),
        StatusCode::NOT_FOUND,
        &["no plan"],
    )
    .await;
    c.app.stop().await;
}

/// The demo council's report, for every plan, signed in and public: its summary tables are
/// the API's `performanceSummary`, and its CSV summary too.
#[tokio::test]
async fn the_demo_councils_reports_match_its_performance_summary() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let period = "2026-27 Q2";
    let client = &app.client;
    for (caller, query) in [
        (Caller::Token(&token), ""),
        (Caller::Public("demo"), "?org=demo"),
    ] {
        let plans = app.data(caller, "{ plans { id } }", json!({})).await["plans"].clone();
        assert!(!plans.as_array().unwrap().is_empty());
        for plan in plans.as_array().unwrap() {
            let plan = id(&plan["id"]);
            let summary = app
                .data(caller, SUMMARY, json!({ "plan": plan, "period": period }))
                .await["performanceSummary"]
                .clone();
            let mut request = client.get(app.url(&format!("/reports/{plan}/2026-27%20Q2{query}")));
            if let Caller::Token(t) = caller {
                request = request.bearer_auth(t);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let html = response.text().await.unwrap();
            assert_summary_tables_match(&html, &summary);
            assert_eq!(
                html.matches("<tr data-kind=").count(),
                summary["exceptions"].as_array().unwrap().len()
            );
            let mut request =
                client.get(app.url(&format!("/reports/{plan}/2026-27%20Q2.csv{query}")));
            if let Caller::Token(t) = caller {
                request = request.bearer_auth(t);
            }
            let csv = request.send().await.unwrap().text().await.unwrap();
            let overall = csv_records(&csv)
                .into_iter()
                .find(|r| r["priority_id"] == "overall")
                .unwrap();
            assert_eq!(
                overall["indicators_red"],
                summary["overall"]["indicators"]["red"].to_string()
            );
            assert_eq!(
                overall["actions_green_pct"],
                summary["overall"]["actions"]["greenPct"].to_string()
            );
        }
    }
    app.stop().await;
}
