//! A small Bot API client: teloxide supplies the payload and result types, this module the
//! transport. teloxide's own transport sleeps ten seconds inside every call that meets a
//! 5xx and hides the HTTP error code, while the outbox sender must decide for itself when
//! to retry, and tell a permanent refusal (400, 403) from a passing fault.

use std::{fmt, time::Duration};

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use teloxide::requests::Payload;

use crate::config::BotToken;

/// How long an ordinary call may take before it counts as a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

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
}

/// The Bot API endpoint of one bot. Its `Debug` hides the token.
#[derive(Clone)]
pub struct BotApi {
    client: reqwest::Client,
    /// `{api_url}/bot{token}`; never printed.
    base: String,
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
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("a client without custom TLS settings always builds");
        Self {
            client,
            base: format!("{}/bot{}", api_url.trim_end_matches('/'), token.expose()),
        }
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

    pub async fn call_method<T: DeserializeOwned>(
        &self,
        method: &str,
        body: &impl Serialize,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let response = self
            .client
            .post(format!("{}/{method}", self.base))
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(network_error)?;
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
