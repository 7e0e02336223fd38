//! The council's rating settings (issue 16): the default tolerance of an indicator created
//! without one, and whether a value exactly on the tolerance is RED or AMBER; and an
//! indicator's benchmark metric.
use pmf_tests::{Caller, TestApp, error_code};
use serde_json::{Value, json};

use super::fixtures::{create_indicator, record, set_target};

const SETTINGS: &str = r#"mutation($input: OrganisationSettingsInput!) {
  updateOrganisationSettings(input: $input) { defaultTolerancePct onTolerance }
}"#;

async fn indicator(app: &TestApp, token: &str, id: &str) -> Value {
    app.data(
        Caller::Token(token),
        r#"query($id: ID!) { indicator(id: $id) { tolerancePct benchmarkMetric result(period: "2025-10") { status } } }"#,
        json!({ "id": id }),
    )
    .await["indicator"]
        .clone()
}

fn kpi(reference: &str) -> Value {
    json!({ "ref": reference, "title": format!("Indicator {reference}"), "unit": "PERCENT",
            "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY" })
}

#[tokio::test]
async fn a_value_exactly_on_the_tolerance_is_red_or_amber_as_the_council_says() {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap("Maidstone", "maidstone", "admin@maidstone.example")
        .await;
    let d = app
        .data(
            Caller::Token(&token),
            "{ organisation { defaultTolerancePct onTolerance } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["organisation"],
        json!({ "defaultTolerancePct": 5.0, "onTolerance": "RED" })
    );

    // 5 % under target with the default 5 % tolerance: exactly on it.
    let on = create_indicator(&app, &token, kpi("ON")).await;
    set_target(&app, &token, &on, "2025-26", 100.0).await;
    let result = record(&app, &token, &on, "2025-10", 95.0, None).await;
    assert_eq!(result["status"], "RED", "King's Lynn's rule by default");

    let d = app
        .data(
            Caller::Token(&token),
            SETTINGS,
            json!({ "input": { "defaultTolerancePct": 10, "onTolerance": "AMBER" } }),
        )
        .await;
    assert_eq!(
        d["updateOrganisationSettings"],
        json!({ "defaultTolerancePct": 10.0, "onTolerance": "AMBER" })
    );
    let read = indicator(&app, &token, &on).await;
    assert_eq!(read["result"]["status"], "AMBER", "{read}");
    assert_eq!(
        read["tolerancePct"], 5.0,
        "an existing indicator keeps its tolerance"
    );

    // A new indicator without a tolerance takes the council's default: 10 % now.
    let new = create_indicator(&app, &token, kpi("NEW")).await;
    set_target(&app, &token, &new, "2025-26", 100.0).await;
    record(&app, &token, &new, "2025-10", 90.0, None).await;
    let read = indicator(&app, &token, &new).await;
    assert_eq!(read["tolerancePct"], 10.0);
    assert_eq!(
        read["result"]["status"], "AMBER",
        "exactly 10 % off, Maidstone: AMBER"
    );
    record(&app, &token, &new, "2025-10", 89.99, None).await;
    assert_eq!(
        indicator(&app, &token, &new).await["result"]["status"],
        "RED"
    );

    // One given still wins.
    let mut own = kpi("OWN");
    own["tolerancePct"] = json!(3);
    let own = create_indicator(&app, &token, own).await;
    assert_eq!(indicator(&app, &token, &own).await["tolerancePct"], 3.0);

    for bad in [
        json!({ "defaultTolerancePct": 150 }),
        json!({ "defaultTolerancePct": -1 }),
    ] {
        let body = app
            .graphql(Caller::Token(&token), SETTINGS, json!({ "input": bad }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let unknown = app
        .graphql(
            Caller::Token(&token),
            SETTINGS,
            json!({ "input": { "onTolerance": "GREEN" } }),
        )
        .await;
    assert_eq!(error_code(&unknown), "BAD_USER_INPUT", "{unknown}");
    app.stop().await;
}

#[tokio::test]
async fn an_indicator_names_its_benchmark_metric() {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap("Maidstone", "maidstone", "admin@maidstone.example")
        .await;
    let mut input = kpi("BM");
    input["benchmarkMetric"] = json!("LG Inform 1234");
    let id = create_indicator(&app, &token, input).await;
    assert_eq!(
        indicator(&app, &token, &id).await["benchmarkMetric"],
        "LG Inform 1234"
    );
    let update = r#"mutation($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { benchmarkMetric } }"#;
    let d = app
        .data(
            Caller::Token(&token),
            update,
            json!({ "input": { "id": id, "title": "Renamed" } }),
        )
        .await;
    assert_eq!(
        d["updateIndicator"]["benchmarkMetric"], "LG Inform 1234",
        "left as it was"
    );
    let d = app
        .data(
            Caller::Token(&token),
            update,
            json!({ "input": { "id": id, "benchmarkMetric": null } }),
        )
        .await;
    assert_eq!(d["updateIndicator"]["benchmarkMetric"], Value::Null);
    app.stop().await;
}
