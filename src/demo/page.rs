//! The demo page at `/demo`: plays the Telegram client on top of the fake Telegram.

use axum::{
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Cast, STAFF_PASSWORD, STAFF_USERNAME};
use crate::{config::BotToken, sim::FakeTelegram, telegram::init_data};

#[derive(Clone)]
struct DemoState {
    fake: FakeTelegram,
    token: BotToken,
    cast: Cast,
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

pub fn routes(fake: FakeTelegram, token: BotToken, cast: Cast) -> Router {
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
        .route("/demo/mini-app", get(mini_app))
        .route("/demo/launch.js", get(launch))
        .with_state(DemoState { fake, token, cast })
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

/// Who is who: the bot, the group, the people the visitor can act as.
async fn world(State(demo): State<DemoState>) -> Json<Value> {
    Json(json!({
        "bot_username": demo.fake.bot_username(),
        "group": { "id": demo.cast.group, "title": super::GROUP_TITLE },
        "people": demo.cast.people,
        "staff_login": { "username": STAFF_USERNAME, "password": STAFF_PASSWORD },
    }))
}

#[derive(Deserialize)]
struct As {
    #[serde(rename = "as")]
    person: i64,
    theme: Option<String>,
}

impl DemoState {
    fn person(&self, id: i64) -> Result<&crate::sim::SimUser, (StatusCode, &'static str)> {
        self.cast
            .people
            .iter()
            .find(|p| p.id == id)
            .ok_or((StatusCode::BAD_REQUEST, "unknown person"))
    }
}

/// The group chat and the private chat of the person the visitor acts as.
async fn chats(
    State(demo): State<DemoState>,
    Query(who): Query<As>,
) -> Result<Json<Value>, (StatusCode, &'static str)> {
    let person = demo.person(who.person)?;
    Ok(Json(json!({
        "group": demo.fake.messages(demo.cast.group),
        "private": demo.fake.messages(person.id),
    })))
}

#[derive(Deserialize)]
struct Send {
    chat: String,
    #[serde(rename = "as")]
    person: i64,
    text: String,
}

/// Posts a message as a person, in the group or in their private chat with the bot.
async fn send(
    State(demo): State<DemoState>,
    Json(message): Json<Send>,
) -> Result<StatusCode, (StatusCode, &'static str)> {
    let person = demo.person(message.person)?.clone();
    let text = message.text.trim();
    if text.is_empty() || text.chars().count() > TEXT_MAX {
        return Err((
            StatusCode::BAD_REQUEST,
            "a message has 1 to 4096 characters",
        ));
    }
    match message.chat.as_str() {
        "group" => demo.fake.send_to_group(demo.cast.group, &person, text),
        "private" => demo.fake.send_private(&person, text),
        _ => return Err((StatusCode::BAD_REQUEST, "chat is group or private")),
    };
    Ok(StatusCode::NO_CONTENT)
}

/// The Mini App as Telegram would open it for a person: the real page, with the Telegram
/// stand-in in place of Telegram's script.
async fn mini_app(
    State(demo): State<DemoState>,
    Query(who): Query<As>,
) -> Result<Response, (StatusCode, &'static str)> {
    let person = demo.person(who.person)?;
    let theme = if who.theme.as_deref() == Some("dark") {
        "dark"
    } else {
        "light"
    };
    let page = include_str!("../../webapp/index.html")
        .replace("<head>", "<head>\n  <base href=\"/\">")
        .replace(
            r#"<script src="https://telegram.org/js/telegram-web-app.js"></script>"#,
            &format!(
                "<script src=\"/demo/telegram-stand-in.js\"></script>\n  <script src=\"/demo/launch.js?as={}&amp;theme={theme}\"></script>",
                person.id
            ),
        );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response())
}

/// Installs the stand-in with initData signed now, by the demo bot's token, for a person.
async fn launch(
    State(demo): State<DemoState>,
    Query(who): Query<As>,
) -> Result<Response, (StatusCode, &'static str)> {
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
