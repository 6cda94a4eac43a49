//! Scheduled backups (`TANGKAP_BACKUP_*`) on both backends: taken on time, read back whole,
//! encrypted to the owner's age key, copied to a real S3-compatible server (moto) and pruned
//! to the number kept, here and there; then the database destroyed and restored whole from
//! the off-site copy by `tangkap restore`. A backup taken while orders pour in holds exactly
//! what had committed; a failing one is told to the owners at once and its recovery once.

mod common;

use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use age::secrecy::ExposeSecret;
use common::{place_order, run_tangkap, say, spawn_app_with, Backend, S3Server, TestApp, PATIENCE};
use tangkap::{
    ops::{
        backups::{BackupSettings, S3Target},
        disk::Floor,
    },
    settings::{AlertRules, Config},
};

on_both_backends!(
    scheduled_backups_are_checked_encrypted_kept_off_site_and_restore_whole,
    a_backup_taken_while_orders_pour_in_holds_what_had_committed,
    a_failing_backup_is_told_at_once_and_its_recovery_once,
    an_unreachable_off_site_store_is_told_and_the_copy_here_kept,
);

/// The rows a restore must bring back: every ticket, account and booking.
const KEPT: [&str; 3] = [
    "SELECT * FROM orders ORDER BY no",
    "SELECT * FROM users ORDER BY id",
    "SELECT * FROM bookings ORDER BY id",
];

async fn kept_rows(db: &tangkap::db::Db) -> Vec<Vec<Vec<Option<String>>>> {
    let mut all = Vec::new();
    for sql in KEPT {
        all.push(common::rows(db, sql).await);
    }
    all
}

/// Owners hear quickly here: the monitor looks every 100 ms and no disk counts as low.
fn quick_alerts(config: &mut Config) {
    config.alerts = AlertRules {
        check_every: Duration::from_millis(100),
        failing_for: Duration::from_secs(1),
        disk: Floor {
            bytes: 0,
            percent: 0,
        },
        ..AlertRules::default()
    };
}

/// The messages in `chat` whose text starts with `start`, oldest first.
fn told(app: &TestApp, chat: i64, start: &str) -> Vec<String> {
    app.fake
        .bot_messages(chat)
        .into_iter()
        .map(|m| m.text)
        .filter(|text| text.starts_with(start))
        .collect()
}

/// Waits for a message in `chat` starting with `start`; returns the first.
async fn wait_for_told(app: &TestApp, chat: i64, start: &str) -> String {
    let arrived = app
        .fake
        .wait_until(PATIENCE, |fake| {
            fake.bot_messages(chat)
                .iter()
                .any(|m| m.text.starts_with(start))
        })
        .await;
    assert!(arrived, "no {start:?} in {:?}", app.fake.bot_messages(chat));
    told(app, chat, start).remove(0)
}

/// Restarts `app` with its alerts going to an owners' group, made once the fake Telegram
/// is there; returns the group.
async fn with_owners(app: &mut TestApp) -> i64 {
    let owners = app.fake.group("Pemilik");
    app.config.alert_chat = Some(owners);
    app.restart().await;
    owners
}

/// The file names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Destroys the database: the SQLite file and its log removed, the PostgreSQL database
/// dropped and made again empty.
async fn destroy(app: &TestApp, backend: Backend) {
    app.db.close().await;
    match backend {
        Backend::Sqlite => {
            let file = tangkap::db::backup::sqlite_path(&app.database.url).unwrap();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
            assert!(!file.exists());
        }
        Backend::Postgres => {
            common::drop_postgres_database(&app.database.url).await;
            let name = app.database.url.rsplit_once('/').unwrap().1;
            let mut admin =
                <sqlx::PgConnection as sqlx::Connection>::connect(&common::postgres_admin_url())
                    .await
                    .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

fn said(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn scheduled_backups_are_checked_encrypted_kept_off_site_and_restore_whole(backend: Backend) {
    let s3 = S3Server::start("tangkap-backups").await;
    let folder = tempfile::tempdir().unwrap();
    let backups = folder.path().join("backups");
    let identity = age::x25519::Identity::generate();
    let key_file = folder.path().join("owner.key");
    std::fs::write(&key_file, identity.to_string().expose_secret()).unwrap();
    let fo_chat = tangkap::sim::FIRST_GROUP_ID;
    let app = spawn_app_with(backend, |config| {
        config.booking = Some(common::deluxe_hotel(fo_chat));
        config.backups = BackupSettings {
            every: Some(Duration::from_secs(1)),
            dir: Some(backups.clone()),
            keep: 2,
            s3: Some(s3.target("hotel/main")),
            age_recipient: Some(identity.to_public().to_string()),
        };
    })
    .await;
    assert_eq!(app.fake.group("FO Hotel Melati"), fo_chat);
    let owner = app.fake.user("Pak Hadi", None);

    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    for n in 0..3 {
        place_order(
            &app,
            group,
            &siti,
            &format!("/moban #BK-{n} #TOPUP #cadangan {n}"),
        )
        .await;
    }
    common::register_staff(&app, &owner, "hadi", "sandi-hadi-1").await;
    let guest = app.fake.user("Ahmad", None);
    for text in ["/booking", "Ahmad", "besok", "1"] {
        say(&app, &guest, text).await;
    }
    let held = say(&app, &guest, "Deluxe").await;
    assert!(held.text.contains("RESI-"), "{}", held.text);
    assert_eq!(
        app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'", 0)
            .await,
        0
    );
    let written = common::unix_now() * 1000;
    // Two backups begun after the last write: the two kept hold everything.
    let after = format!("SELECT COUNT(*) FROM backups WHERE taken_at > {written}");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while app.count(&after).await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no two backups within {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut app = app;
    app.stop().await;
    let original = kept_rows(&app.db).await;
    assert_eq!(
        original.iter().map(Vec::len).collect::<Vec<_>>(),
        [3, 1, 1],
        "three tickets, one account, one booking"
    );

    // Kept: two here, encrypted, and the same two off-site.
    let here = names_in(&backups);
    assert_eq!(here.len(), 2, "{here:?}");
    let ending = match backend {
        Backend::Sqlite => ".db.age",
        Backend::Postgres => ".dump.age",
    };
    assert!(
        here.iter()
            .all(|n| n.starts_with("tangkap-") && n.ends_with(ending)),
        "{here:?}"
    );
    let there = s3.objects("hotel/main").await;
    assert_eq!(
        there.iter().map(|(key, _)| key.clone()).collect::<Vec<_>>(),
        here.iter()
            .map(|n| format!("hotel/main/{n}"))
            .collect::<Vec<_>>()
    );
    // They hold password hashes and sessions: the owner's alone, in a folder of its own.
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&backups), 0o700);
    for name in &here {
        assert_eq!(mode(&backups.join(name)), 0o600, "{name}");
    }
    for ((_, bytes), name) in there.iter().zip(&here) {
        assert_eq!(bytes, &std::fs::read(backups.join(name)).unwrap(), "{name}");
        assert!(
            bytes.starts_with(b"age-encryption.org/v1"),
            "{name} is encrypted"
        );
    }
    let recorded = app.count("SELECT COUNT(*) FROM backups WHERE copied_to LIKE 's3://tangkap-backups/hotel/main/tangkap-%'").await;
    assert!(
        recorded >= 3,
        "{recorded} backups recorded with their off-site copy"
    );

    // Checked: unreadable without the key, whole with it.
    let newest = backups.join(here.last().unwrap());
    let refused = run_tangkap(&["backup", "verify", newest.to_str().unwrap()], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(said(&refused).contains("--identity"), "{}", said(&refused));
    let verified = run_tangkap(
        &[
            "backup",
            "verify",
            newest.to_str().unwrap(),
            "--identity",
            key_file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(verified.status.success(), "{}", said(&verified));
    assert!(
        said(&verified).contains("3 tickets, 1 account, 1 booking"),
        "{}",
        said(&verified)
    );

    // The database destroyed, then restored from the newest off-site copy.
    destroy(&app, backend).await;
    let fetched = folder.path().join("from-s3.age");
    std::fs::write(&fetched, &there.last().unwrap().1).unwrap();
    let env = [("DATABASE_URL", app.database.url.as_str())];
    let restored = run_tangkap(
        &[
            "restore",
            fetched.to_str().unwrap(),
            "--identity",
            key_file.to_str().unwrap(),
        ],
        &env,
    );
    assert!(restored.status.success(), "{}", said(&restored));
    let db = tangkap::db::Db::connect(&app.database.url).await.unwrap();
    assert_eq!(kept_rows(&db).await, original);
    db.close().await;
    app.db = tangkap::db::Db::connect(&app.database.url).await.unwrap();
    app.finish().await;
}

async fn a_backup_taken_while_orders_pour_in_holds_what_had_committed(backend: Backend) {
    let app = spawn_app_with(backend, |config| {
        config.backups.every = None;
    })
    .await;
    let group = app.fake.group("Operasional");
    let siti = app.fake.user("Siti", None);
    place_order(&app, group, &siti, "/moban #FIRST #TOPUP #sebelum").await;
    // Requests posted every few milliseconds, each stored as an order as it comes: the
    // group's Feedback 1 waits its turn in the outbox meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (fake, stop) = (app.fake.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Acquire) {
                fake.send_to_group(group, &siti, &format!("/moban #RUN-{n} #TOPUP #selama"));
                n += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            n
        })
    };
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while app.count("SELECT COUNT(*) FROM orders").await < 20 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "orders are being stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = app.count("SELECT COUNT(*) FROM orders").await;
    let folder = tempfile::tempdir().unwrap();
    let copy = folder.path().join(match backend {
        Backend::Sqlite => "copy.db",
        Backend::Postgres => "copy.dump",
    });
    let env = [("DATABASE_URL", app.database.url.as_str())];
    let made = {
        let (copy, url) = (copy.clone(), app.database.url.clone());
        tokio::task::spawn_blocking(move || {
            run_tangkap(
                &["backup", copy.to_str().unwrap()],
                &[("DATABASE_URL", &url)],
            )
        })
        .await
        .unwrap()
    };
    let after = app.count("SELECT COUNT(*) FROM orders").await;
    stop.store(true, Ordering::Release);
    writer.await.unwrap();
    assert!(made.status.success(), "{}", said(&made));
    assert!(
        after > before,
        "orders were stored while the backup was taken: {before} → {after}"
    );

    // It holds what had committed when it began, and no half of anything after.
    let verified = run_tangkap(&["backup", "verify", copy.to_str().unwrap()], &[]);
    assert!(verified.status.success(), "{}", said(&verified));
    let held: i64 = said(&verified)
        .split(" tickets")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of tickets in {}", said(&verified)));
    assert!(
        (before..=after).contains(&held),
        "{before} ≤ {held} ≤ {after}"
    );
    println!("orders: {before} when the backup began, {held} in it, {after} when it was done");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM backups").await,
        1,
        "recorded once"
    );

    // Refused: the same file again, and a damaged copy.
    let again = run_tangkap(&["backup", copy.to_str().unwrap()], &env);
    assert_eq!(again.status.code(), Some(1));
    assert!(said(&again).contains("exists already"), "{}", said(&again));
    let damaged = folder.path().join("damaged");
    let bytes = std::fs::read(&copy).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let refused = run_tangkap(&["backup", "verify", damaged.to_str().unwrap()], &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", said(&refused));
    assert!(
        said(&refused).contains("not a Tangkap backup"),
        "{}",
        said(&refused)
    );

    // Restored into a new database: exactly the tickets it held.
    let restored_db = common::test_database(backend).await;
    let restored = run_tangkap(
        &["restore", copy.to_str().unwrap()],
        &[("DATABASE_URL", restored_db.url.as_str())],
    );
    assert!(restored.status.success(), "{}", said(&restored));
    let db = tangkap::db::Db::connect(&restored_db.url).await.unwrap();
    assert_eq!(
        common::count(&db, "SELECT COUNT(*) FROM orders").await,
        held
    );
    let tickets = common::count(&db, "SELECT COUNT(DISTINCT ticket_no) FROM orders").await;
    assert_eq!(tickets, held, "every ticket whole, none twice");
    db.close().await;
    if backend == Backend::Postgres {
        common::drop_postgres_database(&restored_db.url).await;
    }
    app.finish().await;
}

async fn a_failing_backup_is_told_at_once_and_its_recovery_once(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    // A folder that cannot be made: a file stands where it would be.
    let blocked = folder.path().join("not-a-folder");
    std::fs::write(&blocked, b"a file").unwrap();
    let mut app = spawn_app_with(backend, |config| {
        quick_alerts(config);
        config.backups.every = Some(Duration::from_secs(1));
        config.backups.dir = Some(blocked.join("backups"));
    })
    .await;
    let owners = with_owners(&mut app).await;
    let alert = wait_for_told(&app, owners, "🔴").await;
    assert!(alert.contains("Cadangan gagal"), "{alert}");
    assert!(alert.contains("not-a-folder"), "names what failed: {alert}");
    assert!(
        alert.contains("TANGKAP_BACKUP_DIR"),
        "says what to do: {alert}"
    );
    let failures =
        "SELECT COUNT(*) FROM alerts WHERE problem = 'backup_failed' AND ended_at IS NULL";
    assert_eq!(app.count(failures).await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM backups").await, 0);

    // The folder fixed: the next backup counts, the owners hear "pulih" once and the
    // day's "backup done" once, however many backups follow.
    app.config.backups.dir = Some(folder.path().join("backups"));
    app.restart().await;
    let recovered = wait_for_told(&app, owners, "✅").await;
    assert!(recovered.contains("Pulih"), "{recovered}");
    let three = "SELECT COUNT(*) FROM backups";
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while app.count(three).await < 3 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "backups go on every second"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for_told(&app, owners, "💾").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(told(&app, owners, "🔴").len(), 1, "told once");
    assert_eq!(told(&app, owners, "✅").len(), 1, "recovered once");
    let done = told(&app, owners, "💾");
    assert_eq!(done.len(), 1, "one line a day: {done:?}");
    assert!(
        done[0].contains("Cadangan") && done[0].contains("diperiksa utuh"),
        "{}",
        done[0]
    );
    let kept = names_in(&folder.path().join("backups")).len();
    assert!((3..=7).contains(&kept), "{kept} kept of the default 7");
    app.finish().await;
}

async fn an_unreachable_off_site_store_is_told_and_the_copy_here_kept(backend: Backend) {
    let folder = tempfile::tempdir().unwrap();
    let backups = folder.path().join("backups");
    // Nothing listens there.
    let closed = tangkap::sim::free_port();
    let mut app = spawn_app_with(backend, |config| {
        quick_alerts(config);
        config.backups = BackupSettings {
            every: Some(Duration::from_secs(1)),
            dir: Some(backups.clone()),
            keep: 7,
            s3: Some(S3Target {
                bucket: "tangkap-backups".into(),
                prefix: String::new(),
                region: "us-east-1".into(),
                endpoint: Some(format!("http://127.0.0.1:{closed}")),
                access_key: Some("tangkap-test".into()),
                secret_key: Some(tangkap::config::Secret::new("tangkap-test-secret")),
            }),
            age_recipient: None,
        };
    })
    .await;
    let owners = with_owners(&mut app).await;
    let alert = wait_for_told(&app, owners, "🔴").await;
    assert!(
        alert.contains("Cadangan gagal") && alert.contains("off-site"),
        "{alert}"
    );
    assert!(
        alert.contains("TANGKAP_BACKUP_S3_URL"),
        "says what to do: {alert}"
    );
    // The copy here was sound, and is kept and counted.
    let kept = app
        .count("SELECT COUNT(*) FROM backups WHERE copied_to IS NULL")
        .await;
    assert!(kept >= 1, "{kept} backups kept here");
    assert!(!names_in(&backups).is_empty());
    app.finish().await;
}
