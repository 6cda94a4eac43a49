//! `/cek`: one ticket found by its number or its Order_ID, either among a group's own
//! tickets (asked in the group) or among those a person may see ([`Scope`], asked in their
//! private chat). A ticket outside is not found, exactly as one that does not exist.
//!
//! A ticket number is found through its unique index, an Order_ID through `orders_order_key`
//! (migration 0025): a few index reads either way, inside the transaction of the update
//! that asks, which on SQLite holds the one writer.

use sqlx::Row;

use super::{
    board::{self, OrderView, VIEW_COLUMNS, VIEW_JOINS, VIEW_WIDTH},
    duplicates::order_key,
    moban::ORDER_ID_MAX,
    sla::Stage,
    Status, TICKET_ALPHABET, TICKET_LENGTH,
};
use crate::{
    db::Conn,
    groups::{hours::Zone, scope_user, visible_sql},
    telegram::texts::TicketStanding,
    users::access::Scope,
};

/// Where a ticket is looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Within {
    /// The tickets of group `chat_id`, and of the group it was before it became this
    /// supergroup (whose tickets keep the old id).
    Group(i64),
    /// The tickets someone may see.
    Scope(Scope),
}

/// A ticket [`find`] found.
#[derive(Clone, Debug)]
pub struct Found {
    pub order: OrderView,
    /// Its group's zone, in which its times are told.
    pub zone: Zone,
    /// How many older tickets with its Order_ID were found beside it (asked by Order_ID).
    pub older: i64,
}

impl Found {
    /// Where it stands, as `/cek` tells it.
    pub fn standing(&self) -> TicketStanding<'_> {
        let order = &self.order;
        let status = Status::parse(&order.status);
        let (holder, since) = match status {
            Some(Status::Pickup) => (order.picked_by_label(), order.picked_at),
            Some(Status::Close) => (order.closed_by_label(), order.closed_at),
            _ => (None, None),
        };
        let due = match status {
            Some(Status::Order) => order.pickup_due_at.map(|due| (Stage::Pickup, due)),
            Some(Status::Pickup) => order.close_due_at.map(|due| (Stage::Close, due)),
            _ => None,
        };
        TicketStanding {
            ticket: &order.ticket_no,
            order_id: &order.order_id,
            group: order.group_title.as_deref(),
            status: &order.status,
            holder,
            since: since.unwrap_or(order.created_at),
            due: due.map(|(stage, due)| (stage.step(), due)),
            older: self.older,
            offset: self.zone.offset(),
        }
    }
}

/// The ticket `asked` names within `within`: the ticket of that number, or else the newest
/// ticket with that Order_ID (in any case, with or without a leading `#`). `None` for
/// anything else, an unknown ticket and a ticket outside `within` alike.
pub async fn find(
    conn: &mut Conn,
    within: Within,
    asked: &str,
) -> Result<Option<Found>, sqlx::Error> {
    let asked = asked.trim().trim_start_matches('#').trim();
    // Nothing longer than an Order_ID can be one: not looked for at all.
    if asked.is_empty() || asked.chars().count() > ORDER_ID_MAX {
        return Ok(None);
    }
    if let Some(ticket) = ticket_no(asked) {
        if let Some(found) = find_by(conn, within, "o.ticket_no", &ticket).await? {
            return Ok(Some(found));
        }
    }
    find_by(conn, within, "o.order_key", &order_key(asked)).await
}

/// `asked` as a ticket number, if it can be one.
fn ticket_no(asked: &str) -> Option<String> {
    let ticket = asked.to_ascii_uppercase();
    let fits =
        ticket.len() == TICKET_LENGTH && ticket.bytes().all(|b| TICKET_ALPHABET.contains(&b));
    fits.then_some(ticket)
}

/// The newest ticket within `within` whose `column` is `value`, with how many others are.
async fn find_by(
    conn: &mut Conn,
    within: Within,
    column: &str,
    value: &str,
) -> Result<Option<Found>, sqlx::Error> {
    let (place, bound) = match within {
        Within::Group(chat_id) => (
            "(o.chat_id = $2 OR o.chat_id IN (SELECT chat_id FROM groups WHERE migrated_to = $2))"
                .to_owned(),
            chat_id,
        ),
        Within::Scope(scope) => (visible_sql(scope, "$2"), scope_user(scope)),
    };
    // The count is taken over every match before the limit keeps the newest.
    let sql = format!(
        "{VIEW_COLUMNS}, g.zone, COUNT(*) OVER (){VIEW_JOINS} WHERE {column} = $1 AND {place} \
         ORDER BY o.no DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(value)
        .bind(bound)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let zone: Option<String> = row.try_get(VIEW_WIDTH)?;
    let matches: i64 = row.try_get(VIEW_WIDTH + 1)?;
    Ok(Some(Found {
        order: board::view(&row)?,
        zone: zone.as_deref().and_then(Zone::parse).unwrap_or_default(),
        older: matches - 1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_in_any_case_and_nothing_else() {
        assert_eq!(ticket_no("k7m2qx").as_deref(), Some("K7M2QX"));
        assert_eq!(ticket_no("K7M2Q"), None);
        assert_eq!(ticket_no("K7M2Q0"), None, "0 is not in the alphabet");
        assert_eq!(ticket_no("INV-1029"), None);
        assert_eq!(ticket_no("ÄÄÄ"), None);
    }
}
