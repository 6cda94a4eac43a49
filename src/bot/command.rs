//! Recognising a command addressed to this bot, and the command lists Telegram shows.

use teloxide::types::{BotCommand, BotCommandScope};

/// A command at the start of a message, e.g. `/moban@tangkap_bot #A #B #C`.
#[derive(Debug, PartialEq, Eq)]
pub struct Command<'a> {
    /// Lower case, without `/` and `@bot`.
    pub name: String,
    /// Everything after the command word.
    pub arguments: &'a str,
}

impl<'a> Command<'a> {
    /// Returns the command if `text` starts with one meant for the bot `bot_username`:
    /// one with no `@` suffix, or with ours (in any case). `/moban@otherbot` is not ours.
    pub fn parse(text: &'a str, bot_username: &str) -> Option<Self> {
        let rest = text.strip_prefix('/')?;
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, arguments) = rest.split_at(end);
        let (name, mention) = match word.split_once('@') {
            Some((name, mention)) => (name, Some(mention)),
            None => (word, None),
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        if mention.is_some_and(|m| !m.eq_ignore_ascii_case(bot_username)) {
            return None;
        }
        Some(Self {
            name: name.to_ascii_lowercase(),
            arguments,
        })
    }
}

/// The commands published with setMyCommands, per scope, so Telegram offers them; with
/// `bookings` on, the guests' and the front office's too.
pub fn published_commands(bookings: bool) -> Vec<(BotCommandScope, Vec<BotCommand>)> {
    let mut private = vec![
        BotCommand::new("start", "Mulai dan lihat bantuan"),
        BotCommand::new("daftar", "Daftar sebagai staf"),
        BotCommand::new("password", "Ganti password Mini App"),
        BotCommand::new("pengingat", "Pengingat tiket: /pengingat on atau off"),
        BotCommand::new("batal", "Batalkan pendaftaran, ganti password atau booking"),
        BotCommand::new("rekap", "Admin: rekap tim hari ini dan minggu ini"),
    ];
    if bookings {
        private.extend([
            BotCommand::new("booking", "Booking kamar hotel"),
            BotCommand::new("cek_pembayaran", "FO: booking yang menunggu pembayaran"),
        ]);
    }
    vec![
        (BotCommandScope::AllPrivateChats, private),
        (
            BotCommandScope::AllGroupChats,
            vec![BotCommand::new(
                "moban",
                "Catat permintaan: #ORDER_ID #TRANSAKSI #KETERANGAN",
            )],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_for_us_and_not_for_others() {
        let c = Command::parse("/moban #a #b #c", "tangkap_bot").unwrap();
        assert_eq!((c.name.as_str(), c.arguments), ("moban", " #a #b #c"));
        let c = Command::parse("/MOBAN@Tangkap_Bot\n#a", "tangkap_bot").unwrap();
        assert_eq!((c.name.as_str(), c.arguments), ("moban", "\n#a"));
        assert_eq!(Command::parse("/moban@other_bot #a", "tangkap_bot"), None);
        assert_eq!(Command::parse("moban #a", "tangkap_bot"), None);
        assert_eq!(Command::parse("/ #a", "tangkap_bot"), None);
        assert_eq!(Command::parse("/mo-ban", "tangkap_bot"), None);
        assert_eq!(Command::parse("/start", "x").unwrap().arguments, "");
    }
}
