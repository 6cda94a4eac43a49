//! The Mini App in a real headless Chromium: Tangkap runs against the fake Telegram with
//! staff and orders in place, `tests/browser/miniapp.test.mjs` (node's test runner with
//! playwright-core) works the pages, and the group must then hold Feedback 2 and 3.
//! Screenshots land in `test-artifacts/miniapp/`.

mod common;

use std::{path::Path, process::Command};

use common::{place_order, register_staff, spawn_app_with, Backend, BOT_USERNAME, PATIENCE, TOKEN};
use serde_json::json;

const PASSWORD: &str = "rahasia-123";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mini_app_in_headless_chromium() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists()
            && Path::new("/usr/bin/chromium").exists(),
        "Chromium or the Node packages are missing: scripts/test installs them"
    );
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let staff = app.fake.user("Budi Santoso", Some("budi_tg"));
    register_staff(&app, &staff, "budi", PASSWORD).await;
    let stranger = app.fake.user("Orang Asing", None);
    let group = app.fake.group("Operasional");
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
    let live_ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #LIVE-1 #TRX #diubah dari tempat lain",
    )
    .await;

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/miniapp");
    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "miniapp.test.mjs"])
        .current_dir(&browser_dir)
        .env("TANGKAP_URL", app.http_url())
        .env("TANGKAP_BOT_TOKEN", TOKEN)
        .env("TANGKAP_BOT_USERNAME", BOT_USERNAME)
        .env(
            "TANGKAP_STAFF",
            json!({ "id": staff.id, "first_name": staff.first_name, "username": "budi", "name": "Budi Santoso", "password": PASSWORD })
                .to_string(),
        )
        .env("TANGKAP_STRANGER", json!({ "id": stranger.id, "first_name": stranger.first_name }).to_string())
        .env("TANGKAP_LINK_TICKET", &link_ticket)
        .env("TANGKAP_ARTIFACTS", &artifacts)
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser tests failed:\n{report}");

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
    for page in [
        "login-light",
        "order-light",
        "pickup-light",
        "close-light",
        "login-dark",
        "order-dark",
        "pickup-dark",
        "close-dark",
    ] {
        assert!(
            artifacts.join(format!("{page}.png")).exists(),
            "screenshot {page}"
        );
    }
    app.finish().await;
}
