//! Order → Pickup → Close, and back from Close to Order when an owner or admin reopens a
//! ticket. Each step is one conditional UPDATE (so of two people pressing at once exactly
//! one wins), its audit event and the group notification, in one transaction. Steps
//! pressed at the same moment share that transaction (group commit): on SQLite each commit
//! costs an fsync, which would otherwise cap the steps per second. A reopen goes through
//! the same queue, so a Pickup racing it is decided by the same conditional updates.
//!
//! A Pickup pressed in the Mini App asks no confirmation: its presser may take it back for
//! a few seconds (`TANGKAP_PICKUP_UNDO`), and the group hears of it (Feedback 2) only
//! after, by a [`PICKUP_TOLD`] timer of the one timer engine. Whoever removes that timer
//! decides: the timer firing tells the group, an undo puts the ticket back on Order, a
//! Close in the meantime tells the group of the Pickup before the Close. Removing a row is
//! atomic on both backends, so exactly one of them does.

use std::time::Duration;

use sqlx::{any::AnyRow, Row};

use super::{
    board::{self, OrderView},
    card::{self, GroupFeatures},
    sla::{self, Stage},
    written_text, OrderMessage, Status,
};
use crate::{
    db::{group_commit::GroupCommit, now_ms, values_placeholders, Backend, Conn, Db},
    groups::settings::SlaDefaults,
    lang::Text,
    reports::{self, Counted, Kind},
    telegram::{
        outbox::{self, Outgoing},
        texts,
    },
    timers::{self, Timer},
    users::{access, User},
};

/// The timer that tells the group of a Mini App Pickup once its presser can no longer
/// undo it; its entity is the order number.
pub const PICKUP_TOLD: &str = "pickup_told";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Pickup,
    Close,
    /// A closed ticket back to Order, with a reason (owners and admins only).
    Reopen,
    /// A Pickup taken back by its presser before the group was told of it.
    UndoPickup,
}

impl Transition {
    pub fn from(self) -> Status {
        match self {
            Transition::Pickup => Status::Order,
            Transition::Close => Status::Pickup,
            Transition::Reopen => Status::Close,
            Transition::UndoPickup => Status::Pickup,
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Pickup => Status::Pickup,
            Transition::Close => Status::Close,
            Transition::Reopen | Transition::UndoPickup => Status::Order,
        }
    }

    /// What the step sets besides the status: who made it and when (`$2`, `$3`). A
    /// reopened ticket waits for Pickup again, so who took and closed it, and its Close
    /// clock, are cleared (its `order_events` keep them). An undone Pickup is written by
    /// [`take_back_pickup`].
    fn assignments(self) -> &'static str {
        match self {
            Transition::Pickup => "picked_by = $2, picked_at = $3",
            Transition::Close => "closed_by = $2, closed_at = $3",
            // It gives up its Order_ID slot (`orders::duplicates`): a newer ticket may hold
            // the Order_ID by now, and two open tickets may then share it.
            Transition::Reopen => {
                "reopened_by = $2, reopened_at = $3, picked_by = NULL, picked_at = NULL, \
                 closed_by = NULL, closed_at = NULL, close_warn_at = NULL, close_due_at = NULL, \
                 order_key_slot = NULL"
            }
            // Waits for Pickup as before it was pressed.
            Transition::UndoPickup => {
                "picked_by = NULL, picked_at = NULL, close_warn_at = NULL, close_due_at = NULL"
            }
        }
    }
}

/// The longest reason a reopen may give, in characters.
pub const REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("no such order")]
    NotFound,
    /// The asker sees the ticket but may not make this step (staff reopening, or closing
    /// a ticket someone else picked up); the sentence says why.
    #[error("not allowed: {0}")]
    Forbidden(Text),
    /// The step's input was refused; the sentence says why.
    #[error("{0}")]
    Invalid(Text),
    /// The order is no longer where the step starts; `order` is how it stands now.
    #[error("the order is not in the expected status")]
    Conflict {
        order: Box<OrderView>,
        transition: Transition,
    },
    /// The step could not be written (the cause is logged where it happened).
    #[error("the step could not be saved")]
    NotSaved,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// One press of Pickup, Close or Reopen.
#[derive(Clone, Debug)]
pub struct Step {
    pub no: i64,
    pub transition: Transition,
    pub actor: User,
    /// Why a ticket is reopened (checked); `None` for the other steps.
    pub reason: Option<String>,
}

/// What became of a step in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Moved,
    /// The order was not where the step starts, or does not exist: nothing was written.
    Stayed,
    Failed,
}

/// Steps written in one transaction at most.
const STEP_BATCH: usize = 256;

/// Applies Mini App steps by group commit (see [`crate::db::group_commit`]): the steps of
/// everyone pressing at one moment share one commit.
#[derive(Clone, Debug)]
pub struct StepQueue {
    db: Db,
    batches: GroupCommit<Step, Outcome>,
}

impl StepQueue {
    /// Starts the writer; it runs until every clone of the queue is dropped. A Pickup
    /// starts the ticket's Close clock by `sla` unless its group sets its own targets, and
    /// may be undone by its presser for `pickup_undo` (zero: the group is told at once).
    pub fn start(db: Db, rules: Rules) -> Self {
        let writer = db.clone();
        let batches = GroupCommit::start(STEP_BATCH, move |steps: Vec<Step>| {
            let db = writer.clone();
            let rules = rules.clone();
            async move { write_steps(&db, &steps, &rules).await }
        });
        Self { db, batches }
    }

    /// Takes back `actor`'s Pickup of order `no` while the group has not been told of it:
    /// the ticket waits for Pickup again, with the reminders it had. Once the group was
    /// told, or if someone else picked it up, it is a conflict.
    pub async fn undo_pickup(&self, no: i64, actor: &User) -> Result<OrderView, TransitionError> {
        self.run(no, Transition::UndoPickup, actor, None).await
    }

    /// Moves order `no` one step (Pickup or Close) on behalf of `actor` and queues the
    /// group notification (a Pickup's after its undo time); returns the order as it stands once the step is committed. An
    /// order `actor` may not see is not found.
    pub async fn apply(
        &self,
        no: i64,
        transition: Transition,
        actor: &User,
    ) -> Result<OrderView, TransitionError> {
        self.run(no, transition, actor, None).await
    }

    /// Moves closed order `no` back to Order on behalf of `actor` (an owner or admin) for
    /// `reason`, starts its Pickup clock again and tells the group, as a reply to the
    /// request. A ticket `actor` may not see is not found; staff who see it are refused;
    /// one that is not closed (or that another reopen took first) is a conflict.
    pub async fn reopen(
        &self,
        no: i64,
        actor: &User,
        reason: &str,
    ) -> Result<OrderView, TransitionError> {
        self.run(no, Transition::Reopen, actor, Some(reason)).await
    }

    async fn run(
        &self,
        no: i64,
        transition: Transition,
        actor: &User,
        reason: Option<&str>,
    ) -> Result<OrderView, TransitionError> {
        let scope = access::scope(actor);
        // A ticket outside a staff member's groups must not move; for those who see every
        // group, the read after the step tells a missing order.
        if let access::Scope::GroupsOf(_) = scope {
            if board::find(&self.db, scope, no).await?.is_none() {
                return Err(TransitionError::NotFound);
            }
        }
        let reason = match transition {
            Transition::Reopen if !access::may_reopen(actor) => {
                return Err(TransitionError::Forbidden(Text::new(
                    "Hanya owner dan admin yang bisa membuka kembali tiket.",
                    "Only owners and admins can reopen a ticket.",
                )))
            }
            Transition::Reopen => Some(
                written_text(reason.unwrap_or_default(), REASON_MAX, &REASON_WORDS)
                    .map_err(TransitionError::Invalid)?,
            ),
            Transition::Pickup | Transition::Close | Transition::UndoPickup => None,
        };
        let step = Step {
            no,
            transition,
            actor: actor.clone(),
            reason,
        };
        let outcome = self.batches.submit(step).await.unwrap_or(Outcome::Failed);
        read_back(&self.db, actor, no, transition, outcome).await
    }
}

/// How a refused reason is named: Indonesian, then English.
const REASON_WORDS: [&str; 2] = ["Alasan", "The reason"];

/// The order after a step: as moved, or as it stands if the step found it elsewhere, or
/// picked up by someone else for a Close that is theirs to make.
async fn read_back(
    db: &Db,
    actor: &User,
    no: i64,
    transition: Transition,
    outcome: Outcome,
) -> Result<OrderView, TransitionError> {
    let order = match outcome {
        Outcome::Failed => return Err(TransitionError::NotSaved),
        Outcome::Moved | Outcome::Stayed => board::find(db, access::scope(actor), no).await?,
    };
    match (outcome, order) {
        (_, None) => Err(TransitionError::NotFound),
        (Outcome::Moved, Some(order)) => Ok(order),
        (_, Some(order))
            if transition == Transition::Close
                && order.status == Status::Pickup.as_str()
                && order.picked_by_username.as_deref() != Some(actor.username.as_str())
                && !access::manages_team(actor) =>
        {
            Err(TransitionError::Forbidden(texts::only_the_picker_closes(
                &order.picked_by.unwrap_or_default(),
            )))
        }
        (_, Some(order)) => Err(TransitionError::Conflict {
            order: Box::new(order),
            transition,
        }),
    }
}

/// Writes `steps` in one transaction, one outcome each in their order. Rows are updated in
/// order number order, so two instances writing steps on the same orders take their locks
/// in the same order and cannot deadlock. If the transaction fails, each step is retried
/// in a transaction of its own, so one bad step cannot sink the others.
async fn write_steps(db: &Db, steps: &[Step], rules: &Rules) -> Vec<Outcome> {
    // A stable sort: two steps on one order keep the order they came in.
    let mut positions: Vec<usize> = (0..steps.len()).collect();
    positions.sort_by_key(|&i| steps[i].no);
    let by_order: Vec<&Step> = positions.iter().map(|&i| &steps[i]).collect();
    match write_together(db, &by_order, rules).await {
        Ok(moved) => {
            let mut outcomes = vec![Outcome::Failed; steps.len()];
            for (position, moved) in positions.into_iter().zip(moved) {
                outcomes[position] = Outcome::of(moved);
            }
            outcomes
        }
        Err(e) if steps.len() > 1 => {
            tracing::warn!(error = %e, count = steps.len(), "a batch of steps failed; writing them one by one");
            let mut outcomes = Vec::with_capacity(steps.len());
            for step in steps {
                outcomes.push(match write_together(db, &[step], rules).await {
                    Ok(moved) => Outcome::of(moved[0]),
                    Err(e) => {
                        tracing::error!(error = %e, order = step.no, "cannot write the step");
                        Outcome::Failed
                    }
                });
            }
            outcomes
        }
        Err(e) => {
            tracing::error!(error = %e, order = steps[0].no, "cannot write the step");
            vec![Outcome::Failed]
        }
    }
}

impl Outcome {
    fn of(moved: bool) -> Self {
        if moved {
            Outcome::Moved
        } else {
            Outcome::Stayed
        }
    }
}

/// Writes `steps` in one transaction, in the given order; for each, whether it moved its
/// order.
async fn write_together(db: &Db, steps: &[&Step], rules: &Rules) -> Result<Vec<bool>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let moved = write_in(&mut tx, steps, rules).await?;
    tx.commit().await?;
    Ok(moved)
}

/// Writes `steps` inside `tx`, in the given order (a button pressed in a group is written
/// in the transaction of its update); for each, whether it moved its order. The cards of
/// the tickets moved are brought up to date, and the requests marked as the group is told.
pub async fn write_in(
    tx: &mut Conn,
    steps: &[&Step],
    rules: &Rules,
) -> Result<Vec<bool>, sqlx::Error> {
    let mut moved = Vec::with_capacity(steps.len());
    // The next stage's clocks, started for the whole batch at once.
    let mut picked_up = Vec::new();
    let mut closed = Vec::new();
    let mut reopened = Vec::new();
    let mut unpicked = Vec::new();
    // What the reports count, for the whole batch at once.
    let mut counted = Vec::new();
    for step in steps {
        let chat = write_step(tx, step, rules, &mut counted).await?;
        if let Some((chat_id, at)) = chat {
            match step.transition {
                Transition::Pickup => picked_up.push((step.no, chat_id, at)),
                Transition::Close => closed.push(step.no),
                Transition::Reopen => reopened.push((step.no, chat_id, at)),
                Transition::UndoPickup => unpicked.push((step.no, at)),
            }
        }
        moved.push(chat.is_some());
    }
    sla::start(tx, Stage::Close, &picked_up, &rules.sla).await?;
    if !rules.pickup_undo.is_zero() {
        let until = now_ms() + rules.pickup_undo.as_millis() as i64;
        let told: Vec<Timer> = picked_up
            .iter()
            .map(|&(no, _, _)| Timer {
                kind: PICKUP_TOLD,
                entity: no,
                due_at: until,
            })
            .collect();
        timers::set(tx, &told).await?;
    }
    sla::stop(tx, &closed).await?;
    // A reopened ticket is timed as a new one from the moment it was reopened.
    sla::start(tx, Stage::Pickup, &reopened, &rules.sla).await?;
    // An undone Pickup stops the Close clock it started, and the ticket's Pickup clock
    // runs on as if it had not been pressed.
    let unpicked_nos: Vec<i64> = unpicked.iter().map(|&(no, _)| no).collect();
    sla::stop(tx, &unpicked_nos).await?;
    sla::resume(tx, Stage::Pickup, &unpicked).await?;
    reports::record(tx, &counted).await?;
    // The group sees a Pickup once it is told of it (at once, or after the undo time by
    // [`tell_picked_up`]) and a Close at once; the rest only on the card.
    let told_now = rules.pickup_undo.is_zero().then_some(card::PICKED_UP);
    let shown: Vec<(i64, Option<&str>)> = picked_up
        .iter()
        .map(|&(no, _, _)| (no, told_now))
        .chain(closed.iter().map(|&no| (no, Some(card::RESOLVED))))
        .chain(unpicked_nos.iter().map(|&no| (no, None)))
        .chain(reopened.iter().map(|&(no, _, _)| (no, None)))
        .collect();
    card::show(tx, &rules.group, &shown).await?;
    Ok(moved)
}

/// How steps are written: the time targets, how long a Pickup may be undone, and what the
/// group sees of its tickets beyond the Feedback messages.
#[derive(Clone, Debug)]
pub struct Rules {
    pub sla: SlaDefaults,
    pub pickup_undo: Duration,
    pub group: GroupFeatures,
}

/// The conditional UPDATE (of two people pressing at once exactly one wins), the audit
/// event and the group notification, as a reply to the original /moban message in its
/// forum topic; the
/// order's group and the step's time (for an undone Pickup, when it had been pressed).
/// None if the order was not where the step starts: then nothing is written. A Close, and
/// a Pickup the group is told of at once, are added to `counted` for the reports; a
/// Pickup that may still be undone counts once the group is told ([`tell_picked_up`]).
async fn write_step(
    tx: &mut Conn,
    step: &Step,
    rules: &Rules,
    counted: &mut Vec<Counted>,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let Step {
        no,
        transition,
        actor,
        reason,
    } = step;
    let now = now_ms();
    // A Close before the group heard of the Pickup tells it of the Pickup first. The timer
    // is taken before the order is updated, in the order an undo takes them, so two
    // instances doing both cannot deadlock.
    let pickup_untold =
        *transition == Transition::Close && timers::take(tx, PICKUP_TOLD, *no).await?;
    let (moved, at) = match transition {
        Transition::UndoPickup => match take_back_pickup(tx, *no, actor.id).await? {
            Some(moved) => moved,
            None => return Ok(None),
        },
        _ => {
            // Staff close only what they picked up ([`access::may_close`]), decided in the
            // UPDATE itself so that no undo or Pickup can come between.
            let whose = match transition {
                Transition::Close if !access::may_close(actor, None) => "AND picked_by = $2",
                _ => "",
            };
            let moved = sqlx::query(&format!(
                "UPDATE orders SET status = $1, {} WHERE no = $4 AND status = $5 {whose} \
                 RETURNING chat_id, message_id, ticket_no, order_id, transaksi, \
                 COALESCE(reopened_at, created_at), picked_at, pickup_due_at, close_due_at, \
                 thread_id",
                transition.assignments()
            ))
            .bind(transition.to().as_str())
            .bind(actor.id)
            .bind(now)
            .bind(no)
            .bind(transition.from().as_str())
            .fetch_optional(&mut *tx)
            .await?;
            match moved {
                Some(moved) => (moved, now),
                None => return Ok(None),
            }
        }
    };
    sqlx::query(
        "INSERT INTO order_events (order_no, from_status, to_status, actor_user_id, actor_telegram_id, at, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(no)
    .bind(transition.from().as_str())
    .bind(transition.to().as_str())
    .bind(actor.id)
    .bind(actor.telegram_id)
    .bind(now)
    .bind(reason.as_deref())
    .execute(&mut *tx)
    .await?;
    let chat_id: i64 = moved.try_get(0)?;
    let message_id: i64 = moved.try_get(1)?;
    let ticket: String = moved.try_get(2)?;
    let order_id: String = moved.try_get(3)?;
    let transaksi: String = moved.try_get(4)?;
    let step_counted = |kind, since: Option<i64>, due_at| Counted {
        chat_id,
        kind,
        staff_id: actor.id,
        at: now,
        since: since.unwrap_or(now),
        due_at,
    };
    match transition {
        Transition::Pickup if rules.pickup_undo.is_zero() => {
            counted.push(step_counted(
                Kind::Pickup,
                moved.try_get(5)?,
                moved.try_get(7)?,
            ));
        }
        Transition::Close => {
            counted.push(step_counted(
                Kind::Close,
                moved.try_get(6)?,
                moved.try_get(8)?,
            ));
        }
        _ => {}
    }
    let (html, message) = match transition {
        Transition::Pickup if !rules.pickup_undo.is_zero() => return Ok(Some((chat_id, at))),
        // The group never heard of the Pickup taken back.
        Transition::UndoPickup => return Ok(Some((chat_id, at))),
        Transition::Pickup => (
            texts::order_progress(&ticket, &order_id, &transaksi, "PICK UP", &actor.name),
            OrderMessage::PickedUp,
        ),
        Transition::Close => {
            if pickup_untold {
                tell_picked_up(tx, &[*no], &rules.group).await?;
            }
            (
                texts::order_progress(&ticket, &order_id, &transaksi, "RESOLVED", &actor.name),
                OrderMessage::Resolved,
            )
        }
        Transition::Reopen => (
            texts::order_reopened(
                &ticket,
                &order_id,
                &transaksi,
                &actor.name,
                reason.as_deref().unwrap_or_default(),
            ),
            OrderMessage::Reopened,
        ),
    };
    let notification =
        Outgoing::reply(chat_id, message_id as i32, html).in_thread(thread(moved.try_get(9)?));
    outbox::enqueue_about(tx, &notification, &message.about(*no)).await?;
    Ok(Some((chat_id, at)))
}

/// The forum topic of a ticket, from its `thread_id` column.
fn thread(column: Option<i64>) -> Option<i32> {
    column.and_then(|id| i32::try_from(id).ok())
}

/// Moves order `no` back to Order if `actor_id` picked it up and the group has not been
/// told yet, which is while its [`PICKUP_TOLD`] timer is set: taking that timer decides
/// against the timer firing and a Close. The order's row as moved, and when it had been
/// picked up; None if the Pickup cannot be taken back.
async fn take_back_pickup(
    tx: &mut Conn,
    no: i64,
    actor_id: i64,
) -> Result<Option<(AnyRow, i64)>, sqlx::Error> {
    let picked_at: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT picked_at FROM orders WHERE no = $1 AND status = 'pickup' AND picked_by = $2",
    )
    .bind(no)
    .bind(actor_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Some(picked_at)) = picked_at else {
        return Ok(None);
    };
    if !timers::take(tx, PICKUP_TOLD, no).await? {
        return Ok(None);
    }
    let moved = sqlx::query(&format!(
        "UPDATE orders SET status = 'order', {} WHERE no = $1 AND status = 'pickup' \
         RETURNING chat_id, message_id, ticket_no, order_id, transaksi",
        Transition::UndoPickup.assignments()
    ))
    .bind(no)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(moved.map(|moved| (moved, picked_at)))
}

/// Tells the group of each Pickup of `nos` (Feedback 2, as a reply to the request in its
/// topic), naming
/// who picked it up, and counts it for the reports: when its undo time is over
/// ([`PICKUP_TOLD`] fired), or before its Close.
pub async fn tell_picked_up(
    tx: &mut Conn,
    nos: &[i64],
    group: &GroupFeatures,
) -> Result<(), sqlx::Error> {
    for chunk in nos.chunks(Backend::of(tx).rows_per_statement(1)) {
        let sql = format!(
            "SELECT o.no, o.chat_id, o.message_id, o.ticket_no, o.order_id, o.transaksi, u.name, \
             o.picked_by, o.picked_at, COALESCE(o.reopened_at, o.created_at), o.pickup_due_at, \
             o.thread_id \
             FROM orders o JOIN users u ON u.id = o.picked_by \
             WHERE o.status <> 'order' AND o.no IN {} ORDER BY o.no",
            values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for no in chunk {
            query = query.bind(*no);
        }
        let mut messages = Vec::new();
        let mut counted = Vec::new();
        for row in query.fetch_all(&mut *tx).await? {
            let no: i64 = row.try_get(0)?;
            counted.push(Counted {
                chat_id: row.try_get(1)?,
                kind: Kind::Pickup,
                staff_id: row.try_get(7)?,
                at: row.try_get(8)?,
                since: row.try_get(9)?,
                due_at: row.try_get(10)?,
            });
            let message_id: i64 = row.try_get(2)?;
            let html = texts::order_progress(
                &row.try_get::<String, _>(3)?,
                &row.try_get::<String, _>(4)?,
                &row.try_get::<String, _>(5)?,
                "PICK UP",
                &row.try_get::<String, _>(6)?,
            );
            messages.push((
                Outgoing::reply(row.try_get(1)?, message_id as i32, html)
                    .in_thread(thread(row.try_get(11)?)),
                OrderMessage::PickedUp.about(no),
            ));
        }
        outbox::enqueue_many_about(tx, &messages).await?;
        reports::record(tx, &counted).await?;
    }
    let shown: Vec<(i64, Option<&str>)> =
        nos.iter().map(|&no| (no, Some(card::PICKED_UP))).collect();
    card::show(tx, group, &shown).await
}
