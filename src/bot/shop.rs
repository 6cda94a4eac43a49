//! The buyer's side of the shop in a private chat: `/start`'s one welcome with the menu
//! keyboard, the product list and a product's detail with its quantity, the cart and its
//! coupon (`/kupon KODE`), `/beli KODE [JUMLAH] [KUPON]`, the balance and its top-up
//! (`/deposit JUMLAH`), and an invoice's Cek status / Batal buttons. What a step does to stock and
//! invoices is `shop`'s; this reads the chat and says the outcome. The gateway worker is
//! woken once the batch commits ([`super::BotContext::committed`]).

use crate::{
    db::{now_ms, Conn},
    lang::Lang,
    shop::{
        balance, buyers, cart, catalogue,
        config::MOST_QUANTITY,
        coupons::{self, parse_rupiah},
        custom_texts,
        invoices::{self, Buyer, Call, FromBalance, Status},
        proofs,
        texts::{self, Closed},
        Shop,
    },
    telegram::{
        outbox::{self, Answers, Button, Outgoing},
        texts as bot_texts,
    },
};

/// A choice of the buyer's menu keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuChoice {
    Products,
    Cart,
    Balance,
    Help,
}

impl MenuChoice {
    /// The choice a message's text is, in either language.
    pub fn of(text: &str) -> Option<Self> {
        let text = text.trim();
        [
            (texts::PRODUCTS_ID, texts::PRODUCTS_EN, MenuChoice::Products),
            (texts::CART_ID, texts::CART_EN, MenuChoice::Cart),
            (texts::BALANCE_ID, texts::BALANCE_EN, MenuChoice::Balance),
            (texts::HELP_ID, texts::HELP_EN, MenuChoice::Help),
        ]
        .into_iter()
        .find(|(id, en, _)| text == *id || text == *en)
        .map(|(.., choice)| choice)
    }
}

/// `/start`: one welcome message with the menu keyboard, and nothing else.
pub async fn welcome(
    tx: &mut Conn,
    shop: &Shop,
    chat_id: i64,
    first_name: &str,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    // A private chat's id is its person's.
    buyers::met(tx, chat_id, chat_id).await?;
    let welcome = Outgoing::with_answers(
        chat_id,
        custom_texts::welcome(tx, &shop.config, first_name, lang).await?,
        Answers::Offer(texts::menu(lang)),
    );
    outbox::enqueue(tx, &welcome).await
}

/// Answers a menu choice.
pub async fn menu(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    choice: MenuChoice,
) -> Result<(), sqlx::Error> {
    let lang = buyer.lang;
    let message = match choice {
        MenuChoice::Products => {
            let products = catalogue::on_sale(tx).await?;
            let buttons = products
                .iter()
                .map(|product| {
                    vec![Button::callback(
                        format!("{} · {}", product.name, bot_texts::rupiah(product.price)),
                        format!("shop:p:{}", product.code),
                    )]
                })
                .collect();
            Outgoing::with_buttons(
                buyer.chat_id,
                texts::product_list(&products, now_ms(), shop.utc_offset, lang),
                buttons,
            )
        }
        MenuChoice::Cart => return show_cart(tx, shop, buyer, None).await,
        MenuChoice::Balance => Outgoing::with_buttons(
            buyer.chat_id,
            texts::balance(balance::of(tx, buyer.telegram_id).await?, lang),
            vec![texts::DEPOSIT_CHOICES
                .iter()
                .map(|amount| {
                    Button::callback(bot_texts::rupiah(*amount), format!("shop:d:{amount}"))
                })
                .collect()],
        ),
        MenuChoice::Help => Outgoing::message(
            buyer.chat_id,
            custom_texts::help(tx, &shop.config, lang).await?,
        ),
    };
    outbox::enqueue(tx, &message).await
}

/// A shop command typed by `buyer`: `/beli KODE [JUMLAH] [KUPON]`, `/kupon KODE` (or
/// `/kupon hapus`), `/deposit JUMLAH`, `/langganan` (broadcasts again).
pub async fn command(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    command: &str,
    arguments: &str,
) -> Result<(), sqlx::Error> {
    let lang = buyer.lang;
    let words: Vec<&str> = arguments.split_whitespace().collect();
    match (command, words.as_slice()) {
        ("beli", [code, rest @ ..]) if rest.len() <= 2 => {
            let Some(quantity) = rest.first().map_or(Some(1), |q| q.parse::<i64>().ok()) else {
                return say(tx, buyer.chat_id, texts::bad_quantity(MOST_QUANTITY, lang)).await;
            };
            let wanted = [((*code).to_owned(), quantity)];
            checkout(tx, shop, buyer, &wanted, rest.get(1).copied()).await
        }
        ("beli", _) => say(tx, buyer.chat_id, texts::beli_usage(lang)).await,
        ("kupon", ["hapus" | "remove" | "-"]) => {
            cart::set_coupon(tx, buyer.telegram_id, None).await?;
            show_cart(tx, shop, buyer, None).await
        }
        ("kupon", [code]) => {
            let code = coupons::find(tx, code)
                .await?
                .map_or_else(|| code.chars().take(32).collect(), |coupon| coupon.code);
            cart::set_coupon(tx, buyer.telegram_id, Some(&code)).await?;
            show_cart(tx, shop, buyer, None).await
        }
        ("kupon", _) => say(tx, buyer.chat_id, texts::kupon_usage(lang)).await,
        ("langganan", _) => {
            buyers::met(tx, buyer.telegram_id, buyer.chat_id).await?;
            buyers::take_broadcasts(tx, buyer.telegram_id, true).await?;
            say(tx, buyer.chat_id, texts::broadcasts_taken(true, lang)).await
        }
        // `50000`, `50.000`, `Rp50.000` or `Rp 50.000`.
        ("deposit", [_, ..]) => match parse_rupiah(&words.concat()) {
            Some(amount) => deposit(tx, shop, buyer, amount).await,
            None => say(tx, buyer.chat_id, texts::deposit_usage(lang)).await,
        },
        _ => say(tx, buyer.chat_id, texts::deposit_usage(lang)).await,
    }
}

/// Checks out `wanted` with `coupon`; a refusal said in words.
async fn checkout(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    wanted: &[(String, i64)],
    coupon: Option<&str>,
) -> Result<(), sqlx::Error> {
    if let Err(refused) = invoices::checkout(tx, shop, buyer, wanted, coupon).await? {
        say(tx, buyer.chat_id, refused.say(buyer.lang)).await?;
    }
    Ok(())
}

async fn deposit(tx: &mut Conn, shop: &Shop, buyer: Buyer, amount: i64) -> Result<(), sqlx::Error> {
    if let Err(refused) = invoices::deposit(tx, shop, buyer, amount).await? {
        say(tx, buyer.chat_id, refused.say(buyer.lang)).await?;
    }
    Ok(())
}

/// The cart with its buttons (✅ Bayar, 🗑 Kosongkan, ✖️ a product), as a new message or
/// by editing message `edit`.
async fn show_cart(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    edit: Option<i32>,
) -> Result<(), sqlx::Error> {
    let lines = cart::lines(tx, buyer.telegram_id).await?;
    let typed = cart::coupon(tx, buyer.telegram_id).await?;
    let subtotal = lines.iter().map(|l| l.product.price * l.quantity).sum();
    let coupon = match &typed {
        Some(code) => {
            let off = coupons::take(tx, code, subtotal).await?.map(|(_, off)| off);
            Some((code.as_str(), off))
        }
        None => None,
    };
    let html = texts::cart(
        &lines,
        coupon,
        |total| shop.config.fee.on(total),
        buyer.lang,
    );
    let mut keyboard = Vec::new();
    if !lines.is_empty() {
        keyboard.push(vec![
            Button::callback(texts::checkout_button(buyer.lang), "shop:k"),
            Button::callback(texts::empty_cart_button(buyer.lang), "shop:e"),
        ]);
        for line in &lines {
            keyboard.push(vec![Button::callback(
                format!("✖️ {}", line.product.name),
                format!("shop:r:{}", line.product.code),
            )]);
        }
    }
    let message = Outgoing::with_buttons_or_edit(buyer.chat_id, edit, html, keyboard);
    outbox::enqueue(tx, &message).await
}

async fn say(tx: &mut Conn, chat_id: i64, html: String) -> Result<(), sqlx::Error> {
    outbox::enqueue(tx, &Outgoing::message(chat_id, html)).await
}

/// Whether `data` is a shop button's (`shop:…`).
pub fn is_shop_button(data: &str) -> bool {
    data.starts_with("shop:")
}

/// A shop button pressed by `buyer` on message `on` (its id, when Telegram says); what to
/// tell them (plain text). Another buyer's invoice is answered as a button that no longer
/// works, as if it did not exist.
pub async fn pressed(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    data: &str,
    on: Option<i32>,
) -> Result<String, sqlx::Error> {
    let lang = buyer.lang;
    let parts: Vec<&str> = data.split(':').collect();
    match parts.as_slice() {
        ["shop", "p", code] => {
            show_product(tx, shop, buyer, code, 1, None).await?;
            Ok(String::new())
        }
        ["shop", "q", code, quantity] => {
            let quantity = quantity.parse::<i64>().unwrap_or(1).clamp(1, MOST_QUANTITY);
            show_product(tx, shop, buyer, code, quantity, on).await?;
            Ok(String::new())
        }
        ["shop", "b", code, quantity] => {
            let quantity = quantity.parse::<i64>().unwrap_or(0);
            checkout(tx, shop, buyer, &[((*code).to_owned(), quantity)], None).await?;
            Ok(String::new())
        }
        ["shop", "a", code, quantity] => {
            let quantity = quantity.parse::<i64>().unwrap_or(0);
            Ok(
                match cart::add(tx, buyer.telegram_id, code, quantity).await? {
                    Ok((product, held)) => texts::added_to_cart(&product, held, lang),
                    Err(refused) => texts::cart_refused(refused, lang),
                },
            )
        }
        ["shop", "k"] => {
            let lines = cart::lines(tx, buyer.telegram_id).await?;
            let wanted: Vec<(String, i64)> = lines
                .iter()
                .map(|line| (line.product.code.clone(), line.quantity))
                .collect();
            let coupon = cart::coupon(tx, buyer.telegram_id).await?;
            match invoices::checkout(tx, shop, buyer, &wanted, coupon.as_deref()).await? {
                Ok(_) => {
                    cart::clear(tx, buyer.telegram_id).await?;
                    Ok(String::new())
                }
                // Said in the chat, where it stays: a button's answer goes in seconds.
                Err(refused) => {
                    say(tx, buyer.chat_id, refused.say(lang)).await?;
                    Ok(String::new())
                }
            }
        }
        ["shop", "e"] => {
            cart::clear(tx, buyer.telegram_id).await?;
            show_cart(tx, shop, buyer, on).await?;
            Ok(String::new())
        }
        ["shop", "r", code] => {
            cart::remove(tx, buyer.telegram_id, code).await?;
            show_cart(tx, shop, buyer, on).await?;
            Ok(String::new())
        }
        ["shop", "v", order_id] => Ok(match proofs::ask(tx, buyer, order_id).await? {
            Some(order_id) => {
                say(tx, buyer.chat_id, texts::proof_asked(&order_id, lang)).await?;
                String::new()
            }
            None => bot_texts::unknown_button(lang),
        }),
        ["shop", "o"] => {
            buyers::take_broadcasts(tx, buyer.telegram_id, false).await?;
            Ok(texts::broadcasts_taken(false, lang))
        }
        ["shop", "d", amount] => {
            deposit(tx, shop, buyer, amount.parse().unwrap_or(0)).await?;
            Ok(String::new())
        }
        ["shop", "s", id] => {
            let id = id.parse::<i64>().unwrap_or(0);
            Ok(
                match invoices::pay_from_balance(tx, shop, buyer.telegram_id, id).await? {
                    FromBalance::Paid { total, left } => {
                        texts::paid_from_balance(total, left, lang)
                    }
                    FromBalance::TooLittle { balance } => texts::balance_too_low(balance, lang),
                    FromBalance::NotOpen => texts::not_open(lang),
                },
            )
        }
        ["shop", action @ ("c" | "x"), id] => {
            let invoice = match id.parse::<i64>() {
                Ok(id) => invoices::find(tx, id).await?,
                Err(_) => None,
            };
            let Some(invoice) = invoice.filter(|invoice| invoice.buyer_id == buyer.telegram_id)
            else {
                return Ok(bot_texts::unknown_button(lang));
            };
            if invoice.status != Status::Pending {
                return Ok(texts::not_open(lang));
            }
            if *action == "x" {
                invoices::close(tx, invoice.id, Closed::Cancelled).await?;
                return Ok(texts::cancel_button(lang));
            }
            invoices::ask_call(tx, invoice.id, Call::Ask).await?;
            Ok(texts::checking(lang))
        }
        _ => Ok(bot_texts::unknown_button(lang)),
    }
}

/// A product's detail at `quantity`, as a new message or by editing message `edit`.
async fn show_product(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    code: &str,
    quantity: i64,
    edit: Option<i32>,
) -> Result<(), sqlx::Error> {
    let Some(product) = catalogue::find(tx, code).await?.filter(|p| p.active) else {
        return say(tx, buyer.chat_id, texts::no_such_product(code, buyer.lang)).await;
    };
    let quantity = quantity.min(product.stock.max(1));
    let html = texts::product_detail(
        &product,
        quantity,
        shop.config.fee.on(product.price * quantity),
        now_ms(),
        shop.utc_offset,
        buyer.lang,
    );
    let code = &product.code;
    let mut keyboard = vec![vec![
        Button::callback("➖", format!("shop:q:{code}:{}", (quantity - 1).max(1))),
        Button::callback(quantity.to_string(), format!("shop:q:{code}:{quantity}")),
        Button::callback("➕", format!("shop:q:{code}:{}", quantity + 1)),
    ]];
    if product.stock > 0 {
        keyboard.push(vec![
            Button::callback(
                texts::buy_button(quantity, buyer.lang),
                format!("shop:b:{code}:{quantity}"),
            ),
            Button::callback(
                texts::add_to_cart_button(quantity, buyer.lang),
                format!("shop:a:{code}:{quantity}"),
            ),
        ]);
    }
    let message = Outgoing::with_buttons_or_edit(buyer.chat_id, edit, html, keyboard);
    outbox::enqueue(tx, &message).await
}
