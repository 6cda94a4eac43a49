//! The daily digest: the `/rekap` sent to the staff chat (`TANGKAP_STAFF_CHAT`) at a set
//! time of day (`TANGKAP_DIGEST_AT`), with tonight's occupancy when bookings are on. It is a timer of the one engine ([`crate::timers`]):
//! firing queues the message in the outbox and sets the next day's timer in the same
//! transaction, so the digest goes once a day however many instances run, and one due
//! while Tangkap was down goes at start.

use time::{Time, UtcOffset};

use super::rekap;
use crate::{
    booking::{desk, HotelBase},
    db::{now_ms, Conn, Db},
    lang::Lang,
    telegram::{
        outbox::{self, Outgoing},
        report_texts,
    },
    timers::{self, Timer},
};

/// The digest's timer kind; there is one such timer (entity 0).
pub const TIMER: &str = "daily_rekap";
const ENTITY: i64 = 0;
const MS_PER_DAY: i64 = 86_400_000;

/// Where and when the digest goes.
#[derive(Clone, Debug)]
pub struct Digest {
    pub staff_chat: i64,
    /// The time of day, at `offset`.
    pub at: Time,
    pub offset: UtcOffset,
    /// The hotel, when bookings are on: the digest then tells tonight's occupancy too.
    pub hotel: Option<HotelBase>,
}

impl Digest {
    /// The first time after `now` (Unix ms) the clock at `offset` reads `at`.
    pub fn next_after(&self, now: i64) -> i64 {
        let offset_ms = i64::from(self.offset.whole_seconds()) * 1000;
        let (hour, minute, second) = self.at.as_hms();
        let time_of_day =
            (i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1000;
        let local_midnight = (now + offset_ms).div_euclid(MS_PER_DAY) * MS_PER_DAY - offset_ms;
        let today = local_midnight + time_of_day;
        if today > now {
            today
        } else {
            today + MS_PER_DAY
        }
    }

    /// Sends the digest (the timer came due) and sets the next one, in `tx`.
    pub async fn fire(&self, tx: &mut Conn) -> Result<(), sqlx::Error> {
        let now = now_ms();
        let figures = rekap::rekap(tx, now, self.offset).await?;
        let mut text = report_texts::rekap(&figures, Lang::Id);
        if let Some(base) = &self.hotel {
            let hotel = base.load(tx).await?;
            let occupancy = desk::occupancy(tx, &hotel, now).await?;
            text.push_str(&format!("\n\n{}", report_texts::occupancy(&occupancy)));
        }
        let message = Outgoing::message(self.staff_chat, text);
        outbox::enqueue(tx, &message).await?;
        timers::set(
            tx,
            &[Timer {
                kind: TIMER,
                entity: ENTITY,
                due_at: self.next_after(now),
            }],
        )
        .await
    }
}

/// Makes the digest timer agree with the settings at start: none without a digest; with
/// one, the timer set already stays (it may be due now, missed while Tangkap was down)
/// unless it is for another time of day, and a missing one is set for the next `at`.
pub async fn schedule(db: &Db, digest: Option<&Digest>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    match digest {
        None => timers::cancel(&mut tx, &[TIMER], &[ENTITY]).await?,
        Some(digest) => {
            let now = now_ms();
            let next = digest.next_after(now);
            let set: Option<i64> =
                sqlx::query_scalar("SELECT due_at FROM timers WHERE kind = $1 AND entity = $2")
                    .bind(TIMER)
                    .bind(ENTITY)
                    .fetch_optional(&mut *tx)
                    .await?;
            let same_time_of_day = set.is_some_and(|due| (next - due).rem_euclid(MS_PER_DAY) == 0);
            if !same_time_of_day {
                timers::set(
                    &mut tx,
                    &[Timer {
                        kind: TIMER,
                        entity: ENTITY,
                        due_at: next,
                    }],
                )
                .await?;
            }
        }
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_digest_is_today_if_its_time_is_still_ahead_else_tomorrow() {
        let digest = Digest {
            staff_chat: -100,
            at: Time::from_hms(17, 0, 0).unwrap(),
            offset: UtcOffset::from_hms(7, 0, 0).unwrap(),
            hotel: None,
        };
        // 2026-12-05 08:00 WIB (01:00 UTC) → 17:00 WIB that day (10:00 UTC).
        let morning = 1_796_432_400_000;
        assert_eq!(digest.next_after(morning), morning + 9 * 3_600_000);
        // 18:00 WIB → 17:00 WIB the next day.
        let evening = morning + 10 * 3_600_000;
        assert_eq!(digest.next_after(evening), morning + 33 * 3_600_000);
        // Exactly at 17:00 it has just gone: the next is tomorrow.
        let at = morning + 9 * 3_600_000;
        assert_eq!(digest.next_after(at), at + MS_PER_DAY);
    }
}
