//! The layering of settings, and nothing of what they mean: built-in defaults, then the
//! TOML file (`config/tangkap.toml`, or the path in `TANGKAP_CONFIG`), then environment
//! variables, later ones winning, merged by figment into [`Layers`]. Each part of Tangkap
//! owns its settings, as they are written and as they are checked ([`Settings`]); the top
//! (`settings::Config`) extracts each part's from the layers. A value refused is named as
//! the user wrote it: by its environment variable, or `booking.…` in the file's section.
//!
//! Secrets are wrapped in types whose `Debug` never prints them, so settings dumped into a
//! log line cannot leak the bot token.

use std::{fmt, path::Path, time::Duration};

use figment::{
    providers::{Format, Toml},
    value::{Dict, Map, Value},
    Figment, Metadata, Profile, Provider,
};
use serde::de::DeserializeOwned;
use time::UtcOffset;

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
    Value { name: String, message: String },
    #[error("TANGKAP_BOT_TOKEN is not set: `tangkap run` needs the token BotFather gave you")]
    MissingToken,
}

/// A value refused by a part's checks, named by its key in the file (`sla_pickup`,
/// `booking.hold`); [`Layers`] names it as the user wrote it.
#[derive(Debug)]
pub struct Invalid {
    pub key: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(key: &'static str, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not valid: {}", self.key, self.message)
    }
}

/// Settings a part of Tangkap owns: how they are written in the layers (`Written`, whose
/// missing values are the part's defaults) and the checks that make them.
pub trait Settings: Sized {
    type Written: DeserializeOwned;

    fn check(written: Self::Written) -> Result<Self, Invalid>;
}

/// A Telegram bot token (`123456:ABC…`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    /// Checks the shape BotFather hands out: a numeric bot id, a colon, a secret part.
    /// The shape matters beyond tidiness: HTTP errors are scrubbed of anything that looks
    /// like `bot<id>:<secret>`, so a token of another shape could slip into a log.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
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
            Err(Invalid::new(
                "bot_token",
                "expected the form 123456789:AAE… given by BotFather",
            ))
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

/// What kind of value a setting holds, so an environment variable (always text) can be
/// read as the same type the file would give.
#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Whole,
    Switch,
}

/// Each key of the file outside its sections, its environment variable, and its kind.
pub const SETTINGS: [(&str, &str, Kind); 56] = [
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
    (
        "max_connections_per_client",
        "TANGKAP_MAX_CONNECTIONS_PER_CLIENT",
        Kind::Whole,
    ),
    ("metrics_token", "TANGKAP_METRICS_TOKEN", Kind::Text),
    ("metrics_listen", "TANGKAP_METRICS_LISTEN", Kind::Text),
    ("tls", "TANGKAP_TLS", Kind::Text),
    ("tls_listen", "TANGKAP_TLS_LISTEN", Kind::Text),
    ("tls_cert", "TANGKAP_TLS_CERT", Kind::Text),
    ("tls_key", "TANGKAP_TLS_KEY", Kind::Text),
    ("acme_email", "TANGKAP_ACME_EMAIL", Kind::Text),
    ("acme_directory", "TANGKAP_ACME_DIRECTORY", Kind::Text),
    ("acme_cache", "TANGKAP_ACME_CACHE", Kind::Text),
    ("acme_directory_ca", "TANGKAP_ACME_DIRECTORY_CA", Kind::Text),
    ("sla_pickup", "TANGKAP_SLA_PICKUP", Kind::Text),
    ("sla_close", "TANGKAP_SLA_CLOSE", Kind::Text),
    ("sla_warn_before", "TANGKAP_SLA_WARN_BEFORE", Kind::Text),
    ("staff_chat", "TANGKAP_STAFF_CHAT", Kind::Whole),
    ("reminder_digest", "TANGKAP_REMINDER_DIGEST", Kind::Text),
    ("pickup_undo", "TANGKAP_PICKUP_UNDO", Kind::Text),
    ("group_buttons", "TANGKAP_GROUP_BUTTONS", Kind::Switch),
    ("group_reactions", "TANGKAP_GROUP_REACTIONS", Kind::Switch),
    ("digest_at", "TANGKAP_DIGEST_AT", Kind::Text),
    ("smtp_url", "TANGKAP_SMTP_URL", Kind::Text),
    ("mail_from", "TANGKAP_MAIL_FROM", Kind::Text),
    (
        "duplicate_order_id",
        "TANGKAP_DUPLICATE_ORDER_ID",
        Kind::Text,
    ),
    ("photo_dir", "TANGKAP_PHOTO_DIR", Kind::Text),
    ("alert_chat", "TANGKAP_ALERT_CHAT", Kind::Whole),
    ("alert_bot_token", "TANGKAP_ALERT_BOT_TOKEN", Kind::Text),
    ("backup_every", "TANGKAP_BACKUP_EVERY", Kind::Text),
    ("backup_dir", "TANGKAP_BACKUP_DIR", Kind::Text),
    ("backup_keep", "TANGKAP_BACKUP_KEEP", Kind::Whole),
    ("backup_s3_url", "TANGKAP_BACKUP_S3_URL", Kind::Text),
    ("backup_s3_region", "TANGKAP_BACKUP_S3_REGION", Kind::Text),
    (
        "backup_s3_endpoint",
        "TANGKAP_BACKUP_S3_ENDPOINT",
        Kind::Text,
    ),
    (
        "backup_s3_access_key",
        "TANGKAP_BACKUP_S3_ACCESS_KEY",
        Kind::Text,
    ),
    (
        "backup_s3_secret_key",
        "TANGKAP_BACKUP_S3_SECRET_KEY",
        Kind::Text,
    ),
    (
        "backup_age_recipient",
        "TANGKAP_BACKUP_AGE_RECIPIENT",
        Kind::Text,
    ),
    ("pakasir_project", "TANGKAP_PAKASIR_PROJECT", Kind::Text),
    ("pakasir_api_key", "TANGKAP_PAKASIR_API_KEY", Kind::Text),
    ("pakasir_url", "TANGKAP_PAKASIR_URL", Kind::Text),
];

/// The file's sections: bookings and the shop have many settings and a list each (room
/// types, products).
const SECTIONS: [&str; 2] = ["booking", "shop"];

impl Kind {
    fn read(self, name: &'static str, value: &str) -> Result<Value, ConfigError> {
        let value = value.trim();
        let invalid = |message: &str| ConfigError::Value {
            name: name.into(),
            message: message.into(),
        };
        Ok(match self {
            Kind::Text => Value::from(value.to_owned()),
            Kind::Whole => Value::from(
                value
                    .parse::<i64>()
                    .map_err(|_| invalid("expected a whole number"))?,
            ),
            Kind::Switch => Value::from(match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(invalid("expected true or false")),
            }),
        })
    }
}

/// The environment's layer: the variables of [`SETTINGS`] that are set and not empty,
/// under their keys, as values of their kind.
struct Environment(Dict);

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variables")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.0.clone()))
    }
}

/// The file and the environment merged; each part's defaults fill what neither sets.
pub struct Layers(Figment);

impl Layers {
    /// The settings file (`TANGKAP_CONFIG`, or [`DEFAULT_CONFIG_FILE`]) and the process
    /// environment.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var("TANGKAP_CONFIG").unwrap_or_else(|_| DEFAULT_CONFIG_FILE.into());
        Self::read(Path::new(&path), |name| std::env::var(name).ok())
    }

    /// Same as [`Layers::load`] with the file and the environment given explicitly. A
    /// missing file is an empty one; a key it has that nothing reads is refused, so that a
    /// typo is caught at start.
    pub fn read(path: &Path, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let file_error = |message: String| ConfigError::File {
            path: path.display().to_string(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| file_error(e.message().to_owned()))?;
        let known = || SETTINGS.iter().map(|(key, ..)| *key).chain(SECTIONS);
        if let Some(unknown) = table.keys().find(|key| !known().any(|k| k == key.as_str())) {
            let expected: Vec<String> = known().map(|k| format!("`{k}`")).collect();
            return Err(file_error(format!(
                "unknown field `{unknown}`, expected one of {}",
                expected.join(", ")
            )));
        }
        let mut environment = Dict::new();
        for (key, name, kind) in SETTINGS {
            if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                environment.insert(key.to_owned(), kind.read(name, &value)?);
            }
        }
        Ok(Self(
            Figment::from(Toml::string(&text)).merge(Environment(environment)),
        ))
    }

    /// A part's settings, checked; a value refused is named as the user wrote it.
    pub fn extract<S: Settings>(&self) -> Result<S, ConfigError> {
        let written = self.0.extract::<S::Written>().map_err(|error| {
            let path: Vec<&str> = error
                .path
                .iter()
                .map(String::as_str)
                // A list's items are named by their list (`booking.room_types.price`).
                .filter(|part| part.parse::<usize>().is_err())
                .collect();
            let message = match &error.kind {
                figment::error::Kind::Message(message) => message.clone(),
                kind => kind.to_string(),
            };
            ConfigError::Value {
                name: name_of(&path.join(".")),
                message,
            }
        })?;
        S::check(written).map_err(|invalid| ConfigError::Value {
            name: name_of(invalid.key),
            message: invalid.message,
        })
    }
}

/// How the user names a key: its environment variable, or the key itself in a section.
fn name_of(key: &str) -> String {
    SETTINGS
        .iter()
        .find(|(k, ..)| *k == key)
        .map_or(key, |(_, name, _)| name)
        .to_owned()
}

// --- Values as people write them, for every part's checks --------------------------------

/// A duration, as [`crate::duration::parse`] reads it: `90s`, `15m`, `2h`, `1h30m`,
/// `30 menit`, `2 jam`; `0` is zero.
pub fn duration(key: &'static str, text: &str) -> Result<Duration, Invalid> {
    crate::duration::parse(text).ok_or_else(|| {
        Invalid::new(
            key,
            format!(
                "expected a duration such as 90s, 15m, 2h, 1h30m, 30 menit or 2 jam, not {:?}",
                text.trim()
            ),
        )
    })
}

/// A duration from `least` to `most`, or the error saying `allowed`.
pub fn duration_within(
    key: &'static str,
    text: &str,
    least: Duration,
    most: Duration,
    allowed: &str,
) -> Result<Duration, Invalid> {
    match duration(key, text)? {
        d if d < least || d > most => Err(Invalid::new(key, allowed)),
        d => Ok(d),
    }
}

/// A time of day, `HH:MM` (24-hour clock).
pub fn time_of_day(key: &'static str, text: &str) -> Result<time::Time, Invalid> {
    let invalid = || {
        Invalid::new(
            key,
            format!("expected a time of day as HH:MM, e.g. 17:00 (got {text:?})"),
        )
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

/// Accepts `+07:00`, `-03:30` or `+7`.
pub fn utc_offset(key: &'static str, raw: &str) -> Result<UtcOffset, Invalid> {
    let invalid = || Invalid::new(key, "expected an offset such as +07:00");
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

/// Comma-separated Telegram user ids, e.g. `12345, 67890`.
pub fn telegram_ids(key: &'static str, text: &str) -> Result<Vec<i64>, Invalid> {
    text.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<i64>().ok().filter(|&id| id > 0).ok_or_else(|| {
                Invalid::new(
                    key,
                    format!("{id:?} is not a Telegram user id (a positive number)"),
                )
            })
        })
        .collect()
}
