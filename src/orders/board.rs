//! What the Mini App shows: orders of one status, most urgent, oldest or newest first,
//! filtered by group, Transaksi, days and a search ([`Filters`]), in pages, each query
//! limited to the tickets the asker may see ([`Scope`]): a ticket outside it is not found,
//! listed or counted.
//!
//! "Most urgent" is the stage's due time, earliest first, then tickets with no target,
//! oldest first: the sort key `COALESCE(due, i64::MAX)` has an index holding the tickets
//! of that page only (migration 0009), and pages continue after the last `(key, no)` seen.
//! A staff member's page is read group by group, through the same keys with the group in
//! front: each group yields at most a page, so the cost follows their groups, however many
//! tickets other groups hold. A search of three characters or more is answered by the
//! trigram index ([`search`]) first, so one matching nothing reads no rows.
//! The tabs' counts ([`counts`]) take the same filters, and a search that misses on one
//! status can be asked of all of them ([`list_every_status`]).

use serde::Serialize;
use sqlx::{
    any::{AnyArguments, AnyRow},
    query::Query,
    Any, Row,
};
use time::Date;

use super::{search::Term, Status};
use crate::{
    db::{Backend, Db},
    groups::{hours::Zone, scope_user, visible_from, visible_sql},
    users::access::Scope,
};

/// An order as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrderView {
    pub no: i64,
    pub order_id: String,
    pub transaksi: String,
    pub keterangan: String,
    pub ticket_no: String,
    pub status: String,
    /// The group the request came from, and its title when known.
    pub chat_id: i64,
    pub group_title: Option<String>,
    pub requester_name: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub picked_by: Option<String>,
    pub picked_by_username: Option<String>,
    pub picked_at: Option<i64>,
    pub closed_by: Option<String>,
    pub closed_by_username: Option<String>,
    pub closed_at: Option<i64>,
    /// When the Pickup warning starts and when Pickup is due (Unix ms; none: no target).
    pub pickup_warn_at: Option<i64>,
    pub pickup_due_at: Option<i64>,
    /// The same for Close, once picked up.
    pub close_warn_at: Option<i64>,
    pub close_due_at: Option<i64>,
    /// The request was written under an image: `GET /api/orders/{no}/photo` serves it.
    pub has_photo: bool,
}

impl OrderView {
    /// Who picked it up, as `Name (@username)`.
    pub fn picked_by_label(&self) -> Option<String> {
        label(&self.picked_by, &self.picked_by_username)
    }

    /// Who closed it, as `Name (@username)`.
    pub fn closed_by_label(&self) -> Option<String> {
        label(&self.closed_by, &self.closed_by_username)
    }
}

/// `Name (@username)`, or the name alone; `None` without a name.
pub(super) fn label(name: &Option<String>, username: &Option<String>) -> Option<String> {
    match (name, username) {
        (Some(name), Some(username)) => Some(format!("{name} (@{username})")),
        (Some(name), None) => Some(name.clone()),
        _ => None,
    }
}

/// The order of a page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    /// The stage's due time, earliest first; tickets without one after, oldest first.
    /// Closed tickets have no stage and come newest first.
    Urgent,
    /// In the order they came in.
    Oldest,
}

/// Where the previous page ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Newest first: orders numbered below this.
    Before(i64),
    /// Most urgent first: after this sort key, then this order number.
    Urgency(i64, i64),
    /// Oldest first: orders numbered above this.
    Since(i64),
}

/// Calendar days, both included, each ticket's read in its group's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days {
    pub from: Date,
    pub to: Date,
}

const MS_PER_DAY: i64 = 24 * 60 * 60 * 1000;
/// The Julian day of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

impl Days {
    /// The first moment of the range and the first after it, as milliseconds on a local
    /// clock: what a ticket's `created_at` plus its group's offset falls between.
    fn local_bounds(self) -> (i64, i64) {
        let ms = |day: Date| (i64::from(day.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY) * MS_PER_DAY;
        (ms(self.from), ms(self.to) + MS_PER_DAY)
    }
}

/// What narrows a list beside its status and page; the board and the export share them.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// A ticket number, or part of an Order_ID, ticket, Transaksi, Keterangan or the
    /// requester's name, in any case and with or without accents; empty for all.
    pub search: String,
    /// Only this group's orders.
    pub group: Option<i64>,
    /// Only this Transaksi, in any case.
    pub transaksi: Option<String>,
    /// Only tickets created on these days.
    pub days: Option<Days>,
}

impl Filters {
    /// SQL true for the orders `o` the filters keep, with the placeholders `$first` to
    /// `$first + 4` bound by [`Filters::bind`]. Each filter left out is a condition on its
    /// placeholder alone, so the statement has the same placeholders either way.
    pub(super) fn sql(&self, backend: Backend, first: usize) -> String {
        let p = |n: usize| format!("${}", first + n);
        let group = match self.group {
            Some(_) => format!("o.chat_id = {}", p(0)),
            None => format!("{} = 0", p(0)),
        };
        let transaksi = match self.transaksi {
            Some(_) => format!("lower(o.transaksi) = {}", p(1)),
            None => format!("{} = ''", p(1)),
        };
        let days = match self.days {
            Some(_) => {
                let local = format!("o.created_at + {}", Zone::offset_ms_sql("o.chat_id"));
                format!("{local} >= {} AND {local} < {}", p(2), p(3))
            }
            None => format!("{} = {}", p(2), p(3)),
        };
        let search = Term::parse(&self.search).sql(backend, &p(4));
        format!("{group} AND {transaksi} AND {days} AND {search}")
    }

    /// Binds the values of [`Filters::sql`]'s placeholders, in order. A statement with a
    /// search, a Transaksi or days is planned for its own values, never kept prepared:
    /// PostgreSQL plans a statement it has run five times for any value, and for any
    /// `LIKE` pattern it guesses a few matching rows, so it walked the page's index row by
    /// row (150 ms over 100,000 orders) instead of asking the trigram index (2 ms).
    pub(super) fn bind<'q>(
        &self,
        backend: Backend,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        let (from, to) = self.days.map_or((0, 0), Days::local_bounds);
        let term = Term::parse(&self.search);
        query
            .persistent(term == Term::All && self.transaksi.is_none() && self.days.is_none())
            .bind(self.group.unwrap_or_default())
            .bind(self.transaksi.as_deref().unwrap_or_default().to_lowercase())
            .bind(from)
            .bind(to)
            .bind(term.value(backend))
    }
}

/// One page of a status's orders.
#[derive(Clone, Debug)]
pub struct BoardQuery {
    pub status: Status,
    pub filters: Filters,
    pub sort: Sort,
    /// Only tickets whose stage was due at or before this (Unix ms): the late ones.
    pub late_at: Option<i64>,
    /// Continues after the previous page.
    pub after: Option<After>,
    pub limit: i64,
}

/// The column with the due time of the stage tickets of `status` are in.
fn due_column(status: Status) -> Option<&'static str> {
    match status {
        Status::Order => Some("o.pickup_due_at"),
        Status::Pickup => Some("o.close_due_at"),
        Status::Close => None,
    }
}

/// Sorts tickets without a target after every due time.
const NO_TARGET_KEY: i64 = i64::MAX;

/// Where the page holding `last` ends, to continue after it in `sort`.
pub fn after(sort: Sort, last: &OrderView) -> After {
    let due = match Status::parse(&last.status) {
        Some(Status::Order) => Some(last.pickup_due_at),
        Some(Status::Pickup) => Some(last.close_due_at),
        _ => None,
    };
    match (sort, due) {
        (Sort::Urgent, Some(due)) => After::Urgency(due.unwrap_or(NO_TARGET_KEY), last.no),
        (Sort::Oldest, _) => After::Since(last.no),
        _ => After::Before(last.no),
    }
}

/// How many orders each page holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub order: i64,
    pub pickup: i64,
    pub close: i64,
}

/// The columns [`view`] reads, then (after [`VIEW_JOINS`]) what a caller adds.
pub(super) const VIEW_COLUMNS: &str =
    "SELECT o.no, o.order_id, o.transaksi, o.keterangan, o.ticket_no, o.status, \
     o.requester_name, o.created_at, pu.name, o.picked_at, cu.name, o.closed_at, \
     o.chat_id, g.title, pu.username, cu.username, o.pickup_warn_at, o.pickup_due_at, \
     o.close_warn_at, o.close_due_at, o.photo_file_id";
/// How many columns [`VIEW_COLUMNS`] lists: the first a caller adds has this index.
pub(super) const VIEW_WIDTH: usize = 21;
pub(super) const VIEW_JOINS: &str = " FROM orders o \
     LEFT JOIN users pu ON pu.id = o.picked_by LEFT JOIN users cu ON cu.id = o.closed_by \
     LEFT JOIN groups g ON g.chat_id = o.chat_id";

pub(super) fn view(row: &AnyRow) -> Result<OrderView, sqlx::Error> {
    Ok(OrderView {
        no: row.try_get(0)?,
        order_id: row.try_get(1)?,
        transaksi: row.try_get(2)?,
        keterangan: row.try_get(3)?,
        ticket_no: row.try_get(4)?,
        status: row.try_get(5)?,
        requester_name: row.try_get(6)?,
        created_at: row.try_get(7)?,
        picked_by: row.try_get(8)?,
        picked_at: row.try_get(9)?,
        closed_by: row.try_get(10)?,
        closed_at: row.try_get(11)?,
        chat_id: row.try_get(12)?,
        group_title: row.try_get(13)?,
        picked_by_username: row.try_get(14)?,
        closed_by_username: row.try_get(15)?,
        pickup_warn_at: row.try_get(16)?,
        pickup_due_at: row.try_get(17)?,
        close_warn_at: row.try_get(18)?,
        close_due_at: row.try_get(19)?,
        has_photo: row.try_get::<Option<String>, _>(20)?.is_some(),
    })
}

pub async fn list(
    db: &Db,
    scope: Scope,
    query: &BoardQuery,
) -> Result<Vec<OrderView>, sqlx::Error> {
    let backend = db.backend();
    let filters = &query.filters;
    let search = filters.search.trim();
    // A ticket number typed whole is that ticket, through its unique index, whatever else
    // its text holds.
    if !search.is_empty() && query.after.is_none() {
        let ticket_only = Filters {
            search: String::new(),
            ..filters.clone()
        };
        let sql = format!(
            "{VIEW_COLUMNS}{VIEW_JOINS} WHERE o.ticket_no = upper($1) AND o.status = $2 AND {} AND {} AND {}",
            visible_sql(scope, "$3"),
            late_sql(query.status, query.late_at, "$4"),
            ticket_only.sql(backend, 5),
        );
        let statement = sqlx::query(&sql)
            .bind(search)
            .bind(query.status.as_str())
            .bind(scope_user(scope))
            .bind(query.late_at.unwrap_or_default());
        let row = ticket_only
            .bind(backend, statement)
            .fetch_optional(db.pool())
            .await?;
        if let Some(row) = row {
            return Ok(vec![view(&row)?]);
        }
    }
    let urgency = due_column(query.status)
        .filter(|_| query.sort == Sort::Urgent)
        .map(|due| format!("COALESCE({due}, {NO_TARGET_KEY})"));
    let (page_sql, order_sql, key, no) = match (&urgency, query.after) {
        (None, after) if query.sort == Sort::Oldest => {
            let since = match after {
                Some(After::Since(no)) => no,
                _ => i64::MIN,
            };
            (
                "o.no > $1 AND $4 = 0".to_owned(),
                "o.no".to_owned(),
                since,
                0,
            )
        }
        (Some(key), after) => {
            let (after_key, after_no) = match after {
                Some(After::Urgency(key, no)) => (key, no),
                _ => (i64::MIN, i64::MIN),
            };
            (
                format!("({key} > $1 OR ({key} = $1 AND o.no > $4))"),
                format!("{key}, o.no"),
                after_key,
                after_no,
            )
        }
        (None, after) => {
            let before = match after {
                Some(After::Before(no)) => no,
                _ => i64::MAX,
            };
            (
                "o.no < $1 AND $4 = 0".to_owned(),
                "o.no DESC".to_owned(),
                before,
                0,
            )
        }
    };
    // The page's order numbers are chosen from the indexes alone; only those rows are then
    // read whole, with their names and group. The status is written into the statement,
    // not bound: the urgency indexes hold one status each, and a planner uses such an
    // index only for a statement that names its status.
    let (from, visible) = visible_from(scope, "$3");
    let sql = format!(
        "{VIEW_COLUMNS}{VIEW_JOINS} WHERE o.no IN (SELECT o.no FROM {from} WHERE o.status = '{}' AND {page_sql} \
         AND {visible} AND {} AND {} ORDER BY {order_sql} LIMIT $2) ORDER BY {order_sql}",
        query.status.as_str(),
        late_sql(query.status, query.late_at, "$5"),
        filters.sql(backend, 6),
    );
    let statement = sqlx::query(&sql)
        .bind(key)
        .bind(query.limit)
        .bind(scope_user(scope))
        .bind(no)
        .bind(query.late_at.unwrap_or_default());
    let rows = filters
        .bind(backend, statement)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(view).collect()
}

/// SQL true for tickets of `status` whose stage was due at or before `placeholder` (bound
/// to `late_at`), or for every ticket without `late_at`. Closed tickets are never late.
fn late_sql(status: Status, late_at: Option<i64>, placeholder: &str) -> String {
    match (late_at, due_column(status)) {
        (None, _) => format!("{placeholder} = 0"),
        (Some(_), Some(due)) => format!("{due} <= {placeholder}"),
        (Some(_), None) => format!("{placeholder} <> {placeholder}"),
    }
}

/// [`late_sql`] for tickets of any status: each late against its own stage's due time.
fn late_in_any_status_sql(late_at: Option<i64>, placeholder: &str) -> String {
    match late_at {
        None => format!("{placeholder} = 0"),
        Some(_) => {
            let late = |status: Status| {
                format!(
                    "(o.status = '{}' AND {})",
                    status.as_str(),
                    late_sql(status, late_at, placeholder)
                )
            };
            format!("({} OR {})", late(Status::Order), late(Status::Pickup))
        }
    }
}

/// The tickets of every status that `filters` keep, newest first, at most `limit`, numbered
/// below `before`: a search that missed on one page looks on all of them ("Cari di semua
/// status"). Each status is read as its own page is, through its indexes.
pub async fn list_every_status(
    db: &Db,
    scope: Scope,
    filters: &Filters,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<OrderView>, sqlx::Error> {
    let mut found = Vec::new();
    for status in [Status::Order, Status::Pickup, Status::Close] {
        let query = BoardQuery {
            status,
            filters: filters.clone(),
            sort: Sort::Newest,
            late_at: None,
            after: before.map(After::Before),
            limit,
        };
        found.extend(list(db, scope, &query).await?);
    }
    found.sort_by_key(|order| std::cmp::Reverse(order.no));
    found.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(found)
}

/// Order `no`, if `scope` may see it.
pub async fn find(db: &Db, scope: Scope, no: i64) -> Result<Option<OrderView>, sqlx::Error> {
    let sql = format!(
        "{VIEW_COLUMNS}{VIEW_JOINS} WHERE o.no = $1 AND {}",
        visible_sql(scope, "$2")
    );
    let row = sqlx::query(&sql)
        .bind(no)
        .bind(scope_user(scope))
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(view).transpose()
}

/// How many orders of each status `scope` sees that `filters` keep and, with `late_at`,
/// whose stage was due by then: the board's tabs count what it is narrowed to.
pub async fn counts(
    db: &Db,
    scope: Scope,
    filters: &Filters,
    late_at: Option<i64>,
) -> Result<Counts, sqlx::Error> {
    let backend = db.backend();
    let sql = format!(
        "SELECT o.status, COUNT(*) FROM orders o WHERE {} AND {} AND {} GROUP BY o.status",
        visible_sql(scope, "$1"),
        late_in_any_status_sql(late_at, "$2"),
        filters.sql(backend, 3),
    );
    let statement = sqlx::query(&sql)
        .bind(scope_user(scope))
        .bind(late_at.unwrap_or_default());
    let rows = filters
        .bind(backend, statement)
        .fetch_all(db.pool())
        .await?;
    let mut counts = Counts::default();
    for row in rows {
        let status: String = row.try_get(0)?;
        let count: i64 = row.try_get(1)?;
        match Status::parse(&status) {
            Some(Status::Order) => counts.order = count,
            Some(Status::Pickup) => counts.pickup = count,
            Some(Status::Close) => counts.close = count,
            None => {}
        }
    }
    Ok(counts)
}

/// Grows whenever an order `scope` sees is created or moves: a page polls it to know when
/// to reload. Changes in groups the asker may not see leave it alone.
pub async fn version(db: &Db, scope: Scope) -> Result<i64, sqlx::Error> {
    let sql = match scope {
        Scope::Everything => "SELECT MAX(id) FROM order_events WHERE $1 = 0".to_owned(),
        Scope::GroupsOf(_) => format!(
            "SELECT MAX(e.id) FROM order_events e JOIN orders o ON o.no = e.order_no WHERE {}",
            visible_sql(scope, "$1")
        ),
    };
    let version: Option<i64> = sqlx::query_scalar(&sql)
        .bind(scope_user(scope))
        .fetch_one(db.pool())
        .await?;
    Ok(version.unwrap_or(0))
}
