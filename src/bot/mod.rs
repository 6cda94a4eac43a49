//! Turns one stored update into its effects: an order, a registration step, the messages
//! to send. Every effect of an update is written in the transaction that marks the update
//! done, so a crash either applies all of it or none, and a redelivered update is a no-op.

mod booking;
mod callback;
mod cek;
mod command;
mod group;
mod intake;
mod private;
mod shop;
mod shop_admin;

use std::{sync::Arc, time::Duration};

use sqlx::Acquire;

use teloxide::types::{Message, Update, UpdateKind};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    booking::HotelBase,
    db::{Backend, Conn, Db},
    groups,
    orders::{self, workflow::Rules, DuplicateOrderId, NewOrder},
    settings::Config,
    telegram::{
        api::BotApi,
        inbox::{self, InboxRow},
    },
    users::{
        access::{self, RegistrationMode},
        team::Links,
        AccountState, Role,
    },
};

pub use command::{published_commands, Command};
pub use intake::{Intake, IntakeSignals};

/// What the bot knows about itself, from getMe.
#[derive(Clone, Debug)]
pub struct BotIdentity {
    pub id: i64,
    /// Without the `@`.
    pub username: String,
}

/// What handlers need to know beyond the update itself.
#[derive(Clone, Debug)]
pub struct BotContext {
    pub me: BotIdentity,
    /// The Mini App's https address (`TANGKAP_PUBLIC_URL`), for buttons in private chats.
    pub mini_app_url: Option<String>,
    /// How `/daftar` accounts start (`TANGKAP_REGISTRATION`).
    pub registration: RegistrationMode,
    /// Telegram ids that register as owners (`TANGKAP_OWNERS`).
    pub owners: Vec<i64>,
    /// How ticket steps are written (time targets of tickets whose group sets none, the
    /// undo time), and what a group sees of its tickets (the card, reactions).
    pub steps: Rules,
    /// What a `/moban` gets whose Order_ID has an open ticket in its group already.
    pub duplicates: DuplicateOrderId,
    /// The hotel, when bookings are on; its settings in force are read by each update
    /// that needs them.
    pub hotel: Option<HotelBase>,
    /// The shop, when it is on.
    pub shop: Option<crate::shop::Shop>,
    /// The clock people are told times on (`TANGKAP_UTC_OFFSET`, Asia/Jakarta by default).
    pub utc_offset: time::UtcOffset,
    /// The Bot API, for asking who is in the FO chat before a batch's transaction.
    pub telegram: BotApi,
    /// How old Telegram's word on a membership may be (`TANGKAP_MEMBERSHIP_REFRESH`).
    pub membership_refresh: Duration,
    /// Who this instance recorded as posting in a group lately ([`groups::saw_posts`]).
    pub recent_posters: groups::RecentPosters,
}

impl BotContext {
    /// The context of an instance run with `config`, once the bot knows who it is.
    pub fn new(
        config: &Config,
        me: BotIdentity,
        hotel: Option<HotelBase>,
        telegram: BotApi,
    ) -> Self {
        Self {
            me,
            mini_app_url: config.mini_app_url(),
            registration: config.registration.mode,
            owners: config.registration.owners.clone(),
            steps: config.step_rules(),
            duplicates: config.duplicate_order_id,
            hotel,
            shop: None,
            utc_offset: config.utc_offset,
            telegram,
            membership_refresh: config.membership_refresh,
            recent_posters: groups::RecentPosters::default(),
        }
    }

    /// Wakes what waits for a batch's commit beside the outbox's sender: the shop's
    /// gateway worker, for the invoices a batch made or asked about (woken before the
    /// commit, it would look too early).
    pub fn committed(&self) {
        if let Some(shop) = &self.shop {
            shop.wake.notify_one();
        }
    }

    pub fn links(&self) -> Links<'_> {
        Links {
            mini_app_url: self.mini_app_url.as_deref(),
        }
    }

    /// The role and state a registration by `telegram_id` gets; `None` while registration
    /// is closed to it.
    pub fn new_account(&self, telegram_id: i64) -> Option<(Role, AccountState)> {
        access::new_account(self.registration, self.owners.contains(&telegram_id))
    }
}

/// Applies the effects of `update` inside `tx`.
pub async fn handle_update(
    bot: &BotContext,
    tx: &mut Conn,
    update: &Update,
) -> Result<(), sqlx::Error> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_private() => {
            private::handle(bot, tx, message).await
        }
        UpdateKind::Message(message) if message.chat.is_group() || message.chat.is_supergroup() => {
            group::handle_message(bot, tx, message).await
        }
        // A live location moving on: its new position, kept without an answer.
        UpdateKind::EditedMessage(message) if message.chat.is_private() => {
            private::moved(bot, tx, message).await
        }
        UpdateKind::MyChatMember(change) => group::handle_membership(tx, change).await,
        UpdateKind::CallbackQuery(query) => callback::handle(bot, tx, query).await,
        // Edits, channel posts and everything else get no answer.
        _ => Ok(()),
    }
}

/// Whether `update` comes from a private chat with the bot (a button pressed there too).
fn is_private(update: &Update) -> bool {
    match &update.kind {
        UpdateKind::CallbackQuery(query) => {
            query.message.as_ref().is_none_or(|m| m.chat().is_private())
        }
        _ => update.chat().is_some_and(|chat| chat.is_private()),
    }
}

/// The message `update` brings to a group, if it is one.
fn group_message(update: &Update) -> Option<&Message> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_group() || message.chat.is_supergroup() => {
            Some(message)
        }
        _ => None,
    }
}

/// The order a group `/moban` update asks for, if it is one.
fn order_request(bot: &BotContext, update: &Update) -> Option<NewOrder> {
    match group::read_message(bot, group_message(update)?) {
        group::GroupRequest::Order(order) => Some(order),
        _ => None,
    }
}

/// Whether Telegram may have to be asked about `update`'s sender before it is processed
/// ([`ask_telegram`]).
fn asks_telegram(bot: &BotContext, update: &Update) -> bool {
    booking::asks_front_office(bot, update)
        || cek::asks_telegram(bot, update)
        || callback::card_presser(update).is_some()
        || shop_admin::asks_telegram(bot, update)
}

/// Asks Telegram what `updates` need to know of their senders' memberships, outside any
/// transaction: whether they are in the FO chat, and for a private `/cek`, which groups
/// they are in; and fetches the stock files admins sent.
async fn ask_telegram(db: &Db, bot: &BotContext, updates: &[&Update]) {
    booking::ask_front_office(db, bot, updates.iter().copied()).await;
    cek::ask_telegram(db, bot, updates.iter().copied()).await;
    callback::ask_about_card_pressers(db, bot, updates.iter().copied()).await;
    shop_admin::ask_telegram(db, bot, updates.iter().copied()).await;
}

/// How many updates a batch reads at most, and how long it may run. A batch spreads the
/// cost of a commit over many updates, but on SQLite it holds the only write connection,
/// and webhook intake waits for it: so there a batch ends once it has run for 5 ms, and
/// the next one reads about as many updates as fitted into the last. On PostgreSQL the
/// intake commits beside it, and every statement is a round trip, so batches are larger.
fn batch_limits(backend: Backend) -> (usize, Duration) {
    match backend {
        Backend::Sqlite => (128, Duration::from_millis(5)),
        Backend::Postgres => (512, Duration::from_millis(50)),
    }
}
const BATCH_MIN: usize = 8;

/// Processes stored updates in arrival order until `shutdown`. `processed_on_intake` is
/// woken when the webhook intake processed a batch itself ([`Intake`]); what is done
/// between batches is then done for it.
pub async fn run_processor(
    db: Db,
    bot: BotContext,
    new_updates: Arc<Notify>,
    new_messages: Arc<Notify>,
    processed_on_intake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    let (batch_max, _) = batch_limits(db.backend());
    let mut batch = BATCH_MIN;
    let mut housekeeping = Housekeeping::default();
    loop {
        let rows = match inbox::pending(&db, batch as i64).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the inbox; retrying");
                Vec::new()
            }
        };
        if rows.is_empty() {
            if housekeeping.when_idle(&db).await {
                // More to index: the inbox is looked at again first.
                continue;
            }
            // The inbox stays empty while the intake processes what it stores itself; it
            // is looked at again, and the idle work done, at least once a second.
            let next_look = tokio::time::sleep(Duration::from_secs(1));
            tokio::pin!(next_look);
            loop {
                tokio::select! {
                    _ = new_updates.notified() => break,
                    _ = processed_on_intake.notified() => housekeeping.while_busy(&db).await,
                    _ = &mut next_look => break,
                    _ = shutdown.cancelled() => return,
                }
            }
            continue;
        }
        let failed = match process_batch(&db, &bot, &rows).await {
            Ok((done, failed)) => {
                new_messages.notify_one();
                bot.committed();
                housekeeping.while_busy(&db).await;
                // Grow while batches finish within their time, shrink when they do not.
                batch = if done == rows.len() {
                    batch * 2
                } else {
                    done + done / 4
                }
                .clamp(BATCH_MIN, batch_max);
                failed
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot process updates; will retry");
                Vec::new()
            }
        };
        for (row, e) in &failed {
            tracing::warn!(update_id = row.update_id, error = %e, "cannot process an update; will retry");
            // Only errors the database itself raised count against the update; a lost
            // connection says nothing about the update and must not set it aside.
            if matches!(e, sqlx::Error::Database(_)) {
                if let Err(e) = inbox::record_failure(&db, row.seq, &e.to_string()).await {
                    tracing::warn!(error = %e, "cannot record the failure");
                }
            }
        }
        if !failed.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }
}

/// Processed updates are kept this long (Telegram redelivers within a day at most).
const INBOX_KEPT: Duration = Duration::from_secs(48 * 3600);
/// How often processed updates past [`INBOX_KEPT`] are looked for.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// Least time between two emptyings of SQLite's write-ahead log (each costs a sync).
const EMPTY_LOG_EVERY: Duration = Duration::from_secs(5);
/// How long nothing must have been processed before the log is emptied. Emptying holds
/// the write lock while it copies the whole log into the database and waits for readers,
/// which in the middle of a burst stalls every webhook answer behind it; an inbox that
/// is empty between two batches is not yet quiet.
const QUIET_BEFORE_EMPTYING: Duration = Duration::from_secs(1);

/// How often the processor looks at how far the search index is behind while updates
/// keep coming.
const INDEX_EVERY: Duration = Duration::from_millis(250);
/// How long nothing must have been processed before the search index takes in the tickets
/// stored since. Taking in a lot holds the write lock for a few milliseconds, and every
/// webhook answer waiting behind it is that much later (the p99 at 2,000 updates a second
/// went from 5.2 to 8.0 ms, docs/benchmarks.md); search reads the tickets not in the index
/// yet directly, so a burst leaves them to the first quiet moment.
const QUIET_BEFORE_INDEXING: Duration = Duration::from_millis(200);
/// How many tickets the search index may be behind before it takes them in, lot by lot
/// between batches, even while updates keep coming: each search reads that many rows
/// directly at most.
const INDEX_BEHIND_AT_MOST: u64 = 20_000;

/// How often the write-ahead log is copied into the database while updates are processed
/// ([`Db::checkpoint_beside_the_writer`]), and when idle after them. The writer copies the
/// log itself, inside a commit, once it holds 10,000 pages (`wal_autocheckpoint`), and a
/// copy beside it never lets the log start over (a commit always lands while it runs), so
/// the log always reaches that mark: a `/moban` batch writes about 28 pages (a page per
/// index of `orders`, the inbox, the outbox, timers, counts), 10,000 pages every 350 ms
/// at 2,000 updates a second. What the writer then copies is what changed since the last
/// copy beside it: a second's worth made that commit 3 to 5 ms long, and the webhook
/// answers behind it the p99 (docs/benchmarks.md, "Seventh look"); a tenth of a second's
/// worth is a few hundred pages.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// What the processor does between batches and when the inbox is empty.
#[derive(Default)]
struct Housekeeping {
    /// When updates were last processed (and private ones scrubbed), if that was after
    /// the log was last emptied.
    processed_at: Option<tokio::time::Instant>,
    /// When updates were last processed.
    busy_at: Option<tokio::time::Instant>,
    emptied_at: Option<tokio::time::Instant>,
    pruned_at: Option<tokio::time::Instant>,
    indexed_at: Option<tokio::time::Instant>,
    checkpointed_at: Option<tokio::time::Instant>,
    /// The copy of the log under way, if one is.
    checkpointing: Option<tokio::task::JoinHandle<()>>,
    /// The last lot was full: more tickets wait for the index.
    index_behind: bool,
}

impl Housekeeping {
    /// After a batch (the processor's or the intake's): the search index is looked at once
    /// [`INDEX_EVERY`] has passed, and takes a lot in if it is too far behind.
    async fn while_busy(&mut self, db: &Db) {
        let now = tokio::time::Instant::now();
        self.processed_at = Some(now);
        self.busy_at = Some(now);
        if self.index_behind || self.indexed_at.is_none_or(|at| at.elapsed() >= INDEX_EVERY) {
            self.index(db).await;
        }
        if self
            .checkpointed_at
            .is_none_or(|at| at.elapsed() >= CHECKPOINT_EVERY)
        {
            self.checkpoint(db);
        }
    }

    /// Starts copying the log into the database, unless the last copy is still under way.
    /// The processor goes on meanwhile: the next batch need not wait for a copy that takes
    /// no write lock.
    fn checkpoint(&mut self, db: &Db) {
        if self
            .checkpointing
            .as_ref()
            .is_some_and(|copy| !copy.is_finished())
        {
            return;
        }
        self.checkpointed_at = Some(tokio::time::Instant::now());
        let db = db.clone();
        self.checkpointing = Some(tokio::spawn(async move {
            if let Err(e) = db.checkpoint_beside_the_writer().await {
                tracing::warn!(error = %e, "cannot copy the write-ahead log into the database");
            }
        }));
    }

    /// Puts one lot of tickets into the search index if it is due: after a quiet moment,
    /// or when too far behind. True if it put any in (there may be more).
    async fn index(&mut self, db: &Db) -> bool {
        self.indexed_at = Some(tokio::time::Instant::now());
        let quiet = self
            .busy_at
            .is_none_or(|at| at.elapsed() >= QUIET_BEFORE_INDEXING);
        let due = match orders::search::behind(db).await {
            Ok(behind) => behind > 0 && (quiet || behind >= INDEX_BEHIND_AT_MOST),
            Err(e) => {
                tracing::warn!(error = %e, "cannot tell how far behind the search index is");
                false
            }
        };
        let indexed = if due {
            orders::search::catch_up(db).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot bring the search index up to date");
                0
            })
        } else {
            0
        };
        self.index_behind = indexed >= orders::search::CATCH_UP_LOT;
        indexed > 0
    }

    /// True while the search index has more to take in: the caller comes back at once,
    /// so that updates arriving meanwhile wait for one lot at most.
    async fn when_idle(&mut self, db: &Db) -> bool {
        if self.index(db).await {
            return true;
        }
        let log_due = self
            .emptied_at
            .is_none_or(|at| at.elapsed() >= EMPTY_LOG_EVERY);
        let quiet = self
            .processed_at
            .is_some_and(|at| at.elapsed() >= QUIET_BEFORE_EMPTYING);
        if quiet && log_due {
            self.emptied_at = Some(tokio::time::Instant::now());
            match db.empty_write_ahead_log().await {
                Ok(true) => self.processed_at = None,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot empty the write-ahead log"),
            }
        } else if self.processed_at.is_some()
            && self
                .checkpointed_at
                .is_none_or(|at| at.elapsed() >= CHECKPOINT_EVERY)
        {
            self.checkpoint(db);
        }
        if self.pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            self.pruned_at = Some(tokio::time::Instant::now());
            let before = crate::db::now_ms() - INBOX_KEPT.as_millis() as i64;
            match inbox::prune(db, before).await {
                Ok(0) => {}
                Ok(pruned) => {
                    tracing::info!(pruned, "removed processed updates past their keeping time")
                }
                Err(e) => tracing::warn!(error = %e, "cannot remove old processed updates"),
            }
        }
        false
    }
}

/// Processes `rows` in one transaction, ending early once it has run for its time
/// ([`batch_limits`]).
/// Updates are decoded, and Telegram asked who of their senders is in the FO chat, or in
/// the group whose card they pressed, where that decides, before the transaction starts, so the write lock is held for database
/// work only.
///
/// The common case takes the fast way: the whole batch claimed in one statement and no
/// savepoints, a handful of statements per update. If anything in it fails, that
/// transaction is rolled back and the batch is done again one update per savepoint, so a
/// failing update is rolled back alone (and returned) while the others commit.
///
/// Returns how many rows it got to, and the failures among them.
async fn process_batch(
    db: &Db,
    bot: &BotContext,
    rows: &[InboxRow],
) -> Result<(usize, Vec<(InboxRow, sqlx::Error)>), sqlx::Error> {
    let ready: Vec<Ready> = rows
        .iter()
        .map(|row| Ready::read(bot, row, serde_json::from_str(&row.json)))
        .collect();
    let updates: Vec<&Update> = ready
        .iter()
        .filter_map(|ready| ready.update.as_ref().ok())
        .collect();
    ask_telegram(db, bot, &updates).await;
    match process_together(db, bot, &ready).await {
        Ok(done) => Ok((done, Vec::new())),
        Err(e) => {
            tracing::debug!(error = %e, "a batch failed; processing its updates one by one");
            process_one_by_one(db, bot, &ready).await
        }
    }
}

/// A stored update, decoded, and read as an order where it is a group's `/moban`: work
/// done before the write lock is taken.
struct Ready<'r> {
    row: &'r InboxRow,
    update: Result<Update, serde_json::Error>,
    order: Option<NewOrder>,
}

impl<'r> Ready<'r> {
    fn read(
        bot: &BotContext,
        row: &'r InboxRow,
        update: Result<Update, serde_json::Error>,
    ) -> Self {
        let order = update.as_ref().ok().and_then(|u| order_request(bot, u));
        Self { row, update, order }
    }
}

async fn process_together(
    db: &Db,
    bot: &BotContext,
    ready: &[Ready<'_>],
) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin().await?;
    let seqs: Vec<i64> = ready.iter().map(|ready| ready.row.seq).collect();
    let claimed = inbox::claim_many(&mut tx, &seqs).await?;
    let done = apply_claimed(&mut tx, bot, ready, &claimed).await?;
    tx.commit().await?;
    Ok(done)
}

/// Applies the effects of the `claimed` among `ready`, in order, until the batch's time has
/// passed; those it did not reach go back to pending. Returns how many it reached.
///
/// Who posted in a group is recorded once for the batch, at its end ([`groups::saw_posts`]),
/// or before a message of someone joining or leaving, so that a post and then a leave
/// ends as a leave.
async fn apply_claimed(
    tx: &mut Conn,
    bot: &BotContext,
    ready: &[Ready<'_>],
    claimed: &[i64],
) -> Result<usize, sqlx::Error> {
    let (_, batch_time) = batch_limits(Backend::of(tx));
    let started = tokio::time::Instant::now();
    let mut done = 0;
    // Orders of consecutive `/moban` updates are stored together; any other update first
    // lets them go, so effects keep the order of the updates.
    let mut orders_waiting = Vec::new();
    let mut posters = Vec::new();
    for Ready { row, update, order } in ready {
        if started.elapsed() > batch_time {
            break;
        }
        done += 1;
        if !claimed.contains(&row.seq) {
            continue;
        }
        let message = update.as_ref().ok().and_then(group_message);
        posters.extend(message.and_then(group::poster));
        if let Some(order) = order {
            orders_waiting.push(order.clone());
            continue;
        }
        group::store_orders(bot, tx, &std::mem::take(&mut orders_waiting)).await?;
        if message.is_some_and(group::changes_membership) {
            groups::saw_posts(
                tx,
                &std::mem::take(&mut posters),
                bot.membership_refresh,
                &bot.recent_posters,
            )
            .await?;
        }
        apply(tx, bot, row, update).await?;
    }
    group::store_orders(bot, tx, &orders_waiting).await?;
    // After the orders: a group met in this batch is known by now.
    groups::saw_posts(tx, &posters, bot.membership_refresh, &bot.recent_posters).await?;
    let unreached: Vec<i64> = ready[done..]
        .iter()
        .map(|ready| ready.row.seq)
        .filter(|seq| claimed.contains(seq))
        .collect();
    inbox::unclaim(tx, &unreached).await?;
    Ok(done)
}

async fn process_one_by_one(
    db: &Db,
    bot: &BotContext,
    ready: &[Ready<'_>],
) -> Result<(usize, Vec<(InboxRow, sqlx::Error)>), sqlx::Error> {
    let (_, batch_time) = batch_limits(db.backend());
    let mut tx = db.begin().await?;
    let started = tokio::time::Instant::now();
    let mut failed = Vec::new();
    let mut done = 0;
    for Ready { row, update, .. } in ready {
        if started.elapsed() > batch_time {
            break;
        }
        done += 1;
        let mut savepoint = tx.begin().await?;
        let result = match inbox::claim(&mut savepoint, row.seq).await {
            Ok(true) => apply_alone(&mut savepoint, bot, row, update).await,
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => savepoint.commit().await?,
            Err(e) => {
                savepoint.rollback().await?;
                failed.push(((*row).clone(), e));
            }
        }
    }
    tx.commit().await?;
    Ok((done, failed))
}

/// Applies a claimed update's effects, and records who posted it (which a batch does once
/// for all its updates).
async fn apply_alone(
    conn: &mut Conn,
    bot: &BotContext,
    row: &InboxRow,
    update: &Result<Update, serde_json::Error>,
) -> Result<(), sqlx::Error> {
    apply(conn, bot, row, update).await?;
    let poster = update
        .as_ref()
        .ok()
        .and_then(group_message)
        .and_then(group::poster);
    groups::saw_posts(
        conn,
        poster.as_slice(),
        bot.membership_refresh,
        &bot.recent_posters,
    )
    .await
}

/// Applies a claimed update's effects.
async fn apply(
    conn: &mut Conn,
    bot: &BotContext,
    row: &InboxRow,
    update: &Result<Update, serde_json::Error>,
) -> Result<(), sqlx::Error> {
    match update {
        Ok(update) => {
            handle_update(bot, conn, update).await?;
            // What people write to the bot in private (a password, typed again by mistake
            // after registering) is not kept once acted on.
            if is_private(update) {
                inbox::scrub(conn, row.seq).await?;
            }
        }
        // Not an update we can read: it stays stored, marked done, for an operator to see.
        Err(e) => {
            tracing::warn!(update_id = row.update_id, error = %e, "skipping an update that cannot be decoded")
        }
    }
    Ok(())
}
