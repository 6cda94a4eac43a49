//! Every text the bot sends, in Indonesian, as Telegram HTML. Whatever a user typed is
//! passed through [`escape`] before it is placed in a message.

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

pub fn start_unregistered(first_name: &str) -> String {
    format!(
        "Halo, {}! Saya <b>Tangkap</b>, bot pencatat permintaan.\n\n\
         Di grup, anggota mengirim {MOBAN_FORMAT} dan saya membalas dengan nomor tiket. \
         Staf lalu memproses tiket itu: Order → Pickup → Close, dan grup diberi kabar di setiap langkah.\n\n\
         Anda staf? Kirim /daftar untuk mendaftar.",
        escape(first_name)
    )
}

pub const OPEN_MINI_APP: &str = "Buka Tangkap";
pub const MENU_BUTTON: &str = "Tangkap";
pub const OPEN_TICKET: &str = "Buka tiket";

pub fn start_registered(name: &str, username: &str, has_mini_app: bool) -> String {
    let next = if has_mini_app {
        "Tekan tombol di bawah untuk membuka daftar order: Order → Pickup → Close."
    } else {
        "Saya akan mencatat setiap /moban di grup dan memberi kabar saat tiket di-pickup dan di-close."
    };
    format!(
        "Halo, {}! Anda terdaftar sebagai <b>{}</b>.\n{next}",
        escape(name),
        escape(username)
    )
}

pub fn private_help() -> String {
    "Saya tidak mengerti pesan itu. Kirim /daftar untuk mendaftar sebagai staf, /password untuk mengganti password, atau /start untuk bantuan."
        .into()
}

pub fn already_registered(username: &str) -> String {
    format!(
        "Akun Telegram ini sudah terdaftar dengan username <b>{}</b>. Satu akun Telegram hanya bisa mendaftar sekali.",
        escape(username)
    )
}

pub fn ask_name() -> String {
    "Pendaftaran dimulai.\nMasukkan <b>nama</b> Anda:\n\n(kirim /batal untuk membatalkan)".into()
}

pub fn ask_username() -> String {
    "Masukkan <b>username</b> untuk login: 3–32 karakter, huruf, angka, titik atau garis bawah."
        .into()
}

pub fn ask_password() -> String {
    "Masukkan <b>password</b>: minimal 8 karakter. Pesan berisi password akan saya hapus dari chat."
        .into()
}

pub fn invalid_answer(problem: &str, ask_again: &str) -> String {
    format!("{}\n\n{ask_again}", escape(problem))
}

pub fn username_taken(username: &str) -> String {
    format!(
        "Username <b>{}</b> sudah dipakai. Pilih username lain.\n\n{}",
        escape(username),
        ask_username()
    )
}

pub fn answer_with_text() -> String {
    "Kirim jawaban berupa teks, atau /batal untuk membatalkan pendaftaran.".into()
}

pub fn registration_cancelled() -> String {
    "Pendaftaran dibatalkan. Kirim /daftar kapan saja untuk mulai lagi.".into()
}

pub fn nothing_to_cancel() -> String {
    "Tidak ada yang sedang berjalan untuk dibatalkan.".into()
}

/// The seed's confirmation, without the password: it was set, and is not repeated in the
/// chat. What comes next depends on whether the account waits for approval.
pub fn registered(name: &str, username: &str, telegram_id: i64, pending: bool) -> String {
    let next = if pending {
        "Akun Anda <b>menunggu persetujuan admin</b>. Saya akan memberi kabar di sini begitu disetujui."
    } else {
        "Akun Anda sudah aktif."
    };
    format!(
        "Anda telah terdaftar\n\nNAMA: {}\nUSERNAME: {}\nPASSWORD: sudah disimpan (tidak ditampilkan)\nID_TELEGRAM: <code>{telegram_id}</code>\n\n{next}",
        escape(name),
        escape(username),
    )
}

pub fn registration_closed() -> String {
    "Pendaftaran staf sedang ditutup. Hubungi admin tim Anda.".into()
}

/// `/start` of an account that is not active.
pub fn start_not_active(name: &str, state: &str) -> String {
    let standing = match state {
        "pending" => "Akun Anda masih <b>menunggu persetujuan admin</b>. Saya akan memberi kabar di sini begitu disetujui.",
        "disabled" => "Akun Anda <b>dinonaktifkan</b>. Hubungi admin tim Anda bila ini keliru.",
        _ => "Pendaftaran Anda <b>ditolak</b>. Hubungi admin tim Anda bila ini keliru.",
    };
    format!("Halo, {}! {standing}", escape(name))
}

/// Who made a change from the server's command line.
pub const CONSOLE_ACTOR: &str = "Server (tangkap user)";
pub const APPROVE: &str = "✅ Setujui";
pub const UNKNOWN_BUTTON: &str = "Tombol ini sudah tidak berlaku.";
pub const ACCOUNT_NOT_FOUND: &str = "Akun ini tidak ditemukan.";
pub const REJECT: &str = "❌ Tolak";

/// To owners and admins: someone registered and waits.
pub fn approval_request(applicant: &crate::users::User, telegram_username: Option<&str>) -> String {
    let handle = telegram_username.map_or_else(|| "-".to_owned(), |h| format!("@{}", escape(h)));
    format!(
        "<b>Pendaftaran baru menunggu persetujuan</b>\n\nNama: {}\nUsername: {}\nID Telegram: <code>{}</code>\nTelegram: {handle}",
        escape(&applicant.name),
        escape(&applicant.username),
        applicant.telegram_id,
    )
}

/// Added to every copy of an approval request once someone decided.
pub fn approval_decided(approved: bool, by: &str) -> String {
    if approved {
        format!("✅ Disetujui oleh {}", escape(by))
    } else {
        format!("❌ Ditolak oleh {}", escape(by))
    }
}

pub fn applicant_rejected() -> String {
    "Maaf, pendaftaran Anda <b>ditolak</b> oleh admin. Hubungi admin tim Anda bila ini keliru."
        .into()
}

/// Shown to whoever pressed Setujui or Tolak (answerCallbackQuery: plain text).
pub fn decision_recorded(approved: bool, applicant: &str) -> String {
    if approved {
        format!("Disetujui: {applicant}")
    } else {
        format!("Ditolak: {applicant}")
    }
}

/// A button pressed on a request someone already decided (plain text).
pub fn already_decided(by: Option<&str>) -> String {
    match by {
        Some(by) => format!("Sudah diputuskan oleh {by}."),
        None => "Pendaftaran ini sudah diputuskan.".into(),
    }
}

pub fn ask_new_password() -> String {
    "Kirim <b>password baru</b> Anda: minimal 8 karakter. Pesan itu akan saya hapus dari chat.\n\n(kirim /batal untuk membatalkan)".into()
}

pub fn password_changed() -> String {
    "Password Anda sudah diganti. Semua sesi login diakhiri: masuk lagi dengan password baru."
        .into()
}

pub fn password_change_cancelled() -> String {
    "Penggantian password dibatalkan.".into()
}

pub fn password_needs_account() -> String {
    "Anda belum terdaftar. Kirim /daftar untuk mendaftar dulu.".into()
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

    /// "terlambat 5 menit (5 min late)" or "15 menit lagi (15 min left)".
    fn how_much(&self) -> String {
        let (id, en) = span(self.amount_ms);
        if self.breach {
            format!("terlambat {id} (<i>{en} late</i>)")
        } else {
            format!("{id} lagi (<i>{en} left</i>)")
        }
    }
}

/// A reminder about one ticket.
pub fn reminder(line: &ReminderLine) -> String {
    let (id, en) = if line.breach {
        ("Lewat batas", "overdue")
    } else {
        ("Segera lewat batas", "due soon")
    };
    format!(
        "{} <b>{id} {stage}</b> · <i>{stage} {en}</i>\nTiket: <b>{}</b>\nGrup: {}\n\
         Order_ID: {}\nBatas {}: {}",
        line.icon(),
        escape(&line.ticket),
        escape(&line.group),
        escape(&line.order_id),
        escape(&line.due),
        line.how_much(),
        stage = line.stage,
    )
}

/// Longest group title or Order_ID quoted in a digest line, so that a full digest stays
/// within Telegram's 4,096 characters.
const DIGEST_FIELD_CHARS: usize = 40;

/// Reminders about several tickets in one message: `lines`, and `more` not listed.
pub fn reminder_digest(lines: &[ReminderLine], more: usize) -> String {
    let short = |text: &str| {
        let mut chars = text.chars();
        let cut: String = chars.by_ref().take(DIGEST_FIELD_CHARS).collect();
        escape(&if chars.next().is_some() {
            format!("{cut}…")
        } else {
            cut
        })
    };
    let total = lines.len() + more;
    let mut html =
        format!("⏰ <b>{total} tiket perlu perhatian</b> · <i>{total} tickets need attention</i>");
    for line in lines {
        html.push_str(&format!(
            "\n{} <b>{}</b> · {} · {} — {} {}, batas {}",
            line.icon(),
            escape(&line.ticket),
            short(&line.group),
            short(&line.order_id),
            line.stage,
            line.how_much(),
            escape(&line.due),
        ));
    }
    if more > 0 {
        html.push_str(&format!(
            "\n… dan {more} tiket lainnya (<i>and {more} more</i>)"
        ));
    }
    html
}

/// A length of time in Indonesian and in English: "1 jam 5 menit", "1 h 5 min".
pub fn span(ms: i64) -> (String, String) {
    let minutes = ms.max(0) / 60_000;
    if minutes == 0 {
        return ("kurang dari 1 menit".into(), "under 1 min".into());
    }
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let mut id = Vec::new();
    let mut en = Vec::new();
    for (amount, id_unit, en_unit) in [
        (days, "hari", "d"),
        (hours, "jam", "h"),
        (mins, "menit", "min"),
    ] {
        if amount > 0 && id.len() < 2 {
            id.push(format!("{amount} {id_unit}"));
            en.push(format!("{amount} {en_unit}"));
        }
    }
    (id.join(" "), en.join(" "))
}

/// `/pengingat`: reminders turned on or off, or how to use it.
pub fn reminders_set(on: bool) -> String {
    if on {
        "🔔 Pengingat tiket yang menunggu Pickup <b>aktif</b>. \
         <i>Reminders of tickets waiting for Pickup are on.</i>"
            .into()
    } else {
        "🔕 Pengingat tiket yang menunggu Pickup <b>dimatikan</b>; pengingat tiket yang Anda \
         pegang tetap dikirim. Nyalakan lagi dengan /pengingat on. \
         <i>Reminders of tickets waiting for Pickup are off; those of tickets you hold still \
         come.</i>"
            .into()
    }
}

pub fn reminders_usage() -> String {
    "Gunakan <code>/pengingat on</code> atau <code>/pengingat off</code>. \
     <i>Use /pengingat on or /pengingat off.</i>"
        .into()
}

pub fn reminders_need_account() -> String {
    "Pengingat hanya untuk staf terdaftar. Daftar dulu dengan /daftar. \
     <i>Reminders are for registered staff: register with /daftar first.</i>"
        .into()
}

/// `14:05 WIB`: the time of `at` (Unix ms) at `offset`, named as Indonesia names its zones.
pub fn clock(at: i64, offset: time::UtcOffset) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let zone = match offset.whole_hours() {
        7 if offset.minutes_past_hour() == 0 => "WIB".to_owned(),
        8 if offset.minutes_past_hour() == 0 => "WITA".to_owned(),
        9 if offset.minutes_past_hour() == 0 => "WIT".to_owned(),
        _ => format!("UTC{offset}"),
    };
    format!("{:02}:{:02} {zone}", at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
