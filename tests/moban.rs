//! `/moban` in groups, through real HTTP between Tangkap and the fake Telegram.

mod common;

use std::time::Duration;

use common::{
    call, log_in, place_order, register_account, register_staff, reply_to, spawn_app,
    spawn_app_with, ticket_in, Backend, TestApp, BOT_USERNAME, PATIENCE, TOKEN,
};
use reqwest::{header, StatusCode};
use tangkap::{
    db::Db,
    orders::{
        self,
        board::{self, BoardQuery, Filters},
        moban,
        photos::PHOTO_MAX_BYTES,
        search, DuplicateOrderId, NewOrder, Status, Stored, TICKET_ALPHABET, TICKET_LENGTH,
    },
    settings::Config,
    sim::Fault,
    users::{access::Scope, AccountState, Role},
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
    an_update_the_database_refuses_through_the_webhook_is_set_aside_too,
    orders_stored_together_keep_one_order_per_message,
    moban_as_the_caption_of_an_image_makes_a_ticket_with_its_photo,
    a_tickets_photo_is_fetched_once_kept_and_shown_only_to_who_may_see_the_ticket,
    photos_that_cannot_be_shown_get_a_clear_answer,
    a_second_moban_for_an_open_order_id_points_to_the_open_ticket,
    allow_makes_a_ticket_for_every_moban,
    twins_stored_at_the_same_moment_make_one_ticket,
    a_ticket_is_found_before_and_after_the_search_index_takes_it_in,
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
                == [
                    "start",
                    "daftar",
                    "password",
                    "pengingat",
                    "batal",
                    "cek",
                    "rekap",
                    "bahasa",
                ]
                && fake.commands("all_group_chats") == ["moban", "cek"]
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
    refused_update_is_set_aside(&app, backend).await;
    app.finish().await;
}

/// Through the webhook, the batch that holds it cannot be processed as it is stored: it
/// is stored for the processor, and the updates behind it wait until it is set aside.
async fn an_update_the_database_refuses_through_the_webhook_is_set_aside_too(backend: Backend) {
    let app = spawn_app_with(backend, common::by_webhook).await;
    refused_update_is_set_aside(&app, backend).await;
    assert_eq!(app.fake.stats().calls.get("getupdates"), None);
    assert!(app.fake.webhook_statuses().contains(&200));
    app.finish().await;
}

async fn refused_update_is_set_aside(app: &TestApp, backend: Backend) {
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
    sync_point(app, group, 3).await;
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
}

/// The processor stores the orders of consecutive `/moban` updates with one statement. A
/// message caught before, or met twice in the same lot, still makes one order, and every
/// stored order gets its first event and a ticket of its own.
async fn orders_stored_together_keep_one_order_per_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let order = |message_id: i32, order_id: &str| new_order(-100_777, message_id, order_id);
    let mut tx = app.db.begin().await.unwrap();
    let sla = Config::default().sla;
    let first = orders::create_many(&mut tx, &[order(1, "A")], &sla, DuplicateOrderId::Link)
        .await
        .unwrap();
    let lot = [order(2, "B"), order(1, "A"), order(2, "B"), order(3, "C")];
    let second = orders::create_many(&mut tx, &lot, &sla, DuplicateOrderId::Link)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(matches!(first[0], Stored::Created(_)));
    let stored: Vec<&str> = second
        .iter()
        .map(|stored| match stored {
            Stored::Created(_) => "created",
            Stored::CaughtBefore => "caught before",
            Stored::Linked(_) => "linked",
        })
        .collect();
    assert_eq!(
        stored,
        ["created", "caught before", "caught before", "created"],
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

/// A request as the bot reads it from message `message_id` of group `chat_id`.
fn new_order(chat_id: i64, message_id: i32, order_id: &str) -> NewOrder {
    NewOrder {
        request: moban::parse(&format!("#{order_id} #TOPUP #keterangan"), 40).unwrap(),
        chat_id,
        message_id,
        thread_id: None,
        chat_title: "Grup Uji".into(),
        requester_id: Some(42),
        requester_name: "Siti".into(),
        photo: None,
    }
}

/// `len` bytes that are a JPEG by their first bytes, different for each `seed`.
fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01".to_vec();
    bytes.extend((0..len.saturating_sub(14)).map(|i| (i as u8).wrapping_mul(31) ^ seed));
    bytes.extend(b"\xFF\xD9");
    bytes
}

/// A small PNG by its first bytes.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    bytes.extend((0..3000u32).map(|i| (i % 251) as u8));
    bytes
}

async fn moban_as_the_caption_of_an_image_makes_a_ticket_with_its_photo(backend: Backend) {
    let app = spawn_app(backend).await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", Some("siti"));
    let (photo_post, photo) = app.fake.send_photo(
        group,
        &siti,
        &jpeg(5000, 1),
        Some(&format!(
            "/moban@{BOT_USERNAME} #FOTO-1 #TOPUP #bukti transfer terlampir"
        )),
    );
    let (document_post, document) = app.fake.send_document(
        group,
        &siti,
        &png(),
        "layar.png",
        "image/png",
        Some("/moban #DOK-1 #RETUR #tangkapan layar"),
    );
    // None of these is a request: no caption, a caption without /moban, /moban under a
    // file that is not an image, /moban meant for another bot.
    app.fake.send_photo(group, &siti, &jpeg(800, 2), None);
    app.fake
        .send_photo(group, &siti, &jpeg(800, 3), Some("lihat foto ini #A #B #C"));
    app.fake.send_document(
        group,
        &siti,
        b"%PDF-1.7\n",
        "faktur.pdf",
        "application/pdf",
        Some("/moban #PDF-1 #TRX #faktur"),
    );
    app.fake.send_photo(
        group,
        &siti,
        &jpeg(800, 4),
        Some("/moban@another_bot #LAIN #TRX #bukan untuk kita"),
    );
    // A malformed one gets the format, as in a text.
    let (malformed, _) = app
        .fake
        .send_photo(group, &siti, &jpeg(800, 5), Some("/moban #FOTO-2"));
    sync_point(&app, group, 4).await;

    let replies = app.fake.bot_messages(group);
    assert_eq!(replies[2].reply_to, Some(malformed.message_id));
    assert!(
        replies[2].text.contains("TRANSAKSI belum diisi"),
        "{}",
        replies[2].text
    );
    for (reply, (posted, order_id)) in replies
        .iter()
        .zip([(photo_post, "FOTO-1 TOPUP"), (document_post, "DOK-1 RETUR")])
    {
        assert_eq!(reply.reply_to, Some(posted.message_id));
        assert!(
            reply.text.starts_with(&format!(
                "Permintaan Anda {order_id} sudah kami proses dengan no tiket "
            )),
            "{}",
            reply.text
        );
    }
    let rows = app
        .rows(
            "SELECT order_id, keterangan, photo_file_id, photo_file_unique_id FROM orders \
             ORDER BY no",
        )
        .await;
    assert_eq!(
        rows,
        vec![
            vec![
                Some("FOTO-1".into()),
                Some("bukti transfer terlampir".into()),
                Some(photo.file_id),
                Some(photo.file_unique_id),
            ],
            vec![
                Some("DOK-1".into()),
                Some("tangkapan layar".into()),
                Some(document.file_id),
                Some(document.file_unique_id),
            ],
            vec![Some("SYNC".into()), Some("penanda".into()), None, None],
        ]
    );
    app.finish().await;
}

/// Every header and body the server answered, to check the bot token is in none.
#[derive(Default)]
struct Answers(Vec<String>);

impl Answers {
    /// GETs `path` of the API with `session`; the status, headers and body.
    async fn get(
        &mut self,
        app: &TestApp,
        path: &str,
        session: &str,
    ) -> (StatusCode, header::HeaderMap, Vec<u8>) {
        let response = reqwest::Client::new()
            .get(format!("{}/api{path}", app.http_url()))
            .header("X-Session-Token", session)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        self.0.push(format!("{headers:?}"));
        self.0.push(String::from_utf8_lossy(&body).into_owned());
        (status, headers, body)
    }

    /// GETs `path` and returns the status and the JSON answer.
    async fn json(
        &mut self,
        app: &TestApp,
        path: &str,
        session: &str,
    ) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = self.get(app, path, session).await;
        (status, serde_json::from_slice(&body).unwrap_or_default())
    }

    fn assert_token_absent(&self) {
        let secret = TOKEN.split_once(':').unwrap().1;
        for answer in &self.0 {
            assert!(!answer.contains(secret), "the token leaked: {answer}");
        }
    }
}

/// The order number of `ticket`.
async fn order_no(app: &TestApp, ticket: &str) -> i64 {
    app.count(&format!(
        "SELECT no FROM orders WHERE ticket_no = '{ticket}'"
    ))
    .await
}

async fn a_tickets_photo_is_fetched_once_kept_and_shown_only_to_who_may_see_the_ticket(
    backend: Backend,
) {
    // On SQLite photos are kept where they are by default, beside the database file.
    let folder = tempfile::tempdir().unwrap();
    let mut app = spawn_app_with(backend, |config| {
        if backend == Backend::Postgres {
            config.photo_dir = Some(folder.path().to_path_buf());
        }
    })
    .await;
    let photo_dir = app.config.photo_dir();
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &budi, "budi", "rahasia-budi").await;
    let outsider = app.fake.user("Sam", None);
    register_account(
        &app,
        &outsider,
        "sam",
        "rahasia-sam",
        Role::Staff,
        AccountState::Active,
    )
    .await;
    let admin = log_in(&app, "budi", "rahasia-budi").await;
    let sam = log_in(&app, "sam", "rahasia-sam").await;

    let image = jpeg(200_000, 7);
    app.fake
        .send_photo(group, &siti, &image, Some("/moban #FOTO-7 #TOPUP #bukti"));
    app.fake.send_document(
        group,
        &siti,
        &png(),
        "layar.png",
        "image/png",
        Some("/moban #DOK-7 #RETUR #layar"),
    );
    app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    let text_ticket = place_order(&app, group, &siti, "/moban #TEKS-7 #TRX #tanpa foto").await;
    let tickets: Vec<String> = app
        .rows("SELECT ticket_no FROM orders ORDER BY no")
        .await
        .into_iter()
        .map(|row| row[0].clone().unwrap())
        .collect();
    let (photo_no, document_no, text_no) = (
        order_no(&app, &tickets[0]).await,
        order_no(&app, &tickets[1]).await,
        order_no(&app, &text_ticket).await,
    );
    let mut answers = Answers::default();

    let (_, page) = answers
        .json(&app, "/orders?status=order&sort=oldest", &admin)
        .await;
    let has_photo: Vec<bool> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|order| order["has_photo"].as_bool().unwrap())
        .collect();
    assert_eq!(has_photo, [true, true, false]);

    let photo_path = format!("/orders/{photo_no}/photo");
    let (status, headers, body) = answers.get(&app, &photo_path, &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == image, "the bytes Telegram holds, not a thumbnail");
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(headers[header::CACHE_CONTROL], "private");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let fetched = |app: &TestApp| {
        let stats = app.fake.stats();
        (
            stats.calls.get("getfile").copied().unwrap_or(0),
            stats.files_downloaded,
        )
    };
    assert_eq!(fetched(&app), (1, 1));
    let (status, _, again) = answers.get(&app, &photo_path, &admin).await;
    assert_eq!((status, again == image), (StatusCode::OK, true));
    assert_eq!(fetched(&app), (1, 1), "the second time from the disk");
    assert_eq!(std::fs::read_dir(&photo_dir).unwrap().count(), 1);

    // Two at once, while Telegram is slow to answer: one fetch.
    app.fake
        .inject(Some("getFile"), 1, Fault::Delay(Duration::from_millis(300)));
    let document_path = format!("/orders/{document_no}/photo");
    let mut twins = Answers::default();
    let mut other = Answers::default();
    let (first, second) = tokio::join!(
        twins.get(&app, &document_path, &admin),
        other.get(&app, &document_path, &admin)
    );
    for (status, headers, body) in [first, second] {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert!(body == png());
    }
    answers.0.extend(twins.0.into_iter().chain(other.0));
    assert_eq!(fetched(&app), (2, 2));

    // Someone who may not see the ticket meets what a missing ticket answers.
    let (status, hidden) = answers.json(&app, &photo_path, &sam).await;
    let (missing_status, missing) = answers.json(&app, "/orders/999999/photo", &sam).await;
    assert_eq!((status, &hidden), (missing_status, &missing));
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hidden["error"], "not_found");
    let (status, body) = answers
        .json(&app, &format!("/orders/{text_no}/photo"), &admin)
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_photo"))
    );
    let (status, _, _) = answers.get(&app, &photo_path, "not-a-session").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Kept across a restart.
    app.restart().await;
    let (status, _, body) = answers.get(&app, &photo_path, &admin).await;
    assert_eq!((status, body == image), (StatusCode::OK, true));
    assert_eq!(
        fetched(&app),
        (2, 2),
        "served from the disk after a restart"
    );
    answers.assert_token_absent();
    app.finish().await;
}

async fn photos_that_cannot_be_shown_get_a_clear_answer(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let app = spawn_app_with(backend, |config| {
        config.photo_dir = Some(folder.path().join("foto"));
    })
    .await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", None);
    register_staff(&app, &budi, "budi", "rahasia-budi").await;
    let admin = log_in(&app, "budi", "rahasia-budi").await;
    let over_cap = jpeg(PHOTO_MAX_BYTES as usize + 1, 9);
    app.fake
        .send_photo(group, &siti, &over_cap, Some("/moban #BESAR-1 #TRX #besar"));
    let (_, big_unsized) = app.fake.send_photo(
        group,
        &siti,
        &over_cap,
        Some("/moban #BESAR-2 #TRX #tanpa ukuran"),
    );
    app.fake.hide_file_size(&big_unsized);
    app.fake.send_document(
        group,
        &siti,
        b"<html><script>alert(1)</script></html>",
        "foto.jpg",
        "image/jpeg",
        Some("/moban #PALSU-1 #TRX #bukan gambar"),
    );
    let (_, lost) = app.fake.send_photo(
        group,
        &siti,
        &jpeg(900, 5),
        Some("/moban #HILANG-1 #TRX #hilang"),
    );
    app.fake.lose_file(&lost);
    app.fake.send_photo(
        group,
        &siti,
        &jpeg(900, 6),
        Some("/moban #SIBUK-1 #TRX #sibuk"),
    );
    sync_point(&app, group, 6).await;
    let no = |order_id: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT no FROM orders WHERE order_id = '{order_id}'"
            ))
            .await
        }
    };
    let mut answers = Answers::default();
    let downloads_before = app.fake.stats().files_downloaded;
    let cases = [
        (
            "BESAR-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_too_large",
        ),
        (
            "BESAR-2",
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_too_large",
        ),
        (
            "PALSU-1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_unsupported",
        ),
        ("HILANG-1", StatusCode::GONE, "photo_gone"),
    ];
    for (order_id, status, error) in cases {
        let (got, body) = answers
            .json(
                &app,
                &format!("/orders/{}/photo", no(order_id).await),
                &admin,
            )
            .await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{order_id}: {body}"
        );
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        app.fake.stats().files_downloaded - downloads_before,
        2,
        "the one announced too large by getFile is not downloaded"
    );
    let busy = format!("/orders/{}/photo", no("SIBUK-1").await);
    app.fake.inject(Some("getFile"), 1, Fault::RetryAfter(7));
    let (status, headers, body) = answers.get(&app, &busy, &admin).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("telegram_busy"))
    );
    assert_eq!(headers[header::RETRY_AFTER], "7");
    app.fake.inject(Some("getFile"), 1, Fault::Status(500));
    let (status, body) = answers.json(&app, &busy, &admin).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("telegram_unavailable"))
    );
    let (status, _, _) = answers.get(&app, &busy, &admin).await;
    assert_eq!(status, StatusCode::OK, "once Telegram answers again");
    let kept = std::fs::read_dir(folder.path().join("foto"))
        .unwrap()
        .count();
    assert_eq!(kept, 1, "only the image served is kept");
    answers.assert_token_absent();
    app.finish().await;
}

/// Presses Pickup or Close (`step`) on order `no` in the Mini App.
async fn press(app: &TestApp, session: &str, no: i64, step: &str) {
    let path = format!("/orders/{no}/{step}");
    let (status, body) = call(app, "POST", &path, Some(session), None).await;
    assert_eq!(status, StatusCode::OK, "{step}: {body}");
}

async fn a_second_moban_for_an_open_order_id_points_to_the_open_ticket(backend: Backend) {
    const LINK: &str = "https://t.me/tangkap_bot/app";
    let app = spawn_app_with(backend, |config| {
        config.miniapp_link = Some(LINK.into());
    })
    .await;
    let group = app.fake.group("Operasional");
    let other_group = app.fake.group("Gudang");
    let siti = app.fake.user("Siti", None);
    let budi = app.fake.user("Budi", Some("budi"));
    register_staff(&app, &budi, "budi", "rahasia-budi").await;
    let session = log_in(&app, "budi", "rahasia-budi").await;

    let ticket = place_order(&app, group, &siti, "/moban #INV-9 #TOPUP #pertama").await;
    let linked = reply_to(
        &app,
        group,
        &siti,
        "/moban #  inv-9 #REFUND #kedua, huruf kecil",
    )
    .await;
    assert_eq!(
        linked.text,
        format!(
            "Order_ID INV-9 sudah tercatat di tiket {ticket} yang masih terbuka (status ORDER, \
             menunggu di-pickup). Tiket baru tidak dibuat; silakan pantau tiket tersebut."
        )
    );
    assert_eq!(
        linked.buttons,
        vec![("Buka tiket".to_owned(), format!("{LINK}?startapp={ticket}"))]
    );
    // The same Order_ID under a photo is pointed there too, and keeps no photo.
    app.fake.send_photo(
        group,
        &siti,
        &jpeg(900, 1),
        Some("/moban #INV-9 #TOPUP #dengan foto"),
    );
    app.fake.wait_for_bot_messages(group, 3, PATIENCE).await;
    assert!(app.fake.bot_messages(group)[2].text.contains(&ticket));

    let no = order_no(&app, &ticket).await;
    press(&app, &session, no, "pickup").await;
    app.fake.wait_for_bot_messages(group, 4, PATIENCE).await; // Feedback 2
    let linked = reply_to(&app, group, &siti, "/moban #INV-9 #TOPUP #ketiga").await;
    assert!(
        linked.text.contains(&format!(
            "tiket {ticket} yang masih terbuka (status PICK UP, ditangani oleh Budi (@budi))"
        )),
        "{}",
        linked.text
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM order_events").await, 2);

    // Another group's identical Order_ID is its own.
    let elsewhere = place_order(&app, other_group, &siti, "/moban #INV-9 #TOPUP #grup lain").await;
    assert_ne!(elsewhere, ticket);

    // Once closed, the Order_ID may be used again.
    press(&app, &session, no, "close").await;
    app.fake.wait_for_bot_messages(group, 6, PATIENCE).await; // Feedback 3
    let again = reply_to(
        &app,
        group,
        &siti,
        "/moban #INV-9 #TOPUP #lagi setelah selesai",
    )
    .await;
    let new_ticket = ticket_in(&again.text);
    assert_ne!(new_ticket, ticket);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE order_id = 'INV-9'")
            .await,
        3
    );

    // The first ticket reopened while the new one is open: both are open, and the next
    // request is pointed to the older.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/orders/{no}/reopen"),
        Some(&session),
        Some(serde_json::json!({ "reason": "belum beres" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.fake.wait_for_bot_messages(group, 8, PATIENCE).await; // the reopen
    let linked = reply_to(&app, group, &siti, "/moban #INV-9 #TOPUP #keempat").await;
    assert!(
        linked
            .text
            .contains(&format!("tiket {ticket} yang masih terbuka")),
        "{}",
        linked.text
    );
    // Each pointer is on the ticket's timeline, with its delivery.
    let (_, detail) = call(&app, "GET", &format!("/orders/{no}"), Some(&session), None).await;
    let linked_events = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["message"] == "linked")
        .count();
    assert_eq!(linked_events, 4, "{detail}");
    assert_eq!(detail["has_photo"], false);
    app.finish().await;
}

async fn allow_makes_a_ticket_for_every_moban(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.duplicate_order_id = DuplicateOrderId::Allow;
    })
    .await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    let first = place_order(&app, group, &siti, "/moban #INV-5 #TOPUP #pertama").await;
    let second = place_order(&app, group, &siti, "/moban #inv-5 #TOPUP #kedua").await;
    assert_ne!(first, second);
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 2);
    app.finish().await;
}

/// Two requests with one Order_ID stored at the same moment make one ticket: twice in one
/// lot (one inbox batch), in two transactions at once (two instances on one database),
/// and twice in a row through Telegram.
async fn twins_stored_at_the_same_moment_make_one_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let sla = Config::default().sla;
    let mut tx = app.db.begin().await.unwrap();
    let lot = [
        new_order(-1005, 1, "KEMBAR-1"),
        new_order(-1005, 2, " kembar-1 "),
    ];
    let stored = orders::create_many(&mut tx, &lot, &sla, DuplicateOrderId::Link)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (Stored::Created(created), Stored::Linked(linked)) = (&stored[0], &stored[1]) else {
        panic!("{stored:?}");
    };
    assert_eq!(linked.ticket_no, created.ticket.as_str());

    // Another instance stores its twin while the first transaction is still open: it
    // waits for it, and is then pointed to its ticket.
    let mut first = app.db.begin().await.unwrap();
    let stored = orders::create_many(
        &mut first,
        &[new_order(-1005, 3, "KEMBAR-2")],
        &sla,
        DuplicateOrderId::Link,
    )
    .await
    .unwrap();
    let Stored::Created(created) = &stored[0] else {
        panic!("{stored:?}");
    };
    let other_instance = Db::connect(&app.database.url).await.unwrap();
    let twin = tokio::spawn(async move {
        let mut second = other_instance.begin().await.unwrap();
        let stored = orders::create_many(
            &mut second,
            &[new_order(-1005, 4, "Kembar-2")],
            &Config::default().sla,
            DuplicateOrderId::Link,
        )
        .await
        .unwrap();
        second.commit().await.unwrap();
        other_instance.close().await;
        stored
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !twin.is_finished(),
        "the twin waits for the first transaction"
    );
    first.commit().await.unwrap();
    let stored = twin.await.unwrap();
    let Stored::Linked(linked) = &stored[0] else {
        panic!("{stored:?}");
    };
    assert_eq!(linked.ticket_no, created.ticket.as_str());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE chat_id = -1005")
            .await,
        2
    );

    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    app.fake
        .send_to_group(group, &siti, "/moban #KEMBAR-3 #TOPUP #sekali");
    app.fake
        .send_to_group(group, &siti, "/moban #KEMBAR-3 #TOPUP #sekali");
    let replies = app.fake.wait_for_bot_messages(group, 2, PATIENCE).await;
    assert!(
        replies[0].text.starts_with("Permintaan Anda KEMBAR-3"),
        "{}",
        replies[0].text
    );
    assert!(
        replies[1]
            .text
            .starts_with("Order_ID KEMBAR-3 sudah tercatat"),
        "{}",
        replies[1].text
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM orders WHERE chat_id = {group}"
        ))
        .await,
        1
    );
    app.finish().await;
}

/// A ticket is found by search from the moment it is stored: before the search index takes
/// it in (on SQLite that happens after the commit that stored it, a lot at a time) and
/// after, once.
async fn a_ticket_is_found_before_and_after_the_search_index_takes_it_in(backend: Backend) {
    let mut app = spawn_app(backend).await;
    // Without the processor nothing else fills the index meanwhile.
    app.stop().await;
    let mut tx = app.db.begin().await.unwrap();
    let lot = [
        new_order(-1_300, 1, "CARI-ÉNAM"),
        new_order(-1_300, 2, "LAIN-7"),
    ];
    orders::create_many(
        &mut tx,
        &lot,
        &Config::default().sla,
        DuplicateOrderId::Link,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let found = |text: &str| {
        let query = BoardQuery {
            status: Status::Order,
            filters: Filters {
                search: text.into(),
                ..Filters::default()
            },
            sort: board::Sort::Newest,
            late_at: None,
            after: None,
            limit: 50,
        };
        let db = app.db.clone();
        async move {
            let page = board::list(&db, Scope::Everything, &query).await.unwrap();
            page.into_iter().map(|o| o.order_id).collect::<Vec<_>>()
        }
    };
    let sqlite = backend == Backend::Sqlite;
    let in_index = "SELECT COUNT(*) FROM orders_search WHERE orders_search MATCH '\"ari-ena\"'";
    if sqlite {
        assert_eq!(app.count(in_index).await, 0, "not in the index yet");
    }
    assert_eq!(found("ari-éna").await, ["CARI-ÉNAM"]);
    assert_eq!(found("ain-7").await, ["LAIN-7"]);
    assert!(found("tidak-ada").await.is_empty());

    assert_eq!(
        search::catch_up(&app.db).await.unwrap(),
        if sqlite { 2 } else { 0 },
        "SQLite's index takes both in one lot; PostgreSQL's keeps up by itself"
    );
    if sqlite {
        assert_eq!(app.count(in_index).await, 1, "in the index now");
        assert_eq!(
            app.count("SELECT through FROM orders_search_through").await,
            app.count("SELECT MAX(no) FROM orders").await
        );
    }
    assert_eq!(found("ari-éna").await, ["CARI-ÉNAM"], "found once");
    assert_eq!(found("CARI").await, ["CARI-ÉNAM"]);
    assert_eq!(search::catch_up(&app.db).await.unwrap(), 0, "nothing left");
    app.finish().await;
}

/// On SQLite the processor leaves tickets out of the search index while updates keep
/// coming, and takes them in once they stop: through the webhook, where each batch is
/// processed as it is stored, as by polling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_takes_tickets_in_once_updates_stop() {
    for intake in [|_: &mut Config| {}, common::by_webhook] {
        let app = spawn_app_with(Backend::Sqlite, intake).await;
        let group = app.fake.group("Operasional");
        let budi = app.fake.user("Budi", None);
        for n in 0..3 {
            app.fake
                .send_to_group(group, &budi, &format!("/moban #INDEKS-{n} #TOPUP #cari"));
        }
        app.fake.wait_for_bot_messages(group, 3, PATIENCE).await;
        let indexed = "SELECT COUNT(*) FROM orders_search WHERE orders_search MATCH '\"indeks\"'";
        assert_eq!(app.wait_for_count(indexed, 3).await, 3);
        assert_eq!(
            app.count("SELECT through FROM orders_search_through").await,
            app.count("SELECT MAX(no) FROM orders").await
        );
        app.finish().await;
    }
}
