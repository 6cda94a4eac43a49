//! `/cek TICKET` and `/cek ORDER_ID`, in a group and in a private chat, never across
//! groups; and who posts in a group being taken for a member without asking Telegram.

mod common;

use std::time::Duration;

use common::{
    call, log_in, pickup_and_close, place_order, register_account, register_staff, reply_to, say,
    spawn_app_with, spawn_public_app, Backend, TestApp, PATIENCE,
};
use reqwest::StatusCode;
use tangkap::{
    groups::settings::SlaDefaults,
    sim::{MemberStatus, SimMessage, SimUser},
    users::{AccountState, Role},
};

on_both_backends!(
    cek_in_a_group_answers_with_the_groups_own_ticket,
    cek_in_a_group_says_when_a_ticket_is_late,
    cek_in_a_private_chat_shows_what_the_account_may_see,
    a_post_in_a_group_makes_its_writer_a_member_without_asking_telegram,
);

const PASSWORD: &str = "sandi-rahasia-1";
const LINK: &str = "https://t.me/tangkap_bot/app";

/// `/cek <asked>` in `group` by `from`: the bot's reply to it.
async fn cek_in(app: &TestApp, group: i64, from: &SimUser, asked: &str) -> SimMessage {
    reply_to(app, group, from, &format!("/cek {asked}")).await
}

/// `text` with `asked` taken out: two "not found" answers compared whatever was typed.
fn without(text: &str, asked: &str) -> String {
    text.replace(asked, "…")
}

async fn cek_in_a_group_answers_with_the_groups_own_ticket(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.miniapp_link = Some(LINK.into());
    })
    .await;
    let (a, b) = (app.fake.group("Grup A"), app.fake.group("Grup B"));
    // Questions that find nothing are asked in a third group: each group gets about a
    // message a second.
    let c = app.fake.group("Grup C");
    let asker = app.fake.user("Penanya", None);
    let admin = app.fake.user("Adi", Some("adi_tg"));
    register_staff(&app, &admin, "adi", PASSWORD).await;
    let session = log_in(&app, "adi", PASSWORD).await;

    // INV-1 twice in A (the first closed before the second came), once in B.
    let first = place_order(&app, a, &asker, "/moban #INV-1 #TOPUP #pertama").await;
    pickup_and_close(&app, app.order_no(&first).await, &session).await;
    // Feedback 1, 2 and 3 out before the next request is answered.
    app.fake.wait_for_bot_messages(a, 3, PATIENCE).await;
    let second = place_order(&app, a, &asker, "/moban #INV-1 #TOPUP #kedua").await;
    let in_b = place_order(&app, b, &asker, "/moban #INV-B #TOPUP #di B").await;

    // By ticket, in any case: the closed one, who resolved it and when.
    let answer = cek_in(&app, a, &asker, &first.to_lowercase()).await;
    let text = &answer.text;
    assert!(text.contains(&first) && text.contains("INV-1"), "{text}");
    assert!(
        text.contains("RESOLVED oleh Adi (@adi) pada ") && text.contains(" WIB"),
        "{text}"
    );
    assert!(
        !text.contains("Terlambat") && !text.contains("Batas"),
        "{text}"
    );
    assert_eq!(
        answer.buttons,
        [("Buka tiket".to_owned(), format!("{LINK}?startapp={first}"))]
    );

    // By Order_ID: the newest, waiting for Pickup and not late, with the older one named.
    let text = cek_in(&app, a, &asker, "inv-1").await.text;
    assert!(text.contains(&second) && !text.contains(&first), "{text}");
    assert!(
        text.contains("Status: ORDER, menunggu Pickup sejak "),
        "{text}"
    );
    assert!(
        text.contains("Batas Pickup") && text.contains("lagi"),
        "{text}"
    );
    assert!(!text.contains("Terlambat"), "{text}");
    assert!(text.contains("Ada 1 tiket lebih lama"), "{text}");
    // Written as a /moban field is, with its `#`.
    assert!(cek_in(&app, a, &asker, "#INV-1")
        .await
        .text
        .contains(&second));

    // Picked up: who has it and since when.
    let no = app.order_no(&second).await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/orders/{no}/pickup"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = app.fake.bot_messages(a).len();
    app.fake
        .wait_for_bot_messages(a, before + 1, PATIENCE)
        .await;
    let text = cek_in(&app, a, &asker, &second).await.text;
    assert!(
        text.contains("Status: PICK UP, ditangani oleh Adi (@adi) sejak "),
        "{text}"
    );
    assert!(text.contains("Batas Close"), "{text}");

    // B's ticket and Order_ID are not A's: answered exactly as something unknown.
    let unknown = cek_in(&app, c, &asker, "ZZZZZZ").await.text;
    assert!(
        unknown.contains("tidak ditemukan di grup ini") && unknown.contains("/cek TIKET"),
        "{unknown}"
    );
    let hidden = cek_in(&app, a, &asker, &in_b).await;
    assert_eq!(without(&hidden.text, &in_b), without(&unknown, "ZZZZZZ"));
    assert!(hidden.buttons.is_empty());
    let hidden = cek_in(&app, a, &asker, "INV-B").await.text;
    assert_eq!(without(&hidden, "INV-B"), without(&unknown, "ZZZZZZ"));
    // B sees its own.
    assert!(cek_in(&app, b, &asker, &in_b).await.text.contains("INV-B"));

    // Nothing asked: how to ask.
    let usage = cek_in(&app, c, &asker, "").await.text;
    assert!(
        usage.starts_with("Gunakan /cek TIKET atau /cek ORDER_ID"),
        "{usage}"
    );

    // Hostile input is quoted as text, cut short, and finds nothing.
    let hostile = "<b>x</b>' OR 1=1; -- 😀 \u{202e}";
    let answer = cek_in(&app, c, &asker, hostile).await;
    assert!(
        answer.text.contains("<b>x</b>' OR 1=1; -- 😀"),
        "{}",
        answer.text
    );
    assert!(
        answer
            .html
            .as_deref()
            .unwrap()
            .contains("&lt;b&gt;x&lt;/b&gt;"),
        "{:?}",
        answer.html
    );
    let long = "é".repeat(3000);
    let answer = cek_in(&app, c, &asker, &long).await.text;
    assert!(answer.contains("tidak ditemukan di grup ini"), "{answer}");
    assert!(answer.chars().count() < 400, "{answer}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders").await,
        3,
        "nothing stored"
    );

    // The groups' command menu offers it.
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake
                .commands("all_group_chats")
                .contains(&"cek".to_owned()))
            .await,
        "{:?}",
        app.fake.commands("all_group_chats")
    );
    app.finish().await;
}

async fn cek_in_a_group_says_when_a_ticket_is_late(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.sla = SlaDefaults {
            pickup: Some(Duration::from_millis(500)),
            close: None,
            warn_before: Duration::ZERO,
        };
    })
    .await;
    let group = app.fake.group("Grup Lambat");
    let asker = app.fake.user("Penanya", None);
    let ticket = place_order(&app, group, &asker, "/moban #L-1 #TOPUP #lambat").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let text = cek_in(&app, group, &asker, &ticket).await.text;
    assert!(text.contains("Status: ORDER"), "{text}");
    assert!(
        text.contains("⚠️ Terlambat") && text.contains("batas Pickup"),
        "{text}"
    );
    app.finish().await;
}

async fn cek_in_a_private_chat_shows_what_the_account_may_see(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.miniapp_link = Some(LINK.into());
    })
    .await;
    let (a, b) = (app.fake.group("Grup A"), app.fake.group("Grup B"));
    let asker = app.fake.user("Penanya", None);
    let in_a = place_order(&app, a, &asker, "/moban #INV-A #TOPUP #di A").await;
    let in_b = place_order(&app, b, &asker, "/moban #INV-B #TOPUP #di B").await;

    // Sam works A only, by Telegram's word, asked before the answer (he never logged in).
    let sam = app.fake.user("Sam", Some("sam_tg"));
    register_account(
        &app,
        &sam,
        "sam",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    app.fake.set_member_status(a, &sam, MemberStatus::Member);
    app.fake.set_member_status(b, &sam, MemberStatus::Left);
    let answer = say(&app, &sam, &format!("/cek {in_a}")).await;
    assert!(
        answer.text.contains(&in_a) && answer.text.contains("Grup: Grup A"),
        "{}",
        answer.text
    );
    assert!(
        answer
            .text
            .contains("Status: ORDER, menunggu Pickup sejak "),
        "{}",
        answer.text
    );
    let url = format!("{}/?ticket={in_a}", app.http_url());
    assert_eq!(answer.buttons, [("Buka tiket".to_owned(), url)]);
    let by_order_id = say(&app, &sam, "/cek inv-a").await;
    assert!(by_order_id.text.contains(&in_a), "{}", by_order_id.text);

    // B's ticket is no ticket to him.
    let unknown = say(&app, &sam, "/cek ZZZZZZ").await.text;
    assert!(
        unknown.contains("tidak ditemukan di antara tiket yang dapat Anda lihat"),
        "{unknown}"
    );
    for hidden in [in_b.as_str(), "INV-B"] {
        let answer = say(&app, &sam, &format!("/cek {hidden}")).await;
        assert_eq!(without(&answer.text, hidden), without(&unknown, "ZZZZZZ"));
        assert!(answer.buttons.is_empty());
    }

    // An admin sees every group's, in English when their app speaks it.
    let ann = app.fake.user_speaking("Ann", None, "en");
    register_account(
        &app,
        &ann,
        "ann",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let answer = say(&app, &ann, &format!("/cek {in_b}")).await;
    assert!(
        answer.text.contains(&format!("Ticket {in_b}"))
            && answer.text.contains("Group: Grup B")
            && answer.text.contains("waiting for Pickup since"),
        "{}",
        answer.text
    );
    assert_eq!(answer.buttons.len(), 1);
    assert!(say(&app, &ann, "/cek")
        .await
        .text
        .starts_with("Use /cek TICKET"));

    // Without an active account: register, or wait.
    let stranger = app.fake.user("Tamu", None);
    let answer = say(&app, &stranger, &format!("/cek {in_a}")).await.text;
    assert!(
        answer.contains("/daftar") && !answer.contains(&in_a),
        "{answer}"
    );
    let waiting = app.fake.user("Wati", None);
    register_account(
        &app,
        &waiting,
        "wati",
        PASSWORD,
        Role::Staff,
        AccountState::Pending,
    )
    .await;
    let answer = say(&app, &waiting, &format!("/cek {in_a}")).await.text;
    assert!(
        answer.contains("menunggu persetujuan admin") && !answer.contains(&in_a),
        "{answer}"
    );

    // The private menu offers it, in both languages.
    for scope in ["all_private_chats", "all_private_chats:en"] {
        assert!(
            app.fake
                .wait_until(PATIENCE, |fake| fake
                    .commands(scope)
                    .contains(&"cek".to_owned()))
                .await,
            "{scope}: {:?}",
            app.fake.commands(scope)
        );
    }
    app.finish().await;
}

async fn a_post_in_a_group_makes_its_writer_a_member_without_asking_telegram(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let group = app.fake.group("Grup Obrolan");
    let sam = app.fake.user("Sam", None);
    register_account(
        &app,
        &sam,
        "sam",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    // Logged in before the bot met the group: nothing to ask Telegram yet.
    let session = log_in(&app, "sam", PASSWORD).await;
    let asker = app.fake.user("Penanya", None);
    let ticket = place_order(&app, group, &asker, "/moban #P-1 #TOPUP #obrolan").await;

    app.fake.send_to_group(group, &sam, "saya cek dulu ya");
    let member = format!(
        "SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id \
         WHERE u.username = 'sam' AND m.chat_id = {group} AND m.is_member = 1"
    );
    assert_eq!(app.wait_for_count(&member, 1).await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM group_members").await,
        1,
        "people without an account are not recorded"
    );

    let asked = || {
        app.fake
            .stats()
            .calls
            .get("getchatmember")
            .copied()
            .unwrap_or(0)
    };
    let before = asked();
    let (_, page) = call(&app, "GET", "/orders?status=order", Some(&session), None).await;
    let tickets: Vec<&str> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert_eq!(tickets, [ticket.as_str()], "{page}");
    assert_eq!(asked(), before, "no getChatMember for the group");

    // A fresh answer is not written again (the /cek is a post too, and its answer says
    // both posts were processed); a leave still counts.
    let checked = "SELECT m.checked_at FROM group_members m JOIN users u ON u.id = m.user_id \
         WHERE u.username = 'sam'";
    let first = app.count(checked).await;
    app.fake.send_to_group(group, &sam, "sudah beres");
    cek_in(&app, group, &sam, &ticket).await;
    assert_eq!(app.count(checked).await, first);
    app.fake.leave_group(group, &sam);
    let gone = member.replace("m.is_member = 1", "m.is_member = 0");
    assert_eq!(app.wait_for_count(&gone, 1).await, 1);
    app.finish().await;
}
