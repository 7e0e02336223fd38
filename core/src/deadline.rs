//! Data deadlines and completeness (docs/rules.md §9).
//!
//! > - monthly measures: due on the 10th of the month after the month ends;
//! > - quarterly measures and action updates: due on the 10th of the month after the quarter
//! >   ends;
//! > - annual measures: due on the last day of the month after the year ends (30 April);
//! > - an indicator expects a value for every period of its frequency that starts on or after
//! >   its plan's start date (or the indicator's own first period, when set) and ends by the
//! >   plan's end date, until the indicator is retired; earlier periods are never
//! >   "outstanding";
//! > - the day (10) is an organisation setting; a deadline extension replaces the date for one
//! >   indicator/action and period;
//! > - a value that is AMBER or RED, or DETERIORATING with no target, is not complete until it
//! >   has commentary.

use chrono::{Datelike, NaiveDate};

use crate::period::{Frequency, FyStart, Period, PeriodKind, day_after, month_end};
use crate::status::IndicatorStatus;
use crate::trend::Trend;
use crate::value::string_enum;

/// An invalid data deadline day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the data deadline day must be from 1 to 28 (so that every month has it), not {0}")]
pub struct DeadlineDayError(pub i64);

/// The organisation's day of the month on which monthly and quarterly data is due
/// (1..=28, default 10).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "i64", into = "u8")]
pub struct DeadlineDay(u8);

impl DeadlineDay {
    /// Checks that `day` is 1..=28 (any integer type: `u8`, `i32` from the database, …).
    pub fn new(day: impl Into<i64>) -> Result<Self, DeadlineDayError> {
        let day: i64 = day.into();
        match u8::try_from(day) {
            Ok(d @ 1..=28) => Ok(DeadlineDay(d)),
            _ => Err(DeadlineDayError(day)),
        }
    }

    /// The day of the month, 1..=28.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for DeadlineDay {
    fn default() -> Self {
        DeadlineDay(10)
    }
}

impl TryFrom<u8> for DeadlineDay {
    type Error = DeadlineDayError;
    fn try_from(day: u8) -> Result<Self, Self::Error> {
        DeadlineDay::new(i64::from(day))
    }
}

impl TryFrom<u32> for DeadlineDay {
    type Error = DeadlineDayError;
    fn try_from(day: u32) -> Result<Self, Self::Error> {
        DeadlineDay::new(i64::from(day))
    }
}

impl TryFrom<i32> for DeadlineDay {
    type Error = DeadlineDayError;
    fn try_from(day: i32) -> Result<Self, Self::Error> {
        DeadlineDay::new(i64::from(day))
    }
}

impl TryFrom<i64> for DeadlineDay {
    type Error = DeadlineDayError;
    fn try_from(day: i64) -> Result<Self, Self::Error> {
        DeadlineDay::new(day)
    }
}

impl From<DeadlineDay> for u8 {
    fn from(d: DeadlineDay) -> u8 {
        d.0
    }
}

/// When the value for `period` is due.
///
/// * a month or a quarter: day `day` (default the 10th) "of the month after the … ends";
/// * a financial year: "the last day of the month after the year ends (30 April)" — the
///   organisation's day setting does not apply.
///
/// The date is not moved off weekends or bank holidays: the 10th on a Saturday is still the
/// 10th. A deadline extension replaces this date ([`effective_due_date`]).
pub fn due_date(period: &Period, day: DeadlineDay, fy: FyStart) -> NaiveDate {
    let next_month_first = day_after(period.end_date(fy));
    match period.kind() {
        PeriodKind::Year { .. } => month_end(next_month_first),
        PeriodKind::Quarter { .. } | PeriodKind::Month { .. } => next_month_first
            .with_day0(u32::from(day.get()) - 1)
            .unwrap_or(next_month_first),
    }
}

/// The due date after an agreed extension: "a deadline extension replaces the date for one
/// indicator/action and period".
pub fn effective_due_date(
    period: &Period,
    day: DeadlineDay,
    fy: FyStart,
    extension: Option<NaiveDate>,
) -> NaiveDate {
    extension.unwrap_or_else(|| due_date(period, day, fy))
}

/// The periods for which an indicator expects a value: "every period of its frequency that
/// starts on or after its plan's start date (or the indicator's own first period, when set)
/// and ends by the plan's end date". Earlier periods are never outstanding.
///
/// The later of `plan_start` and `first_period`'s start date applies. Retirement is the
/// caller's concern (retired indicators are not chased at all, docs/rules.md §10).
pub fn expected_periods(
    freq: Frequency,
    plan_start: NaiveDate,
    plan_end: NaiveDate,
    first_period: Option<Period>,
    fy: FyStart,
) -> Vec<Period> {
    let from = first_period.map_or(plan_start, |p| plan_start.max(p.start_date(fy)));
    Period::periods_within(freq, from, plan_end, fy)
}

/// What an incomplete item still lacks, for the reminders that chase it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Missing {
    /// No value for the period.
    Value,
    /// A value that needs commentary (AMBER, RED, or deteriorating without target).
    Commentary,
    /// No action update for the quarter.
    Update,
}

string_enum!(Missing, "missing", {
    Value => "VALUE",
    Commentary => "COMMENTARY",
    Update => "UPDATE",
});

/// Whether a value for a period is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Completeness {
    /// Nothing more is needed.
    Complete,
    /// No value yet.
    MissingValue,
    /// A value that needs commentary has none.
    MissingCommentary,
}

string_enum!(Completeness, "completeness", {
    Complete => "COMPLETE",
    MissingValue => "MISSING_VALUE",
    MissingCommentary => "MISSING_COMMENTARY",
});

/// Whether a value must have commentary: "a value that is AMBER or RED, or DETERIORATING
/// with no target, is not complete until it has commentary".
pub fn commentary_required(status: IndicatorStatus, trend: Trend) -> bool {
    match status {
        IndicatorStatus::Amber | IndicatorStatus::Red => true,
        IndicatorStatus::NoTarget => trend == Trend::Deteriorating,
        _ => false,
    }
}

/// Completeness of one indicator value: no value → [`Completeness::MissingValue`]; a value
/// that requires commentary ([`commentary_required`]) without any (blank after trimming
/// counts as none) → [`Completeness::MissingCommentary`]; otherwise complete.
pub fn completeness(
    has_value: bool,
    commentary: Option<&str>,
    status: IndicatorStatus,
    trend: Trend,
) -> Completeness {
    if !has_value {
        return Completeness::MissingValue;
    }
    let has_commentary = commentary.is_some_and(|c| !c.trim().is_empty());
    if commentary_required(status, trend) && !has_commentary {
        Completeness::MissingCommentary
    } else {
        Completeness::Complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::{arb_fy, arb_period, d, p};
    use chrono::Weekday;
    use proptest::prelude::*;

    const APR: FyStart = FyStart::APRIL;
    fn ten() -> DeadlineDay {
        DeadlineDay::default()
    }

    #[test]
    fn monthly_and_quarterly_due_on_the_10th_of_the_next_month() {
        assert_eq!(due_date(&p("2025-06"), ten(), APR), d(2025, 7, 10));
        assert_eq!(due_date(&p("2025-12"), ten(), APR), d(2026, 1, 10));
        assert_eq!(due_date(&p("2024-02"), ten(), APR), d(2024, 3, 10));
        assert_eq!(due_date(&p("2025-26 Q1"), ten(), APR), d(2025, 7, 10));
        assert_eq!(due_date(&p("2025-26 Q3"), ten(), APR), d(2026, 1, 10));
        assert_eq!(due_date(&p("2025-26 Q4"), ten(), APR), d(2026, 4, 10));
    }

    #[test]
    fn annual_due_on_the_last_day_of_the_next_month() {
        assert_eq!(due_date(&p("2025-26"), ten(), APR), d(2026, 4, 30));
        // The day setting does not apply to annual measures.
        let day = DeadlineDay::new(5).unwrap();
        assert_eq!(due_date(&p("2025-26"), day, APR), d(2026, 4, 30));
        // A January year ends 31 December: due 31 January.
        let jan = FyStart::new(1).unwrap();
        assert_eq!(due_date(&p("2025-26"), ten(), jan), d(2026, 1, 31));
        // A December year ends 30 November 2024: due 31 December 2024.
        let dec = FyStart::new(12).unwrap();
        assert_eq!(due_date(&p("2023-24"), ten(), dec), d(2024, 12, 31));
        // A February year ends 31 January: due on 29 February in a leap year.
        let feb = FyStart::new(2).unwrap();
        assert_eq!(due_date(&p("2023-24"), ten(), feb), d(2024, 2, 29));
        assert_eq!(due_date(&p("2024-25"), ten(), feb), d(2025, 2, 28));
    }

    #[test]
    fn the_10th_on_a_weekend_stays_the_10th() {
        // No moving to the next working day: docs/rules.md §9 says "the 10th".
        let sat = due_date(&p("2025-04"), ten(), APR);
        assert_eq!(sat, d(2025, 5, 10));
        assert_eq!(sat.weekday(), Weekday::Sat);
        let sun = due_date(&p("2025-07"), ten(), APR);
        assert_eq!(sun, d(2025, 8, 10));
        assert_eq!(sun.weekday(), Weekday::Sun);
        // Q3 2026-27 ends December 2026; 10 January 2027 is a Sunday.
        let q = due_date(&p("2026-27 Q3"), ten(), APR);
        assert_eq!(q, d(2027, 1, 10));
        assert_eq!(q.weekday(), Weekday::Sun);
    }

    #[test]
    fn other_deadline_days() {
        let day = DeadlineDay::new(28).unwrap();
        assert_eq!(due_date(&p("2025-01"), day, APR), d(2025, 2, 28));
        let day = DeadlineDay::new(1).unwrap();
        assert_eq!(due_date(&p("2025-26 Q2"), day, APR), d(2025, 10, 1));
        let jul = FyStart::new(7).unwrap();
        assert_eq!(due_date(&p("2025-26 Q1"), ten(), jul), d(2025, 10, 10));
    }

    #[test]
    fn deadline_day_validation() {
        assert_eq!(DeadlineDay::default().get(), 10);
        assert!(DeadlineDay::new(0).is_err());
        assert!(DeadlineDay::new(29).is_err());
        assert!(DeadlineDay::new(-1).is_err());
        assert!(DeadlineDay::new(300).is_err());
        assert_eq!(DeadlineDay::try_from(1u8).unwrap().get(), 1);
        assert_eq!(DeadlineDay::try_from(28i32).unwrap().get(), 28);
        assert!(DeadlineDay::try_from(31u32).is_err());
        assert_eq!(
            DeadlineDay::new(31).unwrap_err().to_string(),
            "the data deadline day must be from 1 to 28 (so that every month has it), not 31"
        );
    }

    #[test]
    fn extension_replaces_the_date() {
        assert_eq!(
            effective_due_date(&p("2025-06"), ten(), APR, Some(d(2025, 7, 31))),
            d(2025, 7, 31)
        );
        assert_eq!(
            effective_due_date(&p("2025-06"), ten(), APR, None),
            d(2025, 7, 10)
        );
    }

    #[test]
    fn expected_periods_start_with_the_plan_or_the_first_period() {
        // A plan from 1 April 2025 to 31 March 2027.
        let (s, e) = (d(2025, 4, 1), d(2027, 3, 31));
        let q = expected_periods(Frequency::Quarterly, s, e, None, APR);
        assert_eq!(q.len(), 8);
        assert_eq!(q[0], p("2025-26 Q1"));
        assert_eq!(q[7], p("2026-27 Q4"));
        // The indicator's own first period starts later.
        let q = expected_periods(Frequency::Quarterly, s, e, Some(p("2025-26 Q3")), APR);
        assert_eq!(q[0], p("2025-26 Q3"));
        assert_eq!(q.len(), 6);
        // A first period before the plan start does not make earlier periods outstanding.
        let q = expected_periods(Frequency::Quarterly, s, e, Some(p("2020-21 Q1")), APR);
        assert_eq!(q[0], p("2025-26 Q1"));
        // A plan starting mid-quarter: the part-quarter is not expected.
        let q = expected_periods(Frequency::Quarterly, d(2025, 5, 15), e, None, APR);
        assert_eq!(q[0], p("2025-26 Q2"));
        // A plan ending mid-year: the unfinished year is not expected.
        let y = expected_periods(Frequency::Annual, s, d(2027, 3, 30), None, APR);
        assert_eq!(y, vec![p("2025-26")]);
        let m = expected_periods(Frequency::Monthly, s, e, Some(p("2027-03")), APR);
        assert_eq!(m, vec![p("2027-03")]);
        // A first period given at another frequency counts by its start date.
        let m = expected_periods(Frequency::Monthly, s, e, Some(p("2026-27 Q4")), APR);
        assert_eq!(m, vec![p("2027-01"), p("2027-02"), p("2027-03")]);
        assert!(expected_periods(Frequency::Monthly, e, s, None, APR).is_empty());
    }

    #[test]
    fn completeness_rules() {
        use Completeness::*;
        use IndicatorStatus as S;
        use Trend as T;
        assert_eq!(
            completeness(false, Some("x"), S::NoData, T::NotComparable),
            MissingValue
        );
        assert_eq!(
            completeness(true, None, S::Green, T::Deteriorating),
            Complete
        );
        assert_eq!(
            completeness(true, None, S::Amber, T::Improving),
            MissingCommentary
        );
        assert_eq!(
            completeness(true, None, S::Red, T::NoChange),
            MissingCommentary
        );
        assert_eq!(
            completeness(true, Some("  \n "), S::Red, T::NoChange),
            MissingCommentary
        );
        assert_eq!(
            completeness(true, Some("Staff shortage"), S::Red, T::NoChange),
            Complete
        );
        assert_eq!(
            completeness(true, None, S::NoTarget, T::Deteriorating),
            MissingCommentary
        );
        assert_eq!(
            completeness(true, Some("why"), S::NoTarget, T::Deteriorating),
            Complete
        );
        assert_eq!(
            completeness(true, None, S::NoTarget, T::Improving),
            Complete
        );
        assert_eq!(
            completeness(true, None, S::NoTarget, T::NotComparable),
            Complete
        );
        assert_eq!(
            completeness(true, None, S::MonitorOnly, T::Deteriorating),
            Complete
        );
        assert!(commentary_required(S::Amber, T::Improving));
        assert!(!commentary_required(S::Green, T::Deteriorating));
        assert_eq!(MissingCommentary.as_str(), "MISSING_COMMENTARY");
        for c in Completeness::ALL {
            assert_eq!(Completeness::parse(c.as_str()), Ok(*c));
        }
    }

    proptest! {
        #[test]
        fn every_due_date_is_after_its_period(per in arb_period(), fy in arb_fy(), day in 1i64..=28) {
            let day = DeadlineDay::new(day).unwrap();
            let due = due_date(&per, day, fy);
            prop_assert!(due > per.end_date(fy));
            // ... and within the following month.
            let next_month = day_after(per.end_date(fy));
            prop_assert_eq!((due.year(), due.month()), (next_month.year(), next_month.month()));
        }
    }
}
