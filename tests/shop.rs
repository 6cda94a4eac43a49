//! The shop on both backends, against the fake Pakasir and the fake Bot API: a buyer's
//! whole purchase from `/start` to the items in the chat, the invoice running out and its
//! stock returning, webhooks forged or replayed delivering nothing, a payment after the
//! invoice closed credited to the balance, a cart of two products with a coupon, a deposit
//! to the balance, the admin menu (admins only), and `tangkap shop stock add` / `coupon
//! add`.

mod common;

use std::time::Duration;

use common::{
    register_account, run_tangkap, say, shop_admin, shop_staff, spawn_shop, Backend, TestApp,
    PATIENCE,
};
use tangkap::{
    shop::{
        catalogue,
        coupons::{self, Coupon, Discount},
    },
    sim::{
        pakasir::{FakePakasir, PakasirFault},
        SimMessage, SimUser,
    },
    users::{AccountState, Role},
};

on_both_backends!(
    a_buyer_pays_by_qris_and_gets_the_items_once,
    an_unpaid_invoice_runs_out_and_its_stock_returns,
    forged_and_replayed_webhooks_deliver_nothing,
    a_payment_after_the_invoice_closed_goes_to_the_balance,
    hostile_input_and_other_buyers_get_nothing,
    an_english_buyer_picks_a_quantity_with_buttons,
    stock_is_added_from_a_file_by_the_command_line,
    a_failing_gateway_is_told_in_the_owners_alert_chat,
    the_balance_pays_an_invoice_and_never_goes_below_zero,
    a_cart_of_two_products_with_a_coupon_becomes_one_invoice,
    a_deposit_tops_up_the_balance_which_pays_the_next_invoice,
    the_admin_menu_runs_the_shop_for_admins_and_does_not_exist_for_anyone_else,
    a_broadcast_reaches_every_buyer_within_telegrams_limits_but_those_who_stopped_it,
    an_admin_rewrites_the_welcome_with_its_placeholders_checked_before_saving,
    an_admin_sends_stock_as_a_txt_file_fetched_before_it_is_added,
    a_buyers_snk_proof_reaches_those_who_run_the_shop,
);

const PROJECT: &str = common::SHOP_PROJECT;
const ITEMS: [&str; 3] = [
    "akun1@mail.test | Sandi<1>",
    "akun2@mail.test | Sandi&2",
    "akun3@mail.test | Sandi3",
];

/// A shop of one product with three items in stock, its webhook set at the fake gateway.
async fn open_shop(backend: Backend, invoice_ttl: Duration) -> (TestApp, FakePakasir) {
    open_shop_with(backend, invoice_ttl, None).await
}

/// [`open_shop`], the owners' alerts going to `alert_chat` if given.
async fn open_shop_with(
    backend: Backend,
    invoice_ttl: Duration,
    alert_chat: Option<i64>,
) -> (TestApp, FakePakasir) {
    let (app, pakasir) = spawn_shop(backend, |config| {
        config.shop.as_mut().expect("a shop").invoice_ttl = invoice_ttl;
        config.alert_chat = alert_chat;
    })
    .await;
    let mut tx = app.db.begin().await.unwrap();
    let added = catalogue::add_stock(&mut tx, "netflix", &ITEMS.join("\n"))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(added.added, 3);
    (app, pakasir)
}

async fn add_items(app: &TestApp, code: &str, items: &[&str]) {
    let mut tx = app.db.begin().await.unwrap();
    catalogue::add_stock(&mut tx, code, &items.join("\n"))
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
}

async fn add_coupon(
    app: &TestApp,
    code: &str,
    discount: Discount,
    min_total: i64,
    max_uses: Option<i64>,
    expires_at: Option<i64>,
) {
    let coupon = Coupon {
        code: code.into(),
        discount,
        min_total,
        max_uses,
        expires_at,
        active: true,
    };
    let mut tx = app.db.begin().await.unwrap();
    assert!(coupons::add(&mut tx, &coupon).await.unwrap());
    tx.commit().await.unwrap();
}

async fn stock(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM shop_items WHERE state = 'available'")
        .await
}

/// Waits for the bot's message to `buyer` that `found` picks.
async fn wait_for(
    app: &TestApp,
    buyer: &SimUser,
    what: &str,
    found: impl Fn(&SimMessage) -> bool,
) -> SimMessage {
    let seen = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(buyer.id).iter().any(&found)
        })
        .await;
    let messages = app.fake.bot_messages(buyer.id);
    assert!(seen, "no {what} in {messages:#?}");
    messages.into_iter().find(|m| found(m)).unwrap()
}

/// The order id an invoice message names.
fn order_id_in(text: &str) -> String {
    let at = text.find("INV-").expect("an order id");
    text[at..at + "INV-20261207-ABCDEF".len()].to_owned()
}

fn deliveries(app: &TestApp, buyer: &SimUser) -> Vec<SimMessage> {
    app.fake
        .bot_messages(buyer.id)
        .into_iter()
        .filter(|m| m.text.contains("📦"))
        .collect()
}

async fn a_buyer_pays_by_qris_and_gets_the_items_once(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user("Budi", Some("budi_beli"));
    let (owner, admin) = owner_and_admin(&app).await;

    let welcome = say(&app, &buyer, "/start").await;
    assert!(welcome.text.contains("Toko Uji"), "{}", welcome.text);
    assert_eq!(
        welcome.answers,
        ["🛍 Produk", "🛒 Keranjang", "💰 Saldo", "❓ Bantuan"],
        "one welcome with the menu keyboard"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.fake.bot_messages(buyer.id).len(),
        1,
        "nothing else at start"
    );

    let list = say(&app, &buyer, "🛍 Produk").await;
    assert!(list.text.contains("Netflix 1 Bulan"), "{}", list.text);
    assert!(list.text.contains("Rp10.000 · stok 3"), "{}", list.text);
    assert!(
        list.text.contains("stok per") && list.text.contains("WIB"),
        "{}",
        list.text
    );
    assert!(list
        .callbacks
        .iter()
        .any(|(_, data)| data == "shop:p:NETFLIX"));

    let (invoice, qr, order_id) = buy(&app, &buyer, "/beli netflix 2").await;
    // Rp20.000 + ceil(0,7 % × 20.000) + Rp310 = Rp20.450.
    for shown in [
        "2 × Netflix 1 Bulan",
        "Rp20.000",
        "Biaya layanan: Rp450",
        "Rp20.450",
    ] {
        assert!(invoice.text.contains(shown), "{shown} in {}", invoice.text);
    }
    assert_eq!(
        invoice
            .callbacks
            .iter()
            .map(|(text, _)| text.as_str())
            .collect::<Vec<_>>(),
        ["🔄 Cek status", "✖️ Batal"]
    );
    assert_eq!(stock(&app).await, 1, "two items held for the invoice");
    // Down to `low_stock` (1): the owner hears of it, the admin does not.
    let low = wait_for(&app, &owner, "low stock alert", |m| m.text.contains("📉")).await;
    assert!(
        low.text
            .contains("Stok Netflix 1 Bulan (NETFLIX) tinggal 1 (batas 1)"),
        "{}",
        low.text
    );
    let transaction = pakasir
        .transaction(&order_id)
        .expect("created at the gateway");
    assert_eq!(transaction.amount, 20_450);
    assert_eq!(
        common::qr_text(qr.photo.as_deref().unwrap()),
        transaction.payment_number,
        "the QR is the gateway's QRIS"
    );

    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let delivered = wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    assert!(
        delivered.text.contains(ITEMS[0]) && delivered.text.contains(ITEMS[1]),
        "{}",
        delivered.text
    );
    assert!(!delivered.text.contains(ITEMS[2]));
    assert!(
        delivered.text.contains("Garansi 1x24 jam."),
        "the terms come with it"
    );
    assert!(
        pakasir.calls()["transactiondetail"] >= 1,
        "confirmed by the detail call"
    );
    let edited = wait_for(&app, &buyer, "paid invoice", |m| {
        m.message_id == invoice.message_id && m.text.contains("Lunas")
    })
    .await;
    assert!(edited.callbacks.is_empty(), "its buttons are gone");
    wait_for(&app, &buyer, "QR removed", |m| {
        m.message_id == qr.message_id && m.deleted
    })
    .await;

    // The webhook again, and again at once: nothing more is sent.
    let body = pakasir.webhook_body(&order_id).unwrap();
    let (first, second) = tokio::join!(pakasir.post_webhook(&body), pakasir.post_webhook(&body));
    assert_eq!((first, second), (Some(200), Some(200)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(deliveries(&app, &buyer).len(), 1, "delivered once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_items WHERE state = 'sold'")
            .await,
        2
    );
    assert_eq!(stock(&app).await, 1);
    assert!(
        app.fake.bot_messages(admin.id).is_empty(),
        "admins are not told"
    );
    app.finish().await;
}

/// An active owner and an active admin, each with a private chat with the bot.
async fn owner_and_admin(app: &TestApp) -> (SimUser, SimUser) {
    let owner = app.fake.user("Pemilik", Some("pemilik_toko"));
    register_account(
        app,
        &owner,
        "pemilik",
        "rahasia-pemilik-1",
        Role::Owner,
        AccountState::Active,
    )
    .await;
    (owner, shop_admin(app).await)
}

async fn an_unpaid_invoice_runs_out_and_its_stock_returns(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(2)).await;
    let buyer = app.fake.user("Sari", None);
    let (invoice, qr, order_id) = buy(&app, &buyer, "/beli netflix 2").await;
    assert_eq!(stock(&app).await, 1);
    let expired = wait_for(&app, &buyer, "expired invoice", |m| {
        m.message_id == invoice.message_id && m.text.contains("kedaluwarsa")
    })
    .await;
    assert!(
        expired.text.contains("Stok dikembalikan"),
        "{}",
        expired.text
    );
    assert!(expired.callbacks.is_empty());
    wait_for(&app, &buyer, "QR removed", |m| {
        m.message_id == qr.message_id && m.deleted
    })
    .await;
    assert_eq!(stock(&app).await, 3, "the stock is back on sale");
    let cancelled = app
        .fake
        .wait_until(PATIENCE, |_| {
            pakasir
                .transaction(&order_id)
                .is_some_and(|t| t.status == "canceled")
        })
        .await;
    assert!(
        cancelled,
        "the gateway's transaction is cancelled, so it cannot be paid"
    );
    // Pressing the old invoice's buttons changes nothing.
    let data = format!("shop:x:{}", &invoice.callbacks[1].1["shop:x:".len()..]);
    app.fake
        .press_button_with_data(buyer.id, invoice.message_id, &buyer, &data);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stock(&app).await, 3);
    assert!(deliveries(&app, &buyer).is_empty());
    app.finish().await;
}

async fn forged_and_replayed_webhooks_deliver_nothing(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user("Andi", None);
    let (owner, admin) = owner_and_admin(&app).await;
    let (_, _, order_id) = buy(&app, &buyer, "/beli netflix 2").await;
    let webhook = |order_id: &str, amount: i64, project: &str| {
        serde_json::json!({
            "amount": amount, "order_id": order_id, "project": project,
            "status": "completed", "payment_method": "qris",
            "completed_at": "2026-12-07T18:07:02.819+07:00",
        })
    };
    // An order we never made, another project, a wrong amount, and a right one the
    // gateway has not been paid for.
    assert_eq!(
        pakasir
            .post_webhook(&webhook("INV-20261207-ZZZZZZ", 20_450, PROJECT))
            .await,
        Some(404)
    );
    assert_eq!(
        pakasir
            .post_webhook(&webhook(&order_id, 20_450, "toko-lain"))
            .await,
        Some(404)
    );
    assert_eq!(
        pakasir.post_webhook(&webhook(&order_id, 1, PROJECT)).await,
        Some(400)
    );
    assert_eq!(
        pakasir
            .post_webhook(&webhook(&order_id, 20_450, PROJECT))
            .await,
        Some(400)
    );
    // A gateway that answers "completed" for another amount is not believed either.
    pakasir.pay_silently(&order_id).unwrap();
    pakasir.inject(Some("transactiondetail"), 1, PakasirFault::WrongAmount);
    assert_eq!(
        pakasir
            .post_webhook(&webhook(&order_id, 20_450, PROJECT))
            .await,
        Some(400)
    );
    // Garbage and HTML.
    let garbage = serde_json::json!({ "order_id": "<script>", "amount": "x" });
    assert_eq!(pakasir.post_webhook(&garbage).await, Some(400));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        deliveries(&app, &buyer).is_empty(),
        "nothing delivered without payment"
    );
    assert_eq!(stock(&app).await, 1);
    // The owner hears of it once, however many come.
    let refused = |m: &SimMessage| m.text.contains("Webhook Pakasir ditolak");
    let told = wait_for(&app, &owner, "refused webhook alert", refused).await;
    assert!(
        told.text.contains("INV-20261207-ZZZZZZ: no such invoice"),
        "{}",
        told.text
    );
    assert_eq!(
        app.fake
            .bot_messages(owner.id)
            .iter()
            .filter(|m| refused(m))
            .count(),
        1
    );
    assert!(
        !app.fake.bot_messages(admin.id).iter().any(refused),
        "admins are not told"
    );

    // The real one, replayed five times at once: one delivery.
    let body = pakasir.webhook_body(&order_id).unwrap();
    let answers = futures_util::future::join_all((0..5).map(|_| pakasir.post_webhook(&body))).await;
    assert!(answers.iter().all(|a| *a == Some(200)), "{answers:?}");
    wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(deliveries(&app, &buyer).len(), 1);
    app.finish().await;
}

async fn a_payment_after_the_invoice_closed_goes_to_the_balance(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(2)).await;
    let buyer = app.fake.user("Rina", None);
    let (owner, admin) = owner_and_admin(&app).await;
    // The gateway refuses to cancel, so the buyer can still pay after the invoice closed.
    pakasir.inject(Some("transactioncancel"), 100, PakasirFault::Status(500));
    let (invoice, _, order_id) = buy(&app, &buyer, "/beli netflix 2").await;
    wait_for(&app, &buyer, "expired invoice", |m| {
        m.message_id == invoice.message_id && m.text.contains("kedaluwarsa")
    })
    .await;
    assert_eq!(stock(&app).await, 3);
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let credited = wait_for(&app, &buyer, "credit", |m| m.text.contains("saldo")).await;
    assert!(credited.text.contains("Rp20.000"), "{}", credited.text);
    let balance = say(&app, &buyer, "💰 Saldo").await;
    assert!(balance.text.contains("Rp20.000"), "{}", balance.text);
    // Told again: credited once.
    let body = pakasir.webhook_body(&order_id).unwrap();
    assert_eq!(pakasir.post_webhook(&body).await, Some(200));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_ledger").await,
        1,
        "one credit"
    );
    assert!(
        deliveries(&app, &buyer).is_empty(),
        "the items stayed on sale"
    );
    assert_eq!(stock(&app).await, 3);
    let told = wait_for(&app, &owner, "late payment alert", |m| {
        m.text.contains("💸")
    })
    .await;
    assert!(
        told.text.contains(&order_id) && told.text.contains("Rp20.000"),
        "{}",
        told.text
    );
    assert!(
        !app.fake
            .bot_messages(admin.id)
            .iter()
            .any(|m| m.text.contains("💸")),
        "owners only"
    );
    app.finish().await;
}

async fn hostile_input_and_other_buyers_get_nothing(backend: Backend) {
    let (app, _pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user("Dewi", None);
    for (typed, said) in [
        ("/beli", "Ketik /beli KODE"),
        ("/beli NETFLIX 2 3 4", "Ketik /beli KODE"),
        ("/beli NETFLIX 1 <i>'OR'1'='1", "kupon tidak dikenal"),
        ("/kupon", "Ketik /kupon KODE"),
        ("/kupon <b>a</b> b", "Ketik /kupon KODE"),
        (
            "/beli <b>x</b>';DROP",
            "Tidak ada produk dengan kode <b>x</b>';DROP.",
        ),
        ("/beli NETFLIX 0", "Jumlah harus 1 sampai 100."),
        ("/beli NETFLIX 101", "Jumlah harus 1 sampai 100."),
        ("/beli NETFLIX dua", "Jumlah harus 1 sampai 100."),
        (
            "/beli NETFLIX 99999999999999999999",
            "Jumlah harus 1 sampai 100.",
        ),
        (
            "/beli NETFLIX 4",
            "Stok tidak cukup untuk Netflix 1 Bulan: diminta 4, tersedia 3.",
        ),
    ] {
        let answer = say(&app, &buyer, typed).await;
        assert!(answer.text.contains(said), "{typed:?} → {}", answer.text);
    }
    assert_eq!(stock(&app).await, 3, "nothing held");
    // Three unpaid invoices at most.
    let mut invoices = Vec::new();
    for _ in 0..3 {
        invoices.push(buy(&app, &buyer, "/beli NETFLIX").await.0);
    }
    let fourth = say(&app, &buyer, "/beli NETFLIX").await;
    assert!(
        fourth.text.contains("3 invoice yang belum dibayar"),
        "{}",
        fourth.text
    );

    // Someone else's invoice, its button's data forged on a message of one's own: as if
    // it did not exist.
    let other = app.fake.user("Eko", None);
    let own = say(&app, &other, "/start").await;
    let cancel = invoices[0].callbacks[1].1.clone();
    app.fake
        .press_button_with_data(other.id, own.message_id, &other, &cancel);
    let answered = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.callback_answers()
                .iter()
                .any(|a| a.text.as_deref() == Some("Tombol ini sudah tidak berlaku."))
        })
        .await;
    assert!(answered, "{:?}", app.fake.callback_answers());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_invoices WHERE status = 'pending'")
            .await,
        3
    );
    // The buyer's own ✖️ Batal closes it and returns its item.
    app.fake
        .press_button_with_data(buyer.id, invoices[0].message_id, &buyer, &cancel);
    wait_for(&app, &buyer, "cancelled invoice", |m| {
        m.message_id == invoices[0].message_id && m.text.contains("dibatalkan")
    })
    .await;
    assert_eq!(stock(&app).await, 1);
    app.finish().await;
}

async fn an_english_buyer_picks_a_quantity_with_buttons(backend: Backend) {
    let (app, _pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user_speaking("Alice", None, "en-GB");
    let welcome = say(&app, &buyer, "/start").await;
    assert!(
        welcome.text.contains("welcome to Toko Uji"),
        "{}",
        welcome.text
    );
    assert_eq!(
        welcome.answers,
        ["🛍 Products", "🛒 Cart", "💰 Balance", "❓ Help"]
    );
    let help = say(&app, &buyer, "❓ Help").await;
    assert!(help.text.contains("How to buy"), "{}", help.text);
    let balance = say(&app, &buyer, "💰 Balance").await;
    assert!(
        balance.text.contains("Your balance: Rp0"),
        "{}",
        balance.text
    );
    let list = say(&app, &buyer, "🛍 Products").await;
    assert!(list.text.contains("stock 3"), "{}", list.text);

    let before = app.fake.bot_messages(buyer.id).len();
    app.fake
        .press_button_with_data(buyer.id, list.message_id, &buyer, "shop:p:NETFLIX");
    let detail = app
        .fake
        .wait_for_bot_messages(buyer.id, before + 1, PATIENCE)
        .await[before]
        .clone();
    assert!(detail.text.contains("Quantity: 1"), "{}", detail.text);
    assert!(
        detail.text.contains("Akun sharing, 1 profil."),
        "{}",
        detail.text
    );
    let plus = detail
        .callbacks
        .iter()
        .find(|(text, _)| text == "➕")
        .unwrap()
        .1
        .clone();
    app.fake
        .press_button_with_data(buyer.id, detail.message_id, &buyer, &plus);
    let edited = wait_for(&app, &buyer, "quantity 2", |m| {
        m.message_id == detail.message_id && m.text.contains("Quantity: 2")
    })
    .await;
    // Rp20.000 + Rp450.
    assert!(edited.text.contains("To pay: Rp20.450"), "{}", edited.text);
    let buy = edited
        .callbacks
        .iter()
        .find(|(text, _)| text == "🛒 Buy 2")
        .unwrap()
        .1
        .clone();
    app.fake
        .press_button_with_data(buyer.id, detail.message_id, &buyer, &buy);
    let invoice = wait_for(&app, &buyer, "invoice", |m| m.text.contains("Invoice INV-")).await;
    assert!(
        invoice.text.contains("Service fee: Rp450"),
        "{}",
        invoice.text
    );
    assert_eq!(stock(&app).await, 1);
    app.finish().await;
}

async fn stock_is_added_from_a_file_by_the_command_line(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("tangkap.toml");
    std::fs::write(
        &settings,
        "[shop]\nenabled = true\n[[shop.products]]\ncode = \"NETFLIX\"\nname = \"Netflix 1 Bulan\"\nprice = 10000\n",
    )
    .unwrap();
    let items = dir.path().join("stok.txt");
    std::fs::write(
        &items,
        format!("baru-1\n\n  baru-2  \nbaru-1\n{}\n", ITEMS[0]),
    )
    .unwrap();
    let url = pakasir.url();
    let env = [
        ("DATABASE_URL", app.database.url.as_str()),
        ("TANGKAP_CONFIG", settings.to_str().unwrap()),
        ("TANGKAP_PAKASIR_PROJECT", PROJECT),
        ("TANGKAP_PAKASIR_API_KEY", common::SHOP_API_KEY),
        ("TANGKAP_PAKASIR_URL", url.as_str()),
    ];
    let added = run_tangkap(
        &["shop", "stock", "add", "netflix", items.to_str().unwrap()],
        &env,
    );
    let said = String::from_utf8_lossy(&added.stdout);
    assert!(
        added.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        said.trim(),
        "NETFLIX: 2 added, 2 duplicates refused, 0 too long; 5 in stock now"
    );
    assert_eq!(stock(&app).await, 5);
    let unknown = run_tangkap(
        &["shop", "stock", "add", "YOUTUBE", items.to_str().unwrap()],
        &env,
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no product with code \"YOUTUBE\""));
    let without_key = run_tangkap(
        &["shop", "stock", "add", "NETFLIX", items.to_str().unwrap()],
        &env[..2],
    );
    assert_eq!(without_key.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&without_key.stderr).contains("TANGKAP_PAKASIR_PROJECT"),
        "{}",
        String::from_utf8_lossy(&without_key.stderr)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_stock_add'")
            .await,
        1
    );

    let coupon = [
        "shop",
        "coupon",
        "add",
        "hemat",
        "10%",
        "--min",
        "20000",
        "--uses",
        "5",
        "--until",
        "2099-12-31",
    ];
    let added = run_tangkap(&coupon, &env);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&added.stdout).trim(),
        "HEMAT: 10% off, from Rp20.000, at most 5 uses, ends 2100-01-01 00:00 +07:00"
    );
    let again = run_tangkap(&coupon, &env);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("a coupon HEMAT exists already"));
    for bad in ["150%", "0", "gratis"] {
        let refused = run_tangkap(&["shop", "coupon", "add", "X", bad], &env);
        assert_eq!(refused.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("expected a percent from 1% to 100%"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_coupon_add'")
            .await,
        1
    );
    app.finish().await;
}

async fn a_failing_gateway_is_told_in_the_owners_alert_chat(backend: Backend) {
    let fake = tangkap::sim::FakeTelegram::start(common::TOKEN, common::BOT_USERNAME)
        .await
        .unwrap();
    let owners_chat = fake.group("Pemilik Toko");
    let pakasir = FakePakasir::start(PROJECT, common::SHOP_API_KEY)
        .await
        .unwrap();
    let shop = common::shop_config(&pakasir);
    let app = common::spawn_app_on(fake, backend, |config| {
        config.shop = Some(shop);
        config.alert_chat = Some(owners_chat);
    })
    .await;
    let mut tx = app.db.begin().await.unwrap();
    catalogue::add_stock(&mut tx, "NETFLIX", &ITEMS.join("\n"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (owner, _) = owner_and_admin(&app).await;
    // The gateway answers 500 to every try at making the QR.
    pakasir.inject(Some("transactioncreate"), 100, PakasirFault::Status(500));
    let buyer = app.fake.user("Joko", None);
    let invoice = say(&app, &buyer, "/beli NETFLIX").await;
    let closed = wait_for(&app, &buyer, "invoice closed", |m| {
        m.message_id == invoice.message_id && m.text.contains("QRIS tidak bisa dibuat")
    })
    .await;
    assert!(closed.text.contains("Stok dikembalikan"), "{}", closed.text);
    assert_eq!(stock(&app).await, 3);
    let told = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(owners_chat)
                .iter()
                .any(|m| m.text.contains("Pakasir gagal menjawab") && m.text.contains("HTTP 500"))
        })
        .await;
    assert!(told, "{:#?}", app.fake.bot_messages(owners_chat));
    assert!(
        pakasir.calls()["transactioncreate"] >= 3,
        "tried three times"
    );
    assert!(
        !app.fake
            .bot_messages(owner.id)
            .iter()
            .any(|m| m.text.contains("Pakasir")),
        "with an alert chat, owners are not told privately as well"
    );
    app.finish().await;
}

async fn the_balance_pays_an_invoice_and_never_goes_below_zero(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user("Sinta", None);
    // Rp15.000 on her balance (as a refund would put it there).
    let mut tx = app.db.begin().await.unwrap();
    tangkap::shop::balance::credit(&mut tx, buyer.id, 15_000, "refund", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Two invoices of Rp10.000, each within the balance when made.
    let (first, _, first_order) = buy(&app, &buyer, "/beli NETFLIX").await;
    let (second, _, _) = buy(&app, &buyer, "/beli NETFLIX").await;
    let button = |invoice: &SimMessage| {
        invoice
            .callbacks
            .iter()
            .find(|(text, _)| text == "💰 Bayar pakai saldo (Rp15.000)")
            .map(|(_, data)| data.clone())
            .unwrap_or_else(|| panic!("no balance button: {:?}", invoice.callbacks))
    };
    let (pay_first, pay_second) = (button(&first), button(&second));
    // Both pressed at once: one is paid, the other finds the balance too low.
    app.fake
        .press_button_with_data(buyer.id, first.message_id, &buyer, &pay_first);
    app.fake
        .press_button_with_data(buyer.id, second.message_id, &buyer, &pay_second);
    let answered = app
        .fake
        .wait_until(PATIENCE, |fake| fake.callback_answers().len() >= 2)
        .await;
    assert!(answered);
    let answers: Vec<String> = app
        .fake
        .callback_answers()
        .into_iter()
        .filter_map(|a| a.text)
        .collect();
    assert!(
        answers.contains(&"Dibayar dari saldo: Rp10.000; sisa saldo Rp5.000".to_owned()),
        "{answers:?}"
    );
    assert!(
        answers.contains(&"Saldo tidak cukup: Rp5.000".to_owned()),
        "{answers:?}"
    );
    wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(deliveries(&app, &buyer).len(), 1);
    let balance = say(&app, &buyer, "💰 Saldo").await;
    assert!(
        balance.text.contains("Saldo Anda: Rp5.000"),
        "{}",
        balance.text
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_invoices WHERE status = 'paid'")
            .await,
        1
    );
    // The paid invoice's QRIS is cancelled at the gateway, so it cannot be paid twice.
    let paid_order = if app
        .count(&format!(
            "SELECT COUNT(*) FROM shop_invoices WHERE order_id = '{first_order}' AND status = 'paid'"
        ))
        .await
        == 1
    {
        first_order
    } else {
        order_id_in(&second.text)
    };
    let cancelled = app
        .fake
        .wait_until(PATIENCE, |_| {
            pakasir
                .transaction(&paid_order)
                .is_some_and(|t| t.status == "canceled")
        })
        .await;
    assert!(cancelled, "{:?}", pakasir.transaction(&paid_order));
    app.finish().await;
}

/// `typed` (a `/beli`): the invoice message, then its QR, and the invoice's order id.
async fn buy(app: &TestApp, buyer: &SimUser, typed: &str) -> (SimMessage, SimMessage, String) {
    let qrs_before = app
        .fake
        .bot_messages(buyer.id)
        .iter()
        .filter(|m| m.photo.is_some())
        .count();
    let invoice = say(app, buyer, typed).await;
    assert!(invoice.text.contains("Invoice INV-"), "{}", invoice.text);
    let order_id = order_id_in(&invoice.text);
    let qr_sent = |fake: &tangkap::sim::FakeTelegram| {
        fake.bot_messages(buyer.id)
            .iter()
            .filter(|m| m.photo.is_some())
            .count()
            > qrs_before
    };
    assert!(app.fake.wait_until(PATIENCE, qr_sent).await);
    let qr = app
        .fake
        .bot_messages(buyer.id)
        .into_iter()
        .rfind(|m| m.photo.is_some())
        .unwrap();
    (invoice, qr, order_id)
}

/// The plain text of `app`'s answers to button presses so far.
fn button_answers(app: &TestApp) -> Vec<String> {
    app.fake
        .callback_answers()
        .into_iter()
        .filter_map(|answer| answer.text)
        .collect()
}

async fn a_cart_of_two_products_with_a_coupon_becomes_one_invoice(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    add_items(&app, "SPOTIFY", &["spotify-1", "spotify-2"]).await;
    add_coupon(&app, "HEMAT10", Discount::Percent(10), 0, Some(1), None).await;
    let buyer = app.fake.user("Lina", None);
    let early = say(&app, &buyer, "/kupon HEMAT10").await;
    assert!(
        early.text.contains("kosong") && early.text.contains("Kupon HEMAT10 dipasang"),
        "a coupon typed before the cart waits for it: {}",
        early.text
    );
    let unknown = say(&app, &buyer, "/kupon ENTAH").await;
    assert!(
        unknown.text.contains("Kupon ENTAH: kupon tidak dikenal."),
        "{}",
        unknown.text
    );
    say(&app, &buyer, "/kupon hapus").await;

    // Two Netflix and one Spotify into the cart from the product's detail.
    let list = say(&app, &buyer, "🛍 Produk").await;
    app.fake
        .press_button_with_data(buyer.id, list.message_id, &buyer, "shop:p:NETFLIX");
    let detail = wait_for(&app, &buyer, "product detail", |m| {
        m.callbacks
            .iter()
            .any(|(_, data)| data == "shop:a:NETFLIX:1")
    })
    .await;
    assert!(
        detail
            .callbacks
            .iter()
            .any(|(text, _)| text == "➕ Keranjang 1"),
        "{:?}",
        detail.callbacks
    );
    for data in ["shop:a:NETFLIX:1", "shop:a:NETFLIX:1", "shop:a:SPOTIFY:1"] {
        app.fake
            .press_button_with_data(buyer.id, detail.message_id, &buyer, data);
    }
    let added = app
        .fake
        .wait_until(PATIENCE, |_| {
            button_answers(&app)
                .iter()
                .any(|a| a == "Spotify Premium masuk keranjang (jumlah 1)")
        })
        .await;
    assert!(added, "{:?}", button_answers(&app));
    assert!(button_answers(&app)
        .iter()
        .any(|a| a == "Netflix 1 Bulan masuk keranjang (jumlah 2)"));
    assert_eq!(stock(&app).await, 5, "a cart holds nothing back");

    // The coupon, typed: 10 % of Rp35.000 off, then the fee on Rp31.500.
    let cart = say(&app, &buyer, "/kupon hemat10").await;
    for shown in [
        "2 × Netflix 1 Bulan NETFLIX · Rp20.000",
        "1 × Spotify Premium SPOTIFY · Rp15.000",
        "Subtotal: Rp35.000",
        "Kupon HEMAT10: −Rp3.500",
        "Biaya layanan: Rp531",
        "Total bayar: Rp32.031",
    ] {
        assert!(cart.text.contains(shown), "{shown} in {}", cart.text);
    }
    let checkout = cart
        .callbacks
        .iter()
        .find(|(text, _)| text == "✅ Bayar")
        .expect("a checkout button")
        .1
        .clone();
    app.fake
        .press_button_with_data(buyer.id, cart.message_id, &buyer, &checkout);
    let invoice = wait_for(&app, &buyer, "invoice", |m| m.text.contains("Invoice INV-")).await;
    for shown in [
        "2 × Netflix 1 Bulan · Rp20.000",
        "1 × Spotify Premium · Rp15.000",
        "Kupon HEMAT10: −Rp3.500",
        "Total bayar: Rp32.031",
    ] {
        assert!(invoice.text.contains(shown), "{shown} in {}", invoice.text);
    }
    let order_id = order_id_in(&invoice.text);
    assert_eq!(stock(&app).await, 2, "three items held");
    wait_for(&app, &buyer, "QR", |m| m.photo.is_some()).await;
    let emptied = say(&app, &buyer, "🛒 Keranjang").await;
    assert!(emptied.text.contains("kosong"), "{}", emptied.text);

    let made = app
        .fake
        .wait_until(PATIENCE, |_| pakasir.transaction(&order_id).is_some())
        .await;
    assert!(made);
    assert_eq!(pakasir.transaction(&order_id).unwrap().amount, 32_031);
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let spotify = wait_for(&app, &buyer, "Spotify's items", |m| {
        m.text.contains("📦") && m.text.contains("spotify-1")
    })
    .await;
    assert!(
        spotify.text.contains("1 × Spotify Premium"),
        "{}",
        spotify.text
    );
    assert!(
        spotify.text.contains("Khusus 1 perangkat."),
        "its own terms"
    );
    let netflix = wait_for(&app, &buyer, "Netflix's items", |m| {
        m.text.contains("📦") && m.text.contains(ITEMS[0])
    })
    .await;
    assert!(netflix.text.contains(ITEMS[1]) && netflix.text.contains("Garansi 1x24 jam."));
    assert_eq!(deliveries(&app, &buyer).len(), 2, "one message a product");

    // The coupon's one use is taken; other coupons each say why they take nothing off.
    let later = tangkap::db::now_ms() - 1_000;
    add_coupon(&app, "LAMA", Discount::Amount(5_000), 0, None, Some(later)).await;
    add_coupon(&app, "BESAR", Discount::Amount(5_000), 50_000, None, None).await;
    let other = app.fake.user("Yogi", None);
    for (typed, said) in [
        ("/beli SPOTIFY 1 HEMAT10", "kuota kupon sudah habis"),
        ("/beli SPOTIFY 1 lama", "kupon sudah kedaluwarsa"),
        ("/beli SPOTIFY 1 BESAR", "minimal belanja Rp50.000"),
        ("/beli SPOTIFY 1 TIDAKADA", "kupon tidak dikenal"),
    ] {
        let answer = say(&app, &other, typed).await;
        assert!(answer.text.contains(said), "{typed:?} → {}", answer.text);
    }
    assert_eq!(stock(&app).await, 2, "nothing held by a refused coupon");

    // A coupon that takes it all: paid at once, no QRIS made.
    add_coupon(&app, "GRATIS", Discount::Percent(100), 0, Some(1), None).await;
    let transactions = pakasir.calls().get("transactioncreate").copied();
    let free = say(&app, &other, "/beli SPOTIFY 1 GRATIS").await;
    wait_for(&app, &other, "the free invoice paid", |m| {
        m.message_id == free.message_id && m.text.contains("Lunas") && m.text.contains("Rp0")
    })
    .await;
    let delivered = wait_for(&app, &other, "free delivery", |m| {
        m.text.contains("📦") && m.text.contains("spotify-2")
    })
    .await;
    assert!(delivered.text.contains("Spotify Premium"));
    assert!(
        !app.fake
            .bot_messages(other.id)
            .iter()
            .any(|m| m.photo.is_some()),
        "no QR for nothing to pay"
    );
    assert_eq!(
        pakasir.calls().get("transactioncreate").copied(),
        transactions
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_items WHERE state = 'sold'")
            .await,
        4
    );
    app.finish().await;
}

async fn a_deposit_tops_up_the_balance_which_pays_the_next_invoice(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let buyer = app.fake.user("Tono", None);
    for (typed, said) in [
        ("/deposit", "Ketik /deposit JUMLAH"),
        ("/deposit lima", "Ketik /deposit JUMLAH"),
        ("/deposit -5000", "Ketik /deposit JUMLAH"),
        (
            "/deposit 500",
            "Isi saldo harus Rp1.000 sampai Rp10.000.000.",
        ),
        (
            "/deposit 99.999.999",
            "Isi saldo harus Rp1.000 sampai Rp10.000.000.",
        ),
    ] {
        let answer = say(&app, &buyer, typed).await;
        assert!(answer.text.contains(said), "{typed:?} → {}", answer.text);
    }
    let balance = say(&app, &buyer, "💰 Saldo").await;
    assert!(balance.text.contains("Saldo Anda: Rp0"), "{}", balance.text);
    let top_up = balance
        .callbacks
        .iter()
        .find(|(text, _)| text == "Rp25.000")
        .expect("a top-up of Rp25.000 offered")
        .1
        .clone();
    app.fake
        .press_button_with_data(buyer.id, balance.message_id, &buyer, &top_up);
    let invoice = wait_for(&app, &buyer, "deposit invoice", |m| {
        m.text.contains("Invoice INV-")
    })
    .await;
    // Rp25.000 + ceil(0,7 % × 25.000) + Rp310.
    for shown in [
        "Isi saldo: Rp25.000",
        "Biaya layanan: Rp485",
        "Total bayar: Rp25.485",
    ] {
        assert!(invoice.text.contains(shown), "{shown} in {}", invoice.text);
    }
    assert!(
        !invoice
            .callbacks
            .iter()
            .any(|(_, data)| data.starts_with("shop:s:")),
        "a deposit is not paid from the balance"
    );
    let order_id = order_id_in(&invoice.text);
    let made = app
        .fake
        .wait_until(PATIENCE, |_| pakasir.transaction(&order_id).is_some())
        .await;
    assert!(made);
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let credited = wait_for(&app, &buyer, "deposit credited", |m| {
        m.text.contains("Saldo bertambah")
    })
    .await;
    assert!(
        credited.text.contains("Rp25.000") && credited.text.contains("Saldo sekarang: Rp25.000"),
        "{}",
        credited.text
    );
    wait_for(&app, &buyer, "paid invoice", |m| {
        m.message_id == invoice.message_id && m.text.contains("Lunas")
    })
    .await;
    let body = pakasir.webhook_body(&order_id).unwrap();
    let (first, second) = tokio::join!(pakasir.post_webhook(&body), pakasir.post_webhook(&body));
    assert_eq!((first, second), (Some(200), Some(200)));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_ledger WHERE reason = 'deposit'")
            .await,
        1,
        "credited once"
    );

    // The balance now pays a purchase.
    let (purchase, _, _) = buy(&app, &buyer, "/beli NETFLIX 2").await;
    let pay = purchase
        .callbacks
        .iter()
        .find(|(text, _)| text == "💰 Bayar pakai saldo (Rp25.000)")
        .expect("the balance offered")
        .1
        .clone();
    app.fake
        .press_button_with_data(buyer.id, purchase.message_id, &buyer, &pay);
    let delivered = wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    assert!(delivered.text.contains(ITEMS[0]));
    let paid = app
        .fake
        .wait_until(PATIENCE, |_| {
            button_answers(&app)
                .iter()
                .any(|a| a == "Dibayar dari saldo: Rp20.000; sisa saldo Rp5.000")
        })
        .await;
    assert!(paid, "{:?}", button_answers(&app));
    let left = say(&app, &buyer, "💰 Saldo").await;
    assert!(left.text.contains("Saldo Anda: Rp5.000"), "{}", left.text);
    app.finish().await;
}

async fn the_admin_menu_runs_the_shop_for_admins_and_does_not_exist_for_anyone_else(
    backend: Backend,
) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let (_owner, admin) = owner_and_admin(&app).await;
    let staff = shop_staff(&app).await;
    let buyer = app.fake.user("Beni", None);

    // To a buyer and to staff, the admin commands are any unknown command.
    for person in [&buyer, &staff] {
        let unknown = say(&app, person, "/tidakada").await.text;
        for typed in [
            "/toko",
            "/produk",
            "/stok NETFLIX",
            "/stok NETFLIX\nx-1",
            "/harga NETFLIX 1",
            "/pesanan",
            "/refund INV-20261207-ABCDEF",
            "/kupon_baru HEMAT 10%",
        ] {
            let answer = say(&app, person, typed).await;
            assert_eq!(answer.text, unknown, "{typed:?} to {}", person.first_name);
            assert!(answer.callbacks.is_empty());
        }
        // A forged admin button: a button that no longer works.
        let own = app.fake.bot_messages(person.id).last().unwrap().message_id;
        app.fake
            .press_button_with_data(person.id, own, person, "shop:m:off:NETFLIX");
    }
    let refused = app
        .fake
        .wait_until(PATIENCE, |_| {
            button_answers(&app)
                .iter()
                .filter(|a| *a == "Tombol ini sudah tidak berlaku.")
                .count()
                == 2
        })
        .await;
    assert!(refused, "{:?}", button_answers(&app));
    assert_eq!(stock(&app).await, 3, "nothing added");
    let list = say(&app, &buyer, "🛍 Produk").await;
    assert!(list.text.contains("Netflix 1 Bulan"), "still on sale");

    // The admin adds stock by pasting it, sees it masked, re-prices, switches off and on.
    let menu = say(&app, &admin, "/toko").await;
    assert!(menu.text.contains("Kelola Toko Uji"), "{}", menu.text);
    let pasted = format!("/stok netflix\nbaru-1\n\n  baru-2  \nbaru-1\n{}", ITEMS[0]);
    let added = say(&app, &admin, &pasted).await;
    assert_eq!(
        added.text,
        "📦 NETFLIX: 2 ditambahkan, 2 duplikat ditolak. Stok sekarang 5."
    );
    let shown = say(&app, &admin, "/stok NETFLIX").await;
    assert!(shown.text.contains("ak•••1>"), "{}", shown.text);
    assert!(
        !shown.text.contains("akun1@mail.test") && !shown.text.contains("baru-1"),
        "items are shown masked: {}",
        shown.text
    );
    let priced = say(&app, &admin, "/harga NETFLIX 12.000").await;
    assert_eq!(priced.text, "Harga Netflix 1 Bulan sekarang Rp12.000.");
    for bad in ["/harga NETFLIX 0", "/harga NETFLIX dua", "/harga NETFLIX"] {
        let answer = say(&app, &admin, bad).await;
        assert!(
            answer.text.starts_with("Ketik /harga KODE HARGA"),
            "{bad}: {}",
            answer.text
        );
    }
    let products = say(&app, &admin, "/produk").await;
    assert!(
        products
            .text
            .contains("🟢 Netflix 1 Bulan NETFLIX · Rp12.000 · stok 5"),
        "{}",
        products.text
    );
    let off = products
        .callbacks
        .iter()
        .find(|(text, _)| text == "⏸ Netflix 1 Bulan")
        .expect("a switch for each product")
        .1
        .clone();
    app.fake
        .press_button_with_data(admin.id, products.message_id, &admin, &off);
    let switched = wait_for(&app, &admin, "the list edited", |m| {
        m.message_id == products.message_id && m.text.contains("⏸ Netflix 1 Bulan")
    })
    .await;
    assert!(switched
        .callbacks
        .iter()
        .any(|(text, _)| text == "▶️ Netflix 1 Bulan"));
    let gone = say(&app, &buyer, "/beli NETFLIX").await;
    assert!(
        gone.text.contains("Tidak ada produk dengan kode NETFLIX"),
        "{}",
        gone.text
    );
    app.fake
        .press_button_with_data(admin.id, products.message_id, &admin, "shop:m:on:NETFLIX");
    wait_for(&app, &admin, "the list edited again", |m| {
        m.message_id == products.message_id && m.text.contains("🟢 Netflix 1 Bulan")
    })
    .await;

    // A purchase at the new price, paid; the orders and a refund of part of it.
    let (invoice, _, order_id) = buy(&app, &buyer, "/beli NETFLIX").await;
    assert!(
        invoice.text.contains("1 × Netflix 1 Bulan · Rp12.000"),
        "{}",
        invoice.text
    );
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    let orders = say(&app, &admin, "/pesanan").await;
    assert!(orders.text.contains(&order_id), "{}", orders.text);
    assert!(
        orders.text.contains("Rp12.000 · pembeli"),
        "{}",
        orders.text
    );
    assert!(
        orders.text.contains("lunas, 1 item terkirim"),
        "{}",
        orders.text
    );
    for (typed, said) in [
        (
            format!("/refund {order_id} 50000"),
            "Jumlah refund harus Rp1 sampai Rp12.000.",
        ),
        (format!("/refund {order_id} lima"), "Ketik /refund INV-"),
        (
            "/refund INV-20990101-AAAAAA".to_owned(),
            "Tidak ada pesanan dengan nomor itu.",
        ),
        ("/refund".to_owned(), "Ketik /refund INV-"),
    ] {
        let answer = say(&app, &admin, &typed).await;
        assert!(answer.text.contains(said), "{typed}: {}", answer.text);
    }
    let refunded = say(&app, &admin, &format!("/refund {order_id} 5.000")).await;
    assert_eq!(
        refunded.text,
        format!(
            "✅ Refund Rp5.000 untuk {order_id} masuk ke saldo pembeli {}.",
            buyer.id
        )
    );
    let told = wait_for(&app, &buyer, "refund told", |m| {
        m.text.contains("Pengembalian dana")
    })
    .await;
    assert!(
        told.text.contains("Saldo sekarang: Rp5.000"),
        "{}",
        told.text
    );
    let again = say(&app, &admin, &format!("/refund {order_id}")).await;
    assert_eq!(again.text, "Pesanan ini sudah pernah di-refund.");
    for action in [
        "shop_stock_add",
        "shop_price",
        "shop_product_off",
        "shop_product_on",
        "shop_refund",
    ] {
        let audited = app
            .count(&format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"
            ))
            .await;
        assert_eq!(audited, 1, "{action} audited");
    }
    // Coupons from the chat: made, refused in words, listed.
    let made = say(
        &app,
        &admin,
        "/kupon_baru hemat 10% min=20.000 kuota=5 sampai=2099-12-31",
    )
    .await;
    assert_eq!(
        made.text,
        "🎟 Kupon dibuat: HEMAT: 10%, min. belanja Rp20.000, maks. 5 kali, sampai 31-12-2099 23:59 WIB"
    );
    let again = say(&app, &admin, "/kupon_baru HEMAT 5000").await;
    assert_eq!(again.text, "Kupon HEMAT sudah ada.");
    let ended = say(&app, &admin, "/kupon_baru LAMA 5000 sampai=2020-01-01").await;
    assert_eq!(ended.text, "Tanggal berakhir sudah lewat.");
    for bad in [
        "/kupon_baru X 150%",
        "/kupon_baru X 10% diskon=1",
        "/kupon_baru",
    ] {
        let usage = say(&app, &admin, bad).await;
        assert!(
            usage.text.starts_with("Ketik /kupon_baru KODE DISKON"),
            "{bad}: {}",
            usage.text
        );
        assert!(
            usage.text.contains("HEMAT: 10%"),
            "the coupons listed: {}",
            usage.text
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_coupon_add'")
            .await,
        1
    );
    app.finish().await;
}

async fn a_broadcast_reaches_every_buyer_within_telegrams_limits_but_those_who_stopped_it(
    backend: Backend,
) {
    let (app, _pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let (_owner, admin) = owner_and_admin(&app).await;
    // 44 buyers met at /start, one more by an invoice only.
    let buyers: Vec<SimUser> = (0..44)
        .map(|n| app.fake.user(&format!("Pembeli {n}"), None))
        .collect();
    for buyer in &buyers {
        app.fake.send_private(buyer, "/start");
    }
    let welcomed = app
        .fake
        .wait_until(PATIENCE * 2, |fake| {
            buyers.iter().all(|b| !fake.bot_messages(b.id).is_empty())
        })
        .await;
    assert!(welcomed);
    let by_invoice = app.fake.user("Langsung Beli", None);
    buy(&app, &by_invoice, "/beli NETFLIX").await;

    // One of them stops broadcasts from under the first one.
    let usage = say(&app, &admin, "/broadcast").await;
    assert!(usage.text.starts_with("Ketik /broadcast"), "{}", usage.text);
    let sent = say(
        &app,
        &admin,
        "/broadcast Promo <b>Netflix</b>\nhari ini saja",
    )
    .await;
    assert_eq!(
        sent.text,
        "📣 Dikirim ke 45 pembeli, bertahap sesuai batas Telegram (30 pesan per detik)."
    );
    let news = |fake: &tangkap::sim::FakeTelegram, who: &SimUser| {
        fake.bot_messages(who.id)
            .into_iter()
            .filter(|m| m.text.starts_with("📣"))
            .collect::<Vec<_>>()
    };
    let everyone = buyers.iter().chain([&by_invoice]).collect::<Vec<_>>();
    let reached = app
        .fake
        .wait_until(PATIENCE * 3, |fake| {
            everyone.iter().all(|b| news(fake, b).len() == 1)
        })
        .await;
    assert!(reached, "every buyer gets the broadcast");
    let first = news(&app.fake, &buyers[0]).remove(0);
    assert!(
        first
            .text
            .starts_with("📣 Promo <b>Netflix</b>\nhari ini saja"),
        "the admin's words as written: {}",
        first.text
    );
    // Paced: never more than 30 in any second, and Telegram never said 429.
    let mut arrived: Vec<std::time::Instant> = everyone
        .iter()
        .map(|b| news(&app.fake, b)[0].arrived)
        .collect();
    arrived.sort();
    for (i, at) in arrived.iter().enumerate() {
        let within_a_second = arrived[i..]
            .iter()
            .take_while(|later| later.duration_since(*at) < Duration::from_secs(1))
            .count();
        assert!(within_a_second <= 30, "{within_a_second} in one second");
    }
    assert_eq!(app.fake.stats().limit_rejections, 0);

    let stop = first
        .callbacks
        .iter()
        .find(|(text, _)| text == "🔕 Berhenti terima info")
        .expect("a way to stop them")
        .1
        .clone();
    app.fake
        .press_button_with_data(buyers[0].id, first.message_id, &buyers[0], &stop);
    let stopped = app
        .fake
        .wait_until(PATIENCE, |_| {
            button_answers(&app)
                .iter()
                .any(|a| a.starts_with("Anda tidak akan menerima info toko lagi"))
        })
        .await;
    assert!(stopped, "{:?}", button_answers(&app));
    let second = say(&app, &admin, "/broadcast Stok baru!").await;
    assert!(
        second.text.contains("Dikirim ke 44 pembeli"),
        "{}",
        second.text
    );
    let again = app
        .fake
        .wait_until(PATIENCE * 3, |fake| {
            news(fake, &buyers[1]).len() == 2 && news(fake, &by_invoice).len() == 2
        })
        .await;
    assert!(again);
    assert_eq!(news(&app.fake, &buyers[0]).len(), 1, "stopped");
    // /langganan takes them again.
    let back = say(&app, &buyers[0], "/langganan").await;
    assert_eq!(back.text, "Anda akan menerima info toko lagi.");
    let third = say(&app, &admin, "/broadcast Terima kasih").await;
    assert!(
        third.text.contains("Dikirim ke 45 pembeli"),
        "{}",
        third.text
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_broadcast'")
            .await,
        3
    );
    app.finish().await;
}

async fn an_admin_rewrites_the_welcome_with_its_placeholders_checked_before_saving(
    backend: Backend,
) {
    let (app, _pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let (_owner, admin) = owner_and_admin(&app).await;
    let buyer = app.fake.user("<Beni>", None);
    let built_in = say(&app, &buyer, "/start").await;
    assert!(
        built_in.text.contains("selamat datang di Toko Uji"),
        "{}",
        built_in.text
    );

    let listed = say(&app, &admin, "/teks").await;
    assert!(
        listed
            .text
            .contains("sambutan (isian: {nama}, {toko}): teks bawaan"),
        "{}",
        listed.text
    );
    for (typed, said) in [
        (
            "/teks sambutan Halo {nama}, harga {harga}",
            "Teks sambutan tidak disimpan: isian {harga} tidak dikenal; yang bisa dipakai: {nama}, {toko}.",
        ),
        (
            "/teks bantuan Halo {nama}",
            "Teks bantuan tidak disimpan: isian {nama} tidak dikenal; yang bisa dipakai: {toko}.",
        ),
        (
            "/teks sambutan Halo {nama",
            "Teks sambutan tidak disimpan: ada { atau } tanpa pasangannya.",
        ),
        ("/teks sambutan", "Teks sambutan tidak disimpan: teksnya kosong."),
    ] {
        let answer = say(&app, &admin, typed).await;
        assert_eq!(answer.text, said, "{typed}");
    }
    let unchanged = say(&app, &buyer, "/start").await;
    assert_eq!(unchanged.text, built_in.text, "nothing refused was saved");

    let saved = say(
        &app,
        &admin,
        "/teks sambutan Hai {nama}! <b>{toko}</b> buka 24 jam.\nKetik /beli KODE.",
    )
    .await;
    assert_eq!(saved.text, "✅ Teks sambutan disimpan.");
    let welcome = say(&app, &buyer, "/start").await;
    assert_eq!(
        welcome.text, "Hai <Beni>! <b>Toko Uji</b> buka 24 jam.\nKetik /beli KODE.",
        "the admin's words as written, the values filled in"
    );
    assert_eq!(
        welcome.answers,
        ["🛍 Produk", "🛒 Keranjang", "💰 Saldo", "❓ Bantuan"],
        "still one welcome with the menu"
    );
    let help = say(
        &app,
        &admin,
        "/teks bantuan Tanya admin {toko} di @admin_toko",
    )
    .await;
    assert_eq!(help.text, "✅ Teks bantuan disimpan.");
    let asked = say(&app, &buyer, "❓ Bantuan").await;
    assert_eq!(asked.text, "Tanya admin Toko Uji di @admin_toko");

    let back = say(&app, &admin, "/teks sambutan asal").await;
    assert_eq!(back.text, "✅ Teks sambutan kembali ke teks bawaan.");
    let again = say(&app, &buyer, "/start").await;
    assert_eq!(again.text, built_in.text);
    let staff_like = app.fake.user("Orang Lain", None);
    let unknown = say(&app, &staff_like, "/tidakada").await;
    let refused = say(&app, &staff_like, "/teks sambutan Halo").await;
    assert_eq!(refused.text, unknown.text, "not an admin: no such command");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_text'")
            .await,
        3
    );
    app.finish().await;
}

/// The admin's next answer after sending `bytes` as a document captioned `caption`.
async fn send_file(
    app: &TestApp,
    from: &SimUser,
    bytes: &[u8],
    name: &str,
    mime: &str,
    caption: &str,
) -> (SimMessage, tangkap::sim::SimFile) {
    let before = app.fake.bot_messages(from.id).len();
    let (_, file) = app
        .fake
        .send_document(from.id, from, bytes, name, mime, Some(caption));
    let messages = app
        .fake
        .wait_for_bot_messages(from.id, before + 1, PATIENCE)
        .await;
    assert!(messages.len() > before, "no answer to {name}");
    (messages[before].clone(), file)
}

/// Stock sent as a `.txt` file captioned `/stok KODE` is fetched from Telegram (getFile,
/// download) before the batch's transaction and added as a pasted list is, duplicates
/// refused; someone who does not run the shop costs no download and adds nothing; a file
/// that is too large, not text, or gone from Telegram is refused in words, nothing added.
async fn an_admin_sends_stock_as_a_txt_file_fetched_before_it_is_added(backend: Backend) {
    let (app, _pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let (_owner, admin) = owner_and_admin(&app).await;
    let buyer = app.fake.user("Beni", None);
    assert_eq!(stock(&app).await, 3);
    let items = format!("file-1\r\nfile-2\n\n{}\nfile-1\nfile-3\n", ITEMS[1]);

    // A buyer's file with the admin's caption: the buyer's help, no download.
    let (answer, _) = send_file(
        &app,
        &buyer,
        items.as_bytes(),
        "stok.txt",
        "text/plain",
        "/stok NETFLIX",
    )
    .await;
    assert!(!answer.text.contains("ditambahkan"), "{}", answer.text);
    assert_eq!(app.fake.stats().files_downloaded, 0);
    assert_eq!(app.fake.stats().calls.get("getfile"), None);
    assert_eq!(stock(&app).await, 3);

    // The admin's: fetched once, three new, two duplicates (one of the file, one in stock).
    let (added, _) = send_file(
        &app,
        &admin,
        items.as_bytes(),
        "stok.txt",
        "text/plain",
        "/stok netflix",
    )
    .await;
    assert_eq!(
        added.text,
        "📦 NETFLIX: 3 ditambahkan, 2 duplikat ditolak. Stok sekarang 6."
    );
    assert_eq!(app.fake.stats().files_downloaded, 1);
    assert_eq!(stock(&app).await, 6);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'shop_stock_add'")
            .await,
        1
    );

    // Refused in words, nothing added: an unknown product, a picture, a file too large,
    // a file Telegram no longer has.
    let (unknown, _) = send_file(
        &app,
        &admin,
        b"x-1\n",
        "stok.txt",
        "text/plain",
        "/stok TIDAKADA",
    )
    .await;
    assert!(
        unknown.text.starts_with("Tidak ada produk dengan kode"),
        "{}",
        unknown.text
    );
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe";
    let (picture, _) =
        send_file(&app, &admin, png, "stok.txt", "text/plain", "/stok NETFLIX").await;
    assert_eq!(
        picture.text,
        "📦 File stok harus berupa teks (.txt), satu item per baris."
    );
    let large = "x".repeat(1024 * 1024 + 1);
    let (too_large, _) = send_file(
        &app,
        &admin,
        large.as_bytes(),
        "besar.txt",
        "text/plain",
        "/stok NETFLIX",
    )
    .await;
    assert_eq!(
        too_large.text,
        "📦 File stok terlalu besar: paling besar 1024 KB."
    );
    let downloads = app.fake.stats().files_downloaded;
    // Telegram's file server unreachable (here: it sends the download elsewhere).
    app.fake.redirect_downloads("http://127.0.0.1:9/elsewhere");
    let (unreachable, _) = send_file(
        &app,
        &admin,
        b"y-1\n",
        "stok.txt",
        "text/plain",
        "/stok NETFLIX",
    )
    .await;
    assert!(
        unreachable
            .text
            .starts_with("📦 File stok tidak bisa diambil dari Telegram."),
        "{}",
        unreachable.text
    );
    assert_eq!(
        app.fake.stats().files_downloaded,
        downloads,
        "nothing more handed out"
    );
    assert_eq!(stock(&app).await, 6, "nothing added");
    // The admin sees the new items masked only.
    let shown = say(&app, &admin, "/stok NETFLIX").await;
    assert!(!shown.text.contains("file-1"), "{}", shown.text);
    app.finish().await;
}

/// After delivery the buyer taps 📎 under the items: their next message, a text or a
/// photo, is kept as proof for that order and reaches the owner and the admin (not staff);
/// the menu's buttons and other commands go on as ever meanwhile, `/batal` stops it, and
/// a 📎 for someone else's order finds nothing.
async fn a_buyers_snk_proof_reaches_those_who_run_the_shop(backend: Backend) {
    let (app, pakasir) = open_shop(backend, Duration::from_secs(600)).await;
    let (owner, admin) = owner_and_admin(&app).await;
    let staff = shop_staff(&app).await;
    let buyer = app.fake.user("Beni", None);
    let other = app.fake.user("Lain", None);
    let (_, _, order_id) = buy(&app, &buyer, "/beli NETFLIX 1").await;
    assert_eq!(pakasir.pay(&order_id).await.unwrap(), Some(200));
    let delivered = wait_for(&app, &buyer, "delivery", |m| m.text.contains("📦")).await;
    let proof_button = delivered
        .callbacks
        .iter()
        .find(|(label, _)| label == "📎 Kirim bukti SNK")
        .unwrap_or_else(|| panic!("📎 under the items: {:?}", delivered.callbacks))
        .1
        .clone();

    // Someone else's tap on that order: nothing awaited from them.
    say(&app, &other, "/start").await;
    let own = app.fake.bot_messages(other.id).last().unwrap().message_id;
    app.fake
        .press_button_with_data(other.id, own, &other, &proof_button);
    assert!(
        app.fake
            .wait_until(PATIENCE, |_| button_answers(&app)
                .iter()
                .any(|a| a == "Tombol ini sudah tidak berlaku."))
            .await
    );
    let theirs = say(&app, &other, "akun saya tidak bisa login").await;
    assert!(!theirs.text.contains("Bukti SNK"), "{}", theirs.text);

    // The buyer's: a text.
    let before = app.fake.bot_messages(buyer.id).len();
    app.fake
        .press_button_with_data(buyer.id, delivered.message_id, &buyer, &proof_button);
    let asked = app
        .fake
        .wait_for_bot_messages(buyer.id, before + 1, PATIENCE)
        .await;
    assert!(
        asked[before]
            .text
            .starts_with(&format!("📎 Kirim bukti SNK untuk {order_id}")),
        "{}",
        asked[before].text
    );
    // The menu still works meanwhile, and is no proof.
    let products = say(&app, &buyer, "🛍 Produk").await;
    assert!(
        products.text.contains("Netflix 1 Bulan"),
        "{}",
        products.text
    );
    let received = say(&app, &buyer, "Akun <b>tidak</b> bisa login sejak 10:00").await;
    assert_eq!(
        received.text,
        format!("✅ Bukti SNK untuk {order_id} diterima dan diteruskan ke admin.")
    );
    for leader in [&owner, &admin] {
        let told = wait_for(&app, leader, "the proof", |m| m.text.contains("🧾")).await;
        assert_eq!(
            told.text,
            format!("🧾 Bukti SNK untuk {order_id} dari Beni\n\nAkun <b>tidak</b> bisa login sejak 10:00")
        );
    }
    assert!(
        !app.fake
            .bot_messages(staff.id)
            .iter()
            .any(|m| m.text.contains("🧾")),
        "staff do not run the shop"
    );
    // Received once: the next message is no proof.
    let after = say(&app, &buyer, "terima kasih").await;
    assert!(!after.text.contains("Bukti SNK"), "{}", after.text);

    // A photo with a caption.
    let before = app.fake.bot_messages(buyer.id).len();
    app.fake
        .press_button_with_data(buyer.id, delivered.message_id, &buyer, &proof_button);
    app.fake
        .wait_for_bot_messages(buyer.id, before + 1, PATIENCE)
        .await;
    let png = tangkap::telegram::qr::png("bukti").unwrap();
    let before = app.fake.bot_messages(buyer.id).len();
    app.fake
        .send_photo(buyer.id, &buyer, &png, Some("layar error"));
    let answers = app
        .fake
        .wait_for_bot_messages(buyer.id, before + 1, PATIENCE)
        .await;
    assert!(
        answers[before].text.starts_with("✅ Bukti SNK"),
        "{}",
        answers[before].text
    );
    let photo = wait_for(&app, &admin, "the photo", |m| m.photo.is_some()).await;
    assert_eq!(
        photo.photo.as_deref(),
        Some(png.as_slice()),
        "the buyer's photo itself"
    );
    assert_eq!(
        photo.text,
        format!("🧾 Bukti SNK untuk {order_id} dari Beni\n\nlayar error")
    );

    // 📎, then /batal: nothing kept.
    let before = app.fake.bot_messages(buyer.id).len();
    app.fake
        .press_button_with_data(buyer.id, delivered.message_id, &buyer, &proof_button);
    app.fake
        .wait_for_bot_messages(buyer.id, before + 1, PATIENCE)
        .await;
    let cancelled = say(&app, &buyer, "/batal").await;
    assert_eq!(cancelled.text, "Pengiriman bukti SNK dibatalkan.");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_snk_proofs").await,
        2,
        "the text and the photo"
    );
    app.finish().await;
}
