//! Order → Pickup → Close. Each step is one conditional UPDATE (so of two staff pressing
//! at once exactly one wins), its audit event and the group notification, in one
//! transaction. Steps pressed at the same moment share that transaction (group commit):
//! on SQLite each commit costs an fsync, which would otherwise cap the steps per second.

use sqlx::Row;

use super::{
    board::{self, OrderView},
    sla::{self, Stage},
    Status,
};
use crate::{
    config::SlaDefaults,
    db::{group_commit::GroupCommit, now_ms, Conn, Db},
    reports::{self, Counted, Kind},
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
}

impl Transition {
    pub fn from(self) -> Status {
        match self {
            Transition::Pickup => Status::Order,
            Transition::Close => Status::Pickup,
        }
    }

    pub fn to(self) -> Status {
        match self {
            Transition::Pickup => Status::Pickup,
            Transition::Close => Status::Close,
        }
    }

    /// The columns recording who made the step and when.
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Transition::Pickup => ("picked_by", "picked_at"),
            Transition::Close => ("closed_by", "closed_at"),
        }
    }

    /// The seed's word for the step in Feedback 2 and 3.
    fn step_word(self) -> &'static str {
        match self {
            Transition::Pickup => "PICK UP",
            Transition::Close => "RESOLVED",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error("no such order")]
    NotFound,
    /// The order is no longer where the step starts; `order` is how it stands now.
    #[error("the order is not in the expected status")]
    Conflict { order: Box<OrderView> },
    /// The step could not be written (the cause is logged where it happened).
    #[error("the step could not be saved")]
    NotSaved,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// One press of Pickup or Close.
#[derive(Clone, Debug)]
pub struct Step {
    pub no: i64,
    pub transition: Transition,
    pub actor: User,
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

    /// Moves order `no` one step on behalf of `actor` and queues the group notification;
    /// returns the order as it stands once the step is committed. An order `actor` may not
    /// see is not found.
    pub async fn apply(
        &self,
        no: i64,
        transition: Transition,
        actor: &User,
    ) -> Result<OrderView, TransitionError> {
        let scope = access::scope(actor);
        // A ticket outside a staff member's groups must not move; for those who see every
        // group, the read after the step tells a missing order.
        if let access::Scope::GroupsOf(_) = scope {
            if board::find(&self.db, scope, no).await?.is_none() {
                return Err(TransitionError::NotFound);
            }
        }
        let step = Step {
            no,
            transition,
            actor: actor.clone(),
        };
        let outcome = self.batches.submit(step).await.unwrap_or(Outcome::Failed);
        read_back(&self.db, scope, no, outcome).await
    }
}

/// The order after a step: as moved, or as it stands if the step found it elsewhere.
async fn read_back(
    db: &Db,
    scope: access::Scope,
    no: i64,
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
    // What the reports count, for the whole batch at once.
    let mut counted = Vec::new();
    for step in steps {
        let step_done = write_step(&mut tx, step).await?;
        if let Some(done) = step_done {
            match step.transition {
                Transition::Pickup => picked_up.push((step.no, done.chat_id, done.at)),
                Transition::Close => closed.push(step.no),
            }
            counted.push(done);
        }
        moved.push(step_done.is_some());
    }
    sla::start(&mut tx, Stage::Close, &picked_up, sla).await?;
    sla::stop(&mut tx, &closed).await?;
    reports::record(&mut tx, &counted).await?;
    tx.commit().await?;
    Ok(moved)
}

/// The conditional UPDATE (of two staff pressing at once exactly one wins), the audit
/// event and the group notification, as a reply to the original /moban message; the step
/// as the reports count it (its group, time, stage start and due time). None if the order
/// was not where the step starts: then nothing is written.
async fn write_step(tx: &mut Conn, step: &Step) -> Result<Option<Counted>, sqlx::Error> {
    let Step {
        no,
        transition,
        actor,
    } = step;
    let (by_column, at_column) = transition.columns();
    let now = now_ms();
    let moved = sqlx::query(&format!(
        "UPDATE orders SET status = $1, {by_column} = $2, {at_column} = $3 \
         WHERE no = $4 AND status = $5 \
         RETURNING chat_id, message_id, ticket_no, order_id, transaksi, created_at, picked_at, \
         pickup_due_at, close_due_at"
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
        "INSERT INTO order_events (order_no, from_status, to_status, actor_user_id, actor_telegram_id, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(no)
    .bind(transition.from().as_str())
    .bind(transition.to().as_str())
    .bind(actor.id)
    .bind(actor.telegram_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let chat_id: i64 = moved.try_get(0)?;
    let message_id: i64 = moved.try_get(1)?;
    let ticket: String = moved.try_get(2)?;
    let order_id: String = moved.try_get(3)?;
    let transaksi: String = moved.try_get(4)?;
    let html = texts::order_progress(
        &ticket,
        &order_id,
        &transaksi,
        transition.step_word(),
        &actor.name,
    );
    let notification = Outgoing::reply(chat_id, message_id as i32, html);
    outbox::enqueue(tx, &notification).await?;
    let (kind, since, due_at) = match transition {
        Transition::Pickup => (Kind::Pickup, moved.try_get(5)?, moved.try_get(7)?),
        Transition::Close => (
            Kind::Close,
            moved.try_get::<Option<i64>, _>(6)?.unwrap_or(now),
            moved.try_get(8)?,
        ),
    };
    Ok(Some(Counted {
        chat_id,
        kind,
        staff_id: actor.id,
        at: now,
        since,
        due_at,
    }))
}
