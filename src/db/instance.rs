//! Which running Tangkap holds a claim, and whether it still runs.
//!
//! Outbox rows (and anything else several instances may reach for) are claimed for a while
//! by the instance about to work on them. If that instance dies, waiting for the claim to
//! run out stalls the chat behind it; so a claim names its instance, and a claim of an
//! instance that no longer runs is taken over at once.
//!
//! On PostgreSQL each instance holds a session advisory lock keyed by its id, on a
//! connection of its own, for as long as it runs. The server drops the lock the moment
//! that connection closes, which the kernel does when the process dies, however it dies;
//! so `pg_locks` lists exactly the instances alive. On SQLite there is one instance (one
//! process writes the file), so every claim not its own belongs to a dead one.
//!
//! Each instance also has a row in `instances` from its start to its clean stop: a row
//! whose instance no longer runs is a run that ended otherwise (killed, a power cut, out
//! of memory), which the owners hear of.

use std::time::Duration;

use rand::Rng;
use sqlx::{Connection, Row};
use tokio_util::sync::CancellationToken;

use super::{now_ms, Backend, Db};

/// The first key of every instance's advisory lock ("TG"): the second is the instance id.
const LOCK_SPACE: i64 = 0x5447;
/// How often the lock's connection is checked, and a lost one replaced.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// This running instance.
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    id: i64,
    backend: Backend,
}

/// A run that ended without a clean stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// When it started (Unix ms).
    pub started_at: i64,
    /// When it was last seen alive (Unix ms): its start, or its last [`Instance::alive`].
    pub seen_at: i64,
}

/// Holds a PostgreSQL instance's lock until shutdown; see [`Instance::join`].
pub struct Presence {
    db: Db,
    instance: Instance,
    connection: Option<sqlx::AnyConnection>,
}

impl Instance {
    /// Picks an id no running instance has and, on PostgreSQL, takes its lock. The lock
    /// lasts while [`Presence::keep`] runs.
    pub async fn join(db: &Db) -> Result<(Instance, Presence), sqlx::Error> {
        let backend = db.backend();
        loop {
            let id = rand::rng().random_range(1..i64::from(i32::MAX));
            let instance = Instance { id, backend };
            let connection = match backend {
                Backend::Sqlite => None,
                Backend::Postgres => match instance.lock(db).await? {
                    Some(connection) => Some(connection),
                    None => continue,
                },
            };
            let presence = Presence {
                db: db.clone(),
                instance,
                connection,
            };
            return Ok((instance, presence));
        }
    }

    pub fn id(self) -> i64 {
        self.id
    }

    /// Whether other instances may run beside this one, and so die while it runs: on
    /// SQLite there are none, and every claim not its own is dead from the start.
    pub fn has_peers(self) -> bool {
        self.backend == Backend::Postgres
    }

    /// SQL true when the claim of `column` belongs to another instance, no longer running,
    /// with `me` the placeholder bound to [`Instance::id`]. On PostgreSQL a claim naming
    /// no instance (made before claims named them) is left to run out.
    pub fn dead_sql(self, column: &str, me: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("({column} IS NULL OR {column} <> {me})"),
            Backend::Postgres => format!(
                "({column} <> {me} AND {column} NOT IN (SELECT objid::bigint FROM pg_locks \
                 WHERE locktype = 'advisory' AND granted AND objsubid = 2 \
                 AND classid::bigint = {LOCK_SPACE}))"
            ),
        }
    }

    /// Records that this instance runs, until [`Instance::leave`]; returns the runs that
    /// ended without a clean stop, as [`Instance::unclean_stops`].
    pub async fn arrive(self, db: &Db) -> Result<Vec<Stopped>, sqlx::Error> {
        let stopped = self.unclean_stops(db).await?;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO instances (id, started_at, seen_at) VALUES ($1, $2, $2) \
             ON CONFLICT (id) DO UPDATE SET started_at = $2, seen_at = $2",
        )
        .bind(self.id)
        .bind(now)
        .execute(db.writer())
        .await?;
        Ok(stopped)
    }

    /// The runs that ended without a clean stop: the rows of instances that no longer
    /// run, each taken (deleted) by one caller.
    pub async fn unclean_stops(self, db: &Db) -> Result<Vec<Stopped>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "DELETE FROM instances WHERE {} RETURNING started_at, seen_at",
            self.dead_sql("id", "$1")
        ))
        .bind(self.id)
        .fetch_all(db.writer())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Stopped {
                    started_at: row.try_get(0)?,
                    seen_at: row.try_get(1)?,
                })
            })
            .collect()
    }

    /// Notes that this instance is alive now: should it die, its stop is dated by this.
    pub async fn alive(self, db: &Db) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE instances SET seen_at = $2 WHERE id = $1")
            .bind(self.id)
            .bind(now_ms())
            .execute(db.writer())
            .await?;
        Ok(())
    }

    /// A clean stop: this instance's run ends as it should.
    pub async fn leave(self, db: &Db) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(self.id)
            .execute(db.writer())
            .await?;
        Ok(())
    }

    /// A connection of its own holding this instance's lock; `None` if another has it.
    async fn lock(self, db: &Db) -> Result<Option<sqlx::AnyConnection>, sqlx::Error> {
        let mut connection = db.pool().acquire().await?.detach();
        let locked: bool = sqlx::query("SELECT pg_try_advisory_lock($1::int, $2::int)")
            .bind(LOCK_SPACE)
            .bind(self.id)
            .fetch_one(&mut connection)
            .await?
            .try_get(0)?;
        if locked {
            Ok(Some(connection))
        } else {
            connection.close().await?;
            Ok(None)
        }
    }
}

impl Presence {
    /// Keeps the lock until `shutdown`: a lost connection (the server restarted) is
    /// replaced and the lock taken again. Meanwhile other instances may take over this
    /// one's claims; the worst that does is send a message twice.
    pub async fn keep(mut self, shutdown: CancellationToken) {
        if self.connection.is_none() {
            return;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep(CHECK_EVERY) => {}
                _ = shutdown.cancelled() => break,
            }
            let alive = match self.connection.as_mut() {
                Some(connection) => connection.ping().await.is_ok(),
                None => false,
            };
            if alive {
                continue;
            }
            self.connection = match self.instance.lock(&self.db).await {
                Ok(Some(connection)) => Some(connection),
                Ok(None) => {
                    tracing::error!(
                        instance = self.instance.id,
                        "another process holds this instance's lock"
                    );
                    None
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take this instance's lock again; retrying");
                    None
                }
            };
        }
        if let Some(connection) = self.connection.take() {
            let _ = connection.close().await;
        }
    }
}
