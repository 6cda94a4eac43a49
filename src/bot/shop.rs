//! The buyer's side of the shop in a private chat: `/start`'s one welcome with the menu
//! keyboard, the product list and a product's detail with its quantity, `/beli KODE
//! [JUMLAH]`, and an invoice's Cek status / Batal buttons. What a step does to stock and
//! invoices is `shop`'s; this reads the chat and says the outcome. The gateway worker is
//! woken once the batch commits ([`super::BotContext::committed`]).

use crate::{
    db::{now_ms, Conn},
    lang::Lang,
    shop::{
        balance, catalogue,
        config::MOST_QUANTITY,
        invoices::{self, Buyer, Call, FromBalance, Status},
        texts::{self, Closed},
        Shop,
    },
    telegram::{
        outbox::{self, Answers, Button, MessageRef, Outgoing},
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
    let welcome = Outgoing::with_answers(
        chat_id,
        texts::welcome(&shop.config, first_name, lang),
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
        MenuChoice::Cart => Outgoing::message(buyer.chat_id, texts::cart(lang)),
        MenuChoice::Balance => Outgoing::message(
            buyer.chat_id,
            texts::balance(balance::of(tx, buyer.telegram_id).await?, lang),
        ),
        MenuChoice::Help => Outgoing::message(buyer.chat_id, texts::help(&shop.config, lang)),
    };
    outbox::enqueue(tx, &message).await
}

/// `/beli KODE [JUMLAH]`.
pub async fn beli(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    arguments: &str,
) -> Result<(), sqlx::Error> {
    let mut words = arguments.split_whitespace();
    let (Some(code), quantity, None) = (words.next(), words.next(), words.next()) else {
        return say(tx, buyer.chat_id, texts::beli_usage(buyer.lang)).await;
    };
    let Some(quantity) = quantity.map_or(Some(1), |q| q.parse::<i64>().ok()) else {
        return say(
            tx,
            buyer.chat_id,
            texts::bad_quantity(MOST_QUANTITY, buyer.lang),
        )
        .await;
    };
    checkout(tx, shop, buyer, code, quantity).await
}

async fn checkout(
    tx: &mut Conn,
    shop: &Shop,
    buyer: Buyer,
    code: &str,
    quantity: i64,
) -> Result<(), sqlx::Error> {
    match invoices::checkout(tx, shop, buyer, code, quantity).await? {
        Ok(_) => Ok(()),
        Err(refused) => say(tx, buyer.chat_id, refused.say(code, buyer.lang)).await,
    }
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
            checkout(tx, shop, buyer, code, quantity).await?;
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
        keyboard.push(vec![Button::callback(
            texts::buy_button(quantity, buyer.lang),
            format!("shop:b:{code}:{quantity}"),
        )]);
    }
    let message = match edit {
        Some(message_id) => Outgoing::EditMessage {
            chat_id: buyer.chat_id,
            message: MessageRef::Telegram(message_id),
            html,
            keyboard,
        },
        None => Outgoing::with_buttons(buyer.chat_id, html, keyboard),
    };
    outbox::enqueue(tx, &message).await
}
