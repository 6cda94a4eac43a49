//! Webhook intake. Updates arrive one per request; whatever arrived while the last commit
//! ran is stored in the next (group commit), and each request learns when its update is
//! on disk. Where nothing stored earlier still waits, that same transaction also applies
//! the updates' effects and marks them done: one commit instead of one to store and one
//! to process, and no reading back of what was just written. Where something does wait,
//! or an update needs Telegram asked first ([`super::asks_telegram`]), or applying
//! fails, the updates are only stored and the processor takes them in arrival order, as
//! it takes updates fetched by polling. On PostgreSQL updates are always only stored: there
//! the processor's transaction runs beside the intake's next commit ([`Intake::process_with`]).

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};

use teloxide::types::Update;
use tokio::sync::Notify;

use super::{apply_claimed, asks_telegram, order_request, BotContext, Ready};
use crate::{
    db::{group_commit::GroupCommit, Backend, Db},
    orders::NewOrder,
    telegram::inbox::{self, RawUpdate},
};

/// Updates stored in one transaction at most.
const INGEST_BATCH: usize = 512;

/// Stores (and where it may, processes) webhook updates in shared transactions.
#[derive(Clone, Debug)]
pub struct Intake {
    batches: GroupCommit<Arrived, bool>,
    backend: Backend,
    bot: Arc<OnceLock<BotContext>>,
    processed: Arc<Notify>,
}

/// Who is woken after a batch.
#[derive(Clone, Debug)]
pub struct IntakeSignals {
    /// The processor, for updates stored without their effects.
    pub new_updates: Arc<Notify>,
    /// The outbox's sender, for the messages a processed batch queued.
    pub new_messages: Arc<Notify>,
}

/// An update as received, decoded by the request that brought it: requests decode in
/// parallel, while the batch's transaction runs one at a time.
struct Arrived {
    raw: RawUpdate,
    update: Result<Update, serde_json::Error>,
    /// The order it asks for, if it is a group's `/moban` (read once the bot knows its
    /// own name).
    order: Option<NewOrder>,
}

/// What became of a batch.
enum Stored {
    /// Stored for the processor.
    ForLater,
    /// Stored and processed; true if some were left for the processor (the batch ran
    /// out of time).
    Processed { left: bool },
}

impl Intake {
    /// Starts the writer; it runs until every clone of the intake is dropped. Until
    /// [`Intake::process_with`] is called (the bot knows who it is), updates are only
    /// stored.
    pub fn start(db: Db, signals: IntakeSignals) -> Self {
        let backend = db.backend();
        let bot = Arc::new(OnceLock::<BotContext>::new());
        let processed = Arc::new(Notify::new());
        let batches = {
            let (bot, processed) = (bot.clone(), processed.clone());
            GroupCommit::start(INGEST_BATCH, move |updates: Vec<Arrived>| {
                let (db, bot, signals, processed) =
                    (db.clone(), bot.clone(), signals.clone(), processed.clone());
                async move {
                    let count = updates.len();
                    let stored = store(&db, bot.get(), updates).await;
                    match &stored {
                        Ok(Stored::ForLater) => signals.new_updates.notify_one(),
                        Ok(Stored::Processed { left }) => {
                            signals.new_messages.notify_one();
                            if let Some(bot) = bot.get() {
                                bot.committed();
                            }
                            processed.notify_one();
                            if *left {
                                signals.new_updates.notify_one();
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, count, "cannot store updates")
                        }
                    }
                    vec![stored.is_ok(); count]
                }
            })
        };
        Self {
            batches,
            backend,
            bot,
            processed,
        }
    }

    /// From now on batches are processed as they are stored, by `bot`, on SQLite.
    ///
    /// On PostgreSQL they stay stored for the processor. There writers do not wait for one
    /// another, so the intake's commit of one batch and the processor's transaction over
    /// the batch before run at once, each on its own connection; in one transaction they
    /// would run one after the other, each statement a round trip to the server, and
    /// ingest ran at half the speed (docs/benchmarks.md, "Fourth stop"). On SQLite there
    /// is one writer either way, and one commit a batch instead of two is what counts.
    pub fn process_with(&self, bot: BotContext) {
        if self.backend == Backend::Postgres {
            return;
        }
        // Set once per running instance; a second call changes nothing.
        let _ = self.bot.set(bot);
    }

    /// Woken after each batch the intake processed itself, so that the processor keeps
    /// up what it does between batches (the search index, the write-ahead log).
    pub fn processed(&self) -> Arc<Notify> {
        self.processed.clone()
    }

    /// Stores `update`; true once it is committed, false if storing failed.
    pub async fn store(&self, raw: RawUpdate) -> bool {
        let update = serde_json::from_str(&raw.json);
        let order = match (self.bot.get(), &update) {
            (Some(bot), Ok(update)) => order_request(bot, update),
            _ => None,
        };
        self.batches
            .submit(Arrived { raw, update, order })
            .await
            .unwrap_or(false)
    }
}

/// Stores `updates` and processes them in the same transaction where it may; when that
/// fails they are stored alone, so that the processor retries them one by one and keeps
/// a failing update from holding up the rest.
async fn store(
    db: &Db,
    bot: Option<&BotContext>,
    updates: Vec<Arrived>,
) -> Result<Stored, sqlx::Error> {
    let (raw, decoded): (Vec<RawUpdate>, Vec<_>) = updates
        .into_iter()
        .map(|arrived| (arrived.raw, (arrived.update, arrived.order)))
        .unzip();
    let Some(bot) = bot else {
        inbox::store(db, &raw).await?;
        return Ok(Stored::ForLater);
    };
    match store_and_process(db, bot, &raw, decoded).await {
        Ok(stored) => Ok(stored),
        Err(e) => {
            tracing::debug!(error = %e, "cannot process updates as they are stored; storing them for the processor");
            inbox::store(db, &raw).await?;
            Ok(Stored::ForLater)
        }
    }
}

/// An update decoded, and the order it asks for.
type Decoded = (Result<Update, serde_json::Error>, Option<NewOrder>);

async fn store_and_process(
    db: &Db,
    bot: &BotContext,
    raw: &[RawUpdate],
    decoded: Vec<Decoded>,
) -> Result<Stored, sqlx::Error> {
    let asks_telegram = decoded
        .iter()
        .filter_map(|(update, _)| update.as_ref().ok())
        .any(|update| asks_telegram(bot, update));
    if asks_telegram {
        inbox::store(db, raw).await?;
        return Ok(Stored::ForLater);
    }
    let mut tx = db.begin().await?;
    let rows = inbox::store_claimed(&mut tx, raw).await?;
    if rows.is_empty() {
        // Updates stored earlier come first: these wait behind them (or were all stored
        // before, and this stores nothing).
        inbox::store_in(&mut tx, raw).await?;
        tx.commit().await?;
        return Ok(Stored::ForLater);
    }
    let mut by_id: HashMap<i64, Decoded> = raw
        .iter()
        .map(|update| update.update_id)
        .zip(decoded)
        .collect();
    let ready: Vec<Ready<'_>> = rows
        .iter()
        .filter_map(|row| {
            let (update, order) = by_id.remove(&row.update_id)?;
            Some(Ready { row, update, order })
        })
        .collect();
    let claimed: Vec<i64> = rows.iter().map(|row| row.seq).collect();
    let done = apply_claimed(&mut tx, bot, &ready, &claimed).await?;
    tx.commit().await?;
    Ok(Stored::Processed {
        left: done < ready.len(),
    })
}
