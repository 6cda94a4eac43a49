//! Bookings in Telegram: a guest's `/booking` conversation (name, check-in date, nights,
//! room type: one message each, typed or tapped), and the front office's
//! `/cek_pembayaran`, `/update_paid RESI`, `/update_cancel RESI` and their buttons. Who may
//! do what is the booking domain's call ([`booking::may_work`]), on Telegram's word asked
//! before the batch's transaction ([`ask_front_office`]).

use teloxide::types::{Message, Update, UpdateKind};
use time::Date;

use super::{BotContext, Command};
use crate::{
    booking::config::MOST_NIGHTS,
    booking::{
        self,
        dashboard::{self, Press},
        drafts::Draft,
        location::{self, Fix, Shared, Sharer},
        rooms,
        texts::{self, use_name_button, Format},
        DecideError, Decision, Guest, HoldError, Hotel, NewBooking, RevertError, Stay, StayProblem,
    },
    db::{now_ms, Conn, Db},
    lang::Lang,
    telegram::{
        outbox::{self, Answers, Outgoing},
        texts::escape,
    },
    users::{self, access::BookingWork, registration, DisplayName},
};

/// Check-in dates offered as buttons.
const DATE_BUTTONS: i64 = 6;
/// Nights offered as buttons (more may be typed).
const NIGHT_BUTTONS: u32 = 7;

/// The private chat the conversation is in, and who talks.
pub(super) struct Guestbook {
    pub hotel: Hotel,
    pub telegram_id: i64,
    pub chat_id: i64,
    /// The guest's language, from their Telegram app.
    pub lang: Lang,
    /// The name Telegram knows them by, offered as the guest's name.
    pub telegram_name: String,
}

impl Guestbook {
    async fn say(&self, tx: &mut Conn, html: String, answers: Answers) -> Result<(), sqlx::Error> {
        outbox::enqueue(tx, &Outgoing::with_answers(self.chat_id, html, answers)).await
    }

    async fn save(&self, tx: &mut Conn, draft: &Draft) -> Result<(), sqlx::Error> {
        booking::drafts::save(tx, self.telegram_id, self.chat_id, draft).await
    }

    /// The name Telegram knows, offered as an answer when it would be accepted.
    fn name_offered(&self) -> Option<String> {
        DisplayName::parse(&self.telegram_name)
            .ok()
            .map(|name| use_name_button(name.as_str(), self.lang))
    }

    async fn ask_name(
        &self,
        tx: &mut Conn,
        html: impl FnOnce(bool) -> String,
    ) -> Result<(), sqlx::Error> {
        let offered = self.name_offered();
        let answers = match &offered {
            Some(button) => Answers::Offer(vec![vec![button.clone()]]),
            None => Answers::Remove,
        };
        self.say(tx, html(offered.is_some()), answers).await
    }
}

/// `/booking`: starts the conversation (ending any other).
pub(super) async fn start(tx: &mut Conn, book: &Guestbook) -> Result<(), sqlx::Error> {
    book.save(tx, &Draft::Name).await?;
    book.ask_name(tx, |offered| {
        texts::ask_guest_name(&book.hotel, offered, book.lang)
    })
    .await
}

/// One answer of the conversation.
pub(super) async fn answer(
    tx: &mut Conn,
    book: &Guestbook,
    draft: Draft,
    text: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let lang = book.lang;
    match draft {
        Draft::Name => match DisplayName::parse(texts::typed_name(text)) {
            Ok(name) => ask_check_in(tx, book, name.as_str().to_owned(), now).await,
            Err(problem) => {
                book.ask_name(tx, |_| texts::invalid_name(problem, lang))
                    .await
            }
        },
        Draft::CheckIn { name } => {
            let today = book.hotel.today(now);
            let Some(check_in) = texts::answered_date(text, today) else {
                return book
                    .say(tx, texts::invalid_date(lang), date_buttons(book, now))
                    .await;
            };
            let stay = Stay {
                check_in,
                nights: 1,
            };
            match book.hotel.check_stay(stay, now) {
                Err(StayProblem::Past) => {
                    book.say(tx, texts::date_in_past(lang), date_buttons(book, now))
                        .await
                }
                Err(StayProblem::TooFarAhead { last }) => {
                    book.say(tx, texts::date_too_far(last, lang), date_buttons(book, now))
                        .await
                }
                _ => {
                    book.save(tx, &Draft::Nights { name, check_in }).await?;
                    book.say(tx, texts::ask_nights(MOST_NIGHTS, lang), night_buttons())
                        .await
                }
            }
        }
        Draft::Nights { name, check_in } => {
            let nights = text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MOST_NIGHTS).contains(n));
            let Some(nights) = nights else {
                return book
                    .say(
                        tx,
                        texts::invalid_nights(MOST_NIGHTS, lang),
                        night_buttons(),
                    )
                    .await;
            };
            let stay = Stay { check_in, nights };
            let free = rooms::free_for(tx, stay).await?;
            if free.is_empty() {
                let next = next_free_any(tx, &book.hotel, stay, now).await?;
                book.save(tx, &Draft::CheckIn { name }).await?;
                return book
                    .say(
                        tx,
                        texts::full(None, &next, lang),
                        dates_offered(book, &next, now),
                    )
                    .await;
            }
            book.save(
                tx,
                &Draft::RoomType {
                    name,
                    check_in,
                    nights,
                },
            )
            .await?;
            let offered: Vec<(String, i64)> =
                free.iter().map(|t| (t.name.clone(), t.price)).collect();
            let names = free.iter().map(|t| vec![t.name.clone()]).collect();
            book.say(
                tx,
                texts::ask_room_type(&offered, nights, lang),
                Answers::Offer(names),
            )
            .await
        }
        Draft::RoomType {
            name,
            check_in,
            nights,
        } => {
            let stay = Stay { check_in, nights };
            let Some(room_type) = rooms::find_by_name(tx, text).await? else {
                let names: Vec<String> =
                    rooms::all(tx).await?.into_iter().map(|t| t.name).collect();
                let offered = rooms::free_for(tx, stay).await?;
                return book
                    .say(
                        tx,
                        texts::unknown_room_type(&names, lang),
                        Answers::Offer(offered.into_iter().map(|t| vec![t.name]).collect()),
                    )
                    .await;
            };
            // The date may have passed while the conversation waited.
            if book.hotel.check_stay(stay, now).is_err() {
                return ask_check_in(tx, book, name, now).await;
            }
            let new = NewBooking {
                guest_name: name.clone(),
                guest: Guest::Telegram(book.telegram_id),
                room_type_id: room_type.id,
                stay,
                lang,
                request_id: None,
            };
            // Held, the guest's receipt is queued with the booking.
            match booking::hold(tx, &book.hotel, &new, now).await {
                Ok(_) => registration::clear(tx, book.telegram_id).await.map(|_| ()),
                Err(HoldError::Full { next_free }) => {
                    book.save(tx, &Draft::CheckIn { name }).await?;
                    book.say(
                        tx,
                        texts::full(Some(&room_type.name), &next_free, lang),
                        dates_offered(book, &next_free, now),
                    )
                    .await
                }
                Err(HoldError::AlreadyPending { receipt }) => {
                    registration::clear(tx, book.telegram_id).await?;
                    book.say(tx, texts::already_pending(&receipt, lang), Answers::Remove)
                        .await
                }
                Err(HoldError::UnknownType) => {
                    book.say(tx, texts::unknown_room_type(&[], lang), Answers::Remove)
                        .await
                }
                Err(HoldError::Db(e)) => Err(e),
            }
        }
    }
}

async fn ask_check_in(
    tx: &mut Conn,
    book: &Guestbook,
    name: String,
    now: i64,
) -> Result<(), sqlx::Error> {
    book.save(tx, &Draft::CheckIn { name }).await?;
    book.say(
        tx,
        texts::ask_check_in(book.hotel.last_check_in(now), book.lang),
        date_buttons(book, now),
    )
    .await
}

/// The next check-in dates on which any room type has a room for the whole stay.
async fn next_free_any(
    tx: &mut Conn,
    hotel: &Hotel,
    stay: Stay,
    now: i64,
) -> Result<Vec<Date>, sqlx::Error> {
    let mut dates = Vec::new();
    for room_type in rooms::all(tx).await? {
        dates.extend(rooms::next_free(tx, hotel, &room_type, stay, now).await?);
    }
    dates.sort();
    dates.dedup();
    dates.truncate(3);
    Ok(dates)
}

/// Today and the next days, as buttons, within the booking window.
fn date_buttons(book: &Guestbook, now: i64) -> Answers {
    let today = book.hotel.today(now);
    let last = book.hotel.last_check_in(now);
    let dates: Vec<Date> = (0..DATE_BUTTONS)
        .filter_map(|n| today.checked_add(time::Duration::days(n)))
        .filter(|d| *d <= last)
        .collect();
    dates_offered(book, &dates, now)
}

/// `dates` as buttons with their weekdays, two a row ("Hari ini", "Besok" named so).
fn dates_offered(book: &Guestbook, dates: &[Date], now: i64) -> Answers {
    let today = book.hotel.today(now);
    Answers::Offer(
        dates
            .chunks(2)
            .map(|row| {
                row.iter()
                    .map(|d| texts::date_button(*d, today, book.lang))
                    .collect()
            })
            .collect(),
    )
}

fn night_buttons() -> Answers {
    let nights: Vec<String> = (1..=NIGHT_BUTTONS).map(|n| n.to_string()).collect();
    Answers::Offer(nights.chunks(4).map(<[String]>::to_vec).collect())
}

/// A location the guest shared (a live one's first position, or a single one; `answer`)
/// or a live location's next position (no answer): kept for their pending booking. Only
/// the guest's own booking, and only while it waits, takes it.
pub(super) async fn shared_location(
    tx: &mut Conn,
    book: &Guestbook,
    message: &Message,
    answer: bool,
) -> Result<(), sqlx::Error> {
    let Some(fix) = message.location().and_then(|location| {
        Fix {
            latitude: location.latitude,
            longitude: location.longitude,
            accuracy_m: location.horizontal_accuracy,
        }
        .checked()
    }) else {
        return Ok(());
    };
    let shared = location::share(
        tx,
        &book.hotel,
        Sharer::Telegram(book.telegram_id),
        fix,
        now_ms(),
    )
    .await?;
    if !answer {
        return Ok(());
    }
    let html = match shared {
        Shared::Kept {
            booking,
            distance_m,
        } => texts::position_noted(&booking, &book.hotel, distance_m, Format::Html),
        Shared::NoPendingBooking | Shared::Off => texts::position_without_booking(book.lang),
    };
    book.say(tx, html, Answers::Remove).await
}

// --- Front office ---------------------------------------------------------------------------

/// The account of `telegram_id` if it may work bookings, or what to tell them (plain text,
/// in `lang`).
async fn front_office(
    tx: &mut Conn,
    hotel: &Hotel,
    telegram_id: i64,
    lang: Lang,
) -> Result<Result<users::User, String>, sqlx::Error> {
    let Some(user) = users::find_by_telegram_id(tx, telegram_id).await? else {
        return Ok(Err(texts::front_office_only(lang)));
    };
    Ok(match booking::may_work(tx, hotel, &user).await? {
        BookingWork::Allowed => Ok(user),
        BookingWork::Refused => Err(texts::front_office_only(lang)),
        BookingWork::Unconfirmed => Err(texts::membership_unchecked(lang)),
    })
}

/// The commands only those who work bookings may use.
const FRONT_OFFICE_COMMANDS: [&str; 3] = ["cek_pembayaran", "update_paid", "update_cancel"];

/// Before a batch's transaction, with bookings on: asks Telegram whether those who send a
/// front-office command or press a booking's button in `updates` are in the FO chat, where
/// the cache's answer is missing or older than the refresh period, so that
/// [`booking::may_work`] decides on Telegram's word rather than on an old answer. Costs
/// nothing for a batch without such updates; a failure is logged, and the cache decides.
pub(super) async fn ask_front_office<'u>(
    db: &Db,
    bot: &BotContext,
    updates: impl Iterator<Item = &'u Update>,
) {
    let Some(base) = &bot.hotel else { return };
    let mut senders: Vec<i64> = updates
        .filter_map(|update| front_office_sender(bot, update))
        .collect();
    senders.sort_unstable();
    senders.dedup();
    if senders.is_empty() {
        return;
    }
    let asked = async {
        let mut people = Vec::new();
        let mut conn = db.pool().acquire().await?;
        for telegram_id in senders {
            people.extend(users::find_by_telegram_id(&mut conn, telegram_id).await?);
        }
        // Not held while Telegram is asked.
        drop(conn);
        booking::ask_front_office(db, &bot.telegram, base, &people, bot.membership_refresh).await
    };
    if let Err(e) = asked.await {
        tracing::warn!(error = %e, "cannot ask about the FO chat's members; the cache decides");
    }
}

/// Whether [`ask_front_office`] may have to ask Telegram about `update`'s sender before it
/// is processed.
pub(super) fn asks_front_office(bot: &BotContext, update: &Update) -> bool {
    bot.hotel.is_some() && front_office_sender(bot, update).is_some()
}

/// Who sent `update`, if it is a front-office command in a private chat or a press of a
/// booking's button.
fn front_office_sender(bot: &BotContext, update: &Update) -> Option<i64> {
    match &update.kind {
        UpdateKind::Message(message) if message.chat.is_private() => {
            let command = Command::parse(message.text()?, &bot.me.username)?;
            let from = message.from.as_ref().filter(|u| !u.is_bot)?;
            FRONT_OFFICE_COMMANDS
                .contains(&command.name.as_str())
                .then_some(from.id.0 as i64)
        }
        UpdateKind::CallbackQuery(query) => query
            .data
            .as_deref()
            .is_some_and(is_booking_button)
            .then_some(query.from.id.0 as i64),
        _ => None,
    }
}

/// `/cek_pembayaran`: the dashboard ([`dashboard`]): pending bookings, soonest deadline
/// first, each with its buttons, kept up to date.
pub(super) async fn check_payments(
    tx: &mut Conn,
    hotel: &Hotel,
    telegram_id: i64,
    chat_id: i64,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    if let Err(refusal) = front_office(tx, hotel, telegram_id, lang).await? {
        return outbox::enqueue(tx, &Outgoing::message(chat_id, escape(&refusal))).await;
    }
    dashboard::send(tx, hotel, chat_id, now_ms(), lang).await
}

/// `/update_paid RESI` and `/update_cancel RESI`.
pub(super) async fn update_by_receipt(
    tx: &mut Conn,
    hotel: &Hotel,
    telegram_id: i64,
    chat_id: i64,
    command: &str,
    receipt: &str,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    let decision = if command == "update_paid" {
        Decision::Paid
    } else {
        Decision::Cancel
    };
    let html = match front_office(tx, hotel, telegram_id, lang).await? {
        Err(refusal) => escape(&refusal),
        Ok(_) if receipt.trim().is_empty() => texts::update_usage(command, lang),
        Ok(user) => escape(&match booking::find_by_receipt(tx, receipt).await? {
            None => texts::booking_not_found(receipt.trim(), lang),
            Some(found) => decide(tx, hotel, &user, found.id, decision, lang).await?,
        }),
    };
    outbox::enqueue(tx, &Outgoing::message(chat_id, html)).await
}

/// A booking's button pressed, on message `on` (`(chat, message id)`, when Telegram says
/// which): **Lunas**, **Batal** (which asks to confirm), its confirmation, or putting a
/// paid booking back. What to tell the presser (plain text, as a button's answer is
/// shown, in `lang`); `None` for data that is not a booking's button.
pub(super) async fn pressed(
    tx: &mut Conn,
    hotel: &Hotel,
    telegram_id: i64,
    data: &str,
    on: Option<(i64, i32)>,
    lang: Lang,
) -> Result<Option<String>, sqlx::Error> {
    let Some(press) = Press::parse(data) else {
        return Ok(None);
    };
    let user = match front_office(tx, hotel, telegram_id, lang).await? {
        Err(refusal) => return Ok(Some(refusal)),
        Ok(user) => user,
    };
    let now = now_ms();
    let answer = match press {
        Press::Paid(id) => decide(tx, hotel, &user, id, Decision::Paid, lang).await?,
        Press::CancelConfirmed(id) => decide(tx, hotel, &user, id, Decision::Cancel, lang).await?,
        Press::Cancel(id) => match booking::find(tx, id).await? {
            Some(found) if found.status() == booking::Status::Pending => {
                if let Some((chat, message)) = on {
                    dashboard::ask_to_confirm(tx, hotel, chat, message, Some(id), now, lang)
                        .await?;
                }
                texts::confirm_cancel(&found, lang)
            }
            Some(found) => texts::already_decided(&found, lang),
            None => texts::booking_not_found(&id.to_string(), lang),
        },
        Press::Keep => {
            if let Some((chat, message)) = on {
                dashboard::ask_to_confirm(tx, hotel, chat, message, None, now, lang).await?;
            }
            texts::keep_button(lang).to_owned()
        }
        Press::Revert(id) => match booking::revert_paid(tx, hotel, &user, id, now).await {
            Ok(reverted) => texts::revert_done(&reverted, lang),
            Err(RevertError::Db(e)) => return Err(e),
            Err(refused) => texts::revert_refused(refused.reason(), lang),
        },
    };
    Ok(Some(answer))
}

/// Whether `data` is a booking's button (`bk:…`).
pub(super) fn is_booking_button(data: &str) -> bool {
    data.starts_with("bk:")
}

/// Decides booking `id`; what to tell `user`, in plain text, in `lang`.
async fn decide(
    tx: &mut Conn,
    hotel: &Hotel,
    user: &users::User,
    id: i64,
    decision: Decision,
    lang: Lang,
) -> Result<String, sqlx::Error> {
    Ok(match booking::decide(tx, hotel, id, decision, user).await {
        Ok(done) => texts::decision_done(&done, decision == Decision::Paid, lang),
        Err(DecideError::AlreadyDecided(found)) => texts::already_decided(&found, lang),
        Err(DecideError::NotFound) => texts::booking_not_found(&id.to_string(), lang),
        Err(DecideError::Db(e)) => return Err(e),
    })
}
