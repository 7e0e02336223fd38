//! What the `api` and `worker` binaries share as processes: settings that are refused by
//! name (and never shown with a password), logging, the `DATABASE_URL` and `PUBLIC_URL`
//! settings, and stopping on a signal.
//!
//! Nothing here touches a database or sends mail: `pmf-store` and `pmf-mail` use this crate,
//! never the reverse.

/// The embedded default (see the README's configuration).
pub const DEFAULT_DATABASE_URL: &str = "sqlite://pmf.db?mode=rwc";

/// The URL without its password, fit for a log line or an error message.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

/// A setting that is wrong: its name, its value (never a password) and what is expected.
#[derive(Debug, thiserror::Error)]
#[error("setting {name} is not valid ({value:?}): {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub fn from_setting(value: Option<String>) -> Result<Self, ConfigError> {
        match value.unwrap_or_default().to_ascii_lowercase().as_str() {
            "text" | "" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(ConfigError {
                name: "LOG_FORMAT",
                value: other.into(),
                reason: "expected text or json".into(),
            }),
        }
    }
}

/// A whole-number setting `name` within `range` (`default` when unset); `unit` says what it
/// counts in the error ("seconds", "connections").
pub fn whole_number<T>(
    name: &'static str,
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(text) = value else {
        return Ok(default);
    };
    match text.trim().parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError {
            name,
            reason: format!(
                "expected a whole number of {unit} from {} to {}",
                range.start(),
                range.end()
            ),
            value: text,
        }),
    }
}

/// `DATABASE_URL`: SQLite (the default) or PostgreSQL.
pub fn database_url(value: Option<String>) -> Result<String, ConfigError> {
    let url = value.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(url)
    } else {
        Err(ConfigError {
            name: "DATABASE_URL",
            value: redact_url(&url),
            reason: "use sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB".into(),
        })
    }
}

/// The default `PUBLIC_URL`: where the dashboard is, for links in e-mails and reports.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// `PUBLIC_URL`, without a trailing slash.
pub fn public_url(value: Option<String>) -> Result<String, ConfigError> {
    let url = value
        .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_string())
        .trim()
        .trim_end_matches('/')
        .to_string();
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url)
    } else {
        Err(ConfigError {
            name: "PUBLIC_URL",
            value: url,
            reason: "expected an http:// or https:// URL".into(),
        })
    }
}

/// Starts `tracing` on stderr (`RUST_LOG`, JSON lines when `LOG_FORMAT=json`), with sqlx,
/// sea-orm and the scheduler quietened: they would log every statement and tick.
pub fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for directive in ["sqlx=warn", "sea_orm=warn", "tokio_cron_scheduler=warn"] {
        if let Ok(d) = directive.parse() {
            filter = filter.add_directive(d);
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Says once, on stderr, why the program stops: as a JSON log line with
/// `LOG_FORMAT=json` (where the logs are collected), else as one plain line `{program}:
/// {message}`. Not both, so a cause is never read twice.
pub fn report_failure(format: LogFormat, program: &str, message: &str) {
    match format {
        LogFormat::Json => tracing::error!(program, "{message}"),
        LogFormat::Text => eprintln!("{program}: {message}"),
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("stop signal received: finishing the work in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_only() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/pmf"),
            "postgres://app:***@db.example:5432/pmf"
        );
        assert_eq!(
            redact_url("sqlite://pmf.db?mode=rwc"),
            "sqlite://pmf.db?mode=rwc"
        );
        assert_eq!(
            redact_url("smtp://user:pa%40ss@mail.example:587"),
            "smtp://user:***@mail.example:587"
        );
    }

    #[test]
    fn public_urls_lose_their_trailing_slash() {
        assert_eq!(public_url(None).unwrap(), DEFAULT_PUBLIC_URL);
        assert_eq!(
            public_url(Some(" https://performance.council.example/ ".into())).unwrap(),
            "https://performance.council.example"
        );
        assert_eq!(
            public_url(Some("dashboard".into())).unwrap_err().name,
            "PUBLIC_URL"
        );
    }

    #[test]
    fn settings_are_refused_by_name_without_passwords() {
        assert_eq!(LogFormat::from_setting(None).unwrap(), LogFormat::Text);
        assert_eq!(
            LogFormat::from_setting(Some("JSON".into())).unwrap(),
            LogFormat::Json
        );
        assert_eq!(
            LogFormat::from_setting(Some("xml".into()))
                .unwrap_err()
                .name,
            "LOG_FORMAT"
        );
        assert_eq!(database_url(None).unwrap(), DEFAULT_DATABASE_URL);
        let e = database_url(Some("mysql://root:hunter2@db/x".into())).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }
}
