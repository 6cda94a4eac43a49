//! `tangkap doctor`: what an owner checks before trusting an installation, and again when
//! something seems wrong. Each check asks the real thing (Telegram, the public address,
//! the database, the SMTP server, the disk) as Tangkap itself would, and changes nothing
//! there: no message, no mail, no migration, no database file made. Each says on one line
//! what it found: ✅ and what it saw, ❌ with what is wrong and the fix, or ➖ and why it
//! does not apply to this configuration (no webhook when polling, no SMTP with mail off,
//! no https for a loopback address used in testing). One language, Indonesian unless
//! English is asked for.

use std::{
    fmt,
    time::{Duration, SystemTime},
};

use serde_json::{json, Value};

use crate::{
    db::{self, Db, DbError},
    duration,
    lang::Lang,
    mail::{self, MailVia, SmtpTrouble},
    ops::disk,
    settings::Config,
    telegram::api::{ApiError, BotApi},
    users::{team, AccountState},
};

/// More than this between this machine's clock and Telegram's is a problem: Mini App
/// logins (Telegram's signed `auth_date`) and every deadline are judged by this clock.
const MOST_CLOCK_SKEW: Duration = Duration::from_secs(30);
/// How many active accounts' menu buttons are looked at (the most recent logins first).
const MENU_BUTTONS_LOOKED_AT: usize = 20;
/// How long one call (to Telegram, the public address, the database) may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// How a run is told.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub lang: Lang,
    /// Less free disk than this is a problem.
    pub disk: disk::Floor,
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Works; what was seen.
    Ok(String),
    /// What is wrong, and what to do about it.
    Failed { problem: String, fix: String },
    /// Why the check does not apply here.
    Skipped(String),
}

fn failed(problem: String, fix: String) -> Outcome {
    Outcome::Failed { problem, fix }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
}

/// Every check, in the order they are shown.
#[derive(Clone, Debug)]
pub struct Report {
    pub checks: Vec<Check>,
    lang: Lang,
}

impl Report {
    /// No check failed.
    pub fn healthy(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|check| matches!(check.outcome, Outcome::Failed { .. }))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for Check { name, outcome } in &self.checks {
            match outcome {
                Outcome::Ok(detail) => writeln!(f, "✅ {name}: {detail}")?,
                Outcome::Failed { problem, fix } => writeln!(f, "❌ {name}: {problem} — {fix}")?,
                Outcome::Skipped(why) => {
                    let skipped = self.lang.pick("dilewati", "skipped");
                    writeln!(f, "➖ {name}: {skipped} ({why})")?
                }
            }
        }
        Ok(())
    }
}

/// Runs every check of `config`; those that do not wait on one another at once.
pub async fn examine(config: &Config, options: &Options) -> Report {
    let lang = options.lang;
    let ((token, telegram), (database, db), public_url, smtp) = tokio::join!(
        token(config, lang),
        database(config, lang),
        public_url(config, lang),
        smtp(config, lang),
    );
    let (webhook, menu_button, alert_chat) = tokio::join!(
        webhook(config, &telegram, lang),
        menu_button(config, &telegram, db.as_ref(), lang),
        alert_chat(config, &telegram, lang),
    );
    if let Some(db) = db {
        db.close().await;
    }
    let checks = [
        (lang.pick("Token bot", "Bot token"), token),
        ("Webhook", webhook),
        (lang.pick("Alamat publik", "Public URL"), public_url),
        (
            lang.pick("Tombol menu Mini App", "Mini App menu button"),
            menu_button,
        ),
        ("Database", database),
        ("SMTP", smtp),
        (lang.pick("Chat peringatan", "Alert chat"), alert_chat),
        (
            lang.pick("Ruang disk", "Disk space"),
            disk_space(config, options.disk, lang),
        ),
        (lang.pick("Jam", "Clock"), clock(&telegram, lang)),
    ];
    Report {
        checks: checks
            .into_iter()
            .map(|(name, outcome)| Check { name, outcome })
            .collect(),
        lang,
    }
}

/// What the token check leaves the other Telegram checks: the bot's client while its
/// token works, else why they cannot run; and when Telegram answered by its clock and
/// by ours.
struct Telegram {
    api: Result<BotApi, String>,
    answered: Option<(SystemTime, SystemTime)>,
}

/// `getMe` with the token: who the bot is.
async fn token(config: &Config, lang: Lang) -> (Outcome, Telegram) {
    let Some(token) = &config.bot_token else {
        let outcome = failed(
            lang.pick(
                "TANGKAP_BOT_TOKEN belum diisi",
                "TANGKAP_BOT_TOKEN is not set",
            )
            .into(),
            lang.pick(
                "isi dengan token bot dari @BotFather",
                "set it to the bot's token from @BotFather",
            )
            .into(),
        );
        let no_token = lang.pick("tanpa token bot", "no bot token");
        return (
            outcome,
            Telegram {
                api: Err(no_token.into()),
                answered: None,
            },
        );
    };
    let api = BotApi::new(&config.api_url, token);
    let (me, date) = api
        .call_method_dated::<Value>("getMe", &json!({}), PATIENCE)
        .await;
    let answered = date.map(|date| (date, SystemTime::now()));
    match me {
        Ok(me) => {
            let name = me["username"].as_str().unwrap_or_default();
            let detail = format!("@{name} (id {})", me["id"]);
            (
                Outcome::Ok(detail),
                Telegram {
                    api: Ok(api),
                    answered,
                },
            )
        }
        Err(e) => {
            let (problem, fix) = match &e {
                ApiError::Refused { code: 401, .. } => revoked("TANGKAP_BOT_TOKEN", lang),
                _ => telegram_trouble(&e, config, lang),
            };
            let broken = match &e {
                ApiError::Refused { code: 401, .. } => {
                    lang.pick("token bot ditolak", "the bot token is refused")
                }
                _ => lang.pick("getMe gagal", "getMe failed"),
            };
            (
                failed(problem, fix),
                Telegram {
                    api: Err(broken.into()),
                    answered,
                },
            )
        }
    }
}

/// A token Telegram answers 401 for.
fn revoked(setting: &str, lang: Lang) -> (String, String) {
    (
        lang.pick(
            format!("Telegram menolak {setting} (401): salah atau sudah dicabut"),
            format!("Telegram refuses {setting} (401): wrong or revoked"),
        ),
        lang.pick(
            format!("minta token baru di @BotFather (/mybots → API Token) dan isi {setting}"),
            format!("get a new token from @BotFather (/mybots → API Token) into {setting}"),
        ),
    )
}

/// A call to Telegram that failed, and what to do, for a failure any call may meet.
fn telegram_trouble(error: &ApiError, config: &Config, lang: Lang) -> (String, String) {
    let api_url = &config.api_url;
    match error {
        ApiError::Network(detail) => (
            lang.pick(
                format!("Bot API di {api_url} tidak terjangkau ({detail})"),
                format!("the Bot API at {api_url} cannot be reached ({detail})"),
            ),
            lang.pick(
                "periksa jaringan, DNS dan firewall mesin ini ke Telegram (TANGKAP_API_URL)",
                "check this machine's network, DNS and firewall towards Telegram (TANGKAP_API_URL)",
            )
            .into(),
        ),
        ApiError::RetryAfter(wait) => (
            lang.pick(
                format!("Telegram meminta menunggu {} (429)", span(*wait, lang)),
                format!("Telegram asks to wait {} (429)", span(*wait, lang)),
            ),
            lang.pick("jalankan lagi sesudahnya", "run it again after that")
                .into(),
        ),
        ApiError::BadAnswer { detail, .. } => (
            lang.pick(
                format!("jawaban tak terduga dari {api_url}: {detail}"),
                format!("unexpected answer from {api_url}: {detail}"),
            ),
            lang.pick(
                "TANGKAP_API_URL harus menunjuk ke Bot API (https://api.telegram.org)",
                "TANGKAP_API_URL must point at the Bot API (https://api.telegram.org)",
            )
            .into(),
        ),
        ApiError::Refused { code, description } => (
            lang.pick(
                format!("Telegram menolak ({code}): {description}"),
                format!("Telegram refused ({code}): {description}"),
            ),
            lang.pick(
                "periksa TANGKAP_API_URL dan jalankan lagi",
                "check TANGKAP_API_URL and run it again",
            )
            .into(),
        ),
        ApiError::MigratedTo(chat) => (
            lang.pick(
                format!("grup ini sudah menjadi supergrup {chat}"),
                format!("the group became supergroup {chat}"),
            ),
            lang.pick(format!("pakai id {chat}"), format!("use the id {chat}")),
        ),
    }
}

/// A span of time in words, `0 detik` included.
fn span(span: Duration, lang: Lang) -> String {
    if span.as_secs() == 0 {
        return lang.pick("0 detik", "0 seconds").into();
    }
    duration::in_words(span, lang)
}

/// Telegram's clock (the `Date` of getMe's answer, refused or not) against this
/// machine's.
fn clock(telegram: &Telegram, lang: Lang) -> Outcome {
    let Some((theirs, ours)) = telegram.answered else {
        return Outcome::Skipped(
            lang.pick(
                "Telegram tidak menjawab dengan tanggal",
                "Telegram did not answer with a date",
            )
            .into(),
        );
    };
    // Their date is cut to the second: ours is up to a second later when both agree.
    let (skew, ahead) = match ours.duration_since(theirs) {
        Ok(later) => (later, true),
        Err(earlier) => (earlier.duration(), false),
    };
    let skew = Duration::from_secs(skew.as_secs());
    if skew <= MOST_CLOCK_SKEW {
        return Outcome::Ok(lang.pick(
            format!("selisih {} dengan jam Telegram", span(skew, lang)),
            format!("{} off Telegram's clock", span(skew, lang)),
        ));
    }
    let way = match (ahead, lang) {
        (true, Lang::Id) => "lebih cepat",
        (false, Lang::Id) => "lebih lambat",
        (true, Lang::En) => "ahead of",
        (false, Lang::En) => "behind",
    };
    failed(
        lang.pick(
            format!("jam mesin ini {} {way} dari jam Telegram", span(skew, lang)),
            format!(
                "this machine's clock is {} {way} Telegram's",
                span(skew, lang)
            ),
        ),
        lang.pick(
            "sinkronkan jam dengan NTP (mis. `timedatectl set-ntp true`): login Mini App dan \
             tenggat memakai jam ini",
            "synchronise the clock by NTP (e.g. `timedatectl set-ntp true`): Mini App logins \
             and deadlines use it",
        )
        .into(),
    )
}

/// In webhook mode, Telegram must post to this instance's webhook and be able to; when
/// polling, no webhook may be set (Telegram refuses getUpdates while one is).
async fn webhook(config: &Config, telegram: &Telegram, lang: Lang) -> Outcome {
    let api = match &telegram.api {
        Ok(api) => api,
        Err(why) => return Outcome::Skipped(why.clone()),
    };
    let info = match api.webhook_info().await {
        Ok(info) => info,
        Err(e) => {
            let (problem, fix) = telegram_trouble(&e, config, lang);
            return failed(problem, fix);
        }
    };
    let waiting = info.pending_update_count;
    let Some(expected) = config.webhook_url() else {
        if info.url.is_empty() {
            let why = match config.public_url {
                Some(_) => lang.pick(
                    "mode polling: TANGKAP_WEBHOOK_SECRET tidak diisi",
                    "polling: TANGKAP_WEBHOOK_SECRET is not set",
                ),
                None => lang.pick(
                    "mode polling: TANGKAP_PUBLIC_URL tidak diisi",
                    "polling: TANGKAP_PUBLIC_URL is not set",
                ),
            };
            return Outcome::Skipped(why.into());
        }
        return failed(
            lang.pick(
                format!(
                    "mode polling, tetapi Telegram masih punya webhook {}, yang menghalangi \
                     getUpdates",
                    info.url
                ),
                format!(
                    "polling, but Telegram still has the webhook {}, which blocks getUpdates",
                    info.url
                ),
            ),
            lang.pick(
                "jalankan `tangkap run`: mode polling menghapusnya saat mulai (hentikan dulu \
                 instalasi lain yang memakai token ini dengan webhook)",
                "start `tangkap run`: polling deletes it at start (first stop any other \
                 installation using this token with a webhook)",
            )
            .into(),
        );
    };
    if info.url != expected {
        let problem = match info.url.as_str() {
            "" => lang.pick(
                "Telegram tidak punya webhook".to_owned(),
                "Telegram has no webhook".to_owned(),
            ),
            url => lang.pick(
                format!("Telegram mengirim update ke {url}, bukan {expected}"),
                format!("Telegram posts updates to {url}, not {expected}"),
            ),
        };
        return failed(
            problem,
            lang.pick(
                "jalankan `tangkap run` dengan TANGKAP_PUBLIC_URL ini: ia memasang webhooknya \
                 saat mulai (hentikan dulu instalasi lain yang memakai token ini)",
                "start `tangkap run` with this TANGKAP_PUBLIC_URL: it sets its webhook at start \
                 (first stop any other installation using this token)",
            )
            .into(),
        );
    }
    let last_error = info
        .last_error_message
        .zip(info.last_error_date)
        .map(|(message, date)| {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            (
                message,
                Duration::from_secs(now.saturating_sub(date).max(0) as u64),
            )
        });
    match last_error {
        Some((message, age)) if age < config.alerts.webhook_error_within => failed(
            lang.pick(
                format!(
                    "Telegram gagal mengirim ke webhook {} lalu: {message}; {waiting} update \
                     menunggu",
                    span(age, lang)
                ),
                format!(
                    "Telegram failed to deliver {} ago: {message}; {waiting} updates waiting",
                    span(age, lang)
                ),
            ),
            lang.pick(
                format!(
                    "pastikan `tangkap run` berjalan dan {expected} terjangkau dari internet lewat \
                     https di port 443, 80, 88 atau 8443"
                ),
                format!(
                    "make sure `tangkap run` is running and {expected} is reachable from the \
                     internet over https on port 443, 80, 88 or 8443"
                ),
            ),
        ),
        Some((message, age)) => Outcome::Ok(lang.pick(
            format!(
                "{expected}, {waiting} update menunggu (kesalahan terakhir {} lalu: {message})",
                span(age, lang)
            ),
            format!(
                "{expected}, {waiting} updates waiting (last error {} ago: {message})",
                span(age, lang)
            ),
        )),
        None => Outcome::Ok(lang.pick(
            format!("{expected}, {waiting} update menunggu"),
            format!("{expected}, {waiting} updates waiting"),
        )),
    }
}

/// `GET <public URL>/healthz` over https with the certificate checked, as Telegram and the
/// phones opening the Mini App reach it; no redirect followed.
async fn public_url(config: &Config, lang: Lang) -> Outcome {
    let Some(public) = &config.public_url else {
        return Outcome::Skipped(
            lang.pick(
                "TANGKAP_PUBLIC_URL tidak diisi: tanpa Mini App dan webhook",
                "TANGKAP_PUBLIC_URL is not set: no Mini App, no webhook",
            )
            .into(),
        );
    };
    let set_https = lang.pick(
        "pasang TLS (mis. di proxy) dan isi TANGKAP_PUBLIC_URL=https://…",
        "put TLS in front (e.g. a proxy) and set TANGKAP_PUBLIC_URL=https://…",
    );
    let url = match reqwest::Url::parse(public) {
        Ok(url) => url,
        Err(e) => {
            return failed(
                lang.pick(
                    format!("{public} bukan alamat: {e}"),
                    format!("{public} is not an address: {e}"),
                ),
                set_https.into(),
            )
        }
    };
    if url.scheme() != "https" {
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Outcome::Skipped(
                lang.pick(
                    "alamat http loopback, untuk uji",
                    "a loopback http address, for testing",
                )
                .into(),
            );
        }
        return failed(
            lang.pick(
                format!(
                    "{public} bukan https: Telegram membuka Mini App dan webhook hanya lewat https"
                ),
                format!(
                    "{public} is not https: Telegram opens Mini Apps and webhooks over https only"
                ),
            ),
            set_https.into(),
        );
    }
    let health = format!("{public}/healthz");
    let host = url.host_str().unwrap_or_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PATIENCE)
        .build()
        .expect("a client without custom TLS settings always builds");
    let answer = match client.get(&health).send().await {
        Ok(answer) => answer,
        Err(e) => {
            let cause = innermost(&e.without_url());
            if cause.contains("certificate") {
                return failed(
                    lang.pick(
                        format!("sertifikat https {host} tidak sah: {cause}"),
                        format!("the https certificate of {host} is not valid: {cause}"),
                    ),
                    lang.pick(
                        format!("pasang sertifikat yang sah untuk {host} (mis. Let's Encrypt)"),
                        format!("install a valid certificate for {host} (e.g. Let's Encrypt)"),
                    ),
                );
            }
            return failed(
                lang.pick(
                    format!("{health} tidak terjangkau: {cause}"),
                    format!("{health} cannot be reached: {cause}"),
                ),
                lang.pick(
                    format!(
                        "pastikan DNS {host} menunjuk ke server ini, port https terbuka, dan \
                         proxy serta `tangkap run` berjalan"
                    ),
                    format!(
                        "make sure {host}'s DNS points at this server, the https port is open, \
                         and the proxy and `tangkap run` are running"
                    ),
                ),
            );
        }
    };
    let status = answer.status();
    if status.is_success() {
        return Outcome::Ok(lang.pick(
            format!(
                "{health} menjawab {} lewat https dengan sertifikat sah",
                status.as_u16()
            ),
            format!(
                "{health} answers {} over https with a valid certificate",
                status.as_u16()
            ),
        ));
    }
    if status.is_redirection() {
        let to = answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|to| to.to_str().ok())
            .unwrap_or("?");
        return failed(
            lang.pick(
                format!("{health} mengalihkan ke {to}"),
                format!("{health} redirects to {to}"),
            ),
            lang.pick(
                "isi TANGKAP_PUBLIC_URL dengan alamat tujuannya",
                "set TANGKAP_PUBLIC_URL to the address it redirects to",
            )
            .into(),
        );
    }
    failed(
        lang.pick(
            format!("{health} menjawab {status}"),
            format!("{health} answers {status}"),
        ),
        lang.pick(
            format!(
                "pastikan proxy meneruskan {host} ke Tangkap (TANGKAP_LISTEN {}) dan `tangkap run` \
                 berjalan dengan databasenya",
                config.listen
            ),
            format!(
                "make sure the proxy passes {host} on to Tangkap (TANGKAP_LISTEN {}) and \
                 `tangkap run` is running with its database",
                config.listen
            ),
        ),
    )
}

/// The deepest cause of an error: what actually went wrong, without the layers above.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    deepest.to_string()
}

/// The Mini App's button beside the message field: the bot's default (getChatMenuButton
/// without a chat), and the one Tangkap sets in each active account's private chat at
/// `/start`, which must open this public URL, not an address the app had before.
async fn menu_button(config: &Config, telegram: &Telegram, db: Option<&Db>, lang: Lang) -> Outcome {
    let Some(expected) = config.mini_app_url() else {
        return Outcome::Skipped(
            lang.pick(
                "TANGKAP_PUBLIC_URL tidak diisi: tanpa Mini App",
                "TANGKAP_PUBLIC_URL is not set: no Mini App",
            )
            .into(),
        );
    };
    let api = match &telegram.api {
        Ok(api) => api,
        Err(why) => return Outcome::Skipped(why.clone()),
    };
    let button = |chat: Option<i64>| async move {
        let body = chat.map_or(json!({}), |chat| json!({ "chat_id": chat }));
        api.call_method::<Value>("getChatMenuButton", &body, PATIENCE)
            .await
    };
    let opens = |button: &Value| {
        (button["type"] == "web_app").then(|| {
            button["web_app"]["url"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
    };
    let default = match button(None).await {
        Ok(default) => opens(&default),
        Err(e) => {
            let (problem, fix) = telegram_trouble(&e, config, lang);
            return failed(problem, fix);
        }
    };
    if let Some(url) = default.as_ref().filter(|url| **url != expected) {
        return failed(
            lang.pick(
                format!("tombol menu bawaan bot membuka {url}, bukan {expected}"),
                format!("the bot's default menu button opens {url}, not {expected}"),
            ),
            lang.pick(
                format!("atur ulang di @BotFather (Bot Settings → Menu Button) ke {expected}"),
                format!("set it again with @BotFather (Bot Settings → Menu Button) to {expected}"),
            ),
        );
    }
    let mut accounts: Vec<_> = match db {
        Some(db) => team::all(db).await.unwrap_or_default(),
        None => Vec::new(),
    };
    accounts.retain(|(user, _)| user.state == AccountState::Active);
    accounts.sort_by_key(|(_, last_login)| std::cmp::Reverse(*last_login));
    accounts.truncate(MENU_BUTTONS_LOOKED_AT);
    let (mut right, mut stale) = (0, Vec::new());
    for (user, _) in &accounts {
        match button(Some(user.telegram_id))
            .await
            .ok()
            .as_ref()
            .and_then(opens)
        {
            Some(url) if url == expected => right += 1,
            Some(url) => stale.push((user.username.clone(), url)),
            None => {}
        }
    }
    if let Some((_, old)) = stale.first() {
        let names: Vec<&str> = stale.iter().map(|(name, _)| name.as_str()).collect();
        return failed(
            lang.pick(
                format!(
                    "tombol menu {} akun aktif ({}) masih membuka {old}",
                    stale.len(),
                    names.join(", ")
                ),
                format!(
                    "the menu button of {} active accounts ({}) still opens {old}",
                    stale.len(),
                    names.join(", ")
                ),
            ),
            lang.pick(
                format!(
                    "mereka cukup mengirim /start ke bot: tombolnya dipasang ulang ke {expected}"
                ),
                format!("each sends /start to the bot, which sets it again to {expected}"),
            ),
        );
    }
    let default = match (default.is_some(), lang) {
        (true, Lang::Id) => "bawaan membuka Mini App",
        (true, Lang::En) => "the default opens the Mini App",
        (false, Lang::Id) => "bawaan: daftar perintah",
        (false, Lang::En) => "the default: the command list",
    };
    let accounts = accounts.len();
    Outcome::Ok(match (accounts, lang) {
        (0, Lang::Id) => format!("{expected}; {default}; staf aktif mendapatnya lewat /start"),
        (0, Lang::En) => format!("{expected}; {default}; active staff get it by /start"),
        (_, Lang::Id) => format!(
            "{expected} untuk {right} dari {accounts} akun aktif yang diperiksa (lainnya lewat \
             /start); {default}"
        ),
        (_, Lang::En) => format!(
            "{expected} for {right} of {accounts} active accounts looked at (others by /start); \
             {default}"
        ),
    })
}

/// The database reachable, and migrated by this binary's migrations, no more and no less;
/// the handle, when it is, for the checks that read accounts.
async fn database(config: &Config, lang: Lang) -> (Outcome, Option<Db>) {
    let url = &config.database_url;
    let place = db::describe(url);
    if let Some(file) = db::backup::sqlite_path(url).filter(|file| !file.exists()) {
        let outcome = failed(
            lang.pick(
                format!("berkas {} belum ada", file.display()),
                format!("the file {} does not exist", file.display()),
            ),
            lang.pick(
                "periksa DATABASE_URL, atau buat database dengan `tangkap migrate`",
                "check DATABASE_URL, or create the database with `tangkap migrate`",
            )
            .into(),
        );
        return (outcome, None);
    }
    let opened = tokio::time::timeout(PATIENCE + PATIENCE, Db::connect(url)).await;
    let db = match opened {
        Ok(Ok(db)) => db,
        Ok(Err(DbError::Unreachable { target, reason })) => {
            let outcome = failed(
                lang.pick(
                    format!("PostgreSQL di {target} tidak terjangkau: {reason}"),
                    format!("PostgreSQL at {target} cannot be reached: {reason}"),
                ),
                lang.pick(
                    "pastikan servernya berjalan dan DATABASE_URL menunjuk ke sana",
                    "make sure the server runs and DATABASE_URL points at it",
                )
                .into(),
            );
            return (outcome, None);
        }
        Ok(Err(e)) => {
            let outcome = failed(
                lang.pick(format!("{place}: {e}"), format!("{place}: {e}")),
                lang.pick(
                    "periksa DATABASE_URL (pengguna, kata sandi, nama database) dan hak aksesnya",
                    "check DATABASE_URL (user, password, database name) and its permissions",
                )
                .into(),
            );
            return (outcome, None);
        }
        Err(_) => {
            let outcome = failed(
                lang.pick(
                    format!(
                        "{place} tidak menjawab dalam {}",
                        span(PATIENCE + PATIENCE, lang)
                    ),
                    format!(
                        "{place} did not answer within {}",
                        span(PATIENCE + PATIENCE, lang)
                    ),
                ),
                lang.pick(
                    "periksa server database dan jaringan ke sana",
                    "check the database server and the network to it",
                )
                .into(),
            );
            return (outcome, None);
        }
    };
    let schema = match db.schema().await {
        Ok(schema) => schema,
        Err(e) => {
            db.close().await;
            let outcome = failed(
                lang.pick(
                    format!("{place}: migrasi tidak terbaca: {e}"),
                    format!("{place}: its migrations cannot be read: {e}"),
                ),
                lang.pick(
                    "periksa bahwa DATABASE_URL menunjuk ke database Tangkap",
                    "check that DATABASE_URL names Tangkap's database",
                )
                .into(),
            );
            return (outcome, None);
        }
    };
    let versions = |versions: &[i64]| {
        versions
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let trouble = if let Some(version) = schema.failed {
        Some((
            lang.pick(
                format!("migrasi {version} gagal di tengah jalan"),
                format!("migration {version} failed halfway"),
            ),
            lang.pick(
                "pulihkan cadangan terakhir (`tangkap restore`), lalu `tangkap migrate`",
                "restore the last backup (`tangkap restore`), then `tangkap migrate`",
            )
            .to_owned(),
        ))
    } else if !schema.unknown.is_empty() {
        Some((
            lang.pick(
                format!(
                    "dimigrasi oleh Tangkap yang lebih baru (migrasi {} tidak dikenal versi ini)",
                    versions(&schema.unknown)
                ),
                format!(
                    "migrated by a newer Tangkap (migrations {} are unknown to this version)",
                    versions(&schema.unknown)
                ),
            ),
            lang.pick(
                "jalankan versi Tangkap yang memigrasinya",
                "run the Tangkap version that migrated it",
            )
            .to_owned(),
        ))
    } else if !schema.altered.is_empty() {
        Some((
            lang.pick(
                format!(
                    "migrasi {} berbeda dari versi ini",
                    versions(&schema.altered)
                ),
                format!(
                    "migrations {} differ from this version's",
                    versions(&schema.altered)
                ),
            ),
            lang.pick(
                "jalankan rilis Tangkap yang memigrasinya",
                "run the Tangkap release that migrated it",
            )
            .to_owned(),
        ))
    } else if !schema.pending.is_empty() {
        Some((
            lang.pick(
                format!(
                    "{} migrasi belum dijalankan ({})",
                    schema.pending.len(),
                    versions(&schema.pending)
                ),
                format!(
                    "{} migrations not applied ({})",
                    schema.pending.len(),
                    versions(&schema.pending)
                ),
            ),
            lang.pick(
                "jalankan `tangkap migrate` (atau `tangkap run`, yang memigrasi saat mulai)",
                "run `tangkap migrate` (or `tangkap run`, which migrates at start)",
            )
            .to_owned(),
        ))
    } else {
        None
    };
    match trouble {
        Some((problem, fix)) => {
            db.close().await;
            (failed(format!("{place}: {problem}"), fix), None)
        }
        None => {
            let newest = schema.applied.last().copied().unwrap_or_default();
            let detail = lang.pick(
                format!(
                    "{place}, {} migrasi terpasang (terbaru {newest})",
                    schema.applied.len()
                ),
                format!(
                    "{place}, {} migrations applied (newest {newest})",
                    schema.applied.len()
                ),
            );
            (Outcome::Ok(detail), Some(db))
        }
    }
}

/// Connects to the SMTP server and logs in as the mailer would, sending nothing.
async fn smtp(config: &Config, lang: Lang) -> Outcome {
    let url = match config.mail.as_ref().map(|mail| &mail.via) {
        Some(MailVia::Smtp(url)) => url,
        Some(MailVia::Demo(_)) => {
            return Outcome::Skipped(lang.pick("kotak surat demo", "the demo's mailbox").into())
        }
        None => {
            return Outcome::Skipped(
                lang.pick(
                    "mail mati: TANGKAP_SMTP_URL tidak diisi",
                    "mail is off: TANGKAP_SMTP_URL is not set",
                )
                .into(),
            )
        }
    };
    let server = mail::smtp_server(url.expose());
    match mail::check_smtp(url).await {
        Ok(true) => Outcome::Ok(lang.pick(
            format!("{server}: terhubung, login diterima"),
            format!("{server}: connected, login accepted"),
        )),
        Ok(false) => Outcome::Ok(lang.pick(
            format!("{server}: terhubung (tanpa login: URL tanpa pengguna)"),
            format!("{server}: connected (no login: the URL names no user)"),
        )),
        Err(SmtpTrouble::Login { server, reason }) => failed(
            lang.pick(
                format!("{server} menolak login: {reason}"),
                format!("{server} refuses the login: {reason}"),
            ),
            lang.pick(
                "periksa pengguna dan kata sandi di TANGKAP_SMTP_URL (@ ditulis %40); banyak \
                 server menerima login hanya lewat TLS: smtps://…:465 atau …:587?tls=required",
                "check the user and password in TANGKAP_SMTP_URL (@ written %40); many servers \
                 take a login over TLS only: smtps://…:465 or …:587?tls=required",
            )
            .into(),
        ),
        Err(SmtpTrouble::Unreachable { server, reason }) => failed(
            lang.pick(
                format!("tidak bisa terhubung ke {server}: {reason}"),
                format!("cannot talk to {server}: {reason}"),
            ),
            lang.pick(
                "periksa host, port dan TLS di TANGKAP_SMTP_URL, dan firewall ke server itu",
                "check host, port and TLS in TANGKAP_SMTP_URL, and the firewall to that server",
            )
            .into(),
        ),
        Err(e @ SmtpTrouble::Url(_)) => failed(
            e.to_string(),
            lang.pick(
                "tulis smtps://pengguna:sandi@host:465 atau smtp://pengguna:sandi@host:587?tls=required",
                "write smtps://user:password@host:465 or smtp://user:password@host:587?tls=required",
            )
            .into(),
        ),
    }
}

/// getChat on the alert chat, through the alert bot if there is one: the chat must exist
/// for that bot, and the bot be in it.
async fn alert_chat(config: &Config, telegram: &Telegram, lang: Lang) -> Outcome {
    let Some(chat) = config.alert_chat else {
        return Outcome::Skipped(
            lang.pick(
                "TANGKAP_ALERT_CHAT tidak diisi",
                "TANGKAP_ALERT_CHAT is not set",
            )
            .into(),
        );
    };
    let (api, via, setting) = match (&config.alert_bot_token, &telegram.api) {
        (Some(token), _) => (
            BotApi::new(&config.api_url, token),
            lang.pick("bot peringatan", "the alert bot"),
            "TANGKAP_ALERT_BOT_TOKEN",
        ),
        (None, Ok(api)) => (
            api.clone(),
            lang.pick("bot utama", "the main bot"),
            "TANGKAP_BOT_TOKEN",
        ),
        (None, Err(why)) => return Outcome::Skipped(why.clone()),
    };
    let found = api
        .call_method::<Value>("getChat", &json!({ "chat_id": chat }), PATIENCE)
        .await;
    let (problem, fix) = match found {
        Ok(found) => {
            let name = match (found["title"].as_str(), found["username"].as_str()) {
                (Some(title), _) => title.to_owned(),
                (None, Some(username)) => format!("@{username}"),
                (None, None) => found["first_name"].as_str().unwrap_or_default().to_owned(),
            };
            return Outcome::Ok(lang.pick(
                format!("{name} ({chat}), lewat {via}"),
                format!("{name} ({chat}), through {via}"),
            ));
        }
        Err(ApiError::Refused { code: 401, .. }) => revoked(setting, lang),
        Err(ApiError::Refused {
            code: 400 | 403,
            description,
        }) => (
            lang.pick(
                format!("{via} tidak bisa menjangkau chat {chat}: {description}"),
                format!("{via} cannot reach chat {chat}: {description}"),
            ),
            lang.pick(
                "periksa TANGKAP_ALERT_CHAT; untuk grup, tambahkan bot ke grup itu; untuk chat \
                 pribadi, pemiliknya mengirim /start ke bot",
                "check TANGKAP_ALERT_CHAT; for a group, add the bot to it; for a private chat, \
                 its owner sends /start to the bot",
            )
            .into(),
        ),
        Err(ApiError::MigratedTo(new)) => (
            lang.pick(
                format!("grup {chat} sudah menjadi supergrup {new}"),
                format!("group {chat} became supergroup {new}"),
            ),
            lang.pick(
                format!("isi TANGKAP_ALERT_CHAT={new}"),
                format!("set TANGKAP_ALERT_CHAT={new}"),
            ),
        ),
        Err(e) => telegram_trouble(&e, config, lang),
    };
    failed(problem, fix)
}

/// Free space on each filesystem Tangkap writes to.
fn disk_space(config: &Config, floor: disk::Floor, lang: Lang) -> Outcome {
    let seen = match disk::filesystems(config.data_folders()) {
        Ok(seen) => seen,
        Err((folder, e)) => {
            return failed(
                lang.pick(
                    format!("ruang di {} tidak terbaca: {e}", folder.display()),
                    format!("the space at {} cannot be read: {e}", folder.display()),
                ),
                lang.pick(
                    "periksa folder itu dan hak aksesnya",
                    "check that folder and its permissions",
                )
                .into(),
            )
        }
    };
    let said: Vec<String> = seen
        .iter()
        .map(|(folder, space)| {
            lang.pick(
                format!(
                    "{}: {} bebas dari {} ({:.0} %)",
                    folder.display(),
                    disk::in_gb(space.free),
                    disk::in_gb(space.total),
                    space.free_percent()
                ),
                format!(
                    "{}: {} free of {} ({:.0} %)",
                    folder.display(),
                    disk::in_gb(space.free),
                    disk::in_gb(space.total),
                    space.free_percent()
                ),
            )
        })
        .collect();
    if !seen.iter().any(|(_, space)| floor.is_low(space)) {
        return Outcome::Ok(said.join("; "));
    }
    failed(
        lang.pick(
            format!("hampir penuh: {}", said.join("; ")),
            format!("nearly full: {}", said.join("; ")),
        ),
        lang.pick(
            format!(
                "kosongkan ruang atau perbesar disk: Tangkap butuh sedikitnya {} dan {} % bebas",
                disk::in_gb(floor.bytes),
                floor.percent
            ),
            format!(
                "free some space or grow the disk: Tangkap needs at least {} and {} % free",
                disk::in_gb(floor.bytes),
                floor.percent
            ),
        ),
    )
}
