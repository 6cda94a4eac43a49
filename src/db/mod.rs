//! One code path over SQLite and PostgreSQL: queries go through sqlx's `Any` driver with
//! `$N` placeholders (both backends accept them), use only BIGINT and TEXT columns, and the
//! differences that cannot be hidden in SQL live here: how a URL is opened, per-connection
//! pragmas, how writes are serialized, and which migration folder applies.
//!
//! SQLite lets one connection write at a time; a second writer is told "busy" and SQLite's
//! busy handler makes it sleep and poll, which wrecks throughput and latency. So on SQLite
//! every write goes through one dedicated connection ([`Db::begin`], [`Db::writer`]): writers
//! queue for it in this process instead, and readers use the other connections (WAL lets
//! them read while it writes). PostgreSQL uses one pool for both.

pub mod backup;
pub mod group_commit;
pub mod instance;

use std::{path::Path, str::FromStr, sync::Once, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    Any, AnyPool, Executor,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// A transaction on either backend.
pub type Tx = sqlx::Transaction<'static, Any>;

/// A connection on either backend: what code that writes inside a caller's transaction
/// (or a savepoint of it) takes. `&mut Tx` turns into `&mut Conn` by itself.
pub type Conn = sqlx::AnyConnection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend `conn` talks to.
    pub fn of(conn: &Conn) -> Self {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// How many rows of `columns` values one multi-row statement should carry.
    pub fn rows_per_statement(self, columns: usize) -> usize {
        match self {
            Backend::Sqlite => (SQLITE_VALUES_PER_STATEMENT / columns.max(1)).max(1),
            Backend::Postgres => MOST_ROWS_PER_STATEMENT,
        }
    }

    /// SQL that is true when the text `needle` occurs in the text `haystack` (both SQL
    /// expressions), taken literally: no character is a wildcard. It is a function call
    /// rather than `LIKE '%…%'` because PostgreSQL guesses that such a LIKE matches almost
    /// no row, and then reads and sorts every row of a status instead of walking the index
    /// newest first until a page is full (24 ms against 0.2 ms on 100,000 orders).
    pub fn contains(self, haystack: &str, needle: &str) -> String {
        match self {
            Backend::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Backend::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite:// or postgres://")]
    UnsupportedUrl,
    #[error("cannot create the folder for the database file {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "DATABASE_URL names an in-memory SQLite database, which each connection would see \
         empty and which a restart would lose; name a file, e.g. sqlite://data/tangkap.db"
    )]
    InMemory,
    #[error("cannot open the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// Nothing answered, or the server is not ready yet: worth trying again.
    #[error("cannot reach PostgreSQL at {target}: {reason}")]
    Unreachable { target: String, reason: String },
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The migrations a database has run, against those of this binary, by version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// Run, as this binary has them.
    pub applied: Vec<i64>,
    /// Not run yet: `tangkap migrate` runs them.
    pub pending: Vec<i64>,
    /// Run by a Tangkap newer than this binary, which does not know them.
    pub unknown: Vec<i64>,
    /// Run from a file that differs from this binary's.
    pub altered: Vec<i64>,
    /// A migration that failed halfway.
    pub failed: Option<i64>,
}

impl Schema {
    /// Every migration of this binary run as it has it, and nothing else.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty()
            && self.unknown.is_empty()
            && self.altered.is_empty()
            && self.failed.is_none()
    }
}

/// The database handle shared by every part of the application.
#[derive(Clone, Debug)]
pub struct Db {
    /// Reads (and, on PostgreSQL, writes).
    pool: AnyPool,
    /// Writes: on SQLite a pool of one connection, on PostgreSQL the same pool.
    writer: AnyPool,
    backend: Backend,
}

impl Db {
    /// Opens the database at `url`, creating a SQLite file (and its folder) if missing.
    /// Does not migrate; call [`Db::migrate`].
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let (backend, url) = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let (path, options) = path.split_once('?').unwrap_or((path, ""));
            if path.is_empty() || path == ":memory:" || options.contains("mode=memory") {
                return Err(DbError::InMemory);
            }
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(DbError::UnsupportedUrl);
        };

        let options = AnyConnectOptions::from_str(&url).map_err(DbError::Connect)?;
        let pool = |connections: u32, writes: bool| {
            AnyPoolOptions::new()
                .max_connections(connections)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // WAL lets readers run beside the writer; FULL sync makes a commit
                            // durable before we acknowledge an update to Telegram; deleted and
                            // overwritten content (a scrubbed password) is zeroed in the file.
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA secure_delete = ON;",
                            )
                            .await?;
                            // A statement that changes many rows inside a transaction keeps
                            // the pages it changed in a statement journal, so that it can
                            // be undone alone. Past 64 KiB SQLite moves that journal into a
                            // temporary file, created and deleted per statement: 15 % of
                            // the writer's time at webhook ingest (docs/benchmarks.md).
                            // In memory, it is a copy of pages the writer already holds.
                            if writes {
                                conn.execute("PRAGMA temp_store = MEMORY;").await?;
                                // The log is copied into the database by the processor, on a
                                // reader's connection, beside the writer
                                // ([`Db::checkpoint_beside_the_writer`]); left to SQLite the
                                // copy runs inside the commit that fills the log past 1,000
                                // pages, and every webhook answer waits behind that commit.
                                // Past this many pages the writer still copies what
                                // is left, which lets the log start over (a copy beside
                                // a busy writer never can).
                                conn.execute("PRAGMA wal_autocheckpoint = 10000;").await?;
                            }
                        }
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let (pool, writer) = match backend {
            Backend::Sqlite => {
                // The writer first: it creates the file and switches it to WAL.
                let writer = pool(1, true).await.map_err(DbError::Connect)?;
                (pool(4, false).await.map_err(DbError::Connect)?, writer)
            }
            Backend::Postgres => {
                try_postgres(&options, &url).await?;
                let shared = pool(10, true).await.map_err(DbError::Connect)?;
                (shared.clone(), shared)
            }
        };
        Ok(Self {
            pool,
            writer,
            backend,
        })
    }

    /// Like [`Db::connect`], but waits for a PostgreSQL server that does not answer yet
    /// (started at the same moment as Tangkap, or restarting), saying each time what it
    /// waits for, instead of giving up.
    pub async fn connect_patiently(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres") {
            tracing::info!("connecting to PostgreSQL at {}", postgres_target(url));
        }
        let mut pause = Duration::from_secs(1);
        loop {
            match Self::connect(url).await {
                Err(e @ DbError::Unreachable { .. }) => {
                    tracing::warn!("{e}; trying again in {} s", pause.as_secs());
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
                opened => return opened,
            }
        }
    }

    /// The backend's migrations, as this binary holds them.
    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Brings the schema up to date with the backend's migration folder.
    pub async fn migrate(&self) -> Result<(), DbError> {
        self.migrator().run(&self.writer).await?;
        Ok(())
    }

    /// How the schema stands against this binary's migrations, changing nothing: a
    /// database never migrated has run none (sqlx's own table is not made for asking).
    pub async fn schema(&self) -> Result<Schema, sqlx::migrate::MigrateError> {
        use sqlx::migrate::Migrate;

        let table = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master \
                 WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let tracked: i64 = sqlx::query_scalar(table).fetch_one(&self.pool).await?;
        let mut conn = self.pool.acquire().await?;
        let (applied, failed) = if tracked > 0 {
            (
                conn.list_applied_migrations().await?,
                conn.dirty_version().await?,
            )
        } else {
            (Vec::new(), None)
        };
        let known: Vec<_> = self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .collect();
        let mut schema = Schema {
            failed,
            ..Schema::default()
        };
        for migration in &known {
            match applied.iter().find(|a| a.version == migration.version) {
                None => schema.pending.push(migration.version),
                Some(ran) if ran.checksum != migration.checksum => {
                    schema.altered.push(migration.version)
                }
                Some(_) => schema.applied.push(migration.version),
            }
        }
        schema.unknown = applied
            .iter()
            .map(|a| a.version)
            .filter(|version| !known.iter().any(|m| m.version == *version))
            .collect();
        Ok(schema)
    }

    /// Starts a transaction that may write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so that no later statement of it can find the lock taken.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// For reads.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// For a single write statement outside a transaction.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// How long one try to reach PostgreSQL may take; a host that drops packets would
/// otherwise keep a start waiting for the operating system's two minutes.
const POSTGRES_ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// One connection to PostgreSQL, opened and closed, so that a server that is down says so
/// at once and in its own words: a pool retries quietly until its acquire timeout and
/// then says only "pool timed out".
async fn try_postgres(options: &AnyConnectOptions, url: &str) -> Result<(), DbError> {
    use sqlx::{ConnectOptions, Connection};

    let target = postgres_target(url);
    let unreachable = |reason: String| DbError::Unreachable {
        target: target.clone(),
        reason,
    };
    match tokio::time::timeout(POSTGRES_ANSWER_WITHIN, options.connect()).await {
        Err(_) => Err(unreachable(format!(
            "no answer within {} s",
            POSTGRES_ANSWER_WITHIN.as_secs()
        ))),
        Ok(Ok(connection)) => {
            connection.close().await.ok();
            Ok(())
        }
        Ok(Err(e)) if is_passing(&e) => Err(unreachable(e.to_string())),
        Ok(Err(e)) => Err(DbError::Connect(e)),
    }
}

/// Where a database URL points, without user or password: `SQLite data/tangkap.db`,
/// `PostgreSQL db.example:5432, database tangkap`.
pub fn describe(url: &str) -> String {
    match backup::sqlite_path(url) {
        Some(file) => format!("SQLite {}", file.display()),
        None => format!("PostgreSQL {}", postgres_target(url)),
    }
}

/// The server and database a PostgreSQL URL names, without user or password: for logs.
fn postgres_target(url: &str) -> String {
    sqlx::postgres::PgConnectOptions::from_str(url)
        .map(|pg| {
            format!(
                "{}:{}, database {}",
                pg.get_host(),
                pg.get_port(),
                pg.get_database().unwrap_or("(the user's)")
            )
        })
        .unwrap_or_else(|_| "the address in DATABASE_URL".into())
}

/// True for a failure that may pass by itself: no connection at all, or a server that is
/// starting, stopping or full (SQLSTATE class 57 and 53300).
fn is_passing(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|code| code.starts_with("57") || code == "53300"),
        _ => false,
    }
}

/// On PostgreSQL, takes the advisory lock `key` until the transaction on `conn` ends, so
/// that of the transactions taking it one goes on at a time: what it counts before it
/// writes cannot change under it. On SQLite a writing transaction ([`Db::begin`]) is alone
/// already.
pub async fn lock_until_commit(conn: &mut Conn, key: i64) -> Result<(), sqlx::Error> {
    if Backend::of(conn) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// True when `err` is a unique-constraint violation on either backend.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// `($first, …), (…)`: placeholders for a multi-row `VALUES` of `rows` rows of `columns`
/// values each, numbered from `first`. One statement for many rows saves a round trip to
/// the database per row, which is most of what a small insert costs.
pub fn values_placeholders(first: usize, rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| {
            let start = first + row * columns;
            let values: Vec<String> = (start..start + columns).map(|n| format!("${n}")).collect();
            format!("({})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most rows per multi-row statement: well under both backends' limits on bound values.
const MOST_ROWS_PER_STATEMENT: usize = 256;
/// Most values bound to one statement on SQLite. SQLite finds each numbered parameter
/// (`$7`) by a scan of the statement's list of names, so binding a statement's values
/// costs the square of their number: 1,089 values (99 bookings of 11 columns) took 3.7 ms
/// on the bench machine, the same rows as 16-row statements 0.9 ms in all. Around 200 the
/// scans cost about what another statement does.
const SQLITE_VALUES_PER_STATEMENT: usize = 200;

/// Milliseconds since the Unix epoch: the time format of every column.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

impl Db {
    /// On SQLite, writes the write-ahead log into the database and empties it, so that
    /// pages as they were before an overwrite (a scrubbed password) are gone from it too.
    /// False when readers kept it from finishing: try again later.
    pub async fn empty_write_ahead_log(&self) -> Result<bool, sqlx::Error> {
        if self.backend != Backend::Sqlite {
            return Ok(true);
        }
        let busy: i64 = sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.writer)
            .await?;
        Ok(busy == 0)
    }

    /// On SQLite, copies what the write-ahead log holds into the database, as far as the
    /// readers allow, on a reader's connection: the writer goes on committing meanwhile
    /// (a `PASSIVE` checkpoint takes no write lock).
    pub async fn checkpoint_beside_the_writer(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Succeeds while the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(drop)
    }
}
