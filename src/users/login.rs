//! Password checks for the Mini App, throttled per account and per client address with a
//! lock-out that doubles after each failure past the first few. An unknown account costs
//! the same argon2 verification as a wrong password, so timing does not reveal which
//! accounts exist.

use std::{sync::LazyLock, time::Duration};

use argon2::{password_hash::PasswordHash, Argon2, PasswordVerifier};
use sqlx::Row;

use super::{Password, User};
use crate::db::{now_ms, Db};

/// Failures allowed before the first lock-out.
pub const FREE_FAILURES: i64 = 5;
/// The first lock-out; each further failure doubles it.
const FIRST_LOCK: Duration = Duration::from_secs(30);
const LONGEST_LOCK: Duration = Duration::from_secs(3600);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(3600);

/// Verified in place of a missing account's hash.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("no-such-account-password")
        .expect("a valid password")
        .hash()
});

/// Who a throttle counts failures for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A login name or Telegram id, as typed (lower-cased).
    Account(String),
    /// A client IP address.
    Client(String),
}

impl Subject {
    fn key(&self) -> String {
        match self {
            Subject::Account(name) => format!("account:{}", name.to_lowercase()),
            Subject::Client(addr) => format!("client:{addr}"),
        }
    }
}

#[derive(Debug)]
pub enum Outcome {
    LoggedIn(User),
    WrongCredentials,
    /// Too many failures; try again after this many seconds.
    Locked {
        retry_after_secs: u64,
    },
}

/// How long the `failures`-th failure in a row locks the subject out.
pub fn lock_for(failures: i64) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(12) as u32;
    (FIRST_LOCK * 2u32.pow(doublings)).min(LONGEST_LOCK)
}

/// Checks `password` for `account` (`None` when no such account exists) unless one of
/// `subjects` is locked out, and records the result against every subject.
pub async fn check(
    db: &Db,
    subjects: &[Subject],
    account: Option<(User, String)>,
    password: &str,
) -> Result<Outcome, sqlx::Error> {
    let now = now_ms();
    if let Some(until) = locked_until(db, subjects, now).await? {
        let retry_after_secs = ((until - now) as u64).div_ceil(1000).max(1);
        return Ok(Outcome::Locked { retry_after_secs });
    }
    let hash = account
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |(_, hash)| hash.clone());
    let candidate = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify(&hash, &candidate))
        .await
        .expect("password verification does not panic");
    match account {
        Some((user, _)) if matches => {
            for subject in subjects {
                forget(db, subject).await?;
            }
            Ok(Outcome::LoggedIn(user))
        }
        _ => {
            for subject in subjects {
                record_failure(db, subject, now).await?;
            }
            Ok(Outcome::WrongCredentials)
        }
    }
}

fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

async fn locked_until(db: &Db, subjects: &[Subject], now: i64) -> Result<Option<i64>, sqlx::Error> {
    let mut latest = None;
    for subject in subjects {
        let until: Option<i64> =
            sqlx::query_scalar("SELECT locked_until FROM login_attempts WHERE subject = $1")
                .bind(subject.key())
                .fetch_optional(db.pool())
                .await?;
        if let Some(until) = until.filter(|&u| u > now) {
            latest = latest.max(Some(until));
        }
    }
    Ok(latest)
}

async fn record_failure(db: &Db, subject: &Subject, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "INSERT INTO login_attempts (subject, failures, locked_until, updated_at) VALUES ($1, 1, 0, $2) \
         ON CONFLICT (subject) DO UPDATE SET \
         failures = CASE WHEN login_attempts.updated_at < $3 THEN 1 ELSE login_attempts.failures + 1 END, \
         updated_at = $2 RETURNING failures",
    )
    .bind(subject.key())
    .bind(now)
    .bind(now - MEMORY.as_millis() as i64)
    .fetch_one(&mut *tx)
    .await?;
    let failures: i64 = row.try_get(0)?;
    let lock = lock_for(failures);
    if !lock.is_zero() {
        sqlx::query("UPDATE login_attempts SET locked_until = $2 WHERE subject = $1")
            .bind(subject.key())
            .bind(now + lock.as_millis() as i64)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

async fn forget(db: &Db, subject: &Subject) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_attempts WHERE subject = $1")
        .bind(subject.key())
        .execute(db.writer())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_out_grows_after_the_free_failures() {
        assert_eq!(lock_for(4), Duration::ZERO);
        assert_eq!(lock_for(5), Duration::from_secs(30));
        assert_eq!(lock_for(6), Duration::from_secs(60));
        assert_eq!(lock_for(8), Duration::from_secs(240));
        assert_eq!(lock_for(40), LONGEST_LOCK);
    }

    #[test]
    fn verification_accepts_only_the_right_password() {
        let hash = Password::parse("benar-sekali").unwrap().hash();
        assert!(verify(&hash, "benar-sekali"));
        assert!(!verify(&hash, "salah-sekali"));
        assert!(!verify("not a hash", "benar-sekali"));
    }
}
