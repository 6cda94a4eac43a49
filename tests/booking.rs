//! Bookings with a hold time: a guest's `/booking` conversation and its bad answers, no
//! room promised twice however many guests book at once, the front office's commands and
//! buttons (refused for anyone else), and the hold's warning and end, each once, never for
//! a paid booking; on the web, a room held only once the guest opens the link mailed to
//! them, over a real SMTP server. Holds of a few seconds, so the tests wait only as long
//! as they take.

mod common;

use std::time::Duration;

use common::{
    call, call_in, log_in, register_account, say, spawn_app_with, spawn_public_app, Backend,
    SmtpSink, TestApp, PATIENCE,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tangkap::{
    booking::{
        self,
        config::{BookingConfig, HotelSettings, RoomTypeConfig},
        date_text, rooms, texts, Guest, HoldError, NewBooking, Stay,
    },
    db::now_ms,
    lang::Lang,
    settings::Config,
    sim::{Fault, MemberStatus, SimPosition, SimUser},
    users::{AccountState, Role},
};
use time::Date;

on_both_backends!(
    a_guest_books_in_the_private_chat_and_every_bad_answer_is_explained,
    two_hundred_guests_at_once_hold_exactly_the_free_rooms,
    the_front_office_decides_and_time_cancels_the_unpaid_once,
    a_web_booking_holds_a_room_only_once_its_address_is_confirmed,
    a_web_guest_is_mailed_when_the_hold_runs_out,
    links_opened_at_once_hold_exactly_the_free_rooms_once_each,
    a_pending_address_is_answered_as_any_other_and_mailed_its_receipt,
    an_address_is_counted_without_its_tag_or_case,
    the_web_form_mails_at_most_mails_per_hour,
    forms_sent_at_once_pass_the_throttle_at_most_its_limit,
    without_mail_the_web_form_offers_telegram_only,
    the_booking_page_lists_and_decides_for_the_front_office_only,
    a_guests_name_and_contact_are_erased_after_the_stay,
    owners_and_admins_set_the_rooms_never_below_what_is_booked,
    owners_and_admins_change_the_hotels_settings_and_the_next_booking_follows,
    a_later_check_in_is_held_until_its_release_and_its_guest_reminded,
    prices_show_on_every_surface_and_a_change_follows_for_new_bookings_only,
    an_fo_member_who_never_opened_the_mini_app_works_bookings,
    an_fo_member_who_never_opened_the_mini_app_works_bookings_through_the_webhook,
    leaving_the_fo_chat_ends_booking_work_within_the_refresh_period,
    fo_membership_telegram_cannot_confirm_decides_nothing,
    a_guest_on_the_way_keeps_the_room_a_while_longer,
    a_web_guests_browser_shares_where_they_are,
    the_dashboard_stays_current_and_asks_before_cancelling,
    the_front_desk_sees_its_day_and_checks_guests_in_and_out,
    the_grid_counts_the_free_rooms_of_each_type_night_by_night,
    the_daily_digest_tells_tonights_occupancy,
    the_front_office_hears_indonesian_and_a_guest_their_own_language,
);

const PASSWORD: &str = "sandi-rahasia-1";
/// Every room type's price per night in the tests' hotel.
const PRICE: i64 = 450_000;

fn hotel_config(
    fo_chat: i64,
    rooms: &[(&str, u32)],
    hold: Duration,
    warn: Duration,
) -> BookingConfig {
    BookingConfig {
        settings: HotelSettings {
            hotel_name: "Hotel Melati".into(),
            hold,
            warn_before: warn,
            staff_chat: Some(fo_chat),
            book_ahead_days: 60,
            // No note of the hotel's own: Tangkap says what to pay and where, in the
            // guest's language.
            payment_text: String::new(),
        },
        room_types: rooms
            .iter()
            .map(|(name, rooms)| RoomTypeConfig {
                name: (*name).into(),
                rooms: *rooms,
                price: PRICE,
            })
            .collect(),
        ..BookingConfig::default()
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
    spawn_hotel_with(backend, rooms, hold, warn, |_| {}).await
}

/// The same, after `adjust` has changed the configuration.
async fn spawn_hotel_with(
    backend: Backend,
    rooms: &[(&str, u32)],
    hold: Duration,
    warn: Duration,
    adjust: impl FnOnce(&mut Config),
) -> (TestApp, i64) {
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let booking = hotel_config(fo_chat, rooms, hold, warn);
    let app = spawn_app_with(backend, move |config| {
        config.booking = Some(booking);
        adjust(config);
    })
    .await;
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
    // Dodi's Telegram app speaks English: so does every message to him.
    let dodi = app.fake.user_speaking("Dodi", None, "en-GB");
    let check_in = days_from_today(1);
    // With bookings on, Telegram offers their commands in private chats.
    let private = || app.fake.commands("all_private_chats");
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake
                .commands("all_private_chats")
                .ends_with(&["booking".to_owned(), "cek_pembayaran".to_owned()]))
            .await,
        "{:?}",
        private()
    );

    // The name Telegram knows is offered.
    let asked = say(&app, &ayu, "/booking").await;
    assert!(asked.text.contains("Nama tamu"), "{}", asked.text);
    assert_eq!(asked.answers, ["Pakai nama: Ayu"]);
    let asked = say(&app, &ayu, "/x").await;
    assert!(
        asked.text.contains("garis miring"),
        "a refused name says why: {}",
        asked.text
    );
    let asked = say(&app, &ayu, "Ayu <b>Lestari</b>").await;
    assert!(asked.text.contains("check-in"), "{}", asked.text);
    // Dates offered with their weekdays, today and tomorrow named so.
    assert_eq!(
        asked.answers[..2],
        [
            format!("Hari ini, {}", texts::day(today(), Lang::Id)),
            format!("Besok, {}", texts::day(check_in, Lang::Id)),
        ]
    );

    // Every bad date is explained, and the question stands.
    for (bad, says) in [
        ("lusa", "DD-MM-YYYY"),
        ("31-02-2027", "DD-MM-YYYY"),
        (date_text(days_from_today(-1)).as_str(), "sudah lewat"),
        (date_text(days_from_today(61)).as_str(), "paling jauh"),
    ] {
        let answer = say(&app, &ayu, bad).await;
        assert!(answer.text.contains(says), "{bad}: {}", answer.text);
    }
    // "besok" typed is tomorrow.
    let asked = say(&app, &ayu, "besok").await;
    assert!(asked.text.contains("Berapa malam"), "{}", asked.text);
    for bad in ["0", "15", "dua"] {
        let answer = say(&app, &ayu, bad).await;
        assert!(answer.text.contains("1–14"), "{bad}: {}", answer.text);
    }
    let asked = say(&app, &ayu, "2").await;
    assert_eq!(asked.answers, ["Deluxe", "Suite"]);
    assert!(
        asked.text.contains("Rp450.000/malam") && asked.text.contains("2 malam: Rp900.000"),
        "each type's price per night and for the stay: {}",
        asked.text
    );
    let answer = say(&app, &ayu, "Presidential").await;
    assert!(
        answer.text.contains("tidak dikenal") && answer.text.contains("Suite"),
        "{}",
        answer.text
    );

    // A typed name works in any case; the receipt carries the price, what to pay and the
    // deadline: a later check-in is held until 18:00 on its day.
    let held = say(&app, &ayu, "deluxe").await;
    let receipt = format!(
        "RESI-{}{:02}{:02}-001",
        today().year(),
        u8::from(today().month()),
        today().day()
    );
    assert!(held.text.contains(&receipt), "{}", held.text);
    for says in [
        "PENDING",
        "QRIS",
        "2 malam × Rp450.000 = Rp900.000",
        "Bayar tepat Rp900.000",
        &format!("Batas waktu: {} 18:00 WIB", date_text(check_in)),
        "pada hari check-in",
    ] {
        assert!(held.text.contains(says), "{says}: {}", held.text);
    }
    assert!(
        !held.text.contains("Your room") && !held.text.contains("Receipt"),
        "one language: {}",
        held.text
    );
    assert!(
        held.text.contains("Ayu <b>Lestari</b>"),
        "the name is shown as typed, not as HTML"
    );
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    assert!(
        announced[0].text.contains(&receipt)
            && announced[0].text.contains("Telegram")
            && announced[0].text.contains("Rp900.000")
            && announced[0]
                .text
                .contains(&format!("{} 18:00 WIB", date_text(check_in))),
        "{}",
        announced[0].text
    );

    // The only Deluxe is taken for those nights: another guest is told the next dates that
    // fit, and Suite is still offered. Dodi reads English only.
    let asked = say(&app, &dodi, "/booking").await;
    assert!(asked.text.contains("guest's name"), "{}", asked.text);
    assert_eq!(asked.answers, ["Use name: Dodi"]);
    let asked = say(&app, &dodi, "Use name: Dodi").await;
    assert!(
        asked.answers[1].starts_with("Tomorrow, "),
        "{:?}",
        asked.answers
    );
    // The tapped button means its own date.
    say(&app, &dodi, &asked.answers[1]).await;
    let asked = say(&app, &dodi, "2").await;
    assert_eq!(asked.answers, ["Suite"], "only types free every night");
    let full = say(&app, &dodi, "Deluxe").await;
    assert!(full.text.contains("is full"), "{}", full.text);
    assert!(
        full.text.contains(&date_text(days_from_today(3))),
        "{}",
        full.text
    );
    say(&app, &dodi, &date_text(check_in)).await;
    say(&app, &dodi, "2").await;
    let held = say(&app, &dodi, "Suite").await;
    assert!(
        held.text.contains(&receipt.replace("-001", "-002"))
            && held.text.contains("Your room")
            && held.text.contains("2 nights × Rp450.000 = Rp900.000")
            && held.text.contains("Pay exactly Rp900.000"),
        "{}",
        held.text
    );
    assert!(
        !held.text.contains("Kamar") && !held.text.contains("Bayar"),
        "one language: {}",
        held.text
    );
    let dodis = app
        .rows("SELECT t.name, b.lang, b.price FROM bookings b JOIN room_types t ON t.id = b.room_type_id ORDER BY b.id")
        .await;
    assert_eq!(
        dodis,
        [
            [
                Some("Deluxe".into()),
                Some("id".into()),
                Some("450000".into())
            ],
            [
                Some("Suite".into()),
                Some("en".into()),
                Some("450000".into())
            ],
        ]
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
    assert!(stopped.text.contains("Booking stopped"), "{}", stopped.text);
    app.finish().await;
}

async fn two_hundred_guests_at_once_hold_exactly_the_free_rooms(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (app, _) = spawn_hotel(backend, &[("Deluxe", 4)], 2 * hour, hour / 4).await;
    let mut tx = app.db.begin().await.unwrap();
    let hotel = app.config.hotel().unwrap().load(&mut tx).await.unwrap();
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
                lang: Lang::Id,
                request_id: None,
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
    join_front_office(&app, fo_chat, &fo).await;

    // Both check in today: held for the hold from the booking.
    let (ayu, dodi) = (app.fake.user("Ayu", None), app.fake.user("Dodi", None));
    let mut receipts = Vec::new();
    for guest in [&ayu, &dodi] {
        let held = book_as(&app, guest, today(), "Deluxe").await;
        receipts.push(receipt_in(&held));
    }
    assert_eq!(
        hold_of(&app, &receipts[1]).await,
        (10_000, 4_000),
        "a same-day check-in is held for the hold from the booking, warned before it ends"
    );

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

    // A press marks Ayu's booking paid; a second press at the same moment (before the list
    // loses the button) says who did it.
    let paid = list.callbacks[0].1.clone();
    assert_eq!(
        list.callbacks[0].0,
        format!("✅ Lunas {}", &receipts[0][receipts[0].len() - 3..])
    );
    let before = app.fake.callback_answers().len();
    for _ in 0..2 {
        app.fake
            .press_button(fo.id, list.message_id, &fo, &paid)
            .unwrap();
    }
    app.fake
        .wait_until(PATIENCE, |fake| fake.callback_answers().len() > before + 1)
        .await;
    let answers: Vec<String> = app.fake.callback_answers()[before..]
        .iter()
        .map(|answer| answer.text.clone().unwrap_or_default())
        .collect();
    assert!(answers[0].contains("LUNAS"), "{answers:?}");
    assert!(answers[1].contains("sudah LUNAS oleh Fitri"), "{answers:?}");
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake
                .bot_messages(ayu.id)
                .iter()
                .any(|m| m.text.contains("dikonfirmasi")))
            .await
    );
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
    // Dodi was warned too, once, with the deadline, then told.
    let told = app.fake.bot_messages(dodi.id);
    let warned: Vec<_> = told
        .iter()
        .filter(|m| m.text.contains("⏰") && m.text.contains(&receipts[1]))
        .collect();
    assert_eq!(warned.len(), 1, "{told:?}");
    assert!(
        warned[0].text.contains("Bayar tepat Rp450.000"),
        "{}",
        warned[0].text
    );
    assert!(told
        .last()
        .unwrap()
        .text
        .contains("otomatis dibatalkan (waktu habis"));
    assert!(
        !app.fake
            .bot_messages(ayu.id)
            .iter()
            .skip_while(|m| !m.text.contains("dikonfirmasi"))
            .any(|m| m.text.contains("⏰") || m.text.contains("dibatalkan")),
        "a paid booking is not warned nor cancelled"
    );
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
    // No hold timer is left; each booking keeps the one that erases its guest's data.
    assert_eq!(
        app.rows(
            "SELECT kind FROM timers WHERE kind NOT IN ('report_window', 'backup') ORDER BY entity"
        )
        .await,
        [
            [Some("booking_erase".to_owned())],
            [Some("booking_erase".to_owned())]
        ]
    );
    app.finish().await;
}

/// Starts Tangkap with a hotel, mail through `smtp` and a public address (the booking
/// page's links need one); the app and the FO chat.
async fn spawn_web_hotel(
    backend: Backend,
    smtp: &SmtpSink,
    rooms: &[(&str, u32)],
    hold: Duration,
) -> (TestApp, i64) {
    spawn_web_hotel_with(backend, smtp, rooms, hold, |_| {}).await
}

/// The same, after `adjust` has changed the hotel's `[booking]`.
async fn spawn_web_hotel_with(
    backend: Backend,
    smtp: &SmtpSink,
    rooms: &[(&str, u32)],
    hold: Duration,
    adjust: impl FnOnce(&mut BookingConfig),
) -> (TestApp, i64) {
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let mut booking = hotel_config(fo_chat, rooms, hold, Duration::ZERO);
    adjust(&mut booking);
    let mail = tangkap::mail::MailSettings {
        via: tangkap::mail::MailVia::Smtp(tangkap::config::Secret::new(smtp.url())),
        from: "Hotel Melati <booking@melati.example>".into(),
    };
    let app = spawn_public_app(backend, move |config| {
        config.booking = Some(booking);
        config.mail = Some(mail);
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    (app, fo_chat)
}

/// Posts a web booking form, as the public page does.
async fn submit(app: &TestApp, form: Value) -> (StatusCode, Value) {
    call(app, "POST", "/booking", None, Some(form)).await
}

/// Opens a confirmation link: the page posts its token.
async fn open_link(app: &TestApp, token: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        "/booking/confirm",
        None,
        Some(json!({ "token": token })),
    )
    .await
}

fn web_form(name: &str, email: &str, room_type: &str, check_in: Date, nights: u32) -> Value {
    json!({
        "name": name,
        "email": email,
        "room_type": room_type,
        "check_in": format!("{}-{:02}-{:02}", check_in.year(), u8::from(check_in.month()), check_in.day()),
        "nights": nights,
    })
}

/// The token of the confirmation link in `mail`.
fn confirmation_token(mail: &Value) -> String {
    let text = mail["text"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/booking#confirm="))
        .unwrap_or_else(|| panic!("no link in {text}"));
    link.split("#confirm=").nth(1).unwrap().to_owned()
}

async fn a_web_booking_holds_a_room_only_once_its_address_is_confirmed(backend: Backend) {
    let smtp = SmtpSink::start();
    let (app, fo_chat) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 1)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let check_in = days_from_today(3);

    app.wait_until_bot_known().await;
    let (status, form) = call(&app, "GET", "/booking", None, None).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(form["hotel_name"], "Hotel Melati");
    assert_eq!(form["room_types"], json!(["Deluxe"]));
    assert_eq!(form["web"], true);
    assert_eq!(
        form["telegram"],
        format!("https://t.me/{}?start=booking", common::BOT_USERNAME)
    );

    // Every bad form is refused with the reason, in the page's language; nothing is stored.
    let ayu = "ayu@tamu.example";
    let in_english = |mut form: Value| {
        form["lang"] = json!("en");
        form
    };
    for (form, kind, says) in [
        (
            web_form("", ayu, "Deluxe", check_in, 1),
            "name",
            "Nama tamu",
        ),
        (
            in_english(web_form("", ayu, "Deluxe", check_in, 1)),
            "name",
            "The guest's name must be",
        ),
        (
            web_form("Ayu", "ayu@", "Deluxe", check_in, 1),
            "email",
            "Alamat email tidak valid",
        ),
        (
            in_english(web_form(
                "Ayu",
                "Ayu <ayu@tamu.example>",
                "Deluxe",
                check_in,
                1,
            )),
            "email",
            "not an email",
        ),
        (
            web_form("Ayu", ayu, "Deluxe", days_from_today(-1), 1),
            "stay",
            "sudah lewat",
        ),
        (
            in_english(web_form("Ayu", ayu, "Deluxe", days_from_today(61), 1)),
            "stay",
            "latest check-in",
        ),
        (web_form("Ayu", ayu, "Deluxe", check_in, 15), "stay", "1–14"),
        (
            in_english(web_form("Ayu", ayu, "Presidential", check_in, 1)),
            "room_type",
            "Unknown room type",
        ),
        (
            web_form(
                "Ayu'; DROP TABLE bookings; --",
                ayu,
                "Deluxe' OR '1'='1",
                check_in,
                1,
            ),
            "room_type",
            "Tipe kamar tidak dikenal",
        ),
    ] {
        let (status, answer) = submit(&app, form.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{form}: {answer}");
        assert_eq!(answer["error"], kind, "{form}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(says), "{answer}");
        let other_language = if form["lang"] == "en" {
            "Tanggal"
        } else {
            "The "
        };
        assert!(!message.contains(other_language), "one language: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_requests").await, 0);

    // A good form mails the link and holds nothing yet.
    let (status, answer) = submit(
        &app,
        web_form(
            "Ayu <b>Lestari</b>",
            " Ayu@Tamu.example ",
            "deluxe",
            check_in,
            2,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("24"),
        "{answer}"
    );
    let mails = smtp.wait_for(ayu, 1).await;
    assert!(
        mails[0]["subject"]
            .as_str()
            .unwrap()
            .contains("Konfirmasi booking")
            && mails[0]["from"]
                .as_str()
                .unwrap()
                .contains("booking@melati.example"),
        "{}",
        mails[0]
    );
    let token = confirmation_token(&mails[0]);
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 0);
    assert!(
        app.fake.bot_messages(fo_chat).is_empty(),
        "the FO hear of nothing before the address is confirmed"
    );
    // Only the token's hash is kept, and the sent mail leaves the outbox.
    app.wait_for_count(
        "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND chat_id = 0",
        1,
    )
    .await;
    for kept in [
        format!("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%{token}%'"),
        format!("SELECT COUNT(*) FROM booking_requests WHERE token_hash = '{token}'"),
    ] {
        assert_eq!(app.count(&kept).await, 0, "{kept}");
    }

    // A wrong or tampered token holds nothing.
    for wrong in ["", "0000", &token[..63], &format!("{token}'--")] {
        let (status, answer) = open_link(&app, wrong).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}: {answer}");
        assert_eq!(answer["error"], "link");
    }

    // The link holds the room: the receipt, the FO told, the guest mailed.
    let (status, held) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    let receipt = held["receipt"].as_str().unwrap().to_owned();
    assert!(receipt.starts_with("RESI-"), "{held}");
    assert_eq!(held["just_now"], true);
    let text = held["text"].as_str().unwrap();
    assert!(
        text.contains("PENDING") && text.contains("QRIS") && text.contains("Ayu <b>Lestari</b>"),
        "{text}"
    );
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    assert!(
        announced[0].text.contains(&receipt)
            && announced[0].text.contains("Web")
            && announced[0].text.contains("Ayu <b>Lestari</b>"),
        "the FO read the name as written: {:?}",
        announced[0].text
    );
    let mails = smtp.wait_for(ayu, 2).await;
    assert!(
        mails[1]["subject"].as_str().unwrap().contains(&receipt)
            && mails[1]["text"].as_str().unwrap().contains("QRIS"),
        "{}",
        mails[1]
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE via = 'web' AND email = 'ayu@tamu.example'")
            .await,
        1
    );

    // Opened again: the same booking, nothing new.
    let (status, again) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        (again["receipt"].as_str(), &again["just_now"]),
        (Some(receipt.as_str()), &json!(false))
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);

    // The one room is taken on those nights. (A form for Ayu's address now is answered as
    // any other: a_pending_address_is_answered_as_any_other_and_mailed_its_receipt.)
    let (status, answer) = submit(
        &app,
        web_form("Dodi", "dodi@tamu.example", "Deluxe", days_from_today(4), 1),
    )
    .await;
    assert_eq!(
        (status, &answer["error"]),
        (StatusCode::CONFLICT, &json!("full")),
        "{answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains(&date_text(days_from_today(5))),
        "the next free check-in is offered: {answer}"
    );

    // A form per address is throttled: the fourth within the hour is refused.
    for attempt in 1..=4 {
        let (status, answer) = submit(
            &app,
            web_form(
                "Dodi",
                "dodi@tamu.example",
                "Deluxe",
                days_from_today(20 + attempt),
                1,
            ),
        )
        .await;
        let expected = if attempt <= 3 {
            StatusCode::OK
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(status, expected, "attempt {attempt}: {answer}");
    }

    // A mail the server refuses for good is kept as failed, with the reason.
    let (status, answer) = submit(
        &app,
        web_form(
            "Rani",
            "refuse-me@tamu.example",
            "Deluxe",
            days_from_today(30),
            1,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    app.wait_for_count(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = 0 AND status = 'failed' AND last_error LIKE '%550%'",
        1,
    )
    .await;

    // Requests whose links were never opened are forgotten when the links stop working
    // (their timers moved to now); the confirmed one stays with its booking.
    fire_now(&app, "booking_request_expiry").await;
    app.wait_for_count("SELECT COUNT(*) FROM booking_requests", 1)
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM booking_requests r JOIN bookings b ON b.request_id = r.id")
            .await,
        1
    );

    // Marked paid, the guest is mailed the confirmation (the seed's words).
    let admin = app.fake.user("Fitri", Some("fitri"));
    register_account(
        &app,
        &admin,
        "fitri",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let done = say(&app, &admin, &format!("/update_paid {receipt}")).await;
    assert!(done.text.contains("LUNAS"), "{}", done.text);
    let mails = smtp.wait_for(ayu, 3).await;
    assert!(
        mails[2]["text"].as_str().unwrap().contains(&format!(
            "Pembayaran diterima. Booking {receipt} telah dikonfirmasi"
        )),
        "{}",
        mails[2]
    );
}

async fn a_web_guest_is_mailed_when_the_hold_runs_out(backend: Backend) {
    let smtp = SmtpSink::start();
    let (app, fo_chat) =
        spawn_web_hotel(backend, &smtp, &[("Suite", 1)], Duration::from_secs(2)).await;
    let rani = "rani@tamu.example";
    let (status, answer) = submit(&app, web_form("Rani", rani, "Suite", today(), 1)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let token = confirmation_token(&smtp.wait_for(rani, 1).await[0]);
    let (status, held) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    let receipt = held["receipt"].as_str().unwrap().to_owned();
    let mails = smtp.wait_for(rani, 3).await;
    assert!(
        mails[2]["text"].as_str().unwrap().contains(&format!(
            "Booking {receipt} otomatis dibatalkan (waktu habis"
        )),
        "{}",
        mails[2]
    );
    app.wait_for_count(
        "SELECT COUNT(*) FROM bookings WHERE status = 'cancelled'",
        1,
    )
    .await;
    let fo = app.fake.wait_for_bot_messages(fo_chat, 2, PATIENCE).await;
    assert!(fo[1].text.contains("DIBATALKAN OTOMATIS"), "{}", fo[1].text);
    // The room is free again: the same stay can be asked for.
    let (status, answer) = submit(&app, web_form("Rani", rani, "Suite", today(), 1)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The link, opened after its booking ran out, says so instead of holding again.
    let (status, again) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert!(
        again["text"].as_str().unwrap().contains("dibatalkan"),
        "{again}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);
    // After the stay (its erase timer moved to now) the guest's name and address go, and
    // with them the request the link named; the second request, never opened, stays.
    fire_now(&app, "booking_erase").await;
    app.wait_for_count(
        "SELECT COUNT(*) FROM bookings WHERE erased_at IS NOT NULL AND guest_name IS NULL \
         AND email IS NULL AND request_id IS NULL",
        1,
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_requests").await, 1);
    let (status, gone) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
}

/// Forty web guests open their links at the same moment, each twice (a double tap), for
/// four rooms: the confirmations share transactions, and still exactly four are held, each
/// link's two answers show one booking (confirmed by one of them), and each held guest is
/// mailed their booking once.
async fn links_opened_at_once_hold_exactly_the_free_rooms_once_each(backend: Backend) {
    const GUESTS: usize = 40;
    let smtp = SmtpSink::start();
    let (app, fo_chat) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 4)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let check_in = days_from_today(4);
    // Made through the domain: over HTTP one client may only ask 20 times an hour.
    let mut tx = app.db.begin().await.unwrap();
    let hotel = app.config.hotel().unwrap().load(&mut tx).await.unwrap();
    for guest in 0..GUESTS {
        let form: booking::web::WebForm = serde_json::from_value(web_form(
            &format!("Tamu {guest}"),
            &format!("tamu{guest}@tamu.example"),
            "Deluxe",
            check_in,
            2,
        ))
        .unwrap();
        let client = std::net::IpAddr::from([10, 0, 0, guest as u8]);
        booking::web::request(&mut tx, &hotel, &form, client, now_ms())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tokens = Vec::new();
    for guest in 0..GUESTS {
        let address = format!("tamu{guest}@tamu.example");
        tokens.push((
            address.clone(),
            confirmation_token(&smtp.wait_for(&address, 1).await[0]),
        ));
    }
    let confirm_url = format!("{}/api/booking/confirm", app.http_url());
    let mut openings = tokio::task::JoinSet::new();
    for (address, token) in tokens.iter().chain(tokens.iter()) {
        let (url, address, token) = (confirm_url.clone(), address.clone(), token.clone());
        openings.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(&json!({ "token": token }))
                .send()
                .await
                .unwrap();
            let status = response.status();
            (address, (status, response.json::<Value>().await.unwrap()))
        });
    }
    let mut answers: std::collections::BTreeMap<String, Vec<(StatusCode, Value)>> =
        Default::default();
    for (address, answer) in openings.join_all().await {
        answers.entry(address).or_default().push(answer);
    }
    let mut held = Vec::new();
    for (address, answers) in &answers {
        let [(first_status, first), (second_status, second)] = answers.as_slice() else {
            panic!("two answers for {address}: {answers:?}");
        };
        if *first_status == StatusCode::OK {
            assert_eq!(*second_status, StatusCode::OK, "{address}: {second}");
            assert_eq!(
                first["receipt"], second["receipt"],
                "{address}: one booking"
            );
            let confirmed_by = [first, second]
                .iter()
                .filter(|answer| answer["just_now"] == true)
                .count();
            assert_eq!(confirmed_by, 1, "{address}: {first} {second}");
            held.push((
                address.clone(),
                first["receipt"].as_str().unwrap().to_owned(),
            ));
        } else {
            for (status, answer) in answers {
                assert_eq!(*status, StatusCode::CONFLICT, "{address}: {answer}");
                assert_eq!(answer["error"], "full", "{address}: {answer}");
            }
        }
    }
    assert_eq!(held.len(), 4, "{answers:?}");
    let mut receipts: Vec<&str> = held.iter().map(|(_, receipt)| receipt.as_str()).collect();
    receipts.sort();
    receipts.dedup();
    assert_eq!(receipts.len(), 4, "four bookings: {receipts:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 4);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM room_nights WHERE taken = 4")
            .await,
        2,
        "both nights hold the four rooms, no more"
    );
    for (address, receipt) in &held {
        let mails = smtp.wait_for(address, 2).await;
        assert!(
            mails[1]["text"]
                .as_str()
                .unwrap()
                .contains(receipt.as_str()),
            "{}",
            mails[1]
        );
    }
    // Announced together: as many as fit in one message each time.
    let all_told = |fake: &tangkap::sim::FakeTelegram| {
        let texts: Vec<String> = fake
            .bot_messages(fo_chat)
            .into_iter()
            .map(|m| m.text)
            .collect();
        held.iter()
            .all(|(_, receipt)| texts.iter().any(|text| text.contains(receipt.as_str())))
    };
    assert!(app.fake.wait_until(PATIENCE, all_told).await);
    let announced = app.fake.bot_messages(fo_chat);
    assert!(announced.len() <= 4, "{announced:?}");
    for (_, receipt) in &held {
        assert_eq!(
            announced
                .iter()
                .filter(|message| message.text.contains(receipt.as_str()))
                .count(),
            1,
            "{receipt} announced once"
        );
    }
    // Nobody else was mailed a booking: only the link went to those refused.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.mails().len(), GUESTS + 4);
    app.finish().await;
}

/// Submits `forms` one after another; the status and the error (if any) of each.
async fn submit_each(app: &TestApp, forms: Vec<Value>) -> Vec<(StatusCode, Value)> {
    let mut answers = Vec::new();
    for form in forms {
        let (status, answer) = submit(app, form).await;
        answers.push((status, answer["error"].clone()));
    }
    answers
}

/// The web form's answer tells nothing of the address: one with a pending booking gets
/// the same answer as a new one, and the mail to it (never the page) carries its receipt.
/// Such probes count against the address's forms like new requests.
async fn a_pending_address_is_answered_as_any_other_and_mailed_its_receipt(backend: Backend) {
    let smtp = SmtpSink::start();
    let (app, _) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 2)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let ayu = "ayu@tamu.example";
    let (status, answer) =
        submit(&app, web_form("Ayu", ayu, "Deluxe", days_from_today(3), 2)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let token = confirmation_token(&smtp.wait_for(ayu, 1).await[0]);
    let (status, held) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    let receipt = held["receipt"].as_str().unwrap().to_owned();
    smtp.wait_for(ayu, 2).await;

    // Someone else types Ayu's address, then a new one: the same answer to both.
    let stranger = "baru@tamu.example";
    let (probe_status, probe) = submit(
        &app,
        web_form("Orang Lain", ayu, "Deluxe", days_from_today(10), 1),
    )
    .await;
    let (fresh_status, fresh) = submit(
        &app,
        web_form("Orang Lain", stranger, "Deluxe", days_from_today(10), 1),
    )
    .await;
    assert_eq!(
        (probe_status, fresh_status),
        (StatusCode::OK, StatusCode::OK),
        "{probe} {fresh}"
    );
    assert_eq!(
        probe.to_string().replace(ayu, "<address>"),
        fresh.to_string().replace(stranger, "<address>")
    );
    assert!(!probe.to_string().contains("RESI"), "{probe}");

    // Ayu is mailed her booking's receipt and how to pay, with no link; nothing new is
    // requested or held for her.
    let mails = smtp.wait_for(ayu, 3).await;
    let text = mails[2]["text"].as_str().unwrap();
    assert!(
        text.contains(&receipt) && text.contains("QRIS") && !text.contains("#confirm="),
        "{text}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM booking_requests WHERE email = '{ayu}'"
        ))
        .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bookings").await, 1);

    // Her form and the probe counted: one more probe passes, the next is refused.
    let probes = (11..=12)
        .map(|day| web_form("Orang Lain", ayu, "Deluxe", days_from_today(day), 1))
        .collect();
    assert_eq!(
        submit_each(&app, probes).await,
        [
            (StatusCode::OK, Value::Null),
            (StatusCode::TOO_MANY_REQUESTS, json!("too_many"))
        ]
    );
    app.finish().await;
}

/// An address is counted without its `+tag` and case: four spellings of one mailbox are
/// one address, and the fourth form is refused. Each mail goes to the address as typed.
async fn an_address_is_counted_without_its_tag_or_case(backend: Backend) {
    let smtp = SmtpSink::start();
    let (app, _) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 2)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let spellings = [
        "ayu+1@x.example",
        "AYU+2@x.example",
        "ayu@x.example",
        "ayu+3@x.example",
    ];
    let forms = spellings
        .iter()
        .map(|email| web_form("Ayu", email, "Deluxe", days_from_today(5), 1))
        .collect();
    assert_eq!(
        submit_each(&app, forms).await,
        [
            (StatusCode::OK, Value::Null),
            (StatusCode::OK, Value::Null),
            (StatusCode::OK, Value::Null),
            (StatusCode::TOO_MANY_REQUESTS, json!("too_many"))
        ]
    );
    smtp.wait_for("ayu+2@x.example", 1).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_requests").await, 3);
    app.finish().await;
}

/// All forms together mail at most `booking.mails_per_hour` an hour: with 5, the sixth and
/// seventh addresses are refused, the same as a busy address.
async fn the_web_form_mails_at_most_mails_per_hour(backend: Backend) {
    let smtp = SmtpSink::start();
    let (app, _) = spawn_web_hotel_with(
        backend,
        &smtp,
        &[("Deluxe", 2)],
        Duration::from_secs(2 * 3600),
        |booking| booking.mails_per_hour = 5,
    )
    .await;
    let forms = (1..=7)
        .map(|guest| {
            let email = format!("tamu{guest}@tamu.example");
            web_form("Tamu", &email, "Deluxe", days_from_today(5), 1)
        })
        .collect();
    let mut expected = vec![(StatusCode::OK, Value::Null); 5];
    expected.extend(vec![(StatusCode::TOO_MANY_REQUESTS, json!("too_many")); 2]);
    assert_eq!(submit_each(&app, forms).await, expected);
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_requests").await, 5);
    smtp.wait_for("tamu5@tamu.example", 1).await;
    app.finish().await;
}

/// Forty forms for one address sent at once cannot outrun the count: three are accepted
/// (the limit per address), the rest refused, and three requests stored.
async fn forms_sent_at_once_pass_the_throttle_at_most_its_limit(backend: Backend) {
    const FORMS: usize = 40;
    let smtp = SmtpSink::start();
    let (app, _) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 2)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let url = format!("{}/api/booking", app.http_url());
    let form = web_form("Ayu", "ayu@tamu.example", "Deluxe", days_from_today(5), 1);
    let mut forms = tokio::task::JoinSet::new();
    for _ in 0..FORMS {
        let (url, form) = (url.clone(), form.clone());
        forms.spawn(async move {
            let response = reqwest::Client::new()
                .post(url)
                .json(&form)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let answer: Value = response.json().await.unwrap();
            (status, answer["error"].clone())
        });
    }
    let answers = forms.join_all().await;
    let accepted = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    let refused = answers
        .iter()
        .filter(|answer| **answer == (StatusCode::TOO_MANY_REQUESTS, json!("too_many")))
        .count();
    assert_eq!((accepted, refused), (3, FORMS - 3), "{answers:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_requests").await, 3);
    app.finish().await;
}

async fn without_mail_the_web_form_offers_telegram_only(backend: Backend) {
    let (app, _) = spawn_hotel(
        backend,
        &[("Deluxe", 1)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let (status, form) = call(&app, "GET", "/booking", None, None).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    assert_eq!(form["web"], false);
    let (status, answer) = submit(
        &app,
        web_form("Ayu", "ayu@tamu.example", "Deluxe", days_from_today(1), 1),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    // The page itself is there, for the Telegram path.
    let page = reqwest::get(format!("{}/booking", app.http_url()))
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Booking lewat"));
}

async fn the_booking_page_lists_and_decides_for_the_front_office_only(backend: Backend) {
    let (app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 2)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let (fo, staff, admin) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Rudi", Some("rudi")),
        app.fake.user("Sari", Some("sari")),
    );
    for (user, login, role) in [
        (&fo, "fitri", Role::Staff),
        (&staff, "rudi", Role::Staff),
        (&admin, "sari", Role::Admin),
    ] {
        register_account(&app, user, login, PASSWORD, role, AccountState::Active).await;
    }
    join_front_office(&app, fo_chat, &fo).await;
    let mut receipts = Vec::new();
    for guest in ["Ayu Lestari", "Dodi"] {
        let held = book_in_telegram(&app, guest, days_from_today(2), "Deluxe").await;
        receipts.push(receipt_in(&held));
    }
    let (fo_session, staff_session, admin_session) = (
        log_in(&app, "fitri", PASSWORD).await,
        log_in(&app, "rudi", PASSWORD).await,
        log_in(&app, "sari", PASSWORD).await,
    );

    // Staff outside the FO chat: for them there are no bookings, and nothing to decide.
    for (method, path) in [
        ("GET", "/bookings".to_owned()),
        ("POST", "/bookings/1/paid".to_owned()),
    ] {
        let (status, answer) = call(&app, method, &path, Some(&staff_session), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
    }
    let (status, _) = call(&app, "GET", "/bookings", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The FO see the pending ones, soonest deadline first, and find one by receipt or name.
    let (status, list) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let shown: Vec<&str> = list["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["receipt"].as_str().unwrap())
        .collect();
    assert_eq!(shown, receipts);
    assert_eq!(
        list["counts"],
        json!({ "pending": 2, "paid": 0, "cancelled": 0 })
    );
    assert_eq!(
        list["bookings"][0]["check_out"],
        date_text(days_from_today(3))
    );
    let id_of = |n: usize| list["bookings"][n]["id"].as_i64().unwrap();
    for (query, found) in [
        (receipts[1].to_lowercase(), vec![receipts[1].as_str()]),
        ("lestari".to_owned(), vec![receipts[0].as_str()]),
        ("%".to_owned(), vec![]),
        ("' OR '1'='1".to_owned(), vec![]),
    ] {
        let path = format!(
            "/bookings?{}",
            serde_urlencoded::to_string([("status", "pending"), ("q", query.as_str())]).unwrap()
        );
        let (status, answer) = call(&app, "GET", &path, Some(&fo_session), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {answer}");
        let receipts: Vec<&str> = answer["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["receipt"].as_str().unwrap())
            .collect();
        assert_eq!(receipts, found, "{query}");
    }
    for bad in [
        "/bookings?status=maybe",
        &format!("/bookings?q={}", "a".repeat(65)),
    ] {
        let (status, answer) = call(&app, "GET", bad, Some(&fo_session), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }

    // Paid by the FO; the admin's later try is told who did it. Cancelled by the admin.
    let paid = format!("/bookings/{}/paid", id_of(0));
    let (status, answer) = call(&app, "POST", &paid, Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "paid");
    let cancel_paid = format!("/bookings/{}/cancel", id_of(0));
    for (language, says) in [
        (None, "sudah LUNAS oleh Fitri"),
        (Some("en"), "was already marked paid by Fitri"),
    ] {
        let (status, answer) = call_in(
            &app,
            language,
            "POST",
            &cancel_paid,
            Some(&admin_session),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains(says), "{answer}");
        assert_eq!(
            message.matches("Fitri").count(),
            1,
            "one language: {answer}"
        );
    }
    let (status, answer) = call(
        &app,
        "POST",
        &format!("/bookings/{}/cancel", id_of(1)),
        Some(&admin_session),
        None,
    )
    .await;
    assert_eq!(
        (status, &answer["status"]),
        (StatusCode::OK, &json!("cancelled")),
        "{answer}"
    );
    for path in [
        format!("/bookings/{}/refund", id_of(1)),
        "/bookings/999999/paid".to_owned(),
    ] {
        let (status, answer) = call(&app, "POST", &path, Some(&admin_session), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
    }
    let (_, list) = call(
        &app,
        "GET",
        "/bookings?status=paid",
        Some(&admin_session),
        None,
    )
    .await;
    assert_eq!(
        list["counts"],
        json!({ "pending": 0, "paid": 1, "cancelled": 1 })
    );
    assert_eq!(list["bookings"][0]["decided_by"], "Fitri (@fitri)");
    // The FO chat heard of both, as when decided in Telegram.
    let told = app.fake.wait_for_bot_messages(fo_chat, 4, PATIENCE).await;
    assert!(
        told.iter()
            .any(|m| m.text.contains(&receipts[0]) && m.text.contains("LUNAS")),
        "{told:?}"
    );
}

async fn a_guests_name_and_contact_are_erased_after_the_stay(backend: Backend) {
    let (app, _) = spawn_hotel(
        backend,
        &[("Deluxe", 1)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let ayu = app.fake.user("Ayu", None);
    say(&app, &ayu, "/booking").await;
    say(&app, &ayu, "Ayu Lestari").await;
    say(&app, &ayu, &date_text(days_from_today(1))).await;
    say(&app, &ayu, "2").await;
    let held = say(&app, &ayu, "Deluxe").await;
    assert!(held.text.contains("RESI-"), "{}", held.text);

    // While the booking is pending only one of its hold's timers is set (a later
    // check-in's: the reminder on the day, which sets the end's); the decision (here the
    // hold running out, its timer moved to now) sets the erasure's.
    assert_eq!(
        app.rows("SELECT kind FROM timers WHERE kind LIKE 'booking%'")
            .await,
        [[Some("booking_reminder".to_owned())]]
    );
    sqlx::query("UPDATE timers SET kind = 'booking_expiry' WHERE kind = 'booking_reminder'")
        .execute(app.db.pool())
        .await
        .unwrap();
    fire_now(&app, "booking_expiry").await;
    app.wait_for_count(
        "SELECT COUNT(*) FROM timers WHERE kind = 'booking_erase'",
        1,
    )
    .await;
    // Due 90 days (booking.erase_after) after the check-out day begins at the hotel.
    let check_out = days_from_today(3)
        .midnight()
        .assume_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap());
    assert_eq!(
        app.count("SELECT due_at FROM timers WHERE kind = 'booking_erase'")
            .await,
        check_out.unix_timestamp() * 1000 + 90 * 86_400_000
    );
    // Its time come (moved to now), the name and the Telegram id go; the booking stays.
    fire_now(&app, "booking_erase").await;
    app.wait_for_count(
        "SELECT COUNT(*) FROM bookings WHERE erased_at IS NOT NULL AND guest_name IS NULL \
         AND telegram_id IS NULL AND email IS NULL AND status = 'cancelled'",
        1,
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE room_type_id IS NOT NULL AND nights = 2")
            .await,
        1,
        "kept for counts"
    );
}

/// Moves the timers of `kind` to now, as if their time had come.
async fn fire_now(app: &TestApp, kind: &str) {
    sqlx::query("UPDATE timers SET due_at = 0 WHERE kind = $1")
        .bind(kind)
        .execute(app.db.pool())
        .await
        .unwrap();
}

/// Books one night of `room_type` for `guest` in the private chat; the bot's last answer.
async fn book_as(app: &TestApp, guest: &SimUser, check_in: Date, room_type: &str) -> String {
    for text in ["/booking", &guest.first_name, &date_text(check_in), "1"] {
        say(app, guest, text).await;
    }
    say(app, guest, room_type).await.text
}

/// The same for a new guest called `name`.
async fn book_in_telegram(app: &TestApp, name: &str, check_in: Date, room_type: &str) -> String {
    book_as(app, &app.fake.user(name, None), check_in, room_type).await
}

/// The receipt number a held answer gives.
fn receipt_in(held: &str) -> String {
    held.split_whitespace()
        .find(|word| word.starts_with("RESI-"))
        .unwrap_or_else(|| panic!("no receipt in {held}"))
        .to_owned()
}

/// `user` joins the FO chat, and the membership cache knows it.
async fn join_front_office(app: &TestApp, fo_chat: i64, user: &SimUser) {
    app.fake.join_group(fo_chat, user);
    app.wait_for_count("SELECT COUNT(*) FROM group_members WHERE is_member = 1", 1)
        .await;
}

async fn owners_and_admins_set_the_rooms_never_below_what_is_booked(backend: Backend) {
    let (mut app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 2)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let (fo, admin) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Sari", Some("sari")),
    );
    register_account(
        &app,
        &fo,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    register_account(
        &app,
        &admin,
        "sari",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fo).await;
    let night = days_from_today(2);
    for guest in ["Ayu", "Dodi"] {
        assert!(book_in_telegram(&app, guest, night, "Deluxe")
            .await
            .contains("RESI-"));
    }
    let rani = app.fake.user("Rani", None);
    for text in ["/booking", "Rani", &date_text(night)] {
        say(&app, &rani, text).await;
    }
    let full = say(&app, &rani, "1").await;
    assert!(
        full.text.contains("Semua kamar penuh"),
        "both rooms taken: {}",
        full.text
    );
    let (fo_session, admin_session) = (
        log_in(&app, "fitri", PASSWORD).await,
        log_in(&app, "sari", PASSWORD).await,
    );

    // The FO work bookings but do not set rooms: for them the types are not there.
    let (_, list) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert!(list.get("room_types").is_none(), "{list}");
    let (_, list) = call(&app, "GET", "/bookings", Some(&admin_session), None).await;
    let deluxe = list["room_types"][0].clone();
    assert_eq!(
        (&deluxe["name"], &deluxe["rooms"]),
        (&json!("Deluxe"), &json!(2))
    );
    let path = format!("/room_types/{}", deluxe["id"]);
    let (status, _) = call(
        &app,
        "PUT",
        &path,
        Some(&fo_session),
        Some(json!({ "rooms": 5 })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Never below the rooms booked on a night to come; never out of range.
    let (status, answer) = call(
        &app,
        "PUT",
        &path,
        Some(&admin_session),
        Some(json!({ "rooms": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains(&format!("Pada {}", date_text(night))),
        "{answer}"
    );
    for rooms in [json!(-1), json!(10_001), json!("tiga")] {
        let (status, answer) = call(
            &app,
            "PUT",
            &path,
            Some(&admin_session),
            Some(json!({ "rooms": rooms })),
        )
        .await;
        assert!(status.is_client_error(), "{rooms}: {answer}");
    }
    let (status, answer) = call(
        &app,
        "PUT",
        &path,
        Some(&admin_session),
        Some(json!({ "rooms": 3 })),
    )
    .await;
    assert_eq!(
        (status, &answer["rooms"]),
        (StatusCode::OK, &json!(3)),
        "{answer}"
    );
    assert!(
        book_in_telegram(&app, "Rani", night, "Deluxe")
            .await
            .contains("RESI-"),
        "the third room is booked"
    );

    // A new type, once; names checked.
    let (status, added) = call(
        &app,
        "POST",
        "/room_types",
        Some(&admin_session),
        Some(json!({ "name": "  Suite   Keluarga ", "rooms": 1 })),
    )
    .await;
    assert_eq!(
        (status, &added["name"]),
        (StatusCode::OK, &json!("Suite Keluarga")),
        "{added}"
    );
    for (name, expected) in [
        ("suite keluarga", StatusCode::CONFLICT),
        ("", StatusCode::BAD_REQUEST),
        ("/start", StatusCode::BAD_REQUEST),
        (&"x".repeat(41), StatusCode::BAD_REQUEST),
    ] {
        let (status, answer) = call(
            &app,
            "POST",
            "/room_types",
            Some(&admin_session),
            Some(json!({ "name": name, "rooms": 1 })),
        )
        .await;
        assert_eq!(status, expected, "{name}: {answer}");
    }
    assert!(
        book_in_telegram(&app, "Budi", night, "suite keluarga")
            .await
            .contains("RESI-"),
        "the new type is offered"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('room_type_rooms', 'room_type_added') \
             AND actor LIKE 'Sari%'"
        )
        .await,
        2
    );

    // A restart reads the settings file again: its number for Deluxe (2) has not changed
    // since it was last read, so the Mini App's 3 stands.
    app.restart().await;
    assert_eq!(
        app.count("SELECT rooms FROM room_types WHERE name = 'Deluxe'")
            .await,
        3
    );
}

/// The hold given to booking `receipt`, in ms, and its warning's lead (0: none).
async fn hold_of(app: &TestApp, receipt: &str) -> (i64, i64) {
    let hold = app
        .count(&format!(
            "SELECT hold_until - created_at FROM bookings WHERE receipt = '{receipt}'"
        ))
        .await;
    let warn = app
        .count(&format!(
            "SELECT COALESCE(MAX(b.hold_until - t.due_at), 0) FROM bookings b \
             LEFT JOIN timers t ON t.entity = b.id AND t.kind = 'booking_warning' \
             WHERE b.receipt = '{receipt}'"
        ))
        .await;
    (hold, warn)
}

async fn settings_of(app: &TestApp, session: &str) -> Value {
    let (status, list) = call(app, "GET", "/bookings", Some(session), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["settings"].clone()
}

async fn owners_and_admins_change_the_hotels_settings_and_the_next_booking_follows(
    backend: Backend,
) {
    const MINUTE: i64 = 60_000;
    let (mut app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 10)],
        Duration::from_secs(3600),
        Duration::from_secs(600),
    )
    .await;
    let (fo, staff, admin) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Budi", Some("budi")),
        app.fake.user("Sari", Some("sari")),
    );
    for (user, login, role) in [
        (&fo, "fitri", Role::Staff),
        (&staff, "budi", Role::Staff),
        (&admin, "sari", Role::Admin),
    ] {
        register_account(&app, user, login, PASSWORD, role, AccountState::Active).await;
    }
    join_front_office(&app, fo_chat, &fo).await;
    // Same-day check-ins, held for the hold.
    let night = today();
    let before = receipt_in(&book_in_telegram(&app, "Ayu", night, "Deluxe").await);
    assert_eq!(hold_of(&app, &before).await, (60 * MINUTE, 10 * MINUTE));
    let (fo_session, staff_session, admin_session) = (
        log_in(&app, "fitri", PASSWORD).await,
        log_in(&app, "budi", PASSWORD).await,
        log_in(&app, "sari", PASSWORD).await,
    );

    // Owners and admins see the settings as the file gave them; the FO work bookings but
    // do not see or change them; for plain staff the page is not there at all.
    let file_settings = json!({
        "hotel_name": "Hotel Melati",
        "hold": "1h",
        "warn_before": "10m",
        "staff_chat": fo_chat,
        "book_ahead_days": 60,
        "payment_text": "",
    });
    assert_eq!(settings_of(&app, &admin_session).await, file_settings);
    let (_, list) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert!(list.get("settings").is_none(), "{list}");
    for session in [&fo_session, &staff_session] {
        let (status, answer) = call(
            &app,
            "PUT",
            "/booking_settings",
            Some(session),
            Some(json!({ "hold": "3h" })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    }

    // Every bad value is refused, naming the field and saying why; nothing changes, also
    // not the good values sent with it.
    let long_name = "x".repeat(81);
    let long_text = "x".repeat(501);
    let english = |field: &str| match field {
        "hold" => "The hold is 1 second to 7 days",
        "warn_before" => "The warning must be shorter than the hold",
        "staff_chat" => "The FO chat must be a Telegram group's id",
        "book_ahead_days" => "Booking ahead is 1 to 730 days",
        "hotel_name" => "The hotel's name is 1 to 80 characters, on one line",
        _ => "The payment text is at most 500 characters",
    };
    for (change, field, why) in [
        (json!({ "hold": "soon" }), "hold", "Tulis durasi"),
        (
            json!({ "hold": "0" }),
            "hold",
            "Waktu tahan 1 detik sampai 7 hari",
        ),
        (json!({ "hold": "8days" }), "hold", "Waktu tahan"),
        (
            json!({ "warn_before": "1h" }),
            "warn_before",
            "lebih singkat dari waktu tahan (1h)",
        ),
        (
            json!({ "hold": "5m" }),
            "warn_before",
            "lebih singkat dari waktu tahan (5m)",
        ),
        (
            json!({ "staff_chat": 12345 }),
            "staff_chat",
            "ID grup Telegram",
        ),
        (
            json!({ "staff_chat": "grup FO" }),
            "staff_chat",
            "ID grup Telegram",
        ),
        (
            json!({ "book_ahead_days": 0 }),
            "book_ahead_days",
            "1–730 hari",
        ),
        (
            json!({ "book_ahead_days": 731 }),
            "book_ahead_days",
            "1–730 hari",
        ),
        (
            json!({ "book_ahead_days": "enam" }),
            "book_ahead_days",
            "1–730 hari",
        ),
        (
            json!({ "hotel_name": "   " }),
            "hotel_name",
            "Nama hotel 1–80 huruf",
        ),
        (
            json!({ "hotel_name": long_name }),
            "hotel_name",
            "Nama hotel",
        ),
        (
            json!({ "hotel_name": "Hotel\nMelati" }),
            "hotel_name",
            "satu baris",
        ),
        (
            json!({ "payment_text": long_text }),
            "payment_text",
            "Teks pembayaran paling panjang 500",
        ),
        (
            json!({ "hotel_name": "Hotel Baru", "payment_text": "Tunai", "hold": "lama" }),
            "hold",
            "Tulis durasi",
        ),
    ] {
        let english = if why == "Tulis durasi" {
            "Write a duration such as 90m, 2h or 1h30m"
        } else {
            english(field)
        };
        // Said in the language asked for, and only in it.
        for (language, says, not) in [(None, why, english), (Some("en"), english, why)] {
            let (status, answer) = call_in(
                &app,
                language,
                "PUT",
                "/booking_settings",
                Some(&admin_session),
                Some(change.clone()),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{change}: {answer}");
            assert_eq!(answer["field"], field, "{change}: {answer}");
            let message = answer["message"].as_str().unwrap();
            assert!(
                message.contains(says) && !message.contains(not),
                "{change} in {language:?}: {message}"
            );
        }
    }
    // erase_after stays file-only.
    let (status, _) = call(
        &app,
        "PUT",
        "/booking_settings",
        Some(&admin_session),
        Some(json!({ "erase_after": "1d" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(settings_of(&app, &admin_session).await, file_settings);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'booking_setting'";
    assert_eq!(app.count(audited).await, 0);

    // The admin changes hold, warning, name and payment text at once; the next booking
    // follows, at once, and texts go into Telegram's HTML as they were typed.
    let (status, saved) = call(
        &app,
        "PUT",
        "/booking_settings",
        Some(&admin_session),
        Some(json!({
            "hold": "180m",
            "warn_before": "30m",
            "hotel_name": "  Hotel <Melati> & Co ",
            "payment_text": "Transfer ke BCA 123 <b>sebelum</b> datang.",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let changed = json!({
        "hotel_name": "Hotel <Melati> & Co",
        "hold": "3h",
        "warn_before": "30m",
        "staff_chat": fo_chat,
        "book_ahead_days": 60,
        "payment_text": "Transfer ke BCA 123 <b>sebelum</b> datang.",
    });
    assert_eq!(saved, changed);
    assert_eq!(settings_of(&app, &admin_session).await, changed);
    let held = book_in_telegram(&app, "Dodi", night, "Deluxe").await;
    assert!(
        held.contains("Kamar Anda di Hotel <Melati> & Co kami tahan")
            && held.contains("Transfer ke BCA 123 <b>sebelum</b> datang."),
        "the guest's receipt names the new hotel name and payment text: {held}"
    );
    let after = receipt_in(&held);
    assert_eq!(hold_of(&app, &after).await, (180 * MINUTE, 30 * MINUTE));
    assert_eq!(
        hold_of(&app, &before).await,
        (60 * MINUTE, 10 * MINUTE),
        "a booking held before keeps its deadline"
    );
    let details = app
        .rows(
            "SELECT detail FROM audit_log WHERE action = 'booking_setting' \
             AND actor LIKE 'Sari%' ORDER BY id",
        )
        .await;
    let details: Vec<_> = details
        .into_iter()
        .map(|row| row[0].clone().unwrap())
        .collect();
    assert_eq!(
        details,
        [
            "hotel_name: Hotel Melati → Hotel <Melati> & Co",
            "hold: 1h → 3h",
            "warn_before: 10m → 30m",
            "payment_text: — → Transfer ke BCA 123 <b>sebelum</b> datang.",
        ]
    );

    // Without an FO chat its members are no longer the FO (owners and admins still are).
    let (status, saved) = call(
        &app,
        "PUT",
        "/booking_settings",
        Some(&admin_session),
        Some(json!({ "staff_chat": "" })),
    )
    .await;
    assert_eq!(
        (status, &saved["staff_chat"]),
        (StatusCode::OK, &Value::Null)
    );
    let (status, _) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        "PUT",
        "/booking_settings",
        Some(&admin_session),
        Some(json!({ "staff_chat": fo_chat })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK);

    // A restart keeps the Mini App's values: the file's have not changed since last read.
    app.restart().await;
    let admin_session = log_in(&app, "sari", PASSWORD).await;
    assert_eq!(settings_of(&app, &admin_session).await, changed);

    // A value changed in the file since wins; the others stay the Mini App's.
    let file = app.config.booking.as_mut().unwrap();
    file.settings.payment_text = "Bayar tunai di resepsionis.".into();
    file.settings.hold = Duration::from_secs(2 * 3600);
    app.restart().await;
    let admin_session = log_in(&app, "sari", PASSWORD).await;
    let settings = settings_of(&app, &admin_session).await;
    assert_eq!(
        (
            &settings["payment_text"],
            &settings["hold"],
            &settings["warn_before"],
            &settings["hotel_name"]
        ),
        (
            &json!("Bayar tunai di resepsionis."),
            &json!("2h"),
            &json!("30m"),
            &json!("Hotel <Melati> & Co")
        )
    );
    let held = book_in_telegram(&app, "Rani", night, "Deluxe").await;
    assert!(held.contains("Bayar tunai di resepsionis."), "{held}");
    assert_eq!(
        hold_of(&app, &receipt_in(&held)).await,
        (120 * MINUTE, 30 * MINUTE)
    );

    // A file's hold no longer than the Mini App's warning brings the file's warning too.
    app.config.booking.as_mut().unwrap().settings.hold = Duration::from_secs(20 * 60);
    app.restart().await;
    let admin_session = log_in(&app, "sari", PASSWORD).await;
    let settings = settings_of(&app, &admin_session).await;
    assert_eq!(
        (&settings["hold"], &settings["warn_before"]),
        (&json!("20m"), &json!("10m"))
    );
    app.finish().await;
}

/// `time` (`HH:MM`) on `date` in WIB, in Unix ms.
fn wib(date: Date, hour: u8, minute: u8) -> i64 {
    date.with_hms(hour, minute, 0)
        .unwrap()
        .assume_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
        .unix_timestamp()
        * 1000
}

/// The booking timer of `receipt` and when it is due.
async fn timer_of(app: &TestApp, receipt: &str) -> Vec<Vec<Option<String>>> {
    app.rows(&format!(
        "SELECT t.kind, t.due_at FROM timers t JOIN bookings b ON b.id = t.entity \
         WHERE t.kind LIKE 'booking%' AND b.receipt = '{receipt}'"
    ))
    .await
}

async fn a_later_check_in_is_held_until_its_release_and_its_guest_reminded(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (mut app, fo_chat) = spawn_hotel(backend, &[("Deluxe", 2)], 2 * hour, hour / 4).await;
    let ayu = app.fake.user("Ayu", None);
    let check_in = days_from_today(3);
    let held = book_as(&app, &ayu, check_in, "Deluxe").await;
    let receipt = receipt_in(&held);
    // Held until 18:00 (booking.release_at) on the check-in day, not two hours from now,
    // and the guest and the FO are told so.
    let release = wib(check_in, 18, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT hold_until FROM bookings WHERE receipt = '{receipt}'"
        ))
        .await,
        release
    );
    let deadline = format!("{} 18:00 WIB", date_text(check_in));
    assert!(held.contains(&deadline), "{held}");
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    assert!(
        announced[0].text.contains(&deadline),
        "{}",
        announced[0].text
    );
    // Its one timer: the reminder at 09:00 (booking.remind_at) on the day.
    assert_eq!(
        timer_of(&app, &receipt).await,
        [[
            Some("booking_reminder".into()),
            Some(wib(check_in, 9, 0).to_string())
        ]]
    );

    // A change of the release time applies to bookings held after it only.
    app.config.booking.as_mut().unwrap().release_at = time::macros::time!(20:00);
    app.restart().await;
    let rani = book_in_telegram(&app, "Rani", check_in, "Deluxe").await;
    assert!(
        rani.contains(&format!("{} 20:00 WIB", date_text(check_in))),
        "{rani}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT hold_until FROM bookings WHERE receipt = '{receipt}'"
        ))
        .await,
        release,
        "a booking held before keeps its deadline"
    );

    // The day come (the timer moved to now): Ayu is reminded, with the deadline, what to
    // pay and how to ask for more time; then the warning is set.
    let before = app.fake.bot_messages(ayu.id).len();
    sqlx::query("UPDATE timers SET due_at = 0 WHERE kind = 'booking_reminder' AND entity = (SELECT id FROM bookings WHERE receipt = $1)")
        .bind(&receipt)
        .execute(app.db.pool())
        .await
        .unwrap();
    let told = app
        .fake
        .wait_for_bot_messages(ayu.id, before + 1, PATIENCE)
        .await;
    let reminder = &told[before].text;
    for says in [
        "Hari ini Anda check-in",
        &receipt,
        &deadline,
        "Bayar tepat Rp450.000",
    ] {
        assert!(reminder.contains(says), "{says}: {reminder}");
    }
    app.wait_for_count(
        &format!(
            "SELECT COUNT(*) FROM timers WHERE kind = 'booking_warning' AND due_at = {}",
            release - 15 * 60_000
        ),
        1,
    )
    .await;
    // The warning goes to the FO and to the guest; then the end is set.
    fire_now(&app, "booking_warning").await;
    let told = app
        .fake
        .wait_for_bot_messages(ayu.id, before + 2, PATIENCE)
        .await;
    assert!(
        told[before + 1].text.contains("⏰") && told[before + 1].text.contains(&deadline),
        "{}",
        told[before + 1].text
    );
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.bot_messages(fo_chat).iter().any(
                |m| m.text.contains("Segera kedaluwarsa") && m.text.contains(&receipt)
            ))
            .await
    );
    app.wait_for_count(
        &format!(
            "SELECT COUNT(*) FROM timers WHERE kind = 'booking_expiry' AND due_at = {release}"
        ),
        1,
    )
    .await;
    fire_now(&app, "booking_expiry").await;
    app.wait_for_count(
        &format!(
            "SELECT COUNT(*) FROM bookings WHERE receipt = '{receipt}' AND status = 'cancelled'"
        ),
        1,
    )
    .await;
    // Each came once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ayus = app.fake.bot_messages(ayu.id);
    for once in ["Hari ini Anda check-in", "⏰", "otomatis dibatalkan"] {
        assert_eq!(
            ayus.iter().filter(|m| m.text.contains(once)).count(),
            1,
            "{once}"
        );
    }
    app.finish().await;
}

async fn prices_show_on_every_surface_and_a_change_follows_for_new_bookings_only(backend: Backend) {
    let smtp = SmtpSink::start();
    let (mut app, fo_chat) = spawn_web_hotel(
        backend,
        &smtp,
        &[("Deluxe", 3)],
        Duration::from_secs(2 * 3600),
    )
    .await;
    let (fo, admin) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Sari", Some("sari")),
    );
    register_account(
        &app,
        &fo,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    register_account(
        &app,
        &admin,
        "sari",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fo).await;
    let check_in = days_from_today(2);

    // The public page offers the price.
    let (_, form) = call(&app, "GET", "/booking", None, None).await;
    assert_eq!(form["prices"], json!({ "Deluxe": PRICE }));
    assert_eq!(form["release_at"], "18:00");

    // Two nights in Telegram: the receipt and the FO's announcement carry them.
    let ayu = app.fake.user("Ayu", None);
    for text in ["/booking", "Ayu", &date_text(check_in), "2"] {
        say(&app, &ayu, text).await;
    }
    let held = say(&app, &ayu, "Deluxe").await.text;
    assert!(held.contains("2 malam × Rp450.000 = Rp900.000"), "{held}");
    let ayus = receipt_in(&held);
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    assert!(
        announced[0].text.contains("Rp900.000"),
        "{}",
        announced[0].text
    );

    // Owners and admins set the price (the FO may not), in whole rupiah; audited.
    let (fo_session, admin_session) = (
        log_in(&app, "fitri", PASSWORD).await,
        log_in(&app, "sari", PASSWORD).await,
    );
    let (_, list) = call(&app, "GET", "/bookings", Some(&admin_session), None).await;
    let path = format!("/room_types/{}", list["room_types"][0]["id"]);
    assert_eq!(list["room_types"][0]["price"], PRICE);
    let (status, _) = call(
        &app,
        "PUT",
        &path,
        Some(&fo_session),
        Some(json!({ "price": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in [
        json!(-1),
        json!(1_000_000_001),
        json!("mahal"),
        json!(450.5),
    ] {
        let (status, answer) = call(
            &app,
            "PUT",
            &path,
            Some(&admin_session),
            Some(json!({ "price": bad })),
        )
        .await;
        assert!(status.is_client_error(), "{bad}: {answer}");
    }
    let (status, changed) = call(
        &app,
        "PUT",
        &path,
        Some(&admin_session),
        Some(json!({ "price": 500_000 })),
    )
    .await;
    assert_eq!(
        (status, &changed["price"], &changed["rooms"]),
        (StatusCode::OK, &json!(500_000), &json!(3)),
        "{changed}"
    );
    assert_eq!(
        app.rows("SELECT detail FROM audit_log WHERE action = 'room_type_price'")
            .await,
        [[Some("Deluxe: Rp450.000 → Rp500.000".to_owned())]]
    );

    // A web guest after the change: the page, the mail and the FO see the new price.
    let rani = "rani@tamu.example";
    let (status, _) = submit(&app, web_form("Rani", rani, "Deluxe", check_in, 1)).await;
    assert_eq!(status, StatusCode::OK);
    let token = confirmation_token(&smtp.wait_for(rani, 1).await[0]);
    let (_, held) = open_link(&app, &token).await;
    let text = held["text"].as_str().unwrap();
    assert!(
        text.contains("1 malam × Rp500.000 = Rp500.000") && text.contains("Bayar tepat Rp500.000"),
        "{text}"
    );
    let mails = smtp.wait_for(rani, 2).await;
    assert!(
        mails[1]["text"]
            .as_str()
            .unwrap()
            .contains("Bayar tepat Rp500.000"),
        "{}",
        mails[1]
    );

    // Ayu keeps the price she was held at, on the Booking page and in /cek_pembayaran.
    let (_, list) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    let totals: Vec<(Value, Value, Value)> = list["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["receipt"].clone(), b["price"].clone(), b["total"].clone()))
        .collect();
    assert!(
        totals.contains(&(json!(ayus), json!(PRICE), json!(900_000))),
        "{totals:?}"
    );
    let listed = say(&app, &fo, "/cek_pembayaran").await;
    assert!(
        listed.text.contains("Rp900.000") && listed.text.contains("Rp500.000"),
        "{}",
        listed.text
    );

    // A restart keeps the Mini App's price while the file's is unchanged; a price changed
    // in the file since wins.
    app.restart().await;
    assert_eq!(app.count("SELECT price FROM room_types").await, 500_000);
    app.config.booking.as_mut().unwrap().room_types[0].price = 475_000;
    app.restart().await;
    assert_eq!(app.count("SELECT price FROM room_types").await, 475_000);
    app.finish().await;
}

async fn an_fo_member_who_never_opened_the_mini_app_works_bookings(backend: Backend) {
    never_opened_the_mini_app(backend, |_| {}).await
}

/// Through the webhook, a front-office command is not processed as it is stored: Telegram
/// is asked about its sender first, as for updates fetched by polling.
async fn an_fo_member_who_never_opened_the_mini_app_works_bookings_through_the_webhook(
    backend: Backend,
) {
    never_opened_the_mini_app(backend, common::by_webhook).await
}

async fn never_opened_the_mini_app(backend: Backend, intake: impl FnOnce(&mut Config)) {
    let (app, fo_chat) = spawn_hotel_with(
        backend,
        &[("Deluxe", 2)],
        Duration::from_secs(3600),
        Duration::ZERO,
        intake,
    )
    .await;
    let (fitri, wulan) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Wulan", Some("wulan")),
    );
    for (user, login) in [(&fitri, "fitri"), (&wulan, "wulan")] {
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
    // Both were in the FO chat before Tangkap was: the bot never saw them join.
    app.fake
        .set_member_status(fo_chat, &fitri, MemberStatus::Member);
    app.fake
        .set_member_status(fo_chat, &wulan, MemberStatus::Administrator);
    let receipt = receipt_in(&book_in_telegram(&app, "Ayu", days_from_today(2), "Deluxe").await);

    // Fitri works in Telegram only, never having opened the Mini App.
    let list = say(&app, &fitri, "/cek_pembayaran@tangkap_bot").await;
    assert!(list.text.contains(&receipt), "{}", list.text);
    assert_eq!(list.callbacks.len(), 2, "Lunas and Batal");
    let paid = say(&app, &fitri, &format!("/update_paid {receipt}")).await;
    assert!(paid.text.contains("LUNAS"), "{}", paid.text);
    assert_eq!(
        app.rows("SELECT status, decided_by FROM bookings").await,
        [[Some("paid".to_owned()), Some("Fitri (@fitri)".to_owned())]]
    );

    // Wulan opens the Booking page; the bot has still not met the FO chat.
    let session = log_in(&app, "wulan", PASSWORD).await;
    let (status, list) = call(&app, "GET", "/bookings?status=paid", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        list["counts"],
        json!({ "pending": 0, "paid": 1, "cancelled": 0 })
    );
    app.finish().await;
}

async fn leaving_the_fo_chat_ends_booking_work_within_the_refresh_period(backend: Backend) {
    let refresh = Duration::from_secs(1);
    let (app, fo_chat) = spawn_hotel_with(
        backend,
        &[("Deluxe", 2)],
        Duration::from_secs(3600),
        Duration::ZERO,
        |config| config.membership_refresh = refresh,
    )
    .await;
    let fitri = app.fake.user("Fitri", Some("fitri"));
    register_account(
        &app,
        &fitri,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fitri).await;
    let receipt = receipt_in(&book_in_telegram(&app, "Ayu", days_from_today(2), "Deluxe").await);
    let list = say(&app, &fitri, "/cek_pembayaran").await;
    assert!(list.text.contains(&receipt), "{}", list.text);

    // Removed without a word to the bot (admins may hide join and leave messages), and with
    // no Mini App session for the background refresher to follow: once her answer is older
    // than the period, her next press and her next command are asked about.
    app.fake
        .set_member_status(fo_chat, &fitri, MemberStatus::Left);
    tokio::time::sleep(refresh + Duration::from_millis(200)).await;
    let before = app.fake.callback_answers().len();
    app.fake
        .press_button(fitri.id, list.message_id, &fitri, &list.callbacks[0].1)
        .unwrap();
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.callback_answers().len() > before)
            .await
    );
    let answer = app.fake.callback_answers()[before]
        .text
        .clone()
        .unwrap_or_default();
    assert!(answer.contains("hanya untuk FO"), "{answer}");
    tokio::time::sleep(refresh + Duration::from_millis(200)).await;
    let refused = say(&app, &fitri, &format!("/update_paid {receipt}")).await;
    assert!(refused.text.contains("hanya untuk FO"), "{}", refused.text);
    assert_eq!(
        app.rows("SELECT status FROM bookings").await,
        [[Some("pending".to_owned())]]
    );
    assert!(app.fake.stats().calls["getchatmember"] >= 2);
    app.finish().await;
}

async fn fo_membership_telegram_cannot_confirm_decides_nothing(backend: Backend) {
    let refresh = Duration::from_secs(1);
    let (app, fo_chat) = spawn_hotel_with(
        backend,
        &[("Deluxe", 2)],
        Duration::from_secs(3600),
        Duration::ZERO,
        |config| config.membership_refresh = refresh,
    )
    .await;
    let (fitri, wulan) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Wulan", Some("wulan")),
    );
    for (user, login) in [(&fitri, "fitri"), (&wulan, "wulan")] {
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
    // Wulan's membership is known from her joining; Fitri's was never asked.
    join_front_office(&app, fo_chat, &wulan).await;
    app.fake
        .set_member_status(fo_chat, &fitri, MemberStatus::Member);
    let receipt = receipt_in(&book_in_telegram(&app, "Ayu", days_from_today(2), "Deluxe").await);
    tokio::time::sleep(refresh + Duration::from_millis(200)).await;
    app.fake
        .inject(Some("getChatMember"), 1_000, Fault::Status(502));

    // With no answer at all, Fitri is told to try again, neither listed nor refused, in
    // Telegram and on the Booking page.
    for text in [
        "/cek_pembayaran".to_owned(),
        format!("/update_paid {receipt}"),
    ] {
        let answer = say(&app, &fitri, &text).await;
        assert!(
            answer.text.contains("belum bisa diperiksa") && answer.callbacks.is_empty(),
            "{text}: {}",
            answer.text
        );
    }
    let session = log_in(&app, "fitri", PASSWORD).await;
    let (status, answer) = call(&app, "GET", "/bookings", Some(&session), None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("membership_unchecked")
        ),
        "{answer}"
    );
    assert_eq!(
        app.rows("SELECT status FROM bookings").await,
        [[Some("pending".to_owned())]]
    );
    // Wulan's answer, older than the period, stands while Telegram cannot be asked.
    let list = say(&app, &wulan, "/cek_pembayaran").await;
    assert!(list.text.contains(&receipt), "{}", list.text);
    assert!(app.fake.stats().faults_injected >= 3);
    app.finish().await;
}

/// The hotel of the location tests, and a rule of the seed's: 10 km, 30 minutes, twice.
const HOTEL_AT: (f64, f64) = (-6.2, 106.816);

fn location_rule() -> tangkap::booking::config::LocationRule {
    tangkap::booking::config::LocationRule {
        hotel: HOTEL_AT,
        radius_m: 10_000,
        extend_by: Duration::from_secs(30 * 60),
        max_extensions: 2,
    }
}

/// A position `km` north of the hotel, `accuracy` metres precise.
fn north_of_hotel(km: f64, accuracy: Option<f64>, live: bool) -> SimPosition {
    SimPosition {
        latitude: HOTEL_AT.0 + km / 111.195,
        longitude: HOTEL_AT.1,
        horizontal_accuracy: accuracy,
        live_period: live.then_some(3600),
    }
}

/// Moves booking `receipt`'s hold timer of `kind` to now.
async fn fire_for(app: &TestApp, kind: &str, receipt: &str) {
    sqlx::query(
        "UPDATE timers SET due_at = 0 WHERE kind = $1 \
         AND entity = (SELECT id FROM bookings WHERE receipt = $2)",
    )
    .bind(kind)
    .bind(receipt)
    .execute(app.db.pool())
    .await
    .unwrap();
}

/// Booking `receipt`'s extensions once its expiry timer has been taken (extended: a new one
/// is set; not: the booking is cancelled).
async fn after_expiry(app: &TestApp, receipt: &str) -> (String, i64) {
    let settled = format!(
        "SELECT COUNT(*) FROM bookings b WHERE b.receipt = '{receipt}' AND (b.status = 'cancelled' \
         OR EXISTS (SELECT 1 FROM timers t WHERE t.entity = b.id AND t.kind = 'booking_expiry' \
         AND t.due_at > 0))"
    );
    app.wait_for_count(&settled, 1).await;
    let row = app
        .rows(&format!(
            "SELECT status, extensions FROM bookings WHERE receipt = '{receipt}'"
        ))
        .await;
    (
        row[0][0].clone().unwrap(),
        row[0][1].clone().unwrap().parse().unwrap(),
    )
}

async fn a_guest_on_the_way_keeps_the_room_a_while_longer(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (app, fo_chat) = spawn_hotel_with(
        backend,
        &[("Deluxe", 5)],
        2 * hour,
        Duration::ZERO,
        |config| {
            config.booking.as_mut().unwrap().location = Some(location_rule());
        },
    )
    .await;
    let guests: Vec<SimUser> = ["Ayu", "Budi", "Citra", "Dewi"]
        .iter()
        .map(|name| app.fake.user(name, None))
        .collect();
    let [ayu, budi, citra, dewi] = &guests[..] else {
        unreachable!()
    };
    let mut receipts = Vec::new();
    for guest in [ayu, budi, citra, dewi] {
        let before = app.fake.bot_messages(guest.id).len();
        let held = book_as(&app, guest, today(), "Deluxe").await;
        receipts.push(receipt_in(&held));
        // The receipt asks for the location with a button, and says what it is for.
        let receipt = &app.fake.bot_messages(guest.id)[before + 4];
        assert!(receipt.asks_location, "{receipt:?}");
        assert_eq!(receipt.answers, ["📍 Bagikan lokasi"]);
        assert!(
            receipt.text.contains("dalam 10 km dari hotel"),
            "{}",
            receipt.text
        );
    }
    let [ayus, budis, citras, dewis] = &receipts[..] else {
        unreachable!()
    };

    // Near: a live location 3 km away, precise.
    let shared = app
        .fake
        .send_location(ayu, north_of_hotel(3.0, Some(20.0), true));
    let noted = app.fake.wait_for_bot_messages(ayu.id, 6, PATIENCE).await;
    assert!(
        noted[5].text.contains("3 km dari hotel"),
        "{}",
        noted[5].text
    );
    // Approaching: from 30 km to 20 km by a live location's edits (no answer to those).
    let moving = app
        .fake
        .send_location(budi, north_of_hotel(30.0, Some(25.0), true));
    app.fake.move_live_location(
        budi,
        moving.message_id,
        north_of_hotel(20.0, Some(25.0), true),
    );
    // Stale: Citra's fix is 20 minutes old by the deadline.
    app.fake
        .send_location(citra, north_of_hotel(2.0, Some(10.0), false));
    // Imprecise: Dewi's 1.5 km uncertainty is not trusted.
    app.fake
        .send_location(dewi, north_of_hotel(1.0, Some(1_500.0), false));
    // The wrong person: a stranger near the hotel keeps nothing for anyone.
    let stranger = app.fake.user("Eko", None);
    app.fake
        .send_location(&stranger, north_of_hotel(0.5, Some(5.0), false));
    let told = app
        .fake
        .wait_for_bot_messages(stranger.id, 1, PATIENCE)
        .await;
    assert!(told[0].text.contains("tidak disimpan"), "{}", told[0].text);
    app.wait_for_count("SELECT COUNT(*) FROM booking_positions", 5)
        .await;
    sqlx::query(
        "UPDATE booking_positions SET at = at - 1200000 \
         WHERE booking_id = (SELECT id FROM bookings WHERE receipt = $1)",
    )
    .bind(citras)
    .execute(app.db.pool())
    .await
    .unwrap();

    // The holds run out (their timers moved to now).
    let deadline_of =
        |receipt: &str| format!("SELECT hold_until FROM bookings WHERE receipt = '{receipt}'");
    let ayus_deadline = app.count(&deadline_of(ayus)).await;
    for receipt in &receipts {
        fire_for(&app, "booking_expiry", receipt).await;
    }
    assert_eq!(after_expiry(&app, ayus).await, ("pending".into(), 1));
    assert_eq!(after_expiry(&app, budis).await, ("pending".into(), 1));
    assert_eq!(after_expiry(&app, citras).await, ("cancelled".into(), 0));
    assert_eq!(after_expiry(&app, dewis).await, ("cancelled".into(), 0));
    assert!(
        app.count(&deadline_of(ayus)).await >= ayus_deadline + 30 * 60_000,
        "extended by booking.extend_by"
    );
    // Guest and FO are told, with the distance; the FO see why.
    let ayu_told = app.fake.wait_for_bot_messages(ayu.id, 7, PATIENCE).await;
    assert!(
        ayu_told[6].text.contains("diperpanjang 30 menit") && ayu_told[6].text.contains("3 km"),
        "{}",
        ayu_told[6].text
    );
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| {
                let fo = fake.bot_messages(fo_chat);
                fo.iter().any(|m| {
                    m.text.contains(ayus.as_str())
                        && m.text.contains("Diperpanjang")
                        && m.text.contains("3 km")
                }) && fo.iter().any(|m| {
                    m.text.contains(budis.as_str())
                        && m.text.contains("20 km")
                        && m.text.contains("mendekat")
                })
            })
            .await,
        "{:?}",
        app.fake.bot_messages(fo_chat)
    );
    // The timeline keeps the distance; the positions of the decided bookings are gone.
    assert_eq!(
        app.rows(
            "SELECT b.receipt, e.detail FROM booking_events e JOIN bookings b ON b.id = e.booking_id \
             WHERE e.action = 'extended' ORDER BY b.receipt"
        )
        .await,
        [
            [Some(ayus.clone()), Some("3000 m".into())],
            [Some(budis.clone()), Some("20000 m, mendekat".into())],
        ]
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM booking_positions p JOIN bookings b ON b.id = p.booking_id \
             WHERE b.status <> 'pending'"
        )
        .await,
        0
    );
    // A position for a decided booking is not kept.
    let before = app.fake.bot_messages(citra.id).len();
    app.fake
        .send_location(citra, north_of_hotel(1.0, Some(10.0), false));
    let told = app
        .fake
        .wait_for_bot_messages(citra.id, before + 1, PATIENCE)
        .await;
    assert!(
        told[before].text.contains("tidak disimpan"),
        "{}",
        told[before].text
    );

    // Ayu's live location moves on; at most twice (booking.max_extensions), then her hold
    // ends however near she is.
    app.fake.move_live_location(
        ayu,
        shared.message_id,
        north_of_hotel(1.0, Some(20.0), true),
    );
    app.wait_for_count(
        "SELECT COUNT(*) FROM booking_positions WHERE distance_m BETWEEN 990 AND 1010",
        1,
    )
    .await;
    fire_for(&app, "booking_expiry", ayus).await;
    assert_eq!(after_expiry(&app, ayus).await, ("pending".into(), 2));
    fire_for(&app, "booking_expiry", ayus).await;
    assert_eq!(after_expiry(&app, ayus).await, ("cancelled".into(), 2));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM booking_positions p JOIN bookings b ON b.id = p.booking_id \
             WHERE b.receipt = '{ayus}'"
        ))
        .await,
        0,
        "her positions go with the decision"
    );
    app.finish().await;
}

async fn a_web_guests_browser_shares_where_they_are(backend: Backend) {
    let smtp = SmtpSink::start();
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let mut booking = hotel_config(
        fo_chat,
        &[("Deluxe", 2)],
        Duration::from_secs(2 * 3600),
        Duration::ZERO,
    );
    booking.location = Some(location_rule());
    let mail = tangkap::mail::MailSettings {
        via: tangkap::mail::MailVia::Smtp(tangkap::config::Secret::new(smtp.url())),
        from: "Hotel Melati <booking@melati.example>".into(),
    };
    let app = spawn_public_app(backend, move |config| {
        config.booking = Some(booking);
        config.mail = Some(mail);
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    let (_, form) = call(&app, "GET", "/booking", None, None).await;
    assert_eq!(form["location"], json!({ "every_minutes": 10 }));

    let rani = "rani@tamu.example";
    let mut english = web_form("Rani", rani, "Deluxe", today(), 1);
    english["lang"] = json!("en");
    let (status, _) = submit(&app, english).await;
    assert_eq!(status, StatusCode::OK);
    let token = confirmation_token(&smtp.wait_for(rani, 1).await[0]);
    let position = |token: &str, km: f64| {
        json!({
            "token": token,
            "latitude": HOTEL_AT.0 + km / 111.195,
            "longitude": HOTEL_AT.1,
            "accuracy": 35.0,
        })
    };
    // Before the link holds a booking, a position is not kept.
    let (status, answer) = call(
        &app,
        "POST",
        "/booking/position",
        None,
        Some(position(&token, 4.0)),
    )
    .await;
    assert_eq!(
        (status, &answer["error"]),
        (StatusCode::NOT_FOUND, &json!("link")),
        "{answer}"
    );
    let (status, held) = open_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{held}");
    // The held mail tells how to keep the room while on the way, in English.
    let mails = smtp.wait_for(rani, 2).await;
    assert!(
        mails[1]["text"]
            .as_str()
            .unwrap()
            .contains("Open the link in your confirmation mail again and allow location"),
        "{}",
        mails[1]
    );
    let (status, answer) = call(
        &app,
        "POST",
        "/booking/position",
        None,
        Some(position(&token, 4.0)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["distance_m"], 4000);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("4 km from the hotel"),
        "{answer}"
    );
    // A wrong token, or numbers that are no place, keep nothing.
    for (body, expected) in [
        (position(&"0".repeat(64), 1.0), StatusCode::NOT_FOUND),
        (
            json!({ "token": token, "latitude": 91.0, "longitude": 0.0 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({ "token": token, "latitude": "dekat", "longitude": 0.0 }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, answer) =
            call(&app, "POST", "/booking/position", None, Some(body.clone())).await;
        assert_eq!(status, expected, "{body}: {answer}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM booking_positions").await, 1);
    // At the deadline the browser's position extends the hold, and Rani is mailed why.
    fire_now(&app, "booking_expiry").await;
    let mails = smtp.wait_for(rani, 3).await;
    assert!(
        mails[2]["text"]
            .as_str()
            .unwrap()
            .contains("is extended by 30 minutes"),
        "{}",
        mails[2]
    );
    let fo = app.fake.wait_for_bot_messages(fo_chat, 2, PATIENCE).await;
    assert!(fo[1].text.contains("4 km"), "{}", fo[1].text);
    app.finish().await;
}

/// The bot's message `message_id` in `chat` as it stands now.
fn message_now(app: &TestApp, chat: i64, message_id: i32) -> tangkap::sim::SimMessage {
    app.fake
        .messages(chat)
        .into_iter()
        .find(|m| m.message_id == message_id)
        .unwrap()
}

/// Presses the button labelled `label` on message `message_id` in `user`'s private chat
/// (or `chat`), and returns the answer the presser is shown.
async fn press(app: &TestApp, chat: i64, message_id: i32, user: &SimUser, label: &str) -> String {
    let message = message_now(app, chat, message_id);
    let data = message
        .callbacks
        .iter()
        .find(|(text, _)| text == label)
        .unwrap_or_else(|| panic!("no {label:?} in {:?}", message.callbacks))
        .1
        .clone();
    let before = app.fake.callback_answers().len();
    app.fake
        .press_button(chat, message_id, user, &data)
        .unwrap();
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.callback_answers().len() > before)
            .await
    );
    app.fake.callback_answers()[before]
        .text
        .clone()
        .unwrap_or_default()
}

/// Waits until message `message_id` in `chat` satisfies `test`.
async fn wait_for_message(
    app: &TestApp,
    chat: i64,
    message_id: i32,
    test: impl Fn(&tangkap::sim::SimMessage) -> bool,
) -> tangkap::sim::SimMessage {
    let settled = app
        .fake
        .wait_until(PATIENCE, |_| test(&message_now(app, chat, message_id)))
        .await;
    let message = message_now(app, chat, message_id);
    assert!(settled, "{:?} {:?}", message.text, message.callbacks);
    message
}

fn labels(message: &tangkap::sim::SimMessage) -> Vec<String> {
    message
        .callbacks
        .iter()
        .map(|(text, _)| text.clone())
        .collect()
}

async fn the_dashboard_stays_current_and_asks_before_cancelling(backend: Backend) {
    let port = tangkap::sim::free_port();
    let public_url = format!("http://127.0.0.1:{port}");
    let url = public_url.clone();
    let (app, fo_chat) = spawn_hotel_with(
        backend,
        &[("Deluxe", 5)],
        Duration::from_secs(2 * 3600),
        Duration::ZERO,
        move |config| {
            config.listen = format!("127.0.0.1:{port}").parse().unwrap();
            config.public_url = Some(url);
        },
    )
    .await;
    let (fitri, sari) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Sari", Some("sari")),
    );
    register_account(
        &app,
        &fitri,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    register_account(
        &app,
        &sari,
        "sari",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fitri).await;
    let guests: Vec<SimUser> = ["Ayu", "Budi", "Citra"]
        .iter()
        .map(|name| app.fake.user(name, None))
        .collect();
    let mut receipts = Vec::new();
    for guest in &guests {
        receipts.push(receipt_in(&book_as(&app, guest, today(), "Deluxe").await));
    }
    let short: Vec<&str> = receipts.iter().map(|r| &r[r.len() - 3..]).collect();

    // The dashboard: a button to the Booking page, then each booking's buttons by receipt.
    let list = say(&app, &fitri, "/cek_pembayaran").await;
    assert!(list.text.contains("(3)"), "{}", list.text);
    assert_eq!(
        list.buttons,
        [(
            "🏨 Buka dashboard Booking".to_owned(),
            format!("{public_url}/?page=bookings")
        )]
    );
    assert_eq!(
        labels(&list),
        short
            .iter()
            .flat_map(|n| [format!("✅ Lunas {n}"), format!("✖️ Batal {n}")])
            .collect::<Vec<_>>()
    );
    let sari_list = say(&app, &sari, "/cek_pembayaran").await;

    // Lunas: both FO's lists are edited in place.
    let answer = press(
        &app,
        fitri.id,
        list.message_id,
        &fitri,
        &format!("✅ Lunas {}", short[0]),
    )
    .await;
    assert!(answer.contains("LUNAS"), "{answer}");
    for (chat, message) in [(fitri.id, list.message_id), (sari.id, sari_list.message_id)] {
        let edited = wait_for_message(&app, chat, message, |m| {
            m.text.contains("(2)") && !m.text.contains(&receipts[0])
        })
        .await;
        assert_eq!(edited.callbacks.len(), 4, "{:?}", edited.callbacks);
        assert_eq!(edited.buttons.len(), 1, "the dashboard's button stays");
    }

    // Batal asks first; "Jangan" leaves everything as it was.
    let answer = press(
        &app,
        fitri.id,
        list.message_id,
        &fitri,
        &format!("✖️ Batal {}", short[1]),
    )
    .await;
    assert!(
        answer.contains(&format!("Batalkan {}?", receipts[1])),
        "{answer}"
    );
    let asking = wait_for_message(&app, fitri.id, list.message_id, |m| {
        labels(m).contains(&format!("⚠️ Ya, batalkan {}", short[1]))
    })
    .await;
    assert!(labels(&asking).contains(&"↩️ Jangan".to_owned()));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM bookings WHERE status = 'cancelled'")
            .await,
        0,
        "nothing is cancelled before it is confirmed"
    );
    press(&app, fitri.id, list.message_id, &fitri, "↩️ Jangan").await;
    wait_for_message(&app, fitri.id, list.message_id, |m| {
        labels(m).contains(&format!("✖️ Batal {}", short[1]))
    })
    .await;
    press(
        &app,
        fitri.id,
        list.message_id,
        &fitri,
        &format!("✖️ Batal {}", short[1]),
    )
    .await;
    wait_for_message(&app, fitri.id, list.message_id, |m| {
        labels(m).contains(&format!("⚠️ Ya, batalkan {}", short[1]))
    })
    .await;
    let answer = press(
        &app,
        fitri.id,
        list.message_id,
        &fitri,
        &format!("⚠️ Ya, batalkan {}", short[1]),
    )
    .await;
    assert!(answer.contains("DIBATALKAN"), "{answer}");
    wait_for_message(&app, sari.id, sari_list.message_id, |m| {
        m.text.contains("(1)")
    })
    .await;

    // A decision in the Mini App edits the lists too.
    let session = log_in(&app, "sari", PASSWORD).await;
    let (_, pending) = call(&app, "GET", "/bookings", Some(&session), None).await;
    let citra_id = pending["bookings"][0]["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        "POST",
        &format!("/bookings/{citra_id}/paid"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let emptied = wait_for_message(&app, fitri.id, list.message_id, |m| {
        m.text.contains("Tidak ada booking yang menunggu")
    })
    .await;
    assert!(emptied.callbacks.is_empty(), "{:?}", emptied.callbacks);

    // A newer list retires the older one's buttons.
    let newer = say(&app, &fitri, "/cek_pembayaran").await;
    let retired = wait_for_message(&app, fitri.id, list.message_id, |m| {
        m.text.contains("sudah diganti")
    })
    .await;
    assert!(retired.buttons.is_empty() && retired.callbacks.is_empty());

    // Ayu's booking was marked paid by mistake: an owner or admin puts it back from the
    // FO chat's message, within 15 minutes; the FO may not.
    let paid_message = app
        .fake
        .bot_messages(fo_chat)
        .into_iter()
        .find(|m| m.text.contains(&receipts[0]) && m.text.contains("LUNAS"))
        .unwrap();
    let refused = press(
        &app,
        fo_chat,
        paid_message.message_id,
        &fitri,
        "↩️ Kembalikan ke PENDING",
    )
    .await;
    assert!(refused.contains("Hanya owner dan admin"), "{refused}");
    let ayu_before = app.fake.bot_messages(guests[0].id).len();
    let done = press(
        &app,
        fo_chat,
        paid_message.message_id,
        &sari,
        "↩️ Kembalikan ke PENDING",
    )
    .await;
    assert!(done.contains("kembali PENDING"), "{done}");
    let struck = wait_for_message(&app, fo_chat, paid_message.message_id, |m| {
        m.text.contains("Dikembalikan ke PENDING oleh Sari")
    })
    .await;
    assert!(struck.callbacks.is_empty(), "the button goes once used");
    wait_for_message(&app, fitri.id, newer.message_id, |m| {
        m.text.contains(&receipts[0])
    })
    .await;
    assert_eq!(
        app.rows(&format!(
            "SELECT b.status, a.detail FROM bookings b JOIN audit_log a ON a.detail = b.receipt \
             WHERE a.action = 'booking_paid_reverted' AND b.receipt = '{}'",
            receipts[0]
        ))
        .await,
        [[Some("pending".to_owned()), Some(receipts[0].clone())]]
    );
    // Paid again: the guest was told once, and is not told twice.
    let paid = say(&app, &fitri, &format!("/update_paid {}", receipts[0])).await;
    assert!(paid.text.contains("LUNAS"), "{}", paid.text);
    app.wait_for_count(
        &format!(
            "SELECT COUNT(*) FROM bookings WHERE receipt = '{}' AND status = 'paid'",
            receipts[0]
        ),
        1,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ayus = app.fake.bot_messages(guests[0].id);
    assert_eq!(
        ayus.iter()
            .filter(|m| m.text.contains("Pembayaran diterima"))
            .count(),
        1,
        "{:?}",
        &ayus[ayu_before.saturating_sub(1)..]
    );
    // Too late, or not allowed, from the Mini App: 409 with why, or not there at all.
    sqlx::query("UPDATE bookings SET decided_at = decided_at - 960000 WHERE id = $1")
        .bind(citra_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (status, answer) = call(
        &app,
        "POST",
        &format!("/bookings/{citra_id}/revert"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("15 menit"),
        "{answer}"
    );
    let fitri_session = log_in(&app, "fitri", PASSWORD).await;
    let (status, _) = call(
        &app,
        "POST",
        &format!("/bookings/{citra_id}/revert"),
        Some(&fitri_session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.finish().await;
}

/// Holds a room of `room_type` for `guest` called `name` directly (not through a
/// conversation), now: `check_in` may be in the past, as for a guest already in the house.
async fn hold_directly(
    app: &TestApp,
    guest: Guest,
    name: &str,
    room_type: &str,
    check_in: Date,
    nights: u32,
) -> booking::Booking {
    let mut tx = app.db.begin().await.unwrap();
    let hotel = app.config.hotel().unwrap().load(&mut tx).await.unwrap();
    let room_type = rooms::find_by_name(&mut tx, room_type)
        .await
        .unwrap()
        .unwrap();
    let new = NewBooking {
        guest_name: name.into(),
        guest,
        room_type_id: room_type.id,
        stay: Stay { check_in, nights },
        lang: Lang::Id,
        request_id: None,
    };
    let held = booking::hold(&mut tx, &hotel, &new, now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    held
}

/// Marks `booking` paid through the Booking page, as the account of `session`.
async fn mark_paid(app: &TestApp, session: &str, booking: &booking::Booking) {
    let path = format!("/bookings/{}/paid", booking.id);
    let (status, answer) = call(app, "POST", &path, Some(session), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// The receipts of a list of bookings as the API gives it.
fn receipts_of(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|b| b["receipt"].as_str().unwrap())
        .collect()
}

/// The front desk's day: who arrives today (paid and pending), who is in the house and who
/// leaves; a paid guest checked in with a room number by one of two FO pressing at once
/// (the other told who), a pending, early or past stay refused; checked out once, an early
/// departure giving its nights back; the guest's contact shown to those who work bookings,
/// and the desk's routes absent for other staff.
async fn the_front_desk_sees_its_day_and_checks_guests_in_and_out(backend: Backend) {
    let (app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 3), ("Suite", 1)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let (fo, staff, admin) = (
        app.fake.user("Fitri", Some("fitri")),
        app.fake.user("Rudi", Some("rudi")),
        app.fake.user("Sari", Some("sari")),
    );
    let fo_user = register_account(
        &app,
        &fo,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    register_account(
        &app,
        &staff,
        "rudi",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    register_account(
        &app,
        &admin,
        "sari",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fo).await;
    let (fo_session, staff_session, admin_session) = (
        log_in(&app, "fitri", PASSWORD).await,
        log_in(&app, "rudi", PASSWORD).await,
        log_in(&app, "sari", PASSWORD).await,
    );
    let (today, yesterday, tomorrow) = (today(), days_from_today(-1), days_from_today(1));
    let rina = hold_directly(&app, Guest::Telegram(7001), "Rina", "Deluxe", today, 2).await;
    let dodi = hold_directly(&app, Guest::Telegram(7002), "Dodi", "Deluxe", today, 1).await;
    let wati = hold_directly(
        &app,
        Guest::Email("wati@tamu.example".into()),
        "Wati",
        "Suite",
        yesterday,
        1,
    )
    .await;
    let yuni = hold_directly(&app, Guest::Telegram(7004), "Yuni", "Deluxe", yesterday, 1).await;
    let tono = hold_directly(&app, Guest::Telegram(7005), "Tono", "Deluxe", tomorrow, 1).await;
    for paid in [&rina, &wati, &yuni, &tono] {
        mark_paid(&app, &fo_session, paid).await;
    }
    // Wati came yesterday, to room 101 (checked in then, as the desk did).
    let mut tx = app.db.begin().await.unwrap();
    let hotel = app.config.hotel().unwrap().load(&mut tx).await.unwrap();
    booking::desk::check_in(
        &mut tx,
        &hotel,
        &fo_user,
        wati.id,
        Some("101"),
        now_ms() - 86_400_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Other staff: no desk; nobody logged out either.
    for (method, path) in [
        ("GET", "/bookings/today".to_owned()),
        ("GET", "/bookings/grid".to_owned()),
        ("POST", format!("/bookings/{}/check_in", rina.id)),
        ("POST", format!("/bookings/{}/check_out", wati.id)),
    ] {
        let (status, answer) = call(&app, method, &path, Some(&staff_session), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
        let (status, _) = call(&app, method, &path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }

    // The day: Rina (paid) and Dodi (pending) arrive; Wati is in and leaves today.
    let (status, day) = call(&app, "GET", "/bookings/today", Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert_eq!(day["date"], today.to_string());
    assert_eq!(
        receipts_of(&day["arrivals"]),
        [rina.receipt.as_str(), dodi.receipt.as_str()]
    );
    assert_eq!(
        (&day["arrivals"][0]["status"], &day["arrivals"][1]["status"]),
        (&json!("paid"), &json!("pending"))
    );
    assert_eq!(receipts_of(&day["in_house"]), [wati.receipt.as_str()]);
    assert_eq!(receipts_of(&day["departures"]), [wati.receipt.as_str()]);
    assert_eq!(day["in_house"][0]["room_no"], "101");
    assert_eq!(day["in_house"][0]["checked_in_by"], "Fitri (@fitri)");
    // With each one's price and total, and how to reach the guest: their Telegram chat or
    // their address, and nothing of either beside it.
    let arriving = &day["arrivals"][0];
    assert_eq!(
        (&arriving["price"], &arriving["total"]),
        (&json!(PRICE), &json!(2 * PRICE))
    );
    assert_eq!(
        arriving["contact"],
        json!({ "telegram": "tg://user?id=7001" })
    );
    assert_eq!(
        day["in_house"][0]["contact"],
        json!({ "email": "wati@tamu.example" })
    );
    for booking in day["arrivals"].as_array().unwrap() {
        assert!(
            booking.get("telegram_id").is_none() && booking.get("email").is_none(),
            "{booking}"
        );
    }
    // The list shows the contact to those who work bookings too; owners and admins also
    // get the groups the bot knows, to choose the FO chat from.
    let (_, list) = call(&app, "GET", "/bookings", Some(&fo_session), None).await;
    assert_eq!(
        list["bookings"][0]["contact"],
        json!({ "telegram": "tg://user?id=7002" })
    );
    assert!(list.get("groups").is_none(), "{list}");
    let (_, list) = call(&app, "GET", "/bookings", Some(&admin_session), None).await;
    assert_eq!(
        list["groups"],
        json!([{ "chat_id": fo_chat, "title": "FO Hotel Melati" }])
    );

    // Refused with why: not paid, too early, a stay over; a room number too long or with a
    // line break.
    let check_in = |booking: &booking::Booking| format!("/bookings/{}/check_in", booking.id);
    for (booking, indonesian, english) in [
        (&dodi, "belum lunas", "is not paid yet"),
        (&tono, "baru bisa check-in pada", "too early"),
        (&yuni, "sudah lewat", "is over"),
    ] {
        for (language, says, not) in [
            (None, indonesian, english),
            (Some("en"), english, indonesian),
        ] {
            let path = check_in(booking);
            let (status, answer) =
                call_in(&app, language, "POST", &path, Some(&fo_session), None).await;
            assert_eq!(status, StatusCode::CONFLICT, "{answer}");
            let message = answer["message"].as_str().unwrap();
            assert!(
                message.contains(says)
                    && !message.contains(not)
                    && message.contains(&booking.receipt),
                "{message}"
            );
        }
    }
    for room in ["x".repeat(17), "1\n2".to_owned()] {
        let (status, answer) = call(
            &app,
            "POST",
            &check_in(&rina),
            Some(&fo_session),
            Some(json!({ "room": room })),
        )
        .await;
        assert_eq!(
            (status, &answer["field"]),
            (StatusCode::BAD_REQUEST, &json!("room")),
            "{answer}"
        );
    }

    // Two at the desk press Check-in for Rina at once: one does it, the other is told who.
    let rina_in = check_in(&rina);
    let (first, second) = tokio::join!(
        call(
            &app,
            "POST",
            &rina_in,
            Some(&fo_session),
            Some(json!({ "room": " 204 " })),
        ),
        call(
            &app,
            "POST",
            &rina_in,
            Some(&admin_session),
            Some(json!({ "room": "205" })),
        ),
    );
    let (done, refused) = match (first.0, second.0) {
        (StatusCode::OK, StatusCode::CONFLICT) => (first.1, second.1),
        (StatusCode::CONFLICT, StatusCode::OK) => (second.1, first.1),
        other => panic!("one of two: {other:?} {} {}", first.1, second.1),
    };
    let by = done["checked_in_by"].as_str().unwrap();
    let room = done["room_no"].as_str().unwrap();
    assert!(["204", "205"].contains(&room), "trimmed: {done}");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("sudah check-in oleh {by}")) && message.contains(room),
        "{message}"
    );
    assert_eq!(done["contact"], json!({ "telegram": "tg://user?id=7001" }));

    let (_, day) = call(&app, "GET", "/bookings/today", Some(&fo_session), None).await;
    assert_eq!(receipts_of(&day["arrivals"]), [dodi.receipt.as_str()]);
    assert_eq!(
        receipts_of(&day["in_house"]),
        [wati.receipt.as_str(), rina.receipt.as_str()]
    );

    // Check-out: not before check-in; once.
    let check_out = |booking: &booking::Booking| format!("/bookings/{}/check_out", booking.id);
    let (status, answer) = call(&app, "POST", &check_out(&dodi), Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["message"]
        .as_str()
        .unwrap()
        .contains("belum check-in"));
    let (status, answer) = call(&app, "POST", &check_out(&wati), Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["checked_out_by"], "Fitri (@fitri)");
    let (status, answer) = call(&app, "POST", &check_out(&wati), Some(&admin_session), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("sudah check-out oleh Fitri (@fitri)"),
        "{answer}"
    );
    let (_, day) = call(&app, "GET", "/bookings/today", Some(&fo_session), None).await;
    assert_eq!(receipts_of(&day["in_house"]), [rina.receipt.as_str()]);
    assert_eq!(receipts_of(&day["departures"]), [wati.receipt.as_str()]);
    assert!(day["departures"][0]["checked_out_at"].is_i64());

    // Rina leaves a day early: her two nights go back to the free rooms.
    let grid = "/bookings/grid?days=2";
    let deluxe_taken = |grid: &Value| -> Vec<i64> {
        grid["types"][0]["nights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|night| night["taken"].as_i64().unwrap())
            .collect()
    };
    let (_, before) = call(&app, "GET", grid, Some(&fo_session), None).await;
    assert_eq!(
        deluxe_taken(&before),
        [2, 2],
        "Rina and Dodi, then Rina and Tono"
    );
    let (status, answer) = call(&app, "POST", &check_out(&rina), Some(&fo_session), None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (_, after) = call(&app, "GET", grid, Some(&fo_session), None).await;
    assert_eq!(deluxe_taken(&after), [1, 1], "Dodi, then Tono");

    // Each step recorded with who did it and the room, and told to the FO chat.
    assert_eq!(
        app.rows(&format!(
            "SELECT action, actor, detail FROM booking_events WHERE action IN \
             ('checked_in', 'checked_out') AND booking_id IN ({}, {}) ORDER BY id",
            wati.id, rina.id
        ))
        .await,
        [
            ["checked_in", "Fitri (@fitri)", "101"].map(|v| Some(v.to_owned())),
            [
                Some("checked_in".into()),
                Some(by.into()),
                Some(room.into())
            ],
            [
                Some("checked_out".into()),
                Some("Fitri (@fitri)".into()),
                None
            ],
            [
                Some("checked_out".into()),
                Some("Fitri (@fitri)".into()),
                None
            ],
        ]
    );
    let told = |fragment: String| {
        let app = &app;
        async move {
            assert!(
                app.fake
                    .wait_until(PATIENCE, |fake| fake
                        .bot_messages(fo_chat)
                        .iter()
                        .any(|m| m.text.contains(&fragment)))
                    .await,
                "{fragment}: {:?}",
                app.fake.bot_messages(fo_chat)
            );
        }
    };
    told(format!(
        "{} (Rina, Deluxe): CHECK-IN oleh {by}, kamar {room}",
        rina.receipt
    ))
    .await;
    told(format!(
        "{} (Wati, Suite, 101): CHECK-OUT oleh Fitri",
        wati.receipt
    ))
    .await;
    told("2 malam tersisa kembali tersedia".to_owned()).await;
    app.finish().await;
}

/// The grid: per room type and night from today (or `from`), the rooms taken by pending
/// and paid bookings and those free; a cancelled booking's night is free again; a bad date
/// or a number of days outside 1–31 is refused.
async fn the_grid_counts_the_free_rooms_of_each_type_night_by_night(backend: Backend) {
    let (app, fo_chat) = spawn_hotel(
        backend,
        &[("Deluxe", 2), ("Suite", 1)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let fo = app.fake.user("Fitri", Some("fitri"));
    register_account(
        &app,
        &fo,
        "fitri",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    join_front_office(&app, fo_chat, &fo).await;
    let session = log_in(&app, "fitri", PASSWORD).await;
    let telegram = |n: i64| Guest::Telegram(8000 + n);
    hold_directly(&app, telegram(1), "A", "Deluxe", days_from_today(1), 3).await;
    let paid = hold_directly(&app, telegram(2), "B", "Deluxe", days_from_today(2), 1).await;
    mark_paid(&app, &session, &paid).await;
    let cancelled = hold_directly(&app, telegram(3), "C", "Suite", today(), 1).await;
    let path = format!("/bookings/{}/cancel", cancelled.id);
    let (status, _) = call(&app, "POST", &path, Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    hold_directly(&app, telegram(4), "D", "Suite", days_from_today(20), 1).await;

    let (status, grid) = call(&app, "GET", "/bookings/grid", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{grid}");
    let days: Vec<String> = (0..14).map(|n| days_from_today(n).to_string()).collect();
    assert_eq!(
        (&grid["from"], &grid["days"]),
        (&json!(days[0]), &json!(days))
    );
    let counts = |grid: &Value, n: usize, what: &str| -> Vec<i64> {
        grid["types"][n]["nights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|night| night[what].as_i64().unwrap())
            .collect()
    };
    let deluxe = &grid["types"][0];
    assert_eq!(
        (&deluxe["name"], &deluxe["rooms"], &deluxe["price"]),
        (&json!("Deluxe"), &json!(2), &json!(PRICE))
    );
    assert_eq!(deluxe["nights"][2]["date"], days[2]);
    let mut taken = vec![0; 14];
    taken[1..4].copy_from_slice(&[1, 2, 1]);
    assert_eq!(counts(&grid, 0, "taken"), taken);
    assert_eq!(
        counts(&grid, 0, "free"),
        taken.iter().map(|t| 2 - t).collect::<Vec<_>>(),
        "full on the third night"
    );
    assert_eq!(grid["types"][1]["name"], "Suite");
    assert_eq!(
        counts(&grid, 1, "free"),
        [1; 14],
        "the cancelled night is free"
    );

    // Further on, and as many days as asked (at most 31).
    let path = format!("/bookings/grid?from={}&days=5", days_from_today(18));
    let (status, later) = call(&app, "GET", &path, Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{later}");
    assert_eq!(later["days"].as_array().unwrap().len(), 5);
    assert_eq!(counts(&later, 1, "taken"), [0, 0, 1, 0, 0]);
    let (status, longest) = call(&app, "GET", "/bookings/grid?days=31", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{longest}");
    assert_eq!(longest["types"][0]["nights"].as_array().unwrap().len(), 31);
    for bad in [
        "/bookings/grid?from=2026-13-01".to_owned(),
        format!("/bookings/grid?from={}", date_text(today())),
        "/bookings/grid?days=0".to_owned(),
        "/bookings/grid?days=32".to_owned(),
        "/bookings/grid?days=dua".to_owned(),
    ] {
        let (status, answer) = call(&app, "GET", &bad, Some(&session), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    app.finish().await;
}

/// With bookings on, the daily digest ends with tonight's occupancy and today's arrivals
/// and departures.
async fn the_daily_digest_tells_tonights_occupancy(backend: Backend) {
    let (mut app, _) = spawn_hotel(
        backend,
        &[("Deluxe", 4), ("Suite", 1)],
        Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let staff_chat = app.fake.group("Staf Operasional");
    app.config.staff_chat = Some(staff_chat);
    app.config.digest_at = time::Time::from_hms(17, 0, 0).ok();
    app.restart().await;
    for (n, room_type, check_in) in [
        (1, "Deluxe", today()),
        (2, "Deluxe", today()),
        (3, "Suite", days_from_today(1)),
    ] {
        hold_directly(
            &app,
            Guest::Telegram(9000 + n),
            "Tamu",
            room_type,
            check_in,
            1,
        )
        .await;
    }
    fire_now(&app, "daily_rekap").await;
    let told = app
        .fake
        .wait_for_bot_messages(staff_chat, 1, PATIENCE)
        .await;
    assert!(
        told[0].text.contains("Rekap tim")
            && told[0]
                .text
                .contains("Hunian malam ini: 2/5 kamar (40%), tiba hari ini: 2, pulang: 0"),
        "{}",
        told[0].text
    );
    app.finish().await;
}

async fn the_front_office_hears_indonesian_and_a_guest_their_own_language(backend: Backend) {
    let hour = Duration::from_secs(3600);
    let (app, fo_chat) = spawn_hotel(backend, &[("Deluxe", 2)], 2 * hour, hour / 4).await;
    let emma = app.fake.user_speaking("Emma", None, "en-US");
    say(&app, &emma, "/booking").await;
    let asked = say(&app, &emma, "Use name: Emma").await;
    say(&app, &emma, &asked.answers[1]).await;
    say(&app, &emma, "1").await;
    let held = say(&app, &emma, "Deluxe").await;
    assert!(
        held.text.contains("1 night × Rp450.000 = Rp450.000") && held.text.contains("Your room"),
        "{}",
        held.text
    );
    for other in ["1 nights", "malam", "Kamar", "Bayar"] {
        assert!(!held.text.contains(other), "{other}: {}", held.text);
    }

    // The FO chat is a group: Indonesian only, as the team's other messages.
    let announced = app.fake.wait_for_bot_messages(fo_chat, 1, PATIENCE).await;
    let text = &announced[0].text;
    for says in [
        "Booking baru",
        "Nama: Emma",
        "Kamar: Deluxe",
        "(1 malam)",
        "Lewat: Telegram",
    ] {
        assert!(text.contains(says), "{says}: {text}");
    }
    for english in [
        "New booking",
        "Name",
        "Room",
        "night",
        "Via",
        "Hold until",
        " / ",
    ] {
        assert!(!text.contains(english), "{english}: {text}");
    }
    app.finish().await;
}
