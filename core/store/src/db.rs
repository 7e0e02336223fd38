//! Connecting to SQLite (the embedded default) or PostgreSQL, and migrating.
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend};

use crate::StoreError;

pub use pmf_process::{DEFAULT_DATABASE_URL, redact_url};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A connection pool and which engine it talks to.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
    pub kind: DbKind,
    statements: Arc<AtomicU64>,
}

impl Database {
    /// Connects with short timeouts so a wrong URL fails in seconds, naming the target.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let kind = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbKind::Postgres
        } else if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            return Err(StoreError::Connect {
                target: redact_url(url),
                source: sea_orm::DbErr::Custom(
                    "DATABASE_URL must start with sqlite: or postgres://".into(),
                ),
            });
        };
        let mut options = ConnectOptions::new(url.to_string());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        match kind {
            // SQLite allows one writer at a time: a small pool avoids "database is locked".
            DbKind::Sqlite => options.max_connections(4).min_connections(1),
            DbKind::Postgres => options.max_connections(16).min_connections(1),
        };
        let mut conn = sea_orm::Database::connect(options)
            .await
            .map_err(|source| StoreError::Connect {
                target: redact_url(url),
                source,
            })?;
        if kind == DbKind::Sqlite {
            for pragma in [
                "PRAGMA journal_mode = WAL",
                "PRAGMA busy_timeout = 5000",
                "PRAGMA foreign_keys = ON",
                "PRAGMA synchronous = NORMAL",
            ] {
                conn.execute_unprepared(pragma).await?;
            }
        }
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self {
            conn,
            kind,
            statements,
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.conn, None).await?;
        Ok(())
    }

    /// Starts a transaction that will write: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a read-then-write never fails half-way with "database is
    /// locked"; on PostgreSQL it is an ordinary transaction.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, StoreError> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        Ok(self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// A cheap round trip, for `/ready`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.conn.ping().await?;
        Ok(())
    }

    /// How many SQL statements this pool has run: the N+1 guard of the tests and benchmarks.
    pub fn statements_executed(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}
