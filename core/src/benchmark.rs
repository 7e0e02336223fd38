//! Benchmarking an indicator against a comparator group (the product's issue):
//!
//! > For an indicator and period, the values are the group's values for the indicator's
//! > metric and that period plus the council's own recorded actual. Rank 1 is the best by
//! > polarity (highest for HIGHER_IS_BETTER, lowest for LOWER_IS_BETTER); equal values share
//! > the better rank (rank = 1 + the number of strictly better values); `of` = the number of
//! > values; quartile = ceil(4 × rank / of), 1 best, 4 worst; median of all values (mean of
//! > the middle two when even). No benchmark (null) when the indicator has no metric or no
//! > group, the council has no actual for the period, there are fewer than 4 values in all,
//! > or the polarity is NEUTRAL. Comparator data lags (LG Inform's often by a year): when the
//! > group has no values for the period asked, the latest comparator period at or before it
//! > is used, the council's own value is taken for that same period, and the answer says
//! > which period it is. A monthly indicator benchmarked against annual comparator data uses
//! > its financial year's value.
//!
//! Three pure steps, and [`benchmark`] which runs them in order:
//!
//! 1. [`comparator_period`]: which period of comparator data to use, and which of the
//!    council's own values stands for it ([`OwnValue`]);
//! 2. [`OwnValue::value`]: the council's value for it, from its recorded actuals;
//! 3. [`benchmark_position`]: rank, quartile, median, best and worst.
//!
//! Also here: [`parse_period_label`], which reads LG Inform's period labels (`2024/25`,
//! `Q1 2024/25`, `Jun 2025`) as well as the API's forms.
//!
//! **The council's own area is not among the comparator values.** A comparator file often
//! contains the council itself; the caller leaves that row out, because the council's own
//! value is its recorded actual, not the file's figure (which may differ, or lag).

use serde::{Deserialize, Serialize};

use crate::newtypes::AreaCode;
use crate::period::{Frequency, FyStart, Period, PeriodKind};
use crate::status::Polarity;
use crate::value::shorten;

/// Fewer values than this in all (the council's own included) gives no benchmark.
pub const MIN_VALUES: usize = 4;

/// One comparator area's value for the indicator's metric and a period. The council's own
/// area is never one of them (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparatorValue {
    /// The area's GSS code.
    pub area_code: AreaCode,
    /// The area's name, as the comparator data gives it.
    pub area_name: String,
    /// The value, in the indicator's unit.
    pub value: f64,
}

/// Whose value a [`RankedValue`] is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueSource {
    /// The council's own recorded actual.
    Own,
    /// A comparator area's value.
    Comparator {
        /// The area's GSS code.
        area_code: AreaCode,
        /// The area's name.
        area_name: String,
    },
}

/// One value of the benchmark with its rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedValue {
    /// 1 = best; equal values share the better rank.
    pub rank: u32,
    /// The value.
    pub value: f64,
    /// The council itself or a comparator area.
    pub source: ValueSource,
}

impl RankedValue {
    /// Whether this is the council's own value.
    pub fn is_own(&self) -> bool {
        self.source == ValueSource::Own
    }
}

/// Where the council's value stands among its comparators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkPosition {
    /// The council's rank: 1 + the number of strictly better values.
    pub rank: u32,
    /// How many values were ranked, the council's own included.
    pub of: u32,
    /// `ceil(4 × rank / of)`: 1 (best quarter) to 4 (worst).
    pub quartile: u8,
    /// The median of all values (the mean of the middle two when their number is even).
    pub median: f64,
    /// The best value by polarity.
    pub best: f64,
    /// The worst value by polarity.
    pub worst: f64,
    /// Every value, best first; among equal values the council's own first, then the
    /// comparators by area name and code.
    pub values: Vec<RankedValue>,
}

/// Whether `a` is strictly better than `b` for `polarity` (never for NEUTRAL).
fn better(polarity: Polarity, a: f64, b: f64) -> bool {
    match polarity {
        Polarity::HigherIsBetter => a > b,
        Polarity::LowerIsBetter => a < b,
        Polarity::Neutral => false,
    }
}

/// Order among equal values: the council's own first (`None`), then by name and code.
fn tie_key(s: &ValueSource) -> Option<(&str, &AreaCode)> {
    match s {
        ValueSource::Own => None,
        ValueSource::Comparator {
            area_code,
            area_name,
        } => Some((area_name.as_str(), area_code)),
    }
}

/// The median of finite values sorted ascending (not empty).
fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        let mean = (a + b) / 2.0;
        // a + b overflows only beyond ±1e308; halve first there.
        if mean.is_finite() {
            mean
        } else {
            a / 2.0 + b / 2.0
        }
    }
}

/// The council's position among its comparators (the issue's rule, quoted in the module
/// documentation): the values are the comparators' plus the council's own `own`.
///
/// `None` (no benchmark) when the polarity is NEUTRAL, when there is no own value, or when
/// there are fewer than [`MIN_VALUES`] (4) values in all. Values must be finite: a NaN or
/// infinite own value counts as no own value, and a non-finite comparator value is left out
/// (it is not counted in `of`), so a file with a stray `#N/A` cannot distort the ranks.
///
/// The comparators must not include the council's own area (see the module documentation);
/// an area listed twice is counted twice.
pub fn benchmark_position(
    polarity: Polarity,
    own: Option<f64>,
    comparators: &[ComparatorValue],
) -> Option<BenchmarkPosition> {
    if polarity == Polarity::Neutral {
        return None;
    }
    let own = own.filter(|v| v.is_finite())?;
    let mut entries: Vec<(f64, ValueSource)> = Vec::with_capacity(comparators.len() + 1);
    // + 0.0 makes -0.0 into 0.0, so that equal values also sort as equal.
    entries.push((own + 0.0, ValueSource::Own));
    entries.extend(comparators.iter().filter(|c| c.value.is_finite()).map(|c| {
        (
            c.value + 0.0,
            ValueSource::Comparator {
                area_code: c.area_code.clone(),
                area_name: c.area_name.clone(),
            },
        )
    }));
    if entries.len() < MIN_VALUES {
        return None;
    }
    let of = u32::try_from(entries.len()).ok()?;

    // Best first; ties: own first, then by name and code.
    entries.sort_by(|(a, sa), (b, sb)| {
        let by_value = match polarity {
            Polarity::LowerIsBetter => a.total_cmp(b),
            _ => b.total_cmp(a),
        };
        by_value.then_with(|| tie_key(sa).cmp(&tie_key(sb)))
    });
    // rank = 1 + the number of strictly better values: in a best-first list, the position
    // of the first value equal to this one.
    let mut values = Vec::with_capacity(entries.len());
    let mut rank = 1u32;
    for (i, (value, source)) in entries.into_iter().enumerate() {
        // Sorted best first: when the previous value is strictly better, so are all before it.
        if values
            .last()
            .is_some_and(|prev: &RankedValue| better(polarity, prev.value, value))
        {
            rank = u32::try_from(i).ok()? + 1;
        }
        values.push(RankedValue {
            rank,
            value,
            source,
        });
    }
    let own_rank = values.iter().find(|v| v.is_own())?.rank;
    // rank <= of, so this is 1..=4.
    let quartile = u8::try_from((4 * u64::from(own_rank)).div_ceil(u64::from(of))).ok()?;
    let mut sorted: Vec<f64> = values.iter().map(|v| v.value).collect();
    sorted.sort_by(f64::total_cmp);
    let median = median_of_sorted(&sorted);
    let best = values.first()?.value;
    let worst = values.last()?.value;
    Some(BenchmarkPosition {
        rank: own_rank,
        of,
        quartile,
        median,
        best,
        worst,
        values,
    })
}

/// Which of the council's own values stands for a comparator period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OwnValue {
    /// The council's recorded actual for this period (of the indicator's own frequency).
    Actual(Period),
    /// The mean of the council's recorded actuals for all these periods (of the indicator's
    /// own frequency); every one must be recorded.
    MeanOf(Vec<Period>),
}

impl OwnValue {
    /// The council's periods whose actuals are used.
    pub fn periods(&self) -> &[Period] {
        match self {
            OwnValue::Actual(p) => std::slice::from_ref(p),
            OwnValue::MeanOf(ps) => ps,
        }
    }

    /// The council's value, given its recorded actuals (`actual(period)`, `None` when not
    /// recorded). `None` when a period needed is not recorded or its actual is not finite:
    /// a mean of part of a year is not comparable with a whole year's figure.
    pub fn value(&self, actual: impl Fn(Period) -> Option<f64>) -> Option<f64> {
        let periods = self.periods();
        let mut sum = 0.0;
        for p in periods {
            sum += actual(*p).filter(|v| v.is_finite())?;
        }
        match self {
            OwnValue::Actual(_) => Some(sum),
            OwnValue::MeanOf(_) if periods.is_empty() => None,
            OwnValue::MeanOf(_) => Some(sum / periods.len() as f64).filter(|m| m.is_finite()),
        }
    }
}

/// The comparator period chosen for a benchmark, and the council's value that goes with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparatorPeriod {
    /// The period of the comparator data used: the one asked for, or the latest before it
    /// when the data lags. The answer shows it ("benchmarked on 2024-25").
    pub period: Period,
    /// The comparator period that matches the one asked for (same frequency as `period`);
    /// differs from `period` when the data lags.
    pub requested: Period,
    /// Which of the council's own values is ranked.
    pub own: OwnValue,
}

impl ComparatorPeriod {
    /// Whether older comparator data is used than the period asked for.
    pub fn is_lagged(&self) -> bool {
        self.period != self.requested
    }
}

/// The council's own value for comparator period `data` (frequency at least the
/// indicator's `own`), or `None` when there is no sound one.
fn own_value_for(data: Period, own: Frequency, cumulative: bool, fy: FyStart) -> Option<OwnValue> {
    let freq = data.frequency();
    if freq == own {
        return Some(OwnValue::Actual(data));
    }
    if freq < own {
        // A quarterly indicator has no value for a month.
        return None;
    }
    let last = data.rating_period(own, fy);
    if cumulative {
        // The year-to-date value at the year's end is the year's value. For a quarter of
        // comparator data it is not the quarter's (and whether the comparator figure is the
        // quarter alone or the year to date is not known here): no benchmark.
        return matches!(data.kind(), PeriodKind::Year { .. }).then_some(OwnValue::Actual(last));
    }
    let first = Period::containing(data.start_date(fy), own, fy);
    Period::range(first, last, fy).ok().map(OwnValue::MeanOf)
}

/// Which comparator period to benchmark on, and which of the council's own values stands
/// for it (the issue: "when the group has no values for the period asked, the latest
/// comparator period at or before it is used, the council's own value is taken for that
/// same period, and the answer says which period it is").
///
/// * `asked`: the period asked for, at any granularity; it is first mapped to the
///   indicator's own period with [`Period::rating_period`] (a monthly indicator asked for a
///   quarter → the quarter's last month);
/// * `frequency`, `cumulative`: the indicator's;
/// * `available`: the periods for which the group has at least one value (any order,
///   repeats allowed);
/// * `fy`: the council's financial-year start. It matters only when comparator data is of
///   a longer frequency than the indicator (which months make up a year or a quarter).
///
/// **Which data.** Comparator data of the indicator's own frequency is preferred (no
/// conversion), then quarterly, then annual data; data of a shorter frequency than the
/// indicator's is never used (a quarterly indicator has no monthly values). For each
/// frequency the asked period maps to the period of that frequency containing its end (June
/// 2025 → 2025-26 Q1 → 2025-26), and the latest available period at or before that one is
/// used. `None` when no frequency has one — nothing at or before the asked period.
///
/// **The council's own value** ([`OwnValue`]):
///
/// * data of the indicator's frequency: its actual for that same period;
/// * annual data, **cumulative** (year-to-date) indicator: its value for the year's last
///   period — the March (last month) or Q4 year-to-date value, which is the year's total;
/// * annual or quarterly data, **non-cumulative** indicator: the **mean** of its values for
///   every period of the comparator's year or quarter (12 months, 4 quarters, or a
///   quarter's 3 months), all of which must be recorded. A non-cumulative indicator records
///   a level or a rate each period (% of calls answered, days to process a claim, households
///   in temporary accommodation); the year's figure a performance officer reports for those
///   is the year's average, and a year with a month missing is not comparable with other
///   councils' whole years, so it gives no benchmark rather than a mean of part of a year.
///   (The mean is unweighted: the council's numerators and denominators are not known
///   here.) Counts that add up over the year are recorded as cumulative indicators.
/// * quarterly data, cumulative monthly indicator: not comparable (a quarter's share of a
///   year-to-date figure is not one recorded value, and whether the comparator's quarterly
///   figure is for the quarter alone or the year to date is not known); annual data is then
///   tried.
pub fn comparator_period(
    asked: Period,
    frequency: Frequency,
    cumulative: bool,
    available: &[Period],
    fy: FyStart,
) -> Option<ComparatorPeriod> {
    let own_asked = asked.rating_period(frequency, fy);
    Frequency::ALL
        .iter()
        .copied()
        .filter(|f| *f >= frequency)
        .filter_map(|f| {
            let requested = own_asked.rating_period(f, fy);
            let latest = available
                .iter()
                .filter(|p| p.frequency() == f && p.end_date(fy) <= requested.end_date(fy))
                .max_by_key(|p| p.end_date(fy))?;
            let own = own_value_for(*latest, frequency, cumulative, fy)?;
            Some(ComparatorPeriod {
                period: *latest,
                requested,
                own,
            })
        })
        // Frequency::ALL is monthly, quarterly, annual: the indicator's own comes first.
        .next()
}

/// What [`benchmark`] needs to know about the indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchmarkedIndicator {
    /// Which direction is good; NEUTRAL is never benchmarked.
    pub polarity: Polarity,
    /// How often it is measured.
    pub frequency: Frequency,
    /// Whether its values are year-to-date.
    pub cumulative: bool,
}

/// A benchmark: the comparator period used, the council's value and its position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    /// The comparator period used (possibly earlier than asked) and which own value.
    pub comparator: ComparatorPeriod,
    /// The council's value that was ranked.
    pub own_value: f64,
    /// Rank, quartile, median, best, worst and all the values.
    pub position: BenchmarkPosition,
}

/// The whole rule for an indicator and an asked period: [`comparator_period`] over the
/// periods with comparator values, the council's value from `own_actual` (its recorded
/// actuals by period), then [`benchmark_position`].
///
/// `comparators` holds the group's values for the indicator's metric, each with its period;
/// it is empty when the indicator has no metric or no group, which gives no benchmark. It
/// must not include the council's own area. `None` also when the polarity is NEUTRAL, when
/// the council has no actual for the period used, or when there are fewer than 4 values.
pub fn benchmark(
    indicator: &BenchmarkedIndicator,
    asked: Period,
    comparators: &[(Period, ComparatorValue)],
    own_actual: impl Fn(Period) -> Option<f64>,
    fy: FyStart,
) -> Option<Benchmark> {
    if indicator.polarity == Polarity::Neutral {
        return None;
    }
    let available: Vec<Period> = comparators
        .iter()
        .filter(|(_, c)| c.value.is_finite())
        .map(|(p, _)| *p)
        .collect();
    let comparator = comparator_period(
        asked,
        indicator.frequency,
        indicator.cumulative,
        &available,
        fy,
    )?;
    let own_value = comparator.own.value(own_actual)?;
    let group: Vec<ComparatorValue> = comparators
        .iter()
        .filter(|(p, _)| *p == comparator.period)
        .map(|(_, c)| c.clone())
        .collect();
    let position = benchmark_position(indicator.polarity, Some(own_value), &group)?;
    Some(Benchmark {
        comparator,
        own_value,
        position,
    })
}

/// A period label that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{input:?} is not a period: use 2024/25 or 2024-25 (financial year), Q1 2024/25 or 2024-25 Q1 (quarter), Jun 2025 or 2025-06 (month)"
)]
pub struct PeriodLabelError {
    /// The rejected text (shortened when very long).
    pub input: String,
}

/// `YYYY/YY` → the start year, when `YY` is the next year's last two digits.
fn slash_year(s: &str) -> Option<i32> {
    let (start, end) = s.split_once('/')?;
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|c| c.is_ascii_digit());
    if !digits(start, 4) || !digits(end, 2) {
        return None;
    }
    let year: i32 = start.parse().ok()?;
    let next: i32 = end.parse().ok()?;
    (next == (year + 1) % 100).then_some(year)
}

/// `Qn` → n, for 1..=4.
fn quarter_word(s: &str) -> Option<u8> {
    match s.as_bytes() {
        [b'Q' | b'q', q @ b'1'..=b'4'] => Some(q - b'0'),
        _ => None,
    }
}

/// Reads a period label of comparator data: LG Inform's forms as well as the API's.
///
/// | text | meaning |
/// |---|---|
/// | `2024/25`, `2024-25` | the financial year starting in 2024 |
/// | `Q1 2024/25`, `2024/25 Q1`, `2024-25 Q1`, `Q1 2024-25` | its first quarter |
/// | `Jun 2025`, `June 2025`, `2025-06` | the calendar month June 2025 |
///
/// Case and surrounding or repeated spaces are ignored. The API's forms are read as
/// [`Period::parse`] reads them (so `2011-12` is a financial year; write December 2011 as
/// `Dec 2011`).
///
/// No [`FyStart`] is needed: a [`Period`] names a financial year by the calendar year in
/// which it starts, so `2024/25` is the year starting in 2024 and `Q1 2024/25` its first
/// quarter, whichever month the council's year starts in; the dates follow from the
/// council's `FyStart` when they are asked for. (LG Inform's own years run April to March;
/// for a council whose year starts in another month, its year of the same name is the
/// closest match.)
pub fn parse_period_label(s: &str) -> Result<Period, PeriodLabelError> {
    let words: Vec<&str> = s.split_whitespace().collect();
    let t = words.join(" ");
    if let Ok(p) = Period::parse(&t) {
        return Ok(p);
    }
    let invalid = || PeriodLabelError { input: shorten(&t) };
    let year = |w: &str| {
        slash_year(w).or_else(|| match Period::parse(w).map(|p| p.kind()) {
            Ok(PeriodKind::Year { start_year }) => Some(start_year),
            _ => None,
        })
    };
    match words.as_slice() {
        [y] => year(y).map(Period::year).ok_or_else(invalid),
        [a, b] => {
            // "Q1 2024/25", "2024/25 Q1", or a month by name ("Jun 2025", read above).
            let (q, y) = match (quarter_word(a), quarter_word(b)) {
                (Some(q), None) => (q, year(b)),
                (None, Some(q)) => (q, year(a)),
                _ => (0, None),
            };
            let y = y.ok_or_else(invalid)?;
            Period::quarter(y, q).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::tests::{d, p};
    use Polarity::*;
    use proptest::prelude::*;

    const APR: FyStart = FyStart::APRIL;

    fn area(i: usize) -> AreaCode {
        AreaCode::parse(&format!("E0700{i:04}")).unwrap()
    }
    fn comps(values: &[f64]) -> Vec<ComparatorValue> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| ComparatorValue {
                area_code: area(i),
                area_name: format!("Area {i:02}"),
                value: *v,
            })
            .collect()
    }
    fn pos(polarity: Polarity, own: f64, others: &[f64]) -> BenchmarkPosition {
        benchmark_position(polarity, Some(own), &comps(others)).expect("a benchmark")
    }
    fn rq(b: &BenchmarkPosition) -> (u32, u32, u8) {
        (b.rank, b.of, b.quartile)
    }

    // ---- position ----------------------------------------------------------------------

    #[test]
    fn ranks_by_polarity() {
        let b = pos(HigherIsBetter, 80.0, &[90.0, 70.0, 60.0, 85.0]);
        assert_eq!(rq(&b), (3, 5, 3));
        assert_eq!((b.best, b.worst, b.median), (90.0, 60.0, 80.0));
        let order: Vec<f64> = b.values.iter().map(|v| v.value).collect();
        assert_eq!(order, vec![90.0, 85.0, 80.0, 70.0, 60.0]);
        assert!(b.values[2].is_own());
        assert_eq!(b.values.iter().filter(|v| v.is_own()).count(), 1);
        assert_eq!(
            b.values[0].source,
            ValueSource::Comparator {
                area_code: area(0),
                area_name: "Area 00".into()
            }
        );
        let ranks: Vec<u32> = b.values.iter().map(|v| v.rank).collect();
        assert_eq!(ranks, vec![1, 2, 3, 4, 5]);

        // Lower is better: the same values rank the other way round.
        let b = pos(LowerIsBetter, 80.0, &[90.0, 70.0, 60.0, 85.0]);
        assert_eq!(rq(&b), (3, 5, 3));
        assert_eq!((b.best, b.worst, b.median), (60.0, 90.0, 80.0));
        let b = pos(LowerIsBetter, 5.0, &[90.0, 70.0, 60.0, 85.0]);
        assert_eq!(rq(&b), (1, 5, 1));
        assert_eq!(b.values[0].value, 5.0);
        let b = pos(HigherIsBetter, 5.0, &[90.0, 70.0, 60.0, 85.0]);
        assert_eq!(rq(&b), (5, 5, 4));
    }

    #[test]
    fn exactly_four_values_is_enough_three_is_not() {
        let b = pos(HigherIsBetter, 3.0, &[1.0, 2.0, 4.0]);
        assert_eq!(rq(&b), (2, 4, 2));
        assert_eq!(b.median, 2.5);
        assert_eq!(rq(&pos(HigherIsBetter, 4.0, &[1.0, 2.0, 3.0])), (1, 4, 1));
        assert_eq!(rq(&pos(HigherIsBetter, 0.0, &[1.0, 2.0, 3.0])), (4, 4, 4));
        assert_eq!(
            benchmark_position(HigherIsBetter, Some(3.0), &comps(&[1.0, 2.0])),
            None
        );
        assert_eq!(
            benchmark_position(LowerIsBetter, Some(3.0), &comps(&[])),
            None
        );
    }

    #[test]
    fn equal_values_share_the_better_rank_across_a_quartile_boundary() {
        // Eight values: ranks 2 and 3 would be quartiles 1 and 2; tied, both are rank 2, Q1.
        let others = [10.0, 9.0, 7.0, 6.0, 5.0, 4.0, 3.0];
        let b = pos(HigherIsBetter, 9.0, &others);
        assert_eq!(rq(&b), (2, 8, 1));
        // Own listed first among equals, both rank 2; the next value is rank 4, not 3.
        let ranks: Vec<(u32, bool)> = b.values.iter().map(|v| (v.rank, v.is_own())).collect();
        assert_eq!(
            ranks,
            vec![
                (1, false),
                (2, true),
                (2, false),
                (4, false),
                (5, false),
                (6, false),
                (7, false),
                (8, false)
            ]
        );
        // Quartile boundaries with eight values: ranks 2, 4, 6 end quartiles 1, 2, 3.
        for (own, expected) in [
            (11.0, (1, 1)),
            (9.5, (2, 1)),
            (8.0, (3, 2)),
            (6.5, (4, 2)),
            (5.5, (5, 3)),
            (4.5, (6, 3)),
            (3.5, (7, 4)),
            (0.0, (8, 4)),
        ] {
            let b = pos(HigherIsBetter, own, &others);
            assert_eq!((b.rank, b.quartile), expected, "own {own}");
        }
        // All equal: everyone is rank 1.
        let b = pos(LowerIsBetter, 5.0, &[5.0, 5.0, 5.0]);
        assert_eq!(rq(&b), (1, 4, 1));
        assert!(b.values.iter().all(|v| v.rank == 1));
        assert!(b.values[0].is_own());
        // Tied worst: the shared rank is the better one.
        let b = pos(LowerIsBetter, 9.0, &[1.0, 2.0, 9.0, 9.0]);
        assert_eq!(rq(&b), (3, 5, 3));
        // -0 and 0 are equal.
        let b = pos(HigherIsBetter, -0.0, &[0.0, 1.0, -1.0]);
        assert_eq!(rq(&b), (2, 4, 2));
        assert!(b.values[1].is_own());
    }

    #[test]
    fn ties_among_comparators_are_listed_by_name() {
        let mut c = comps(&[5.0, 5.0, 1.0]);
        c[0].area_name = "Zeta".into();
        c[1].area_name = "Alpha".into();
        let b = benchmark_position(HigherIsBetter, Some(0.0), &c).unwrap();
        let names: Vec<&str> = b
            .values
            .iter()
            .map(|v| match &v.source {
                ValueSource::Own => "own",
                ValueSource::Comparator { area_name, .. } => area_name,
            })
            .collect();
        assert_eq!(names, vec!["Alpha", "Zeta", "Area 02", "own"]);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(
            pos(HigherIsBetter, 1.0, &[2.0, 3.0, 4.0, 100.0]).median,
            3.0
        );
        assert_eq!(pos(HigherIsBetter, 1.0, &[2.0, 3.0, 4.0]).median, 2.5);
        assert_eq!(pos(LowerIsBetter, 1.0, &[2.0, 3.0, 10.0]).median, 2.5);
        assert_eq!(
            pos(HigherIsBetter, 7.0, &[7.0, 1.0, 7.0, 2.0, 9.0]).median,
            7.0
        );
        // Huge values: the mean of the middle two does not overflow.
        let m = pos(HigherIsBetter, f64::MAX, &[f64::MAX, -1.0, f64::MAX]).median;
        assert_eq!(m, f64::MAX);
    }

    #[test]
    fn no_benchmark_for_neutral_or_without_own_value() {
        let others = comps(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(benchmark_position(Neutral, Some(3.0), &others), None);
        assert_eq!(benchmark_position(HigherIsBetter, None, &others), None);
    }

    #[test]
    fn non_finite_values_do_not_count() {
        let others = comps(&[1.0, 2.0, 3.0, 4.0]);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(benchmark_position(HigherIsBetter, Some(bad), &others), None);
            // A non-finite comparator is left out: 3 of 4 comparators plus own is 4.
            let b = pos(HigherIsBetter, 2.5, &[1.0, bad, 3.0, 4.0]);
            assert_eq!(rq(&b), (3, 4, 3));
            assert!(b.values.iter().all(|v| v.value.is_finite()));
            // ... and with it out, three values are too few.
            assert_eq!(
                benchmark_position(HigherIsBetter, Some(2.5), &comps(&[1.0, bad, 3.0])),
                None
            );
        }
    }

    // ---- which period --------------------------------------------------------------------

    use Frequency::*;

    fn periods(v: &[&str]) -> Vec<Period> {
        v.iter().map(|s| p(s)).collect()
    }
    fn months(from: &str, to: &str) -> Vec<Period> {
        Period::range(p(from), p(to), APR).unwrap()
    }

    #[test]
    fn the_asked_period_when_the_group_has_it() {
        let c = comparator_period(
            p("2025-26 Q2"),
            Quarterly,
            false,
            &periods(&["2025-26 Q1", "2025-26 Q2"]),
            APR,
        )
        .unwrap();
        assert_eq!(c.period, p("2025-26 Q2"));
        assert_eq!(c.requested, p("2025-26 Q2"));
        assert!(!c.is_lagged());
        assert_eq!(c.own, OwnValue::Actual(p("2025-26 Q2")));
    }

    #[test]
    fn lagging_data_uses_the_latest_period_at_or_before_the_asked_one() {
        let available = periods(&["2022-23", "2024-25", "2023-24", "2026-27"]);
        let c = comparator_period(p("2025-26"), Annual, false, &available, APR).unwrap();
        assert_eq!(c.period, p("2024-25"));
        assert_eq!(c.requested, p("2025-26"));
        assert!(c.is_lagged());
        // The council's own value is taken for that same period.
        assert_eq!(c.own, OwnValue::Actual(p("2024-25")));
        // Quarterly data a year behind.
        let c = comparator_period(
            p("2025-26 Q2"),
            Quarterly,
            true,
            &periods(&["2024-25 Q1", "2024-25 Q2", "2024-25 Q3"]),
            APR,
        )
        .unwrap();
        assert_eq!(c.period, p("2024-25 Q3"));
        assert_eq!(c.own, OwnValue::Actual(p("2024-25 Q3")));
        // Later data is never used.
        let c = comparator_period(
            p("2025-26 Q2"),
            Quarterly,
            true,
            &periods(&["2024-25 Q4", "2025-26 Q3"]),
            APR,
        )
        .unwrap();
        assert_eq!(c.period, p("2024-25 Q4"));
    }

    #[test]
    fn nothing_at_or_before_gives_none() {
        assert_eq!(
            comparator_period(p("2025-26"), Annual, false, &periods(&["2026-27"]), APR),
            None
        );
        assert_eq!(
            comparator_period(p("2025-26"), Annual, false, &[], APR),
            None
        );
        // Data of a shorter frequency than the indicator's is never used.
        assert_eq!(
            comparator_period(
                p("2025-26"),
                Annual,
                false,
                &periods(&["2025-06", "2025-26 Q1"]),
                APR
            ),
            None
        );
    }

    #[test]
    fn a_monthly_indicator_against_annual_data_uses_its_financial_year() {
        let annual = periods(&["2023-24", "2024-25"]);
        // Cumulative: the year-to-date value of March, the year's last month.
        let c = comparator_period(p("2025-06"), Monthly, true, &annual, APR).unwrap();
        assert_eq!(c.period, p("2024-25"));
        assert_eq!(c.requested, p("2025-26"));
        assert_eq!(c.own, OwnValue::Actual(p("2025-03")));
        // Asked for the year the data has: its own March.
        let c = comparator_period(p("2025-03"), Monthly, true, &annual, APR).unwrap();
        assert_eq!((c.period, c.is_lagged()), (p("2024-25"), false));
        assert_eq!(c.own, OwnValue::Actual(p("2025-03")));
        // Non-cumulative: the mean of the year's twelve months.
        let c = comparator_period(p("2025-06"), Monthly, false, &annual, APR).unwrap();
        assert_eq!(c.own, OwnValue::MeanOf(months("2024-04", "2025-03")));
        assert_eq!(c.own.periods().len(), 12);
        // A quarterly indicator: Q4 (cumulative) or the mean of the four quarters.
        let c = comparator_period(p("2025-26 Q1"), Quarterly, true, &annual, APR).unwrap();
        assert_eq!(c.own, OwnValue::Actual(p("2024-25 Q4")));
        let c = comparator_period(p("2025-26 Q1"), Quarterly, false, &annual, APR).unwrap();
        assert_eq!(
            c.own,
            OwnValue::MeanOf(periods(&[
                "2024-25 Q1",
                "2024-25 Q2",
                "2024-25 Q3",
                "2024-25 Q4"
            ]))
        );
    }

    #[test]
    fn the_financial_year_start_decides_the_months_of_a_year() {
        let jul = FyStart::new(7).unwrap();
        let annual = periods(&["2024-25"]);
        let c = comparator_period(p("2025-06"), Monthly, true, &annual, jul).unwrap();
        // June 2025 is in the July year 2024-25, which ends in June 2025.
        assert_eq!((c.period, c.is_lagged()), (p("2024-25"), false));
        assert_eq!(c.own, OwnValue::Actual(p("2025-06")));
        let c = comparator_period(p("2025-06"), Monthly, false, &annual, jul).unwrap();
        assert_eq!(c.own, OwnValue::MeanOf(months("2024-07", "2025-06")));
        // With an April year, June 2025 asks for 2025-26: the data lags.
        let c = comparator_period(p("2025-06"), Monthly, true, &annual, APR).unwrap();
        assert!(c.is_lagged());
    }

    #[test]
    fn quarterly_data_for_a_monthly_indicator() {
        let q = periods(&["2025-26 Q1"]);
        let c = comparator_period(p("2025-08"), Monthly, false, &q, APR).unwrap();
        assert_eq!(c.period, p("2025-26 Q1"));
        assert_eq!(c.requested, p("2025-26 Q2"));
        assert_eq!(c.own, OwnValue::MeanOf(months("2025-04", "2025-06")));
        // Cumulative: a quarter of year-to-date values is not comparable; annual data is
        // used when there is some, otherwise there is no benchmark.
        assert_eq!(
            comparator_period(p("2025-08"), Monthly, true, &q, APR),
            None
        );
        let mixed = periods(&["2025-26 Q1", "2024-25"]);
        let c = comparator_period(p("2025-08"), Monthly, true, &mixed, APR).unwrap();
        assert_eq!(c.period, p("2024-25"));
        assert_eq!(c.own, OwnValue::Actual(p("2025-03")));
    }

    #[test]
    fn data_of_the_indicators_own_frequency_comes_first() {
        let mixed = periods(&["2024-25", "2025-04", "2025-05"]);
        let c = comparator_period(p("2025-06"), Monthly, false, &mixed, APR).unwrap();
        assert_eq!(c.period, p("2025-05"));
        assert_eq!(c.own, OwnValue::Actual(p("2025-05")));
        // A quarter asked of a monthly indicator is its last month.
        let c = comparator_period(p("2025-26 Q1"), Monthly, false, &mixed, APR).unwrap();
        assert_eq!((c.period, c.requested), (p("2025-05"), p("2025-06")));
    }

    #[test]
    fn own_values() {
        let actual = |per: Period| {
            (per.frequency() == Monthly && per.start_date(APR) >= d(2024, 4, 1))
                .then(|| f64::from(per.months_elapsed_in_year(APR)))
        };
        assert_eq!(OwnValue::Actual(p("2025-03")).value(actual), Some(12.0));
        assert_eq!(OwnValue::Actual(p("2024-03")).value(actual), None);
        // The mean of 1..=12.
        let year = OwnValue::MeanOf(months("2024-04", "2025-03"));
        assert_eq!(year.value(actual), Some(6.5));
        // One month missing: no value, not the mean of eleven.
        let missing = |per: Period| {
            if per == p("2024-11") {
                None
            } else {
                actual(per)
            }
        };
        assert_eq!(year.value(missing), None);
        let nan = |per: Period| {
            if per == p("2024-11") {
                Some(f64::NAN)
            } else {
                actual(per)
            }
        };
        assert_eq!(year.value(nan), None);
        assert_eq!(OwnValue::MeanOf(vec![]).value(actual), None);
    }

    // ---- the whole rule ------------------------------------------------------------------

    fn rows(period: &str, values: &[f64]) -> Vec<(Period, ComparatorValue)> {
        comps(values).into_iter().map(|c| (p(period), c)).collect()
    }

    #[test]
    fn benchmark_end_to_end() {
        let ind = BenchmarkedIndicator {
            polarity: HigherIsBetter,
            frequency: Annual,
            cumulative: false,
        };
        let mut data = rows("2023-24", &[10.0, 20.0, 30.0, 40.0]);
        data.extend(rows("2024-25", &[50.0, 60.0, 70.0]));
        let own = |per: Period| match per.to_string().as_str() {
            "2024-25" => Some(65.0),
            "2025-26" => Some(99.0),
            _ => None,
        };
        let b = benchmark(&ind, p("2025-26"), &data, own, APR).unwrap();
        // The group has nothing for 2025-26: 2024-25 is used, with the council's 2024-25.
        assert_eq!(b.comparator.period, p("2024-25"));
        assert!(b.comparator.is_lagged());
        assert_eq!(b.own_value, 65.0);
        assert_eq!(rq(&b.position), (2, 4, 2));
        assert_eq!(b.position.median, 62.5);

        // No own value for the period used → none (even though a later one exists).
        let none_2024 = |per: Period| (per == p("2025-26")).then_some(99.0);
        assert_eq!(benchmark(&ind, p("2025-26"), &data, none_2024, APR), None);
        // No metric or no group: no comparator values.
        assert_eq!(benchmark(&ind, p("2025-26"), &[], own, APR), None);
        // NEUTRAL.
        let neutral = BenchmarkedIndicator {
            polarity: Neutral,
            ..ind
        };
        assert_eq!(benchmark(&neutral, p("2025-26"), &data, own, APR), None);
        // Fewer than four values in all.
        let few = rows("2024-25", &[1.0, 2.0]);
        assert_eq!(benchmark(&ind, p("2024-25"), &few, own, APR), None);
        // A period whose only values are not finite counts as having none.
        let mut nan = rows("2023-24", &[10.0, 20.0, 30.0]);
        nan.extend(rows("2024-25", &[f64::NAN]));
        let own23 = |per: Period| (per == p("2023-24")).then_some(25.0);
        let b = benchmark(&ind, p("2024-25"), &nan, own23, APR).unwrap();
        assert_eq!(b.comparator.period, p("2023-24"));
        assert_eq!(rq(&b.position), (2, 4, 2));
    }

    #[test]
    fn benchmark_of_a_monthly_indicator_against_annual_data() {
        let data = rows("2024-25", &[80.0, 85.0, 90.0, 95.0]);
        // Non-cumulative: the mean of April 2024 to March 2025.
        let ind = BenchmarkedIndicator {
            polarity: LowerIsBetter,
            frequency: Monthly,
            cumulative: false,
        };
        let monthly = |per: Period| {
            (per.frequency() == Monthly && per.financial_year(APR) == p("2024-25")).then(|| {
                if per.months_elapsed_in_year(APR) <= 6 {
                    80.0
                } else {
                    90.0
                }
            })
        };
        let b = benchmark(&ind, p("2025-26 Q1"), &data, monthly, APR).unwrap();
        assert_eq!(b.own_value, 85.0);
        assert_eq!(b.comparator.own.periods().len(), 12);
        assert_eq!(rq(&b.position), (2, 5, 2));
        // Cumulative: March's year-to-date value.
        let ind = BenchmarkedIndicator {
            cumulative: true,
            ..ind
        };
        let b = benchmark(&ind, p("2025-26 Q1"), &data, monthly, APR).unwrap();
        assert_eq!(b.comparator.own, OwnValue::Actual(p("2025-03")));
        assert_eq!(b.own_value, 90.0);
        assert_eq!(rq(&b.position), (3, 5, 3));
    }

    // ---- period labels -------------------------------------------------------------------

    #[test]
    fn reads_lg_inform_labels_and_the_api_forms() {
        let l = |s: &str| parse_period_label(s).unwrap();
        assert_eq!(l("2024/25"), Period::year(2024));
        assert_eq!(l("2024-25"), Period::year(2024));
        assert_eq!(l("Q1 2024/25"), Period::quarter(2024, 1).unwrap());
        assert_eq!(l("q4 2024/25"), Period::quarter(2024, 4).unwrap());
        assert_eq!(l("2024/25 Q2"), Period::quarter(2024, 2).unwrap());
        assert_eq!(l("2024-25 Q1"), Period::quarter(2024, 1).unwrap());
        assert_eq!(l("Q3 2024-25"), Period::quarter(2024, 3).unwrap());
        assert_eq!(l("Jun 2025"), Period::month(2025, 6).unwrap());
        assert_eq!(l("June 2025"), Period::month(2025, 6).unwrap());
        assert_eq!(l("SEPTEMBER 2025"), Period::month(2025, 9).unwrap());
        assert_eq!(l("2025-06"), Period::month(2025, 6).unwrap());
        assert_eq!(l("  Q1   2024/25 "), Period::quarter(2024, 1).unwrap());
        assert_eq!(l("2099/00"), Period::year(2099));
        assert_eq!(l("2011/12"), Period::year(2011));
        assert_eq!(l("Dec 2011"), Period::month(2011, 12).unwrap());
    }

    #[test]
    fn rejects_other_labels_naming_the_accepted_forms() {
        for bad in [
            "",
            "2024",
            "2024/26",
            "2024/2025",
            "24/25",
            "2024/+5",
            "Q5 2024/25",
            "Q0 2024/25",
            "Q1 2024/26",
            "Q1 Q2",
            "Q1",
            "2024/25 Q1 Q2",
            "Jux 2025",
            "June 25",
            "2025-13",
            "FY 2024/25",
            "２０２４/25",
        ] {
            let e = parse_period_label(bad).expect_err(bad);
            let msg = e.to_string();
            assert!(msg.contains("2024/25 or 2024-25 (financial year)"), "{msg}");
            assert!(msg.contains("Q1 2024/25 or 2024-25 Q1 (quarter)"), "{msg}");
            assert!(msg.contains("Jun 2025 or 2025-06 (month)"), "{msg}");
        }
        assert_eq!(
            parse_period_label("Q5 2024/25").unwrap_err().to_string(),
            r#""Q5 2024/25" is not a period: use 2024/25 or 2024-25 (financial year), Q1 2024/25 or 2024-25 Q1 (quarter), Jun 2025 or 2025-06 (month)"#
        );
        let long = "9".repeat(10_000);
        assert!(parse_period_label(&long).unwrap_err().to_string().len() < 250);
    }

    // ---- properties ----------------------------------------------------------------------

    proptest! {
        #[test]
        fn position_follows_the_rule(
            own in -100i32..100,
            others in proptest::collection::vec(-100i32..100, 3..20),
            higher in any::<bool>(),
        ) {
            let polarity = if higher { HigherIsBetter } else { LowerIsBetter };
            let own = f64::from(own);
            let others: Vec<f64> = others.into_iter().map(f64::from).collect();
            let b = pos(polarity, own, &others);
            let strictly_better = others.iter().filter(|v| better(polarity, **v, own)).count();
            prop_assert_eq!(b.rank as usize, 1 + strictly_better);
            prop_assert_eq!(b.of as usize, others.len() + 1);
            prop_assert_eq!(u32::from(b.quartile), (4 * b.rank).div_ceil(b.of));
            prop_assert!((1..=4).contains(&b.quartile));
            let lo = b.best.min(b.worst);
            let hi = b.best.max(b.worst);
            prop_assert!(lo <= b.median && b.median <= hi);
            prop_assert_eq!(b.values.len(), others.len() + 1);
            for w in b.values.windows(2) {
                prop_assert!(!better(polarity, w[1].value, w[0].value));
                prop_assert!(w[0].rank <= w[1].rank);
            }
            for v in &b.values {
                let sb = b.values.iter().filter(|o| better(polarity, o.value, v.value)).count();
                prop_assert_eq!(v.rank as usize, 1 + sb);
            }
        }

        #[test]
        fn chosen_period_is_available_and_not_after_the_asked_one(
            asked in crate::period::tests::arb_period(),
            available in proptest::collection::vec(crate::period::tests::arb_period(), 0..8),
            fy in crate::period::tests::arb_fy(),
            cumulative in any::<bool>(),
            own in prop_oneof![Just(Monthly), Just(Quarterly), Just(Annual)],
        ) {
            if let Some(c) = comparator_period(asked, own, cumulative, &available, fy) {
                prop_assert!(available.contains(&c.period));
                prop_assert!(c.period.frequency() >= own);
                prop_assert_eq!(c.period.frequency(), c.requested.frequency());
                prop_assert!(c.period.end_date(fy) <= c.requested.end_date(fy));
                for per in c.own.periods() {
                    prop_assert_eq!(per.frequency(), own);
                    prop_assert!(c.period.start_date(fy) <= per.start_date(fy));
                    prop_assert!(per.end_date(fy) <= c.period.end_date(fy));
                }
            }
        }

        #[test]
        fn labels_never_panic(s in "\\PC{0,20}") {
            let _ = parse_period_label(&s);
        }

        #[test]
        fn lg_inform_labels_match_the_api_forms(y in 0i32..=9998, q in 1u8..=4) {
            let fy = format!("{y:04}/{:02}", (y + 1) % 100);
            prop_assert_eq!(parse_period_label(&fy), Ok(Period::year(y)));
            prop_assert_eq!(
                parse_period_label(&format!("Q{q} {fy}")),
                Ok(Period::quarter(y, q).unwrap())
            );
        }
    }
}
