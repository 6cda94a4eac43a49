//! Copies of the database: taken while the bot runs, checked before they count, and put back
//! while it is stopped. A SQLite copy is `VACUUM INTO` a new file, which reads one snapshot
//! while writers carry on; a PostgreSQL copy is `pg_dump -Fc`, put back by `pg_restore`,
//! both found on `PATH` (README, "Backups"). Scheduling, encryption and the off-site copy are
//! the business of `ops::backups`; this part knows the database only.
//!
//! A copy counts only once it has been read back whole ([`check`]): a SQLite file reopened,
//! `PRAGMA integrity_check`ed and its tickets, accounts and bookings counted; a dump read to
//! its end by `pg_restore` and the rows of the same tables counted. Each copy that counts is
//! recorded (`backups`), so that `/metrics` can say how old the newest is: a backup that
//! silently stopped happening shows as an age that keeps growing.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::Stdio,
};

use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection};
use tokio::io::AsyncBufReadExt;

use super::{Backend, Db, DbError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; choose a new file name")]
    TargetExists(String),
    #[error("{0} is not a Tangkap backup: {1}")]
    NotABackup(String, String),
    #[error("{0} is encrypted: give the key it was encrypted to with --identity FILE")]
    Encrypted(String),
    #[error("cannot decrypt {0}: {1}")]
    Decrypt(String, String),
    #[error("{0} is not a database URL Tangkap knows (sqlite://… or postgres://…)")]
    UnknownDatabase(String),
    #[error("{tool} failed: {message}")]
    Tool { tool: &'static str, message: String },
    #[error("cannot write or read {0}: {1}")]
    Io(String, std::io::Error),
    #[error("the off-site copy failed: {0}")]
    OffSite(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// The file path of a `sqlite://` URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(path.split('?').next().unwrap_or_default()))
}

/// What a backup file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A SQLite database file.
    Sqlite,
    /// A PostgreSQL dump in `pg_dump`'s custom format.
    PgDump,
    /// Either, encrypted with age.
    Age,
}

impl Format {
    /// Told by the file's first bytes, whatever its name.
    pub fn of(file: &Path) -> Result<Self, BackupError> {
        let name = file.display().to_string();
        let mut head = [0u8; 21];
        let read = std::fs::File::open(file)
            .and_then(|mut f| {
                let mut filled = 0;
                while filled < head.len() {
                    match f.read(&mut head[filled..])? {
                        0 => break,
                        n => filled += n,
                    }
                }
                Ok(filled)
            })
            .map_err(|e| BackupError::NotABackup(name.clone(), e.to_string()))?;
        let head = &head[..read];
        if head.starts_with(b"SQLite format 3\0") {
            Ok(Format::Sqlite)
        } else if head.starts_with(b"PGDMP") {
            Ok(Format::PgDump)
        } else if head.starts_with(b"age-encryption.org/v1") {
            Ok(Format::Age)
        } else {
            Err(BackupError::NotABackup(
                name,
                "neither a SQLite database, a pg_dump archive nor an age file".into(),
            ))
        }
    }

    /// The file name's ending for a copy of this backend's database.
    pub fn extension(backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => "db",
            Backend::Postgres => "dump",
        }
    }
}

/// What a backup was found to hold when read back whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Contents {
    pub format: Format,
    /// Tickets.
    pub orders: i64,
    /// Accounts.
    pub users: i64,
    pub bookings: i64,
}

impl std::fmt::Display for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.format {
            Format::Sqlite => "SQLite, integrity ok",
            Format::PgDump => "pg_dump archive, read to its end",
            Format::Age => "encrypted",
        };
        let counted = |n: i64, one: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {one}s"),
        };
        write!(
            f,
            "{how}; {}, {}, {}",
            counted(self.orders, "ticket"),
            counted(self.users, "account"),
            counted(self.bookings, "booking")
        )
    }
}

/// The tables counted in every check, in [`Contents`]' order.
const COUNTED: [&str; 3] = ["orders", "users", "bookings"];

/// Writes a consistent copy of the live database at `database_url` (open as `db`) to
/// `target`, a new file: `VACUUM INTO` for SQLite, `pg_dump -Fc` for PostgreSQL. The copy
/// holds password hashes and sessions, so only its owner may read it.
pub async fn copy_to(db: &Db, database_url: &str, target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("VACUUM INTO $1")
                .bind(target.display().to_string())
                .execute(db.pool())
                .await?;
        }
        Backend::Postgres => {
            let mut dump = pg_tool("pg_dump", database_url)?;
            dump.args(["--format=custom", "--no-owner", "--file"])
                .arg(target);
            run_tool("pg_dump", dump).await?;
        }
    }
    owner_only(target)
}

/// Lets only the file's owner read or write it.
pub fn owner_only(file: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| BackupError::Io(file.display().to_string(), e))
}

/// Creates `file`, new, readable and writable by its owner only.
pub fn create_owner_only(file: &Path) -> Result<std::fs::File, BackupError> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| BackupError::Io(file.display().to_string(), e))
}

/// Reads the backup `file` back whole and counts what it holds; an error if it is not a
/// sound Tangkap backup (or is encrypted: decrypt it first).
pub async fn check(file: &Path) -> Result<Contents, BackupError> {
    let name = file.display().to_string();
    let not_a_backup = |why: String| BackupError::NotABackup(name.clone(), why);
    match Format::of(file)? {
        Format::Age => Err(BackupError::Encrypted(name)),
        Format::Sqlite => {
            let mut copy = SqliteConnectOptions::new()
                .filename(file)
                .read_only(true)
                .connect()
                .await
                .map_err(|e| not_a_backup(e.to_string()))?;
            let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&mut copy)
                .await
                .map_err(|e| not_a_backup(e.to_string()))?;
            if integrity != "ok" {
                return Err(not_a_backup(format!("integrity check: {integrity}")));
            }
            let mut counts = [0i64; 3];
            for (count, table) in counts.iter_mut().zip(COUNTED) {
                *count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                    .fetch_one(&mut copy)
                    .await
                    .map_err(|e| not_a_backup(format!("no {table} table: {e}")))?;
            }
            copy.close().await.ok();
            Ok(contents(Format::Sqlite, counts))
        }
        Format::PgDump => {
            // The whole archive as SQL: each table's rows sit between its `COPY … FROM
            // stdin;` line and a `\.` line.
            let mut restore = tokio::process::Command::new("pg_restore");
            restore.args(["--file", "-"]).arg(file);
            restore
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true);
            let mut child = restore.spawn().map_err(|e| missing_tool("pg_restore", e))?;
            let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("piped")).lines();
            let mut counts = [0i64; 3];
            let mut seen = [false; 3];
            // Inside a table's rows: `Some(Some(i))` of the counted table `i`, `Some(None)`
            // of another.
            let mut inside: Option<Option<usize>> = None;
            while let Some(line) = lines
                .next_line()
                .await
                .map_err(|e| not_a_backup(e.to_string()))?
            {
                match inside {
                    Some(_) if line == "\\." => inside = None,
                    Some(Some(table)) => counts[table] += 1,
                    Some(None) => {}
                    None => {
                        if let Some(rest) = line.strip_prefix("COPY ") {
                            let table = rest.split([' ', '(']).next().unwrap_or_default();
                            let table = table.rsplit('.').next().unwrap_or_default();
                            let index = COUNTED.iter().position(|t| *t == table.trim_matches('"'));
                            if let Some(index) = index {
                                seen[index] = true;
                            }
                            inside = Some(index);
                        }
                    }
                }
            }
            let output = child
                .wait_with_output()
                .await
                .map_err(|e| not_a_backup(e.to_string()))?;
            if !output.status.success() {
                return Err(not_a_backup(tool_said(&output.stderr)));
            }
            if let Some(missing) = seen.iter().position(|seen| !seen) {
                return Err(not_a_backup(format!("no {} table", COUNTED[missing])));
            }
            Ok(contents(Format::PgDump, counts))
        }
    }
}

fn contents(format: Format, [orders, users, bookings]: [i64; 3]) -> Contents {
    Contents {
        format,
        orders,
        users,
        bookings,
    }
}

/// A backup that counts, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// Where it was written (its final name: encrypted, it ends in `.age`).
    pub file: PathBuf,
    pub bytes: u64,
    /// When the copy began (Unix ms).
    pub taken_at: i64,
    pub contents: Contents,
    /// The off-site copy's address (`s3://bucket/key`), if one was made.
    pub copied_to: Option<String>,
}

/// Records `taken` in the live database; returns its row.
pub async fn record(db: &Db, taken: &Taken) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO backups (file, bytes, taken_at, orders, users, bookings, copied_to) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(taken.file.display().to_string())
    .bind(i64::try_from(taken.bytes).unwrap_or(i64::MAX))
    .bind(taken.taken_at)
    .bind(taken.contents.orders)
    .bind(taken.contents.users)
    .bind(taken.contents.bookings)
    .bind(taken.copied_to.as_deref())
    .fetch_one(db.writer())
    .await
}

/// When the newest backup recorded was taken (Unix ms); `None` if none was.
pub async fn last_taken_at(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT taken_at FROM backups ORDER BY id DESC LIMIT 1")
        .fetch_optional(db.pool())
        .await
}

/// Puts the backup `source` (unencrypted) in place of the database at `database_url`,
/// after checking it whole; returns what it holds. The bot must be stopped: its open
/// connections would keep writing to the replaced database. A PostgreSQL database must
/// exist (it may be empty): `pg_restore` replaces what the dump holds, in one transaction.
pub async fn restore(source: &Path, database_url: &str) -> Result<Contents, BackupError> {
    let contents = check(source).await?;
    let name = source.display().to_string();
    match (contents.format, sqlite_path(database_url)) {
        (Format::Sqlite, Some(target)) => {
            if let Some(folder) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(folder)
                    .map_err(|e| BackupError::Io(folder.display().to_string(), e))?;
            }
            // The old file's write-ahead log belongs to the old file.
            for suffix in ["-wal", "-shm"] {
                let stale = PathBuf::from(format!("{}{suffix}", target.display()));
                if stale.exists() {
                    std::fs::remove_file(&stale)
                        .map_err(|e| BackupError::Io(stale.display().to_string(), e))?;
                }
            }
            std::fs::copy(source, &target)
                .map_err(|e| BackupError::Io(target.display().to_string(), e))?;
        }
        (Format::PgDump, None) if database_url.starts_with("postgres") => {
            let mut restore = pg_tool("pg_restore", database_url)?;
            restore
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--exit-on-error",
                ])
                .arg(source);
            run_tool("pg_restore", restore).await?;
        }
        (Format::Sqlite, None) | (Format::PgDump, _) | (Format::Age, _) => {
            return Err(BackupError::NotABackup(
                name,
                format!(
                    "a {} backup cannot be restored into {}",
                    match contents.format {
                        Format::PgDump => "PostgreSQL",
                        _ => "SQLite",
                    },
                    if database_url.starts_with("postgres") {
                        "PostgreSQL"
                    } else {
                        "SQLite"
                    }
                ),
            ))
        }
    }
    // Bring an older copy's schema up to date.
    let restored = Db::connect(database_url).await?;
    restored.migrate().await?;
    restored.close().await;
    Ok(contents)
}

/// A PostgreSQL client tool run against `database_url`, its password (if the URL has one)
/// handed over in the environment rather than on the command line, where anyone on the
/// machine could read it.
fn pg_tool(tool: &'static str, database_url: &str) -> Result<tokio::process::Command, BackupError> {
    let mut url = reqwest::Url::parse(database_url).map_err(|_| {
        BackupError::UnknownDatabase(
            database_url
                .split('@')
                .next_back()
                .unwrap_or_default()
                .to_owned(),
        )
    })?;
    let mut command = tokio::process::Command::new(tool);
    if let Some(password) = url.password().map(str::to_owned) {
        url.set_password(None).ok();
        command.env("PGPASSWORD", password);
    }
    command.arg("--dbname").arg(url.as_str());
    Ok(command)
}

/// Runs `command` to its end; an error carries what the tool said.
async fn run_tool(
    tool: &'static str,
    mut command: tokio::process::Command,
) -> Result<(), BackupError> {
    let output = command
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| missing_tool(tool, e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Tool {
            tool,
            message: tool_said(&output.stderr),
        })
    }
}

fn missing_tool(tool: &'static str, e: std::io::Error) -> BackupError {
    BackupError::Tool {
        tool,
        message: match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "{tool} is not on PATH; install PostgreSQL's client tools of the server's \
                 version or newer (Debian: postgresql-client)"
            ),
            _ => e.to_string(),
        },
    }
}

/// A tool's complaint, its last lines, short enough for a log line or an alert.
fn tool_said(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    if tail.is_empty() {
        "it stopped with an error and said nothing".into()
    } else {
        tail
    }
}
