//! Time on every ticket: two targets, time to Pickup (from the `/moban`) and time to
//! Close (from the Pickup), each with a warning before it runs out and a breach after.
//!
//! A stage's warning and due times are worked out when the stage begins, from its group's
//! settings then ([`crate::groups::settings`]), and stored on the order (the Mini App
//! shows them; reports compare them with when the step came). Their reminders are timers
//! ([`crate::timers`]) written in the same transaction; the next step cancels them.
//! Changing a group's settings re-times its open tickets ([`retime_group`]).

use std::collections::HashMap;

use sqlx::Row;

use serde::Serialize;

use crate::{
    db::{now_ms, values_placeholders, Backend, Conn, Db},
    groups::{
        self,
        settings::{self, duration_text, SettingsText, SlaDefaults, TimeSettings, Timing},
    },
    lang::Text,
    timers::{self, Timer},
    users::{
        access::{self, Actor},
        team, User,
    },
};

/// Timer kinds, also the kinds of `reminders` rows. A new ticket's Pickup timers are set
/// by a trigger on its insert (migration 0030), which names them too.
pub const PICKUP_WARNING: &str = "pickup_warning";
pub const PICKUP_BREACH: &str = "pickup_breach";
pub const CLOSE_WARNING: &str = "close_warning";
pub const CLOSE_BREACH: &str = "close_breach";

/// A stage a ticket waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for Pickup.
    Pickup,
    /// Picked up, waiting for Close.
    Close,
}

impl Stage {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Stage::Pickup => ("pickup_warn_at", "pickup_due_at"),
            Stage::Close => ("close_warn_at", "close_due_at"),
        }
    }

    fn kinds(self) -> [&'static str; 2] {
        match self {
            Stage::Pickup => [PICKUP_WARNING, PICKUP_BREACH],
            Stage::Close => [CLOSE_WARNING, CLOSE_BREACH],
        }
    }

    /// The step that ends the stage, as reminders name it.
    pub fn step(self) -> &'static str {
        match self {
            Stage::Pickup => "Pickup",
            Stage::Close => "Close",
        }
    }

    /// The order status a ticket has while in this stage.
    pub fn status(self) -> &'static str {
        match self {
            Stage::Pickup => "order",
            Stage::Close => "pickup",
        }
    }
}

/// A reminder timer's kind read back: its stage, and whether it is the breach (or the
/// warning before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub kind: &'static str,
    pub stage: Stage,
    pub breach: bool,
}

impl Reminder {
    pub fn of(kind: &str) -> Option<Self> {
        [Stage::Pickup, Stage::Close].into_iter().find_map(|stage| {
            let [warning, breach] = stage.kinds();
            [(warning, false), (breach, true)]
                .into_iter()
                .find(|(k, _)| *k == kind)
                .map(|(kind, breach)| Reminder {
                    kind,
                    stage,
                    breach,
                })
        })
    }
}

/// When a stage's warning goes and when it is due (Unix ms); `None`: no target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    pub warn_at: Option<i64>,
    pub due_at: Option<i64>,
}

impl Timing {
    /// The clock of `stage` begun at `start`: the target counted in open hours only, and
    /// the warning `warn_before` (also in open hours) before it. No warning when the
    /// target is not longer than that.
    pub fn clock(&self, stage: Stage, start: i64) -> Clock {
        let target = match stage {
            Stage::Pickup => self.pickup,
            Stage::Close => self.close,
        };
        let Some(target) = target else {
            return Clock::default();
        };
        let target = target.as_millis() as i64;
        let warn = self.warn_before.as_millis() as i64;
        let after = |ms: i64| match &self.hours {
            Some(hours) => hours.add(self.zone, start, ms),
            None => start + ms,
        };
        Clock {
            warn_at: (warn > 0 && warn < target).then(|| after(target - warn)),
            due_at: Some(after(target)),
        }
    }
}

/// The timing of each of `chats` now: its settings, or the defaults where it has none.
pub async fn timings(
    conn: &mut Conn,
    chats: &[i64],
    defaults: &SlaDefaults,
) -> Result<HashMap<i64, Timing>, sqlx::Error> {
    let settings = settings::load_many(conn, chats).await?;
    Ok(timings_of(&settings, chats, defaults))
}

/// The timing of each of `chats` by `settings` (read already), or by the defaults where a
/// group has none.
pub fn timings_of(
    settings: &HashMap<i64, TimeSettings>,
    chats: &[i64],
    defaults: &SlaDefaults,
) -> HashMap<i64, Timing> {
    chats
        .iter()
        .map(|chat_id| {
            let timing = match settings.get(chat_id) {
                Some(settings) => settings.timing(defaults),
                None => TimeSettings::default().timing(defaults),
            };
            (*chat_id, timing)
        })
        .collect()
}

/// Starts the clock of `stage` for each of `orders` (`(order no, group chat id, start)`):
/// stores its times and sets its reminders, replacing those of the stage before. (New
/// orders are stored with their Pickup times: [`super::create_many`].)
pub async fn start(
    tx: &mut Conn,
    stage: Stage,
    orders: &[(i64, i64, i64)],
    defaults: &SlaDefaults,
) -> Result<(), sqlx::Error> {
    if orders.is_empty() {
        return Ok(());
    }
    let chats: Vec<i64> = orders.iter().map(|o| o.1).collect();
    let timings = timings(tx, &chats, defaults).await?;
    let clocks: Vec<(i64, Clock)> = orders
        .iter()
        .map(|&(no, chat_id, start)| (no, timings[&chat_id].clock(stage, start)))
        .collect();
    if stage == Stage::Close {
        let picked: Vec<i64> = orders.iter().map(|o| o.0).collect();
        timers::cancel(tx, &Stage::Pickup.kinds(), &picked).await?;
    }
    store_many(tx, stage, &clocks).await?;
    remind(tx, stage, &clocks).await
}

/// Sets again the reminders of `stage` that were still to come when each of `orders`
/// (`(order no, when it left the stage)`) left it, by the times stored: the stage goes on
/// as if it had not been left. One due meanwhile comes at once.
pub async fn resume(tx: &mut Conn, stage: Stage, orders: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    let (warn_column, due_column) = stage.columns();
    let mut clocks = Vec::with_capacity(orders.len());
    for chunk in orders.chunks(Backend::of(tx).rows_per_statement(1)) {
        let sql = format!(
            "SELECT no, {warn_column}, {due_column} FROM orders WHERE no IN {}",
            values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for (no, _) in chunk {
            query = query.bind(*no);
        }
        let left: HashMap<i64, i64> = chunk.iter().copied().collect();
        for row in query.fetch_all(&mut *tx).await? {
            let no: i64 = row.try_get(0)?;
            let still_to_come = |at: Option<i64>| at.filter(|&at| at > left[&no]);
            clocks.push((
                no,
                Clock {
                    warn_at: still_to_come(row.try_get(1)?),
                    due_at: still_to_come(row.try_get(2)?),
                },
            ));
        }
    }
    remind(tx, stage, &clocks).await
}

/// Sets the reminders of `stage` for each of `clocks` (`(order no, clock)`).
pub async fn remind(
    tx: &mut Conn,
    stage: Stage,
    clocks: &[(i64, Clock)],
) -> Result<(), sqlx::Error> {
    let timers: Vec<Timer> = clocks
        .iter()
        .flat_map(|&(no, clock)| reminders(stage, no, clock))
        .collect();
    timers::set(tx, &timers).await
}

async fn store_many(
    tx: &mut Conn,
    stage: Stage,
    clocks: &[(i64, Clock)],
) -> Result<(), sqlx::Error> {
    let (warn_column, due_column) = stage.columns();
    for chunk in clocks.chunks(Backend::of(tx).rows_per_statement(3)) {
        // A VALUES list's columns are column1, column2, … on both backends.
        let sql = format!(
            "UPDATE orders SET {warn_column} = v.column2, {due_column} = v.column3 \
             FROM (VALUES {}) AS v WHERE orders.no = v.column1",
            values_placeholders(1, chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for (no, clock) in chunk {
            query = query.bind(*no).bind(clock.warn_at).bind(clock.due_at);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// The tickets `nos` are closed: their Close reminders no longer apply.
pub async fn stop(tx: &mut Conn, nos: &[i64]) -> Result<(), sqlx::Error> {
    timers::cancel(tx, &Stage::Close.kinds(), nos).await
}

fn reminders(stage: Stage, no: i64, clock: Clock) -> impl Iterator<Item = Timer> {
    let [warning, breach] = stage.kinds();
    [(warning, clock.warn_at), (breach, clock.due_at)]
        .into_iter()
        .filter_map(move |(kind, at)| {
            at.map(|due_at| Timer {
                kind,
                entity: no,
                due_at,
            })
        })
}

/// Re-times the open tickets of group `chat_id` by its settings now: each stays timed
/// from when its stage began. A reminder still to come moves (or goes, if the new
/// settings have none); one that already went is set again only if its new time is still
/// to come (a target made longer); none goes twice for the same moment. Returns how many
/// tickets were re-timed.
pub async fn retime_group(
    tx: &mut Conn,
    chat_id: i64,
    defaults: &SlaDefaults,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let timing = settings::load(tx, chat_id).await?.timing(defaults);
    let mut count = 0;
    for stage in [Stage::Pickup, Stage::Close] {
        let start_column = match stage {
            // A reopened ticket's Pickup clock started when it was reopened.
            Stage::Pickup => "COALESCE(reopened_at, created_at)",
            Stage::Close => "picked_at",
        };
        let rows = sqlx::query(&format!(
            "SELECT no, {start_column} FROM orders WHERE chat_id = $1 AND status = $2"
        ))
        .bind(chat_id)
        .bind(stage.status())
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            let no: i64 = row.try_get(0)?;
            let start: i64 = row.try_get::<Option<i64>, _>(1)?.unwrap_or(now);
            let clock = timing.clock(stage, start);
            store_many(tx, stage, &[(no, clock)]).await?;
            let [warning, breach] = stage.kinds();
            for (kind, at) in [(warning, clock.warn_at), (breach, clock.due_at)] {
                match at {
                    None => timers::cancel(tx, &[kind], &[no]).await?,
                    Some(at) => {
                        let moved = timers::move_to(tx, kind, no, at).await?;
                        if !moved && at > now {
                            timers::set(
                                tx,
                                &[Timer {
                                    kind,
                                    entity: no,
                                    due_at: at,
                                }],
                            )
                            .await?;
                        }
                    }
                }
            }
            count += 1;
        }
    }
    Ok(count)
}

/// A group's time settings as an admin sees them on the Tim page.
#[derive(Clone, Debug, Serialize)]
pub struct GroupTimes {
    pub chat_id: i64,
    pub title: String,
    pub settings: SettingsText,
    /// The configured targets a group without its own has.
    pub defaults: DefaultsText,
    /// Open tickets re-timed by the change just made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retimed: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DefaultsText {
    pub pickup: String,
    pub close: String,
    pub warn_before: String,
}

impl From<&SlaDefaults> for DefaultsText {
    fn from(defaults: &SlaDefaults) -> Self {
        let target = |t: Option<std::time::Duration>| t.map_or("0".to_owned(), duration_text);
        Self {
            pickup: target(defaults.pickup),
            close: target(defaults.close),
            warn_before: target(Some(defaults.warn_before).filter(|d| !d.is_zero())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// No such group, or not one the asker may configure.
    #[error("no such group")]
    NotFound,
    #[error("{0}")]
    Invalid(Text),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Group `chat_id`'s time settings, for someone who may configure them.
pub async fn group_times(
    db: &Db,
    viewer: &User,
    chat_id: i64,
    defaults: &SlaDefaults,
) -> Result<GroupTimes, SettingsError> {
    if !access::may_configure_groups(viewer) {
        return Err(SettingsError::NotFound);
    }
    let mut conn = db.pool().acquire().await?;
    let title = groups::title(&mut conn, chat_id)
        .await?
        .ok_or(SettingsError::NotFound)?;
    Ok(GroupTimes {
        chat_id,
        title,
        settings: settings::load(&mut conn, chat_id).await?.to_text(),
        defaults: defaults.into(),
        retimed: None,
    })
}

/// Sets group `chat_id`'s time settings on behalf of `actor`, re-times its open tickets
/// and records the change in the audit log, in one transaction.
pub async fn configure_group(
    db: &Db,
    actor: &User,
    chat_id: i64,
    text: &SettingsText,
    defaults: &SlaDefaults,
) -> Result<GroupTimes, SettingsError> {
    if !access::may_configure_groups(actor) {
        return Err(SettingsError::NotFound);
    }
    let settings = TimeSettings::from_text(text).map_err(SettingsError::Invalid)?;
    let mut tx = db.begin().await?;
    let title = groups::title(&mut tx, chat_id)
        .await?
        .ok_or(SettingsError::NotFound)?;
    settings::save(&mut tx, chat_id, &settings).await?;
    let retimed = retime_group(&mut tx, chat_id, defaults, now_ms()).await?;
    let written = settings.to_text();
    let detail = format!(
        "{title}: {}",
        serde_json::to_string(&written).expect("settings always serialize")
    );
    team::record(
        &mut tx,
        Actor::Member(actor),
        "group_settings",
        None,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(GroupTimes {
        chat_id,
        title,
        settings: written,
        defaults: defaults.into(),
        retimed: Some(retimed),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::groups::hours::Zone;

    fn timing(pickup: u64, warn: u64) -> Timing {
        Timing {
            pickup: Some(Duration::from_secs(pickup)),
            close: None,
            warn_before: Duration::from_secs(warn),
            hours: None,
            zone: Zone::Wib,
        }
    }

    #[test]
    fn a_stage_is_due_its_target_after_it_began_and_warned_before() {
        let clock = timing(1800, 900).clock(Stage::Pickup, 1_000);
        assert_eq!(clock.due_at, Some(1_000 + 1_800_000));
        assert_eq!(clock.warn_at, Some(1_000 + 900_000));
        assert_eq!(
            timing(1800, 900).clock(Stage::Close, 1_000),
            Clock::default()
        );
    }

    #[test]
    fn no_warning_when_the_target_is_not_longer_than_the_warning() {
        assert_eq!(timing(600, 900).clock(Stage::Pickup, 0).warn_at, None);
        assert_eq!(timing(900, 900).clock(Stage::Pickup, 0).warn_at, None);
        assert_eq!(timing(900, 0).clock(Stage::Pickup, 0).warn_at, None);
    }
}
