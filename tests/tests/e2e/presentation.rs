//! One way to print a value: the exception alert e-mail and the quarterly report write the
//! same numbers the same way (`£1,250`, `92.0%`, `20.6 days`), and a title that looks like a
//! template placeholder or markup is printed as it is in both (escaped in HTML).
use std::collections::HashMap;

use pmf_tests::{Caller, TestApp, smtp::SmtpSink};
use serde_json::json;

use super::{
    fixtures::*,
    worker::{at, escaped, worker},
};

/// A title that a string-replacing template fill would expand, and a browser would run.
const NASTY: &str = "{{content}} {{PUBLIC_URL}} <script>alert(1)</script>";

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {text}"));
    let rest = &text[from + start.len()..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[tokio::test]
async fn the_alert_and_the_report_print_values_and_titles_the_same_way() {
    let app = TestApp::builder().at("2025-10-20T09:00:00Z").start().await;
    let admin = app
        .bootstrap("Test Council", "test", "admin@test.example")
        .await;
    let manager = app
        .data(
            Caller::Token(&admin),
            CREATE_USER,
            json!({ "input": { "name": "Mo Manager", "email": "manager@test.example", "role": "MANAGER" } }),
        )
        .await["createUser"]["id"]
        .clone();
    let officer = app
        .data(
            Caller::Token(&admin),
            CREATE_USER,
            json!({ "input": { "name": "Olive Officer", "email": "olive@test.example", "role": "OFFICER", "managerId": manager } }),
        )
        .await["createUser"]["id"]
        .clone();
    let plan = create_plan(&app, &admin, true).await;
    let priority = create_priority(&app, &admin, &plan, "1").await;
    // (ref, unit, decimals, polarity, target, value, as both must print it)
    let cases = [
        (
            "C1",
            "CURRENCY",
            0,
            "HIGHER_IS_BETTER",
            2000.0,
            1250.0,
            "£1,250",
        ),
        ("P1", "PERCENT", 1, "HIGHER_IS_BETTER", 99.0, 92.0, "92.0%"),
        ("D1", "DAYS", 1, "LOWER_IS_BETTER", 15.0, 20.6, "20.6 days"),
    ];
    let mut ids = HashMap::new();
    for (reference, unit, decimals, polarity, target, _, _) in cases {
        let indicator = create_indicator(
            &app,
            &admin,
            json!({ "priorityId": priority, "ref": reference, "title": NASTY,
                    "ownerId": officer, "unit": unit, "decimals": decimals, "polarity": polarity,
                    "frequency": "QUARTERLY", "published": true }),
        )
        .await;
        set_target(&app, &admin, &indicator, "2025-26", target).await;
        ids.insert(reference, indicator);
    }
    let sink = SmtpSink::start();
    let w = worker(&app, &sink.url());
    for (reference, _, _, _, _, value, _) in cases {
        let r = record(
            &app,
            &admin,
            &ids[reference],
            "2025-26 Q2",
            value,
            Some(NASTY),
        )
        .await;
        assert_eq!(r["status"], "RED", "{reference}: {r}");
    }
    w.tick(at("2025-10-20T09:00:05Z"), false).await.unwrap();
    let mails: Vec<_> = sink
        .wait_for(3)
        .await
        .into_iter()
        .filter(|m| m.subject().contains(": RED: "))
        .collect();
    assert_eq!(
        mails.len(),
        3,
        "one alert per indicator to the line manager"
    );

    let response = app
        .client
        .get(app.url(&format!("/reports/{plan}/2025-26%20Q2")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report = response.text().await.unwrap();
    assert!(!report.contains("<script>"), "{report}");

    let nasty_html = escaped(NASTY);
    for (reference, _, _, _, _, _, printed) in cases {
        // The alert names an indicator by its reference and title.
        let title = format!("{reference} {NASTY}");
        let mail = mails
            .iter()
            .find(|m| m.subject().contains(&format!("RED: {reference} ")))
            .unwrap_or_else(|| panic!("no alert for {reference}"));
        // The subject and the plain text print the title as typed: no placeholder expanded.
        assert_eq!(
            mail.subject(),
            format!("Test Council: RED: {title}, 2025-26 Q2")
        );
        let text = mail.text();
        assert!(
            text.contains(&format!("{title} is RED for 2025-26 Q2.")),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("Actual ") && l.ends_with(&format!("   {printed}"))),
            "{printed:?} in {text}"
        );
        assert!(
            text.contains(&format!("Commentary from the owner:\n{NASTY}\n")),
            "{text}"
        );
        // The HTML escapes it, and shows the value as the report does.
        let html = mail.html();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains(&format!("{} on the dashboard</a>", escaped(&title))),
            "{html}"
        );
        assert!(
            html.contains(&format!("<dt>Actual</dt><dd>{}</dd>", escaped(printed))),
            "{html}"
        );

        // The report: the same value in the indicator's row, the same title, escaped.
        let row = between(
            &report,
            &format!("<tr data-id=\"{}\">", ids[reference]),
            "</tr>",
        );
        assert!(row.contains(&format!("<td>{nasty_html}")), "{row}");
        assert!(
            row.contains(&format!("<td class=\"num\">{}<abbr", escaped(printed))),
            "{printed:?} in {row}"
        );
        let exception = between(
            &report,
            &format!(
                "<tr data-kind=\"indicator\" data-id=\"{}\">",
                ids[reference]
            ),
            "</tr>",
        );
        assert!(
            exception.contains(&format!("<td class=\"num\">{}</td>", escaped(printed))),
            "{exception}"
        );
        assert!(
            exception.contains(&format!("<span class=\"text\">{nasty_html}</span>")),
            "{exception}"
        );
    }
    app.stop().await;
}
