//! The problems the owners hear of (`TANGKAP_ALERT_CHAT`), and how far each has been told.
//!
//! Whatever sees a problem reports it ([`report`]): the sender when Telegram refuses a
//! group for good or mail fails, the start when the run before did not stop cleanly, the
//! owners' monitor (`ops::monitor`) for what must be looked at (Telegram unanswering, the
//! webhook, the queue, the disk). A report only writes the problem's row, so it costs one
//! small statement and can be made in any transaction; the monitor, which alone queues the
//! messages, then tells each problem once when it starts, reminds at most once per interval
//! while it lasts, and tells its end once. It decides each of these by a conditional
//! `UPDATE` in the transaction that queues the message, so of several instances, or of a
//! restart, exactly one tells it.
//!
//! This part sits just above `db` so that every part can report (the sender is far below
//! the monitor, which reads the groups' titles and the owners' languages to tell).

use serde::{Deserialize, Serialize};
use sqlx::{Any, Executor, Row};

use crate::db::{now_ms, Conn, Db};

/// A problem, by what it is about; its [`Problem::key`] names its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Problem {
    /// Telegram's Bot API does not answer (network, 5xx) this instance's calls.
    TelegramUnreachable,
    /// Telegram answers the main token with 401: wrong or revoked.
    TokenRefused,
    /// Telegram reports failed deliveries to the webhook (`last_error_message`).
    WebhookFailing,
    /// A message has waited in the outbox too long.
    OutboxStuck,
    /// Telegram refuses a group for good (the bot removed, the group gone).
    ChatRefused(i64),
    /// Mail cannot be handed to the mail server.
    MailFailing,
    /// A backup was not taken or did not check out.
    BackupFailed,
    /// Little free space where the data lives.
    DiskLow,
    /// The database refused or did not answer the monitor's own queries.
    DatabaseErrors,
    /// The run before this one ended without a clean stop.
    UncleanStop,
}

impl Problem {
    /// The stable name of its row: `telegram_unreachable`, `chat_refused:-100123`, …
    pub fn key(self) -> String {
        match self {
            Problem::TelegramUnreachable => "telegram_unreachable".into(),
            Problem::TokenRefused => "token_refused".into(),
            Problem::WebhookFailing => "webhook_error".into(),
            Problem::OutboxStuck => "outbox_stuck".into(),
            Problem::ChatRefused(chat) => format!("chat_refused:{chat}"),
            Problem::MailFailing => "mail_failing".into(),
            Problem::BackupFailed => "backup_failed".into(),
            Problem::DiskLow => "disk_low".into(),
            Problem::DatabaseErrors => "database_errors".into(),
            Problem::UncleanStop => "unclean_stop".into(),
        }
    }

    /// The problem a row names; `None` for a key this version does not know.
    pub fn parse(key: &str) -> Option<Self> {
        if let Some(chat) = key.strip_prefix("chat_refused:") {
            return chat.parse().ok().map(Problem::ChatRefused);
        }
        Some(match key {
            "telegram_unreachable" => Problem::TelegramUnreachable,
            "token_refused" => Problem::TokenRefused,
            "webhook_error" => Problem::WebhookFailing,
            "outbox_stuck" => Problem::OutboxStuck,
            "mail_failing" => Problem::MailFailing,
            "backup_failed" => Problem::BackupFailed,
            "disk_low" => Problem::DiskLow,
            "database_errors" => Problem::DatabaseErrors,
            "unclean_stop" => Problem::UncleanStop,
            _ => return None,
        })
    }

    /// Something that happened rather than a state that lasts: told once, with neither
    /// reminder nor recovery.
    pub fn is_event(self) -> bool {
        self == Problem::UncleanStop
    }
}

/// What was seen of a problem, for the texts that tell it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Seen {
    /// An error, in the words of whatever failed or refused (Telegram, the mail server,
    /// the database).
    Error { message: String },
    /// Telegram's last failed delivery to the webhook, and the updates waiting for it.
    Webhook { message: String, waiting: u64 },
    /// Messages waiting to be sent, the oldest queued at `oldest` (Unix ms).
    Queue { waiting: i64, oldest: i64 },
    /// The fullest filesystem of those the data lives on.
    Disk {
        folder: String,
        free: u64,
        total: u64,
    },
    /// A run that ended without a clean stop: when it started and when it was last seen
    /// alive (Unix ms).
    Stopped { started: i64, last_seen: i64 },
}

/// A report that a problem holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    /// When it began (Unix ms): the report's time, or earlier when the reporter knows
    /// (Telegram failing since its first failed call).
    pub since: i64,
    pub seen: Seen,
}

impl Detail {
    /// A problem seen now, begun now.
    pub fn now(seen: Seen) -> Self {
        Self {
            since: now_ms(),
            seen,
        }
    }

    /// An error, begun now.
    pub fn error(message: impl Into<String>) -> Self {
        Self::now(Seen::Error {
            message: message.into(),
        })
    }
}

/// Says that `problem` holds (`Some`: what was seen of it) or is over (`None`), through
/// `executor`: the database's writer, or a transaction the report belongs to. A problem
/// that holds keeps the start of its occurrence (`since` of its first report); one
/// reported again before its end was told goes on as if it had not ended, so a problem
/// that comes and goes is not told each time.
pub async fn report<'c, E>(
    executor: E,
    problem: Problem,
    detail: Option<&Detail>,
) -> Result<(), sqlx::Error>
where
    E: Executor<'c, Database = Any>,
{
    let now = now_ms();
    match detail {
        Some(detail) => {
            sqlx::query(
                "INSERT INTO alerts (problem, since, detail, times, seen_at) \
                 VALUES ($1, $2, $3, 1, $4) \
                 ON CONFLICT (problem) DO UPDATE SET \
                   times = CASE WHEN alerts.since IS NULL THEN 1 ELSE alerts.times + 1 END, \
                   since = COALESCE(alerts.since, excluded.since), \
                   detail = excluded.detail, seen_at = excluded.seen_at, ended_at = NULL",
            )
            .bind(problem.key())
            .bind(detail.since.min(now))
            .bind(serde_json::to_string(&detail.seen).expect("Seen always serializes"))
            .bind(now)
            .execute(executor)
            .await?;
        }
        None => {
            sqlx::query(
                "UPDATE alerts SET ended_at = $2 \
                 WHERE problem = $1 AND since IS NOT NULL AND ended_at IS NULL",
            )
            .bind(problem.key())
            .bind(now)
            .execute(executor)
            .await?;
        }
    }
    Ok(())
}

/// A problem as its row stands: begun, and perhaps told or ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub problem: Problem,
    /// When its occurrence began (Unix ms).
    pub since: i64,
    /// What was last seen of it; `None` if its row no longer decodes.
    pub seen: Option<Seen>,
    /// How many reports this occurrence has had.
    pub times: i64,
    /// When it was last reported holding.
    pub seen_at: i64,
    /// When its alert or last reminder was queued; `None` while not told.
    pub told_at: Option<i64>,
    /// That message's outbox row.
    pub told_row: Option<i64>,
    /// When it was reported over; its end is still to tell.
    pub ended_at: Option<i64>,
}

/// What is to be done about a held problem now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Tell that it started.
    Raise,
    /// Tell again that it lasts.
    Remind,
    /// Tell that it is over.
    Recover,
    /// It ended before it was told: forget it without a word.
    Forget,
}

impl Held {
    /// What is due at `now`: the alert once the problem has held `grace` (a passing
    /// failure is not a problem yet); a reminder `remind_every` after the last message,
    /// if it was reported again since (a refusal repeated, a state still seen); its end.
    pub fn due(&self, now: i64, grace: i64, remind_every: i64) -> Option<Step> {
        match (self.told_at, self.ended_at) {
            (Some(_), Some(_)) => Some(Step::Recover),
            (None, Some(_)) => Some(Step::Forget),
            (None, None) => (now - self.since >= grace).then_some(Step::Raise),
            (Some(told), None) => {
                (!self.problem.is_event() && now - told >= remind_every && self.seen_at > told)
                    .then_some(Step::Remind)
            }
        }
    }
}

/// Every problem that holds or whose end is still to tell.
pub async fn held(db: &Db) -> Result<Vec<Held>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT problem, since, detail, times, seen_at, told_at, told_row, ended_at \
         FROM alerts WHERE since IS NOT NULL ORDER BY since",
    )
    .fetch_all(db.pool())
    .await?;
    let mut held = Vec::with_capacity(rows.len());
    for row in rows {
        let key: String = row.try_get(0)?;
        let Some(problem) = Problem::parse(&key) else {
            continue;
        };
        let detail: Option<String> = row.try_get(2)?;
        held.push(Held {
            problem,
            since: row.try_get(1)?,
            seen: detail.and_then(|detail| serde_json::from_str(&detail).ok()),
            times: row.try_get(3)?,
            seen_at: row.try_get::<Option<i64>, _>(4)?.unwrap_or_default(),
            told_at: row.try_get(5)?,
            told_row: row.try_get(6)?,
            ended_at: row.try_get(7)?,
        });
    }
    Ok(held)
}

/// Takes `step` for `held` inside `tx`, if its row still stands as read: true for the one
/// caller (instance, pass) that wins it, who then queues its message in `tx`. An event
/// told, or a problem whose end is told or forgotten, is done with: its row waits for the
/// next occurrence.
pub async fn take(tx: &mut Conn, held: &Held, step: Step, now: i64) -> Result<bool, sqlx::Error> {
    let done = "since = NULL, told_at = NULL, told_row = NULL, ended_at = NULL, times = 0";
    let taken = match step {
        Step::Raise if held.problem.is_event() => {
            sqlx::query(&format!(
                "UPDATE alerts SET {done} WHERE problem = $1 AND since = $2 AND told_at IS NULL"
            ))
            .bind(held.problem.key())
            .bind(held.since)
            .execute(&mut *tx)
            .await?
        }
        Step::Raise => {
            sqlx::query(
                "UPDATE alerts SET told_at = $3 WHERE problem = $1 AND since = $2 \
                 AND told_at IS NULL AND ended_at IS NULL",
            )
            .bind(held.problem.key())
            .bind(held.since)
            .bind(now)
            .execute(&mut *tx)
            .await?
        }
        Step::Remind => {
            sqlx::query(
                "UPDATE alerts SET told_at = $3 WHERE problem = $1 AND told_at = $2 \
                 AND ended_at IS NULL",
            )
            .bind(held.problem.key())
            .bind(held.told_at)
            .bind(now)
            .execute(&mut *tx)
            .await?
        }
        Step::Recover | Step::Forget => {
            sqlx::query(&format!(
                "UPDATE alerts SET {done} WHERE problem = $1 AND since = $2 AND ended_at = $3"
            ))
            .bind(held.problem.key())
            .bind(held.since)
            .bind(held.ended_at)
            .execute(&mut *tx)
            .await?
        }
    };
    Ok(taken.rows_affected() == 1)
}

/// Notes the outbox row of the message that told `problem` (an alert or a reminder): the
/// next reminder comes only for a problem seen again after that message went, so that one
/// keeping Telegram from taking messages is not told again and again once it can be.
pub async fn told_in(tx: &mut Conn, problem: Problem, row: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE alerts SET told_row = $2 WHERE problem = $1")
        .bind(problem.key())
        .bind(row)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_each_problem_and_read_back() {
        for problem in [
            Problem::TelegramUnreachable,
            Problem::TokenRefused,
            Problem::WebhookFailing,
            Problem::OutboxStuck,
            Problem::ChatRefused(-1_001_234),
            Problem::MailFailing,
            Problem::BackupFailed,
            Problem::DiskLow,
            Problem::DatabaseErrors,
            Problem::UncleanStop,
        ] {
            assert_eq!(Problem::parse(&problem.key()), Some(problem));
        }
        assert_eq!(Problem::ChatRefused(-42).key(), "chat_refused:-42");
        assert_eq!(Problem::parse("chat_refused:x"), None);
        assert_eq!(Problem::parse("from_a_newer_version"), None);
    }

    #[test]
    fn told_once_reminded_at_most_once_an_interval_while_seen_again_then_ended() {
        let held = Held {
            problem: Problem::DiskLow,
            since: 1_000,
            seen: None,
            times: 1,
            seen_at: 1_000,
            told_at: None,
            told_row: None,
            ended_at: None,
        };
        assert_eq!(held.due(1_500, 1_000, 10_000), None, "within its grace");
        assert_eq!(held.due(2_000, 1_000, 10_000), Some(Step::Raise));
        let told = Held {
            told_at: Some(2_000),
            seen_at: 2_000,
            ..held.clone()
        };
        assert_eq!(told.due(20_000, 1_000, 10_000), None, "not seen since");
        let seen = Held {
            seen_at: 11_000,
            ..told.clone()
        };
        assert_eq!(seen.due(11_000, 1_000, 10_000), None, "too soon");
        assert_eq!(seen.due(12_000, 1_000, 10_000), Some(Step::Remind));
        let ended = Held {
            ended_at: Some(12_500),
            ..seen.clone()
        };
        assert_eq!(ended.due(12_600, 1_000, 10_000), Some(Step::Recover));
        let untold = Held {
            ended_at: Some(1_200),
            ..held.clone()
        };
        assert_eq!(untold.due(1_300, 1_000, 10_000), Some(Step::Forget));
        let event = Held {
            problem: Problem::UncleanStop,
            seen_at: 50_000,
            ..told
        };
        assert_eq!(event.due(60_000, 0, 10_000), None, "an event is told once");
    }
}
