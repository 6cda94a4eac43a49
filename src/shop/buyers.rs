//! Everyone the shop has met, for the admins' broadcasts: a buyer is noted at `/start` and
//! at each invoice, takes broadcasts until they tap 🔕 under one, and takes them again
//! with `/langganan`.

use crate::db::{now_ms, Conn};

/// Notes that the shop met `buyer`, who is written to in `chat_id`.
pub async fn met(tx: &mut Conn, buyer: i64, chat_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO shop_buyers (buyer_id, chat_id, broadcasts, first_seen) VALUES ($1, $2, 1, $3)
         ON CONFLICT (buyer_id) DO NOTHING",
    )
    .bind(buyer)
    .bind(chat_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether `buyer` takes broadcasts from now on; false if the shop never met them.
pub async fn take_broadcasts(tx: &mut Conn, buyer: i64, on: bool) -> Result<bool, sqlx::Error> {
    let set = sqlx::query("UPDATE shop_buyers SET broadcasts = $1 WHERE buyer_id = $2")
        .bind(i64::from(on))
        .bind(buyer)
        .execute(&mut *tx)
        .await?;
    Ok(set.rows_affected() == 1)
}

/// Those who take broadcasts: `(buyer, chat)`.
pub async fn broadcast_to(conn: &mut Conn) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT buyer_id, chat_id FROM shop_buyers WHERE broadcasts = 1 ORDER BY buyer_id",
    )
    .fetch_all(&mut *conn)
    .await
}

/// How many take broadcasts.
pub async fn broadcast_count(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM shop_buyers WHERE broadcasts = 1")
        .fetch_one(&mut *conn)
        .await
}
