//! Groups: `/moban` becomes an order, `/daftar` points to the private chat, and nothing
//! else gets an answer. Titles, migrations to a supergroup and people joining or leaving
//! are noted on the way, for the board and for who may see a group's tickets.

use teloxide::types::{ChatMemberUpdated, Message};

use super::{BotContext, Command};
use crate::{
    db::Conn,
    groups,
    orders::{self, moban, CreatedOrder, NewOrder, OrderMessage},
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
    Ignore,
}

pub fn read_message(bot: &BotContext, message: &Message) -> GroupRequest {
    // Other bots and forwarded copies never create orders: a forwarded /moban is an
    // order that was already caught where it was first posted.
    let from_bot = message.from.as_ref().is_some_and(|u| u.is_bot);
    if from_bot || message.forward_origin().is_some() {
        return GroupRequest::Ignore;
    }
    let Some(text) = message.text() else {
        return GroupRequest::Ignore;
    };
    let Some(command) = Command::parse(text, &bot.me.username) else {
        return GroupRequest::Ignore;
    };
    let chat_id = message.chat.id.0;
    match command.name.as_str() {
        "moban" => match moban::parse(command.arguments, text.chars().count()) {
            Ok(request) => GroupRequest::Order(NewOrder {
                request,
                chat_id,
                message_id: message.id.0,
                chat_title: message.chat.title().unwrap_or_default().to_owned(),
                requester_id: message.from.as_ref().map(|u| u.id.0 as i64),
                requester_name: requester_name(message),
            }),
            Err(problem) => GroupRequest::Answer(Outgoing::reply(
                chat_id,
                message.id.0,
                texts::moban_invalid(&problem.to_string()),
            )),
        },
        "daftar" => GroupRequest::Answer(Outgoing::SendMessage {
            chat_id,
            html: texts::daftar_in_group(),
            reply_to: Some(message.id.0),
            keyboard: vec![vec![Button::link(
                texts::OPEN_PRIVATE_CHAT,
                format!("https://t.me/{}?start=daftar", bot.me.username),
            )]],
            answers: None,
        }),
        _ => GroupRequest::Ignore,
    }
}

pub async fn handle_message(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
) -> Result<(), sqlx::Error> {
    note_group_changes(tx, message).await?;
    match read_message(bot, message) {
        GroupRequest::Order(order) => store_orders(bot, tx, std::slice::from_ref(&order)).await?,
        GroupRequest::Answer(reply) => outbox::enqueue(tx, &reply).await?,
        GroupRequest::Ignore => {}
    }
    Ok(())
}

/// Service messages: a new title, a move to a supergroup, people joining or leaving.
async fn note_group_changes(tx: &mut Conn, message: &Message) -> Result<(), sqlx::Error> {
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
    }
    Ok(())
}

/// Stores `orders` and queues Feedback 1 for each new one, with a few statements for the
/// lot. An order whose message was caught before was answered then and gets nothing.
pub async fn store_orders(
    bot: &BotContext,
    tx: &mut Conn,
    orders: &[NewOrder],
) -> Result<(), sqlx::Error> {
    let titles: Vec<(i64, String)> = orders
        .iter()
        .map(|order| (order.chat_id, order.chat_title.clone()))
        .collect();
    groups::remember(tx, &titles).await?;
    let created = orders::create_many(tx, orders, &bot.sla).await?;
    // Tagged with the ticket, for its timeline.
    let replies: Vec<(Outgoing, String)> = orders
        .iter()
        .zip(created)
        .filter_map(|(order, created)| {
            let created = created?;
            let about = OrderMessage::Received.about(created.no);
            Some((feedback_1(bot, order, &created), about))
        })
        .collect();
    outbox::enqueue_many_about(tx, &replies).await
}

/// Feedback 1, as a reply to the `/moban` message.
fn feedback_1(bot: &BotContext, order: &NewOrder, created: &CreatedOrder) -> Outgoing {
    Outgoing::SendMessage {
        chat_id: order.chat_id,
        html: texts::order_received(
            &order.request.order_id,
            &order.request.transaksi,
            created.ticket.as_str(),
        ),
        reply_to: Some(order.message_id),
        // Opens the Mini App on this ticket (web_app buttons are refused in groups).
        keyboard: bot
            .mini_app_link
            .iter()
            .map(|link| {
                vec![Button::link(
                    texts::OPEN_TICKET,
                    format!("{link}?startapp={}", created.ticket.as_str()),
                )]
            })
            .collect(),
        answers: None,
    }
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
