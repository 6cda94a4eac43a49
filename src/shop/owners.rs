//! What the shop tells its owners, and only its owners: a product's stock down to
//! `shop.low_stock`, a payment webhook refused (forged, mistaken, or not confirmed by the
//! gateway), the gateway failing, a payment that came after its invoice closed. Through the owners' alert chat when there is one
//! (`TANGKAP_ALERT_CHAT`, sent by the alert bot if set), otherwise to each active owner
//! privately, in their language. Admins run the catalogue but do not hear of these, as the
//! owner's document asks.
//!
//! A refused webhook or a failing gateway is told at most once per [`QUIET_FOR`] and
//! instance: a flood of forged webhooks must not become a flood of messages.

use std::time::{Duration, Instant};

use super::{catalogue::Product, invoices::Invoice, Shop};
use crate::{
    db::Conn,
    lang::{self, Lang},
    telegram::{
        outbox::{self, Outgoing},
        texts::{escape, rupiah},
    },
    users,
};

/// The least time between two alerts of one kind.
pub const QUIET_FOR: Duration = Duration::from_secs(10 * 60);

/// What the owners are told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Told {
    LowStock,
    WebhookRefused,
    GatewayFailing,
    PaidAfterClose,
}

impl Told {
    /// Whether one alert of this kind stands for the next [`QUIET_FOR`]: a flood of forged
    /// webhooks or a gateway down is one thing to know, where each product running low and
    /// each late payment is news of its own.
    fn stands_for_a_while(self) -> bool {
        matches!(self, Told::WebhookRefused | Told::GatewayFailing)
    }
}

impl Shop {
    /// Whether an alert of `kind` would be told now: a refused webhook looks before it
    /// opens a transaction, so that a flood of them does not take the writer each.
    pub fn would_tell(&self, kind: Told) -> bool {
        !kind.stands_for_a_while()
            || self
                .told
                .lock()
                .expect("not poisoned")
                .get(&kind)
                .is_none_or(|at| at.elapsed() >= QUIET_FOR)
    }

    /// Whether an alert of `kind` may be told now (and, if so, notes that it was).
    fn may_tell(&self, kind: Told) -> bool {
        if !self.would_tell(kind) {
            return false;
        }
        if kind.stands_for_a_while() {
            self.told
                .lock()
                .expect("not poisoned")
                .insert(kind, Instant::now());
        }
        true
    }
}

/// Tells the owners of `kind`, each message made in the reader's language by `say`.
async fn tell(
    tx: &mut Conn,
    shop: &Shop,
    kind: Told,
    say: impl Fn(Lang) -> String,
) -> Result<(), sqlx::Error> {
    if !shop.may_tell(kind) {
        return Ok(());
    }
    if let Some(chat_id) = shop.alert_chat {
        let alert = Outgoing::Alert {
            chat_id,
            html: say(Lang::Id),
        };
        return outbox::enqueue(tx, &alert).await;
    }
    for owner in users::owners_to_tell(tx).await? {
        let lang = lang::stored(tx, owner).await?;
        outbox::enqueue(tx, &Outgoing::message(owner, say(lang))).await?;
    }
    Ok(())
}

/// `product` had `before` items available and has `after` now: told once it reaches
/// `shop.low_stock` from above.
pub async fn stock_taken(
    tx: &mut Conn,
    shop: &Shop,
    product: &Product,
    before: i64,
    after: i64,
) -> Result<(), sqlx::Error> {
    let low = i64::from(shop.config.low_stock);
    if !(after <= low && before > low) {
        return Ok(());
    }
    tell(tx, shop, Told::LowStock, |lang| {
        format!(
            "📉 {} <b>{}</b> (<code>{}</code>) {} {after} ({} {low}). {} <code>tangkap shop stock add {} FILE</code>.",
            lang.pick("Stok", "Stock of"),
            escape(&product.name),
            escape(&product.code),
            lang.pick("tinggal", "is down to"),
            lang.pick("batas", "limit"),
            lang.pick("Tambah dengan", "Add more with"),
            escape(&product.code),
        )
    })
    .await
}

/// A payment webhook refused for `why` (about `order_id`, as it came).
pub async fn webhook_refused(
    tx: &mut Conn,
    shop: &Shop,
    order_id: &str,
    why: &str,
) -> Result<(), sqlx::Error> {
    let order_id: String = order_id.chars().take(64).collect();
    tell(tx, shop, Told::WebhookRefused, |lang| {
        format!(
            "⚠️ {} <code>{}</code>: {}. {}",
            lang.pick("Webhook Pakasir ditolak untuk", "A Pakasir webhook was refused for"),
            escape(&order_id),
            escape(why),
            lang.pick(
                "Pembayaran hanya dihitung setelah Pakasir sendiri mengonfirmasinya, jadi tidak ada yang dikirim. Bila ini berulang, seseorang mungkin memalsukan webhook.",
                "A payment counts only once Pakasir itself confirms it, so nothing was delivered. If this repeats, someone may be forging webhooks.",
            )
        )
    })
    .await
}

/// A gateway call given up after its tries.
pub async fn gateway_failing(
    tx: &mut Conn,
    shop: &Shop,
    order_id: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    tell(tx, shop, Told::GatewayFailing, |lang| {
        format!(
            "🔴 {} ({} <code>{}</code>): {}. {}",
            lang.pick("Pakasir gagal menjawab", "Pakasir is failing"),
            lang.pick("invoice", "invoice"),
            escape(order_id),
            escape(error),
            lang.pick(
                "Pembeli tidak bisa membayar dengan QRIS sampai Pakasir pulih; periksa status Pakasir dan TANGKAP_PAKASIR_API_KEY.",
                "Buyers cannot pay by QRIS until Pakasir recovers; check Pakasir's status and TANGKAP_PAKASIR_API_KEY.",
            )
        )
    })
    .await
}

/// A payment confirmed after its invoice closed, credited to the buyer's balance: money
/// came in for stock that went back on sale, which an owner may want to settle by hand.
pub async fn paid_after_close(
    tx: &mut Conn,
    shop: &Shop,
    invoice: &Invoice,
) -> Result<(), sqlx::Error> {
    tell(tx, shop, Told::PaidAfterClose, |lang| {
        format!(
            "💸 {} <code>{}</code> ({}) {} <code>{}</code>.",
            lang.pick("Pembayaran terlambat untuk", "A late payment for"),
            escape(&invoice.order_id),
            rupiah(invoice.total),
            lang.pick(
                "masuk setelah invoice ditutup; jumlahnya dikreditkan ke saldo pembeli",
                "came in after the invoice closed; it was credited to the balance of buyer",
            ),
            invoice.buyer_id,
        )
    })
    .await
}
