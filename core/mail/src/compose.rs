//! Building the e-mail itself: `From` (the council's name before the sender's), `Reply-To`,
//! a `Message-ID` that is the same on every attempt, `Auto-Submitted`, and the plain text and
//! HTML bodies as `multipart/alternative`.
use lettre::{
    Message,
    message::{
        Mailbox, MultiPart,
        header::{Header, HeaderName, HeaderValue},
    },
};

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

/// One message to send, as it was rendered and stored: bodies are sent as they are, links
/// and all.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The council it is sent for.
    pub organisation_id: i64,
    /// The message's own number (its outbox row), for its `Message-ID`.
    pub id: i64,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Builds e-mails: who they are from and where replies go.
#[derive(Debug, Clone)]
pub struct Composer {
    /// `MAIL_FROM`: the address, and the display name the council's name is put before.
    pub from: Mailbox,
    /// `MAIL_REPLY_TO`: where replies go (none: to `from`).
    pub reply_to: Option<Mailbox>,
}

impl Composer {
    pub fn new(from: Mailbox, reply_to: Option<Mailbox>) -> Self {
        Self { from, reply_to }
    }

    /// The `Message-ID` of a message: the same on every attempt, so a message sent twice (a
    /// crash between the SMTP server's acceptance and the outbox's update) is recognisably
    /// one.
    pub fn message_id(&self, organisation_id: i64, id: i64) -> String {
        format!("<pmf.{organisation_id}.{id}@{}>", self.from.email.domain())
    }

    /// The e-mail; `From` shows the council's name. An error means the message can never be
    /// sent (a bad recipient address).
    pub fn compose(&self, mail: &Outgoing<'_>, council: &str) -> Result<Message, String> {
        self.compose_as(
            mail,
            council,
            self.message_id(mail.organisation_id, mail.id),
        )
    }

    /// The `Message-ID` of a sign-in link's e-mail (not an outbox message: its own series).
    pub fn sign_in_message_id(&self, organisation_id: i64, link_id: i64) -> String {
        format!(
            "<pmf.sign-in.{organisation_id}.{link_id}@{}>",
            self.from.email.domain()
        )
    }

    /// [`Composer::compose`] with the `Message-ID` given.
    pub fn compose_as(
        &self,
        mail: &Outgoing<'_>,
        council: &str,
        message_id: String,
    ) -> Result<Message, String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("recipient address {:?} is not valid: {e}", mail.to))?;
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
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject)
            .message_id(Some(message_id))
            .header(AutoSubmitted);
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                mail.text.to_string(),
                mail.html.to_string(),
            ))
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_the_council_and_keeps_its_bodies() {
        let composer = Composer::new(
            "Performance <performance@fenland.example>".parse().unwrap(),
            Some("Team <team@fenland.example>".parse().unwrap()),
        );
        let mail = Outgoing {
            organisation_id: 3,
            id: 41,
            to: "mo@fenland.example",
            subject: "Fenland: RED: 1.1 Test, 2025-10",
            text: "Open https://perf.example/#/indicators/1 {{PUBLIC_URL}}",
            html: "<p>{{PUBLIC_URL}}</p>",
        };
        let raw = String::from_utf8(
            composer
                .compose(&mail, "Fenland District Council")
                .unwrap()
                .formatted(),
        )
        .unwrap();
        for needle in [
            "<performance@fenland.example>",
            "Reply-To: Team <team@fenland.example>",
            "Message-ID: <pmf.3.41@fenland.example>",
            "Auto-Submitted: auto-generated",
            "multipart/alternative",
            "Open https://perf.example/#/indicators/1 {{PUBLIC_URL}}",
            "<p>{{PUBLIC_URL}}</p>",
        ] {
            assert!(raw.contains(needle), "{needle:?} in {raw}");
        }
        let bad = Outgoing {
            to: "not an address",
            ..mail
        };
        assert!(
            composer
                .compose(&bad, "")
                .unwrap_err()
                .contains("not valid")
        );
    }
}
