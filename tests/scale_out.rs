//! Two Tangkap instances in webhook mode sharing one PostgreSQL database, with the updates
//! split between them (and each also delivered to the other, as Telegram may do after a
//! timeout): every update is processed once, every message sent once, and of pickups
//! pressed on both instances one wins.

mod common;

use std::time::Duration;

use common::{
    init_logging, register_staff, test_config, test_database, Backend, TestApp, BOT_USERNAME, TOKEN,
};
use serde_json::{json, Value};
use tangkap::{
    app::{self, Running},
    config::Secret,
    db::Db,
    groups::settings::SlaDefaults,
    settings::Config,
    sim::FakeTelegram,
    telegram::outbox::{self, Outgoing},
};

const SECRET: &str = "scale-out-secret";

fn update(update_id: i64, group: i64, message_id: i64) -> Value {
    json!({ "update_id": update_id, "message": {
        "message_id": message_id, "date": 1_700_000_000,
        "from": { "id": 7_000_000 + update_id, "is_bot": false, "first_name": "Anggota" },
        "chat": { "id": group, "type": "supergroup", "title": "Grup" },
        "text": format!("/moban #SO-{update_id} #TOPUP #dua instans"),
        "entities": [{ "type": "bot_command", "offset": 0, "length": 6 }],
    }})
}

/// `count` instances in webhook mode on one database, each on a port of its own, after
/// `adjust`.
async fn start_instances(
    fake: &FakeTelegram,
    database_url: &str,
    count: usize,
    adjust: impl Fn(&mut Config),
) -> Vec<Running> {
    let mut instances = Vec::new();
    for _ in 0..count {
        let port = tangkap::sim::free_port();
        let mut config = test_config(fake, database_url);
        config.listen = format!("127.0.0.1:{port}").parse().unwrap();
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        config.webhook_secret = Some(Secret::new(SECRET));
        adjust(&mut config);
        instances.push(app::start(config).await.unwrap());
    }
    instances
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres_without_doing_anything_twice() {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Postgres).await;
    let instances = start_instances(&fake, &database.url, 2, |_| {}).await;
    let urls: Vec<String> = instances
        .iter()
        .map(|i| format!("http://{}", i.http_addr))
        .collect();
    let groups: Vec<i64> = (0..4).map(|i| fake.group(&format!("Grup {i}"))).collect();

    // 40 updates; each goes to one instance first and then, again, to the other.
    let client = reqwest::Client::new();
    let mut deliveries = tokio::task::JoinSet::new();
    for n in 0..40i64 {
        let group = groups[(n % 4) as usize];
        for round in 0..2 {
            let url = &urls[((n + round) % 2) as usize];
            deliveries.spawn(deliver(&client, url, update(n + 1, group, n + 1)));
        }
    }
    deliveries.join_all().await;

    let all_sent = fake
        .wait_until(Duration::from_secs(60), |fake| {
            groups
                .iter()
                .map(|&g| fake.bot_messages(g).len())
                .sum::<usize>()
                >= 40
        })
        .await;
    // Let a message sent twice show itself.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(all_sent, "stats: {:?}", fake.stats());
    let mut texts: Vec<String> = groups
        .iter()
        .flat_map(|&g| fake.bot_messages(g))
        .map(|m| m.text)
        .collect();
    texts.sort();
    let before = texts.len();
    texts.dedup();
    assert_eq!((before, texts.len()), (40, 40), "each Feedback 1 once");
    assert_eq!(
        fake.stats().limit_rejections,
        0,
        "the instances together kept to Telegram's limits"
    );

    let db = Db::connect(&database.url).await.unwrap();
    assert_eq!(common::count(&db, "SELECT COUNT(*) FROM orders").await, 40);
    assert_eq!(
        common::count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await,
        40
    );

    // Staff on both instances press Pickup on the same order.
    let app = TestApp {
        fake: fake.clone(),
        config: test_config(&fake, &database.url),
        db,
        running: None,
        database,
    };
    let staff = fake.user("Budi", None);
    register_staff(&app, &staff, "budi", "sandi-budi-1").await;
    let mut presses = tokio::task::JoinSet::new();
    for n in 0..20 {
        let (client, url) = (client.clone(), urls[n % 2].clone());
        presses.spawn(async move {
            let login: Value = client
                .post(format!("{url}/api/login"))
                .json(&json!({ "login": "budi", "password": "sandi-budi-1" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token = login["token"].as_str().unwrap().to_owned();
            client
                .post(format!("{url}/api/orders/1/pickup"))
                .header("X-Session-Token", token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = presses.join_all().await;
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        19,
        "{statuses:?}"
    );

    // Six requests with one Order_ID in one group, split between the instances at once:
    // one ticket, and the other five are pointed to it.
    let twins = fake.group("Grup kembar");
    let mut deliveries = tokio::task::JoinSet::new();
    for n in 100..106 {
        let mut body = update(n, twins, n);
        body["message"]["text"] = json!("/moban #SO-SAMA #TOPUP #kembar");
        deliveries.spawn(deliver(&client, &urls[n as usize % 2], body));
    }
    deliveries.join_all().await;
    let replies = format!("SELECT COUNT(*) FROM outbox WHERE chat_id = {twins}");
    assert_eq!(common::wait_for_count(&app.db, &replies, 6).await, 6);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE order_id = 'SO-SAMA'")
            .await,
        1
    );
    let linked = format!("{replies} AND payload LIKE '%SO-SAMA sudah tercatat di tiket%'");
    assert_eq!(app.count(&linked).await, 5);

    for instance in instances {
        instance.stop().await;
    }
    app.finish().await;
}

/// Posts `update` to the webhook of the instance at `url`, which must take it.
fn deliver(
    client: &reqwest::Client,
    url: &str,
    update: Value,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let request = client
        .post(format!("{url}/telegram/webhook"))
        .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
        .json(&update);
    async move {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}

/// Telegram counts a bot's messages, not an instance's: two instances together must stay
/// within 30 messages a second overall and 20 a minute per group. 90 messages to 90 groups
/// and 21 to one group are queued at once; the fake answers 429 to any message over the
/// limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_together_keep_telegrams_limits() {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Postgres).await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let many: Vec<i64> = (0..90).map(|i| fake.group(&format!("Grup {i}"))).collect();
    let busy = fake.group("Grup ramai");
    let mut messages: Vec<Outgoing> = many
        .iter()
        .map(|&g| Outgoing::message(g, "Pemberitahuan".into()))
        .collect();
    messages.extend((0..21).map(|n| Outgoing::message(busy, format!("Pesan {n}"))));
    let mut tx = db.begin().await.unwrap();
    outbox::enqueue_many(&mut tx, &messages).await.unwrap();
    tx.commit().await.unwrap();
    let started = std::time::Instant::now();
    let instances = start_instances(&fake, &database.url, 2, |_| {}).await;

    let spread = fake
        .wait_until(Duration::from_secs(30), |fake| {
            many.iter().all(|&g| fake.bot_messages(g).len() == 1)
        })
        .await;
    assert!(spread, "stats: {:?}", fake.stats());
    let spread_took = started.elapsed();
    let busy_done = fake
        .wait_until(Duration::from_secs(90), |fake| {
            fake.bot_messages(busy).len() == 21
        })
        .await;
    assert!(busy_done, "stats: {:?}", fake.stats());
    assert_eq!(
        fake.stats().limit_rejections,
        0,
        "the two instances together went over Telegram's limits"
    );
    // 111 messages at 30 a second take at least 3.7 s; the 21st to one group waits for
    // the minute of the first.
    assert!(spread_took >= Duration::from_secs(2), "{spread_took:?}");
    assert!(started.elapsed() >= Duration::from_secs(60));
    // Telegram has them all; the instance that sent the last may still be recording it.
    let sent = common::wait_for_count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE status = 'sent'",
        111,
    )
    .await;
    assert_eq!(sent, 111);

    for instance in instances {
        instance.stop().await;
    }
    db.close().await;
    common::drop_postgres_database(&database.url).await;
}

/// Reminders that come due while two instances run are each sent once: an instance takes
/// a due timer by deleting it, and the other skips the row it has locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_fire_each_reminder_once() {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Postgres).await;
    let instances = start_instances(&fake, &database.url, 2, |config| {
        config.sla = SlaDefaults {
            pickup: Some(Duration::from_millis(1500)),
            close: None,
            warn_before: Duration::from_millis(1000),
        };
        // Gathered, so the owner's chat (a message a second) is not long in draining.
        config.reminder_digest = Duration::from_secs(2);
    })
    .await;
    let db = instances[0].state.db.clone();
    let owner = fake.user("Budi", None);
    fake.make_private_chat(&owner);
    let mut tx = db.begin().await.unwrap();
    tangkap::users::register(
        &mut tx,
        &tangkap::users::NewUser {
            name: tangkap::users::DisplayName::parse("Budi").unwrap(),
            username: tangkap::users::Username::parse("budi").unwrap(),
            telegram_id: owner.id,
            telegram_username: None,
            password_hash: tangkap::users::Password::parse("sandi-rahasia-1")
                .unwrap()
                .hash(),
            role: tangkap::users::Role::Owner,
            state: tangkap::users::AccountState::Active,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let group = fake.group("Grup Pengingat");
    let client = reqwest::Client::new();
    for n in 0..30i64 {
        let url = format!(
            "http://{}/telegram/webhook",
            instances[(n % 2) as usize].http_addr
        );
        let response = client
            .post(url)
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .json(&update(n + 1, group, n + 1))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // 30 breaches for the owner, in however many messages.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while common::count(&db, "SELECT COUNT(*) FROM reminders").await < 30 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "reminders did not all come due"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // (Feedback 1 to the group takes longer: 20 messages a minute.)
    let owner_pending = format!(
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND chat_id = {}",
        owner.id
    );
    let held = "SELECT COUNT(*) FROM reminders WHERE outbox_id IS NULL";
    while common::count(&db, &owner_pending).await + common::count(&db, held).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "messages did not all go out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        common::count(&db, "SELECT COUNT(*) FROM reminders").await,
        30
    );
    assert_eq!(
        common::count(&db, "SELECT COUNT(DISTINCT order_no) FROM reminders").await,
        30
    );
    assert_eq!(
        common::count(
            &db,
            "SELECT COUNT(*) FROM timers WHERE kind NOT IN ('report_window', 'backup')"
        )
        .await,
        0
    );
    // Each ticket is named at most once, and the messages account for all 30 (a digest
    // lists 20 and counts the rest).
    let tickets: Vec<Vec<Option<String>>> =
        common::rows(&db, "SELECT ticket_no FROM orders ORDER BY no").await;
    let messages = fake.bot_messages(owner.id);
    let told: String = messages
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    for ticket in tickets {
        let ticket = ticket[0].clone().unwrap();
        assert!(
            told.matches(&ticket).count() <= 1,
            "{ticket} once in:\n{told}"
        );
    }
    let accounted: usize = messages
        .iter()
        .map(|m| {
            m.text
                .split(" tiket perlu perhatian")
                .next()
                .and_then(|head| head.rsplit(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(1)
        })
        .sum();
    assert_eq!(accounted, 30, "{told}");
    for instance in instances {
        instance.stop().await;
    }
    db.close().await;
    common::drop_postgres_database(&database.url).await;
}
