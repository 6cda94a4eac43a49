//! The texts of web bookings, in the page's language, as plain text: the public page's
//! answers (shown with `textContent`, never as markup) and the mails to guests, which
//! carry the same words as the private chat's ([`super::texts`] in [`Format::Plain`]).

use time::Date;

use super::{
    texts::{self, day, Format},
    Booking, Hotel, Stay, StayProblem,
};
use crate::{lang::Lang, mail::Mail};

fn dates(list: &[Date], lang: Lang) -> String {
    list.iter()
        .map(|d| day(*d, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn bad_name(problem: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("{problem} (Nama tamu: satu baris, 1–64 huruf.)"),
        Lang::En => {
            "The guest's name must be one line of 1–64 characters, not starting with /.".to_owned()
        }
    }
}

pub fn stay_problem(problem: StayProblem, lang: Lang) -> String {
    match (problem, lang) {
        (StayProblem::Past, Lang::Id) => "Tanggal check-in sudah lewat.".to_owned(),
        (StayProblem::Past, Lang::En) => "The check-in date has passed.".to_owned(),
        (StayProblem::TooFarAhead { last }, Lang::Id) => {
            format!("Check-in paling lambat {}.", day(last, lang))
        }
        (StayProblem::TooFarAhead { last }, Lang::En) => {
            format!("The latest check-in is {}.", day(last, lang))
        }
        (StayProblem::Nights, Lang::Id) => {
            format!("Jumlah malam harus 1–{}.", super::config::MOST_NIGHTS)
        }
        (StayProblem::Nights, Lang::En) => {
            format!("Nights must be 1 to {}.", super::config::MOST_NIGHTS)
        }
    }
}

pub fn full(next_free: &[Date], lang: Lang) -> String {
    match (next_free.is_empty(), lang) {
        (true, Lang::Id) => "Kamar tipe ini penuh pada tanggal itu, dan tidak ada tanggal lain \
                             yang kosong."
            .to_owned(),
        (true, Lang::En) => {
            "This room type is full on those dates, with no other free dates.".to_owned()
        }
        (false, Lang::Id) => format!(
            "Kamar tipe ini penuh pada tanggal itu. Check-in yang masih kosong: {}.",
            dates(next_free, lang)
        ),
        (false, Lang::En) => format!(
            "This room type is full then; free check-in dates: {}.",
            dates(next_free, lang)
        ),
    }
}

/// A link opened by a guest who has another booking waiting for payment.
pub fn already_pending(receipt: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => {
            format!("Alamat email ini masih punya booking yang menunggu pembayaran: {receipt}.")
        }
        Lang::En => format!("This address already has a booking waiting for payment: {receipt}."),
    }
}

/// The refusals that need no details, by [`super::web::WebError::kind`].
pub fn refused(kind: &str, lang: Lang) -> &'static str {
    let (id, en) = match kind {
        "off" => (
            "Booking lewat web belum tersedia; silakan booking lewat Telegram.",
            "Booking on the web is not available; please book through Telegram.",
        ),
        "email" => ("Alamat email tidak valid.", "That is not an email address."),
        "date" => ("Tanggal tidak valid.", "That is not a date."),
        "room_type" => ("Tipe kamar tidak dikenal.", "Unknown room type."),
        "too_many" => (
            "Terlalu banyak permintaan; coba lagi dalam satu jam.",
            "Too many requests; try again within the hour.",
        ),
        "link" => (
            "Tautan tidak dikenal atau sudah kedaluwarsa (24 jam); isi formulir lagi.",
            "The link is unknown or expired (24 hours); fill in the form again.",
        ),
        "position" => ("Lokasi tidak valid.", "That is not a position."),
        _ => (
            "Terjadi kesalahan; coba lagi.",
            "Something went wrong; try again.",
        ),
    };
    lang.pick(id, en)
}

/// The form's answer when it could be booked: the same whatever the address, since anyone
/// may type one. What became of the form (a confirmation link, or the address's pending
/// booking) is in the mail, for the address's owner alone.
pub fn mailed(to: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!(
            "Kami mengirim email ke {to}. Buka tautan konfirmasi di dalamnya dalam 24 jam: kamar \
             baru ditahan setelah itu."
        ),
        Lang::En => format!(
            "We sent a mail to {to}. Open the confirmation link in it within 24 hours: the room \
             is held only then."
        ),
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
    lang: Lang,
) -> Mail {
    let hotel_name = &hotel.settings.hotel_name;
    let stay = texts::stay(stay, lang);
    let text = match lang {
        Lang::Id => format!(
            "Halo {name},\n\n\
             Buka tautan ini untuk mengonfirmasi booking Anda di {hotel_name}:\n\n\
             {link}\n\n\
             Kamar: {room_type}\n\
             Menginap: {stay}\n\n\
             Kamar baru ditahan setelah tautan dibuka. Tautan berlaku 24 jam.\n\n\
             Bukan Anda yang meminta? Abaikan email ini; tidak ada yang dipesan.\n"
        ),
        Lang::En => format!(
            "Hello {name},\n\n\
             Open this link to confirm your booking at {hotel_name}:\n\n\
             {link}\n\n\
             Room: {room_type}\n\
             Stay: {stay}\n\n\
             The room is held only once the link is opened. The link works for 24 hours.\n\n\
             Not you? Ignore this mail; nothing is booked.\n"
        ),
    };
    Mail {
        to: to.to_owned(),
        subject: format!(
            "{} — {hotel_name}",
            lang.pick("Konfirmasi booking", "Confirm your booking")
        ),
        text,
    }
}

/// A mail to the guest of `booking` carrying `text` (written in [`Format::Plain`]) under
/// the subject for `what`; `None` for a guest who booked in Telegram.
pub fn guest_mail(booking: &Booking, hotel: &Hotel, what: &str, text: String) -> Option<Mail> {
    Some(Mail {
        to: booking.email.clone()?,
        subject: texts::subject(booking, hotel, what),
        text: format!("{text}\n"),
    })
}

/// The page's answer to a position kept for the guest's pending booking, in the guest's
/// language.
pub fn position_noted(booking: &Booking, hotel: &Hotel, distance_m: i64) -> String {
    texts::position_noted(booking, hotel, distance_m, Format::Plain)
}

/// The mail to an address that sent the form (in `lang`) while a booking of it waits for
/// payment: that booking instead of a new link.
pub fn already_pending_mail(booking: &Booking, hotel: &Hotel, to: &str, lang: Lang) -> Mail {
    let shown = Booking {
        lang,
        ..booking.clone()
    };
    let hotel_name = &hotel.settings.hotel_name;
    let pending = texts::held(&shown, hotel, Format::Plain);
    let text = match lang {
        Lang::Id => format!(
            "Alamat email ini sudah punya booking di {hotel_name} yang menunggu pembayaran, jadi \
             booking baru tidak dibuat.\n\n{pending}\n\n\
             Setelah booking ini lunas atau batal, Anda dapat booking lagi.\n\n\
             Bukan Anda yang mengisi formulir? Abaikan email ini.\n"
        ),
        Lang::En => format!(
            "This address already has a booking at {hotel_name} waiting for payment, so no new \
             one was made.\n\n{pending}\n\n\
             Once it is paid or cancelled, you may book again.\n\n\
             Not you who filled in the form? Ignore this mail.\n"
        ),
    };
    Mail {
        to: to.to_owned(),
        subject: texts::subject(&shown, hotel, "held"),
        text,
    }
}

/// Where a booking stands, for a confirmation link opened again, in the guest's language.
pub fn standing(booking: &Booking, hotel: &Hotel) -> String {
    let receipt = &booking.receipt;
    match (booking.status(), booking.lang) {
        (super::Status::Pending, _) => texts::held(booking, hotel, Format::Plain),
        (super::Status::Paid, Lang::Id) => {
            format!("Booking {receipt} sudah LUNAS dan dikonfirmasi.")
        }
        (super::Status::Paid, Lang::En) => format!("Booking {receipt} is paid and confirmed."),
        (super::Status::Cancelled, Lang::Id) => format!("Booking {receipt} sudah dibatalkan."),
        (super::Status::Cancelled, Lang::En) => format!("Booking {receipt} was cancelled."),
    }
}
