//! The Toko page's API: the shop's products and their stock, the latest orders and their
//! refunds, coupons, broadcasts and the bot's texts, each through the method of
//! [`Admin`] that the admin menu in Telegram uses. Who may is `Admin::of`'s to say; to
//! anyone else, and to everyone while the shop is off, these routes do not exist (404
//! `not_found`, before a body is looked at).

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    Json,
};
use serde::{Deserialize, Serialize};

use super::{
    auth::{json_body, Staff},
    error::ApiError,
};
use crate::{
    db::Conn,
    lang::{Lang, Text},
    shop::{
        admin::{Admin, EditRefused, OrderLine, PriceRefused, ProductEdit, MOST_BROADCAST_CHARS},
        buyers,
        catalogue::{self, Product, MOST_LIST_BYTES},
        config::MOST_PRICE,
        coupons::{self, AddRefused, Coupon, Discount},
        custom_texts::Key,
        texts, Shop,
    },
    state::AppState,
    telegram::texts::rupiah,
};

/// How many orders the page lists, and how many masked items it shows of a product.
const ORDERS_SHOWN: i64 = 30;
const ITEMS_SHOWN: i64 = 50;

/// The shop and the admin `staff` is, or the answer to a route that does not exist.
async fn admin<'a>(
    state: &'a AppState,
    staff: &Staff,
    conn: &mut Conn,
) -> Result<(&'a Shop, Admin), ApiError> {
    let shop = state.shop.as_ref().ok_or(ApiError::NoSuchRoute)?;
    let admin = Admin::of(conn, staff.user.telegram_id)
        .await?
        .ok_or(ApiError::NoSuchRoute)?;
    Ok((shop, admin))
}

#[derive(Serialize)]
pub struct ProductView {
    code: String,
    name: String,
    price: i64,
    description: String,
    snk: String,
    on_sale: bool,
    stock: i64,
    /// Down to the shop's `low_stock`, when owners are told.
    low_stock: bool,
}

impl ProductView {
    fn of(product: Product, shop: &Shop) -> Self {
        Self {
            low_stock: product.stock <= i64::from(shop.config.low_stock),
            code: product.code,
            name: product.name,
            price: product.price,
            description: product.description,
            snk: product.snk,
            on_sale: product.active,
            stock: product.stock,
        }
    }
}

#[derive(Serialize)]
pub struct OrderView {
    invoice: String,
    buyer_id: i64,
    deposit: bool,
    /// `pending`, `paid`, `expired`, `cancelled` or `credited`.
    state: String,
    total: i64,
    delivered: i64,
    refunded: Option<i64>,
    created_at: i64,
}

impl From<OrderLine> for OrderView {
    fn from(order: OrderLine) -> Self {
        Self {
            invoice: order.order_id,
            buyer_id: order.buyer_id,
            deposit: order.deposit,
            state: order.status,
            total: order.total,
            delivered: order.delivered,
            refunded: order.refunded,
            created_at: order.created_at,
        }
    }
}

#[derive(Serialize)]
pub struct CouponView {
    code: String,
    /// The console's and the audit's one line (English).
    describe: String,
    percent: Option<i64>,
    amount: Option<i64>,
    min_total: i64,
    max_uses: Option<i64>,
    expires_at: Option<i64>,
    uses: i64,
    active: bool,
}

impl CouponView {
    fn of(coupon: Coupon, uses: i64, shop: &Shop) -> Self {
        let (percent, amount) = match coupon.discount {
            Discount::Percent(percent) => (Some(percent), None),
            Discount::Amount(amount) => (None, Some(amount)),
        };
        Self {
            describe: coupon.describe(shop.utc_offset),
            code: coupon.code,
            percent,
            amount,
            min_total: coupon.min_total,
            max_uses: coupon.max_uses,
            expires_at: coupon.expires_at,
            uses,
            active: coupon.active,
        }
    }
}

#[derive(Serialize)]
pub struct TextView {
    key: &'static str,
    /// The admin's text; `None` while the built-in one is sent.
    body: Option<String>,
    placeholders: &'static [&'static str],
}

impl TextView {
    fn of(key: Key, body: Option<String>) -> Self {
        Self {
            key: key.name(),
            body,
            placeholders: key.placeholders(),
        }
    }
}

#[derive(Serialize)]
pub struct ShopPage {
    name: String,
    low_stock: u32,
    most_list_bytes: usize,
    most_broadcast_chars: usize,
    /// Buyers a broadcast goes to now.
    buyers: i64,
    products: Vec<ProductView>,
    orders: Vec<OrderView>,
    coupons: Vec<CouponView>,
    texts: Vec<TextView>,
}

/// `GET /api/shop`.
pub async fn page(State(state): State<AppState>, staff: Staff) -> Result<Json<ShopPage>, ApiError> {
    let mut conn = state.db.pool().acquire().await?;
    let (shop, admin) = admin(&state, &staff, &mut conn).await?;
    let products = admin.products(&mut conn).await?;
    let orders = admin.latest_orders(&mut conn, ORDERS_SHOWN).await?;
    let coupons = admin.coupons(&mut conn).await?;
    let texts = admin.texts(&mut conn).await?;
    Ok(Json(ShopPage {
        name: shop.config.name.clone(),
        low_stock: shop.config.low_stock,
        most_list_bytes: MOST_LIST_BYTES,
        most_broadcast_chars: MOST_BROADCAST_CHARS,
        buyers: buyers::broadcast_count(&mut conn).await?,
        products: products
            .into_iter()
            .map(|product| ProductView::of(product, shop))
            .collect(),
        orders: orders.into_iter().map(OrderView::from).collect(),
        coupons: coupons
            .into_iter()
            .map(|(coupon, uses)| CouponView::of(coupon, uses, shop))
            .collect(),
        texts: texts
            .into_iter()
            .map(|(key, body)| TextView::of(key, body))
            .collect(),
    }))
}

fn no_such_product(code: &str) -> ApiError {
    let code: String = code.chars().take(40).collect();
    ApiError::Unknown(Text::new(
        format!("Tidak ada produk dengan kode {code}."),
        format!("There is no product with code {code}."),
    ))
}

#[derive(Serialize)]
pub struct Stock {
    code: String,
    stock: i64,
    /// The oldest available items, masked: never an item itself.
    items: Vec<String>,
}

/// `GET /api/shop/products/{code}/stock`: the available items, masked.
pub async fn stock(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Json<Stock>, ApiError> {
    let mut conn = state.db.pool().acquire().await?;
    let (_, admin) = admin(&state, &staff, &mut conn).await?;
    let product = catalogue::find(&mut conn, &code)
        .await?
        .ok_or_else(|| no_such_product(&code))?;
    let items = admin
        .masked_items(&mut conn, &product.code, ITEMS_SHOWN)
        .await?;
    Ok(Json(Stock {
        code: product.code,
        stock: product.stock,
        items,
    }))
}

#[derive(Deserialize)]
struct NewStock {
    items: String,
}

#[derive(Serialize)]
pub struct StockAdded {
    added: usize,
    duplicates: usize,
    too_long: usize,
    stock: i64,
}

/// `POST /api/shop/products/{code}/stock` `{items}`: one item a line, pasted or read from a
/// text file in the page.
pub async fn add_stock(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<StockAdded>, ApiError> {
    let mut tx = state.db.begin().await?;
    let (_, admin) = admin(&state, &staff, &mut tx).await?;
    let request: NewStock = json_body(&headers, &body)?;
    if request.items.len() > MOST_LIST_BYTES {
        return Err(ApiError::BadRequest(Text::new(
            "Daftar item lebih dari 1 MB. Bagi menjadi beberapa berkas.",
            "The list of items is over 1 MB. Split it into several files.",
        )));
    }
    if request.items.trim().is_empty() {
        return Err(ApiError::BadRequest(Text::new(
            "Tulis atau pilih item dulu, satu item per baris.",
            "Write or pick the items first, one item a line.",
        )));
    }
    let (product, added) = admin
        .add_stock(&mut tx, &code, &request.items)
        .await?
        .ok_or_else(|| no_such_product(&code))?;
    // Refused lines are audited too, as the admin menu's are.
    tx.commit().await?;
    tracing::info!(by = staff.user.id, code = %product.code, added = added.added, duplicates = added.duplicates, "stock added");
    if added.added == 0 && added.too_long == 0 {
        return Err(ApiError::Conflict(Text::new(
            format!(
                "Semua {} item sudah ada di stok {}; tidak ada yang ditambahkan.",
                added.duplicates, product.code
            ),
            format!(
                "All {} items are in {}'s stock already; nothing was added.",
                added.duplicates, product.code
            ),
        )));
    }
    Ok(Json(StockAdded {
        added: added.added,
        duplicates: added.duplicates,
        too_long: added.too_long,
        stock: product.stock,
    }))
}

#[derive(Deserialize)]
struct ProductChange {
    price: Option<i64>,
    on_sale: Option<bool>,
    name: Option<String>,
    description: Option<String>,
    snk: Option<String>,
}

/// `PUT /api/shop/products/{code}` with any of `price`, `on_sale`, `name`, `description`,
/// `snk`: all of them or, refused, none.
pub async fn change_product(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<ProductView>, ApiError> {
    let mut tx = state.db.begin().await?;
    let (shop, admin) = admin(&state, &staff, &mut tx).await?;
    let change: ProductChange = json_body(&headers, &body)?;
    let edit = ProductEdit {
        name: change.name.as_deref(),
        description: change.description.as_deref(),
        snk: change.snk.as_deref(),
    };
    let mut product = admin
        .edit_product(&mut tx, &code, &edit)
        .await?
        .map_err(|refused| edit_refused(refused, &code))?;
    if let Some(price) = change.price {
        product = match admin.set_price(&mut tx, &product.code, price).await? {
            Ok(product) => product,
            Err(PriceRefused::NoProduct) => return Err(no_such_product(&code)),
            Err(PriceRefused::BadPrice) => {
                return Err(ApiError::InvalidField {
                    field: "price",
                    message: Text::new(
                        format!("Harga harus Rp1 sampai {}.", rupiah(MOST_PRICE)),
                        format!("A price must be Rp1 to {}.", rupiah(MOST_PRICE)),
                    ),
                })
            }
        };
    }
    if let Some(on) = change.on_sale {
        product = admin
            .set_on_sale(&mut tx, &product.code, on)
            .await?
            .ok_or_else(|| no_such_product(&code))?;
    }
    tx.commit().await?;
    tracing::info!(by = staff.user.id, code = %product.code, "product changed");
    Ok(Json(ProductView::of(product, shop)))
}

fn edit_refused(refused: EditRefused, code: &str) -> ApiError {
    let (field, message) = match refused {
        EditRefused::NoProduct => return no_such_product(code),
        EditRefused::Name(most) => (
            "name",
            Text::new(
                format!("Nama produk harus 1 sampai {most} karakter, satu baris."),
                format!("A product's name must be 1 to {most} characters on one line."),
            ),
        ),
        EditRefused::Description(most) => (
            "description",
            Text::new(
                format!("Deskripsi paling panjang {most} karakter."),
                format!("A description must be at most {most} characters."),
            ),
        ),
        EditRefused::Snk(most) => (
            "snk",
            Text::new(
                format!("S&K paling panjang {most} karakter."),
                format!("Terms must be at most {most} characters."),
            ),
        ),
    };
    ApiError::InvalidField { field, message }
}

#[derive(Deserialize)]
struct RefundRequest {
    invoice: String,
    amount: Option<i64>,
}

#[derive(Serialize)]
pub struct RefundDone {
    invoice: String,
    buyer_id: i64,
    amount: i64,
}

/// `POST /api/shop/refunds` `{invoice, amount?}`: to the buyer's balance, once per invoice.
pub async fn refund(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<RefundDone>, ApiError> {
    use crate::shop::admin::RefundRefused;
    let mut tx = state.db.begin().await?;
    let (_, admin) = admin(&state, &staff, &mut tx).await?;
    let request: RefundRequest = json_body(&headers, &body)?;
    let refunded = admin
        .refund(&mut tx, &request.invoice, request.amount)
        .await?
        .map_err(|refused| {
            let said = Text::of(|lang| texts::admin_refund_refused(refused, lang));
            match refused {
                RefundRefused::NoInvoice => ApiError::Unknown(said),
                RefundRefused::BadAmount { .. } => ApiError::InvalidField {
                    field: "amount",
                    message: said,
                },
                RefundRefused::NotPaid | RefundRefused::Already => ApiError::Conflict(said),
            }
        })?;
    tx.commit().await?;
    state.new_messages.notify_one();
    tracing::info!(by = staff.user.id, order_id = %refunded.order_id, amount = refunded.amount, "refunded");
    Ok(Json(RefundDone {
        invoice: refunded.order_id,
        buyer_id: refunded.buyer_id,
        amount: refunded.amount,
    }))
}

#[derive(Deserialize)]
struct NewCoupon {
    code: String,
    discount: String,
    min_total: Option<i64>,
    max_uses: Option<i64>,
    /// The last day it may be used, `YYYY-MM-DD` on the shop's clock.
    until: Option<String>,
}

/// `POST /api/shop/coupons` `{code, discount, min_total?, max_uses?, until?}`.
pub async fn add_coupon(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CouponView>, ApiError> {
    let mut tx = state.db.begin().await?;
    let (shop, admin) = admin(&state, &staff, &mut tx).await?;
    let request: NewCoupon = json_body(&headers, &body)?;
    let discount = Discount::parse(&request.discount).ok_or(ApiError::InvalidField {
        field: "discount",
        message: Text::new(
            "Potongan harus persen 1% sampai 100% atau jumlah Rupiah, misalnya 10% atau 5000.",
            "The discount must be a percent from 1% to 100% or an amount of Rupiah, such as \
             10% or 5000.",
        ),
    })?;
    let until = match request.until.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(day) => Some(coupons::parse_day(day).ok_or(ApiError::InvalidField {
            field: "until",
            message: Text::new(
                "Tanggal berakhir ditulis TTTT-BB-HH, misalnya 2026-12-31.",
                "The last day is written YYYY-MM-DD, such as 2026-12-31.",
            ),
        })?),
    };
    let coupon = Coupon {
        code: request.code,
        discount,
        min_total: request.min_total.unwrap_or(0),
        max_uses: request.max_uses,
        expires_at: until.map(|day| coupons::end_of(day, shop.utc_offset)),
        active: true,
    };
    let coupon = admin
        .add_coupon(&mut tx, coupon, shop.utc_offset)
        .await?
        .map_err(coupon_refused)?;
    tx.commit().await?;
    tracing::info!(by = staff.user.id, code = %coupon.code, "coupon added");
    Ok(Json(CouponView::of(coupon, 0, shop)))
}

fn coupon_refused(refused: AddRefused) -> ApiError {
    let message = Text::new(
        texts::coupon_not_made(&refused, Lang::Id),
        texts::coupon_not_made(&refused, Lang::En),
    );
    let field = match refused {
        AddRefused::BadCode(_) => "code",
        AddRefused::BadMinimum => "min_total",
        AddRefused::BadUses => "max_uses",
        AddRefused::Ended => "until",
        AddRefused::Exists(_) => return ApiError::Conflict(message),
    };
    ApiError::InvalidField { field, message }
}

#[derive(Deserialize)]
struct Broadcast {
    text: String,
}

#[derive(Serialize)]
pub struct BroadcastSent {
    /// How many buyers it goes to.
    sent: usize,
}

/// `POST /api/shop/broadcast` `{text}`: queued to every buyer who takes broadcasts.
pub async fn broadcast(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BroadcastSent>, ApiError> {
    let mut tx = state.db.begin().await?;
    let (_, admin) = admin(&state, &staff, &mut tx).await?;
    let request: Broadcast = json_body(&headers, &body)?;
    let sent = admin
        .broadcast(&mut tx, &request.text)
        .await?
        .ok_or_else(|| ApiError::InvalidField {
            field: "text",
            message: Text::new(
                format!("Tulis pesannya dulu, paling panjang {MOST_BROADCAST_CHARS} karakter."),
                format!("Write the message first, at most {MOST_BROADCAST_CHARS} characters."),
            ),
        })?;
    tx.commit().await?;
    state.new_messages.notify_one();
    tracing::info!(by = staff.user.id, sent, "broadcast queued");
    Ok(Json(BroadcastSent { sent }))
}

#[derive(Deserialize)]
struct TextChange {
    /// `null`, or `asal`, for the built-in text.
    body: Option<String>,
}

/// `PUT /api/shop/texts/{key}` `{body}`: the bot's text `key` rewritten, its placeholders
/// checked, or with `null` (or `asal`) back to the built-in one.
pub async fn set_text(
    State(state): State<AppState>,
    staff: Staff,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TextView>, ApiError> {
    let mut tx = state.db.begin().await?;
    let (_, admin) = admin(&state, &staff, &mut tx).await?;
    let key = Key::parse(&key).ok_or_else(|| {
        ApiError::Unknown(Text::new(
            "Teks bot itu tidak dikenal.",
            "The bot has no such text.",
        ))
    })?;
    let request: TextChange = json_body(&headers, &body)?;
    let body = match request.body.as_deref().map(str::trim) {
        None | Some("asal" | "default") => None,
        Some(_) => request.body.as_deref(),
    };
    admin
        .set_text(&mut tx, key, body)
        .await?
        .map_err(|refused| ApiError::InvalidField {
            field: "body",
            message: Text::of(|lang| {
                format!(
                    "{} {} {}: {}.",
                    lang.pick("Teks", "The text"),
                    key.name(),
                    lang.pick("tidak disimpan", "was not saved"),
                    texts::text_refusal(key, &refused, lang)
                )
            }),
        })?;
    tx.commit().await?;
    tracing::info!(by = staff.user.id, key = key.name(), "bot text changed");
    Ok(Json(TextView::of(key, body.map(str::to_owned))))
}
