//! E-mail, for the api and the worker alike: the messages' words, rendered from templates
//! compiled into the binary (`templates/`, one folder per message: see [`render`]), and
//! their delivery: [`Composer`] builds the e-mail, [`Transport`] hands it to SMTP (pooled),
//! writes `.eml` files, or keeps it in memory.
//!
//! Messages are rendered once, with their links complete ([`Links`]), and stored in the
//! outbox as they will be sent: nothing rewrites a body on its way out.
pub mod compose;
pub mod links;
pub mod render;
pub mod settings;
pub mod transport;

pub use compose::{Composer, Outgoing};
pub use links::{Links, Page};
pub use render::{
    AlertBlock, AlertFacts, NudgeFacts, PackFacts, PackRow, ReminderLine, RenderError, Rendered,
    alert_block, alert_message, nudge, previous_status_words, quarterly_pack, reminder_digest,
    sign_in_link, status_words, trend_words,
};
pub use settings::{DEFAULT_MAIL_DIR, DEFAULT_MAIL_FROM, MailSettings};
pub use transport::{MailTarget, MemoryMail, SMTP_TIMEOUT, SendError, Transport, check_smtp_url};
