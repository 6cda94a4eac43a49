//! Mail to guests who booked on the web: the link that confirms their address, and what
//! becomes of their booking. A mail is an outbox row like a Telegram message
//! ([`crate::telegram::outbox::Outgoing::Mail`]), written in the transaction of the change
//! it tells of, and sent by the same sender with the same retries: the one outbox, so a
//! committed booking is always followed by its mail, and a mail server that is down for
//! an hour delays mail without losing any.

use std::time::Duration;

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use serde::{Deserialize, Serialize};

use crate::config::MailSettings;

/// One mail, as queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub text: String,
}

/// Whether `address` is one mail can be sent to (`name@example.com`, nothing more).
pub fn is_address(address: &str) -> bool {
    address.len() <= 254
        && !address.contains(['<', '>', ' '])
        && address.parse::<lettre::Address>().is_ok()
}

/// Why a mail did not go.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server refused it for good (a 5xx answer), or it cannot be built.
    #[error("refused for good: {0}")]
    Refused(String),
    /// The server is unreachable or busy: worth trying again later.
    #[error("not sent yet: {0}")]
    Passing(String),
}

/// How long one mail may take to hand over before it is tried again later.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends mail over SMTP (`TANGKAP_SMTP_URL`) from `TANGKAP_MAIL_FROM`.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `settings` (checked when they were loaded).
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.smtp_url.expose())
            .map_err(|e| MailError::Refused(format!("TANGKAP_SMTP_URL: {e}")))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = settings
            .from
            .parse()
            .map_err(|e| MailError::Refused(format!("TANGKAP_MAIL_FROM: {e}")))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Refused(format!("bad address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| MailError::Refused(e.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Refused(e.to_string())),
            Err(e) => Err(MailError::Passing(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_addresses_are_taken() {
        assert!(is_address("tamu@example.com"));
        assert!(is_address("nama.tamu+hotel@mail.example.co.id"));
        for bad in [
            "",
            "tamu",
            "tamu@",
            "@example.com",
            "Tamu <tamu@example.com>",
            "a b@example.com",
            "tamu@example.com\r\nBcc: x@example.com",
            &format!("{}@example.com", "a".repeat(250)),
        ] {
            assert!(!is_address(bad), "{bad:?}");
        }
    }
}
