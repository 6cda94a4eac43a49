//! A guest on the way keeps the room: the owner's rule ("Jika lokasi menunjukkan tamu
//! bergerak menuju hotel, maka hold bisa diperpanjang otomatis"). While a booking is
//! pending its guest may share where they are: in Telegram a location or a live location
//! (whose new positions arrive as edits), on the booking page the browser's position every
//! few minutes, authorised by the link's token. When the hold runs out, it is extended by
//! `booking.extend_by`, at most `booking.max_extensions` times, if a recent, precise
//! position lies within `booking.extend_radius` of the hotel, or the last positions show the
//! guest coming closer; otherwise it ends as any other.
//!
//! Positions are the guest's, and only while it matters: only the booking's own guest's
//! are kept, only while it is pending, only the last half hour's, and all of them go when
//! it is decided. Its timeline keeps the distance of an extension, nothing more.

use sqlx::Row;

use super::config::LocationRule;
use super::{
    find, find_pending, next_hold_timer, record, tell_front_office, texts, to_guest, Booking,
    Guest, Hotel, Status, REMINDER,
};
use crate::{db::Conn, telegram::outbox, timers};

/// A position as a guest's phone or browser gave it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// Degrees.
    pub latitude: f64,
    pub longitude: f64,
    /// The radius of uncertainty, in metres, when the sender gave one.
    pub accuracy_m: Option<f64>,
}

impl Fix {
    /// The fix, if its numbers can be a place on Earth.
    pub fn checked(self) -> Option<Self> {
        let valid = self.latitude.is_finite()
            && self.longitude.is_finite()
            && (-90.0..=90.0).contains(&self.latitude)
            && (-180.0..=180.0).contains(&self.longitude)
            && self
                .accuracy_m
                .is_none_or(|a| a.is_finite() && (0.0..=1_000_000.0).contains(&a));
        valid.then_some(self)
    }
}

/// The great-circle distance in metres between two points given in degrees.
pub fn distance_m(from: (f64, f64), to: (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (lat1, lat2) = (from.0.to_radians(), to.0.to_radians());
    let (dlat, dlon) = ((to.0 - from.0).to_radians(), (to.1 - from.1).to_radians());
    let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// Who shares a position: a Telegram account, or whoever holds a booking link's token.
#[derive(Clone, Copy, Debug)]
pub enum Sharer<'a> {
    Telegram(i64),
    Link(&'a str),
}

/// What became of a shared position.
#[derive(Debug)]
pub enum Shared {
    /// Kept for the sharer's pending booking, this far from the hotel.
    Kept {
        booking: Box<Booking>,
        distance_m: i64,
    },
    /// The sharer has no pending booking (none, or it was decided): nothing is kept.
    NoPendingBooking,
    /// Holds are not extended by location here: nothing is kept.
    Off,
}

/// Positions older than this are of no use to the rule, and are deleted.
const KEPT_MS: i64 = 30 * 60_000;
/// A position counts as where the guest is for this long.
const FRESH_MS: i64 = 15 * 60_000;
/// Positions less precise than this are not trusted.
const PRECISE_M: f64 = 1_000.0;
/// Coming closer means at least this much closer (or the fixes' uncertainty, if more).
const CLOSER_BY_M: f64 = 300.0;

/// Keeps `fix`, shared at `now` by `sharer`, for their pending booking.
pub async fn share(
    tx: &mut Conn,
    hotel: &Hotel,
    sharer: Sharer<'_>,
    fix: Fix,
    now: i64,
) -> Result<Shared, sqlx::Error> {
    let Some(rule) = hotel.location else {
        return Ok(Shared::Off);
    };
    let booking = match sharer {
        Sharer::Telegram(telegram_id) => find_pending(tx, &Guest::Telegram(telegram_id)).await?,
        Sharer::Link(token) => match super::web::booking_of_link(tx, token).await? {
            Some(id) => find(tx, id).await?,
            None => None,
        },
    };
    let Some(booking) = booking.filter(|b| b.status() == Status::Pending) else {
        return Ok(Shared::NoPendingBooking);
    };
    let distance = distance_m((fix.latitude, fix.longitude), rule.hotel).round() as i64;
    sqlx::query(
        "INSERT INTO booking_positions (booking_id, lat_e6, lon_e6, accuracy_m, distance_m, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(booking.id)
    .bind((fix.latitude * 1e6).round() as i64)
    .bind((fix.longitude * 1e6).round() as i64)
    .bind(fix.accuracy_m.map(|a| a.round() as i64))
    .bind(distance)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM booking_positions WHERE booking_id = $1 AND at < $2")
        .bind(booking.id)
        .bind(now - KEPT_MS)
        .execute(&mut *tx)
        .await?;
    Ok(Shared::Kept {
        booking: Box::new(booking),
        distance_m: distance,
    })
}

/// A position as kept: when, how far from the hotel, how precise.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Kept {
    at: i64,
    distance_m: i64,
    accuracy_m: Option<i64>,
}

/// Whether `positions` (oldest first) at `now` are reason to extend a hold under `rule`:
/// the newest precise one is recent, and within the radius or closer than the oldest
/// precise one of the last half hour.
fn on_the_way(positions: &[Kept], rule: &LocationRule, now: i64) -> Option<texts::OnTheWay> {
    let precise: Vec<&Kept> = positions
        .iter()
        .filter(|p| p.at >= now - KEPT_MS)
        .filter(|p| p.accuracy_m.is_some_and(|a| a as f64 <= PRECISE_M))
        .collect();
    let newest = precise.last()?;
    if newest.at < now - FRESH_MS {
        return None;
    }
    let near = newest.distance_m <= i64::from(rule.radius_m);
    let oldest = precise.first()?;
    let uncertainty = (oldest.accuracy_m.unwrap_or(0) + newest.accuracy_m.unwrap_or(0)) as f64;
    let approaching = precise.len() >= 2
        && (newest.distance_m as f64) + CLOSER_BY_M.max(uncertainty) <= oldest.distance_m as f64;
    (near || approaching).then_some(texts::OnTheWay {
        distance_m: newest.distance_m,
        approaching,
    })
}

/// Extends pending `booking`'s hold, which ran out at `now`, if its guest is on the way and
/// it has extensions left: the new deadline, its timer, the event with the distance, and
/// the guest and the FO told why. Whether it was extended.
pub(super) async fn extend_if_on_the_way(
    tx: &mut Conn,
    hotel: &Hotel,
    booking: &Booking,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let Some(rule) = hotel.location else {
        return Ok(false);
    };
    if booking.status() != Status::Pending || booking.extensions >= rule.max_extensions {
        return Ok(false);
    }
    let rows = sqlx::query(
        "SELECT at, distance_m, accuracy_m FROM booking_positions WHERE booking_id = $1 \
         AND at >= $2 ORDER BY at, id",
    )
    .bind(booking.id)
    .bind(now - KEPT_MS)
    .fetch_all(&mut *tx)
    .await?;
    let positions = rows
        .iter()
        .map(|row| {
            Ok(Kept {
                at: row.try_get(0)?,
                distance_m: row.try_get(1)?,
                accuracy_m: row.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let Some(why) = on_the_way(&positions, &rule, now) else {
        return Ok(false);
    };
    let extended_by = rule.extend_by.as_millis() as i64;
    let hold_until = booking.hold_until.max(now) + extended_by;
    let moved = sqlx::query(
        "UPDATE bookings SET hold_until = $2, extensions = extensions + 1 \
         WHERE id = $1 AND status = 'pending' AND extensions = $3",
    )
    .bind(booking.id)
    .bind(hold_until)
    .bind(i64::from(booking.extensions))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 0 {
        return Ok(false);
    }
    let extended = Booking {
        hold_until,
        extensions: booking.extensions + 1,
        ..booking.clone()
    };
    let detail = format!(
        "{} m{}",
        why.distance_m,
        if why.approaching { ", mendekat" } else { "" }
    );
    record(
        tx,
        &[booking.id],
        "extended",
        None,
        texts::SYSTEM_ACTOR,
        now,
        Some(&detail),
    )
    .await?;
    // As after the check-in day's reminder: warned again before the new deadline, if
    // there is time for it, then the end.
    timers::set(
        tx,
        &[next_hold_timer(hotel, &extended, Some(REMINDER), now)],
    )
    .await?;
    let fo = texts::extended(&extended, hotel, why, rule.max_extensions);
    tell_front_office(tx, hotel, &[fo]).await?;
    if let Some(told) = to_guest(&extended, hotel, "extended", true, |fmt| {
        texts::extended_for_guest(&extended, hotel, why, rule.extend_by, fmt)
    }) {
        outbox::enqueue(tx, &told).await?;
    }
    super::dashboard::refresh(tx, hotel, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MINUTE: i64 = 60_000;

    fn rule() -> LocationRule {
        LocationRule {
            hotel: (-6.2, 106.816),
            radius_m: 10_000,
            extend_by: Duration::from_secs(1800),
            max_extensions: 2,
        }
    }

    fn at(minutes_ago: i64, distance_m: i64, accuracy_m: Option<i64>) -> Kept {
        Kept {
            at: 100 * MINUTE - minutes_ago * MINUTE,
            distance_m,
            accuracy_m,
        }
    }

    #[test]
    fn distances_on_the_globe() {
        // Monas to Bundaran HI, about 2.4 km.
        let metres = distance_m((-6.1754, 106.8272), (-6.1950, 106.8230));
        assert!((2_150.0..2_350.0).contains(&metres), "{metres}");
        assert_eq!(distance_m((0.0, 0.0), (0.0, 0.0)), 0.0);
        // A degree of longitude on the equator: 111.2 km.
        let degree = distance_m((0.0, 0.0), (0.0, 1.0));
        assert!((111_000.0..111_400.0).contains(&degree), "{degree}");
    }

    #[test]
    fn fixes_that_cannot_be_places_are_refused() {
        let fix = |latitude, longitude, accuracy_m| Fix {
            latitude,
            longitude,
            accuracy_m,
        };
        assert!(fix(-6.2, 106.8, Some(20.0)).checked().is_some());
        assert!(fix(-6.2, 106.8, None).checked().is_some());
        for bad in [
            fix(f64::NAN, 106.8, None),
            fix(-91.0, 106.8, None),
            fix(-6.2, 181.0, None),
            fix(-6.2, f64::INFINITY, None),
            fix(-6.2, 106.8, Some(-1.0)),
        ] {
            assert!(bad.checked().is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_hold_is_extended_only_for_a_guest_on_the_way() {
        let now = 100 * MINUTE;
        let near = |positions: &[Kept]| on_the_way(positions, &rule(), now);
        // Within the radius, recent and precise.
        assert_eq!(
            near(&[at(2, 3_000, Some(20))]),
            Some(texts::OnTheWay {
                distance_m: 3_000,
                approaching: false
            })
        );
        // Coming closer from beyond the radius.
        assert_eq!(
            near(&[at(20, 25_000, Some(30)), at(1, 18_000, Some(30))]),
            Some(texts::OnTheWay {
                distance_m: 18_000,
                approaching: true
            })
        );
        // Too old, too vague, without accuracy, beyond the radius and not closer.
        assert_eq!(near(&[at(16, 3_000, Some(20))]), None, "stale");
        assert_eq!(near(&[at(1, 3_000, Some(1_500))]), None, "imprecise");
        assert_eq!(near(&[at(1, 3_000, None)]), None, "no accuracy given");
        assert_eq!(
            near(&[at(20, 25_000, Some(30)), at(1, 24_900, Some(30))]),
            None,
            "closer by less than the fixes can tell"
        );
        assert_eq!(
            near(&[at(20, 18_000, Some(30)), at(1, 25_000, Some(30))]),
            None,
            "going away"
        );
        assert_eq!(near(&[]), None);
    }
}
