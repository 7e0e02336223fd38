//! Handing e-mails to a transport: SMTP (`SMTP_URL`), `.eml` files (`MAIL_DIR`), or memory
//! (tests).
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::PoolConfig,
};
use pmf_process::{ConfigError, redact_url};

/// Where mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTarget {
    /// `SMTP_URL`, in lettre's URL form.
    Smtp(String),
    /// `.eml` files in this folder (`MAIL_DIR`), when no `SMTP_URL` is set.
    Files(PathBuf),
}

/// Checks an `SMTP_URL` the way the transport will read it; the error shows the URL without
/// its password.
pub fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    let err = |reason: String| ConfigError {
        name: "SMTP_URL",
        value: redact_url(url),
        reason,
    };
    let scheme_ok = url.starts_with("smtp://") || url.starts_with("smtps://");
    if !scheme_ok {
        return Err(err(
            "expected smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required or smtps://USER:PASS@HOST:465"
                .into(),
        ));
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| err(format!("cannot be used: {e}")))
}

/// How long one SMTP exchange may take before it counts as a failed attempt.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A message handed to the in-memory transport.
#[derive(Debug, Clone)]
pub struct MemoryMail {
    pub to: Vec<String>,
    pub raw: String,
}

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        target: String,
    },
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
    Memory(Arc<Mutex<Vec<MemoryMail>>>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A failed send, and whether trying again can help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub message: String,
    /// The message itself is unusable (a bad address): no retry.
    pub permanent: bool,
}

impl Transport {
    /// SMTP through a pool of at most `connections` connections, from lettre's URL form
    /// (`smtp://host:port`, `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host`).
    pub fn smtp(url: &str, connections: usize) -> Result<Self, ConfigError> {
        check_smtp_url(url)?;
        let builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| ConfigError {
                name: "SMTP_URL",
                value: redact_url(url),
                reason: e.to_string(),
            })?;
        let transport = builder
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(
                PoolConfig::new()
                    .max_size(u32::try_from(connections.max(1)).unwrap_or(u32::MAX))
                    .idle_timeout(Duration::from_secs(60)),
            )
            .build();
        Ok(Transport::Smtp {
            transport,
            target: redact_url(url),
        })
    }

    /// `.eml` files in `dir` (created if missing).
    pub fn files(dir: &Path) -> Result<Self, ConfigError> {
        std::fs::create_dir_all(dir).map_err(|e| ConfigError {
            name: "MAIL_DIR",
            value: dir.display().to_string(),
            reason: format!("cannot create the folder: {e}"),
        })?;
        Ok(Transport::Files {
            transport: AsyncFileTransport::new(dir),
            dir: dir.to_path_buf(),
        })
    }

    /// Keeps messages in memory; the returned list fills as they are sent.
    pub fn memory() -> (Self, Arc<Mutex<Vec<MemoryMail>>>) {
        let list = Arc::new(Mutex::new(Vec::new()));
        (Transport::Memory(list.clone()), list)
    }

    /// The transport for a target: SMTP through at most `connections` connections, or files.
    pub fn to(target: &MailTarget, connections: usize) -> Result<Self, ConfigError> {
        match target {
            MailTarget::Smtp(url) => Self::smtp(url, connections),
            MailTarget::Files(dir) => Self::files(dir),
        }
    }

    /// For logs: never a password.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { target, .. } => format!("SMTP {target}"),
            Transport::Files { dir, .. } => format!(".eml files in {}", dir.display()),
            Transport::Memory(_) => "memory".to_string(),
        }
    }

    /// Sends one message; returns the server's (or file's) acknowledgement for the log.
    pub async fn send(&self, message: Message) -> Result<String, SendError> {
        let transient = |message: String| SendError {
            message,
            permanent: false,
        };
        match self {
            Transport::Smtp { transport, .. } => transport
                .send(message)
                .await
                .map(|r| r.message().collect::<Vec<_>>().join(" "))
                .map_err(|e| transient(format!("SMTP: {e}"))),
            Transport::Files { transport, .. } => transport
                .send(message)
                .await
                .map(|id| format!("written as {id}.eml"))
                .map_err(|e| transient(format!("writing the .eml file: {e}"))),
            Transport::Memory(list) => {
                let to = message
                    .envelope()
                    .to()
                    .iter()
                    .map(|a| a.to_string())
                    .collect();
                let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
                list.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(MemoryMail { to, raw });
                Ok("kept in memory".to_string())
            }
        }
    }
}
