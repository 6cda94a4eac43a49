//! What the Mini App shows: orders of one status, newest first, searchable by ticket or
//! Order_ID, in pages, each query limited to the tickets the asker may see
//! ([`Scope`]): a ticket outside it is not found, listed or counted.

use serde::Serialize;
use sqlx::{any::AnyRow, Row};

use super::Status;
use crate::{
    db::Db,
    groups::{scope_user, visible_sql},
    users::access::Scope,
};

/// An order as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderView {
    pub no: i64,
    pub order_id: String,
    pub transaksi: String,
    pub keterangan: String,
    pub ticket_no: String,
    pub status: String,
    /// The group the request came from, and its title when known.
    pub chat_id: i64,
    pub group_title: Option<String>,
    pub requester_name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub picked_by: Option<String>,
    pub picked_by_username: Option<String>,
    pub picked_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_by_username: Option<String>,
    pub closed_at: Option<i64>,
}

impl OrderView {
    /// Who picked it up, as `Name (@username)`.
    pub fn picked_by_label(&self) -> Option<String> {
        label(&self.picked_by, &self.picked_by_username)
    }

    /// Who closed it, as `Name (@username)`.
    pub fn closed_by_label(&self) -> Option<String> {
        label(&self.closed_by, &self.closed_by_username)
    }
}

fn label(name: &Option<String>, username: &Option<String>) -> Option<String> {
    match (name, username) {
        (Some(name), Some(username)) => Some(format!("{name} (@{username})")),
        (Some(name), None) => Some(name.clone()),
        _ => None,
    }
}

/// One page of a status's orders.
#[derive(Clone, Debug)]
pub struct BoardQuery {
    pub status: Status,
    /// A ticket number, or part of an Order_ID; empty for all.
    pub search: String,
    /// Only this group's orders.
    pub group: Option<i64>,
    /// Only orders numbered below this (the last `no` of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// How many orders each page holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub order: i64,
    pub pickup: i64,
    pub close: i64,
}

const SELECT_VIEW: &str =
    "SELECT o.no, o.order_id, o.transaksi, o.keterangan, o.ticket_no, o.status, \
     o.requester_name, o.created_at, pu.name, o.picked_at, cu.name, o.closed_at, \
     o.chat_id, g.title, pu.username, cu.username FROM orders o \
     LEFT JOIN users pu ON pu.id = o.picked_by LEFT JOIN users cu ON cu.id = o.closed_by \
     LEFT JOIN groups g ON g.chat_id = o.chat_id";

fn view(row: &AnyRow) -> Result<OrderView, sqlx::Error> {
    Ok(OrderView {
        no: row.try_get(0)?,
        order_id: row.try_get(1)?,
        transaksi: row.try_get(2)?,
        keterangan: row.try_get(3)?,
        ticket_no: row.try_get(4)?,
        status: row.try_get(5)?,
        requester_name: row.try_get(6)?,
        created_at: row.try_get(7)?,
        picked_by: row.try_get(8)?,
        picked_at: row.try_get(9)?,
        closed_by: row.try_get(10)?,
        closed_at: row.try_get(11)?,
        chat_id: row.try_get(12)?,
        group_title: row.try_get(13)?,
        picked_by_username: row.try_get(14)?,
        closed_by_username: row.try_get(15)?,
    })
}

pub async fn list(
    db: &Db,
    scope: Scope,
    query: &BoardQuery,
) -> Result<Vec<OrderView>, sqlx::Error> {
    let search = query.search.trim();
    // A ticket number is found through its unique index; a part of an Order_ID can only be
    // looked for row by row, which on a large board is slow when few rows match.
    if !search.is_empty() && query.before.is_none() {
        let sql = format!(
            "{SELECT_VIEW} WHERE o.ticket_no = upper($1) AND o.status = $2 AND {} AND {}",
            visible_sql(scope, "$3"),
            group_sql(query.group, "$4"),
        );
        let row = sqlx::query(&sql)
            .bind(search)
            .bind(query.status.as_str())
            .bind(scope_user(scope))
            .bind(query.group.unwrap_or_default())
            .fetch_optional(db.pool())
            .await?;
        if let Some(row) = row {
            return Ok(vec![view(&row)?]);
        }
    }
    let sql = format!(
        "{SELECT_VIEW} WHERE o.status = $1 AND o.no < $2 \
         AND ($3 = '' OR o.ticket_no = upper($3) OR {}) AND {} AND {} \
         ORDER BY o.no DESC LIMIT $5",
        db.backend().contains("lower(o.order_id)", "$4"),
        visible_sql(scope, "$6"),
        group_sql(query.group, "$7"),
    );
    let rows = sqlx::query(&sql)
        .bind(query.status.as_str())
        .bind(query.before.unwrap_or(i64::MAX))
        .bind(search)
        .bind(search.to_lowercase())
        .bind(query.limit)
        .bind(scope_user(scope))
        .bind(query.group.unwrap_or_default())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(view).collect()
}

/// SQL true for orders of `group` (or of every group), with `placeholder` bound to the
/// group's id (or 0).
fn group_sql(group: Option<i64>, placeholder: &str) -> String {
    match group {
        Some(_) => format!("o.chat_id = {placeholder}"),
        None => format!("{placeholder} = 0"),
    }
}

/// Order `no`, if `scope` may see it.
pub async fn find(db: &Db, scope: Scope, no: i64) -> Result<Option<OrderView>, sqlx::Error> {
    let sql = format!(
        "{SELECT_VIEW} WHERE o.no = $1 AND {}",
        visible_sql(scope, "$2")
    );
    let row = sqlx::query(&sql)
        .bind(no)
        .bind(scope_user(scope))
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(view).transpose()
}

/// How many orders of each status `scope` sees, in one group or all.
pub async fn counts(db: &Db, scope: Scope, group: Option<i64>) -> Result<Counts, sqlx::Error> {
    let sql = format!(
        "SELECT o.status, COUNT(*) FROM orders o WHERE {} AND {} GROUP BY o.status",
        visible_sql(scope, "$1"),
        group_sql(group, "$2"),
    );
    let rows = sqlx::query(&sql)
        .bind(scope_user(scope))
        .bind(group.unwrap_or_default())
        .fetch_all(db.pool())
        .await?;
    let mut counts = Counts::default();
    for row in rows {
        let status: String = row.try_get(0)?;
        let count: i64 = row.try_get(1)?;
        match Status::parse(&status) {
            Some(Status::Order) => counts.order = count,
            Some(Status::Pickup) => counts.pickup = count,
            Some(Status::Close) => counts.close = count,
            None => {}
        }
    }
    Ok(counts)
}

/// Grows whenever an order `scope` sees is created or moves: a page polls it to know when
/// to reload. Changes in groups the asker may not see leave it alone.
pub async fn version(db: &Db, scope: Scope) -> Result<i64, sqlx::Error> {
    let sql = match scope {
        Scope::Everything => "SELECT MAX(id) FROM order_events WHERE $1 = 0".to_owned(),
        Scope::GroupsOf(_) => format!(
            "SELECT MAX(e.id) FROM order_events e JOIN orders o ON o.no = e.order_no WHERE {}",
            visible_sql(scope, "$1")
        ),
    };
    let version: Option<i64> = sqlx::query_scalar(&sql)
        .bind(scope_user(scope))
        .fetch_one(db.pool())
        .await?;
    Ok(version.unwrap_or(0))
}
