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
    "Saya tidak mengerti pesan itu. Kirim /daftar untuk mendaftar sebagai staf, atau /start untuk bantuan."
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
    "Tidak ada pendaftaran yang sedang berjalan.".into()
}

/// The seed's confirmation; the password stays behind a spoiler.
pub fn registered(name: &str, username: &str, password: &str, telegram_id: i64) -> String {
    format!(
        "Anda telah terdaftar\n\nNAMA: {}\nUSERNAME: {}\nPASSWORD: <tg-spoiler>{}</tg-spoiler>\nID_TELEGRAM: <code>{telegram_id}</code>",
        escape(name),
        escape(username),
        escape(password)
    )
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
    }
}
