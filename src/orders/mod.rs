//! Orders caught from `/moban`, their ticket numbers and their audit trail.

pub mod board;
pub mod moban;
pub mod reminders;
pub mod sla;
pub mod workflow;

use std::collections::HashMap;

use rand::Rng;
use sqlx::Row;

use crate::{
    config::SlaDefaults,
    db::{now_ms, values_placeholders, Backend, Conn},
    reports,
};
use sla::{Clock, Stage};

/// Letters and digits that cannot be mistaken for one another when read aloud or copied
/// by hand: no 0/O, 1/I/L.
pub const TICKET_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const TICKET_LENGTH: usize = 6;

/// A ticket number such as `K7M2QX`: random, so nobody can guess the next one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TicketNo(String);

impl TicketNo {
    /// Draws a fresh ticket from the thread's cryptographic generator.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let ticket = (0..TICKET_LENGTH)
            .map(|_| char::from(TICKET_ALPHABET[rng.random_range(0..TICKET_ALPHABET.len())]))
            .collect();
        Self(ticket)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Order,
    Pickup,
    Close,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Order => "order",
            Status::Pickup => "pickup",
            Status::Close => "close",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Status::Order, Status::Pickup, Status::Close]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A request as caught in a group, before it has a number.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub request: moban::MobanRequest,
    pub chat_id: i64,
    pub message_id: i32,
    /// The group's title as the message carried it.
    pub chat_title: String,
    /// The Telegram user who asked, when Telegram names one.
    pub requester_id: Option<i64>,
    pub requester_name: String,
}

/// What [`create_many`] stored.
#[derive(Clone, Debug)]
pub struct CreatedOrder {
    pub no: i64,
    pub ticket: TicketNo,
    /// When it was stored (Unix ms): its Pickup clock starts here.
    pub created_at: i64,
}

/// Attempts at drawing a ticket that is not taken; with 31⁶ tickets a second draw is
/// already rare.
const TICKET_DRAWS: usize = 8;

/// Stores `order` at `now` with a fresh ticket, its Pickup `clock` and its first audit
/// event. Returns `None` when the same group message was stored before, so a redelivered
/// message makes no second order.
async fn create(
    tx: &mut Conn,
    order: &NewOrder,
    now: i64,
    clock: Clock,
) -> Result<Option<CreatedOrder>, sqlx::Error> {
    for _ in 0..TICKET_DRAWS {
        let ticket = TicketNo::generate();
        // No conflict target: a message stored before and a ticket drawn before both
        // leave the row out, and the check below tells which (a failed statement would
        // spoil a PostgreSQL transaction, so none is allowed to fail).
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orders (order_id, transaksi, keterangan, ticket_no, status, chat_id, \
             message_id, requester_id, requester_name, created_at, pickup_warn_at, \
             pickup_due_at) \
             VALUES ($1, $2, $3, $4, 'order', $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT DO NOTHING RETURNING no",
        )
        .bind(&order.request.order_id)
        .bind(&order.request.transaksi)
        .bind(&order.request.keterangan)
        .bind(ticket.as_str())
        .bind(order.chat_id)
        .bind(i64::from(order.message_id))
        .bind(order.requester_id)
        .bind(&order.requester_name)
        .bind(now)
        .bind(clock.warn_at)
        .bind(clock.due_at)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(no) = inserted {
            sqlx::query(
                "INSERT INTO order_events (order_no, from_status, to_status, actor_telegram_id, at) \
                 VALUES ($1, NULL, $2, $3, $4)",
            )
            .bind(no)
            .bind(Status::Order.as_str())
            .bind(order.requester_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            return Ok(Some(CreatedOrder {
                no,
                ticket,
                created_at: now,
            }));
        }
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT no FROM orders WHERE chat_id = $1 AND message_id = $2")
                .bind(order.chat_id)
                .bind(i64::from(order.message_id))
                .fetch_optional(&mut *tx)
                .await?;
        if seen.is_some() {
            return Ok(None);
        }
    }
    Err(sqlx::Error::Protocol(
        "no free ticket number after several draws".into(),
    ))
}

/// Stores `orders`, each with a fresh ticket, its first audit event and its Pickup clock
/// (times on the row and reminders set, by its group's settings and `defaults`): the
/// answer lists, for each of `orders` in turn, what was stored, or `None` for a message
/// caught before, so a redelivered message makes no second order.
///
/// The orders go in with one multi-row statement per chunk, due times included (so their
/// urgency indexes are written once), and their first events with another; an order that
/// statement left out (its message caught before, its ticket drawn before, or its message
/// twice in `orders`) is then tried alone through [`create`].
pub async fn create_many(
    tx: &mut Conn,
    orders: &[NewOrder],
    defaults: &SlaDefaults,
) -> Result<Vec<Option<CreatedOrder>>, sqlx::Error> {
    let chats: Vec<i64> = orders.iter().map(|order| order.chat_id).collect();
    let timings = sla::timings(tx, &chats, defaults).await?;
    let mut created = Vec::with_capacity(orders.len());
    let mut clocks = Vec::with_capacity(orders.len());
    let mut counted = Vec::with_capacity(orders.len());
    for chunk in orders.chunks(Backend::of(tx).rows_per_statement(12)) {
        let tickets: Vec<TicketNo> = chunk.iter().map(|_| TicketNo::generate()).collect();
        let now = now_ms();
        let chunk_clocks: Vec<Clock> = chunk
            .iter()
            .map(|order| timings[&order.chat_id].clock(Stage::Pickup, now))
            .collect();
        let sql = format!(
            "INSERT INTO orders (order_id, transaksi, keterangan, ticket_no, status, chat_id, \
             message_id, requester_id, requester_name, created_at, pickup_warn_at, \
             pickup_due_at) VALUES {} \
             ON CONFLICT DO NOTHING RETURNING no, chat_id, message_id",
            values_placeholders(1, chunk.len(), 12)
        );
        let mut query = sqlx::query(&sql);
        for ((order, ticket), clock) in chunk.iter().zip(&tickets).zip(&chunk_clocks) {
            query = query
                .bind(&order.request.order_id)
                .bind(&order.request.transaksi)
                .bind(&order.request.keterangan)
                .bind(ticket.as_str())
                .bind(Status::Order.as_str())
                .bind(order.chat_id)
                .bind(i64::from(order.message_id))
                .bind(order.requester_id)
                .bind(&order.requester_name)
                .bind(now)
                .bind(clock.warn_at)
                .bind(clock.due_at);
        }
        let mut stored: HashMap<(i64, i64), i64> = HashMap::new();
        for row in query.fetch_all(&mut *tx).await? {
            stored.insert((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?);
        }
        let mut events = Vec::new();
        for ((order, ticket), clock) in chunk.iter().zip(tickets).zip(chunk_clocks) {
            let key = (order.chat_id, i64::from(order.message_id));
            let stored = match stored.remove(&key) {
                Some(no) => {
                    events.push((no, order.requester_id));
                    Some(CreatedOrder {
                        no,
                        ticket,
                        created_at: now,
                    })
                }
                None => create(tx, order, now, clock).await?,
            };
            if let Some(stored) = &stored {
                clocks.push((stored.no, clock));
                counted.push(reports::Counted {
                    chat_id: order.chat_id,
                    kind: reports::Kind::New,
                    staff_id: 0,
                    at: stored.created_at,
                    since: stored.created_at,
                    due_at: None,
                });
            }
            created.push(stored);
        }
        if !events.is_empty() {
            let sql = format!(
                "INSERT INTO order_events (order_no, from_status, to_status, actor_telegram_id, at) \
                 VALUES {}",
                values_placeholders(1, events.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (no, actor) in events {
                query = query
                    .bind(no)
                    .bind(None::<String>)
                    .bind(Status::Order.as_str())
                    .bind(actor)
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
        }
    }
    sla::remind(tx, Stage::Pickup, &clocks).await?;
    reports::record(tx, &counted).await?;
    Ok(created)
}

/// The highest message id an order of `chat_id` was caught from.
pub async fn last_message_id(db: &crate::db::Db, chat_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(message_id) FROM orders WHERE chat_id = $1")
        .bind(chat_id)
        .fetch_one(db.pool())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tickets_use_only_unambiguous_characters() {
        for _ in 0..1000 {
            let ticket = TicketNo::generate();
            assert_eq!(ticket.as_str().len(), TICKET_LENGTH);
            assert!(ticket
                .as_str()
                .bytes()
                .all(|b| TICKET_ALPHABET.contains(&b)));
            assert!(!ticket.as_str().contains(['0', 'O', '1', 'I', 'L']));
        }
    }

    #[test]
    fn tickets_do_not_repeat() {
        let tickets: HashSet<_> = (0..10_000).map(|_| TicketNo::generate()).collect();
        // 10,000 draws from 31^6 ≈ 887 million: a repeat is far below one in ten thousand.
        assert!(tickets.len() >= 9_999);
    }
}
