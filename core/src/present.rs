//! How values, dates, periods and statuses are written for people: the one formatter that
//! the quarterly report, its CSV, the dashboard's server side and the e-mails all use, so
//! that a council reads `£1,250`, `92.0%`, `20.6 days` and `A → R` the same way everywhere.
//!
//! The rules (what councils publish in their quarterly reports):
//! - a value is rounded to the indicator's decimals (0 to 6), **half away from zero**, on the
//!   number as it was entered (1.005 at two decimals is 1.01, though the nearest `f64` is a
//!   little below it): the value is first cut to 15 significant digits, which `f64` always
//!   holds, so binary noise such as 0.1 + 0.2 never decides a rounding;
//! - the whole part is grouped in thousands with commas (`1,250`, `1,234,567.89`) for every
//!   unit;
//! - a negative value has a leading minus before any symbol (`-£3.50`, `-1,500`), and a value
//!   that rounds to zero is written without one (`0`, never `-0`);
//! - units: `PERCENT` → `92.0%`, `CURRENCY` → `£1,250`, `DAYS` → `20.6 days`; every other unit
//!   (`COUNT`, `RATIO`, `OTHER`) is the plain number;
//! - a difference between two percentages is in percentage points (`10.0 percentage points`);
//! - dates are `10 November 2025`, or `Monday 10 November 2025` where the weekday helps;
//! - periods are written as the API spells them (`2025-26 Q2`, `2025-10`, `2025-26`), with
//!   their dates in full where a heading needs them, and short in table columns (`Q2`,
//!   `Jul 2025`);
//! - indicator statuses in words (`Red`, `In progress` for no data) and letters (`R`, `–`),
//!   a change as `A → R`; action statuses with what they mean (`Red: major issues`); trends
//!   in words (`Improving`) with the value's movement as an arrow (`↑`).
//!
//! Pure: no I/O, no clock, no locale but British English.
use chrono::NaiveDate;

use crate::{
    ActionStatus, Direction, FyStart, IndicatorStatus, Period, PeriodKind, Polarity, Trend,
};

/// What an indicator's values are, as far as writing them goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum UnitKind {
    /// `92.0%`; differences in percentage points.
    Percent,
    /// Pounds sterling: `£1,250`.
    Currency,
    /// `20.6 days`.
    Days,
    /// A plain number: `1,250`.
    Count,
    /// A plain number: `0.85`.
    Ratio,
    /// A plain number.
    #[default]
    Other,
}

impl UnitKind {
    /// From the unit's API spelling (`"PERCENT"`, `"CURRENCY"`, `"DAYS"`, `"COUNT"`,
    /// `"RATIO"`, `"OTHER"`; case and surrounding space ignored). Anything else is written
    /// as a plain number, as [`UnitKind::Other`].
    pub fn from_api(unit: &str) -> Self {
        match unit.trim().to_ascii_uppercase().as_str() {
            "PERCENT" => UnitKind::Percent,
            "CURRENCY" => UnitKind::Currency,
            "DAYS" => UnitKind::Days,
            "COUNT" => UnitKind::Count,
            "RATIO" => UnitKind::Ratio,
            _ => UnitKind::Other,
        }
    }
}

/// How one indicator's values are written: its unit and its decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueFormat {
    pub unit: UnitKind,
    /// Digits after the decimal point, 0 to [`ValueFormat::MAX_DECIMALS`].
    pub decimals: u8,
}

impl ValueFormat {
    /// The most decimals a value is written with.
    pub const MAX_DECIMALS: u8 = 6;

    /// `decimals` is brought into 0 to [`ValueFormat::MAX_DECIMALS`].
    pub fn new(unit: UnitKind, decimals: i32) -> Self {
        Self {
            unit,
            decimals: u8::try_from(decimals.clamp(0, i32::from(Self::MAX_DECIMALS))).unwrap_or(0),
        }
    }

    /// From the unit's API spelling and the indicator's decimals.
    pub fn from_api(unit: &str, decimals: i32) -> Self {
        Self::new(UnitKind::from_api(unit), decimals)
    }

    /// A value in its unit: `92.0%`, `£1,250`, `-£3.50`, `20.6 days`, `1,250`.
    pub fn value(self, value: f64) -> String {
        let Some(n) = Rounded::of(value, self.decimals) else {
            return value.to_string();
        };
        let sign = if n.negative { "-" } else { "" };
        let number = n.grouped();
        match self.unit {
            UnitKind::Percent => format!("{sign}{number}%"),
            UnitKind::Currency => format!("{sign}£{number}"),
            UnitKind::Days => format!("{sign}{number} days"),
            UnitKind::Count | UnitKind::Ratio | UnitKind::Other => format!("{sign}{number}"),
        }
    }

    /// The size of a difference between two values, without its sign: `10.0 percentage
    /// points` for percentages, otherwise the amount in the unit (`2 days`, `£150`).
    pub fn difference(self, difference: f64) -> String {
        match self.unit {
            UnitKind::Percent => format!(
                "{} percentage points",
                number(difference.abs(), self.decimals)
            ),
            _ => self.value(difference.abs()),
        }
    }
}

/// A plain number rounded half away from zero to `decimals` (at most
/// [`ValueFormat::MAX_DECIMALS`]), grouped in thousands: `1,250`, `-0.5`, `1,234,567.89`.
pub fn number(value: f64, decimals: u8) -> String {
    ValueFormat {
        unit: UnitKind::Other,
        decimals: decimals.min(ValueFormat::MAX_DECIMALS),
    }
    .value(value)
}

/// How far a value is from its target, in words, for the indicator's polarity:
/// `10.0 percentage points below target (11.1% off)`, `2 days above target (20.0% off)`,
/// `on or better than target (£50 above)`; `1 above target` when the target is zero.
pub fn gap(actual: f64, target: f64, polarity: Polarity, format: ValueFormat) -> String {
    let shortfall = match polarity {
        Polarity::LowerIsBetter => actual - target,
        Polarity::HigherIsBetter | Polarity::Neutral => target - actual,
    };
    let side = if actual < target { "below" } else { "above" };
    let amount = format.difference(actual - target);
    if shortfall <= 0.0 {
        return format!("on or better than target ({amount} {side})");
    }
    if target == 0.0 {
        format!("{amount} {side} target")
    } else {
        format!(
            "{amount} {side} target ({}% off)",
            number(shortfall / target.abs() * 100.0, 1)
        )
    }
}

/// `10 November 2025`.
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// `Monday 10 November 2025`.
pub fn day_and_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// An API date (`2025-07-10`) as [`date`] writes it; any other text as it is.
pub fn date_text(text: &str) -> String {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(date)
        .unwrap_or_else(|_| text.to_string())
}

/// A period as the API and the council write it: `2025-26 Q2`, `2025-10`, `2025-26`.
pub fn period(p: &Period) -> String {
    p.to_string()
}

/// A period with its dates, for a heading: `2025-26 Q2 (1 July 2025 to 30 September 2025)`.
pub fn period_with_dates(p: &Period, fy: FyStart) -> String {
    format!(
        "{p} ({} to {})",
        date(p.start_date(fy)),
        date(p.end_date(fy))
    )
}

/// A period as a table column's heading: `Q2`, `Jul 2025`, `2025-26`.
pub fn period_column(p: &Period, fy: FyStart) -> String {
    match p.kind() {
        PeriodKind::Quarter { quarter, .. } => format!("Q{quarter}"),
        PeriodKind::Month { .. } => p.start_date(fy).format("%b %Y").to_string(),
        PeriodKind::Year { .. } => p.to_string(),
    }
}

/// An indicator status in words: `Green`, `Amber`, `Red`, `Monitor only`, `In progress` (no
/// value yet), `No target`.
pub fn indicator_status(s: IndicatorStatus) -> &'static str {
    match s {
        IndicatorStatus::Green => "Green",
        IndicatorStatus::Amber => "Amber",
        IndicatorStatus::Red => "Red",
        IndicatorStatus::MonitorOnly => "Monitor only",
        IndicatorStatus::NoData => "In progress",
        IndicatorStatus::NoTarget => "No target",
    }
}

/// An indicator status as a letter, for tables: `G`, `A`, `R`, `M`, `–` (no value), `NT`.
pub fn indicator_status_letter(s: IndicatorStatus) -> &'static str {
    match s {
        IndicatorStatus::Green => "G",
        IndicatorStatus::Amber => "A",
        IndicatorStatus::Red => "R",
        IndicatorStatus::MonitorOnly => "M",
        IndicatorStatus::NoData => "–",
        IndicatorStatus::NoTarget => "NT",
    }
}

/// A change of status in letters: `A → R`.
pub fn status_change(before: IndicatorStatus, now: IndicatorStatus) -> String {
    format!(
        "{} → {}",
        indicator_status_letter(before),
        indicator_status_letter(now)
    )
}

/// An action status with what it means: `Red: major issues`, `Completed`.
pub fn action_status(s: ActionStatus) -> &'static str {
    match s {
        ActionStatus::Red => "Red: major issues",
        ActionStatus::Amber => "Amber: minor issues or delays",
        ActionStatus::Green => "Green: on track",
        ActionStatus::Blue => "Blue: on hold or closed",
        ActionStatus::Completed => "Completed",
        ActionStatus::NotStarted => "Not started",
    }
}

/// A trend in words: `Improving`, `Deteriorating`, `No change`, `Not comparable`.
pub fn trend(t: Trend) -> &'static str {
    match t {
        Trend::Improving => "Improving",
        Trend::Deteriorating => "Deteriorating",
        Trend::NoChange => "No change",
        Trend::NotComparable => "Not comparable",
    }
}

/// The value's movement as an arrow: `↑`, `↓`, `→`, or `–` when there is nothing to compare.
pub fn direction_arrow(d: Option<Direction>) -> &'static str {
    match d {
        Some(Direction::Up) => "↑",
        Some(Direction::Down) => "↓",
        Some(Direction::Same) => "→",
        None => "–",
    }
}

/// A number rounded to some decimals, as digits.
struct Rounded {
    negative: bool,
    /// The whole part's digits, without leading zeros (`"0"` for zero).
    whole: String,
    /// Exactly the requested number of decimals.
    fraction: String,
}

impl Rounded {
    /// `value` rounded half away from zero to `decimals`, after cutting it to 15
    /// significant digits; `None` for NaN and infinities.
    fn of(value: f64, decimals: u8) -> Option<Rounded> {
        if !value.is_finite() {
            return None;
        }
        let decimals = usize::from(decimals);
        // "d.dddddddddddddde<exp>": 15 significant digits, correctly rounded from the f64.
        let scientific = format!("{:.14e}", value.abs());
        let (mantissa, exponent) = scientific.split_once('e')?;
        let exponent: i64 = exponent.parse().ok()?;
        let digits: Vec<u8> = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        // value × 10^decimals has `kept` digits before its decimal point.
        let kept = exponent + 1 + i64::try_from(decimals).ok()?;
        let mut scaled: Vec<u8> = if kept <= 0 {
            // Only the first digit can reach half of the last place kept.
            vec![u8::from(
                kept == 0 && digits.first().is_some_and(|&d| d >= 5),
            )]
        } else {
            let kept = usize::try_from(kept).ok()?;
            let mut out: Vec<u8> = digits.iter().copied().take(kept).collect();
            out.resize(kept, 0);
            if digits.get(kept).is_some_and(|&d| d >= 5) {
                let mut carry = true;
                for d in out.iter_mut().rev() {
                    if *d == 9 {
                        *d = 0;
                    } else {
                        *d += 1;
                        carry = false;
                        break;
                    }
                }
                if carry {
                    out.insert(0, 1);
                }
            }
            out
        };
        let negative = value < 0.0 && scaled.iter().any(|&d| d != 0);
        while scaled.len() < decimals + 1 {
            scaled.insert(0, 0);
        }
        let split = scaled.len() - decimals;
        let first = scaled[..split - 1]
            .iter()
            .position(|&d| d != 0)
            .unwrap_or(split - 1);
        let text = |ds: &[u8]| ds.iter().map(|&d| char::from(b'0' + d)).collect::<String>();
        Some(Rounded {
            negative,
            whole: text(&scaled[first..split]),
            fraction: text(&scaled[split..]),
        })
    }

    /// `1,234,567.89`.
    fn grouped(&self) -> String {
        let len = self.whole.len();
        let mut out = String::with_capacity(len + len / 3 + 1 + self.fraction.len());
        for (i, c) in self.whole.chars().enumerate() {
            if i > 0 && (len - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if !self.fraction.is_empty() {
            out.push('.');
            out.push_str(&self.fraction);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(value: f64, unit: &str, decimals: i32) -> String {
        ValueFormat::from_api(unit, decimals).value(value)
    }

    #[test]
    fn values_in_their_units() {
        assert_eq!(v(1250.0, "CURRENCY", 0), "£1,250");
        assert_eq!(v(1250.5, "CURRENCY", 2), "£1,250.50");
        assert_eq!(v(1_234_567.891, "CURRENCY", 2), "£1,234,567.89");
        assert_eq!(v(92.0, "PERCENT", 1), "92.0%");
        assert_eq!(v(87.5, "PERCENT", 1), "87.5%");
        assert_eq!(v(20.6, "DAYS", 1), "20.6 days");
        assert_eq!(v(12.0, "DAYS", 0), "12 days");
        assert_eq!(v(1250.0, "COUNT", 0), "1,250");
        assert_eq!(v(0.85, "RATIO", 2), "0.85");
        assert_eq!(v(999.0, "OTHER", 0), "999");
        assert_eq!(
            v(1000.0, "something new", 0),
            "1,000",
            "unknown units are numbers"
        );
        assert_eq!(v(42.0, " percent ", 0), "42%", "the spelling is forgiving");
    }

    #[test]
    fn negatives_carry_the_sign_before_the_symbol_and_zero_has_none() {
        assert_eq!(v(-3.5, "CURRENCY", 2), "-£3.50");
        assert_eq!(v(-1500.0, "COUNT", 0), "-1,500");
        assert_eq!(v(-2.25, "PERCENT", 1), "-2.3%");
        assert_eq!(v(-0.001, "COUNT", 0), "0");
        assert_eq!(v(-0.0, "CURRENCY", 2), "£0.00");
        assert_eq!(v(-0.4, "DAYS", 0), "0 days");
    }

    #[test]
    fn rounding_is_half_away_from_zero_on_the_number_entered() {
        assert_eq!(v(2.5, "COUNT", 0), "3");
        assert_eq!(v(3.5, "COUNT", 0), "4");
        assert_eq!(v(-2.5, "COUNT", 0), "-3");
        assert_eq!(
            v(92.25, "PERCENT", 1),
            "92.3%",
            "exact in binary, a true half"
        );
        assert_eq!(v(1.005, "CURRENCY", 2), "£1.01", "1.00499999… in binary");
        assert_eq!(v(0.1 + 0.2, "RATIO", 1), "0.3");
        assert_eq!(
            v(0.35 - 0.3, "RATIO", 1),
            "0.1",
            "0.04999… is noise for 0.05"
        );
        assert_eq!(
            v(999.6, "COUNT", 0),
            "1,000",
            "a carry adds a digit and a comma"
        );
        assert_eq!(v(999_999.95, "CURRENCY", 1), "£1,000,000.0");
        assert_eq!(v(0.0004, "PERCENT", 3), "0.000%");
        assert_eq!(v(0.0005, "PERCENT", 3), "0.001%");
        assert_eq!(v(0.4, "COUNT", 0), "0");
        assert_eq!(v(0.5, "COUNT", 0), "1");
        assert_eq!(v(0.05, "COUNT", 0), "0");
    }

    #[test]
    fn decimals_are_kept_between_none_and_six() {
        assert_eq!(v(1.23456789, "RATIO", 9), "1.234568");
        assert_eq!(v(1.5, "RATIO", -2), "2");
        assert_eq!(v(0.0, "COUNT", 0), "0");
        assert_eq!(v(0.0, "RATIO", 3), "0.000");
        assert_eq!(number(1234.5, 0), "1,235");
        assert_eq!(number(1234.5, 200), "1,234.500000");
    }

    #[test]
    fn very_large_and_very_small_numbers() {
        assert_eq!(v(1e15, "COUNT", 0), "1,000,000,000,000,000");
        assert_eq!(v(1e21, "COUNT", 0), "1,000,000,000,000,000,000,000");
        assert_eq!(
            v(123_456_789_012_345_680.0, "COUNT", 0),
            "123,456,789,012,346,000"
        );
        assert_eq!(v(1e-300, "RATIO", 6), "0.000000");
        assert_eq!(v(f64::MIN_POSITIVE, "COUNT", 0), "0");
        assert_eq!(v(f64::MAX, "COUNT", 0).len(), 309 + 102);
        assert_eq!(v(f64::NAN, "COUNT", 0), "NaN");
        assert_eq!(v(f64::INFINITY, "CURRENCY", 0), "inf");
    }

    #[test]
    fn grouping_by_thousands() {
        for (value, text) in [
            (1.0, "1"),
            (12.0, "12"),
            (123.0, "123"),
            (1234.0, "1,234"),
            (12345.0, "12,345"),
            (123_456.0, "123,456"),
            (1_234_567.0, "1,234,567"),
        ] {
            assert_eq!(number(value, 0), text);
        }
    }

    #[test]
    fn gaps_in_words() {
        let percent = ValueFormat::from_api("PERCENT", 1);
        assert_eq!(
            gap(80.0, 90.0, Polarity::HigherIsBetter, percent),
            "10.0 percentage points below target (11.1% off)"
        );
        assert_eq!(
            gap(
                12.0,
                10.0,
                Polarity::LowerIsBetter,
                ValueFormat::from_api("DAYS", 0)
            ),
            "2 days above target (20.0% off)"
        );
        assert_eq!(
            gap(
                1.0,
                0.0,
                Polarity::LowerIsBetter,
                ValueFormat::from_api("COUNT", 0)
            ),
            "1 above target"
        );
        assert_eq!(
            gap(
                1300.0,
                1250.0,
                Polarity::HigherIsBetter,
                ValueFormat::from_api("CURRENCY", 0)
            ),
            "on or better than target (£50 above)"
        );
        assert_eq!(
            gap(
                -50.0,
                1000.0,
                Polarity::HigherIsBetter,
                ValueFormat::from_api("CURRENCY", 0)
            ),
            "£1,050 below target (105.0% off)"
        );
    }

    #[test]
    fn dates_and_periods() {
        let d = NaiveDate::from_ymd_opt(2025, 11, 10).unwrap();
        assert_eq!(date(d), "10 November 2025");
        assert_eq!(day_and_date(d), "Monday 10 November 2025");
        assert_eq!(date_text("2026-03-01"), "1 March 2026");
        assert_eq!(date_text("soon"), "soon");
        let fy = FyStart::default();
        let q2 = Period::parse("2025-26 Q2").unwrap();
        assert_eq!(period(&q2), "2025-26 Q2");
        assert_eq!(
            period_with_dates(&q2, fy),
            "2025-26 Q2 (1 July 2025 to 30 September 2025)"
        );
        assert_eq!(period_column(&q2, fy), "Q2");
        assert_eq!(
            period_column(&Period::parse("2025-07").unwrap(), fy),
            "Jul 2025"
        );
        assert_eq!(
            period_column(&Period::parse("2025-26").unwrap(), fy),
            "2025-26"
        );
    }

    #[test]
    fn statuses_and_trends() {
        use IndicatorStatus::*;
        assert_eq!(indicator_status(Red), "Red");
        assert_eq!(indicator_status(NoData), "In progress");
        assert_eq!(indicator_status_letter(NoTarget), "NT");
        assert_eq!(status_change(Green, Red), "G → R");
        assert_eq!(status_change(Amber, Red), "A → R");
        assert_eq!(action_status(ActionStatus::Blue), "Blue: on hold or closed");
        assert_eq!(trend(Trend::NotComparable), "Not comparable");
        assert_eq!(direction_arrow(Some(Direction::Down)), "↓");
        assert_eq!(direction_arrow(None), "–");
    }
}
