//! What the Mini App shows: orders of one status, newest first, searchable by ticket or
//! Order_ID, in pages.

use serde::Serialize;
use sqlx::{any::AnyRow, Row};

use super::Status;
use crate::db::Db;

/// An order as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderView {
    pub no: i64,
    pub order_id: String,
    pub transaksi: String,
    pub keterangan: String,
    pub ticket_no: String,
    pub status: String,
    pub requester_name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub picked_by: Option<String>,
    pub picked_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
}

/// One page of a status's orders.
#[derive(Clone, Debug)]
pub struct BoardQuery {
    pub status: Status,
    /// A ticket number, or part of an Order_ID; empty for all.
    pub search: String,
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
     o.requester_name, o.created_at, pu.name, o.picked_at, cu.name, o.closed_at FROM orders o \
     LEFT JOIN users pu ON pu.id = o.picked_by LEFT JOIN users cu ON cu.id = o.closed_by";

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
    })
}

pub async fn list(db: &Db, query: &BoardQuery) -> Result<Vec<OrderView>, sqlx::Error> {
    let search = query.search.trim();
    // A ticket number is found through its unique index; a part of an Order_ID can only be
    // looked for row by row, which on a large board is slow when few rows match.
    if !search.is_empty() && query.before.is_none() {
        let sql = format!("{SELECT_VIEW} WHERE o.ticket_no = upper($1) AND o.status = $2");
        let row = sqlx::query(&sql)
            .bind(search)
            .bind(query.status.as_str())
            .fetch_optional(db.pool())
            .await?;
        if let Some(row) = row {
            return Ok(vec![view(&row)?]);
        }
    }
    let sql = format!(
        "{SELECT_VIEW} WHERE o.status = $1 AND o.no < $2 \
         AND ($3 = '' OR o.ticket_no = upper($3) OR {}) \
         ORDER BY o.no DESC LIMIT $5",
        db.backend().contains("lower(o.order_id)", "$4")
    );
    let rows = sqlx::query(&sql)
        .bind(query.status.as_str())
        .bind(query.before.unwrap_or(i64::MAX))
        .bind(search)
        .bind(search.to_lowercase())
        .bind(query.limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(view).collect()
}

pub async fn find(db: &Db, no: i64) -> Result<Option<OrderView>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT_VIEW} WHERE o.no = $1"))
        .bind(no)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(view).transpose()
}

pub async fn counts(db: &Db) -> Result<Counts, sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM orders GROUP BY status")
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

/// Grows whenever any order is created or moves: a page polls it to know when to reload.
pub async fn version(db: &Db) -> Result<i64, sqlx::Error> {
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM order_events")
        .fetch_one(db.pool())
        .await?;
    Ok(version.unwrap_or(0))
}
