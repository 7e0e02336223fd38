//! RAG status of an indicator for a period (SPEC §4.3).
//!
//! > In this order:
//! > 1. monitor-only → MONITOR_ONLY (reported, never rated);
//! > 2. no actual value → NO_DATA ("in progress" in reports);
//! > 3. no target → NO_TARGET ("missing comparator");
//! > 4. otherwise the **gap** = how far the actual is on the wrong side of the target: for
//! >    HIGHER_IS_BETTER `(target − actual)`, for LOWER_IS_BETTER `(actual − target)`; relative
//! >    tolerance divides the gap by `|target|` (a target of 0 missed by any amount is an
//! >    infinite gap). gap ≤ 0 → **GREEN** (met or exceeded); 0 < gap < tolerance → **AMBER**
//! >    (up to 5 % off); gap ≥ tolerance → **RED** (5 % or more off). NEUTRAL polarity is never
//! >    rated (like monitor-only).

use crate::value::string_enum;

/// Which direction is good for an indicator. Default: higher is better.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Polarity {
    /// More is better (e.g. % of invoices paid in 30 days).
    #[default]
    HigherIsBetter,
    /// Less is better (e.g. days to process a claim).
    LowerIsBetter,
    /// Neither: contextual data, never rated.
    Neutral,
}

string_enum!(Polarity, "polarity", {
    HigherIsBetter => "HIGHER_IS_BETTER",
    LowerIsBetter => "LOWER_IS_BETTER",
    Neutral => "NEUTRAL",
});

/// An invalid tolerance setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ToleranceError {
    /// NaN or infinite.
    #[error("the tolerance must be a number, not {0}")]
    NotFinite(f64),
    /// Below zero.
    #[error("the tolerance cannot be negative ({0})")]
    Negative(f64),
    /// A relative tolerance above 100 %.
    #[error("a relative tolerance is a percentage from 0 to 100, not {0}")]
    OverHundredPercent(f64),
    /// Neither `RELATIVE` nor `ABSOLUTE`.
    #[error(
        "{0:?} is not a kind of tolerance: use RELATIVE (percent of the target) or ABSOLUTE (in the indicator's unit)"
    )]
    UnknownKind(String),
}

/// Whether a tolerance is a percentage of the target or an amount in the indicator's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum ToleranceKind {
    /// A percentage of `|target|`, e.g. 5 for 5 %.
    Relative,
    /// An amount in the indicator's unit, e.g. 2 days.
    Absolute,
}

string_enum!(ToleranceKind, "kind of tolerance", {
    Relative => "RELATIVE",
    Absolute => "ABSOLUTE",
});

/// How far off target an indicator may be before it turns RED (it is AMBER in between).
///
/// SPEC §3: "tolerance (default 5 %, relative to target; or absolute in the unit)".
/// Build with [`Tolerance::relative_pct`], [`Tolerance::absolute`], [`Tolerance::new`] or
/// [`Tolerance::from_kind`], which validate: the representation is private, so a tolerance
/// is always finite, never negative, and a relative one at most 100 %. Read it with
/// [`Tolerance::kind`] and [`Tolerance::value`].
///
/// Serialised (serde) as `{"kind": "RELATIVE", "value": 5.0}`, validated when read.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ToleranceRepr", into = "ToleranceRepr")]
pub struct Tolerance {
    kind: ToleranceKind,
    value: f64,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ToleranceRepr {
    kind: String,
    value: f64,
}

impl TryFrom<ToleranceRepr> for Tolerance {
    type Error = ToleranceError;
    fn try_from(r: ToleranceRepr) -> Result<Self, Self::Error> {
        Tolerance::from_kind(&r.kind, r.value)
    }
}

impl From<Tolerance> for ToleranceRepr {
    fn from(t: Tolerance) -> Self {
        ToleranceRepr {
            kind: t.kind.as_str().to_owned(),
            value: t.value,
        }
    }
}

fn check_amount(v: f64) -> Result<f64, ToleranceError> {
    if !v.is_finite() {
        Err(ToleranceError::NotFinite(v))
    } else if v < 0.0 {
        Err(ToleranceError::Negative(v))
    } else {
        // normalise -0.0
        Ok(v + 0.0)
    }
}

impl Tolerance {
    /// A relative tolerance of `pct` percent (0..=100, finite).
    pub fn relative_pct(pct: f64) -> Result<Self, ToleranceError> {
        let pct = check_amount(pct)?;
        if pct > 100.0 {
            return Err(ToleranceError::OverHundredPercent(pct));
        }
        Ok(Tolerance {
            kind: ToleranceKind::Relative,
            value: pct,
        })
    }

    /// An absolute tolerance of `v` in the indicator's unit (finite, >= 0).
    pub fn absolute(v: f64) -> Result<Self, ToleranceError> {
        Ok(Tolerance {
            kind: ToleranceKind::Absolute,
            value: check_amount(v)?,
        })
    }

    /// A tolerance of the given kind: [`Tolerance::relative_pct`] or
    /// [`Tolerance::absolute`].
    pub fn new(kind: ToleranceKind, value: f64) -> Result<Self, ToleranceError> {
        match kind {
            ToleranceKind::Relative => Tolerance::relative_pct(value),
            ToleranceKind::Absolute => Tolerance::absolute(value),
        }
    }

    /// Rebuilds a tolerance from its stored kind (`"RELATIVE"` / `"ABSOLUTE"`, case and
    /// surrounding whitespace ignored) and value.
    pub fn from_kind(kind: &str, value: f64) -> Result<Self, ToleranceError> {
        let kind = ToleranceKind::parse(kind)
            .map_err(|_| ToleranceError::UnknownKind(crate::value::shorten(kind)))?;
        Tolerance::new(kind, value)
    }

    /// Relative or absolute (`kind().as_str()` is the stored `"RELATIVE"` / `"ABSOLUTE"`).
    pub const fn kind(&self) -> ToleranceKind {
        self.kind
    }

    /// Whether the tolerance is a percentage of the target.
    pub const fn is_relative(&self) -> bool {
        matches!(self.kind, ToleranceKind::Relative)
    }

    /// The percentage (relative) or the amount (absolute).
    pub const fn value(&self) -> f64 {
        self.value
    }

    /// The tolerance as an amount in the unit for a given target; `None` for a relative
    /// tolerance on a target of 0 ("a target of 0 missed by any amount is an infinite gap").
    pub fn amount_for(&self, target: f64) -> Option<f64> {
        match self.kind {
            ToleranceKind::Relative if target == 0.0 => None,
            ToleranceKind::Relative => {
                let amount = self.value * target.abs() / 100.0;
                // pct × |target| overflows only for targets beyond 1e306; divide first there.
                Some(if amount.is_finite() {
                    amount
                } else {
                    target.abs() / 100.0 * self.value
                })
            }
            ToleranceKind::Absolute => Some(self.value),
        }
    }
}

impl Default for Tolerance {
    /// 5 % relative to the target (SPEC §3).
    fn default() -> Self {
        Tolerance {
            kind: ToleranceKind::Relative,
            value: 5.0,
        }
    }
}

/// RAG status of an indicator for a period, or why it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum IndicatorStatus {
    /// Met or exceeded the target.
    Green,
    /// Off target by less than the tolerance.
    Amber,
    /// Off target by the tolerance or more.
    Red,
    /// Monitor-only or neutral polarity: reported, never rated.
    MonitorOnly,
    /// No actual value yet ("in progress").
    NoData,
    /// No target to compare with ("missing comparator").
    NoTarget,
}

string_enum!(IndicatorStatus, "indicator status", {
    Green => "GREEN",
    Amber => "AMBER",
    Red => "RED",
    MonitorOnly => "MONITOR_ONLY",
    NoData => "NO_DATA",
    NoTarget => "NO_TARGET",
});

impl IndicatorStatus {
    /// Whether this is a RAG rating (GREEN, AMBER or RED).
    pub const fn is_rated(&self) -> bool {
        matches!(
            self,
            IndicatorStatus::Green | IndicatorStatus::Amber | IndicatorStatus::Red
        )
    }
}

/// How an indicator is rated.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RatingRule {
    /// Reported, never rated.
    pub monitor_only: bool,
    /// Which direction is good.
    pub polarity: Polarity,
    /// How far off is AMBER rather than RED.
    pub tolerance: Tolerance,
}

/// Relative margin for comparing decimal values typed by people. Binary floating point stores
/// `0.3` and `0.285` with errors around 1e-17; a margin of 1e-12 of the target's magnitude
/// absorbs those (so a value exactly 5 % off in decimal is RED) while staying far below any
/// difference a person would type (one penny on £1,000,000,000 is 1e-11).
const EPS_REL: f64 = 1e-12;

/// The status of an indicator for a period (SPEC §4.3), in this order:
///
/// 1. "monitor-only → MONITOR_ONLY"; "NEUTRAL polarity is never rated (like monitor-only)";
/// 2. "no actual value → NO_DATA";
/// 3. "no target → NO_TARGET";
/// 4. the gap: "for HIGHER_IS_BETTER `(target − actual)`, for LOWER_IS_BETTER
///    `(actual − target)`"; "gap ≤ 0 → GREEN (met or exceeded); 0 < gap < tolerance →
///    AMBER; gap ≥ tolerance → RED". A relative tolerance compares `gap / |target|` with
///    `pct / 100` ("a target of 0 missed by any amount is an infinite gap", so RED); an
///    absolute one compares the gap with the amount.
///
/// Exactly on the tolerance is RED ("5 % or more off"): target 100, actual 95 is RED and
/// 95.01 AMBER. Because values are decimals typed by people and stored as binary floating
/// point, both comparisons allow a margin of 1e-12 × max(|target|, tolerance amount): a
/// decimal-exact edge such as target 0.3, actual 0.285 lands on RED, and rounding noise
/// around the target itself counts as met. The margin depends only on the target and the
/// rule, so a worse actual never gets a better status. Negative targets work (gap is still
/// "how far on the wrong side").
///
/// Precondition: inputs are finite (the API rejects NaN and infinities). As a safeguard a
/// non-finite actual counts as missing (NO_DATA) and a non-finite target as missing
/// (NO_TARGET). Never panics.
pub fn indicator_status(
    rule: &RatingRule,
    actual: Option<f64>,
    target: Option<f64>,
) -> IndicatorStatus {
    let sign = match rule.polarity {
        _ if rule.monitor_only => return IndicatorStatus::MonitorOnly,
        Polarity::Neutral => return IndicatorStatus::MonitorOnly,
        Polarity::HigherIsBetter => 1.0,
        Polarity::LowerIsBetter => -1.0,
    };
    let Some(actual) = actual.filter(|a| a.is_finite()) else {
        return IndicatorStatus::NoData;
    };
    let Some(target) = target.filter(|t| t.is_finite()) else {
        return IndicatorStatus::NoTarget;
    };
    let gap = sign * (target - actual);
    let Some(tol) = rule.tolerance.amount_for(target) else {
        // Relative tolerance on a target of 0: met, or an infinite gap.
        return if gap <= 0.0 {
            IndicatorStatus::Green
        } else {
            IndicatorStatus::Red
        };
    };
    let eps = EPS_REL * target.abs().max(tol);
    if gap <= eps {
        IndicatorStatus::Green
    } else if gap >= tol - eps {
        IndicatorStatus::Red
    } else {
        IndicatorStatus::Amber
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use IndicatorStatus::*;
    use proptest::prelude::*;

    pub(crate) fn rule(polarity: Polarity, tolerance: Tolerance) -> RatingRule {
        RatingRule {
            monitor_only: false,
            polarity,
            tolerance,
        }
    }
    fn hib() -> RatingRule {
        rule(Polarity::HigherIsBetter, Tolerance::default())
    }
    fn lib() -> RatingRule {
        rule(Polarity::LowerIsBetter, Tolerance::default())
    }
    fn st(r: &RatingRule, actual: f64, target: f64) -> IndicatorStatus {
        indicator_status(r, Some(actual), Some(target))
    }

    /// RED < AMBER < GREEN.
    pub(crate) fn rank(s: IndicatorStatus) -> u8 {
        match s {
            Red => 0,
            Amber => 1,
            Green => 2,
            other => panic!("not rated: {other:?}"),
        }
    }

    #[test]
    fn order_of_rules() {
        let mut r = hib();
        r.monitor_only = true;
        assert_eq!(indicator_status(&r, Some(1.0), Some(100.0)), MonitorOnly);
        assert_eq!(indicator_status(&r, None, None), MonitorOnly);
        let n = rule(Polarity::Neutral, Tolerance::default());
        assert_eq!(indicator_status(&n, Some(1.0), Some(100.0)), MonitorOnly);
        assert_eq!(indicator_status(&n, None, Some(100.0)), MonitorOnly);
        assert_eq!(indicator_status(&hib(), None, Some(100.0)), NoData);
        assert_eq!(indicator_status(&hib(), None, None), NoData);
        assert_eq!(indicator_status(&hib(), Some(1.0), None), NoTarget);
        assert_eq!(indicator_status(&lib(), Some(1.0), None), NoTarget);
    }

    #[test]
    fn exactly_five_percent_is_red_just_under_is_amber() {
        assert_eq!(st(&hib(), 95.0, 100.0), Red);
        assert_eq!(st(&hib(), 95.01, 100.0), Amber);
        assert_eq!(st(&hib(), 94.99, 100.0), Red);
        assert_eq!(st(&hib(), 99.99, 100.0), Amber);
        assert_eq!(st(&hib(), 100.0, 100.0), Green);
        assert_eq!(st(&hib(), 100.01, 100.0), Green);
        assert_eq!(st(&lib(), 105.0, 100.0), Red);
        assert_eq!(st(&lib(), 104.99, 100.0), Amber);
        assert_eq!(st(&lib(), 100.0, 100.0), Green);
        assert_eq!(st(&lib(), 80.0, 100.0), Green);
    }

    #[test]
    fn decimal_exact_edges_are_red() {
        // 0.3 and 0.285 are not exact in binary; 0.285 is exactly 5 % below 0.3 in decimal.
        assert_eq!(st(&hib(), 0.285, 0.3), Red);
        assert_eq!(st(&hib(), 0.2851, 0.3), Amber);
        assert_eq!(st(&lib(), 0.315, 0.3), Red);
        assert_eq!(st(&lib(), 0.3149, 0.3), Amber);
        assert_eq!(st(&hib(), 0.665, 0.7), Red);
        assert_eq!(st(&lib(), 0.735, 0.7), Red);
        assert_eq!(st(&hib(), 1.045, 1.1), Red);
        assert_eq!(st(&hib(), 31.635, 33.3), Red);
        assert_eq!(st(&lib(), 34.965, 33.3), Red);
        // Sums with rounding noise still count as met.
        assert_eq!(st(&hib(), 0.1 + 0.2, 0.3), Green);
        assert_eq!(st(&lib(), 0.1 + 0.2, 0.3), Green);
        // Other percentages.
        let r = rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(2.5).unwrap(),
        );
        assert_eq!(st(&r, 97.5, 100.0), Red);
        assert_eq!(st(&r, 97.51, 100.0), Amber);
        let r = rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(10.0).unwrap(),
        );
        assert_eq!(st(&r, 0.63, 0.7), Red);
    }

    #[test]
    fn pennies_count_on_large_budgets() {
        // £25m target, 5 % tolerance = £1.25m. One penny inside the tolerance is AMBER, on it
        // RED. (A margin of 1e-9 of the target, 2.5p, would make the first one RED.)
        assert_eq!(st(&hib(), 23_750_000.01, 25_000_000.0), Amber);
        assert_eq!(st(&hib(), 23_750_000.0, 25_000_000.0), Red);
        assert_eq!(st(&hib(), 24_999_999.99, 25_000_000.0), Amber);
        assert_eq!(st(&lib(), 26_249_999.99, 25_000_000.0), Amber);
        assert_eq!(st(&lib(), 26_250_000.0, 25_000_000.0), Red);
    }

    #[test]
    fn target_zero() {
        // met → GREEN
        assert_eq!(st(&hib(), 0.0, 0.0), Green);
        assert_eq!(st(&lib(), 0.0, 0.0), Green);
        assert_eq!(st(&hib(), -0.0, 0.0), Green);
        assert_eq!(st(&hib(), 3.0, 0.0), Green);
        assert_eq!(st(&lib(), -3.0, 0.0), Green);
        // missed by any amount → RED (infinite gap)
        assert_eq!(st(&hib(), -0.001, 0.0), Red);
        assert_eq!(st(&lib(), 0.001, 0.0), Red);
        assert_eq!(st(&lib(), 1e-300, 0.0), Red);
        assert_eq!(st(&lib(), 1.0, 0.0), Red);
        // with an absolute tolerance a zero target is rated normally
        let r = rule(Polarity::LowerIsBetter, Tolerance::absolute(2.0).unwrap());
        assert_eq!(st(&r, 0.0, 0.0), Green);
        assert_eq!(st(&r, 1.0, 0.0), Amber);
        assert_eq!(st(&r, 2.0, 0.0), Red);
    }

    #[test]
    fn negative_targets() {
        // A net budget variance target of -50,000, higher is better.
        assert_eq!(st(&hib(), -50_000.0, -50_000.0), Green);
        assert_eq!(st(&hib(), -40_000.0, -50_000.0), Green);
        assert_eq!(st(&hib(), 10_000.0, -50_000.0), Green);
        assert_eq!(st(&hib(), -52_000.0, -50_000.0), Amber);
        assert_eq!(st(&hib(), -52_499.99, -50_000.0), Amber);
        assert_eq!(st(&hib(), -52_500.0, -50_000.0), Red);
        assert_eq!(st(&hib(), -80_000.0, -50_000.0), Red);
        // Lower is better with a negative target.
        assert_eq!(st(&lib(), -110.0, -100.0), Green);
        assert_eq!(st(&lib(), -96.0, -100.0), Amber);
        assert_eq!(st(&lib(), -95.0, -100.0), Red);
        assert_eq!(st(&lib(), -0.285, -0.3), Red);
    }

    #[test]
    fn absolute_tolerance() {
        let r = rule(Polarity::LowerIsBetter, Tolerance::absolute(2.0).unwrap());
        assert_eq!(st(&r, 10.0, 10.0), Green);
        assert_eq!(st(&r, 11.99, 10.0), Amber);
        assert_eq!(st(&r, 12.0, 10.0), Red);
        assert_eq!(st(&r, 8.0, 10.0), Green);
        let r = rule(Polarity::HigherIsBetter, Tolerance::absolute(0.1).unwrap());
        assert_eq!(st(&r, 0.2, 0.3), Red, "0.3 - 0.2 is 0.1 in decimal");
        assert_eq!(st(&r, 0.21, 0.3), Amber);
        // Zero tolerance: any miss is RED.
        let r = rule(Polarity::HigherIsBetter, Tolerance::absolute(0.0).unwrap());
        assert_eq!(st(&r, 99.0, 100.0), Red);
        assert_eq!(st(&r, 100.0, 100.0), Green);
        let r = rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(0.0).unwrap(),
        );
        assert_eq!(st(&r, 99.99, 100.0), Red);
    }

    #[test]
    fn non_finite_and_invalid_inputs_do_not_panic() {
        assert_eq!(indicator_status(&hib(), Some(f64::NAN), Some(1.0)), NoData);
        assert_eq!(
            indicator_status(&hib(), Some(f64::INFINITY), Some(1.0)),
            NoData
        );
        assert_eq!(
            indicator_status(&hib(), Some(1.0), Some(f64::NAN)),
            NoTarget
        );
        assert_eq!(
            indicator_status(&hib(), Some(1.0), Some(f64::NEG_INFINITY)),
            NoTarget
        );
        // A relative tolerance on a huge target does not overflow to an infinite amount.
        let r = rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(100.0).unwrap(),
        );
        assert_eq!(st(&r, 0.0, f64::MAX), Red);
        assert_eq!(st(&r, f64::MAX / 2.0, f64::MAX), Amber);
        assert_eq!(st(&hib(), f64::MAX, -f64::MAX), Green);
        assert_eq!(st(&hib(), -f64::MAX, f64::MAX), Red);
    }

    #[test]
    fn tolerance_validation() {
        let rel = |v| Tolerance::relative_pct(v).unwrap();
        let abs = |v| Tolerance::absolute(v).unwrap();
        assert_eq!(Tolerance::default(), rel(5.0));
        assert_eq!(Tolerance::default().kind(), ToleranceKind::Relative);
        assert_eq!(Tolerance::default().value(), 5.0);
        assert!(Tolerance::default().is_relative());
        assert_eq!(rel(0.0).value(), 0.0);
        assert_eq!(rel(100.0).value(), 100.0);
        assert!(rel(-0.0).value().is_sign_positive());
        assert!(matches!(
            Tolerance::relative_pct(100.5),
            Err(ToleranceError::OverHundredPercent(_))
        ));
        assert!(matches!(
            Tolerance::relative_pct(-1.0),
            Err(ToleranceError::Negative(_))
        ));
        assert!(matches!(
            Tolerance::relative_pct(f64::NAN),
            Err(ToleranceError::NotFinite(_))
        ));
        assert!(matches!(
            Tolerance::absolute(f64::INFINITY),
            Err(ToleranceError::NotFinite(_))
        ));
        assert_eq!(abs(250.0).value(), 250.0);
        assert_eq!(abs(250.0).kind(), ToleranceKind::Absolute);
        assert!(!abs(250.0).is_relative());
        assert!(Tolerance::absolute(-0.01).is_err());
        assert_eq!(Tolerance::from_kind("ABSOLUTE", 2.0), Ok(abs(2.0)));
        assert_eq!(Tolerance::from_kind(" relative ", 5.0), Ok(rel(5.0)));
        assert_eq!(Tolerance::new(ToleranceKind::Absolute, 2.0), Ok(abs(2.0)));
        assert!(Tolerance::new(ToleranceKind::Relative, 101.0).is_err());
        assert!(Tolerance::from_kind("ABSOLUTE", -1.0).is_err());
        let e = Tolerance::from_kind("PERCENT", 5.0).unwrap_err();
        assert!(e.to_string().contains("RELATIVE"), "{e}");
        assert_eq!(abs(3.0).kind().as_str(), "ABSOLUTE");
        assert_eq!(rel(3.0).value(), 3.0);
        assert!(
            Tolerance::relative_pct(150.0)
                .unwrap_err()
                .to_string()
                .contains("0 to 100")
        );
        assert_eq!(rel(5.0).amount_for(-200.0), Some(10.0));
        assert_eq!(rel(5.0).amount_for(0.0), None);
        assert_eq!(abs(2.0).amount_for(0.0), Some(2.0));
    }

    #[test]
    fn spellings() {
        assert_eq!(Polarity::HigherIsBetter.as_str(), "HIGHER_IS_BETTER");
        assert_eq!(
            Polarity::parse("LOWER_IS_BETTER"),
            Ok(Polarity::LowerIsBetter)
        );
        assert!(Polarity::parse("HIGHER").is_err());
        assert_eq!(IndicatorStatus::MonitorOnly.as_str(), "MONITOR_ONLY");
        assert_eq!(IndicatorStatus::NoData.as_str(), "NO_DATA");
        assert_eq!(IndicatorStatus::NoTarget.as_str(), "NO_TARGET");
        for s in IndicatorStatus::ALL {
            assert_eq!(IndicatorStatus::parse(s.as_str()), Ok(*s));
            assert_eq!(s.is_rated(), matches!(s, Green | Amber | Red), "{s}");
        }
        for s in Polarity::ALL {
            assert_eq!(s.as_str().parse::<Polarity>(), Ok(*s));
        }
        assert_eq!(RatingRule::default(), hib());
    }

    /// `n / 10^scale` written as a person would type it.
    fn dec(n: i64, scale: u32) -> String {
        let sign = if n < 0 { "-" } else { "" };
        let n = n.unsigned_abs();
        let p = 10u64.pow(scale);
        if scale == 0 {
            format!("{sign}{n}")
        } else {
            format!("{sign}{}.{:0width$}", n / p, n % p, width = scale as usize)
        }
    }

    fn arb_rule() -> impl Strategy<Value = RatingRule> {
        (
            prop_oneof![
                Just(Polarity::HigherIsBetter),
                Just(Polarity::LowerIsBetter)
            ],
            prop_oneof![
                (0.0f64..=100.0).prop_map(|v| Tolerance::relative_pct(v).unwrap()),
                (0.0f64..1e6).prop_map(|v| Tolerance::absolute(v).unwrap()),
            ],
        )
            .prop_map(|(p, t)| rule(p, t))
    }

    fn arb_value() -> impl Strategy<Value = f64> {
        prop_oneof![
            -1e9f64..1e9,
            -1.0f64..1.0,
            Just(0.0),
            (-100_000i64..100_000, 0u32..4).prop_map(|(n, s)| dec(n, s).parse().unwrap()),
        ]
    }

    proptest! {
        #[test]
        fn on_target_is_green(r in arb_rule(), t in arb_value()) {
            prop_assert_eq!(indicator_status(&r, Some(t), Some(t)), Green);
        }

        #[test]
        fn worse_actual_never_improves_status(r in arb_rule(), t in arb_value(), a in arb_value(), b in arb_value()) {
            // `better` is at least as good as `worse` for the polarity.
            let (better, worse) = match r.polarity {
                Polarity::HigherIsBetter => (a.max(b), a.min(b)),
                _ => (a.min(b), a.max(b)),
            };
            let sb = indicator_status(&r, Some(better), Some(t));
            let sw = indicator_status(&r, Some(worse), Some(t));
            prop_assert!(rank(sw) <= rank(sb), "{worse} → {sw:?}, {better} → {sb:?}");
        }

        /// A decimal target `n/10^k` and an actual exactly `p` tenths of a percent worse (in
        /// decimal) is RED; one unit of the last typed digit better is AMBER.
        #[test]
        fn decimal_edges_land_on_red(n in 1i64..1_000_000, k in 0u32..4, tenths in 1i64..200, negative in any::<bool>(), higher in any::<bool>()) {
            let n = if negative { -n } else { n };
            let target: f64 = dec(n, k).parse().unwrap();
            let scale = k + 3;
            // gap in units of 10^-(k+3): |n| * tenths
            let gap_units = n.abs() * tenths;
            let (edge, inside) = if higher {
                (n * 1000 - gap_units, n * 1000 - gap_units + 1)
            } else {
                (n * 1000 + gap_units, n * 1000 + gap_units - 1)
            };
            let polarity = if higher { Polarity::HigherIsBetter } else { Polarity::LowerIsBetter };
            let r = rule(polarity, Tolerance::relative_pct(tenths as f64 / 10.0).unwrap());
            let edge: f64 = dec(edge, scale).parse().unwrap();
            let inside: f64 = dec(inside, scale).parse().unwrap();
            prop_assert_eq!(st(&r, edge, target), Red, "target {} actual {}", target, edge);
            prop_assert_eq!(st(&r, inside, target), Amber, "target {} actual {}", target, inside);
        }

        #[test]
        fn never_panics(r in arb_rule(), a in any::<Option<f64>>(), t in any::<Option<f64>>(), mo in any::<bool>()) {
            let mut r = r;
            r.monitor_only = mo;
            let _ = indicator_status(&r, a, t);
        }
    }
}
