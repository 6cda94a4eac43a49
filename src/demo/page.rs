//! The demo page at `/demo`: plays the Telegram client on top of the fake Telegram.

use std::time::Duration;

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Cast, STAFF_LOGINS, STAFF_PASSWORD, STAFF_USERNAME};
use crate::{
    config::BotToken,
    mail::DemoMailbox,
    sim::{pakasir::FakePakasir, FakeTelegram, MemberStatus, SimUser},
    telegram::init_data,
};

#[derive(Clone)]
struct DemoState {
    fake: FakeTelegram,
    token: BotToken,
    cast: Cast,
    /// Where the booking page's mail lands.
    mailbox: DemoMailbox,
    /// The hold of the seeded booking that runs out, for the page's guide.
    short_hold: Duration,
    /// The shop's gateway, whose "payments" the page makes.
    pakasir: FakePakasir,
}

const FILES: [(&str, &str, &str); 4] = [
    (
        "demo.html",
        "text/html; charset=utf-8",
        include_str!("../../webapp/demo.html"),
    ),
    (
        "demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../webapp/demo.js"),
    ),
    (
        "demo.css",
        "text/css; charset=utf-8",
        include_str!("../../webapp/demo.css"),
    ),
    (
        "telegram-stand-in.js",
        "text/javascript; charset=utf-8",
        include_str!("../../webapp/telegram-stand-in.js"),
    ),
];

/// The longest message the page may post (Telegram's own limit).
const TEXT_MAX: usize = 4096;

pub fn routes(
    fake: FakeTelegram,
    token: BotToken,
    cast: Cast,
    mailbox: DemoMailbox,
    short_hold: Duration,
    pakasir: FakePakasir,
) -> Router {
    Router::new()
        .route("/demo", get(|| async { file("demo.html") }))
        .route("/demo/demo.js", get(|| async { file("demo.js") }))
        .route("/demo/demo.css", get(|| async { file("demo.css") }))
        .route(
            "/demo/telegram-stand-in.js",
            get(|| async { file("telegram-stand-in.js") }),
        )
        .route("/demo/api/world", get(world))
        .route("/demo/api/chats", get(chats))
        .route("/demo/api/send", post(send))
        .route("/demo/api/press", post(press))
        .route("/demo/api/location", post(share_location))
        .route("/demo/api/answer", get(answer))
        .route("/demo/api/mailbox", get(mails))
        .route("/demo/api/pay", post(pay))
        .route("/demo/mini-app", get(mini_app))
        .route("/demo/launch.js", get(launch))
        .with_state(DemoState {
            fake,
            token,
            cast,
            mailbox,
            short_hold,
            pakasir,
        })
}

fn file(name: &str) -> Response {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(file, _, _)| *file == name)
        .expect("only listed files are routed");
    (
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        *body,
    )
        .into_response()
}

/// Who is who: the bot, the groups, the people the visitor can act as, and which of them
/// hold the demo's logins (all with the one demo password).
async fn world(State(demo): State<DemoState>) -> Json<Value> {
    let groups: Vec<Value> = demo
        .groups()
        .into_iter()
        .map(|(id, title)| {
            let topics: Vec<Value> = demo
                .fake
                .topics(id)
                .into_iter()
                .map(|(thread, name)| json!({ "thread": thread, "name": name }))
                .collect();
            json!({ "id": id, "title": title, "topics": topics })
        })
        .collect();
    let owner = &demo.cast.people[0];
    let mut logins = vec![json!({
        "username": STAFF_USERNAME,
        "password": STAFF_PASSWORD,
        "name": owner.first_name,
        "person": owner.id,
        "role": "owner",
        "groups": [],
    })];
    for (username, index) in STAFF_LOGINS {
        let person = &demo.cast.people[index];
        logins.push(json!({
            "username": username,
            "password": STAFF_PASSWORD,
            "name": person.first_name,
            "person": person.id,
            "role": "staff",
            "groups": demo.groups_of(person),
        }));
    }
    Json(json!({
        "bot_username": demo.fake.bot_username(),
        "group": groups[0],
        "front_office": groups[2],
        "short_hold_seconds": demo.short_hold.as_secs(),
        "groups": groups,
        "people": demo.cast.people,
        "staff_login": { "username": STAFF_USERNAME, "password": STAFF_PASSWORD },
        "logins": logins,
    }))
}

#[derive(Deserialize)]
struct As {
    #[serde(rename = "as")]
    person: i64,
    theme: Option<String>,
    /// Which group's chat to show; the first group's when absent.
    group: Option<i64>,
}

type Refusal = (StatusCode, &'static str);

impl DemoState {
    fn person(&self, id: i64) -> Result<&SimUser, Refusal> {
        self.cast
            .people
            .iter()
            .find(|p| p.id == id)
            .ok_or((StatusCode::BAD_REQUEST, "unknown person"))
    }

    /// The demo's groups with their titles, the first group first, the FO chat last.
    fn groups(&self) -> Vec<(i64, String)> {
        [
            self.cast.group,
            self.cast.second_group,
            self.cast.front_office,
        ]
        .into_iter()
        .map(|id| (id, self.fake.group_title(id).unwrap_or_default()))
        .collect()
    }

    /// One of the demo's groups; the first when none is named.
    fn group(&self, id: Option<i64>) -> Result<i64, Refusal> {
        match id {
            None => Ok(self.cast.group),
            Some(id) if self.groups().iter().any(|(group, _)| *group == id) => Ok(id),
            Some(_) => Err((StatusCode::BAD_REQUEST, "unknown group")),
        }
    }

    /// Titles of the groups `person` is in, as the fake Telegram has it.
    fn groups_of(&self, person: &SimUser) -> Vec<String> {
        self.groups()
            .into_iter()
            .filter(|(id, _)| {
                matches!(
                    self.fake.member_status(*id, person),
                    Some(
                        MemberStatus::Member | MemberStatus::Administrator | MemberStatus::Creator
                    )
                )
            })
            .map(|(_, title)| title)
            .collect()
    }
}

/// A group chat and the private chat of the person the visitor acts as.
async fn chats(
    State(demo): State<DemoState>,
    Query(who): Query<As>,
) -> Result<Json<Value>, Refusal> {
    let person = demo.person(who.person)?;
    let group = demo.group(who.group)?;
    Ok(Json(json!({
        "group_id": group,
        "group": demo.fake.messages(group),
        "private": demo.fake.messages(person.id),
    })))
}

#[derive(Deserialize)]
struct Send {
    chat: String,
    #[serde(rename = "as")]
    person: i64,
    text: String,
    /// Which group, for `chat: "group"`; the first when absent.
    group: Option<i64>,
    /// The forum topic to post in; the General topic when absent.
    thread: Option<i32>,
}

/// Posts a message as a person, in the group (in one of its topics) or in their private
/// chat with the bot.
async fn send(
    State(demo): State<DemoState>,
    Json(message): Json<Send>,
) -> Result<StatusCode, Refusal> {
    let person = demo.person(message.person)?.clone();
    let text = message.text.trim();
    if text.is_empty() || text.chars().count() > TEXT_MAX {
        return Err((
            StatusCode::BAD_REQUEST,
            "a message has 1 to 4096 characters",
        ));
    }
    match message.chat.as_str() {
        "group" => {
            let group = demo.group(message.group)?;
            match message.thread {
                Some(thread) if demo.fake.topics(group).iter().any(|(t, _)| *t == thread) => {
                    demo.fake.send_to_topic(group, thread, &person, text)
                }
                Some(_) => return Err((StatusCode::BAD_REQUEST, "no such topic")),
                None => demo.fake.send_to_group(group, &person, text),
            }
        }
        "private" => demo.fake.send_private(&person, text),
        _ => return Err((StatusCode::BAD_REQUEST, "chat is group or private")),
    };
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Sharer {
    #[serde(rename = "as")]
    person: i64,
}

/// A person taps a button that asks for their location (the hotel's receipt offers one):
/// their phone shares where they are, a few kilometres from the demo hotel.
async fn share_location(
    State(demo): State<DemoState>,
    Json(sharer): Json<Sharer>,
) -> Result<StatusCode, Refusal> {
    let person = demo.person(sharer.person)?.clone();
    demo.fake
        .send_location(&person, super::near_the_hotel(3.0, false));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Press {
    #[serde(rename = "as")]
    person: i64,
    chat: String,
    /// Which group, for `chat: "group"`; the first when absent.
    group: Option<i64>,
    message_id: i32,
    data: String,
}

/// A person presses a callback button on one of the bot's messages: Setujui or Tolak in
/// their private chat, a ticket's card in a group; answers the callback query's id, for
/// [`answer`].
async fn press(
    State(demo): State<DemoState>,
    Json(press): Json<Press>,
) -> Result<Json<Value>, Refusal> {
    let person = demo.person(press.person)?.clone();
    let chat = match press.chat.as_str() {
        "private" => person.id,
        "group" => demo.group(press.group)?,
        _ => return Err((StatusCode::BAD_REQUEST, "chat is private or group")),
    };
    // The bot may have edited the buttons away (another owner decided meanwhile): Telegram
    // then has nothing to press, and neither has this.
    let pressed = demo
        .fake
        .press_button(chat, press.message_id, &person, &press.data)
        .ok_or((StatusCode::BAD_REQUEST, "no such button on that message"))?;
    Ok(Json(json!({ "query_id": pressed.query_id })))
}

#[derive(Deserialize)]
struct Payment {
    order_id: String,
}

/// The buyer pays an invoice's QRIS in their bank app: the fake Pakasir completes the
/// transaction and posts its webhook, as the real one does. What Tangkap answered the
/// webhook; 400 if the gateway has no such pending transaction.
async fn pay(
    State(demo): State<DemoState>,
    Json(payment): Json<Payment>,
) -> Result<Json<Value>, Refusal> {
    let webhook = demo.pakasir.pay(&payment.order_id).await.map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            "no such unpaid invoice at the gateway",
        )
    })?;
    Ok(Json(json!({ "webhook": webhook })))
}

#[derive(Deserialize)]
struct AnswerOf {
    query: String,
}

/// How the bot answered a pressed button: the notification Telegram shows, once answered.
async fn answer(State(demo): State<DemoState>, Query(of): Query<AnswerOf>) -> Json<Value> {
    let answer = demo
        .fake
        .callback_answers()
        .into_iter()
        .find(|a| a.query_id == of.query);
    Json(json!({
        "answered": answer.is_some(),
        "text": answer.as_ref().and_then(|a| a.text.clone()),
        "show_alert": answer.is_some_and(|a| a.show_alert),
    }))
}

/// The mail the booking page sent, as the guests' mailboxes would have it, oldest first.
async fn mails(State(demo): State<DemoState>) -> Json<Value> {
    Json(json!({ "mails": demo.mailbox.mails() }))
}

/// The Mini App as Telegram would open it for a person: the real page, with the Telegram
/// stand-in in place of Telegram's script.
async fn mini_app(
    State(demo): State<DemoState>,
    Query(who): Query<As>,
) -> Result<Response, Refusal> {
    let person = demo.person(who.person)?;
    let theme = if who.theme.as_deref() == Some("dark") {
        "dark"
    } else {
        "light"
    };
    let page = crate::web::assets::page("index.html")
        .unwrap_or_default()
        .replace("<head>", "<head>\n  <base href=\"/\">")
        .replace(
            r#"<script src="https://telegram.org/js/telegram-web-app.js" defer></script>"#,
            &format!(
                "<script src=\"/demo/telegram-stand-in.js\"></script>\n  <script src=\"/demo/launch.js?as={}&amp;theme={theme}\"></script>",
                person.id
            ),
        );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response())
}

/// Installs the stand-in with initData signed now, by the demo bot's token, for a person.
async fn launch(State(demo): State<DemoState>, Query(who): Query<As>) -> Result<Response, Refusal> {
    let person = demo.person(who.person)?;
    let user =
        json!({ "id": person.id, "first_name": person.first_name, "username": person.username });
    let auth_date = (crate::db::now_ms() / 1000).to_string();
    let signed = init_data::sign(
        &[
            ("auth_date", &auth_date),
            ("query_id", "AAHdemo"),
            ("user", &user.to_string()),
        ],
        &demo.token,
    );
    let dark = who.theme.as_deref() == Some("dark");
    let setup = json!({ "initData": signed, "user": user, "colorScheme": if dark { "dark" } else { "light" } });
    let script = format!(
        "const demoSetup = {setup};\n\
         const standIn = window.TangkapTelegramStandIn;\n\
         standIn.install({{ ...demoSetup, themeParams: demoSetup.colorScheme === 'dark' ? standIn.DARK_THEME : standIn.LIGHT_THEME }});\n"
    );
    Ok((
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        script,
    )
        .into_response())
}
