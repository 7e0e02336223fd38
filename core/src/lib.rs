//! Domain types and rules of the council performance-management platform: periods,
//! targets, RAG status, trend, summaries, deadlines, reminders, alerts, permissions,
//! benchmarking, and the rules for reading a council's spreadsheet cells.
//!
//! Everything here is a pure function over plain values :
//! no I/O, no database, and no wall clock except inside [`SystemClock`].
//!
//! Enums stored in the database or exposed through GraphQL have `as_str()` / `parse()` with
//! the API spelling (`"HIGHER_IS_BETTER"`, `"MONTHLY"`, `"NOT_STARTED"`, …), implement
//! `Display` / `FromStr`, and serialise with serde using that same spelling.

mod value;

pub mod alert;
pub mod auth;
pub mod benchmark;
pub mod clock;
pub mod comparator_file;
pub mod deadline;
pub mod layout;
pub mod newtypes;
pub mod period;
pub mod present;
pub mod register;
pub mod reminder;
pub mod status;
pub mod summary;
pub mod target;
pub mod trend;
pub mod workbook;

pub use alert::{action_alert_due, alert_due};
pub use auth::{Role, can_write};
pub use benchmark::{
    Benchmark, BenchmarkPosition, BenchmarkedIndicator, ComparatorPeriod, ComparatorValue,
    OwnValue, PeriodLabelError, RankedValue, ValueSource, benchmark, benchmark_position,
    comparator_period, parse_period_label,
};
pub use clock::{Clock, FixedClock, SystemClock};
pub use comparator_file::{ComparatorLine, LineProblem, read_comparator_file};
pub use deadline::{
    Completeness, DeadlineDay, DeadlineDayError, Missing, commentary_required, completeness,
    due_date, effective_due_date, expected_periods,
};
pub use newtypes::{AreaCode, AreaCodeError, Email, EmailError, Slug, SlugError};
pub use period::{Frequency, FyStart, Period, PeriodError, PeriodKind};
pub use register::{
    DueKind, IndicatorLevel, IndicatorType, Lifecycle, NotificationPreference, PlanKind,
    PlanStatus, Unit,
};
pub use reminder::{
    ReminderStage, ReminderTime, ReminderTimeError, Urgency, escalation_due, owner_stage,
    stages_to_send, sweep_date, sweep_due, urgency,
};
pub use status::{
    DefaultTolerance, IndicatorStatus, OnTolerance, Polarity, RatingRule, RatingSettings,
    Tolerance, ToleranceError, ToleranceKind, indicator_status,
};
pub use summary::{
    ActionCounts, ActionStatus, ActionUpdateRef, Delivery, IndicatorCounts, action_status_for,
    count_actions, count_indicators, percent_half_up,
};
pub use target::{ResolvedTarget, TargetSource, target_for_period};
pub use trend::{Direction, Trend, comparison_period, trend};
pub use value::UnknownValue;
pub use workbook::{
    Cell, CellError, DueDate, header_matches, human_word, optional, parse_bool, parse_date,
    parse_due_date, parse_integer, parse_optional_text, parse_period, parse_value, parse_word,
};

#[cfg(test)]
mod tests {
    //! serde goes through the same spelling and validation as `parse` (checked with serde's
    //! own in-memory deserialisers, so no format crate is needed).
    use super::*;
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::Error;

    fn de<'de, T: Deserialize<'de>>(v: impl IntoDeserializer<'de, Error>) -> Result<T, Error> {
        T::deserialize(v.into_deserializer())
    }

    fn from_str<'de, T: Deserialize<'de>>(s: &'de str) -> Result<T, Error> {
        de(s)
    }
    #[test]
    fn enums_deserialise_from_their_api_spelling() {
        assert_eq!(
            from_str::<Polarity>("HIGHER_IS_BETTER").unwrap(),
            Polarity::HigherIsBetter
        );
        assert_eq!(
            from_str::<Frequency>("MONTHLY").unwrap(),
            Frequency::Monthly
        );
        assert_eq!(
            from_str::<ActionStatus>("NOT_STARTED").unwrap(),
            ActionStatus::NotStarted
        );
        assert_eq!(
            from_str::<IndicatorStatus>("NO_DATA").unwrap(),
            IndicatorStatus::NoData
        );
        assert_eq!(from_str::<Role>("VIEWER").unwrap(), Role::Viewer);
        assert_eq!(
            from_str::<OnTolerance>("AMBER").unwrap(),
            OnTolerance::Amber
        );
        assert_eq!(
            from_str::<ToleranceKind>("ABSOLUTE").unwrap(),
            ToleranceKind::Absolute
        );
        assert_eq!(
            from_str::<Trend>("NOT_COMPARABLE").unwrap(),
            Trend::NotComparable
        );
        assert_eq!(
            from_str::<ReminderStage>("OVERDUE-2").unwrap(),
            ReminderStage::Overdue(2)
        );
        let e = from_str::<Polarity>("UPWARDS").unwrap_err().to_string();
        assert!(e.contains("HIGHER_IS_BETTER"), "{e}");
    }

    #[test]
    fn validated_types_reject_bad_input_when_deserialised() {
        assert_eq!(
            from_str::<Period>("2025-26 Q1").unwrap(),
            Period::parse("2025-26 Q1").unwrap()
        );
        assert!(from_str::<Period>("2025/26").is_err());
        assert_eq!(
            from_str::<ReminderTime>("07:30").unwrap().to_string(),
            "07:30"
        );
        assert!(from_str::<ReminderTime>("7am").is_err());
        assert_eq!(from_str::<Email>(" A@B.UK ").unwrap().as_str(), "a@b.uk");
        assert!(from_str::<Email>("nope").is_err());
        assert!(from_str::<Slug>("-x-").is_err());
        assert_eq!(
            from_str::<AreaCode>(" e07000146").unwrap().as_str(),
            "E07000146"
        );
        assert!(from_str::<AreaCode>("E0700014").is_err());
        assert_eq!(de::<FyStart>(7u32).unwrap().month(), 7);
        assert!(de::<FyStart>(13u32).is_err());
        assert_eq!(de::<DeadlineDay>(10i64).unwrap().get(), 10);
        assert!(de::<DeadlineDay>(29u32).is_err());
        assert_eq!(de::<DefaultTolerance>(7.5f64).unwrap().pct(), 7.5);
        assert!(de::<DefaultTolerance>(-1.0f64).is_err());
        assert!(de::<DefaultTolerance>(101.0f64).is_err());
    }
}
