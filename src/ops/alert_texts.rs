//! What the owners read of each problem: what is wrong, since when, and what to do; in the
//! language of the owner whose private chat is the alert chat (Indonesian in a group),
//! never both. Every word from outside (an error, a group's title, a folder) is escaped.

use time::UtcOffset;

use crate::{
    alerts::{Held, Problem, Seen},
    lang::Lang,
    ops::disk::{self, Floor},
    telegram::texts::{escape, moment, span},
};

/// Which message about a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// It started.
    Raised,
    /// It still holds.
    Reminder,
    /// It is over.
    Recovered,
}

/// What the texts need besides the problem's row.
#[derive(Clone, Copy, Debug)]
pub struct Telling<'a> {
    pub lang: Lang,
    /// Now (Unix ms): spans are counted to it.
    pub now: i64,
    /// The clock times are shown on (Asia/Jakarta unless set).
    pub offset: UtcOffset,
    /// The title of the group a refusal is about, if known.
    pub group: Option<&'a str>,
    /// The Bot API's address (`TANGKAP_API_URL`).
    pub api_url: &'a str,
    /// Where Telegram posts updates, in webhook mode.
    pub webhook_url: Option<&'a str>,
    /// How little free disk is too little.
    pub floor: Floor,
}

/// The longest error quoted: enough to recognise it, short of filling the chat.
const MOST_QUOTED: usize = 300;

/// The message about `held` at `stage`, as Telegram HTML.
pub fn alert(held: &Held, stage: Stage, t: &Telling) -> String {
    let lang = t.lang;
    match stage {
        Stage::Raised => format!("🔴 {}\n👉 {}", what(held, t), todo(held.problem, t)),
        Stage::Reminder => format!(
            "⏰ {} {}\n👉 {}",
            lang.pick("Masih:", "Still:"),
            what(held, t),
            todo(held.problem, t)
        ),
        Stage::Recovered => {
            let lasted = span(t.now - held.since, lang);
            let from = moment(held.since, t.now, t.offset);
            format!(
                "✅ {} {} {}",
                lang.pick("Pulih:", "Recovered:"),
                over(held.problem, t),
                lang.pick(
                    format!("(berlangsung {lasted} sejak {from})."),
                    format!("(it lasted {lasted} from {from})."),
                )
            )
        }
    }
}

/// A backup taken and checked, for the daily digest: `💾 Cadangan 02:00 WIB: <file> (12.3
/// MB), diperiksa utuh.`
pub fn backup_done(
    file: &str,
    bytes: u64,
    at: i64,
    now: i64,
    offset: UtcOffset,
    lang: Lang,
) -> String {
    let size = match bytes {
        0..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => disk::in_gb(bytes),
    };
    let at = moment(at, now, offset);
    let file = escape(file);
    lang.pick(
        format!("💾 Cadangan {at}: <code>{file}</code> ({size}), diperiksa utuh."),
        format!("💾 Backup at {at}: <code>{file}</code> ({size}), checked whole."),
    )
}

/// An error as quoted: escaped, and cut short if long.
fn quoted(error: &str) -> String {
    let error = error.trim();
    match error.char_indices().nth(MOST_QUOTED) {
        Some((end, _)) => format!("{}…", escape(&error[..end])),
        None => escape(error),
    }
}

/// What is wrong, with since when.
fn what(held: &Held, t: &Telling) -> String {
    let lang = t.lang;
    let since = moment(held.since, t.now, t.offset);
    let lasted = span(t.now - held.since, lang);
    let error = match &held.seen {
        Some(Seen::Error { message } | Seen::Webhook { message, .. }) => quoted(message),
        _ => String::new(),
    };
    match (held.problem, &held.seen) {
        (Problem::TelegramUnreachable, _) => lang.pick(
            format!(
                "Telegram tidak bisa dihubungi sejak {since} ({lasted}): {error}. Pesan menunggu \
                 di antrean dan terkirim begitu Telegram menjawab lagi."
            ),
            format!(
                "Telegram cannot be reached since {since} ({lasted}): {error}. Messages wait in \
                 the queue and go out once Telegram answers again."
            ),
        ),
        (Problem::TokenRefused, _) => lang.pick(
            format!(
                "Telegram menolak token bot utama (401) sejak {since} ({lasted}): token salah \
                 atau sudah dicabut. Bot tidak menerima update dan tidak mengirim pesan."
            ),
            format!(
                "Telegram refuses the main bot's token (401) since {since} ({lasted}): wrong or \
                 revoked. The bot neither receives updates nor sends messages."
            ),
        ),
        (Problem::WebhookFailing, seen) => {
            let waiting = match seen {
                Some(Seen::Webhook { waiting, .. }) => *waiting,
                _ => 0,
            };
            lang.pick(
                format!(
                    "Telegram gagal mengirim update ke webhook sejak {since}: {error}. \
                     {waiting} update menunggu."
                ),
                format!(
                    "Telegram fails to deliver updates to the webhook since {since}: {error}. \
                     {waiting} updates waiting."
                ),
            )
        }
        (Problem::OutboxStuck, Some(Seen::Queue { waiting, oldest })) => {
            let oldest_since = moment(*oldest, t.now, t.offset);
            let waited = span(t.now - oldest, lang);
            lang.pick(
                format!(
                    "Pesan menunggu untuk dikirim: {waiting}, yang tertua sejak {oldest_since} \
                     ({waited})."
                ),
                format!(
                    "Messages wait to be sent: {waiting}, the oldest since {oldest_since} \
                     ({waited})."
                ),
            )
        }
        (Problem::OutboxStuck, _) => lang.pick(
            format!("Pesan menunggu untuk dikirim sejak {since} ({lasted})."),
            format!("Messages wait to be sent since {since} ({lasted})."),
        ),
        (Problem::ChatRefused(chat), _) => {
            let group = named(chat, t);
            let times = held.times;
            lang.pick(
                format!(
                    "Telegram menolak pesan ke {group}: {error}. Bot dikeluarkan dari grup itu \
                     atau grupnya sudah tidak ada; pesan ke sana tidak terkirim ({times} pesan \
                     ditolak sejak {since})."
                ),
                format!(
                    "Telegram refuses messages to {group}: {error}. The bot was removed from \
                     it or the group is gone; messages to it are not delivered ({times} \
                     refused since {since})."
                ),
            )
        }
        (Problem::MailFailing, _) => lang.pick(
            format!(
                "Email tidak bisa dikirim sejak {since} ({lasted}): {error}. Email booking \
                 menunggu di antrean."
            ),
            format!(
                "Mail cannot be sent since {since} ({lasted}): {error}. Booking mails wait in \
                 the queue."
            ),
        ),
        (Problem::BackupFailed, _) => lang.pick(
            format!("Cadangan gagal pada {since}: {error}."),
            format!("The backup failed at {since}: {error}."),
        ),
        (
            Problem::DiskLow,
            Some(Seen::Disk {
                folder,
                free,
                total,
            }),
        ) => {
            let folder = escape(folder);
            let (free_gb, total_gb) = (disk::in_gb(*free), disk::in_gb(*total));
            let percent = if *total == 0 {
                0.0
            } else {
                *free as f64 * 100.0 / *total as f64
            };
            lang.pick(
                format!(
                    "Disk hampir penuh: {folder} tinggal {free_gb} dari {total_gb} \
                     ({percent:.0} %). Bila penuh, Tangkap tidak bisa menyimpan order dan update."
                ),
                format!(
                    "The disk is nearly full: {folder} has {free_gb} of {total_gb} left \
                     ({percent:.0} %). Once it is full, Tangkap cannot store orders or updates."
                ),
            )
        }
        (Problem::DiskLow, _) => lang.pick(
            "Disk hampir penuh.".to_owned(),
            "The disk is nearly full.".to_owned(),
        ),
        (Problem::DatabaseErrors, _) => lang.pick(
            format!(
                "Database gagal menjawab sejak {since} ({lasted}): {error}. Update dan langkah \
                 Mini App bisa gagal disimpan."
            ),
            format!(
                "The database failed since {since} ({lasted}): {error}. Updates and Mini App \
                 steps may not have been stored."
            ),
        ),
        (Problem::UncleanStop, seen) => {
            let (started, last_seen) = match seen {
                Some(Seen::Stopped { started, last_seen }) => (
                    moment(*started, t.now, t.offset),
                    moment(*last_seen, t.now, t.offset),
                ),
                _ => (since.clone(), since.clone()),
            };
            lang.pick(
                format!(
                    "Tangkap berhenti tanpa dimatikan dengan benar: proses yang mulai {started} \
                     terakhir terlihat hidup {last_seen}. Sekarang sudah berjalan lagi; update \
                     dan pesan yang tersimpan tidak hilang."
                ),
                format!(
                    "Tangkap stopped without a clean stop: the run started {started} was last \
                     seen alive {last_seen}. It runs again now; stored updates and messages are \
                     not lost."
                ),
            )
        }
    }
}

/// A group by its title: `grup <b>Tim Gudang</b>`, or its id when the bot never saw it.
fn named(chat: i64, t: &Telling) -> String {
    match t.group {
        Some(title) => t.lang.pick(
            format!("grup <b>{}</b>", escape(title)),
            format!("the group <b>{}</b>", escape(title)),
        ),
        None => t
            .lang
            .pick(format!("grup {chat}"), format!("the group {chat}")),
    }
}

/// What to do about it.
fn todo(problem: Problem, t: &Telling) -> String {
    let lang = t.lang;
    let doctor = "<code>tangkap doctor</code>";
    match problem {
        Problem::TelegramUnreachable => {
            let api = escape(t.api_url);
            lang.pick(
                format!(
                    "Periksa koneksi internet server ini, DNS dan firewall ke {api} \
                     (TANGKAP_API_URL); {doctor} mengujinya."
                ),
                format!(
                    "Check this server's internet connection, DNS and firewall towards {api} \
                     (TANGKAP_API_URL); {doctor} tests them."
                ),
            )
        }
        Problem::TokenRefused => lang.pick(
            "Minta token baru di @BotFather (/mybots → API Token), isi TANGKAP_BOT_TOKEN, lalu \
             mulai ulang Tangkap."
                .to_owned(),
            "Get a new token from @BotFather (/mybots → API Token) into TANGKAP_BOT_TOKEN, then \
             restart Tangkap."
                .to_owned(),
        ),
        Problem::WebhookFailing => {
            let url = escape(t.webhook_url.unwrap_or("TANGKAP_PUBLIC_URL"));
            lang.pick(
                format!(
                    "Pastikan {url} terjangkau dari internet lewat https di port 443, 80, 88 \
                     atau 8443, dan proxy serta Tangkap berjalan; {doctor} memeriksanya."
                ),
                format!(
                    "Make sure {url} is reachable from the internet over https on port 443, \
                     80, 88 or 8443, and the proxy and Tangkap run; {doctor} checks it."
                ),
            )
        }
        Problem::OutboxStuck => lang.pick(
            format!(
                "Lihat peringatan lain di chat ini (Telegram, token) dan log Tangkap \
                 (<code>journalctl -u tangkap</code>); {doctor} memeriksa token dan jaringan."
            ),
            format!(
                "See the other alerts here (Telegram, the token) and Tangkap's log \
                 (<code>journalctl -u tangkap</code>); {doctor} checks the token and the network."
            ),
        ),
        Problem::ChatRefused(_) => lang.pick(
            "Tambahkan bot lagi ke grup itu; bila grup itu memang tidak dipakai lagi, abaikan \
             pesan ini."
                .to_owned(),
            "Add the bot to the group again; if the group is no longer used, ignore this."
                .to_owned(),
        ),
        Problem::MailFailing => lang.pick(
            format!(
                "Periksa server email dan TANGKAP_SMTP_URL (host, port, pengguna, kata sandi); \
                 {doctor} mencoba login."
            ),
            format!(
                "Check the mail server and TANGKAP_SMTP_URL (host, port, user, password); \
                 {doctor} tries to log in."
            ),
        ),
        Problem::BackupFailed => lang.pick(
            "Periksa ruang disk, folder cadangan (TANGKAP_BACKUP_DIR) dan, bila dipakai, \
             penyimpanan S3 (TANGKAP_BACKUP_S3_URL dan kuncinya), lalu coba \
             <code>tangkap backup</code>. Cadangan dicoba lagi dalam 15 menit."
                .to_owned(),
            "Check the disk space, the backup folder (TANGKAP_BACKUP_DIR) and, if used, the \
             S3 storage (TANGKAP_BACKUP_S3_URL and its keys), then try \
             <code>tangkap backup</code>. Backups are tried again within 15 minutes."
                .to_owned(),
        ),
        Problem::DiskLow => {
            let (bytes, percent) = (disk::in_gb(t.floor.bytes), t.floor.percent);
            lang.pick(
                format!(
                    "Kosongkan ruang (cadangan lama, log) atau perbesar disk: Tangkap butuh \
                     sedikitnya {bytes} dan {percent} % bebas."
                ),
                format!(
                    "Free some space (old backups, logs) or grow the disk: Tangkap needs at \
                     least {bytes} and {percent} % free."
                ),
            )
        }
        Problem::DatabaseErrors => lang.pick(
            format!(
                "Periksa server database (DATABASE_URL) dan ruang disknya; {doctor} memeriksanya."
            ),
            format!(
                "Check the database server (DATABASE_URL) and its disk space; {doctor} checks it."
            ),
        ),
        Problem::UncleanStop => lang.pick(
            "Periksa log sekitar jam itu (<code>journalctl -u tangkap</code>): mati listrik, \
             kehabisan memori (OOM) atau kill -9?"
                .to_owned(),
            "Look at the log around that time (<code>journalctl -u tangkap</code>): a power \
             cut, out of memory (OOM) or kill -9?"
                .to_owned(),
        ),
    }
}

/// What is working again.
fn over(problem: Problem, t: &Telling) -> String {
    let lang = t.lang;
    match problem {
        Problem::TelegramUnreachable => lang.pick(
            "Telegram menjawab lagi; pesan yang menunggu sedang dikirim",
            "Telegram answers again; the waiting messages are going out",
        ),
        Problem::TokenRefused => lang.pick(
            "Telegram menerima token bot lagi",
            "Telegram accepts the bot's token again",
        ),
        Problem::WebhookFailing => lang.pick(
            "Telegram mengirim update ke webhook lagi",
            "Telegram delivers updates to the webhook again",
        ),
        Problem::OutboxStuck => lang.pick(
            "antrean pesan terkirim lagi",
            "the message queue drains again",
        ),
        Problem::ChatRefused(chat) => {
            return lang.pick(
                format!("pesan ke {} terkirim lagi", named(chat, t)),
                format!("messages reach {} again", named(chat, t)),
            )
        }
        Problem::MailFailing => lang.pick("email terkirim lagi", "mail goes out again"),
        Problem::BackupFailed => lang.pick("cadangan berhasil lagi", "backups succeed again"),
        Problem::DiskLow => lang.pick("ruang disk cukup lagi", "there is enough disk space again"),
        Problem::DatabaseErrors => {
            lang.pick("database menjawab lagi", "the database answers again")
        }
        Problem::UncleanStop => lang.pick("Tangkap berjalan", "Tangkap runs"),
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn telling(lang: Lang, now: i64) -> Telling<'static> {
        Telling {
            lang,
            now,
            offset: UtcOffset::from_hms(7, 0, 0).unwrap(),
            group: Some("Tim <Gudang>"),
            api_url: "https://api.telegram.org",
            webhook_url: Some("https://tangkap.example/telegram/webhook"),
            floor: Floor::default(),
        }
    }

    #[test]
    fn each_message_says_what_since_when_and_what_to_do_in_one_language() {
        // 14:05 WIB on 5 January 2026, and two minutes later.
        let since = 1_767_596_700_000;
        let now = since + 120_000;
        let held = Held {
            problem: Problem::TelegramUnreachable,
            since,
            seen: Some(Seen::Error {
                message: "network error: cannot connect: <refused>".into(),
            }),
            times: 3,
            seen_at: now,
            told_at: None,
            told_row: None,
            ended_at: None,
        };
        assert_eq!(
            alert(&held, Stage::Raised, &telling(Lang::Id, now)),
            "🔴 Telegram tidak bisa dihubungi sejak 14:05 WIB (2 menit): network error: cannot \
             connect: &lt;refused&gt;. Pesan menunggu di antrean dan terkirim begitu Telegram \
             menjawab lagi.\n👉 Periksa koneksi internet server ini, DNS dan firewall ke \
             https://api.telegram.org (TANGKAP_API_URL); <code>tangkap doctor</code> mengujinya."
        );
        let later = now + 30 * 60_000;
        let reminder = alert(&held, Stage::Reminder, &telling(Lang::En, later));
        assert!(
            reminder
                .starts_with("⏰ Still: Telegram cannot be reached since 14:05 WIB (32 minutes)"),
            "{reminder}"
        );
        assert_eq!(
            alert(&held, Stage::Recovered, &telling(Lang::Id, later)),
            "✅ Pulih: Telegram menjawab lagi; pesan yang menunggu sedang dikirim (berlangsung \
             32 menit sejak 14:05 WIB)."
        );
        let refused = Held {
            problem: Problem::ChatRefused(-100_777),
            ..held
        };
        let told = alert(&refused, Stage::Raised, &telling(Lang::Id, now));
        assert!(
            told.starts_with("🔴 Telegram menolak pesan ke grup <b>Tim &lt;Gudang&gt;</b>:"),
            "{told}"
        );
        assert!(told.contains("(3 pesan ditolak sejak 14:05 WIB)"), "{told}");
        assert!(told.contains("👉 Tambahkan bot lagi ke grup itu"), "{told}");
    }

    #[test]
    fn long_errors_are_cut_and_backups_said_in_one_line() {
        let long = "x".repeat(1_000);
        assert_eq!(quoted(&long).chars().count(), MOST_QUOTED + 1);
        let wib = UtcOffset::from_hms(7, 0, 0).unwrap();
        let at = 1_767_553_200_000; // 02:00 WIB
        assert_eq!(
            backup_done("tangkap-<1>.db", 12_345_678, at, at, wib, Lang::Id),
            "💾 Cadangan 02:00 WIB: <code>tangkap-&lt;1&gt;.db</code> (12.3 MB), diperiksa utuh."
        );
        assert_eq!(
            backup_done("t.db", 2_500_000_000, at, at, wib, Lang::En),
            "💾 Backup at 02:00 WIB: <code>t.db</code> (2.5 GB), checked whole."
        );
    }
}
