//! Recognising a command addressed to this bot, and the command lists Telegram shows.

use teloxide::types::{BotCommand, BotCommandScope};

use crate::lang::Lang;

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

/// The commands published with setMyCommands: per scope, and per language of the
/// user's app (`None` for everyone, `Some("en")` for English apps); with `bookings` on,
/// the guests' and the front office's too. Groups are told in Indonesian only.
pub fn published_commands(
    bookings: bool,
) -> Vec<(BotCommandScope, Option<&'static str>, Vec<BotCommand>)> {
    let private = |lang: Lang| {
        let mut commands = vec![
            (
                "start",
                lang.pick("Mulai dan lihat bantuan", "Start and see help"),
            ),
            (
                "daftar",
                lang.pick("Daftar sebagai staf", "Register as staff"),
            ),
            (
                "password",
                lang.pick("Ganti password Mini App", "Change the Mini App password"),
            ),
            (
                "pengingat",
                lang.pick(
                    "Pengingat tiket: /pengingat on atau off",
                    "Ticket reminders: /pengingat on or off",
                ),
            ),
            (
                "batal",
                lang.pick(
                    "Batalkan pendaftaran, ganti password atau booking",
                    "Cancel a registration, password change or booking",
                ),
            ),
            (
                "cek",
                lang.pick(
                    "Staf: status tiket, /cek TIKET atau ORDER_ID",
                    "Staff: a ticket's status, /cek TICKET or ORDER_ID",
                ),
            ),
            (
                "rekap",
                lang.pick(
                    "Admin: rekap tim hari ini dan minggu ini",
                    "Admins: the team's summary of today and this week",
                ),
            ),
            (
                "bahasa",
                lang.pick(
                    "Bahasa: /bahasa id atau /bahasa en",
                    "Language: /bahasa en or /bahasa id",
                ),
            ),
        ];
        if bookings {
            commands.extend([
                (
                    "booking",
                    lang.pick("Booking kamar hotel", "Book a hotel room"),
                ),
                (
                    "cek_pembayaran",
                    lang.pick(
                        "FO: booking yang menunggu pembayaran",
                        "FO: bookings waiting for payment",
                    ),
                ),
            ]);
        }
        commands
            .into_iter()
            .map(|(name, description)| BotCommand::new(name, description))
            .collect::<Vec<_>>()
    };
    vec![
        (BotCommandScope::AllPrivateChats, None, private(Lang::Id)),
        (
            BotCommandScope::AllPrivateChats,
            Some("en"),
            private(Lang::En),
        ),
        (
            BotCommandScope::AllGroupChats,
            None,
            vec![
                BotCommand::new(
                    "moban",
                    "Catat permintaan: #ORDER_ID #TRANSAKSI #KETERANGAN",
                ),
                BotCommand::new("cek", "Cek status tiket: /cek TIKET atau ORDER_ID"),
            ],
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
