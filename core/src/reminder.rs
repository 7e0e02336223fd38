//! The reminder ladder, escalation and the daily sweep time (docs/rules.md §10).
//!
//! > For each outstanding item (value or required commentary missing), at the organisation's
//! > reminder time (default 08:00 local):
//! > - `DUE_SOON` three days before the due date, `DUE_TODAY` on it, `OVERDUE` the day after,
//! >   repeated weekly while outstanding, `ESCALATION` to the owner's line manager three days
//! >   after;
//! > - each (item, period, stage, recipient) is sent at most once, whatever restarts or
//! >   replicas happen; after downtime the worker catches up with the latest stage due, not a
//! >   burst of stale ones;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::value::{UnknownValue, shorten};

/// A step of the reminder ladder. Together with the item, period and recipient, its
/// [`key`](ReminderStage::key) makes the outbox's dedupe key, so each is sent at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ReminderStage {
    /// To the owner, from three days before the due date.
    DueSoon,
    /// To the owner, on the due date.
    DueToday,
    /// To the owner, the day after the due date (week 1) and weekly after that (week 2, …).
    Overdue(u32),
    /// To the owner's line manager, three days after the due date.
    Escalation,
}

const STAGE_KEYS: [&str; 4] = ["DUE_SOON", "DUE_TODAY", "OVERDUE-<week>", "ESCALATION"];

impl ReminderStage {
    /// The dedupe spelling: `"DUE_SOON"`, `"DUE_TODAY"`, `"OVERDUE-1"`, `"OVERDUE-2"`, …,
    /// `"ESCALATION"`.
    pub fn key(&self) -> String {
        match self {
            ReminderStage::Overdue(week) => format!("OVERDUE-{week}"),
            other => other.kind().to_owned(),
        }
    }

    /// The notification kind, without the week: `"DUE_SOON"`, `"DUE_TODAY"`, `"OVERDUE"`,
    /// `"ESCALATION"`.
    pub const fn kind(&self) -> &'static str {
        match self {
            ReminderStage::DueSoon => "DUE_SOON",
            ReminderStage::DueToday => "DUE_TODAY",
            ReminderStage::Overdue(_) => "OVERDUE",
            ReminderStage::Escalation => "ESCALATION",
        }
    }

    /// Reads a [`key`](ReminderStage::key) back (`"OVERDUE-3"` → `Overdue(3)`; weeks start
    /// at 1).
    pub fn parse_key(s: &str) -> Result<Self, UnknownValue> {
        let err = || UnknownValue::new("reminder stage", s, &STAGE_KEYS);
        match s.trim() {
            "DUE_SOON" => Ok(ReminderStage::DueSoon),
            "DUE_TODAY" => Ok(ReminderStage::DueToday),
            "ESCALATION" => Ok(ReminderStage::Escalation),
            other => {
                let week = other.strip_prefix("OVERDUE-").ok_or_else(err)?;
                if week.is_empty() || !week.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(err());
                }
                match week.parse::<u32>() {
                    Ok(w) if w >= 1 => Ok(ReminderStage::Overdue(w)),
                    _ => Err(err()),
                }
            }
        }
    }

    /// Whether this stage goes to the owner's line manager rather than the owner.
    pub const fn is_escalation(&self) -> bool {
        matches!(self, ReminderStage::Escalation)
    }
}

impl fmt::Display for ReminderStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl FromStr for ReminderStage {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReminderStage::parse_key(s)
    }
}

impl From<ReminderStage> for String {
    fn from(s: ReminderStage) -> String {
        s.key()
    }
}

impl TryFrom<String> for ReminderStage {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReminderStage::parse_key(&s)
    }
}

/// The owner's reminder stage due on `today` for an item due on `due`: the latest stage
/// whose date is on or before today.
///
/// | days after due | stage |
/// |---|---|
/// | before −3 | none |
/// | −3 … −1 | `DueSoon` ("three days before the due date") |
/// | 0 | `DueToday` ("on it") |
/// | 1 … 7 | `Overdue(1)` ("the day after") |
/// | 8 … 14 | `Overdue(2)` ("repeated weekly while outstanding") |
/// | 7k−6 … 7k | `Overdue(k)` |
///
/// This is the catch-up rule: a worker that was down returns only the latest stage, "not a
/// burst of stale ones"; with dedupe on the stage key, a stage already sent is not sent again
/// (see [`stages_to_send`]).
pub fn owner_stage(due: NaiveDate, today: NaiveDate) -> Option<ReminderStage> {
    let days = (today - due).num_days();
    match days {
        ..-3 => None,
        -3..=-1 => Some(ReminderStage::DueSoon),
        0 => Some(ReminderStage::DueToday),
        _ => {
            let week = (days - 1) / 7 + 1;
            Some(ReminderStage::Overdue(
                u32::try_from(week).unwrap_or(u32::MAX),
            ))
        }
    }
}

/// How pressing an owed update is on `today` (My updates), by the reminder ladder's dates:
/// `DueSoon` from three days before the due date, `DueToday` on it, `Overdue` after it, and
/// `Upcoming` before that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Urgency {
    Overdue,
    DueToday,
    DueSoon,
    Upcoming,
}

/// The [`Urgency`] of an item due on `due`, seen on `today`.
pub fn urgency(due: NaiveDate, today: NaiveDate) -> Urgency {
    match owner_stage(due, today) {
        None => Urgency::Upcoming,
        Some(ReminderStage::DueSoon) => Urgency::DueSoon,
        Some(ReminderStage::DueToday) => Urgency::DueToday,
        Some(_) => Urgency::Overdue,
    }
}

/// Whether the escalation to the owner's line manager is due: "`ESCALATION` to the owner's
/// line manager three days after" the due date, i.e. `today >= due + 3 days`.
pub fn escalation_due(due: NaiveDate, today: NaiveDate) -> bool {
    (today - due).num_days() >= 3
}

/// What to send today for one outstanding item: the owner's current stage
/// ([`owner_stage`]) unless it is in `already_sent`, plus [`ReminderStage::Escalation`] when it
/// is due, has not been sent and the owner has a line manager. Stale stages are never
/// returned.
pub fn stages_to_send(
    due: NaiveDate,
    today: NaiveDate,
    already_sent: &[ReminderStage],
    has_manager: bool,
) -> Vec<ReminderStage> {
    let mut out = Vec::with_capacity(2);
    if let Some(stage) = owner_stage(due, today)
        && !already_sent.contains(&stage)
    {
        out.push(stage);
    }
    if has_manager
        && escalation_due(due, today)
        && !already_sent.contains(&ReminderStage::Escalation)
    {
        out.push(ReminderStage::Escalation);
    }
    out
}

/// An unreadable reminder time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time of day: use 24-hour \"HH:MM\", e.g. \"08:00\"")]
pub struct ReminderTimeError(pub String);

/// The organisation's local time of day for the daily reminder sweep (default 08:00).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct ReminderTime(NaiveTime);

impl ReminderTime {
    /// A reminder time from a `NaiveTime`.
    pub const fn new(time: NaiveTime) -> Self {
        ReminderTime(time)
    }

    /// Reads 24-hour `"HH:MM"` (also `"H:MM"` and `"HH:MM:SS"`), ignoring surrounding
    /// whitespace.
    pub fn parse(s: &str) -> Result<Self, ReminderTimeError> {
        let t = s.trim();
        let err = || ReminderTimeError(shorten(t));
        let mut parts = t.split(':');
        let mut num = |max: u32, min_len: usize| -> Result<Option<u32>, ReminderTimeError> {
            match parts.next() {
                None => Ok(None),
                Some(p)
                    if (min_len..=2).contains(&p.len())
                        && p.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let v: u32 = p.parse().map_err(|_| err())?;
                    if v <= max { Ok(Some(v)) } else { Err(err()) }
                }
                Some(_) => Err(err()),
            }
        };
        let h = num(23, 1)?.ok_or_else(err)?;
        let m = num(59, 2)?.ok_or_else(err)?;
        let s = num(59, 2)?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(err());
        }
        NaiveTime::from_hms_opt(h, m, s)
            .map(ReminderTime)
            .ok_or_else(err)
    }

    /// The time of day.
    pub const fn time(self) -> NaiveTime {
        self.0
    }
}

impl Default for ReminderTime {
    /// 08:00 local.
    fn default() -> Self {
        ReminderTime(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN))
    }
}

impl fmt::Display for ReminderTime {
    /// `"08:00"` (`"08:00:30"` when there are seconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.second() == 0 {
            write!(f, "{}", self.0.format("%H:%M"))
        } else {
            write!(f, "{}", self.0.format("%H:%M:%S"))
        }
    }
}

impl FromStr for ReminderTime {
    type Err = ReminderTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReminderTime::parse(s)
    }
}

impl From<ReminderTime> for String {
    fn from(t: ReminderTime) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for ReminderTime {
    type Error = ReminderTimeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReminderTime::parse(&s)
    }
}

/// The local date whose daily sweep is due by `now`: today's local date in `tz` once the
/// local time has reached `at`, otherwise yesterday's.
///
/// Computed from the local wall-clock time, so it follows daylight saving: in
/// Europe/London 08:00 is 07:00 UTC in summer and 08:00 UTC in winter, including on the days
/// the clocks change. A reminder time that does not exist on the spring-forward day (e.g.
/// 01:30) is reached as soon as the clocks jump past it; one that happens twice on the
/// fall-back day is reached the first time.
pub fn sweep_date(now: DateTime<Utc>, tz: Tz, at: ReminderTime) -> NaiveDate {
    let local = now.with_timezone(&tz);
    let today = local.date_naive();
    if local.time() >= at.0 {
        today
    } else {
        today.pred_opt().unwrap_or(today)
    }
}

/// `Some(date)` when the sweep for `date` ([`sweep_date`]) has not run yet, i.e. when
/// `last_swept` is `None` or earlier. Meant to be asked every minute by the worker (see
/// STACK.md: do not trust a cron job's time zone handling); after downtime it yields only
/// the latest date, never one sweep per missed day.
pub fn sweep_due(
    now: DateTime<Utc>,
    tz: Tz,
    at: ReminderTime,
    last_swept: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let date = sweep_date(now, tz, at);
    match last_swept {
        Some(last) if last >= date => None,
        _ => Some(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::d;
    use ReminderStage::*;
    use chrono::{Duration, TimeZone};
    use chrono_tz::Europe::London;
    use proptest::prelude::*;

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }
    fn eight() -> ReminderTime {
        ReminderTime::default()
    }

    #[test]
    fn urgency_follows_the_ladder() {
        let due = d(2025, 7, 10);
        assert_eq!(urgency(due, d(2025, 7, 6)), Urgency::Upcoming);
        assert_eq!(urgency(due, d(2025, 7, 7)), Urgency::DueSoon);
        assert_eq!(urgency(due, d(2025, 7, 10)), Urgency::DueToday);
        assert_eq!(urgency(due, d(2025, 7, 11)), Urgency::Overdue);
        assert_eq!(urgency(due, d(2026, 7, 11)), Urgency::Overdue);
    }

    #[test]
    fn ladder_dates() {
        let due = d(2025, 7, 10);
        assert_eq!(owner_stage(due, d(2025, 7, 6)), None);
        assert_eq!(owner_stage(due, d(2025, 7, 7)), Some(DueSoon));
        assert_eq!(owner_stage(due, d(2025, 7, 9)), Some(DueSoon));
        assert_eq!(owner_stage(due, d(2025, 7, 10)), Some(DueToday));
        assert_eq!(owner_stage(due, d(2025, 7, 11)), Some(Overdue(1)));
        assert_eq!(owner_stage(due, d(2025, 7, 17)), Some(Overdue(1)));
        assert_eq!(owner_stage(due, d(2025, 7, 18)), Some(Overdue(2)));
        assert_eq!(owner_stage(due, d(2025, 7, 25)), Some(Overdue(3)));
        assert_eq!(owner_stage(due, d(2026, 7, 10)), Some(Overdue(53)));
        // Extreme dates do not panic.
        assert!(matches!(
            owner_stage(NaiveDate::MIN, NaiveDate::MAX),
            Some(Overdue(_))
        ));
        assert_eq!(owner_stage(NaiveDate::MAX, NaiveDate::MIN), None);
    }

    #[test]
    fn escalation_three_days_after() {
        let due = d(2025, 7, 10);
        assert!(!escalation_due(due, d(2025, 7, 12)));
        assert!(escalation_due(due, d(2025, 7, 13)));
        assert!(escalation_due(due, d(2025, 9, 1)));
        assert!(!escalation_due(due, d(2025, 7, 1)));
    }

    #[test]
    fn stages_to_send_day_by_day() {
        let due = d(2025, 7, 10);
        let mut sent: Vec<ReminderStage> = vec![];
        let mut log = vec![];
        for offset in -5..=16 {
            let today = due + Duration::days(offset);
            let s = stages_to_send(due, today, &sent, true);
            for st in &s {
                log.push((offset, *st));
            }
            sent.extend(s);
        }
        assert_eq!(
            log,
            vec![
                (-3, DueSoon),
                (0, DueToday),
                (1, Overdue(1)),
                (3, Escalation),
                (8, Overdue(2)),
                (15, Overdue(3)),
            ]
        );
    }

    #[test]
    fn no_manager_no_escalation() {
        let due = d(2025, 7, 10);
        assert_eq!(
            stages_to_send(due, d(2025, 7, 13), &[Overdue(1)], false),
            vec![]
        );
        assert_eq!(
            stages_to_send(due, d(2025, 7, 13), &[Overdue(1)], true),
            vec![Escalation]
        );
        assert_eq!(
            stages_to_send(due, d(2025, 7, 13), &[Overdue(1), Escalation], true),
            vec![]
        );
    }

    #[test]
    fn catch_up_after_ten_days_down_sends_only_the_latest() {
        let due = d(2025, 7, 10);
        // Last run on 5 July (nothing due); down until 15 July.
        assert_eq!(stages_to_send(due, d(2025, 7, 5), &[], true), vec![]);
        assert_eq!(
            stages_to_send(due, d(2025, 7, 15), &[], true),
            vec![Overdue(1), Escalation],
            "no DUE_SOON or DUE_TODAY burst"
        );
        // Down from the DUE_SOON day for ten days: straight to OVERDUE week 2.
        assert_eq!(
            stages_to_send(due, d(2025, 7, 17) + Duration::days(1), &[DueSoon], true),
            vec![Overdue(2), Escalation]
        );
        // Restarting on the same day sends nothing twice.
        assert_eq!(
            stages_to_send(due, d(2025, 7, 15), &[Overdue(1), Escalation], true),
            vec![]
        );
    }

    #[test]
    fn stage_keys() {
        assert_eq!(DueSoon.key(), "DUE_SOON");
        assert_eq!(DueToday.key(), "DUE_TODAY");
        assert_eq!(Overdue(1).key(), "OVERDUE-1");
        assert_eq!(Overdue(12).key(), "OVERDUE-12");
        assert_eq!(Escalation.key(), "ESCALATION");
        assert_eq!(Overdue(3).kind(), "OVERDUE");
        assert_eq!(DueSoon.kind(), "DUE_SOON");
        for s in [DueSoon, DueToday, Overdue(1), Overdue(99), Escalation] {
            assert_eq!(ReminderStage::parse_key(&s.key()), Ok(s));
            assert_eq!(s.to_string().parse::<ReminderStage>(), Ok(s));
        }
        for bad in [
            "OVERDUE",
            "OVERDUE-0",
            "OVERDUE-",
            "OVERDUE-+1",
            "OVERDUE-x",
            "due_soon",
            "",
        ] {
            assert!(ReminderStage::parse_key(bad).is_err(), "{bad}");
        }
        assert!(Escalation.is_escalation());
        assert!(!Overdue(1).is_escalation());
    }

    #[test]
    fn reminder_time_parsing() {
        assert_eq!(eight().to_string(), "08:00");
        assert_eq!(ReminderTime::parse("08:00"), Ok(eight()));
        assert_eq!(ReminderTime::parse(" 8:00 "), Ok(eight()));
        assert_eq!(ReminderTime::parse("08:00:00"), Ok(eight()));
        assert_eq!(ReminderTime::parse("23:59").unwrap().to_string(), "23:59");
        assert_eq!(
            ReminderTime::parse("07:30:15").unwrap().to_string(),
            "07:30:15"
        );
        assert_eq!(ReminderTime::parse("00:00").unwrap().time(), NaiveTime::MIN);
        for bad in [
            "",
            "8",
            "24:00",
            "08:60",
            "08:0",
            "08-00",
            "8am",
            "08:00:00:00",
            "+8:00",
            "08:00:60",
            "０8:00",
        ] {
            let e = ReminderTime::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("HH:MM"), "{e}");
        }
        assert_eq!(String::from(eight()), "08:00");
        assert_eq!(
            ReminderTime::try_from("09:15".to_string())
                .unwrap()
                .to_string(),
            "09:15"
        );
    }

    #[test]
    fn sweep_date_in_summer_and_winter() {
        // Summer (BST, UTC+1): 08:00 local is 07:00 UTC.
        assert_eq!(
            sweep_date(utc(2025, 7, 1, 6, 59), London, eight()),
            d(2025, 6, 30)
        );
        assert_eq!(
            sweep_date(utc(2025, 7, 1, 7, 0), London, eight()),
            d(2025, 7, 1)
        );
        // Winter (GMT): 08:00 local is 08:00 UTC.
        assert_eq!(
            sweep_date(utc(2025, 1, 15, 7, 59), London, eight()),
            d(2025, 1, 14)
        );
        assert_eq!(
            sweep_date(utc(2025, 1, 15, 8, 0), London, eight()),
            d(2025, 1, 15)
        );
        // Late evening UTC in summer is already tomorrow locally, but before 08:00.
        assert_eq!(
            sweep_date(utc(2025, 7, 1, 23, 30), London, eight()),
            d(2025, 7, 1)
        );
    }

    #[test]
    fn sweep_date_on_the_last_sunday_of_march() {
        // Clocks go forward at 01:00 UTC on Sunday 30 March 2025: 08:00 BST = 07:00 UTC.
        assert_eq!(
            sweep_date(utc(2025, 3, 30, 6, 59), London, eight()),
            d(2025, 3, 29)
        );
        assert_eq!(
            sweep_date(utc(2025, 3, 30, 7, 0), London, eight()),
            d(2025, 3, 30)
        );
        // The day before was still GMT.
        assert_eq!(
            sweep_date(utc(2025, 3, 29, 7, 59), London, eight()),
            d(2025, 3, 28)
        );
        assert_eq!(
            sweep_date(utc(2025, 3, 29, 8, 0), London, eight()),
            d(2025, 3, 29)
        );
        // 01:30 does not exist that day: it is reached when the clocks jump to 02:00.
        let t0130 = ReminderTime::parse("01:30").unwrap();
        assert_eq!(
            sweep_date(utc(2025, 3, 30, 0, 59), London, t0130),
            d(2025, 3, 29)
        );
        assert_eq!(
            sweep_date(utc(2025, 3, 30, 1, 0), London, t0130),
            d(2025, 3, 30)
        );
    }

    #[test]
    fn sweep_date_on_the_last_sunday_of_october() {
        // Clocks go back at 01:00 UTC on Sunday 26 October 2025: 08:00 GMT = 08:00 UTC.
        assert_eq!(
            sweep_date(utc(2025, 10, 26, 7, 0), London, eight()),
            d(2025, 10, 25)
        );
        assert_eq!(
            sweep_date(utc(2025, 10, 26, 7, 59), London, eight()),
            d(2025, 10, 25)
        );
        assert_eq!(
            sweep_date(utc(2025, 10, 26, 8, 0), London, eight()),
            d(2025, 10, 26)
        );
        // The day before was still BST.
        assert_eq!(
            sweep_date(utc(2025, 10, 25, 7, 0), London, eight()),
            d(2025, 10, 25)
        );
        // 01:30 happens twice: the first time (00:30 UTC, BST) counts; the second adds nothing.
        let t0130 = ReminderTime::parse("01:30").unwrap();
        assert_eq!(
            sweep_date(utc(2025, 10, 26, 0, 29), London, t0130),
            d(2025, 10, 25)
        );
        assert_eq!(
            sweep_date(utc(2025, 10, 26, 0, 30), London, t0130),
            d(2025, 10, 26)
        );
        assert_eq!(
            sweep_due(
                utc(2025, 10, 26, 1, 30),
                London,
                t0130,
                Some(d(2025, 10, 26))
            ),
            None
        );
    }

    #[test]
    fn sweep_due_runs_once_per_day_and_catches_up_once() {
        let at = eight();
        assert_eq!(
            sweep_due(utc(2025, 7, 1, 7, 0), London, at, None),
            Some(d(2025, 7, 1))
        );
        assert_eq!(
            sweep_due(utc(2025, 7, 1, 7, 0), London, at, Some(d(2025, 6, 30))),
            Some(d(2025, 7, 1))
        );
        assert_eq!(
            sweep_due(utc(2025, 7, 1, 7, 1), London, at, Some(d(2025, 7, 1))),
            None
        );
        assert_eq!(
            sweep_due(utc(2025, 7, 2, 6, 59), London, at, Some(d(2025, 7, 1))),
            None
        );
        // Down for ten days: one sweep, for today.
        assert_eq!(
            sweep_due(utc(2025, 7, 11, 9, 0), London, at, Some(d(2025, 7, 1))),
            Some(d(2025, 7, 11))
        );
        // A clock that went backwards never re-sweeps.
        assert_eq!(
            sweep_due(utc(2025, 7, 1, 9, 0), London, at, Some(d(2025, 7, 11))),
            None
        );
    }

    #[test]
    fn minute_by_minute_over_the_dst_weekends_sweeps_once_a_day_at_eight_local() {
        for (start, days) in [(utc(2025, 3, 28, 0, 0), 4), (utc(2025, 10, 24, 0, 0), 4)] {
            let mut last = None;
            let mut sweeps = vec![];
            let mut now = start;
            while now < start + Duration::days(days) {
                if let Some(date) = sweep_due(now, London, eight(), last) {
                    sweeps.push((date, now.with_timezone(&London).time()));
                    last = Some(date);
                }
                now += Duration::minutes(1);
            }
            // The first tick sweeps the previous day (never swept); then one per day at 08:00.
            assert_eq!(sweeps.len(), days as usize + 1, "{sweeps:?}");
            for (_, time) in &sweeps[1..] {
                assert_eq!(*time, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
            }
        }
    }

    proptest! {
        #[test]
        fn owner_stage_is_monotonic(offset in -400i64..400) {
            let due = d(2025, 7, 10);
            let rank = |s: Option<ReminderStage>| match s {
                None => 0,
                Some(DueSoon) => 1,
                Some(DueToday) => 2,
                Some(Overdue(k)) => 2 + k,
                Some(Escalation) => unreachable!(),
            };
            let today = due + Duration::days(offset);
            prop_assert!(rank(owner_stage(due, today)) <= rank(owner_stage(due, today + Duration::days(1))));
        }
    }
}
