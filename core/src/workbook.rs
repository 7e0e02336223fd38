//! The rules for reading a council's spreadsheet, one cell at a time.
//!
//! The file itself is read elsewhere (calamine); core gets plain [`Cell`]s and gives back a
//! value or a message a person can act on ([`CellError`]), such as `"2025-26 Q5" is not a
//! period; write 2025-26, 2025-26 Q1 or 2025-06`. The caller adds where the cell is (sheet,
//! row, column).
//!
//! Every `parse_*` function treats a blank cell as an error that says what to write, except
//! [`parse_optional_text`] and [`parse_due_date`] (blank = "Not set"); wrap the others in
//! [`optional`] for columns that may be left empty.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::period::Period;
pub use crate::register::DueKind;
use crate::value::shorten;

/// One spreadsheet cell, as a reader such as calamine gives it.
///
/// Whole numbers (calamine's `Int`) are [`Cell::Number`]s too. `percent_format` says whether
/// the cell's number format is a percentage: such a cell holds a fraction (0.92 shows as
/// 92 %).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    /// Nothing in the cell.
    #[default]
    Empty,
    /// Text, as typed (not trimmed).
    Text(String),
    /// A number, and whether it is formatted as a percentage.
    Number {
        /// The stored value (0.92 for a cell that shows 92 %).
        value: f64,
        /// Whether the cell's number format is a percentage.
        percent_format: bool,
    },
    /// TRUE or FALSE.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// A date with a time of day.
    DateTime(NaiveDateTime),
    /// A formula's error, as the spreadsheet shows it (`#N/A`, `#DIV/0!`, …).
    Error(String),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A number cell in an ordinary number format.
    pub const fn number(value: f64) -> Cell {
        Cell::Number {
            value,
            percent_format: false,
        }
    }

    /// A number cell formatted as a percentage: `Cell::percent(0.92)` shows as 92 %.
    pub const fn percent(value: f64) -> Cell {
        Cell::Number {
            value,
            percent_format: true,
        }
    }

    /// Whether the cell is empty or holds only spaces.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::text(s)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::number(v)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Cell {
        Cell::Bool(b)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}

/// What is wrong with a cell, in words a person can act on; the caller adds where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CellError(String);

impl CellError {
    /// A message for a cell that no `parse_*` function covers.
    pub fn new(message: impl Into<String>) -> Self {
        CellError(message.into())
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// `v × 100` computed on its shortest decimal form, so that 0.07 gives 7 (not
/// 7.000000000000001) and 0.925 gives 92.5.
fn times_100(v: f64) -> f64 {
    shift_decimal(v, 2)
}

/// `v × 10^by`, exact in decimal.
fn shift_decimal(v: f64, by: i32) -> f64 {
    let s = format!("{v:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => exp
            .parse::<i32>()
            .ok()
            .and_then(|e| format!("{mantissa}e{}", e + by).parse().ok())
            .unwrap_or(f64::NAN),
        None => f64::NAN,
    }
}

/// The cell as the spreadsheet shows it, for messages: text in quotes (trimmed and
/// shortened), numbers as written (`92%` for a percentage cell), `TRUE`, `2025-06-01`.
struct Shown<'a>(&'a Cell);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Cell::Empty => f.write_str("an empty cell"),
            Cell::Text(t) => write!(f, "{:?}", shorten(t.trim())),
            Cell::Number {
                value,
                percent_format: true,
            } => write!(f, "{}%", times_100(*value)),
            Cell::Number { value, .. } => write!(f, "{value}"),
            Cell::Bool(true) => f.write_str("TRUE"),
            Cell::Bool(false) => f.write_str("FALSE"),
            Cell::Date(d) => write!(f, "{d}"),
            Cell::DateTime(dt) => write!(f, "{}", dt.format("%Y-%m-%d %H:%M")),
            Cell::Error(e) => write!(f, "the error {}", shorten(e.trim())),
        }
    }
}

/// "`shown` is not `what`; write `write`", or for a blank cell "the cell is empty; write …".
fn not_a(cell: &Cell, what: &str, write: &str) -> CellError {
    if cell.is_blank() {
        CellError(format!("the cell is empty; write {write}"))
    } else {
        CellError(format!("{} is not {what}; write {write}", Shown(cell)))
    }
}

/// `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Whether a column header is `name`: case ignored, surrounding spaces ignored.
pub fn header_matches(header: &str, name: &str) -> bool {
    let h = header.trim();
    let n = name.trim();
    h.chars()
        .flat_map(char::to_lowercase)
        .eq(n.chars().flat_map(char::to_lowercase))
}

/// Lower case, `_` read as a space, runs of spaces as one: "Higher_is  BETTER" →
/// "higher is better".
fn normalise_word(s: &str) -> String {
    s.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The human form of an API spelling: `HIGHER_IS_BETTER` → `Higher is better`,
/// `NOT_SET` → `Not set`, `CORPORATE_PLAN` → `Corporate plan`.
pub fn human_word(api: &str) -> String {
    let lower = normalise_word(api);
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads a word of a fixed list: written as here ("Higher is better", "Not started",
/// "Corporate plan") or in the API's spelling (`HIGHER_IS_BETTER`), case ignored, `_` and
/// spaces alike, surrounding and repeated spaces ignored.
///
/// * `what`: what the word is, for the message ("polarity", "frequency", "plan kind");
/// * `words`: every value with its API spelling: `Polarity::SPELLINGS` for core's enums,
///   or for any other enum a list such as `&[(Kind::CorporatePlan, "CORPORATE_PLAN"), …]`.
///
/// The error lists the accepted words in their human form: `"Upwards" is not a valid
/// polarity; write Higher is better, Lower is better or Neutral`.
pub fn parse_word<T: Copy>(cell: &Cell, what: &str, words: &[(T, &str)]) -> Result<T, CellError> {
    if let Cell::Text(t) = cell {
        let t = normalise_word(t);
        if let Some((value, _)) = words.iter().find(|(_, api)| normalise_word(api) == t) {
            return Ok(*value);
        }
    }
    let human: Vec<String> = words.iter().map(|(_, api)| human_word(api)).collect();
    Err(not_a(cell, &format!("a valid {what}"), &or_list(&human)))
}

/// Reads yes or no: `Yes`/`No`, `Y`/`N`, `True`/`False` (any case), a TRUE/FALSE cell, or
/// the number 1 or 0.
pub fn parse_bool(cell: &Cell) -> Result<bool, CellError> {
    let fail = || {
        not_a(
            cell,
            "yes or no",
            "Yes or No (Y/N, True/False and 1/0 work too)",
        )
    };
    match cell {
        Cell::Bool(b) => Ok(*b),
        Cell::Number { value, .. } if *value == 1.0 => Ok(true),
        Cell::Number { value, .. } if *value == 0.0 => Ok(false),
        Cell::Text(t) => match t.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(true),
            "no" | "n" | "false" | "0" => Ok(false),
            _ => Err(fail()),
        },
        _ => Err(fail()),
    }
}

/// Words people write for "no value".
const NO_VALUE_WORDS: &[&str] = &[
    "n/a",
    "na",
    "n.a.",
    "-",
    "–",
    "—",
    "tbc",
    "tbd",
    "nil",
    "none",
    "null",
    "not available",
    "no data",
    "?",
];

const NUMBER_EXAMPLES: &str = "a number such as 1250, 1,250.5, £1,250 or 92%";

/// A number typed as text (already trimmed), as a plain decimal string that Rust parses
/// exactly, and whether it ended in `%`; an error naming the forms when it is not one (see
/// [`parse_value`] for them).
fn number_text(t: &str) -> Result<(String, bool), CellError> {
    let shown = shorten(t);
    let bad = || {
        CellError(format!(
            "{shown:?} is not a number; write {NUMBER_EXAMPLES}"
        ))
    };
    let mut s = t;
    let mut negative = false;
    let mut take_sign = |s: &mut &str| {
        for sign in ["-", "\u{2212}", "+"] {
            if let Some(rest) = s.strip_prefix(sign) {
                negative = sign != "+";
                *s = rest;
                return true;
            }
        }
        false
    };
    let signed = take_sign(&mut s);
    if let Some(rest) = s.strip_prefix('£') {
        s = rest;
        if !signed {
            take_sign(&mut s);
        }
    }
    let (s, percent) = match s.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), true),
        None => (s, false),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return Err(bad());
    }
    if let Some(f) = frac
        && !f.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let groups: Vec<&str> = int.split(',').collect();
    let digits_ok = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|g| digits_ok(g)) {
        return Err(bad());
    }
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(CellError(format!(
                "{shown:?} is not a number: commas separate thousands (1,250); write decimals with a point (1.25)"
            )));
        }
    }
    let int: String = groups.concat();
    let mut out = String::with_capacity(t.len() + 1);
    if negative {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { &int });
    if let Some(f) = frac.filter(|f| !f.is_empty()) {
        out.push('.');
        out.push_str(f);
    }
    Ok((out, percent))
}

/// Reads an indicator's value (an actual or a target).
///
/// * A number cell is its value, except that **a cell formatted as a percentage holds a
///   fraction**: 0.92 shows as 92 %, and for a PERCENT indicator (`unit_is_percent`) it is
///   read as 92. For other units it stays 0.92 (a ratio typed as a percentage). A number
///   typed as 92 into an ordinary cell is 92 either way.
/// * Text is read the same way a person reads it: surrounding spaces ignored, an optional
///   sign (`-`, `−` or `+`), an optional `£`, digits with optional thousands commas (`1,250`
///   and `1,250,000`, but not `1,25`: decimals take a point), an optional decimal part, and
///   an optional `%`. `92%` is 92 for a PERCENT indicator and 0.92 otherwise, like a
///   percentage cell. No exponents, no spaces inside the number, no other currencies.
/// * "n/a", "-", "TBC" and the like are rejected with a message to leave the cell empty when
///   there is no value (see [`optional`]); dates, booleans and formula errors are rejected.
///
/// The value must be finite. Decimal arithmetic is exact: 0.07 formatted as a percentage
/// gives 7, not 7.000000000000001.
pub fn parse_value(cell: &Cell, unit_is_percent: bool) -> Result<f64, CellError> {
    let value = match cell {
        Cell::Number {
            value,
            percent_format,
        } => {
            if *percent_format && unit_is_percent {
                times_100(*value)
            } else {
                *value
            }
        }
        Cell::Text(t) if !t.trim().is_empty() => {
            let t = t.trim();
            if NO_VALUE_WORDS.iter().any(|w| t.eq_ignore_ascii_case(w)) {
                return Err(CellError(format!(
                    "{:?} is not a number; leave the cell empty when there is no value, or write {NUMBER_EXAMPLES}",
                    shorten(t)
                )));
            }
            let (decimal, percent) = number_text(t)?;
            let scaled = if percent && !unit_is_percent {
                format!("{decimal}e-2")
            } else {
                decimal
            };
            scaled.parse::<f64>().unwrap_or(f64::NAN)
        }
        Cell::Date(_) | Cell::DateTime(_) => {
            return Err(CellError(format!(
                "{} is a date, not a number; format the cell as a number and write {NUMBER_EXAMPLES}",
                Shown(cell)
            )));
        }
        _ => return Err(not_a(cell, "a number", NUMBER_EXAMPLES)),
    };
    if value.is_finite() {
        // normalise -0.0
        Ok(value + 0.0)
    } else {
        Err(CellError(format!(
            "{} cannot be stored as a number; write {NUMBER_EXAMPLES}",
            Shown(cell)
        )))
    }
}

/// Reads a whole number from `min` to `max` (a number cell or text such as `2` or `1,000`),
/// e.g. an indicator's decimals, 0 to 6: `"2.5" is not a whole number from 0 to 6`.
pub fn parse_integer(cell: &Cell, min: i64, max: i64) -> Result<i64, CellError> {
    let fail = || {
        if cell.is_blank() {
            CellError(format!(
                "the cell is empty; write a whole number from {min} to {max}"
            ))
        } else {
            CellError(format!(
                "{} is not a whole number from {min} to {max}",
                Shown(cell)
            ))
        }
    };
    let value = match cell {
        Cell::Number { value, .. } => *value,
        Cell::Text(t) if !t.trim().is_empty() => match number_text(t.trim()) {
            Ok((decimal, false)) => decimal.parse::<f64>().map_err(|_| fail())?,
            _ => return Err(fail()),
        },
        _ => return Err(fail()),
    };
    if value.fract() != 0.0 || value < min as f64 || value > max as f64 {
        return Err(fail());
    }
    // Whole and within two i64 bounds, so the conversion is exact.
    Ok(value as i64)
}

const DATE_EXAMPLE: &str = "a date such as 2025-07-10 (year-month-day)";

/// `YYYY-MM-DD`, exactly.
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &t[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// Reads a date: a date cell, a date-time cell at midnight (a date typed into a date-time
/// format), or text written `YYYY-MM-DD`. Other text (`10/07/2025`, which reads differently
/// in the UK and the US) and numbers are rejected, saying what to write.
pub fn parse_date(cell: &Cell) -> Result<NaiveDate, CellError> {
    match cell {
        Cell::Date(d) => Ok(*d),
        Cell::DateTime(dt) if dt.time() == NaiveTime::MIN => Ok(dt.date()),
        Cell::DateTime(_) => Err(CellError(format!(
            "{} has a time of day; write {DATE_EXAMPLE}",
            Shown(cell)
        ))),
        Cell::Text(t) if !t.trim().is_empty() => {
            iso_date(t.trim()).ok_or_else(|| not_a(cell, "a date", DATE_EXAMPLE))
        }
        Cell::Number { .. } => Err(CellError(format!(
            "{} is a number, not a date; format the cell as a date or write {DATE_EXAMPLE}",
            Shown(cell)
        ))),
        _ => Err(not_a(cell, "a date", DATE_EXAMPLE)),
    }
}

/// An action's due date: a date, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueDate {
    /// Due on this date.
    On(NaiveDate),
    /// No date: ongoing, annual or not set.
    Kind(DueKind),
}

/// Reads an action's due date: a date as [`parse_date`] reads it, or `Ongoing`, `Annual` or
/// `Not set` (as written here or `ONGOING`, `ANNUAL`, `NOT_SET`, case ignored). A blank
/// cell is "Not set".
pub fn parse_due_date(cell: &Cell) -> Result<DueDate, CellError> {
    if cell.is_blank() {
        return Ok(DueDate::Kind(DueKind::NotSet));
    }
    if let Ok(kind) = parse_word(cell, "due date", DueKind::SPELLINGS) {
        return Ok(DueDate::Kind(kind));
    }
    match cell {
        // "has a time of day" and "is a number, not a date" say more than the list of forms.
        Cell::DateTime(_) | Cell::Number { .. } => parse_date(cell).map(DueDate::On),
        _ => parse_date(cell).map(DueDate::On).map_err(|_| {
            not_a(
                cell,
                "a due date",
                "a date such as 2025-07-10, or Ongoing, Annual or Not set",
            )
        }),
    }
}

const PERIOD_FORMS: &str = "2025-26, 2025-26 Q1 or 2025-06";

/// Reads a period: text in the API's forms (`2025-26`, `2025-26 Q1`, `2025-06`, also `Jun
/// 2025`, see [`Period::parse`]), or a date cell, read as the month containing it —
/// spreadsheets turn a typed `2025-06` into the date 1 June 2025. (They do the same to
/// `2011-12`, which then reads as December 2011, not the financial year; years from 2012 on
/// are not affected.)
///
/// The error names the forms: `"2025-26 Q5" is not a period; write 2025-26, 2025-26 Q1 or
/// 2025-06`.
pub fn parse_period(cell: &Cell) -> Result<Period, CellError> {
    let fail = || not_a(cell, "a period", PERIOD_FORMS);
    let month = |d: NaiveDate| {
        use chrono::Datelike;
        Period::month(d.year(), d.month()).map_err(|_| fail())
    };
    match cell {
        Cell::Text(t) if !t.trim().is_empty() => Period::parse(t).map_err(|_| fail()),
        Cell::Date(d) => month(*d),
        Cell::DateTime(dt) => month(dt.date()),
        _ => Err(fail()),
    }
}

/// Reads text that may be left out: trimmed, and `None` when blank. Numbers, TRUE/FALSE and
/// dates become their text as the spreadsheet shows them (`12`, `1.5`, `92%`, `TRUE`,
/// `2025-07-10`); a formula error is rejected.
pub fn parse_optional_text(cell: &Cell) -> Result<Option<String>, CellError> {
    Ok(match cell {
        Cell::Empty => None,
        Cell::Text(t) => Some(t.trim()).filter(|t| !t.is_empty()).map(str::to_owned),
        Cell::Error(_) => {
            return Err(CellError(format!(
                "the cell shows {}; correct the formula or type the text",
                Shown(cell)
            )));
        }
        Cell::Date(d) => Some(d.to_string()),
        Cell::DateTime(dt) if dt.time() == NaiveTime::MIN => Some(dt.date().to_string()),
        other => Some(Shown(other).to_string()),
    })
}

/// `None` for a blank cell, otherwise what `parse` makes of it: for columns that may be
/// left empty (`optional(cell, |c| parse_value(c, true))`).
pub fn optional<T>(
    cell: &Cell,
    parse: impl FnOnce(&Cell) -> Result<T, CellError>,
) -> Result<Option<T>, CellError> {
    if cell.is_blank() {
        Ok(None)
    } else {
        parse(cell).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use crate::period::Frequency;
    use crate::period::tests::{d, p};
    use crate::status::Polarity;
    use crate::summary::ActionStatus;
    use proptest::prelude::*;

    fn t(s: &str) -> Cell {
        Cell::text(s)
    }
    fn n(v: f64) -> Cell {
        Cell::number(v)
    }
    fn msg<T: fmt::Debug>(r: Result<T, CellError>) -> String {
        r.expect_err("an error").to_string()
    }
    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32) -> Cell {
        Cell::DateTime(d(y, m, day).and_hms_opt(h, min, 0).unwrap())
    }

    #[test]
    fn headers_match_ignoring_case_and_surrounding_spaces() {
        assert!(header_matches("  Polarity ", "polarity"));
        assert!(header_matches("TARGET DATE", "Target date"));
        assert!(header_matches("Überschrift", "ÜBERSCHRIFT"));
        assert!(!header_matches("Target  date", "Target date"));
        assert!(!header_matches("Targets", "Target"));
        assert!(!header_matches("", "Target"));
    }

    #[test]
    fn cells() {
        assert!(Cell::Empty.is_blank());
        assert!(t("  \t").is_blank());
        assert!(!t(" x ").is_blank());
        assert!(!n(0.0).is_blank());
        assert_eq!(Cell::default(), Cell::Empty);
        assert_eq!(Cell::from("x"), t("x"));
        assert_eq!(Cell::from(2.0), n(2.0));
        assert_eq!(Cell::from(true), Cell::Bool(true));
        assert_eq!(Cell::from(d(2025, 1, 2)), Cell::Date(d(2025, 1, 2)));
        assert_eq!(
            Cell::percent(0.5),
            Cell::Number {
                value: 0.5,
                percent_format: true
            }
        );
    }

    // ---- words ---------------------------------------------------------------------------

    #[test]
    fn words_as_written_here_or_in_the_api_spelling() {
        let pol = |c: &Cell| parse_word(c, "polarity", Polarity::SPELLINGS);
        for s in [
            "Higher is better",
            "HIGHER_IS_BETTER",
            "higher_is_better",
            "  higher is BETTER ",
            "Higher  is\tbetter",
        ] {
            assert_eq!(pol(&t(s)), Ok(Polarity::HigherIsBetter), "{s}");
        }
        assert_eq!(pol(&t("Neutral")), Ok(Polarity::Neutral));
        assert_eq!(
            parse_word(&t("Monthly"), "frequency", Frequency::SPELLINGS),
            Ok(Frequency::Monthly)
        );
        assert_eq!(
            parse_word(&t("MONTHLY"), "frequency", Frequency::SPELLINGS),
            Ok(Frequency::Monthly)
        );
        assert_eq!(
            parse_word(&t("Not started"), "action status", ActionStatus::SPELLINGS),
            Ok(ActionStatus::NotStarted)
        );
        assert_eq!(
            parse_word(&t("NOT_STARTED"), "action status", ActionStatus::SPELLINGS),
            Ok(ActionStatus::NotStarted)
        );
        assert_eq!(
            parse_word(&t("viewer"), "role", Role::SPELLINGS),
            Ok(Role::Viewer)
        );
        // Any enum, given its API spellings (here the API crate's plan kinds).
        #[derive(Debug, Clone, Copy, PartialEq)]
        enum PlanKind {
            CorporatePlan,
            ServicePlan,
        }
        let kinds = [
            (PlanKind::CorporatePlan, "CORPORATE_PLAN"),
            (PlanKind::ServicePlan, "SERVICE_PLAN"),
        ];
        assert_eq!(
            parse_word(&t("Corporate plan"), "plan kind", &kinds),
            Ok(PlanKind::CorporatePlan)
        );
        assert_eq!(
            parse_word(&t("CORPORATE_PLAN"), "plan kind", &kinds),
            Ok(PlanKind::CorporatePlan)
        );
        assert_eq!(
            msg(parse_word(&t("Strategy"), "plan kind", &kinds)),
            r#""Strategy" is not a valid plan kind; write Corporate plan or Service plan"#
        );
        // Due kinds.
        assert_eq!(
            parse_word(&t("not set"), "due date", DueKind::SPELLINGS),
            Ok(DueKind::NotSet)
        );
    }

    #[test]
    fn unknown_words_list_the_human_forms() {
        let pol = |c: &Cell| parse_word(c, "polarity", Polarity::SPELLINGS);
        assert_eq!(
            msg(pol(&t("Upwards"))),
            r#""Upwards" is not a valid polarity; write Higher is better, Lower is better or Neutral"#
        );
        assert_eq!(
            msg(pol(&Cell::Empty)),
            "the cell is empty; write Higher is better, Lower is better or Neutral"
        );
        assert_eq!(
            msg(pol(&n(1.0))),
            "1 is not a valid polarity; write Higher is better, Lower is better or Neutral"
        );
        assert!(msg(pol(&t("Higher"))).contains("\"Higher\""));
        assert!(msg(pol(&t("Higher-is-better"))).contains("is not a valid polarity"));
        assert_eq!(
            msg(parse_word(&t("x"), "frequency", Frequency::SPELLINGS)),
            r#""x" is not a valid frequency; write Monthly, Quarterly or Annual"#
        );
        assert_eq!(human_word("NOT_STARTED"), "Not started");
        assert_eq!(human_word("CORPORATE_PLAN"), "Corporate plan");
        assert_eq!(human_word("RED"), "Red");
        assert_eq!(human_word(""), "");
        let one = [(1, "ONLY")];
        assert_eq!(
            msg(parse_word(&t("x"), "thing", &one)),
            r#""x" is not a valid thing; write Only"#
        );
    }

    // ---- yes / no ------------------------------------------------------------------------

    #[test]
    fn booleans() {
        for s in ["Yes", "YES", " y ", "True", "TRUE", "1"] {
            assert_eq!(parse_bool(&t(s)), Ok(true), "{s}");
        }
        for s in ["No", "no", "N", "false", "FALSE", "0"] {
            assert_eq!(parse_bool(&t(s)), Ok(false), "{s}");
        }
        assert_eq!(parse_bool(&Cell::Bool(true)), Ok(true));
        assert_eq!(parse_bool(&Cell::Bool(false)), Ok(false));
        assert_eq!(parse_bool(&n(1.0)), Ok(true));
        assert_eq!(parse_bool(&n(0.0)), Ok(false));
        assert_eq!(
            msg(parse_bool(&t("maybe"))),
            r#""maybe" is not yes or no; write Yes or No (Y/N, True/False and 1/0 work too)"#
        );
        assert!(msg(parse_bool(&n(2.0))).starts_with("2 is not yes or no"));
        assert!(msg(parse_bool(&Cell::Empty)).starts_with("the cell is empty; write Yes or No"));
        assert!(msg(parse_bool(&t("Yess"))).contains("Yes or No"));
    }

    // ---- numbers -------------------------------------------------------------------------

    #[test]
    fn a_percentage_cell_holds_a_fraction() {
        // 0.92 shows as 92 %: 92 for a PERCENT indicator, 0.92 for a COUNT.
        assert_eq!(parse_value(&Cell::percent(0.92), true), Ok(92.0));
        assert_eq!(parse_value(&Cell::percent(0.92), false), Ok(0.92));
        // Exact in decimal.
        assert_eq!(parse_value(&Cell::percent(0.07), true), Ok(7.0));
        assert_eq!(parse_value(&Cell::percent(0.925), true), Ok(92.5));
        assert_eq!(parse_value(&Cell::percent(0.0001), true), Ok(0.01));
        assert_eq!(parse_value(&Cell::percent(1.5), true), Ok(150.0));
        assert_eq!(parse_value(&Cell::percent(-0.035), true), Ok(-3.5));
        assert_eq!(parse_value(&Cell::percent(0.0), true), Ok(0.0));
        // An ordinary cell is its value.
        assert_eq!(parse_value(&n(92.0), true), Ok(92.0));
        assert_eq!(parse_value(&n(0.92), true), Ok(0.92));
        assert_eq!(parse_value(&n(1250.0), false), Ok(1250.0));
    }

    #[test]
    fn numbers_as_text() {
        let v = |s: &str, pct: bool| parse_value(&t(s), pct);
        assert_eq!(v("1,250", false), Ok(1250.0));
        assert_eq!(v("1,250,000.75", false), Ok(1_250_000.75));
        assert_eq!(v(" 87.5 ", false), Ok(87.5));
        assert_eq!(v("£1,250", false), Ok(1250.0));
        assert_eq!(v("-£1,250", false), Ok(-1250.0));
        assert_eq!(v("£-1,250.50", false), Ok(-1250.5));
        assert_eq!(v("\u{2212}3", false), Ok(-3.0));
        assert_eq!(v("+3", false), Ok(3.0));
        assert_eq!(v(".5", false), Ok(0.5));
        assert_eq!(v("5.", false), Ok(5.0));
        assert_eq!(v("007", false), Ok(7.0));
        assert_eq!(v("-0", false), Ok(0.0));
        assert!(v("-0", false).unwrap().is_sign_positive());
        // "92%" is 92 for a PERCENT indicator, 0.92 otherwise (as a percentage cell).
        assert_eq!(v("92%", true), Ok(92.0));
        assert_eq!(v("92 %", true), Ok(92.0));
        assert_eq!(v("92%", false), Ok(0.92));
        assert_eq!(v("7%", false), Ok(0.07));
        assert_eq!(v("92.5%", true), Ok(92.5));
        assert_eq!(v("92", true), Ok(92.0));
    }

    #[test]
    fn rejected_numbers_say_what_to_write() {
        let v = |s: &str| parse_value(&t(s), false);
        assert_eq!(
            msg(v("n/a")),
            r#""n/a" is not a number; leave the cell empty when there is no value, or write a number such as 1250, 1,250.5, £1,250 or 92%"#
        );
        for s in ["N/A", "-", "TBC", "none", "—"] {
            assert!(msg(v(s)).contains("leave the cell empty"), "{s}");
        }
        for s in [
            "abc",
            "1 250",
            "1e3",
            "inf",
            "NaN",
            "infinity",
            "12abc",
            "£",
            "%",
            ".",
            "+",
            "--1",
            "1.2.3",
            "$5",
            "5£",
            "1,250.5.5",
            "0x10",
            "１２",
        ] {
            let m = msg(v(s));
            assert!(
                m.contains("is not a number; write a number such as"),
                "{s}: {m}"
            );
        }
        assert_eq!(
            msg(v("1,25")),
            r#""1,25" is not a number: commas separate thousands (1,250); write decimals with a point (1.25)"#
        );
        for s in ["1,2500", "12,50,000", ",250", "1234,567"] {
            assert!(msg(v(s)).contains("commas separate thousands"), "{s}");
        }
        assert_eq!(
            msg(parse_value(&Cell::Empty, true)),
            "the cell is empty; write a number such as 1250, 1,250.5, £1,250 or 92%"
        );
        assert!(msg(parse_value(&Cell::Bool(true), true)).starts_with("TRUE is not a number"));
        assert!(
            msg(parse_value(&Cell::Error("#DIV/0!".into()), true))
                .starts_with("the error #DIV/0! is not a number")
        );
        assert!(
            msg(parse_value(&Cell::Date(d(2025, 6, 1)), true))
                .starts_with("2025-06-01 is a date, not a number")
        );
        // Non-finite values are rejected.
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(msg(parse_value(&n(bad), false)).contains("cannot be stored"));
        }
        assert!(msg(parse_value(&Cell::percent(f64::MAX), true)).contains("cannot be stored"));
        let huge = "9".repeat(400);
        assert!(msg(v(&huge)).contains("cannot be stored"));
    }

    #[test]
    fn integers() {
        assert_eq!(parse_integer(&n(2.0), 0, 6), Ok(2));
        assert_eq!(parse_integer(&t(" 6 "), 0, 6), Ok(6));
        assert_eq!(parse_integer(&t("0"), 0, 6), Ok(0));
        assert_eq!(parse_integer(&t("1,000"), 0, 5000), Ok(1000));
        assert_eq!(parse_integer(&t("2.0"), 0, 6), Ok(2));
        assert_eq!(parse_integer(&t("-3"), -5, 5), Ok(-3));
        assert_eq!(
            msg(parse_integer(&t("2.5"), 0, 6)),
            r#""2.5" is not a whole number from 0 to 6"#
        );
        assert_eq!(
            msg(parse_integer(&n(7.0), 0, 6)),
            "7 is not a whole number from 0 to 6"
        );
        assert!(msg(parse_integer(&n(-1.0), 0, 6)).starts_with("-1 is not"));
        assert!(msg(parse_integer(&t("two"), 0, 6)).contains("whole number from 0 to 6"));
        assert!(msg(parse_integer(&t("2%"), 0, 6)).contains("whole number"));
        assert!(msg(parse_integer(&n(f64::NAN), 0, 6)).contains("whole number"));
        assert_eq!(
            msg(parse_integer(&Cell::Empty, 0, 6)),
            "the cell is empty; write a whole number from 0 to 6"
        );
        assert!(parse_integer(&Cell::Bool(true), 0, 6).is_err());
    }

    // ---- dates ---------------------------------------------------------------------------

    #[test]
    fn dates() {
        assert_eq!(parse_date(&Cell::Date(d(2025, 7, 10))), Ok(d(2025, 7, 10)));
        assert_eq!(parse_date(&dt(2025, 7, 10, 0, 0)), Ok(d(2025, 7, 10)));
        assert_eq!(parse_date(&t(" 2025-07-10 ")), Ok(d(2025, 7, 10)));
        assert_eq!(parse_date(&t("2024-02-29")), Ok(d(2024, 2, 29)));
        assert_eq!(
            msg(parse_date(&dt(2025, 7, 10, 9, 30))),
            "2025-07-10 09:30 has a time of day; write a date such as 2025-07-10 (year-month-day)"
        );
        assert_eq!(
            msg(parse_date(&t("10/07/2025"))),
            r#""10/07/2025" is not a date; write a date such as 2025-07-10 (year-month-day)"#
        );
        for s in [
            "2025-02-29",
            "2025-13-01",
            "2025-7-10",
            "25-07-10",
            "2025-07-10x",
            "+2025-07-1",
        ] {
            assert!(msg(parse_date(&t(s))).contains("is not a date"), "{s}");
        }
        assert!(msg(parse_date(&n(45_848.0))).starts_with("45848 is a number, not a date"));
        assert!(msg(parse_date(&Cell::Empty)).starts_with("the cell is empty"));
    }

    #[test]
    fn due_dates() {
        assert_eq!(
            parse_due_date(&t("2025-07-10")),
            Ok(DueDate::On(d(2025, 7, 10)))
        );
        assert_eq!(
            parse_due_date(&Cell::Date(d(2025, 7, 10))),
            Ok(DueDate::On(d(2025, 7, 10)))
        );
        for (s, kind) in [
            ("Ongoing", DueKind::Ongoing),
            ("ONGOING", DueKind::Ongoing),
            ("annual", DueKind::Annual),
            ("Not set", DueKind::NotSet),
            ("NOT_SET", DueKind::NotSet),
        ] {
            assert_eq!(parse_due_date(&t(s)), Ok(DueDate::Kind(kind)), "{s}");
        }
        assert_eq!(
            parse_due_date(&Cell::Empty),
            Ok(DueDate::Kind(DueKind::NotSet))
        );
        assert_eq!(parse_due_date(&t("  ")), Ok(DueDate::Kind(DueKind::NotSet)));
        assert_eq!(
            msg(parse_due_date(&t("soon"))),
            r#""soon" is not a due date; write a date such as 2025-07-10, or Ongoing, Annual or Not set"#
        );
        assert!(msg(parse_due_date(&dt(2025, 7, 10, 9, 30))).contains("time of day"));
        assert!(msg(parse_due_date(&n(3.0))).contains("is a number, not a date"));
        assert_eq!(DueKind::NotSet.as_str(), "NOT_SET");
    }

    // ---- periods -------------------------------------------------------------------------

    #[test]
    fn periods() {
        assert_eq!(parse_period(&t("2025-26")), Ok(p("2025-26")));
        assert_eq!(parse_period(&t(" 2025-26 Q1 ")), Ok(p("2025-26 Q1")));
        assert_eq!(parse_period(&t("2025-06")), Ok(p("2025-06")));
        assert_eq!(parse_period(&t("Jun 2025")), Ok(p("2025-06")));
        // Excel turns a typed 2025-06 into 1 June 2025: the month containing the date.
        assert_eq!(parse_period(&Cell::Date(d(2025, 6, 1))), Ok(p("2025-06")));
        assert_eq!(parse_period(&Cell::Date(d(2025, 6, 30))), Ok(p("2025-06")));
        assert_eq!(parse_period(&dt(2026, 3, 1, 0, 0)), Ok(p("2026-03")));
        assert_eq!(
            msg(parse_period(&t("2025-26 Q5"))),
            r#""2025-26 Q5" is not a period; write 2025-26, 2025-26 Q1 or 2025-06"#
        );
        assert_eq!(
            msg(parse_period(&n(2025.0))),
            "2025 is not a period; write 2025-26, 2025-26 Q1 or 2025-06"
        );
        assert_eq!(
            msg(parse_period(&Cell::Empty)),
            "the cell is empty; write 2025-26, 2025-26 Q1 or 2025-06"
        );
        assert!(
            msg(parse_period(&Cell::Date(NaiveDate::MAX)))
                .ends_with("is not a period; write 2025-26, 2025-26 Q1 or 2025-06")
        );
    }

    // ---- text ----------------------------------------------------------------------------

    #[test]
    fn optional_text() {
        assert_eq!(parse_optional_text(&Cell::Empty), Ok(None));
        assert_eq!(parse_optional_text(&t("   ")), Ok(None));
        assert_eq!(
            parse_optional_text(&t("  Fly-tipping  ")),
            Ok(Some("Fly-tipping".into()))
        );
        assert_eq!(parse_optional_text(&n(12.0)), Ok(Some("12".into())));
        assert_eq!(parse_optional_text(&n(1.5)), Ok(Some("1.5".into())));
        assert_eq!(
            parse_optional_text(&Cell::percent(0.92)),
            Ok(Some("92%".into()))
        );
        assert_eq!(
            parse_optional_text(&Cell::Bool(true)),
            Ok(Some("TRUE".into()))
        );
        assert_eq!(
            parse_optional_text(&Cell::Date(d(2025, 7, 10))),
            Ok(Some("2025-07-10".into()))
        );
        assert_eq!(
            parse_optional_text(&dt(2025, 7, 10, 0, 0)),
            Ok(Some("2025-07-10".into()))
        );
        assert_eq!(
            parse_optional_text(&dt(2025, 7, 10, 9, 5)),
            Ok(Some("2025-07-10 09:05".into()))
        );
        assert_eq!(
            msg(parse_optional_text(&Cell::Error("#REF!".into()))),
            "the cell shows the error #REF!; correct the formula or type the text"
        );
    }

    #[test]
    fn optional_columns() {
        assert_eq!(optional(&Cell::Empty, |c| parse_value(c, true)), Ok(None));
        assert_eq!(optional(&t(" "), |c| parse_value(c, true)), Ok(None));
        assert_eq!(
            optional(&Cell::percent(0.5), |c| parse_value(c, true)),
            Ok(Some(50.0))
        );
        assert!(optional(&t("n/a"), |c| parse_value(c, true)).is_err());
        assert_eq!(optional(&t("No"), parse_bool), Ok(Some(false)));
    }

    // ---- properties ----------------------------------------------------------------------

    proptest! {
        #[test]
        fn typed_decimals_read_back_exactly(int in 0u64..10_000_000, frac in proptest::option::of(0u32..1000), negative in any::<bool>()) {
            let plain = match frac {
                Some(f) => format!("{int}.{f:03}"),
                None => int.to_string(),
            };
            let expected: f64 = plain.parse().unwrap();
            let expected = if negative { -expected } else { expected } + 0.0;
            let sign = if negative { "-" } else { "" };
            // With thousands commas and a pound sign.
            let digits = int.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let with_commas = match frac {
                Some(f) => format!("{sign}£{grouped}.{f:03}"),
                None => format!("{sign}£{grouped}"),
            };
            prop_assert_eq!(parse_value(&t(&format!("{sign}{plain}")), false), Ok(expected));
            prop_assert_eq!(parse_value(&t(&with_commas), false), Ok(expected));
            // As a percentage: the same digits for a PERCENT indicator, a hundredth otherwise.
            prop_assert_eq!(parse_value(&t(&format!("{sign}{plain}%")), true), Ok(expected));
            let hundredth: f64 = format!("{sign}{plain}e-2").parse().unwrap();
            prop_assert_eq!(parse_value(&t(&format!("{sign}{plain}%")), false), Ok(hundredth + 0.0));
            // A percentage cell holding that hundredth reads back as the typed digits.
            prop_assert_eq!(parse_value(&Cell::percent(hundredth), true), Ok(expected));
        }

        #[test]
        fn cell_rules_never_panic(s in "\\PC{0,24}") {
            let c = t(&s);
            let _ = parse_value(&c, true);
            let _ = parse_value(&c, false);
            let _ = parse_bool(&c);
            let _ = parse_integer(&c, 0, 6);
            let _ = parse_date(&c);
            let _ = parse_due_date(&c);
            let _ = parse_period(&c);
            let _ = parse_word(&c, "polarity", Polarity::SPELLINGS);
            let _ = parse_optional_text(&c);
        }

        #[test]
        fn number_cells_never_panic(v in any::<f64>(), pct in any::<bool>()) {
            let c = Cell::Number { value: v, percent_format: pct };
            if let Ok(x) = parse_value(&c, true) {
                prop_assert!(x.is_finite());
            }
            let _ = parse_integer(&c, i64::MIN, i64::MAX);
            let _ = parse_bool(&c);
            let _ = parse_optional_text(&c);
        }
    }
}
