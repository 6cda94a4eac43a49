//! The ticket's live card in its group (issue #28): Feedback 1 with 🙋 Ambil, pressed by
//! the group's staff, edited as the ticket moves wherever it moves, refusals answered as
//! alerts. Through real HTTP between Tangkap and the fake Telegram, on both backends.

mod common;

use std::time::Duration;

use common::{
    call, log_in, place_order, register_account, spawn_app_with, Backend, TestApp, PATIENCE,
};
use reqwest::StatusCode;
use tangkap::{
    settings::Config,
    sim::{CallbackAnswer, MemberStatus, SimMessage, SimUser},
    users::{AccountState, Role},
};

on_both_backends!(
    a_press_in_the_group_takes_the_ticket_and_the_card_follows_it,
    refusals_are_alerts_and_change_nothing,
    a_hundred_presses_on_one_card_make_one_winner,
    the_presser_undoes_from_the_card_and_nobody_else_can,
    the_card_follows_a_mini_app_pickup_and_a_stale_press_says_where_it_stands,
    without_buttons_feedback_1_stays_plain_and_is_never_edited,
    reactions_mark_the_request_and_a_group_that_refuses_them_is_left_alone,
    a_card_deleted_in_the_chat_is_not_edited_again_and_the_ticket_goes_on,
    staff_the_bot_saw_post_press_without_asking_telegram,
);

const UNDO: Duration = Duration::from_millis(1500);

async fn spawn(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(backend, |config| {
        config.group_buttons = true;
        config.miniapp_link = Some("https://t.me/tangkap_bot/app".into());
        adjust(config);
    })
    .await
}

/// An active staff member of `group`, by Telegram's word.
async fn staff_of(app: &TestApp, group: i64, name: &str) -> SimUser {
    let user = app.fake.user(name, Some(&name.to_lowercase()));
    register_account(
        app,
        &user,
        &name.to_lowercase(),
        "rahasia-123",
        Role::Staff,
        AccountState::Active,
    )
    .await;
    app.fake
        .set_member_status(group, &user, MemberStatus::Member);
    user
}

/// Ani, an admin (who sees every group), logged in to the Mini App; her session.
async fn admin_session(app: &TestApp) -> String {
    let ani = app.fake.user("Ani", Some("ani"));
    register_account(
        app,
        &ani,
        "ani",
        "rahasia-123",
        Role::Admin,
        AccountState::Active,
    )
    .await;
    log_in(app, "ani", "rahasia-123").await
}

/// The card of `ticket` (Feedback 1) as the group sees it now.
fn card(app: &TestApp, group: i64, ticket: &str) -> SimMessage {
    app.fake
        .bot_messages(group)
        .into_iter()
        .find(|m| m.text.contains(&format!("no tiket {ticket}")))
        .unwrap_or_else(|| panic!("no card for {ticket}"))
}

fn labels(card: &SimMessage) -> Vec<&str> {
    card.callbacks
        .iter()
        .map(|(text, _)| text.as_str())
        .collect()
}

/// Presses the card's button labelled `label` as `user`, and waits for the answer.
async fn press(
    app: &TestApp,
    group: i64,
    ticket: &str,
    user: &SimUser,
    label: &str,
) -> CallbackAnswer {
    let card = card(app, group, ticket);
    let data = card
        .callbacks
        .iter()
        .find(|(text, _)| text == label)
        .unwrap_or_else(|| panic!("no {label} on {:?}", card.callbacks))
        .1
        .clone();
    let pressed = app
        .fake
        .press_button(group, card.message_id, user, &data)
        .expect("the button is on the card");
    answer_to(app, &pressed.query_id).await
}

async fn answer_to(app: &TestApp, query_id: &str) -> CallbackAnswer {
    let answered = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.callback_answers()
                .iter()
                .any(|a| a.query_id == query_id)
        })
        .await;
    assert!(answered, "press {query_id} never answered");
    app.fake
        .callback_answers()
        .into_iter()
        .find(|a| a.query_id == query_id)
        .unwrap()
}

/// Presses `label` as `user`: refused with the alert `why`, the ticket still `stays`.
async fn refused(
    app: &TestApp,
    group: i64,
    ticket: &str,
    user: &SimUser,
    label: &str,
    why: &str,
    stays: &str,
) {
    let answer = press(app, group, ticket, user, label).await;
    assert!(answer.show_alert, "{answer:?}");
    assert_eq!(answer.text.as_deref(), Some(why));
    assert_eq!(status(app, ticket).await, stays);
}

/// Pickup or Close of order `no` in the Mini App with `session`, answered `expected`; the
/// answer's body.
async fn step(
    app: &TestApp,
    no: i64,
    step: &str,
    session: &str,
    expected: StatusCode,
) -> serde_json::Value {
    let path = format!("/orders/{no}/{step}");
    let (code, body) = call(app, "POST", &path, Some(session), None).await;
    assert_eq!(code, expected, "{step}: {body}");
    body
}

/// Waits until the card of `ticket` satisfies `shows`.
async fn card_shows(app: &TestApp, group: i64, ticket: &str, shows: impl Fn(&SimMessage) -> bool) {
    let shown = app
        .fake
        .wait_until(PATIENCE, |_| shows(&card(app, group, ticket)))
        .await;
    assert!(shown, "card now: {:#?}", card(app, group, ticket));
}

fn feedbacks(app: &TestApp, group: i64, step: &str) -> usize {
    app.fake
        .bot_messages(group)
        .iter()
        .filter(|m| m.text.contains(&format!("sudah di {step} oleh")))
        .count()
}

async fn status(app: &TestApp, ticket: &str) -> String {
    app.rows(&format!(
        "SELECT status FROM orders WHERE ticket_no = '{ticket}'"
    ))
    .await[0][0]
        .clone()
        .unwrap()
}

async fn a_press_in_the_group_takes_the_ticket_and_the_card_follows_it(backend: Backend) {
    let app = spawn(backend, |config| config.pickup_undo = UNDO).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = staff_of(&app, group, "Budi").await;
    let rina = staff_of(&app, group, "Rina").await;
    let ticket = place_order(
        &app,
        group,
        &siti,
        "/moban #INV-7 #TOPUP #saldo belum masuk",
    )
    .await;
    let first = card(&app, group, &ticket);
    assert_eq!(labels(&first), ["🙋 Ambil"]);
    assert_eq!(
        first.buttons,
        [(
            "Buka tiket".to_owned(),
            format!("https://t.me/tangkap_bot/app?startapp={ticket}")
        )]
    );

    let taken = press(&app, group, &ticket, &budi, "🙋 Ambil").await;
    assert!(!taken.show_alert, "{taken:?}");
    assert!(
        taken
            .text
            .as_deref()
            .unwrap()
            .contains(&format!("Tiket {ticket} Anda ambil")),
        "{taken:?}"
    );
    assert_eq!(status(&app, &ticket).await, "pickup");
    // While Budi may undo it, the card offers him that; the group is not told yet.
    card_shows(&app, group, &ticket, |card| {
        card.text.contains("PICK UP oleh Budi sejak")
            && labels(card) == ["↩️ Batalkan", "✅ Selesai"]
    })
    .await;
    // Then Feedback 2, once, as a reply to the request, and the card without the undo.
    let told = app
        .fake
        .wait_until(PATIENCE, |_| feedbacks(&app, group, "PICK UP") == 1)
        .await;
    assert!(told);
    card_shows(&app, group, &ticket, |card| labels(card) == ["✅ Selesai"]).await;
    let card_now = card(&app, group, &ticket);
    assert!(card_now
        .text
        .starts_with("Permintaan Anda INV-7 TOPUP sudah kami proses"));
    assert_eq!(card_now.buttons.len(), 1, "Buka stays");

    // Only the picker (or an owner or admin) closes it.
    refused(
        &app,
        group,
        &ticket,
        &rina,
        "✅ Selesai",
        "Hanya Budi (yang mengambil tiket ini), owner, atau admin yang bisa menutupnya.",
        "pickup",
    )
    .await;

    let closed = press(&app, group, &ticket, &budi, "✅ Selesai").await;
    assert!(!closed.show_alert, "{closed:?}");
    assert_eq!(status(&app, &ticket).await, "close");
    card_shows(&app, group, &ticket, |card| {
        card.text.contains("RESOLVED oleh Budi pukul")
            && card.callbacks.is_empty()
            && card.buttons.is_empty()
    })
    .await;
    let resolved = app
        .fake
        .wait_until(PATIENCE, |_| feedbacks(&app, group, "RESOLVED") == 1)
        .await;
    assert!(resolved);
    assert_eq!(feedbacks(&app, group, "PICK UP"), 1);
    assert_eq!(app.fake.stats().limit_rejections, 0);
    app.finish().await;
}

async fn refusals_are_alerts_and_change_nothing(backend: Backend) {
    let app = spawn(backend, |_| {}).await;
    let group = app.fake.group("Operasional");
    let other_group = app.fake.group("Gudang");
    let siti = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &siti, "/moban #INV-8 #TOPUP #tolong").await;

    let stranger = app.fake.user("Tamu", None);
    let answer = press(&app, group, &ticket, &stranger, "🙋 Ambil").await;
    assert!(answer.show_alert);
    assert!(
        answer.text.as_deref().unwrap().contains("belum terdaftar"),
        "{answer:?}"
    );

    let waiting = app.fake.user("Wati", Some("wati"));
    register_account(
        &app,
        &waiting,
        "wati",
        "rahasia-123",
        Role::Staff,
        AccountState::Pending,
    )
    .await;
    app.fake
        .set_member_status(group, &waiting, MemberStatus::Member);
    let answer = press(&app, group, &ticket, &waiting, "🙋 Ambil").await;
    assert!(answer.show_alert);
    assert!(
        answer
            .text
            .as_deref()
            .unwrap()
            .contains("menunggu persetujuan"),
        "{answer:?}"
    );

    // Staff of another group, and someone who left this one: Telegram is asked, and says no.
    let elsewhere = staff_of(&app, other_group, "Eko").await;
    let answer = press(&app, group, &ticket, &elsewhere, "🙋 Ambil").await;
    assert!(answer.show_alert);
    assert_eq!(
        answer.text.as_deref(),
        Some("Anda bukan staf grup ini, jadi tidak bisa mengerjakan tiketnya.")
    );
    let left = staff_of(&app, group, "Lina").await;
    app.fake.set_member_status(group, &left, MemberStatus::Left);
    let answer = press(&app, group, &ticket, &left, "🙋 Ambil").await;
    assert!(
        answer
            .text
            .as_deref()
            .unwrap()
            .contains("bukan staf grup ini"),
        "{answer:?}"
    );
    assert!(
        app.fake
            .stats()
            .calls
            .get("getchatmember")
            .copied()
            .unwrap_or(0)
            >= 2
    );

    // A forged press: a ticket of another group named from this group's card.
    let other_ticket = place_order(&app, other_group, &siti, "/moban #INV-9 #TOPUP #lain").await;
    let other_no = app.order_no(&other_ticket).await;
    let card = card(&app, group, &ticket);
    let forged = app.fake.press_button_with_data(
        group,
        card.message_id,
        &elsewhere,
        &format!("t:p:{other_no}"),
    );
    let answer = answer_to(&app, &forged.query_id).await;
    assert_eq!(
        answer.text.as_deref(),
        Some("Tiket ini tidak ditemukan di grup ini.")
    );

    for ticket in [&ticket, &other_ticket] {
        assert_eq!(status(&app, ticket).await, "order");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM order_events WHERE to_status <> 'order'")
            .await,
        0
    );
    assert_eq!(feedbacks(&app, group, "PICK UP"), 0);
    app.finish().await;
}

async fn a_hundred_presses_on_one_card_make_one_winner(backend: Backend) {
    let app = spawn(backend, |config| {
        config.pickup_undo = Duration::from_millis(500)
    })
    .await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &siti, "/moban #INV-100 #TOPUP #rebutan").await;
    let mut staff = Vec::new();
    for i in 0..100 {
        staff.push(staff_of(&app, group, &format!("Staf{i}")).await);
    }
    let card_now = card(&app, group, &ticket);
    let data = card_now.callbacks[0].1.clone();
    let edits_before = app
        .fake
        .stats()
        .calls
        .get("editmessagetext")
        .copied()
        .unwrap_or(0);
    let presses: Vec<_> = staff
        .iter()
        .map(|user| {
            app.fake
                .press_button(group, card_now.message_id, user, &data)
                .expect("Ambil is on the card")
        })
        .collect();
    for pressed in &presses {
        answer_to(&app, &pressed.query_id).await;
    }
    let answers = app.fake.callback_answers();
    assert_eq!(answers.len(), 100);
    let won: Vec<_> = answers.iter().filter(|a| !a.show_alert).collect();
    assert_eq!(won.len(), 1, "{answers:#?}");
    let picker = app
        .rows(&format!(
            "SELECT u.name FROM orders o JOIN users u ON u.id = o.picked_by WHERE o.ticket_no = '{ticket}'"
        ))
        .await[0][0]
        .clone()
        .unwrap();
    let taken = format!("Tiket {ticket} sudah diambil oleh {picker} (PICK UP).");
    assert!(answers
        .iter()
        .filter(|a| a.show_alert)
        .all(|a| a.text.as_deref() == Some(taken.as_str())));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM order_events WHERE to_status = 'pickup'")
            .await,
        1
    );
    let told = app
        .fake
        .wait_until(PATIENCE, |_| feedbacks(&app, group, "PICK UP") == 1)
        .await;
    assert!(told);
    card_shows(&app, group, &ticket, |card| labels(card) == ["✅ Selesai"]).await;
    // Settle: nothing more is on its way.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let edits = app
        .fake
        .stats()
        .calls
        .get("editmessagetext")
        .copied()
        .unwrap_or(0)
        - edits_before;
    assert!(
        (1..=2).contains(&edits),
        "the card was edited {edits} times"
    );
    assert_eq!(feedbacks(&app, group, "PICK UP"), 1);
    assert_eq!(app.fake.stats().limit_rejections, 0);
    app.finish().await;
}

async fn the_presser_undoes_from_the_card_and_nobody_else_can(backend: Backend) {
    let app = spawn(backend, |config| {
        config.pickup_undo = Duration::from_secs(30)
    })
    .await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = staff_of(&app, group, "Budi").await;
    let rina = staff_of(&app, group, "Rina").await;
    let ticket = place_order(&app, group, &siti, "/moban #INV-5 #TOPUP #keliru").await;
    press(&app, group, &ticket, &budi, "🙋 Ambil").await;
    card_shows(&app, group, &ticket, |card| {
        labels(card).contains(&"↩️ Batalkan")
    })
    .await;

    refused(
        &app,
        group,
        &ticket,
        &rina,
        "↩️ Batalkan",
        "Hanya Budi, yang mengambil tiket ini, yang bisa membatalkannya.",
        "pickup",
    )
    .await;

    let undone = press(&app, group, &ticket, &budi, "↩️ Batalkan").await;
    assert!(!undone.show_alert, "{undone:?}");
    assert_eq!(status(&app, &ticket).await, "order");
    card_shows(&app, group, &ticket, |card| {
        labels(card) == ["🙋 Ambil"] && !card.text.contains("PICK UP")
    })
    .await;
    // The group never hears of the Pickup taken back; Rina may take it now.
    let taken = press(&app, group, &ticket, &rina, "🙋 Ambil").await;
    assert!(!taken.show_alert, "{taken:?}");
    card_shows(&app, group, &ticket, |card| {
        card.text.contains("PICK UP oleh Rina")
    })
    .await;
    assert_eq!(feedbacks(&app, group, "PICK UP"), 0);
    app.finish().await;
}

async fn the_card_follows_a_mini_app_pickup_and_a_stale_press_says_where_it_stands(
    backend: Backend,
) {
    let app = spawn(backend, |_| {}).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = staff_of(&app, group, "Budi").await;
    let ticket = place_order(&app, group, &siti, "/moban #INV-6 #TOPUP #lewat app").await;
    let no = app.order_no(&ticket).await;

    let session = admin_session(&app).await;
    step(&app, no, "pickup", &session, StatusCode::OK).await;
    card_shows(&app, group, &ticket, |card| {
        card.text.contains("PICK UP oleh Ani sejak") && labels(card) == ["✅ Selesai"]
    })
    .await;

    // An admin closes what anyone picked up; staff do not, in the Mini App either.
    let budi_session = log_in(&app, "budi", "rahasia-123").await;
    let body = step(&app, no, "close", &budi_session, StatusCode::FORBIDDEN).await;
    assert!(
        body["message"].as_str().unwrap().contains("Hanya Ani"),
        "{body}"
    );

    // Budi's Ambil on a card that is behind (as if the edit were still on its way).
    let stale = app
        .fake
        .messages(group)
        .into_iter()
        .find(|m| m.text.contains(&ticket))
        .unwrap();
    let pressed =
        app.fake
            .press_button_with_data(group, stale.message_id, &budi, &format!("t:p:{no}"));
    let answer = answer_to(&app, &pressed.query_id).await;
    assert!(answer.show_alert);
    assert_eq!(
        answer.text.as_deref(),
        Some(format!("Tiket {ticket} sudah diambil oleh Ani (PICK UP).").as_str())
    );
    step(&app, no, "close", &session, StatusCode::OK).await;
    card_shows(&app, group, &ticket, |card| {
        card.text.contains("RESOLVED oleh Ani")
    })
    .await;
    app.finish().await;
}

async fn without_buttons_feedback_1_stays_plain_and_is_never_edited(backend: Backend) {
    let app = spawn(backend, |config| config.group_buttons = false).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &siti, "/moban #INV-4 #TOPUP #polos").await;
    let no = app.order_no(&ticket).await;
    let first = card(&app, group, &ticket);
    assert!(first.callbacks.is_empty());
    assert_eq!(first.buttons.len(), 1);
    let session = admin_session(&app).await;
    common::pickup_and_close(&app, no, &session).await;
    let resolved = app
        .fake
        .wait_until(PATIENCE, |_| feedbacks(&app, group, "RESOLVED") == 1)
        .await;
    assert!(resolved);
    assert_eq!(card(&app, group, &ticket).text, first.text);
    assert_eq!(app.fake.stats().calls.get("editmessagetext"), None);
    app.finish().await;
}

async fn reactions_mark_the_request_and_a_group_that_refuses_them_is_left_alone(backend: Backend) {
    let app = spawn(backend, |_| {}).await;
    let group = app.fake.group("Operasional");
    let quiet = app.fake.group("Tanpa Reaksi");
    app.fake.refuse_reactions(quiet);
    let siti = app.fake.user("Siti", None);
    let budi = staff_of(&app, group, "Budi").await;
    app.fake
        .set_member_status(quiet, &budi, MemberStatus::Member);
    let ticket = place_order(&app, group, &siti, "/moban #R-1 #TOPUP #reaksi").await;
    let request = common::request_message_id(&app, group, "R-1");
    press(&app, group, &ticket, &budi, "🙋 Ambil").await;
    let eyes = app
        .fake
        .wait_until(PATIENCE, |fake| fake.reactions(group, request) == ["👀"])
        .await;
    assert!(eyes, "{:?}", app.fake.reactions(group, request));
    card_shows(&app, group, &ticket, |card| labels(card) == ["✅ Selesai"]).await;
    press(&app, group, &ticket, &budi, "✅ Selesai").await;
    let thumbs = app
        .fake
        .wait_until(PATIENCE, |fake| fake.reactions(group, request) == ["👍"])
        .await;
    assert!(thumbs, "{:?}", app.fake.reactions(group, request));
    // The Feedback messages are there all the same.
    assert_eq!(feedbacks(&app, group, "PICK UP"), 1);
    assert_eq!(feedbacks(&app, group, "RESOLVED"), 1);

    // A group that refuses reactions: the first is refused, and none is tried again.
    let tags = format!("SELECT COUNT(*) FROM outbox WHERE about = 'reactions:{quiet}'");
    for n in 0..3 {
        let ticket = place_order(&app, quiet, &siti, &format!("/moban #Q-{n} #TOPUP #diam")).await;
        press(&app, quiet, &ticket, &budi, "🙋 Ambil").await;
        app.wait_for_count(&format!("{tags} AND status <> 'pending'"), 1)
            .await;
        let told = app
            .fake
            .wait_until(PATIENCE, |_| feedbacks(&app, quiet, "PICK UP") == n + 1)
            .await;
        assert!(told);
    }
    assert_eq!(
        app.count(&tags).await,
        1,
        "one reaction tried in the refusing group"
    );
    assert_eq!(app.count(&format!("{tags} AND status = 'failed'")).await, 1);
    assert_eq!(feedbacks(&app, quiet, "PICK UP"), 3);
    app.finish().await;
}

async fn a_card_deleted_in_the_chat_is_not_edited_again_and_the_ticket_goes_on(backend: Backend) {
    let app = spawn(backend, |_| {}).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &siti, "/moban #D-1 #TOPUP #dihapus").await;
    let no = app.order_no(&ticket).await;
    app.fake
        .delete_message(group, card(&app, group, &ticket).message_id);
    let session = admin_session(&app).await;
    step(&app, no, "pickup", &session, StatusCode::OK).await;
    let edits = format!("SELECT COUNT(*) FROM outbox WHERE about = 'order:{no}:card'");
    app.wait_for_count(&format!("{edits} AND status = 'failed'"), 1)
        .await;
    step(&app, no, "close", &session, StatusCode::OK).await;
    let resolved = app
        .fake
        .wait_until(PATIENCE, |_| feedbacks(&app, group, "RESOLVED") == 1)
        .await;
    assert!(resolved);
    assert_eq!(status(&app, &ticket).await, "close");
    assert_eq!(
        app.count(&edits).await,
        1,
        "the deleted card is not edited again"
    );
    app.finish().await;
}

async fn staff_the_bot_saw_post_press_without_asking_telegram(backend: Backend) {
    let app = spawn(backend, |_| {}).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", Some("budi"));
    let account = register_account(
        &app,
        &budi,
        "budi",
        "rahasia-123",
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let ticket = place_order(&app, group, &siti, "/moban #P-1 #TOPUP #posting").await;
    // Budi says something in the group: the bot sees he is in it.
    app.fake.send_to_group(group, &budi, "saya cek ya");
    app.wait_for_count(
        &format!(
            "SELECT COUNT(*) FROM group_members WHERE user_id = {} AND chat_id = {group} AND is_member = 1",
            account.id
        ),
        1,
    )
    .await;
    let asked = |app: &TestApp| {
        app.fake
            .stats()
            .calls
            .get("getchatmember")
            .copied()
            .unwrap_or(0)
    };
    let before = asked(&app);
    let taken = press(&app, group, &ticket, &budi, "🙋 Ambil").await;
    assert!(!taken.show_alert, "{taken:?}");
    assert_eq!(status(&app, &ticket).await, "pickup");
    assert_eq!(
        asked(&app),
        before,
        "no getChatMember for a member the bot saw post"
    );
    app.finish().await;
}
