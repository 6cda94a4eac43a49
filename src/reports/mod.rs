//! How the team is doing: tickets per day, time to Pickup and to Close per staff member
//! and per group (median and p90), the open backlog by age, and the share of tickets that
//! met their time target. For owners and admins only; for anyone else there is no report.
//!
//! The page must answer in well under 100 ms over a million tickets, so it never reads the
//! tickets themselves for the figures over time: every `/moban`, Pickup and Close adds to
//! the report tables in its own transaction ([`record`], multi-row upserts per batch),
//! keyed by group, the group's local day, stage and staff member, with the step's duration
//! in a log-scale bucket ([`bucket_of`]: 16 buckets per doubling). The last 30 days'
//! times are also kept summed without the day (`report_recent`, moved on each hour by
//! [`roll_window`]), so the default report's cost grows with groups × staff × occupied
//! buckets, not with tickets or days. Medians and p90s read from the buckets are the bucket's geometric middle, so
//! they are within [`PRECISION_PERCENT`] of the true value. Only the backlog reads
//! `orders`, through a partial index that holds the open tickets alone.

pub mod digest;
pub mod rekap;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::Row;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    groups::{self, hours::Zone, settings, GroupView},
    timers::{self, Timer},
    users::{
        access::{self, Scope},
        User,
    },
};

/// Buckets per doubling of a duration: each bucket spans a factor 2^(1/16) ≈ 1.044.
const BUCKETS_PER_DOUBLING: f64 = 16.0;
/// The most a median or p90 read from the buckets is off, in percent: half a bucket,
/// 2^(1/32) − 1.
pub const PRECISION_PERCENT: f64 = 2.2;
/// Days a report covers unless asked, and at most.
pub const DEFAULT_DAYS: i64 = 30;
/// The days whose times are also kept summed (`report_recent`), so the default report
/// reads no day-by-day rows for them.
const WINDOW_DAYS: i64 = DEFAULT_DAYS;
pub const MAX_DAYS: i64 = 90;
const MS_PER_DAY: i64 = 86_400_000;
const MS_PER_HOUR: i64 = 3_600_000;

/// The bucket of a duration of `ms` milliseconds: 0 below 1 ms, else
/// 1 + ⌊16 · log2(ms)⌋.
pub fn bucket_of(ms: i64) -> i64 {
    if ms < 1 {
        return 0;
    }
    1 + (BUCKETS_PER_DOUBLING * (ms as f64).log2()).floor() as i64
}

/// The duration a bucket stands for: the geometric middle of its bounds (ms).
pub fn bucket_value(bucket: i64) -> i64 {
    if bucket < 1 {
        return 0;
    }
    (((bucket - 1) as f64 + 0.5) / BUCKETS_PER_DOUBLING)
        .exp2()
        .round() as i64
}

/// The day of `at` (Unix ms) in `zone`, as days since 1970-01-01.
pub fn local_day(at: i64, zone: Zone) -> i64 {
    day_at(at, zone.offset())
}

/// The day of `at` (Unix ms) at `offset`, as days since 1970-01-01.
pub fn day_at(at: i64, offset: time::UtcOffset) -> i64 {
    (at + i64::from(offset.whole_seconds()) * 1000).div_euclid(MS_PER_DAY)
}

/// When `day` begins at `offset` (Unix ms).
pub fn day_start(day: i64, offset: time::UtcOffset) -> i64 {
    day * MS_PER_DAY - i64::from(offset.whole_seconds()) * 1000
}

/// `2026-12-05` for a [`local_day`].
pub fn day_text(day: i64) -> String {
    time::Date::from_julian_day(2_440_588 + day as i32)
        .unwrap_or(time::Date::MIN)
        .to_string()
}

/// What a ticket did that a report counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `/moban` made it.
    New,
    /// Picked up: timed from the `/moban`.
    Pickup,
    /// Closed: timed from the Pickup.
    Close,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::New => "order",
            Kind::Pickup => "pickup",
            Kind::Close => "close",
        }
    }
}

/// One thing to count, as it happened.
#[derive(Clone, Copy, Debug)]
pub struct Counted {
    pub chat_id: i64,
    pub kind: Kind,
    /// Who made the step (a user id); 0 for a new ticket.
    pub staff_id: i64,
    /// When it happened (Unix ms).
    pub at: i64,
    /// When its stage began (for a step).
    pub since: i64,
    /// The stage's due time, if it had a target.
    pub due_at: Option<i64>,
}

/// A key column's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Int(i64),
    Text(&'static str),
}

/// Rows to add to one of the report tables: key → tickets, met, missed.
type Sums = BTreeMap<Vec<Part>, [i64; 3]>;

/// Adds `counted` to the report tables, in the caller's transaction: the rows to add are
/// gathered first (one per key), then written by multi-row upserts in key order (two
/// instances take their locks in the same order). A step also counts in the last 30 days'
/// sums if its day is still in its group's window.
pub async fn record(tx: &mut Conn, counted: &[Counted]) -> Result<(), sqlx::Error> {
    if counted.is_empty() {
        return Ok(());
    }
    let chats: Vec<i64> = counted.iter().map(|c| c.chat_id).collect();
    let zones = settings::zones(tx, &chats).await?;
    record_in_zones(tx, counted, &zones).await
}

/// [`record`], for a caller that has read the groups' zones already (`zones`; a group not
/// in it is in the default zone).
pub async fn record_in_zones(
    tx: &mut Conn,
    counted: &[Counted],
    zones: &HashMap<i64, Zone>,
) -> Result<(), sqlx::Error> {
    if counted.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let todays: BTreeMap<i64, i64> = counted
        .iter()
        .map(|c| {
            let zone = zones.get(&c.chat_id).copied().unwrap_or_default();
            (c.chat_id, local_day(now, zone))
        })
        .collect();
    // New tickets count by day only; the 30 days' window matters to steps alone.
    let expired = if counted.iter().any(|c| c.kind != Kind::New) {
        windows(tx, &todays).await?
    } else {
        HashMap::new()
    };
    let (mut days, mut counts, mut recent) = (Sums::new(), Sums::new(), Sums::new());
    for c in counted {
        let zone = zones.get(&c.chat_id).copied().unwrap_or_default();
        let day = local_day(c.at, zone);
        let stage = Part::Text(c.kind.as_str());
        let add = match (c.kind, c.due_at) {
            (Kind::New, _) | (_, None) => [1, 0, 0],
            (_, Some(due)) if c.at <= due => [1, 1, 0],
            (_, Some(_)) => [1, 0, 1],
        };
        let sum = |sums: &mut Sums, key: Vec<Part>| {
            let entry = sums.entry(key).or_default();
            for (total, n) in entry.iter_mut().zip(add) {
                *total += n;
            }
        };
        sum(&mut days, vec![Part::Int(c.chat_id), Part::Int(day), stage]);
        if c.kind == Kind::New {
            continue;
        }
        let (staff, bucket) = (Part::Int(c.staff_id), Part::Int(bucket_of(c.at - c.since)));
        sum(
            &mut counts,
            vec![Part::Int(c.chat_id), Part::Int(day), stage, staff, bucket],
        );
        if expired
            .get(&c.chat_id)
            .is_some_and(|&through| day > through)
        {
            sum(
                &mut recent,
                vec![Part::Int(c.chat_id), stage, staff, bucket],
            );
        }
    }
    add_sums(tx, "report_days", &["chat_id", "day", "stage"], days).await?;
    add_sums(
        tx,
        "report_counts",
        &["chat_id", "day", "stage", "staff_id", "bucket"],
        counts,
    )
    .await?;
    add_sums(
        tx,
        "report_recent",
        &["chat_id", "stage", "staff_id", "bucket"],
        recent,
    )
    .await
}

/// Adds `sums` to `table` (whose key is `keys`) by multi-row upserts.
async fn add_sums(
    tx: &mut Conn,
    table: &str,
    keys: &[&str],
    sums: Sums,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(Vec<Part>, [i64; 3])> = sums.into_iter().collect();
    let columns = keys.len() + 3;
    let keys = keys.join(", ");
    for chunk in rows.chunks(Backend::of(tx).rows_per_statement(columns)) {
        let sql = format!(
            "INSERT INTO {table} ({keys}, tickets, met, missed) VALUES {} \
             ON CONFLICT ({keys}) DO UPDATE SET \
             tickets = {table}.tickets + excluded.tickets, \
             met = {table}.met + excluded.met, \
             missed = {table}.missed + excluded.missed",
            values_placeholders(1, chunk.len(), columns)
        );
        let mut query = sqlx::query(&sql);
        for (key, [tickets, met, missed]) in chunk {
            for part in key {
                query = match part {
                    Part::Int(n) => query.bind(*n),
                    Part::Text(text) => query.bind(*text),
                };
            }
            query = query.bind(*tickets).bind(*met).bind(*missed);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// For each group of `todays` (chat → its local today), the last day no longer in its
/// 30 days' sums, starting a window for a group seen the first time; on PostgreSQL the
/// windows are locked until the commit, so a window moving on ([`roll_window`]) waits
/// for the steps being counted in it.
async fn windows(
    tx: &mut Conn,
    todays: &BTreeMap<i64, i64>,
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let backend = Backend::of(tx);
    let pairs: Vec<(&i64, &i64)> = todays.iter().collect();
    for chunk in pairs.chunks(backend.rows_per_statement(2)) {
        let sql = format!(
            "INSERT INTO report_window (chat_id, expired_through) VALUES {} \
             ON CONFLICT (chat_id) DO NOTHING",
            values_placeholders(1, chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for (chat, today) in chunk {
            query = query.bind(**chat).bind(**today - WINDOW_DAYS);
        }
        query.execute(&mut *tx).await?;
    }
    let chats: Vec<i64> = todays.keys().copied().collect();
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let mut expired = HashMap::new();
    for chunk in chats.chunks(backend.rows_per_statement(1)) {
        let sql = format!(
            "SELECT chat_id, expired_through FROM report_window WHERE chat_id IN {} \
             ORDER BY chat_id {lock}",
            chat_list(1, chunk.len())
        );
        for row in in_chats(sqlx::query(&sql), chunk)
            .fetch_all(&mut *tx)
            .await?
        {
            expired.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok(expired)
}

/// The timer that moves every group's 30-day window on; it fires at each whole hour
/// (local midnights are whole UTC hours in Indonesia's zones).
pub const WINDOW_TIMER: &str = "report_window";

/// Takes out of the 30 days' sums, for each group, the days that have left its window by
/// `now`, and sets the timer for the next hour. A window that fell behind (Tangkap was
/// down) catches up at once.
pub async fn roll_window(tx: &mut Conn, now: i64) -> Result<(), sqlx::Error> {
    let lock = match Backend::of(tx) {
        Backend::Postgres => "FOR UPDATE",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT chat_id, expired_through FROM report_window ORDER BY chat_id {lock}"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let windows: Vec<(i64, i64)> = rows
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let chats: Vec<i64> = windows.iter().map(|w| w.0).collect();
    let zones = settings::zones(tx, &chats).await?;
    for (chat, through) in windows {
        let boundary = local_day(now, zones.get(&chat).copied().unwrap_or_default()) - WINDOW_DAYS;
        if boundary <= through {
            continue;
        }
        sqlx::query(
            "UPDATE report_recent SET tickets = report_recent.tickets - x.tickets, \
             met = report_recent.met - x.met, missed = report_recent.missed - x.missed \
             FROM (SELECT stage, staff_id, bucket, CAST(SUM(tickets) AS BIGINT) AS tickets, \
                          CAST(SUM(met) AS BIGINT) AS met, CAST(SUM(missed) AS BIGINT) AS missed \
                   FROM report_counts WHERE chat_id = $1 AND day > $2 AND day <= $3 \
                   GROUP BY stage, staff_id, bucket) AS x \
             WHERE report_recent.chat_id = $1 AND report_recent.stage = x.stage \
             AND report_recent.staff_id = x.staff_id AND report_recent.bucket = x.bucket",
        )
        .bind(chat)
        .bind(through)
        .bind(boundary)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM report_recent WHERE chat_id = $1 AND tickets <= 0")
            .bind(chat)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE report_window SET expired_through = $2 WHERE chat_id = $1")
            .bind(chat)
            .bind(boundary)
            .execute(&mut *tx)
            .await?;
    }
    let next_hour = (now.div_euclid(MS_PER_HOUR) + 1) * MS_PER_HOUR;
    timers::set(
        tx,
        &[Timer {
            kind: WINDOW_TIMER,
            entity: 0,
            due_at: next_hour,
        }],
    )
    .await
}

/// Sets the window's timer at start if it is not set (due at once, so windows that fell
/// behind while Tangkap was down catch up).
pub async fn schedule_window(db: &Db) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    timers::set_if_absent(
        &mut tx,
        &Timer {
            kind: WINDOW_TIMER,
            entity: 0,
            due_at: now_ms(),
        },
    )
    .await?;
    tx.commit().await
}

/// Durations of one stage: how many, and their median and 90th percentile (nearest rank:
/// the ⌈n/2⌉-th and ⌈0.9·n⌉-th shortest), within [`PRECISION_PERCENT`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Times {
    pub count: i64,
    pub median_ms: Option<i64>,
    pub p90_ms: Option<i64>,
}

/// A histogram of durations: bucket → tickets.
#[derive(Clone, Debug, Default)]
struct Histogram(BTreeMap<i64, i64>);

impl Histogram {
    fn add(&mut self, bucket: i64, tickets: i64) {
        *self.0.entry(bucket).or_default() += tickets;
    }

    /// The value of the `rank`-th shortest (1-based).
    fn at_rank(&self, rank: i64) -> Option<i64> {
        let mut seen = 0;
        self.0.iter().find_map(|(&bucket, &n)| {
            seen += n;
            (seen >= rank).then(|| bucket_value(bucket))
        })
    }

    fn times(&self) -> Times {
        let count: i64 = self.0.values().sum();
        if count == 0 {
            return Times::default();
        }
        Times {
            count,
            median_ms: self.at_rank((count + 1) / 2),
            p90_ms: self.at_rank((9 * count + 9) / 10),
        }
    }
}

/// Tickets of one local day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub new: i64,
    pub picked: i64,
    pub closed: i64,
}

/// A staff member's times.
#[derive(Clone, Debug, Serialize)]
pub struct StaffTimes {
    pub user_id: i64,
    pub name: String,
    pub pickup: Times,
    pub close: Times,
}

/// A group's times.
#[derive(Clone, Debug, Serialize)]
pub struct GroupTimes {
    pub chat_id: i64,
    pub title: String,
    pub pickup: Times,
    pub close: Times,
}

/// Open tickets of one age band.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Backlog {
    /// `lt_1h`, `1h_4h`, `4h_24h`, `gt_1d`.
    pub age: &'static str,
    /// Waiting for Pickup.
    pub order: i64,
    /// Picked up, waiting for Close.
    pub pickup: i64,
}

/// How many steps came by their due time, of those that had one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Met {
    pub met: i64,
    pub missed: i64,
    /// met / (met + missed); `None` when no step had a target.
    pub share: Option<f64>,
}

impl Met {
    fn of(met: i64, missed: i64) -> Self {
        Self {
            met,
            missed,
            share: (met + missed > 0).then(|| met as f64 / (met + missed) as f64),
        }
    }
}

/// The Laporan page.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The group reported on; `None`: all groups.
    pub group: Option<GroupView>,
    /// Every group, for the page's selector.
    pub groups: Vec<GroupView>,
    /// The zone the days are counted in (the group's; WIB for all groups, each group's
    /// tickets on its own local days).
    pub zone: &'static str,
    /// Oldest first, one per day, today last.
    pub per_day: Vec<Day>,
    pub staff: Vec<StaffTimes>,
    pub group_times: Vec<GroupTimes>,
    pub backlog: Vec<Backlog>,
    pub pickup_met: Met,
    pub close_met: Met,
    pub precision_percent: f64,
    pub generated_at: i64,
}

/// What a report is asked for.
#[derive(Clone, Copy, Debug)]
pub struct ReportQuery {
    pub group: Option<i64>,
    pub days: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The asker may not see reports, or no such group: as if there were no report.
    #[error("no such report")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The age bands of the backlog: name and the youngest age (ms) in the band.
const AGES: [(&str, i64); 4] = [
    ("lt_1h", 0),
    ("1h_4h", MS_PER_HOUR),
    ("4h_24h", 4 * MS_PER_HOUR),
    ("gt_1d", 24 * MS_PER_HOUR),
];

/// `?, ?, …` bound to `chats`, numbered from `first`.
fn chat_list(first: usize, count: usize) -> String {
    values_placeholders(first, 1, count.max(1))
}

/// `query` with `chats` bound to a [`chat_list`] (an impossible chat id when there are
/// none).
fn in_chats<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    chats: &[i64],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    if chats.is_empty() {
        query = query.bind(i64::MIN);
    }
    for chat in chats {
        query = query.bind(*chat);
    }
    query
}

/// The report `query` asks for, for `viewer`: owners and admins only.
pub async fn report(db: &Db, viewer: &User, query: ReportQuery) -> Result<Report, ReportError> {
    if !access::sees_reports(viewer) {
        return Err(ReportError::NotFound);
    }
    let groups = groups::visible(db, Scope::Everything).await?;
    let chosen = match query.group {
        None => None,
        Some(chat_id) => Some(
            groups
                .iter()
                .find(|g| g.chat_id == chat_id)
                .cloned()
                .ok_or(ReportError::NotFound)?,
        ),
    };
    let chats: Vec<i64> = match &chosen {
        Some(group) => vec![group.chat_id],
        None => groups.iter().map(|g| g.chat_id).collect(),
    };
    let mut conn = db.pool().acquire().await?;
    let zone = match &chosen {
        Some(group) => settings::zones(&mut conn, &chats)
            .await?
            .get(&group.chat_id)
            .copied()
            .unwrap_or_default(),
        None => Zone::default(),
    };
    let now = now_ms();
    let today = local_day(now, zone);
    let days = Days {
        chats: &chats,
        first: today - query.days.clamp(1, MAX_DAYS) + 1,
        last: today,
    };

    let mut per_day: BTreeMap<i64, Day> = (days.first..=days.last)
        .map(|d| {
            (
                d,
                Day {
                    day: day_text(d),
                    new: 0,
                    picked: 0,
                    closed: 0,
                },
            )
        })
        .collect();
    let sql = format!(
        "SELECT day, stage, CAST(SUM(tickets) AS BIGINT) FROM report_days WHERE {} \
         GROUP BY day, stage",
        days.filter()
    );
    for row in days.bind(&sql).fetch_all(&mut *conn).await? {
        let (day, stage, tickets): (i64, String, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        if let Some(entry) = per_day.get_mut(&day) {
            match stage.as_str() {
                "order" => entry.new += tickets,
                "pickup" => entry.picked += tickets,
                _ => entry.closed += tickets,
            }
        }
    }

    // Durations per staff member and per group, and the targets met per stage.
    let source = match days.last - days.first + 1 == WINDOW_DAYS
        && days.window_is_current(&mut conn).await?
    {
        true if chosen.is_none() => Source::RecentEveryGroup,
        true => Source::Recent,
        false => Source::Days,
    };
    let by_staff = durations_by(&mut conn, &days, source, "staff_id").await?;
    let by_group = durations_by(&mut conn, &days, source, "chat_id").await?;
    let sql = format!(
        "SELECT stage, CAST(SUM(met) AS BIGINT), CAST(SUM(missed) AS BIGINT) FROM report_days \
         WHERE {} AND stage <> 'order' GROUP BY stage",
        days.filter()
    );
    let (mut pickup_met, mut close_met) = (Met::default(), Met::default());
    for row in days.bind(&sql).fetch_all(&mut *conn).await? {
        let stage: String = row.try_get(0)?;
        let met = Met::of(row.try_get(1)?, row.try_get(2)?);
        match stage.as_str() {
            "pickup" => pickup_met = met,
            _ => close_met = met,
        }
    }

    let names = staff_names(&mut conn, by_staff.keys().copied().collect()).await?;
    let mut staff: Vec<StaffTimes> = by_staff
        .into_iter()
        .map(|(user_id, [pickup, close])| StaffTimes {
            user_id,
            name: names.get(&user_id).cloned().unwrap_or_default(),
            pickup: pickup.times(),
            close: close.times(),
        })
        .collect();
    staff.sort_by_key(|s| s.name.to_lowercase());
    let group_times = groups
        .iter()
        .filter_map(|g| {
            by_group.get(&g.chat_id).map(|[pickup, close]| GroupTimes {
                chat_id: g.chat_id,
                title: g.title.clone(),
                pickup: pickup.times(),
                close: close.times(),
            })
        })
        .collect();

    let backlog = backlog(&mut conn, &chats, now).await?;
    Ok(Report {
        group: chosen,
        groups,
        zone: zone.as_str(),
        per_day: per_day.into_values().collect(),
        staff,
        group_times,
        backlog,
        pickup_met,
        close_met,
        precision_percent: PRECISION_PERCENT,
        generated_at: now,
    })
}

/// The report counts of some groups from local day `first` to `last`.
struct Days<'a> {
    chats: &'a [i64],
    first: i64,
    last: i64,
}

impl Days<'_> {
    /// The SQL condition, its placeholders bound by [`Days::bind`].
    fn filter(&self) -> String {
        let after_chats = self.chats.len().max(1);
        format!(
            "chat_id IN {} AND day >= ${} AND day <= ${}",
            chat_list(1, self.chats.len()),
            after_chats + 1,
            after_chats + 2
        )
    }

    fn bind<'q>(
        &self,
        sql: &'q str,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        in_chats(sqlx::query(sql), self.chats)
            .bind(self.first)
            .bind(self.last)
    }
}

impl Days<'_> {
    /// Whether the 30 days' sums of these groups cover exactly these days (the window's
    /// timer may not have moved on yet just after a midnight, or a group's zone differs
    /// from the day reported on).
    async fn window_is_current(&self, conn: &mut Conn) -> Result<bool, sqlx::Error> {
        let sql = format!(
            "SELECT COUNT(*) FROM report_window WHERE chat_id IN {} AND expired_through <> ${}",
            chat_list(1, self.chats.len()),
            self.chats.len().max(1) + 1
        );
        let behind: i64 = in_chats(sqlx::query(&sql), self.chats)
            .bind(self.first - 1)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Ok(behind == 0)
    }
}

/// Where a report's durations are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The day-by-day counts of the report's days.
    Days,
    /// The 30 days' sums of the report's groups.
    Recent,
    /// The 30 days' sums of every group, read whole.
    RecentEveryGroup,
}

/// The Pickup and Close durations of `days`, per value of `column` (`staff_id` or
/// `chat_id`), read from `source`.
async fn durations_by(
    conn: &mut Conn,
    days: &Days<'_>,
    source: Source,
    column: &str,
) -> Result<BTreeMap<i64, [Histogram; 2]>, sqlx::Error> {
    let (table, filter) = match source {
        Source::Days => ("report_counts", days.filter()),
        Source::Recent => (
            "report_recent",
            format!("chat_id IN {}", chat_list(1, days.chats.len())),
        ),
        Source::RecentEveryGroup => ("report_recent", "1 = 1".to_owned()),
    };
    // One row per value and stage, its histogram as `bucket:tickets,…`: the buckets of 40
    // staff members in 20 groups are some 20,000 rows, and taking each through the driver
    // cost more than the database's whole work on them.
    let sql = format!(
        "SELECT k, stage, string_agg(CAST(bucket AS TEXT) || ':' || CAST(n AS TEXT), ',') \
         FROM (SELECT {column} AS k, stage, bucket, CAST(SUM(tickets) AS BIGINT) AS n \
               FROM {table} WHERE {filter} AND stage <> 'order' \
               GROUP BY {column}, stage, bucket) AS per_bucket \
         GROUP BY k, stage"
    );
    let query = match source {
        Source::Days => days.bind(&sql),
        Source::Recent => in_chats(sqlx::query(&sql), days.chats),
        Source::RecentEveryGroup => sqlx::query(&sql),
    };
    let mut histograms: BTreeMap<i64, [Histogram; 2]> = BTreeMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        let stage: String = row.try_get(1)?;
        let buckets: String = row.try_get(2)?;
        let histogram =
            &mut histograms.entry(row.try_get(0)?).or_default()[usize::from(stage == "close")];
        for pair in buckets.split(',') {
            let parsed = pair
                .split_once(':')
                .and_then(|(bucket, n)| Some((bucket.parse().ok()?, n.parse().ok()?)));
            let (bucket, tickets) = parsed.ok_or_else(|| {
                sqlx::Error::Decode(format!("a histogram's bucket reads {pair:?}").into())
            })?;
            histogram.add(bucket, tickets);
        }
    }
    Ok(histograms)
}

/// The open tickets of `chats` by age at `now`, from the open tickets' index alone.
async fn backlog(conn: &mut Conn, chats: &[i64], now: i64) -> Result<Vec<Backlog>, sqlx::Error> {
    let first = chats.len().max(1) + 1;
    let bands: Vec<String> = (0..AGES.len())
        .map(|i| match AGES.get(i + 1) {
            Some(_) => format!(
                "SUM(CASE WHEN created_at <= ${} AND created_at > ${} THEN 1 ELSE 0 END)",
                first + i,
                first + i + 1
            ),
            None => format!(
                "SUM(CASE WHEN created_at <= ${} THEN 1 ELSE 0 END)",
                first + i
            ),
        })
        .collect();
    let sql = format!(
        "SELECT status, {} FROM orders WHERE status IN ('order', 'pickup') AND chat_id IN {} \
         GROUP BY status",
        bands.join(", "),
        chat_list(1, chats.len())
    );
    let mut query = in_chats(sqlx::query(&sql), chats);
    for (_, youngest) in AGES {
        query = query.bind(now - youngest);
    }
    let mut backlog: Vec<Backlog> = AGES
        .iter()
        .map(|(age, _)| Backlog {
            age,
            order: 0,
            pickup: 0,
        })
        .collect();
    for row in query.fetch_all(&mut *conn).await? {
        let status: String = row.try_get(0)?;
        for (i, band) in backlog.iter_mut().enumerate() {
            let count: Option<i64> = row.try_get(i + 1)?;
            match status.as_str() {
                "order" => band.order = count.unwrap_or(0),
                _ => band.pickup = count.unwrap_or(0),
            }
        }
    }
    Ok(backlog)
}

/// The names of accounts `ids`.
async fn staff_names(conn: &mut Conn, ids: Vec<i64>) -> Result<HashMap<i64, String>, sqlx::Error> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(Backend::of(conn).rows_per_statement(1)) {
        let sql = format!(
            "SELECT id, name FROM users WHERE id IN {}",
            chat_list(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            names.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_stands_for_its_durations_within_the_stated_precision() {
        for ms in [
            1,
            2,
            3,
            999,
            1000,
            59_999,
            60_000,
            300_000,
            3_600_000,
            86_400_000 * 40,
        ] {
            let value = bucket_value(bucket_of(ms)) as f64;
            let off = (value - ms as f64).abs() / ms as f64 * 100.0;
            assert!(
                off <= PRECISION_PERCENT,
                "{ms} ms read as {value}: {off:.2}%"
            );
        }
        assert_eq!(bucket_of(0), 0);
        assert!(bucket_of(1001) >= bucket_of(1000));
    }

    #[test]
    fn median_and_p90_are_the_nearest_ranks() {
        let mut histogram = Histogram::default();
        // One to ten minutes, one ticket each: the 5th and the 9th.
        for minutes in 1..=10 {
            histogram.add(bucket_of(minutes * 60_000), 1);
        }
        let times = histogram.times();
        assert_eq!(times.count, 10);
        assert_eq!(times.median_ms, Some(bucket_value(bucket_of(300_000))));
        assert_eq!(times.p90_ms, Some(bucket_value(bucket_of(540_000))));
        assert_eq!(Histogram::default().times(), Times::default());
    }

    #[test]
    fn days_are_the_zones_own() {
        // 2026-12-04 17:30 UTC is already 5 December in Jakarta.
        let at = 1_796_405_400_000;
        assert_eq!(day_text(local_day(at, Zone::Wib)), "2026-12-05");
        assert_eq!(day_text(local_day(at - 3_600_000, Zone::Wib)), "2026-12-04");
    }
}
