//! The Pakasir gateway, as its integration guide describes it: a QRIS transaction is
//! created for an `order_id` and an `amount`, looked up by both, and cancelled; a webhook
//! tells of a completed payment. The webhook carries no signature, so it is only a hint:
//! a payment counts once the detail call says `completed` for the same order and amount.
//!
//! The API key travels in bodies and query strings, so no error of this client carries a
//! URL or a body: a failed call is told by its operation and status alone.

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::config::PakasirSettings;

/// How long one call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of one project.
#[derive(Clone, Debug)]
pub struct Pakasir {
    settings: PakasirSettings,
    http: reqwest::Client,
}

/// A created QRIS transaction.
#[derive(Clone, Debug, Deserialize)]
pub struct Payment {
    /// The QRIS string the buyer's bank app scans.
    pub payment_number: String,
    pub total_payment: Option<i64>,
}

/// A transaction as the detail call describes it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Transaction {
    pub order_id: String,
    pub amount: i64,
    pub status: String,
    #[serde(default)]
    pub project: Option<String>,
}

impl Transaction {
    /// Paid, for this order and this amount.
    pub fn confirms(&self, order_id: &str, amount: i64) -> bool {
        self.status == "completed" && self.order_id == order_id && self.amount == amount
    }
}

/// What went wrong with a call, without the URL or body (they hold the API key).
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("Pakasir {operation}: no answer ({reason})")]
    Unreachable {
        operation: &'static str,
        reason: &'static str,
    },
    #[error("Pakasir {operation}: HTTP {status}")]
    Status {
        operation: &'static str,
        status: u16,
    },
    #[error("Pakasir {operation}: an answer that is not what the guide describes")]
    Unreadable { operation: &'static str },
}

impl GatewayError {
    /// The gateway knows no such transaction (the detail call answers 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, GatewayError::Status { status: 404, .. })
    }
}

#[derive(Deserialize)]
struct Created {
    payment: Payment,
}

#[derive(Deserialize)]
struct Detail {
    transaction: Transaction,
}

impl Pakasir {
    pub fn new(settings: PakasirSettings) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout and no redirects builds");
        Self { settings, http }
    }

    pub fn project(&self) -> &str {
        &self.settings.project
    }

    /// `POST /api/transactioncreate/qris`.
    pub async fn create(&self, order_id: &str, amount: i64) -> Result<Payment, GatewayError> {
        let created: Created = self
            .post("transactioncreate", "qris", order_id, amount)
            .await?;
        Ok(created.payment)
    }

    /// `GET /api/transactiondetail`.
    pub async fn detail(&self, order_id: &str, amount: i64) -> Result<Transaction, GatewayError> {
        const OPERATION: &str = "transactiondetail";
        let amount_text = amount.to_string();
        let request = self
            .http
            .get(format!("{}/api/{OPERATION}", self.settings.url))
            .query(&[
                ("project", self.settings.project.as_str()),
                ("amount", amount_text.as_str()),
                ("order_id", order_id),
                ("api_key", self.settings.api_key.expose()),
            ]);
        let detail: Detail = answer(OPERATION, request.send().await).await?;
        Ok(detail.transaction)
    }

    /// `POST /api/transactioncancel`.
    pub async fn cancel(&self, order_id: &str, amount: i64) -> Result<(), GatewayError> {
        let _: serde_json::Value = self.post("transactioncancel", "", order_id, amount).await?;
        Ok(())
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        method: &str,
        order_id: &str,
        amount: i64,
    ) -> Result<T, GatewayError> {
        let path = match method {
            "" => operation.to_owned(),
            method => format!("{operation}/{method}"),
        };
        let request = self
            .http
            .post(format!("{}/api/{path}", self.settings.url))
            .json(&json!({
                "project": self.settings.project,
                "order_id": order_id,
                "amount": amount,
                "api_key": self.settings.api_key.expose(),
            }));
        answer(operation, request.send().await).await
    }
}

async fn answer<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, GatewayError> {
    let response = sent.map_err(|e| GatewayError::Unreachable {
        operation,
        reason: if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else {
            "connection failed"
        },
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(GatewayError::Status {
            operation,
            status: status.as_u16(),
        });
    }
    response
        .json()
        .await
        .map_err(|_| GatewayError::Unreadable { operation })
}
