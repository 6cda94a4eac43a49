//! Button presses (`callback_query`): Ambil / Batalkan / Selesai on a ticket's card in its
//! group, Setujui / Tolak under an approval request, Lunas / Batal under
//! `/cek_pembayaran`. A press is
//! an update like any other, so it goes through the durable inbox (a press delivered twice
//! is applied once), and every press is answered, because until it is the presser's client
//! shows a spinner.

use teloxide::types::{CallbackQuery, Update, UpdateKind};

use super::{booking, shop, shop_admin, BotContext};
use crate::{
    db::{Conn, Db},
    groups,
    lang::{self, Lang},
    orders::card::{self, PressAnswer},
    shop::invoices::Buyer,
    telegram::{
        outbox::{self, Outgoing},
        texts,
    },
    users::{
        self,
        access::{self, AccountChange, Actor, Refusal},
        team::{self, TeamError},
        AccountState,
    },
};

pub async fn handle(
    bot: &BotContext,
    tx: &mut Conn,
    query: &CallbackQuery,
) -> Result<(), sqlx::Error> {
    let presser = query.from.id.0 as i64;
    let lang = lang::of_sender(tx, presser, query.from.language_code.as_deref()).await?;
    let data = query.data.as_deref().unwrap_or_default();
    if let Some(answer) = card_press(bot, tx, query, lang).await? {
        let answer = Outgoing::AnswerCallback {
            chat_id: presser,
            query_id: query.id.0.clone(),
            text: within_answer_limit(answer.text),
            alert: answer.alert,
        };
        return outbox::enqueue(tx, &answer).await;
    }
    if let (Some(shop), true) = (&bot.shop, shop::is_shop_button(data)) {
        let buyer = Buyer {
            telegram_id: presser,
            chat_id: presser,
            lang,
        };
        let on = query.message.as_ref().map(|message| message.id().0);
        let text = if shop_admin::is_admin_button(data) {
            shop_admin::pressed(tx, buyer, data, on).await?
        } else {
            shop::pressed(tx, shop, buyer, data, on).await?
        };
        let answer = Outgoing::AnswerCallback {
            chat_id: presser,
            query_id: query.id.0.clone(),
            text: within_answer_limit(text),
            alert: false,
        };
        return outbox::enqueue(tx, &answer).await;
    }
    let booking_answer = match &bot.hotel {
        Some(base) if booking::is_booking_button(data) => {
            let hotel = base.load(tx).await?;
            let on = query
                .message
                .as_ref()
                .map(|message| (message.chat().id.0, message.id().0));
            booking::pressed(tx, &hotel, presser, data, on, lang).await?
        }
        _ => None,
    };
    let answer = match (booking_answer, team::parse_approval_callback(data)) {
        (Some(answer), _) => answer,
        (None, Some((change, applicant))) => {
            decide(bot, tx, presser, change, applicant, lang).await?
        }
        (None, None) => texts::unknown_button(lang),
    };
    let answer = Outgoing::AnswerCallback {
        chat_id: presser,
        query_id: query.id.0.clone(),
        text: within_answer_limit(answer),
        alert: false,
    };
    outbox::enqueue(tx, &answer).await?;
    Ok(())
}

/// A press on a ticket's card in a group ([`card::Press`]); `None` for any other button.
async fn card_press(
    bot: &BotContext,
    tx: &mut Conn,
    query: &CallbackQuery,
    lang: Lang,
) -> Result<Option<PressAnswer>, sqlx::Error> {
    let data = query.data.as_deref().unwrap_or_default();
    let (Some((press, no)), Some(message)) = (card::Press::parse(data), &query.message) else {
        return Ok(None);
    };
    let presser = query.from.id.0 as i64;
    let chat_id = message.chat().id.0;
    card::press(tx, &bot.steps, presser, chat_id, press, no, lang)
        .await
        .map(Some)
}

/// The chat id and presser of a card press, where Telegram may have to be asked whether
/// the presser is in that group before the press is decided.
pub(super) fn card_presser(update: &Update) -> Option<(i64, i64)> {
    let UpdateKind::CallbackQuery(query) = &update.kind else {
        return None;
    };
    let message = query.message.as_ref()?;
    let in_group = message.chat().is_group() || message.chat().is_supergroup();
    card::Press::parse(query.data.as_deref()?)?;
    in_group.then(|| (message.chat().id.0, query.from.id.0 as i64))
}

/// Before a batch's transaction: for staff pressing a card, makes sure the membership
/// cache holds Telegram's word, no older than the refresh period, on the card's group.
/// A member the bot saw post there recently needs no call.
pub(super) async fn ask_about_card_pressers<'u>(
    db: &Db,
    bot: &BotContext,
    updates: impl Iterator<Item = &'u Update>,
) {
    let mut presses: Vec<(i64, i64)> = updates.filter_map(card_presser).collect();
    presses.sort_unstable();
    presses.dedup();
    if presses.is_empty() {
        return;
    }
    let asked = async {
        let mut people = Vec::new();
        let mut conn = db.pool().acquire().await?;
        for (chat_id, telegram_id) in presses {
            if let Some(user) = users::find_by_telegram_id(&mut conn, telegram_id).await? {
                people.push((chat_id, user));
            }
        }
        // Not held while Telegram is asked.
        drop(conn);
        let asking = people.iter().filter(|(_, user)| {
            user.state == AccountState::Active
                && matches!(access::scope(user), access::Scope::GroupsOf(_))
        });
        futures_util::future::try_join_all(asking.map(|(chat_id, user)| {
            groups::ensure_fresh(
                db,
                &bot.telegram,
                user,
                groups::Memberships::In(std::slice::from_ref(chat_id)),
                bot.membership_refresh,
            )
        }))
        .await
        .map(|_| ())
    };
    if let Err(e) = asked.await {
        tracing::warn!(error = %e, "cannot ask who of the card pressers is in their group; the cache decides");
    }
}

/// Telegram shows at most 200 characters of an answer; a longer one is refused whole.
fn within_answer_limit(text: String) -> String {
    const MOST: usize = 200;
    if text.chars().count() <= MOST {
        return text;
    }
    let mut cut: String = text.chars().take(MOST - 1).collect();
    cut.push('…');
    cut
}

/// Applies an approval decision pressed by `presser`; returns what to tell them, in
/// `lang`.
async fn decide(
    bot: &BotContext,
    tx: &mut Conn,
    presser: i64,
    change: AccountChange,
    applicant: i64,
    lang: Lang,
) -> Result<String, sqlx::Error> {
    let Some(actor) = users::find_by_telegram_id(tx, presser).await? else {
        return Ok(Refusal::NotAllowed.explain(lang));
    };
    match team::change(tx, Actor::Member(&actor), applicant, change, bot.links()).await {
        Ok(user) => Ok(texts::decision_recorded(
            change == AccountChange::Approve,
            &user.label(),
            lang,
        )),
        Err(TeamError::Refused(Refusal::NotApplicable(_))) => {
            let by = team::decided_by(tx, applicant).await?;
            Ok(texts::already_decided(by.as_deref(), lang))
        }
        Err(TeamError::Refused(refusal)) => Ok(refusal.explain(lang)),
        // Only a leader learns whether an account exists.
        Err(TeamError::NotFound) if access::manages_team(&actor) => {
            Ok(texts::account_not_found(lang))
        }
        Err(TeamError::NotFound) => Ok(Refusal::NotAllowed.explain(lang)),
        Err(TeamError::Db(e)) => Err(e),
    }
}
