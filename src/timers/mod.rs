//! One timer engine for the whole app: things that must happen at a time (a reminder
//! before a ticket's target runs out, the breach after it, a booking's hold running out)
//! without anyone having to remember.
//!
//! A due action is a row of `timers` (what, for which entity, when), written in the same
//! transaction as the change that makes it due, and deleted or re-timed in the one that
//! makes it moot (a Pickup cancels the Pickup reminders). The worker takes due rows by
//! deleting them, and hands them to their [`Fire`] in that same transaction, so a row's
//! effects (outbox rows) commit together with its removal: it fires once, or not at all
//! and stays due. That holds across crashes and restarts (a row due while the process was
//! down is simply due at start), and across instances on PostgreSQL: a row being taken by
//! one instance is locked and skipped by the others (`FOR UPDATE SKIP LOCKED`), and a
//! crashed instance's transaction rolls back and leaves it due. Unlike the outbox, whose
//! sends reach Telegram outside any transaction and so need claims, firing is all inside
//! the database, so no claim is needed.
//!
//! The worker asks for the earliest due time (an index on `due_at`) and sleeps until then,
//! at most [`LONGEST_NAP`], so its cost grows with the timers that come due, not with all
//! timers, and a timer written by another instance, or committed a moment after the worker
//! looked, waits at most that long.

use std::{future::Future, time::Duration};

use sqlx::Row;
use tokio_util::sync::CancellationToken;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    metrics::Metrics,
};

/// A timer to set: `kind` of action, for `entity` (e.g. an order number), at `due_at` (ms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timer {
    pub kind: &'static str,
    pub entity: i64,
    pub due_at: i64,
}

/// A timer that came due, as the worker took it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub kind: String,
    pub entity: i64,
    pub due_at: i64,
}

/// Sets `timers`, each replacing the timer of the same kind and entity if there is one.
pub async fn set(tx: &mut Conn, timers: &[Timer]) -> Result<(), sqlx::Error> {
    for chunk in timers.chunks(Backend::of(tx).rows_per_statement(3)) {
        let sql = format!(
            "INSERT INTO timers (kind, entity, due_at) VALUES {} \
             ON CONFLICT (kind, entity) DO UPDATE SET due_at = excluded.due_at",
            values_placeholders(1, chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for timer in chunk {
            query = query.bind(timer.kind).bind(timer.entity).bind(timer.due_at);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Sets `timer` unless a timer of its kind and entity is set already.
pub async fn set_if_absent(tx: &mut Conn, timer: &Timer) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO timers (kind, entity, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, entity) DO NOTHING",
    )
    .bind(timer.kind)
    .bind(timer.entity)
    .bind(timer.due_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets `timer`, or brings the timer of its kind and entity forward to its time if that is
/// set later; one due sooner stays as it is.
pub async fn set_no_later(tx: &mut Conn, timer: &Timer) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO timers (kind, entity, due_at) VALUES ($1, $2, $3) \
         ON CONFLICT (kind, entity) DO UPDATE SET due_at = excluded.due_at \
         WHERE excluded.due_at < timers.due_at",
    )
    .bind(timer.kind)
    .bind(timer.entity)
    .bind(timer.due_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Moves the timer of `kind` for `entity` to `due_at`, if it is still set; true if it was.
pub async fn move_to(
    tx: &mut Conn,
    kind: &str,
    entity: i64,
    due_at: i64,
) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query("UPDATE timers SET due_at = $3 WHERE kind = $1 AND entity = $2")
        .bind(kind)
        .bind(entity)
        .bind(due_at)
        .execute(&mut *tx)
        .await?;
    Ok(moved.rows_affected() == 1)
}

/// Removes the timer of `kind` for `entity`; true if it was still set. Of those racing to
/// take a timer (the worker firing it among them), exactly one does: the one that decides
/// what it was for.
pub async fn take(tx: &mut Conn, kind: &str, entity: i64) -> Result<bool, sqlx::Error> {
    let taken = sqlx::query("DELETE FROM timers WHERE kind = $1 AND entity = $2")
        .bind(kind)
        .bind(entity)
        .execute(&mut *tx)
        .await?;
    Ok(taken.rows_affected() == 1)
}

/// Removes the timers of `kinds` for each of `entities`: what they were for no longer
/// applies. One statement per chunk of entities.
pub async fn cancel(tx: &mut Conn, kinds: &[&str], entities: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in entities.chunks(Backend::of(tx).rows_per_statement(1)) {
        // One "row" of placeholders is a parenthesised list.
        let sql = format!(
            "DELETE FROM timers WHERE kind IN {} AND entity IN {}",
            values_placeholders(1, 1, kinds.len()),
            values_placeholders(kinds.len() + 1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for kind in kinds {
            query = query.bind(*kind);
        }
        for entity in chunk {
            query = query.bind(*entity);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// What timers do when they come due.
pub trait Fire: Send + Sync + 'static {
    /// Acts on `due` (in the order they came due) inside `tx`, which also removes them.
    /// An error rolls all of it back: the timers stay due and are tried again.
    fn fire<'a>(
        &'a self,
        tx: &'a mut Conn,
        due: &'a [Due],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a;

    /// Called after a batch was committed (to wake the outbox sender).
    fn fired(&self);
}

/// Timers taken and fired in one transaction at most.
const BATCH: i64 = 500;
/// The longest the worker sleeps without looking again.
pub const LONGEST_NAP: Duration = Duration::from_secs(1);
/// When another instance is taking the due timers (they are locked), the worker waits
/// this long for it to commit rather than asking again at once.
const TAKEN_ELSEWHERE: Duration = Duration::from_millis(50);
/// After a failed batch, the worker waits this long before trying again.
const AFTER_FAILURE: Duration = Duration::from_secs(2);

/// Fires due timers until `shutdown`; how late each fired goes to `metrics`.
pub async fn run(db: Db, fire: impl Fire, metrics: Metrics, shutdown: CancellationToken) {
    loop {
        // Only a read while nothing is due: the write transaction that takes timers is
        // begun only when one is.
        let pause = match next_due(&db).await {
            Ok(Some(at)) if at <= now_ms() => match fire_due(&db, &fire, &metrics).await {
                Ok(0) => TAKEN_ELSEWHERE,
                Ok(_) => {
                    fire.fired();
                    Duration::ZERO
                }
                Err(e) => {
                    tracing::warn!(error = %e, "timers could not fire; trying again");
                    AFTER_FAILURE
                }
            },
            Ok(Some(at)) => Duration::from_millis((at - now_ms()).max(1) as u64).min(LONGEST_NAP),
            Ok(None) => LONGEST_NAP,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the next timer");
                AFTER_FAILURE
            }
        };
        if pause.is_zero() {
            if shutdown.is_cancelled() {
                return;
            }
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Takes the timers due now (at most [`BATCH`]) and fires them in one transaction;
/// returns how many fired. Each fired when its effects committed: that is how late it was.
pub async fn fire_due(db: &Db, fire: &impl Fire, metrics: &Metrics) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin().await?;
    let skip_locked = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "DELETE FROM timers WHERE id IN \
         (SELECT id FROM timers WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2 {skip_locked}) \
         RETURNING kind, entity, due_at"
    ))
    .bind(now_ms())
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut due = rows
        .iter()
        .map(|row| {
            Ok(Due {
                kind: row.try_get(0)?,
                entity: row.try_get(1)?,
                due_at: row.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    due.sort_by_key(|d| d.due_at);
    fire.fire(&mut tx, &due).await?;
    tx.commit().await?;
    let fired_at = now_ms();
    for timer in &due {
        metrics.timer_fired(Duration::from_millis(
            (fired_at - timer.due_at).max(0) as u64
        ));
    }
    Ok(due.len())
}

/// How many timers are due at `now` (Unix ms) and not fired yet.
pub async fn due_count(db: &Db, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM timers WHERE due_at <= $1")
        .bind(now)
        .fetch_one(db.pool())
        .await
}

/// The earliest time a timer is due, if any is set.
pub async fn next_due(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(due_at) FROM timers")
        .fetch_one(db.pool())
        .await
}
