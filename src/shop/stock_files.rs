//! Stock sent to the bot as a `.txt` file: an admin's document captioned `/stok KODE`.
//!
//! The file is fetched from Telegram (getFile, then the download) before the batch's
//! transaction, as memberships are asked, so that the one writer never waits for the
//! network; the transaction then adds its lines as it adds a pasted list
//! ([`Admin::add_stock`](super::admin::Admin::add_stock)). Only an admin's file is
//! fetched, and only a small one: anyone else's document costs no download. What was
//! fetched waits here, by the file's id, for the transaction that takes it; were the
//! instance to stop in between, the update is processed again and the file fetched again.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use teloxide::types::Document;

use super::admin::Admin;
use crate::{db::Db, telegram::api::BotApi};

/// The largest stock file taken: a megabyte is tens of thousands of items.
pub const MOST_STOCK_FILE_BYTES: u64 = 1 << 20;

/// What became of an admin's stock file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Its text, one item a line.
    Text(String),
    /// Over [`MOST_STOCK_FILE_BYTES`].
    TooLarge,
    /// Not UTF-8 text (a picture, a spreadsheet, a PDF).
    NotText,
    /// Telegram did not hand it out.
    Unreachable,
}

/// Stock files fetched and not yet taken, by file id.
#[derive(Clone, Debug, Default)]
pub struct StockFiles(Arc<Mutex<HashMap<String, Fetched>>>);

impl StockFiles {
    /// Fetches `document`, sent by `telegram_id`, if they run the shop; kept for
    /// [`StockFiles::take`].
    pub async fn fetch(&self, db: &Db, api: &BotApi, telegram_id: i64, document: &Document) {
        let admin = async {
            let mut conn = db.pool().acquire().await?;
            Admin::of(&mut conn, telegram_id).await
        };
        match admin.await {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => {
                // The transaction decides again; without the file it says to send it again.
                tracing::warn!(error = %e, "cannot tell whether a stock file's sender runs the shop");
                return;
            }
        }
        let fetched = download(api, document).await;
        self.0
            .lock()
            .unwrap()
            .insert(document.file.id.0.clone(), fetched);
    }

    /// What was fetched of `document`, taken out; `None` if nothing was.
    pub fn take(&self, document: &Document) -> Option<Fetched> {
        self.0.lock().unwrap().remove(&document.file.id.0)
    }
}

async fn download(api: &BotApi, document: &Document) -> Fetched {
    if u64::from(document.file.size) > MOST_STOCK_FILE_BYTES {
        return Fetched::TooLarge;
    }
    let file = match api.get_file(&document.file.id.0).await {
        Ok(file) => file,
        Err(e) => {
            tracing::warn!(error = %e, "cannot ask Telegram for a stock file");
            return Fetched::Unreachable;
        }
    };
    if file
        .file_size
        .is_some_and(|size| size > MOST_STOCK_FILE_BYTES)
    {
        return Fetched::TooLarge;
    }
    let Some(path) = file.file_path else {
        return Fetched::Unreachable;
    };
    match api.download(&path, MOST_STOCK_FILE_BYTES).await {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => Fetched::Text(text),
            _ => Fetched::NotText,
        },
        Err(crate::telegram::api::DownloadError::TooLarge(_)) => Fetched::TooLarge,
        Err(e) => {
            tracing::warn!(error = %e, "cannot download a stock file");
            Fetched::Unreachable
        }
    }
}
