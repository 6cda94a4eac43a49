//! Long polling. The offset that confirms updates to Telegram is only sent once the batch
//! is committed to the inbox, so a crash at any point makes Telegram deliver it again.

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{
    api::{ApiError, BotApi},
    inbox::{self, RawUpdate},
};
use crate::db::Db;

/// Runs getUpdates until `shutdown`, storing each batch and then waking `new_updates`.
pub async fn run(
    db: Db,
    api: BotApi,
    timeout: Duration,
    new_updates: Arc<Notify>,
    shutdown: CancellationToken,
) {
    // Telegram refuses getUpdates while a webhook is set, e.g. from an earlier webhook run.
    let no_webhook = serde_json::json!({ "drop_pending_updates": false });
    if retry_until_ok(&shutdown, "deleteWebhook", || {
        api.call_method::<bool>("deleteWebhook", &no_webhook, timeout)
    })
    .await
    .is_none()
    {
        return;
    }
    // No offset at first: Telegram answers with the oldest update not yet confirmed.
    let mut offset = None;
    let mut failures = 0u32;
    loop {
        let batch = tokio::select! {
            batch = api.get_updates(offset, timeout) => batch,
            _ = shutdown.cancelled() => return,
        };
        let values = match batch {
            Ok(values) => {
                failures = 0;
                values
            }
            Err(e) => {
                failures += 1;
                let wait = match e {
                    ApiError::RetryAfter(wait) => wait,
                    _ => Duration::from_millis(250 << failures.min(7)),
                };
                tracing::warn!(error = %e, ?wait, "getUpdates failed");
                if sleep_or_shutdown(wait, &shutdown).await {
                    return;
                }
                continue;
            }
        };
        let updates: Vec<RawUpdate> = values.iter().filter_map(RawUpdate::from_value).collect();
        if updates.len() < values.len() {
            tracing::warn!(
                skipped = values.len() - updates.len(),
                "getUpdates returned items without update_id"
            );
        }
        if !updates.is_empty() {
            let stored =
                retry_until_ok(&shutdown, "storing updates", || inbox::store(&db, &updates)).await;
            if stored.is_none() {
                return;
            }
            new_updates.notify_one();
        }
        if let Some(last) = values
            .iter()
            .filter_map(|v| v.get("update_id")?.as_i64())
            .max()
        {
            offset = Some(last + 1);
        }
    }
}

/// Repeats `call` with growing pauses until it succeeds; `None` if shut down first.
pub async fn retry_until_ok<T, E, F, Fut>(
    shutdown: &CancellationToken,
    what: &str,
    mut call: F,
) -> Option<T>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut failures = 0u32;
    loop {
        match call().await {
            Ok(value) => return Some(value),
            Err(e) => {
                failures += 1;
                let wait = Duration::from_millis(250 << failures.min(7));
                tracing::warn!(error = %e, ?wait, "{what} failed; retrying");
                if sleep_or_shutdown(wait, shutdown).await {
                    return None;
                }
            }
        }
    }
}

/// Sleeps for `wait`; true if `shutdown` came first.
pub async fn sleep_or_shutdown(wait: Duration, shutdown: &CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => false,
        _ = shutdown.cancelled() => true,
    }
}
