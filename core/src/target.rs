//! Which target applies to a period (docs/rules.md §3).
//!
//! > The profile target for that exact period if one is set. Otherwise, for a non-cumulative
//! > indicator, the annual target. For a cumulative indicator without a profile target, the
//! > annual target pro-rata to the share of the year elapsed at the end of the period
//! > (Q1 → ¼), and the API says that it was pro-rata.

use crate::period::{FyStart, Period};
use crate::value::string_enum;

/// Where a resolved target came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum TargetSource {
    /// A profile target set for this exact period ("18 by Q1").
    Profile,
    /// The annual target of the financial year, used as it is.
    Annual,
    /// A share of the annual target, for a cumulative indicator part-way through the year.
    ProRata,
}

string_enum!(TargetSource, "target source", {
    Profile => "PROFILE",
    Annual => "ANNUAL",
    ProRata => "PRO_RATA",
});

/// The target that applies to one period, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResolvedTarget {
    /// The target value, in the indicator's unit.
    pub value: f64,
    /// Profile, annual or pro-rata.
    pub source: TargetSource,
}

impl ResolvedTarget {
    /// Whether the value is a pro-rata share of the annual target (GraphQL `targetIsProRata`).
    pub fn is_pro_rata(&self) -> bool {
        self.source == TargetSource::ProRata
    }
}

/// The target for `period` (in the indicator's own frequency).
///
/// * `profile`: the target set for this exact period, if any;
/// * `annual`: the target set for the financial year containing it, if any.
///
/// Rules, in order (docs/rules.md §3):
/// 1. "The profile target for that exact period if one is set" → [`TargetSource::Profile`];
/// 2. "for a non-cumulative indicator, the annual target" → [`TargetSource::Annual`];
/// 3. "For a cumulative indicator without a profile target, the annual target pro-rata to the
///    share of the year elapsed at the end of the period (Q1 → ¼)" →
///    `annual × months elapsed / 12`, [`TargetSource::ProRata`]. When the period ends with
///    the financial year (the year itself, Q4, or its last month) the share is 12/12 and the
///    result is the annual target itself, reported as [`TargetSource::Annual`].
///
/// `None` when neither target is set.
pub fn target_for_period(
    period: &Period,
    cumulative: bool,
    profile: Option<f64>,
    annual: Option<f64>,
    fy: FyStart,
) -> Option<ResolvedTarget> {
    if let Some(value) = profile {
        return Some(ResolvedTarget {
            value,
            source: TargetSource::Profile,
        });
    }
    let annual = annual?;
    let months = period.months_elapsed_in_year(fy);
    if !cumulative || months >= 12 {
        return Some(ResolvedTarget {
            value: annual,
            source: TargetSource::Annual,
        });
    }
    Some(ResolvedTarget {
        value: annual * f64::from(months) / 12.0,
        source: TargetSource::ProRata,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::p;

    const APR: FyStart = FyStart::APRIL;

    fn t(value: f64, source: TargetSource) -> Option<ResolvedTarget> {
        Some(ResolvedTarget { value, source })
    }

    #[test]
    fn profile_wins() {
        // "124 for the year, 18 by Q1"
        let q1 = p("2025-26 Q1");
        assert_eq!(
            target_for_period(&q1, true, Some(18.0), Some(124.0), APR),
            t(18.0, TargetSource::Profile)
        );
        assert_eq!(
            target_for_period(&q1, false, Some(18.0), Some(124.0), APR),
            t(18.0, TargetSource::Profile)
        );
        assert_eq!(
            target_for_period(&q1, false, Some(0.0), None, APR),
            t(0.0, TargetSource::Profile)
        );
    }

    #[test]
    fn non_cumulative_uses_the_annual_target() {
        for per in ["2025-26 Q1", "2025-06", "2025-26"] {
            assert_eq!(
                target_for_period(&p(per), false, None, Some(95.0), APR),
                t(95.0, TargetSource::Annual)
            );
        }
    }

    #[test]
    fn cumulative_is_pro_rata() {
        let r = target_for_period(&p("2025-26 Q1"), true, None, Some(124.0), APR).unwrap();
        assert_eq!(
            r,
            ResolvedTarget {
                value: 31.0,
                source: TargetSource::ProRata
            }
        );
        assert!(r.is_pro_rata());
        assert_eq!(
            target_for_period(&p("2025-26 Q2"), true, None, Some(124.0), APR),
            t(62.0, TargetSource::ProRata)
        );
        assert_eq!(
            target_for_period(&p("2025-04"), true, None, Some(120.0), APR),
            t(10.0, TargetSource::ProRata)
        );
        assert_eq!(
            target_for_period(&p("2026-02"), true, None, Some(120.0), APR),
            t(110.0, TargetSource::ProRata)
        );
        // A negative annual target (e.g. a net budget variance) scales the same way.
        assert_eq!(
            target_for_period(&p("2025-26 Q2"), true, None, Some(-50_000.0), APR),
            t(-25_000.0, TargetSource::ProRata)
        );
    }

    #[test]
    fn cumulative_at_year_end_is_the_annual_target() {
        for per in ["2025-26", "2025-26 Q4", "2026-03"] {
            let r = target_for_period(&p(per), true, None, Some(124.0), APR).unwrap();
            assert_eq!(
                r,
                ResolvedTarget {
                    value: 124.0,
                    source: TargetSource::Annual
                },
                "{per}"
            );
            assert!(!r.is_pro_rata());
        }
    }

    #[test]
    fn pro_rata_follows_the_financial_year_start() {
        let jan = FyStart::new(1).unwrap();
        // June is month 6 of a January year, month 3 of an April year.
        assert_eq!(
            target_for_period(&p("2025-06"), true, None, Some(120.0), jan),
            t(60.0, TargetSource::ProRata)
        );
        assert_eq!(
            target_for_period(&p("2025-06"), true, None, Some(120.0), APR),
            t(30.0, TargetSource::ProRata)
        );
    }

    #[test]
    fn no_target_at_all() {
        assert_eq!(
            target_for_period(&p("2025-26 Q1"), true, None, None, APR),
            None
        );
        assert_eq!(
            target_for_period(&p("2025-26 Q1"), false, None, None, APR),
            None
        );
    }

    #[test]
    fn source_spellings() {
        assert_eq!(TargetSource::ProRata.as_str(), "PRO_RATA");
        for s in TargetSource::ALL {
            assert_eq!(TargetSource::parse(s.as_str()), Ok(*s));
        }
    }
}
