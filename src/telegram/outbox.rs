//! Every call the bot makes to a chat is first a row here, written in the same transaction
//! as the change that caused it, so a committed change is always followed by its message.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::limits::{Limits, Rate};
use crate::{
    db::{instance::Instance, now_ms, values_placeholders, Backend, Conn, Db},
    mail::Mail,
    metrics::Waiting,
};

/// A button under a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    #[serde(flatten)]
    pub action: ButtonAction,
}

/// What pressing a button does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ButtonAction {
    /// Opens `url`: as a Mini App inside Telegram when `mini_app` (allowed in private
    /// chats only), otherwise as a link.
    Link { url: String, mini_app: bool },
    /// Sends the bot a `callback_query` carrying `callback_data` (1–64 bytes).
    Callback { callback_data: String },
}

impl Button {
    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            action: ButtonAction::Link {
                url: url.into(),
                mini_app: false,
            },
        }
    }

    pub fn mini_app(text: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            action: ButtonAction::Link {
                url: url.into(),
                mini_app: true,
            },
        }
    }

    /// A button that opens `ticket` in the Mini App: inside Telegram from a private chat
    /// (`private`; web_app buttons are refused in groups) at the Mini App's address
    /// `mini_app_url`, by the direct link `mini_app_link`, or in a browser at the address;
    /// none without either.
    pub fn open_ticket(
        text: impl Into<String>,
        ticket: &str,
        private: bool,
        mini_app_url: Option<&str>,
        mini_app_link: Option<&str>,
    ) -> Option<Self> {
        match (mini_app_url, mini_app_link) {
            (Some(url), _) if private => {
                Some(Self::mini_app(text, format!("{url}?ticket={ticket}")))
            }
            (_, Some(link)) => Some(Self::link(text, format!("{link}?startapp={ticket}"))),
            (Some(url), None) => Some(Self::link(text, format!("{url}?ticket={ticket}"))),
            (None, None) => None,
        }
    }

    pub fn callback(text: impl Into<String>, data: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            action: ButtonAction::Callback {
                callback_data: data.into(),
            },
        }
    }
}

/// Rows of buttons under a message.
pub type Keyboard = Vec<Vec<Button>>;

/// Answers offered in place of the phone's keyboard (private chats): a tap sends the
/// button's text as the person's own message, so a tapped answer and a typed one take
/// the same path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answers {
    /// Rows of answers; the keyboard hides once one is tapped.
    Offer(Vec<Vec<String>>),
    /// One button, labelled so, that sends the person's location (a guest on the way to
    /// the hotel); it stays until taken away.
    ShareLocation(String),
    /// Back to the phone's keyboard.
    Remove,
}

/// A message to edit or delete: one the outbox sent (its Telegram id is known once it is
/// sent, and a chat's rows go out in order, so an edit queued after it finds it sent), or
/// one whose Telegram id is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRef {
    Outbox(i64),
    Telegram(i32),
}

impl MessageRef {
    /// Reads a [`MessageRef`], or a bare Telegram message id: rows of
    /// [`Outgoing::DeleteMessage`] queued before it could name an outbox row hold
    /// `"message_id": 123`.
    fn or_telegram_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Id(i32),
            Ref(MessageRef),
        }
        Ok(match Written::deserialize(deserializer)? {
            Written::Id(id) => MessageRef::Telegram(id),
            Written::Ref(message) => message,
        })
    }
}

/// What a photo shows. A row keeps what to draw, a few bytes, not the image: the sender
/// makes the image when it sends the row ([`Photo::png`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Photo {
    /// A QR code of this text (a QRIS payment string), as a PNG.
    Qr(String),
    /// A photo Telegram keeps, by its file id (one sent to the bot), sent on as it is.
    Telegram(String),
}

impl Photo {
    /// What is sent to Telegram: a PNG made here (failing only for a QR code's text too
    /// long for any QR code), or the id of a photo Telegram has.
    pub fn made(&self) -> Result<super::api::PhotoInput, qrcode::types::QrError> {
        Ok(match self {
            Photo::Qr(text) => super::api::PhotoInput::Upload(super::api::Upload {
                file_name: "qris.png",
                content_type: "image/png",
                bytes: super::qr::png(text)?,
            }),
            Photo::Telegram(file_id) => super::api::PhotoInput::FileId(file_id.clone()),
        })
    }
}

/// Telegram's limit on a photo's caption, in characters after its HTML is read.
pub const MAX_CAPTION: usize = 1024;

/// One call to make to Telegram on behalf of a chat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Outgoing {
    /// An HTML message, optionally as a reply and with buttons, in forum topic `thread`
    /// if given (none: the General topic, or a chat without topics). Should Telegram
    /// refuse the topic (closed or deleted), the sender sends it to the chat without the
    /// topic and without the reply ([`Outgoing::out_of_thread`]).
    SendMessage {
        chat_id: i64,
        html: String,
        reply_to: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        thread: Option<i32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keyboard: Keyboard,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answers: Option<Answers>,
    },
    /// New text (and buttons: none removes them) for a message the bot sent. An edit
    /// replaces the text and buttons wholly, so of the pending edits queued with one
    /// `about` tag in one chat only the newest is sent (the sender drops the others): one
    /// tag names one message.
    EditMessage {
        chat_id: i64,
        message: MessageRef,
        html: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keyboard: Keyboard,
    },
    /// A photo with an HTML caption (at most [`MAX_CAPTION`] characters, as Telegram
    /// allows) and buttons. The image is made when it is sent, from what `photo` says (a
    /// row keeps a few bytes, not an image).
    SendPhoto {
        chat_id: i64,
        photo: Photo,
        caption: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        keyboard: Keyboard,
    },
    /// Deletes a message the bot sent, or one it may delete in a group. One the outbox sent
    /// is named by its row, whose Telegram id the sender looks up; a message that was
    /// never delivered has nothing to delete, and the row is done without a call. Rows
    /// queued before held a bare `message_id`, still read as a Telegram id.
    DeleteMessage {
        chat_id: i64,
        #[serde(alias = "message_id", deserialize_with = "MessageRef::or_telegram_id")]
        message: MessageRef,
    },
    /// The chat's menu button opens the Mini App at `url`.
    SetMenuButton {
        chat_id: i64,
        text: String,
        url: String,
    },
    /// Answers a button press; `text` (at most 200 characters) is shown to the presser
    /// only, as an alert box they must close if `alert`, otherwise as a notice that
    /// fades. Queued under the presser's private chat (`chat_id`), which orders it among
    /// their messages.
    AnswerCallback {
        chat_id: i64,
        query_id: String,
        text: String,
        #[serde(default)]
        alert: bool,
    },
    /// The bot's reaction on a message (replacing any it set before). Queue it with
    /// [`reaction`], which tags it so that [`reactions_refused`] finds a chat
    /// that refuses reactions.
    SetReaction {
        chat_id: i64,
        message_id: i32,
        emoji: String,
    },
    /// Mail to a guest who booked on the web: queued and retried like a message, in the
    /// outbox's one mail lane ([`MAIL_LANE`]).
    Mail(Mail),
    /// An alert to the owners' chat (`TANGKAP_ALERT_CHAT`), an HTML message sent through
    /// the alert bot if there is one, else the main bot; queued in the alert lane
    /// ([`ALERT_LANE`]), so that it waits behind no other message to that chat (one the
    /// main bot cannot send while its token is refused).
    Alert { chat_id: i64, html: String },
}

/// The `chat_id` of every mail row: no Telegram chat has id 0, so mail queues apart from
/// every chat, one at a time, and is never counted against Telegram's limits.
pub const MAIL_LANE: i64 = 0;

/// The `chat_id` of every alert row: no Telegram chat has it, so alerts queue apart from
/// every chat, in order, paced as a group is (a chat id below zero).
pub const ALERT_LANE: i64 = i64::MIN;

impl Outgoing {
    pub fn chat_id(&self) -> i64 {
        match self {
            Outgoing::SendMessage { chat_id, .. }
            | Outgoing::SendPhoto { chat_id, .. }
            | Outgoing::EditMessage { chat_id, .. }
            | Outgoing::DeleteMessage { chat_id, .. }
            | Outgoing::SetMenuButton { chat_id, .. }
            | Outgoing::AnswerCallback { chat_id, .. }
            | Outgoing::SetReaction { chat_id, .. } => *chat_id,
            Outgoing::Mail(_) => MAIL_LANE,
            Outgoing::Alert { .. } => ALERT_LANE,
        }
    }

    /// A call that counts against no limit and needs nothing looked up before it goes
    /// (an answer to a button, a reaction, a deletion of a message whose Telegram id is
    /// known, a menu button): the sender claims many at once.
    pub fn is_plain(&self) -> bool {
        matches!(
            self,
            Outgoing::AnswerCallback { .. }
                | Outgoing::SetReaction { .. }
                | Outgoing::DeleteMessage {
                    message: MessageRef::Telegram(_),
                    ..
                }
                | Outgoing::SetMenuButton { .. }
        )
    }

    /// Telegram's flood limits count messages sent, and in groups edits too (a group's
    /// budget of about 20 a minute is spent by both); not deletions, answers, reactions,
    /// nor edits in private chats.
    pub fn counts_against_limits(&self) -> bool {
        match self {
            Outgoing::SendMessage { .. } | Outgoing::SendPhoto { .. } | Outgoing::Alert { .. } => {
                true
            }
            Outgoing::EditMessage { chat_id, .. } => *chat_id < 0,
            _ => false,
        }
    }

    pub fn with_chat_id(mut self, new_chat: i64) -> Self {
        match &mut self {
            Outgoing::SendMessage { chat_id, .. }
            | Outgoing::SendPhoto { chat_id, .. }
            | Outgoing::EditMessage { chat_id, .. }
            | Outgoing::DeleteMessage { chat_id, .. }
            | Outgoing::SetMenuButton { chat_id, .. }
            | Outgoing::AnswerCallback { chat_id, .. }
            | Outgoing::SetReaction { chat_id, .. }
            | Outgoing::Alert { chat_id, .. } => *chat_id = new_chat,
            Outgoing::Mail(_) => {}
        }
        self
    }

    /// The same message in forum topic `thread` (none: the General topic); anything but
    /// a message to send is left as it is.
    pub fn in_thread(mut self, thread: Option<i32>) -> Self {
        if let Outgoing::SendMessage { thread: topic, .. } = &mut self {
            *topic = thread;
        }
        self
    }

    /// What is sent instead of a message whose topic Telegram refused (closed or
    /// deleted): the same message to the chat itself, not as a reply either, since a reply
    /// lands in the replied message's topic and is refused with it. `None` for anything
    /// not sent into a topic.
    pub fn out_of_thread(&self) -> Option<Outgoing> {
        match self {
            Outgoing::SendMessage {
                thread: Some(_), ..
            } => {
                let mut plain = self.clone().in_thread(None);
                if let Outgoing::SendMessage { reply_to, .. } = &mut plain {
                    *reply_to = None;
                }
                Some(plain)
            }
            _ => None,
        }
    }

    /// A plain message as a reply to `message_id`.
    pub fn reply(chat_id: i64, message_id: i32, html: String) -> Self {
        Outgoing::SendMessage {
            chat_id,
            html,
            reply_to: Some(message_id),
            thread: None,
            keyboard: Vec::new(),
            answers: None,
        }
    }

    /// A plain message, not a reply.
    pub fn message(chat_id: i64, html: String) -> Self {
        Self::with_buttons(chat_id, html, Vec::new())
    }

    /// A message, not a reply, with `keyboard` under it.
    pub fn with_buttons(chat_id: i64, html: String, keyboard: Keyboard) -> Self {
        Outgoing::SendMessage {
            chat_id,
            html,
            reply_to: None,
            thread: None,
            keyboard,
            answers: None,
        }
    }

    /// A message with `keyboard` under it, or, given `edit`, that message of the chat
    /// changed to it (a list redrawn under the button pressed on it).
    pub fn with_buttons_or_edit(
        chat_id: i64,
        edit: Option<i32>,
        html: String,
        keyboard: Keyboard,
    ) -> Self {
        match edit {
            Some(message_id) => Outgoing::EditMessage {
                chat_id,
                message: MessageRef::Telegram(message_id),
                html,
                keyboard,
            },
            None => Self::with_buttons(chat_id, html, keyboard),
        }
    }

    /// The same message with `keyboard` under it (a message or a photo to send; anything
    /// else is left as it is).
    pub fn with_keyboard(mut self, keyboard: Keyboard) -> Self {
        if let Outgoing::SendMessage {
            keyboard: buttons, ..
        }
        | Outgoing::SendPhoto {
            keyboard: buttons, ..
        } = &mut self
        {
            *buttons = keyboard;
        }
        self
    }

    /// A message offering `answers` (or taking offered ones away) in place of the
    /// keyboard.
    pub fn with_answers(chat_id: i64, html: String, answers: Answers) -> Self {
        Outgoing::SendMessage {
            chat_id,
            html,
            reply_to: None,
            thread: None,
            keyboard: Vec::new(),
            answers: Some(answers),
        }
    }
}

/// A queued call as the sender sees it.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: i64,
    pub chat_id: i64,
    pub payload: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// What it is about, if it was queued with a tag ([`enqueue_about`]).
    pub about: Option<String>,
}

/// Queues `message` inside `tx`.
pub async fn enqueue(tx: &mut Conn, message: &Outgoing) -> Result<(), sqlx::Error> {
    enqueue_many(tx, std::slice::from_ref(message)).await
}

/// Queues `message` inside `tx`, untagged, and returns its row id: what a later edit or
/// deletion of the message names ([`MessageRef::Outbox`]).
pub async fn enqueue_returning_id(tx: &mut Conn, message: &Outgoing) -> Result<i64, sqlx::Error> {
    insert_returning_id(tx, message, None).await
}

/// Queues `message` inside `tx`, tagged with what it is `about` (e.g. `applicant:42`), so
/// that [`about`] can find it again; returns its row id.
pub async fn enqueue_about(
    tx: &mut Conn,
    message: &Outgoing,
    about: &str,
) -> Result<i64, sqlx::Error> {
    insert_returning_id(tx, message, Some(about)).await
}

async fn insert_returning_id(
    tx: &mut Conn,
    message: &Outgoing,
    about: Option<&str>,
) -> Result<i64, sqlx::Error> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO outbox (chat_id, payload, about, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(message.chat_id())
    .bind(serde_json::to_string(message).expect("Outgoing always serializes"))
    .bind(about)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
}

/// When the newest message about `about` was queued, if there is one.
pub async fn last_queued_about(tx: &mut Conn, about: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT created_at FROM outbox WHERE about = $1 ORDER BY id DESC LIMIT 1")
        .bind(about)
        .fetch_optional(&mut *tx)
        .await
}

/// `(row id, chat id)` of every message queued with [`enqueue_about`] for `about`.
pub async fn about(tx: &mut Conn, about: &str) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, chat_id FROM outbox WHERE about = $1 ORDER BY id")
        .bind(about)
        .fetch_all(&mut *tx)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// Whether outbox row `id`, a message that counts against Telegram's limits (it has a
/// `sent_at`), went out by `at` (Unix ms).
pub async fn sent_by(conn: &mut Conn, id: i64, at: i64) -> Result<bool, sqlx::Error> {
    let sent: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM outbox WHERE id = $1 AND status = 'sent' AND sent_at <= $2",
    )
    .bind(id)
    .bind(at)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(sent.is_some())
}

/// Whether a message to `chat_id` went out after `since` (Unix ms): the chat takes the
/// bot's messages again. Read over the `(chat_id, sent_at)` index.
pub async fn delivered_since(db: &Db, chat_id: i64, since: i64) -> Result<bool, sqlx::Error> {
    let sent: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM outbox WHERE chat_id = $1 AND sent_at > $2 AND status = 'sent' LIMIT 1",
    )
    .bind(chat_id)
    .bind(since)
    .fetch_optional(db.pool())
    .await?;
    Ok(sent.is_some())
}

/// Telegram's id for the message outbox row `id` sent, once it is sent.
pub async fn sent_message_id(db: &Db, id: i64) -> Result<Option<i32>, sqlx::Error> {
    let sent: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT telegram_message_id FROM outbox WHERE id = $1 AND status = 'sent'",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    Ok(sent.flatten().and_then(|id| i32::try_from(id).ok()))
}

/// What Telegram answers an edit of a message it no longer has (deleted), and what the
/// sender records for an edit of a message that was never delivered.
const EDIT_TARGET_GONE: [&str; 3] = [
    "message to edit not found",
    "MESSAGE_ID_INVALID",
    NEVER_DELIVERED,
];

/// Why an edit of a message the outbox never delivered fails.
pub const NEVER_DELIVERED: &str = "the message to edit was never delivered";

/// Whether an edit that failed with `error` found its message not there (deleted in the
/// chat, or never delivered): editing it again cannot succeed, so the caller stops (a
/// ticket's card deleted by someone in the group).
pub fn edit_target_gone(error: &str) -> bool {
    EDIT_TARGET_GONE.iter().any(|gone| error.contains(gone))
}

/// The tag of every reaction row in `chat_id`, which [`reaction`] gives it.
pub fn reactions_about(chat_id: i64) -> String {
    format!("reactions:{chat_id}")
}

/// The bot's reaction `emoji` on message `message_id` of `chat_id`, with the tag by which
/// [`reactions_refused`] finds it: queue it with [`enqueue_many_about`].
pub fn reaction(chat_id: i64, message_id: i32, emoji: &str) -> (Outgoing, String) {
    let reaction = Outgoing::SetReaction {
        chat_id,
        message_id,
        emoji: emoji.to_owned(),
    };
    (reaction, reactions_about(chat_id))
}

/// Whether `chat_id` refused a reaction for good (reactions turned off in the group, the
/// emoji not allowed there, the bot removed): the caller queues no more reactions there,
/// so the refusal is logged once, by the sender, and not retried. A reaction on a
/// message since deleted says nothing about the chat and does not count. Looked up over
/// the `outbox_about` index, by the tag [`reaction`] gives.
pub async fn reactions_refused(tx: &mut Conn, chat_id: i64) -> Result<bool, sqlx::Error> {
    let refused: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE about = $1 AND status = 'failed' \
         AND last_error NOT LIKE '%message to react not found%' LIMIT 1",
    )
    .bind(reactions_about(chat_id))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(refused.is_some())
}

/// Queues `messages` inside `tx`, in their order, with one statement per chunk.
pub async fn enqueue_many(tx: &mut Conn, messages: &[Outgoing]) -> Result<(), sqlx::Error> {
    let untagged: Vec<(&Outgoing, Option<&str>)> = messages.iter().map(|m| (m, None)).collect();
    insert_many(tx, &untagged).await
}

/// Queues `messages` inside `tx` as [`enqueue_many`] does, each tagged with what it is
/// about (as [`enqueue_about`]).
pub async fn enqueue_many_about(
    tx: &mut Conn,
    messages: &[(Outgoing, String)],
) -> Result<(), sqlx::Error> {
    let tagged: Vec<(&Outgoing, Option<&str>)> = messages
        .iter()
        .map(|(message, about)| (message, Some(about.as_str())))
        .collect();
    insert_many(tx, &tagged).await
}

async fn insert_many(
    tx: &mut Conn,
    messages: &[(&Outgoing, Option<&str>)],
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    for chunk in messages.chunks(Backend::of(tx).rows_per_statement(5)) {
        let sql = format!(
            "INSERT INTO outbox (chat_id, payload, about, next_attempt_at, created_at) VALUES {}",
            values_placeholders(1, chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for (message, about) in chunk {
            query = query
                .bind(message.chat_id())
                .bind(serde_json::to_string(message).expect("Outgoing always serializes"))
                .bind(*about)
                .bind(now)
                .bind(now);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// The oldest pending row of each chat: a chat's messages go out in the order queued, and
/// a chat waiting for its retry holds back only its own later messages.
///
/// Neither backend skips through an index to each group's first row by itself, and a
/// plain `GROUP BY chat_id` reads every pending row; the recursive query below hops from
/// one chat to the next along the `(status, chat_id, id)` index instead, so it costs a few
/// index seeks per chat however long the queue is.
pub async fn heads(db: &Db, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let rows = sqlx::query(
        "WITH RECURSIVE chats(chat_id) AS ( \
             SELECT MIN(chat_id) FROM outbox WHERE status = 'pending' \
             UNION ALL \
             SELECT (SELECT MIN(chat_id) FROM outbox WHERE status = 'pending' AND chat_id > chats.chat_id) \
             FROM chats WHERE chats.chat_id IS NOT NULL) \
         SELECT o.id, o.chat_id, o.payload, o.attempts, o.next_attempt_at, o.about FROM chats \
         JOIN outbox o ON o.id = (SELECT MIN(id) FROM outbox \
                                  WHERE status = 'pending' AND chat_id = chats.chat_id) \
         ORDER BY o.next_attempt_at, o.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxRow {
                id: row.try_get(0)?,
                chat_id: row.try_get(1)?,
                payload: row.try_get(2)?,
                attempts: row.try_get(3)?,
                next_attempt_at: row.try_get(4)?,
                about: row.try_get(5)?,
            })
        })
        .collect()
}

/// What waits to be sent (for `/metrics`), in Telegram's lane and in the mail lane
/// ([`MAIL_LANE`]). Counted
/// over the `(status, chat_id, id)` index; a lane's oldest message is its lowest id (ids
/// are given in the order rows are queued), whose queueing time is read by its key.
pub async fn waiting(db: &Db) -> Result<Lanes, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT lanes.lane, lanes.waiting, o.created_at FROM \
           (SELECT CASE WHEN chat_id = $1 THEN 'mail' ELSE 'telegram' END AS lane, \
                   COUNT(*) AS waiting, MIN(id) AS first \
            FROM outbox WHERE status = 'pending' GROUP BY 1) AS lanes \
         JOIN outbox o ON o.id = lanes.first",
    )
    .bind(MAIL_LANE)
    .fetch_all(db.pool())
    .await?;
    let mut lanes = Lanes::default();
    for row in rows {
        let lane: String = row.try_get(0)?;
        let waiting = Waiting {
            count: row.try_get(1)?,
            oldest_since: row.try_get(2)?,
        };
        match lane.as_str() {
            "mail" => lanes.mail = waiting,
            _ => lanes.telegram = waiting,
        }
    }
    Ok(lanes)
}

/// What waits in each lane of the outbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lanes {
    pub telegram: Waiting,
    pub mail: Waiting,
}

/// How long a claim holds: longer than any one send may take.
const CLAIM_MS: i64 = 30_000;

/// Claims row `id` for sending by this instance. Fails (false) if another instance holds
/// it, or, for a message that counts against Telegram's `limits`, if sending it now would
/// break them counting every instance's messages: those sent within each limit's period
/// and those being sent right now (claimed, not yet recorded). Each instance also paces
/// its own sends; this keeps several of them together within the bot's limits.
pub async fn claim(
    db: &Db,
    id: i64,
    instance: Instance,
    limits: Option<Limits>,
) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let since = |rate: Rate| now - rate.period.as_millis() as i64;
    // No limits: windows that hold nothing and caps that cannot be reached.
    let (chat_since, global_since, global_max, group_since, group_max) = match limits {
        Some(l) => (
            since(l.per_chat),
            since(l.global),
            l.global.count as i64,
            since(l.per_group),
            l.per_group.count as i64,
        ),
        None => (now, now, i64::MAX, now, i64::MAX),
    };
    let query = sqlx::query(
        "UPDATE outbox SET claimed_until = $2, claimed_by = $9 WHERE id = $1 AND status = 'pending' AND claimed_until < $3 \
         AND NOT EXISTS (SELECT 1 FROM outbox AS recent WHERE recent.chat_id = outbox.chat_id \
                         AND recent.status = 'sent' AND recent.sent_at > $4) \
         AND (SELECT COUNT(*) FROM outbox AS sent WHERE sent.sent_at > $5 AND sent.status = 'sent') \
             + (SELECT COUNT(*) FROM outbox AS sending WHERE sending.claimed_until > $3 \
                AND sending.claimed_until > 0 AND sending.status = 'pending') < $6 \
         AND (outbox.chat_id > 0 OR \
              (SELECT COUNT(*) FROM outbox AS mine WHERE mine.chat_id = outbox.chat_id \
               AND mine.status = 'sent' AND mine.sent_at > $7) < $8)",
    )
    .bind(id)
    .bind(now + CLAIM_MS)
    .bind(now)
    .bind(chat_since)
    .bind(global_since)
    .bind(global_max)
    .bind(group_since)
    .bind(group_max)
    .bind(instance.id());
    let claimed = if limits.is_some() && db.backend() == Backend::Postgres {
        // Limited claims are made one at a time across instances, so two of them cannot
        // both take the last free slot.
        let mut tx = db.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LIMITED_CLAIMS_LOCK)
            .execute(&mut *tx)
            .await?;
        let claimed = query.execute(&mut *tx).await?;
        tx.commit().await?;
        claimed
    } else {
        // SQLite has one writer, and so one instance: the statement alone is enough.
        query.execute(db.writer()).await?
    };
    Ok(claimed.rows_affected() == 1)
}

/// Claims rows `ids` of calls that count against no limit ([`Outgoing::is_plain`]) for
/// this instance, in one statement; returns those it got (the others are another
/// instance's).
pub async fn claim_plain(
    db: &Db,
    ids: &[i64],
    instance: Instance,
) -> Result<Vec<i64>, sqlx::Error> {
    let now = now_ms();
    let sql = format!(
        "UPDATE outbox SET claimed_until = $1, claimed_by = $2 \
         WHERE status = 'pending' AND claimed_until < $3 AND id IN {} RETURNING id",
        values_placeholders(4, 1, ids.len())
    );
    let mut query = sqlx::query_scalar(&sql)
        .bind(now + CLAIM_MS)
        .bind(instance.id())
        .bind(now);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(db.writer()).await
}

/// Frees the claims of instances that no longer run (killed while sending), so that their
/// chats go on at once instead of when the claims run out. Returns how many were freed.
pub async fn release_dead_claims(db: &Db, instance: Instance) -> Result<u64, sqlx::Error> {
    let freed = sqlx::query(&format!(
        "UPDATE outbox SET claimed_until = 0, claimed_by = NULL \
         WHERE status = 'pending' AND claimed_until > $1 AND claimed_until > 0 AND {}",
        instance.dead_sql("claimed_by", "$2")
    ))
    .bind(now_ms())
    .bind(instance.id())
    .execute(db.writer())
    .await?;
    Ok(freed.rows_affected())
}

/// The PostgreSQL advisory lock that orders limited claims ("TGKP").
const LIMITED_CLAIMS_LOCK: i64 = 0x5447_4B50;

/// Records delivery. A sent mail's copy goes: it holds a guest's address and, in a
/// confirmation mail, the link that holds a room. Only a message that `counted` against
/// Telegram's limits gets a `sent_at`, which is what [`claim`] counts: an answer to a
/// button or a reaction, sent as fast as they come, must not use up a chat's budget for
/// messages.
pub async fn mark_sent(
    db: &Db,
    id: i64,
    telegram_message_id: Option<i32>,
    counted: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $2, telegram_message_id = $3, \
         attempts = attempts + 1, \
         payload = CASE WHEN chat_id = $4 THEN '{\"sent_mail\":true}' ELSE payload END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(counted.then(now_ms))
    .bind(telegram_message_id.map(i64::from))
    .bind(MAIL_LANE)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Records the delivery of plain calls `ids` ([`Outgoing::is_plain`]: no message id, no
/// `sent_at`) in one statement.
pub async fn mark_plain_sent(db: &Db, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE outbox SET status = 'sent', attempts = attempts + 1 WHERE id IN {}",
        values_placeholders(1, 1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.execute(db.writer()).await?;
    Ok(())
}

/// Drops pending edit `row` if a newer pending edit of its chat has the same `about` tag:
/// an edit replaces a message's text and buttons wholly, so only the newest matters
/// (a card edited three times while its group's budget is spent is edited once). The row
/// is deleted, not marked: it was never a call to make, and no other row refers to an
/// edit. Returns whether it was dropped; a row another instance is sending stays.
pub async fn drop_superseded_edit(db: &Db, row: &OutboxRow) -> Result<bool, sqlx::Error> {
    let Some(about) = &row.about else {
        return Ok(false);
    };
    let newer: Vec<String> = sqlx::query_scalar(
        "SELECT payload FROM outbox WHERE about = $1 AND chat_id = $2 AND status = 'pending' \
         AND id > $3",
    )
    .bind(about)
    .bind(row.chat_id)
    .bind(row.id)
    .fetch_all(db.pool())
    .await?;
    let superseded = newer.iter().any(|payload| {
        matches!(
            serde_json::from_str::<Outgoing>(payload),
            Ok(Outgoing::EditMessage { .. })
        )
    });
    if !superseded {
        return Ok(false);
    }
    let dropped = sqlx::query(
        "DELETE FROM outbox WHERE id = $1 AND status = 'pending' AND claimed_until < $2",
    )
    .bind(row.id)
    .bind(now_ms())
    .execute(db.writer())
    .await?;
    Ok(dropped.rows_affected() == 1)
}

/// Replaces row `id`'s call by `message` (a message sent out of a refused topic), so
/// that a retry or a restart makes the call as it now stands.
pub async fn rewrite(db: &Db, id: i64, message: &Outgoing) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET payload = $2 WHERE id = $1")
        .bind(id)
        .bind(serde_json::to_string(message).expect("Outgoing always serializes"))
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Leaves the row pending until `at` (Unix ms), noting why.
pub async fn retry_at(db: &Db, id: i64, at: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
         claimed_until = 0 WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(error)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Gives up on a row Telegram refused for good; the reason stays for the operator.
pub async fn mark_failed(db: &Db, id: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// A group became a supergroup: its pending messages follow it to the new chat id (alerts
/// stay in their lane, addressed to it).
pub async fn move_chat(db: &Db, from: i64, to: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let rows =
        sqlx::query("SELECT id, payload FROM outbox WHERE chat_id = $1 AND status = 'pending'")
            .bind(from)
            .fetch_all(&mut *tx)
            .await?;
    for row in rows {
        let id: i64 = row.try_get(0)?;
        let payload: String = row.try_get(1)?;
        let (lane, moved) = match serde_json::from_str::<Outgoing>(&payload) {
            Ok(message) => {
                let moved = message.with_chat_id(to);
                let json = serde_json::to_string(&moved).expect("Outgoing always serializes");
                (moved.chat_id(), json)
            }
            Err(_) => (to, payload),
        };
        sqlx::query(
            "UPDATE outbox SET chat_id = $2, payload = $3, next_attempt_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(lane)
        .bind(moved)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_queued_before_topics_and_alerts_still_decode() {
        let message: Outgoing = serde_json::from_str(
            r#"{"method":"send_message","chat_id":-100,"html":"Halo","reply_to":7}"#,
        )
        .unwrap();
        assert_eq!(message, Outgoing::reply(-100, 7, "Halo".into()));
        let answer: Outgoing = serde_json::from_str(
            r#"{"method":"answer_callback","chat_id":42,"query_id":"q","text":"Oke"}"#,
        )
        .unwrap();
        assert!(matches!(
            answer,
            Outgoing::AnswerCallback { alert: false, .. }
        ));
        // A message without a topic is written as before.
        let written = serde_json::to_string(&Outgoing::reply(-100, 7, "Halo".into())).unwrap();
        assert!(!written.contains("thread"), "{written}");
    }

    #[test]
    fn deletions_queued_with_a_bare_message_id_still_decode() {
        let old: Outgoing =
            serde_json::from_str(r#"{"method":"delete_message","chat_id":42,"message_id":123}"#)
                .unwrap();
        let telegram = Outgoing::DeleteMessage {
            chat_id: 42,
            message: MessageRef::Telegram(123),
        };
        assert_eq!(old, telegram);
        assert!(old.is_plain());
        // Written now, either kind of message reads back as it was.
        let queued = Outgoing::DeleteMessage {
            chat_id: 42,
            message: MessageRef::Outbox(7),
        };
        for message in [telegram, queued.clone()] {
            let written = serde_json::to_string(&message).unwrap();
            assert_eq!(serde_json::from_str::<Outgoing>(&written).unwrap(), message);
        }
        // One queued by row is looked up before it goes: not a plain call.
        assert!(!queued.is_plain());
        assert!(!queued.counts_against_limits());
    }

    #[test]
    fn a_photo_is_a_message_that_keeps_what_to_draw() {
        let photo = Outgoing::SendPhoto {
            chat_id: -100,
            photo: Photo::Qr("000201".into()),
            caption: "<b>Bayar</b>".into(),
            keyboard: Vec::new(),
        };
        assert!(photo.counts_against_limits());
        assert!(!photo.is_plain());
        assert_eq!(photo.clone().with_chat_id(-200).chat_id(), -200);
        assert_eq!(photo.out_of_thread(), None);
        let written = serde_json::to_string(&photo).unwrap();
        assert_eq!(
            written,
            r#"{"method":"send_photo","chat_id":-100,"photo":{"qr":"000201"},"caption":"<b>Bayar</b>"}"#
        );
        assert_eq!(serde_json::from_str::<Outgoing>(&written).unwrap(), photo);
        let with_buttons = photo.with_keyboard(vec![vec![Button::callback("Batal", "batal")]]);
        assert!(matches!(
            with_buttons,
            Outgoing::SendPhoto { keyboard, .. } if keyboard.len() == 1
        ));
    }

    #[test]
    fn a_message_out_of_its_topic_is_no_reply_either() {
        let in_topic = Outgoing::reply(-100, 7, "Halo".into()).in_thread(Some(3));
        assert!(matches!(
            in_topic,
            Outgoing::SendMessage {
                thread: Some(3),
                ..
            }
        ));
        assert_eq!(
            in_topic.out_of_thread(),
            Some(Outgoing::message(-100, "Halo".into()))
        );
        assert_eq!(
            Outgoing::reply(-100, 7, "Halo".into()).out_of_thread(),
            None
        );
        let answer = Outgoing::AnswerCallback {
            chat_id: 42,
            query_id: "q".into(),
            text: "Oke".into(),
            alert: true,
        };
        assert_eq!(answer.clone().in_thread(Some(3)), answer);
    }

    #[test]
    fn edits_count_against_the_limits_in_groups_only() {
        let edit = |chat_id| Outgoing::EditMessage {
            chat_id,
            message: MessageRef::Telegram(1),
            html: "Halo".into(),
            keyboard: Vec::new(),
        };
        assert!(edit(-100).counts_against_limits());
        assert!(!edit(42).counts_against_limits());
        assert!(Outgoing::message(42, "Halo".into()).counts_against_limits());
        let reaction = Outgoing::SetReaction {
            chat_id: -100,
            message_id: 1,
            emoji: "👀".into(),
        };
        assert!(!reaction.counts_against_limits());
    }
}
