//! Turning outbox rows into e-mails and handing them to a transport: SMTP (`SMTP_URL`),
//! `.eml` files (`MAIL_DIR`), or memory (unit tests).
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
    transport::smtp::PoolConfig,
};
use pmf_process::redact_url;
use pmf_store::{entity::notification, messages::escape, outbox};

use crate::config::{Config, ConfigError, MailTarget, check_smtp_url};

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
    /// SMTP through a pool of `outbox::IN_FLIGHT` connections, from lettre's URL form
    /// (`smtp://host:port`, `smtp://user:pass@host:587?tls=required`, `smtps://user:pass@host`).
    pub fn smtp(url: &str) -> Result<Self, ConfigError> {
        Self::smtp_with(url, pmf_store::outbox::IN_FLIGHT)
    }

    /// SMTP through a pool of at most `connections` connections.
    pub fn smtp_with(url: &str, connections: usize) -> Result<Self, ConfigError> {
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

    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        match &config.mail {
            MailTarget::Smtp(url) => Self::smtp_with(url, config.smtp_connections),
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

/// `Auto-Submitted: auto-generated` (RFC 3834): out-of-office replies stay quiet.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// Builds e-mails from outbox rows.
#[derive(Debug, Clone)]
pub struct Composer {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    /// Without a trailing slash.
    pub public_url: String,
}

impl Composer {
    pub fn from_config(config: &Config) -> Self {
        Self {
            from: config.mail_from.clone(),
            reply_to: config.reply_to.clone(),
            public_url: config.public_url.clone(),
        }
    }

    /// The `Message-ID` of a row: the same on every attempt, so a message sent twice (a crash
    /// between the SMTP server's acceptance and the row's update) is recognisably one.
    pub fn message_id(&self, row: &notification::Model) -> String {
        format!(
            "<pmf.{}.{}@{}>",
            row.organisation_id,
            row.id,
            self.from.email.domain()
        )
    }

    /// The subject and bodies with links completed.
    pub fn resolve(&self, row: &notification::Model) -> (String, String, String) {
        let text = row
            .body_text
            .replace(outbox::PUBLIC_URL_PLACEHOLDER, &self.public_url);
        let html = row
            .body_html
            .replace(outbox::PUBLIC_URL_PLACEHOLDER, &escape(&self.public_url));
        (row.subject.clone(), text, html)
    }

    /// The e-mail for a row; `From` shows the council's name. An error means the row can
    /// never be sent (a bad recipient address).
    pub fn compose(&self, row: &notification::Model, council: &str) -> Result<Message, String> {
        let to: Mailbox = row.recipient_email.parse().map_err(|e| {
            format!(
                "recipient address {:?} is not valid: {e}",
                row.recipient_email
            )
        })?;
        let display = match self.from.name.as_deref() {
            Some(name) if !name.trim().is_empty() && !council.is_empty() => {
                format!("{council} – {name}")
            }
            Some(name) if !name.trim().is_empty() => name.to_string(),
            _ => council.to_string(),
        };
        let from = Mailbox::new(
            Some(display).filter(|d| !d.is_empty()),
            self.from.email.clone(),
        );
        let (subject, text, html) = self.resolve(row);
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .message_id(Some(self.message_id(row)))
            .header(AutoSubmitted);
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}
