//! An organisation's row, parsed into the core types its rules need.
use chrono_tz::Tz;
use pmf_core::{DeadlineDay, FyStart, ReminderTime};

use crate::{StoreError, entity::organisation};

/// The settings of SPEC §3 that the rules read, already parsed: if this exists, they are valid.
#[derive(Debug, Clone)]
pub struct OrganisationSettings {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub time_zone: Tz,
    pub fy_start: FyStart,
    pub deadline_day: DeadlineDay,
    pub reminder_time: ReminderTime,
    pub amber_alerts: bool,
}

impl TryFrom<&organisation::Model> for OrganisationSettings {
    type Error = StoreError;

    fn try_from(row: &organisation::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("organisation {}: {what}", row.id));
        Ok(Self {
            id: row.id,
            name: row.name.clone(),
            slug: row.slug.clone(),
            time_zone: row.time_zone.parse().map_err(|_| corrupt("time zone"))?,
            fy_start: FyStart::try_from(row.fy_start_month as u32)
                .map_err(|_| corrupt("financial year start month"))?,
            deadline_day: DeadlineDay::try_from(row.deadline_day as u8)
                .map_err(|_| corrupt("deadline day"))?,
            reminder_time: row
                .reminder_time
                .parse()
                .map_err(|_| corrupt("reminder time"))?,
            amber_alerts: row.amber_alerts,
        })
    }
}
