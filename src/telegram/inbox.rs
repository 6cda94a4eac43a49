//! Updates are stored before Telegram is told we have them (the polling offset moves, or
//! the webhook answers 200, only after the commit). `update_id` is unique, so an update
//! delivered twice is stored once.

use std::collections::HashMap;

use sqlx::Row;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    metrics::Waiting,
};

/// An update exactly as Telegram sent it.
#[derive(Clone, Debug)]
pub struct RawUpdate {
    pub update_id: i64,
    pub json: String,
}

impl RawUpdate {
    /// Accepts any JSON object carrying an integer `update_id`; the rest is decoded when
    /// the update is processed, so an update kind we do not know is still kept.
    pub fn from_value(value: &serde_json::Value) -> Option<Self> {
        let update_id = value.get("update_id")?.as_i64()?;
        Some(Self {
            update_id,
            json: value.to_string(),
        })
    }
}

impl RawUpdate {
    /// Takes a webhook body as received; it must be a JSON object with an integer
    /// `update_id`. The body is kept byte for byte rather than re-encoded.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Head {
            update_id: i64,
        }
        // serde would also read a struct from an array (`[13]`); only an object will do.
        if body.trim_ascii_start().first() != Some(&b'{') {
            return None;
        }
        let head: Head = serde_json::from_slice(body).ok()?;
        Some(Self {
            update_id: head.update_id,
            json: String::from_utf8(body.to_vec()).ok()?,
        })
    }
}

/// A stored update waiting to be processed.
#[derive(Clone, Debug)]
pub struct InboxRow {
    pub seq: i64,
    pub update_id: i64,
    pub json: String,
    pub attempts: i64,
}

/// After this many failed attempts an update is set aside as `failed`, so one poisoned
/// update cannot hold up every update behind it.
pub const MAX_ATTEMPTS: i64 = 5;

/// Stores a batch in one transaction; updates already stored are skipped. Rows are
/// inserted in `update_id` order: two instances storing the same updates then take their
/// locks in the same order and cannot deadlock. A batch that fits one statement is that
/// statement alone, committed by itself: an explicit transaction would add two round
/// trips to the writer for nothing.
pub async fn store(db: &Db, updates: &[RawUpdate]) -> Result<(), sqlx::Error> {
    if updates.len() <= rows_per_statement(db.backend()) {
        insert(
            db.writer(),
            &in_update_order(updates),
            now_ms(),
            Status::Pending,
        )
        .await?;
        return Ok(());
    }
    let mut tx = db.begin().await?;
    store_in(&mut tx, updates).await?;
    tx.commit().await
}

/// Stores a batch inside `tx`, as [`store`] does.
pub async fn store_in(tx: &mut Conn, updates: &[RawUpdate]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in in_update_order(updates).chunks(rows_per_statement(Backend::of(tx))) {
        insert(&mut *tx, chunk, now, Status::Pending).await?;
    }
    Ok(())
}

/// Stores a batch inside the transaction that applies its effects, each update marked
/// done as [`claim_many`] marks it, unless an update stored earlier still waits to be
/// processed: then nothing is stored, and the batch must wait behind it ([`store_in`]).
/// Returns the updates it stored, in `update_id` order; an update stored before (a
/// redelivery) is left out, as it is, or was, handled where it was first stored. So an
/// empty answer means the batch was redelivered, or has to wait.
pub async fn store_claimed(
    tx: &mut Conn,
    updates: &[RawUpdate],
) -> Result<Vec<InboxRow>, sqlx::Error> {
    let now = now_ms();
    let mut stored = Vec::with_capacity(updates.len());
    for chunk in in_update_order(updates).chunks(rows_per_statement(Backend::of(tx))) {
        let seqs: HashMap<i64, i64> = insert(&mut *tx, chunk, now, Status::Done)
            .await?
            .into_iter()
            .map(|(seq, update_id)| (update_id, seq))
            .collect();
        stored.extend(chunk.iter().filter_map(|update| {
            Some(InboxRow {
                seq: *seqs.get(&update.update_id)?,
                update_id: update.update_id,
                json: update.json.clone(),
                attempts: 0,
            })
        }));
    }
    Ok(stored)
}

fn in_update_order(updates: &[RawUpdate]) -> Vec<&RawUpdate> {
    let mut ordered: Vec<&RawUpdate> = updates.iter().collect();
    ordered.sort_by_key(|u| u.update_id);
    ordered
}

/// Updates per INSERT: each binds two values, the rest are shared.
fn rows_per_statement(backend: Backend) -> usize {
    backend.rows_per_statement(2)
}

/// What an update is stored as.
#[derive(Clone, Copy)]
enum Status {
    /// Waiting for the processor.
    Pending,
    /// Claimed by the transaction that stores it and applies its effects, if no update
    /// waits for the processor.
    Done,
}

/// Inserts `updates`; returns `(seq, update_id)` of those that were new.
async fn insert<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    updates: &[&RawUpdate],
    now: i64,
    status: Status,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let (status, processed_at, guard) = match status {
        Status::Pending => ("pending", None, "TRUE"),
        // Asked by the statement itself rather than before it: a round trip less a batch.
        Status::Done => (
            "done",
            Some(now),
            "NOT EXISTS (SELECT 1 FROM inbox WHERE status = 'pending')",
        ),
    };
    // Shared: $1 the time received, $2 the status, $3 the time processed; each update
    // brings its id and payload. (SQLite needs the WHERE to read ON CONFLICT as an upsert.)
    let rows: Vec<String> = (0..updates.len())
        .map(|row| format!("(${}, ${})", 4 + 2 * row, 5 + 2 * row))
        .collect();
    let sql = format!(
        "INSERT INTO inbox (update_id, payload, received_at, status, processed_at) \
         SELECT v.column1, v.column2, $1, $2, $3 FROM (VALUES {}) AS v WHERE {guard} \
         ON CONFLICT (update_id) DO NOTHING RETURNING seq, update_id",
        rows.join(", ")
    );
    let mut query = sqlx::query_as(&sql)
        .bind(now)
        .bind(status)
        .bind(processed_at);
    for update in updates {
        query = query.bind(update.update_id).bind(&update.json);
    }
    query.fetch_all(conn).await
}

/// The highest update id stored, if any.
pub async fn last_update_id(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(update_id) FROM inbox")
        .fetch_one(db.pool())
        .await
}

/// The updates stored and not yet processed (for `/metrics`). Counted over the `(status, seq)` index; the
/// oldest is the first in arrival order, read by its key.
pub async fn waiting(db: &Db) -> Result<Waiting, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*), (SELECT received_at FROM inbox WHERE seq = \
             (SELECT MIN(seq) FROM inbox WHERE status = 'pending')) \
         FROM inbox WHERE status = 'pending'",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(Waiting {
        count: row.try_get(0)?,
        oldest_since: row.try_get(1)?,
    })
}

/// The oldest pending updates, in the order they arrived.
pub async fn pending(db: &Db, limit: i64) -> Result<Vec<InboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, update_id, payload, attempts FROM inbox WHERE status = 'pending' \
         ORDER BY seq LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(InboxRow {
                seq: row.try_get(0)?,
                update_id: row.try_get(1)?,
                json: row.try_get(2)?,
                attempts: row.try_get(3)?,
            })
        })
        .collect()
}

/// Marks an update done inside the transaction that applies its effects. Returns false if
/// it was done already (by an earlier run or another instance): the caller then does
/// nothing.
pub async fn claim(tx: &mut Conn, seq: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE inbox SET status = 'done', processed_at = $2 WHERE seq = $1 AND status = 'pending'",
    )
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the pending ones among `seqs` done inside the transaction that applies their
/// effects, in one statement; returns those it marked. An update missing from the answer
/// was done already (by an earlier run or another instance) and must be left alone.
pub async fn claim_many(tx: &mut Conn, seqs: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "UPDATE inbox SET status = 'done', processed_at = $1 \
         WHERE status = 'pending' AND seq IN {} RETURNING seq",
        values_placeholders(2, 1, seqs.len())
    );
    let mut query = sqlx::query_scalar(&sql).bind(now_ms());
    for seq in seqs {
        query = query.bind(seq);
    }
    query.fetch_all(&mut *tx).await
}

/// Puts updates claimed by [`claim_many`] back to pending, in the same transaction, when
/// the batch ended before reaching them.
pub async fn unclaim(tx: &mut Conn, seqs: &[i64]) -> Result<(), sqlx::Error> {
    if seqs.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE inbox SET status = 'pending', processed_at = NULL WHERE seq IN {}",
        values_placeholders(1, 1, seqs.len())
    );
    let mut query = sqlx::query(&sql);
    for seq in seqs {
        query = query.bind(seq);
    }
    query.execute(&mut *tx).await?;
    Ok(())
}

/// Drops the stored copy of a processed update that may quote a secret (anything written
/// to the bot in private). The row stays, so that a redelivery is still recognised.
pub async fn scrub(tx: &mut Conn, seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE inbox SET payload = '{\"scrubbed\":true}' WHERE seq = $1")
        .bind(seq)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Deletes processed updates handled before `processed_before` (Unix ms): Telegram never
/// delivers an update again after a day, so older rows guard against nothing. Returns
/// how many went.
pub async fn prune(db: &Db, processed_before: i64) -> Result<u64, sqlx::Error> {
    let pruned = sqlx::query("DELETE FROM inbox WHERE status = 'done' AND processed_at < $1")
        .bind(processed_before)
        .execute(db.writer())
        .await?;
    Ok(pruned.rows_affected())
}

/// Counts a failed attempt; past [`MAX_ATTEMPTS`] the update is set aside.
pub async fn record_failure(db: &Db, seq: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE inbox SET attempts = attempts + 1, last_error = $2, \
         status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE status END \
         WHERE seq = $1 AND status = 'pending'",
    )
    .bind(seq)
    .bind(error)
    .bind(MAX_ATTEMPTS)
    .execute(db.writer())
    .await?;
    Ok(())
}
