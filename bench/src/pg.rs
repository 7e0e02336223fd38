//! A PostgreSQL database that a benchmark creates for itself and drops when done.
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use pmf_demo::DemoDataset;
use pmf_store::Database;
use sea_orm::{ConnectionTrait, TransactionTrait};

/// A fresh database next to the one `admin_url` names, dropped (with `FORCE`) on drop.
pub struct BenchDb {
    pub url: String,
    pub name: String,
    admin_url: String,
    keep: bool,
}

/// `postgres://u@h:p/db?x` → (`postgres://u@h:p`, `?x` or empty).
fn split_url(url: &str) -> (&str, &str) {
    let (main, query) = match url.find('?') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let scheme_end = main.find("://").map_or(0, |i| i + 3);
    match main[scheme_end..].find('/') {
        Some(i) => (&main[..scheme_end + i], query),
        None => (main, query),
    }
}

/// The URL of database `name` on the server of `url`. Without TLS unless `url` asks for it:
/// every client of the benchmarks (ours, PostGraphile's node-postgres, pgbench's libpq) then
/// talks to the server the same way (libpq and sqlx would otherwise encrypt loopback traffic
/// when the server offers TLS, and node-postgres would not).
pub fn database_url(url: &str, name: &str) -> String {
    let (base, query) = split_url(url);
    if query.contains("sslmode=") {
        format!("{base}/{name}{query}")
    } else if query.is_empty() {
        format!("{base}/{name}?sslmode=disable")
    } else {
        format!("{base}/{name}{query}&sslmode=disable")
    }
}

impl BenchDb {
    pub async fn create(admin_url: &str, label: &str) -> anyhow::Result<Self> {
        let name = format!("pmf_bench_{label}_{}", std::process::id());
        let admin = Database::connect(admin_url)
            .await
            .with_context(|| format!("connecting to {}", pmf_store::db::redact_url(admin_url)))?;
        admin
            .conn
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
        admin
            .conn
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .context("CREATE DATABASE")?;
        admin.conn.close_by_ref().await.ok();
        Ok(Self {
            url: database_url(admin_url, &name),
            name,
            admin_url: admin_url.to_string(),
            keep: false,
        })
    }

    /// Leaves the database behind (for profiling by hand); the caller drops it.
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Connects and applies the migrations.
    pub async fn connect_migrated(&self) -> anyhow::Result<Database> {
        let db = Database::connect(&self.url).await?;
        db.migrate().await?;
        Ok(db)
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside a runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .conn
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.conn.close_by_ref().await;
                }
            });
        })
        .join();
    }
}

/// Inserts a data set in one transaction; returns how long it took.
pub async fn insert(db: &Database, data: &DemoDataset, now: DateTime<Utc>) -> anyhow::Result<f64> {
    let started = Instant::now();
    let txn = db.conn.begin().await?;
    pmf_store::demo::insert(&txn, data, now).await?;
    txn.commit().await?;
    Ok(started.elapsed().as_secs_f64())
}

/// Refreshes the planner's statistics after a bulk load, as autovacuum would soon after.
pub async fn analyze(db: &Database) -> anyhow::Result<()> {
    db.conn.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// One line describing the server, for the report.
pub async fn describe_server(db: &Database) -> String {
    let mut parts = Vec::new();
    for setting in [
        "server_version",
        "shared_buffers",
        "work_mem",
        "max_connections",
        "synchronous_commit",
    ] {
        let value = db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                db.backend(),
                format!("SELECT current_setting('{setting}') AS v"),
            ))
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get::<String>("", "v").ok())
            .unwrap_or_else(|| "?".into());
        parts.push(format!("{setting}={value}"));
    }
    format!("PostgreSQL {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn names_another_database_on_the_same_server() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "b"),
            "postgres://postgres@127.0.0.1:5432/b?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://u:p@h/x?sslmode=disable", "b"),
            "postgres://u:p@h/b?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://u@h/x?application_name=a", "b"),
            "postgres://u@h/b?application_name=a&sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://h:5432", "b"),
            "postgres://h:5432/b?sslmode=disable"
        );
    }
}
