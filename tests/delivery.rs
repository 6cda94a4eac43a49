//! Delivery through Telegram's limits and faults, and webhook intake.

mod common;

use std::{collections::HashSet, time::Duration};

use common::{
    count, drop_postgres_database, spawn_app, spawn_public_app, test_database, Backend, TestApp,
    BOT_USERNAME, PATIENCE, TOKEN,
};
use tangkap::{
    bot::{self, BotContext, BotIdentity, Intake, IntakeSignals},
    config::{BotToken, Secret},
    db::Db,
    settings::Config,
    sim::{FakeTelegram, Fault, SimStats},
    telegram::{api::BotApi, inbox::RawUpdate},
};

on_both_backends!(
    a_third_of_all_calls_failing_loses_nothing,
    a_429_storm_and_server_errors_lose_nothing_and_send_nothing_twice,
    a_permanent_refusal_is_recorded_and_others_still_go_out,
    webhook_stores_updates_and_refuses_wrong_secrets,
    the_webhook_processes_what_it_stores_unless_earlier_updates_wait,
);

/// Posts `per_group` requests in each of `groups` new groups, waits up to `limit` for the
/// bot to answer them all, and asserts each was answered exactly once. Returns the fake's
/// counters.
async fn every_request_answered_once(
    app: &TestApp,
    groups: usize,
    per_group: usize,
    limit: Duration,
) -> SimStats {
    let groups: Vec<i64> = (0..groups)
        .map(|i| app.fake.group(&format!("Grup {i}")))
        .collect();
    let user = app.fake.user("Pengirim", None);
    let mut asked = HashSet::new();
    for n in 0..per_group {
        for &group in &groups {
            let posted =
                app.fake
                    .send_to_group(group, &user, &format!("/moban #G{group}-{n} #TRX #cepat"));
            asked.insert((group, posted.message_id));
        }
    }
    let all_delivered = app
        .fake
        .wait_until(limit, |fake| {
            groups
                .iter()
                .map(|&g| fake.bot_messages(g).len())
                .sum::<usize>()
                >= asked.len()
        })
        .await;
    assert!(all_delivered, "stats: {:?}", app.fake.stats());
    // Give a wrongly repeated message time to show up before counting.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut answered = HashSet::new();
    for &group in &groups {
        for reply in app.fake.bot_messages(group) {
            let first_time = answered.insert((group, reply.reply_to.expect("a reply")));
            assert!(first_time, "sent twice: {}", reply.text);
        }
    }
    assert_eq!(answered, asked);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            .await,
        0
    );
    app.fake.stats()
}

async fn a_429_storm_and_server_errors_lose_nothing_and_send_nothing_twice(backend: Backend) {
    let app = spawn_app(backend).await;
    app.fake
        .inject(Some("sendMessage"), 6, Fault::RetryAfter(1));
    app.fake.inject(Some("SENDMESSAGE"), 4, Fault::Status(500));
    app.fake.inject(Some("sendmessage"), 2, Fault::Status(502));
    app.fake.inject(
        Some("sendMessage"),
        2,
        Fault::Delay(Duration::from_millis(300)),
    );

    let stats = every_request_answered_once(&app, 3, 8, Duration::from_secs(90)).await;
    assert_eq!(stats.faults_injected, 12);
    assert_eq!(
        stats.limit_rejections, 0,
        "the sender never tries to exceed Telegram's limits"
    );
    app.finish().await;
}

async fn a_third_of_all_calls_failing_loses_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    // Every method: getUpdates, sendMessage, deleteMessage, setMyCommands, getMe …
    app.fake.fail_randomly(0.3, 20261121);
    let stats = every_request_answered_once(&app, 3, 6, Duration::from_secs(120)).await;
    assert!(stats.faults_injected > 0, "faults were injected: {stats:?}");
    assert_eq!(stats.limit_rejections, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 18);
    app.finish().await;
}

async fn a_permanent_refusal_is_recorded_and_others_still_go_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let gone = app.fake.group("Grup lama");
    let active = app.fake.group("Grup aktif");
    let user = app.fake.user("Umi", None);
    app.fake.kick_bot(gone);
    app.fake
        .send_to_group(gone, &user, "/moban #LOST-1 #TRX #bot sudah dikeluarkan");
    app.fake
        .send_to_group(active, &user, "/moban #OK-1 #TRX #tetap terkirim");

    assert_eq!(
        app.fake
            .wait_for_bot_messages(active, 1, PATIENCE)
            .await
            .len(),
        1
    );
    let failed =
        "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND last_error LIKE '%kicked%'";
    assert_eq!(app.wait_for_count(failed, 1).await, 1);
    // The order itself is kept: only the notification could not be delivered.
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 2);
    assert!(app.fake.bot_messages(gone).is_empty());
    app.finish().await;
}

async fn webhook_stores_updates_and_refuses_wrong_secrets(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.webhook_secret = Some(Secret::new("s3cret-token_for-webhook"));
    })
    .await;
    let webhook = format!("{}/telegram/webhook", app.http_url());
    let set = app.fake.wait_until(PATIENCE, |fake| {
        fake.webhook_url().as_deref() == Some(webhook.as_str())
    });
    assert!(set.await, "setWebhook was called with {webhook}");

    let group = app.fake.group("Grup webhook");
    let user = app.fake.user("Wulan", None);
    let posted = app
        .fake
        .send_to_group(group, &user, "/moban #WH-1 #TRX #lewat webhook");
    let replies = app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    assert_eq!(replies.len(), 1);
    assert!(replies[0].text.contains("WH-1"));
    assert_eq!(
        app.fake.stats().calls.get("getupdates"),
        None,
        "no polling while a webhook is set"
    );

    let stored = "SELECT COUNT(*) FROM inbox";
    assert_eq!(app.count(stored).await, 1);
    let client = reqwest::Client::new();
    let update = serde_json::json!({ "update_id": 1, "message": {
        "message_id": 99, "date": 0, "chat": { "id": group, "type": "supergroup", "title": "x" },
        "from": { "id": 1, "is_bot": false, "first_name": "Mallory" },
        "text": "/moban #FORGED #TRX #palsu",
    }});
    for secret in [
        None,
        Some("wrong"),
        Some("s3cret-token_for-webhoo"),
        Some(""),
    ] {
        let mut request = client.post(&webhook).json(&update);
        if let Some(secret) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            401,
            "secret {secret:?}"
        );
    }
    let not_json = client
        .post(&webhook)
        .header(
            "X-Telegram-Bot-Api-Secret-Token",
            "s3cret-token_for-webhook",
        )
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(
        app.count(stored).await,
        1,
        "nothing stored from refused requests"
    );

    // Telegram resending an update it already delivered (its answer got lost) is harmless.
    let again = client
        .post(&webhook)
        .header(
            "X-Telegram-Bot-Api-Secret-Token",
            "s3cret-token_for-webhook",
        )
        .json(
            &serde_json::json!({ "update_id": posted.update_id, "message": {
                "message_id": posted.message_id, "date": 0,
                "chat": { "id": group, "type": "supergroup", "title": "Grup webhook" },
                "from": { "id": user.id, "is_bot": false, "first_name": "Wulan" },
                "text": "/moban #WH-1 #TRX #lewat webhook",
            }}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    app.fake
        .send_to_group(group, &user, "/moban #WH-2 #TRX #kedua");
    assert_eq!(
        app.fake
            .wait_for_bot_messages(group, 2, PATIENCE)
            .await
            .len(),
        2
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 2);
    assert!(app.fake.webhook_statuses().iter().all(|&s| s == 200));
    app.finish().await;
}

/// A `/moban` in `group` as Telegram posts it.
fn moban_update(update_id: i64, group: i64, message_id: i64, order_id: &str) -> RawUpdate {
    let text = format!("/moban #{order_id} #TRX #lewat webhook");
    let value = serde_json::json!({ "update_id": update_id, "message": {
        "message_id": message_id, "date": 0,
        "chat": { "id": group, "type": "supergroup", "title": "Grup urutan" },
        "from": { "id": 77, "is_bot": false, "first_name": "Wulan" },
        "text": text,
        "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }],
    }});
    RawUpdate::from_value(&value).unwrap()
}

/// On SQLite the webhook's intake applies a batch's effects in the transaction that
/// stores it, so the ticket exists the moment Telegram is answered; but an update stored
/// earlier and not yet processed (a restart, the processor behind) goes first, so later
/// ones are only stored and the processor takes them all in arrival order. On PostgreSQL
/// the processor takes every update, in arrival order.
async fn the_webhook_processes_what_it_stores_unless_earlier_updates_wait(backend: Backend) {
    common::init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let group = -100_4242;
    let signals = IntakeSignals {
        new_updates: Default::default(),
        new_messages: Default::default(),
    };
    let intake = Intake::start(db.clone(), signals.clone());
    let context = BotContext::new(
        &Config::default(),
        BotIdentity {
            id: 1,
            username: BOT_USERNAME.to_owned(),
        },
        None,
        BotApi::new(&fake.api_url(), &BotToken::parse(TOKEN).unwrap()),
    );
    let orders = "SELECT COUNT(*) FROM orders";
    let pending = "SELECT COUNT(*) FROM inbox WHERE status = 'pending'";

    // Before the bot knows who it is, updates are stored for later.
    assert!(intake.store(moban_update(1, group, 1, "SAMA")).await);
    intake.process_with(context.clone());
    // The same Order_ID again, later: it must be linked to the first, not take its place.
    assert!(intake.store(moban_update(2, group, 2, "SAMA")).await);
    assert_eq!(
        count(&db, pending).await,
        2,
        "the second waits behind the first"
    );
    assert_eq!(count(&db, orders).await, 0);

    let shutdown = tokio_util::sync::CancellationToken::new();
    let processor = tokio::spawn(bot::run_processor(
        db.clone(),
        context,
        signals.new_updates.clone(),
        signals.new_messages.clone(),
        intake.processed(),
        shutdown.clone(),
    ));
    // Until the processor has taken every update stored for it.
    let processed = || async {
        let deadline = std::time::Instant::now() + PATIENCE;
        while count(&db, pending).await > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the processor caught up"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    processed().await;
    assert_eq!(
        count(&db, orders).await,
        1,
        "the second is linked to the first"
    );
    let first = "SELECT message_id FROM orders WHERE order_id = 'SAMA'";
    assert_eq!(
        count(&db, first).await,
        1,
        "the ticket is the first message's"
    );

    // Nothing waits now: on SQLite the next update's ticket is there as soon as it is
    // stored; on PostgreSQL the processor applies it, beside the intake's next commit. A
    // redelivery of it changes nothing.
    for _ in 0..2 {
        assert!(intake.store(moban_update(3, group, 3, "BARU")).await);
        if backend == Backend::Postgres {
            processed().await;
        }
        assert_eq!(count(&db, orders).await, 2);
        assert_eq!(count(&db, pending).await, 0);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM inbox WHERE status = 'done' AND update_id = 3"
            )
            .await,
            1
        );
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM outbox WHERE chat_id = -1004242").await,
        3,
        "Feedback 1 twice (one pointing to the open ticket) and once for BARU"
    );
    shutdown.cancel();
    processor.await.unwrap();
    db.close().await;
    drop_postgres_database(&database.url).await;
}
