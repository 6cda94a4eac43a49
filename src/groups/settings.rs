//! A group's own time settings: its targets (or the configured defaults), its business
//! hours and the zone they are read in. Admins set them in the Mini App's Tim page.

use std::{collections::HashMap, time::Duration};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::hours::{BusinessHours, WindowText, Zone};
use crate::{
    config::{self, Invalid, Settings},
    db::{now_ms, Conn},
    lang::Text,
};

/// The time targets a group has unless it sets its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlaDefaults {
    /// From the `/moban` to its Pickup; `None`: no target.
    pub pickup: Option<Duration>,
    /// From the Pickup to its Close; `None`: no target.
    pub close: Option<Duration>,
    /// How long before a target runs out its warning goes; zero: no warning.
    pub warn_before: Duration,
}

impl Default for SlaDefaults {
    fn default() -> Self {
        Self {
            pickup: Some(Duration::from_secs(30 * 60)),
            close: Some(Duration::from_secs(4 * 3600)),
            warn_before: Duration::from_secs(15 * 60),
        }
    }
}

/// The default targets as written (`sla_pickup`, `sla_close`, `sla_warn_before`).
#[derive(Debug, Deserialize)]
pub struct SlaWritten {
    sla_pickup: Option<String>,
    sla_close: Option<String>,
    sla_warn_before: Option<String>,
}

impl Settings for SlaDefaults {
    type Written = SlaWritten;

    fn check(written: SlaWritten) -> Result<Self, Invalid> {
        let defaults = Self::default();
        Ok(Self {
            pickup: match written.sla_pickup {
                Some(text) => parse_target("sla_pickup", &text)?,
                None => defaults.pickup,
            },
            close: match written.sla_close {
                Some(text) => parse_target("sla_close", &text)?,
                None => defaults.close,
            },
            warn_before: match written.sla_warn_before {
                Some(text) => parse_target("sla_warn_before", &text)?.unwrap_or(Duration::ZERO),
                None => defaults.warn_before,
            },
        })
    }
}

/// Longest time target: a month.
pub const LONGEST_TARGET: Duration = Duration::from_secs(31 * 24 * 3600);

/// A time target: a duration up to [`LONGEST_TARGET`], or `0` for none.
pub fn parse_target(key: &'static str, text: &str) -> Result<Option<Duration>, Invalid> {
    let target = config::duration_within(
        key,
        text,
        Duration::ZERO,
        LONGEST_TARGET,
        "use at most 31 days (744h), or 0 for none",
    )?;
    Ok(Some(target).filter(|d| !d.is_zero()))
}

/// One of a group's targets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Target {
    /// The configured default (`TANGKAP_SLA_PICKUP`, `TANGKAP_SLA_CLOSE`).
    #[default]
    Default,
    /// No target: this group's tickets are never late at this stage.
    Off,
    After(Duration),
}

impl Target {
    /// How the column stores it: NULL, 0, or milliseconds.
    fn column(self) -> Option<i64> {
        match self {
            Target::Default => None,
            Target::Off => Some(0),
            Target::After(d) => Some(d.as_millis() as i64),
        }
    }

    fn from_column(ms: Option<i64>) -> Self {
        match ms {
            None => Target::Default,
            Some(ms) if ms <= 0 => Target::Off,
            Some(ms) => Target::After(Duration::from_millis(ms as u64)),
        }
    }

    /// The target in force, given the configured `default`.
    pub fn resolve(self, default: Option<Duration>) -> Option<Duration> {
        match self {
            Target::Default => default,
            Target::Off => None,
            Target::After(d) => Some(d),
        }
    }
}

/// A group's time settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TimeSettings {
    pub pickup: Target,
    pub close: Target,
    /// `None`: always open.
    pub hours: Option<BusinessHours>,
    pub zone: Zone,
}

/// The targets and hours a stage of one group's ticket is timed by.
#[derive(Clone, Debug)]
pub struct Timing {
    pub pickup: Option<Duration>,
    pub close: Option<Duration>,
    pub warn_before: Duration,
    pub hours: Option<BusinessHours>,
    pub zone: Zone,
}

impl TimeSettings {
    pub fn timing(&self, defaults: &SlaDefaults) -> Timing {
        Timing {
            pickup: self.pickup.resolve(defaults.pickup),
            close: self.close.resolve(defaults.close),
            warn_before: defaults.warn_before,
            hours: self.hours.clone(),
            zone: self.zone,
        }
    }
}

pub(super) fn from_row(row: &sqlx::any::AnyRow) -> Result<TimeSettings, sqlx::Error> {
    let hours: Option<String> = row.try_get("business_hours")?;
    let zone: String = row.try_get("zone")?;
    Ok(TimeSettings {
        pickup: Target::from_column(row.try_get("sla_pickup_ms")?),
        close: Target::from_column(row.try_get("sla_close_ms")?),
        // Written only by `save`, from checked hours; anything else reads as always open.
        hours: hours
            .and_then(|text| serde_json::from_str::<Vec<WindowText>>(&text).ok())
            .and_then(|windows| BusinessHours::parse(&windows).ok()),
        zone: Zone::parse(&zone).unwrap_or_default(),
    })
}

pub(super) const COLUMNS: &str = "chat_id, sla_pickup_ms, sla_close_ms, business_hours, zone";

/// The zone of each of `chat_ids` that is a known group (the others are in the default
/// zone), in one statement per chunk.
pub async fn zones(conn: &mut Conn, chat_ids: &[i64]) -> Result<HashMap<i64, Zone>, sqlx::Error> {
    let mut unique = chat_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut zones = HashMap::new();
    for chunk in unique.chunks(crate::db::Backend::of(conn).rows_per_statement(1)) {
        let sql = format!(
            "SELECT chat_id, zone FROM groups WHERE chat_id IN {}",
            crate::db::values_placeholders(1, 1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for chat_id in chunk {
            query = query.bind(*chat_id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let zone: String = row.try_get(1)?;
            zones.insert(row.try_get(0)?, Zone::parse(&zone).unwrap_or_default());
        }
    }
    Ok(zones)
}

/// The settings of each of `chat_ids` that has any; the others have the defaults.
pub async fn load_many(
    conn: &mut Conn,
    chat_ids: &[i64],
) -> Result<HashMap<i64, TimeSettings>, sqlx::Error> {
    let mut settings = HashMap::new();
    let mut unique = chat_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for chat_id in unique {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM groups WHERE chat_id = $1"))
            .bind(chat_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            settings.insert(chat_id, from_row(&row)?);
        }
    }
    Ok(settings)
}

/// The settings of group `chat_id` (the defaults if it has none).
pub async fn load(conn: &mut Conn, chat_id: i64) -> Result<TimeSettings, sqlx::Error> {
    Ok(load_many(conn, &[chat_id])
        .await?
        .remove(&chat_id)
        .unwrap_or_default())
}

/// Stores `settings` for group `chat_id`, which the bot has seen.
pub async fn save(tx: &mut Conn, chat_id: i64, settings: &TimeSettings) -> Result<(), sqlx::Error> {
    let hours = settings
        .hours
        .as_ref()
        .map(|hours| serde_json::to_string(&hours.to_text()).expect("windows always serialize"));
    sqlx::query(
        "UPDATE groups SET sla_pickup_ms = $2, sla_close_ms = $3, business_hours = $4, \
         zone = $5, updated_at = $6 WHERE chat_id = $1",
    )
    .bind(chat_id)
    .bind(settings.pickup.column())
    .bind(settings.close.column())
    .bind(hours)
    .bind(settings.zone.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The settings as the Mini App shows and sends them: targets as `30m`, `0` (none) or
/// null (the default), hours as windows (empty: always open).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsText {
    pub pickup: Option<String>,
    pub close: Option<String>,
    pub hours: Vec<WindowText>,
    pub zone: String,
}

impl TimeSettings {
    pub fn to_text(&self) -> SettingsText {
        let target = |t: Target| match t {
            Target::Default => None,
            Target::Off => Some("0".to_owned()),
            Target::After(d) => Some(duration_text(d)),
        };
        SettingsText {
            pickup: target(self.pickup),
            close: target(self.close),
            hours: self
                .hours
                .as_ref()
                .map(BusinessHours::to_text)
                .unwrap_or_default(),
            zone: self.zone.as_str().to_owned(),
        }
    }

    /// Checks settings sent by an admin; the error says what is wrong.
    pub fn from_text(text: &SettingsText) -> Result<Self, Text> {
        let target = |name: &'static str, t: &Option<String>| -> Result<Target, Text> {
            match t.as_deref().map(str::trim) {
                None | Some("") => Ok(Target::Default),
                Some(text) => parse_target(name, text)
                    .map(|d| d.map_or(Target::Off, Target::After))
                    .map_err(|_| {
                        Text::new(
                            format!(
                                "target tidak valid: {text:?} (tulis seperti 30m, 4h, 1h30m, atau 0)"
                            ),
                            format!("not a target: {text:?} (write e.g. 30m, 4h, 1h30m, or 0)"),
                        )
                    }),
            }
        };
        Ok(Self {
            pickup: target("pickup", &text.pickup)?,
            close: target("close", &text.close)?,
            hours: if text.hours.is_empty() {
                None
            } else {
                Some(BusinessHours::parse(&text.hours)?)
            },
            zone: Zone::parse(&text.zone).ok_or_else(|| {
                Text::new(
                    format!("zona waktu tidak dikenal: {:?} (WIB, WITA, WIT)", text.zone),
                    format!("unknown time zone: {:?} (WIB, WITA, WIT)", text.zone),
                )
            })?,
        })
    }
}

/// A duration as settings write it: `1h30m`, `45s`.
pub fn duration_text(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs()))
        .to_string()
        .replace(' ', "")
}
