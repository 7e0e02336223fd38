//! The comparator data file (issue 17): long form CSV with the header
//! `metric,area_code,area_name,period,value`, one line per area, metric and period, as LG
//! Inform's CSV export maps onto it. Periods in the API's forms or LG Inform's own labels
//! (`2024/25`, `Q1 2024/25`, `Jun 2025`; see [`parse_period_label`]).
//!
//! A file with anything wrong is refused whole: [`read_comparator_file`] names every bad
//! line (its number as a text editor shows it) and what is wrong with it.
use std::collections::HashMap;

use serde::Serialize;

use crate::benchmark::parse_period_label;
use crate::newtypes::AreaCode;
use crate::period::Period;
use crate::value::shorten;

/// The header the file must start with.
pub const HEADER: [&str; 5] = ["metric", "area_code", "area_name", "period", "value"];

/// The longest metric id and area name.
pub const MAX_TEXT: usize = 200;

/// One line of the file, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparatorLine {
    /// Its line number as a text editor shows it (1 is the header).
    pub line: u64,
    /// LG Inform's metric type id ("9613"), as indicators name it in `benchmarkMetric`.
    pub metric: String,
    pub area_code: AreaCode,
    pub area_name: String,
    pub period: Period,
    pub value: f64,
}

/// What is wrong with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    /// Its line number as a text editor shows it (1 is the header).
    pub line: u64,
    pub message: String,
}

fn problem(line: u64, message: impl Into<String>) -> LineProblem {
    LineProblem {
        line,
        message: message.into(),
    }
}

/// The line a byte offset of `bytes` is on (1 for the first).
fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
}

fn text(line: u64, column: &str, s: &str, problems: &mut Vec<LineProblem>) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        problems.push(problem(line, format!("{column} is empty")));
        None
    } else if t.chars().count() > MAX_TEXT {
        problems.push(problem(
            line,
            format!("{column} is longer than {MAX_TEXT} characters"),
        ));
        None
    } else {
        Some(t.to_string())
    }
}

fn value(line: u64, s: &str, problems: &mut Vec<LineProblem>) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        problems.push(problem(
            line,
            "value is empty: leave out the lines of areas with no value",
        ));
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            problems.push(problem(
                line,
                format!(
                    "value {:?} is not a number: write it with a point and no thousands separators, such as 1234.5",
                    shorten(t)
                ),
            ));
            None
        }
    }
}

/// The line a record starting at byte `offset` is on. The csv reader's own line numbers
/// count neither blank lines nor a CRLF's line break, and a record's offset is where the
/// previous one ended: skip the line breaks between them.
fn record_line(bytes: &[u8], offset: u64) -> u64 {
    let mut at = usize::try_from(offset)
        .unwrap_or(bytes.len())
        .min(bytes.len());
    while bytes.get(at).is_some_and(|b| *b == b'\n' || *b == b'\r') {
        at += 1;
    }
    line_of(bytes, at)
}

/// Reads a comparator data file: every line, or every problem (none stored then).
pub fn read_comparator_file(bytes: &[u8]) -> Result<Vec<ComparatorLine>, Vec<LineProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(vec![problem(
            line_of(bytes, e.valid_up_to()),
            "the file is not UTF-8 text: save it as CSV UTF-8",
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let mut seen: HashMap<(String, AreaCode, Period), u64> = HashMap::new();
    let mut header_read = false;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(1, |p| record_line(bytes, p.byte()));
                problems.push(problem(line, format!("the line cannot be read: {e}")));
                break;
            }
        };
        let line = record
            .position()
            .map_or(1, |p| record_line(bytes, p.byte()));
        if !header_read {
            header_read = true;
            let got: Vec<String> = record
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect();
            if got != HEADER {
                problems.push(problem(
                    line,
                    format!(
                        "the header must be {}, not {}",
                        HEADER.join(","),
                        shorten(&record.iter().collect::<Vec<_>>().join(","))
                    ),
                ));
                // The columns are not known: the lines cannot be read.
                return Err(problems);
            }
            continue;
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != HEADER.len() {
            problems.push(problem(
                line,
                format!(
                    "the line has {} fields, not 5 ({})",
                    record.len(),
                    HEADER.join(",")
                ),
            ));
            continue;
        }
        let before = problems.len();
        let metric = text(line, "metric", &record[0], &mut problems);
        let area_code = match AreaCode::parse(&record[1]) {
            Ok(a) => Some(a),
            Err(e) => {
                problems.push(problem(
                    line,
                    format!("area_code {:?}: {}", e.input, e.reason),
                ));
                None
            }
        };
        let area_name = text(line, "area_name", &record[2], &mut problems);
        let period = match parse_period_label(&record[3]) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(problem(line, format!("period: {e}")));
                None
            }
        };
        let value = value(line, &record[4], &mut problems);
        if problems.len() > before {
            continue;
        }
        let (Some(metric), Some(area_code), Some(area_name), Some(period), Some(value)) =
            (metric, area_code, area_name, period, value)
        else {
            continue;
        };
        let key = (metric.clone(), area_code.clone(), period);
        if let Some(first) = seen.get(&key) {
            problems.push(problem(
                line,
                format!(
                    "metric {metric}, {area_code} and {period} are already on line {first}: give each once"
                ),
            ));
            continue;
        }
        seen.insert(key, line);
        lines.push(ComparatorLine {
            line,
            metric,
            area_code,
            area_name,
            period,
            value,
        });
    }
    if !header_read {
        problems.push(problem(
            1,
            format!("the file is empty: its first line is {}", HEADER.join(",")),
        ));
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(problems: &[LineProblem]) -> Vec<u64> {
        problems.iter().map(|p| p.line).collect()
    }

    #[test]
    fn reads_lg_inform_labels_and_the_api_forms() {
        let file = "\u{feff}metric,area_code,area_name,period,value\r\n\
            9613,E07000146,King's Lynn and West Norfolk,2024/25,41.5\r\n\
            9613,e07000147,North Norfolk,Q1 2024/25,40\r\n\
            \r\n\
            9613,E07000148,\"Norwich, City of\",Jun 2025,-3.25\r\n\
            9613,E07000149,South Norfolk,2025-26,12\r\n";
        let lines = read_comparator_file(file.as_bytes()).expect("a good file");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[0].period, Period::parse("2024-25").expect("year"));
        assert_eq!(lines[1].area_code.as_str(), "E07000147");
        assert_eq!(
            lines[1].period,
            Period::parse("2024-25 Q1").expect("quarter")
        );
        assert_eq!(lines[2].line, 5, "the blank line 4 is skipped but counted");
        assert_eq!(lines[2].area_name, "Norwich, City of");
        assert_eq!(lines[2].period, Period::parse("2025-06").expect("month"));
        assert_eq!(lines[2].value, -3.25);
        assert_eq!(lines[3].period, Period::parse("2025-26").expect("year"));
    }

    #[test]
    fn every_bad_line_is_named() {
        let file = "metric,area_code,area_name,period,value\n\
            9613,E07000146,A,2024/25,1\n\
            9613,E0700014,B,2024/25,1\n\
            9613,E07000147,C,2024/2025,1\n\
            9613,E07000148,D,2024/25,1,234\n\
            ,E07000149,E,2024/25,n/a\n\
            9613,E07000146,A again,2024-25,2\n\
            9613,E07000150,F,2024/25,\n";
        let problems = read_comparator_file(file.as_bytes()).expect_err("refused");
        assert_eq!(lines_of(&problems), vec![3, 4, 5, 6, 6, 7, 8]);
        assert!(problems[0].message.contains("area_code \"E0700014\""));
        assert!(problems[1].message.contains("period:"));
        assert!(problems[2].message.contains("6 fields"));
        assert!(problems[3].message.contains("metric is empty"));
        assert!(problems[4].message.contains("\"n/a\" is not a number"));
        assert!(problems[5].message.contains("already on line 2"));
        assert!(problems[6].message.contains("value is empty"));
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused_at_line_one() {
        let p = read_comparator_file(b"area,value\nE07000146,1\n").expect_err("refused");
        assert_eq!(lines_of(&p), vec![1]);
        assert!(p[0].message.starts_with("the header must be"));
        let p = read_comparator_file(b"").expect_err("refused");
        assert_eq!(lines_of(&p), vec![1]);
        let ok = read_comparator_file(b" Metric , AREA_CODE,area_name,period,value\n")
            .expect("a header alone is a file with no values");
        assert!(ok.is_empty());
    }

    #[test]
    fn text_that_is_not_utf8_names_its_line() {
        let p = read_comparator_file(
            b"metric,area_code,area_name,period,value\n1,E07000146,\xff,2024/25,1\n",
        )
        .expect_err("refused");
        assert_eq!(lines_of(&p), vec![2]);
        assert!(p[0].message.contains("UTF-8"));
    }

    #[test]
    fn a_quoted_line_break_keeps_the_editors_line_numbers() {
        let file = "metric,area_code,area_name,period,value\n\
            1,E07000146,\"Two\nlines\",2024/25,1\n\
            1,E07000147,B,2024/25,x\n";
        let p = read_comparator_file(file.as_bytes()).expect_err("refused");
        assert_eq!(lines_of(&p), vec![4]);
    }
}
