//! WCAG 2.2 AA, checked in a real browser (`tests/node/browser/accessibility.mjs`): axe-core
//! finds no violation on the dashboard's overview, an indicator page, the quarterly report and
//! the sign-in page; headings go in order under one h1; the overview's charts (a bar of
//! statuses per tile for this quarter and the one before, a sparkline per indicator) say the
//! API's numbers in their accessible names; the Tab key walks through the period
//! picker and the filters with a visible focus at every stop; each status colour's text has
//! at least 4.5:1 contrast on its background.
//!
//! Ignored by default (needs Chromium and Node); `.ci/run` runs it with the other browser
//! tests.
use pmf_tests::{Browser, Caller, TestApp};
use serde_json::{Value, json};

use super::fixtures::{demo_corporate_plan, id};

fn stop_ids(page: &Value) -> Vec<String> {
    page["tabStops"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn the_dashboard_report_and_sign_in_meet_wcag_2_2_aa_in_chromium() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await;
    let public = Caller::Public("demo");
    let plan = demo_corporate_plan(&app, public).await;
    let indicators = app
        .data(
            public,
            "{ indicators(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let indicator = id(&indicators["indicators"]["edges"][0]["node"]["id"]);

    let seen = Browser::run(
        "accessibility",
        json!({
            "base": app.url(""),
            "org": "demo",
            "plan": plan,
            "period": "2026-27 Q2",
            "indicator": indicator,
        }),
    )
    .await;

    for name in ["overview", "indicator", "report", "signIn"] {
        let page = &seen["pages"][name];
        assert_eq!(
            page["violations"],
            json!([]),
            "axe-core on the {name} page ({}):\n{}",
            page["url"],
            page["violationText"].as_str().unwrap_or_default()
        );
        assert_eq!(page["h1s"], 1, "one h1 on the {name} page: {page}");
        let levels: Vec<u64> = page["headings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_u64().unwrap())
            .collect();
        assert_eq!(
            levels.first(),
            Some(&1),
            "the {name} page opens with its h1"
        );
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "a heading level skipped on the {name} page: {levels:?}"
            );
        }
        let stops = page["tabStops"].as_array().unwrap();
        assert!(!stops.is_empty(), "the keyboard reaches the {name} page");
        for stop in stops {
            assert_eq!(
                stop["visibleFocus"], true,
                "focus can be seen on every stop of the {name} page: {stop}"
            );
        }
    }

    // The keyboard goes through the plan and period picker, then the filters, in that order.
    let ids = stop_ids(&seen["pages"]["overview"]);
    let at = |id: &str| {
        ids.iter()
            .position(|i| i == id)
            .unwrap_or_else(|| panic!("{id} is not reached by Tab: {ids:?}"))
    };
    assert!(at("plan-select") < at("period-select"), "{ids:?}");
    assert!(at("period-select") < at("filter-status"), "{ids:?}");
    assert!(at("filter-status") < at("filter-search"), "{ids:?}");

    // The overview's charts: two bars a tile (this quarter and the one before) that say the
    // API's numbers, and a sparkline on the indicators' rows.
    let charts = &seen["pages"]["overview"]["charts"];
    let tiles = charts["tiles"].as_u64().unwrap();
    assert!(tiles >= 2, "{charts}");
    assert_eq!(
        charts["bars"].as_array().unwrap().len() as u64,
        2 * tiles,
        "{charts}"
    );
    let words = |counts: &Value, parts: &[&str]| {
        let said: Vec<String> = parts
            .iter()
            .filter(|p| counts[**p].as_u64().unwrap() > 0)
            .map(|p| format!("{} {p}", counts[*p]))
            .collect();
        if said.is_empty() {
            "no rated items".to_string()
        } else {
            said.join(", ")
        }
    };
    let overall = |period: &str| {
        let app = &app;
        let plan = plan.clone();
        let period = period.to_string();
        async move {
            app.data(
                public,
                "query($plan: ID!, $period: String!) { performanceSummary(planId: $plan, period: $period) { overall { indicators { red amber green } actions { red amber green blue completed } } } }",
                json!({ "plan": plan, "period": period }),
            )
            .await["performanceSummary"]["overall"]
                .clone()
        }
    };
    let (now, before) = (overall("2026-27 Q2").await, overall("2026-27 Q1").await);
    let indicator_parts = ["red", "amber", "green"];
    let action_parts = ["red", "amber", "green", "blue", "completed"];
    assert_eq!(
        charts["overallBars"],
        json!([
            format!(
                "Indicators: 2026-27 Q2: {}; 2026-27 Q1: {}",
                words(&now["indicators"], &indicator_parts),
                words(&before["indicators"], &indicator_parts)
            ),
            format!(
                "Actions: 2026-27 Q2: {}; 2026-27 Q1: {}",
                words(&now["actions"], &action_parts),
                words(&before["actions"], &action_parts)
            ),
        ]),
        "the overall tile's bars say the API's counts"
    );
    let sparks = charts["sparks"].as_array().unwrap();
    assert!(
        sparks.len() as u64 * 2 >= charts["rows"].as_u64().unwrap() && !sparks.is_empty(),
        "a sparkline on the rows with values: {charts}"
    );
    for spark in sparks {
        assert!(
            spark["label"]
                .as_str()
                .unwrap()
                .starts_with("Last 8 periods: ")
                && spark["dots"].as_u64().unwrap() >= 1,
            "{spark}"
        );
    }

    let contrast = seen["statusContrast"].as_array().unwrap();
    assert!(
        contrast.len() >= 4,
        "red, amber, green and more were measured: {contrast:?}"
    );
    for c in contrast {
        assert!(
            c["ratio"].as_f64().unwrap() >= 4.5,
            "status text below 4.5:1 on its colour: {c}"
        );
    }
    app.stop().await;
}
