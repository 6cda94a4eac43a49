//! `/moban` in groups, through real HTTP between Tangkap and the fake Telegram.

mod common;

use common::{spawn_app, Backend, TestApp, BOT_USERNAME, PATIENCE};
use tangkap::{
    config::Config,
    orders::{self, moban, NewOrder, TICKET_ALPHABET, TICKET_LENGTH},
};

on_both_backends!(
    happy_path_stores_an_order_and_replies_with_feedback_1,
    mention_and_multi_line_keterangan,
    malformed_moban_gets_the_format_and_stores_nothing,
    group_chatter_gets_no_answer,
    markup_typed_by_users_is_shown_as_text,
    the_same_update_twice_makes_one_order,
    commands_are_published_per_scope,
    adding_the_bot_to_a_group_greets_once,
    daftar_in_a_group_points_to_the_private_chat,
    an_update_the_database_refuses_is_set_aside_and_the_rest_go_through,
    orders_stored_together_keep_one_order_per_message,
);

/// Sends a valid /moban and waits for its Feedback 1: every update sent before it has
/// been processed by then, since updates are processed in order.
async fn sync_point(app: &TestApp, group: i64, expected_bot_messages: usize) {
    let marker = app.fake.user("Penanda", None);
    app.fake
        .send_to_group(group, &marker, "/moban #SYNC #SYNC #penanda");
    let messages = app
        .fake
        .wait_for_bot_messages(group, expected_bot_messages, PATIENCE)
        .await;
    assert_eq!(
        messages.len(),
        expected_bot_messages,
        "bot messages: {messages:#?}"
    );
    assert!(messages.last().unwrap().text.contains("SYNC"));
}

async fn happy_path_stores_an_order_and_replies_with_feedback_1(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", Some("siti"));
    let posted = app.fake.send_to_group(
        group,
        &siti,
        "/moban #INV-1029 #TOPUP #Saldo belum masuk sejak pagi",
    );

    let replies = app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(
        reply.reply_to,
        Some(posted.message_id),
        "Feedback 1 answers the /moban message"
    );
    let ticket = reply
        .text
        .strip_prefix("Permintaan Anda INV-1029 TOPUP sudah kami proses dengan no tiket ")
        .and_then(|rest| rest.strip_suffix(", silahkan tunggu"))
        .unwrap_or_else(|| panic!("unexpected Feedback 1: {}", reply.text));
    assert_eq!(ticket.len(), TICKET_LENGTH);
    assert!(
        ticket.bytes().all(|b| TICKET_ALPHABET.contains(&b)),
        "{ticket}"
    );

    let rows = app
        .rows("SELECT order_id, transaksi, keterangan, ticket_no, status, requester_name, chat_id, message_id FROM orders")
        .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("INV-1029".into()),
            Some("TOPUP".into()),
            Some("Saldo belum masuk sejak pagi".into()),
            Some(ticket.into()),
            Some("order".into()),
            Some("Siti".into()),
            Some(group.to_string()),
            Some(posted.message_id.to_string()),
        ]]
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM order_events WHERE to_status = 'order' AND from_status IS NULL"
        )
        .await,
        1
    );
    app.finish().await;
}

async fn mention_and_multi_line_keterangan(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Gudang");
    let budi = app.fake.user("Budi", None);
    app.fake.send_to_group(
        group,
        &budi,
        &format!("/moban@{BOT_USERNAME} #ORD-7 #RETUR #Barang rusak #urgent\nbaris kedua"),
    );
    app.fake
        .send_to_group(group, &budi, "/moban@another_bot #X #Y #bukan untuk kita");
    app.fake.send_to_group(
        group,
        &budi,
        "/moban #ORD-8 Transfer bank #format dari seed",
    );
    sync_point(&app, group, 3).await;

    let rows = app
        .rows("SELECT order_id, transaksi, keterangan FROM orders ORDER BY no")
        .await;
    let expected = [
        ("ORD-7", "RETUR", "Barang rusak #urgent\nbaris kedua"),
        ("ORD-8", "Transfer bank", "format dari seed"),
        ("SYNC", "SYNC", "penanda"),
    ];
    let expected: Vec<Vec<Option<String>>> = expected
        .iter()
        .map(|(a, b, c)| {
            vec![
                Some(a.to_string()),
                Some(b.to_string()),
                Some(c.to_string()),
            ]
        })
        .collect();
    assert_eq!(rows, expected);
    app.finish().await;
}

async fn malformed_moban_gets_the_format_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("Andi", None);
    let cases = [
        ("/moban", "ORDER_ID belum diisi"),
        ("/moban #ORD-1", "TRANSAKSI belum diisi"),
        ("/moban #ORD-1 #TOPUP", "KETERANGAN belum diisi"),
        ("/moban #ORD-1 #TOPUP #   ", "KETERANGAN belum diisi"),
        ("/moban # #TOPUP #ket", "ORDER_ID belum diisi"),
        ("/moban ORD-1 TOPUP ket", "diawali tanda #"),
        (
            &*format!("/moban #{} #T #K", "x".repeat(65)),
            "ORDER_ID terlalu panjang",
        ),
        (
            &*format!("/moban #O #{} #K", "y".repeat(65)),
            "TRANSAKSI terlalu panjang",
        ),
        (
            &*format!("/moban #O #T #{}", "z".repeat(1001)),
            "KETERANGAN terlalu panjang",
        ),
        (
            &*format!("/moban #O #T #{}", "k ".repeat(800)),
            "pesan terlalu panjang",
        ),
    ];
    let mut posted = Vec::new();
    for (text, _) in &cases {
        posted.push(app.fake.send_to_group(group, &user, text));
    }
    let replies = app
        .fake
        .wait_for_bot_messages(group, cases.len(), PATIENCE)
        .await;
    assert_eq!(replies.len(), cases.len());
    for ((reply, (text, reason)), posted) in replies.iter().zip(&cases).zip(&posted) {
        assert_eq!(reply.reply_to, Some(posted.message_id));
        assert!(reply.text.contains(reason), "{text:?} → {}", reply.text);
        assert!(
            reply
                .text
                .contains("/moban #ORDER_ID #TRANSAKSI #KETERANGAN"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("Contoh"), "{}", reply.text);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 0);
    app.finish().await;
}

async fn group_chatter_gets_no_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("Rina", None);
    app.fake
        .send_to_group(group, &user, "halo semua, ada yang bisa bantu?");
    app.fake.send_to_group(group, &user, "/start");
    app.fake.send_to_group(group, &user, "/help");
    app.fake.send_to_group(group, &user, "/batal");
    app.fake.send_to_group(group, &user, "moban #A #B #C");
    app.fake.send_sticker(group, &user);
    app.fake.join_group(group, &app.fake.user("Baru", None));
    let chatter = app.fake.send_to_group(group, &user, "catatan biasa");
    app.fake.edit(
        group,
        chatter.message_id,
        &user,
        "/moban #EDIT #EDIT #diedit",
    );

    sync_point(&app, group, 1).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders").await,
        1,
        "only the sync /moban"
    );
    app.finish().await;
}

async fn markup_typed_by_users_is_shown_as_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("<b>Eve</b>", None);
    app.fake.send_to_group(
        group,
        &user,
        "/moban #<b>INV</b> #a&b<i> #<script>alert(1)</script> '; DROP TABLE orders; --",
    );
    app.fake.send_to_group(group, &user, "/moban #<i> #T");

    // The fake refuses malformed HTML as Telegram does, so arriving at all proves escaping.
    let replies = app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    assert_eq!(replies.len(), 2);
    assert!(
        replies[0]
            .text
            .starts_with("Permintaan Anda <b>INV</b> a&b<i> sudah kami proses"),
        "{}",
        replies[0].text
    );
    assert!(replies[1].text.contains("KETERANGAN belum diisi"));
    let stored = app
        .rows("SELECT order_id, transaksi, keterangan, requester_name FROM orders")
        .await;
    assert_eq!(
        stored,
        vec![vec![
            Some("<b>INV</b>".into()),
            Some("a&b<i>".into()),
            Some("<script>alert(1)</script> '; DROP TABLE orders; --".into()),
            Some("<b>Eve</b>".into()),
        ]]
    );
    app.finish().await;
}

async fn the_same_update_twice_makes_one_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("Dewi", None);
    let posted = app
        .fake
        .send_to_group(group, &user, "/moban #DUP-1 #TOPUP #sekali saja");
    app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;

    app.fake.redeliver(posted.update_id);
    sync_point(&app, group, 2).await;

    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE order_id = 'DUP-1'")
            .await,
        1
    );
    let feedback = app.fake.bot_messages(group);
    assert_eq!(
        feedback.iter().filter(|m| m.text.contains("DUP-1")).count(),
        1
    );
    assert!(
        app.fake.stats().calls["getupdates"] >= 2,
        "the duplicate came through getUpdates"
    );
    app.finish().await;
}

async fn commands_are_published_per_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let published = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.commands("all_private_chats")
                == ["start", "daftar", "password", "pengingat", "batal", "rekap"]
                && fake.commands("all_group_chats") == ["moban"]
        })
        .await;
    assert!(
        published,
        "private: {:?}, groups: {:?}",
        app.fake.commands("all_private_chats"),
        app.fake.commands("all_group_chats")
    );
    app.finish().await;
}

async fn adding_the_bot_to_a_group_greets_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.fake.user("Admin", None);
    let group = app.fake.add_bot_to_new_group("Tim Baru", &admin);
    let greeting = app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    assert_eq!(greeting.len(), 1);
    assert!(
        greeting[0]
            .text
            .contains("/moban #ORDER_ID #TRANSAKSI #KETERANGAN"),
        "{}",
        greeting[0].text
    );
    sync_point(&app, group, 2).await;
    app.finish().await;
}

async fn daftar_in_a_group_points_to_the_private_chat(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let user = app.fake.user("Joko", None);
    let posted = app.fake.send_to_group(group, &user, "/daftar");
    let replies = app.fake.wait_for_bot_messages(group, 1, PATIENCE).await;
    assert_eq!(replies[0].reply_to, Some(posted.message_id));
    assert!(
        replies[0].text.contains("chat pribadi"),
        "{}",
        replies[0].text
    );
    assert_eq!(
        replies[0].buttons,
        vec![(
            "Daftar di chat pribadi".to_owned(),
            format!("https://t.me/{BOT_USERNAME}?start=daftar")
        )]
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM dialogues").await, 0);
    app.finish().await;
}

/// An update whose effects the database refuses every time (here a trigger stands in for
/// whatever could cause that) must not take the updates around it down with it, nor hold
/// up the queue: it is retried a few times, then set aside with its error for an operator.
async fn an_update_the_database_refuses_is_set_aside_and_the_rest_go_through(backend: Backend) {
    let app = spawn_app(backend).await;
    let refuse_racun = match backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER racun BEFORE INSERT ON orders WHEN NEW.order_id = 'RACUN' \
             BEGIN SELECT RAISE(ABORT, 'racun ditolak'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION racun() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.order_id = 'RACUN' THEN RAISE EXCEPTION 'racun ditolak'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER racun BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION racun()",
        ],
    };
    for sql in refuse_racun {
        sqlx::query(sql).execute(app.db.pool()).await.unwrap();
    }
    let group = app.fake.group("Operasional");
    let budi = app.fake.user("Budi", None);
    for text in [
        "/moban #SEHAT-1 #TOPUP #pertama",
        "/moban #RACUN #TOPUP #ditolak basis data",
        "/moban #SEHAT-2 #TOPUP #kedua",
    ] {
        app.fake.send_to_group(group, &budi, text);
    }

    let failed = "SELECT COUNT(*) FROM inbox WHERE status = 'failed' AND attempts = 5 \
                  AND last_error LIKE '%racun ditolak%'";
    assert_eq!(
        app.wait_for_count(failed, 1).await,
        1,
        "set aside after 5 tries"
    );
    sync_point(&app, group, 3).await;
    let orders = app
        .rows("SELECT order_id FROM orders WHERE order_id <> 'SYNC' ORDER BY no")
        .await;
    assert_eq!(
        orders,
        vec![
            vec![Some("SEHAT-1".to_owned())],
            vec![Some("SEHAT-2".to_owned())]
        ]
    );
    let replies: Vec<String> = app
        .fake
        .bot_messages(group)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert!(replies[0].contains("SEHAT-1") && replies[1].contains("SEHAT-2"));
    app.finish().await;
}

/// The processor stores the orders of consecutive `/moban` updates with one statement. A
/// message caught before, or met twice in the same lot, still makes one order, and every
/// stored order gets its first event and a ticket of its own.
async fn orders_stored_together_keep_one_order_per_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let order = |message_id: i32, order_id: &str| NewOrder {
        request: moban::parse(&format!("#{order_id} #TOPUP #keterangan"), 40).unwrap(),
        chat_id: -100_777,
        message_id,
        chat_title: "Grup Uji".into(),
        requester_id: Some(42),
        requester_name: "Siti".into(),
    };
    let mut tx = app.db.begin().await.unwrap();
    let first = orders::create_many(&mut tx, &[order(1, "A")], &Config::default().sla)
        .await
        .unwrap();
    let lot = [order(2, "B"), order(1, "A"), order(2, "B"), order(3, "C")];
    let second = orders::create_many(&mut tx, &lot, &Config::default().sla)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(first[0].is_some());
    let stored: Vec<bool> = second.iter().map(Option::is_some).collect();
    assert_eq!(
        stored,
        [true, false, false, true],
        "B new, A caught before, B again, C new"
    );
    assert_eq!(
        app.rows("SELECT order_id, message_id FROM orders ORDER BY no")
            .await,
        vec![
            vec![Some("A".to_owned()), Some("1".to_owned())],
            vec![Some("B".to_owned()), Some("2".to_owned())],
            vec![Some("C".to_owned()), Some("3".to_owned())],
        ]
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM order_events WHERE from_status IS NULL AND to_status = 'order'"
        )
        .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT ticket_no) FROM orders")
            .await,
        3
    );
    app.finish().await;
}
