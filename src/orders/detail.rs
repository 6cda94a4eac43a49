//! One ticket as its page shows it: the board's fields, its notes, and its timeline,
//! gathered from where each thing is recorded rather than copied into a log of its own:
//!
//! - `order_events`: created, picked up, closed, reopened (with the reason);
//! - `order_notes`: the notes ([`super::notes`]);
//! - the outbox rows tagged with the ticket ([`OrderMessage::about`]): each message its
//!   group was sent (Feedback 1, 2, 3, the reopen), with what Telegram made of it, so
//!   "was the group told?" is answered from the row that did the telling;
//! - `reminders`: who was reminded of it and in which outbox message (none yet: held for
//!   the chat's next digest).
//!
//! A ticket the asker may not see is not found, as on the board.

use serde::Serialize;
use sqlx::{any::AnyRow, Row};

use super::{
    board::{self, OrderView},
    notes::{self, Note},
    sla::Reminder,
    OrderMessage, Status,
};
use crate::{
    db::{Conn, Db},
    users::{access, User},
};

/// A ticket with its timeline and notes.
#[derive(Clone, Debug, Serialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub order: OrderView,
    /// Oldest first.
    pub events: Vec<Event>,
    /// Oldest first (each is in `events` too).
    pub notes: Vec<Note>,
    /// The viewer may reopen it now (it is closed, and they are an owner or admin).
    pub may_reopen: bool,
    /// The forum topic of its group it was asked in, where the bot answers about it; none
    /// for the General topic or a group without topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
}

/// A forum topic of a ticket's group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// Telegram's `message_thread_id`.
    pub thread_id: i32,
    /// Opens the topic in Telegram (for a member of the group).
    pub link: Option<String>,
}

impl Topic {
    /// Topic `thread_id` of group `chat_id`. Telegram links to a supergroup's messages
    /// by its id without the `-100` in front; topics exist in supergroups only.
    fn of(chat_id: i64, thread_id: i32) -> Self {
        let link = chat_id
            .to_string()
            .strip_prefix("-100")
            .map(|id| format!("https://t.me/c/{id}/{thread_id}"));
        Self { thread_id, link }
    }
}

/// One thing that happened to a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// `created`, `picked_up`, `pickup_undone`, `closed`, `reopened`, `note`, `message`
    /// (the bot to the group) or `reminder` (the bot to staff).
    pub kind: &'static str,
    /// Unix milliseconds; for a message, when it was queued.
    pub at: i64,
    /// Who: the requester, the staff member (`Name (@username)`), a note's author; none
    /// for the bot's messages.
    pub by: Option<String>,
    /// Why it was reopened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A note's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Which message ([`OrderMessage::as_str`]), or which reminder (`pickup_warning`,
    /// `pickup_breach`, `close_warning`, `close_breach`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
    /// Where a message or reminder went: the group's title, or the person reminded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

impl Event {
    fn new(kind: &'static str, at: i64, by: Option<String>) -> Self {
        Self {
            kind,
            at,
            by,
            reason: None,
            text: None,
            message: None,
            to: None,
            delivery: None,
        }
    }

    /// A message the bot sent (`kind` `message` or `reminder`) to `to`, from a row with
    /// its outbox row's `status`, `last_error` and `sent_at` (all NULL for a reminder held
    /// for the next digest) and the event's `at`.
    fn sent(
        kind: &'static str,
        message: &'static str,
        to: Option<String>,
        row: &AnyRow,
    ) -> Result<Self, sqlx::Error> {
        let delivery = Delivery::of(
            row.try_get("status")?,
            row.try_get("last_error")?,
            row.try_get("sent_at")?,
        );
        Ok(Self {
            message: Some(message),
            to,
            delivery: Some(delivery),
            ..Event::new(kind, row.try_get("at")?, None)
        })
    }

    /// Of things recorded in the same millisecond, a step comes before the message it
    /// caused.
    fn rank(&self) -> u8 {
        match self.kind {
            "note" => 1,
            "message" => 2,
            "reminder" => 3,
            _ => 0,
        }
    }
}

/// What became of a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// `queued` (waiting its turn, being retried, or a reminder held for the next
    /// digest), `sent`, or `failed` (Telegram refused it for good).
    pub state: &'static str,
    /// Telegram's reason when it refused; while retrying, the last fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When Telegram accepted it (Unix ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
}

impl Delivery {
    /// From an outbox row's status, `last_error` and `sent_at`; no row (a held reminder)
    /// is queued.
    fn of(status: Option<String>, error: Option<String>, sent_at: Option<i64>) -> Self {
        let state = match status.as_deref() {
            Some("sent") => "sent",
            Some("failed") => "failed",
            _ => "queued",
        };
        Self {
            state,
            error: error.filter(|_| state != "sent"),
            sent_at: sent_at.filter(|_| state == "sent"),
        }
    }
}

/// Ticket `no` with its timeline and notes, if `viewer` may see it.
pub async fn load(db: &Db, viewer: &User, no: i64) -> Result<Option<TicketDetail>, sqlx::Error> {
    let Some(order) = board::find(db, access::scope(viewer), no).await? else {
        return Ok(None);
    };
    let mut conn = db.pool().acquire().await?;
    let mut events = steps(&mut conn, &order).await?;
    let notes = notes::list(&mut conn, no).await?;
    events.extend(notes.iter().map(|note| Event {
        text: Some(note.text.clone()),
        ..Event::new("note", note.at, Some(note.author.clone()))
    }));
    events.extend(messages(&mut conn, no).await?);
    events.extend(reminders(&mut conn, no).await?);
    let thread: Option<i64> = sqlx::query_scalar("SELECT thread_id FROM orders WHERE no = $1")
        .bind(no)
        .fetch_one(&mut *conn)
        .await?;
    let topic = thread
        .and_then(|id| i32::try_from(id).ok())
        .map(|id| Topic::of(order.chat_id, id));
    // Stable: things of one kind keep the order they were recorded in.
    events.sort_by_key(|event| (event.at, event.rank()));
    let may_reopen = order.status == Status::Close.as_str() && access::may_reopen(viewer);
    Ok(Some(TicketDetail {
        order,
        events,
        notes,
        may_reopen,
        topic,
    }))
}

/// The ticket's steps from `order_events`.
async fn steps(conn: &mut Conn, order: &OrderView) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT e.from_status, e.to_status, e.at, e.reason, u.name, u.username \
         FROM order_events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.order_no = $1 ORDER BY e.id",
    )
    .bind(order.no)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let from: Option<String> = row.try_get(0)?;
        let to: String = row.try_get(1)?;
        let kind = match (from.as_deref().and_then(Status::parse), Status::parse(&to)) {
            (None, _) => "created",
            (Some(Status::Close), Some(Status::Order)) => "reopened",
            (Some(Status::Pickup), Some(Status::Order)) => "pickup_undone",
            (_, Some(Status::Pickup)) => "picked_up",
            (_, Some(Status::Close)) => "closed",
            _ => continue,
        };
        // The request's event names the Telegram user who asked, whose name the order
        // keeps; the others name an account.
        let by = match kind {
            "created" => Some(order.requester_name.clone()),
            _ => board::label(&row.try_get(4)?, &row.try_get(5)?),
        };
        events.push(Event {
            reason: row.try_get(3)?,
            ..Event::new(kind, row.try_get(2)?, by)
        });
    }
    Ok(events)
}

/// The messages the ticket's group was sent about it, from the outbox.
async fn messages(conn: &mut Conn, no: i64) -> Result<Vec<Event>, sqlx::Error> {
    let placeholders: Vec<String> = (1..=OrderMessage::ALL.len())
        .map(|n| format!("${n}"))
        .collect();
    let sql = format!(
        "SELECT m.about, m.status, m.last_error, m.sent_at, m.created_at AS at, g.title \
         FROM outbox m LEFT JOIN groups g ON g.chat_id = m.chat_id \
         WHERE m.about IN ({}) ORDER BY m.id",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for message in OrderMessage::ALL {
        query = query.bind(message.about(no));
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let about: String = row.try_get(0)?;
        let Some(message) = OrderMessage::of_about(&about) else {
            continue;
        };
        events.push(Event::sent(
            "message",
            message.as_str(),
            row.try_get(5)?,
            &row,
        )?);
    }
    Ok(events)
}

/// The reminders sent about the ticket: to whom, and in which outbox message.
async fn reminders(conn: &mut Conn, no: i64) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.kind, r.at, m.status, m.last_error, m.sent_at, u.name, u.username, g.title \
         FROM reminders r LEFT JOIN outbox m ON m.id = r.outbox_id \
         LEFT JOIN users u ON u.telegram_id = r.chat_id \
         LEFT JOIN groups g ON g.chat_id = r.chat_id \
         WHERE r.order_no = $1 ORDER BY r.id",
    )
    .bind(no)
    .fetch_all(&mut *conn)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get(0)?;
        let Some(reminder) = Reminder::of(&kind) else {
            continue;
        };
        let to = board::label(&row.try_get(5)?, &row.try_get(6)?).or(row.try_get(7)?);
        events.push(Event::sent("reminder", reminder.kind, to, &row)?);
    }
    Ok(events)
}
