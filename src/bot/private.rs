//! The private chat: `/start`, the `/daftar` conversation that asks for Nama, then
//! Username, then Password, one message each, `/password` for a new password,
//! `/bahasa id|en`, the language the person is answered in from then on, and `/cek` of a
//! ticket ([`super::cek`]).

use teloxide::types::{Message, User};

use super::{
    booking, cek,
    shop::{self, MenuChoice},
    shop_admin, BotContext, Command,
};
use crate::{
    booking::{drafts, texts as booking_texts},
    db::{now_ms, Conn},
    lang::{self, Lang},
    reports::rekap,
    shop::{
        invoices::Buyer,
        proofs::{self, Proof},
        texts as shop_texts,
    },
    telegram::{
        outbox::{self, MessageRef, Outgoing},
        report_texts,
        texts::{self, Asked},
    },
    users::{
        self, access,
        registration::{self, Step},
        team, AccountState, DisplayName, NewUser, Password, RegisterError, Username,
    },
};

/// One private message from a person.
struct Conversation<'m> {
    chat_id: i64,
    telegram_id: i64,
    message: &'m Message,
    /// The language they are answered in ([`lang::of_sender`]).
    lang: Lang,
}

impl<'m> Conversation<'m> {
    /// `message` from `from`, answered in their language.
    async fn of(tx: &mut Conn, message: &'m Message, from: &User) -> Result<Self, sqlx::Error> {
        let telegram_id = from.id.0 as i64;
        Ok(Self {
            chat_id: message.chat.id.0,
            telegram_id,
            message,
            lang: lang::of_sender(tx, telegram_id, from.language_code.as_deref()).await?,
        })
    }

    /// The booking conversation of this chat, when bookings are on (the hotel's settings
    /// read as they stand).
    async fn guestbook(
        &self,
        bot: &BotContext,
        tx: &mut Conn,
    ) -> Result<Option<booking::Guestbook>, sqlx::Error> {
        let Some(base) = &bot.hotel else {
            return Ok(None);
        };
        let from = self.message.from.as_ref();
        let telegram_name = from
            .map(|user| match &user.last_name {
                Some(last) => format!("{} {last}", user.first_name),
                None => user.first_name.clone(),
            })
            .unwrap_or_default();
        Ok(Some(booking::Guestbook {
            hotel: base.load(tx).await?,
            telegram_id: self.telegram_id,
            chat_id: self.chat_id,
            lang: self.lang,
            telegram_name,
        }))
    }

    /// This person as a buyer in the shop.
    fn buyer(&self) -> Buyer {
        Buyer {
            telegram_id: self.telegram_id,
            chat_id: self.chat_id,
            lang: self.lang,
        }
    }

    async fn shop_welcome(
        &self,
        bot: &BotContext,
        tx: &mut Conn,
        from: &User,
    ) -> Result<(), sqlx::Error> {
        match &bot.shop {
            Some(shop) => shop::welcome(tx, shop, self.chat_id, &from.first_name, self.lang).await,
            None => Ok(()),
        }
    }

    async fn say(&self, tx: &mut Conn, html: String) -> Result<(), sqlx::Error> {
        outbox::enqueue(tx, &Outgoing::message(self.chat_id, html)).await
    }

    /// Deletes the message being answered from the chat: it may hold a password.
    async fn delete_message(&self, tx: &mut Conn) -> Result<(), sqlx::Error> {
        let delete = Outgoing::DeleteMessage {
            chat_id: self.chat_id,
            message: MessageRef::Telegram(self.message.id.0),
        };
        outbox::enqueue(tx, &delete).await
    }
}

pub async fn handle(bot: &BotContext, tx: &mut Conn, message: &Message) -> Result<(), sqlx::Error> {
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(());
    };
    let talk = Conversation::of(tx, message, from).await?;
    if message.location().is_some() {
        return match talk.guestbook(bot, tx).await? {
            Some(book) => booking::shared_location(tx, &book, message, true).await,
            None => talk.say(tx, texts::private_help(talk.lang)).await,
        };
    }
    if shop_admin::stock_file_sent(tx, bot, talk.buyer(), message).await? {
        return Ok(());
    }
    if proof_sent(bot, tx, &talk, message, from).await? {
        return Ok(());
    }
    let command = message
        .text()
        .and_then(|t| Command::parse(t, &bot.me.username));
    if let (Some(shop), Some(command)) = (&bot.shop, &command) {
        let (name, arguments) = (command.name.as_str(), command.arguments.trim());
        if shop_admin::command(tx, shop, talk.buyer(), name, arguments).await? {
            return Ok(());
        }
    }
    match command
        .as_ref()
        .map(|c| (c.name.as_str(), c.arguments.trim()))
    {
        // The group's "register" button opens the chat with `/start daftar`.
        Some(("start", "daftar")) | Some(("daftar", _)) => start_registration(bot, tx, &talk).await,
        // The web page's "via Telegram" choice opens the chat with `/start booking`.
        Some(("start", "booking")) | Some(("booking", _)) => match talk.guestbook(bot, tx).await? {
            Some(book) => booking::start(tx, &book).await,
            None => {
                talk.say(tx, booking_texts::bookings_closed(talk.lang))
                    .await
            }
        },
        // The shop's link (`/start toko`) always opens the shop.
        Some(("start", "toko")) if bot.shop.is_some() => talk.shop_welcome(bot, tx, from).await,
        Some(("start", _)) => {
            match users::find_by_telegram_id(tx, talk.telegram_id).await? {
                Some(user) if user.state == AccountState::Active => {
                    team::welcome(tx, talk.chat_id, &user, bot.links(), talk.lang).await?
                }
                // With the shop on, anyone without an account is a buyer.
                None if bot.shop.is_some() => talk.shop_welcome(bot, tx, from).await?,
                Some(user) => {
                    talk.say(
                        tx,
                        texts::start_not_active(&user.name, user.state.as_str(), talk.lang),
                    )
                    .await?
                }
                None => {
                    talk.say(tx, texts::start_unregistered(&from.first_name, talk.lang))
                        .await?
                }
            }
            Ok(())
        }
        Some(("bahasa", argument)) => {
            let html = match argument.to_ascii_lowercase().as_str() {
                choice @ ("id" | "en") => {
                    let chosen = Lang::parse(choice);
                    lang::choose(tx, talk.telegram_id, chosen).await?;
                    texts::language_set(chosen)
                }
                _ => texts::language_usage(talk.lang),
            };
            talk.say(tx, html).await
        }
        Some(("password", _)) => {
            let html = match users::find_by_telegram_id(tx, talk.telegram_id).await? {
                Some(_) => {
                    registration::save(tx, talk.telegram_id, talk.chat_id, &Step::NewPassword)
                        .await?;
                    texts::ask_new_password(talk.lang)
                }
                None => texts::needs_account(talk.lang),
            };
            talk.say(tx, html).await?;
            Ok(())
        }
        Some(("pengingat", argument)) => {
            let on = match argument.to_ascii_lowercase().as_str() {
                "on" | "nyala" | "aktif" => Some(true),
                "off" | "mati" => Some(false),
                _ => None,
            };
            let html = match on {
                None => texts::reminders_usage(talk.lang),
                Some(on) => match users::set_reminders(tx, talk.telegram_id, on).await? {
                    true => texts::reminders_set(on, talk.lang),
                    false => texts::reminders_need_account(talk.lang),
                },
            };
            talk.say(tx, html).await?;
            Ok(())
        }
        Some((command @ ("beli" | "kupon" | "deposit" | "langganan"), arguments)) => {
            match &bot.shop {
                Some(shop) => shop::command(tx, shop, talk.buyer(), command, arguments).await,
                None => talk.say(tx, texts::private_help(talk.lang)).await,
            }
        }
        Some(("cek", asked)) => {
            cek::in_private(bot, tx, talk.chat_id, talk.telegram_id, talk.lang, asked).await
        }
        Some(("rekap", _)) => {
            let html = match users::find_by_telegram_id(tx, talk.telegram_id).await? {
                Some(user) if access::sees_reports(&user) => {
                    let figures = rekap::rekap(tx, now_ms(), bot.utc_offset).await?;
                    report_texts::rekap(&figures, talk.lang)
                }
                _ => report_texts::rekap_refused(talk.lang),
            };
            talk.say(tx, html).await
        }
        Some(("cek_pembayaran", _)) => match &bot.hotel {
            Some(base) => {
                let hotel = base.load(tx).await?;
                booking::check_payments(tx, &hotel, talk.telegram_id, talk.chat_id, talk.lang).await
            }
            None => {
                talk.say(tx, booking_texts::bookings_closed(talk.lang))
                    .await
            }
        },
        Some((command @ ("update_paid" | "update_cancel"), receipt)) => match &bot.hotel {
            Some(base) => {
                let hotel = base.load(tx).await?;
                booking::update_by_receipt(
                    tx,
                    &hotel,
                    talk.telegram_id,
                    talk.chat_id,
                    command,
                    receipt,
                    talk.lang,
                )
                .await
            }
            None => {
                talk.say(tx, booking_texts::bookings_closed(talk.lang))
                    .await
            }
        },
        Some(("batal", _)) => {
            let html = match registration::load(tx, talk.telegram_id).await? {
                Some(step) => {
                    registration::clear(tx, talk.telegram_id).await?;
                    if step == Step::NewPassword {
                        texts::password_change_cancelled(talk.lang)
                    } else {
                        texts::registration_cancelled(talk.lang)
                    }
                }
                None if registration::clear(tx, talk.telegram_id).await? => {
                    booking_texts::booking_stopped(talk.lang)
                }
                None => texts::nothing_to_cancel(talk.lang),
            };
            talk.say(tx, html).await?;
            Ok(())
        }
        _ if shop_menu(bot, message).is_some() => {
            let (shop, choice) = shop_menu(bot, message).expect("matched just now");
            shop::menu(tx, shop, talk.buyer(), choice).await
        }
        _ => match registration::load(tx, talk.telegram_id).await? {
            Some(step) => answer_step(bot, tx, &talk, step).await,
            None => match drafts::load(tx, talk.telegram_id).await? {
                Some(draft) => match talk.guestbook(bot, tx).await? {
                    Some(book) => match message.text() {
                        Some(text) => booking::answer(tx, &book, draft, text).await,
                        None => talk.say(tx, texts::answer_with_text(talk.lang)).await,
                    },
                    None => talk.say(tx, texts::private_help(talk.lang)).await,
                },
                None => talk.say(tx, texts::private_help(talk.lang)).await,
            },
        },
    }
}

/// Takes `message` as the buyer's SNK proof when one is awaited (after 📎 under their
/// items): a text or a photo. `/batal` stops waiting; other commands and the menu's
/// buttons go on as ever. False when it was not taken.
async fn proof_sent(
    bot: &BotContext,
    tx: &mut Conn,
    talk: &Conversation<'_>,
    message: &Message,
    from: &User,
) -> Result<bool, sqlx::Error> {
    if bot.shop.is_none() || !proofs::awaited(tx, talk.telegram_id).await? {
        return Ok(false);
    }
    let text = message.text().or(message.caption()).unwrap_or_default();
    if message.text().is_some_and(|t| t.starts_with('/')) {
        let command = Command::parse(text, &bot.me.username);
        if command.is_none_or(|c| c.name != "batal") {
            return Ok(false);
        }
        proofs::stop(tx, talk.telegram_id).await?;
        talk.say(tx, shop_texts::proof_cancelled(talk.lang)).await?;
        return Ok(true);
    }
    if shop_menu(bot, message).is_some() {
        return Ok(false);
    }
    let photo = message.photo().and_then(|sizes| {
        sizes
            .iter()
            .max_by_key(|size| u64::from(size.width) * u64::from(size.height))
    });
    if photo.is_none() && message.text().is_none() {
        // A sticker, a voice note, a file: not what the admins can read.
        talk.say(tx, shop_texts::proof_kinds(talk.lang)).await?;
        return Ok(true);
    }
    let from_name = match &from.last_name {
        Some(last) => format!("{} {last}", from.first_name),
        None => from.first_name.clone(),
    };
    let proof = Proof {
        body: text,
        photo_file_id: photo.map(|size| size.file.id.0.as_str()),
        from_name: &from_name,
    };
    Ok(proofs::receive(tx, talk.buyer(), proof).await?.is_some())
}

/// The shop's menu choice a message is, when the shop is on.
fn shop_menu<'b>(
    bot: &'b BotContext,
    message: &Message,
) -> Option<(&'b crate::shop::Shop, MenuChoice)> {
    Some((bot.shop.as_ref()?, MenuChoice::of(message.text()?)?))
}

/// An edited private message: a live location's new position, for the guest's pending
/// booking; any other edit changes nothing.
pub async fn moved(bot: &BotContext, tx: &mut Conn, message: &Message) -> Result<(), sqlx::Error> {
    let Some(from) = message.from.as_ref().filter(|u| !u.is_bot) else {
        return Ok(());
    };
    if message.location().is_none() {
        return Ok(());
    }
    let talk = Conversation::of(tx, message, from).await?;
    match talk.guestbook(bot, tx).await? {
        Some(book) => booking::shared_location(tx, &book, message, false).await,
        None => Ok(()),
    }
}

async fn start_registration(
    bot: &BotContext,
    tx: &mut Conn,
    talk: &Conversation<'_>,
) -> Result<(), sqlx::Error> {
    if let Some(user) = users::find_by_telegram_id(tx, talk.telegram_id).await? {
        talk.say(tx, texts::already_registered(&user.username, talk.lang))
            .await?;
        return Ok(());
    }
    if bot.new_account(talk.telegram_id).is_none() {
        talk.say(tx, texts::registration_closed(talk.lang)).await?;
        return Ok(());
    }
    registration::save(tx, talk.telegram_id, talk.chat_id, &Step::Name).await?;
    talk.say(tx, texts::ask_name(talk.lang)).await?;
    Ok(())
}

async fn answer_step(
    bot: &BotContext,
    tx: &mut Conn,
    talk: &Conversation<'_>,
    step: Step,
) -> Result<(), sqlx::Error> {
    let Some(answer) = talk.message.text() else {
        talk.say(tx, texts::answer_with_text(talk.lang)).await?;
        return Ok(());
    };
    let (telegram_id, chat_id) = (talk.telegram_id, talk.chat_id);
    match step {
        Step::Name => match DisplayName::parse(answer) {
            Ok(name) => {
                registration::save(tx, telegram_id, chat_id, &Step::Username { name }).await?;
                talk.say(tx, texts::ask_username(talk.lang)).await?;
            }
            Err(problem) => {
                talk.say(
                    tx,
                    texts::invalid_answer(
                        Asked::Name,
                        problem,
                        &texts::ask_name_again(talk.lang),
                        talk.lang,
                    ),
                )
                .await?
            }
        },
        Step::Username { name } => match Username::parse(answer) {
            Ok(username) if users::username_taken(tx, &username).await? => {
                talk.say(tx, texts::username_taken(username.as_str(), talk.lang))
                    .await?;
            }
            Ok(username) => {
                registration::save(tx, telegram_id, chat_id, &Step::Password { name, username })
                    .await?;
                talk.say(tx, texts::ask_password(talk.lang)).await?;
            }
            Err(problem) => {
                talk.say(
                    tx,
                    texts::invalid_answer(
                        Asked::Username,
                        problem,
                        &texts::ask_username(talk.lang),
                        talk.lang,
                    ),
                )
                .await?
            }
        },
        Step::Password { name, username } => {
            // Whatever was typed here may be a password: it leaves the chat and our inbox
            // even when it is refused.
            talk.delete_message(tx).await?;
            match Password::parse(answer) {
                Ok(password) => {
                    finish_registration(bot, tx, talk, name, username, password).await?
                }
                Err(problem) => {
                    talk.say(
                        tx,
                        texts::invalid_answer(
                            Asked::Password,
                            problem,
                            &texts::ask_password(talk.lang),
                            talk.lang,
                        ),
                    )
                    .await?
                }
            }
            return Ok(());
        }
        Step::NewPassword => {
            talk.delete_message(tx).await?;
            match Password::parse(answer) {
                Ok(password) => change_password(tx, talk, password).await?,
                Err(problem) => {
                    talk.say(
                        tx,
                        texts::invalid_answer(
                            Asked::Password,
                            problem,
                            &texts::ask_new_password(talk.lang),
                            talk.lang,
                        ),
                    )
                    .await?
                }
            }
            return Ok(());
        }
    }
    Ok(())
}

/// Argon2id off the async executor.
async fn hash(password: Password) -> String {
    tokio::task::spawn_blocking(move || password.hash())
        .await
        .expect("password hashing does not panic")
}

async fn change_password(
    tx: &mut Conn,
    talk: &Conversation<'_>,
    password: Password,
) -> Result<(), sqlx::Error> {
    registration::clear(tx, talk.telegram_id).await?;
    let Some(user) = users::find_by_telegram_id(tx, talk.telegram_id).await? else {
        return talk.say(tx, texts::needs_account(talk.lang)).await;
    };
    users::set_password(tx, user.id, &hash(password).await).await?;
    talk.say(tx, texts::password_changed(talk.lang)).await
}

async fn finish_registration(
    bot: &BotContext,
    tx: &mut Conn,
    talk: &Conversation<'_>,
    name: DisplayName,
    username: Username,
    password: Password,
) -> Result<(), sqlx::Error> {
    // The mode may have changed since the conversation began.
    let Some((role, state)) = bot.new_account(talk.telegram_id) else {
        registration::clear(tx, talk.telegram_id).await?;
        return talk.say(tx, texts::registration_closed(talk.lang)).await;
    };
    let telegram_username = talk.message.from.as_ref().and_then(|u| u.username.clone());
    let new_user = NewUser {
        name: name.clone(),
        username: username.clone(),
        telegram_id: talk.telegram_id,
        telegram_username: telegram_username.clone(),
        password_hash: hash(password).await,
        role,
        state,
    };
    match users::register(tx, &new_user).await {
        Ok(user) => {
            registration::clear(tx, talk.telegram_id).await?;
            let pending = user.state == AccountState::Pending;
            let html = texts::registered(
                &user.name,
                &user.username,
                user.telegram_id,
                pending,
                talk.lang,
            );
            talk.say(tx, html).await?;
            if pending {
                team::request_approval(tx, &user, telegram_username.as_deref()).await?;
            } else {
                team::welcome(tx, talk.chat_id, &user, bot.links(), talk.lang).await?;
            }
        }
        // Someone else took the name between our check and the insert.
        Err(RegisterError::UsernameTaken) => {
            registration::save(tx, talk.telegram_id, talk.chat_id, &Step::Username { name })
                .await?;
            talk.say(tx, texts::username_taken(username.as_str(), talk.lang))
                .await?;
        }
        Err(RegisterError::AlreadyRegistered) => {
            registration::clear(tx, talk.telegram_id).await?;
            talk.say(tx, texts::already_registered(username.as_str(), talk.lang))
                .await?;
        }
        Err(RegisterError::Db(e)) => return Err(e),
    }
    Ok(())
}
