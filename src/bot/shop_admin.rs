//! The shop's admin menu in a private chat: `/toko`, `/produk` (with ⏸/▶️ buttons),
//! `/stok KODE` (then one item a line to add them, or as the caption of a `.txt` file;
//! alone, the stock masked), `/harga KODE HARGA`, `/pesanan`, `/refund INV-… [JUMLAH]`,
//! `/broadcast PESAN`, `/teks [NAMA TEKS]`, `/kupon_baru KODE DISKON [min=…] [kuota=…]
//! [sampai=…]`. Who may is `shop::admin`'s to say; to anyone else these commands do not
//! exist, and they get what any unknown command gets.

use teloxide::types::{Document, Message, Update, UpdateKind};

use super::{BotContext, Command};
use crate::{
    db::{Conn, Db},
    shop::{
        admin::{Admin, PriceRefused},
        coupons::{self, parse_rupiah, Coupon, Discount},
        custom_texts::{self, Key},
        invoices::Buyer,
        stock_files::Fetched,
        texts, Shop,
    },
    telegram::{
        outbox::{self, Button, Outgoing},
        texts as bot_texts,
    },
};

/// The commands of the admin menu.
const COMMANDS: [&str; 9] = [
    "toko",
    "produk",
    "stok",
    "harga",
    "pesanan",
    "refund",
    "broadcast",
    "teks",
    "kupon_baru",
];

/// How many items `/stok KODE` shows, and how many orders `/pesanan`.
const SHOWN: i64 = 20;
const ORDERS_SHOWN: i64 = 10;

/// Answers admin command `command` with `arguments` in `asker`'s chat (where a buyer
/// would be answered); false, with nothing done, when it is not one or `asker` may not run
/// the shop.
pub async fn command(
    tx: &mut Conn,
    shop: &Shop,
    asker: Buyer,
    command: &str,
    arguments: &str,
) -> Result<bool, sqlx::Error> {
    if !COMMANDS.contains(&command) {
        return Ok(false);
    }
    let Some(admin) = Admin::of(tx, asker.telegram_id).await? else {
        return Ok(false);
    };
    let lang = asker.lang;
    let mut words = arguments.split_whitespace();
    match command {
        "toko" => say(tx, asker, texts::admin_menu(&shop.config.name, lang)).await?,
        "produk" => show_products(tx, &admin, asker, None).await?,
        "stok" => {
            let Some(code) = words.next() else {
                say(tx, asker, texts::admin_menu(&shop.config.name, lang)).await?;
                return Ok(true);
            };
            let items = arguments
                .trim_start()
                .strip_prefix(code)
                .unwrap_or_default();
            let html = if items.trim().is_empty() {
                match crate::shop::catalogue::find(tx, code).await? {
                    Some(product) => {
                        let masked = admin.masked_items(tx, &product.code, SHOWN).await?;
                        texts::admin_stock(&product, &masked, lang)
                    }
                    None => texts::no_such_product(code, lang),
                }
            } else {
                match admin.add_stock(tx, code, items).await? {
                    Some((product, added)) => texts::admin_stock_added(&product, &added, lang),
                    None => texts::no_such_product(code, lang),
                }
            };
            say(tx, asker, html).await?;
        }
        "harga" => {
            let html = match (
                words.next(),
                words.next().and_then(parse_rupiah),
                words.next(),
            ) {
                (Some(code), Some(price), None) => match admin.set_price(tx, code, price).await? {
                    Ok(product) => texts::admin_price_set(&product, lang),
                    Err(PriceRefused::NoProduct) => texts::no_such_product(code, lang),
                    Err(PriceRefused::BadPrice) => texts::admin_harga_usage(lang),
                },
                _ => texts::admin_harga_usage(lang),
            };
            say(tx, asker, html).await?;
        }
        "kupon_baru" => {
            let offset = shop.utc_offset;
            let html = match new_coupon(arguments, offset) {
                Some(coupon) => match admin.add_coupon(tx, coupon, offset).await? {
                    Ok(coupon) => texts::admin_coupon_added(&coupon, offset, lang),
                    Err(refused) => texts::coupon_not_made(&refused, lang),
                },
                None => texts::admin_coupon_usage(&admin.coupons(tx).await?, offset, lang),
            };
            say(tx, asker, html).await?;
        }
        "broadcast" => {
            let html = match admin.broadcast(tx, arguments).await? {
                Some(count) => texts::admin_broadcast_sent(count, lang),
                None => texts::admin_broadcast_usage(lang),
            };
            say(tx, asker, html).await?;
        }
        "teks" => {
            let key = words.next().and_then(Key::parse);
            let html = match key {
                None => {
                    let mut saved = Vec::new();
                    for key in Key::ALL {
                        saved.push((key, custom_texts::saved(tx, key).await?));
                    }
                    texts::admin_texts(&saved, lang)
                }
                Some(key) => {
                    let body = arguments
                        .trim_start()
                        .split_once(char::is_whitespace)
                        .map_or("", |(_, body)| body.trim());
                    let body = match body {
                        "asal" | "default" => None,
                        body => Some(body),
                    };
                    match admin.set_text(tx, key, body).await? {
                        Ok(()) => texts::admin_text_saved(key, body.is_some(), lang),
                        Err(refused) => texts::admin_text_refused(key, &refused, lang),
                    }
                }
            };
            say(tx, asker, html).await?;
        }
        "pesanan" => {
            let orders = admin.latest_orders(tx, ORDERS_SHOWN).await?;
            say(
                tx,
                asker,
                texts::admin_orders(&orders, shop.utc_offset, lang),
            )
            .await?;
        }
        _ => {
            let html = match (words.next(), words.next(), words.next()) {
                (Some(order_id), amount, None) => {
                    let amount = match amount.map(parse_rupiah) {
                        Some(None) => {
                            say(tx, asker, texts::admin_refund_usage(lang)).await?;
                            return Ok(true);
                        }
                        Some(amount) => amount,
                        None => None,
                    };
                    match admin.refund(tx, order_id, amount).await? {
                        Ok(refunded) => texts::admin_refunded(&refunded, lang),
                        Err(refused) => texts::admin_refund_refused(refused, lang),
                    }
                }
                _ => texts::admin_refund_usage(lang),
            };
            say(tx, asker, html).await?;
        }
    }
    Ok(true)
}

/// Every product with its stock, price and state, a ⏸/▶️ button each; as a new message or
/// by editing message `edit`.
async fn show_products(
    tx: &mut Conn,
    admin: &Admin,
    asker: Buyer,
    edit: Option<i32>,
) -> Result<(), sqlx::Error> {
    let products = admin.products(tx).await?;
    let keyboard = products
        .iter()
        .map(|product| {
            let (label, action) = if product.active {
                ("⏸", "off")
            } else {
                ("▶️", "on")
            };
            vec![Button::callback(
                format!("{label} {}", product.name),
                format!("shop:m:{action}:{}", product.code),
            )]
        })
        .collect();
    let html = texts::admin_products(&products, asker.lang);
    let message = Outgoing::with_buttons_or_edit(asker.chat_id, edit, html, keyboard);
    outbox::enqueue(tx, &message).await
}

/// Whether `data` is an admin button's (`shop:m:…`).
pub fn is_admin_button(data: &str) -> bool {
    data.starts_with("shop:m:")
}

/// An admin button pressed on message `on`: a product switched on or off, the list edited
/// to show it. To anyone who may not run the shop it is a button that no longer works.
pub async fn pressed(
    tx: &mut Conn,
    asker: Buyer,
    data: &str,
    on: Option<i32>,
) -> Result<String, sqlx::Error> {
    let lang = asker.lang;
    let Some(admin) = Admin::of(tx, asker.telegram_id).await? else {
        return Ok(bot_texts::unknown_button(lang));
    };
    let parts: Vec<&str> = data.split(':').collect();
    let (sale, code) = match parts.as_slice() {
        ["shop", "m", "on", code] => (true, *code),
        ["shop", "m", "off", code] => (false, *code),
        _ => return Ok(bot_texts::unknown_button(lang)),
    };
    match admin.set_on_sale(tx, code, sale).await? {
        Some(product) => {
            show_products(tx, &admin, asker, on).await?;
            Ok(texts::admin_product_switched(&product, lang))
        }
        None => Ok(bot_texts::unknown_button(lang)),
    }
}

async fn say(tx: &mut Conn, asker: Buyer, html: String) -> Result<(), sqlx::Error> {
    outbox::enqueue(tx, &Outgoing::message(asker.chat_id, html)).await
}

/// The stock file `message` carries: in a private chat with the shop on, a document
/// captioned `/stok KODE`; its code and the document.
fn stock_file<'m>(bot: &BotContext, message: &'m Message) -> Option<(String, &'m Document)> {
    bot.shop.as_ref()?;
    if !message.chat.is_private() {
        return None;
    }
    let document = message.document()?;
    let caption = message.caption()?;
    let command = Command::parse(caption, &bot.me.username)?;
    if command.name != "stok" {
        return None;
    }
    let mut words = command.arguments.split_whitespace();
    let code = words.next()?.to_owned();
    words.next().is_none().then_some((code, document))
}

fn private_message(update: &Update) -> Option<&Message> {
    match &update.kind {
        UpdateKind::Message(message) => Some(message),
        _ => None,
    }
}

/// True for a stock file: it is fetched before the transaction ([`ask_telegram`]).
pub(super) fn asks_telegram(bot: &BotContext, update: &Update) -> bool {
    private_message(update).is_some_and(|message| stock_file(bot, message).is_some())
}

/// Before a batch's transaction: fetches the stock files among `updates` whose senders
/// run the shop.
pub(super) async fn ask_telegram<'u>(
    db: &Db,
    bot: &BotContext,
    updates: impl Iterator<Item = &'u Update>,
) {
    let Some(shop) = &bot.shop else {
        return;
    };
    for message in updates.filter_map(private_message) {
        let (Some((_, document)), Some(from)) = (stock_file(bot, message), &message.from) else {
            continue;
        };
        let sender = i64::try_from(from.id.0).unwrap_or(i64::MAX);
        shop.stock_files
            .fetch(db, &bot.telegram, sender, document)
            .await;
    }
}

/// Adds the stock file `message` carries, if it is one and `asker` runs the shop; false,
/// with nothing done, otherwise.
pub async fn stock_file_sent(
    tx: &mut Conn,
    bot: &BotContext,
    asker: Buyer,
    message: &Message,
) -> Result<bool, sqlx::Error> {
    let (Some(shop), Some((code, document))) = (&bot.shop, stock_file(bot, message)) else {
        return Ok(false);
    };
    let Some(admin) = Admin::of(tx, asker.telegram_id).await? else {
        return Ok(false);
    };
    let html = match shop.stock_files.take(document) {
        Some(Fetched::Text(items)) => match admin.add_stock(tx, &code, &items).await? {
            Some((product, added)) => texts::admin_stock_added(&product, &added, asker.lang),
            None => texts::no_such_product(&code, asker.lang),
        },
        fetched => texts::admin_stock_file_refused(fetched, asker.lang),
    };
    say(tx, asker, html).await?;
    Ok(true)
}

/// The coupon `/kupon_baru KODE DISKON [min=JUMLAH] [kuota=N] [sampai=YYYY-MM-DD]` asks for;
/// `None` when it is not written so. What the values may be is `coupons::add_as`'s to say.
fn new_coupon(arguments: &str, offset: time::UtcOffset) -> Option<Coupon> {
    let mut words = arguments.split_whitespace();
    let code = words.next()?.to_owned();
    let discount = Discount::parse(words.next()?)?;
    let mut coupon = Coupon {
        code,
        discount,
        min_total: 0,
        max_uses: None,
        expires_at: None,
        active: true,
    };
    for word in words {
        let (name, value) = word.split_once('=')?;
        match name.to_ascii_lowercase().as_str() {
            "min" => coupon.min_total = parse_rupiah(value)?,
            "kuota" => coupon.max_uses = Some(value.parse().ok()?),
            "sampai" => {
                coupon.expires_at = Some(coupons::end_of(coupons::parse_day(value)?, offset))
            }
            _ => return None,
        }
    }
    Some(coupon)
}
