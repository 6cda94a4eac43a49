//! Owner alerts, read in the alert chat as the owners read them: each problem told once
//! when it starts (🔴, with what to do), reminded at most once per interval while it lasts
//! (⏰), and told once when it ends (✅), against the fake Telegram made to fail in each
//! way: the main token revoked (told through the alert bot), Telegram unreachable, the
//! webhook failing, a group that removed the bot (named by its title), a message stuck in
//! the outbox, a disk under its floor (across restarts), and the binary killed with
//! SIGKILL. The intervals are shortened through `AlertRules`.

mod common;

use std::{
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use common::{
    by_webhook, call, init_logging, log_in, place_order, register_staff, spawn_app_on,
    test_database, Backend, BOT_USERNAME, TOKEN,
};
use tangkap::{
    config::BotToken,
    ops::disk::Floor,
    settings::{AlertRules, Config},
    sim::{FakeTelegram, Fault, SimMessage},
};

on_both_backends!(
    a_revoked_main_token_is_told_through_the_alert_bot,
    telegram_down_is_told_once_it_answers_again,
    a_failing_webhook_is_told_reminded_and_recovered,
    a_group_that_removed_the_bot_is_named_by_its_title,
    a_message_stuck_in_the_outbox_is_told_reminded_and_recovered,
    low_disk_is_told_once_across_restarts_then_recovered,
    database_trouble_is_told_once_the_database_answers_again,
    a_start_after_an_unclean_stop_is_told_once,
);

const ALERT_TOKEN: &str = "987654321:AAAlertBotTokenForTestsOnly_0123456";
/// How long a test waits for an alert: the monitor looks every 100 ms here, but Telegram
/// answering again may wait for a retry's backoff.
const PATIENCE: Duration = Duration::from_secs(30);
/// The reminder interval in these tests (30 minutes for real).
const REMIND_EVERY: Duration = Duration::from_millis(1500);

/// The rules with short times: a look every 100 ms, failing for a second is a problem, a
/// reminder every 1.5 s. No disk is low (this machine's may be nearly full) and a queue
/// stuck only after the real 5 minutes, unless a test says otherwise.
fn quick(config: &mut Config) {
    config.alerts = AlertRules {
        check_every: Duration::from_millis(100),
        failing_for: Duration::from_secs(1),
        remind_every: REMIND_EVERY,
        disk: Floor {
            bytes: 0,
            percent: 0,
        },
        ..AlertRules::default()
    };
}

/// The alerts in `chat` so far whose text starts with `start`.
fn alerts(fake: &FakeTelegram, chat: i64, start: &str) -> Vec<SimMessage> {
    fake.bot_messages(chat)
        .into_iter()
        .filter(|message| message.text.starts_with(start))
        .collect()
}

/// Waits for an alert in `chat` whose text starts with `start`; returns the first.
async fn wait_for_alert(fake: &FakeTelegram, chat: i64, start: &str) -> SimMessage {
    let arrived = fake
        .wait_until(PATIENCE, |fake| !alerts(fake, chat, start).is_empty())
        .await;
    assert!(
        arrived,
        "no alert {start:?} in {chat}; the chat has {:#?}",
        fake.bot_messages(chat)
            .iter()
            .map(|m| &m.text)
            .collect::<Vec<_>>()
    );
    alerts(fake, chat, start).remove(0)
}

/// One alert starting with `raised`, then reminders starting with `reminded` (at least
/// one, and no more than one per interval between the alert and the end), then one end
/// starting with `recovered`, nothing after it.
fn assert_told_reminded_recovered(
    fake: &FakeTelegram,
    chat: i64,
    raised: &str,
    reminded: &str,
    recovered: &str,
) {
    let (raised, reminders, recovered) = (
        alerts(fake, chat, raised),
        alerts(fake, chat, reminded),
        alerts(fake, chat, recovered),
    );
    assert_eq!(raised.len(), 1, "told once: {raised:#?}");
    assert_eq!(recovered.len(), 1, "its end told once: {recovered:#?}");
    let lasted = recovered[0].arrived - raised[0].arrived;
    let most = (lasted.as_millis() / REMIND_EVERY.as_millis()) as usize + 1;
    assert!(
        (1..=most).contains(&reminders.len()),
        "{} reminders in {lasted:?}",
        reminders.len()
    );
    assert!(reminders
        .iter()
        .all(|reminder| (raised[0].message_id..recovered[0].message_id)
            .contains(&reminder.message_id)));
}

/// Waits for the end of the problem told in `chat`, which must begin with `recovered`, and
/// prints the figures of its course from `began` to `ended`.
async fn wait_for_end(
    fake: &FakeTelegram,
    chat: i64,
    recovered: &str,
    what: &str,
    (began, ended): (Instant, Instant),
) {
    let end = wait_for_alert(fake, chat, "✅").await;
    assert!(end.text.starts_with(recovered), "{}", end.text);
    print_figures(what, fake, chat, began, ended);
}

/// Prints how soon the alert in `chat` came after its problem `began`, how many
/// reminders followed, and how soon its end was told after the problem `ended`
/// (docs/reliability.md quotes these).
fn print_figures(what: &str, fake: &FakeTelegram, chat: i64, began: Instant, ended: Instant) {
    let first = |start: &str| alerts(fake, chat, start).first().map(|m| m.arrived);
    let (Some(raised), Some(recovered)) = (first("🔴"), first("✅")) else {
        return;
    };
    println!(
        "{what}: told {:.1} s after it began, {} reminders, its end told {:.1} s after it ended",
        (raised - began).as_secs_f64(),
        alerts(fake, chat, "⏰").len(),
        recovered.saturating_duration_since(ended).as_secs_f64()
    );
}

async fn a_revoked_main_token_is_told_through_the_alert_bot(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let alert_bot = fake.add_bot(ALERT_TOKEN, "tangkap_pemilik_bot");
    let owners = alert_bot.group("Pemilik");
    let app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alert_chat = Some(owners);
        config.alert_bot_token = Some(BotToken::parse(ALERT_TOKEN).unwrap());
    })
    .await;
    app.wait_until_bot_known().await;

    let began = Instant::now();
    app.fake.set_token_revoked(true);
    let raised = wait_for_alert(&alert_bot, owners, "🔴 Telegram menolak token bot utama").await;
    assert!(
        raised.text.contains("(401)")
            && raised
                .text
                .contains("👉 Minta token baru di @BotFather (/mybots → API Token)"),
        "{}",
        raised.text
    );
    wait_for_alert(&alert_bot, owners, "⏰ Masih: Telegram menolak token").await;
    let ended = Instant::now();
    app.fake.set_token_revoked(false);
    wait_for_end(
        &alert_bot,
        owners,
        "✅ Pulih: Telegram menerima token bot lagi (berlangsung",
        "token revoked",
        (began, ended),
    )
    .await;
    assert_told_reminded_recovered(
        &alert_bot,
        owners,
        "🔴",
        "⏰ Masih: Telegram menolak token",
        "✅",
    );
    // Through the alert bot, while the main bot could send nothing.
    assert!(alert_bot
        .bot_messages(owners)
        .iter()
        .all(|message| message.from_id == alert_bot.bot_id()));
    assert_ne!(alert_bot.bot_id(), app.fake.bot_id());
    assert!(
        alerts(&alert_bot, owners, "🔴 Telegram tidak bisa dihubungi").is_empty(),
        "a refused token is not Telegram unreachable"
    );
    app.finish().await;
}

async fn telegram_down_is_told_once_it_answers_again(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    let app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alert_chat = Some(owners);
    })
    .await;
    app.wait_until_bot_known().await;

    let began = Instant::now();
    app.fake.set_down(true);
    // Down for long enough to be a problem, and for reminders to come due twice over.
    tokio::time::sleep(Duration::from_secs(1) + 3 * REMIND_EVERY).await;
    assert!(app.fake.bot_messages(owners).is_empty());
    let ended = Instant::now();
    app.fake.set_down(false);

    let raised = wait_for_alert(&app.fake, owners, "🔴").await;
    assert!(
        raised
            .text
            .starts_with("🔴 Telegram tidak bisa dihubungi sejak")
            && raised
                .text
                .contains("👉 Periksa koneksi internet server ini, DNS dan firewall"),
        "{}",
        raised.text
    );
    wait_for_end(
        &app.fake,
        owners,
        "✅ Pulih: Telegram menjawab lagi; pesan yang menunggu sedang dikirim",
        "Telegram down",
        (began, ended),
    )
    .await;
    // The reminders due while the alert itself could not go were not piled up behind it.
    let texts: Vec<String> = app
        .fake
        .bot_messages(owners)
        .into_iter()
        .map(|message| message.text)
        .collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    app.finish().await;
}

async fn a_failing_webhook_is_told_reminded_and_recovered(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    let app = spawn_app_on(fake, backend, |config| {
        by_webhook(config);
        quick(config);
        // Telegram dates its errors to the second: 3 s leaves room for the retries every 200 ms.
        config.alerts.webhook_error_within = Duration::from_secs(3);
        config.alert_chat = Some(owners);
    })
    .await;
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.webhook_url().is_some())
            .await
    );

    // Telegram retries a webhook it cannot reach, each failure dated anew.
    let began = Instant::now();
    let failing = Arc::new(AtomicBool::new(true));
    let retries = tokio::spawn({
        let (fake, failing) = (app.fake.clone(), failing.clone());
        async move {
            while failing.load(Ordering::Relaxed) {
                fake.webhook_error("Connection refused");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    let raised = wait_for_alert(&app.fake, owners, "🔴").await;
    let webhook = app.fake.webhook_url().unwrap();
    assert!(
        raised
            .text
            .starts_with("🔴 Telegram gagal mengirim update ke webhook sejak")
            && raised.text.contains(": Connection refused.")
            && raised
                .text
                .contains(&format!("👉 Pastikan {webhook} terjangkau")),
        "{}",
        raised.text
    );
    wait_for_alert(
        &app.fake,
        owners,
        "⏰ Masih: Telegram gagal mengirim update",
    )
    .await;
    failing.store(false, Ordering::Relaxed);
    retries.await.unwrap();
    let ended = Instant::now();
    wait_for_end(
        &app.fake,
        owners,
        "✅ Pulih: Telegram mengirim update ke webhook lagi",
        "webhook failing",
        (began, ended),
    )
    .await;
    assert_told_reminded_recovered(&app.fake, owners, "🔴", "⏰", "✅");
    app.finish().await;
}

async fn a_group_that_removed_the_bot_is_named_by_its_title(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    let team = fake.group("Tim Gudang");
    let app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alert_chat = Some(owners);
    })
    .await;
    let member = app.fake.user("Rina", None);
    let staff = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &staff, "budi", "sandi-budi-1").await;
    let session = log_in(&app, "budi", "sandi-budi-1").await;
    let mut orders = Vec::new();
    for n in 1..=2 {
        let ticket = place_order(&app, team, &member, &format!("/moban #G-{n} #TOPUP #x")).await;
        orders.push(app.order_no(&ticket).await);
    }
    let step = |no: i64, step: &'static str| {
        let (app, session) = (&app, session.clone());
        async move {
            let path = format!("/orders/{no}/{step}");
            let (status, body) = call(app, "POST", &path, Some(&session), None).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{step}: {body}");
        }
    };

    app.fake.kick_bot(team);
    // Feedback 2 is refused for good.
    let began = Instant::now();
    step(orders[0], "pickup").await;
    let raised = wait_for_alert(&app.fake, owners, "🔴").await;
    assert!(
        raised
            .text
            .starts_with("🔴 Telegram menolak pesan ke grup Tim Gudang: ")
            && raised.text.contains("bot was kicked")
            && raised.text.contains("👉 Tambahkan bot lagi ke grup itu"),
        "{}",
        raised.text
    );
    // Feedback 3 is refused too, after the interval: reminded, counting both.
    tokio::time::sleep(REMIND_EVERY).await;
    step(orders[0], "close").await;
    let reminder = wait_for_alert(&app.fake, owners, "⏰").await;
    assert!(
        reminder
            .text
            .starts_with("⏰ Masih: Telegram menolak pesan ke grup Tim Gudang: "),
        "{}",
        reminder.text
    );
    // Back in the group, its next message goes through.
    let ended = Instant::now();
    app.fake.readd_bot(team);
    let before = app.fake.bot_messages(team).len();
    step(orders[1], "pickup").await;
    app.fake
        .wait_for_bot_messages(team, before + 1, PATIENCE)
        .await;
    wait_for_end(
        &app.fake,
        owners,
        "✅ Pulih: pesan ke grup Tim Gudang terkirim lagi",
        "group refusing",
        (began, ended),
    )
    .await;
    assert_told_reminded_recovered(&app.fake, owners, "🔴", "⏰", "✅");
    app.finish().await;
}

async fn a_message_stuck_in_the_outbox_is_told_reminded_and_recovered(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let alert_bot = fake.add_bot(ALERT_TOKEN, "tangkap_pemilik_bot");
    // An owner whose Telegram app is in English, who started the alert bot.
    let owner = fake.user_speaking("Owner", Some("owner"), "en");
    alert_bot.make_private_chat(&owner);
    let team = fake.group("Operasional");
    let app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alerts.stuck_after = Duration::from_secs(1);
        config.alert_chat = Some(owner.id);
        config.alert_bot_token = Some(BotToken::parse(ALERT_TOKEN).unwrap());
    })
    .await;
    // The main bot learns the owner's language when they write to it.
    common::say(&app, &owner, "/start").await;
    // Telegram holds the group's next message back for 5 seconds.
    app.fake
        .inject(Some("sendMessage"), 1, Fault::RetryAfter(5));
    let member = app.fake.user("Rina", None);
    let began = Instant::now();
    app.fake
        .send_to_group(team, &member, "/moban #S-1 #TOPUP #tertahan");

    let raised = wait_for_alert(&alert_bot, owner.id, "🔴").await;
    assert!(
        raised
            .text
            .starts_with("🔴 Messages wait to be sent: 1, the oldest since")
            && raised
                .text
                .contains("👉 See the other alerts here (Telegram, the token)"),
        "{}",
        raised.text
    );
    wait_for_alert(
        &alert_bot,
        owner.id,
        "⏰ Still: Messages wait to be sent: 1",
    )
    .await;
    let delivered = app.fake.wait_for_bot_messages(team, 1, PATIENCE).await;
    assert_eq!(delivered.len(), 1, "delivered at last");
    wait_for_end(
        &alert_bot,
        owner.id,
        "✅ Recovered: the message queue drains again (it lasted",
        "message stuck",
        (began, delivered[0].arrived),
    )
    .await;
    assert_told_reminded_recovered(&alert_bot, owner.id, "🔴", "⏰", "✅");
    app.finish().await;
}

async fn low_disk_is_told_once_across_restarts_then_recovered(backend: Backend) {
    let began = Instant::now();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    // No disk has this much free.
    let full = Floor {
        bytes: u64::MAX,
        percent: 100,
    };
    let mut app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alerts.disk = full;
        config.alert_chat = Some(owners);
    })
    .await;
    let raised = wait_for_alert(&app.fake, owners, "🔴").await;
    assert!(
        raised.text.starts_with("🔴 Disk hampir penuh: ")
            && raised
                .text
                .contains("👉 Kosongkan ruang (cadangan lama, log)"),
        "{}",
        raised.text
    );
    wait_for_alert(&app.fake, owners, "⏰ Masih: Disk hampir penuh").await;

    // A restart finds it told: reminded again in time, not raised again.
    app.restart().await;
    let reminded = alerts(&app.fake, owners, "⏰").len();
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| alerts(fake, owners, "⏰").len() > reminded)
            .await
    );
    assert_eq!(alerts(&app.fake, owners, "🔴").len(), 1);

    // Room again: its end is told.
    app.config.alerts.disk = Floor {
        bytes: 0,
        percent: 0,
    };
    let ended = Instant::now();
    app.restart().await;
    wait_for_end(
        &app.fake,
        owners,
        "✅ Pulih: ruang disk cukup lagi (berlangsung",
        "low disk",
        (began, ended),
    )
    .await;
    assert_eq!(alerts(&app.fake, owners, "🔴").len(), 1);
    assert_eq!(alerts(&app.fake, owners, "✅").len(), 1);
    app.finish().await;
}

async fn database_trouble_is_told_once_the_database_answers_again(backend: Backend) {
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    let app = spawn_app_on(fake, backend, |config| {
        quick(config);
        config.alert_chat = Some(owners);
    })
    .await;
    app.wait_until_bot_known().await;
    // The table the monitor writes its sign of life to goes away for a while: each of its
    // looks fails, and with the database failing nothing can be queued meanwhile.
    let began = Instant::now();
    sqlx::query("ALTER TABLE instances RENAME TO instances_away")
        .execute(app.db.writer())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(app.fake.bot_messages(owners).is_empty());
    let ended = Instant::now();
    sqlx::query("ALTER TABLE instances_away RENAME TO instances")
        .execute(app.db.writer())
        .await
        .unwrap();
    let raised = wait_for_alert(&app.fake, owners, "🔴").await;
    assert!(
        raised.text.starts_with("🔴 Database gagal menjawab sejak")
            && raised.text.contains("instances")
            && raised
                .text
                .contains("👉 Periksa server database (DATABASE_URL)"),
        "{}",
        raised.text
    );
    wait_for_end(
        &app.fake,
        owners,
        "✅ Pulih: database menjawab lagi (berlangsung",
        "database failing",
        (began, ended),
    )
    .await;
    assert_eq!(app.fake.bot_messages(owners).len(), 2);
    app.finish().await;
}

/// A `tangkap run` process, killed when dropped.
struct Tangkap(Child);

impl Drop for Tangkap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with alerts to `owners`, and waits until it answers `/healthz` and
/// polls Telegram (its run is recorded by then).
async fn start_tangkap(fake: &FakeTelegram, database_url: &str, owners: i64) -> Tangkap {
    let polls = || fake.stats().calls.get("getupdates").copied().unwrap_or(0);
    let polled = polls();
    let port = tangkap::sim::free_port();
    let child = common::run_command(fake, database_url, port)
        .env("TANGKAP_ALERT_CHAT", owners.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the tangkap binary starts");
    let tangkap = Tangkap(child);
    let health = format!("http://127.0.0.1:{port}/healthz");
    let started = Instant::now();
    while !reqwest::get(&health)
        .await
        .is_ok_and(|answer| answer.status() == 200)
    {
        assert!(started.elapsed() < PATIENCE, "tangkap never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fake.wait_until(PATIENCE, |_| polls() > polled).await);
    tangkap
}

async fn a_start_after_an_unclean_stop_is_told_once(backend: Backend) {
    init_logging();
    let fake = FakeTelegram::start(TOKEN, BOT_USERNAME).await.unwrap();
    let owners = fake.group("Pemilik");
    let database = test_database(backend).await;
    let unclean = "🔴 Tangkap berhenti tanpa dimatikan dengan benar";

    let mut first = start_tangkap(&fake, &database.url, owners).await;
    first.0.kill().expect("SIGKILL");
    first.0.wait().unwrap();
    let mut second = start_tangkap(&fake, &database.url, owners).await;
    let ready = Instant::now();
    let told = wait_for_alert(&fake, owners, unclean).await;
    println!(
        "unclean stop: told {:.2} s after the next start was ready",
        told.arrived.saturating_duration_since(ready).as_secs_f64()
    );
    assert!(
        told.text.contains("terakhir terlihat hidup")
            && told.text.contains("👉 Periksa log sekitar jam itu"),
        "{}",
        told.text
    );

    // A clean stop (SIGTERM) is not one.
    let status = Command::new("kill")
        .arg(second.0.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = second.0.wait().unwrap();
    assert!(stopped.success(), "{stopped}");
    let mut third = start_tangkap(&fake, &database.url, owners).await;
    third.0.kill().expect("SIGKILL");
    third.0.wait().unwrap();
    let fourth = start_tangkap(&fake, &database.url, owners).await;
    // Whatever the third start queued went before what the fourth did.
    assert!(
        fake.wait_until(PATIENCE, |fake| alerts(fake, owners, unclean).len() >= 2)
            .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(alerts(&fake, owners, unclean).len(), 2, "one per SIGKILL");
    drop(fourth);
    common::drop_postgres_database(&database.url).await;
}
