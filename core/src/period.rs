//! Financial years, quarters and months (docs/rules.md §2).
//!
//! > The financial year starts on the organisation's first month (April). Quarter 1 =
//! > April–June. Periods are written as strings in the API and in files: `2025-26` (financial
//! > year 1 Apr 2025 – 31 Mar 2026), `2025-26 Q1` (1 Apr 2025 – 30 Jun 2025), `2025-06`
//! > (calendar month June 2025, belongs to financial year 2025-26). Anything else is a clear
//! > input error that names the accepted forms.
//!
//! A [`Period`] is a plain value; the dates it covers depend on the organisation's
//! [`FyStart`], which every date-related method takes as an argument.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};

use crate::value::{shorten, string_enum};

/// How often an indicator is measured.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Frequency {
    /// One value per calendar month.
    Monthly,
    /// One value per quarter of the financial year.
    Quarterly,
    /// One value per financial year.
    Annual,
}

string_enum!(Frequency, "frequency", {
    Monthly => "MONTHLY",
    Quarterly => "QUARTERLY",
    Annual => "ANNUAL",
});

/// Errors about periods: unreadable text, invalid settings and impossible ranges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The text is none of the accepted forms.
    #[error(
        "{input:?} is not a period: use \"2025-26\" (financial year), \"2025-26 Q1\" (quarter) or \"2025-06\" (month)"
    )]
    Invalid {
        /// The rejected text (shortened when very long).
        input: String,
    },
    /// A [`Period`] value whose parts are out of range (quarter not 1–4, month not 1–12, or a
    /// year that cannot be written with four digits).
    #[error("{0} is not a valid period: quarters are 1 to 4, months 1 to 12, years 0 to 9999")]
    OutOfRange(String),
    /// The financial year must start in a month 1..=12.
    #[error("the financial year must start in a month from 1 (January) to 12 (December), not {0}")]
    InvalidFyStart(i64),
    /// Both ends of a range must have the same frequency.
    #[error(
        "\"{from}\" and \"{to}\" are periods of different lengths: a range needs two financial years, two quarters or two months"
    )]
    FrequencyMismatch {
        /// First end of the range.
        from: String,
        /// Last end of the range.
        to: String,
    },
    /// The range is backwards.
    #[error("\"{from}\" comes after \"{to}\": give the earlier period first")]
    Reversed {
        /// First end of the range.
        from: String,
        /// Last end of the range.
        to: String,
    },
    /// The range holds more than [`Period::MAX_RANGE`] periods.
    #[error("\"{from}\" to \"{to}\" is {count} periods: at most {max} can be listed at once", max = Period::MAX_RANGE)]
    TooLong {
        /// First end of the range.
        from: String,
        /// Last end of the range.
        to: String,
        /// How many periods the range would hold.
        count: i64,
    },
}

/// The first calendar month of the organisation's financial year, 1 (January) to 12
/// (December). English councils use April, the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct FyStart(u32);

impl FyStart {
    /// April, the financial year of English local government.
    pub const APRIL: FyStart = FyStart(4);

    /// Checks that `month` is 1..=12.
    pub fn new(month: u32) -> Result<Self, PeriodError> {
        if (1..=12).contains(&month) {
            Ok(FyStart(month))
        } else {
            Err(PeriodError::InvalidFyStart(i64::from(month)))
        }
    }

    /// The first month of the financial year, 1..=12.
    pub const fn month(self) -> u32 {
        self.0
    }
}

impl Default for FyStart {
    fn default() -> Self {
        FyStart::APRIL
    }
}

impl TryFrom<u32> for FyStart {
    type Error = PeriodError;
    fn try_from(month: u32) -> Result<Self, Self::Error> {
        FyStart::new(month)
    }
}

impl TryFrom<i32> for FyStart {
    type Error = PeriodError;
    fn try_from(month: i32) -> Result<Self, Self::Error> {
        u32::try_from(month)
            .map_err(|_| PeriodError::InvalidFyStart(i64::from(month)))
            .and_then(FyStart::new)
    }
}

impl From<FyStart> for u32 {
    fn from(fy: FyStart) -> u32 {
        fy.0
    }
}

/// A reporting period: a financial year, a quarter of one, or a calendar month.
///
/// Financial years and quarters are named by the calendar year in which the financial year
/// starts; which months they cover depends on the organisation's [`FyStart`]. Months are
/// calendar months and belong to whichever financial year contains them.
///
/// Build values with [`Period::parse`], [`Period::year`], [`Period::quarter`],
/// [`Period::month`], [`Period::containing`] or `TryFrom<PeriodKind>`. The representation
/// is private, so a quarter is always 1–4 and a month 1–12: every method is defined for
/// every value. Read the parts with [`Period::kind`], a plain copy for pattern matching.
///
/// Serialised (serde) as its text form, like the API and the database.
#[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Period(PeriodKind);

/// The parts of a [`Period`], for pattern matching: `match period.kind() { … }`.
///
/// A plain copy: building one by hand gives no [`Period`]; `Period::try_from(kind)` checks
/// it exactly as [`Period::quarter`] and [`Period::month`] do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    /// A financial year, e.g. `2025-26` (1 Apr 2025 – 31 Mar 2026 for an April year).
    Year {
        /// Calendar year in which the financial year starts.
        start_year: i32,
    },
    /// A quarter of a financial year, e.g. `2025-26 Q1` (Apr–Jun 2025 for an April year).
    Quarter {
        /// Calendar year in which the financial year starts.
        start_year: i32,
        /// 1..=4; Q1 is the first three months of the financial year.
        quarter: u8,
    },
    /// A calendar month, e.g. `2025-06`.
    Month {
        /// Calendar year.
        year: i32,
        /// 1..=12.
        month: u32,
    },
}

impl fmt::Debug for Period {
    /// The parts, as [`PeriodKind`] prints them (`Quarter { start_year: 2025, quarter: 1 }`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<Period> for PeriodKind {
    fn from(p: Period) -> PeriodKind {
        p.0
    }
}

impl TryFrom<PeriodKind> for Period {
    type Error = PeriodError;
    /// Checks the parts: quarter 1..=4, month 1..=12, and a year that can be written with
    /// four digits (0..=9999); otherwise [`PeriodError::OutOfRange`].
    fn try_from(kind: PeriodKind) -> Result<Self, Self::Error> {
        let year_ok = |y: i32| (0..=9999).contains(&y);
        let ok = match kind {
            PeriodKind::Year { start_year } => year_ok(start_year),
            PeriodKind::Quarter {
                start_year,
                quarter,
            } => year_ok(start_year) && (1..=4).contains(&quarter),
            PeriodKind::Month { year, month } => year_ok(year) && (1..=12).contains(&month),
        };
        if ok {
            Ok(Period(kind))
        } else {
            Err(PeriodError::OutOfRange(format!("{kind:?}")))
        }
    }
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_index(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

fn first_of_month_index(index: i64) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

fn last_of_month_index(index: i64) -> Option<NaiveDate> {
    let first = first_of_month_index(index)?;
    let days = match first.month() {
        2 if first.leap_year() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    first.with_day(days)
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

fn four_digits(b: &[u8]) -> Option<i32> {
    if b.len() == 4 && b.iter().all(u8::is_ascii_digit) {
        Some(b.iter().fold(0, |acc, d| acc * 10 + i32::from(d - b'0')))
    } else {
        None
    }
}

/// Last two digits of the year after `year`: the second part of a financial year's name.
fn next_year_suffix(year: i32) -> u32 {
    // rem_euclid of a positive modulus is in 0..100.
    year.wrapping_add(1).rem_euclid(100).unsigned_abs()
}

/// The month 1..=12 named `name` in full or by its first three letters, case ignored.
fn month_by_name(name: &str) -> Option<u32> {
    MONTH_NAMES
        .iter()
        .position(|full| name.eq_ignore_ascii_case(full) || name.eq_ignore_ascii_case(&full[..3]))
        .map(|i| i as u32 + 1)
}

impl Period {
    /// The most periods [`Period::range`] lists at once (33 years of months).
    pub const MAX_RANGE: usize = 400;

    /// The financial year starting in `start_year`.
    pub const fn year(start_year: i32) -> Period {
        Period(PeriodKind::Year { start_year })
    }

    /// Quarter `quarter` (1..=4) of the financial year starting in `start_year` (0..=9999).
    pub fn quarter(start_year: i32, quarter: u8) -> Result<Period, PeriodError> {
        Period::try_from(PeriodKind::Quarter {
            start_year,
            quarter,
        })
    }

    /// The calendar month `month` (1..=12) of `year` (0..=9999).
    pub fn month(year: i32, month: u32) -> Result<Period, PeriodError> {
        Period::try_from(PeriodKind::Month { year, month })
    }

    /// The calendar month `month` of `year`, or `None` when `month` is not 1..=12 or `year`
    /// not 0..=9999: the same check as [`Period::month`], usable in a `const`
    /// (`Period::month_opt(2026, 3).expect("a month")`).
    pub const fn month_opt(year: i32, month: u32) -> Option<Period> {
        if 0 <= year && year <= 9999 && 1 <= month && month <= 12 {
            Some(Period(PeriodKind::Month { year, month }))
        } else {
            None
        }
    }

    /// The parts, for pattern matching:
    ///
    /// ```
    /// # use pmf_core::{Period, PeriodKind};
    /// let q = Period::parse("2025-26 Q2").unwrap();
    /// assert!(matches!(q.kind(), PeriodKind::Quarter { start_year: 2025, quarter: 2 }));
    /// ```
    pub const fn kind(&self) -> PeriodKind {
        self.0
    }

    /// Reads a period written in one of the accepted forms (surrounding whitespace ignored):
    ///
    /// | text | meaning |
    /// |---|---|
    /// | `2025-26` | financial year starting in 2025; the second part must be the next year's last two digits (`2099-00` is valid) |
    /// | `2025-26 Q1` | quarter 1–4 of that financial year (`q1` is accepted too) |
    /// | `2025-06` | calendar month June 2025 |
    /// | `Jun 2025`, `June 2025` | the same calendar month, by name (case ignored) |
    ///
    /// **Ambiguity.** `YYYY-NN` is a financial year when `NN` equals the last two digits of
    /// `YYYY + 1`, and otherwise a month when `NN` is 01–12. The financial-year reading wins,
    /// so `2011-12` is the financial year 2011-12, not December 2011, and likewise `2005-06`
    /// is the financial year 2005-06, not June 2005. Exactly one month in each year ending
    /// 00–11 is affected — the month numbered like the next year's last two digits (January
    /// 2000, June 2005, December 2011); write those months by name (`Dec 2011`, `Jun 2005`).
    /// [`Period`]'s `Display` does that itself, so printing and parsing always round-trip.
    /// From 2012 to 2099 no month is ambiguous.
    ///
    /// Anything else is a [`PeriodError::Invalid`] whose message names the accepted forms.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let t = s.trim();
        let invalid = || PeriodError::Invalid { input: shorten(t) };
        let b = t.as_bytes();

        // "YYYY-NN" and "YYYY-NN Qn"
        if (b.len() == 7 || b.len() == 10) && b[4] == b'-' {
            let year = four_digits(&b[..4]).ok_or_else(invalid)?;
            let second = two_digits(&b[5..7]).ok_or_else(invalid)?;
            let is_fy = second == next_year_suffix(year);
            if b.len() == 7 {
                return if is_fy {
                    Ok(Period::year(year))
                } else {
                    Period::month_opt(year, second).ok_or_else(invalid)
                };
            }
            return match &b[7..] {
                [b' ', b'Q' | b'q', q @ b'1'..=b'4'] if is_fy => {
                    Period::quarter(year, q - b'0').map_err(|_| invalid())
                }
                _ => Err(invalid()),
            };
        }

        // "Jun 2025" / "June 2025"
        if let Some((name, year)) = t.split_once(' ') {
            let year = four_digits(year.as_bytes()).ok_or_else(invalid)?;
            let month = month_by_name(name).ok_or_else(invalid)?;
            return Period::month_opt(year, month).ok_or_else(invalid);
        }
        Err(invalid())
    }

    /// Monthly, quarterly or annual.
    pub fn frequency(&self) -> Frequency {
        match self.0 {
            PeriodKind::Year { .. } => Frequency::Annual,
            PeriodKind::Quarter { .. } => Frequency::Quarterly,
            PeriodKind::Month { .. } => Frequency::Monthly,
        }
    }

    /// The calendar year in which the financial year containing this period starts.
    /// `2025-06`, the calendar month June 2025, belongs to financial year 2025-26 (rules §2).
    pub fn financial_year_start(&self, fy: FyStart) -> i32 {
        match self.0 {
            PeriodKind::Year { start_year } | PeriodKind::Quarter { start_year, .. } => start_year,
            PeriodKind::Month { year, month } => {
                if month >= fy.month() {
                    year
                } else {
                    year.saturating_sub(1)
                }
            }
        }
    }

    /// The financial year ([`PeriodKind::Year`]) containing this period.
    pub fn financial_year(&self, fy: FyStart) -> Period {
        Period::year(self.financial_year_start(fy))
    }

    /// The index of the period's first month (see `month_index`) and its length in months.
    fn month_span(&self, fy: FyStart) -> (i64, i64) {
        match self.0 {
            PeriodKind::Year { start_year } => (month_index(start_year, fy.month()), 12),
            PeriodKind::Quarter {
                start_year,
                quarter,
            } => (
                month_index(start_year, fy.month()) + 3 * (i64::from(quarter) - 1),
                3,
            ),
            PeriodKind::Month { year, month } => (month_index(year, month), 1),
        }
    }

    /// First and last day (inclusive), or `None` when one lies outside chrono's calendar
    /// (years beyond ±262,000).
    fn bounds(&self, fy: FyStart) -> Option<(NaiveDate, NaiveDate)> {
        let (first, months) = self.month_span(fy);
        let start = first_of_month_index(first)?;
        let end = last_of_month_index(first + months - 1)?;
        Some((start, end))
    }

    /// First and last day; a day beyond chrono's calendar (a year beyond ±262,000, which
    /// only [`Period::year`], [`Period::containing`] or stepping at the calendar's very edge
    /// can reach) is the calendar's first or last day.
    fn saturating_bounds(&self, fy: FyStart) -> (NaiveDate, NaiveDate) {
        let (first, months) = self.month_span(fy);
        let clamp = |index: i64, day: Option<NaiveDate>| {
            day.unwrap_or(if index < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            })
        };
        let last = first + months - 1;
        (
            clamp(first, first_of_month_index(first)),
            clamp(last, last_of_month_index(last)),
        )
    }

    /// The first day of the period. Q1 is the first three months of the financial year.
    pub fn start_date(&self, fy: FyStart) -> NaiveDate {
        self.saturating_bounds(fy).0
    }

    /// The last day of the period (inclusive): 29 February for `2024-02`, 31 March for an
    /// April financial year.
    pub fn end_date(&self, fy: FyStart) -> NaiveDate {
        self.saturating_bounds(fy).1
    }

    /// Position on a line of periods of the same frequency (consecutive periods differ by 1).
    fn ordinal(&self) -> i64 {
        match self.0 {
            PeriodKind::Year { start_year } => i64::from(start_year),
            PeriodKind::Quarter {
                start_year,
                quarter,
            } => i64::from(start_year) * 4 + i64::from(quarter) - 1,
            PeriodKind::Month { year, month } => month_index(year, month),
        }
    }

    fn from_ordinal(freq: Frequency, n: i64) -> Option<Period> {
        // rem_euclid keeps the quarter in 1..=4 and the month in 1..=12.
        Some(Period(match freq {
            Frequency::Annual => PeriodKind::Year {
                start_year: i32::try_from(n).ok()?,
            },
            Frequency::Quarterly => PeriodKind::Quarter {
                start_year: i32::try_from(n.div_euclid(4)).ok()?,
                quarter: u8::try_from(n.rem_euclid(4) + 1).ok()?,
            },
            Frequency::Monthly => PeriodKind::Month {
                year: i32::try_from(n.div_euclid(12)).ok()?,
                month: u32::try_from(n.rem_euclid(12) + 1).ok()?,
            },
        }))
    }

    fn step(&self, by: i64) -> Period {
        Period::from_ordinal(self.frequency(), self.ordinal() + by).unwrap_or(*self)
    }

    /// The period of the same frequency just before this one: March before April, Q4 of the
    /// previous financial year before Q1, `2024-25` before `2025-26`.
    pub fn previous(&self, _fy: FyStart) -> Period {
        self.step(-1)
    }

    /// The period of the same frequency just after this one.
    pub fn next(&self, _fy: FyStart) -> Period {
        self.step(1)
    }

    /// The same period one year earlier (`2025-26 Q2` → `2024-25 Q2`, `2025-06` →
    /// `2024-06`). Used for cumulative (year-to-date) trends, docs/rules.md §6.
    pub fn same_period_last_year(&self) -> Period {
        Period(match self.0 {
            PeriodKind::Year { start_year } => PeriodKind::Year {
                start_year: start_year.saturating_sub(1),
            },
            PeriodKind::Quarter {
                start_year,
                quarter,
            } => PeriodKind::Quarter {
                start_year: start_year.saturating_sub(1),
                quarter,
            },
            PeriodKind::Month { year, month } => PeriodKind::Month {
                year: year.saturating_sub(1),
                month,
            },
        })
    }

    /// The period of frequency `freq` that contains `date`.
    pub fn containing(date: NaiveDate, freq: Frequency, fy: FyStart) -> Period {
        let fy_start_year = if date.month() >= fy.month() {
            date.year()
        } else {
            date.year() - 1
        };
        Period(match freq {
            Frequency::Annual => PeriodKind::Year {
                start_year: fy_start_year,
            },
            Frequency::Quarterly => {
                let months_in = (date.month() + 12 - fy.month()) % 12;
                PeriodKind::Quarter {
                    start_year: fy_start_year,
                    // months_in is 0..12, so this is 1..=4
                    quarter: (months_in / 3 + 1) as u8,
                }
            }
            Frequency::Monthly => PeriodKind::Month {
                year: date.year(),
                month: date.month(),
            },
        })
    }

    /// Every period of `freq` that starts on or after `from` and ends on or before `to`, in
    /// ascending order (empty when `from > to` or no whole period fits).
    pub fn periods_within(
        freq: Frequency,
        from: NaiveDate,
        to: NaiveDate,
        fy: FyStart,
    ) -> Vec<Period> {
        let mut out = Vec::new();
        if from > to {
            return out;
        }
        let mut p = Period::containing(from, freq, fy);
        if p.bounds(fy).is_some_and(|(start, _)| start < from) {
            p = p.next(fy);
        }
        while let Some((_, end)) = p.bounds(fy) {
            if end > to {
                break;
            }
            out.push(p);
            let next = p.next(fy);
            if next == p {
                break;
            }
            p = next;
        }
        out
    }

    /// The inclusive list of periods from `from` to `to`. Both must have the same frequency,
    /// `from` must not come after `to`, and at most [`Period::MAX_RANGE`] (400) periods are
    /// listed; otherwise an error says which rule was broken.
    pub fn range(from: Period, to: Period, fy: FyStart) -> Result<Vec<Period>, PeriodError> {
        if from.frequency() != to.frequency() {
            return Err(PeriodError::FrequencyMismatch {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        let count = to.ordinal() - from.ordinal() + 1;
        if count < 1 {
            return Err(PeriodError::Reversed {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        if count > Period::MAX_RANGE as i64 {
            return Err(PeriodError::TooLong {
                from: from.to_string(),
                to: to.to_string(),
                count,
            });
        }
        let mut out = Vec::with_capacity(count as usize);
        let mut p = from;
        for _ in 0..count {
            out.push(p);
            p = p.next(fy);
        }
        Ok(out)
    }

    /// The period of frequency `own` on which an indicator is rated when it is read at this
    /// (possibly different) granularity (docs/rules.md §4): its own period that ends last inside
    /// the one asked for (the quarter's last month); an annual indicator asked for a quarter is
    /// rated on the financial year containing it.
    ///
    /// Defined as the `own` period containing this period's last day: a monthly indicator
    /// asked for `2025-26 Q1` → `2025-06`; an annual one → `2025-26`; a quarterly one asked
    /// for a year → its Q4. When `own` is this period's frequency, the period itself.
    pub fn rating_period(&self, own: Frequency, fy: FyStart) -> Period {
        if own == self.frequency() {
            return *self;
        }
        Period::containing(self.end_date(fy), own, fy)
    }

    /// Months from the start of the financial year to the end of this period: Q1 → 3,
    /// Q4 → 12, a month → its position 1..=12 in the financial year, a year → 12. The
    /// numerator of the pro-rata target (docs/rules.md §3: Q1 → ¼).
    pub fn months_elapsed_in_year(&self, fy: FyStart) -> u32 {
        match self.0 {
            PeriodKind::Year { .. } => 12,
            PeriodKind::Quarter { quarter, .. } => 3 * u32::from(quarter),
            PeriodKind::Month { month, .. } => (month + 12 - fy.month()) % 12 + 1,
        }
    }

    /// `(end, start)`: sorts periods by the day they end, longer periods first among those
    /// that end together (`2025-26 Q1` before `2025-06`).
    pub fn sort_key(&self, fy: FyStart) -> (NaiveDate, NaiveDate) {
        let (start, end) = self.saturating_bounds(fy);
        (end, start)
    }

    /// Whether `date` falls within this period.
    pub fn contains(&self, date: NaiveDate, fy: FyStart) -> bool {
        self.bounds(fy)
            .is_some_and(|(start, end)| start <= date && date <= end)
    }
}

/// The last day of the month containing `date`.
pub(crate) fn month_end(date: NaiveDate) -> NaiveDate {
    last_of_month_index(month_index(date.year(), date.month())).unwrap_or(date)
}

/// The day after `date`, saturating at chrono's maximum date.
pub(crate) fn day_after(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

impl fmt::Display for Period {
    /// The canonical text form (`2025-26`, `2025-26 Q1`, `2025-06`). A month whose
    /// `YYYY-MM` form would read as a financial year (e.g. December 2011, see
    /// [`Period::parse`]) is written by name (`Dec 2011`) so that it parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            PeriodKind::Year { start_year } => {
                write!(f, "{start_year:04}-{:02}", next_year_suffix(start_year))
            }
            PeriodKind::Quarter {
                start_year,
                quarter,
            } => write!(
                f,
                "{start_year:04}-{:02} Q{quarter}",
                next_year_suffix(start_year)
            ),
            PeriodKind::Month { year, month } => {
                if month == next_year_suffix(year) {
                    write!(f, "{} {year:04}", &MONTH_NAMES[month as usize - 1][..3])
                } else {
                    write!(f, "{year:04}-{month:02}")
                }
            }
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl TryFrom<&str> for Period {
    type Error = PeriodError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Period::parse(s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    pub(crate) fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }
    const APR: FyStart = FyStart::APRIL;
    fn fy(m: u32) -> FyStart {
        FyStart::new(m).unwrap()
    }

    // ---- parsing and printing -------------------------------------------------------------

    #[test]
    fn parses_the_three_forms_of_the_spec() {
        assert_eq!(p("2025-26"), Period::year(2025));
        assert_eq!(p("2025-26 Q1"), Period::quarter(2025, 1).unwrap());
        assert_eq!(p("2025-26 Q4"), Period::quarter(2025, 4).unwrap());
        assert_eq!(p("2025-06"), Period::month(2025, 6).unwrap());
        assert_eq!("2025-26".parse::<Period>().unwrap(), p("2025-26"));
    }

    #[test]
    fn trims_whitespace_and_accepts_lowercase_q() {
        assert_eq!(p("  2025-26 \n"), p("2025-26"));
        assert_eq!(p("\t2025-26 Q3 "), p("2025-26 Q3"));
        assert_eq!(p("2025-26 q2"), p("2025-26 Q2"));
    }

    #[test]
    fn fy_across_a_century() {
        assert_eq!(p("2099-00"), Period::year(2099));
        assert_eq!(p("2099-00").to_string(), "2099-00");
        assert_eq!(p("1999-00 Q2").to_string(), "1999-00 Q2");
        assert_eq!(p("2099-01"), Period::month(2099, 1).unwrap());
        assert!(Period::parse("2098-00").is_err());
    }

    #[test]
    fn fy_reading_wins_when_second_part_is_next_year() {
        // The documented ambiguity: "2011-12" is the financial year 2011-12 ...
        assert_eq!(p("2011-12"), Period::year(2011));
        assert_eq!(p("2005-06"), Period::year(2005));
        // ... whereas "2010-12" and "2025-12" are Decembers (12 is not 11 or 26).
        assert_eq!(p("2010-12"), Period::month(2010, 12).unwrap());
        assert_eq!(p("2025-12"), Period::month(2025, 12).unwrap());
        // December 2011 is written by name, and printed that way so it round-trips.
        let dec_2011 = Period::month(2011, 12).unwrap();
        assert_eq!(dec_2011.to_string(), "Dec 2011");
        assert_eq!(p("Dec 2011"), dec_2011);
        assert_eq!(p("december 2011"), dec_2011);
        assert_eq!(p("Jun 2005"), Period::month(2005, 6).unwrap());
        // Unambiguous months print numerically.
        assert_eq!(p("June 2025").to_string(), "2025-06");
    }

    #[test]
    fn rejects_everything_else_naming_the_accepted_forms() {
        for bad in [
            "",
            "   ",
            "2025/26",
            "2025-27",
            "2025-13",
            "2025-00",
            "2025-6",
            "25-26",
            "2025-26 Q0",
            "2025-26 Q5",
            "2025-26Q1",
            "2025-26  Q1",
            "2025-06 Q1",
            "2025-27 Q1",
            "+025-26",
            "-2025-26",
            "2025-2a",
            "２０２５-26",
            "2025-26-01",
            "FY2025",
            "Q1 2025-26",
            "Jux 2025",
            "June 25",
            "June  2025",
            "2025",
        ] {
            let err = Period::parse(bad).expect_err(bad);
            assert!(matches!(err, PeriodError::Invalid { .. }), "{bad}");
            let msg = err.to_string();
            assert!(msg.contains("\"2025-26\" (financial year)"), "{msg}");
            assert!(msg.contains("\"2025-26 Q1\" (quarter)"), "{msg}");
            assert!(msg.contains("\"2025-06\" (month)"), "{msg}");
        }
        assert_eq!(
            Period::parse("2025/26").unwrap_err().to_string(),
            r#""2025/26" is not a period: use "2025-26" (financial year), "2025-26 Q1" (quarter) or "2025-06" (month)"#
        );
    }

    #[test]
    fn huge_input_gives_short_message() {
        let long = "9".repeat(10_000);
        let msg = Period::parse(&long).unwrap_err().to_string();
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(Period::year(2025).to_string(), "2025-26");
        assert_eq!(Period::quarter(2025, 3).unwrap().to_string(), "2025-26 Q3");
        assert_eq!(Period::month(2025, 6).unwrap().to_string(), "2025-06");
        assert_eq!(Period::month(2026, 1).unwrap().to_string(), "2026-01");
        assert_eq!(String::from(Period::year(2030)), "2030-31");
        assert_eq!(
            Period::try_from("2030-31".to_string()).unwrap(),
            Period::year(2030)
        );
    }

    #[test]
    fn constructors_validate() {
        assert!(Period::quarter(2025, 0).is_err());
        assert!(Period::quarter(2025, 5).is_err());
        assert!(Period::month(2025, 0).is_err());
        assert!(Period::month(2025, 13).is_err());
        assert!(Period::month(10_000, 1).is_err());
        assert!(Period::month(-1, 1).is_err());
        assert!(
            Period::month(2025, 13)
                .unwrap_err()
                .to_string()
                .contains("months 1 to 12")
        );
        assert_eq!(Period::month_opt(2025, 6), Some(p("2025-06")));
        assert_eq!(Period::month_opt(2025, 0), None);
        assert_eq!(Period::month_opt(2025, 13), None);
        assert_eq!(Period::month_opt(10_000, 1), None);
        assert_eq!(Period::month_opt(-1, 12), None);
        const MARCH: Period = Period::month_opt(2026, 3).expect("a month");
        assert_eq!(MARCH, p("2026-03"));
    }

    #[test]
    fn kinds_are_read_only_views() {
        assert_eq!(p("2025-26").kind(), PeriodKind::Year { start_year: 2025 });
        assert_eq!(
            p("2025-26 Q3").kind(),
            PeriodKind::Quarter {
                start_year: 2025,
                quarter: 3
            }
        );
        assert_eq!(
            PeriodKind::from(p("Dec 2011")),
            PeriodKind::Month {
                year: 2011,
                month: 12
            }
        );
        // A kind built by hand becomes a Period only through the same checks.
        for (bad, why) in [
            (
                PeriodKind::Quarter {
                    start_year: 2025,
                    quarter: 7,
                },
                "quarters are 1 to 4",
            ),
            (
                PeriodKind::Month {
                    year: 2025,
                    month: 0,
                },
                "months 1 to 12",
            ),
            (PeriodKind::Year { start_year: 10_000 }, "years 0 to 9999"),
        ] {
            let e = Period::try_from(bad).unwrap_err();
            assert!(matches!(e, PeriodError::OutOfRange(_)), "{bad:?}");
            assert!(e.to_string().contains(why), "{e}");
        }
        assert_eq!(
            Period::try_from(PeriodKind::Quarter {
                start_year: 2025,
                quarter: 4
            }),
            Ok(p("2025-26 Q4"))
        );
        // Debug prints the parts, as before the representation was made private.
        assert_eq!(
            format!("{:?}", p("2025-26 Q1")),
            "Quarter { start_year: 2025, quarter: 1 }"
        );
    }

    #[test]
    fn years_beyond_the_calendar_do_not_panic() {
        // `Period::year` takes any year; chrono's calendar ends around ±262,000, and the
        // dates saturate there.
        let far = Period::year(i32::MAX);
        assert_eq!(far.start_date(APR), NaiveDate::MAX);
        assert_eq!(far.end_date(APR), NaiveDate::MAX);
        assert_eq!(Period::year(i32::MIN).start_date(APR), NaiveDate::MIN);
        assert_eq!(far.next(APR), far);
        assert!(!far.contains(NaiveDate::MAX, APR));
        assert_eq!(
            far.rating_period(Frequency::Monthly, APR).frequency(),
            Frequency::Monthly
        );
        let edge = Period::containing(NaiveDate::MAX, Frequency::Annual, fy(12));
        assert_eq!(edge.start_date(fy(12)), d(262_142, 12, 1));
        assert_eq!(edge.end_date(fy(12)), NaiveDate::MAX);
    }

    #[test]
    fn fy_start_validation() {
        assert_eq!(FyStart::default().month(), 4);
        assert_eq!(FyStart::new(1).unwrap().month(), 1);
        assert_eq!(FyStart::new(12).unwrap().month(), 12);
        assert_eq!(FyStart::new(0), Err(PeriodError::InvalidFyStart(0)));
        assert!(FyStart::try_from(13).is_err());
        assert!(FyStart::new(13).unwrap_err().to_string().contains("not 13"));
        assert_eq!(u32::from(FyStart::new(7).unwrap()), 7);
        assert_eq!(FyStart::try_from(4i32), Ok(FyStart::APRIL));
        assert_eq!(
            FyStart::try_from(-4i32),
            Err(PeriodError::InvalidFyStart(-4))
        );
    }

    #[test]
    fn frequency_spellings() {
        assert_eq!(Frequency::Monthly.as_str(), "MONTHLY");
        assert_eq!(Frequency::parse("QUARTERLY"), Ok(Frequency::Quarterly));
        assert_eq!(Frequency::parse(" annual "), Ok(Frequency::Annual));
        assert!(Frequency::parse("WEEKLY").is_err());
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Ok(*f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert!(Frequency::Monthly < Frequency::Quarterly);
        assert_eq!(p("2025-26").frequency(), Frequency::Annual);
        assert_eq!(p("2025-26 Q2").frequency(), Frequency::Quarterly);
        assert_eq!(p("2025-06").frequency(), Frequency::Monthly);
    }

    // ---- dates -----------------------------------------------------------------------------

    #[test]
    fn april_year_dates_match_the_spec_table() {
        assert_eq!(p("2025-26").start_date(APR), d(2025, 4, 1));
        assert_eq!(p("2025-26").end_date(APR), d(2026, 3, 31));
        assert_eq!(p("2025-26 Q1").start_date(APR), d(2025, 4, 1));
        assert_eq!(p("2025-26 Q1").end_date(APR), d(2025, 6, 30));
        assert_eq!(p("2025-26 Q2").end_date(APR), d(2025, 9, 30));
        assert_eq!(p("2025-26 Q3").end_date(APR), d(2025, 12, 31));
        assert_eq!(p("2025-26 Q4").start_date(APR), d(2026, 1, 1));
        assert_eq!(p("2025-26 Q4").end_date(APR), d(2026, 3, 31));
        assert_eq!(p("2025-06").start_date(APR), d(2025, 6, 1));
        assert_eq!(p("2025-06").end_date(APR), d(2025, 6, 30));
        assert_eq!(p("2025-06").financial_year(APR), p("2025-26"));
        assert_eq!(p("2099-00").end_date(APR), d(2100, 3, 31));
    }

    #[test]
    fn leap_years() {
        assert_eq!(p("2024-02").end_date(APR), d(2024, 2, 29));
        assert_eq!(p("2025-02").end_date(APR), d(2025, 2, 28));
        assert_eq!(
            p("2100-02").end_date(APR),
            d(2100, 2, 28),
            "2100 is not leap"
        );
        assert_eq!(p("2000-02").end_date(APR), d(2000, 2, 29), "2000 is leap");
        // A financial year whose last quarter holds 29 Feb.
        assert_eq!(p("2023-24 Q4").end_date(APR), d(2024, 3, 31));
        assert_eq!(
            Period::containing(d(2024, 2, 29), Frequency::Quarterly, APR),
            p("2023-24 Q4")
        );
        // February-start year: the year ends on the last day of January, Q4 holds no leap day
        // but Q1 does.
        let feb = fy(2);
        assert_eq!(p("2024-25").start_date(feb), d(2024, 2, 1));
        assert_eq!(p("2024-25 Q1").end_date(feb), d(2024, 4, 30));
        assert_eq!(
            Period::containing(d(2024, 2, 29), Frequency::Annual, feb),
            p("2024-25")
        );
    }

    #[test]
    fn january_financial_year() {
        let jan = fy(1);
        assert_eq!(p("2025-26").start_date(jan), d(2025, 1, 1));
        assert_eq!(p("2025-26").end_date(jan), d(2025, 12, 31));
        assert_eq!(p("2025-26 Q1").end_date(jan), d(2025, 3, 31));
        assert_eq!(p("2025-26 Q4").start_date(jan), d(2025, 10, 1));
        assert_eq!(p("2025-01").financial_year(jan), p("2025-26"));
        assert_eq!(p("2025-12").financial_year(jan), p("2025-26"));
        assert_eq!(p("2025-06").months_elapsed_in_year(jan), 6);
        assert_eq!(p("2025-01").months_elapsed_in_year(jan), 1);
        assert_eq!(
            Period::containing(d(2025, 12, 31), Frequency::Quarterly, jan),
            p("2025-26 Q4")
        );
    }

    #[test]
    fn july_financial_year() {
        let jul = fy(7);
        assert_eq!(p("2025-26").start_date(jul), d(2025, 7, 1));
        assert_eq!(p("2025-26").end_date(jul), d(2026, 6, 30));
        assert_eq!(p("2025-26 Q1").start_date(jul), d(2025, 7, 1));
        assert_eq!(p("2025-26 Q3").start_date(jul), d(2026, 1, 1));
        assert_eq!(p("2025-06").financial_year(jul), p("2024-25"));
        assert_eq!(p("2025-07").financial_year(jul), p("2025-26"));
        assert_eq!(p("2025-06").months_elapsed_in_year(jul), 12);
        assert_eq!(p("2025-07").months_elapsed_in_year(jul), 1);
        assert_eq!(
            Period::containing(d(2025, 6, 30), Frequency::Quarterly, jul),
            p("2024-25 Q4")
        );
        assert_eq!(
            p("2025-26 Q2").rating_period(Frequency::Monthly, jul),
            p("2025-12")
        );
    }

    #[test]
    fn december_financial_year_crosses_the_calendar_year_immediately() {
        let dec = fy(12);
        assert_eq!(p("2025-26").start_date(dec), d(2025, 12, 1));
        assert_eq!(p("2025-26").end_date(dec), d(2026, 11, 30));
        assert_eq!(p("2025-26 Q1").end_date(dec), d(2026, 2, 28));
        assert_eq!(p("2026-11").financial_year(dec), p("2025-26"));
        assert_eq!(p("2026-12").financial_year(dec), p("2026-27"));
    }

    #[test]
    fn year_boundaries_march_to_april() {
        assert_eq!(p("2025-03").next(APR), p("2025-04"));
        assert_eq!(p("2025-04").previous(APR), p("2025-03"));
        assert_eq!(p("2025-03").financial_year(APR), p("2024-25"));
        assert_eq!(p("2025-04").financial_year(APR), p("2025-26"));
        assert_eq!(p("2025-03").months_elapsed_in_year(APR), 12);
        assert_eq!(p("2025-04").months_elapsed_in_year(APR), 1);
        assert_eq!(p("2025-12").next(APR), p("2026-01"));
        assert_eq!(p("2026-01").previous(APR), p("2025-12"));
        assert_eq!(
            Period::containing(d(2025, 3, 31), Frequency::Annual, APR),
            p("2024-25")
        );
        assert_eq!(
            Period::containing(d(2025, 4, 1), Frequency::Annual, APR),
            p("2025-26")
        );
        assert_eq!(
            Period::containing(d(2025, 3, 31), Frequency::Quarterly, APR),
            p("2024-25 Q4")
        );
        assert_eq!(
            Period::containing(d(2025, 4, 1), Frequency::Quarterly, APR),
            p("2025-26 Q1")
        );
    }

    #[test]
    fn quarters_wrap_across_years() {
        assert_eq!(p("2025-26 Q1").previous(APR), p("2024-25 Q4"));
        assert_eq!(p("2024-25 Q4").next(APR), p("2025-26 Q1"));
        assert_eq!(p("2025-26 Q2").previous(APR), p("2025-26 Q1"));
        assert_eq!(p("2025-26").previous(APR), p("2024-25"));
        assert_eq!(p("2099-00").next(APR), p("2100-01"));
        assert_eq!(p("2100-01").previous(APR), p("2099-00"));
    }

    #[test]
    fn same_period_last_year() {
        assert_eq!(p("2025-26 Q2").same_period_last_year(), p("2024-25 Q2"));
        assert_eq!(p("2025-06").same_period_last_year(), p("2024-06"));
        assert_eq!(p("2025-26").same_period_last_year(), p("2024-25"));
        assert_eq!(p("2100-01").same_period_last_year(), p("2099-00"));
    }

    #[test]
    fn periods_within_takes_only_whole_periods() {
        let q = |from, to| Period::periods_within(Frequency::Quarterly, from, to, APR);
        assert_eq!(
            q(d(2025, 4, 1), d(2026, 3, 31)),
            vec![
                p("2025-26 Q1"),
                p("2025-26 Q2"),
                p("2025-26 Q3"),
                p("2025-26 Q4")
            ]
        );
        assert_eq!(q(d(2025, 4, 2), d(2026, 3, 31))[0], p("2025-26 Q2"));
        assert_eq!(q(d(2025, 4, 1), d(2026, 3, 30)).len(), 3);
        assert!(q(d(2026, 4, 1), d(2025, 4, 1)).is_empty());
        assert!(q(d(2025, 4, 2), d(2025, 6, 30)).is_empty());
        let m = |from, to| Period::periods_within(Frequency::Monthly, from, to, APR);
        assert_eq!(m(d(2024, 2, 1), d(2024, 2, 29)), vec![p("2024-02")]);
        assert!(m(d(2024, 2, 1), d(2024, 2, 28)).is_empty());
        assert_eq!(m(d(2024, 1, 15), d(2024, 4, 30)).len(), 3);
        let y = |from, to| Period::periods_within(Frequency::Annual, from, to, APR);
        assert_eq!(
            y(d(2025, 1, 1), d(2028, 3, 31)),
            vec![p("2025-26"), p("2026-27"), p("2027-28")]
        );
        // The day before the end of chrono's range does not panic.
        assert!(m(NaiveDate::MAX.pred_opt().unwrap(), NaiveDate::MAX).is_empty());
        assert_eq!(m(d(262_142, 12, 1), NaiveDate::MAX).len(), 1);
    }

    #[test]
    fn range_is_inclusive_and_bounded() {
        assert_eq!(
            Period::range(p("2025-26 Q3"), p("2026-27 Q1"), APR).unwrap(),
            vec![p("2025-26 Q3"), p("2025-26 Q4"), p("2026-27 Q1")]
        );
        assert_eq!(
            Period::range(p("2025-06"), p("2025-06"), APR).unwrap(),
            vec![p("2025-06")]
        );
        let e = Period::range(p("2025-26"), p("2025-06"), APR).unwrap_err();
        assert!(matches!(e, PeriodError::FrequencyMismatch { .. }));
        assert!(e.to_string().contains("different lengths"), "{e}");
        let e = Period::range(p("2025-07"), p("2025-06"), APR).unwrap_err();
        assert!(matches!(e, PeriodError::Reversed { .. }));
        assert_eq!(
            e.to_string(),
            "\"2025-07\" comes after \"2025-06\": give the earlier period first"
        );
        // 400 months is allowed, 401 is not.
        // (not p("2000-01"): that is the financial year 2000-01)
        let from = p("Jan 2000");
        let to400 = Period::month(2033, 4).unwrap();
        assert_eq!(Period::range(from, to400, APR).unwrap().len(), 400);
        let e = Period::range(from, to400.next(APR), APR).unwrap_err();
        assert!(matches!(e, PeriodError::TooLong { count: 401, .. }));
        assert!(e.to_string().contains("at most 400"), "{e}");
    }

    #[test]
    fn rating_period_at_another_granularity() {
        use Frequency::*;
        // docs/rules.md §4: a monthly indicator asked for a quarter → the quarter's last month.
        assert_eq!(p("2025-26 Q1").rating_period(Monthly, APR), p("2025-06"));
        // An annual indicator asked for a quarter → the FY containing it.
        assert_eq!(p("2025-26 Q1").rating_period(Annual, APR), p("2025-26"));
        assert_eq!(p("2025-26 Q4").rating_period(Annual, APR), p("2025-26"));
        // Quarterly asked for a year → Q4; monthly asked for a year → March.
        assert_eq!(p("2025-26").rating_period(Quarterly, APR), p("2025-26 Q4"));
        assert_eq!(p("2025-26").rating_period(Monthly, APR), p("2026-03"));
        // Quarterly asked for a month → the quarter containing it.
        assert_eq!(p("2025-05").rating_period(Quarterly, APR), p("2025-26 Q1"));
        // Same frequency → itself.
        assert_eq!(p("2025-05").rating_period(Monthly, APR), p("2025-05"));
    }

    #[test]
    fn months_elapsed() {
        assert_eq!(p("2025-26 Q1").months_elapsed_in_year(APR), 3);
        assert_eq!(p("2025-26 Q2").months_elapsed_in_year(APR), 6);
        assert_eq!(p("2025-26 Q4").months_elapsed_in_year(APR), 12);
        assert_eq!(p("2025-26").months_elapsed_in_year(APR), 12);
        assert_eq!(p("2025-04").months_elapsed_in_year(APR), 1);
        assert_eq!(p("2026-01").months_elapsed_in_year(APR), 10);
    }

    #[test]
    fn sort_key_orders_by_end_then_start() {
        let mut v = vec![p("2025-26"), p("2025-06"), p("2025-26 Q1"), p("2025-04")];
        v.sort_by_key(|x| x.sort_key(APR));
        assert_eq!(
            v,
            vec![p("2025-04"), p("2025-26 Q1"), p("2025-06"), p("2025-26")]
        );
    }

    #[test]
    fn contains_dates() {
        assert!(p("2025-26 Q1").contains(d(2025, 4, 1), APR));
        assert!(p("2025-26 Q1").contains(d(2025, 6, 30), APR));
        assert!(!p("2025-26 Q1").contains(d(2025, 7, 1), APR));
    }

    // ---- properties ------------------------------------------------------------------------

    pub(crate) fn arb_fy() -> impl Strategy<Value = FyStart> {
        (1u32..=12).prop_map(|m| FyStart::new(m).unwrap())
    }

    pub(crate) fn arb_period() -> impl Strategy<Value = Period> {
        prop_oneof![
            (1900i32..2200).prop_map(Period::year),
            (1900i32..2200, 1u8..=4)
                .prop_map(|(start_year, quarter)| Period::quarter(start_year, quarter).unwrap()),
            (1900i32..2200, 1u32..=12)
                .prop_map(|(year, month)| Period::month(year, month).unwrap()),
        ]
    }

    fn arb_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..100_000).prop_map(|n| d(1950, 1, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn parse_display_round_trip(per in arb_period()) {
            prop_assert_eq!(Period::parse(&per.to_string()), Ok(per));
        }

        #[test]
        fn printing_a_parsed_period_gives_it_back(y in 0i32..=9999, n in 0u32..100, q in proptest::option::of(0u8..=9)) {
            let s = match q {
                None => format!("{y:04}-{n:02}"),
                Some(q) => format!("{y:04}-{n:02} Q{q}"),
            };
            match Period::parse(&s) {
                Ok(per) => prop_assert_eq!(per.to_string(), s),
                Err(e) => prop_assert!(matches!(e, PeriodError::Invalid { .. }), "{}", e),
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Period::parse(&s);
        }

        #[test]
        fn previous_next_inverse(per in arb_period(), fy in arb_fy()) {
            prop_assert_eq!(per.next(fy).previous(fy), per);
            prop_assert_eq!(per.previous(fy).next(fy), per);
            prop_assert_eq!(per.next(fy).frequency(), per.frequency());
        }

        #[test]
        fn consecutive_periods_are_contiguous(per in arb_period(), fy in arb_fy()) {
            prop_assert!(per.start_date(fy) <= per.end_date(fy));
            prop_assert_eq!(day_after(per.end_date(fy)), per.next(fy).start_date(fy));
            prop_assert_eq!(Period::containing(per.start_date(fy), per.frequency(), fy), per);
            prop_assert_eq!(Period::containing(per.end_date(fy), per.frequency(), fy), per);
        }

        #[test]
        fn periods_nest_in_their_financial_year(per in arb_period(), fy in arb_fy()) {
            let year = per.financial_year(fy);
            prop_assert!(year.start_date(fy) <= per.start_date(fy));
            prop_assert!(per.end_date(fy) <= year.end_date(fy));
            let m = per.months_elapsed_in_year(fy);
            prop_assert!((1..=12).contains(&m));
            let months = (per.end_date(fy).year() - year.start_date(fy).year()) * 12
                + per.end_date(fy).month() as i32 - year.start_date(fy).month() as i32 + 1;
            prop_assert_eq!(m as i32, months);
        }

        #[test]
        fn rating_period_ends_inside_or_contains_asked(per in arb_period(), fy in arb_fy()) {
            for own in Frequency::ALL.iter().copied() {
                let r = per.rating_period(own, fy);
                prop_assert_eq!(r.frequency(), own);
                prop_assert!(r.contains(per.end_date(fy), fy));
                if own <= per.frequency() {
                    // A shorter own period ends exactly where the asked one does.
                    prop_assert_eq!(r.end_date(fy), per.end_date(fy));
                }
            }
        }

        #[test]
        fn periods_within_are_contiguous_and_inside(
            a in arb_date(), len in 0i64..2000, fy in arb_fy(),
            freq in prop_oneof![Just(Frequency::Monthly), Just(Frequency::Quarterly), Just(Frequency::Annual)],
        ) {
            let b = a + chrono::Duration::days(len);
            let v = Period::periods_within(freq, a, b, fy);
            for per in &v {
                prop_assert_eq!(per.frequency(), freq);
                prop_assert!(per.start_date(fy) >= a);
                prop_assert!(per.end_date(fy) <= b);
            }
            for w in v.windows(2) {
                prop_assert_eq!(w[0].next(fy), w[1]);
            }
            // Nothing left out at either end.
            if let Some(first) = v.first() {
                prop_assert!(first.previous(fy).start_date(fy) < a);
            }
            if let Some(last) = v.last() {
                prop_assert!(last.next(fy).end_date(fy) > b);
            } else {
                let c = Period::containing(a, freq, fy);
                let first = if c.start_date(fy) < a { c.next(fy) } else { c };
                prop_assert!(first.end_date(fy) > b);
            }
        }

        #[test]
        fn range_matches_next_chain(per in arb_period(), n in 0usize..50, fy in arb_fy()) {
            let mut to = per;
            for _ in 0..n { to = to.next(fy); }
            let v = Period::range(per, to, fy).unwrap();
            prop_assert_eq!(v.len(), n + 1);
            prop_assert_eq!(v[0], per);
            prop_assert_eq!(v[n], to);
        }
    }
}
