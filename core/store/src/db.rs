//! Connecting to SQLite (the embedded default) or PostgreSQL, and migrating.
use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend};

use crate::StoreError;

/// How long connecting may take, and waiting for a connection from the pool.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the one direct connection that finds out why the pool timed out may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

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
    /// Connects with short timeouts so a wrong URL fails within about 5 s, once, naming
    /// where (`host:port` or the SQLite file) and why: refused, host name not found, TLS,
    /// authentication, no answer (see [`StoreError::Connect`]). Never with the password.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let kind = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbKind::Postgres
        } else if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            return Err(StoreError::Connect {
                target: redact_url(url),
                cause: "DATABASE_URL must start with sqlite: or postgres://".into(),
            });
        };
        let mut options = ConnectOptions::new(url.to_string());
        options
            .connect_timeout(CONNECT_TIMEOUT)
            .acquire_timeout(CONNECT_TIMEOUT)
            .sqlx_logging(false);
        match kind {
            // SQLite allows one writer at a time: a small pool avoids "database is locked".
            DbKind::Sqlite => options.max_connections(4).min_connections(1),
            DbKind::Postgres => options.max_connections(16).min_connections(1),
        };
        let mut conn = match sea_orm::Database::connect(options).await {
            Ok(conn) => conn,
            Err(e) => return Err(connect_error(kind, url, &e).await),
        };
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

/// The file a SQLite `url` names (`sqlite://pmf.db?mode=rwc` → `pmf.db`), or `None` for
/// PostgreSQL and for an in-memory SQLite database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options: SqliteConnectOptions = url.parse().ok()?;
    let file = options.get_filename();
    (!file.as_os_str().is_empty()).then(|| file.to_path_buf())
}

/// Where `url` points, for a message: `host:port` (or the socket directory) for PostgreSQL,
/// the URL without its password otherwise.
pub fn describe_target(url: &str) -> String {
    use sea_orm::sqlx::postgres::PgConnectOptions;
    if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
        && let Ok(options) = url.parse::<PgConnectOptions>()
    {
        return match options.get_socket() {
            Some(dir) => format!("{} (socket)", dir.display()),
            None => format!("{}:{}", options.get_host(), options.get_port()),
        };
    }
    redact_url(url)
}

/// The error for a failed connection. The pool says only that it timed out when the server
/// refuses or does not answer (it retries refusals until its deadline), so then one direct
/// connection, allowed [`PROBE_TIMEOUT`], finds the real cause.
async fn connect_error(kind: DbKind, url: &str, error: &sea_orm::DbErr) -> StoreError {
    let target = describe_target(url);
    let sqlx_error = match error {
        sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    };
    let cause = match sqlx_error {
        Some(sea_orm::sqlx::Error::PoolTimedOut) => match probe(kind, url).await {
            Probe::Failed(e) => connect_cause(kind, &e),
            Probe::NoAnswer => format!(
                "no answer within {} s (connect timeout): is the host reachable and the port open?",
                CONNECT_TIMEOUT.as_secs()
            ),
            Probe::Connected => format!(
                "no connection from the pool within {} s, although a direct connection works: \
                 is the server at its connection limit?",
                CONNECT_TIMEOUT.as_secs()
            ),
        },
        Some(e) => connect_cause(kind, e),
        None => error.to_string(),
    };
    StoreError::Connect {
        target,
        cause: without_password(url, cause),
    }
}

enum Probe {
    Connected,
    NoAnswer,
    Failed(sea_orm::sqlx::Error),
}

/// One direct connection, without the pool and its retries.
async fn probe(kind: DbKind, url: &str) -> Probe {
    use sea_orm::sqlx::{self, ConnectOptions, Connection};
    let attempt = async {
        match kind {
            DbKind::Postgres => {
                let options: sqlx::postgres::PgConnectOptions = url.parse()?;
                options.connect().await?.close().await
            }
            DbKind::Sqlite => {
                let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
                options.connect().await?.close().await
            }
        }
    };
    match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
        Ok(Ok(())) => Probe::Connected,
        Ok(Err(e)) => Probe::Failed(e),
        Err(_) => Probe::NoAnswer,
    }
}

/// Why a connection failed, in an operator's words, the kind of failure first.
pub fn connect_cause(kind: DbKind, error: &sea_orm::sqlx::Error) -> String {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(e) => {
            let text = e.to_string();
            match e.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "connection refused: nothing listens there (is the server running, and are the host and port right?)".into()
                }
                std::io::ErrorKind::TimedOut => format!("no answer (timed out): {text}"),
                std::io::ErrorKind::NotFound => format!("not found: {text}"),
                std::io::ErrorKind::PermissionDenied => format!("permission denied: {text}"),
                _ if text.contains("lookup address")
                    || text.contains("Name or service not known")
                    || text.contains("nodename nor servname")
                    || text.contains("No address associated") =>
                {
                    format!("host name not found (DNS): {text}")
                }
                _ => format!("network error: {text}"),
            }
        }
        Error::Tls(e) => format!("TLS failed: {e}"),
        Error::Database(e) if kind == DbKind::Sqlite => {
            format!("the SQLite file cannot be opened: {}", e.message())
        }
        Error::Database(e) => {
            let code = e.code().map(|c| c.to_string()).unwrap_or_default();
            let message = e.message();
            match code.as_str() {
                // invalid_password, invalid_authorization_specification (an unknown role)
                "28P01" | "28000" => format!("authentication failed: {message}"),
                // invalid_catalog_name
                "3D000" => format!("no such database: {message}"),
                // too_many_connections, cannot_connect_now (starting up or shutting down)
                "53300" | "57P03" => format!("the server is not taking connections: {message}"),
                "" => format!("refused by the database: {message}"),
                _ => format!("refused by the database: {message} (code {code})"),
            }
        }
        Error::Configuration(e) => format!("the URL is not valid: {e}"),
        Error::PoolTimedOut => format!(
            "no connection within {} s (connect timeout)",
            CONNECT_TIMEOUT.as_secs()
        ),
        other => other.to_string(),
    }
}

/// `text` with the URL's password (if it has one) replaced by `***`, whatever said it.
fn without_password(url: &str, text: String) -> String {
    let password = url.find("://").and_then(|scheme_end| {
        let rest = &url[scheme_end + 3..];
        let userinfo = &rest[..rest.rfind('@')?];
        userinfo.split_once(':').map(|(_, p)| p)
    });
    match password {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sqlx;

    #[test]
    fn causes_say_what_kind_of_failure_first() {
        let refused = sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert!(connect_cause(DbKind::Postgres, &refused).starts_with("connection refused"));
        let dns = sqlx::Error::Io(std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        ));
        assert!(connect_cause(DbKind::Postgres, &dns).starts_with("host name not found (DNS)"));
        let tls = sqlx::Error::Tls("server does not support TLS".into());
        assert_eq!(
            connect_cause(DbKind::Postgres, &tls),
            "TLS failed: server does not support TLS"
        );
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://pmf.db?mode=rwc"),
            Some("pmf.db".into())
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/pmf/pmf.db"),
            Some("/var/lib/pmf/pmf.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://db.example/pmf"), None);
    }

    #[test]
    fn targets_are_host_and_port_without_the_password() {
        assert_eq!(
            describe_target("postgres://app:s3cret@db.example:6543/pmf"),
            "db.example:6543"
        );
        assert_eq!(
            describe_target("postgres://app@db.example/pmf"),
            "db.example:5432"
        );
        assert_eq!(
            describe_target("sqlite://pmf.db?mode=rwc"),
            "sqlite://pmf.db?mode=rwc"
        );
        assert_eq!(
            without_password(
                "postgres://app:s3cret@db.example/pmf",
                "user app with s3cret".into()
            ),
            "user app with ***"
        );
    }
}
