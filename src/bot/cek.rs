//! `/cek TICKET` or `/cek ORDER_ID`: where a ticket stands, who has it since when, and
//! whether it is late. In a group, the group's own ticket, as a reply in Indonesian; in a
//! private chat, a ticket the account may see, in its language, with a button opening it
//! in the Mini App. A ticket outside gets the answer of one that does not exist
//! ([`lookup`]).

use teloxide::types::{Message, Update, UpdateKind};

use super::{BotContext, Command};
use crate::{
    db::{now_ms, Conn, Db},
    groups,
    lang::Lang,
    orders::lookup::{self, Within},
    telegram::{
        outbox::{self, Button, Keyboard, Outgoing},
        texts,
    },
    users::{self, access, AccountState},
};

/// `/cek` in a group: the group's ticket, as a reply to the command, in its forum topic.
pub(super) async fn in_group(
    bot: &BotContext,
    tx: &mut Conn,
    message: &Message,
    asked: &str,
) -> Result<(), sqlx::Error> {
    let chat_id = message.chat.id.0;
    let (html, keyboard) = answer(bot, tx, Within::Group(chat_id), asked, true, Lang::Id).await?;
    let reply = Outgoing::reply(chat_id, message.id.0, html)
        .with_keyboard(keyboard)
        .in_thread(super::group::topic_of(message));
    outbox::enqueue(tx, &reply).await
}

/// `/cek` in the private chat of `telegram_id`: for an active account, a ticket it may see;
/// anyone else is told to register or that their account is not active.
pub(super) async fn in_private(
    bot: &BotContext,
    tx: &mut Conn,
    chat_id: i64,
    telegram_id: i64,
    lang: Lang,
    asked: &str,
) -> Result<(), sqlx::Error> {
    let (html, keyboard) = match users::find_by_telegram_id(tx, telegram_id).await? {
        None => (texts::needs_account(lang), Vec::new()),
        Some(user) if user.state != AccountState::Active => (
            texts::start_not_active(&user.name, user.state.as_str(), lang),
            Vec::new(),
        ),
        Some(user) => {
            let within = Within::Scope(access::scope(&user));
            answer(bot, tx, within, asked, false, lang).await?
        }
    };
    outbox::enqueue(tx, &Outgoing::with_buttons(chat_id, html, keyboard)).await
}

/// The answer to `/cek asked` within `within`, and its button.
async fn answer(
    bot: &BotContext,
    tx: &mut Conn,
    within: Within,
    asked: &str,
    in_group: bool,
    lang: Lang,
) -> Result<(String, Keyboard), sqlx::Error> {
    if asked.trim().is_empty() {
        return Ok((texts::cek_usage(lang), Vec::new()));
    }
    let Some(found) = lookup::find(tx, within, asked).await? else {
        return Ok((texts::cek_not_found(asked, in_group, lang), Vec::new()));
    };
    let html = texts::ticket_check(&found.standing(), now_ms(), in_group, lang);
    // A group gets the direct link only, as Feedback 1 does: the Mini App's address in a
    // browser would ask requesters for a password they do not have.
    let mini_app_url = bot.mini_app_url.as_deref().filter(|_| !in_group);
    let button = Button::open_ticket(
        texts::open_ticket(lang),
        &found.order.ticket_no,
        !in_group,
        mini_app_url,
        bot.steps.group.mini_app_link.as_deref(),
    );
    Ok((
        html,
        button.into_iter().map(|button| vec![button]).collect(),
    ))
}

/// Who sent `update`, if it is a `/cek` in a private chat.
fn private_asker(bot: &BotContext, update: &Update) -> Option<i64> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_private() => {
            let command = Command::parse(message.text()?, &bot.me.username)?;
            let from = message.from.as_ref().filter(|u| !u.is_bot)?;
            (command.name == "cek").then_some(from.id.0 as i64)
        }
        _ => None,
    }
}

/// Whether [`ask_telegram`] may have to ask Telegram about `update`'s sender before it is
/// processed.
pub(super) fn asks_telegram(bot: &BotContext, update: &Update) -> bool {
    private_asker(bot, update).is_some()
}

/// Before a batch's transaction, for each active account asking `/cek` in its private
/// chat: makes sure the membership cache has Telegram's word on its groups, no older than
/// `TANGKAP_MEMBERSHIP_REFRESH`, as the Mini App does before it shows tickets. Nothing
/// else keeps the answers of someone without a session fresh.
pub(super) async fn ask_telegram<'u>(
    db: &Db,
    bot: &BotContext,
    updates: impl Iterator<Item = &'u Update>,
) {
    let mut askers: Vec<i64> = updates
        .filter_map(|update| private_asker(bot, update))
        .collect();
    askers.sort_unstable();
    askers.dedup();
    if askers.is_empty() {
        return;
    }
    let asked = async {
        let mut people = Vec::new();
        let mut conn = db.pool().acquire().await?;
        for telegram_id in askers {
            people.extend(users::find_by_telegram_id(&mut conn, telegram_id).await?);
        }
        // Not held while Telegram is asked.
        drop(conn);
        for person in people.iter().filter(|p| p.state == AccountState::Active) {
            groups::ensure_known_scope(db, &bot.telegram, person, bot.membership_refresh).await?;
        }
        Ok::<_, sqlx::Error>(())
    };
    if let Err(e) = asked.await {
        tracing::warn!(error = %e, "cannot ask about /cek askers' groups; the cache decides");
    }
}
