//! Order → Pickup → Close, and back from Close to Order when an owner or admin reopens a
//! ticket. Each step is one conditional UPDATE (so of two people pressing at once exactly
//! one wins), its audit event and the group notification, in one transaction. Steps
//! pressed at the same moment share that transaction (group commit): on SQLite each commit
//! costs an fsync, which would otherwise cap the steps per second. A reopen goes through
//! the same queue, so a Pickup racing it is decided by the same conditional updates.

use sqlx::Row;

use super::{
    board::{self, OrderView},
    sla::{self, Stage},
    written_text, OrderMessage, Status,
};
use crate::{
    config::SlaDefaults,
    db::{group_commit::GroupCommit, now_ms, Conn, Db},
    telegram::{
        outbox::{self, Outgoing},
        texts,
    },
    users::{access, User},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Pickup,
    Close,
    /// A closed ticket back to Order, with a reason (owners and admins only).
    Reopen,
}

impl Transition {
    pub fn from(self) -> Status {
        match self {
            Transition::Pickup => Status::Order,
            Transition::Close => Status::Pickup,
            Transition::Reopen => Status::Close,
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Pickup => Status::Pickup,
            Transition::Close => Status::Close,
            Transition::Reopen => Status::Order,
        }
    }

    /// What the step sets besides the status: who made it and when (`$2`, `$3`). A
    /// reopened ticket waits for Pickup again, so who took and closed it, and its Close
    /// clock, are cleared (its `order_events` keep them).
    fn assignments(self) -> &'static str {
        match self {
            Transition::Pickup => "picked_by = $2, picked_at = $3",
            Transition::Close => "closed_by = $2, closed_at = $3",
            Transition::Reopen => {
                "reopened_by = $2, reopened_at = $3, picked_by = NULL, picked_at = NULL, \
                 closed_by = NULL, closed_at = NULL, close_warn_at = NULL, close_due_at = NULL"
            }
        }
    }

    /// The message the group is sent about the step.
    fn message(self) -> OrderMessage {
        match self {
            Transition::Pickup => OrderMessage::PickedUp,
            Transition::Close => OrderMessage::Resolved,
            Transition::Reopen => OrderMessage::Reopened,
        }
    }
}

/// The longest reason a reopen may give, in characters.
pub const REASON_MAX: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("no such order")]
    NotFound,
    /// The asker sees the ticket but may not make this step (staff reopening).
    #[error("not allowed")]
    Forbidden,
    /// The step's input was refused; the bilingual sentence says why.
    #[error("{0}")]
    Invalid(String),
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
    /// starts the ticket's Close clock by `sla` unless its group sets its own targets.
    pub fn start(db: Db, sla: SlaDefaults) -> Self {
        let writer = db.clone();
        let batches = GroupCommit::start(STEP_BATCH, move |steps: Vec<Step>| {
            let db = writer.clone();
            async move { write_steps(&db, &steps, &sla).await }
        });
        Self { db, batches }
    }

    /// Moves order `no` one step (Pickup or Close) on behalf of `actor` and queues the
    /// group notification; returns the order as it stands once the step is committed. An
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
                return Err(TransitionError::Forbidden)
            }
            Transition::Reopen => Some(
                written_text(reason.unwrap_or_default(), REASON_MAX, &REASON_WORDS)
                    .map_err(TransitionError::Invalid)?,
            ),
            Transition::Pickup | Transition::Close => None,
        };
        let step = Step {
            no,
            transition,
            actor: actor.clone(),
            reason,
        };
        let outcome = self.batches.submit(step).await.unwrap_or(Outcome::Failed);
        read_back(&self.db, scope, no, transition, outcome).await
    }
}

/// How a refused reason is named: Indonesian, then English.
const REASON_WORDS: [&str; 2] = ["Alasan", "The reason"];

/// The order after a step: as moved, or as it stands if the step found it elsewhere.
async fn read_back(
    db: &Db,
    scope: access::Scope,
    no: i64,
    transition: Transition,
    outcome: Outcome,
) -> Result<OrderView, TransitionError> {
    let order = match outcome {
        Outcome::Failed => return Err(TransitionError::NotSaved),
        Outcome::Moved | Outcome::Stayed => board::find(db, scope, no).await?,
    };
    match (outcome, order) {
        (_, None) => Err(TransitionError::NotFound),
        (Outcome::Moved, Some(order)) => Ok(order),
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
async fn write_steps(db: &Db, steps: &[Step], sla: &SlaDefaults) -> Vec<Outcome> {
    // A stable sort: two steps on one order keep the order they came in.
    let mut positions: Vec<usize> = (0..steps.len()).collect();
    positions.sort_by_key(|&i| steps[i].no);
    let by_order: Vec<&Step> = positions.iter().map(|&i| &steps[i]).collect();
    match write_together(db, &by_order, sla).await {
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
                outcomes.push(match write_together(db, &[step], sla).await {
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
async fn write_together(
    db: &Db,
    steps: &[&Step],
    sla: &SlaDefaults,
) -> Result<Vec<bool>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let mut moved = Vec::with_capacity(steps.len());
    // The next stage's clocks, started for the whole batch at once.
    let mut picked_up = Vec::new();
    let mut closed = Vec::new();
    let mut reopened = Vec::new();
    for step in steps {
        let chat = write_step(&mut tx, step).await?;
        if let Some((chat_id, at)) = chat {
            match step.transition {
                Transition::Pickup => picked_up.push((step.no, chat_id, at)),
                Transition::Close => closed.push(step.no),
                Transition::Reopen => reopened.push((step.no, chat_id, at)),
            }
        }
        moved.push(chat.is_some());
    }
    sla::start(&mut tx, Stage::Close, &picked_up, sla).await?;
    sla::stop(&mut tx, &closed).await?;
    // A reopened ticket is timed as a new one from the moment it was reopened.
    sla::start(&mut tx, Stage::Pickup, &reopened, sla).await?;
    tx.commit().await?;
    Ok(moved)
}

/// The conditional UPDATE (of two people pressing at once exactly one wins), the audit
/// event and the group notification, as a reply to the original /moban message; the
/// order's group and the step's time. None if the order was not where the step starts:
/// then nothing is written.
async fn write_step(tx: &mut Conn, step: &Step) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let Step {
        no,
        transition,
        actor,
        reason,
    } = step;
    let now = now_ms();
    let moved = sqlx::query(&format!(
        "UPDATE orders SET status = $1, {} WHERE no = $4 AND status = $5 \
         RETURNING chat_id, message_id, ticket_no, order_id, transaksi",
        transition.assignments()
    ))
    .bind(transition.to().as_str())
    .bind(actor.id)
    .bind(now)
    .bind(no)
    .bind(transition.from().as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(moved) = moved else {
        return Ok(None);
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
    let html = match transition {
        Transition::Pickup => {
            texts::order_progress(&ticket, &order_id, &transaksi, "PICK UP", &actor.name)
        }
        Transition::Close => {
            texts::order_progress(&ticket, &order_id, &transaksi, "RESOLVED", &actor.name)
        }
        Transition::Reopen => texts::order_reopened(
            &ticket,
            &order_id,
            &transaksi,
            &actor.name,
            reason.as_deref().unwrap_or_default(),
        ),
    };
    let notification = Outgoing::reply(chat_id, message_id as i32, html);
    outbox::enqueue_about(tx, &notification, &transition.message().about(*no)).await?;
    Ok(Some((chat_id, now)))
}
