//! What a booking's timers do: `booking.warn_before` the hold runs out, the FO are told
//! (and the end's timer set); when it has, an unpaid booking is cancelled by the system,
//! its room freed, and the guest and the FO told. A paid or cancelled booking's hold
//! timers were removed with its decision, which set the erasure's: `booking.erase_after`
//! the stay, the guest's name and contact are erased. A web request whose link was never
//! opened is forgotten when the link stops working.

use super::{
    erase, find, settle, tell_front_office, web, DecideError, Hotel, Status, ERASE, EXPIRY,
    REQUEST_EXPIRY, WARNING,
};
use crate::{
    db::{now_ms, Conn},
    telegram::booking_texts as texts,
    timers::{self, Due, Timer},
};

/// Whether timer kind `kind` is a booking's.
pub fn is_booking_timer(kind: &str) -> bool {
    [WARNING, EXPIRY, ERASE, REQUEST_EXPIRY].contains(&kind)
}

/// Acts on booking timers `due` inside `tx`.
pub async fn fire(tx: &mut Conn, hotel: &Hotel, due: &[Due]) -> Result<(), sqlx::Error> {
    for timer in due {
        match timer.kind.as_str() {
            // The warning sets the end's timer in the transaction that takes its own, so
            // the end comes once, whatever stops the process.
            WARNING => match find(tx, timer.entity).await? {
                Some(booking) if booking.status() == Status::Pending => {
                    tell_front_office(tx, hotel, &[texts::running_out(&booking, hotel)]).await?;
                    timers::set(
                        tx,
                        &[Timer {
                            kind: EXPIRY,
                            entity: booking.id,
                            due_at: booking.hold_until,
                        }],
                    )
                    .await?;
                }
                _ => {}
            },
            // Only a booking still pending is cancelled: settle's update says whether it is.
            EXPIRY => match settle(
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
            ERASE => erase(tx, timer.entity, now_ms()).await?,
            REQUEST_EXPIRY => web::forget_request(tx, timer.entity).await?,
            _ => {}
        }
    }
    Ok(())
}
