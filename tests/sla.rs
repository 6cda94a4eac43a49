//! Time on every ticket: a warning before its target runs out and a breach after, each
//! once, to the right people; a step in time cancels them; a chat is not flooded; staff
//! can mute them; and a reminder due while Tangkap was down goes once at start. Targets
//! of a few seconds, so the tests wait only as long as the reminders take.

mod common;

use std::time::{Duration, Instant};

use common::{
    call, call_in, log_in, place_order, register_account, say, spawn_app_with, spawn_public_app,
    Backend, TestApp, PATIENCE,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Executor;
use tangkap::{
    groups::settings::SlaDefaults,
    orders::workflow::Transition,
    reports,
    sim::{SimMessage, SimUser},
    users::{AccountState, Role, User},
};

on_both_backends!(
    a_warning_then_a_breach_each_once_to_the_right_people,
    a_step_in_time_cancels_its_reminders_and_starts_the_next,
    reminders_due_within_the_digest_period_come_as_one_message,
    a_reminder_due_while_stopped_goes_once_at_start,
    group_settings_retime_open_tickets_and_the_board_sorts_by_urgency,
    targets_typed_in_words_are_taken,
    the_report_shows_how_the_team_is_doing_to_owners_only,
    the_daily_rekap_goes_to_the_staff_chat_once,
);

const PASSWORD: &str = "sandi-rahasia-1";

fn targets(pickup: u64, close: u64, warn_before: u64) -> SlaDefaults {
    let target = |ms: u64| (ms > 0).then(|| Duration::from_millis(ms));
    SlaDefaults {
        pickup: target(pickup),
        close: target(close),
        warn_before: Duration::from_millis(warn_before),
    }
}

/// The people of these tests: Budi owns the team, Siti works the group, Rina works
/// another group, and the requester (without an account) asks in the group: someone who
/// posts in a group is a member of it.
struct Team {
    group: i64,
    requester: SimUser,
    budi: SimUser,
    siti: SimUser,
    siti_account: User,
    rina: SimUser,
    rina_account: User,
}

async fn team(app: &TestApp) -> Team {
    let group = app.fake.group("Tim Operasional");
    let budi = app.fake.user("Budi", Some("budi"));
    let siti = app.fake.user("Siti", Some("siti"));
    let rina = app.fake.user("Rina", Some("rina"));
    let requester = app.fake.user("Penanya", None);
    register_account(
        app,
        &budi,
        "budi",
        PASSWORD,
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let siti_account = register_account(
        app,
        &siti,
        "siti",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let rina_account = register_account(
        app,
        &rina,
        "rina",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    // The bot sees Siti join the group: Telegram's word that she is a member.
    app.fake.join_group(group, &siti);
    let members = app
        .wait_for_count("SELECT COUNT(*) FROM group_members WHERE is_member = 1", 1)
        .await;
    assert_eq!(members, 1);
    Team {
        group,
        requester,
        budi,
        siti,
        siti_account,
        rina,
        rina_account,
    }
}

/// The bot's messages in `user`'s private chat.
fn private(app: &TestApp, user: &SimUser) -> Vec<SimMessage> {
    app.fake.bot_messages(user.id)
}

/// Waits until `user`'s private chat holds `count` bot messages, then a little longer to
/// see that no more come.
async fn settle(app: &TestApp, user: &SimUser, count: usize, quiet: Duration) -> Vec<SimMessage> {
    app.fake
        .wait_for_bot_messages(user.id, count, PATIENCE)
        .await;
    tokio::time::sleep(quiet).await;
    private(app, user)
}

async fn a_warning_then_a_breach_each_once_to_the_right_people(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.sla = targets(3000, 0, 2000);
        config.reminder_digest = Duration::ZERO;
    })
    .await;
    let team = team(&app).await;
    let posted = Instant::now();
    let ticket = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #INV-77 #TOPUP #Saldo <belum> masuk",
    )
    .await;

    let siti = settle(&app, &team.siti, 2, Duration::from_millis(1500)).await;
    assert_eq!(siti.len(), 2, "Siti: a warning and a breach: {siti:#?}");
    let (warning, breach) = (&siti[0], &siti[1]);
    assert!(
        warning.text.contains("Segera lewat batas Pickup")
            && warning.text.contains(&ticket)
            && warning.text.contains("Tim Operasional")
            && warning.text.contains("INV-77")
            && warning.text.contains("lagi"),
        "{}",
        warning.text
    );
    assert!(
        warning.arrived.duration_since(posted) >= Duration::from_millis(900),
        "the warning waits for its time"
    );
    assert!(
        breach.text.contains("Lewat batas Pickup")
            && breach.text.contains(&ticket)
            && breach.text.contains("terlambat"),
        "{}",
        breach.text
    );
    assert!(breach.arrived.duration_since(posted) >= Duration::from_millis(2900));
    for message in &siti {
        assert!(
            message
                .buttons
                .iter()
                .any(|(text, url)| text.contains(&ticket)
                    && url.ends_with(&format!("?ticket={ticket}"))),
            "a button opens the ticket: {:?}",
            message.buttons
        );
    }
    // The owner hears of the breach only; Rina, not in the group, of nothing; the
    // requester's group of nothing new.
    let budi = private(&app, &team.budi);
    assert_eq!(budi.len(), 1, "{budi:#?}");
    assert!(budi[0].text.contains("Lewat batas Pickup"));
    assert!(private(&app, &team.rina).is_empty());
    assert_eq!(
        app.fake.bot_messages(team.group).len(),
        1,
        "Feedback 1 only"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM reminders").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM timers WHERE kind NOT IN ('report_window', 'backup')")
            .await,
        0
    );
    app.finish().await;
}

async fn a_step_in_time_cancels_its_reminders_and_starts_the_next(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.sla = targets(2000, 3000, 1000);
        config.reminder_digest = Duration::ZERO;
    })
    .await;
    let team = team(&app).await;
    let ticket = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #INV-78 #REFUND #Dana",
    )
    .await;
    let no = order_no(&app, &ticket).await;
    let steps = &app.running.as_ref().unwrap().state.steps;
    steps
        .apply(no, Transition::Pickup, &team.siti_account)
        .await
        .expect("Siti picks it up");
    let picked = Instant::now();

    // No Pickup reminder, ever; the Close ones go to Siti, who holds it, and the breach to
    // the owner.
    let siti = settle(&app, &team.siti, 2, Duration::from_millis(1200)).await;
    assert_eq!(siti.len(), 2, "{siti:#?}");
    assert!(
        siti[0].text.contains("Segera lewat batas Close"),
        "{}",
        siti[0].text
    );
    assert!(
        siti[1].text.contains("Lewat batas Close"),
        "{}",
        siti[1].text
    );
    assert!(siti[0].arrived.duration_since(picked) >= Duration::from_millis(1900));
    let budi = private(&app, &team.budi);
    assert_eq!(budi.len(), 1, "{budi:#?}");
    assert!(budi[0].text.contains("Lewat batas Close"));
    assert!(siti.iter().chain(&budi).all(|m| !m.text.contains("Pickup")));

    // Closing leaves nothing to remind of.
    steps
        .apply(no, Transition::Close, &team.siti_account)
        .await
        .expect("Siti closes it");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM timers WHERE kind NOT IN ('report_window', 'backup')")
            .await,
        0
    );
    let due: Vec<Vec<Option<String>>> = app
        .rows(&format!(
            "SELECT pickup_due_at - created_at, close_due_at - picked_at FROM orders WHERE no = {no}"
        ))
        .await;
    assert_eq!(
        due[0],
        vec![Some("2000".to_owned()), Some("3000".to_owned())],
        "each stage is due its target after it began"
    );
    app.finish().await;
}

async fn order_no(app: &TestApp, ticket: &str) -> i64 {
    app.count(&format!(
        "SELECT no FROM orders WHERE ticket_no = '{ticket}'"
    ))
    .await
}

async fn reminders_due_within_the_digest_period_come_as_one_message(backend: Backend) {
    const DIGEST: Duration = Duration::from_secs(4);
    let app = spawn_public_app(backend, |config| {
        config.sla = targets(1000, 0, 0);
        config.reminder_digest = DIGEST;
    })
    .await;
    let team = team(&app).await;
    let first = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #A-1 #TOPUP #satu",
    )
    .await;
    let alone = settle(&app, &team.siti, 1, Duration::ZERO).await;
    assert!(alone[0].text.contains(&first), "{}", alone[0].text);

    // Three more come due within the period: held, then one message listing them.
    let mut later = Vec::new();
    for n in 2..=4 {
        later.push(
            place_order(
                &app,
                team.group,
                &team.requester,
                &format!("/moban #A-{n} #TOPUP #lagi"),
            )
            .await,
        );
    }
    let siti = settle(&app, &team.siti, 2, Duration::from_millis(1500)).await;
    assert_eq!(siti.len(), 2, "{siti:#?}");
    let digest = &siti[1];
    assert!(
        digest.text.contains("3 tiket perlu perhatian"),
        "{}",
        digest.text
    );
    for ticket in &later {
        assert!(digest.text.contains(ticket), "{ticket} in {}", digest.text);
    }
    assert!(!digest.text.contains(&first));
    let gap = digest.arrived.duration_since(alone[0].arrived);
    assert!(
        gap >= DIGEST - Duration::from_millis(100) && gap < DIGEST + Duration::from_secs(2),
        "the digest waits for the period: {gap:?}"
    );
    assert_eq!(digest.buttons.len(), 3, "a button per ticket");
    // The owner's breaches follow the same rule.
    let budi = private(&app, &team.budi);
    assert_eq!(budi.len(), 2, "{budi:#?}");
    app.finish().await;
}

async fn a_reminder_due_while_stopped_goes_once_at_start(backend: Backend) {
    let mut app = spawn_app_with(backend, |config| {
        config.sla = targets(1500, 0, 0);
        config.reminder_digest = Duration::ZERO;
    })
    .await;
    let team = team(&app).await;
    let ticket = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #B-1 #TOPUP #mati",
    )
    .await;
    app.stop().await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert!(
        private(&app, &team.siti).is_empty(),
        "nothing while stopped"
    );
    app.restart().await;
    let siti = settle(&app, &team.siti, 1, Duration::from_millis(1500)).await;
    assert_eq!(siti.len(), 1, "{siti:#?}");
    assert!(siti[0].text.contains(&ticket) && siti[0].text.contains("terlambat"));
    assert_eq!(app.count("SELECT COUNT(*) FROM reminders").await, 2);
    app.finish().await;
}

/// `/pengingat off` stops reminders of tickets waiting for Pickup for whoever sends it
/// (breaches still reach owners); `/pengingat on` brings them back; anything else is
/// explained.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pengingat_mutes_and_unmutes() {
    let app = spawn_public_app(Backend::Sqlite, |config| {
        config.sla = targets(1000, 0, 0);
        config.reminder_digest = Duration::ZERO;
    })
    .await;
    let team = team(&app).await;
    app.fake.send_private(&team.siti, "/pengingat off");
    let said = settle(&app, &team.siti, 1, Duration::ZERO).await;
    assert!(said[0].text.contains("dimatikan"), "{}", said[0].text);
    place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #C-1 #TOPUP #diam",
    )
    .await;
    app.fake
        .wait_for_bot_messages(team.budi.id, 1, PATIENCE)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(private(&app, &team.siti).len(), 1, "muted: no reminder");

    app.fake.send_private(&team.siti, "/pengingat on");
    let said = settle(&app, &team.siti, 2, Duration::ZERO).await;
    assert!(said[1].text.contains("aktif"), "{}", said[1].text);
    let ticket = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #C-2 #TOPUP #bunyi",
    )
    .await;
    let said = settle(&app, &team.siti, 3, Duration::ZERO).await;
    assert!(said[2].text.contains(&ticket), "{}", said[2].text);

    app.fake.send_private(&team.siti, "/pengingat besok");
    let said = settle(&app, &team.siti, 4, Duration::ZERO).await;
    assert!(said[3].text.contains("/pengingat on"), "{}", said[3].text);
    let stranger = app.fake.user("Tamu", None);
    app.fake.send_private(&stranger, "/pengingat off");
    let said = settle(&app, &stranger, 1, Duration::ZERO).await;
    assert!(said[0].text.contains("/daftar"), "{}", said[0].text);
    let muted = app
        .count("SELECT COUNT(*) FROM users WHERE reminders_muted = 1")
        .await;
    assert_eq!(muted, 0);
    app.finish().await;
}

/// With a staff chat, tickets waiting for Pickup are announced there, not privately; its
/// buttons open the ticket through the Mini App's direct link.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_chat_hears_of_tickets_waiting_for_pickup() {
    let mut app = spawn_public_app(Backend::Sqlite, |config| {
        config.sla = targets(2000, 0, 1000);
        config.reminder_digest = Duration::ZERO;
        config.miniapp_link = Some("https://t.me/tangkap_test_bot/app".into());
    })
    .await;
    // The staff group exists once the fake has made it: Tangkap starts again with it.
    let staff_chat = app.fake.group("FO Staff");
    app.config.staff_chat = Some(staff_chat);
    app.restart().await;
    let team = team(&app).await;
    let ticket = place_order(&app, team.group, &team.requester, "/moban #D-1 #TOPUP #fo").await;
    let told = app
        .fake
        .wait_for_bot_messages(staff_chat, 2, PATIENCE)
        .await;
    assert!(told[0].text.contains("Segera lewat batas Pickup") && told[0].text.contains(&ticket));
    assert!(told[1].text.contains("Lewat batas Pickup"));
    assert!(told[0]
        .buttons
        .iter()
        .any(|(_, url)| url == &format!("https://t.me/tangkap_test_bot/app?startapp={ticket}")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(private(&app, &team.siti).is_empty(), "not privately");
    assert_eq!(
        private(&app, &team.budi).len(),
        1,
        "the owner hears of the breach"
    );
    app.finish().await;
}

fn tickets(page: &Value) -> Vec<String> {
    page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap().to_owned())
        .collect()
}

/// The `(pickup due − created)` of each open ticket, in ms.
async fn pickup_targets(app: &TestApp) -> Vec<Option<String>> {
    app.rows("SELECT pickup_due_at - created_at FROM orders WHERE status = 'order' ORDER BY no")
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect()
}

async fn group_settings_retime_open_tickets_and_the_board_sorts_by_urgency(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.reminder_digest = Duration::ZERO;
    })
    .await;
    let team = team(&app).await;
    let other_group = app.fake.group("Tim Gudang");
    let mut placed = Vec::new();
    for n in 1..=3 {
        placed.push(
            place_order(
                &app,
                team.group,
                &team.requester,
                &format!("/moban #E-{n} #TOPUP #x"),
            )
            .await,
        );
    }
    let elsewhere = place_order(&app, other_group, &team.requester, "/moban #G-1 #STOK #y").await;
    let owner = log_in(&app, "budi", PASSWORD).await;
    let staff = log_in(&app, "siti", PASSWORD).await;
    assert_eq!(
        pickup_targets(&app).await,
        vec![Some("1800000".to_owned()); 4],
        "the default target: 30 minutes"
    );

    // Most urgent first by default (here: the oldest), in pages; newest first on request.
    let (_, first_page) = call(
        &app,
        "GET",
        "/orders?status=order&limit=2",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&first_page), placed[..2]);
    let next = first_page["next"].as_str().unwrap();
    let (_, second_page) = call(
        &app,
        "GET",
        &format!("/orders?status=order&limit=2&after={next}"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(
        tickets(&second_page),
        [placed[2].clone(), elsewhere.clone()]
    );
    assert_eq!(second_page["has_more"], false);
    let (_, newest) = call(
        &app,
        "GET",
        "/orders?status=order&sort=newest&limit=1",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&newest), [elsewhere.as_str()]);
    // Oldest first (DESIGN.md's `sort=oldest`), in pages too.
    let (_, oldest) = call(
        &app,
        "GET",
        "/orders?status=order&sort=oldest&limit=3",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&oldest), placed);
    let next = oldest["next"].as_str().unwrap();
    let (_, rest) = call(
        &app,
        "GET",
        &format!("/orders?status=order&sort=oldest&limit=3&after={next}"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&rest), [elsewhere.as_str()]);
    let card = &first_page["orders"][0];
    assert!(card["pickup_due_at"].as_i64().unwrap() > card["pickup_warn_at"].as_i64().unwrap());

    // Only owners and admins see and change a group's settings; for staff the route is
    // not there.
    let path = format!("/groups/{}/settings", team.group);
    let (status, body) = call(&app, "GET", &path, Some(&staff), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let settings = json!({ "pickup": "1h", "close": null, "hours": [], "zone": "WITA" });
    let (status, _) = call(&app, "PUT", &path, Some(&staff), Some(settings.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(&app, "GET", &path, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Tim Operasional");
    assert_eq!(
        body["defaults"],
        json!({ "pickup": "30m", "close": "4h", "warn_before": "15m" })
    );
    assert_eq!(body["settings"]["pickup"], Value::Null, "the default");

    // A longer target re-times this group's open tickets, and only this group's.
    let (status, body) = call(&app, "PUT", &path, Some(&owner), Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["retimed"], 3);
    assert_eq!(body["settings"]["zone"], "WITA");
    let mut expected = vec![Some("3600000".to_owned()); 3];
    expected.push(Some("1800000".to_owned()));
    assert_eq!(pickup_targets(&app).await, expected);
    let (_, first) = call(
        &app,
        "GET",
        "/orders?status=order&limit=1",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&first), [elsewhere.as_str()], "now due first");

    // Siti, staff of the team's group only, gets its tickets in the same order, in pages.
    let (_, staff_first) = call(
        &app,
        "GET",
        "/orders?status=order&limit=2",
        Some(&staff),
        None,
    )
    .await;
    assert_eq!(tickets(&staff_first), placed[..2]);
    let next = staff_first["next"].as_str().unwrap();
    let (_, staff_second) = call(
        &app,
        "GET",
        &format!("/orders?status=order&limit=2&after={next}"),
        Some(&staff),
        None,
    )
    .await;
    assert_eq!(tickets(&staff_second), placed[2..]);
    assert_eq!(staff_second["has_more"], false);

    // A search lists newest first, or most urgent first when asked.
    let newest_first: Vec<String> = placed.iter().rev().cloned().collect();
    for (who, session) in [("owner", &owner), ("staff", &staff)] {
        let (_, found) = call(
            &app,
            "GET",
            "/orders?status=order&q=e-",
            Some(session),
            None,
        )
        .await;
        assert_eq!(tickets(&found), newest_first, "{who}");
        let (_, found) = call(
            &app,
            "GET",
            "/orders?status=order&q=e-&sort=urgent",
            Some(session),
            None,
        )
        .await;
        assert_eq!(tickets(&found), placed, "{who}");
    }

    // Bad settings are refused with the reason, in the language asked for.
    for (bad, indonesian, english) in [
        (
            json!({ "pickup": "soon", "close": null, "hours": [], "zone": "WIB" }),
            "target tidak valid: \"soon\"",
            "not a target: \"soon\"",
        ),
        (
            json!({ "pickup": null, "close": null, "hours": [{ "day": "mon", "from": "17:00", "to": "08:00" }], "zone": "WIB" }),
            "mon 17:00–08:00: jam mulai harus sebelum jam selesai",
            "mon 17:00–08:00: the start must come before the end",
        ),
        (
            json!({ "pickup": null, "close": null, "hours": [], "zone": "UTC" }),
            "zona waktu tidak dikenal",
            "unknown time zone",
        ),
    ] {
        for (language, says) in [(None, indonesian), (Some("en"), english)] {
            let (status, body) = call_in(
                &app,
                language,
                "PUT",
                &path,
                Some(&owner),
                Some(bad.clone()),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            assert!(body["message"].as_str().unwrap().contains(says), "{body}");
        }
    }

    // Business hours stop the clock: open only on a day two days from now, a ticket is
    // due more than a day after it was posted.
    let weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let in_two_days = (time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .weekday()
        .number_days_from_monday() as usize
        + 2)
        % 7;
    let hours = json!({ "pickup": "30m", "close": null, "zone": "WITA",
        "hours": [{ "day": weekday[in_two_days], "from": "08:00", "to": "17:00" }] });
    let (status, body) = call(&app, "PUT", &path, Some(&owner), Some(hours)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for target in &pickup_targets(&app).await[..3] {
        let target: i64 = target.as_deref().unwrap().parse().unwrap();
        assert!(
            target > 24 * 3600 * 1000,
            "the clock waits for opening: {target}"
        );
    }

    // No target: not late, ever; the late filter shows what is.
    let off = json!({ "pickup": "0", "close": null, "hours": [], "zone": "WIB" });
    let (status, _) = call(&app, "PUT", &path, Some(&owner), Some(off)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pickup_targets(&app).await[..3], [None, None, None]);
    let untimed = place_order(&app, team.group, &team.requester, "/moban #E-4 #TOPUP #z").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM orders WHERE ticket_no = '{untimed}' AND pickup_due_at IS NULL"
        ))
        .await,
        1,
        "a new ticket of a group without a target has no due time"
    );
    placed.push(untimed);
    let brief = json!({ "pickup": "1s", "close": null, "hours": [], "zone": "WIB" });
    let other_path = format!("/groups/{other_group}/settings");
    let (status, _) = call(&app, "PUT", &other_path, Some(&owner), Some(brief)).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, late) = call(
        &app,
        "GET",
        "/orders?status=order&late=1",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(tickets(&late), [elsewhere.as_str()]);
    let (_, everything) = call(&app, "GET", "/orders?status=order", Some(&owner), None).await;
    assert_eq!(
        tickets(&everything)[0],
        elsewhere,
        "late first, then no target, oldest first"
    );
    assert_eq!(tickets(&everything)[1..], placed[..]);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'group_settings'")
            .await,
        4
    );
    app.finish().await;
}

async fn targets_typed_in_words_are_taken(backend: Backend) {
    let app = spawn_public_app(backend, |_| {}).await;
    let team = team(&app).await;
    let owner = log_in(&app, "budi", PASSWORD).await;
    let path = format!("/groups/{}/settings", team.group);
    // A target typed as a person writes it, in either language, is taken, and reads back
    // in the settings' short form; a fraction is refused with the reason.
    for (typed, reads) in [
        ("45 menit", "45m"),
        ("1 jam 30 menit", "1h30m"),
        ("2 Hours", "2h"),
    ] {
        let words = json!({ "pickup": typed, "close": null, "hours": [], "zone": "WITA" });
        let (status, body) = call(&app, "PUT", &path, Some(&owner), Some(words)).await;
        assert_eq!(status, StatusCode::OK, "{typed}: {body}");
        assert_eq!(body["settings"]["pickup"], reads, "{typed}");
    }
    let fraction = json!({ "pickup": "1,5 jam", "close": null, "hours": [], "zone": "WIB" });
    let (status, body) = call(&app, "PUT", &path, Some(&owner), Some(fraction)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("target tidak valid: \"1,5 jam\""),
        "{body}"
    );
    app.finish().await;
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;

/// Counts for the report with times the test chose, through the same function each
/// /moban, Pickup and Close batch calls.
async fn record(app: &TestApp, counted: &[reports::Counted]) {
    let mut tx = app.db.begin().await.unwrap();
    reports::record(&mut tx, counted).await.unwrap();
    tx.commit().await.unwrap();
}

/// `GET /api/reports{query}` with `session`.
async fn report_as(app: &TestApp, session: &str, query: &str) -> (StatusCode, Value) {
    call(app, "GET", &format!("/reports{query}"), Some(session), None).await
}

/// Asserts a report figure is `minutes` within the stated precision.
fn about(figure: &Value, minutes: i64) {
    let ms = figure
        .as_i64()
        .unwrap_or_else(|| panic!("not a duration: {figure}"));
    let expected = (minutes * MINUTE) as f64;
    let off = (ms as f64 - expected).abs() / expected * 100.0;
    assert!(
        off <= reports::PRECISION_PERCENT,
        "{ms} ms is not {minutes} min within {}%",
        reports::PRECISION_PERCENT
    );
}

/// The Laporan figures against tickets with known times: in a second group, Siti picked
/// up ten tickets after 1, 2, …, 10 minutes with a 5-minute target (median 5, p90 9, half
/// met: a step exactly at its due time is in time), Rina closed four after 10, 20, 30 and
/// 60 minutes with no target (median 20, p90 60, not counted as met or missed). A real
/// /moban, Pickup and Close in the first group count too, and an open ticket is backlog.
/// Staff get 404, as if there were no report; `/rekap` answers owners and refuses staff.
async fn the_report_shows_how_the_team_is_doing_to_owners_only(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.sla = targets(3_600_000, 3_600_000, 0);
    })
    .await;
    let team = team(&app).await;
    let budi = log_in(&app, "budi", PASSWORD).await;
    let siti = log_in(&app, "siti", PASSWORD).await;

    let worked = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #R-1 #TOPUP #cepat",
    )
    .await;
    let open = place_order(
        &app,
        team.group,
        &team.requester,
        "/moban #R-2 #TOPUP #menunggu",
    )
    .await;
    let no = order_no(&app, &worked).await;
    for step in ["pickup", "close"] {
        let (status, body) = call(
            &app,
            "POST",
            &format!("/orders/{no}/{step}"),
            Some(&siti),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }

    let warehouse = -1_009_999;
    let mut tx = app.db.begin().await.unwrap();
    tangkap::groups::remember(&mut tx, &[(warehouse, "Tim Gudang".to_owned())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let now = tangkap::db::now_ms();
    let two_days_ago = now - 2 * DAY;
    let step = |kind, staff_id, took: i64, due: Option<i64>| reports::Counted {
        chat_id: warehouse,
        kind,
        staff_id,
        at: two_days_ago,
        since: two_days_ago - took * MINUTE,
        due_at: due.map(|after| two_days_ago - took * MINUTE + after * MINUTE),
    };
    let mut counted: Vec<reports::Counted> = (1..=10)
        .map(|took| step(reports::Kind::Pickup, team.siti_account.id, took, Some(5)))
        .collect();
    counted.extend(
        [10, 20, 30, 60].map(|took| step(reports::Kind::Close, team.rina_account.id, took, None)),
    );
    counted.extend((0..3).map(|_| step(reports::Kind::New, 0, 0, None)));
    record(&app, &counted).await;

    // The warehouse alone.
    let (status, body) = report_as(&app, &budi, &format!("?group={warehouse}&days=7")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["group"]["title"], "Tim Gudang");
    let days = body["per_day"].as_array().unwrap();
    assert_eq!(days.len(), 7, "one entry per day, today last");
    assert_eq!(days[4]["new"], 3, "{days:?}");
    assert_eq!(days[4]["picked"], 10);
    assert_eq!(days[4]["closed"], 4);
    assert_eq!(days[6]["new"], 0, "the real tickets are the other group's");
    let staff = body["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 2, "{staff:?}");
    let (rina, siti_times) = (&staff[0], &staff[1]);
    assert_eq!(
        (rina["name"].as_str(), siti_times["name"].as_str()),
        (Some("Rina"), Some("Siti"))
    );
    assert_eq!(siti_times["pickup"]["count"], 10);
    about(&siti_times["pickup"]["median_ms"], 5);
    about(&siti_times["pickup"]["p90_ms"], 9);
    assert_eq!(siti_times["close"]["count"], 0);
    assert_eq!(rina["close"]["count"], 4);
    about(&rina["close"]["median_ms"], 20);
    about(&rina["close"]["p90_ms"], 60);
    let groups = body["group_times"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    about(&groups[0]["pickup"]["median_ms"], 5);
    about(&groups[0]["close"]["p90_ms"], 60);
    assert_eq!(body["pickup_met"]["met"], 5);
    assert_eq!(body["pickup_met"]["missed"], 5);
    assert_eq!(body["pickup_met"]["share"], 0.5);
    assert_eq!(
        body["close_met"]["share"],
        Value::Null,
        "no target: not counted"
    );
    assert_eq!(
        body["backlog"][0]["order"], 0,
        "no open ticket in the warehouse"
    );

    // All groups: the real tickets too, on today.
    let (status, body) = report_as(&app, &budi, "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["group"], Value::Null);
    assert_eq!(body["groups"].as_array().unwrap().len(), 2);
    let days = body["per_day"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(
        (
            days[29]["new"].as_i64(),
            days[29]["picked"].as_i64(),
            days[29]["closed"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(days[27]["new"], 3);
    let siti_times = body["staff"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Siti")
        .unwrap()
        .clone();
    assert_eq!(siti_times["pickup"]["count"], 11);
    assert_eq!(siti_times["close"]["count"], 1);
    assert_eq!(body["pickup_met"]["met"], 6, "the real Pickup was in time");
    assert_eq!(body["close_met"]["met"], 1);
    assert_eq!(
        body["backlog"][0]["order"], 1,
        "R-2 waits, under an hour old"
    );
    assert_eq!(body["backlog"][3]["order"], 0);

    // The default 30 days of one group are read from the 30 days' sums: the same figures.
    let (_, body) = report_as(&app, &budi, &format!("?group={warehouse}")).await;
    about(&body["staff"][0]["close"]["p90_ms"], 60);
    about(&body["staff"][1]["pickup"]["median_ms"], 5);
    assert_eq!(body["pickup_met"]["met"], 5);

    // The 30 days' sums move on as days leave the window (here the clock is put 29 days
    // ahead): the warehouse's day leaves them, and the report reads the days instead.
    let mut tx = app.db.begin().await.unwrap();
    reports::roll_window(&mut tx, now + 29 * DAY).await.unwrap();
    tx.commit().await.unwrap();
    let recent = format!("SELECT COUNT(*) FROM report_recent WHERE chat_id = {warehouse}");
    assert_eq!(app.count(&recent).await, 0);
    let (status, body) = report_as(&app, &budi, &format!("?group={warehouse}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["staff"].as_array().unwrap().len(), 2, "{body}");
    about(&body["staff"][1]["pickup"]["median_ms"], 5);
    assert_eq!(body["per_day"][27]["picked"], 10);

    // Bad input is explained in the language asked for; staff and unknown groups find
    // nothing.
    for query in [
        "group=abc",
        "days=0",
        "days=91",
        "days=%27;DROP",
        "group=1e3",
    ] {
        let path = format!("/reports?{query}");
        for (language, says, other) in [(None, "harus", "must"), (Some("en"), "must", "harus")] {
            let (status, body) = call_in(&app, language, "GET", &path, Some(&budi), None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            let message = body["message"].as_str().unwrap();
            assert!(
                message.contains(says) && !message.contains(other),
                "{language:?}: {message}"
            );
        }
    }
    let (status, _) = report_as(&app, &budi, "?group=-42").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a group that does not exist");
    for query in ["", "?group=-42", &format!("?group={}", team.group)] {
        let (status, body) = report_as(&app, &siti, query).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "staff: {body}");
        assert_eq!(body["message"], "Alamat API tidak dikenal.");
    }
    let (status, _) = call(&app, "GET", "/reports", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // /rekap in the private chat.
    let rekap = say(&app, &team.budi, "/rekap").await;
    assert!(rekap.text.contains("Rekap tim"), "{}", rekap.text);
    assert!(
        rekap
            .text
            .contains("Hari ini: 2 baru, 1 di-pickup, 1 di-close"),
        "{}",
        rekap.text
    );
    assert!(
        rekap.text.contains("Tiket terbuka: 1, terlambat: 0"),
        "{}",
        rekap.text
    );
    assert!(
        rekap
            .text
            .contains(&format!("{worked} — kurang dari 1 menit oleh Siti")),
        "{}",
        rekap.text
    );
    // Budi's app speaks Indonesian: no English beside it.
    for english in ["today", "under", "Team summary"] {
        assert!(!rekap.text.contains(english), "{english}: {}", rekap.text);
    }
    assert!(!rekap.text.contains(&open), "an open ticket is not a close");
    let refused = say(&app, &team.siti, "/rekap").await;
    assert!(
        refused.text.contains("hanya untuk admin dan owner"),
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("Rekap tim"));
    app.finish().await;
}

/// With `TANGKAP_DIGEST_AT`, the rekap goes to the staff chat each day at that time: the
/// timer is set for the next such time; brought due (the test moves it, rather than wait
/// for the hour), it goes once and sets the next day's; a restart neither sends it again
/// nor moves it.
async fn the_daily_rekap_goes_to_the_staff_chat_once(backend: Backend) {
    let mut app = spawn_app_with(backend, |_| {}).await;
    let staff_chat = app.fake.group("Staf Operasional");
    app.config.staff_chat = Some(staff_chat);
    app.config.digest_at = time::Time::from_hms(17, 0, 0).ok();
    app.restart().await;
    let timer = "SELECT due_at FROM timers WHERE kind = 'daily_rekap'";
    let due = app.count(timer).await;
    let now = tangkap::db::now_ms();
    assert!(due > now && due <= now + DAY, "within a day: {due}");
    assert_eq!(
        (due + 7 * 3_600_000).rem_euclid(DAY),
        17 * 3_600_000,
        "17:00 WIB"
    );

    app.db
        .pool()
        .execute(sqlx::query(
            "UPDATE timers SET due_at = 0 WHERE kind = 'daily_rekap'",
        ))
        .await
        .unwrap();
    let told = app
        .fake
        .wait_for_bot_messages(staff_chat, 1, PATIENCE)
        .await;
    assert!(told[0].text.contains("Rekap tim"), "{}", told[0].text);
    assert!(
        !told[0].text.contains("Hunian"),
        "no occupancy without bookings: {}",
        told[0].text
    );
    let next = app.wait_for_count(timer, due).await;
    assert_eq!(next, due, "the next is the next 17:00");
    app.restart().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.fake.bot_messages(staff_chat).len(), 1, "once");
    assert_eq!(app.count(timer).await, due);

    // Turned off: the timer goes.
    app.config.digest_at = None;
    app.restart().await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM timers WHERE kind = 'daily_rekap'")
            .await,
        0
    );
    app.finish().await;
}
