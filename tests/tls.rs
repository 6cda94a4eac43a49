//! HTTPS served by Tangkap itself: a certificate obtained and renewed from Pebble, Let's
//! Encrypt's ACME test server (Debian's package, `scripts/ensure-pebble`), which validates
//! by TLS-ALPN-01 on Tangkap's own HTTPS port; certificate files read again when they are
//! replaced; and the server's caps, which hold over TLS as over plain HTTP. Everything on
//! the loopback, the certificates made here.
//!
//! Pebble validates `localhost` by connecting where the system resolver sends it (the
//! first address `/etc/hosts` gives, 127.0.0.1), on the `tlsPort` of its configuration,
//! where Tangkap's HTTPS listens; nothing makes Pebble take a challenge as valid unseen.

mod common;

use std::{
    io::Read,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use common::{spawn_app_with, test_config, Backend, TestApp, PATIENCE};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::{
    crypto::ring,
    pki_types::{CertificateDer, ServerName},
    ClientConfig, RootCertStore,
};
use tangkap::{
    app,
    sim::{free_port, FakeTelegram},
    web::{
        server::ServerLimits,
        tls::{AcmeSettings, CertificateSource, TlsSettings},
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{client::TlsStream, TlsConnector};

/// A certificate authority of the test's own.
struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A certificate `TestCa` issued: its PEM, its key's PEM, and the certificate itself.
struct Issued {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
}

impl TestCa {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Tangkap test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        Self { cert, key }
    }

    fn root(&self) -> CertificateDer<'static> {
        self.cert.der().clone()
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A server certificate for `names` (a name or an IP address each).
    fn issue(&self, names: &[&str]) -> Issued {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
        }
    }
}

/// What an HTTPS client got: the certificate the server showed, and the whole answer.
struct Fetched {
    served: CertificateDer<'static>,
    answer: String,
}

impl Fetched {
    fn status(&self) -> Option<u16> {
        self.answer.split(' ').nth(1)?.parse().ok()
    }
}

/// A TLS client trusting `root` alone, speaking HTTP/1.1.
fn client_trusting(root: &CertificateDer<'static>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// Opens a TLS connection to `address` as `name`, checking the server's certificate
/// against `root`.
async fn connect(
    address: SocketAddr,
    name: &str,
    root: &CertificateDer<'static>,
) -> Result<TlsStream<TcpStream>, String> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(name.to_owned()).unwrap();
    client_trusting(root)
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())
}

/// Asks for `path` over a connection and reads the answer to its end.
async fn ask(mut tls: TlsStream<TcpStream>, path: &str) -> Fetched {
    let served = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    // What arrived counts, however the connection ended.
    let _ = tls.read_to_end(&mut answer).await;
    Fetched {
        served,
        answer: String::from_utf8_lossy(&answer).into_owned(),
    }
}

/// `GET path` over HTTPS at `address`, as `localhost`, trusting `root` alone.
async fn fetch(
    address: SocketAddr,
    root: &CertificateDer<'static>,
    path: &str,
) -> Result<Fetched, String> {
    Ok(ask(connect(address, "localhost", root).await?, path).await)
}

/// Fetches `/` until `wanted` says the answer is the one waited for (at most `patience`);
/// returns it.
async fn fetch_until(
    address: SocketAddr,
    root: &CertificateDer<'static>,
    patience: Duration,
    wanted: impl Fn(&Fetched) -> bool,
) -> Fetched {
    let deadline = Instant::now() + patience;
    loop {
        let last = match fetch(address, root, "/").await {
            Ok(fetched) if wanted(&fetched) => return fetched,
            Ok(fetched) => format!("{:?}", fetched.answer.lines().next()),
            Err(e) => e,
        };
        assert!(
            Instant::now() < deadline,
            "not served as wanted within {patience:?}; last: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The Mini App's page, answered in full.
fn is_the_mini_app(fetched: &Fetched) -> bool {
    fetched.status() == Some(200) && fetched.answer.contains("<title>Tangkap</title>")
}

/// Pebble on the loopback with a configuration of its own: its API and management
/// endpoint on free ports with a certificate from a [`TestCa`], TLS-ALPN-01 validations
/// sent to `tls_port`, certificates valid `validity`.
struct Pebble {
    child: Child,
    ca: TestCa,
    directory: String,
    management: u16,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Pebble {
    async fn start(tls_port: u16, validity: Duration) -> Self {
        let binary = std::env::var("TANGKAP_PEBBLE").expect(
            "TANGKAP_PEBBLE is not set: scripts/test installs Pebble with scripts/ensure-pebble",
        );
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new();
        let own = ca.issue(&["localhost", "127.0.0.1"]);
        std::fs::write(dir.path().join("cert.pem"), &own.cert_pem).unwrap();
        std::fs::write(dir.path().join("key.pem"), &own.key_pem).unwrap();
        let (api, management) = (free_port(), free_port());
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{api}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": dir.path().join("cert.pem"),
                "privateKey": dir.path().join("key.pem"),
                "httpPort": free_port(),
                "tlsPort": tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                "certificateValidityPeriod": validity.as_secs(),
            }
        });
        let config_file = dir.path().join("pebble-config.json");
        std::fs::write(&config_file, config.to_string()).unwrap();
        let log = dir.path().join("pebble.log");
        let output = std::fs::File::create(&log).unwrap();
        let child = Command::new(binary)
            .arg("-config")
            .arg(&config_file)
            // No random pauses before validating, no nonce refused on purpose, and an
            // order validated again rather than reusing an earlier authorization (but for
            // 1 in 100, which Pebble reuses anyway).
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(Stdio::from(output.try_clone().unwrap()))
            .stderr(Stdio::from(output))
            .spawn()
            .expect("pebble starts");
        let pebble = Pebble {
            child,
            ca,
            directory: format!("https://127.0.0.1:{api}/dir"),
            management,
            log,
            dir,
        };
        let deadline = Instant::now() + PATIENCE;
        while pebble.root_pem().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "Pebble did not start: {}",
                pebble.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pebble
    }

    /// The root Pebble issues under, made anew at each start (its management endpoint's
    /// `/roots/0`).
    async fn root_pem(&self) -> Result<String, reqwest::Error> {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(self.ca.pem().as_bytes())?)
            .build()?;
        client
            .get(format!("https://127.0.0.1:{}/roots/0", self.management))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    }

    async fn root(&self) -> CertificateDer<'static> {
        let pem = self.root_pem().await.unwrap();
        rustls::pki_types::pem::PemObject::from_pem_slice(pem.as_bytes()).unwrap()
    }

    /// The file holding the root Pebble's API is served under, for
    /// `TANGKAP_ACME_DIRECTORY_CA`.
    fn api_root_file(&self) -> PathBuf {
        let path = self.dir.path().join("api-root.pem");
        std::fs::write(&path, self.ca.pem()).unwrap();
        path
    }

    fn log(&self) -> String {
        let mut text = String::new();
        std::fs::File::open(&self.log)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// HTTPS on `port` with certificate files at `cert` and `key`.
fn files_on(port: u16, cert: &Path, key: &Path) -> TlsSettings {
    TlsSettings {
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        certificate: Some(CertificateSource::Files {
            cert: cert.to_owned(),
            key: key.to_owned(),
        }),
    }
}

/// Puts `content` at `path` as a renewal does: written beside it, then renamed into place.
fn replace(path: &Path, content: &str) {
    let new = path.with_extension("new");
    std::fs::write(&new, content).unwrap();
    std::fs::rename(&new, path).unwrap();
}

fn https_addr(app: &TestApp) -> SocketAddr {
    app.running
        .as_ref()
        .unwrap()
        .https_addr
        .expect("HTTPS is served")
}

/// With `TANGKAP_TLS=acme`, Tangkap gets a certificate for the public URL's host from the
/// ACME CA, proving the domain by TLS-ALPN-01 on its own HTTPS port, and serves the Mini
/// App with it; when a third of its life is left it is renewed, and the new one is served
/// without a restart. The account and the certificate are kept in a folder only Tangkap's
/// user may open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acme_obtains_a_certificate_serves_it_and_renews_it() {
    const VALIDITY: Duration = Duration::from_secs(10);
    let port = free_port();
    let pebble = Pebble::start(port, VALIDITY).await;
    let cache = tempfile::tempdir().unwrap();
    let acme_cache = cache.path().join("acme");
    let directory_ca = pebble.api_root_file();
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.public_url = Some(format!("https://localhost:{port}"));
        config.tls = TlsSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            certificate: Some(CertificateSource::Acme(AcmeSettings {
                domain: "localhost".into(),
                email: "pemilik@tangkap.test".into(),
                directory: pebble.directory.clone(),
                cache: Some(acme_cache.clone()),
                directory_ca: Some(directory_ca),
            })),
        };
    })
    .await;
    let root = pebble.root().await;
    let address = https_addr(&app);
    let started = Instant::now();

    let first = fetch_until(address, &root, PATIENCE, is_the_mini_app).await;
    let obtained = started.elapsed();
    let validated = pebble
        .log()
        .matches("set VALID by completed challenge")
        .count();
    assert!(
        validated >= 1,
        "Pebble validated the domain: {}",
        pebble.log()
    );

    let renewed = fetch_until(address, &root, VALIDITY + PATIENCE, |fetched| {
        fetched.served != first.served
    })
    .await;
    assert!(is_the_mini_app(&renewed), "{}", renewed.answer);
    // The renewal is validated again too, but for the one time in a hundred Pebble reuses
    // the authorization whatever PEBBLE_AUTHZREUSE says; so it is printed, not asserted.
    let log = pebble.log();
    assert!(!log.contains("VA always returns valid"), "{log}");
    println!(
        "ACME: first certificate served {obtained:.1?} after the start, the renewed one \
         {:.1?} after the start; Pebble validated {validated} challenge(s) for the first, \
         {} in all",
        started.elapsed(),
        log.matches("set VALID by completed challenge").count()
    );

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&acme_cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "the cache is Tangkap's user's alone");
    let cached: Vec<String> = std::fs::read_dir(&acme_cache)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        cached
            .iter()
            .any(|name| name.starts_with("cached_account_"))
            && cached.iter().any(|name| name.starts_with("cached_cert_")),
        "{cached:?}"
    );
    app.finish().await;
}

/// With `TANGKAP_TLS_CERT` / `TANGKAP_TLS_KEY`, the files' certificate is served; files
/// replaced are served from the next connection on, without a restart; a certificate
/// replaced before its key is not served with the old key (the previous pair stays until
/// the new key arrives). The plain address keeps serving beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_files_are_served_and_read_again_when_replaced() {
    let ca = TestCa::new();
    let root = ca.root();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (
        dir.path().join("fullchain.pem"),
        dir.path().join("privkey.pem"),
    );
    let first = ca.issue(&["localhost"]);
    std::fs::write(&cert, &first.cert_pem).unwrap();
    std::fs::write(&key, &first.key_pem).unwrap();
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.tls = files_on(free_port(), &cert, &key);
    })
    .await;
    let address = https_addr(&app);

    let fetched = fetch(address, &root, "/").await.unwrap();
    assert_eq!(fetched.served, first.der);
    assert!(is_the_mini_app(&fetched), "{}", fetched.answer);
    let plain = reqwest::get(format!("{}/healthz", app.http_url()))
        .await
        .unwrap();
    assert_eq!(plain.status(), 200, "plain HTTP is still served");

    let second = ca.issue(&["localhost"]);
    replace(&cert, &second.cert_pem);
    replace(&key, &second.key_pem);
    let replaced = Instant::now();
    let fetched = fetch_until(address, &root, PATIENCE, |f| f.served == second.der).await;
    assert!(is_the_mini_app(&fetched), "{}", fetched.answer);
    println!(
        "files: the replaced pair served {:.1?} after the replacement",
        replaced.elapsed()
    );

    // The certificate first, its key a while later.
    let third = ca.issue(&["localhost"]);
    replace(&cert, &third.cert_pem);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let meanwhile = fetch(address, &root, "/").await.unwrap();
    assert_eq!(
        meanwhile.served, second.der,
        "a certificate without its key is not taken"
    );
    assert!(is_the_mini_app(&meanwhile), "{}", meanwhile.answer);
    replace(&key, &third.key_pem);
    fetch_until(address, &root, PATIENCE, |f| {
        f.served == third.der && is_the_mini_app(f)
    })
    .await;
    app.finish().await;
}

/// A certificate file that cannot be used stops the start, naming it.
#[tokio::test]
async fn a_missing_or_unusable_certificate_file_stops_the_start() {
    let fake = FakeTelegram::start(common::TOKEN, common::BOT_USERNAME)
        .await
        .unwrap();
    let database = common::test_database(Backend::Sqlite).await;
    let ca = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let one = ca.issue(&["localhost"]);
    let other = ca.issue(&["localhost"]);
    std::fs::write(&cert, &one.cert_pem).unwrap();
    for (key_pem, named) in [
        (None, "key.pem"),
        (Some("not a key"), "key.pem"),
        (Some(other.key_pem.as_str()), "cannot be used with"),
    ] {
        if let Some(pem) = key_pem {
            std::fs::write(&key, pem).unwrap();
        }
        let mut config = test_config(&fake, &database.url);
        config.tls = files_on(free_port(), &cert, &key);
        let error = app::start(config).await.err().expect("refused").to_string();
        assert!(
            error.starts_with("cannot serve HTTPS") && error.contains(named),
            "{error}"
        );
    }
}

/// Over TLS as over plain HTTP: a connection that never finishes its handshake is closed
/// at the header timeout, and one over the per-client cap is answered `503 busy`, over TLS,
/// rather than closed unanswered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_connections_are_held_to_the_header_timeout_and_the_caps() {
    const TIMEOUT: Duration = Duration::from_secs(1);
    let ca = TestCa::new();
    let root = ca.root();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let issued = ca.issue(&["localhost"]);
    std::fs::write(&cert, &issued.cert_pem).unwrap();
    std::fs::write(&key, &issued.key_pem).unwrap();
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.tls = files_on(free_port(), &cert, &key);
        config.http = ServerLimits {
            header_timeout: TIMEOUT,
            max_connections_per_client: 2,
            ..ServerLimits::default()
        };
    })
    .await;
    let address = https_addr(&app);

    // Silent, and a handshake left half-way (the first bytes of a ClientHello).
    for sent in [&b""[..], &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01][..]] {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(sent).await.unwrap();
        let opened = Instant::now();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(TIMEOUT * 3, stream.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "still open after {:?}", opened.elapsed());
        assert!(
            opened.elapsed() >= TIMEOUT - Duration::from_millis(100),
            "closed early: {:?}",
            opened.elapsed()
        );
        println!(
            "{} bytes of a handshake sent: closed {:.2?} after",
            sent.len(),
            opened.elapsed()
        );
    }

    // The closed connections have left the count.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let held = [
        connect(address, "localhost", &root).await.unwrap(),
        connect(address, "localhost", &root).await.unwrap(),
    ];
    let refused = fetch(address, &root, "/healthz")
        .await
        .expect("the handshake of a refused connection completes");
    assert_eq!(refused.status(), Some(503), "{}", refused.answer);
    assert!(refused.answer.contains("busy"), "{}", refused.answer);
    drop(held);
    fetch_until(address, &root, PATIENCE, is_the_mini_app).await;
    app.finish().await;
}
