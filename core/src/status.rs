//! RAG status of an indicator for a period (docs/rules.md §5).
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
//!
//! Two settings of the council shape the rule ([`RatingSettings`]):
//!
//! * [`OnTolerance`]: what a value exactly on the tolerance is. Councils word the rule
//!   differently: King's Lynn rates "5 % or more below target" RED (the rule above, and the
//!   default), Maidstone rates red only when "missed by more than 10 %", so exactly on the
//!   tolerance is AMBER there.
//! * [`DefaultTolerance`]: the relative tolerance (default 5 %) of an indicator that sets
//!   none of its own.

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
/// A tolerance (docs/rules.md §5): by default 5 %, relative to target; or absolute, in the unit.
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
    /// 5 % relative to the target (docs/rules.md §5).
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

/// What a value exactly on the tolerance is: a council setting. Default: RED.
///
/// * [`OnTolerance::Red`]: "5 % or more below target" is RED (King's Lynn; docs/rules.md §5: a gap
///   of the tolerance or more is RED): 0 < gap < tolerance is AMBER.
/// * [`OnTolerance::Amber`]: red only when "missed by more than 10 %" (Maidstone): 0 < gap ≤
///   tolerance is AMBER, gap > tolerance RED.
///
/// Either way a relative tolerance on a target of 0 missed by any amount is RED (the gap is
/// infinite), and a tolerance of 0 makes any miss RED.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
pub enum OnTolerance {
    /// Exactly on the tolerance is RED ("5 % or more off").
    #[default]
    Red,
    /// Exactly on the tolerance is still AMBER (RED is "more than 10 % off").
    Amber,
}

string_enum!(OnTolerance, "rating exactly on the tolerance", {
    Red => "RED",
    Amber => "AMBER",
});

/// The council's default tolerance: a relative percentage from 0 to 100 (default 5, docs/rules.md
/// §5: 5 % relative to the target), used for an indicator that sets no tolerance of
/// its own ([`DefaultTolerance::for_indicator`]). A council that wants another kind of
/// tolerance (an amount in the unit) sets it on the indicator: an amount means nothing
/// across indicators of different units.
///
/// Serialised (serde) as the bare percentage, validated when read.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct DefaultTolerance(Tolerance);

impl DefaultTolerance {
    /// A default of `pct` percent of the target: finite, 0 to 100 (the checks of
    /// [`Tolerance::relative_pct`]).
    pub fn new(pct: f64) -> Result<Self, ToleranceError> {
        Tolerance::relative_pct(pct).map(DefaultTolerance)
    }

    /// The percentage, 0..=100.
    pub const fn pct(self) -> f64 {
        self.0.value()
    }

    /// The default as a (relative) [`Tolerance`].
    pub const fn tolerance(self) -> Tolerance {
        self.0
    }

    /// The tolerance that applies to an indicator: its own when it sets one, otherwise this
    /// default.
    pub fn for_indicator(self, own: Option<Tolerance>) -> Tolerance {
        own.unwrap_or(self.0)
    }
}

impl Default for DefaultTolerance {
    /// 5 % (docs/rules.md §5).
    fn default() -> Self {
        DefaultTolerance(Tolerance::default())
    }
}

impl TryFrom<f64> for DefaultTolerance {
    type Error = ToleranceError;
    fn try_from(pct: f64) -> Result<Self, Self::Error> {
        DefaultTolerance::new(pct)
    }
}

impl From<DefaultTolerance> for f64 {
    fn from(d: DefaultTolerance) -> f64 {
        d.pct()
    }
}

/// A council's settings for rating indicators; the defaults are docs/rules.md §5's rule (exactly
/// on the tolerance is RED) and a 5 % default tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RatingSettings {
    /// What a value exactly on the tolerance is.
    #[serde(default)]
    pub on_tolerance: OnTolerance,
    /// The tolerance of an indicator that sets none.
    #[serde(default)]
    pub default_tolerance: DefaultTolerance,
}

impl RatingSettings {
    /// The rule for one indicator of this council: `tolerance` is the indicator's own, if it
    /// sets one.
    pub fn rule(
        &self,
        monitor_only: bool,
        polarity: Polarity,
        tolerance: Option<Tolerance>,
    ) -> RatingRule {
        RatingRule {
            monitor_only,
            polarity,
            tolerance: self.default_tolerance.for_indicator(tolerance),
            on_tolerance: self.on_tolerance,
        }
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
    /// The council's setting for a value exactly on the tolerance (RED when absent).
    #[serde(default)]
    pub on_tolerance: OnTolerance,
}

/// Relative margin for comparing decimal values typed by people. Binary floating point stores
/// `0.3` and `0.285` with errors around 1e-17; a margin of 1e-12 of the target's magnitude
/// absorbs those (so a value exactly 5 % off in decimal is RED) while staying far below any
/// difference a person would type (one penny on £1,000,000,000 is 1e-11).
const EPS_REL: f64 = 1e-12;

/// The status of an indicator for a period (docs/rules.md §5), in this order:
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
/// Exactly on the tolerance is what the council's [`RatingRule::on_tolerance`] says. With
/// [`OnTolerance::Red`] (the default, "5 % or more off"): target 100, actual 95 is RED and
/// 95.01 AMBER. With [`OnTolerance::Amber`] ("missed by more than 5 %"): 95 is AMBER and
/// 94.99 RED. Because values are decimals typed by people and stored as binary floating
/// point, the comparisons allow a margin of 1e-12 × max(|target|, tolerance amount): a
/// decimal-exact edge such as target 0.3, actual 0.285 lands exactly on the tolerance (RED,
/// or AMBER with the Amber setting), and rounding noise around the target itself counts as
/// met. The margin depends only on the target and the rule, so a worse actual never gets a
/// better status. Negative targets work (gap is still "how far on the wrong side").
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
    let red = match rule.on_tolerance {
        OnTolerance::Red => gap >= tol - eps,
        OnTolerance::Amber => gap > tol + eps,
    };
    if gap <= eps {
        IndicatorStatus::Green
    } else if red {
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
            on_tolerance: OnTolerance::Red,
        }
    }
    /// The same rule with exactly-on-the-tolerance AMBER.
    fn amber_on(r: RatingRule) -> RatingRule {
        RatingRule {
            on_tolerance: OnTolerance::Amber,
            ..r
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
    fn exactly_on_the_tolerance_follows_the_council_setting() {
        // King's Lynn: "5 % or more below target" is RED (the default).
        assert_eq!(RatingRule::default().on_tolerance, OnTolerance::Red);
        assert_eq!(st(&hib(), 95.0, 100.0), Red);
        // The same rule with the Amber setting: exactly 5 % off is AMBER, beyond it RED.
        let a = amber_on(hib());
        assert_eq!(st(&a, 95.0, 100.0), Amber);
        assert_eq!(st(&a, 94.99, 100.0), Red);
        assert_eq!(st(&a, 95.01, 100.0), Amber);
        assert_eq!(st(&a, 100.0, 100.0), Green);
        assert_eq!(st(&a, 0.285, 0.3), Amber, "decimal-exact edge");
        assert_eq!(st(&a, 0.2849, 0.3), Red);
        // Maidstone: red only when "missed by more than 10 %".
        let maidstone = amber_on(rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(10.0).unwrap(),
        ));
        assert_eq!(st(&maidstone, 90.0, 100.0), Amber);
        assert_eq!(st(&maidstone, 89.99, 100.0), Red);
        assert_eq!(st(&maidstone, 0.63, 0.7), Amber);
        let kings_lynn_10 = rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(10.0).unwrap(),
        );
        assert_eq!(st(&kings_lynn_10, 90.0, 100.0), Red);
        assert_eq!(st(&kings_lynn_10, 90.01, 100.0), Amber);
        // LOWER_IS_BETTER.
        let a = amber_on(lib());
        assert_eq!(st(&lib(), 105.0, 100.0), Red);
        assert_eq!(st(&a, 105.0, 100.0), Amber);
        assert_eq!(st(&a, 105.01, 100.0), Red);
        assert_eq!(st(&a, 0.315, 0.3), Amber);
        assert_eq!(st(&a, 90.0, 100.0), Green);
        // Negative targets: -50,000 missed by exactly 5 % is -52,500.
        let a = amber_on(hib());
        assert_eq!(st(&hib(), -52_500.0, -50_000.0), Red);
        assert_eq!(st(&a, -52_500.0, -50_000.0), Amber);
        assert_eq!(st(&a, -52_500.01, -50_000.0), Red);
        let a = amber_on(lib());
        assert_eq!(st(&lib(), -95.0, -100.0), Red);
        assert_eq!(st(&a, -95.0, -100.0), Amber);
        assert_eq!(st(&a, -94.99, -100.0), Red);
        // An absolute tolerance exactly on: 2 days over a target of 10 days.
        let abs = rule(Polarity::LowerIsBetter, Tolerance::absolute(2.0).unwrap());
        assert_eq!(st(&abs, 12.0, 10.0), Red);
        assert_eq!(st(&amber_on(abs), 12.0, 10.0), Amber);
        assert_eq!(st(&amber_on(abs), 12.01, 10.0), Red);
        let abs = amber_on(rule(
            Polarity::HigherIsBetter,
            Tolerance::absolute(0.1).unwrap(),
        ));
        assert_eq!(st(&abs, 0.2, 0.3), Amber, "0.3 - 0.2 is 0.1 in decimal");
        assert_eq!(st(&abs, 0.19, 0.3), Red);
        // Target 0 with a relative tolerance: any miss is an infinite gap, RED either way.
        assert_eq!(st(&amber_on(hib()), -0.001, 0.0), Red);
        assert_eq!(st(&amber_on(lib()), 0.001, 0.0), Red);
        assert_eq!(st(&amber_on(lib()), 0.0, 0.0), Green);
        // Target 0 with an absolute tolerance is rated normally.
        let abs0 = amber_on(rule(
            Polarity::LowerIsBetter,
            Tolerance::absolute(2.0).unwrap(),
        ));
        assert_eq!(st(&abs0, 2.0, 0.0), Amber);
        assert_eq!(st(&abs0, 2.01, 0.0), Red);
        // A tolerance of 0: any miss is RED, there is no AMBER.
        let zero = amber_on(rule(
            Polarity::HigherIsBetter,
            Tolerance::relative_pct(0.0).unwrap(),
        ));
        assert_eq!(st(&zero, 99.99, 100.0), Red);
        assert_eq!(st(&zero, 100.0, 100.0), Green);
        // The order of rules does not change.
        let mut mo = amber_on(hib());
        mo.monitor_only = true;
        assert_eq!(st(&mo, 95.0, 100.0), MonitorOnly);
        assert_eq!(indicator_status(&amber_on(hib()), None, Some(1.0)), NoData);
    }

    #[test]
    fn council_default_tolerance() {
        let d = DefaultTolerance::default();
        assert_eq!(d.pct(), 5.0);
        assert_eq!(d.tolerance(), Tolerance::default());
        let own = Tolerance::absolute(2.0).unwrap();
        assert_eq!(d.for_indicator(Some(own)), own);
        assert_eq!(d.for_indicator(None), Tolerance::default());
        let ten = DefaultTolerance::new(10.0).unwrap();
        assert_eq!(
            ten.for_indicator(None),
            Tolerance::relative_pct(10.0).unwrap()
        );
        assert_eq!(DefaultTolerance::new(0.0).unwrap().pct(), 0.0);
        assert_eq!(DefaultTolerance::new(100.0).unwrap().pct(), 100.0);
        for bad in [-1.0, 100.5, f64::NAN, f64::INFINITY] {
            assert!(DefaultTolerance::new(bad).is_err(), "{bad}");
        }
        assert!(
            DefaultTolerance::new(150.0)
                .unwrap_err()
                .to_string()
                .contains("0 to 100")
        );
        assert_eq!(f64::from(ten), 10.0);
        assert_eq!(DefaultTolerance::try_from(7.5).unwrap().pct(), 7.5);

        // The settings build each indicator's rule.
        assert_eq!(
            RatingSettings::default().rule(false, Polarity::HigherIsBetter, None),
            RatingRule::default()
        );
        let maidstone = RatingSettings {
            on_tolerance: OnTolerance::Amber,
            default_tolerance: ten,
        };
        let r = maidstone.rule(false, Polarity::HigherIsBetter, None);
        assert_eq!(r.tolerance, Tolerance::relative_pct(10.0).unwrap());
        assert_eq!(r.on_tolerance, OnTolerance::Amber);
        assert_eq!(st(&r, 90.0, 100.0), Amber);
        let r = maidstone.rule(true, Polarity::LowerIsBetter, Some(own));
        assert_eq!(
            (r.monitor_only, r.polarity),
            (true, Polarity::LowerIsBetter)
        );
        assert_eq!(r.tolerance, own);
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
        assert_eq!(OnTolerance::default(), OnTolerance::Red);
        assert_eq!(OnTolerance::parse("amber"), Ok(OnTolerance::Amber));
        assert_eq!(OnTolerance::Red.as_str(), "RED");
        let e = OnTolerance::parse("GREEN").unwrap_err().to_string();
        assert!(e.contains("RED, AMBER"), "{e}");
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
            prop_oneof![Just(OnTolerance::Red), Just(OnTolerance::Amber)],
        )
            .prop_map(|(p, t, on)| RatingRule {
                on_tolerance: on,
                ..rule(p, t)
            })
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
            // With the Amber setting the edge itself is AMBER and one unit worse is RED.
            let worse = if higher { n * 1000 - gap_units - 1 } else { n * 1000 + gap_units + 1 };
            let worse: f64 = dec(worse, scale).parse().unwrap();
            let a = amber_on(r);
            prop_assert_eq!(st(&a, edge, target), Amber, "target {} actual {}", target, edge);
            prop_assert_eq!(st(&a, inside, target), Amber, "target {} actual {}", target, inside);
            prop_assert_eq!(st(&a, worse, target), Red, "target {} actual {}", target, worse);
        }

        /// The two settings differ only exactly on the tolerance, where the Amber setting
        /// is the kinder one.
        #[test]
        fn amber_setting_is_never_harsher(r in arb_rule(), t in arb_value(), a in arb_value()) {
            let red = indicator_status(&RatingRule { on_tolerance: OnTolerance::Red, ..r }, Some(a), Some(t));
            let amber = indicator_status(&amber_on(r), Some(a), Some(t));
            prop_assert!(rank(red) <= rank(amber));
            if red != amber {
                prop_assert_eq!((red, amber), (Red, Amber));
            }
        }

        #[test]
        fn never_panics(r in arb_rule(), a in any::<Option<f64>>(), t in any::<Option<f64>>(), mo in any::<bool>()) {
            let mut r = r;
            r.monitor_only = mo;
            let _ = indicator_status(&r, a, t);
        }
    }
}
