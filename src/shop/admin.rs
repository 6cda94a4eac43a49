//! What the shop's admins (and owners) do to it: stock added from a pasted list, products
//! switched on or off and re-priced, the latest orders looked over, a refund to a buyer's
//! balance. Who may is decided here, once ([`Admin::of`]): an active owner or admin.
//! Anyone else is given nothing, as if none of it existed, and every change is audited as
//! its admin's.

use sqlx::Row;

use super::{
    catalogue::{self, Added, Product},
    config::{
        check_price, one_line_within, text_within, MOST_DESCRIPTION_CHARS, MOST_NAME_CHARS,
        MOST_SNK_CHARS,
    },
    coupons::{self, AddRefused, Coupon},
    custom_texts::{self, Key, Refused as TextRefused},
    invoices::{self, Status},
    texts,
};
use crate::{
    db::{now_ms, Conn},
    telegram::outbox::{self, Outgoing},
    users::{self, access::Actor, team, User},
};

/// Someone who runs the shop: only [`Admin::of`] makes one.
pub struct Admin(User);

/// The longest broadcast, in characters (a message holds 4,096, the footer needs room).
pub const MOST_BROADCAST_CHARS: usize = 3_500;

impl Admin {
    /// The shop's admin `telegram_id` is, if they are an active owner or admin.
    pub async fn of(conn: &mut Conn, telegram_id: i64) -> Result<Option<Admin>, sqlx::Error> {
        Ok(users::find_by_telegram_id(conn, telegram_id)
            .await?
            .filter(users::access::runs_shop)
            .map(Admin))
    }

    async fn audit(&self, tx: &mut Conn, action: &str, detail: &str) -> Result<(), sqlx::Error> {
        team::record(tx, Actor::Member(&self.0), action, None, detail).await
    }

    /// Adds `text`'s lines to product `code`'s stock; `None` if there is no such product.
    pub async fn add_stock(
        &self,
        tx: &mut Conn,
        code: &str,
        text: &str,
    ) -> Result<Option<(Product, Added)>, sqlx::Error> {
        let Some(added) = catalogue::add_stock(tx, code, text).await? else {
            return Ok(None);
        };
        let product = catalogue::find(tx, code)
            .await?
            .expect("stock was just added to it");
        let detail = format!(
            "{}: {} added, {} duplicates refused, {} too long",
            product.code, added.added, added.duplicates, added.too_long
        );
        self.audit(tx, "shop_stock_add", &detail).await?;
        Ok(Some((product, added)))
    }

    /// Every product, on sale or not, by name.
    pub async fn products(&self, conn: &mut Conn) -> Result<Vec<Product>, sqlx::Error> {
        catalogue::all(conn).await
    }

    /// The available items of product `code`, oldest first, at most `limit`, as admins see
    /// them: masked ([`mask`]), since a screen shared or a phone looked over must not give
    /// away what a buyer pays for.
    pub async fn masked_items(
        &self,
        conn: &mut Conn,
        code: &str,
        limit: i64,
    ) -> Result<Vec<String>, sqlx::Error> {
        let items: Vec<String> = sqlx::query_scalar(
            "SELECT content FROM shop_items WHERE product_code = $1 AND state = 'available'
             ORDER BY id LIMIT $2",
        )
        .bind(code)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        Ok(items.iter().map(|item| mask(item)).collect())
    }

    /// Puts product `code` on sale or takes it off; the product, if there is one.
    pub async fn set_on_sale(
        &self,
        tx: &mut Conn,
        code: &str,
        on: bool,
    ) -> Result<Option<Product>, sqlx::Error> {
        let Some(product) = catalogue::find(tx, code).await? else {
            return Ok(None);
        };
        sqlx::query("UPDATE shop_products SET active = $1, updated_at = $2 WHERE code = $3")
            .bind(i64::from(on))
            .bind(now_ms())
            .bind(&product.code)
            .execute(&mut *tx)
            .await?;
        let action = if on {
            "shop_product_on"
        } else {
            "shop_product_off"
        };
        self.audit(tx, action, &product.code).await?;
        catalogue::find(tx, &product.code).await
    }

    /// Sets product `code`'s price (for invoices made from now on).
    pub async fn set_price(
        &self,
        tx: &mut Conn,
        code: &str,
        price: i64,
    ) -> Result<Result<Product, PriceRefused>, sqlx::Error> {
        let Some(product) = catalogue::find(tx, code).await? else {
            return Ok(Err(PriceRefused::NoProduct));
        };
        let Ok(price) = check_price(price) else {
            return Ok(Err(PriceRefused::BadPrice));
        };
        sqlx::query("UPDATE shop_products SET price = $1, updated_at = $2 WHERE code = $3")
            .bind(price)
            .bind(now_ms())
            .bind(&product.code)
            .execute(&mut *tx)
            .await?;
        let detail = format!("{}: {} → {}", product.code, product.price, price);
        self.audit(tx, "shop_price", &detail).await?;
        Ok(Ok(catalogue::find(tx, &product.code)
            .await?
            .expect("a product just re-priced")))
    }

    /// Gives product `code` the name, description or terms of `edit` that it holds (each
    /// checked: a name of 1 to [`MOST_NAME_CHARS`] characters on one line, a description and
    /// terms of at most [`MOST_DESCRIPTION_CHARS`] and [`MOST_SNK_CHARS`], empty terms
    /// being the shop's); the product as it is now.
    pub async fn edit_product(
        &self,
        tx: &mut Conn,
        code: &str,
        edit: &ProductEdit<'_>,
    ) -> Result<Result<Product, EditRefused>, sqlx::Error> {
        let Some(product) = catalogue::find(tx, code).await? else {
            return Ok(Err(EditRefused::NoProduct));
        };
        let checked = |value: Option<&str>, most: usize, one_line: bool| match value {
            None => Ok(None),
            Some(value) if one_line => one_line_within(value, most).map(Some).ok_or(most),
            Some(value) => text_within(value, most).map(Some).ok_or(most),
        };
        let name = checked(edit.name, MOST_NAME_CHARS, true).map_err(EditRefused::Name);
        let description = checked(edit.description, MOST_DESCRIPTION_CHARS, false)
            .map_err(EditRefused::Description);
        let snk = checked(edit.snk, MOST_SNK_CHARS, false).map_err(EditRefused::Snk);
        let (name, description, snk) = match (name, description, snk) {
            (Ok(name), Ok(description), Ok(snk)) => (name, description, snk),
            (Err(refused), _, _) | (_, Err(refused), _) | (_, _, Err(refused)) => {
                return Ok(Err(refused))
            }
        };
        let mut changed = Vec::new();
        for (column, value) in [
            ("name", &name),
            ("description", &description),
            ("snk", &snk),
        ] {
            let Some(value) = value else { continue };
            sqlx::query(&format!(
                "UPDATE shop_products SET {column} = $1, updated_at = $2 WHERE code = $3"
            ))
            .bind(value)
            .bind(now_ms())
            .bind(&product.code)
            .execute(&mut *tx)
            .await?;
            changed.push(column);
        }
        if !changed.is_empty() {
            let detail = format!("{}: {}", product.code, changed.join(", "));
            self.audit(tx, "shop_product_edit", &detail).await?;
        }
        Ok(Ok(catalogue::find(tx, &product.code)
            .await?
            .expect("a product just edited")))
    }

    /// Every coupon, newest first, with its uses.
    pub async fn coupons(&self, conn: &mut Conn) -> Result<Vec<(Coupon, i64)>, sqlx::Error> {
        coupons::all(conn).await
    }

    /// Adds `coupon` ([`coupons::add_as`]), audited as this admin's.
    pub async fn add_coupon(
        &self,
        tx: &mut Conn,
        coupon: Coupon,
        offset: time::UtcOffset,
    ) -> Result<Result<Coupon, AddRefused>, sqlx::Error> {
        coupons::add_as(tx, Actor::Member(&self.0), coupon, offset).await
    }

    /// Each text an admin may rewrite, with theirs if they saved one.
    pub async fn texts(&self, conn: &mut Conn) -> Result<Vec<(Key, Option<String>)>, sqlx::Error> {
        let mut saved = Vec::new();
        for key in Key::ALL {
            saved.push((key, custom_texts::saved(conn, key).await?));
        }
        Ok(saved)
    }

    /// The latest `limit` invoices, newest first, each with how many items it delivered.
    pub async fn latest_orders(
        &self,
        conn: &mut Conn,
        limit: i64,
    ) -> Result<Vec<OrderLine>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT i.order_id, i.buyer_id, i.kind, i.total, i.status, i.created_at,
                 (SELECT COUNT(*) FROM shop_items s WHERE s.invoice_id = i.id AND s.state = 'sold'),
                 (SELECT l.amount FROM shop_ledger l WHERE l.invoice_id = i.id AND l.reason = 'refund')
             FROM shop_invoices i ORDER BY i.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OrderLine {
                    order_id: row.try_get(0)?,
                    buyer_id: row.try_get(1)?,
                    deposit: row.try_get::<String, _>(2)? == "deposit",
                    total: row.try_get(3)?,
                    status: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                    delivered: row.try_get(6)?,
                    refunded: row.try_get(7)?,
                })
            })
            .collect()
    }

    /// Refunds `amount` (the whole total when none) of paid invoice `order_id` to its
    /// buyer's balance, once per invoice; the buyer is told.
    pub async fn refund(
        &self,
        tx: &mut Conn,
        order_id: &str,
        amount: Option<i64>,
    ) -> Result<Result<Refunded, RefundRefused>, sqlx::Error> {
        let Some(invoice) = invoices::find_by_order_id(tx, order_id.trim()).await? else {
            return Ok(Err(RefundRefused::NoInvoice));
        };
        if invoice.status != Status::Paid || invoice.kind != invoices::Kind::Purchase {
            return Ok(Err(RefundRefused::NotPaid));
        }
        let amount = amount.unwrap_or(invoice.total);
        if !(1..=invoice.total).contains(&amount) {
            return Ok(Err(RefundRefused::BadAmount {
                most: invoice.total,
            }));
        }
        if !super::balance::credit(tx, invoice.buyer_id, amount, "refund", invoice.id).await? {
            return Ok(Err(RefundRefused::Already));
        }
        let balance = super::balance::of(tx, invoice.buyer_id).await?;
        let told = texts::refunded(&invoice, amount, balance);
        outbox::enqueue(tx, &Outgoing::message(invoice.chat_id, told)).await?;
        let detail = format!(
            "{}: {amount} to buyer {}",
            invoice.order_id, invoice.buyer_id
        );
        self.audit(tx, "shop_refund", &detail).await?;
        Ok(Ok(Refunded {
            order_id: invoice.order_id,
            buyer_id: invoice.buyer_id,
            amount,
        }))
    }

    /// Saves `body` as the bot's text `key` once it is checked ([`custom_texts::check`]);
    /// with none, goes back to the built-in text.
    pub async fn set_text(
        &self,
        tx: &mut Conn,
        key: Key,
        body: Option<&str>,
    ) -> Result<Result<(), TextRefused>, sqlx::Error> {
        if let Some(body) = body {
            if let Err(refused) = custom_texts::check(key, body) {
                return Ok(Err(refused));
            }
        }
        custom_texts::save(tx, key, body).await?;
        let detail = match body {
            Some(body) => format!("{}: {} characters", key.name(), body.chars().count()),
            None => format!("{}: the built-in text", key.name()),
        };
        self.audit(tx, "shop_text", &detail).await?;
        Ok(Ok(()))
    }

    /// Queues `text` to every buyer who takes broadcasts, with a 🔕 button to stop them;
    /// how many it goes to, or `None` for an empty or too long text. The outbox sends
    /// them within Telegram's limits (30 messages a second in all), however many there
    /// are, so a broadcast never crowds out the shop's other messages for long.
    pub async fn broadcast(&self, tx: &mut Conn, text: &str) -> Result<Option<usize>, sqlx::Error> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > MOST_BROADCAST_CHARS {
            return Ok(None);
        }
        let mut messages = Vec::new();
        for (buyer, chat_id) in super::buyers::broadcast_to(tx).await? {
            let lang = crate::lang::stored(tx, buyer).await?;
            messages.push(Outgoing::with_buttons(
                chat_id,
                texts::broadcast(text, lang),
                vec![vec![crate::telegram::outbox::Button::callback(
                    texts::stop_broadcasts_button(lang),
                    "shop:o",
                )]],
            ));
        }
        outbox::enqueue_many(tx, &messages).await?;
        let detail = format!(
            "to {} buyers: {} characters",
            messages.len(),
            text.chars().count()
        );
        self.audit(tx, "shop_broadcast", &detail).await?;
        Ok(Some(messages.len()))
    }
}

/// An item as admins see it: its first and last two characters, the rest hidden.
pub fn mask(item: &str) -> String {
    let chars: Vec<char> = item.chars().collect();
    if chars.len() <= 6 {
        return "•".repeat(chars.len().max(3));
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}•••{tail}")
}

/// What an admin changes of a product's words; `None` leaves it as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProductEdit<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub snk: Option<&'a str>,
}

/// Why a product's words were not changed: no such product, or a field too long (or an
/// empty name), with its most characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditRefused {
    NoProduct,
    Name(usize),
    Description(usize),
    Snk(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PriceRefused {
    NoProduct,
    BadPrice,
}

/// An invoice in the admins' list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    pub order_id: String,
    pub buyer_id: i64,
    pub deposit: bool,
    pub total: i64,
    pub status: String,
    pub created_at: i64,
    pub delivered: i64,
    /// What was refunded of it to the buyer's balance, if anything.
    pub refunded: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refunded {
    pub order_id: String,
    pub buyer_id: i64,
    pub amount: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundRefused {
    /// No invoice with that order id.
    NoInvoice,
    /// Only a paid purchase is refunded (a deposit or a late payment is on the balance
    /// already).
    NotPaid,
    BadAmount {
        most: i64,
    },
    /// It was refunded before: once per invoice.
    Already,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_masked_whatever_their_length() {
        assert_eq!(mask("akun1@mail.test | Sandi1"), "ak•••i1");
        assert_eq!(mask("abc"), "•••");
        assert_eq!(mask(""), "•••");
        assert_eq!(mask("kode-😀-rahasia-😀"), "ko•••-😀");
        assert!(!mask("1234567890").contains("3456"));
    }
}
