//! A fake Telegram Bot API server that behaves like Telegram for everything Tangkap uses:
//! the same URLs (`/bot<token>/<method>`, method names in any case, JSON, form or query
//! parameters), the same answers and errors, Telegram's flood limits answered with 429 and
//! `retry_after`, long polling and webhook delivery. Tests, the demo and the benchmarks act
//! as Telegram users through [`FakeTelegram`] and read back what the bot sent. Faults
//! (5xx, 429, 403, slow answers) can be injected per method; a bot's token can be
//! revoked (401), the whole server taken down (connections closed unanswered), and a
//! second bot served beside the first at the same address, as Telegram serves every bot
//! (the owners' alert bot). Beside it, [`pakasir::FakePakasir`] fakes the Pakasir QRIS
//! payment gateway, so the whole payment flow runs offline too.

pub mod html;
pub mod pakasir;
mod server;

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use tokio::sync::{watch, Notify};

use crate::telegram::limits::{Limits, RateLimiter};

pub use html::to_plain_text;

/// A port on 127.0.0.1 that is free now, for a server that binds it later: one whose
/// address must be known before it starts (its public URL), or the `tangkap` binary that a
/// test or a benchmark runs. A port the kernel picks (bind to port 0, then let go) can be
/// handed straight to one of the many outgoing connections a test makes before the server
/// binds it; so ports are taken in turn from a random start below 32768, under the range
/// Linux gives outgoing connections, and never twice by one process. Tests run as many
/// processes at once, and two of them could pick the same free port before either binds
/// it: each port is claimed by a lock on a file of its name, held until the process ends
/// (the kernel lets go of it even after a kill), which another process's claim skips.
pub fn free_port() -> u16 {
    use std::sync::{
        atomic::{AtomicU16, Ordering},
        Mutex, OnceLock,
    };
    const FIRST: u16 = 20_000;
    const SPAN: u16 = 12_000;
    static NEXT: OnceLock<AtomicU16> = OnceLock::new();
    static CLAIMS: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());
    let claims = std::env::temp_dir().join("tangkap-test-ports");
    let _ = std::fs::create_dir_all(&claims);
    let next = NEXT.get_or_init(|| AtomicU16::new(rand::random::<u16>() % SPAN));
    loop {
        let port = FIRST + next.fetch_add(1, Ordering::Relaxed) % SPAN;
        let claim = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(claims.join(port.to_string()));
        // A directory that cannot be written leaves the bind check as the only one.
        let claim = match claim {
            Ok(file) => match file.try_lock() {
                Ok(()) => Some(file),
                Err(_) => continue,
            },
            Err(_) => None,
        };
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            if let Some(file) = claim {
                CLAIMS.lock().expect("port claims").push(file);
            }
            return port;
        }
    }
}

/// A Telegram user the test acts as.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SimUser {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
    /// The language of the person's Telegram app (`id` unless made otherwise).
    pub language_code: String,
}

impl SimUser {
    fn json(&self, is_bot: bool) -> Value {
        let mut user = json!({ "id": self.id, "is_bot": is_bot, "first_name": self.first_name });
        if let Some(username) = &self.username {
            user["username"] = json!(username);
        }
        if !is_bot {
            user["language_code"] = json!(self.language_code);
        }
        user
    }
}

/// What a reader sees of a shared location instead of its map: `📍 -6.17302, 106.81600`,
/// and `(live)` while it is a live one.
fn location_text(location: &Value) -> String {
    let degrees = |field: &str| location[field].as_f64().unwrap_or_default();
    let live = if location.get("live_period").is_some() {
        " (live)"
    } else {
        ""
    };
    format!(
        "📍 {:.5}, {:.5}{live}",
        degrees("latitude"),
        degrees("longitude")
    )
}

/// A position a user shares, as Telegram's `Location`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimPosition {
    pub latitude: f64,
    pub longitude: f64,
    /// Metres, 0–1500.
    pub horizontal_accuracy: Option<f64>,
    /// Seconds a live location is shared for; `None` for a single position.
    pub live_period: Option<i64>,
}

impl SimPosition {
    fn json(&self) -> Value {
        let mut location = json!({ "latitude": self.latitude, "longitude": self.longitude });
        if let Some(accuracy) = self.horizontal_accuracy {
            location["horizontal_accuracy"] = json!(accuracy);
        }
        if let Some(period) = self.live_period {
            location["live_period"] = json!(period);
        }
        location
    }
}

/// The chat id of the first group a fake makes; each next one is one lower, so a test can
/// name a group in the configuration before the fake has made it.
pub const FIRST_GROUP_ID: i64 = -1_001_000_000_001;

/// A message in a chat, as the fake saw it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SimMessage {
    pub message_id: i32,
    pub chat_id: i64,
    /// The sender's user id (the bot's id for the bot's messages).
    pub from_id: i64,
    pub from_name: String,
    pub from_bot: bool,
    /// The text a reader sees (tags removed, entities decoded).
    pub text: String,
    /// The HTML the bot sent, when it used HTML.
    pub html: Option<String>,
    pub reply_to: Option<i32>,
    /// The forum topic it is in (`message_thread_id` of a topic message); none in the
    /// General topic or a group without topics.
    #[serde(default)]
    pub thread: Option<i32>,
    /// The bot's reactions on it (setMessageReaction), each an emoji.
    #[serde(default)]
    pub reactions: Vec<String>,
    /// `(text, url)` of each URL or `web_app` button of its inline keyboard.
    pub buttons: Vec<(String, String)>,
    /// `(text, callback_data)` of each callback button of its inline keyboard, in order.
    pub callbacks: Vec<(String, String)>,
    /// The answers a reply keyboard sent with it offers, row after row.
    pub answers: Vec<String>,
    /// Its reply keyboard has a button that asks for the person's location.
    pub asks_location: bool,
    /// A photo the bot sent (sendPhoto): the image file it uploaded; `text` and `html`
    /// are then its caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Vec<u8>>,
    pub deleted: bool,
    /// When the fake received it.
    #[serde(skip, default = "Instant::now")]
    pub arrived: Instant,
    #[serde(skip)]
    json: Value,
}

/// The messages of every chat, to be given back by [`FakeTelegram::restore_history`]: a
/// demo kept over a restart shows its chats as they were, buttons included.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct History {
    chats: Vec<ChatHistory>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct ChatHistory {
    chat_id: i64,
    next_message_id: i32,
    messages: Vec<KeptMessage>,
}

/// A message with the Bot API object it was made from (a pressed button or an edit sends
/// it back to the bot).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct KeptMessage {
    message: SimMessage,
    json: Value,
}

/// A user's standing in a group, as getChatMember reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum MemberStatus {
    Creator,
    Administrator,
    Member,
    /// Restricted: may not send messages; `is_member` tells whether they are in the group.
    Restricted {
        is_member: bool,
    },
    Left,
    /// Banned: may not come back.
    Kicked,
}

impl MemberStatus {
    /// The ChatMember object Telegram answers for `user` (a User object) in a supergroup.
    fn chat_member(self, user: Value) -> Value {
        match self {
            Self::Creator => json!({ "status": "creator", "user": user, "is_anonymous": false }),
            Self::Administrator => json!({
                "status": "administrator", "user": user, "can_be_edited": false,
                "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
                "can_manage_video_chats": true, "can_restrict_members": true,
                "can_promote_members": false, "can_change_info": true, "can_invite_users": true,
                "can_post_stories": false, "can_edit_stories": false, "can_delete_stories": false,
                "can_pin_messages": true, "can_manage_topics": false,
            }),
            Self::Member => json!({ "status": "member", "user": user }),
            Self::Restricted { is_member } => json!({
                "status": "restricted", "user": user, "is_member": is_member,
                "can_send_messages": false, "can_send_audios": false,
                "can_send_documents": false, "can_send_photos": false, "can_send_videos": false,
                "can_send_video_notes": false, "can_send_voice_notes": false,
                "can_send_polls": false, "can_send_other_messages": false,
                "can_add_web_page_previews": false, "can_change_info": false,
                "can_invite_users": false, "can_pin_messages": false,
                "can_manage_topics": false, "until_date": 0,
            }),
            Self::Left => json!({ "status": "left", "user": user }),
            Self::Kicked => json!({ "status": "kicked", "user": user, "until_date": 0 }),
        }
    }
}

/// A `callback_query` update [`FakeTelegram::press_button`] queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PressedButton {
    pub update_id: i64,
    /// The `id` of the callback query, to answer with answerCallbackQuery.
    pub query_id: String,
}

/// An accepted answerCallbackQuery call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackAnswer {
    pub query_id: String,
    /// The notification text, if any.
    pub text: Option<String>,
    /// Shown as an alert rather than a notification at the top of the chat.
    pub show_alert: bool,
    /// When the fake took it.
    pub answered: Instant,
}

/// How long after the button press Telegram still takes an answer to a callback query.
const CALLBACK_ANSWER_WINDOW: Duration = Duration::from_secs(15);

/// A callback query the bot may still answer.
#[derive(Debug)]
struct OpenQuery {
    created: Instant,
    answered: bool,
}

/// What a fault does to the call it hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status and `ok: false`.
    Status(u16),
    /// Answer 429 with this `retry_after` in seconds.
    RetryAfter(u64),
    /// Wait this long before handling the call normally.
    Delay(Duration),
}

#[derive(Debug)]
struct FaultRule {
    /// Lower-case method name, or every method.
    method: Option<String>,
    remaining: usize,
    fault: Fault,
}

/// Counters a test can assert on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Messages accepted by sendMessage and sendPhoto.
    pub messages_sent: usize,
    /// 429 answers because a flood limit would have been exceeded.
    pub limit_rejections: usize,
    /// Calls answered with an injected fault.
    pub faults_injected: usize,
    /// Calls by lower-case method name.
    pub calls: HashMap<String, usize>,
    /// Files handed out by the download route (`/file/bot<token>/<file_path>`).
    pub files_downloaded: usize,
}

/// Telegram's limit on a caption's length.
const MAX_CAPTION: usize = 1024;

/// A file sent in a chat, as a message names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimFile {
    pub file_id: String,
    pub file_unique_id: String,
}

/// A file the fake holds, for getFile and the download route.
#[derive(Debug)]
struct StoredFile {
    file_unique_id: String,
    file_path: String,
    bytes: axum::body::Bytes,
    /// getFile tells its size (Telegram may leave it out).
    size_told: bool,
    /// Telegram no longer has it: getFile answers `invalid file_id`.
    gone: bool,
}

#[derive(Debug)]
enum ChatKind {
    Private(SimUser),
    Group { title: String },
}

/// Where a forum topic stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopicState {
    Open,
    /// Only admins may post; the bot's messages are refused with `TOPIC_CLOSED`.
    Closed,
    /// Gone with its messages: `message thread not found`.
    Deleted,
}

#[derive(Debug)]
struct SimChat {
    kind: ChatKind,
    messages: Vec<SimMessage>,
    next_message_id: i32,
    /// Groups: the bot is a member. Private chats: the user has started the bot.
    bot_welcome: bool,
    /// Groups: each user's status by user id (no entry: never was in the group).
    members: HashMap<i64, MemberStatus>,
    /// A supergroup with forum topics (`is_forum`).
    forum: bool,
    /// A forum's topics by thread id (the id of the message that created each).
    topics: HashMap<i32, TopicState>,
    /// setMessageReaction is refused (`REACTION_INVALID`): reactions are off here.
    refuses_reactions: bool,
}

impl SimChat {
    fn json(&self, id: i64) -> Value {
        match &self.kind {
            ChatKind::Private(user) => {
                let mut chat =
                    json!({ "id": id, "type": "private", "first_name": user.first_name });
                if let Some(username) = &user.username {
                    chat["username"] = json!(username);
                }
                chat
            }
            ChatKind::Group { title } if self.forum => {
                json!({ "id": id, "type": "supergroup", "title": title, "is_forum": true })
            }
            ChatKind::Group { title } => json!({ "id": id, "type": "supergroup", "title": title }),
        }
    }

    /// Why a message cannot go into topic `thread` now, as Telegram says it.
    fn topic_refusal(&self, thread: i32) -> Option<&'static str> {
        match self.topics.get(&thread).filter(|_| self.forum) {
            Some(TopicState::Open) => None,
            Some(TopicState::Closed) => Some("TOPIC_CLOSED"),
            Some(TopicState::Deleted) | None => Some("message thread not found"),
        }
    }
}

#[derive(Debug)]
struct QueuedUpdate {
    update_id: i64,
    json: Value,
    /// Returned by the next getUpdates even if its offset confirmed it: a redelivery.
    redeliver: bool,
}

#[derive(Clone, Debug)]
struct Webhook {
    url: String,
    secret: Option<String>,
    generation: u64,
    /// The last failed delivery, as getWebhookInfo reports it: when (Unix seconds) and
    /// why, in Telegram's words.
    last_error: Option<(i64, String)>,
}

struct State {
    bot: SimUser,
    next_user_id: i64,
    next_group_id: i64,
    next_update_id: i64,
    chats: HashMap<i64, SimChat>,
    queue: VecDeque<QueuedUpdate>,
    /// Every update ever queued, by id.
    history: HashMap<i64, Value>,
    webhook: Option<Webhook>,
    webhook_generation: u64,
    webhook_statuses: Vec<u16>,
    limiter: RateLimiter,
    stats: SimStats,
    faults: Vec<FaultRule>,
    /// A share of all calls fails at random, drawn from a seeded generator.
    random_faults: Option<(f64, rand::rngs::StdRng)>,
    commands: HashMap<String, Vec<String>>,
    menu_buttons: HashMap<String, Value>,
    /// Every call with the token is refused with 401 ([`FakeTelegram::set_token_revoked`]).
    revoked: bool,
    /// Every user the fake knows (made by `user` or seen acting), by id.
    users: HashMap<i64, SimUser>,
    next_query_id: u64,
    /// Callback queries by id.
    callback_queries: HashMap<String, OpenQuery>,
    callback_answers: Vec<CallbackAnswer>,
    /// Files sent in chats, by file_id.
    files: HashMap<String, StoredFile>,
    /// Set by [`FakeTelegram::redirect_downloads`]: the download route answers with a
    /// redirect there instead of the file.
    downloads_redirected_to: Option<String>,
}

/// One bot's side of the fake: its chats, updates, limits and faults.
struct Shared {
    state: Mutex<State>,
    /// Woken when an update is queued (long polls and the webhook pusher wait on it).
    updates_queued: Notify,
    http: reqwest::Client,
}

/// What the bots served at one address share.
struct Server {
    /// Each bot by its token.
    bots: Mutex<HashMap<String, Arc<Shared>>>,
    /// While true, every connection is closed unanswered ([`FakeTelegram::set_down`]).
    down: watch::Sender<bool>,
    /// How far the fake's clock (its `Date` header) is ahead of the real one, in seconds.
    clock_skew: AtomicI64,
}

/// A running fake Telegram, as one bot sees it; clone it freely.
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    server: Arc<Server>,
    addr: SocketAddr,
}

/// The message and update a user action created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Posted {
    pub message_id: i32,
    pub update_id: i64,
}

impl FakeTelegram {
    /// Starts the server on a free loopback port for the bot with `token`, which must look
    /// like `<digits>:<secret>` (the digits become the bot's user id).
    pub async fn start(token: &str, bot_username: &str) -> std::io::Result<Self> {
        let shared = Shared::new(token, bot_username);
        let server = Arc::new(Server {
            bots: Mutex::new(HashMap::from([(token.to_owned(), shared.clone())])),
            down: watch::Sender::new(false),
            clock_skew: AtomicI64::new(0),
        });
        let addr = server::serve(server.clone()).await?;
        Ok(Self {
            shared,
            server,
            addr,
        })
    }

    /// Serves another bot, with `token`, at the same address (as Telegram serves every
    /// bot at one): its own chats, updates and limits, the same users. Returns the fake as
    /// that bot sees it.
    pub fn add_bot(&self, token: &str, bot_username: &str) -> FakeTelegram {
        let shared = Shared::new(token, bot_username);
        self.server
            .bots
            .lock()
            .expect("never poisoned")
            .insert(token.to_owned(), shared.clone());
        FakeTelegram {
            shared,
            server: self.server.clone(),
            addr: self.addr,
        }
    }

    /// The base URL to give the bot as `TANGKAP_API_URL`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn bot_id(&self) -> i64 {
        self.state().bot.id
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .expect("the fake's state lock is never poisoned")
    }

    /// A new person, whose Telegram app speaks Indonesian.
    pub fn user(&self, first_name: &str, username: Option<&str>) -> SimUser {
        self.user_speaking(first_name, username, "id")
    }

    /// A new person whose Telegram app is set to `language_code` (e.g. `en-GB`).
    pub fn user_speaking(
        &self,
        first_name: &str,
        username: Option<&str>,
        language_code: &str,
    ) -> SimUser {
        let mut state = self.state();
        let id = state.next_user_id;
        state.next_user_id += 1;
        let user = SimUser {
            id,
            first_name: first_name.to_owned(),
            username: username.map(str::to_owned),
            language_code: language_code.to_owned(),
        };
        state.users.insert(id, user.clone());
        user
    }

    /// A new supergroup with the bot in it (no update is sent for the bot joining).
    pub fn group(&self, title: &str) -> i64 {
        self.make_group(title, false)
    }

    /// A new supergroup with forum topics (`is_forum`) and the bot in it. Its messages
    /// are in the General topic until topics are opened ([`FakeTelegram::open_topic`]).
    pub fn forum_group(&self, title: &str) -> i64 {
        self.make_group(title, true)
    }

    fn make_group(&self, title: &str, forum: bool) -> i64 {
        let mut state = self.state();
        let id = state.next_group_id;
        state.next_group_id -= 1;
        let mut chat = new_chat(
            ChatKind::Group {
                title: title.to_owned(),
            },
            true,
        );
        chat.forum = forum;
        state.chats.insert(id, chat);
        id
    }

    /// An admin opens topic `name` in forum `chat_id`; returns its thread id, which is, as
    /// in Telegram, the id of its `forum_topic_created` service message (no update is
    /// sent to the bot).
    pub fn open_topic(&self, chat_id: i64, name: &str) -> i32 {
        assert!(
            self.state().chats.get(&chat_id).is_some_and(|c| c.forum),
            "chat {chat_id} is not a forum"
        );
        let admin = SimUser {
            id: ANONYMOUS_ADMIN,
            first_name: "Group".into(),
            username: Some("GroupAnonymousBot".into()),
            language_code: String::new(),
        };
        let content = json!({
            "forum_topic_created": { "name": name, "icon_color": 7_322_096 },
            "sender_chat": self.state().chats[&chat_id].json(chat_id),
        });
        let (posted, _) = self.record(chat_id, &admin, content, false, Presence::Posts);
        let thread = posted.message_id;
        let mut state = self.state();
        let chat = state.chats.get_mut(&chat_id).expect("the chat exists");
        let created = chat.messages.last_mut().expect("just recorded");
        created.thread = Some(thread);
        created.json["message_thread_id"] = json!(thread);
        created.json["is_topic_message"] = json!(true);
        chat.topics.insert(thread, TopicState::Open);
        thread
    }

    /// The topics of forum `chat_id` that are not deleted, oldest first: thread id and
    /// name.
    pub fn topics(&self, chat_id: i64) -> Vec<(i32, String)> {
        let state = self.state();
        let Some(chat) = state.chats.get(&chat_id) else {
            return Vec::new();
        };
        let mut topics: Vec<(i32, String)> = chat
            .messages
            .iter()
            .filter_map(|m| {
                let name = m.json["forum_topic_created"]["name"].as_str()?;
                let open = chat
                    .topics
                    .get(&m.message_id)
                    .is_some_and(|t| *t != TopicState::Deleted);
                open.then(|| (m.message_id, name.to_owned()))
            })
            .collect();
        topics.sort_unstable();
        topics
    }

    /// An admin closes topic `thread`: the bot may no longer post in it.
    pub fn close_topic(&self, chat_id: i64, thread: i32) {
        self.set_topic(chat_id, thread, TopicState::Closed);
    }

    /// An admin deletes topic `thread`, and with it every message in it.
    pub fn delete_topic(&self, chat_id: i64, thread: i32) {
        self.set_topic(chat_id, thread, TopicState::Deleted);
        if let Some(chat) = self.state().chats.get_mut(&chat_id) {
            for message in chat
                .messages
                .iter_mut()
                .filter(|m| m.thread == Some(thread))
            {
                message.deleted = true;
            }
        }
    }

    fn set_topic(&self, chat_id: i64, thread: i32, to: TopicState) {
        let mut state = self.state();
        let topic = state
            .chats
            .get_mut(&chat_id)
            .and_then(|chat| chat.topics.get_mut(&thread));
        let Some(topic) = topic else {
            drop(state);
            panic!("chat {chat_id} has no topic {thread}");
        };
        *topic = to;
    }

    /// `from` sends `text` in topic `thread` of a forum: a topic message, which Telegram
    /// marks with `message_thread_id` and `is_topic_message` (and sends as a reply to the
    /// topic's first message). Messages sent with [`FakeTelegram::send_to_group`] are in
    /// the General topic.
    pub fn send_to_topic(&self, chat_id: i64, thread: i32, from: &SimUser, text: &str) -> Posted {
        let created = {
            let state = self.state();
            let chat = state.chats.get(&chat_id).expect("the chat exists");
            if let Some(refusal) = chat.topic_refusal(thread) {
                drop(state);
                panic!("topic {thread} of chat {chat_id}: {refusal}");
            }
            chat.messages
                .iter()
                .find(|m| m.message_id == thread)
                .map(|m| m.json.clone())
        };
        self.post(
            chat_id,
            from,
            json!({
                "text": text, "entities": command_entities(text),
                "message_thread_id": thread, "is_topic_message": true,
                "reply_to_message": created,
            }),
        )
    }

    /// Someone deletes message `message_id` of `chat_id` (an admin deletes the bot's
    /// message): Telegram tells the bot nothing, and later edits of it are refused.
    pub fn delete_message(&self, chat_id: i64, message_id: i32) {
        let mut state = self.state();
        let message = state.chats.get_mut(&chat_id).and_then(|chat| {
            chat.messages
                .iter_mut()
                .find(|m| m.message_id == message_id)
        });
        let Some(message) = message else {
            drop(state);
            panic!("chat {chat_id} has no message {message_id}");
        };
        message.deleted = true;
    }

    /// Reactions are turned off in `chat_id`: setMessageReaction is refused there with
    /// `Bad Request: REACTION_INVALID`.
    pub fn refuse_reactions(&self, chat_id: i64) {
        if let Some(chat) = self.state().chats.get_mut(&chat_id) {
            chat.refuses_reactions = true;
        }
    }

    /// The bot's reactions on message `message_id` of `chat_id`.
    pub fn reactions(&self, chat_id: i64, message_id: i32) -> Vec<String> {
        self.state()
            .chats
            .get(&chat_id)
            .and_then(|chat| chat.messages.iter().find(|m| m.message_id == message_id))
            .map(|m| m.reactions.clone())
            .unwrap_or_default()
    }

    /// A new supergroup the bot is then added to, with the my_chat_member update Telegram
    /// sends for that; `by` is a member of the group.
    pub fn add_bot_to_new_group(&self, title: &str, by: &SimUser) -> i64 {
        let id = self.group(title);
        let mut state = self.state();
        know(&mut state, by);
        state
            .chats
            .get_mut(&id)
            .expect("made above")
            .members
            .insert(by.id, MemberStatus::Member);
        let chat = state.chats[&id].json(id);
        let bot = state.bot.json(true);
        let update = json!({ "my_chat_member": {
            "chat": chat, "from": by.json(false), "date": unix_now(),
            "old_chat_member": { "user": bot, "status": "left" },
            "new_chat_member": { "user": bot, "status": "member" },
        }});
        queue_update(&mut state, update);
        drop(state);
        self.shared.updates_queued.notify_waiters();
        id
    }

    /// `from` sends `text` in a group (and so is in it: a member unless they have a status
    /// there already).
    pub fn send_to_group(&self, chat_id: i64, from: &SimUser, text: &str) -> Posted {
        self.post(
            chat_id,
            from,
            json!({ "text": text, "entities": command_entities(text) }),
        )
    }

    /// `from` sends `text` to the bot in their private chat.
    pub fn send_private(&self, from: &SimUser, text: &str) -> Posted {
        self.make_private_chat(from);
        self.post(
            from.id,
            from,
            json!({ "text": text, "entities": command_entities(text) }),
        )
    }

    /// `from` shares a location in the private chat with the bot: a single one, or with
    /// `live_period` (seconds) a live location whose later positions arrive as edits
    /// ([`FakeTelegram::move_live_location`]).
    pub fn send_location(&self, from: &SimUser, position: SimPosition) -> Posted {
        self.make_private_chat(from);
        self.post(from.id, from, json!({ "location": position.json() }))
    }

    /// A live location shared in message `message_id` of `from`'s private chat moves on:
    /// Telegram sends the new position as an `edited_message`.
    pub fn move_live_location(
        &self,
        from: &SimUser,
        message_id: i32,
        position: SimPosition,
    ) -> i64 {
        self.edit_sent(from.id, message_id, from, |message| {
            message.json["location"] = position.json();
            message.text = location_text(&message.json["location"]);
        })
    }

    /// `from` sends a sticker.
    pub fn send_sticker(&self, chat_id: i64, from: &SimUser) -> Posted {
        if chat_id == from.id {
            self.make_private_chat(from);
        }
        self.post(
            chat_id,
            from,
            json!({ "sticker": {
                "file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADAQAD", "type": "regular",
                "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"
            }}),
        )
    }

    /// `from` posts a photo in a group, with `caption` under it if given. Telegram sends a
    /// photo in several sizes, smallest first, each a file of its own: `image` is the
    /// largest, the two smaller are thumbnails with bytes of their own. Returns the
    /// message and the largest size's file.
    pub fn send_photo(
        &self,
        chat_id: i64,
        from: &SimUser,
        image: &[u8],
        caption: Option<&str>,
    ) -> (Posted, SimFile) {
        let mut sizes = Vec::new();
        let mut largest = None;
        for (width, height) in [(90, 68), (320, 240), (1280, 960)] {
            let bytes = if width == 1280 {
                image.to_vec()
            } else {
                format!("thumbnail {width}x{height}").into_bytes()
            };
            let (file, size) = self.store_file("photos", "jpg", bytes);
            sizes.push(json!({
                "file_id": file.file_id, "file_unique_id": file.file_unique_id,
                "file_size": size, "width": width, "height": height,
            }));
            largest = Some(file);
        }
        let mut content = caption_content(caption);
        content["photo"] = json!(sizes);
        let posted = self.post(chat_id, from, content);
        (posted, largest.expect("three sizes"))
    }

    /// `from` posts `bytes` in a chat (a group, or their private chat with the bot when
    /// `chat_id` is their id) as a file (a document) named `file_name` of type `mime_type`
    /// (as the sender's app declared it), with `caption` under it if given.
    pub fn send_document(
        &self,
        chat_id: i64,
        from: &SimUser,
        bytes: &[u8],
        file_name: &str,
        mime_type: &str,
        caption: Option<&str>,
    ) -> (Posted, SimFile) {
        if chat_id == from.id {
            self.make_private_chat(from);
        }
        let extension = file_name.rsplit_once('.').map_or("bin", |(_, ext)| ext);
        let (file, size) = self.store_file("documents", extension, bytes.to_vec());
        let mut content = caption_content(caption);
        content["document"] = json!({
            "file_name": file_name, "mime_type": mime_type, "file_id": file.file_id,
            "file_unique_id": file.file_unique_id, "file_size": size,
        });
        let posted = self.post(chat_id, from, content);
        (posted, file)
    }

    /// Keeps `bytes` as a new file under `folder`; returns its ids and size.
    fn store_file(&self, folder: &str, extension: &str, bytes: Vec<u8>) -> (SimFile, usize) {
        keep_file(&mut self.state(), folder, extension, bytes)
    }

    /// The download route answers `302 Found` pointing at `location` + the file's path,
    /// as a hijacked or misconfigured API server might: a client that followed it would
    /// carry its token there.
    pub fn redirect_downloads(&self, location: &str) {
        self.state().downloads_redirected_to = Some(location.to_owned());
    }

    /// getFile leaves out the size of `file`, as Telegram may.
    pub fn hide_file_size(&self, file: &SimFile) {
        if let Some(stored) = self.state().files.get_mut(&file.file_id) {
            stored.size_told = false;
        }
    }

    /// Telegram no longer has `file`: getFile answers `Bad Request: invalid file_id`.
    pub fn lose_file(&self, file: &SimFile) {
        if let Some(stored) = self.state().files.get_mut(&file.file_id) {
            stored.gone = true;
        }
    }

    /// `joined` joins a group: a service message with `new_chat_members`; they become a
    /// member (a restricted user stays restricted, now in the group).
    pub fn join_group(&self, chat_id: i64, joined: &SimUser) -> Posted {
        self.post(
            chat_id,
            joined,
            json!({ "new_chat_members": [joined.json(false)] }),
        )
    }

    /// `user` leaves a group: their status becomes `left` (a restricted user stays
    /// restricted, no longer in the group), and the service message with
    /// `left_chat_member` is queued.
    pub fn leave_group(&self, chat_id: i64, user: &SimUser) -> Posted {
        let content = json!({ "left_chat_member": user.json(false) });
        let (posted, _) = self.record(chat_id, user, content, true, Presence::Leaves);
        self.shared.updates_queued.notify_waiters();
        posted
    }

    /// `by` renames a group: later messages carry the new title, and the service message
    /// with `new_chat_title` is queued.
    pub fn rename_group(&self, chat_id: i64, by: &SimUser, title: &str) -> Posted {
        let renamed = match self.state().chats.get_mut(&chat_id).map(|c| &mut c.kind) {
            Some(ChatKind::Group { title: current }) => {
                title.clone_into(current);
                true
            }
            _ => false,
        };
        assert!(renamed, "chat {chat_id} is not a group");
        self.post(chat_id, by, json!({ "new_chat_title": title }))
    }

    /// A group's title; `None` for a private chat or an unknown one.
    pub fn group_title(&self, chat_id: i64) -> Option<String> {
        match &self.state().chats.get(&chat_id)?.kind {
            ChatKind::Group { title } => Some(title.clone()),
            ChatKind::Private(_) => None,
        }
    }

    /// Sets `user`'s status in a group without any update (an admin promoted, restricted or
    /// banned them, or the group existed before the test).
    pub fn set_member_status(&self, chat_id: i64, user: &SimUser, status: MemberStatus) {
        let mut state = self.state();
        know(&mut state, user);
        let group = state
            .chats
            .get_mut(&chat_id)
            .filter(|chat| matches!(chat.kind, ChatKind::Group { .. }));
        let Some(group) = group else {
            drop(state);
            panic!("chat {chat_id} is not a group");
        };
        group.members.insert(user.id, status);
    }

    /// `user`'s status in a group, `None` if they never were in it.
    pub fn member_status(&self, chat_id: i64, user: &SimUser) -> Option<MemberStatus> {
        self.state()
            .chats
            .get(&chat_id)?
            .members
            .get(&user.id)
            .copied()
    }

    /// `from` edits an earlier message to `text` (an `edited_message` update).
    pub fn edit(&self, chat_id: i64, message_id: i32, from: &SimUser, text: &str) -> i64 {
        self.edit_sent(chat_id, message_id, from, |message| {
            message.text = text.to_owned();
            message.json["text"] = json!(text);
        })
    }

    /// `from` edits message `message_id` of `chat_id` by `change`; Telegram tells the bot
    /// with an `edited_message` update, whose id this returns.
    fn edit_sent(
        &self,
        chat_id: i64,
        message_id: i32,
        from: &SimUser,
        change: impl FnOnce(&mut SimMessage),
    ) -> i64 {
        let mut state = self.state();
        let chat = state.chats.get_mut(&chat_id).expect("the chat exists");
        let message = chat
            .messages
            .iter_mut()
            .find(|m| m.message_id == message_id)
            .expect("the message exists");
        change(message);
        message.json["edit_date"] = json!(unix_now());
        let mut edited = message.json.clone();
        edited["from"] = from.json(false);
        let update_id = queue_update(&mut state, json!({ "edited_message": edited }));
        drop(state);
        self.shared.updates_queued.notify_waiters();
        update_id
    }

    /// Telegram delivers an update again, as it does when it never saw it confirmed.
    pub fn redeliver(&self, update_id: i64) {
        let mut state = self.state();
        let json = state
            .history
            .get(&update_id)
            .expect("the update was sent")
            .clone();
        state.queue.push_back(QueuedUpdate {
            update_id,
            json,
            redeliver: true,
        });
        drop(state);
        self.shared.updates_queued.notify_waiters();
    }

    /// `user` has started the bot: their private chat exists, and the bot may write to them.
    pub fn make_private_chat(&self, user: &SimUser) {
        let mut state = self.state();
        know(&mut state, user);
        state
            .chats
            .entry(user.id)
            .or_insert_with(|| new_chat(ChatKind::Private(user.clone()), true));
    }

    /// `user` presses the callback button with `data` on the bot's message: a
    /// `callback_query` update carrying the message as it is now; `None` if the message
    /// does not (now) have such a button.
    pub fn press_button(
        &self,
        chat_id: i64,
        message_id: i32,
        user: &SimUser,
        data: &str,
    ) -> Option<PressedButton> {
        let has_button = self.state().chats.get(&chat_id).is_some_and(|chat| {
            chat.messages.iter().any(|m| {
                m.message_id == message_id
                    && m.from_bot
                    && !m.deleted
                    && m.callbacks.iter().any(|(_, d)| d == data)
            })
        });
        has_button.then(|| self.press_button_with_data(chat_id, message_id, user, data))
    }

    /// A press on one of the bot's messages carrying `data` whatever its buttons are now:
    /// a client that has not yet seen an edit, or one that forges the data.
    pub fn press_button_with_data(
        &self,
        chat_id: i64,
        message_id: i32,
        user: &SimUser,
        data: &str,
    ) -> PressedButton {
        let (query_id, update) = self.compose_press(chat_id, message_id, user, data);
        let mut state = self.state();
        let update_id = update["update_id"].as_i64().expect("numbered");
        state.queue.push_back(QueuedUpdate {
            update_id,
            json: update,
            redeliver: false,
        });
        drop(state);
        self.shared.updates_queued.notify_waiters();
        PressedButton {
            update_id,
            query_id,
        }
    }

    /// A press as [`FakeTelegram::press_button_with_data`] makes it (its query open for an
    /// answer from now), which the caller delivers itself: the benchmarks post updates to
    /// a webhook at a rate of their choosing. The query's id, and the update.
    pub fn compose_press(
        &self,
        chat_id: i64,
        message_id: i32,
        user: &SimUser,
        data: &str,
    ) -> (String, Value) {
        let mut state = self.state();
        let bot_id = state.bot.id;
        let message = state
            .chats
            .get(&chat_id)
            .and_then(|chat| chat.messages.iter().find(|m| m.message_id == message_id))
            .expect("a message of the bot's")
            .json
            .clone();
        know(&mut state, user);
        let query_id = state.next_query_id.to_string();
        state.next_query_id += 1;
        state.callback_queries.insert(
            query_id.clone(),
            OpenQuery {
                created: Instant::now(),
                answered: false,
            },
        );
        let (_, update) = new_update(
            &mut state,
            json!({ "callback_query": {
                "id": query_id, "from": user.json(false), "message": message,
                "chat_instance": chat_instance(bot_id, chat_id), "data": data,
            }}),
        );
        (query_id, update)
    }

    /// The bot's accepted answerCallbackQuery calls, in order.
    pub fn callback_answers(&self) -> Vec<CallbackAnswer> {
        self.state().callback_answers.clone()
    }

    /// `from` sends `text` in a group, and the caller delivers the update itself (the
    /// benchmarks post updates to a webhook at a concurrency of their choosing). The
    /// message is in the chat like any other, so a reply to it is accepted.
    pub fn compose_in_group(&self, chat_id: i64, from: &SimUser, text: &str) -> Value {
        let content = json!({ "text": text, "entities": command_entities(text) });
        self.record(chat_id, from, content, false, Presence::Posts)
            .1
    }

    fn post(&self, chat_id: i64, from: &SimUser, content: Value) -> Posted {
        let (posted, _) = self.record(chat_id, from, content, true, Presence::Posts);
        self.shared.updates_queued.notify_waiters();
        posted
    }

    /// Adds a message to a chat and makes its update, queued for the bot if `queue`. In a
    /// group the sender is in the group (or leaves it, for the service message saying so).
    fn record(
        &self,
        chat_id: i64,
        from: &SimUser,
        content: Value,
        queue: bool,
        presence: Presence,
    ) -> (Posted, Value) {
        let mut state = self.state();
        know(&mut state, from);
        let chat = state.chats.get_mut(&chat_id).expect("the chat exists");
        if matches!(chat.kind, ChatKind::Group { .. }) {
            let status = chat.members.entry(from.id).or_insert(MemberStatus::Left);
            if *status == MemberStatus::Kicked {
                drop(state);
                panic!(
                    "user {} is banned from chat {chat_id}: they can't post there",
                    from.id
                );
            }
            *status = match (presence, *status) {
                (Presence::Posts, MemberStatus::Left) => MemberStatus::Member,
                (_, MemberStatus::Restricted { .. }) => MemberStatus::Restricted {
                    is_member: presence == Presence::Posts,
                },
                (Presence::Leaves, _) => MemberStatus::Left,
                (Presence::Posts, status) => status,
            };
        }
        let message_id = chat.next_message_id;
        chat.next_message_id += 1;
        let mut message = json!({
            "message_id": message_id, "from": from.json(false), "chat": chat.json(chat_id),
            "date": unix_now(),
        });
        for (key, value) in content.as_object().expect("content is an object") {
            if !value.is_null() && value != &json!([]) {
                message[key] = value.clone();
            }
        }
        let (update_id, update) = new_update(&mut state, json!({ "message": message.clone() }));
        if queue {
            state.queue.push_back(QueuedUpdate {
                update_id,
                json: update.clone(),
                redeliver: false,
            });
        }
        // A photo's caption is what a reader sees of it.
        let text = match message["location"].as_object() {
            Some(_) => location_text(&message["location"]),
            None => message["text"]
                .as_str()
                .or(message["caption"].as_str())
                .unwrap_or_default()
                .to_owned(),
        };
        let thread = message["message_thread_id"]
            .as_i64()
            .filter(|_| message["is_topic_message"] == json!(true))
            .and_then(|id| i32::try_from(id).ok());
        let chat = state.chats.get_mut(&chat_id).expect("the chat exists");
        chat.messages.push(SimMessage {
            message_id,
            chat_id,
            from_id: from.id,
            from_name: from.first_name.clone(),
            from_bot: false,
            text,
            html: None,
            reply_to: None,
            thread,
            reactions: Vec::new(),
            buttons: Vec::new(),
            callbacks: Vec::new(),
            answers: Vec::new(),
            asks_location: false,
            photo: None,
            deleted: false,
            arrived: Instant::now(),
            json: message,
        });
        (
            Posted {
                message_id,
                update_id,
            },
            update,
        )
    }

    /// Every message in a chat, oldest first.
    pub fn messages(&self, chat_id: i64) -> Vec<SimMessage> {
        self.state()
            .chats
            .get(&chat_id)
            .map(|c| c.messages.clone())
            .unwrap_or_default()
    }

    /// The bot's messages in a chat, oldest first.
    pub fn bot_messages(&self, chat_id: i64) -> Vec<SimMessage> {
        self.messages(chat_id)
            .into_iter()
            .filter(|m| m.from_bot)
            .collect()
    }

    /// Waits until the bot has sent at least `count` messages to `chat_id`; returns them.
    pub async fn wait_for_bot_messages(
        &self,
        chat_id: i64,
        count: usize,
        timeout: Duration,
    ) -> Vec<SimMessage> {
        self.wait_until(timeout, |fake| fake.bot_messages(chat_id).len() >= count)
            .await;
        self.bot_messages(chat_id)
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    pub async fn wait_until(&self, timeout: Duration, condition: impl Fn(&Self) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if condition(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn stats(&self) -> SimStats {
        self.state().stats.clone()
    }

    /// Updates not yet confirmed by getUpdates nor accepted by the webhook.
    pub fn pending_updates(&self) -> usize {
        self.state().queue.len()
    }

    /// Command names published for a scope type (`all_private_chats`, `default`, …), or
    /// for the apps of one language in it (`all_private_chats:en`).
    pub fn commands(&self, scope: &str) -> Vec<String> {
        self.state()
            .commands
            .get(scope)
            .cloned()
            .unwrap_or_default()
    }

    /// Continues a chat's message numbering after `last` (a demo restarted on a kept
    /// database must not reuse message ids its orders already point to).
    pub fn resume_message_ids(&self, chat_id: i64, last: i32) {
        if let Some(chat) = self.state().chats.get_mut(&chat_id) {
            chat.next_message_id = chat.next_message_id.max(last.saturating_add(1));
        }
    }

    /// Every chat's messages, for [`FakeTelegram::restore_history`].
    pub fn history(&self) -> History {
        let state = self.state();
        let mut chats: Vec<ChatHistory> = state
            .chats
            .iter()
            .map(|(&chat_id, chat)| ChatHistory {
                chat_id,
                next_message_id: chat.next_message_id,
                messages: chat
                    .messages
                    .iter()
                    .map(|message| KeptMessage {
                        message: message.clone(),
                        json: message.json.clone(),
                    })
                    .collect(),
            })
            .collect();
        chats.sort_by_key(|chat| chat.chat_id);
        History { chats }
    }

    /// Gives the chats that exist now the messages `history` kept for them (and numbers
    /// new messages after those); chats the fake does not know are left out.
    pub fn restore_history(&self, history: History) {
        let mut state = self.state();
        for kept in history.chats {
            let Some(chat) = state.chats.get_mut(&kept.chat_id) else {
                continue;
            };
            chat.messages = kept
                .messages
                .into_iter()
                .map(|KeptMessage { mut message, json }| {
                    message.json = json;
                    message
                })
                .collect();
            chat.next_message_id = chat.next_message_id.max(kept.next_message_id);
        }
    }

    /// Continues the update numbering after `last` (a demo restarted on a kept database
    /// must not reuse update ids its inbox holds: Tangkap would take the new updates for
    /// redeliveries and drop them, as it must).
    pub fn resume_update_ids(&self, last: i64) {
        let mut state = self.state();
        state.next_update_id = state.next_update_id.max(last.saturating_add(1));
    }

    /// The bot's username.
    pub fn bot_username(&self) -> String {
        self.state().bot.username.clone().unwrap_or_default()
    }

    /// The menu button set for a chat (`menu_button` of setChatMenuButton), if any.
    pub fn menu_button(&self, chat_id: i64) -> Option<Value> {
        self.state().menu_buttons.get(&chat_id.to_string()).cloned()
    }

    /// The fake's clock runs `seconds` ahead of the real one (behind if negative): the
    /// `Date` header of its answers says so, as a server with a wrong clock would.
    pub fn skew_clock(&self, seconds: i64) {
        self.server.clock_skew.store(seconds, Ordering::Relaxed);
    }

    /// The webhook URL, if one is set.
    pub fn webhook_url(&self) -> Option<String> {
        self.state().webhook.as_ref().map(|w| w.url.clone())
    }

    /// HTTP statuses the webhook answered, in order.
    pub fn webhook_statuses(&self) -> Vec<u16> {
        self.state().webhook_statuses.clone()
    }

    /// The next `count` calls of `method` (any method if `None`) meet `fault`.
    pub fn inject(&self, method: Option<&str>, count: usize, fault: Fault) {
        self.state().faults.push(FaultRule {
            method: method.map(str::to_ascii_lowercase),
            remaining: count,
            fault,
        });
    }

    /// From now on a `share` (0 to 1) of all calls, chosen at random from `seed`, fails: a
    /// 500 or 502, a 429 asking to wait a second, or an answer 300 ms late.
    pub fn fail_randomly(&self, share: f64, seed: u64) {
        use rand::SeedableRng;
        self.state().random_faults =
            (share > 0.0).then(|| (share, rand::rngs::StdRng::seed_from_u64(seed)));
    }

    /// The bot is removed from a group: later messages to it are refused with 403.
    pub fn kick_bot(&self, chat_id: i64) {
        if let Some(chat) = self.state().chats.get_mut(&chat_id) {
            chat.bot_welcome = false;
        }
    }

    /// The bot is added to a group it was removed from: messages to it go through again.
    pub fn readd_bot(&self, chat_id: i64) {
        if let Some(chat) = self.state().chats.get_mut(&chat_id) {
            chat.bot_welcome = true;
        }
    }

    /// The token is revoked (`true`, as BotFather does) or valid again: while revoked,
    /// every call with it is answered 401 `Unauthorized`, as Telegram answers a wrong
    /// token.
    pub fn set_token_revoked(&self, revoked: bool) {
        self.state().revoked = revoked;
    }

    /// Telegram cannot be reached (`true`) or can again: while down, the server closes
    /// every connection unanswered, new ones at once and open ones (a long poll) as it goes
    /// down, for every bot it serves.
    pub fn set_down(&self, down: bool) {
        self.server.down.send_replace(down);
    }

    /// A delivery to the webhook failed just now, as Telegram words it (`Connection
    /// refused`, `Wrong response from the webhook: 502 Bad Gateway`): getWebhookInfo
    /// reports it, dated now, until the webhook is set again.
    pub fn webhook_error(&self, message: &str) {
        if let Some(webhook) = self.state().webhook.as_mut() {
            webhook.last_error = Some((unix_now(), message.to_owned()));
        }
    }
}

impl Shared {
    /// A bot with `token` (`<digits>:<secret>`, the digits its user id) and no chats yet.
    fn new(token: &str, bot_username: &str) -> Arc<Self> {
        let bot_id = token
            .split_once(':')
            .and_then(|(id, _)| id.parse().ok())
            .unwrap_or(1);
        Arc::new(Shared {
            state: Mutex::new(State {
                bot: SimUser {
                    id: bot_id,
                    first_name: "Tangkap".into(),
                    username: Some(bot_username.to_owned()),
                    language_code: String::new(),
                },
                next_user_id: 5_000_001,
                next_group_id: FIRST_GROUP_ID,
                next_update_id: 700_000_001,
                chats: HashMap::new(),
                queue: VecDeque::new(),
                history: HashMap::new(),
                webhook: None,
                webhook_generation: 0,
                webhook_statuses: Vec::new(),
                limiter: RateLimiter::new(Limits::TELEGRAM),
                stats: SimStats::default(),
                faults: Vec::new(),
                random_faults: None,
                commands: HashMap::new(),
                menu_buttons: HashMap::new(),
                revoked: false,
                users: HashMap::new(),
                next_query_id: 4_242_000_000_000_000_001,
                callback_queries: HashMap::new(),
                callback_answers: Vec::new(),
                files: HashMap::new(),
                downloads_redirected_to: None,
            }),
            updates_queued: Notify::new(),
            http: reqwest::Client::new(),
        })
    }
}

/// What a user's message says about their being in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presence {
    /// They post, so they are in it.
    Posts,
    /// The service message of their leaving.
    Leaves,
}

fn new_chat(kind: ChatKind, bot_welcome: bool) -> SimChat {
    SimChat {
        kind,
        messages: Vec::new(),
        next_message_id: 1,
        bot_welcome,
        members: HashMap::new(),
        forum: false,
        topics: HashMap::new(),
        refuses_reactions: false,
    }
}

/// Telegram's `GroupAnonymousBot`, the sender of what a group's anonymous admins do.
const ANONYMOUS_ADMIN: i64 = 1_087_968_824;

/// Remembers a user, for getChatMember to find.
fn know(state: &mut State, user: &SimUser) {
    state.users.entry(user.id).or_insert_with(|| user.clone());
}

/// A stable `chat_instance` for callback queries from a chat, as Telegram gives one per
/// chat and bot.
fn chat_instance(bot_id: i64, chat_id: i64) -> String {
    let mixed = (chat_id ^ bot_id.rotate_left(32)) as u64;
    (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) as i64).to_string()
}

fn queue_update(state: &mut State, body: Value) -> i64 {
    let (update_id, update) = new_update(state, body);
    state.queue.push_back(QueuedUpdate {
        update_id,
        json: update,
        redeliver: false,
    });
    update_id
}

/// Numbers an update and keeps it for redelivery.
fn new_update(state: &mut State, mut body: Value) -> (i64, Value) {
    let update_id = state.next_update_id;
    state.next_update_id += 1;
    body["update_id"] = json!(update_id);
    state.history.insert(update_id, body.clone());
    (update_id, body)
}

/// The caption of a photo or file, with its command marked as Telegram marks it; an
/// app does not send a caption over Telegram's limit.
fn caption_content(caption: Option<&str>) -> Value {
    let Some(caption) = caption else {
        return json!({});
    };
    assert!(
        caption.chars().count() <= MAX_CAPTION,
        "a caption holds at most {MAX_CAPTION} characters"
    );
    json!({ "caption": caption, "caption_entities": command_entities(caption) })
}

/// A `bot_command` entity for a message starting with `/`, as Telegram marks it.
fn command_entities(text: &str) -> Value {
    if !text.starts_with('/') {
        return Value::Null;
    }
    let word = text.split(char::is_whitespace).next().unwrap_or_default();
    json!([{ "type": "bot_command", "offset": 0, "length": word.encode_utf16().count() }])
}

/// Keeps `bytes` as a new file under `folder`; returns its ids and size.
fn keep_file(state: &mut State, folder: &str, extension: &str, bytes: Vec<u8>) -> (SimFile, usize) {
    let n = state.files.len() + 1;
    // Unique ids are Telegram's for ever: random, so that no two fakes (a demo started
    // again on kept photos) name two files alike.
    let file = SimFile {
        file_id: format!("AgACAgUAAxkBAAIB{n:06}{:016x}", rand::random::<u64>()),
        file_unique_id: format!("AQAD{:016x}", rand::random::<u64>()),
    };
    let size = bytes.len();
    state.files.insert(
        file.file_id.clone(),
        StoredFile {
            file_unique_id: file.file_unique_id.clone(),
            file_path: format!("{folder}/file_{n}.{extension}"),
            bytes: bytes.into(),
            size_told: true,
            gone: false,
        },
    );
    (file, size)
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn callback_queries_can_be_answered_for_fifteen_seconds_only() {
        let fake = FakeTelegram::start("4242:AAToken", "tangkap_bot")
            .await
            .unwrap();
        let user = fake.user("Ani", None);
        fake.make_private_chat(&user);
        let send = format!("{}/bot4242:AAToken/sendMessage", fake.api_url());
        let keyboard = json!({ "inline_keyboard": [[{ "text": "Ya", "callback_data": "ya" }]] });
        let http = reqwest::Client::new();
        let sent = http
            .post(&send)
            .json(&json!({ "chat_id": user.id, "text": "Pilih", "reply_markup": keyboard }))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200);
        let message_id = fake.bot_messages(user.id)[0].message_id;
        let pressed = fake.press_button(user.id, message_id, &user, "ya").unwrap();
        fake.state()
            .callback_queries
            .get_mut(&pressed.query_id)
            .unwrap()
            .created -= CALLBACK_ANSWER_WINDOW + Duration::from_secs(1);
        let answer = http
            .post(send.replace("sendMessage", "answerCallbackQuery"))
            .json(&json!({ "callback_query_id": pressed.query_id }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(
            body["description"],
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        );
        assert!(fake.callback_answers().is_empty());
    }

    #[tokio::test]
    async fn photos_are_uploaded_as_telegram_takes_them() {
        use crate::{
            config::BotToken,
            telegram::api::{ApiError, BotApi, PhotoInput, Upload},
        };
        const TOKEN: &str = "4242:AAPhotosOfTheFakeBotApi_0123456789";
        let fake = FakeTelegram::start(TOKEN, "tangkap_bot").await.unwrap();
        let api = BotApi::new(&fake.api_url(), &BotToken::parse(TOKEN).unwrap());
        let group = fake.group("Kasir");
        let png = crate::telegram::qr::png("000201010211").unwrap();
        let upload = || {
            PhotoInput::Upload(Upload {
                file_name: "qris.png",
                content_type: "image/png",
                bytes: png.clone(),
            })
        };
        let markup = teloxide::types::InlineKeyboardMarkup::new([[
            teloxide::types::InlineKeyboardButton::callback("Batal", "batal"),
        ]]);
        let sent = api
            .send_photo(group, upload(), "Bayar <b>sekarang</b>", Some(&markup))
            .await
            .unwrap();
        let sizes = sent.photo().expect("a photo message");
        assert_eq!(sent.caption(), Some("Bayar sekarang"));
        let largest = sizes.last().unwrap();
        assert_eq!(largest.file.size as usize, png.len());
        // Version 1, 21 modules and the quiet zone's 8, of 8 pixels each.
        assert_eq!((largest.width, largest.height), (232, 232));
        // The photo is a file of Telegram's, as uploaded.
        let file = api.get_file(&largest.file.id.0).await.unwrap();
        let downloaded = api
            .download(file.file_path.as_deref().unwrap(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(downloaded, png);
        let kept = &fake.bot_messages(group)[0];
        assert_eq!(kept.photo.as_deref(), Some(&png[..]));
        assert_eq!(
            (kept.text.as_str(), kept.html.as_deref()),
            ("Bayar sekarang", Some("Bayar <b>sekarang</b>"))
        );
        assert_eq!(kept.callbacks, [("Batal".to_owned(), "batal".to_owned())]);
        assert_eq!(fake.stats().messages_sent, 1);
        // Sent on by the id Telegram gave it (to another chat: one a second in a group):
        // the same image, nothing uploaded.
        let elsewhere = fake.group("Gudang");
        let again = PhotoInput::FileId(largest.file.id.0.clone());
        api.send_photo(elsewhere, again, "Lagi", None)
            .await
            .unwrap();
        assert_eq!(
            fake.bot_messages(elsewhere)[0].photo.as_deref(),
            Some(&png[..])
        );
        assert_eq!(fake.stats().messages_sent, 2);

        let refused = |result: Result<teloxide::types::Message, ApiError>| match result {
            Err(ApiError::Refused { code, description }) => (code, description),
            other => panic!("not refused: {other:?}"),
        };
        let long = "x".repeat(MAX_CAPTION + 1);
        assert_eq!(
            refused(api.send_photo(group, upload(), &long, None).await),
            (400, "Bad Request: message caption is too long".into())
        );
        assert_eq!(
            refused(api.send_photo(-1, upload(), "Bayar", None).await),
            (400, "Bad Request: chat not found".into())
        );
        let unknown = PhotoInput::FileId("AgACAgUAAxkBAAIBtidak".into());
        assert_eq!(
            refused(api.send_photo(group, unknown, "Bayar", None).await),
            (
                400,
                "Bad Request: wrong file identifier/HTTP URL specified".into()
            )
        );
        let stranger = fake.user("Ani", None);
        assert_eq!(
            refused(api.send_photo(stranger.id, upload(), "Bayar", None).await),
            (400, "Bad Request: chat not found".into())
        );
        let (status, description) = bot_call_as(
            &fake,
            TOKEN,
            "sendPhoto",
            json!({ "chat_id": group, "caption": "Bayar" }),
        )
        .await;
        assert_eq!(
            (status, description),
            (400, json!("Bad Request: there is no photo in the request"))
        );
        // A photo has no text to edit, and is deleted as any message is.
        let message_id = kept.message_id;
        let (status, description) = bot_call_as(
            &fake,
            TOKEN,
            "editMessageText",
            json!({ "chat_id": group, "message_id": message_id, "text": "Lunas" }),
        )
        .await;
        assert_eq!(
            (status, description),
            (
                400,
                json!("Bad Request: there is no text in the message to edit")
            )
        );
        let (status, _) = bot_call_as(
            &fake,
            TOKEN,
            "deleteMessage",
            json!({ "chat_id": group, "message_id": message_id }),
        )
        .await;
        assert_eq!(status, 200);
        assert!(fake.bot_messages(group)[0].deleted);
        // Kept over a restart, with its image.
        let history = serde_json::to_string(&fake.history()).unwrap();
        let restored: History = serde_json::from_str(&history).unwrap();
        let photo = restored.chats[0].messages[0].message.photo.as_deref();
        assert_eq!(photo, Some(&png[..]));
    }

    /// Calls `method` of the fake as the bot; the status and Telegram's description.
    async fn bot_call(fake: &FakeTelegram, method: &str, body: Value) -> (u16, Value) {
        bot_call_as(fake, "4242:AAToken", method, body).await
    }

    /// Calls `method` of the fake as the bot of `token`; the status and Telegram's
    /// description.
    async fn bot_call_as(
        fake: &FakeTelegram,
        token: &str,
        method: &str,
        body: Value,
    ) -> (u16, Value) {
        let answer = reqwest::Client::new()
            .post(format!("{}/bot{token}/{method}", fake.api_url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        (
            status,
            answer.json::<Value>().await.unwrap()["description"].clone(),
        )
    }

    #[tokio::test]
    async fn edits_in_groups_count_against_the_flood_limits_and_in_private_chats_not() {
        let fake = FakeTelegram::start("4242:AAToken", "tangkap_bot")
            .await
            .unwrap();
        let group = fake.group("Operasional");
        let user = fake.user("Ani", None);
        fake.make_private_chat(&user);
        for chat in [group, user.id] {
            let (status, _) = bot_call(
                &fake,
                "sendMessage",
                json!({ "chat_id": chat, "text": "Satu" }),
            )
            .await;
            assert_eq!(status, 200);
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
        for (chat, text) in [
            (group, "Dua"),
            (group, "Tiga"),
            (user.id, "Dua"),
            (user.id, "Tiga"),
        ] {
            let message_id = fake.bot_messages(chat)[0].message_id;
            let edit = json!({ "chat_id": chat, "message_id": message_id, "text": text });
            let (status, description) = bot_call(&fake, "editMessageText", edit).await;
            let limited = chat == group && text == "Tiga";
            assert_eq!(status, if limited { 429 } else { 200 }, "{description}");
        }
        assert_eq!(fake.stats().limit_rejections, 1);
    }

    #[tokio::test]
    async fn topics_take_messages_while_open_and_reactions_need_a_message() {
        let fake = FakeTelegram::start("4242:AAToken", "tangkap_bot")
            .await
            .unwrap();
        let forum = fake.forum_group("Forum");
        let user = fake.user("Ani", None);
        let topic = fake.open_topic(forum, "Tiket");
        let asked = fake.send_to_topic(forum, topic, &user, "Halo");
        let in_general = fake.send_to_group(forum, &user, "Umum");
        let messages = fake.messages(forum);
        assert_eq!(
            messages[0].message_id, topic,
            "the topic is named by its first message"
        );
        assert_eq!(messages[1].thread, Some(topic));
        assert_eq!(messages[1].json["is_topic_message"], json!(true));
        assert_eq!(messages[2].thread, None);
        assert!(messages[2].json.get("message_thread_id").is_none());

        let send = |thread: Option<i32>, reply_to: Option<i32>| {
            let mut body = json!({ "chat_id": forum, "text": "Balasan" });
            if let Some(thread) = thread {
                body["message_thread_id"] = json!(thread);
            }
            if let Some(reply_to) = reply_to {
                body["reply_parameters"] = json!({ "message_id": reply_to });
            }
            bot_call(&fake, "sendMessage", body)
        };
        assert_eq!(send(Some(topic), Some(asked.message_id)).await.0, 200);
        assert_eq!(fake.bot_messages(forum)[0].thread, Some(topic));
        assert_eq!(
            send(Some(999), None).await,
            (400, json!("Bad Request: message thread not found"))
        );
        fake.close_topic(forum, topic);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let closed = (400, json!("Bad Request: TOPIC_CLOSED"));
        assert_eq!(send(Some(topic), None).await, closed);
        assert_eq!(
            send(None, Some(asked.message_id)).await,
            closed,
            "a reply goes to its topic"
        );
        assert_eq!(send(None, Some(in_general.message_id)).await.0, 200);
        fake.delete_topic(forum, topic);
        assert_eq!(
            send(Some(topic), None).await,
            (400, json!("Bad Request: message thread not found"))
        );

        let react = |message_id: i32, emoji: &str| {
            let reaction = json!([{ "type": "emoji", "emoji": emoji }]);
            bot_call(
                &fake,
                "setMessageReaction",
                json!({ "chat_id": forum, "message_id": message_id, "reaction": reaction }),
            )
        };
        assert_eq!(
            react(asked.message_id, "👀").await,
            (400, json!("Bad Request: message to react not found")),
            "gone with its topic"
        );
        assert_eq!(react(in_general.message_id, "👀").await.0, 200);
        assert_eq!(react(in_general.message_id, "👍").await.0, 200);
        assert_eq!(fake.reactions(forum, in_general.message_id), ["👍"]);
        fake.refuse_reactions(forum);
        assert_eq!(
            react(in_general.message_id, "👀").await,
            (400, json!("Bad Request: REACTION_INVALID"))
        );
    }

    #[test]
    fn free_ports_are_below_the_range_of_outgoing_connections_and_never_repeat() {
        let ports: std::collections::HashSet<u16> = (0..100).map(|_| free_port()).collect();
        assert_eq!(ports.len(), 100);
        assert!(
            ports.iter().all(|port| (20_000..32_000).contains(port)),
            "{ports:?}"
        );
        // Another process (a lock taken through a file of its own) cannot claim them.
        let claims = std::env::temp_dir().join("tangkap-test-ports");
        for port in &ports {
            let file = std::fs::File::open(claims.join(port.to_string())).unwrap();
            assert!(file.try_lock().is_err(), "port {port} is claimed");
        }
    }
}
