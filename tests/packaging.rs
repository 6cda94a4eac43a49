//! The Debian package and its systemd unit, as an owner installing Tangkap meets them:
//! `systemd-analyze` accepts the unit and rates it hardened, and `cargo deb` builds a
//! package holding the binary, the unit, its user and the settings files, which the
//! packaged binary reads.
//!
//! `cargo deb` runs with `--no-build` on the debug binary the tests were built with
//! (`scripts/test` makes no release build): cargo-deb takes the binary from
//! `<target dir>/release/`, so the test gives it a target directory of its own holding a
//! copy there. cargo-deb comes from `scripts/ensure-deb`, whose output `scripts/test`
//! exports as `TANGKAP_CARGO_DEB`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// The unit as shipped, and the line whose binary `systemd-analyze verify` checks.
const UNIT: &str = "packaging/tangkap.service";
const EXEC_START: &str = "ExecStart=/usr/bin/tangkap run";

/// The largest `TANGKAP_MAX_CONNECTIONS` the server accepts, each connection a descriptor.
const LARGEST_CONNECTION_CAP: u64 = 100_000;

fn source(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?} cannot start: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `unit` as `dir/tangkap.service` and returns what `systemd-analyze verify` says
/// about it: every line naming the unit (an unknown key, a value it cannot parse, a
/// binary that is not there, all printed with exit status 0 but the last), plus the exit
/// status if it is not success.
fn complaints(dir: &Path, unit: &str) -> Vec<String> {
    let path = dir.join("tangkap.service");
    std::fs::write(&path, unit).unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs (Debian's systemd package)");
    let mut complaints: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&output.stdout).lines())
        .filter(|line| line.contains("tangkap.service"))
        .map(str::to_owned)
        .collect();
    if !output.status.success() {
        complaints.push(output.status.to_string());
    }
    complaints
}

/// The unit with its binary at `binary`, which `systemd-analyze` requires to exist.
fn unit_running(binary: &Path) -> String {
    let unit = read(&source(UNIT));
    assert_eq!(
        unit.lines().filter(|line| *line == EXEC_START).count(),
        1,
        "{UNIT} starts the packaged binary with `{EXEC_START}`"
    );
    unit.replace(
        EXEC_START,
        &format!("ExecStart={} run", binary.to_str().unwrap()),
    )
}

#[test]
fn the_unit_passes_systemd_analyze_and_is_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let unit = unit_running(Path::new(env!("CARGO_BIN_EXE_tangkap")));

    assert_eq!(complaints(dir.path(), &unit), Vec::<String>::new());

    // The check sees a mistake: a misspelt value, an unknown key, a missing binary.
    for broken in [
        unit.replace("ProtectSystem=strict", "ProtectSystem=stritc"),
        unit.replace("Restart=on-failure", "Restart=on-failure\nRestrat=always"),
        unit_running(&dir.path().join("no-such-binary")),
    ] {
        assert_ne!(
            complaints(dir.path(), &broken),
            Vec::<String>::new(),
            "{broken}"
        );
    }

    // What the service promises, as `systemd-analyze` would show it.
    std::fs::write(dir.path().join("tangkap.service"), &unit).unwrap();
    for line in [
        "User=tangkap",
        "StateDirectory=tangkap",
        "WorkingDirectory=/var/lib/tangkap",
        "Environment=TANGKAP_CONFIG=/etc/tangkap/tangkap.toml",
        "EnvironmentFile=-/etc/tangkap/tangkap.env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ] {
        assert!(unit.lines().any(|l| l == line), "{UNIT} lacks {line}");
    }
    let files: u64 = unit
        .lines()
        .find_map(|line| line.strip_prefix("LimitNOFILE="))
        .expect("LimitNOFILE is set")
        .parse()
        .unwrap();
    assert!(
        files > LARGEST_CONNECTION_CAP,
        "LimitNOFILE={files} leaves no room for the largest connection cap"
    );
    // systemd's own rating of the sandbox: 0 is locked down, 10 is a bare service (9.6).
    run(Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(dir.path().join("tangkap.service")));
}

#[test]
fn cargo_deb_packages_the_binary_the_unit_and_the_settings() {
    let cargo_deb = std::env::var("TANGKAP_CARGO_DEB").expect(
        "TANGKAP_CARGO_DEB is not set: run `export TANGKAP_CARGO_DEB=$(scripts/ensure-deb)` \
         (scripts/test does), which installs cargo-deb if missing",
    );
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_tangkap"),
        target.join("release/tangkap"),
    )
    .unwrap();
    let deb = dir.path().join("tangkap.deb");
    run(Command::new(&cargo_deb)
        .args(["--manifest-path", source("Cargo.toml").to_str().unwrap()])
        .args(["--no-build", "--strip", "--fast", "--locked", "--quiet"])
        .arg("--output")
        .arg(&deb)
        .env("CARGO_TARGET_DIR", &target));

    // What it installs, with the modes it installs them with.
    let listing = stdout(&run(Command::new("dpkg-deb").arg("--contents").arg(&deb)));
    let mode_of = |path: &str| {
        listing
            .lines()
            .find(|line| line.ends_with(&format!(" .{path}")))
            .and_then(|line| line.split_whitespace().next())
            .unwrap_or_else(|| panic!("{path} is not in the package:\n{listing}"))
    };
    assert_eq!(mode_of("/usr/bin/tangkap"), "-rwxr-xr-x");
    assert_eq!(
        mode_of("/usr/lib/systemd/system/tangkap.service"),
        "-rw-r--r--"
    );
    assert_eq!(mode_of("/usr/lib/sysusers.d/tangkap.conf"), "-rw-r--r--");
    assert_eq!(mode_of("/etc/tangkap/tangkap.toml"), "-rw-r--r--");
    // It will hold the token.
    assert_eq!(mode_of("/etc/tangkap/tangkap.env"), "-rw-------");
    assert_eq!(mode_of("/usr/share/doc/tangkap/README.md"), "-rw-r--r--");

    // The settings files are kept as edited when the package is upgraded.
    let conffiles = stdout(&run(Command::new("dpkg-deb")
        .arg("--info")
        .arg(&deb)
        .arg("conffiles")));
    assert_eq!(
        conffiles.lines().collect::<Vec<_>>(),
        ["/etc/tangkap/tangkap.toml", "/etc/tangkap/tangkap.env"]
    );
    let field = |name: &str| {
        stdout(&run(Command::new("dpkg-deb")
            .arg("--field")
            .arg(&deb)
            .arg(name)))
        .trim()
        .to_owned()
    };
    assert_eq!(field("Package"), "tangkap");
    assert_eq!(field("Section"), "net");
    // systemd-sysusers makes the service's user when the package is configured.
    assert!(field("Depends").contains("systemd"), "{}", field("Depends"));

    // Installing creates the user and starts nothing (the token is not in yet); an upgrade
    // restarts a running service.
    let control = dir.path().join("control");
    run(Command::new("dpkg-deb")
        .arg("--control")
        .arg(&deb)
        .arg(&control));
    let postinst = read(&control.join("postinst"));
    assert!(postinst.contains("systemd-sysusers"), "{postinst}");
    let invocations: Vec<&str> = postinst
        .lines()
        .filter(|line| line.contains("deb-systemd-invoke"))
        .collect();
    assert!(!invocations.is_empty(), "{postinst}");
    assert!(
        invocations.iter().all(|line| line.contains("try-restart")),
        "{postinst}"
    );

    // The files are the project's, and the packaged binary reads the packaged settings.
    let root = dir.path().join("root");
    run(Command::new("dpkg-deb")
        .arg("--extract")
        .arg(&deb)
        .arg(&root));
    assert_eq!(
        read(&root.join("usr/lib/systemd/system/tangkap.service")),
        read(&source(UNIT))
    );
    assert_eq!(
        read(&root.join("usr/lib/sysusers.d/tangkap.conf")),
        read(&source("packaging/tangkap.sysusers"))
    );
    assert_eq!(
        read(&root.join("etc/tangkap/tangkap.toml")),
        read(&source("config/tangkap.example.toml"))
    );
    let migrated = stdout(&run(Command::new(root.join("usr/bin/tangkap"))
        .arg("migrate")
        .env_clear()
        .env("TANGKAP_CONFIG", root.join("etc/tangkap/tangkap.toml"))
        .current_dir(dir.path())));
    assert!(migrated.contains("database is up to date"), "{migrated}");
    assert!(dir.path().join("data/tangkap.db").exists());

    // Every variable the example environment file names is one Tangkap reads.
    let known: Vec<&str> = tangkap::config::SETTINGS
        .iter()
        .map(|(_, name, _)| *name)
        .collect();
    let env = read(&root.join("etc/tangkap/tangkap.env"));
    let named: Vec<&str> = env
        .lines()
        .map(|line| line.trim_start_matches('#'))
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .filter(|name| !name.contains(' '))
        .collect();
    assert!(named.contains(&"TANGKAP_BOT_TOKEN"), "{env}");
    for name in named {
        assert!(known.contains(&name), "{name} in tangkap.env is no setting");
    }
}
