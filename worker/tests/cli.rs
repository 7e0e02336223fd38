//! The `worker` binary as an operator runs it: `tick --at [--dry-run]`, and `run` until
//! SIGTERM. Mail goes to `.eml` files (no `SMTP_URL`).
use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use pmf_store::{
    Database,
    entity::notification,
    outbox::{self, NewMessage},
    testing::FreshDb,
};
use sea_orm::EntityTrait;

fn mail_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pmf-worker-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

fn worker(db: &FreshDb, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
    cmd.env("DATABASE_URL", &db.url)
        .env("MAIL_DIR", dir)
        .env("PUBLIC_URL", "https://performance.breckland.example/")
        .env("MAIL_FROM", "Performance <performance@breckland.example>")
        .env_remove("SMTP_URL")
        .env_remove("LOG_FORMAT");
    cmd
}

/// A new council (Breckland), and its id.
async fn a_council(db: &FreshDb, at: DateTime<Utc>) -> (Database, i64) {
    let conn = Database::connect(&db.url).await.unwrap();
    conn.migrate().await.unwrap();
    let slug = pmf_core::Slug::parse("breckland").unwrap();
    let email = pmf_core::Email::parse("perf@breckland.example").unwrap();
    pmf_store::organisations::bootstrap(&conn, "Breckland Council", &slug, &email, "Pat Admin", at)
        .await
        .unwrap();
    let org = pmf_store::entity::organisation::Entity::find()
        .one(&conn.conn)
        .await
        .unwrap()
        .unwrap();
    (conn, org.id)
}

/// A council with one message waiting in the outbox.
async fn council_with_a_message(db: &FreshDb, queued_at: DateTime<Utc>) -> Database {
    let (conn, org_id) = a_council(db, queued_at).await;
    outbox::enqueue(
        &conn.conn,
        NewMessage {
            organisation_id: org_id,
            recipient_id: None,
            recipient_email: "perf@breckland.example".into(),
            kind: outbox::KIND_ALERT,
            dedupe_key: "cli-test".into(),
            subject: "Breckland Council: RED: 1.1 Test, 2025-10".into(),
            // As rendered: links complete, sent as they are.
            body_text: "See https://performance.breckland.example/#/indicators/1".into(),
            body_html:
                "<p><a href=\"https://performance.breckland.example/#/indicators/1\">1.1</a></p>"
                    .into(),
            status: outbox::PENDING,
        },
        queued_at,
    )
    .await
    .unwrap();
    conn
}

async fn the_row(conn: &Database) -> notification::Model {
    notification::Entity::find()
        .one(&conn.conn)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn tick_and_dry_run_work_as_documented() {
    let db = FreshDb::create().await;
    let conn = council_with_a_message(&db, "2025-11-10T07:00:00Z".parse().unwrap()).await;
    let dir = mail_dir("tick");

    let dry = worker(&db, &dir)
        .args(["tick", "--at", "2025-11-10T08:00:00Z", "--dry-run"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        out.contains("dry run: nothing was changed or sent; 1 message(s) would be sent"),
        "{out}"
    );
    assert!(out.contains("=== To: perf@breckland.example"), "{out}");
    assert!(
        out.contains("See https://performance.breckland.example/#/indicators/1"),
        "{out}"
    );
    assert!(eml_files(&dir).is_empty());
    assert_eq!(the_row(&conn).await.status, "PENDING");

    let real = worker(&db, &dir)
        .args(["tick", "--at", "2025-11-10T08:00:00Z"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&real.stdout);
    assert!(
        real.status.success(),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert!(out.contains("sweep breckland 2025-11-10: Done"), "{out}");
    assert!(
        out.contains("delivered: 1 sent, 0 to retry, 0 dead"),
        "{out}"
    );
    let files = eml_files(&dir);
    assert_eq!(files.len(), 1);
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        eml.contains("Subject: Breckland Council: RED: 1.1 Test, 2025-10"),
        "{eml}"
    );
    assert!(eml.contains("<performance@breckland.example>"), "{eml}");
    let row = the_row(&conn).await;
    assert_eq!(row.status, "SENT");
    assert!(
        eml.contains(row.message_id.as_deref().unwrap()),
        "the Message-ID is recorded"
    );

    let again = worker(&db, &dir)
        .args(["tick", "--at", "2025-11-10T08:05:00Z"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("delivered: 0 sent"));
    assert_eq!(eml_files(&dir).len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_refused_with_the_setting_or_option_named() {
    let bad_at = Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["tick", "--at", "tomorrow"])
        .output()
        .unwrap();
    assert!(!bad_at.status.success());
    assert!(String::from_utf8_lossy(&bad_at.stderr).contains("--at"));
    let bad_smtp = Command::new(env!("CARGO_BIN_EXE_worker"))
        .env("SMTP_URL", "smtp://mailer:hunter2@mail.example?tls=always")
        .args(["tick", "--at", "2025-11-10T08:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(bad_smtp.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad_smtp.stderr);
    assert!(
        err.contains("SMTP_URL") && !err.contains("hunter2"),
        "{err}"
    );
}

#[tokio::test]
async fn run_delivers_within_seconds_and_stops_cleanly_on_sigterm() {
    let db = FreshDb::create().await;
    let conn = council_with_a_message(&db, Utc::now() - chrono::Duration::minutes(1)).await;
    let dir = mail_dir("run");
    let mut child = worker(&db, &dir)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while eml_files(&dir).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(eml_files(&dir).len(), 1, "delivered by the running worker");
    // The file is written before the row is marked: wait for the mark too.
    while the_row(&conn).await.status != "SENT" && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(the_row(&conn).await.status, "SENT");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("worker did not stop on SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_that_refuses_is_named_once_with_the_cause_and_no_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for args in [&["run"][..], &["tick", "--at", "2025-11-10T08:00:00Z"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_worker"))
            .env(
                "DATABASE_URL",
                format!("postgres://pmf:hunter2-secret@127.0.0.1:{port}/pmf"),
            )
            .env_remove("SMTP_URL")
            .env_remove("LOG_FORMAT")
            .env("MAIL_DIR", mail_dir("refused"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The connect timeout is 5 s; this limit only stops a hung test.
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} still running");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!("127.0.0.1:{port}")) && first.contains("refused"),
            "{args:?}: the first line names the host and the cause: {stderr}"
        );
        assert_eq!(stderr.matches("refused").count(), 1, "said once: {stderr}");
        assert!(!stderr.contains("pool timed out"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{args:?}: {stderr}");
    }
}

/// Sends SIGTERM to `child` and waits (at most 20 s) for it to end.
fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One worker per SQLite file: a second `run` refuses naming the file; a `tick` waits for
/// the running one and goes on once it has stopped.
#[test]
fn one_worker_per_sqlite_file() {
    use std::io::{BufRead, BufReader};
    let dir = mail_dir("lock");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("pmf.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let lock = dir.join("pmf.db.worker-lock");
    let worker_on = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_worker"));
        cmd.env("DATABASE_URL", &url)
            .env("MAIL_DIR", dir.join("mail"))
            .env_remove("SMTP_URL")
            .env_remove("LOG_FORMAT")
            .args(args);
        cmd
    };
    let mut first = worker_on(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its log, read on a thread (so it never blocks writing), line by line.
    let (log_tx, log) = std::sync::mpsc::channel::<String>();
    let first_stderr = first.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(first_stderr).lines().map_while(Result::ok) {
            let _ = log_tx.send(line);
        }
    });
    // Running (past its start-up, so it handles SIGTERM), holding the lock.
    loop {
        let line = log
            .recv_timeout(Duration::from_secs(30))
            .expect("the first worker starts");
        if line.contains("worker running") {
            break;
        }
    }
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap().trim(),
        first.id().to_string(),
        "the lock file names the worker holding it"
    );

    let second = worker_on(&["run"]).output().unwrap();
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another worker is running on the SQLite database")
            && err.contains(&file.display().to_string())
            && err.contains(&format!("process {}", first.id())),
        "{err}"
    );

    let mut tick = worker_on(&["tick", "--at", "2025-11-10T08:00:00Z"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(tick.stderr.take().unwrap()).lines();
    let said = stderr
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("waiting for it to stop"));
    assert!(said.is_some(), "tick says it waits");
    assert!(tick.try_wait().unwrap().is_none(), "and it is waiting");

    assert!(stop(&mut first).success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = tick.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = tick.kill();
            panic!("tick did not go on after the worker stopped");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest: Vec<String> = stderr.map_while(Result::ok).collect();
    assert!(status.success(), "{rest:?}");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut tick.stdout.take().unwrap(), &mut out).unwrap();
    assert!(out.contains("delivered: 0 sent"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A relay of the test's own that takes `delay` to accept each message, and keeps the
/// Subject and Message-ID of every message it accepted (a relay slow enough that a worker
/// can be killed in the middle of a batch).
struct SlowRelay {
    url: String,
    accepted: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

#[derive(Clone)]
struct SlowHandler {
    delay: Duration,
    data: Vec<u8>,
    accepted: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl mailin_embedded::Handler for SlowHandler {
    fn mail(&mut self, _: std::net::IpAddr, _: &str, _: &str) -> mailin_embedded::Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        // The relay's own work (a real one scans, queues and writes to disk first).
        std::thread::sleep(self.delay);
        let raw = String::from_utf8_lossy(&self.data);
        let header = |name: &str| {
            raw.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let message = (header("Subject:"), header("Message-ID:"));
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
        mailin_embedded::response::OK
    }
}

impl SlowRelay {
    fn start(delay: Duration) -> SlowRelay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let accepted = std::sync::Arc::default();
        let handler = SlowHandler {
            delay,
            data: Vec::new(),
            accepted: std::sync::Arc::clone(&accepted),
        };
        std::thread::spawn(move || {
            let mut server = mailin_embedded::Server::new(handler);
            server
                .with_name("slow.test")
                .with_num_threads(8)
                .with_tcp_listener(listener);
            let _ = server.serve();
        });
        SlowRelay { url, accepted }
    }

    fn accepted(&self) -> Vec<(String, String)> {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// On PostgreSQL, a statement the killed worker had sent (marking a message SENT, say) still
/// runs to its end in its server session after the process is gone: wait until every session
/// the worker opened has ended, so that what the test reads is all the worker did.
async fn killed_workers_sessions_ended(conn: &Database, spawned: DateTime<Utc>) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if conn.kind != pmf_store::DbKind::Postgres {
        return; // SQLite: a killed process writes nothing more.
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let row = conn
            .conn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND backend_start >= $1",
                [spawned.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        let open: i64 = row.try_get("", "n").unwrap();
        if open == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the killed worker's {open} sessions never ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A worker killed with SIGKILL in the middle of a batch loses nothing: what it had claimed
/// stays under its lease (nobody else sends it meanwhile, nothing is marked FAILED or DEAD),
/// and once the lease is over (`tick --at` eleven minutes ahead rather than waiting) the next
/// worker delivers the rest. The only repeats are the messages the relay had accepted when
/// the worker died, before it could mark them SENT (ARCHITECTURE, "Delivery"): at most one
/// per connection, each with the same Message-ID.
#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_what_was_in_flight() {
    const MESSAGES: usize = 30;
    const CONNECTIONS: usize = 2;
    let db = FreshDb::create().await;
    // The first worker runs as of now, so its lease runs from now (real time).
    let now = Utc::now();
    let at = |minutes: i64| (now + chrono::Duration::minutes(minutes)).to_rfc3339();
    let (conn, org_id) = a_council(&db, now - chrono::Duration::minutes(5)).await;
    for i in 0..MESSAGES {
        outbox::enqueue(
            &conn.conn,
            NewMessage {
                organisation_id: org_id,
                recipient_id: None,
                recipient_email: format!("officer{i}@breckland.example"),
                kind: outbox::KIND_REMINDER,
                dedupe_key: format!("killed:{i}"),
                subject: format!("Backlog message {i}"),
                body_text: "text".into(),
                body_html: "<p>html</p>".into(),
                status: outbox::PENDING,
            },
            now - chrono::Duration::minutes(1),
        )
        .await
        .unwrap()
        .unwrap();
    }
    let relay = SlowRelay::start(Duration::from_millis(150));
    let dir = mail_dir("killed");
    let with_relay = |args: &[String]| {
        let mut cmd = worker(&db, &dir);
        cmd.env_remove("MAIL_DIR")
            .env("SMTP_URL", &relay.url)
            .env("SMTP_CONNECTIONS", CONNECTIONS.to_string())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };

    let spawned = Utc::now();
    let mut first = with_relay(&["tick".into(), "--at".into(), at(0)])
        .spawn()
        .unwrap();
    // Killed once a few messages are through: 30 at 150 ms over 2 connections take 2 s.
    let deadline = Instant::now() + Duration::from_secs(60);
    while relay.accepted().len() < 4 {
        assert!(Instant::now() < deadline, "the worker delivers nothing");
        assert!(first.try_wait().unwrap().is_none(), "ended before the kill");
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill().unwrap(); // SIGKILL
    let status = first.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    killed_workers_sessions_ended(&conn, spawned).await;

    let rows = notification::Entity::find().all(&conn.conn).await.unwrap();
    let sent = rows.iter().filter(|r| r.status == outbox::SENT).count();
    assert!(
        sent < MESSAGES,
        "killed in the middle of the batch: {sent} sent"
    );
    for row in rows.iter().filter(|r| r.status != outbox::SENT) {
        assert_eq!(
            (row.status.as_str(), row.attempts),
            (outbox::PENDING, 0),
            "left as it was, under the lease: {row:?}"
        );
        assert!(row.locked_until.is_some_and(|t| t > now), "{row:?}");
    }
    let accepted_at_kill = relay.accepted().len();

    // Within the lease, another worker leaves them alone.
    let during = with_relay(&["tick".into(), "--at".into(), at(5)])
        .status()
        .unwrap();
    assert!(during.success());
    assert_eq!(
        notification::Entity::find()
            .all(&conn.conn)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.status == outbox::SENT)
            .count(),
        sent,
        "nothing sent again while the lease runs"
    );

    // After it, the next worker delivers the rest.
    let after = with_relay(&["tick".into(), "--at".into(), at(11)])
        .status()
        .unwrap();
    assert!(after.success());
    let rows = notification::Entity::find().all(&conn.conn).await.unwrap();
    assert!(
        rows.iter().all(|r| r.status == outbox::SENT),
        "every message sent: {:?}",
        rows.iter()
            .filter(|r| r.status != outbox::SENT)
            .collect::<Vec<_>>()
    );

    let accepted = relay.accepted();
    let mut by_subject: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (subject, message_id) in &accepted {
        by_subject
            .entry(subject.clone())
            .or_default()
            .push(message_id.clone());
    }
    assert_eq!(by_subject.len(), MESSAGES, "none lost: {by_subject:?}");
    let repeated: Vec<_> = by_subject.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(
        repeated.len() <= CONNECTIONS && accepted.len() <= MESSAGES + CONNECTIONS,
        "repeats only of what was in flight when killed: {repeated:?}"
    );
    for (subject, ids) in &repeated {
        assert_eq!(ids.len(), 2, "{subject} at most twice");
        assert_eq!(ids[0], ids[1], "{subject} repeated with its Message-ID");
    }
    // What the relay had when the worker died is what it had accepted by then, or one per
    // connection more (accepted as it died): those are the only possible repeats.
    assert!(accepted_at_kill <= sent + CONNECTIONS + repeated.len());
    for row in &rows {
        let i = row.dedupe_key.trim_start_matches("killed:");
        let ids = &by_subject[&format!("Backlog message {i}")];
        assert_eq!(row.message_id.as_deref(), Some(ids[0].as_str()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
