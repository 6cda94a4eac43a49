//! Mail to guests who booked on the web: the link that confirms their address, and what
//! becomes of their booking. A mail is an outbox row like a Telegram message
//! ([`crate::telegram::outbox::Outgoing::Mail`]), written in the transaction of the change
//! it tells of, and sent by the same sender with the same retries: the one outbox, so a
//! committed booking is always followed by its mail, and a mail server that is down for
//! an hour delays mail without losing any.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use serde::{Deserialize, Serialize};

use crate::config::{Invalid, Secret, Settings};

/// Where mail goes, and the sender's address.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub via: MailVia,
    /// `Hotel Melati <booking@hotel.example>`.
    pub from: String,
}

/// How mail leaves.
#[derive(Clone, Debug)]
pub enum MailVia {
    /// An SMTP server: `smtps://user:pass@host:465`, `smtp://host:587?tls=required`, …
    /// (holds a password).
    Smtp(Secret),
    /// Into the demo page's mailbox; only `tangkap demo` chooses it (no setting names it).
    Demo(DemoMailbox),
}

/// The mail settings as written: both of `smtp_url` and `mail_from`, or neither.
#[derive(Debug, Deserialize)]
pub struct MailWritten {
    smtp_url: Option<String>,
    mail_from: Option<String>,
}

/// Where mail goes out (web bookings); `None`: no mail, the web form offers Telegram only.
impl Settings for Option<MailSettings> {
    type Written = MailWritten;

    fn check(written: MailWritten) -> Result<Self, Invalid> {
        match (written.smtp_url, written.mail_from) {
            (None, None) => Ok(None),
            (Some(url), Some(from)) => {
                let url = url.trim();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(Invalid::new(
                        "smtp_url",
                        "expected smtps://user:password@host:465 or \
                         smtp://user:password@host:587?tls=required",
                    ));
                }
                if from.trim().parse::<Mailbox>().is_err() {
                    return Err(Invalid::new(
                        "mail_from",
                        "expected an address, e.g. booking@hotel.example or \
                         Hotel Melati <booking@hotel.example>",
                    ));
                }
                Ok(Some(MailSettings {
                    via: MailVia::Smtp(Secret::new(url)),
                    from: from.trim().to_owned(),
                }))
            }
            (Some(_), None) => Err(Invalid::new(
                "mail_from",
                "is needed with TANGKAP_SMTP_URL: the address mail comes from",
            )),
            (None, Some(_)) => Err(Invalid::new(
                "smtp_url",
                "is needed with TANGKAP_MAIL_FROM: the server mail goes out through",
            )),
        }
    }
}

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

/// Sends mail from `TANGKAP_MAIL_FROM`: over SMTP (`TANGKAP_SMTP_URL`), or, in the demo,
/// into a [`DemoMailbox`] its page shows.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// Where a [`Mailer`] hands its mail.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Demo(DemoMailbox),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP transport holds the password.
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `settings` (checked when they were loaded).
    pub fn new(settings: &MailSettings) -> Result<Self, MailError> {
        let transport = match &settings.via {
            MailVia::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| MailError::Refused(format!("TANGKAP_SMTP_URL: {e}")))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build(),
            ),
            MailVia::Demo(mailbox) => Transport::Demo(mailbox.clone()),
        };
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
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::Refused(e.to_string())),
                Err(e) => Err(MailError::Passing(e.to_string())),
            },
            // Built as for SMTP first, so a mail SMTP would refuse is refused here too.
            Transport::Demo(mailbox) => {
                mailbox.deliver(self.from.to_string(), mail.clone());
                Ok(())
            }
        }
    }
}

/// How long `tangkap doctor` waits for the SMTP server.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// What stopped a visit to the SMTP server; each names the server (host and port, never
/// the user or password of the URL).
#[derive(Debug, thiserror::Error)]
pub enum SmtpTrouble {
    #[error("TANGKAP_SMTP_URL cannot be used: {0}")]
    Url(String),
    #[error("cannot talk to {server}: {reason}")]
    Unreachable { server: String, reason: String },
    #[error("{server} refused the login: {reason}")]
    Login { server: String, reason: String },
}

/// Connects to the SMTP server of `url` as the mailer does (TLS as the URL says) and,
/// when the URL names a user, logs in; sends no mail. True when it logged in.
pub async fn check_smtp(url: &Secret) -> Result<bool, SmtpTrouble> {
    let url = url.expose();
    let server = smtp_server(url).to_owned();
    let logs_in = url.split_once("://").is_some_and(|(_, rest)| {
        rest.split(['/', '?'])
            .next()
            .unwrap_or_default()
            .contains('@')
    });
    let transport: AsyncSmtpTransport<Tokio1Executor> =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpTrouble::Url(e.to_string()))?
            .timeout(Some(CHECK_TIMEOUT))
            .build();
    match transport.test_connection().await {
        Ok(true) => Ok(logs_in),
        Ok(false) => Err(SmtpTrouble::Unreachable {
            server,
            reason: "the connection closed after the greeting".into(),
        }),
        // Reached and greeted: what fails after is the login (lettre logs in as it opens).
        Err(e) if logs_in && (e.status().is_some() || e.is_response() || e.is_client()) => {
            Err(SmtpTrouble::Login {
                server,
                reason: e.to_string(),
            })
        }
        Err(e) => Err(SmtpTrouble::Unreachable {
            server,
            reason: e.to_string(),
        }),
    }
}

/// `host:port` of an SMTP URL, without its user and password.
pub fn smtp_server(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
}

/// The demo's mailbox: mail "sent" by the outbox sender lands here instead of going to a
/// server, for the demo page to show. Nothing outside the demo can make one (the
/// configuration names only SMTP), so a real run never keeps mail in memory.
#[derive(Clone, Default)]
pub struct DemoMailbox {
    delivered: Arc<Mutex<Vec<Delivered>>>,
}

/// A mail as it landed in a [`DemoMailbox`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    pub from: String,
    #[serde(flatten)]
    pub mail: Mail,
    /// Unix ms.
    pub at: i64,
}

/// The most mails a [`DemoMailbox`] keeps: the oldest go first, so a demo left running
/// for days does not grow without end.
const DEMO_MAILBOX_KEEPS: usize = 200;

impl DemoMailbox {
    fn deliver(&self, from: String, mail: Mail) {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        if delivered.len() == DEMO_MAILBOX_KEEPS {
            delivered.remove(0);
        }
        delivered.push(Delivered {
            from,
            mail,
            at: crate::db::now_ms(),
        });
    }

    /// Puts back `mails` a demo kept over a restart, before any new one.
    pub fn restore(&self, mut mails: Vec<Delivered>) {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        mails.append(&mut delivered);
        let keep_from = mails.len().saturating_sub(DEMO_MAILBOX_KEEPS);
        mails.drain(..keep_from);
        *delivered = mails;
    }

    /// Every mail delivered (as kept), oldest first.
    pub fn mails(&self) -> Vec<Delivered> {
        self.delivered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl std::fmt::Debug for DemoMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Mails hold guests' addresses and confirmation links: a count is enough for logs.
        let count = self.delivered.lock().map(|d| d.len()).unwrap_or_default();
        f.debug_struct("DemoMailbox")
            .field("delivered", &count)
            .finish()
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

    #[test]
    fn the_server_is_named_without_user_or_password() {
        for (url, server) in [
            (
                "smtps://hotel%40x.example:KataSandi@mail.example:465",
                "mail.example:465",
            ),
            ("smtp://mail.example:587?tls=required", "mail.example:587"),
            ("smtp://u:p@127.0.0.1:2525/", "127.0.0.1:2525"),
        ] {
            assert_eq!(smtp_server(url), server);
        }
    }

    #[tokio::test]
    async fn the_demo_mailbox_keeps_what_the_mailer_delivers() {
        let mailbox = DemoMailbox::default();
        let mailer = Mailer::new(&MailSettings {
            via: MailVia::Demo(mailbox.clone()),
            from: "Hotel Melati <booking@melati.example>".into(),
        })
        .unwrap();
        let mail = Mail {
            to: "tamu@example.com".into(),
            subject: "Konfirmasi".into(),
            text: "http://127.0.0.1:8080/booking#confirm=abc".into(),
        };
        mailer.send(&mail).await.unwrap();
        let refused = Mail {
            to: "not an address".into(),
            ..mail.clone()
        };
        assert!(matches!(
            mailer.send(&refused).await,
            Err(MailError::Refused(_))
        ));
        let delivered = mailbox.mails();
        assert_eq!(delivered.len(), 1, "the refused mail is not delivered");
        assert_eq!(delivered[0].mail, mail);
        assert_eq!(delivered[0].from, "Hotel Melati <booking@melati.example>");
    }
}
