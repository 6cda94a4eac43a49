//! The `tangkap` command line as an operator meets it.

mod common;

use std::process::Output;

use common::{count, drop_postgres_database, migrated_before, test_database, Backend};
use tangkap::db::Db;

fn tangkap(args: &[&str], env: &[(&str, &str)]) -> Output {
    common::run_tangkap(args, env)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_every_subcommand() {
    let output = tangkap(&["--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for subcommand in ["run", "migrate", "doctor"] {
        assert!(help.contains(subcommand), "{help}");
    }
}

#[test]
fn run_without_a_token_says_what_is_missing() {
    let output = tangkap(&["run"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("TANGKAP_BOT_TOKEN is not set"),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn a_malformed_token_is_refused_without_being_echoed() {
    let output = tangkap(&["run"], &[("TANGKAP_BOT_TOKEN", "12345:tooShortSecret")]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("TANGKAP_BOT_TOKEN is not valid"),
        "{message}"
    );
    assert!(!message.contains("tooShortSecret"), "{message}");
}

#[test]
fn an_unknown_database_url_is_explained() {
    let output = tangkap(&["migrate"], &[("DATABASE_URL", "mysql://localhost/x")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("sqlite:// or postgres://"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_in_memory_database_is_refused() {
    for url in [
        "sqlite://",
        "sqlite:",
        "sqlite::memory:",
        "sqlite://file.db?mode=memory",
    ] {
        let output = tangkap(&["migrate"], &[("DATABASE_URL", url)]);
        assert_eq!(output.status.code(), Some(1), "{url}");
        assert!(
            stderr(&output).contains("in-memory SQLite database"),
            "{url}: {}",
            stderr(&output)
        );
    }
}

on_both_backends!(migrate_creates_the_schema_and_can_run_again);

async fn migrate_creates_the_schema_and_can_run_again(backend: Backend) {
    let database = test_database(backend).await;
    // A SQLite file in a folder that does not exist yet.
    let url = match backend {
        Backend::Sqlite => database
            .url
            .replace("/tangkap.db", "/nested/folder/tangkap.db"),
        Backend::Postgres => database.url.clone(),
    };
    for _ in 0..2 {
        let output = tangkap(&["migrate"], &[("DATABASE_URL", &url)]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("database is up to date"));
    }
    let db = Db::connect(&url).await.unwrap();
    for table in [
        "users",
        "orders",
        "order_events",
        "inbox",
        "outbox",
        "dialogues",
    ] {
        assert_eq!(
            count(&db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0
        );
    }
    if backend == Backend::Sqlite {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1);
    }
    db.close().await;
    drop_postgres_database(&database.url).await;
}

on_both_backends!(upgrading_keeps_every_account_active_as_staff);

/// A database made before accounts had states and roles that mattered (migrations up to
/// `0005`), with accounts in it, upgraded by `tangkap migrate`: every account is still
/// there and may still work, as staff.
async fn upgrading_keeps_every_account_active_as_staff(backend: Backend) {
    let database = test_database(backend).await;
    let db = migrated_before(backend, &database.url, "0006", 5).await;
    // As the registration of that time wrote them: no role given, no state to give.
    sqlx::query(
        "INSERT INTO users (name, username, telegram_id, telegram_username, password_hash, created_at) \
         VALUES ('Sari Lama', 'sari', 5001, 'sari_ops', 'x', 1), ('Tono Lama', 'tono', 5002, NULL, 'x', 2)",
    )
    .execute(db.writer())
    .await
    .unwrap();
    db.close().await;

    let output = tangkap(&["migrate"], &[("DATABASE_URL", &database.url)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = tangkap(&["user", "list"], &[("DATABASE_URL", &database.url)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let list = String::from_utf8_lossy(&output.stdout);
    for username in ["sari", "tono"] {
        let row: Vec<&str> = list
            .lines()
            .find(|l| l.starts_with(username))
            .unwrap_or_else(|| panic!("{username} missing: {list}"))
            .split_whitespace()
            .collect();
        assert_eq!(
            row[row.len() - 3..row.len() - 1],
            ["staff", "active"],
            "{list}"
        );
    }
    // And the README's way to name the first owner works on it.
    let output = tangkap(
        &["user", "role", "sari", "owner"],
        &[("DATABASE_URL", &database.url)],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    drop_postgres_database(&database.url).await;
}

on_both_backends!(upgrading_keeps_each_confirmed_link_with_its_booking);

/// A database from before bookings named their web requests (migrations up to `0016`,
/// where the request named its booking), upgraded by `tangkap migrate`: the booking now
/// names the request its link held, the unopened request is still waiting, and a new
/// request is numbered after every earlier one, even one already forgotten.
async fn upgrading_keeps_each_confirmed_link_with_its_booking(backend: Backend) {
    let database = test_database(backend).await;
    let db = migrated_before(backend, &database.url, "0017", 16).await;
    for statement in [
        // Numbered 1, 1 and 1 to 3 by the database, as on any fresh one.
        "INSERT INTO room_types (name, name_key, rooms, updated_at) VALUES ('Deluxe', 'deluxe', 2, 1)",
        "INSERT INTO bookings (receipt, status, via, guest_name, email, room_type_id, \
         check_in, nights, hold_until, created_at) \
         VALUES ('RESI-1', 'pending', 'web', 'Ayu', 'ayu@tamu.example', 1, 20000, 1, 5, 1)",
        "INSERT INTO booking_requests (token_hash, guest_name, email, room_type_id, check_in, \
         nights, client, created_at, booking_id) VALUES \
         ('h1', 'Ayu', 'ayu@tamu.example', 1, 20000, 1, '10.0.0.1', 1, 1), \
         ('h2', 'Rani', 'rani@tamu.example', 1, 20000, 1, '10.0.0.2', 1, NULL), \
         ('h3', 'Dewi', 'dewi@tamu.example', 1, 20000, 1, '10.0.0.3', 1, NULL)",
        "DELETE FROM booking_requests WHERE id = 3",
    ] {
        sqlx::query(statement).execute(db.writer()).await.unwrap();
    }
    db.close().await;

    let output = tangkap(&["migrate"], &[("DATABASE_URL", &database.url)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let db = Db::connect(&database.url).await.unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT request_id FROM bookings WHERE receipt = 'RESI-1'"
        )
        .await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM booking_requests").await, 2);
    let next: i64 = sqlx::query_scalar(
        "INSERT INTO booking_requests (token_hash, guest_name, email, room_type_id, check_in, \
         nights, created_at) VALUES ('h4', 'Sari', 'sari@tamu.example', 1, 20000, 1, 2) \
         RETURNING id",
    )
    .fetch_one(db.writer())
    .await
    .unwrap();
    assert_eq!(next, 4);
    db.close().await;
    drop_postgres_database(&database.url).await;
}

/// A command against a PostgreSQL server that is not there fails at once, naming the
/// server and the reason, rather than after 30 silent seconds with "pool timed out".
#[test]
fn an_unreachable_postgres_is_named_at_once() {
    let port = tangkap::sim::free_port();
    let started = std::time::Instant::now();
    let output = tangkap(
        &["user", "list"],
        &[(
            "DATABASE_URL",
            &format!("postgres://tangkap:rahasia-db@127.0.0.1:{port}/tangkap"),
        )],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let said = stderr(&output);
    assert!(
        said.contains(&format!(
            "cannot reach PostgreSQL at 127.0.0.1:{port}, database tangkap"
        )) && said.contains("refused"),
        "{said}"
    );
    assert!(
        !said.contains("rahasia-db"),
        "the password stays out: {said}"
    );
}

/// A SQLite database from before the search index filled after commit (migrations up to
/// `0019`, whose trigger indexed each ticket as it was stored), upgraded by `tangkap
/// migrate`: its tickets count as indexed and are found once; a ticket stored after is
/// indexed by `catch_up`; a ticket removed or rewritten before the index took it in
/// leaves the index whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_sqlite_keeps_earlier_tickets_in_the_search_index() {
    let database = test_database(Backend::Sqlite).await;
    let db = migrated_before(Backend::Sqlite, &database.url, "0020", 19).await;
    let insert = |n: i64| {
        format!(
            "INSERT INTO orders (order_id, transaksi, keterangan, ticket_no, status, chat_id, \
             message_id, requester_id, requester_name, created_at, order_key, search_text) \
             VALUES ('LAMA-{n}', 'TOPUP', 'ket', 'TKT{n}', 'order', -10, {n}, 1, 'Siti', 1, \
             'lama-{n}', 'lama-{n}' || char(10) || 'tkt{n}')"
        )
    };
    for n in [1, 2] {
        sqlx::query(&insert(n)).execute(db.writer()).await.unwrap();
    }
    db.close().await;

    let output = tangkap(&["migrate"], &[("DATABASE_URL", &database.url)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let db = Db::connect(&database.url).await.unwrap();
    let matching = |text: &str| {
        format!("SELECT COUNT(*) FROM orders_search WHERE orders_search MATCH '\"{text}\"'")
    };
    assert_eq!(count(&db, &matching("lama")).await, 2, "indexed before");
    assert_eq!(
        count(&db, "SELECT through FROM orders_search_through").await,
        2
    );
    assert_eq!(tangkap::orders::search::catch_up(&db).await.unwrap(), 0);

    // Stored now: in the index only once it catches up.
    sqlx::query(&insert(3)).execute(db.writer()).await.unwrap();
    assert_eq!(count(&db, &matching("lama-3")).await, 0);
    assert_eq!(tangkap::orders::search::catch_up(&db).await.unwrap(), 1);
    assert_eq!(count(&db, &matching("lama")).await, 3, "each once");
    // Its first event written by the insert itself (migration 0021).
    let events = "SELECT COUNT(*) FROM order_events e JOIN orders o ON o.no = e.order_no \
                  WHERE o.order_id = 'LAMA-3' AND e.from_status IS NULL AND e.to_status = 'order' \
                  AND e.actor_telegram_id = 1 AND e.at = 1";
    assert_eq!(count(&db, events).await, 1);

    // Rewritten and removed: the indexed one is kept in step, the one not yet indexed
    // leaves no trace, and the index stays whole.
    sqlx::query(&insert(4)).execute(db.writer()).await.unwrap();
    for statement in [
        "UPDATE orders SET search_text = 'baru-1' WHERE order_id = 'LAMA-1'",
        "UPDATE orders SET search_text = 'baru-4' WHERE order_id = 'LAMA-4'",
        "DELETE FROM order_events WHERE order_no IN \
         (SELECT no FROM orders WHERE order_id = 'LAMA-4')",
        "DELETE FROM orders WHERE order_id = 'LAMA-4'",
        "DELETE FROM orders WHERE order_id = 'LAMA-2'",
        "INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)",
    ] {
        sqlx::query(statement).execute(db.writer()).await.unwrap();
    }
    assert_eq!(tangkap::orders::search::catch_up(&db).await.unwrap(), 0);
    assert_eq!(count(&db, &matching("lama")).await, 1, "LAMA-3 alone");
    assert_eq!(count(&db, &matching("baru-1")).await, 1);
    assert_eq!(count(&db, &matching("baru-4")).await, 0);
    db.close().await;
}
