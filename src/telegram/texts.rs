//! Every text the bot sends about tickets and accounts, as Telegram HTML. What goes to a
//! group is in Indonesian (the seed's Feedback texts among them); what goes to a person's
//! private chat is in their language ([`Lang`]), never both. Whatever a user typed is
//! passed through [`escape`] before it is placed in a message.

use crate::{
    duration,
    lang::{Lang, Text},
};

/// Escapes text for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

pub const MOBAN_FORMAT: &str = "<code>/moban #ORDER_ID #TRANSAKSI #KETERANGAN</code>";
pub const MOBAN_EXAMPLE: &str =
    "<code>/moban #INV-1029 #TOPUP #Saldo belum masuk sejak pagi</code>";

/// Feedback 1: the order is stored and has a ticket.
pub fn order_received(order_id: &str, transaksi: &str, ticket: &str) -> String {
    format!(
        "Permintaan Anda {} {} sudah kami proses dengan no tiket <b>{}</b>, silahkan tunggu",
        escape(order_id),
        escape(transaksi),
        escape(ticket)
    )
}

/// The answer to a `/moban` whose Order_ID has an open ticket in the group already
/// (`TANGKAP_DUPLICATE_ORDER_ID=link`): no second ticket; where the first one stands.
pub fn order_already_open(
    order_id: &str,
    ticket: &str,
    status: &str,
    picked_by: Option<&str>,
) -> String {
    let standing = match (status, picked_by) {
        ("pickup", Some(by)) => format!("status PICK UP, ditangani oleh {}", escape(by)),
        ("pickup", None) => "status PICK UP".to_owned(),
        _ => "status ORDER, menunggu di-pickup".to_owned(),
    };
    format!(
        "Order_ID {} sudah tercatat di tiket <b>{}</b> yang masih terbuka ({standing}). \
         Tiket baru tidak dibuat; silakan pantau tiket tersebut.",
        escape(order_id),
        escape(ticket)
    )
}

/// Feedback 2 (`step` = "PICK UP") and Feedback 3 (`step` = "RESOLVED").
pub fn order_progress(
    ticket: &str,
    order_id: &str,
    transaksi: &str,
    step: &str,
    staff: &str,
) -> String {
    format!(
        "Permintaan Anda <b>{}</b> {} {} sudah di {step} oleh {}",
        escape(ticket),
        escape(order_id),
        escape(transaksi),
        escape(staff)
    )
}

/// The card's buttons (a group's, in Indonesian).
pub const CARD_PICKUP: &str = "🙋 Ambil";
pub const CARD_UNDO: &str = "↩️ Batalkan";
pub const CARD_CLOSE: &str = "✅ Selesai";

/// The card's status line once picked up: who, since when, and when Close is due, on the
/// group's clock. Fixed for a given Pickup (never "n minutes left", which would change
/// the card with nothing having happened).
pub fn card_picked_up(
    staff: &str,
    at: i64,
    close_due_at: Option<i64>,
    offset: time::UtcOffset,
) -> String {
    let due = match close_due_at {
        Some(due) => format!(
            "\n⏳ Target Close {} ({} sejak Pickup)",
            clock(due, offset),
            span(due - at, Lang::Id)
        ),
        None => String::new(),
    };
    format!(
        "🙋 PICK UP oleh <b>{}</b> sejak {}{due}",
        escape(staff),
        clock(at, offset)
    )
}

/// The card's status line once resolved; its buttons are gone.
pub fn card_resolved(staff: &str, at: i64, offset: time::UtcOffset) -> String {
    format!(
        "✅ RESOLVED oleh <b>{}</b> pukul {}",
        escape(staff),
        clock(at, offset)
    )
}

// What a press on a card is answered with: plain text (not HTML) shown to the presser
// alone, at most 200 characters, in their language.

pub fn card_unknown(lang: Lang) -> String {
    lang.pick(
        "Tiket ini tidak ditemukan di grup ini.",
        "This ticket is not found in this group.",
    )
    .into()
}

pub fn card_taken(ticket: &str, picker: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Tiket {ticket} sudah diambil oleh {picker} (PICK UP)."),
        Lang::En => format!("Ticket {ticket} is already taken by {picker} (PICK UP)."),
    }
}

pub fn card_waiting(ticket: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Tiket {ticket} masih menunggu diambil (ORDER)."),
        Lang::En => format!("Ticket {ticket} is waiting to be taken (ORDER)."),
    }
}

pub fn card_already_resolved(ticket: &str, closer: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Tiket {ticket} sudah selesai, ditutup oleh {closer} (RESOLVED)."),
        Lang::En => format!("Ticket {ticket} is resolved already, closed by {closer}."),
    }
}

pub fn card_only_picker_undoes(picker: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("Hanya {picker}, yang mengambil tiket ini, yang bisa membatalkannya."),
        Lang::En => format!("Only {picker}, who took this ticket, can undo it."),
    }
}

pub fn card_too_late_to_undo(ticket: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!(
            "Grup sudah diberi tahu bahwa tiket {ticket} diambil; Pickup tidak bisa dibatalkan lagi."
        ),
        Lang::En => format!(
            "The group has been told that ticket {ticket} was taken; the Pickup cannot be undone now."
        ),
    }
}

/// Why a Close is refused to staff who did not pick the ticket up.
pub fn only_the_picker_closes(picker: &str) -> Text {
    Text::new(
        format!(
            "Hanya {picker} (yang mengambil tiket ini), owner, atau admin yang bisa menutupnya."
        ),
        format!("Only {picker} (who took this ticket), an owner or an admin can close it."),
    )
}

/// A Pickup made from the card: the undo time, and the Close target's time left.
pub fn card_picked_up_by_you(
    ticket: &str,
    undo: std::time::Duration,
    close_left_ms: Option<i64>,
    lang: Lang,
) -> String {
    let mut text = match lang {
        Lang::Id => format!("🙋 Tiket {ticket} Anda ambil."),
        Lang::En => format!("🙋 You took ticket {ticket}."),
    };
    if !undo.is_zero() {
        let seconds = undo.as_secs().max(1);
        text.push_str(&match lang {
            Lang::Id => {
                format!(" Grup diberi tahu dalam {seconds} detik; tekan ↩️ Batalkan bila keliru.")
            }
            Lang::En => format!(
                " The group is told in {seconds} s; press ↩️ Batalkan if that was a mistake."
            ),
        });
    }
    if let Some(left) = close_left_ms {
        text.push_str(&match lang {
            Lang::Id => format!(" Sisa waktu ke target Close: {}.", span(left, lang)),
            Lang::En => format!(" Time left to the Close target: {}.", span(left, lang)),
        });
    }
    text
}

pub fn card_undone(ticket: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("↩️ Pickup tiket {ticket} dibatalkan; tiket kembali menunggu diambil."),
        Lang::En => format!("↩️ Pickup of ticket {ticket} undone; it waits to be taken again."),
    }
}

pub fn card_closed_by_you(ticket: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => format!("✅ Tiket {ticket} selesai (RESOLVED)."),
        Lang::En => format!("✅ Ticket {ticket} resolved."),
    }
}

/// A closed ticket reopened by an owner or admin, with their reason; in the style of
/// Feedback 2 and 3, as a reply to the request.
pub fn order_reopened(
    ticket: &str,
    order_id: &str,
    transaksi: &str,
    staff: &str,
    reason: &str,
) -> String {
    format!(
        "Permintaan Anda <b>{}</b> {} {} dibuka kembali oleh {}: {}",
        escape(ticket),
        escape(order_id),
        escape(transaksi),
        escape(staff),
        escape(reason)
    )
}

/// The answer to a malformed /moban: what is wrong, then the right format.
pub fn moban_invalid(reason: &str) -> String {
    format!(
        "Format /moban belum benar: {}\n\nGunakan format:\n{MOBAN_FORMAT}\nContoh:\n{MOBAN_EXAMPLE}",
        escape(reason)
    )
}

pub fn group_greeting() -> String {
    format!(
        "Halo! Saya mencatat permintaan di grup ini dan memberi nomor tiket.\n\
         Kirim permintaan dengan format:\n{MOBAN_FORMAT}\nContoh:\n{MOBAN_EXAMPLE}"
    )
}

pub fn daftar_in_group() -> String {
    "Pendaftaran staf dilakukan di chat pribadi dengan bot. Tekan tombol di bawah, lalu kirim /daftar."
        .into()
}

pub const OPEN_PRIVATE_CHAT: &str = "Daftar di chat pribadi";

pub fn start_unregistered(first_name: &str, lang: Lang) -> String {
    let name = escape(first_name);
    match lang {
        Lang::Id => format!(
            "Halo, {name}! Saya <b>Tangkap</b>, bot pencatat permintaan.\n\n\
             Di grup, anggota mengirim {MOBAN_FORMAT} dan saya membalas dengan nomor tiket. \
             Staf lalu memproses tiket itu: Order → Pickup → Close, dan grup diberi kabar di setiap langkah.\n\n\
             Anda staf? Kirim /daftar untuk mendaftar."
        ),
        Lang::En => format!(
            "Hello, {name}! I am <b>Tangkap</b>, a bot that records requests.\n\n\
             In a group, members send {MOBAN_FORMAT} and I answer with a ticket number. \
             Staff then work the ticket: Order → Pickup → Close, and the group hears of every step.\n\n\
             Are you staff? Send /daftar to register."
        ),
    }
}

pub fn open_mini_app(lang: Lang) -> &'static str {
    lang.pick("Buka Tangkap", "Open Tangkap")
}

pub const MENU_BUTTON: &str = "Tangkap";

/// The button that opens a ticket in the Mini App (a group's is in Indonesian).
pub fn open_ticket(lang: Lang) -> &'static str {
    lang.pick("Buka tiket", "Open ticket")
}

pub fn start_registered(name: &str, username: &str, has_mini_app: bool, lang: Lang) -> String {
    let (name, username) = (escape(name), escape(username));
    match lang {
        Lang::Id => {
            let next = if has_mini_app {
                "Tekan tombol di bawah untuk membuka daftar order: Order → Pickup → Close."
            } else {
                "Saya akan mencatat setiap /moban di grup dan memberi kabar saat tiket di-pickup dan di-close."
            };
            format!("Halo, {name}! Anda terdaftar sebagai <b>{username}</b>.\n{next}")
        }
        Lang::En => {
            let next = if has_mini_app {
                "Press the button below to open the order list: Order → Pickup → Close."
            } else {
                "I will record every /moban in your groups and say when a ticket is picked up and closed."
            };
            format!("Hello, {name}! You are registered as <b>{username}</b>.\n{next}")
        }
    }
}

pub fn private_help(lang: Lang) -> String {
    lang.pick(
        "Saya tidak mengerti pesan itu. Kirim /daftar untuk mendaftar sebagai staf, /password untuk mengganti password, /bahasa en untuk bahasa Inggris, atau /start untuk bantuan.",
        "I did not understand that message. Send /daftar to register as staff, /password to change your password, /bahasa id for Indonesian, or /start for help.",
    )
    .into()
}

/// `/bahasa id|en`: the choice made, said in the language chosen.
pub fn language_set(lang: Lang) -> String {
    lang.pick(
        "Bahasa diganti ke Bahasa Indonesia.",
        "Language set to English.",
    )
    .into()
}

/// `/bahasa` without `id` or `en`.
pub fn language_usage(lang: Lang) -> String {
    lang.pick(
        "Gunakan <code>/bahasa id</code> untuk Bahasa Indonesia atau <code>/bahasa en</code> untuk bahasa Inggris.",
        "Use <code>/bahasa en</code> for English or <code>/bahasa id</code> for Indonesian.",
    )
    .into()
}

/// `/bahasa` sent in a group: it is a person's setting.
pub fn language_in_group() -> String {
    "Bahasa diatur per orang di chat pribadi dengan bot: kirim /bahasa id atau /bahasa en di sana."
        .into()
}

pub fn already_registered(username: &str, lang: Lang) -> String {
    let username = escape(username);
    match lang {
        Lang::Id => format!(
            "Akun Telegram ini sudah terdaftar dengan username <b>{username}</b>. Satu akun Telegram hanya bisa mendaftar sekali."
        ),
        Lang::En => format!(
            "This Telegram account is already registered as <b>{username}</b>. A Telegram account can register only once."
        ),
    }
}

pub fn ask_name(lang: Lang) -> String {
    lang.pick(
        "Pendaftaran dimulai.\nMasukkan <b>nama</b> Anda:\n\n(kirim /batal untuk membatalkan)",
        "Registration started.\nEnter your <b>name</b>:\n\n(send /batal to cancel)",
    )
    .into()
}

/// Asked again after a refused name.
pub fn ask_name_again(lang: Lang) -> String {
    lang.pick("Masukkan nama Anda:", "Enter your name:").into()
}

pub fn ask_username(lang: Lang) -> String {
    lang.pick(
        "Masukkan <b>username</b> untuk login: 3–32 karakter, huruf, angka, titik atau garis bawah.",
        "Enter a <b>username</b> to log in with: 3–32 characters, letters, digits, dots or underscores.",
    )
    .into()
}

pub fn ask_password(lang: Lang) -> String {
    lang.pick(
        "Masukkan <b>password</b>: minimal 8 karakter. Pesan berisi password akan saya hapus dari chat.",
        "Enter a <b>password</b>: at least 8 characters. I will delete the message holding it from the chat.",
    )
    .into()
}

/// Which answer of the conversation was refused, for [`invalid_answer`].
#[derive(Clone, Copy, Debug)]
pub enum Asked {
    Name,
    Username,
    Password,
}

/// An answer refused for `problem` (an Indonesian sentence: the rules of
/// [`crate::users`]), then the question again. In English the rule is said whole.
pub fn invalid_answer(asked: Asked, problem: &str, ask_again: &str, lang: Lang) -> String {
    let problem = match (lang, asked) {
        (Lang::Id, _) => escape(problem),
        (Lang::En, Asked::Name) => {
            "A name is one line of 1–64 characters, not starting with /.".into()
        }
        (Lang::En, Asked::Username) => "A username is 3–32 characters: letters, digits, dots \
             or underscores, starting with a letter or a digit."
            .into(),
        (Lang::En, Asked::Password) => "A password is one line of 8–128 characters.".into(),
    };
    format!("{problem}\n\n{ask_again}")
}

pub fn username_taken(username: &str, lang: Lang) -> String {
    let taken = match lang {
        Lang::Id => format!(
            "Username <b>{}</b> sudah dipakai. Pilih username lain.",
            escape(username)
        ),
        Lang::En => format!(
            "The username <b>{}</b> is taken. Choose another one.",
            escape(username)
        ),
    };
    format!("{taken}\n\n{}", ask_username(lang))
}

pub fn answer_with_text(lang: Lang) -> String {
    lang.pick(
        "Kirim jawaban berupa teks, atau /batal untuk membatalkan pendaftaran.",
        "Send your answer as text, or /batal to cancel the registration.",
    )
    .into()
}

pub fn registration_cancelled(lang: Lang) -> String {
    lang.pick(
        "Pendaftaran dibatalkan. Kirim /daftar kapan saja untuk mulai lagi.",
        "Registration cancelled. Send /daftar any time to start again.",
    )
    .into()
}

pub fn nothing_to_cancel(lang: Lang) -> String {
    lang.pick(
        "Tidak ada yang sedang berjalan untuk dibatalkan.",
        "There is nothing under way to cancel.",
    )
    .into()
}

/// The seed's confirmation, without the password: it was set, and is not repeated in the
/// chat. What comes next depends on whether the account waits for approval.
pub fn registered(
    name: &str,
    username: &str,
    telegram_id: i64,
    pending: bool,
    lang: Lang,
) -> String {
    let (name, username) = (escape(name), escape(username));
    match lang {
        Lang::Id => {
            let next = if pending {
                "Akun Anda <b>menunggu persetujuan admin</b>. Saya akan memberi kabar di sini begitu disetujui."
            } else {
                "Akun Anda sudah aktif."
            };
            format!(
                "Anda telah terdaftar\n\nNAMA: {name}\nUSERNAME: {username}\nPASSWORD: sudah disimpan (tidak ditampilkan)\nID_TELEGRAM: <code>{telegram_id}</code>\n\n{next}"
            )
        }
        Lang::En => {
            let next = if pending {
                "Your account is <b>waiting for an admin's approval</b>. I will tell you here as soon as it is approved."
            } else {
                "Your account is active."
            };
            format!(
                "You are registered\n\nNAME: {name}\nUSERNAME: {username}\nPASSWORD: saved (not shown)\nTELEGRAM_ID: <code>{telegram_id}</code>\n\n{next}"
            )
        }
    }
}

pub fn registration_closed(lang: Lang) -> String {
    lang.pick(
        "Pendaftaran staf sedang ditutup. Hubungi admin tim Anda.",
        "Staff registration is closed. Contact your team's admin.",
    )
    .into()
}

/// `/start` of an account that is not active.
pub fn start_not_active(name: &str, state: &str, lang: Lang) -> String {
    let standing = match (state, lang) {
        ("pending", Lang::Id) => "Akun Anda masih <b>menunggu persetujuan admin</b>. Saya akan memberi kabar di sini begitu disetujui.",
        ("pending", Lang::En) => "Your account is still <b>waiting for an admin's approval</b>. I will tell you here as soon as it is approved.",
        ("disabled", Lang::Id) => "Akun Anda <b>dinonaktifkan</b>. Hubungi admin tim Anda bila ini keliru.",
        ("disabled", Lang::En) => "Your account is <b>disabled</b>. Contact your team's admin if this is a mistake.",
        (_, Lang::Id) => "Pendaftaran Anda <b>ditolak</b>. Hubungi admin tim Anda bila ini keliru.",
        (_, Lang::En) => "Your registration was <b>rejected</b>. Contact your team's admin if this is a mistake.",
    };
    format!(
        "{} {}! {standing}",
        lang.pick("Halo,", "Hello,"),
        escape(name)
    )
}

/// Who made a change from the server's command line.
pub const CONSOLE_ACTOR: &str = "Server (tangkap user)";

pub fn approve_button(lang: Lang) -> &'static str {
    lang.pick("✅ Setujui", "✅ Approve")
}

pub fn reject_button(lang: Lang) -> &'static str {
    lang.pick("❌ Tolak", "❌ Reject")
}

pub fn unknown_button(lang: Lang) -> String {
    lang.pick(
        "Tombol ini sudah tidak berlaku.",
        "This button no longer works.",
    )
    .into()
}

pub fn account_not_found(lang: Lang) -> String {
    lang.pick("Akun ini tidak ditemukan.", "This account was not found.")
        .into()
}

/// To owners and admins: someone registered and waits.
pub fn approval_request(
    applicant: &crate::users::User,
    telegram_username: Option<&str>,
    lang: Lang,
) -> String {
    let handle = telegram_username.map_or_else(|| "-".to_owned(), |h| format!("@{}", escape(h)));
    let (title, name, id) = lang.pick(
        (
            "Pendaftaran baru menunggu persetujuan",
            "Nama",
            "ID Telegram",
        ),
        (
            "New registration waiting for approval",
            "Name",
            "Telegram ID",
        ),
    );
    format!(
        "<b>{title}</b>\n\n{name}: {}\nUsername: {}\n{id}: <code>{}</code>\nTelegram: {handle}",
        escape(&applicant.name),
        escape(&applicant.username),
        applicant.telegram_id,
    )
}

/// Added to every copy of an approval request once someone decided.
pub fn approval_decided(approved: bool, by: &str, lang: Lang) -> String {
    let decided = match (approved, lang) {
        (true, Lang::Id) => "✅ Disetujui oleh",
        (true, Lang::En) => "✅ Approved by",
        (false, Lang::Id) => "❌ Ditolak oleh",
        (false, Lang::En) => "❌ Rejected by",
    };
    format!("{decided} {}", escape(by))
}

pub fn applicant_rejected(lang: Lang) -> String {
    lang.pick(
        "Maaf, pendaftaran Anda <b>ditolak</b> oleh admin. Hubungi admin tim Anda bila ini keliru.",
        "Sorry, an admin <b>rejected</b> your registration. Contact your team's admin if this is a mistake.",
    )
    .into()
}

/// Shown to whoever pressed Setujui or Tolak (answerCallbackQuery: plain text).
pub fn decision_recorded(approved: bool, applicant: &str, lang: Lang) -> String {
    let decided = match (approved, lang) {
        (true, Lang::Id) => "Disetujui",
        (true, Lang::En) => "Approved",
        (false, Lang::Id) => "Ditolak",
        (false, Lang::En) => "Rejected",
    };
    format!("{decided}: {applicant}")
}

/// A button pressed on a request someone already decided (plain text).
pub fn already_decided(by: Option<&str>, lang: Lang) -> String {
    match (by, lang) {
        (Some(by), Lang::Id) => format!("Sudah diputuskan oleh {by}."),
        (Some(by), Lang::En) => format!("Already decided by {by}."),
        (None, Lang::Id) => "Pendaftaran ini sudah diputuskan.".into(),
        (None, Lang::En) => "This registration was already decided.".into(),
    }
}

pub fn ask_new_password(lang: Lang) -> String {
    lang.pick(
        "Kirim <b>password baru</b> Anda: minimal 8 karakter. Pesan itu akan saya hapus dari chat.\n\n(kirim /batal untuk membatalkan)",
        "Send your <b>new password</b>: at least 8 characters. I will delete that message from the chat.\n\n(send /batal to cancel)",
    )
    .into()
}

pub fn password_changed(lang: Lang) -> String {
    lang.pick(
        "Password Anda sudah diganti. Semua sesi login diakhiri: masuk lagi dengan password baru.",
        "Your password was changed. Every login session was ended: log in again with the new password.",
    )
    .into()
}

pub fn password_change_cancelled(lang: Lang) -> String {
    lang.pick(
        "Penggantian password dibatalkan.",
        "Password change cancelled.",
    )
    .into()
}

/// A command for accounts only (`/password`, `/cek`), from someone without one.
pub fn needs_account(lang: Lang) -> String {
    lang.pick(
        "Anda belum terdaftar. Kirim /daftar untuk mendaftar dulu.",
        "You are not registered yet. Send /daftar to register first.",
    )
    .into()
}

/// A reminder about one ticket: its stage is about to run out (a warning) or has run
/// out (a breach).
#[derive(Clone, Debug)]
pub struct ReminderLine {
    pub breach: bool,
    /// `Pickup` or `Close`.
    pub stage: &'static str,
    pub ticket: String,
    pub order_id: String,
    pub group: String,
    /// When the stage was due, on the group's clock, e.g. `10:30 WIB`.
    pub due: String,
    /// How late (breach) or how long left (warning), in milliseconds.
    pub amount_ms: i64,
}

impl ReminderLine {
    fn icon(&self) -> &'static str {
        if self.breach {
            "🚨"
        } else {
            "⏰"
        }
    }

    /// "terlambat 5 menit" or "15 menit lagi"; "5 minutes late" or "15 minutes left".
    fn how_much(&self, lang: Lang) -> String {
        let span = span(self.amount_ms, lang);
        match (self.breach, lang) {
            (true, Lang::Id) => format!("terlambat {span}"),
            (true, Lang::En) => format!("{span} late"),
            (false, Lang::Id) => format!("{span} lagi"),
            (false, Lang::En) => format!("{span} left"),
        }
    }
}

/// A reminder about one ticket.
pub fn reminder(line: &ReminderLine, lang: Lang) -> String {
    let stage = line.stage;
    let title = match (line.breach, lang) {
        (true, Lang::Id) => format!("Lewat batas {stage}"),
        (true, Lang::En) => format!("{stage} overdue"),
        (false, Lang::Id) => format!("Segera lewat batas {stage}"),
        (false, Lang::En) => format!("{stage} due soon"),
    };
    let (ticket, group, due) = lang.pick(("Tiket", "Grup", "Batas"), ("Ticket", "Group", "Due"));
    format!(
        "{} <b>{title}</b>\n{ticket}: <b>{}</b>\n{group}: {}\n\
         Order_ID: {}\n{due} {}: {}",
        line.icon(),
        escape(&line.ticket),
        escape(&line.group),
        escape(&line.order_id),
        escape(&line.due),
        line.how_much(lang),
    )
}

/// Longest group title or Order_ID quoted in a digest line, so that a full digest stays
/// within Telegram's 4,096 characters.
const DIGEST_FIELD_CHARS: usize = 40;

/// `text` cut to its first `max` characters (with `…` when cut), escaped.
fn shortened(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let cut: String = chars.by_ref().take(max).collect();
    escape(&if chars.next().is_some() {
        format!("{cut}…")
    } else {
        cut
    })
}

/// Reminders about several tickets in one message: `lines`, and `more` not listed.
pub fn reminder_digest(lines: &[ReminderLine], more: usize, lang: Lang) -> String {
    let short = |text: &str| shortened(text, DIGEST_FIELD_CHARS);
    let total = lines.len() + more;
    let mut html = match lang {
        Lang::Id => format!("⏰ <b>{total} tiket perlu perhatian</b>"),
        Lang::En if total == 1 => "⏰ <b>1 ticket needs attention</b>".to_owned(),
        Lang::En => format!("⏰ <b>{total} tickets need attention</b>"),
    };
    let due = lang.pick("batas", "due");
    for line in lines {
        html.push_str(&format!(
            "\n{} <b>{}</b> · {} · {} — {} {}, {due} {}",
            line.icon(),
            escape(&line.ticket),
            short(&line.group),
            short(&line.order_id),
            line.stage,
            line.how_much(lang),
            escape(&line.due),
        ));
    }
    if more > 0 {
        html.push_str(&match lang {
            Lang::Id => format!("\n… dan {more} tiket lainnya"),
            Lang::En => format!("\n… and {more} more"),
        });
    }
    html
}

/// A length of time in words, to the minute: "1 jam 5 menit", "1 hour 5 minutes"; under
/// a minute, "kurang dari 1 menit" / "under a minute".
pub fn span(ms: i64, lang: Lang) -> String {
    let minutes = ms.max(0) as u64 / 60_000;
    if minutes == 0 {
        return lang.pick("kurang dari 1 menit", "under a minute").into();
    }
    duration::in_words(std::time::Duration::from_secs(minutes * 60), lang)
}

/// `/pengingat`: reminders turned on or off, or how to use it.
pub fn reminders_set(on: bool, lang: Lang) -> String {
    match (on, lang) {
        (true, Lang::Id) => "🔔 Pengingat tiket yang menunggu Pickup <b>aktif</b>.",
        (true, Lang::En) => "🔔 Reminders of tickets waiting for Pickup are <b>on</b>.",
        (false, Lang::Id) => {
            "🔕 Pengingat tiket yang menunggu Pickup <b>dimatikan</b>; pengingat tiket yang Anda \
             pegang tetap dikirim. Nyalakan lagi dengan /pengingat on."
        }
        (false, Lang::En) => {
            "🔕 Reminders of tickets waiting for Pickup are <b>off</b>; those of tickets you \
             hold still come. Turn them on again with /pengingat on."
        }
    }
    .into()
}

pub fn reminders_usage(lang: Lang) -> String {
    lang.pick(
        "Gunakan <code>/pengingat on</code> atau <code>/pengingat off</code>.",
        "Use <code>/pengingat on</code> or <code>/pengingat off</code>.",
    )
    .into()
}

pub fn reminders_need_account(lang: Lang) -> String {
    lang.pick(
        "Pengingat hanya untuk staf terdaftar. Daftar dulu dengan /daftar.",
        "Reminders are for registered staff: register with /daftar first.",
    )
    .into()
}

/// How much of what was typed `/cek` quotes back.
const QUOTED_CHARS: usize = 64;

/// How `/cek` is used.
pub fn cek_usage(lang: Lang) -> String {
    lang.pick(
        "Gunakan <code>/cek TIKET</code> atau <code>/cek ORDER_ID</code>, contoh: <code>/cek K7M2QX</code> atau <code>/cek INV-1029</code>.",
        "Use <code>/cek TICKET</code> or <code>/cek ORDER_ID</code>, e.g. <code>/cek K7M2QX</code> or <code>/cek INV-1029</code>.",
    )
    .into()
}

/// `/cek` of something that is no ticket number or Order_ID of a ticket the asker may see:
/// the group's, in a group (`in_group`), or theirs in a private chat. A ticket elsewhere
/// gets this very answer, so it tells nothing of other groups. What was typed is quoted,
/// cut short.
pub fn cek_not_found(asked: &str, in_group: bool, lang: Lang) -> String {
    let asked = shortened(asked.trim(), QUOTED_CHARS);
    let not_found = match (in_group, lang) {
        (true, Lang::Id) => format!("Tiket atau Order_ID <b>{asked}</b> tidak ditemukan di grup ini."),
        (true, Lang::En) => format!("No ticket or Order_ID <b>{asked}</b> in this group."),
        (false, Lang::Id) => format!(
            "Tiket atau Order_ID <b>{asked}</b> tidak ditemukan di antara tiket yang dapat Anda lihat."
        ),
        (false, Lang::En) => {
            format!("No ticket or Order_ID <b>{asked}</b> among the tickets you may see.")
        }
    };
    format!("{not_found}\n{}", cek_usage(lang))
}

/// Where a ticket stands, for `/cek`'s answer.
#[derive(Clone, Debug)]
pub struct TicketStanding<'a> {
    pub ticket: &'a str,
    pub order_id: &'a str,
    /// Its group's title, when known.
    pub group: Option<&'a str>,
    /// `order`, `pickup` or `close`.
    pub status: &'a str,
    /// Who picked it up or closed it, as `Name (@username)`.
    pub holder: Option<String>,
    /// Since when it stands so (Unix ms): created, picked up or closed.
    pub since: i64,
    /// The step that ends the stage it waits in (`Pickup`, `Close`) and when that is due
    /// (Unix ms); none for a closed ticket or a stage without a target.
    pub due: Option<(&'static str, i64)>,
    /// How many older tickets with its Order_ID were found beside it.
    pub older: i64,
    /// Its group's clock, on which its times are told.
    pub offset: time::UtcOffset,
}

/// `/cek`'s answer at `now` (Unix ms): where the ticket stands, who has it and since when,
/// and whether it is late; in a private chat (not `in_group`) its group is named too.
pub fn ticket_check(ticket: &TicketStanding, now: i64, in_group: bool, lang: Lang) -> String {
    let at = |ms: i64| moment(ms, now, ticket.offset);
    let holder = escape(ticket.holder.as_deref().unwrap_or("-"));
    let mut html = format!(
        "🎫 {} <b>{}</b> · Order_ID {}",
        lang.pick("Tiket", "Ticket"),
        escape(ticket.ticket),
        escape(ticket.order_id)
    );
    if let Some(group) = ticket.group.filter(|_| !in_group) {
        html.push_str(&format!(
            "\n{}: {}",
            lang.pick("Grup", "Group"),
            escape(group)
        ));
    }
    let since = at(ticket.since);
    let standing = match (ticket.status, lang) {
        ("pickup", Lang::Id) => format!("<b>PICK UP</b>, ditangani oleh {holder} sejak {since}"),
        ("pickup", Lang::En) => format!("<b>PICK UP</b>, handled by {holder} since {since}"),
        ("close", Lang::Id) => format!("<b>RESOLVED</b> oleh {holder} pada {since}"),
        ("close", Lang::En) => format!("<b>RESOLVED</b> by {holder} at {since}"),
        (_, Lang::Id) => format!("<b>ORDER</b>, menunggu Pickup sejak {since}"),
        (_, Lang::En) => format!("<b>ORDER</b>, waiting for Pickup since {since}"),
    };
    html.push_str(&format!("\nStatus: {standing}"));
    if let Some((step, due)) = ticket.due {
        let line = match (due <= now, lang) {
            (true, Lang::Id) => format!(
                "⚠️ <b>Terlambat</b> {}: batas {step} {}",
                span(now - due, lang),
                at(due)
            ),
            (true, Lang::En) => format!(
                "⚠️ <b>Late</b> by {}: {step} was due {}",
                span(now - due, lang),
                at(due)
            ),
            (false, Lang::Id) => {
                format!(
                    "⏳ Batas {step} {} ({} lagi)",
                    at(due),
                    span(due - now, lang)
                )
            }
            (false, Lang::En) => {
                format!("⏳ {step} due {} ({} left)", at(due), span(due - now, lang))
            }
        };
        html.push_str(&format!("\n{line}"));
    }
    let older = ticket.older;
    if older > 0 {
        html.push_str(&match lang {
            Lang::Id => {
                format!("\nAda {older} tiket lebih lama dengan Order_ID ini; ini yang terbaru.")
            }
            Lang::En if older == 1 => {
                "\nThere is 1 older ticket with this Order_ID; this is the newest.".to_owned()
            }
            Lang::En => {
                format!("\nThere are {older} older tickets with this Order_ID; this is the newest.")
            }
        });
    }
    html
}

/// `14:05 WIB` for a moment (Unix ms) of the day of `now` at `offset`, `23-11-2026 14:05 WIB`
/// for one of another day.
pub fn moment(at: i64, now: i64, offset: time::UtcOffset) -> String {
    let day = |ms: i64| local(ms, offset).date();
    match day(at) == day(now) {
        true => clock(at, offset),
        false => format!("{} {}", date_text(day(at)), clock(at, offset)),
    }
}

/// `Rp1.350.000`: Rupiah as Indonesians write them, in every language.
pub fn rupiah(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}Rp{grouped}")
}

/// `14:05 WIB`: the time of `at` (Unix ms) at `offset`, named as Indonesia names its zones.
pub fn clock(at: i64, offset: time::UtcOffset) -> String {
    let at = local(at, offset);
    let zone = match offset.whole_hours() {
        7 if offset.minutes_past_hour() == 0 => "WIB".to_owned(),
        8 if offset.minutes_past_hour() == 0 => "WITA".to_owned(),
        9 if offset.minutes_past_hour() == 0 => "WIT".to_owned(),
        _ => format!("UTC{offset}"),
    };
    format!("{:02}:{:02} {zone}", at.hour(), at.minute())
}

/// `07-12-2026 14:05 WIB`: the day and time of `at` (Unix ms) at `offset`.
pub fn date_and_clock(at: i64, offset: time::UtcOffset) -> String {
    format!(
        "{} {}",
        date_text(local(at, offset).date()),
        clock(at, offset)
    )
}

/// `23-11-2026`.
pub fn date_text(date: time::Date) -> String {
    format!(
        "{:02}-{:02}-{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// `at` (Unix ms) at `offset`.
fn local(at: i64, offset: time::UtcOffset) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_as_indonesians_write_it() {
        assert_eq!(rupiah(1_350_000), "Rp1.350.000");
        assert_eq!(rupiah(450_000), "Rp450.000");
        assert_eq!(rupiah(999), "Rp999");
        assert_eq!(rupiah(1_000), "Rp1.000");
        assert_eq!(rupiah(0), "Rp0");
        assert_eq!(rupiah(1_000_000_000), "Rp1.000.000.000");
    }

    #[test]
    fn user_text_cannot_open_a_tag() {
        assert_eq!(
            escape("<b>\"x\" & y</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
        assert_eq!(
            order_received("<i>", "a&b", "ABC234"),
            "Permintaan Anda &lt;i&gt; a&amp;b sudah kami proses dengan no tiket <b>ABC234</b>, silahkan tunggu"
        );
        assert_eq!(
            order_reopened("ABC234", "INV-1", "TOPUP", "Sari", "<b>belum</b> masuk"),
            "Permintaan Anda <b>ABC234</b> INV-1 TOPUP dibuka kembali oleh Sari: &lt;b&gt;belum&lt;/b&gt; masuk"
        );
    }

    #[test]
    fn cek_tells_where_a_ticket_stands_on_its_groups_clock() {
        let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap();
        // 10:00 WIB on 5 January 2026.
        let now = 1_767_582_000_000;
        let hour = 3_600_000;
        let mut ticket = TicketStanding {
            ticket: "K7M2QX",
            order_id: "<INV-1>",
            group: Some("Tim & Co"),
            status: "pickup",
            holder: Some("Siti (@siti)".into()),
            since: now - hour,
            due: Some(("Close", now - 5 * 60_000)),
            older: 2,
            offset: wib,
        };
        let html = ticket_check(&ticket, now, true, Lang::Id);
        assert_eq!(
            html,
            "🎫 Tiket <b>K7M2QX</b> · Order_ID &lt;INV-1&gt;\n\
             Status: <b>PICK UP</b>, ditangani oleh Siti (@siti) sejak 09:00 WIB\n\
             ⚠️ <b>Terlambat</b> 5 menit: batas Close 09:55 WIB\n\
             Ada 2 tiket lebih lama dengan Order_ID ini; ini yang terbaru."
        );
        ticket.status = "order";
        ticket.since = now - 24 * hour;
        ticket.due = Some(("Pickup", now + 30 * 60_000));
        ticket.older = 0;
        let html = ticket_check(&ticket, now, false, Lang::En);
        assert_eq!(
            html,
            "🎫 Ticket <b>K7M2QX</b> · Order_ID &lt;INV-1&gt;\nGroup: Tim &amp; Co\n\
             Status: <b>ORDER</b>, waiting for Pickup since 04-01-2026 10:00 WIB\n\
             ⏳ Pickup due 10:30 WIB (30 minutes left)"
        );
        let not_found = cek_not_found(&format!("<{}>", "x".repeat(100)), true, Lang::Id);
        assert!(
            not_found.starts_with(&format!(
                "Tiket atau Order_ID <b>&lt;{}…</b> tidak ditemukan di grup ini.\nGunakan",
                "x".repeat(63)
            )),
            "{not_found}"
        );
    }

    #[test]
    fn spans_in_words_in_one_language() {
        assert_eq!(span(30_000, Lang::Id), "kurang dari 1 menit");
        assert_eq!(span(30_000, Lang::En), "under a minute");
        assert_eq!(span(60_000, Lang::En), "1 minute");
        assert_eq!(span(2 * 3_600_000, Lang::Id), "2 jam");
        assert_eq!(span(2 * 3_600_000 + 90_000, Lang::En), "2 hours 1 minute");
        let line = ReminderLine {
            breach: true,
            stage: "Pickup",
            ticket: "ABC234".into(),
            order_id: "INV-1".into(),
            group: "Toko".into(),
            due: "10:30 WIB".into(),
            amount_ms: 5 * 60_000,
        };
        assert!(reminder(&line, Lang::En).contains("5 minutes late"));
        assert!(reminder(&line, Lang::Id).contains("terlambat 5 menit"));
        let one = reminder_digest(std::slice::from_ref(&line), 0, Lang::En);
        assert!(one.contains("1 ticket needs attention"), "{one}");
        let two = reminder_digest(&[line.clone(), line], 0, Lang::En);
        assert!(two.contains("2 tickets need attention"), "{two}");
    }
}
