//! The settings of one Tangkap instance, put together at the top: its own (where it
//! listens, its database, how it reaches Telegram, …) and each part's, extracted from the
//! layers of `config` (defaults < TOML file < environment) as that part owns them.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;
use time::UtcOffset;

use crate::{
    booking::{config::BookingConfig, HotelBase},
    config::{self, BotToken, ConfigError, Invalid, Layers, Secret, Settings},
    groups::settings::SlaDefaults,
    mail::MailSettings,
    metrics::MetricsSettings,
    ops::{backups::BackupSettings, disk::Floor},
    orders::{card::GroupFeatures, workflow::Rules, DuplicateOrderId},
    shop::ShopConfig,
    users::access::Registration,
    web::{
        server::ServerLimits,
        tls::{AcmeSettings, CertificateSource, TlsSettings},
    },
};

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
    /// How a `/daftar` account starts, and who becomes an owner by registering.
    pub registration: Registration,
    /// How long Telegram's word on who belongs to a group is trusted before it is asked
    /// again (access of members who left ends within this time).
    pub membership_refresh: Duration,
    /// How long a connection may take to send a whole request head, and how many
    /// connections are served at once.
    pub http: ServerLimits,
    /// Where `GET /metrics` is served, and to whom; off unless set.
    pub metrics: MetricsSettings,
    /// HTTPS served by Tangkap itself, its certificate from files or ACME; off unless set.
    pub tls: TlsSettings,
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
    /// Feedback 1 is a live card with buttons (Ambil, Selesai) edited as its ticket moves.
    pub group_buttons: bool,
    /// Requests get 👀 once picked up and 👍 once resolved.
    pub group_reactions: bool,
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
    /// Where owner alerts go: a person's private chat or an owners' group.
    pub alert_chat: Option<i64>,
    /// A second bot only owners talk to, through which alerts go (so that they still
    /// arrive when the main token is revoked); `None`: the main bot.
    pub alert_bot_token: Option<BotToken>,
    /// When problems are told to the alert chat.
    pub alerts: AlertRules,
    /// Scheduled backups: how often, where, how many kept, the off-site copy, encryption.
    pub backups: BackupSettings,
    /// The shop (`[shop]`); `None`: not enabled.
    pub shop: Option<ShopConfig>,
}

/// When problems are told to the owners (`TANGKAP_ALERT_CHAT`). The issue fixes these
/// (2 minutes, 5 minutes, 30 minutes, 10 % or 1 GB); they are not written in the settings,
/// and are a struct so that tests can shorten them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertRules {
    /// How often the owners' monitor looks (a pass costs a few small queries, a `statvfs`
    /// and, with a webhook, one getWebhookInfo).
    pub check_every: Duration,
    /// Telegram unreachable or refusing the token, mail failing, the database failing: a
    /// problem once it has lasted this long.
    pub failing_for: Duration,
    /// A message waiting this long to be sent is a problem.
    pub stuck_after: Duration,
    /// A failed webhook delivery at most this old means deliveries fail now: Telegram dates
    /// its error again at each retry, and keeps the last one after deliveries work again.
    pub webhook_error_within: Duration,
    /// At most one reminder this often while a problem lasts.
    pub remind_every: Duration,
    /// Less free disk than this is a problem.
    pub disk: Floor,
}

impl Default for AlertRules {
    fn default() -> Self {
        Self {
            check_every: Duration::from_secs(10),
            failing_for: Duration::from_secs(120),
            stuck_after: Duration::from_secs(300),
            webhook_error_within: Duration::from_secs(15 * 60),
            remind_every: Duration::from_secs(30 * 60),
            disk: Floor::default(),
        }
    }
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
            registration: Registration::default(),
            membership_refresh: Duration::from_secs(600),
            http: ServerLimits::default(),
            metrics: MetricsSettings::default(),
            tls: TlsSettings::default(),
            sla: SlaDefaults::default(),
            staff_chat: None,
            reminder_digest: Duration::from_secs(60),
            pickup_undo: Duration::from_secs(5),
            group_buttons: true,
            group_reactions: true,
            digest_at: None,
            booking: None,
            mail: None,
            duplicate_order_id: DuplicateOrderId::default(),
            photo_dir: None,
            alert_chat: None,
            alert_bot_token: None,
            alerts: AlertRules::default(),
            backups: BackupSettings::default(),
            shop: None,
        }
    }
}

/// Where Telegram posts updates in webhook mode, under the public URL.
pub const WEBHOOK_PATH: &str = "/telegram/webhook";

/// How updates reach us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intake {
    Polling,
    Webhook,
}

impl Config {
    /// Loads defaults, then the settings file, then the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::from_layers(&Layers::load()?)
    }

    /// Same as [`Config::load`] with the file and the environment given explicitly.
    pub fn load_from(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Self::from_layers(&Layers::read(path, env)?)
    }

    /// Each part's settings, and the instance's own.
    fn from_layers(layers: &Layers) -> Result<Self, ConfigError> {
        Ok(Self {
            registration: layers.extract()?,
            http: layers.extract()?,
            metrics: layers.extract()?,
            tls: layers.extract()?,
            sla: layers.extract()?,
            booking: layers.extract()?,
            mail: layers.extract()?,
            duplicate_order_id: layers.extract()?,
            backups: layers.extract()?,
            shop: layers.extract()?,
            ..layers.extract::<Self>()?
        })
    }

    /// The Mini App's address for buttons in private chats, when it has a public one.
    /// How ticket steps are written, wherever they are made: time targets, the undo time,
    /// and what the group sees.
    pub fn step_rules(&self) -> Rules {
        Rules {
            sla: self.sla,
            pickup_undo: self.pickup_undo,
            group: GroupFeatures {
                buttons: self.group_buttons,
                reactions: self.group_reactions,
                mini_app_link: self.miniapp_link.clone(),
            },
        }
    }

    /// Telegram posts updates to a webhook when there is a public URL and a secret to
    /// check them by; otherwise Tangkap long-polls.
    pub fn intake(&self) -> Intake {
        if self.webhook_secret.is_some() && self.public_url.is_some() {
            Intake::Webhook
        } else {
            Intake::Polling
        }
    }

    /// Where Telegram posts updates in webhook mode: the public URL's webhook route.
    pub fn webhook_url(&self) -> Option<String> {
        let public_url = self.public_url.as_ref()?;
        (self.intake() == Intake::Webhook).then(|| format!("{public_url}{WEBHOOK_PATH}"))
    }

    pub fn mini_app_url(&self) -> Option<String> {
        self.public_url.as_ref().map(|url| format!("{url}/"))
    }

    /// The folder Tangkap's own files go in unless set otherwise: the SQLite database
    /// file's (`data` for PostgreSQL).
    fn data_dir(&self) -> PathBuf {
        crate::db::backup::sqlite_path(&self.database_url)
            .and_then(|file| file.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("data"))
    }

    /// Where ticket photos are kept: the folder set, or `photos` beside a SQLite database
    /// file (`data/photos` for PostgreSQL).
    pub fn photo_dir(&self) -> PathBuf {
        match &self.photo_dir {
            Some(dir) => dir.clone(),
            None => self.data_dir().join("photos"),
        }
    }

    /// Where scheduled backups are written: the folder set (`TANGKAP_BACKUP_DIR`), or
    /// `backups` beside a SQLite database file (`data/backups` for PostgreSQL).
    pub fn backup_dir(&self) -> PathBuf {
        match &self.backups.dir {
            Some(dir) => dir.clone(),
            None => self.data_dir().join("backups"),
        }
    }

    /// Where ACME keeps the account and the certificate: the folder set
    /// (`TANGKAP_ACME_CACHE`), or `acme` beside a SQLite database file (`data/acme` for
    /// PostgreSQL).
    pub fn acme_cache(&self) -> PathBuf {
        match &self.tls.certificate {
            Some(CertificateSource::Acme(AcmeSettings {
                cache: Some(dir), ..
            })) => dir.clone(),
            _ => self.data_dir().join("acme"),
        }
    }

    /// The folders Tangkap writes to: the SQLite database's and the photos'.
    pub fn data_folders(&self) -> Vec<PathBuf> {
        let database =
            crate::db::backup::sqlite_path(&self.database_url).map(|file| match file.parent() {
                Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
                _ => PathBuf::from("."),
            });
        database.into_iter().chain([self.photo_dir()]).collect()
    }

    /// The hotel, when bookings are on (room types are configured).
    pub fn hotel(&self) -> Option<HotelBase> {
        self.booking.as_ref().map(|booking| {
            HotelBase::new(
                booking,
                self.utc_offset,
                self.public_url.as_deref(),
                self.mail.is_some(),
            )
        })
    }
}

/// The instance's own settings as written; each part reads its own keys.
#[derive(Debug, Deserialize)]
pub struct Written {
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
    membership_refresh: Option<String>,
    staff_chat: Option<i64>,
    reminder_digest: Option<String>,
    pickup_undo: Option<String>,
    group_buttons: Option<bool>,
    group_reactions: Option<bool>,
    digest_at: Option<String>,
    photo_dir: Option<String>,
    alert_chat: Option<i64>,
    alert_bot_token: Option<String>,
}

/// The instance's own settings; each part's are its defaults until [`Config::load`] puts
/// them in.
impl Settings for Config {
    type Written = Written;

    fn check(written: Written) -> Result<Self, Invalid> {
        let defaults = Config::default();
        let https_url = |key: &'static str, url: Option<String>| -> Result<_, Invalid> {
            url.map(|u| {
                let u = u.trim().trim_end_matches('/').to_owned();
                if u.starts_with("https://") || u.starts_with("http://") {
                    Ok(u)
                } else {
                    Err(Invalid::new(key, "expected an URL starting with https://"))
                }
            })
            .transpose()
        };
        let poll_timeout = match written.poll_timeout_secs {
            Some(secs @ 0..=50) => Duration::from_secs(secs),
            Some(_) => {
                return Err(Invalid::new(
                    "poll_timeout_secs",
                    "Telegram accepts at most 50 seconds",
                ))
            }
            None => defaults.poll_timeout,
        };
        let staff_chat = match written.staff_chat {
            Some(0) => None,
            Some(chat) if chat > 0 => {
                return Err(Invalid::new(
                    "staff_chat",
                    "expected a group's chat id, which is negative (e.g. -1001234567890)",
                ))
            }
            chat => chat,
        };
        Ok(Config {
            bot_token: written
                .bot_token
                .as_deref()
                .map(BotToken::parse)
                .transpose()?,
            api_url: https_url("api_url", written.api_url)?.unwrap_or(defaults.api_url),
            database_url: written
                .database_url
                .map(|u| u.trim().to_owned())
                .unwrap_or(defaults.database_url),
            listen: match written.listen {
                Some(addr) => addr.trim().parse().map_err(|_| {
                    Invalid::new("listen", "expected an address such as 127.0.0.1:8080")
                })?,
                None => defaults.listen,
            },
            public_url: https_url("public_url", written.public_url)?,
            webhook_secret: match written.webhook_secret {
                Some(secret) => Some(webhook_secret(&secret)?),
                None => None,
            },
            miniapp_link: https_url("miniapp_link", written.miniapp_link)?,
            utc_offset: match written.utc_offset {
                Some(text) => config::utc_offset("utc_offset", &text)?,
                None => defaults.utc_offset,
            },
            poll_timeout,
            session_ttl: match written.session_hours {
                Some(hours @ 1..=720) => Duration::from_secs(hours * 3600),
                Some(_) => return Err(Invalid::new("session_hours", "use 1 to 720 hours")),
                None => defaults.session_ttl,
            },
            init_data_max_age: match written.init_data_max_age_secs {
                Some(secs @ 60..=604_800) => Duration::from_secs(secs),
                Some(_) => {
                    return Err(Invalid::new(
                        "init_data_max_age_secs",
                        "use 60 to 604800 seconds",
                    ))
                }
                None => defaults.init_data_max_age,
            },
            browser_login: written.browser_login.unwrap_or(defaults.browser_login),
            trust_forwarded_for: written
                .trust_forwarded_for
                .unwrap_or(defaults.trust_forwarded_for),
            membership_refresh: match written.membership_refresh {
                Some(text) => config::duration_within(
                    "membership_refresh",
                    &text,
                    Duration::from_secs(1),
                    Duration::from_secs(3600),
                    "use a duration from 1s to 1h",
                )?,
                None => defaults.membership_refresh,
            },
            staff_chat,
            reminder_digest: match written.reminder_digest {
                Some(text) => config::duration_within(
                    "reminder_digest",
                    &text,
                    Duration::ZERO,
                    Duration::from_secs(3600),
                    "use at most 1h (0: every reminder on its own)",
                )?,
                None => defaults.reminder_digest,
            },
            pickup_undo: match written.pickup_undo {
                Some(text) => config::duration_within(
                    "pickup_undo",
                    &text,
                    Duration::ZERO,
                    Duration::from_secs(60),
                    "use at most 1m (0: no undo, the group is told at once)",
                )?,
                None => defaults.pickup_undo,
            },
            group_buttons: written.group_buttons.unwrap_or(defaults.group_buttons),
            group_reactions: written.group_reactions.unwrap_or(defaults.group_reactions),
            digest_at: match written.digest_at.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(_) if staff_chat.is_none() => {
                    return Err(Invalid::new(
                        "digest_at",
                        "the daily rekap goes to the staff chat: set TANGKAP_STAFF_CHAT too",
                    ))
                }
                Some(text) => Some(config::time_of_day("digest_at", text)?),
            },
            photo_dir: match written.photo_dir.as_deref().map(str::trim) {
                Some("") => {
                    return Err(Invalid::new(
                        "photo_dir",
                        "expected a folder, e.g. data/photos",
                    ))
                }
                dir => dir.map(PathBuf::from),
            },
            alert_chat: match written.alert_chat {
                Some(0) => {
                    return Err(Invalid::new(
                        "alert_chat",
                        "expected a chat id: a person's (e.g. 123456789) or a group's \
                         (negative, e.g. -1001234567890)",
                    ))
                }
                chat => chat,
            },
            alert_bot_token: match written.alert_bot_token {
                Some(_) if written.alert_chat.is_none() => {
                    return Err(Invalid::new(
                        "alert_bot_token",
                        "needs TANGKAP_ALERT_CHAT: the chat its alerts go to",
                    ))
                }
                Some(raw) => Some(
                    BotToken::parse(&raw)
                        .map_err(|invalid| Invalid::new("alert_bot_token", invalid.message))?,
                ),
                None => None,
            },
            ..defaults
        })
    }
}

/// Telegram allows 1–256 characters `A-Z`, `a-z`, `0-9`, `_` and `-` for the secret token.
fn webhook_secret(raw: &str) -> Result<Secret, Invalid> {
    let raw = raw.trim();
    let valid = (1..=256).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(Secret::new(raw))
    } else {
        Err(Invalid::new(
            "webhook_secret",
            "use 1 to 256 characters from A-Z, a-z, 0-9, _ and -",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::SETTINGS, users::access::RegistrationMode};

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
        let example = include_str!("../config/tangkap.example.toml");
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
    fn metrics_settings_are_read_and_the_token_never_printed() {
        let config = load(
            "metrics_listen = \"127.0.0.1:9090\"\n",
            &[("TANGKAP_METRICS_TOKEN", "TokenScraperRahasia_0123")],
        )
        .unwrap();
        assert_eq!(
            config.metrics.token.as_ref().map(Secret::expose),
            Some("TokenScraperRahasia_0123")
        );
        assert_eq!(config.metrics.listen, "127.0.0.1:9090".parse().ok());
        assert!(!format!("{config:?}").contains("TokenScraperRahasia"));
        assert!(!load("", &[]).unwrap().metrics.enabled());
        for (name, value) in [
            ("TANGKAP_METRICS_TOKEN", "pendek"),
            ("TANGKAP_METRICS_LISTEN", "9090"),
        ] {
            let error = load("", &[(name, value)]).unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("{name} is not valid")),
                "{error}"
            );
        }
    }

    #[test]
    fn https_is_off_unless_asked_and_each_way_checked() {
        let defaults = load("", &[]).unwrap();
        assert_eq!(defaults.tls.certificate, None, "no HTTPS unless asked");
        assert_eq!(defaults.tls.listen, SocketAddr::from(([0, 0, 0, 0], 443)));
        assert_eq!(defaults.acme_cache(), PathBuf::from("data/acme"));

        let files = load(
            "tls_cert = \"/etc/tangkap/fullchain.pem\"\n",
            &[("TANGKAP_TLS_KEY", "/etc/tangkap/privkey.pem")],
        )
        .unwrap();
        assert_eq!(
            files.tls.certificate,
            Some(CertificateSource::Files {
                cert: PathBuf::from("/etc/tangkap/fullchain.pem"),
                key: PathBuf::from("/etc/tangkap/privkey.pem"),
            }),
            "the two files alone mean HTTPS from them"
        );

        let acme = load(
            "public_url = \"https://Tangkap.Example.com/\"\ntls = \"acme\"\n\
             database_url = \"sqlite:///srv/tangkap/t.db\"\n\
             tls_cert = \"/etc/tangkap/fullchain.pem\"\n",
            &[
                ("TANGKAP_ACME_EMAIL", "owner@example.com"),
                ("TANGKAP_TLS_LISTEN", "127.0.0.1:8443"),
            ],
        )
        .unwrap();
        assert_eq!(
            acme.tls.certificate,
            Some(CertificateSource::Acme(AcmeSettings {
                domain: "tangkap.example.com".into(),
                email: "owner@example.com".into(),
                directory: crate::web::tls::LETS_ENCRYPT.into(),
                cache: None,
                directory_ca: None,
            })),
            "acme said outright wins over a file named"
        );
        assert_eq!(acme.tls.listen, SocketAddr::from(([127, 0, 0, 1], 8443)));
        assert_eq!(acme.acme_cache(), PathBuf::from("/srv/tangkap/acme"));
        let cached = load(
            "public_url = \"https://tangkap.example.com\"\n",
            &[
                ("TANGKAP_TLS", "ACME"),
                ("TANGKAP_ACME_EMAIL", "owner@example.com"),
                ("TANGKAP_ACME_CACHE", "/var/cache/tangkap-acme"),
            ],
        )
        .unwrap();
        assert_eq!(
            cached.acme_cache(),
            PathBuf::from("/var/cache/tangkap-acme")
        );
        let off = load(
            "tls_cert = \"a.pem\"\ntls_key = \"b.pem\"\n",
            &[("TANGKAP_TLS", "off")],
        )
        .unwrap();
        assert_eq!(off.tls.certificate, None, "off wins over the files");

        let acme_at = |url: &str, email: &str, directory: &str| {
            load(
                &format!("public_url = \"{url}\"\n"),
                &[
                    ("TANGKAP_TLS", "acme"),
                    ("TANGKAP_ACME_EMAIL", email),
                    ("TANGKAP_ACME_DIRECTORY", directory),
                ],
            )
        };
        let le = crate::web::tls::LETS_ENCRYPT;
        for (result, name) in [
            (load("", &[("TANGKAP_TLS", "yes")]), "TANGKAP_TLS"),
            (
                load("", &[("TANGKAP_TLS_CERT", "a.pem")]),
                "TANGKAP_TLS_KEY",
            ),
            (
                load(
                    "",
                    &[("TANGKAP_TLS", "files"), ("TANGKAP_TLS_KEY", "b.pem")],
                ),
                "TANGKAP_TLS_CERT",
            ),
            (
                load("", &[("TANGKAP_TLS_LISTEN", "443")]),
                "TANGKAP_TLS_LISTEN",
            ),
            (
                load(
                    "",
                    &[
                        ("TANGKAP_TLS", "acme"),
                        ("TANGKAP_ACME_EMAIL", "a@b.example"),
                    ],
                ),
                "TANGKAP_TLS",
            ),
            (
                acme_at("http://tangkap.example.com", "a@b.example", le),
                "TANGKAP_TLS",
            ),
            (
                acme_at("https://203.0.113.7", "a@b.example", le),
                "TANGKAP_TLS",
            ),
            (
                acme_at("https://[2001:db8::7]", "a@b.example", le),
                "TANGKAP_TLS",
            ),
            (
                acme_at("https://tangkap.example.com", "bukan alamat", le),
                "TANGKAP_ACME_EMAIL",
            ),
            (
                load(
                    "public_url = \"https://tangkap.example.com\"\n",
                    &[("TANGKAP_TLS", "acme")],
                ),
                "TANGKAP_ACME_EMAIL",
            ),
            (
                acme_at(
                    "https://tangkap.example.com",
                    "a@b.example",
                    "http://acme.example/directory",
                ),
                "TANGKAP_ACME_DIRECTORY",
            ),
        ] {
            let error = result.unwrap_err().to_string();
            assert!(
                error.starts_with(&format!("{name} is not valid")),
                "{name}: {error}"
            );
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
    fn alerts_go_to_a_chat_through_an_optional_second_bot_never_printed() {
        let config = load(
            "alert_chat = -1009876",
            &[(
                "TANGKAP_ALERT_BOT_TOKEN",
                "987654:AAAlertBotSecret_0123456789",
            )],
        )
        .unwrap();
        assert_eq!(config.alert_chat, Some(-1009876));
        assert_eq!(config.alert_bot_token.as_ref().unwrap().bot_id(), 987654);
        assert!(!format!("{config:?}").contains("AAAlertBotSecret"));
        let private = load("", &[("TANGKAP_ALERT_CHAT", "123456789")]).unwrap();
        assert_eq!(private.alert_chat, Some(123456789), "an owner's own chat");
        assert_eq!(private.alert_bot_token, None, "the main bot then");
        for (file, env) in [
            ("", ("TANGKAP_ALERT_CHAT", "0")),
            ("", ("TANGKAP_ALERT_CHAT", "@pemilik")),
            (
                "alert_chat = -1",
                ("TANGKAP_ALERT_BOT_TOKEN", "12345:tooShort"),
            ),
            (
                "",
                (
                    "TANGKAP_ALERT_BOT_TOKEN",
                    "987654:AAAlertBotSecret_0123456789",
                ),
            ),
        ] {
            let error = load(file, &[env]).unwrap_err().to_string();
            assert!(error.starts_with(env.0), "{error}");
            assert!(!error.contains("AAAlertBotSecret"), "{error}");
        }
        let lonely = load(
            "",
            &[(
                "TANGKAP_ALERT_BOT_TOKEN",
                "987654:AAAlertBotSecret_0123456789",
            )],
        )
        .unwrap_err();
        assert!(
            lonely.to_string().contains("TANGKAP_ALERT_CHAT"),
            "{lonely}"
        );
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
        assert_eq!(config.registration.mode, RegistrationMode::Open);
        assert_eq!(config.registration.owners, vec![111, 222]);
        assert_eq!(config.membership_refresh, Duration::from_secs(90));
        let defaults = load("", &[]).unwrap();
        assert_eq!(defaults.registration.mode, RegistrationMode::Approval);
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
    fn the_data_lives_beside_the_database_file_and_in_the_photo_folder() {
        let config = Config {
            database_url: "sqlite:///srv/tangkap/tangkap.db".into(),
            ..Config::default()
        };
        assert_eq!(
            config.data_folders(),
            [
                PathBuf::from("/srv/tangkap"),
                PathBuf::from("/srv/tangkap/photos")
            ]
        );
        let postgres = Config {
            database_url: "postgres://db.example/tangkap".into(),
            ..Config::default()
        };
        assert_eq!(postgres.data_folders(), [PathBuf::from("data/photos")]);
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
            Some(crate::booking::config::LocationRule {
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
