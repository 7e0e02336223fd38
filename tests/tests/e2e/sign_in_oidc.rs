//! Single sign-on through the `/auth/oidc` routes against a real OpenID provider
//! (`tests/node/oidc-provider.mjs`, panva's oidc-provider, started on loopback): the council's
//! provider set through GraphQL, a known user signed in and bound to their subject, an
//! unknown one refused with a clear page, tampered answers refused.
//!
//! Ignored by default (a clone with only Rust has no Node); `.ci/run` runs it:
//! `cargo test -p pmf-tests --test e2e -- --ignored sign_in_oidc`.
use pmf_tests::{
    Caller, TestApp,
    oidc::{OidcProvider, SignInBrowser},
    session_cookie,
};
use serde_json::{Value, json};

const OFFICER: &str = "housing.officer@demo.example";

struct Rig {
    app: TestApp,
    idp: OidcProvider,
    redirect_uri: String,
}

impl Rig {
    async fn start() -> Self {
        let app = TestApp::builder()
            .at("2026-11-22T09:00:00Z")
            .with_demo()
            .own_public_url()
            .start()
            .await;
        let redirect_uri = format!("{}/auth/oidc/callback", app.public_url);
        let idp = OidcProvider::start(json!({
            "clients": [{ "client_id": "council-app", "client_secret": "s3cret",
                          "redirect_uris": [redirect_uri] }],
            "accounts": [
                { "sub": "lee-sub", "email": OFFICER, "email_verified": true, "name": "Lee Ward" },
                { "sub": "stranger-sub", "email": "stranger@demo.example", "email_verified": true },
            ],
        }))
        .await;
        let admin = app.token("demo", "admin@demo.example").await;
        let set = app
            .data(
                Caller::Token(&admin),
                "mutation($i: SingleSignOnInput!) { setSingleSignOn(input: $i) { issuer displayName redirectUri } }",
                json!({ "i": { "issuer": idp.issuer, "clientId": "council-app",
                               "clientSecret": "s3cret", "displayName": "Test provider" } }),
            )
            .await;
        assert_eq!(set["setSingleSignOn"]["redirectUri"], redirect_uri.as_str());
        Self {
            app,
            idp,
            redirect_uri,
        }
    }

    /// Starts a sign-in at the app and walks the provider; the callback URL it comes back to.
    async fn to_callback(&self, login_hint: &str) -> String {
        let start = self
            .app
            .browser
            .get(self.app.url(&format!(
                "/auth/oidc/start?org=demo&login_hint={login_hint}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(
            start.status(),
            303,
            "{}",
            start.text().await.unwrap_or_default()
        );
        let location = start.headers()["location"].to_str().unwrap().to_string();
        assert!(location.starts_with(&self.idp.issuer), "{location}");
        SignInBrowser::new()
            .follow(&location, &self.redirect_uri)
            .await
            .to_string()
    }

    async fn callback(&self, url: &str) -> reqwest::Response {
        self.app.browser.get(url).send().await.unwrap()
    }

    async fn viewer(&self, cookie: &str) -> Value {
        self.app
            .client
            .post(self.app.url("/graphql"))
            .header("Cookie", format!("pmf_session={cookie}"))
            .header("Origin", self.app.public_url.as_str())
            .json(&json!({ "query": "{ viewer { email role } mySessions { method } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn single_sign_on_signs_in_a_known_user_and_binds_their_subject() {
    let rig = Rig::start().await;
    let page = rig
        .app
        .client
        .get(rig.app.url("/auth/sign-in?org=demo"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"href="/auth/oidc/start?org=demo">Sign in with Test provider<"#),
        "{html}"
    );

    let back = rig.to_callback(OFFICER).await;
    let signed_in = rig.callback(&back).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/");
    let cookie = session_cookie(&signed_in).expect("a session cookie");
    let me = rig.viewer(&cookie).await;
    assert_eq!(
        me["data"]["viewer"],
        json!({ "email": OFFICER, "role": "OFFICER" })
    );
    assert_eq!(me["data"]["mySessions"], json!([{ "method": "SSO" }]));

    // The answer cannot be used twice (its state is spent).
    let replay = rig.callback(&back).await;
    assert_eq!(replay.status(), 403);
    assert!(session_cookie(&replay).is_none());

    // Bound: a changed e-mail claim does not move the person to another user.
    rig.idp
        .update_account(json!({ "sub": "lee-sub", "email": "planning.officer@demo.example" }))
        .await;
    let again = rig.callback(&rig.to_callback("lee-sub").await).await;
    assert_eq!(again.status(), 303);
    let me = rig.viewer(&session_cookie(&again).unwrap()).await;
    assert_eq!(me["data"]["viewer"]["email"], OFFICER);
    rig.app.stop().await;
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn single_sign_on_refuses_strangers_and_tampered_answers_clearly() {
    let rig = Rig::start().await;
    let stranger = rig
        .callback(&rig.to_callback("stranger@demo.example").await)
        .await;
    assert_eq!(stranger.status(), 403);
    assert!(session_cookie(&stranger).is_none());
    let page = stranger.text().await.unwrap();
    assert!(
        page.contains("Ask your performance team to add you"),
        "{page}"
    );

    // A tampered state matches no started sign-in.
    let back = rig.to_callback(OFFICER).await;
    let tampered = back.replace("state=", "state=x");
    let refused = rig.callback(&tampered).await;
    assert_eq!(refused.status(), 403);
    assert!(session_cookie(&refused).is_none());

    // A wrong nonce, and an ID token for another audience.
    for claims in [json!({ "nonce": "wrong" }), json!({ "aud": "another-app" })] {
        let back = rig.to_callback(OFFICER).await;
        rig.idp.tamper_next_id_token(claims.clone()).await;
        let refused = rig.callback(&back).await;
        assert_eq!(refused.status(), 403, "{claims}");
        assert!(session_cookie(&refused).is_none(), "{claims}");
    }
    rig.app.stop().await;
}
