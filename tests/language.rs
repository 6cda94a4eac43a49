//! One language at a time: each person is written to in their language (their Telegram
//! app's, or the one they chose with `/bahasa`), never in both; groups hear Indonesian.
//! The Mini App's API says why it refuses in the language each request asks for.

mod common;

use common::{call_in, log_in, place_order, register_account, say, spawn_app, Backend, PATIENCE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tangkap::sim::SimUser;
use tangkap::users::{AccountState, Role};

on_both_backends!(
    the_same_messages_from_an_english_and_an_indonesian_app_get_one_language_each,
    bahasa_switches_the_language_for_good,
    later_messages_follow_the_language_a_person_last_wrote_in,
    the_apis_refusals_are_said_in_the_language_each_request_asks_for,
);

/// Indonesian words that no English message of the bot's contains.
const INDONESIAN: [&str; 8] = [
    "Halo", "Saya", "Anda", "Kirim", "Masukkan", "dan", "untuk", "sudah",
];
/// English words that no Indonesian message of the bot's contains.
const ENGLISH: [&str; 8] = ["Hello", "I", "you", "Send", "Enter", "and", "to", "the"];

/// `text` has each of `present` and none of the words `absent`.
fn assert_only(text: &str, present: &[&str], absent: &[&str]) {
    for phrase in present {
        assert!(text.contains(phrase), "{phrase:?} missing: {text}");
    }
    let words: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
    for word in absent {
        assert!(
            !words.contains(word),
            "{word:?} of the other language: {text}"
        );
    }
}

/// The answers `user` gets to `/start`, a message the bot does not understand and the
/// whole `/daftar` conversation.
async fn talk(app: &common::TestApp, user: &SimUser, username: &str) -> Vec<String> {
    let mut answers = Vec::new();
    for text in ["/start", "apa ini?", "/daftar", "Rina", username, "pendek"] {
        answers.push(say(app, user, text).await.text);
    }
    answers.push(say(app, user, "sandi-rahasia-1").await.text);
    answers
}

async fn the_same_messages_from_an_english_and_an_indonesian_app_get_one_language_each(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ani = app.fake.user_speaking("Ani", None, "id");
    let emma = app.fake.user_speaking("Emma", None, "en-GB");
    let in_indonesian = talk(&app, &ani, "ani_01").await;
    let in_english = talk(&app, &emma, "emma_01").await;

    let expected_id: [&[&str]; 7] = [
        &["Halo, Ani!", "Kirim /daftar untuk mendaftar"],
        &["Saya tidak mengerti pesan itu"],
        &["Masukkan nama Anda"],
        &["Masukkan username"],
        &["Masukkan password"],
        &["Password minimal 8 karakter."],
        &["Anda telah terdaftar", "menunggu persetujuan admin"],
    ];
    let expected_en: [&[&str]; 7] = [
        &["Hello, Emma!", "Send /daftar to register"],
        &["I did not understand that message"],
        &["Enter your name"],
        &["Enter a username"],
        &["Enter a password"],
        &["A password is one line of 8–128 characters."],
        &["You are registered", "waiting for an admin's approval"],
    ];
    for (text, present) in in_indonesian.iter().zip(expected_id) {
        assert_only(text, present, &ENGLISH);
    }
    for (text, present) in in_english.iter().zip(expected_en) {
        assert_only(text, present, &INDONESIAN);
    }
    // Telegram offers the commands, /bahasa among them, with a list of its own for
    // English apps.
    for scope in ["all_private_chats", "all_private_chats:en"] {
        let published = app.fake.wait_until(PATIENCE, |fake| {
            fake.commands(scope).contains(&"bahasa".to_owned())
        });
        assert!(published.await, "{scope}: {:?}", app.fake.commands(scope));
    }
    app.finish().await;
}

async fn bahasa_switches_the_language_for_good(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let budi = app.fake.user_speaking("Budi", None, "id");
    let group = app.fake.group("Toko Maju");

    let usage = say(&app, &budi, "/bahasa").await;
    assert_only(&usage.text, &["Gunakan", "/bahasa en"], &ENGLISH);
    let set = say(&app, &budi, "/bahasa en").await;
    assert_eq!(set.text, "Language set to English.");
    let greeting = say(&app, &budi, "/start").await;
    assert_only(&greeting.text, &["Hello, Budi!"], &INDONESIAN);
    let usage = say(&app, &budi, "/bahasa fr").await;
    assert_only(&usage.text, &["Use", "/bahasa id"], &INDONESIAN);

    // The choice is kept: after a restart Budi's Indonesian app is still answered in
    // English.
    app.restart().await;
    let greeting = say(&app, &budi, "/start").await;
    assert_only(&greeting.text, &["Hello, Budi!"], &INDONESIAN);

    let set = say(&app, &budi, "/BAHASA id").await;
    assert_eq!(set.text, "Bahasa diganti ke Bahasa Indonesia.");
    let greeting = say(&app, &budi, "/start").await;
    assert_only(&greeting.text, &["Halo, Budi!"], &ENGLISH);

    // In a group it is a person's setting, said in Indonesian as the group's messages are.
    app.fake.send_to_group(group, &budi, "/bahasa en");
    let told = app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    assert_only(&told[0].text, &["chat pribadi", "/bahasa en"], &ENGLISH);
    let greeting = say(&app, &budi, "/start").await;
    assert!(greeting.text.contains("Halo, Budi!"), "{}", greeting.text);
    app.finish().await;
}

async fn later_messages_follow_the_language_a_person_last_wrote_in(backend: Backend) {
    let app = spawn_app(backend).await;
    // Two leaders: Olivia's app speaks English, Sari's Indonesian. Each has written to the
    // bot once, which is how it learns their language.
    let olivia = app.fake.user_speaking("Olivia", None, "en");
    let sari = app.fake.user_speaking("Sari", None, "id");
    for (leader, username) in [(&olivia, "olivia"), (&sari, "sari")] {
        register_account(
            &app,
            leader,
            username,
            "sandi-rahasia-1",
            Role::Owner,
            AccountState::Active,
        )
        .await;
        say(&app, leader, "/start").await;
    }
    let applicant = app.fake.user_speaking("Tono", Some("tono_tg"), "id");
    for text in ["/daftar", "Tono", "tono_01"] {
        say(&app, &applicant, text).await;
    }
    say(&app, &applicant, "sandi-rahasia-1").await;

    let asked = |leader: &SimUser| {
        let id = leader.id;
        app.fake.wait_for_bot_messages(id, 2, PATIENCE)
    };
    let to_olivia = asked(&olivia).await;
    assert_only(
        &to_olivia[1].text,
        &["New registration waiting for approval", "Name: Tono"],
        &INDONESIAN,
    );
    let to_sari = asked(&sari).await;
    assert_only(
        &to_sari[1].text,
        &["Pendaftaran baru menunggu persetujuan", "Nama: Tono"],
        &ENGLISH,
    );
    let buttons = |m: &tangkap::sim::SimMessage| {
        m.callbacks
            .iter()
            .map(|(label, _)| label.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(buttons(&to_olivia[1]), ["✅ Approve", "❌ Reject"]);
    assert_eq!(buttons(&to_sari[1]), ["✅ Setujui", "❌ Tolak"]);
    app.finish().await;
}

/// Indonesian words that no English refusal of the API's contains.
const INDONESIAN_API: [&str; 8] = [
    "tidak", "sudah", "oleh", "harus", "sampai", "Anda", "Silakan", "atau",
];
/// English words that no Indonesian refusal of the API's contains.
const ENGLISH_API: [&str; 8] = [
    "the", "by", "must", "not", "cannot", "Please", "number", "your",
];

/// A request the API refuses, and the sentence it says why in, in each language.
struct Refused<'a> {
    method: &'a str,
    path: &'a str,
    body: Option<Value>,
    session: Option<&'a str>,
    status: StatusCode,
    code: &'a str,
    indonesian: &'a str,
    english: &'a str,
}

async fn the_apis_refusals_are_said_in_the_language_each_request_asks_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let budi = app.fake.user("Budi Santoso", Some("budi"));
    let account = register_account(
        &app,
        &budi,
        "budi",
        "sandi-rahasia-1",
        Role::Admin,
        AccountState::Active,
    )
    .await;
    let session = log_in(&app, "budi", "sandi-rahasia-1").await;
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &asker, "/moban #INV-1 #TOPUP #satu").await;
    let no = app.order_no(&ticket).await;
    let pickup = format!("/orders/{no}/pickup");
    let (status, _) = call_in(&app, None, "POST", &pickup, Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);

    // The same refused request, asked in English, in Indonesian, in neither (Indonesian)
    // and as a browser asks (its first language): the same status, code and details, the
    // sentence in one language.
    let own_role = format!("/team/{}/role", account.id);
    let session = Some(session.as_str());
    let refusals = [
        Refused {
            method: "GET",
            path: "/reports?days=91",
            body: None,
            session,
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            indonesian: "Parameter days harus angka 1 sampai 90.",
            english: "days must be a number from 1 to 90.",
        },
        Refused {
            method: "POST",
            path: &pickup,
            body: None,
            session,
            status: StatusCode::CONFLICT,
            code: "conflict",
            indonesian: "Order ini sudah di-pickup oleh Budi Santoso (@budi).",
            english: "This order was already picked up by Budi Santoso (@budi).",
        },
        Refused {
            method: "POST",
            path: &own_role,
            body: Some(json!({ "role": "staff" })),
            session,
            status: StatusCode::CONFLICT,
            code: "refused",
            indonesian: "Anda tidak bisa mengubah akun Anda sendiri.",
            english: "You cannot change your own account.",
        },
        Refused {
            method: "POST",
            path: &own_role,
            body: Some(json!({ "role": "boss" })),
            session,
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            indonesian: "Peran harus owner, admin atau staff.",
            english: "The role must be owner, admin or staff.",
        },
        Refused {
            method: "GET",
            path: "/me",
            body: None,
            session: None,
            status: StatusCode::UNAUTHORIZED,
            code: "not_logged_in",
            indonesian: "Silakan masuk terlebih dahulu.",
            english: "Please log in first.",
        },
    ];
    for refused in refusals {
        let mut answers = Vec::new();
        for language in [
            Some("en"),
            Some("id"),
            None,
            Some("en-GB,en;q=0.9"),
            Some("fr"),
        ] {
            let (method, path, body) = (refused.method, refused.path, refused.body.clone());
            let (got, answer) = call_in(&app, language, method, path, refused.session, body).await;
            assert_eq!(
                (got, answer["error"].as_str()),
                (refused.status, Some(refused.code)),
                "{answer}"
            );
            let message = answer["message"].as_str().unwrap();
            if language.is_some_and(|l| l.starts_with("en")) {
                assert_eq!(message, refused.english, "{language:?}");
                assert_only(message, &[], &INDONESIAN_API);
            } else {
                assert_eq!(message, refused.indonesian, "{language:?}");
                assert_only(message, &[], &ENGLISH_API);
            }
            answers.push(answer);
        }
        // Everything but the sentence is the same in every language.
        for answer in &mut answers {
            answer["message"].take();
        }
        assert!(
            answers.windows(2).all(|pair| pair[0] == pair[1]),
            "{answers:?}"
        );
    }
    app.finish().await;
}
