//! The fake Bot API answers like Telegram: these tests speak raw HTTP to it, as any bot
//! library would.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tangkap::sim::{FakeTelegram, Fault};

const TOKEN: &str = "4242:AAFakeTokenForTheFakeServer_123456";

async fn fake() -> (FakeTelegram, String) {
    let fake = FakeTelegram::start(TOKEN, "tangkap_bot").await.unwrap();
    let base = format!("{}/bot{TOKEN}", fake.api_url());
    (fake, base)
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn method_names_in_any_case_json_form_and_query_parameters() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    for method in ["sendMessage", "SendMessage", "SENDMESSAGE", "sendmessage"] {
        let (status, answer) = post(
            &format!("{base}/{method}"),
            json!({ "chat_id": group, "text": method }),
        )
        .await;
        assert_eq!(status, 200, "{method}: {answer}");
        assert_eq!(answer["result"]["text"], method);
        tokio::time::sleep(Duration::from_millis(1010)).await;
    }
    let form = reqwest::Client::new()
        .post(format!("{base}/sendMessage"))
        .form(&[
            ("chat_id", group.to_string()),
            ("text", "lewat form".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let me: Value = reqwest::get(format!("{base}/getMe?x=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["result"]["username"], "tangkap_bot");
    assert_eq!(me["result"]["id"], 4242);
    assert_eq!(fake.bot_messages(group).len(), 5);
}

#[tokio::test]
async fn wrong_token_and_unknown_method_are_refused() {
    let (fake, base) = fake().await;
    let (status, answer) = post(&format!("{}/bot1:wrong/getMe", fake.api_url()), json!({})).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (401, Some("Unauthorized"))
    );
    let (status, answer) = post(&format!("{base}/noSuchMethod"), json!({})).await;
    assert_eq!((status, answer["ok"].as_bool()), (404, Some(false)));
}

#[tokio::test]
async fn flood_limits_answer_429_with_retry_after() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let send = format!("{base}/sendMessage");
    assert_eq!(
        post(&send, json!({ "chat_id": group, "text": "satu" }))
            .await
            .0,
        200
    );
    let (status, answer) = post(&send, json!({ "chat_id": group, "text": "dua" })).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(answer["parameters"]["retry_after"], 1);
    assert!(answer["description"]
        .as_str()
        .unwrap()
        .starts_with("Too Many Requests: retry after"));
    assert_eq!(fake.stats().limit_rejections, 1);

    // 30 messages a second overall: the 31st private chat in the same second waits.
    let mut statuses = Vec::new();
    for i in 0..31 {
        let user = fake.user(&format!("U{i}"), None);
        fake.send_private(&user, "/start");
        statuses.push(
            post(&send, json!({ "chat_id": user.id, "text": "halo" }))
                .await
                .0,
        );
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        29,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn messages_are_checked_like_telegram_does() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let user = fake.user("Ani", None);
    let posted = fake.send_to_group(group, &user, "halo");
    let send = format!("{base}/sendMessage");
    let cases = [
        (
            json!({ "chat_id": 1, "text": "x" }),
            400,
            "Bad Request: chat not found",
        ),
        (
            json!({ "chat_id": group, "text": "" }),
            400,
            "Bad Request: message text is empty",
        ),
        (
            json!({ "chat_id": group, "text": "a < b", "parse_mode": "HTML" }),
            400,
            "Bad Request: can't parse entities",
        ),
        (
            json!({ "chat_id": group, "text": "<b>x", "parse_mode": "HTML" }),
            400,
            "Bad Request: can't parse entities",
        ),
        (
            json!({ "chat_id": group, "text": "x".repeat(4097) }),
            400,
            "Bad Request: message is too long",
        ),
        (
            json!({ "chat_id": group, "text": "x", "reply_parameters": { "message_id": 999 } }),
            400,
            "Bad Request: message to be replied not found",
        ),
        (
            json!({ "chat_id": group, "text": "x", "reply_markup": { "inline_keyboard": [[{ "text": "Buka", "web_app": { "url": "https://x.example" } }]] } }),
            400,
            "Bad Request: BUTTON_TYPE_INVALID",
        ),
    ];
    for (body, status, description) in cases {
        let (got, answer) = post(&send, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert!(
            answer["description"]
                .as_str()
                .unwrap()
                .starts_with(description),
            "{body}: {answer}"
        );
    }
    let (status, answer) = post(
        &send,
        json!({ "chat_id": group, "text": "<b>balas</b> &amp; <tg-spoiler>x</tg-spoiler>", "parse_mode": "HTML",
                "reply_parameters": { "message_id": posted.message_id } }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["result"]["reply_to_message"]["message_id"],
        posted.message_id
    );
    let sent = fake.bot_messages(group);
    assert_eq!(sent[0].text, "balas & x");
    assert_eq!(sent[0].reply_to, Some(posted.message_id));

    fake.kick_bot(group);
    tokio::time::sleep(Duration::from_millis(1010)).await;
    let (status, answer) = post(&send, json!({ "chat_id": group, "text": "x" })).await;
    assert_eq!(status, 403, "{answer}");
    let stranger = fake.user("Asing", None);
    let (status, _) = post(&send, json!({ "chat_id": stranger.id, "text": "x" })).await;
    assert_eq!(
        status, 400,
        "a user who never wrote to the bot has no chat with it"
    );
}

#[tokio::test]
async fn delete_and_edit_messages() {
    let (fake, base) = fake().await;
    let user = fake.user("Ani", None);
    let posted = fake.send_private(&user, "rahasia");
    let delete = format!("{base}/deleteMessage");
    let body = json!({ "chat_id": user.id, "message_id": posted.message_id });
    assert_eq!(post(&delete, body.clone()).await.0, 200);
    assert!(fake.messages(user.id)[0].deleted);
    let (status, answer) = post(&delete, body).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (400, Some("Bad Request: message to delete not found"))
    );

    let (_, sent) = post(
        &format!("{base}/sendMessage"),
        json!({ "chat_id": user.id, "text": "lama" }),
    )
    .await;
    let edit = format!("{base}/editMessageText");
    let id = sent["result"]["message_id"].clone();
    let (status, answer) = post(
        &edit,
        json!({ "chat_id": user.id, "message_id": id, "text": "baru" }),
    )
    .await;
    assert_eq!(
        (status, answer["result"]["text"].as_str()),
        (200, Some("baru"))
    );
    let (status, answer) = post(
        &edit,
        json!({ "chat_id": user.id, "message_id": id, "text": "baru" }),
    )
    .await;
    assert_eq!(status, 400);
    assert!(answer["description"]
        .as_str()
        .unwrap()
        .contains("message is not modified"));
    assert_eq!(fake.bot_messages(user.id)[0].text, "baru");
}

#[tokio::test]
async fn get_updates_long_polls_and_confirms_by_offset() {
    let (fake, base) = fake().await;
    let updates = format!("{base}/getUpdates");
    let started = Instant::now();
    let (_, empty) = post(&updates, json!({ "timeout": 1 })).await;
    assert_eq!(empty["result"], json!([]));
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for the timeout"
    );

    let user = fake.user("Ani", None);
    let waiting = tokio::spawn({
        let updates = updates.clone();
        async move { post(&updates, json!({ "timeout": 10 })).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let first = fake.send_private(&user, "/start");
    let (_, answer) = waiting.await.unwrap();
    assert_eq!(answer["result"][0]["update_id"], first.update_id);
    assert_eq!(answer["result"][0]["message"]["text"], "/start");
    assert_eq!(
        answer["result"][0]["message"]["entities"][0]["type"],
        "bot_command"
    );

    let second = fake.send_private(&user, "dua");
    // Without a higher offset, unconfirmed updates come again.
    let (_, again) = post(&updates, json!({})).await;
    assert_eq!(again["result"].as_array().unwrap().len(), 2);
    let (_, answer) = post(&updates, json!({ "offset": first.update_id + 1 })).await;
    assert_eq!(answer["result"][0]["update_id"], second.update_id);
    assert_eq!(answer["result"].as_array().unwrap().len(), 1);
    let (_, answer) = post(
        &updates,
        json!({ "offset": second.update_id + 1, "limit": 5 }),
    )
    .await;
    assert_eq!(answer["result"], json!([]));
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn webhook_receives_updates_and_get_updates_is_refused_meanwhile() {
    let (fake, base) = fake().await;
    let received =
        std::sync::Arc::new(std::sync::Mutex::new(Vec::<(Option<String>, Value)>::new()));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let received = received.clone();
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| async move {
                let secret = headers
                    .get("x-telegram-bot-api-secret-token")
                    .map(|v| v.to_str().unwrap().to_owned());
                let mut received = received.lock().unwrap();
                received.push((secret, body));
                // Refuse the first delivery: Telegram must try again.
                if received.len() == 1 {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, _) = post(
        &format!("{base}/setWebhook"),
        json!({ "url": hook, "secret_token": "abc" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(&format!("{base}/getUpdates"), json!({})).await;
    assert_eq!(status, 409);

    let user = fake.user("Ani", None);
    let posted = fake.send_private(&user, "halo");
    assert!(
        fake.wait_until(Duration::from_secs(5), |f| f.pending_updates() == 0)
            .await
    );
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "delivered again after a 500");
    assert_eq!(received[1].0.as_deref(), Some("abc"));
    assert_eq!(received[1].1["update_id"], posted.update_id);
    assert_eq!(fake.webhook_statuses(), vec![500, 200]);

    assert_eq!(
        post(&format!("{base}/deleteWebhook"), json!({})).await.0,
        200
    );
    assert_eq!(post(&format!("{base}/getUpdates"), json!({})).await.0, 200);
}

#[tokio::test]
async fn injected_faults_hit_the_named_method_only() {
    let (fake, base) = fake().await;
    fake.inject(Some("getMe"), 1, Fault::Status(500));
    fake.inject(Some("getMe"), 1, Fault::RetryAfter(7));
    fake.inject(Some("getMe"), 1, Fault::Status(403));
    let (status, answer) = post(&format!("{base}/getMe"), json!({})).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (500, Some("Internal Server Error"))
    );
    let (status, answer) = post(&format!("{base}/getMe"), json!({})).await;
    assert_eq!(
        (status, answer["parameters"]["retry_after"].as_u64()),
        (429, Some(7))
    );
    let (status, _) = post(&format!("{base}/getMe"), json!({})).await;
    assert_eq!(status, 403);
    assert_eq!(post(&format!("{base}/getMe"), json!({})).await.0, 200);
    assert_eq!(fake.stats().faults_injected, 3);

    fake.inject(None, 1, Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    assert_eq!(post(&format!("{base}/getMe"), json!({})).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn commands_and_menu_button_are_stored() {
    let (fake, base) = fake().await;
    let body = json!({ "commands": [{ "command": "moban", "description": "Catat" }], "scope": { "type": "all_group_chats" } });
    assert_eq!(post(&format!("{base}/setMyCommands"), body).await.0, 200);
    assert_eq!(fake.commands("all_group_chats"), ["moban"]);
    let bad = json!({ "commands": [{ "command": "Moban!", "description": "x" }] });
    assert_eq!(post(&format!("{base}/setMyCommands"), bad).await.0, 400);
    let menu = json!({ "chat_id": 5, "menu_button": { "type": "web_app", "text": "Buka", "web_app": { "url": "https://x.example" } } });
    assert_eq!(
        post(&format!("{base}/setChatMenuButton"), menu).await.0,
        200
    );
    assert_eq!(
        post(
            &format!("{base}/answerCallbackQuery"),
            json!({ "callback_query_id": "1" })
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn a_share_of_calls_fails_at_random() {
    let (fake, base) = fake().await;
    fake.fail_randomly(0.3, 7);
    let mut statuses = HashMap::new();
    for _ in 0..200 {
        let (status, _) = post(&format!("{base}/getMe"), json!({})).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    let failed = 200 - statuses[&200];
    // About 30% are faults; a quarter of those are only slow, and still answer 200.
    assert!((25..=70).contains(&failed), "{statuses:?}");
    assert!(
        statuses.contains_key(&500) && statuses.contains_key(&502) && statuses.contains_key(&429)
    );
    assert_eq!(fake.stats().faults_injected, failed);
}
