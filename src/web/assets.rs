//! The Mini App's static files, compiled into the binary so that one file is the whole
//! deployment.

use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

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

pub(super) fn serve(name: &str) -> Response {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// `GET /`.
pub async fn index() -> Response {
    serve("index.html")
}

/// `GET /{file}`.
pub async fn file(Path(name): Path<String>) -> Response {
    serve(&name)
}
