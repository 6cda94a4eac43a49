//! The private chat: `/start`, and the `/daftar` conversation that asks for Nama, then
//! Username, then Password, one message each.

use teloxide::types::Message;

use super::{BotContext, Command, Outcome};
use crate::{
    db::Conn,
    telegram::{
        outbox::{self, Button, Outgoing, Sensitivity},
        texts,
    },
    users::{
        self,
        registration::{self, Step},
        DisplayName, NewUser, Password, RegisterError, Username,
    },
};

/// One private message from a person.
struct Conversation<'m> {
    chat_id: i64,
    telegram_id: i64,
    message: &'m Message,
}

impl Conversation<'_> {
    async fn say(&self, tx: &mut Conn, html: String) -> Result<(), sqlx::Error> {
        outbox::enqueue(
            tx,
            &Outgoing::message(self.chat_id, html),
            Sensitivity::Plain,
        )
        .await?;
        Ok(())
    }
}

pub async fn handle(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
) -> Result<Outcome, sqlx::Error> {
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(Outcome::default());
    };
    let talk = Conversation {
        chat_id: message.chat.id.0,
        telegram_id: from.id.0 as i64,
        message,
    };
    let command = message
        .text()
        .and_then(|t| Command::parse(t, &bot.me.username));
    match command
        .as_ref()
        .map(|c| (c.name.as_str(), c.arguments.trim()))
    {
        // The group's "register" button opens the chat with `/start daftar`.
        Some(("start", "daftar")) | Some(("daftar", _)) => start_registration(tx, &talk).await,
        Some(("start", _)) => {
            match users::find_by_telegram_id(tx, talk.telegram_id).await? {
                Some(user) => welcome_staff(bot, tx, &talk, &user).await?,
                None => {
                    talk.say(tx, texts::start_unregistered(&from.first_name))
                        .await?
                }
            }
            Ok(Outcome::default())
        }
        Some(("batal", _)) => {
            let html = if registration::clear(tx, talk.telegram_id).await? {
                texts::registration_cancelled()
            } else {
                texts::nothing_to_cancel()
            };
            talk.say(tx, html).await?;
            Ok(Outcome::default())
        }
        _ => match registration::load(tx, talk.telegram_id).await? {
            Some(step) => answer_step(tx, &talk, step).await,
            None => {
                talk.say(tx, texts::private_help()).await?;
                Ok(Outcome::default())
            }
        },
    }
}

/// Greets registered staff with a button that opens the Mini App, and makes the chat's
/// menu button open it too.
async fn welcome_staff(
    bot: &BotContext,
    tx: &mut Conn,
    talk: &Conversation<'_>,
    user: &users::User,
) -> Result<(), sqlx::Error> {
    let greeting = Outgoing::SendMessage {
        chat_id: talk.chat_id,
        html: texts::start_registered(&user.name, &user.username, bot.mini_app_url.is_some()),
        reply_to: None,
        button: bot.mini_app_url.as_ref().map(|url| Button {
            text: texts::OPEN_MINI_APP.into(),
            url: url.clone(),
            mini_app: true,
        }),
    };
    outbox::enqueue(tx, &greeting, Sensitivity::Plain).await?;
    if let Some(url) = &bot.mini_app_url {
        let menu = Outgoing::SetMenuButton {
            chat_id: talk.chat_id,
            text: texts::MENU_BUTTON.into(),
            url: url.clone(),
        };
        outbox::enqueue(tx, &menu, Sensitivity::Plain).await?;
    }
    Ok(())
}

async fn start_registration(
    tx: &mut Conn,
    talk: &Conversation<'_>,
) -> Result<Outcome, sqlx::Error> {
    if let Some(user) = users::find_by_telegram_id(tx, talk.telegram_id).await? {
        talk.say(tx, texts::already_registered(&user.username))
            .await?;
        return Ok(Outcome::default());
    }
    registration::save(tx, talk.telegram_id, talk.chat_id, &Step::Name).await?;
    talk.say(tx, texts::ask_name()).await?;
    Ok(Outcome::default())
}

async fn answer_step(
    tx: &mut Conn,
    talk: &Conversation<'_>,
    step: Step,
) -> Result<Outcome, sqlx::Error> {
    let Some(answer) = talk.message.text() else {
        talk.say(tx, texts::answer_with_text()).await?;
        return Ok(Outcome::default());
    };
    let (telegram_id, chat_id) = (talk.telegram_id, talk.chat_id);
    match step {
        Step::Name => match DisplayName::parse(answer) {
            Ok(name) => {
                registration::save(tx, telegram_id, chat_id, &Step::Username { name }).await?;
                talk.say(tx, texts::ask_username()).await?;
            }
            Err(problem) => {
                talk.say(tx, texts::invalid_answer(problem, "Masukkan nama Anda:"))
                    .await?
            }
        },
        Step::Username { name } => match Username::parse(answer) {
            Ok(username) if users::username_taken(tx, &username).await? => {
                talk.say(tx, texts::username_taken(username.as_str()))
                    .await?;
            }
            Ok(username) => {
                registration::save(tx, telegram_id, chat_id, &Step::Password { name, username })
                    .await?;
                talk.say(tx, texts::ask_password()).await?;
            }
            Err(problem) => {
                talk.say(tx, texts::invalid_answer(problem, &texts::ask_username()))
                    .await?
            }
        },
        Step::Password { name, username } => {
            // Whatever was typed here may be a password: it leaves the chat and our inbox
            // even when it is refused.
            let delete = Outgoing::DeleteMessage {
                chat_id,
                message_id: talk.message.id.0,
            };
            outbox::enqueue(tx, &delete, Sensitivity::Plain).await?;
            match Password::parse(answer) {
                Ok(password) => finish_registration(tx, talk, name, username, password).await?,
                Err(problem) => {
                    talk.say(tx, texts::invalid_answer(problem, &texts::ask_password()))
                        .await?
                }
            }
            return Ok(Outcome { scrub_update: true });
        }
    }
    Ok(Outcome::default())
}

async fn finish_registration(
    tx: &mut Conn,
    talk: &Conversation<'_>,
    name: DisplayName,
    username: Username,
    password: Password,
) -> Result<(), sqlx::Error> {
    let hashing = password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hashing.hash())
        .await
        .expect("password hashing does not panic");
    let new_user = NewUser {
        name: name.clone(),
        username: username.clone(),
        telegram_id: talk.telegram_id,
        telegram_username: talk.message.from.as_ref().and_then(|u| u.username.clone()),
        password_hash,
    };
    match users::register(tx, &new_user).await {
        Ok(user) => {
            registration::clear(tx, talk.telegram_id).await?;
            let html = texts::registered(
                &user.name,
                &user.username,
                password.expose(),
                user.telegram_id,
            );
            outbox::enqueue(
                tx,
                &Outgoing::message(talk.chat_id, html),
                Sensitivity::Secret,
            )
            .await?;
        }
        // Someone else took the name between our check and the insert.
        Err(RegisterError::UsernameTaken) => {
            registration::save(tx, talk.telegram_id, talk.chat_id, &Step::Username { name })
                .await?;
            talk.say(tx, texts::username_taken(username.as_str()))
                .await?;
        }
        Err(RegisterError::AlreadyRegistered) => {
            registration::clear(tx, talk.telegram_id).await?;
            talk.say(tx, texts::already_registered(username.as_str()))
                .await?;
        }
        Err(RegisterError::Db(e)) => return Err(e),
    }
    Ok(())
}
