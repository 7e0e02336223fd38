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
pub mod proxy;
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
    own_public_url: bool,
    auth_rate: api::sign_in::AuthRateLimit,
    smtp_url: Option<String>,
    cost_limits: Option<api::graphql::cost::CostLimits>,
    through_proxy: bool,
}

impl TestAppBuilder {
    pub fn at(mut self, now: &str) -> Self {
        self.now = now.parse().expect("an RFC 3339 time");
        self
    }

    /// `PUBLIC_URL` is the server's own address (`http://127.0.0.1:PORT`), as for a browser
    /// that signs in: the cross-site guard and the links in mails then point at it.
    pub fn own_public_url(mut self) -> Self {
        self.own_public_url = true;
        self
    }

    /// The per-client-address limit on `POST /auth/*` (the tests' default is generous: they
    /// all come from 127.0.0.1).
    pub fn auth_rate(mut self, per_minute: u32, burst: u32) -> Self {
        self.auth_rate = api::sign_in::AuthRateLimit { per_minute, burst };
        self
    }

    /// Sign-in mail through this SMTP server (`SMTP_URL`) instead of files in `MAIL_DIR`.
    pub fn sign_in_mail_by_smtp(mut self, url: String) -> Self {
        self.smtp_url = Some(url);
        self
    }

    /// Node limits other than the defaults.
    pub fn cost_limits(mut self, staff: usize, public: usize) -> Self {
        self.cost_limits = Some(api::graphql::cost::CostLimits { staff, public });
        self
    }

    /// PostgreSQL only: the api reaches its database through a [`proxy::TcpProxy`] the test
    /// can cut and restore (`app.proxy`). The test's own `app.fresh.url` stays direct.
    pub fn through_proxy(mut self) -> Self {
        self.through_proxy = true;
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
        let proxy = if self.through_proxy {
            assert!(
                fresh.is_postgres(),
                "a proxy stands in front of PostgreSQL only"
            );
            let (template, upstream) =
                proxy::TcpProxy::rewrite(&fresh.url).expect("a PostgreSQL URL");
            let proxy = proxy::TcpProxy::start(upstream).await;
            let url = template.replace("{PROXY}", &proxy.addr.to_string());
            db.conn.clone().close().await.ok();
            Some((
                Database::connect(&url)
                    .await
                    .expect("connect through the proxy"),
                proxy,
            ))
        } else {
            None
        };
        let (db, proxy) = match proxy {
            Some((db, proxy)) => (db, Some(proxy)),
            None => (db, None),
        };
        let clock = Arc::new(FixedClock::new(self.now));
        let mut addr: SocketAddr = "127.0.0.1:0".parse().expect("address");
        let public_url = if self.own_public_url {
            // Take a free port, then bind the server to it.
            let probe = std::net::TcpListener::bind(addr).expect("a free port");
            addr = probe.local_addr().expect("its address");
            drop(probe);
            format!("http://{addr}")
        } else {
            PUBLIC_URL.to_string()
        };
        let mail_dir = std::env::temp_dir().join(format!(
            "pmf-test-mail-{}-{}",
            std::process::id(),
            MAIL_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&mail_dir);
        let server = api::Server::bind(
            addr,
            db.clone(),
            clock.clone(),
            public_url.clone(),
            Duration::from_secs(30),
        )
        .await
        .expect("bind")
        .with_sign_in({
            let mut settings = api::sign_in::SignInSettings {
                rate: self.auth_rate,
                ..api::sign_in::SignInSettings::with_mail_dir(&mail_dir)
            };
            if let Some(url) = self.smtp_url {
                settings.mail.target = pmf_mail::MailTarget::Smtp(url);
            }
            settings
        })
        .expect("sign-in settings")
        .with_cost_limits(self.cost_limits.unwrap_or_default());
        let addr = server.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        TestApp {
            addr,
            db,
            clock,
            public_url,
            mail_dir,
            client: reqwest::Client::new(),
            browser: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            stop: Some(stop),
            handle: Some(handle),
            fresh,
            proxy,
        }
    }
}

/// A new folder of sign-in mail for each app.
static MAIL_DIRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Database,
    pub clock: Arc<FixedClock>,
    /// Its `PUBLIC_URL`.
    pub public_url: String,
    /// A client that does not follow redirects (to see the `/auth` routes' 303s).
    pub browser: reqwest::Client,
    /// Where its sign-in mail is written (`MAIL_DIR`).
    pub mail_dir: std::path::PathBuf,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    pub fresh: FreshDb,
    /// The proxy between the api and its database ([`TestAppBuilder::through_proxy`]).
    pub proxy: Option<proxy::TcpProxy>,
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
            own_public_url: false,
            auth_rate: api::sign_in::AuthRateLimit {
                per_minute: 6000,
                burst: 1000,
            },
            smtp_url: None,
            cost_limits: None,
            through_proxy: false,
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

    /// The sign-in mails written so far to `to`, oldest first, each decoded to text.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.mail_dir) else {
            return Vec::new();
        };
        let mut found: Vec<(std::time::SystemTime, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| {
                let raw = std::fs::read_to_string(e.path()).ok()?;
                let when = e.metadata().ok()?.modified().ok()?;
                let mail = smtp::Received {
                    from: String::new(),
                    to: Vec::new(),
                    raw: raw.replace("\r\n", "\n").replace('\n', "\r\n"),
                };
                let addressed = mail.header("To").is_some_and(|t| t.contains(to));
                addressed.then(|| (when, mail.text()))
            })
            .collect();
        found.sort_by_key(|(when, _)| *when);
        found.into_iter().map(|(_, text)| text).collect()
    }

    /// Waits (up to 10 s, for the mail written after the answer) until `to` has `count`
    /// sign-in mails, and returns the link of the last.
    pub async fn sign_in_link(&self, to: &str, count: usize) -> String {
        for _ in 0..200 {
            let mails = self.mails_to(to);
            if mails.len() >= count {
                return link_in(mails.last().expect("a mail"))
                    .unwrap_or_else(|| panic!("no sign-in link in {:?}", mails.last()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no sign-in mail to {to} in 10 s");
    }

    /// Signs `email` in through the e-mailed link, as a browser would; returns the session
    /// cookie's value.
    pub async fn sign_in(&self, email: &str) -> String {
        let before = self.mails_to(email).len();
        let answer = self
            .client
            .post(self.url("/auth/email"))
            .header("Origin", self.public_url.as_str())
            .form(&[("email", email)])
            .send()
            .await
            .expect("POST /auth/email");
        assert_eq!(answer.status(), 200, "POST /auth/email");
        let link = self.sign_in_link(email, before + 1).await;
        let token = token_of(&link);
        let answer = self
            .browser
            .post(self.url("/auth/email/confirm"))
            .header("Origin", self.public_url.as_str())
            .form(&[("token", token.as_str())])
            .send()
            .await
            .expect("POST /auth/email/confirm");
        assert_eq!(answer.status(), 303, "POST /auth/email/confirm");
        session_cookie(&answer).expect("a session cookie")
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
/// How many migrations `Migrator::down` must undo to undo the one named and every later one
/// (as an existing database is taken back to before it).
pub fn steps_down_through(name: &str) -> u32 {
    use migration::MigratorTrait;
    let position = migration::Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(position + 1).expect("a handful of migrations")
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error code>")
}

/// The sign-in link in a mail's text.
pub fn link_in(mail: &str) -> Option<String> {
    mail.split_whitespace()
        .find(|w| w.contains("/auth/email/confirm?token="))
        .map(|w| {
            w.trim_matches(|c| c == '<' || c == '>' || c == '"')
                .to_string()
        })
}

/// The `token` of a sign-in link.
pub fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("a token in the link")
        .split(['&', '"'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The value of the `pmf_session` cookie an answer sets (empty when it clears it).
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("pmf_session="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}
