//! Bookings with a hold time: a guest's `/booking` conversation and its bad answers, no
//! room promised twice however many guests book at once, the front office's commands and
//! buttons (refused for anyone else), and the hold's warning and end, each once, never for
//! a paid booking. Holds of a few seconds, so the tests wait only as long as they take.

mod common;

use std::time::Duration;

use common::{register_account, say, spawn_app_with, Backend, TestApp, PATIENCE};
use tangkap::{
    booking::{self, date_text, rooms, Guest, HoldError, Hotel, NewBooking, Stay},
    config::{BookingConfig, RoomTypeConfig},
    db::now_ms,
    users::{AccountState, Role},
};
use time::Date;

on_both_backends!(
    a_guest_books_in_the_private_chat_and_every_bad_answer_is_explained,
    two_hundred_guests_at_once_hold_exactly_the_free_rooms,
    the_front_office_decides_and_time_cancels_the_unpaid_once,
);

const PASSWORD: &str = "sandi-rahasia-1";

fn hotel_config(
    fo_chat: i64,
    rooms: &[(&str, u32)],
    hold: Duration,
    warn: Duration,
) -> BookingConfig {
    BookingConfig {
        hotel_name: "Hotel Melati".into(),
        hold,
        warn_before: warn,
        staff_chat: Some(fo_chat),
        book_ahead_days: 60,
        payment_text: "Bayar dengan QRIS di resepsionis.".into(),
        erase_after: Duration::from_secs(90 * 24 * 3600),
        room_types: rooms
            .iter()
            .map(|(name, rooms)| RoomTypeConfig {
                name: (*name).into(),
                rooms: *rooms,
            })
            .collect(),
    }
}

/// Starts Tangkap with a hotel whose FO chat is the fake's first group; the app and the
/// FO chat.
async fn spawn_hotel(
    backend: Backend,
    rooms: &[(&str, u32)],
    hold: Duration,
    warn: Duration,
) -> (TestApp, i64) {
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let booking = hotel_config(fo_chat, rooms, hold, warn);
    let app = spawn_app_with(backend, move |config| config.booking = Some(booking)).await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    (app, fo_chat)
}

fn today() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .date()
}

fn days_from_today(days: i64) -> Date {
    today().checked_add(time::Duration::days(days)).unwrap()
}

async fn a_guest_books_in_the_private_chat_and_every_bad_answer_is_explained(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (app, fo_chat) =
        spawn_hotel(backend, &[("Deluxe", 1), ("Suite", 1)], 2 * hour, hour / 4).await;
    let ayu = app.fake.user("Ayu", None);
    let dodi = app.fake.user("Dodi", None);
    let check_in = days_from_today(1);

    let asked = say(&app, &ayu, "/booking").await;
    assert!(asked.text.contains("Nama tamu"), "{}", asked.text);
    let asked = say(&app, &ayu, "/x").await;
    assert!(
        asked.text.contains("garis miring"),
        "a refused name says why: {}",
        asked.text
    );
    let asked = say(&app, &ayu, "Ayu <b>Lestari</b>").await;
    assert!(asked.text.contains("check-in"), "{}", asked.text);
    assert_eq!(
        asked.answers[0],
        date_text(today()),
        "today is the first button"
    );

    // Every bad date is explained, and the question stands.
    for (bad, says) in [
        ("besok", "DD-MM-YYYY"),
        ("31-02-2027", "DD-MM-YYYY"),
        (date_text(days_from_today(-1)).as_str(), "sudah lewat"),
        (date_text(days_from_today(61)).as_str(), "paling jauh"),
    ] {
        let answer = say(&app, &ayu, bad).await;
        assert!(answer.text.contains(says), "{bad}: {}", answer.text);
    }
    let asked = say(&app, &ayu, &date_text(check_in)).await;
    assert!(asked.text.contains("Berapa malam"), "{}", asked.text);
    for bad in ["0", "15", "dua"] {
        let answer = say(&app, &ayu, bad).await;
        assert!(answer.text.contains("1–14"), "{bad}: {}", answer.text);
    }
    let asked = say(&app, &ayu, "2").await;
    assert_eq!(asked.answers, ["Deluxe", "Suite"]);
    let answer = say(&app, &ayu, "Presidential").await;
    assert!(
        answer.text.contains("tidak dikenal") && answer.text.contains("Suite"),
        "{}",
        answer.text
    );

    // A typed name works in any case; the answer carries the receipt and the deadline.
    let held = say(&app, &ayu, "deluxe").await;
    let receipt = format!(
        "RESI-{}{:02}{:02}-001",
        today().year(),
        u8::from(today().month()),
        today().day()
    );
    assert!(held.text.contains(&receipt), "{}", held.text);
    assert!(
        held.text.contains("PENDING") && held.text.contains("QRIS"),
        "{}",
        held.text
    );
    assert!(
        held.text.contains("Ayu <b>Lestari</b>"),
        "the name is shown as typed, not as HTML"
    );
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    assert!(announced[0].text.contains(&receipt) && announced[0].text.contains("Telegram"));

    // The only Deluxe is taken for those nights: another guest is told the next dates that
    // fit, and Suite is still offered.
    say(&app, &dodi, "/booking").await;
    say(&app, &dodi, "Dodi").await;
    say(&app, &dodi, &date_text(check_in)).await;
    let asked = say(&app, &dodi, "2").await;
    assert_eq!(asked.answers, ["Suite"], "only types free every night");
    let full = say(&app, &dodi, "Deluxe").await;
    assert!(full.text.contains("penuh"), "{}", full.text);
    assert!(
        full.text.contains(&date_text(days_from_today(3))),
        "{}",
        full.text
    );
    say(&app, &dodi, &date_text(check_in)).await;
    say(&app, &dodi, "2").await;
    let held = say(&app, &dodi, "Suite").await;
    assert!(
        held.text.contains(&receipt.replace("-001", "-002")),
        "{}",
        held.text
    );

    // One pending booking per guest.
    say(&app, &ayu, "/booking").await;
    say(&app, &ayu, "Ayu").await;
    say(&app, &ayu, &date_text(days_from_today(10))).await;
    say(&app, &ayu, "1").await;
    let refused = say(&app, &ayu, "Suite").await;
    assert!(refused.text.contains(&receipt), "{}", refused.text);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 2);

    // /batal ends a conversation half-way.
    say(&app, &dodi, "/booking").await;
    let stopped = say(&app, &dodi, "/batal").await;
    assert!(stopped.text.contains("dihentikan"), "{}", stopped.text);
    app.finish().await;
}

async fn two_hundred_guests_at_once_hold_exactly_the_free_rooms(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (app, _) = spawn_hotel(backend, &[("Deluxe", 4)], 2 * hour, hour / 4).await;
    let hotel = Hotel::from_config(&app.config).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let deluxe = rooms::find_by_name(&mut tx, "Deluxe")
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    let stay = Stay {
        check_in: days_from_today(5),
        nights: 3,
    };
    let mut attempts = tokio::task::JoinSet::new();
    for guest in 0..200 {
        let (db, hotel) = (app.db.clone(), hotel.clone());
        attempts.spawn(async move {
            let new = NewBooking {
                guest_name: format!("Tamu {guest}"),
                guest: Guest::Telegram(1_000 + guest),
                room_type_id: deluxe.id,
                stay,
            };
            let mut tx = db.begin().await.unwrap();
            let held = booking::hold(&mut tx, &hotel, &new, now_ms()).await;
            tx.commit().await.unwrap();
            held
        });
    }
    let (mut held, mut full) = (Vec::new(), 0);
    for attempt in attempts.join_all().await {
        match attempt {
            Ok(booking) => held.push(booking.receipt),
            Err(HoldError::Full { .. }) => full += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((held.len(), full), (4, 196));
    held.sort();
    let numbers: Vec<&str> = held.iter().map(|r| &r[r.len() - 3..]).collect();
    assert_eq!(
        numbers,
        ["001", "002", "003", "004"],
        "receipts in sequence"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM room_nights WHERE taken = 4")
            .await,
        3,
        "each night holds the four rooms, no more"
    );
    app.finish().await;
}

async fn the_front_office_decides_and_time_cancels_the_unpaid_once(backend: Backend) {
    let (app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 2)],
        // Long enough for both guests' conversations and the FO's work before the first
        // hold runs out.
        Duration::from_secs(10),
        Duration::from_secs(4),
    )
    .await;
    let fo = app.fake.user("Fitri", Some("fitri"));
    let staff = app.fake.user("Rudi", Some("rudi"));
    for (user, login) in [(&fo, "fitri"), (&staff, "rudi")] {
        register_account(
            &app,
            user,
            login,
            PASSWORD,
            Role::Staff,
            AccountState::Active,
        )
        .await;
    }
    app.fake.join_group(fo_chat, &fo);
    app.wait_for_count("SELECT COUNT(*) FROM group_members WHERE is_member = 1", 1)
        .await;

    let (ayu, dodi) = (app.fake.user("Ayu", None), app.fake.user("Dodi", None));
    let mut receipts = Vec::new();
    for guest in [&ayu, &dodi] {
        say(&app, guest, "/booking").await;
        say(&app, guest, &guest.first_name).await;
        say(&app, guest, &date_text(days_from_today(2))).await;
        say(&app, guest, "1").await;
        let held = say(&app, guest, "Deluxe").await;
        let receipt = held
            .text
            .split_whitespace()
            .find(|w| w.starts_with("RESI-"))
            .unwrap();
        receipts.push(receipt.to_owned());
    }

    // Only the FO (and admins) work bookings.
    let refused = say(&app, &staff, "/cek_pembayaran").await;
    assert!(refused.text.contains("hanya untuk FO"), "{}", refused.text);
    let refused = say(&app, &staff, &format!("/update_paid {}", receipts[0])).await;
    assert!(refused.text.contains("hanya untuk FO"), "{}", refused.text);
    let list = say(&app, &fo, "/cek_pembayaran").await;
    assert!(
        list.text.contains(&receipts[0]) && list.text.contains(&receipts[1]),
        "{}",
        list.text
    );
    assert_eq!(list.callbacks.len(), 4, "Lunas and Batal for each");

    // A press marks Ayu's booking paid; a second press says who did it.
    let paid = list.callbacks[0].1.clone();
    let before = app.fake.callback_answers().len();
    app.fake
        .press_button(fo.id, list.message_id, &fo, &paid)
        .unwrap();
    app.fake
        .wait_until(PATIENCE, |fake| fake.callback_answers().len() > before)
        .await;
    let answer = app.fake.callback_answers()[before]
        .text
        .clone()
        .unwrap_or_default();
    assert!(answer.contains("LUNAS"), "{answer}");
    let confirmed = app.fake.wait_for_bot_messages(ayu.id, 7, PATIENCE).await;
    assert!(confirmed.last().unwrap().text.contains("dikonfirmasi"));
    app.fake
        .press_button(fo.id, list.message_id, &fo, &paid)
        .unwrap();
    app.fake
        .wait_until(PATIENCE, |fake| fake.callback_answers().len() > before + 1)
        .await;
    let again = app.fake.callback_answers()[before + 1]
        .text
        .clone()
        .unwrap_or_default();
    assert!(again.contains("sudah LUNAS oleh Fitri"), "{again}");
    let again = say(
        &app,
        &fo,
        &format!("/update_cancel {}", receipts[0].to_lowercase()),
    )
    .await;
    assert!(again.text.contains("sudah LUNAS"), "{}", again.text);

    // Dodi's is left unpaid: the FO chat is warned once, then it is cancelled once, the
    // room freed and Dodi told; Ayu's paid booking stays paid.
    let fo_said = |text: &str| {
        app.fake
            .bot_messages(fo_chat)
            .iter()
            .filter(|m| m.text.contains(&receipts[1]) && m.text.contains(text))
            .count()
    };
    assert!(
        app.fake
            .wait_until(PATIENCE, |_| fo_said("DIBATALKAN OTOMATIS") == 1)
            .await
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fo_said("Segera kedaluwarsa"), 1);
    assert_eq!(fo_said("DIBATALKAN OTOMATIS"), 1);
    let told = app.fake.bot_messages(dodi.id);
    assert!(told.last().unwrap().text.contains("batas waktu"));
    assert_eq!(
        app.rows("SELECT receipt, status, decided_by FROM bookings ORDER BY id")
            .await,
        vec![
            vec![
                Some(receipts[0].clone()),
                Some("paid".into()),
                Some("Fitri (@fitri)".into())
            ],
            vec![
                Some(receipts[1].clone()),
                Some("cancelled".into()),
                Some("Sistem".into())
            ],
        ]
    );
    assert_eq!(
        app.count("SELECT COALESCE(MAX(taken), 0) FROM room_nights")
            .await,
        1,
        "Dodi's night is free"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM timers").await, 0);
    app.finish().await;
}
