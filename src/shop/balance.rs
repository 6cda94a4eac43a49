//! Each buyer's balance: an append-only ledger of credits and debits, whose sum is the
//! balance. A row is never changed or removed, so the balance can always be explained
//! line by line.

use crate::db::{now_ms, Conn};

/// Writes `amount` to `buyer`'s ledger (a credit, or a debit when negative) for `reason`
/// about `invoice`; once per invoice and reason, so a confirmation told twice credits once.
/// A debit is written under the buyer's lock ([`lock_of`]) once the balance is seen to
/// cover it. True if written now.
pub async fn credit(
    tx: &mut Conn,
    buyer: i64,
    amount: i64,
    reason: &str,
    invoice: i64,
) -> Result<bool, sqlx::Error> {
    let credited = sqlx::query(
        "INSERT INTO shop_ledger (buyer_id, amount, reason, invoice_id, at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (invoice_id, reason) DO NOTHING",
    )
    .bind(buyer)
    .bind(amount)
    .bind(reason)
    .bind(invoice)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(credited.rows_affected() == 1)
}

/// The advisory lock under which a buyer's balance is checked and debited (PostgreSQL;
/// on SQLite the writer is alone already).
pub fn lock_of(buyer: i64) -> i64 {
    // Apart from the other advisory locks by a fixed prefix in the top bits.
    (0x4241_u64 << 48 | (buyer as u64 & 0xffff_ffff_ffff)) as i64
}

/// `buyer`'s balance now.
pub async fn of(conn: &mut Conn, buyer: i64) -> Result<i64, sqlx::Error> {
    // PostgreSQL sums BIGINTs as NUMERIC; the cast keeps it a whole number on both.
    sqlx::query_scalar(
        "SELECT COALESCE(CAST(SUM(amount) AS BIGINT), 0) FROM shop_ledger WHERE buyer_id = $1",
    )
    .bind(buyer)
    .fetch_one(&mut *conn)
    .await
}
