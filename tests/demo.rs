//! `tangkap demo` as a newcomer runs it: the binary starts in an empty folder, prints where
//! to go, and the page there tells the whole story (tests/browser/demo.test.mjs: a request,
//! a registration the owner approves with the button in his chat, Pickup and Close in the
//! Mini App, the Tim page). Then the demo database starts fresh on the next start, or is
//! kept with `--keep`, and a second demo in the same folder is refused. The demo is a
//! hotel too: its FO chat hears the seeded bookings and the short hold running out, and
//! the public booking page's mail lands in the demo's mailbox, its link holding the room.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};
use tangkap::db::Db;

/// Starts the demo in `dir` and returns it with the page address it printed.
fn start_demo(dir: &Path, port: u16, keep: bool) -> (Child, String) {
    start_demo_with(dir, port, keep, &[])
}

/// Like [`start_demo`], with more arguments for `tangkap demo`.
fn start_demo_with(dir: &Path, port: u16, keep: bool, args: &[&str]) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tangkap"));
    command
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .current_dir(dir)
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if keep {
        command.arg("--keep");
    }
    let mut child = command.spawn().expect("tangkap demo starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("the demo prints its address").unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(2).map(|l| l.unwrap()).collect();
    assert!(
        rest[0].contains("username demo, password tangkap-demo"),
        "{rest:?}"
    );
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

fn stop(mut child: Child) {
    // SIGTERM: the demo shuts down cleanly.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "demo exited with {status}");
}

async fn orders_in(dir: &Path) -> i64 {
    let db = Db::connect(&format!("sqlite://{}/data/demo.db", dir.display()))
        .await
        .unwrap();
    let count = common::count(&db, "SELECT COUNT(*) FROM orders").await;
    db.close().await;
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tells_the_whole_story_offline() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "the Node packages are missing: scripts/test installs them"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    // Short enough that the story sees the seeded hold's warning and end in the FO chat.
    let (demo, url) = start_demo_with(dir.path(), port, false, &["--short-hold", "20s"]);
    assert_eq!(url, format!("http://127.0.0.1:{port}/demo"));

    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "demo.test.mjs"])
        .current_dir(&browser_dir)
        .env("TANGKAP_DEMO_URL", format!("http://127.0.0.1:{port}"))
        .env(
            "TANGKAP_ARTIFACTS",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/demo"),
        )
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    // What the demo page shows before the restart: the group as Budi sees it, his private
    // chat, and the mailbox.
    let chats_before = get_json(&url_base(&url), "/demo/api/chats?as=5000001").await;
    let mails_before = get_json(&url_base(&url), "/demo/api/mailbox").await;
    // Budi's Mini App as the demo page opened it, signed by the demo bot's token.
    let launch = reqwest::get(format!("{}/demo/launch.js?as=5000001", url_base(&url)))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let init_data = launch
        .split("\"initData\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no initData in {launch}"))
        .to_owned();
    stop(demo);
    assert!(output.status.success(), "demo story failed:\n{report}");
    // Six seeded orders (four in the first group, two in the second's topics) and the
    // story's two (one in each group).
    assert_eq!(orders_in(dir.path()).await, 8);
    // Two seeded bookings, Ahmad's in the private chat and Citra's from the web form.
    assert_eq!(bookings_in(dir.path()).await, 4);

    let (kept, kept_url) = start_demo(dir.path(), port, true);
    assert_eq!(
        orders_in(dir.path()).await,
        8,
        "--keep keeps the last run's orders"
    );
    // A Mini App left open across the restart carries on: its launch data still holds.
    let standing = reqwest::Client::new()
        .get(format!("{}/api/login/telegram", url_base(&kept_url)))
        .header("Authorization", format!("tma {init_data}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        standing.status(),
        200,
        "launch data signed before the restart: {}",
        standing.text().await.unwrap()
    );
    // And takes new ones: its Telegram numbers its updates after those kept, which the
    // inbox would otherwise take for redeliveries and drop.
    let sent = reqwest::Client::new()
        .post(format!("{kept_url}/api/send"))
        .json(&serde_json::json!({
            "chat": "group", "as": 5_000_002, "text": "/moban #SESUDAH-1 #TOPUP #lagi"
        }))
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{}", sent.status());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while orders_in(dir.path()).await < 9 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The page shows the chats and mail of before the restart, and the new request answered
    // after them in the same group.
    let kept_base = url_base(&kept_url);
    let mails_after = get_json(&kept_base, "/demo/api/mailbox").await;
    assert!(
        !mails_before["mails"].as_array().unwrap().is_empty(),
        "the story sent mail: {mails_before}"
    );
    assert_eq!(mails_after, mails_before, "the mailbox is kept");
    let texts = |chats: &Value, chat: &str| -> Vec<String> {
        chats[chat]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let answered = |chats: &Value| {
        texts(chats, "group")
            .iter()
            .any(|t| t.contains("SESUDAH-1") && t != "/moban #SESUDAH-1 #TOPUP #lagi")
    };
    let mut chats_after = get_json(&kept_base, "/demo/api/chats?as=5000001").await;
    while !answered(&chats_after) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        chats_after = get_json(&kept_base, "/demo/api/chats?as=5000001").await;
    }
    for chat in ["group", "private"] {
        let (before, after) = (texts(&chats_before, chat), texts(&chats_after, chat));
        assert!(!before.is_empty(), "{chat}: the story wrote in it");
        assert_eq!(after[..before.len()], before[..], "{chat}: kept, in order");
    }
    assert!(
        answered(&chats_after),
        "Feedback 1 for the request after the restart: {:?}",
        texts(&chats_after, "group")
    );
    stop(kept);
    assert_eq!(orders_in(dir.path()).await, 9, "a /moban after the restart");
    assert_eq!(
        bookings_in(dir.path()).await,
        4,
        "and its bookings, none added"
    );
    let (fresh, fresh_url) = start_demo(dir.path(), port, false);
    let fresh_chats = get_json(&url_base(&fresh_url), "/demo/api/chats?as=5000001").await;
    assert!(
        !texts(&fresh_chats, "group")
            .iter()
            .any(|t| t.contains("SESUDAH-1")),
        "a plain start shows fresh chats"
    );
    stop(fresh);
    assert_eq!(orders_in(dir.path()).await, 6, "a plain start is fresh");
    assert_eq!(bookings_in(dir.path()).await, 2);
}

async fn bookings_in(dir: &Path) -> i64 {
    let db = Db::connect(&format!("sqlite://{}/data/demo.db", dir.display()))
        .await
        .unwrap();
    let count = common::count(&db, "SELECT COUNT(*) FROM bookings").await;
    db.close().await;
    count
}

/// `http://host:port` of the demo page's address.
fn url_base(page_url: &str) -> String {
    page_url.trim_end_matches("/demo").to_owned()
}

/// The demo's page API, as the demo page reads it.
async fn get_json(base: &str, path: &str) -> Value {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Waits until the FO chat (read as the owner reads it on the demo page) has a message
/// containing every one of `parts`; returns its text.
async fn fo_chat_message(base: &str, world: &Value, parts: &[&str]) -> String {
    let owner = world["people"][0]["id"].as_i64().unwrap();
    let fo_chat = world["front_office"]["id"].as_i64().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let chats = get_json(base, &format!("/demo/api/chats?as={owner}&group={fo_chat}")).await;
        let texts: Vec<String> = chats["group"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
            .collect();
        if let Some(found) = texts.iter().find(|t| parts.iter().all(|p| t.contains(p))) {
            return found.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no FO chat message with {parts:?} in {texts:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the demo's mailbox holds a mail to `to` whose subject contains `subject`.
async fn mail_to(base: &str, to: &str, subject: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mailbox = get_json(base, "/demo/api/mailbox").await;
        let mails = mailbox["mails"].as_array().unwrap();
        if let Some(mail) = mails
            .iter()
            .find(|m| m["to"] == to && m["subject"].as_str().unwrap().contains(subject))
        {
            return mail.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail to {to} about {subject:?} in {mails:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The hotel in the demo over plain HTTP: the FO chat hears the seeded bookings, the short
/// hold's warning, its extension for Bayu on his way (his live location 3 km away) and its
/// automatic cancellation after that; the web guest's hold is mailed; the booking page's
/// form is on, its confirmation mail lands in the demo mailbox, and the link in it holds
/// the room, announced in the FO chat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_hotel_mails_into_its_mailbox_and_lets_holds_run_out() {
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    let (demo, _) = start_demo_with(dir.path(), port, false, &["--short-hold", "4s"]);
    let base = format!("http://127.0.0.1:{port}");
    let world = get_json(&base, "/demo/api/world").await;
    assert_eq!(world["front_office"]["title"], "Front Office");
    assert_eq!(world["short_hold_seconds"], 4);

    let siti = fo_chat_message(
        &base,
        &world,
        &["Booking baru", "Siti Aminah", "Lewat: Web"],
    )
    .await;
    assert!(siti.contains("Deluxe"), "{siti}");
    let bayu = fo_chat_message(&base, &world, &["Booking baru", "Bayu Saputra"]).await;
    let bayu_receipt = bayu
        .split_whitespace()
        .find(|w| w.starts_with("RESI-"))
        .unwrap()
        .to_owned();
    fo_chat_message(&base, &world, &["Segera kedaluwarsa", &bayu_receipt]).await;
    fo_chat_message(
        &base,
        &world,
        &["Diperpanjang", &bayu_receipt, "3 km dari hotel"],
    )
    .await;
    fo_chat_message(&base, &world, &[&bayu_receipt, "DIBATALKAN OTOMATIS"]).await;
    let held = mail_to(&base, "siti.aminah@example.com", "PENDING").await;
    assert!(
        held["text"].as_str().unwrap().contains("18:00 WIB"),
        "{held}"
    );
    assert_eq!(held["from"], "Hotel Melati <booking@hotel-melati.example>");

    let page = reqwest::get(format!("{base}/booking")).await.unwrap();
    assert_eq!(page.status(), 200, "the public booking page is on");
    let form = get_json(&base, "/api/booking").await;
    assert_eq!(form["web"], true, "{form}");
    let client = reqwest::Client::new();
    let sent = client
        .post(format!("{base}/api/booking"))
        .json(&json!({
            "name": "Citra Dewi",
            "email": "citra@example.com",
            "room_type": "Suite",
            "check_in": form["today"],
            "nights": 1,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let mail = mail_to(&base, "citra@example.com", "Hotel Melati").await;
    let text = mail["text"].as_str().unwrap();
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{base}/booking#confirm=")))
        .unwrap_or_else(|| panic!("no confirmation link in {text}"));
    let token = link.split_once("#confirm=").unwrap().1;
    let confirmed = client
        .post(format!("{base}/api/booking/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let confirmed: Value = confirmed.json().await.unwrap();
    let receipt = confirmed["receipt"].as_str().unwrap();
    fo_chat_message(
        &base,
        &world,
        &["Booking baru", receipt, "Citra Dewi", "Suite"],
    )
    .await;
    stop(demo);
}

/// Runs `tangkap demo` in `dir` expecting it to refuse to start; returns what it said.
fn refused_demo(dir: &Path, port: u16) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tangkap"))
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("tangkap demo runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the demo should have refused"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A second demo in the same folder would delete the running one's database: it is refused
/// and names where the first one runs; a port in use is named too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_demo_in_the_same_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    let (first, url) = start_demo(dir.path(), port, false);
    let orders = orders_in(dir.path()).await;
    assert_eq!(orders, 6);

    let said = refused_demo(dir.path(), tangkap::sim::free_port());
    assert!(said.contains("already running in this folder"), "{said}");
    assert!(said.contains(&url), "names the running demo's page: {said}");
    assert_eq!(
        orders_in(dir.path()).await,
        orders,
        "its database is untouched"
    );
    let health = reqwest::get(url.replace("/demo", "/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the first demo still runs");

    let elsewhere = tempfile::tempdir().unwrap();
    let said = refused_demo(elsewhere.path(), port);
    assert!(
        said.contains(&format!("cannot listen on 127.0.0.1:{port}")) && said.contains("in use"),
        "names the address in use: {said}"
    );

    stop(first);
    let (again, _) = start_demo(dir.path(), port, false);
    stop(again);
}
