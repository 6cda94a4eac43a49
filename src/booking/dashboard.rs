//! The front office's dashboard in the chat: `/cek_pembayaran` answers with the pending
//! bookings, a **Lunas** and a **Batal** button for each named by its receipt, and a button
//! that opens the Mini App's Booking page. The list does not go stale: every change of the
//! pending bookings (a hold, a decision in the chat or in the app, an extension, a paid
//! booking put back) edits each chat's newest list in place, counts, lines and buttons,
//! and a newer `/cek_pembayaran` in a chat retires the older list's buttons. Lists are
//! found by their outbox rows (tagged [`ABOUT`]), so no table of their own is kept.

use sqlx::Row;

use super::{pending, texts, Booking, Hotel};
use crate::{
    db::Conn,
    lang::{self, Lang},
    telegram::outbox::{self, Button, Keyboard, MessageRef, Outgoing},
};

/// The outbox tag of every list message.
pub const ABOUT: &str = "booking_list";
/// Pending bookings listed, each with its buttons.
const LISTED: i64 = 20;
/// A list older than this is no longer edited (Telegram allows edits at any age, but a
/// list nobody has looked at for two days is not worth a message a change).
const LIVE_MS: i64 = 48 * 3_600_000;

/// The button data of the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Press {
    Paid(i64),
    /// Batal pressed: asks to confirm.
    Cancel(i64),
    /// Batal confirmed.
    CancelConfirmed(i64),
    /// The confirmation declined: the list as it was.
    Keep,
    /// A paid booking put back to pending (owners and admins, for a while).
    Revert(i64),
}

impl Press {
    pub fn data(self) -> String {
        match self {
            Press::Paid(id) => format!("bk:paid:{id}"),
            Press::Cancel(id) => format!("bk:cancel:{id}"),
            Press::CancelConfirmed(id) => format!("bk:cancel!:{id}"),
            Press::Keep => "bk:keep:0".to_owned(),
            Press::Revert(id) => format!("bk:revert:{id}"),
        }
    }

    /// A booking's button data (`bk:…`), if it is one.
    pub fn parse(data: &str) -> Option<Self> {
        let (what, id) = data.strip_prefix("bk:")?.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        Some(match what {
            "paid" => Press::Paid(id),
            "cancel" => Press::Cancel(id),
            "cancel!" => Press::CancelConfirmed(id),
            "keep" => Press::Keep,
            "revert" => Press::Revert(id),
            _ => return None,
        })
    }
}

/// The receipt's day number as the buttons name it (`004`), or with its date when another
/// listed booking shares the number (`0612-004`).
fn short_receipt<'b>(booking: &'b Booking, listed: &[Booking]) -> &'b str {
    let receipt = booking.receipt.as_str();
    let number = receipt.rsplit('-').next().unwrap_or(receipt);
    let shared = listed
        .iter()
        .filter(|other| other.receipt.rsplit('-').next() == Some(number))
        .count()
        > 1;
    if shared {
        // RESI-YYYYMMDD-NNN → MMDD-NNN.
        receipt.get(9..).unwrap_or(receipt)
    } else {
        number
    }
}

/// The list as it stands at `now`: its text and buttons; `confirming` the booking whose
/// Batal waits for confirmation.
async fn render(
    conn: &mut Conn,
    hotel: &Hotel,
    now: i64,
    confirming: Option<i64>,
    lang: Lang,
) -> Result<(String, Keyboard), sqlx::Error> {
    let (listed, count) = pending(conn, LISTED).await?;
    let mut keyboard: Keyboard = Vec::with_capacity(listed.len() + 1);
    if let Some(url) = &hotel.dashboard {
        keyboard.push(vec![Button::mini_app(
            texts::open_dashboard_button(lang),
            url,
        )]);
    }
    for booking in &listed {
        let short = short_receipt(booking, &listed);
        keyboard.push(if confirming == Some(booking.id) {
            vec![
                Button::callback(
                    format!("{} {short}", texts::confirm_cancel_button(lang)),
                    Press::CancelConfirmed(booking.id).data(),
                ),
                Button::callback(texts::keep_button(lang), Press::Keep.data()),
            ]
        } else {
            vec![
                Button::callback(
                    format!("{} {short}", texts::paid_button(lang)),
                    Press::Paid(booking.id).data(),
                ),
                Button::callback(
                    format!("{} {short}", texts::cancel_button(lang)),
                    Press::Cancel(booking.id).data(),
                ),
            ]
        });
    }
    Ok((texts::pending_list(&listed, count, now, lang), keyboard))
}

/// `/cek_pembayaran` in `chat_id`, in `lang`: the list, kept up to date from now on; the
/// chat's older list stops acting.
pub async fn send(
    tx: &mut Conn,
    hotel: &Hotel,
    chat_id: i64,
    now: i64,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    for (row, chat) in live_lists(tx, now).await? {
        if chat == chat_id {
            let retired = Outgoing::EditMessage {
                chat_id,
                message: MessageRef::Outbox(row),
                html: texts::list_replaced(lang),
                keyboard: Vec::new(),
            };
            outbox::enqueue(tx, &retired).await?;
        }
    }
    let (html, keyboard) = render(tx, hotel, now, None, lang).await?;
    outbox::enqueue_about(tx, &Outgoing::with_buttons(chat_id, html, keyboard), ABOUT).await?;
    Ok(())
}

/// The pending bookings changed: each chat's newest list is edited to say so, in the
/// language of the person whose private chat it is.
pub async fn refresh(tx: &mut Conn, hotel: &Hotel, now: i64) -> Result<(), sqlx::Error> {
    let lists = live_lists(tx, now).await?;
    if lists.is_empty() {
        return Ok(());
    }
    let mut rendered: Vec<(Lang, (String, Keyboard))> = Vec::new();
    let mut edits = Vec::with_capacity(lists.len());
    for (row, chat_id) in lists {
        let lang = lang::stored(tx, chat_id).await?;
        let (html, keyboard) = match rendered.iter().find(|(done, _)| *done == lang) {
            Some((_, list)) => list.clone(),
            None => {
                let list = render(tx, hotel, now, None, lang).await?;
                rendered.push((lang, list.clone()));
                list
            }
        };
        edits.push(Outgoing::EditMessage {
            chat_id,
            message: MessageRef::Outbox(row),
            html,
            keyboard,
        });
    }
    outbox::enqueue_many(tx, &edits).await
}

/// Batal pressed on list message `message_id` in `chat_id`: that list asks to confirm
/// cancelling `booking_id` (or, `None`, shows the list as it is again).
pub async fn ask_to_confirm(
    tx: &mut Conn,
    hotel: &Hotel,
    chat_id: i64,
    message_id: i32,
    booking_id: Option<i64>,
    now: i64,
    lang: Lang,
) -> Result<(), sqlx::Error> {
    let (html, keyboard) = render(tx, hotel, now, booking_id, lang).await?;
    let edit = Outgoing::EditMessage {
        chat_id,
        message: MessageRef::Telegram(message_id),
        html,
        keyboard,
    };
    outbox::enqueue(tx, &edit).await
}

/// `(outbox row, chat)` of each chat's newest list of the last [`LIVE_MS`].
async fn live_lists(conn: &mut Conn, now: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT MAX(id), chat_id FROM outbox WHERE about = $1 AND created_at > $2 \
         GROUP BY chat_id ORDER BY chat_id",
    )
    .bind(ABOUT)
    .bind(now - LIVE_MS)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_carry_what_they_do() {
        for press in [
            Press::Paid(7),
            Press::Cancel(7),
            Press::CancelConfirmed(7),
            Press::Keep,
            Press::Revert(7),
        ] {
            assert_eq!(Press::parse(&press.data()), Some(press));
            assert!(press.data().len() <= 64, "Telegram's limit");
        }
        for bad in ["", "bk:", "bk:paid", "bk:paid:x", "bk:burn:1", "ap:1:2"] {
            assert_eq!(Press::parse(bad), None, "{bad}");
        }
    }
}
