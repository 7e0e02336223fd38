//! A database that cannot be reached or refuses us: the error says where and why, within
//! the connect timeout, never with the password.
use std::time::{Duration, Instant};

use pmf_store::{Database, StoreError};
use pmf_tests::FreshDb;

async fn refusal(url: &str) -> (String, String) {
    let started = Instant::now();
    let error = Database::connect(url)
        .await
        .expect_err("the connection must fail");
    // Generous: the point is that it ends, not how fast (that is for benchmarks).
    assert!(started.elapsed() < Duration::from_secs(20), "{error}");
    match error {
        StoreError::Connect { target, cause } => (target, cause),
        other => panic!("not a connection error: {other:?}"),
    }
}

#[tokio::test]
async fn a_closed_port_is_named_with_host_port_and_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://pmf:hunter2-secret@127.0.0.1:{port}/pmf");
    let (target, cause) = refusal(&url).await;
    assert_eq!(target, format!("127.0.0.1:{port}"));
    assert!(cause.starts_with("connection refused"), "{cause}");
    let message = Database::connect(&url).await.unwrap_err().to_string();
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn an_unknown_role_is_an_authentication_failure_without_the_password() {
    let fresh = FreshDb::create().await;
    if !fresh.is_postgres() {
        return; // PostgreSQL only: SQLite has no roles.
    }
    let (head, rest) = fresh.url.split_once("://").unwrap();
    let host_and_db = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let url = format!("{head}://pmf_nobody:hunter2-secret@{host_and_db}");
    let (target, cause) = refusal(&url).await;
    assert!(target.contains(':'), "host:port: {target}");
    assert!(
        cause.starts_with("authentication failed") && cause.contains("pmf_nobody"),
        "{cause}"
    );
    assert!(!cause.contains("hunter2"), "{cause}");
}

#[tokio::test]
async fn a_sqlite_file_that_cannot_be_opened_is_named() {
    let url = "sqlite:///nonexistent-pmf-directory/pmf.db?mode=rwc";
    let (target, cause) = refusal(url).await;
    assert_eq!(target, url);
    assert!(cause.contains("unable to open"), "{cause}");
}
