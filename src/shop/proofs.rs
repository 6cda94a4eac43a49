//! Proof under an order's terms (SNK): after delivery the buyer taps 📎 under their items,
//! and their next message, a text or a photo, is kept as proof for that order and sent on
//! to everyone who runs the shop. Only the buyer of a paid order may: anyone else's tap
//! (a forged button) finds no order, as if there were none.

use super::{invoices::Buyer, texts};
use crate::{
    db::{now_ms, Conn},
    lang,
    telegram::outbox::{self, Outgoing, Photo},
    users,
};

/// The longest proof text kept, in characters (a message holds 4,096; the header needs
/// room when it is sent on).
pub const MOST_PROOF_CHARS: usize = 3_000;

/// The most of a photo's caption sent on under the admins' header.
const MOST_CAPTION_PROOF_CHARS: usize = 900;

/// What a buyer sent as proof.
pub struct Proof<'m> {
    /// The text, or a photo's caption.
    pub body: &'m str,
    /// The photo, as Telegram keeps it.
    pub photo_file_id: Option<&'m str>,
    /// The sender's name, as the admins are told it.
    pub from_name: &'m str,
}

/// `buyer` wants to send proof for their order `order_id`: their next message is it. The
/// order, if it is theirs and paid; `None` otherwise, with nothing changed.
pub async fn ask(
    tx: &mut Conn,
    buyer: Buyer,
    order_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    let invoice: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, order_id FROM shop_invoices
         WHERE order_id = $1 AND buyer_id = $2 AND kind = 'purchase' AND status = 'paid'",
    )
    .bind(order_id)
    .bind(buyer.telegram_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, order_id)) = invoice else {
        return Ok(None);
    };
    super::buyers::met(tx, buyer.telegram_id, buyer.chat_id).await?;
    sqlx::query("UPDATE shop_buyers SET proof_for = $1 WHERE buyer_id = $2")
        .bind(id)
        .bind(buyer.telegram_id)
        .execute(&mut *tx)
        .await?;
    Ok(Some(order_id))
}

/// Whether `buyer`'s next message is awaited as proof.
pub async fn awaited(tx: &mut Conn, buyer: i64) -> Result<bool, sqlx::Error> {
    let waiting: Option<Option<i64>> =
        sqlx::query_scalar("SELECT proof_for FROM shop_buyers WHERE buyer_id = $1")
            .bind(buyer)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(waiting.flatten().is_some())
}

/// Stops waiting for `buyer`'s proof; true if it was awaited.
pub async fn stop(tx: &mut Conn, buyer: i64) -> Result<bool, sqlx::Error> {
    let stopped = sqlx::query(
        "UPDATE shop_buyers SET proof_for = NULL WHERE buyer_id = $1 AND proof_for IS NOT NULL",
    )
    .bind(buyer)
    .execute(&mut *tx)
    .await?;
    Ok(stopped.rows_affected() == 1)
}

/// Keeps `proof` for the order `buyer` is sending proof for and sends it on to everyone who
/// runs the shop (text, or the photo with the text as its caption); the buyer is told. The
/// order, or `None` when none was awaited (nothing done).
pub async fn receive(
    tx: &mut Conn,
    buyer: Buyer,
    proof: Proof<'_>,
) -> Result<Option<String>, sqlx::Error> {
    let waiting: Option<(i64, String)> = sqlx::query_as(
        "SELECT i.id, i.order_id FROM shop_buyers b JOIN shop_invoices i ON i.id = b.proof_for
         WHERE b.buyer_id = $1",
    )
    .bind(buyer.telegram_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((invoice_id, order_id)) = waiting else {
        return Ok(None);
    };
    let body: String = proof.body.trim().chars().take(MOST_PROOF_CHARS).collect();
    sqlx::query(
        "INSERT INTO shop_snk_proofs (invoice_id, buyer_id, body, photo_file_id, received_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(invoice_id)
    .bind(buyer.telegram_id)
    .bind(&body)
    .bind(proof.photo_file_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    stop(tx, buyer.telegram_id).await?;
    // A photo's caption holds 1,024 characters, the header included.
    let shown: String = match proof.photo_file_id {
        Some(_) => body.chars().take(MOST_CAPTION_PROOF_CHARS).collect(),
        None => body.clone(),
    };
    let mut messages = Vec::new();
    for admin in users::leaders_to_remind(tx).await? {
        let lang = lang::stored(tx, admin).await?;
        let html = texts::proof_for_admins(&order_id, proof.from_name, &shown, lang);
        messages.push(match proof.photo_file_id {
            Some(file_id) => Outgoing::SendPhoto {
                chat_id: admin,
                photo: Photo::Telegram(file_id.to_owned()),
                caption: html,
                keyboard: Vec::new(),
            },
            None => Outgoing::message(admin, html),
        });
    }
    messages.push(Outgoing::message(
        buyer.chat_id,
        texts::proof_received(&order_id, buyer.lang),
    ));
    outbox::enqueue_many(tx, &messages).await?;
    Ok(Some(order_id))
}
