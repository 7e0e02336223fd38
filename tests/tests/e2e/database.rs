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

/// What one request of the load got back.
#[derive(Debug)]
enum Answer {
    Ok,
    /// Errors: their codes and messages.
    Failed(Vec<(String, String)>),
}

const READ: &str =
    "{ indicators(first: 20) { edges { node { ref result(period: \"2025-10\") { status } } } } }";

/// Eight clients, six reading and two recording values, until `stop`; every answer goes to
/// `answers`. Anything but a JSON answer (a reset connection, a panic's empty reply) fails
/// the test.
fn load(
    app: &std::sync::Arc<pmf_tests::TestApp>,
    token: &str,
    indicator: &str,
    stop: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    answers: &std::sync::Arc<std::sync::Mutex<Vec<Answer>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    use std::sync::atomic::Ordering;
    (0..8)
        .map(|client| {
            let (app, token, indicator) = (app.clone(), token.to_string(), indicator.to_string());
            let (stop, answers) = (stop.clone(), answers.clone());
            tokio::spawn(async move {
                let mut n = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let (query, variables) = if client < 6 {
                        (READ, serde_json::json!({}))
                    } else {
                        (
                            crate::e2e::fixtures::RECORD,
                            serde_json::json!({ "input": {
                                // Each writer its own period: no CONFLICT between them.
                                "indicatorId": indicator,
                                "period": if client == 6 { "2025-09" } else { "2025-10" },
                                "value": 90.0 + f64::from(n % 10), "commentary": "noted"
                            }}),
                        )
                    };
                    let response = app
                        .client
                        .post(app.url("/graphql"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "query": query, "variables": variables }))
                        .send()
                        .await
                        .expect("an answer, never a dropped connection");
                    let body: serde_json::Value = response.json().await.expect("a JSON answer");
                    let answer = match body["errors"].as_array() {
                        None => Answer::Ok,
                        Some(errors) => Answer::Failed(
                            errors
                                .iter()
                                .map(|e| {
                                    (
                                        e["extensions"]["code"].as_str().unwrap_or("").into(),
                                        e["message"].as_str().unwrap_or("").into(),
                                    )
                                })
                                .collect(),
                        ),
                    };
                    answers.lock().unwrap().push(answer);
                }
            })
        })
        .collect()
}

/// Waits (up to 60 s) until `answers` holds `n` more answers matching `which` than `from`.
async fn until_answers(
    answers: &std::sync::Mutex<Vec<Answer>>,
    from: usize,
    n: usize,
    which: fn(&Answer) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = answers.lock().unwrap()[from..]
            .iter()
            .filter(|a| which(a))
            .count();
        if got >= n {
            return;
        }
        assert!(Instant::now() < deadline, "only {got} of {n} answers");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (up to 60 s) until `GET /ready` answers `status`.
async fn until_ready_is(app: &pmf_tests::TestApp, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = app.client.get(app.url("/ready")).send().await.unwrap();
        if got.status().as_u16() == status {
            return;
        }
        assert!(Instant::now() < deadline, "/ready still {}", got.status());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every failure is INTERNAL with nothing of the database in its message.
fn assert_failures_are_clean(answers: &[Answer]) {
    for answer in answers {
        if let Answer::Failed(errors) = answer {
            for (code, message) in errors {
                assert_eq!(code, "INTERNAL", "{message}");
                for leak in [
                    "SELECT",
                    "INSERT",
                    "UPDATE",
                    "sqlx",
                    "pool",
                    "127.0.0.1",
                    "postgres",
                ] {
                    assert!(!message.contains(leak), "{message}");
                }
            }
        }
    }
}

/// The database unreachable under load (PostgreSQL: SQLite is a file in the process). The
/// api reaches PostgreSQL through the test's own TCP proxy; while eight clients read and
/// write, the proxy is cut, then restored; then every connection of the api is ended with
/// `pg_terminate_backend`. Requests meanwhile fail cleanly (INTERNAL, no SQL, never a dropped
/// connection), `/ready` says not ready while the database cannot be reached, and the api
/// recovers by itself, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_unreachable_under_load_fails_cleanly_and_the_api_recovers() {
    use crate::e2e::fixtures::*;
    use std::sync::{Arc, Mutex, atomic::AtomicBool};
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return; // PostgreSQL only (CI runs the suite on both): a SQLite file has no network.
    }
    let app = Arc::new(pmf_tests::TestApp::builder().through_proxy().start().await);
    let token = app
        .bootstrap("Breckland Council", "breckland", "perf@breckland.example")
        .await;
    let plan = create_plan(&app, &token, true).await;
    let priority = create_priority(&app, &token, &plan, "P1").await;
    let indicator = create_indicator(
        &app,
        &token,
        serde_json::json!({
            "priorityId": priority, "ref": "1.1", "title": "Invoices paid on time",
            "unit": "PERCENT", "polarity": "HIGHER_IS_BETTER", "frequency": "MONTHLY"
        }),
    )
    .await;
    set_target(&app, &token, &indicator, "2025-26", 95.0).await;
    let proxy = app.proxy.as_ref().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let clients = load(&app, &token, &indicator, &stop, &answers);
    let ok = |a: &Answer| matches!(a, Answer::Ok);
    let failed = |a: &Answer| matches!(a, Answer::Failed(_));
    let oks = |answers: &[Answer]| answers.iter().filter(|a| ok(a)).count();
    until_answers(&answers, 0, 40, ok).await;

    // Cut: requests fail, /ready says so.
    proxy.cut();
    let cut_at = answers.lock().unwrap().len();
    until_ready_is(&app, 503).await;
    until_answers(&answers, cut_at, 8, failed).await;
    let ready = app.client.get(app.url("/ready")).send().await.unwrap();
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "status": "unavailable", "database": "unreachable" })
    );

    // Restored: the api finds its database again by itself.
    proxy.restore();
    until_ready_is(&app, 200).await;
    let restored_at = answers.lock().unwrap().len();
    until_answers(&answers, restored_at, 40, ok).await;

    // Every connection of the api ended by the server.
    let admin = Database::connect(&app.fresh.url).await.unwrap();
    let db_name = app.fresh.url.rsplit('/').next().unwrap().to_string();
    use sea_orm::ConnectionTrait;
    let ended = admin
        .conn
        .query_all_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            [db_name.into()],
        ))
        .await
        .unwrap();
    assert!(!ended.is_empty(), "the api had connections to end");
    let terminated_at = answers.lock().unwrap().len();
    until_answers(&answers, terminated_at, 40, ok).await;
    until_ready_is(&app, 200).await;

    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for client in clients {
        client.await.expect("a client of the load ended cleanly");
    }
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    assert_failures_are_clean(&answers);
    assert!(oks(&answers[restored_at..]) >= 80);
    // Reads and writes both work again: the last value recorded is the one stored.
    let after = app
        .data(
            pmf_tests::Caller::Token(&token),
            RECORD,
            serde_json::json!({ "input": {
                "indicatorId": indicator, "period": "2025-10", "value": 97.5, "commentary": "noted"
            }}),
        )
        .await;
    assert_eq!(after["recordMeasurement"]["actual"], 97.5);
    let app = Arc::into_inner(app).expect("the clients have ended");
    app.stop().await;
}

/// The outbox's bodies are compressed with LZ4 on PostgreSQL (a deadline-morning sweep writes
/// tens of thousands of them); going down restores the default. SQLite has nothing to change:
/// the migration is recorded and the columns are the same text columns.
#[tokio::test]
async fn the_outbox_bodies_are_compressed_with_lz4_on_postgresql() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let fresh = FreshDb::create().await;
    let db = Database::connect(&fresh.url).await.expect("connect");
    db.migrate().await.expect("up");
    let compression = |column: &'static str| {
        let conn = &db.conn;
        async move {
            let row = conn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!(
                        "SELECT attcompression::text AS c FROM pg_attribute \
                         WHERE attrelid = 'notifications'::regclass AND attname = '{column}'"
                    ),
                ))
                .await
                .expect("pg_attribute")
                .expect("the column");
            row.try_get::<String>("", "c").expect("attcompression")
        }
    };
    if db.conn.get_database_backend() == DbBackend::Postgres {
        assert_eq!(compression("body_html").await, "l");
        assert_eq!(compression("body_text").await, "l");
        let steps = pmf_tests::steps_down_through("m20270310_000001_outbox_lz4");
        Migrator::down(&db.conn, Some(steps)).await.expect("down");
        assert_eq!(compression("body_html").await, "");
        db.migrate().await.expect("up again");
        assert_eq!(compression("body_html").await, "l");
    } else {
        let applied: Vec<String> = Migrator::get_applied_migrations(&db.conn)
            .await
            .expect("applied")
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        assert!(applied.iter().any(|n| n == "m20270310_000001_outbox_lz4"));
        db.conn
            .execute_unprepared("SELECT body_text, body_html FROM notifications")
            .await
            .expect("the bodies are still there");
    }
}
