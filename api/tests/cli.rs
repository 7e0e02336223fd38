//! The `api` binary as an operator runs it: serve, bootstrap, token, print-schema.
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use pmf_store::testing::FreshDb;

fn api(db: &FreshDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
    cmd.env("DATABASE_URL", &db.url)
        .env("PMF_DEMO_DATA", "false")
        .env_remove("LOG_FORMAT");
    cmd
}

fn last_line(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn bootstrap_token_and_serve_work_as_documented() {
    let db = FreshDb::create().await;
    let bootstrap = api(&db)
        .args([
            "bootstrap",
            "--org-name",
            "Breckland Council",
            "--org-slug",
            "breckland",
        ])
        .args([
            "--admin-email",
            "Performance@Breckland.example",
            "--admin-name",
            "Pat Admin",
        ])
        .output()
        .unwrap();
    let admin_token = last_line(&bootstrap);
    assert!(admin_token.starts_with("pmf_"), "{admin_token}");

    let token = api(&db)
        .args([
            "token",
            "--org-slug",
            "breckland",
            "--email",
            "performance@breckland.example",
        ])
        .output()
        .unwrap();
    let second = last_line(&token);
    assert!(second.starts_with("pmf_") && second != admin_token);

    let unknown = api(&db)
        .args([
            "token",
            "--org-slug",
            "breckland",
            "--email",
            "nobody@breckland.example",
        ])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody@breckland.example"));

    let mut server = api(&db)
        .env("PMF_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let rest: Vec<String> = lines.map_while(Result::ok).take(2).collect();
    assert!(
        rest.iter().any(|l| l.contains("token")),
        "it says how to get a token: {rest:?}"
    );
    let client = reqwest::Client::new();
    let health = client.get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let viewer: serde_json::Value = client
        .post(format!("{url}/graphql"))
        .bearer_auth(&second)
        .json(&serde_json::json!({ "query": "{ viewer { email role } organisation { name } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        viewer["data"],
        serde_json::json!({ "viewer": { "email": "performance@breckland.example", "role": "ADMIN" }, "organisation": { "name": "Breckland Council" } })
    );
    // SIGTERM: it finishes and exits cleanly.
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = server.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = exited.unwrap_or_else(|| {
        let _ = server.kill();
        panic!("api did not stop on SIGTERM")
    });
    assert!(status.success(), "{status}");
}

#[test]
fn print_schema_prints_the_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("print-schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        api::graphql::sdl()
    );
}

#[test]
fn a_wrong_setting_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env("PMF_LISTEN", "everywhere")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("PMF_LISTEN"));
}

/// A port on 127.0.0.1 that nothing listens on: bound, then let go.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Runs `cmd` to its end, failing the test if it is still running after `limit`.
fn output_within(mut cmd: Command, limit: Duration) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_database_that_refuses_is_named_once_with_the_cause_and_no_password() {
    let port = closed_port();
    for command in ["serve", "token"] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
        cmd.env(
            "DATABASE_URL",
            format!("postgres://pmf:hunter2-secret@127.0.0.1:{port}/pmf"),
        )
        .env("PMF_LISTEN", "127.0.0.1:0")
        .env_remove("LOG_FORMAT")
        .arg(command);
        if command == "token" {
            cmd.args(["--org-slug", "demo", "--email", "admin@demo.example"]);
        }
        // The connect timeout is 5 s; the limit only stops a hung test.
        let output = output_within(cmd, Duration::from_secs(30));
        assert_eq!(output.status.code(), Some(1), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!("127.0.0.1:{port}")) && first.contains("refused"),
            "{command}: the first line names the host and the cause: {stderr}"
        );
        assert_eq!(
            stderr.matches("refused").count(),
            1,
            "{command}: said once: {stderr}"
        );
        assert_eq!(stderr.matches("cannot connect").count(), 1, "{stderr}");
        assert!(!stderr.contains("pool timed out"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{command}: {stderr}");
    }
}

#[tokio::test]
async fn sso_sets_the_provider_with_the_secret_from_stdin_and_never_prints_it() {
    use std::io::Write;
    let db = FreshDb::create().await;
    let bootstrap = api(&db)
        .args([
            "bootstrap",
            "--org-name",
            "Fenland",
            "--org-slug",
            "fenland",
        ])
        .args(["--admin-email", "a@fenland.example", "--admin-name", "A"])
        .output()
        .unwrap();
    last_line(&bootstrap);
    let tenant = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let mut child = api(&db)
        .env_remove("PMF_SSO_CLIENT_SECRET")
        .env("PUBLIC_URL", "https://performance.fenland.example")
        .args(["sso", "--org-slug", "fenland", "--client-id", "app-1"])
        .args(["--display-name", "Microsoft"])
        .arg(format!(
            "--issuer=https://login.microsoftonline.com/{tenant}/v2.0"
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"very-secret-value\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.contains("https://performance.fenland.example/auth/oidc/callback"),
        "{stdout}"
    );
    assert!(!stdout.contains("very-secret") && !stderr.contains("very-secret"));
    let database = pmf_store::Database::connect(&db.url).await.unwrap();
    let org = pmf_store::organisations::by_slug(&database.conn, "fenland")
        .await
        .unwrap()
        .unwrap();
    let row = pmf_store::sign_in::single_sign_on(&database.conn, org.id)
        .await
        .unwrap()
        .expect("a provider");
    assert_eq!(row.client_secret, "very-secret-value");
    assert_eq!(row.display_name, "Microsoft");

    // A plain-http issuer elsewhere than loopback is refused, and nothing changes.
    let wrong = api(&db)
        .env("PMF_SSO_CLIENT_SECRET", "x")
        .args(["sso", "--org-slug", "fenland", "--client-id", "app-2"])
        .args(["--issuer", "http://idp.example"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("--issuer"));
    let row = pmf_store::sign_in::single_sign_on(&database.conn, org.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.client_id, "app-1");
}

/// `api bootstrap` of the council "breckland" with an ADMIN, a@breckland.example.
fn bootstrap_breckland(db: &FreshDb) {
    last_line(
        &api(db)
            .args([
                "bootstrap",
                "--org-name",
                "Breckland",
                "--org-slug",
                "breckland",
            ])
            .args(["--admin-email", "a@breckland.example", "--admin-name", "A"])
            .output()
            .unwrap(),
    );
}

#[tokio::test]
async fn import_and_export_run_as_commands_with_their_exit_codes() {
    let db = FreshDb::create().await;
    bootstrap_breckland(&db);
    let dir = std::env::temp_dir().join(format!("pmf-cli-workbook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users.csv");
    std::fs::write(
        &users,
        "Email,Name,Role,Line manager email\nlee@breckland.example,Lee Ward,OFFICER,a@breckland.example\n",
    )
    .unwrap();
    let import = |file: &std::path::Path, sheet: &str, dry: bool| {
        let mut cmd = api(&db);
        cmd.args(["import", "--org-slug", "breckland"])
            .arg(file)
            .args(["--sheet", sheet]);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.output().unwrap()
    };
    let dry = import(&users, "Users", true);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(out.contains("Users: 1 created, 0 updated"), "{out}");
    assert!(out.contains("dry run: nothing was stored"), "{out}");
    let done = import(&users, "Users", false);
    assert!(done.status.success());
    let again = import(&users, "Users", false);
    let out = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(
        out.contains("Users: 0 created, 0 updated, 1 unchanged"),
        "{out}"
    );

    // A bad file: non-zero, every problem named by sheet, row and column, nothing stored.
    let values = dir.join("values.csv");
    std::fs::write(&values, "Indicator ref,Period,Value\nX1,2025-26 Q5,3\n").unwrap();
    let bad = import(&values, "Values", false);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr).to_string();
    assert!(err.contains("Values row 2, Period"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let xlsx = dir.join("register.xlsx");
    let export = api(&db)
        .args(["export", "--org-slug", "breckland", "--out"])
        .arg(&xlsx)
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "an .xlsx is a zip");
    // The export imports back as nothing new.
    let mut back = api(&db);
    back.args(["import", "--org-slug", "breckland", "--dry-run"])
        .arg(&xlsx);
    let back = back.output().unwrap();
    let out = String::from_utf8_lossy(&back.stdout).to_string();
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    assert!(
        !out.contains(" 1 created") && out.contains("unchanged"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn import_benchmarks_runs_as_a_command_with_its_exit_codes() {
    let db = FreshDb::create().await;
    bootstrap_breckland(&db);
    let dir = std::env::temp_dir().join(format!("pmf-cli-benchmarks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("lg-inform.csv");
    std::fs::write(
        &good,
        "metric,area_code,area_name,period,value\n9613,E07000146,King's Lynn and West Norfolk,2024/25,41.5\n9613,E07000147,North Norfolk,Q1 2024/25,40\n",
    )
    .unwrap();
    let run = |file: &std::path::Path, dry: bool| {
        let mut cmd = api(&db);
        cmd.args(["import-benchmarks", "--org-slug", "breckland"])
            .arg(file);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.output().unwrap()
    };
    let dry = run(&good, true);
    let out = String::from_utf8_lossy(&dry.stdout).to_string();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(out.contains("2 value(s) would be added"), "{out}");
    assert!(out.contains("dry run: nothing was stored"), "{out}");
    let done = run(&good, false);
    assert!(done.status.success());
    let again = run(&good, false);
    let out = String::from_utf8_lossy(&again.stdout).to_string();
    assert!(
        out.contains("0 value(s) were added, 0 replaced, 2 unchanged"),
        "{out}"
    );

    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "metric,area_code,area_name,period,value\n9613,E0700014,X,2024/25,1\n9613,E07000146,Y,2024/25,x\n",
    )
    .unwrap();
    let refused = run(&bad, false);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(err.contains("bad.csv line 2: area_code"), "{err}");
    assert!(err.contains("bad.csv line 3: value"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
