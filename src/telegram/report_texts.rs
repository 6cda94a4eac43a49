//! The texts of `/rekap` and the daily digest, as Telegram HTML: `/rekap` in the asker's
//! language, the digest (to the staff chat, a group) in Indonesian. Names are escaped
//! before they are placed.

use super::texts::{clock, escape, span};
use crate::{
    booking::desk::Occupancy,
    lang::Lang,
    reports::rekap::{ClosedTicket, Counts, Rekap},
};

fn counts_line(label: &str, counts: &Counts, lang: Lang) -> String {
    let (new, picked, closed) = (counts.new, counts.picked, counts.closed);
    match lang {
        Lang::Id => {
            format!("<b>{label}</b>: {new} baru, {picked} di-pickup, {closed} di-close")
        }
        Lang::En => format!("<b>{label}</b>: {new} new, {picked} picked up, {closed} closed"),
    }
}

fn closes_lines(html: &mut String, title: &str, closes: &[ClosedTicket], lang: Lang) {
    if closes.is_empty() {
        return;
    }
    html.push_str(&format!("\n\n{title}"));
    let by = lang.pick("oleh", "by");
    for close in closes {
        html.push_str(&format!(
            "\n• <b>{}</b> — {} {by} {}",
            escape(&close.ticket),
            span(close.took_ms, lang),
            escape(&close.by)
        ));
    }
}

/// `/rekap` and the daily digest.
pub fn rekap(figures: &Rekap, lang: Lang) -> String {
    let (title, today, week) = lang.pick(
        ("Rekap tim", "Hari ini", "Minggu ini"),
        ("Team summary", "Today", "This week"),
    );
    let standing = match lang {
        Lang::Id => format!(
            "Tiket terbuka: <b>{}</b>, terlambat: <b>{}</b>",
            figures.open, figures.late
        ),
        Lang::En => format!(
            "Open tickets: <b>{}</b>, late: <b>{}</b>",
            figures.open, figures.late
        ),
    };
    let mut html = format!(
        "📊 <b>{title}</b> ({})\n\n{}\n{}\n\n{standing}",
        clock(figures.at, figures.offset),
        counts_line(today, &figures.today, lang),
        counts_line(week, &figures.week, lang),
    );
    let (fastest, slowest) = lang.pick(
        (
            "⚡ Close tercepat minggu ini:",
            "🐢 Close terlama minggu ini:",
        ),
        (
            "⚡ Fastest closes this week:",
            "🐢 Slowest closes this week:",
        ),
    );
    closes_lines(&mut html, fastest, &figures.fastest, lang);
    closes_lines(&mut html, slowest, &figures.slowest, lang);
    html
}

/// The daily digest's hotel line: tonight's occupancy, today's arrivals and departures.
pub fn occupancy(tonight: &Occupancy) -> String {
    format!(
        "🏨 Hunian malam ini: {taken}/{rooms} kamar ({percent}%), tiba hari ini: {arrivals}, \
         pulang: {departures}",
        taken = tonight.taken,
        rooms = tonight.rooms,
        percent = tonight.percent(),
        arrivals = tonight.arrivals,
        departures = tonight.departures,
    )
}

/// `/rekap` asked by someone who is not an owner or admin.
pub fn rekap_refused(lang: Lang) -> String {
    lang.pick(
        "Maaf, /rekap hanya untuk admin dan owner.",
        "Sorry, /rekap is for admins and owners only.",
    )
    .into()
}
