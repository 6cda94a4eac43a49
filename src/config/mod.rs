//! Settings come from three layers, later ones winning: built-in defaults, the TOML file
//! (`config/tangkap.toml`, or the path in `TANGKAP_CONFIG`), then environment variables.
//! Secrets are wrapped in types whose `Debug` never prints them, so a config dumped into a
//! log line cannot leak the bot token.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;
use time::UtcOffset;

use crate::{orders::DuplicateOrderId, users::access::RegistrationMode};

pub mod booking;

pub use booking::{
    BookingConfig, HotelSettings, LocationRule, RoomTypeConfig, DEFAULT_MAILS_PER_HOUR, MOST_NIGHTS,
};

/// Where the settings file lives unless `TANGKAP_CONFIG` says otherwise.
pub const DEFAULT_CONFIG_FILE: &str = "config/tangkap.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    File { path: String, message: String },
    #[error("{name} is not valid: {message}")]
    Value { name: &'static str, message: String },
    #[error("TANGKAP_BOT_TOKEN is not set: `tangkap run` needs the token BotFather gave you")]
    MissingToken,
}

/// A Telegram bot token (`123456:ABC…`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    /// Checks the shape BotFather hands out: a numeric bot id, a colon, a secret part.
    /// The shape matters beyond tidiness: HTTP errors are scrubbed of anything that looks
    /// like `bot<id>:<secret>`, so a token of another shape could slip into a log.
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let raw = raw.trim();
        let valid = raw.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.len() <= 20
                && id.bytes().all(|b| b.is_ascii_digit())
                && secret.len() >= 20
                && secret.len() <= 100
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ConfigError::Value {
                name: "TANGKAP_BOT_TOKEN",
                message: "expected the form 123456789:AAE… given by BotFather".into(),
            })
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The numeric bot id before the colon; public information (it is the bot's user id).
    pub fn bot_id(&self) -> i64 {
        self.0
            .split_once(':')
            .and_then(|(id, _)| id.parse().ok())
            .unwrap_or_default()
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

/// A shared secret such as the webhook secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bot_token: Option<BotToken>,
    /// Bot API base URL without a trailing slash.
    pub api_url: String,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Public https URL of the Mini App, without a trailing slash.
    pub public_url: Option<String>,
    pub webhook_secret: Option<Secret>,
    /// Direct link to the Mini App (`https://t.me/<bot>/<app>`), for buttons in groups.
    pub miniapp_link: Option<String>,
    /// Offset used to show times to people (Asia/Jakarta by default).
    pub utc_offset: UtcOffset,
    /// How long one getUpdates call may wait for updates.
    pub poll_timeout: Duration,
    /// How long a Mini App login lasts.
    pub session_ttl: Duration,
    /// How old Telegram's initData may be (its `auth_date`).
    pub init_data_max_age: Duration,
    /// Whether staff may log in from a plain browser with username and password.
    pub browser_login: bool,
    /// Take the client address from `X-Forwarded-For` (set when behind a proxy), for
    /// throttling logins per address.
    pub trust_forwarded_for: bool,
    /// How a `/daftar` account starts: waiting for approval, active, or refused.
    pub registration: RegistrationMode,
    /// Telegram ids that become active owners when they register.
    pub owners: Vec<i64>,
    /// How long Telegram's word on who belongs to a group is trusted before it is asked
    /// again (access of members who left ends within this time).
    pub membership_refresh: Duration,
    /// How long a connection may take to send a whole request head, and how many
    /// connections are served at once.
    pub http: ServerLimits,
    /// Time targets of every ticket, unless its group sets its own.
    pub sla: SlaDefaults,
    /// The staff group told of tickets waiting too long for Pickup; without one, each
    /// group's staff are told privately.
    pub staff_chat: Option<i64>,
    /// A chat gets at most one reminder message in this long; what comes due meanwhile is
    /// gathered into one.
    pub reminder_digest: Duration,
    /// How long the presser of a Mini App Pickup may undo it; the group hears of the
    /// Pickup only after (zero: at once, no undo).
    pub pickup_undo: Duration,
    /// When the daily rekap goes to the staff chat (`HH:MM` on the `utc_offset` clock);
    /// `None`: no digest.
    pub digest_at: Option<time::Time>,
    /// The hotel's bookings (`[booking]`); `None`: no room types, bookings are off.
    pub booking: Option<BookingConfig>,
    /// Where mail goes out (web bookings); `None`: no mail, the web form offers Telegram only.
    pub mail: Option<MailSettings>,
    /// What a `/moban` gets whose Order_ID has an open ticket in its group already.
    pub duplicate_order_id: DuplicateOrderId,
    /// Where ticket photos fetched from Telegram are kept; `None`: [`Config::photo_dir`]
    /// chooses.
    pub photo_dir: Option<PathBuf>,
}

impl Config {
    /// The Mini App's address for buttons in private chats, when it has a public one.
    pub fn mini_app_url(&self) -> Option<String> {
        self.public_url.as_ref().map(|url| format!("{url}/"))
    }

    /// Where ticket photos are kept: the folder set, or `photos` beside a SQLite database
    /// file (`data/photos` for PostgreSQL).
    pub fn photo_dir(&self) -> PathBuf {
        if let Some(dir) = &self.photo_dir {
            return dir.clone();
        }
        let beside = crate::db::backup::sqlite_path(&self.database_url)
            .and_then(|file| file.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("data"));
        beside.join("photos")
    }
}

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
    Demo(crate::mail::DemoMailbox),
}

/// The time targets a group has unless it sets its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaDefaults {
    /// From the `/moban` to its Pickup; `None`: no target.
    pub pickup: Option<Duration>,
    /// From the Pickup to its Close; `None`: no target.
    pub close: Option<Duration>,
    /// How long before a target runs out its warning goes; zero: no warning.
    pub warn_before: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bot_token: None,
            api_url: "https://api.telegram.org".into(),
            database_url: "sqlite://data/tangkap.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            webhook_secret: None,
            miniapp_link: None,
            utc_offset: UtcOffset::from_hms(7, 0, 0).expect("+07:00 is a valid offset"),
            poll_timeout: Duration::from_secs(25),
            session_ttl: Duration::from_secs(12 * 3600),
            init_data_max_age: Duration::from_secs(24 * 3600),
            browser_login: true,
            trust_forwarded_for: false,
            registration: RegistrationMode::Approval,
            owners: Vec::new(),
            membership_refresh: Duration::from_secs(600),
            http: ServerLimits {
                header_timeout: Duration::from_secs(30),
                max_connections: 1000,
            },
            sla: SlaDefaults {
                pickup: Some(Duration::from_secs(30 * 60)),
                close: Some(Duration::from_secs(4 * 3600)),
                warn_before: Duration::from_secs(15 * 60),
            },
            staff_chat: None,
            reminder_digest: Duration::from_secs(60),
            pickup_undo: Duration::from_secs(5),
            digest_at: None,
            booking: None,
            mail: None,
            duplicate_order_id: DuplicateOrderId::Link,
            photo_dir: None,
        }
    }
}

/// How long a connection may take, and how many may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request head must arrive in full within this long of the connection's opening or
    /// of its previous answer.
    pub header_timeout: Duration,
    /// Connections served at once; more are answered `503 busy`.
    pub max_connections: usize,
}

/// The keys accepted in the TOML file; each mirrors an environment variable.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bot_token: Option<String>,
    api_url: Option<String>,
    database_url: Option<String>,
    listen: Option<String>,
    public_url: Option<String>,
    webhook_secret: Option<String>,
    miniapp_link: Option<String>,
    utc_offset: Option<String>,
    poll_timeout_secs: Option<u64>,
    session_hours: Option<u64>,
    init_data_max_age_secs: Option<u64>,
    browser_login: Option<bool>,
    trust_forwarded_for: Option<bool>,
    registration: Option<String>,
    owners: Option<String>,
    membership_refresh: Option<String>,
    header_timeout: Option<String>,
    max_connections: Option<u64>,
    sla_pickup: Option<String>,
    sla_close: Option<String>,
    sla_warn_before: Option<String>,
    staff_chat: Option<i64>,
    reminder_digest: Option<String>,
    pickup_undo: Option<String>,
    digest_at: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    duplicate_order_id: Option<String>,
    photo_dir: Option<String>,
    /// The only section: bookings have many settings and a list of room types.
    booking: Option<booking::BookingFile>,
}

/// What kind of value a setting holds, so an environment variable (always text) can be
/// read as the same type the file would give.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Whole,
    Switch,
}

/// Each file key, its environment variable, and its kind.
const SETTINGS: [(&str, &str, Kind); 29] = [
    ("bot_token", "TANGKAP_BOT_TOKEN", Kind::Text),
    ("api_url", "TANGKAP_API_URL", Kind::Text),
    ("database_url", "DATABASE_URL", Kind::Text),
    ("listen", "TANGKAP_LISTEN", Kind::Text),
    ("public_url", "TANGKAP_PUBLIC_URL", Kind::Text),
    ("webhook_secret", "TANGKAP_WEBHOOK_SECRET", Kind::Text),
    ("miniapp_link", "TANGKAP_MINIAPP_LINK", Kind::Text),
    ("utc_offset", "TANGKAP_UTC_OFFSET", Kind::Text),
    (
        "poll_timeout_secs",
        "TANGKAP_POLL_TIMEOUT_SECS",
        Kind::Whole,
    ),
    ("session_hours", "TANGKAP_SESSION_HOURS", Kind::Whole),
    (
        "init_data_max_age_secs",
        "TANGKAP_INIT_DATA_MAX_AGE_SECS",
        Kind::Whole,
    ),
    ("browser_login", "TANGKAP_BROWSER_LOGIN", Kind::Switch),
    (
        "trust_forwarded_for",
        "TANGKAP_TRUST_FORWARDED_FOR",
        Kind::Switch,
    ),
    ("registration", "TANGKAP_REGISTRATION", Kind::Text),
    ("owners", "TANGKAP_OWNERS", Kind::Text),
    (
        "membership_refresh",
        "TANGKAP_MEMBERSHIP_REFRESH",
        Kind::Text,
    ),
    ("header_timeout", "TANGKAP_HEADER_TIMEOUT", Kind::Text),
    ("max_connections", "TANGKAP_MAX_CONNECTIONS", Kind::Whole),
    ("sla_pickup", "TANGKAP_SLA_PICKUP", Kind::Text),
    ("sla_close", "TANGKAP_SLA_CLOSE", Kind::Text),
    ("sla_warn_before", "TANGKAP_SLA_WARN_BEFORE", Kind::Text),
    ("staff_chat", "TANGKAP_STAFF_CHAT", Kind::Whole),
    ("reminder_digest", "TANGKAP_REMINDER_DIGEST", Kind::Text),
    ("pickup_undo", "TANGKAP_PICKUP_UNDO", Kind::Text),
    ("digest_at", "TANGKAP_DIGEST_AT", Kind::Text),
    ("smtp_url", "TANGKAP_SMTP_URL", Kind::Text),
    ("mail_from", "TANGKAP_MAIL_FROM", Kind::Text),
    (
        "duplicate_order_id",
        "TANGKAP_DUPLICATE_ORDER_ID",
        Kind::Text,
    ),
    ("photo_dir", "TANGKAP_PHOTO_DIR", Kind::Text),
];

impl Kind {
    fn read(self, name: &'static str, value: &str) -> Result<toml::Value, ConfigError> {
        let value = value.trim();
        let invalid = |message: &str| ConfigError::Value {
            name,
            message: message.into(),
        };
        Ok(match self {
            Kind::Text => toml::Value::String(value.to_owned()),
            Kind::Whole => toml::Value::Integer(
                value
                    .parse()
                    .map_err(|_| invalid("expected a whole number"))?,
            ),
            Kind::Switch => toml::Value::Boolean(match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(invalid("expected true or false")),
            }),
        })
    }
}

impl Config {
    /// Loads defaults, then the settings file, then the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("TANGKAP_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG_FILE.into());
        Self::load_from(Path::new(&path), |name| std::env::var(name).ok())
    }

    /// Same as [`Config::load`] with the file and the environment given explicitly.
    pub fn load_from(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file_error = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let mut table = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<toml::Table>(&text)
                .map_err(|e| file_error(e.message().to_owned()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        for (key, name, kind) in SETTINGS {
            if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                table.insert(key.to_owned(), kind.read(name, &value)?);
            }
        }
        let file: FileConfig = table
            .try_into()
            .map_err(|e: toml::de::Error| file_error(e.message().to_owned()))?;
        file.into_config()
    }
}

impl FileConfig {
    fn into_config(self) -> Result<Config, ConfigError> {
        let defaults = Config::default();
        let https_url = |name: &'static str, url: Option<String>| -> Result<_, ConfigError> {
            url.map(|u| {
                let u = u.trim().trim_end_matches('/').to_owned();
                if u.starts_with("https://") || u.starts_with("http://") {
                    Ok(u)
                } else {
                    Err(ConfigError::Value {
                        name,
                        message: "expected an URL starting with https://".into(),
                    })
                }
            })
            .transpose()
        };
        let poll_timeout = match self.poll_timeout_secs {
            Some(secs @ 0..=50) => Duration::from_secs(secs),
            Some(_) => {
                return Err(ConfigError::Value {
                    name: "TANGKAP_POLL_TIMEOUT_SECS",
                    message: "Telegram accepts at most 50 seconds".into(),
                })
            }
            None => defaults.poll_timeout,
        };
        let staff_chat = match self.staff_chat {
            Some(0) => None,
            Some(chat) if chat > 0 => {
                return Err(ConfigError::Value {
                    name: "TANGKAP_STAFF_CHAT",
                    message: "expected a group's chat id, which is negative \
                                  (e.g. -1001234567890)"
                        .into(),
                })
            }
            chat => chat,
        };
        Ok(Config {
            bot_token: self.bot_token.as_deref().map(BotToken::parse).transpose()?,
            api_url: https_url("TANGKAP_API_URL", self.api_url)?.unwrap_or(defaults.api_url),
            database_url: self
                .database_url
                .map(|u| u.trim().to_owned())
                .unwrap_or(defaults.database_url),
            listen: match self.listen {
                Some(addr) => addr.trim().parse().map_err(|_| ConfigError::Value {
                    name: "TANGKAP_LISTEN",
                    message: "expected an address such as 127.0.0.1:8080".into(),
                })?,
                None => defaults.listen,
            },
            public_url: https_url("TANGKAP_PUBLIC_URL", self.public_url)?,
            webhook_secret: match self.webhook_secret {
                Some(secret) => Some(parse_webhook_secret(&secret)?),
                None => None,
            },
            miniapp_link: https_url("TANGKAP_MINIAPP_LINK", self.miniapp_link)?,
            utc_offset: match self.utc_offset {
                Some(text) => parse_utc_offset(&text)?,
                None => defaults.utc_offset,
            },
            poll_timeout,
            session_ttl: match self.session_hours {
                Some(hours @ 1..=720) => Duration::from_secs(hours * 3600),
                Some(_) => {
                    return Err(ConfigError::Value {
                        name: "TANGKAP_SESSION_HOURS",
                        message: "use 1 to 720 hours".into(),
                    })
                }
                None => defaults.session_ttl,
            },
            init_data_max_age: match self.init_data_max_age_secs {
                Some(secs @ 60..=604_800) => Duration::from_secs(secs),
                Some(_) => {
                    return Err(ConfigError::Value {
                        name: "TANGKAP_INIT_DATA_MAX_AGE_SECS",
                        message: "use 60 to 604800 seconds".into(),
                    })
                }
                None => defaults.init_data_max_age,
            },
            browser_login: self.browser_login.unwrap_or(defaults.browser_login),
            trust_forwarded_for: self
                .trust_forwarded_for
                .unwrap_or(defaults.trust_forwarded_for),
            registration: match self.registration {
                Some(mode) => RegistrationMode::parse(&mode).ok_or(ConfigError::Value {
                    name: "TANGKAP_REGISTRATION",
                    message: "use approval, open or closed".into(),
                })?,
                None => defaults.registration,
            },
            owners: match self.owners {
                Some(list) => parse_telegram_ids(&list)?,
                None => defaults.owners,
            },
            membership_refresh: match self.membership_refresh {
                Some(text) => parse_duration_within(
                    "TANGKAP_MEMBERSHIP_REFRESH",
                    &text,
                    Duration::from_secs(1),
                    Duration::from_secs(3600),
                    "use a duration from 1s to 1h",
                )?,
                None => defaults.membership_refresh,
            },
            http: ServerLimits {
                header_timeout: match self.header_timeout {
                    Some(text) => parse_duration_within(
                        "TANGKAP_HEADER_TIMEOUT",
                        &text,
                        Duration::from_secs(1),
                        Duration::from_secs(600),
                        "use a duration from 1s to 10m",
                    )?,
                    None => defaults.http.header_timeout,
                },
                max_connections: match self.max_connections {
                    Some(n @ 1..=100_000) => n as usize,
                    Some(_) => {
                        return Err(ConfigError::Value {
                            name: "TANGKAP_MAX_CONNECTIONS",
                            message: "use 1 to 100000".into(),
                        })
                    }
                    None => defaults.http.max_connections,
                },
            },
            sla: SlaDefaults {
                pickup: match self.sla_pickup {
                    Some(text) => parse_target("TANGKAP_SLA_PICKUP", &text)?,
                    None => defaults.sla.pickup,
                },
                close: match self.sla_close {
                    Some(text) => parse_target("TANGKAP_SLA_CLOSE", &text)?,
                    None => defaults.sla.close,
                },
                warn_before: match self.sla_warn_before {
                    Some(text) => {
                        parse_target("TANGKAP_SLA_WARN_BEFORE", &text)?.unwrap_or(Duration::ZERO)
                    }
                    None => defaults.sla.warn_before,
                },
            },
            staff_chat,
            reminder_digest: match self.reminder_digest {
                Some(text) => parse_duration_within(
                    "TANGKAP_REMINDER_DIGEST",
                    &text,
                    Duration::ZERO,
                    Duration::from_secs(3600),
                    "use at most 1h (0: every reminder on its own)",
                )?,
                None => defaults.reminder_digest,
            },
            pickup_undo: match self.pickup_undo {
                Some(text) => parse_duration_within(
                    "TANGKAP_PICKUP_UNDO",
                    &text,
                    Duration::ZERO,
                    Duration::from_secs(60),
                    "use at most 1m (0: no undo, the group is told at once)",
                )?,
                None => defaults.pickup_undo,
            },
            digest_at: match self.digest_at.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(_) if staff_chat.is_none() => {
                    return Err(ConfigError::Value {
                        name: "TANGKAP_DIGEST_AT",
                        message: "the daily rekap goes to the staff chat: set \
                                  TANGKAP_STAFF_CHAT too"
                            .into(),
                    })
                }
                Some(text) => Some(parse_time_of_day("TANGKAP_DIGEST_AT", text)?),
            },
            booking: match self.booking {
                Some(booking) => booking.into_config()?,
                None => None,
            },
            mail: mail_settings(self.smtp_url, self.mail_from)?,
            duplicate_order_id: match self.duplicate_order_id {
                Some(mode) => DuplicateOrderId::parse(&mode).ok_or(ConfigError::Value {
                    name: "TANGKAP_DUPLICATE_ORDER_ID",
                    message: "use link (answer with the open ticket) or allow (make another)"
                        .into(),
                })?,
                None => defaults.duplicate_order_id,
            },
            photo_dir: match self.photo_dir.as_deref().map(str::trim) {
                Some("") => {
                    return Err(ConfigError::Value {
                        name: "TANGKAP_PHOTO_DIR",
                        message: "expected a folder, e.g. data/photos".into(),
                    })
                }
                dir => dir.map(PathBuf::from),
            },
        })
    }
}

/// Both of `TANGKAP_SMTP_URL` and `TANGKAP_MAIL_FROM`, or neither.
fn mail_settings(
    smtp_url: Option<String>,
    from: Option<String>,
) -> Result<Option<MailSettings>, ConfigError> {
    match (smtp_url, from) {
        (None, None) => Ok(None),
        (Some(url), Some(from)) => {
            let url = url.trim();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::Value {
                    name: "TANGKAP_SMTP_URL",
                    message: "expected smtps://user:password@host:465 or \
                              smtp://user:password@host:587?tls=required"
                        .into(),
                });
            }
            if from.trim().parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError::Value {
                    name: "TANGKAP_MAIL_FROM",
                    message: "expected an address, e.g. booking@hotel.example or \
                              Hotel Melati <booking@hotel.example>"
                        .into(),
                });
            }
            Ok(Some(MailSettings {
                via: MailVia::Smtp(Secret::new(url)),
                from: from.trim().to_owned(),
            }))
        }
        (Some(_), None) => Err(ConfigError::Value {
            name: "TANGKAP_MAIL_FROM",
            message: "is needed with TANGKAP_SMTP_URL: the address mail comes from".into(),
        }),
        (None, Some(_)) => Err(ConfigError::Value {
            name: "TANGKAP_SMTP_URL",
            message: "is needed with TANGKAP_MAIL_FROM: the server mail goes out through".into(),
        }),
    }
}

/// A duration from `least` to `most`, or the error saying `allowed`.
fn parse_duration_within(
    name: &'static str,
    text: &str,
    least: Duration,
    most: Duration,
    allowed: &str,
) -> Result<Duration, ConfigError> {
    match parse_duration(name, text)? {
        d if d < least || d > most => Err(ConfigError::Value {
            name,
            message: allowed.into(),
        }),
        d => Ok(d),
    }
}

/// Longest time target: a month.
pub const LONGEST_TARGET: Duration = Duration::from_secs(31 * 24 * 3600);

/// A time target: a duration up to [`LONGEST_TARGET`], or `0` for none.
pub fn parse_target(name: &'static str, text: &str) -> Result<Option<Duration>, ConfigError> {
    let target = parse_duration_within(
        name,
        text,
        Duration::ZERO,
        LONGEST_TARGET,
        "use at most 31 days (744h), or 0 for none",
    )?;
    Ok(Some(target).filter(|d| !d.is_zero()))
}

/// A duration, as [`crate::duration::parse`] reads it: `90s`, `15m`, `2h`, `1h30m`,
/// `30 menit`, `2 jam`; `0` is zero.
pub fn parse_duration(name: &'static str, text: &str) -> Result<Duration, ConfigError> {
    crate::duration::parse(text).ok_or_else(|| ConfigError::Value {
        name,
        message: format!(
            "expected a duration such as 90s, 15m, 2h, 1h30m, 30 menit or 2 jam, not {:?}",
            text.trim()
        ),
    })
}

/// Comma-separated Telegram user ids, e.g. `12345, 67890`.
fn parse_telegram_ids(text: &str) -> Result<Vec<i64>, ConfigError> {
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<i64>()
                .ok()
                .filter(|&id| id > 0)
                .ok_or_else(|| ConfigError::Value {
                    name: "TANGKAP_OWNERS",
                    message: format!("{id:?} is not a Telegram user id (a positive number)"),
                })
        })
        .collect()
}

/// Telegram allows 1–256 characters `A-Z`, `a-z`, `0-9`, `_` and `-` for the secret token.
fn parse_webhook_secret(raw: &str) -> Result<Secret, ConfigError> {
    let raw = raw.trim();
    let valid = (1..=256).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(Secret::new(raw))
    } else {
        Err(ConfigError::Value {
            name: "TANGKAP_WEBHOOK_SECRET",
            message: "use 1 to 256 characters from A-Z, a-z, 0-9, _ and -".into(),
        })
    }
}

/// Accepts `+07:00`, `-03:30` or `+7`.
/// A time of day, `HH:MM` (24-hour clock).
pub(crate) fn parse_time_of_day(name: &'static str, text: &str) -> Result<time::Time, ConfigError> {
    let invalid = || ConfigError::Value {
        name,
        message: format!("expected a time of day as HH:MM, e.g. 17:00 (got {text:?})"),
    };
    let (hour, minute) = text.split_once(':').ok_or_else(invalid)?;
    let number = |part: &str, most: u8| {
        part.parse::<u8>()
            .ok()
            .filter(|n| *n <= most && (1..=2).contains(&part.len()))
            .ok_or_else(invalid)
    };
    time::Time::from_hms(number(hour, 23)?, number(minute, 59)?, 0).map_err(|_| invalid())
}

fn parse_utc_offset(raw: &str) -> Result<UtcOffset, ConfigError> {
    let invalid = || ConfigError::Value {
        name: "TANGKAP_UTC_OFFSET",
        message: "expected an offset such as +07:00".into(),
    };
    let raw = raw.trim();
    let (sign, rest) = match raw.as_bytes().first() {
        Some(b'+') => (1, &raw[1..]),
        Some(b'-') => (-1, &raw[1..]),
        _ => return Err(invalid()),
    };
    let (hours, minutes) = rest.split_once(':').unwrap_or((rest, "0"));
    let hours: i8 = hours.parse().map_err(|_| invalid())?;
    let minutes: i8 = minutes.parse().map_err(|_| invalid())?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tangkap.toml");
        std::fs::write(&path, file).unwrap();
        Config::load_from(&path, |name| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn environment_overrides_file_and_file_overrides_defaults() {
        let config = load(
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite://file.db\"\n",
            &[("DATABASE_URL", "postgres://localhost/x")],
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.database_url, "postgres://localhost/x");
        assert_eq!(config.api_url, "https://api.telegram.org");
        assert_eq!(config.utc_offset.whole_hours(), 7);
    }

    #[test]
    fn token_is_never_printed() {
        let config = load(
            "",
            &[("TANGKAP_BOT_TOKEN", "123456:AAExampleSecretPart_0123456789")],
        )
        .unwrap();
        let dump = format!("{config:?}");
        assert!(!dump.contains("AAExampleSecretPart"), "{dump}");
        assert_eq!(config.bot_token.unwrap().bot_id(), 123456);
    }

    #[test]
    fn mail_takes_both_settings_and_never_prints_the_password() {
        let config = load(
            "",
            &[
                (
                    "TANGKAP_SMTP_URL",
                    "smtps://hotel:KataSandiSMTP@mail.example.com:465",
                ),
                ("TANGKAP_MAIL_FROM", "Hotel Melati <booking@hotel.example>"),
            ],
        )
        .unwrap();
        assert!(!format!("{config:?}").contains("KataSandiSMTP"));
        assert_eq!(
            config.mail.unwrap().from,
            "Hotel Melati <booking@hotel.example>"
        );
        for (settings, named) in [
            (
                [("TANGKAP_SMTP_URL", "smtps://mail.example.com")],
                "TANGKAP_MAIL_FROM",
            ),
            ([("TANGKAP_MAIL_FROM", "a@b.example")], "TANGKAP_SMTP_URL"),
        ] {
            let err = load("", &settings).unwrap_err();
            assert!(err.to_string().contains(named), "{err}");
        }
        for (url, from, named) in [
            ("http://mail.example.com", "a@b.example", "TANGKAP_SMTP_URL"),
            (
                "smtps://mail.example.com",
                "not an address",
                "TANGKAP_MAIL_FROM",
            ),
        ] {
            let err = load(
                "",
                &[("TANGKAP_SMTP_URL", url), ("TANGKAP_MAIL_FROM", from)],
            )
            .unwrap_err();
            assert!(err.to_string().contains(named), "{err}");
        }
    }

    #[test]
    fn the_example_file_is_valid_and_documents_every_setting() {
        let example = include_str!("../../config/tangkap.example.toml");
        load(example, &[]).unwrap();
        let uncommented: String = example
            .lines()
            .map(|line| {
                line.strip_prefix("# ")
                    .filter(|l| l.contains(" = ") || l.starts_with('['))
                    .unwrap_or("")
            })
            .filter(|line| !line.is_empty())
            .map(|line| format!("{line}\n"))
            .collect();
        load(&uncommented, &[]).unwrap();
        for (key, name, _) in SETTINGS {
            assert!(
                example.contains(&format!("# {key} = ")),
                "{key} is not in the example"
            );
            assert!(example.contains(name), "{name} is not in the example");
        }
    }

    #[test]
    fn the_daily_digest_needs_a_time_of_day_and_the_staff_chat() {
        let config = load(
            "",
            &[
                ("TANGKAP_DIGEST_AT", "07:30"),
                ("TANGKAP_STAFF_CHAT", "-1001234"),
            ],
        )
        .unwrap();
        assert_eq!(config.digest_at, time::Time::from_hms(7, 30, 0).ok());
        assert_eq!(load("", &[]).unwrap().digest_at, None);
        for (value, staff_chat) in [
            ("24:00", "-1"),
            ("7.30", "-1"),
            ("", "-1"),
            ("17:00:00", "-1"),
            ("17:00", "0"),
        ] {
            let result = load(
                "",
                &[
                    ("TANGKAP_DIGEST_AT", value),
                    ("TANGKAP_STAFF_CHAT", staff_chat),
                ],
            );
            match value {
                "" => assert_eq!(result.unwrap().digest_at, None),
                _ => assert!(
                    result
                        .unwrap_err()
                        .to_string()
                        .contains("TANGKAP_DIGEST_AT"),
                    "{value}"
                ),
            }
        }
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let err = load("", &[("TANGKAP_BOT_TOKEN", "not-a-token")]).unwrap_err();
        assert!(err.to_string().contains("TANGKAP_BOT_TOKEN"));
        let err = load("", &[("TANGKAP_WEBHOOK_SECRET", "with space")]).unwrap_err();
        assert!(err.to_string().contains("TANGKAP_WEBHOOK_SECRET"));
        let err = load("nonsense = 1", &[]).unwrap_err();
        assert!(err.to_string().contains("nonsense"), "{err}");
        let err = load("", &[("TANGKAP_UTC_OFFSET", "Jakarta")]).unwrap_err();
        assert!(err.to_string().contains("TANGKAP_UTC_OFFSET"));
        let err = load("", &[("TANGKAP_REGISTRATION", "sometimes")]).unwrap_err();
        assert!(err.to_string().contains("TANGKAP_REGISTRATION"));
        let err = load("", &[("TANGKAP_OWNERS", "123, @budi")]).unwrap_err();
        assert!(err.to_string().contains("@budi"), "{err}");
        let err = load("", &[("TANGKAP_MEMBERSHIP_REFRESH", "soon")]).unwrap_err();
        assert!(err.to_string().contains("TANGKAP_MEMBERSHIP_REFRESH"));
    }

    #[test]
    fn time_targets() {
        let config = load(
            "sla_pickup = \"1h30m\"\nsla_warn_before = \"0\"",
            &[
                ("TANGKAP_SLA_CLOSE", "0"),
                ("TANGKAP_STAFF_CHAT", "-1001234"),
            ],
        )
        .unwrap();
        assert_eq!(config.sla.pickup, Some(Duration::from_secs(5400)));
        assert_eq!(config.sla.close, None, "0 turns a target off");
        assert_eq!(config.sla.warn_before, Duration::ZERO);
        assert_eq!(config.staff_chat, Some(-1001234));
        let defaults = load("", &[]).unwrap();
        assert_eq!(defaults.sla.pickup, Some(Duration::from_secs(1800)));
        assert_eq!(defaults.sla.close, Some(Duration::from_secs(4 * 3600)));
        assert_eq!(defaults.sla.warn_before, Duration::from_secs(900));
        for (name, value) in [
            ("TANGKAP_SLA_PICKUP", "soon"),
            ("TANGKAP_SLA_CLOSE", "40d"),
            ("TANGKAP_STAFF_CHAT", "12345"),
            ("TANGKAP_REMINDER_DIGEST", "2h"),
            ("TANGKAP_PICKUP_UNDO", "2m"),
        ] {
            let error = load("", &[(name, value)]).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("{name} is not valid")),
                "{error}"
            );
        }
    }

    #[test]
    fn access_settings() {
        let config = load(
            "registration = \"open\"\n",
            &[
                ("TANGKAP_OWNERS", " 111,222 "),
                ("TANGKAP_MEMBERSHIP_REFRESH", "1m30s"),
            ],
        )
        .unwrap();
        assert_eq!(config.registration, RegistrationMode::Open);
        assert_eq!(config.owners, vec![111, 222]);
        assert_eq!(config.membership_refresh, Duration::from_secs(90));
        let defaults = load("", &[]).unwrap();
        assert_eq!(defaults.registration, RegistrationMode::Approval);
        assert_eq!(defaults.membership_refresh, Duration::from_secs(600));
    }

    #[test]
    fn duplicate_order_ids_and_the_photo_folder() {
        let defaults = load("", &[]).unwrap();
        assert_eq!(defaults.duplicate_order_id, DuplicateOrderId::Link);
        assert_eq!(defaults.photo_dir(), PathBuf::from("data/photos"));
        let config = load(
            "duplicate_order_id = \"allow\"\ndatabase_url = \"sqlite:///srv/tangkap/t.db\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(config.duplicate_order_id, DuplicateOrderId::Allow);
        assert_eq!(config.photo_dir(), PathBuf::from("/srv/tangkap/photos"));
        let postgres = load("", &[("DATABASE_URL", "postgres://db.example/tangkap")]).unwrap();
        assert_eq!(postgres.photo_dir(), PathBuf::from("data/photos"));
        let set = load(
            "photo_dir = \"/var/cache/foto\"\n",
            &[("TANGKAP_DUPLICATE_ORDER_ID", "LINK")],
        )
        .unwrap();
        assert_eq!(set.photo_dir(), PathBuf::from("/var/cache/foto"));
        assert_eq!(set.duplicate_order_id, DuplicateOrderId::Link);
        for (file, env, name) in [
            (
                "",
                [("TANGKAP_DUPLICATE_ORDER_ID", "merge")],
                "TANGKAP_DUPLICATE_ORDER_ID",
            ),
            (
                "photo_dir = \" \"",
                [("TANGKAP_OWNERS", "1")],
                "TANGKAP_PHOTO_DIR",
            ),
        ] {
            let error = load(file, &env).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("{name} is not valid")),
                "{error}"
            );
        }
    }

    #[test]
    fn bookings_are_off_without_room_types_and_checked_when_on() {
        assert_eq!(load("", &[]).unwrap().booking, None);
        assert_eq!(
            load("[booking]\nhold = \"3h\"\n", &[]).unwrap().booking,
            None
        );
        let booking = load(
            "[booking]\nhotel_name = \"Hotel Melati\"\nstaff_chat = -100555\n\
             [[booking.room_types]]\nname = \"  Deluxe   King \"\nrooms = 4\n\
             [[booking.room_types]]\nname = \"Suite\"\nrooms = 1\n",
            &[],
        )
        .unwrap()
        .booking
        .unwrap();
        assert_eq!(booking.settings.hotel_name, "Hotel Melati");
        assert_eq!(
            booking.settings.hold,
            Duration::from_secs(7200),
            "the seed's 2 hours"
        );
        assert_eq!(booking.settings.warn_before, Duration::from_secs(900));
        assert_eq!(booking.settings.book_ahead_days, 60);
        assert_eq!(booking.settings.staff_chat, Some(-100555));
        assert_eq!(
            booking.settings.payment_text, "",
            "no note: the guest is told what to pay in their language"
        );
        assert_eq!(booking.room_types[0].name, "Deluxe King");
        assert_eq!(booking.room_types.len(), 2);
        assert_eq!(booking.room_types[0].price, 0, "no price unless set");
        assert_eq!(booking.release_at, time::macros::time!(18:00));
        assert_eq!(booking.remind_at, time::macros::time!(09:00));
        assert_eq!(booking.location, None, "no hotel_location: no extensions");

        let booking = load(
            "[booking]\nrelease_at = \"17:30\"\nremind_at = \"8:00\"\n\
             hotel_location = \"-6.200, 106.816\"\n\
             [[booking.room_types]]\nname = \"Deluxe\"\nrooms = 4\nprice = 450000\n",
            &[],
        )
        .unwrap()
        .booking
        .unwrap();
        assert_eq!(booking.room_types[0].price, 450_000);
        assert_eq!(booking.release_at, time::macros::time!(17:30));
        assert_eq!(booking.remind_at, time::macros::time!(08:00));
        assert_eq!(
            booking.location,
            Some(crate::config::LocationRule {
                hotel: (-6.2, 106.816),
                radius_m: 10_000,
                extend_by: Duration::from_secs(30 * 60),
                max_extensions: 2,
            }),
            "the seed's radius and extension by default"
        );
        let rule = load(
            "[booking]\nhotel_location = \"-6.2,106.8\"\nextend_radius = \"2.5km\"\n\
             extend_by = \"45m\"\nmax_extensions = 0\n\
             [[booking.room_types]]\nname = \"Deluxe\"\nrooms = 4\n",
            &[],
        )
        .unwrap()
        .booking
        .unwrap()
        .location
        .unwrap();
        assert_eq!(
            (rule.radius_m, rule.extend_by, rule.max_extensions),
            (2_500, Duration::from_secs(45 * 60), 0)
        );
        assert_eq!(booking.mails_per_hour, 200);

        let room = "[[booking.room_types]]\nname = \"Deluxe\"\nrooms = 4\n";
        for (bad, named) in [
            ("hold = \"soon\"", "booking.hold"),
            ("hold = \"1h\"\nwarn_before = \"2h\"", "booking.warn_before"),
            ("hold = \"1h\"\nwarn_before = \"1h\"", "booking.warn_before"),
            ("hotel_name = \"Hotel\\nMelati\"", "booking.hotel_name"),
            (
                "payment_text = \"x\"\nbook_ahead_days = 731",
                "booking.book_ahead_days",
            ),
            ("staff_chat = 12345", "booking.staff_chat"),
            ("book_ahead_days = 0", "booking.book_ahead_days"),
            ("release_at = \"18\"", "booking.release_at"),
            ("remind_at = \"25:00\"", "booking.remind_at"),
            ("hotel_location = \"Jakarta\"", "booking.hotel_location"),
            ("hotel_location = \"-91,106\"", "booking.hotel_location"),
            (
                "hotel_location = \"-6,106\"\nextend_radius = \"far\"",
                "booking.extend_radius",
            ),
            (
                "hotel_location = \"-6,106\"\nextend_radius = \"10\"",
                "booking.extend_radius",
            ),
            (
                "hotel_location = \"-6,106\"\nextend_by = \"5s\"",
                "booking.extend_by",
            ),
            (
                "hotel_location = \"-6,106\"\nmax_extensions = 11",
                "booking.max_extensions",
            ),
            ("mails_per_hour = 0", "booking.mails_per_hour"),
            ("mails_per_hour = 100001", "booking.mails_per_hour"),
        ] {
            let error = load(&format!("[booking]\n{bad}\n{room}"), &[]).unwrap_err();
            assert!(error.to_string().contains(named), "{bad}: {error}");
        }
        let negative = load(&format!("[booking]\n{room}price = -1\n"), &[]).unwrap_err();
        assert!(
            negative.to_string().contains("booking.room_types.price"),
            "{negative}"
        );
        let twice =
            format!("[booking]\n{room}[[booking.room_types]]\nname = \"deluxe\"\nrooms = 2\n");
        assert!(load(&twice, &[]).unwrap_err().to_string().contains("twice"));
        let unknown = load("[booking]\nphone = \"0812\"\n", &[]).unwrap_err();
        assert!(unknown.to_string().contains("phone"), "{unknown}");
    }
}
