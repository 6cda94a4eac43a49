//! The `tangkap` binary killed with SIGKILL while `/moban` traffic flows and staff pick up
//! and close orders in the Mini App: after restarts, every update Telegram considers
//! delivered is an order exactly once, every Feedback 1, 2 and 3 arrives, and a duplicate
//! message is allowed only for a kill in the instant between Telegram accepting a message
//! and our recording it: at most one per kill. `TANGKAP_KILLS` sets how many kills
//! (5 here; `scripts/soak` runs 20).

mod common;

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use common::{
    count, drop_postgres_database, init_logging, test_database, Backend, BOT_USERNAME, TOKEN,
};
use serde_json::{json, Value};
use tangkap::{
    db::Db,
    sim::FakeTelegram,
    users::{self, DisplayName, NewUser, Password, Username},
};

on_both_backends!(sigkill_during_mixed_traffic_loses_nothing);

const GROUPS: usize = 4;
const PER_GROUP: usize = 10;

fn kills() -> usize {
    std::env::var("TANGKAP_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(5)
}

fn start_tangkap(fake: &FakeTelegram, database_url: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tangkap"))
        .arg("run")
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("TANGKAP_BOT_TOKEN", TOKEN)
        .env("TANGKAP_API_URL", fake.api_url())
        .env("DATABASE_URL", database_url)
        .env("TANGKAP_LISTEN", format!("127.0.0.1:{port}"))
        .env("TANGKAP_POLL_TIMEOUT_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("the tangkap binary starts")
}

/// Pickups and Closes made: few enough that every group's Feedback 1, 2 and 3 fit in
/// Telegram's 20 messages a minute per group.
const STAFF_STEPS: usize = 12;

/// A staff member working the board through the Mini App API for as long as `working`
/// (at most [`STAFF_STEPS`] steps), riding out the moments the server is down. Returns how
/// many steps were answered 200.
async fn work_the_board(base: String, working: Arc<AtomicBool>, pause: Duration) -> usize {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut token = None;
    let mut steps = 0;
    while working.load(Ordering::Relaxed) && steps < STAFF_STEPS {
        tokio::time::sleep(pause).await;
        let Some(session) = token.clone() else {
            let login = client
                .post(format!("{base}/api/login"))
                .json(&json!({ "login": "staf", "password": "sandi-staf-1" }))
                .send()
                .await;
            if let Ok(response) = login {
                if let Ok(body) = response.json::<Value>().await {
                    token = body["token"].as_str().map(str::to_owned);
                }
            }
            continue;
        };
        for (status, step) in [("order", "pickup"), ("pickup", "close")] {
            let page = client
                .get(format!("{base}/api/orders?status={status}&limit=1"))
                .header("X-Session-Token", &session)
                .send()
                .await;
            let Ok(Ok(page)) = page.map(|r| r.error_for_status()) else {
                continue;
            };
            let Ok(page) = page.json::<Value>().await else {
                continue;
            };
            let Some(no) = page["orders"][0]["no"].as_i64() else {
                continue;
            };
            let moved = client
                .post(format!("{base}/api/orders/{no}/{step}"))
                .header("X-Session-Token", &session)
                .send()
                .await;
            if moved.is_ok_and(|r| r.status() == 200) {
                steps += 1;
            }
        }
    }
    steps
}

async fn sigkill_during_mixed_traffic_loses_nothing(backend: Backend) {
    init_logging();
    let kills = kills();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let groups: Vec<i64> = (0..GROUPS)
        .map(|i| fake.group(&format!("Grup {i}")))
        .collect();
    let user = fake.user("Penguji", None);
    let port = tangkap::sim::free_port();

    let mut child = start_tangkap(&fake, &database.url, port);
    let db = Db::connect(&database.url).await.unwrap();
    // Once the first start answers /healthz the database is migrated; then add the staff.
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    let started = std::time::Instant::now();
    while !client
        .get(&health)
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "tangkap never became ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut tx = db.begin().await.unwrap();
    let staff = NewUser {
        name: DisplayName::parse("Staf Uji").unwrap(),
        username: Username::parse("staf").unwrap(),
        telegram_id: 4_242,
        telegram_username: None,
        password_hash: Password::parse("sandi-staf-1").unwrap().hash(),
        // An admin sees every group.
        role: users::Role::Admin,
        state: users::AccountState::Active,
    };
    users::register(&mut tx, &staff).await.unwrap();
    tx.commit().await.unwrap();

    // Kill at varied moments (polling, processing, sending, serving the API), with the
    // traffic spread over the whole time the kills take.
    let pauses: Vec<u64> = (0..kills as u64).map(|k| 300 + 170 * (k % 7)).collect();
    let spacing = Duration::from_millis(pauses.iter().sum::<u64>() / (GROUPS * PER_GROUP) as u64);
    let working = Arc::new(AtomicBool::new(true));
    let staff_pause = (spacing * 2).max(Duration::from_millis(150));
    let staff = tokio::spawn(work_the_board(
        format!("http://127.0.0.1:{port}"),
        working.clone(),
        staff_pause,
    ));
    let producer = {
        let (fake, groups, user) = (fake.clone(), groups.clone(), user.clone());
        tokio::spawn(async move {
            let mut posted = Vec::new();
            for n in 0..PER_GROUP {
                for &group in &groups {
                    let p = fake.send_to_group(
                        group,
                        &user,
                        &format!("/moban #K{group}-{n} #TRX #uji crash"),
                    );
                    posted.push((group, p.message_id));
                    tokio::time::sleep(spacing).await;
                }
            }
            posted
        })
    };
    for pause in pauses {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        child = start_tangkap(&fake, &database.url, port);
    }
    let posted = producer.await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    working.store(false, Ordering::Relaxed);
    let steps = staff.await.unwrap();

    // Every order that moved must have its Feedback 2 or 3; every request its Feedback 1.
    let picked = count(
        &db,
        "SELECT COUNT(*) FROM orders WHERE status IN ('pickup', 'close')",
    )
    .await as usize;
    let closed = count(&db, "SELECT COUNT(*) FROM orders WHERE status = 'close'").await as usize;
    let expected_messages = posted.len() + picked + closed;
    let settled = fake
        .wait_until(Duration::from_secs(180), |fake| {
            fake.pending_updates() == 0
                && groups
                    .iter()
                    .map(|&g| fake.bot_messages(g).len())
                    .sum::<usize>()
                    >= expected_messages
        })
        .await;
    // Let a wrongly repeated send show itself before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    child.kill().ok();
    child.wait().ok();
    assert!(
        settled,
        "pending updates: {}, stats: {:?}",
        fake.pending_updates(),
        fake.stats()
    );

    let mut copies: HashMap<String, usize> = HashMap::new();
    for &group in &groups {
        for message in fake.bot_messages(group) {
            *copies.entry(message.text).or_default() += 1;
        }
    }
    let duplicates: usize = copies.values().map(|n| n - 1).sum();
    assert!(
        duplicates <= kills,
        "{duplicates} duplicate messages for {kills} kills"
    );
    for &(group, message_id) in &posted {
        let answered = fake
            .bot_messages(group)
            .iter()
            .any(|m| m.reply_to == Some(message_id));
        assert!(
            answered,
            "no Feedback 1 for message {message_id} in {group}"
        );
    }
    assert_eq!(
        copies
            .keys()
            .filter(|t| t.contains("sudah di PICK UP"))
            .count(),
        picked
    );
    assert_eq!(
        copies
            .keys()
            .filter(|t| t.contains("sudah di RESOLVED"))
            .count(),
        closed
    );

    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM orders").await,
        posted.len() as i64
    );
    let distinct = "SELECT COUNT(*) FROM (SELECT DISTINCT chat_id, message_id FROM orders) o";
    assert_eq!(count(&db, distinct).await, posted.len() as i64);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM inbox WHERE status <> 'done'").await,
        0
    );
    eprintln!(
        "{kills} kills, {} orders, {steps} Mini App steps answered (orders picked up: {picked}, closed: {closed}), \
         {duplicates} duplicate messages",
        posted.len()
    );
    db.close().await;
    drop_postgres_database(&database.url).await;
}
