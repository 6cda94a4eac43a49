//! The `tangkap` binary killed with SIGKILL while `/moban` traffic flows and staff pick up
//! and close orders in the Mini App: after restarts, every update Telegram considers
//! delivered is an order exactly once, every Feedback 1, 2 and 3 arrives, and a duplicate
//! message is allowed only for a kill in the instant between Telegram accepting a message
//! and our recording it: at most one per kill. `TANGKAP_KILLS` sets how many kills
//! (5 here; `scripts/soak` runs 20).
//!
//! Reminders coming due as the process is killed are each recorded once, and named in the
//! staff chat (a duplicate message only as above).
//!
//! Bookings whose holds run out as the process is killed: each hold is warned of and ends
//! once, its nights freed, each queued once for the FO chat.
//!
//! Cards pressed as the process is killed: every press is answered (or its answer refused
//! by Telegram as too late), no Feedback is sent twice but for a kill in that instant, and
//! every card ends showing its ticket as it stands.
//!
//! Payments arriving as the process is killed (the shop): every paid invoice is settled
//! once, its items queued once and delivered, a payment whose webhook met a dead process
//! found by the invoice's last look at the gateway; 3 kills here (`TANGKAP_KILLS` in
//! `scripts/soak`).
//!
//! And a restart does not stall delivery: after a SIGKILL in the middle of a burst of
//! Feedback 1, the last of them arrives no later than Telegram's limits allow plus 2 s,
//! counted from when the new process is ready (3 kills here; `scripts/soak` runs 20).

mod common;

use std::{
    collections::HashMap,
    process::{Child, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::{
    count, drop_postgres_database, init_logging, test_database, Backend, BOT_USERNAME, TOKEN,
};
use serde_json::{json, Value};
use tangkap::{
    db::Db,
    shop::catalogue,
    sim::{pakasir::FakePakasir, FakeTelegram, MemberStatus},
    users::{self, DisplayName, NewUser, Password, Username},
};

on_both_backends!(
    sigkill_during_mixed_traffic_loses_nothing,
    sigkill_during_webhook_traffic_loses_nothing
);

const GROUPS: usize = 4;
const PER_GROUP: usize = 10;

fn kills() -> usize {
    kills_or(5)
}

/// `TANGKAP_KILLS`, or `default` kills.
fn kills_or(default: usize) -> usize {
    std::env::var("TANGKAP_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(default)
}

fn start_tangkap(fake: &FakeTelegram, database_url: &str, port: u16) -> Tangkap {
    start_tangkap_with(fake, database_url, port, &[])
}

/// Like [`start_tangkap`], with more settings.
fn start_tangkap_with(
    fake: &FakeTelegram,
    database_url: &str,
    port: u16,
    settings: &[(&str, String)],
) -> Tangkap {
    let child = common::run_command(fake, database_url, port)
        .env("RUST_LOG", "warn")
        // Feedback 1 plain: the card's edits would not fit the tests' budget of 20
        // messages a minute per group; the card's kill test turns it on.
        .env("TANGKAP_GROUP_BUTTONS", "off")
        .envs(settings.iter().map(|(name, value)| (name, value)))
        .stdout(Stdio::null())
        .spawn()
        .expect("the tangkap binary starts");
    Tangkap(child)
}

/// A `tangkap run` process, killed when dropped: a test that fails does not leave it
/// running (and loading the rest of the run).
struct Tangkap(Child);

impl std::ops::Deref for Tangkap {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Tangkap {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Tangkap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the instance on `port` answers `/healthz`.
async fn wait_ready(port: u16) {
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    let started = Instant::now();
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
}

/// Waits (at most 30 s) until `sql` counts at least `least`; fails saying `what` if not.
async fn wait_for_at_least(db: &Db, sql: &str, least: i64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(db, sql).await < least {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// SIGKILLs `child` and starts Tangkap again with the same settings; returns it ready.
async fn kill_and_restart(
    mut child: Tangkap,
    fake: &FakeTelegram,
    database_url: &str,
    port: u16,
    settings: &[(&str, String)],
) -> Tangkap {
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let child = start_tangkap_with(fake, database_url, port, settings);
    wait_ready(port).await;
    child
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
    mixed_traffic_under_kills(backend, |_| Vec::new()).await
}

/// The same with updates posted to the webhook (one at a time, again until answered 200,
/// as Telegram does), where on SQLite a batch is stored and processed in one transaction.
async fn sigkill_during_webhook_traffic_loses_nothing(backend: Backend) {
    mixed_traffic_under_kills(backend, |port| {
        vec![
            ("TANGKAP_PUBLIC_URL", format!("http://127.0.0.1:{port}")),
            ("TANGKAP_WEBHOOK_SECRET", "rahasia-webhook-uji".to_owned()),
        ]
    })
    .await
}

/// `/moban` traffic and staff working the board while the process is killed; `settings`
/// (given the port) choose how updates come in.
async fn mixed_traffic_under_kills(
    backend: Backend,
    settings: impl Fn(u16) -> Vec<(&'static str, String)>,
) {
    init_logging();
    let kills = kills();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let groups: Vec<i64> = (0..GROUPS)
        .map(|i| fake.group(&format!("Grup {i}")))
        .collect();
    let user = fake.user("Penguji", None);
    let port = tangkap::sim::free_port();
    let settings = settings(port);

    let mut child = start_tangkap_with(&fake, &database.url, port, &settings);
    let db = Db::connect(&database.url).await.unwrap();
    // Once the first start answers /healthz the database is migrated; then add the staff.
    wait_ready(port).await;
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
        child = start_tangkap_with(&fake, &database.url, port, &settings);
    }
    let posted = producer.await.unwrap();
    if !settings.is_empty() {
        let taken = fake
            .webhook_statuses()
            .iter()
            .filter(|&&s| s == 200)
            .count();
        assert!(
            taken >= posted.len(),
            "{taken} updates taken through the webhook"
        );
    }
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

on_both_backends!(a_restart_does_not_stall_delivery);

/// Telegram's limits as the fake enforces them for one group.
const ONE_PER: Duration = Duration::from_secs(1);
const GROUP_WINDOW: Duration = Duration::from_secs(60);
const PER_GROUP_WINDOW: usize = 20;

/// The earliest instant `count` more messages to one group can all have arrived, starting
/// at `from`, when messages arrived at `before` (in order): one a second and twenty a
/// minute per group. (All chats together may get thirty a second, never reached here.)
fn earliest_finish(before: &[Instant], count: usize, from: Instant) -> Instant {
    let mut arrived = before.to_vec();
    let mut last = from;
    for _ in 0..count {
        let mut next = last;
        if let Some(&previous) = arrived.last() {
            next = next.max(previous + ONE_PER);
        }
        if arrived.len() >= PER_GROUP_WINDOW {
            next = next.max(arrived[arrived.len() - PER_GROUP_WINDOW] + GROUP_WINDOW);
        }
        arrived.push(next);
        last = next;
    }
    last
}

async fn a_restart_does_not_stall_delivery(backend: Backend) {
    init_logging();
    let rounds = kills_or(3);
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let user = fake.user("Penguji", None);
    let port = tangkap::sim::free_port();
    let mut child = start_tangkap(&fake, &database.url, port);
    wait_ready(port).await;
    let mut worst = Duration::ZERO;
    for round in 0..rounds {
        // Fresh groups each round: each burst meets limits of its own.
        let groups: Vec<i64> = (0..GROUPS)
            .map(|i| fake.group(&format!("Grup {round}-{i}")))
            .collect();
        for n in 0..PER_GROUP {
            for &group in &groups {
                fake.send_to_group(group, &user, &format!("/moban #R{round}-{n} #TRX #restart"));
            }
        }
        let sent = |fake: &FakeTelegram| -> usize {
            groups.iter().map(|&g| fake.bot_messages(g).len()).sum()
        };
        // Mid-burst: after between 2 and 8 of the 40 Feedback 1.
        let kill_after = 2 + (round * 3) % 7;
        assert!(
            fake.wait_until(Duration::from_secs(30), |f| sent(f) >= kill_after)
                .await
        );
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        child = start_tangkap(&fake, &database.url, port);
        // Delivery is timed from the moment the new process answers: how soon a process
        // starts is a figure of scripts/bench (`resources`, start to ready), and on a
        // loaded machine the start alone took seconds of this test's slack.
        wait_ready(port).await;
        let restarted = Instant::now();
        let all_answered = fake
            .wait_until(Duration::from_secs(120), |f| {
                groups.iter().all(|&g| {
                    let answered: std::collections::HashSet<_> = f
                        .bot_messages(g)
                        .iter()
                        .filter_map(|m| m.reply_to)
                        .collect();
                    answered.len() == PER_GROUP
                })
            })
            .await;
        assert!(all_answered, "round {round}: not every Feedback 1 arrived");
        let mut allowed = restarted;
        let mut last = restarted;
        for &group in &groups {
            let arrivals: Vec<Instant> =
                fake.bot_messages(group).iter().map(|m| m.arrived).collect();
            let (before, after): (Vec<Instant>, Vec<Instant>) =
                arrivals.iter().partition(|&&at| at <= restarted);
            allowed = allowed.max(earliest_finish(&before, after.len(), restarted));
            last = last.max(after.iter().copied().max().unwrap_or(restarted));
        }
        let late = last.saturating_duration_since(allowed);
        worst = worst.max(late);
        assert!(
            late <= Duration::from_secs(2),
            "round {round}: the last Feedback 1 came {:.1} s after the restart, {:.1} s later than Telegram's limits allow",
            (last - restarted).as_secs_f64(),
            late.as_secs_f64()
        );
    }
    child.kill().ok();
    child.wait().ok();
    eprintln!(
        "{rounds} kills mid-burst: the last Feedback 1 at most {:.2} s after Telegram's limits allowed",
        worst.as_secs_f64()
    );
    drop_postgres_database(&database.url).await;
}

on_both_backends!(a_kill_while_reminders_come_due_sends_each_once);

/// Requests per round of the reminder test: their breaches come due together.
const REMINDED: usize = 8;

async fn a_kill_while_reminders_come_due_sends_each_once(backend: Backend) {
    init_logging();
    let rounds = kills();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let db = Db::connect(&database.url).await.unwrap();
    let staff_chat = fake.group("FO");
    let group = fake.group("Operasional");
    let user = fake.user("Penguji", None);
    let port = tangkap::sim::free_port();
    let settings = [
        ("TANGKAP_SLA_PICKUP", "1500ms".to_owned()),
        ("TANGKAP_SLA_WARN_BEFORE", "0".to_owned()),
        ("TANGKAP_REMINDER_DIGEST", "0".to_owned()),
        ("TANGKAP_STAFF_CHAT", staff_chat.to_string()),
    ];
    let mut child = start_tangkap_with(&fake, &database.url, port, &settings);
    wait_ready(port).await;
    for round in 0..rounds {
        for n in 0..REMINDED {
            fake.send_to_group(
                group,
                &user,
                &format!("/moban #K{round}-{n} #TRX #pengingat"),
            );
        }
        let stored = ((round + 1) * REMINDED) as i64;
        wait_for_at_least(
            &db,
            "SELECT COUNT(*) FROM orders",
            stored,
            "orders not stored",
        )
        .await;
        // Killed around the moment the breaches come due: before, during or after.
        tokio::time::sleep(Duration::from_millis(1200 + (round as u64 * 97) % 600)).await;
        child = kill_and_restart(child, &fake, &database.url, port, &settings).await;
        wait_for_at_least(
            &db,
            "SELECT COUNT(*) FROM reminders WHERE outbox_id IS NOT NULL",
            stored,
            "reminders not all queued",
        )
        .await;
    }
    let expected = (rounds * REMINDED) as i64;
    let pending =
        format!("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND chat_id = {staff_chat}");
    let deadline = Instant::now() + Duration::from_secs(90);
    while count(&db, &pending).await > 0 {
        assert!(
            Instant::now() < deadline,
            "the staff chat's messages did not all go out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM reminders").await, expected);
    assert_eq!(
        count(&db, "SELECT COUNT(DISTINCT order_no) FROM reminders").await,
        expected,
        "one reminder per ticket"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM timers WHERE kind NOT IN ('report_window', 'backup')"
        )
        .await,
        0
    );
    // Breaches due together are told in one message, so a ticket is named in exactly one
    // message; a message the kill caught after Telegram took it but before its row was
    // marked sent goes again, the same text, once per kill at most.
    let mut copies: HashMap<String, usize> = HashMap::new();
    for message in fake.bot_messages(staff_chat) {
        *copies.entry(message.text).or_default() += 1;
    }
    let tickets = common::rows(&db, "SELECT ticket_no FROM orders").await;
    for ticket in tickets {
        let ticket = ticket[0].clone().unwrap();
        let naming = copies.keys().filter(|t| t.contains(&ticket)).count();
        assert_eq!(naming, 1, "{ticket} named in {naming} different messages");
    }
    let repeated: usize = copies.values().map(|n| n - 1).sum();
    assert!(
        repeated <= rounds,
        "at most one duplicate message per kill: {repeated} in {rounds} kills"
    );
    println!(
        "{rounds} kills: {expected} reminders recorded once each, {repeated} repeated in the chat"
    );
    db.close().await;
    drop_postgres_database(&database.url).await;
}

on_both_backends!(a_kill_while_holds_run_out_warns_and_cancels_each_once);

/// Guests booking in each round.
const GUESTS: usize = 4;

/// Bookings whose holds run out as the process is killed: each booking's hold is warned
/// of and ends once (one `expired` event, its nights freed, no hold timer left), and each
/// warning and each automatic cancellation is queued for the FO chat once.
async fn a_kill_while_holds_run_out_warns_and_cancels_each_once(backend: Backend) {
    init_logging();
    let rounds = kills();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let db = Db::connect(&database.url).await.unwrap();
    let front_office = fake.group("FO Hotel Melati");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tangkap.toml");
    std::fs::write(
        &config,
        format!(
            "[booking]\nhotel_name = \"Hotel Melati\"\nhold = \"3s\"\nwarn_before = \"1500ms\"\n\
             staff_chat = {front_office}\n\n[[booking.room_types]]\nname = \"Deluxe\"\nrooms = 100\n"
        ),
    )
    .unwrap();
    let settings = [("TANGKAP_CONFIG", config.display().to_string())];
    let port = tangkap::sim::free_port();
    let mut child = start_tangkap_with(&fake, &database.url, port, &settings);
    wait_ready(port).await;
    // Checking in today: held for the hold (a later day's is held until 18:00 then).
    let check_in = tangkap::booking::date_text(
        time::OffsetDateTime::now_utc()
            .to_offset(time::UtcOffset::from_hms(7, 0, 0).unwrap())
            .date(),
    );
    for round in 0..rounds {
        for n in 0..GUESTS {
            let guest = fake.user(&format!("Tamu {round}-{n}"), None);
            for text in ["/booking", &guest.first_name, &check_in, "1", "Deluxe"] {
                fake.send_private(&guest, text);
            }
        }
        let held = ((round + 1) * GUESTS) as i64;
        wait_for_at_least(
            &db,
            "SELECT COUNT(*) FROM bookings",
            held,
            "bookings not held",
        )
        .await;
        // Killed around the moments the warnings and the ends come due.
        tokio::time::sleep(Duration::from_millis(1000 + (round as u64 * 487) % 2500)).await;
        child = kill_and_restart(child, &fake, &database.url, port, &settings).await;
        wait_for_at_least(
            &db,
            "SELECT COUNT(*) FROM bookings WHERE status = 'cancelled'",
            held,
            "holds did not all run out",
        )
        .await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let expected = (rounds * GUESTS) as i64;
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM booking_events WHERE action = 'expired'"
        )
        .await,
        expected
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(DISTINCT booking_id) FROM booking_events WHERE action = 'expired'"
        )
        .await,
        expected,
        "one end per booking"
    );
    assert_eq!(
        count(&db, "SELECT COALESCE(MAX(taken), 0) FROM room_nights").await,
        0,
        "every night freed"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM timers WHERE kind NOT IN ('booking_erase', 'report_window', 'backup')"
        )
        .await,
        0
    );
    // Each warning and each end is queued for the FO chat once, in the transaction that
    // took its timer (the chat reads them as Telegram's limits for a group allow, 20 a
    // minute: delivery itself is the other tests' matter).
    let receipts = common::rows(&db, "SELECT receipt FROM bookings").await;
    for receipt in receipts {
        let receipt = receipt[0].clone().unwrap();
        for kind in ["Segera kedaluwarsa", "DIBATALKAN OTOMATIS"] {
            let queued = format!(
                "SELECT COUNT(*) FROM outbox WHERE chat_id = {front_office} \
                 AND payload LIKE '%{receipt}%' AND payload LIKE '%{kind}%'"
            );
            assert_eq!(count(&db, &queued).await, 1, "{kind} {receipt}");
        }
    }
    println!("{rounds} kills: {expected} holds warned of and ended once each");
    db.close().await;
    drop_postgres_database(&database.url).await;
}

on_both_backends!(sigkill_while_cards_are_pressed_leaves_every_card_in_its_tickets_state);

/// Requests per group in the card's kill test: each takes Feedback 1, 2 and 3 and up to
/// two edits of its card, within a group's 20 messages a minute.
const CARDS_PER_GROUP: usize = 3;

async fn sigkill_while_cards_are_pressed_leaves_every_card_in_its_tickets_state(backend: Backend) {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let database = test_database(backend).await;
    let groups: Vec<i64> = (0..2).map(|i| fake.group(&format!("Kartu {i}"))).collect();
    let requester = fake.user("Peminta", None);
    let staff = fake.user("Sari", Some("sari"));
    for &group in &groups {
        fake.set_member_status(group, &staff, MemberStatus::Member);
    }
    let port = tangkap::sim::free_port();
    let settings = vec![
        ("TANGKAP_GROUP_BUTTONS", "on".to_owned()),
        ("TANGKAP_PICKUP_UNDO", "0".to_owned()),
    ];
    let mut child = start_tangkap_with(&fake, &database.url, port, &settings);
    wait_ready(port).await;
    let db = Db::connect(&database.url).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let account = NewUser {
        name: DisplayName::parse("Sari").unwrap(),
        username: Username::parse("sari").unwrap(),
        telegram_id: staff.id,
        telegram_username: staff.username.clone(),
        password_hash: Password::parse("sandi-sari-1").unwrap().hash(),
        role: users::Role::Staff,
        state: users::AccountState::Active,
    };
    users::register(&mut tx, &account).await.unwrap();
    tx.commit().await.unwrap();

    for n in 0..CARDS_PER_GROUP {
        for &group in &groups {
            fake.send_to_group(group, &requester, &format!("/moban #KARTU-{n} #TRX #kartu"));
        }
    }
    let expected = CARDS_PER_GROUP * groups.len();
    wait_for_at_least(
        &db,
        "SELECT COUNT(*) FROM orders",
        expected as i64,
        "every request a ticket",
    )
    .await;
    let tickets: Vec<(i64, i64)> = common::rows(&db, "SELECT chat_id, no FROM orders ORDER BY no")
        .await
        .into_iter()
        .map(|row| {
            (
                row[0].as_ref().unwrap().parse().unwrap(),
                row[1].as_ref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let card_of = |fake: &FakeTelegram, chat: i64, no: i64| {
        let ticket = tickets.iter().position(|&(_, n)| n == no).unwrap();
        let order_id = format!("KARTU-{}", ticket / groups.len());
        fake.bot_messages(chat).into_iter().find(|m| {
            m.text
                .contains(&format!("Permintaan Anda {order_id} TRX sudah kami proses"))
        })
    };
    assert!(
        fake.wait_until(Duration::from_secs(60), |fake| tickets
            .iter()
            .all(|&(chat, no)| card_of(fake, chat, no).is_some()))
            .await,
        "every card delivered"
    );

    // Ambil on every card, Selesai on all but the last of each group, as clients that
    // press at once and do not wait for the card's edit; the process killed in between.
    let mut presses = Vec::new();
    let mut kills = 0;
    for (round, press) in ["p", "c"].into_iter().enumerate() {
        for (i, &(chat, no)) in tickets.iter().enumerate() {
            if press == "c" && i >= tickets.len() - groups.len() {
                continue;
            }
            let card = card_of(&fake, chat, no).unwrap();
            presses.push(fake.press_button_with_data(
                chat,
                card.message_id,
                &staff,
                &format!("t:{press}:{no}"),
            ));
            if i == 2 + round {
                child = kill_and_restart(child, &fake, &database.url, port, &settings).await;
                kills += 1;
            }
            tokio::time::sleep(Duration::from_millis(80)).await;
        }
    }

    let settled = fake
        .wait_until(Duration::from_secs(90), |fake| {
            fake.pending_updates() == 0
                && tickets.iter().all(|&(chat, no)| {
                    let card = card_of(fake, chat, no).unwrap();
                    !card.callbacks.iter().any(|(label, _)| label == "🙋 Ambil")
                })
        })
        .await;
    assert!(settled, "stats: {:?}", fake.stats());
    let open = count(&db, "SELECT COUNT(*) FROM orders WHERE status = 'pickup'").await;
    assert_eq!(
        open,
        groups.len() as i64,
        "the last card of each group stays picked up"
    );
    // Each press answered once; an answer that came after Telegram's time for it is
    // refused by Telegram, and that is all.
    let answers = "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%answer_callback%'";
    assert_eq!(count(&db, answers).await, presses.len() as i64);
    let answered = fake.callback_answers();
    for press in &presses {
        let once = answered
            .iter()
            .filter(|a| a.query_id == press.query_id)
            .count();
        assert!(once <= 1);
    }
    let refused_late = count(
        &db,
        "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%answer_callback%' AND status = 'failed'",
    )
    .await as usize;
    assert_eq!(answered.len() + refused_late, presses.len());

    // Every card as its ticket stands, once the last edits are through.
    let as_it_stands = fake
        .wait_until(Duration::from_secs(60), |fake| {
            tickets.iter().enumerate().all(|(i, &(chat, no))| {
                let card = card_of(fake, chat, no).unwrap();
                let labels: Vec<&str> = card.callbacks.iter().map(|(l, _)| l.as_str()).collect();
                if i >= tickets.len() - groups.len() {
                    card.text.contains("PICK UP oleh Sari") && labels == ["✅ Selesai"]
                } else {
                    card.text.contains("RESOLVED oleh Sari") && labels.is_empty()
                }
            })
        })
        .await;
    child.kill().ok();
    assert!(
        as_it_stands,
        "cards: {:#?}",
        groups
            .iter()
            .map(|&g| fake.bot_messages(g))
            .collect::<Vec<_>>()
    );
    let mut copies: HashMap<String, usize> = HashMap::new();
    for &group in &groups {
        for message in fake.bot_messages(group) {
            if message.text.contains("sudah di PICK UP")
                || message.text.contains("sudah di RESOLVED")
            {
                *copies.entry(message.text).or_default() += 1;
            }
        }
    }
    assert_eq!(copies.len(), tickets.len() * 2 - groups.len());
    let doubled: usize = copies.values().map(|n| n - 1).sum();
    assert!(
        doubled <= kills,
        "{doubled} Feedback sent twice for {kills} kills"
    );
    eprintln!("{kills} kills, {} presses, {} answered, {refused_late} too late, {doubled} Feedback sent twice", presses.len(), answered.len());
    db.close().await;
    drop_postgres_database(&database.url).await;
}

on_both_backends!(a_kill_while_payments_arrive_delivers_each_paid_order_once);

/// Buyers per round of the shop's kill test.
const BUYERS: usize = 4;

async fn a_kill_while_payments_arrive_delivers_each_paid_order_once(backend: Backend) {
    init_logging();
    let rounds = kills_or(3);
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let pakasir = FakePakasir::start("toko-uji", "pk_test_kill")
        .await
        .unwrap();
    let database = test_database(backend).await;
    let db = Db::connect(&database.url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tangkap.toml");
    // Invoices run out soon, so that one whose webhook met a dead process is looked at
    // again within the test.
    std::fs::write(
        &config,
        "[shop]\nenabled = true\ninvoice_ttl = \"4s\"\n\n[[shop.products]]\n\
         code = \"NETFLIX\"\nname = \"Netflix 1 Bulan\"\nprice = 10000\n",
    )
    .unwrap();
    let settings = [
        ("TANGKAP_CONFIG", config.display().to_string()),
        ("TANGKAP_PAKASIR_PROJECT", "toko-uji".to_owned()),
        ("TANGKAP_PAKASIR_API_KEY", "pk_test_kill".to_owned()),
        ("TANGKAP_PAKASIR_URL", pakasir.url()),
    ];
    let port = tangkap::sim::free_port();
    let mut child = start_tangkap_with(&fake, &database.url, port, &settings);
    wait_ready(port).await;
    pakasir.set_webhook(&format!("http://127.0.0.1:{port}/pakasir/webhook"));
    let items: Vec<String> = (0..rounds * BUYERS)
        .map(|n| format!("kode-rahasia-{n:03}"))
        .collect();
    let mut tx = db.begin().await.unwrap();
    catalogue::add_stock(&mut tx, "NETFLIX", &items.join("\n"))
        .await
        .unwrap()
        .expect("the product, seeded at start");
    tx.commit().await.unwrap();
    let mut buyers = Vec::new();
    let mut lost_webhooks = 0;
    for round in 0..rounds {
        for n in 0..BUYERS {
            let buyer = fake.user(&format!("Pembeli {round}-{n}"), None);
            fake.send_private(&buyer, "/beli NETFLIX");
            buyers.push(buyer);
        }
        let made = ((round + 1) * BUYERS) as i64;
        wait_for_at_least(
            &db,
            "SELECT COUNT(*) FROM shop_invoices WHERE qr IS NOT NULL",
            made,
            "QRs not made",
        )
        .await;
        // This round's invoices.
        let order_ids: Vec<String> =
            common::rows(&db, "SELECT order_id FROM shop_invoices ORDER BY id")
                .await
                .into_iter()
                .skip(round * BUYERS)
                .map(|row| row[0].clone().unwrap())
                .collect();
        let paying = {
            let pakasir = pakasir.clone();
            tokio::spawn(async move {
                let mut unanswered = 0;
                for order_id in order_ids {
                    let answer = pakasir.pay(&order_id).await.expect("a pending transaction");
                    unanswered += usize::from(answer != Some(200));
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                unanswered
            })
        };
        // Killed while the webhooks arrive.
        tokio::time::sleep(Duration::from_millis(20 + (round as u64 * 53) % 120)).await;
        child = kill_and_restart(child, &fake, &database.url, port, &settings).await;
        lost_webhooks += paying.await.unwrap();
    }
    let expected = (rounds * BUYERS) as i64;
    wait_for_at_least(
        &db,
        "SELECT COUNT(*) FROM shop_invoices WHERE status = 'paid'",
        expected,
        "paid invoices not all settled",
    )
    .await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM shop_items WHERE state = 'sold'").await,
        expected,
        "one item sold per paid invoice"
    );
    for item in &items {
        let queued = format!("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%{item}%'");
        assert_eq!(count(&db, &queued).await, 1, "{item} queued once");
    }
    // Each buyer gets their item; a second copy only for a kill in the instant between
    // Telegram taking a message and its sending being recorded.
    let delivered = |fake: &FakeTelegram| {
        buyers.iter().all(|buyer| {
            fake.bot_messages(buyer.id)
                .iter()
                .any(|m| m.text.contains("kode-rahasia-"))
        })
    };
    assert!(
        fake.wait_until(Duration::from_secs(30), delivered).await,
        "items not all delivered"
    );
    let copies: usize = buyers
        .iter()
        .map(|buyer| {
            fake.bot_messages(buyer.id)
                .iter()
                .filter(|m| m.text.contains("kode-rahasia-"))
                .count()
        })
        .sum();
    assert!(
        copies - buyers.len() <= rounds,
        "{copies} deliveries for {} buyers",
        buyers.len()
    );
    child.kill().unwrap();
    child.wait().unwrap();
    println!(
        "{rounds} kills: {expected} payments settled once ({lost_webhooks} of their webhooks \
         met a dead process), {copies} deliveries to {} buyers",
        buyers.len()
    );
    db.close().await;
    drop_postgres_database(&database.url).await;
}
