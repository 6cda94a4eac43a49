//! Durations as people type and read them. The settings file and the admins who set it up
//! write `30m`, `2h` or `1h30m`; a front-office member or a group admin in the Mini App
//! types "30 menit", "2 jam" or "90 detik" (or "30 minutes"), and all of them mean the
//! same. What Tangkap writes back to a person is in words and in their language ("2 jam",
//! "2 hours"), never `2h`.
//!
//! One parser for every typed duration, so that a form, the settings file and the
//! environment accept the same things; it sits below `config` and the domains, which
//! both use it.

use std::time::Duration;

use crate::lang::Lang;

/// Reads a duration: `0`; a number and a unit, in short form (`90s`, `15m`, `2h`, `1d`,
/// `1h30m`), in Indonesian (`30 menit`, `2 jam`, `90 detik`, `1 hari`, `1 jam 30 menit`,
/// `1 jam dan 30 menit`) or in English (`30 minutes`, `2 hours`, `1 hour and 30 minutes`);
/// anything else humantime reads (`500ms`). Case is ignored. None when it is not a
/// duration, or too long to hold.
pub fn parse(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text == "0" {
        return Some(Duration::ZERO);
    }
    in_parts(&text.to_lowercase()).or_else(|| humantime::parse_duration(text).ok())
}

/// Seconds per unit, by every name it is typed with.
const UNITS: [(&[&str], u64); 5] = [
    (
        &["s", "sec", "secs", "second", "seconds", "detik", "dtk"],
        1,
    ),
    (
        &["m", "min", "mins", "minute", "minutes", "menit", "mnt"],
        60,
    ),
    (&["h", "hr", "hrs", "hour", "hours", "jam", "j"], 3_600),
    (&["d", "day", "days", "hari"], 86_400),
    (&["w", "week", "weeks", "minggu", "mgg"], 7 * 86_400),
];

/// Words that join parts ("1 jam dan 30 menit"), and may stand between them.
const JOINERS: [&str; 2] = ["dan", "and"];

/// `text` (lower case) as whole numbers each followed by a unit.
fn in_parts(text: &str) -> Option<Duration> {
    let mut seconds: u64 = 0;
    let mut parts = 0;
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        let joined = JOINERS.iter().find_map(|joiner| {
            rest.strip_prefix(joiner)
                .filter(|after| after.starts_with(char::is_whitespace))
        });
        if let Some(after) = joined.filter(|_| parts > 0) {
            rest = after.trim_start();
        }
        if rest.is_empty() {
            break;
        }
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let amount: u64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..letters];
        let (_, per) = UNITS.iter().find(|(names, _)| names.contains(&unit))?;
        seconds = seconds.checked_add(amount.checked_mul(*per)?)?;
        parts += 1;
        rest = &rest[letters..];
    }
    (parts > 0).then(|| Duration::from_secs(seconds))
}

/// A duration in words, to the minute (seconds only under a minute): `2 jam 30 menit`,
/// `1 hour 30 minutes`, `45 detik`.
pub fn in_words(span: Duration, lang: Lang) -> String {
    let seconds = span.as_secs();
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    let units: [(u64, &str, &str, &str); 4] = [
        (days, "hari", "day", "days"),
        (hours, "jam", "hour", "hours"),
        (minutes, "menit", "minute", "minutes"),
        (
            if seconds < 60 { seconds } else { 0 },
            "detik",
            "second",
            "seconds",
        ),
    ];
    let words: Vec<String> = units
        .iter()
        .filter(|(amount, ..)| *amount > 0)
        .map(|(amount, id, one, many)| match lang {
            Lang::Id => format!("{amount} {id}"),
            Lang::En => format!("{amount} {}", if *amount == 1 { one } else { many }),
        })
        .collect();
    if words.is_empty() {
        lang.pick("0 menit", "0 minutes").to_owned()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn typed_in_either_language_or_short() {
        for (typed, expected) in [
            ("30m", minutes(30)),
            ("1h30m", minutes(90)),
            ("1h 30m", minutes(90)),
            ("30 menit", minutes(30)),
            ("30menit", minutes(30)),
            ("  2 Jam ", minutes(120)),
            ("90 detik", Duration::from_secs(90)),
            ("1 jam 30 menit", minutes(90)),
            ("1 jam dan 30 menit", minutes(90)),
            ("1 jam, 30 menit", minutes(90)),
            ("1 hari", minutes(24 * 60)),
            ("2 minggu", minutes(14 * 24 * 60)),
            ("30 minutes", minutes(30)),
            ("1 hour and 30 minutes", minutes(90)),
            ("2 HOURS", minutes(120)),
            ("45s", Duration::from_secs(45)),
            ("500ms", Duration::from_millis(500)),
            ("0", Duration::ZERO),
            ("0 menit", Duration::ZERO),
        ] {
            assert_eq!(parse(typed), Some(expected), "{typed:?}");
        }
    }

    #[test]
    fn not_a_duration() {
        for typed in [
            "",
            "  ",
            "30",
            "menit",
            "soon",
            "30 menitan",
            "dan 30 menit",
            "30 menit dan",
            "-5m",
            "1.5 jam",
            "30 <b>menit</b>",
            "30m; DROP TABLE groups",
            "١٢ menit",
            "99999999999999999999 jam",
            "9999999999999999 minggu",
        ] {
            assert_eq!(parse(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn written_in_words() {
        assert_eq!(in_words(minutes(30), Lang::Id), "30 menit");
        assert_eq!(in_words(minutes(120), Lang::Id), "2 jam");
        assert_eq!(in_words(minutes(90), Lang::En), "1 hour 30 minutes");
        assert_eq!(in_words(minutes(120), Lang::En), "2 hours");
        assert_eq!(in_words(minutes(1), Lang::En), "1 minute");
        assert_eq!(in_words(Duration::from_secs(45), Lang::Id), "45 detik");
        assert_eq!(in_words(minutes(25 * 60), Lang::En), "1 day 1 hour");
        assert_eq!(in_words(Duration::ZERO, Lang::Id), "0 menit");
    }

    #[test]
    fn what_is_written_reads_back() {
        for span in [minutes(1), minutes(30), minutes(90), minutes(26 * 60)] {
            for lang in [Lang::Id, Lang::En] {
                assert_eq!(
                    parse(&in_words(span, lang)),
                    Some(span),
                    "{span:?} {lang:?}"
                );
            }
        }
    }
}
