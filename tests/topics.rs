//! Forum topics, reactions, alerts and edits within a group's budget, through real HTTP
//! between Tangkap and the fake Telegram.

mod common;

use std::time::Duration;

use common::{
    call, log_in, register_staff, spawn_app, spawn_app_with, ticket_in, Backend, TestApp, PATIENCE,
};
use reqwest::StatusCode;
use serde_json::json;
use tangkap::{
    db::now_ms,
    sim::SimMessage,
    telegram::outbox::{self, Button, MessageRef, Outgoing},
};

on_both_backends!(
    a_request_in_a_topic_is_answered_in_its_topic_and_general_gets_no_topic,
    a_closed_or_deleted_topics_messages_go_to_the_group_without_it,
    reactions_are_set_and_a_refusing_group_is_known,
    edits_of_one_message_waiting_for_the_group_budget_are_sent_once,
    edits_in_a_group_count_against_its_limits,
    a_button_press_may_be_answered_with_an_alert,
);

/// Waits for the bot's message to `chat` that answers message `message_id`.
async fn answer_to(app: &TestApp, chat: i64, message_id: i32) -> SimMessage {
    let found = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(chat)
                .iter()
                .any(|m| m.reply_to == Some(message_id))
        })
        .await;
    assert!(
        found,
        "no answer to {message_id}: {:#?}",
        app.fake.bot_messages(chat)
    );
    app.fake
        .bot_messages(chat)
        .into_iter()
        .find(|m| m.reply_to == Some(message_id))
        .unwrap()
}

/// Waits for the bot's message to `chat` whose text has `words`.
async fn message_saying(app: &TestApp, chat: i64, words: &str) -> SimMessage {
    let said = |fake: &tangkap::sim::FakeTelegram| {
        fake.bot_messages(chat)
            .into_iter()
            .find(|m| m.text.contains(words))
    };
    app.fake
        .wait_until(PATIENCE, |fake| said(fake).is_some())
        .await;
    said(&app.fake).unwrap_or_else(|| panic!("no {words:?}: {:#?}", app.fake.bot_messages(chat)))
}

/// Queues `message` (tagged `about`) as the domain would, in a transaction of its own;
/// returns its outbox row.
async fn enqueue(app: &TestApp, message: &Outgoing, about: &str) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let row = outbox::enqueue_about(&mut tx, message, about)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    row
}

async fn step(app: &TestApp, session: &str, no: i64, step: &str, body: Option<serde_json::Value>) {
    let (status, answer) = call(
        app,
        "POST",
        &format!("/orders/{no}/{step}"),
        Some(session),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{step}: {answer}");
}

async fn a_request_in_a_topic_is_answered_in_its_topic_and_general_gets_no_topic(backend: Backend) {
    // Feedback 2 told after the undo time, by the timer, and Feedback 3 and the reopen
    // notice by the step itself: both ways find the topic.
    let app = spawn_app_with(backend, |config| {
        config.pickup_undo = Duration::from_millis(200);
    })
    .await;
    let forum = app.fake.forum_group("Operasional");
    let topic = app.fake.open_topic(forum, "Isi saldo");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &budi, "budi", "rahasia-budi").await;
    let session = log_in(&app, "budi", "rahasia-budi").await;

    let asked = app
        .fake
        .send_to_topic(forum, topic, &siti, "/moban #INV-1 #TOPUP #di topik");
    let feedback_1 = answer_to(&app, forum, asked.message_id).await;
    assert_eq!(feedback_1.thread, Some(topic), "Feedback 1 in the topic");
    let ticket = ticket_in(&feedback_1.text).to_owned();
    let no = app.order_no(&ticket).await;
    assert_eq!(
        app.count(&format!("SELECT thread_id FROM orders WHERE no = {no}"))
            .await,
        i64::from(topic)
    );

    // The pointer to the open ticket (while it is open) and the format's reminder answer in the topic too.
    let twin = app
        .fake
        .send_to_topic(forum, topic, &siti, "/moban #INV-1 #TOPUP #lagi");
    let pointer = answer_to(&app, forum, twin.message_id).await;
    assert!(pointer.text.contains(&ticket), "{}", pointer.text);
    assert_eq!(pointer.thread, Some(topic));
    let malformed = app
        .fake
        .send_to_topic(forum, topic, &siti, "/moban tanpa format");
    assert_eq!(
        answer_to(&app, forum, malformed.message_id).await.thread,
        Some(topic)
    );

    step(&app, &session, no, "pickup", None).await;
    let feedback_2 = message_saying(&app, forum, "PICK UP").await;
    step(&app, &session, no, "close", None).await;
    let feedback_3 = message_saying(&app, forum, "RESOLVED").await;
    step(
        &app,
        &session,
        no,
        "reopen",
        Some(json!({ "reason": "Belum masuk" })),
    )
    .await;
    let reopened = message_saying(&app, forum, "Belum masuk").await;
    for message in [&feedback_2, &feedback_3, &reopened] {
        assert_eq!(message.thread, Some(topic), "{}", message.text);
        assert_eq!(message.reply_to, Some(asked.message_id), "{}", message.text);
    }

    // The General topic: no topic, on the ticket or its messages.
    let general = app
        .fake
        .send_to_group(forum, &siti, "/moban #INV-2 #TOPUP #di General");
    let general_feedback = answer_to(&app, forum, general.message_id).await;
    assert_eq!(general_feedback.thread, None);
    let general_no = app.order_no(ticket_in(&general_feedback.text)).await;

    // The ticket page shows the topic, with its link.
    let (status, detail) = call(&app, "GET", &format!("/orders/{no}"), Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    let chat = forum.to_string();
    let link = format!(
        "https://t.me/c/{}/{topic}",
        chat.strip_prefix("-100").unwrap()
    );
    assert_eq!(detail["topic"], json!({ "thread_id": topic, "link": link }));
    let (_, detail) = call(
        &app,
        "GET",
        &format!("/orders/{general_no}"),
        Some(&session),
        None,
    )
    .await;
    assert!(detail.get("topic").is_none(), "{detail}");
    assert_eq!(
        app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'", 0)
            .await,
        0
    );
    app.finish().await;
}

async fn a_closed_or_deleted_topics_messages_go_to_the_group_without_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let forum = app.fake.forum_group("Operasional");
    let closing = app.fake.open_topic(forum, "Ditutup");
    let deleting = app.fake.open_topic(forum, "Dihapus");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &budi, "budi", "rahasia-budi").await;
    let session = log_in(&app, "budi", "rahasia-budi").await;
    let mut tickets = Vec::new();
    for (topic, order_id) in [(closing, "INV-C"), (deleting, "INV-D")] {
        let text = format!("/moban #{order_id} #TOPUP #topik");
        let asked = app.fake.send_to_topic(forum, topic, &siti, &text);
        let feedback = answer_to(&app, forum, asked.message_id).await;
        assert_eq!(feedback.thread, Some(topic));
        tickets.push((ticket_in(&feedback.text).to_owned(), order_id));
    }
    app.fake.close_topic(forum, closing);
    app.fake.delete_topic(forum, deleting);
    let sends_before = app.fake.stats().calls["sendmessage"];

    for (ticket, order_id) in &tickets {
        let no = app.order_no(ticket).await;
        step(&app, &session, no, "pickup", None).await;
        // Told in the group itself, as a message of its own that names the ticket.
        let told = message_saying(&app, forum, &format!("{order_id} TOPUP sudah di PICK UP")).await;
        assert!(told.text.contains(ticket.as_str()), "{}", told.text);
        assert_eq!((told.thread, told.reply_to), (None, None), "{}", told.text);
        assert!(!told.deleted);
    }
    // The row keeps the call that went: nothing is tried again, now or after a restart.
    app.wait_for_count(
        "SELECT COUNT(*) FROM outbox WHERE about LIKE 'order:%:feedback_2' AND status = 'sent'",
        2,
    )
    .await;
    let sent = app
        .rows("SELECT status, payload FROM outbox WHERE about LIKE 'order:%:feedback_2'")
        .await;
    assert_eq!(sent.len(), 2);
    for row in &sent {
        assert_eq!(row[0].as_deref(), Some("sent"));
        let payload: Outgoing = serde_json::from_str(row[1].as_deref().unwrap()).unwrap();
        assert!(
            matches!(
                payload,
                Outgoing::SendMessage {
                    thread: None,
                    reply_to: None,
                    ..
                }
            ),
            "{payload:?}"
        );
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.fake.stats().calls["sendmessage"],
        sends_before + 4,
        "each refused once, sent once"
    );
    assert_eq!(app.fake.bot_messages(forum).len(), 4);
    app.finish().await;
}

async fn reactions_are_set_and_a_refusing_group_is_known(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let refusing = app.fake.group("Tanpa reaksi");
    let siti = app.fake.user("Siti", None);
    let asked = app.fake.send_to_group(group, &siti, "Tolong dicek");
    let deleted = app.fake.send_to_group(group, &siti, "Salah kirim");
    app.fake.delete_message(group, deleted.message_id);
    let elsewhere = app.fake.send_to_group(refusing, &siti, "Tolong dicek");
    app.fake.refuse_reactions(refusing);

    let mut tx = app.db.begin().await.unwrap();
    let reactions = [
        outbox::reaction(group, asked.message_id, "👀"),
        outbox::reaction(group, deleted.message_id, "👀"),
        outbox::reaction(group, asked.message_id, "👍"),
        outbox::reaction(refusing, elsewhere.message_id, "👀"),
    ];
    outbox::enqueue_many_about(&mut tx, &reactions)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'", 0)
        .await;

    assert_eq!(
        app.fake.reactions(group, asked.message_id),
        ["👍"],
        "the newest stays"
    );
    let mut conn = app.db.pool().acquire().await.unwrap();
    assert!(
        !outbox::reactions_refused(&mut conn, group).await.unwrap(),
        "a deleted message says nothing about its group"
    );
    assert!(outbox::reactions_refused(&mut conn, refusing)
        .await
        .unwrap());
    assert_eq!(
        app.rows("SELECT status, last_error FROM outbox WHERE about LIKE 'reactions:%' AND status = 'failed' ORDER BY id")
            .await
            .len(),
        2
    );
    // Reactions are not counted against the groups' limits.
    assert_eq!(app.fake.stats().limit_rejections, 0);
    drop(conn);
    app.finish().await;
}

/// A card's edits while its group has spent its budget: when the group may be written to
/// again, only the newest is sent.
async fn edits_of_one_message_waiting_for_the_group_budget_are_sent_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let card = Outgoing::message(group, "Tiket K7M2QX: menunggu".into());
    let card_row = enqueue(&app, &card, "card:1").await;
    app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    app.wait_for_count(
        &format!("SELECT COUNT(*) FROM outbox WHERE id = {card_row} AND status = 'sent'"),
        1,
    )
    .await;
    // Other instances have sent the group 20 messages within the last minute: its budget
    // is spent for a few seconds more.
    let spent_at = now_ms() - 56_000;
    for _ in 0..20 {
        sqlx::query(
            "INSERT INTO outbox (chat_id, payload, status, next_attempt_at, created_at, sent_at) \
             VALUES ($1, '{}', 'sent', $2, $2, $2)",
        )
        .bind(group)
        .bind(spent_at)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    for state in [
        "PICK UP oleh Budi",
        "RESOLVED oleh Budi",
        "RESOLVED oleh Budi, 5 menit",
    ] {
        let edit = Outgoing::EditMessage {
            chat_id: group,
            message: MessageRef::Outbox(card_row),
            html: format!("Tiket K7M2QX: {state}"),
            keyboard: vec![vec![Button::callback("✅ Selesai", "close:1")]],
        };
        enqueue(&app, &edit, "card:1").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status = 'pending'", 0)
        .await;
    let card = &app.fake.bot_messages(group)[0];
    assert_eq!(card.text, "Tiket K7M2QX: RESOLVED oleh Budi, 5 menit");
    let stats = app.fake.stats();
    assert_eq!(stats.calls.get("editmessagetext"), Some(&1), "{stats:?}");
    assert_eq!(stats.limit_rejections, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE about = 'card:1'")
            .await,
        2,
        "the card and its last edit"
    );
    app.finish().await;
}

/// Messages and edits queued together for one group go at the pace Telegram allows a
/// group, edits counted: none is answered 429.
async fn edits_in_a_group_count_against_its_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let mut tx = app.db.begin().await.unwrap();
    let mut rows = Vec::new();
    for n in 0..3 {
        let message = Outgoing::message(group, format!("Kartu {n}"));
        rows.push(
            outbox::enqueue_about(&mut tx, &message, &format!("card:{n}"))
                .await
                .unwrap(),
        );
    }
    for (n, row) in rows.iter().enumerate() {
        let edit = Outgoing::EditMessage {
            chat_id: group,
            message: MessageRef::Outbox(*row),
            html: format!("Kartu {n} diubah"),
            keyboard: Vec::new(),
        };
        outbox::enqueue_about(&mut tx, &edit, &format!("card:{n}"))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let started = std::time::Instant::now();
    let edited = app
        .fake
        .wait_until(PATIENCE, |fake| {
            let messages = fake.bot_messages(group);
            messages.len() == 3 && messages.iter().all(|m| m.text.ends_with("diubah"))
        })
        .await;
    assert!(edited, "{:#?}", app.fake.bot_messages(group));
    let stats = app.fake.stats();
    assert_eq!(stats.limit_rejections, 0, "{stats:?}");
    assert_eq!(stats.calls.get("editmessagetext"), Some(&3));
    // Six calls to one group, one a second.
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    app.finish().await;
}

async fn a_button_press_may_be_answered_with_an_alert(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let budi = app.fake.user("Budi", None);
    app.fake.make_private_chat(&budi);
    let card = Outgoing::with_buttons(
        budi.id,
        "Tiket K7M2QX".into(),
        vec![vec![Button::callback("🙋 Ambil", "take:1")]],
    );
    enqueue(&app, &card, "card:1").await;
    let sent = app.fake.wait_for_bot_messages(budi.id, 1, PATIENCE).await;
    // The press is answered before the bot reads it, as the answer the card's press gets.
    app.stop().await;
    let pressed = app
        .fake
        .press_button(budi.id, sent[0].message_id, &budi, "take:1")
        .unwrap();
    let why = "Tiket ini sudah diambil oleh Siti.";
    let answer = Outgoing::AnswerCallback {
        chat_id: budi.id,
        query_id: pressed.query_id.clone(),
        text: why.into(),
        alert: true,
    };
    enqueue(&app, &answer, "press").await;
    app.restart().await;
    let answered = app
        .fake
        .wait_until(PATIENCE, |fake| !fake.callback_answers().is_empty())
        .await;
    assert!(answered);
    let first = &app.fake.callback_answers()[0];
    assert_eq!(first.query_id, pressed.query_id);
    assert_eq!(first.text.as_deref(), Some(why));
    assert!(first.show_alert);
    app.finish().await;
}
