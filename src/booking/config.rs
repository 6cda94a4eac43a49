//! The hotel's `[booking]` section of the settings, and the checks the Mini App shares
//! with it. Bookings are off unless it names room types.

use std::time::Duration;

use serde::Deserialize;

use crate::{
    config::{self, Invalid, Settings},
    lang::Text,
};

/// Bookings with a hold time, as the hotel configured them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingConfig {
    /// The settings owners and admins may also change in the Mini App.
    pub settings: HotelSettings,
    /// Guests' names and emails are erased this long after their stay.
    pub erase_after: Duration,
    pub room_types: Vec<RoomTypeConfig>,
    /// Holds of later check-ins end at this time on their check-in day (the
    /// non-guaranteed release hotels use); a same-day booking is held for `hold`.
    pub release_at: time::Time,
    /// Guests of later check-ins are reminded at this time on their check-in day.
    pub remind_at: time::Time,
    /// Holds extended for guests on their way; `None` without `hotel_location`.
    pub location: Option<LocationRule>,
    /// The most mails the web form sends in an hour, to everyone together.
    pub mails_per_hour: u32,
}

impl Default for BookingConfig {
    fn default() -> Self {
        Self {
            settings: HotelSettings::default(),
            erase_after: DEFAULT_ERASE_AFTER,
            room_types: Vec::new(),
            release_at: DEFAULT_RELEASE_AT,
            remind_at: DEFAULT_REMIND_AT,
            location: None,
            mails_per_hour: DEFAULT_MAILS_PER_HOUR,
        }
    }
}

/// When a hold is extended for a guest on the way, from where they said they were.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocationRule {
    /// The hotel, in degrees (latitude, longitude).
    pub hotel: (f64, f64),
    /// A recent position this close to the hotel extends the hold.
    pub radius_m: u32,
    /// How much longer each extension holds the room.
    pub extend_by: Duration,
    /// Extensions at most per booking.
    pub max_extensions: u32,
}

// Degrees are finite, so the rule's comparison is a full equivalence.
impl Eq for LocationRule {}

/// The `[booking]` settings owners and admins may also change in the Mini App (see
/// `booking::settings`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HotelSettings {
    /// Shown to guests in every answer.
    pub hotel_name: String,
    /// How long a booking holds its room unpaid.
    pub hold: Duration,
    /// How long before the hold runs out the FO are told; zero: not told.
    pub warn_before: Duration,
    /// The front-office group: told of every booking; its members are the FO.
    pub staff_chat: Option<i64>,
    /// The latest check-in date a guest may choose, in days from today.
    pub book_ahead_days: u32,
    /// The hotel's own note on paying, shown with the receipt after the exact amount to
    /// pay; empty: none.
    pub payment_text: String,
}

impl Default for HotelSettings {
    fn default() -> Self {
        Self {
            hotel_name: DEFAULT_HOTEL_NAME.to_owned(),
            hold: DEFAULT_HOLD,
            warn_before: DEFAULT_WARN_BEFORE,
            staff_chat: None,
            book_ahead_days: DEFAULT_BOOK_AHEAD_DAYS,
            payment_text: String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomTypeConfig {
    pub name: String,
    pub rooms: u32,
    /// Rupiah per night.
    pub price: i64,
}

/// The most a night may cost, in Rupiah: a billion.
pub const MOST_PRICE: i64 = 1_000_000_000;
pub const DEFAULT_ERASE_AFTER: Duration = Duration::from_secs(90 * 24 * 3600);
pub const DEFAULT_RELEASE_AT: time::Time = time::macros::time!(18:00);
pub const DEFAULT_REMIND_AT: time::Time = time::macros::time!(09:00);
pub const DEFAULT_EXTEND_RADIUS_M: u32 = 10_000;
pub const DEFAULT_EXTEND_BY: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_MAX_EXTENSIONS: u32 = 2;

/// The most nights one booking may hold.
pub const MOST_NIGHTS: u32 = 14;

/// `booking.mails_per_hour` unless set: a small hotel's busiest hour several times over,
/// and still few enough that a flood of forms cannot get its mail server marked a spammer.
pub const DEFAULT_MAILS_PER_HOUR: u32 = 200;
pub const MAILS_PER_HOUR_MOST: u32 = 100_000;

// --- The settings owners and admins may also change in the Mini App ----------------------
//
// One set of limits and checks for both: the settings file's `[booking]` (an error names
// the setting) and the Mini App (the message is shown as is). Messages are Indonesian,
// then English.

pub const DEFAULT_HOTEL_NAME: &str = "Hotel";
pub const DEFAULT_HOLD: Duration = Duration::from_secs(2 * 3600);
pub const DEFAULT_WARN_BEFORE: Duration = Duration::from_secs(15 * 60);
pub const DEFAULT_BOOK_AHEAD_DAYS: u32 = 60;
/// The shortest and longest hold.
pub const HOLD_LEAST: Duration = Duration::from_secs(1);
pub const HOLD_MOST: Duration = Duration::from_secs(7 * 24 * 3600);
/// How far ahead a guest may book: 1 day to 2 years.
pub const BOOK_AHEAD_DAYS_MOST: u32 = 730;
pub const HOTEL_NAME_MAX_CHARS: usize = 80;
pub const PAYMENT_TEXT_MAX_CHARS: usize = 500;

/// Refuses the file's `key` for a check's reason: in English, as the file's other
/// refusals are (a [`Text`] shows its English).
fn invalid_value<M: std::fmt::Display>(key: &'static str) -> impl Fn(M) -> Invalid {
    move |message| Invalid::new(key, message.to_string())
}

/// A duration as [`crate::duration::parse`] reads it (`90m`, `2h`, `1h30m`, `2 jam`,
/// `30 menit`; `0` is zero).
fn duration(text: &str) -> Result<Duration, Text> {
    crate::duration::parse(text).ok_or_else(|| {
        let text = text.trim();
        Text::new(
            format!(
                "Tulis durasi seperti 90m, 2h atau 1h30m (atau 2 jam, 30 menit), bukan {text:?}."
            ),
            format!(
                "Write a duration such as 90m, 2h or 1h30m (or 2 hours, 30 minutes), not {text:?}."
            ),
        )
    })
}

/// `booking.hold`: how long a booking holds its room unpaid, 1s to 7 days.
pub fn parse_hold(text: &str) -> Result<Duration, Text> {
    match duration(text)? {
        hold if (HOLD_LEAST..=HOLD_MOST).contains(&hold) => Ok(hold),
        _ => Err(Text::new(
            "Waktu tahan 1 detik sampai 7 hari, mis. 2h.",
            "The hold is 1 second to 7 days, e.g. 2h.",
        )),
    }
}

/// `booking.warn_before`: shorter than `hold`, or 0 for no warning.
pub fn parse_warn_before(text: &str, hold: Duration) -> Result<Duration, Text> {
    check_warn_before(duration(text)?, hold)
}

pub fn check_warn_before(warn_before: Duration, hold: Duration) -> Result<Duration, Text> {
    if warn_before.is_zero() || warn_before < hold {
        Ok(warn_before)
    } else {
        let hold = humantime::format_duration(hold)
            .to_string()
            .replace(' ', "");
        Err(Text::new(
            format!(
                "Peringatan harus lebih singkat dari waktu tahan ({hold}), atau 0 tanpa peringatan."
            ),
            format!("The warning must be shorter than the hold ({hold}), or 0 for none."),
        ))
    }
}

/// `booking.staff_chat`: a group's chat id (negative); 0 turns the FO chat off.
pub fn check_staff_chat(chat: i64) -> Result<Option<i64>, Text> {
    match chat {
        0 => Ok(None),
        chat if chat < 0 => Ok(Some(chat)),
        _ => Err(Text::new(
            "Chat FO harus ID grup Telegram (negatif, mis. -1001234567890), atau kosong \
             untuk mematikannya.",
            "The FO chat must be a Telegram group's id (negative, e.g. -1001234567890), or \
             empty to turn it off.",
        )),
    }
}

/// `booking.book_ahead_days`: 1 to 730.
pub fn check_book_ahead_days(days: i64) -> Result<u32, Text> {
    u32::try_from(days)
        .ok()
        .filter(|days| (1..=BOOK_AHEAD_DAYS_MOST).contains(days))
        .ok_or_else(|| {
            Text::new(
                format!("Booking paling jauh 1–{BOOK_AHEAD_DAYS_MOST} hari ke depan."),
                format!("Booking ahead is 1 to {BOOK_AHEAD_DAYS_MOST} days."),
            )
        })
}

/// `booking.hotel_name`: one line of 1 to 80 characters, trimmed.
pub fn check_hotel_name(text: &str) -> Result<String, Text> {
    let name = text.trim();
    if name.is_empty()
        || name.chars().count() > HOTEL_NAME_MAX_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(Text::new(
            format!("Nama hotel 1–{HOTEL_NAME_MAX_CHARS} huruf, satu baris."),
            format!("The hotel's name is 1 to {HOTEL_NAME_MAX_CHARS} characters, on one line."),
        ));
    }
    Ok(name.to_owned())
}

/// `booking.payment_text`: at most 500 characters, trimmed; lines kept; empty for none.
pub fn check_payment_text(text: &str) -> Result<String, Text> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() > PAYMENT_TEXT_MAX_CHARS
        || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(Text::new(
            format!("Teks pembayaran paling panjang {PAYMENT_TEXT_MAX_CHARS} huruf."),
            format!("The payment text is at most {PAYMENT_TEXT_MAX_CHARS} characters."),
        ));
    }
    Ok(text.to_owned())
}

/// `[[booking.room_types]] price`: Rupiah per night, 0 to a billion.
pub fn check_price(price: i64) -> Result<i64, Text> {
    if (0..=MOST_PRICE).contains(&price) {
        Ok(price)
    } else {
        Err(Text::new(
            format!("Harga per malam 0–{MOST_PRICE} rupiah, tanpa titik."),
            format!("The price per night is 0 to {MOST_PRICE} rupiah, without dots."),
        ))
    }
}

/// `booking.hotel_location`: `"lat,lon"` in degrees, e.g. `"-6.200,106.816"`.
pub fn parse_location(text: &str) -> Result<(f64, f64), String> {
    let parts: Option<(f64, f64)> = text
        .split_once(',')
        .and_then(|(lat, lon)| Some((lat.trim().parse().ok()?, lon.trim().parse().ok()?)));
    match parts {
        Some((lat, lon))
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Ok((lat, lon))
        }
        _ => Err(format!(
            "expected \"latitude,longitude\" in degrees, e.g. \"-6.200,106.816\" (got {text:?})"
        )),
    }
}

/// `booking.extend_radius`: a distance such as `10km` or `800m`, 100 m to 500 km.
pub fn parse_distance_m(text: &str) -> Result<u32, String> {
    let text = text.trim().to_ascii_lowercase();
    let (number, metres_per_unit) = if let Some(km) = text.strip_suffix("km") {
        (km, 1000.0)
    } else if let Some(m) = text.strip_suffix('m') {
        (m, 1.0)
    } else {
        (text.as_str(), f64::NAN)
    };
    match number.trim().parse::<f64>().map(|n| n * metres_per_unit) {
        Ok(metres) if (100.0..=500_000.0).contains(&metres) => Ok(metres.round() as u32),
        _ => Err(format!(
            "expected a distance from 100m to 500km, e.g. 10km (got {text:?})"
        )),
    }
}

/// The file as the bookings read it: their section.
#[derive(Debug, Deserialize)]
pub struct BookingSection {
    booking: Option<BookingFile>,
}

/// `[booking]` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookingFile {
    hotel_name: Option<String>,
    hold: Option<String>,
    warn_before: Option<String>,
    staff_chat: Option<i64>,
    book_ahead_days: Option<u32>,
    payment_text: Option<String>,
    erase_after: Option<String>,
    release_at: Option<String>,
    remind_at: Option<String>,
    hotel_location: Option<String>,
    extend_radius: Option<String>,
    extend_by: Option<String>,
    max_extensions: Option<u32>,
    #[serde(default)]
    room_types: Vec<RoomTypeFile>,
    mails_per_hour: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomTypeFile {
    name: String,
    rooms: u32,
    #[serde(default)]
    price: i64,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// The bookings configured, or `None` when no room type is (bookings are off).
impl Settings for Option<BookingConfig> {
    type Written = BookingSection;

    fn check(written: BookingSection) -> Result<Self, Invalid> {
        match written.booking {
            Some(booking) => booking.check(),
            None => Ok(None),
        }
    }
}

impl BookingFile {
    fn check(self) -> Result<Option<BookingConfig>, Invalid> {
        let mut room_types: Vec<RoomTypeConfig> = Vec::new();
        for room_type in self.room_types {
            let name = room_type
                .name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() || name.chars().count() > 40 {
                return Err(Invalid::new(
                    "booking.room_types.name",
                    "give each room type a name of 1 to 40 characters",
                ));
            }
            if room_types
                .iter()
                .any(|t| t.name.to_lowercase() == name.to_lowercase())
            {
                return Err(Invalid::new(
                    "booking.room_types.name",
                    format!("{name:?} is listed twice"),
                ));
            }
            if room_type.rooms > 10_000 {
                return Err(Invalid::new(
                    "booking.room_types.rooms",
                    "use 0 to 10000 rooms",
                ));
            }
            let price =
                check_price(room_type.price).map_err(invalid_value("booking.room_types.price"))?;
            room_types.push(RoomTypeConfig {
                name,
                rooms: room_type.rooms,
                price,
            });
        }
        if room_types.is_empty() {
            return Ok(None);
        }
        let hold = match self.hold {
            Some(text) => parse_hold(&text).map_err(invalid_value("booking.hold"))?,
            None => DEFAULT_HOLD,
        };
        let warn_before = match self.warn_before {
            Some(text) => {
                parse_warn_before(&text, hold).map_err(invalid_value("booking.warn_before"))?
            }
            None if DEFAULT_WARN_BEFORE < hold => DEFAULT_WARN_BEFORE,
            // A hold of 15 minutes or less has no warning unless one is written.
            None => Duration::ZERO,
        };
        let erase_after = match self.erase_after {
            Some(text) => config::duration_within(
                "booking.erase_after",
                &text,
                Duration::ZERO,
                3650 * DAY,
                "use at most 10 years, e.g. 90days",
            )?,
            None => DEFAULT_ERASE_AFTER,
        };
        let time_of_day = |name: &'static str, text: Option<String>, default| match text {
            Some(text) => config::time_of_day(name, text.trim()),
            None => Ok(default),
        };
        let release_at = time_of_day("booking.release_at", self.release_at, DEFAULT_RELEASE_AT)?;
        let remind_at = time_of_day("booking.remind_at", self.remind_at, DEFAULT_REMIND_AT)?;
        let location = match self.hotel_location {
            Some(text) => Some(LocationRule {
                hotel: parse_location(&text).map_err(invalid_value("booking.hotel_location"))?,
                radius_m: match self.extend_radius {
                    Some(text) => {
                        parse_distance_m(&text).map_err(invalid_value("booking.extend_radius"))?
                    }
                    None => DEFAULT_EXTEND_RADIUS_M,
                },
                extend_by: match self.extend_by {
                    Some(text) => config::duration_within(
                        "booking.extend_by",
                        &text,
                        Duration::from_secs(60),
                        DAY,
                        "use 1 minute to 1 day, e.g. 30m",
                    )?,
                    None => DEFAULT_EXTEND_BY,
                },
                max_extensions: match self.max_extensions {
                    Some(most) if most <= 10 => most,
                    Some(_) => {
                        return Err(Invalid::new(
                            "booking.max_extensions",
                            "use 0 to 10 extensions",
                        ))
                    }
                    None => DEFAULT_MAX_EXTENSIONS,
                },
            }),
            None => None,
        };
        let staff_chat = match self.staff_chat {
            Some(chat) => check_staff_chat(chat).map_err(invalid_value("booking.staff_chat"))?,
            None => None,
        };
        let book_ahead_days = match self.book_ahead_days {
            Some(days) => check_book_ahead_days(i64::from(days))
                .map_err(invalid_value("booking.book_ahead_days"))?,
            None => DEFAULT_BOOK_AHEAD_DAYS,
        };
        let mails_per_hour = match self.mails_per_hour {
            Some(mails) if (1..=MAILS_PER_HOUR_MOST).contains(&mails) => mails,
            Some(_) => {
                return Err(invalid_value("booking.mails_per_hour")(format!(
                    "use 1 to {MAILS_PER_HOUR_MOST} mails an hour"
                )))
            }
            None => DEFAULT_MAILS_PER_HOUR,
        };
        // An empty text in the file means the default.
        let text = |text: Option<String>| text.filter(|t| !t.trim().is_empty());
        let settings = HotelSettings {
            hotel_name: match text(self.hotel_name) {
                Some(name) => {
                    check_hotel_name(&name).map_err(invalid_value("booking.hotel_name"))?
                }
                None => DEFAULT_HOTEL_NAME.to_owned(),
            },
            hold,
            warn_before,
            staff_chat,
            book_ahead_days,
            payment_text: check_payment_text(&self.payment_text.unwrap_or_default())
                .map_err(invalid_value("booking.payment_text"))?,
        };
        Ok(Some(BookingConfig {
            settings,
            erase_after,
            room_types,
            release_at,
            remind_at,
            location,
            mails_per_hour,
        }))
    }
}
