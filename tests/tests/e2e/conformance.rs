//! GraphQL over HTTP conformance: the `graphql-http` audit suite
//! (`tests/node/graphql-http-audit.mjs`, graphql-http's `serverAudits`) against the test
//! server's `POST /graphql`. Every audit whose name starts with MUST or SHOULD passes; MAY
//! ones are reported only.
//!
//! Ignored by default (it needs Node and the packages of tests/node); `.ci/run` runs it:
//! `cargo test -p pmf-tests --test e2e -- --ignored conformance`.
use std::path::PathBuf;

use pmf_tests::TestApp;
use serde_json::{Value, json};

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn every_must_and_should_of_the_graphql_http_audits_passes() {
    let app = TestApp::builder().start().await;
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node");
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let args = json!({ "url": app.url("/graphql") }).to_string();
    let output = tokio::process::Command::new(&node)
        .arg(tools.join("graphql-http-audit.mjs"))
        .arg(&args)
        .current_dir(&tools)
        .output()
        .await
        .unwrap_or_else(|e| panic!("could not start node ({e}): npm ci --prefix tests/node"));
    assert!(
        output.status.success(),
        "the audit script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let results: Vec<Value> = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not the audit's JSON ({e}): {stdout}"));
    assert!(results.len() > 40, "the whole suite ran: {results:?}");
    let failures: Vec<String> = results
        .iter()
        .filter(|r| {
            let name = r["name"].as_str().unwrap_or_default();
            (name.starts_with("MUST") || name.starts_with("SHOULD")) && r["status"] != "ok"
        })
        .map(|r| format!("{} {}: {}", r["id"], r["name"], r["reason"]))
        .collect();
    assert!(
        failures.is_empty(),
        "{} audit(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    app.stop().await;
}

/// The same rules without Node: the media type follows `Accept`, and only
/// `application/graphql-response+json` answers a request that never ran with 400 and no
/// `data`; a body not sent as JSON is 415.
#[tokio::test]
async fn answers_follow_accept_and_say_when_a_request_never_ran() {
    let app = TestApp::builder().start().await;
    let post = |accept: Option<&str>, body: &str| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        request.send()
    };
    let good = r#"{"query":"{ __typename }"}"#;
    let unparsable = r#"{"query":"{"}"#;
    let invalid = r#"{"query":"{ noSuchField }"}"#;
    let bad_variables = r#"{"query":"query($n: Int!) { __typename }","variables":{"n":"x"}}"#;
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json",
        ),
        (
            Some("application/graphql-response+json;q=0.5, application/json"),
            "application/json",
        ),
    ] {
        let r = post(accept, good).await.unwrap();
        assert_eq!(r.status(), 200, "{accept:?}");
        assert_eq!(r.headers()["content-type"], expected, "{accept:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["data"]["__typename"], "Query");
    }
    for body in [unparsable, invalid, bad_variables] {
        let r = post(Some("application/graphql-response+json"), body)
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(
            r.headers()["content-type"],
            "application/graphql-response+json"
        );
        let answer: Value = r.json().await.unwrap();
        assert!(answer.get("data").is_none(), "no data entry: {answer}");
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        // As application/json: 200, as before.
        let r = post(Some("application/json"), body).await.unwrap();
        assert_eq!(r.status(), 200, "{body}");
        let answer: Value = r.json().await.unwrap();
        assert!(answer["errors"].is_array(), "{answer}");
    }
    for content_type in [None, Some("text/plain;charset=UTF-8")] {
        let mut request = app.client.post(app.url("/graphql")).body(good);
        if let Some(c) = content_type {
            request = request.header("content-type", c);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 415, "{content_type:?}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    app.stop().await;
}

/// Tools' introspection (GraphiQL's is 13 deep) is answered; a document that reads data is
/// still held to the depth limit of 12, also when it introspects as well.
#[tokio::test]
async fn introspection_is_answered_beyond_the_depth_limit_for_data() {
    let app = TestApp::builder().start().await;
    let of_type = |depth: usize| {
        let mut s = "name".to_string();
        for _ in 0..depth {
            s = format!("ofType {{ {s} }}");
        }
        s
    };
    let introspection = format!(
        "{{ __schema {{ types {{ fields {{ args {{ type {{ {} }} }} }} }} }} }}",
        of_type(7)
    );
    let body = app
        .graphql(pmf_tests::Caller::Nobody, &introspection, json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["__schema"]["types"].is_array());
    let mixed = format!(
        "{{ plans {{ title }} {} }}",
        &introspection[1..introspection.len() - 1]
    );
    let body = app
        .graphql(pmf_tests::Caller::Nobody, &mixed, json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["message"], "Query is nested too deep.",
        "{body}"
    );
    app.stop().await;
}
