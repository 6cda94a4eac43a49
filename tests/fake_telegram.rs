//! The fake Bot API answers like Telegram: these tests speak raw HTTP to it, as any bot
//! library would.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tangkap::sim::{FakeTelegram, Fault, MemberStatus};

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
    let (_, info) = post(&format!("{base}/getWebhookInfo"), json!({})).await;
    assert_eq!(info["result"]["url"], hook);
    assert_eq!(info["result"]["pending_update_count"], 0);
    assert_eq!(
        info["result"]["last_error_message"],
        "Wrong response from the webhook: 500 Internal Server Error",
        "kept after the next delivery succeeds, as Telegram keeps it"
    );
    let error_date = info["result"]["last_error_date"].as_i64().unwrap();
    assert!((error_date - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 10);

    assert_eq!(
        post(&format!("{base}/deleteWebhook"), json!({})).await.0,
        200
    );
    assert_eq!(post(&format!("{base}/getUpdates"), json!({})).await.0, 200);
}

#[tokio::test]
async fn a_second_bot_a_revoked_token_and_a_server_gone_down() {
    let (fake, base) = fake().await;
    let other = fake.add_bot("777:AASecondBotOfTheSameServer_12345", "pemilik_bot");
    let other_base = format!(
        "{}/bot777:AASecondBotOfTheSameServer_12345",
        other.api_url()
    );
    assert_eq!(other.api_url(), fake.api_url(), "one address, as Telegram");
    let (_, me) = post(&format!("{other_base}/getMe"), json!({})).await;
    assert_eq!(
        (
            me["result"]["id"].as_i64(),
            me["result"]["username"].as_str()
        ),
        (Some(777), Some("pemilik_bot"))
    );
    // Each bot has its own chats: the second does not know the first's group.
    let group = fake.group("Grup");
    let text = json!({ "chat_id": group, "text": "halo" });
    assert_eq!(
        post(&format!("{other_base}/SENDMESSAGE"), text.clone())
            .await
            .0,
        400
    );
    assert_eq!(
        post(&format!("{base}/sendMessage"), text.clone()).await.0,
        200
    );

    // Revoked: every call with the token is 401; the other bot is untouched.
    fake.set_token_revoked(true);
    let (status, answer) = post(&format!("{base}/getMe"), json!({})).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (401, Some("Unauthorized"))
    );
    assert_eq!(post(&format!("{other_base}/getMe"), json!({})).await.0, 200);
    fake.set_token_revoked(false);
    assert_eq!(post(&format!("{base}/getMe"), json!({})).await.0, 200);

    // Down: a long poll open at that moment is cut, and no call is answered, for either
    // bot, until it is up again.
    let client = reqwest::Client::new();
    let polling = tokio::spawn({
        let client = client.clone();
        let url = format!("{base}/getUpdates");
        async move { client.post(url).json(&json!({ "timeout": 5 })).send().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    fake.set_down(true);
    let cut = tokio::time::timeout(Duration::from_secs(2), polling)
        .await
        .expect("cut at once")
        .unwrap();
    assert!(cut.is_err(), "{cut:?}");
    for url in [&base, &other_base] {
        let refused = client.post(format!("{url}/getMe")).send().await;
        assert!(refused.is_err(), "{refused:?}");
    }
    fake.set_down(false);
    assert_eq!(post(&format!("{other_base}/getMe"), json!({})).await.0, 200);
}

#[tokio::test]
async fn a_webhook_error_is_reported_and_a_group_can_take_the_bot_back() {
    let (fake, base) = fake().await;
    let (status, _) = post(
        &format!("{base}/setWebhook"),
        json!({ "url": "https://tangkap.example/telegram/webhook" }),
    )
    .await;
    assert_eq!(status, 200);
    fake.webhook_error("Connection refused");
    let (_, info) = post(&format!("{base}/getWebhookInfo"), json!({})).await;
    assert_eq!(info["result"]["last_error_message"], "Connection refused");
    let error_date = info["result"]["last_error_date"].as_i64().unwrap();
    assert!((error_date - time::OffsetDateTime::now_utc().unix_timestamp()).abs() < 10);

    let group = fake.group("Tim Gudang");
    fake.kick_bot(group);
    let text = json!({ "chat_id": group, "text": "halo" });
    let (status, answer) = post(&format!("{base}/sendMessage"), text.clone()).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (
            403,
            Some("Forbidden: bot was kicked from the supergroup chat")
        )
    );
    fake.readd_bot(group);
    assert_eq!(post(&format!("{base}/sendMessage"), text).await.0, 200);
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
    let get_button = format!("{base}/getChatMenuButton");
    let button = |chat: Option<i64>| {
        let body = chat.map_or(json!({}), |chat| json!({ "chat_id": chat }));
        post(&get_button, body)
    };
    assert_eq!(
        button(Some(5)).await.1["result"]["web_app"]["url"],
        "https://x.example"
    );
    assert_eq!(
        button(None).await.1["result"],
        json!({ "type": "default" }),
        "no default set"
    );
    let user = fake.user("Ani", None);
    fake.make_private_chat(&user);
    assert_eq!(button(Some(user.id)).await.1["result"]["type"], "default");
    let (status, answer) = button(Some(777)).await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (400, Some("Bad Request: chat not found"))
    );
}

#[tokio::test]
async fn get_chat_answers_for_chats_the_bot_may_reach() {
    let (fake, base) = fake().await;
    let group = fake.group("Pemilik");
    let get_chat = format!("{base}/getChat");
    let chat = |id: i64| post(&get_chat, json!({ "chat_id": id }));
    let (status, answer) = chat(group).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["title"], "Pemilik");
    assert_eq!(answer["result"]["type"], "supergroup");
    let user = fake.user("Budi", Some("budi"));
    assert_eq!(
        chat(user.id).await.1["description"],
        "Bad Request: chat not found",
        "a person who never started the bot"
    );
    fake.make_private_chat(&user);
    assert_eq!(chat(user.id).await.1["result"]["username"], "budi");
    fake.kick_bot(group);
    assert_eq!(
        chat(group).await,
        (
            403,
            json!({ "ok": false, "error_code": 403, "description": "Forbidden: bot was kicked from the supergroup chat" })
        )
    );
    assert_eq!(chat(-100_999).await.0, 400);
}

#[tokio::test]
async fn answers_are_dated_by_the_fakes_clock() {
    let (fake, base) = fake().await;
    let date = |response: reqwest::Response| {
        let header = response.headers()["date"].to_str().unwrap().to_owned();
        httpdate::parse_http_date(&header).unwrap()
    };
    let client = reqwest::Client::new();
    let answer = client.post(format!("{base}/getMe")).send().await.unwrap();
    let now = std::time::SystemTime::now();
    let off = |at: std::time::SystemTime| {
        at.duration_since(now)
            .unwrap_or_else(|e| e.duration())
            .as_secs()
    };
    assert!(off(date(answer)) <= 2, "the real time");
    fake.skew_clock(-600);
    let refused = client
        .post(format!("{}/bot1:wrong/getMe", fake.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "refusals are dated too");
    let behind = date(refused);
    assert!(
        behind < now && (598..=602).contains(&off(behind)),
        "{behind:?}"
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

async fn get_chat_member(base: &str, chat_id: i64, user_id: i64) -> (u16, Value) {
    post(
        &format!("{base}/getChatMember"),
        json!({ "chat_id": chat_id, "user_id": user_id }),
    )
    .await
}

#[tokio::test]
async fn get_chat_member_reports_each_status() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let cases = [
        (MemberStatus::Creator, "creator"),
        (MemberStatus::Administrator, "administrator"),
        (MemberStatus::Member, "member"),
        (MemberStatus::Restricted { is_member: true }, "restricted"),
        (MemberStatus::Restricted { is_member: false }, "restricted"),
        (MemberStatus::Left, "left"),
        (MemberStatus::Kicked, "kicked"),
    ];
    for (status, name) in cases {
        let user = fake.user("Ani", Some("ani"));
        fake.set_member_status(group, &user, status);
        assert_eq!(fake.member_status(group, &user), Some(status));
        let (code, answer) = get_chat_member(&base, group, user.id).await;
        assert_eq!(code, 200, "{status:?}: {answer}");
        let member = &answer["result"];
        assert_eq!(member["status"], name, "{member}");
        assert_eq!(
            member["user"],
            json!({ "id": user.id, "is_bot": false, "first_name": "Ani", "username": "ani", "language_code": "id" })
        );
        match status {
            MemberStatus::Creator => assert_eq!(member["is_anonymous"], false),
            MemberStatus::Administrator => {
                assert_eq!(member["can_be_edited"], false);
                assert_eq!(member["can_manage_chat"], true);
                assert_eq!(member["can_delete_messages"], true);
                assert_eq!(member["can_restrict_members"], true);
                assert_eq!(member["can_promote_members"], false);
                assert_eq!(member["can_post_stories"], false);
            }
            MemberStatus::Restricted { is_member } => {
                assert_eq!(member["is_member"], is_member);
                assert_eq!(member["can_send_messages"], false);
                assert_eq!(member["can_send_other_messages"], false);
                assert_eq!(member["until_date"], 0);
            }
            MemberStatus::Kicked => assert_eq!(member["until_date"], 0),
            MemberStatus::Member | MemberStatus::Left => {
                assert_eq!(member.as_object().unwrap().len(), 2, "{member}")
            }
        }
    }

    // Someone the fake knows who never was in the group has left it, as far as Telegram says.
    let stranger = fake.user("Asing", None);
    let (code, answer) = get_chat_member(&base, group, stranger.id).await;
    assert_eq!(
        (code, answer["result"]["status"].as_str()),
        (200, Some("left"))
    );
    assert_eq!(fake.member_status(group, &stranger), None);
    let (code, answer) = get_chat_member(&base, group, fake.bot_id()).await;
    assert_eq!(
        (code, answer["result"]["status"].as_str()),
        (200, Some("member"))
    );
    assert_eq!(answer["result"]["user"]["is_bot"], true);

    // Any case, counted per method, and never held back by the flood limits.
    for method in ["GETCHATMEMBER", "getchatmember", "GetChatMember"] {
        for _ in 0..20 {
            let (code, _) = post(
                &format!("{base}/{method}"),
                json!({ "chat_id": group, "user_id": stranger.id }),
            )
            .await;
            assert_eq!(code, 200, "{method}");
        }
    }
    let (code, _) = post(
        &format!("{base}/sendMessage"),
        json!({ "chat_id": group, "text": "masih boleh" }),
    )
    .await;
    assert_eq!(code, 200);
    let stats = fake.stats();
    assert_eq!(stats.calls["getchatmember"], cases.len() + 2 + 60);
    assert_eq!(stats.limit_rejections, 0);
}

#[tokio::test]
async fn get_chat_member_refuses_like_telegram() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let ani = fake.user("Ani", None);
    fake.send_to_group(group, &ani, "halo");

    let (code, answer) = get_chat_member(&base, -100_999, ani.id).await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: chat not found"))
    );
    let (code, answer) = get_chat_member(&base, group, 987_654_321).await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: user not found"))
    );
    let (code, answer) = post(
        &format!("{base}/getChatMember"),
        json!({ "chat_id": group }),
    )
    .await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: invalid user_id specified"))
    );

    // A private chat has the user and the bot in it, and nobody else.
    let budi = fake.user("Budi", None);
    let (code, answer) = get_chat_member(&base, budi.id, budi.id).await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: chat not found")),
        "no private chat before the user starts the bot"
    );
    fake.make_private_chat(&budi);
    let (code, answer) = get_chat_member(&base, budi.id, budi.id).await;
    assert_eq!(
        (code, answer["result"]["status"].as_str()),
        (200, Some("member"))
    );
    let (code, _) = get_chat_member(&base, budi.id, fake.bot_id()).await;
    assert_eq!(code, 200);
    let (code, answer) = get_chat_member(&base, budi.id, ani.id).await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: member not found"))
    );

    fake.kick_bot(group);
    let (code, answer) = get_chat_member(&base, group, ani.id).await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (
            403,
            Some("Forbidden: bot was kicked from the supergroup chat")
        )
    );
}

#[tokio::test]
async fn posting_joining_leaving_and_renaming_change_the_group() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup Lama");
    let ani = fake.user("Ani", None);
    let budi = fake.user("Budi", None);
    let status = |user| {
        let base = base.clone();
        async move { get_chat_member(&base, group, user).await.1["result"]["status"].clone() }
    };
    assert_eq!(status(ani.id).await, "left");
    fake.send_to_group(group, &ani, "halo");
    assert_eq!(status(ani.id).await, "member");
    fake.compose_in_group(group, &budi, "lewat webhook");
    assert_eq!(fake.member_status(group, &budi), Some(MemberStatus::Member));

    // Posting keeps a higher status; a restricted user who comes back is in the group again.
    fake.set_member_status(group, &ani, MemberStatus::Administrator);
    fake.send_sticker(group, &ani);
    assert_eq!(status(ani.id).await, "administrator");
    let citra = fake.user("Citra", None);
    fake.set_member_status(group, &citra, MemberStatus::Restricted { is_member: false });
    fake.join_group(group, &citra);
    assert_eq!(
        fake.member_status(group, &citra),
        Some(MemberStatus::Restricted { is_member: true })
    );

    let left = fake.leave_group(group, &budi);
    assert_eq!(status(budi.id).await, "left");
    let (_, updates) = post(&format!("{base}/getUpdates"), json!({})).await;
    let update = updates["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["update_id"] == left.update_id)
        .expect("the leaving is delivered")
        .clone();
    assert_eq!(update["message"]["message_id"], left.message_id);
    assert_eq!(update["message"]["from"]["id"], budi.id);
    assert_eq!(update["message"]["left_chat_member"]["id"], budi.id);
    assert_eq!(update["message"]["left_chat_member"]["first_name"], "Budi");
    let joined = fake.join_group(group, &budi);
    assert_eq!(status(budi.id).await, "member");
    assert_eq!(joined.update_id, left.update_id + 1);

    let renamed = fake.rename_group(group, &ani, "Grup Baru");
    assert_eq!(fake.group_title(group).as_deref(), Some("Grup Baru"));
    assert_eq!(fake.group_title(ani.id), None);
    let (_, updates) = post(
        &format!("{base}/getUpdates"),
        json!({ "offset": renamed.update_id }),
    )
    .await;
    assert_eq!(
        updates["result"][0]["message"]["new_chat_title"],
        "Grup Baru"
    );
    assert_eq!(
        updates["result"][0]["message"]["chat"]["title"],
        "Grup Baru"
    );
    let (_, sent) = post(
        &format!("{base}/sendMessage"),
        json!({ "chat_id": group, "text": "judul baru" }),
    )
    .await;
    assert_eq!(sent["result"]["chat"]["title"], "Grup Baru");
}

#[tokio::test]
async fn callback_buttons_are_recorded_and_bad_callback_data_refused() {
    let (fake, base) = fake().await;
    let user = fake.user("Ani", None);
    fake.make_private_chat(&user);
    let send = format!("{base}/sendMessage");
    let keyboard = json!({ "inline_keyboard": [
        [{ "text": "Ya", "callback_data": "yes:1" }, { "text": "Tidak", "callback_data": "no:1" }],
        [{ "text": "Buka", "web_app": { "url": "https://x.example/app" } }, { "text": "Situs", "url": "https://x.example" }],
        [{ "text": "Panjang", "callback_data": "d".repeat(64) }],
    ]});
    let (code, answer) = post(
        &send,
        json!({ "chat_id": user.id, "text": "Pilih", "reply_markup": keyboard }),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["reply_markup"], keyboard);
    let sent = &fake.bot_messages(user.id)[0];
    assert_eq!(
        sent.callbacks,
        [
            ("Ya".to_owned(), "yes:1".to_owned()),
            ("Tidak".to_owned(), "no:1".to_owned()),
            ("Panjang".to_owned(), "d".repeat(64)),
        ]
    );
    assert_eq!(
        sent.buttons,
        [
            ("Buka".to_owned(), "https://x.example/app".to_owned()),
            ("Situs".to_owned(), "https://x.example".to_owned()),
        ]
    );

    let group = fake.group("Grup");
    let refused = [
        (json!({ "text": "x", "callback_data": "d".repeat(65) }), "Bad Request: BUTTON_DATA_INVALID"),
        (json!({ "text": "x", "callback_data": "" }), "Bad Request: BUTTON_DATA_INVALID"),
        (json!({ "text": "", "callback_data": "a" }), "Bad Request: BUTTON_TEXT_INVALID"),
        (
            json!({ "text": "x" }),
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
    ];
    // Refused before the flood limits are consulted: no need to wait between them.
    for (button, description) in refused {
        let (code, answer) = post(
            &send,
            json!({ "chat_id": group, "text": "x", "reply_markup": { "inline_keyboard": [[button]] } }),
        )
        .await;
        assert_eq!(
            (code, answer["description"].as_str()),
            (400, Some(description)),
            "{button}"
        );
    }
    // Form encoding: the keyboard as a JSON string.
    let form = reqwest::Client::new()
        .post(&send)
        .form(&[
            ("chat_id", group.to_string()),
            ("text", "lewat form".into()),
            (
                "reply_markup",
                r#"{"inline_keyboard":[[{"text":"OK","callback_data":"ok"}]]}"#.into(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    assert_eq!(
        fake.bot_messages(group)[0].callbacks,
        [("OK".to_owned(), "ok".to_owned())]
    );
    assert!(fake.bot_messages(group)[0].buttons.is_empty());
}

/// Sends a message with callback buttons `data` to `chat_id`; returns its id.
async fn send_with_callbacks(base: &str, chat_id: i64, text: &str, data: &[&str]) -> i32 {
    let row: Vec<Value> = data
        .iter()
        .map(|d| json!({ "text": d.to_uppercase(), "callback_data": d }))
        .collect();
    let (code, answer) = post(
        &format!("{base}/sendMessage"),
        json!({ "chat_id": chat_id, "text": text, "reply_markup": { "inline_keyboard": [row] } }),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    answer["result"]["message_id"].as_i64().unwrap() as i32
}

#[tokio::test]
async fn pressing_a_button_delivers_a_callback_query() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let ani = fake.user("Ani", Some("ani"));
    let message_id = send_with_callbacks(&base, group, "Ambil order?", &["take:7", "skip:7"]).await;

    let waiting = tokio::spawn({
        let updates = format!("{base}/getUpdates");
        async move { post(&updates, json!({ "timeout": 10 })).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pressed = fake
        .press_button(group, message_id, &ani, "take:7")
        .expect("the button is there");
    let (_, answer) = waiting.await.unwrap();
    let update = &answer["result"][0];
    assert_eq!(update["update_id"], pressed.update_id);
    let query = &update["callback_query"];
    assert_eq!(query["id"], pressed.query_id.as_str());
    assert!(pressed.query_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(query["from"]["id"], ani.id);
    assert_eq!(query["from"]["username"], "ani");
    assert_eq!(query["data"], "take:7");
    assert_eq!(query["message"]["message_id"], message_id);
    assert_eq!(query["message"]["chat"]["id"], group);
    assert_eq!(query["message"]["from"]["is_bot"], true);
    assert_eq!(query["message"]["text"], "Ambil order?");
    assert_eq!(
        query["message"]["reply_markup"]["inline_keyboard"][0][1]["callback_data"],
        "skip:7"
    );
    assert!(query["chat_instance"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));

    // The message as it is now: edited text and keyboard; the same chat_instance. (An
    // edit in a group counts against its limit of one a second, as a message does.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (code, _) = post(
        &format!("{base}/editMessageText"),
        json!({ "chat_id": group, "message_id": message_id, "text": "Diambil Ani",
                "reply_markup": { "inline_keyboard": [[{ "text": "Batal", "callback_data": "undo:7" }]] } }),
    )
    .await;
    assert_eq!(code, 200);
    let again = fake
        .press_button(group, message_id, &ani, "undo:7")
        .expect("the edit put it there");
    assert_ne!(again.query_id, pressed.query_id);
    let (_, answer) = post(
        &format!("{base}/getUpdates"),
        json!({ "offset": again.update_id }),
    )
    .await;
    let second = &answer["result"][0]["callback_query"];
    assert_eq!(second["message"]["text"], "Diambil Ani");
    assert_eq!(second["data"], "undo:7");
    assert_eq!(second["chat_instance"], query["chat_instance"]);
}

#[tokio::test]
async fn a_button_the_message_no_longer_has_cannot_be_pressed() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let ani = fake.user("Ani", None);
    let message_id = send_with_callbacks(&base, group, "Pilih", &["a"]).await;
    // An edit in a group counts against its limit of one a second, as a message does.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (code, _) = post(
        &format!("{base}/editMessageText"),
        json!({ "chat_id": group, "message_id": message_id, "text": "Selesai" }),
    )
    .await;
    assert_eq!(code, 200);
    assert!(fake.press_button(group, message_id, &ani, "a").is_none());
    assert_eq!(fake.pending_updates(), 0);
}

#[tokio::test]
async fn callback_queries_are_answered_once() {
    let (fake, base) = fake().await;
    let ani = fake.user("Ani", None);
    fake.make_private_chat(&ani);
    let message_id = send_with_callbacks(&base, ani.id, "Pilih", &["a", "b"]).await;
    let first = fake.press_button(ani.id, message_id, &ani, "a").unwrap();
    let second = fake.press_button(ani.id, message_id, &ani, "b").unwrap();
    let answer = format!("{base}/answerCallbackQuery");

    let (code, body) = post(
        &answer,
        json!({ "callback_query_id": first.query_id, "text": "Tercatat", "show_alert": true }),
    )
    .await;
    assert_eq!((code, &body["result"]), (200, &json!(true)), "{body}");
    let expired =
        Some("Bad Request: query is too old and response timeout expired or query ID is invalid");
    let (code, body) = post(&answer, json!({ "callback_query_id": first.query_id })).await;
    assert_eq!((code, body["description"].as_str()), (400, expired));
    let (code, body) = post(&answer, json!({ "callback_query_id": "12345" })).await;
    assert_eq!((code, body["description"].as_str()), (400, expired));
    let (code, body) = post(
        &answer,
        json!({ "callback_query_id": second.query_id, "text": "x".repeat(201) }),
    )
    .await;
    assert_eq!(
        (code, body["description"].as_str()),
        (400, Some("Bad Request: MESSAGE_TOO_LONG"))
    );
    // Any case, form encoding.
    let form = reqwest::Client::new()
        .post(format!("{base}/ANSWERCALLBACKQUERY"))
        .form(&[("callback_query_id", second.query_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);

    let answers: Vec<(String, Option<String>, bool)> = fake
        .callback_answers()
        .into_iter()
        .map(|a| (a.query_id, a.text, a.show_alert))
        .collect();
    assert_eq!(
        answers,
        [
            (first.query_id, Some("Tercatat".into()), true),
            (second.query_id, None, false),
        ]
    );
    assert_eq!(fake.stats().calls["answercallbackquery"], 5);
    assert_eq!(fake.stats().limit_rejections, 0);
}

#[tokio::test]
async fn editing_text_replaces_or_removes_the_keyboard() {
    let (fake, base) = fake().await;
    let ani = fake.user("Ani", None);
    fake.make_private_chat(&ani);
    let id = send_with_callbacks(&base, ani.id, "Pilih", &["a", "b"]).await;
    let edit = format!("{base}/editMessageText");
    let new_keyboard = json!({ "inline_keyboard": [[
        { "text": "C", "callback_data": "c" },
        { "text": "Buka", "url": "https://x.example" },
    ]]});

    // The same text with another keyboard is an edit.
    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": id, "text": "Pilih", "reply_markup": new_keyboard }),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["reply_markup"], new_keyboard);
    let message = &fake.bot_messages(ani.id)[0];
    assert_eq!(message.callbacks, [("C".to_owned(), "c".to_owned())]);
    assert_eq!(
        message.buttons,
        [("Buka".to_owned(), "https://x.example".to_owned())]
    );

    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": id, "text": "Pilih", "reply_markup": new_keyboard }),
    )
    .await;
    assert_eq!(code, 400);
    assert!(answer["description"]
        .as_str()
        .unwrap()
        .starts_with("Bad Request: message is not modified"));

    // Without reply_markup the keyboard goes, even if the text stays.
    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": id, "text": "<b>Pilih</b>", "parse_mode": "HTML" }),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert!(answer["result"].get("reply_markup").is_none(), "{answer}");
    let message = &fake.bot_messages(ani.id)[0];
    assert!(message.callbacks.is_empty() && message.buttons.is_empty());
    assert_eq!(message.text, "Pilih");
    assert_eq!(message.html.as_deref(), Some("<b>Pilih</b>"));

    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": id, "text": "x", "reply_markup": { "inline_keyboard": [[{ "text": "x", "callback_data": "" }]] } }),
    )
    .await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: BUTTON_DATA_INVALID"))
    );

    // editMessageReplyMarkup changes the keyboard alone.
    let markup = format!("{base}/editMessageReplyMarkup");
    let (code, answer) = post(
        &markup,
        json!({ "chat_id": ani.id, "message_id": id, "reply_markup": { "inline_keyboard": [[{ "text": "D", "callback_data": "d" }]] } }),
    )
    .await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["result"]["text"], "Pilih");
    assert_eq!(
        fake.bot_messages(ani.id)[0].callbacks,
        [("D".to_owned(), "d".to_owned())]
    );
    assert_eq!(
        post(&markup, json!({ "chat_id": ani.id, "message_id": id }))
            .await
            .0,
        200
    );
    assert!(fake.bot_messages(ani.id)[0].callbacks.is_empty());
    let (code, answer) = post(&markup, json!({ "chat_id": ani.id, "message_id": id })).await;
    assert_eq!(code, 400);
    assert!(answer["description"]
        .as_str()
        .unwrap()
        .contains("message is not modified"));

    // A deleted message, or someone else's, can't be edited.
    let posted = fake.send_private(&ani, "punya Ani");
    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": posted.message_id, "text": "y" }),
    )
    .await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: message can't be edited"))
    );
    post(
        &format!("{base}/deleteMessage"),
        json!({ "chat_id": ani.id, "message_id": id }),
    )
    .await;
    let (code, answer) = post(
        &edit,
        json!({ "chat_id": ani.id, "message_id": id, "text": "lagi" }),
    )
    .await;
    assert_eq!(
        (code, answer["description"].as_str()),
        (400, Some("Bad Request: message to edit not found"))
    );
}

#[tokio::test]
async fn photos_and_files_come_with_captions_and_are_fetched_like_telegrams() {
    let (fake, base) = fake().await;
    let group = fake.group("Grup");
    let user = fake.user("Siti", None);
    let (_, photo) = fake.send_photo(group, &user, b"\xFF\xD8\xFFfoto", Some("/moban #A #B #C"));
    let (_, document) = fake.send_document(group, &user, b"%PDF", "a.pdf", "application/pdf", None);
    let (_, updates) = post(&format!("{base}/getUpdates"), json!({})).await;
    let message = &updates["result"][0]["message"];
    let sizes = message["photo"].as_array().unwrap();
    assert_eq!(sizes.len(), 3, "{message}");
    assert_eq!(sizes[2]["file_id"], photo.file_id.as_str(), "largest last");
    assert!(sizes[0]["width"].as_u64() < sizes[2]["width"].as_u64());
    assert_eq!(message["caption"], "/moban #A #B #C");
    assert_eq!(
        message["caption_entities"],
        json!([{ "type": "bot_command", "offset": 0, "length": 6 }])
    );
    assert!(message.get("text").is_none());
    let file = &updates["result"][1]["message"]["document"];
    assert_eq!(
        (file["mime_type"].as_str(), file["file_name"].as_str()),
        (Some("application/pdf"), Some("a.pdf"))
    );
    assert!(updates["result"][1]["message"].get("caption").is_none());

    for method in ["getFile", "GETFILE"] {
        let (status, answer) = post(
            &format!("{base}/{method}"),
            json!({ "file_id": photo.file_id }),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            answer["result"]["file_unique_id"],
            photo.file_unique_id.as_str()
        );
        assert_eq!(answer["result"]["file_size"], 7);
    }
    let (_, answer) = post(
        &format!("{base}/getFile"),
        json!({ "file_id": photo.file_id }),
    )
    .await;
    let path = answer["result"]["file_path"].as_str().unwrap().to_owned();
    let download = |token: &str| format!("{}/file/bot{token}/{path}", fake.api_url());
    let bytes = reqwest::get(download(TOKEN))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"\xFF\xD8\xFFfoto");
    let refused = reqwest::get(download("4242:wrong")).await.unwrap();
    assert_eq!(refused.status(), 404);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["description"], "Not Found");

    fake.hide_file_size(&document);
    let (_, answer) = post(
        &format!("{base}/getFile"),
        json!({ "file_id": document.file_id }),
    )
    .await;
    assert!(answer["result"].get("file_size").is_none(), "{answer}");
    fake.lose_file(&photo);
    for file_id in [photo.file_id.as_str(), "AgACAgUAAxkBAAIBnonsense", ""] {
        let (status, answer) =
            post(&format!("{base}/getFile"), json!({ "file_id": file_id })).await;
        assert_eq!(
            (status, answer["description"].as_str()),
            (400, Some("Bad Request: invalid file_id"))
        );
    }
    assert_eq!(reqwest::get(download(TOKEN)).await.unwrap().status(), 404);
    let (_, huge) = fake.send_document(
        group,
        &user,
        &vec![0; 20 * 1024 * 1024 + 1],
        "besar.bin",
        "application/octet-stream",
        None,
    );
    let (status, answer) = post(
        &format!("{base}/getFile"),
        json!({ "file_id": huge.file_id }),
    )
    .await;
    assert_eq!(
        (status, answer["description"].as_str()),
        (400, Some("Bad Request: file is too big"))
    );
    let stats = fake.stats();
    assert_eq!((stats.calls["getfile"], stats.files_downloaded), (8, 1));
}
