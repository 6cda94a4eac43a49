//! `/rekap`: the team's day and week at a glance, for owners and admins in the private
//! chat, and the same sent to the staff chat each day by the digest ([`super::digest`]).
//! Counts come from the report counts; open and late tickets from the board's partial
//! indexes; the fastest and slowest closes of the week from the index on `closed_at`.

use sqlx::Row;
use time::UtcOffset;

use super::{day_at, day_start};
use crate::db::Conn;

/// New, picked up and closed tickets over some days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: i64,
    pub picked: i64,
    pub closed: i64,
}

/// A ticket closed this week and how long its Close took (from its Pickup).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedTicket {
    pub ticket: String,
    pub took_ms: i64,
    /// Who closed it.
    pub by: String,
}

/// The figures of a `/rekap`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rekap {
    /// When it was made (Unix ms) and the offset it is told in.
    pub at: i64,
    pub offset: UtcOffset,
    pub today: Counts,
    /// Since Monday.
    pub week: Counts,
    /// Tickets waiting for Pickup or Close now.
    pub open: i64,
    /// Of those, past their stage's due time.
    pub late: i64,
    /// The quickest closes of the week, quickest first.
    pub fastest: Vec<ClosedTicket>,
    /// The slowest closes of the week, slowest first.
    pub slowest: Vec<ClosedTicket>,
}

/// Closes listed each way.
const LISTED: i64 = 3;

/// The figures at `now`, days and the week (from Monday) counted at `offset`.
pub async fn rekap(conn: &mut Conn, now: i64, offset: UtcOffset) -> Result<Rekap, sqlx::Error> {
    let today = day_at(now, offset);
    // 1970-01-01 was a Thursday: day 0 is three days after a Monday.
    let monday = today - (today + 3).rem_euclid(7);
    let today_counts = counts(conn, today, today).await?;
    let week = counts(conn, monday, today).await?;
    // From the open tickets' partial index alone.
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE status IN ('order', 'pickup')")
            .fetch_one(&mut *conn)
            .await?;
    // Through the Order and Pickup pages' urgency indexes.
    let late: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM orders WHERE status = 'order' \
                 AND COALESCE(pickup_due_at, 9223372036854775807) < $1) \
              + (SELECT COUNT(*) FROM orders WHERE status = 'pickup' \
                 AND COALESCE(close_due_at, 9223372036854775807) < $1)",
    )
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let week_start = day_start(monday, offset);
    Ok(Rekap {
        at: now,
        offset,
        today: today_counts,
        week,
        open,
        late,
        fastest: closes(conn, week_start, "ASC").await?,
        slowest: closes(conn, week_start, "DESC").await?,
    })
}

/// Tickets counted from local day `from` to `to`, over every group.
async fn counts(conn: &mut Conn, from: i64, to: i64) -> Result<Counts, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT stage, CAST(SUM(tickets) AS BIGINT) FROM report_days \
         WHERE chat_id IN (SELECT chat_id FROM groups) AND day >= $1 AND day <= $2 \
         GROUP BY stage",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Counts::default();
    for row in rows {
        let stage: String = row.try_get(0)?;
        let tickets: i64 = row.try_get(1)?;
        match stage.as_str() {
            "order" => counts.new = tickets,
            "pickup" => counts.picked = tickets,
            _ => counts.closed = tickets,
        }
    }
    Ok(counts)
}

/// The week's closes since `since`, the quickest (`ASC`) or slowest (`DESC`) first.
async fn closes(
    conn: &mut Conn,
    since: i64,
    direction: &str,
) -> Result<Vec<ClosedTicket>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT o.ticket_no, o.closed_at - COALESCE(o.picked_at, o.closed_at), u.name \
         FROM orders o LEFT JOIN users u ON u.id = o.closed_by \
         WHERE o.closed_at IS NOT NULL AND o.closed_at >= $1 \
         ORDER BY 2 {direction}, o.no LIMIT $2"
    ))
    .bind(since)
    .bind(LISTED)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ClosedTicket {
                ticket: row.try_get(0)?,
                took_ms: row.try_get(1)?,
                by: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
            })
        })
        .collect()
}
