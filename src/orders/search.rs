//! Search over a ticket's text: Order_ID, ticket, Transaksi, Keterangan and the
//! requester's name, whatever the case and accents ("jose" finds "José").
//!
//! Each order stores those fields folded ([`fold`]: lowercased, accents taken off) in
//! `search_text`, one field a line, written with the order itself. A trigram index over it
//! (SQLite FTS5's `trigram` tokenizer, PostgreSQL's `pg_trgm` GIN; migration 0015) finds
//! any part of it three characters or longer without reading the rows, so a search that
//! matches nothing costs a few index pages however large the board. The folding is done
//! here rather than in SQL because neither backend has an immutable accent folding an
//! index could use, and doing it in one place gives both the same answers.
//!
//! On SQLite the index is filled after the commit that stores a ticket ([`catch_up`]),
//! in lots, not by the `/moban` batch itself: FTS5 pays for each transaction that writes
//! to it (a new segment, merges), so a few tickets at a time cost three times what a lot
//! of hundreds does, and on SQLite that time is the one writer's, which every webhook
//! answer waits for (migration 0020). The tickets past the index's mark are read directly
//! by a search, so a ticket is found as soon as it is stored. PostgreSQL's GIN index
//! already defers its own work (its pending list).

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::db::{Backend, Db};

/// Fewer characters than a trigram: the index cannot answer.
const INDEXED_MIN_CHARS: usize = 3;

/// `text` lowercased, compatibility forms unified (fullwidth letters, ligatures) and
/// accents taken off.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What an order's `search_text` holds.
pub fn search_text(
    order_id: &str,
    ticket_no: &str,
    transaksi: &str,
    keterangan: &str,
    requester_name: &str,
) -> String {
    fold(&[order_id, ticket_no, transaksi, keterangan, requester_name].join("\n"))
}

/// A search as typed, ready for SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// Nothing typed: every order.
    All,
    /// Shorter than a trigram: orders whose text holds it, read row by row (the page walks
    /// its index in page order and stops once full).
    Short(String),
    /// Found through the trigram index.
    Indexed(String),
}

impl Term {
    pub fn parse(typed: &str) -> Self {
        let folded = fold(typed.trim());
        match folded.chars().count() {
            0 => Term::All,
            n if n < INDEXED_MIN_CHARS => Term::Short(folded),
            _ => Term::Indexed(folded),
        }
    }

    /// SQL true for the orders `o` it matches, with `placeholder` bound to [`Term::value`].
    pub fn sql(&self, backend: Backend, placeholder: &str) -> String {
        match (self, backend) {
            (Term::All, _) => format!("{placeholder} = ''"),
            (Term::Short(_), _) => backend.contains("o.search_text", placeholder),
            // The text as an FTS5 phrase, taken literally; and the tickets the index does
            // not hold yet, read directly.
            (Term::Indexed(_), Backend::Sqlite) => format!(
                "o.no IN (SELECT rowid FROM orders_search WHERE orders_search MATCH \
                 '\"' || replace({placeholder}, '\"', '\"\"') || '\"' \
                 UNION ALL SELECT t.no FROM orders t \
                 WHERE t.no > (SELECT through FROM orders_search_through) \
                 AND instr(t.search_text, {placeholder}) > 0)"
            ),
            // The matches are gathered first, once, whatever the planner guesses of the
            // pattern: as a plain condition, without fresh statistics it walked the page's
            // index testing every row (130 ms over 100,000 orders, against 2 ms).
            (Term::Indexed(_), Backend::Postgres) => format!(
                "o.no = ANY(ARRAY(SELECT f.no FROM orders f WHERE f.search_text LIKE {placeholder}))"
            ),
        }
    }

    /// What [`Term::sql`]'s placeholder is bound to: the folded text (on PostgreSQL,
    /// written as a LIKE pattern with its wildcards escaped).
    pub fn value(&self, backend: Backend) -> String {
        match (self, backend) {
            (Term::All, _) => String::new(),
            (Term::Short(text), _) | (Term::Indexed(text), Backend::Sqlite) => text.clone(),
            (Term::Indexed(text), Backend::Postgres) => {
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                format!("%{escaped}%")
            }
        }
    }
}

/// Tickets put in the index by one transaction of [`catch_up`] at most: a lot large
/// enough to be cheap per ticket (10 µs, against 28 µs four at a time), small enough
/// that the writer, which every webhook answer waits for, is free again within 3 ms.
pub const CATCH_UP_LOT: u64 = 256;

/// How many tickets at most the search index does not hold yet (on SQLite; always 0 on
/// PostgreSQL, whose index keeps up by itself). Asked of a reader, so that it never waits
/// for the writer.
pub async fn behind(db: &Db) -> Result<u64, sqlx::Error> {
    if db.backend() != Backend::Sqlite {
        return Ok(0);
    }
    let behind: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(no), 0) - (SELECT through FROM orders_search_through) FROM orders",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(behind.max(0) as u64)
}

/// On SQLite, puts into the search index the oldest tickets it does not hold yet, at most
/// [`CATCH_UP_LOT`], and moves its mark past them; returns how many it put in (0 on
/// PostgreSQL). Ticket numbers grow with each commit on SQLite's one writer, so every
/// ticket at or below the mark is in the index.
pub async fn catch_up(db: &Db) -> Result<u64, sqlx::Error> {
    if db.backend() != Backend::Sqlite {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    let (through, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT s.through, (SELECT MAX(no) FROM (SELECT no FROM orders WHERE no > s.through \
         ORDER BY no LIMIT $1)) FROM orders_search_through s",
    )
    .bind(CATCH_UP_LOT as i64)
    .fetch_one(&mut *tx)
    .await?;
    let Some(last) = last else {
        return Ok(0);
    };
    let indexed = sqlx::query(
        "INSERT INTO orders_search (rowid, search_text) \
         SELECT no, search_text FROM orders WHERE no > $1 AND no <= $2",
    )
    .bind(through)
    .bind(last)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE orders_search_through SET through = $1")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(indexed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("José ÁLVAREZ"), "jose alvarez");
        assert_eq!(fold("SALDO Belum Masuk"), "saldo belum masuk");
        assert_eq!(fold("Ｆｕｌｌ ﬁ"), "full fi");
        assert_eq!(fold("Đ 日本"), "đ 日本");
    }

    #[test]
    fn terms_shorter_than_a_trigram_are_not_indexed() {
        assert_eq!(Term::parse("  "), Term::All);
        assert_eq!(Term::parse("Jó"), Term::Short("jo".into()));
        assert_eq!(Term::parse(" José "), Term::Indexed("jose".into()));
    }

    #[test]
    fn index_queries_take_the_text_literally() {
        let term = Term::parse("a\"b%_\\");
        assert_eq!(term.value(Backend::Sqlite), "a\"b%_\\");
        assert_eq!(term.value(Backend::Postgres), "%a\"b\\%\\_\\\\%");
    }
}
