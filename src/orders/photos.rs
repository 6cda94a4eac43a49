//! Photos on tickets. A `/moban` written as the caption of a photo (or of an image sent as
//! a file) keeps the file's Telegram ids on its ticket; the image itself is fetched only
//! when someone who may see the ticket opens it: getFile, then the download, through
//! Tangkap, because the download URL holds the bot token and must never reach a page.
//!
//! Fetched images are kept on disk (`TANGKAP_PHOTO_DIR`), named after the file's
//! `file_unique_id`, so each is fetched from Telegram once, across restarts; requests for
//! the same image wait for the one fetching it. Only JPEG, PNG, WebP and GIF images of at
//! most [`PHOTO_MAX_BYTES`] are served or kept, their type told from their bytes.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use sha2::{Digest, Sha256};

use crate::{
    db::Db,
    groups::{scope_user, visible_sql},
    telegram::api::{ApiError, BotApi, DownloadError},
    users::access::Scope,
};

/// The largest image served (Telegram lets bots download files up to 20 MB).
pub const PHOTO_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// A Telegram file a ticket was written under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoFile {
    /// What getFile takes; valid for this bot only.
    pub file_id: String,
    /// The same file's id for every bot and for ever: the name it is kept under.
    pub file_unique_id: String,
}

/// The image formats served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageKind {
    /// The format of `bytes`, told from the bytes themselves; `None` for anything that is
    /// not one of the four.
    pub fn of(bytes: &[u8]) -> Option<Self> {
        match infer::get(bytes)?.mime_type() {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/webp" => Some(Self::Webp),
            "image/gif" => Some(Self::Gif),
            _ => None,
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }
}

/// An image ready to serve.
#[derive(Clone, Debug)]
pub struct Image {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// No such ticket, or one the asker may not see.
    #[error("no such ticket")]
    NotFound,
    #[error("the ticket has no photo")]
    NoPhoto,
    #[error("the photo is larger than {PHOTO_MAX_BYTES} bytes")]
    TooLarge,
    #[error("the file is not a JPEG, PNG, WebP or GIF image")]
    NotAnImage,
    /// Telegram no longer hands the file out (`Bad Request: invalid file_id`, …).
    #[error("Telegram no longer has the file: {0}")]
    Gone(String),
    #[error("Telegram asks to wait {0:?}")]
    RetryAfter(Duration),
    #[error("cannot get the file from Telegram: {0}")]
    Unavailable(ApiError),
    #[error("cannot use the photo folder: {0}")]
    Disk(#[from] std::io::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<ApiError> for PhotoError {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::RetryAfter(wait) => Self::RetryAfter(wait),
            ApiError::Refused {
                code: 400,
                description,
            } if description.contains("file is too big") => Self::TooLarge,
            ApiError::Refused {
                code: 400 | 404,
                description,
            } => Self::Gone(description),
            other => Self::Unavailable(other),
        }
    }
}

impl From<DownloadError> for PhotoError {
    fn from(err: DownloadError) -> Self {
        match err {
            DownloadError::TooLarge(_) => Self::TooLarge,
            DownloadError::Api(err) => err.into(),
        }
    }
}

/// The photo of ticket `no`: [`PhotoError::NotFound`] when there is no such ticket or
/// `scope` may not see it (the same answer), [`PhotoError::NoPhoto`] when it has none.
pub async fn find(db: &Db, scope: Scope, no: i64) -> Result<PhotoFile, PhotoError> {
    let sql = format!(
        "SELECT o.photo_file_id, o.photo_file_unique_id FROM orders o WHERE o.no = $1 AND {}",
        visible_sql(scope, "$2")
    );
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(&sql)
        .bind(no)
        .bind(scope_user(scope))
        .fetch_optional(db.pool())
        .await?;
    match row.ok_or(PhotoError::NotFound)? {
        (Some(file_id), Some(file_unique_id)) => Ok(PhotoFile {
            file_id,
            file_unique_id,
        }),
        _ => Err(PhotoError::NoPhoto),
    }
}

/// Fetches ticket photos from Telegram and keeps them on disk; clone it freely.
#[derive(Clone, Debug)]
pub struct PhotoStore {
    api: BotApi,
    dir: PathBuf,
    /// A lock per image being looked up, so that one request fetches it and the others
    /// wait and read it from disk. An entry goes when nobody holds its lock.
    busy: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl PhotoStore {
    /// Keeps images in `dir`, made when the first image is kept.
    pub fn new(api: BotApi, dir: PathBuf) -> Self {
        Self {
            api,
            dir,
            busy: Arc::default(),
        }
    }

    /// The image of `photo`: from disk, or fetched from Telegram and kept.
    pub async fn image(&self, photo: &PhotoFile) -> Result<Image, PhotoError> {
        let name = file_name(photo);
        let lock = self.lock_for(&name);
        let result = {
            let _held = lock.lock().await;
            self.read_or_fetch(photo, &self.dir.join(&name)).await
        };
        self.release(&name, lock);
        let bytes = result?;
        let kind = ImageKind::of(&bytes).ok_or(PhotoError::NotAnImage)?;
        Ok(Image { kind, bytes })
    }

    async fn read_or_fetch(&self, photo: &PhotoFile, path: &Path) -> Result<Vec<u8>, PhotoError> {
        match tokio::fs::read(path).await {
            Ok(bytes) => return Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let file = self.api.get_file(&photo.file_id).await?;
        if file.file_size.is_some_and(|size| size > PHOTO_MAX_BYTES) {
            return Err(PhotoError::TooLarge);
        }
        let file_path = file
            .file_path
            .ok_or_else(|| PhotoError::Gone("getFile gave no file_path".into()))?;
        let bytes = self.api.download(&file_path, PHOTO_MAX_BYTES).await?;
        // Only images are kept: anything else is refused again on the next request.
        if ImageKind::of(&bytes).is_some() {
            self.keep(path, &bytes).await?;
        }
        Ok(bytes)
    }

    /// Writes `bytes` to `path` whole or not at all: into a file of its own first, synced,
    /// then renamed over, so a crash or a reader never meets half an image.
    async fn keep(&self, path: &Path, bytes: &[u8]) -> Result<(), std::io::Error> {
        use tokio::io::AsyncWriteExt;
        tokio::fs::create_dir_all(&self.dir).await?;
        let part = path.with_extension(format!("part-{:016x}", rand::random::<u64>()));
        let mut file = tokio::fs::File::create(&part).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&part, path).await
    }

    fn lock_for(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut busy = self.busy.lock().expect("never poisoned");
        busy.entry(name.to_owned()).or_default().clone()
    }

    /// Drops `lock` and, when nobody else holds or waits for it, its entry.
    fn release(&self, name: &str, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut busy = self.busy.lock().expect("never poisoned");
        // Ours and the map's: nobody else has it, and nobody can take it while we hold
        // the map.
        if Arc::strong_count(&lock) == 2 {
            busy.remove(name);
        }
    }
}

/// The name `photo` is kept under: a digest of its `file_unique_id` (which comes from an
/// update, so it is never used as a path itself).
fn file_name(photo: &PhotoFile) -> String {
    hex::encode(Sha256::digest(photo.file_unique_id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_kinds_come_from_the_bytes() {
        let cases: [(&[u8], Option<ImageKind>); 6] = [
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", Some(ImageKind::Jpeg)),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(ImageKind::Png)),
            (b"RIFF\x24\0\0\0WEBPVP8 ", Some(ImageKind::Webp)),
            (b"GIF89a\x01\0\x01\0", Some(ImageKind::Gif)),
            (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
            (b"%PDF-1.7\n", None),
        ];
        for (bytes, kind) in cases {
            assert_eq!(ImageKind::of(bytes), kind, "{bytes:?}");
        }
    }

    #[test]
    fn kept_names_are_digests() {
        let photo = PhotoFile {
            file_id: "x".into(),
            file_unique_id: "../../etc/passwd".into(),
        };
        let name = file_name(&photo);
        assert_eq!(name.len(), 64);
        assert!(name.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
