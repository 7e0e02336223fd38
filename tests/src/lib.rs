//! The end-to-end harness: one `TestApp` that starts the real router on port 0 against its
//! own database (a fresh SQLite file, or a fresh PostgreSQL database when `DATABASE_URL`
//! points at a server), with a fixed clock.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use pmf_core::FixedClock;
use pmf_store::Database;
pub use pmf_store::testing::FreshDb;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub mod browser;
pub mod oidc;
pub mod smtp;

pub use browser::Browser;

/// The dashboard's address (`PUBLIC_URL`) of the api the tests start, and of their workers:
/// the links in every message lead there.
pub const PUBLIC_URL: &str = "http://dashboard.test";

/// The default "now" of the tests: a Sunday in the 2025-26 financial year.
pub fn default_now() -> DateTime<Utc> {
    "2025-11-16T12:00:00Z".parse().expect("valid time")
}

pub struct TestAppBuilder {
    now: DateTime<Utc>,
    demo: bool,
}

impl TestAppBuilder {
    pub fn at(mut self, now: &str) -> Self {
        self.now = now.parse().expect("an RFC 3339 time");
        self
    }

    /// Load the demo council (as `api serve` does on an empty database).
    pub fn with_demo(mut self) -> Self {
        self.demo = true;
        self
    }

    pub async fn start(self) -> TestApp {
        let fresh = FreshDb::create().await;
        let db = Database::connect(&fresh.url)
            .await
            .expect("connect to the test database");
        db.migrate().await.expect("migrate");
        if self.demo {
            pmf_store::demo::load(&db, self.now)
                .await
                .expect("load demo data");
        }
        let clock = Arc::new(FixedClock::new(self.now));
        let server = api::Server::bind(
            "127.0.0.1:0".parse().expect("address"),
            db.clone(),
            clock.clone(),
            PUBLIC_URL.into(),
            Duration::from_secs(30),
        )
        .await
        .expect("bind");
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            db,
            clock,
            client: reqwest::Client::new(),
            stop: Some(stop),
            handle: Some(handle),
            fresh,
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Database,
    pub clock: Arc<FixedClock>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub fresh: FreshDb,
}

/// Who sends a request.
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    Token(&'a str),
    Public(&'a str),
    Nobody,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            now: default_now(),
            demo: false,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Posts a GraphQL document and returns the whole JSON response.
    pub async fn graphql(&self, caller: Caller<'_>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        request = match caller {
            Caller::Token(t) => request.bearer_auth(t),
            Caller::Public(slug) => request.header("X-Organisation", slug),
            Caller::Nobody => request,
        };
        let response = request.send().await.expect("request");
        response.json().await.expect("a JSON response")
    }

    /// Like `graphql`, but fails the test on any error and returns `data`.
    pub async fn data(&self, caller: Caller<'_>, query: &str, variables: Value) -> Value {
        let body = self.graphql(caller, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// A new token for a user of an organisation (as `api token` makes).
    pub async fn token(&self, slug: &str, email: &str) -> String {
        let email = pmf_core::Email::parse(email).expect("valid e-mail");
        pmf_store::organisations::issue_token(&self.db, slug, &email, "test", self.clock_now())
            .await
            .expect("issue a token")
            .1
    }

    /// Creates a council with an ADMIN and returns the admin's token.
    pub async fn bootstrap(&self, name: &str, slug: &str, admin_email: &str) -> String {
        let slug = pmf_core::Slug::parse(slug).expect("valid slug");
        let email = pmf_core::Email::parse(admin_email).expect("valid e-mail");
        pmf_store::organisations::bootstrap(
            &self.db,
            name,
            &slug,
            &email,
            "Admin",
            self.clock_now(),
        )
        .await
        .expect("bootstrap")
        .token
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use pmf_core::Clock;
        self.clock.now()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
        self.db.conn.clone().close().await.ok();
    }
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error code>")
}
