//! Invoices, from checkout to delivery. Every change of an invoice is one conditional
//! UPDATE from the state it must be in (`WHERE status = 'pending'`), in the transaction
//! that also moves its stock and queues what the buyer is told: so an invoice is paid
//! once, its items delivered once (the delivery is an outbox row of that transaction), and
//! its stock returned once, whichever of a webhook, a replay, a button, the expiry timer
//! or a second instance gets there first.
//!
//! What needs the gateway (making the QR, confirming a payment, cancelling) is never done
//! inside a transaction: the invoice records the call it is owed (`gateway_call`), and the
//! gateway worker ([`super::gateway`]) makes it and writes the outcome in a transaction of
//! its own. A crash between the two leaves the call owed, and it is made again.

use std::collections::BTreeMap;

use rand::Rng;
use sqlx::Row;

use super::{
    catalogue::{self, Product},
    config::MOST_QUANTITY,
    coupons,
    texts::{self, Closed},
    Shop,
};
use crate::{
    db::{lock_until_commit, now_ms, Conn},
    lang::Lang,
    telegram::outbox::{self, Button, MessageRef, Outgoing, Photo},
    timers::{self, Timer},
};

/// The timer that closes an unpaid invoice.
pub const EXPIRY: &str = "shop_expiry";
/// Unpaid invoices a buyer may hold at once: enough to buy two things at a time, too few
/// to take a shop's stock hostage.
pub const MOST_OPEN: i64 = 3;
/// The most characters of items one delivery message holds (a message holds 4,096).
const DELIVERY_CHARS: usize = 3_500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Paid,
    Expired,
    Cancelled,
    /// Paid after it closed: the payment went to the buyer's balance.
    Credited,
}

impl Status {
    fn parse(text: &str) -> Self {
        match text {
            "paid" => Status::Paid,
            "expired" => Status::Expired,
            "cancelled" => Status::Cancelled,
            "credited" => Status::Credited,
            _ => Status::Pending,
        }
    }
}

/// A gateway call an invoice is owed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// Make the QRIS transaction.
    Create,
    /// The buyer asked whether their payment is in: confirm it, or tell them it is not.
    Ask,
    /// A webhook said paid and its confirmation failed: confirm it again, quietly.
    Check,
    /// The invoice ran out: confirm it is unpaid, then close it.
    Expire,
    /// The invoice closed unpaid: cancel the transaction, so that it cannot be paid.
    Cancel,
}

impl Call {
    pub fn as_str(self) -> &'static str {
        match self {
            Call::Create => "create",
            Call::Ask => "ask",
            Call::Check => "check",
            Call::Expire => "expire",
            Call::Cancel => "cancel",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Call::Create,
            Call::Ask,
            Call::Check,
            Call::Expire,
            Call::Cancel,
        ]
        .into_iter()
        .find(|call| call.as_str() == text)
    }
}

/// What an invoice is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Products, delivered once paid.
    Purchase,
    /// Money for the buyer's balance, credited once paid.
    Deposit,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Purchase => "purchase",
            Kind::Deposit => "deposit",
        }
    }
}

/// A product of a purchase, with its name and price when it was bought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub quantity: i64,
    pub price: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub order_id: String,
    pub buyer_id: i64,
    pub chat_id: i64,
    pub lang: Lang,
    pub kind: Kind,
    /// A purchase's products; none for a deposit.
    pub lines: Vec<Line>,
    pub subtotal: i64,
    /// What the coupon took off the subtotal.
    pub discount: i64,
    pub coupon: Option<String>,
    /// The subtotal less the discount: what the products (or the deposit) cost.
    pub total: i64,
    pub fee: i64,
    /// What the gateway is asked for: total + fee.
    pub amount: i64,
    pub status: Status,
    pub call: Option<Call>,
    pub call_failures: i64,
    /// The QRIS string, once the gateway made it.
    pub qr: Option<String>,
    pub message_row: Option<i64>,
    pub qr_row: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "id, order_id, buyer_id, chat_id, lang, kind, subtotal, discount,
    coupon_code, total, fee, amount, status, gateway_call, call_failures, qr, message_row,
    qr_row, created_at, expires_at";

/// An invoice's row, its lines still to be read ([`with_lines`]).
fn invoice(row: &sqlx::any::AnyRow) -> Result<Invoice, sqlx::Error> {
    Ok(Invoice {
        id: row.try_get(0)?,
        order_id: row.try_get(1)?,
        buyer_id: row.try_get(2)?,
        chat_id: row.try_get(3)?,
        lang: Lang::parse(&row.try_get::<String, _>(4)?),
        kind: match row.try_get::<String, _>(5)?.as_str() {
            "deposit" => Kind::Deposit,
            _ => Kind::Purchase,
        },
        lines: Vec::new(),
        subtotal: row.try_get(6)?,
        discount: row.try_get(7)?,
        coupon: row.try_get(8)?,
        total: row.try_get(9)?,
        fee: row.try_get(10)?,
        amount: row.try_get(11)?,
        status: Status::parse(&row.try_get::<String, _>(12)?),
        call: row
            .try_get::<Option<String>, _>(13)?
            .as_deref()
            .and_then(Call::parse),
        call_failures: row.try_get(14)?,
        qr: row.try_get(15)?,
        message_row: row.try_get(16)?,
        qr_row: row.try_get(17)?,
        created_at: row.try_get(18)?,
        expires_at: row.try_get(19)?,
    })
}

/// `row`'s invoice with its lines.
async fn with_lines(
    conn: &mut Conn,
    row: Option<sqlx::any::AnyRow>,
) -> Result<Option<Invoice>, sqlx::Error> {
    let Some(mut invoice) = row.as_ref().map(invoice).transpose()? else {
        return Ok(None);
    };
    let lines: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT product_code, name, quantity, price FROM shop_invoice_lines
         WHERE invoice_id = $1 ORDER BY product_code",
    )
    .bind(invoice.id)
    .fetch_all(&mut *conn)
    .await?;
    invoice.lines = lines
        .into_iter()
        .map(|(code, name, quantity, price)| Line {
            code,
            name,
            quantity,
            price,
        })
        .collect();
    Ok(Some(invoice))
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Invoice>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM shop_invoices WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    with_lines(conn, row).await
}

pub async fn find_by_order_id(
    conn: &mut Conn,
    order_id: &str,
) -> Result<Option<Invoice>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM shop_invoices WHERE order_id = $1"
    ))
    .bind(order_id)
    .fetch_optional(&mut *conn)
    .await?;
    with_lines(conn, row).await
}

/// Invoices owed a gateway call that may be made now, oldest first.
pub async fn owed_calls(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<Invoice>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM shop_invoices WHERE gateway_call IS NOT NULL AND call_after <= $1
         ORDER BY call_after, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(invoice).collect()
}

/// When the next owed call may be made.
pub async fn next_call_at(conn: &mut Conn) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MIN(call_after) FROM shop_invoices WHERE gateway_call IS NOT NULL")
        .fetch_one(&mut *conn)
        .await
}

/// Takes the owed call of `invoice` for `hold_ms` (so that another worker leaves it
/// alone); false if someone else took it or it is owed no longer.
pub async fn claim_call(
    conn: &mut Conn,
    invoice: &Invoice,
    hold_ms: i64,
) -> Result<bool, sqlx::Error> {
    let Some(call) = invoice.call else {
        return Ok(false);
    };
    let now = now_ms();
    let claimed = sqlx::query(
        "UPDATE shop_invoices SET call_after = $1
         WHERE id = $2 AND gateway_call = $3 AND call_after <= $4",
    )
    .bind(now + hold_ms)
    .bind(invoice.id)
    .bind(call.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// The call failed: it is owed again after `retry_ms`.
pub async fn call_failed(
    conn: &mut Conn,
    id: i64,
    call: Call,
    retry_ms: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE shop_invoices SET call_after = $1, call_failures = call_failures + 1
         WHERE id = $2 AND gateway_call = $3",
    )
    .bind(now_ms() + retry_ms)
    .bind(id)
    .bind(call.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The call is done (or given up): nothing more is owed unless `next` is.
pub async fn call_done(
    conn: &mut Conn,
    id: i64,
    call: Call,
    next: Option<Call>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE shop_invoices SET gateway_call = $1, call_after = 0, call_failures = 0
         WHERE id = $2 AND gateway_call = $3",
    )
    .bind(next.map(Call::as_str))
    .bind(id)
    .bind(call.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Asks for `call` on an invoice that owes none (a call already owed is made first): an
/// [`Call::Ask`] of a pending invoice, a [`Call::Check`] of one not yet paid (a payment
/// after closing is still credited). True if it was asked.
pub async fn ask_call(conn: &mut Conn, id: i64, call: Call) -> Result<bool, sqlx::Error> {
    let statuses = match call {
        Call::Check => "('pending', 'expired', 'cancelled')",
        _ => "('pending')",
    };
    let asked = sqlx::query(&format!(
        "UPDATE shop_invoices SET gateway_call = $1, call_after = 0, call_failures = 0
         WHERE id = $2 AND status IN {statuses} AND gateway_call IS NULL"
    ))
    .bind(call.as_str())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(asked.rows_affected() == 1)
}

/// Why a checkout did not make an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No product on sale has this code (as typed).
    NoProduct(String),
    BadQuantity,
    NotEnoughStock {
        product: Product,
        wanted: i64,
    },
    TooManyOpen,
    EmptyCart,
    Coupon(coupons::Refused),
    /// A deposit outside [`MIN_DEPOSIT`]..=[`MOST_DEPOSIT`].
    BadDeposit,
}

impl Refused {
    pub fn say(&self, lang: Lang) -> String {
        match self {
            Refused::NoProduct(code) => texts::no_such_product(code, lang),
            Refused::BadQuantity => texts::bad_quantity(MOST_QUANTITY, lang),
            Refused::NotEnoughStock { product, wanted } => {
                texts::not_enough_stock(product, *wanted, lang)
            }
            Refused::TooManyOpen => texts::too_many_open(MOST_OPEN, lang),
            Refused::EmptyCart => texts::empty_cart(lang),
            Refused::Coupon(refused) => texts::coupon_refused(*refused, lang),
            Refused::BadDeposit => texts::bad_deposit(MIN_DEPOSIT, MOST_DEPOSIT, lang),
        }
    }
}

/// The least and the most one deposit may be.
pub const MIN_DEPOSIT: i64 = 1_000;
pub const MOST_DEPOSIT: i64 = 10_000_000;

/// Who checks out, where they are answered.
#[derive(Clone, Copy, Debug)]
pub struct Buyer {
    pub telegram_id: i64,
    pub chat_id: i64,
    pub lang: Lang,
}

/// Reserves the `wanted` products (`(code, quantity)`, a code named twice counted once)
/// for `buyer`, with `coupon` off their subtotal, and makes the invoice: its message is
/// queued at once, its QR once the gateway made it; the expiry timer is set. A coupon that
/// takes the whole subtotal leaves nothing to pay: the invoice is paid at once.
pub async fn checkout(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    wanted: &[(String, i64)],
    coupon: Option<&str>,
) -> Result<Result<Invoice, Refused>, sqlx::Error> {
    if wanted.is_empty() {
        return Ok(Err(Refused::EmptyCart));
    }
    let mut quantities: BTreeMap<String, i64> = BTreeMap::new();
    for (code, quantity) in wanted {
        let Some(product) = catalogue::find(tx, code).await?.filter(|p| p.active) else {
            return Ok(Err(Refused::NoProduct(code.clone())));
        };
        let held = quantities.entry(product.code).or_default();
        *held += quantity;
        if !(1..=MOST_QUANTITY).contains(quantity) || *held > MOST_QUANTITY {
            return Ok(Err(Refused::BadQuantity));
        }
    }
    // Checkouts of one product wait for one another on PostgreSQL, so that the stock
    // counted is the stock reserved; on SQLite the writer is alone already. The locks are
    // taken in the codes' order, so two carts never wait for each other in a circle.
    for code in quantities.keys() {
        lock_until_commit(tx, super::named_lock(0x5350, code)).await?;
    }
    if open_invoices(tx, buyer.telegram_id).await? >= MOST_OPEN {
        return Ok(Err(Refused::TooManyOpen));
    }
    let mut products = Vec::with_capacity(quantities.len());
    for (code, &quantity) in &quantities {
        let product = catalogue::find(tx, code)
            .await?
            .expect("a product found in this transaction stays");
        if product.stock < quantity {
            return Ok(Err(Refused::NotEnoughStock {
                product,
                wanted: quantity,
            }));
        }
        products.push((product, quantity));
    }
    let lines: Vec<Line> = products
        .iter()
        .map(|(product, quantity)| Line {
            code: product.code.clone(),
            name: product.name.clone(),
            quantity: *quantity,
            price: product.price,
        })
        .collect();
    let subtotal = lines.iter().map(|line| line.price * line.quantity).sum();
    let (discount, coupon) = match coupon {
        Some(code) => match coupons::take(tx, code, subtotal).await? {
            Ok((coupon, off)) => (off, Some(coupon.code)),
            Err(refused) => return Ok(Err(Refused::Coupon(refused))),
        },
        None => (0, None),
    };
    let id = insert(
        tx,
        shop,
        buyer,
        Draft {
            kind: Kind::Purchase,
            lines: &lines,
            subtotal,
            discount,
            coupon: coupon.as_deref(),
        },
    )
    .await?;
    for line in &lines {
        let reserved = sqlx::query(
            "UPDATE shop_items SET state = 'reserved', invoice_id = $1
             WHERE state = 'available' AND id IN (
                 SELECT id FROM shop_items WHERE product_code = $2 AND state = 'available'
                 ORDER BY id LIMIT $3)",
        )
        .bind(id)
        .bind(&line.code)
        .bind(line.quantity)
        .execute(&mut *tx)
        .await?;
        if reserved.rows_affected() != line.quantity as u64 {
            // Counted under the lock, so this cannot happen; if it did, the whole batch
            // is undone rather than an invoice made short.
            return Err(sqlx::Error::Protocol(format!(
                "{} items of {} were counted but {} reserved",
                line.quantity,
                line.code,
                reserved.rows_affected()
            )));
        }
    }
    for (product, quantity) in &products {
        super::owners::stock_taken(tx, shop, product, product.stock, product.stock - quantity)
            .await?;
    }
    announce(tx, shop, buyer, id).await.map(Ok)
}

/// Makes an invoice for a deposit of `amount` to `buyer`'s balance.
pub async fn deposit(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    amount: i64,
) -> Result<Result<Invoice, Refused>, sqlx::Error> {
    if !(MIN_DEPOSIT..=MOST_DEPOSIT).contains(&amount) {
        return Ok(Err(Refused::BadDeposit));
    }
    if open_invoices(tx, buyer.telegram_id).await? >= MOST_OPEN {
        return Ok(Err(Refused::TooManyOpen));
    }
    let id = insert(
        tx,
        shop,
        buyer,
        Draft {
            kind: Kind::Deposit,
            lines: &[],
            subtotal: amount,
            discount: 0,
            coupon: None,
        },
    )
    .await?;
    announce(tx, shop, buyer, id).await.map(Ok)
}

async fn open_invoices(tx: &mut Conn, buyer: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM shop_invoices WHERE buyer_id = $1 AND status = 'pending'",
    )
    .bind(buyer)
    .fetch_one(&mut *tx)
    .await
}

/// An invoice about to be made.
struct Draft<'a> {
    kind: Kind,
    lines: &'a [Line],
    subtotal: i64,
    discount: i64,
    coupon: Option<&'a str>,
}

/// Stores `draft` as a pending invoice owed the gateway's QR (nothing, when there is
/// nothing to pay), with its lines; its id.
async fn insert(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    draft: Draft<'_>,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    let total = draft.subtotal - draft.discount;
    let fee = if total > 0 {
        shop.config.fee.on(total)
    } else {
        0
    };
    let expires_at = now + shop.config.invoice_ttl.as_millis() as i64;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO shop_invoices (order_id, buyer_id, chat_id, lang, kind, subtotal, discount,
             coupon_code, total, fee, amount, status, gateway_call, call_after, created_at,
             expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, 0, $13, $14)
         RETURNING id",
    )
    .bind(new_order_id(now, shop.utc_offset))
    .bind(buyer.telegram_id)
    .bind(buyer.chat_id)
    .bind(buyer.lang.as_str())
    .bind(draft.kind.as_str())
    .bind(draft.subtotal)
    .bind(draft.discount)
    .bind(draft.coupon)
    .bind(total)
    .bind(fee)
    .bind(total + fee)
    .bind((total > 0).then_some(Call::Create.as_str()))
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    super::buyers::met(tx, buyer.telegram_id, buyer.chat_id).await?;
    for line in draft.lines {
        sqlx::query(
            "INSERT INTO shop_invoice_lines (invoice_id, product_code, name, quantity, price)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&line.code)
        .bind(&line.name)
        .bind(line.quantity)
        .bind(line.price)
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

/// Queues invoice `id`'s message (with 💰 Bayar pakai saldo for a purchase the balance
/// covers) and sets its expiry; an invoice with nothing to pay is paid at once.
async fn announce(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    id: i64,
) -> Result<Invoice, sqlx::Error> {
    let mut invoice = find(tx, id).await?.expect("the invoice was just made");
    let mut keyboard = vec![vec![
        Button::callback(texts::check_button(buyer.lang), format!("shop:c:{id}")),
        Button::callback(texts::cancel_button(buyer.lang), format!("shop:x:{id}")),
    ]];
    // A balance that covers the total pays it without the QRIS (and its fee).
    let balance = super::balance::of(tx, buyer.telegram_id).await?;
    if invoice.kind == Kind::Purchase && invoice.total > 0 && balance >= invoice.total {
        keyboard.push(vec![Button::callback(
            texts::pay_from_balance_button(balance, buyer.lang),
            format!("shop:s:{id}"),
        )]);
    }
    let message = Outgoing::with_buttons(
        buyer.chat_id,
        texts::invoice(&invoice, shop.utc_offset),
        keyboard,
    );
    let message_row = outbox::enqueue_returning_id(tx, &message).await?;
    sqlx::query("UPDATE shop_invoices SET message_row = $1 WHERE id = $2")
        .bind(message_row)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    invoice.message_row = Some(message_row);
    if invoice.total == 0 {
        settle(tx, shop, id).await?;
        return Ok(find(tx, id).await?.expect("the invoice was just paid"));
    }
    timers::set(
        tx,
        &[Timer {
            kind: EXPIRY,
            entity: id,
            due_at: invoice.expires_at,
        }],
    )
    .await?;
    Ok(invoice)
}

/// `INV-20261207-7KQ2XD`: the day on the shop's clock and six characters no one misreads.
fn new_order_id(now: i64, offset: time::UtcOffset) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let day = time::OffsetDateTime::from_unix_timestamp(now / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .date();
    let mut rng = rand::rng();
    let suffix: String = (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!(
        "INV-{:04}{:02}{:02}-{suffix}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// The gateway made the QR: it is sent under the invoice, unless the invoice closed
/// meanwhile, and then the transaction is owed a cancel instead.
pub async fn qr_made(tx: &mut Conn, id: i64, qr: &str) -> Result<(), sqlx::Error> {
    let stored = sqlx::query(
        "UPDATE shop_invoices SET qr = $1, gateway_call = NULL, call_after = 0, call_failures = 0
         WHERE id = $2 AND status = 'pending' AND gateway_call = 'create'",
    )
    .bind(qr)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if stored.rows_affected() == 0 {
        return call_done(tx, id, Call::Create, Some(Call::Cancel)).await;
    }
    let invoice = find(tx, id).await?.expect("the invoice was just updated");
    let photo = Outgoing::SendPhoto {
        chat_id: invoice.chat_id,
        photo: Photo::Qr(qr.to_owned()),
        caption: texts::qr_caption(&invoice),
        keyboard: Vec::new(),
    };
    let qr_row = outbox::enqueue_returning_id(tx, &photo).await?;
    sqlx::query("UPDATE shop_invoices SET qr_row = $1 WHERE id = $2")
        .bind(qr_row)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Why an invoice was not paid from the balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FromBalance {
    /// Paid `total`; `left` on the balance.
    Paid { total: i64, left: i64 },
    /// The balance is less than the invoice's total.
    TooLittle { balance: i64 },
    /// The invoice is not pending any more.
    NotOpen,
}

/// Pays pending invoice `id` of `buyer` from their balance: its total is debited (never
/// below zero: the buyer's debits wait for one another) and it is settled as paid, its
/// gateway transaction owed a cancel so that the QRIS cannot be paid too.
pub async fn pay_from_balance(
    tx: &mut Conn,
    shop: &Shop,
    buyer: i64,
    id: i64,
) -> Result<FromBalance, sqlx::Error> {
    lock_until_commit(tx, super::balance::lock_of(buyer)).await?;
    let Some(invoice) = find(tx, id)
        .await?
        .filter(|i| i.buyer_id == buyer && i.kind == Kind::Purchase)
    else {
        return Ok(FromBalance::NotOpen);
    };
    if invoice.status != Status::Pending {
        return Ok(FromBalance::NotOpen);
    }
    let balance = super::balance::of(tx, buyer).await?;
    if balance < invoice.total {
        return Ok(FromBalance::TooLittle { balance });
    }
    if settle(tx, shop, id).await? != Settled::Delivered {
        return Ok(FromBalance::NotOpen);
    }
    super::balance::credit(tx, buyer, -invoice.total, "purchase", id).await?;
    // The QRIS the gateway made (or is making) is cancelled.
    sqlx::query(
        "UPDATE shop_invoices SET gateway_call = 'cancel', call_after = 0, call_failures = 0
         WHERE id = $1 AND (qr IS NOT NULL OR $2 = 1)",
    )
    .bind(id)
    .bind(i64::from(invoice.call == Some(Call::Create)))
    .execute(&mut *tx)
    .await?;
    Ok(FromBalance::Paid {
        total: invoice.total,
        left: balance - invoice.total,
    })
}

/// What a confirmed payment did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// The invoice was pending: paid now, its items queued for the buyer.
    Delivered,
    /// The invoice had closed: the payment was credited to the buyer's balance.
    Credited,
    /// It was settled before (a replay, a second confirmation).
    Already,
}

/// A payment of invoice `id` confirmed by the gateway (the detail call said completed,
/// same order, same amount).
pub async fn settle(tx: &mut Conn, shop: &Shop, id: i64) -> Result<Settled, sqlx::Error> {
    let now = now_ms();
    let paid = sqlx::query(
        "UPDATE shop_invoices SET status = 'paid', paid_at = $1, gateway_call = NULL
         WHERE id = $2 AND status = 'pending'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if paid.rows_affected() == 1 {
        deliver(tx, shop, id).await?;
        return Ok(Settled::Delivered);
    }
    let credited = sqlx::query(
        "UPDATE shop_invoices SET status = 'credited', paid_at = $1, gateway_call = NULL
         WHERE id = $2 AND status IN ('expired', 'cancelled')",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if credited.rows_affected() == 0 {
        return Ok(Settled::Already);
    }
    let invoice = find(tx, id).await?.expect("the invoice was just updated");
    super::balance::credit(tx, invoice.buyer_id, invoice.total, "paid_after_close", id).await?;
    let balance = super::balance::of(tx, invoice.buyer_id).await?;
    outbox::enqueue(
        tx,
        &Outgoing::message(
            invoice.chat_id,
            texts::credited(&invoice, invoice.total, balance),
        ),
    )
    .await?;
    super::owners::paid_after_close(tx, shop, &invoice).await?;
    Ok(Settled::Credited)
}

/// A purchase's items marked sold and queued, product by product with each one's terms;
/// a deposit credited to the balance. Either way the invoice's message is edited to paid
/// and its QR removed.
async fn deliver(tx: &mut Conn, shop: &Shop, id: i64) -> Result<(), sqlx::Error> {
    let invoice = find(tx, id).await?.expect("the invoice was just paid");
    let mut messages = Vec::new();
    if let Some(row) = invoice.message_row {
        messages.push(Outgoing::EditMessage {
            chat_id: invoice.chat_id,
            message: MessageRef::Outbox(row),
            html: texts::invoice_paid(&invoice),
            keyboard: Vec::new(),
        });
    }
    if let Some(row) = invoice.qr_row {
        messages.push(Outgoing::DeleteMessage {
            chat_id: invoice.chat_id,
            message: MessageRef::Outbox(row),
        });
    }
    match invoice.kind {
        Kind::Deposit => {
            super::balance::credit(tx, invoice.buyer_id, invoice.total, "deposit", id).await?;
            let balance = super::balance::of(tx, invoice.buyer_id).await?;
            messages.push(Outgoing::message(
                invoice.chat_id,
                texts::deposited(&invoice, balance),
            ));
        }
        Kind::Purchase => {
            sqlx::query(
                "UPDATE shop_items SET state = 'sold' WHERE invoice_id = $1 AND state = 'reserved'",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let lines = invoice.lines.len();
            for (line_index, line) in invoice.lines.iter().enumerate() {
                let items: Vec<String> = sqlx::query_scalar(
                    "SELECT content FROM shop_items WHERE invoice_id = $1 AND product_code = $2
                     ORDER BY id",
                )
                .bind(id)
                .bind(&line.code)
                .fetch_all(&mut *tx)
                .await?;
                let snk = match catalogue::find(tx, &line.code).await? {
                    Some(product) if !product.snk.is_empty() => product.snk,
                    _ => shop.config.snk.clone(),
                };
                let parts = split_items(&items);
                let count = parts.len();
                for (index, part) in parts.iter().enumerate() {
                    let mut delivery = Outgoing::message(
                        invoice.chat_id,
                        texts::delivery(&invoice, line, part, &snk, (index + 1, count)),
                    );
                    // Under the last of them: proof under the terms (`super::proofs`).
                    if line_index + 1 == lines && index + 1 == count {
                        delivery = delivery.with_keyboard(vec![vec![Button::callback(
                            texts::proof_button(invoice.lang),
                            format!("shop:v:{}", invoice.order_id),
                        )]]);
                    }
                    messages.push(delivery);
                }
            }
        }
    }
    outbox::enqueue_many(tx, &messages).await?;
    timers::cancel(tx, &[EXPIRY], &[id]).await
}

/// Items in groups that each fit a message.
fn split_items(items: &[String]) -> Vec<Vec<String>> {
    let mut parts: Vec<Vec<String>> = vec![Vec::new()];
    let mut chars = 0;
    for item in items {
        // An item's `<code>` tags and escaping take room too.
        let size = item.len() * 2 + 16;
        if chars + size > DELIVERY_CHARS && !parts.last().expect("one part at least").is_empty() {
            parts.push(Vec::new());
            chars = 0;
        }
        chars += size;
        parts
            .last_mut()
            .expect("one part at least")
            .push(item.clone());
    }
    parts
}

/// Closes pending invoice `id` unpaid: its stock goes back on sale, its message says why,
/// its QR is removed, and the gateway's transaction is owed a cancel; false if it was not
/// pending.
pub async fn close(tx: &mut Conn, id: i64, why: Closed) -> Result<bool, sqlx::Error> {
    let status = match why {
        Closed::Expired => "expired",
        Closed::Cancelled | Closed::GatewayDown => "cancelled",
    };
    // The gateway has a transaction to cancel once it made the QR, or may have one while
    // its creation is owed or in flight.
    let closed = sqlx::query(
        "UPDATE shop_invoices SET status = $1, closed_at = $2, call_after = 0, call_failures = 0,
             gateway_call = CASE WHEN qr IS NOT NULL OR gateway_call IS NOT NULL THEN 'cancel' END
         WHERE id = $3 AND status = 'pending'",
    )
    .bind(status)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if closed.rows_affected() == 0 {
        return Ok(false);
    }
    if why == Closed::GatewayDown {
        // The gateway made nothing to cancel.
        sqlx::query("UPDATE shop_invoices SET gateway_call = NULL WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE shop_items SET state = 'available', invoice_id = NULL
         WHERE invoice_id = $1 AND state = 'reserved'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let invoice = find(tx, id).await?.expect("the invoice was just closed");
    let mut messages = Vec::new();
    if let Some(row) = invoice.message_row {
        messages.push(Outgoing::EditMessage {
            chat_id: invoice.chat_id,
            message: MessageRef::Outbox(row),
            html: texts::invoice_closed(&invoice, why),
            keyboard: Vec::new(),
        });
    }
    if let Some(row) = invoice.qr_row {
        messages.push(Outgoing::DeleteMessage {
            chat_id: invoice.chat_id,
            message: MessageRef::Outbox(row),
        });
    }
    outbox::enqueue_many(tx, &messages).await?;
    timers::cancel(tx, &[EXPIRY], &[id]).await?;
    Ok(true)
}

/// The expiry timers that came due: each invoice still pending is owed a last look at
/// the gateway (a payment whose webhook was lost still counts), then closes; one whose QR
/// the gateway never made closes now.
pub async fn expiry_due(tx: &mut Conn, ids: &[i64]) -> Result<(), sqlx::Error> {
    for &id in ids {
        match find(tx, id).await? {
            Some(invoice) if invoice.status == Status::Pending && invoice.qr.is_none() => {
                close(tx, id, Closed::Expired).await?;
            }
            Some(invoice) if invoice.status == Status::Pending => {
                sqlx::query(
                    "UPDATE shop_invoices SET gateway_call = 'expire', call_after = 0,
                         call_failures = 0
                     WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
impl Invoice {
    pub fn example() -> Self {
        Invoice {
            id: 1,
            order_id: "INV-20261207-ABCDEF".into(),
            buyer_id: 7,
            chat_id: 7,
            lang: Lang::Id,
            kind: Kind::Purchase,
            lines: vec![Line {
                code: "NETFLIX".into(),
                name: "Netflix 1 Bulan".into(),
                quantity: 1,
                price: 10_000,
            }],
            subtotal: 10_000,
            discount: 0,
            coupon: None,
            total: 10_000,
            fee: 380,
            amount: 10_380,
            status: Status::Pending,
            call: None,
            call_failures: 0,
            qr: None,
            message_row: None,
            qr_row: None,
            created_at: 0,
            expires_at: 900_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_dated_on_the_shops_clock_and_unguessable() {
        let offset = time::UtcOffset::from_hms(7, 0, 0).unwrap();
        // 2026-12-06 20:00 UTC is 7 December in Jakarta.
        let at = 1_796_587_200_000;
        let first = new_order_id(at, offset);
        assert!(first.starts_with("INV-20261207-"), "{first}");
        assert_eq!(first.len(), "INV-20261207-ABCDEF".len());
        assert_ne!(first, new_order_id(at, offset));
    }

    #[test]
    fn many_items_are_split_over_messages() {
        let items: Vec<String> = (0..100)
            .map(|i| format!("{i:04}-{}", "x".repeat(60)))
            .collect();
        let parts = split_items(&items);
        assert!(parts.len() > 1);
        assert_eq!(parts.concat(), items);
        assert_eq!(split_items(&[]).len(), 1);
    }
}
