//! The catalogue and its stock. Products are seeded from `[[shop.products]]`; stock is
//! one item a row, added from a file or a pasted list, one item a line, never the same
//! item twice for a product (an item sold twice is a buyer cheated).

use sqlx::Row;

use super::config::{check_code, ProductConfig};
use crate::db::{now_ms, Conn};

/// A product as buyers see it, with its stock now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub code: String,
    pub name: String,
    pub price: i64,
    pub description: String,
    pub snk: String,
    pub active: bool,
    /// Items available now (not reserved by a pending invoice, not sold).
    pub stock: i64,
}

/// Applies the file's products: a product new to the database is added; one whose file
/// entry changed since it was last applied takes the file's values (an admin's change
/// made since stands until the file changes again).
pub async fn seed(tx: &mut Conn, products: &[ProductConfig]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for product in products {
        let seeded_as = serde_json::json!([
            product.name,
            product.price,
            product.description,
            product.snk
        ])
        .to_string();
        sqlx::query(
            "INSERT INTO shop_products (code, name, price, description, snk, active, seeded_as, updated_at)
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, price = excluded.price,
                 description = excluded.description, snk = excluded.snk,
                 seeded_as = excluded.seeded_as, updated_at = excluded.updated_at
             WHERE shop_products.seeded_as IS NULL OR shop_products.seeded_as <> excluded.seeded_as",
        )
        .bind(&product.code)
        .bind(&product.name)
        .bind(product.price)
        .bind(&product.description)
        .bind(&product.snk)
        .bind(seeded_as)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

const PRODUCT_COLUMNS: &str = "p.code, p.name, p.price, p.description, p.snk, p.active,
    (SELECT COUNT(*) FROM shop_items i WHERE i.product_code = p.code AND i.state = 'available')";

fn product(row: &sqlx::any::AnyRow) -> Result<Product, sqlx::Error> {
    Ok(Product {
        code: row.try_get(0)?,
        name: row.try_get(1)?,
        price: row.try_get(2)?,
        description: row.try_get(3)?,
        snk: row.try_get(4)?,
        active: row.try_get::<i64, _>(5)? != 0,
        stock: row.try_get(6)?,
    })
}

/// The products on sale, by name.
pub async fn on_sale(conn: &mut Conn) -> Result<Vec<Product>, sqlx::Error> {
    listed(conn, "WHERE p.active = 1").await
}

/// Every product, on sale or not, by name.
pub async fn all(conn: &mut Conn) -> Result<Vec<Product>, sqlx::Error> {
    listed(conn, "").await
}

async fn listed(conn: &mut Conn, filter: &str) -> Result<Vec<Product>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM shop_products p {filter} ORDER BY p.name, p.code"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(product).collect()
}

/// The product with `code` (any case), on sale or not.
pub async fn find(conn: &mut Conn, code: &str) -> Result<Option<Product>, sqlx::Error> {
    let Ok(code) = check_code(code) else {
        return Ok(None);
    };
    let row = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM shop_products p WHERE p.code = $1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(product).transpose()
}

/// What became of a list of items added to a product's stock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    /// Lines that were an item already (in the stock, or earlier in the same list).
    pub duplicates: usize,
    /// Lines over [`MOST_ITEM_CHARS`].
    pub too_long: usize,
}

/// The longest item, in characters (a Telegram message holds 4096).
pub const MOST_ITEM_CHARS: usize = 1000;

/// The most one list of items sent from the Mini App may hold, in bytes (1 MB): a larger
/// file is split.
pub const MOST_LIST_BYTES: usize = 1_000_000;

/// Adds `text`'s lines (trimmed, empty ones skipped) to `code`'s stock; `None` if no such
/// product.
pub async fn add_stock(
    tx: &mut Conn,
    code: &str,
    text: &str,
) -> Result<Option<Added>, sqlx::Error> {
    let Some(product) = find(tx, code).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let mut outcome = Added::default();
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if line.chars().count() > MOST_ITEM_CHARS {
            outcome.too_long += 1;
            continue;
        }
        let inserted = sqlx::query(
            "INSERT INTO shop_items (product_code, content, state, added_at)
             VALUES ($1, $2, 'available', $3) ON CONFLICT (product_code, content) DO NOTHING",
        )
        .bind(&product.code)
        .bind(line)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        match inserted.rows_affected() {
            0 => outcome.duplicates += 1,
            _ => outcome.added += 1,
        }
    }
    Ok(Some(outcome))
}
