//! The owners' monitor, running while `TANGKAP_ALERT_CHAT` is set: every
//! [`AlertRules::check_every`] it looks at what nothing else reports (whether Telegram
//! answers the bot, the webhook's last error, the oldest queued message, free disk, runs
//! that ended without a clean stop, its own queries against the database), reports what it
//! sees to `alerts`, then tells the alert chat what is due of every problem, reported by it
//! or by any other part: an alert when one starts, a reminder at most every
//! [`AlertRules::remind_every`] while it lasts, and its end.
//!
//! Messages go through the outbox like any other (its alert lane, through the alert bot if
//! there is one), queued in the transaction that marks them told. A database that does not
//! answer cannot take them: its trouble is kept here meanwhile and told once it answers
//! again.

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::{
    alerts::{self, Detail, Held, Problem, Seen, Step},
    db::{instance::Instance, now_ms, Db},
    groups,
    lang::{self, Lang},
    ops::{
        alert_texts::{self, Stage, Telling},
        disk,
    },
    settings::{AlertRules, Config, Intake},
    telegram::{
        api::BotApi,
        outbox::{self, Outgoing},
        polling::sleep_or_shutdown,
    },
};

/// Watches and tells; see the module's documentation.
pub struct Monitor {
    pub db: Db,
    pub config: Arc<Config>,
    /// The main bot's client, shared with every part that calls Telegram: whether its calls
    /// are answered, and the webhook's state.
    pub api: BotApi,
    pub instance: Instance,
    /// Woken when alerts are queued.
    pub new_messages: Arc<Notify>,
}

/// The database failing the monitor's own queries, since when, and how.
struct Trouble {
    since: i64,
    error: String,
    /// Reported to `alerts` (once the database answered again, after it had failed long
    /// enough to be a problem); its end is reported at the next pass that goes through.
    reported: bool,
}

impl Monitor {
    /// Runs until `shutdown`; nothing without an alert chat.
    pub async fn run(self, shutdown: CancellationToken) {
        let Some(chat) = self.config.alert_chat else {
            return;
        };
        let rules = self.config.alerts;
        let mut trouble: Option<Trouble> = None;
        loop {
            let now = now_ms();
            match self.pass(chat, now).await {
                Ok(()) => {
                    if let Err(e) = self.settle(&mut trouble, now, &rules).await {
                        tracing::warn!(error = %e, "alerts: cannot record the database's trouble");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "alerts: the database failed a check");
                    let seen = trouble.get_or_insert_with(|| Trouble {
                        since: now,
                        error: String::new(),
                        reported: false,
                    });
                    seen.error = e.to_string();
                }
            }
            if sleep_or_shutdown(rules.check_every, &shutdown).await {
                return;
            }
        }
    }

    /// After a pass the database went through: a trouble that lasted long enough is
    /// reported (the next pass tells it), one reported is over, a short one forgotten.
    async fn settle(
        &self,
        trouble: &mut Option<Trouble>,
        now: i64,
        rules: &AlertRules,
    ) -> Result<(), sqlx::Error> {
        let Some(seen) = trouble else {
            return Ok(());
        };
        if seen.reported {
            alerts::report(self.db.writer(), Problem::DatabaseErrors, None).await?;
            *trouble = None;
        } else if now - seen.since >= millis(rules.failing_for) {
            let detail = Detail {
                since: seen.since,
                seen: Seen::Error {
                    message: seen.error.clone(),
                },
            };
            alerts::report(self.db.writer(), Problem::DatabaseErrors, Some(&detail)).await?;
            seen.reported = true;
        } else {
            *trouble = None;
        }
        Ok(())
    }

    /// One look: this instance alive, runs that did not stop cleanly, what holds now, then
    /// what is due to tell.
    async fn pass(&self, chat: i64, now: i64) -> Result<(), sqlx::Error> {
        self.instance.alive(&self.db).await?;
        for stop in self.instance.unclean_stops(&self.db).await? {
            report_unclean_stop(&self.db, stop).await?;
        }
        let held = alerts::held(&self.db).await?;
        self.watch(&held, now).await?;
        let held = alerts::held(&self.db).await?;
        self.tell(chat, &held, now).await
    }

    /// Reports what holds and what no longer does, of what the monitor looks at. A problem
    /// seen again is reported again (a reminder is due only for one still seen); one not
    /// seen is reported over only if it was holding.
    async fn watch(&self, held: &[Held], now: i64) -> Result<(), sqlx::Error> {
        let rules = &self.config.alerts;
        let holding = |problem: Problem| {
            held.iter()
                .any(|held| held.problem == problem && held.ended_at.is_none())
        };
        let mut seen: Vec<(Problem, Option<Detail>)> = Vec::new();

        let health = self.api.health();
        let failing = |since: Option<i64>| {
            let since = since.filter(|since| now - since >= millis(rules.failing_for))?;
            Some(Detail {
                since,
                seen: Seen::Error {
                    message: health.last_error.clone().unwrap_or_default(),
                },
            })
        };
        seen.push((
            Problem::TelegramUnreachable,
            failing(health.unreachable_since),
        ));
        seen.push((Problem::TokenRefused, failing(health.refused_since)));

        if self.config.intake() == Intake::Webhook {
            // Telegram unreachable is told from the call's own failure.
            if let Ok(info) = self.api.webhook_info().await {
                let failed = info.last_error_message.zip(info.last_error_date);
                let recent = failed.filter(|(_, date)| {
                    now - date.saturating_mul(1000) <= millis(rules.webhook_error_within)
                });
                let detail = recent.map(|(message, date)| Detail {
                    since: date.saturating_mul(1000),
                    seen: Seen::Webhook {
                        message,
                        waiting: info.pending_update_count,
                    },
                });
                seen.push((Problem::WebhookFailing, detail));
            }
        }

        let queued = outbox::waiting(&self.db).await?.telegram;
        let stuck = queued
            .oldest_since
            .filter(|oldest| now - oldest >= millis(rules.stuck_after))
            .map(|oldest| Detail {
                since: oldest,
                seen: Seen::Queue {
                    waiting: queued.count,
                    oldest,
                },
            });
        seen.push((Problem::OutboxStuck, stuck));

        match disk::filesystems(self.config.data_folders()) {
            Ok(spaces) => {
                let low = spaces
                    .into_iter()
                    .filter(|(_, space)| rules.disk.is_low(space))
                    .min_by_key(|(_, space)| space.free)
                    .map(|(folder, space)| {
                        Detail::now(Seen::Disk {
                            folder: folder.display().to_string(),
                            free: space.free,
                            total: space.total,
                        })
                    });
                seen.push((Problem::DiskLow, low));
            }
            Err((folder, e)) => {
                tracing::warn!(error = %e, folder = %folder.display(), "alerts: cannot read free disk space");
            }
        }

        for held in held {
            if let (Problem::ChatRefused(chat), None) = (held.problem, held.ended_at) {
                if outbox::delivered_since(&self.db, chat, held.since).await? {
                    seen.push((held.problem, None));
                }
            }
        }

        for (problem, detail) in seen {
            if detail.is_some() || holding(problem) {
                alerts::report(self.db.writer(), problem, detail.as_ref()).await?;
            }
        }
        Ok(())
    }

    /// Tells the alert chat what is due of every problem, each in a transaction of its own
    /// that takes the step (so only one instance tells it) and queues the message.
    async fn tell(&self, chat: i64, held: &[Held], now: i64) -> Result<(), sqlx::Error> {
        let rules = &self.config.alerts;
        let mut queued = false;
        for held in held {
            // Mail fails for a moment now and then (a server restarting): a problem once it
            // lasts. The others were reported once they were one.
            let grace = match held.problem {
                Problem::MailFailing => millis(rules.failing_for),
                _ => 0,
            };
            let Some(step) = held.due(now, grace, millis(rules.remind_every)) else {
                continue;
            };
            let mut tx = self.db.begin().await?;
            if let (Step::Remind, Some(row)) = (step, held.told_row) {
                // Reminded only if seen again after the last message went out: one that
                // could not go (Telegram unreachable) is not followed by more piling up
                // behind it, and one that went as the problem ended is followed by its end.
                if !outbox::sent_by(&mut tx, row, held.seen_at).await? {
                    continue;
                }
            }
            if !alerts::take(&mut tx, held, step, now).await? {
                continue;
            }
            let stage = match step {
                Step::Raise => Stage::Raised,
                Step::Remind => Stage::Reminder,
                Step::Recover => Stage::Recovered,
                Step::Forget => {
                    tx.commit().await?;
                    continue;
                }
            };
            let lang = match chat {
                person if person > 0 => lang::stored(&mut tx, person).await?,
                _ => Lang::Id,
            };
            let group = match held.problem {
                Problem::ChatRefused(group) => groups::title(&mut tx, group).await?,
                _ => None,
            };
            let webhook_url = self.config.webhook_url();
            let telling = Telling {
                lang,
                now,
                offset: self.config.utc_offset,
                group: group.as_deref(),
                api_url: &self.config.api_url,
                webhook_url: webhook_url.as_deref(),
                floor: rules.disk,
            };
            let alert = Outgoing::Alert {
                chat_id: chat,
                html: alert_texts::alert(held, stage, &telling),
            };
            let about = format!("alert:{}", held.problem.key());
            let row = outbox::enqueue_about(&mut tx, &alert, &about).await?;
            if step != Step::Recover && !held.problem.is_event() {
                alerts::told_in(&mut tx, held.problem, row).await?;
            }
            tx.commit().await?;
            queued = true;
        }
        if queued {
            self.new_messages.notify_one();
        }
        Ok(())
    }
}

/// Reports a run that ended without a clean stop, dated by its last sign of life.
pub async fn report_unclean_stop(
    db: &Db,
    stop: crate::db::instance::Stopped,
) -> Result<(), sqlx::Error> {
    let detail = Detail {
        since: stop.seen_at,
        seen: Seen::Stopped {
            started: stop.started_at,
            last_seen: stop.seen_at,
        },
    };
    alerts::report(db.writer(), Problem::UncleanStop, Some(&detail)).await
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
