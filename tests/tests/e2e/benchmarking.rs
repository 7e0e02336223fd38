//! Benchmarking against comparator councils (issue 17): a council's area and comparator
//! group, comparator data imported from the command and by upload (re-imports replace, a bad
//! file stores nothing and names every bad line), the position of a result among the group,
//! the quartile filter, one council's data unseen by another, and the statement count.
use pmf_tests::{Caller, TestApp, error_code};
use serde_json::{Value, json};

use super::fixtures::*;

const OWN_AREA: &str = "E07000999";

/// Five comparator areas (the council's own is not one of them).
const AREAS: [(&str, &str); 5] = [
    ("E07000146", "King's Lynn and West Norfolk"),
    ("E07000147", "North Norfolk"),
    ("E07000143", "Breckland"),
    ("E07000149", "South Norfolk"),
    ("E07000144", "Broadland"),
];

/// A council with its area set, a comparator group of [`AREAS`] as its default, and a
/// quarterly indicator (higher is better) naming metric 9613. Returns (token, group id,
/// indicator id).
async fn benchmarked_council(app: &TestApp, slug: &str) -> (String, String, String) {
    let token = app
        .bootstrap("Test Council", slug, &format!("admin@{slug}.example"))
        .await;
    let group = create_group(app, &token, "CIPFA nearest neighbours", &AREAS.map(|a| a.0)).await;
    app.data(
        Caller::Token(&token),
        r#"mutation($input: OrganisationSettingsInput!) { updateOrganisationSettings(input: $input) { areaCode comparatorGroup { id } } }"#,
        json!({ "input": { "areaCode": "e07000999", "comparatorGroupId": group } }),
    )
    .await;
    let plan = create_plan(app, &token, true).await;
    let priority = create_priority(app, &token, &plan, "H").await;
    let indicator = create_indicator(
        app,
        &token,
        json!({
            "priorityId": priority, "ref": "H1", "title": "Homelessness prevented",
            "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "QUARTERLY",
            "published": true, "benchmarkMetric": "9613"
        }),
    )
    .await;
    (token, group, indicator)
}

async fn create_group(app: &TestApp, token: &str, name: &str, codes: &[&str]) -> String {
    let d = app
        .data(
            Caller::Token(token),
            r#"mutation($input: CreateComparatorGroupInput!) { createComparatorGroup(input: $input) { id name areaCodes } }"#,
            json!({ "input": { "name": name, "areaCodes": codes } }),
        )
        .await;
    assert_eq!(d["createComparatorGroup"]["areaCodes"], json!(codes));
    id(&d["createComparatorGroup"]["id"])
}

/// The comparator file: one line per area of [`AREAS`] with these values, for `period`.
fn file(metric: &str, period: &str, values: [f64; 5]) -> String {
    let mut out = String::from("metric,area_code,area_name,period,value\n");
    for ((code, name), v) in AREAS.iter().zip(values) {
        out.push_str(&format!("{metric},{code},\"{name}\",{period},{v}\n"));
    }
    out
}

const BENCHMARK: &str = r#"query($id: ID!, $p: String!) { indicator(id: $id) { result(period: $p) {
  benchmark { period lagged group { name } ownValue rank of quartile median best worst
    values { areaCode areaName value own rank } } } } }"#;

async fn benchmark(app: &TestApp, token: &str, indicator: &str, period: &str) -> Value {
    let d = app
        .data(
            Caller::Token(token),
            BENCHMARK,
            json!({ "id": indicator, "p": period }),
        )
        .await;
    d["indicator"]["result"]["benchmark"].clone()
}

const IMPORT: &str = "mutation($file: Upload!, $dryRun: Boolean) { importBenchmarks(file: $file, dryRun: $dryRun) { ok dryRun errors { line message } added replaced unchanged outsideGroups } }";

/// `importBenchmarks` as a GraphQL multipart upload.
async fn upload(app: &TestApp, token: &str, csv: &str, dry_run: Option<bool>) -> Value {
    let body = upload_file(
        app,
        token,
        IMPORT,
        json!({ "file": null, "dryRun": dry_run }),
        "lg-inform.csv",
        "text/csv",
        csv.as_bytes(),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["importBenchmarks"].clone()
}

/// `api import-benchmarks` as the binary runs it (the same function).
async fn command(app: &TestApp, slug: &str, csv: &str, dry_run: bool) -> (bool, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "pmf-benchmarks-{}-{slug}-{}",
        std::process::id(),
        app.addr.port()
    ));
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join("lg-inform.csv");
    std::fs::write(&path, csv).expect("write the file");
    let out = api::benchmarks::import_command(&app.db, app.clock_now(), slug, &path, dry_run)
        .await
        .expect("the command runs");
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Records 62 for 2025-26 Q1 and imports, by the command, the group's values for it
/// (80, 70, 62, 55, 48.5): the council is third of six.
async fn third_of_six(app: &TestApp, token: &str, slug: &str, indicator: &str) {
    record(app, token, indicator, "2025-26 Q1", 62.0, None).await;
    let (ok, lines) = command(
        app,
        slug,
        &file("9613", "2025/26 Q1", [70.0, 62.0, 55.0, 48.5, 80.0]),
        false,
    )
    .await;
    assert!(ok, "{lines:?}");
}

async fn stored_values(app: &TestApp, slug: &str) -> u64 {
    let org = pmf_store::organisations::by_slug(&app.db.conn, slug)
        .await
        .expect("read")
        .expect("the council");
    pmf_store::benchmarking::value_count(&app.db.conn, org.id)
        .await
        .expect("count")
}

#[tokio::test]
async fn comparator_data_imported_by_command_and_upload_ranks_the_councils_value() {
    let app = TestApp::builder().start().await;
    let (token, _, indicator) = benchmarked_council(&app, "test").await;
    record(&app, &token, &indicator, "2025-26 Q1", 62.0, None).await;

    // The command: a dry run stores nothing; then the file is stored. The council's own row
    // and an area outside every group are kept, not ranked.
    let mut csv = file("9613", "Q1 2025/26", [70.0, 62.0, 55.0, 48.5, 80.0]);
    csv.push_str("9613,E07000999,Test Council,Q1 2025/26,99\n");
    csv.push_str("9613,E06000001,Hartlepool,2025-26 Q1,10\n");
    let (ok, lines) = command(&app, "test", &csv, true).await;
    assert!(ok, "{lines:?}");
    assert_eq!(
        lines[0],
        "7 value(s) would be added, 0 replaced, 0 unchanged"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2 value(s) are of areas in none"))
    );
    assert_eq!(
        stored_values(&app, "test").await,
        0,
        "a dry run stores nothing"
    );
    assert_eq!(
        benchmark(&app, &token, &indicator, "2025-26 Q1").await,
        Value::Null
    );
    let (ok, lines) = command(&app, "test", &csv, false).await;
    assert!(ok, "{lines:?}");
    assert_eq!(lines[0], "7 value(s) were added, 0 replaced, 0 unchanged");
    assert_eq!(stored_values(&app, "test").await, 7);

    let b = benchmark(&app, &token, &indicator, "2025-26 Q1").await;
    // 80, 70, 62 (ours), 62, 55, 48.5: ours shares rank 3 with North Norfolk's 62.
    assert_eq!(b["period"], "2025-26 Q1");
    assert_eq!(b["lagged"], false);
    assert_eq!(b["group"]["name"], "CIPFA nearest neighbours");
    assert_eq!((b["rank"].clone(), b["of"].clone()), (json!(3), json!(6)));
    assert_eq!(b["quartile"], 2, "ceil(4 x 3 / 6)");
    assert_eq!(b["median"], 62.0);
    assert_eq!(
        (b["best"].clone(), b["worst"].clone()),
        (json!(80.0), json!(48.5))
    );
    let values = b["values"].as_array().expect("values");
    assert_eq!(values.len(), 6, "neither our own row nor Hartlepool's");
    assert_eq!(
        values[2],
        json!({ "areaCode": OWN_AREA, "areaName": "Test Council", "value": 62.0, "own": true, "rank": 3 })
    );
    assert_eq!(values[3]["areaName"], "North Norfolk");
    assert_eq!(values[3]["rank"], 3);

    // The upload: re-importing replaces the values it names, and leaves the others.
    let again = file("9613", "2025-26 Q1", [70.0, 62.0, 55.0, 48.5, 50.0]);
    let dry = upload(&app, &token, &again, None).await;
    assert_eq!(dry["dryRun"], true, "a dry run unless asked otherwise");
    assert_eq!(
        (dry["replaced"].clone(), dry["unchanged"].clone()),
        (json!(1), json!(4))
    );
    assert_eq!(
        benchmark(&app, &token, &indicator, "2025-26 Q1").await["best"],
        80.0
    );
    let done = upload(&app, &token, &again, Some(false)).await;
    assert_eq!(done["ok"], true, "{done}");
    assert_eq!(done["added"], 0);
    assert_eq!(stored_values(&app, "test").await, 7);
    let b = benchmark(&app, &token, &indicator, "2025-26 Q1").await;
    assert_eq!(
        (b["rank"].clone(), b["best"].clone()),
        (json!(2), json!(70.0))
    );
    // Each import that stored something is one audit entry, by whoever made it; creating
    // the group is audited too.
    let audit = app
        .data(
            Caller::Token(&token),
            r#"{ imports: auditLog(entity: "comparator_values") { operation actorId }
                 groups: auditLog(entity: "comparator_group") { operation } }"#,
            json!({}),
        )
        .await;
    let imports = audit["imports"].as_array().expect("entries");
    assert_eq!(
        imports.len(),
        2,
        "the command's and the upload's, not the dry runs: {audit}"
    );
    assert_eq!(imports[0]["operation"], "import");
    assert!(
        imports[0]["actorId"].is_string(),
        "the upload is the admin's: {audit}"
    );
    assert_eq!(
        imports[1]["actorId"],
        Value::Null,
        "the command is an operator's"
    );
    assert_eq!(audit["groups"][0]["operation"], "create");

    // Comparator data lags: Q2 is benchmarked on Q1's data and the council's Q1 value.
    record(
        &app,
        &token,
        &indicator,
        "2025-26 Q2",
        20.0,
        Some("fewer cases"),
    )
    .await;
    let lagged = benchmark(&app, &token, &indicator, "2025-26 Q2").await;
    assert_eq!(lagged["period"], "2025-26 Q1");
    assert_eq!(lagged["lagged"], true);
    assert_eq!(lagged["ownValue"], 62.0);
    app.stop().await;
}

#[tokio::test]
async fn a_bad_file_is_refused_whole_naming_every_bad_line() {
    let app = TestApp::builder().start().await;
    let (token, _, indicator) = benchmarked_council(&app, "test").await;
    record(&app, &token, &indicator, "2025-26 Q1", 62.0, None).await;
    let csv = "metric,area_code,area_name,period,value\n\
        9613,E07000146,King's Lynn and West Norfolk,2025/26,70\n\
        9613,E0700014,North Norfolk,2025/26,62\n\
        9613,E07000143,Breckland,2025/2026,55\n\
        \n\
        9613,E07000149,South Norfolk,2025/26,n/a\n\
        9613,E07000144,Broadland,2025/26,80\n";
    let refused = upload(&app, &token, csv, Some(false)).await;
    assert_eq!(refused["ok"], false);
    let lines: Vec<i64> = refused["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_i64().expect("a line"))
        .collect();
    assert_eq!(lines, vec![3, 4, 6], "{refused}");
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("E0700014")),
        "{refused}"
    );
    assert_eq!(stored_values(&app, "test").await, 0, "nothing stored");
    let (ok, lines) = command(&app, "test", csv, false).await;
    assert!(!ok);
    assert!(
        lines[0].starts_with("lg-inform.csv line 3: area_code"),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some("3 bad line(s): nothing was imported")
    );
    assert_eq!(stored_values(&app, "test").await, 0, "nothing stored");

    // Only an ADMIN imports.
    app.data(
        Caller::Token(&token),
        CREATE_USER,
        json!({ "input": { "email": "lee@test.example", "name": "Lee", "role": "OFFICER" } }),
    )
    .await;
    let officer = app.token("test", "lee@test.example").await;
    let refused = upload_file(
        &app,
        &officer,
        IMPORT,
        json!({ "file": null, "dryRun": false }),
        "lg-inform.csv",
        "text/csv",
        file("9613", "2025/26", [1.0, 2.0, 3.0, 4.0, 5.0]).as_bytes(),
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN", "{refused}");
    assert_eq!(stored_values(&app, "test").await, 0);

    // A wrong header: line 1.
    let refused = upload(&app, &token, "area,value\nE07000146,1\n", Some(false)).await;
    assert_eq!(refused["errors"][0]["line"], 1);
    assert_eq!(stored_values(&app, "test").await, 0);

    // Bad settings are refused with their own code, and change nothing.
    let bad = app
        .graphql(
            Caller::Token(&token),
            r#"mutation { updateOrganisationSettings(input: { areaCode: "E0700099" }) { areaCode } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    let bad = app
        .graphql(
            Caller::Token(&token),
            r#"mutation { createComparatorGroup(input: { name: "X", areaCodes: ["E07000146", "nope"] }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("areaCodes[1]"))
    );
    let d = app
        .data(
            Caller::Token(&token),
            "{ organisation { areaCode } comparatorGroups { name } }",
            json!({}),
        )
        .await;
    assert_eq!(d["organisation"]["areaCode"], OWN_AREA);
    assert_eq!(d["comparatorGroups"].as_array().map(Vec::len), Some(1));
    app.stop().await;
}

#[tokio::test]
async fn the_quartile_filter_finds_the_worst_quartile() {
    let app = TestApp::builder().start().await;
    let (token, _, best) = benchmarked_council(&app, "test").await;
    let priority = app
        .data(
            Caller::Token(&token),
            "{ plans { priorities { id } } }",
            json!({}),
        )
        .await["plans"][0]["priorities"][0]["id"]
        .clone();
    let worst = create_indicator(
        &app,
        &token,
        json!({
            "priorityId": priority, "ref": "H2", "title": "Days in temporary accommodation",
            "unit": "DAYS", "polarity": "LOWER_IS_BETTER", "frequency": "QUARTERLY",
            "benchmarkMetric": "1120"
        }),
    )
    .await;
    let unbenchmarked = create_indicator(
        &app,
        &token,
        json!({
            "priorityId": priority, "ref": "H3", "title": "Not benchmarked",
            "unit": "COUNT", "polarity": "HIGHER_IS_BETTER", "frequency": "QUARTERLY"
        }),
    )
    .await;
    record(&app, &token, &best, "2025-26 Q1", 90.0, None).await;
    record(&app, &token, &worst, "2025-26 Q1", 90.0, Some("x")).await;
    record(&app, &token, &unbenchmarked, "2025-26 Q1", 1.0, None).await;
    let mut csv = file("9613", "Q1 2025/26", [70.0, 62.0, 55.0, 48.5, 80.0]);
    csv.push_str(
        &file("1120", "Q1 2025/26", [30.0, 40.0, 50.0, 60.0, 70.0]).replacen(
            "metric,area_code,area_name,period,value\n",
            "",
            1,
        ),
    );
    let (ok, lines) = command(&app, "test", &csv, false).await;
    assert!(ok, "{lines:?}");

    let query = r#"query($q: Int, $p: String) { indicators(filter: { quartile: $q, statusPeriod: $p }) { totalCount edges { node { ref } } } }"#;
    let refs = |d: &Value| -> Vec<String> {
        d["indicators"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["ref"].as_str().expect("a ref").to_string())
            .collect()
    };
    let q4 = app
        .data(
            Caller::Token(&token),
            query,
            json!({ "q": 4, "p": "2025-26 Q1" }),
        )
        .await;
    assert_eq!(refs(&q4), vec!["H2"], "90 days is the worst of six");
    let q1 = app
        .data(
            Caller::Token(&token),
            query,
            json!({ "q": 1, "p": "2025-26 Q1" }),
        )
        .await;
    assert_eq!(refs(&q1), vec!["H1"], "90 % is the best of six");
    let q2 = app
        .data(
            Caller::Token(&token),
            query,
            json!({ "q": 2, "p": "2025-26 Q1" }),
        )
        .await;
    assert!(refs(&q2).is_empty());

    let without = app
        .graphql(Caller::Token(&token), query, json!({ "q": 4 }))
        .await;
    assert_eq!(error_code(&without), "BAD_USER_INPUT");
    assert!(
        without["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("statusPeriod")),
        "{without}"
    );
    let out_of_range = app
        .graphql(
            Caller::Token(&token),
            query,
            json!({ "q": 5, "p": "2025-26 Q1" }),
        )
        .await;
    assert_eq!(error_code(&out_of_range), "BAD_USER_INPUT");
    app.stop().await;
}

#[tokio::test]
async fn a_second_council_sees_none_of_the_first_councils_comparator_data() {
    let app = TestApp::builder().start().await;
    let (first, first_group, first_indicator) = benchmarked_council(&app, "first").await;
    third_of_six(&app, &first, "first", &first_indicator).await;
    assert!(
        benchmark(&app, &first, &first_indicator, "2025-26 Q1")
            .await
            .is_object()
    );

    // The same areas and metric, in another council: none of the first's values.
    let (second, _, second_indicator) = benchmarked_council(&app, "second").await;
    record(&app, &second, &second_indicator, "2025-26 Q1", 62.0, None).await;
    assert_eq!(
        benchmark(&app, &second, &second_indicator, "2025-26 Q1").await,
        Value::Null
    );
    assert_eq!(stored_values(&app, "second").await, 0);
    let groups = app
        .data(
            Caller::Token(&second),
            "{ comparatorGroups { id } }",
            json!({}),
        )
        .await;
    assert_eq!(groups["comparatorGroups"].as_array().map(Vec::len), Some(1));
    assert_ne!(groups["comparatorGroups"][0]["id"], json!(first_group));
    // Nor can it name the first council's group.
    for mutation in [
        r#"mutation($g: ID!) { updateOrganisationSettings(input: { comparatorGroupId: $g }) { id } }"#,
        r#"mutation($g: ID!) { updateComparatorGroup(input: { id: $g, name: "Mine" }) { id } }"#,
    ] {
        let refused = app
            .graphql(
                Caller::Token(&second),
                mutation,
                json!({ "g": first_group }),
            )
            .await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    }
    let refused = app
        .graphql(
            Caller::Token(&second),
            r#"mutation($id: ID!, $g: ID!) { updateIndicator(input: { id: $id, comparatorGroupId: $g }) { id } }"#,
            json!({ "id": second_indicator, "g": first_group }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    // Its own upload stays its own.
    let done = upload(
        &app,
        &second,
        &file("9613", "2025/26 Q1", [1.0, 2.0, 3.0, 4.0, 5.0]),
        Some(false),
    )
    .await;
    assert_eq!(done["added"], 5);
    assert_eq!(
        benchmark(&app, &first, &first_indicator, "2025-26 Q1").await["best"],
        80.0
    );
    assert_eq!(
        benchmark(&app, &second, &second_indicator, "2025-26 Q1").await["rank"],
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn an_indicator_uses_its_own_group_when_it_names_one() {
    let app = TestApp::builder().start().await;
    let (token, _, indicator) = benchmarked_council(&app, "test").await;
    third_of_six(&app, &token, "test", &indicator).await;
    let three = create_group(
        &app,
        &token,
        "Norfolk",
        &["E07000146", "E07000147", "E07000143"],
    )
    .await;
    let d = app
        .data(
            Caller::Token(&token),
            r#"mutation($id: ID!, $g: ID!) { updateIndicator(input: { id: $id, comparatorGroupId: $g }) { comparatorGroup { name } } }"#,
            json!({ "id": indicator, "g": three }),
        )
        .await;
    assert_eq!(d["updateIndicator"]["comparatorGroup"]["name"], "Norfolk");
    let b = benchmark(&app, &token, &indicator, "2025-26 Q1").await;
    assert_eq!(b["group"]["name"], "Norfolk");
    assert_eq!((b["rank"].clone(), b["of"].clone()), (json!(2), json!(4)));
    // Exactly four values is enough; fewer gives no benchmark.
    app.data(
        Caller::Token(&token),
        r#"mutation($g: ID!) { updateComparatorGroup(input: { id: $g, areaCodes: ["E07000146", "E07000147"] }) { areaCodes } }"#,
        json!({ "g": three }),
    )
    .await;
    assert_eq!(
        benchmark(&app, &token, &indicator, "2025-26 Q1").await,
        Value::Null
    );
    app.stop().await;
}

async fn statements_for_benchmarks(indicators: usize) -> u64 {
    let app = TestApp::builder().start().await;
    let (token, _, first) = benchmarked_council(&app, "test").await;
    let priority = app
        .data(
            Caller::Token(&token),
            "{ plans { priorities { id } } }",
            json!({}),
        )
        .await["plans"][0]["priorities"][0]["id"]
        .clone();
    let mut ids = vec![first];
    for i in 1..indicators {
        ids.push(
            create_indicator(
                &app,
                &token,
                json!({
                    "priorityId": priority, "ref": format!("M{i}"), "title": format!("Measure {i}"),
                    "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "QUARTERLY",
                    "benchmarkMetric": format!("{}", 9000 + i)
                }),
            )
            .await,
        );
    }
    let mut csv = String::from("metric,area_code,area_name,period,value\n");
    for i in 0..indicators {
        let metric = if i == 0 { 9613 } else { 9000 + i };
        for (code, name) in AREAS {
            csv.push_str(&format!("{metric},{code},{name},2025/26 Q1,{}\n", 50 + i));
        }
    }
    for id in &ids {
        record(&app, &token, id, "2025-26 Q1", 60.0, None).await;
    }
    let (ok, lines) = command(&app, "test", &csv, false).await;
    assert!(ok, "{lines:?}");
    app.data(Caller::Token(&token), "{ viewer { id } }", json!({}))
        .await;
    let before = app.db.statements_executed();
    let d = app
        .data(
            Caller::Token(&token),
            r#"{ plans { priorities { indicators { ref result(period: "2025-26 Q1") { benchmark { rank of quartile values { value } } } } } } }"#,
            json!({}),
        )
        .await;
    let statements = app.db.statements_executed() - before;
    let benchmarked = d["plans"][0]["priorities"][0]["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .filter(|i| i["result"]["benchmark"]["of"] == 6)
        .count();
    assert_eq!(benchmarked, indicators, "{d}");
    app.stop().await;
    statements
}

#[tokio::test]
async fn benchmarks_load_in_a_constant_number_of_statements() {
    let small = statements_for_benchmarks(2).await;
    let large = statements_for_benchmarks(12).await;
    assert_eq!(
        small, large,
        "statements grew with the indicators: {small} for 2, {large} for 12"
    );
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

#[tokio::test]
async fn the_report_has_a_benchmarking_section_and_lists_the_worst_quartile() {
    let app = TestApp::builder().start().await;
    let (token, _, best) = benchmarked_council(&app, "test").await;
    let d = app
        .data(
            Caller::Token(&token),
            "{ plans { id priorities { id } } }",
            json!({}),
        )
        .await;
    let plan = d["plans"][0]["id"].as_str().expect("a plan").to_string();
    let priority = d["plans"][0]["priorities"][0]["id"].clone();
    let worst = create_indicator(
        &app,
        &token,
        json!({
            "priorityId": priority, "ref": "H2", "title": "Days in temporary accommodation",
            "unit": "DAYS", "polarity": "LOWER_IS_BETTER", "frequency": "QUARTERLY",
            "benchmarkMetric": "1120"
        }),
    )
    .await;
    record(&app, &token, &best, "2025-26 Q1", 90.0, None).await;
    record(&app, &token, &best, "2025-26 Q2", 91.0, None).await;
    record(&app, &token, &worst, "2025-26 Q2", 90.0, Some("more cases")).await;
    let mut csv = file("9613", "Q1 2025/26", [70.0, 62.0, 55.0, 48.5, 80.0]);
    csv.push_str(
        &file("1120", "Q2 2025/26", [30.0, 40.0, 50.0, 60.0, 70.0]).replacen(
            "metric,area_code,area_name,period,value\n",
            "",
            1,
        ),
    );
    let (ok, lines) = command(&app, "test", &csv, false).await;
    assert!(ok, "{lines:?}");

    let (status, html) = get(&app, &token, &format!("/reports/{plan}/2025-26%20Q2")).await;
    assert_eq!(status, 200, "{html}");
    let section = |id: &str| -> String {
        let start = html
            .find(&format!("<section id=\"{id}\""))
            .unwrap_or_else(|| panic!("no {id} section"));
        let end = html[start..].find("</section>").expect("its end") + start;
        html[start..end].to_string()
    };
    let worst_quartile = section("worst-quartile");
    assert!(
        worst_quartile.contains(&format!("data-id=\"{worst}\"")),
        "{worst_quartile}"
    );
    assert!(worst_quartile.contains("6 of 6"), "{worst_quartile}");
    assert!(!worst_quartile.contains(&format!("data-id=\"{best}\"")));
    let benchmarking = section("benchmarking");
    assert!(benchmarking.contains("<h2 id=\"benchmarking-heading\">Benchmarking</h2>"));
    assert!(
        benchmarking.contains(&format!("data-id=\"{best}\" data-quartile=\"1\"")),
        "{benchmarking}"
    );
    assert!(benchmarking.contains("1 of 6"), "{benchmarking}");
    assert!(benchmarking.contains("Top quartile"));
    assert!(
        benchmarking.contains("(latest comparator data)"),
        "H1 is on Q1's data"
    );
    assert!(benchmarking.contains("Bottom quartile"));

    let (status, body) = get(
        &app,
        &token,
        &format!("/reports/{plan}/2025-26%20Q2.csv?table=benchmarking"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let rows: Vec<&str> = body.lines().collect();
    assert_eq!(rows.len(), 3, "{body}");
    assert!(rows[0].starts_with("table,period,priority_id"));
    assert!(rows[0].contains("comparator_period,value,rank,of,quartile,median,best,worst"));
    assert!(
        rows[1].ends_with(",2025-26 Q1,90,1,6,1,66,90,48.5"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].ends_with(",2025-26 Q2,90,6,6,4,55,30,90"),
        "{}",
        rows[2]
    );
    app.stop().await;
}

/// The cost a refusal names.
fn refused_cost(body: &Value) -> u64 {
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    message
        .split(|c: char| !c.is_ascii_digit())
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no cost in {message}"))
}

#[tokio::test]
async fn the_node_limit_counts_a_benchmarks_values_by_the_largest_group() {
    // A limit of 1: every document is refused, naming its cost.
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .cost_limits(1, 1)
        .start()
        .await;
    let token = app.token("demo", "admin@demo.example").await;
    let cost = |values: &str| {
        let query = format!(
            r#"{{ indicators(first: 10) {{ edges {{ node {{ result(period: "2026-27 Q2") {{ benchmark {{ rank {values} }} }} }} }} }} }}"#
        );
        let app = &app;
        let token = token.clone();
        async move {
            let body = app.graphql(Caller::Token(&token), &query, json!({})).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
            refused_cost(&body)
        }
    };
    let without = cost("").await;
    let with = cost("values { value }").await;
    // The demo's group has fifteen areas: sixteen values (theirs and ours) of two nodes each,
    // for each of the ten indicators.
    assert!(with - without >= 10 * 16 * 2, "{without} → {with}");
    app.stop().await;
}

#[tokio::test]
async fn the_benchmarking_migration_goes_down_to_the_old_table_and_up_again() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait;
    let fresh = pmf_store::testing::FreshDb::create().await;
    let db = pmf_store::Database::connect(&fresh.url)
        .await
        .expect("connect");
    db.migrate().await.expect("up");
    let count = |table: &'static str| {
        let conn = &db.conn;
        async move {
            conn.execute_unprepared(&format!("SELECT COUNT(*) FROM {table}"))
                .await
                .is_ok()
        }
    };
    assert!(count("comparator_values").await && !count("benchmarks").await);
    // Down through this migration and every later one (their `down`s run too).
    let steps = pmf_tests::steps_down_through("m20270201_000001_benchmarking");
    Migrator::down(&db.conn, Some(steps)).await.expect("down");
    assert!(count("benchmarks").await && !count("comparator_values").await);
    db.migrate().await.expect("up again");
    assert!(count("comparator_groups").await && !count("benchmarks").await);
}
