//! The HTTP side of the fake: `/bot<token>/<method>` for every method Tangkap uses, and
//! `/file/bot<token>/<file_path>` for the files getFile names, for each bot it serves (by
//! the token in the path). Connections are served one by one, so that the server can be
//! taken down: then every connection is closed unanswered, as when Telegram cannot be
//! reached.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    body::{Body, Bytes},
    extract::{Path, RawQuery, State},
    http::{
        header::{CONTENT_TYPE, DATE},
        HeaderMap, HeaderValue, Request, StatusCode,
    },
    response::{IntoResponse, Response},
    routing::{any, get},
    Json, Router,
};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use serde_json::{json, Map, Value};
use tokio::{net::TcpListener, time::Instant};
use tower::ServiceExt;

use super::{
    to_plain_text, CallbackAnswer, ChatKind, Fault, MemberStatus, Server, Shared, SimChat,
    SimMessage, State as SimState, Webhook, CALLBACK_ANSWER_WINDOW,
};

type Answer = (StatusCode, Json<Value>);
type Params = Map<String, Value>;
/// The files of a multipart/form-data body, by parameter name.
type Files = HashMap<String, Bytes>;

/// Longest long poll Telegram allows.
const MAX_POLL: Duration = Duration::from_secs(50);
/// Telegram's limit on a message's length.
const MAX_TEXT: usize = 4096;
/// The largest file Telegram lets a bot download.
const MAX_DOWNLOAD: usize = 20 * 1024 * 1024;
/// Telegram's limit on the text of an answer to a callback query.
const MAX_CALLBACK_ANSWER: usize = 200;
/// Telegram's answer to a callback query answered twice, too late, or never asked.
const QUERY_INVALID: &str = "query is too old and response timeout expired or query ID is invalid";
const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

pub(super) async fn serve(server: Arc<Server>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/{token}/{method}", any(call))
        .route("/file/{token}/{*file_path}", get(download))
        .layer(axum::middleware::map_response_with_state(
            server.clone(),
            skewed_date,
        ))
        .with_state(server.clone());
    let down = server.down.subscribe();
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::error!(error = %e, "the fake Telegram cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            if *down.borrow() {
                continue;
            }
            let service = app
                .clone()
                .map_request(|request: Request<Incoming>| request.map(Body::new));
            let mut down = down.clone();
            tokio::spawn(async move {
                let served = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
                // Going down drops the connection, whatever it was doing.
                tokio::select! {
                    _ = served => {}
                    _ = down.wait_for(|down| *down) => {}
                }
            });
        }
    });
    Ok(addr)
}

/// The bot whose token a path names (`bot<token>`), unless its token was revoked.
fn bot(server: &Server, token: &str) -> Option<Arc<Shared>> {
    let shared = server
        .bots
        .lock()
        .unwrap()
        .get(token.strip_prefix("bot")?)?
        .clone();
    let revoked = shared.state.lock().unwrap().revoked;
    (!revoked).then_some(shared)
}

/// Every answer is dated, as Telegram's are (hyper adds the real time); a skewed clock
/// ([`super::FakeTelegram::skew_clock`]) dates them by its own.
async fn skewed_date(State(server): State<Arc<Server>>, mut response: Response) -> Response {
    let skew = server.clock_skew.load(std::sync::atomic::Ordering::Relaxed);
    if skew != 0 {
        let now = std::time::SystemTime::now();
        let offset = Duration::from_secs(skew.unsigned_abs());
        let at = if skew > 0 { now + offset } else { now - offset };
        if let Ok(date) = HeaderValue::from_str(&httpdate::fmt_http_date(at)) {
            response.headers_mut().insert(DATE, date);
        }
    }
    response
}

fn ok(result: Value) -> Answer {
    (
        StatusCode::OK,
        Json(json!({ "ok": true, "result": result })),
    )
}

fn refuse(code: u16, description: &str) -> Answer {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        Json(json!({ "ok": false, "error_code": code, "description": description })),
    )
}

fn too_many_requests(retry_after: u64) -> Answer {
    (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "ok": false, "error_code": 429,
            "description": format!("Too Many Requests: retry after {retry_after}"),
            "parameters": { "retry_after": retry_after },
        })),
    )
}

fn bad_request(detail: &str) -> Answer {
    refuse(400, &format!("Bad Request: {detail}"))
}

async fn call(
    State(server): State<Arc<Server>>,
    Path((token, method)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let Some(shared) = bot(&server, &token) else {
        return refuse(401, "Unauthorized");
    };
    let method = method.to_ascii_lowercase();
    let (params, files) = match parse_params(query.as_deref(), &headers, body).await {
        Ok(parsed) => parsed,
        Err(problem) => return bad_request(&problem),
    };
    let fault = {
        let mut state = shared.state.lock().unwrap();
        *state.stats.calls.entry(method.clone()).or_default() += 1;
        take_fault(&mut state, &method)
    };
    match fault {
        Some(Fault::Delay(wait)) => tokio::time::sleep(wait).await,
        Some(Fault::Status(code)) => {
            let description = match code {
                403 => "Forbidden: bot was blocked by the user",
                502 => "Bad Gateway",
                _ => "Internal Server Error",
            };
            return refuse(code, description);
        }
        Some(Fault::RetryAfter(secs)) => return too_many_requests(secs),
        None => {}
    }
    match method.as_str() {
        "getme" => {
            let state = shared.state.lock().unwrap();
            let mut me = state.bot.json(true);
            me["can_join_groups"] = json!(true);
            me["can_read_all_group_messages"] = json!(false);
            me["supports_inline_queries"] = json!(false);
            me["can_connect_to_business"] = json!(false);
            me["has_main_web_app"] = json!(false);
            ok(me)
        }
        "getupdates" => get_updates(&shared, &params).await,
        "setwebhook" => set_webhook(&shared, &params),
        "deletewebhook" => {
            shared.state.lock().unwrap().webhook = None;
            ok(json!(true))
        }
        "getwebhookinfo" => webhook_info(&shared.state.lock().unwrap()),
        "sendmessage" => send_message(&mut shared.state.lock().unwrap(), &params),
        "sendphoto" => send_photo(&mut shared.state.lock().unwrap(), &params, &files),
        "deletemessage" => delete_message(&mut shared.state.lock().unwrap(), &params),
        "editmessagetext" => edit_message_text(&mut shared.state.lock().unwrap(), &params),
        "editmessagereplymarkup" => {
            edit_message_reply_markup(&mut shared.state.lock().unwrap(), &params)
        }
        "getchatmember" => get_chat_member(&shared.state.lock().unwrap(), &params),
        "setmycommands" => set_my_commands(&mut shared.state.lock().unwrap(), &params),
        "getchatmenubutton" => get_chat_menu_button(&shared.state.lock().unwrap(), &params),
        "getchat" => get_chat(&shared.state.lock().unwrap(), &params),
        "setchatmenubutton" => {
            let chat =
                integer(&params, "chat_id").map_or("default".to_owned(), |id| id.to_string());
            let button = object(&params, "menu_button").unwrap_or(json!({ "type": "default" }));
            shared
                .state
                .lock()
                .unwrap()
                .menu_buttons
                .insert(chat, button);
            ok(json!(true))
        }
        "answercallbackquery" => answer_callback_query(&mut shared.state.lock().unwrap(), &params),
        "setmessagereaction" => set_message_reaction(&mut shared.state.lock().unwrap(), &params),
        "getfile" => get_file(&shared.state.lock().unwrap(), &params),
        _ => refuse(404, "Not Found"),
    }
}

/// The webhook as Telegram describes it: its URL (empty without one), the updates waiting
/// for it, and its last failed delivery, which Telegram keeps until the webhook is set
/// again.
fn webhook_info(state: &SimState) -> Answer {
    let mut info = json!({
        "url": "", "has_custom_certificate": false, "pending_update_count": state.queue.len(),
    });
    if let Some(webhook) = &state.webhook {
        info["url"] = json!(webhook.url);
        info["max_connections"] = json!(40);
        if let Some((date, message)) = &webhook.last_error {
            info["last_error_date"] = json!(date);
            info["last_error_message"] = json!(message);
        }
    }
    ok(info)
}

/// The menu button of a private chat (the one set for it, else the bot's default), or
/// without `chat_id` the bot's default; `default` when none was set.
fn get_chat_menu_button(state: &SimState, params: &Params) -> Answer {
    let default = || {
        state
            .menu_buttons
            .get("default")
            .cloned()
            .unwrap_or_else(|| json!({ "type": "default" }))
    };
    let Some(chat_id) = integer(params, "chat_id") else {
        return ok(default());
    };
    if let Some(button) = state.menu_buttons.get(&chat_id.to_string()) {
        return ok(button.clone());
    }
    match state.chats.get(&chat_id).map(|chat| &chat.kind) {
        Some(ChatKind::Private(_)) => ok(default()),
        _ => bad_request("chat not found"),
    }
}

/// A chat as getChat describes it, when the bot may reach it: a group it is a member of,
/// or a person who started it.
fn get_chat(state: &SimState, params: &Params) -> Answer {
    let Some(chat) = integer(params, "chat_id").and_then(|id| Some((id, state.chats.get(&id)?)))
    else {
        return bad_request("chat not found");
    };
    match chat {
        (_, chat) if !chat.bot_welcome && matches!(chat.kind, ChatKind::Group { .. }) => {
            refuse(403, "Forbidden: bot was kicked from the supergroup chat")
        }
        (_, chat) if !chat.bot_welcome => bad_request("chat not found"),
        (id, chat) => {
            let mut info = chat.json(id);
            info["accent_color_id"] = json!(0);
            info["max_reaction_count"] = json!(11);
            ok(info)
        }
    }
}

/// Where a file sent in a chat can be downloaded, as Telegram answers getFile: unknown or
/// no longer kept files are `invalid file_id`, files over 20 MB `file is too big`.
fn get_file(state: &SimState, params: &Params) -> Answer {
    let file_id = string(params, "file_id").unwrap_or_default();
    let Some(file) = state.files.get(file_id).filter(|file| !file.gone) else {
        return bad_request("invalid file_id");
    };
    if file.bytes.len() > MAX_DOWNLOAD {
        return bad_request("file is too big");
    }
    let mut answer = json!({
        "file_id": file_id, "file_unique_id": file.file_unique_id, "file_path": file.file_path,
    });
    if file.size_told {
        answer["file_size"] = json!(file.bytes.len());
    }
    ok(answer)
}

/// `GET /file/bot<token>/<file_path>`: the file's bytes. A wrong token, like an unknown
/// path, is 404, as Telegram answers.
async fn download(
    State(server): State<Arc<Server>>,
    Path((token, file_path)): Path<(String, String)>,
) -> Response {
    let Some(shared) = bot(&server, &token) else {
        return refuse(404, "Not Found").into_response();
    };
    let mut state = shared.state.lock().unwrap();
    let file = state
        .files
        .values()
        .find(|file| file.file_path == file_path && !file.gone)
        .map(|file| (file.bytes.clone(), file.size_told));
    let Some((bytes, size_told)) = file else {
        return refuse(404, "Not Found").into_response();
    };
    if let Some(location) = &state.downloads_redirected_to {
        return axum::response::Redirect::to(&format!("{location}/{file_path}")).into_response();
    }
    state.stats.files_downloaded += 1;
    let headers = [(CONTENT_TYPE, "application/octet-stream")];
    if size_told {
        return (headers, bytes).into_response();
    }
    // A file whose size getFile did not tell comes in chunks, its length unannounced.
    let chunks = tokio_util::io::ReaderStream::new(std::io::Cursor::new(bytes));
    (headers, axum::body::Body::from_stream(chunks)).into_response()
}

fn take_fault(state: &mut SimState, method: &str) -> Option<Fault> {
    let fault = match state
        .faults
        .iter_mut()
        .find(|r| r.remaining > 0 && r.method.as_deref().is_none_or(|m| m == method))
    {
        Some(rule) => {
            rule.remaining -= 1;
            let fault = rule.fault.clone();
            state.faults.retain(|r| r.remaining > 0);
            fault
        }
        None => random_fault(state)?,
    };
    if !matches!(fault, Fault::Delay(_)) {
        state.stats.faults_injected += 1;
    }
    Some(fault)
}

fn random_fault(state: &mut SimState) -> Option<Fault> {
    use rand::Rng;
    let (share, rng) = state.random_faults.as_mut()?;
    if !rng.random_bool(*share) {
        return None;
    }
    Some(match rng.random_range(0..4) {
        0 => Fault::Status(500),
        1 => Fault::Status(502),
        2 => Fault::RetryAfter(1),
        _ => Fault::Delay(Duration::from_millis(300)),
    })
}

/// Parameters from the query string and a JSON, form or multipart/form-data body, as
/// Telegram accepts them: a multipart body's text fields as strings, its files apart.
async fn parse_params(
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Params, Files), String> {
    let mut params = Params::new();
    let mut files = Files::new();
    let mut add_pairs = |text: &str| -> Result<(), String> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(text).map_err(|e| format!("can't parse parameters: {e}"))?;
        for (key, value) in pairs {
            params.insert(key, Value::String(value));
        }
        Ok(())
    };
    if let Some(query) = query {
        add_pairs(query)?;
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if body.is_empty() {
        return Ok((params, files));
    }
    if content_type.starts_with("application/json") {
        let Value::Object(fields) =
            serde_json::from_slice(&body).map_err(|e| format!("can't parse JSON object: {e}"))?
        else {
            return Err("JSON body must be an object".into());
        };
        params.extend(fields);
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        add_pairs(std::str::from_utf8(&body).map_err(|_| "body is not UTF-8".to_owned())?)?;
    } else if content_type.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| format!("can't parse multipart/form-data: {e}"))?;
        let body = futures_util::stream::once(async { Ok::<_, std::convert::Infallible>(body) });
        let mut multipart = multer::Multipart::new(body, boundary);
        let broken = |e: multer::Error| format!("can't parse multipart/form-data: {e}");
        while let Some(field) = multipart.next_field().await.map_err(broken)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            // A part with a file name is a file; any other is a parameter's text.
            if field.file_name().is_some() {
                files.insert(name, field.bytes().await.map_err(broken)?);
            } else {
                params.insert(name, Value::String(field.text().await.map_err(broken)?));
            }
        }
    } else {
        return Err(format!("unsupported content type {content_type:?}"));
    }
    Ok((params, files))
}

/// An integer parameter, given as a number or as digits in a string.
fn integer(params: &Params, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn string<'p>(params: &'p Params, key: &str) -> Option<&'p str> {
    params.get(key)?.as_str()
}

/// A boolean parameter, given as JSON or as `true` / `1` (form encoding).
fn boolean(params: &Params, key: &str) -> bool {
    match params.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true") || s == "1",
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// An object parameter, given as JSON or as a JSON string (form encoding).
fn object(params: &Params, key: &str) -> Option<Value> {
    match params.get(key)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        value @ (Value::Object(_) | Value::Array(_)) => Some(value.clone()),
        _ => None,
    }
}

async fn get_updates(shared: &Shared, params: &Params) -> Answer {
    let offset = integer(params, "offset");
    let limit = integer(params, "limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout =
        Duration::from_secs(integer(params, "timeout").unwrap_or(0).max(0) as u64).min(MAX_POLL);
    let deadline = Instant::now() + timeout;
    loop {
        let queued = shared.updates_queued.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        {
            let mut state = shared.state.lock().unwrap();
            if state.webhook.is_some() {
                return refuse(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
                );
            }
            if let Some(offset) = offset {
                state.queue.retain(|u| u.update_id >= offset || u.redeliver);
            }
            let batch: Vec<Value> = state
                .queue
                .iter_mut()
                .take(limit)
                .map(|u| {
                    u.redeliver = false;
                    u.json.clone()
                })
                .collect();
            if !batch.is_empty() {
                return ok(Value::Array(batch));
            }
        }
        tokio::select! {
            _ = queued => {}
            _ = tokio::time::sleep_until(deadline) => return ok(json!([])),
        }
    }
}

fn set_webhook(shared: &Arc<Shared>, params: &Params) -> Answer {
    let url = string(params, "url").unwrap_or_default().to_owned();
    let mut state = shared.state.lock().unwrap();
    if url.is_empty() {
        state.webhook = None;
        return ok(json!(true));
    }
    if !url.starts_with("https://")
        && !url.starts_with("http://127.0.0.1")
        && !url.starts_with("http://localhost")
    {
        return bad_request("bad webhook: An HTTPS URL must be provided for webhook");
    }
    state.webhook_generation += 1;
    let webhook = Webhook {
        url,
        secret: string(params, "secret_token").map(str::to_owned),
        generation: state.webhook_generation,
        last_error: None,
    };
    state.webhook = Some(webhook.clone());
    tokio::spawn(push_updates(shared.clone(), webhook));
    ok(json!(true))
}

/// Delivers queued updates to the webhook one by one, in order, until it is replaced or
/// deleted; an update leaves the queue only when the webhook answers 2xx.
async fn push_updates(shared: Arc<Shared>, webhook: Webhook) {
    loop {
        let queued = shared.updates_queued.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        let next = {
            let state = shared.state.lock().unwrap();
            if state.webhook.as_ref().map(|w| w.generation) != Some(webhook.generation) {
                return;
            }
            state.queue.front().map(|u| (u.update_id, u.json.clone()))
        };
        let Some((update_id, body)) = next else {
            tokio::select! {
                _ = queued => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            continue;
        };
        let mut request = shared
            .http
            .post(&webhook.url)
            .json(&body)
            .timeout(Duration::from_secs(10));
        if let Some(secret) = &webhook.secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        let (status, error) = match request.send().await {
            Ok(answer) => (answer.status().as_u16(), answer.status().to_string()),
            Err(e) if e.is_timeout() => (0, "Read timeout expired".to_owned()),
            Err(e) if e.is_connect() => (0, "Connection refused".to_owned()),
            Err(_) => (0, "Failed to connect".to_owned()),
        };
        let delivered = (200..300).contains(&status);
        {
            let mut state = shared.state.lock().unwrap();
            state.webhook_statuses.push(status);
            if delivered {
                if let Some(at) = state.queue.iter().position(|u| u.update_id == update_id) {
                    state.queue.remove(at);
                }
            } else if let Some(current) = state
                .webhook
                .as_mut()
                .filter(|w| w.generation == webhook.generation)
            {
                let message = match status {
                    0 => error,
                    _ => format!("Wrong response from the webhook: {error}"),
                };
                current.last_error = Some((super::unix_now(), message));
            }
        }
        if !delivered {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Chat `chat_id` and whether it is a group, if the bot may write there; else Telegram's
/// refusal: unknown, the bot removed from the group, or a person who never started it.
fn writable_chat(state: &SimState, chat_id: i64) -> Result<(&SimChat, bool), Answer> {
    let Some(chat) = state.chats.get(&chat_id) else {
        return Err(bad_request("chat not found"));
    };
    let is_group = matches!(chat.kind, ChatKind::Group { .. });
    match (chat.bot_welcome, is_group) {
        (true, _) => Ok((chat, is_group)),
        (false, true) => Err(refuse(
            403,
            "Forbidden: bot was kicked from the supergroup chat",
        )),
        (false, false) => Err(refuse(
            403,
            "Forbidden: bot can't initiate conversation with a user",
        )),
    }
}

fn send_message(state: &mut SimState, params: &Params) -> Answer {
    let Some(chat_id) = integer(params, "chat_id") else {
        return bad_request("chat_id is empty");
    };
    let Some(raw_text) = string(params, "text") else {
        return bad_request("message text is empty");
    };
    let bot = state.bot.json(true);
    let bot_name = state.bot.first_name.clone();
    let (chat, is_group) = match writable_chat(state, chat_id) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let (text, html) = match readable_text(params, raw_text) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if text.trim().is_empty() {
        return bad_request("message text is empty");
    }
    if text.encode_utf16().count() > MAX_TEXT {
        return bad_request("message is too long");
    }
    let reply = object(params, "reply_parameters");
    let reply_to = reply
        .as_ref()
        .and_then(|r| r.get("message_id")?.as_i64())
        .or_else(|| integer(params, "reply_to_message_id"));
    let may_skip_reply = reply
        .as_ref()
        .and_then(|r| r.get("allow_sending_without_reply")?.as_bool())
        .unwrap_or(false);
    let replied = reply_to
        .and_then(|id| {
            chat.messages
                .iter()
                .find(|m| i64::from(m.message_id) == id && !m.deleted)
        })
        .map(|m| (m.message_id, m.json.clone(), m.thread));
    if reply_to.is_some() && replied.is_none() && !may_skip_reply {
        return bad_request("message to be replied not found");
    }
    // A message goes into the topic named, or else into the topic of the message it
    // answers; either must be open to take it.
    let thread = match integer(params, "message_thread_id") {
        Some(id) => Some(i32::try_from(id).unwrap_or_default()),
        None => replied.as_ref().and_then(|(_, _, thread)| *thread),
    };
    if let Some(refusal) = thread.and_then(|thread| chat.topic_refusal(thread)) {
        return bad_request(refusal);
    }
    let (markup, keyboard) = match inline_keyboard(params, is_group) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if let Err(refused) = take_slot(state, chat_id) {
        return refused;
    }
    let chat = state.chats.get_mut(&chat_id).expect("looked up above");
    let message_id = chat.next_message_id;
    chat.next_message_id += 1;
    let mut message = json!({
        "message_id": message_id, "from": bot, "chat": chat.json(chat_id),
        "date": super::unix_now(), "text": text,
    });
    let reply_to = match replied {
        Some((original_id, original, _)) => {
            message["reply_to_message"] = original;
            Some(original_id)
        }
        None => None,
    };
    if let Some(thread) = thread {
        message["message_thread_id"] = json!(thread);
        message["is_topic_message"] = json!(true);
    }
    if let Some(markup) = markup {
        message["reply_markup"] = markup;
    }
    chat.messages.push(SimMessage {
        message_id,
        chat_id,
        from_id: state.bot.id,
        from_name: bot_name,
        from_bot: true,
        text,
        html,
        reply_to,
        thread,
        reactions: Vec::new(),
        buttons: keyboard.buttons,
        callbacks: keyboard.callbacks,
        answers: keyboard.answers,
        asks_location: keyboard.asks_location,
        photo: None,
        deleted: false,
        arrived: std::time::Instant::now(),
        json: message.clone(),
    });
    state.stats.messages_sent += 1;
    ok(message)
}

/// A photo with a caption and buttons, as Telegram takes it: the image uploaded as the
/// file `photo` (or named by the `file_id` of a file Telegram holds), the caption read as
/// sendMessage reads a text (at most [`super::MAX_CAPTION`] characters), counted against
/// the flood limits as a message. The answer names the photo as a file of Telegram's
/// (getFile finds it), in one size, as large as it was sent.
fn send_photo(state: &mut SimState, params: &Params, files: &Files) -> Answer {
    let Some(chat_id) = integer(params, "chat_id") else {
        return bad_request("chat_id is empty");
    };
    let bot = state.bot.json(true);
    let bot_name = state.bot.first_name.clone();
    let (_, is_group) = match writable_chat(state, chat_id) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let image = match (files.get("photo"), string(params, "photo")) {
        (Some(bytes), _) => bytes.clone(),
        (None, Some(file_id)) => match state.files.get(file_id).filter(|file| !file.gone) {
            Some(file) => file.bytes.clone(),
            None => return bad_request("wrong file identifier/HTTP URL specified"),
        },
        (None, None) => return bad_request("there is no photo in the request"),
    };
    if image.is_empty() {
        return bad_request("IMAGE_PROCESS_FAILED");
    }
    let (caption, html) = match readable_text(params, string(params, "caption").unwrap_or("")) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if caption.encode_utf16().count() > super::MAX_CAPTION {
        return bad_request("message caption is too long");
    }
    let (markup, keyboard) = match inline_keyboard(params, is_group) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if let Err(refused) = take_slot(state, chat_id) {
        return refused;
    }
    let (width, height) = image_size(&image).unwrap_or((320, 320));
    let (file, size) = super::keep_file(state, "photos", "png", image.to_vec());
    let chat = state.chats.get_mut(&chat_id).expect("looked up above");
    let message_id = chat.next_message_id;
    chat.next_message_id += 1;
    let mut message = json!({
        "message_id": message_id, "from": bot, "chat": chat.json(chat_id),
        "date": super::unix_now(),
        "photo": [{
            "file_id": file.file_id, "file_unique_id": file.file_unique_id,
            "width": width, "height": height, "file_size": size,
        }],
    });
    if !caption.is_empty() {
        message["caption"] = json!(caption);
    }
    if let Some(markup) = markup {
        message["reply_markup"] = markup;
    }
    chat.messages.push(SimMessage {
        message_id,
        chat_id,
        from_id: state.bot.id,
        from_name: bot_name,
        from_bot: true,
        text: caption,
        html: html.filter(|html| !html.is_empty()),
        reply_to: None,
        thread: None,
        reactions: Vec::new(),
        buttons: keyboard.buttons,
        callbacks: keyboard.callbacks,
        answers: keyboard.answers,
        asks_location: keyboard.asks_location,
        photo: Some(image.to_vec()),
        deleted: false,
        arrived: std::time::Instant::now(),
        json: message.clone(),
    });
    state.stats.messages_sent += 1;
    ok(message)
}

/// The width and height a PNG's header gives, if `image` is a PNG.
fn image_size(image: &[u8]) -> Option<(u32, u32)> {
    let header = image.strip_prefix(b"\x89PNG\r\n\x1a\n")?;
    let at = |offset: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            header.get(offset..offset + 4)?.try_into().ok()?,
        ))
    };
    // The IHDR chunk comes first: its length and type, then the width and the height.
    if header.get(4..8)? != b"IHDR" {
        return None;
    }
    Some((at(8)?, at(12)?))
}

/// Counts a message (or an edit in a group) to `chat_id` against Telegram's flood limits,
/// or answers 429 with how long to wait.
fn take_slot(state: &mut SimState, chat_id: i64) -> Result<(), Answer> {
    let now = Instant::now();
    state.limiter.try_acquire(chat_id, now).map_err(|free_at| {
        state.stats.limit_rejections += 1;
        let wait = (free_at - now).as_secs_f64().ceil().max(1.0) as u64;
        too_many_requests(wait)
    })
}

/// The text a reader sees, and the HTML it came from when `parse_mode` is HTML.
fn readable_text(params: &Params, raw: &str) -> Result<(String, Option<String>), Answer> {
    let html_mode = string(params, "parse_mode").is_some_and(|m| m.eq_ignore_ascii_case("html"));
    if !html_mode {
        return Ok((raw.to_owned(), None));
    }
    match to_plain_text(raw) {
        Ok(plain) => Ok((plain, Some(raw.to_owned()))),
        Err(problem) => Err(bad_request(&problem)),
    }
}

/// The buttons of an inline keyboard, as a [`SimMessage`] records them.
#[derive(Debug, Default)]
struct Keyboard {
    /// `(text, url)` of each URL or `web_app` button.
    buttons: Vec<(String, String)>,
    /// `(text, callback_data)` of each callback button.
    callbacks: Vec<(String, String)>,
    /// The texts of a reply keyboard's buttons.
    answers: Vec<String>,
    /// A reply keyboard button asks for the location.
    asks_location: bool,
    /// The keyboard has a button of any kind.
    any: bool,
}

/// The `reply_markup` parameter: the markup a message then carries (none without buttons)
/// and its buttons; Telegram's complaint if it is not a valid inline keyboard.
fn inline_keyboard(params: &Params, in_group: bool) -> Result<(Option<Value>, Keyboard), Answer> {
    if params.get("reply_markup").is_none_or(Value::is_null) {
        return Ok((None, Keyboard::default()));
    }
    let markup = object(params, "reply_markup")
        .ok_or_else(|| bad_request("can't parse reply keyboard markup JSON object"))?;
    let keyboard = keyboard(&markup, in_group).map_err(bad_request)?;
    Ok((keyboard.any.then_some(markup), keyboard))
}

/// The URL, `web_app` and callback buttons of an inline keyboard; `web_app` buttons only
/// outside groups, and (as Telegram demands) only with https URLs; callback data of 1 to
/// 64 bytes.
fn keyboard(markup: &Value, in_group: bool) -> Result<Keyboard, &'static str> {
    // A reply keyboard, or its removal: Telegram does not return either with the message.
    if markup.get("remove_keyboard").and_then(Value::as_bool) == Some(true) {
        return Ok(Keyboard::default());
    }
    if let Some(rows) = markup.get("keyboard") {
        let rows = rows
            .as_array()
            .ok_or("can't parse reply keyboard markup JSON object")?;
        let mut keyboard = Keyboard::default();
        for button in rows.iter().filter_map(Value::as_array).flatten() {
            let text = button
                .as_str()
                .or_else(|| button.get("text").and_then(Value::as_str))
                .unwrap_or_default();
            if text.is_empty() {
                return Err("BUTTON_TEXT_INVALID");
            }
            // Telegram asks a person's location for a bot in private chats only.
            if button.get("request_location").and_then(Value::as_bool) == Some(true) {
                if in_group {
                    return Err("BUTTON_TYPE_INVALID");
                }
                keyboard.asks_location = true;
            }
            keyboard.answers.push(text.to_owned());
        }
        return Ok(keyboard);
    }
    let rows = markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .ok_or("can't parse reply keyboard markup JSON object")?;
    let mut keyboard = Keyboard::default();
    for button in rows.iter().filter_map(Value::as_array).flatten() {
        keyboard.any = true;
        let text = button
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if text.is_empty() {
            return Err("BUTTON_TEXT_INVALID");
        }
        if let Some(data) = button.get("callback_data") {
            let data = data.as_str().unwrap_or_default();
            if !(1..=64).contains(&data.len()) {
                return Err("BUTTON_DATA_INVALID");
            }
            keyboard.callbacks.push((text.to_owned(), data.to_owned()));
        } else if let Some(web_app) = button.get("web_app") {
            if in_group {
                return Err("BUTTON_TYPE_INVALID");
            }
            let url = web_app
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !is_mini_app_url(url) {
                return Err("BUTTON_URL_INVALID");
            }
            keyboard.buttons.push((text.to_owned(), url.to_owned()));
        } else if let Some(url) = button.get("url").and_then(Value::as_str) {
            if !(url.starts_with("https://")
                || url.starts_with("http://")
                || url.starts_with("tg://"))
            {
                return Err("BUTTON_URL_INVALID");
            }
            keyboard.buttons.push((text.to_owned(), url.to_owned()));
        } else if !OTHER_BUTTONS.iter().any(|kind| button.get(kind).is_some()) {
            return Err(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            );
        }
    }
    Ok(keyboard)
}

/// Inline button kinds the fake accepts without recording them.
const OTHER_BUTTONS: [&str; 7] = [
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

/// Telegram opens Mini Apps over https only; the fake also takes loopback http for tests.
fn is_mini_app_url(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://127.0.0.1")
        || url.starts_with("http://localhost")
}

fn delete_message(state: &mut SimState, params: &Params) -> Answer {
    let (Some(chat_id), Some(message_id)) =
        (integer(params, "chat_id"), integer(params, "message_id"))
    else {
        return bad_request("message identifier is not specified");
    };
    let message = state.chats.get_mut(&chat_id).and_then(|c| {
        c.messages
            .iter_mut()
            .find(|m| i64::from(m.message_id) == message_id && !m.deleted)
    });
    match message {
        Some(message) => {
            message.deleted = true;
            ok(json!(true))
        }
        None => bad_request("message to delete not found"),
    }
}

/// The bot's message that editMessageText or editMessageReplyMarkup names, and whether it
/// is in a group.
fn message_to_edit<'s>(
    state: &'s mut SimState,
    params: &Params,
) -> Result<(&'s mut SimMessage, bool), Answer> {
    let (Some(chat_id), Some(message_id)) =
        (integer(params, "chat_id"), integer(params, "message_id"))
    else {
        return Err(bad_request("message identifier is not specified"));
    };
    let Some(chat) = state.chats.get_mut(&chat_id) else {
        return Err(bad_request("chat not found"));
    };
    let in_group = matches!(chat.kind, ChatKind::Group { .. });
    let message = chat
        .messages
        .iter_mut()
        .find(|m| i64::from(m.message_id) == message_id && !m.deleted);
    match message {
        Some(message) if message.from_bot => Ok((message, in_group)),
        Some(_) => Err(bad_request("message can't be edited")),
        None => Err(bad_request("message to edit not found")),
    }
}

/// Gives a message the inline keyboard `markup` (none: the keyboard is removed).
fn set_keyboard(message: &mut SimMessage, markup: Option<Value>, keyboard: Keyboard) {
    message.buttons = keyboard.buttons;
    message.callbacks = keyboard.callbacks;
    match markup {
        Some(markup) => message.json["reply_markup"] = markup,
        None => {
            if let Some(fields) = message.json.as_object_mut() {
                fields.remove("reply_markup");
            }
        }
    }
}

/// New text, and the inline keyboard `reply_markup` gives (none if absent), as Telegram
/// edits: "not modified" only when both are the same as before.
fn edit_message_text(state: &mut SimState, params: &Params) -> Answer {
    let Some(text) = string(params, "text") else {
        return bad_request("message text is empty");
    };
    let (plain, html) = match readable_text(params, text) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if plain.trim().is_empty() {
        return bad_request("message text is empty");
    }
    if plain.encode_utf16().count() > MAX_TEXT {
        return bad_request("message is too long");
    }
    // A photo's caption is edited by editMessageCaption.
    if let Ok((message, _)) = message_to_edit(state, params) {
        if message.photo.is_some() {
            return bad_request("there is no text in the message to edit");
        }
    }
    edit_message(state, params, |message, markup| {
        let same_text = message.text == plain
            && message.html.as_deref().unwrap_or(&message.text)
                == html.as_deref().unwrap_or(&plain);
        if same_text && message.json.get("reply_markup") == markup {
            return Err(bad_request(NOT_MODIFIED));
        }
        message.json["text"] = json!(plain);
        message.text = plain;
        message.html = html;
        Ok(())
    })
}

/// A new inline keyboard for a message (none if `reply_markup` is absent).
fn edit_message_reply_markup(state: &mut SimState, params: &Params) -> Answer {
    edit_message(state, params, |message, markup| {
        if message.json.get("reply_markup") == markup {
            return Err(bad_request(NOT_MODIFIED));
        }
        Ok(())
    })
}

/// An edit of one of the bot's messages: finds it and reads the new keyboard, counts it
/// in a group against the flood limits (Telegram counts a group's edits with its
/// messages), lets `change` refuse or apply the rest, then puts the keyboard on and dates
/// the edit.
fn edit_message(
    state: &mut SimState,
    params: &Params,
    change: impl FnOnce(&mut SimMessage, Option<&Value>) -> Result<(), Answer>,
) -> Answer {
    let (chat_id, in_group) = match message_to_edit(state, params) {
        Ok((message, in_group)) => (message.chat_id, in_group),
        Err(refused) => return refused,
    };
    let (markup, keyboard) = match inline_keyboard(params, in_group) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    if in_group {
        if let Err(refused) = take_slot(state, chat_id) {
            return refused;
        }
    }
    let (message, _) = message_to_edit(state, params).expect("found above");
    if let Err(refused) = change(message, markup.as_ref()) {
        return refused;
    }
    set_keyboard(message, markup, keyboard);
    message.json["edit_date"] = json!(super::unix_now());
    ok(message.json.clone())
}

/// A user's ChatMember object in a chat, with Telegram's refusals: an unknown chat or
/// user, a group the bot was kicked from, someone else in a private chat.
fn get_chat_member(state: &SimState, params: &Params) -> Answer {
    let Some(user_id) = integer(params, "user_id").filter(|&id| id > 0) else {
        return bad_request("invalid user_id specified");
    };
    let Some(chat) = integer(params, "chat_id").and_then(|id| state.chats.get(&id)) else {
        return bad_request("chat not found");
    };
    let is_group = matches!(chat.kind, ChatKind::Group { .. });
    if is_group && !chat.bot_welcome {
        return refuse(403, "Forbidden: bot was kicked from the supergroup chat");
    }
    let is_bot = user_id == state.bot.id;
    let user = if is_bot {
        state.bot.json(true)
    } else {
        match state.users.get(&user_id) {
            Some(user) => user.json(false),
            None => return bad_request("user not found"),
        }
    };
    let status = match &chat.kind {
        ChatKind::Private(owner) if is_bot || user_id == owner.id => MemberStatus::Member,
        ChatKind::Private(_) => return bad_request("member not found"),
        ChatKind::Group { .. } if is_bot => MemberStatus::Member,
        ChatKind::Group { .. } => chat
            .members
            .get(&user_id)
            .copied()
            .unwrap_or(MemberStatus::Left),
    };
    ok(status.chat_member(user))
}

/// Answers a callback query once, within Telegram's time limit after the press.
fn answer_callback_query(state: &mut SimState, params: &Params) -> Answer {
    let query_id = match params.get("callback_query_id") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return bad_request(QUERY_INVALID),
    };
    let Some(query) = state.callback_queries.get_mut(&query_id) else {
        return bad_request(QUERY_INVALID);
    };
    if query.answered || query.created.elapsed() > CALLBACK_ANSWER_WINDOW {
        return bad_request(QUERY_INVALID);
    }
    let text = string(params, "text").filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_CALLBACK_ANSWER) {
        return bad_request("MESSAGE_TOO_LONG");
    }
    query.answered = true;
    state.callback_answers.push(CallbackAnswer {
        query_id,
        text: text.map(str::to_owned),
        show_alert: boolean(params, "show_alert"),
        answered: std::time::Instant::now(),
    });
    ok(json!(true))
}

/// The bot's reaction on a message, replacing the one it set before (an empty list takes
/// it away). Not counted against the flood limits.
fn set_message_reaction(state: &mut SimState, params: &Params) -> Answer {
    let (Some(chat_id), Some(message_id)) =
        (integer(params, "chat_id"), integer(params, "message_id"))
    else {
        return bad_request("message identifier is not specified");
    };
    let Some(chat) = state.chats.get_mut(&chat_id) else {
        return bad_request("chat not found");
    };
    if !chat.bot_welcome {
        return refuse(403, "Forbidden: bot was kicked from the supergroup chat");
    }
    let mut emojis = Vec::new();
    if let Some(reaction) = object(params, "reaction") {
        let Some(reactions) = reaction.as_array() else {
            return bad_request("can't parse reaction types JSON object");
        };
        for reaction in reactions {
            match (reaction["type"].as_str(), reaction["emoji"].as_str()) {
                (Some("emoji"), Some(emoji)) if !emoji.is_empty() => emojis.push(emoji.to_owned()),
                _ => return bad_request("REACTION_INVALID"),
            }
        }
    }
    if emojis.len() > 1 {
        return bad_request("REACTIONS_TOO_MANY");
    }
    let refuses = chat.refuses_reactions;
    let Some(message) = chat
        .messages
        .iter_mut()
        .find(|m| i64::from(m.message_id) == message_id && !m.deleted)
    else {
        return bad_request("message to react not found");
    };
    if refuses {
        return bad_request("REACTION_INVALID");
    }
    message.reactions = emojis;
    ok(json!(true))
}

fn set_my_commands(state: &mut SimState, params: &Params) -> Answer {
    let Some(Value::Array(commands)) = object(params, "commands") else {
        return bad_request("parameter \"commands\" is required");
    };
    let mut names = Vec::new();
    for command in &commands {
        let name = command
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let description = command
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name_ok = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return bad_request("BOT_COMMAND_INVALID");
        }
        if !(1..=256).contains(&description.chars().count()) {
            return bad_request("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        names.push(name.to_owned());
    }
    let scope = object(params, "scope")
        .and_then(|s| s.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "default".into());
    // A list for the apps of one language is kept beside the scope's list for everyone.
    let scope = match string(params, "language_code").filter(|code| !code.is_empty()) {
        Some(code) => format!("{scope}:{code}"),
        None => scope,
    };
    state.commands.insert(scope, names);
    ok(json!(true))
}
