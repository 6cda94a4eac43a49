//! The Mini App's static files, compiled into the binary so that one file is the whole
//! deployment.
//!
//! A phone on a slow network should fetch a script once, not on every open, yet see a new
//! release at once. So each script and style sheet is also served under a name that holds
//! a hash of its content (`app.1a2b3c4d5e6f7a8b.js`), cached as immutable, and the pages
//! name those (their style sheets they carry inline, see [`with_styles_inline`]); the pages themselves (and the plain names) are revalidated every time with
//! an `ETag`, which costs a `304` and no body when nothing changed. Bodies are compressed
//! (brotli or gzip, as the browser accepts) by the router's compression layer.
//!
//! The Mini App's script is ES modules (`app.js` and `js/*.js`) that import each other by
//! relative names. A module's hashed name covers its own content and that of every module
//! it reaches, so a change anywhere renames each module that depends on it; modules name
//! each other by hashed names too, and a page gets a `<link rel="modulepreload">` for every
//! module its module scripts reach, so that a phone asks for all of them at once rather
//! than one level of imports after another.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::LazyLock,
};

use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::CONTENT_SECURITY_POLICY;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file of `webapp/`: its name there (which is its address), its type, its content.
macro_rules! file {
    ($name:literal, $content_type:expr) => {
        (
            $name,
            $content_type,
            include_str!(concat!("../../webapp/", $name)),
        )
    };
}

const FILES: [(&str, &str, &str); 20] = [
    file!("index.html", HTML),
    file!("app.js", JS),
    file!("js/state.js", JS),
    file!("js/i18n.js", JS),
    file!("js/telegram.js", JS),
    file!("js/theme.js", JS),
    file!("js/api.js", JS),
    file!("js/online.js", JS),
    file!("js/ui.js", JS),
    file!("js/login.js", JS),
    file!("js/board.js", JS),
    file!("js/ticket.js", JS),
    file!("js/bookings.js", JS),
    file!("js/team.js", JS),
    file!("js/reports.js", JS),
    file!("js/shop.js", JS),
    file!("app.css", CSS),
    file!("booking.html", HTML),
    file!("booking.js", JS),
    file!("booking.css", CSS),
];

/// A file as served.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    /// Pages and modules name the other files by their hashed names.
    body: String,
    /// A weak validator (compressed and plain bodies share it).
    etag: HeaderValue,
    /// `app.<hash>.js`; pages have none (their address is what people open).
    hashed_name: Option<String>,
    /// A page's Content-Security-Policy when it has a `<style>` of its own (the skeleton
    /// that paints before the style sheet arrives): the router's, allowing that style by
    /// its hash.
    policy: Option<HeaderValue>,
}

/// How long a hashed name is cached: it never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn is_page(name: &str) -> bool {
    name.ends_with(".html")
}

fn fingerprint(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// The relative specifiers a module imports (`import … from './x.js'`, `import './x.js'`),
/// with the file each names. Only `./` specifiers are written in `webapp/`; a module
/// naming a file that is not served is a mistake found at the first request (and by the
/// tests).
fn imports(name: &str, body: &str) -> Vec<(String, &'static str)> {
    let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut found = Vec::new();
    for opening in ["from '", "import '"] {
        for (at, _) in body.match_indices(opening) {
            let rest = &body[at + opening.len()..];
            let Some(specifier) = rest.split('\'').next() else {
                continue;
            };
            let Some(relative) = specifier.strip_prefix("./") else {
                continue;
            };
            let target = if dir.is_empty() {
                relative.to_owned()
            } else {
                format!("{dir}/{relative}")
            };
            let file = FILES
                .iter()
                .find(|(name, ..)| *name == target)
                .unwrap_or_else(|| panic!("{name} imports {specifier}, which is not served"))
                .0;
            found.push((specifier.to_owned(), file));
        }
    }
    found
}

/// `name` and every module it reaches through its imports.
fn reach(
    name: &'static str,
    graph: &BTreeMap<&str, Vec<(String, &'static str)>>,
) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::from([name]);
    let mut todo = vec![name];
    while let Some(next) = todo.pop() {
        for (_, target) in graph.get(next).into_iter().flatten() {
            if seen.insert(target) {
                todo.push(target);
            }
        }
    }
    seen
}

/// The router's policy, also allowing `page`'s inline `<style>` and `<script>` elements by
/// their hashes (after the sources the directive names); `None` for a page without any.
fn policy(page: &str) -> Option<HeaderValue> {
    let mut policy = CONTENT_SECURITY_POLICY.to_owned();
    for (element, directive) in [("style", "style-src "), ("script", "script-src ")] {
        let hashes: String = page
            .split(&format!("<{element}>"))
            .skip(1)
            .filter_map(|rest| rest.split_once(&format!("</{element}>")))
            .map(|(inline, _)| {
                let digest = Sha256::digest(inline.as_bytes());
                format!(
                    " 'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .collect();
        let start = policy
            .find(directive)
            .expect("the policy names the directive");
        let end = start
            + policy[start..]
                .find(';')
                .expect("each directive ends with ;");
        policy.insert_str(end, &hashes);
    }
    (policy != CONTENT_SECURITY_POLICY)
        .then(|| HeaderValue::from_str(&policy).expect("the policy is a valid header value"))
}

/// `page` with each of its style sheets among `FILES` written into it where it was linked:
/// on a slow network the page then shows styled as soon as it has come, a round trip
/// earlier, and a page unchanged since the last visit costs a `304` with its style in it
/// all the same. (The Mini App links its sheet below the skeleton, which so paints first.)
fn with_styles_inline(page: &str) -> String {
    FILES
        .iter()
        .filter(|(name, ..)| name.ends_with(".css"))
        .fold(page.to_owned(), |page, (name, _, style)| {
            ["", "/"].iter().fold(page, |page, slash| {
                page.replace(
                    &format!("<link rel=\"stylesheet\" href=\"{slash}{name}\">"),
                    &format!("<style>\n{style}</style>"),
                )
            })
        })
}

/// The module scripts a page loads (`<script type="module" src="…">`).
fn module_scripts(page: &str) -> Vec<&str> {
    const OPENING: &str = "<script type=\"module\" src=\"";
    page.match_indices(OPENING)
        .filter_map(|(at, _)| page[at + OPENING.len()..].split('"').next())
        .collect()
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    let graph: BTreeMap<&str, Vec<(String, &'static str)>> = FILES
        .iter()
        .filter(|(name, ..)| name.ends_with(".js"))
        .map(|&(name, _, body)| (name, imports(name, body)))
        .collect();
    // Each file's hash covers what it reaches (in a fixed order), so no cycle of imports
    // stands in the way.
    let hashed: BTreeMap<&str, String> = FILES
        .iter()
        .filter(|(name, ..)| !is_page(name))
        .map(|&(name, ..)| {
            let mut covered = Vec::new();
            for reached in reach(name, &graph) {
                let body = FILES
                    .iter()
                    .find(|(n, ..)| *n == reached)
                    .map_or("", |f| f.2);
                covered.extend_from_slice(reached.as_bytes());
                covered.push(0);
                covered.extend_from_slice(body.as_bytes());
                covered.push(0);
            }
            let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
            (
                name,
                format!("{stem}.{}.{extension}", fingerprint(&covered)),
            )
        })
        .collect();
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let body = if is_page(name) {
                let mut page = with_styles_inline(body);
                for script in module_scripts(body) {
                    let preloads: String = graph
                        .get_key_value(script)
                        .map(|(module, _)| reach(module, &graph))
                        .into_iter()
                        .flatten()
                        .filter(|module| *module != script)
                        .map(|module| format!("<link rel=\"modulepreload\" href=\"{module}\">\n  "))
                        .collect();
                    let tag = format!("<script type=\"module\" src=\"{script}\"");
                    page = page.replacen(&tag, &format!("{preloads}{tag}"), 1);
                }
                hashed.iter().fold(page, |page, (plain, hashed)| {
                    page.replace(&format!("\"{plain}\""), &format!("\"{hashed}\""))
                        .replace(&format!("\"/{plain}\""), &format!("\"/{hashed}\""))
                })
            } else {
                graph.get(name).into_iter().flatten().fold(
                    body.to_owned(),
                    |module, (specifier, target)| {
                        let (dir, _) = specifier.rsplit_once('/').unwrap_or((".", ""));
                        let (_, file) = hashed[target]
                            .rsplit_once('/')
                            .unwrap_or(("", &hashed[target]));
                        module.replace(&format!("'{specifier}'"), &format!("'{dir}/{file}'"))
                    },
                )
            };
            let etag = HeaderValue::from_str(&format!("W/\"{}\"", fingerprint(body.as_bytes())))
                .expect("hex is a valid header value");
            Asset {
                name,
                content_type,
                etag,
                hashed_name: hashed.get(name).cloned(),
                policy: is_page(name).then(|| policy(&body)).flatten(),
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
    let mut response = (
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
        .into_response();
    if let Some(policy) = &asset.policy {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    response
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

/// `GET /js/{file}`: the Mini App's modules.
pub async fn module(Path(name): Path<String>, request: HeaderMap) -> Response {
    serve(&format!("js/{name}"), &request)
}
