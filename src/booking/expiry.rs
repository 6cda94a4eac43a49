//! What a booking's timers do. A pending booking waits on one timer at a time, each
//! setting the next in the transaction that takes it, so each comes once whatever stops
//! the process: a later check-in's guest is reminded on the morning of the day
//! (`booking.remind_at`); `booking.warn_before` the hold runs out, the FO and the guest are
//! told; when it has, an unpaid booking is cancelled by the system, its room freed, and the
//! guest and the FO told. A paid or cancelled booking's hold timers were removed with its
//! decision, which set the erasure's: `booking.erase_after` the stay, the guest's name and
//! contact are erased. A web request whose link was never opened is forgotten when the link
//! stops working.

use super::{
    erase, find, location, next_hold_timer, settle, tell_front_office, texts, to_guest, web,
    DecideError, Hotel, Status, ERASE, EXPIRY, REMINDER, REQUEST_EXPIRY, WARNING,
};
use crate::{
    db::{now_ms, Conn},
    telegram::outbox,
    timers::{self, Due},
};

/// Whether timer kind `kind` is a booking's.
pub fn is_booking_timer(kind: &str) -> bool {
    [REMINDER, WARNING, EXPIRY, ERASE, REQUEST_EXPIRY].contains(&kind)
}

/// Acts on booking timers `due` inside `tx`.
pub async fn fire(tx: &mut Conn, hotel: &Hotel, due: &[Due]) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for timer in due {
        match timer.kind.as_str() {
            kind @ (REMINDER | WARNING) => match find(tx, timer.entity).await? {
                Some(booking) if booking.status() == Status::Pending => {
                    if kind == WARNING {
                        let warning = texts::running_out(&booking, hotel, now);
                        tell_front_office(tx, hotel, &[warning]).await?;
                    }
                    let what = if kind == REMINDER {
                        "reminder"
                    } else {
                        "running_out"
                    };
                    let told = to_guest(&booking, hotel, what, true, |fmt| match kind {
                        REMINDER => texts::reminder(&booking, hotel, fmt),
                        _ => texts::running_out_for_guest(&booking, hotel, now, fmt),
                    });
                    if let Some(told) = told {
                        outbox::enqueue(tx, &told).await?;
                    }
                    timers::set(tx, &[next_hold_timer(hotel, &booking, Some(kind), now)]).await?;
                }
                _ => {}
            },
            // A guest on the way keeps the room a while longer; otherwise only a booking
            // still pending is cancelled: settle's update says whether it is.
            EXPIRY => match find(tx, timer.entity).await? {
                Some(booking)
                    if location::extend_if_on_the_way(tx, hotel, &booking, now).await? => {}
                _ => match settle(
                    tx,
                    hotel,
                    timer.entity,
                    Status::Cancelled,
                    None,
                    texts::SYSTEM_ACTOR,
                )
                .await
                {
                    Ok(_) | Err(DecideError::NotFound | DecideError::AlreadyDecided(_)) => {}
                    Err(DecideError::Db(e)) => return Err(e),
                },
            },
            ERASE => erase(tx, timer.entity, now).await?,
            REQUEST_EXPIRY => web::forget_request(tx, timer.entity).await?,
            _ => {}
        }
    }
    Ok(())
}
