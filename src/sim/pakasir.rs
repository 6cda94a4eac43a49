//! A fake Pakasir (pakasir.com), the Indonesian QRIS payment gateway, so that tests and the
//! demo run the whole QRIS flow offline: an order is created, the buyer is shown its QR
//! code, pays it in their bank app, Pakasir POSTs the webhook and the order's detail says
//! `completed`. It imitates Pakasir's API as Tangkap uses it, with the same paths, field
//! names and JSON shapes: `POST /api/transactioncreate/qris`, `GET /api/transactiondetail`,
//! `POST /api/transactioncancel` and the sandbox's `POST /api/paymentsimulation` (bodies in
//! JSON or form-encoded), each checked against one project's slug and API key (401
//! otherwise), a transaction found by its order id and amount together, and the unsigned
//! webhook sent when a payment completes. Times are in WIB (`+07:00`), as Pakasir writes
//! them. A test acts as the buyer ([`FakePakasir::pay`]), loses or forges webhooks, and
//! injects faults per path (an error status, a slow answer, a detail that lies about the
//! amount). The API key is never logged nor written in an answer.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{header::CONTENT_TYPE, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};
use time::{format_description::FormatItem, macros::format_description, OffsetDateTime};

const CREATE: &str = "transactioncreate";
const DETAIL: &str = "transactiondetail";
const CANCEL: &str = "transactioncancel";
const SIMULATION: &str = "paymentsimulation";
/// The merchant name the fake's QR codes carry.
const MERCHANT_NAME: &str = "TANGKAP DEMO";
/// How long a QR code can be paid after it was made.
const VALIDITY: time::Duration = time::Duration::hours(1);
/// Pakasir's timestamps: `2026-12-07T18:07:02.819+07:00`.
const TIMESTAMP: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
);

/// What an injected fault does to the call it hits.
#[derive(Clone, Debug)]
pub enum PakasirFault {
    /// Answer this HTTP status with `{"error": ...}`.
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// `transactiondetail` answers `completed` with the asked amount plus one, as a lying
    /// or forged gateway would (only detail calls meet it).
    WrongAmount,
}

/// A transaction as the fake holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeTransaction {
    pub order_id: String,
    pub amount: i64,
    /// `pending`, `completed` or `canceled`.
    pub status: String,
    /// The QRIS payload the buyer's bank app scans.
    pub payment_number: String,
    /// When it was paid, as Pakasir writes it (`+07:00`).
    pub completed_at: Option<String>,
}

struct Transaction {
    public: FakeTransaction,
    expired_at: String,
}

struct FaultRule {
    /// The path it hits (`transactiondetail`…), or every path.
    path: Option<String>,
    remaining: usize,
    fault: PakasirFault,
}

struct Shared {
    project: String,
    api_key: String,
    state: Mutex<FakeState>,
    http: reqwest::Client,
}

#[derive(Default)]
struct FakeState {
    /// In creation order.
    transactions: Vec<Transaction>,
    webhook: Option<String>,
    faults: Vec<FaultRule>,
    calls: HashMap<String, usize>,
}

/// A running fake Pakasir serving one project; clone it freely.
#[derive(Clone)]
pub struct FakePakasir {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FakePakasir {
    /// Serves Pakasir's API on a free loopback port for the project `project` (its slug),
    /// whose calls must carry `api_key`.
    pub async fn start(project: &str, api_key: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            project: project.to_owned(),
            api_key: api_key.to_owned(),
            state: Mutex::new(FakeState::default()),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("a plain HTTP client always builds"),
        });
        let app = Router::new()
            .route("/api/transactioncreate/{method}", post(create))
            .route("/api/transactiondetail", get(detail))
            .route("/api/transactioncancel", post(cancel))
            .route("/api/paymentsimulation", post(simulate))
            .with_state(shared.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the fake Pakasir stopped serving");
            }
        });
        Ok(Self { shared, addr })
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where completed payments are POSTed, as set in the project's settings.
    pub fn set_webhook(&self, url: &str) {
        self.shared.lock().webhook = Some(url.to_owned());
    }

    /// Every transaction, in creation order.
    pub fn transactions(&self) -> Vec<FakeTransaction> {
        let state = self.shared.lock();
        state
            .transactions
            .iter()
            .map(|t| t.public.clone())
            .collect()
    }

    pub fn transaction(&self, order_id: &str) -> Option<FakeTransaction> {
        let state = self.shared.lock();
        state.find(order_id, None).map(|t| t.public.clone())
    }

    /// The buyer pays in their bank app: as `paymentsimulation`, the transaction is
    /// completed, then the webhook is POSTed. Returns the HTTP status the webhook answered
    /// (`None` if no webhook is set or it could not be reached); an error if the
    /// transaction is unknown or no longer pending.
    pub async fn pay(&self, order_id: &str) -> Result<Option<u16>, String> {
        let body = self.shared.complete(order_id, None)?;
        Ok(self.post_webhook(&body).await)
    }

    /// Completes a payment without telling anyone (a webhook that gets lost).
    pub fn pay_silently(&self, order_id: &str) -> Result<(), String> {
        self.shared.complete(order_id, None).map(|_| ())
    }

    /// POSTs `body` to the webhook URL as Pakasir would, for forged or replayed webhooks;
    /// returns the HTTP status it answered (`None` if no webhook is set or unreachable).
    pub async fn post_webhook(&self, body: &Value) -> Option<u16> {
        let url = self.shared.lock().webhook.clone()?;
        deliver(&self.shared.http, &url, body).await
    }

    /// The body of the webhook for a transaction as it stands (to replay or alter it).
    pub fn webhook_body(&self, order_id: &str) -> Option<Value> {
        let state = self.shared.lock();
        Some(
            self.shared
                .transaction_json(&state.find(order_id, None)?.public),
        )
    }

    /// The next `count` calls of `path` (`transactioncreate`, `transactiondetail`,
    /// `transactioncancel`, `paymentsimulation`; any path if `None`) meet `fault`.
    pub fn inject(&self, path: Option<&str>, count: usize, fault: PakasirFault) {
        if count > 0 {
            self.shared.lock().faults.push(FaultRule {
                path: path.map(str::to_owned),
                remaining: count,
                fault,
            });
        }
    }

    /// How many calls each path received, by the names [`FakePakasir::inject`] takes.
    pub fn calls(&self) -> HashMap<String, usize> {
        self.shared.lock().calls.clone()
    }
}

/// POSTs a webhook; the status it answered, if it answered.
async fn deliver(http: &reqwest::Client, url: &str, body: &Value) -> Option<u16> {
    let answer = http.post(url).json(body).send().await.ok()?;
    Some(answer.status().as_u16())
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+7))
        .format(TIMESTAMP)
        .expect("the timestamp format fits every date")
}

/// An error answer: its status and the text of `{"error": ...}`.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn error(status: StatusCode, message: &str) -> Refusal {
    Refusal(status, message.to_owned())
}

fn respond(result: Result<Value, Refusal>) -> Response {
    result.map_or_else(IntoResponse::into_response, |answer| {
        Json(answer).into_response()
    })
}

impl FakeState {
    /// A transaction by its order id, and its amount if one is given.
    fn find(&self, order_id: &str, amount: Option<i64>) -> Option<&Transaction> {
        self.transactions
            .iter()
            .find(|t| t.public.order_id == order_id && amount.is_none_or(|a| a == t.public.amount))
    }

    fn find_mut(&mut self, order_id: &str, amount: i64) -> Option<&mut FakeTransaction> {
        self.transactions
            .iter_mut()
            .map(|t| &mut t.public)
            .find(|t| t.order_id == order_id && t.amount == amount)
    }
}

/// A transaction a call names, once its credentials were checked.
struct Order {
    order_id: String,
    amount: i64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state
            .lock()
            .expect("the fake's state lock is never poisoned")
    }

    /// Counts a call of `path` and meets the fault injected for it, if any; `true` when
    /// the answer must lie about the amount.
    async fn enter(&self, path: &str) -> Result<bool, Refusal> {
        let fault = {
            let mut state = self.lock();
            *state.calls.entry(path.to_owned()).or_default() += 1;
            let hits = |rule: &FaultRule| {
                rule.path.as_deref().is_none_or(|p| p == path)
                    && (path == DETAIL || !matches!(rule.fault, PakasirFault::WrongAmount))
            };
            state.faults.iter().position(hits).map(|i| {
                let rule = &mut state.faults[i];
                rule.remaining -= 1;
                let fault = rule.fault.clone();
                if rule.remaining == 0 {
                    state.faults.remove(i);
                }
                fault
            })
        };
        match fault {
            None => Ok(false),
            Some(PakasirFault::Status(code)) => {
                let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
                Err(error(status, status.canonical_reason().unwrap_or("error")))
            }
            Some(PakasirFault::Delay(pause)) => {
                tokio::time::sleep(pause).await;
                Ok(false)
            }
            Some(PakasirFault::WrongAmount) => Ok(true),
        }
    }

    /// Checks a call's project and API key (401), then its order id and amount (400).
    fn authorize(&self, params: &HashMap<String, String>) -> Result<Order, Refusal> {
        let field = |name: &str| params.get(name).map(String::as_str);
        if field("project") != Some(self.project.as_str())
            || field("api_key") != Some(self.api_key.as_str())
        {
            return Err(error(StatusCode::UNAUTHORIZED, "unauthorized"));
        }
        let order_id = match field("order_id") {
            None | Some("") => return Err(error(StatusCode::BAD_REQUEST, "order_id is required")),
            Some(id) if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) => {
                return Err(error(StatusCode::BAD_REQUEST, "invalid order_id"))
            }
            Some(id) => id.to_owned(),
        };
        match field("amount").and_then(|a| a.parse::<i64>().ok()) {
            Some(amount @ 1..=999_999_999_999) => Ok(Order { order_id, amount }),
            _ => Err(error(StatusCode::BAD_REQUEST, "invalid amount")),
        }
    }

    /// A transaction as `transactiondetail` and the webhook write it.
    fn transaction_json(&self, t: &FakeTransaction) -> Value {
        json!({
            "amount": t.amount, "order_id": t.order_id, "project": self.project,
            "status": t.status, "payment_method": "qris", "completed_at": t.completed_at,
        })
    }

    /// Completes a pending transaction; the webhook's body.
    fn complete(&self, order_id: &str, amount: Option<i64>) -> Result<Value, String> {
        let mut state = self.lock();
        let amount = amount
            .or_else(|| state.find(order_id, None).map(|t| t.public.amount))
            .ok_or_else(|| format!("no transaction {order_id}"))?;
        let t = state
            .find_mut(order_id, amount)
            .ok_or_else(|| format!("no transaction {order_id} of {amount}"))?;
        if t.status != "pending" {
            return Err(format!("transaction already {}", t.status));
        }
        t.status = "completed".to_owned();
        t.completed_at = Some(now());
        let t = t.clone();
        Ok(self.transaction_json(&t))
    }

    fn create(&self, method: &str, order: Order) -> Result<Value, Refusal> {
        if method != "qris" {
            return Err(error(StatusCode::BAD_REQUEST, "unsupported payment method"));
        }
        let mut state = self.lock();
        let index = state
            .transactions
            .iter()
            .position(|t| t.public.order_id == order.order_id);
        let index = match index {
            Some(i) if state.transactions[i].public.amount != order.amount => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "order_id already used with another amount",
                ))
            }
            Some(i) => i,
            None => {
                let expired_at = (OffsetDateTime::now_utc() + VALIDITY)
                    .to_offset(time::macros::offset!(+7))
                    .format(TIMESTAMP)
                    .expect("the timestamp format fits every date");
                let payment_number = qris_payload(&self.project, &order.order_id, order.amount);
                state.transactions.push(Transaction {
                    public: FakeTransaction {
                        order_id: order.order_id,
                        amount: order.amount,
                        status: "pending".to_owned(),
                        payment_number,
                        completed_at: None,
                    },
                    expired_at,
                });
                state.transactions.len() - 1
            }
        };
        let t = &state.transactions[index];
        Ok(json!({ "payment": {
            "project": self.project, "order_id": t.public.order_id,
            "amount": t.public.amount, "fee": 0, "total_payment": t.public.amount,
            "payment_method": "qris", "payment_number": t.public.payment_number,
            "expired_at": t.expired_at,
        }}))
    }
}

/// A call's fields from a JSON object (strings or numbers) or a form-encoded body.
fn body_params(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, Refusal> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || body.trim_ascii_start().starts_with(b"{");
    if !is_json {
        return serde_urlencoded::from_bytes(body)
            .map_err(|_| error(StatusCode::BAD_REQUEST, "invalid form body"));
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice(body) else {
        return Err(error(StatusCode::BAD_REQUEST, "invalid JSON body"));
    };
    Ok(fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::String(text) => Some((name, text)),
            Value::Number(number) => Some((name, number.to_string())),
            _ => None,
        })
        .collect())
}

fn query_params(query: Option<&str>) -> Result<HashMap<String, String>, Refusal> {
    serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|_| error(StatusCode::BAD_REQUEST, "invalid query"))
}

async fn create(
    State(fake): State<Arc<Shared>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(
        async {
            fake.enter(CREATE).await?;
            let order = fake.authorize(&body_params(&headers, &body)?)?;
            fake.create(&method, order)
        }
        .await,
    )
}

async fn detail(State(fake): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    respond(
        async {
            let lie = fake.enter(DETAIL).await?;
            let order = fake.authorize(&query_params(query.as_deref())?)?;
            let transaction = if lie {
                FakeTransaction {
                    order_id: order.order_id,
                    amount: order.amount + 1,
                    status: "completed".to_owned(),
                    payment_number: String::new(),
                    completed_at: Some(now()),
                }
            } else {
                let state = fake.lock();
                let found = state.find(&order.order_id, Some(order.amount));
                found
                    .ok_or_else(|| error(StatusCode::NOT_FOUND, "transaction not found"))?
                    .public
                    .clone()
            };
            Ok(json!({ "transaction": fake.transaction_json(&transaction) }))
        }
        .await,
    )
}

async fn cancel(State(fake): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    respond(
        async {
            fake.enter(CANCEL).await?;
            let order = fake.authorize(&body_params(&headers, &body)?)?;
            let mut state = fake.lock();
            let t = state
                .find_mut(&order.order_id, order.amount)
                .ok_or_else(|| error(StatusCode::NOT_FOUND, "transaction not found"))?;
            if t.status == "completed" {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "transaction already completed",
                ));
            }
            t.status = "canceled".to_owned();
            Ok(json!({ "success": true }))
        }
        .await,
    )
}

async fn simulate(State(fake): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    respond(
        async {
            fake.enter(SIMULATION).await?;
            let order = fake.authorize(&body_params(&headers, &body)?)?;
            if fake
                .lock()
                .find(&order.order_id, Some(order.amount))
                .is_none()
            {
                return Err(error(StatusCode::NOT_FOUND, "transaction not found"));
            }
            let webhook = fake
                .complete(&order.order_id, Some(order.amount))
                .map_err(|why| error(StatusCode::BAD_REQUEST, &why))?;
            // Pakasir sends the webhook on its own time, not within the answer.
            let url = fake.lock().webhook.clone();
            if let Some(url) = url {
                let http = fake.http.clone();
                tokio::spawn(async move { deliver(&http, &url, &webhook).await });
            }
            Ok(json!({ "success": true }))
        }
        .await,
    )
}

/// A dynamic QRIS (EMV) payload for an order, deterministic for (project, order id,
/// amount): the merchant's ids derive from the project, the bill number is the order id,
/// the amount is in tag 54 and the CRC-16 in tag 63. At most 283 ASCII characters.
fn qris_payload(project: &str, order_id: &str, amount: i64) -> String {
    fn tlv(tag: &str, value: &str) -> String {
        format!("{tag}{:02}{value}", value.len())
    }
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    }
    let merchant = fnv1a(project.as_bytes());
    let reference = fnv1a(format!("{project}\n{order_id}\n{amount}").as_bytes());
    let mut payload = [
        tlv("00", "01"),
        tlv("01", "12"),
        tlv(
            "26",
            &[
                tlv("00", "ID.CO.PAKASIR.WWW"),
                tlv("01", &format!("93600914{:010}", merchant % 10_000_000_000)),
                tlv("03", "UMI"),
            ]
            .concat(),
        ),
        tlv(
            "51",
            &[
                tlv("00", "ID.CO.QRIS.WWW"),
                tlv("02", &format!("ID{:013}", merchant % 10_000_000_000_000)),
                tlv("03", "UMI"),
            ]
            .concat(),
        ),
        tlv("52", "7399"),
        tlv("53", "360"),
        tlv("54", &amount.to_string()),
        tlv("58", "ID"),
        tlv("59", MERCHANT_NAME),
        tlv("60", "JAKARTA"),
        tlv("61", "10110"),
        tlv(
            "62",
            &[
                tlv("01", order_id),
                tlv("05", &format!("{:012}", reference % 1_000_000_000_000)),
            ]
            .concat(),
        ),
    ]
    .concat();
    payload.push_str("6304");
    let crc = payload.bytes().fold(0xffff_u16, |mut crc, byte| {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    });
    payload + &format!("{crc:04X}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-test-secret";

    /// A webhook receiver: its URL and the bodies it gets.
    async fn receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
        let (sender, bodies) = tokio::sync::mpsc::unbounded_channel();
        let app = Router::new().route(
            "/pakasir",
            post(move |Json(body): Json<Value>| async move {
                let _ = sender.send(body);
                StatusCode::OK
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/pakasir", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, bodies)
    }

    fn order(order_id: &str, amount: i64) -> Value {
        json!({ "project": "tangkap", "order_id": order_id, "amount": amount, "api_key": KEY })
    }

    async fn call(fake: &FakePakasir, path: &str, body: &Value) -> (u16, Value) {
        let http = reqwest::Client::new();
        let answer = if path == DETAIL {
            let query: Vec<(&str, String)> = ["project", "amount", "order_id", "api_key"]
                .into_iter()
                .map(|f| {
                    (
                        f,
                        body[f].as_str().map_or(body[f].to_string(), str::to_owned),
                    )
                })
                .collect();
            http.get(format!("{}/api/{DETAIL}", fake.url()))
                .query(&query)
        } else {
            let path = if path == CREATE {
                "transactioncreate/qris"
            } else {
                path
            };
            http.post(format!("{}/api/{path}", fake.url())).json(body)
        };
        let answer = answer.send().await.unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap())
    }

    #[tokio::test]
    async fn a_payment_goes_from_creation_to_completed_with_its_webhook() {
        let fake = FakePakasir::start("tangkap", KEY).await.unwrap();
        let (url, mut webhooks) = receiver().await;
        fake.set_webhook(&url);
        let (status, created) = call(&fake, CREATE, &order("TK-1", 10380)).await;
        assert_eq!(status, 200);
        let payment = &created["payment"];
        assert_eq!(payment["project"], "tangkap");
        assert_eq!(payment["order_id"], "TK-1");
        assert_eq!(
            (payment["amount"].as_i64(), payment["fee"].as_i64()),
            (Some(10380), Some(0))
        );
        assert_eq!(payment["total_payment"], 10380);
        assert_eq!(payment["payment_method"], "qris");
        let qr = payment["payment_number"].as_str().unwrap();
        assert!(qr.starts_with("000201010212") && qr.contains("TK-1") && qr.contains("540510380"));
        assert!(payment["expired_at"].as_str().unwrap().ends_with("+07:00"));
        assert!(!created.to_string().contains(KEY));
        // Idempotent for the same amount, refused for another.
        assert_eq!(
            call(&fake, CREATE, &order("TK-1", 10380)).await,
            (200, created.clone())
        );
        assert_eq!(call(&fake, CREATE, &order("TK-1", 10381)).await.0, 400);

        let (status, pending) = call(&fake, DETAIL, &order("TK-1", 10380)).await;
        assert_eq!(status, 200);
        assert_eq!(pending["transaction"]["status"], "pending");
        assert_eq!(pending["transaction"]["completed_at"], Value::Null);

        assert_eq!(fake.pay("TK-1").await, Ok(Some(200)));
        let webhook = webhooks.recv().await.unwrap();
        assert_eq!(Some(&webhook), fake.webhook_body("TK-1").as_ref());
        assert_eq!(webhook["status"], "completed");
        assert_eq!(
            (webhook["amount"].as_i64(), webhook["project"].as_str()),
            (Some(10380), Some("tangkap"))
        );
        let (_, done) = call(&fake, DETAIL, &order("TK-1", 10380)).await;
        assert_eq!(done["transaction"]["status"], "completed");
        assert_eq!(done["transaction"]["amount"], 10380);
        assert_eq!(done["transaction"]["completed_at"], webhook["completed_at"]);
        assert!(fake.pay("TK-1").await.is_err());
        assert_eq!(fake.transactions().len(), 1);
        assert_eq!(fake.calls()[CREATE], 3);
        assert_eq!(fake.calls()[DETAIL], 2);
    }

    #[tokio::test]
    async fn wrong_credentials_unknown_orders_and_bad_fields_are_refused() {
        let fake = FakePakasir::start("tangkap", KEY).await.unwrap();
        let mut wrong_key = order("TK-2", 5000);
        wrong_key["api_key"] = json!("nope");
        let mut wrong_project = order("TK-2", 5000);
        wrong_project["project"] = json!("other");
        for path in [CREATE, DETAIL, CANCEL, SIMULATION] {
            assert_eq!(
                call(&fake, path, &wrong_key).await,
                (401, json!({ "error": "unauthorized" }))
            );
            assert_eq!(call(&fake, path, &wrong_project).await.0, 401);
        }
        assert!(fake.transactions().is_empty());
        assert_eq!(call(&fake, CREATE, &order("TK-2", 0)).await.0, 400);
        assert_eq!(call(&fake, CREATE, &order("", 5000)).await.0, 400);
        // Form-encoded bodies are taken too.
        let form = reqwest::Client::new()
            .post(format!("{}/api/transactioncreate/qris", fake.url()))
            .form(&[
                ("project", "tangkap"),
                ("order_id", "TK-2"),
                ("amount", "5000"),
                ("api_key", KEY),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        let not_found = (404, json!({ "error": "transaction not found" }));
        assert_eq!(call(&fake, DETAIL, &order("TK-2", 5001)).await, not_found);
        assert_eq!(call(&fake, DETAIL, &order("TK-3", 5000)).await, not_found);
        assert_eq!(call(&fake, DETAIL, &order("TK-2", 5000)).await.0, 200);
    }

    #[tokio::test]
    async fn a_canceled_order_cannot_be_paid_and_a_completed_one_cannot_be_canceled() {
        let fake = FakePakasir::start("tangkap", KEY).await.unwrap();
        let (url, mut webhooks) = receiver().await;
        fake.set_webhook(&url);
        call(&fake, CREATE, &order("TK-4", 7000)).await;
        call(&fake, CREATE, &order("TK-5", 8000)).await;
        assert_eq!(call(&fake, CANCEL, &order("TK-9", 7000)).await.0, 404);
        assert_eq!(
            call(&fake, CANCEL, &order("TK-4", 7000)).await,
            (200, json!({ "success": true }))
        );
        assert_eq!(fake.transaction("TK-4").unwrap().status, "canceled");
        assert_eq!(call(&fake, SIMULATION, &order("TK-4", 7000)).await.0, 400);
        assert_eq!(call(&fake, SIMULATION, &order("TK-9", 7000)).await.0, 404);
        assert!(fake.pay("TK-4").await.is_err());

        assert_eq!(
            call(&fake, SIMULATION, &order("TK-5", 8000)).await,
            (200, json!({ "success": true }))
        );
        let webhook = webhooks.recv().await.unwrap();
        assert_eq!(
            (webhook["order_id"].as_str(), webhook["status"].as_str()),
            (Some("TK-5"), Some("completed"))
        );
        assert!(
            webhooks.try_recv().is_err(),
            "no webhook for the canceled order"
        );
        let completed = (400, json!({ "error": "transaction already completed" }));
        assert_eq!(call(&fake, CANCEL, &order("TK-5", 8000)).await, completed);

        // A lost webhook, then a replayed one.
        call(&fake, CREATE, &order("TK-6", 9000)).await;
        fake.pay_silently("TK-6").unwrap();
        assert_eq!(fake.transaction("TK-6").unwrap().status, "completed");
        assert!(webhooks.try_recv().is_err());
        let body = fake.webhook_body("TK-6").unwrap();
        assert_eq!(fake.post_webhook(&body).await, Some(200));
        assert_eq!(webhooks.recv().await.unwrap(), body);
    }

    #[tokio::test]
    async fn injected_faults_hit_as_many_calls_as_asked() {
        let fake = FakePakasir::start("tangkap", KEY).await.unwrap();
        call(&fake, CREATE, &order("TK-7", 10380)).await;
        fake.inject(Some(DETAIL), 1, PakasirFault::Status(500));
        let (status, answer) = call(&fake, DETAIL, &order("TK-7", 10380)).await;
        assert_eq!(status, 500);
        assert!(answer["error"].is_string());
        assert_eq!(call(&fake, DETAIL, &order("TK-7", 10380)).await.0, 200);

        // A lying detail, which create calls do not use up.
        fake.inject(None, 1, PakasirFault::WrongAmount);
        assert_eq!(call(&fake, CREATE, &order("TK-8", 100)).await.0, 200);
        let (_, lie) = call(&fake, DETAIL, &order("TK-7", 10380)).await;
        assert_eq!(
            (
                lie["transaction"]["status"].as_str(),
                lie["transaction"]["amount"].as_i64()
            ),
            (Some("completed"), Some(10381))
        );
        assert_eq!(fake.transaction("TK-7").unwrap().status, "pending");

        fake.inject(
            Some(CREATE),
            1,
            PakasirFault::Delay(Duration::from_millis(200)),
        );
        let started = std::time::Instant::now();
        assert_eq!(call(&fake, CREATE, &order("TK-8", 100)).await.0, 200);
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert_eq!(fake.calls()[DETAIL], 3);
    }

    #[test]
    fn qr_payloads_are_deterministic_short_and_checksummed() {
        let long_id = "X".repeat(64);
        let a = qris_payload("tangkap", &long_id, 999_999_999_999);
        assert!(a.len() < 300 && a.is_ascii(), "{} chars", a.len());
        assert_eq!(a, qris_payload("tangkap", &long_id, 999_999_999_999));
        assert_ne!(
            qris_payload("tangkap", "TK-1", 100),
            qris_payload("tangkap", "TK-2", 100)
        );
        let qr = qris_payload("tangkap", "TK-1", 10380);
        let (body, crc) = qr.split_at(qr.len() - 4);
        assert!(body.ends_with("6304") && crc.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(qr.contains("5802ID") && qr.contains("5912TANGKAP DEMO"));
    }
}
