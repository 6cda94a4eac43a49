//! A small Bot API client: teloxide supplies the payload and result types, this module the
//! transport. teloxide's own transport sleeps ten seconds inside every call that meets a
//! 5xx and hides the HTTP error code, while the outbox sender must decide for itself when
//! to retry, and tell a permanent refusal (400, 403) from a passing fault.
//!
//! Each call also notes whether Telegram answered it ([`BotApi::health`]): every part calls
//! through clones of one client, so what they meet together (Telegram unreachable, the
//! token refused) is known without a call of its own, for the owners' alerts.

use std::{
    fmt,
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime},
};

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use teloxide::{
    requests::Payload,
    types::{InlineKeyboardMarkup, Message},
};

use crate::{config::BotToken, db::now_ms};

/// How long an ordinary call may take before it counts as a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a file download may take, its body included.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("Telegram asked us to wait {0:?} (429)")]
    RetryAfter(Duration),
    #[error("the group became supergroup {0}")]
    MigratedTo(i64),
    #[error("Telegram refused the call ({code}): {description}")]
    Refused { code: u16, description: String },
    #[error("network error: {0}")]
    Network(String),
    #[error("unexpected answer from the Bot API (HTTP {status}): {detail}")]
    BadAnswer { status: u16, detail: String },
}

impl ApiError {
    /// A refusal that repeating the same call cannot change (bot kicked, chat not found,
    /// malformed request). 401 is not among them: a wrong token is fixed by the operator,
    /// after which the queued messages must still go out.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ApiError::Refused {
                code: 400 | 403 | 404,
                ..
            }
        )
    }

    /// A refusal that says the chat is out of the bot's reach for good: the bot was removed
    /// from it or blocked, or the chat is gone (not a refused message: a bad button, a
    /// reaction not allowed there).
    pub fn shuts_the_chat(&self) -> bool {
        match self {
            ApiError::Refused { code: 403, .. } => true,
            ApiError::Refused {
                code: 400,
                description,
            } => [
                "chat not found",
                "group chat was deactivated",
                "PEER_ID_INVALID",
            ]
            .iter()
            .any(|gone| description.contains(gone)),
            _ => false,
        }
    }
}

/// A file to upload with [`BotApi::call_multipart`].
#[derive(Clone, Debug)]
pub struct Upload {
    /// The name Telegram is told (`qris.png`).
    pub file_name: &'static str,
    /// Its type (`image/png`).
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// The photo of a sendPhoto: a file uploaded with the call, or one Telegram has.
#[derive(Clone, Debug)]
pub enum PhotoInput {
    Upload(Upload),
    FileId(String),
}

/// What a download through [`BotApi::download`] can meet besides the Bot API's answers.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DownloadError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// A file as getFile describes it, ready to download.
#[derive(Debug, Clone, Deserialize)]
pub struct FileInfo {
    /// Where [`BotApi::download`] finds it; Telegram leaves it out when it cannot hand
    /// the file out.
    pub file_path: Option<String>,
    /// Its size in bytes, when Telegram knows it.
    pub file_size: Option<u64>,
}

/// getWebhookInfo, as Telegram describes the webhook.
#[derive(Clone, Debug, Deserialize)]
pub struct WebhookInfo {
    /// Where Telegram posts updates; empty without a webhook.
    pub url: String,
    /// Updates waiting to be delivered.
    #[serde(default)]
    pub pending_update_count: u64,
    /// When (Unix seconds) and why the last delivery failed; kept until the webhook is set
    /// again.
    pub last_error_date: Option<i64>,
    pub last_error_message: Option<String>,
}

/// Whether Telegram answers this bot's calls, as they found it (see [`BotApi::health`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Since when (Unix ms) no call has been answered (a network error, a 5xx), if so.
    pub unreachable_since: Option<i64>,
    /// Since when (Unix ms) every answer has refused the token (401), if so.
    pub refused_since: Option<i64>,
    /// The last such failure, as it was met.
    pub last_error: Option<String>,
}

/// Where [`Health`] is kept: 0 for a time means none.
#[derive(Debug, Default)]
struct Answers {
    unreachable_since: AtomicI64,
    refused_since: AtomicI64,
    last_error: Mutex<Option<String>>,
}

impl Answers {
    /// Notes the outcome of one call: an answer that took the token ends both failures;
    /// a 401 is an answer refusing the token; no answer, or a 5xx from Telegram's front,
    /// is Telegram unreachable (and says nothing of the token).
    fn note<T>(&self, outcome: &Result<T, ApiError>) {
        let clear = |since: &AtomicI64| {
            if since.load(Ordering::Relaxed) != 0 {
                since.store(0, Ordering::Relaxed);
            }
        };
        let fail = |since: &AtomicI64, error: &ApiError| {
            let _ = since.compare_exchange(0, now_ms(), Ordering::Relaxed, Ordering::Relaxed);
            *self.last_error.lock().expect("never poisoned") = Some(error.to_string());
        };
        match outcome {
            Err(error @ ApiError::Network(_)) => fail(&self.unreachable_since, error),
            Err(error @ ApiError::Refused { code: 500.., .. })
            | Err(error @ ApiError::BadAnswer { status: 500.., .. }) => {
                fail(&self.unreachable_since, error)
            }
            Err(error @ ApiError::Refused { code: 401, .. }) => {
                clear(&self.unreachable_since);
                fail(&self.refused_since, error);
            }
            _ => {
                clear(&self.unreachable_since);
                clear(&self.refused_since);
            }
        }
    }
}

/// The Bot API endpoint of one bot. Its `Debug` hides the token.
#[derive(Clone)]
pub struct BotApi {
    client: reqwest::Client,
    /// `{api_url}/bot{token}`; never printed.
    base: String,
    /// `{api_url}/file/bot{token}`, where files are downloaded; never printed.
    files: String,
    /// How its calls (and its clones') were answered.
    answers: Arc<Answers>,
}

impl fmt::Debug for BotApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotApi(<redacted>)")
    }
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<serde_json::Value>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

#[derive(Deserialize)]
struct ResponseParameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

impl BotApi {
    pub fn new(api_url: &str, token: &BotToken) -> Self {
        // Every URL holds the token: a redirect followed would carry it (in `Referer`, and
        // to wherever the redirect points), and Telegram's API never redirects.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .expect("a client without custom TLS settings always builds");
        let api_url = api_url.trim_end_matches('/');
        Self {
            client,
            base: format!("{api_url}/bot{}", token.expose()),
            files: format!("{api_url}/file/bot{}", token.expose()),
            answers: Arc::default(),
        }
    }

    /// Whether Telegram has answered the calls made through this client and its clones:
    /// since when it has not, or has refused the token, as the last calls found.
    pub fn health(&self) -> Health {
        let since = |at: &AtomicI64| Some(at.load(Ordering::Relaxed)).filter(|&at| at != 0);
        let unreachable_since = since(&self.answers.unreachable_since);
        let refused_since = since(&self.answers.refused_since);
        let last_error = match (unreachable_since, refused_since) {
            (None, None) => None,
            _ => self
                .answers
                .last_error
                .lock()
                .expect("never poisoned")
                .clone(),
        };
        Health {
            unreachable_since,
            refused_since,
            last_error,
        }
    }

    /// How Telegram describes the bot's webhook.
    pub async fn webhook_info(&self) -> Result<WebhookInfo, ApiError> {
        self.call_method("getWebhookInfo", &serde_json::json!({}), CALL_TIMEOUT)
            .await
    }

    /// Asks Telegram where file `file_id` can be downloaded (getFile).
    pub async fn get_file(&self, file_id: &str) -> Result<FileInfo, ApiError> {
        let body = serde_json::json!({ "file_id": file_id });
        self.call_method("getFile", &body, CALL_TIMEOUT).await
    }

    /// Downloads the file at `file_path` (from [`BotApi::get_file`]), refusing one over
    /// `max_bytes`: by its announced length before reading, and otherwise by stopping as
    /// soon as more has arrived. The URL holds the token, so no error carries it.
    pub async fn download(
        &self,
        file_path: &str,
        max_bytes: u64,
    ) -> Result<Vec<u8>, DownloadError> {
        // Telegram's paths are `photos/file_12.jpg`; anything that could step out of the
        // bot's file folder or add a query is not one of them.
        let plain = !file_path.is_empty()
            && !file_path.starts_with('/')
            && !file_path.contains(['?', '#', '\\', '%'])
            && !file_path.split('/').any(|part| part == "..");
        if !plain {
            return Err(ApiError::BadAnswer {
                status: 200,
                detail: "getFile named an unexpected file path".into(),
            }
            .into());
        }
        let mut response = self
            .client
            .get(format!("{}/{file_path}", self.files))
            .timeout(DOWNLOAD_TIMEOUT)
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        if status != 200 {
            let text = response.text().await.unwrap_or_default();
            let description = serde_json::from_str::<Envelope>(&text)
                .ok()
                .and_then(|envelope| envelope.description)
                .unwrap_or_default();
            return Err(ApiError::Refused {
                code: status,
                description,
            }
            .into());
        }
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes)
        {
            return Err(DownloadError::TooLarge(max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network_error)? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(DownloadError::TooLarge(max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Calls the method of a teloxide payload and decodes its result.
    pub async fn call<P>(&self, payload: &P) -> Result<P::Output, ApiError>
    where
        P: Payload + Serialize,
        P::Output: DeserializeOwned,
    {
        self.call_method(P::NAME, payload, CALL_TIMEOUT).await
    }

    /// Long-polls for updates and returns them as Telegram sent them, so the inbox keeps
    /// the raw JSON even of update kinds this version does not know.
    pub async fn get_updates(
        &self,
        offset: Option<i64>,
        timeout: Duration,
    ) -> Result<Vec<serde_json::Value>, ApiError> {
        let body = serde_json::json!({
            "offset": offset,
            "limit": 100,
            "timeout": timeout.as_secs(),
            "allowed_updates": crate::telegram::ALLOWED_UPDATES,
        });
        self.call_method("getUpdates", &body, timeout + CALL_TIMEOUT)
            .await
    }

    /// Calls `method` with a multipart/form-data body, as Telegram takes uploaded files:
    /// `fields` as text parts, `files` as file parts (each under the parameter named
    /// first). Its answer is read, and its failures told (a 429's `retry_after`, a URL
    /// without the token), as [`BotApi::call_method`]'s are.
    pub async fn call_multipart<T: DeserializeOwned>(
        &self,
        method: &str,
        fields: Vec<(&'static str, String)>,
        files: Vec<(&'static str, Upload)>,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name, value);
        }
        for (name, file) in files {
            let part = reqwest::multipart::Part::bytes(file.bytes)
                .file_name(file.file_name)
                .mime_str(file.content_type)
                .map_err(|_| ApiError::Refused {
                    code: 400,
                    description: format!("{:?} is not a content type", file.content_type),
                })?;
            form = form.part(name, part);
        }
        let outcome = match self
            .client
            .post(format!("{}/{method}", self.base))
            .multipart(form)
            .timeout(timeout)
            .send()
            .await
        {
            Ok(response) => Self::decode(response).await,
            Err(e) => Err(network_error(e)),
        };
        self.answers.note(&outcome);
        outcome
    }

    /// Sends `photo` to `chat_id` with an HTML `caption` and the inline keyboard
    /// `reply_markup` (none: no buttons), by sendPhoto; returns the message sent.
    pub async fn send_photo(
        &self,
        chat_id: i64,
        photo: PhotoInput,
        caption: &str,
        reply_markup: Option<&InlineKeyboardMarkup>,
    ) -> Result<Message, ApiError> {
        let mut fields = vec![
            ("chat_id", chat_id.to_string()),
            ("caption", caption.to_owned()),
            ("parse_mode", "HTML".to_owned()),
        ];
        if let Some(markup) = reply_markup {
            let markup = serde_json::to_string(markup).expect("a keyboard always serializes");
            fields.push(("reply_markup", markup));
        }
        let files = match photo {
            PhotoInput::Upload(upload) => vec![("photo", upload)],
            PhotoInput::FileId(file_id) => {
                fields.push(("photo", file_id));
                Vec::new()
            }
        };
        self.call_multipart("sendPhoto", fields, files, CALL_TIMEOUT)
            .await
    }

    pub async fn call_method<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &impl Serialize,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        self.call_method_dated(method, body, timeout).await.0
    }

    /// [`BotApi::call_method`], with the time the server says it answered (its `Date`
    /// header, to the second), for telling how far this machine's clock is off; none when
    /// nothing answered.
    pub async fn call_method_dated<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &impl Serialize,
        timeout: Duration,
    ) -> (Result<T, ApiError>, Option<SystemTime>) {
        let response = match self
            .client
            .post(format!("{}/{method}", self.base))
            .json(body)
            .timeout(timeout)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => {
                let failed = Err(network_error(e));
                self.answers.note(&failed);
                return (failed, None);
            }
        };
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|date| httpdate::parse_http_date(date.to_str().ok()?).ok());
        let decoded = Self::decode(response).await;
        self.answers.note(&decoded);
        (decoded, date)
    }

    async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
        let status = response.status().as_u16();
        let text = response.text().await.map_err(network_error)?;
        let bad_answer = |e: serde_json::Error| ApiError::BadAnswer {
            status,
            detail: e.to_string(),
        };
        let envelope: Envelope = serde_json::from_str(&text).map_err(bad_answer)?;
        if envelope.ok {
            let result = envelope.result.unwrap_or(serde_json::Value::Null);
            return serde_json::from_value(result).map_err(bad_answer);
        }
        let parameters = envelope.parameters;
        if let Some(secs) = parameters.as_ref().and_then(|p| p.retry_after) {
            return Err(ApiError::RetryAfter(Duration::from_secs(secs)));
        }
        if let Some(chat) = parameters.and_then(|p| p.migrate_to_chat_id) {
            return Err(ApiError::MigratedTo(chat));
        }
        Err(ApiError::Refused {
            code: envelope.error_code.unwrap_or(status),
            description: envelope.description.unwrap_or_default(),
        })
    }
}

/// The URL of a failed request holds the token, so it is dropped from the message.
fn network_error(err: reqwest::Error) -> ApiError {
    let kind = if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "cannot connect"
    } else {
        "transfer failed"
    };
    let err = err.without_url();
    ApiError::Network(format!("{kind}: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_tell_whether_telegram_answers_and_takes_the_token() {
        let token = BotToken::parse("123456:AAHealthOfTheBotApiClient_0123456").unwrap();
        let api = BotApi::new("http://127.0.0.1:9", &token);
        let clone = api.clone();
        assert_eq!(api.health(), Health::default());
        let refused = |code: u16| ApiError::Refused {
            code,
            description: "…".into(),
        };
        clone
            .answers
            .note::<()>(&Err(ApiError::Network("cannot connect".into())));
        let down = api.health();
        assert!(down.unreachable_since.is_some() && down.refused_since.is_none());
        assert_eq!(
            down.last_error.as_deref(),
            Some("network error: cannot connect")
        );
        clone.answers.note::<()>(&Err(refused(502)));
        assert_eq!(
            api.health().unreachable_since,
            down.unreachable_since,
            "since the first"
        );
        clone.answers.note::<()>(&Err(refused(401)));
        let revoked = api.health();
        assert!(revoked.unreachable_since.is_none() && revoked.refused_since.is_some());
        // A 403 or a 429 is Telegram answering, with the token taken.
        clone
            .answers
            .note::<()>(&Err(ApiError::RetryAfter(Duration::from_secs(1))));
        assert_eq!(api.health(), Health::default());
        assert!(refused(403).shuts_the_chat());
        assert!(ApiError::Refused {
            code: 400,
            description: "Bad Request: chat not found".into()
        }
        .shuts_the_chat());
        assert!(!ApiError::Refused {
            code: 400,
            description: "Bad Request: REACTION_INVALID".into()
        }
        .shuts_the_chat());
    }
}
