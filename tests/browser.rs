//! The Mini App in a real headless Chromium: Tangkap runs against the fake Telegram with
//! accounts (an admin, an owner, staff of one group, applicants waiting for approval) and
//! orders in four groups in place (two of them with time targets of their own, so that
//! some tickets are late and one is in its warning window), `tests/browser/miniapp.test.mjs`
//! (node's test runner with playwright-core) works the pages, and afterwards the group must
//! hold Feedback 2 and 3 and the reply telling it DTL-1 was reopened on its ticket page,
//! the accounts must stand as the Tim page left them and Gudang must have the time
//! settings the Tim page gave it. Screenshots land in `test-artifacts/miniapp/`.

mod common;

use std::{path::Path, process::Command};

use common::{
    buy_and_pay, call, log_in, pickup_and_close, place_order, register_account, register_staff,
    reply_to, request_message_id, spawn_app, spawn_app_with, spawn_public_app, spawn_shop, Backend,
    SmtpSink, TestApp, BOT_USERNAME, PATIENCE, TOKEN,
};
use serde_json::{json, Value};
use tangkap::{
    sim::{MemberStatus, SimUser},
    users::{AccountState, Role},
};

const PASSWORD: &str = "rahasia-123";

/// An 8×6 PNG, whole: the browser must be able to draw it.
const PHOTO_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x06\x08\x02\x00\x00\x00\x71\x67\x48\xac\x00\x00\x00\x11IDAT\x78\xda\x63\x38\x61\xa3\x81\x15\x31\x0c\xa4\x04\x00\x9a\x46\x38\x41\x05\x10\x39\xa0\x00\x00\x00\x00IEND\xae\x42\x60\x82";

/// Three days ago in Operasional, as the Laporan page's test expects: five new tickets,
/// and Tono (who does nothing else) picked up three after 2.5, 4.5 and 8.5 minutes
/// (median 4 min, p90 8 min as the page writes them) and closed one after 30.5 minutes.
async fn seed_report(app: &TestApp, group: i64, tono: i64) {
    use tangkap::reports::{record, Counted, Kind};
    let at = tangkap::db::now_ms() - 3 * 86_400_000;
    let step = |kind, seconds: i64| Counted {
        chat_id: group,
        kind,
        staff_id: tono,
        at,
        since: at - seconds * 1000,
        due_at: None,
    };
    let mut counted: Vec<Counted> = [150, 270, 510]
        .map(|seconds| step(Kind::Pickup, seconds))
        .to_vec();
    counted.push(step(Kind::Close, 1830));
    counted.extend((0..5).map(|_| Counted {
        staff_id: 0,
        ..step(Kind::New, 0)
    }));
    let mut tx = app.db.begin().await.unwrap();
    record(&mut tx, &counted).await.unwrap();
    tx.commit().await.unwrap();
}

/// Where a browser test's screenshots land.
fn artifacts_dir(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-artifacts")
        .join(name)
}

/// Runs `script` in `tests/browser` (node's test runner, playwright-core driving Debian's
/// Chromium) against `app`, with `env` beside `TANGKAP_URL`, `TANGKAP_BOT_USERNAME` and
/// `TANGKAP_ARTIFACTS` (`test-artifacts/<artifacts>`, for screenshots). Asserts that it
/// passed; returns its report.
fn run_browser_tests(
    app: &TestApp,
    script: &str,
    artifacts: &str,
    env: &[(&str, String)],
) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists()
            && Path::new("/usr/bin/chromium").exists(),
        "Chromium or the Node packages are missing: scripts/test installs them"
    );
    let artifacts = artifacts_dir(artifacts);
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", script])
        .current_dir(&dir)
        .env("TANGKAP_URL", app.http_url())
        .env("TANGKAP_BOT_USERNAME", BOT_USERNAME)
        .env("TANGKAP_ARTIFACTS", &artifacts)
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser tests failed:\n{report}");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mini_app_in_headless_chromium() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.pickup_undo = std::time::Duration::from_secs(3);
    })
    .await;
    let staff = app.fake.user("Budi Santoso", Some("budi_tg"));
    register_staff(&app, &staff, "budi", PASSWORD).await;
    let stranger = app.fake.user("Orang Asing", None);
    // A forum: DTL-1 is asked in its topic "Keluhan", which the ticket page names.
    let group = app.fake.forum_group("Operasional");
    let complaints = app.fake.open_topic(group, "Keluhan");
    let asker = app.fake.user("Siti", None);
    let ui_ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #UI-1 #TOPUP #Saldo belum masuk",
    )
    .await;
    place_order(
        &app,
        group,
        &asker,
        "/moban #<b>XSS-1</b> #TRX #<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>",
    )
    .await;
    place_order(
        &app,
        group,
        &asker,
        "/moban #RTL-1 #TRX #\u{202e}مرحبا بالعالم\u{200b} 😀 selesai",
    )
    .await;
    let link_ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #LINK-1 #TRX #dibuka dari tautan",
    )
    .await;
    // The same Order_ID again, in lower case, while DUP-1 is open: no second ticket,
    // a reply pointing to DUP-1, which its ticket page lists.
    let dup_ticket = place_order(&app, group, &asker, "/moban #DUP-1 #TRX #pertama").await;
    let pointer = reply_to(&app, group, &asker, "/moban #dup-1 #TRX #kedua kali").await;
    assert!(
        pointer.text.starts_with(&format!(
            "Order_ID DUP-1 sudah tercatat di tiket {dup_ticket} "
        )),
        "{}",
        pointer.text
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE lower(order_id) = 'dup-1'")
            .await,
        1
    );
    // A request sent as a photo's caption; its ticket page shows the photo.
    let (photo_post, _) = app.fake.send_photo(
        group,
        &asker,
        PHOTO_PNG,
        Some("/moban #FOTO-1 #TRX #lihat tangkapan layar"),
    );
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake
                .bot_messages(group)
                .iter()
                .any(|m| m.reply_to == Some(photo_post.message_id)))
            .await,
        "Feedback 1 for the photo's request"
    );
    let undo_ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #UNDO-1 #TRX #diambil lalu dibatalkan",
    )
    .await;
    let live_ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #LIVE-1 #TRX #diubah dari tempat lain",
    )
    .await;

    // A second group, whose tickets only Dewi (staff, a member there alone) and the
    // leaders see.
    let warehouse = app.fake.group("Gudang");
    let dewi = app.fake.user("Dewi Lestari", Some("dewi_tg"));
    app.fake
        .set_member_status(warehouse, &dewi, MemberStatus::Member);
    place_order(
        &app,
        warehouse,
        &dewi,
        "/moban #GDG-1 #STOK #Stok kardus habis",
    )
    .await;

    // The people the Tim page and the login checks work with, each by login username.
    let mut people = serde_json::Map::new();
    let mut tono_id = None;
    for (first_name, telegram_username, username, role, state) in [
        (
            "Dewi Lestari",
            None,
            "dewi",
            Role::Staff,
            AccountState::Active,
        ),
        (
            "Rina Kusuma",
            Some("rina_k"),
            "rina",
            Role::Staff,
            AccountState::Pending,
        ),
        (
            "Joko Widodo",
            None,
            "joko",
            Role::Staff,
            AccountState::Pending,
        ),
        (
            "Wati Susanti",
            None,
            "wati",
            Role::Staff,
            AccountState::Pending,
        ),
        (
            "Sari Owner",
            Some("sari_tg"),
            "sari",
            Role::Owner,
            AccountState::Active,
        ),
        ("Tono Staf", None, "tono", Role::Staff, AccountState::Active),
    ] {
        let user = if username == "dewi" {
            dewi.clone()
        } else {
            app.fake.user(first_name, telegram_username)
        };
        let account = register_account(&app, &user, username, PASSWORD, role, state).await;
        if username == "tono" {
            tono_id = Some(account.id);
        }
        people.insert(username.to_owned(), person(&user, username));
    }

    // Two groups with time targets of their own, set as the Tim page sets them. Kilat's
    // tickets are due a second after they are asked for, so they are late by the time the
    // pages look (KLT-1 was asked for first and re-timed by the change, KLT-2 timed by
    // it); Siaga's ticket is 15 minutes and a second from its target, so the warning (15
    // minutes before, the default) starts a second after it and lasts the whole run.
    let session = log_in(&app, "budi", PASSWORD).await;
    let kilat = app.fake.group("Kilat");
    place_order(
        &app,
        kilat,
        &asker,
        "/moban #KLT-1 #REFUND #Dana belum kembali",
    )
    .await;
    assert_eq!(set_pickup_target(&app, &session, kilat, "1s").await, 1);
    place_order(
        &app,
        kilat,
        &asker,
        "/moban #KLT-2 #TRX #Saldo terpotong dua kali",
    )
    .await;
    let siaga = app.fake.group("Siaga");
    place_order(
        &app,
        siaga,
        &asker,
        "/moban #SGA-1 #TRX #Menunggu konfirmasi bank",
    )
    .await;
    assert_eq!(set_pickup_target(&app, &session, siaga, "15m1s").await, 1);

    // One ticket's page: DTL-1 picked up and closed by Budi with a note by Sari (the page
    // adds a note and reopens it), and TKL-1 picked up in a group the bot was removed from
    // since, so that its Feedback 2 was refused.
    let asked = app.fake.send_to_topic(
        group,
        complaints,
        &asker,
        "/moban #DTL-1 #REFUND #Dana belum kembali ke rekening",
    );
    let answered = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(group)
                .iter()
                .any(|m| m.reply_to == Some(asked.message_id) && m.thread == Some(complaints))
        })
        .await;
    assert!(answered, "DTL-1 answered in its topic");
    let detail_ticket = app
        .rows("SELECT ticket_no FROM orders WHERE order_id = 'DTL-1'")
        .await[0][0]
        .clone()
        .unwrap();
    let detail_no = app.order_no(&detail_ticket).await;
    pickup_and_close(&app, detail_no, &session).await;
    let sari_session = log_in(&app, "sari", PASSWORD).await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/orders/{detail_no}/notes"),
        Some(&sari_session),
        Some(json!({ "text": "Sudah dicek ke bank, tunggu 1×24 jam." })),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    let old_shop = app.fake.group("Toko Lama");
    let lost = place_order(
        &app,
        old_shop,
        &asker,
        "/moban #TKL-1 #TRX #Bot sudah dikeluarkan",
    )
    .await;
    app.fake.kick_bot(old_shop);
    let path = format!("/orders/{}/pickup", app.order_no(&lost).await);
    let (status, body) = call(&app, "POST", &path, Some(&session), None).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status = 'failed'", 1)
        .await;

    let groups = json!({
        "operasional": group, "gudang": warehouse, "kilat": kilat, "siaga": siaga, "toko": old_shop,
    });
    seed_report(&app, group, tono_id.expect("Tono is registered")).await;

    run_browser_tests(
        &app,
        "miniapp.test.mjs",
        "miniapp",
        &[
            ("TANGKAP_BOT_TOKEN", TOKEN.to_owned()),
            (
                "TANGKAP_STAFF",
                json!({ "id": staff.id, "first_name": staff.first_name, "username": "budi", "name": "Budi Santoso", "password": PASSWORD })
                    .to_string(),
            ),
            (
                "TANGKAP_STRANGER",
                json!({ "id": stranger.id, "first_name": stranger.first_name }).to_string(),
            ),
            ("TANGKAP_PEOPLE", Value::Object(people.clone()).to_string()),
            ("TANGKAP_LINK_TICKET", link_ticket.clone()),
            ("TANGKAP_GROUPS", groups.to_string()),
        ],
    );

    // Five Feedback 1, then Feedback 2 and 3 for UI-1 (worked in the page) and LIVE-1.
    let feedback = app.fake.wait_for_bot_messages(group, 9, PATIENCE).await;
    let texts: Vec<&str> = feedback.iter().map(|m| m.text.as_str()).collect();
    for (ticket, order) in [(&ui_ticket, "UI-1 TOPUP"), (&live_ticket, "LIVE-1 TRX")] {
        for step in ["PICK UP", "RESOLVED"] {
            let expected =
                format!("Permintaan Anda {ticket} {order} sudah di {step} oleh Budi Santoso");
            assert_eq!(
                texts.iter().filter(|t| **t == expected).count(),
                1,
                "{expected} in {texts:#?}"
            );
        }
    }
    // UNDO-1 was picked up and taken back with Batalkan: the group never heard of it.
    assert_eq!(
        app.rows(&format!(
            "SELECT status, picked_by FROM orders WHERE ticket_no = '{undo_ticket}'"
        ))
        .await,
        [[Some("order".to_owned()), None]]
    );
    assert!(
        !texts
            .iter()
            .any(|text| text.contains(undo_ticket.as_str()) && text.contains("PICK UP")),
        "{texts:#?}"
    );
    // The ticket page reopened DTL-1 and told the group, as a reply to the request.
    assert_eq!(
        app.rows(&format!(
            "SELECT o.status, u.username FROM orders o JOIN users u ON u.id = o.reopened_by \
             WHERE o.no = {detail_no}"
        ))
        .await,
        [[Some("order".to_owned()), Some("budi".to_owned())]]
    );
    let request = request_message_id(&app, group, "DTL-1");
    let reopened =
        format!("Permintaan Anda {detail_ticket} DTL-1 REFUND dibuka kembali oleh Budi Santoso: ");
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| fake.bot_messages(group).iter().any(|m| {
                m.text.starts_with(&reopened) && m.reply_to == Some(request)
            }))
            .await,
        "{:#?}",
        app.fake.bot_messages(group)
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM order_notes WHERE order_no = {detail_no}"
        ))
        .await,
        2,
        "Sari's note and the one added in the page"
    );
    // The Tim page approved Rina, refused to approve Joko (rejected meanwhile) and then to
    // enable him (enabled meanwhile), made Tono an admin, and left Wati waiting.
    for (username, role, state) in [
        ("rina", "staff", "active"),
        ("joko", "staff", "active"),
        ("tono", "admin", "active"),
        ("wati", "staff", "pending"),
    ] {
        assert_eq!(
            account(&app, username).await,
            (role.into(), state.into()),
            "{username}"
        );
    }
    // Approved, Rina hears it from the bot.
    let rina_chat = people["rina"]["id"].as_i64().unwrap();
    let welcome = app.fake.wait_for_bot_messages(rina_chat, 1, PATIENCE).await;
    assert!(
        welcome
            .iter()
            .any(|m| m.text.contains("terdaftar sebagai rina")),
        "{welcome:#?}"
    );
    // The Tim page gave Gudang a Pickup target of an hour, open Monday and Tuesday; the
    // refused "soon" changed nothing.
    let (status, gudang) = call(
        &app,
        "GET",
        &format!("/groups/{warehouse}/settings"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{gudang}");
    assert_eq!(
        gudang["settings"],
        json!({
            "pickup": "1h",
            "close": null,
            "hours": [
                { "day": "mon", "from": "08:00", "to": "17:00" },
                { "day": "tue", "from": "09:00", "to": "24:00" },
            ],
            "zone": "WITA",
        })
    );
    for page in [
        "login-light",
        "order-light",
        "pickup-light",
        "close-light",
        "login-dark",
        "order-dark",
        "pickup-dark",
        "close-dark",
        "team-light",
        "team-dark",
        "pending-light",
        "sla-light",
        "sla-dark",
        "sla-late-only-light",
        "team-sla-light",
        "team-sla-dark",
        "ticket-light",
        "ticket-reopened-light",
        "ticket-dark",
        "ticket-failed-dark",
    ] {
        assert!(
            artifacts_dir("miniapp")
                .join(format!("{page}.png"))
                .exists(),
            "screenshot {page}"
        );
    }
    app.finish().await;
}

/// The Mini App while its server goes away and comes back on the same address, and opened
/// with launch data too old (`tests/browser/offline.test.mjs`). The script asks for the stop
/// and the start by writing `@tangkap stop` / `@tangkap start` on its output; each is
/// answered `done` on its input once it has happened. While Tangkap is away, OFF-2 is
/// picked up (as by another phone, once it is back and before the page is told).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mini_app_while_the_server_is_away() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let mut app = spawn_app(Backend::Sqlite).await;
    let staff = app.fake.user("Budi Santoso", Some("budi_tg"));
    register_staff(&app, &staff, "budi", PASSWORD).await;
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let mut tickets = Vec::new();
    for order in ["OFF-1", "OFF-2", "OFF-3"] {
        let ticket = place_order(&app, group, &asker, &format!("/moban #{order} #TRX #uji")).await;
        tickets.push(ticket);
    }
    let off_2 = app.order_no(&tickets[1]).await;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let mut node = tokio::process::Command::new("node")
        .args(["--test-reporter=spec", "offline.test.mjs"])
        .current_dir(&dir)
        .env("TANGKAP_URL", app.http_url())
        .env("TANGKAP_BOT_TOKEN", TOKEN)
        .env("TANGKAP_STAFF", person(&staff, "budi").to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut answers = node.stdin.take().unwrap();
    let mut lines = BufReader::new(node.stdout.take().unwrap()).lines();
    let address = app.running.as_ref().unwrap().http_addr;
    let mut report = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        match line.as_str() {
            "@tangkap stop" => app.stop().await,
            "@tangkap start" => {
                app.start_at(address).await;
                let session = log_in(&app, "budi", PASSWORD).await;
                let path = format!("/orders/{off_2}/pickup");
                let (status, body) = call(&app, "POST", &path, Some(&session), None).await;
                assert_eq!(status, reqwest::StatusCode::OK, "{body}");
            }
            _ => {
                println!("{line}");
                report.push_str(&line);
                report.push('\n');
                continue;
            }
        }
        answers.write_all(b"done\n").await.unwrap();
    }
    let status = node.wait().await.unwrap();
    assert!(status.success(), "browser tests failed:\n{report}");
    app.finish().await;
}

/// The Toko page (`tests/browser/shop.test.mjs`): an admin adds stock pasted and from a
/// file, sees it masked, re-prices and switches off a product, refunds an order and adds a
/// coupon; a staff member has no Toko tab. The shop must stand as the page left it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_page_in_headless_chromium() {
    let (app, pakasir) = spawn_shop(Backend::Sqlite, |_| {}).await;
    let admin = app.fake.user("Admin Toko", Some("admin_toko"));
    register_account(
        &app,
        &admin,
        "admintoko",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let staff = app.fake.user("Budi Santoso", Some("budi_tg"));
    register_account(
        &app,
        &staff,
        "budi",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let items = [
        "akun-lama-1@mail.test | Sandi1",
        "akun-lama-2@mail.test | Sandi2",
    ];
    let mut tx = app.db.begin().await.unwrap();
    tangkap::shop::catalogue::add_stock(&mut tx, "NETFLIX", &items.join("\n"))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    // The oldest item goes to the buyer; the other stays in stock.
    let buyer = app.fake.user("Beni", Some("beni_beli"));
    let order_id = buy_and_pay(&app, &pakasir, &buyer, "NETFLIX").await;

    run_browser_tests(
        &app,
        "shop.test.mjs",
        "shop",
        &[
            (
                "TANGKAP_ADMIN",
                json!({ "login": "admintoko", "password": PASSWORD }).to_string(),
            ),
            (
                "TANGKAP_STAFF",
                json!({ "login": "budi", "password": PASSWORD }).to_string(),
            ),
            ("TANGKAP_ORDER", order_id.clone()),
            ("TANGKAP_STOCK", json!([items[1]]).to_string()),
        ],
    );

    let netflix = app
        .rows("SELECT price, active FROM shop_products WHERE code = 'NETFLIX'")
        .await;
    assert_eq!(
        netflix,
        [[Some("12000".to_owned()), Some("0".to_owned())]],
        "re-priced and off sale"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_items WHERE product_code = 'NETFLIX' AND state = 'available'")
            .await,
        4
    );
    assert_eq!(
        app.rows("SELECT amount, reason FROM shop_ledger").await,
        [[Some("5000".to_owned()), Some("refund".to_owned())]],
        "refunded once, in part"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_coupons WHERE code = 'HEMAT10' AND max_uses = 5")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_texts WHERE key = 'sambutan'")
            .await,
        1
    );
    app.finish().await;
}

/// The Mini App on a slow phone, under Chromium's throttling (`tests/browser/slow.test.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mini_app_on_a_slow_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    run_browser_tests(&app, "slow.test.mjs", "slow", &[]);
    app.finish().await;
}

/// Sets group `chat_id`'s Pickup target through the API, as the Tim page does; the number
/// of open tickets re-timed.
async fn set_pickup_target(app: &TestApp, session: &str, chat_id: i64, pickup: &str) -> u64 {
    let (status, body) = call(
        app,
        "PUT",
        &format!("/groups/{chat_id}/settings"),
        Some(session),
        Some(json!({ "pickup": pickup, "close": null, "hours": [], "zone": "WIB" })),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["settings"]["pickup"], pickup, "{body}");
    body["retimed"].as_u64().expect("retimed")
}

/// What the page needs of a Telegram user with an account: to sign initData and log in.
fn person(user: &SimUser, username: &str) -> Value {
    json!({
        "id": user.id,
        "first_name": user.first_name,
        "username": user.username,
        "login": username,
        "name": user.first_name,
        "password": PASSWORD,
    })
}

/// An account's role and state, by username.
async fn account(app: &TestApp, username: &str) -> (String, String) {
    let rows = app
        .rows(&format!(
            "SELECT role, state FROM users WHERE username = '{username}'"
        ))
        .await;
    let row = rows
        .first()
        .unwrap_or_else(|| panic!("no account {username}"));
    (
        row[0].clone().unwrap_or_default(),
        row[1].clone().unwrap_or_default(),
    )
}

/// The front desk's day for `booking.test.mjs`, held and decided through `booking` as `by`:
/// Rama arrives today, paid; Lina came yesterday to room 101 and leaves today; three paid
/// guests take every Standard room five nights on. The FO chat and another group are known
/// by their titles. Rama's and Lina's receipts, and how many bookings are paid.
async fn seed_front_desk(app: &TestApp, by: &tangkap::users::User, fo_chat: i64) -> Value {
    use tangkap::booking::{self, desk, rooms, Decision, Guest, NewBooking, Stay};
    let now = tangkap::db::now_ms();
    let other = app.fake.group("Tim Operasional");
    let mut tx = app.db.begin().await.unwrap();
    tangkap::groups::remember(
        &mut tx,
        &[
            (fo_chat, "FO Hotel Melati".to_owned()),
            (other, "Tim Operasional".to_owned()),
        ],
    )
    .await
    .unwrap();
    let hotel = app.config.hotel().unwrap().load(&mut tx).await.unwrap();
    let standard = rooms::find_by_name(&mut tx, "Standard")
        .await
        .unwrap()
        .unwrap();
    let today = hotel.today(now);
    let day = |n: i64| today.checked_add(time::Duration::days(n)).unwrap();
    let guests = [
        ("Rama", today, 2),
        ("Lina", day(-1), 1),
        ("Andi", day(5), 1),
        ("Beni", day(5), 1),
        ("Caca", day(5), 1),
    ];
    let news: Vec<NewBooking> = guests
        .iter()
        .zip(1..)
        .map(|((name, check_in, nights), n)| NewBooking {
            guest_name: (*name).to_owned(),
            guest: Guest::Telegram(70_000 + n),
            room_type_id: standard.id,
            stay: Stay {
                check_in: *check_in,
                nights: *nights,
            },
            lang: tangkap::lang::Lang::Id,
            request_id: None,
        })
        .collect();
    let held: Vec<booking::Booking> = booking::hold_many(&mut tx, &hotel, &news, now)
        .await
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    for booking in &held {
        booking::decide(&mut tx, &hotel, booking.id, Decision::Paid, by)
            .await
            .unwrap();
    }
    desk::check_in(
        &mut tx,
        &hotel,
        by,
        held[1].id,
        Some("101"),
        now - 86_400_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    json!({
        "arriving": held[0].receipt,
        "leaving": held[1].receipt,
        "paid": held.len(),
    })
}

/// Hotel Melati, as the booking pages' tests know it: Deluxe (2 rooms) and Standard (3), a
/// two-hour hold, its FO chat `fo_chat`; guests on their way keep their room.
fn hotel_melati(fo_chat: i64) -> tangkap::booking::config::BookingConfig {
    tangkap::booking::config::BookingConfig {
        settings: tangkap::booking::config::HotelSettings {
            hotel_name: "Hotel Melati".into(),
            hold: std::time::Duration::from_secs(2 * 3600),
            warn_before: std::time::Duration::from_secs(15 * 60),
            staff_chat: Some(fo_chat),
            book_ahead_days: 60,
            payment_text: "Bayar dengan QRIS di resepsionis saat tiba.".into(),
        },
        room_types: vec![
            tangkap::booking::config::RoomTypeConfig {
                name: "Deluxe".into(),
                rooms: 2,
                price: 450_000,
            },
            tangkap::booking::config::RoomTypeConfig {
                name: "Standard".into(),
                rooms: 3,
                price: 350_000,
            },
        ],
        // Guests on their way keep the room: the English guest's faked position
        // (-8.65, 115.2167) is 3.1 km north of here.
        location: Some(tangkap::booking::config::LocationRule {
            hotel: (-8.678, 115.2167),
            radius_m: 10_000,
            extend_by: std::time::Duration::from_secs(30 * 60),
            max_extensions: 2,
        }),
        ..tangkap::booking::config::BookingConfig::default()
    }
}

/// The public booking page: the Telegram choice goes to the bot; on the web a bad address
/// is explained, the link mailed over real SMTP (aiosmtpd) holds the room; then an admin
/// marks it paid on the Mini App's Booking page, sets rooms, prices and the hotel's
/// settings, and works the front desk (arrivals, a check-in to a room, a check-out, the
/// free-room grid) on a phone and a desktop; light and dark. The page speaks one language
/// at a time, shows prices and totals, and in English, with holds extended by location,
/// asks for the guest's position and sends it. Afterwards the bookings, rooms and settings
/// must stand as the pages left them, the FO chat told and the guests mailed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_page_in_headless_chromium() {
    let smtp = SmtpSink::start();
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let smtp_url = smtp.url();
    let app = spawn_public_app(Backend::Sqlite, move |config| {
        config.booking = Some(hotel_melati(fo_chat));
        config.mail = Some(tangkap::mail::MailSettings {
            via: tangkap::mail::MailVia::Smtp(tangkap::config::Secret::new(smtp_url)),
            from: "booking@melati.example".into(),
        });
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    let sari = app.fake.user("Sari", Some("sari_tg"));
    let admin = register_account(
        &app,
        &sari,
        "sari",
        PASSWORD,
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let desk = seed_front_desk(&app, &admin, fo_chat).await;
    // The page's Telegram link names the bot.
    app.wait_until_bot_known().await;
    let guest = "ayu@tamu.example";
    let english_guest = "dodi@tamu.example";
    let report = run_browser_tests(
        &app,
        "booking.test.mjs",
        "booking",
        &[
            ("TANGKAP_MAILS", smtp.mails_file.display().to_string()),
            ("TANGKAP_GUEST_EMAIL", guest.to_owned()),
            ("TANGKAP_ENGLISH_GUEST_EMAIL", english_guest.to_owned()),
            ("TANGKAP_DESK", desk.to_string()),
            (
                "TANGKAP_ADMIN",
                json!({ "login": "sari", "password": PASSWORD }).to_string(),
            ),
        ],
    );

    let receipt = report
        .split_whitespace()
        .find(|word| word.starts_with("RESI-"))
        .expect("the page showed a receipt");
    // Made on the web page, marked paid on the Booking page.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE receipt = '{receipt}' AND via = 'web' \
             AND status = 'paid' AND decided_by = 'Sari (@sari)' AND email = '{guest}' \
             AND nights = 2"
        ))
        .await,
        1
    );
    assert_eq!(
        app.rows("SELECT name, rooms, price FROM room_types ORDER BY id")
            .await,
        [
            ["Deluxe", "3", "500000"],
            ["Standard", "3", "350000"],
            ["Suite", "1", "0"],
        ]
        .map(|row| row.map(|v| Some(v.to_owned()))),
        "as the Booking page set them"
    );
    // The front desk checked Rama in to room 202 and Lina out, as Sari.
    let (arriving, leaving) = (
        desk["arriving"].as_str().unwrap(),
        desk["leaving"].as_str().unwrap(),
    );
    assert_eq!(
        app.rows(
            "SELECT b.receipt, e.action, e.actor, e.detail FROM booking_events e \
             JOIN bookings b ON b.id = e.booking_id \
             WHERE e.action IN ('checked_in', 'checked_out') ORDER BY e.id"
        )
        .await,
        [
            [leaving, "checked_in", "Sari (@sari)", "101"].map(|v| Some(v.to_owned())),
            [arriving, "checked_in", "Sari (@sari)", "202"].map(|v| Some(v.to_owned())),
            [
                Some(leaving.to_owned()),
                Some("checked_out".to_owned()),
                Some("Sari (@sari)".to_owned()),
                None
            ],
        ]
    );
    // The English page asked in English: the guest is spoken to in it.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM bookings WHERE email = '{english_guest}' AND lang = 'en' \
             AND status = 'pending'"
        ))
        .await,
        1
    );
    // Its page's positions (at once, then ten minutes on) were kept for that booking, each
    // 3.1 km from the hotel.
    assert_eq!(
        app.rows(&format!(
            "SELECT p.distance_m FROM booking_positions p JOIN bookings b ON b.id = p.booking_id \
             WHERE b.email = '{english_guest}' ORDER BY p.id"
        ))
        .await,
        [[Some("3113".to_owned())], [Some("3113".to_owned())]]
    );
    assert_eq!(
        app.rows(
            "SELECT name, value FROM hotel_settings WHERE name IN \
             ('hold', 'warn_before', 'book_ahead_days', 'payment_text') ORDER BY name"
        )
        .await,
        [
            ["book_ahead_days", "90"],
            ["hold", "3h"],
            ["payment_text", "Transfer ke BCA <b>123</b> sebelum datang."],
            ["warn_before", "20m"],
        ]
        .map(|row| row.map(|v| Some(v.to_owned()))),
        "as the Booking page set them"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'booking_setting' AND actor LIKE 'Sari%'"
        )
        .await,
        4,
        "hold, payment text, then warning and days: each audited"
    );
    for told in [
        receipt.to_owned(),
        format!("{arriving} (Rama, Standard): CHECK-IN oleh Sari (@sari), kamar 202"),
        format!("{leaving} (Lina, Standard, 101): CHECK-OUT oleh Sari (@sari)"),
    ] {
        assert!(
            app.fake
                .wait_until(PATIENCE, |fake| fake
                    .bot_messages(fo_chat)
                    .iter()
                    .any(|m| m.text.contains(&told)))
                .await,
            "{told}: {:?}",
            app.fake.bot_messages(fo_chat)
        );
    }
    // Told before the check-in, in the same chat: here by now.
    assert!(
        app.fake
            .bot_messages(fo_chat)
            .iter()
            .any(|m| m.text.contains(receipt) && m.text.contains("LUNAS")),
        "the FO heard it was paid"
    );
    let mails = smtp.wait_for(guest, 3).await;
    assert!(
        mails[2]["text"]
            .as_str()
            .unwrap()
            .contains("telah dikonfirmasi"),
        "{}",
        mails[2]
    );
}

/// Every page of the Mini App (login, the board's three tabs with and without filters, a
/// ticket, Tim, Laporan, Booking) inside Telegram, the browser login and the public booking
/// page, light and dark, at 320, 390 and 1280 px (tests/browser/a11y.test.mjs): no serious
/// or critical axe-core violation, every tap target at least 44×44 px, no page wider than
/// the screen. The pages have what they would show on a working day: an owner, open,
/// picked-up, closed and late tickets, a week of report data and the front desk's day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_accessible_and_fit_the_screen() {
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let app = spawn_public_app(Backend::Sqlite, move |config| {
        config.booking = Some(hotel_melati(fo_chat));
        // The booking page offers "by mail" only with mail set up; none leaves the test.
        config.mail = Some(tangkap::mail::MailSettings {
            via: tangkap::mail::MailVia::Demo(Default::default()),
            from: "booking@melati.example".into(),
        });
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    let sari = app.fake.user("Sari Owner", Some("sari_tg"));
    let owner = register_account(
        &app,
        &sari,
        "sari",
        PASSWORD,
        Role::Owner,
        AccountState::Active,
    )
    .await;
    let tono = app.fake.user("Tono Staf", None);
    let tono = register_account(
        &app,
        &tono,
        "tono",
        PASSWORD,
        Role::Staff,
        AccountState::Active,
    )
    .await;
    seed_front_desk(&app, &owner, fo_chat).await;

    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    place_order(
        &app,
        group,
        &asker,
        "/moban #ORD-1 #TOPUP #Saldo belum masuk",
    )
    .await;
    let picked = place_order(&app, group, &asker, "/moban #PCK-1 #TRX #Sedang dicek").await;
    let closed = place_order(&app, group, &asker, "/moban #CLS-1 #REFUND #Dana kembali").await;
    let session = log_in(&app, "sari", PASSWORD).await;
    let path = format!("/orders/{}/pickup", app.order_no(&picked).await);
    let (status, body) = call(&app, "POST", &path, Some(&session), None).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    pickup_and_close(&app, app.order_no(&closed).await, &session).await;
    // Due a second after it was asked for: late by the time the pages look.
    let kilat = app.fake.group("Kilat");
    place_order(
        &app,
        kilat,
        &asker,
        "/moban #KLT-1 #TRX #Saldo terpotong dua kali",
    )
    .await;
    assert_eq!(set_pickup_target(&app, &session, kilat, "1s").await, 1);
    seed_report(&app, group, tono.id).await;
    app.wait_until_bot_known().await;

    run_browser_tests(
        &app,
        "a11y.test.mjs",
        "a11y",
        &[
            ("TANGKAP_BOT_TOKEN", TOKEN.to_owned()),
            ("TANGKAP_OWNER", person(&sari, "sari").to_string()),
        ],
    );
    app.finish().await;
}
