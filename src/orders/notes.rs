//! Internal notes on a ticket: anyone who may see the ticket writes them, its timeline
//! shows them with author and time, and nothing of them ever reaches the group (no outbox
//! row is written with a note).

use serde::Serialize;
use sqlx::Row;

use super::{board, written_text};
use crate::{
    db::{now_ms, Conn, Db},
    lang::Text,
    users::{access, User},
};

/// The longest note, in characters.
pub const NOTE_MAX: usize = 2000;

/// How a refused note is named: Indonesian, then English.
const NOTE_WORDS: [&str; 2] = ["Catatan", "The note"];

/// A note as the ticket's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub id: i64,
    /// Who wrote it, as `Name (@username)`.
    pub author: String,
    pub text: String,
    /// Unix milliseconds.
    pub at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    /// No such ticket, or one the writer may not see.
    #[error("no such order")]
    NotFound,
    /// The text was refused; the sentence says why.
    #[error("{0}")]
    Invalid(Text),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Adds `text` as `author`'s note on ticket `no`: trimmed, refused when empty, too long
/// ([`NOTE_MAX`]) or holding control characters; a ticket `author` may not see is not
/// found (before the text is looked at).
pub async fn add(db: &Db, author: &User, no: i64, text: &str) -> Result<Note, NoteError> {
    if board::find(db, access::scope(author), no).await?.is_none() {
        return Err(NoteError::NotFound);
    }
    let text = written_text(text, NOTE_MAX, &NOTE_WORDS).map_err(NoteError::Invalid)?;
    let at = now_ms();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO order_notes (order_no, author_id, text, at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(no)
    .bind(author.id)
    .bind(&text)
    .bind(at)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Note {
        id,
        author: author.label(),
        text,
        at,
    })
}

/// Ticket `no`'s notes, oldest first.
pub async fn list(conn: &mut Conn, no: i64) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT n.id, u.name, u.username, n.text, n.at FROM order_notes n \
         JOIN users u ON u.id = n.author_id WHERE n.order_no = $1 ORDER BY n.id",
    )
    .bind(no)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Note {
                id: row.try_get(0)?,
                author: board::label(&row.try_get(1)?, &row.try_get(2)?).unwrap_or_default(),
                text: row.try_get(3)?,
                at: row.try_get(4)?,
            })
        })
        .collect()
}
