//! A fresh database per test: a SQLite file, or a PostgreSQL database created next to the
//! one `DATABASE_URL` names (and dropped afterwards). Used by the test suites of every crate.
use std::{
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
};

use sea_orm::ConnectionTrait;

use crate::Database;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Where a test's database lives, so it can be removed afterwards.
enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A fresh, empty database of the engine the run is for.
pub struct FreshDb {
    pub url: String,
    place: TestDb,
}

impl FreshDb {
    pub async fn create() -> FreshDb {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let run = std::process::id();
        match std::env::var("DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                let name = format!("pmf_test_{run}_{n}");
                let admin = Database::connect(&url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .conn
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.conn.close_by_ref().await.ok();
                let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&url);
                FreshDb {
                    url: format!("{base}/{name}"),
                    place: TestDb::Postgres {
                        admin_url: url.clone(),
                        name,
                    },
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("pmf-test-{run}-{n}.db"));
                let _ = std::fs::remove_file(&path);
                FreshDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    place: TestDb::Sqlite(path),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.place, TestDb::Postgres { .. })
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        match &self.place {
            TestDb::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", ".worker-lock"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: do the async work on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(admin) = Database::connect(&admin_url).await {
                                let _ = admin
                                    .conn
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                    ))
                                    .await;
                                let _ = admin.conn.close_by_ref().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}
