//! The tickets of a date range and the list's filters as rows of a spreadsheet, for the
//! CSV and XLSX exports: read in pages after the last order number seen (the primary key),
//! so a million tickets pass through in constant memory, each page limited to what the
//! asker may see.

use sqlx::Row;
use time::{macros::format_description, OffsetDateTime};

use super::{
    board::{self, Filters, OrderView, VIEW_COLUMNS, VIEW_JOINS, VIEW_WIDTH},
    Status,
};
use crate::{
    db::Db,
    groups::{hours::Zone, scope_user, visible_sql},
    users::access::Scope,
};

/// The column names, Indonesian as the team reads them.
pub const HEADER: [&str; 13] = [
    "No",
    "No_Tiket",
    "Order_ID",
    "Transaksi",
    "Keterangan",
    "Status",
    "Grup",
    "Diminta oleh",
    "Dibuat",
    "Di-pickup oleh",
    "Waktu pickup",
    "Di-close oleh",
    "Waktu close",
];

/// Which tickets an export holds.
#[derive(Clone, Debug)]
pub struct ExportQuery {
    /// `None`: every status.
    pub status: Option<Status>,
    pub filters: Filters,
}

/// One exported ticket, with the zone its times are read in.
#[derive(Clone, Debug)]
pub struct ExportRow {
    pub order: OrderView,
    pub zone: Zone,
}

/// The tickets of `query` that `scope` sees, numbered above `after`, lowest first, at most
/// `limit`.
pub async fn page(
    db: &Db,
    scope: Scope,
    query: &ExportQuery,
    after: i64,
    limit: i64,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    let backend = db.backend();
    let sql = format!(
        "{VIEW_COLUMNS}, g.zone{VIEW_JOINS} WHERE o.no > $1 AND ($2 = '' OR o.status = $2) \
         AND {} AND {} ORDER BY o.no LIMIT $4",
        visible_sql(scope, "$3"),
        query.filters.sql(backend, 5),
    );
    let statement = sqlx::query(&sql)
        .bind(after)
        .bind(query.status.map_or("", Status::as_str))
        .bind(scope_user(scope))
        .bind(limit);
    let rows = query
        .filters
        .bind(backend, statement)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            let zone: Option<String> = row.try_get(VIEW_WIDTH)?;
            Ok(ExportRow {
                order: board::view(row)?,
                zone: zone.as_deref().and_then(Zone::parse).unwrap_or_default(),
            })
        })
        .collect()
}

impl ExportRow {
    /// The row's cells under [`HEADER`], as text. The first, "No", is the ticket's number
    /// as the board shows it (`#5`), so that a row is found on screen whatever the
    /// export's filters left out.
    pub fn cells(&self) -> [String; 13] {
        let order = &self.order;
        let time = |ms: Option<i64>| ms.map(|ms| local_time(ms, self.zone)).unwrap_or_default();
        let status = match Status::parse(&order.status) {
            Some(Status::Order) => "Order",
            Some(Status::Pickup) => "Pickup",
            Some(Status::Close) => "Close",
            None => "",
        };
        [
            order.no.to_string(),
            order.ticket_no.clone(),
            order.order_id.clone(),
            order.transaksi.clone(),
            order.keterangan.clone(),
            status.to_owned(),
            order
                .group_title
                .clone()
                .unwrap_or_else(|| order.chat_id.to_string()),
            order.requester_name.clone(),
            time(Some(order.created_at)),
            order.picked_by_label().unwrap_or_default(),
            time(order.picked_at),
            order.closed_by_label().unwrap_or_default(),
            time(order.closed_at),
        ]
    }
}

/// `ms` (Unix milliseconds) on the clock of `zone`, e.g. `2026-12-05 20:43:03 WIB`.
fn local_time(ms: i64, zone: Zone) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.to_offset(zone.offset()).format(&format).ok())
        .map(|at| format!("{at} {}", zone.as_str()))
        .unwrap_or_default()
}

/// Whether a spreadsheet would take `cell` for a formula (or, from a tab or carriage
/// return, shift it into one): it must then be kept as text.
pub fn looks_like_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_on_the_groups_clock() {
        // 2026-12-05 13:43:03 UTC.
        let ms = 1_796_478_183_000;
        assert_eq!(local_time(ms, Zone::Wib), "2026-12-05 20:43:03 WIB");
        assert_eq!(local_time(ms, Zone::Wit), "2026-12-05 22:43:03 WIT");
    }

    #[test]
    fn formulas_are_recognised() {
        for cell in ["=1+1", "+62", "-5", "@SUM(A1)", "\tx", "\r=1"] {
            assert!(looks_like_formula(cell), "{cell:?}");
        }
        for cell in ["", "INV-1", "1=1", "José"] {
            assert!(!looks_like_formula(cell), "{cell:?}");
        }
    }
}
