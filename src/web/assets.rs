//! The Mini App's static files, compiled into the binary so that one file is the whole
//! deployment.
//!
//! A phone on a slow network should fetch a script once, not on every open, yet see a new
//! release at once. So each script and style sheet is also served under a name that holds
//! a hash of its content (`app.1a2b3c4d5e6f7a8b.js`), cached as immutable, and the pages
//! name those; the pages themselves (and the plain names) are revalidated every time with
//! an `ETag`, which costs a `304` and no body when nothing changed. Bodies are compressed
//! (brotli or gzip, as the browser accepts) by the router's compression layer.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

const FILES: [(&str, &str, &str); 6] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../webapp/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../webapp/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../webapp/app.css"),
    ),
    (
        "booking.html",
        "text/html; charset=utf-8",
        include_str!("../../webapp/booking.html"),
    ),
    (
        "booking.js",
        "text/javascript; charset=utf-8",
        include_str!("../../webapp/booking.js"),
    ),
    (
        "booking.css",
        "text/css; charset=utf-8",
        include_str!("../../webapp/booking.css"),
    ),
];

/// A file as served.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    /// Pages name the other files by their hashed names.
    body: String,
    /// A weak validator (compressed and plain bodies share it).
    etag: HeaderValue,
    /// `app.<hash>.js`; pages have none (their address is what people open).
    hashed_name: Option<String>,
}

/// How long a hashed name is cached: it never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let is_page = |name: &str| name.ends_with(".html");
    let fingerprint = |body: &str| hex::encode(&Sha256::digest(body.as_bytes())[..8]);
    let hashed: Vec<(&str, String)> = FILES
        .iter()
        .filter(|(name, ..)| !is_page(name))
        .map(|(name, _, body)| {
            let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
            (*name, format!("{stem}.{}.{extension}", fingerprint(body)))
        })
        .collect();
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let body = if is_page(name) {
                hashed
                    .iter()
                    .fold(body.to_owned(), |page, (plain, hashed)| {
                        page.replace(&format!("\"{plain}\""), &format!("\"{hashed}\""))
                            .replace(&format!("\"/{plain}\""), &format!("\"/{hashed}\""))
                    })
            } else {
                body.to_owned()
            };
            let etag = HeaderValue::from_str(&format!("W/\"{}\"", fingerprint(&body)))
                .expect("hex is a valid header value");
            Asset {
                name,
                content_type,
                etag,
                hashed_name: hashed
                    .iter()
                    .find(|(plain, _)| *plain == name)
                    .map(|(_, hashed)| hashed.clone()),
                body,
            }
        })
        .collect()
});

/// The page `name` as served (naming the hashed files), for a route that changes it.
pub fn page(name: &str) -> Option<&'static str> {
    ASSETS
        .iter()
        .find(|asset| asset.name == name)
        .map(|asset| asset.body.as_str())
}

/// The file `name` (plain or hashed), or `304` if `request` already holds it.
pub(super) fn serve(name: &str, request: &HeaderMap) -> Response {
    let found = ASSETS.iter().find_map(|asset| {
        if asset.name == name {
            Some((asset, "no-cache"))
        } else if asset.hashed_name.as_deref() == Some(name) {
            Some((asset, IMMUTABLE))
        } else {
            None
        }
    });
    let Some((asset, cache)) = found else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let cache = HeaderValue::from_static(cache);
    if holds(request, &asset.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, asset.etag.clone()),
                (header::CACHE_CONTROL, cache),
            ],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, asset.etag.clone()),
        ],
        asset.body.as_str(),
    )
        .into_response()
}

/// Whether `If-None-Match` names `etag` (compared weakly, as the header is meant to be).
fn holds(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag))
}

/// `GET /`.
pub async fn index(request: HeaderMap) -> Response {
    serve("index.html", &request)
}

/// `GET /{file}`.
pub async fn file(Path(name): Path<String>, request: HeaderMap) -> Response {
    serve(&name, &request)
}
