//! Copies of the SQLite database: `tangkap backup FILE` while the bot runs, `tangkap restore
//! FILE` while it is stopped. PostgreSQL has its own tools (`pg_dump`, `pg_restore`).
//!
//! Each backup taken is recorded (`backups`) once the copy is complete, so that `/metrics`
//! can say how old the newest is: a backup that silently stopped happening shows as an age
//! that keeps growing. The record is written to the live database after the copy, so the
//! copy itself does not hold it.

use std::path::{Path, PathBuf};

use super::{now_ms, Backend, Db, DbError};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup and restore handle SQLite databases; for PostgreSQL use pg_dump and pg_restore"
    )]
    NotSqlite,
    #[error("{0} exists already; choose a new file name")]
    TargetExists(String),
    #[error("{0} is not a Tangkap database: {1}")]
    NotADatabase(String, String),
    #[error("cannot copy {0}: {1}")]
    Io(String, std::io::Error),
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

/// Writes a consistent copy of the live database to `target` (a new file) and records it.
/// `VACUUM INTO` reads one snapshot while writers carry on.
pub async fn backup(db: &Db, target: &Path) -> Result<(), BackupError> {
    if db.backend() != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    let name = target.display().to_string();
    sqlx::query("VACUUM INTO $1")
        .bind(&name)
        .execute(db.pool())
        .await?;
    let bytes = std::fs::metadata(target)
        .map_err(|e| BackupError::Io(name.clone(), e))?
        .len();
    sqlx::query("INSERT INTO backups (file, bytes, taken_at) VALUES ($1, $2, $3)")
        .bind(&name)
        .bind(bytes as i64)
        .bind(now_ms())
        .execute(db.writer())
        .await?;
    Ok(())
}

/// When the newest backup recorded was taken (Unix ms); `None` if none was.
pub async fn last_taken_at(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT taken_at FROM backups ORDER BY id DESC LIMIT 1")
        .fetch_optional(db.pool())
        .await
}

/// Puts the copy `source` in place of the database at `database_url`, after checking it is
/// a sound Tangkap database. The bot must be stopped: its open connections would keep
/// writing to the replaced file.
pub async fn restore(source: &Path, database_url: &str) -> Result<(), BackupError> {
    let target = sqlite_path(database_url).ok_or(BackupError::NotSqlite)?;
    let name = source.display().to_string();
    if !source.is_file() {
        return Err(BackupError::NotADatabase(name, "no such file".into()));
    }
    let copy = Db::connect(&format!("sqlite://{name}"))
        .await
        .map_err(|e| BackupError::NotADatabase(name.clone(), e.to_string()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(copy.pool())
        .await
        .map_err(|e| BackupError::NotADatabase(name.clone(), e.to_string()))?;
    let has_orders: Option<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'orders'",
    )
    .fetch_optional(copy.pool())
    .await?;
    copy.close().await;
    if integrity != "ok" || has_orders.is_none() {
        return Err(BackupError::NotADatabase(
            name,
            format!("integrity check: {integrity}"),
        ));
    }
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
    std::fs::copy(source, &target).map_err(|e| BackupError::Io(target.display().to_string(), e))?;
    // Bring an older copy's schema up to date.
    let restored = Db::connect(database_url).await?;
    restored.migrate().await?;
    restored.close().await;
    Ok(())
}
