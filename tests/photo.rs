//! A QR code sent as a photo through the outbox (made when it is sent, uploaded as Telegram
//! takes files), and deleted again by the outbox row that sent it.

mod common;

use common::{spawn_app, Backend, TestApp, PATIENCE};
use tangkap::{
    sim::SimMessage,
    telegram::outbox::{self, Button, MessageRef, Outgoing, Photo},
};

on_both_backends!(
    a_qr_code_goes_out_as_a_photo_and_is_deleted_by_its_row,
    deleting_a_photo_that_was_never_delivered_is_done_without_a_call,
);

/// A QRIS string's shape (EMVCo merchant-presented, as Indonesian wallets scan).
const QRIS: &str = "00020101021226610014COM.EXAMPLE.WWW01189360012300000000010214000000000000010303UMI51440014ID.CO.QRIS.WWW0215ID10200000000010303UMI5204581253033605405250005802ID5910TANGKAP QR6007JAKARTA61051011062070703A016304ABCD";

/// Queues `message` in a transaction of its own and wakes the sender; returns its row.
async fn enqueue(app: &TestApp, message: &Outgoing) -> i64 {
    let mut tx = app.db.begin().await.unwrap();
    let row = outbox::enqueue_returning_id(&mut tx, message)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.running
        .as_ref()
        .expect("running")
        .state
        .new_messages
        .notify_one();
    row
}

fn photos(app: &TestApp, chat: i64) -> Vec<SimMessage> {
    app.fake
        .bot_messages(chat)
        .into_iter()
        .filter(|message| message.photo.is_some())
        .collect()
}

async fn a_qr_code_goes_out_as_a_photo_and_is_deleted_by_its_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Kasir");
    let photo = Outgoing::SendPhoto {
        chat_id: group,
        photo: Photo::Qr(QRIS.into()),
        caption: "Bayar <b>Rp250.000</b> dengan QRIS".into(),
        keyboard: vec![vec![
            Button::callback("Sudah bayar", "paid:1"),
            Button::callback("Batal", "cancel:1"),
        ]],
    };
    let row = enqueue(&app, &photo).await;

    let sent = app
        .fake
        .wait_until(PATIENCE, |_| photos(&app, group).len() == 1)
        .await;
    assert!(sent, "no photo: {:#?}", app.fake.bot_messages(group));
    let message = photos(&app, group).remove(0);
    let png = message.photo.as_deref().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(common::qr_text(png), QRIS);
    assert_eq!(message.text, "Bayar Rp250.000 dengan QRIS");
    assert_eq!(
        message.html.as_deref(),
        Some("Bayar <b>Rp250.000</b> dengan QRIS")
    );
    assert_eq!(
        message.callbacks,
        [
            ("Sudah bayar".to_owned(), "paid:1".to_owned()),
            ("Batal".to_owned(), "cancel:1".to_owned())
        ]
    );
    assert!(!message.deleted);
    // The row knows the message it sent, and counted against the group's limits.
    assert_eq!(
        app.wait_for_count(
            &format!(
                "SELECT COUNT(*) FROM outbox WHERE id = {row} AND status = 'sent' \
                 AND sent_at IS NOT NULL AND telegram_message_id = {}",
                message.message_id
            ),
            1,
        )
        .await,
        1
    );
    assert_eq!(app.fake.stats().messages_sent, 1);

    let delete = Outgoing::DeleteMessage {
        chat_id: group,
        message: MessageRef::Outbox(row),
    };
    let delete_row = enqueue(&app, &delete).await;
    let deleted = app
        .fake
        .wait_until(PATIENCE, |_| photos(&app, group)[0].deleted)
        .await;
    assert!(deleted, "not deleted: {:#?}", photos(&app, group));
    assert_eq!(
        app.wait_for_count(
            &format!("SELECT COUNT(*) FROM outbox WHERE id = {delete_row} AND status = 'sent'"),
            1,
        )
        .await,
        1
    );
    assert_eq!(app.fake.stats().calls.get("deletemessage"), Some(&1));
    app.finish().await;
}

async fn deleting_a_photo_that_was_never_delivered_is_done_without_a_call(backend: Backend) {
    let app = spawn_app(backend).await;
    // No such chat: Telegram refuses the photo for good.
    let chat = -1_009_999_999_999;
    let photo = Outgoing::SendPhoto {
        chat_id: chat,
        photo: Photo::Qr(QRIS.into()),
        caption: "Bayar dengan QRIS".into(),
        keyboard: Vec::new(),
    };
    let row = enqueue(&app, &photo).await;
    let delete_row = enqueue(
        &app,
        &Outgoing::DeleteMessage {
            chat_id: chat,
            message: MessageRef::Outbox(row),
        },
    )
    .await;
    assert_eq!(
        app.wait_for_count(
            &format!("SELECT COUNT(*) FROM outbox WHERE id = {row} AND status = 'failed'"),
            1,
        )
        .await,
        1
    );
    // Nothing to delete: the deletion is done, neither tried at Telegram nor failed.
    assert_eq!(
        app.wait_for_count(
            &format!(
                "SELECT COUNT(*) FROM outbox WHERE id = {delete_row} AND status = 'sent' \
                 AND telegram_message_id IS NULL"
            ),
            1,
        )
        .await,
        1
    );
    let stats = app.fake.stats();
    assert_eq!(stats.calls.get("sendphoto"), Some(&1));
    assert_eq!(stats.calls.get("deletemessage"), None);
    app.finish().await;
}
