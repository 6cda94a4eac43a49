//! The texts of `/rekap` and the daily digest, in Indonesian with English in italics, as
//! Telegram HTML. Names are escaped before they are placed.

use super::texts::{clock, escape, span};
use crate::{
    booking::desk::Occupancy,
    reports::rekap::{ClosedTicket, Counts, Rekap},
};

fn counts_line(label_id: &str, label_en: &str, counts: &Counts) -> String {
    format!(
        "<b>{label_id}</b> (<i>{label_en}</i>): {} baru, {} di-pickup, {} di-close \
         (<i>{} new, {} picked up, {} closed</i>)",
        counts.new, counts.picked, counts.closed, counts.new, counts.picked, counts.closed
    )
}

fn closes_lines(html: &mut String, title: &str, closes: &[ClosedTicket]) {
    if closes.is_empty() {
        return;
    }
    html.push_str(&format!("\n\n{title}"));
    for close in closes {
        let (id, en) = span(close.took_ms);
        html.push_str(&format!(
            "\n• <b>{}</b> — {id} (<i>{en}</i>) oleh {}",
            escape(&close.ticket),
            escape(&close.by)
        ));
    }
}

/// `/rekap` and the daily digest.
pub fn rekap(figures: &Rekap) -> String {
    let mut html = format!(
        "📊 <b>Rekap tim</b> · <i>Team summary</i> ({})\n\n{}\n{}\n\n\
         Tiket terbuka: <b>{}</b>, terlambat: <b>{}</b> (<i>open: {}, late: {}</i>)",
        clock(figures.at, figures.offset),
        counts_line("Hari ini", "today", &figures.today),
        counts_line("Minggu ini", "this week", &figures.week),
        figures.open,
        figures.late,
        figures.open,
        figures.late,
    );
    closes_lines(
        &mut html,
        "⚡ Close tercepat minggu ini (<i>fastest closes this week</i>):",
        &figures.fastest,
    );
    closes_lines(
        &mut html,
        "🐢 Close terlama minggu ini (<i>slowest closes this week</i>):",
        &figures.slowest,
    );
    html
}

/// The daily digest's hotel line: tonight's occupancy, today's arrivals and departures.
pub fn occupancy(tonight: &Occupancy) -> String {
    format!(
        "🏨 Hunian malam ini: {taken}/{rooms} kamar ({percent}%), tiba hari ini: {arrivals}, \
         pulang: {departures} (<i>occupancy tonight: {taken}/{rooms} rooms; {arrivals} \
         arriving, {departures} leaving today</i>)",
        taken = tonight.taken,
        rooms = tonight.rooms,
        percent = tonight.percent(),
        arrivals = tonight.arrivals,
        departures = tonight.departures,
    )
}

/// `/rekap` asked by someone who is not an owner or admin.
pub fn rekap_refused() -> String {
    "Maaf, /rekap hanya untuk admin dan owner. \
     <i>Sorry, /rekap is for admins and owners only.</i>"
        .into()
}
