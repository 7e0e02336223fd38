//! The worker's settings from the environment (README, Configuration). A wrong value is
//! refused with its name, and never with a password in it.
use lettre::message::Mailbox;

pub use pmf_mail::{MailTarget, check_smtp_url};
pub use pmf_process::{ConfigError, DEFAULT_PUBLIC_URL, LogFormat, init_tracing};

pub use pmf_mail::{DEFAULT_MAIL_DIR, DEFAULT_MAIL_FROM, MailSettings};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub mail: MailTarget,
    /// `MAIL_FROM`: the address, and the display name the council's name is put before.
    pub mail_from: Mailbox,
    /// `MAIL_REPLY_TO`: where replies go (unset: to `MAIL_FROM`).
    pub reply_to: Option<Mailbox>,
    /// `PUBLIC_URL`, without a trailing slash: links in e-mails.
    pub public_url: String,
    pub log_format: LogFormat,
    /// `WORKER_DELIVERY_SECS`: how often `worker run` delivers the outbox (default 5).
    pub delivery_every_secs: u32,
    /// `SMTP_CONNECTIONS`: connections to the relay, and so messages on their way at once
    /// (default `outbox::IN_FLIGHT`, 32; Exchange Online's SMTP submission takes only 3).
    pub smtp_connections: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let database_url = pmf_process::database_url(get("DATABASE_URL"))?;
        let MailSettings {
            target: mail,
            from: mail_from,
            reply_to,
        } = MailSettings::from_lookup(&lookup)?;
        let public_url = pmf_process::public_url(get("PUBLIC_URL"))?;
        let log_format = LogFormat::from_setting(get("LOG_FORMAT"))?;
        let delivery_every_secs = pmf_process::whole_number(
            "WORKER_DELIVERY_SECS",
            get("WORKER_DELIVERY_SECS"),
            5,
            1..=59,
            "seconds",
        )?;
        let smtp_connections = pmf_process::whole_number(
            "SMTP_CONNECTIONS",
            get("SMTP_CONNECTIONS"),
            pmf_store::outbox::IN_FLIGHT,
            1..=100,
            "connections",
        )?;
        Ok(Self {
            database_url,
            mail,
            mail_from,
            reply_to,
            public_url,
            log_format,
            delivery_every_secs,
            smtp_connections,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{collections::HashMap, path::PathBuf};

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://pmf.db?mode=rwc");
        assert_eq!(c.mail, MailTarget::Files(PathBuf::from("./mail")));
        assert_eq!(
            c.mail_from.to_string(),
            "Performance <performance@localhost>"
        );
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert!(c.reply_to.is_none());
        assert_eq!(c.delivery_every_secs, 5);
        assert_eq!(c.smtp_connections, 32);
    }

    #[test]
    fn smtp_connections_are_a_whole_number_from_1_to_100() {
        assert_eq!(
            config(&[("SMTP_CONNECTIONS", "3")])
                .unwrap()
                .smtp_connections,
            3
        );
        for wrong in ["0", "101", "many", "-2"] {
            let e = config(&[("SMTP_CONNECTIONS", wrong)]).unwrap_err();
            assert_eq!(e.name, "SMTP_CONNECTIONS", "{wrong}");
        }
    }

    #[test]
    fn smtp_urls_in_every_form_are_accepted() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pa%40ss@mail.example:587?tls=required",
            "smtps://user:secret@mail.example",
        ] {
            let c = config(&[("SMTP_URL", url), ("MAIL_DIR", "/nowhere")]).unwrap();
            assert_eq!(c.mail, MailTarget::Smtp(url.into()), "{url}");
        }
    }

    #[test]
    fn a_wrong_setting_is_named_without_its_password() {
        let e = config(&[("SMTP_URL", "imap://u:hunter2@mail.example")]).unwrap_err();
        assert_eq!(e.name, "SMTP_URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = config(&[("SMTP_URL", "smtp://u:hunter2@mail.example?tls=sometimes")]).unwrap_err();
        assert_eq!(e.name, "SMTP_URL");
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert_eq!(
            config(&[("MAIL_FROM", "not an address")]).unwrap_err().name,
            "MAIL_FROM"
        );
        assert_eq!(
            config(&[("MAIL_REPLY_TO", "@")]).unwrap_err().name,
            "MAIL_REPLY_TO"
        );
        assert_eq!(
            config(&[("PUBLIC_URL", "dashboard")]).unwrap_err().name,
            "PUBLIC_URL"
        );
        assert_eq!(
            config(&[("WORKER_DELIVERY_SECS", "0")]).unwrap_err().name,
            "WORKER_DELIVERY_SECS"
        );
        let e = config(&[("DATABASE_URL", "mysql://root:pw@db/x")]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        assert!(!e.to_string().contains(":pw@"), "{e}");
        assert_eq!(
            config(&[("PUBLIC_URL", "https://performance.council.example/")])
                .unwrap()
                .public_url,
            "https://performance.council.example"
        );
    }
}
