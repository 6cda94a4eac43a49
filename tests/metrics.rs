//! `GET /metrics`: off unless configured, the token asked for on the main address and not
//! on an address of its own, and what a scraper reads there (a backlog in the outbox,
//! sends and 429s, logins, timers, bookings, the last backup, each route's latency under
//! its template), parsed as Prometheus parses the text format.

mod common;

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use common::{
    call, log_in, place_order, register_staff, say, spawn_app, spawn_app_with, Backend, TestApp,
    PATIENCE,
};
use reqwest::StatusCode;
use tangkap::{config::Secret, settings::Config, sim::Fault};

on_both_backends!(
    metrics_are_off_unless_asked_for,
    the_main_address_asks_for_the_token,
    an_outbox_backlog_shows_and_drains,
    logins_timers_and_routes_are_counted,
    an_address_of_its_own_needs_no_token,
    bookings_are_counted_by_status,
);

const METRICS_TOKEN: &str = "token-pengikis-rahasia-0123456789";

fn with_token(config: &mut Config) {
    config.metrics.token = Some(Secret::new(METRICS_TOKEN));
}

// --- Prometheus' text format -------------------------------------------------------------

/// One line `name{label="value",…} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A scrape: its samples, and each family's `# HELP` and `# TYPE`.
#[derive(Debug)]
struct Scrape {
    samples: Vec<Sample>,
    help: HashMap<String, String>,
    types: HashMap<String, String>,
}

impl Scrape {
    /// Parses the text format; anything it does not allow fails the test.
    fn parse(text: &str) -> Self {
        let mut scrape = Scrape {
            samples: Vec::new(),
            help: HashMap::new(),
            types: HashMap::new(),
        };
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            if let Some(comment) = line.strip_prefix("# ") {
                let (kind, rest) = comment.split_once(' ').expect("a comment names its kind");
                let (name, text) = rest.split_once(' ').expect("a name and a text");
                let into = match kind {
                    "HELP" => &mut scrape.help,
                    "TYPE" => &mut scrape.types,
                    other => panic!("unknown comment {other}: {line}"),
                };
                assert!(
                    into.insert(name.into(), text.into()).is_none(),
                    "twice: {line}"
                );
                continue;
            }
            scrape.samples.push(parse_sample(line));
        }
        scrape
    }

    /// The value of the sample `name` whose labels are exactly `labels`.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let found: Vec<f64> = self
            .samples
            .iter()
            .filter(|s| s.name == name && s.labels == wanted)
            .map(|s| s.value)
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?} twice");
        found.first().copied()
    }

    /// Like [`Scrape::value`], for a sample that must be there.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in {:#?}", self.samples))
    }

    /// Every sample belongs to a family with a type and a help text.
    fn assert_described(&self) {
        for sample in &self.samples {
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    let base = sample.name.strip_suffix(suffix)?;
                    (self.types.get(base).map(String::as_str) == Some("histogram")).then_some(base)
                })
                .unwrap_or(&sample.name);
            assert!(self.types.contains_key(family), "no TYPE for {family}");
            assert!(
                self.help.get(family).is_some_and(|help| help.len() > 10),
                "no HELP for {family}"
            );
            assert!(family.starts_with("tangkap_"), "{family}");
        }
    }
}

fn parse_sample(line: &str) -> Sample {
    let chars: Vec<char> = line.chars().collect();
    let at = |i: usize| *chars.get(i).unwrap_or_else(|| panic!("cut short: {line}"));
    let mut i = 0;
    while at(i).is_ascii_alphanumeric() || at(i) == '_' || at(i) == ':' {
        i += 1;
    }
    let name: String = chars[..i].iter().collect();
    assert!(!name.is_empty(), "no name: {line}");
    let mut labels = BTreeMap::new();
    if at(i) == '{' {
        i += 1;
        while at(i) != '}' {
            let key_start = i;
            while at(i) != '=' {
                i += 1;
            }
            let key: String = chars[key_start..i].iter().collect();
            assert!(
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "bad label name: {line}"
            );
            assert_eq!(at(i + 1), '"', "a quoted value: {line}");
            i += 2;
            let mut value = String::new();
            loop {
                match at(i) {
                    '"' => break,
                    '\\' => {
                        i += 1;
                        value.push(match at(i) {
                            'n' => '\n',
                            c @ ('\\' | '"') => c,
                            other => panic!("bad escape {other}: {line}"),
                        });
                    }
                    c => value.push(c),
                }
                i += 1;
            }
            i += 1;
            assert!(labels.insert(key, value).is_none(), "a label twice: {line}");
            if at(i) == ',' {
                i += 1;
            }
        }
        i += 1;
    }
    assert_eq!(at(i), ' ', "a space before the value: {line}");
    let rest: String = chars[i..].iter().collect();
    let value = match rest.split_whitespace().next().expect("a value") {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        number => number
            .parse()
            .unwrap_or_else(|_| panic!("bad value: {line}")),
    };
    Sample {
        name,
        labels,
        value,
    }
}

// --- asking for it -----------------------------------------------------------------------

/// `GET url` with `Authorization` if given: the status, `WWW-Authenticate`, the body.
async fn get(url: &str, authorization: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, response.text().await.unwrap())
}

/// A scrape of the main address with the token.
async fn scrape(app: &TestApp) -> Scrape {
    let url = format!("{}/metrics", app.http_url());
    let response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let scrape = Scrape::parse(&response.text().await.unwrap());
    scrape.assert_described();
    scrape
}

/// Scrapes until `ready` holds of a scrape (at most [`PATIENCE`]); that scrape.
async fn scrape_until(app: &TestApp, ready: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let scrape = scrape(app).await;
        if ready(&scrape) {
            return scrape;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never: {:#?}",
            scrape.samples
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const TELEGRAM: [(&str, &str); 1] = [("lane", "telegram")];
const MAIL: [(&str, &str); 1] = [("lane", "mail")];

fn sends(scrape: &Scrape, lane: &str, result: &str) -> f64 {
    scrape.get("tangkap_sends_total", &[("lane", lane), ("result", result)])
}

// --- the tests -----------------------------------------------------------------------------

async fn metrics_are_off_unless_asked_for(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = format!("{}/metrics", app.http_url());
    for authorization in [None, Some("Bearer apa-saja-0123456789")] {
        let (status, challenge, _) = get(&url, authorization).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "as if there were no such route"
        );
        assert_eq!(challenge, None);
    }
    assert_eq!(app.running.as_ref().unwrap().metrics_addr, None);
    app.finish().await;
}

async fn the_main_address_asks_for_the_token(backend: Backend) {
    let app = spawn_app_with(backend, with_token).await;
    let url = format!("{}/metrics", app.http_url());
    let wrong = format!("Bearer {METRICS_TOKEN}x");
    let basic = format!("Basic {METRICS_TOKEN}");
    for authorization in [
        None,
        Some(wrong.as_str()),
        Some(basic.as_str()),
        Some("Bearer "),
    ] {
        let (status, challenge, body) = get(&url, authorization).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(challenge.as_deref(), Some("Bearer"));
        assert!(!body.contains("tangkap_"), "{body}");
    }

    // Timers set at start (the Laporan's window) may be due for a moment, until the engine
    // fires them.
    let first = scrape_until(&app, |s| s.get("tangkap_timers_due", &[]) == 0.0).await;
    for lane in [TELEGRAM, MAIL] {
        assert_eq!(first.get("tangkap_outbox_depth", &lane), 0.0);
        assert_eq!(first.get("tangkap_outbox_oldest_age_seconds", &lane), 0.0);
        for result in ["ok", "retry", "refused"] {
            // Counters are there from the start, at 0 as nothing was sent (a rate over the
            // first scrapes is right).
            assert_eq!(sends(&first, lane[0].1, result), 0.0, "{lane:?} {result}");
        }
    }
    assert_eq!(first.get("tangkap_inbox_waiting", &[]), 0.0);
    assert_eq!(first.get("tangkap_inbox_oldest_age_seconds", &[]), 0.0);
    assert_eq!(first.get("tangkap_timers_due", &[]), 0.0);
    assert_eq!(first.get("tangkap_logins_total", &[("result", "ok")]), 0.0);
    assert_eq!(first.types["tangkap_sends_total"], "counter");
    assert_eq!(first.types["tangkap_outbox_depth"], "gauge");
    assert!(
        first.samples.iter().all(|s| s.name != "tangkap_bookings"),
        "bookings are off"
    );
    assert_eq!(
        first.value("tangkap_last_backup_age_seconds", &[]),
        None,
        "no backup was taken: no sample, rather than a made-up age"
    );

    if backend == Backend::Sqlite {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("cadangan.db");
        let made = common::run_tangkap(
            &["backup", copy.to_str().unwrap()],
            &[("DATABASE_URL", &app.database.url)],
        );
        assert!(made.status.success(), "{made:?}");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let age = scrape(&app)
            .await
            .get("tangkap_last_backup_age_seconds", &[]);
        assert!((1.0..30.0).contains(&age), "{age}");
    }
    app.finish().await;
}

async fn an_outbox_backlog_shows_and_drains(backend: Backend) {
    let app = spawn_app_with(backend, with_token).await;
    let group = app.fake.group("Operasional");
    let member = app.fake.user("Siti", None);
    // Telegram asks the bot to wait, three times: Feedback 1 waits in the outbox meanwhile.
    app.fake
        .inject(Some("sendMessage"), 3, Fault::RetryAfter(2));
    app.fake
        .send_to_group(group, &member, "/moban #INV-1 #TOPUP #Saldo belum masuk");

    let waiting = scrape_until(&app, |s| {
        s.get("tangkap_outbox_depth", &TELEGRAM) >= 1.0
            && s.get("tangkap_telegram_rate_limited_total", &[]) >= 1.0
    })
    .await;
    let first_age = waiting.get("tangkap_outbox_oldest_age_seconds", &TELEGRAM);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = scrape(&app).await;
    assert_eq!(
        later.get("tangkap_outbox_depth", &TELEGRAM),
        1.0,
        "still waiting"
    );
    let later_age = later.get("tangkap_outbox_oldest_age_seconds", &TELEGRAM);
    assert!(
        later_age >= first_age + 1.4,
        "its age grows: {first_age} then {later_age}"
    );
    assert_eq!(later.get("tangkap_outbox_depth", &MAIL), 0.0);

    let drained = scrape_until(&app, |s| s.get("tangkap_outbox_depth", &TELEGRAM) == 0.0).await;
    assert_eq!(
        drained.get("tangkap_outbox_oldest_age_seconds", &TELEGRAM),
        0.0
    );
    assert_eq!(
        app.fake.bot_messages(group).len(),
        1,
        "Feedback 1 got through"
    );
    let rate_limited = drained.get("tangkap_telegram_rate_limited_total", &[]);
    assert!(rate_limited >= 3.0, "{rate_limited}");
    assert!(sends(&drained, "telegram", "retry") >= rate_limited);
    assert!(sends(&drained, "telegram", "ok") >= 1.0);
    assert_eq!(sends(&drained, "telegram", "refused"), 0.0);

    // The bot removed from the group: its next answer there is refused for good.
    app.fake.kick_bot(group);
    app.fake
        .send_to_group(group, &member, "/moban #INV-2 #TOPUP #Saldo belum masuk");
    let refused = scrape_until(&app, |s| sends(s, "telegram", "refused") >= 1.0).await;
    assert_eq!(sends(&refused, "telegram", "refused"), 1.0);
    assert_eq!(refused.get("tangkap_inbox_waiting", &[]), 0.0);
    app.finish().await;
}

async fn logins_timers_and_routes_are_counted(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        with_token(config);
        // The group hears of a Pickup through a timer, a second after it.
        config.pickup_undo = Duration::from_secs(1);
    })
    .await;
    let group = app.fake.group("Operasional");
    let member = app.fake.user("Siti", None);
    let staff = app.fake.user("Budi", None);
    register_staff(&app, &staff, "budi", "sandi-budi-1").await;
    let wrong = serde_json::json!({ "login": "budi", "password": "bukan-sandinya" });
    let (status, _) = call(&app, "POST", "/login", None, Some(wrong)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let session = log_in(&app, "budi", "sandi-budi-1").await;

    let ticket = place_order(&app, group, &member, "/moban #INV-7 #TOPUP #Saldo").await;
    let no = app.order_no(&ticket).await;
    let (status, _) = call(&app, "GET", &format!("/orders/{no}"), Some(&session), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&app, "GET", "/orders/987654", Some(&session), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, "GET", "/tidak/ada/55555", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&format!("{}/halaman/44444/x", app.http_url()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        "POST",
        &format!("/orders/{no}/pickup"),
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;

    let scrape = scrape_until(&app, |s| {
        s.value("tangkap_timer_lateness_seconds_count", &[])
            .unwrap_or(0.0)
            >= 1.0
    })
    .await;
    assert_eq!(scrape.get("tangkap_logins_total", &[("result", "ok")]), 1.0);
    assert_eq!(
        scrape.get("tangkap_logins_total", &[("result", "failed")]),
        1.0
    );
    assert_eq!(scrape.types["tangkap_timer_lateness_seconds"], "histogram");
    let fired = scrape.get("tangkap_timer_lateness_seconds_count", &[]);
    let on_time = scrape.get("tangkap_timer_lateness_seconds_bucket", &[("le", "2")]);
    assert!(on_time >= 1.0 && on_time <= fired, "{on_time} of {fired}");
    assert_eq!(scrape.get("tangkap_timers_due", &[]), 0.0);

    let latency = "tangkap_http_request_duration_seconds_count";
    assert_eq!(
        scrape.types["tangkap_http_request_duration_seconds"],
        "histogram"
    );
    let answered = |route: &str, method: &str, status: &str| {
        scrape.get(
            latency,
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(answered("/api/orders/{no}", "GET", "2xx"), 1.0);
    assert_eq!(answered("/api/orders/{no}", "GET", "4xx"), 1.0);
    assert_eq!(answered("/api/orders/{no}/pickup", "POST", "2xx"), 1.0);
    assert_eq!(answered("/api/login", "POST", "4xx"), 1.0);
    assert_eq!(answered("/api/login", "POST", "2xx"), 1.0);
    let routes: Vec<_> = scrape
        .samples
        .iter()
        .filter(|s| s.name == latency)
        .map(|s| (&s.labels, s.value))
        .collect();
    assert_eq!(answered("unmatched", "GET", "4xx"), 2.0, "{routes:#?}");
    let scrape_again = self::scrape(&app).await;
    assert!(
        scrape_again.get(
            latency,
            &[("method", "GET"), ("route", "/metrics"), ("status", "2xx")]
        ) >= 1.0
    );
    // Routes are named by their template: no ticket number or path typed makes a series.
    for sample in scrape.samples.iter().filter(|s| s.name == latency) {
        let route = &sample.labels["route"];
        assert!(!route.chars().any(|c| c.is_ascii_digit()), "{route}");
    }
    app.finish().await;
}

async fn an_address_of_its_own_needs_no_token(backend: Backend) {
    let mut app = spawn_app_with(backend, |config| {
        with_token(config);
        config.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let own = app.running.as_ref().unwrap().metrics_addr.expect("bound");
    let (status, _, body) = get(&format!("http://{own}/metrics"), None).await;
    assert_eq!(status, StatusCode::OK);
    let scraped = Scrape::parse(&body);
    scraped.assert_described();
    assert_eq!(scraped.get("tangkap_outbox_depth", &TELEGRAM), 0.0);
    let (status, _, _) = get(&format!("http://{own}/"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only /metrics there");
    let (status, _, _) = get(&format!("http://{own}/api/me"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only /metrics there");
    // The main address still asks for the token.
    let main = format!("{}/metrics", app.http_url());
    assert_eq!(get(&main, None).await.0, StatusCode::UNAUTHORIZED);
    scrape(&app).await;

    // Its own address alone: the main address has no metrics.
    app.config.metrics.token = None;
    app.restart().await;
    let own = app.running.as_ref().unwrap().metrics_addr.expect("bound");
    assert_eq!(
        get(&format!("http://{own}/metrics"), None).await.0,
        StatusCode::OK
    );
    let main = format!("{}/metrics", app.http_url());
    let bearer = format!("Bearer {METRICS_TOKEN}");
    assert_eq!(get(&main, Some(&bearer)).await.0, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn bookings_are_counted_by_status(backend: Backend) {
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let app = spawn_app_with(backend, |config| {
        with_token(config);
        config.booking = Some(common::deluxe_hotel(fo_chat));
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    let none = scrape(&app).await;
    for status in ["pending", "paid", "cancelled"] {
        assert_eq!(none.get("tangkap_bookings", &[("status", status)]), 0.0);
    }
    let guest = app.fake.user("Ahmad", None);
    for text in ["/booking", "Ahmad", "besok", "1"] {
        say(&app, &guest, text).await;
    }
    let held = say(&app, &guest, "Deluxe").await;
    assert!(held.text.contains("RESI-"), "{}", held.text);
    let one = scrape(&app).await;
    assert_eq!(one.get("tangkap_bookings", &[("status", "pending")]), 1.0);
    assert_eq!(one.get("tangkap_bookings", &[("status", "paid")]), 0.0);
    app.finish().await;
}
