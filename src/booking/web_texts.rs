//! The texts of web bookings, Indonesian first with English, as plain text: the public
//! page's answers (shown with `textContent`, never as markup) and the mails to guests.

use time::Date;

use super::{date_text, Booking, Hotel, Stay, StayProblem};
use crate::{db::now_ms, mail::Mail, telegram::texts::clock};

/// `23-11-2026 14:05 WIB`: a moment (Unix ms) at the hotel.
fn moment(at: i64, hotel: &Hotel) -> String {
    format!("{} {}", date_text(hotel.today(at)), clock(at, hotel.offset))
}

fn stay_text(stay: Stay) -> String {
    format!(
        "{} → {} ({} malam / nights)",
        date_text(stay.check_in),
        date_text(stay.check_out()),
        stay.nights
    )
}

fn dates(list: &[Date]) -> String {
    list.iter()
        .map(|d| date_text(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn bad_name(problem: &str) -> String {
    format!(
        "{problem} (Nama tamu: satu baris, 1–64 huruf. Guest's name: one line of 1–64 characters.)"
    )
}

pub fn stay_problem(problem: StayProblem) -> String {
    match problem {
        StayProblem::Past => {
            "Tanggal check-in sudah lewat. The check-in date has passed.".to_owned()
        }
        StayProblem::TooFarAhead { last } => format!(
            "Check-in paling lambat {0}. The latest check-in is {0}.",
            date_text(last)
        ),
        StayProblem::Nights => format!(
            "Jumlah malam harus 1–{0}. Nights must be 1 to {0}.",
            crate::config::MOST_NIGHTS
        ),
    }
}

pub fn full(next_free: &[Date]) -> String {
    if next_free.is_empty() {
        "Kamar tipe ini penuh pada tanggal itu, dan tidak ada tanggal lain yang kosong. \
         This room type is full on those dates, with no other free dates."
            .to_owned()
    } else {
        format!(
            "Kamar tipe ini penuh pada tanggal itu. Check-in yang masih kosong: {0}. \
             This room type is full then; free check-in dates: {0}.",
            dates(next_free)
        )
    }
}

pub fn already_pending(receipt: &str) -> String {
    format!(
        "Alamat email ini masih punya booking yang menunggu pembayaran: {receipt}. \
         This address already has a booking waiting for payment: {receipt}."
    )
}

/// The form's answer when it could be booked: the same whatever the address, since anyone
/// may type one. What became of the form (a confirmation link, or the address's pending
/// booking) is in the mail, for the address's owner alone.
pub fn mailed(to: &str) -> String {
    format!(
        "Kami mengirim email ke {to}. Buka tautan konfirmasi di dalamnya dalam 24 jam: kamar \
         baru ditahan setelah itu. We sent a mail to {to}. Open the confirmation link in it \
         within 24 hours: the room is held only then."
    )
}

/// The refusals that need no details, by [`super::web::WebError::kind`].
pub fn refused(kind: &str) -> &'static str {
    match kind {
        "off" => {
            "Booking lewat web belum tersedia; silakan booking lewat Telegram. \
             Booking on the web is not available; please book through Telegram."
        }
        "email" => "Alamat email tidak valid. That is not an email address.",
        "date" => "Tanggal tidak valid. That is not a date.",
        "room_type" => "Tipe kamar tidak dikenal. Unknown room type.",
        "too_many" => {
            "Terlalu banyak permintaan; coba lagi dalam satu jam. \
             Too many requests; try again within the hour."
        }
        "link" => {
            "Tautan tidak dikenal atau sudah kedaluwarsa (24 jam); isi formulir lagi. \
             The link is unknown or expired (24 hours); fill in the form again."
        }
        _ => "Terjadi kesalahan; coba lagi. Something went wrong; try again.",
    }
}

/// The mail with the link that confirms the address and holds the room.
pub fn confirm_mail(
    hotel: &Hotel,
    name: &str,
    room_type: &str,
    stay: Stay,
    to: &str,
    link: &str,
) -> Mail {
    let hold = humantime::format_duration(hotel.settings.hold);
    Mail {
        to: to.to_owned(),
        subject: format!(
            "Konfirmasi booking / Confirm your booking — {}",
            hotel.settings.hotel_name
        ),
        text: format!(
            "Halo {name},\n\n\
             Buka tautan ini untuk mengonfirmasi booking Anda di {hotel_name}:\n\
             Open this link to confirm your booking at {hotel_name}:\n\n\
             {link}\n\n\
             Kamar / Room: {room_type}\n\
             Menginap / Stay: {stay}\n\n\
             Kamar baru ditahan setelah tautan dibuka, selama {hold}. Tautan berlaku 24 jam.\n\
             The room is held only once the link is opened, for {hold}. The link works for 24 hours.\n\n\
             Bukan Anda yang meminta? Abaikan email ini; tidak ada yang dipesan.\n\
             Not you? Ignore this mail; nothing is booked.\n",
            hotel_name = hotel.settings.hotel_name,
            stay = stay_text(stay),
        ),
    }
}

/// The mail to an address that sent the form while a booking of it waits for payment: that
/// booking instead of a new link.
pub fn already_pending_mail(booking: &Booking, hotel: &Hotel, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: pending_subject(booking, hotel),
        text: format!(
            "Alamat email ini sudah punya booking di {hotel_name} yang menunggu pembayaran, \
             jadi booking baru tidak dibuat.\n\
             This address already has a booking at {hotel_name} waiting for payment, so no \
             new one was made.\n\n\
             {pending}\n\n\
             Setelah booking ini lunas atau batal, Anda dapat booking lagi.\n\
             Once it is paid or cancelled, you may book again.\n\n\
             Bukan Anda yang mengisi formulir? Abaikan email ini.\n\
             Not you who filled in the form? Ignore this mail.\n",
            hotel_name = hotel.settings.hotel_name,
            pending = pending_details(booking, hotel),
        ),
    }
}

/// The mail once the room is held, for a guest with an address: what the page showed, to
/// keep.
pub fn held_mail(booking: &Booking, hotel: &Hotel) -> Option<Mail> {
    Some(Mail {
        to: booking.email.clone()?,
        subject: pending_subject(booking, hotel),
        text: format!("{}\n", held(booking, hotel)),
    })
}

fn pending_subject(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "Booking {} — {} (PENDING)",
        booking.receipt, hotel.settings.hotel_name
    )
}

/// The guest's answer once the room is held, as plain text.
pub fn held(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "Kamar Anda di {} kami tahan. Your room is held.\n\n{}",
        hotel.settings.hotel_name,
        pending_details(booking, hotel)
    )
}

/// A pending booking: its receipt, stay and deadline, and how to pay.
fn pending_details(booking: &Booking, hotel: &Hotel) -> String {
    format!(
        "No. resi / Receipt: {receipt}\n\
         Nama / Name: {guest}\n\
         Kamar / Room: {room}\n\
         Menginap / Stay: {stay}\n\
         Status: PENDING\n\
         Batas waktu / Hold until: {deadline}\n\n\
         {payment}\n\n\
         Jika belum dibayar sampai batas waktu, booking dibatalkan otomatis.\n\
         Unpaid by then, the booking is cancelled automatically.",
        receipt = booking.receipt,
        guest = booking.guest_name.as_deref().unwrap_or_default(),
        room = booking.room_type,
        stay = stay_text(booking.stay()),
        deadline = moment(booking.hold_until, hotel),
        payment = hotel.settings.payment_text,
    )
}

/// A booking decided before: who did it.
pub fn already_decided(booking: &Booking) -> String {
    let by = booking
        .decided_by
        .as_deref()
        .unwrap_or(crate::telegram::booking_texts::SYSTEM_ACTOR);
    let (id, en) = match booking.status() {
        super::Status::Paid => ("sudah LUNAS", "already paid"),
        _ => ("sudah DIBATALKAN", "already cancelled"),
    };
    format!("{} {id} oleh {by}. {en} by {by}.", booking.receipt)
}

/// Where a booking stands, for a confirmation link opened again.
pub fn standing(booking: &Booking, hotel: &Hotel) -> String {
    let receipt = &booking.receipt;
    match booking.status() {
        super::Status::Pending => held(booking, hotel),
        super::Status::Paid => format!(
            "Booking {receipt} sudah LUNAS dan dikonfirmasi. Booking {receipt} is paid and confirmed."
        ),
        super::Status::Cancelled => {
            format!("Booking {receipt} sudah dibatalkan. Booking {receipt} was cancelled.")
        }
    }
}

/// The mail to a web guest when their booking is paid, cancelled or ran out (`action`);
/// `None` for a guest who booked in Telegram.
pub fn decided_mail(booking: &Booking, hotel: &Hotel, action: &str) -> Option<Mail> {
    let to = booking.email.as_deref()?;
    let (receipt, hotel_name) = (&booking.receipt, &hotel.settings.hotel_name);
    let (subject, text) = match action {
        "paid" => (
            "dikonfirmasi / confirmed",
            format!(
                "Pembayaran diterima. Booking {receipt} telah dikonfirmasi: {stay}.\n\
                 Payment received. Booking {receipt} is confirmed. See you soon!",
                stay = stay_text(booking.stay())
            ),
        ),
        "expired" => (
            "dibatalkan / cancelled",
            format!(
                "Booking {receipt} otomatis dibatalkan (waktu habis, {at}).\n\
                 Booking {receipt} was cancelled automatically: the hold ran out.\n\n\
                 Silakan booking lagi bila masih perlu. Please book again if you still need a room.",
                at = moment(now_ms(), hotel)
            ),
        ),
        _ => (
            "dibatalkan / cancelled",
            format!(
                "Booking {receipt} dibatalkan oleh hotel. Hubungi resepsionis bila ada pertanyaan.\n\
                 Booking {receipt} was cancelled by the hotel."
            ),
        ),
    };
    Some(Mail {
        to: to.to_owned(),
        subject: format!("Booking {receipt} {subject} — {hotel_name}"),
        text: format!("{text}\n"),
    })
}
