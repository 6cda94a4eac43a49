//! What `GET /metrics` tells an owner's Prometheus (in its text format): whether the
//! queues drain (the inbox, the outbox's Telegram and mail lanes), how sends end, whether
//! timers fire on time, logins, bookings, how fast each route answers, and how old the
//! last backup is. Off unless `TANGKAP_METRICS_TOKEN` or `TANGKAP_METRICS_LISTEN` is set
//! ([`MetricsSettings`]); how it is asked for is `web::metrics`.
//!
//! Two kinds of figure, kept apart so that a scrape costs the hot paths nothing:
//!
//! - **Events** (sends and their results, 429s, timers' lateness, logins, HTTP latency) are
//!   counted in memory where they happen: an atomic add, or a sample pushed into a
//!   lock-free bucket, never a database write. They are this process's own, as Prometheus
//!   expects of a target: instances sharing one database are scraped one by one.
//! - **States** (queue depths and their oldest message's age, timers due, bookings by
//!   status, the last backup) are read from the database when scraped, through each
//!   part's own function ([`States`], gathered by `web::metrics`), so they are the same
//!   whichever instance answers and cost nothing between scrapes.
//!
//! Each running app has its own recorder ([`Metrics`]), handed to the parts that count,
//! which record into it through `metrics::with_local_recorder`; the process's global
//! recorder is not used. A global recorder can be installed once per process, yet one
//! process may run several Tangkaps: the tests start many (two instances on one database
//! in `tests/scale_out.rs`, a restart, the tests of one binary side by side under `cargo
//! test`), and one app's logins must not show in another's scrape, or a test could not
//! tell "this login was counted" from "a login of the test beside it was". When metrics
//! are off, [`Metrics`] holds nothing and recording is one branch.
//!
//! This module imports no other part but `config`: the parts that count (the sender, the
//! timer engine) sit below those whose states are read, and so the reading is done above
//! them all, in `web::metrics`.

use std::{fmt, net::SocketAddr, sync::Arc, time::Duration};

use axum::http::{Method, StatusCode};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusRecorder};
use tokio_util::sync::CancellationToken;

use crate::config::{Invalid, Secret, Settings};

/// Where `/metrics` is served, and to whom.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSettings {
    /// `TANGKAP_METRICS_TOKEN`: `/metrics` on the main listener answers a request
    /// carrying `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
    /// `TANGKAP_METRICS_LISTEN`: an address of its own serving `/metrics` to anyone who
    /// reaches it (a scraper on the loopback or a private network), without the token.
    pub listen: Option<SocketAddr>,
}

impl MetricsSettings {
    /// Whether anything is served, and so counted.
    pub fn enabled(&self) -> bool {
        self.token.is_some() || self.listen.is_some()
    }
}

/// The settings as written (`metrics_token`, `metrics_listen`).
#[derive(Debug, serde::Deserialize)]
pub struct MetricsWritten {
    metrics_token: Option<String>,
    metrics_listen: Option<String>,
}

/// Shortest token accepted: a scraper's token is typed once into its configuration, so
/// it can be long enough not to be guessed.
const TOKEN_MIN: usize = 16;

impl Settings for MetricsSettings {
    type Written = MetricsWritten;

    fn check(written: MetricsWritten) -> Result<Self, Invalid> {
        let token = match written.metrics_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(token)
                if (TOKEN_MIN..=256).contains(&token.len())
                    && token.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Some(Secret::new(token))
            }
            Some(_) => {
                return Err(Invalid::new(
                    "metrics_token",
                    "use 16 to 256 visible characters without spaces (e.g. from `openssl rand -hex 32`)",
                ))
            }
        };
        let listen = match written.metrics_listen.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(address) => Some(address.parse().map_err(|_| {
                Invalid::new(
                    "metrics_listen",
                    "expected an address such as 127.0.0.1:9090",
                )
            })?),
        };
        Ok(Self { token, listen })
    }
}

/// The lane a send went through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Telegram,
    Mail,
}

impl Lane {
    fn label(self) -> &'static str {
        match self {
            Lane::Telegram => "telegram",
            Lane::Mail => "mail",
        }
    }
}

/// How an attempt to send ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendResult {
    /// Taken (or already so: an edit that changes nothing).
    Ok,
    /// A passing fault or a 429: tried again later.
    Retry,
    /// Refused for good: kept on its row, not tried again.
    Refused,
}

impl SendResult {
    fn label(self) -> &'static str {
        match self {
            SendResult::Ok => "ok",
            SendResult::Retry => "retry",
            SendResult::Refused => "refused",
        }
    }
}

const INBOX_WAITING: &str = "tangkap_inbox_waiting";
const INBOX_OLDEST: &str = "tangkap_inbox_oldest_age_seconds";
const OUTBOX_DEPTH: &str = "tangkap_outbox_depth";
const OUTBOX_OLDEST: &str = "tangkap_outbox_oldest_age_seconds";
const SENDS: &str = "tangkap_sends_total";
const RATE_LIMITED: &str = "tangkap_telegram_rate_limited_total";
const TIMERS_DUE: &str = "tangkap_timers_due";
const TIMER_LATENESS: &str = "tangkap_timer_lateness_seconds";
const LOGINS: &str = "tangkap_logins_total";
const BOOKINGS: &str = "tangkap_bookings";
const HTTP_LATENCY: &str = "tangkap_http_request_duration_seconds";
const BACKUP_AGE: &str = "tangkap_last_backup_age_seconds";

/// Upper bounds of the HTTP latency buckets, in seconds: the webhook answers in
/// milliseconds, an export may take seconds.
const HTTP_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Upper bounds of the timers' lateness buckets, in seconds: the engine looks at least
/// every second, so a timer more than a few seconds late means it fell behind.
const LATENESS_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 30.0, 300.0];

/// How often recorded samples are folded into their histograms when nobody scrapes, so
/// they do not pile up in memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// What waits in a queue (the inbox, a lane of the outbox): how many, and since when the
/// oldest has waited (Unix ms; `None` when nothing waits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waiting {
    pub count: i64,
    pub oldest_since: Option<i64>,
}

/// What the database says at a scrape, each figure read by its part's own function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct States {
    /// When they were read (Unix ms): ages are counted to then.
    pub now: i64,
    pub inbox: Waiting,
    pub telegram: Waiting,
    pub mail: Waiting,
    pub timers_due: i64,
    /// Bookings pending, paid and cancelled; `None` when bookings are off.
    pub bookings: Option<[i64; 3]>,
    /// When the last backup was taken (Unix ms); `None` if none was.
    pub last_backup: Option<i64>,
}

/// This app's recorder, or nothing when metrics are off. Cheap to clone.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<PrometheusRecorder>>);

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_on() {
            "Metrics(on)"
        } else {
            "Metrics(off)"
        })
    }
}

impl Metrics {
    /// A recorder when `settings` serve `/metrics` somewhere, else nothing.
    pub fn new(settings: &MetricsSettings) -> Self {
        if !settings.enabled() {
            return Self::default();
        }
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_LATENCY.into()), &HTTP_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(TIMER_LATENESS.into()), &LATENESS_BUCKETS)
            })
            .expect("the buckets are not empty")
            .build_recorder();
        let metrics = Self(Some(Arc::new(recorder)));
        metrics.record(|| {
            describe_gauge!(INBOX_WAITING, "Updates stored and not processed yet.");
            describe_gauge!(
                INBOX_OLDEST,
                "Seconds the oldest update not processed yet has waited (0: none waits)."
            );
            describe_gauge!(
                OUTBOX_DEPTH,
                "Messages queued and not sent yet, per lane (telegram, mail)."
            );
            describe_gauge!(
                OUTBOX_OLDEST,
                "Seconds the oldest message queued in the lane has waited (0: none waits)."
            );
            describe_counter!(
                SENDS,
                "Attempts to send, per lane and result: ok; retry (a passing fault or a 429, \
                 tried again later); refused (refused for good, kept on its row)."
            );
            describe_counter!(
                RATE_LIMITED,
                "Answers 429 (Too Many Requests) from Telegram; each is also a retry in \
                 tangkap_sends_total."
            );
            describe_gauge!(
                TIMERS_DUE,
                "Timers whose time has come and that have not fired yet."
            );
            describe_histogram!(
                TIMER_LATENESS,
                "Seconds between a timer's due time and its firing (committing its effects)."
            );
            describe_counter!(
                LOGINS,
                "Mini App logins decided: ok (the right password of an active account) or \
                 failed (a wrong login or password, a lock-out, an account not active)."
            );
            describe_gauge!(BOOKINGS, "Bookings per status (pending, paid, cancelled).");
            describe_histogram!(
                HTTP_LATENCY,
                "Seconds to answer an HTTP request, per route template, method and status \
                 class (unmatched: no route)."
            );
            describe_gauge!(
                BACKUP_AGE,
                "Seconds since the last backup was taken (tangkap backup); absent if none was."
            );
            // Counters are there from the start, so a rate over the first scrapes is right.
            for lane in [Lane::Telegram, Lane::Mail] {
                for result in [SendResult::Ok, SendResult::Retry, SendResult::Refused] {
                    counter!(SENDS, "lane" => lane.label(), "result" => result.label()).absolute(0);
                }
            }
            counter!(RATE_LIMITED).absolute(0);
            for result in ["ok", "failed"] {
                counter!(LOGINS, "result" => result).absolute(0);
            }
        });
        metrics
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Runs `record` against this app's recorder; nothing when off.
    fn record(&self, record: impl FnOnce()) {
        if let Some(recorder) = &self.0 {
            metrics::with_local_recorder(recorder.as_ref(), record);
        }
    }

    /// An attempt to send through `lane` ended as `result`.
    pub fn sent(&self, lane: Lane, result: SendResult) {
        self.record(|| {
            counter!(SENDS, "lane" => lane.label(), "result" => result.label()).increment(1)
        });
    }

    /// Telegram answered 429.
    pub fn rate_limited(&self) {
        self.record(|| counter!(RATE_LIMITED).increment(1));
    }

    /// A timer fired `late` after its due time.
    pub fn timer_fired(&self, late: Duration) {
        self.record(|| histogram!(TIMER_LATENESS).record(late.as_secs_f64()));
    }

    /// A login was decided: `ok` if it opened a session.
    pub fn login(&self, ok: bool) {
        self.record(|| counter!(LOGINS, "result" => if ok { "ok" } else { "failed" }).increment(1));
    }

    /// A request to `route` (the router's template such as `/api/orders/{no}`, never the
    /// path asked for, whose ids would make a series each) was answered in `took`.
    pub fn answered(&self, route: &str, method: &Method, status: StatusCode, took: Duration) {
        self.record(|| {
            histogram!(
                HTTP_LATENCY,
                "route" => route.to_owned(),
                "method" => method_label(method),
                "status" => status_class(status),
            )
            .record(took.as_secs_f64())
        });
    }

    /// Everything in Prometheus' text format, with `states` as the database gave them.
    pub fn render(&self, states: &States) -> String {
        let Some(recorder) = &self.0 else {
            return String::new();
        };
        let age = |since: i64| (states.now - since).max(0) as f64 / 1000.0;
        let oldest = |waiting: Waiting| waiting.oldest_since.map_or(0.0, age);
        self.record(|| {
            gauge!(INBOX_WAITING).set(states.inbox.count as f64);
            gauge!(INBOX_OLDEST).set(oldest(states.inbox));
            for (lane, waiting) in [(Lane::Telegram, states.telegram), (Lane::Mail, states.mail)] {
                gauge!(OUTBOX_DEPTH, "lane" => lane.label()).set(waiting.count as f64);
                gauge!(OUTBOX_OLDEST, "lane" => lane.label()).set(oldest(waiting));
            }
            gauge!(TIMERS_DUE).set(states.timers_due as f64);
            if let Some(bookings) = states.bookings {
                for (status, count) in ["pending", "paid", "cancelled"].into_iter().zip(bookings) {
                    gauge!(BOOKINGS, "status" => status).set(count as f64);
                }
            }
            if let Some(taken_at) = states.last_backup {
                gauge!(BACKUP_AGE).set(age(taken_at));
            }
        });
        recorder.handle().render()
    }

    /// Folds recorded samples into their histograms every few seconds until `shutdown`,
    /// so that an instance nobody scrapes does not keep them all.
    pub async fn keep(self, shutdown: CancellationToken) {
        let Some(recorder) = self.0 else {
            return;
        };
        let handle = recorder.handle();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
            }
        }
    }
}

/// A method as a label: the standard ones by name, any other as `other` (a client may
/// send any word as a method).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(token: Option<&str>, listen: Option<&str>) -> Result<MetricsSettings, Invalid> {
        MetricsSettings::check(MetricsWritten {
            metrics_token: token.map(str::to_owned),
            metrics_listen: listen.map(str::to_owned),
        })
    }

    #[test]
    fn off_unless_a_token_or_an_address_is_given() {
        assert!(!check(None, None).unwrap().enabled());
        assert!(!check(Some(" "), Some("")).unwrap().enabled());
        assert!(check(Some("0123456789abcdef"), None).unwrap().enabled());
        let own = check(None, Some("127.0.0.1:9090")).unwrap();
        assert_eq!(own.listen, Some("127.0.0.1:9090".parse().unwrap()));
        assert!(own.token.is_none());
        for (token, listen, named) in [
            (Some("short"), None, "metrics_token"),
            (Some("with a space 0123456789"), None, "metrics_token"),
            (None, Some("localhost"), "metrics_listen"),
        ] {
            assert_eq!(check(token, listen).unwrap_err().key, named);
        }
    }

    #[test]
    fn the_token_is_never_printed() {
        let settings = check(Some("RahasiaScraper0123456789"), None).unwrap();
        assert!(!format!("{settings:?}").contains("RahasiaScraper"));
    }

    #[test]
    fn labels_stay_few() {
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::OK), "2xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }
}
