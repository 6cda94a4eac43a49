//! The hotel's `[booking]` section. Bookings are off unless it names room types.

use std::time::Duration;

use serde::Deserialize;

use super::{parse_duration_within, ConfigError};

/// Bookings with a hold time, as the hotel configured them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingConfig {
    /// Shown to guests in every answer.
    pub hotel_name: String,
    /// How long a booking holds its room unpaid.
    pub hold: Duration,
    /// How long before the hold runs out the FO chat is told.
    pub warn_before: Duration,
    /// The front-office group: told of every booking; its members are the FO.
    pub staff_chat: Option<i64>,
    /// The latest check-in date a guest may choose, in days from today.
    pub book_ahead_days: u32,
    /// How a guest pays, shown with the receipt.
    pub payment_text: String,
    /// Guests' names and emails are erased this long after their stay.
    pub erase_after: Duration,
    pub room_types: Vec<RoomTypeConfig>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomTypeConfig {
    pub name: String,
    pub rooms: u32,
}

pub const DEFAULT_PAYMENT_TEXT: &str = "Pembayaran dengan QRIS di resepsionis saat kedatangan. \
     / Payment by QRIS at the front desk on arrival.";

/// The most nights one booking may hold.
pub const MOST_NIGHTS: u32 = 14;

/// `[booking]` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BookingFile {
    hotel_name: Option<String>,
    hold: Option<String>,
    warn_before: Option<String>,
    staff_chat: Option<i64>,
    book_ahead_days: Option<u32>,
    payment_text: Option<String>,
    erase_after: Option<String>,
    #[serde(default)]
    room_types: Vec<RoomTypeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomTypeFile {
    name: String,
    rooms: u32,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl BookingFile {
    /// The bookings configured, or `None` when no room type is (bookings are off).
    pub(super) fn into_config(self) -> Result<Option<BookingConfig>, ConfigError> {
        let invalid = |name: &'static str, message: &str| ConfigError::Value {
            name,
            message: message.into(),
        };
        let mut room_types: Vec<RoomTypeConfig> = Vec::new();
        for room_type in self.room_types {
            let name = room_type
                .name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() || name.chars().count() > 40 {
                return Err(invalid(
                    "booking.room_types.name",
                    "give each room type a name of 1 to 40 characters",
                ));
            }
            if room_types
                .iter()
                .any(|t| t.name.to_lowercase() == name.to_lowercase())
            {
                return Err(ConfigError::Value {
                    name: "booking.room_types.name",
                    message: format!("{name:?} is listed twice"),
                });
            }
            if room_type.rooms > 10_000 {
                return Err(invalid("booking.room_types.rooms", "use 0 to 10000 rooms"));
            }
            room_types.push(RoomTypeConfig {
                name,
                rooms: room_type.rooms,
            });
        }
        if room_types.is_empty() {
            return Ok(None);
        }
        let duration = |name, text: Option<String>, default, least, most, allowed| match text {
            Some(text) => parse_duration_within(name, &text, least, most, allowed),
            None => Ok(default),
        };
        let hold = duration(
            "booking.hold",
            self.hold,
            Duration::from_secs(2 * 3600),
            Duration::from_secs(1),
            7 * DAY,
            "use a duration from 1s to 7 days, e.g. 2h",
        )?;
        let warn_before = duration(
            "booking.warn_before",
            self.warn_before,
            Duration::from_secs(15 * 60),
            Duration::ZERO,
            hold,
            "use a duration no longer than the hold (0: no warning)",
        )?;
        let erase_after = duration(
            "booking.erase_after",
            self.erase_after,
            90 * DAY,
            Duration::ZERO,
            3650 * DAY,
            "use at most 10 years, e.g. 90days",
        )?;
        let staff_chat = match self.staff_chat {
            Some(0) | None => None,
            Some(chat) if chat > 0 => {
                return Err(invalid(
                    "booking.staff_chat",
                    "expected a group's chat id, which is negative (e.g. -1001234567890)",
                ))
            }
            chat => chat,
        };
        let book_ahead_days = match self.book_ahead_days {
            Some(days @ 1..=730) => days,
            Some(_) => return Err(invalid("booking.book_ahead_days", "use 1 to 730 days")),
            None => 60,
        };
        let text = |name, text: Option<String>, default: &str, most: usize| {
            let text = text.map(|t| t.trim().to_owned()).unwrap_or_default();
            match text.chars().count() {
                0 => Ok(default.to_owned()),
                n if n > most => Err(ConfigError::Value {
                    name,
                    message: format!("use at most {most} characters"),
                }),
                _ => Ok(text),
            }
        };
        Ok(Some(BookingConfig {
            hotel_name: text("booking.hotel_name", self.hotel_name, "Hotel", 80)?,
            hold,
            warn_before,
            staff_chat,
            book_ahead_days,
            payment_text: text(
                "booking.payment_text",
                self.payment_text,
                DEFAULT_PAYMENT_TEXT,
                500,
            )?,
            erase_after,
            room_types,
        }))
    }
}
