//! The gateway worker: makes the calls invoices are owed ([`Call`]) outside any
//! transaction, then writes each outcome in a transaction of its own. A call is claimed
//! for a while before it is made (so that two instances do not both make it) and is owed
//! again if the process dies before its outcome is written; the gateway's calls are safe
//! to repeat (a create of the same order and amount answers the same QR, a detail call
//! only reads, a cancel of a cancelled transaction changes nothing).

use std::{sync::Arc, time::Duration};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::{
    invoices::{self, Call, Invoice},
    owners,
    pakasir::{GatewayError, Payment, Transaction},
    texts::{self, Closed},
    Shop,
};
use crate::db::{now_ms, Db};

/// How long a claimed call is left to its claimer before another may make it: longer
/// than a call may take ([`super::pakasir`]'s timeout).
const CLAIM_MS: i64 = 30_000;
/// Calls looked at per pass.
const PER_PASS: i64 = 32;
/// Tries of a call before it is given up (the QR not made, a payment not confirmed now).
const TRIES: i64 = 3;
/// Tries of a cancel, which nobody waits for.
const CANCEL_TRIES: i64 = 6;
/// The longest the worker sleeps without being woken.
const LONGEST_NAP: Duration = Duration::from_secs(1);

/// What the gateway answered a call.
enum Answer {
    Created(Result<Payment, GatewayError>),
    Detail(Result<Transaction, GatewayError>),
    Cancelled(Result<(), GatewayError>),
}

pub struct GatewayWorker {
    pub db: Db,
    pub shop: Shop,
    /// The outbox's sender, woken for what an outcome queued.
    pub new_messages: Arc<Notify>,
}

impl GatewayWorker {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let next = match self.pass().await {
                Ok(next) => next,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make the shop's gateway calls");
                    None
                }
            };
            let nap = next
                .map(|at| Duration::from_millis((at - now_ms()).max(0) as u64))
                .unwrap_or(LONGEST_NAP)
                .min(LONGEST_NAP);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.shop.wake.notified() => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    /// Makes the calls owed now; returns when the next is owed.
    async fn pass(&self) -> Result<Option<i64>, sqlx::Error> {
        let owed = {
            let mut conn = self.db.pool().acquire().await?;
            invoices::owed_calls(&mut conn, now_ms(), PER_PASS).await?
        };
        for invoice in owed {
            let claimed = {
                let mut conn = self.db.writer().acquire().await?;
                invoices::claim_call(&mut conn, &invoice, CLAIM_MS).await?
            };
            if claimed {
                self.make(&invoice).await?;
            }
        }
        let mut conn = self.db.pool().acquire().await?;
        invoices::next_call_at(&mut conn).await
    }

    async fn make(&self, invoice: &Invoice) -> Result<(), sqlx::Error> {
        let Some(call) = invoice.call else {
            return Ok(());
        };
        let pakasir = &self.shop.pakasir;
        let failures = invoice.call_failures + 1;
        // The call is made before the transaction begins: a slow gateway must not hold the
        // database's writer.
        let (order_id, amount) = (invoice.order_id.as_str(), invoice.amount);
        let answer = match call {
            Call::Create => Answer::Created(pakasir.create(order_id, amount).await),
            Call::Ask | Call::Check | Call::Expire => {
                Answer::Detail(pakasir.detail(order_id, amount).await)
            }
            Call::Cancel => Answer::Cancelled(pakasir.cancel(order_id, amount).await),
        };
        let mut tx = self.db.begin().await?;
        match answer {
            Answer::Created(created) => match created {
                Ok(payment) => {
                    invoices::qr_made(&mut tx, invoice.id, &payment.payment_number).await?
                }
                Err(e) if failures >= TRIES => {
                    tracing::warn!(order_id = %invoice.order_id, error = %e, "the QR could not be made; the invoice is closed");
                    invoices::close(&mut tx, invoice.id, Closed::GatewayDown).await?;
                    owners::gateway_failing(&mut tx, &self.shop, order_id, &e.to_string()).await?;
                }
                Err(e) => self.retry(&mut tx, invoice, call, failures, &e).await?,
            },
            Answer::Detail(detail) => match detail {
                Ok(transaction) if transaction.confirms(&invoice.order_id, invoice.amount) => {
                    let settled = invoices::settle(&mut tx, &self.shop, invoice.id).await?;
                    tracing::info!(order_id = %invoice.order_id, ?settled, "payment confirmed");
                }
                Ok(_) => self.unpaid(&mut tx, invoice, call).await?,
                Err(e) if e.is_not_found() => self.unpaid(&mut tx, invoice, call).await?,
                Err(e) if failures >= TRIES => {
                    tracing::warn!(order_id = %invoice.order_id, error = %e, "the payment could not be confirmed");
                    self.unpaid(&mut tx, invoice, call).await?;
                    owners::gateway_failing(&mut tx, &self.shop, order_id, &e.to_string()).await?;
                }
                Err(e) => self.retry(&mut tx, invoice, call, failures, &e).await?,
            },
            Answer::Cancelled(cancelled) => match cancelled {
                Ok(()) => invoices::call_done(&mut tx, invoice.id, call, None).await?,
                Err(e) if e.is_not_found() => {
                    invoices::call_done(&mut tx, invoice.id, call, None).await?
                }
                // Refused: paid meanwhile, most likely; a look at it settles that.
                Err(GatewayError::Status { status: 400, .. }) => {
                    invoices::call_done(&mut tx, invoice.id, call, Some(Call::Check)).await?
                }
                Err(e) if failures >= CANCEL_TRIES => {
                    tracing::warn!(order_id = %invoice.order_id, error = %e, "the gateway's transaction could not be cancelled");
                    invoices::call_done(&mut tx, invoice.id, call, None).await?
                }
                Err(e) => self.retry(&mut tx, invoice, call, failures, &e).await?,
            },
        }
        tx.commit().await?;
        self.new_messages.notify_one();
        Ok(())
    }

    /// The gateway says (or, after every try, seems to say) the invoice is unpaid.
    async fn unpaid(
        &self,
        tx: &mut crate::db::Conn,
        invoice: &Invoice,
        call: Call,
    ) -> Result<(), sqlx::Error> {
        match call {
            Call::Expire => {
                invoices::close(tx, invoice.id, Closed::Expired).await?;
            }
            Call::Ask => {
                invoices::call_done(tx, invoice.id, call, None).await?;
                let told = texts::not_paid_yet(invoice, now_ms(), self.shop.utc_offset);
                crate::telegram::outbox::enqueue(
                    tx,
                    &crate::telegram::outbox::Outgoing::message(invoice.chat_id, told),
                )
                .await?;
            }
            _ => invoices::call_done(tx, invoice.id, call, None).await?,
        }
        Ok(())
    }

    async fn retry(
        &self,
        tx: &mut crate::db::Conn,
        invoice: &Invoice,
        call: Call,
        failures: i64,
        error: &GatewayError,
    ) -> Result<(), sqlx::Error> {
        tracing::info!(order_id = %invoice.order_id, %error, failures, "gateway call failed; trying again");
        // 1 s, 2 s, 4 s, … at most a minute.
        let retry_ms = (1_000_i64 << (failures - 1).clamp(0, 6)).min(60_000);
        invoices::call_failed(tx, invoice.id, call, retry_ms).await
    }
}
