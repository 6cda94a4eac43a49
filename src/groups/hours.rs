//! A group's business hours, in its time zone: the clock of a ticket's time target runs
//! only while the group is open, so a request posted on Friday evening is not late by
//! Monday morning.
//!
//! Indonesia's three zones have fixed offsets (no daylight saving), so a zone is an offset.

use serde::{Deserialize, Serialize};
use time::{Date, Duration as Span, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

use crate::lang::Text;

/// Western, Central or Eastern Indonesia Time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Zone {
    #[default]
    #[serde(rename = "WIB")]
    Wib,
    #[serde(rename = "WITA")]
    Wita,
    #[serde(rename = "WIT")]
    Wit,
}

impl Zone {
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Wib => "WIB",
            Zone::Wita => "WITA",
            Zone::Wit => "WIT",
        }
    }

    const ALL: [Zone; 3] = [Zone::Wib, Zone::Wita, Zone::Wit];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|zone| zone.as_str().eq_ignore_ascii_case(text.trim()))
    }

    fn offset_ms(self) -> i64 {
        i64::from(self.offset().whole_seconds()) * 1000
    }

    /// SQL for the UTC offset in milliseconds of the zone of group `chat_id` (an SQL
    /// expression); a group without a row of its own is in the default zone.
    pub fn offset_ms_sql(chat_id: &str) -> String {
        let cases: String = Self::ALL
            .iter()
            .map(|zone| format!(" WHEN '{}' THEN {}", zone.as_str(), zone.offset_ms()))
            .collect();
        format!(
            "COALESCE((SELECT CASE zg.zone{cases} END FROM groups zg WHERE zg.chat_id = {chat_id}), {})",
            Zone::default().offset_ms()
        )
    }

    pub fn offset(self) -> UtcOffset {
        let hours = match self {
            Zone::Wib => 7,
            Zone::Wita => 8,
            Zone::Wit => 9,
        };
        UtcOffset::from_hms(hours, 0, 0).expect("whole hours are a valid offset")
    }
}

/// Day names as the settings write them, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_PER_DAY: u16 = 24 * 60;
const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_WEEK: i64 = 7 * 24 * 60 * MS_PER_MINUTE;

/// Open on `day` from `from` to `to` (minutes after midnight; `to` may be 24:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub day: Weekday,
    pub from: u16,
    pub to: u16,
}

/// How a window is written: `{"day": "mon", "from": "08:00", "to": "17:00"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowText {
    pub day: String,
    pub from: String,
    pub to: String,
}

/// When a group is open: windows on days of the week, none overlapping. At least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessHours(Vec<Window>);

impl BusinessHours {
    /// Checks `windows` as typed by an admin; the error says what is wrong.
    pub fn parse(windows: &[WindowText]) -> Result<Self, Text> {
        if windows.is_empty() {
            return Err(Text::new(
                "jam kerja kosong: isi paling sedikit satu hari",
                "no business hours: fill in at least one day",
            ));
        }
        if windows.len() > 28 {
            return Err(Text::new(
                "paling banyak 28 rentang jam kerja",
                "at most 28 spans of business hours",
            ));
        }
        let mut parsed = Vec::with_capacity(windows.len());
        for text in windows {
            let day = DAYS
                .iter()
                .position(|d| d.eq_ignore_ascii_case(text.day.trim()))
                .ok_or_else(|| {
                    Text::new(
                        format!("hari tidak dikenal: {:?}", text.day),
                        format!("unknown day: {:?}", text.day),
                    )
                })?;
            let from = minutes(&text.from)?;
            let to = minutes(&text.to)?;
            if from >= to {
                let span = format!("{} {}–{}", DAYS[day], text.from, text.to);
                return Err(Text::new(
                    format!("{span}: jam mulai harus sebelum jam selesai"),
                    format!("{span}: the start must come before the end"),
                ));
            }
            parsed.push(Window {
                day: weekday(day),
                from,
                to,
            });
        }
        parsed.sort_by_key(|w| (w.day.number_days_from_monday(), w.from));
        for pair in parsed.windows(2) {
            if pair[0].day == pair[1].day && pair[1].from < pair[0].to {
                let day = DAYS[pair[0].day.number_days_from_monday() as usize];
                return Err(Text::new(
                    format!("rentang jam kerja hari {day} bertumpuk"),
                    format!("business hours on {day} overlap"),
                ));
            }
        }
        Ok(Self(parsed))
    }

    /// The windows as they are written.
    pub fn to_text(&self) -> Vec<WindowText> {
        self.0
            .iter()
            .map(|w| WindowText {
                day: DAYS[w.day.number_days_from_monday() as usize].into(),
                from: clock(w.from),
                to: clock(w.to),
            })
            .collect()
    }

    /// The instant (Unix ms) at which `duration_ms` of open time has passed since `start`:
    /// time outside the windows does not count. A start outside them waits for the next
    /// opening.
    pub fn add(&self, zone: Zone, start: i64, duration_ms: i64) -> i64 {
        let weekly: i64 = self
            .0
            .iter()
            .map(|w| i64::from(w.to - w.from) * MS_PER_MINUTE)
            .sum();
        let mut remaining = duration_ms.max(0);
        let mut cursor = start;
        // Any seven days from any instant hold exactly one week of open time: whole weeks
        // are skipped at once, leaving less than one to walk through.
        if weekly > 0 && remaining > weekly {
            let weeks = (remaining - 1) / weekly;
            remaining -= weeks * weekly;
            cursor += weeks * MS_PER_WEEK;
        }
        let offset = zone.offset();
        let mut day = local(cursor, offset).date();
        // Eight days always reach the end of less than a week of open time.
        for _ in 0..9 {
            for window in self.0.iter().filter(|w| w.day == day.weekday()) {
                let opens = instant(day, window.from, offset);
                let closes = instant(day, window.to, offset);
                if closes <= cursor {
                    continue;
                }
                let from = opens.max(cursor);
                if remaining <= closes - from {
                    return from + remaining;
                }
                remaining -= closes - from;
                cursor = closes;
            }
            day = day
                .next_day()
                .expect("dates stay far from the calendar's end");
        }
        cursor + remaining
    }
}

fn weekday(monday_based: usize) -> Weekday {
    let mut day = Weekday::Monday;
    for _ in 0..monday_based {
        day = day.next();
    }
    day
}

/// `HH:MM` as minutes after midnight; `24:00` is the end of the day.
fn minutes(text: &str) -> Result<u16, Text> {
    let invalid = || {
        Text::new(
            format!("jam tidak valid: {text:?} (tulis seperti 08:00)"),
            format!("not a time: {text:?} (write e.g. 08:00)"),
        )
    };
    let (hours, mins) = text.trim().split_once(':').ok_or_else(invalid)?;
    let (hours, mins): (u16, u16) = (
        hours.parse().map_err(|_| invalid())?,
        mins.parse().map_err(|_| invalid())?,
    );
    if mins >= 60 || hours * 60 + mins > MINUTES_PER_DAY {
        return Err(invalid());
    }
    Ok(hours * 60 + mins)
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn local(at: i64, offset: UtcOffset) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// Unix ms of `minutes` after midnight of `day` in `offset`.
fn instant(day: Date, minutes: u16, offset: UtcOffset) -> i64 {
    let midnight = PrimitiveDateTime::new(day, Time::MIDNIGHT).assume_offset(offset);
    let at = midnight + Span::minutes(i64::from(minutes));
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use time::macros::datetime;

    fn ms(at: OffsetDateTime) -> i64 {
        (at.unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn window(day: &str, from: &str, to: &str) -> WindowText {
        WindowText {
            day: day.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    fn office() -> BusinessHours {
        let days = ["mon", "tue", "wed", "thu", "fri"];
        BusinessHours::parse(
            &days
                .iter()
                .map(|d| window(d, "08:00", "17:00"))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    const MINUTE: i64 = 60_000;

    #[test]
    fn inside_hours_the_clock_runs_as_a_wall_clock() {
        // Wednesday 10:00 WIB + 30 minutes.
        let start = ms(datetime!(2026-11-18 10:00 +7));
        assert_eq!(
            office().add(Zone::Wib, start, 30 * MINUTE),
            ms(datetime!(2026-11-18 10:30 +7))
        );
    }

    #[test]
    fn the_clock_stops_at_closing_and_runs_again_at_opening() {
        // Friday 16:50 WIB + 30 minutes: 10 on Friday, 20 on Monday.
        let start = ms(datetime!(2026-11-20 16:50 +7));
        assert_eq!(
            office().add(Zone::Wib, start, 30 * MINUTE),
            ms(datetime!(2026-11-23 08:20 +7))
        );
        // Posted on Saturday: counts from Monday's opening.
        let saturday = ms(datetime!(2026-11-21 11:00 +7));
        assert_eq!(
            office().add(Zone::Wib, saturday, 30 * MINUTE),
            ms(datetime!(2026-11-23 08:30 +7))
        );
    }

    #[test]
    fn hours_are_read_in_the_groups_zone() {
        // 16:50 WIB is 17:50 WITA: a WITA office is closed, so Monday 08:30 WITA.
        let start = ms(datetime!(2026-11-20 16:50 +7));
        assert_eq!(
            office().add(Zone::Wita, start, 30 * MINUTE),
            ms(datetime!(2026-11-23 08:30 +8))
        );
    }

    #[test]
    fn long_targets_skip_whole_weeks() {
        // 4 h target on 45 open hours a week: 100 h is 2 weeks (90 h) and 10 h more.
        let start = ms(datetime!(2026-11-18 10:00 +7));
        assert_eq!(
            office().add(Zone::Wib, start, 100 * 60 * MINUTE),
            // Wednesday 10:00 + 2 weeks = Dec 2 10:00; + 7 h to 17:00, + 3 h Thursday.
            ms(datetime!(2026-12-03 11:00 +7))
        );
    }

    #[test]
    fn a_window_may_run_to_midnight_and_windows_join_across_it() {
        let night = BusinessHours::parse(&[
            window("mon", "22:00", "24:00"),
            window("tue", "00:00", "06:00"),
        ])
        .unwrap();
        let start = ms(datetime!(2026-11-23 23:00 +7));
        assert_eq!(
            night.add(Zone::Wib, start, 2 * 60 * MINUTE),
            ms(datetime!(2026-11-24 01:00 +7))
        );
    }

    #[test]
    fn bad_hours_are_explained() {
        for (windows, says, in_english) in [
            (vec![], "kosong", "no business hours"),
            (
                vec![window("funday", "08:00", "17:00")],
                "hari",
                "unknown day",
            ),
            (
                vec![window("mon", "8", "17:00")],
                "jam tidak valid",
                "not a time",
            ),
            (
                vec![window("mon", "17:00", "08:00")],
                "sebelum",
                "before the end",
            ),
            (
                vec![window("mon", "08:00", "24:01")],
                "jam tidak valid",
                "not a time",
            ),
            (
                vec![
                    window("mon", "08:00", "12:00"),
                    window("mon", "11:00", "17:00"),
                ],
                "bertumpuk",
                "overlap",
            ),
        ] {
            let error = BusinessHours::parse(&windows).unwrap_err();
            assert!(error.get(Lang::Id).contains(says), "{error:?}");
            assert!(error.get(Lang::En).contains(in_english), "{error:?}");
        }
        let written = office().to_text();
        assert_eq!(written[0], window("mon", "08:00", "17:00"));
        assert_eq!(BusinessHours::parse(&written).unwrap(), office());
    }
}
