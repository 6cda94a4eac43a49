//! The Toko page's API on both backends: an admin adds stock (duplicates refused and
//! counted) and sees it masked only, re-prices, switches and renames a product (the bot's
//! `/beli` follows), refunds a paid order once, adds a coupon, broadcasts and rewrites
//! the welcome, each audited as theirs; staff get 404 for every route as for one that does
//! not exist, and so does everyone while the shop is off.

mod common;

use common::{
    buy_and_pay, call, call_in, log_in, say, shop_admin, shop_staff, spawn_app, spawn_shop,
    Backend, TestApp, PATIENCE, SHOP_ADMIN_PASSWORD, SHOP_STAFF_PASSWORD,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

on_both_backends!(
    an_admin_runs_the_shop_from_the_mini_app,
    the_toko_routes_do_not_exist_for_anyone_else,
    the_toko_routes_do_not_exist_while_the_shop_is_off,
);

/// An active admin, logged in from a browser: their session.
async fn admin_session(app: &TestApp) -> String {
    shop_admin(app).await;
    log_in(app, "admintoko", SHOP_ADMIN_PASSWORD).await
}

async fn product(app: &TestApp, session: &str, code: &str) -> Value {
    let (status, shop) = call(app, "GET", "/shop", Some(session), None).await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    shop["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} in {shop}"))
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM audit_log a JOIN users u ON u.id = a.actor_user_id
         WHERE a.action = '{action}' AND u.username = 'admintoko'"
    ))
    .await
}

async fn an_admin_runs_the_shop_from_the_mini_app(backend: Backend) {
    let (app, pakasir) = spawn_shop(backend, |_| {}).await;
    let session = admin_session(&app).await;
    let (_, me) = call(&app, "GET", "/me", Some(&session), None).await;
    assert_eq!(me["runs_shop"], true);

    let (status, shop) = call(&app, "GET", "/shop", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert_eq!(shop["name"], "Toko Uji");
    assert_eq!(shop["products"].as_array().unwrap().len(), 2);
    let netflix = product(&app, &session, "NETFLIX").await;
    assert_eq!(
        (&netflix["price"], &netflix["stock"], &netflix["low_stock"]),
        (&json!(10_000), &json!(0), &json!(true))
    );

    // Stock, pasted: empty lines skipped, a line twice refused and counted.
    let items = "akun-rahasia-1@mail.test\n\n  akun-rahasia-2@mail.test  \nakun-rahasia-1@mail.test\nkode-3";
    let (status, added) = call(
        &app,
        "POST",
        "/shop/products/netflix/stock",
        Some(&session),
        Some(json!({ "items": items })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added,
        json!({ "added": 3, "duplicates": 1, "too_long": 0, "stock": 3 })
    );
    // Nothing new: refused, with how many were there already.
    let (status, refused) = call(
        &app,
        "POST",
        "/shop/products/NETFLIX/stock",
        Some(&session),
        Some(json!({ "items": "kode-3\nakun-rahasia-2@mail.test" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["message"],
        "Semua 2 item sudah ada di stok NETFLIX; tidak ada yang ditambahkan."
    );
    let (status, empty) = call(
        &app,
        "POST",
        "/shop/products/NETFLIX/stock",
        Some(&session),
        Some(json!({ "items": " \n " })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{empty}");
    let too_large = "x".repeat(1_000_001);
    let (status, large) = call(
        &app,
        "POST",
        "/shop/products/NETFLIX/stock",
        Some(&session),
        Some(json!({ "items": too_large })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{large}");
    assert!(large["message"].as_str().unwrap().contains("1 MB"));
    for (language, said) in [
        (None, "Tidak ada produk dengan kode NOPE."),
        (Some("en"), "There is no product with code NOPE."),
    ] {
        let (status, unknown) = call_in(
            &app,
            language,
            "POST",
            "/shop/products/NOPE/stock",
            Some(&session),
            Some(json!({ "items": "x" })),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(unknown["error"], "unknown");
        assert_eq!(unknown["message"], said);
    }

    // Seen masked only, here and on the page.
    let (status, stock) = call(
        &app,
        "GET",
        "/shop/products/netflix/stock",
        Some(&session),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{stock}");
    assert_eq!(stock["stock"], 3);
    assert_eq!(
        stock["items"],
        json!(["ak•••st", "ak•••st", "••••••"]),
        "masked, oldest first"
    );
    let (_, page) = call(&app, "GET", "/shop", Some(&session), None).await;
    for shown in [stock.to_string(), page.to_string()] {
        assert!(
            !shown.contains("rahasia") && !shown.contains("kode-3"),
            "{shown}"
        );
    }

    // Re-priced, renamed, switched off: the bot's /beli follows.
    let buyer = app.fake.user("Beni", Some("beni_beli"));
    let (status, priced) = call(
        &app,
        "PUT",
        "/shop/products/NETFLIX",
        Some(&session),
        Some(json!({ "price": 12_000, "name": "  Netflix   Premium ", "description": "Akun sharing." })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{priced}");
    assert_eq!(
        (&priced["price"], &priced["name"], &priced["description"]),
        (
            &json!(12_000),
            &json!("Netflix Premium"),
            &json!("Akun sharing.")
        )
    );
    for (change, field) in [
        (json!({ "price": 0 }), "price"),
        (json!({ "price": 100_000_001 }), "price"),
        (json!({ "name": " " }), "name"),
        (json!({ "name": "x".repeat(65) }), "name"),
        (json!({ "description": "x".repeat(1_001) }), "description"),
    ] {
        let (status, refused) = call(
            &app,
            "PUT",
            "/shop/products/NETFLIX",
            Some(&session),
            Some(change.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{change}: {refused}");
        assert_eq!(refused["field"], field, "{refused}");
    }
    let (status, off) = call(
        &app,
        "PUT",
        "/shop/products/NETFLIX",
        Some(&session),
        Some(json!({ "on_sale": false })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["on_sale"], false);
    let gone = say(&app, &buyer, "/beli NETFLIX").await;
    assert!(
        gone.text.contains("Tidak ada produk dengan kode NETFLIX"),
        "{}",
        gone.text
    );
    let (_, on) = call(
        &app,
        "PUT",
        "/shop/products/netflix",
        Some(&session),
        Some(json!({ "on_sale": true })),
    )
    .await;
    assert_eq!(on["on_sale"], true);

    // Bought at the new price and paid; refunded in part, once.
    let order_id = buy_and_pay(&app, &pakasir, &buyer, "NETFLIX").await;
    let order = |page: &Value| {
        page["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["invoice"] == order_id.as_str())
            .cloned()
            .unwrap()
    };
    let (_, page) = call(&app, "GET", "/shop", Some(&session), None).await;
    let paid = order(&page);
    assert_eq!(
        (
            &paid["state"],
            &paid["total"],
            &paid["delivered"],
            &paid["refunded"],
            &paid["buyer_id"]
        ),
        (
            &json!("paid"),
            &json!(12_000),
            &json!(1),
            &Value::Null,
            &json!(buyer.id)
        )
    );
    let refund = |amount: Value| {
        let body = json!({ "invoice": order_id, "amount": amount });
        let session = session.clone();
        let app = &app;
        async move { call(app, "POST", "/shop/refunds", Some(&session), Some(body)).await }
    };
    let (status, too_much) = refund(json!(50_000)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{too_much}");
    assert_eq!(
        too_much["message"],
        "Jumlah refund harus Rp1 sampai Rp12.000."
    );
    let (status, refunded) = refund(json!(5_000)).await;
    assert_eq!(status, StatusCode::OK, "{refunded}");
    assert_eq!(refunded["amount"], 5_000);
    let told = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(buyer.id)
                .iter()
                .any(|m| m.text.contains("Pengembalian dana"))
        })
        .await;
    assert!(told, "the buyer is told of the refund");
    let (status, again) = refund(Value::Null).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["message"], "Pesanan ini sudah pernah di-refund.");
    let (status, unknown) = call(
        &app,
        "POST",
        "/shop/refunds",
        Some(&session),
        Some(json!({ "invoice": "INV-20990101-AAAAAA" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    assert_eq!(unknown["message"], "Tidak ada pesanan dengan nomor itu.");
    let (_, page) = call(&app, "GET", "/shop", Some(&session), None).await;
    assert_eq!(order(&page)["refunded"], 5_000);

    // A coupon, as the console adds one.
    let coupon = json!({
        "code": "hemat10", "discount": "10%", "min_total": 20_000, "max_uses": 5,
        "until": "2099-12-31"
    });
    let (status, added) = call(
        &app,
        "POST",
        "/shop/coupons",
        Some(&session),
        Some(coupon.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added["describe"],
        "HEMAT10: 10% off, from Rp20.000, at most 5 uses, ends 2100-01-01 00:00 +07:00"
    );
    let (status, twice) = call(&app, "POST", "/shop/coupons", Some(&session), Some(coupon)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice}");
    assert_eq!(twice["message"], "Kupon HEMAT10 sudah ada.");
    for (coupon, field) in [
        (json!({ "code": "X", "discount": "150%" }), "discount"),
        (json!({ "code": "X Y", "discount": "10%" }), "code"),
        (
            json!({ "code": "X", "discount": "10%", "until": "31-12-2099" }),
            "until",
        ),
        (
            json!({ "code": "X", "discount": "10%", "until": "2001-01-01" }),
            "until",
        ),
        (
            json!({ "code": "X", "discount": "10%", "max_uses": 0 }),
            "max_uses",
        ),
    ] {
        let (status, refused) = call(
            &app,
            "POST",
            "/shop/coupons",
            Some(&session),
            Some(coupon.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{coupon}: {refused}");
        assert_eq!(refused["field"], field, "{refused}");
    }
    let (_, page) = call(&app, "GET", "/shop", Some(&session), None).await;
    assert_eq!(
        page["coupons"],
        json!([{
            "code": "HEMAT10", "describe": added["describe"], "percent": 10, "amount": null,
            "min_total": 20_000, "max_uses": 5, "expires_at": added["expires_at"], "uses": 0,
            "active": true
        }])
    );

    // A broadcast to the buyers met, and the welcome rewritten with its placeholders checked.
    assert_eq!(page["buyers"], 1);
    let (status, sent) = call(
        &app,
        "POST",
        "/shop/broadcast",
        Some(&session),
        Some(json!({ "text": "Promo akhir pekan!" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["sent"], 1);
    let heard = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(buyer.id)
                .iter()
                .any(|m| m.text.contains("Promo akhir pekan!"))
        })
        .await;
    assert!(heard, "the buyer gets the broadcast");
    let (status, blank) = call(
        &app,
        "POST",
        "/shop/broadcast",
        Some(&session),
        Some(json!({ "text": "  " })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{blank}");
    let (status, refused) = call(
        &app,
        "PUT",
        "/shop/texts/sambutan",
        Some(&session),
        Some(json!({ "body": "Harga {harga}" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["message"],
        "Teks sambutan tidak disimpan: isian {harga} tidak dikenal; yang bisa dipakai: {nama}, {toko}."
    );
    let (status, saved) = call(
        &app,
        "PUT",
        "/shop/texts/sambutan",
        Some(&session),
        Some(json!({ "body": "Halo {nama}, ini {toko}!" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        saved,
        json!({ "key": "sambutan", "body": "Halo {nama}, ini {toko}!", "placeholders": ["nama", "toko"] })
    );
    let welcome = say(&app, &buyer, "/start").await;
    assert_eq!(welcome.text, "Halo Beni, ini Toko Uji!");
    let (_, builtin) = call(
        &app,
        "PUT",
        "/shop/texts/sambutan",
        Some(&session),
        Some(json!({ "body": "asal" })),
    )
    .await;
    assert_eq!(builtin["body"], Value::Null);
    let (status, _) = call(
        &app,
        "PUT",
        "/shop/texts/harga",
        Some(&session),
        Some(json!({ "body": null })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for (action, times) in [
        // The list refused whole is audited too, as the admin menu's is.
        ("shop_stock_add", 2),
        ("shop_price", 1),
        ("shop_product_edit", 1),
        ("shop_product_off", 1),
        ("shop_product_on", 1),
        ("shop_refund", 1),
        ("shop_coupon_add", 1),
        ("shop_broadcast", 1),
        ("shop_text", 2),
    ] {
        assert_eq!(audited(&app, action).await, times, "{action}");
    }
    app.finish().await;
}

/// Every Toko route, with a body it would take.
fn toko_routes() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("GET", "/shop", None),
        ("GET", "/shop/products/NETFLIX/stock", None),
        (
            "POST",
            "/shop/products/NETFLIX/stock",
            Some(json!({ "items": "curian-1" })),
        ),
        (
            "PUT",
            "/shop/products/NETFLIX",
            Some(json!({ "price": 1, "on_sale": false })),
        ),
        (
            "POST",
            "/shop/refunds",
            Some(json!({ "invoice": "INV-20990101-AAAAAA" })),
        ),
        (
            "POST",
            "/shop/coupons",
            Some(json!({ "code": "GRATIS", "discount": "100%" })),
        ),
        ("POST", "/shop/broadcast", Some(json!({ "text": "spam" }))),
        (
            "PUT",
            "/shop/texts/sambutan",
            Some(json!({ "body": "diretas" })),
        ),
    ]
}

/// Asserts that each Toko route answers `session` exactly as a route that does not exist.
async fn all_unknown(app: &TestApp, session: &str) {
    let (status, nothing) = call(app, "GET", "/no-such-route", Some(session), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(nothing["error"], "not_found");
    for (method, path, body) in toko_routes() {
        let (status, answer) = call(app, method, path, Some(session), body).await;
        assert_eq!(
            (status, &answer),
            (StatusCode::NOT_FOUND, &nothing),
            "{method} {path}"
        );
    }
    // Not even a broken body is looked at.
    let broken = reqwest::Client::new()
        .post(format!("{}/api/shop/broadcast", app.http_url()))
        .header("X-Session-Token", session)
        .header("Content-Type", "text/plain")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::NOT_FOUND);
}

async fn the_toko_routes_do_not_exist_for_anyone_else(backend: Backend) {
    let (app, _pakasir) = spawn_shop(backend, |_| {}).await;
    shop_staff(&app).await;
    let session = log_in(&app, "staftoko", SHOP_STAFF_PASSWORD).await;
    let (_, me) = call(&app, "GET", "/me", Some(&session), None).await;
    assert_eq!(me["runs_shop"], false);
    all_unknown(&app, &session).await;
    // A buyer has no account of the Mini App: without a session, nothing at all.
    for (method, path, body) in toko_routes() {
        let (status, _) = call(&app, method, path, None, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    // An admin demoted to staff loses the page with the next request.
    let admin = admin_session(&app).await;
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("UPDATE users SET role = 'staff' WHERE username = 'admintoko'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    all_unknown(&app, &admin).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_items").await,
        0,
        "nothing added"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'shop_%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM shop_products WHERE active = 1 AND price > 1")
            .await,
        2
    );
    app.finish().await;
}

async fn the_toko_routes_do_not_exist_while_the_shop_is_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let (_, me) = call(&app, "GET", "/me", Some(&session), None).await;
    assert_eq!(me["manages_team"], true);
    assert_eq!(me["runs_shop"], false, "no Toko tab without a shop");
    all_unknown(&app, &session).await;
    app.finish().await;
}
