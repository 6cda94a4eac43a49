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

/// `count` instances in webhook mode on one database, each on a port of its own.
async fn start_instances(fake: &FakeTelegram, database_url: &str, count: usize) -> Vec<Running> {
    let mut instances = Vec::new();
    for _ in 0..count {
        let port = tangkap::sim::free_port();
        let mut config = test_config(fake, database_url);
        config.listen = format!("127.0.0.1:{port}").parse().unwrap();
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        config.webhook_secret = Some(Secret::new(SECRET));
        instances.push(app::start(config).await.unwrap());
    }
    instances
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres_without_doing_anything_twice() {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(Backend::Postgres).await;
    let instances = start_instances(&fake, &database.url, 2).await;
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
            let url = format!("{}/telegram/webhook", urls[((n + round) % 2) as usize]);
            let (client, body) = (client.clone(), update(n + 1, group, n + 1));
            deliveries.spawn(async move {
                let response = client
                    .post(url)
                    .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200);
            });
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

    for instance in instances {
        instance.stop().await;
    }
    app.finish().await;
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
    let instances = start_instances(&fake, &database.url, 2).await;

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
    let sent = common::count(&db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await;
    assert_eq!(sent, 111);

    for instance in instances {
        instance.stop().await;
    }
    db.close().await;
    common::drop_postgres_database(&database.url).await;
}
