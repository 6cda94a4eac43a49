//! Orders caught from `/moban`, their ticket numbers and their audit trail.

pub mod board;
pub mod card;
pub mod detail;
pub mod duplicates;
pub mod export;
pub mod lookup;
pub mod moban;
pub mod notes;
pub mod photos;
pub mod reminders;
pub mod search;
pub mod sla;
pub mod workflow;

use std::collections::HashMap;

use rand::Rng;
use sqlx::Row;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn},
    groups::{self, settings::SlaDefaults},
    lang::Text,
    reports,
};
use duplicates::order_key;
pub use duplicates::{DuplicateOrderId, OpenTicket};
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

/// A message the bot sends a ticket's group about it. Each is queued tagged with the ticket
/// ([`OrderMessage::about`]), so that the ticket's timeline finds it in the outbox and
/// tells whether the group was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderMessage {
    /// Feedback 1: the request has a ticket.
    Received,
    /// Feedback 2.
    PickedUp,
    /// Feedback 3.
    Resolved,
    /// The ticket was reopened, with the reason.
    Reopened,
    /// Another `/moban` with the ticket's Order_ID was pointed to it
    /// (`TANGKAP_DUPLICATE_ORDER_ID=link`).
    Linked,
}

impl OrderMessage {
    pub const ALL: [OrderMessage; 5] = [
        OrderMessage::Received,
        OrderMessage::PickedUp,
        OrderMessage::Resolved,
        OrderMessage::Reopened,
        OrderMessage::Linked,
    ];

    /// The name the timeline gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderMessage::Received => "feedback_1",
            OrderMessage::PickedUp => "feedback_2",
            OrderMessage::Resolved => "feedback_3",
            OrderMessage::Reopened => "reopened",
            OrderMessage::Linked => "linked",
        }
    }

    /// The outbox tag of this message about ticket `no`: `order:<no>:<name>`. Each is
    /// looked up exactly (an `IN` list over the `outbox_about` index), on both backends.
    pub fn about(self, no: i64) -> String {
        format!("order:{no}:{}", self.as_str())
    }

    /// Which message an outbox tag names, if it is one of these.
    pub fn of_about(about: &str) -> Option<Self> {
        let name = about.rsplit(':').next()?;
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

/// Text someone wrote for a ticket (a note, a reason), as it is kept: trimmed, not empty,
/// at most `max` characters, Unicode and markup kept as typed, but no control characters
/// other than line breaks and tabs (PostgreSQL cannot store NUL, and the others only hide
/// text). `words` names the text in the refusal: Indonesian, then English.
pub fn written_text(text: &str, max: usize, words: &[&str; 2]) -> Result<String, Text> {
    let [id, en] = words;
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 {
        return Err(Text::new(
            format!("{id} tidak boleh kosong."),
            format!("{en} must not be empty."),
        ));
    }
    if length > max {
        return Err(Text::new(
            format!("{id} terlalu panjang: paling banyak {max} karakter (sekarang {length})."),
            format!("{en} is too long: at most {max} characters ({length} now)."),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Text::new(
            format!("{id} berisi karakter kontrol yang tidak bisa disimpan."),
            format!("{en} contains control characters that cannot be stored."),
        ));
    }
    Ok(text.to_owned())
}

/// A request as caught in a group, before it has a number.
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub request: moban::MobanRequest,
    pub chat_id: i64,
    pub message_id: i32,
    /// The forum topic it was posted in, where every message about its ticket goes; none
    /// in the General topic or a group without topics.
    pub thread_id: Option<i32>,
    /// The group's title as the message carried it.
    pub chat_title: String,
    /// The Telegram user who asked, when Telegram names one.
    pub requester_id: Option<i64>,
    pub requester_name: String,
    /// The image the request was written under, as its caption.
    pub photo: Option<photos::PhotoFile>,
}

impl NewOrder {
    /// Its group and Order_ID, as duplicates are compared.
    fn key(&self) -> (i64, String) {
        (self.chat_id, order_key(&self.request.order_id))
    }

    /// Its text as search reads it ([`search::search_text`]), once it has `ticket`.
    fn search_text(&self, ticket: &TicketNo) -> String {
        search::search_text(
            &self.request.order_id,
            ticket.as_str(),
            &self.request.transaksi,
            &self.request.keterangan,
            &self.requester_name,
        )
    }
}

/// What [`create_many`] stored.
#[derive(Clone, Debug)]
pub struct CreatedOrder {
    pub no: i64,
    pub ticket: TicketNo,
    /// When it was stored (Unix ms): its Pickup clock starts here.
    pub created_at: i64,
}

/// What became of a request given to [`create_many`].
#[derive(Clone, Debug)]
pub enum Stored {
    /// A new ticket.
    Created(CreatedOrder),
    /// Its message was caught (and answered) before: nothing more to do.
    CaughtBefore,
    /// Under [`DuplicateOrderId::Link`]: its group has this open ticket with the same
    /// Order_ID, and no second one was made.
    Linked(OpenTicket),
}

/// Attempts at drawing a ticket that is not taken; with 31⁶ tickets a second draw is
/// already rare.
const TICKET_DRAWS: usize = 8;

/// A request about to be inserted, with its ticket and Pickup clock.
struct Pending<'o> {
    order: &'o NewOrder,
    ticket: TicketNo,
    clock: Clock,
}

/// Columns [`insert`] writes per order.
const ORDER_COLUMNS: usize = 18;

/// Inserts `pending` stored at `now` with one statement, leaving out any that a unique index
/// refuses (its message caught before, its ticket drawn before, or under `link` an open
/// ticket of its Order_ID). Returns the numbers of those inserted by `(chat_id,
/// message_id)`.
async fn insert(
    tx: &mut Conn,
    pending: &[Pending<'_>],
    now: i64,
    duplicates: DuplicateOrderId,
) -> Result<HashMap<(i64, i64), i64>, sqlx::Error> {
    if pending.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "INSERT INTO orders (order_id, transaksi, keterangan, ticket_no, status, chat_id, \
         message_id, requester_id, requester_name, created_at, pickup_warn_at, \
         pickup_due_at, photo_file_id, photo_file_unique_id, order_key, order_key_slot, \
         search_text, thread_id) \
         VALUES {} ON CONFLICT DO NOTHING RETURNING no, chat_id, message_id",
        values_placeholders(1, pending.len(), ORDER_COLUMNS)
    );
    let mut query = sqlx::query(&sql);
    for Pending {
        order,
        ticket,
        clock,
    } in pending
    {
        let photo = order.photo.as_ref();
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
            .bind(clock.due_at)
            .bind(photo.map(|p| p.file_id.as_str()))
            .bind(photo.map(|p| p.file_unique_id.as_str()))
            .bind(order_key(&order.request.order_id))
            .bind(duplicates.slot())
            .bind(order.search_text(ticket))
            .bind(order.thread_id.map(i64::from));
    }
    let mut stored: HashMap<(i64, i64), i64> = HashMap::new();
    for row in query.fetch_all(&mut *tx).await? {
        stored.insert((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?);
    }
    Ok(stored)
}

/// Stores `order` alone, after the statement for its lot left it out: finds out why (its
/// message caught before, or under `link` an open ticket of its Order_ID, which another
/// request of the lot or another instance may have just made), or draws new tickets until
/// one is free.
async fn create_alone(
    tx: &mut Conn,
    order: &NewOrder,
    now: i64,
    clock: Clock,
    duplicates: DuplicateOrderId,
) -> Result<Stored, sqlx::Error> {
    for _ in 0..TICKET_DRAWS {
        let ticket = TicketNo::generate();
        let row = Pending {
            order,
            ticket: ticket.clone(),
            clock,
        };
        let key = (order.chat_id, i64::from(order.message_id));
        if let Some(&no) = insert(tx, &[row], now, duplicates).await?.get(&key) {
            return Ok(Stored::Created(CreatedOrder {
                no,
                ticket,
                created_at: now,
            }));
        }
        let seen: Option<i64> =
            sqlx::query_scalar("SELECT no FROM orders WHERE chat_id = $1 AND message_id = $2")
                .bind(key.0)
                .bind(key.1)
                .fetch_optional(&mut *tx)
                .await?;
        if seen.is_some() {
            return Ok(Stored::CaughtBefore);
        }
        if duplicates == DuplicateOrderId::Link {
            let (chat_id, order_key) = order.key();
            if let Some(open) = duplicates::open_ticket(tx, chat_id, &order_key).await? {
                return Ok(Stored::Linked(open));
            }
        }
    }
    Err(sqlx::Error::Protocol(
        "no free ticket number after several draws".into(),
    ))
}

/// Stores `orders`, each with a fresh ticket, its first audit event and its Pickup clock
/// (times on the row and reminders set, by its group's settings and `defaults`), and
/// remembers their groups' titles. The
/// answer says, for each of `orders` in turn, what became of it: a new ticket; nothing,
/// for a message caught before (a redelivered message makes no second order); or under
/// [`DuplicateOrderId::Link`], the open ticket of its group with the same Order_ID.
///
/// They go in with one multi-row statement per chunk, due times included (so their
/// urgency indexes are written once), and triggers write their first events (migration
/// 0021) and set their Pickup reminders (0030). A request that statement left out is then
/// tried alone, which tells why: its message caught before, or under
/// [`DuplicateOrderId::Link`], the open ticket of its Order_ID, which the guard's unique
/// index kept from having a twin ([`duplicates`]). Such requests are rare, so they are not
/// looked for before the insert: that would cost every batch a statement.
///
/// On SQLite each statement is a round trip to the one writer's thread, which costs more
/// than most of these statements' work, and the batch holds the writer throughout: so the
/// lot pays a fixed handful of statements, whatever its size (docs/benchmarks.md,
/// "Where ingest time goes").
pub async fn create_many(
    tx: &mut Conn,
    orders: &[NewOrder],
    defaults: &SlaDefaults,
    duplicates: DuplicateOrderId,
) -> Result<Vec<Stored>, sqlx::Error> {
    let titles: Vec<(i64, String)> = orders
        .iter()
        .map(|order| (order.chat_id, order.chat_title.clone()))
        .collect();
    let settings = groups::remember(tx, &titles).await?;
    let chats: Vec<i64> = orders.iter().map(|order| order.chat_id).collect();
    let timings = sla::timings_of(&settings, &chats, defaults);
    let mut results = Vec::with_capacity(orders.len());
    let mut counted = Vec::with_capacity(orders.len());
    for chunk in orders.chunks(Backend::of(tx).rows_per_statement(ORDER_COLUMNS)) {
        let now = now_ms();
        let rows: Vec<Pending> = chunk
            .iter()
            .map(|order| Pending {
                order,
                ticket: TicketNo::generate(),
                clock: timings[&order.chat_id].clock(Stage::Pickup, now),
            })
            .collect();
        let mut inserted = insert(tx, &rows, now, duplicates).await?;
        for (order, row) in chunk.iter().zip(rows) {
            let key = (order.chat_id, i64::from(order.message_id));
            let stored = match inserted.remove(&key) {
                Some(no) => Stored::Created(CreatedOrder {
                    no,
                    ticket: row.ticket,
                    created_at: now,
                }),
                None => create_alone(tx, order, now, row.clock, duplicates).await?,
            };
            if let Stored::Created(created) = &stored {
                counted.push(reports::Counted {
                    chat_id: order.chat_id,
                    kind: reports::Kind::New,
                    staff_id: 0,
                    at: created.created_at,
                    since: created.created_at,
                    due_at: None,
                });
            }
            results.push(stored);
        }
    }
    let zones = settings
        .iter()
        .map(|(chat_id, settings)| (*chat_id, settings.zone))
        .collect();
    reports::record_in_zones(tx, &counted, &zones).await?;
    Ok(results)
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
    use crate::lang::Lang;
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
    fn written_text_is_trimmed_and_bounded_and_keeps_unicode_and_markup() {
        let words = ["Catatan", "The note"];
        assert_eq!(
            written_text("  <b>halo</b> \u{202e}😀\n", 20, &words).unwrap(),
            "<b>halo</b> \u{202e}😀"
        );
        let empty = written_text(" \n\t ", 20, &words).unwrap_err();
        assert_eq!(empty.get(Lang::Id), "Catatan tidak boleh kosong.");
        assert_eq!(empty.get(Lang::En), "The note must not be empty.");
        let long = written_text(&"é".repeat(21), 20, &words).unwrap_err();
        assert_eq!(
            long.get(Lang::Id),
            "Catatan terlalu panjang: paling banyak 20 karakter (sekarang 21)."
        );
        assert_eq!(
            long.get(Lang::En),
            "The note is too long: at most 20 characters (21 now)."
        );
        assert_eq!(
            written_text(&"é".repeat(20), 20, &words)
                .unwrap()
                .chars()
                .count(),
            20
        );
        assert!(written_text("a\u{0}b", 20, &words).is_err());
        assert_eq!(written_text("a\r\nb", 20, &words).unwrap(), "a\r\nb");
    }

    #[test]
    fn order_messages_are_tagged_with_their_ticket() {
        for message in OrderMessage::ALL {
            assert_eq!(OrderMessage::of_about(&message.about(42)), Some(message));
        }
        assert_eq!(OrderMessage::Reopened.about(7), "order:7:reopened");
        assert_eq!(OrderMessage::of_about("applicant:42"), None);
    }

    #[test]
    fn tickets_do_not_repeat() {
        let tickets: HashSet<_> = (0..10_000).map(|_| TicketNo::generate()).collect();
        // 10,000 draws from 31^6 ≈ 887 million: a repeat is far below one in ten thousand.
        assert!(tickets.len() >= 9_999);
    }
}
