//! Groups: `/moban` becomes an order (written as a message, or as the caption of a photo
//! or of an image sent as a file, which the ticket then shows), `/cek` tells where one of
//! the group's tickets stands ([`super::cek`]), `/daftar` points to the private chat, and
//! nothing else gets an answer. Titles, migrations to a supergroup, people joining or
//! leaving and who posts ([`poster`]) are noted on the way, for the board and for who may
//! see a group's tickets.

use teloxide::types::{ChatMemberUpdated, Message, MessageKind, PhotoSize};

use super::{cek, BotContext, Command};
use crate::{
    db::Conn,
    groups,
    orders::{self, card, moban, photos::PhotoFile, NewOrder, OpenTicket, OrderMessage, Stored},
    telegram::{
        outbox::{self, Button, Outgoing},
        texts,
    },
};

/// What a group message asks of the bot, decided without the database.
pub enum GroupRequest {
    /// A well-formed `/moban`: an order to store, then Feedback 1.
    Order(NewOrder),
    /// A fixed answer: the `/moban` format, or the way to the private chat.
    Answer(Outgoing),
    /// A `/cek` of what follows it: the group's ticket, looked up in the transaction.
    Check(String),
    Ignore,
}

pub fn read_message(bot: &BotContext, message: &Message) -> GroupRequest {
    // Other bots and forwarded copies never create orders: a forwarded /moban is an
    // order that was already caught where it was first posted.
    let from_bot = message.from.as_ref().is_some_and(|u| u.is_bot);
    if from_bot || message.forward_origin().is_some() {
        return GroupRequest::Ignore;
    }
    // A caption is read as a message's text is (Telegram marks the command in
    // `caption_entities` as it does in `entities`), on an image only.
    let (text, photo) = match (message.text(), message.caption()) {
        (Some(text), _) => (text, None),
        (None, Some(caption)) => match attached_image(message) {
            Some(photo) => (caption, Some(photo)),
            None => return GroupRequest::Ignore,
        },
        (None, None) => return GroupRequest::Ignore,
    };
    let Some(command) = Command::parse(text, &bot.me.username) else {
        return GroupRequest::Ignore;
    };
    let chat_id = message.chat.id.0;
    let thread = topic_of(message);
    let answer = |reply: Outgoing| GroupRequest::Answer(reply.in_thread(thread));
    match command.name.as_str() {
        "moban" => match moban::parse(command.arguments, text.chars().count()) {
            Ok(request) => GroupRequest::Order(NewOrder {
                request,
                chat_id,
                message_id: message.id.0,
                thread_id: thread,
                chat_title: message.chat.title().unwrap_or_default().to_owned(),
                requester_id: message.from.as_ref().map(|u| u.id.0 as i64),
                requester_name: requester_name(message),
                photo,
            }),
            Err(problem) => answer(Outgoing::reply(
                chat_id,
                message.id.0,
                texts::moban_invalid(&problem.to_string()),
            )),
        },
        "daftar" => answer(
            Outgoing::reply(chat_id, message.id.0, texts::daftar_in_group()).with_keyboard(vec![
                vec![Button::link(
                    texts::OPEN_PRIVATE_CHAT,
                    format!("https://t.me/{}?start=daftar", bot.me.username),
                )],
            ]),
        ),
        "cek" => GroupRequest::Check(command.arguments.to_owned()),
        "bahasa" => answer(Outgoing::reply(
            chat_id,
            message.id.0,
            texts::language_in_group(),
        )),
        _ => GroupRequest::Ignore,
    }
}

/// The forum topic a message was posted in; none in the General topic (whose messages
/// Telegram does not mark as topic messages) or in a group without topics, where
/// `message_thread_id` names a reply thread instead.
pub(super) fn topic_of(message: &Message) -> Option<i32> {
    message
        .thread_id
        .filter(|_| message.is_topic_message)
        .map(|thread| thread.0 .0)
}

pub async fn handle_message(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
) -> Result<(), sqlx::Error> {
    note_group_changes(bot, tx, message).await?;
    match read_message(bot, message) {
        GroupRequest::Order(order) => store_orders(bot, tx, std::slice::from_ref(&order)).await?,
        GroupRequest::Answer(reply) => outbox::enqueue(tx, &reply).await?,
        GroupRequest::Check(asked) => cek::in_group(bot, tx, message, &asked).await?,
        GroupRequest::Ignore => {}
    }
    Ok(())
}

/// Who wrote `message` in its group, as `(chat id, Telegram id)`, when that says they are
/// a member ([`groups::saw_posts`]): a person, not a bot nor someone writing as a chat,
/// posting an ordinary message. A service message says nothing of its sender (the one
/// announcing a leave comes from whoever left); joins and leaves are noted on their own
/// ([`note_group_changes`]).
pub fn poster(message: &Message) -> Option<(i64, i64)> {
    let from = message.from.as_ref().filter(|user| !user.is_bot)?;
    let ordinary = matches!(message.kind, MessageKind::Common(_));
    (ordinary && message.sender_chat.is_none()).then_some((message.chat.id.0, from.id.0 as i64))
}

/// Whether `message` tells of people joining or leaving.
pub fn changes_membership(message: &Message) -> bool {
    message
        .new_chat_members()
        .is_some_and(|joined| !joined.is_empty())
        || message.left_chat_member().is_some()
}

/// Service messages: a new title, a move to a supergroup, people joining or leaving.
async fn note_group_changes(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
) -> Result<(), sqlx::Error> {
    let chat_id = message.chat.id.0;
    let title = message.chat.title().unwrap_or_default().to_owned();
    if let Some(new_title) = message.new_chat_title() {
        groups::remember(tx, &[(chat_id, new_title.to_owned())]).await?;
    }
    if let Some(to) = message.migrate_to_chat_id() {
        groups::remember(tx, &[(chat_id, title.clone()), (to.0, title.clone())]).await?;
        groups::migrated(tx, chat_id, to.0).await?;
    }
    let joined = message.new_chat_members().unwrap_or_default();
    if !joined.is_empty() || message.left_chat_member().is_some() {
        // Membership is recorded against a known group.
        groups::remember(tx, &[(chat_id, title)]).await?;
    }
    for joined in joined {
        groups::saw_membership(tx, chat_id, joined.id.0 as i64, true).await?;
    }
    if let Some(left) = message.left_chat_member() {
        groups::saw_membership(tx, chat_id, left.id.0 as i64, false).await?;
        bot.recent_posters.forget(chat_id, left.id.0 as i64);
    }
    Ok(())
}

/// The image a message carries: the largest size of a photo, or a file sent as a document
/// whose type is an image.
fn attached_image(message: &Message) -> Option<PhotoFile> {
    let file = match (message.photo(), message.document()) {
        (Some(sizes), _) => {
            let area = |size: &&PhotoSize| u64::from(size.width) * u64::from(size.height);
            &sizes.iter().max_by_key(area)?.file
        }
        (None, Some(document)) => {
            let mime = document.mime_type.as_ref()?;
            if mime.type_() != "image" {
                return None;
            }
            &document.file
        }
        (None, None) => return None,
    };
    Some(PhotoFile {
        file_id: file.id.0.clone(),
        file_unique_id: file.unique_id.0.clone(),
    })
}

/// Stores `orders` and queues Feedback 1 for each new one, with a few statements for the
/// lot. An order whose message was caught before was answered then and gets nothing; one
/// whose Order_ID has an open ticket in its group (under `link`) is pointed to it.
pub async fn store_orders(
    bot: &BotContext,
    tx: &mut Conn,
    orders: &[NewOrder],
) -> Result<(), sqlx::Error> {
    let stored = orders::create_many(tx, orders, &bot.steps.sla, bot.duplicates).await?;
    // Tagged with the ticket, for its timeline and its card's edits.
    let replies: Vec<(Outgoing, String)> = orders
        .iter()
        .zip(stored)
        .filter_map(|(order, stored)| match stored {
            Stored::Created(created) => {
                let (html, keyboard) = card::new_card(
                    &bot.steps.group,
                    created.no,
                    created.ticket.as_str(),
                    &order.request.order_id,
                    &order.request.transaksi,
                );
                let card = Outgoing::reply(order.chat_id, order.message_id, html);
                Some((
                    card.with_keyboard(keyboard).in_thread(order.thread_id),
                    OrderMessage::Received.about(created.no),
                ))
            }
            Stored::Linked(open) => Some((
                already_open(bot, order, &open),
                OrderMessage::Linked.about(open.no),
            )),
            Stored::CaughtBefore => None,
        })
        .collect();
    outbox::enqueue_many_about(tx, &replies).await
}

/// The answer to a request whose Order_ID has `open` already: which ticket, where it
/// stands, and the way to it.
fn already_open(bot: &BotContext, order: &NewOrder, open: &OpenTicket) -> Outgoing {
    let html = texts::order_already_open(
        &open.order_id,
        &open.ticket_no,
        &open.status,
        open.picked_by.as_deref(),
    );
    let open_row = card::open_row(bot.steps.group.mini_app_link.as_deref(), &open.ticket_no);
    Outgoing::reply(order.chat_id, order.message_id, html)
        .with_keyboard(open_row.into_iter().collect())
        .in_thread(order.thread_id)
}

/// Greets a group once when the bot is added to it.
pub async fn handle_membership(
    tx: &mut Conn,
    change: &ChatMemberUpdated,
) -> Result<(), sqlx::Error> {
    let in_group = change.chat.is_group() || change.chat.is_supergroup();
    let joined = !change.old_chat_member.is_present() && change.new_chat_member.is_present();
    if in_group {
        let title = change.chat.title().unwrap_or_default().to_owned();
        groups::remember(tx, &[(change.chat.id.0, title)]).await?;
    }
    if in_group && joined {
        let greeting = Outgoing::message(change.chat.id.0, texts::group_greeting());
        outbox::enqueue(tx, &greeting).await?;
    }
    Ok(())
}

/// The name shown for whoever sent the request: the person, or the group itself when an
/// anonymous admin posted it.
fn requester_name(message: &Message) -> String {
    match (&message.sender_chat, &message.from) {
        (Some(chat), _) => chat.title().unwrap_or("Admin grup").to_owned(),
        (None, Some(user)) => user.full_name(),
        (None, None) => "Tidak diketahui".to_owned(),
    }
}
