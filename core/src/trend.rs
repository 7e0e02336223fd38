//! Direction of travel (docs/rules.md §6).
//!
//! > Compare the actual with the previous period of the same frequency (for a cumulative
//! > indicator, with the same period of the previous year, because year-to-date values
//! > restart each April). IMPROVING / DETERIORATING according to polarity, NO_CHANGE when
//! > equal, NOT_COMPARABLE when either value is missing or polarity is NEUTRAL. Also expose
//! > the raw direction (UP, DOWN, SAME) and the previous period's status, so a report can
//! > print "G → R".

use crate::period::{FyStart, Period};
use crate::status::Polarity;
use crate::value::string_enum;

/// Whether performance got better or worse since the comparison period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Trend {
    /// Moved in the good direction for the polarity.
    Improving,
    /// Moved in the bad direction for the polarity.
    Deteriorating,
    /// Same value.
    NoChange,
    /// A value is missing, or the polarity is neutral.
    NotComparable,
}

string_enum!(Trend, "trend", {
    Improving => "IMPROVING",
    Deteriorating => "DETERIORATING",
    NoChange => "NO_CHANGE",
    NotComparable => "NOT_COMPARABLE",
});

/// The raw movement of the value, whatever the polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Direction {
    /// Current value is higher.
    Up,
    /// Current value is lower.
    Down,
    /// Same value.
    Same,
}

string_enum!(Direction, "direction", {
    Up => "UP",
    Down => "DOWN",
    Same => "SAME",
});

/// The period a value is compared with: "the previous period of the same frequency (for a
/// cumulative indicator, with the same period of the previous year, because year-to-date
/// values restart each April)".
pub fn comparison_period(period: &Period, cumulative: bool, fy: FyStart) -> Period {
    if cumulative {
        period.same_period_last_year()
    } else {
        period.previous(fy)
    }
}

/// Trend and raw direction from the current and the comparison period's values.
///
/// * either value missing (or not finite) → `(NotComparable, None)`;
/// * NEUTRAL polarity → `(NotComparable, Some(direction))` (the movement is still shown);
/// * equal → `(NoChange, Some(Same))`;
/// * otherwise IMPROVING when the value moved in the polarity's good direction, else
///   DETERIORATING.
///
/// Values that differ only by floating-point noise (less than 1e-12 of their magnitude,
/// e.g. `0.1 + 0.2` and `0.3`) count as equal.
pub fn trend(
    polarity: Polarity,
    current: Option<f64>,
    previous: Option<f64>,
) -> (Trend, Option<Direction>) {
    let (Some(cur), Some(prev)) = (current, previous) else {
        return (Trend::NotComparable, None);
    };
    if !cur.is_finite() || !prev.is_finite() {
        return (Trend::NotComparable, None);
    }
    let eps = 1e-12 * cur.abs().max(prev.abs());
    let direction = if (cur - prev).abs() <= eps {
        Direction::Same
    } else if cur > prev {
        Direction::Up
    } else {
        Direction::Down
    };
    let trend = match (polarity, direction) {
        (Polarity::Neutral, _) => Trend::NotComparable,
        (_, Direction::Same) => Trend::NoChange,
        (Polarity::HigherIsBetter, Direction::Up) | (Polarity::LowerIsBetter, Direction::Down) => {
            Trend::Improving
        }
        _ => Trend::Deteriorating,
    };
    (trend, Some(direction))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::p;
    use Direction::*;
    use Polarity::*;
    use Trend::*;

    const APR: FyStart = FyStart::APRIL;

    #[test]
    fn comparison_periods() {
        assert_eq!(comparison_period(&p("2025-04"), false, APR), p("2025-03"));
        assert_eq!(
            comparison_period(&p("2025-26 Q1"), false, APR),
            p("2024-25 Q4")
        );
        assert_eq!(comparison_period(&p("2025-26"), false, APR), p("2024-25"));
        // Year-to-date values restart each April: compare with last year's same period.
        assert_eq!(comparison_period(&p("2025-04"), true, APR), p("2024-04"));
        assert_eq!(
            comparison_period(&p("2025-26 Q1"), true, APR),
            p("2024-25 Q1")
        );
        assert_eq!(comparison_period(&p("2025-26"), true, APR), p("2024-25"));
    }

    #[test]
    fn by_polarity() {
        assert_eq!(
            trend(HigherIsBetter, Some(10.0), Some(8.0)),
            (Improving, Some(Up))
        );
        assert_eq!(
            trend(HigherIsBetter, Some(8.0), Some(10.0)),
            (Deteriorating, Some(Down))
        );
        assert_eq!(
            trend(LowerIsBetter, Some(8.0), Some(10.0)),
            (Improving, Some(Down))
        );
        assert_eq!(
            trend(LowerIsBetter, Some(10.0), Some(8.0)),
            (Deteriorating, Some(Up))
        );
        assert_eq!(
            trend(HigherIsBetter, Some(-5.0), Some(-10.0)),
            (Improving, Some(Up))
        );
        assert_eq!(
            trend(LowerIsBetter, Some(0.0), Some(-1.0)),
            (Deteriorating, Some(Up))
        );
    }

    #[test]
    fn equal_values() {
        assert_eq!(
            trend(HigherIsBetter, Some(5.0), Some(5.0)),
            (NoChange, Some(Same))
        );
        assert_eq!(
            trend(LowerIsBetter, Some(0.0), Some(-0.0)),
            (NoChange, Some(Same))
        );
        assert_eq!(
            trend(HigherIsBetter, Some(0.1 + 0.2), Some(0.3)),
            (NoChange, Some(Same))
        );
        assert_eq!(
            trend(HigherIsBetter, Some(0.3001), Some(0.3)),
            (Improving, Some(Up))
        );
    }

    #[test]
    fn missing_or_neutral() {
        assert_eq!(
            trend(HigherIsBetter, None, Some(5.0)),
            (NotComparable, None)
        );
        assert_eq!(
            trend(HigherIsBetter, Some(5.0), None),
            (NotComparable, None)
        );
        assert_eq!(trend(Neutral, None, None), (NotComparable, None));
        assert_eq!(
            trend(Neutral, Some(6.0), Some(5.0)),
            (NotComparable, Some(Up))
        );
        assert_eq!(
            trend(Neutral, Some(4.0), Some(5.0)),
            (NotComparable, Some(Down))
        );
        assert_eq!(
            trend(Neutral, Some(5.0), Some(5.0)),
            (NotComparable, Some(Same))
        );
        assert_eq!(
            trend(HigherIsBetter, Some(f64::NAN), Some(5.0)),
            (NotComparable, None)
        );
    }

    #[test]
    fn spellings() {
        assert_eq!(NotComparable.as_str(), "NOT_COMPARABLE");
        assert_eq!(NoChange.as_str(), "NO_CHANGE");
        for t in Trend::ALL {
            assert_eq!(Trend::parse(t.as_str()), Ok(*t));
        }
        for d in Direction::ALL {
            assert_eq!(Direction::parse(d.as_str()), Ok(*d));
        }
        assert_eq!(Same.as_str(), "SAME");
    }
}
