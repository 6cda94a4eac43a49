//! `GET /api/export.csv` and `GET /api/export.xlsx`: the tickets of a date range and the
//! list's filters, as the asker may see them, streamed so that a million tickets pass
//! through a small, constant amount of memory.
//!
//! The CSV is written a page of tickets at a time straight into the response body. An XLSX
//! file is a zip whose index comes last, so it cannot be sent while written: the workbook
//! is written in rust_xlsxwriter's constant-memory mode (each row goes to a temporary file
//! as it is written) to a temporary file, which is then streamed and deleted.

use axum::{
    body::{Body, Bytes},
    extract::{rejection::QueryRejection, Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use futures_util::stream;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use super::{
    auth::Staff,
    error::ApiError,
    orders::{bad_params, FilterParams},
};
use crate::{
    db::Db,
    lang::Text,
    orders::{
        export::{self, looks_like_formula, ExportQuery, ExportRow, HEADER},
        Status,
    },
    state::AppState,
    users::access::{self, Scope},
};

/// Tickets read per query.
const PAGE: i64 = 1000;
/// Rows of an XLSX worksheet after its header; more continue on a new sheet.
const SHEET_ROWS: u32 = 1_048_575;
/// Excel shows a UTF-8 CSV right only when it starts with a byte-order mark.
const BOM: &str = "\u{feff}";

#[derive(Deserialize)]
pub struct ExportParams {
    /// `order`, `pickup` or `close`; every status without it.
    status: Option<String>,
}

/// What `staff` exports, from the query string (`from` and `to` are required), what they
/// may see, and the file's name without its extension.
fn export_query(
    staff: &Staff,
    params: Result<Query<ExportParams>, QueryRejection>,
    filters: Result<Query<FilterParams>, QueryRejection>,
) -> Result<(ExportQuery, Scope, String), ApiError> {
    let (Query(params), Query(filters)) =
        (params.map_err(bad_params)?, filters.map_err(bad_params)?);
    let status = match params.status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::BadRequest(Text::new(
                "Status harus order, pickup atau close.",
                "The status must be order, pickup or close.",
            ))
        })?),
    };
    let filters = filters.filters()?;
    let days = filters
        .days
        .filter(|days| days.from != time::Date::MIN && days.to != time::Date::MAX)
        .ok_or_else(|| {
            ApiError::BadRequest(Text::new(
                "Ekspor perlu tanggal from dan to (YYYY-MM-DD).",
                "An export needs the from and to dates (YYYY-MM-DD).",
            ))
        })?;
    let name = format!("tangkap-{}_{}", days.from, days.to);
    Ok((
        ExportQuery { status, filters },
        access::scope(&staff.user),
        name,
    ))
}

/// `GET /api/export.csv?from=&to=&status=&group=&q=&transaksi=`: RFC 4180, UTF-8 with a
/// byte-order mark, CRLF line ends.
pub async fn csv(
    State(state): State<AppState>,
    staff: Staff,
    params: Result<Query<ExportParams>, QueryRejection>,
    filters: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (query, scope, name) = export_query(&staff, params, filters)?;
    let head = csv_lines([HEADER.map(str::to_owned)].iter(), BOM.as_bytes().to_vec())?;
    let pages = CsvPages {
        db: state.db.clone(),
        scope,
        query,
        head: Some(head),
        after: Some(i64::MIN),
    };
    let body = stream::try_unfold(pages, |mut pages| async move {
        Ok::<_, std::io::Error>(pages.next().await?.map(|chunk| (chunk, pages)))
    });
    Ok(download(
        Body::from_stream(body),
        "text/csv; charset=utf-8",
        &format!("{name}.csv"),
        None,
    ))
}

/// Where a CSV export stands between pages.
struct CsvPages {
    db: Db,
    scope: Scope,
    query: ExportQuery,
    /// The byte-order mark and the header row, until sent with the first page.
    head: Option<Vec<u8>>,
    /// The last order number written; `None` once every page is out.
    after: Option<i64>,
}

impl CsvPages {
    /// The next chunk of CSV lines, or `None` at the end.
    async fn next(&mut self) -> Result<Option<Bytes>, std::io::Error> {
        let Some(after) = self.after else {
            return Ok(None);
        };
        let rows = export::page(&self.db, self.scope, &self.query, after, PAGE)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "export stopped: the database failed");
                std::io::Error::other(e)
            })?;
        self.after = rows
            .last()
            .filter(|_| rows.len() as i64 == PAGE)
            .map(|last| last.order.no);
        let cells: Vec<[String; 13]> = rows.iter().map(|row| row.cells().map(csv_cell)).collect();
        let out = self.head.take().unwrap_or_default();
        let lines = csv_lines(cells.iter(), out).map_err(std::io::Error::other)?;
        Ok((!lines.is_empty()).then(|| Bytes::from(lines)))
    }
}

/// A cell a spreadsheet would take for a formula, kept as text by a leading apostrophe
/// (OWASP's advice for CSV).
fn csv_cell(cell: String) -> String {
    if looks_like_formula(&cell) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// `rows` as CSV lines appended to `out`.
fn csv_lines<'a>(
    rows: impl Iterator<Item = &'a [String; 13]>,
    out: Vec<u8>,
) -> Result<Vec<u8>, ApiError> {
    let failed = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, "CSV not written");
        ApiError::NotSaved
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    for row in rows {
        writer.write_record(row).map_err(|e| failed(&e))?;
    }
    writer.into_inner().map_err(|e| failed(&e))
}

/// `GET /api/export.xlsx?from=&to=&status=&group=&q=&transaksi=`: one worksheet (more past
/// Excel's million rows), every cell text.
pub async fn xlsx(
    State(state): State<AppState>,
    staff: Staff,
    params: Result<Query<ExportParams>, QueryRejection>,
    filters: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (query, scope, name) = export_query(&staff, params, filters)?;
    let path = std::env::temp_dir().join(format!(
        "tangkap-export-{:016x}.xlsx",
        rand::random::<u64>()
    ));
    let runtime = tokio::runtime::Handle::current();
    let (db, written) = (state.db.clone(), path.clone());
    let made =
        tokio::task::spawn_blocking(move || write_workbook(&runtime, &db, scope, &query, &written))
            .await
            .map_err(|e| XlsxFailure::Xlsx(XlsxError::ParameterError(e.to_string())))
            .and_then(|made| made);
    let opened = match made {
        Ok(()) => tokio::fs::File::open(&path).await.map_err(XlsxFailure::Io),
        Err(e) => Err(e),
    };
    // Open files stay readable once unlinked: nothing is left behind, even if the
    // download is abandoned.
    let _ = tokio::fs::remove_file(&path).await;
    let file = opened.map_err(|e| match e {
        XlsxFailure::Db(e) => ApiError::Internal(e),
        other => {
            tracing::warn!(error = %other, "XLSX export not written");
            ApiError::NotSaved
        }
    })?;
    let length = file.metadata().await.ok().map(|m| m.len());
    Ok(download(
        Body::from_stream(ReaderStream::new(file)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
        length,
    ))
}

#[derive(Debug, thiserror::Error)]
enum XlsxFailure {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Xlsx(#[from] XlsxError),
    #[error(transparent)]
    Io(std::io::Error),
}

/// Writes the workbook of `query` to `path`, reading its pages through `runtime` (this
/// runs on a blocking thread: writing the rows is file work).
fn write_workbook(
    runtime: &tokio::runtime::Handle,
    db: &Db,
    scope: Scope,
    query: &ExportQuery,
    path: &std::path::Path,
) -> Result<(), XlsxFailure> {
    let bold = Format::new().set_bold();
    let as_text = Format::new().set_quote_prefix();
    let mut workbook = Workbook::new();
    let mut sheet = new_sheet(&mut workbook, &bold)?;
    let (mut after, mut row) = (i64::MIN, 0u32);
    loop {
        let rows: Vec<ExportRow> = runtime.block_on(export::page(db, scope, query, after, PAGE))?;
        for ticket in &rows {
            if row == SHEET_ROWS {
                sheet = new_sheet(&mut workbook, &bold)?;
                row = 0;
            }
            row += 1;
            for (column, cell) in ticket.cells().iter().enumerate() {
                if looks_like_formula(cell) {
                    sheet.write_string_with_format(row, column as u16, cell, &as_text)?;
                } else {
                    sheet.write_string(row, column as u16, cell)?;
                }
            }
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => after = last.order.no,
            _ => break,
        }
    }
    workbook.save(path)?;
    Ok(())
}

/// A constant-memory worksheet with the header row, at the end of `workbook`.
fn new_sheet<'a>(
    workbook: &'a mut Workbook,
    bold: &Format,
) -> Result<&'a mut Worksheet, XlsxError> {
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    for (column, title) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *title, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(sheet)
}

/// A file download of `body`.
fn download(
    body: Body,
    content_type: &'static str,
    file_name: &str,
    length: Option<u64>,
) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The name is made of dates and ASCII only, so it needs no escaping.
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response
}
