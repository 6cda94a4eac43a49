//! Toko: the owner's digital-product shop, a module on Tangkap's core beside tickets and
//! bookings. Buyers pick a product in a private chat, get an invoice with a QRIS from the
//! Pakasir gateway, pay in their bank app, and get the items in the chat. It is built on
//! what the core already promises: updates come through the durable inbox, every message
//! goes through the outbox, an invoice's expiry is a timer of the one timer engine, and
//! each step of an invoice is a conditional UPDATE that one transaction wins
//! ([`invoices`]).
//!
//! Off unless `[shop] enabled = true`; then the Pakasir project must be set.

pub mod admin;
pub mod balance;
pub mod buyers;
pub mod cart;
pub mod catalogue;
pub mod config;
pub mod coupons;
pub mod custom_texts;
pub mod gateway;
pub mod invoices;
pub mod owners;
pub mod pakasir;
pub mod proofs;
pub mod stock_files;
pub mod texts;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use tokio::sync::Notify;

pub use config::ShopConfig;
use invoices::{Call, Settled};
use pakasir::Pakasir;

use crate::db::Db;

/// The shop of a running instance.
#[derive(Clone, Debug)]
pub struct Shop {
    pub config: Arc<ShopConfig>,
    pub pakasir: Pakasir,
    /// The clock buyers are told times on.
    pub utc_offset: time::UtcOffset,
    /// Wakes the gateway worker when an invoice is owed a call.
    pub wake: Arc<Notify>,
    /// The owners' alert chat (`TANGKAP_ALERT_CHAT`); without one, owners are told
    /// privately ([`owners`]).
    pub alert_chat: Option<i64>,
    /// When each kind of alert was last told by this instance.
    told: Arc<Mutex<HashMap<owners::Told, Instant>>>,
    /// Admins' stock files fetched before the transactions that add them.
    pub stock_files: stock_files::StockFiles,
}

impl Shop {
    pub fn new(config: ShopConfig, utc_offset: time::UtcOffset, alert_chat: Option<i64>) -> Self {
        Self {
            pakasir: Pakasir::new(config.pakasir.clone()),
            config: Arc::new(config),
            utc_offset,
            wake: Arc::new(Notify::new()),
            alert_chat,
            told: Arc::default(),
            stock_files: stock_files::StockFiles::default(),
        }
    }
}

/// What Pakasir's webhook POSTs when a payment completes.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct PaymentHint {
    pub order_id: String,
    pub amount: i64,
    pub project: String,
    pub status: String,
}

/// Why a webhook changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum HintRefused {
    /// No invoice of ours has that order id (or it names another project).
    #[error("no such invoice")]
    Unknown,
    /// The amount is not the invoice's.
    #[error("the amount is not the invoice's")]
    WrongAmount,
    /// The gateway does not confirm a completed payment of that order and amount.
    #[error("the gateway does not confirm the payment")]
    Unconfirmed,
    /// The gateway could not be asked now; the invoice is owed a check.
    #[error("the gateway cannot confirm it now; it will be checked again")]
    GatewayUnavailable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A webhook's word that `hint`'s order is paid: a hint only, so the payment counts once
/// the gateway's detail call confirms the same order and amount; then the invoice is
/// settled (delivered once, or credited if it had closed).
pub async fn payment_hinted(
    db: &Db,
    shop: &Shop,
    hint: &PaymentHint,
) -> Result<Settled, HintRefused> {
    let outcome = confirm_hint(db, shop, hint).await;
    let told = match &outcome {
        Err(
            refused @ (HintRefused::Unknown | HintRefused::WrongAmount | HintRefused::Unconfirmed),
        ) if shop.would_tell(owners::Told::WebhookRefused) => Some(refused.to_string()),
        _ => None,
    };
    if let Some(why) = told {
        let mut tx = db.begin().await?;
        owners::webhook_refused(&mut tx, shop, &hint.order_id, &why).await?;
        tx.commit().await?;
    }
    outcome
}

async fn confirm_hint(db: &Db, shop: &Shop, hint: &PaymentHint) -> Result<Settled, HintRefused> {
    let invoice = {
        let mut conn = db.pool().acquire().await?;
        invoices::find_by_order_id(&mut conn, hint.order_id.trim()).await?
    };
    let Some(invoice) = invoice.filter(|_| hint.project == shop.pakasir.project()) else {
        return Err(HintRefused::Unknown);
    };
    if hint.amount != invoice.amount {
        return Err(HintRefused::WrongAmount);
    }
    if matches!(
        invoice.status,
        invoices::Status::Paid | invoices::Status::Credited
    ) {
        return Ok(Settled::Already);
    }
    match shop.pakasir.detail(&invoice.order_id, invoice.amount).await {
        Ok(transaction) if transaction.confirms(&invoice.order_id, invoice.amount) => {
            let mut tx = db.begin().await?;
            let settled = invoices::settle(&mut tx, shop, invoice.id).await?;
            tx.commit().await?;
            Ok(settled)
        }
        Ok(_) => Err(HintRefused::Unconfirmed),
        Err(e) if e.is_not_found() => Err(HintRefused::Unconfirmed),
        Err(e) => {
            tracing::warn!(order_id = %invoice.order_id, error = %e, "cannot confirm a payment now; it will be checked again");
            let mut tx = db.begin().await?;
            invoices::ask_call(&mut tx, invoice.id, Call::Check).await?;
            tx.commit().await?;
            shop.wake.notify_one();
            Err(HintRefused::GatewayUnavailable)
        }
    }
}

/// The advisory lock of `name` (a product's code, a coupon's), apart from the other
/// advisory locks by `prefix` in the top 16 bits.
fn named_lock(prefix: u16, name: &str) -> i64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    ((u64::from(prefix) << 48) | (hash >> 16)) as i64
}
