//! Order → Pickup → Close. Each step is one conditional UPDATE (so of two staff pressing
//! at once exactly one wins), its audit event and the group notification, in one
//! transaction.

use sqlx::Row;

use super::{
    board::{self, OrderView},
    Status,
};
use crate::{
    db::{now_ms, Db},
    telegram::{
        outbox::{self, Outgoing, Sensitivity},
        texts,
    },
    users::User,
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
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Moves order `no` one step on behalf of `actor` and queues the group notification, as a
/// reply to the original /moban message.
pub async fn apply(
    db: &Db,
    no: i64,
    transition: Transition,
    actor: &User,
) -> Result<OrderView, TransitionError> {
    let (by_column, at_column) = transition.columns();
    let mut tx = db.begin().await?;
    let now = now_ms();
    let moved = sqlx::query(&format!(
        "UPDATE orders SET status = $1, {by_column} = $2, {at_column} = $3 \
         WHERE no = $4 AND status = $5 \
         RETURNING chat_id, message_id, ticket_no, order_id, transaksi"
    ))
    .bind(transition.to().as_str())
    .bind(actor.id)
    .bind(now)
    .bind(no)
    .bind(transition.from().as_str())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(moved) = moved else {
        tx.rollback().await?;
        return match board::find(db, no).await? {
            Some(order) => Err(TransitionError::Conflict {
                order: Box::new(order),
            }),
            None => Err(TransitionError::NotFound),
        };
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
    outbox::enqueue(&mut tx, &notification, Sensitivity::Plain).await?;
    tx.commit().await?;
    board::find(db, no).await?.ok_or(TransitionError::NotFound)
}
