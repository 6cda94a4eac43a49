//! What bookings say: to guests in their own language, one language a message, and to the
//! front office. A guest's text is written once for both of its channels, the private chat
//! (Telegram HTML) and mail (plain text); [`Format`] says which, so a receipt reads the
//! same in the chat and in the inbox. Whatever a guest typed, and room types' names, pass
//! through [`Format::text`].

use std::time::Duration;

use time::{Date, Weekday};

use super::{date_text, Booking, Hotel, Refusal, Status, Stay};
use crate::{
    duration::in_words,
    lang::Lang,
    telegram::texts::{clock, escape, rupiah, span},
};

pub const GUEST_ACTOR: &str = "Tamu";
pub const SYSTEM_ACTOR: &str = "Sistem";

/// The buttons of a `/cek_pembayaran` list, in its reader's language.
pub fn paid_button(lang: Lang) -> &'static str {
    lang.pick("✅ Lunas", "✅ Paid")
}

pub fn cancel_button(lang: Lang) -> &'static str {
    lang.pick("✖️ Batal", "✖️ Cancel")
}

pub fn confirm_cancel_button(lang: Lang) -> &'static str {
    lang.pick("⚠️ Ya, batalkan", "⚠️ Yes, cancel")
}

pub fn keep_button(lang: Lang) -> &'static str {
    lang.pick("↩️ Jangan", "↩️ Keep it")
}

pub fn open_dashboard_button(lang: Lang) -> &'static str {
    lang.pick("🏨 Buka dashboard Booking", "🏨 Open the Booking dashboard")
}

pub const REVERT_BUTTON: &str = "↩️ Kembalikan ke PENDING";

/// Where a guest's text goes: Telegram (HTML) or mail (plain text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Plain,
}

impl Format {
    /// Text someone typed, safe to show.
    pub fn text(self, text: &str) -> String {
        match self {
            Format::Html => escape(text),
            Format::Plain => text.to_owned(),
        }
    }

    /// Emphasis: bold in Telegram; mail shows it as it is.
    fn strong(self, text: &str) -> String {
        match self {
            Format::Html => format!("<b>{text}</b>"),
            Format::Plain => text.to_owned(),
        }
    }
}

// --- Pieces ---------------------------------------------------------------------------------

/// `23-11-2026 14:05 WIB`: a moment (Unix ms) at the hotel.
pub fn moment(at: i64, hotel: &Hotel) -> String {
    format!("{} {}", date_text(hotel.today(at)), clock(at, hotel.offset))
}

fn weekday(date: Date, lang: Lang) -> &'static str {
    let (id, en) = match date.weekday() {
        Weekday::Monday => ("Sen", "Mon"),
        Weekday::Tuesday => ("Sel", "Tue"),
        Weekday::Wednesday => ("Rab", "Wed"),
        Weekday::Thursday => ("Kam", "Thu"),
        Weekday::Friday => ("Jum", "Fri"),
        Weekday::Saturday => ("Sab", "Sat"),
        Weekday::Sunday => ("Min", "Sun"),
    };
    lang.pick(id, en)
}

/// `Kam 10-12-2026`: a date with its weekday.
pub fn day(date: Date, lang: Lang) -> String {
    format!("{} {}", weekday(date, lang), date_text(date))
}

/// `2 malam`, `1 night`, `2 nights`.
pub fn nights(count: u32, lang: Lang) -> String {
    match (lang, count) {
        (Lang::Id, n) => format!("{n} malam"),
        (Lang::En, 1) => "1 night".to_owned(),
        (Lang::En, n) => format!("{n} nights"),
    }
}

/// `Kam 10-12-2026 → Sab 12-12-2026 (2 malam)`.
pub fn stay(stay: Stay, lang: Lang) -> String {
    format!(
        "{} → {} ({})",
        day(stay.check_in, lang),
        day(stay.check_out(), lang),
        nights(stay.nights, lang)
    )
}

/// `2 malam × Rp450.000 = Rp900.000`; `None` while the room type has no price.
pub fn price(booking: &Booking, lang: Lang) -> Option<String> {
    (booking.price > 0).then(|| {
        format!(
            "{} × {} = {}",
            nights(booking.nights, lang),
            rupiah(booking.price),
            rupiah(booking.total())
        )
    })
}

/// `3,1 km`, `10 km` or `800 m` (`3.1 km` in English).
pub fn distance(metres: i64, lang: Lang) -> String {
    if metres < 1000 {
        return format!("{metres} m");
    }
    let km = format!("{:.1}", metres as f64 / 1000.0);
    let km = km.strip_suffix(".0").unwrap_or(&km);
    match lang {
        Lang::Id => format!("{} km", km.replace('.', ",")),
        Lang::En => format!("{km} km"),
    }
}

fn guest_name(booking: &Booking, fmt: Format) -> String {
    fmt.text(booking.guest_name.as_deref().unwrap_or("(dihapus)"))
}

/// What to pay, exactly, and where.
fn pay(booking: &Booking, lang: Lang, fmt: Format) -> String {
    match (booking.price > 0, lang) {
        (true, Lang::Id) => format!(
            "Bayar tepat {} dengan QRIS di resepsionis saat kedatangan.",
            fmt.strong(&rupiah(booking.total()))
        ),
        (true, Lang::En) => format!(
            "Pay exactly {} by QRIS at the front desk on arrival.",
            fmt.strong(&rupiah(booking.total()))
        ),
        (false, Lang::Id) => "Bayar dengan QRIS di resepsionis saat kedatangan.".to_owned(),
        (false, Lang::En) => "Pay by QRIS at the front desk on arrival.".to_owned(),
    }
}

/// The hotel's own note on paying, on a line of its own, when it has one.
fn payment_note(hotel: &Hotel, fmt: Format) -> String {
    match hotel.settings.payment_text.as_str() {
        "" => String::new(),
        note => format!("\n{}", fmt.text(note)),
    }
}

/// How the guest keeps the room while on the way, when holds are extended by location.
fn location_hint(booking: &Booking, hotel: &Hotel, lang: Lang) -> String {
    let Some(rule) = hotel.location else {
        return String::new();
    };
    let radius = distance(i64::from(rule.radius_m), lang);
    let extend_by = in_words(rule.extend_by, lang);
    let how = match (booking.via.as_str(), lang) {
        ("web", Lang::Id) => "Buka lagi tautan dari email konfirmasi dan izinkan lokasi",
        ("web", Lang::En) => "Open the link in your confirmation mail again and allow location",
        (_, Lang::Id) => "Bagikan lokasi Anda dengan tombol 📍 di bawah",
        (_, Lang::En) => "Share your location with the 📍 button below",
    };
    match lang {
        Lang::Id => format!(
            "\n\nMasih di jalan saat batas waktu? {how}: bila Anda dalam {radius} dari hotel atau \
             sedang mendekat, waktu tahan diperpanjang {extend_by}."
        ),
        Lang::En => format!(
            "\n\nStill on your way when the time is up? {how}: if you are within {radius} of the \
             hotel or getting closer, the hold is extended by {extend_by}."
        ),
    }
}

/// `Batas waktu: 10-12-2026 18:00 WIB`, saying so when it is the check-in day's release.
fn deadline(booking: &Booking, hotel: &Hotel, lang: Lang, fmt: Format) -> String {
    let at = fmt.strong(&moment(booking.hold_until, hotel));
    let released = booking.extensions == 0
        && hotel.arrives_later(booking.stay(), booking.created_at)
        && booking.hold_until == hotel.moment_on(booking.check_in, hotel.release_at);
    let hour = clock(booking.hold_until, hotel.offset);
    match (lang, released) {
        (Lang::Id, true) => format!("Batas waktu: {at} (pukul {hour} pada hari check-in)"),
        (Lang::En, true) => format!("Hold until: {at} ({hour} on your check-in day)"),
        (Lang::Id, false) => format!("Batas waktu: {at}"),
        (Lang::En, false) => format!("Hold until: {at}"),
    }
}

// --- To the guest -----------------------------------------------------------------------------

/// The receipt: the booking, its price, its deadline, how to pay.
pub fn held(booking: &Booking, hotel: &Hotel, fmt: Format) -> String {
    let lang = booking.lang;
    let (held, receipt, name, room, stay_label, price_label, unpaid) = lang.pick(
        (
            "✅ Kamar Anda di {hotel} kami tahan.",
            "No. resi",
            "Nama",
            "Kamar",
            "Menginap",
            "Harga",
            "Jika belum dibayar sampai batas waktu, booking dibatalkan otomatis.",
        ),
        (
            "✅ Your room at {hotel} is held.",
            "Receipt",
            "Name",
            "Room",
            "Stay",
            "Price",
            "Unpaid by then, the booking is cancelled automatically.",
        ),
    );
    let price_line = price(booking, lang)
        .map(|price| format!("{price_label}: {price}\n"))
        .unwrap_or_default();
    format!(
        "{held}\n\n\
         {receipt}: {number}\n\
         {name}: {guest}\n\
         {room}: {room_type}\n\
         {stay_label}: {stay}\n\
         {price_line}\
         Status: PENDING\n\
         {deadline}\n\n\
         {pay}{note}\n\n\
         {unpaid}{hint}",
        held = held.replace(
            "{hotel}",
            &fmt.strong(&fmt.text(&hotel.settings.hotel_name))
        ),
        number = fmt.strong(&booking.receipt),
        guest = guest_name(booking, fmt),
        room_type = fmt.text(&booking.room_type),
        stay = stay(booking.stay(), lang),
        deadline = deadline(booking, hotel, lang, fmt),
        pay = pay(booking, lang, fmt),
        note = payment_note(hotel, fmt),
        hint = location_hint(booking, hotel, lang),
    )
}

/// The guest: their booking was paid, cancelled by the hotel, or ran out (`action`).
pub fn guest_told(booking: &Booking, hotel: &Hotel, action: &str, fmt: Format) -> String {
    let lang = booking.lang;
    let hotel_name = fmt.text(&hotel.settings.hotel_name);
    let receipt = fmt.strong(&booking.receipt);
    let stay = stay(booking.stay(), lang);
    let again = match (fmt, lang) {
        (Format::Html, Lang::Id) => "Kirim /booking untuk memesan lagi.",
        (Format::Html, Lang::En) => "Send /booking to book again.",
        (Format::Plain, Lang::Id) => "Silakan booking lagi bila masih perlu.",
        (Format::Plain, Lang::En) => "Please book again if you still need a room.",
    };
    match (action, lang) {
        ("paid", Lang::Id) => format!(
            "🎉 Pembayaran diterima. Booking {receipt} telah dikonfirmasi: {hotel_name}, {stay}. \
             Sampai jumpa!"
        ),
        ("paid", Lang::En) => format!(
            "🎉 Payment received. Booking {receipt} is confirmed: {hotel_name}, {stay}. See you \
             soon!"
        ),
        // The seed's words: "Booking {resi} otomatis dibatalkan (waktu habis)".
        ("expired", Lang::Id) => format!(
            "⌛ Booking {receipt} otomatis dibatalkan (waktu habis, {at}): {hotel_name}. {again}",
            at = moment(booking.decided_at.unwrap_or(booking.hold_until), hotel)
        ),
        ("expired", Lang::En) => format!(
            "⌛ Booking {receipt} was cancelled automatically: the hold ran out ({at}): \
             {hotel_name}. {again}",
            at = moment(booking.decided_at.unwrap_or(booking.hold_until), hotel)
        ),
        (_, Lang::Id) => format!(
            "Booking {receipt} di {hotel_name} dibatalkan oleh hotel. Hubungi resepsionis bila \
             ada pertanyaan."
        ),
        (_, Lang::En) => format!(
            "Booking {receipt} at {hotel_name} was cancelled by the hotel. Please contact the \
             front desk with any questions."
        ),
    }
}

/// The guest of a later check-in, on the morning of their check-in day.
pub fn reminder(booking: &Booking, hotel: &Hotel, fmt: Format) -> String {
    let lang = booking.lang;
    let (opening, held_until) = lang.pick(
        ("📅 Hari ini Anda check-in di", "Kamar ditahan sampai"),
        ("📅 You check in today at", "Your room is held until"),
    );
    format!(
        "{opening} {hotel}: {receipt}, {room}, {nights}. {held_until} {deadline}. {pay}{hint}",
        hotel = fmt.strong(&fmt.text(&hotel.settings.hotel_name)),
        receipt = fmt.strong(&booking.receipt),
        room = fmt.text(&booking.room_type),
        nights = nights(booking.nights, lang),
        deadline = fmt.strong(&moment(booking.hold_until, hotel)),
        pay = pay(booking, lang, fmt),
        hint = location_hint(booking, hotel, lang),
    )
}

/// The guest: the hold runs out soon.
pub fn running_out_for_guest(booking: &Booking, hotel: &Hotel, now: i64, fmt: Format) -> String {
    let lang = booking.lang;
    let left = in_words(
        Duration::from_millis(u64::try_from(booking.hold_until - now).unwrap_or(0)),
        lang,
    );
    let text = match lang {
        Lang::Id => format!(
            "⏰ Booking {receipt} di {hotel} dibatalkan pukul {deadline} ({left} lagi) bila belum \
             dibayar.",
            receipt = fmt.strong(&booking.receipt),
            hotel = fmt.text(&hotel.settings.hotel_name),
            deadline = fmt.strong(&moment(booking.hold_until, hotel)),
        ),
        Lang::En => format!(
            "⏰ Booking {receipt} at {hotel} is cancelled at {deadline} ({left} from now) unless \
             paid.",
            receipt = fmt.strong(&booking.receipt),
            hotel = fmt.text(&hotel.settings.hotel_name),
            deadline = fmt.strong(&moment(booking.hold_until, hotel)),
        ),
    };
    format!(
        "{text} {pay}{hint}",
        pay = pay(booking, lang, fmt),
        hint = location_hint(booking, hotel, lang)
    )
}

/// Why a hold was extended: the guest's distance from the hotel, and whether they were
/// coming closer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnTheWay {
    pub distance_m: i64,
    pub approaching: bool,
}

/// The guest: their hold was extended because they are on the way.
pub fn extended_for_guest(
    booking: &Booking,
    hotel: &Hotel,
    why: OnTheWay,
    extended_by: Duration,
    fmt: Format,
) -> String {
    let lang = booking.lang;
    let (receipt, deadline) = (
        fmt.strong(&booking.receipt),
        fmt.strong(&moment(booking.hold_until, hotel)),
    );
    let (away, by) = (distance(why.distance_m, lang), in_words(extended_by, lang));
    match (lang, why.approaching) {
        (Lang::Id, approaching) => format!(
            "⏳ Waktu tahan booking {receipt} diperpanjang {by} sampai {deadline}: Anda {away} dari \
             hotel{}. Hati-hati di jalan!",
            if approaching { " dan sedang mendekat" } else { "" }
        ),
        (Lang::En, approaching) => format!(
            "⏳ The hold of booking {receipt} is extended by {by}, to {deadline}: you are {away} from \
             the hotel{}. Safe travels!",
            if approaching { " and getting closer" } else { "" }
        ),
    }
}

/// The guest shared a position for their pending booking.
pub fn position_noted(booking: &Booking, hotel: &Hotel, distance_m: i64, fmt: Format) -> String {
    let lang = booking.lang;
    let (away, deadline) = (
        distance(distance_m, lang),
        fmt.strong(&moment(booking.hold_until, hotel)),
    );
    match lang {
        Lang::Id => format!(
            "📍 Lokasi diterima: {away} dari hotel. Bila Anda masih di jalan saat batas waktu \
             ({deadline}), kami cek lokasi terakhir Anda sebelum membatalkan."
        ),
        Lang::En => format!(
            "📍 Location received: {away} from the hotel. If you are still on the way when the \
             time is up ({deadline}), we check your last location before cancelling."
        ),
    }
}

/// The guest shared a position but has no booking waiting for payment: it is not kept.
pub fn position_without_booking(lang: Lang) -> String {
    lang.pick(
        "Tidak ada booking yang menunggu pembayaran, jadi lokasi Anda tidak disimpan.",
        "You have no booking waiting for payment, so your location was not kept.",
    )
    .to_owned()
}

/// The button that asks the guest's phone for its location.
pub fn share_location_button(lang: Lang) -> String {
    lang.pick("📍 Bagikan lokasi", "📍 Share location")
        .to_owned()
}

/// Mail subjects for the guest's texts above.
pub fn subject(booking: &Booking, hotel: &Hotel, what: &str) -> String {
    let (id, en) = match what {
        "held" => ("PENDING", "PENDING"),
        "paid" => ("dikonfirmasi", "confirmed"),
        "expired" | "cancelled" => ("dibatalkan", "cancelled"),
        "reminder" => ("check-in hari ini", "check-in today"),
        "running_out" => ("segera berakhir", "about to run out"),
        "extended" => ("waktu tahan diperpanjang", "hold extended"),
        _ => ("", ""),
    };
    format!(
        "Booking {} — {} ({})",
        booking.receipt,
        hotel.settings.hotel_name,
        booking.lang.pick(id, en)
    )
}

// --- The /booking conversation ------------------------------------------------------------------

pub fn bookings_closed(lang: Lang) -> String {
    lang.pick(
        "Booking kamar belum dibuka di sini.",
        "Room bookings are not open here.",
    )
    .to_owned()
}

/// The button that answers the name with the one Telegram knows.
pub fn use_name_button(name: &str, lang: Lang) -> String {
    format!("{} {name}", lang.pick(USE_NAME_ID, USE_NAME_EN))
}

const USE_NAME_ID: &str = "Pakai nama:";
const USE_NAME_EN: &str = "Use name:";

/// A name answer, without the prefix of [`use_name_button`].
pub fn typed_name(answer: &str) -> &str {
    let answer = answer.trim();
    [USE_NAME_ID, USE_NAME_EN]
        .iter()
        .find_map(|prefix| answer.strip_prefix(prefix))
        .map_or(answer, str::trim)
}

pub fn ask_guest_name(hotel: &Hotel, offered: bool, lang: Lang) -> String {
    let hotel = escape(&hotel.settings.hotel_name);
    match (lang, offered) {
        (Lang::Id, true) => format!(
            "🏨 Booking kamar di <b>{hotel}</b>. Nama tamu? Ketuk tombol di bawah atau ketik nama \
             lain. (Kirim /batal untuk berhenti.)"
        ),
        (Lang::Id, false) => {
            format!("🏨 Booking kamar di <b>{hotel}</b>. Nama tamu? (Kirim /batal untuk berhenti.)")
        }
        (Lang::En, true) => format!(
            "🏨 Booking a room at <b>{hotel}</b>. The guest's name? Tap the button below or type \
             another name. (Send /batal to stop.)"
        ),
        (Lang::En, false) => {
            format!("🏨 Booking a room at <b>{hotel}</b>. The guest's name? (Send /batal to stop.)")
        }
    }
}

pub fn ask_check_in(last: Date, lang: Lang) -> String {
    match lang {
        Lang::Id => format!(
            "Tanggal check-in? Ketuk tombol, atau ketik <code>DD-MM-YYYY</code>, \"hari ini\" atau \
             \"besok\"; paling lambat {}.",
            day(last, lang)
        ),
        Lang::En => format!(
            "Check-in date? Tap a button, or type <code>DD-MM-YYYY</code>, \"today\" or \
             \"tomorrow\"; {} at the latest.",
            day(last, lang)
        ),
    }
}

/// A date offered as a button: `Hari ini, Min 06-12-2026`, `Besok, …`, `Sel 08-12-2026`.
pub fn date_button(date: Date, today: Date, lang: Lang) -> String {
    let relative = if date == today {
        Some(lang.pick(TODAY.0, TODAY.1))
    } else if today.next_day() == Some(date) {
        Some(lang.pick(TOMORROW.0, TOMORROW.1))
    } else {
        None
    };
    match relative {
        Some(word) => format!("{word}, {}", day(date, lang)),
        None => day(date, lang),
    }
}

const TODAY: (&str, &str) = ("Hari ini", "Today");
const TOMORROW: (&str, &str) = ("Besok", "Tomorrow");

/// The date a guest answered: a date written anywhere in the answer (`DD-MM-YYYY`, as
/// the buttons carry it, so a button tapped days later still means its own date), or
/// "hari ini" / "besok" (and English) relative to `today`.
pub fn answered_date(answer: &str, today: Date) -> Option<Date> {
    let answer = answer.trim();
    if let Some(date) = answer.split([' ', ',']).find_map(super::parse_date) {
        return Some(date);
    }
    let word = answer.to_lowercase();
    if [TODAY.0, TODAY.1].iter().any(|w| word == w.to_lowercase()) {
        Some(today)
    } else if [TOMORROW.0, TOMORROW.1]
        .iter()
        .any(|w| word == w.to_lowercase())
    {
        today.next_day()
    } else {
        None
    }
}

pub fn ask_nights(most: u32, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Berapa malam (1–{most})?"),
        Lang::En => format!("How many nights (1–{most})?"),
    }
}

/// The room types free every night of the stay, with their prices.
pub fn ask_room_type(offered: &[(String, i64)], nights_count: u32, lang: Lang) -> String {
    let mut text = lang
        .pick(
            "Pilih tipe kamar (yang masih ada kamar kosong di semua malam):",
            "Choose a room type (those with a room free every night):",
        )
        .to_owned();
    for (name, price) in offered {
        text.push_str(&format!("\n• {}", escape(name)));
        if *price > 0 {
            text.push_str(&format!(
                " — {}/{} ({}: {})",
                rupiah(*price),
                lang.pick("malam", "night"),
                nights(nights_count, lang),
                rupiah(price.saturating_mul(i64::from(nights_count)))
            ));
        }
    }
    text
}

/// The guest's name was refused, for `problem` (an Indonesian sentence).
pub fn invalid_name(problem: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("{} Nama tamu?", escape(problem)),
        Lang::En => "The name must be one line of 1–64 characters, not starting with /. \
                     The guest's name?"
            .to_owned(),
    }
}

pub fn invalid_date(lang: Lang) -> String {
    lang.pick(
        "Tanggal tidak dikenali: tulis <code>DD-MM-YYYY</code>, mis. <code>25-12-2026</code>, \
         atau \"hari ini\" / \"besok\".",
        "That is not a date: write <code>DD-MM-YYYY</code>, e.g. <code>25-12-2026</code>, or \
         \"today\" / \"tomorrow\".",
    )
    .to_owned()
}

pub fn date_in_past(lang: Lang) -> String {
    lang.pick(
        "Tanggal itu sudah lewat. Pilih hari ini atau sesudahnya.",
        "That date has passed: choose today or later.",
    )
    .to_owned()
}

pub fn date_too_far(last: Date, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Booking paling jauh untuk check-in {}.", day(last, lang)),
        Lang::En => format!("The latest check-in is {}.", day(last, lang)),
    }
}

pub fn invalid_nights(most: u32, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Jumlah malam harus 1–{most}."),
        Lang::En => format!("Nights must be 1 to {most}."),
    }
}

pub fn unknown_room_type(names: &[String], lang: Lang) -> String {
    let names = names
        .iter()
        .map(|n| escape(n))
        .collect::<Vec<_>>()
        .join(", ");
    match lang {
        Lang::Id => format!("Tipe kamar tidak dikenal. Pilihan: {names}."),
        Lang::En => format!("Unknown room type. The choices: {names}."),
    }
}

/// No room of `room_type` (or of any type, `None`) on some night; the next dates that fit.
pub fn full(room_type: Option<&str>, next_free: &[Date], lang: Lang) -> String {
    let what = match (room_type, lang) {
        (Some(name), Lang::Id) => format!("Kamar {} penuh pada tanggal itu.", escape(name)),
        (Some(name), Lang::En) => format!("{} is full on those dates.", escape(name)),
        (None, Lang::Id) => "Semua kamar penuh pada tanggal itu.".to_owned(),
        (None, Lang::En) => "Every room is taken on those dates.".to_owned(),
    };
    let dates = next_free
        .iter()
        .map(|d| day(*d, lang))
        .collect::<Vec<_>>()
        .join(", ");
    let next = match (next_free.is_empty(), lang) {
        (true, Lang::Id) => "Tidak ada tanggal lain yang kosong dalam masa booking.".to_owned(),
        (true, Lang::En) => "No other dates are free within the booking window.".to_owned(),
        (false, Lang::Id) => {
            format!("Tanggal check-in yang masih kosong: <b>{dates}</b>. Tanggal check-in?")
        }
        (false, Lang::En) => format!("Check-in dates still free: <b>{dates}</b>. Check-in date?"),
    };
    format!("😔 {what} {next}")
}

pub fn already_pending(receipt: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!(
            "Anda masih punya booking yang menunggu pembayaran: <b>{receipt}</b>. Satu booking \
             tertunda per tamu."
        ),
        Lang::En => format!(
            "You already have a booking waiting for payment: <b>{receipt}</b>. One pending \
             booking per guest."
        ),
    }
}

pub fn booking_stopped(lang: Lang) -> String {
    lang.pick(
        "Booking dihentikan. Kirim /booking kapan saja untuk mulai lagi.",
        "Booking stopped. Send /booking any time to start again.",
    )
    .to_owned()
}

// --- To the front office ---------------------------------------------------------------------
// The FO chat is a group, so what goes there is in Indonesian; what one member of the front
// office is answered (a command in their private chat, a pressed button) is in theirs.

/// `2 malam × Rp450.000 = Rp900.000` for the FO, or nothing without a price.
fn fo_price(booking: &Booking, lang: Lang) -> String {
    price(booking, lang)
        .map(|price| format!("\n{}: {price}", lang.pick("Harga", "Price")))
        .unwrap_or_default()
}

fn fo_stay(booking: &Booking, lang: Lang) -> String {
    format!(
        "{} → {} ({})",
        date_text(booking.check_in),
        date_text(booking.stay().check_out()),
        nights(booking.nights, lang)
    )
}

fn via(booking: &Booking) -> &'static str {
    if booking.via == "web" {
        "Web"
    } else {
        "Telegram"
    }
}

/// The FO chat: a new booking held.
pub fn announced(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "🛎 <b>Booking baru</b> {receipt}\n\
         Nama: {guest}\n\
         Kamar: {room}\n\
         Menginap: {stay}{price}\n\
         Lewat: {via}\n\
         Status: PENDING\n\
         Batas waktu: {deadline}",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room = escape(&booking.room_type),
        stay = fo_stay(booking, Lang::Id),
        price = fo_price(booking, Lang::Id),
        via = via(booking),
        deadline = moment(booking.hold_until, hotel),
    )
}

/// The FO chat: a hold is about to run out.
pub fn running_out(booking: &Booking, hotel: &Hotel, now: i64) -> String {
    format!(
        "⏰ <b>Segera kedaluwarsa</b> {receipt}: {guest}, {room}, {stay}. \
         Sisa {left} (sampai {deadline}). /cek_pembayaran",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room = escape(&booking.room_type),
        stay = fo_stay(booking, Lang::Id),
        left = span(booking.hold_until - now, Lang::Id),
        deadline = moment(booking.hold_until, hotel),
    )
}

/// The FO chat: a hold was extended for a guest on the way, and why.
pub fn extended(booking: &Booking, hotel: &Hotel, why: OnTheWay, most: u32) -> String {
    let approaching = if why.approaching { ", mendekat" } else { "" };
    format!(
        "⏳ <b>Diperpanjang</b> {receipt} ({guest}, {room}) sampai {deadline} ({count}/{most}): \
         tamu {away} dari hotel{approaching}.",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room = escape(&booking.room_type),
        deadline = moment(booking.hold_until, hotel),
        count = booking.extensions,
        away = distance(why.distance_m, Lang::Id),
    )
}

/// `paid`, `cancelled` or `expired`, as FO read it.
fn outcome(action: &str) -> &'static str {
    match action {
        "paid" => "LUNAS",
        "expired" => "DIBATALKAN OTOMATIS (batas waktu habis)",
        _ => "DIBATALKAN",
    }
}

/// The FO chat: a booking was decided (`action`: paid, cancelled or expired).
pub fn decided(booking: &Booking, action: &str) -> String {
    let by = match action {
        "expired" => String::new(),
        _ => format!(
            " oleh {}",
            escape(booking.decided_by.as_deref().unwrap_or(SYSTEM_ACTOR))
        ),
    };
    format!(
        "📌 {receipt} ({guest}, {room}): <b>{outcome}</b>{by}.",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room = escape(&booking.room_type),
        outcome = outcome(action),
    )
}

/// The FO chat: a guest checked in (in their room, when one was given).
pub fn checked_in(booking: &Booking) -> String {
    let by = escape(booking.checked_in_by.as_deref().unwrap_or(SYSTEM_ACTOR));
    let room = booking
        .room_no
        .as_deref()
        .map(|room| format!(", kamar {}", escape(room)))
        .unwrap_or_default();
    format!(
        "🛎 {receipt} ({guest}, {room_type}): <b>CHECK-IN</b> oleh {by}{room}.",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room_type = escape(&booking.room_type),
    )
}

/// The FO chat: a guest checked out, giving back `freed` nights of their stay if they
/// left early.
pub fn checked_out(booking: &Booking, freed: u32) -> String {
    let by = escape(booking.checked_out_by.as_deref().unwrap_or(SYSTEM_ACTOR));
    let room = booking
        .room_no
        .as_deref()
        .map(|room| format!(", {}", escape(room)))
        .unwrap_or_default();
    let early = match freed {
        0 => String::new(),
        n => format!(" {} tersisa kembali tersedia.", nights(n, Lang::Id)),
    };
    format!(
        "👋 {receipt} ({guest}, {room_type}{room}): <b>CHECK-OUT</b> oleh {by}.{early}",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room_type = escape(&booking.room_type),
    )
}

/// Why the front desk cannot check `booking` in or out (plain text).
pub fn desk_refused(why: Refusal, booking: &Booking, hotel: &Hotel, lang: Lang) -> String {
    let receipt = &booking.receipt;
    let by_at = |by: &Option<String>, at: Option<i64>| {
        (
            by.clone().unwrap_or_else(|| SYSTEM_ACTOR.to_owned()),
            at.map(|at| moment(at, hotel)).unwrap_or_default(),
        )
    };
    match (why, lang) {
        (Refusal::AlreadyIn, _) => {
            let (by, at) = by_at(&booking.checked_in_by, booking.checked_in_at);
            let room = booking
                .room_no
                .as_deref()
                .map(|room| format!(", {} {room}", lang.pick("kamar", "room")))
                .unwrap_or_default();
            match lang {
                Lang::Id => format!("{receipt} sudah check-in oleh {by} ({at}{room})."),
                Lang::En => format!("{receipt} was already checked in by {by} ({at}{room})."),
            }
        }
        (Refusal::AlreadyOut, _) => {
            let (by, at) = by_at(&booking.checked_out_by, booking.checked_out_at);
            match lang {
                Lang::Id => format!("{receipt} sudah check-out oleh {by} ({at})."),
                Lang::En => format!("{receipt} was already checked out by {by} ({at})."),
            }
        }
        (Refusal::NotPaid, Lang::Id) if booking.status() == Status::Pending => {
            format!("{receipt} belum lunas: tandai Lunas dulu, lalu check-in.")
        }
        (Refusal::NotPaid, Lang::En) if booking.status() == Status::Pending => {
            format!("{receipt} is not paid yet: mark it paid first, then check in.")
        }
        (Refusal::NotPaid, Lang::Id) => {
            format!("{receipt} sudah dibatalkan, jadi tidak bisa check-in.")
        }
        (Refusal::NotPaid, Lang::En) => {
            format!("{receipt} was cancelled, so it cannot check in.")
        }
        (Refusal::TooEarly, _) => {
            let date = date_text(booking.check_in);
            match lang {
                Lang::Id => format!("{receipt} baru bisa check-in pada {date}."),
                Lang::En => format!("{receipt} checks in on {date}: too early."),
            }
        }
        (Refusal::StayOver, _) => {
            let date = date_text(booking.stay().check_out());
            match lang {
                Lang::Id => format!("Masa menginap {receipt} sudah lewat (check-out {date})."),
                Lang::En => format!("The stay of {receipt} is over (check-out {date})."),
            }
        }
        (Refusal::NotIn, Lang::Id) => format!("{receipt} belum check-in."),
        (Refusal::NotIn, Lang::En) => format!("{receipt} is not checked in yet."),
    }
}

/// A room number refused (plain text).
pub fn invalid_room_no(lang: Lang) -> String {
    lang.pick(
        "Nomor kamar 1–16 huruf, tanpa karakter kontrol.",
        "A room number is 1 to 16 characters, none of them a control character.",
    )
    .into()
}

// The answers below, but for `update_usage`, are plain text: each is also the answer to a
// pressed Lunas / Batal button, which Telegram shows as it is (no HTML); a message escapes
// them.

pub fn front_office_only(lang: Lang) -> String {
    lang.pick(
        "Perintah ini hanya untuk FO dan admin.",
        "This command is for front-office staff and admins only.",
    )
    .into()
}

/// Telegram could not be asked whether the sender is in the FO chat, and never said. (A
/// button's answer shows at most 200 characters.)
pub fn membership_unchecked(lang: Lang) -> String {
    lang.pick(
        "Keanggotaan Anda di grup FO belum bisa diperiksa ke Telegram; coba lagi sebentar lagi.",
        "Your FO chat membership could not be checked with Telegram; try again shortly.",
    )
    .into()
}

pub fn update_usage(command: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Gunakan <code>/{command} RESI-YYYYMMDD-NNN</code>."),
        Lang::En => format!("Use <code>/{command} RESI-YYYYMMDD-NNN</code> with a receipt number."),
    }
}

pub fn booking_not_found(receipt: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Booking {receipt} tidak ditemukan."),
        Lang::En => format!("No booking {receipt} was found."),
    }
}

/// A booking decided before: who did it.
pub fn already_decided(booking: &Booking, lang: Lang) -> String {
    let paid = booking.status.as_str() == "paid";
    let by = booking.decided_by.as_deref().unwrap_or(SYSTEM_ACTOR);
    let receipt = &booking.receipt;
    match (paid, lang) {
        (true, Lang::Id) => format!("{receipt} sudah LUNAS oleh {by}."),
        (true, Lang::En) => format!("{receipt} was already marked paid by {by}."),
        (false, Lang::Id) => format!("{receipt} sudah DIBATALKAN oleh {by}."),
        (false, Lang::En) => format!("{receipt} was already cancelled by {by}."),
    }
}

/// What the FO who decided is told.
pub fn decision_done(booking: &Booking, paid: bool, lang: Lang) -> String {
    let receipt = &booking.receipt;
    match (paid, lang) {
        (true, Lang::Id) => format!("✅ {receipt} LUNAS. Tamu diberi tahu."),
        (true, Lang::En) => format!("✅ {receipt} paid. The guest was told."),
        (false, Lang::Id) => format!("✖️ {receipt} DIBATALKAN; kamar kembali tersedia."),
        (false, Lang::En) => format!("✖️ {receipt} cancelled; the room is free again."),
    }
}

/// Batal pressed: what the presser reads while the list asks to confirm.
pub fn confirm_cancel(booking: &Booking, lang: Lang) -> String {
    let receipt = &booking.receipt;
    match lang {
        Lang::Id => format!(
            "Batalkan {receipt}? Tekan \"{}\" untuk memastikan; tamu akan \
             diberi tahu.",
            confirm_cancel_button(lang)
        ),
        Lang::En => format!(
            "Cancel {receipt}? Press \"{}\" to confirm; the guest will be \
             told.",
            confirm_cancel_button(lang)
        ),
    }
}

/// A list replaced by a newer one in the same chat.
pub fn list_replaced(lang: Lang) -> String {
    lang.pick(
        "💳 Daftar ini sudah diganti dengan yang lebih baru di bawah.",
        "💳 This list was replaced by a newer one below.",
    )
    .into()
}

/// The FO chat: a booking marked paid was put back to pending (the guest is not told).
pub fn reverted(booking: &Booking, by: &str, hotel: &Hotel) -> String {
    format!(
        "↩️ {receipt} ({guest}, {room}) dikembalikan ke <b>PENDING</b> oleh {by}; batas waktu \
         {deadline}.",
        receipt = booking.receipt,
        guest = guest_name(booking, Format::Html),
        room = escape(&booking.room_type),
        by = escape(by),
        deadline = moment(booking.hold_until, hotel),
    )
}

/// A paid booking's FO message, once it was put back to pending by `by`.
pub fn decided_then_reverted(booking: &Booking, by: &str) -> String {
    format!(
        "{}\n↩️ Dikembalikan ke PENDING oleh {}.",
        decided(booking, "paid"),
        escape(by)
    )
}

/// Why a paid booking cannot be put back (plain text: a button's answer).
pub fn revert_refused(why: &str, lang: Lang) -> String {
    match (why, lang) {
        ("not_paid", Lang::Id) => "Booking ini tidak berstatus LUNAS.",
        ("not_paid", Lang::En) => "This booking is not marked paid.",
        ("too_late", Lang::Id) => {
            "Lebih dari 15 menit sejak ditandai lunas, atau tamu sudah check-in: tidak bisa \
             dikembalikan."
        }
        ("too_late", Lang::En) => {
            "More than 15 minutes since it was marked paid, or the guest checked in: too late \
             to put back."
        }
        (_, Lang::Id) => "Hanya owner dan admin yang bisa mengembalikan booking lunas.",
        (_, Lang::En) => "Only owners and admins can put a paid booking back.",
    }
    .to_owned()
}

/// What the owner or admin who put a booking back is told (plain text).
pub fn revert_done(booking: &Booking, lang: Lang) -> String {
    let receipt = &booking.receipt;
    match lang {
        Lang::Id => format!("↩️ {receipt} kembali PENDING; tamu tidak diberi tahu."),
        Lang::En => format!("↩️ {receipt} is pending again; the guest was not told."),
    }
}

/// `/cek_pembayaran`: the pending bookings shown, and how many there are in all.
pub fn pending_list(bookings: &[Booking], count: i64, now: i64, lang: Lang) -> String {
    if bookings.is_empty() {
        return lang
            .pick(
                "Tidak ada booking yang menunggu pembayaran.",
                "No bookings are waiting for payment.",
            )
            .into();
    }
    let mut text = format!(
        "💳 <b>{}</b> ({count})\n",
        lang.pick("Menunggu pembayaran", "Waiting for payment")
    );
    for booking in bookings {
        let total = match booking.total() {
            0 => String::new(),
            total => format!(" · {}", rupiah(total)),
        };
        let left = span(booking.hold_until - now, lang);
        text.push_str(&format!(
            "\n<b>{}</b> · {} · {} · {}{total} · {} · {}",
            booking.receipt,
            guest_name(booking, Format::Html),
            escape(&booking.room_type),
            fo_stay(booking, lang),
            via(booking),
            match lang {
                Lang::Id => format!("sisa {left}"),
                Lang::En => format!("{left} left"),
            },
        ));
    }
    let more = count - bookings.len() as i64;
    if more > 0 {
        text.push_str(&match lang {
            Lang::Id => format!("\n\n… dan {more} lainnya: buka halaman Booking di Mini App."),
            Lang::En => format!("\n\n… and {more} more: open the Booking page in the Mini App."),
        });
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Month;

    fn date(day: u8) -> Date {
        Date::from_calendar_date(2026, Month::December, day).unwrap()
    }

    #[test]
    fn nights_and_distances_in_words() {
        assert_eq!(nights(1, Lang::En), "1 night");
        assert_eq!(nights(2, Lang::En), "2 nights");
        assert_eq!(distance(3_140, Lang::Id), "3,1 km");
        assert_eq!(distance(3_140, Lang::En), "3.1 km");
        assert_eq!(distance(800, Lang::En), "800 m");
        assert_eq!(distance(10_000, Lang::Id), "10 km");
        assert_eq!(distance(2_999, Lang::Id), "3 km");
    }

    #[test]
    fn date_answers_typed_or_tapped() {
        let today = date(6);
        assert_eq!(
            date_button(date(6), today, Lang::Id),
            "Hari ini, Min 06-12-2026"
        );
        assert_eq!(
            date_button(date(7), today, Lang::En),
            "Tomorrow, Mon 07-12-2026"
        );
        assert_eq!(date_button(date(8), today, Lang::Id), "Sel 08-12-2026");
        for (answer, expected) in [
            ("hari ini", Some(date(6))),
            ("Besok", Some(date(7))),
            ("tomorrow", Some(date(7))),
            ("08-12-2026", Some(date(8))),
            // A button tapped later still means its own date.
            ("Besok, Sen 07-12-2026", Some(date(7))),
            ("Hari ini, Min 06-12-2026", Some(date(6))),
            ("lusa", None),
            ("31-02-2027", None),
            ("", None),
        ] {
            assert_eq!(answered_date(answer, today), expected, "{answer:?}");
        }
        assert_eq!(answered_date("hari ini", date(7)), Some(date(7)));
    }

    #[test]
    fn the_offered_name_is_the_name() {
        assert_eq!(
            typed_name(&use_name_button("Ahmad Fauzi", Lang::Id)),
            "Ahmad Fauzi"
        );
        assert_eq!(typed_name(&use_name_button("Ann", Lang::En)), "Ann");
        assert_eq!(typed_name(" Siti "), "Siti");
    }
}
