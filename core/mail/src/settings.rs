//! Where mail goes and who it is from, read from the environment the same way by the worker
//! (reminders, alerts) and the api (sign-in links): `SMTP_URL`, else `.eml` files in
//! `MAIL_DIR`; `MAIL_FROM`, `MAIL_REPLY_TO`.
use std::path::PathBuf;

use lettre::message::Mailbox;
use pmf_process::ConfigError;

use crate::{Composer, MailTarget, check_smtp_url};

pub const DEFAULT_MAIL_FROM: &str = "Performance <performance@localhost>";
pub const DEFAULT_MAIL_DIR: &str = "./mail";

/// The mail settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    pub target: MailTarget,
    /// `MAIL_FROM`: the address, and the display name the council's name is put before.
    pub from: Mailbox,
    /// `MAIL_REPLY_TO`: where replies go (unset: to `MAIL_FROM`).
    pub reply_to: Option<Mailbox>,
}

fn mailbox(name: &'static str, text: &str) -> Result<Mailbox, ConfigError> {
    text.parse::<Mailbox>().map_err(|e| ConfigError {
        name,
        value: text.to_string(),
        reason: format!(
            "expected an address such as \"Performance <performance@council.gov.uk>\" ({e})"
        ),
    })
}

impl MailSettings {
    /// Reads `SMTP_URL`, `MAIL_DIR`, `MAIL_FROM` and `MAIL_REPLY_TO` through `lookup` (blank
    /// values are unset). A wrong value is refused with its name, never with a password.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let target = match get("SMTP_URL") {
            Some(url) => {
                let url = url.trim().to_string();
                check_smtp_url(&url)?;
                MailTarget::Smtp(url)
            }
            None => MailTarget::Files(PathBuf::from(
                get("MAIL_DIR").unwrap_or_else(|| DEFAULT_MAIL_DIR.to_string()),
            )),
        };
        let from = mailbox(
            "MAIL_FROM",
            &get("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.into()),
        )?;
        let reply_to = get("MAIL_REPLY_TO")
            .map(|t| mailbox("MAIL_REPLY_TO", &t))
            .transpose()?;
        Ok(Self {
            target,
            from,
            reply_to,
        })
    }

    /// The composer for these settings.
    pub fn composer(&self) -> Composer {
        Composer::new(self.from.clone(), self.reply_to.clone())
    }
}
