//! A real OpenID provider for the tests: `tests/node/oidc-provider.mjs` (panva's
//! oidc-provider) as a child process, and a cookie-keeping HTTP client that walks its
//! redirects as a browser would.
//!
//! ```ignore
//! let idp = OidcProvider::start(json!({
//!     "issuerPath": "/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
//!     "clients": [{ "client_id": "council-app", "client_secret": "secret",
//!                   "redirect_uris": ["http://127.0.0.1:9/auth/oidc/callback"] }],
//!     "accounts": [{ "sub": "alice-sub", "email": "alice@council.example" }],
//! })).await;
//! let browser = SignInBrowser::new();
//! let callback: reqwest::Url = browser.follow(&authorize_url, "http://127.0.0.1:9/auth/oidc/callback").await;
//! idp.tamper_next_id_token(json!({ "nonce": "wrong" })).await;
//! ```
//!
//! The provider is started with a piped stdin that this handle keeps open: dropping the
//! handle closes it and kills the process, and a test that dies takes the provider with it.
//! Its stderr is collected and shown when it fails to start (and by `stderr()`). Needs Node
//! 20.18+ (`NODE` picks the binary) and `npm ci --prefix tests/node`; a missing one is a panic
//! that says so. The README of `tests/node` documents the config and the test endpoints.
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, ChildStdin},
};

const START_TIMEOUT: Duration = Duration::from_secs(30);
const INSTALL: &str = "the OIDC tests need Node.js 20.18+ and the packages of tests/node: \
                       `npm ci --prefix tests/node`";

/// A running `oidc-provider.mjs`; stops when dropped.
pub struct OidcProvider {
    /// As printed by the provider: `http://127.0.0.1:PORT` + the config's `issuerPath`.
    pub issuer: String,
    pub port: u16,
    control: reqwest::Client,
    stderr: Arc<Mutex<String>>,
    config_file: PathBuf,
    // Keeping stdin open keeps the provider alive; the child is killed on drop as well.
    _stdin: ChildStdin,
    _child: Child,
}

impl OidcProvider {
    /// Starts the provider with `config` (see tests/node/README.md; `port` defaults to 0,
    /// a free port) and waits for its line on stdout.
    pub async fn start(config: Value) -> Self {
        let tools = workspace_root().join("tests/node");
        check_packages(&tools);
        let config_file = write_config(&config);
        let node = std::env::var_os("NODE")
            .filter(|n| !n.is_empty())
            .map_or_else(|| PathBuf::from("node"), PathBuf::from);
        let mut child = tokio::process::Command::new(&node)
            .arg(tools.join("oidc-provider.mjs"))
            .arg(&config_file)
            .current_dir(&tools)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {} ({e}): {INSTALL}", node.display()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_pipe = child.stderr.take().expect("piped stderr");

        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr_pipe).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut text = sink.lock().unwrap_or_else(|p| p.into_inner());
                text.push_str(&line);
                text.push('\n');
            }
        });

        let mut stdout = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(START_TIMEOUT, stdout.next_line()).await;
        let seen_stderr = || stderr.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let line = match first {
            Ok(Ok(Some(line))) => line,
            Ok(_) => panic!(
                "oidc-provider.mjs exited before it listened; its stderr:\n{}",
                seen_stderr()
            ),
            Err(_) => panic!(
                "oidc-provider.mjs did not listen within {START_TIMEOUT:?}; its stderr:\n{}",
                seen_stderr()
            ),
        };
        // Keep reading stdout so the provider never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        let ready: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("oidc-provider.mjs printed {line:?}, not JSON: {e}"));
        let issuer = ready["issuer"]
            .as_str()
            .expect("the provider's line has an issuer")
            .to_string();
        let port = ready["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .expect("the provider's line has a port");
        Self {
            issuer,
            port,
            control: reqwest::Client::new(),
            stderr,
            config_file,
            _stdin: stdin,
            _child: child,
        }
    }

    /// `http://127.0.0.1:PORT` + `path` (the test endpoints are at the root, not the issuer).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the provider wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `POST /__test/next-id-token`: the next ID token gets these claims (`null` deletes
    /// one, `"expired": true` moves `iat`/`exp` into the past) and is re-signed.
    pub async fn tamper_next_id_token(&self, changes: Value) -> Value {
        self.control("/__test/next-id-token", changes).await
    }

    /// `POST /__test/account`: adds an account or changes its claims.
    pub async fn update_account(&self, account: Value) -> Value {
        self.control("/__test/account", account).await
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .control
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path} to the OIDC provider: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.config_file);
    }
}

/// A browser without a page: a cookie store and manual redirects.
pub struct SignInBrowser {
    client: reqwest::Client,
}

impl Default for SignInBrowser {
    fn default() -> Self {
        Self::new()
    }
}

impl SignInBrowser {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .expect("an HTTP client"),
        }
    }

    /// Follows the redirects from `start` (relative `Location`s included) until one points
    /// under `redirect_uri`, and returns that URL (with `code`, `state`, `iss` or `error`),
    /// without requesting it. Panics on a page that is not a redirect, or after 20 hops.
    pub async fn follow(&self, start: &str, redirect_uri: &str) -> reqwest::Url {
        let mut url = reqwest::Url::parse(start).expect("an absolute start URL");
        for _ in 0..20 {
            let response = self
                .client
                .get(url.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"));
            let status = response.status();
            if !status.is_redirection() {
                let body = response.text().await.unwrap_or_default();
                panic!("GET {url} answered {status}, not a redirect:\n{body}");
            }
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or_else(|| panic!("GET {url}: {status} without a Location"))
                .to_string();
            let next = url
                .join(&location)
                .unwrap_or_else(|e| panic!("GET {url}: bad Location {location:?}: {e}"));
            if next.as_str().starts_with(redirect_uri) {
                return next;
            }
            url = next;
        }
        panic!("more than 20 redirects from {start} without reaching {redirect_uri}");
    }
}

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

fn check_packages(tools: &Path) {
    for package in ["oidc-provider", "jose"] {
        let manifest = tools
            .join("node_modules")
            .join(package)
            .join("package.json");
        assert!(
            manifest.is_file(),
            "{package} is not in tests/node/node_modules: {INSTALL}"
        );
    }
}

fn write_config(config: &Value) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "pmf-oidc-provider-{}-{}.json",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(config).expect("config as JSON"),
    )
    .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}
