//! The printed quarterly report holds its layout: in headless Chromium, laid out as print
//! lays it out at A4 portrait and at A4 landscape (`?layout=landscape`), no table cell's text
//! runs over its neighbour and no table is wider than the page (the scenario
//! `tests/node/browser/report_print.mjs` measures every cell). The demo council's 2026-27 Q2
//! report is the one whose "210 (pro-rata)" once ran over the trend column. The PDFs are
//! saved under `target/artifacts/`.
//!
//! Ignored by default (needs Chromium and Node); `.ci/run` runs it with the other browser
//! tests.
use pmf_tests::{Browser, Caller, TestApp};
use serde_json::{Value, json};

use super::fixtures::demo_corporate_plan;

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn the_printed_report_keeps_every_cell_inside_its_column_in_portrait_and_landscape() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let plan = demo_corporate_plan(&app, Caller::Token(&token)).await;

    let seen = Browser::run(
        "report_print",
        json!({ "base": app.url(""), "plan": plan, "period": "2026-27 Q2", "token": token }),
    )
    .await;

    for layout in ["portrait", "landscape"] {
        let page = &seen[layout];
        assert!(
            page["tables"].as_u64().unwrap() >= 10 && page["cells"].as_u64().unwrap() >= 500,
            "the whole report was measured ({layout}): {page}"
        );
        assert_eq!(
            page["overflowing"],
            Value::Array(vec![]),
            "cells whose text runs over the next, {layout}"
        );
        assert_eq!(
            page["wideTables"],
            Value::Array(vec![]),
            "tables wider than the page, {layout}"
        );
        let pdf = std::fs::read(page["pdf"].as_str().unwrap()).expect("the PDF");
        assert!(pdf.starts_with(b"%PDF") && pdf.len() > 10_000);
    }
    assert_eq!(seen["portrait"]["landscapeRule"], false);
    assert_eq!(seen["landscape"]["landscapeRule"], true);
    assert!(
        seen["landscape"]["pageWidth"].as_f64() > seen["portrait"]["pageWidth"].as_f64(),
        "landscape lays the tables out wider: {seen}"
    );
    app.stop().await;
}
