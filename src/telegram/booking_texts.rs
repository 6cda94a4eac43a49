//! Every text of bookings, Indonesian first with English, as Telegram HTML. Guests' and
//! room types' names pass through [`escape`].

use super::texts::{clock, escape, span};
use crate::booking::{date_text, Booking, Hotel};

pub const GUEST_ACTOR: &str = "Tamu";
pub const SYSTEM_ACTOR: &str = "Sistem";
pub const PAID_BUTTON: &str = "✅ Lunas";
pub const CANCEL_BUTTON: &str = "✖️ Batal";

/// `23-11-2026 14:05 WIB`: a moment (Unix ms) at the hotel.
fn moment(at: i64, hotel: &Hotel) -> String {
    format!("{} {}", date_text(hotel.today(at)), clock(at, hotel.offset))
}

fn stay(booking: &Booking) -> String {
    format!(
        "{} → {} ({} malam / nights)",
        date_text(booking.check_in),
        date_text(booking.stay().check_out()),
        booking.nights
    )
}

fn guest(booking: &Booking) -> String {
    escape(
        booking
            .guest_name
            .as_deref()
            .unwrap_or("(dihapus / erased)"),
    )
}

fn via(booking: &Booking) -> &'static str {
    if booking.via == "web" {
        "Web"
    } else {
        "Telegram"
    }
}

/// The guest's answer once the room is held: the receipt, the booking, the deadline and
/// how to pay.
pub fn held(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "✅ Kamar Anda di <b>{hotel_name}</b> kami tahan. <i>Your room is held.</i>\n\n\
         No. resi / Receipt: <b>{receipt}</b>\n\
         Nama / Name: {guest}\n\
         Kamar / Room: {room}\n\
         Menginap / Stay: {stay}\n\
         Status: PENDING\n\
         Batas waktu / Hold until: <b>{deadline}</b>\n\n\
         {payment}\n\n\
         Jika belum dibayar sampai batas waktu, booking dibatalkan otomatis. \
         <i>Unpaid by then, the booking is cancelled automatically.</i>",
        hotel_name = escape(&hotel.settings.hotel_name),
        receipt = booking.receipt,
        guest = guest(booking),
        room = escape(&booking.room_type),
        stay = stay(booking),
        deadline = moment(booking.hold_until, hotel),
        payment = escape(&hotel.settings.payment_text),
    )
}

/// The FO chat: a new booking held.
pub fn announced(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "🛎 <b>Booking baru / New booking</b> {receipt}\n\
         Nama / Name: {guest}\n\
         Kamar / Room: {room}\n\
         Menginap / Stay: {stay}\n\
         Lewat / Via: {via}\n\
         Status: PENDING\n\
         Batas waktu / Hold until: {deadline}",
        receipt = booking.receipt,
        guest = guest(booking),
        room = escape(&booking.room_type),
        stay = stay(booking),
        via = via(booking),
        deadline = moment(booking.hold_until, hotel),
    )
}

/// The FO chat: a hold is about to run out.
pub fn running_out(booking: &Booking, hotel: &Hotel) -> String {
    let (left_id, left_en) = span(booking.hold_until - crate::db::now_ms());
    format!(
        "⏰ <b>Segera kedaluwarsa / About to expire</b> {receipt}: {guest}, {room}, {stay}. \
         Sisa {left_id} (sampai {deadline}). <i>{left_en} left.</i> \
         /cek_pembayaran",
        receipt = booking.receipt,
        guest = guest(booking),
        room = escape(&booking.room_type),
        stay = stay(booking),
        deadline = moment(booking.hold_until, hotel),
    )
}

/// `paid`, `cancelled` or `expired`, as FO and guests read it.
fn outcome(action: &str) -> (&'static str, &'static str) {
    match action {
        "paid" => ("LUNAS", "paid"),
        "expired" => (
            "DIBATALKAN OTOMATIS (batas waktu habis)",
            "cancelled: the hold ran out",
        ),
        _ => ("DIBATALKAN", "cancelled"),
    }
}

/// The FO chat: a booking was decided (`action`: paid, cancelled or expired).
pub fn decided(booking: &Booking, action: &str) -> String {
    let (id, en) = outcome(action);
    let by = match action {
        "expired" => String::new(),
        _ => format!(
            " oleh / by {}",
            escape(booking.decided_by.as_deref().unwrap_or(SYSTEM_ACTOR))
        ),
    };
    format!(
        "📌 {receipt} ({guest}, {room}): <b>{id}</b>{by}. <i>{en}.</i>",
        receipt = booking.receipt,
        guest = guest(booking),
        room = escape(&booking.room_type),
    )
}

/// The guest: their booking was paid, cancelled, or ran out.
pub fn guest_told(booking: &Booking, hotel: &Hotel, action: &str) -> String {
    let hotel_name = escape(&hotel.settings.hotel_name);
    let receipt = &booking.receipt;
    let stay = stay(booking);
    match action {
        "paid" => format!(
            "🎉 Booking <b>{receipt}</b> di {hotel_name} sudah <b>dikonfirmasi</b>: {stay}. \
             Sampai jumpa! <i>Your booking is confirmed. See you soon!</i>"
        ),
        "expired" => format!(
            "⌛ Booking <b>{receipt}</b> di {hotel_name} dibatalkan otomatis karena batas waktu \
             pembayaran habis. Kirim /booking untuk memesan lagi. <i>Your booking was cancelled: \
             the hold ran out. Send /booking to book again.</i>"
        ),
        _ => format!(
            "Booking <b>{receipt}</b> di {hotel_name} dibatalkan oleh hotel. Hubungi resepsionis \
             bila ada pertanyaan. <i>Your booking was cancelled by the hotel.</i>"
        ),
    }
}

// --- The /booking conversation -----------------------------------------------------------

pub fn bookings_closed() -> String {
    "Booking kamar belum dibuka di sini. <i>Room bookings are not open here.</i>".into()
}

pub fn ask_guest_name(hotel: &Hotel) -> String {
    format!(
        "🏨 Booking kamar di <b>{}</b>. Nama tamu? <i>Guest's name?</i>\n\
         (Kirim /batal untuk berhenti. <i>Send /batal to stop.</i>)",
        escape(&hotel.settings.hotel_name)
    )
}

pub fn ask_check_in(last: time::Date) -> String {
    format!(
        "Tanggal check-in? Ketik <code>DD-MM-YYYY</code> atau pilih tombol, paling lambat {}. \
         <i>Check-in date? Type DD-MM-YYYY or tap a button.</i>",
        date_text(last)
    )
}

pub fn ask_nights(most: u32) -> String {
    format!("Berapa malam (1–{most})? <i>How many nights?</i>")
}

pub fn ask_room_type() -> String {
    "Pilih tipe kamar (yang masih ada kamar kosong di semua malam). \
     <i>Choose a room type (those with a room free every night).</i>"
        .into()
}

/// The guest's name was refused, for `problem`.
pub fn invalid_name(problem: &str) -> String {
    format!(
        "{} Nama tamu? <i>The name must be one line of 1–64 characters. Guest's name?</i>",
        escape(problem)
    )
}

pub fn invalid_date() -> String {
    "Tanggal tidak dikenali: tulis <code>DD-MM-YYYY</code>, mis. <code>25-12-2026</code>. \
     <i>Write the date as DD-MM-YYYY.</i>"
        .into()
}

pub fn date_in_past() -> String {
    "Tanggal itu sudah lewat. Pilih hari ini atau sesudahnya. \
     <i>That date has passed: choose today or later.</i>"
        .into()
}

pub fn date_too_far(last: time::Date) -> String {
    format!(
        "Booking paling jauh untuk check-in {}. <i>The latest check-in is {}.</i>",
        date_text(last),
        date_text(last)
    )
}

pub fn invalid_nights(most: u32) -> String {
    format!("Jumlah malam harus 1–{most}. <i>Nights must be 1 to {most}.</i>")
}

pub fn unknown_room_type(names: &[String]) -> String {
    format!(
        "Tipe kamar tidak dikenal. Pilihan: {}. <i>Unknown room type.</i>",
        names
            .iter()
            .map(|n| escape(n))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// No room of `room_type` (or of any type, `None`) on some night; the next dates that fit.
pub fn full(room_type: Option<&str>, next_free: &[time::Date]) -> String {
    let what = match room_type {
        Some(name) => format!("Kamar {} penuh", escape(name)),
        None => "Semua kamar penuh".to_owned(),
    };
    let next = if next_free.is_empty() {
        "Tidak ada tanggal lain yang kosong dalam masa booking. \
         <i>No other free dates within the booking window.</i>"
            .to_owned()
    } else {
        format!(
            "Tanggal check-in yang masih kosong / Next free check-in dates: <b>{}</b>. \
             Tanggal check-in? <i>Check-in date?</i>",
            next_free
                .iter()
                .map(|d| date_text(*d))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("😔 {what} pada tanggal itu. <i>Full on those dates.</i> {next}")
}

pub fn already_pending(receipt: &str) -> String {
    format!(
        "Anda masih punya booking yang menunggu pembayaran: <b>{receipt}</b>. Satu booking \
         tertunda per tamu. <i>You already have a booking waiting for payment.</i>"
    )
}

pub fn booking_stopped() -> String {
    "Booking dihentikan. Kirim /booking kapan saja untuk mulai lagi. \
     <i>Booking stopped; send /booking to start again.</i>"
        .into()
}

// --- Front office -------------------------------------------------------------------------

// The answers below, but for `update_usage`, are plain text: each is also the answer to a
// pressed Lunas / Batal button, which Telegram shows as it is (no HTML); a message escapes
// them.

pub fn front_office_only() -> String {
    "Perintah ini hanya untuk FO dan admin. This command is for front-office staff and \
     admins only."
        .into()
}

/// Telegram could not be asked whether the sender is in the FO chat, and never said. (A
/// button's answer shows at most 200 characters.)
pub fn membership_unchecked() -> String {
    "Keanggotaan Anda di grup FO belum bisa diperiksa ke Telegram; coba lagi sebentar lagi. \
     Your FO chat membership could not be checked with Telegram; try again shortly."
        .into()
}

pub fn update_usage(command: &str) -> String {
    format!(
        "Gunakan <code>/{command} RESI-YYYYMMDD-NNN</code>. <i>Use /{command} with a receipt \
         number.</i>"
    )
}

pub fn booking_not_found(receipt: &str) -> String {
    format!("Booking {receipt} tidak ditemukan. No such booking.")
}

/// A booking decided before: who did it.
pub fn already_decided(booking: &Booking) -> String {
    let (id, en) = match booking.status.as_str() {
        "paid" => ("sudah LUNAS", "already paid"),
        _ => ("sudah DIBATALKAN", "already cancelled"),
    };
    let by = booking.decided_by.as_deref().unwrap_or(SYSTEM_ACTOR);
    format!("{} {id} oleh {by}. {en} by {by}.", booking.receipt)
}

/// What the FO who decided is told.
pub fn decision_done(booking: &Booking, paid: bool) -> String {
    if paid {
        format!(
            "✅ {} LUNAS. Tamu diberi tahu. Paid; the guest was told.",
            booking.receipt
        )
    } else {
        format!(
            "✖️ {} DIBATALKAN; kamar kembali tersedia. Cancelled; the room is free again.",
            booking.receipt
        )
    }
}

/// `/cek_pembayaran`: the pending bookings shown, and how many there are in all.
pub fn pending_list(bookings: &[Booking], count: i64, now: i64) -> String {
    if bookings.is_empty() {
        return "Tidak ada booking yang menunggu pembayaran. <i>No bookings waiting for payment.</i>"
            .into();
    }
    let mut text = format!("💳 <b>Menunggu pembayaran / Waiting for payment</b> ({count})\n");
    for booking in bookings {
        let (left, _) = span(booking.hold_until - now);
        text.push_str(&format!(
            "\n<b>{}</b> · {} · {} · {} · {} · sisa {left}",
            booking.receipt,
            guest(booking),
            escape(&booking.room_type),
            stay(booking),
            via(booking),
        ));
    }
    let shown = bookings.len() as i64;
    if count > shown {
        text.push_str(&format!(
            "\n\n… dan {} lainnya: buka halaman Booking di Mini App. <i>and {} more.</i>",
            count - shown,
            count - shown
        ));
    }
    text
}
