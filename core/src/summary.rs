//! Summary counts for the quarterly report's first tables (docs/rules.md §8), and which action
//! update applies to a period (docs/rules.md §7).
//!
//! > - actions delivered by the council (partnership ones excluded): counts of RED, AMBER,
//! >   GREEN, BLUE, and COMPLETED; the percentages are of RED+AMBER+GREEN+BLUE, rounded
//! >   half-up to whole numbers;
//! > - indicators: counts of RED, AMBER, GREEN with percentages of RED+AMBER+GREEN
//! >   (half-up), plus MONITOR_ONLY and "in progress" (NO_DATA) counts;

use chrono::{DateTime, Utc};

use crate::period::{Frequency, FyStart, Period};
use crate::status::IndicatorStatus;
use crate::value::string_enum;

/// The status of an action in a quarterly update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ActionStatus {
    /// Major issues.
    Red,
    /// Minor issues or delays.
    Amber,
    /// On track.
    Green,
    /// On hold or closed.
    Blue,
    /// Done.
    Completed,
    /// Not started (also: no update yet).
    NotStarted,
}

string_enum!(ActionStatus, "action status", {
    Red => "RED",
    Amber => "AMBER",
    Green => "GREEN",
    Blue => "BLUE",
    Completed => "COMPLETED",
    NotStarted => "NOT_STARTED",
});

/// Who delivers an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Delivery {
    /// Delivered by the council: counted.
    Council,
    /// Delivered in partnership: "for information only" and never counted in RAG totals.
    Partnership,
}

string_enum!(Delivery, "delivery", {
    Council => "COUNCIL",
    Partnership => "PARTNERSHIP",
});

/// Action counts for one row of the summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ActionCounts {
    /// RED actions.
    pub red: u32,
    /// AMBER actions.
    pub amber: u32,
    /// GREEN actions.
    pub green: u32,
    /// BLUE actions.
    pub blue: u32,
    /// COMPLETED actions.
    pub completed: u32,
    /// RED as a % of RED+AMBER+GREEN+BLUE, half-up.
    pub red_pct: u32,
    /// AMBER as a % of RED+AMBER+GREEN+BLUE, half-up.
    pub amber_pct: u32,
    /// GREEN as a % of RED+AMBER+GREEN+BLUE, half-up.
    pub green_pct: u32,
    /// BLUE as a % of RED+AMBER+GREEN+BLUE, half-up.
    pub blue_pct: u32,
}

/// Indicator counts for one row of the summary table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct IndicatorCounts {
    /// RED indicators.
    pub red: u32,
    /// AMBER indicators.
    pub amber: u32,
    /// GREEN indicators.
    pub green: u32,
    /// MONITOR_ONLY indicators (monitor-only flag or neutral polarity).
    pub monitor_only: u32,
    /// NO_DATA indicators ("in progress").
    pub no_data: u32,
    /// NO_TARGET indicators ("missing comparator").
    pub no_target: u32,
    /// RED as a % of RED+AMBER+GREEN, half-up.
    pub red_pct: u32,
    /// AMBER as a % of RED+AMBER+GREEN, half-up.
    pub amber_pct: u32,
    /// GREEN as a % of RED+AMBER+GREEN, half-up.
    pub green_pct: u32,
}

/// `part` as a percentage of `whole`, "rounded half-up to whole numbers", in integer
/// arithmetic (no floating-point surprises): 1/8 = 12.5 % → 13, 2/3 → 67, 1/3 → 33.
/// 0 when `whole` is 0.
pub fn percent_half_up(part: u32, whole: u32) -> u32 {
    if whole == 0 {
        return 0;
    }
    let (part, whole) = (u64::from(part), u64::from(whole));
    let pct = (200 * part + whole) / (2 * whole);
    u32::try_from(pct).unwrap_or(u32::MAX)
}

/// Counts council-delivered actions by status. "partnership ones excluded" entirely;
/// NOT_STARTED actions are not counted; "the percentages are of RED+AMBER+GREEN+BLUE,
/// rounded half-up" (COMPLETED is counted but not part of the percentages).
pub fn count_actions<I: IntoIterator<Item = (Delivery, ActionStatus)>>(it: I) -> ActionCounts {
    let mut c = ActionCounts::default();
    for (delivery, status) in it {
        if delivery == Delivery::Partnership {
            continue;
        }
        match status {
            ActionStatus::Red => c.red += 1,
            ActionStatus::Amber => c.amber += 1,
            ActionStatus::Green => c.green += 1,
            ActionStatus::Blue => c.blue += 1,
            ActionStatus::Completed => c.completed += 1,
            ActionStatus::NotStarted => {}
        }
    }
    let whole = c.red + c.amber + c.green + c.blue;
    c.red_pct = percent_half_up(c.red, whole);
    c.amber_pct = percent_half_up(c.amber, whole);
    c.green_pct = percent_half_up(c.green, whole);
    c.blue_pct = percent_half_up(c.blue, whole);
    c
}

/// Counts indicator statuses: "counts of RED, AMBER, GREEN with percentages of
/// RED+AMBER+GREEN (half-up), plus MONITOR_ONLY and 'in progress' (NO_DATA) counts" (and
/// NO_TARGET).
pub fn count_indicators<I: IntoIterator<Item = IndicatorStatus>>(it: I) -> IndicatorCounts {
    let mut c = IndicatorCounts::default();
    for status in it {
        match status {
            IndicatorStatus::Red => c.red += 1,
            IndicatorStatus::Amber => c.amber += 1,
            IndicatorStatus::Green => c.green += 1,
            IndicatorStatus::MonitorOnly => c.monitor_only += 1,
            IndicatorStatus::NoData => c.no_data += 1,
            IndicatorStatus::NoTarget => c.no_target += 1,
        }
    }
    let whole = c.red + c.amber + c.green;
    c.red_pct = percent_half_up(c.red, whole);
    c.amber_pct = percent_half_up(c.amber, whole);
    c.green_pct = percent_half_up(c.green, whole);
    c
}

/// One recorded action update, as far as the status rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionUpdateRef {
    /// The quarter the update is for.
    pub quarter: Period,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The status it gave.
    pub status: ActionStatus,
}

/// An action's status for `period` (docs/rules.md §7): the latest update in or before a
/// quarter is the action's status for that quarter.
///
/// The asked period is first mapped to a quarter with
/// [`Period::rating_period`]`(Quarterly)` (a month → its quarter, a year → its Q4). Among the
/// updates whose quarter ends on or before that quarter's end, the latest by quarter, then by
/// `recorded_at`, wins. No such update → [`ActionStatus::NotStarted`].
pub fn action_status_for(
    period: &Period,
    updates: &[ActionUpdateRef],
    fy: FyStart,
) -> ActionStatus {
    let asked_end = period.rating_period(Frequency::Quarterly, fy).end_date(fy);
    updates
        .iter()
        .filter(|u| u.quarter.end_date(fy) <= asked_end)
        .max_by_key(|u| (u.quarter.sort_key(fy), u.recorded_at))
        .map_or(ActionStatus::NotStarted, |u| u.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::p;
    use ActionStatus as A;
    use IndicatorStatus as I;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const APR: FyStart = FyStart::APRIL;

    #[test]
    fn half_up_percentages() {
        assert_eq!(percent_half_up(1, 8), 13, "12.5 rounds up");
        assert_eq!(percent_half_up(3, 8), 38, "37.5 rounds up");
        assert_eq!(percent_half_up(1, 200), 1, "0.5 rounds up");
        assert_eq!(percent_half_up(2, 3), 67);
        assert_eq!(percent_half_up(1, 3), 33);
        assert_eq!(percent_half_up(0, 0), 0);
        assert_eq!(percent_half_up(5, 0), 0);
        assert_eq!(percent_half_up(0, 7), 0);
        assert_eq!(percent_half_up(7, 7), 100);
        assert_eq!(percent_half_up(1, 6), 17, "16.67");
        assert_eq!(percent_half_up(1, 400), 0, "0.25 rounds down");
        assert_eq!(percent_half_up(u32::MAX, u32::MAX), 100);
        assert_eq!(percent_half_up(u32::MAX, 1), u32::MAX, "saturates");
    }

    #[test]
    fn actions_exclude_partnership_and_not_started() {
        use Delivery::*;
        let c = count_actions([
            (Council, A::Red),
            (Council, A::Amber),
            (Council, A::Green),
            (Council, A::Green),
            (Council, A::Blue),
            (Council, A::Completed),
            (Council, A::NotStarted),
            (Partnership, A::Red),
            (Partnership, A::Red),
            (Partnership, A::Completed),
        ]);
        assert_eq!(
            c,
            ActionCounts {
                red: 1,
                amber: 1,
                green: 2,
                blue: 1,
                completed: 1,
                red_pct: 20,
                amber_pct: 20,
                green_pct: 40,
                blue_pct: 20,
            }
        );
        let only_partnership = count_actions([(Partnership, A::Red)]);
        assert_eq!(only_partnership, ActionCounts::default());
        let only_completed = count_actions([(Council, A::Completed)]);
        assert_eq!(only_completed.completed, 1);
        assert_eq!(only_completed.green_pct, 0, "0 of 0");
    }

    #[test]
    fn actions_half_up() {
        use Delivery::Council;
        // 1 of 8 red = 12.5 % → 13; 7 of 8 green = 87.5 % → 88 (sum 101).
        let mut v = vec![(Council, A::Red)];
        v.extend(std::iter::repeat_n((Council, A::Green), 7));
        let c = count_actions(v);
        assert_eq!((c.red_pct, c.green_pct), (13, 88));
    }

    #[test]
    fn indicator_counts() {
        let c = count_indicators([
            I::Red,
            I::Amber,
            I::Green,
            I::MonitorOnly,
            I::NoData,
            I::NoData,
            I::NoTarget,
        ]);
        assert_eq!(
            c,
            IndicatorCounts {
                red: 1,
                amber: 1,
                green: 1,
                monitor_only: 1,
                no_data: 2,
                no_target: 1,
                red_pct: 33,
                amber_pct: 33,
                green_pct: 33,
            }
        );
        let c = count_indicators([I::Green, I::Green, I::Red]);
        assert_eq!((c.green_pct, c.red_pct, c.amber_pct), (67, 33, 0));
        assert_eq!(count_indicators([]), IndicatorCounts::default());
        let c = count_indicators([I::NoData]);
        assert_eq!((c.no_data, c.green_pct), (1, 0));
    }

    fn upd(q: &str, day: u32, status: ActionStatus) -> ActionUpdateRef {
        ActionUpdateRef {
            quarter: p(q),
            recorded_at: Utc.with_ymd_and_hms(2025, 1, day, 12, 0, 0).unwrap(),
            status,
        }
    }

    #[test]
    fn action_status_is_latest_in_or_before() {
        let ups = [
            upd("2025-26 Q1", 1, A::Green),
            upd("2025-26 Q2", 2, A::Amber),
            upd("2025-26 Q2", 3, A::Red), // a later update for the same quarter wins
            upd("2025-26 Q4", 4, A::Completed),
        ];
        assert_eq!(
            action_status_for(&p("2024-25 Q4"), &ups, APR),
            A::NotStarted
        );
        assert_eq!(action_status_for(&p("2025-26 Q1"), &ups, APR), A::Green);
        assert_eq!(action_status_for(&p("2025-26 Q2"), &ups, APR), A::Red);
        // No Q3 update: the latest before it applies.
        assert_eq!(action_status_for(&p("2025-26 Q3"), &ups, APR), A::Red);
        assert_eq!(action_status_for(&p("2025-26 Q4"), &ups, APR), A::Completed);
        assert_eq!(action_status_for(&p("2026-27 Q1"), &ups, APR), A::Completed);
        // Other granularities map to their quarter.
        assert_eq!(action_status_for(&p("2025-05"), &ups, APR), A::Green);
        assert_eq!(action_status_for(&p("2025-07"), &ups, APR), A::Red);
        assert_eq!(action_status_for(&p("2025-26"), &ups, APR), A::Completed);
        // A late-recorded update for an earlier quarter does not beat a later quarter.
        let ups = [
            upd("2025-26 Q2", 1, A::Green),
            upd("2025-26 Q1", 20, A::Red),
        ];
        assert_eq!(action_status_for(&p("2025-26 Q2"), &ups, APR), A::Green);
        assert_eq!(action_status_for(&p("2025-26 Q1"), &ups, APR), A::Red);
        assert_eq!(action_status_for(&p("2025-26 Q1"), &[], APR), A::NotStarted);
    }

    #[test]
    fn spellings() {
        assert_eq!(A::NotStarted.as_str(), "NOT_STARTED");
        assert_eq!(A::parse("BLUE"), Ok(A::Blue));
        for s in ActionStatus::ALL {
            assert_eq!(A::parse(s.as_str()), Ok(*s));
        }
        assert_eq!(Delivery::parse("PARTNERSHIP"), Ok(Delivery::Partnership));
        assert_eq!(Delivery::Council.as_str(), "COUNCIL");
    }

    fn arb_status() -> impl Strategy<Value = IndicatorStatus> {
        proptest::sample::select(IndicatorStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn indicator_percentages_sum_to_about_100(v in proptest::collection::vec(arb_status(), 0..300)) {
            let c = count_indicators(v.iter().copied());
            let sum = c.red_pct + c.amber_pct + c.green_pct;
            if c.red + c.amber + c.green == 0 {
                prop_assert_eq!(sum, 0);
            } else {
                // three roundings of at most ±0.5 each
                prop_assert!((99..=101).contains(&sum), "{c:?}");
            }
            prop_assert_eq!(
                (c.red + c.amber + c.green + c.monitor_only + c.no_data + c.no_target) as usize,
                v.len()
            );
        }

        #[test]
        fn action_percentages_sum_to_about_100(
            v in proptest::collection::vec(
                (proptest::sample::select(vec![Delivery::Council, Delivery::Partnership]),
                 proptest::sample::select(ActionStatus::ALL.to_vec())),
                0..300)
        ) {
            let c = count_actions(v.iter().copied());
            let sum = c.red_pct + c.amber_pct + c.green_pct + c.blue_pct;
            if c.red + c.amber + c.green + c.blue == 0 {
                prop_assert_eq!(sum, 0);
            } else {
                prop_assert!((98..=102).contains(&sum), "{c:?}");
            }
        }

        #[test]
        fn percent_is_the_nearest_whole_number_halves_up(part in 0u32..10_000, whole in 1u32..10_000) {
            // r - 0.5 <= 100 * part / whole < r + 0.5, in integers.
            let r = i64::from(percent_half_up(part, whole));
            let (part, whole) = (i64::from(part), i64::from(whole));
            prop_assert!((2 * r - 1) * whole <= 200 * part);
            prop_assert!(200 * part < (2 * r + 1) * whole);
        }
    }
}
