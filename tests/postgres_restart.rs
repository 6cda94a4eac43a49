//! PostgreSQL restarted in the middle of a load: Tangkap recovers by itself, and every
//! request is still answered exactly once. Restarts the local server (as `scripts/test`
//! runs it); kept in a test binary of its own, which nextest runs alone
//! (`.config/nextest.toml`), so no other test sees the restart.

mod common;

use std::{collections::HashMap, process::Command, time::Duration};

use common::{spawn_app, Backend};

fn restart_postgres() {
    let status = Command::new("sh")
        .arg("-c")
        .arg("pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | sort -V | tail -n 1) main restart")
        .status()
        .expect("pg_ctlcluster runs");
    assert!(status.success(), "PostgreSQL restarted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_loses_nothing() {
    let app = spawn_app(Backend::Postgres).await;
    let groups: Vec<i64> = (0..3)
        .map(|i| app.fake.group(&format!("Grup {i}")))
        .collect();
    let user = app.fake.user("Pengirim", None);
    let producer = {
        let (fake, groups, user) = (app.fake.clone(), groups.clone(), user.clone());
        tokio::spawn(async move {
            let mut posted = Vec::new();
            for n in 0..8 {
                for &group in &groups {
                    posted.push((
                        group,
                        fake.send_to_group(group, &user, &format!("/moban #PG-{n} #TRX #restart"))
                            .message_id,
                    ));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            posted
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    tokio::task::spawn_blocking(restart_postgres).await.unwrap();
    let posted = producer.await.unwrap();

    let all = app
        .fake
        .wait_until(Duration::from_secs(120), |fake| {
            groups
                .iter()
                .map(|&g| fake.bot_messages(g).len())
                .sum::<usize>()
                >= posted.len()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(all, "stats: {:?}", app.fake.stats());
    let mut replies: HashMap<(i64, i32), usize> = HashMap::new();
    for &group in &groups {
        for message in app.fake.bot_messages(group) {
            *replies
                .entry((group, message.reply_to.expect("a reply")))
                .or_default() += 1;
        }
    }
    for key in &posted {
        assert_eq!(replies.get(key), Some(&1), "Feedback 1 for {key:?}");
    }
    // The test's own pool reconnects as well.
    let mut orders = 0;
    for _ in 0..50 {
        if let Ok(row) = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM orders")
            .fetch_one(app.db.pool())
            .await
        {
            orders = row;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(orders, posted.len() as i64);
    app.finish().await;
}
