//! Groups: `/moban` becomes an order, `/daftar` points to the private chat, and nothing
//! else gets an answer.

use teloxide::types::{ChatMemberUpdated, Message};

use super::{BotContext, Command, Outcome};
use crate::{
    db::Conn,
    orders::{self, moban, NewOrder},
    telegram::{
        outbox::{self, Button, Outgoing, Sensitivity},
        texts,
    },
};

pub async fn handle_message(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
) -> Result<Outcome, sqlx::Error> {
    // Other bots and forwarded copies never create orders: a forwarded /moban is an
    // order that was already caught where it was first posted.
    let from_bot = message.from.as_ref().is_some_and(|u| u.is_bot);
    if from_bot || message.forward_origin().is_some() {
        return Ok(Outcome::default());
    }
    let Some(text) = message.text() else {
        return Ok(Outcome::default());
    };
    let Some(command) = Command::parse(text, &bot.me.username) else {
        return Ok(Outcome::default());
    };
    let chat_id = message.chat.id.0;
    let reply = match command.name.as_str() {
        "moban" => match moban::parse(command.arguments, text.chars().count()) {
            Ok(request) => {
                let order = NewOrder {
                    request,
                    chat_id,
                    message_id: message.id.0,
                    requester_id: message.from.as_ref().map(|u| u.id.0 as i64),
                    requester_name: requester_name(message),
                };
                match orders::create(tx, &order).await? {
                    Some(created) => Outgoing::SendMessage {
                        chat_id,
                        html: texts::order_received(
                            &order.request.order_id,
                            &order.request.transaksi,
                            created.ticket.as_str(),
                        ),
                        reply_to: Some(message.id.0),
                        // Opens the Mini App on this ticket (web_app buttons are refused in groups).
                        button: bot.mini_app_link.as_ref().map(|link| Button {
                            text: texts::OPEN_TICKET.into(),
                            url: format!("{link}?startapp={}", created.ticket.as_str()),
                            mini_app: false,
                        }),
                    },
                    // The same message was caught before; it was answered then.
                    None => return Ok(Outcome::default()),
                }
            }
            Err(problem) => Outgoing::reply(
                chat_id,
                message.id.0,
                texts::moban_invalid(&problem.to_string()),
            ),
        },
        "daftar" => Outgoing::SendMessage {
            chat_id,
            html: texts::daftar_in_group(),
            reply_to: Some(message.id.0),
            button: Some(Button {
                text: texts::OPEN_PRIVATE_CHAT.into(),
                url: format!("https://t.me/{}?start=daftar", bot.me.username),
                mini_app: false,
            }),
        },
        _ => return Ok(Outcome::default()),
    };
    outbox::enqueue(tx, &reply, Sensitivity::Plain).await?;
    Ok(Outcome::default())
}

/// Greets a group once when the bot is added to it.
pub async fn handle_membership(
    tx: &mut Conn,
    change: &ChatMemberUpdated,
) -> Result<Outcome, sqlx::Error> {
    let in_group = change.chat.is_group() || change.chat.is_supergroup();
    let joined = !change.old_chat_member.is_present() && change.new_chat_member.is_present();
    if in_group && joined {
        let greeting = Outgoing::message(change.chat.id.0, texts::group_greeting());
        outbox::enqueue(tx, &greeting, Sensitivity::Plain).await?;
    }
    Ok(Outcome::default())
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
