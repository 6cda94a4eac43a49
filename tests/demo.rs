//! `tangkap demo` as a newcomer runs it: the binary starts in an empty folder, prints where
//! to go, and the page there tells the whole story (tests/browser/demo.test.mjs: a request,
//! a registration the owner approves with the button in his chat, Pickup and Close in the
//! Mini App, the Tim page). Then the demo database starts fresh on the next start, or is
//! kept with `--keep`, and a second demo in the same folder is refused.

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

use tangkap::db::Db;

/// Starts the demo in `dir` and returns it with the page address it printed.
fn start_demo(dir: &Path, port: u16, keep: bool) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tangkap"));
    command
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if keep {
        command.arg("--keep");
    }
    let mut child = command.spawn().expect("tangkap demo starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("the demo prints its address").unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(2).map(|l| l.unwrap()).collect();
    assert!(
        rest[0].contains("username demo, password tangkap-demo"),
        "{rest:?}"
    );
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

fn stop(mut child: Child) {
    // SIGTERM: the demo shuts down cleanly.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "demo exited with {status}");
}

async fn orders_in(dir: &Path) -> i64 {
    let db = Db::connect(&format!("sqlite://{}/data/demo.db", dir.display()))
        .await
        .unwrap();
    let count = common::count(&db, "SELECT COUNT(*) FROM orders").await;
    db.close().await;
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tells_the_whole_story_offline() {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").exists(),
        "the Node packages are missing: scripts/test installs them"
    );
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    let (demo, url) = start_demo(dir.path(), port, false);
    assert_eq!(url, format!("http://127.0.0.1:{port}/demo"));

    let output = Command::new("node")
        .args(["--test", "--test-reporter=spec", "demo.test.mjs"])
        .current_dir(&browser_dir)
        .env("TANGKAP_DEMO_URL", format!("http://127.0.0.1:{port}"))
        .env(
            "TANGKAP_ARTIFACTS",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/demo"),
        )
        .output()
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    println!("{report}{}", String::from_utf8_lossy(&output.stderr));
    stop(demo);
    assert!(output.status.success(), "demo story failed:\n{report}");
    // Eight seeded orders (six in the first group, two in the second) and the story's one.
    assert_eq!(orders_in(dir.path()).await, 9);

    let (kept, _) = start_demo(dir.path(), port, true);
    stop(kept);
    assert_eq!(
        orders_in(dir.path()).await,
        9,
        "--keep keeps the last run's orders"
    );
    let (fresh, _) = start_demo(dir.path(), port, false);
    stop(fresh);
    assert_eq!(orders_in(dir.path()).await, 8, "a plain start is fresh");
}

/// Runs `tangkap demo` in `dir` expecting it to refuse to start; returns what it said.
fn refused_demo(dir: &Path, port: u16) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_tangkap"))
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("TANGKAP_CONFIG", "/nonexistent/tangkap.toml")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("tangkap demo runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the demo should have refused"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A second demo in the same folder would delete the running one's database: it is refused
/// and names where the first one runs; a port in use is named too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_demo_in_the_same_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let port = tangkap::sim::free_port();
    let (first, url) = start_demo(dir.path(), port, false);
    let orders = orders_in(dir.path()).await;
    assert_eq!(orders, 8);

    let said = refused_demo(dir.path(), tangkap::sim::free_port());
    assert!(said.contains("already running in this folder"), "{said}");
    assert!(said.contains(&url), "names the running demo's page: {said}");
    assert_eq!(
        orders_in(dir.path()).await,
        orders,
        "its database is untouched"
    );
    let health = reqwest::get(url.replace("/demo", "/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the first demo still runs");

    let elsewhere = tempfile::tempdir().unwrap();
    let said = refused_demo(elsewhere.path(), port);
    assert!(
        said.contains(&format!("cannot listen on 127.0.0.1:{port}")) && said.contains("in use"),
        "names the address in use: {said}"
    );

    stop(first);
    let (again, _) = start_demo(dir.path(), port, false);
    stop(again);
}
