//! Each buyer's cart: products and quantities kept until checkout turns them into one
//! invoice ([`super::invoices::checkout`]), and the coupon they typed for it. A cart
//! reserves nothing: stock is counted at checkout, under the products' locks.

use super::{
    catalogue::{self, Product},
    config::MOST_QUANTITY,
};
use crate::db::{now_ms, Conn};

/// The most products one cart holds.
pub const MOST_LINES: i64 = 20;

/// A product in a cart, as it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub product: Product,
    pub quantity: i64,
}

/// Why a product did not go into the cart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    NoProduct,
    /// Over [`MOST_QUANTITY`] of one product, or under 1.
    BadQuantity,
    /// Already [`MOST_LINES`] products.
    Full,
}

/// Adds `quantity` of product `code` to `buyer`'s cart (to what is there already); the
/// product and the quantity it now has.
pub async fn add(
    tx: &mut Conn,
    buyer: i64,
    code: &str,
    quantity: i64,
) -> Result<Result<(Product, i64), Refused>, sqlx::Error> {
    let Some(product) = catalogue::find(tx, code).await?.filter(|p| p.active) else {
        return Ok(Err(Refused::NoProduct));
    };
    if !(1..=MOST_QUANTITY).contains(&quantity) {
        return Ok(Err(Refused::BadQuantity));
    }
    let held: Option<i64> = sqlx::query_scalar(
        "SELECT quantity FROM shop_carts WHERE buyer_id = $1 AND product_code = $2",
    )
    .bind(buyer)
    .bind(&product.code)
    .fetch_optional(&mut *tx)
    .await?;
    let total = held.unwrap_or(0) + quantity;
    if total > MOST_QUANTITY {
        return Ok(Err(Refused::BadQuantity));
    }
    if held.is_none() {
        let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shop_carts WHERE buyer_id = $1")
            .bind(buyer)
            .fetch_one(&mut *tx)
            .await?;
        if lines >= MOST_LINES {
            return Ok(Err(Refused::Full));
        }
    }
    sqlx::query(
        "INSERT INTO shop_carts (buyer_id, product_code, quantity, added_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (buyer_id, product_code) DO UPDATE SET quantity = excluded.quantity",
    )
    .bind(buyer)
    .bind(&product.code)
    .bind(total)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(Ok((product, total)))
}

/// Takes product `code` out of `buyer`'s cart.
pub async fn remove(tx: &mut Conn, buyer: i64, code: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM shop_carts WHERE buyer_id = $1 AND product_code = $2")
        .bind(buyer)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Empties `buyer`'s cart, its coupon too.
pub async fn clear(tx: &mut Conn, buyer: i64) -> Result<(), sqlx::Error> {
    for table in ["shop_carts", "shop_cart_coupons"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE buyer_id = $1"))
            .bind(buyer)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// What `buyer`'s cart holds, in the order it was put in; a product taken off sale since
/// drops out.
pub async fn lines(conn: &mut Conn, buyer: i64) -> Result<Vec<Line>, sqlx::Error> {
    let held: Vec<(String, i64)> = sqlx::query_as(
        "SELECT product_code, quantity FROM shop_carts WHERE buyer_id = $1
         ORDER BY added_at, product_code",
    )
    .bind(buyer)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines = Vec::with_capacity(held.len());
    for (code, quantity) in held {
        if let Some(product) = catalogue::find(conn, &code).await?.filter(|p| p.active) {
            lines.push(Line { product, quantity });
        }
    }
    Ok(lines)
}

/// Sets the coupon of `buyer`'s cart (checked at checkout), or takes it off.
pub async fn set_coupon(tx: &mut Conn, buyer: i64, code: Option<&str>) -> Result<(), sqlx::Error> {
    match code {
        Some(code) => sqlx::query(
            "INSERT INTO shop_cart_coupons (buyer_id, code) VALUES ($1, $2)
             ON CONFLICT (buyer_id) DO UPDATE SET code = excluded.code",
        )
        .bind(buyer)
        .bind(code),
        None => sqlx::query("DELETE FROM shop_cart_coupons WHERE buyer_id = $1").bind(buyer),
    }
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The coupon of `buyer`'s cart, if they typed one.
pub async fn coupon(conn: &mut Conn, buyer: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT code FROM shop_cart_coupons WHERE buyer_id = $1")
        .bind(buyer)
        .fetch_optional(&mut *conn)
        .await
}
