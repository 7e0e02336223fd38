//! Health, readiness, and the operator commands' library functions.
use pmf_tests::{Caller, TestApp, error_code};
use serde_json::json;

#[tokio::test]
async fn health_and_ready_answer() {
    let app = TestApp::builder().start().await;
    let health: serde_json::Value = app
        .client
        .get(app.url("/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let graphiql = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(graphiql.status(), 200);
    assert!(
        graphiql
            .text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );
    app.stop().await;
}

#[tokio::test]
async fn bootstrap_makes_an_admin_whose_token_works_and_is_stored_hashed() {
    let app = TestApp::builder().start().await;
    let token = app
        .bootstrap(
            "Fenland District Council",
            "fenland",
            "perf@fenland.example",
        )
        .await;
    let data = app
        .data(
            Caller::Token(&token),
            "{ viewer { email role } organisation { name slug timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(data["viewer"]["email"], "perf@fenland.example");
    assert_eq!(data["viewer"]["role"], "ADMIN");
    assert_eq!(data["organisation"]["slug"], "fenland");
    assert_eq!(data["organisation"]["timeZone"], "Europe/London");

    // The secret is nowhere in the database, only its hash.
    use sea_orm::EntityTrait;
    let tokens = pmf_store::entity::api_token::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    assert_ne!(tokens[0].token_hash, token);
    assert_eq!(tokens[0].token_hash, pmf_store::people::hash_secret(&token));

    // Running it again keeps the organisation and the admin and issues another token.
    let second = app
        .bootstrap(
            "Fenland District Council",
            "fenland",
            "perf@fenland.example",
        )
        .await;
    assert_ne!(second, token);
    let data = app
        .data(Caller::Token(&second), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(data["viewer"]["email"], "perf@fenland.example");
    app.stop().await;
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let app = TestApp::builder().start().await;
    let _ = app
        .bootstrap(
            "Fenland District Council",
            "fenland",
            "perf@fenland.example",
        )
        .await;
    for token in [
        "nonsense",
        "pmf_0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let body = app
            .graphql(Caller::Token(token), "{ viewer { email } }", json!({}))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    }
    // No token and no organisation: nothing but introspection.
    let body = app
        .graphql(Caller::Nobody, "{ plans { id } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let body = app
        .graphql(
            Caller::Nobody,
            "{ __schema { queryType { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    // An unknown council is not found.
    let body = app
        .graphql(Caller::Public("nowhere"), "{ plans { id } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    app.stop().await;
}

/// GraphiQL is served by the binary: the page and each file it loads, with their types and
/// the dashboard's Content-Security-Policy, no inline script, nothing from another origin;
/// any other name under `/graphql/assets/` is 404.
#[tokio::test]
async fn graphiql_is_served_by_the_binary_under_the_dashboards_policy() {
    let app = TestApp::builder().start().await;
    let get = |path: &str| app.client.get(app.url(path)).send();
    let dashboard = get("/").await.unwrap();
    let policy = dashboard.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'") && policy.contains("font-src 'self' data:"));

    let page = get("/graphql").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["content-security-policy"], policy.as_str());
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<title>Performance GraphQL</title>"),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("unpkg") && !html.contains("://"),
        "no inline script, nothing from elsewhere: {html}"
    );
    // Every file the page names, and only ours.
    let mut files = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            files.push(piece.split('"').next().unwrap().to_string());
        }
    }
    assert_eq!(files.len(), 6, "{files:?}");
    for file in &files {
        assert!(file.starts_with("/graphql/assets/"), "{file}");
        let response = get(file).await.unwrap();
        assert_eq!(response.status(), 200, "{file}");
        let expected = if file.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(response.headers()["content-type"], expected, "{file}");
        assert_eq!(
            response.headers()["content-security-policy"],
            policy.as_str(),
            "{file}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert!(response.bytes().await.unwrap().len() > 100, "{file}");
    }
    let licence = get("/graphql/assets/THIRD-PARTY-LICENSES.txt")
        .await
        .unwrap();
    assert_eq!(licence.status(), 200);
    assert_eq!(
        licence.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    for unknown in [
        "/graphql/assets/nothing.js",
        "/graphql/assets/VERSIONS.md",
        "/graphql/assets/index.html",
        "/graphql/assets/..%2Fgraphiql.min.js",
    ] {
        assert_eq!(get(unknown).await.unwrap().status(), 404, "{unknown}");
    }
    app.stop().await;
}
