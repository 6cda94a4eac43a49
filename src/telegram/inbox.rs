//! Updates are stored before Telegram is told we have them (the polling offset moves, or
//! the webhook answers 200, only after the commit). `update_id` is unique, so an update
//! delivered twice is stored once.

use std::sync::Arc;

use sqlx::Row;
use tokio::sync::Notify;

use crate::db::{group_commit::GroupCommit, now_ms, values_placeholders, Conn, Db};

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
    let mut ordered: Vec<&RawUpdate> = updates.iter().collect();
    ordered.sort_by_key(|u| u.update_id);
    let now = now_ms();
    let per_statement = db.backend().rows_per_statement(3);
    if ordered.len() <= per_statement {
        return insert(db.writer(), &ordered, now).await;
    }
    let mut tx = db.begin().await?;
    for chunk in ordered.chunks(per_statement) {
        insert(&mut *tx, chunk, now).await?;
    }
    tx.commit().await
}

async fn insert<'c>(
    conn: impl sqlx::Executor<'c, Database = sqlx::Any>,
    updates: &[&RawUpdate],
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO inbox (update_id, payload, received_at) VALUES {} \
         ON CONFLICT (update_id) DO NOTHING",
        values_placeholders(1, updates.len(), 3)
    );
    let mut query = sqlx::query(&sql);
    for update in updates {
        query = query.bind(update.update_id).bind(&update.json).bind(now);
    }
    query.execute(conn).await?;
    Ok(())
}

/// Updates stored in one transaction at most.
const INGEST_BATCH: usize = 512;

/// Stores updates arriving one per request (the webhook) by group commit: whatever arrived
/// while the last commit ran goes into the next, and each request still learns when its
/// update is on disk.
#[derive(Clone, Debug)]
pub struct IngestQueue {
    batches: GroupCommit<RawUpdate, bool>,
}

impl IngestQueue {
    /// Starts the writer; it runs until every clone of the queue is dropped.
    pub fn start(db: Db, new_updates: Arc<Notify>) -> Self {
        let batches = GroupCommit::start(INGEST_BATCH, move |updates: Vec<RawUpdate>| {
            let (db, new_updates) = (db.clone(), new_updates.clone());
            async move {
                let stored = store(&db, &updates).await;
                match &stored {
                    Ok(()) => new_updates.notify_one(),
                    Err(e) => {
                        tracing::error!(error = %e, count = updates.len(), "cannot store updates")
                    }
                }
                vec![stored.is_ok(); updates.len()]
            }
        });
        Self { batches }
    }

    /// Stores `update`; true once it is committed, false if storing failed.
    pub async fn store(&self, update: RawUpdate) -> bool {
        self.batches.submit(update).await.unwrap_or(false)
    }
}

/// The highest update id stored, if any.
pub async fn last_update_id(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(update_id) FROM inbox")
        .fetch_one(db.pool())
        .await
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
