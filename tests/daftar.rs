//! `/start` and the `/daftar` registration dialogue in the private chat.

mod common;

use common::{say, spawn_app, spawn_app_with, Backend, TestApp, PATIENCE};
use tangkap::sim::{SimMessage, SimUser};
use tangkap::users::access::RegistrationMode;

on_both_backends!(
    start_explains_what_to_do,
    full_registration,
    bad_answers_are_explained_and_asked_again,
    batal_cancels_a_registration,
    a_registration_survives_a_restart,
    a_telegram_account_registers_once,
    hostile_answers_are_shown_back_exactly_as_typed,
    private_messages_are_not_kept_once_processed,
);

async fn register(
    app: &TestApp,
    user: &SimUser,
    name: &str,
    username: &str,
    password: &str,
) -> SimMessage {
    assert!(say(app, user, "/daftar")
        .await
        .text
        .contains("Masukkan nama"));
    assert!(say(app, user, name)
        .await
        .text
        .contains("Masukkan username"));
    assert!(say(app, user, username)
        .await
        .text
        .contains("Masukkan password"));
    say(app, user, password).await
}

async fn start_explains_what_to_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.fake.user("Rudi", Some("rudi"));
    let greeting = say(&app, &user, "/start").await;
    assert!(greeting.text.contains("Halo, Rudi!"), "{}", greeting.text);
    assert!(greeting.text.contains("/daftar"), "{}", greeting.text);
    let help = say(&app, &user, "apa ini?").await;
    assert!(help.text.contains("/daftar"), "{}", help.text);
    app.finish().await;
}

async fn full_registration(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.fake.user("Budi", Some("budi_tg"));
    let done = register(&app, &user, "Budi Santoso", "budi_01", "rahasia-123").await;

    // The password was set and is not repeated: the chat keeps no copy of it.
    assert_eq!(
        done.text,
        format!(
            "Anda telah terdaftar\n\nNAMA: Budi Santoso\nUSERNAME: budi_01\nPASSWORD: sudah disimpan (tidak ditampilkan)\nID_TELEGRAM: {}\n\nAkun Anda menunggu persetujuan admin. Saya akan memberi kabar di sini begitu disetujui.",
            user.id
        )
    );

    // The message that carried the password is gone from the chat.
    let deleted = app.fake.wait_until(PATIENCE, |fake| {
        fake.messages(user.id)
            .iter()
            .any(|m| m.text == "rahasia-123" && m.deleted)
    });
    assert!(deleted.await, "the password message was deleted");

    let rows = app
        .rows("SELECT name, username, telegram_id, telegram_username, role, state FROM users")
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("Budi Santoso".into()),
            Some("budi_01".into()),
            Some(user.id.to_string()),
            Some("budi_tg".into()),
            Some("staff".into()),
            Some("pending".into()),
        ]]
    );
    let hash = app.rows("SELECT password_hash FROM users").await[0][0]
        .clone()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("rahasia"));
    assert_eq!(app.count("SELECT COUNT(*) FROM dialogues").await, 0);

    assert!(
        app.fake
            .bot_messages(user.id)
            .iter()
            .all(|m| !m.text.contains("rahasia-123")),
        "no bot message quotes the password"
    );
    // No copy of the password stays in the database.
    let outbox_sent = "SELECT COUNT(*) FROM outbox WHERE status = 'sent'";
    let all_outbox = app.count("SELECT COUNT(*) FROM outbox").await;
    app.wait_for_count(outbox_sent, all_outbox).await;
    let leaks = "SELECT COUNT(*) FROM inbox WHERE payload LIKE '%rahasia-123%'";
    assert_eq!(app.count(leaks).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%rahasia-123%'")
            .await,
        0
    );
    app.finish().await;
}

async fn bad_answers_are_explained_and_asked_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let taken_by = app.fake.user("Pemilik", None);
    register(&app, &taken_by, "Pemilik", "Budi_01", "password-lama").await;

    let user = app.fake.user("Budi", None);
    assert!(say(&app, &user, "/daftar")
        .await
        .text
        .contains("Masukkan nama"));
    for (answer, problem) in [
        ("/apa", "garis miring"),
        (&*"n".repeat(65), "terlalu panjang"),
    ] {
        let reply = say(&app, &user, answer).await;
        assert!(reply.text.contains(problem), "{answer:?} → {}", reply.text);
        assert!(reply.text.contains("Masukkan nama"), "{}", reply.text);
    }
    let sticker_before = app.fake.bot_messages(user.id).len();
    app.fake.send_sticker(user.id, &user);
    let answer = app
        .fake
        .wait_for_bot_messages(user.id, sticker_before + 1, PATIENCE)
        .await;
    assert!(answer[sticker_before].text.contains("berupa teks"));

    assert!(say(&app, &user, "Budi")
        .await
        .text
        .contains("Masukkan username"));
    for (answer, problem) in [
        ("ab", "3 sampai 32"),
        ("budi santoso", "huruf, angka"),
        ("budi'; DROP TABLE users;--", "huruf, angka"),
        ("_budi", "diawali huruf"),
        ("BUDI_01", "sudah dipakai"),
    ] {
        let reply = say(&app, &user, answer).await;
        assert!(reply.text.contains(problem), "{answer:?} → {}", reply.text);
        assert!(reply.text.contains("Masukkan username"), "{}", reply.text);
    }
    assert!(say(&app, &user, "budi.baru")
        .await
        .text
        .contains("Masukkan password"));
    let short = say(&app, &user, "pendek").await;
    assert!(short.text.contains("minimal 8 karakter"), "{}", short.text);
    let done = say(&app, &user, "cukup-panjang").await;
    assert!(
        done.text.starts_with("Anda telah terdaftar"),
        "{}",
        done.text
    );

    // Both password attempts were deleted, the refused one too.
    let chat = app.fake.messages(user.id);
    let deleted = app.fake.wait_until(PATIENCE, |fake| {
        fake.messages(user.id)
            .iter()
            .filter(|m| m.text == "pendek" || m.text == "cukup-panjang")
            .all(|m| m.deleted)
    });
    assert!(deleted.await, "{chat:#?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    app.finish().await;
}

async fn batal_cancels_a_registration(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.fake.user("Sari", None);
    say(&app, &user, "/daftar").await;
    say(&app, &user, "Sari").await;
    assert!(say(&app, &user, "/batal").await.text.contains("dibatalkan"));
    assert_eq!(app.count("SELECT COUNT(*) FROM dialogues").await, 0);
    // With no registration going on, a plain word is not taken as a username.
    assert!(say(&app, &user, "sari_01")
        .await
        .text
        .contains("tidak mengerti"));
    assert!(say(&app, &user, "/batal")
        .await
        .text
        .contains("Tidak ada yang sedang berjalan"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    app.finish().await;
}

async fn a_registration_survives_a_restart(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let user = app.fake.user("Tono", None);
    say(&app, &user, "/daftar").await;
    say(&app, &user, "Tono").await;
    assert!(say(&app, &user, "tono")
        .await
        .text
        .contains("Masukkan password"));
    app.restart().await;
    let done = say(&app, &user, "kata-sandi-tono").await;
    assert!(
        done.text.starts_with("Anda telah terdaftar"),
        "{}",
        done.text
    );
    assert!(done.text.contains("USERNAME: tono"));
    app.finish().await;
}

async fn a_telegram_account_registers_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.fake.user("Wati", None);
    register(&app, &user, "Wati", "wati", "sandi-wati-1").await;
    let again = say(&app, &user, "/daftar").await;
    assert!(again.text.contains("sudah terdaftar"), "{}", again.text);
    let start = say(&app, &user, "/start").await;
    assert!(
        start.text.contains("menunggu persetujuan admin"),
        "{}",
        start.text
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM dialogues").await, 0);
    app.finish().await;
}

/// Markup, SQL, right-to-left and zero-width characters and emoji in a name and a password
/// are stored and shown back exactly as typed: Telegram accepts the confirmation (the fake
/// refuses HTML it would refuse) and shows the characters, not formatting; the password
/// still logs in.
async fn hostile_answers_are_shown_back_exactly_as_typed(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.registration.mode = RegistrationMode::Open
    })
    .await;
    let user = app.fake.user("Budi", None);
    let name = "<b>Budi</b> & \u{202e}ilA\u{200b} 😀 ' OR 1=1--";
    let password = "<i>kata&sandi</i>\u{200b}'; DROP TABLE users;--";
    let done = register(&app, &user, name, "budi.aman", password).await;
    assert_eq!(
        done.text,
        format!(
            "Anda telah terdaftar\n\nNAMA: {name}\nUSERNAME: budi.aman\nPASSWORD: sudah disimpan (tidak ditampilkan)\nID_TELEGRAM: {}\n\nAkun Anda sudah aktif.",
            user.id
        )
    );
    assert_eq!(
        app.rows("SELECT name FROM users").await,
        vec![vec![Some(name.to_owned())]]
    );
    let login = reqwest::Client::new()
        .post(format!("{}/api/login", app.http_url()))
        .json(&serde_json::json!({ "login": "budi.aman", "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "the password logs in as typed");
    let session: serde_json::Value = login.json().await.unwrap();
    assert_eq!(session["user"]["name"], name, "{session}");
    app.finish().await;
}

/// A password sent again after registering (typed into the wrong place) leaves no copy:
/// not in the inbox, and on SQLite not in the database file nor its write-ahead log.
/// Processed updates go after their keeping time.
async fn private_messages_are_not_kept_once_processed(backend: Backend) {
    let app = spawn_app(backend).await;
    let user = app.fake.user("Lupa", None);
    let password = "sandi-rahasia-7319";
    register(&app, &user, "Lupa", "lupa", password).await;
    say(&app, &user, password).await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM inbox WHERE payload LIKE '%{password}%'"
        ))
        .await,
        0
    );
    assert!(
        app.count("SELECT COUNT(*) FROM inbox WHERE status = 'done'")
            .await
            >= 5
    );
    if backend == Backend::Sqlite {
        let secure_delete: i64 = sqlx::query_scalar("PRAGMA secure_delete")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(secure_delete, 1);
        let file = app.database.url.trim_start_matches("sqlite://").to_owned();
        let holds_password = |path: &str| {
            std::fs::read(path)
                .unwrap_or_default()
                .windows(password.len())
                .any(|w| w == password.as_bytes())
        };
        let wal = format!("{file}-wal");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while holds_password(&file) || holds_password(&wal) {
            assert!(
                std::time::Instant::now() < deadline,
                "the password is still in {} or its -wal",
                file
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    // Past their keeping time, processed updates go; waiting ones stay.
    let pruned = tangkap::telegram::inbox::prune(&app.db, tangkap::db::now_ms() + 1)
        .await
        .unwrap();
    assert!(pruned >= 5, "{pruned}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM inbox WHERE status = 'done'")
            .await,
        0
    );
    app.finish().await;
}
