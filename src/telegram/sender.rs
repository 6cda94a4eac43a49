//! Drains the outbox into Telegram, and its mail lane into the mail server. One message
//! per chat is in flight at a time (so a chat's messages arrive in order), several chats in
//! parallel; before each message the rate limiter must agree. A 429 waits `retry_after`, a passing fault backs off
//! exponentially, and a permanent refusal is recorded on the row instead of retried. An
//! edit that a newer edit of the same message replaces is dropped unsent, and a message
//! whose forum topic Telegram refuses goes to the chat without it.
//!
//! Alerts go to the owners' chat through the alert bot when there is one, the same way.
//! What the sender meets that the owners must hear of is reported to `alerts`: a group
//! that refuses the bot for good, and mail that cannot be handed over.

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use teloxide::{
    payloads::{
        AnswerCallbackQuery, DeleteMessage, EditMessageText, SendMessage, SetChatMenuButton,
        SetMessageReaction,
    },
    types::{
        ButtonRequest, CallbackQueryId, ChatId, InlineKeyboardButton, InlineKeyboardMarkup,
        KeyboardButton, KeyboardMarkup, KeyboardRemove, LinkPreviewOptions, MenuButton, Message,
        MessageId, ParseMode, ReactionType, ReplyMarkup, ReplyParameters, ThreadId, WebAppInfo,
    },
};
use tokio::{sync::Notify, task::JoinSet, time::Instant};
use tokio_util::sync::CancellationToken;

use super::{
    api::{ApiError, BotApi},
    limits::{Limits, RateLimiter},
    outbox::{self, Answers, ButtonAction, Keyboard, MessageRef, OutboxRow, Outgoing},
};
use crate::{
    alerts::{self, Detail, Problem},
    db::{instance::Instance, now_ms, Db},
    mail::{MailError, Mailer},
    metrics::{Lane, Metrics, SendResult},
};

/// Messages in flight at once, across chats.
const MAX_IN_FLIGHT: usize = 16;
/// Chats looked at per pass over the outbox.
const HEADS_PER_PASS: i64 = 500;
/// Added to every limit window to absorb timing jitter between us and Telegram.
const LIMIT_MARGIN: Duration = Duration::from_millis(30);
/// Least time between two passes over the outbox. A pass after every queued message would
/// mostly find the same chats still held back by their rate limits; but an answer to a
/// button waits for the next pass, and a press is answered within 50 ms at p99 only if
/// passes come this often (20 ms: 160 ms at p99 at 500 presses a second, docs/benchmarks.md).
const PASS_INTERVAL: Duration = Duration::from_millis(5);
/// When to look again at a row another instance holds or a chat it has just written to.
const CLAIM_RETRY: Duration = Duration::from_millis(50);
/// How often claims of instances that died are looked for (and freed) while running, when
/// other instances may run (at start always).
const DEAD_CLAIMS_EVERY: Duration = Duration::from_secs(1);
/// Longest wait between two attempts after passing faults.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A finished attempt.
struct Delivery {
    row: OutboxRow,
    /// When its rate-limit slot was reserved, if it needed one.
    reserved: Option<Instant>,
    /// Telegram's answer: the id of a sent message.
    result: Result<Option<i32>, ApiError>,
    /// The call the row holds from now on, if it changed on the way (a message sent out
    /// of the forum topic Telegram refused).
    rewritten: Option<Outgoing>,
    /// A plain call ([`Outgoing::is_plain`]): recorded with others in one statement.
    plain: bool,
}

/// What is to be done with a pending row, once what it needs is looked up.
enum Prepared {
    /// Make this call.
    Send(Outgoing),
    /// Nothing: an edit that a newer one replaces, dropped from the outbox.
    Dropped,
    /// Nothing, and the row is done: a deletion of a message that was never delivered.
    Done,
}

pub struct Sender {
    db: Db,
    api: BotApi,
    /// Sends the alerts, when they have a bot of their own.
    alert_api: Option<BotApi>,
    /// Sends the outbox's mail, when SMTP is configured.
    mailer: Option<Arc<Mailer>>,
    instance: Instance,
    wake: Arc<Notify>,
    /// Telegram's limits with a margin: this instance's own pace, and the check against
    /// every instance's sends when a row is claimed.
    limits: Limits,
    limiter: RateLimiter,
    /// Counts each attempt's result.
    metrics: Metrics,
    /// The last mail attempt failed, or none was made yet: the next one that succeeds
    /// reports mail working (perhaps after another instance, or the run before, failed).
    mail_failing: AtomicBool,
}

/// The bots that send the outbox's calls: the main one, and the alert bot if alerts have
/// one of their own (`TANGKAP_ALERT_BOT_TOKEN`).
pub struct Bots {
    pub main: BotApi,
    pub alerts: Option<BotApi>,
}

impl Sender {
    /// `wake` is notified whenever rows are queued.
    pub fn new(
        db: Db,
        bots: Bots,
        mailer: Option<Mailer>,
        instance: Instance,
        wake: Arc<Notify>,
        metrics: Metrics,
    ) -> Self {
        let limits = Limits::TELEGRAM.with_margin(LIMIT_MARGIN);
        Self {
            db,
            api: bots.main,
            alert_api: bots.alerts,
            mailer: mailer.map(Arc::new),
            instance,
            wake,
            limits,
            limiter: RateLimiter::new(limits),
            metrics,
            mail_failing: AtomicBool::new(true),
        }
    }

    /// Runs until `shutdown`, then waits for the messages in flight and records them.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut in_flight: JoinSet<Delivery> = JoinSet::new();
        let mut busy_chats: HashSet<i64> = HashSet::new();
        let mut dead_claims_checked: Option<Instant> = None;
        loop {
            let pass = Instant::now();
            let dead_claims_due = match dead_claims_checked {
                None => true,
                Some(at) => self.instance.has_peers() && pass >= at + DEAD_CLAIMS_EVERY,
            };
            if dead_claims_due {
                dead_claims_checked = Some(pass);
                match outbox::release_dead_claims(&self.db, self.instance).await {
                    Ok(0) => {}
                    Ok(freed) => {
                        tracing::info!(freed, "took over the messages of an instance that stopped")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot look for claims of stopped instances")
                    }
                }
            }
            let wake_at = self
                .dispatch(&mut in_flight, &mut busy_chats)
                .await
                .max(pass + PASS_INTERVAL);
            tokio::select! {
                Some(done) = in_flight.join_next() => {
                    // Every attempt that has finished by now is recorded before the next
                    // pass, so that a pass (a read of the outbox's heads) serves many of
                    // them when answers to buttons come by the hundred.
                    let mut finished = vec![done];
                    while let Some(done) = in_flight.try_join_next() {
                        finished.push(done);
                    }
                    self.finish_all(finished.into_iter().flatten(), &mut busy_chats).await;
                }
                _ = self.wake.notified() => {
                    tokio::time::sleep_until(pass + PASS_INTERVAL).await;
                }
                _ = tokio::time::sleep_until(wake_at) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        while let Some(done) = in_flight.join_next().await {
            if let Ok(done) = done {
                self.finish(done, &mut busy_chats).await;
            }
        }
    }

    /// Sends claimed `row` (`message`) in the background; `reserved`: its rate-limit slot.
    fn start(
        &self,
        in_flight: &mut JoinSet<Delivery>,
        row: OutboxRow,
        message: Outgoing,
        reserved: Option<Instant>,
    ) {
        // An alert goes through the alert bot, if there is one.
        let api = match (&message, &self.alert_api) {
            (Outgoing::Alert { .. }, Some(alert_api)) => alert_api.clone(),
            _ => self.api.clone(),
        };
        let mailer = self.mailer.clone();
        let plain = message.is_plain();
        in_flight.spawn(async move {
            let (result, rewritten) = match &message {
                Outgoing::Mail(mail) => (send_mail(mailer.as_deref(), mail).await, None),
                Outgoing::Alert { chat_id, html } => {
                    let alert = Outgoing::message(*chat_id, html.clone());
                    (deliver(&api, &alert).await, None)
                }
                _ => deliver_or_leave_topic(&api, &message).await,
            };
            Delivery {
                row,
                reserved,
                result,
                rewritten,
                plain,
            }
        });
    }

    /// Finishes `deliveries` as [`Sender::finish`] does, the plain calls Telegram took
    /// recorded together in one statement.
    async fn finish_all(
        &mut self,
        deliveries: impl Iterator<Item = Delivery>,
        busy_chats: &mut HashSet<i64>,
    ) {
        let mut plain = Vec::new();
        for done in deliveries {
            if done.plain && matches!(done.result, Ok(None)) {
                busy_chats.remove(&done.row.chat_id);
                self.metrics.sent(Lane::Telegram, SendResult::Ok);
                plain.push(done.row.id);
            } else {
                self.finish(done, busy_chats).await;
            }
        }
        for attempt in 0..5u32 {
            match outbox::mark_plain_sent(&self.db, &plain).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot record deliveries; retrying");
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
    }

    /// Frees the chat of a finished attempt, settles its rate-limit slot and records it.
    async fn finish(&mut self, done: Delivery, busy_chats: &mut HashSet<i64>) {
        busy_chats.remove(&done.row.chat_id);
        if let Some(reserved) = done.reserved {
            self.limiter
                .settle(done.row.chat_id, reserved, Instant::now());
        }
        let counted = done.reserved.is_some();
        self.record(&done.row, done.result, done.rewritten, counted)
            .await;
    }

    /// Starts every message that may go now; returns when to look again.
    async fn dispatch(
        &mut self,
        in_flight: &mut JoinSet<Delivery>,
        busy_chats: &mut HashSet<i64>,
    ) -> Instant {
        let now = Instant::now();
        let mut wake_at = now + Duration::from_secs(1);
        if in_flight.len() >= MAX_IN_FLIGHT {
            return wake_at;
        }
        let heads = match outbox::heads(&self.db, HEADS_PER_PASS).await {
            Ok(heads) => heads,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the outbox; trying again shortly");
                return wake_at;
            }
        };
        let now_wall = now_ms();
        // Calls that count against no limit and need nothing looked up first (answers to
        // buttons, reactions): claimed together, in one statement, after the pass.
        let mut plain: Vec<(OutboxRow, Outgoing)> = Vec::new();
        for row in heads {
            if in_flight.len() + plain.len() >= MAX_IN_FLIGHT {
                break;
            }
            if busy_chats.contains(&row.chat_id) {
                continue;
            }
            if row.next_attempt_at > now_wall {
                let wait = Duration::from_millis((row.next_attempt_at - now_wall) as u64);
                wake_at = wake_at.min(now + wait);
                continue;
            }
            let message = match serde_json::from_str::<Outgoing>(&row.payload) {
                Ok(message) => message,
                Err(e) => {
                    self.record(&row, Err(undecodable(e)), None, false).await;
                    continue;
                }
            };
            if message.is_plain() {
                busy_chats.insert(row.chat_id);
                plain.push((row, message));
                continue;
            }
            // The slot first: a row its chat's limits hold back costs no query.
            let reserved = if message.counts_against_limits() {
                if let Err(free_at) = self.limiter.try_acquire(row.chat_id, now) {
                    wake_at = wake_at.min(free_at);
                    continue;
                }
                Some(now)
            } else {
                None
            };
            let prepared = self.prepare(&row, message).await;
            let claimed = match &prepared {
                Ok(Prepared::Send(_) | Prepared::Done) => {
                    let limits = reserved.map(|_| self.limits);
                    outbox::claim(&self.db, row.id, self.instance, limits).await
                }
                _ => Ok(false),
            };
            if !matches!(claimed, Ok(true)) {
                if let Some(reserved) = reserved {
                    self.limiter.release(row.chat_id, reserved);
                }
            }
            let message = match prepared {
                Ok(Prepared::Send(message)) => Some(message),
                Ok(Prepared::Done) => None,
                // Dropped for a newer edit: the chat's next row may go at once.
                Ok(Prepared::Dropped) => {
                    wake_at = now;
                    continue;
                }
                Err(e) => {
                    self.record(&row, Err(e), None, false).await;
                    continue;
                }
            };
            match claimed {
                Ok(true) => {}
                // Another instance has it, or the instances together are at a limit.
                Ok(false) => {
                    wake_at = wake_at.min(now + CLAIM_RETRY);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim an outbox row; trying again shortly");
                    continue;
                }
            }
            let Some(message) = message else {
                // Done without a call, as if Telegram had taken it: the chat's next row
                // may go at once.
                self.record(&row, Ok(None), None, reserved.is_some()).await;
                wake_at = now;
                continue;
            };
            busy_chats.insert(row.chat_id);
            self.start(in_flight, row, message, reserved);
        }
        if !plain.is_empty() {
            let ids: Vec<i64> = plain.iter().map(|(row, _)| row.id).collect();
            let claimed = match outbox::claim_plain(&self.db, &ids, self.instance).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot claim outbox rows; trying again shortly");
                    Vec::new()
                }
            };
            for (row, message) in plain {
                if claimed.contains(&row.id) {
                    self.start(in_flight, row, message, None);
                } else {
                    // Another instance has it.
                    busy_chats.remove(&row.chat_id);
                    wake_at = wake_at.min(now + CLAIM_RETRY);
                }
            }
        }
        wake_at
    }

    /// The call to make for `row`: none if it is an edit that a newer pending edit of the
    /// same message replaces ([`outbox::drop_superseded_edit`]), otherwise `message` as
    /// [`Sender::resolve`] completes it (or none, the row done, if that finds nothing to
    /// do).
    async fn prepare(&self, row: &OutboxRow, message: Outgoing) -> Result<Prepared, ApiError> {
        if matches!(message, Outgoing::EditMessage { .. }) && row.about.is_some() {
            match outbox::drop_superseded_edit(&self.db, row).await {
                Ok(true) => return Ok(Prepared::Dropped),
                Ok(false) => {}
                // Sending an edit that a newer one replaces is harmless.
                Err(e) => tracing::warn!(error = %e, "cannot look for newer edits"),
            }
        }
        self.resolve(message).await
    }

    /// Puts in what is known only once earlier rows are sent: the Telegram id of a message
    /// to edit or delete that the outbox sent. A chat's rows go out in order, so by now it
    /// is sent, unless Telegram refused it: then an edit has nothing to edit, and fails as
    /// [`outbox::NEVER_DELIVERED`], while a deletion has nothing to delete, and is done.
    async fn resolve(&self, message: Outgoing) -> Result<Prepared, ApiError> {
        let row = match message {
            Outgoing::EditMessage {
                message: MessageRef::Outbox(row),
                ..
            }
            | Outgoing::DeleteMessage {
                message: MessageRef::Outbox(row),
                ..
            } => row,
            _ => return Ok(Prepared::Send(message)),
        };
        let sent = match outbox::sent_message_id(&self.db, row).await {
            Ok(sent) => sent,
            Err(e) => return Err(ApiError::Network(format!("cannot read the outbox: {e}"))),
        };
        match (message, sent) {
            (
                Outgoing::EditMessage {
                    chat_id,
                    html,
                    keyboard,
                    ..
                },
                Some(id),
            ) => Ok(Prepared::Send(Outgoing::EditMessage {
                chat_id,
                message: MessageRef::Telegram(id),
                html,
                keyboard,
            })),
            (Outgoing::DeleteMessage { chat_id, .. }, Some(id)) => {
                Ok(Prepared::Send(Outgoing::DeleteMessage {
                    chat_id,
                    message: MessageRef::Telegram(id),
                }))
            }
            (Outgoing::DeleteMessage { chat_id, .. }, None) => {
                tracing::debug!(
                    chat_id,
                    outbox_id = row,
                    "the message to delete was never delivered; nothing to delete"
                );
                Ok(Prepared::Done)
            }
            (Outgoing::EditMessage { .. }, None) => Err(ApiError::Refused {
                code: 400,
                description: outbox::NEVER_DELIVERED.into(),
            }),
            // Nothing else names a message to look up.
            (message, _) => Ok(Prepared::Send(message)),
        }
    }

    /// Counts an attempt's result as [`Sender::record`] treats it.
    fn count(&self, row: &OutboxRow, result: &Result<Option<i32>, ApiError>) {
        let lane = match row.chat_id {
            outbox::MAIL_LANE => Lane::Mail,
            _ => Lane::Telegram,
        };
        let counted = match result {
            Ok(_) => SendResult::Ok,
            // The row moves to the new chat and is sent again there.
            Err(ApiError::MigratedTo(_)) => SendResult::Retry,
            Err(e) if e.is_permanent() => SendResult::Refused,
            Err(e) => {
                if matches!(e, ApiError::RetryAfter(_)) {
                    self.metrics.rate_limited();
                }
                SendResult::Retry
            }
        };
        self.metrics.sent(lane, counted);
    }

    /// Writes the outcome of one attempt back to its row, and the call it now holds if
    /// that was `rewritten` (`counted`: it counts against Telegram's limits). The write is
    /// retried: a message Telegram accepted but we failed to mark would be sent again
    /// after a restart.
    async fn record(
        &self,
        row: &OutboxRow,
        result: Result<Option<i32>, ApiError>,
        rewritten: Option<Outgoing>,
        counted: bool,
    ) {
        self.count(row, &result);
        self.report(row, &result).await;
        for attempt in 0..5u32 {
            if let Some(message) = &rewritten {
                if let Err(e) = outbox::rewrite(&self.db, row.id, message).await {
                    tracing::warn!(outbox_id = row.id, error = %e, "cannot record a delivery; retrying");
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                    continue;
                }
            }
            let written = match &result {
                Ok(message_id) => outbox::mark_sent(&self.db, row.id, *message_id, counted).await,
                Err(ApiError::MigratedTo(new_chat)) => {
                    tracing::info!(
                        from = row.chat_id,
                        to = new_chat,
                        "group moved to a supergroup"
                    );
                    outbox::move_chat(&self.db, row.chat_id, *new_chat).await
                }
                Err(e) if e.is_permanent() => {
                    tracing::warn!(outbox_id = row.id, chat_id = row.chat_id, error = %e, "Telegram refused a message for good");
                    outbox::mark_failed(&self.db, row.id, &e.to_string()).await
                }
                Err(e) => {
                    let wait = match e {
                        ApiError::RetryAfter(wait) => *wait,
                        _ => backoff(row.attempts),
                    };
                    tracing::debug!(outbox_id = row.id, error = %e, ?wait, "will retry a message");
                    let at = now_ms() + wait.as_millis() as i64;
                    outbox::retry_at(&self.db, row.id, at, &e.to_string()).await
                }
            };
            match written {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(outbox_id = row.id, error = %e, "cannot record a delivery; retrying");
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
            }
        }
        tracing::error!(outbox_id = row.id, "gave up recording a delivery");
    }
}

impl Sender {
    /// Tells the owners' alerts what an attempt says of a problem: a group that shuts the
    /// bot out for good (its alert names the group), and mail failing or working again. A
    /// report that cannot be written is logged: the message's own outcome matters more.
    async fn report(&self, row: &OutboxRow, result: &Result<Option<i32>, ApiError>) {
        let (problem, detail) = match (row.chat_id, result) {
            (outbox::MAIL_LANE, Ok(_)) => {
                if !self.mail_failing.swap(false, Ordering::Relaxed) {
                    return;
                }
                (Problem::MailFailing, None)
            }
            (outbox::MAIL_LANE, Err(e)) => {
                self.mail_failing.store(true, Ordering::Relaxed);
                // The mail server's words, as `send_mail` put them.
                let why = match e {
                    ApiError::Network(why)
                    | ApiError::Refused {
                        description: why, ..
                    } => why.clone(),
                    e => e.to_string(),
                };
                (Problem::MailFailing, Some(Detail::error(why)))
            }
            (outbox::ALERT_LANE, _) => return,
            (chat, Err(e)) if chat < 0 && e.shuts_the_chat() => (
                Problem::ChatRefused(chat),
                Some(Detail::error(e.to_string())),
            ),
            _ => return,
        };
        if let Err(e) = alerts::report(self.db.writer(), problem, detail.as_ref()).await {
            tracing::warn!(error = %e, problem = %problem.key(), "cannot record a problem for the owners");
        }
    }
}

/// 0.5 s doubled per earlier attempt, at most [`MAX_BACKOFF`].
fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.clamp(0, 10) as u32;
    (Duration::from_millis(500) * 2u32.pow(doublings)).min(MAX_BACKOFF)
}

fn undecodable(err: serde_json::Error) -> ApiError {
    ApiError::Refused {
        code: 400,
        description: format!("outbox row is not a known message: {err}"),
    }
}

/// Sends one mail row. Its outcome is recorded as a Telegram call's is: refused for good
/// (a permanent SMTP answer, or no mail server configured any more) is kept on the row,
/// anything else is tried again with the same backoff.
async fn send_mail(
    mailer: Option<&Mailer>,
    mail: &crate::mail::Mail,
) -> Result<Option<i32>, ApiError> {
    let Some(mailer) = mailer else {
        return Err(ApiError::Refused {
            code: 400,
            description: "mail is not configured (TANGKAP_SMTP_URL)".into(),
        });
    };
    match mailer.send(mail).await {
        Ok(()) => Ok(None),
        Err(MailError::Refused(why)) => Err(ApiError::Refused {
            code: 400,
            description: format!("mail refused: {why}"),
        }),
        Err(MailError::Passing(why)) => Err(ApiError::Network(format!("mail: {why}"))),
    }
}

/// What Telegram answers a message sent into a forum topic that is not there to take it
/// (deleted, or closed).
const TOPIC_REFUSALS: [&str; 3] = ["message thread not found", "TOPIC_CLOSED", "TOPIC_DELETED"];

/// Makes the call for one outbox row, as [`deliver`]. A message whose forum topic
/// Telegram refuses is sent again at once to the chat itself, so nothing about the
/// ticket is lost (its text names it); the call that went is returned with the answer,
/// to be kept on the row, so that neither a retry nor a restart tries the topic again.
async fn deliver_or_leave_topic(
    api: &BotApi,
    message: &Outgoing,
) -> (Result<Option<i32>, ApiError>, Option<Outgoing>) {
    let result = deliver(api, message).await;
    let topic_refused = matches!(&result, Err(ApiError::Refused { code: 400, description })
        if TOPIC_REFUSALS.iter().any(|refusal| description.contains(refusal)));
    match message.out_of_thread() {
        Some(plain) if topic_refused => {
            tracing::info!(
                chat_id = message.chat_id(),
                error = %result.expect_err("refused"),
                "Telegram refused a forum topic; sending to the group without it"
            );
            (deliver(api, &plain).await, Some(plain))
        }
        _ => (result, None),
    }
}

/// Makes the Bot API call for one outbox row; returns the id of a sent message.
async fn deliver(api: &BotApi, message: &Outgoing) -> Result<Option<i32>, ApiError> {
    match message {
        Outgoing::SendMessage {
            chat_id,
            html,
            reply_to,
            thread,
            keyboard,
            answers,
        } => {
            let mut payload = SendMessage::new(ChatId(*chat_id), html.clone());
            payload.message_thread_id = thread.map(|id| ThreadId(MessageId(id)));
            payload.parse_mode = Some(ParseMode::Html);
            payload.link_preview_options = Some(no_link_preview());
            payload.reply_parameters = reply_to
                .map(|id| ReplyParameters::new(MessageId(id)).allow_sending_without_reply());
            payload.reply_markup = match answers {
                Some(answers) => Some(answer_keyboard(answers)),
                None => inline_keyboard(keyboard)?.map(ReplyMarkup::InlineKeyboard),
            };
            let sent: Message = api.call(&payload).await?;
            Ok(Some(sent.id.0))
        }
        Outgoing::EditMessage {
            chat_id,
            message: MessageRef::Telegram(message_id),
            html,
            keyboard,
        } => {
            let mut payload =
                EditMessageText::new(ChatId(*chat_id), MessageId(*message_id), html.clone());
            payload.parse_mode = Some(ParseMode::Html);
            payload.link_preview_options = Some(no_link_preview());
            payload.reply_markup = inline_keyboard(keyboard)?;
            match api.call(&payload).await {
                Ok(_) => Ok(None),
                // The message already says this: the edit's end is reached.
                Err(ApiError::Refused {
                    code: 400,
                    description,
                }) if description.contains("message is not modified") => Ok(None),
                Err(e) => Err(e),
            }
        }
        Outgoing::EditMessage {
            message: MessageRef::Outbox(_),
            ..
        } => Err(ApiError::Refused {
            code: 400,
            description: "the message to edit is not known yet".into(),
        }),
        Outgoing::SendPhoto {
            chat_id,
            photo,
            caption,
            keyboard,
        } => {
            let reply_markup = inline_keyboard(keyboard)?;
            let made = photo.made().map_err(|e| ApiError::Refused {
                code: 400,
                description: format!("the photo cannot be made: {e}"),
            })?;
            let sent = api
                .send_photo(*chat_id, made, caption, reply_markup.as_ref())
                .await?;
            Ok(Some(sent.id.0))
        }
        Outgoing::DeleteMessage {
            chat_id,
            message: MessageRef::Telegram(message_id),
        } => {
            api.call(&DeleteMessage::new(
                ChatId(*chat_id),
                MessageId(*message_id),
            ))
            .await?;
            Ok(None)
        }
        Outgoing::DeleteMessage {
            message: MessageRef::Outbox(_),
            ..
        } => Err(ApiError::Refused {
            code: 400,
            description: "the message to delete is not known yet".into(),
        }),
        Outgoing::SetMenuButton { chat_id, text, url } => {
            let mut payload = SetChatMenuButton::new();
            payload.chat_id = Some(ChatId(*chat_id));
            payload.menu_button = Some(MenuButton::WebApp {
                text: text.clone(),
                web_app: WebAppInfo {
                    url: parse_url(url)?,
                },
            });
            api.call(&payload).await?;
            Ok(None)
        }
        Outgoing::AnswerCallback {
            query_id,
            text,
            alert,
            ..
        } => {
            let mut payload = AnswerCallbackQuery::new(CallbackQueryId(query_id.clone()));
            payload.text = Some(text.clone());
            payload.show_alert = Some(*alert);
            api.call(&payload).await?;
            Ok(None)
        }
        Outgoing::SetReaction {
            chat_id,
            message_id,
            emoji,
        } => {
            let mut payload = SetMessageReaction::new(ChatId(*chat_id), MessageId(*message_id));
            payload.reaction = Some(vec![ReactionType::Emoji {
                emoji: emoji.clone(),
            }]);
            api.call(&payload).await?;
            Ok(None)
        }
        Outgoing::Mail(_) => Err(ApiError::Refused {
            code: 400,
            description: "mail does not go through the Bot API".into(),
        }),
        Outgoing::Alert { .. } => Err(ApiError::Refused {
            code: 400,
            description: "an alert is sent as the message it holds".into(),
        }),
    }
}

fn no_link_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// Telegram's reply keyboard offering `answers`, or the markup that removes it.
fn answer_keyboard(answers: &Answers) -> ReplyMarkup {
    match answers {
        Answers::Offer(rows) => ReplyMarkup::Keyboard(
            KeyboardMarkup::new(
                rows.iter()
                    .map(|row| row.iter().map(KeyboardButton::new).collect::<Vec<_>>()),
            )
            .resize_keyboard()
            .one_time_keyboard(),
        ),
        Answers::ShareLocation(label) => ReplyMarkup::Keyboard(
            KeyboardMarkup::new([[KeyboardButton::new(label).request(ButtonRequest::Location)]])
                .resize_keyboard(),
        ),
        Answers::Remove => ReplyMarkup::KeyboardRemove(KeyboardRemove::new()),
    }
}

/// Telegram's inline keyboard for `keyboard`; `None` when it has no buttons.
fn inline_keyboard(keyboard: &Keyboard) -> Result<Option<InlineKeyboardMarkup>, ApiError> {
    if keyboard.iter().all(Vec::is_empty) {
        return Ok(None);
    }
    let rows = keyboard
        .iter()
        .map(|row| {
            row.iter()
                .map(|button| {
                    let text = button.text.clone();
                    Ok(match &button.action {
                        ButtonAction::Link {
                            url,
                            mini_app: true,
                        } => InlineKeyboardButton::web_app(
                            text,
                            WebAppInfo {
                                url: parse_url(url)?,
                            },
                        ),
                        ButtonAction::Link {
                            url,
                            mini_app: false,
                        } => InlineKeyboardButton::url(text, parse_url(url)?),
                        ButtonAction::Callback { callback_data } => {
                            InlineKeyboardButton::callback(text, callback_data.clone())
                        }
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Some(InlineKeyboardMarkup::new(rows)))
}

/// A stored URL that no longer parses is a permanent failure of its row.
fn parse_url(url: &str) -> Result<reqwest::Url, ApiError> {
    url.parse().map_err(|_| ApiError::Refused {
        code: 400,
        description: "button URL is not valid".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(50), MAX_BACKOFF);
    }
}
