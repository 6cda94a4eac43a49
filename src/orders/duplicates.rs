//! The duplicate Order_ID guard: under `link` (`TANGKAP_DUPLICATE_ORDER_ID`, the default) a
//! `/moban` whose Order_ID already has an open ticket (Order or Pickup) in the same group
//! makes no second ticket; its sender is pointed to the open one.
//!
//! Order_IDs are compared by [`order_key`] (trimmed, lower case), stored on each ticket.
//! Two requests with the same key can be stored at the same moment: twice in one inbox
//! batch, or by two instances sharing a PostgreSQL database. Looking first and inserting
//! after cannot stop that, so the database does: a ticket made under `link` has
//! `order_key_slot = 0`, and a unique index over `(chat_id, order_key, order_key_slot)` of
//! open tickets (migration 0014) admits one such ticket per group and key. The insert of
//! the second is left out by `ON CONFLICT DO NOTHING` (on PostgreSQL it first waits for the
//! transaction holding the first to end, and is left out once that commits), and
//! [`super::create_many`] then finds the first through [`open_ticket`]. A ticket made under
//! `allow` has no slot (NULL, never equal to another), so it never collides, and closing a
//! ticket takes it out of the index, which frees its Order_ID.

use std::collections::HashMap;

use sqlx::{any::AnyRow, Row};

use crate::{
    config::{Invalid, Settings},
    db::{Backend, Conn},
};

/// What a `/moban` whose Order_ID has an open ticket in its group gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DuplicateOrderId {
    /// A reply pointing to the open ticket, and no second ticket.
    #[default]
    Link,
    /// A ticket of its own, as any other request.
    Allow,
}

impl DuplicateOrderId {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "link" => Some(Self::Link),
            "allow" => Some(Self::Allow),
            _ => None,
        }
    }

    /// The `order_key_slot` of a ticket made under this setting: 0 makes the unique index
    /// admit one open ticket per group and key; NULL never collides.
    pub(super) fn slot(self) -> Option<i64> {
        match self {
            Self::Link => Some(0),
            Self::Allow => None,
        }
    }
}

/// The setting as written (`duplicate_order_id`).
#[derive(Debug, serde::Deserialize)]
pub struct DuplicateOrderIdWritten {
    duplicate_order_id: Option<String>,
}

impl Settings for DuplicateOrderId {
    type Written = DuplicateOrderIdWritten;

    fn check(written: DuplicateOrderIdWritten) -> Result<Self, Invalid> {
        match written.duplicate_order_id {
            Some(mode) => Self::parse(&mode).ok_or_else(|| {
                Invalid::new(
                    "duplicate_order_id",
                    "use link (answer with the open ticket) or allow (make another)",
                )
            }),
            None => Ok(Self::default()),
        }
    }
}

/// An Order_ID as duplicates are compared: trimmed, in lower case (Unicode-aware).
pub fn order_key(order_id: &str) -> String {
    order_id.trim().to_lowercase()
}

/// An open ticket another request was pointed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenTicket {
    pub no: i64,
    pub ticket_no: String,
    /// The Order_ID as the open ticket has it.
    pub order_id: String,
    /// `order` or `pickup`.
    pub status: String,
    /// Who picked it up, as `Name (@username)`.
    pub picked_by: Option<String>,
    /// The message it was made from.
    pub message_id: i64,
}

/// The open tickets of some groups and keys, oldest first: `{}` takes the groups' and the
/// keys' placeholders.
///
/// On SQLite the guard's own index is named. Left to choose, SQLite takes another index of
/// open tickets, `orders_open_age` (status, group), just as good by its estimate, and then
/// reads every open ticket of the group on each `/moban` batch: 2 ms a batch at 20,000
/// open tickets, two thirds of the writer's time at ingest (docs/benchmarks.md).
fn select_open(backend: Backend, groups: &str, keys: &str) -> String {
    let hint = match backend {
        Backend::Sqlite => " INDEXED BY orders_open_order_key",
        Backend::Postgres => "",
    };
    format!(
        "SELECT o.chat_id, o.order_key, o.no, o.ticket_no, o.order_id, o.status, u.name, \
         u.username, o.message_id FROM orders o{hint} LEFT JOIN users u ON u.id = o.picked_by \
         WHERE o.status IN ('order', 'pickup') AND o.chat_id IN ({groups}) \
         AND o.order_key IN ({keys}) ORDER BY o.no"
    )
}

fn open_from(row: &AnyRow) -> Result<((i64, String), OpenTicket), sqlx::Error> {
    let picked_by = super::board::label(&row.try_get(6)?, &row.try_get(7)?);
    Ok((
        (row.try_get(0)?, row.try_get(1)?),
        OpenTicket {
            no: row.try_get(2)?,
            ticket_no: row.try_get(3)?,
            order_id: row.try_get(4)?,
            status: row.try_get(5)?,
            picked_by,
            message_id: row.try_get(8)?,
        },
    ))
}

/// The oldest open ticket of each `(chat_id, order_key)` in `keys` that has one.
pub(super) async fn open_tickets(
    tx: &mut Conn,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), OpenTicket>, sqlx::Error> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    let mut open = HashMap::new();
    for chunk in keys.chunks(Backend::of(tx).rows_per_statement(2)) {
        // Their groups and their keys as two lists, which both backends look up through
        // the index pair by pair (a list of `(chat_id = … AND order_key = …)` alternatives
        // made SQLite read every open ticket); pairs asked for by neither are left out.
        let mut chats: Vec<i64> = chunk.iter().map(|(chat_id, _)| *chat_id).collect();
        chats.dedup();
        let mut order_keys: Vec<&str> = chunk.iter().map(|(_, key)| key.as_str()).collect();
        order_keys.sort_unstable();
        order_keys.dedup();
        let list = |first: usize, len: usize| -> String {
            let placeholders: Vec<String> = (first..first + len).map(|n| format!("${n}")).collect();
            placeholders.join(", ")
        };
        let sql = select_open(
            Backend::of(tx),
            &list(1, chats.len()),
            &list(chats.len() + 1, order_keys.len()),
        );
        let mut query = sqlx::query(&sql);
        for chat_id in &chats {
            query = query.bind(*chat_id);
        }
        for key in &order_keys {
            query = query.bind(*key);
        }
        for row in query.fetch_all(&mut *tx).await? {
            let (key, ticket) = open_from(&row)?;
            if chunk.binary_search(&key).is_ok() {
                open.entry(key).or_insert(ticket);
            }
        }
    }
    Ok(open)
}

/// The oldest open ticket of `order_key` in group `chat_id`, if there is one.
pub(super) async fn open_ticket(
    tx: &mut Conn,
    chat_id: i64,
    order_key: &str,
) -> Result<Option<OpenTicket>, sqlx::Error> {
    let key = (chat_id, order_key.to_owned());
    Ok(open_tickets(tx, std::slice::from_ref(&key))
        .await?
        .remove(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_compare_trimmed_and_without_case() {
        assert_eq!(order_key("  INV-1029 "), "inv-1029");
        assert_eq!(order_key("ÜBER-Ä"), order_key("über-ä"));
        assert_ne!(order_key("INV-1"), order_key("INV-10"));
    }

    #[test]
    fn modes() {
        assert_eq!(
            DuplicateOrderId::parse(" Link "),
            Some(DuplicateOrderId::Link)
        );
        assert_eq!(
            DuplicateOrderId::parse("allow"),
            Some(DuplicateOrderId::Allow)
        );
        assert_eq!(DuplicateOrderId::parse("merge"), None);
        assert_eq!(DuplicateOrderId::default(), DuplicateOrderId::Link);
        assert_eq!(DuplicateOrderId::Link.slot(), Some(0));
        assert_eq!(DuplicateOrderId::Allow.slot(), None);
    }
}
