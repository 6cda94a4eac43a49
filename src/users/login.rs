//! Password checks for the Mini App, throttled per account and per client address with a
//! lock-out that doubles after each failure past the first few.
//!
//! A try is counted as being checked before its password is checked, in the same statement
//! that sees whether the account is locked: however many tries arrive at once, no more
//! than the allowed number are ever checked. Tries beyond them wait for those to decide
//! (a right password among them lets the others through; wrong ones lock them out), so
//! someone opening the app twice at once is not taken for a guesser. Tries are counted by the account they name (its id,
//! however its name or Telegram ID was typed), and apart for the browser and for the Mini
//! App inside Telegram: there initData has already proved the account, so guesses made in
//! a browser must not lock its owner out of Telegram. An unknown name costs the same
//! verification as a wrong password (timing does not tell which accounts exist) and counts
//! under its normalised form.
//!
//! The per-address limit holds back guessing, not people: a locked address still gets a
//! right password checked (so one person's typos do not lock out a team behind one proxy
//! address), while its wrong guesses are answered as locked and still count against each
//! account they name.
//!
//! Verifying with argon2id takes 19 MiB; the checks share a few reused buffers
//! ([`Verifier`]), so a burst of logins waits in a queue instead of taking memory.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        LazyLock, Mutex,
    },
    time::{Duration, Instant},
};

use argon2::{
    password_hash::{Output, PasswordHash},
    Algorithm, Argon2, Block, Params, Version,
};
use tokio::sync::Semaphore;

use super::{Password, User};
use crate::db::{now_ms, Db, Tx};

/// Failures allowed before the first lock-out.
pub const FREE_FAILURES: i64 = 5;
/// From this failure on, the answer says how many tries are left.
const WARN_FROM: i64 = 3;
/// The first lock-out; each further failure doubles it.
const FIRST_LOCK: Duration = Duration::from_secs(30);
const LONGEST_LOCK: Duration = Duration::from_secs(3600);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(3600);
/// Failures from one address before it is held back: a team may share one address.
const ADDRESS_FREE_FAILURES: i64 = 20;

/// Verified in place of a missing account's hash.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("no-such-account-password")
        .expect("a valid password")
        .hash()
});

/// Where a login comes from: the browser, or the Mini App inside Telegram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Browser,
    Telegram,
}

/// Who is trying: the account named (if it exists) or the name as typed, and the address.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub channel: Channel,
    /// The login as typed, for an account that does not exist.
    pub typed: String,
    pub address: String,
}

impl Attempt {
    /// The key an attempt's failures count under for the account.
    fn account_key(&self, account: Option<&User>) -> String {
        let channel = match self.channel {
            Channel::Browser => "browser",
            Channel::Telegram => "telegram",
        };
        match account {
            Some(user) => format!("{channel}:account:{}", user.id),
            None => format!("{channel}:unknown:{}", normalise(&self.typed)),
        }
    }

    fn address_key(&self) -> String {
        format!("client:{}", self.address)
    }
}

/// A typed login as the lookup reads it: a Telegram ID in any spelling (`+603`, `0603`)
/// as its number, a name case-insensitively.
fn normalise(typed: &str) -> String {
    let typed = typed.trim();
    match typed.parse::<i64>() {
        Ok(id) => id.to_string(),
        Err(_) => typed.to_lowercase(),
    }
}

#[derive(Debug)]
pub enum Outcome {
    LoggedIn(User),
    /// Wrong login or password; from the third failure on, how many tries are left.
    WrongCredentials {
        tries_left: Option<i64>,
    },
    /// Too many failures: no try until `until` (Unix ms).
    Locked {
        until: i64,
    },
    /// Too many checks waiting already; try again in a moment.
    Busy,
}

/// How long the `failures`-th failure in a row locks the subject out, when `free` are free.
fn lock_after(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(12) as u32;
    (FIRST_LOCK * 2u32.pow(doublings)).min(LONGEST_LOCK)
}

/// How long the `failures`-th failure of an account locks it out.
pub fn lock_for(failures: i64) -> Duration {
    lock_after(failures, FREE_FAILURES)
}

/// Checks `password` for `account` (`None` when no such account exists), counting the try
/// first; see the module's documentation for who is held back when.
pub async fn check(
    db: &Db,
    attempt: &Attempt,
    account: Option<(User, String)>,
    password: &str,
) -> Result<Outcome, sqlx::Error> {
    let account_key = attempt.account_key(account.as_ref().map(|(user, _)| user));
    let address_key = attempt.address_key();
    let waiting_since = Instant::now();
    loop {
        match count_try(db, &account_key, &address_key, now_ms()).await? {
            Counted::Try => break,
            Counted::Locked { until } => return Ok(Outcome::Locked { until }),
            // As many tries as may be checked are being checked: theirs decide.
            Counted::Full if waiting_since.elapsed() < LONGEST_WAIT => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Counted::Full => return Ok(Outcome::Busy),
        }
    }
    let hash = account
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |(_, hash)| hash.clone());
    let Some(matches) = VERIFIER.verify(hash, password.to_owned()).await else {
        // Not checked: the try does not count.
        settle(db, &account_key, Settled::Unchecked, &address_key).await?;
        return Ok(Outcome::Busy);
    };
    match account {
        Some((user, _)) if matches => {
            settle(db, &account_key, Settled::Right, &address_key).await?;
            Ok(Outcome::LoggedIn(user))
        }
        _ => {
            let now = now_ms();
            let failures = record_failure(db, &account_key, now).await?;
            if let Some(until) = address_locked_until(db, &address_key, now).await? {
                return Ok(Outcome::Locked { until });
            }
            if failures >= FREE_FAILURES {
                return Ok(Outcome::Locked {
                    until: now + lock_for(failures).as_millis() as i64,
                });
            }
            let tries_left = (failures >= WARN_FROM).then_some(FREE_FAILURES - failures);
            Ok(Outcome::WrongCredentials { tries_left })
        }
    }
}

/// Longest a try waits for the tries being checked before it to decide.
const LONGEST_WAIT: Duration = Duration::from_secs(15);
/// A try counted as being checked this long ago was lost (its process died).
const CHECK_LOST_AFTER: Duration = Duration::from_secs(30);

enum Counted {
    /// Counted as being checked.
    Try,
    /// The account is locked until then (Unix ms); nothing was counted.
    Locked { until: i64 },
    /// The tries being checked fill what may be tried now; nothing was counted.
    Full,
}

/// Counts a try as being checked, against the account and the address, in one
/// transaction; unless the account is locked, or the failures so far and the tries being
/// checked fill the free tries (after a lock-out, one try at a time). The check and the
/// count are one statement, so tries arriving at once cannot all pass.
async fn count_try(
    db: &Db,
    account_key: &str,
    address_key: &str,
    now: i64,
) -> Result<Counted, sqlx::Error> {
    let forgotten_before = now - MEMORY.as_millis() as i64;
    let lost_before = now - CHECK_LOST_AFTER.as_millis() as i64;
    let mut tx = db.begin().await?;
    let counted = sqlx::query(
        "INSERT INTO login_attempts (subject, failures, checking, locked_until, updated_at) \
         VALUES ($1, 0, 1, 0, $2) \
         ON CONFLICT (subject) DO UPDATE SET \
         failures = CASE WHEN login_attempts.updated_at < $3 THEN 0 ELSE login_attempts.failures END, \
         checking = CASE WHEN login_attempts.updated_at < $4 THEN 1 ELSE login_attempts.checking + 1 END, \
         updated_at = $2 \
         WHERE login_attempts.locked_until <= $2 AND (login_attempts.updated_at < $4 \
           OR login_attempts.failures + login_attempts.checking < $5 \
           OR (login_attempts.failures >= $5 AND login_attempts.checking = 0)) \
         RETURNING checking",
    )
    .bind(account_key)
    .bind(now)
    .bind(forgotten_before)
    .bind(lost_before)
    .bind(FREE_FAILURES)
    .fetch_optional(&mut *tx)
    .await?;
    if counted.is_none() {
        let until: i64 =
            sqlx::query_scalar("SELECT locked_until FROM login_attempts WHERE subject = $1")
                .bind(account_key)
                .fetch_one(&mut *tx)
                .await?;
        tx.rollback().await?;
        return Ok(if until > now {
            Counted::Locked { until }
        } else {
            Counted::Full
        });
    }
    let address_failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_attempts (subject, failures, locked_until, updated_at) VALUES ($1, 1, 0, $2) \
         ON CONFLICT (subject) DO UPDATE SET \
         failures = CASE WHEN login_attempts.updated_at < $3 THEN 1 ELSE login_attempts.failures + 1 END, \
         updated_at = $2 RETURNING failures",
    )
    .bind(address_key)
    .bind(now)
    .bind(forgotten_before)
    .fetch_one(&mut *tx)
    .await?;
    let address_lock = lock_after(address_failures, ADDRESS_FREE_FAILURES);
    lock(&mut tx, address_key, now, address_lock).await?;
    tx.commit().await?;
    Ok(Counted::Try)
}

/// A try proved wrong: one failure more, one check fewer, and the lock-out it earns.
/// Returns the account's failures so far.
async fn record_failure(db: &Db, account_key: &str, now: i64) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    // A right password meanwhile forgot the account's record: this failure starts anew.
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO login_attempts (subject, failures, checking, locked_until, updated_at) \
         VALUES ($1, 1, 0, 0, $2) \
         ON CONFLICT (subject) DO UPDATE SET failures = login_attempts.failures + 1, \
         checking = CASE WHEN login_attempts.checking > 0 THEN login_attempts.checking - 1 ELSE 0 END, \
         updated_at = $2 RETURNING failures",
    )
    .bind(account_key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    lock(&mut tx, account_key, now, lock_for(failures)).await?;
    tx.commit().await?;
    Ok(failures)
}

/// Locks `subject` out for `lock` from `now` (nothing for a zero lock), unless it is
/// locked for longer already.
async fn lock(tx: &mut Tx, subject: &str, now: i64, lock: Duration) -> Result<(), sqlx::Error> {
    if lock.is_zero() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE login_attempts SET locked_until = $2 WHERE subject = $1 AND locked_until < $2",
    )
    .bind(subject)
    .bind(now + lock.as_millis() as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn address_locked_until(
    db: &Db,
    address_key: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT locked_until FROM login_attempts WHERE subject = $1")
            .bind(address_key)
            .fetch_optional(db.pool())
            .await?;
    Ok(until.filter(|&until| until > now))
}

/// How a try counted as being checked ended, other than wrong.
enum Settled {
    /// The right password: the account's record is forgotten.
    Right,
    /// Never checked (too many waiting): its count is taken back.
    Unchecked,
}

/// Ends a try that did not fail. Either way the try it counted at the address is taken
/// back, and no more: logging into one's own account between guesses must not wipe an
/// address's record.
async fn settle(
    db: &Db,
    account_key: &str,
    settled: Settled,
    address_key: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let account = match settled {
        Settled::Right => "DELETE FROM login_attempts WHERE subject = $1",
        Settled::Unchecked => {
            "UPDATE login_attempts SET checking = checking - 1 WHERE subject = $1 AND checking > 0"
        }
    };
    sqlx::query(account)
        .bind(account_key)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE login_attempts SET failures = failures - 1 WHERE subject = $1 AND failures > 0",
    )
    .bind(address_key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Password checks at most this many at once, each with a reused 19 MiB buffer.
const CHECKS_AT_ONCE: usize = 2;
/// Checks waiting beyond these are answered "busy" at once.
const CHECKS_WAITING: usize = 64;

static VERIFIER: LazyLock<Verifier> = LazyLock::new(Verifier::new);

/// Runs argon2 verifications a few at a time on blocking threads, each in a memory buffer
/// taken from a pool and given back: the memory a burst of logins takes is bounded, and
/// stays the same from one burst to the next.
struct Verifier {
    running: Semaphore,
    waiting: AtomicUsize,
    buffers: Mutex<Vec<Vec<Block>>>,
}

impl Verifier {
    fn new() -> Self {
        Self {
            running: Semaphore::new(CHECKS_AT_ONCE),
            waiting: AtomicUsize::new(0),
            buffers: Mutex::new(Vec::new()),
        }
    }

    /// Whether `password` matches `hash`; `None` when too many checks are waiting.
    async fn verify(&'static self, hash: String, password: String) -> Option<bool> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= CHECKS_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        let permit = self.running.acquire().await.expect("never closed");
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let matches = tokio::task::spawn_blocking(move || {
            let mut buffer = self
                .buffers
                .lock()
                .expect("not poisoned")
                .pop()
                .unwrap_or_default();
            let matches = verify(&hash, &password, &mut buffer);
            self.buffers.lock().expect("not poisoned").push(buffer);
            matches
        })
        .await
        .expect("password verification does not panic");
        drop(permit);
        Some(matches)
    }
}

/// Whether `password` hashes to `hash` (a PHC string), computing in `memory`.
fn verify(hash: &str, password: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut output = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut output,
        &mut memory[..blocks],
    );
    // `Output` compares in constant time.
    hashed.is_ok() && Output::new(&output).is_ok_and(|output| output == expected)
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
        let mut memory = Vec::new();
        assert!(verify(&hash, "benar-sekali", &mut memory));
        assert!(!verify(&hash, "salah-sekali", &mut memory));
        assert!(!verify("not a hash", "benar-sekali", &mut memory));
        // The buffer is reused as it is.
        let buffer = memory.as_ptr();
        assert!(verify(&hash, "benar-sekali", &mut memory));
        assert_eq!(memory.as_ptr(), buffer);
    }

    #[test]
    fn a_login_is_counted_however_it_is_spelled() {
        assert_eq!(normalise(" +603 "), "603");
        assert_eq!(normalise("0603"), "603");
        assert_eq!(normalise("BuDi"), "budi");
    }
}
