//! Who is told when a ticket's warning or breach comes due, and how.
//!
//! - Waiting for Pickup: the staff chat (`TANGKAP_STAFF_CHAT`) if there is one, otherwise
//!   privately each active member of the ticket's group who has not muted reminders
//!   (`/pengingat off`).
//! - Waiting for Close: privately whoever picked it up.
//! - A breach also goes privately to the active owners and admins.
//!
//! The requester's group hears nothing: in groups the bot answers only `/moban`.
//!
//! No floods: a chat gets at most one reminder message a minute (`TANGKAP_REMINDER_DIGEST`). Reminders that come due
//! together go as one message; those that come due within a minute of the chat's last
//! reminder are held (`reminders.outbox_id` NULL) and go together, as one digest, when the
//! minute is up, by a timer of the same engine ([`DIGEST`]). Each reminder is a row of
//! `reminders`, so a ticket's timeline can show who was told what, and when.

use std::{collections::BTreeMap, future::Future, sync::Arc, time::Duration};

use sqlx::Row;
use tokio::sync::Notify;

use super::sla::{Reminder, Stage};
use crate::{
    db::{now_ms, Conn},
    groups::hours::Zone,
    lang::{self, Lang},
    telegram::{
        outbox::{self, Button, Outgoing},
        texts::{self, ReminderLine},
    },
    timers::{self, Due, Fire, Timer},
    users,
};

/// The timer that sends a chat's held reminders; its entity is the chat id.
pub const DIGEST: &str = "reminder_digest";
/// Tickets listed in one digest; the rest are counted.
const DIGEST_LINES: usize = 20;
/// Tickets given a button in one message.
const BUTTONS: usize = 5;

/// Sends reminders when their timers fire.
#[derive(Clone, Debug)]
pub struct Reminders {
    /// `TANGKAP_STAFF_CHAT`.
    pub staff_chat: Option<i64>,
    /// The Mini App's address, for buttons in private chats.
    pub mini_app_url: Option<String>,
    /// The direct Mini App link, for buttons in groups.
    pub mini_app_link: Option<String>,
    /// A chat gets at most one reminder message in this long (`TANGKAP_REMINDER_DIGEST`).
    pub digest_every: Duration,
    /// Woken when messages were queued.
    pub new_messages: Arc<Notify>,
}

impl Fire for Reminders {
    fn fire<'a>(
        &'a self,
        tx: &'a mut Conn,
        due: &'a [Due],
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'a {
        self.fire_all(tx, due)
    }

    fn fired(&self) {
        self.new_messages.notify_one();
    }
}

/// The topic under which a chat's reminder messages are queued.
fn topic(chat_id: i64) -> String {
    format!("reminders:{chat_id}")
}

/// A reminder timer's ticket, as the reminder needs it.
struct Ticket {
    status: String,
    chat_id: i64,
    picked_by: Option<i64>,
    pickup_due_at: Option<i64>,
    close_due_at: Option<i64>,
}

async fn ticket(tx: &mut Conn, no: i64) -> Result<Option<Ticket>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT status, chat_id, picked_by, pickup_due_at, close_due_at FROM orders WHERE no = $1",
    )
    .bind(no)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|row| {
        Ok(Ticket {
            status: row.try_get(0)?,
            chat_id: row.try_get(1)?,
            picked_by: row.try_get(2)?,
            pickup_due_at: row.try_get(3)?,
            close_due_at: row.try_get(4)?,
        })
    })
    .transpose()
}

impl Reminders {
    async fn fire_all(&self, tx: &mut Conn, due: &[Due]) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let mut leaders: Option<Vec<i64>> = None;
        // Per chat, the reminders that came due now: (order, kind, late by).
        let mut by_chat: BTreeMap<i64, Vec<(i64, &'static str, i64)>> = BTreeMap::new();
        let mut digests = Vec::new();
        for timer in due {
            if timer.kind == DIGEST {
                digests.push(timer.entity);
                continue;
            }
            let Some(reminder) = Reminder::of(&timer.kind) else {
                tracing::error!(kind = %timer.kind, "a timer of an unknown kind came due");
                continue;
            };
            let Some(ticket) = ticket(tx, timer.entity).await? else {
                continue;
            };
            // The step came first (its transaction cancels the timer; this is a guard).
            if ticket.status != reminder.stage.status() {
                continue;
            }
            let stage_due = match reminder.stage {
                Stage::Pickup => ticket.pickup_due_at,
                Stage::Close => ticket.close_due_at,
            };
            let mut chats = Vec::new();
            match (reminder.stage, self.staff_chat) {
                (Stage::Pickup, Some(staff_chat)) => chats.push(staff_chat),
                (Stage::Pickup, None) => {
                    chats.extend(users::group_staff_to_remind(tx, ticket.chat_id).await?)
                }
                (Stage::Close, _) => {
                    if let Some(picker) = ticket.picked_by {
                        chats.extend(users::active_chat(tx, picker).await?);
                    }
                }
            }
            if reminder.breach {
                if leaders.is_none() {
                    leaders = Some(users::leaders_to_remind(tx).await?);
                }
                chats.extend(leaders.iter().flatten());
            }
            chats.sort_unstable();
            chats.dedup();
            let late_ms = now - stage_due.unwrap_or(timer.due_at);
            for chat in chats {
                by_chat
                    .entry(chat)
                    .or_default()
                    .push((timer.entity, reminder.kind, late_ms));
            }
        }
        for (chat, items) in by_chat {
            let topic = topic(chat);
            for (no, kind, late_ms) in items {
                sqlx::query(
                    "INSERT INTO reminders (order_no, kind, chat_id, late_ms, at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(no)
                .bind(kind)
                .bind(chat)
                .bind(late_ms)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            let every = self.digest_every.as_millis() as i64;
            let last = outbox::last_queued_about(tx, &topic).await?;
            match last.filter(|last| now - last < every) {
                Some(last) => {
                    let digest = Timer {
                        kind: DIGEST,
                        entity: chat,
                        due_at: last + every,
                    };
                    timers::set(tx, &[digest]).await?;
                }
                None => self.send_held(tx, chat).await?,
            }
        }
        for chat in digests {
            self.send_held(tx, chat).await?;
        }
        Ok(())
    }

    /// Queues the reminders held for `chat` as one message.
    async fn send_held(&self, tx: &mut Conn, chat: i64) -> Result<(), sqlx::Error> {
        let rows = sqlx::query(
            "SELECT r.kind, r.late_ms, o.ticket_no, o.order_id, COALESCE(g.title, ''), \
             COALESCE(g.zone, 'WIB'), o.pickup_due_at, o.close_due_at \
             FROM reminders r JOIN orders o ON o.no = r.order_no \
             LEFT JOIN groups g ON g.chat_id = o.chat_id \
             WHERE r.chat_id = $1 AND r.outbox_id IS NULL ORDER BY r.id",
        )
        .bind(chat)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut lines = Vec::with_capacity(rows.len());
        for row in &rows {
            let kind: String = row.try_get(0)?;
            // Written by `fire_all` from a known kind.
            let Some(reminder) = Reminder::of(&kind) else {
                continue;
            };
            let late_ms: i64 = row.try_get(1)?;
            let zone: String = row.try_get(5)?;
            let due: Option<i64> = row.try_get(match reminder.stage {
                Stage::Pickup => 6,
                Stage::Close => 7,
            })?;
            lines.push(ReminderLine {
                breach: reminder.breach,
                stage: reminder.stage.step(),
                ticket: row.try_get(2)?,
                order_id: row.try_get(3)?,
                group: row.try_get(4)?,
                due: due
                    .map(|at| texts::clock(at, Zone::parse(&zone).unwrap_or_default().offset()))
                    .unwrap_or_default(),
                amount_ms: late_ms.abs(),
            });
        }
        // A person's private chat has the id of their Telegram account; a group's is
        // negative, and hears Indonesian.
        let lang = match chat > 0 {
            true => lang::stored(tx, chat).await?,
            false => Lang::Id,
        };
        let html = match lines.as_slice() {
            [one] => texts::reminder(one, lang),
            _ => {
                let more = lines.len().saturating_sub(DIGEST_LINES);
                texts::reminder_digest(&lines[..lines.len() - more], more, lang)
            }
        };
        let mut tickets: Vec<&str> = Vec::new();
        for line in &lines {
            if !tickets.contains(&line.ticket.as_str()) && tickets.len() < BUTTONS {
                tickets.push(&line.ticket);
            }
        }
        let keyboard = tickets
            .iter()
            .filter_map(|ticket| self.ticket_button(chat, ticket, lang))
            .map(|button| vec![button])
            .collect();
        let message = Outgoing::with_buttons(chat, html, keyboard);
        let id = outbox::enqueue_about(tx, &message, &topic(chat)).await?;
        sqlx::query("UPDATE reminders SET outbox_id = $1 WHERE chat_id = $2 AND outbox_id IS NULL")
            .bind(id)
            .bind(chat)
            .execute(&mut *tx)
            .await?;
        // Nothing is held for this chat any more.
        timers::cancel(tx, &[DIGEST], &[chat]).await
    }

    /// A button that opens `ticket` in the Mini App, for `chat` (a person's is positive).
    fn ticket_button(&self, chat: i64, ticket: &str, lang: Lang) -> Option<Button> {
        Button::open_ticket(
            format!("{} {ticket}", texts::open_ticket(lang)),
            ticket,
            chat > 0,
            self.mini_app_url.as_deref(),
            self.mini_app_link.as_deref(),
        )
    }
}
