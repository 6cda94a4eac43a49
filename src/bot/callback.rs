//! Button presses (`callback_query`): Setujui / Tolak under an approval request, Lunas /
//! Batal under `/cek_pembayaran`. A press is
//! an update like any other, so it goes through the durable inbox (a press delivered twice
//! is applied once), and every press is answered, because until it is the presser's client
//! shows a spinner.

use teloxide::types::CallbackQuery;

use super::{booking, BotContext};
use crate::{
    db::Conn,
    lang::{self, Lang},
    telegram::{
        outbox::{self, Outgoing},
        texts,
    },
    users::{
        self,
        access::{self, AccountChange, Actor, Refusal},
        team::{self, TeamError},
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
        text: answer,
        alert: false,
    };
    outbox::enqueue(tx, &answer).await?;
    Ok(())
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
