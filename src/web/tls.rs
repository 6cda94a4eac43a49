//! HTTPS without a proxy: Tangkap speaks TLS itself on `TANGKAP_TLS_LISTEN` (443), with a
//! certificate from files or from an ACME CA such as Let's Encrypt.
//!
//! The TLS connections go through the one accept loop of `web::server`, as a
//! [`Transport`]: the same caps per client and in all, the same idle connections closed
//! first, the same `503 busy` to whoever is refused. rustls-acme's own `Incoming` stream
//! would do every handshake inside the one stream it hands back, with no time limit and
//! before anything could count the connection; here each handshake is done in its
//! connection's own task, under the header timeout, after the connection was admitted.
//!
//! - **Files** (`TANGKAP_TLS_CERT`, `TANGKAP_TLS_KEY`): read at start (a bad pair stops the
//!   start), then looked at every second and read again when either changed (its size,
//!   time or inode: certbot's renewal swaps a symlink). A pair that reads and matches
//!   becomes the certificate of the next handshake: the resolver's pointer is swapped
//!   under a lock, the TLS configuration and the open connections stay as they are, so
//!   nothing restarts. A pair that does not (a key written after its certificate, a file
//!   half-written) is logged and the previous certificate kept until the files change
//!   again.
//! - **ACME** (`TANGKAP_TLS=acme`): rustls-acme speaks the protocol for the public URL's
//!   host. Its state is a stream which, polled by [`CertificateKeeper::keep`], loads the
//!   cached certificate, orders one when there is none, renews it when a third of its life
//!   is left (30 days before a Let's Encrypt certificate runs out) and backs off after a
//!   failure. The CA proves the domain by TLS-ALPN-01 on the HTTPS port itself: a
//!   connection whose hello asks for `acme-tls/1` alone is the CA validating, and is
//!   answered with the challenge's certificate and closed. The account key and the
//!   certificate are cached in `TANGKAP_ACME_CACHE` (`acme` beside the database), a folder
//!   only Tangkap's user may open, so a restart neither orders again nor makes a new
//!   account (Let's Encrypt limits both).

use std::{
    fmt, io,
    net::{IpAddr, SocketAddr},
    os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, RwLock},
    time::{Duration, SystemTime},
};

use futures_util::StreamExt;
use rustls::{
    crypto::{ring, CryptoProvider},
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::{Acceptor, ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
    ClientConfig, RootCertStore, ServerConfig,
};
use rustls_acme::{caches::DirCache, AcmeConfig, AcmeState, EventOk};
use tokio::net::TcpStream;
use tokio_rustls::{server::TlsStream, LazyConfigAcceptor};
use tokio_util::sync::CancellationToken;

use super::server::Transport;
use crate::config::{Invalid, Settings};

/// Let's Encrypt's production directory, where certificates come from unless
/// `TANGKAP_ACME_DIRECTORY` says otherwise.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// How often the certificate files are looked at for a change.
const FILES_LOOKED_AT_EVERY: Duration = Duration::from_secs(1);

/// Where HTTPS is served, and with what certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// `TANGKAP_TLS_LISTEN`.
    pub listen: SocketAddr,
    /// `None`: no HTTPS (the default).
    pub certificate: Option<CertificateSource>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 443)),
            certificate: None,
        }
    }
}

/// Where the certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateSource {
    /// PEM files: the chain (the server's certificate first) and its private key.
    Files { cert: PathBuf, key: PathBuf },
    /// An ACME CA, by TLS-ALPN-01.
    Acme(AcmeSettings),
}

/// How the certificate is obtained by ACME.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcmeSettings {
    /// The public URL's host, the certificate's one name.
    pub domain: String,
    /// `TANGKAP_ACME_EMAIL`: the account's contact, told of problems by the CA.
    pub email: String,
    /// `TANGKAP_ACME_DIRECTORY`.
    pub directory: String,
    /// `TANGKAP_ACME_CACHE`; `None`: `acme` beside the database (`Config::acme_cache`).
    pub cache: Option<PathBuf>,
    /// `TANGKAP_ACME_DIRECTORY_CA`: a PEM file of the root(s) the directory's own https is
    /// checked against, for a private CA (step-ca, Pebble); `None`: the public roots.
    pub directory_ca: Option<PathBuf>,
}

/// The settings as written (`tls`, `tls_listen`, `tls_cert`, `tls_key`, `acme_email`,
/// `acme_directory`, `acme_cache`, `acme_directory_ca`; and `public_url`, whose host ACME
/// obtains the certificate for).
#[derive(Debug, serde::Deserialize)]
pub struct TlsWritten {
    tls: Option<String>,
    tls_listen: Option<String>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    acme_email: Option<String>,
    acme_directory: Option<String>,
    acme_cache: Option<String>,
    acme_directory_ca: Option<String>,
    public_url: Option<String>,
}

impl Settings for TlsSettings {
    type Written = TlsWritten;

    fn check(written: TlsWritten) -> Result<Self, Invalid> {
        let text =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let path = |value: Option<String>| text(value).map(PathBuf::from);
        let (cert, key) = (path(written.tls_cert), path(written.tls_key));
        let mode = text(written.tls).map(|mode| mode.to_ascii_lowercase());
        let certificate =
            match mode.as_deref() {
                Some("off") => None,
                None if cert.is_none() && key.is_none() => None,
                None | Some("files") => Some(match (cert, key) {
                    (Some(cert), Some(key)) => CertificateSource::Files { cert, key },
                    (None, _) => return Err(Invalid::new(
                        "tls_cert",
                        "HTTPS from files needs the certificate's PEM file (and TANGKAP_TLS_KEY)",
                    )),
                    (_, None) => return Err(Invalid::new(
                        "tls_key",
                        "HTTPS from files needs the private key's PEM file (and TANGKAP_TLS_CERT)",
                    )),
                }),
                // Said outright, the choice wins over files named too (in the file, say).
                Some("acme") => Some(CertificateSource::Acme(AcmeSettings {
                    domain: acme_domain(written.public_url.as_deref())?,
                    email: match text(written.acme_email) {
                        Some(email) if crate::mail::is_address(&email) => email,
                        Some(_) => {
                            return Err(Invalid::new(
                                "acme_email",
                                "expected an email address, e.g. owner@example.com",
                            ))
                        }
                        None => {
                            return Err(Invalid::new(
                                "acme_email",
                                "TANGKAP_TLS=acme needs an email address for the CA's account",
                            ))
                        }
                    },
                    directory: match text(written.acme_directory) {
                        Some(url) if url.starts_with("https://") => url,
                        Some(_) => {
                            return Err(Invalid::new(
                                "acme_directory",
                                "expected the directory's https URL, e.g. \
                             https://acme-v02.api.letsencrypt.org/directory",
                            ))
                        }
                        None => LETS_ENCRYPT.to_owned(),
                    },
                    cache: path(written.acme_cache),
                    directory_ca: path(written.acme_directory_ca),
                })),
                Some(_) => return Err(Invalid::new("tls", "use acme, files or off")),
            };
        Ok(Self {
            listen: match text(written.tls_listen) {
                Some(address) => address.parse().map_err(|_| {
                    Invalid::new("tls_listen", "expected an address such as 0.0.0.0:443")
                })?,
                None => Self::default().listen,
            },
            certificate,
        })
    }
}

/// The domain ACME obtains a certificate for: the host of an https public URL, a name
/// (a CA issues no certificate for an IP address this way).
fn acme_domain(public_url: Option<&str>) -> Result<String, Invalid> {
    let needed = || {
        Invalid::new(
            "tls",
            "acme needs TANGKAP_PUBLIC_URL, https://<the domain the certificate is for>",
        )
    };
    let url = public_url
        .map(|url| url.trim())
        .filter(|url| url.starts_with("https://"))
        .ok_or_else(needed)?;
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .ok_or_else(needed)?;
    if host.starts_with('[') || host.parse::<IpAddr>().is_ok() {
        return Err(Invalid::new(
            "tls",
            "acme obtains certificates for a domain name, and TANGKAP_PUBLIC_URL names an IP address",
        ));
    }
    Ok(host)
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} holds no PEM certificate", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} holds no PEM private key", path.display())]
    NoKey { path: PathBuf },
    #[error("the key in {} cannot be used with the certificate in {}: {reason}", key.display(), cert.display())]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: rustls::Error,
    },
    #[error("cannot make the ACME cache folder {}: {source}", path.display())]
    Cache { path: PathBuf, source: io::Error },
}

/// TLS over an accepted connection, for `web::server::serve`.
#[derive(Clone)]
pub struct Tls {
    config: Arc<ServerConfig>,
    /// ACME's configuration for the CA's TLS-ALPN-01 validation; `None` with files.
    challenge: Option<Arc<ServerConfig>>,
}

impl Transport for Tls {
    type Stream = TlsStream<TcpStream>;

    async fn open(&self, tcp: TcpStream) -> Option<Self::Stream> {
        let start = LazyConfigAcceptor::new(Acceptor::default(), tcp)
            .await
            .inspect_err(|e| tracing::debug!(error = %e, "TLS hello refused"))
            .ok()?;
        if let Some(challenge) = &self.challenge {
            if rustls_acme::is_tls_alpn_challenge(&start.client_hello()) {
                // The handshake with the challenge's certificate is the whole answer.
                match start.into_stream(challenge.clone()).await {
                    Ok(_) => tracing::info!("answered the ACME CA's TLS-ALPN-01 validation"),
                    Err(e) => tracing::warn!(error = %e, "ACME validation handshake failed"),
                }
                return None;
            }
        }
        start
            .into_stream(self.config.clone())
            .await
            .inspect_err(|e| tracing::debug!(error = %e, "TLS handshake failed"))
            .ok()
    }
}

/// Keeps the certificate current while Tangkap runs: reads the files again when they
/// change, or drives ACME (the cached certificate, the first order, renewals).
pub enum CertificateKeeper {
    Files {
        files: CertificateFiles,
        certificate: Arc<FileCertificate>,
    },
    Acme(Pin<Box<AcmeState<io::Error>>>),
}

/// Makes the TLS side ready: the files read, or ACME set up on `cache`. The certificate
/// stays current only while [`CertificateKeeper::keep`] runs.
pub fn start(
    source: &CertificateSource,
    cache: &Path,
) -> Result<(Tls, CertificateKeeper), TlsError> {
    match source {
        CertificateSource::Files { cert, key } => {
            let files = CertificateFiles {
                cert: cert.clone(),
                key: key.clone(),
            };
            let certificate = Arc::new(FileCertificate(RwLock::new(Arc::new(files.read()?))));
            let tls = Tls {
                config: server_config(certificate.clone()),
                challenge: None,
            };
            Ok((tls, CertificateKeeper::Files { files, certificate }))
        }
        CertificateSource::Acme(acme) => {
            private_folder(cache)?;
            let config = match &acme.directory_ca {
                None => AcmeConfig::new([&acme.domain]),
                Some(path) => {
                    AcmeConfig::new_with_client_config([&acme.domain], client_trusting(path)?)
                }
            };
            let state = config
                .contact_push(format!("mailto:{}", acme.email))
                .directory(&acme.directory)
                .cache(DirCache::new(cache.to_owned()))
                .state();
            let tls = Tls {
                config: server_config(state.resolver()),
                challenge: Some(state.challenge_rustls_config()),
            };
            Ok((tls, CertificateKeeper::Acme(Box::pin(state))))
        }
    }
}

impl CertificateKeeper {
    /// Runs until `shutdown`.
    pub async fn keep(self, shutdown: CancellationToken) {
        match self {
            Self::Files { files, certificate } => {
                files.watch(&certificate, shutdown).await;
            }
            Self::Acme(mut state) => loop {
                let event = tokio::select! {
                    () = shutdown.cancelled() => return,
                    event = state.next() => event,
                };
                match event {
                    Some(Ok(EventOk::DeployedNewCert)) => {
                        tracing::info!("HTTPS certificate obtained from the ACME CA");
                    }
                    Some(Ok(EventOk::DeployedCachedCert)) => {
                        tracing::info!("HTTPS certificate loaded from the ACME cache");
                    }
                    Some(Ok(done)) => tracing::debug!(?done, "ACME"),
                    // rustls-acme waits before trying again, longer after each failure.
                    Some(Err(e)) => tracing::warn!(error = %e, "ACME failed; trying again later"),
                    None => return,
                }
            },
        }
    }
}

/// The certificate and key files, as the settings name them.
pub struct CertificateFiles {
    cert: PathBuf,
    key: PathBuf,
}

/// What tells that a file changed: its time, its size, its inode (a renamed-in or
/// re-linked file), read through symlinks.
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &Path) -> Stamp {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len(), metadata.ino()))
}

impl CertificateFiles {
    /// The chain and its key, checked to go together.
    fn read(&self) -> Result<CertifiedKey, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&read(&self.cert)?)
                .collect::<Result<_, _>>()
                .ok()
                .filter(|chain: &Vec<_>| !chain.is_empty())
                .ok_or_else(|| TlsError::NoCertificate {
                    path: self.cert.clone(),
                })?;
        let key =
            PrivateKeyDer::from_pem_slice(&read(&self.key)?).map_err(|_| TlsError::NoKey {
                path: self.key.clone(),
            })?;
        CertifiedKey::from_der(chain, key, &provider()).map_err(|reason| TlsError::Unusable {
            cert: self.cert.clone(),
            key: self.key.clone(),
            reason,
        })
    }

    fn stamps(&self) -> (Stamp, Stamp) {
        (stamp(&self.cert), stamp(&self.key))
    }

    /// Reads the files again whenever they change, until `shutdown`.
    async fn watch(&self, certificate: &FileCertificate, shutdown: CancellationToken) {
        let mut seen = self.stamps();
        let mut every = tokio::time::interval(FILES_LOOKED_AT_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => {}
            }
            let now = self.stamps();
            if now == seen {
                continue;
            }
            // Tried once per change: a pair that does not go together waits for the next.
            seen = now;
            match self.read() {
                Ok(key) => {
                    *certificate.0.write().unwrap() = Arc::new(key);
                    tracing::info!(cert = %self.cert.display(), "HTTPS certificate read again");
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "the HTTPS certificate files changed but cannot be used; the previous certificate is kept"
                ),
            }
        }
    }
}

/// The certificate read from the files, swapped when they change.
pub struct FileCertificate(RwLock<Arc<CertifiedKey>>);

impl fmt::Debug for FileCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileCertificate")
    }
}

impl ResolvesServerCert for FileCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap().clone())
    }
}

fn provider() -> CryptoProvider {
    ring::default_provider()
}

/// HTTP/1.1 over TLS 1.2 or 1.3, the certificate from `certificates` at each handshake.
fn server_config(certificates: Arc<dyn ResolvesServerCert>) -> Arc<ServerConfig> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .expect("ring offers TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_cert_resolver(certificates);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A client for the ACME directory trusting the root(s) in the PEM file at `path` only.
fn client_trusting(path: &Path) -> Result<Arc<ClientConfig>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem).flatten() {
        roots.add(cert).ok();
    }
    if roots.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(Arc::new(
        ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .expect("ring offers TLS 1.2 and 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// Makes `path` a folder only its owner may open (it holds the account's and the
/// certificate's private keys), or makes an existing one so.
fn private_folder(path: &Path) -> Result<(), TlsError> {
    let failed = |source| TlsError::Cache {
        path: path.to_owned(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(failed)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).map_err(failed)
}
