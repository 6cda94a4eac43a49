//! The Mini App's HTTP API: who gets in, Order → Pickup → Close with its group
//! notifications, and one ticket's page: its timeline, notes and reopen.

mod common;

use std::collections::HashMap;

use common::{
    call, call_in, init_data_for, log_in, pickup_and_close, place_order, register_account,
    register_staff, request_message_id, spawn_app, spawn_app_with, spawn_public_app, unix_now,
    Backend, TestApp, PATIENCE,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use tangkap::{
    sim::{MemberStatus, SimUser},
    users::{AccountState, Role},
};

on_both_backends!(
    telegram_login_then_pickup_and_close_notify_the_group,
    init_data_is_checked,
    browser_login_wrong_passwords_and_lock_out,
    fifty_wrong_passwords_at_once_are_checked_at_most_five_times,
    twenty_right_logins_at_once_all_get_in,
    every_spelling_of_a_telegram_id_is_one_account,
    guesses_elsewhere_do_not_lock_out_the_owner_or_the_team,
    sessions_expire_end_and_stay_with_their_telegram_account,
    fifty_concurrent_pickups_have_one_winner,
    presses_at_one_moment_each_get_their_own_answer,
    a_step_that_cannot_be_written_does_not_sink_the_others,
    browser_login_can_be_turned_off,
    start_offers_the_mini_app_and_feedback_1_links_the_ticket,
    unicode_and_markup_survive_every_hop,
    a_tickets_timeline_tells_each_step_note_reopen_and_whether_the_group_was_told,
    notes_and_reopen_obey_who_may_see_and_do_what,
    a_pickup_is_undone_by_its_presser_until_the_group_is_told,
    search_and_filters_find_what_the_asker_may_see,
    exports_hold_the_filtered_tickets_row_by_row,
    tab_counts_follow_the_filters_and_a_search_reaches_every_status,
);

struct Api<'a> {
    app: &'a TestApp,
    client: Client,
}

impl<'a> Api<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: Client::new(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        init_data: Option<&str>,
        session: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let url = format!("{}/api{path}", self.app.http_url());
        let mut request = self.client.request(method.parse().unwrap(), url);
        if let Some(init_data) = init_data {
            request = request.header("Authorization", format!("tma {init_data}"));
        }
        if let Some(session) = session {
            request = request.header("X-Session-Token", session);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn telegram_login(&self, init_data: &str, password: &str) -> Response {
        self.call(
            "POST",
            "/login/telegram",
            Some(init_data),
            None,
            Some(json!({ "password": password })),
        )
        .await
    }

    async fn browser_login(&self, login: &str, password: &str) -> Response {
        self.call(
            "POST",
            "/login",
            None,
            None,
            Some(json!({ "login": login, "password": password })),
        )
        .await
    }

    /// A browser login through a proxy that says the client is `address`.
    async fn browser_login_from(&self, address: &str, login: &str, password: &str) -> Response {
        self.client
            .post(format!("{}/api/login", self.app.http_url()))
            .header("X-Forwarded-For", address)
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap()
    }
}

/// `app` with one registered staff member, who is returned too.
async fn with_staff(
    app: TestApp,
    name: &str,
    telegram_username: Option<&str>,
    username: &str,
    password: &str,
) -> (TestApp, SimUser) {
    let staff = app.fake.user(name, telegram_username);
    register_staff(&app, &staff, username, password).await;
    (app, staff)
}

/// Asserts the API refused with `status` and the error code `code`.
async fn assert_refused(response: Response, status: StatusCode, code: &str) {
    let got = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (got, body["error"].as_str().unwrap_or_default()),
        (status, code),
        "{body}"
    );
}

async fn token_of(response: Response) -> String {
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

async fn telegram_login_then_pickup_and_close_notify_the_group(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "Budi Santoso",
        Some("budi"),
        "budi",
        "rahasia-123",
    )
    .await;
    let api = Api::new(&app);
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let first = place_order(&app, group, &asker, "/moban #INV-1 #TOPUP #satu").await;
    let second = place_order(&app, group, &asker, "/moban #INV-2 #RETUR #dua").await;

    let init_data = init_data_for(&staff, unix_now());
    let login = api.telegram_login(&init_data, "rahasia-123").await;
    let session = token_of(login).await;
    let (tma, token) = (Some(init_data.as_str()), Some(session.as_str()));

    let me: Value = api
        .call("GET", "/me", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "budi");
    let page: Value = api
        .call("GET", "/orders?status=order", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    let tickets: Vec<&str> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        tickets,
        [first.as_str(), second.as_str()],
        "most urgent first: the first is due first"
    );
    assert_eq!(page["orders"][0]["requester_name"], "Siti");
    let newest: Value = api
        .call("GET", "/orders?status=order&sort=newest", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        newest["orders"][0]["ticket_no"].as_str(),
        Some(second.as_str()),
        "newest first"
    );
    let found: Value = api
        .call(
            "GET",
            &format!("/orders?status=order&q={}", first.to_lowercase()),
            tma,
            token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["orders"].as_array().unwrap().len(),
        1,
        "search by ticket in any case"
    );
    let found: Value = api
        .call("GET", "/orders?status=order&q=inv-2", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["orders"][0]["ticket_no"],
        second.as_str(),
        "search by part of Order_ID"
    );
    for wildcard in ["%25", "_", "inv_2", "inv%25"] {
        let found: Value = api
            .call(
                "GET",
                &format!("/orders?status=order&q={wildcard}"),
                tma,
                token,
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["orders"], json!([]), "{wildcard} is taken literally");
    }

    let first_page: Value = api
        .call("GET", "/orders?status=order&limit=1", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            first_page["orders"].as_array().unwrap().len(),
            first_page["has_more"].as_bool()
        ),
        (1, Some(true))
    );
    let next = first_page["next"].as_str().unwrap();
    let next_page: Value = api
        .call(
            "GET",
            &format!("/orders?status=order&limit=1&after={next}"),
            tma,
            token,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first_page["orders"][0]["ticket_no"], first.as_str());
    assert_eq!(next_page["orders"][0]["ticket_no"], second.as_str());
    assert_eq!(next_page["has_more"], false);
    let bad = api
        .call("GET", "/orders?status=done", tma, token, None)
        .await;
    assert_refused(bad, StatusCode::BAD_REQUEST, "bad_request").await;

    let no = page["orders"][0]["no"].as_i64().unwrap();
    let picked = api
        .call("POST", &format!("/orders/{no}/pickup"), tma, token, None)
        .await;
    assert_eq!(picked.status(), 200);
    let picked: Value = picked.json().await.unwrap();
    assert_eq!(
        (picked["status"].as_str(), picked["picked_by"].as_str()),
        (Some("pickup"), Some("Budi Santoso"))
    );
    let again = api
        .call("POST", &format!("/orders/{no}/pickup"), tma, token, None)
        .await;
    assert_eq!(again.status(), 409);
    let conflict: Value = again.json().await.unwrap();
    assert_eq!(
        conflict["message"],
        "Order ini sudah di-pickup oleh Budi Santoso (@budi)."
    );

    let closed = api
        .call("POST", &format!("/orders/{no}/close"), tma, token, None)
        .await;
    assert_eq!(closed.status(), 200);
    let summary: Value = api
        .call("GET", "/summary", tma, token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        summary["counts"],
        json!({ "order": 1, "pickup": 0, "close": 1 })
    );
    let unknown = api
        .call("POST", "/orders/999999/pickup", tma, token, None)
        .await;
    assert_refused(unknown, StatusCode::NOT_FOUND, "not_found").await;

    let feedback = app.fake.wait_for_bot_messages(group, 4, PATIENCE).await;
    let original = app
        .fake
        .messages(group)
        .iter()
        .find(|m| m.text.contains("INV-1") && !m.from_bot)
        .unwrap()
        .message_id;
    assert_eq!(
        feedback[2].text,
        format!("Permintaan Anda {first} INV-1 TOPUP sudah di PICK UP oleh Budi Santoso")
    );
    assert_eq!(
        feedback[3].text,
        format!("Permintaan Anda {first} INV-1 TOPUP sudah di RESOLVED oleh Budi Santoso")
    );
    assert_eq!(
        (feedback[2].reply_to, feedback[3].reply_to),
        (Some(original), Some(original))
    );
    let audit = app
        .rows(&format!(
            "SELECT from_status, to_status FROM order_events WHERE order_no = {no} ORDER BY id"
        ))
        .await;
    assert_eq!(
        audit,
        vec![
            vec![None, Some("order".into())],
            vec![Some("order".into()), Some("pickup".into())],
            vec![Some("pickup".into()), Some("close".into())],
        ]
    );
    app.finish().await;
}

async fn init_data_is_checked(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "Dewi",
        Some("dewi"),
        "dewi",
        "sandi-dewi-1",
    )
    .await;
    let api = Api::new(&app);
    let good = init_data_for(&staff, unix_now());
    assert_eq!(
        api.telegram_login(&good, "sandi-dewi-1").await.status(),
        200
    );

    let someone_else = SimUser {
        id: staff.id + 1,
        ..staff.clone()
    };
    let forged_user = good.replace(&staff.id.to_string(), &someone_else.id.to_string());
    let other_bot = tangkap::telegram::init_data::sign(
        &[
            ("auth_date", &unix_now().to_string()),
            (
                "user",
                &json!({ "id": staff.id, "first_name": "Dewi" }).to_string(),
            ),
        ],
        &tangkap::config::BotToken::parse("987654321:AAOtherBotTokenOtherBotToken_12345").unwrap(),
    );
    let cases = [
        (forged_user, "init_data_invalid"),
        (good.replace("&hash=", "&nohash="), "init_data_invalid"),
        (
            good.split("&hash=").next().unwrap().to_owned(),
            "init_data_invalid",
        ),
        (other_bot, "init_data_invalid"),
        (
            init_data_for(&staff, unix_now() - 2 * 86_400),
            "init_data_expired",
        ),
        ("user=%7B%7D".to_owned(), "init_data_invalid"),
    ];
    for (init_data, expected) in cases {
        let response = api.telegram_login(&init_data, "sandi-dewi-1").await;
        assert_refused(response, StatusCode::UNAUTHORIZED, expected).await;
    }
    let no_header = api
        .call(
            "POST",
            "/login/telegram",
            None,
            None,
            Some(json!({ "password": "sandi-dewi-1" })),
        )
        .await;
    assert_eq!(no_header.status(), 401);

    let stranger = app.fake.user("Asing", None);
    let response = api
        .telegram_login(&init_data_for(&stranger, unix_now()), "apa-saja-123")
        .await;
    assert_refused(response, StatusCode::FORBIDDEN, "not_registered").await;

    let not_json = api
        .client
        .post(format!("{}/api/login", app.http_url()))
        .body("login=dewi&password=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        not_json.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "cross-site form posts are refused"
    );
    app.finish().await;
}

async fn browser_login_wrong_passwords_and_lock_out(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "Rina",
        None,
        "Rina_Ops",
        "sandi-rina-1",
    )
    .await;
    let api = Api::new(&app);

    assert_eq!(
        api.browser_login("rina_ops", "sandi-rina-1").await.status(),
        200,
        "any case"
    );
    assert_eq!(
        api.browser_login(&staff.id.to_string(), "sandi-rina-1")
            .await
            .status(),
        200,
        "by Telegram ID"
    );
    let unknown = api.browser_login("nobody", "sandi-rina-1").await;
    assert_refused(unknown, StatusCode::UNAUTHORIZED, "wrong_credentials").await;
    // From the third failure on, the answer says how many tries are left.
    for (failure, left) in [(1, None), (2, None), (3, Some(2)), (4, Some(1))] {
        let wrong = api.browser_login("rina_ops", "salah-sandi").await;
        assert_eq!(
            wrong.status(),
            StatusCode::UNAUTHORIZED,
            "failure {failure}"
        );
        let body: Value = wrong.json().await.unwrap();
        assert_eq!(body["tries_left"].as_i64(), left, "{body}");
        let message = body["message"].as_str().unwrap();
        match left {
            Some(left) => assert!(
                message.contains(&format!("Sisa {left} percobaan")),
                "{message}"
            ),
            None => assert_eq!(message, "Login atau password salah."),
        }
    }
    // The fifth wrong try locks, and says until when.
    let fifth = api.browser_login("rina_ops", "salah-sandi").await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = fifth.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let body: Value = fifth.json().await.unwrap();
    assert_eq!(body["error"], "locked", "{body}");
    let until = body["until"].as_str().unwrap();
    assert!(until.ends_with(" WIB") && until.len() == 9, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("dikunci sampai pukul {until}")),
        "{body}"
    );
    // Then not even the right password is checked.
    let locked = api.browser_login("rina_ops", "sandi-rina-1").await;
    assert_refused(locked, StatusCode::TOO_MANY_REQUESTS, "locked").await;
    app.finish().await;
}

async fn fifty_wrong_passwords_at_once_are_checked_at_most_five_times(backend: Backend) {
    let (app, _) = with_staff(
        spawn_app(backend).await,
        "Sari",
        None,
        "sari",
        "sandi-sari-1",
    )
    .await;
    let api = Api::new(&app);
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (client, url) = (api.client.clone(), format!("{}/api/login", app.http_url()));
        guesses.spawn(async move {
            let body = json!({ "login": "sari", "password": format!("tebakan-{i}") });
            let answer = client.post(url).json(&body).send().await.unwrap();
            answer.status().as_u16()
        });
    }
    let statuses = guesses.join_all().await;
    let checked_and_wrong = statuses.iter().filter(|&&s| s == 401).count();
    let locked = statuses.iter().filter(|&&s| s == 429).count();
    // Four wrong answers, the fifth guess locks; the other 45 were never checked.
    assert_eq!((checked_and_wrong, locked), (4, 46), "{statuses:?}");
    let right = api.browser_login("sari", "sandi-sari-1").await;
    assert_refused(right, StatusCode::TOO_MANY_REQUESTS, "locked").await;
    app.finish().await;
}

async fn twenty_right_logins_at_once_all_get_in(backend: Backend) {
    let (app, _) = with_staff(
        spawn_app(backend).await,
        "Wati",
        None,
        "wati",
        "sandi-wati-1",
    )
    .await;
    // Two wrong tries first: the budget left is smaller than the tries arriving.
    let api = Api::new(&app);
    for _ in 0..2 {
        api.browser_login("wati", "salah").await;
    }
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url) = (api.client.clone(), format!("{}/api/login", app.http_url()));
        logins.spawn(async move {
            let body = json!({ "login": "wati", "password": "sandi-wati-1" });
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = logins.join_all().await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    app.finish().await;
}

async fn every_spelling_of_a_telegram_id_is_one_account(backend: Backend) {
    let app = spawn_app_with(backend, |config| config.trust_forwarded_for = true).await;
    let (app, staff) = with_staff(app, "Tono", None, "tono", "sandi-tono-1").await;
    let api = Api::new(&app);
    let id = staff.id;
    let spellings: Vec<String> = (0..50)
        .map(|i| match i % 3 {
            0 => format!("{}{id}", "0".repeat(i / 3 + 1)),
            1 => format!("+{}{id}", "0".repeat(i / 3)),
            _ => format!("{}{id} ", " ".repeat(i / 3 % 4)),
        })
        .collect();
    let mut statuses = Vec::new();
    for (i, spelling) in spellings.iter().enumerate() {
        let answer = api
            .browser_login_from(
                &format!("10.1.{}.{}", i / 200, i % 200 + 1),
                spelling,
                "salah",
            )
            .await;
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(&statuses[..4], [401; 4], "{statuses:?}");
    assert!(statuses[4..].iter().all(|&s| s == 429), "{statuses:?}");
    // The right password from yet another address is not checked either.
    let right = api
        .browser_login_from("10.9.9.9", &id.to_string(), "sandi-tono-1")
        .await;
    assert_refused(right, StatusCode::TOO_MANY_REQUESTS, "locked").await;
    app.finish().await;
}

async fn guesses_elsewhere_do_not_lock_out_the_owner_or_the_team(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "Dewi",
        None,
        "dewi",
        "sandi-dewi-1",
    )
    .await;
    let colleague = app.fake.user("Eko", None);
    register_staff(&app, &colleague, "eko", "sandi-eko-1").await;
    let api = Api::new(&app);
    // Someone in a browser guesses Dewi's password by her Telegram ID until locked.
    for _ in 0..5 {
        api.browser_login(&staff.id.to_string(), "tebakan").await;
    }
    let locked = api.browser_login("dewi", "sandi-dewi-1").await;
    assert_refused(locked, StatusCode::TOO_MANY_REQUESTS, "locked").await;
    // Inside Telegram, where initData proves who she is, Dewi still gets in.
    let init_data = init_data_for(&staff, unix_now());
    assert_eq!(
        api.telegram_login(&init_data, "sandi-dewi-1")
            .await
            .status(),
        200
    );
    // Guesses at many names lock this address (the whole team's, behind one proxy) for
    // guessing: a wrong password is answered as locked…
    for i in 0..25 {
        api.browser_login(&format!("tamu{i}"), "tebakan").await;
    }
    let guess = api.browser_login("eko", "tebakan").await;
    assert_refused(guess, StatusCode::TOO_MANY_REQUESTS, "locked").await;
    // …but a colleague's right password still logs in.
    assert_eq!(api.browser_login("eko", "sandi-eko-1").await.status(), 200);
    app.finish().await;
}

async fn sessions_expire_end_and_stay_with_their_telegram_account(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "Tono",
        None,
        "tono",
        "sandi-tono-1",
    )
    .await;
    let api = Api::new(&app);
    let other = app.fake.user("Lain", None);
    register_staff(&app, &other, "lain", "sandi-lain-1").await;
    let init_data = init_data_for(&staff, unix_now());

    let session = token_of(api.telegram_login(&init_data, "sandi-tono-1").await).await;
    assert_eq!(
        api.call("GET", "/me", Some(&init_data), Some(&session), None)
            .await
            .status(),
        200
    );
    let without_telegram = api.call("GET", "/me", None, Some(&session), None).await;
    assert_refused(
        without_telegram,
        StatusCode::UNAUTHORIZED,
        "telegram_mismatch",
    )
    .await;
    let other_account = api
        .call(
            "GET",
            "/me",
            Some(&init_data_for(&other, unix_now())),
            Some(&session),
            None,
        )
        .await;
    assert_refused(other_account, StatusCode::UNAUTHORIZED, "telegram_mismatch").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        1,
        "sessions are stored by hash only"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{session}'"
        ))
        .await,
        0
    );

    assert_eq!(
        api.call("POST", "/logout", Some(&init_data), Some(&session), None)
            .await
            .status(),
        204
    );
    let after_logout = api
        .call("GET", "/me", Some(&init_data), Some(&session), None)
        .await;
    assert_refused(after_logout, StatusCode::UNAUTHORIZED, "not_logged_in").await;

    let browser = token_of(api.browser_login("tono", "sandi-tono-1").await).await;
    sqlx::query("UPDATE sessions SET expires_at = 1")
        .execute(app.db.pool())
        .await
        .unwrap();
    let expired = api.call("GET", "/orders", None, Some(&browser), None).await;
    assert_refused(expired, StatusCode::UNAUTHORIZED, "session_expired").await;
    let no_session = api.call("GET", "/orders", None, None, None).await;
    assert_refused(no_session, StatusCode::UNAUTHORIZED, "not_logged_in").await;
    app.finish().await;
}

async fn fifty_concurrent_pickups_have_one_winner(backend: Backend) {
    let app = spawn_app(backend).await;
    let api = Api::new(&app);
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let ticket = place_order(&app, group, &asker, "/moban #RACE-1 #TOPUP #rebutan").await;
    let mut sessions = Vec::new();
    for i in 0..5 {
        let staff = app.fake.user(&format!("Staf {i}"), None);
        register_staff(&app, &staff, &format!("staf{i}"), "sandi-staf-1").await;
        sessions.push(token_of(api.browser_login(&format!("staf{i}"), "sandi-staf-1").await).await);
    }
    let page: Value = api
        .call("GET", "/orders", None, Some(&sessions[0]), None)
        .await
        .json()
        .await
        .unwrap();
    let no = page["orders"][0]["no"].as_i64().unwrap();

    let url = format!("{}/api/orders/{no}/pickup", app.http_url());
    let mut presses = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (client, url, session) = (
            api.client.clone(),
            url.clone(),
            sessions[i % sessions.len()].clone(),
        );
        presses.spawn(async move {
            let response = client
                .post(url)
                .header("X-Session-Token", session)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        });
    }
    let results = presses.join_all().await;
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for (status, _) in &results {
        *statuses.entry(*status).or_default() += 1;
    }
    assert_eq!(statuses, HashMap::from([(200, 1), (409, 49)]));
    let won = &results.iter().find(|(s, _)| *s == 200).unwrap().1;
    let winner = won["picked_by"].as_str().unwrap().to_owned();
    // Name and login, so that two people of the same name can be told apart.
    let winner_label = format!(
        "{winner} (@{})",
        won["picked_by_username"].as_str().unwrap()
    );
    for (status, body) in &results {
        if *status == 409 {
            assert_eq!(
                body["message"],
                format!("Order ini sudah di-pickup oleh {winner_label}.")
            );
        }
    }
    app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let feedback_2: Vec<_> = app
        .fake
        .bot_messages(group)
        .into_iter()
        .filter(|m| m.text.contains("PICK UP"))
        .collect();
    assert_eq!(feedback_2.len(), 1);
    assert_eq!(
        feedback_2[0].text,
        format!("Permintaan Anda {ticket} RACE-1 TOPUP sudah di PICK UP oleh {winner}")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM order_events WHERE to_status = 'pickup'")
            .await,
        1
    );
    app.finish().await;
}

/// Steps pressed together share one commit; each press must still get its own order,
/// its own name on it, and its own group notification.
async fn presses_at_one_moment_each_get_their_own_answer(backend: Backend) {
    const GROUPS: usize = 4;
    const ORDERS_PER_GROUP: usize = 6;
    const STAFF: usize = 8;
    let app = spawn_app(backend).await;
    let api = Api::new(&app);
    let asker = app.fake.user("Siti", None);
    let groups: Vec<i64> = (0..GROUPS)
        .map(|g| app.fake.group(&format!("Operasional {g}")))
        .collect();
    for (g, &group) in groups.iter().enumerate() {
        for n in 0..ORDERS_PER_GROUP {
            app.fake.send_to_group(
                group,
                &asker,
                &format!("/moban #INV-{g}-{n} #TOPUP #bareng"),
            );
        }
    }
    let orders = GROUPS * ORDERS_PER_GROUP;
    app.wait_for_count("SELECT COUNT(*) FROM orders", orders as i64)
        .await;
    let mut staff = Vec::new();
    for i in 0..STAFF {
        let name = format!("Staf Nomor {i}");
        let user = app.fake.user(&name, None);
        register_staff(&app, &user, &format!("bareng{i}"), "sandi-staf-1").await;
        let session = token_of(
            api.browser_login(&format!("bareng{i}"), "sandi-staf-1")
                .await,
        )
        .await;
        staff.push((name, session));
    }
    // (no, ticket, order_id, chat_id), and who presses for it.
    let board: Vec<(i64, String, String, i64)> = app
        .rows("SELECT no, ticket_no, order_id, chat_id FROM orders ORDER BY no")
        .await
        .into_iter()
        .map(|row| {
            let text = |i: usize| row[i].clone().unwrap();
            (
                text(0).parse().unwrap(),
                text(1),
                text(2),
                text(3).parse().unwrap(),
            )
        })
        .collect();
    let press = |step: &'static str, no: i64, (name, session): (String, String)| {
        let url = format!("{}/api/orders/{no}/{step}", app.http_url());
        let client = api.client.clone();
        async move {
            let response = client
                .post(url)
                .header("X-Session-Token", session)
                .send()
                .await
                .unwrap();
            let code = response.status();
            (no, name, code, response.json::<Value>().await.unwrap())
        }
    };

    // Two staff press Pickup on every order at once: each order has one winner, and each
    // press is answered for its own order and its own presser.
    let mut presses = tokio::task::JoinSet::new();
    for (i, (no, ..)) in board.iter().enumerate() {
        for rival in [i * 3, i * 3 + 1] {
            presses.spawn(press("pickup", *no, staff[rival % STAFF].clone()));
        }
    }
    let mut winners: HashMap<i64, String> = HashMap::new();
    let mut labels: HashMap<i64, String> = HashMap::new();
    let mut refused: Vec<(i64, Value)> = Vec::new();
    for (no, name, code, body) in presses.join_all().await {
        if code == StatusCode::CONFLICT {
            refused.push((no, body));
            continue;
        }
        assert_eq!(code, StatusCode::OK, "pickup of order {no}: {body}");
        assert_eq!(
            body["no"], no,
            "pickup of order {no} answered with another order"
        );
        assert_eq!(body["status"], "pickup", "{body}");
        assert_eq!(body["picked_by"], name.as_str(), "pickup of order {no}");
        labels.insert(
            no,
            format!("{name} (@{})", body["picked_by_username"].as_str().unwrap()),
        );
        assert!(
            winners.insert(no, name).is_none(),
            "two winners for order {no}"
        );
    }
    assert_eq!(winners.len(), board.len(), "an order without a winner");
    assert_eq!(refused.len(), board.len(), "one refused press per order");
    for (no, body) in refused {
        assert_eq!(
            body["message"],
            format!("Order ini sudah di-pickup oleh {}.", labels[&no])
        );
    }

    // Every winner closes at once.
    let mut presses = tokio::task::JoinSet::new();
    for (no, ..) in &board {
        let winner = staff.iter().find(|(name, _)| *name == winners[no]).unwrap();
        presses.spawn(press("close", *no, winner.clone()));
    }
    for (no, name, code, body) in presses.join_all().await {
        assert_eq!(code, StatusCode::OK, "close of order {no}: {body}");
        assert_eq!(
            body["no"], no,
            "close of order {no} answered with another order"
        );
        assert_eq!(body["status"], "close", "{body}");
        assert_eq!(body["closed_by"], name.as_str(), "close of order {no}");
    }

    let events = app
        .rows(
            "SELECT e.order_no, e.to_status, u.name FROM order_events e \
             JOIN users u ON u.id = e.actor_user_id ORDER BY e.order_no, e.id",
        )
        .await;
    let expected: Vec<Vec<Option<String>>> = board
        .iter()
        .flat_map(|(no, ..)| {
            ["pickup", "close"].map(|to| {
                vec![
                    Some(no.to_string()),
                    Some(to.to_owned()),
                    Some(winners[no].clone()),
                ]
            })
        })
        .collect();
    assert_eq!(events, expected);

    for &group in &groups {
        app.fake
            .wait_for_bot_messages(group, 3 * ORDERS_PER_GROUP, PATIENCE)
            .await;
    }
    for (no, ticket, order_id, chat_id) in &board {
        let texts: Vec<String> = app
            .fake
            .bot_messages(*chat_id)
            .into_iter()
            .map(|m| m.text)
            .filter(|text| text.contains(ticket.as_str()) && !text.contains("no tiket"))
            .collect();
        let name = &winners[no];
        assert_eq!(
            texts,
            [
                format!("Permintaan Anda {ticket} {order_id} TOPUP sudah di PICK UP oleh {name}"),
                format!("Permintaan Anda {ticket} {order_id} TOPUP sudah di RESOLVED oleh {name}"),
            ]
        );
    }
    app.finish().await;
}

/// A step whose write fails (here: by an account the database does not know) is refused
/// alone; the steps pressed with it are written.
async fn a_step_that_cannot_be_written_does_not_sink_the_others(backend: Backend) {
    use tangkap::{
        orders::workflow::{StepQueue, Transition, TransitionError},
        users::{self, User},
    };
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    for n in 0..3 {
        place_order(
            &app,
            group,
            &asker,
            &format!("/moban #SINK-{n} #TOPUP #uji"),
        )
        .await;
    }
    let staff = app.fake.user("Budi", None);
    register_staff(&app, &staff, "budi", "sandi-staf-1").await;
    let mut conn = app.db.pool().acquire().await.unwrap();
    let budi = users::find_by_telegram_id(&mut conn, staff.id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let unknown = User {
        id: budi.id + 1_000,
        name: "Tidak Ada".into(),
        username: "tidakada".into(),
        telegram_id: 1,
        // Sees every group, so the step reaches the database and fails there.
        role: tangkap::users::Role::Admin,
        state: tangkap::users::AccountState::Active,
    };
    let nos: Vec<i64> = app
        .rows("SELECT no FROM orders ORDER BY no")
        .await
        .into_iter()
        .map(|row| row[0].as_deref().unwrap().parse().unwrap())
        .collect();

    let steps = StepQueue::start(app.db.clone(), app.config.step_rules());
    let (first, refused, last) = tokio::join!(
        steps.apply(nos[0], Transition::Pickup, &budi),
        steps.apply(nos[1], Transition::Pickup, &unknown),
        steps.apply(nos[2], Transition::Pickup, &budi),
    );
    assert_eq!(first.unwrap().picked_by.as_deref(), Some("Budi"));
    assert_eq!(last.unwrap().picked_by.as_deref(), Some("Budi"));
    assert!(
        matches!(refused, Err(TransitionError::NotSaved)),
        "{refused:?}"
    );
    assert_eq!(
        app.rows("SELECT no, status FROM orders ORDER BY no").await,
        [(nos[0], "pickup"), (nos[1], "order"), (nos[2], "pickup")]
            .map(|(no, status)| vec![Some(no.to_string()), Some(status.to_owned())])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM order_events WHERE to_status = 'pickup'")
            .await,
        2,
        "only the written steps leave an audit event"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%PICK UP%'")
            .await,
        2,
        "only the written steps tell the group"
    );
    app.finish().await;
}

async fn browser_login_can_be_turned_off(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app_with(backend, |config| config.browser_login = false).await,
        "Joko",
        None,
        "joko",
        "sandi-joko-1",
    )
    .await;
    let api = Api::new(&app);
    let response = api.browser_login("joko", "sandi-joko-1").await;
    assert_refused(response, StatusCode::FORBIDDEN, "browser_login_disabled").await;
    let config: Value = api
        .call("GET", "/config", None, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["browser_login"], false);
    assert_eq!(
        api.telegram_login(&init_data_for(&staff, unix_now()), "sandi-joko-1")
            .await
            .status(),
        200
    );
    app.finish().await;
}

async fn start_offers_the_mini_app_and_feedback_1_links_the_ticket(backend: Backend) {
    let app = spawn_public_app(backend, |config| {
        config.miniapp_link = Some("https://t.me/tangkap_bot/app".into());
    })
    .await;
    let staff = app.fake.user("Wati", None);
    register_staff(&app, &staff, "wati", "sandi-wati-1").await;
    app.fake.send_private(&staff, "/start");
    let greeting = app.fake.wait_for_bot_messages(staff.id, 1, PATIENCE).await;
    assert!(
        greeting[0].text.contains("terdaftar sebagai wati"),
        "{}",
        greeting[0].text
    );
    let mini_app = format!("{}/", app.http_url());
    assert_eq!(
        greeting[0].buttons,
        vec![("Buka Tangkap".to_owned(), mini_app.clone())]
    );
    let menu_set = app.fake.wait_until(PATIENCE, |fake| {
        fake.menu_button(staff.id)
            .is_some_and(|b| b["type"] == "web_app" && b["web_app"]["url"] == mini_app.as_str())
    });
    assert!(
        menu_set.await,
        "menu button: {:?}",
        app.fake.menu_button(staff.id)
    );

    let group = app.fake.group("Operasional");
    let ticket = place_order(&app, group, &staff, "/moban #LINK-1 #TRX #tautan").await;
    let feedback = app.fake.bot_messages(group);
    assert_eq!(
        feedback[0].buttons,
        vec![(
            "Buka tiket".to_owned(),
            format!("https://t.me/tangkap_bot/app?startapp={ticket}")
        )]
    );

    let page = Client::new().get(&mini_app).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self' https://telegram.org"),
        "{csp}"
    );
    assert!(
        csp.contains("frame-ancestors 'self' https://web.telegram.org"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("<title>Tangkap</title>"));
    app.finish().await;
}

/// Right-to-left text, zero-width joiners, emoji and markup typed into a request and into
/// a staff name come back unchanged from the database, the API and both Feedbacks.
async fn unicode_and_markup_survive_every_hop(backend: Backend) {
    let (app, staff) = with_staff(
        spawn_app(backend).await,
        "<b>Budi</b> שלום 👩‍💼",
        None,
        "budi",
        "sandi-budi-1",
    )
    .await;
    let api = Api::new(&app);
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let (order_id, transaksi, keterangan) = (
        "INV‏-١٢٣",
        "مرحبا&<i>",
        "a\u{200D}b 👨‍👩‍👧 '; DROP TABLE orders;-- <script>x</script>",
    );
    let ticket = place_order(
        &app,
        group,
        &asker,
        &format!("/moban #{order_id} #{transaksi} #{keterangan}"),
    )
    .await;
    let feedback = app.fake.bot_messages(group);
    assert_eq!(
        feedback[0].text,
        format!("Permintaan Anda {order_id} {transaksi} sudah kami proses dengan no tiket {ticket}, silahkan tunggu")
    );

    let session = token_of(api.browser_login("budi", "sandi-budi-1").await).await;
    let page: Value = api
        .call("GET", "/orders", None, Some(&session), None)
        .await
        .json()
        .await
        .unwrap();
    let order = &page["orders"][0];
    assert_eq!(
        (
            order["order_id"].as_str(),
            order["transaksi"].as_str(),
            order["keterangan"].as_str()
        ),
        (Some(order_id), Some(transaksi), Some(keterangan))
    );
    let no = order["no"].as_i64().unwrap();
    assert_eq!(
        api.call(
            "POST",
            &format!("/orders/{no}/pickup"),
            None,
            Some(&session),
            None
        )
        .await
        .status(),
        200
    );
    let feedback = app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    assert_eq!(
        feedback[1].text,
        format!(
            "Permintaan Anda {ticket} {order_id} {transaksi} sudah di PICK UP oleh {}",
            staff.first_name
        )
    );
    app.finish().await;
}

/// Ticket `no` as `session` sees it, once `ready` holds for it (asked again every 50 ms,
/// for at most [`PATIENCE`]).
async fn ticket_once(
    app: &TestApp,
    session: &str,
    no: i64,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (status, ticket) =
            call(app, "GET", &format!("/orders/{no}"), Some(session), None).await;
        assert_eq!(status, StatusCode::OK, "{ticket}");
        if ready(&ticket) || tokio::time::Instant::now() > deadline {
            return ticket;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Each timeline event told shortly: its kind, which message and how it was delivered,
/// who, and the reason or text.
fn timeline(ticket: &Value) -> Vec<String> {
    ticket["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| {
            let mut told = event["kind"].as_str().unwrap().to_owned();
            for field in ["message", "to", "by", "reason", "text"] {
                if let Some(value) = event[field].as_str() {
                    told.push_str(&format!(" {field}={value}"));
                }
            }
            if let Some(state) = event["delivery"]["state"].as_str() {
                told.push_str(&format!(" delivery={state}"));
            }
            told
        })
        .collect()
}

fn every_message_delivered(ticket: &Value) -> bool {
    ticket["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message")
        .all(|e| e["delivery"]["state"] != "queued")
}

/// A ticket's page: created, Feedback 1, Pickup, Feedback 2, Close, Feedback 3, a note,
/// the reopen with its reason and the message saying so, in that order, each message with
/// its delivery; the reopen message is a reply to the request and the ticket is timed
/// anew; a message to a group the bot was removed from shows Telegram's refusal; a
/// reminder shows whom it went to.
async fn a_tickets_timeline_tells_each_step_note_reopen_and_whether_the_group_was_told(
    backend: Backend,
) {
    let (app, _admin) = with_staff(
        spawn_app(backend).await,
        "Budi Santoso",
        Some("budi_tg"),
        "budi",
        "rahasia-123",
    )
    .await;
    let session = log_in(&app, "budi", "rahasia-123").await;
    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let ticket = place_order(
        &app,
        group,
        &asker,
        "/moban #TL-1 #TOPUP #Saldo belum masuk",
    )
    .await;
    let request = request_message_id(&app, group, "TL-1");
    let no = app.order_no(&ticket).await;
    pickup_and_close(&app, no, &session).await;
    let note_text = "Sudah dicek ke bank, <i>tunggu</i> 1×24 jam 🙏";
    let (status, note) = call(
        &app,
        "POST",
        &format!("/orders/{no}/notes"),
        Some(&session),
        Some(json!({ "text": format!("  {note_text}\n") })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!(note["text"], note_text, "trimmed, markup kept as text");
    assert_eq!(note["author"], "Budi Santoso (@budi)");
    let reason = "Saldo masih <b>belum</b> masuk & nasabah komplain";
    let (status, reopened) = call(
        &app,
        "POST",
        &format!("/orders/{no}/reopen"),
        Some(&session),
        Some(json!({ "reason": reason })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reopened}");
    assert_eq!(reopened["status"], "order");
    assert_eq!(
        (
            &reopened["picked_by"],
            &reopened["closed_by"],
            &reopened["close_due_at"]
        ),
        (&Value::Null, &Value::Null, &Value::Null),
        "back to Order: nobody has it"
    );

    // The group hears it as a reply to the request, with the reason as typed.
    let told = app.fake.wait_for_bot_messages(group, 4, PATIENCE).await;
    let texts: Vec<&str> = told.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts.len(),
        4,
        "Feedback 1, 2, 3 and the reopen; never the note: {texts:#?}"
    );
    assert_eq!(
        told[3].text,
        format!("Permintaan Anda {ticket} TL-1 TOPUP dibuka kembali oleh Budi Santoso: {reason}")
    );
    assert_eq!(told[3].reply_to, Some(request));
    assert!(told[3]
        .html
        .as_deref()
        .unwrap_or_default()
        .contains("&lt;b&gt;belum"));

    let page = ticket_once(&app, &session, no, every_message_delivered).await;
    let by = "by=Budi Santoso (@budi)";
    let sent = "to=Operasional delivery=sent";
    assert_eq!(
        timeline(&page),
        [
            "created by=Siti".to_owned(),
            format!("message message=feedback_1 {sent}"),
            format!("picked_up {by}"),
            format!("message message=feedback_2 {sent}"),
            format!("closed {by}"),
            format!("message message=feedback_3 {sent}"),
            format!("note {by} text={note_text}"),
            format!("reopened {by} reason={reason}"),
            format!("message message=reopened {sent}"),
        ]
    );
    let times: Vec<i64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(page["events"][1]["delivery"]["sent_at"].as_i64().unwrap() >= times[1]);
    assert_eq!(page["notes"], json!([note]));
    assert_eq!(page["may_reopen"], false, "open again");
    assert_eq!(page["ticket_no"], ticket.as_str());
    assert_eq!(page["group_title"], "Operasional");

    // Timed anew from the reopen, with the Pickup reminders set and no Close ones.
    assert_eq!(
        app.count(&format!(
            "SELECT pickup_due_at - reopened_at FROM orders WHERE no = {no}"
        ))
        .await,
        30 * 60 * 1000,
        "the default Pickup target, from the reopen"
    );
    assert_eq!(
        app.rows(&format!(
            "SELECT kind FROM timers WHERE entity = {no} ORDER BY kind"
        ))
        .await,
        [["pickup_breach"], ["pickup_warning"]].map(|r| r.map(|k| Some(k.to_owned())))
    );
    let (_, order_page) = call(&app, "GET", "/orders?status=order", Some(&session), None).await;
    assert_eq!(
        order_page["orders"][0]["ticket_no"],
        ticket.as_str(),
        "{order_page}"
    );

    // A group the bot was removed from: Feedback 2 is refused for good, and the page says
    // why, in Telegram's words.
    let gone = app.fake.group("Grup Lama");
    let lost = place_order(&app, gone, &asker, "/moban #TL-2 #RETUR #bot dikeluarkan").await;
    let lost_no = app.order_no(&lost).await;
    app.fake.kick_bot(gone);
    let (status, _) = call(
        &app,
        "POST",
        &format!("/orders/{lost_no}/pickup"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = ticket_once(&app, &session, lost_no, every_message_delivered).await;
    let feedback_2 = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "feedback_2")
        .unwrap_or_else(|| panic!("{page}"))
        .clone();
    assert_eq!(feedback_2["delivery"]["state"], "failed", "{feedback_2}");
    assert!(
        feedback_2["delivery"]["error"]
            .as_str()
            .unwrap()
            .contains("Forbidden: bot was kicked from the supergroup chat"),
        "{feedback_2}"
    );
    assert_eq!(
        page["events"][1]["delivery"]["state"], "sent",
        "Feedback 1 went before"
    );

    // A ticket past its Pickup target: the reminder to the leaders is on its timeline,
    // with whom it went to and its delivery.
    let hurry = app.fake.group("Kilat");
    let late = place_order(&app, hurry, &asker, "/moban #TL-3 #TRX #mendesak").await;
    let late_no = app.order_no(&late).await;
    let (status, body) = call(
        &app,
        "PUT",
        &format!("/groups/{hurry}/settings"),
        Some(&session),
        Some(json!({ "pickup": "1s", "close": null, "hours": [], "zone": "WIB" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page = ticket_once(&app, &session, late_no, |page| {
        every_message_delivered(page)
            && timeline(page)
                .iter()
                .any(|e| e.starts_with("reminder") && e.ends_with("delivery=sent"))
    })
    .await;
    assert_eq!(
        timeline(&page),
        [
            "created by=Siti",
            "message message=feedback_1 to=Kilat delivery=sent",
            "reminder message=pickup_breach to=Budi Santoso (@budi) delivery=sent",
        ]
    );
    app.finish().await;
}

/// Who may do what on a ticket's page: another group's staff find nothing (404, as for a
/// ticket that does not exist); the group's own staff read it and add notes (every
/// hostile text refused or kept as text, nothing sent to the group) but may not reopen
/// (403); an admin reopens only a closed ticket (409 otherwise); of two admins reopening
/// at once one wins; a Pickup racing a reopen leaves one story.
async fn notes_and_reopen_obey_who_may_see_and_do_what(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = (app.fake.group("Grup A"), app.fake.group("Grup B"));
    let asker = app.fake.user("Penanya", None);
    let ticket = place_order(&app, a, &asker, "/moban #AC-1 #TOPUP #dari A").await;
    let no = app.order_no(&ticket).await;
    let mut sessions = HashMap::new();
    for (name, username, role, group) in [
        ("Ani Admin", "ani", Role::Admin, None),
        ("Oki Owner", "oki", Role::Owner, None),
        ("Sam Staf", "sam", Role::Staff, Some(a)),
        ("Tia Staf", "tia", Role::Staff, Some(b)),
    ] {
        let user = app.fake.user(name, None);
        register_account(
            &app,
            &user,
            username,
            "sandi-rahasia-1",
            role,
            AccountState::Active,
        )
        .await;
        if let Some(group) = group {
            app.fake
                .set_member_status(group, &user, MemberStatus::Member);
        }
        sessions.insert(username, log_in(&app, username, "sandi-rahasia-1").await);
    }
    let (ani, oki, sam, tia) = (
        &sessions["ani"],
        &sessions["oki"],
        &sessions["sam"],
        &sessions["tia"],
    );
    let post_in = |language: Option<&'static str>, session: &str, path: String, body: Value| {
        let session = session.to_owned();
        let app = &app;
        async move { call_in(app, language, "POST", &path, Some(&session), Some(body)).await }
    };
    let post = |session: &str, path: String, body: Value| post_in(None, session, path, body);

    // Staff of another group: the same 404 as a ticket that does not exist, however the
    // request is dressed.
    let missing = no + 1_000;
    for target in [no, missing] {
        let (status, body) = call(&app, "GET", &format!("/orders/{target}"), Some(tia), None).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::NOT_FOUND, &json!("not_found")),
            "{body}"
        );
        for (path, body) in [
            (
                format!("/orders/{target}/notes"),
                json!({ "text": "mengintip" }),
            ),
            (format!("/orders/{target}/notes"), json!({ "text": "" })),
            (
                format!("/orders/{target}/reopen"),
                json!({ "reason": "coba" }),
            ),
            (format!("/orders/{target}/reopen"), json!({ "reason": "" })),
        ] {
            let (status, answer) = post(tia, path.clone(), body).await;
            assert_eq!(
                (status, answer["message"].as_str()),
                (StatusCode::NOT_FOUND, Some("Order tidak ditemukan.")),
                "{path}: {answer}"
            );
        }
    }

    // The group's own staff: notes, every hostile one refused with the reason (in the
    // language asked for) or kept as typed; the group hears nothing of them.
    let queued = app.count("SELECT COUNT(*) FROM outbox").await;
    let notes_path = format!("/orders/{no}/notes");
    for (text, indonesian, english) in [
        (
            json!(""),
            "Catatan tidak boleh kosong.",
            "The note must not be empty.",
        ),
        (json!(" \n\t "), "tidak boleh kosong", "must not be empty"),
        (
            json!("x".repeat(2001)),
            "Catatan terlalu panjang: paling banyak 2000 karakter (sekarang 2001).",
            "The note is too long: at most 2000 characters (2001 now).",
        ),
        (json!("a\u{0}b"), "karakter kontrol", "control characters"),
        (
            json!(42),
            "tidak lengkap atau rusak",
            "incomplete or broken",
        ),
    ] {
        for (language, expected) in [(None, indonesian), (Some("en"), english)] {
            let body = json!({ "text": text });
            let (status, answer) = post_in(language, sam, notes_path.clone(), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
            assert!(
                answer["message"].as_str().unwrap().contains(expected),
                "{answer}"
            );
        }
    }
    let (status, _) = post(sam, notes_path.clone(), json!({ "teks": "salah nama" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let not_json = Client::new()
        .post(format!("{}/api{notes_path}", app.http_url()))
        .header("X-Session-Token", sam.as_str())
        .body("text=hello")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let hostile = [
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
        "'; DROP TABLE order_notes; --",
        "\u{202e}مرحبا\u{200b} 👩‍💼 a\u{200D}b",
        &"é".repeat(2000),
    ];
    for text in hostile {
        let (status, note) = post(sam, notes_path.clone(), json!({ "text": text })).await;
        assert_eq!(
            (status, note["text"].as_str()),
            (StatusCode::OK, Some(text))
        );
        assert_eq!(note["author"], "Sam Staf (@sam)");
    }
    let (status, page) = call(&app, "GET", &format!("/orders/{no}"), Some(sam), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let kept: Vec<&str> = page["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert_eq!(kept, hostile);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        queued,
        "notes are never sent"
    );

    // Reopen: only a closed ticket, only by owners and admins, only with a reason.
    let reopen_path = format!("/orders/{no}/reopen");
    for (language, expected) in [
        (
            None,
            "Tiket ini tidak berstatus Close (sekarang Order), jadi tidak bisa dibuka kembali.",
        ),
        (
            Some("en"),
            "This ticket is not closed (it is Order now), so it cannot be reopened.",
        ),
    ] {
        let reason = json!({ "reason": "belum beres" });
        let (status, answer) = post_in(language, ani, reopen_path.clone(), reason).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert_eq!(answer["message"], expected);
    }
    pickup_and_close(&app, no, sam).await;
    for (session, may) in [(sam, false), (ani, true), (oki, true)] {
        let (_, page) = call(&app, "GET", &format!("/orders/{no}"), Some(session), None).await;
        assert_eq!(page["may_reopen"], may, "{page}");
    }
    for (language, expected) in [
        (
            None,
            "Hanya owner dan admin yang bisa membuka kembali tiket.",
        ),
        (Some("en"), "Only owners and admins can reopen a ticket."),
    ] {
        let reason = json!({ "reason": "saya mau buka" });
        let (status, answer) = post_in(language, sam, reopen_path.clone(), reason).await;
        assert_eq!(
            (status, &answer["error"], &answer["message"]),
            (StatusCode::FORBIDDEN, &json!("forbidden"), &json!(expected)),
        );
    }
    for (reason, indonesian, english) in [
        (
            json!("   "),
            "Alasan tidak boleh kosong.",
            "The reason must not be empty.",
        ),
        (
            json!("x".repeat(501)),
            "paling banyak 500 karakter",
            "at most 500 characters",
        ),
    ] {
        for (language, expected) in [(None, indonesian), (Some("en"), english)] {
            let body = json!({ "reason": reason });
            let (status, answer) = post_in(language, ani, reopen_path.clone(), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
            assert!(
                answer["message"].as_str().unwrap().contains(expected),
                "{answer}"
            );
        }
    }
    let (status, _) = post(ani, reopen_path.clone(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reason is required");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM orders WHERE no = {no} AND status = 'close'"
        ))
        .await,
        1,
        "nothing refused moved it"
    );

    // Two admins at once: one reopens, the other is told it is not closed any more.
    let (first, second) = tokio::join!(
        post(ani, reopen_path.clone(), json!({ "reason": "dari Ani" })),
        post(oki, reopen_path.clone(), json!({ "reason": "dari Oki" })),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{first:?} {second:?}"
    );
    let loser = if first.0 == StatusCode::CONFLICT {
        &first.1
    } else {
        &second.1
    };
    assert!(
        loser["message"]
            .as_str()
            .unwrap()
            .contains("sekarang Order"),
        "{loser}"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM order_events WHERE order_no = {no} AND from_status = 'close'"
        ))
        .await,
        1
    );

    // A Pickup racing a reopen: the reopen (of a closed ticket) always wins; the Pickup
    // either came first and found it closed (told so, or, once the reopen is in, that the
    // ticket was just reopened), or came after and took it. Either way the
    // ticket stands where its last event left it, and the group heard each step once.
    pickup_and_close(&app, no, sam).await;
    let pickup_path = format!("/orders/{no}/pickup");
    let (reopen, pickup) = tokio::join!(
        post(oki, reopen_path.clone(), json!({ "reason": "lagi" })),
        call(&app, "POST", &pickup_path, Some(sam), None),
    );
    assert_eq!(reopen.0, StatusCode::OK, "{reopen:?}");
    let expected_status = match pickup.0 {
        StatusCode::OK => "pickup",
        StatusCode::CONFLICT => {
            assert!(
                ["sudah di-close", "baru saja dibuka kembali"]
                    .iter()
                    .any(|said| pickup.1["message"].as_str().unwrap().contains(said)),
                "{pickup:?}"
            );
            "order"
        }
        other => panic!("{other}: {pickup:?}"),
    };
    let last_event = app
        .rows(&format!(
            "SELECT to_status FROM order_events WHERE order_no = {no} ORDER BY id DESC LIMIT 1"
        ))
        .await;
    let status_now = app
        .rows(&format!("SELECT status FROM orders WHERE no = {no}"))
        .await;
    assert_eq!(status_now, [[Some(expected_status.to_owned())]]);
    assert_eq!(last_event, status_now);
    let events = app
        .count(&format!(
            "SELECT COUNT(*) FROM order_events WHERE order_no = {no}"
        ))
        .await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM outbox WHERE about LIKE 'order:{no}:%'"
        ))
        .await,
        events,
        "each step (the request's included) told the group once"
    );
    // The reopen messages are replies to the request.
    let request = request_message_id(&app, a, "AC-1");
    assert!(
        app.fake
            .wait_until(PATIENCE, |fake| {
                fake.bot_messages(a)
                    .iter()
                    .filter(|m| m.text.contains("dibuka kembali") && m.reply_to == Some(request))
                    .count()
                    == 2
            })
            .await,
        "{:#?}",
        app.fake.bot_messages(a)
    );
    app.finish().await;
}

/// A Mini App Pickup asks no confirmation: for `TANGKAP_PICKUP_UNDO` (2 s here) its presser
/// alone may take it back, and the group hears of it (Feedback 2) only after, or before a
/// Close made meanwhile; an undone Pickup is never told, and the ticket waits for Pickup
/// with its reminders as before.
async fn a_pickup_is_undone_by_its_presser_until_the_group_is_told(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.pickup_undo = std::time::Duration::from_secs(2);
    })
    .await;
    let budi = app.fake.user("Budi Santoso", Some("budi_tg"));
    register_staff(&app, &budi, "budi", "rahasia-123").await;
    let sari = app.fake.user("Sari", None);
    register_staff(&app, &sari, "sari", "rahasia-456").await;
    let budi_session = log_in(&app, "budi", "rahasia-123").await;
    let sari_session = log_in(&app, "sari", "rahasia-456").await;
    let (status, config) = call(&app, "GET", "/config", None, None).await;
    assert_eq!(
        (status, &config["pickup_undo_ms"]),
        (StatusCode::OK, &json!(2000))
    );

    let group = app.fake.group("Operasional");
    let asker = app.fake.user("Siti", None);
    let mut nos = Vec::new();
    for order_id in ["UN-1", "UN-2", "UN-3"] {
        let ticket = place_order(
            &app,
            group,
            &asker,
            &format!("/moban #{order_id} #TOPUP #x"),
        )
        .await;
        nos.push((app.order_no(&ticket).await, ticket));
    }
    app.fake.wait_for_bot_messages(group, 3, PATIENCE).await;
    let undo = |no: i64| format!("/orders/{no}/pickup/undo");
    let pickup = |no: i64| format!("/orders/{no}/pickup");
    let breach_timers = |no: i64| {
        format!("SELECT COUNT(*) FROM timers WHERE kind = 'pickup_breach' AND entity = {no}")
    };

    // UN-1: picked up by Budi; Sari may not take it back; Budi does, in time.
    let (no, ticket) = &nos[0];
    let (status, body) = call(&app, "POST", &pickup(*no), Some(&budi_session), None).await;
    assert_eq!(
        (status, &body["status"]),
        (StatusCode::OK, &json!("pickup"))
    );
    assert_eq!(
        app.count(&breach_timers(*no)).await,
        0,
        "picked up: no Pickup reminder"
    );
    let (status, body) = call(&app, "POST", &undo(*no), Some(&sari_session), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "not Sari's Pickup: {body}");
    let (status, body) = call(&app, "POST", &undo(*no), Some(&budi_session), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["status"], &body["picked_by"], &body["close_due_at"]),
        (&json!("order"), &Value::Null, &Value::Null),
        "back on Order, nobody has it"
    );
    assert_eq!(
        app.count(&breach_timers(*no)).await,
        1,
        "its Pickup reminder is back"
    );
    let (status, body) = call(&app, "POST", &undo(*no), Some(&budi_session), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "undone once: {body}");

    // UN-2: picked up and left: the group is told once the 2 s are over, then it stays.
    let (no2, ticket2) = &nos[1];
    let (status, _) = call(&app, "POST", &pickup(*no2), Some(&budi_session), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.fake.bot_messages(group).len(),
        3,
        "not told during the undo time"
    );
    let told = app.fake.wait_for_bot_messages(group, 4, PATIENCE).await;
    assert_eq!(
        told[3].text,
        format!("Permintaan Anda {ticket2} UN-2 TOPUP sudah di PICK UP oleh Budi Santoso")
    );
    let (status, body) = call(&app, "POST", &undo(*no2), Some(&budi_session), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "the group was told: {body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("tidak bisa dibatalkan"),
        "{body}"
    );

    // UN-3: closed within the undo time: the group hears the Pickup, then the Close.
    let (no3, ticket3) = &nos[2];
    pickup_and_close(&app, *no3, &budi_session).await;
    let told = app.fake.wait_for_bot_messages(group, 6, PATIENCE).await;
    let texts: Vec<&str> = told[4..].iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            format!("Permintaan Anda {ticket3} UN-3 TOPUP sudah di PICK UP oleh Budi Santoso"),
            format!("Permintaan Anda {ticket3} UN-3 TOPUP sudah di RESOLVED oleh Budi Santoso"),
        ]
    );

    // The undone Pickup was never told, however long one waits past its time; its
    // timeline says who took it back.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let all: Vec<String> = app
        .fake
        .bot_messages(group)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(
        !all.iter()
            .any(|text| text.contains(ticket.as_str()) && text.contains("PICK UP")),
        "{all:#?}"
    );
    assert_eq!(all.len(), 6, "{all:#?}");
    let (status, page) = call(
        &app,
        "GET",
        &format!("/orders/{no}"),
        Some(&budi_session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "message", "picked_up", "pickup_undone"]);
    assert_eq!(page["events"][3]["by"], "Budi Santoso (@budi)");
    app.finish().await;
}

/// A board for search, filters and export: an admin (`budi`) and a staff member of group
/// A only (`sam`); A in WIB, B in WIT. The sessions, the groups and the tickets of
/// [`ticket_texts`], in that order.
struct Board {
    app: TestApp,
    admin: String,
    staff: String,
    a: i64,
    b: i64,
    tickets: Vec<String>,
}

/// `(group is B, requester, /moban)` of the board's tickets.
fn ticket_texts() -> [(bool, &'static str, &'static str); 4] {
    [
        (
            false,
            "José Álvarez",
            "/moban #INV-100 #TOPUP #Saldo belum masuk 日本語",
        ),
        (
            false,
            "Siti",
            "/moban #=HYPERLINK(\"http://x\") #Retur #+62 812, \"kutip\"\nbaris dua",
        ),
        (false, "Siti", "/moban #@SUM(A1) #-DANA #-5000"),
        (true, "Rahmat", "/moban #INV-200 #dana #rahasia grup B"),
    ]
}

async fn board(backend: Backend) -> Board {
    let (app, _) = with_staff(
        spawn_app(backend).await,
        "Budi",
        None,
        "budi",
        "rahasia-123",
    )
    .await;
    let admin = log_in(&app, "budi", "rahasia-123").await;
    let (a, b) = (app.fake.group("Grup A"), app.fake.group("Grup B"));
    let mut tickets = Vec::new();
    for (in_b, requester, text) in ticket_texts() {
        let asker = app.fake.user(requester, None);
        tickets.push(place_order(&app, if in_b { b } else { a }, &asker, text).await);
    }
    let sam = app.fake.user("Sam", None);
    register_account(
        &app,
        &sam,
        "sam",
        "rahasia-123",
        Role::Staff,
        AccountState::Active,
    )
    .await;
    app.fake.set_member_status(a, &sam, MemberStatus::Member);
    let staff = log_in(&app, "sam", "rahasia-123").await;
    let zone = json!({ "pickup": null, "close": null, "hours": [], "zone": "WIT" });
    let (status, body) = call(
        &app,
        "PUT",
        &format!("/groups/{b}/settings"),
        Some(&admin),
        Some(zone),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Board {
        app,
        admin,
        staff,
        a,
        b,
        tickets,
    }
}

impl Board {
    /// The tickets `GET /api/orders?{query}` lists for `session`, in order, or the error.
    async fn listed(&self, session: &str, query: &str) -> Result<Vec<String>, Value> {
        let (status, body) = call(
            &self.app,
            "GET",
            &format!("/orders?{query}"),
            Some(session),
            None,
        )
        .await;
        if status != StatusCode::OK {
            return Err(body);
        }
        Ok(body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["ticket_no"].as_str().unwrap().to_owned())
            .collect())
    }

    /// The tickets whose Order_ID, ticket, Transaksi, Keterangan or requester holds
    /// `q`, as the admin's search finds them (on the Order page, newest first).
    async fn found(&self, q: &str) -> Vec<String> {
        let query = format!("status=order&q={}", urlencode(q));
        self.listed(&self.admin, &query).await.unwrap()
    }

    /// What the admin's list shows for `query`.
    async fn filtered(&self, query: &str) -> Result<Vec<String>, Value> {
        self.listed(&self.admin, query).await
    }

    fn tickets(&self, indexes: &[usize]) -> Vec<String> {
        indexes.iter().map(|&i| self.tickets[i].clone()).collect()
    }

    /// A GET with the admin's or staff's session: status, headers and body.
    async fn download(
        &self,
        session: &str,
        path: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = Client::new()
            .get(format!("{}/api{path}", self.app.http_url()))
            .header("X-Session-Token", session)
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()[2..].to_owned()
}

async fn search_and_filters_find_what_the_asker_may_see(backend: Backend) {
    let board = board(backend).await;
    let newest_first = |mut t: Vec<String>| {
        t.reverse();
        t
    };
    // Each field, in any case and with or without accents, whole or in part.
    for (q, expected) in [
        ("inv-1", vec![0]),
        ("NV-10", vec![0]),
        ("topup", vec![0]),
        ("retur", vec![1]),
        ("SALDO", vec![0]),
        ("belum mas", vec![0]),
        ("jose", vec![0]),
        ("ÁLVAR", vec![0]),
        ("álvarez", vec![0]),
        ("siti", vec![1, 2]),
        ("日本語", vec![0]),
        ("日本", vec![0]),
        ("baris dua", vec![1]),
        ("\"kutip\"", vec![1]),
        ("\"", vec![1]),
        ("-5000", vec![2]),
        // Shorter than a trigram: read row by row, still found.
        ("jo", vec![0]),
        ("Tí", vec![1, 2]),
    ] {
        assert_eq!(
            board.found(q).await,
            newest_first(board.tickets(&expected)),
            "{q}"
        );
    }
    let ticket = &board.tickets[1];
    assert_eq!(
        board.found(&ticket.to_lowercase()).await,
        board.tickets(&[1])
    );
    assert_eq!(
        board.found(&ticket[2..]).await,
        board.tickets(&[1]),
        "part of a ticket"
    );
    // Nothing, and hostile text taken literally: no error, nothing found.
    for q in [
        "tidak-ada",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\"x\"y",
        "inv* OR x",
        "NEAR(inv topup)",
        "中文",
        "🙂🙂🙂",
        "ab\0c",
        &"x".repeat(64),
    ] {
        assert_eq!(board.found(q).await, Vec::<String>::new(), "{q}");
    }
    assert_eq!(
        board.found("\0\u{1}\u{7f}").await,
        board.tickets(&[0, 1, 2, 3]),
        "control characters alone are an empty search"
    );
    assert_eq!(
        board.found("  ").await,
        board.tickets(&[0, 1, 2, 3]),
        "an empty search lists all, most urgent first"
    );
    let too_long = format!("status=order&q={}", "x".repeat(65));
    let refused = board.listed(&board.admin, &too_long).await.unwrap_err();
    assert_eq!(refused["error"], "bad_request", "{refused}");

    // A staff member finds nothing of another group's, by any field or its ticket.
    for q in ["rahasia", "rahmat", "inv-200", board.tickets[3].as_str()] {
        let query = format!("status=order&q={}", urlencode(q));
        assert_eq!(
            board.listed(&board.staff, &query).await.unwrap(),
            Vec::<String>::new(),
            "{q}"
        );
    }
    let query = "status=order&q=inv";
    assert_eq!(
        board.listed(&board.staff, query).await.unwrap(),
        board.tickets(&[0])
    );

    // Transaksi: whole, in any case; with the search, the group and the sort.
    assert_eq!(
        board.filtered("status=order&transaksi=DANA").await.unwrap(),
        board.tickets(&[3])
    );
    assert_eq!(
        board
            .filtered("status=order&transaksi=-dana")
            .await
            .unwrap(),
        board.tickets(&[2])
    );
    assert_eq!(
        board
            .filtered("status=order&transaksi=%00DANA%0A")
            .await
            .unwrap(),
        board.tickets(&[3]),
        "control characters are no part of a Transaksi"
    );
    assert_eq!(
        board.filtered("status=order&transaksi=dan").await.unwrap(),
        Vec::<String>::new()
    );
    let with_group = format!("status=order&transaksi=dana&group={}", board.a);
    assert_eq!(
        board.filtered(&with_group).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        board
            .filtered("status=order&q=siti&sort=oldest")
            .await
            .unwrap(),
        board.tickets(&[1, 2])
    );
    assert_eq!(
        board
            .listed(&board.staff, "status=order&transaksi=dana")
            .await
            .unwrap(),
        Vec::<String>::new()
    );

    // Days, in each group's zone: each ticket is on its own local day and not the next.
    let (_, page) = call(
        &board.app,
        "GET",
        "/orders?status=order",
        Some(&board.admin),
        None,
    )
    .await;
    for order in page["orders"].as_array().unwrap() {
        let in_b = order["chat_id"].as_i64() == Some(board.b);
        let day = local_day(
            order["created_at"].as_i64().unwrap(),
            if in_b { 9 } else { 7 },
        );
        let ticket = order["ticket_no"].as_str().unwrap().to_owned();
        let on = board
            .filtered(&format!("status=order&from={day}&to={day}"))
            .await
            .unwrap();
        assert!(on.contains(&ticket), "{ticket} on {day}: {on:?}");
        let next = day.next_day().unwrap();
        let after = board
            .filtered(&format!("status=order&from={next}"))
            .await
            .unwrap();
        assert!(!after.contains(&ticket), "{ticket} after {day}: {after:?}");
        let before = board
            .filtered(&format!("status=order&to={}", day.previous_day().unwrap()))
            .await
            .unwrap();
        assert!(
            !before.contains(&ticket),
            "{ticket} before {day}: {before:?}"
        );
    }

    // Bad filters are refused, saying why in both languages.
    for query in [
        "from=2026-13-01",
        "from=2026-02-30",
        "to=26-01-01",
        "from=2026-1-5",
        "from=kemarin",
        "from=2026-01-01T00:00",
        "from=2026-02-02&to=2026-02-01",
        "group=abc",
        "sort=random",
    ] {
        let refused = board
            .filtered(&format!("status=order&{query}"))
            .await
            .unwrap_err();
        assert_eq!(refused["error"], "bad_request", "{query}: {refused}");
    }
    let backwards = "/orders?status=order&from=2026-02-02&to=2026-02-01";
    for (language, expected) in [
        (
            None,
            "Tanggal awal (from) jatuh setelah tanggal akhir (to).",
        ),
        (Some("en"), "The from date is after the to date."),
    ] {
        let (status, refused) = call_in(
            &board.app,
            language,
            "GET",
            backwards,
            Some(&board.admin),
            None,
        )
        .await;
        assert_eq!(
            (status, &refused["message"]),
            (StatusCode::BAD_REQUEST, &json!(expected))
        );
    }
    let refused = board
        .filtered(&format!("status=order&transaksi={}", "x".repeat(65)))
        .await
        .unwrap_err();
    assert_eq!(refused["error"], "bad_request");
    board.app.finish().await;
}

/// The day `ms` (Unix ms) falls on, `hours` ahead of UTC.
fn local_day(ms: i64, hours: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp((ms + hours * 3_600_000).div_euclid(1000))
        .unwrap()
        .date()
}

/// `ms` as the export writes it, `hours` ahead of UTC in `zone`.
fn local_time(ms: i64, hours: i64, zone: &str) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp((ms + hours * 3_600_000).div_euclid(1000))
        .unwrap();
    format!(
        "{} {:02}:{:02}:{:02} {zone}",
        at.date(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

impl Board {
    /// The tabs' counts `GET /api/summary?{query}` gives `session`, as `[order, pickup, close]`.
    async fn counted(&self, session: &str, query: &str) -> [i64; 3] {
        let (status, body) = call(
            &self.app,
            "GET",
            &format!("/summary?{query}"),
            Some(session),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        ["order", "pickup", "close"].map(|tab| body["counts"][tab].as_i64().unwrap())
    }
}

/// The tabs count what the board is narrowed to (search, group, Transaksi, days, late),
/// and a search that misses on one page finds the ticket on another with `status=all`.
async fn tab_counts_follow_the_filters_and_a_search_reaches_every_status(backend: Backend) {
    let board = board(backend).await;
    let app = &board.app;
    // Siti's first request picked up, her second closed; the other two still Order.
    let no = |i: usize| app.order_no(&board.tickets[i]);
    let path = format!("/orders/{}/pickup", no(1).await);
    let (status, body) = call(app, "POST", &path, Some(&board.admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    pickup_and_close(app, no(2).await, &board.admin).await;

    let (admin, staff) = (board.admin.as_str(), board.staff.as_str());
    assert_eq!(
        board.counted(admin, "").await,
        [2, 1, 1],
        "nothing narrowed"
    );
    // Each answer tells the asker's role as it is now: an open page notices a change.
    for (session, role) in [(admin, "admin"), (staff, "staff")] {
        let (_, body) = call(app, "GET", "/summary", Some(session), None).await;
        assert_eq!(body["role"], role, "{body}");
    }
    assert_eq!(board.counted(admin, "q=siti").await, [0, 1, 1]);
    assert_eq!(board.counted(admin, "q=SALDO").await, [1, 0, 0]);
    assert_eq!(board.counted(admin, "q=tidak-ada").await, [0, 0, 0]);
    assert_eq!(board.counted(admin, "transaksi=dana").await, [1, 0, 0]);
    assert_eq!(
        board.counted(admin, &format!("group={}", board.b)).await,
        [1, 0, 0]
    );
    let today = time::OffsetDateTime::now_utc().date();
    // A day either side: each group's zone may already be in the next day.
    let day = |n: i64| today.checked_add(time::Duration::days(n)).unwrap();
    let (yesterday, tomorrow) = (day(-1), day(1));
    assert_eq!(
        board
            .counted(admin, &format!("from={yesterday}&to={tomorrow}"))
            .await,
        [2, 1, 1],
        "every ticket came today"
    );
    assert_eq!(
        board.counted(admin, &format!("from={}", day(2))).await,
        [0, 0, 0]
    );
    // Only what the asker may see: Sam is in group A alone.
    assert_eq!(board.counted(staff, "").await, [1, 1, 1]);
    assert_eq!(board.counted(staff, "transaksi=dana").await, [0, 0, 0]);
    // Bad filters are refused as the list refuses them.
    for query in [
        "from=2026-13-01",
        "late=2",
        &format!("q={}", "x".repeat(65)),
    ] {
        let (status, body) =
            call(app, "GET", &format!("/summary?{query}"), Some(admin), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }

    // Group B's Pickup target of a second makes INV-200 late; late=1 counts it alone.
    let target = json!({ "pickup": "1s", "close": null, "hours": [], "zone": "WIT" });
    let path = format!("/groups/{}/settings", board.b);
    let (status, body) = call(app, "PUT", &path, Some(admin), Some(target)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(board.counted(admin, "late=1").await, [1, 0, 0]);
    assert_eq!(board.counted(admin, "late=1&q=saldo").await, [0, 0, 0]);
    assert_eq!(board.counted(staff, "late=1").await, [0, 0, 0]);

    // The closed ticket is not on the Order page; every status holds it, newest first.
    let query = format!("q={}", urlencode("-5000"));
    assert_eq!(
        board
            .filtered(&format!("status=order&{query}"))
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        board
            .filtered(&format!("status=all&{query}"))
            .await
            .unwrap(),
        board.tickets(&[2])
    );
    assert_eq!(
        board.filtered("status=all&q=siti").await.unwrap(),
        board.tickets(&[2, 1])
    );
    // Its ticket number, typed whole, too.
    let ticket = format!("status=all&q={}", board.tickets[2].to_lowercase());
    assert_eq!(board.filtered(&ticket).await.unwrap(), board.tickets(&[2]));
    // Paged newest first across the statuses, within what the asker may see.
    let (status, first) = call(app, "GET", "/orders?status=all&limit=2", Some(admin), None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["has_more"], true);
    let rest = format!(
        "status=all&limit=2&after={}",
        first["next"].as_str().unwrap()
    );
    let pages: Vec<String> = first["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ticket_no"].as_str().unwrap().to_owned())
        .chain(board.filtered(&rest).await.unwrap())
        .collect();
    assert_eq!(pages, board.tickets(&[3, 2, 1, 0]));
    assert_eq!(
        board.listed(staff, "status=all&q=inv").await.unwrap(),
        board.tickets(&[0])
    );
    for query in [
        "status=all&sort=urgent",
        "status=all&late=1",
        "status=every",
    ] {
        let refused = board.filtered(query).await.unwrap_err();
        assert_eq!(refused["error"], "bad_request", "{query}: {refused}");
    }
    board.app.finish().await;
}

async fn exports_hold_the_filtered_tickets_row_by_row(backend: Backend) {
    let board = board(backend).await;
    // One ticket picked up, so its pickup columns are filled.
    let (_, page) = call(
        &board.app,
        "GET",
        "/orders?status=order&sort=oldest",
        Some(&board.admin),
        None,
    )
    .await;
    let orders: Vec<Value> = page["orders"].as_array().unwrap().clone();
    let first = orders[0]["no"].as_i64().unwrap();
    let (status, picked) = call(
        &board.app,
        "POST",
        &format!("/orders/{first}/pickup"),
        Some(&board.admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // What each row must say, oldest first.
    let expected: Vec<Vec<String>> = orders
        .iter()
        .zip(ticket_texts())
        .enumerate()
        .map(|(i, (order, (in_b, requester, _)))| {
            let (hours, zone, group) = if in_b {
                (9, "WIT", "Grup B")
            } else {
                (7, "WIB", "Grup A")
            };
            let at = |key: &str, source: &Value| {
                source[key]
                    .as_i64()
                    .map(|ms| local_time(ms, hours, zone))
                    .unwrap_or_default()
            };
            let source = if i == 0 { &picked } else { order };
            vec![
                order["no"].to_string(),
                order["ticket_no"].as_str().unwrap().to_owned(),
                order["order_id"].as_str().unwrap().to_owned(),
                order["transaksi"].as_str().unwrap().to_owned(),
                order["keterangan"].as_str().unwrap().to_owned(),
                if i == 0 { "Pickup" } else { "Order" }.to_owned(),
                group.to_owned(),
                requester.to_owned(),
                at("created_at", order),
                if i == 0 {
                    "Budi (@budi)".to_owned()
                } else {
                    String::new()
                },
                at("picked_at", source),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    assert_eq!(expected[0][4], "Saldo belum masuk 日本語");
    let range = "from=2000-01-01&to=2100-12-31";

    // CSV: a byte-order mark, the header, then each ticket; formulas kept as text.
    let (status, headers, body) = board
        .download(&board.admin, &format!("/export.csv?{range}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"tangkap-2000-01-01_2100-12-31.csv\""
    );
    assert!(body.starts_with("\u{feff}No,No_Tiket,Order_ID,Transaksi,".as_bytes()));
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    let csv_rows = csv_records(&text);
    assert_eq!(
        csv_rows[0],
        [
            "No",
            "No_Tiket",
            "Order_ID",
            "Transaksi",
            "Keterangan",
            "Status",
            "Grup",
            "Diminta oleh",
            "Dibuat",
            "Di-pickup oleh",
            "Waktu pickup",
            "Di-close oleh",
            "Waktu close"
        ]
    );
    let neutralised = |row: &Vec<String>| -> Vec<String> {
        row.iter()
            .map(|cell| match cell.chars().next() {
                Some('=' | '+' | '-' | '@') => format!("'{cell}"),
                _ => cell.clone(),
            })
            .collect()
    };
    let expected_csv: Vec<Vec<String>> = expected.iter().map(neutralised).collect();
    assert_eq!(csv_rows[1..], expected_csv[..]);
    assert_eq!(csv_rows[2][2], "'=HYPERLINK(\"http://x\")");
    assert_eq!(csv_rows[2][4], "'+62 812, \"kutip\"\nbaris dua");

    // XLSX: the same rows, read back by a spreadsheet library; formulas stay text.
    let (status, headers, body) = board
        .download(&board.admin, &format!("/export.xlsx?{range}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"tangkap-2000-01-01_2100-12-31.xlsx\""
    );
    let xlsx_rows = xlsx_records(body);
    assert_eq!(xlsx_rows[0], csv_rows[0]);
    assert_eq!(xlsx_rows[1..], expected[..]);

    // The filters and the asker's scope hold in both.
    for format in ["csv", "xlsx"] {
        let rows = |body: Vec<u8>| match format {
            "csv" => csv_records(&String::from_utf8(body).unwrap()),
            _ => xlsx_records(body),
        };
        let tickets_in = |rows: Vec<Vec<String>>| -> Vec<String> {
            rows[1..].iter().map(|row| row[1].clone()).collect()
        };
        let (_, _, body) = board
            .download(&board.staff, &format!("/export.{format}?{range}"))
            .await;
        assert_eq!(
            tickets_in(rows(body)),
            board.tickets(&[0, 1, 2]),
            "staff: only group A"
        );
        let b = board.b;
        let (_, _, body) = board
            .download(&board.staff, &format!("/export.{format}?{range}&group={b}"))
            .await;
        assert_eq!(
            tickets_in(rows(body)),
            Vec::<String>::new(),
            "staff: not group B"
        );
        let query = format!("{range}&status=order&transaksi=dana&q=rahasia");
        let (_, _, body) = board
            .download(&board.admin, &format!("/export.{format}?{query}"))
            .await;
        let filtered = rows(body);
        assert_eq!(
            tickets_in(filtered.clone()),
            board.tickets(&[3]),
            "{format}: filtered"
        );
        // Its "No" is the number the board shows (#4), not its place in the file (1).
        assert_eq!(filtered[1][0], expected[3][0], "{format}");
        assert_eq!(filtered[1][0], "4", "{format}");
        let (_, _, body) = board
            .download(
                &board.admin,
                &format!("/export.{format}?{range}&status=pickup"),
            )
            .await;
        assert_eq!(
            tickets_in(rows(body)),
            board.tickets(&[0]),
            "{format}: pickup only"
        );
        let (_, _, body) = board
            .download(
                &board.admin,
                &format!("/export.{format}?from=2000-01-01&to=2000-01-02"),
            )
            .await;
        assert_eq!(
            rows(body).len(),
            1,
            "{format}: a range with no tickets has the header only"
        );
        for query in [
            "",
            "from=2026-01-01",
            "to=2026-01-01",
            "from=2026-02-01&to=2026-01-01",
            "from=x&to=y",
            &format!("{range}&status=done"),
        ] {
            let (status, _, body) = board
                .download(&board.admin, &format!("/export.{format}?{query}"))
                .await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::BAD_REQUEST, Some("bad_request")),
                "{query}"
            );
        }
    }
    let (status, _, _) = board
        .download("no-such-session", &format!("/export.csv?{range}"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    board.app.finish().await;
}

/// The records of an exported CSV, its byte-order mark left out.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The cells of an exported workbook's first sheet, each of which must be text.
fn xlsx_records(body: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
    let sheet = workbook.sheet_names()[0].clone();
    let formulas = workbook.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().next().is_none(),
        "no cell is a formula"
    );
    workbook
        .worksheet_range(&sheet)
        .unwrap()
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(text) => text.clone(),
                    Data::Empty => String::new(),
                    other => panic!("not text: {other:?}"),
                })
                .collect()
        })
        .collect()
}

/// On a slow phone the Mini App's files come compressed; its scripts and styles are fetched
/// once under names that hold their content's hash, and a page opened again costs a `304`.
#[tokio::test]
async fn static_files_are_compressed_cached_and_revalidated() {
    let app = spawn_app(Backend::Sqlite).await;
    let base = app.http_url();
    let client = Client::new();

    let page = client
        .get(format!("{base}/"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-encoding"], "gzip");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let etag = page.headers()["etag"].to_str().unwrap().to_owned();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let compressed = page.bytes().await.unwrap();
    let mut html = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut html,
    )
    .unwrap();
    assert!(html.contains("<title>Tangkap</title>"), "{html}");
    assert!(
        compressed.len() < html.len() / 2,
        "{} of {}",
        compressed.len(),
        html.len()
    );

    // The skeleton's look and the style sheet are in the page, so that it paints before
    // anything else comes, and the script that shows a first visit the login at once; the
    // page's policy allows each by its hash, and nothing else inline.
    let hashes = |element: &str| -> Vec<String> {
        use base64::Engine;
        use sha2::Digest;
        html.split(&format!("<{element}>"))
            .skip(1)
            .filter_map(|rest| rest.split(&format!("</{element}>")).next())
            .map(|text| {
                let digest = sha2::Sha256::digest(text.as_bytes());
                format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .collect()
    };
    let styles = hashes("style");
    assert_eq!(
        styles.len(),
        2,
        "the skeleton's look, then the style sheet: {html}"
    );
    assert!(
        policy.contains(&format!("style-src 'self' {};", styles.join(" "))),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let scripts = hashes("script");
    assert_eq!(scripts.len(), 1, "{html}");
    assert!(
        policy.contains(&format!(
            "script-src 'self' https://telegram.org {};",
            scripts[0]
        )),
        "{policy}"
    );
    assert!(!html.contains("rel=\"stylesheet\""), "{html}");

    // The page names its script by a hashed name, which is the script, cached for good.
    let script = html
        .split('"')
        .find(|part| part.starts_with("app.") && part.ends_with(".js"))
        .unwrap_or_else(|| panic!("no hashed script in {html}"))
        .to_owned();
    assert_ne!(script, "app.js");
    let hashed = client
        .get(format!("{base}/{script}"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(hashed.status(), 200);
    assert_eq!(hashed.headers()["content-encoding"], "br");
    assert_eq!(
        hashed.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // The script is ES modules, one per page and a few shared: each named by its hashed
    // name by the modules importing it, cached for good, and named by the page too, which
    // asks for them all at once.
    let hashed_name = |name: &str| {
        name.rsplit('.')
            .nth(1)
            .is_some_and(|hash| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let mut modules = std::collections::BTreeSet::new();
    let mut todo = vec![script.clone()];
    while let Some(module) = todo.pop() {
        if !modules.insert(module.clone()) {
            continue;
        }
        assert!(hashed_name(&module), "{module}");
        let answer = client.get(format!("{base}/{module}")).send().await.unwrap();
        assert_eq!(answer.status(), 200, "{module}");
        assert_eq!(
            answer.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{module}"
        );
        let body = answer.text().await.unwrap();
        let dir = module.rsplit_once('/').map(|(dir, _)| format!("{dir}/"));
        for import in body.split(" from '").skip(1) {
            let specifier = import.split('\'').next().unwrap();
            let relative = specifier
                .strip_prefix("./")
                .unwrap_or_else(|| panic!("{module} imports {specifier}"));
            todo.push(format!("{}{relative}", dir.as_deref().unwrap_or("")));
        }
    }
    for page in ["login", "board", "ticket", "team", "reports", "bookings"] {
        assert!(
            modules
                .iter()
                .any(|m| m.starts_with(&format!("js/{page}."))),
            "{page} in {modules:?}"
        );
    }
    for module in modules.iter().filter(|m| **m != script) {
        assert!(
            html.contains(&format!("<link rel=\"modulepreload\" href=\"{module}\">")),
            "the page names {module}: {html}"
        );
    }
    let board = client
        .get(format!("{base}/js/board.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(board.status(), 200);
    assert_eq!(board.headers()["cache-control"], "no-cache");
    assert_eq!(
        board.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let plain = client.get(format!("{base}/app.js")).send().await.unwrap();
    assert_eq!(
        plain.headers().get("content-encoding"),
        None,
        "not asked for"
    );
    assert_eq!(plain.headers()["cache-control"], "no-cache");
    assert!(plain.text().await.unwrap().contains("function"));
    for missing in [
        "app.0000000000000000.js",
        "app.js.map",
        "..%2FCargo.toml",
        "js/board.0000000000000000.js",
        "js/..%2Fapp.js",
    ] {
        let answer = client
            .get(format!("{base}/{missing}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{missing}");
    }

    // Opened again: the browser names what it holds, and gets no body.
    let again = client
        .get(format!("{base}/"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let changed = client
        .get(format!("{base}/"))
        .header("If-None-Match", "W/\"0123456789abcdef\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "another version is sent whole");
    app.finish().await;
}
