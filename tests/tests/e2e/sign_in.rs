//! Signing in by e-mailed link, sessions, sign-out and the cross-site guard, through the
//! real router and the sign-in mails it writes to `MAIL_DIR` (no worker: the api sends them
//! itself, after answering).
use pmf_tests::{Caller, TestApp, session_cookie, token_of};
use serde_json::{Value, json};

const OFFICER: &str = "housing.officer@demo.example";
const ADMIN: &str = "admin@demo.example";

async fn demo() -> TestApp {
    TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .start()
        .await
}

/// POST a form to an `/auth` route from the dashboard's own origin.
async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.browser
        .post(app.url(path))
        .header("Origin", app.public_url.as_str())
        .form(form)
        .send()
        .await
        .expect("a POST")
}

/// A GraphQL request with the session cookie, from the dashboard's own origin.
async fn with_cookie(app: &TestApp, cookie: &str, query: &str) -> Value {
    app.client
        .post(app.url("/graphql"))
        .header("Cookie", format!("pmf_session={cookie}"))
        .header("Origin", app.public_url.as_str())
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("a request")
        .json()
        .await
        .expect("JSON")
}

fn code(body: &Value) -> &str {
    pmf_tests::error_code(body)
}

const VIEWER: &str = "{ viewer { email role name } }";

#[tokio::test]
async fn the_whole_email_flow_signs_in_sees_what_a_token_sees_and_signs_out() {
    let app = demo().await;
    let answer = post_form(
        &app,
        "/auth/email",
        &[("email", "Housing.Officer@demo.example")],
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert!(
        session_cookie(&answer).is_none(),
        "asking for a link signs nobody in"
    );
    let page = answer.text().await.unwrap();
    assert!(page.contains("Check your e-mail"), "{page}");

    let link = app.sign_in_link(OFFICER, 1).await;
    let mail = app.mails_to(OFFICER).pop().unwrap();
    assert!(mail.contains("Dear Lee Ward,"), "{mail}");
    assert!(mail.contains("15 minutes"), "{mail}");
    let prefix = format!("{}/auth/email/confirm?token=pmf_", app.public_url);
    assert!(link.starts_with(&prefix), "{link}");

    // Opening the link (as a mail scanner does) signs nobody in and uses nothing up.
    let path = link.trim_start_matches(&app.public_url).to_string();
    for _ in 0..2 {
        let opened = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(opened.status(), 200);
        assert!(session_cookie(&opened).is_none());
        let page = opened.text().await.unwrap();
        assert!(page.contains(">Sign in</button>"), "{page}");
        assert!(
            page.contains(&format!("value=\"{}\"", token_of(&link))),
            "{page}"
        );
    }

    let signed_in = post_form(&app, "/auth/email/confirm", &[("token", &token_of(&link))]).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/");
    let set_cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.ends_with("; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = session_cookie(&signed_in).unwrap();

    // The cookie is the officer, exactly as their token would be.
    let token = app.token("demo", OFFICER).await;
    let by_cookie = with_cookie(&app, &cookie, VIEWER).await;
    assert_eq!(
        by_cookie["data"],
        app.data(Caller::Token(&token), VIEWER, json!({})).await
    );
    assert_eq!(by_cookie["data"]["viewer"]["role"], "OFFICER");
    let sessions = with_cookie(&app, &cookie, "{ mySessions { method current expiresAt } }").await;
    assert_eq!(
        sessions["data"]["mySessions"],
        json!([{ "method": "EMAIL", "current": true, "expiresAt": "2026-12-22T09:00:00Z" }])
    );
    // The report reads with the cookie exactly as with the token.
    let plans = app
        .data(Caller::Token(&token), "{ plans { id } }", json!({}))
        .await;
    let report = format!(
        "/reports/{}/2026-27%20Q2",
        plans["plans"][0]["id"].as_str().unwrap()
    );
    let by_cookie = app
        .client
        .get(app.url(&report))
        .header("Cookie", format!("pmf_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200);
    let by_token = app
        .client
        .get(app.url(&report))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_cookie.text().await.unwrap(),
        by_token.text().await.unwrap()
    );
    let admin = app.token("demo", ADMIN).await;
    let audit = app
        .data(
            Caller::Token(&admin),
            r#"{ auditLog(entity: "session") { operation actorId } }"#,
            json!({}),
        )
        .await;
    assert_eq!(audit["auditLog"][0]["operation"], "sign_in", "{audit}");

    let out = app
        .browser
        .post(app.url("/auth/sign-out"))
        .header("Cookie", format!("pmf_session={cookie}"))
        .header("Origin", app.public_url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()["location"], "/auth/sign-in?signed_out=1");
    assert_eq!(session_cookie(&out).as_deref(), Some(""));
    let after = with_cookie(&app, &cookie, VIEWER).await;
    assert_eq!(code(&after), "UNAUTHENTICATED", "{after}");
    app.stop().await;
}

#[tokio::test]
async fn a_link_works_once_and_not_after_fifteen_minutes() {
    let app = demo().await;
    post_form(&app, "/auth/email", &[("email", OFFICER)]).await;
    let token = token_of(&app.sign_in_link(OFFICER, 1).await);
    let first = post_form(&app, "/auth/email/confirm", &[("token", &token)]).await;
    assert_eq!(first.status(), 303);
    let again = post_form(&app, "/auth/email/confirm", &[("token", &token)]).await;
    assert_eq!(again.status(), 400);
    assert!(session_cookie(&again).is_none());
    assert!(again.text().await.unwrap().contains("used already"));

    post_form(&app, "/auth/email", &[("email", OFFICER)]).await;
    let token = token_of(&app.sign_in_link(OFFICER, 2).await);
    app.clock.advance(chrono::Duration::minutes(15));
    let late = post_form(&app, "/auth/email/confirm", &[("token", &token)]).await;
    assert_eq!(late.status(), 400);
    assert!(late.text().await.unwrap().contains("expired"));

    let forged = post_form(&app, "/auth/email/confirm", &[("token", "pmf_0000")]).await;
    assert_eq!(forged.status(), 400);
    assert!(forged.text().await.unwrap().contains("not valid"));
    let admin = app.token("demo", ADMIN).await;
    let refused = app
        .data(
            Caller::Token(&admin),
            r#"{ auditLog(entity: "session") { operation after } }"#,
            json!({}),
        )
        .await;
    let operations: Vec<&str> = refused["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        operations,
        ["sign_in_refused", "sign_in_refused", "sign_in"],
        "{refused}"
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_and_inactive_addresses_get_the_same_answer_and_no_mail() {
    let app = demo().await;
    let admin = app.token("demo", ADMIN).await;
    let users = app
        .data(Caller::Token(&admin), "{ users { id email } }", json!({}))
        .await;
    let planning = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "planning.officer@demo.example")
        .unwrap()["id"]
        .clone();
    app.data(
        Caller::Token(&admin),
        "mutation($id: ID!) { setUserActive(id: $id, active: false) { active } }",
        json!({ "id": planning }),
    )
    .await;

    let mut pages = Vec::new();
    for email in [
        OFFICER,
        "nobody@demo.example",
        "planning.officer@demo.example",
    ] {
        let answer = post_form(&app, "/auth/email", &[("email", email)]).await;
        assert_eq!(answer.status(), 200, "{email}");
        pages.push(answer.text().await.unwrap().replace(email, "ADDRESS"));
    }
    assert_eq!(
        pages[0], pages[1],
        "an unknown address is answered as a known one"
    );
    assert_eq!(
        pages[0], pages[2],
        "an inactive user is answered as an active one"
    );
    // The known user's mail arrives; the others get none and have no link.
    app.sign_in_link(OFFICER, 1).await;
    assert!(app.mails_to("nobody@demo.example").is_empty());
    assert!(app.mails_to("planning.officer@demo.example").is_empty());
    use sea_orm::{EntityTrait, PaginatorTrait};
    let links = pmf_store::entity::sign_in_link::Entity::find()
        .count(&app.db.conn)
        .await
        .unwrap();
    assert_eq!(links, 1);
    app.stop().await;
}

#[tokio::test]
async fn at_most_five_link_requests_per_address_in_fifteen_minutes() {
    let app = demo().await;
    for email in [OFFICER, "nobody@demo.example"] {
        for n in 1..=5 {
            let answer = post_form(&app, "/auth/email", &[("email", email)]).await;
            assert_eq!(answer.status(), 200, "{email} #{n}");
        }
        let sixth = post_form(&app, "/auth/email", &[("email", email)]).await;
        assert_eq!(sixth.status(), 429, "{email}");
        assert_eq!(sixth.headers()["retry-after"], "900");
    }
    app.sign_in_link(OFFICER, 5).await;
    app.clock.advance(chrono::Duration::minutes(15));
    let later = post_form(&app, "/auth/email", &[("email", OFFICER)]).await;
    assert_eq!(later.status(), 200);
    app.sign_in_link(OFFICER, 6).await;
    app.stop().await;
}

#[tokio::test]
async fn the_client_address_limit_answers_429_with_retry_after() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .auth_rate(1, 2)
        .start()
        .await;
    for n in 1..=2 {
        let answer = post_form(&app, "/auth/email", &[("email", "a@b.example")]).await;
        assert_eq!(answer.status(), 200, "#{n}");
    }
    let third = post_form(&app, "/auth/email/confirm", &[("token", "x")]).await;
    assert_eq!(third.status(), 429);
    let wait: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=61).contains(&wait), "{wait}");
    // Reading pages is not limited.
    let page = app
        .client
        .get(app.url("/auth/sign-in"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn a_forged_or_idle_session_cookie_is_refused() {
    let app = demo().await;
    let forged = with_cookie(&app, "pmf_forged", VIEWER).await;
    assert_eq!(code(&forged), "UNAUTHENTICATED", "{forged}");
    assert!(forged["data"].is_null() || forged["data"]["viewer"].is_null());

    let cookie = app.sign_in(OFFICER).await;
    app.clock.advance(chrono::Duration::hours(7));
    let used = with_cookie(&app, &cookie, VIEWER).await;
    assert_eq!(used["data"]["viewer"]["email"], OFFICER, "{used}");
    // Used 7 hours in: the idle time (8 hours) counts from then.
    app.clock.advance(chrono::Duration::hours(7));
    let still = with_cookie(&app, &cookie, VIEWER).await;
    assert_eq!(still["data"]["viewer"]["email"], OFFICER, "{still}");
    app.clock.advance(chrono::Duration::hours(8));
    let idle = with_cookie(&app, &cookie, VIEWER).await;
    assert_eq!(code(&idle), "UNAUTHENTICATED", "{idle}");
    app.stop().await;
}

#[tokio::test]
async fn deactivating_a_user_or_changing_their_role_ends_their_sessions_at_once() {
    let app = demo().await;
    let admin = app.token("demo", ADMIN).await;
    let officer = app.sign_in(OFFICER).await;
    let manager = app.sign_in("housing.manager@demo.example").await;
    let ids = app
        .data(Caller::Token(&admin), "{ users { id email } }", json!({}))
        .await;
    let id_of = |email: &str| {
        ids["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == email)
            .unwrap()["id"]
            .clone()
    };
    app.data(
        Caller::Token(&admin),
        "mutation($id: ID!) { setUserActive(id: $id, active: false) { active } }",
        json!({ "id": id_of(OFFICER) }),
    )
    .await;
    assert_eq!(
        code(&with_cookie(&app, &officer, VIEWER).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        with_cookie(&app, &manager, VIEWER).await["data"]["viewer"]["role"],
        "MANAGER"
    );
    app.data(
        Caller::Token(&admin),
        "mutation($id: ID!) { updateUser(input: { id: $id, role: OFFICER }) { role } }",
        json!({ "id": id_of("housing.manager@demo.example") }),
    )
    .await;
    assert_eq!(
        code(&with_cookie(&app, &manager, VIEWER).await),
        "UNAUTHENTICATED"
    );
    // Signing in again gives the new role.
    let again = app.sign_in("housing.manager@demo.example").await;
    assert_eq!(
        with_cookie(&app, &again, VIEWER).await["data"]["viewer"]["role"],
        "OFFICER"
    );
    app.stop().await;
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_person_only() {
    let app = demo().await;
    let laptop = app.sign_in(OFFICER).await;
    let phone = app.sign_in(OFFICER).await;
    let other = app.sign_in("waste.officer@demo.example").await;
    let sessions = with_cookie(&app, &phone, "{ mySessions { current } }").await;
    assert_eq!(
        sessions["data"]["mySessions"],
        json!([{ "current": true }, { "current": false }])
    );
    let ended = with_cookie(&app, &laptop, "mutation { signOutEverywhere }").await;
    assert_eq!(ended["data"]["signOutEverywhere"], 2, "{ended}");
    for cookie in [&laptop, &phone] {
        assert_eq!(
            code(&with_cookie(&app, cookie, VIEWER).await),
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        with_cookie(&app, &other, VIEWER).await["data"]["viewer"]["email"],
        "waste.officer@demo.example"
    );
    app.stop().await;
}

#[tokio::test]
async fn cross_site_requests_are_refused_and_same_origin_accepted() {
    let app = demo().await;
    let cookie = app.sign_in(OFFICER).await;
    let mutation = json!({ "query": "mutation { signOutEverywhere }" });
    let send = |origin: Option<&str>, site: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/graphql"))
            .header("Cookie", format!("pmf_session={cookie}"))
            .json(&mutation);
        if let Some(o) = origin {
            request = request.header("Origin", o);
        }
        if let Some(s) = site {
            request = request.header("Sec-Fetch-Site", s);
        }
        request.send()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
    ] {
        let answer = send(origin, site).await.unwrap();
        assert_eq!(answer.status(), 403, "{origin:?} {site:?}");
    }
    // Still signed in: nothing above ran.
    assert_eq!(
        with_cookie(&app, &cookie, VIEWER).await["data"]["viewer"]["email"],
        OFFICER
    );
    // A bearer token is not a cookie: another origin changes nothing for it.
    let token = app.token("demo", OFFICER).await;
    let by_token = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("Origin", "https://evil.example")
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 200);
    // A sign-in form posted from another site is refused too.
    let form = app
        .client
        .post(app.url("/auth/email"))
        .header("Origin", "https://evil.example")
        .form(&[("email", OFFICER)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403);
    // Same origin by Sec-Fetch-Site alone is accepted.
    let same = send(None, Some("same-origin")).await.unwrap();
    assert_eq!(same.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn the_sign_in_page_offers_the_email_form_and_the_token_link() {
    let app = demo().await;
    let page = app
        .client
        .get(app.url("/auth/sign-in?org=demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<form method="post" action="/auth/email">"#),
        "{html}"
    );
    assert!(html.contains(r#"name="org" value="demo""#), "{html}");
    assert!(
        html.contains("Use an API token (scripts, kiosks)"),
        "{html}"
    );
    assert!(!html.contains("Sign in with"), "no provider is set: {html}");
    let bad = post_form(&app, "/auth/email", &[("email", "not an address")]).await;
    assert_eq!(bad.status(), 400);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Enter your e-mail address")
    );
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs Chromium and the Node tools (apt-get install chromium; npm ci --prefix tests/node): .ci/run runs it"]
async fn a_person_signs_in_by_email_in_chromium_and_signs_out() {
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .own_public_url()
        .start()
        .await;
    let seen = pmf_tests::Browser::run(
        "sign_in",
        json!({
            "base": app.public_url,
            "email": OFFICER,
            "mailDir": app.mail_dir.display().to_string(),
        }),
    )
    .await;
    assert_eq!(seen["frontDoor"]["signInLink"], 1, "{seen:#}");
    assert_eq!(
        seen["frontDoor"]["tokenSummary"],
        "Use an API token (scripts, kiosks)"
    );
    assert_eq!(
        seen["frontDoor"]["tokenBoxVisible"], false,
        "the token box is folded away"
    );
    assert_eq!(seen["sent"], "Check your e-mail");
    assert_eq!(seen["confirmPage"]["heading"], "Sign in");
    assert_eq!(
        seen["confirmPage"]["cookiesBefore"],
        json!([]),
        "opening the link signs nobody in"
    );
    assert_eq!(
        seen["who"], "Signed in as Lee Ward (officer)\nMy updates\nSign out",
        "{seen:#}"
    );
    assert_eq!(
        seen["cookie"],
        json!({ "httpOnly": true, "sameSite": "Lax", "path": "/" })
    );
    assert_eq!(seen["signedOut"], "You have signed out.");
    assert_eq!(
        seen["afterSignOut"],
        json!({ "accessShown": true, "cookies": [] })
    );
    app.stop().await;
}

#[tokio::test]
async fn with_smtp_url_the_sign_in_mail_goes_to_the_relay_at_once() {
    let sink = pmf_tests::smtp::SmtpSink::start();
    let app = TestApp::builder()
        .at("2026-11-22T09:00:00Z")
        .with_demo()
        .sign_in_mail_by_smtp(sink.url())
        .start()
        .await;
    let answer = post_form(&app, "/auth/email", &[("email", OFFICER)]).await;
    assert_eq!(answer.status(), 200);
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec![OFFICER.to_string()]);
    assert_eq!(mail.subject(), "Demo District Council: your sign-in link");
    assert!(
        mail.header("From")
            .unwrap()
            .contains("Demo District Council")
    );
    let link = pmf_tests::link_in(&mail.text()).expect("a link");
    let signed_in = post_form(&app, "/auth/email/confirm", &[("token", &token_of(&link))]).await;
    assert_eq!(signed_in.status(), 303);
    assert!(
        app.mails_to(OFFICER).is_empty(),
        "nothing written to MAIL_DIR"
    );
    app.stop().await;
}
