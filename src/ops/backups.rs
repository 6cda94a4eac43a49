//! Scheduled, checked, off-site backups: every [`BackupSettings::every`] a copy of the
//! database is taken (`db::backup`), read back whole, encrypted to the owner's age key if
//! one is set, copied to S3-compatible storage if one is set, recorded, and the oldest
//! beyond [`BackupSettings::keep`] are removed, here and off-site. A failure is reported to
//! the owners at once (`alerts`: "🔴 Cadangan gagal", then recovered with the next backup
//! that counts); a success is told at most once a day, as the owners' daily line.
//!
//! The schedule is one timer of the one timer engine ([`TIMER`]), so that it holds across
//! restarts (a backup due while the server was down is taken as it starts) and instances
//! (of several on one PostgreSQL database, one takes it). Firing only moves the timer a
//! retry away and wakes this part's worker, since a copy is far too long to take inside
//! the timer engine's transaction; the worker sets the next time once the backup counts.
//! A crash or a failure leaves the retry time standing, so the backup is tried again then.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use futures_util::TryStreamExt;
use object_store::{aws::AmazonS3Builder, buffered::BufWriter, ObjectStore};
use tokio::{io::AsyncWriteExt, sync::Notify};
use tokio_util::sync::CancellationToken;

use crate::{
    alerts::{self, Detail, Problem},
    config::{self, Invalid, Secret, Settings},
    db::{
        backup::{self, BackupError, Contents, Format, Taken},
        now_ms, Backend, Db,
    },
    lang::{self, Lang},
    ops::alert_texts,
    settings::Config,
    telegram::outbox::{self, Outgoing},
    timers::{self, Timer},
};

/// The backup schedule's timer (one, entity 0).
pub const TIMER: &str = "backup";
const ENTITY: i64 = 0;
/// After a failed or interrupted backup, the next try comes this soon (or at the usual
/// interval, if that is shorter).
const RETRY: Duration = Duration::from_secs(15 * 60);
/// The owners hear of backups done at most this often.
const TOLD_EVERY_MS: i64 = 24 * 3600 * 1000;

/// When and where backups are taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSettings {
    /// `TANGKAP_BACKUP_EVERY` (default 24 h); `None`: no scheduled backups (`0`).
    pub every: Option<Duration>,
    /// `TANGKAP_BACKUP_DIR`; `None`: `backups` beside the SQLite database (`data/backups`
    /// for PostgreSQL).
    pub dir: Option<PathBuf>,
    /// `TANGKAP_BACKUP_KEEP`: how many backups are kept, here and off-site.
    pub keep: usize,
    /// `TANGKAP_BACKUP_S3_URL` and the settings beside it.
    pub s3: Option<S3Target>,
    /// `TANGKAP_BACKUP_AGE_RECIPIENT`: backups are encrypted to this age public key.
    pub age_recipient: Option<String>,
}

impl Default for BackupSettings {
    fn default() -> Self {
        Self {
            every: Some(Duration::from_secs(24 * 3600)),
            dir: None,
            keep: 7,
            s3: None,
            age_recipient: None,
        }
    }
}

/// Where the off-site copies go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Target {
    pub bucket: String,
    /// Under which key prefix (no leading or trailing slash; may be empty).
    pub prefix: String,
    pub region: String,
    /// Another provider's or a private server's address (`https://…`); `None`: AWS.
    pub endpoint: Option<String>,
    /// Without keys, the usual `AWS_*` environment variables or the machine's role are
    /// used.
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
}

impl S3Target {
    fn store(&self) -> Result<impl ObjectStore, BackupError> {
        // A few quick retries: a storage that stays down is told to the owners and the
        // whole backup tried again later, rather than one upload waiting for minutes.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(60),
            ..object_store::RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&self.bucket)
            .with_region(&self.region)
            .with_retry(retry);
        if let Some(endpoint) = &self.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let (Some(access), Some(secret)) = (&self.access_key, &self.secret_key) {
            builder = builder
                .with_access_key_id(access)
                .with_secret_access_key(secret.expose());
        }
        builder.build().map_err(off_site)
    }

    fn key(&self, name: &str) -> object_store::path::Path {
        match self.prefix.as_str() {
            "" => object_store::path::Path::from(name),
            prefix => object_store::path::Path::from(format!("{prefix}/{name}")),
        }
    }

    fn address(&self, name: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key(name))
    }
}

/// The settings as written.
#[derive(Debug, serde::Deserialize)]
pub struct BackupWritten {
    backup_every: Option<String>,
    backup_dir: Option<String>,
    backup_keep: Option<i64>,
    backup_s3_url: Option<String>,
    backup_s3_region: Option<String>,
    backup_s3_endpoint: Option<String>,
    backup_s3_access_key: Option<String>,
    backup_s3_secret_key: Option<String>,
    backup_age_recipient: Option<String>,
}

impl Settings for BackupSettings {
    type Written = BackupWritten;

    fn check(written: BackupWritten) -> Result<Self, Invalid> {
        let defaults = Self::default();
        let given =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let every = match given(written.backup_every).as_deref() {
            None => defaults.every,
            Some("0") => None,
            Some(text) => Some(config::duration_within(
                "backup_every",
                text,
                Duration::from_secs(1),
                Duration::from_secs(366 * 24 * 3600),
                "use a duration from 1s to 366d, such as 24h or 6h, or 0 for no scheduled backups",
            )?),
        };
        let keep = match written.backup_keep {
            None => defaults.keep,
            Some(keep @ 1..=10_000) => keep as usize,
            Some(_) => return Err(Invalid::new("backup_keep", "keep 1 to 10000 backups")),
        };
        let s3 = match given(written.backup_s3_url) {
            None => None,
            Some(url) => {
                let (bucket, prefix) = url
                    .strip_prefix("s3://")
                    .map(|rest| rest.split_once('/').unwrap_or((rest, "")))
                    .filter(|(bucket, _)| !bucket.is_empty())
                    .ok_or_else(|| {
                        Invalid::new(
                            "backup_s3_url",
                            "expected s3://bucket or s3://bucket/prefix",
                        )
                    })?;
                let endpoint = given(written.backup_s3_endpoint);
                if endpoint
                    .as_deref()
                    .is_some_and(|e| !e.starts_with("https://") && !e.starts_with("http://"))
                {
                    return Err(Invalid::new(
                        "backup_s3_endpoint",
                        "expected an URL such as https://s3.example.com",
                    ));
                }
                let access_key = given(written.backup_s3_access_key);
                let secret_key = given(written.backup_s3_secret_key).map(Secret::new);
                if access_key.is_some() != secret_key.is_some() {
                    return Err(Invalid::new(
                        "backup_s3_secret_key",
                        "set both the access key and the secret key, or neither",
                    ));
                }
                Some(S3Target {
                    bucket: bucket.to_owned(),
                    prefix: prefix.trim_matches('/').to_owned(),
                    region: given(written.backup_s3_region).unwrap_or_else(|| "us-east-1".into()),
                    endpoint: endpoint.map(|e| e.trim_end_matches('/').to_owned()),
                    access_key,
                    secret_key,
                })
            }
        };
        let age_recipient = match given(written.backup_age_recipient) {
            None => None,
            Some(key) => {
                key.parse::<age::x25519::Recipient>().map_err(|_| {
                    Invalid::new(
                        "backup_age_recipient",
                        "expected an age public key (age1…), as `age-keygen` prints it",
                    )
                })?;
                Some(key)
            }
        };
        Ok(Self {
            every,
            dir: given(written.backup_dir).map(PathBuf::from),
            keep,
            s3,
            age_recipient,
        })
    }
}

/// Sets the schedule at start: the next backup no later than one interval from now (one due
/// already, or sooner, stays), or none when scheduled backups are off.
pub async fn schedule(db: &Db, every: Option<Duration>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    match every {
        None => timers::cancel(&mut tx, &[TIMER], &[ENTITY]).await?,
        Some(every) => {
            let timer = Timer {
                kind: TIMER,
                entity: ENTITY,
                due_at: now_ms() + millis(every),
            };
            timers::set_no_later(&mut tx, &timer).await?;
        }
    }
    tx.commit().await
}

/// The backup schedule as the timer engine fires it.
pub struct BackupTimer {
    every: Duration,
    due: Arc<Notify>,
    /// Fired in a transaction not committed yet: the worker is woken once it is.
    fired: AtomicBool,
}

impl BackupTimer {
    /// Moves the timer a retry away inside the timer engine's transaction `tx`; the worker
    /// is woken by [`BackupTimer::committed`].
    pub async fn fire(&self, tx: &mut crate::db::Conn) -> Result<(), sqlx::Error> {
        let retry = Timer {
            kind: TIMER,
            entity: ENTITY,
            due_at: now_ms() + millis(self.every.min(RETRY)),
        };
        timers::set(tx, &[retry]).await?;
        self.fired.store(true, Ordering::Release);
        Ok(())
    }

    /// After the timer engine's transaction committed.
    pub fn committed(&self) {
        if self.fired.swap(false, Ordering::AcqRel) {
            self.due.notify_one();
        }
    }
}

/// Takes the backups the schedule asks for.
pub struct Worker {
    pub db: Db,
    pub config: Arc<Config>,
    /// Woken when the owners' "backup done" is queued.
    pub new_messages: Arc<Notify>,
    due: Arc<Notify>,
    /// The interval the schedule runs at.
    every: Duration,
}

impl Worker {
    /// The worker, and the timer that wakes it; `None` when scheduled backups are off.
    pub fn new(
        db: Db,
        config: Arc<Config>,
        new_messages: Arc<Notify>,
    ) -> Option<(Self, BackupTimer)> {
        let every = config.backups.every?;
        let due = Arc::new(Notify::new());
        let timer = BackupTimer {
            every,
            due: due.clone(),
            fired: AtomicBool::new(false),
        };
        let worker = Self {
            db,
            config,
            new_messages,
            due,
            every,
        };
        Some((worker, timer))
    }

    /// Takes a backup each time the timer fires, until `shutdown`. A backup under way is
    /// finished first: a copy cut short would be left behind.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.due.notified() => {}
            }
            let started = now_ms();
            if take_and_report(&self.db, &self.config).await.is_ok() {
                self.new_messages.notify_one();
                let next = Timer {
                    kind: TIMER,
                    entity: ENTITY,
                    due_at: started + millis(self.every),
                };
                let set = async {
                    let mut tx = self.db.begin().await?;
                    timers::set(&mut tx, &[next]).await?;
                    tx.commit().await
                };
                if let Err(e) = set.await {
                    tracing::warn!(error = %e, "backup: cannot set the next one; it is retried");
                }
            }
        }
    }
}

/// Takes a backup as the schedule does ([`take`]), and reports how it went to the owners:
/// a failure at once, a success as the end of a failure and, at most once a day, as done.
pub async fn take_and_report(db: &Db, config: &Config) -> Result<Taken, BackupError> {
    match take(db, config).await {
        Ok(taken) => {
            tracing::info!(file = %taken.file.display(), bytes = taken.bytes, contents = %taken.contents, copied_to = taken.copied_to.as_deref().unwrap_or("-"), "backup taken and checked");
            let told = async {
                alerts::report(db.writer(), Problem::BackupFailed, None).await?;
                tell_done(db, config, &taken).await
            };
            if let Err(e) = told.await {
                tracing::warn!(error = %e, "backup: cannot tell the owners");
            }
            Ok(taken)
        }
        Err(e) => {
            tracing::error!(error = %e, "backup failed");
            let detail = Detail::error(e.to_string());
            if let Err(e) = alerts::report(db.writer(), Problem::BackupFailed, Some(&detail)).await
            {
                tracing::warn!(error = %e, "backup: cannot report the failure");
            }
            Err(e)
        }
    }
}

/// Takes a backup into the backup folder: copied, read back whole, encrypted and copied
/// off-site as set, recorded; then the oldest beyond the number kept are removed.
pub async fn take(db: &Db, config: &Config) -> Result<Taken, BackupError> {
    let settings = &config.backups;
    let dir = config.backup_dir();
    if !dir.is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| BackupError::Io(dir.display().to_string(), e))?;
    }
    let taken_at = now_ms();
    let plain = dir.join(file_name(taken_at, db.backend()));
    // What fails below is removed; a file of that name already there is not ours to.
    if plain.exists() {
        return Err(BackupError::TargetExists(plain.display().to_string()));
    }
    let result = async {
        backup::copy_to(db, &config.database_url, &plain).await?;
        let contents = backup::check(&plain).await?;
        let file = match &settings.age_recipient {
            Some(recipient) => {
                let sealed = PathBuf::from(format!("{}.age", plain.display()));
                encrypt(&plain, &sealed, recipient).await?;
                remove(&plain);
                sealed
            }
            None => plain.clone(),
        };
        let bytes = std::fs::metadata(&file)
            .map_err(|e| BackupError::Io(file.display().to_string(), e))?
            .len();
        Ok::<_, BackupError>(Taken {
            file,
            bytes,
            taken_at,
            contents,
            copied_to: None,
        })
    }
    .await;
    let mut taken = match result {
        Ok(taken) => taken,
        Err(e) => {
            remove(&plain);
            remove(&PathBuf::from(format!("{}.age", plain.display())));
            return Err(e);
        }
    };
    // A sound copy here is kept even when the off-site copy fails; the failure is still
    // the owners' to hear of.
    let off_site = match &settings.s3 {
        Some(target) => copy_off_site(target, &taken.file, settings.keep)
            .await
            .map(Some),
        None => Ok(None),
    };
    taken.copied_to = off_site.as_ref().ok().cloned().flatten();
    backup::record(db, &taken).await?;
    prune_here(&dir, settings.keep)?;
    off_site.map(|_| taken)
}

/// A backup's file name: when it was taken (UTC, to the millisecond, so that names sort
/// by time and two never meet) and what it holds.
fn file_name(taken_at: i64, backend: Backend) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(taken_at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let stamp = at
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default();
    format!("tangkap-{stamp}.{}", Format::extension(backend))
}

/// Whether `name` is one of the backups this part takes (and so may remove).
fn is_scheduled_backup(name: &str) -> bool {
    name.starts_with("tangkap-")
        && [".db", ".dump", ".db.age", ".dump.age"]
            .iter()
            .any(|end| name.ends_with(end))
}

/// Removes the oldest scheduled backups in `dir` beyond `keep`.
fn prune_here(dir: &Path, keep: usize) -> Result<(), BackupError> {
    let io = |e| BackupError::Io(dir.display().to_string(), e);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| is_scheduled_backup(name))
        .collect();
    names.sort();
    let beyond = names.len().saturating_sub(keep);
    for name in &names[..beyond] {
        std::fs::remove_file(dir.join(name)).map_err(io)?;
    }
    Ok(())
}

/// Uploads `file` under the target's prefix, then removes the oldest scheduled backups
/// there beyond `keep`; returns the copy's address.
async fn copy_off_site(target: &S3Target, file: &Path, keep: usize) -> Result<String, BackupError> {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let store: Arc<dyn ObjectStore> = Arc::new(target.store()?);
    let mut source = tokio::fs::File::open(file)
        .await
        .map_err(|e| BackupError::Io(file.display().to_string(), e))?;
    let mut upload = BufWriter::new(store.clone(), target.key(&name));
    // Parts already sent are abandoned if the rest cannot follow; what fails as the upload
    // completes (a small file's one put) leaves nothing to abandon.
    if let Err(e) = tokio::io::copy(&mut source, &mut upload).await {
        upload.abort().await.ok();
        return Err(off_site(e));
    }
    upload.shutdown().await.map_err(off_site)?;
    let prefix =
        (!target.prefix.is_empty()).then(|| object_store::path::Path::from(target.prefix.as_str()));
    let mut held: Vec<object_store::path::Path> = store
        .list(prefix.as_ref())
        .map_ok(|meta| meta.location)
        .try_filter(|location| {
            let ours = location.filename().is_some_and(is_scheduled_backup)
                && location.parts().count() == target.key("x").parts().count();
            std::future::ready(ours)
        })
        .try_collect()
        .await
        .map_err(off_site)?;
    held.sort_by(|a, b| a.as_ref().cmp(b.as_ref()));
    let beyond = held.len().saturating_sub(keep);
    for old in &held[..beyond] {
        store.delete(old).await.map_err(off_site)?;
    }
    Ok(target.address(&name))
}

fn off_site(e: impl std::fmt::Display) -> BackupError {
    BackupError::OffSite(e.to_string())
}

/// Encrypts `plain` to the age `recipient`, into the new file `sealed`.
async fn encrypt(plain: &Path, sealed: &Path, recipient: &str) -> Result<(), BackupError> {
    let recipient: age::x25519::Recipient = recipient
        .parse()
        .map_err(|e: &str| BackupError::Decrypt(recipient.to_owned(), e.to_owned()))?;
    let (plain, sealed) = (plain.to_owned(), sealed.to_owned());
    tokio::task::spawn_blocking(move || {
        let io = |e| BackupError::Io(sealed.display().to_string(), e);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| BackupError::Decrypt(sealed.display().to_string(), e.to_string()))?;
        let out = backup::create_owner_only(&sealed)?;
        let mut writer = encryptor
            .wrap_output(std::io::BufWriter::new(out))
            .map_err(io)?;
        let mut input = std::fs::File::open(&plain)
            .map_err(|e| BackupError::Io(plain.display().to_string(), e))?;
        std::io::copy(&mut input, &mut writer).map_err(io)?;
        let out = writer.finish().map_err(io)?;
        out.into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)
    })
    .await
    .map_err(|e| BackupError::Io(String::new(), std::io::Error::other(e)))?
}

/// Decrypts the age file `sealed` with the identities (age secret keys) in `identity_file`,
/// into the new file `plain`.
pub async fn decrypt(sealed: &Path, identity_file: &Path, plain: &Path) -> Result<(), BackupError> {
    let (sealed, identity_file, plain) = (
        sealed.to_owned(),
        identity_file.to_owned(),
        plain.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let name = sealed.display().to_string();
        let failed = |e: &dyn std::fmt::Display| BackupError::Decrypt(name.clone(), e.to_string());
        let identities = age::IdentityFile::from_file(identity_file.display().to_string())
            .map_err(|e| BackupError::Io(identity_file.display().to_string(), e))?
            .into_identities()
            .map_err(|e| failed(&e))?;
        let input = std::fs::File::open(&sealed).map_err(|e| BackupError::Io(name.clone(), e))?;
        let decryptor =
            age::Decryptor::new(std::io::BufReader::new(input)).map_err(|e| failed(&e))?;
        let mut reader = decryptor
            .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
            .map_err(|e| failed(&e))?;
        let io = |e| BackupError::Io(plain.display().to_string(), e);
        let mut out = backup::create_owner_only(&plain)?;
        std::io::copy(&mut reader, &mut out).map_err(|e| failed(&e))?;
        out.sync_all().map_err(io)
    })
    .await
    .map_err(|e| BackupError::Io(String::new(), std::io::Error::other(e)))?
}

/// A backup file as it can be read: itself, or decrypted with `identity` into a temporary
/// file removed when this is dropped.
pub struct Readable {
    pub path: PathBuf,
    temporary: bool,
}

impl Readable {
    pub async fn open(file: &Path, identity: Option<&Path>) -> Result<Self, BackupError> {
        match (Format::of(file)?, identity) {
            (Format::Age, None) => Err(BackupError::Encrypted(file.display().to_string())),
            (Format::Age, Some(identity)) => {
                let path = std::env::temp_dir().join(format!(
                    "tangkap-backup-{}-{:016x}",
                    std::process::id(),
                    rand::random::<u64>()
                ));
                let readable = Self {
                    path,
                    temporary: true,
                };
                decrypt(file, identity, &readable.path).await?;
                Ok(readable)
            }
            _ => Ok(Self {
                path: file.to_owned(),
                temporary: false,
            }),
        }
    }
}

impl Drop for Readable {
    fn drop(&mut self) {
        if self.temporary {
            remove(&self.path);
        }
    }
}

/// `tangkap backup verify`: reads `file` back whole (decrypting it with `identity` if it is
/// encrypted).
pub async fn verify(file: &Path, identity: Option<&Path>) -> Result<Contents, BackupError> {
    let readable = Readable::open(file, identity).await?;
    backup::check(&readable.path).await
}

/// `tangkap restore`: puts `file` (decrypted with `identity` if need be) in place of the
/// configured database.
pub async fn restore(
    file: &Path,
    identity: Option<&Path>,
    database_url: &str,
) -> Result<Contents, BackupError> {
    let readable = Readable::open(file, identity).await?;
    backup::restore(&readable.path, database_url).await
}

/// Tells the alert chat of `taken`, unless the owners heard of a backup in the last day;
/// decided by a conditional UPDATE, so instances do not tell it twice.
async fn tell_done(db: &Db, config: &Config, taken: &Taken) -> Result<(), sqlx::Error> {
    let Some(chat) = config.alert_chat else {
        return Ok(());
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    let told = sqlx::query(
        "UPDATE backups SET told_at = $1 WHERE taken_at = $2 AND file = $3 \
         AND NOT EXISTS (SELECT 1 FROM backups WHERE told_at > $4)",
    )
    .bind(now)
    .bind(taken.taken_at)
    .bind(taken.file.display().to_string())
    .bind(now - TOLD_EVERY_MS)
    .execute(&mut *tx)
    .await?;
    if told.rows_affected() == 1 {
        let lang = match chat {
            person if person > 0 => lang::stored(&mut tx, person).await?,
            _ => Lang::Id,
        };
        let name = taken
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let html = alert_texts::backup_done(
            &name,
            taken.bytes,
            taken.taken_at,
            now,
            config.utc_offset,
            lang,
        );
        outbox::enqueue_about(
            &mut tx,
            &Outgoing::Alert {
                chat_id: chat,
                html,
            },
            "backup:done",
        )
        .await?;
    }
    tx.commit().await
}

/// Removes a file if it is there; what cannot be removed is left, and logged.
fn remove(file: &Path) {
    match std::fs::remove_file(file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(error = %e, file = %file.display(), "backup: cannot remove"),
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(pairs: &[(&str, &str)]) -> Result<BackupSettings, Invalid> {
        let value = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        };
        BackupSettings::check(BackupWritten {
            backup_every: value("every"),
            backup_dir: value("dir"),
            backup_keep: value("keep").map(|k| k.parse().unwrap()),
            backup_s3_url: value("s3"),
            backup_s3_region: value("region"),
            backup_s3_endpoint: value("endpoint"),
            backup_s3_access_key: value("access"),
            backup_s3_secret_key: value("secret"),
            backup_age_recipient: value("age"),
        })
    }

    #[test]
    fn settings_are_checked() {
        let defaults = written(&[]).unwrap();
        assert_eq!(defaults.every, Some(Duration::from_secs(86_400)));
        assert_eq!(defaults.keep, 7);
        assert_eq!(written(&[("every", "0")]).unwrap().every, None);
        assert_eq!(
            written(&[("every", "1s")]).unwrap().every,
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            written(&[("every", "6h")]).unwrap().every,
            Some(Duration::from_secs(6 * 3600))
        );
        assert_eq!(
            written(&[("every", "500ms")]).unwrap_err().key,
            "backup_every"
        );
        assert_eq!(written(&[("keep", "0")]).unwrap_err().key, "backup_keep");
        let s3 = written(&[("s3", "s3://tangkap-backups/hotel/main/")])
            .unwrap()
            .s3
            .unwrap();
        assert_eq!(
            (s3.bucket.as_str(), s3.prefix.as_str(), s3.region.as_str()),
            ("tangkap-backups", "hotel/main", "us-east-1")
        );
        assert_eq!(s3.address("x.db"), "s3://tangkap-backups/hotel/main/x.db");
        assert_eq!(
            written(&[("s3", "s3://b")])
                .unwrap()
                .s3
                .unwrap()
                .address("x.db"),
            "s3://b/x.db"
        );
        assert_eq!(
            written(&[("s3", "https://b")]).unwrap_err().key,
            "backup_s3_url"
        );
        assert_eq!(
            written(&[("s3", "s3://b"), ("access", "AK")])
                .unwrap_err()
                .key,
            "backup_s3_secret_key"
        );
        assert_eq!(
            written(&[("s3", "s3://b"), ("endpoint", "minio:9000")])
                .unwrap_err()
                .key,
            "backup_s3_endpoint"
        );
        assert_eq!(
            written(&[("age", "age1nope")]).unwrap_err().key,
            "backup_age_recipient"
        );
        let key = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(written(&[("age", &key)]).unwrap().age_recipient, Some(key));
    }

    #[test]
    fn names_sort_by_time_and_only_ours_are_pruned() {
        let early = file_name(1_765_072_800_000, Backend::Sqlite);
        let later = file_name(1_765_072_800_001, Backend::Postgres);
        assert_eq!(early, "tangkap-20251207-020000.000Z.db");
        assert_eq!(later, "tangkap-20251207-020000.001Z.dump");
        assert!(early < later);
        for ours in [early.as_str(), "tangkap-20251207-020000.000Z.dump.age"] {
            assert!(is_scheduled_backup(ours), "{ours}");
        }
        for theirs in ["tangkap.db", "notes.txt", "tangkap-x.db-wal", "mine.db"] {
            assert!(!is_scheduled_backup(theirs), "{theirs}");
        }
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "tangkap-1.db",
            "tangkap-2.db",
            "tangkap-3.db.age",
            "keep-me.db",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        prune_here(dir.path(), 2).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["keep-me.db", "tangkap-2.db", "tangkap-3.db.age"]);
    }
}
