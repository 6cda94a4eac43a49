//! Teams and access: approval of new accounts (by button, on the Tim page, by `tangkap
//! user`), each group's tickets for its own staff, ending sessions, `/password`, and the
//! last owner.

mod common;

use std::time::Duration;

use common::{
    call, init_data_for, log_in, place_order, register_account, run_tangkap, spawn_app_with,
    spawn_public_app, unix_now, Backend, TestApp, PATIENCE,
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tangkap::{
    sim::{MemberStatus, PressedButton, SimUser},
    users::{AccountState, Role},
};

on_both_backends!(
    a_strangers_registration_waits_and_cannot_log_in,
    approval_by_button_tells_everyone,
    approval_rejection_and_roles_by_cli,
    staff_see_only_their_groups_tickets,
    leaving_the_group_removes_access_after_the_cache_period,
    a_group_that_appears_after_login_shows_on_the_next_request,
    disabling_ends_a_live_session,
    password_command_sets_a_new_password,
    the_last_owner_and_leaders_are_protected,
);

const PASSWORD: &str = "sandi-rahasia-1";

async fn say(app: &TestApp, user: &SimUser, text: &str) {
    let before = app.fake.bot_messages(user.id).len();
    app.fake.send_private(user, text);
    app.fake
        .wait_for_bot_messages(user.id, before + 1, PATIENCE)
        .await;
}

async fn daftar(app: &TestApp, user: &SimUser, username: &str) {
    for answer in ["/daftar", &user.first_name, username, PASSWORD] {
        say(app, user, answer).await;
    }
}

/// Where `user` stands, asked inside Telegram (initData alone, no password).
async fn standing(app: &TestApp, user: &SimUser) -> Value {
    Client::new()
        .get(format!("{}/api/login/telegram", app.http_url()))
        .header(
            "Authorization",
            format!("tma {}", init_data_for(user, unix_now())),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What the bot answered to the button press `pressed`, once it has.
async fn answer_to(app: &TestApp, pressed: &PressedButton) -> Option<String> {
    let answered = |fake: &tangkap::sim::FakeTelegram| {
        fake.callback_answers()
            .into_iter()
            .find(|a| a.query_id == pressed.query_id)
    };
    assert!(
        app.fake
            .wait_until(PATIENCE, |f| answered(f).is_some())
            .await,
        "unanswered press"
    );
    answered(&app.fake).and_then(|a| a.text)
}

/// A Telegram user with an account (`username`, password [`PASSWORD`]) in `role` and `state`,
/// who has opened a private chat with the bot.
async fn person(
    app: &TestApp,
    name: &str,
    telegram_username: Option<&str>,
    username: &str,
    role: Role,
    state: AccountState,
) -> SimUser {
    let user = app.fake.user(name, telegram_username);
    register_account(app, &user, username, PASSWORD, role, state).await;
    user
}

fn last_text(app: &TestApp, chat: i64) -> String {
    app.fake
        .bot_messages(chat)
        .last()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

async fn a_strangers_registration_waits_and_cannot_log_in(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let owner = person(
        &app,
        "Olivia",
        Some("olivia"),
        "olivia",
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let stranger = app.fake.user("Orang Asing", Some("asing"));
    daftar(&app, &stranger, "asing").await;
    assert!(
        last_text(&app, stranger.id).contains("menunggu persetujuan admin"),
        "{}",
        last_text(&app, stranger.id)
    );

    // The owner is asked, with the applicant named and two buttons.
    let asked = app.fake.wait_until(PATIENCE, |fake| {
        fake.bot_messages(owner.id)
            .iter()
            .any(|m| m.text.contains("Pendaftaran baru"))
    });
    assert!(asked.await, "{:#?}", app.fake.bot_messages(owner.id));
    let request = app
        .fake
        .bot_messages(owner.id)
        .into_iter()
        .find(|m| m.text.contains("Pendaftaran baru"))
        .unwrap();
    for part in [
        "Nama: Orang Asing",
        "Username: asing",
        &format!("ID Telegram: {}", stranger.id),
        "Telegram: @asing",
    ] {
        assert!(request.text.contains(part), "{part} in {}", request.text);
    }
    let labels: Vec<&str> = request
        .callbacks
        .iter()
        .map(|(text, _)| text.as_str())
        .collect();
    assert_eq!(labels, ["✅ Setujui", "❌ Tolak"]);

    // The right password does not let a waiting account in, by browser or inside Telegram.
    let (status, body) = call(
        &app,
        "POST",
        "/login",
        None,
        Some(json!({ "login": "asing", "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("pending")),
        "{body}"
    );
    let init_data = init_data_for(&stranger, unix_now());
    let standing = standing(&app, &stranger).await;
    assert_eq!(standing["state"], "pending", "{standing}");
    let login = Client::new()
        .post(format!("{}/api/login/telegram", app.http_url()))
        .header("Authorization", format!("tma {init_data}"))
        .json(&json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    let nobody = app.fake.user("Belum Daftar", None);
    let standing = self::standing(&app, &nobody).await;
    assert_eq!(standing["state"], "unregistered");
    app.finish().await;
}

async fn approval_by_button_tells_everyone(backend: Backend) {
    let app = spawn_public_app(backend, |_| {}).await;
    let owner = person(
        &app,
        "Olivia",
        Some("olivia"),
        "olivia",
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let admin = person(
        &app,
        "Adi",
        Some("adi"),
        "adi",
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let staff = person(&app, "Sam", None, "sam", Role::Staff, AccountState::Active).await;
    let applicant = app.fake.user("Putri", Some("putri"));
    daftar(&app, &applicant, "putri").await;
    let request_in = |chat: i64| {
        app.fake
            .bot_messages(chat)
            .into_iter()
            .find(|m| m.text.contains("Pendaftaran baru"))
    };
    assert!(
        app.fake
            .wait_until(PATIENCE, |_| request_in(owner.id).is_some()
                && request_in(admin.id).is_some())
            .await
    );
    let admins_copy = request_in(admin.id).unwrap();
    let approve = admins_copy.callbacks[0].1.clone();

    // A staff member pressing a forwarded copy's button changes nothing.
    app.fake.make_private_chat(&staff);
    let refused = app
        .fake
        .press_button(admin.id, admins_copy.message_id, &staff, &approve)
        .expect("the button is there");
    let answer = answer_to(&app, &refused).await;
    assert!(answer.unwrap_or_default().contains("Hanya owner dan admin"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE state = 'pending'")
            .await,
        1
    );

    // The admin approves; the press delivered twice is applied once.
    let pressed = app
        .fake
        .press_button(admin.id, admins_copy.message_id, &admin, &approve)
        .expect("the button is still there");
    app.fake.redeliver(pressed.update_id);
    let answer = answer_to(&app, &pressed).await;
    assert_eq!(answer.as_deref(), Some("Disetujui: Putri (@putri)"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE state = 'active' AND username = 'putri'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'approve'")
            .await,
        1
    );

    // Every leader's copy says who decided and has no buttons left.
    let edited = app.fake.wait_until(PATIENCE, |_| {
        [owner.id, admin.id].iter().all(|&chat| {
            request_in(chat).is_some_and(|m| {
                m.text.contains("Disetujui oleh Adi (@adi)") && m.callbacks.is_empty()
            })
        })
    });
    assert!(edited.await, "{:#?}", request_in(owner.id));
    // The applicant is told, with the Mini App button.
    let welcomed = app.fake.wait_until(PATIENCE, |f| {
        f.bot_messages(applicant.id)
            .iter()
            .any(|m| m.buttons.iter().any(|(text, _)| text == "Buka Tangkap"))
    });
    assert!(welcomed.await, "{:#?}", app.fake.bot_messages(applicant.id));
    log_in(&app, "putri", PASSWORD).await;

    // A second decision on the same applicant is refused with who decided.
    let owner_session = log_in(&app, "olivia", PASSWORD).await;
    let id = app
        .count("SELECT id FROM users WHERE username = 'putri'")
        .await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/team/{id}/reject"),
        Some(&owner_session),
        None,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("refused")),
        "{body}"
    );
    app.finish().await;
}

async fn approval_rejection_and_roles_by_cli(backend: Backend) {
    let mut app = spawn_app_with(backend, |_| {}).await;
    person(
        &app,
        "Olivia",
        Some("olivia"),
        "olivia",
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let (yes, no) = (app.fake.user("Yuni", None), app.fake.user("Nando", None));
    daftar(&app, &yes, "yuni").await;
    daftar(&app, &no, "nando").await;
    app.stop().await;
    let url = app.database.url.clone();
    let tangkap = |args: &[&str]| {
        let out = run_tangkap(args, &[("DATABASE_URL", &url)]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = tangkap(&["user", "approve", "YUNI"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = tangkap(&["user", "reject", "nando"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = tangkap(&["user", "approve", "nando"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("refused"), "{out}");
    let (code, out) = tangkap(&["user", "disable", "nobody"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("no account"), "{out}");
    let (code, out) = tangkap(&["user", "role", "olivia", "staff"]);
    assert_eq!(code, Some(1), "the last owner stays: {out}");
    assert!(
        out.contains("account change refused") && out.contains("last_owner"),
        "a refusal is logged: {out}"
    );
    let (code, out) = tangkap(&["user", "role", "yuni", "admin"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = tangkap(&["user", "list"]);
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("USERNAME") && lines[0].contains("LAST_LOGIN"),
        "{out}"
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("yuni")[3..5], ["admin", "active"], "{out}");
    assert_eq!(row("nando")[3..5], ["staff", "rejected"], "{out}");
    assert_eq!(row("olivia")[3..5], ["owner", "active"], "{out}");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE actor = 'Server (tangkap user)' \
             AND action NOT LIKE 'refused:%'"
        )
        .await,
        3
    );
    // The two refusals are in the audit log too, with why.
    assert_eq!(
        refusals_audited(&app).await,
        [
            (
                "Server (tangkap user)",
                "refused:approve",
                "nando",
                "not_applicable"
            ),
            (
                "Server (tangkap user)",
                "refused:role",
                "olivia",
                "last_owner: owner → staff"
            ),
        ]
        .map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()))
    );

    // Once the bot runs again, the applicants hear the outcomes the CLI queued.
    app.restart().await;
    let told = app.fake.wait_until(PATIENCE, |f| {
        f.bot_messages(no.id)
            .iter()
            .any(|m| m.text.contains("ditolak"))
            && f.bot_messages(yes.id)
                .iter()
                .any(|m| m.text.contains("terdaftar sebagai"))
    });
    assert!(
        told.await,
        "{:#?} {:#?}",
        app.fake.bot_messages(no.id),
        app.fake.bot_messages(yes.id)
    );
    app.finish().await;
}

/// Two groups; a staff member of A sees and works only A's tickets: B's are absent from
/// lists, counts, searches and groups, and stepping one is answered as if it did not exist.
async fn staff_see_only_their_groups_tickets(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let (a, b) = (app.fake.group("Grup A"), app.fake.group("Grup B"));
    let asker = app.fake.user("Penanya", None);
    let ticket_a = place_order(&app, a, &asker, "/moban #A-1 #TOPUP #dari A").await;
    let ticket_b = place_order(&app, b, &asker, "/moban #B-1 #TOPUP #dari B").await;
    let staff = person(
        &app,
        "Sam",
        Some("sam_tg"),
        "sam",
        Role::Staff,
        AccountState::Active,
    )
    .await;
    app.fake.set_member_status(a, &staff, MemberStatus::Member);
    let session = log_in(&app, "sam", PASSWORD).await;

    let (_, page) = call(&app, "GET", "/orders?status=order", Some(&session), None).await;
    let tickets: Vec<&str> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert_eq!(tickets, [ticket_a.as_str()], "{page}");
    assert_eq!(page["orders"][0]["group_title"], "Grup A");
    let (_, summary) = call(&app, "GET", "/summary", Some(&session), None).await;
    assert_eq!(summary["counts"]["order"], 1, "{summary}");
    let (_, groups) = call(&app, "GET", "/groups", Some(&session), None).await;
    assert_eq!(
        groups["groups"],
        json!([{ "chat_id": a, "title": "Grup A" }])
    );
    // The startapp link opens a ticket by searching for it: B's is not there.
    let (_, found) = call(
        &app,
        "GET",
        &format!("/orders?status=order&q={ticket_b}"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(found["orders"], json!([]), "{found}");
    let (_, filtered) = call(
        &app,
        "GET",
        &format!("/orders?status=order&group={b}"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(filtered["orders"], json!([]));

    let no_b = app
        .count(&format!(
            "SELECT no FROM orders WHERE ticket_no = '{ticket_b}'"
        ))
        .await;
    let no_a = app
        .count(&format!(
            "SELECT no FROM orders WHERE ticket_no = '{ticket_a}'"
        ))
        .await;
    for step in ["pickup", "close"] {
        let (status, body) = call(
            &app,
            "POST",
            &format!("/orders/{no_b}/{step}"),
            Some(&session),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{step}: {body}");
    }
    let missing = no_b + 1_000;
    let (_, unknown) = call(
        &app,
        "POST",
        &format!("/orders/{missing}/pickup"),
        Some(&session),
        None,
    )
    .await;
    let (_, hidden) = call(
        &app,
        "POST",
        &format!("/orders/{no_b}/pickup"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(
        unknown, hidden,
        "a hidden ticket answers like a missing one"
    );
    let (status, _) = call(
        &app,
        "POST",
        &format!("/orders/{no_a}/pickup"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE status = 'order'")
            .await,
        1,
        "B's ticket untouched"
    );

    // The Tim page is not theirs: it does not exist for them.
    let (status, body) = call(&app, "GET", "/team", Some(&session), None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    app.finish().await;
}

async fn leaving_the_group_removes_access_after_the_cache_period(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.membership_refresh = Duration::from_secs(1)
    })
    .await;
    let group = app.fake.group("Grup A");
    let asker = app.fake.user("Penanya", None);
    place_order(&app, group, &asker, "/moban #A-1 #TOPUP #satu").await;
    let staff = person(&app, "Sam", None, "sam", Role::Staff, AccountState::Active).await;
    app.fake
        .set_member_status(group, &staff, MemberStatus::Member);
    let session = log_in(&app, "sam", PASSWORD).await;
    let visible = || async {
        let (_, page) = call(&app, "GET", "/orders?status=order", Some(&session), None).await;
        page["orders"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(visible().await, 1);
    // Removed without a word to the bot (admins may hide join and leave messages).
    app.fake
        .set_member_status(group, &staff, MemberStatus::Kicked);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while visible().await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "access outlived the cache period"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.fake.stats().calls["getchatmember"] >= 2);
    app.finish().await;
}

async fn a_group_that_appears_after_login_shows_on_the_next_request(backend: Backend) {
    // The default refresh period: the background refresher would not look for a while.
    let app = spawn_app_with(backend, |_| {}).await;
    let group = app.fake.group("Grup Baru");
    let staff = person(&app, "Sam", None, "sam", Role::Staff, AccountState::Active).await;
    app.fake
        .set_member_status(group, &staff, MemberStatus::Member);
    let session = log_in(&app, "sam", PASSWORD).await;
    let (_, groups) = call(&app, "GET", "/groups", Some(&session), None).await;
    assert_eq!(groups["groups"], json!([]), "the bot has not met the group");

    // The group's first /moban comes after the login; no second login is needed.
    let asker = app.fake.user("Penanya", None);
    let ticket = place_order(&app, group, &asker, "/moban #N-1 #TOPUP #baru").await;
    let (_, page) = call(&app, "GET", "/orders?status=order", Some(&session), None).await;
    let tickets: Vec<&str> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert_eq!(tickets, [ticket.as_str()], "{page}");
    let (_, summary) = call(&app, "GET", "/summary", Some(&session), None).await;
    assert_eq!(summary["counts"]["order"], 1, "{summary}");
    let (_, groups) = call(&app, "GET", "/groups", Some(&session), None).await;
    assert_eq!(
        groups["groups"],
        json!([{ "chat_id": group, "title": "Grup Baru" }])
    );
    app.finish().await;
}

async fn disabling_ends_a_live_session(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    person(
        &app,
        "Olivia",
        None,
        "olivia",
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let staff = app.fake.user("Sam", None);
    let sam = register_account(
        &app,
        &staff,
        "sam",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let (owner_session, staff_session) = (
        log_in(&app, "olivia", PASSWORD).await,
        log_in(&app, "sam", PASSWORD).await,
    );
    let (status, _) = call(&app, "GET", "/me", Some(&staff_session), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &app,
        "POST",
        &format!("/team/{}/disable", sam.id),
        Some(&owner_session),
        None,
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (StatusCode::OK, Some("disabled")),
        "{body}"
    );
    let (status, _) = call(
        &app,
        "GET",
        "/orders?status=order",
        Some(&staff_session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the next call is refused");
    let (status, body) = call(
        &app,
        "POST",
        "/login",
        None,
        Some(json!({ "login": "sam", "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("disabled"))
    );
    let (_, team) = call(&app, "GET", "/team", Some(&owner_session), None).await;
    let entry = &team["audit"][0];
    assert_eq!(
        (
            entry["actor"].as_str(),
            entry["action"].as_str(),
            entry["target"].as_str()
        ),
        (
            Some("Olivia (@olivia)"),
            Some("disable"),
            Some("Sam (@sam)")
        ),
        "{team}"
    );
    let (status, _) = call(
        &app,
        "POST",
        &format!("/team/{}/enable", sam.id),
        Some(&owner_session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    log_in(&app, "sam", PASSWORD).await;
    app.finish().await;
}

async fn password_command_sets_a_new_password(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let person = person(&app, "Sam", None, "sam", Role::Staff, AccountState::Active).await;
    let old_session = log_in(&app, "sam", PASSWORD).await;
    say(&app, &person, "/password").await;
    assert!(last_text(&app, person.id).contains("password baru"));
    say(&app, &person, "kata-sandi-baru-9").await;
    assert!(
        last_text(&app, person.id).contains("Password Anda sudah diganti"),
        "{}",
        last_text(&app, person.id)
    );
    assert!(
        app.fake
            .bot_messages(person.id)
            .iter()
            .all(|m| !m.text.contains("kata-sandi-baru-9")),
        "never quoted"
    );
    let deleted = app.fake.wait_until(PATIENCE, |f| {
        f.messages(person.id)
            .iter()
            .any(|m| m.text == "kata-sandi-baru-9" && m.deleted)
    });
    assert!(deleted.await, "the message with the password is deleted");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM inbox WHERE payload LIKE '%kata-sandi-baru-9%'")
            .await,
        0
    );
    let (status, _) = call(&app, "GET", "/me", Some(&old_session), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "every session ended");
    let (status, _) = call(
        &app,
        "POST",
        "/login",
        None,
        Some(json!({ "login": "sam", "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app,
        "POST",
        "/login",
        None,
        Some(json!({ "login": "sam", "password": "kata-sandi-baru-9" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.finish().await;
}

async fn the_last_owner_and_leaders_are_protected(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let people: Vec<SimUser> = ["Olivia", "Oscar", "Adi", "Sam"]
        .iter()
        .map(|n| app.fake.user(n, None))
        .collect();
    let olivia = register_account(
        &app,
        &people[0],
        "olivia",
        PASSWORD,
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let oscar = register_account(
        &app,
        &people[1],
        "oscar",
        PASSWORD,
        Role::Owner,
        AccountState::Disabled,
    )
    .await;
    let adi = register_account(
        &app,
        &people[2],
        "adi",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let sam = register_account(
        &app,
        &people[3],
        "sam",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let (owner, admin) = (
        log_in(&app, "olivia", PASSWORD).await,
        log_in(&app, "adi", PASSWORD).await,
    );
    let post = |session: &str, path: String, body: Option<Value>| {
        let session = session.to_owned();
        let app = &app;
        async move { call(app, "POST", &path, Some(&session), body).await }
    };
    // An admin manages staff, not admins and owners.
    let (status, body) = post(
        &admin,
        format!("/team/{}/role", sam.id),
        Some(json!({ "role": "admin" })),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("refused")),
        "{body}"
    );
    let (status, _) = post(&admin, format!("/team/{}/disable", olivia.id), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = post(&admin, format!("/team/{}/disable", sam.id), None).await;
    assert_eq!(status, StatusCode::OK);
    // Nobody demotes themselves (here the only active owner); another owner, once
    // re-enabled, may demote her, but not the last owner left.
    let (status, body) = post(
        &owner,
        format!("/team/{}/role", olivia.id),
        Some(json!({ "role": "staff" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["reason"], "own_account",
        "the refusal named by a code: {body}"
    );
    let (status, _) = post(&owner, format!("/team/{}/enable", oscar.id), None).await;
    assert_eq!(status, StatusCode::OK);
    let oscar_session = log_in(&app, "oscar", PASSWORD).await;
    let (status, body) = post(
        &oscar_session,
        format!("/team/{}/role", olivia.id),
        Some(json!({ "role": "admin" })),
    )
    .await;
    assert_eq!(
        (status, body["role"].as_str()),
        (StatusCode::OK, Some("admin")),
        "{body}"
    );
    let (status, body) = post(
        &oscar_session,
        format!("/team/{}/role", oscar.id),
        Some(json!({ "role": "staff" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = post(
        &owner,
        format!("/team/{}/role", adi.id),
        Some(json!({ "role": "bos" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'owner' AND state = 'active'")
            .await,
        1
    );
    // A staff member tries too: for them the page does not exist, and the try is recorded.
    let staff = register_account(
        &app,
        &app.fake.user("Sari", None),
        "sari",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let staff_session = log_in(&app, "sari", PASSWORD).await;
    let (status, _) = post(
        &staff_session,
        format!("/team/{}/role", staff.id),
        Some(json!({ "role": "owner" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Every refused change is in the audit log, by whom, to whom and why; the unknown
    // role was a typing error, not a change tried.
    let refused = |by: &str, action: &str, to: &str, why: &str| {
        (
            by.to_owned(),
            action.to_owned(),
            to.to_owned(),
            why.to_owned(),
        )
    };
    assert_eq!(
        refusals_audited(&app).await,
        [
            refused(
                "Adi (@adi)",
                "refused:role",
                "sam",
                "owner_only: staff → admin"
            ),
            refused("Adi (@adi)", "refused:disable", "olivia", "owner_only"),
            refused(
                "Olivia (@olivia)",
                "refused:role",
                "olivia",
                "own_account: owner → staff"
            ),
            refused(
                "Oscar (@oscar)",
                "refused:role",
                "oscar",
                "own_account: owner → staff"
            ),
            refused(
                "Sari (@sari)",
                "refused:role",
                "sari",
                "not_found: staff → owner"
            ),
        ]
    );
    app.finish().await;
}

/// The refused changes in the audit log, oldest first: actor, action, the target's
/// username and the detail.
async fn refusals_audited(app: &TestApp) -> Vec<(String, String, String, String)> {
    common::rows(
        &app.db,
        "SELECT a.actor, a.action, u.username, a.detail FROM audit_log a \
         LEFT JOIN users u ON u.id = a.target_user_id WHERE a.action LIKE 'refused:%' ORDER BY a.id",
    )
    .await
    .into_iter()
    .map(|row| {
        let mut text = row.into_iter().map(Option::unwrap_or_default);
        (
            text.next().unwrap(),
            text.next().unwrap(),
            text.next().unwrap(),
            text.next().unwrap(),
        )
    })
    .collect()
}
